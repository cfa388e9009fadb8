/* SPDX-License-Identifier: Apache-2.0 */
/* A managed Job: its record (load, adopt, save), its finished pods, the index by name, its fingerprint (the run-once rule), its manifest copy and suspend override. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>

#include "jobsd/hash.h"
#include "jobsd/io-util.h"
#include "jobsd/log.h"
#include "jobsd/strv.h"
#include "jobsd/strv.h"
#include "../generator/manifest-yaml.h"
#include <stdarg.h>

#include "event-ids.h"
#include "job-change.h"
#include "job-delete.h"
#include "job-run.h"
#include "api-watch.h"
#include "managed-job.h"
#include "manifest-reload.h"
#include "metrics.h"
#include "state-file.h"

#define MANIFEST_SIZE_MAX_COPY (MANIFEST_SIZE_MAX + 1)
/* Every copy read fits in a record file: a larger one would make each save of its Job fail. */
static_assert(MANIFEST_SIZE_MAX_COPY <= STATE_FILE_COPY_MAX, "a manifest copy must fit in a record file");

const char *managed_job_namespace(const ManagedJob *j) {
        assert(j);

        return job_namespace(&j->job->metadata);
}

static void finished_pod_done(FinishedPod *f) {
        free(f->name);
        free(f->reason);
        strv_free(f->units);
}

void managed_job_clear_history(ManagedJob *j) {
        assert(j);

        for (size_t i = 0; i < j->n_finished; i++)
                finished_pod_done(j->finished + i);
        j->finished = mfree(j->finished);
        j->n_finished = 0;
        job_events_clear(&j->events, &j->n_events);
}

void managed_job_remember_finished_pod(ManagedJob *j, const Pod *p) {
        assert(j);
        assert(p);

        bool indexed = j->job->spec.completion_mode == COMPLETION_MODE_INDEXED;
        FinishedPod *f;

        if (j->n_finished == JOB_FINISHED_PODS_MAX) {
                finished_pod_done(j->finished);
                memmove(j->finished, j->finished + 1, sizeof(FinishedPod) * (JOB_FINISHED_PODS_MAX - 1));
                j->n_finished--;
        } else {
                FinishedPod *n = realloc(j->finished, sizeof(FinishedPod) * (j->n_finished + 1));
                if (!n)
                        return;
                j->finished = n;
        }
        f = j->finished + j->n_finished;
        *f = (FinishedPod) {
                .index = p->index, .attempt = p->attempt, .phase = p->phase,
                .created_usec = p->created_usec, .finished_usec = p->finished_usec,
                .failure_rule = p->failure_rule, .failure_action = p->failure_action,
        };
        f->name = pod_name(j->job->metadata.name, indexed ? p->index : UNSET, p->attempt);
        for (size_t i = 0; i < p->n_containers; i++) {
                const ContainerStatus *c = p->containers + i;
                f->restarts += c->restarts;
                if (!c->init)
                        f->containers++;
                /* The pod's reason, else its first failed container's (Error, OOMKilled …). */
                if (!f->reason && !p->reason && !p->disruption && c->state == CONTAINER_TERMINATED && c->exit_code != 0 && c->reason)
                        f->reason = strdup(c->reason);
                (void) strv_push(&f->units, pod_unit_name(managed_job_namespace(j), j->job->metadata.name,
                                                          indexed ? p->index : UNSET, p->attempt, c->restarts, c->name));
        }
        if (!f->reason && p->disruption)
                f->reason = strdup("DisruptionTarget");
        if (!f->reason && p->reason)
                f->reason = strdup(p->reason);
        if (p->deletion == POD_DELETION_UNCOUNTED && !f->reason)
                f->reason = strdup("Deleted");
        if (!f->name) {
                finished_pod_done(f);
                return;
        }
        j->n_finished++;
        /* For the journal, and for a restarted jobsd to show it again (event-restore.c). */
        _cleanup_(freep) char *units = strv_join(f->units, ",");
        (void) sd_journal_send("MESSAGE=%s/%s: pod %s finished: %s%s%s", managed_job_namespace(j), j->job->metadata.name,
                               f->name, pod_phase_to_string(f->phase), f->reason ? ", " : "", strempty(f->reason),
                               "MESSAGE_ID=%s", POD_FINISHED_MESSAGE_ID,
                               "PRIORITY=%d", LOG_INFO,
                               "JOB_NAMESPACE=%s", managed_job_namespace(j),
                               "JOB_NAME=%s", j->job->metadata.name,
                               "JOB_UID=%s", strempty(j->record.uid),
                               "POD_NAME=%s", f->name,
                               "POD_INDEX=%" PRIi64, f->index,
                               "POD_ATTEMPT=%" PRIu64, f->attempt,
                               "POD_PHASE=%s", pod_phase_to_string(f->phase),
                               "POD_REASON=%s", strempty(f->reason),
                               "POD_RESTARTS=%" PRIu32, f->restarts,
                               "POD_CONTAINERS=%" PRIu32, f->containers,
                               "POD_CREATED_USEC=%" PRIu64, (uint64_t) f->created_usec,
                               "POD_FINISHED_USEC=%" PRIu64, (uint64_t) f->finished_usec,
                               "POD_UNITS=%s", strempty(units),
                               "POD_FAILURE_RULE=%" PRIi32, f->failure_rule,
                               "POD_FAILURE_ACTION=%s", f->failure_rule == UNSET ? "" : pod_failure_action_to_string(f->failure_action),
                               NULL);
}

void managed_job_free(ManagedJob *j) {
        if (!j)
                return;
        manager_unqueue_job(j->manager, j);
        managed_job_clear_history(j);
        sd_event_source_disable_unref(j->timer);
        free(j->file);
        free(j->fingerprint);
        free(j->cron_owner);
        free(j->metrics_counted_uid);
        job_free(j->job);
        job_record_done(&j->record);
        free(j);
}

static bool job_is(const ManagedJob *j, const char *namespace, const char *name) {
        return streq(managed_job_namespace(j), namespace) && streq(j->job->metadata.name, name);
}

static void job_index_key(const void *item, const char **namespace, const char **name) {
        const ManagedJob *j = item;

        *namespace = managed_job_namespace(j);
        *name = j->job->metadata.name;
}

/* Through the index by "namespace/name" (name-index.h), as the CronJobs: no scan of all Jobs per event
 * or bus call; a scan only if the index could not be allocated. */
ManagedJob *manager_find_job(Manager *m, const char *namespace, const char *name) {
        assert(m);
        assert(namespace);
        assert(name);

        if (m->jobs_unindexed) {
                for (size_t i = 0; i < m->n_jobs; i++)
                        if (job_is(m->jobs[i], namespace, name))
                                return m->jobs[i];
                return NULL;
        }
        return name_index_find(&m->job_index, namespace, name);
}

/* spec §4.4: STATUS of kubectl get jobs. */
char *managed_job_status_word(const ManagedJob *j) {
        assert(j);

        const JobStatus *s = &j->record.status;
        const JobCondition *c;

        if ((c = job_status_get_condition(s, JOB_CONDITION_COMPLETE)) && c->status)
                return strdup("Complete");
        if ((c = job_status_get_condition(s, JOB_CONDITION_FAILED)) && c->status)
                return strdup("Failed");
        if (j->deleting)
                return strdup("Terminating");
        if ((c = job_status_get_condition(s, JOB_CONDITION_SUSPENDED)) && c->status)
                return strdup("Suspended");
        if ((c = job_status_get_condition(s, JOB_CONDITION_FAILURE_TARGET)) && c->status)
                return strdup("FailureTarget");
        return strdup("Running");
}

/* The fingerprint of a Job's content: everything it would run, plus its spec's numbers. FNV-1a 64. */
char *job_fingerprint(const Manifest *mf, const Manager *m) {
        assert(mf);
        assert(m);

        RenderContext ctx = { .pod_uid = "", .node_name = "", .host_ip = "", .state_dir = "", .runtime_dir = "",
                              .default_runtime = m->default_runtime };
        _cleanup_(diag_list_done) DiagList diags = {};
        const JobSpec *s = &mf->job->spec;
        char *buf = NULL;
        size_t size = 0;
        uint64_t h;
        FILE *f;

        f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        (void) render_manifest(mf, &ctx, 0, f, &diags);
        fprintf(f, "p=%d c=%d m=%d ads=%" PRIi64 " bl=%d blpi=%d mfi=%d prp=%d sus=%d ttl=%d\n", s->parallelism,
                s->completions, s->completion_mode, s->active_deadline_seconds, s->backoff_limit,
                s->backoff_limit_per_index, s->max_failed_indexes, s->pod_replacement_policy, s->suspend,
                s->ttl_seconds_after_finished);
        for (size_t i = 0; i < s->n_pod_failure_rules; i++)
                fprintf(f, "pfr=%d,%d,%zu\n", s->pod_failure_rules[i].action, s->pod_failure_rules[i].operator,
                        s->pod_failure_rules[i].n_values);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        h = fnv1a64(FNV1A64_INIT, buf, size);
        free(buf);
        return strprintf("%016" PRIx64, h);
}

/* The bytes of the manifest file, at most MANIFEST_SIZE_MAX_COPY of them, read into a copy of the
 * file's size. */
static int read_manifest_bytes(const char *path, ManifestCopy **ret) {
        _cleanup_(closep) int fd = -EBADF;
        _cleanup_(freep) ManifestCopy *copy = NULL;
        struct stat st;
        size_t size;
        ssize_t n;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        /* One byte more than the file holds: a file that grew meanwhile is read up to that. */
        size = MIN((size_t) st.st_size + 1, (size_t) MANIFEST_SIZE_MAX_COPY);
        copy = malloc(sizeof(ManifestCopy) + size);
        if (!copy)
                return -ENOMEM;
        n = loop_read(fd, copy->data, size, IO_AT_POSITION);
        if (n < 0)
                return (int) n;
        copy->size = n;
        copy->replaces = false;
        *ret = TAKE_PTR(copy);
        return 0;
}

/* Whether data, the manifest file read now, defines the Job as it runs (its namespace, name and
 * fingerprint; a generateName Job, unnamed there, with its name given). */
static bool copy_defines_job(ManagedJob *j, const char *data, size_t size) {
        _cleanup_(manifest_list_done) ManifestList list = {};
        _cleanup_(diag_list_done) DiagList diags = {};
        const char *namespace = managed_job_namespace(j), *name = j->job->metadata.name;

        if (manifest_parse_buffer(j->file, data, size, &list, &diags) < 0)
                return false;
        for (size_t i = 0; i < list.n; i++) {
                Job *job = list.items[i].job;
                _cleanup_(freep) char *f = NULL;

                if (list.items[i].kind != MANIFEST_JOB || !job)
                        continue;
                if (!job->metadata.name && job->metadata.generate_name)
                        job->metadata.name = strdup(name);
                if (!job->metadata.name || !streq(job->metadata.name, name) ||
                    !streq(job_namespace(&job->metadata), namespace))
                        continue;
                f = job_fingerprint(list.items + i, j->manager);
                if (f && streq(f, j->fingerprint))
                        return true;
        }
        return false;
}

/* Keeps the bytes of the manifest file a running Job was made from, so that after a restart jobsd can
 * tell what an edit made while it was stopped changed. Kept in the record's file (state-file.h): taken
 * now, written whole with the record by its next save, which replace names a save to be made (a copy of
 * the Job that changed, not a new record's: see managed_job_record_new()). Taken from the bytes the
 * reload parsed the Job from, if it kept them (manifest_reload_parsed_bytes(): a new Job of a reload, a
 * changed one of a scoped reload); else read from the file, and kept only if the file still defines the
 * Job as it runs (-ESTALE otherwise: changed since it was parsed; the reload it causes takes the change). */
static int take_manifest_copy(ManagedJob *j, bool replace) {
        ManifestCopy *copy = NULL;
        const char *parsed;
        size_t size = 0;
        int r;

        parsed = manifest_reload_parsed_bytes(j->manager, j->file, &size);
        if (parsed && size < MANIFEST_SIZE_MAX_COPY) {
                copy = malloc(sizeof(ManifestCopy) + size);
                if (!copy)
                        return -ENOMEM;
                memcpy(copy->data, parsed, size);
                copy->size = size;
                copy->replaces = false;
                manifest_reload_parsed_bytes_taken(j->manager, j->file);
        } else {
                r = read_manifest_bytes(j->file, &copy);
                if (r < 0)
                        return r;
                if (!copy_defines_job(j, copy->data, copy->size)) {
                        free(copy);
                        log_notice("%s/%s: %s changed since the Job was loaded from it: no copy of it is kept "
                                   "for the Job now", managed_job_namespace(j), j->job->metadata.name, j->file);
                        return -ESTALE;
                }
        }
        job_record_drop_copy(&j->record);
        j->record.manifest_copy = copy;
        if (replace) {
                /* Saved by the next sync, also that of a Job another controller manages. */
                copy->replaces = true;
                j->record_unsaved = true;
                j->save_wanted = true;
        }
        return 0;
}

int managed_job_save_manifest_copy(ManagedJob *j) {
        assert(j);

        return take_manifest_copy(j, true);
}

/* Parses a manifest copy: the Job namespace/name in it, if its fingerprint is want (any if want is NULL). */
static Job *manifest_copy_job(Manager *m, const char *file, const char *data, size_t size, const char *namespace,
                              const char *name, const char *want) {
        _cleanup_(manifest_list_done) ManifestList list = {};
        _cleanup_(diag_list_done) DiagList diags = {};

        if (manifest_parse_buffer(file, data, size, &list, &diags) < 0)
                return NULL;
        for (size_t i = 0; i < list.n; i++)
                if (list.items[i].kind == MANIFEST_JOB && list.items[i].job->metadata.name &&
                    streq(list.items[i].job->metadata.name, name) &&
                    streq(job_namespace(&list.items[i].job->metadata), namespace)) {
                        if (want) {
                                _cleanup_(freep) char *f = job_fingerprint(list.items + i, m);
                                if (!f || !streq(f, want))
                                        return NULL;
                        }
                        return TAKE_PTR(list.items[i].job);
                }
        return NULL;
}

/* The Job as it was when its record was made, from the saved copy; NULL if there is none. The copy is in
 * the record's file; a jobsd before 2026-12-07 kept it in a file of its own ("manifest"), read too: the
 * one whose fingerprint is the record's manifest hash is taken (an older jobsd run after this one wrote
 * its own file, newer than the copy in the record), else the file of its own, else the record's. */
static Job *managed_job_load_manifest_copy(ManagedJob *j) {
        Manager *m = j->manager;
        const char *namespace = managed_job_namespace(j), *name = j->job->metadata.name;
        _cleanup_(freep) char *legacy = NULL, *kept = NULL;
        size_t kept_size = 0;
        Job *job;

        if (state_store_may_exist(m->state_dir, namespace, name, "manifest"))
                (void) state_file_get(m->state_dir, "jobs", namespace, name, "manifest", MANIFEST_SIZE_MAX_COPY,
                                      &legacy, NULL);
        (void) state_store_load_copy(m->state_dir, namespace, name, &kept, &kept_size);
        if (legacy && j->record.manifest_hash &&
            (job = manifest_copy_job(m, j->file, legacy, strlen(legacy), namespace, name, j->record.manifest_hash)))
                return job;
        if (kept && j->record.manifest_hash &&
            (job = manifest_copy_job(m, j->file, kept, kept_size, namespace, name, j->record.manifest_hash)))
                return job;
        if (legacy)
                return manifest_copy_job(m, j->file, legacy, strlen(legacy), namespace, name, NULL);
        return kept ? manifest_copy_job(m, j->file, kept, kept_size, namespace, name, NULL) : NULL;
}

char *managed_job_pod_key(const ManagedJob *j, const Pod *p) {
        assert(j);
        assert(p);

        return pod_key(managed_job_namespace(j), j->job->metadata.name, p->index, p->attempt);
}

const Container *managed_job_find_container(const Job *job, const char *name) {
        assert(job);
        assert(name);

        return pod_spec_find_container(&job->spec.template.spec, name);
}

bool managed_job_in_images(const ManagedJob *j) {
        assert(j);

        return job_container_runtime(j->job, j->manager->default_runtime) == CONTAINER_RUNTIME_PODMAN;
}

/* Whether a save names the Job's next pod in advance (docs/guarantees.md, docs/performance.md): only a
 * NonIndexed Job that runs on the host, is neither finished, finishing, suspended nor being deleted, and is
 * this controller's. Its next pod is then the next attempt, whatever happens before. */
static bool may_reserve(const ManagedJob *j) {
        const JobStatus *s = &j->record.status;
        const JobSpec *spec = &j->job->spec;

        return spec->completion_mode != COMPLETION_MODE_INDEXED && !spec->suspend && !j->deleting &&
                spec->parallelism != 0 &&
                (!spec->managed_by || streq(spec->managed_by, "kubernetes.io/job-controller")) &&
                !managed_job_in_images(j) && !job_status_is_finished(s) &&
                !job_status_get_condition(s, JOB_CONDITION_FAILURE_TARGET) &&
                !job_status_get_condition(s, JOB_CONDITION_SUCCESS_CRITERIA_MET);
}

/* After a save: a pending manifest copy written is let go of. Written into the start's batch, it is on
 * disk once the batch commits (a new Job whose file the commit could not make takes its copy again:
 * managed_job_batch_committed()). Written on its own, it is on disk unless the directory sync failed: then
 * it is kept, and the next save writes the file whole with it again; otherwise the copy's own file of a
 * jobsd before 2026-12-07 goes. */
static void settle_copy(ManagedJob *j) {
        bool batch = state_file_batch_pending();

        if (!j->record.manifest_copy)
                return;
        if (!batch && !state_file_durable(j->manager->state_dir, "jobs", managed_job_namespace(j),
                                          j->job->metadata.name, "state"))
                return;
        if (!batch && j->record.manifest_copy->replaces)
                (void) state_file_delete(j->manager->state_dir, "jobs", managed_job_namespace(j),
                                         j->job->metadata.name, "manifest");
        job_record_drop_copy(&j->record);
}

/* After the start's batch: a Job whose record file it could not make (the commit failed) has no file,
 * and so no copy on disk: it takes its copy again from its manifest file, for a save of its own. A Job
 * whose older file is still there keeps the copy in it. */
void managed_job_batch_committed(ManagedJob *j) {
        _cleanup_(freep) char *path = NULL;

        assert(j);

        if (j->cron_owner || j->record.manifest_copy ||
            state_file_durable(j->manager->state_dir, "jobs", managed_job_namespace(j), j->job->metadata.name, "state"))
                return;
        path = state_file_path(j->manager->state_dir, "jobs", managed_job_namespace(j), j->job->metadata.name, "state");
        if (!path || access(path, F_OK) >= 0 || errno != ENOENT)
                return;
        if (take_manifest_copy(j, false) < 0)
                return;
        j->record_unsaved = true;
        j->save_wanted = true;
        manager_queue_sync(j->manager, j);
}

int managed_job_save(ManagedJob *j) {
        assert(j);

        JobStatus *s = &j->record.status;
        int r;

        /* A lazy change (counted pods removed) goes with this save: their units' removal is on the socket
         * first (manager_sync_job()). */
        if (j->lazy_queued)
                (void) sd_bus_flush(j->manager->bus);
        s->reserve_set = may_reserve(j);
        s->reserve_attempt = s->reserve_set ? s->next_attempt : 0;
        j->reserve_durable = false;
        r = state_store_save(j->manager->state_dir, managed_job_namespace(j), j->job->metadata.name, &j->record);
        if (r >= 0)
                settle_copy(j);
        if (r >= 0) {
                j->record_unsaved = false;
                j->save_wanted = false;
                manager_unqueue_lazy(j);
                /* Written into the start's batch, it is on disk only once the batch is committed. */
                j->reserve_durable = s->reserve_set && !state_file_batch_pending();
                j->reserve_durable_attempt = s->reserve_attempt;
        }
        if (r < 0 && !j->save_failed)
                log_error_errno(r, "%s/%s: cannot save state to %s: %m; no new pods start until it can",
                                managed_job_namespace(j), j->job->metadata.name, j->manager->state_dir);
        else if (r >= 0 && j->save_failed)
                log_notice("%s/%s: state saved again to %s: going on", managed_job_namespace(j),
                           j->job->metadata.name, j->manager->state_dir);
        j->save_failed = r < 0;
        return r;
}

/* The effective spec.suspend: jobctl's choice while the manifest's own value is the one it overrode.
 * The file holds "<override> <manifest value at the time>". */
void managed_job_apply_suspend(ManagedJob *j, bool manifest_suspend) {
        assert(j);

        _cleanup_(freep) char *path = NULL;
        int o = -1, base = -1;
        FILE *f;

        j->manifest_suspend = manifest_suspend;
        j->suspend_override = -1;
        /* Not looked for where the start's listing has none (state_store_may_exist()). */
        if (state_store_may_exist(j->manager->state_dir, managed_job_namespace(j), j->job->metadata.name, "suspend"))
                path = state_file_path(j->manager->state_dir, "jobs", managed_job_namespace(j), j->job->metadata.name,
                                       "suspend");
        if (path && (f = fopen(path, "re"))) {
                if (fscanf(f, "%d %d", &o, &base) != 2)
                        o = -1;
                fclose(f);
                if (o >= 0 && base == (int) manifest_suspend)
                        j->suspend_override = !!o;
                else
                        (void) unlink(path);
        }
        j->job->spec.suspend = j->suspend_override >= 0 ? j->suspend_override : manifest_suspend;
}

bool managed_job_has_running_containers(const ManagedJob *j) {
        assert(j);

        for (size_t i = 0; i < j->record.status.n_pods; i++)
                for (size_t k = 0; k < j->record.status.pods[i].n_containers; k++) {
                        ContainerState st = j->record.status.pods[i].containers[k].state;
                        if (st == CONTAINER_RUNNING || st == CONTAINER_STARTING)
                                return true;
                }
        return false;
}

/* fingerprint: the Job's job_fingerprint() if the caller has it already (the reload keeps one per parsed
 * object), else NULL. */
int managed_job_new(Manager *m, const Manifest *mf, const char *fingerprint, ManagedJob **ret) {
        assert(m);
        assert(mf);
        assert(ret);

        ManagedJob *j = calloc(1, sizeof(ManagedJob));
        Job *job;

        if (!j)
                return -ENOMEM;
        j->manager = m;
        j->file = strdup(mf->file);
        j->fingerprint = fingerprint ? strdup(fingerprint) : job_fingerprint(mf, m);
        if (!j->file || !j->fingerprint) {
                managed_job_free(j);
                return -ENOMEM;
        }
        job = mf->job;
        j->job = job;
        managed_job_apply_suspend(j, job->spec.suspend);
        *ret = j;
        return 0;
}

int managed_job_record_new(ManagedJob *j) {
        assert(j);

        sd_id128_t id;
        char buf[SD_ID128_UUID_STRING_MAX];
        int r;

        job_record_done(&j->record);
        j->reserve_durable = false;     /* the old record's reservation names none of this one's pods */
        r = sd_id128_randomize(&id);
        if (r < 0)
                return r;
        /* spec §3.13: on a cluster such a Job adopts matching pods that have no controller. jobsd does
         * not (docs/job-semantics.md): the Job runs pods of its own, orphans run on unmanaged. */
        if (j->job->spec.manual_selector)
                log_warning("%s/%s: spec.manualSelector: jobsd does not adopt pods it does not "
                            "manage (orphans of deleted Jobs run on unmanaged); this Job starts pods of its own",
                                 managed_job_namespace(j), j->job->metadata.name);
        j->record.uid = strdup(sd_id128_to_uuid_string(id, buf));
        j->record.manifest_hash = strdup(j->fingerprint);
        j->record.created_usec = manager_now();
        j->record_unsaved = true;
        if (!j->record.uid || !j->record.manifest_hash)
                return -ENOMEM;
        /* The copy is written with the record, by its first save: one file. */
        r = j->cron_owner ? 0 : take_manifest_copy(j, false);
        if (r < 0 && r != -ENOENT && r != -ESTALE)     /* (-ESTALE: logged) */
                log_warning_errno(r, "%s: cannot keep a copy of the manifest in %s: %m", j->job->metadata.name,
                                  j->manager->state_dir);
        return job_status_init(&j->record.status, &j->job->spec);
}

/* The pod a saved record named in advance (docs/guarantees.md): its units may have been started before a
 * kill, without a record of the pod itself. It is made again, as the controller made it, with the
 * containers it starts first (the first init container, else all) asked for as starting
 * (managed_job_adopt_units()): a unit found makes it a normal pod, none found forgets it
 * (manager_on_unit_event()). */
static void take_reservation(ManagedJob *j) {
        JobStatus *s = &j->record.status;
        uint64_t next = s->next_attempt;
        bool has_init = false;
        Pod *p;

        if (!s->reserve_set)
                return;
        s->reserve_set = false;
        if (s->reserve_attempt < s->next_attempt || job_status_find_pod(s, s->reserve_attempt))
                return;
        s->next_attempt = s->reserve_attempt;
        if (job_status_add_pod(s, &j->job->spec, UNSET, manager_now(), &p) < 0) {
                /* Out of memory: its unit, if any, is left to run unmanaged; the attempt is not reused. */
                s->next_attempt = MAX(next, s->reserve_attempt + 1);
                return;
        }
        p->reserved = true;
        for (size_t i = 0; i < p->n_containers; i++)
                if (p->containers[i].init) {
                        p->containers[i].state = CONTAINER_STARTING;
                        has_init = true;
                        break;
                }
        for (size_t i = 0; !has_init && i < p->n_containers; i++)
                p->containers[i].state = CONTAINER_STARTING;
        j->save_wanted = true;
}

/* Adopts what the state directory knows of a Job, or starts a fresh record. */
int managed_job_load_record(ManagedJob *j) {
        assert(j);

        Manager *m = j->manager;
        _cleanup_(freep) char *err = NULL, *note = NULL;
        int r;

        j->reserve_durable = false;     /* until a save of this process writes one */
        r = state_store_load(m->state_dir, managed_job_namespace(j), j->job->metadata.name, &j->job->spec, &j->record,
                             &note, &err);
        if (note)
                log_warning("%s/%s: state file %s/jobs/%s_%s.state: %s", managed_job_namespace(j), j->job->metadata.name,
                            m->state_dir, managed_job_namespace(j), j->job->metadata.name, note);
        if (r == -ENOENT)
                return managed_job_record_new(j);
        if (r < 0) {
                /* Never silently reset a Job's counts: keep the file for inspection, run nothing. Reported
                 * once per error, not at every reload. */
                _cleanup_(freep) char *key = strprintf("%s/%s: %s", managed_job_namespace(j), j->job->metadata.name,
                                                       err ?: strerror(-r));
                if (!key || !strv_contains(m->state_errors_logged, key)) {
                        log_error("%s/%s: state file %s/jobs/%s_%s.state is unreadable (%s): the Job "
                                  "is not run until the file is repaired or removed", managed_job_namespace(j),
                                  j->job->metadata.name, m->state_dir, managed_job_namespace(j),
                                  j->job->metadata.name, err ?: strerror(-r));
                        if (key)
                                (void) strv_push(&m->state_errors_logged, TAKE_PTR(key));
                }
                return r;
        }
        take_reservation(j);
        /* A pull that ran when jobsd stopped: its unit is swept at start (manager_start()), the pull
         * asked for again. */
        for (size_t i = 0; i < j->record.status.n_pods; i++)
                for (size_t k = 0; k < j->record.status.pods[i].n_containers; k++)
                        if (j->record.status.pods[i].containers[k].pull == IMAGE_PULL_PULLING)
                                j->record.status.pods[i].containers[k].pull = IMAGE_PULL_NONE;
        if (!streq_ptr(j->record.manifest_hash, j->fingerprint) && !j->cron_owner) {
                if (job_status_is_finished(&j->record.status)) {
                        log_info("%s/%s: manifest changed since the Job finished: running it again",
                                 managed_job_namespace(j), j->job->metadata.name);
                        return managed_job_record_new(j);
                }
                /* Changed while jobsd was stopped: what Kubernetes lets change applies; anything else is
                 * refused and the Job goes on as it was made. */
                _cleanup_(job_freep) Job *old = managed_job_load_manifest_copy(j);
                const char *field = old ? job_immutable_change(old, j->job) : NULL;
                if (field) {
                        job_refuse_change(j, j->file, field);
                        job_free(j->job);
                        j->job = TAKE_PTR(old);
                        managed_job_apply_suspend(j, j->job->spec.suspend);
                        return 0;
                }
                free(j->record.manifest_hash);
                j->record.manifest_hash = strdup(j->fingerprint);
                (void) managed_job_save_manifest_copy(j);
        }
        return 0;
}

static void cron_children_key(const void *item, const char **namespace, const char **name) {
        const CronChildren *g = item;

        *namespace = g->namespace;
        *name = g->owner;
}

CronChildren *manager_cron_children(Manager *m, const char *namespace, const char *owner) {
        return name_index_find(&m->cron_children, namespace, owner);
}

static void cron_children_free_group(CronChildren *g) {
        if (!g)
                return;
        free(g->namespace);
        free(g->owner);
        free(g);
}

/* Links a CronJob's Job into its group (made with the first one). */
static int cron_children_link(Manager *m, ManagedJob *j) {
        CronChildren *g = manager_cron_children(m, managed_job_namespace(j), j->cron_owner);

        if (!g) {
                g = calloc(1, sizeof(CronChildren));
                if (!g)
                        return -ENOMEM;
                g->namespace = strdup(managed_job_namespace(j));
                g->owner = strdup(j->cron_owner);
                m->cron_children.key = cron_children_key;
                if (!g->namespace || !g->owner || name_index_add(&m->cron_children, g) < 0) {
                        cron_children_free_group(g);
                        return -ENOMEM;
                }
        }
        j->cron_group = g;
        j->cron_prev = g->last;
        j->cron_next = NULL;
        if (g->last)
                g->last->cron_next = j;
        else
                g->first = j;
        g->last = j;
        g->n++;
        return 0;
}

static void cron_children_unlink(Manager *m, ManagedJob *j) {
        CronChildren *g = j->cron_group;

        if (!g)
                return;
        if (j->cron_prev)
                j->cron_prev->cron_next = j->cron_next;
        else
                g->first = j->cron_next;
        if (j->cron_next)
                j->cron_next->cron_prev = j->cron_prev;
        else
                g->last = j->cron_prev;
        j->cron_group = NULL;
        j->cron_next = j->cron_prev = NULL;
        if (--g->n == 0) {
                name_index_remove(&m->cron_children, g);
                cron_children_free_group(g);
        }
}

void manager_cron_children_done(Manager *m) {
        for (size_t i = 0; i < m->cron_children.n_slots; i++)
                cron_children_free_group(m->cron_children.slots[i]);
        name_index_done(&m->cron_children);
        for (size_t i = 0; i < m->n_jobs; i++)
                m->jobs[i]->cron_group = NULL;
}

int manager_add_job(Manager *m, ManagedJob *j) {
        assert(m);
        assert(j);

        if (j->cron_owner && cron_children_link(m, j) < 0)
                return -ENOMEM;

        /* The array grows by doubling: O(1) amortized per add. */
        if (m->n_jobs >= m->n_jobs_allocated) {
                size_t a = m->n_jobs_allocated ? m->n_jobs_allocated * 2 : 64;
                ManagedJob **n = realloc(m->jobs, sizeof(ManagedJob *) * a);

                if (!n) {
                        cron_children_unlink(m, j);
                        return -ENOMEM;
                }
                m->jobs = n;
                m->n_jobs_allocated = a;
        }
        j->position = m->n_jobs;
        m->jobs[m->n_jobs++] = j;
        metrics_poke(m);
        api_job_event(m, j, API_WATCH_ADDED);
        m->job_index.key = job_index_key;
        if (!m->jobs_unindexed && name_index_add(&m->job_index, j) < 0) {
                name_index_done(&m->job_index);         /* lookups fall back to a scan */
                m->jobs_unindexed = true;
        }
        return 0;
}

void manager_remove_job(Manager *m, ManagedJob *j) {
        assert(m);
        assert(j);
        assert(j->position < m->n_jobs && m->jobs[j->position] == j);

        size_t i = j->position;

        metrics_poke(m);
        api_job_event(m, j, API_WATCH_DELETED);
        name_index_remove(&m->job_index, j);
        cron_children_unlink(m, j);
        managed_job_free(j);
        /* The last Job fills the gap: no walk, no move of the rest. */
        if (i < --m->n_jobs) {
                m->jobs[i] = m->jobs[m->n_jobs];
                m->jobs[i]->position = i;
        }
}

/* Adopt: ask systemd how the pods it may still run are doing; answers come as events. */
void managed_job_adopt_units(Manager *m, ManagedJob *j) {
        assert(m);
        assert(j);

        for (size_t k = 0; k < j->record.status.n_pods; k++) {
                Pod *p = j->record.status.pods + k;
                for (size_t c = 0; c < p->n_containers; c++) {
                        _cleanup_(freep) char *unit = NULL;
                        if (p->containers[c].state != CONTAINER_RUNNING && p->containers[c].state != CONTAINER_STARTING)
                                continue;
                        unit = pod_unit_name(managed_job_namespace(j), j->job->metadata.name,
                                             j->job->spec.completion_mode == COMPLETION_MODE_INDEXED ? p->index : UNSET,
                                             p->attempt, p->containers[c].restarts, p->containers[c].name);
                        if (unit)
                                (void) unit_bus_query(m->units, unit);
                }
        }
}

void job_log_event(ManagedJob *j, const JobAction *a, usec_t now) {
        assert(j);
        assert(a);

        (void) sd_journal_send("MESSAGE=%s/%s: %s: %s", managed_job_namespace(j), j->job->metadata.name, a->reason,
                               a->message,
                               "MESSAGE_ID=%s", event_message_id(a->reason),
                               "PRIORITY=%d", a->warning ? 4 : 6,
                               "JOB_NAMESPACE=%s", managed_job_namespace(j),
                               "JOB_NAME=%s", j->job->metadata.name,
                               "JOB_UID=%s", strempty(j->record.uid),
                               "REASON=%s", a->reason,
                               "EVENT_TYPE=%s", a->warning ? "Warning" : "Normal",
                               NULL);
        job_events_append(&j->events, &j->n_events, now, a->warning, a->reason, a->message);
}

void job_eventf(ManagedJob *j, bool warning, const char *reason, usec_t now, const char *fmt, ...) {
        _cleanup_(freep) char *msg = NULL;
        JobAction a = { .warning = warning, .reason = (char *) reason };
        va_list ap;

        va_start(ap, fmt);
        msg = vstrprintf(fmt, ap);
        va_end(ap);
        if (!msg)
                return;
        a.message = msg;
        job_log_event(j, &a, now);
}

static bool owned_by(const ManagedJob *j, const char *namespace, const char *owner) {
        return j->cron_owner && streq(j->cron_owner, owner) && streq(managed_job_namespace(j), namespace);
}

static CronChildState child_state(const ManagedJob *j) {
        const JobCondition *k = job_status_get_condition(&j->record.status, JOB_CONDITION_COMPLETE);

        if (k && k->status)
                return CRON_CHILD_COMPLETE;
        k = job_status_get_condition(&j->record.status, JOB_CONDITION_FAILED);
        if (k && k->status)
                return CRON_CHILD_FAILED;
        return CRON_CHILD_RUNNING;
}

static usec_t child_end(const ManagedJob *j) {
        const JobCondition *k = job_status_get_condition(&j->record.status, JOB_CONDITION_COMPLETE);

        if (!k || !k->status)
                k = job_status_get_condition(&j->record.status, JOB_CONDITION_FAILED);
        return k && k->status ? k->transition_usec : 0;
}

int manager_list_cron_children(Manager *m, const char *namespace, const char *owner, CronChild **ret,
                               usec_t **ret_slots, size_t *ret_n) {
        _cleanup_(freep) usec_t *slots = NULL;
        CronChild *children;
        size_t n = 0;

        assert(m);
        assert(namespace);
        assert(owner);
        assert(ret);
        assert(ret_n);

        CronChildren *g = manager_cron_children(m, namespace, owner);
        size_t max = g ? g->n : 0;

        children = calloc(max + 1, sizeof(CronChild));
        slots = calloc(max + 1, sizeof(usec_t));
        if (!children || !slots) {
                free(children);
                return -ENOMEM;
        }
        for (ManagedJob *j = g ? g->first : NULL; j; j = j->cron_next) {
                char *name;

                if (j->deleting)
                        continue;
                name = strdup(j->job->metadata.name);
                if (!name) {
                        cron_children_free(children, n);
                        return -ENOMEM;
                }
                children[n] = (CronChild) {
                        .name = name,
                        .manual = j->cron_slot_usec == 0,
                        .state = child_state(j),
                        .start_usec = j->record.status.start_usec,
                        .completion_usec = child_end(j),
                };
                slots[n++] = j->cron_slot_usec;
        }
        *ret = children;
        *ret_n = n;
        if (ret_slots)
                *ret_slots = TAKE_PTR(slots);
        return 0;
}

void cron_children_free(CronChild *children, size_t n) {
        for (size_t i = 0; i < n; i++)
                free((char *) children[i].name);
        free(children);
}

void manager_delete_cron_children(Manager *m, const char *namespace, const char *owner) {
        assert(m);

        CronChildren *g = manager_cron_children(m, namespace, owner);
        _cleanup_(strv_freep) char **names = NULL;
        size_t n = 0;

        /* By name: a deletion may remove the Job, and the group with the last one. */
        for (ManagedJob *j = g ? g->first : NULL; j; j = j->cron_next)
                if (strv_extend_n(&names, &n, j->job->metadata.name) < 0)
                        break;
        for (size_t i = n; i > 0; i--) {
                ManagedJob *j = manager_find_job(m, namespace, names[i - 1]);
                if (j && owned_by(j, namespace, owner))
                        (void) manager_delete_job(m, j, "background");
        }
}
