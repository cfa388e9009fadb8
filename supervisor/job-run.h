/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "managed-job.h"

void managed_job_pod_units(ManagedJob *j, const Pod *p, bool remove);
int manager_suspend_job(Manager *m, ManagedJob *j, bool suspend);
void manager_sync_job(Manager *m, ManagedJob *j);
void manager_on_unit_event(UnitBus *u, const UnitEvent *ev, void *userdata);
int manager_add_cron_child(Manager *m, Job *job, const char *file, const char *owner, usec_t slot_usec,
                           ManagedJob **ret);
int manager_rerun_job(Manager *m, ManagedJob *j);
