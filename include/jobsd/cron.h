/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "jobsd/macro.h"
#include "jobsd/tz.h"

/* CronJob schedules as Kubernetes reads them: robfig/cron v3.0.1's standard parser and its Next() (spec
 * §5.2-§5.4), and their translation to systemd OnCalendar= lines. docs/cron.md says what fires when. */

typedef struct CronSpec {
        uint64_t minute;                /* bit n = minute n, 0..59 */
        uint32_t hour;                  /* 0..23 */
        uint32_t dom;                   /* bit n = day n, 1..31 */
        uint16_t month;                 /* 1..12 */
        uint8_t dow;                    /* 0..6, 0 = Sunday */
        bool dom_star, dow_star;        /* robfig's star bit: '*' or '?' (also '*' + "/1"); a step > 1 clears it */
        usec_t every_usec;              /* "@every DURATION": non-zero, whole seconds */
} CronSpec;

/* Parses exactly as robfig/cron v3.0.1 ParseStandard(). On a grammar error returns -EINVAL and sets
 * *reterr_message (if reterr_message is not NULL) to robfig's text, e.g. "end of range (30) above maximum
 * (23): 30", "expected exactly 5 fields, found 4: [* * * *]", "unrecognized descriptor: @reboot". A
 * schedule containing "TZ" (TZ= and CRON_TZ= prefixes) is refused with Kubernetes' "cannot use TZ or
 * CRON_TZ in schedule, use timeZone field instead". *ret is untouched on failure. */
int cron_spec_parse(const char *s, CronSpec *ret, char **reterr_message);

/* Go's time.ParseDuration() ("1m30s", "1.5h", "300ms", "-2s", "0"; units ns, us, µs, ms, s, m, h), in
 * nanoseconds: what "@every" takes, and jobctl wait --timeout. On a bad duration returns -EINVAL and sets
 * *reterr_message (if not NULL) to Go's text, e.g. "time: missing unit in duration \"30\"" or "time:
 * unknown unit \"d\" in duration \"1d\"". *ret_nsec is untouched on failure. */
int go_duration_parse(const char *s, int64_t *ret_nsec, char **reterr_message);

/* timeZone as Kubernetes checks it (spec §5.1): "" is "timeZone must be nil or non-empty string", a bad
 * name or a missing zone "unknown time zone X", "Local" in any case "timeZone must be an explicit time
 * zone as defined in https://www.iana.org/time-zones"; -EINVAL then. NULL (the host's zone) is valid. */
int cron_time_zone_check(const char *tz, char **reterr_message);

/* Whether a local time matches, with robfig's day-of-month OR day-of-week rule. */
bool cron_spec_matches(const CronSpec *c, int month, int day, int weekday, int hour, int minute);

/* The next firing strictly after after_usec, as robfig's Next() computes it in the zone tz (NULL: the
 * host's): spring-forward times are skipped, both copies of fall-back repeated times fire, and robfig's
 * quirks at 30-minute changes are kept. Started inside a repeated span, robfig's search can return a time
 * before its start; then its chain is followed to the first firing after after_usec. -ENOENT if none
 * within five years (0 0 31 2 *), -ENOENT also if the zone does not exist. "@every" schedules:
 * after_usec, cut to the second, plus the interval. */
int cron_spec_next(const CronSpec *c, const char *tz, usec_t after_usec, usec_t *ret_usec);
int cron_spec_next_in_zone(const CronSpec *c, const TimeZone *z, usec_t after_usec, usec_t *ret_usec);

/* OnCalendar= lines whose union fires at exactly the instants of robfig's chain from now_usec (repeated
 * cron_spec_next()) within [now_usec, now_usec + horizon_usec). Zoned lines: one, or two when both day
 * fields are restricted (DOM OR DOW), with tz as systemd's zone suffix (none for NULL: the manager's zone,
 * which is the host's). Where the zone changes its offset within the horizon, the zoned lines leave out
 * the local days of the change (systemd's handling of those days is not robfig's, and not even
 * predictable), and UTC lines give robfig's firings on them ("2026-11-01 05,06:30:00 UTC"); days where
 * robfig's quirks at 30-minute changes reach further are left out the same way. After the horizon the
 * zoned lines go on alone: renew the timer before. "@every": -EOPNOTSUPP. docs/cron.md has examples. */
int cron_spec_to_oncalendar(const CronSpec *c, const char *tz, usec_t now_usec, usec_t horizon_usec, char ***ret_lines);
/* The same with a loaded zone; suffix is written after the zoned lines (NULL: none). */
int cron_spec_to_oncalendar_in_zone(const CronSpec *c, const TimeZone *z, const char *suffix, usec_t now_usec,
                                    usec_t horizon_usec, char ***ret_lines);
