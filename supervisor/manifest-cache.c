/* SPDX-License-Identifier: Apache-2.0 */
/* The parsed manifests of a directory, kept between reloads: only changed files are parsed again; the index of the names they define. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "jobsd/macro.h"
#include "jobsd/render.h"
#include "jobsd/strv.h"
#include "manifest-cache.h"

/* Strings the entries share: the namespaces of their names, their diagnostics' field paths and messages
 * (10,000 Jobs of one namespace with one warning each keep "default", the path and the message once), with
 * a count of their users. One pool for every cache: the pure core is single-threaded. Not for what is
 * mostly unique (names, files). */
typedef struct PoolString {
        size_t refs;
        char s[];
} PoolString;

static NameIndex pool;

static void pool_key(const void *item, const char **namespace, const char **name) {
        *namespace = "";
        *name = ((const PoolString *) item)->s;
}

static char *pool_ref(const char *s) {
        PoolString *p;
        size_t l;

        assert(s);
        pool.key = pool_key;
        p = name_index_find(&pool, "", s);
        if (p) {
                p->refs++;
                return p->s;
        }
        l = strlen(s);
        p = malloc(offsetof(PoolString, s) + l + 1);
        if (!p)
                return NULL;
        p->refs = 1;
        memcpy(p->s, s, l + 1);
        if (name_index_add(&pool, p) < 0) {
                free(p);
                return NULL;
        }
        return p->s;
}

static void pool_unref(char *s) {
        PoolString *p;

        if (!s)
                return;
        p = (PoolString *) (s - offsetof(PoolString, s));
        assert(p->refs > 0);
        if (--p->refs > 0)
                return;
        name_index_remove(&pool, p);
        free(p);
        if (pool.n_items == 0)
                name_index_done(&pool);
}

/* The index: one slot per name, its definitions in no order. A slot has no copy of its name: it is the
 * name of its first definition's key (every definition has the same), so a slot is never without one. */

static void slot_key(const void *item, const char **namespace, const char **name) {
        const ManifestIndexSlot *s = item;
        const ManifestKey *k;

        assert(s->n_defs > 0);
        k = s->defs[0].entry->keys + s->defs[0].i;
        *namespace = k->namespace;
        *name = k->name;
}

static NameIndex *index_of(ManifestIndex *x, ManifestKind kind) {
        NameIndex *n = kind == MANIFEST_CRON_JOB ? &x->cron_jobs : &x->jobs;

        n->key = slot_key;
        return n;
}

ManifestIndexSlot *manifest_index_find(const ManifestIndex *x, ManifestKind kind, const char *namespace,
                                       const char *name) {
        assert(x);
        return name_index_find(kind == MANIFEST_CRON_JOB ? &x->cron_jobs : &x->jobs, namespace, name);
}

static void slot_free(ManifestIndexSlot *s) {
        if (!s)
                return;
        if (s->defs != &s->one)
                free(s->defs);
        free(s);
}

static int index_add(ManifestIndex *x, ManifestCacheEntry *e, size_t i) {
        const ManifestKey *k = e->keys + i;
        ManifestIndexSlot *s = manifest_index_find(x, k->kind, k->namespace, k->name);

        if (!s) {
                /* Its first definition before it joins the index: the index reads the name from it. */
                s = calloc(1, sizeof(ManifestIndexSlot));
                if (!s)
                        return -ENOMEM;
                s->kind = k->kind;
                s->defs = &s->one;
                s->n_allocated = 1;
                s->defs[s->n_defs++] = (ManifestDefinition) { .entry = e, .i = i };
                if (name_index_add(index_of(x, k->kind), s) < 0) {
                        slot_free(s);
                        return -ENOMEM;
                }
                return 0;
        }
        if (s->n_defs >= s->n_allocated) {
                unsigned a = s->n_allocated * 2;
                ManifestDefinition *d = realloc(s->defs == &s->one ? NULL : s->defs, sizeof(ManifestDefinition) * a);
                if (!d)
                        return -ENOMEM;
                if (s->defs == &s->one)
                        d[0] = s->one;
                s->defs = d;
                s->n_allocated = a;
        }
        s->defs[s->n_defs++] = (ManifestDefinition) { .entry = e, .i = i };
        return 0;
}

static void index_remove(ManifestIndex *x, ManifestCacheEntry *e, size_t i) {
        const ManifestKey *k = e->keys + i;
        ManifestIndexSlot *s = manifest_index_find(x, k->kind, k->namespace, k->name);

        if (!s)
                return;
        for (size_t d = 0; d < s->n_defs; d++)
                if (s->defs[d].entry == e && s->defs[d].i == i) {
                        if (s->n_defs == 1) {
                                /* The last one: the slot leaves the index while it still has its name. */
                                name_index_remove(index_of(x, k->kind), s);
                                slot_free(s);
                                return;
                        }
                        s->defs[d] = s->defs[--s->n_defs];
                        return;
                }
}

/* Small sets of names (a bad file's held names, the index's sticky ones): few, so a walk. */
static bool key_set_has(const ManifestKey *set, size_t n, ManifestKind kind, const char *namespace, const char *name) {
        for (size_t i = 0; i < n; i++)
                if (set[i].kind == kind && streq(set[i].namespace, namespace) && streq(set[i].name, name))
                        return true;
        return false;
}

static int key_set_add(ManifestKey **set, size_t *n, ManifestKind kind, const char *namespace, const char *name) {
        ManifestKey *a, k = { .kind = kind };

        assert(namespace);
        assert(name);

        if (key_set_has(*set, *n, kind, namespace, name))
                return 0;
        a = realloc(*set, sizeof(ManifestKey) * (*n + 1));
        if (!a)
                return -ENOMEM;
        *set = a;
        k.namespace = pool_ref(namespace);
        k.name = strdup(name);
        if (!k.namespace || !k.name) {
                pool_unref(k.namespace);
                free(k.name);
                return -ENOMEM;
        }
        (*set)[(*n)++] = k;
        return 0;
}

static void keys_free(ManifestKey *k, size_t n) {
        for (size_t i = 0; i < n; i++) {
                pool_unref(k[i].namespace);
                free(k[i].name);
        }
        free(k);
}

static void free_slots(NameIndex *n) {
        for (size_t i = 0; i < n->n_slots; i++)
                slot_free(n->slots[i]);
        name_index_done(n);
}

void manifest_index_done(ManifestIndex *x) {
        if (!x)
                return;
        free_slots(&x->jobs);
        free_slots(&x->cron_jobs);
        keys_free(x->sticky, x->n_sticky);
        *x = (ManifestIndex) {};
}

/* The entries. */

static void entry_unindex(ManifestCacheEntry *e) {
        if (!e->keys || !e->cache || !e->cache->index)
                return;
        for (size_t i = 0; i < e->list.n; i++)
                if (e->keys[i].namespace)
                        index_remove(e->cache->index, e, i);
}

/* The entry's diagnostics, their strings shared: the file is the entry's path, the field paths and the
 * messages are pooled. All or none (diags_pooled). */
static void diags_pool(ManifestCacheEntry *e) {
        size_t n = e->diags.n;
        _cleanup_(freep) char **s = calloc(2 * n + 1, sizeof(char *));
        size_t i;

        if (!s)
                return;
        for (i = 0; i < n; i++) {
                const Diag *d = e->diags.items + i;

                if (d->file && !streq(d->file, e->path))
                        break;
                if (d->path && !(s[2 * i] = pool_ref(d->path)))
                        break;
                if (!(s[2 * i + 1] = pool_ref(d->message)))
                        break;
        }
        if (i < n) {
                for (size_t k = 0; k < 2 * n; k++)
                        pool_unref(s[k]);
                return;
        }
        for (i = 0; i < n; i++) {
                Diag *d = e->diags.items + i;
                bool has_file = d->file;

                free(d->file);
                free(d->path);
                free(d->message);
                d->file = has_file ? e->path : NULL;
                d->path = s[2 * i];
                d->message = s[2 * i + 1];
        }
        e->diags_pooled = true;
}

static void diags_done(ManifestCacheEntry *e) {
        if (!e->diags_pooled) {
                diag_list_done(&e->diags);
                return;
        }
        for (size_t i = 0; i < e->diags.n; i++) {
                pool_unref(e->diags.items[i].path);
                pool_unref(e->diags.items[i].message);
        }
        free(e->diags.items);
        e->diags = (DiagList) {};
        e->diags_pooled = false;
}

/* The bytes of the files parsed, kept until manifest_cache_drop_bytes() (ManifestBytesStore). */
#define BYTES_CHUNK_SIZE ((size_t) 256 * 1024)

static int bytes_keep(ManifestCache *c, ManifestCacheEntry *e, const char *data, size_t size, unsigned wanted) {
        ManifestBytesStore *b = &c->bytes;
        char *to;

        if (b->n >= b->n_allocated) {
                size_t a = MAX(b->n_allocated * 2, (size_t) 64);
                ManifestBytes *items = realloc(b->items, sizeof(ManifestBytes) * a);
                if (!items)
                        return -ENOMEM;
                b->items = items;
                b->n_allocated = a;
        }
        if (b->n_chunks == 0 || b->used + size + 1 > BYTES_CHUNK_SIZE) {
                char **chunks = realloc(b->chunks, sizeof(char *) * (b->n_chunks + 1));
                unsigned *live;

                if (!chunks)
                        return -ENOMEM;
                b->chunks = chunks;
                live = realloc(b->live, sizeof(unsigned) * (b->n_chunks + 1));
                if (!live)
                        return -ENOMEM;
                b->live = live;
                b->live[b->n_chunks] = 0;
                /* A file larger than a chunk has one of its own, full. */
                b->chunks[b->n_chunks] = malloc(MAX(BYTES_CHUNK_SIZE, size + 1));
                if (!b->chunks[b->n_chunks])
                        return -ENOMEM;
                b->n_chunks++;
                b->used = 0;
        }
        to = b->chunks[b->n_chunks - 1] + b->used;
        memcpy(to, data, size);
        to[size] = 0;
        b->used += size + 1;
        if (b->n > 0 && strcmp(b->items[b->n - 1].entry->name, e->name) >= 0)
                b->unsorted = true;
        b->items[b->n++] = (ManifestBytes) { .entry = e, .data = to, .size = size, .wanted = wanted,
                                             .chunk = b->n_chunks - 1 };
        b->live[b->n_chunks - 1]++;
        e->has_bytes = true;
        return 0;
}

/* An item no longer wanted: its chunk goes with its last one (the last chunk then counts as full). */
static void bytes_unwant(ManifestBytesStore *b, ManifestBytes *x) {
        if (!x->data)
                return;
        x->data = NULL;
        x->wanted = 0;
        if (--b->live[x->chunk] > 0)
                return;
        b->chunks[x->chunk] = mfree(b->chunks[x->chunk]);
        if (x->chunk + 1 == b->n_chunks)
                b->used = BYTES_CHUNK_SIZE;
}

static void bytes_forget(ManifestCacheEntry *e) {
        ManifestBytesStore *b = &e->cache->bytes;

        if (!e->has_bytes)
                return;
        /* Within the reload that parsed it, only a file parsed twice or gone: rare, a walk. */
        for (size_t i = 0; i < b->n; i++)
                if (b->items[i].entry == e) {
                        bytes_unwant(b, b->items + i);
                        memmove(b->items + i, b->items + i + 1, sizeof(ManifestBytes) * (b->n - i - 1));
                        b->n--;
                        break;
                }
        e->has_bytes = false;
}

static int bytes_compare(const void *a, const void *b) {
        return strcmp(((const ManifestBytes *) a)->entry->name, ((const ManifestBytes *) b)->entry->name);
}

static ManifestBytes *bytes_find(const ManifestCacheEntry *e) {
        ManifestBytesStore *b;
        size_t lo = 0, hi;

        if (!e || !e->has_bytes)
                return NULL;
        b = &e->cache->bytes;
        if (b->unsorted) {
                qsort(b->items, b->n, sizeof(ManifestBytes), bytes_compare);
                b->unsorted = false;
        }
        hi = b->n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int cmp = strcmp(e->name, b->items[mid].entry->name);
                if (cmp == 0)
                        return b->items[mid].entry == e ? b->items + mid : NULL;
                if (cmp < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return NULL;
}

const char *manifest_cache_entry_bytes(const ManifestCacheEntry *e, size_t *ret_size) {
        ManifestBytes *x = bytes_find(e);

        if (!x || !x->data)
                return NULL;
        *ret_size = x->size;
        return x->data;
}

void manifest_cache_entry_bytes_taken(const ManifestCacheEntry *e) {
        ManifestBytes *x = bytes_find(e);

        if (x && x->data && --x->wanted == 0)
                bytes_unwant(&e->cache->bytes, x);
}

void manifest_cache_drop_bytes(ManifestCache *c) {
        ManifestBytesStore *b = &c->bytes;

        for (size_t i = 0; i < b->n; i++)
                ((ManifestCacheEntry *) b->items[i].entry)->has_bytes = false;
        for (size_t i = 0; i < b->n_chunks; i++)
                free(b->chunks[i]);
        free(b->chunks);
        free(b->live);
        free(b->items);
        *b = (ManifestBytesStore) {};
}

/* Lets go of what the entry parsed (its names leave the index); the entry itself and its names stay. */
static void entry_clear(ManifestCacheEntry *e) {
        bytes_forget(e);
        entry_unindex(e);
        if (e->fingerprints)
                for (size_t i = 0; i < e->list.n; i++)
                        free(e->fingerprints[i]);
        e->fingerprints = mfree(e->fingerprints);
        if (e->keys)
                keys_free(e->keys, e->list.n);
        e->keys = NULL;
        keys_free(e->held, e->n_held);
        e->held = NULL;
        e->n_held = 0;
        manifest_list_done(&e->list);
        diags_done(e);
        e->bad = false;
}

static ManifestCacheEntry *entry_free(ManifestCacheEntry *e) {
        if (!e)
                return NULL;
        entry_clear(e);
        free(e->path);
        free(e);
        return NULL;
}

static bool entry_matches(const ManifestCacheEntry *e, const struct stat *st) {
        return !e->stale && e->dev == st->st_dev && e->ino == st->st_ino && e->size == st->st_size &&
                e->mode == st->st_mode && e->uid == st->st_uid &&
                e->mtim.tv_sec == st->st_mtim.tv_sec && e->mtim.tv_nsec == st->st_mtim.tv_nsec &&
                e->ctim.tv_sec == st->st_ctim.tv_sec && e->ctim.tv_nsec == st->st_ctim.tv_nsec;
}

/* Its names, as the reload sees them (a generateName Job named through the cache's name_func), indexed. */
static int entry_name_objects(ManifestCacheEntry *e) {
        ManifestCache *c = e->cache;

        e->keys = calloc(MAX(e->list.n, 1u), sizeof(ManifestKey));
        if (!e->keys)
                return -ENOMEM;
        for (size_t i = 0; i < e->list.n; i++) {
                Manifest *mf = e->list.items + i;
                ManifestKey *k = e->keys + i;
                const ObjectMeta *meta;

                k->kind = mf->kind;
                if (mf->kind == MANIFEST_CRON_JOB && mf->cron_job)
                        meta = &mf->cron_job->metadata;
                else if (mf->kind == MANIFEST_JOB && mf->job) {
                        if (!mf->job->metadata.name && c->name_func) {
                                mf->job->metadata.name = c->name_func(mf, c->name_userdata);
                                if (!mf->job->metadata.name)
                                        return -ENOMEM;
                                k->generated = true;
                        }
                        meta = &mf->job->metadata;
                } else
                        continue;
                if (!meta->name)
                        continue;
                k->name = strdup(meta->name);
                k->namespace = pool_ref(job_namespace(meta));
                if (!k->name || !k->namespace)
                        return -ENOMEM;
                if (c->index)
                        TRY(index_add(c->index, e, i));
        }
        return 0;
}

/* Whether a diagnostic makes its file keep what it defined: an error, or no object (an empty file is
 * most often one being rewritten, opened with O_TRUNC; removing the file is how to delete). */
static bool diag_is_bad(const Diag *d) {
        return d->level == DIAG_ERROR || (!d->has_position && streq(d->message, MANIFEST_NO_OBJECTS));
}

/* Parses the file (again) into e, which has its name and path; opened relative to dir_fd if it is not
 * AT_FDCWD. st: its lstat(), NULL if that failed, or if stat_opened, none made yet: the fstat() of the
 * file the loader opens is taken (the lstat() if it opens none). Its bytes are kept if the cache's
 * keep_func says so. */
static int entry_parse(ManifestCacheEntry *e, int dir_fd, const struct stat *st, bool stat_opened,
                       const ManifestLoadOptions *opts) {
        ManifestCache *c = e->cache;
        const char *name = dir_fd == AT_FDCWD ? e->path : e->name;
        _cleanup_(freep) char *bytes = NULL;
        struct stat opened, l;
        size_t size = 0;
        int r;

        entry_clear(e);
        r = manifest_load_file_at(dir_fd, name, e->path, opts, &e->list, &e->diags, c->keep_func ? &bytes : NULL,
                                  &size, stat_opened ? &opened : NULL);
        if (r < 0)
                return r;
        if (stat_opened)
                st = opened.st_mode != 0 ? &opened : fstatat(dir_fd, name, &l, AT_SYMLINK_NOFOLLOW) >= 0 ? &l : NULL;
        e->stale = false;
        if (st) {
                e->dev = st->st_dev, e->ino = st->st_ino, e->size = st->st_size;
                e->mode = st->st_mode, e->uid = st->st_uid, e->mtim = st->st_mtim, e->ctim = st->st_ctim;
        } else
                e->stale = true;        /* lstat() failed: the loader reports why, and the next load tries again */
        for (size_t i = 0; i < e->diags.n; i++)
                if (diag_is_bad(e->diags.items + i) && e->diags.items[i].file)
                        e->bad = true;
        diags_pool(e);
        r = entry_name_objects(e);
        if (r < 0)
                return r;
        /* (Without memory for them: none kept, and the caller reads the file itself.) */
        if (bytes) {
                unsigned wanted = c->keep_func(e, c->keep_userdata);
                if (wanted > 0)
                        (void) bytes_keep(c, e, bytes, size, wanted);
        }
        return 0;
}

static ManifestCacheEntry *entry_new(ManifestCache *c, const char *dir, const char *name) {
        ManifestCacheEntry *e = calloc(1, sizeof(ManifestCacheEntry));

        if (!e)
                return NULL;
        e->cache = c;
        e->path = strprintf("%s/%s", dir, name);
        if (!e->path)
                return entry_free(e);
        e->name = e->path + strlen(dir) + 1;
        return e;
}

/* Room for n objects and n_diags diagnostics in the view: grown by doubling (one realloc per object would
 * be, over 10,000 files, a copy or a remap of the arrays every few objects). */
static int view_reserve(ManifestCacheView *v, size_t n, size_t n_diags) {
        if (n > v->n_allocated) {
                size_t a = MAX(MAX(n, v->n_allocated * 2), (size_t) 16);
                Manifest *items;
                Manifest **origin;
                ManifestCacheEntry **entry;

                items = realloc(v->list.items, sizeof(Manifest) * a);
                if (!items)
                        return -ENOMEM;
                v->list.items = items;
                origin = realloc(v->origin, sizeof(Manifest *) * a);
                if (!origin)
                        return -ENOMEM;
                v->origin = origin;
                entry = realloc(v->entry, sizeof(ManifestCacheEntry *) * a);
                if (!entry)
                        return -ENOMEM;
                v->entry = entry;
                v->n_allocated = a;
        }
        if (n_diags > v->n_diags_allocated) {
                size_t a = MAX(MAX(n_diags, v->n_diags_allocated * 2), (size_t) 16);
                Diag *d = realloc(v->diags.items, sizeof(Diag) * a);

                if (!d)
                        return -ENOMEM;
                v->diags.items = d;
                v->n_diags_allocated = a;
        }
        return 0;
}

static int view_append(ManifestCacheView *v, ManifestCacheEntry *e) {
        TRY(view_reserve(v, v->list.n + e->list.n, v->diags.n + e->diags.n));
        for (size_t i = 0; i < e->list.n; i++) {
                v->list.items[v->list.n] = e->list.items[i];
                v->origin[v->list.n] = e->list.items + i;
                v->entry[v->list.n] = e;
                v->list.n++;
        }
        if (e->diags.n > 0) {
                memcpy(v->diags.items + v->diags.n, e->diags.items, sizeof(Diag) * e->diags.n);
                v->diags.n += e->diags.n;
                for (size_t l = 0; l < ELEMENTSOF(v->diags.n_by_level); l++)
                        v->diags.n_by_level[l] += e->diags.n_by_level[l];
        }
        return 0;
}

int manifest_cache_view_add(ManifestCacheView *v, ManifestCacheEntry *e, size_t i) {
        assert(v);
        assert(e);
        assert(i < e->list.n);

        TRY(view_reserve(v, v->list.n + 1, v->diags.n));
        v->list.items[v->list.n] = e->list.items[i];
        v->origin[v->list.n] = e->list.items + i;
        v->entry[v->list.n] = e;
        v->list.n++;
        return 0;
}

static void touched_clear(ManifestCache *c) {
        for (size_t i = 0; i < c->n_touched; i++)
                free(c->touched[i]);
        c->touched = mfree(c->touched);
        c->n_touched = 0;
        c->forgot_all = false;
        c->move_cookies = mfree(c->move_cookies);
        c->n_move_cookies = 0;
}

int manifest_cache_load(ManifestCache *c, const char *dir, const ManifestLoadOptions *opts, ManifestCacheView *view) {
        _cleanup_(strv_freep) char **names = NULL;
        _cleanup_(closep) int dfd = -EBADF;
        ManifestCacheEntry **entries = NULL;
        size_t n_names = 0, n = 0, k = 0;
        int r;

        assert(c);
        assert(dir);
        assert(view);

        c->parsed = 0;
        c->loaded = false;
        touched_clear(c);
        diag_list_done(&c->dir_diags);
        r = manifest_list_directory(dir, opts, &names, &n_names, &c->dir_diags);
        if (r >= 0 && n_names > 0) {
                dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dfd < 0)
                        r = -errno;
        }
        if (r >= 0 && n_names > 0) {
                entries = calloc(n_names, sizeof(ManifestCacheEntry *));
                if (!entries)
                        r = -ENOMEM;
        }
        if (r < 0) {
                /* Nothing is kept for a directory that cannot be listed: it is read afresh next time. */
                if (r != -ENOMEM) {
                        ManifestCacheEntry d = { .diags = c->dir_diags };
                        (void) view_append(view, &d);
                }
                return r;
        }
        /* Both lists are sorted: one merge keeps the entries of unchanged files and parses the rest. */
        for (size_t i = 0; i < n_names; i++) {
                struct stat st;
                bool have = false, known;
                int cmp = 1;

                while (k < c->n && (cmp = strcmp(c->entries[k]->name, names[i])) < 0)
                        c->entries[k] = entry_free(c->entries[k]), k++;        /* a file that is gone */
                /* A file with an entry is stat()ed to tell whether it changed; a new one is not: its
                 * entry takes the fstat() of the file the loader opens (one call less per new file). */
                known = k < c->n && cmp == 0;
                if (known)
                        have = fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) >= 0;
                if (known && have && entry_matches(c->entries[k], &st)) {
                        entries[n++] = TAKE_PTR(c->entries[k]);
                        k++;
                        continue;
                }
                if (known) {
                        entries[n] = TAKE_PTR(c->entries[k]);
                        k++;
                } else
                        entries[n] = entry_new(c, dir, names[i]);
                if (!entries[n]) {
                        r = -ENOMEM;
                        break;
                }
                r = entry_parse(entries[n], dfd, have ? &st : NULL, !known, opts);
                n++;
                c->parsed++;
                if (r < 0)
                        break;
        }
        for (; k < c->n; k++)
                entry_free(c->entries[k]);
        free(c->entries);
        c->entries = entries;
        c->n = n;
        if (r < 0)
                return r;
        c->loaded = c->dir_diags.n == 0;
        {
                ManifestCacheEntry d = { .diags = c->dir_diags };
                r = view_append(view, &d);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < c->n; i++) {
                r = view_append(view, c->entries[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Where name is, or would be inserted. */
static size_t entry_position(const ManifestCache *c, const char *name, bool *found) {
        size_t lo = 0, hi = c->n;

        *found = false;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int cmp = strcmp(name, c->entries[mid]->name);
                if (cmp == 0) {
                        *found = true;
                        return mid;
                }
                if (cmp < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return lo;
}

ManifestCacheEntry *manifest_cache_find(const ManifestCache *c, const char *name) {
        bool found;
        size_t i;

        assert(c);
        if (!name)
                return NULL;
        i = entry_position(c, name, &found);
        return found ? c->entries[i] : NULL;
}

void manifest_cache_forget(ManifestCache *c, const char *name) {
        ManifestCacheEntry *e;
        char *copy;

        assert(c);
        if (!name) {
                for (size_t i = 0; i < c->n; i++)
                        c->entries[i]->stale = true;
                c->forgot_all = true;
                return;
        }
        e = manifest_cache_find(c, name);
        if (e)
                e->stale = true;
        copy = strdup(name);
        if (!copy || strv_push_n(&c->touched, &c->n_touched, copy) < 0)
                c->forgot_all = true;   /* cannot remember it: the next reload reads everything */
}

/* As manifest_list_directory() picks its files. */
static bool is_manifest_name(const char *name) {
        size_t l = strlen(name);

        if (name[0] == '.' || strchr(name, '/'))
                return false;
        return (l > 5 && streq(name + l - 5, ".yaml")) || (l > 4 && streq(name + l - 4, ".yml"));
}

void manifest_cache_moved(ManifestCache *c, const char *name, uint32_t cookie, bool from) {
        uint32_t *a;

        assert(c);
        assert(name);
        if (!from) {
                for (size_t i = 0; i < c->n_move_cookies; i++)
                        if (c->move_cookies[i] == cookie) {
                                c->move_cookies[i] = c->move_cookies[--c->n_move_cookies];
                                return;
                        }
                return;
        }
        if (!is_manifest_name(name))
                return;         /* (a temporary file renamed into place: only its new name matters) */
        a = realloc(c->move_cookies, sizeof(uint32_t) * (c->n_move_cookies + 1));
        if (!a) {
                c->forgot_all = true;
                return;
        }
        c->move_cookies = a;
        c->move_cookies[c->n_move_cookies++] = cookie;
}

bool manifest_cache_can_scope(const ManifestCache *c) {
        assert(c);
        return c->loaded && !c->forgot_all && c->dir_diags.n == 0 && c->n_move_cookies == 0;
}

static int report_names(const ManifestCacheEntry *e, ManifestKeyFunc key_func, void *userdata) {
        if (!key_func)
                return 0;
        for (size_t i = 0; e->keys && i < e->list.n; i++)
                if (e->keys[i].namespace)
                        TRY(key_func(e->keys + i, userdata));
        for (size_t i = 0; i < e->n_held; i++)
                TRY(key_func(e->held + i, userdata));
        return 0;
}

int manifest_cache_refresh(ManifestCache *c, const char *dir, const char *name, const ManifestLoadOptions *opts,
                           bool force, ManifestKeyFunc key_func, void *userdata) {
        _cleanup_(freep) char *path = NULL;
        ManifestCacheEntry *e;
        struct stat st;
        bool found, have = false, gone = false;
        size_t i;
        int r;

        assert(c);
        assert(dir);
        assert(name);

        i = entry_position(c, name, &found);
        e = found ? c->entries[i] : NULL;
        if (e && c->index && e->visited == c->index->generation)
                return 0;       /* looked at in this reload already */
        if (!is_manifest_name(name))
                gone = true;
        else {
                path = strprintf("%s/%s", dir, name);
                if (!path)
                        return -ENOMEM;
                have = lstat(path, &st) >= 0;
                /* Listed by the full load whatever lstat() says, unless it is not there or a directory. */
                gone = have ? S_ISDIR(st.st_mode) : (errno == ENOENT || errno == ENOTDIR);
        }
        if (gone) {
                if (!e)
                        return 0;
                r = report_names(e, key_func, userdata);
                if (r < 0)
                        return r;
                memmove(c->entries + i, c->entries + i + 1, sizeof(ManifestCacheEntry *) * (c->n - i - 1));
                c->n--;
                entry_free(e);
                return 1;
        }
        if (e && !force && have && entry_matches(e, &st)) {
                if (c->index)
                        e->visited = c->index->generation;
                return 0;
        }
        if (e) {
                r = report_names(e, key_func, userdata);
                if (r < 0)
                        return r;
        } else {
                ManifestCacheEntry **a = realloc(c->entries, sizeof(ManifestCacheEntry *) * (c->n + 1));
                if (!a)
                        return -ENOMEM;
                c->entries = a;
                e = entry_new(c, dir, name);
                if (!e)
                        return -ENOMEM;
                memmove(c->entries + i + 1, c->entries + i, sizeof(ManifestCacheEntry *) * (c->n - i));
                c->entries[i] = e;
                c->n++;
        }
        if (c->index)
                e->visited = c->index->generation;
        c->parsed++;
        r = entry_parse(e, AT_FDCWD, have ? &st : NULL, false, opts);
        if (r < 0)
                return r;
        r = report_names(e, key_func, userdata);
        if (r < 0)
                return r;
        return 1;
}

int manifest_cache_entry_hold(ManifestCacheEntry *e, ManifestKind kind, const char *namespace, const char *name) {
        assert(e);
        return key_set_add(&e->held, &e->n_held, kind, namespace, name);
}

/* A taken object's entry is parsed again before it is looked at again (stale; a scoped reload that meets
 * it is a full one, -ESTALE): what else the object had there (its file's name, apiVersion, fingerprint) is
 * of no more use, and goes too. */
static void entry_let_go(ManifestCacheEntry *e, Manifest *mf) {
        size_t k = mf - e->list.items;

        mf->job = NULL;         /* (the union's other member, cron_job, too) */
        mf->file = mfree(mf->file);
        mf->api_version = mfree(mf->api_version);
        e->stale = true;
        if (!e->fingerprints)
                return;
        e->fingerprints[k] = mfree(e->fingerprints[k]);
        for (size_t i = 0; i < e->list.n; i++)
                if (e->fingerprints[i])
                        return;
        e->fingerprints = mfree(e->fingerprints);
}

void manifest_cache_view_release(ManifestCacheView *view) {
        assert(view);
        for (size_t i = 0; i < view->list.n; i++)
                if (!view->list.items[i].job && view->origin[i]->job)
                        entry_let_go(view->entry[i], view->origin[i]);
}

char **manifest_cache_view_fingerprint(ManifestCacheView *view, size_t i) {
        ManifestCacheEntry *e;

        assert(view);
        assert(i < view->list.n);
        e = view->entry[i];
        if (!e->fingerprints) {
                e->fingerprints = calloc(e->list.n, sizeof(char *));
                if (!e->fingerprints)
                        return NULL;
        }
        return e->fingerprints + (view->origin[i] - e->list.items);
}

void manifest_cache_view_done(ManifestCacheView *view) {
        if (!view)
                return;
        free(view->list.items);
        free(view->diags.items);
        free(view->origin);
        free(view->entry);
        *view = (ManifestCacheView) {};
}

void manifest_cache_done(ManifestCache *c) {
        if (!c)
                return;
        manifest_cache_drop_bytes(c);
        for (size_t i = 0; i < c->n; i++)
                entry_free(c->entries[i]);
        free(c->entries);
        diag_list_done(&c->dir_diags);
        touched_clear(c);
        *c = (ManifestCache) { .index = c->index, .rank = c->rank, .name_func = c->name_func,
                               .name_userdata = c->name_userdata, .keep_func = c->keep_func,
                               .keep_userdata = c->keep_userdata };
}

bool manifest_index_sticky(const ManifestIndex *x, ManifestKind kind, const char *namespace, const char *name) {
        assert(x);
        return key_set_has(x->sticky, x->n_sticky, kind, namespace, name);
}

int manifest_index_stick(ManifestIndex *x, ManifestKind kind, const char *namespace, const char *name) {
        assert(x);
        return key_set_add(&x->sticky, &x->n_sticky, kind, namespace, name);
}

void manifest_index_unstick_if(ManifestIndex *x, bool (*pred)(const ManifestKey *k, void *userdata), void *userdata) {
        size_t w = 0;

        assert(x);
        for (size_t i = 0; i < x->n_sticky; i++) {
                if (!pred || pred(x->sticky + i, userdata)) {
                        pool_unref(x->sticky[i].namespace);
                        free(x->sticky[i].name);
                        continue;
                }
                x->sticky[w++] = x->sticky[i];
        }
        x->n_sticky = w;
}

/* The order of a full load: the caches by rank (the manifest directory's files, then the API's), their
 * files by name; in a file, its documents'. */
static int definition_compare(const void *a, const void *b) {
        const ManifestDefinition *x = a, *y = b;
        int c;

        if (x->entry->cache->rank != y->entry->cache->rank)
                return x->entry->cache->rank < y->entry->cache->rank ? -1 : 1;
        c = strcmp(x->entry->name, y->entry->name);
        if (c != 0)
                return c;
        return x->i < y->i ? -1 : x->i > y->i;
}

int manifest_index_view(const ManifestIndex *x, const ManifestKey *const *names, size_t n_names,
                        ManifestCacheView *view) {
        _cleanup_(freep) ManifestDefinition *defs = NULL;
        size_t n = 0, allocated = 0;

        assert(x);
        assert(view);

        for (size_t w = 0; w < n_names; w++) {
                const ManifestKey *k = names[w];
                ManifestIndexSlot *slot = manifest_index_find(x, k->kind, k->namespace, k->name);

                if (!slot)
                        continue;
                if (n + slot->n_defs > allocated) {
                        size_t a = MAX(allocated * 2, n + slot->n_defs);
                        ManifestDefinition *d = realloc(defs, sizeof(ManifestDefinition) * a);
                        if (!d)
                                return -ENOMEM;
                        defs = d;
                        allocated = a;
                }
                memcpy(defs + n, slot->defs, sizeof(ManifestDefinition) * slot->n_defs);
                n += slot->n_defs;
        }
        if (n > 0)
                qsort(defs, n, sizeof(ManifestDefinition), definition_compare);
        for (size_t i = 0; i < n; i++) {
                if (!defs[i].entry->list.items[defs[i].i].job)
                        return -ESTALE;
                TRY(manifest_cache_view_add(view, defs[i].entry, defs[i].i));
        }
        return 0;
}
