/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdio.h>

#include "jobsd/diag.h"
#include "jobsd/job.h"
#include "jobsd/unit-spec.h"

/* Model → the transient units it becomes (docs/mapping.md). Pure: everything about the machine comes in
 * through RenderContext. */

/* What runs a container (docs/containers.md): its command on the host, or its image through podman. */
typedef enum ContainerRuntime {
        CONTAINER_RUNTIME_HOST,
        CONTAINER_RUNTIME_PODMAN,
        _CONTAINER_RUNTIME_MAX,
        _CONTAINER_RUNTIME_INVALID = -EINVAL,
} ContainerRuntime;

/* The Job's annotation that chooses the runtime; without it, RenderContext.default_runtime. */
#define RUNTIME_ANNOTATION "jobsd.io/runtime"

typedef struct RenderContext {
        const char *pod_uid;            /* NULL: rendered as a placeholder */
        const char *state_dir;          /* pods' emptyDir and downwardAPI volumes live in <state_dir>/pods/<pod key>/ */
        const char *runtime_dir;        /* the same on a tmpfs, for emptyDir medium: Memory */
        const char *node_name;          /* the host's name */
        const char *host_ip;
        unsigned n_cpus;                /* for resourceFieldRef without a limit: the node's allocatable */
        uint64_t memory_bytes;
        const char *trigger_command;    /* argv[0] of the CronJob trigger service (jobctl) */
        unsigned restart;               /* the container's restarts so far (OnFailure) */
        bool user_manager;
        ContainerRuntime default_runtime;       /* for Jobs without the jobsd.io/runtime annotation */
        const char *podman;                     /* podman's path (NULL: "podman") */
        char * const *podman_args;              /* podman's global options (storage), before "run" */
        char * const *podman_run_args;          /* what jobsd found the machine needs (--cgroups=, --ulimit) */
        bool podman_delegate;                   /* --cgroups=split: the unit gets Delegate=yes */
        bool pod_netns;                         /* jobsd makes a network namespace per pod of several containers */
} RenderContext;

const char *container_runtime_to_string(ContainerRuntime r);
ContainerRuntime container_runtime_from_string(const char *s);
/* The runtime of a Job's containers: its annotation, else the default. An invalid annotation is refused at
 * validation; here it counts as the default. */
ContainerRuntime job_container_runtime(const Job *job, ContainerRuntime default_runtime);
/* A pod of several containers in images shares one network namespace, which jobsd makes at this path
 * (<runtime_dir>/pods/<pod key>/netns) when ctx->pod_netns. */
bool pod_shares_netns(const Job *job, const RenderContext *ctx);
char *pod_netns_path(const Job *job, int64_t index, uint64_t attempt, const RenderContext *ctx);
/* An image reference as the kubelet reads it: "busybox" is docker.io/library/busybox, "a/b" docker.io/a/b;
 * one with a registry (a first part with '.' or ':', or localhost) is kept. */
char *image_reference_normalize(const char *image);
/* The name podman gives the container of a unit: the unit's name without ".service". */
char *podman_container_name(const char *unit);
/* The unit that pulls image (or, check, only looks whether podman has it) with ctx's podman and options. */
int render_pull_unit(const Job *job, const char *unit, const char *image, bool check, const RenderContext *ctx,
                     UnitSpec *ret);

/* Names (docs/mapping.md, "Naming"). '_' separates the parts: it cannot occur in Kubernetes names, so
 * no two pods of any jobs share a unit name. NonIndexed pods have index 0 and a job-wide attempt number. */
char *pod_name(const char *job, int64_t index, uint64_t attempt);
char *pod_hostname(const Job *job, int64_t index, uint64_t attempt);
/* "<namespace>_<job>_<index>_<attempt>": the key of a pod in unit names and directories. */
char *pod_key(const char *namespace, const char *job, int64_t index, uint64_t attempt);
/* A container restarted in place (OnFailure) runs as a new unit: "<attempt>r<restart>" in the name, so a
 * unit name is never reused and no event of an old run can be mistaken for the new one. */
char *pod_unit_name(const char *namespace, const char *job, int64_t index, uint64_t attempt, unsigned restart,
                    const char *container);
/* The reverse of pod_unit_name(): -EINVAL for a name that is not a pod unit's. */
int pod_unit_name_parse(const char *unit, char **ret_namespace, char **ret_job, int64_t *ret_index,
                        uint64_t *ret_attempt, unsigned *ret_restart, char **ret_container);
/* An image pull's unit (docs/containers.md, "Images and pulls"):
 * "jobsd-pull-<pod key>_<container>_<e|p><n>.service", e for `podman image exists` (IfNotPresent), p for
 * `podman pull`; n the container's failed pulls before it, so no name is reused. */
char *pull_unit_name(const char *namespace, const char *job, int64_t index, uint64_t attempt, const char *container,
                     bool check, uint32_t n);
int pull_unit_name_parse(const char *unit, char **ret_namespace, char **ret_job, uint64_t *ret_attempt,
                         char **ret_container, bool *ret_check);
char *job_slice_name(const char *namespace, const char *job);
char *cron_job_unit_name(const char *namespace, const char *cron_job, const char *suffix);
const char *job_namespace(const ObjectMeta *m);

/* The one place where a container becomes ExecStart=: on the host, the argv after $(VAR) expansion
 * (spec §2.4); through podman, the whole `podman run` line (docs/containers.md). env is the container's
 * final environment. Returns -EINVAL with *reterr_message when the container cannot run on this runtime. */
int render_container_exec(const Job *job, const Container *c, int64_t index, uint64_t attempt, char * const *env,
                          const RenderContext *ctx, char ***ret_argv, char **reterr_message);

/* The final environment of a container, in order (spec §2.4, §2.6). */
int render_container_env(const Job *job, const Container *c, int64_t index, uint64_t attempt,
                         const RenderContext *ctx, char ***ret_env);

/* One service for one container of one pod. */
/* The content of a downwardAPI volume's file for the pod of job with index and attempt. NULL: out of memory. */
char *render_downward_api_item(const Job *job, const DownwardAPIItem *it, int64_t index, uint64_t attempt,
                               const RenderContext *ctx);
int render_pod_container(const Job *job, const Container *c, bool init, int64_t index, uint64_t attempt,
                         const RenderContext *ctx, UnitSpec *ret, char **reterr_message);

/* The timer and trigger service of a CronJob, with OnCalendar= lines for firings in
 * [now, now + horizon). */
int render_cron_job_timer(const CronJob *cj, usec_t now_usec, usec_t horizon_usec, const RenderContext *ctx,
                          UnitSpec *ret_timer, UnitSpec *ret_service, char **reterr_message);

/* Everything a manifest becomes, as unit-file text: the first pods of a Job (every container, init
 * containers first), or a CronJob's timer, trigger service and the pods of its next Job. What cannot run
 * here becomes a diagnostic at the container. Returns < 0 only on allocation failure. */
int render_manifest(const Manifest *m, const RenderContext *ctx, usec_t now_usec, FILE *out, DiagList *diags);

#define RENDER_CRON_HORIZON_USEC (2 * 366 * USEC_PER_DAY)
