/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "cronjob-controller.h"
#include "job-events.h"
#include "jobsd/manifest.h"
#include "manager.h"
#include "job-reconcile.h"
#include "state-store.h"

#define JOB_FINISHED_PODS_MAX 256

/* A pod whose outcome is counted and whose units are gone, kept (in memory) for get pods. */
typedef struct FinishedPod {
        char *name;
        int64_t index;
        uint64_t attempt;
        PodPhase phase;
        char *reason;
        uint32_t restarts;
        uint32_t containers;
        usec_t created_usec, finished_usec;
        char **units;
        int32_t failure_rule;           /* the podFailurePolicy rule that matched (UNSET: none) */
        PodFailurePolicyAction failure_action;
} FinishedPod;

struct ManagedJob {
        Manager *manager;
        size_t position;                /* its index in manager->jobs: removal without a walk */
        char *file;                     /* the manifest it came from */
        char *fingerprint;              /* of its content: the run-once rule */
        Job *job;
        JobRecord record;
        sd_event_source *timer;
        JobEvent *events;               /* the newest JOB_EVENTS_MAX, grown on demand */
        size_t n_events;
        FinishedPod *finished;          /* the newest JOB_FINISHED_PODS_MAX, grown on demand */
        size_t n_finished;
        bool save_failed;
        bool record_unsaved;            /* a fresh record not yet on disk (record_new()) */
        bool deleting;                  /* foreground deletion: Terminating until its pods are gone */
        bool manifest_suspend;          /* spec.suspend as the manifest says it */
        int suspend_override;           /* jobctl suspend (1) / resume (0); -1: the manifest decides */
        char *cron_owner;               /* made by this CronJob (same namespace); NULL: from a manifest */
        usec_t cron_slot_usec;          /* the CronJob's slot it runs for; 0: a manual run */
        /* Its CronJob's Jobs, in the order they were added: manager_cron_children(). */
        CronChildren *cron_group;
        ManagedJob *cron_next, *cron_prev;
        /* Group commit (job-run.c): queued for a sync at the end of this turn of the loop; to be saved
         * lazily; a container's start to be saved by that sync. */
        ManagedJob *sync_next, *sync_prev;
        bool sync_queued;
        ManagedJob *lazy_next, *lazy_prev;
        bool lazy_queued;
        usec_t lazy_deadline;           /* CLOCK_MONOTONIC: the lazy save is made by then */
        bool save_wanted;
        /* The reservation of the last save that reached the disk (docs/guarantees.md): a new pod of that
         * attempt may start before the save that records it. */
        bool reserve_durable;
        uint64_t reserve_durable_attempt;
        uint64_t resource_version;      /* the API's metadata.resourceVersion (api-watch.c) */
        char *metrics_counted_uid;      /* the record uid whose finish the metrics counted (metrics.c) */
};

/* The Jobs one CronJob made, found by its namespace and name without a walk of all Jobs. */
struct CronChildren {
        char *namespace, *owner;
        ManagedJob *first, *last;
        size_t n;
};

/* The Jobs of CronJob namespace/owner, in the order they were added (NULL: none). */
CronChildren *manager_cron_children(Manager *m, const char *namespace, const char *owner);
void manager_cron_children_done(Manager *m);

const char *managed_job_namespace(const ManagedJob *j);
void managed_job_clear_history(ManagedJob *j);
void managed_job_remember_finished_pod(ManagedJob *j, const Pod *p);
void managed_job_free(ManagedJob *j);
ManagedJob *manager_find_job(Manager *m, const char *namespace, const char *name);
char *managed_job_status_word(const ManagedJob *j);
char *job_fingerprint(const Manifest *mf, const Manager *m);
int managed_job_save_manifest_copy(ManagedJob *j);
char *managed_job_pod_key(const ManagedJob *j, const Pod *p);
const Container *managed_job_find_container(const Job *job, const char *name);
bool managed_job_in_images(const ManagedJob *j);
int managed_job_save(ManagedJob *j);
void managed_job_apply_suspend(ManagedJob *j, bool manifest_suspend);
bool managed_job_has_running_containers(const ManagedJob *j);
void managed_job_batch_committed(ManagedJob *j);
int managed_job_new(Manager *m, const Manifest *mf, const char *fingerprint, ManagedJob **ret);
int managed_job_record_new(ManagedJob *j);
int managed_job_load_record(ManagedJob *j);
int manager_add_job(Manager *m, ManagedJob *j);
/* Frees j: O(1), the last Job takes its place in manager->jobs (whose order is therefore not kept). */
void manager_remove_job(Manager *m, ManagedJob *j);
void managed_job_adopt_units(Manager *m, ManagedJob *j);
/* Logs a Job's event to the journal and keeps it in the Job's list (job-events.c). */
void job_log_event(ManagedJob *j, const JobAction *a, usec_t now);
void job_eventf(ManagedJob *j, bool warning, const char *reason, usec_t now, const char *fmt, ...) _printf_(5, 6);

/* What cronjob-manager.c sees of the Jobs a CronJob (owner, in namespace) made: the ones not being deleted,
 * as its controller takes them (names allocated: cron_children_free()), and optionally each one's slot
 * (0: a manual run). */
int manager_list_cron_children(Manager *m, const char *namespace, const char *owner, CronChild **ret,
                               usec_t **ret_slots, size_t *ret_n);
void cron_children_free(CronChild *children, size_t n);
/* Deletes every Job the CronJob made (background propagation). */
void manager_delete_cron_children(Manager *m, const char *namespace, const char *owner);
