/* SPDX-License-Identifier: Apache-2.0 */
/* OOM kills where the memory controller is on cgroup v1: an eventfd on each pod unit's memory.oom_control. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "jobsd/macro.h"
#include "jobsd/strv.h"
#include "memcg-v1.h"

typedef struct Watch {
        char *unit;
        int efd;                        /* the eventfd the kernel signals on OOM and on the cgroup's removal */
        int oom_control;                /* memory.oom_control, kept open: readable while the cgroup exists */
        sd_event_source *source;
        bool oom;
        MemcgV1 *owner;
} Watch;

struct MemcgV1 {
        sd_event *event;
        char *mount;                    /* where this mount namespace has the v1 memory hierarchy */
        char *mount_root;               /* the hierarchy's path at that mount point ("/" usually) */
        MemcgV1Handler on_oom;
        void *userdata;
        Watch **watches;
        size_t n_watches;
};

/* The memory controller's path in a /proc/PID/cgroup file: "N:ctl[,ctl...]:path" with N != 0 for v1. */
static char *memory_path(const char *proc_cgroup) {
        _cleanup_(fclosep) FILE *f = fopen(proc_cgroup, "re");
        char line[4096];

        if (!f)
                return NULL;
        while (fgets(line, sizeof line, f)) {
                char *ctls = strchr(line, ':'), *path;

                if (!ctls || strncmp(line, "0:", 2) == 0)
                        continue;
                ctls++;
                path = strchr(ctls, ':');
                if (!path)
                        continue;
                *path++ = '\0';
                path[strcspn(path, "\n")] = '\0';
                for (char *save = NULL, *c = strtok_r(ctls, ",", &save); c; c = strtok_r(NULL, ",", &save))
                        if (streq(c, "memory"))
                                return strdup(path);
        }
        return NULL;
}

/* The mount point and root of a v1 cgroup mount with the memory controller, from mountinfo:
 * "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS". The last one listed:
 * a mount over another (a container's or a sandbox's own /sys/fs/cgroup) comes after it. */
static int find_mount(char **ret_mount, char **ret_root) {
        _cleanup_(fclosep) FILE *f = fopen("/proc/self/mountinfo", "re");
        char line[4096];
        char *mount = NULL, *root = NULL;

        if (!f)
                return -errno;
        while (fgets(line, sizeof line, f)) {
                char r[1024], mnt[1024], fstype[64], superopts[1024];
                const char *sep = strstr(line, " - ");
                bool memory = false;

                if (!sep || sscanf(line, "%*s %*s %*s %1023s %1023s", r, mnt) != 2 ||
                    sscanf(sep + 3, "%63s %*s %1023s", fstype, superopts) != 2 || !streq(fstype, "cgroup"))
                        continue;
                for (char *save = NULL, *o = strtok_r(superopts, ",", &save); o; o = strtok_r(NULL, ",", &save))
                        memory = memory || streq(o, "memory");
                /* Mount points with spaces are escaped as \040; a cgroup mount has none in practice. */
                if (!memory || strchr(mnt, '\\'))
                        continue;
                free(mount), free(root);
                mount = strdup(mnt);
                root = strdup(r);
                if (!mount || !root) {
                        free(mount), free(root);
                        return -ENOMEM;
                }
        }
        if (!mount)
                return -ENOENT;
        *ret_mount = mount;
        *ret_root = root;
        return 0;
}

int memcg_v1_new(sd_event *e, MemcgV1Handler on_oom, void *userdata, MemcgV1 **ret) {
        _cleanup_(freep) char *own = memory_path("/proc/self/cgroup");
        MemcgV1 *m;
        int r;

        *ret = NULL;
        if (!own)
                return 0;
        m = calloc(1, sizeof(MemcgV1));
        if (!m)
                return -ENOMEM;
        r = find_mount(&m->mount, &m->mount_root);
        if (r < 0) {
                free(m);
                return r == -ENOENT ? 0 : r;
        }
        m->event = sd_event_ref(e);
        m->on_oom = on_oom;
        m->userdata = userdata;
        *ret = m;
        return 0;
}

static void watch_close(Watch *w) {
        w->source = sd_event_source_disable_unref(w->source);
        if (w->efd >= 0)
                close(w->efd);
        if (w->oom_control >= 0)
                close(w->oom_control);
        w->efd = w->oom_control = -1;
}

static void watch_free(Watch *w) {
        if (!w)
                return;
        watch_close(w);
        free(w->unit);
        free(w);
}

MemcgV1 *memcg_v1_free(MemcgV1 *m) {
        if (!m)
                return NULL;
        for (size_t i = 0; i < m->n_watches; i++)
                watch_free(m->watches[i]);
        free(m->watches);
        free(m->mount);
        free(m->mount_root);
        sd_event_unref(m->event);
        free(m);
        return NULL;
}

static size_t find(MemcgV1 *m, const char *unit) {
        for (size_t i = 0; i < m->n_watches; i++)
                if (streq(m->watches[i]->unit, unit))
                        return i;
        return m->n_watches;
}

/* memory.oom_control's "oom_kill N" (kernels since 4.13): N > 0 once the cgroup had a kill. A read that
 * fails means the cgroup is gone. */
static int oom_kills(int fd) {
        char buf[512];
        ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
        const char *p;

        if (n < 0)
                return -errno;
        buf[n] = '\0';
        p = strstr(buf, "oom_kill ");
        return p ? atoi(p + strlen("oom_kill ")) : 0;
}

static void mark(Watch *w) {
        if (w->oom)
                return;
        w->oom = true;
        if (w->owner->on_oom)
                w->owner->on_oom(w->unit, w->owner->userdata);
}

static int on_event(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Watch *w = userdata;
        uint64_t v;
        int k;

        (void) !read(fd, &v, sizeof v);
        /* The kernel signals an OOM in the cgroup (before or after its kill) and the cgroup's removal; only
         * the cgroup's own files tell the two apart: they are readable until it is removed. */
        k = oom_kills(w->oom_control);
        if (k < 0)
                watch_close(w);
        else
                mark(w);
        return 0;
}

/* Opens the cgroup's files and registers the eventfd with the kernel. */
static int watch_open(MemcgV1 *m, Watch *w, pid_t pid) {
        _cleanup_(freep) char *proc = NULL, *path = NULL, *oom_control = NULL, *event_control = NULL, *line = NULL;
        _cleanup_(closep) int cfd = -1;
        const char *rel, *base;

        proc = strprintf("/proc/%d/cgroup", (int) pid);
        if (!proc)
                return -ENOMEM;
        path = memory_path(proc);
        if (!path)
                return -ESRCH;
        /* Only the unit's own cgroup: the slice above it would report every unit's OOM. */
        base = strrchr(path, '/');
        if (!base || !streq(base + 1, w->unit))
                return -EADDRNOTAVAIL;
        rel = path;
        if (!streq(m->mount_root, "/")) {
                size_t l = strlen(m->mount_root);

                if (strncmp(path, m->mount_root, l) != 0 || path[l] != '/')
                        return -EADDRNOTAVAIL;
                rel = path + l;
        }
        oom_control = strprintf("%s%s/memory.oom_control", m->mount, rel);
        event_control = strprintf("%s%s/cgroup.event_control", m->mount, rel);
        if (!oom_control || !event_control)
                return -ENOMEM;
        w->oom_control = open(oom_control, O_RDONLY | O_CLOEXEC);
        if (w->oom_control < 0)
                return -errno;
        w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (w->efd < 0)
                return -errno;
        cfd = open(event_control, O_WRONLY | O_CLOEXEC);
        if (cfd < 0)
                return -errno;
        line = strprintf("%d %d", w->efd, w->oom_control);
        if (!line)
                return -ENOMEM;
        if (write(cfd, line, strlen(line)) < 0)
                return -errno;
        return sd_event_add_io(m->event, &w->source, w->efd, EPOLLIN, on_event, w);
}

int memcg_v1_watch(MemcgV1 *m, const char *unit, pid_t pid) {
        Watch *w, **a;
        int r;

        if (!m || pid <= 0 || find(m, unit) < m->n_watches)
                return 0;
        a = realloc(m->watches, (m->n_watches + 1) * sizeof(Watch *));
        if (!a)
                return -ENOMEM;
        m->watches = a;
        w = calloc(1, sizeof(Watch));
        if (!w)
                return -ENOMEM;
        w->owner = m;
        w->efd = w->oom_control = -1;
        w->unit = strdup(unit);
        if (!w->unit) {
                free(w);
                return -ENOMEM;
        }
        m->watches[m->n_watches++] = w;
        r = watch_open(m, w, pid);
        if (memcg_v1_retry(r)) {
                /* The process or its cgroup is gone, or not (yet) the unit's own: asked again next time. */
                watch_free(w);
                m->n_watches--;
                return r;
        }
        if (r < 0) {
                /* Kept, unwatched, so that the failure (permissions, say) is reported once. */
                watch_close(w);
                return r;
        }
        /* A kill before the registration is in the counter. */
        if (oom_kills(w->oom_control) > 0)
                mark(w);
        return 1;
}

bool memcg_v1_take(MemcgV1 *m, const char *unit) {
        size_t i;
        bool oom;

        if (!m || (i = find(m, unit)) == m->n_watches)
                return false;
        oom = m->watches[i]->oom;
        watch_free(m->watches[i]);
        m->watches[i] = m->watches[--m->n_watches];
        return oom;
}
