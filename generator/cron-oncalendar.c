/* SPDX-License-Identifier: Apache-2.0 */
#include <inttypes.h>

#include "jobsd/cron.h"
#include "jobsd/strv.h"
#include "jobsd/tz.h"
#include "cron-internal.h"

static const char *const weekday_names[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };

/* A set of values as systemd's calendar syntax writes it: "*" when full, else "a,b,c..d" (runs of three or
 * more as a range), numbers with the given width. */
static char *format_set(uint64_t bits, int min, int max, int width) {
        _cleanup_(freep) char *out = strdup("");
        bool full = true;

        for (int i = min; i <= max; i++)
                if (!(bits & (UINT64_C(1) << i)))
                        full = false;
        if (full)
                return strdup("*");
        for (int i = min; i <= max && out;) {
                int j = i;
                char *n;

                if (!(bits & (UINT64_C(1) << i))) {
                        i++;
                        continue;
                }
                while (j + 1 <= max && (bits & (UINT64_C(1) << (j + 1))))
                        j++;
                if (j - i >= 2)
                        n = strprintf("%s%s%0*d..%0*d", out, *out ? "," : "", width, i, width, j);
                else if (j == i + 1)
                        n = strprintf("%s%s%0*d,%0*d", out, *out ? "," : "", width, i, width, j);
                else
                        n = strprintf("%s%s%0*d", out, *out ? "," : "", width, i);
                free(out);
                out = n;
                i = j + 1;
        }
        return TAKE_PTR(out);
}

static char *format_weekdays(uint8_t bits) {
        _cleanup_(freep) char *out = strdup("");

        if ((bits & 0x7f) == 0x7f)
                return strdup("");
        for (int i = 0; i < 7 && out; i++) {
                char *n;
                if (!(bits & (1u << i)))
                        continue;
                n = strprintf("%s%s%s", out, *out ? "," : "", weekday_names[i]);
                free(out);
                out = n;
        }
        return TAKE_PTR(out);
}

static char *calendar_line(const char *weekdays, const char *months, const char *days, const char *hours,
                           const char *minutes, const char *tz) {
        return strprintf("%s%s*-%s-%s %s:%s:00%s%s", strempty(weekdays), weekdays && *weekdays ? " " : "", months, days,
                         hours, minutes, tz ? " " : "", strempty(tz));
}

static int push_utc_line(char ***lines, int64_t hour_start, uint64_t minutes) {
        _cleanup_(freep) char *mins = format_set(minutes, 0, 59, 2);
        int y, m, d;

        if (!mins)
                return -ENOMEM;
        civil_from_days(hour_start / 86400, &y, &m, &d);
        return strv_push(lines, strprintf("%04d-%02d-%02d %02d:%s:00 UTC", y, m, d, (int) ((hour_start % 86400) / 3600), mins));
}

/* Whether systemd's zoned line fires at instant u: the wall-clock time there matches, and u is its first
 * occurrence (systemd fires in the first copy of a repeated time only). */
static bool zoned_line_fires(const CronSpec *c, const TimeZone *z, int64_t u) {
        int64_t start, end;
        LocalTime lt;

        time_zone_local(z, u, &lt);
        if (!cron_spec_matches(c, lt.month, lt.day, lt.weekday, lt.hour, lt.minute) || lt.second != 0)
                return false;
        /* In the second copy: the same wall time existed before the change, in the previous offset. */
        int32_t now_off = time_zone_lookup(z, u, &start, NULL);
        if (start > INT64_MIN && start <= u) {
                int32_t before = time_zone_lookup(z, start - 1, NULL, &end);
                if (before > now_off && u < start + (before - now_off))
                        return false;
        }
        return true;
}

/* Around each change of offset in [from, to), the firings robfig's Next() gives that the zoned line does
 * not: the second copy of repeated times, and what robfig's search does at odd shifts (a 30-minute change
 * can move it from 01:59 to 02:30 without passing :00). Each becomes a line in UTC, one per UTC hour. */
static int add_uncovered_lines(const CronSpec *c, const TimeZone *z, int64_t from, int64_t to, char ***lines) {
        for (int64_t t = from; t < to;) {
                int64_t start, end, u, hour_start = -1;
                uint64_t minutes = 0;
                int r;

                (void) time_zone_lookup(z, t, &start, &end);
                if (end == INT64_MAX || end >= to)
                        break;
                /* robfig's firings from a day before the change to a day after it. */
                u = MAX(end - 86400, from);
                for (unsigned i = 0; i < 10000; i++) {
                        u = cron_next_in_zone(c, z, u);
                        if (u < 0 || u > end + 86400)
                                break;
                        if (zoned_line_fires(c, z, u))
                                continue;
                        if (hour_start >= 0 && u - u % 3600 != hour_start) {
                                r = push_utc_line(lines, hour_start, minutes);
                                if (r < 0)
                                        return r;
                                minutes = 0;
                        }
                        hour_start = u - u % 3600;
                        minutes |= UINT64_C(1) << ((u % 3600) / 60);
                }
                if (minutes) {
                        r = push_utc_line(lines, hour_start, minutes);
                        if (r < 0)
                                return r;
                }
                t = end;
        }
        return 0;
}

int cron_spec_to_oncalendar(const CronSpec *c, const char *tz, usec_t now_usec, usec_t horizon_usec, char ***ret_lines) {
        _cleanup_(time_zone_freep) TimeZone *z = NULL;
        _cleanup_(strv_freep) char **lines = NULL;
        _cleanup_(freep) char *months = NULL, *days = NULL, *hours = NULL, *minutes = NULL, *weekdays = NULL;
        bool dom_full, dow_full;
        int r;

        if (c->every_usec > 0)
                return -EOPNOTSUPP;
        r = time_zone_load(tz, &z);
        if (r < 0)
                return r;

        months = format_set(c->month, 1, 12, 2);
        days = format_set(c->dom, 1, 31, 2);
        hours = format_set(c->hour, 0, 23, 2);
        minutes = format_set(c->minute, 0, 59, 2);
        weekdays = format_weekdays(c->dow);
        if (!months || !days || !hours || !minutes || !weekdays)
                return -ENOMEM;
        dom_full = streq(days, "*");
        dow_full = !*weekdays;

        if (c->dom_star || c->dow_star || dom_full || dow_full) {
                /* A day must match both fields (a full field matches every day anyway). Without the star
                 * rule, a full field would make every day match: OR with everything. */
                if (!c->dom_star && !c->dow_star && (dom_full || dow_full))
                        r = strv_push(&lines, calendar_line(NULL, months, "*", hours, minutes, tz));
                else
                        r = strv_push(&lines, calendar_line(weekdays, months, days, hours, minutes, tz));
        } else {
                /* Both restricted: a day matches if either does: one line each. */
                r = strv_push(&lines, calendar_line(NULL, months, days, hours, minutes, tz));
                if (r >= 0)
                        r = strv_push(&lines, calendar_line(weekdays, months, "*", hours, minutes, tz));
        }
        if (r < 0)
                return r;

        r = add_uncovered_lines(c, z, (int64_t) (now_usec / USEC_PER_SEC),
                                (int64_t) ((now_usec + horizon_usec) / USEC_PER_SEC), &lines);
        if (r < 0)
                return r;
        *ret_lines = TAKE_PTR(lines);
        return 0;
}
