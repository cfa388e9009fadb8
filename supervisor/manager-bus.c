/* SPDX-License-Identifier: Apache-2.0 */
/* jobsd's D-Bus API (docs/dbus-api.md). */
#include <inttypes.h>

#include <systemd/sd-journal.h>

#include "jobsd/log.h"
#include "jobsd/names.h"
#include "jobsd/strv.h"
#include "api-watch.h"
#include "bus-api.h"
#include "cronjob-manager.h"
#include "job-delete.h"
#include "job-run.h"
#include "managed-job.h"
#include "manager-bus.h"
#include "metrics.h"

/* jobsd's D-Bus API (docs/dbus-api.md): the manager object lists Jobs; each Job is an object whose
 * status is properties and whose actions are methods. Handlers decode, check, call one manager
 * function. */

static char *job_object_path(const ManagedJob *j) {
        _cleanup_(freep) char *id = strprintf("%s_%s", managed_job_namespace(j), j->job->metadata.name);
        char *path = NULL;

        if (!id || sd_bus_path_encode(JOBSD_JOB_PATH_PREFIX, id, &path) < 0)
                return NULL;
        return path;
}

static ManagedJob *job_from_path(Manager *m, const char *path) {
        _cleanup_(freep) char *id = NULL;
        char *sep;

        if (sd_bus_path_decode(path, JOBSD_JOB_PATH_PREFIX, &id) <= 0 || !id)
                return NULL;
        sep = strchr(id, '_');
        if (!sep)
                return NULL;
        *sep = 0;
        return manager_find_job(m, id, sep + 1);
}

static int find_job(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                    sd_bus_error *error) {
        ManagedJob *j = job_from_path(userdata, path);

        if (!j)
                return 0;
        *found = j;
        return 1;
}

static int enumerate_jobs(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_(strv_freep) char **l = NULL;
        size_t n = 0;

        for (size_t i = 0; i < m->n_jobs; i++) {
                int r = strv_push_n(&l, &n, job_object_path(m->jobs[i]));
                if (r < 0)
                        return r;
        }
        *nodes = TAKE_PTR(l);
        return 0;
}

/* Only one user may change Jobs and CronJobs: root for --system, the user jobsd runs as for --user
 * (jobsd --mutating-uid= names another, a test aid). Reading is open to everyone the bus lets in
 * (docs/dbus-api.md). The caller's effective UID comes from the bus (SO_PEERCRED as the bus daemon saw
 * it at connection time), not from anything the caller sends. */
static int check_caller(sd_bus_message *m, Manager *mgr, sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t uid;
        int r;

        r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &creds);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot tell who is calling: %m, refusing.");
        r = sd_bus_creds_get_euid(creds, &uid);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot tell who is calling: %m, refusing.");
        if (uid != mgr->mutating_uid)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "Only UID %u may change Jobs, not UID %u, refusing.",
                                         (unsigned) mgr->mutating_uid, (unsigned) uid);
        return 0;
}

/* The lists answer in the order kubectl shows: by namespace, then name (the arrays themselves are in no
 * particular order: a removal moves the last object into the gap). */
static int compare_job(const void *a, const void *b) {
        const ManagedJob *x = *(const ManagedJob * const *) a, *y = *(const ManagedJob * const *) b;
        int r = strcmp(managed_job_namespace(x), managed_job_namespace(y));

        return r != 0 ? r : strcmp(x->job->metadata.name, y->job->metadata.name);
}

static int compare_cron_job(const void *a, const void *b) {
        const ManagedCronJob *x = *(const ManagedCronJob * const *) a, *y = *(const ManagedCronJob * const *) b;
        int r = strcmp(managed_cron_job_namespace(x), managed_cron_job_namespace(y));

        return r != 0 ? r : strcmp(x->cj->metadata.name, y->cj->metadata.name);
}

/* A sorted copy of an array of n pointers (room for n + 1: never NULL for n = 0 unless out of memory). */
static void *sorted_copy(const void *items, size_t n, int (*compare)(const void *, const void *)) {
        void **l = malloc(sizeof(void *) * (n + 1));

        if (l && n > 0) {
                memcpy(l, items, sizeof(void *) * n);
                qsort(l, n, sizeof(void *), compare);
        }
        return l;
}

static ManagedJob **sorted_jobs(Manager *m) {
        return sorted_copy(m->jobs, m->n_jobs, compare_job);
}

static ManagedCronJob **sorted_cron_jobs(Manager *m) {
        return sorted_copy(m->cron_jobs, m->n_cron_jobs, compare_cron_job);
}

static int method_list_jobs(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        _cleanup_(freep) ManagedJob **jobs = sorted_jobs(m);
        if (!jobs)
                return -ENOMEM;
        r = sd_bus_message_open_container(reply, 'a', "(ssso)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < m->n_jobs; i++) {
                _cleanup_(freep) char *path = job_object_path(jobs[i]), *status = managed_job_status_word(jobs[i]);
                if (!path || !status)
                        return -ENOMEM;
                r = sd_bus_message_append(reply, "(ssso)", managed_job_namespace(jobs[i]),
                                          jobs[i]->job->metadata.name, status, path);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* The columns of `jobctl get jobs` (and -o wide) for every Job in one reply: one call, not a GetAll per
 * Job (docs/performance.md). */
static int method_list_job_rows(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        _cleanup_(freep) ManagedJob **jobs = sorted_jobs(m);
        if (!jobs)
                return -ENOMEM;
        r = sd_bus_message_open_container(reply, 'a', "(sssiiittta(ss))");
        if (r < 0)
                return r;
        for (size_t i = 0; i < m->n_jobs; i++) {
                const ManagedJob *j = jobs[i];
                const PodSpec *ps = &j->job->spec.template.spec;
                _cleanup_(freep) char *status = managed_job_status_word(j);
                if (!status)
                        return -ENOMEM;
                r = sd_bus_message_open_container(reply, 'r', "sssiiittta(ss)");
                if (r < 0)
                        return r;
                r = sd_bus_message_append(reply, "sssiiittt", managed_job_namespace(j), j->job->metadata.name, status,
                                          j->job->spec.completions, j->job->spec.parallelism, j->record.status.succeeded,
                                          (uint64_t) j->record.created_usec, (uint64_t) j->record.status.start_usec,
                                          (uint64_t) j->record.status.completion_usec);
                if (r < 0)
                        return r;
                r = sd_bus_message_open_container(reply, 'a', "(ss)");
                if (r < 0)
                        return r;
                for (size_t k = 0; k < ps->n_containers; k++) {
                        r = sd_bus_message_append(reply, "(ss)", ps->containers[k].name, strempty(ps->containers[k].image));
                        if (r < 0)
                                return r;
                }
                r = sd_bus_message_close_container(reply);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_delete(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        ManagedJob *j = userdata;
        const char *cascade;
        int r;

        r = sd_bus_message_read(msg, "s", &cascade);
        if (r < 0)
                return r;
        if (!streq(cascade, "background") && !streq(cascade, "foreground") && !streq(cascade, "orphan"))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Cascade must be background, foreground or orphan, not '%s', refusing.", cascade);
        r = check_caller(msg, j->manager, error);
        if (r < 0)
                return r;
        r = manager_delete_job(j->manager, j, cascade);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_rerun(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        ManagedJob *j = userdata;
        int r;

        r = check_caller(msg, j->manager, error);
        if (r < 0)
                return r;
        if (!job_status_is_finished(&j->record.status))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Job %s has not finished, refusing.",
                                         j->job->metadata.name);
        r = manager_rerun_job(j->manager, j);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_set_suspend(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        ManagedJob *j = userdata;
        int suspend, r;

        r = sd_bus_message_read(msg, "b", &suspend);
        if (r < 0)
                return r;
        r = check_caller(msg, j->manager, error);
        if (r < 0)
                return r;
        if (job_status_is_finished(&j->record.status))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Job %s has finished, refusing.",
                                         j->job->metadata.name);
        r = manager_suspend_job(j->manager, j, suspend);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot record the suspend state of %s: %m",
                                               j->job->metadata.name);
        return sd_bus_reply_method_return(msg, NULL);
}

#define J(userdata) ((ManagedJob *) (userdata))

static int property_get_string(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        ManagedJob *j = userdata;
        _cleanup_(freep) char *tmp = NULL;
        const char *v = "";

        if (streq(property, "Namespace"))
                v = managed_job_namespace(j);
        else if (streq(property, "Name"))
                v = j->job->metadata.name;
        else if (streq(property, "UID"))
                v = strempty(j->record.uid);
        else if (streq(property, "ManifestFile"))
                v = j->file;
        else if (streq(property, "Status"))
                v = tmp = managed_job_status_word(j);
        else if (streq(property, "CompletionMode"))
                v = completion_mode_to_string(j->job->spec.completion_mode);
        else if (streq(property, "CompletedIndexes"))
                v = tmp = job_status_completed_indexes(&j->record.status);
        else if (streq(property, "FailedIndexes"))
                v = tmp = job_status_failed_indexes(&j->record.status);
        else if (streq(property, "RestartPolicy"))
                v = restart_policy_to_string(j->job->spec.template.spec.restart_policy);
        if (!v)
                return -ENOMEM;
        return sd_bus_message_append(reply, "s", v);
}

static int property_get_int(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        ManagedJob *j = userdata;
        const JobStatus *s = &j->record.status;
        int32_t v = 0;

        if (streq(property, "Completions"))
                v = j->job->spec.completions;
        else if (streq(property, "Parallelism"))
                v = j->job->spec.parallelism;
        else if (streq(property, "BackoffLimit"))
                v = j->job->spec.backoff_limit;
        else if (streq(property, "Active"))
                v = job_status_active(s);
        else if (streq(property, "Ready"))
                v = job_status_ready(s);
        else if (streq(property, "Succeeded"))
                v = s->succeeded;
        else if (streq(property, "Failed"))
                v = s->failed;
        else if (streq(property, "Terminating"))
                v = job_status_terminating(s);
        return sd_bus_message_append(reply, "i", v);
}

static int property_get_time(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        ManagedJob *j = userdata;
        uint64_t v = 0;

        if (streq(property, "CreationTime"))
                v = j->record.created_usec;
        else if (streq(property, "StartTime"))
                v = j->record.status.start_usec;
        else if (streq(property, "CompletionTime"))
                v = j->record.status.completion_usec;
        return sd_bus_message_append(reply, "t", v);
}

static int property_get_x(sd_bus *bus, const char *path, const char *interface, const char *property,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        ManagedJob *j = userdata;

        if (streq(property, "ActiveDeadlineSeconds"))
                return sd_bus_message_append(reply, "x", j->job->spec.active_deadline_seconds);
        return sd_bus_message_append(reply, "x", (int64_t) j->job->spec.ttl_seconds_after_finished);
}

static int property_get_suspend(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "b", J(userdata)->job->spec.suspend);
}

static int property_get_conditions(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        const JobStatus *s = &J(userdata)->record.status;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(sbtss)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < s->n_conditions; i++) {
                const JobCondition *c = s->conditions + i;
                r = sd_bus_message_append(reply, "(sbtss)", job_condition_type_to_string(c->type), c->status,
                                          c->transition_usec, c->reason, c->message);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static int property_get_events(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        ManagedJob *j = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(tbssu)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < j->n_events; i++) {
                const JobEvent *e = j->events + i;
                r = sd_bus_message_append(reply, "(tbssu)", e->at_usec, e->warning, e->reason, e->message, e->count);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

/* Pods: name, index (-1 for NonIndexed), attempt, phase, reason (for a Pending pod: its container's
 * ErrImagePull or ImagePullBackOff), ready containers, containers,
 * restarts, created, finished, and the units it runs as. */
static int property_get_pods(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        ManagedJob *j = userdata;
        const JobStatus *s = &j->record.status;
        bool indexed = j->job->spec.completion_mode == COMPLETION_MODE_INDEXED;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(sxtssuuuttas)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < s->n_pods; i++) {
                const Pod *p = s->pods + i;
                _cleanup_(freep) char *name = pod_name(j->job->metadata.name, indexed ? p->index : UNSET, p->attempt);
                _cleanup_(strv_freep) char **units = NULL;
                const char *phase = pod_phase_to_string(p->phase);
                uint32_t ready = 0, restarts = 0, total = 0;

                if (!name)
                        return -ENOMEM;
                for (size_t k = 0; k < p->n_containers; k++) {
                        const ContainerStatus *c = p->containers + k;
                        if (!c->init) {
                                total++;
                                if (c->state == CONTAINER_RUNNING)
                                        ready++;
                        }
                        restarts += c->restarts;
                        r = strv_push(&units, pod_unit_name(managed_job_namespace(j), j->job->metadata.name,
                                                            indexed ? p->index : UNSET, p->attempt, c->restarts, c->name));
                        if (r < 0)
                                return r;
                }
                if (p->deletion != POD_DELETION_NONE && p->phase != POD_SUCCEEDED && p->phase != POD_FAILED)
                        phase = "Terminating";
                r = sd_bus_message_open_container(reply, 'r', "sxtssuuuttas");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "sxtssuuutt", name, p->index, p->attempt, phase,
                                                  strempty(p->reason ?: pod_waiting_reason(p)), ready, total, restarts,
                                                  p->created_usec,
                                                  p->finished_usec);
                if (r >= 0)
                        r = sd_bus_message_append_strv(reply, units);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < j->n_finished; i++) {
                const FinishedPod *f = j->finished + i;
                r = sd_bus_message_open_container(reply, 'r', "sxtssuuuttas");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "sxtssuuutt", f->name, f->index, f->attempt,
                                                  pod_phase_to_string(f->phase), strempty(f->reason), 0, f->containers,
                                                  f->restarts, f->created_usec, f->finished_usec);
                if (r >= 0)
                        r = sd_bus_message_append_strv(reply, f->units);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static int property_get_images(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        const PodSpec *ps = &J(userdata)->job->spec.template.spec;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(ss)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < ps->n_containers; i++) {
                r = sd_bus_message_append(reply, "(ss)", ps->containers[i].name, strempty(ps->containers[i].image));
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

/* spec §3.6: the finished pods a podFailurePolicy rule decided: pod, rule index, action. */
static int property_get_decisions(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        ManagedJob *j = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(sis)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < j->n_finished; i++) {
                const FinishedPod *f = j->finished + i;
                if (f->failure_rule == UNSET || f->failure_rule < 0)
                        continue;
                r = sd_bus_message_append(reply, "(sis)", f->name, f->failure_rule,
                                          pod_failure_action_to_string(f->failure_action));
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

/* metadata.labels and metadata.annotations: key, value. */
static int property_get_meta(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        const ObjectMeta *meta = &J(userdata)->job->metadata;
        const StrMap *map = streq(property, "Labels") ? &meta->labels : &meta->annotations;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(ss)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < map->n; i++) {
                r = sd_bus_message_append(reply, "(ss)", map->items[i].key, map->items[i].value);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

/* CronJobs: /io/jobsd/cronjob/<namespace>_<name>, interface io.jobsd.CronJob1. */

static char *cron_job_object_path(const ManagedCronJob *c) {
        _cleanup_(freep) char *id = strprintf("%s_%s", managed_cron_job_namespace(c), c->cj->metadata.name);
        char *path = NULL;

        if (!id || sd_bus_path_encode(JOBSD_CRON_JOB_PATH_PREFIX, id, &path) < 0)
                return NULL;
        return path;
}

static int find_cron_job(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                         sd_bus_error *error) {
        _cleanup_(freep) char *id = NULL;
        ManagedCronJob *c;
        char *sep;

        if (sd_bus_path_decode(path, JOBSD_CRON_JOB_PATH_PREFIX, &id) <= 0 || !id || !(sep = strchr(id, '_')))
                return 0;
        *sep = 0;
        c = manager_find_cron_job(userdata, id, sep + 1);
        if (!c)
                return 0;
        *found = c;
        return 1;
}

static int enumerate_cron_jobs(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_(strv_freep) char **l = NULL;
        size_t n = 0;

        for (size_t i = 0; i < m->n_cron_jobs; i++) {
                int r = strv_push_n(&l, &n, cron_job_object_path(m->cron_jobs[i]));
                if (r < 0)
                        return r;
        }
        *nodes = TAKE_PTR(l);
        return 0;
}

static int method_list_cron_jobs(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        _cleanup_(freep) ManagedCronJob **cron_jobs = sorted_cron_jobs(m);
        if (!cron_jobs)
                return -ENOMEM;
        r = sd_bus_message_open_container(reply, 'a', "(sso)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < m->n_cron_jobs; i++) {
                _cleanup_(freep) char *path = cron_job_object_path(cron_jobs[i]);
                if (!path)
                        return -ENOMEM;
                r = sd_bus_message_append(reply, "(sso)", managed_cron_job_namespace(cron_jobs[i]),
                                          cron_jobs[i]->cj->metadata.name, path);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* The directory jobsd loads manifests from: where jobctl apply and delete -f install and remove them. */
static int property_get_manifest_directory(sd_bus *bus, const char *path, const char *interface,
                                           const char *property, sd_bus_message *reply, void *userdata,
                                           sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "s", m->manifest_dir);
}

#define C(userdata) ((ManagedCronJob *) (userdata))

/* The columns of `jobctl get cronjobs` (and -o wide) for every CronJob in one reply: one call, not a
 * GetAll per CronJob. */
static int method_list_cron_job_rows(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        _cleanup_(freep) ManagedCronJob **cron_jobs = sorted_cron_jobs(m);
        if (!cron_jobs)
                return -ENOMEM;
        r = sd_bus_message_open_container(reply, 'a', "(ssssbuttts)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < m->n_cron_jobs; i++) {
                const ManagedCronJob *c = cron_jobs[i];
                _cleanup_(freep) char *timer = c->cj->spec.suspend ? strdup("") :
                        cron_job_unit_name(managed_cron_job_namespace(c), c->cj->metadata.name, "timer");
                if (!timer)
                        return -ENOMEM;
                r = sd_bus_message_append(reply, "(ssssbuttts)", managed_cron_job_namespace(c), c->cj->metadata.name,
                                          strempty(c->cj->spec.schedule), strempty(c->cj->spec.time_zone),
                                          (int) c->cj->spec.suspend, (uint32_t) strv_length(c->status.active),
                                          (uint64_t) c->status.last_schedule_usec, (uint64_t) c->status.created_usec,
                                          (uint64_t) c->next_usec, timer);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int cron_property_get_string(sd_bus *bus, const char *path, const char *interface, const char *property,
                                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        ManagedCronJob *c = userdata;
        _cleanup_(freep) char *tmp = NULL;
        const char *v = "";

        if (streq(property, "Namespace"))
                v = managed_cron_job_namespace(c);
        else if (streq(property, "Name"))
                v = c->cj->metadata.name;
        else if (streq(property, "ManifestFile"))
                v = c->file;
        else if (streq(property, "Schedule"))
                v = c->cj->spec.schedule;
        else if (streq(property, "TimeZone"))
                v = strempty(c->cj->spec.time_zone);
        else if (streq(property, "ConcurrencyPolicy"))
                v = concurrency_policy_to_string(c->cj->spec.concurrency_policy);
        else if (streq(property, "TimerUnit"))
                v = tmp = c->cj->spec.suspend ? strdup("") :
                        cron_job_unit_name(managed_cron_job_namespace(c), c->cj->metadata.name, "timer");
        return sd_bus_message_append(reply, "s", strempty(v));
}

static int cron_property_get_suspend(sd_bus *bus, const char *path, const char *interface, const char *property,
                                     sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "b", C(userdata)->cj->spec.suspend);
}

static int cron_property_get_int(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        ManagedCronJob *c = userdata;

        if (streq(property, "SuccessfulJobsHistoryLimit"))
                return sd_bus_message_append(reply, "i", c->cj->spec.successful_jobs_history_limit);
        if (streq(property, "FailedJobsHistoryLimit"))
                return sd_bus_message_append(reply, "i", c->cj->spec.failed_jobs_history_limit);
        return sd_bus_message_append(reply, "x", (int64_t) c->cj->spec.starting_deadline_seconds);
}

static int cron_property_get_time(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        ManagedCronJob *c = userdata;
        uint64_t v = 0;

        if (streq(property, "CreationTime"))
                v = c->status.created_usec;
        else if (streq(property, "LastScheduleTime"))
                v = c->status.last_schedule_usec;
        else if (streq(property, "LastSuccessfulTime"))
                v = c->status.last_successful_usec;
        else if (streq(property, "NextScheduleTime"))
                v = c->next_usec;
        return sd_bus_message_append(reply, "t", v);
}

static int cron_property_get_active(sd_bus *bus, const char *path, const char *interface, const char *property,
                                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        ManagedCronJob *c = userdata;
        Manager *m = c->manager;
        _cleanup_(strv_freep) char **jobs = NULL;
        size_t n = 0;

        if (streq(property, "Active"))
                return sd_bus_message_append_strv(reply, c->status.active);
        CronChildren *g = manager_cron_children(m, managed_cron_job_namespace(c), c->cj->metadata.name);
        for (ManagedJob *j = g ? g->first : NULL; j; j = j->cron_next)
                if (strv_extend_n(&jobs, &n, j->job->metadata.name) < 0)
                        return -ENOMEM;
        return sd_bus_message_append_strv(reply, jobs);
}

static int cron_property_get_events(sd_bus *bus, const char *path, const char *interface, const char *property,
                                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        ManagedCronJob *c = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(tbssu)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < c->n_events; i++) {
                const JobEvent *e = c->events + i;
                r = sd_bus_message_append(reply, "(tbssu)", e->at_usec, e->warning, e->reason, e->message, e->count);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static int method_cron_trigger(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        ManagedCronJob *c = userdata;
        int r;

        r = check_caller(msg, c->manager, error);
        if (r < 0)
                return r;
        log_info("%s/%s: triggered by its timer", managed_cron_job_namespace(c), c->cj->metadata.name);
        manager_sync_cron_job(c->manager, c);
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_cron_set_suspend(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        ManagedCronJob *c = userdata;
        int suspend, r;

        r = sd_bus_message_read(msg, "b", &suspend);
        if (r < 0)
                return r;
        r = check_caller(msg, c->manager, error);
        if (r < 0)
                return r;
        r = manager_cron_job_set_suspend(c->manager, c, suspend);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot record the suspend state of %s: %m", c->cj->metadata.name);
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_cron_create_job(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        ManagedCronJob *c = userdata;
        _cleanup_(freep) char *err = NULL;
        const char *name;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = check_caller(msg, c->manager, error);
        if (r < 0)
                return r;
        if (dns1123_subdomain_check(name, &err) < 0 || strlen(name) > 63)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Job.batch \"%s\" is invalid: metadata.name: "
                                         "Invalid value: \"%s\": %s", name, name, err ?: "must be no more than 63 characters");
        r = manager_cron_job_create_manual(c->manager, c, name, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, NULL);
}

#define CRON_PROPERTY(name, sig, getter) \
        SD_BUS_PROPERTY(name, sig, getter, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)

static const sd_bus_vtable cron_job_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Namespace", "s", cron_property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Name", "s", cron_property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        CRON_PROPERTY("ManifestFile", "s", cron_property_get_string),
        CRON_PROPERTY("Schedule", "s", cron_property_get_string),
        CRON_PROPERTY("TimeZone", "s", cron_property_get_string),
        CRON_PROPERTY("ConcurrencyPolicy", "s", cron_property_get_string),
        CRON_PROPERTY("Suspend", "b", cron_property_get_suspend),
        CRON_PROPERTY("StartingDeadlineSeconds", "x", cron_property_get_int),
        CRON_PROPERTY("SuccessfulJobsHistoryLimit", "i", cron_property_get_int),
        CRON_PROPERTY("FailedJobsHistoryLimit", "i", cron_property_get_int),
        CRON_PROPERTY("TimerUnit", "s", cron_property_get_string),
        CRON_PROPERTY("CreationTime", "t", cron_property_get_time),
        CRON_PROPERTY("LastScheduleTime", "t", cron_property_get_time),
        CRON_PROPERTY("LastSuccessfulTime", "t", cron_property_get_time),
        CRON_PROPERTY("NextScheduleTime", "t", cron_property_get_time),
        CRON_PROPERTY("Active", "as", cron_property_get_active),
        CRON_PROPERTY("Jobs", "as", cron_property_get_active),
        CRON_PROPERTY("Events", "a(tbssu)", cron_property_get_events),
        SD_BUS_METHOD_WITH_ARGS("Trigger", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_cron_trigger,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("SetSuspend", SD_BUS_ARGS("b", suspend), SD_BUS_NO_RESULT, method_cron_set_suspend,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("CreateJob", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT, method_cron_create_job,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

void manager_bus_cron_job_changed(Manager *m, ManagedCronJob *c) {
        _cleanup_(freep) char *path = cron_job_object_path(c);

        metrics_poke(m);
        api_cron_job_event(m, c, API_WATCH_MODIFIED);

        if (path)
                (void) sd_bus_emit_properties_changed(m->bus, path, JOBSD_CRON_JOB_IFACE, "Suspend", "TimerUnit",
                                                      "LastScheduleTime", "LastSuccessfulTime", "NextScheduleTime",
                                                      "Active", "Jobs", "Events", NULL);
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("ListJobs", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ssso)", jobs), method_list_jobs,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListJobRows", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(sssiiittta(ss))", rows),
                                method_list_job_rows, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListCronJobs", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(sso)", cron_jobs),
                                method_list_cron_jobs, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListCronJobRows", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ssssbuttts)", rows),
                                method_list_cron_job_rows, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_PROPERTY("ManifestDirectory", "s", property_get_manifest_directory, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_VTABLE_END
};

#define STATUS_PROPERTY(name, sig, getter) \
        SD_BUS_PROPERTY(name, sig, getter, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)

static const sd_bus_vtable job_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Namespace", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Name", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        STATUS_PROPERTY("UID", "s", property_get_string),
        STATUS_PROPERTY("ManifestFile", "s", property_get_string),
        STATUS_PROPERTY("CompletionMode", "s", property_get_string),
        STATUS_PROPERTY("RestartPolicy", "s", property_get_string),
        STATUS_PROPERTY("Completions", "i", property_get_int),
        STATUS_PROPERTY("Parallelism", "i", property_get_int),
        STATUS_PROPERTY("BackoffLimit", "i", property_get_int),
        STATUS_PROPERTY("Suspend", "b", property_get_suspend),
        STATUS_PROPERTY("ActiveDeadlineSeconds", "x", property_get_x),
        STATUS_PROPERTY("TTLSecondsAfterFinished", "x", property_get_x),
        STATUS_PROPERTY("Images", "a(ss)", property_get_images),
        STATUS_PROPERTY("Labels", "a(ss)", property_get_meta),
        STATUS_PROPERTY("Annotations", "a(ss)", property_get_meta),
        STATUS_PROPERTY("Status", "s", property_get_string),
        STATUS_PROPERTY("CreationTime", "t", property_get_time),
        STATUS_PROPERTY("StartTime", "t", property_get_time),
        STATUS_PROPERTY("CompletionTime", "t", property_get_time),
        STATUS_PROPERTY("Active", "i", property_get_int),
        STATUS_PROPERTY("Ready", "i", property_get_int),
        STATUS_PROPERTY("Succeeded", "i", property_get_int),
        STATUS_PROPERTY("Failed", "i", property_get_int),
        STATUS_PROPERTY("Terminating", "i", property_get_int),
        STATUS_PROPERTY("CompletedIndexes", "s", property_get_string),
        STATUS_PROPERTY("FailedIndexes", "s", property_get_string),
        STATUS_PROPERTY("Conditions", "a(sbtss)", property_get_conditions),
        STATUS_PROPERTY("Events", "a(tbssu)", property_get_events),
        /* Invalidated, not sent: a Job keeps up to 256 finished pods, and their list in every signal made
         * each pod event cost kilobytes on the bus (docs/performance.md). */
        SD_BUS_PROPERTY("Pods", "a(sxtssuuuttas)", property_get_pods, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        STATUS_PROPERTY("PodFailurePolicyDecisions", "a(sis)", property_get_decisions),
        SD_BUS_METHOD_WITH_ARGS("Delete", SD_BUS_ARGS("s", cascade), SD_BUS_NO_RESULT, method_delete,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Rerun", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_rerun, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("SetSuspend", SD_BUS_ARGS("b", suspend), SD_BUS_NO_RESULT, method_set_suspend,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

int manager_bus_register(Manager *m) {
        int r;

        r = sd_bus_add_object_vtable(m->bus, NULL, JOBSD_MANAGER_PATH, JOBSD_MANAGER_IFACE, manager_vtable, m);
        if (r < 0)
                return r;
        r = sd_bus_add_fallback_vtable(m->bus, NULL, JOBSD_JOB_PATH_PREFIX, JOBSD_JOB_IFACE, job_vtable, find_job,
                                       m);
        if (r < 0)
                return r;
        r = sd_bus_add_node_enumerator(m->bus, NULL, JOBSD_JOB_PATH_PREFIX, enumerate_jobs, m);
        if (r < 0)
                return r;
        r = sd_bus_add_fallback_vtable(m->bus, NULL, JOBSD_CRON_JOB_PATH_PREFIX, JOBSD_CRON_JOB_IFACE,
                                       cron_job_vtable, find_cron_job, m);
        if (r < 0)
                return r;
        r = sd_bus_add_node_enumerator(m->bus, NULL, JOBSD_CRON_JOB_PATH_PREFIX, enumerate_cron_jobs, m);
        if (r < 0)
                return r;
        r = sd_bus_add_object_manager(m->bus, NULL, JOBSD_MANAGER_PATH);
        if (r < 0)
                return r;
        /* Synchronously: READY=1 follows manager_start(), and a client that starts jobsd and calls it at once
         * must find the name. A name another jobsd owns is an error, not a second daemon on the same
         * Jobs. */
        r = sd_bus_request_name(m->bus, JOBSD_BUS_NAME, 0);
        if (r < 0)
                log_error("cannot own the bus name %s%s: %s", JOBSD_BUS_NAME,
                          r == -EEXIST ? " (another jobsd runs on this bus)" : "", strerror(-r));
        return r;
}

/* Tells clients (jobctl wait) that a Job's status changed. */
void manager_bus_job_changed(Manager *m, ManagedJob *j) {
        _cleanup_(freep) char *path = job_object_path(j);

        metrics_job_changed(m, j);
        api_job_event(m, j, API_WATCH_MODIFIED);

        if (path)
                (void) sd_bus_emit_properties_changed(m->bus, path, JOBSD_JOB_IFACE, "Status", "Active", "Ready",
                                                      "Succeeded", "Failed", "Terminating", "Conditions", "Pods",
                                                      "StartTime", "CompletionTime", "CompletedIndexes", "FailedIndexes",
                                                      "Suspend", NULL);
}
