/* SPDX-License-Identifier: Apache-2.0 */
/* The manifest directory: watched with inotify (100 ms coalescing), loaded, and the Jobs and CronJobs brought in line with it. */
#include <inttypes.h>
#include <stdio.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>

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

static void log_diags(Manager *m, const DiagList *d) {
        _cleanup_(strv_freep) char **keys = NULL;
        size_t n_keys = 0, n_old = strv_length(m->diag_keys);

        for (size_t i = 0; i < d->n;) {
                const char *file = strempty(d->items[i].file);
                uint64_t h = 14695981039346656037ULL;
                struct stat st = {};
                size_t k;
                char *key;

                for (k = i; k < d->n && streq(strempty(d->items[k].file), file); k++) {
                        _cleanup_(freep) char *s = diag_format(d->items + k);
                        for (const char *p = strempty(s); *p; p++)
                                h = (h ^ (unsigned char) *p) * 1099511628211ULL;
                }
                (void) lstat(file, &st);
                key = strprintf("%s\n%" PRIx64 " %" PRIu64 " %" PRIi64 " %" PRIi64 ".%ld %" PRIi64 ".%ld", file, h,
                                (uint64_t) st.st_ino, (int64_t) st.st_size, (int64_t) st.st_mtim.tv_sec,
                                st.st_mtim.tv_nsec, (int64_t) st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
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
        uint64_t h = 14695981039346656037ULL;
        sd_id128_t rnd;
        FILE *f;

        if (!dir)
                return NULL;
        key = strprintf("%s#%zu", mf->file, mf->document);
        if (!key)
                return NULL;
        for (const char *p = key; *p; p++)
                h = (h ^ (unsigned char) *p) * 1099511628211ULL;
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
        size_t n_loaded;
        char **strings;                 /* what defined[] and loaded[] point to and own */
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

/* The files with errors, sorted and without duplicates (reload_bad_files()): a lookup per object is
 * O(log bad files), not a walk of them. */
typedef struct BadFiles {
        char **files;
        size_t n;
} BadFiles;

static bool is_bad_file(const BadFiles *b, const char *file) {
        return b->n > 0 && file && bsearch(&file, b->files, b->n, sizeof(char *), key_cmp);
}

/* The defined objects, in the loader's order: generateName resolved, fingerprints and tombstones looked up
 * (a tombstone only for a name not loaded: looking at one of a changed Job removes it). */
static int describe_defined(Manager *m, ManifestCacheView *view, const BadFiles *bad_files, ReloadInput *in) {
        ManifestList *list = &view->list;

        in->defined = calloc(list->n + 1, sizeof(DefinedObject));
        in->manifests = calloc(list->n + 1, sizeof(Manifest *));
        /* Five strings for each Job and three for each CronJob loaded (the fingerprints are the cache's). */
        in->strings = calloc(5 * m->n_jobs + 3 * m->n_cron_jobs + 1, sizeof(char *));
        if (!in->defined || !in->manifests || !in->strings)
                return -ENOMEM;
        for (size_t i = 0; i < list->n; i++) {
                Manifest *mf = list->items + i;
                DefinedObject *d = in->defined + in->n_defined;
                const char *fp;

                if (mf->kind == MANIFEST_CRON_JOB) {
                        *d = (DefinedObject) { .kind = MANIFEST_OBJECT_CRON_JOB,
                                               .namespace = job_namespace(&mf->cron_job->metadata),
                                               .name = mf->cron_job->metadata.name, .file = mf->file,
                                               .file_has_errors = is_bad_file(bad_files, mf->file) };
                        in->manifests[in->n_defined++] = mf;
                        continue;
                }
                if (mf->kind != MANIFEST_JOB)
                        continue;
                *d = (DefinedObject) { .kind = MANIFEST_OBJECT_JOB, .file = mf->file,
                                       .file_has_errors = is_bad_file(bad_files, mf->file), .job = mf->job };
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

/* The loaded Jobs, then the CronJobs (after describe_defined(), which made room for their strings). */
static int describe_loaded(Manager *m, const BadFiles *bad_files, ReloadInput *in) {
        in->loaded = calloc(m->n_jobs + m->n_cron_jobs + 1, sizeof(LoadedObject));
        if (!in->loaded)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_jobs; i++) {
                const ManagedJob *j = m->jobs[i];
                LoadedObject *l = in->loaded + in->n_loaded++;

                *l = (LoadedObject) { .kind = MANIFEST_OBJECT_JOB, .file_has_errors = is_bad_file(bad_files, j->file),
                                      .job = j->job, .finished = job_status_is_finished(&j->record.status) };
                TRY(keep_copy(in, managed_job_namespace(j), &l->namespace));
                TRY(keep_copy(in, j->job->metadata.name, &l->name));
                TRY(keep_copy(in, j->file, &l->file));
                TRY(keep_copy(in, j->fingerprint, &l->fingerprint));
                TRY(keep_copy(in, j->cron_owner, &l->cron_owner));
        }
        for (size_t i = 0; i < m->n_cron_jobs; i++) {
                const ManagedCronJob *c = m->cron_jobs[i];
                LoadedObject *l = in->loaded + in->n_loaded++;

                *l = (LoadedObject) { .kind = MANIFEST_OBJECT_CRON_JOB, .file_has_errors = is_bad_file(bad_files, c->file) };
                TRY(keep_copy(in, managed_cron_job_namespace(c), &l->namespace));
                TRY(keep_copy(in, c->cj->metadata.name, &l->name));
                TRY(keep_copy(in, c->file, &l->file));
        }
        return 0;
}

static int add_job(Manager *m, Manifest *mf) {
        ManagedJob *j;
        int r;

        r = managed_job_new(m, mf, &j);
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
                return j ? 0 : add_job(m, mf);
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

/* What the reload took from the cache's objects (new and changed Jobs and CronJobs) is theirs now. */
static void reload_view_done(ManifestCacheView *view) {
        manifest_cache_view_release(view);
        manifest_cache_view_done(view);
}

/* Loads the manifest directory and brings the Jobs and CronJobs in line with it, as manifest_diff()
 * decides: new Jobs start, Jobs whose file is gone are deleted, changed ones follow the run-once rule. A
 * file with errors keeps its Jobs as they were: a half-written file never replaces a running Job. */
int manifest_reload(Manager *m) {
        assert(m);

        ManifestLoadOptions opts = { .strict = true, .trusted_uid = m->user ? getuid() : 0 };
        _cleanup_(reload_view_done) ManifestCacheView view = {};
        DiagList *diags = &view.diags;
        _cleanup_(strv_freep) char **bad = NULL;
        BadFiles bad_files = {};
        _cleanup_(reload_input_done) ReloadInput in = {};
        _cleanup_(manifest_diff_done) ManifestDiff diff = {};
        int r;

        /* Only the files that changed since the last reload are parsed again (manifest-cache.h). */
        r = manifest_cache_load(&m->manifest_cache, m->manifest_dir, &opts, &view);
        if (r == -EPERM) {
                /* An untrusted directory: nothing in it is loaded, and nothing already running changes. */
                log_diags(m, diags);
                return 0;
        }
        if (r < 0)
                return r;
        {
                /* Objects made through the Kubernetes API (api-create.c): files of the state directory. */
                _cleanup_(freep) char *api_dir = strprintf("%s/" API_OBJECTS_DIR, m->state_dir);
                if (api_dir && access(api_dir, F_OK) >= 0)
                        (void) manifest_cache_load(&m->api_object_cache, api_dir, &opts, &view);
        }
        log_diags(m, diags);
        /* Files with errors keep what they defined; so does a file without objects: an empty file is most
         * often one being rewritten (opened with O_TRUNC), and removing the file is how to delete. */
        for (size_t i = 0; i < diags->n; i++)
                if ((diags->items[i].level == DIAG_ERROR ||
                     (!diags->items[i].has_position && streq(diags->items[i].message, MANIFEST_NO_OBJECTS))) &&
                    diags->items[i].file)
                        (void) strv_extend_n(&bad, &bad_files.n, diags->items[i].file);
        if (bad_files.n > 0) {
                size_t k = 0;
                qsort(bad, bad_files.n, sizeof(char *), key_cmp);
                for (size_t i = 0; i < bad_files.n; i++)
                        if (k == 0 || !streq(bad[k - 1], bad[i]))
                                bad[k++] = bad[i];
                        else
                                free(bad[i]);
                bad[k] = NULL;
                bad_files.n = k;
        }
        bad_files.files = bad;

        r = describe_defined(m, &view, &bad_files, &in);
        if (r < 0)
                return r;
        r = describe_loaded(m, &bad_files, &in);
        if (r < 0)
                return r;
        r = manifest_diff(in.defined, in.n_defined, in.loaded, in.n_loaded, job_immutable_change, &diff);
        if (r < 0)
                return r;
        for (size_t i = 0; i < diff.n; i++) {
                r = carry_out(m, &in, diff.items + i);
                if (r < 0)
                        return r;
        }
        return 0;
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

        /* The file named is parsed again, whatever its times say (a rewrite within the same clock tick
         * may keep its size and times); an event without a name (the directory's own, or lost events) or
         * an overflow, every file. */
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
                                 IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB | IN_ONLYDIR,
                                 on_manifest_dir_event, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(m->inotify, "manifest-dir");
        return 0;
}
