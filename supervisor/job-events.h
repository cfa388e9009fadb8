/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

#include <stddef.h>

#include "jobsd/macro.h"

#define JOB_EVENTS_MAX 64

typedef struct JobEvent {
        usec_t at_usec;
        bool warning;
        char *reason;
        char *message;
        unsigned count;
} JobEvent;

/* Adds the newest event; a repeat of the newest one is counted (its time updated), the oldest goes beyond
 * JOB_EVENTS_MAX. Out of memory: the event is not kept. */
void job_events_append(JobEvent **events, size_t *n, usec_t at, bool warning, const char *reason, const char *message);
/* Puts an older event before the list (which holds only newer ones); the same reason and message as the
 * oldest one counts as a repeat. False once the list is full (or out of memory). */
bool job_events_prepend(JobEvent **events, size_t *n, usec_t at, bool warning, const char *reason, const char *message);
void job_events_clear(JobEvent **events, size_t *n);
