/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "jobsd/cron.h"
#include "jobsd/tz.h"

/* robfig's Next() in a loaded zone, on whole seconds (unix time): the first firing after `after`.
 * false if there is none within five years. */
bool cron_next_in_zone(const CronSpec *c, const TimeZone *z, int64_t after, int64_t *ret);

/* The first firing of robfig's chain from `after` that comes after it: robfig's Next() can return an
 * earlier time when started inside a repeated span; the chain goes on from there. This is what
 * cron_spec_next() gives. */
bool cron_next_after(const CronSpec *c, const TimeZone *z, int64_t after, int64_t *ret);
