/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "jobsd/job.h"
#include "jobsd/macro.h"

/* What Kubernetes calls a Job's .status, plus the records jobsd needs to count every pod exactly once
 * across restarts (spec §3.14): a pod is recorded before its units start, its outcome is recorded
 * before its units are removed, and counters only change through job_status_count_pod(). */

typedef enum ContainerState {
        CONTAINER_WAITING,      /* not started yet */
        CONTAINER_STARTING,     /* start requested */
        CONTAINER_RUNNING,
        CONTAINER_TERMINATED,
        _CONTAINER_STATE_MAX,
} ContainerState;

/* A container's image in podman's storage (docs/containers.md, "Images and pulls"): the kubelet's image
 * pull before the container starts, per imagePullPolicy. Only for containers that run in their images. */
typedef enum ImagePull {
        IMAGE_PULL_NONE,                /* not looked at yet (a record from before pulls reads as this) */
        IMAGE_PULL_PULLING,             /* the check (IfNotPresent) or the pull runs in its unit */
        IMAGE_PULL_BACKOFF,             /* the last pull failed: retried after the back-off */
        IMAGE_PULL_DONE,                /* the image is there: the container may start */
        _IMAGE_PULL_MAX,
        _IMAGE_PULL_INVALID = -EINVAL,
} ImagePull;

typedef struct ContainerStatus {
        char *name;
        bool init;
        ContainerState state;
        int exit_code;                  /* 128+n for a signal, as Kubernetes reports it */
        char *reason;                   /* Completed, Error, OOMKilled, DeadlineExceeded, StartError */
        usec_t started_usec, finished_usec;
        unsigned restarts;
        usec_t restart_at_usec;         /* OnFailure: when the failed container may run again, 0 = not waiting */
        /* While WAITING for its image: reason is ErrImagePull or ImagePullBackOff once a pull failed,
         * ErrImageNeverPull once a Never image was not found. */
        ImagePull pull;
        uint32_t pull_failures;         /* failed pulls in a row: the back-off */
        usec_t pull_failed_usec;        /* when the last one failed */
        /* IfNotPresent: the check found no image and the pull itself runs (not saved: a pull that ran
         * when jobsd stopped starts over). */
        bool pull_past_check;
} ContainerStatus;

typedef enum PodPhase {
        POD_PENDING,
        POD_RUNNING,
        POD_SUCCEEDED,
        POD_FAILED,
        _POD_PHASE_MAX,
        _POD_PHASE_INVALID = -EINVAL,
} PodPhase;

typedef enum PodDeletion {
        POD_DELETION_NONE,
        POD_DELETION_UNCOUNTED,         /* scale down, suspend: the work is lost, not counted */
        POD_DELETION_FAILED,            /* Job failure, deadline: counted failed when it ends */
        _POD_DELETION_MAX,
} PodDeletion;

typedef struct Pod {
        uint64_t attempt;               /* the Job's pod counter: the pod's identity */
        int64_t index;                  /* UNSET for NonIndexed */
        PodPhase phase;
        PodDeletion deletion;
        usec_t deletion_usec;
        bool counted;                   /* outcome in the counters: its units may go */
        char *reason;                   /* pod reason: DeadlineExceeded, … */
        /* Pod condition DisruptionTarget=True (spec §2.7): the pod was stopped by something other than its
         * own exit or the Job controller: a reboot, the manager going away, the Job's deletion. */
        bool disruption;
        char *disruption_reason;        /* TerminationByKubelet, DeletionByPodGC, … (NULL: none) */
        /* spec §2.6, backoffLimitPerIndex: the index's counted and ignored failures before this pod, as the
         * annotations batch.kubernetes.io/job-index-failure-count and …/job-index-ignored-failure-count. */
        uint32_t index_failure_count;
        uint32_t index_ignored_failure_count;
        /* spec §3.6: the podFailurePolicy rule that decided how the failure counted (UNSET: none matched,
         * Count), set when a failed pod is counted. */
        int32_t failure_rule;
        PodFailurePolicyAction failure_action;
        usec_t created_usec, started_usec, finished_usec;
        ContainerStatus *containers;
        size_t n_containers;
        /* Named in advance by the record's reservation (JobStatus.reserve_attempt) and found again at a
         * start of jobsd: its units may or may not exist. Forgotten if none does (never counted, never
         * disrupted); a normal pod as soon as systemd reports one. */
        bool reserved;
} Pod;

typedef enum JobConditionType {
        JOB_CONDITION_SUSPENDED,
        JOB_CONDITION_FAILURE_TARGET,
        JOB_CONDITION_FAILED,
        JOB_CONDITION_SUCCESS_CRITERIA_MET,
        JOB_CONDITION_COMPLETE,
        _JOB_CONDITION_TYPE_MAX,
        _JOB_CONDITION_TYPE_INVALID = -EINVAL,
} JobConditionType;

typedef struct JobCondition {
        JobConditionType type;
        bool status;
        char *reason;
        char *message;
        usec_t transition_usec;
} JobCondition;

/* backoffLimitPerIndex (spec §3.4, §3.7): one index's failures. */
typedef struct IndexFailures {
        uint32_t counted;               /* counted failures: the index fails past backoffLimitPerIndex */
        uint32_t ignored;               /* failures that matched an Ignore rule */
        usec_t last_usec;               /* finish of the index's newest failed pod: its back-off starts there */
} IndexFailures;

typedef struct JobStatus {
        usec_t start_usec;              /* 0 = unset */
        usec_t completion_usec;
        int32_t succeeded;
        int32_t failed;
        bool *completed_indexes;        /* Indexed: completions entries */
        bool *failed_indexes;           /* Indexed: completions entries (only set with backoffLimitPerIndex) */
        IndexFailures *index_failures;  /* Indexed: completions entries */
        size_t n_indexes;
        JobCondition *conditions;
        size_t n_conditions;
        uint64_t next_attempt;
        /* The pod attempt named in advance (docs/guarantees.md): its units may start before the record
         * that holds the pod is saved, since this record, on disk, names it. */
        bool reserve_set;
        uint64_t reserve_attempt;
        uint32_t failures_since_success;        /* back-off (spec §3.4) */
        usec_t last_failure_usec;
        Pod *pods;                      /* pods whose units exist or may exist */
        size_t n_pods;
} JobStatus;

void job_status_done(JobStatus *s);
int job_status_init(JobStatus *s, const JobSpec *spec);

Pod *job_status_find_pod(JobStatus *s, uint64_t attempt);
ContainerStatus *pod_find_container(Pod *p, const char *name);
/* Deleted, disrupted or past its activeDeadlineSeconds: nothing more starts, it fails when nothing runs. */
bool pod_is_ending(const Pod *p);
bool pod_is_ready(const Pod *p);
/* Adds a pod record (every container WAITING) with the next attempt number and returns it. */
int job_status_add_pod(JobStatus *s, const JobSpec *spec, int64_t index, usec_t now, Pod **ret);
void job_status_remove_pod(JobStatus *s, uint64_t attempt);

const JobCondition *job_status_get_condition(const JobStatus *s, JobConditionType t);
bool job_status_is_finished(const JobStatus *s);
int job_status_set_condition(JobStatus *s, JobConditionType t, bool status, const char *reason, const char *message,
                             usec_t now);

/* Counters as Kubernetes reports them. */
int32_t job_status_active(const JobStatus *s);
int32_t job_status_ready(const JobStatus *s);
int32_t job_status_terminating(const JobStatus *s);
uint32_t job_status_completed_count(const JobStatus *s);
char *job_status_completed_indexes(const JobStatus *s);  /* "0-2,4" */
uint32_t job_status_failed_count(const JobStatus *s);
char *job_status_failed_indexes(const JobStatus *s);     /* the same format; "" when none */
/* Formats a set of indexes as Kubernetes does (spec §4.1): ascending, runs of three or more as a-b. */
char *index_list_format(const bool *set, size_t n);
/* Parses that format into set (n entries), setting the listed ones; -EBADMSG when malformed or out of range. */
/* Parses "0-2,4" into set[0..n). Indexes >= n: -EBADMSG, or, with ret_dropped, counted there and left out. */
int index_list_parse(const char *text, bool *set, size_t n, size_t *ret_dropped);
/* Indexed Jobs whose completions changed (spec §3.11): indexes at or above n are forgotten. */
int job_status_resize_indexes(JobStatus *s, size_t n);

/* What a container's unit reported. code is the exit status, or 128+signal. */
int job_status_record_container_start(JobStatus *s, uint64_t attempt, const char *container, usec_t now);
int job_status_record_container_exit(JobStatus *s, const JobSpec *spec, uint64_t attempt, const char *container,
                                     int code, const char *reason, usec_t now);
/* The pod was disrupted (spec §2.7, §3.14): it gets DisruptionTarget=True with reason (NULL:
 * TerminationByKubelet). Call before recording its containers' exits (137, "Disrupted"); a pod with nothing
 * running is Failed at once. */
int job_status_record_pod_disruption(JobStatus *s, uint64_t attempt, const char *reason, usec_t now);

/* podman's own failures (docs/containers.md, "Exit codes"): a unit of a container in an image that exited
 * 125–127 (reason NULL or "Error") without ever becoming active never ran the container (conmon's READY=1
 * makes it active): the kubelet's StartError, never an exit code of the container. */
bool container_exit_is_start_error(bool in_image, bool started, const char *reason, int code);

typedef enum UnitGoneVerdict {
        UNIT_GONE_IGNORE,               /* the container was not running or starting: nothing to record */
        UNIT_GONE_NEVER_STARTED,        /* jobsd was killed before systemd got the start: start it now */
        UNIT_GONE_DISRUPTED,            /* it ran and vanished (a restarted manager, a reboot): a disruption */
} UnitGoneVerdict;

/* A container's unit vanished. Saved as starting (a container is saved as running as soon as systemd
 * says it runs) and missing although the manager (started at systemd_started_usec, 0: unknown) has run
 * since before the pod was made: the unit never existed, nothing ran. A pod made before the manager
 * started (a reboot) may have run: disrupted. So is a pod jobsd is stopping (systemd may unload a unit it
 * stopped before its result is read). */
UnitGoneVerdict pod_container_unit_gone(const Pod *p, const ContainerStatus *c, usec_t systemd_started_usec);

const char *pod_phase_to_string(PodPhase p);
const char *container_state_to_string(ContainerState s);
const char *image_pull_to_string(ImagePull p);
ImagePull image_pull_from_string(const char *s);
/* The pull's waiting reason of a container (ErrImagePull, ImagePullBackOff, ErrImageNeverPull), or NULL. */
const char *container_pull_reason(const ContainerStatus *c);
/* The reason kubectl shows for a Pending pod: its first container's pull reason, or NULL. */
const char *pod_waiting_reason(const Pod *p);
const char *job_condition_type_to_string(JobConditionType t);
JobConditionType job_condition_type_from_string(const char *s);
