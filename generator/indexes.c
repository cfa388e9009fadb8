/* SPDX-License-Identifier: Apache-2.0 */
#include <inttypes.h>

#include "jobsd/indexes.h"
#include "jobsd/strv.h"

#define PREFIX "error parsing succeededIndexes: "

void index_set_done(IndexSet *s) {
        s->intervals = mfree(s->intervals);
        s->n = 0;
}

/* Go's strconv.Atoi: optional sign, decimal digits, fits in int. */
static int atoi_go(const char *s, size_t n, int64_t *ret) {
        int64_t v = 0;
        bool neg = false;
        size_t i = 0;

        if (n > 0 && (s[0] == '+' || s[0] == '-'))
                neg = s[i++] == '-';
        if (i == n)
                return -EINVAL;
        for (; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                v = v * 10 + (s[i] - '0');
                if (v > INT32_MAX + (int64_t) 1)
                        return -ERANGE;
        }
        *ret = neg ? -v : v;
        return 0;
}

int index_set_parse(const char *s, int32_t completions, IndexSet *ret, char **reterr_message) {
        IndexSet set = {};
        int64_t previous = -1;

        if (!*s) {
                *ret = set;
                return 0;
        }
        for (const char *p = s;;) {
                size_t n = strcspn(p, ",");
                _cleanup_(freep) char *frag = strndup(p, n);
                int64_t bounds[2];
                size_t parts = 0;

                if (!frag)
                        goto oom;
                for (const char *q = frag;;) {
                        size_t k = strcspn(q, "-");
                        if (parts == 2) {
                                if (reterr_message)
                                        *reterr_message = strprintf(PREFIX "the fragment \"%s\" violates the requirement that an "
                                                                    "index interval can have at most two parts separated by '-'", frag);
                                goto invalid;
                        }
                        if (atoi_go(q, k, &bounds[parts]) < 0) {
                                if (reterr_message)
                                        *reterr_message = strprintf(PREFIX "cannot convert string to integer for index: \"%.*s\"",
                                                                    (int) k, q);
                                goto invalid;
                        }
                        if (bounds[parts] >= completions) {
                                if (reterr_message)
                                        *reterr_message = strprintf(PREFIX "too large index: \"%.*s\"", (int) k, q);
                                goto invalid;
                        }
                        if (bounds[parts] < 0) {
                                if (reterr_message)
                                        *reterr_message = strprintf(PREFIX "cannot convert string to integer for index: \"%.*s\"",
                                                                    (int) k, q);
                                goto invalid;
                        }
                        if (bounds[parts] <= previous) {
                                if (reterr_message)
                                        *reterr_message = strprintf(PREFIX "non-increasing order, previous: %" PRIi64
                                                                    ", current: %" PRIi64, previous, bounds[parts]);
                                goto invalid;
                        }
                        previous = bounds[parts];
                        parts++;
                        if (!q[k])
                                break;
                        q += k + 1;
                }
                IndexInterval *iv = realloc(set.intervals, sizeof(IndexInterval) * (set.n + 1));
                if (!iv)
                        goto oom;
                set.intervals = iv;
                iv[set.n++] = (IndexInterval) { (int32_t) bounds[0], (int32_t) bounds[parts - 1] };
                if (!p[n])
                        break;
                p += n + 1;
        }
        *ret = set;
        return 0;
invalid:
        index_set_done(&set);
        return -EINVAL;
oom:
        index_set_done(&set);
        return -ENOMEM;
}

uint64_t index_set_count(const IndexSet *s) {
        uint64_t n = 0;

        for (size_t i = 0; i < s->n; i++)
                n += (uint64_t) (s->intervals[i].last - s->intervals[i].first) + 1;
        return n;
}

bool index_set_contains(const IndexSet *s, int32_t index) {
        for (size_t i = 0; i < s->n; i++)
                if (index >= s->intervals[i].first && index <= s->intervals[i].last)
                        return true;
        return false;
}
