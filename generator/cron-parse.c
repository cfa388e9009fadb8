/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <inttypes.h>

#include "jobsd/cron.h"
#include "jobsd/strv.h"
#include "jobsd/tz.h"

typedef struct Bounds {
        int min, max;
        const char *const *names;       /* three-letter names for min, min+1, … */
} Bounds;

static const char *const month_names[] = { "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec", NULL };
static const char *const dow_names[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL };

static const Bounds bounds[5] = {
        { 0, 59, NULL }, { 0, 23, NULL }, { 1, 31, NULL }, { 1, 12, month_names }, { 0, 6, dow_names },
};

/* Go's strconv.Atoi, with robfig's messages. */
static int parse_int(const char *s, int64_t *ret, char **reterr) {
        const char *p = s;
        int64_t v = 0;
        bool neg = false;

        if (*p == '+' || *p == '-')
                neg = *p++ == '-';
        if (!*p)
                goto bad;
        for (; *p; p++) {
                if (!isdigit((unsigned char) *p))
                        goto bad;
                v = v * 10 + (*p - '0');
                if (v > INT32_MAX) {
                        *reterr = strprintf("failed to parse int from %s: strconv.Atoi: parsing \"%s\": value out of range", s, s);
                        return -EINVAL;
                }
        }
        if (neg) {
                *reterr = strprintf("negative number (%" PRIi64 ") not allowed: %s", -v, s);
                return -EINVAL;
        }
        *ret = v;
        return 0;
bad:
        *reterr = strprintf("failed to parse int from %s: strconv.Atoi: parsing \"%s\": invalid syntax", s, s);
        return -EINVAL;
}

static int parse_int_or_name(const char *s, const Bounds *b, int64_t *ret, char **reterr) {
        if (b->names)
                for (size_t i = 0; b->names[i]; i++)
                        if (strcasecmp(s, b->names[i]) == 0) {
                                *ret = b->min + (int64_t) i;
                                return 0;
                        }
        return parse_int(s, ret, reterr);
}

/* One comma-separated item: '*', '?', N, N-M, each with an optional /step (robfig's getRange). */
static int parse_range(const char *expr, const Bounds *b, uint64_t *bits, bool *star, char **reterr) {
        _cleanup_(strv_freep) char **rs = NULL, **lh = NULL;
        int64_t start, end, step = 1;
        bool single, is_star = false;
        int r;

        for (const char *p = expr;;) {
                size_t n = strcspn(p, "/");
                if (strv_push(&rs, strndup(p, n)) < 0)
                        return -ENOMEM;
                if (!p[n])
                        break;
                p += n + 1;
        }
        for (const char *p = rs[0];;) {
                size_t n = strcspn(p, "-");
                if (strv_push(&lh, strndup(p, n)) < 0)
                        return -ENOMEM;
                if (!p[n])
                        break;
                p += n + 1;
        }
        single = strv_length(lh) == 1;

        if (streq(lh[0], "*") || streq(lh[0], "?")) {
                start = b->min;
                end = b->max;
                is_star = true;
        } else {
                r = parse_int_or_name(lh[0], b, &start, reterr);
                if (r < 0)
                        return r;
                switch (strv_length(lh)) {
                case 1:
                        end = start;
                        break;
                case 2:
                        r = parse_int_or_name(lh[1], b, &end, reterr);
                        if (r < 0)
                                return r;
                        break;
                default:
                        *reterr = strprintf("too many hyphens: %s", expr);
                        return -EINVAL;
                }
        }
        switch (strv_length(rs)) {
        case 1:
                break;
        case 2:
                r = parse_int(rs[1], &step, reterr);
                if (r < 0)
                        return r;
                /* "N/step" means N-max/step. */
                if (single)
                        end = b->max;
                if (step > 1)
                        is_star = false;
                break;
        default:
                *reterr = strprintf("too many slashes: %s", expr);
                return -EINVAL;
        }
        if (start < b->min) {
                *reterr = strprintf("beginning of range (%" PRIi64 ") below minimum (%d): %s", start, b->min, expr);
                return -EINVAL;
        }
        if (end > b->max) {
                *reterr = strprintf("end of range (%" PRIi64 ") above maximum (%d): %s", end, b->max, expr);
                return -EINVAL;
        }
        if (start > end) {
                *reterr = strprintf("beginning of range (%" PRIi64 ") beyond end of range (%" PRIi64 "): %s", start, end, expr);
                return -EINVAL;
        }
        if (step == 0) {
                *reterr = strprintf("step of range should be a positive number: %s", expr);
                return -EINVAL;
        }
        for (int64_t i = start; i <= end; i += step)
                *bits |= UINT64_C(1) << i;
        if (is_star)
                *star = true;
        return 0;
}

static int parse_field(const char *field, const Bounds *b, uint64_t *bits, bool *star, char **reterr) {
        /* Empty items are dropped, as strings.FieldsFunc drops them. */
        for (const char *p = field;;) {
                size_t n = strcspn(p, ",");
                if (n > 0) {
                        _cleanup_(freep) char *item = strndup(p, n);
                        int r;
                        if (!item)
                                return -ENOMEM;
                        r = parse_range(item, b, bits, star, reterr);
                        if (r < 0)
                                return r;
                }
                if (!p[n])
                        return 0;
                p += n + 1;
        }
}

/* Go's time.ParseDuration, for @every: a sequence of decimal numbers with units ns us µs ms s m h. */
static int parse_go_duration(const char *s, usec_t *ret) {
        static const struct { const char *u; double usec; } units[] = {
                { "ns", 0.001 }, { "us", 1 }, { "µs", 1 }, { "μs", 1 }, { "ms", 1000 }, { "s", 1e6 }, { "m", 60e6 },
                { "h", 3600e6 },
        };
        double total = 0;
        const char *p = s;

        if (*p == '+')
                p++;
        if (streq(p, "0")) {
                *ret = 0;
                return 0;
        }
        if (!*p)
                return -EINVAL;
        while (*p) {
                char *e;
                double v;
                size_t best = 0, bi = 0;

                if (!isdigit((unsigned char) *p) && *p != '.')
                        return -EINVAL;
                v = strtod(p, &e);
                if (e == p)
                        return -EINVAL;
                p = e;
                for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                        size_t l = strlen(units[i].u);
                        if (strneq(p, units[i].u, l) && l > best)
                                best = l, bi = i;
                }
                if (!best)
                        return -EINVAL;
                total += v * units[bi].usec;
                p += best;
        }
        *ret = (usec_t) total;
        return 0;
}

int cron_spec_parse(const char *s, CronSpec *ret, char **reterr_message) {
        static const struct { const char *name; const char *expr; } descriptors[] = {
                { "@yearly", "0 0 1 1 *" }, { "@annually", "0 0 1 1 *" }, { "@monthly", "0 0 1 * *" },
                { "@weekly", "0 0 * * 0" }, { "@daily", "0 0 * * *" }, { "@midnight", "0 0 * * *" },
                { "@hourly", "0 * * * *" },
        };
        _cleanup_(strv_freep) char **fields = NULL;
        _cleanup_(freep) char *err = NULL;
        CronSpec c = {};
        uint64_t bits[5] = {};
        bool stars[5] = {};
        int r;

        if (strstr(s, "TZ")) {
                if (reterr_message)
                        *reterr_message = strdup("cannot use TZ or CRON_TZ in schedule, use timeZone field instead");
                return -EINVAL;
        }
        if (s[0] == '@') {
                const char *every = startswith(s, "@every ");
                if (every) {
                        usec_t d;
                        if (parse_go_duration(every, &d) < 0) {
                                if (reterr_message)
                                        *reterr_message = strprintf("failed to parse duration %s: time: invalid duration \"%s\"", s, every);
                                return -EINVAL;
                        }
                        /* robfig: at least a second, whole seconds. */
                        d = d / USEC_PER_SEC * USEC_PER_SEC;
                        c.every_usec = MAX(d, USEC_PER_SEC);
                        *ret = c;
                        return 0;
                }
                for (size_t i = 0; i < ELEMENTSOF(descriptors); i++)
                        if (streq(s, descriptors[i].name))
                                return cron_spec_parse(descriptors[i].expr, ret, reterr_message);
                if (reterr_message)
                        *reterr_message = strprintf("unrecognized descriptor: %s", s);
                return -EINVAL;
        }

        /* strings.Fields: runs of white space separate fields. */
        for (const char *p = s; *p;) {
                size_t n;
                p += strspn(p, " \t\n\r\v\f");
                if (!*p)
                        break;
                n = strcspn(p, " \t\n\r\v\f");
                if (strv_push(&fields, strndup(p, n)) < 0)
                        return -ENOMEM;
                p += n;
        }
        if (strv_length(fields) != 5) {
                if (reterr_message) {
                        _cleanup_(freep) char *j = strv_join(fields, " ");
                        *reterr_message = strprintf("expected exactly 5 fields, found %zu: [%s]", strv_length(fields), strempty(j));
                }
                return -EINVAL;
        }
        for (size_t i = 0; i < 5; i++) {
                r = parse_field(fields[i], bounds + i, bits + i, stars + i, &err);
                if (r < 0) {
                        if (reterr_message)
                                *reterr_message = TAKE_PTR(err);
                        return r;
                }
        }
        c.minute = bits[0];
        c.hour = (uint32_t) bits[1];
        c.dom = (uint32_t) bits[2];
        c.month = (uint16_t) bits[3];
        c.dow = (uint8_t) bits[4];
        c.dom_star = stars[2];
        c.dow_star = stars[4];
        *ret = c;
        return 0;
}

int cron_time_zone_check(const char *tz, char **reterr_message) {
        _cleanup_(time_zone_freep) TimeZone *z = NULL;
        int r;

        if (!tz)
                return 0;
        if (!*tz) {
                if (reterr_message)
                        *reterr_message = strdup("timeZone must be nil or non-empty string");
                return -EINVAL;
        }
        if (strcasecmp(tz, "Local") == 0) {
                if (reterr_message)
                        *reterr_message = strdup("timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones");
                return -EINVAL;
        }
        /* Each part: [A-Za-z.-_0-9+]{1,14}, not "." or "..", not starting with '-'. */
        for (const char *p = tz;;) {
                size_t n = strcspn(p, "/");
                bool ok = n >= 1 && n <= 14 && p[0] != '-' && !(n == 1 && p[0] == '.') && !(n == 2 && p[0] == '.' && p[1] == '.');
                for (size_t i = 0; ok && i < n; i++)
                        ok = isalnum((unsigned char) p[i]) || strchr(".-_+", p[i]);
                if (!ok)
                        goto unknown;
                if (!p[n])
                        break;
                p += n + 1;
        }
        r = time_zone_load(tz, &z);
        if (r == -ENOMEM)
                return r;
        if (r >= 0)
                return 0;
unknown:
        if (reterr_message)
                *reterr_message = strprintf("unknown time zone %s", tz);
        return -EINVAL;
}

bool cron_spec_matches(const CronSpec *c, int month, int day, int weekday, int hour, int minute) {
        bool dom = c->dom & (UINT32_C(1) << day), dow = c->dow & (1u << weekday);

        if (!(c->month & (1u << month)) || !(c->hour & (UINT32_C(1) << hour)) || !(c->minute & (UINT64_C(1) << minute)))
                return false;
        if (c->dom_star || c->dow_star)
                return dom && dow;
        return dom || dow;
}
