/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "jobsd/macro.h"

/* Time zones from TZif files (tzfile(5)) under $TZDIR or /usr/share/zoneinfo, the host's from
 * /etc/localtime. A reader of our own rather than setenv("TZ") + localtime(): no global state, and the
 * period boundaries Go's time.Date() needs are at hand. */

typedef struct TimeZone TimeZone;

/* name NULL: the host's zone. -ENOENT if there is no such zone, -EBADMSG if the file is not TZif. */
int time_zone_load(const char *name, TimeZone **ret);
TimeZone *time_zone_free(TimeZone *z);
DEFINE_TRIVIAL_CLEANUP_FUNC(TimeZone *, time_zone_free);

/* The UTC offset (seconds) in force at unix time t, and the period [start, end) it holds for. */
int32_t time_zone_lookup(const TimeZone *z, int64_t t, int64_t *ret_start, int64_t *ret_end);

/* Broken-down local time, as Go's Time methods give it. */
typedef struct LocalTime {
        int year, month, day, hour, minute, second, weekday;   /* month 1-12, weekday 0 = Sunday */
} LocalTime;

void time_zone_local(const TimeZone *z, int64_t t, LocalTime *ret);
/* Go's time.Date(): normalises out-of-range fields, and picks an offset for times in a gap or an
 * overlap exactly as Go does. */
int64_t time_zone_date(const TimeZone *z, int year, int month, int day, int hour, int minute, int second);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t days_from_civil(int64_t y, int m, int d);
void civil_from_days(int64_t z, int *ret_y, int *ret_m, int *ret_d);
