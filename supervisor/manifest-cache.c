/* SPDX-License-Identifier: Apache-2.0 */
/* The parsed manifests of a directory, kept between reloads: only changed files are parsed again. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "jobsd/macro.h"
#include "jobsd/strv.h"
#include "manifest-cache.h"

static void entry_done(ManifestCacheEntry *e) {
        if (e->fingerprints)
                for (size_t i = 0; i < e->list.n; i++)
                        free(e->fingerprints[i]);
        free(e->fingerprints);
        free(e->name);
        manifest_list_done(&e->list);
        diag_list_done(&e->diags);
        *e = (ManifestCacheEntry) {};
}

static bool entry_matches(const ManifestCacheEntry *e, const struct stat *st) {
        return !e->stale && e->dev == st->st_dev && e->ino == st->st_ino && e->size == st->st_size &&
                e->mode == st->st_mode && e->uid == st->st_uid &&
                e->mtim.tv_sec == st->st_mtim.tv_sec && e->mtim.tv_nsec == st->st_mtim.tv_nsec &&
                e->ctim.tv_sec == st->st_ctim.tv_sec && e->ctim.tv_nsec == st->st_ctim.tv_nsec;
}

static int entry_load(ManifestCacheEntry *e, const char *dir, const char *name, const struct stat *st,
                      const ManifestLoadOptions *opts) {
        _cleanup_(freep) char *path = strprintf("%s/%s", dir, name);
        int r;

        *e = (ManifestCacheEntry) { .name = strdup(name) };
        if (!path || !e->name)
                return -ENOMEM;
        if (st) {
                e->dev = st->st_dev, e->ino = st->st_ino, e->size = st->st_size;
                e->mode = st->st_mode, e->uid = st->st_uid, e->mtim = st->st_mtim, e->ctim = st->st_ctim;
        } else
                e->stale = true;        /* lstat() failed: the loader reports why, and the next load tries again */
        r = manifest_load_file_full(path, opts, &e->list, &e->diags);
        if (r < 0)
                return r;
        return 0;
}

static int view_append(ManifestCacheView *v, ManifestCacheEntry *e) {
        size_t n = v->list.n + e->list.n;
        Manifest *items;
        Manifest **origin;
        ManifestCacheEntry **entry;
        Diag *d;

        if (e->list.n > 0) {
                items = realloc(v->list.items, sizeof(Manifest) * n);
                if (!items)
                        return -ENOMEM;
                v->list.items = items;
                origin = realloc(v->origin, sizeof(Manifest *) * n);
                if (!origin)
                        return -ENOMEM;
                v->origin = origin;
                entry = realloc(v->entry, sizeof(ManifestCacheEntry *) * n);
                if (!entry)
                        return -ENOMEM;
                v->entry = entry;
                for (size_t i = 0; i < e->list.n; i++) {
                        v->list.items[v->list.n] = e->list.items[i];
                        v->origin[v->list.n] = e->list.items + i;
                        v->entry[v->list.n] = e;
                        v->list.n++;
                }
        }
        if (e->diags.n > 0) {
                d = realloc(v->diags.items, sizeof(Diag) * (v->diags.n + e->diags.n));
                if (!d)
                        return -ENOMEM;
                v->diags.items = d;
                memcpy(v->diags.items + v->diags.n, e->diags.items, sizeof(Diag) * e->diags.n);
                v->diags.n += e->diags.n;
                for (size_t l = 0; l < ELEMENTSOF(v->diags.n_by_level); l++)
                        v->diags.n_by_level[l] += e->diags.n_by_level[l];
        }
        return 0;
}

static int entry_cmp(const void *key, const void *e) {
        return strcmp(key, ((const ManifestCacheEntry *) e)->name);
}

int manifest_cache_load(ManifestCache *c, const char *dir, const ManifestLoadOptions *opts, ManifestCacheView *view) {
        _cleanup_(strv_freep) char **names = NULL;
        _cleanup_(closep) int dfd = -EBADF;
        ManifestCacheEntry *entries = NULL;
        size_t n_names = 0, n = 0, k = 0;
        int r;

        assert(c);
        assert(dir);
        assert(view);

        c->parsed = 0;
        diag_list_done(&c->dir_diags);
        r = manifest_list_directory(dir, opts, &names, &n_names, &c->dir_diags);
        if (r >= 0 && n_names > 0) {
                dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dfd < 0)
                        r = -errno;
        }
        if (r >= 0 && n_names > 0) {
                entries = calloc(n_names, sizeof(ManifestCacheEntry));
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
                bool have = fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) >= 0;
                int cmp = 1;

                while (k < c->n && (cmp = strcmp(c->entries[k].name, names[i])) < 0)
                        entry_done(c->entries + k++);   /* a file that is gone */
                if (k < c->n && cmp == 0 && have && entry_matches(c->entries + k, &st)) {
                        entries[n++] = c->entries[k];
                        c->entries[k++] = (ManifestCacheEntry) {};
                        continue;
                }
                if (k < c->n && cmp == 0)
                        entry_done(c->entries + k++);
                r = entry_load(entries + n, dir, names[i], have ? &st : NULL, opts);
                n++;
                c->parsed++;
                if (r < 0)
                        break;
        }
        for (; k < c->n; k++)
                entry_done(c->entries + k);
        free(c->entries);
        c->entries = entries;
        c->n = n;
        if (r < 0)
                return r;
        {
                ManifestCacheEntry d = { .diags = c->dir_diags };
                r = view_append(view, &d);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < c->n; i++) {
                r = view_append(view, c->entries + i);
                if (r < 0)
                        return r;
        }
        return 0;
}

void manifest_cache_forget(ManifestCache *c, const char *name) {
        ManifestCacheEntry *e;

        assert(c);
        if (!name) {
                for (size_t i = 0; i < c->n; i++)
                        c->entries[i].stale = true;
                return;
        }
        e = c->n > 0 ? bsearch(name, c->entries, c->n, sizeof(ManifestCacheEntry), entry_cmp) : NULL;
        if (e)
                e->stale = true;
}

void manifest_cache_view_release(ManifestCacheView *view) {
        assert(view);
        for (size_t i = 0; i < view->list.n; i++)
                if (!view->list.items[i].job && view->origin[i]->job) {
                        view->origin[i]->job = NULL;    /* (the union's other member, cron_job, too) */
                        view->entry[i]->stale = true;
                }
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
        for (size_t i = 0; i < c->n; i++)
                entry_done(c->entries + i);
        free(c->entries);
        diag_list_done(&c->dir_diags);
        *c = (ManifestCache) {};
}
