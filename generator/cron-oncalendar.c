/* SPDX-License-Identifier: Apache-2.0 */
#include <inttypes.h>

#include "jobsd/cron.h"
#include "jobsd/strv.h"
#include "jobsd/tz.h"

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

/* The second copy of each fall-back repeated interval in [from, to): systemd fires a zoned OnCalendar=
 * time only in the first copy, robfig's Next() in both. For each such interval, the minutes the schedule
 * matches (in the offset after the change) become lines in UTC, one per UTC hour. */
static int add_repeated_lines(const CronSpec *c, const TimeZone *z, int64_t from, int64_t to, char ***lines) {
        int64_t t = from;
        int r;

        while (t < to) {
                int64_t start, end;
                int32_t before = time_zone_lookup(z, t, &start, &end), after;

                if (end == INT64_MAX || end >= to)
                        break;
                after = time_zone_lookup(z, end, NULL, NULL);
                if (after < before) {
                        int64_t span = before - after;  /* seconds shown twice */
                        uint64_t minutes = 0;
                        int64_t hour_start = -1;

                        for (int64_t u = end; u < end + span; u += 60) {
                                LocalTime lt;
                                int64_t h = u - (u % 3600);

                                if (hour_start >= 0 && h != hour_start && minutes) {
                                        int y, m, d;
                                        _cleanup_(freep) char *mins = format_set(minutes, 0, 59, 2);
                                        civil_from_days(hour_start / 86400, &y, &m, &d);
                                        r = strv_push(lines, strprintf("%04d-%02d-%02d %02" PRIi64 ":%s:00 UTC", y, m, d,
                                                                       (hour_start % 86400) / 3600, mins));
                                        if (r < 0)
                                                return r;
                                        minutes = 0;
                                }
                                hour_start = h;
                                time_zone_local(z, u, &lt);
                                if (cron_spec_matches(c, lt.month, lt.day, lt.weekday, lt.hour, lt.minute))
                                        minutes |= UINT64_C(1) << ((u % 3600) / 60);
                        }
                        if (minutes) {
                                int y, m, d;
                                _cleanup_(freep) char *mins = format_set(minutes, 0, 59, 2);
                                civil_from_days(hour_start / 86400, &y, &m, &d);
                                r = strv_push(lines, strprintf("%04d-%02d-%02d %02" PRIi64 ":%s:00 UTC", y, m, d,
                                                               (hour_start % 86400) / 3600, mins));
                                if (r < 0)
                                        return r;
                        }
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

        r = add_repeated_lines(c, z, (int64_t) (now_usec / USEC_PER_SEC),
                               (int64_t) ((now_usec + horizon_usec) / USEC_PER_SEC), &lines);
        if (r < 0)
                return r;
        *ret_lines = TAKE_PTR(lines);
        return 0;
}
