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

/* The batch (state_file_batch_begin()): the files written but not yet synced and renamed, in the order
 * of their first write, and a hash set of their paths, so that a read of one of them commits first. */
typedef struct Pending {
        char *dir, *tmp, *path;
        struct Pending *next_in_bucket;
} Pending;

#define PENDING_BUCKETS 4096

static struct {
        bool active;
        Pending **items;
        size_t n, allocated;
        Pending *buckets[PENDING_BUCKETS];
} batch;

static unsigned path_hash(const char *s) {
        unsigned h = 2166136261u;

        for (; *s; s++)
                h = (h ^ (unsigned char) *s) * 16777619u;
        return h % PENDING_BUCKETS;
}

static bool batch_has(const char *path) {
        for (Pending *p = batch.buckets[path_hash(path)]; p; p = p->next_in_bucket)
                if (streq(p->path, path))
                        return true;
        return false;
}

static int write_tmp(const char *tmp, const void *data, size_t len, mode_t mode, bool sync) {
        _cleanup_(closep) int fd = -EBADF;
        const char *text = data;
        size_t done = 0;

        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0)
                return -errno;
        /* Exactly mode, whatever the umask. */
        if (fchmod(fd, mode) < 0)
                return -errno;
        while (done < len) {
                ssize_t k = write(fd, text + done, len - done);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                done += k;
        }
        if (sync && fsync(fd) < 0)
                return -errno;
        return 0;
}

/* A write in the batch: the temporary file, no sync, no rename yet. A file written again is not added
 * again: its temporary file has the newer content. */
static int batch_write(const char *dir, const char *name, const void *data, size_t len) {
        _cleanup_(freep) char *path = strprintf("%s/%s", dir, name), *tmp = strprintf("%s/.%s.tmp", dir, name);
        Pending *p;
        int r;

        if (!path || !tmp)
                return -ENOMEM;
        r = write_tmp(tmp, data, len, 0600, false);
        if (r < 0) {
                (void) unlink(tmp);
                return r;
        }
        if (batch_has(path))
                return 0;
        if (batch.n >= batch.allocated) {
                size_t a = batch.allocated ? batch.allocated * 2 : 256;
                Pending **n = realloc(batch.items, a * sizeof(Pending *));
                if (!n)
                        return -ENOMEM;
                batch.items = n;
                batch.allocated = a;
        }
        p = calloc(1, sizeof(Pending));
        if (!p || !(p->dir = strdup(dir))) {
                free(p);
                return -ENOMEM;
        }
        p->tmp = TAKE_PTR(tmp);
        p->path = TAKE_PTR(path);
        p->next_in_bucket = batch.buckets[path_hash(p->path)];
        batch.buckets[path_hash(p->path)] = p;
        batch.items[batch.n++] = p;
        return 0;
}

void state_file_batch_begin(void) {
        batch.active = true;
}

bool state_file_batch_pending(void) {
        return batch.n > 0;
}

int state_file_batch_commit(void) {
        _cleanup_(closep) int fsfd = -EBADF;
        int r = 0;

        if (batch.n == 0)
                return 0;
        /* One sync of the file system for every file's data (their own fsync where syncfs fails), then
         * the renames in order, then one fsync per directory. */
        fsfd = open(batch.items[0]->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fsfd < 0 || syncfs(fsfd) < 0)
                for (size_t i = 0; i < batch.n; i++) {
                        _cleanup_(closep) int fd = open(batch.items[i]->tmp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                        if (fd >= 0 && fsync(fd) < 0 && r == 0)
                                r = -errno;
                }
        for (size_t i = 0; i < batch.n; i++) {
                Pending *p = batch.items[i];
                if (r < 0)
                        (void) unlink(p->tmp);
                else if (rename(p->tmp, p->path) < 0) {
                        r = -errno;
                        (void) unlink(p->tmp);
                }
        }
        for (size_t i = 0; i < batch.n; i++) {
                bool seen = false;
                for (size_t k = 0; k < i && !seen; k++)
                        seen = streq(batch.items[k]->dir, batch.items[i]->dir);
                if (!seen) {
                        _cleanup_(closep) int dfd = open(batch.items[i]->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (dfd >= 0)
                                (void) fsync(dfd);
                }
        }
        for (size_t i = 0; i < batch.n; i++) {
                free(batch.items[i]->dir);
                free(batch.items[i]->tmp);
                free(batch.items[i]->path);
                free(batch.items[i]);
        }
        batch.n = 0;
        memset(batch.buckets, 0, sizeof(batch.buckets));
        return r;
}

int state_file_batch_end(void) {
        int r = state_file_batch_commit();

        batch.active = false;
        batch.items = mfree(batch.items);
        batch.allocated = 0;
        return r;
}

int state_file_write_data(const char *dir, const char *name, const void *data, size_t len) {
        int r;

        /* The directories are made only when missing: no mkdir per write. */
        r = batch.active ? batch_write(dir, name, data, len) : atomic_file_write(dir, name, data, len, 0600);
        if (r != -ENOENT)
                return r;
        r = mkdir_parent_and(dir);
        if (r < 0)
                return r;
        return batch.active ? batch_write(dir, name, data, len) : atomic_file_write(dir, name, data, len, 0600);
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

        /* A file of the batch is read as written. */
        if (batch.n > 0 && batch_has(path))
                (void) state_file_batch_commit();

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
        if (batch.n > 0 && batch_has(path))
                (void) state_file_batch_commit();
        if (unlink(path) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}
