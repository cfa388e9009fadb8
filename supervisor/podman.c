/* SPDX-License-Identifier: Apache-2.0 */
/* What the machine lets podman do, found at start, and a pod's network namespace. */
#include <fcntl.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jobsd/strv.h"
#include "podman.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static int cap_effective(uint64_t *ret) {
        _cleanup_(fclosep) FILE *f = fopen("/proc/self/status", "re");
        char line[256];

        if (!f)
                return -errno;
        while (fgets(line, sizeof line, f))
                if (strncmp(line, "CapEff:", 7) == 0)
                        return sscanf(line + 7, "%" SCNx64, ret) == 1 ? 0 : -EBADMSG;
        return -ENOENT;
}

static uint64_t pid_max(void) {
        _cleanup_(fclosep) FILE *f = fopen("/proc/sys/kernel/pid_max", "re");
        uint64_t v = 0;

        if (!f || fscanf(f, "%" SCNu64, &v) != 1)
                return 4194304;
        return v;
}

static int push_limit(char ***v, const char *name, rlim_t soft, rlim_t hard) {
        if (soft == RLIM_INFINITY && hard == RLIM_INFINITY)
                return strv_push(v, strprintf("--ulimit=%s=-1:-1", name));
        return strv_push(v, strprintf("--ulimit=%s=%" PRIu64 ":%" PRIu64, name,
                                      soft == RLIM_INFINITY ? (uint64_t) -1 : (uint64_t) soft,
                                      hard == RLIM_INFINITY ? (uint64_t) -1 : (uint64_t) hard));
}

int podman_host_detect(PodmanHost *ret) {
        PodmanHost h = {};
        uint64_t caps = 0;
        struct statfs fs;
        bool unified = statfs("/sys/fs/cgroup", &fs) >= 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
        int r;

        (void) cap_effective(&caps);
        h.cap_sys_resource = caps & (UINT64_C(1) << CAP_SYS_RESOURCE);
        h.netns = caps & (UINT64_C(1) << CAP_SYS_ADMIN);
        h.delegate = h.cap_sys_resource && unified;
        r = strv_extend(&h.run_args, h.delegate ? "--cgroups=split" : "--cgroups=disabled");
        if (r >= 0 && !h.cap_sys_resource) {
                struct rlimit nofile = {}, nproc = {};
                uint64_t pm = pid_max();

                (void) getrlimit(RLIMIT_NOFILE, &nofile);
                (void) getrlimit(RLIMIT_NPROC, &nproc);
                /* podman lowers its own process limit to pid_max (more means nothing), so crun, its child,
                 * could not set more. */
                if (nproc.rlim_cur == RLIM_INFINITY || nproc.rlim_cur > pm)
                        nproc.rlim_cur = pm;
                if (nproc.rlim_max == RLIM_INFINITY || nproc.rlim_max > pm)
                        nproc.rlim_max = pm;
                r = push_limit(&h.run_args, "nofile", nofile.rlim_cur, nofile.rlim_max);
                if (r >= 0)
                        r = push_limit(&h.run_args, "nproc", nproc.rlim_cur, nproc.rlim_max);
        }
        if (r < 0) {
                podman_host_done(&h);
                return r;
        }
        *ret = h;
        return 0;
}

void podman_host_done(PodmanHost *h) {
        strv_free(h->run_args);
        *h = (PodmanHost) {};
}

int podman_netns_create(const char *path) {
        int fd, status;
        pid_t pid;

        fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0444);
        if (fd < 0)
                return errno == EEXIST ? 0 : -errno;
        close(fd);
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                struct ifreq ifr = {};
                int s;

                if (unshare(CLONE_NEWNET) < 0)
                        _exit(1);
                /* A pod's loopback is up, as the kubelet's sandbox has it. */
                s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
                if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
                        _exit(2);
                ifr.ifr_flags |= IFF_UP;
                if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
                        _exit(3);
                if (mount("/proc/self/ns/net", path, NULL, MS_BIND, NULL) < 0)
                        _exit(4);
                _exit(0);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                (void) unlink(path);
                return -EPERM;
        }
        return 0;
}

int podman_netns_remove(const char *path) {
        if (access(path, F_OK) < 0)
                return 0;
        (void) umount2(path, MNT_DETACH);
        return unlink(path) < 0 ? -errno : 0;
}
