/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "managed-job.h"

void managed_job_pod_units(ManagedJob *j, const Pod *p, bool remove);
int manager_suspend_job(Manager *m, ManagedJob *j, bool suspend);
void manager_sync_job(Manager *m, ManagedJob *j);
/* Group commit: syncs j once the events of this turn of the loop are in (one reconcile, one save for all
 * of them). */
void manager_queue_sync(Manager *m, ManagedJob *j);
/* Takes j off the group commit's queues (before it is freed). */
void manager_unqueue_job(Manager *m, ManagedJob *j);
/* A save carried j's lazy changes. */
void manager_unqueue_lazy(ManagedJob *j);
/* Saves every record with lazy changes now (before exiting). */
void manager_flush_lazy_saves(Manager *m);
void manager_on_unit_event(UnitBus *u, const UnitEvent *ev, void *userdata);
int manager_add_cron_child(Manager *m, Job *job, const char *file, const char *owner, usec_t slot_usec,
                           ManagedJob **ret);
int manager_rerun_job(Manager *m, ManagedJob *j);
