/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "job-reconcile.h"
#include "manifest-cache.h"
#include "name-index.h"
#include "jobsd/render.h"
#include "podman.h"
#include "unit-bus.h"

typedef struct Manager Manager;
typedef struct ManagedJob ManagedJob;
typedef struct ManagedCronJob ManagedCronJob;
typedef struct CronChildren CronChildren;

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
        size_t n_jobs, n_jobs_allocated;
        NameIndex job_index;            /* the Jobs by "namespace/name" (name-index.h) */
        bool jobs_unindexed;            /* the index could not grow: lookups scan */
        ManagedCronJob **cron_jobs;
        size_t n_cron_jobs, n_cron_jobs_allocated;
        NameIndex cron_children;        /* CronChildren by the CronJob's "namespace/name" (managed-job.h) */
        NameIndex cron_index;           /* the CronJobs by "namespace/name" (name-index.h) */
        char *jobctl_path;              /* what the CronJobs' trigger services run */
        sd_event_source *inotify;
        sd_event_source *reload_timer;
        usec_t last_reload_usec;        /* CLOCK_MONOTONIC of the last reload by an event (manifest-reload.c) */
        bool manifest_dir_refused;      /* the directory was untrusted at the last reload by an event, */
        mode_t manifest_dir_refused_mode;       /* with this mode and owner */
        uid_t manifest_dir_refused_uid;
        ManifestCache manifest_cache;   /* the parsed manifests of manifest_dir, between reloads */
        ManifestCache api_object_cache; /* and of the state directory's api-objects/ */
        ManifestIndex manifest_index;   /* the names both caches' files define (manifest-reload.c) */
        char **start_timers;            /* at start only: manager_cron_timers_snapshot() */
        size_t n_start_timers;
        char **diag_keys;               /* the directories' own diagnostics at the last reload: "PATH\nHASH"
                                         * (manifest-reload.c); a manifest file's mark is in its cache entry */
        char **state_errors_logged;     /* unreadable Job state files already reported */
        usec_t systemd_started_usec;    /* when the systemd manager started (UserspaceTimestamp); 0: unknown */
        char hostname[256];
        /* Containers in images (docs/containers.md). */
        ContainerRuntime default_runtime;
        char *podman;                   /* podman's path */
        char **podman_args;             /* --podman-arg: podman's global options (a test's own storage) */
        PodmanHost podman_host;         /* found at start */
        struct Metrics *metrics;        /* --metrics-file (metrics.c); NULL: off */
        /* Group commit (job-run.c): the Jobs whose units changed in this turn of the loop, synced once each
         * when the bus is drained; and those whose record has changes that need no barrier (a counted pod
         * removed), saved by their next save or within LAZY_SAVE_USEC. */
        ManagedJob *sync_queue;
        sd_event_source *sync_defer;
        ManagedJob *lazy_queue;
        sd_event_source *lazy_timer;
        struct ApiServer *api;          /* --api-listen (api-server.c); NULL: off */
        uint64_t resource_version;      /* the newest resourceVersion given out (api-watch.c) */
};

/* The wall clock, as the controllers see it. */
usec_t manager_now(void);
/* The machine-dependent part of rendering: the runtime and podman's options. */
void manager_render_context(const Manager *m, RenderContext *ctx);

int manager_new(bool user, const char *manifest_dir, const char *state_dir, const JobConfig *config, Manager **ret);
Manager *manager_free(Manager *m);
int manager_start(Manager *m);
