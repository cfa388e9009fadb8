/* SPDX-License-Identifier: Apache-2.0 */
/* Pods, their logs from the journal, and events, for kubectl get pods, logs and describe. */
#include <inttypes.h>
#include <stdio.h>
#include <systemd/sd-journal.h>

#include "jobsd/log.h"
#include "jobsd/render.h"
#include "jobsd/strv.h"
#include "api-jobs.h"
#include "api-objects.h"
#include "api-pods.h"
#include "api-select.h"
#include "api-watch.h"

/* What a log request reads and answers at most. */
#define LOG_BYTES_MAX (8U * 1024U * 1024U)

#define CONTROLLER_UID_LABEL "batch.kubernetes.io/controller-uid"
#define JOB_NAME_LABEL "batch.kubernetes.io/job-name"
#define COMPLETION_INDEX "batch.kubernetes.io/job-completion-index"

#define TRY_J(expr) do { if ((expr) < 0) return NULL; } while (0)

/* One pod: a live record or a finished one. */
typedef struct PodRef {
        const ManagedJob *job;
        const Pod *live;
        const FinishedPod *finished;
        char *name;
        json_object *json;
} PodRef;

static void pod_refs_free(PodRef *l, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(l[i].name);
                json_object_put(l[i].json);
        }
        free(l);
}

static bool job_indexed(const ManagedJob *j) {
        return j->job->spec.completion_mode == COMPLETION_MODE_INDEXED;
}

static const char *container_image(const ManagedJob *j, const char *name) {
        const Container *c = pod_spec_find_container(&j->job->spec.template.spec, name);
        return c && c->image ? c->image : "";
}

static json_object *container_status(const ManagedJob *j, const ContainerStatus *c) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        json_object *state = json_object_new_object(), *s = json_object_new_object();

        if (!o || api_json_add(o, "name", json_object_new_string(c->name)) < 0 || api_json_add(o, "state", state) < 0) {
                json_object_put(s);
                return NULL;
        }
        switch (c->state) {
        case CONTAINER_RUNNING:
                TRY_J(api_json_add(state, "running", s));
                TRY_J(api_json_time(s, "startedAt", c->started_usec));
                break;
        case CONTAINER_TERMINATED:
                TRY_J(api_json_add(state, "terminated", s));
                TRY_J(api_json_int_always(s, "exitCode", c->exit_code));
                TRY_J(api_json_str(s, "reason", c->reason ?: (c->exit_code == 0 ? "Completed" : "Error")));
                TRY_J(api_json_time(s, "startedAt", c->started_usec));
                TRY_J(api_json_time(s, "finishedAt", c->finished_usec));
                break;
        default:
                TRY_J(api_json_add(state, "waiting", s));
                TRY_J(api_json_str(s, "reason", container_pull_reason(c) ?: "ContainerCreating"));
                break;
        }
        TRY_J(api_json_bool(o, "ready", c->state == CONTAINER_RUNNING));
        TRY_J(api_json_int_always(o, "restartCount", c->restarts));
        TRY_J(api_json_str(o, "image", container_image(j, c->name)));
        TRY_J(api_json_str(o, "imageID", ""));
        TRY_J(api_json_bool(o, "started", c->state == CONTAINER_RUNNING));
        return TAKE_PTR(o);
}

static const char *pod_status_word(const PodRef *p) {
        if (p->finished)
                return p->finished->phase == POD_SUCCEEDED ? "Completed" : (p->finished->reason ?: "Error");
        if (p->live->deletion != POD_DELETION_NONE && p->live->phase != POD_SUCCEEDED && p->live->phase != POD_FAILED)
                return "Terminating";
        switch (p->live->phase) {
        case POD_SUCCEEDED:
                return "Completed";
        case POD_FAILED:
                if (p->live->reason)
                        return p->live->reason;
                for (size_t k = 0; k < p->live->n_containers; k++)
                        if (p->live->containers[k].state == CONTAINER_TERMINATED && p->live->containers[k].reason)
                                return p->live->containers[k].reason;
                return "Error";
        case POD_PENDING:
                return pod_waiting_reason(p->live) ?: "Pending";
        default:
                return "Running";
        }
}

static json_object *pod_json(const PodRef *p) {
        const ManagedJob *j = p->job;
        _cleanup_(json_object_putp) json_object *o = api_json_object("v1", "Pod");
        json_object *meta = json_object_new_object(), *labels, *ann = NULL, *refs, *ref, *spec, *status;
        int64_t index = p->live ? p->live->index : p->finished->index;
        uint64_t attempt = p->live ? p->live->attempt : p->finished->attempt;
        usec_t created = p->live ? p->live->created_usec : p->finished->created_usec;
        PodPhase phase = p->live ? p->live->phase : p->finished->phase;
        char uid[37], idx[32], rv[32];
        _cleanup_(freep) char *key = strprintf("pod/%s/%" PRIu64, strempty(j->record.uid), attempt);

        if (!o || !key || api_json_add(o, "metadata", meta) < 0)
                return NULL;
        api_uid_from_key(key, uid);
        snprintf(idx, sizeof(idx), "%" PRIi64, index);
        snprintf(rv, sizeof(rv), "%" PRIu64, j->resource_version);
        TRY_J(api_json_str(meta, "name", p->name));
        TRY_J(api_json_str(meta, "namespace", managed_job_namespace(j)));
        TRY_J(api_json_str(meta, "uid", uid));
        TRY_J(api_json_str(meta, "resourceVersion", rv));
        TRY_J(api_json_time(meta, "creationTimestamp", created));
        labels = json_object_new_object();
        TRY_J(api_json_add(meta, "labels", labels));
        for (size_t i = 0; i < j->job->spec.template.labels.n; i++)
                TRY_J(api_json_str(labels, j->job->spec.template.labels.items[i].key,
                                   strempty(j->job->spec.template.labels.items[i].value)));
        if (!j->job->spec.manual_selector) {
                TRY_J(api_json_str(labels, CONTROLLER_UID_LABEL, strempty(j->record.uid)));
                TRY_J(api_json_str(labels, JOB_NAME_LABEL, j->job->metadata.name));
                TRY_J(api_json_str(labels, "controller-uid", strempty(j->record.uid)));
                TRY_J(api_json_str(labels, "job-name", j->job->metadata.name));
        }
        if (job_indexed(j))
                TRY_J(api_json_str(labels, COMPLETION_INDEX, idx));
        if (j->job->spec.template.annotations.n > 0 || job_indexed(j)) {
                ann = json_object_new_object();
                TRY_J(api_json_add(meta, "annotations", ann));
                for (size_t i = 0; i < j->job->spec.template.annotations.n; i++)
                        TRY_J(api_json_str(ann, j->job->spec.template.annotations.items[i].key,
                                           strempty(j->job->spec.template.annotations.items[i].value)));
                if (job_indexed(j))
                        TRY_J(api_json_str(ann, COMPLETION_INDEX, idx));
        }
        refs = json_object_new_array();
        TRY_J(api_json_add(meta, "ownerReferences", refs));
        ref = json_object_new_object();
        if (!ref || json_object_array_add(refs, ref) < 0)
                return json_object_put(ref), NULL;
        TRY_J(api_json_str(ref, "apiVersion", "batch/v1"));
        TRY_J(api_json_str(ref, "kind", "Job"));
        TRY_J(api_json_str(ref, "name", j->job->metadata.name));
        TRY_J(api_json_str(ref, "uid", j->record.uid));
        TRY_J(api_json_bool(ref, "controller", true));
        TRY_J(api_json_bool(ref, "blockOwnerDeletion", true));
        if (p->live && p->live->deletion != POD_DELETION_NONE)
                TRY_J(api_json_time(meta, "deletionTimestamp", p->live->deletion_usec));
        spec = api_pod_spec(j);
        TRY_J(api_json_add(o, "spec", spec));
        TRY_J(api_json_str(spec, "nodeName", j->manager->hostname));
        status = json_object_new_object();
        TRY_J(api_json_add(o, "status", status));
        TRY_J(api_json_str(status, "phase", pod_phase_to_string(phase)));
        if (p->finished && p->finished->reason)
                TRY_J(api_json_str(status, "reason", p->finished->reason));
        if (p->live && p->live->reason)
                TRY_J(api_json_str(status, "reason", p->live->reason));
        TRY_J(api_json_time(status, "startTime", p->live ? (p->live->started_usec ?: created) : created));
        if (p->live) {
                json_object *cs = json_object_new_array(), *ics = json_object_new_array();
                TRY_J(api_json_add(status, "containerStatuses", cs));
                for (size_t k = 0; k < p->live->n_containers; k++)
                        TRY_J(json_object_array_add(p->live->containers[k].init ? ics : cs,
                                                    container_status(j, p->live->containers + k)));
                if (json_object_array_length(ics) > 0)
                        TRY_J(api_json_add(status, "initContainerStatuses", ics));
                else
                        json_object_put(ics);
        }
        return TAKE_PTR(o);
}

static const char *pod_field(const void *object, const char *key, char buf[static 64]) {
        json_object *o = (json_object *) object, *v = NULL;

        if (!o)
                return STR_IN_SET(key, "metadata.name", "metadata.namespace", "status.phase", "spec.nodeName") ? "" : NULL;
        if (streq(key, "metadata.name") || streq(key, "metadata.namespace"))
                v = json_object_object_get(json_object_object_get(o, "metadata"), key + strlen("metadata."));
        else if (streq(key, "status.phase"))
                v = json_object_object_get(json_object_object_get(o, "status"), "phase");
        else if (streq(key, "spec.nodeName"))
                v = json_object_object_get(json_object_object_get(o, "spec"), "nodeName");
        else
                return NULL;
        return v ? json_object_get_string(v) : "";
}

static int compare_pods(const void *a, const void *b) {
        const PodRef *x = a, *y = b;
        int r = strcmp(managed_job_namespace(x->job), managed_job_namespace(y->job));
        return r != 0 ? r : strcmp(x->name, y->name);
}

/* Appends the pods of Job j, without their JSON, to *l (n of them, room for more made here). */
static int append_job_pods(const ManagedJob *j, PodRef **l, size_t *n) {
        size_t more = j->record.status.n_pods + j->n_finished;
        PodRef *nl = realloc(*l, sizeof(PodRef) * (*n + more + 1));

        if (!nl)
                return -ENOMEM;
        *l = nl;
        for (size_t k = 0; k < j->record.status.n_pods; k++) {
                const Pod *p = j->record.status.pods + k;
                nl[*n] = (PodRef) { .job = j, .live = p,
                                    .name = pod_name(j->job->metadata.name, job_indexed(j) ? p->index : UNSET, p->attempt) };
                if (!nl[*n].name)
                        return -ENOMEM;
                (*n)++;
        }
        for (size_t k = 0; k < j->n_finished; k++) {
                nl[*n] = (PodRef) { .job = j, .finished = j->finished + k, .name = strdup(j->finished[k].name) };
                if (!nl[*n].name)
                        return -ENOMEM;
                (*n)++;
        }
        return 0;
}

/* Every pod of the namespace (NULL: all), with its JSON. */
static int collect_pods(Manager *m, const char *ns, PodRef **ret, size_t *ret_n) {
        PodRef *l = NULL;
        size_t n = 0;

        for (size_t i = 0; i < m->n_jobs; i++) {
                const ManagedJob *j = m->jobs[i];
                if (ns && !streq(managed_job_namespace(j), ns))
                        continue;
                if (append_job_pods(j, &l, &n) < 0)
                        goto oom;
        }
        for (size_t i = 0; i < n; i++)
                if (!(l[i].json = pod_json(l + i)))
                        goto oom;
        if (n > 0)
                qsort(l, n, sizeof(PodRef), compare_pods);
        *ret = l;
        *ret_n = n;
        return 0;
oom:
        pod_refs_free(l, n);
        return -ENOMEM;
}

/* The pod called name in namespace ns, with its JSON, as *ret (an array of one; NULL: none). A pod's name
 * is its Job's name, a dash and more: the Jobs whose names are such prefixes are looked up by name, so
 * one pod is found without a walk of every Job's pods. */
static int find_pod(Manager *m, const char *ns, const char *name, PodRef **ret) {
        _cleanup_(freep) char *prefix = strdup(name);
        PodRef *l = NULL;
        size_t n = 0;

        *ret = NULL;
        if (!prefix)
                return -ENOMEM;
        for (char *dash; (dash = strrchr(prefix, '-')); ) {
                *dash = 0;
                const ManagedJob *j = manager_find_job(m, ns, prefix);
                if (!j)
                        continue;
                if (append_job_pods(j, &l, &n) < 0)
                        goto oom;
        }
        for (size_t i = 0; i < n; i++)
                if (streq(l[i].name, name)) {
                        PodRef *p = calloc(1, sizeof(PodRef));
                        if (!p)
                                goto oom;
                        *p = l[i];
                        l[i] = (PodRef) {};
                        p->json = pod_json(p);
                        if (!p->json) {
                                pod_refs_free(p, 1);
                                goto oom;
                        }
                        *ret = p;
                        break;
                }
        pod_refs_free(l, n);
        return 0;
oom:
        pod_refs_free(l, n);
        return -ENOMEM;
}

static int pod_cells(const PodRef *p, json_object *cells);

/* The first n objects and table cells of a half-built answer, and the arrays. */
static void objs_cells_free(json_object **objs, json_object **cells, size_t n) {
        for (size_t i = 0; i < n; i++) {
                json_object_put(objs[i]);
                json_object_put(cells[i]);
        }
        free(objs);
        free(cells);
}

int api_job_pods(const ManagedJob *j, char ***ret_names, json_object ***ret_objs, json_object ***ret_cells, size_t *ret_n) {
        size_t n = j->record.status.n_pods + j->n_finished, k = 0, n_names = 0;
        _cleanup_(strv_freep) char **names = NULL;
        json_object **objs = calloc(n + 1, sizeof(json_object *)), **cells = calloc(n + 1, sizeof(json_object *));
        int r = -ENOMEM;

        if (!objs || !cells)
                goto fail;
        for (size_t i = 0; i < n; i++) {
                PodRef p = { .job = j };
                if (i < j->record.status.n_pods) {
                        p.live = j->record.status.pods + i;
                        p.name = pod_name(j->job->metadata.name, job_indexed(j) ? p.live->index : UNSET, p.live->attempt);
                } else {
                        p.finished = j->finished + (i - j->record.status.n_pods);
                        p.name = strdup(p.finished->name);
                }
                if (!p.name || strv_push_n(&names, &n_names, p.name) < 0)
                        goto fail;
                objs[k] = pod_json(&p);
                cells[k] = json_object_new_array();
                k++;
                if (!objs[k - 1] || !cells[k - 1] || pod_cells(&p, cells[k - 1]) < 0)
                        goto fail;
        }
        *ret_names = TAKE_PTR(names);
        *ret_objs = objs;
        *ret_cells = cells;
        *ret_n = k;
        return 0;
fail:
        objs_cells_free(objs, cells, k);
        return r;
}

static json_object *pod_columns(void) {
        static const char * const defs[][3] = {
                { "Name", "string", "name" }, { "Ready", "string", "" }, { "Status", "string", "" },
                { "Restarts", "string", "" }, { "Age", "string", "" }, { "IP", "string", "" },
                { "Node", "string", "" }, { "Nominated Node", "string", "" }, { "Readiness Gates", "string", "" },
        };
        _cleanup_(json_object_putp) json_object *a = json_object_new_array();

        if (!a)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(defs); i++) {
                json_object *c = json_object_new_object();
                if (!c || json_object_array_add(a, c) < 0)
                        return json_object_put(c), NULL;
                TRY_J(api_json_str(c, "name", defs[i][0]));
                TRY_J(api_json_str(c, "type", defs[i][1]));
                TRY_J(api_json_str(c, "format", defs[i][2]));
                TRY_J(api_json_int_always(c, "priority", i >= 5));
                TRY_J(api_json_str(c, "description", ""));
        }
        return TAKE_PTR(a);
}

static int pod_cells(const PodRef *p, json_object *cells) {
        unsigned ready = 0, total = 0, restarts = 0;
        char rd[32], rs[32], age[32];
        usec_t created = p->live ? p->live->created_usec : p->finished->created_usec, now = manager_now();

        if (p->live)
                for (size_t k = 0; k < p->live->n_containers; k++) {
                        restarts += p->live->containers[k].restarts;
                        if (p->live->containers[k].init)
                                continue;
                        total++;
                        ready += p->live->containers[k].state == CONTAINER_RUNNING;
                }
        else {
                total = p->finished->containers;
                restarts = p->finished->restarts;
        }
        snprintf(rd, sizeof(rd), "%u/%u", ready, total);
        snprintf(rs, sizeof(rs), "%u", restarts);
        api_human_duration(age, now > created ? now - created : 0);
        {
                const char *cellv[] = { p->name, rd, pod_status_word(p), rs, age, "<none>", p->job->manager->hostname,
                                        "<none>", "<none>" };
                for (size_t i = 0; i < ELEMENTSOF(cellv); i++)
                        if (json_object_array_add(cells, json_object_new_string(cellv[i])) < 0)
                                return -ENOMEM;
        }
        return 0;
}

static int pod_row(ApiCall *c, const PodRef *p, json_object *rows) {
        json_object *row = json_object_new_object(), *cells = json_object_new_array(), *obj;
        const char *include = api_query(c, "includeObject");

        if (!row || json_object_array_add(rows, row) < 0) {
                json_object_put(row);
                json_object_put(cells);
                return -ENOMEM;
        }
        if (api_json_add(row, "cells", cells) < 0 || pod_cells(p, cells) < 0)
                return -ENOMEM;
        if (streq_ptr(include, "None"))
                return 0;
        if (streq_ptr(include, "Object"))
                return api_json_add(row, "object", json_object_get(p->json));
        obj = api_json_object("meta.k8s.io/v1", "PartialObjectMetadata");
        if (api_json_add(row, "object", obj) < 0 ||
            api_json_add(obj, "metadata", json_object_get(json_object_object_get(p->json, "metadata"))) < 0)
                return -ENOMEM;
        return 0;
}

static int reply_list(ApiCall *c, const char *list_kind, json_object **objs, size_t n, json_object *columns,
                      int (*row)(ApiCall *c, const void *o, json_object *rows), const void * const *raw) {
        _cleanup_(freep) char *rv = strprintf("%" PRIu64, c->manager->resource_version);
        _cleanup_(json_object_putp) json_object *cols = columns;
        _cleanup_(api_page_done) ApiPage page = { .to = n, .remaining = -1 };
        json_object *o, *meta, *items;
        int r;

        if (!rv)
                return -ENOMEM;
        if (objs) {
                /* A list (not a single pod's Table): paged by limit and continue. */
                _cleanup_(freep) const char **nss = calloc(n + 1, sizeof(char *)), **names = calloc(n + 1, sizeof(char *));
                if (!nss || !names)
                        return -ENOMEM;
                for (size_t i = 0; i < n; i++) {
                        json_object *m = json_object_object_get(objs[i], "metadata");
                        nss[i] = json_object_get_string(json_object_object_get(m, "namespace")) ?: "";
                        names[i] = json_object_get_string(json_object_object_get(m, "name")) ?: "";
                }
                r = api_page(c, nss, names, n, &page);
                if (r != 0)
                        return r < 0 ? r : 0;
        }
        meta = json_object_new_object();
        if (!meta || api_page_metadata(meta, &page) < 0)
                return json_object_put(meta), -ENOMEM;
        if (api_wants_table(c) && row) {
                o = api_json_object("meta.k8s.io/v1", "Table");
                items = json_object_new_array();
                if (!o || api_json_add(o, "metadata", meta) < 0 || api_json_str(meta, "resourceVersion", rv) < 0 ||
                    api_json_add(o, "columnDefinitions", TAKE_PTR(cols)) < 0 || api_json_add(o, "rows", items) < 0) {
                        json_object_put(o);
                        return -ENOMEM;
                }
                for (size_t i = page.from; i < page.to; i++)
                        if (row(c, raw[i], items) < 0) {
                                json_object_put(o);
                                return -ENOMEM;
                        }
                return api_reply_json(c, 200, o, NULL);
        }
        o = api_json_object("v1", list_kind);
        items = json_object_new_array();
        if (!o || api_json_add(o, "metadata", meta) < 0 || api_json_str(meta, "resourceVersion", rv) < 0 ||
            api_json_add(o, "items", items) < 0) {
                json_object_put(o);
                return -ENOMEM;
        }
        for (size_t i = page.from; i < page.to; i++)
                if (json_object_array_add(items, json_object_get(objs[i])) < 0) {
                        json_object_put(o);
                        return -ENOMEM;
                }
        return api_reply_json(c, 200, o, NULL);
}

static size_t no_count(Manager *m) { return 0; }

/* Pods as watches see them (api-watch.c): events made from their Jobs' changes. */
const ApiKind api_kind_pods = {
        .resource = "pods", .group = "", .kind = "Pod", .list_kind = "PodList", .api_version = "v1", .namespaced = true,
        .count = no_count, .field = pod_field, .columns = pod_columns, .json_field = pod_field,
};

static int pod_row_cb(ApiCall *c, const void *o, json_object *rows) {
        return pod_row(c, o, rows);
}

/* Parses the selectors of a list; replies 400 itself (returns 1) on a bad one. */
static int parse_selectors(ApiCall *c, Selector *labels, Selector *fields, SelectorFieldGetter get) {
        _cleanup_(freep) char *err = NULL;
        const char *unknown = NULL;
        int r;

        r = selector_parse(strempty(api_query(c, "labelSelector")), false, labels, &err);
        if (r >= 0)
                r = selector_parse(strempty(api_query(c, "fieldSelector")), true, fields, &err);
        if (r == -EINVAL) {
                api_reply_status(c, 400, "BadRequest", NULL, "%s", err);
                return 1;
        }
        if (r < 0)
                return r;
        if (selector_matches_fields(fields, NULL, get, &unknown) == -ENOENT) {
                api_reply_status(c, 400, "BadRequest", NULL, "field label not supported: %s", unknown);
                return 1;
        }
        return 0;
}

/* Reads the lines of one container run of a pod from the journal: the Job's SyslogIdentifier= and the unit
 * each line came from (as jobctl logs reads them). */
typedef struct LogReader {
        sd_journal *jr;
        char *namespace, *job, *container;
        uint64_t attempt;
        unsigned restart;
        bool timestamps;
        /* journald names the unit of a line only if it could still see the process's cgroup: a line
         * without one is this run's when the pod ran alone (no other pod of the Job at the same time, one
         * container, no restart) and the line came in while no later pod of the Job ran:
         * [alone_from, alone_to). alone_to == 0: such lines are never this pod's. */
        usec_t alone_from, alone_to;
        /* follow=true: */
        Manager *manager;
        ApiStream *stream;
        sd_event_source *io, *check;
        unsigned quiet_checks;          /* checks since the pod ended */
} LogReader;

static void log_reader_free(void *userdata) {
        LogReader *lr = userdata;

        if (!lr)
                return;
        sd_event_source_disable_unref(lr->io);
        sd_event_source_disable_unref(lr->check);
        sd_journal_close(lr->jr);
        free(lr->namespace);
        free(lr->job);
        free(lr->container);
        free(lr);
}

/* When a pod ran (its creation to its end; a live pod has not ended). */
static void pod_span(const ManagedJob *j, size_t i, usec_t *ret_from, usec_t *ret_to) {
        if (i < j->record.status.n_pods) {
                const Pod *p = j->record.status.pods + i;
                *ret_from = p->created_usec;
                *ret_to = p->finished_usec > 0 ? p->finished_usec : USEC_INFINITY;
        } else {
                const FinishedPod *f = j->finished + (i - j->record.status.n_pods);
                *ret_from = f->created_usec;
                *ret_to = f->finished_usec > 0 ? f->finished_usec : USEC_INFINITY;
        }
}

/* Sets lr->alone_from and lr->alone_to for pod p (see LogReader). */
static void log_reader_alone(LogReader *lr, const PodRef *p) {
        const ManagedJob *j = p->job;
        size_t n = j->record.status.n_pods + j->n_finished, self = SIZE_MAX;
        usec_t from, to, next = USEC_INFINITY;

        if (p->live ? p->live->n_containers != 1 || p->live->containers[0].restarts > 0 :
                      p->finished->containers > 1 || p->finished->restarts > 0)
                return;
        for (size_t i = 0; i < n; i++)
                if (i < j->record.status.n_pods ? j->record.status.pods + i == p->live :
                                                  j->finished + (i - j->record.status.n_pods) == p->finished)
                        self = i;
        if (self == SIZE_MAX)
                return;
        pod_span(j, self, &from, &to);
        for (size_t i = 0; i < n; i++) {
                usec_t f, t;
                if (i == self)
                        continue;
                pod_span(j, i, &f, &t);
                if (f < to && t > from)
                        return;                 /* ran beside it */
                if (f >= from)
                        next = MIN(next, f);
        }
        lr->alone_from = from;
        lr->alone_to = next;
}

static int log_reader_new(ApiCall *c, const PodRef *p, const char *container, unsigned restart, LogReader **ret) {
        const char *ts = api_query(c, "timestamps");
        const ManagedJob *j = p->job;
        _cleanup_(freep) char *match = strprintf("SYSLOG_IDENTIFIER=%s", j->job->metadata.name);
        LogReader *lr;
        int r;

        if (!match)
                return -ENOMEM;
        lr = calloc(1, sizeof(LogReader));
        if (!lr)
                return -ENOMEM;
        lr->namespace = strdup(managed_job_namespace(j));
        lr->job = strdup(j->job->metadata.name);
        lr->container = strdup(container);
        lr->attempt = p->live ? p->live->attempt : p->finished->attempt;
        lr->restart = restart;
        log_reader_alone(lr, p);
        lr->timestamps = api_query_bool(ts);
        lr->manager = c->manager;
        if (!lr->namespace || !lr->job || !lr->container) {
                log_reader_free(lr);
                return -ENOMEM;
        }
        r = sd_journal_open(&lr->jr, SD_JOURNAL_LOCAL_ONLY);
        if (r >= 0)
                r = sd_journal_add_match(lr->jr, match, 0);
        if (r < 0) {
                log_reader_free(lr);
                return r;
        }
        *ret = lr;
        return 0;
}

/* The next line of the container run (allocated, no newline); NULL at the end (*ret_r 0) or on failure. */
static char *log_reader_next(LogReader *lr, int *ret_r) {
        int r;

        while ((r = sd_journal_next(lr->jr)) > 0) {
                const void *d;
                size_t l;
                _cleanup_(freep) char *unit = NULL, *uns = NULL, *ujob = NULL, *ucont = NULL;
                int64_t uidx;
                uint64_t uatt;
                unsigned ures;

                if (sd_journal_get_data(lr->jr, "_SYSTEMD_USER_UNIT", &d, &l) >= 0 ||
                    sd_journal_get_data(lr->jr, "_SYSTEMD_UNIT", &d, &l) >= 0) {
                        const char *eq = memchr(d, '=', l);
                        if (eq)
                                unit = strndup(eq + 1, l - (eq + 1 - (const char *) d));
                }
                if (unit) {
                        if (pod_unit_name_parse(unit, &uns, &ujob, &uidx, &uatt, &ures, &ucont) < 0 ||
                            !streq(uns, lr->namespace) || !streq(ujob, lr->job) || uatt != lr->attempt ||
                            !streq(ucont, lr->container) || ures != lr->restart)
                                continue;
                } else {
                        uint64_t t = 0;
                        if (sd_journal_get_data(lr->jr, "JOB_NAME", &d, &l) >= 0 ||       /* jobsd's own */
                            sd_journal_get_realtime_usec(lr->jr, &t) < 0 || t < lr->alone_from || t >= lr->alone_to)
                                continue;
                }
                if (sd_journal_get_data(lr->jr, "MESSAGE", &d, &l) < 0)
                        continue;
                char *line;
                if (lr->timestamps) {
                        uint64_t t = 0;
                        char buf[32];
                        (void) sd_journal_get_realtime_usec(lr->jr, &t);
                        api_format_time(buf, t);
                        buf[strlen(buf) - 1] = 0;       /* the Z: nanoseconds come first */
                        line = strprintf("%s.%09" PRIu64 "Z %.*s", buf, (t % USEC_PER_SEC) * 1000, (int) (l - 8),
                                         (const char *) d + 8);
                } else
                        line = strndup((const char *) d + 8, l - 8);
                *ret_r = line ? 0 : -ENOMEM;
                return line;
        }
        *ret_r = r;
        return NULL;
}

/* What is there now, with tailLines and sinceSeconds, to out. */
static int read_logs(ApiCall *c, LogReader *lr, FILE *out) {
        const char *since = api_query(c, "sinceSeconds"), *tail = api_query(c, "tailLines");
        long long tail_n = -1;
        char **ring = NULL;
        size_t ring_n = 0, ring_at = 0, bytes = 0;
        char *line;
        int r = 0;

        if (tail && *tail) {
                tail_n = strtoll(tail, NULL, 10);
                if (tail_n < 0)
                        tail_n = -1;
                if (tail_n > 100000)
                        tail_n = 100000;
        }
        if (since && *since) {
                long long s = strtoll(since, NULL, 10);
                if (s > 0)
                        (void) sd_journal_seek_realtime_usec(lr->jr, manager_now() - (usec_t) s * USEC_PER_SEC);
        }
        if (tail_n > 0) {
                ring = calloc(tail_n, sizeof(char *));
                if (!ring)
                        return -ENOMEM;
        }
        while (tail_n != 0 && (line = log_reader_next(lr, &r))) {
                if (ring) {
                        free(ring[ring_at]);
                        ring[ring_at] = line;
                        ring_at = (ring_at + 1) % tail_n;
                        if (ring_n < (size_t) tail_n)
                                ring_n++;
                        continue;
                }
                bytes += strlen(line) + 1;
                if (bytes <= LOG_BYTES_MAX)
                        fprintf(out, "%s\n", line);
                free(line);
                if (bytes > LOG_BYTES_MAX)
                        break;
        }
        if (tail_n == 0)
                (void) sd_journal_seek_tail(lr->jr), (void) sd_journal_previous(lr->jr);
        for (size_t i = 0; ring && i < ring_n; i++)
                fprintf(out, "%s\n", ring[(ring_at + tail_n - ring_n + i) % tail_n]);
        for (size_t i = 0; ring && i < (size_t) tail_n; i++)
                free(ring[i]);
        free(ring);
        return r < 0 ? r : 0;
}

/* follow=true: new lines as journald writes them; the stream ends a second after the container run ended
 * (or its Job or pod went). */
static void log_follow_read(LogReader *lr) {
        char *line;
        int r;

        (void) sd_journal_process(lr->jr);
        while ((line = log_reader_next(lr, &r))) {
                r = api_stream_write(lr->stream, line);
                free(line);
                if (r < 0)
                        break;
                lr->quiet_checks = 0;
        }
}

static int on_log_journal(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        log_follow_read(userdata);
        return 0;
}

static bool log_run_ended(LogReader *lr) {
        ManagedJob *j = manager_find_job(lr->manager, lr->namespace, lr->job);
        Pod *p;
        ContainerStatus *cs;

        if (!j || !(p = job_status_find_pod(&j->record.status, lr->attempt)))
                return true;
        cs = pod_find_container(p, lr->container);
        return !cs || cs->restarts != lr->restart || cs->state == CONTAINER_TERMINATED || p->phase == POD_SUCCEEDED ||
                p->phase == POD_FAILED;
}

static int on_log_check(sd_event_source *s, uint64_t usec, void *userdata) {
        LogReader *lr = userdata;

        log_follow_read(lr);
        if (log_run_ended(lr) && ++lr->quiet_checks >= 2) {
                api_stream_end(lr->stream);
                return sd_event_source_set_enabled(s, SD_EVENT_OFF);
        }
        (void) sd_event_source_set_time_relative(s, 500 * USEC_PER_MSEC);
        return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

static int pod_log(ApiCall *c, PodRef *p) {
        const char *container = api_query(c, "container"), *prev = api_query(c, "previous"), *fol = api_query(c, "follow");
        bool follow = api_query_bool(fol);
        LogReader *lr = NULL;
        const PodSpec *ps = &p->job->job->spec.template.spec;
        bool previous = api_query_bool(prev);
        unsigned restart = 0;
        _cleanup_(freep) char *text = NULL;
        size_t size = 0;
        FILE *f;
        int r;

        if (!container || !*container) {
                if (ps->n_containers != 1) {
                        _cleanup_(strv_freep) char **names = NULL;
                        _cleanup_(freep) char *joined = NULL;
                        for (size_t k = 0; k < ps->n_containers; k++)
                                if (strv_extend(&names, ps->containers[k].name) < 0)
                                        return -ENOMEM;
                        joined = strv_join(names, " ");
                        return api_reply_status(c, 400, "BadRequest", NULL,
                                                "a container name must be specified for pod %s, choose one of: [%s]",
                                                p->name, strempty(joined));
                }
                container = ps->containers[0].name;
        } else if (!pod_spec_find_container(ps, container))
                return api_reply_status(c, 400, "BadRequest", NULL, "container %s is not valid for pod %s", container, p->name);
        if (p->live) {
                const ContainerStatus *cs = pod_find_container((Pod *) p->live, container);
                restart = cs ? cs->restarts : 0;
        } else
                restart = p->finished->restarts;
        if (previous) {
                if (restart == 0)
                        return api_reply_status(c, 400, "BadRequest", NULL,
                                                "previous terminated container \"%s\" in pod \"%s\" not found", container, p->name);
                restart--;
        }
        r = log_reader_new(c, p, container, restart, &lr);
        if (r < 0)
                return api_reply_status(c, 500, "InternalError", NULL, "cannot read the journal: %s", strerror(-r));
        f = open_memstream(&text, &size);
        if (!f) {
                log_reader_free(lr);
                return -ENOMEM;
        }
        r = read_logs(c, lr, f);
        if (fclose(f) != 0 && r >= 0)
                r = -ENOMEM;
        if (r < 0) {
                log_reader_free(lr);
                return api_reply_status(c, 500, "InternalError", NULL, "cannot read the journal: %s", strerror(-r));
        }
        if (!follow) {
                log_reader_free(lr);
                return api_reply_text(c, 200, strempty(text), size, "text/plain");
        }
        /* follow: what is there, then the stream (the reader is the stream's, freed with it). */
        int fd = sd_journal_get_fd(lr->jr);
        if (fd >= 0)
                r = sd_event_add_io(c->manager->event, &lr->io, fd, sd_journal_get_events(lr->jr) > 0 ?
                                    (uint32_t) sd_journal_get_events(lr->jr) : EPOLLIN, on_log_journal, lr);
        if (r >= 0)
                r = sd_event_add_time_relative(c->manager->event, &lr->check, CLOCK_MONOTONIC, 500 * USEC_PER_MSEC,
                                               100 * USEC_PER_MSEC, on_log_check, lr);
        if (r < 0) {
                log_reader_free(lr);
                return r;
        }
        r = api_stream_start(c, "text/plain", lr, log_reader_free, &lr->stream);
        if (r < 0)
                return r;
        if (size > 0) {
                if (text[size - 1] == '\n')
                        text[size - 1] = 0;
                (void) api_stream_write(lr->stream, text);
        }
        return 0;
}

int api_pods_route(ApiCall *c, const char *ns, char **path, size_t n) {
        _cleanup_(selector_done) Selector labels = {}, fields = {};
        PodRef *l = NULL;
        size_t nl = 0;
        int r;

        if (!streq(c->method, "GET") && !streq(c->method, "HEAD"))
                return api_reply_status(c, 405, "MethodNotAllowed", NULL,
                                        "the server does not allow this method on the requested resource");
        if (n > 2 || (n == 2 && !streq(path[1], "log")) || (n >= 1 && !ns))
                return api_reply_status(c, 404, "NotFound", NULL, "the server could not find the requested resource");
        if (n == 0 && api_query_bool(api_query(c, "watch")))
                return api_watch_start(c, &api_kind_pods, ns);
        if (n >= 1) {
                PodRef *p = NULL;
                r = find_pod(c->manager, ns, path[0], &p);
                if (r < 0)
                        return r;
                l = p;
                nl = p ? 1 : 0;
                if (!p)
                        r = api_reply_status(c, 404, "NotFound", api_status_details(path[0], "", "pods"),
                                             "pods \"%s\" not found", path[0]);
                else if (n == 2)
                        r = pod_log(c, p);
                else if (api_wants_table(c)) {
                        const void *raw[1] = { p };
                        r = reply_list(c, "PodList", NULL, 1, pod_columns(), pod_row_cb, raw);
                } else
                        r = api_reply_json(c, 200, json_object_get(p->json), NULL);
                pod_refs_free(l, nl);
                return r;
        }
        r = collect_pods(c->manager, ns, &l, &nl);
        if (r < 0)
                return r;
        r = parse_selectors(c, &labels, &fields, pod_field);
        if (r != 0) {
                pod_refs_free(l, nl);
                return r < 0 ? r : 0;
        }
        {
                _cleanup_(freep) json_object **objs = calloc(nl + 1, sizeof(json_object *));
                _cleanup_(freep) const void **raw = calloc(nl + 1, sizeof(void *));
                size_t m = 0;
                const char *unknown;
                if (!objs || !raw) {
                        pod_refs_free(l, nl);
                        return -ENOMEM;
                }
                for (size_t i = 0; i < nl; i++)
                        if (selector_matches_json(&labels, l[i].json) &&
                            selector_matches_fields(&fields, l[i].json, pod_field, &unknown) > 0) {
                                objs[m] = l[i].json;
                                raw[m++] = l + i;
                        }
                r = reply_list(c, "PodList", objs, m, pod_columns(), pod_row_cb, raw);
        }
        pod_refs_free(l, nl);
        return r;
}

/* Events. */
static json_object *event_json(Manager *m, const char *kind, const char *ns, const char *name, const char *uid,
                               const JobEvent *e, const char *component) {
        _cleanup_(json_object_putp) json_object *o = api_json_object("v1", "Event");
        json_object *meta = json_object_new_object(), *inv, *src;
        _cleanup_(freep) char *ename = strprintf("%s.%016" PRIx64, name, (uint64_t) e->at_usec * 1000),
                *key = strprintf("event/%s/%s/%s/%" PRIu64, kind, ns, name, (uint64_t) e->at_usec);
        char euid[37];

        if (!o || !ename || !key || api_json_add(o, "metadata", meta) < 0)
                return NULL;
        api_uid_from_key(key, euid);
        TRY_J(api_json_str(meta, "name", ename));
        TRY_J(api_json_str(meta, "namespace", ns));
        TRY_J(api_json_str(meta, "uid", euid));
        TRY_J(api_json_time(meta, "creationTimestamp", e->at_usec));
        inv = json_object_new_object();
        TRY_J(api_json_add(o, "involvedObject", inv));
        TRY_J(api_json_str(inv, "kind", kind));
        TRY_J(api_json_str(inv, "namespace", ns));
        TRY_J(api_json_str(inv, "name", name));
        TRY_J(api_json_str(inv, "uid", uid));
        TRY_J(api_json_str(inv, "apiVersion", "batch/v1"));
        TRY_J(api_json_str(o, "reason", e->reason));
        TRY_J(api_json_str(o, "message", e->message));
        src = json_object_new_object();
        TRY_J(api_json_add(o, "source", src));
        TRY_J(api_json_str(src, "component", component));
        TRY_J(api_json_time(o, "firstTimestamp", e->at_usec));
        TRY_J(api_json_time(o, "lastTimestamp", e->at_usec));
        TRY_J(api_json_int_always(o, "count", e->count ?: 1));
        TRY_J(api_json_str(o, "type", e->warning ? "Warning" : "Normal"));
        TRY_J(json_object_object_add(o, "eventTime", NULL));
        TRY_J(api_json_str(o, "reportingComponent", component));
        TRY_J(api_json_str(o, "reportingInstance", m->hostname));
        return TAKE_PTR(o);
}

static int event_cells(const JobEvent *e, const char *kind, const char *name, json_object *cells) {
        char seen[32], count[32];
        usec_t now = manager_now();
        _cleanup_(freep) char *object = strprintf("%s/%s", kind, name);

        if (!object)
                return -ENOMEM;
        for (char *p = object; *p && *p != '/'; p++)
                *p = (char) (*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
        api_human_duration(seen, now > e->at_usec ? now - e->at_usec : 0);
        snprintf(count, sizeof(count), "%u", e->count ?: 1);
        const char *v[] = { seen, e->warning ? "Warning" : "Normal", strempty(e->reason), object, strempty(e->message), count };
        for (size_t i = 0; i < ELEMENTSOF(v); i++)
                if (json_object_array_add(cells, json_object_new_string(v[i])) < 0)
                        return -ENOMEM;
        return 0;
}

static json_object *event_columns(void) {
        static const char * const defs[][2] = {
                { "Last Seen", "0" }, { "Type", "0" }, { "Reason", "0" }, { "Object", "0" }, { "Message", "0" },
                { "Count", "1" },
        };
        _cleanup_(json_object_putp) json_object *a = json_object_new_array();

        if (!a)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(defs); i++) {
                json_object *c = json_object_new_object();
                if (!c || json_object_array_add(a, c) < 0)
                        return json_object_put(c), NULL;
                TRY_J(api_json_str(c, "name", defs[i][0]));
                TRY_J(api_json_str(c, "type", "string"));
                TRY_J(api_json_str(c, "format", ""));
                TRY_J(api_json_int_always(c, "priority", defs[i][1][0] == '1'));
                TRY_J(api_json_str(c, "description", ""));
        }
        return TAKE_PTR(a);
}

/* The events of one Job or CronJob: keys ("<namespace>/<event name>"), objects and table cells. */
static int owner_events(Manager *m, const char *kind, const char *ns, const char *name, const char *uid,
                        const JobEvent *events, size_t n, const char *component, char ***ret_keys,
                        json_object ***ret_objs, json_object ***ret_cells, size_t *ret_n) {
        _cleanup_(strv_freep) char **keys = NULL;
        json_object **objs = calloc(n + 1, sizeof(json_object *)), **cells = calloc(n + 1, sizeof(json_object *));
        size_t k = 0, n_keys = 0;

        if (!objs || !cells)
                goto fail;
        for (size_t i = 0; i < n; i++) {
                objs[k] = event_json(m, kind, ns, name, uid, events + i, component);
                cells[k] = json_object_new_array();
                k++;
                if (!objs[k - 1] || !cells[k - 1] || event_cells(events + i, kind, name, cells[k - 1]) < 0)
                        goto fail;
                if (strv_push_n(&keys, &n_keys, strprintf("%s/%s", ns, json_object_get_string(json_object_object_get(
                                                       json_object_object_get(objs[k - 1], "metadata"), "name")))) < 0)
                        goto fail;
        }
        *ret_keys = TAKE_PTR(keys);
        *ret_objs = objs;
        *ret_cells = cells;
        *ret_n = k;
        return 0;
fail:
        objs_cells_free(objs, cells, k);
        return -ENOMEM;
}

int api_job_events(const ManagedJob *j, char ***ret_keys, json_object ***ret_objs, json_object ***ret_cells, size_t *ret_n) {
        return owner_events(j->manager, "Job", managed_job_namespace(j), j->job->metadata.name, strempty(j->record.uid),
                            j->events, j->n_events, "job-controller", ret_keys, ret_objs, ret_cells, ret_n);
}

int api_cron_job_events(const ManagedCronJob *c, char ***ret_keys, json_object ***ret_objs, json_object ***ret_cells,
                        size_t *ret_n) {
        char uid[37];

        api_cron_job_uid(c, uid);
        return owner_events(c->manager, "CronJob", managed_cron_job_namespace(c), c->cj->metadata.name, uid, c->events,
                            c->n_events, "cronjob-controller", ret_keys, ret_objs, ret_cells, ret_n);
}

static const char *event_field(const void *object, const char *key, char buf[static 64]) {
        json_object *o = (json_object *) object, *v = NULL;
        static const char * const known[] = { "metadata.name", "metadata.namespace", "involvedObject.kind",
                "involvedObject.namespace", "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion",
                "reason", "type", "source", "reportingComponent", NULL };

        if (!strv_contains((char **) known, key))
                return NULL;
        if (!o)
                return "";
        if (startswith(key, "metadata."))
                v = json_object_object_get(json_object_object_get(o, "metadata"), key + strlen("metadata."));
        else if (startswith(key, "involvedObject."))
                v = json_object_object_get(json_object_object_get(o, "involvedObject"), key + strlen("involvedObject."));
        else if (streq(key, "source"))
                v = json_object_object_get(json_object_object_get(o, "source"), "component");
        else
                v = json_object_object_get(o, key);
        return v ? json_object_get_string(v) : "";
}

typedef struct EventRow {
        json_object *object;
        json_object *cells;
} EventRow;

static int event_row_cb(ApiCall *c, const void *o, json_object *rows) {
        const EventRow *e = o;
        json_object *row = json_object_new_object(), *obj;
        const char *include = api_query(c, "includeObject");

        if (!row || json_object_array_add(rows, row) < 0)
                return json_object_put(row), -ENOMEM;
        if (api_json_add(row, "cells", json_object_get(e->cells)) < 0)
                return -ENOMEM;
        if (streq_ptr(include, "None"))
                return 0;
        if (streq_ptr(include, "Object"))
                return api_json_add(row, "object", json_object_get(e->object));
        obj = api_json_object("meta.k8s.io/v1", "PartialObjectMetadata");
        if (api_json_add(row, "object", obj) < 0 ||
            api_json_add(obj, "metadata", json_object_get(json_object_object_get(e->object, "metadata"))) < 0)
                return -ENOMEM;
        return 0;
}

static const char *meta_string(json_object *o, const char *key) {
        return json_object_get_string(json_object_object_get(json_object_object_get(o, "metadata"), key)) ?: "";
}

static int compare_event_rows(const void *a, const void *b) {
        const EventRow *x = a, *y = b;
        int r = strcmp(meta_string(x->object, "namespace"), meta_string(y->object, "namespace"));
        return r != 0 ? r : strcmp(meta_string(x->object, "name"), meta_string(y->object, "name"));
}

static size_t no_count_events(Manager *m) { return 0; }

const ApiKind api_kind_events = {
        .resource = "events", .group = "", .kind = "Event", .list_kind = "EventList", .api_version = "v1",
        .namespaced = true, .count = no_count_events, .field = event_field, .columns = event_columns,
        .json_field = event_field,
};

int api_events_route(ApiCall *c, const char *ns, char **path, size_t n) {
        _cleanup_(selector_done) Selector labels = {}, fields = {};
        _cleanup_(freep) json_object **objs = NULL;
        _cleanup_(freep) EventRow *rows = NULL;
        _cleanup_(freep) const void **raw = NULL;
        Manager *m = c->manager;
        size_t k = 0, total = 0, alloc = 0;
        const char *unknown;
        int r;

        if (!streq(c->method, "GET") && !streq(c->method, "HEAD"))
                return api_reply_status(c, 405, "MethodNotAllowed", NULL,
                                        "the server does not allow this method on the requested resource");
        if (n > 0)
                return api_reply_status(c, 404, "NotFound", NULL, "the server could not find the requested resource");
        if (api_query_bool(api_query(c, "watch")))
                return api_watch_start(c, &api_kind_events, ns);
        r = parse_selectors(c, &labels, &fields, event_field);
        if (r != 0)
                return r < 0 ? r : 0;
        for (size_t i = 0; i < m->n_jobs + m->n_cron_jobs; i++) {
                _cleanup_(strv_freep) char **keys = NULL;
                json_object **o = NULL, **cl = NULL;
                size_t no = 0;
                if (i < m->n_jobs) {
                        if (ns && !streq(managed_job_namespace(m->jobs[i]), ns))
                                continue;
                        r = api_job_events(m->jobs[i], &keys, &o, &cl, &no);
                } else {
                        if (ns && !streq(managed_cron_job_namespace(m->cron_jobs[i - m->n_jobs]), ns))
                                continue;
                        r = api_cron_job_events(m->cron_jobs[i - m->n_jobs], &keys, &o, &cl, &no);
                }
                if (r < 0)
                        goto finish;
                if (total + no > alloc) {
                        EventRow *nr = realloc(rows, sizeof(EventRow) * (total + no + 16));
                        if (!nr) {
                                for (size_t x = 0; x < no; x++) {
                                        json_object_put(o[x]);
                                        json_object_put(cl[x]);
                                }
                                free(o);
                                free(cl);
                                r = -ENOMEM;
                                goto finish;
                        }
                        rows = nr;
                        alloc = total + no + 16;
                }
                for (size_t x = 0; x < no; x++)
                        rows[total++] = (EventRow) { o[x], cl[x] };
                free(o);
                free(cl);
        }
        /* In the order of a cluster's list (and of its pages): by namespace and name. */
        if (total > 0)
                qsort(rows, total, sizeof(EventRow), compare_event_rows);
        objs = calloc(total + 1, sizeof(json_object *));
        raw = calloc(total + 1, sizeof(void *));
        if (!objs || !raw) {
                r = -ENOMEM;
                goto finish;
        }
        for (size_t i = 0; i < total; i++)
                if (selector_matches_json(&labels, rows[i].object) &&
                    selector_matches_fields(&fields, rows[i].object, event_field, &unknown) > 0) {
                        objs[k] = rows[i].object;
                        raw[k++] = rows + i;
                }
        r = reply_list(c, "EventList", objs, k, event_columns(), event_row_cb, raw);
finish:
        for (size_t i = 0; i < total; i++) {
                json_object_put(rows[i].object);
                json_object_put(rows[i].cells);
        }
        return r;
}
