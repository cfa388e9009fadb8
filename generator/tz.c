/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "jobsd/strv.h"
#include "jobsd/tz.h"

#define TZ_FILE_MAX (1024 * 1024)

typedef struct PosixRule {
        bool set;
        int month, week, weekday;       /* Mm.w.d */
        int32_t time;                   /* seconds after local midnight */
} PosixRule;

struct TimeZone {
        int64_t *times;                 /* transitions */
        uint8_t *idx;                   /* type index of each */
        size_t n_times;
        int32_t *offsets;               /* of each type */
        bool *isdst;
        size_t n_types;
        /* the footer: the rule after the last transition */
        bool has_footer;
        int32_t std_offset, dst_offset; /* east of UTC */
        PosixRule start, end;           /* DST starts, ends */
};

TimeZone *time_zone_free(TimeZone *z) {
        if (!z)
                return NULL;
        free(z->times);
        free(z->idx);
        free(z->offsets);
        free(z->isdst);
        free(z);
        return NULL;
}

int64_t days_from_civil(int64_t y, int m, int d) {
        y -= m <= 2;
        int64_t era = (y >= 0 ? y : y - 399) / 400;
        int64_t yoe = y - era * 400;
        int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t z, int *ret_y, int *ret_m, int *ret_d) {
        z += 719468;
        int64_t era = (z >= 0 ? z : z - 146096) / 146097;
        int64_t doe = z - era * 146097;
        int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        int64_t y = yoe + era * 400;
        int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        int64_t mp = (5 * doy + 2) / 153;
        int d = (int) (doy - (153 * mp + 2) / 5 + 1);
        int m = (int) (mp < 10 ? mp + 3 : mp - 9);
        *ret_y = (int) (y + (m <= 2));
        *ret_m = m;
        *ret_d = d;
}

static int64_t floor_div(int64_t a, int64_t b) {
        return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

static uint32_t be32(const uint8_t *p) {
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static int64_t be64(const uint8_t *p) {
        return (int64_t) ((uint64_t) be32(p) << 32 | be32(p + 4));
}

/* POSIX TZ offsets: [+-]hh[:mm[:ss]], west of UTC (so negated). */
static const char *parse_posix_offset(const char *p, int32_t *ret) {
        int sign = 1, h = 0, m = 0, s = 0;

        if (*p == '+' || *p == '-')
                sign = *p++ == '-' ? -1 : 1;
        if (!isdigit((unsigned char) *p))
                return NULL;
        while (isdigit((unsigned char) *p))
                h = h * 10 + (*p++ - '0');
        if (*p == ':') {
                p++;
                while (isdigit((unsigned char) *p))
                        m = m * 10 + (*p++ - '0');
                if (*p == ':') {
                        p++;
                        while (isdigit((unsigned char) *p))
                                s = s * 10 + (*p++ - '0');
                }
        }
        *ret = sign * (h * 3600 + m * 60 + s);
        return p;
}

static const char *skip_abbr(const char *p) {
        if (*p == '<') {
                const char *e = strchr(p, '>');
                return e ? e + 1 : NULL;
        }
        while (isalpha((unsigned char) *p))
                p++;
        return p;
}

static const char *parse_rule(const char *p, PosixRule *r) {
        if (*p != 'M')
                return NULL;    /* Jn and n forms: not used by current tzdata; the last transition holds */
        p++;
        r->month = (int) strtol(p, (char **) &p, 10);
        if (*p++ != '.')
                return NULL;
        r->week = (int) strtol(p, (char **) &p, 10);
        if (*p++ != '.')
                return NULL;
        r->weekday = (int) strtol(p, (char **) &p, 10);
        r->time = 7200;
        if (*p == '/') {
                p = parse_posix_offset(p + 1, &r->time);
                if (!p)
                        return NULL;
        }
        if (r->month < 1 || r->month > 12 || r->week < 1 || r->week > 5 || r->weekday < 0 || r->weekday > 6)
                return NULL;
        r->set = true;
        return p;
}

static void parse_footer(TimeZone *z, const char *s) {
        const char *p = skip_abbr(s);
        int32_t off;

        if (!p || p == s || !(p = parse_posix_offset(p, &off)))
                return;
        z->std_offset = z->dst_offset = -off;
        z->has_footer = true;
        if (!*p)
                return;
        const char *q = skip_abbr(p);
        if (!q || q == p)
                return;
        z->dst_offset = z->std_offset + 3600;
        if (*q && *q != ',') {
                if (!(q = parse_posix_offset(q, &off)))
                        return;
                z->dst_offset = -off;
        }
        if (*q != ',' || !(q = parse_rule(q + 1, &z->start)) || *q != ',' || !(q = parse_rule(q + 1, &z->end)))
                z->start.set = z->end.set = false;
}

/* Unix time of a rule's moment in a year, the rule's time being local in the offset before it. */
static int64_t rule_time(const PosixRule *r, int year, int32_t offset_before) {
        int64_t first = days_from_civil(year, r->month, 1);
        int wd = (int) ((first + 4) % 7 + 7) % 7;       /* 1970-01-01 was a Thursday */
        int64_t day = first + ((r->weekday - wd + 7) % 7) + 7 * (r->week - 1);
        int y, m, d;

        civil_from_days(day, &y, &m, &d);
        if (m != r->month)
                day -= 7;       /* week 5 = the last one */
        return day * 86400 + r->time - offset_before;
}

static int parse_tzif(TimeZone *z, const uint8_t *buf, size_t size) {
        const uint8_t *p = buf;
        size_t need;
        int version;

        if (size < 44 || memcmp(p, "TZif", 4) != 0)
                return -EBADMSG;
        version = p[4];
        for (unsigned pass = 0; pass < 2; pass++) {
                uint32_t isut = be32(p + 20), isstd = be32(p + 24), leap = be32(p + 28), timecnt = be32(p + 32),
                        typecnt = be32(p + 36), charcnt = be32(p + 40);
                size_t tsize = pass == 0 ? 4 : 8;

                if (timecnt > 100000 || typecnt == 0 || typecnt > 256 || charcnt > 100000 || leap > 100000 ||
                    isut > 256 || isstd > 256)
                        return -EBADMSG;
                need = 44 + timecnt * tsize + timecnt + typecnt * 6 + charcnt + leap * (tsize + 4) + isstd + isut;
                if ((size_t) (p - buf) + need > size)
                        return -EBADMSG;
                /* Version 2+ repeats the data with 64-bit times: skip the 32-bit block. */
                if (pass == 0 && version >= '2') {
                        p += need;
                        if ((size_t) (p - buf) + 44 > size || memcmp(p, "TZif", 4) != 0)
                                return -EBADMSG;
                        continue;
                }
                const uint8_t *q = p + 44;
                z->times = calloc(timecnt + 1, sizeof(int64_t));
                z->idx = calloc(timecnt + 1, 1);
                z->offsets = calloc(typecnt, sizeof(int32_t));
                z->isdst = calloc(typecnt, sizeof(bool));
                if (!z->times || !z->idx || !z->offsets || !z->isdst)
                        return -ENOMEM;
                for (uint32_t i = 0; i < timecnt; i++, q += tsize)
                        z->times[i] = tsize == 8 ? be64(q) : (int32_t) be32(q);
                for (uint32_t i = 0; i < timecnt; i++, q++) {
                        if (*q >= typecnt)
                                return -EBADMSG;
                        z->idx[i] = *q;
                }
                for (uint32_t i = 0; i < typecnt; i++, q += 6) {
                        z->offsets[i] = (int32_t) be32(q);
                        z->isdst[i] = q[4];
                }
                z->n_times = timecnt;
                z->n_types = typecnt;
                p += need;
                if (version >= '2' && (size_t) (p - buf) < size && *p == '\n') {
                        const uint8_t *e = memchr(p + 1, '\n', size - (p - buf) - 1);
                        if (e) {
                                _cleanup_(freep) char *footer = strndup((const char *) p + 1, e - p - 1);
                                if (footer)
                                        parse_footer(z, footer);
                        }
                }
                return 0;
        }
        return -EBADMSG;
}

static bool zone_name_valid(const char *name) {
        /* No path tricks: relative, no '..' parts, a sane alphabet. */
        if (!*name || name[0] == '/' || strlen(name) > 255)
                return false;
        for (const char *p = name;;) {
                size_t n = strcspn(p, "/");
                if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
                        return false;
                for (size_t i = 0; i < n; i++)
                        if (!isalnum((unsigned char) p[i]) && !strchr("._-+", p[i]))
                                return false;
                if (!p[n])
                        return true;
                p += n + 1;
        }
}

int time_zone_load(const char *name, TimeZone **ret) {
        _cleanup_(time_zone_freep) TimeZone *z = NULL;
        _cleanup_(freep) char *path = NULL;
        _cleanup_(freep) uint8_t *buf = NULL;
        _cleanup_(closep) int fd = -EBADF;
        struct stat st;
        size_t n = 0;
        int r;

        if (name) {
                if (!zone_name_valid(name))
                        return -ENOENT;
                path = strprintf("%s/%s", getenv("TZDIR") ?: "/usr/share/zoneinfo", name);
        } else
                path = strdup("/etc/localtime");
        if (!path)
                return -ENOMEM;
        z = calloc(1, sizeof(TimeZone));
        if (!z)
                return -ENOMEM;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                if (!name && errno == ENOENT) {
                        /* No /etc/localtime: UTC, as glibc assumes. */
                        z->has_footer = true;
                        *ret = TAKE_PTR(z);
                        return 0;
                }
                return errno == ENOENT || errno == ENOTDIR || errno == EISDIR ? -ENOENT : -errno;
        }
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode) || st.st_size > TZ_FILE_MAX)
                return -ENOENT;
        buf = malloc(st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        while (n < (size_t) st.st_size) {
                ssize_t k = read(fd, buf + n, st.st_size - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return k < 0 ? -errno : -EBADMSG;
                n += k;
        }
        r = parse_tzif(z, buf, n);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(z);
        return 0;
}

/* The footer's offset at t, and its period, searching the rule transitions of the years around t. */
static int32_t footer_lookup(const TimeZone *z, int64_t t, int64_t floor_start, int64_t *ret_start, int64_t *ret_end) {
        int y, m, d;
        int64_t best_start = floor_start, best_end = INT64_MAX;
        int32_t off = z->std_offset;

        if (!z->start.set || !z->end.set) {
                *ret_start = floor_start;
                *ret_end = INT64_MAX;
                return z->std_offset;
        }
        civil_from_days(floor_div(t, 86400), &y, &m, &d);
        /* Transitions of the years y-1 … y+1, in time order. */
        int64_t tt[6];
        int32_t to[6];
        size_t k = 0;
        for (int yy = y - 1; yy <= y + 1; yy++) {
                int64_t a = rule_time(&z->start, yy, z->std_offset), b = rule_time(&z->end, yy, z->dst_offset);
                if (a < b) {
                        tt[k] = a, to[k++] = z->dst_offset;
                        tt[k] = b, to[k++] = z->std_offset;
                } else {
                        tt[k] = b, to[k++] = z->std_offset;
                        tt[k] = a, to[k++] = z->dst_offset;
                }
        }
        off = to[0] == z->dst_offset ? z->std_offset : z->dst_offset;
        for (size_t i = 0; i < k; i++) {
                if (tt[i] <= t) {
                        off = to[i];
                        best_start = MAX(tt[i], floor_start);
                } else {
                        best_end = tt[i];
                        break;
                }
        }
        *ret_start = best_start;
        *ret_end = best_end;
        return off;
}

int32_t time_zone_lookup(const TimeZone *z, int64_t t, int64_t *ret_start, int64_t *ret_end) {
        int64_t start = INT64_MIN, end = INT64_MAX;
        int32_t off;
        size_t lo = 0, hi = z->n_times;

        if (z->n_times == 0 || t < z->times[0]) {
                /* Before the first transition: the first non-DST type (or the footer for a rule-only zone). */
                if (z->n_times == 0 && z->has_footer) {
                        off = footer_lookup(z, t, INT64_MIN, &start, &end);
                        goto done;
                }
                off = 0;
                for (size_t i = 0; i < z->n_types; i++)
                        if (!z->isdst[i]) {
                                off = z->offsets[i];
                                break;
                        }
                if (z->n_types > 0 && off == 0 && z->isdst[0] == false)
                        off = z->offsets[0];
                end = z->n_times > 0 ? z->times[0] : INT64_MAX;
                goto done;
        }
        while (hi - lo > 1) {
                size_t mid = (lo + hi) / 2;
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
        int64_t l = t + time_zone_lookup(z, t, NULL, NULL);
        int64_t days = floor_div(l, 86400), secs = l - days * 86400;

        civil_from_days(days, &ret->year, &ret->month, &ret->day);
        ret->hour = (int) (secs / 3600);
        ret->minute = (int) (secs / 60 % 60);
        ret->second = (int) (secs % 60);
        ret->weekday = (int) (((days + 4) % 7 + 7) % 7);
}

int64_t time_zone_date(const TimeZone *z, int year, int month, int day, int hour, int minute, int second) {
        int64_t y = year, mo = month - 1, local, start, end, utc;
        int32_t off;

        /* Normalise the month into the year, then let days overflow through the day count. */
        y += floor_div(mo, 12);
        mo -= floor_div(mo, 12) * 12;
        local = (days_from_civil(y, (int) mo + 1, 1) + day - 1) * 86400 + (int64_t) hour * 3600 + (int64_t) minute * 60 + second;

        /* Go: look up the offset for the local time taken as UTC; if the resulting instant is outside that
         * offset's period, use the offset in force at that instant. */
        off = time_zone_lookup(z, local, &start, &end);
        if (off != 0) {
                utc = local - off;
                if (utc < start || utc >= end)
                        off = time_zone_lookup(z, utc, NULL, NULL);
                local -= off;
        }
        return local;
}
