/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "managed-job.h"

char *managed_job_pull_unit(const ManagedJob *j, const Pod *p, const ContainerStatus *c, bool check);
void image_pull_start(ManagedJob *j, const JobAction *a, usec_t now, bool *ret_resync);
void image_pull_unit_event(Manager *m, const UnitEvent *ev, const char *ns, const char *job, uint64_t attempt,
                               const char *container, bool check);
