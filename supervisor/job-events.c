/* SPDX-License-Identifier: Apache-2.0 */
/* The event list of a Job or CronJob, as describe shows it: the newest JOB_EVENTS_MAX, a repeat counted. */
#include <stdlib.h>
#include <string.h>

#include "job-events.h"
#include "jobsd/macro.h"

static void job_event_done(JobEvent *e) {
        free(e->reason);
        free(e->message);
}

void job_events_append(JobEvent **events, size_t *n, usec_t at, bool warning, const char *reason, const char *message) {
        JobEvent *e;

        assert(events);
        assert(n);
        assert(reason);
        assert(message);

        /* A repeat of the last one is counted, as kubectl shows. */
        if (*n > 0 && streq((*events)[*n - 1].reason, reason) && streq((*events)[*n - 1].message, message)) {
                (*events)[*n - 1].count++;
                (*events)[*n - 1].at_usec = at;
                return;
        }
        if (*n == JOB_EVENTS_MAX) {
                job_event_done(*events);
                memmove(*events, *events + 1, sizeof(JobEvent) * (JOB_EVENTS_MAX - 1));
                (*n)--;
        } else {
                e = realloc(*events, sizeof(JobEvent) * (*n + 1));
                if (!e)
                        return;
                *events = e;
        }
        e = *events + *n;
        *e = (JobEvent) { .at_usec = at, .warning = warning, .count = 1, .reason = strdup(reason),
                          .message = strdup(message) };
        if (e->reason && e->message)
                (*n)++;
        else
                job_event_done(e);
}

bool job_events_prepend(JobEvent **events, size_t *n, usec_t at, bool warning, const char *reason, const char *message) {
        JobEvent *e;

        assert(events);
        assert(n);
        assert(reason);
        assert(message);

        if (*n > 0 && streq((*events)[0].reason, reason) && streq((*events)[0].message, message)) {
                (*events)[0].count++;
                return true;
        }
        if (*n >= JOB_EVENTS_MAX)
                return false;
        e = realloc(*events, sizeof(JobEvent) * (*n + 1));
        if (!e)
                return false;
        *events = e;
        memmove(e + 1, e, sizeof(JobEvent) * *n);
        e[0] = (JobEvent) { .at_usec = at, .warning = warning, .count = 1, .reason = strdup(reason),
                            .message = strdup(message) };
        if (!e[0].reason || !e[0].message) {
                job_event_done(e);
                memmove(e, e + 1, sizeof(JobEvent) * *n);
                return false;
        }
        (*n)++;
        return true;
}

void job_events_clear(JobEvent **events, size_t *n) {
        assert(events);
        assert(n);

        for (size_t i = 0; i < *n; i++)
                job_event_done(*events + i);
        *events = mfree(*events);
        *n = 0;
}
