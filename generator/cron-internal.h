/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "jobsd/cron.h"
#include "jobsd/tz.h"

/* robfig's Next() in a loaded zone, on whole seconds; -1 if nothing within five years. */
int64_t cron_next_in_zone(const CronSpec *c, const TimeZone *z, int64_t after);
