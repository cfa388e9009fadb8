/* SPDX-License-Identifier: Apache-2.0 */
/* The manifest directory: watched with inotify (100 ms coalescing), loaded, and the Jobs and CronJobs brought in line with it. */
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>

#include "jobsd/hash.h"
#include "jobsd/log.h"
#include "jobsd/strv.h"
#include "cronjob-manager.h"
#include "job-change.h"
#include "job-delete.h"
#include "job-run.h"
#include "managed-job.h"
#include "manifest-cache.h"
#include "manifest-diff.h"
#include "api-create.h"
#include "api-objects.h"
#include "manifest-reload.h"

static void log_diag(const Diag *d) {
        _cleanup_(freep) char *s = diag_format(d);

        if (!s)
                return;
        sd_journal_send("MESSAGE=%s", s,
                        "PRIORITY=%d", d->level == DIAG_ERROR ? 3 : 4,
                        "CONFIG_FILE=%s", strempty(d->file),
                        "CONFIG_LINE=%zu", d->line + 1,
                        "CONFIG_COLUMN=%zu", d->column + 1,
                        NULL);
}

/* Logs the diagnostics of each file once: again only when the file (inode, size, times) or what it
 * reports changed since the last reload, so that an unchanged bad file is not reported on every reload
 * that another file's change causes. */
static int key_cmp(const void *a, const void *b) {
        return strcmp(*(char * const *) a, *(char * const *) b);
}

/* What identifies a file's diagnostics as logged: a hash of their text and the file's inode, size and
 * times, never 0. A file of the caches keeps it in its entry (ManifestCacheEntry.logged, 8 bytes), and
 * the inode, size and times are the entry's (those of the version parsed: no lstat() of the path for
 * each file); others (the directory's own diagnostics) as "PATH\nHASH" in m->diag_keys, sorted, with
 * the file's lstat(). */
static uint64_t diag_hash(const char *path, const ManifestCacheEntry *e, const Diag *items, size_t n) {
        uint64_t h = FNV1A64_INIT;
        struct stat st = {};
        uint64_t v[6];

        for (size_t i = 0; i < n; i++) {
                _cleanup_(freep) char *s = diag_format(items + i);
                h = fnv1a64_str(h, strempty(s));
        }
        if (e) {
                st.st_ino = e->ino, st.st_size = e->size, st.st_mtim = e->mtim, st.st_ctim = e->ctim;
        } else
                (void) lstat(path, &st);
        v[0] = st.st_ino, v[1] = st.st_size, v[2] = st.st_mtim.tv_sec, v[3] = st.st_mtim.tv_nsec;
        v[4] = st.st_ctim.tv_sec, v[5] = st.st_ctim.tv_nsec;
        h = fnv1a64(h, v, sizeof(v));
        return h ?: 1;
}

static char *diag_key(const char *path, const Diag *items, size_t n) {
        return strprintf("%s\n%016" PRIx64, path, diag_hash(path, NULL, items, n));
}

/* The first of the n sorted keys not below s. */
static size_t keys_lower_bound(char * const *keys, size_t n, const char *s) {
        size_t lo = 0, hi = n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (strcmp(keys[mid], s) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

static ManifestCacheEntry *entry_of_file(Manager *m, const char *file);

/* The entry whose diagnostics these are (a view's copies of them), or NULL. */
static ManifestCacheEntry *diags_entry(Manager *m, const Diag *items, size_t n) {
        ManifestCacheEntry *e = entry_of_file(m, items[0].file);

        return e && e->diags.n == n && e->diags.items[0].message == items[0].message ? e : NULL;
}

/* Logs what is new of a full reload's diagnostics. An entry whose diagnostics are not in d (none, or not
 * loaded: an untrusted directory) forgets its mark, so that they are logged again when they come back, as
 * a file's that is gone. */
static void log_diags(Manager *m, const DiagList *d) {
        _cleanup_(strv_freep) char **keys = NULL;
        _cleanup_(freep) ManifestCacheEntry **entries = calloc(d->n + 1, sizeof(ManifestCacheEntry *));
        _cleanup_(freep) uint64_t *marks = calloc(d->n + 1, sizeof(uint64_t));
        size_t n_keys = 0, n_old = strv_length(m->diag_keys);
        ManifestCache *caches[] = { &m->manifest_cache, &m->api_object_cache };

        /* The marks of the entries in d, before every entry's is cleared. (Without memory for them: none,
         * and all is logged.) */
        if (!entries || !marks) {
                entries = mfree(entries);
                marks = mfree(marks);
        }
        for (size_t i = 0; entries && i < d->n;) {
                const char *file = strempty(d->items[i].file);
                size_t k;

                for (k = i; k < d->n && streq(strempty(d->items[k].file), file); k++)
                        ;
                entries[i] = diags_entry(m, d->items + i, k - i);
                if (entries[i])
                        marks[i] = entries[i]->logged;
                i = k;
        }
        for (size_t c = 0; c < ELEMENTSOF(caches); c++)
                for (size_t i = 0; i < caches[c]->n; i++)
                        caches[c]->entries[i]->logged = 0;
        for (size_t i = 0; i < d->n;) {
                const char *file = strempty(d->items[i].file);
                ManifestCacheEntry *e = entries ? entries[i] : NULL;
                size_t k;
                char *key;

                for (k = i; k < d->n && streq(strempty(d->items[k].file), file); k++)
                        ;
                if (e || (!entries && (e = diags_entry(m, d->items + i, k - i)))) {
                        uint64_t h = diag_hash(file, e, d->items + i, k - i);
                        if (!marks || h != marks[i])
                                for (size_t x = i; x < k; x++)
                                        log_diag(d->items + x);
                        e->logged = h;
                        i = k;
                        continue;
                }
                key = diag_key(file, d->items + i, k - i);
                /* The last reload's keys are sorted: one lookup is O(log n), not a walk of them all. */
                if (!key || !m->diag_keys || !bsearch(&key, m->diag_keys, n_old, sizeof(char *), key_cmp))
                        for (size_t x = i; x < k; x++)
                                log_diag(d->items + x);
                if (key)
                        (void) strv_push_n(&keys, &n_keys, key);
                i = k;
        }
        if (keys)
                qsort(keys, n_keys, sizeof(char *), key_cmp);
        strv_free(m->diag_keys);
        m->diag_keys = TAKE_PTR(keys);
}

/* spec §1.1 generateName: the name is chosen once per manifest file and document, and kept in the state
 * directory, so reloads and restarts find the same Job. */
static char *generated_name(Manager *m, const Manifest *mf) {
        static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
        _cleanup_(freep) char *dir = strprintf("%s/names", m->state_dir), *path = NULL, *key = NULL;
        char buf[300] = "", suffix[6];
        uint64_t h;
        sd_id128_t rnd;
        FILE *f;

        if (!dir)
                return NULL;
        key = strprintf("%s#%zu", mf->file, mf->document);
        if (!key)
                return NULL;
        h = fnv1a64_str(FNV1A64_INIT, key);
        path = strprintf("%s/%016" PRIx64, dir, h);
        if (!path)
                return NULL;
        f = fopen(path, "re");
        if (f) {
                if (!fgets(buf, sizeof(buf), f))
                        buf[0] = 0;
                fclose(f);
                buf[strcspn(buf, "\n")] = 0;
                if (*buf)
                        return strdup(buf);
        }
        if (sd_id128_randomize(&rnd) < 0)
                return NULL;
        for (size_t i = 0; i < 5; i++)
                suffix[i] = alphabet[rnd.bytes[i] % (sizeof(alphabet) - 1)];
        suffix[5] = 0;
        snprintf(buf, sizeof(buf), "%.58s%s", mf->job->metadata.generate_name, suffix);
        (void) mkdir(dir, 0700);
        f = fopen(path, "we");
        if (f) {
                fprintf(f, "%s\n", buf);
                fclose(f);
        }
        return strdup(buf);
}

static char *reload_generated_name(const Manifest *mf, void *userdata) {
        return generated_name(userdata, mf);
}

static int free_and_strdup(char **p, const char *s) {
        char *c = strdup(s);

        if (!c)
                return -ENOMEM;
        free(*p);
        *p = c;
        return 0;
}

/* A CronJob whose manifest was renamed: it and its Jobs follow the new file. */
static int move_cron_job(Manager *m, ManagedCronJob *c, const char *file) {
        _cleanup_(freep) char *old = c->file;

        c->file = strdup(file);
        if (!c->file) {
                c->file = TAKE_PTR(old);
                return -ENOMEM;
        }
        log_info("%s/%s: CronJob now defined in %s (was %s)", managed_cron_job_namespace(c),
                 c->cj->metadata.name, file, old);
        CronChildren *g = manager_cron_children(m, managed_cron_job_namespace(c), c->cj->metadata.name);
        for (ManagedJob *j = g ? g->first : NULL; j; j = j->cron_next)
                if (streq(j->file, old))
                        (void) free_and_strdup(&j->file, file);
        return 0;
}

/* What manifest_diff() compares, and what its decisions point at: defined[i] comes from manifests[i];
 * loaded[] holds copies (owned), as syncs during the reload may delete Jobs (CronJob history, TTL). */
typedef struct ReloadInput {
        DefinedObject *defined;
        Manifest **manifests;
        size_t n_defined;
        LoadedObject *loaded;
        size_t n_loaded, n_loaded_allocated;
        char **strings;                 /* what loaded[] points to and owns */
        size_t n_strings;
} ReloadInput;

static void reload_input_done(ReloadInput *in) {
        free(in->defined);
        free(in->manifests);
        free(in->loaded);
        for (size_t i = 0; i < in->n_strings; i++)
                free(in->strings[i]);
        free(in->strings);
        *in = (ReloadInput) {};
}

/* Room for n objects loaded: their LoadedObjects and the strings they own (five each at most). */
static int reload_input_alloc_loaded(ReloadInput *in, size_t n) {
        in->loaded = calloc(n + 1, sizeof(LoadedObject));
        in->strings = calloc(5 * n + 1, sizeof(char *));
        in->n_loaded_allocated = n;
        return in->loaded && in->strings ? 0 : -ENOMEM;
}

/* Keeps s (taken) in in->strings, which has room for it (allocated for every string at once). */
static const char *keep(ReloadInput *in, char *s) {
        if (s)
                in->strings[in->n_strings++] = s;
        return s;
}

/* A copy kept in in->strings; NULL stays NULL. */
static int keep_copy(ReloadInput *in, const char *s, const char **ret) {
        *ret = NULL;
        if (!s)
                return 0;
        *ret = keep(in, strdup(s));
        return *ret ? 0 : -ENOMEM;
}

/* The cache and the entry of a file of the manifest directory or of the API's objects; NULL: neither. */
static ManifestCacheEntry *entry_of_file(Manager *m, const char *file) {
        const char *p;

        if (!file)
                return NULL;
        p = startswith(file, m->manifest_dir);
        if (p && p[0] == '/' && !strchr(p + 1, '/'))
                return manifest_cache_find(&m->manifest_cache, p + 1);
        p = startswith(file, m->state_dir);
        if (p && (p = startswith(p, "/" API_OBJECTS_DIR "/")) && !strchr(p, '/'))
                return manifest_cache_find(&m->api_object_cache, p);
        return NULL;
}

/* Keeps the bytes of a file just parsed for the manifest copies of the new Jobs it defines (managed-job.c
 * takes a new Job's copy from them, the version parsed, instead of reading the file again): with the
 * start's listing, for each Job it defines without a record (a restart keeps none); without one (a scoped
 * reload parses few files), for each Job it defines. Until taken as often, or the end of the reload. */
static unsigned reload_keep_bytes(const ManifestCacheEntry *e, void *userdata) {
        Manager *m = userdata;
        bool listed = state_store_listed(m->state_dir);
        unsigned n = 0;

        for (size_t i = 0; e->keys && i < e->list.n; i++) {
                const ManifestKey *k = e->keys + i;

                if (k->kind == MANIFEST_JOB && k->namespace &&
                    (!listed || !state_store_may_exist(m->state_dir, k->namespace, k->name, "state")))
                        n++;
        }
        return n;
}

static void reload_drop_bytes(Manager *m) {
        manifest_cache_drop_bytes(&m->manifest_cache);
        manifest_cache_drop_bytes(&m->api_object_cache);
}

const char *manifest_reload_parsed_bytes(Manager *m, const char *file, size_t *ret_size) {
        assert(m);
        assert(ret_size);

        return manifest_cache_entry_bytes(entry_of_file(m, file), ret_size);
}

void manifest_reload_parsed_bytes_taken(Manager *m, const char *file) {
        assert(m);

        manifest_cache_entry_bytes_taken(entry_of_file(m, file));
}

/* Whether a file had errors (or no object) at its last parse: it keeps what it defined. */
static bool file_is_bad(Manager *m, const char *file) {
        ManifestCacheEntry *e = entry_of_file(m, file);

        return e && e->bad;
}

/* The defined objects of the view, in its order: generateName resolved (by the cache, at parse),
 * fingerprints and tombstones looked up (a tombstone only for a name not loaded: looking at one of a
 * changed Job removes it). */
static int describe_defined(Manager *m, ManifestCacheView *view, ReloadInput *in) {
        ManifestList *list = &view->list;

        in->defined = calloc(list->n + 1, sizeof(DefinedObject));
        in->manifests = calloc(list->n + 1, sizeof(Manifest *));
        if (!in->defined || !in->manifests)
                return -ENOMEM;
        for (size_t i = 0; i < list->n; i++) {
                Manifest *mf = list->items + i;
                ManifestCacheEntry *e = view->entry[i];
                const ManifestKey *k = e->keys ? e->keys + (view->origin[i] - e->list.items) : NULL;
                DefinedObject *d = in->defined + in->n_defined;
                const char *fp;

                if (mf->kind == MANIFEST_CRON_JOB) {
                        *d = (DefinedObject) { .kind = MANIFEST_OBJECT_CRON_JOB,
                                               .namespace = job_namespace(&mf->cron_job->metadata),
                                               .name = mf->cron_job->metadata.name, .file = mf->file,
                                               .file_has_errors = e->bad };
                        in->manifests[in->n_defined++] = mf;
                        continue;
                }
                if (mf->kind != MANIFEST_JOB)
                        continue;
                *d = (DefinedObject) { .kind = MANIFEST_OBJECT_JOB, .file = mf->file, .file_has_errors = e->bad,
                                       .job = mf->job, .generated_name = k && k->generated };
                if (!mf->job->metadata.name) {
                        mf->job->metadata.name = generated_name(m, mf);
                        if (!mf->job->metadata.name)
                                return -ENOMEM;
                        d->generated_name = true;
                }
                d->namespace = job_namespace(&mf->job->metadata);
                d->name = mf->job->metadata.name;
                /* A rendering of the Job: kept with the parsed file, made again only when the file is. */
                char **slot = manifest_cache_view_fingerprint(view, i);
                if (!slot)
                        return -ENOMEM;
                if (!*slot)
                        *slot = job_fingerprint(mf, m);
                fp = *slot;
                if (!fp)
                        return -ENOMEM;
                d->fingerprint = fp;
                d->tombstoned = !manager_find_job(m, d->namespace, d->name) &&
                                job_is_tombstoned(m, d->namespace, d->name, fp);
                in->manifests[in->n_defined++] = mf;
        }
        return 0;
}

static int describe_loaded_job(Manager *m, ReloadInput *in, const ManagedJob *j) {
        LoadedObject *l;

        assert(in->n_loaded < in->n_loaded_allocated);
        l = in->loaded + in->n_loaded++;
        *l = (LoadedObject) { .kind = MANIFEST_OBJECT_JOB, .file_has_errors = file_is_bad(m, j->file),
                              .job = j->job, .finished = job_status_is_finished(&j->record.status) };
        TRY(keep_copy(in, managed_job_namespace(j), &l->namespace));
        TRY(keep_copy(in, j->job->metadata.name, &l->name));
        TRY(keep_copy(in, j->file, &l->file));
        TRY(keep_copy(in, j->fingerprint, &l->fingerprint));
        TRY(keep_copy(in, j->cron_owner, &l->cron_owner));
        return 0;
}

static int describe_loaded_cron_job(Manager *m, ReloadInput *in, const ManagedCronJob *c) {
        LoadedObject *l;

        assert(in->n_loaded < in->n_loaded_allocated);
        l = in->loaded + in->n_loaded++;
        *l = (LoadedObject) { .kind = MANIFEST_OBJECT_CRON_JOB, .file_has_errors = file_is_bad(m, c->file) };
        TRY(keep_copy(in, managed_cron_job_namespace(c), &l->namespace));
        TRY(keep_copy(in, c->cj->metadata.name, &l->name));
        TRY(keep_copy(in, c->file, &l->file));
        return 0;
}

/* Every loaded Job, then every CronJob. */
static int describe_loaded(Manager *m, ReloadInput *in) {
        TRY(reload_input_alloc_loaded(in, m->n_jobs + m->n_cron_jobs));
        for (size_t i = 0; i < m->n_jobs; i++)
                TRY(describe_loaded_job(m, in, m->jobs[i]));
        for (size_t i = 0; i < m->n_cron_jobs; i++)
                TRY(describe_loaded_cron_job(m, in, m->cron_jobs[i]));
        return 0;
}

static int add_job(Manager *m, Manifest *mf, const char *fingerprint) {
        ManagedJob *j;
        int r;

        r = managed_job_new(m, mf, fingerprint, &j);
        if (r < 0)
                return r;
        mf->job = NULL;
        r = managed_job_load_record(j);
        if (r < 0) {
                /* An unreadable state file (reported): not run until it is repaired or removed. */
                managed_job_free(j);
                return 0;
        }
        r = manager_add_job(m, j);
        if (r < 0) {
                managed_job_free(j);
                return r;
        }
        managed_job_adopt_units(m, j);
        manager_sync_job(m, j);
        return 0;
}

/* Changed content: a finished Job runs again with it; a running one takes it (what Kubernetes lets change:
 * the diff refused anything else). */
static int update_job(Manager *m, ManagedJob *j, Manifest *mf, const char *fingerprint, bool rerun) {
        int r;

        r = free_and_strdup(&j->fingerprint, fingerprint);
        if (r < 0)
                return r;
        job_free(j->job);
        j->job = TAKE_PTR(mf->job);
        managed_job_apply_suspend(j, j->job->spec.suspend);
        if (rerun) {
                r = managed_job_record_new(j);
                if (r < 0)
                        return r;
        } else {
                free(j->record.manifest_hash);
                j->record.manifest_hash = strdup(j->fingerprint);
                (void) managed_job_save_manifest_copy(j);
        }
        manager_sync_job(m, j);
        return 0;
}

/* Carries out one decision of manifest_diff(). The object is looked up again by name: a sync earlier in
 * the reload may have deleted it (TTL, CronJob history); then there is nothing left to do. */
static int carry_out(Manager *m, const ReloadInput *in, const ManifestDecision *x) {
        const DefinedObject *d = x->defined != MANIFEST_DIFF_NONE ? in->defined + x->defined : NULL;
        const LoadedObject *l = x->loaded != MANIFEST_DIFF_NONE ? in->loaded + x->loaded : NULL;
        Manifest *mf = d ? in->manifests[x->defined] : NULL;
        const char *namespace = d ? d->namespace : l->namespace, *name = d ? d->name : l->name;
        ManagedJob *j = NULL;
        ManagedCronJob *c = NULL;

        if (x->kind == MANIFEST_OBJECT_JOB)
                j = manager_find_job(m, namespace, name);
        else
                c = manager_find_cron_job(m, namespace, name);

        switch (x->type) {
        case DECISION_ADD:
                if (x->kind == MANIFEST_OBJECT_CRON_JOB)
                        return manager_update_cron_job(m, mf);
                return j ? 0 : add_job(m, mf, d->fingerprint);
        case DECISION_UPDATE:
                if (x->kind == MANIFEST_OBJECT_CRON_JOB)
                        return c ? manager_update_cron_job(m, mf) : 0;
                return j ? update_job(m, j, mf, d->fingerprint, x->rerun) : 0;
        case DECISION_MOVE:
                if (c)
                        return move_cron_job(m, c, d->file);
                if (!j)
                        return 0;
                log_info("%s/%s: now defined in %s (was %s)", namespace, name, d->file, j->file);
                return free_and_strdup(&j->file, d->file);
        case DECISION_REFUSE:
                if (j)
                        job_refuse_change(j, d->file, x->field);
                return 0;
        case DECISION_DUPLICATE:
                log_error("%s: %s %s is already defined in %s, ignoring this one", d->file,
                          x->kind == MANIFEST_OBJECT_CRON_JOB ? "CronJob" : "Job", name, x->file);
                return 0;
        case DECISION_DELETE:
                if (c)
                        manager_remove_cron_job(m, c);
                else if (j && !j->cron_owner) {
                        log_info("%s: no longer defines Job %s: deleting it", j->file, name);
                        (void) manager_delete_job(m, j, "background");
                }
                return 0;
        case DECISION_UNCHANGED:
        case DECISION_TOMBSTONED:
        case DECISION_KEEP:
        default:
                return 0;
        }
}

static ManifestKind manifest_kind(ManifestObjectKind k) {
        return k == MANIFEST_OBJECT_CRON_JOB ? MANIFEST_CRON_JOB : MANIFEST_JOB;
}

/* After a decision is carried out: what a full reload would decide again at every reload stays in scope
 * (sticky): a refused change (taken once the Job finished), a Job whose record could not be read (taken
 * once it is repaired), a CronJob whose state file could not be read (looked at again), a name defined
 * twice (its duplicate reported again); and what a bad file keeps is held by its entry. namespace and name
 * are copies: carrying out an addition may have freed the definition's. */
static int after_decision(Manager *m, const ReloadInput *in, const ManifestDecision *x, const char *namespace,
                          const char *name) {
        const LoadedObject *l = x->loaded != MANIFEST_DIFF_NONE ? in->loaded + x->loaded : NULL;
        bool stick = false;

        switch (x->type) {
        case DECISION_REFUSE:
        case DECISION_DUPLICATE:
                stick = true;
                break;
        case DECISION_ADD:
        case DECISION_UPDATE:
                if (x->kind == MANIFEST_OBJECT_JOB)
                        stick = !manager_find_job(m, namespace, name);
                else {
                        ManagedCronJob *c = manager_find_cron_job(m, namespace, name);
                        stick = !c || c->status_bad;
                }
                break;
        case DECISION_KEEP: {
                ManifestCacheEntry *e = l ? entry_of_file(m, l->file) : NULL;
                if (e)
                        TRY(manifest_cache_entry_hold(e, manifest_kind(x->kind), namespace, name));
                break;
        }
        default:
                break;
        }
        if (stick)
                TRY(manifest_index_stick(&m->manifest_index, manifest_kind(x->kind), namespace, name));
        return 0;
}

static int carry_out_all(Manager *m, const ReloadInput *in, const ManifestDiff *diff) {
        for (size_t i = 0; i < diff->n; i++) {
                const ManifestDecision *x = diff->items + i;
                const DefinedObject *d = x->defined != MANIFEST_DIFF_NONE ? in->defined + x->defined : NULL;
                const LoadedObject *l = x->loaded != MANIFEST_DIFF_NONE ? in->loaded + x->loaded : NULL;
                _cleanup_(freep) char *namespace = strdup(d ? d->namespace : l->namespace),
                        *name = strdup(d ? d->name : l->name);

                if (!namespace || !name)
                        return -ENOMEM;
                TRY(carry_out(m, in, x));
                TRY(after_decision(m, in, x, namespace, name));
        }
        return 0;
}

/* What the reload took from the cache's objects (new and changed Jobs and CronJobs) is theirs now. */
static void reload_view_done(ManifestCacheView *view) {
        manifest_cache_view_release(view);
        manifest_cache_view_done(view);
}

static char *api_objects_dir(Manager *m) {
        return strprintf("%s/" API_OBJECTS_DIR, m->state_dir);
}

/* Both caches, whole: every file stat()ed, the changed ones parsed. -EPERM: an untrusted directory. */
static int load_all(Manager *m, const ManifestLoadOptions *opts, ManifestCacheView *view) {
        _cleanup_(freep) char *api_dir = api_objects_dir(m);
        int r;

        if (!api_dir)
                return -ENOMEM;
        /* Only the files that changed since the last reload are parsed again (manifest-cache.h). */
        r = manifest_cache_load(&m->manifest_cache, m->manifest_dir, opts, view);
        if (r < 0)
                return r;
        /* Objects made through the Kubernetes API (api-create.c): files of the state directory. */
        if (access(api_dir, F_OK) >= 0)
                (void) manifest_cache_load(&m->api_object_cache, api_dir, opts, view);
        else {
                /* None: and none kept from before. */
                manifest_cache_done(&m->api_object_cache);
                m->api_object_cache.loaded = true;
        }
        return 0;
}

static void listing_endp(bool *listed) {
        if (*listed)
                state_store_listing_end();
}

/* Loads the manifest directory and brings the Jobs and CronJobs in line with it, as manifest_diff()
 * decides: new Jobs start, Jobs whose file is gone are deleted, changed ones follow the run-once rule. A
 * file with errors keeps its Jobs as they were: a half-written file never replaces a running Job. */
static int full_reload(Manager *m, const ManifestLoadOptions *opts) {
        _cleanup_(reload_view_done) ManifestCacheView view = {};
        _cleanup_(reload_input_done) ReloadInput in = {};
        _cleanup_(manifest_diff_done) ManifestDiff diff = {};
        _cleanup_(listing_endp) bool listed = false;
        int r;

        /* With nothing loaded (the start), every Job defined is looked up in the state directory: its
         * record, suspend override and tombstone, mostly absent. One listing of it answers for those
         * (state_store_listing_begin()); kept until the decisions are carried out. Nothing else runs
         * meanwhile: no request can write an override. */
        if (m->n_jobs == 0 && m->n_cron_jobs == 0)
                listed = state_store_listing_begin(m->state_dir) >= 0;
        r = load_all(m, opts, &view);
        if (r == -EPERM) {
                /* An untrusted directory: nothing in it is loaded, and nothing already running changes. */
                log_diags(m, &view.diags);
                return 0;
        }
        if (r < 0)
                return r;
        log_diags(m, &view.diags);
        TRY(describe_defined(m, &view, &in));
        TRY(describe_loaded(m, &in));
        TRY(manifest_diff(in.defined, in.n_defined, in.loaded, in.n_loaded, job_immutable_change, &diff));
        manifest_index_unstick_if(&m->manifest_index, NULL, NULL);
        r = carry_out_all(m, &in, &diff);
        if (listed)
                state_store_listing_end();
        listed = false;
        reload_drop_bytes(m);
        /* A full reload (the start's above all) leaves much of the heap free between what it keeps: the
         * parse's temporaries, the view, the descriptions. glibc gives back only the top of the heap by
         * itself; malloc_trim() returns the free pages inside it too (a few ms over 10,000 Jobs, only at
         * a full reload). */
        reload_view_done(&view);
        reload_input_done(&in);
        manifest_diff_done(&diff);
        (void) malloc_trim(0);
        return r;
}

/* JOBSD_VERIFY_SCOPED_RELOAD=1 (verify_scoped_reload()): read once; the check's own caches. */
static int verify_scoped = -1;
static ManifestCache verify_caches[2];
static void verify_forget(Manager *m, char **paths);

/* The names a scoped reload decides: a set (an index by kind) and the order they came in. */
typedef ManifestKey ScopeName;

typedef struct Scope {
        Manager *m;
        const ManifestKey **items;
        size_t n, n_allocated;
        NameIndex jobs, cron_jobs;
        char **changed;                 /* files whose entry was parsed again or dropped: their diagnostics */
        size_t n_changed;
} Scope;

static void scope_name_key(const void *item, const char **namespace, const char **name) {
        const ScopeName *s = item;

        *namespace = s->namespace;
        *name = s->name;
}

static void scope_done(Scope *sc) {
        for (size_t i = 0; i < sc->n; i++) {
                ScopeName *s = (ScopeName *) sc->items[i];
                free(s->namespace);
                free(s->name);
                free(s);
        }
        free(sc->items);
        name_index_done(&sc->jobs);
        name_index_done(&sc->cron_jobs);
        strv_free(sc->changed);
        *sc = (Scope) {};
}

static bool scope_has(const Scope *sc, ManifestKind kind, const char *namespace, const char *name) {
        return name_index_find(kind == MANIFEST_CRON_JOB ? &sc->cron_jobs : &sc->jobs, namespace, name);
}

static int scope_add(Scope *sc, ManifestKind kind, const char *namespace, const char *name) {
        NameIndex *x = kind == MANIFEST_CRON_JOB ? &sc->cron_jobs : &sc->jobs;
        ScopeName *s;

        if (kind != MANIFEST_JOB && kind != MANIFEST_CRON_JOB)
                return 0;
        if (name_index_find(x, namespace, name))
                return 0;
        if (sc->n >= sc->n_allocated) {
                size_t a = sc->n_allocated ? sc->n_allocated * 2 : 16;
                const ManifestKey **n = realloc(sc->items, sizeof(ManifestKey *) * a);
                if (!n)
                        return -ENOMEM;
                sc->items = n;
                sc->n_allocated = a;
        }
        s = calloc(1, sizeof(ScopeName));
        if (!s)
                return -ENOMEM;
        *s = (ScopeName) { .kind = kind, .namespace = strdup(namespace), .name = strdup(name) };
        x->key = scope_name_key;
        if (!s->namespace || !s->name || name_index_add(x, s) < 0) {
                free(s->namespace);
                free(s->name);
                free(s);
                return -ENOMEM;
        }
        sc->items[sc->n++] = s;
        return 0;
}

static int scope_key(const ManifestKey *k, void *userdata) {
        return scope_add(userdata, k->kind, k->namespace, k->name);
}

static const char *cache_dir(Manager *m, const ManifestCache *c, const char *api_dir) {
        return c == &m->manifest_cache ? m->manifest_dir : api_dir;
}

/* Looks at the file of entry e (or of path) once in this reload: parsed again if stale or changed, as a
 * full load would; its names join the scope if it was. */
static int scope_refresh(Scope *sc, ManifestCache *c, const char *dir, const char *name, bool force,
                         const ManifestLoadOptions *opts) {
        int r = manifest_cache_refresh(c, dir, name, opts, force, scope_key, sc);

        if (r > 0) {
                _cleanup_(freep) char *path = strprintf("%s/%s", dir, name);
                if (!path)
                        return -ENOMEM;
                r = strv_push_n(&sc->changed, &sc->n_changed, TAKE_PTR(path));
        }
        return r;
}

static int scope_refresh_file(Scope *sc, const char *file, const char *api_dir, const ManifestLoadOptions *opts) {
        ManifestCacheEntry *e = entry_of_file(sc->m, file);
        _cleanup_(freep) char *name = NULL;

        if (!e || e->visited == sc->m->manifest_index.generation)
                return 0;
        /* A copy: the refresh may drop the entry. */
        name = strdup(e->name);
        if (!name)
                return -ENOMEM;
        return scope_refresh(sc, e->cache, cache_dir(sc->m, e->cache, api_dir), name, false, opts);
}

/* The names the named files define and defined, and whatever decides them: every file defining them
 * (parsed again if stale: an object taken), the file of what is loaded under them, a CronJob's Jobs when
 * a file defines their names too (a CronJob's move takes them along). */
static int scope_collect(Scope *sc, const char *api_dir, const ManifestLoadOptions *opts) {
        Manager *m = sc->m;
        ManifestCache *caches[] = { &m->manifest_cache, &m->api_object_cache };

        for (size_t k = 0; k < ELEMENTSOF(caches); k++) {
                ManifestCache *c = caches[k];
                _cleanup_(strv_freep) char **names = TAKE_PTR(c->touched);
                size_t n = c->n_touched;

                c->n_touched = 0;
                if (n > 0)
                        qsort(names, n, sizeof(char *), key_cmp);
                for (size_t i = 0; i < n; i++)
                        if (i == 0 || !streq(names[i - 1], names[i]))
                                TRY(scope_refresh(sc, c, cache_dir(m, c, api_dir), names[i], true, opts));
        }
        for (size_t i = 0; i < m->manifest_index.n_sticky; i++) {
                const ManifestKey *k = m->manifest_index.sticky + i;
                TRY(scope_add(sc, k->kind, k->namespace, k->name));
        }
        for (size_t w = 0; w < sc->n; w++) {
                const ScopeName *s = sc->items[w];
                ManifestIndexSlot *slot = manifest_index_find(&m->manifest_index, s->kind, s->namespace, s->name);
                _cleanup_(strv_freep) char **files = NULL;
                size_t n_files = 0;

                /* By path: a refresh may drop or parse again an entry, and change the slot. */
                for (size_t d = 0; slot && d < slot->n_defs; d++)
                        if (slot->defs[d].entry->visited != m->manifest_index.generation)
                                TRY(strv_extend_n(&files, &n_files, slot->defs[d].entry->path));
                for (size_t f = 0; f < n_files; f++)
                        TRY(scope_refresh_file(sc, files[f], api_dir, opts));
                if (s->kind == MANIFEST_JOB) {
                        ManagedJob *j = manager_find_job(m, s->namespace, s->name);
                        if (j && !j->cron_owner)
                                TRY(scope_refresh_file(sc, j->file, api_dir, opts));
                } else {
                        ManagedCronJob *c = manager_find_cron_job(m, s->namespace, s->name);
                        CronChildren *g = c ? manager_cron_children(m, s->namespace, s->name) : NULL;
                        if (c)
                                TRY(scope_refresh_file(sc, c->file, api_dir, opts));
                        for (ManagedJob *j = g ? g->first : NULL; j; j = j->cron_next)
                                if (manifest_index_find(&m->manifest_index, MANIFEST_JOB, s->namespace,
                                                        j->job->metadata.name))
                                        TRY(scope_add(sc, MANIFEST_JOB, s->namespace, j->job->metadata.name));
                }
        }
        return 0;
}

/* What is loaded under the scope's names: the Jobs, then the CronJobs. */
static int scope_loaded(Scope *sc, ReloadInput *in) {
        TRY(reload_input_alloc_loaded(in, sc->n));
        for (size_t w = 0; w < sc->n; w++) {
                const ScopeName *s = sc->items[w];
                ManagedJob *j;
                if (s->kind == MANIFEST_JOB && (j = manager_find_job(sc->m, s->namespace, s->name)))
                        TRY(describe_loaded_job(sc->m, in, j));
        }
        for (size_t w = 0; w < sc->n; w++) {
                const ScopeName *s = sc->items[w];
                ManagedCronJob *c;
                if (s->kind == MANIFEST_CRON_JOB && (c = manager_find_cron_job(sc->m, s->namespace, s->name)))
                        TRY(describe_loaded_cron_job(sc->m, in, c));
        }
        return 0;
}

/* log_diags() for one changed file: its entry's mark compared and set (and any key of m->diag_keys under
 * its path dropped: O(log n)). */
static void log_file_diags(Manager *m, const char *path) {
        _cleanup_(freep) char *prefix = strprintf("%s\n", path);
        ManifestCacheEntry *e = entry_of_file(m, path);
        size_t n = strv_length(m->diag_keys), lo, k;
        uint64_t h;

        if (!prefix)
                return;
        /* The keys are sorted: those of path are together, from the first not below "path\n". */
        lo = keys_lower_bound(m->diag_keys, n, prefix);
        for (k = lo; k < n && startswith(m->diag_keys[k], prefix); k++)
                free(m->diag_keys[k]);
        if (k > lo)
                memmove(m->diag_keys + lo, m->diag_keys + k, sizeof(char *) * (n - k + 1));
        if (!e)
                return;
        if (e->diags.n == 0) {
                e->logged = 0;
                return;
        }
        h = diag_hash(path, e, e->diags.items, e->diags.n);
        if (h != e->logged)
                for (size_t i = 0; i < e->diags.n; i++)
                        log_diag(e->diags.items + i);
        e->logged = h;
}

static bool in_scope(const ManifestKey *k, void *userdata) {
        return scope_has(userdata, k->kind, k->namespace, k->name);
}

/* A reload caused by named files only: those files are looked at, and only the names they define or
 * defined (and what decides them, scope_collect()) are described and decided. manifest_diff() sees every
 * definition and the loaded object of each of these names, so it decides for them what it would decide
 * over everything; the names outside the scope would be decided as at the last reload (nothing to do). */
static int scoped_reload(Manager *m, const ManifestLoadOptions *opts) {
        _cleanup_(freep) char *api_dir = api_objects_dir(m);
        _cleanup_(scope_done) Scope sc = { .m = m };
        _cleanup_(reload_view_done) ManifestCacheView view = {};
        _cleanup_(reload_input_done) ReloadInput in = {};
        _cleanup_(manifest_diff_done) ManifestDiff diff = {};
        int r;

        if (!api_dir)
                return -ENOMEM;
        m->manifest_index.generation++;
        m->manifest_cache.parsed = m->api_object_cache.parsed = 0;
        TRY(scope_collect(&sc, api_dir, opts));
        if (sc.n_changed > 0) {
                /* In the order of a full load: the manifest directory's files first, by name. */
                qsort(sc.changed, sc.n_changed, sizeof(char *), key_cmp);
                for (size_t i = 0; i < sc.n_changed; i++)
                        if (startswith(sc.changed[i], m->manifest_dir))
                                log_file_diags(m, sc.changed[i]);
                for (size_t i = 0; i < sc.n_changed; i++)
                        if (!startswith(sc.changed[i], m->manifest_dir))
                                log_file_diags(m, sc.changed[i]);
        }
        if (verify_scoped > 0)
                verify_forget(m, sc.changed);
        r = manifest_index_view(&m->manifest_index, sc.items, sc.n, &view);
        if (r < 0)
                return r;
        TRY(describe_defined(m, &view, &in));
        TRY(scope_loaded(&sc, &in));
        TRY(manifest_diff(in.defined, in.n_defined, in.loaded, in.n_loaded, job_immutable_change, &diff));
        manifest_index_unstick_if(&m->manifest_index, in_scope, &sc);
        return carry_out_all(m, &in, &diff);
}

/* JOBSD_VERIFY_SCOPED_RELOAD=1 (read once): after each scoped reload, the full one's decisions are worked
 * out (not carried out) from caches of their own (the reload's are not touched, so that the next scoped
 * reload still knows what each file defined): anything but "nothing to do" is what the scoped reload left
 * undone, an error, and jobsd aborts (for the tests). Files changed since the scoped reload looked at them
 * (their events not yet read) are in flux: their names are not checked. */

/* The same file, and parsed to the same names: a file rewritten within one tick of the clock keeps its
 * times (and often its size), and the two caches may have read it at different moments. */
static bool same_file(const ManifestCacheEntry *a, const ManifestCacheEntry *b) {
        if (!(a->dev == b->dev && a->ino == b->ino && a->size == b->size && a->mode == b->mode &&
              a->uid == b->uid && a->mtim.tv_sec == b->mtim.tv_sec && a->mtim.tv_nsec == b->mtim.tv_nsec &&
              a->ctim.tv_sec == b->ctim.tv_sec && a->ctim.tv_nsec == b->ctim.tv_nsec))
                return false;
        if (a->bad != b->bad || a->list.n != b->list.n || !a->keys || !b->keys)
                return false;
        for (size_t i = 0; i < a->list.n; i++)
                if (a->keys[i].kind != b->keys[i].kind || !streq_ptr(a->keys[i].namespace, b->keys[i].namespace) ||
                    !streq_ptr(a->keys[i].name, b->keys[i].name))
                        return false;
        return true;
}

/* The files the scoped reload parsed again are parsed again by the check too (not from its own older
 * reading of a file whose times did not change). */
static void verify_forget(Manager *m, char **paths) {
        STRV_FOREACH(p, paths) {
                const char *name = strrchr(*p, '/');
                if (name)
                        manifest_cache_forget(verify_caches + (startswith(*p, m->manifest_dir) ? 0 : 1), name + 1);
        }
}

static int flux_names(Scope *flux, const ManifestCacheEntry *e) {
        for (size_t i = 0; e->keys && i < e->list.n; i++)
                if (e->keys[i].namespace)
                        TRY(scope_add(flux, e->keys[i].kind, e->keys[i].namespace, e->keys[i].name));
        for (size_t i = 0; i < e->n_held; i++)
                TRY(scope_add(flux, e->held[i].kind, e->held[i].namespace, e->held[i].name));
        return 0;
}

/* The names of the files whose reload's entry and check's entry differ. */
static int flux_collect(Scope *flux, const ManifestCache *real, const ManifestCache *check) {
        size_t i = 0, k = 0;

        while (i < real->n || k < check->n) {
                int c = i >= real->n ? 1 : k >= check->n ? -1 : strcmp(real->entries[i]->name, check->entries[k]->name);
                if (c == 0 && same_file(real->entries[i], check->entries[k])) {
                        i++, k++;
                        continue;
                }
                if (c <= 0)
                        TRY(flux_names(flux, real->entries[i++]));
                if (c >= 0)
                        TRY(flux_names(flux, check->entries[k++]));
        }
        return 0;
}

static bool decision_is_settled(Manager *m, const ReloadInput *in, const ManifestDecision *x) {
        const DefinedObject *d = x->defined != MANIFEST_DIFF_NONE ? in->defined + x->defined : NULL;
        const char *namespace = d ? d->namespace : in->loaded[x->loaded].namespace;
        const char *name = d ? d->name : in->loaded[x->loaded].name;

        switch (x->type) {
        case DECISION_UNCHANGED:
        case DECISION_KEEP:
        case DECISION_DUPLICATE:
        case DECISION_TOMBSTONED:
                return true;
        case DECISION_REFUSE:
                return manifest_index_sticky(&m->manifest_index, MANIFEST_JOB, namespace, name);
        case DECISION_ADD:
                /* A Job whose record cannot be read: tried again at every reload. */
                return x->kind == MANIFEST_OBJECT_JOB &&
                        manifest_index_sticky(&m->manifest_index, MANIFEST_JOB, namespace, name);
        case DECISION_UPDATE: {
                /* Every reload gives a CronJob its content again: the same content changes nothing. */
                ManagedCronJob *c = manager_find_cron_job(m, namespace, name), tmp;
                _cleanup_(json_object_putp) json_object *a = NULL, *b = NULL;
                if (x->kind != MANIFEST_OBJECT_CRON_JOB || !c || !streq(c->file, d->file))
                        return false;
                if (manifest_index_sticky(&m->manifest_index, MANIFEST_CRON_JOB, namespace, name))
                        return true;
                tmp = *c;
                tmp.cj = in->manifests[x->defined]->cron_job;
                a = api_cron_job_to_json(c);
                b = api_cron_job_to_json(&tmp);
                return a && b && json_object_equal(a, b);
        }
        default:
                return false;
        }
}

static void verify_scoped_reload(Manager *m, const ManifestLoadOptions *opts) {
        _cleanup_(freep) char *api_dir = api_objects_dir(m);
        _cleanup_(manifest_cache_view_done) ManifestCacheView view = {};
        _cleanup_(reload_input_done) ReloadInput in = {};
        _cleanup_(manifest_diff_done) ManifestDiff diff = {};
        _cleanup_(scope_done) Scope flux = { .m = m };
        unsigned bad = 0;
        int r;

        if (!api_dir)
                return;
        for (size_t k = 0; k < ELEMENTSOF(verify_caches); k++) {
                verify_caches[k].rank = k;
                verify_caches[k].name_func = reload_generated_name;
                verify_caches[k].name_userdata = m;
        }
        r = manifest_cache_load(verify_caches + 0, m->manifest_dir, opts, &view);
        if (r >= 0 && access(api_dir, F_OK) >= 0)
                (void) manifest_cache_load(verify_caches + 1, api_dir, opts, &view);
        else
                manifest_cache_done(verify_caches + 1);
        if (r >= 0)
                r = flux_collect(&flux, &m->manifest_cache, verify_caches + 0);
        if (r >= 0)
                r = flux_collect(&flux, &m->api_object_cache, verify_caches + 1);
        if (r >= 0)
                r = describe_defined(m, &view, &in);
        if (r >= 0)
                r = describe_loaded(m, &in);
        if (r >= 0)
                r = manifest_diff(in.defined, in.n_defined, in.loaded, in.n_loaded, job_immutable_change, &diff);
        if (r < 0) {
                log_error_errno(r, "scoped reload check: cannot work out the full reload: %m");
                return;
        }
        for (size_t i = 0; i < diff.n; i++) {
                const ManifestDecision *x = diff.items + i;
                const DefinedObject *d = x->defined != MANIFEST_DIFF_NONE ? in.defined + x->defined : NULL;
                const LoadedObject *l = x->loaded != MANIFEST_DIFF_NONE ? in.loaded + x->loaded : NULL;
                const char *namespace = d ? d->namespace : l->namespace, *name = d ? d->name : l->name;

                if (decision_is_settled(m, &in, x) || scope_has(&flux, manifest_kind(x->kind), namespace, name))
                        continue;
                log_error("scoped reload check: the full reload would still %s %s %s/%s (%s)",
                          manifest_decision_type_to_string(x->type),
                          x->kind == MANIFEST_OBJECT_CRON_JOB ? "CronJob" : "Job", namespace, name,
                          d ? d->file : strempty(x->file));
                bad++;
        }
        if (bad > 0) {
                log_error("scoped reload check: %u decisions left undone, aborting", bad);
                abort();
        }
}

/* A full reload at start, after lost events or an event on the directory itself, or when a file could
 * not be remembered; a scoped one when every change since the last reload came with its file's name. */
int manifest_reload(Manager *m) {
        assert(m);

        ManifestLoadOptions opts = { .strict = true, .trusted_uid = m->user ? getuid() : 0 };
        int r;

        if (verify_scoped < 0) {
                const char *e = getenv("JOBSD_VERIFY_SCOPED_RELOAD");
                verify_scoped = e && streq(e, "1");
        }
        m->manifest_cache.index = m->api_object_cache.index = &m->manifest_index;
        m->manifest_cache.rank = 0;
        m->api_object_cache.rank = 1;
        m->manifest_cache.name_func = m->api_object_cache.name_func = reload_generated_name;
        m->manifest_cache.name_userdata = m->api_object_cache.name_userdata = m;
        m->manifest_cache.keep_func = m->api_object_cache.keep_func = reload_keep_bytes;
        m->manifest_cache.keep_userdata = m->api_object_cache.keep_userdata = m;
        if (!manifest_cache_can_scope(&m->manifest_cache) || !manifest_cache_can_scope(&m->api_object_cache))
                r = full_reload(m, &opts);
        else {
                r = scoped_reload(m, &opts);
                if (r == -ESTALE) {
                        log_notice("scoped reload: an object gone from the cache, reloading everything");
                        manifest_cache_forget(&m->manifest_cache, NULL);
                        r = full_reload(m, &opts);
                } else if (r >= 0 && verify_scoped)
                        verify_scoped_reload(m, &opts);
        }
        /* The files' bytes are kept for the copies of the Jobs the reload made, no longer. */
        reload_drop_bytes(m);
        return r;
}

static int on_reload_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        struct stat st;
        int r;

        (void) sd_event_now(m->event, CLOCK_MONOTONIC, &m->last_reload_usec);
        /* A directory still untrusted as at the last reload: nothing would load or change, and its error
         * is logged already (events now reload at once, so one chmod and two edits are three reloads). */
        if (stat(m->manifest_dir, &st) >= 0 && manifest_trust_problem(&st, m->user ? getuid() : 0)) {
                if (m->manifest_dir_refused && st.st_mode == m->manifest_dir_refused_mode &&
                    st.st_uid == m->manifest_dir_refused_uid)
                        return 0;
                m->manifest_dir_refused = true;
                m->manifest_dir_refused_mode = st.st_mode;
                m->manifest_dir_refused_uid = st.st_uid;
        } else
                m->manifest_dir_refused = false;
        r = manifest_reload(m);
        if (r < 0)
                log_error_errno(r, "cannot load %s: %m", m->manifest_dir);
        return 0;
}

/* Every event watched marks a finished step (a file closed after writing, renamed in or out, deleted, its
 * mode changed), so the reload follows at once: the timer fires once the events already queued are read
 * (its priority is below inotify's), so the events of one burst become one reload. While a burst goes on,
 * reloads come at most every MANIFEST_RELOAD_MIN_INTERVAL_USEC. */
#define MANIFEST_RELOAD_MIN_INTERVAL_USEC (100 * USEC_PER_MSEC)

static int on_manifest_dir_event(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        Manager *m = userdata;
        usec_t now, at;
        int enabled = SD_EVENT_OFF;

        /* A file made: a regular file is looked at when it is closed after writing (IN_CLOSE_WRITE); what
         * is never written (a symbolic link, a FIFO, a device, a hard link to a file) now. */
        if (ev->mask & IN_CREATE) {
                _cleanup_(freep) char *path = NULL;
                struct stat st;

                if ((ev->mask & IN_ISDIR) || ev->len == 0)
                        return 0;
                path = strprintf("%s/%s", m->manifest_dir, ev->name);
                if (path && (lstat(path, &st) < 0 || (S_ISREG(st.st_mode) && st.st_nlink < 2) ||
                             S_ISDIR(st.st_mode)))
                        return 0;
        }
        /* The file named is parsed again, whatever its times say (a rewrite within the same clock tick
         * may keep its size and times), and the next reload is scoped to it (manifest_reload()); an
         * event without a name (the directory's own, or lost events) or an overflow, every file, and the
         * next reload is a full one; so is one while a rename's second half is not read yet. */
        if (ev->len > 0 && !(ev->mask & IN_Q_OVERFLOW) && (ev->mask & (IN_MOVED_FROM | IN_MOVED_TO)))
                manifest_cache_moved(&m->manifest_cache, ev->name, ev->cookie, ev->mask & IN_MOVED_FROM);
        manifest_cache_forget(&m->manifest_cache, ev->len > 0 && !(ev->mask & IN_Q_OVERFLOW) ? ev->name : NULL);
        (void) sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        (void) sd_event_source_get_enabled(m->reload_timer, &enabled);
        if (enabled != SD_EVENT_OFF)
                return 0;       /* a reload is due already: it sees this change too */
        at = m->last_reload_usec > 0 && now < m->last_reload_usec + MANIFEST_RELOAD_MIN_INTERVAL_USEC ?
                m->last_reload_usec + MANIFEST_RELOAD_MIN_INTERVAL_USEC : now;
        (void) sd_event_source_set_time(m->reload_timer, at);
        (void) sd_event_source_set_enabled(m->reload_timer, SD_EVENT_ONESHOT);
        return 0;
}

int manifest_watch_start(Manager *m) {
        assert(m);

        int r;

        r = sd_event_add_time_relative(m->event, &m->reload_timer, CLOCK_MONOTONIC, UINT64_MAX / 2, 0, on_reload_timer, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(m->reload_timer, SD_EVENT_OFF);
        (void) sd_event_source_set_description(m->reload_timer, "manifest-reload");
        /* After the inotify events already queued (on_manifest_dir_event()). */
        (void) sd_event_source_set_priority(m->reload_timer, SD_EVENT_PRIORITY_NORMAL + 5);
        /* To the microsecond: sd-event's default accuracy (250 ms) would delay the reload by that much. */
        (void) sd_event_source_set_time_accuracy(m->reload_timer, 1);
        r = sd_event_add_inotify(m->event, &m->inotify, m->manifest_dir,
                                 IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB | IN_CREATE |
                                 IN_ONLYDIR,
                                 on_manifest_dir_event, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(m->inotify, "manifest-dir");
        return 0;
}
