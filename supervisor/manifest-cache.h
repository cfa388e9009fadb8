/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <sys/stat.h>

#include "jobsd/diag.h"
#include "jobsd/manifest.h"

/* The parsed manifests of one directory, kept between reloads: a reload parses again only the files
 * that changed (by their inode, size, times, mode and owner, or because inotify named them), so a file
 * event costs a directory listing and the parse of that file, not a parse of every file. */

typedef struct ManifestCacheEntry {
        char *name;                     /* in the directory */
        dev_t dev;
        ino_t ino;
        off_t size;
        mode_t mode;
        uid_t uid;
        struct timespec mtim, ctim;
        bool stale;                     /* parse again at the next load */
        ManifestList list;              /* owned; a taken object leaves NULL (and the entry stale) */
        DiagList diags;                 /* owned */
        char **fingerprints;            /* per object, as its user computed it (NULL: not yet); owned */
} ManifestCacheEntry;

typedef struct ManifestCache {
        ManifestCacheEntry *entries;    /* sorted by name, as the directory is loaded */
        size_t n;
        DiagList dir_diags;             /* the directory's own, from the last load */
        unsigned parsed;                /* files parsed by the last load, for the tests and the benchmarks */
} ManifestCache;

/* A load's result: its items and diagnostics are the cache's (copies of the structures, pointing at what
 * the cache owns). An object a caller takes (sets the view's job or cron_job to NULL after taking it)
 * is handed over with manifest_cache_view_release(). */
typedef struct ManifestCacheView {
        ManifestList list;              /* the array is the view's, what it points to the cache's */
        DiagList diags;                 /* likewise */
        Manifest **origin;              /* origin[i]: the cache's Manifest that list.items[i] copies */
        ManifestCacheEntry **entry;     /* entry[i]: the entry it belongs to */
} ManifestCacheView;

/* As manifest_load_directory_full(dir, opts, …) (the same objects and diagnostics, in the same order,
 * and -EPERM for an untrusted directory), appended to *view, parsing only what changed. */
int manifest_cache_load(ManifestCache *c, const char *dir, const ManifestLoadOptions *opts, ManifestCacheView *view);

/* Parse name (NULL: every file) again at the next load. */
void manifest_cache_forget(ManifestCache *c, const char *name);

/* For each object of the view a caller took (its job or cron_job now NULL): the cache lets go of it too,
 * and parses its file again at the next load. */
void manifest_cache_view_release(ManifestCacheView *view);

/* Where the user of a view keeps a string derived from object i alone (a Job's fingerprint), so that the
 * next load of an unchanged file hands it back: NULL on allocation failure. */
char **manifest_cache_view_fingerprint(ManifestCacheView *view, size_t i);
void manifest_cache_view_done(ManifestCacheView *view);
void manifest_cache_done(ManifestCache *c);
