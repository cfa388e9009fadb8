/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "manager.h"

int manager_bus_register(Manager *m);
void manager_bus_job_changed(Manager *m, ManagedJob *j);
void manager_bus_cron_job_changed(Manager *m, ManagedCronJob *c);
