/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "job-reconcile.h"
#include "jobsd/render.h"
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
        bool deleting;                  /* foreground deletion: Terminating until its pods are gone */
        bool manifest_suspend;          /* spec.suspend as the manifest says it */
        int suspend_override;           /* jobctl suspend (1) / resume (0); -1: the manifest decides */
} ManagedJob;

struct Manager {
        sd_event *event;
        sd_bus *bus;
        UnitBus *units;
        char *manifest_dir;
        char *state_dir;
        char *runtime_dir;
        bool user;
        JobConfig config;
        ManagedJob **jobs;
        size_t n_jobs;
        ManagedJob **index;             /* open addressing on "namespace/name": no scan of all Jobs per event */
        size_t n_index;
        sd_event_source *inotify;
        sd_event_source *reload_timer;
        char hostname[256];
};

int manager_new(bool user, const char *manifest_dir, const char *state_dir, const JobConfig *config, Manager **ret);
Manager *manager_free(Manager *m);
int manager_start(Manager *m);

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

/* manager-bus.c */
int manager_bus_register(Manager *m);
void manager_bus_job_changed(Manager *m, ManagedJob *j);
