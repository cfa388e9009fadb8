/* SPDX-License-Identifier: Apache-2.0 */
/* A Job's events: to the journal, and the newest kept in memory for describe. */
#include <stdarg.h>
#include <systemd/sd-journal.h>

#include "jobsd/strv.h"
#include "event-ids.h"
#include "job-events.h"
#include "managed-job.h"

void job_log_event(ManagedJob *j, const JobAction *a, usec_t now) {
        JobEvent *e;

        (void) sd_journal_send("MESSAGE=%s/%s: %s: %s", managed_job_namespace(j), j->job->metadata.name, a->reason,
                               a->message,
                               "MESSAGE_ID=%s", event_message_id(a->reason),
                               "PRIORITY=%d", a->warning ? 4 : 6,
                               "JOB_NAMESPACE=%s", managed_job_namespace(j),
                               "JOB_NAME=%s", j->job->metadata.name,
                               "JOB_UID=%s", strempty(j->record.uid),
                               "REASON=%s", a->reason,
                               "EVENT_TYPE=%s", a->warning ? "Warning" : "Normal",
                               NULL);
        /* Keep the newest events for describe; a repeat of the last one is counted, as kubectl shows. */
        if (j->n_events > 0 && streq(j->events[j->n_events - 1].reason, a->reason) &&
            streq(j->events[j->n_events - 1].message, a->message)) {
                j->events[j->n_events - 1].count++;
                j->events[j->n_events - 1].at_usec = now;
                return;
        }
        if (j->n_events == JOB_EVENTS_MAX) {
                free(j->events[0].reason);
                free(j->events[0].message);
                memmove(j->events, j->events + 1, sizeof(JobEvent) * (JOB_EVENTS_MAX - 1));
                j->n_events--;
        } else {
                JobEvent *n = realloc(j->events, sizeof(JobEvent) * (j->n_events + 1));
                if (!n)
                        return;
                j->events = n;
        }
        e = j->events + j->n_events;
        *e = (JobEvent) { .at_usec = now, .warning = a->warning, .count = 1 };
        e->reason = strdup(a->reason);
        e->message = strdup(a->message);
        if (e->reason && e->message)
                j->n_events++;
        else {
                free(e->reason);
                free(e->message);
        }
}

void job_eventf(ManagedJob *j, bool warning, const char *reason, usec_t now, const char *fmt, ...) {
        _cleanup_(freep) char *msg = NULL;
        JobAction a = { .warning = warning, .reason = (char *) reason };
        va_list ap;

        va_start(ap, fmt);
        msg = vstrprintf(fmt, ap);
        va_end(ap);
        if (!msg)
                return;
        a.message = msg;
        job_log_event(j, &a, now);
}
