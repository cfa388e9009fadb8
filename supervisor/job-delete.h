/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "managed-job.h"

bool job_is_tombstoned(Manager *m, const char *namespace, const char *name, const char *fingerprint);
int manager_delete_job(Manager *m, ManagedJob *j, const char *cascade);
