/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jobsd/io-util.h"
#include "jobsd/strv.h"
#include "jobsd/tz.h"

/* Large enough for any real zone file (the biggest are a few KiB); bounds what a bad file costs us. */
#define TZ_FILE_MAX (1024 * 1024)

typedef enum RuleKind {
        RULE_JULIAN,            /* Jn: day 1-365, February 29 never counted */
        RULE_DAY_OF_YEAR,       /* n: day 0-365, February 29 counted */
        RULE_MONTH_WEEK_DAY,    /* Mm.w.d: weekday d of week w (5 = the last) of month m */
} RuleKind;

typedef struct PosixRule {
        RuleKind kind;
        int day, week, month;
        int32_t time;                   /* seconds after local midnight; may be negative or past 24 h */
} PosixRule;

struct TimeZone {
        int64_t *times;                 /* transitions, ascending */
        uint8_t *idx;                   /* the type each transition switches to */
        size_t n_times;
        int32_t *offsets;               /* seconds east of UTC, per type */
        bool *isdst;
        size_t n_types;

        /* The TZif footer: the POSIX TZ rule for times after the last transition. */
        bool has_footer;
        bool footer_dst;                /* the rule has daylight saving time */
        int32_t std_offset, dst_offset; /* seconds east of UTC */
        PosixRule start, end;           /* daylight saving time starts, ends */
};

TimeZone *time_zone_free(TimeZone *z) {
        if (!z)
                return NULL;
        free(z->times);
        free(z->idx);
        free(z->offsets);
        free(z->isdst);
        return mfree(z);
}

static int64_t floor_div(int64_t a, int64_t b) {
        return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

/* The usual era-based conversion between civil dates and day numbers. */
int64_t days_from_civil(int64_t y, int m, int d) {
        int64_t era, yoe, doy, doe;

        y -= m <= 2;
        era = floor_div(y, 400);
        yoe = y - era * 400;
        doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
        doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t days, int *ret_y, int *ret_m, int *ret_d) {
        int64_t z = days + 719468, era, doe, yoe, doy, mp;
        int m;

        era = floor_div(z, 146097);
        doe = z - era * 146097;
        yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        mp = (5 * doy + 2) / 153;
        m = (int) (mp < 10 ? mp + 3 : mp - 9);
        *ret_y = (int) (yoe + era * 400 + (m <= 2));
        *ret_m = m;
        *ret_d = (int) (doy - (153 * mp + 2) / 5 + 1);
}

static bool is_leap(int64_t y) {
        return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

int days_in_month(int y, int m) {
        static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

        assert(m >= 1 && m <= 12);
        return days[m - 1] + (m == 2 && is_leap(y));
}

static uint32_t be32(const uint8_t *p) {
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static int64_t be64(const uint8_t *p) {
        return (int64_t) ((uint64_t) be32(p) << 32 | be32(p + 4));
}

/* [+-]hh[:mm[:ss]], hours at most 167 (RFC 8536's extension). Returns the value as written (POSIX offsets
 * are west of UTC: the caller negates them). */
static const char *parse_posix_time(const char *p, int32_t *ret) {
        int sign = 1, v[3] = {};

        if (*p == '+' || *p == '-')
                sign = *p++ == '-' ? -1 : 1;
        for (int i = 0; i < 3; i++) {
                if (i > 0) {
                        if (*p != ':')
                                break;
                        p++;
                }
                if (!isdigit((unsigned char) *p))
                        return NULL;
                while (isdigit((unsigned char) *p)) {
                        v[i] = v[i] * 10 + (*p++ - '0');
                        if (v[i] > 1000)
                                return NULL;
                }
        }
        if (v[0] > 167 || v[1] > 59 || v[2] > 59)
                return NULL;
        *ret = sign * (v[0] * 3600 + v[1] * 60 + v[2]);
        return p;
}

/* A zone abbreviation: "<...>" or at least three characters up to a sign, digit or comma. */
static const char *skip_posix_name(const char *p) {
        const char *s = p;

        if (*p == '<') {
                const char *e = strchr(p, '>');
                return e ? e + 1 : NULL;
        }
        while (*p && !strchr(",+-0123456789", *p))
                p++;
        return p - s >= 3 ? p : NULL;
}

static const char *parse_posix_number(const char *p, int *ret) {
        int v = 0;

        if (!isdigit((unsigned char) *p))
                return NULL;
        while (isdigit((unsigned char) *p)) {
                v = v * 10 + (*p++ - '0');
                if (v > 1000)
                        return NULL;
        }
        *ret = v;
        return p;
}

static const char *parse_posix_rule(const char *p, PosixRule *r) {
        *r = (PosixRule) { .time = 2 * 3600 };

        if (*p == 'J') {
                r->kind = RULE_JULIAN;
                p = parse_posix_number(p + 1, &r->day);
                if (!p || r->day < 1 || r->day > 365)
                        return NULL;
        } else if (*p == 'M') {
                r->kind = RULE_MONTH_WEEK_DAY;
                p = parse_posix_number(p + 1, &r->month);
                if (!p || *p != '.' || !(p = parse_posix_number(p + 1, &r->week)) ||
                    *p != '.' || !(p = parse_posix_number(p + 1, &r->day)))
                        return NULL;
                if (r->month < 1 || r->month > 12 || r->week < 1 || r->week > 5 || r->day > 6)
                        return NULL;
        } else {
                r->kind = RULE_DAY_OF_YEAR;
                p = parse_posix_number(p, &r->day);
                if (!p || r->day > 365)
                        return NULL;
        }
        if (*p == '/')
                p = parse_posix_time(p + 1, &r->time);
        return p;
}

/* The footer, as Go's tzset() reads it. On anything it does not understand the footer is ignored, and
 * the last transition's type holds, as in Go. */
static void parse_footer(TimeZone *z, const char *s) {
        const char *p;
        int32_t off;

        p = skip_posix_name(s);
        if (!p || !(p = parse_posix_time(p, &off)))
                return;
        z->std_offset = z->dst_offset = -off;
        if (*p == 0 || *p == ',') {
                z->has_footer = true;
                return;
        }
        p = skip_posix_name(p);
        if (!p)
                return;
        z->dst_offset = z->std_offset + 3600;
        if (*p != 0 && *p != ',') {
                p = parse_posix_time(p, &off);
                if (!p)
                        return;
                z->dst_offset = -off;
        }
        if (*p == 0)
                p = ",M3.2.0,M11.1.0";          /* tzcode's default rules, which Go applies too */
        if (*p != ',' || !(p = parse_posix_rule(p + 1, &z->start)) || *p != ',' ||
            !(p = parse_posix_rule(p + 1, &z->end)) || *p != 0)
                return;
        z->has_footer = z->footer_dst = true;
}

/* The unix time at which a rule fires in a year, its time of day being local in the given offset. */
static int64_t rule_time(const PosixRule *r, int year, int32_t offset) {
        int64_t day = days_from_civil(year, 1, 1);

        switch (r->kind) {
        case RULE_JULIAN:
                day += r->day - 1 + (is_leap(year) && r->day >= 60);
                break;
        case RULE_DAY_OF_YEAR:
                day += r->day;
                break;
        case RULE_MONTH_WEEK_DAY: {
                int64_t first = days_from_civil(year, r->month, 1);
                int wd = (int) ((first % 7 + 7 + 4) % 7);     /* 1970-01-01 was a Thursday */
                int d = (r->day - wd + 7) % 7;                 /* 0-based day of the first such weekday */

                for (int w = 1; w < r->week && d + 7 < days_in_month(year, r->month); w++)
                        d += 7;
                day = first + d;
                break;
        }}
        return day * 86400 + r->time - offset;
}

static int parse_tzif(TimeZone *z, const uint8_t *buf, size_t size) {
        const uint8_t *p = buf, *q, *end = buf + size;
        uint32_t isut, isstd, leap, timecnt, typecnt, charcnt;
        size_t need, tsize = 4;
        int version;

        if (size < 44 || memcmp(p, "TZif", 4) != 0)
                return -EBADMSG;
        version = p[4];
        for (;;) {
                isut = be32(p + 20);
                isstd = be32(p + 24);
                leap = be32(p + 28);
                timecnt = be32(p + 32);
                typecnt = be32(p + 36);
                charcnt = be32(p + 40);
                if (timecnt > 100000 || typecnt == 0 || typecnt > 256 || charcnt > 100000 || leap > 100000 ||
                    isut > 256 || isstd > 256)
                        return -EBADMSG;
                need = 44 + timecnt * tsize + timecnt + typecnt * 6 + charcnt + leap * (tsize + 4) + isstd + isut;
                if (need > (size_t) (end - p))
                        return -EBADMSG;
                /* Version 2 and later repeat everything with 64-bit times after the 32-bit block: use that,
                 * as Go does. */
                if (tsize == 4 && version >= '2') {
                        p += need;
                        if (end - p < 44 || memcmp(p, "TZif", 4) != 0)
                                return -EBADMSG;
                        tsize = 8;
                        continue;
                }
                break;
        }

        z->times = calloc(timecnt + 1, sizeof(int64_t));
        z->idx = calloc(timecnt + 1, sizeof(uint8_t));
        z->offsets = calloc(typecnt, sizeof(int32_t));
        z->isdst = calloc(typecnt, sizeof(bool));
        if (!z->times || !z->idx || !z->offsets || !z->isdst)
                return -ENOMEM;
        q = p + 44;
        for (uint32_t i = 0; i < timecnt; i++, q += tsize) {
                z->times[i] = tsize == 8 ? be64(q) : (int32_t) be32(q);
                if (i > 0 && z->times[i] <= z->times[i - 1])
                        return -EBADMSG;
        }
        for (uint32_t i = 0; i < timecnt; i++, q++) {
                if (*q >= typecnt)
                        return -EBADMSG;
                z->idx[i] = *q;
        }
        for (uint32_t i = 0; i < typecnt; i++, q += 6) {
                z->offsets[i] = (int32_t) be32(q);
                z->isdst[i] = q[4];
                if (z->offsets[i] < -26 * 3600 || z->offsets[i] > 26 * 3600)
                        return -EBADMSG;
        }
        z->n_times = timecnt;
        z->n_types = typecnt;

        p += need;
        if (tsize == 8 && p < end && *p == '\n') {
                const uint8_t *e = memchr(p + 1, '\n', end - p - 1);
                if (e) {
                        _cleanup_(freep) char *footer = strndup((const char *) p + 1, e - p - 1);
                        if (!footer)
                                return -ENOMEM;
                        parse_footer(z, footer);
                }
        }
        return 0;
}

/* Relative, no empty, "." or ".." parts: the name stays inside the zone directory. */
static bool zone_name_safe(const char *name) {
        if (!*name || name[0] == '/' || strlen(name) > 255)
                return false;
        for (const char *p = name;;) {
                size_t n = strcspn(p, "/");
                if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
                        return false;
                if (!p[n])
                        return true;
                p += n + 1;
        }
}

static int read_file(const char *path, uint8_t **ret, size_t *ret_size) {
        _cleanup_(closep) int fd = -EBADF;
        _cleanup_(freep) uint8_t *buf = NULL;
        struct stat st;
        ssize_t n;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode) || st.st_size > TZ_FILE_MAX)
                return -EBADMSG;
        buf = malloc(st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        n = loop_read(fd, buf, st.st_size, IO_AT_POSITION);
        if (n < 0)
                return (int) n;
        *ret = TAKE_PTR(buf);
        *ret_size = (size_t) n;
        return 0;
}

int time_zone_load(const char *name, TimeZone **ret) {
        _cleanup_(time_zone_freep) TimeZone *z = NULL;
        _cleanup_(freep) char *path = NULL;
        _cleanup_(freep) uint8_t *buf = NULL;
        size_t size = 0;
        int r;

        assert(ret);

        if (name && !zone_name_safe(name))
                return -ENOENT;
        z = calloc(1, sizeof(TimeZone));
        if (!z)
                return -ENOMEM;
        if (name && streq(name, "UTC")) {
                /* No transitions, no footer: offset 0 of the one type. */
                z->offsets = calloc(1, sizeof(int32_t));
                z->isdst = calloc(1, sizeof(bool));
                if (!z->offsets || !z->isdst)
                        return -ENOMEM;
                z->n_types = 1;
                *ret = TAKE_PTR(z);
                return 0;
        }

        if (name) {
                const char *dir = getenv("TZDIR");
                path = strprintf("%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
        } else
                path = strdup("/etc/localtime");
        if (!path)
                return -ENOMEM;

        r = read_file(path, &buf, &size);
        if (r == -ENOENT && !name)
                /* No /etc/localtime: UTC, as glibc and Go assume. */
                return time_zone_load("UTC", ret);
        if (r == -ENOENT || r == -ENOTDIR || r == -EISDIR || r == -ENAMETOOLONG || r == -ELOOP)
                return -ENOENT;
        if (r < 0)
                return r;
        r = parse_tzif(z, buf, size);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(z);
        return 0;
}

/* Go's lookupFirstZone(): the type of times before the first transition. */
static size_t first_type(const TimeZone *z) {
        bool used = false;

        for (size_t i = 0; i < z->n_times; i++)
                if (z->idx[i] == 0)
                        used = true;
        if (!used)
                return 0;
        if (z->n_times > 0 && z->isdst[z->idx[0]])
                for (size_t i = z->idx[0]; i > 0; i--)
                        if (!z->isdst[i - 1])
                                return i - 1;
        for (size_t i = 0; i < z->n_types; i++)
                if (!z->isdst[i])
                        return i;
        return 0;
}

/* The footer's offset at t and its period (not before floor_start), from the rule's changes in the years
 * around t. */
static int32_t footer_lookup(const TimeZone *z, int64_t t, int64_t floor_start, int64_t *ret_start, int64_t *ret_end) {
        int64_t when[6], start = floor_start, end = INT64_MAX;
        int32_t to[6], off;
        size_t n = 0;
        int y, m, d;

        if (!z->footer_dst) {
                *ret_start = floor_start;
                *ret_end = INT64_MAX;
                return z->std_offset;
        }

        civil_from_days(floor_div(t, 86400), &y, &m, &d);
        for (int yy = y - 1; yy <= y + 1; yy++) {
                int64_t a = rule_time(&z->start, yy, z->std_offset), b = rule_time(&z->end, yy, z->dst_offset);

                when[n] = MIN(a, b);
                to[n++] = a < b ? z->dst_offset : z->std_offset;
                when[n] = MAX(a, b);
                to[n++] = a < b ? z->std_offset : z->dst_offset;
        }
        off = to[0] == z->dst_offset ? z->std_offset : z->dst_offset;
        for (size_t i = 0; i < n; i++) {
                if (when[i] > t) {
                        end = when[i];
                        break;
                }
                off = to[i];
                start = MAX(when[i], floor_start);
        }
        *ret_start = start;
        *ret_end = end;
        return off;
}

int32_t time_zone_lookup(const TimeZone *z, int64_t t, int64_t *ret_start, int64_t *ret_end) {
        int64_t start = INT64_MIN, end = INT64_MAX;
        size_t lo = 0, hi = z->n_times;
        int32_t off;

        assert(z);

        if (z->n_times == 0) {
                /* Go treats a zone without transitions as one with a transition at the beginning of time. */
                off = z->has_footer ? footer_lookup(z, t, INT64_MIN, &start, &end) : z->offsets[0];
                goto done;
        }
        if (t < z->times[0]) {
                off = z->offsets[first_type(z)];
                end = z->times[0];
                goto done;
        }
        while (hi - lo > 1) {
                size_t mid = lo + (hi - lo) / 2;

                if (z->times[mid] <= t)
                        lo = mid;
                else
                        hi = mid;
        }
        start = z->times[lo];
        off = z->offsets[z->idx[lo]];
        if (lo + 1 < z->n_times)
                end = z->times[lo + 1];
        else if (z->has_footer)
                off = footer_lookup(z, t, start, &start, &end);
done:
        if (ret_start)
                *ret_start = start;
        if (ret_end)
                *ret_end = end;
        return off;
}

void time_zone_local(const TimeZone *z, int64_t t, LocalTime *ret) {
        int64_t l = t + time_zone_lookup(z, t, NULL, NULL), days = floor_div(l, 86400), secs = l - days * 86400;

        civil_from_days(days, &ret->year, &ret->month, &ret->day);
        ret->hour = (int) (secs / 3600);
        ret->minute = (int) (secs / 60 % 60);
        ret->second = (int) (secs % 60);
        ret->weekday = (int) ((days % 7 + 7 + 4) % 7);
}

int64_t time_zone_date(const TimeZone *z, int year, int month, int day, int hour, int minute, int second) {
        int64_t y = year, mo = (int64_t) month - 1, local, start, end, utc;
        int32_t off;

        /* Months carry into years; days, hours, minutes and seconds simply add up. */
        y += floor_div(mo, 12);
        mo -= floor_div(mo, 12) * 12;
        local = (days_from_civil(y, (int) mo + 1, 1) + day - 1) * 86400 + (int64_t) hour * 3600 +
                (int64_t) minute * 60 + second;

        /* Go: the offset found for the local time taken as UTC, unless the instant it gives lies outside
         * that offset's period; then the offset in force at that instant. */
        off = time_zone_lookup(z, local, &start, &end);
        if (off != 0) {
                utc = local - off;
                if (utc < start || utc >= end)
                        off = time_zone_lookup(z, utc, NULL, NULL);
        }
        return local - off;
}
