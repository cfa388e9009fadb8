/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>

#include "config.h"
#include "jobsd/manifest.h"
#include "../generator/manifest-yaml.h"
#include "jobsd/strv.h"
#include "event-ids.h"
#include "manager.h"
#include "metrics.h"
#include "state-file.h"

#define MANIFEST_SIZE_MAX_COPY (MANIFEST_SIZE_MAX + 1)

static usec_t now_realtime(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}

usec_t manager_now(void) {
        return now_realtime();
}

const char *managed_job_namespace(const ManagedJob *j) {
        return job_namespace(&j->job->metadata);
}

static void finished_pod_done(FinishedPod *f) {
        free(f->name);
        free(f->reason);
        strv_free(f->units);
}

static void managed_job_clear_history(ManagedJob *j) {
        for (size_t i = 0; i < j->n_finished; i++)
                finished_pod_done(j->finished + i);
        j->finished = mfree(j->finished);
        j->n_finished = 0;
        for (size_t i = 0; i < j->n_events; i++) {
                free(j->events[i].reason);
                free(j->events[i].message);
        }
        j->events = mfree(j->events);
        j->n_events = 0;
}

static void remember_finished_pod(ManagedJob *j, const Pod *p) {
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

static void managed_job_free(ManagedJob *j) {
        if (!j)
                return;
        managed_job_clear_history(j);
        sd_event_source_disable_unref(j->timer);
        free(j->file);
        free(j->fingerprint);
        free(j->cron_owner);
        job_free(j->job);
        job_record_done(&j->record);
        free(j);
}

static uint64_t job_hash(const char *namespace, const char *name) {
        uint64_t h = 14695981039346656037ULL;

        for (const char *p = namespace; *p; p++)
                h = (h ^ (unsigned char) *p) * 1099511628211ULL;
        h = (h ^ '/') * 1099511628211ULL;
        for (const char *p = name; *p; p++)
                h = (h ^ (unsigned char) *p) * 1099511628211ULL;
        return h;
}

static bool job_is(const ManagedJob *j, const char *namespace, const char *name) {
        return streq(managed_job_namespace(j), namespace) && streq(j->job->metadata.name, name);
}

/* Rebuilds the index with room for twice the Jobs: O(n) per add or remove, O(1) per lookup. */
static int index_rebuild(Manager *m) {
        size_t n = 16;
        ManagedJob **idx;

        while (n < m->n_jobs * 2 + 1)
                n *= 2;
        idx = calloc(n, sizeof(ManagedJob *));
        if (!idx)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_jobs; i++) {
                size_t k = job_hash(managed_job_namespace(m->jobs[i]), m->jobs[i]->job->metadata.name) & (n - 1);
                while (idx[k])
                        k = (k + 1) & (n - 1);
                idx[k] = m->jobs[i];
        }
        free(m->index);
        m->index = idx;
        m->n_index = n;
        return 0;
}

ManagedJob *manager_find_job(Manager *m, const char *namespace, const char *name) {
        if (m->n_index == 0) {
                for (size_t i = 0; i < m->n_jobs; i++)
                        if (job_is(m->jobs[i], namespace, name))
                                return m->jobs[i];
                return NULL;
        }
        for (size_t k = job_hash(namespace, name) & (m->n_index - 1);; k = (k + 1) & (m->n_index - 1)) {
                if (!m->index[k])
                        return NULL;
                if (job_is(m->index[k], namespace, name))
                        return m->index[k];
        }
}

/* spec §4.4: STATUS of kubectl get jobs. */
char *managed_job_status_word(const ManagedJob *j) {
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
static char *job_fingerprint(const Manifest *mf, const Manager *m) {
        RenderContext ctx = { .pod_uid = "", .node_name = "", .host_ip = "", .state_dir = "", .runtime_dir = "",
                              .default_runtime = m->default_runtime };
        _cleanup_(diag_list_done) DiagList diags = {};
        const JobSpec *s = &mf->job->spec;
        char *buf = NULL;
        size_t size = 0;
        uint64_t h = 14695981039346656037ULL;
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
        for (size_t i = 0; i < size; i++) {
                h ^= (unsigned char) buf[i];
                h *= 1099511628211ULL;
        }
        free(buf);
        return strprintf("%016" PRIx64, h);
}

/* What a Job's pods run and how they are judged, in text: compared to tell whether a change touched an
 * immutable field. */
static char *template_text(const Job *job) {
        RenderContext ctx = { .pod_uid = "", .node_name = "", .host_ip = "", .state_dir = "", .runtime_dir = "" };
        _cleanup_(diag_list_done) DiagList diags = {};
        Job copy = *job;
        Manifest mf = { .kind = MANIFEST_JOB, .job = &copy };
        char *buf = NULL;
        size_t size = 0;
        FILE *f;

        copy.spec.parallelism = 1;
        copy.spec.completions = 1;
        copy.spec.suspend = false;
        f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        (void) render_manifest(&mf, &ctx, 0, f, &diags);
        for (size_t i = 0; i < job->spec.template.labels.n; i++)
                fprintf(f, "label %s=%s\n", job->spec.template.labels.items[i].key, job->spec.template.labels.items[i].value);
        for (size_t i = 0; i < job->spec.template.annotations.n; i++)
                fprintf(f, "annotation %s=%s\n", job->spec.template.annotations.items[i].key,
                        job->spec.template.annotations.items[i].value);
        for (size_t i = 0; i < diags.n; i++)
                fprintf(f, "diag %s\n", diags.items[i].message);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

static char *policy_text(const JobSpec *s) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return NULL;
        fprintf(f, "pfp %d %zu\n", s->has_pod_failure_policy, s->n_pod_failure_rules);
        for (size_t i = 0; i < s->n_pod_failure_rules; i++) {
                const PodFailurePolicyRule *r = s->pod_failure_rules + i;
                fprintf(f, "rule %d %d %s", r->action, r->operator, strempty(r->container_name));
                for (size_t k = 0; k < r->n_values; k++)
                        fprintf(f, " %d", r->values[k]);
                for (size_t k = 0; k < r->n_on_pod_conditions; k++)
                        fprintf(f, " %s=%s", strempty(r->on_pod_conditions[k].type), strempty(r->on_pod_conditions[k].status));
                fputc('\n', f);
        }
        fprintf(f, "sp %d\n", s->has_success_policy);
        for (size_t i = 0; i < s->n_success_rules; i++)
                fprintf(f, "rule %s %d\n", strempty(s->success_rules[i].succeeded_indexes), s->success_rules[i].succeeded_count);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

/* spec §1.2, §1.5: the first field a change of a running Job may not make, or NULL if it only touches
 * what Kubernetes lets change (parallelism, activeDeadlineSeconds, backoffLimit, maxFailedIndexes,
 * podReplacementPolicy, suspend, ttlSecondsAfterFinished; completions of an Indexed Job in tandem with
 * parallelism). */
static const char *immutable_change(const Job *old, const Job *new) {
        const JobSpec *a = &old->spec, *b = &new->spec;
        _cleanup_(freep) char *ta = NULL, *tb = NULL, *pa = NULL, *pb = NULL;

        if (a->completion_mode != b->completion_mode)
                return "spec.completionMode";
        if (a->completions != b->completions &&
            !(b->completion_mode == COMPLETION_MODE_INDEXED && b->completions == b->parallelism))
                return "spec.completions";
        if (a->backoff_limit_per_index != b->backoff_limit_per_index)
                return "spec.backoffLimitPerIndex";
        if (a->manual_selector != b->manual_selector || a->selector.set != b->selector.set)
                return "spec.selector";
        if (!streq_ptr(a->managed_by, b->managed_by))
                return "spec.managedBy";
        pa = policy_text(a);
        pb = policy_text(b);
        if (!pa || !pb || !streq(pa, pb)) {
                /* The text holds podFailurePolicy, then successPolicy from "sp ": name the one that differs. */
                const char *sa = pa ? strstr(pa, "\nsp ") : NULL, *sb = pb ? strstr(pb, "\nsp ") : NULL;
                if (sa && sb && (size_t) (sa - pa) == (size_t) (sb - pb) && strncmp(pa, pb, sa - pa) == 0)
                        return "spec.successPolicy";
                return "spec.podFailurePolicy";
        }
        ta = template_text(old);
        tb = template_text(new);
        if (!ta || !tb || !streq(ta, tb))
                return "spec.template";
        return NULL;
}

/* Keeps the bytes of the manifest file a running Job was made from, so that after a restart jobsd can
 * tell what an edit made while it was stopped changed. Written atomically. */
static int save_manifest_copy(ManagedJob *j) {
        _cleanup_(freep) char *data = malloc(MANIFEST_SIZE_MAX_COPY);
        _cleanup_(fclosep) FILE *in = NULL;
        size_t n;

        if (!data)
                return -ENOMEM;
        in = fopen(j->file, "re");
        if (!in)
                return -errno;
        n = fread(data, 1, MANIFEST_SIZE_MAX_COPY, in);
        if (ferror(in))
                return -EIO;
        return state_file_put(j->manager->state_dir, "jobs", managed_job_namespace(j), j->job->metadata.name, "manifest",
                              data, n);
}

/* The Job as it was when its record was made, from the saved copy; NULL if there is none. */
static Job *load_manifest_copy(Manager *m, const char *namespace, const char *name) {
        _cleanup_(freep) char *path = state_file_path(m->state_dir, "jobs", namespace, name, "manifest");
        _cleanup_(manifest_list_done) ManifestList list = {};
        _cleanup_(diag_list_done) DiagList diags = {};

        if (!path || manifest_load_file(path, &list, &diags) < 0)
                return NULL;
        for (size_t i = 0; i < list.n; i++)
                if (list.items[i].kind == MANIFEST_JOB && list.items[i].job->metadata.name &&
                    streq(list.items[i].job->metadata.name, name) &&
                    streq(job_namespace(&list.items[i].job->metadata), namespace))
                        return TAKE_PTR(list.items[i].job);
        return NULL;
}

static void refuse_change(ManagedJob *j, const char *file, const char *field) {
        sd_journal_send("MESSAGE=%s: Job %s: %s: Invalid value: field is immutable; the running Job keeps its spec "
                        "(change it after the Job finished, or delete the manifest and add it again)",
                        file, j->job->metadata.name, field,
                        "PRIORITY=3",
                        "CONFIG_FILE=%s", file,
                        "JOB_NAME=%s", j->job->metadata.name,
                        "JOB_NAMESPACE=%s", managed_job_namespace(j),
                        NULL);
}

static void log_event(ManagedJob *j, const JobAction *a, usec_t now) {
        JobEvent *e;

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
        /* Keep the newest events for describe; a repeat of the last one is counted, as kubectl shows. */
        if (j->n_events > 0 && streq(j->events[j->n_events - 1].reason, a->reason) &&
            streq(j->events[j->n_events - 1].message, a->message)) {
                j->events[j->n_events - 1].count++;
                j->events[j->n_events - 1].at_usec = now;
                return;
        }
        if (j->n_events == JOB_EVENTS_MAX) {
                free(j->events[0].reason);
                free(j->events[0].message);
                memmove(j->events, j->events + 1, sizeof(JobEvent) * (JOB_EVENTS_MAX - 1));
                j->n_events--;
        } else {
                JobEvent *n = realloc(j->events, sizeof(JobEvent) * (j->n_events + 1));
                if (!n)
                        return;
                j->events = n;
        }
        e = j->events + j->n_events;
        *e = (JobEvent) { .at_usec = now, .warning = a->warning, .count = 1 };
        e->reason = strdup(a->reason);
        e->message = strdup(a->message);
        if (e->reason && e->message)
                j->n_events++;
        else {
                free(e->reason);
                free(e->message);
        }
}

static int on_job_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        ManagedJob *j = userdata;
        usec_t ttl = job_ttl_expiry_usec(j->job, &j->record.status);

        /* Deleting only from here: callers of manager_sync_job() keep their ManagedJob. */
        if (ttl > 0 && now_realtime() >= ttl) {
                sd_journal_print(LOG_INFO, "%s/%s: ttlSecondsAfterFinished (%d s) passed: deleting the Job",
                                 managed_job_namespace(j), j->job->metadata.name, j->job->spec.ttl_seconds_after_finished);
                (void) manager_delete_job(j->manager, j, "background");
                return 0;
        }
        manager_sync_job(j->manager, j);
        return 0;
}

/* Wall-clock timers: the controller's times (back-off, deadlines) are wall-clock, as Kubernetes' are. */
static void arm_timer(ManagedJob *j, usec_t at) {
        Manager *m = j->manager;
        int r;

        if (at == 0) {
                if (j->timer)
                        (void) sd_event_source_set_enabled(j->timer, SD_EVENT_OFF);
                return;
        }
        if (j->timer) {
                r = sd_event_source_set_time(j->timer, at);
                if (r >= 0)
                        r = sd_event_source_set_enabled(j->timer, SD_EVENT_ONESHOT);
        } else {
                r = sd_event_add_time(m->event, &j->timer, CLOCK_REALTIME, at, 10 * USEC_PER_MSEC, on_job_timer, j);
                if (r >= 0)
                        (void) sd_event_source_set_description(j->timer, "job-timer");
        }
        if (r < 0)
                sd_journal_print(LOG_ERR, "%s: cannot arm timer: %s", j->job->metadata.name, strerror(-r));
}

static char *pod_key_of(const ManagedJob *j, const Pod *p) {
        return pod_key(managed_job_namespace(j), j->job->metadata.name, p->index, p->attempt);
}

static int rm_rf(const char *path) {
        DIR *d = opendir(path);

        if (!d)
                return errno == ENOENT ? 0 : -errno;
        for (struct dirent *de; (de = readdir(d));) {
                _cleanup_(freep) char *c = NULL;
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                c = strprintf("%s/%s", path, de->d_name);
                if (!c)
                        break;
                if (de->d_type == DT_DIR)
                        (void) rm_rf(c);
                else
                        (void) unlink(c);
        }
        closedir(d);
        return rmdir(path) < 0 ? -errno : 0;
}

static int mkdir_p(const char *path, mode_t mode) {
        _cleanup_(freep) char *p = strdup(path);

        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++)
                if (*s == '/') {
                        *s = 0;
                        if (mkdir(p, mode) < 0 && errno != EEXIST)
                                return -errno;
                        *s = '/';
                }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

/* emptyDir volumes: per pod, shared by its containers, removed with the pod. */
static int prepare_volumes(ManagedJob *j, const Pod *p) {
        const PodSpec *ps = &j->job->spec.template.spec;
        _cleanup_(freep) char *key = pod_key_of(j, p);
        int r;

        if (!key)
                return -ENOMEM;
        for (size_t i = 0; i < ps->n_volumes; i++) {
                const Volume *v = ps->volumes + i;
                _cleanup_(freep) char *dir = NULL;

                if (v->type == VOLUME_EMPTY_DIR || v->type == VOLUME_DOWNWARD_API)
                        dir = strprintf("%s/pods/%s/%s", v->medium_memory ? j->manager->runtime_dir : j->manager->state_dir,
                                        key, v->name);
                else if (v->type == VOLUME_HOST_PATH && v->host_path_type &&
                         streq(v->host_path_type, "DirectoryOrCreate"))
                        dir = strdup(v->host_path);
                else
                        continue;
                if (!dir)
                        return -ENOMEM;
                r = mkdir_p(dir, 0755);
                if (r < 0)
                        return r;
                if (v->type == VOLUME_DOWNWARD_API)
                        for (size_t k = 0; k < v->n_items; k++) {
                                const DownwardAPIItem *it = v->items + k;
                                _cleanup_(freep) char *file = strprintf("%s/%s", dir, it->path);
                                const char *val = "";
                                _cleanup_(freep) char *idx = NULL;
                                FILE *f;
                                if (!file)
                                        return -ENOMEM;
                                if (it->field_path && strstr(it->field_path, "job-completion-index") && p->index != UNSET)
                                        val = idx = strprintf("%" PRIi64, p->index);
                                else if (it->field_path && streq(it->field_path, "metadata.name"))
                                        val = idx = pod_name(j->job->metadata.name, p->index, p->attempt);
                                else if (it->field_path && streq(it->field_path, "metadata.namespace"))
                                        val = managed_job_namespace(j);
                                f = fopen(file, "we");
                                if (!f)
                                        return -errno;
                                fputs(strempty(val), f);
                                fclose(f);
                        }
        }
        return 0;
}

static void remove_volumes(ManagedJob *j, const Pod *p) {
        _cleanup_(freep) char *key = pod_key_of(j, p), *a = NULL, *b = NULL;

        if (!key)
                return;
        a = strprintf("%s/pods/%s", j->manager->state_dir, key);
        b = strprintf("%s/pods/%s", j->manager->runtime_dir, key);
        if (b) {
                _cleanup_(freep) char *ns = strprintf("%s/netns", b);
                if (ns)
                        (void) podman_netns_remove(ns);
        }
        if (a)
                (void) rm_rf(a);
        if (b)
                (void) rm_rf(b);
}

static const Container *find_container(const Job *job, const char *name) {
        return pod_spec_find_container(&job->spec.template.spec, name);
}

void manager_render_context(const Manager *m, RenderContext *ctx) {
        ctx->default_runtime = m->default_runtime;
        ctx->podman = m->podman;
        ctx->podman_args = m->podman_args;
        ctx->podman_run_args = m->podman_host.run_args;
        ctx->podman_delegate = m->podman_host.delegate;
        ctx->pod_netns = m->podman_host.netns;
}

static bool job_in_images(const ManagedJob *j) {
        return job_container_runtime(j->job, j->manager->default_runtime) == CONTAINER_RUNTIME_PODMAN;
}

static int start_container(ManagedJob *j, const JobAction *a, usec_t now, bool *ret_resync) {
        Manager *m = j->manager;
        const Container *c = find_container(j->job, a->container);
        Pod *p = job_status_find_pod(&j->record.status, a->attempt);
        _cleanup_(unit_spec_done) UnitSpec u = {};
        _cleanup_(freep) char *uid = NULL, *err = NULL;
        struct sysinfo si = {};
        RenderContext ctx = {
                .node_name = m->hostname,
                .host_ip = "127.0.0.1",
                .n_cpus = (unsigned) sysconf(_SC_NPROCESSORS_ONLN),
                .state_dir = m->state_dir,
                .runtime_dir = m->runtime_dir,
                .user_manager = m->user,
        };
        int r;

        if (!c || !p)
                return 0;
        (void) sysinfo(&si);
        ctx.memory_bytes = (uint64_t) si.totalram * si.mem_unit;
        uid = strprintf("%s-%" PRIu64, j->record.uid, p->attempt);
        if (!uid)
                return -ENOMEM;
        ctx.pod_uid = uid;
        ctx.restart = pod_find_container(p, a->container)->restarts;
        manager_render_context(m, &ctx);

        r = prepare_volumes(j, p);
        if (r >= 0 && job_in_images(j) && pod_shares_netns(j->job, &ctx)) {
                _cleanup_(freep) char *key_of_pod = pod_key_of(j, p);
                /* One network namespace for the pod's containers, made before the first one starts. */
                _cleanup_(freep) char *ns = pod_netns_path(j->job, j->job->spec.completion_mode == COMPLETION_MODE_INDEXED ?
                                                           p->index : UNSET, p->attempt, &ctx);
                _cleanup_(freep) char *dir = strprintf("%s/pods/%s", m->runtime_dir, strempty(key_of_pod));
                r = ns && dir ? mkdir_p(dir, 0755) : -ENOMEM;
                if (r >= 0)
                        r = podman_netns_create(ns);
                if (r < 0 && !err)
                        err = strprintf("cannot make the pod's network namespace %s: %s", strempty(ns), strerror(-r));
        }
        if (r >= 0)
                r = render_pod_container(j->job, c, pod_find_container(p, a->container)->init,
                                         j->job->spec.completion_mode == COMPLETION_MODE_INDEXED ? p->index : UNSET,
                                         p->attempt, &ctx, &u, &err);
        if (r >= 0)
                r = unit_bus_start(m->units, &u);
        if (r < 0) {
                /* spec §4.3: FailedCreate; the pod fails and the controller decides what next. */
                JobAction ev = { .warning = true, .reason = (char *) "FailedCreate" };
                _cleanup_(freep) char *msg = strprintf("Error creating: %s", err ?: strerror(-r));
                ev.message = msg ?: (char *) "Error creating";
                log_event(j, &ev, now);
                (void) job_status_record_container_exit(&j->record.status, &j->job->spec, a->attempt, a->container, 128,
                                                        "StartError", now);
                *ret_resync = true;
        }
        return 0;
}

/* Image pulls (docs/containers.md, "Images and pulls"): the controller asks for one (JOB_ACTION_PULL_IMAGE)
 * and waits while the container's pull is PULLING; the result comes back from the pull unit's exit status
 * and goes into the container's status, which the controller reads. */
static int save_record(ManagedJob *j);

static char *pull_unit_of(const ManagedJob *j, const Pod *p, const ContainerStatus *c, bool check) {
        return pull_unit_name(managed_job_namespace(j), j->job->metadata.name,
                              j->job->spec.completion_mode == COMPLETION_MODE_INDEXED ? p->index : UNSET, p->attempt,
                              c->name, check, c->pull_failures);
}

static void job_event(ManagedJob *j, bool warning, const char *reason, usec_t now, const char *fmt, ...) _printf_(5, 6);
static void job_event(ManagedJob *j, bool warning, const char *reason, usec_t now, const char *fmt, ...) {
        _cleanup_(freep) char *msg = NULL;
        JobAction a = { .warning = warning, .reason = (char *) reason };
        va_list ap;

        va_start(ap, fmt);
        msg = vstrprintf(fmt, ap);
        va_end(ap);
        if (!msg)
                return;
        a.message = msg;
        log_event(j, &a, now);
}

static void pull_failed(ManagedJob *j, ContainerStatus *c, const char *image, const char *why, usec_t now) {
        char *reason = strdup("ErrImagePull");

        if (reason) {
                free(c->reason);
                c->reason = reason;
        }
        c->pull = IMAGE_PULL_BACKOFF;
        c->pull_failures++;
        c->pull_failed_usec = now;
        job_event(j, true, "Failed", now, "Failed to pull image \"%s\": %s", image, why);
        job_event(j, true, "Failed", now, "Error: ErrImagePull");
}

static int start_pull_unit(ManagedJob *j, const Pod *p, const ContainerStatus *c, const Container *tc, bool check) {
        _cleanup_(unit_spec_done) UnitSpec u = {};
        _cleanup_(freep) char *unit = pull_unit_of(j, p, c, check);
        RenderContext ctx = {};
        int r;

        if (!unit)
                return -ENOMEM;
        manager_render_context(j->manager, &ctx);
        r = render_pull_unit(j->job, unit, tc->image, check, &ctx, &u);
        if (r < 0)
                return r;
        return unit_bus_start(j->manager->units, &u);
}

/* IfNotPresent: `podman image exists` first, in its own unit; Always: the pull at once. */
static void start_pull(ManagedJob *j, const JobAction *a, usec_t now, bool *ret_resync) {
        Pod *p = job_status_find_pod(&j->record.status, a->attempt);
        ContainerStatus *c = p ? pod_find_container(p, a->container) : NULL;
        const Container *tc = find_container(j->job, a->container);
        bool check;
        int r;

        if (!c || !tc || c->pull != IMAGE_PULL_PULLING)
                return;
        check = tc->image_pull_policy == PULL_POLICY_IF_NOT_PRESENT;
        c->pull_past_check = false;
        if (!check)
                job_event(j, false, "Pulling", now, "Pulling image \"%s\"", tc->image);
        r = start_pull_unit(j, p, c, tc, check);
        if (r < 0) {
                _cleanup_(freep) char *why = strprintf("cannot start its unit: %s", strerror(-r));
                pull_failed(j, c, tc->image, why ?: "cannot start its unit", now);
                *ret_resync = true;
        }
}

static void on_pull_unit_event(Manager *m, const UnitEvent *ev, const char *ns, const char *job, uint64_t attempt,
                               const char *container, bool check) {
        ManagedJob *j = manager_find_job(m, ns, job);
        Pod *p = j ? job_status_find_pod(&j->record.status, attempt) : NULL;
        ContainerStatus *c = p ? pod_find_container(p, container) : NULL;
        const Container *tc = j ? find_container(j->job, container) : NULL;
        /* The unit the container waits for: the check until it found no image, then the pull. */
        _cleanup_(freep) char *current =
                c && tc ? pull_unit_of(j, p, c, tc->image_pull_policy == PULL_POLICY_IF_NOT_PRESENT &&
                                                !c->pull_past_check) : NULL;
        usec_t now = now_realtime();

        if (ev->type == UNIT_EVENT_RUNNING)
                return;
        /* The result is read: the unit goes (its journal stays). */
        if (ev->type != UNIT_EVENT_GONE)
                (void) unit_bus_remove(m->units, ev->unit);
        /* Not the unit the container waits for (an older pull, the check once the pull runs, a pod that is
         * gone or ending). */
        if (!c || !tc || c->pull != IMAGE_PULL_PULLING || !current || !streq(current, ev->unit) || pod_is_ending(p))
                return;

        if (ev->type == UNIT_EVENT_EXITED && ev->code == 0) {
                c->pull = IMAGE_PULL_DONE;
                if (c->pull_failures > 0)
                        c->reason = mfree(c->reason);
                if (check)
                        job_event(j, false, "Pulled", now, "Container image \"%s\" already present on machine", tc->image);
                else
                        job_event(j, false, "Pulled", now, "Successfully pulled image \"%s\"", tc->image);
        } else if (check && ev->type == UNIT_EVENT_EXITED && ev->code == 1) {
                /* Not there: pulled now. */
                int r;

                job_event(j, false, "Pulling", now, "Pulling image \"%s\"", tc->image);
                c->pull_past_check = true;
                r = start_pull_unit(j, p, c, tc, false);
                if (r < 0) {
                        _cleanup_(freep) char *why = strprintf("cannot start its unit: %s", strerror(-r));
                        pull_failed(j, c, tc->image, why ?: "cannot start its unit", now);
                } else
                        return;
        } else {
                _cleanup_(freep) char *why =
                        ev->type == UNIT_EVENT_EXITED ?
                        strprintf("%s exited %d (see the journal of %s)", check ? "podman image exists" : "podman pull",
                                  ev->code, ev->unit) :
                        strprintf("its unit %s %s", ev->unit,
                                  ev->type == UNIT_EVENT_GONE ? "went away" : strempty(ev->reason));
                pull_failed(j, c, tc->image, why ?: "podman failed", now);
        }
        (void) save_record(j);
        manager_sync_job(m, j);
}

static void for_each_unit_of_pod(ManagedJob *j, const Pod *p, bool remove) {
        for (size_t i = 0; i < p->n_containers; i++) {
                _cleanup_(freep) char *unit = pod_unit_name(managed_job_namespace(j), j->job->metadata.name,
                                                             j->job->spec.completion_mode == COMPLETION_MODE_INDEXED ?
                                                             p->index : UNSET, p->attempt, p->containers[i].restarts,
                                                             p->containers[i].name);
                if (!unit)
                        continue;
                if (remove)
                        (void) unit_bus_remove(j->manager->units, unit);
                else if (p->containers[i].state == CONTAINER_RUNNING || p->containers[i].state == CONTAINER_STARTING)
                        (void) unit_bus_stop(j->manager->units, unit);
                /* A pull that runs (its check or the pull itself) goes with the pod. */
                if (p->containers[i].pull == IMAGE_PULL_PULLING)
                        for (unsigned check = 0; check < 2; check++) {
                                _cleanup_(freep) char *pu = pull_unit_of(j, p, p->containers + i, check);
                                if (pu)
                                        (void) unit_bus_remove(j->manager->units, pu);
                        }
        }
}

/* Fault injection for tests/integration/test-crash.sh: with JOBSD_TEST_CRASH=POINT in its environment,
 * jobsd kills itself with SIGKILL when it reaches POINT, to test what a crash at that moment leaves. */
static void crash_point(const char *point) {
        const char *e = getenv("JOBSD_TEST_CRASH");

        if (e && streq(e, point))
                (void) raise(SIGKILL);
}

static int save_record(ManagedJob *j) {
        int r = state_store_save(j->manager->state_dir, managed_job_namespace(j), j->job->metadata.name, &j->record);

        if (r >= 0)
                j->record_unsaved = false;
        if (r < 0 && !j->save_failed)
                sd_journal_print(LOG_ERR, "%s/%s: cannot save state to %s: %s; no new pods start until it can",
                                 managed_job_namespace(j), j->job->metadata.name, j->manager->state_dir, strerror(-r));
        else if (r >= 0 && j->save_failed)
                sd_journal_print(LOG_NOTICE, "%s/%s: state saved again to %s: going on", managed_job_namespace(j),
                                 j->job->metadata.name, j->manager->state_dir);
        j->save_failed = r < 0;
        return r;
}

/* The effective spec.suspend: jobctl's choice while the manifest's own value is the one it overrode.
 * The file holds "<override> <manifest value at the time>". */
static void apply_suspend(ManagedJob *j, bool manifest_suspend) {
        _cleanup_(freep) char *path = state_file_path(j->manager->state_dir, "jobs", managed_job_namespace(j),
                                                     j->job->metadata.name, "suspend");
        int o = -1, base = -1;
        FILE *f;

        j->manifest_suspend = manifest_suspend;
        j->suspend_override = -1;
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

static bool job_has_running_containers(const ManagedJob *j) {
        for (size_t i = 0; i < j->record.status.n_pods; i++)
                for (size_t k = 0; k < j->record.status.pods[i].n_containers; k++) {
                        ContainerState st = j->record.status.pods[i].containers[k].state;
                        if (st == CONTAINER_RUNNING || st == CONTAINER_STARTING)
                                return true;
                }
        return false;
}

int manager_suspend_job(Manager *m, ManagedJob *j, bool suspend) {
        _cleanup_(freep) char *text = strprintf("%d %d\n", suspend, j->manifest_suspend);
        int r;

        if (!text)
                return -ENOMEM;
        r = state_file_put(m->state_dir, "jobs", managed_job_namespace(j), j->job->metadata.name, "suspend", text,
                           strlen(text));
        if (r < 0)
                return r;
        j->suspend_override = suspend;
        j->job->spec.suspend = suspend;
        sd_journal_print(LOG_INFO, "%s/%s: %s by request", managed_job_namespace(j), j->job->metadata.name,
                         suspend ? "suspended" : "resumed");
        manager_sync_job(m, j);
        return 0;
}

void manager_sync_job(Manager *m, ManagedJob *j) {
        /* Foreground deletion (spec §3.13): nothing new starts; once no pod runs, the Job goes. This may
         * free j. */
        if (j->deleting) {
                if (!job_has_running_containers(j))
                        (void) manager_delete_job(m, j, "background");
                return;
        }
        /* spec §1.2: a Job managed by another controller is left alone entirely. Its record is saved
         * once, so that it keeps its uid and a restart of jobsd only reads it. */
        if (j->job->spec.managed_by && !streq(j->job->spec.managed_by, "kubernetes.io/job-controller")) {
                if (j->record_unsaved || j->save_failed)
                        (void) save_record(j);
                return;
        }

        for (unsigned round = 0; round < 16; round++) {
                _cleanup_(job_action_list_done) JobActionList l = {};
                usec_t now = now_realtime();
                /* Whether the record on disk is the one in memory: counted pods go only then. */
                bool resync = false, saved = !j->save_failed;
                int r;

                r = job_reconcile(j->job, &j->record.status, &m->config, now, &l);
                if (r < 0) {
                        sd_journal_print(LOG_ERR, "%s: controller failed: %s", j->job->metadata.name, strerror(-r));
                        return;
                }
                /* The record of intended pods is on disk before any of them starts (spec §3.14). */
                if (l.changed || j->save_failed)
                        saved = save_record(j) >= 0;

                for (size_t i = 0; i < l.n; i++) {
                        const JobAction *a = l.items + i;
                        Pod *p = job_status_find_pod(&j->record.status, a->attempt);

                        switch (a->type) {
                        case JOB_ACTION_START_CONTAINER:
                                if (!saved) {
                                        /* Not recorded, not started: back to waiting, retried later. */
                                        ContainerStatus *c = p ? pod_find_container(p, a->container) : NULL;
                                        if (c && c->state == CONTAINER_STARTING)
                                                c->state = CONTAINER_WAITING;
                                        if (l.wake_usec == 0 || l.wake_usec > now + 5 * USEC_PER_SEC)
                                                l.wake_usec = now + 5 * USEC_PER_SEC;
                                        break;
                                }
                                crash_point("before-start");
                                (void) start_container(j, a, now, &resync);
                                break;
                        case JOB_ACTION_PULL_IMAGE:
                                if (!saved) {
                                        ContainerStatus *c = p ? pod_find_container(p, a->container) : NULL;
                                        if (c && c->pull == IMAGE_PULL_PULLING)
                                                c->pull = IMAGE_PULL_NONE;
                                        if (l.wake_usec == 0 || l.wake_usec > now + 5 * USEC_PER_SEC)
                                                l.wake_usec = now + 5 * USEC_PER_SEC;
                                        break;
                                }
                                start_pull(j, a, now, &resync);
                                break;
                        case JOB_ACTION_STOP_POD:
                                if (p)
                                        for_each_unit_of_pod(j, p, false);
                                break;
                        case JOB_ACTION_REMOVE_POD:
                                if (p && saved) {
                                        crash_point("before-remove");
                                        remember_finished_pod(j, p);
                                        metrics_pod_counted(m, p);
                                        for_each_unit_of_pod(j, p, true);
                                        remove_volumes(j, p);
                                        job_status_remove_pod(&j->record.status, a->attempt);
                                        resync = true;
                                }
                                break;
                        case JOB_ACTION_EVENT:
                                if (!saved && p && streq(a->reason, "SuccessfulCreate")) {
                                        /* Not recorded, so not created: no event says it was. The
                                         * controller makes the pod again once saving works. */
                                        job_status_remove_pod(&j->record.status, a->attempt);
                                        if (l.wake_usec == 0 || l.wake_usec > now + 5 * USEC_PER_SEC)
                                                l.wake_usec = now + 5 * USEC_PER_SEC;
                                        break;
                                }
                                log_event(j, a, now);
                                break;
                        default:
                                break;
                        }
                }
                if (job_status_is_finished(&j->record.status) && job_ttl_expiry_usec(j->job, &j->record.status) > 0)
                        l.wake_usec = job_ttl_expiry_usec(j->job, &j->record.status);
                arm_timer(j, l.wake_usec);
                if (l.changed || l.n > 0)
                        manager_bus_job_changed(m, j);
                /* Its CronJob sees it finish (history, active, lastSuccessfulTime). */
                if (j->cron_owner && l.changed && job_status_is_finished(&j->record.status))
                        manager_cron_job_poke(m, managed_job_namespace(j), j->cron_owner);
                if (!resync)
                        break;
                /* Removing counted pods changes the record: save that too, once the calls that remove
                 * their units are on the bus socket (a kill after the save then cannot lose them;
                 * sweep_counted_units() catches the rest at the next start). */
                (void) sd_bus_flush(m->bus);
                (void) save_record(j);
        }
}

static void on_unit_event(UnitBus *u, const UnitEvent *ev, void *userdata) {
        Manager *m = userdata;
        _cleanup_(freep) char *ns = NULL, *job = NULL, *container = NULL;
        uint64_t attempt;
        unsigned restart;
        ManagedJob *j;
        Pod *p;
        ContainerStatus *c;
        usec_t now = now_realtime();

        if (startswith(ev->unit, "jobsd-cron_")) {
                manager_cron_unit_event(m, ev);
                return;
        }
        {
                bool check;
                if (pull_unit_name_parse(ev->unit, &ns, &job, &attempt, &container, &check) >= 0) {
                        on_pull_unit_event(m, ev, ns, job, attempt, container, check);
                        return;
                }
        }
        if (pod_unit_name_parse(ev->unit, &ns, &job, NULL, &attempt, &restart, &container) < 0)
                return;
        j = manager_find_job(m, ns, job);
        p = j ? job_status_find_pod(&j->record.status, attempt) : NULL;
        c = p ? pod_find_container(p, container) : NULL;
        if (c && restart != c->restarts) {
                /* A run before the current one: its result is recorded already. */
                if (ev->type == UNIT_EVENT_EXITED)
                        (void) unit_bus_remove(m->units, ev->unit);
                return;
        }
        if (!c) {
                /* Not ours any more (or never): a leftover unit that ended is unloaded. One that runs is
                 * left alone: an orphan (delete --cascade=orphan) runs on unmanaged. */
                if (ev->type == UNIT_EVENT_EXITED)
                        (void) unit_bus_remove(m->units, ev->unit);
                return;
        }

        switch (ev->type) {
        case UNIT_EVENT_RUNNING: {
                bool was_starting = c->state == CONTAINER_STARTING;

                (void) job_status_record_container_start(&j->record.status, attempt, container, now);
                /* Saved at once: a unit found missing after a restart of jobsd has then surely run
                 * (stopped by someone else: a disruption), unlike one still saved as starting (see
                 * UNIT_EVENT_GONE). */
                if (was_starting)
                        (void) save_record(j);
                break;
        }
        case UNIT_EVENT_EXITED:
                if (c->state != CONTAINER_RUNNING && c->state != CONTAINER_STARTING)
                        return;
                if (job_in_images(j) && !ev->started && (!ev->reason || streq(ev->reason, "Error")) &&
                    ev->code >= 125 && ev->code <= 127) {
                        /* podman's own failures (docs/containers.md, "Exit codes"): the unit never became
                         * active, so the container never ran (conmon's READY=1 makes it active): as the
                         * kubelet's StartError, never an exit code of the container. */
                        JobAction fe = { .warning = true, .reason = (char *) "Failed" };
                        _cleanup_(freep) char *msg = strprintf("Error: container %s of pod attempt %" PRIu64
                                                               " could not run: podman exited %d (see the unit's journal)",
                                                               container, attempt, ev->code);
                        fe.message = msg ?: (char *) "Error: podman could not run the container";
                        log_event(j, &fe, now);
                        (void) job_status_record_container_exit(&j->record.status, &j->job->spec, attempt, container,
                                                                128, "StartError", now);
                } else
                        (void) job_status_record_container_exit(&j->record.status, &j->job->spec, attempt, container,
                                                                ev->code, ev->reason, now);
                /* OnFailure: the container runs again as a new unit; this one's result is recorded. */
                if (c->state == CONTAINER_WAITING)
                        (void) unit_bus_remove(m->units, ev->unit);
                break;
        case UNIT_EVENT_START_FAILED:
                sd_journal_print(LOG_ERR, "%s: systemd refused to start %s: %s", job, ev->unit, strempty(ev->reason));
                (void) job_status_record_container_exit(&j->record.status, &j->job->spec, attempt, container, 128,
                                                        "StartError", now);
                break;
        case UNIT_EVENT_GONE:
                /* The unit vanished while it should run: a disruption (the manager restarted, a reboot). */
                if (c->state != CONTAINER_RUNNING && c->state != CONTAINER_STARTING)
                        return;
                /* Saved as starting (a container is saved as running as soon as systemd says it runs),
                 * and missing although the manager has run since before the pod was made: jobsd was
                 * killed before systemd got the start, the unit never existed. (Units stay loaded until
                 * jobsd removes them, unless someone stops them, which takes a unit that runs.) Nothing
                 * ran: start it now, under the same name. A pod made before the manager started (a
                 * reboot) may have run: it is disrupted, below. Not for a pod jobsd is stopping: systemd
                 * may unload a unit it stopped before its result is read. */
                if (c->state == CONTAINER_STARTING && !pod_is_ending(p) && m->systemd_started_usec > 0 &&
                    m->systemd_started_usec < p->created_usec) {
                        sd_journal_print(LOG_NOTICE, "%s/%s: %s was never started (jobsd stopped before systemd got "
                                         "it): starting it now", ns, job, ev->unit);
                        c->state = CONTAINER_WAITING;
                        break;
                }
                /* spec §3.6: DisruptionTarget, so that onPodConditions rules see it as on a cluster; not
                 * for a pod jobsd is stopping itself (systemd may unload it before its result is read). */
                if (p->deletion == POD_DELETION_NONE)
                        (void) job_status_record_pod_disruption(&j->record.status, attempt, NULL, now);
                (void) job_status_record_container_exit(&j->record.status, &j->job->spec, attempt, container, 137,
                                                        "Disrupted", now);
                /* A disrupted pod ends as a whole, as on a node that went away: its other containers stop. */
                if (p->disruption)
                        for_each_unit_of_pod(j, p, false);
                break;
        }
        manager_sync_job(m, j);
}

static int managed_job_new(Manager *m, const Manifest *mf, ManagedJob **ret) {
        ManagedJob *j = calloc(1, sizeof(ManagedJob));
        Job *job;

        if (!j)
                return -ENOMEM;
        j->manager = m;
        j->file = strdup(mf->file);
        j->fingerprint = job_fingerprint(mf, m);
        if (!j->file || !j->fingerprint) {
                managed_job_free(j);
                return -ENOMEM;
        }
        job = mf->job;
        j->job = job;
        apply_suspend(j, job->spec.suspend);
        *ret = j;
        return 0;
}

static int record_new(ManagedJob *j) {
        sd_id128_t id;
        char buf[SD_ID128_UUID_STRING_MAX];
        int r;

        job_record_done(&j->record);
        r = sd_id128_randomize(&id);
        if (r < 0)
                return r;
        /* spec §3.13: on a cluster such a Job adopts matching pods that have no controller. jobsd does
         * not (docs/job-semantics.md): the Job runs pods of its own, orphans run on unmanaged. */
        if (j->job->spec.manual_selector)
                sd_journal_print(LOG_WARNING, "%s/%s: spec.manualSelector: jobsd does not adopt pods it does not "
                                 "manage (orphans of deleted Jobs run on unmanaged); this Job starts pods of its own",
                                 managed_job_namespace(j), j->job->metadata.name);
        j->record.uid = strdup(sd_id128_to_uuid_string(id, buf));
        j->record.manifest_hash = strdup(j->fingerprint);
        j->record.created_usec = now_realtime();
        j->record_unsaved = true;
        if (!j->record.uid || !j->record.manifest_hash)
                return -ENOMEM;
        r = j->cron_owner ? 0 : save_manifest_copy(j);
        if (r < 0 && r != -ENOENT)
                sd_journal_print(LOG_WARNING, "%s: cannot keep a copy of the manifest in %s: %s", j->job->metadata.name,
                                 j->manager->state_dir, strerror(-r));
        return job_status_init(&j->record.status, &j->job->spec);
}

/* Adopts what the state directory knows of a Job, or starts a fresh record. */
static int managed_job_load_record(ManagedJob *j) {
        Manager *m = j->manager;
        _cleanup_(freep) char *err = NULL;
        int r;

        r = state_store_load(m->state_dir, managed_job_namespace(j), j->job->metadata.name, &j->job->spec, &j->record, &err);
        if (r == -ENOENT)
                return record_new(j);
        if (r < 0) {
                /* Never silently reset a Job's counts: keep the file for inspection, run nothing. Reported
                 * once per error, not at every reload. */
                _cleanup_(freep) char *key = strprintf("%s/%s: %s", managed_job_namespace(j), j->job->metadata.name,
                                                       err ?: strerror(-r));
                if (!key || !strv_contains(m->state_errors_logged, key)) {
                        sd_journal_print(LOG_ERR, "%s/%s: state file %s/jobs/%s_%s.state is unreadable (%s): the Job "
                                         "is not run until the file is repaired or removed", managed_job_namespace(j),
                                         j->job->metadata.name, m->state_dir, managed_job_namespace(j),
                                         j->job->metadata.name, err ?: strerror(-r));
                        if (key)
                                (void) strv_push(&m->state_errors_logged, TAKE_PTR(key));
                }
                return r;
        }
        /* A pull that ran when jobsd stopped: its unit is swept at start (manager_start()), the pull
         * asked for again. */
        for (size_t i = 0; i < j->record.status.n_pods; i++)
                for (size_t k = 0; k < j->record.status.pods[i].n_containers; k++)
                        if (j->record.status.pods[i].containers[k].pull == IMAGE_PULL_PULLING)
                                j->record.status.pods[i].containers[k].pull = IMAGE_PULL_NONE;
        if (!streq_ptr(j->record.manifest_hash, j->fingerprint) && !j->cron_owner) {
                if (job_status_is_finished(&j->record.status)) {
                        sd_journal_print(LOG_INFO, "%s/%s: manifest changed since the Job finished: running it again",
                                         managed_job_namespace(j), j->job->metadata.name);
                        return record_new(j);
                }
                /* Changed while jobsd was stopped: what Kubernetes lets change applies; anything else is
                 * refused and the Job goes on as it was made. */
                _cleanup_(job_freep) Job *old = load_manifest_copy(m, managed_job_namespace(j), j->job->metadata.name);
                const char *field = old ? immutable_change(old, j->job) : NULL;
                if (field) {
                        refuse_change(j, j->file, field);
                        job_free(j->job);
                        j->job = TAKE_PTR(old);
                        apply_suspend(j, j->job->spec.suspend);
                        return 0;
                }
                free(j->record.manifest_hash);
                j->record.manifest_hash = strdup(j->fingerprint);
                (void) save_manifest_copy(j);
        }
        return 0;
}

static int manager_add_job(Manager *m, ManagedJob *j) {
        ManagedJob **n = realloc(m->jobs, sizeof(ManagedJob *) * (m->n_jobs + 1));

        if (!n)
                return -ENOMEM;
        m->jobs = n;
        m->jobs[m->n_jobs++] = j;
        metrics_poke(m);
        if (index_rebuild(m) < 0) {
                m->index = mfree(m->index);     /* lookups fall back to a scan */
                m->n_index = 0;
        }
        return 0;
}

/* Adopt: ask systemd how the pods it may still run are doing; answers come as events. */
static void adopt_units(Manager *m, ManagedJob *j) {
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

int manager_add_cron_child(Manager *m, Job *job, const char *file, const char *owner, usec_t slot_usec,
                           ManagedJob **ret) {
        _cleanup_(job_freep) Job *owned = job;
        ManagedJob *j;
        int r;

        if (manager_find_job(m, job_namespace(&job->metadata), job->metadata.name)) {
                sd_journal_print(LOG_ERR, "%s: CronJob %s: a Job named %s exists already", file, owner, job->metadata.name);
                return -EEXIST;
        }
        j = calloc(1, sizeof(ManagedJob));
        if (!j)
                return -ENOMEM;
        j->manager = m;
        j->suspend_override = -1;
        j->file = strdup(file);
        j->cron_owner = strdup(owner);
        j->cron_slot_usec = slot_usec;
        j->fingerprint = strprintf("cron:%s", job->metadata.name);
        j->job = TAKE_PTR(owned);
        if (!j->file || !j->cron_owner || !j->fingerprint) {
                managed_job_free(j);
                return -ENOMEM;
        }
        apply_suspend(j, j->job->spec.suspend);
        r = managed_job_load_record(j);
        if (r < 0) {
                managed_job_free(j);
                return r;
        }
        r = manager_add_job(m, j);
        if (r < 0) {
                managed_job_free(j);
                return r;
        }
        adopt_units(m, j);
        manager_sync_job(m, j);
        if (ret)
                *ret = j;
        return 0;
}

static void manager_remove_job_at(Manager *m, size_t i) {
        metrics_poke(m);
        managed_job_free(m->jobs[i]);
        memmove(m->jobs + i, m->jobs + i + 1, sizeof(ManagedJob *) * (m->n_jobs - i - 1));
        m->n_jobs--;
        if (index_rebuild(m) < 0) {
                m->index = mfree(m->index);
                m->n_index = 0;
        }
}

/* A Job deleted through the API stays deleted while its manifest is unchanged, as a deleted object stays
 * deleted on a cluster: the tombstone holds the fingerprint of the content that was deleted. */
static bool is_tombstoned(Manager *m, const char *namespace, const char *name, const char *fingerprint) {
        _cleanup_(freep) char *path = state_file_path(m->state_dir, "jobs", namespace, name, "deleted");
        char buf[64] = "";
        FILE *f;

        if (!path || !(f = fopen(path, "re")))
                return false;
        if (!fgets(buf, sizeof(buf), f))
                buf[0] = 0;
        fclose(f);
        buf[strcspn(buf, "\n")] = 0;
        if (streq(buf, fingerprint))
                return true;
        (void) unlink(path);
        return false;
}

int manager_delete_job(Manager *m, ManagedJob *j, const char *cascade) {
        bool orphan = cascade && streq(cascade, "orphan");

        if (cascade && streq(cascade, "foreground") && job_has_running_containers(j)) {
                /* Terminating: stop the pods, wait for them, then delete (manager_sync_job()). */
                j->deleting = true;
                sd_event_source_disable_unref(j->timer);
                j->timer = NULL;
                for (size_t i = 0; i < j->record.status.n_pods; i++) {
                        Pod *p = j->record.status.pods + i;
                        if (p->deletion == POD_DELETION_NONE) {
                                p->deletion = POD_DELETION_UNCOUNTED;
                                p->deletion_usec = now_realtime();
                        }
                        for_each_unit_of_pod(j, p, false);
                }
                sd_journal_print(LOG_INFO, "%s/%s: deleting (foreground): waiting for its pods to stop",
                                 managed_job_namespace(j), j->job->metadata.name);
                manager_bus_job_changed(m, j);
                return 0;
        }
        for (size_t i = 0; i < j->record.status.n_pods; i++) {
                Pod *p = j->record.status.pods + i;
                if (orphan)
                        continue;
                for_each_unit_of_pod(j, p, true);
                remove_volumes(j, p);
        }
        (void) state_store_remove(m->state_dir, managed_job_namespace(j), j->job->metadata.name);
        (void) state_file_delete(m->state_dir, "jobs", managed_job_namespace(j), j->job->metadata.name, "manifest");
        (void) state_file_delete(m->state_dir, "jobs", managed_job_namespace(j), j->job->metadata.name, "suspend");
        if (!j->cron_owner && access(j->file, F_OK) >= 0) {
                _cleanup_(freep) char *text = strprintf("%s\n", j->fingerprint);
                /* Written as every state file is: a kill leaves the old tombstone or the new one. */
                if (text)
                        (void) state_file_put(m->state_dir, "jobs", managed_job_namespace(j), j->job->metadata.name,
                                              "deleted", text, strlen(text));
        }
        sd_journal_print(LOG_INFO, "%s/%s: deleted (%s)", managed_job_namespace(j), j->job->metadata.name,
                         cascade ?: "background");
        _cleanup_(freep) char *owner = j->cron_owner ? strdup(j->cron_owner) : NULL,
                *owner_ns = owner ? strdup(managed_job_namespace(j)) : NULL;
        for (size_t i = 0; i < m->n_jobs; i++)
                if (m->jobs[i] == j) {
                        manager_remove_job_at(m, i);
                        break;
                }
        if (owner && owner_ns)
                manager_cron_job_poke(m, owner_ns, owner);
        return 0;
}

int manager_rerun_job(Manager *m, ManagedJob *j) {
        int r;

        for (size_t i = 0; i < j->record.status.n_pods; i++) {
                for_each_unit_of_pod(j, j->record.status.pods + i, true);
                remove_volumes(j, j->record.status.pods + i);
        }
        r = record_new(j);
        if (r < 0)
                return r;
        managed_job_clear_history(j);
        manager_sync_job(m, j);
        return 0;
}

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
        sd_journal_print(LOG_INFO, "%s/%s: CronJob now defined in %s (was %s)", managed_cron_job_namespace(c),
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
static int manager_reload(Manager *m) {
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
                        sd_journal_print(LOG_INFO, "%s/%s: now defined in %s (was %s)", managed_job_namespace(old),
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
                                sd_journal_print(LOG_ERR, "%s: Job %s is already defined in %s, ignoring this one",
                                                 mf->file, mf->job->metadata.name, old->file);
                                continue;
                        }
                        /* Changed content: a finished Job runs again with it; a running one takes what
                         * Kubernetes lets change, and refuses anything else, naming the field. */
                        if (!job_status_is_finished(&old->record.status)) {
                                const char *field = immutable_change(old->job, mf->job);
                                if (field) {
                                        refuse_change(old, mf->file, field);
                                        continue;
                                }
                        }
                        job_free(old->job);
                        old->job = TAKE_PTR(mf->job);
                        apply_suspend(old, old->job->spec.suspend);
                        free(old->fingerprint);
                        old->fingerprint = TAKE_PTR(fp);
                        if (job_status_is_finished(&old->record.status)) {
                                r = record_new(old);
                                if (r < 0)
                                        return r;
                        } else {
                                free(old->record.manifest_hash);
                                old->record.manifest_hash = strdup(old->fingerprint);
                                (void) save_manifest_copy(old);
                        }
                        manager_sync_job(m, old);
                        continue;
                }
                r = managed_job_new(m, mf, &j);
                if (r < 0)
                        return r;
                mf->job = NULL;
                if (is_tombstoned(m, managed_job_namespace(j), j->job->metadata.name, j->fingerprint)) {
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
                adopt_units(m, j);
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
                sd_journal_print(LOG_INFO, "%s: no longer defines Job %s: deleting it", j->file, j->job->metadata.name);
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
        int r = manager_reload(m);

        if (r < 0)
                sd_journal_print(LOG_ERR, "cannot load %s: %s", m->manifest_dir, strerror(-r));
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

int manager_new(bool user, const char *manifest_dir, const char *state_dir, const JobConfig *config, Manager **ret) {
        Manager *m;
        int r;

        m = calloc(1, sizeof(Manager));
        if (!m)
                return -ENOMEM;
        m->user = user;
        m->mutating_uid = user ? geteuid() : 0;
        m->config = *config;
        m->manifest_dir = strdup(manifest_dir);
        m->state_dir = strdup(state_dir);
        if (user) {
                const char *rt = getenv("XDG_RUNTIME_DIR");
                m->runtime_dir = strprintf("%s/jobsd", rt ?: "/tmp");
        } else
                m->runtime_dir = strdup("/run/jobsd");
        if (!m->manifest_dir || !m->state_dir || !m->runtime_dir) {
                manager_free(m);
                return -ENOMEM;
        }
        (void) gethostname(m->hostname, sizeof(m->hostname) - 1);
        /* The CronJobs' trigger services run the jobctl installed beside jobsd (a build tree), else the
         * installed one. */
        {
                char exe[PATH_MAX] = "";
                ssize_t l = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
                char *slash;
                if (l > 0) {
                        exe[l] = 0;
                        slash = strrchr(exe, '/');
                        if (slash) {
                                *slash = 0;
                                m->jobctl_path = strprintf("%s/jobctl", exe);
                                if (m->jobctl_path && access(m->jobctl_path, X_OK) < 0)
                                        m->jobctl_path = mfree(m->jobctl_path);
                        }
                }
                if (!m->jobctl_path)
                        m->jobctl_path = strdup(JOBSD_BINDIR "/jobctl");
                if (!m->jobctl_path) {
                        manager_free(m);
                        return -ENOMEM;
                }
        }

        r = sd_event_default(&m->event);
        if (r < 0)
                goto fail;
        (void) sd_event_set_watchdog(m->event, true);
        r = user ? sd_bus_open_user(&m->bus) : sd_bus_open_system(&m->bus);
        if (r < 0)
                goto fail;
        r = sd_bus_attach_event(m->bus, m->event, 0);
        if (r < 0)
                goto fail;
        r = unit_bus_new(m->bus, on_unit_event, m, &m->units);
        if (r < 0)
                goto fail;
        /* Tells a unit that was never started from one a restarted manager lost (on_unit_event()). */
        if (sd_bus_get_property_trivial(m->bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                        "org.freedesktop.systemd1.Manager", "UserspaceTimestamp", NULL, 't',
                                        &m->systemd_started_usec) < 0)
                m->systemd_started_usec = 0;
        *ret = m;
        return 0;
fail:
        manager_free(m);
        return r;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        for (size_t i = 0; i < m->n_cron_jobs; i++)
                managed_cron_job_free(m->cron_jobs[i]);
        free(m->cron_jobs);
        for (size_t i = 0; i < m->n_jobs; i++)
                managed_job_free(m->jobs[i]);
        free(m->jobs);
        free(m->jobctl_path);
        free(m->podman);
        strv_free(m->podman_args);
        podman_host_done(&m->podman_host);
        free(m->index);
        sd_event_source_disable_unref(m->inotify);
        sd_event_source_disable_unref(m->reload_timer);
        unit_bus_free(m->units);
        sd_bus_flush_close_unref(m->bus);
        sd_event_unref(m->event);
        strv_free(m->diag_keys);
        strv_free(m->state_errors_logged);
        free(m->manifest_dir);
        free(m->state_dir);
        free(m->runtime_dir);
        free(m);
        return NULL;
}

/* At start: units of pods whose outcome is counted already (their records are gone) are removed. A kill
 * of jobsd after the record without the pod was saved but before the StopUnit calls left its socket
 * leaves such units behind; nothing else would ever remove them. Units of Jobs jobsd does not know
 * (orphans of delete --cascade=orphan) are left alone. */
static void sweep_counted_units(Manager *m) {
        _cleanup_(strv_freep) char **units = NULL;

        if (unit_bus_list(m->units, "jobsd-*.service", &units) < 0)
                return;
        for (char **u = units; u && *u; u++) {
                _cleanup_(freep) char *ns = NULL, *job = NULL, *container = NULL;
                uint64_t attempt;
                unsigned restart;
                ManagedJob *j;
                Pod *p;
                ContainerStatus *c;

                if (pod_unit_name_parse(*u, &ns, &job, NULL, &attempt, &restart, &container) < 0)
                        continue;
                j = manager_find_job(m, ns, job);
                if (!j || attempt >= j->record.status.next_attempt)
                        continue;
                p = job_status_find_pod(&j->record.status, attempt);
                c = p ? pod_find_container(p, container) : NULL;
                if (p && (!c || restart >= c->restarts))
                        continue;       /* a pod of the record: its current run */
                sd_journal_print(LOG_INFO, "%s/%s: removing %s, whose pod is counted already", ns, job, *u);
                (void) unit_bus_remove(m->units, *u);
        }
}

/* Pull units left by a jobsd that stopped: their pulls are asked for again. */
static void sweep_pull_units(Manager *m) {
        _cleanup_(strv_freep) char **units = NULL;

        if (unit_bus_list(m->units, "jobsd-pull-*.service", &units) < 0)
                return;
        for (char **u = units; u && *u; u++)
                if (pull_unit_name_parse(*u, NULL, NULL, NULL, NULL, NULL) >= 0)
                        (void) unit_bus_remove(m->units, *u);
}

int manager_start(Manager *m) {
        usec_t started = now_realtime();
        unsigned restored = 0, pods = 0;
        int r;

        r = mkdir_p(m->state_dir, 0700);
        if (r < 0)
                return r;
        r = mkdir_p(m->manifest_dir, 0755);
        if (r < 0)
                return r;
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
        r = manager_bus_register(m);
        if (r < 0)
                return r;
        m->config.default_runtime = m->default_runtime;
        sweep_pull_units(m);
        r = manager_reload(m);
        if (r < 0)
                return r;
        sweep_counted_units(m);
        /* The events from before this start, for describe (kept in memory, logged to the journal). */
        usec_t t0 = now_realtime();
        r = manager_restore_events(m, started, &restored, &pods);
        if (r < 0)
                sd_journal_print(LOG_NOTICE, "cannot read earlier events from the journal: %s", strerror(-r));
        else if (restored > 0 || pods > 0)
                sd_journal_print(LOG_INFO, "%u event(s) and %u finished pod(s) from before this start read back from "
                                 "the journal in %" PRIu64 " ms", restored, pods, (now_realtime() - t0) / 1000);
        return 0;
}
