/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "cronjob-state.h"
#include "jobsd/job.h"

/* The CronJob controller (spec §5.5-§5.7), pure: (CronJob, status, its Jobs, now) → changes to the status
 * and a list of actions. It never reads the clock or the bus, and writes no files (it reads the time zone
 * file). Level-triggered: it creates a Job only for a slot that is due by the rule below, never because
 * it was called, so a spurious call (a timer recreated and fired at once, a restart) is harmless.
 *
 * The slot (jobsd's exact form of §5.5 step 3, D10): the latest firing of the schedule in
 * (earliest, now], earliest = lastScheduleTime, else the creation time, and with startingDeadlineSeconds
 * max(earliest, now - SDS). Older missed slots are dropped silently; more than 100 of them also give
 * TooManyMissedTimes, and the newest still runs (D2).
 *
 * The daemon: load the status (cronjob_state_load(); none: created_usec = now), then on every call —
 * at startup, when the CronJob's timer fires, when one of its Jobs finishes (Complete/Failed) or goes
 * away, after any edit of its manifest — list the Jobs it owns (cronjob_job_owner()) as CronChild,
 * leaving out Jobs being deleted, call cronjob_reconcile(), carry out the actions in order (CREATE_JOB:
 * cronjob_make_job() and start it; DELETE_JOB: background deletion; EVENT: record), then save the status
 * if changed, and arm the timer at next_usec. Creating before saving means a crash in between finds
 * the Job again (taken back into active) rather than losing the slot. */

/* The annotations of a created Job (spec §5.4, §5.6, §5.7). */
#define CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION "batch.kubernetes.io/cronjob-scheduled-timestamp"
#define CRONJOB_INSTANTIATE_ANNOTATION "cronjob.kubernetes.io/instantiate"
/* jobsd's stand-in for the ownerReference: "CronJob/<name>", in the CronJob's namespace (the Job's). */
#define CRONJOB_CONTROLLED_BY_ANNOTATION "jobsd.io/controlled-by"

typedef enum CronChildState {
        CRON_CHILD_RUNNING,             /* not finished (also suspended, or not started yet) */
        CRON_CHILD_COMPLETE,
        CRON_CHILD_FAILED,
        _CRON_CHILD_STATE_MAX,
} CronChildState;

/* A Job owned by the CronJob (one whose controlled-by annotation names it), as it is now. */
typedef struct CronChild {
        const char *name;
        bool manual;                    /* made by "create job --from=cronjob/…" */
        CronChildState state;
        usec_t start_usec;              /* status.startTime; 0: none (sorted as the newest) */
        usec_t completion_usec;         /* COMPLETE: status.completionTime; FAILED: the Failed condition's time */
} CronChild;

typedef enum CronActionType {
        CRON_ACTION_CREATE_JOB,         /* make Job `job` for slot_usec (cronjob_make_job()) */
        CRON_ACTION_DELETE_JOB,         /* delete Job `job`, background propagation */
        CRON_ACTION_EVENT,              /* a Kubernetes event of the CronJob (spec §4.3) */
        _CRON_ACTION_TYPE_MAX,
} CronActionType;

typedef struct CronAction {
        CronActionType type;
        char *job;                      /* CREATE_JOB, DELETE_JOB */
        usec_t slot_usec;               /* CREATE_JOB */
        bool warning;                   /* EVENT */
        char *reason;
        char *message;
} CronAction;

typedef struct CronActionList {
        CronAction *items;
        size_t n;
        /* The next firing of the schedule after now: status display, and when to call again. 0: none
         * (suspended, unknown time zone, or the schedule never fires). */
        usec_t next_usec;
        bool changed;                   /* the status changed: save it */
} CronActionList;

void cron_action_list_done(CronActionList *l);

/* One sync. s->created_usec must be set (the first time: to now). The status is updated in place, as if
 * every action succeeds. Children: every Job the CronJob owns, in any order; a Job being deleted in the
 * background counts as gone. Returns < 0 only on allocation failure. */
int cronjob_reconcile(const CronJob *cj, CronJobStatus *s, const CronChild *children, size_t n_children, usec_t now,
                      CronActionList *ret);

/* "<cronjob>-<floor(unix(slot)/60)>" (spec §5.6). */
char *cronjob_job_name(const char *cronjob, usec_t slot_usec);

/* RFC 3339 of t in the zone tz (NULL: UTC, spec §5.4), "Z" for a zero offset, as Go formats it. */
int cronjob_format_timestamp(usec_t t, const char *tz, char **ret);

/* The Job of a slot (spec §5.6): named cronjob_job_name(), in the CronJob's namespace, labels and
 * annotations of the jobTemplate plus the scheduled timestamp and the controlled-by annotation, spec a
 * copy of jobTemplate.spec with Job defaults applied. */
int cronjob_make_job(const CronJob *cj, usec_t slot_usec, Job **ret);
/* The Job of "create job NAME --from=cronjob/X" (spec §5.7): as above, named name, with
 * cronjob.kubernetes.io/instantiate: manual and no scheduled timestamp. */
int cronjob_make_manual_job(const CronJob *cj, const char *name, Job **ret);

/* The CronJob a Job belongs to, from its controlled-by annotation: its name in *ret_cronjob (the
 * namespace is the Job's), and whether it is a manual run. -ENOENT if the Job has no owner. */
int cronjob_job_owner(const Job *job, char **ret_cronjob, bool *ret_manual);
