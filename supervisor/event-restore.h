/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "manager.h"

/* Puts back each Job's and CronJob's events logged before before_usec (a restart), newest
 * JOB_EVENTS_MAX each, and each Job's finished pods (newest JOB_FINISHED_PODS_MAX), from the journal
 * (event-restore.c). */
int manager_restore_events(Manager *m, usec_t before_usec, unsigned *ret_events, unsigned *ret_pods);

