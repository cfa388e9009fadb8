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
#include "jobsd/strv.h"
#include "job-change.h"
#include "job-delete.h"
#include "job-run.h"
#include "managed-job.h"
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
static void log_diags(Manager *m, const DiagList *d) {
        _cleanup_(strv_freep) char **keys = NULL;

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
                if (!key || !strv_contains(m->diag_keys, key))
                        for (size_t x = i; x < k; x++)
                                log_diag(d->items + x);
                if (key)
                        (void) strv_push(&keys, key);
                i = k;
        }
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

/* 1 if file still defines the object (or has errors, so that what it defined is kept), 0 if not. */
static int still_defines(char **defined, char **bad_files, char kind, const char *file, const char *namespace,
                         const char *name) {
        _cleanup_(freep) char *key = strprintf("%c %s %s/%s", kind, file, namespace, name);

        if (!key)
                return -ENOMEM;
        return strv_contains(bad_files, file) || strv_contains(defined, key);
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
        for (size_t i = 0; i < m->n_jobs; i++)
                if (m->jobs[i]->cron_owner && streq(m->jobs[i]->file, old) &&
                    streq(m->jobs[i]->cron_owner, c->cj->metadata.name) &&
                    streq(managed_job_namespace(m->jobs[i]), managed_cron_job_namespace(c)))
                        (void) free_and_strdup(&m->jobs[i]->file, file);
        return 0;
}

/* Loads the manifest directory and brings the Jobs in line with it: new Jobs start, Jobs whose file is
 * gone are deleted, changed ones follow the run-once rule. A file with errors keeps its Jobs as they
 * were: a half-written file never replaces a running Job. */
int manifest_reload(Manager *m) {
        assert(m);

        ManifestLoadOptions opts = { .strict = true, .trusted_uid = m->user ? getuid() : 0 };
        _cleanup_(manifest_list_done) ManifestList list = {};
        _cleanup_(diag_list_done) DiagList diags = {};
        _cleanup_(strv_freep) char **bad_files = NULL, **defined = NULL;
        int r;

        r = manifest_load_directory_full(m->manifest_dir, &opts, &list, &diags);
        if (r == -EPERM) {
                /* An untrusted directory: nothing in it is loaded, and nothing already running changes. */
                log_diags(m, &diags);
                return 0;
        }
        if (r < 0)
                return r;
        {
                /* Objects made through the Kubernetes API (api-create.c): files of the state directory. */
                _cleanup_(freep) char *api_dir = strprintf("%s/" API_OBJECTS_DIR, m->state_dir);
                if (api_dir && access(api_dir, F_OK) >= 0)
                        (void) manifest_load_directory_full(api_dir, &opts, &list, &diags);
        }
        log_diags(m, &diags);
        /* Files with errors keep what they defined; so does a file without objects: an empty file is most
         * often one being rewritten (opened with O_TRUNC), and removing the file is how to delete. */
        for (size_t i = 0; i < diags.n; i++)
                if ((diags.items[i].level == DIAG_ERROR ||
                     (!diags.items[i].has_position && streq(diags.items[i].message, MANIFEST_NO_OBJECTS))) &&
                    diags.items[i].file && !strv_contains(bad_files, diags.items[i].file))
                        (void) strv_extend(&bad_files, diags.items[i].file);

        /* Who defines what, before the loop below takes the objects: a Job or CronJob whose file no longer
         * defines it but another file does has moved (a rename), and follows its new file. */
        for (size_t i = 0; i < list.n; i++) {
                const Manifest *mf = list.items + i;
                const ObjectMeta *meta = mf->kind == MANIFEST_JOB ? &mf->job->metadata :
                                         mf->kind == MANIFEST_CRON_JOB ? &mf->cron_job->metadata : NULL;
                if (meta && meta->name)
                        (void) strv_push(&defined, strprintf("%c %s %s/%s", mf->kind == MANIFEST_JOB ? 'J' : 'C',
                                                             mf->file, job_namespace(meta), meta->name));
        }

        /* Seen flags, not positions: syncs during the reload may delete Jobs (CronJob history, TTL). */
        for (size_t i = 0; i < m->n_jobs; i++)
                m->jobs[i]->seen = false;
        for (size_t i = 0; i < m->n_cron_jobs; i++)
                m->cron_jobs[i]->seen = false;

        for (size_t i = 0; i < list.n; i++) {
                Manifest *mf = list.items + i;
                ManagedJob *j, *old;

                if (mf->kind == MANIFEST_CRON_JOB) {
                        ManagedCronJob *c = manager_find_cron_job(m, job_namespace(&mf->cron_job->metadata),
                                                                  mf->cron_job->metadata.name);
                        if (c && !streq(c->file, mf->file) &&
                            still_defines(defined, bad_files, 'C', c->file, job_namespace(&mf->cron_job->metadata),
                                          mf->cron_job->metadata.name) == 0) {
                                r = move_cron_job(m, c, mf->file);
                                if (r < 0)
                                        return r;
                        }
                        r = manager_update_cron_job(m, mf);     /* marks it seen */
                        if (r < 0)
                                return r;
                        continue;
                }
                if (mf->kind != MANIFEST_JOB)
                        continue;
                if (!mf->job->metadata.name) {
                        mf->job->metadata.name = generated_name(m, mf);
                        if (!mf->job->metadata.name)
                                return -ENOMEM;
                }
                old = manager_find_job(m, job_namespace(&mf->job->metadata), mf->job->metadata.name);
                if (old && !old->cron_owner && !streq(old->file, mf->file) &&
                    still_defines(defined, bad_files, 'J', old->file, job_namespace(&mf->job->metadata),
                                  mf->job->metadata.name) == 0) {
                        log_info("%s/%s: now defined in %s (was %s)", managed_job_namespace(old),
                                 old->job->metadata.name, mf->file, old->file);
                        r = free_and_strdup(&old->file, mf->file);
                        if (r < 0)
                                return r;
                }
                if (old) {
                        _cleanup_(freep) char *fp = job_fingerprint(mf, m);
                        old->seen = true;
                        if (!fp || streq(fp, old->fingerprint))
                                continue;
                        if (!streq(old->file, mf->file)) {
                                log_error("%s: Job %s is already defined in %s, ignoring this one",
                                          mf->file, mf->job->metadata.name, old->file);
                                continue;
                        }
                        /* Changed content: a finished Job runs again with it; a running one takes what
                         * Kubernetes lets change, and refuses anything else, naming the field. */
                        if (!job_status_is_finished(&old->record.status)) {
                                const char *field = job_immutable_change(old->job, mf->job);
                                if (field) {
                                        job_refuse_change(old, mf->file, field);
                                        continue;
                                }
                        }
                        job_free(old->job);
                        old->job = TAKE_PTR(mf->job);
                        managed_job_apply_suspend(old, old->job->spec.suspend);
                        free(old->fingerprint);
                        old->fingerprint = TAKE_PTR(fp);
                        if (job_status_is_finished(&old->record.status)) {
                                r = managed_job_record_new(old);
                                if (r < 0)
                                        return r;
                        } else {
                                free(old->record.manifest_hash);
                                old->record.manifest_hash = strdup(old->fingerprint);
                                (void) managed_job_save_manifest_copy(old);
                        }
                        manager_sync_job(m, old);
                        continue;
                }
                r = managed_job_new(m, mf, &j);
                if (r < 0)
                        return r;
                mf->job = NULL;
                if (job_is_tombstoned(m, managed_job_namespace(j), j->job->metadata.name, j->fingerprint)) {
                        managed_job_free(j);
                        continue;
                }
                r = managed_job_load_record(j);
                if (r < 0) {
                        managed_job_free(j);
                        continue;
                }
                r = manager_add_job(m, j);
                if (r < 0) {
                        managed_job_free(j);
                        return r;
                }
                j->seen = true;
                managed_job_adopt_units(m, j);
                manager_sync_job(m, j);
        }

        /* Jobs no manifest defines any more are deleted; those of a file with errors are kept. Jobs made by
         * CronJobs go with their CronJob. */
        for (size_t i = m->n_jobs; i > 0; i--) {
                ManagedJob *j;

                if (i > m->n_jobs)
                        continue;
                j = m->jobs[i - 1];
                if (j->seen || j->cron_owner || strv_contains(bad_files, j->file))
                        continue;
                log_info("%s: no longer defines Job %s: deleting it", j->file, j->job->metadata.name);
                (void) manager_delete_job(m, j, "background");
        }
        for (size_t i = m->n_cron_jobs; i > 0; i--) {
                ManagedCronJob *c;

                if (i > m->n_cron_jobs)
                        continue;
                c = m->cron_jobs[i - 1];
                if (c->seen || strv_contains(bad_files, c->file))
                        continue;
                manager_remove_cron_job(m, c);
        }
        return 0;
}

static int on_reload_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        int r = manifest_reload(m);

        if (r < 0)
                log_error_errno(r, "cannot load %s: %m", m->manifest_dir);
        return 0;
}

/* Changes are coalesced for 100 ms, so an editor's or a tool's several steps cause one reload. */
static int on_manifest_dir_event(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        Manager *m = userdata;
        usec_t now;

        (void) sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        (void) sd_event_source_set_time(m->reload_timer, now + 100 * USEC_PER_MSEC);
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
        r = sd_event_add_inotify(m->event, &m->inotify, m->manifest_dir,
                                 IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB | IN_ONLYDIR,
                                 on_manifest_dir_event, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(m->inotify, "manifest-dir");
        return 0;
}
