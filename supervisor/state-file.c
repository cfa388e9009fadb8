/* SPDX-License-Identifier: Apache-2.0 */
/* The files of a Job or CronJob in the state directory: one naming, atomic writes. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jobsd/macro.h"
#include "jobsd/strv.h"
#include "state-file.h"

static int mkdir_parent_and(const char *dir) {
        _cleanup_(freep) char *parent = strdup(dir);
        char *slash = parent ? strrchr(parent, '/') : NULL;

        if (!parent)
                return -ENOMEM;
        if (slash && slash != parent) {
                *slash = 0;
                if (mkdir(parent, 0700) < 0 && errno != EEXIST)
                        return -errno;
        }
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

int state_file_write(const char *dir, const char *name, const char *text) {
        return state_file_write_data(dir, name, text, strlen(text));
}

int state_file_write_data(const char *dir, const char *name, const void *data, size_t len) {
        int r;

        r = mkdir_parent_and(dir);
        if (r < 0)
                return r;
        return atomic_file_write(dir, name, data, len, 0600);
}

int atomic_file_write(const char *dir, const char *name, const void *data, size_t len, mode_t mode) {
        _cleanup_(freep) char *path = strprintf("%s/%s", dir, name), *tmp = strprintf("%s/.%s.tmp", dir, name);
        _cleanup_(closep) int fd = -EBADF, dfd = -EBADF;
        const char *text = data;
        size_t done = 0;
        int r;

        if (!path || !tmp)
                return -ENOMEM;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0)
                return -errno;
        /* Exactly mode, whatever the umask. */
        if (fchmod(fd, mode) < 0) {
                r = -errno;
                goto fail;
        }
        while (done < len) {
                ssize_t k = write(fd, text + done, len - done);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        goto fail;
                }
                done += k;
        }
        if (fsync(fd) < 0 || rename(tmp, path) < 0) {
                r = -errno;
                goto fail;
        }
        /* The new content is in place: a directory that cannot be synced does not undo that. */
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0)
                (void) fsync(dfd);
        return 0;
fail:
        (void) unlink(tmp);
        return r;
}

int state_file_read(const char *path, size_t max, char **ret_text, char **reterr_message) {
        _cleanup_(freep) char *buf = NULL;
        _cleanup_(closep) int fd = -EBADF;
        size_t n = 0, size = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        for (;;) {
                ssize_t k;

                if (n + 4096 + 1 > size) {
                        char *b;
                        size = (n + 4096 + 1) * 2;
                        if (n > max) {
                                if (reterr_message)
                                        *reterr_message = strdup("file too large");
                                return -EBADMSG;
                        }
                        b = realloc(buf, size);
                        if (!b)
                                return -ENOMEM;
                        buf = b;
                }
                k = read(fd, buf + n, size - n - 1);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                n += k;
        }
        buf[n] = 0;
        if (strlen(buf) != n) {
                if (reterr_message)
                        *reterr_message = strdup("contains a NUL byte");
                return -EBADMSG;
        }
        *ret_text = TAKE_PTR(buf);
        return 0;
}

char *state_file_path(const char *dir, const char *kind, const char *namespace, const char *name, const char *suffix) {
        return strprintf("%s/%s/%s_%s.%s", dir, kind, namespace, name, suffix);
}

int state_file_put(const char *dir, const char *kind, const char *namespace, const char *name, const char *suffix,
                   const void *data, size_t len) {
        _cleanup_(freep) char *sub = strprintf("%s/%s", dir, kind), *file = strprintf("%s_%s.%s", namespace, name, suffix);

        if (!sub || !file)
                return -ENOMEM;
        return state_file_write_data(sub, file, data, len);
}

int state_file_get(const char *dir, const char *kind, const char *namespace, const char *name, const char *suffix,
                   size_t max, char **ret_text, char **reterr_message) {
        _cleanup_(freep) char *path = state_file_path(dir, kind, namespace, name, suffix);

        if (!path)
                return -ENOMEM;
        return state_file_read(path, max, ret_text, reterr_message);
}

int state_file_delete(const char *dir, const char *kind, const char *namespace, const char *name, const char *suffix) {
        _cleanup_(freep) char *path = state_file_path(dir, kind, namespace, name, suffix);

        if (!path)
                return -ENOMEM;
        if (unlink(path) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}
