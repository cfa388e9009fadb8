/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "job-status.h"
#include "jobsd/render.h"

/* The Job controller (spec §3), pure: (spec, status, now) → changes to the status and a list of actions.
 * It never reads the clock, the bus or files. Level-triggered: called after anything happened, and
 * after a restart, it works out what to do from the status alone. */

typedef struct JobConfig {
        usec_t backoff_base_usec;       /* spec §3.4: 10 s */
        usec_t backoff_max_usec;        /* 10 min */
        /* Jobs without the runtime annotation: in their images their containers' images are pulled
         * first, per imagePullPolicy (the image pull back-off is the kubelet's, from backoff_base_usec). */
        ContainerRuntime default_runtime;
} JobConfig;

typedef enum JobActionType {
        JOB_ACTION_START_CONTAINER,     /* start the unit of a pod's container */
        JOB_ACTION_PULL_IMAGE,          /* make a pod's container's image present (imagePullPolicy), then
                                         * set its pull to DONE or, failed, to BACKOFF */
        JOB_ACTION_STOP_POD,            /* stop every unit of a pod: SIGTERM, SIGKILL after the grace period */
        JOB_ACTION_REMOVE_POD,          /* the pod is counted: remove its units, then its record */
        JOB_ACTION_EVENT,               /* a Kubernetes event (spec §4.3); about a pod: its attempt and index */
        _JOB_ACTION_TYPE_MAX,
} JobActionType;

typedef struct JobAction {
        JobActionType type;
        uint64_t attempt;
        int64_t index;
        char *container;
        bool warning;
        char *reason;
        char *message;
} JobAction;

typedef struct JobActionList {
        JobAction *items;
        size_t n;
        usec_t wake_usec;               /* call again at this time (0: nothing timed is pending) */
        bool changed;                   /* the status changed: save it before acting */
} JobActionList;

void job_action_list_done(JobActionList *l);

usec_t backoff_delay_usec(usec_t base, usec_t max, uint32_t n_failures);

/* spec §3.12: when a finished Job with ttlSecondsAfterFinished is to be deleted (lastTransitionTime of
 * Complete or Failed + ttl); 0: never, or not finished. job_reconcile() sets wake_usec to it while it is
 * in the future; after each job_reconcile() the daemon deletes the Job (foreground: pods first) when
 * 0 < job_ttl_expiry_usec() <= now. */
usec_t job_ttl_expiry_usec(const Job *job, const JobStatus *s);

/* Whether a container of the Job has an image to pull, or under imagePullPolicy Never to look for, before
 * it starts: it runs in its image (podman). */
bool container_needs_pull(const Job *job, const JobConfig *cfg, const char *container);

int job_reconcile(const Job *job, JobStatus *status, const JobConfig *cfg, usec_t now, JobActionList *ret);

/* The record with what the controller decided could not be saved (spec §3.14: a pod is recorded before any of
 * its units starts). Undoes what action a would begin: a container to start goes back to waiting, a pull to
 * not asked for, a pod whose SuccessfulCreate event is due is forgotten (not recorded, so not created, and no
 * event says it was). True if a is not to be carried out and the controller is to run again later (5 s), once
 * saving may work; false for the actions that go on (other events, stops). */
bool job_action_roll_back_unsaved(JobStatus *s, const JobAction *a);
