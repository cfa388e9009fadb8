/* SPDX-License-Identifier: Apache-2.0 */
/* The schedule grammar of robfig/cron v3.0.1's standard parser (spec §5.2), with its error messages,
 * which embed Go's strconv and time error texts. Written from the documented behaviour, not from its code. */
#include <inttypes.h>
#include <stdarg.h>

#include "jobsd/cron.h"
#include "jobsd/strv.h"

typedef struct Bounds {
        unsigned min, max;
        const char *const *names;       /* three-letter names of min, min + 1, … */
} Bounds;

static const char *const month_names[] = {
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec", NULL,
};
static const char *const dow_names[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL };

static const Bounds field_bounds[5] = {
        { 0, 59, NULL },                /* minute */
        { 0, 23, NULL },                /* hour */
        { 1, 31, NULL },                /* day of month */
        { 1, 12, month_names },         /* month */
        { 0, 6, dow_names },            /* day of week */
};

static int fail(char **reterr, const char *fmt, ...) _printf_(2, 3);
static int fail(char **reterr, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        *reterr = vstrprintf(fmt, ap);
        va_end(ap);
        return *reterr ? -EINVAL : -ENOMEM;
}

/* UTF-8 as Go decodes it: the code point and its length, or U+FFFD and length 1 for a bad byte. */
static uint32_t utf8_decode(const char *s, size_t *ret_len) {
        const unsigned char *p = (const unsigned char *) s;
        uint32_t c;
        size_t n;

        if (p[0] < 0x80) {
                *ret_len = 1;
                return p[0];
        }
        if (p[0] >= 0xc2 && p[0] <= 0xdf)
                n = 2, c = p[0] & 0x1f;
        else if (p[0] >= 0xe0 && p[0] <= 0xef)
                n = 3, c = p[0] & 0x0f;
        else if (p[0] >= 0xf0 && p[0] <= 0xf4)
                n = 4, c = p[0] & 0x07;
        else
                goto bad;
        for (size_t i = 1; i < n; i++) {
                if ((p[i] & 0xc0) != 0x80)
                        goto bad;
                c = c << 6 | (p[i] & 0x3f);
        }
        if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff))
                goto bad;
        *ret_len = n;
        return c;
bad:
        *ret_len = 1;
        return 0xfffd;
}

/* Go's unicode.IsSpace, as strings.Fields uses it. */
static bool go_is_space(uint32_t c) {
        return (c >= '\t' && c <= '\r') || c == ' ' || c == 0x85 || c == 0xa0 || c == 0x1680 ||
                (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
                c == 0x3000;
}

/* Go's unicode.IsPrint, approximately: control and format characters, private use, non-characters and
 * spaces other than ' ' are not printable; unassigned code points are taken as printable. */
static bool go_is_print(uint32_t c) {
        if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
                return false;
        if (c == 0xad || (c >= 0x600 && c <= 0x605) || c == 0x61c || c == 0x6dd || c == 0x70f || c == 0x8e2 ||
            c == 0x180e || (c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) ||
            (c >= 0x2060 && c <= 0x206f) || c == 0xfeff || (c >= 0xfff9 && c <= 0xfffb) || c == 0x110bd ||
            c == 0x110cd || (c >= 0x1d173 && c <= 0x1d17a) || (c >= 0xe0000 && c <= 0xe0fff))
                return false;
        if ((c >= 0xe000 && c <= 0xf8ff) || c >= 0xf0000 || (c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe)
                return false;
        return c == ' ' || !go_is_space(c);
}

/* Go's strconv.Quote(). */
static char *go_quote(const char *s) {
        _cleanup_(freep) char *buf = NULL;
        size_t size = 0;
        FILE *f;

        f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        fputc('"', f);
        for (const char *p = s; *p;) {
                size_t n;
                uint32_t c = utf8_decode(p, &n);

                if (c == 0xfffd && n == 1)
                        fprintf(f, "\\x%02x", (unsigned char) *p);
                else if (c == '"' || c == '\\')
                        fprintf(f, "\\%c", (char) c);
                else if (go_is_print(c))
                        fwrite(p, 1, n, f);
                else if (c < 0x80 && strchr("\a\b\f\n\r\t\v", (int) c))
                        fprintf(f, "\\%c", "abfnrtv"[strchr("\a\b\f\n\r\t\v", (int) c) - "\a\b\f\n\r\t\v"]);
                else if (c < ' ' || c == 0x7f)
                        fprintf(f, "\\x%02x", c);
                else if (c < 0x10000)
                        fprintf(f, "\\u%04x", c);
                else
                        fprintf(f, "\\U%08x", c);
                p += n;
        }
        fputc('"', f);
        if (fclose(f) != 0)
                return NULL;
        return TAKE_PTR(buf);
}

/* Go's strconv.Atoi() (a decimal int64 with an optional sign), then robfig's check for negative numbers,
 * with their messages. */
static int parse_int(const char *s, uint64_t *ret, char **reterr) {
        _cleanup_(freep) char *q = NULL;
        const char *p = s, *what;
        uint64_t v = 0;
        bool neg = false;

        if (*p == '+' || *p == '-')
                neg = *p++ == '-';
        if (!*p)
                goto syntax;
        for (; *p; p++) {
                unsigned d = (unsigned char) *p - '0';

                if (d > 9)
                        goto syntax;
                if (v > UINT64_MAX / 10 || v * 10 > UINT64_MAX - d)
                        goto range;             /* Go stops at the first overflow, before later bad digits */
                v = v * 10 + d;
        }
        if (v > (uint64_t) INT64_MAX + neg)
                goto range;
        if (neg && v > 0)
                return fail(reterr, "negative number (-%" PRIu64 ") not allowed: %s", v, s);
        *ret = v;
        return 0;

syntax:
        what = "invalid syntax";
        goto error;
range:
        what = "value out of range";
error:
        q = go_quote(s);
        if (!q)
                return -ENOMEM;
        return fail(reterr, "failed to parse int from %s: strconv.Atoi: parsing %s: %s", s, q, what);
}

static int parse_int_or_name(const char *s, const Bounds *b, uint64_t *ret, char **reterr) {
        if (b->names && strlen(s) == 3)
                for (size_t i = 0; b->names[i]; i++) {
                        bool eq = true;

                        for (size_t k = 0; k < 3; k++)
                                if ((s[k] | 0x20) != b->names[i][k])
                                        eq = false;
                        if (eq) {
                                *ret = b->min + i;
                                return 0;
                        }
                }
        return parse_int(s, ret, reterr);
}

/* Go's strings.Split(s, sep) for a one-byte separator: empty parts are kept. */
static char **split(const char *s, char sep) {
        _cleanup_(strv_freep) char **l = NULL;

        for (const char *p = s;;) {
                const char *e = strchr(p, sep);
                size_t n = e ? (size_t) (e - p) : strlen(p);

                if (strv_push(&l, strndup(p, n)) < 0)
                        return NULL;
                if (!e)
                        return TAKE_PTR(l);
                p = e + 1;
        }
}

/* One comma-separated item: '*' or '?', N, N-M, each with an optional /STEP (robfig's getRange()). The
 * checks run in robfig's order, so that the same message wins. */
static int parse_range(const char *expr, const Bounds *b, uint64_t *bits, bool *star, char **reterr) {
        _cleanup_(strv_freep) char **range_and_step = NULL, **low_and_high = NULL;
        uint64_t start, end, step = 1;
        bool single, is_star = false;
        int r;

        range_and_step = split(expr, '/');
        if (!range_and_step)
                return -ENOMEM;
        low_and_high = split(range_and_step[0], '-');
        if (!low_and_high)
                return -ENOMEM;
        single = strv_length(low_and_high) == 1;

        /* "*-5" is '*': what follows the hyphen is never looked at. */
        if (streq(low_and_high[0], "*") || streq(low_and_high[0], "?")) {
                start = b->min;
                end = b->max;
                is_star = true;
        } else {
                r = parse_int_or_name(low_and_high[0], b, &start, reterr);
                if (r < 0)
                        return r;
                switch (strv_length(low_and_high)) {
                case 1:
                        end = start;
                        break;
                case 2:
                        r = parse_int_or_name(low_and_high[1], b, &end, reterr);
                        if (r < 0)
                                return r;
                        break;
                default:
                        return fail(reterr, "too many hyphens: %s", expr);
                }
        }

        switch (strv_length(range_and_step)) {
        case 1:
                break;
        case 2:
                r = parse_int(range_and_step[1], &step, reterr);
                if (r < 0)
                        return r;
                /* "N/STEP" means N-max/STEP. */
                if (single)
                        end = b->max;
                if (step > 1)
                        is_star = false;
                break;
        default:
                return fail(reterr, "too many slashes: %s", expr);
        }

        if (start < b->min)
                return fail(reterr, "beginning of range (%" PRIu64 ") below minimum (%u): %s", start, b->min, expr);
        if (end > b->max)
                return fail(reterr, "end of range (%" PRIu64 ") above maximum (%u): %s", end, b->max, expr);
        if (start > end)
                return fail(reterr, "beginning of range (%" PRIu64 ") beyond end of range (%" PRIu64 "): %s",
                            start, end, expr);
        if (step == 0)
                return fail(reterr, "step of range should be a positive number: %s", expr);

        for (uint64_t i = start; i <= end; i += step) {
                *bits |= UINT64_C(1) << i;
                if (step > end - i)
                        break;
        }
        if (is_star)
                *star = true;
        return 0;
}

/* A field: items separated by commas, empty ones dropped (strings.FieldsFunc); the bits and the star mark
 * of all items are or-ed. */
static int parse_field(const char *field, const Bounds *b, uint64_t *bits, bool *star, char **reterr) {
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

/* Go's strings.Fields(): runs of Unicode white space separate fields. */
static char **split_fields(const char *s) {
        _cleanup_(strv_freep) char **l = NULL;
        const char *start = NULL, *p = s;

        for (;;) {
                size_t n = 0;
                bool space = !*p || go_is_space(utf8_decode(p, &n));

                if (space && start) {
                        if (strv_push(&l, strndup(start, p - start)) < 0)
                                return NULL;
                        start = NULL;
                } else if (!space && !start)
                        start = p;
                if (!*p)
                        break;
                p += n;
        }
        if (!l)
                l = calloc(1, sizeof(char *));
        return TAKE_PTR(l);
}

/* Go's time quote(): non-ASCII and control bytes as \xNN. */
static char *go_time_quote(const char *s) {
        _cleanup_(freep) char *buf = NULL;
        size_t size = 0;
        FILE *f;

        f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        fputc('"', f);
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if (*p < ' ' || *p >= 0x80)
                        fprintf(f, "\\x%02x", *p);
                else {
                        if (*p == '"' || *p == '\\')
                                fputc('\\', f);
                        fputc(*p, f);
                }
        fputc('"', f);
        if (fclose(f) != 0)
                return NULL;
        return TAKE_PTR(buf);
}

/* Go's time.ParseDuration(), in nanoseconds, with its messages. */
static int parse_go_duration(const char *orig, int64_t *ret_nsec, char **reterr) {
        static const struct {
                const char *unit;
                uint64_t nsec;
        } units[] = {
                { "ns", 1 }, { "us", 1000 }, { "\xc2\xb5s", 1000 }, { "\xce\xbcs", 1000 },
                { "ms", 1000000 }, { "s", 1000000000 }, { "m", UINT64_C(60000000000) },
                { "h", UINT64_C(3600000000000) },
        };
        _cleanup_(freep) char *q = NULL;
        const char *s = orig;
        uint64_t d = 0;
        bool neg = false;

        q = go_time_quote(orig);
        if (!q)
                return -ENOMEM;
        if (*s == '-' || *s == '+')
                neg = *s++ == '-';
        if (streq(s, "0")) {
                *ret_nsec = 0;
                return 0;
        }
        if (!*s)
                goto invalid;
        while (*s) {
                uint64_t v = 0, f = 0, unit = 0;
                double scale = 1;
                bool pre, post = false, overflow = false;
                const char *p;
                size_t n;

                if (*s != '.' && !(*s >= '0' && *s <= '9'))
                        goto invalid;
                for (p = s; *s >= '0' && *s <= '9'; s++) {
                        if (v > (UINT64_C(1) << 63) / 10)
                                goto invalid;
                        v = v * 10 + (uint64_t) (*s - '0');
                        if (v > UINT64_C(1) << 63)
                                goto invalid;
                }
                pre = s != p;
                if (*s == '.') {
                        for (p = ++s; *s >= '0' && *s <= '9'; s++) {
                                uint64_t y;

                                if (overflow)
                                        continue;
                                if (f > (UINT64_MAX >> 1) / 10) {
                                        overflow = true;
                                        continue;
                                }
                                y = f * 10 + (uint64_t) (*s - '0');
                                if (y > UINT64_C(1) << 63) {
                                        overflow = true;
                                        continue;
                                }
                                f = y;
                                scale *= 10;
                        }
                        post = s != p;
                }
                if (!pre && !post)
                        goto invalid;

                n = strcspn(s, ".0123456789");
                if (n == 0)
                        return fail(reterr, "time: missing unit in duration %s", q);
                for (size_t i = 0; i < ELEMENTSOF(units); i++)
                        if (strlen(units[i].unit) == n && strneq(s, units[i].unit, n))
                                unit = units[i].nsec;
                if (unit == 0) {
                        _cleanup_(freep) char *u = strndup(s, n), *uq = NULL;

                        if (!u || !(uq = go_time_quote(u)))
                                return -ENOMEM;
                        return fail(reterr, "time: unknown unit %s in duration %s", uq, q);
                }
                s += n;
                if (v > (UINT64_C(1) << 63) / unit)
                        goto invalid;
                v *= unit;
                if (f > 0) {
                        v += (uint64_t) ((double) f * ((double) unit / scale));
                        if (v > UINT64_C(1) << 63)
                                goto invalid;
                }
                d += v;
                if (d > UINT64_C(1) << 63)
                        goto invalid;
        }
        if (neg) {
                *ret_nsec = d == UINT64_C(1) << 63 ? INT64_MIN : -(int64_t) d;
                return 0;
        }
        if (d > INT64_MAX)
                goto invalid;
        *ret_nsec = (int64_t) d;
        return 0;

invalid:
        return fail(reterr, "time: invalid duration %s", q);
}

int go_duration_parse(const char *s, int64_t *ret_nsec, char **reterr_message) {
        _cleanup_(freep) char *why = NULL;
        int r;

        r = parse_go_duration(s, ret_nsec, &why);
        if (r == -EINVAL && reterr_message)
                *reterr_message = TAKE_PTR(why);
        return r;
}

static int parse_descriptor(const char *s, CronSpec *c, char **reterr) {
        static const struct {
                const char *name, *expr;
        } descriptors[] = {
                { "@yearly", "0 0 1 1 *" }, { "@annually", "0 0 1 1 *" }, { "@monthly", "0 0 1 * *" },
                { "@weekly", "0 0 * * 0" }, { "@daily", "0 0 * * *" }, { "@midnight", "0 0 * * *" },
                { "@hourly", "0 * * * *" },
        };
        const char *every;

        /* Exact matches only: no trailing blank, no other case. The expansions have the star marks
         * robfig gives the descriptors (all() sets it on a full field). */
        for (size_t i = 0; i < ELEMENTSOF(descriptors); i++)
                if (streq(s, descriptors[i].name))
                        return cron_spec_parse(descriptors[i].expr, c, reterr);

        every = startswith(s, "@every ");
        if (every) {
                _cleanup_(freep) char *why = NULL;
                int64_t nsec = 0;
                int r;

                r = parse_go_duration(every, &nsec, &why);
                if (r == -EINVAL)
                        return fail(reterr, "failed to parse duration %s: %s", s, why);
                if (r < 0)
                        return r;
                /* robfig's Every(): at least a second, whole seconds. */
                if (nsec < 1000000000)
                        nsec = 1000000000;
                *c = (CronSpec) { .every_usec = (usec_t) (nsec / 1000000000) * USEC_PER_SEC };
                return 0;
        }
        return fail(reterr, "unrecognized descriptor: %s", s);
}

int cron_spec_parse(const char *s, CronSpec *ret, char **reterr_message) {
        _cleanup_(strv_freep) char **fields = NULL;
        _cleanup_(freep) char *err = NULL;
        uint64_t bits[5] = {};
        bool stars[5] = {};
        CronSpec c = {};
        int r = 0;

        assert(s);
        assert(ret);

        if (strstr(s, "TZ"))
                /* Kubernetes refuses TZ= and CRON_TZ= (and anything else with "TZ"): timeZone says it. */
                r = fail(&err, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead");
        else if (!*s)
                r = fail(&err, "empty spec string");
        else if (s[0] == '@')
                r = parse_descriptor(s, &c, &err);
        else {
                fields = split_fields(s);
                if (!fields)
                        return -ENOMEM;
                if (strv_length(fields) != 5) {
                        _cleanup_(freep) char *j = strv_join(fields, " ");

                        if (!j)
                                return -ENOMEM;
                        r = fail(&err, "expected exactly 5 fields, found %zu: [%s]", strv_length(fields), j);
                }
                /* The first bad field ends the parse, as in robfig. */
                for (size_t i = 0; r >= 0 && i < 5; i++)
                        r = parse_field(fields[i], field_bounds + i, bits + i, stars + i, &err);
                if (r >= 0)
                        c = (CronSpec) {
                                .minute = bits[0],
                                .hour = (uint32_t) bits[1],
                                .dom = (uint32_t) bits[2],
                                .month = (uint16_t) bits[3],
                                .dow = (uint8_t) bits[4],
                                .dom_star = stars[2],
                                .dow_star = stars[4],
                        };
        }
        if (r < 0) {
                if (r == -EINVAL && reterr_message)
                        *reterr_message = TAKE_PTR(err);
                return r;
        }
        *ret = c;
        return 0;
}

int cron_time_zone_check(const char *tz, char **reterr_message) {
        _cleanup_(time_zone_freep) TimeZone *z = NULL;
        _cleanup_(freep) char *err = NULL;
        int r;

        if (!tz)
                return 0;
        if (!*tz)
                r = fail(&err, "timeZone must be nil or non-empty string");
        else {
                r = 0;
                /* Each '/'-separated part: [A-Za-z.-_0-9+]{1,14}, not "." or "..", not starting with '-'. */
                for (const char *p = tz; r >= 0;) {
                        size_t n = strcspn(p, "/");
                        bool ok = n >= 1 && n <= 14 && p[0] != '-' && !(n == 1 && p[0] == '.') &&
                                !(n == 2 && p[0] == '.' && p[1] == '.');

                        for (size_t i = 0; ok && i < n; i++)
                                ok = (p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
                                        (p[i] >= '0' && p[i] <= '9') || strchr(".-_+", p[i]);
                        if (!ok)
                                r = fail(&err, "unknown time zone %s", tz);
                        if (!p[n])
                                break;
                        p += n + 1;
                }
                if (r >= 0 && strcasecmp(tz, "Local") == 0)
                        r = fail(&err, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones");
                if (r >= 0) {
                        r = time_zone_load(tz, &z);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                r = fail(&err, "unknown time zone %s", tz);
                }
        }
        if (r < 0) {
                if (r == -EINVAL && reterr_message)
                        *reterr_message = TAKE_PTR(err);
                return r;
        }
        return 0;
}

bool cron_spec_matches(const CronSpec *c, int month, int day, int weekday, int hour, int minute) {
        bool dom, dow;

        assert(c);

        if (!(c->month & (1u << month)) || !(c->hour & (UINT32_C(1) << hour)) ||
            !(c->minute & (UINT64_C(1) << minute)))
                return false;
        dom = c->dom & (UINT32_C(1) << day);
        dow = c->dow & (1u << weekday);
        /* robfig: if either day field was written '*' or '?', a day must match both; else either. */
        if (c->dom_star || c->dow_star)
                return dom && dow;
        return dom || dow;
}
