/* SPDX-License-Identifier: Apache-2.0 */
/* The next firing of a schedule as robfig/cron v3.0.1's SpecSchedule.Next() finds it (spec §5.3, §5.4).
 * Kubernetes' CronJob controller uses that search, quirks included, so we reproduce it step by step
 * rather than computing the mathematically next matching wall-clock time. */
#include "cron-internal.h"

static bool day_matches(const CronSpec *c, const LocalTime *t) {
        bool dom = c->dom & (UINT32_C(1) << t->day), dow = c->dow & (1u << t->weekday);

        if (c->dom_star || c->dow_star)
                return dom && dow;
        return dom || dow;
}

/* The search walks months, days, hours, minutes and seconds forward in the zone's wall-clock time. Months
 * and days advance by calendar arithmetic (time.Date(), which normalises a time in a gap or an overlap its
 * own way); hours, minutes and seconds advance as absolute time. So a repeated hour is visited twice and a
 * skipped one never; and after a 30-minute change the hour steps land on :30, which is where robfig's
 * oddities at Lord Howe come from (docs/cron.md). Each field's first mismatch resets the smaller fields
 * ("added"); a wrap of a field restarts the checks from the month. */
/* Whether any time matches at all. robfig finds out by searching five years (a minute at a time when the
 * minute field is empty); the answer is the same. */
static bool can_fire(const CronSpec *c) {
        if (c->minute == 0 || c->hour == 0 || c->month == 0)
                return false;
        if (c->dom_star || c->dow_star)
                return c->dom != 0 && c->dow != 0;
        return c->dom != 0 || c->dow != 0;
}

bool cron_next_in_zone(const CronSpec *c, const TimeZone *z, int64_t after, int64_t *ret) {
        int64_t t = after + 1;          /* the next whole second: `after` is already cut to the second */
        bool added = false;
        LocalTime lt;
        int year_limit;

        assert(c);
        assert(z);
        assert(ret);

        if (!can_fire(c))
                return false;

        time_zone_local(z, t, &lt);
        year_limit = lt.year + 5;

wrap:
        time_zone_local(z, t, &lt);
        if (lt.year > year_limit)
                return false;

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
                /* Where DST moved midnight, step to the nearer midnight. */
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
                        /* Go's Truncate(time.Minute) works on absolute time, not on the wall clock. */
                        t -= ((t % 60) + 60) % 60;
                        time_zone_local(z, t, &lt);
                }
                t += 60;
                time_zone_local(z, t, &lt);
                if (lt.minute == 0)
                        goto wrap;
        }

        /* The standard parser's seconds field is "0". */
        while (lt.second != 0) {
                added = true;
                t += 1;
                time_zone_local(z, t, &lt);
                if (lt.second == 0)
                        goto wrap;
        }

        *ret = t;
        return true;
}

bool cron_next_after(const CronSpec *c, const TimeZone *z, int64_t after, int64_t *ret) {
        int64_t t = after;

        /* Started inside a repeated span, robfig's search can land on the first copy of a time, before its
         * start (its hour reset goes back to the top of the hour, in the earlier offset). Its chain goes on
         * from there; what comes after `after` is what can still fire. */
        for (unsigned i = 0; i < 64; i++) {
                int64_t n;

                if (!cron_next_in_zone(c, z, t, &n))
                        return false;
                if (n > after) {
                        *ret = n;
                        return true;
                }
                if (n == t)
                        return false;
                t = n;
        }
        return false;
}

static int64_t usec_to_sec(usec_t u) {
        return (int64_t) (u / USEC_PER_SEC);
}

int cron_spec_next_in_zone(const CronSpec *c, const TimeZone *z, usec_t after_usec, usec_t *ret_usec) {
        int64_t t;

        assert(c);
        assert(ret_usec);

        if (c->every_usec > 0) {
                /* robfig's ConstantDelaySchedule: the interval from the start of after's second. */
                *ret_usec = after_usec / USEC_PER_SEC * USEC_PER_SEC + c->every_usec;
                return 0;
        }
        assert(z);
        if (!cron_next_after(c, z, usec_to_sec(after_usec), &t) || t < 0)
                return -ENOENT;
        *ret_usec = (usec_t) t * USEC_PER_SEC;
        return 0;
}

int cron_spec_next(const CronSpec *c, const char *tz, usec_t after_usec, usec_t *ret_usec) {
        _cleanup_(time_zone_freep) TimeZone *z = NULL;
        int r;

        assert(c);
        assert(ret_usec);

        if (c->every_usec > 0)
                return cron_spec_next_in_zone(c, NULL, after_usec, ret_usec);
        r = time_zone_load(tz, &z);
        if (r < 0)
                return r;
        return cron_spec_next_in_zone(c, z, after_usec, ret_usec);
}
