/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <systemd/sd-bus.h>

#include "cronjob-controller.h"
#include "job-events.h"
#include "jobsd/manifest.h"
#include "manager.h"

/* A CronJob (spec §5): its systemd timer fires a trigger service that calls jobsd (CronJob1.Trigger);
 * the pure controller (cronjob-controller.c) decides what is due. */
struct ManagedCronJob {
        Manager *manager;
        size_t position;                /* its index in manager->cron_jobs: removal without a walk */
        char *file;
        CronJob *cj;
        CronJobStatus status;
        bool status_bad;                /* the state file is unreadable: nothing runs */
        usec_t next_usec;               /* the next slot, as the controller computed it (0: none) */
        sd_event_source *wake;          /* deferred syncs, and a backstop after the next slot */
        char *timer_key;                /* schedule, zone and suspend the systemd timer was made for */
        usec_t timer_made_usec;
        unsigned timer_attempts;
        sd_event_source *timer_retry;
        JobEvent *events;
        size_t n_events;
        uint64_t resource_version;      /* the API's metadata.resourceVersion (api-watch.c) */
};

ManagedCronJob *manager_find_cron_job(Manager *m, const char *namespace, const char *name);
/* From a reload: a new CronJob starts, a known one takes the new content. Takes mf->cron_job. */
int manager_update_cron_job(Manager *m, Manifest *mf);
/* Its manifest is gone: its Jobs are deleted, its timer stopped, its state removed. */
void manager_remove_cron_job(Manager *m, ManagedCronJob *c);
void managed_cron_job_free(ManagedCronJob *c);
/* Runs the CronJob controller soon (from the event loop, never inside the caller). */
void manager_cron_job_poke(Manager *m, const char *namespace, const char *name);
void manager_sync_cron_job(Manager *m, ManagedCronJob *c);
/* At start, around the first load: the CronJob timers systemd still runs, which CronJobs adopt when
 * they are what they would be made again as (cronjob-manager.c, timer_adopt()). */
int manager_cron_timers_snapshot(Manager *m);
void manager_cron_timers_forget(Manager *m);
int manager_cron_job_set_suspend(Manager *m, ManagedCronJob *c, bool suspend);
int manager_cron_job_create_manual(Manager *m, ManagedCronJob *c, const char *name, sd_bus_error *error);
void manager_cron_unit_event(Manager *m, const UnitEvent *ev);
const char *managed_cron_job_namespace(const ManagedCronJob *c);

