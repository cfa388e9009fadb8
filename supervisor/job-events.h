/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

#include "job-reconcile.h"

#define JOB_EVENTS_MAX 64

typedef struct ManagedJob ManagedJob;

typedef struct JobEvent {
        usec_t at_usec;
        bool warning;
        char *reason;
        char *message;
        unsigned count;
} JobEvent;

/* Logs a Job's event to the journal and keeps it in the Job's list. */
void job_log_event(ManagedJob *j, const JobAction *a, usec_t now);
void job_eventf(ManagedJob *j, bool warning, const char *reason, usec_t now, const char *fmt, ...) _printf_(5, 6);
