/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <inttypes.h>

#include "jobsd/quantity.h"
#include "jobsd/strv.h"

#define REGEX_MESSAGE "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
#define SUFFIX_MESSAGE "unable to parse quantity's suffix"
#define NANO_MAX ((__int128) 1 << 120)  /* saturation: far beyond 2⁶³ units */

/* The shape Kubernetes checks first, as its regular expression. */
static bool matches_regex(const char *s) {
        const char *p = s;
        bool any = false;

        if (*p == '+' || *p == '-')
                p++;
        while (isdigit((unsigned char) *p) || *p == '.') {
                any = true;
                p++;
        }
        if (!any)
                return false;
        while (*p && strchr("eEinumkKMGTP", *p))
                p++;
        if (*p == '+' || *p == '-')
                p++;
        while (isdigit((unsigned char) *p))
                p++;
        return *p == 0;
}

static __int128 mul_sat(__int128 a, __int128 b) {
        if (a == 0 || b == 0)
                return 0;
        if (a > NANO_MAX / b)
                return NANO_MAX;
        return a * b;
}

static __int128 pow10_sat(int e) {
        __int128 v = 1;

        for (int i = 0; i < e; i++)
                v = mul_sat(v, 10);
        return v;
}

int quantity_parse(const char *input, Quantity *ret, char **reterr_message) {
        _cleanup_(freep) char *s = NULL;
        const char *p, *suffix;
        __int128 mantissa = 0;
        int frac = 0, exp10 = 0, exp2 = 0;
        bool neg = false, dot = false, digits = false, binary = false;
        size_t start, end;

        /* Surrounding spaces are trimmed. */
        start = strspn(input, " ");
        end = strlen(input);
        while (end > start && input[end - 1] == ' ')
                end--;
        s = strndup(input + start, end - start);
        if (!s)
                return -ENOMEM;
        if (!matches_regex(s)) {
                if (reterr_message)
                        *reterr_message = strdup(REGEX_MESSAGE);
                return -EINVAL;
        }

        p = s;
        if (*p == '+' || *p == '-')
                neg = *p++ == '-';
        for (; isdigit((unsigned char) *p) || *p == '.'; p++) {
                if (*p == '.') {
                        if (dot) {
                                if (reterr_message)
                                        *reterr_message = strdup(REGEX_MESSAGE);
                                return -EINVAL;
                        }
                        dot = true;
                        continue;
                }
                digits = true;
                /* Digits beyond what 10⁻⁹ resolution and the cap need only decide rounding up. */
                if (mantissa < NANO_MAX / 10) {
                        mantissa = mantissa * 10 + (*p - '0');
                        if (dot)
                                frac++;
                } else if (!dot)
                        exp10++;
                else if (*p != '0' && frac < 40) {
                        /* a non-zero digit too fine to keep: round up */
                        mantissa += 1;
                }
        }
        if (!digits) {
                if (reterr_message)
                        *reterr_message = strdup(REGEX_MESSAGE);
                return -EINVAL;
        }

        suffix = p;
        if (*suffix == 0)
                ;
        else if (strlen(suffix) == 2 && suffix[1] == 'i' && strchr("KMGTPE", suffix[0])) {
                binary = true;
                exp2 = 10 * (int) (strchr("KMGTPE", suffix[0]) - "KMGTPE" + 1);
        } else if (strlen(suffix) == 1 && strchr("numkMGTPE", suffix[0])) {
                static const struct { char c; int e; } t[] = {
                        { 'n', -9 }, { 'u', -6 }, { 'm', -3 }, { 'k', 3 }, { 'M', 6 }, { 'G', 9 }, { 'T', 12 },
                        { 'P', 15 }, { 'E', 18 },
                };
                for (size_t i = 0; i < ELEMENTSOF(t); i++)
                        if (t[i].c == suffix[0])
                                exp10 += t[i].e;
        } else if ((suffix[0] == 'e' || suffix[0] == 'E') && suffix[1]) {
                /* e<int>: a decimal exponent, as Go's Atoi reads it. */
                char *e;
                long v;
                const char *q = suffix + 1;
                if (*q == '+' || *q == '-')
                        q++;
                if (!isdigit((unsigned char) *q)) {
                        if (reterr_message)
                                *reterr_message = strdup(SUFFIX_MESSAGE);
                        return -EINVAL;
                }
                errno = 0;
                v = strtol(suffix + 1, &e, 10);
                if (errno || *e || v > 1000 || v < -1000) {
                        if (reterr_message)
                                *reterr_message = strdup(SUFFIX_MESSAGE);
                        return -EINVAL;
                }
                exp10 += (int) v;
        } else {
                if (reterr_message)
                        *reterr_message = strdup(SUFFIX_MESSAGE);
                return -EINVAL;
        }

        /* nano = mantissa · 10^(9 − frac + exp10) · 2^exp2, rounded up. */
        __int128 v = mantissa;
        for (int i = 0; i < exp2; i++)
                v = mul_sat(v, 2);
        int e = 9 - frac + exp10;
        if (e >= 0)
                v = mul_sat(v, pow10_sat(e));
        else {
                __int128 d = pow10_sat(-e);
                v = d >= NANO_MAX ? (v > 0) : (v + d - 1) / d;
        }
        if (v > NANO_MAX)
                v = NANO_MAX;
        *ret = (Quantity) { .nano = neg ? -v : v, .binary = binary };
        return 0;
}

static int64_t div_ceil_sat(__int128 v, __int128 d) {
        __int128 q = v >= 0 ? (v + d - 1) / d : v / d;

        if (q > INT64_MAX)
                return INT64_MAX;
        if (q < INT64_MIN)
                return INT64_MIN;
        return (int64_t) q;
}

int64_t quantity_to_int_ceil(const Quantity *q) {
        return div_ceil_sat(q->nano, 1000000000);
}

int64_t quantity_to_milli_ceil(const Quantity *q) {
        return div_ceil_sat(q->nano, 1000000);
}

int quantity_cmp(const Quantity *a, const Quantity *b) {
        return a->nano < b->nano ? -1 : a->nano > b->nano;
}

bool quantity_is_negative(const Quantity *q) {
        return q->nano < 0;
}

static char *format_i128(__int128 v) {
        char buf[64], *p = buf + sizeof(buf) - 1;
        bool neg = v < 0;
        unsigned __int128 u = neg ? -(unsigned __int128) v : (unsigned __int128) v;

        *p = 0;
        do {
                *--p = (char) ('0' + (int) (u % 10));
                u /= 10;
        } while (u);
        if (neg)
                *--p = '-';
        return strdup(p);
}

char *quantity_format(const Quantity *q) {
        static const struct { const char *s; int e; } dec[] = {
                { "E", 27 }, { "P", 24 }, { "T", 21 }, { "G", 18 }, { "M", 15 }, { "k", 12 }, { "", 9 }, { "m", 6 },
                { "u", 3 }, { "n", 0 },
        };
        _cleanup_(freep) char *n = NULL;
        __int128 v = q->nano;

        if (v == 0)
                return strdup("0");
        if (q->binary && v % 1000000000 == 0) {
                static const char *const bin[] = { "Ei", "Pi", "Ti", "Gi", "Mi", "Ki" };
                __int128 units = v / 1000000000;
                for (size_t i = 0; i < ELEMENTSOF(bin); i++) {
                        __int128 d = (__int128) 1 << (10 * (6 - i));
                        if (units % d == 0) {
                                n = format_i128(units / d);
                                return n ? strprintf("%s%s", n, bin[i]) : NULL;
                        }
                }
                n = format_i128(units);
                return n ? strdup(n) : NULL;
        }
        for (size_t i = 0; i < ELEMENTSOF(dec); i++) {
                __int128 d = pow10_sat(dec[i].e);
                if (v % d == 0) {
                        n = format_i128(v / d);
                        return n ? strprintf("%s%s", n, dec[i].s) : NULL;
                }
        }
        return format_i128(v);
}
