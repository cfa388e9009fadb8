/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "cronjob-controller.h"
#include "job-reconcile.h"
#include "jobsd/render.h"
#include "podman.h"
#include "state-store.h"
#include "unit-bus.h"

#define JOB_EVENTS_MAX 64

typedef struct Manager Manager;

typedef struct JobEvent {
        usec_t at_usec;
        bool warning;
        char *reason;
        char *message;
        unsigned count;
} JobEvent;

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

typedef struct ManagedJob {
        Manager *manager;
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
        bool seen;                      /* during a reload: still defined */
} ManagedJob;

/* A CronJob (spec §5): its systemd timer fires a trigger service that calls jobsd (CronJob1.Trigger);
 * the pure controller (cronjob-controller.c) decides what is due. */
typedef struct ManagedCronJob {
        Manager *manager;
        char *file;
        CronJob *cj;
        CronJobStatus status;
        bool status_bad;                /* the state file is unreadable: nothing runs */
        usec_t next_usec;               /* the next slot, as the controller computed it (0: none) */
        sd_event_source *wake;          /* deferred syncs, and a backstop after the next slot */
        char *timer_key;                /* schedule, zone and suspend the systemd timer was made for */
        usec_t timer_made_usec;
        unsigned timer_attempts;
        sd_event_source *timer_retry;
        JobEvent *events;
        size_t n_events;
        bool seen;                      /* during a reload: still defined */
} ManagedCronJob;

struct Manager {
        sd_event *event;
        sd_bus *bus;
        UnitBus *units;
        char *manifest_dir;
        char *state_dir;
        char *runtime_dir;
        bool user;
        uid_t mutating_uid;             /* the only caller the methods that change Jobs obey (check_caller()) */
        JobConfig config;
        ManagedJob **jobs;
        size_t n_jobs;
        ManagedJob **index;             /* open addressing on "namespace/name": no scan of all Jobs per event */
        ManagedCronJob **cron_jobs;
        size_t n_cron_jobs;
        char *jobctl_path;              /* what the CronJobs' trigger services run */
        size_t n_index;
        sd_event_source *inotify;
        sd_event_source *reload_timer;
        char **diag_keys;               /* per file with diagnostics at the last reload: its name, state and
                                         * diagnostics; a file's diagnostics are logged when this changes */
        char **state_errors_logged;     /* unreadable Job state files already reported */
        usec_t systemd_started_usec;    /* when the systemd manager started (UserspaceTimestamp); 0: unknown */
        char hostname[256];
        /* Containers in images (docs/containers.md). */
        ContainerRuntime default_runtime;
        char *podman;                   /* podman's path */
        char **podman_args;             /* --podman-arg: podman's global options (a test's own storage) */
        PodmanHost podman_host;         /* found at start */
        struct Metrics *metrics;        /* --metrics-file (metrics.c); NULL: off */
};
/* The machine-dependent part of rendering: the runtime and podman's options. */
void manager_render_context(const Manager *m, RenderContext *ctx);

int manager_new(bool user, const char *manifest_dir, const char *state_dir, const JobConfig *config, Manager **ret);
Manager *manager_free(Manager *m);
int manager_start(Manager *m);
/* Puts back each Job's and CronJob's events logged before before_usec (a restart), newest
 * JOB_EVENTS_MAX each, and each Job's finished pods (newest JOB_FINISHED_PODS_MAX), from the journal
 * (event-restore.c). */
int manager_restore_events(Manager *m, usec_t before_usec, unsigned *ret_events, unsigned *ret_pods);

ManagedJob *manager_find_job(Manager *m, const char *namespace, const char *name);
/* Reruns a finished Job: a fresh record, as if its manifest had changed. */
int manager_rerun_job(Manager *m, ManagedJob *j);
/* Deletes a Job: background (pods stopped, record gone at once) or orphan (pods left running). */
int manager_delete_job(Manager *m, ManagedJob *j, const char *cascade);
/* jobctl suspend/resume job: persisted; a later change of the manifest's own suspend field wins. */
int manager_suspend_job(Manager *m, ManagedJob *j, bool suspend);
/* Runs the controller for one Job and carries out what it decides. */
void manager_sync_job(Manager *m, ManagedJob *j);
const char *managed_job_namespace(const ManagedJob *j);
char *managed_job_status_word(const ManagedJob *j);

/* Starts a Job made by a CronJob: its record is loaded if it has one (a restart), else made. */
int manager_add_cron_child(Manager *m, Job *job, const char *file, const char *owner, usec_t slot_usec,
                           ManagedJob **ret);
usec_t manager_now(void);

/* cronjob-manager.c */
ManagedCronJob *manager_find_cron_job(Manager *m, const char *namespace, const char *name);
/* From a reload: a new CronJob starts, a known one takes the new content. Takes mf->cron_job. */
int manager_update_cron_job(Manager *m, Manifest *mf);
/* Its manifest is gone: its Jobs are deleted, its timer stopped, its state removed. */
void manager_remove_cron_job(Manager *m, ManagedCronJob *c);
void managed_cron_job_free(ManagedCronJob *c);
/* Runs the CronJob controller soon (from the event loop, never inside the caller). */
void manager_cron_job_poke(Manager *m, const char *namespace, const char *name);
void manager_sync_cron_job(Manager *m, ManagedCronJob *c);
int manager_cron_job_set_suspend(Manager *m, ManagedCronJob *c, bool suspend);
int manager_cron_job_create_manual(Manager *m, ManagedCronJob *c, const char *name, sd_bus_error *error);
void manager_cron_unit_event(Manager *m, const UnitEvent *ev);
const char *managed_cron_job_namespace(const ManagedCronJob *c);

/* manager-bus.c */
int manager_bus_register(Manager *m);
void manager_bus_job_changed(Manager *m, ManagedJob *j);
void manager_bus_cron_job_changed(Manager *m, ManagedCronJob *c);
