/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "jobsd/macro.h"

/* What this machine lets podman do, found at run time (docs/containers.md, "Limits found at run time"):
 * --cgroups=split with Delegate=yes where jobsd has CAP_SYS_RESOURCE on a unified cgroup v2 hierarchy (as
 * Quadlet), else --cgroups=disabled (the container stays in its unit's cgroup); without CAP_SYS_RESOURCE,
 * --ulimit values that need no raise (jobsd's own, the process limit at most pid_max), since crun would
 * otherwise fail to set podman's defaults. */
typedef struct PodmanHost {
        char **run_args;
        bool delegate;
        bool cap_sys_resource;
        bool netns;                     /* jobsd may make network namespaces (CAP_SYS_ADMIN) */
} PodmanHost;

int podman_host_detect(PodmanHost *ret);
void podman_host_done(PodmanHost *h);

/* Makes a network namespace with its loopback up, bind-mounted at path (a new file). */
int podman_netns_create(const char *path);
/* Unmounts and removes it; 0 if there was none. */
int podman_netns_remove(const char *path);
