/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "jobsd/macro.h"

/* Time zones from TZif files (tzfile(5)) under $TZDIR (as glibc reads it) or /usr/share/zoneinfo, the
 * host's from /etc/localtime. A reader of our own rather than setenv("TZ") + tzset() + localtime(): no
 * global state, and the period boundaries that Go's time.Date() needs are at hand. Lookups follow Go's
 * time package, since Kubernetes computes CronJob times with it: the transition table, then the POSIX TZ
 * footer for times after its end (with Go's default rules and its rule forms Jn, n and Mm.w.d). */

typedef struct TimeZone TimeZone;

/* name NULL: the host's zone (UTC when /etc/localtime is missing, as glibc assumes). "UTC" needs no file,
 * as in Go. -ENOENT if there is no such zone (or the name tries to leave the zone directory), -EBADMSG if
 * the file is not TZif. */
int time_zone_load(const char *name, TimeZone **ret);
TimeZone *time_zone_free(TimeZone *z);
DEFINE_TRIVIAL_CLEANUP_FUNC(TimeZone *, time_zone_free);

/* The UTC offset (seconds east) in force at unix time t, and the period [start, end) it holds for: end is
 * the next change of offset (INT64_MAX if none), start the previous one (INT64_MIN if none). */
int32_t time_zone_lookup(const TimeZone *z, int64_t t, int64_t *ret_start, int64_t *ret_end);

/* Broken-down local time, as Go's Time methods give it. */
typedef struct LocalTime {
        int year, month, day, hour, minute, second, weekday;   /* month 1-12, weekday 0 = Sunday */
} LocalTime;

void time_zone_local(const TimeZone *z, int64_t t, LocalTime *ret);

/* Go's time.Date(): normalises out-of-range fields, and for a time in a gap or an overlap picks the offset
 * exactly as Go does (the offset found for the local time taken as UTC, unless the result falls outside
 * that offset's period). */
int64_t time_zone_date(const TimeZone *z, int year, int month, int day, int hour, int minute, int second);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t days_from_civil(int64_t y, int m, int d);
void civil_from_days(int64_t days, int *ret_y, int *ret_m, int *ret_d);
int days_in_month(int y, int m);
