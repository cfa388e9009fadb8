/* SPDX-License-Identifier: Apache-2.0 */
#include "cron-internal.h"

/* robfig's day rule: both day fields must match if either was written '*', else either suffices. */
static bool day_matches(const CronSpec *c, const LocalTime *t) {
        bool dom = c->dom & (UINT32_C(1) << t->day), dow = c->dow & (1u << t->weekday);

        if (c->dom_star || c->dow_star)
                return dom && dow;
        return dom || dow;
}

/* The same search as robfig/cron's SpecSchedule.Next(): walk months, days, hours, minutes forward in the
 * zone's local time, days and months by calendar arithmetic (time.Date, so DST gaps normalise as Go's do),
 * hours and minutes by adding absolute time (so a repeated hour is visited twice and a skipped one never). */
int64_t cron_next_in_zone(const CronSpec *c, const TimeZone *z, int64_t after) {
        int64_t t = after + 1;          /* the next whole second */
        bool added = false;
        LocalTime lt;
        int year_limit;

        time_zone_local(z, t, &lt);
        year_limit = lt.year + 5;

wrap:
        time_zone_local(z, t, &lt);
        if (lt.year > year_limit)
                return -1;

        while (!(c->month & (1u << lt.month))) {
                if (!added) {
                        added = true;
                        t = time_zone_date(z, lt.year, lt.month, 1, 0, 0, 0);
                        time_zone_local(z, t, &lt);
                }
                t = time_zone_date(z, lt.year, lt.month + 1, lt.day, lt.hour, lt.minute, lt.second);
                time_zone_local(z, t, &lt);
                if (lt.month == 1)
                        goto wrap;
        }

        while (!day_matches(c, &lt)) {
                if (!added) {
                        added = true;
                        t = time_zone_date(z, lt.year, lt.month, lt.day, 0, 0, 0);
                        time_zone_local(z, t, &lt);
                }
                t = time_zone_date(z, lt.year, lt.month, lt.day + 1, lt.hour, lt.minute, lt.second);
                time_zone_local(z, t, &lt);
                /* If DST moved midnight, step back onto it. */
                if (lt.hour != 0) {
                        if (lt.hour > 12)
                                t += (int64_t) (24 - lt.hour) * 3600;
                        else
                                t -= (int64_t) lt.hour * 3600;
                        time_zone_local(z, t, &lt);
                }
                if (lt.day == 1)
                        goto wrap;
        }

        while (!(c->hour & (UINT32_C(1) << lt.hour))) {
                if (!added) {
                        added = true;
                        t = time_zone_date(z, lt.year, lt.month, lt.day, lt.hour, 0, 0);
                        time_zone_local(z, t, &lt);
                }
                t += 3600;
                time_zone_local(z, t, &lt);
                if (lt.hour == 0)
                        goto wrap;
        }

        while (!(c->minute & (UINT64_C(1) << lt.minute))) {
                if (!added) {
                        added = true;
                        t -= t % 60 < 0 ? t % 60 + 60 : t % 60;
                        time_zone_local(z, t, &lt);
                }
                t += 60;
                time_zone_local(z, t, &lt);
                if (lt.minute == 0)
                        goto wrap;
        }

        /* The standard parser's seconds field is 0. */
        while (lt.second != 0) {
                if (!added) {
                        added = true;
                        time_zone_local(z, t, &lt);
                }
                t += 1;
                time_zone_local(z, t, &lt);
                if (lt.second == 0)
                        goto wrap;
        }
        return t;
}

int cron_spec_next(const CronSpec *c, const char *tz, usec_t after_usec, usec_t *ret_usec) {
        _cleanup_(time_zone_freep) TimeZone *z = NULL;
        int64_t t;
        int r;

        if (c->every_usec > 0) {
                *ret_usec = after_usec + c->every_usec;
                return 0;
        }
        r = time_zone_load(tz, &z);
        if (r < 0)
                return r;
        t = cron_next_in_zone(c, z, (int64_t) (after_usec / USEC_PER_SEC));
        if (t < 0)
                return -ENOENT;
        *ret_usec = (usec_t) t * USEC_PER_SEC;
        return 0;
}
