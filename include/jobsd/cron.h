/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "jobsd/macro.h"

/* CronJob schedules as Kubernetes reads them (robfig/cron v3 standard parser, spec §5.2-§5.4). */

typedef struct CronSpec {
        uint64_t minute;                /* bit n = minute n, 0..59 */
        uint32_t hour;                  /* 0..23 */
        uint32_t dom;                   /* bit n = day n, 1..31 */
        uint16_t month;                 /* 1..12 */
        uint8_t dow;                    /* 0..6, 0 = Sunday */
        bool dom_star, dow_star;        /* written '*' or '?' (also '*' /1); a step > 1 clears it */
        usec_t every_usec;              /* "@every DURATION": non-zero */
} CronSpec;

/* Parses as robfig/cron v3.0.1 ParseStandard, with its error messages (e.g. "end of range (30) above
 * maximum (23): 30"); a schedule containing "TZ" is refused as Kubernetes refuses it. */
int cron_spec_parse(const char *s, CronSpec *ret, char **reterr_message);

/* timeZone as Kubernetes checks it (spec §5.1); NULL is the host's zone and always valid. */
int cron_time_zone_check(const char *tz, char **reterr_message);

/* The next firing strictly after after_usec, as robfig's Next() computes it in the zone (NULL: the host's):
 * spring-forward times are skipped, the repeated hour of a fall-back fires in both copies. -ENOENT if
 * none within five years (impossible dates such as 0 0 31 2 *). */
int cron_spec_next(const CronSpec *c, const char *tz, usec_t after_usec, usec_t *ret_usec);

/* Whether a local time matches, with robfig's day-of-month OR day-of-week rule. */
bool cron_spec_matches(const CronSpec *c, int month, int day, int weekday, int hour, int minute);

/* OnCalendar= lines that fire at every minute cron_spec_next() gives, for [now, now + horizon): one line, two
 * when both day fields are restricted, and UTC lines for robfig's firings near offset changes that the zoned
 * line misses (the second copy of fall-back repeated times, robfig's quirks at 30-minute shifts). Where
 * robfig skips a time the zoned line fires at (again at 30-minute shifts), the caller discards the trigger.
 * @every: -EOPNOTSUPP. */
int cron_spec_to_oncalendar(const CronSpec *c, const char *tz, usec_t now_usec, usec_t horizon_usec, char ***ret_lines);
