/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "cronjob-manager.h"
#include "managed-job.h"

/* What the API sees change: every change of a Job or CronJob gets the next resourceVersion (the
 * Manager's counter, started at the wall clock in milliseconds so that it grows across restarts), and
 * the API's watches get the event. Hooks: manager_add_job(), manager_remove_job_at() (before the free),
 * manager_bus_job_changed(), and the same for CronJobs. */

typedef enum ApiWatchEvent {
        API_WATCH_ADDED,
        API_WATCH_MODIFIED,
        API_WATCH_DELETED,
        _API_WATCH_EVENT_MAX,
} ApiWatchEvent;

void api_job_event(Manager *m, ManagedJob *j, ApiWatchEvent e);
void api_cron_job_event(Manager *m, ManagedCronJob *c, ApiWatchEvent e);
