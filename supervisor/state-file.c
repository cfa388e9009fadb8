/* SPDX-License-Identifier: Apache-2.0 */
/* The files of a Job or CronJob in the state directory: one naming, atomic writes, a record in two slots. */
#include <errno.h>
#include <inttypes.h>
#include <sys/random.h>
#include <time.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jobsd/hash.h"
#include "jobsd/io-util.h"
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

/* The records (state_file_put_record()) not to be written in place until they have been written whole
 * again: a write or sync of theirs failed in this process (the page cache may then hold what the disk
 * does not), or the directory holding their new name could not be synced. Normally empty. */
static char **distrusted = NULL;

/* The records whose manifest copies a load found unlike in their two slots (one damaged, or missing: a
 * jobsd before the copies wrote over it): their saves take the full look (the whole file read, every
 * checksum, the valid copy written into the slot saved where that slot's differs), in place, until both
 * slots hold the valid copy again. put_in_place() neither reads nor writes the copies, so it would leave
 * such a slot as it is. Normally empty. */
static char **damaged = NULL;

static void path_list_add(char ***l, const char *path) {
        if (!strv_contains(*l, path))
                (void) strv_extend(l, path);
}

static void path_list_remove(char ***l, const char *path) {
        size_t k = 0;

        if (!*l)
                return;
        for (size_t i = 0; (*l)[i]; i++)
                if (streq((*l)[i], path))
                        free((*l)[i]);
                else
                        (*l)[k++] = (*l)[i];
        (*l)[k] = NULL;
        if (k == 0)
                *l = mfree(*l);
}

static void distrust(const char *path) {
        path_list_add(&distrusted, path);
}

static void trust(const char *path) {
        path_list_remove(&distrusted, path);
}

static unsigned path_hash(const char *s) {
        return fnv1a64_str(FNV1A64_INIT, s) % PENDING_BUCKETS;
}

static Pending *batch_find(const char *path) {
        for (Pending *p = batch.buckets[path_hash(path)]; p; p = p->next_in_bucket)
                if (streq(p->path, path))
                        return p;
        return NULL;
}

static bool batch_has(const char *path) {
        return batch_find(path);
}

/* The batch's directory, open: its files are created and renamed relative to it, without a walk of the
 * whole path for each (10,000 of each at a first start). Kept while the batch is active. */
static int batch_dir_fd = -EBADF;
static char *batch_dir_path = NULL;

static int batch_dir(const char *dir) {
        int fd;

        if (batch_dir_path && streq(batch_dir_path, dir))
                return batch_dir_fd;
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        free(batch_dir_path);
        batch_dir_path = strdup(dir);
        closep(&batch_dir_fd);
        batch_dir_fd = -EBADF;
        if (!batch_dir_path) {
                closep(&fd);
                return -ENOMEM;
        }
        batch_dir_fd = fd;
        return fd;
}

static void batch_dir_close(void) {
        closep(&batch_dir_fd);
        batch_dir_fd = -EBADF;
        batch_dir_path = mfree(batch_dir_path);
}

static const char *base_name(const char *path) {
        const char *slash = strrchr(path, '/');

        return slash ? slash + 1 : path;
}

static int write_tmp(int dfd, const char *tmp, const void *data, size_t len, mode_t mode, bool sync) {
        _cleanup_(closep) int fd = -EBADF;
        int r;

        fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0)
                return -errno;
        /* Exactly mode, whatever the umask. */
        if (fchmod(fd, mode) < 0)
                return -errno;
        r = loop_write(fd, data, len, IO_AT_POSITION);
        if (r < 0)
                return r;
        if (sync && fsync(fd) < 0)
                return -errno;
        return 0;
}

/* A write in the batch: the temporary file, no sync, no rename yet. A file written again is not added
 * again: its temporary file has the newer content. */
static int batch_write(const char *dir, const char *name, const void *data, size_t len) {
        _cleanup_(freep) char *path = strprintf("%s/%s", dir, name), *tmp = strprintf("%s/.%s.tmp", dir, name);
        Pending *p;
        int dfd, r;

        if (!path || !tmp)
                return -ENOMEM;
        dfd = batch_dir(dir);
        if (dfd < 0)
                return dfd;
        r = write_tmp(dfd, base_name(tmp), data, len, 0600, false);
        if (r < 0) {
                (void) unlinkat(dfd, base_name(tmp), 0);
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

/* Whether the file's last write is known to be on disk with its name (no directory sync that failed
 * since). */
bool state_file_durable(const char *dir, const char *kind, const char *namespace, const char *name,
                        const char *suffix) {
        _cleanup_(freep) char *path = state_file_path(dir, kind, namespace, name, suffix);

        return path && !strv_contains(distrusted, path);
}

/* Whether any file's last write is not known to be on disk. */
bool state_file_any_distrusted(void) {
        return distrusted && distrusted[0];
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
                /* Relative to the directory, open (a walk of the whole path for each file otherwise). */
                int dfd = batch_dir(p->dir);

                /* A file not renamed is not there: written whole at its next save (distrusted). */
                if (dfd < 0) {
                        if (r == 0)
                                r = dfd;
                        (void) unlink(p->tmp);
                        distrust(p->path);
                } else if (r < 0) {
                        (void) unlinkat(dfd, base_name(p->tmp), 0);
                        distrust(p->path);
                } else if (renameat(dfd, base_name(p->tmp), dfd, base_name(p->path)) < 0) {
                        r = -errno;
                        (void) unlinkat(dfd, base_name(p->tmp), 0);
                        distrust(p->path);
                }
        }
        for (size_t i = 0; i < batch.n; i++) {
                bool seen = false;
                for (size_t k = 0; k < i && !seen; k++)
                        seen = streq(batch.items[k]->dir, batch.items[i]->dir);
                if (!seen) {
                        _cleanup_(closep) int dfd = open(batch.items[i]->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        /* The new names may not be on disk: those files are written whole again at
                         * their next save, which syncs the directory again. */
                        if (dfd < 0 || fsync(dfd) < 0)
                                for (size_t k = i; k < batch.n; k++)
                                        if (streq(batch.items[k]->dir, batch.items[i]->dir))
                                                distrust(batch.items[k]->path);
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

        batch_dir_close();
        batch.active = false;
        batch.items = mfree(batch.items);
        batch.allocated = 0;
        return r;
}

static int atomic_write(const char *dir, const char *name, const void *data, size_t len, mode_t mode,
                        bool *ret_dir_synced) {
        _cleanup_(freep) char *path = strprintf("%s/%s", dir, name), *tmp = strprintf("%s/.%s.tmp", dir, name);
        _cleanup_(closep) int fd = -EBADF, dfd = -EBADF;
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
        r = loop_write(fd, data, len, IO_AT_POSITION);
        if (r < 0)
                goto fail;
        if (fsync(fd) < 0 || rename(tmp, path) < 0) {
                r = -errno;
                goto fail;
        }
        /* The new content is in place: a directory that cannot be synced does not undo that. */
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (ret_dir_synced)
                *ret_dir_synced = dfd >= 0 && fsync(dfd) >= 0;
        else if (dfd >= 0)
                (void) fsync(dfd);
        return 0;
fail:
        (void) unlink(tmp);
        return r;
}

int atomic_file_write(const char *dir, const char *name, const void *data, size_t len, mode_t mode) {
        return atomic_write(dir, name, data, len, mode, NULL);
}

/* ret_dir_synced: whether the directory was synced after the rename (outside the batch); in the batch,
 * false (its commit says, through distrust_dir()). */
static int write_data(const char *dir, const char *name, const void *data, size_t len, bool *ret_dir_synced) {
        int r;

        if (ret_dir_synced)
                *ret_dir_synced = false;
        /* The directories are made only when missing: no mkdir per write. */
        r = batch.active ? batch_write(dir, name, data, len) : atomic_write(dir, name, data, len, 0600, ret_dir_synced);
        if (r != -ENOENT)
                return r;
        r = mkdir_parent_and(dir);
        if (r < 0)
                return r;
        return batch.active ? batch_write(dir, name, data, len) : atomic_write(dir, name, data, len, 0600, ret_dir_synced);
}

int state_file_write_data(const char *dir, const char *name, const void *data, size_t len) {
        return write_data(dir, name, data, len, NULL);
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
                char *b;

                size = (n + 4096 + 1) * 2;
                b = realloc(buf, size);
                if (!b)
                        return -ENOMEM;
                buf = b;
                k = loop_read(fd, buf + n, size - n - 1, IO_AT_POSITION);
                if (k < 0)
                        return (int) k;
                n += (size_t) k;
                if (n > max) {
                        if (reterr_message)
                                *reterr_message = strdup("file too large");
                        return -EBADMSG;
                }
                if (n < size - 1)
                        break;  /* the end of the file */
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

/* Records in two slots (state-file.h). */

#define SLOT_MAGIC "jobsd-slot 1 "
#define SLOT_ALIGN ((size_t) 4096)
/* Header fields: offsets of the sequence number, writer, length, slot size, checksum; each is followed
 * by one space (the checksum by a newline). */
#define SLOT_SEQ 13
#define SLOT_WRITER (SLOT_SEQ + 21)
#define SLOT_LEN (SLOT_WRITER + 17)
#define SLOT_SIZE (SLOT_LEN + 11)
#define SLOT_CRC (SLOT_SIZE + 11)
#define SLOT_BODY_MAX ((size_t) 999999999)
/* What a save in place reads of a slot first: its header and a record of up to 4 KiB behind it. */
#define SLOT_HEAD_READ ((size_t) 4096)
/* The largest file a save looks into; one larger is written whole (it holds no record file's copy). */
#define RECORD_FILE_LOOK_MAX ((size_t) 256 << 20)
/* The manifest copy's trailer, the last bytes of a slot, the copy right before it: its length and
 * checksum field offsets. */
#define COPY_MAGIC "jobsd-copy 1 "
#define COPY_LEN 13
#define COPY_CRC (COPY_LEN + 11)
_Static_assert(COPY_CRC + 9 == STATE_FILE_COPY_TRAILER_SIZE, "copy trailer size");

/* CRC32C (Castagnoli): the processor's instruction where there is one, else eight bytes a step through
 * eight tables ("slicing by 8"): a byte a step was 3 % of a first start with 10,000 Jobs (two slots and
 * a copy per file). */
static uint32_t crc32c_table[8][256];

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/* The processor's own CRC32C (SSE 4.2), where it has it: a tenth of the tables' time again. */
__attribute__((target("sse4.2")))
static uint32_t crc32c_sse42(uint32_t crc, const unsigned char *p, size_t len) {
        uint64_t c = ~crc;

        for (; len >= 8; len -= 8, p += 8) {
                uint64_t v;
                memcpy(&v, p, 8);
                c = __builtin_ia32_crc32di(c, v);
        }
        for (; len > 0; len--)
                c = __builtin_ia32_crc32qi((uint32_t) c, *p++);
        return ~(uint32_t) c;
}
#endif

uint32_t state_file_crc32c_tables(uint32_t crc, const void *data, size_t len) {
        const unsigned char *p = data;

        if (crc32c_table[0][1] == 0) {
                for (uint32_t i = 0; i < 256; i++) {
                        uint32_t c = i;
                        for (int k = 0; k < 8; k++)
                                c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
                        crc32c_table[0][i] = c;
                }
                for (uint32_t i = 0; i < 256; i++)
                        for (int t = 1; t < 8; t++)
                                crc32c_table[t][i] = (crc32c_table[t - 1][i] >> 8) ^
                                        crc32c_table[0][crc32c_table[t - 1][i] & 0xff];
        }
        crc = ~crc;
        for (; len >= 8; len -= 8, p += 8) {
                /* Little-endian order whatever the machine's. */
                uint32_t lo = crc ^ ((uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 |
                                     (uint32_t) p[3] << 24);
                crc = crc32c_table[7][lo & 0xff] ^ crc32c_table[6][(lo >> 8) & 0xff] ^
                        crc32c_table[5][(lo >> 16) & 0xff] ^ crc32c_table[4][lo >> 24] ^
                        crc32c_table[3][p[4]] ^ crc32c_table[2][p[5]] ^ crc32c_table[1][p[6]] ^ crc32c_table[0][p[7]];
        }
        while (len-- > 0)
                crc = crc32c_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
        return ~crc;
}

uint32_t state_file_crc32c(uint32_t crc, const void *data, size_t len) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
        static int sse42 = -1;

        if (sse42 < 0) {
                __builtin_cpu_init();
                sse42 = __builtin_cpu_supports("sse4.2") ? 1 : 0;
        }
        if (sse42)
                return crc32c_sse42(crc, data, len);
#endif
        return state_file_crc32c_tables(crc, data, len);
}

/* This process's mark in the slots it writes: random, made once. */
static uint64_t slot_writer(void) {
        static uint64_t writer = 0;

        while (writer == 0)
                if (getrandom(&writer, sizeof(writer), 0) != sizeof(writer)) {
                        /* No entropy yet, or no getrandom(): distinct enough from other processes. */
                        struct timespec ts = {};
                        (void) clock_gettime(CLOCK_REALTIME, &ts);
                        writer = ((uint64_t) getpid() << 40) ^ (uint64_t) ts.tv_sec * 1000000000u ^ (uint64_t) ts.tv_nsec;
                }
        return writer;
}

static size_t page_up(size_t n) {
        size_t page = (size_t) sysconf(_SC_PAGESIZE), align = page > SLOT_ALIGN ? page : SLOT_ALIGN;

        return (n + align - 1) / align * align;
}

/* The room a manifest copy of copy_len bytes takes at the end of each slot (none without a copy). */
static size_t copy_room(const void *copy, size_t copy_len) {
        return copy ? copy_len + STATE_FILE_COPY_TRAILER_SIZE : 0;
}

/* The slot size for a record of len bytes and a copy taking room bytes: room for the record to grow by
 * half before the file must be written whole again, whole pages so that a slot's write touches no page
 * of the other slot. */
static size_t slot_size_for(size_t len, size_t room) {
        return page_up(STATE_FILE_SLOT_HEADER_SIZE + len + len / 2 + room);
}

/* The first n bytes of a slot of slot_size bytes (n at least the header and the text, at most the slot's
 * start of its copy's room): the header, the text, newlines. */
static void slot_head_format(uint64_t seq, uint64_t writer, size_t slot_size, const void *data, size_t len, char *buf,
                             size_t n) {
        char crc[10];

        assert(n >= STATE_FILE_SLOT_HEADER_SIZE + len && n <= slot_size);
        /* snprintf() writes a NUL after the header: the checksum's place, filled in below. */
        assert_se(snprintf(buf, n, SLOT_MAGIC "%020" PRIu64 " %016" PRIx64 " %010zu %010zu ", seq, writer, len,
                           slot_size) == SLOT_CRC);
        memcpy(buf + STATE_FILE_SLOT_HEADER_SIZE, data, len);
        assert_se(snprintf(crc, sizeof(crc), "%08" PRIx32,
                           state_file_crc32c(state_file_crc32c(0, buf, SLOT_CRC), buf + STATE_FILE_SLOT_HEADER_SIZE,
                                             len)) == 8);
        memcpy(buf + SLOT_CRC, crc, 8);
        buf[SLOT_CRC + 8] = '\n';
        memset(buf + STATE_FILE_SLOT_HEADER_SIZE + len, '\n', n - STATE_FILE_SLOT_HEADER_SIZE - len);
}

int state_file_record_slot_copy(uint64_t seq, uint64_t writer, size_t slot_size, const void *data, size_t len,
                                const void *copy, size_t copy_len, char *buf) {
        size_t room = copy_room(copy, copy_len);
        char crc[10];

        if (len > SLOT_BODY_MAX || slot_size > SLOT_BODY_MAX || copy_len > STATE_FILE_COPY_MAX ||
            slot_size < STATE_FILE_SLOT_HEADER_SIZE + room || len > slot_size - STATE_FILE_SLOT_HEADER_SIZE - room)
                return -EINVAL;
        slot_head_format(seq, writer, slot_size, data, len, buf, slot_size - room);
        if (copy) {
                char *t = buf + slot_size - STATE_FILE_COPY_TRAILER_SIZE;

                memcpy(t - copy_len, copy, copy_len);
                assert_se(snprintf(t, STATE_FILE_COPY_TRAILER_SIZE, COPY_MAGIC "%010zu ", copy_len) == COPY_CRC);
                assert_se(snprintf(crc, sizeof(crc), "%08" PRIx32,
                                   state_file_crc32c(state_file_crc32c(0, t, COPY_CRC), t - copy_len, copy_len)) == 8);
                memcpy(t + COPY_CRC, crc, 8);
                t[COPY_CRC + 8] = '\n';
        }
        return 0;
}

int state_file_record_slot(uint64_t seq, uint64_t writer, size_t slot_size, const void *data, size_t len, char *buf) {
        return state_file_record_slot_copy(seq, writer, slot_size, data, len, NULL, 0, buf);
}

typedef struct Slot {
        bool valid;
        uint64_t seq, writer;
        const char *text;
        size_t len;
        char why[64];           /* why not valid */
        /* The manifest copy at the slot's end, checked only when asked for (slots_check()). */
        bool copy_valid;
        const char *copy;
        size_t copy_len;
} Slot;

static bool fixed_number(const char *p, size_t n, unsigned base, uint64_t *ret) {
        uint64_t v = 0;

        for (size_t i = 0; i < n; i++) {
                unsigned d;
                if (p[i] >= '0' && p[i] <= '9')
                        d = p[i] - '0';
                else if (base == 16 && p[i] >= 'a' && p[i] <= 'f')
                        d = p[i] - 'a' + 10;
                else
                        return false;
                if (v > (UINT64_MAX - d) / base)
                        return false;
                v = v * base + d;
        }
        *ret = v;
        return true;
}

/* The copy's trailer t (the last bytes of a slot of slot_size bytes): its length and checksum, if it is
 * well-formed and the copy it describes fits in the slot behind a header. */
static bool trailer_parse(const char *t, size_t slot_size, uint64_t *ret_len, uint64_t *ret_crc) {
        if (slot_size < STATE_FILE_SLOT_HEADER_SIZE + STATE_FILE_COPY_TRAILER_SIZE)
                return false;
        return memcmp(t, COPY_MAGIC, STRLEN(COPY_MAGIC)) == 0 && fixed_number(t + COPY_LEN, 10, 10, ret_len) &&
                t[COPY_CRC - 1] == ' ' && fixed_number(t + COPY_CRC, 8, 16, ret_crc) &&
                t[STATE_FILE_COPY_TRAILER_SIZE - 1] == '\n' &&
                *ret_len <= slot_size - STATE_FILE_SLOT_HEADER_SIZE - STATE_FILE_COPY_TRAILER_SIZE;
}

/* The manifest copy at the end of the slot of slot_size bytes at p, if its trailer and checksum hold. A
 * slot written by a jobsd before the copies ends in newlines: no copy. */
static void copy_check(const char *p, size_t slot_size, Slot *s) {
        const char *t;
        uint64_t len, crc;

        if (slot_size < STATE_FILE_SLOT_HEADER_SIZE + STATE_FILE_COPY_TRAILER_SIZE)
                return;
        t = p + slot_size - STATE_FILE_COPY_TRAILER_SIZE;
        if (!trailer_parse(t, slot_size, &len, &crc) ||
            state_file_crc32c(state_file_crc32c(0, t, COPY_CRC), t - len, len) != crc)
                return;
        /* A record grown over it (by a jobsd before the copies, writing in place) leaves none. */
        if (s->valid && STATE_FILE_SLOT_HEADER_SIZE + s->len > slot_size - STATE_FILE_COPY_TRAILER_SIZE - len)
                return;
        s->copy_valid = true;
        s->copy = t - len;
        s->copy_len = len;
}

/* One slot of slot_size bytes at p, in a file of file_size bytes. */
static void slot_check(const char *p, size_t slot_size, size_t file_size, Slot *ret) {
        uint64_t len, size, crc;

        *ret = (Slot) {};
        if (slot_size < STATE_FILE_SLOT_HEADER_SIZE || memcmp(p, SLOT_MAGIC, STRLEN(SLOT_MAGIC)) != 0) {
                snprintf(ret->why, sizeof(ret->why), "no slot header");
                return;
        }
        if (!fixed_number(p + SLOT_SEQ, 20, 10, &ret->seq) || p[SLOT_WRITER - 1] != ' ' ||
            !fixed_number(p + SLOT_WRITER, 16, 16, &ret->writer) || p[SLOT_LEN - 1] != ' ' ||
            !fixed_number(p + SLOT_LEN, 10, 10, &len) || p[SLOT_SIZE - 1] != ' ' ||
            !fixed_number(p + SLOT_SIZE, 10, 10, &size) || p[SLOT_CRC - 1] != ' ' ||
            !fixed_number(p + SLOT_CRC, 8, 16, &crc) || p[STATE_FILE_SLOT_HEADER_SIZE - 1] != '\n') {
                snprintf(ret->why, sizeof(ret->why), "bad slot header");
                return;
        }
        if (size != slot_size || 2 * size != file_size) {
                snprintf(ret->why, sizeof(ret->why), "slot of %" PRIu64 " bytes in a file of %zu", size, file_size);
                return;
        }
        if (len > slot_size - STATE_FILE_SLOT_HEADER_SIZE) {
                snprintf(ret->why, sizeof(ret->why), "record longer than its slot");
                return;
        }
        if (state_file_crc32c(state_file_crc32c(0, p, SLOT_CRC), p + STATE_FILE_SLOT_HEADER_SIZE, len) != crc) {
                snprintf(ret->why, sizeof(ret->why), "checksum mismatch (sequence %" PRIu64 ")", ret->seq);
                return;
        }
        if (memchr(p + STATE_FILE_SLOT_HEADER_SIZE, 0, len)) {
                snprintf(ret->why, sizeof(ret->why), "contains a NUL byte");
                return;
        }
        ret->text = p + STATE_FILE_SLOT_HEADER_SIZE;
        ret->len = len;
        ret->valid = true;
}

/* The index of the newest valid slot, or -1. */
static int slots_newest(const Slot slots[2]) {
        if (slots[0].valid && (!slots[1].valid || slots[0].seq > slots[1].seq))
                return 0;
        return slots[1].valid ? 1 : -1;
}

/* The two slots of a file's bytes (with their copies if copies); the index of the newest valid one, or
 * -1. */
static int slots_check(const char *buf, size_t size, Slot slots[2], bool copies) {
        size_t half = size / 2;

        slot_check(buf, half, size, slots + 0);
        if (half >= STATE_FILE_SLOT_HEADER_SIZE)
                slot_check(buf + half, half, size, slots + 1);
        else
                slots[1] = slots[0];
        if (copies && 2 * half == size) {
                copy_check(buf, half, slots + 0);
                copy_check(buf + half, half, slots + 1);
        }
        return slots_newest(slots);
}

/* Whether the two slots' manifest copies differ while one is valid (the other damaged, missing, or
 * another): such a file is to be written whole at its next save (damaged). */
static bool slots_copies_differ(const Slot slots[2]) {
        if (!slots[0].copy_valid && !slots[1].copy_valid)
                return false;
        return slots[0].copy_valid != slots[1].copy_valid || slots[0].copy_len != slots[1].copy_len ||
                memcmp(slots[0].copy, slots[1].copy, slots[0].copy_len) != 0;
}

/* The manifest copy of a file's slots: the newest valid slot's, else the other one's (a copy changes
 * only when the file is written whole, which writes both alike); NULL if neither holds a valid one. */
static const Slot *slots_copy(const Slot slots[2], int newest) {
        int first = newest < 0 ? 0 : newest;

        if (slots[first].copy_valid)
                return slots + first;
        return slots[1 - first].copy_valid ? slots + 1 - first : NULL;
}

/* The largest file a record of at most max bytes, with a copy, can be in. */
static size_t record_file_max(size_t max) {
        return 2 * slot_size_for(max, STATE_FILE_COPY_MAX + STATE_FILE_COPY_TRAILER_SIZE);
}

/* The whole file at fd, if it is a regular file of at most max bytes: -EFBIG if it is larger. */
static int read_all(int fd, size_t max, char **ret, size_t *ret_size) {
        _cleanup_(freep) char *buf = NULL;
        struct stat st;
        size_t n, size;
        ssize_t k;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADMSG;
        if ((uint64_t) st.st_size > max)
                return -EFBIG;
        size = (size_t) st.st_size;
        buf = malloc(size + 1);
        if (!buf)
                return -ENOMEM;
        /* Fewer bytes if it shrank meanwhile: what is there. */
        k = loop_read(fd, buf, size, 0);
        if (k < 0)
                return (int) k;
        n = (size_t) k;
        buf[n] = 0;
        *ret = TAKE_PTR(buf);
        *ret_size = n;
        return 0;
}

static char *bytes_dup(const char *p, size_t n) {
        char *d = malloc(n + 1);

        if (d) {
                memcpy(d, p, n);
                d[n] = 0;
        }
        return d;
}

/* The manifest copy the record file at path holds now (in the batch: as written into it), copied into
 * *ret (NULL if there is none, or no readable file). */
static int current_copy(const char *path, char **ret, size_t *ret_len) {
        Pending *p = batch.n > 0 ? batch_find(path) : NULL;
        _cleanup_(freep) char *buf = NULL;
        _cleanup_(closep) int fd = -EBADF;
        size_t size = 0;
        const Slot *c;
        Slot slots[2];
        int r;

        *ret = NULL;
        *ret_len = 0;
        fd = open(p ? p->tmp : path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        r = read_all(fd, RECORD_FILE_LOOK_MAX, &buf, &size);
        /* A file that is no record file (too large, not a regular file) holds no copy; one that cannot be
         * read now (EIO, ENOMEM) may: the save fails, and is tried again, rather than drop the copy. */
        if (r == -EFBIG || r == -EBADMSG)
                return 0;
        if (r < 0)
                return r;
        c = slots_copy(slots, slots_check(buf, size, slots, true));
        if (!c)
                return 0;
        *ret = bytes_dup(c->copy, c->copy_len);
        if (!*ret)
                return -ENOMEM;
        *ret_len = c->copy_len;
        return 0;
}

/* The whole file: both slots a copy of the record (sequence numbers 0 and 1) and of the manifest copy,
 * written as state_file_write_data() does. */
static int record_write_whole(const char *dir, const char *kind, const char *file, const char *path,
                              const void *data, size_t len, const void *copy, size_t copy_len) {
        _cleanup_(freep) char *sub = strprintf("%s/%s", dir, kind), *image = NULL;
        size_t slot = slot_size_for(len, copy_room(copy, copy_len));
        bool dir_synced = false;
        int r;

        if (!sub)
                return -ENOMEM;
        /* In the batch (the start, which writes every record of a first start and reads them at the
         * next), a record without a copy as plain text: one block per record, as before the slots. The
         * first save after it writes the slots. */
        if (batch.active && !copy)
                return write_data(sub, file, data, len, NULL);
        if (len > SLOT_BODY_MAX || slot > SLOT_BODY_MAX || copy_len > STATE_FILE_COPY_MAX)
                return -EFBIG;
        image = malloc(2 * slot);
        if (!image)
                return -ENOMEM;
        r = state_file_record_slot_copy(1, slot_writer(), slot, data, len, copy, copy_len, image);
        if (r < 0)
                return r;
        r = state_file_record_slot_copy(0, slot_writer(), slot, data, len, copy, copy_len, image + slot);
        if (r < 0)
                return r;
        r = write_data(sub, file, image, 2 * slot, &dir_synced);
        if (r < 0) {
                distrust(path);
                return r;
        }
        /* Both slots hold the copy again (a batch whose commit fails distrusts the file: written whole
         * again). */
        path_list_remove(&damaged, path);
        /* In the batch its commit distrusts the files whose directory it could not sync. */
        if (batch.active)
                return 0;
        if (dir_synced)
                trust(path);
        else
                distrust(path);
        return 0;
}

/* A save in place that reads only what it needs: each slot's header and record, and each slot's last
 * STATE_FILE_COPY_TRAILER_SIZE bytes (the copy's trailer), never the manifest copies, and checksums the
 * records only. 1 when the record was written and synced; 0 when the file is not as saves in place
 * leave it and needs the full look (the caller's: the whole file read, every checksum); -errno.
 *
 * What it must verify, not to overwrite the only good slot:
 * - The record: which slot holds the newest valid one. Both headers are parsed and both records
 *   checksummed (a few KiB): a slot whose header was written but not its text (a save cut short by a
 *   kill or a power cut) has the higher sequence number and must not be taken for the newest, or the
 *   save would overwrite the only valid record. So the record is written into the other slot only.
 * - The copy: nothing, because a save in place never writes a byte of it. It writes its slot from the
 *   start up to the start of the copy's room at most (slot size minus the copy's length and trailer), a
 *   start both slots' trailers must agree on, byte for byte, and name well-formed (or both have none:
 *   a file without a copy). Every copy valid before the save is then valid after it, in the page cache
 *   and on disk, whatever part of the write reached the disk; a copy is changed only by a whole write
 *   (a temporary file renamed over the file), which takes it from memory or from a full look at the
 *   file (current_copy(), every checksum). A copy damaged in one slot (its trailer intact) is therefore
 *   neither seen nor repaired here; the loader, which checks both copies when it reads the file at
 *   start, marks such a file (damaged), whose saves then take the full look until both slots hold the
 *   valid copy (two saves at most, in place); so does a file whose trailers differ. The full look
 *   writes the valid copy into the slot it saves where that slot's differs, as every save did before.
 * - The rest is as before: both headers' slot size half the file; a newest slot written by another
 *   process synced first; the last sequence number, a record that does not fit before the copy, or a
 *   record of a slot reaching into the copy's room (a jobsd before the copies) send the save to the
 *   full look, which writes the file whole where it must.
 * The save writes the pages the new record covers and those the slot's old record covered (all of the
 * slot before the copy's room if that slot is damaged), never beyond the copy's room: bytes left behind
 * a record by a save cut short there are never read (a slot's text is its header's length). */
static int put_in_place(int fd, const char *path, const void *data, size_t len) {
        _cleanup_(freep) char *head0 = NULL, *head1 = NULL, *image = NULL;
        char trailers[2][STATE_FILE_COPY_TRAILER_SIZE];
        size_t size, slot, head_len, room = 0, copy_start, want;
        uint64_t copy_len, copy_crc;
        struct stat st;
        Slot slots[2];
        int newest, target, r;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode) || (uint64_t) st.st_size > RECORD_FILE_LOOK_MAX || st.st_size % 2 != 0)
                return 0;
        size = (size_t) st.st_size;
        slot = size / 2;
        if (slot < STATE_FILE_SLOT_HEADER_SIZE + STATE_FILE_COPY_TRAILER_SIZE)
                return 0;
        head_len = MIN(slot, SLOT_HEAD_READ);
        for (int i = 0; i < 2; i++) {
                char **h = i == 0 ? &head0 : &head1;
                uint64_t text_len;
                ssize_t k;

                *h = malloc(head_len);
                if (!*h)
                        return -ENOMEM;
                k = loop_read(fd, *h, head_len, (off_t) (i * slot));
                if (k < 0)
                        return (int) k;
                if ((size_t) k < head_len)
                        return 0;       /* shrunk meanwhile */
                /* A record longer than what was read: the rest of it. */
                if (memcmp(*h, SLOT_MAGIC, STRLEN(SLOT_MAGIC)) == 0 &&
                    fixed_number(*h + SLOT_LEN, 10, 10, &text_len) &&
                    text_len <= slot - STATE_FILE_SLOT_HEADER_SIZE &&
                    STATE_FILE_SLOT_HEADER_SIZE + text_len > head_len) {
                        size_t need = STATE_FILE_SLOT_HEADER_SIZE + (size_t) text_len;
                        char *n = realloc(*h, need);

                        if (!n)
                                return -ENOMEM;
                        *h = n;
                        k = loop_read(fd, n + head_len, need - head_len, (off_t) (i * slot + head_len));
                        if (k < 0)
                                return (int) k;
                        if ((size_t) k < need - head_len)
                                return 0;
                }
                /* slot_check() reads the header and the text its length names, nothing beyond. */
                slot_check(*h, slot, size, slots + i);
                if (head_len == slot)
                        memcpy(trailers[i], *h + slot - STATE_FILE_COPY_TRAILER_SIZE, STATE_FILE_COPY_TRAILER_SIZE);
                else {
                        k = loop_read(fd, trailers[i], STATE_FILE_COPY_TRAILER_SIZE,
                                      (off_t) ((i + 1) * slot - STATE_FILE_COPY_TRAILER_SIZE));
                        if (k < 0)
                                return (int) k;
                        if ((size_t) k < STATE_FILE_COPY_TRAILER_SIZE)
                                return 0;
                }
        }
        newest = slots_newest(slots);
        if (newest < 0 || slots[newest].seq == UINT64_MAX)
                return 0;
        /* The copy's room: the same trailer in both slots, well-formed, or no trailer in either. */
        if (memcmp(trailers[0], trailers[1], STATE_FILE_COPY_TRAILER_SIZE) != 0)
                return 0;
        if (memcmp(trailers[0], COPY_MAGIC, STRLEN(COPY_MAGIC)) == 0) {
                if (!trailer_parse(trailers[0], slot, &copy_len, &copy_crc))
                        return 0;
                room = (size_t) copy_len + STATE_FILE_COPY_TRAILER_SIZE;
        }
        copy_start = slot - room;
        for (int i = 0; i < 2; i++)
                if (slots[i].valid && STATE_FILE_SLOT_HEADER_SIZE + slots[i].len > copy_start)
                        return 0;
        if (len > SLOT_BODY_MAX || STATE_FILE_SLOT_HEADER_SIZE + len > copy_start)
                return 0;
        target = 1 - newest;
        /* The newest slot was written by another process (a jobsd that was killed): it may be in the page
         * cache only. On disk before the other slot is overwritten. */
        if (slots[newest].writer != slot_writer() && fdatasync(fd) < 0)
                goto fail;
        want = slots[target].valid ? page_up(STATE_FILE_SLOT_HEADER_SIZE + MAX(len, slots[target].len)) : copy_start;
        want = MIN(want, copy_start);
        image = malloc(want);
        if (!image)
                return -ENOMEM;
        slot_head_format(slots[newest].seq + 1, slot_writer(), slot, data, len, image, want);
        r = loop_write(fd, image, want, (off_t) (target * slot));
        if (r < 0) {
                errno = -r;
                goto fail;
        }
        if (fdatasync(fd) < 0)
                goto fail;
        return 1;
fail:
        r = -errno;
        /* What the page cache holds of this file may not be on disk: written whole next time. */
        distrust(path);
        return r;
}

int state_file_put_record_copy(const char *dir, const char *kind, const char *namespace, const char *name,
                               const char *suffix, const void *data, size_t len, const void *copy, size_t copy_len) {
        _cleanup_(freep) char *path = state_file_path(dir, kind, namespace, name, suffix),
                *file = strprintf("%s_%s.%s", namespace, name, suffix), *buf = NULL, *image = NULL, *kept = NULL;
        _cleanup_(closep) int fd = -EBADF;
        size_t size = 0, slot, want, kept_len = 0;
        const Slot *c;
        Slot slots[2];
        int newest, r;

        if (!path || !file)
                return -ENOMEM;
        /* In the batch, every file is written whole: its group commit is the cheaper sync. (A file the
         * batch could not sync the directory of is distrusted by its commit.) The copy the file has is
         * kept. */
        if (batch.active || strv_contains(distrusted, path)) {
                if (!copy) {
                        r = current_copy(path, &kept, &kept_len);
                        if (r < 0)
                                return r;
                        copy = kept;
                        copy_len = kept_len;
                }
                return record_write_whole(dir, kind, file, path, data, len, copy, copy_len);
        }
        /* A new copy: written whole. */
        if (copy)
                return record_write_whole(dir, kind, file, path, data, len, copy, copy_len);
        fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 && errno != ENOENT)
                return -errno;  /* it may hold a copy: not written over without it */
        if (fd < 0)
                return record_write_whole(dir, kind, file, path, data, len, NULL, 0);
        if (!strv_contains(damaged, path)) {
                r = put_in_place(fd, path, data, len);
                if (r != 0)
                        return MIN(r, 0);
        }
        /* The full look, for a file that is not as saves in place leave it, or whose copies differ. A file
         * larger than any record jobsd keeps, or no regular file, is written whole. One that cannot be read
         * now is not: it may hold a copy. */
        r = read_all(fd, RECORD_FILE_LOOK_MAX, &buf, &size);
        if (r == -EFBIG || r == -EBADMSG)
                return record_write_whole(dir, kind, file, path, data, len, NULL, 0);
        if (r < 0)
                return r;
        newest = slots_check(buf, size, slots, true);
        slot = size / 2;
        c = slots_copy(slots, newest);
        if (c) {
                copy = c->copy;
                copy_len = c->copy_len;
        }
        /* An old plain-text record, a damaged file, a record that outgrew its slots (beside the copy),
         * the last sequence number: written whole. */
        if (newest < 0 || STATE_FILE_SLOT_HEADER_SIZE + len + copy_room(copy, copy_len) > slot ||
            slots[newest].seq == UINT64_MAX)
                return record_write_whole(dir, kind, file, path, data, len, copy, copy_len);
        /* The newest copy was written by another process (a jobsd that was killed): it may be in the page
         * cache only. On disk before the other copy is overwritten. */
        if (slots[newest].writer != slot_writer() && fdatasync(fd) < 0)
                goto fail;
        image = malloc(slot);
        if (!image)
                return -ENOMEM;
        r = state_file_record_slot_copy(slots[newest].seq + 1, slot_writer(), slot, data, len, copy, copy_len, image);
        if (r < 0)
                return r;
        /* The pages of the record, and those the slot's old record covered (the whole slot if that one
         * cannot be read), so that no old bytes are left behind it. A slot never shrinks in place: a
         * record's size goes up and down with its pods. The copy at the slot's end is written only if the
         * slot does not hold it already (it was written whole with it): normally it is not written. */
        want = page_up(STATE_FILE_SLOT_HEADER_SIZE + len);
        if (!slots[1 - newest].valid)
                want = slot;
        else if (page_up(STATE_FILE_SLOT_HEADER_SIZE + slots[1 - newest].len) > want)
                want = page_up(STATE_FILE_SLOT_HEADER_SIZE + slots[1 - newest].len);
        if (want > slot)
                want = slot;
        if (want < slot && memcmp(image + want, buf + (1 - newest) * slot + want, slot - want) != 0)
                want = slot;
        r = loop_write(fd, image, want, (off_t) ((1 - newest) * slot));
        if (r < 0) {
                errno = -r;
                goto fail;
        }
        if (fdatasync(fd) < 0)
                goto fail;
        /* The slot written holds the valid copy now; when the other one does too (or there is none), the
         * saves go back to put_in_place(). */
        if (!c || (slots[newest].copy_valid && slots[newest].copy_len == copy_len &&
                   memcmp(slots[newest].copy, copy, copy_len) == 0))
                path_list_remove(&damaged, path);
        return 0;
fail:
        r = -errno;
        /* What the page cache holds of this file may not be on disk: written whole next time. */
        distrust(path);
        return r;
}

int state_file_put_record(const char *dir, const char *kind, const char *namespace, const char *name,
                          const char *suffix, const void *data, size_t len) {
        return state_file_put_record_copy(dir, kind, namespace, name, suffix, data, len, NULL, 0);
}

/* The file's bytes: -EBADMSG with a message for one too large or not a regular file. */
static int record_read(const char *path, size_t max, char **ret, size_t *ret_size, char **reterr_message) {
        _cleanup_(closep) int fd = -EBADF;
        int r;

        /* A file of the batch is read as written. */
        if (batch.n > 0 && batch_has(path))
                (void) state_file_batch_commit();
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        r = read_all(fd, record_file_max(max), ret, ret_size);
        if (r == -EFBIG || r == -EBADMSG) {
                if (reterr_message)
                        *reterr_message = strdup(r == -EFBIG ? "file too large" : "not a regular file");
                return -EBADMSG;
        }
        return r;
}

int state_file_get_record(const char *dir, const char *kind, const char *namespace, const char *name,
                          const char *suffix, size_t max, char **ret_text, char **ret_note, char **reterr_message) {
        _cleanup_(freep) char *path = state_file_path(dir, kind, namespace, name, suffix), *buf = NULL;
        size_t size = 0;
        Slot slots[2];
        int newest, r;

        if (!path)
                return -ENOMEM;
        r = record_read(path, max, &buf, &size, reterr_message);
        if (r < 0)
                return r;
        /* The copies are checked too, though not read: a file whose slots' copies differ is written whole
         * at its next save (damaged), as saves in place do not look at them. */
        newest = slots_check(buf, size, slots, true);
        if (slots_copies_differ(slots))
                path_list_add(&damaged, path);
        if (newest >= 0) {
                char *text;

                if (slots[newest].len > max) {
                        if (reterr_message)
                                *reterr_message = strdup("record too large");
                        return -EBADMSG;
                }
                text = strndup(slots[newest].text, slots[newest].len);
                if (!text)
                        return -ENOMEM;
                if (ret_note && !slots[1 - newest].valid)
                        *ret_note = strprintf("copy %d of the record is damaged (%s); copy %d (sequence %" PRIu64
                                              ") was read: a write cut short by a crash, or damage to the file",
                                              1 - newest, slots[1 - newest].why, newest, slots[newest].seq);
                *ret_text = text;
                return 0;
        }
        if (startswith(buf, SLOT_MAGIC) || (size / 2 >= STRLEN(SLOT_MAGIC) && startswith(buf + size / 2, SLOT_MAGIC))) {
                if (reterr_message)
                        *reterr_message = strprintf("neither copy of the record is valid (copy 0: %s; copy 1: %s)",
                                                    slots[0].why, slots[1].why);
                return -EBADMSG;
        }
        /* A plain-text record of the format before slots, read as state_file_read() does. */
        if (size > max) {
                if (reterr_message)
                        *reterr_message = strdup("file too large");
                return -EBADMSG;
        }
        if (strlen(buf) != size) {
                if (reterr_message)
                        *reterr_message = strdup("contains a NUL byte");
                return -EBADMSG;
        }
        *ret_text = TAKE_PTR(buf);
        return 0;
}

int state_file_get_record_copy(const char *dir, const char *kind, const char *namespace, const char *name,
                               const char *suffix, size_t max, char **ret_copy, size_t *ret_len) {
        _cleanup_(freep) char *path = state_file_path(dir, kind, namespace, name, suffix), *buf = NULL;
        size_t size = 0;
        const Slot *c;
        Slot slots[2];
        char *copy;
        int r;

        if (!path)
                return -ENOMEM;
        r = record_read(path, max, &buf, &size, NULL);
        if (r < 0)
                return r;
        c = slots_copy(slots, slots_check(buf, size, slots, true));
        if (slots_copies_differ(slots))
                path_list_add(&damaged, path);
        if (!c)
                return -ENOENT;
        copy = bytes_dup(c->copy, c->copy_len);
        if (!copy)
                return -ENOMEM;
        *ret_copy = copy;
        *ret_len = c->copy_len;
        return 0;
}
