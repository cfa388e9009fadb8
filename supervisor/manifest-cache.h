/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "jobsd/diag.h"
#include "jobsd/manifest.h"
#include "name-index.h"

/* The parsed manifests of one directory, kept between reloads: a full load parses again only the files
 * that changed (by their inode, size, times, mode and owner, or because inotify named them), at the cost
 * of a directory listing; a scoped reload (manifest_cache_refresh()) looks at the named files only, and
 * finds the other files defining the same names through the index (ManifestIndex). */

/* A name (kind, namespace, name) an object of a file defines: kept after the object is taken. */
typedef struct ManifestKey {
        char *namespace;                /* owned (the cache's keys: a pooled string, manifest-cache.c); NULL:
                                         * not named, not indexed */
        char *name;                     /* owned */
        ManifestKind kind;              /* MANIFEST_JOB or MANIFEST_CRON_JOB; other kinds have no name */
        bool generated;                 /* a Job's name from generateName */
} ManifestKey;

typedef struct ManifestCache ManifestCache;
typedef struct ManifestCacheEntry ManifestCacheEntry;

/* The bytes of a file as parsed, kept for a while (ManifestCache.keep_func). */
typedef struct ManifestBytes {
        const ManifestCacheEntry *entry;
        const char *data;               /* NULL: taken as often as wanted, let go of */
        size_t size;
        unsigned wanted;                /* takes still to come (manifest_cache_entry_bytes_taken()) */
        unsigned chunk;
} ManifestBytes;

/* Where they are kept: in chunks of their own (large, so mapped and given back whole where glibc maps
 * large blocks: no holes left in the heap between what the parse keeps), each chunk let go of once every
 * file in it was taken as often as wanted (files are taken mostly in the order they were parsed, so the
 * start's bytes do not pile up), the items sorted by the entries' names while they come in that order (a
 * full load's). */
typedef struct ManifestBytesStore {
        ManifestBytes *items;
        size_t n, n_allocated;
        bool unsorted;
        char **chunks;                  /* NULL: let go of */
        unsigned *live;                 /* per chunk: its items still wanted */
        size_t n_chunks, used;          /* used: of the last chunk */
} ManifestBytesStore;

struct ManifestCacheEntry {
        ManifestCache *cache;
        const char *name;               /* in the directory: the end of path */
        char *path;                     /* dir/name: what its objects' and diagnostics' file is */
        dev_t dev;
        ino_t ino;
        off_t size;
        mode_t mode;
        uid_t uid;
        struct timespec mtim, ctim;
        unsigned visited;               /* the reload generation that looked at it last (ManifestIndex) */
        bool stale;                     /* parse again at the next load */
        bool bad;                       /* its last parse had errors, or no object: it keeps what it defined */
        bool diags_pooled;              /* diags' strings are shared: file is path, the rest pooled */
        bool has_bytes;                 /* the bytes parsed are kept (manifest_cache_entry_bytes()) */
        uint64_t logged;                /* its user's mark of the diagnostics it logged last (manifest-reload.c:
                                         * a hash of their text and the file's times), 0: none; kept when the
                                         * file is parsed again */
        ManifestList list;              /* owned; a taken object leaves NULL, no file, no apiVersion (and the
                                         * entry stale) */
        DiagList diags;                 /* owned; its strings shared (diags_pooled) */
        char **fingerprints;            /* per object, as its user computed it (NULL: not yet); owned */
        ManifestKey *keys;              /* per object of list: its name, indexed (ManifestIndex) */
        ManifestKey *held;              /* names of objects loaded from this bad file that it no longer
                                         * defines, kept (manifest_cache_entry_hold()); cleared by a good parse */
        size_t n_held;
};

/* One definition of a name: object i of entry. */
typedef struct ManifestDefinition {
        ManifestCacheEntry *entry;
        size_t i;
} ManifestDefinition;

/* Every definition of one name, in the files of all the caches sharing the index (in no order). */
typedef struct ManifestIndexSlot {
        ManifestDefinition *defs;       /* never empty: the slot's name is its first definition's; &one
                                         * until a second definition comes */
        unsigned n_defs, n_allocated;
        ManifestKind kind;
        ManifestDefinition one;         /* most names have one definition: no array of their own */
} ManifestIndexSlot;

/* The index of the names the files define, shared by the caches of one reload (the manifest directory
 * and the API's objects), kept up to date as entries are parsed and dropped: a name's definitions are
 * found without a walk of all files. */
typedef struct ManifestIndex {
        NameIndex jobs, cron_jobs;      /* ManifestIndexSlot by "namespace/name" */
        unsigned generation;            /* of the current reload: entries visited carry it */
        /* Names every reload decides again, as a full reload would (manifest-reload.c): a refused change,
         * a Job whose record could not be read, a CronJob whose state file could not, a name defined
         * twice. Few. */
        ManifestKey *sticky;
        size_t n_sticky;
} ManifestIndex;

/* Names a generateName Job (mf->job->metadata.name NULL) at parse: a string allocated, NULL on failure. */
typedef char *(*ManifestNameFunc)(const Manifest *mf, void *userdata);

/* How often the bytes of the file just parsed into e (its names known) will be taken (0: not kept): they
 * are kept until then, or until manifest_cache_drop_bytes(); copies of the file the caller takes from
 * them. */
typedef unsigned (*ManifestKeepFunc)(const ManifestCacheEntry *e, void *userdata);

struct ManifestCache {
        ManifestCacheEntry **entries;   /* sorted by name, as the directory is loaded */
        size_t n;
        DiagList dir_diags;             /* the directory's own, from the last load */
        unsigned parsed;                /* files parsed by the last load, for the tests and the benchmarks */
        ManifestIndex *index;           /* where its entries' names are indexed; NULL: nowhere */
        unsigned rank;                  /* its place in the load order among the caches of the index */
        ManifestNameFunc name_func;     /* NULL: generateName Jobs stay unnamed, not indexed */
        void *name_userdata;
        bool loaded;                    /* a full load happened (manifest_cache_load()) */
        bool forgot_all;                /* manifest_cache_forget(NULL) since the last full load */
        char **touched;                 /* named by manifest_cache_forget() since: for a scoped reload */
        size_t n_touched;
        uint32_t *move_cookies;         /* renames of manifest files whose second half (IN_MOVED_TO) is not
                                         * read yet (manifest_cache_moved()) */
        size_t n_move_cookies;
        ManifestKeepFunc keep_func;     /* NULL: no bytes kept */
        void *keep_userdata;
        ManifestBytesStore bytes;
};

/* A load's result: its items and diagnostics are the cache's (copies of the structures, pointing at what
 * the cache owns). An object a caller takes (sets the view's job or cron_job to NULL after taking it)
 * is handed over with manifest_cache_view_release(). */
typedef struct ManifestCacheView {
        ManifestList list;              /* the array is the view's, what it points to the cache's */
        DiagList diags;                 /* likewise */
        Manifest **origin;              /* origin[i]: the cache's Manifest that list.items[i] copies */
        ManifestCacheEntry **entry;     /* entry[i]: the entry it belongs to */
        size_t n_allocated, n_diags_allocated;
} ManifestCacheView;

/* As manifest_load_directory_full(dir, opts, …) (the same objects and diagnostics, in the same order,
 * and -EPERM for an untrusted directory), appended to *view, parsing only what changed. Clears what
 * manifest_cache_forget() named. */
int manifest_cache_load(ManifestCache *c, const char *dir, const ManifestLoadOptions *opts, ManifestCacheView *view);

/* Parse name (NULL: every file) again at the next load; remembered for a scoped reload. */
void manifest_cache_forget(ManifestCache *c, const char *name);

/* inotify's IN_MOVED_FROM (from) or IN_MOVED_TO of name, with its cookie. A manifest file renamed is a
 * move of its objects only if both names are looked at in the same reload: while the second half of a
 * rename is not read (it may be still queued, or the file left the directory), no scoped reload. */
void manifest_cache_moved(ManifestCache *c, const char *name, uint32_t cookie, bool from);

/* Whether the changes since the last load are all named (manifest_cache_forget() with a name), and the
 * last full load saw a readable, trusted directory: then a scoped reload of the named files is exact. */
bool manifest_cache_can_scope(const ManifestCache *c);

/* Called with each name a refreshed entry defined before or defines now (or holds). */
typedef int (*ManifestKeyFunc)(const ManifestKey *k, void *userdata);

/* A scoped load of one file of dir: stats it; parses it again if force, if it changed or if stale; drops
 * its entry if the file is gone (or no longer a manifest file). Keeps the index up to date and reports
 * the names of the old and the new entry to key_func. Marks the entry visited. Returns 1 if the entry
 * changed (parsed or dropped: its diagnostics are new), 0 if not, < 0 on failure. */
int manifest_cache_refresh(ManifestCache *c, const char *dir, const char *name, const ManifestLoadOptions *opts,
                           bool force, ManifestKeyFunc key_func, void *userdata);

ManifestCacheEntry *manifest_cache_find(const ManifestCache *c, const char *name);

/* Keeps name loaded from the bad file of e as the file's (a KEEP decision): a later scoped reload of e
 * looks at it again. */
int manifest_cache_entry_hold(ManifestCacheEntry *e, ManifestKind kind, const char *namespace, const char *name);

/* Appends object i of entry e to a view (a scoped reload's). */
int manifest_cache_view_add(ManifestCacheView *view, ManifestCacheEntry *e, size_t i);

/* For each object of the view a caller took (its job or cron_job now NULL): the cache lets go of it too
 * (and of its file's name, apiVersion and fingerprint: the view's copies of them are gone), and parses its
 * file again at the next load. */
void manifest_cache_view_release(ManifestCacheView *view);

/* Where the user of a view keeps a string derived from object i alone (a Job's fingerprint), so that the
 * next load of an unchanged file hands it back: NULL on allocation failure. */
char **manifest_cache_view_fingerprint(ManifestCacheView *view, size_t i);
void manifest_cache_view_done(ManifestCacheView *view);
/* Drops every entry (and its names from the index). */
void manifest_cache_done(ManifestCache *c);

/* The bytes e's objects were parsed from, if kept (keep_func said so when it was parsed, and
 * manifest_cache_drop_bytes() came not since): NUL-ended, *ret_size of them; else NULL. */
const char *manifest_cache_entry_bytes(const ManifestCacheEntry *e, size_t *ret_size);
/* One take of e's bytes is done (the bytes of a chunk whose files were all taken as often as wanted are
 * let go of). */
void manifest_cache_entry_bytes_taken(const ManifestCacheEntry *e);
/* Lets go of every file's bytes kept. */
void manifest_cache_drop_bytes(ManifestCache *c);

ManifestIndexSlot *manifest_index_find(const ManifestIndex *x, ManifestKind kind, const char *namespace,
                                       const char *name);
void manifest_index_done(ManifestIndex *x);

/* The sticky names (ManifestIndex): whether one is, add one, drop those pred says (NULL: all). */
bool manifest_index_sticky(const ManifestIndex *x, ManifestKind kind, const char *namespace, const char *name);
int manifest_index_stick(ManifestIndex *x, ManifestKind kind, const char *namespace, const char *name);
void manifest_index_unstick_if(ManifestIndex *x, bool (*pred)(const ManifestKey *k, void *userdata), void *userdata);

/* Appends to view every definition of the names (each once: names without duplicates), in the order of a
 * full load of the caches sharing the index. -ESTALE: one's object was taken (its file is to be parsed
 * again first). */
int manifest_index_view(const ManifestIndex *x, const ManifestKey *const *names, size_t n_names,
                        ManifestCacheView *view);
