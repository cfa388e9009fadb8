/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

/* OOM kills on a machine whose memory controller is on a cgroup v1 hierarchy (systemd's "hybrid" and
 * "legacy" layouts). There systemd enforces MemoryMax= (as memory.limit_in_bytes) but cannot tell that a
 * unit's process was OOM-killed: its Result=oom-kill comes from cgroup v2's memory.events only. jobsd
 * registers for the v1 notification (an eventfd on the unit's memory.oom_control, through
 * cgroup.event_control) while the pod's unit runs. On cgroup v2 this module does nothing. */

typedef struct MemcgV1 MemcgV1;
typedef void (*MemcgV1Handler)(const char *unit, void *userdata);

/* *ret is NULL, and 0 returned, when this process's memory cgroup is not on a v1 hierarchy. */
int memcg_v1_new(sd_event *e, MemcgV1Handler on_oom, void *userdata, MemcgV1 **ret);
MemcgV1 *memcg_v1_free(MemcgV1 *m);

/* Watches the memory cgroup of pid, which must be the unit's own (its last path component is the unit's
 * name). Once per unit: later calls for a watched unit return 0. A failure for which memcg_v1_retry() is
 * true (the process or cgroup is gone, or not the unit's yet) is asked again at the next call; any other
 * (-EACCES: the files are not ours) is returned once. */
int memcg_v1_watch(MemcgV1 *m, const char *unit, pid_t pid);
static inline bool memcg_v1_retry(int r) {
        return r == -ESRCH || r == -ENOENT || r == -EADDRNOTAVAIL;
}
/* Whether the unit had an OOM kill while watched; forgets the unit. False for NULL or an unknown unit. */
bool memcg_v1_take(MemcgV1 *m, const char *unit);
