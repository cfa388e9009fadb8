/* SPDX-License-Identifier: Apache-2.0 */
/* jobs, cronjobs and namespaces: lists, gets, Tables, selectors. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "jobsd/render.h"
#include "jobsd/strv.h"
#include "api-create.h"
#include "api-jobs.h"
#include "api-objects.h"
#include "api-pods.h"
#include "api-select.h"
#include "api-watch.h"

void api_human_duration(char buf[static 32], usec_t d) {
        uint64_t s = (d + USEC_PER_SEC / 2) / USEC_PER_SEC, minutes = d / USEC_PER_MINUTE, hours = d / USEC_PER_HOUR;

        if (s < 120)
                snprintf(buf, 32, "%" PRIu64 "s", s);
        else if (minutes < 10)
                (d / USEC_PER_SEC) % 60 == 0 ? snprintf(buf, 32, "%" PRIu64 "m", minutes) :
                        snprintf(buf, 32, "%" PRIu64 "m%" PRIu64 "s", minutes, (d / USEC_PER_SEC) % 60);
        else if (minutes < 180)
                snprintf(buf, 32, "%" PRIu64 "m", minutes);
        else if (hours < 8)
                minutes % 60 == 0 ? snprintf(buf, 32, "%" PRIu64 "h", hours) :
                        snprintf(buf, 32, "%" PRIu64 "h%" PRIu64 "m", hours, minutes % 60);
        else if (hours < 48)
                snprintf(buf, 32, "%" PRIu64 "h", hours);
        else if (hours < 24 * 8)
                hours % 24 == 0 ? snprintf(buf, 32, "%" PRIu64 "d", hours / 24) :
                        snprintf(buf, 32, "%" PRIu64 "d%" PRIu64 "h", hours / 24, hours % 24);
        else if (hours < 24 * 365 * 2)
                snprintf(buf, 32, "%" PRIu64 "d", hours / 24);
        else if (hours < 24 * 365 * 8)
                (hours / 24) % 365 == 0 ? snprintf(buf, 32, "%" PRIu64 "y", hours / 24 / 365) :
                        snprintf(buf, 32, "%" PRIu64 "y%" PRIu64 "d", hours / 24 / 365, (hours / 24) % 365);
        else
                snprintf(buf, 32, "%" PRIu64 "y", hours / 24 / 365);
}

static void age(char buf[static 32], usec_t t) {
        usec_t now = manager_now();

        if (t == 0) {
                strcpy(buf, "<unknown>");
                return;
        }
        api_human_duration(buf, now > t ? now - t : 0);
}

bool api_wants_table(ApiCall *c) {
        const char *accept = api_header(c, "Accept");

        return accept && strstr(accept, "as=Table") && strstr(accept, "g=meta.k8s.io");
}


/* Columns: name, type, format, priority, description. */
static json_object *columns(const char * const (*defs)[4], size_t n) {
        _cleanup_(json_object_putp) json_object *a = json_object_new_array();

        if (!a)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                json_object *c = json_object_new_object();
                if (!c || json_object_array_add(a, c) < 0)
                        return json_object_put(c), NULL;
                if (api_json_str(c, "name", defs[i][0]) < 0 || api_json_str(c, "type", defs[i][1]) < 0 ||
                    api_json_str(c, "format", defs[i][2]) < 0 ||
                    api_json_int_always(c, "priority", streq(defs[i][3], "1")) < 0 ||
                    api_json_str(c, "description", "") < 0)
                        return NULL;
        }
        return TAKE_PTR(a);
}

static int cell_str(json_object *cells, const char *s) {
        return json_object_array_add(cells, json_object_new_string(s)) < 0 ? -ENOMEM : 0;
}

/* metav1.FormatLabelSelector: "k=v,k2 in (a,b),!k3", "<none>" when empty. */
static char *format_selector(const LabelSelector *s, const char *uid) {
        _cleanup_(strv_freep) char **parts = NULL;

        if (!s->set) {
                if (!uid)
                        return strdup("<none>");
                return strprintf("batch.kubernetes.io/controller-uid=%s", uid);
        }
        for (size_t i = 0; i < s->match_labels.n; i++)
                if (strv_push(&parts, strprintf("%s=%s", s->match_labels.items[i].key,
                                                strempty(s->match_labels.items[i].value))) < 0)
                        return NULL;
        for (size_t i = 0; i < s->n_match_expressions; i++) {
                const SelectorRequirement *r = s->match_expressions + i;
                _cleanup_(freep) char *vals = strv_join(r->values, ",");
                char *p;
                switch (r->operator) {
                case SELECTOR_IN:
                        p = strprintf("%s in (%s)", r->key, strempty(vals));
                        break;
                case SELECTOR_NOT_IN:
                        p = strprintf("%s notin (%s)", r->key, strempty(vals));
                        break;
                case SELECTOR_EXISTS:
                        p = strdup(r->key);
                        break;
                default:
                        p = strprintf("!%s", r->key);
                        break;
                }
                if (strv_push(&parts, p) < 0)
                        return NULL;
        }
        if (!parts)
                return strdup("<none>");
        return strv_join(parts, ",");
}

static int pod_spec_cells(const PodSpec *ps, const LabelSelector *sel, const char *uid, json_object *cells) {
        _cleanup_(strv_freep) char **names = NULL, **images = NULL;
        _cleanup_(freep) char *n = NULL, *i = NULL, *s = NULL;

        for (size_t k = 0; k < ps->n_containers; k++)
                if (strv_extend(&names, ps->containers[k].name) < 0 ||
                    strv_extend(&images, ps->containers[k].image ?: "") < 0)
                        return -ENOMEM;
        n = strv_join(names, ",");
        i = strv_join(images, ",");
        s = format_selector(sel, uid);
        if (!n || !i || !s)
                return -ENOMEM;
        if (cell_str(cells, n) < 0 || cell_str(cells, i) < 0 || cell_str(cells, s) < 0)
                return -ENOMEM;
        return 0;
}

/* Jobs. */
static size_t jobs_count(Manager *m) { return m->n_jobs; }
static const void *jobs_at(Manager *m, size_t i) { return m->jobs[i]; }
static const char *job_ns(const void *o) { return managed_job_namespace(o); }
static const char *job_name(const void *o) { return ((const ManagedJob *) o)->job->metadata.name; }
static const StrMap *job_labels(const void *o) { return &((const ManagedJob *) o)->job->metadata.labels; }
static json_object *job_json(const void *o) { return api_job_to_json(o); }
static json_object *job_meta(const void *o) { return api_job_metadata(o); }

static const char *job_field(const void *o, const char *key, char buf[static 64]) {
        const ManagedJob *j = o;

        if (streq(key, "metadata.name"))
                return j ? j->job->metadata.name : "";
        if (streq(key, "metadata.namespace"))
                return j ? managed_job_namespace(j) : "";
        if (streq(key, "status.successful")) {
                if (j)
                        snprintf(buf, 64, "%" PRIi32, j->record.status.succeeded);
                return j ? buf : "";
        }
        return NULL;
}

static json_object *job_columns(void) {
        static const char * const defs[][4] = {
                { "Name", "string", "name", "0" },
                { "Status", "string", "", "0" },
                { "Completions", "string", "", "0" },
                { "Duration", "string", "", "0" },
                { "Age", "string", "", "0" },
                { "Containers", "string", "", "1" },
                { "Images", "string", "", "1" },
                { "Selector", "string", "", "1" },
        };
        return columns(defs, ELEMENTSOF(defs));
}

static int job_row(const void *o, json_object *cells) {
        const ManagedJob *j = o;
        const JobSpec *s = &j->job->spec;
        const JobStatus *st = &j->record.status;
        _cleanup_(freep) char *status = managed_job_status_word(j);
        char completions[64], duration[32] = "", a[32];

        if (!status)
                return -ENOMEM;
        if (!j->deleting) {
                const JobCondition *c = job_status_get_condition(st, JOB_CONDITION_SUCCESS_CRITERIA_MET);
                if (streq(status, "Running") && c && c->status) {
                        free(status);
                        status = strdup("SuccessCriteriaMet");
                        if (!status)
                                return -ENOMEM;
                }
        }
        if (s->completions != UNSET)
                snprintf(completions, sizeof(completions), "%" PRIi32 "/%" PRIi32, st->succeeded, s->completions);
        else if (s->parallelism > 1)
                snprintf(completions, sizeof(completions), "%" PRIi32 "/1 of %" PRIi32, st->succeeded, s->parallelism);
        else
                snprintf(completions, sizeof(completions), "%" PRIi32 "/1", st->succeeded);
        if (st->start_usec > 0) {
                usec_t end = st->completion_usec ?: manager_now();
                api_human_duration(duration, end > st->start_usec ? end - st->start_usec : 0);
        }
        age(a, j->record.created_usec);
        if (cell_str(cells, j->job->metadata.name) < 0 || cell_str(cells, status) < 0 ||
            cell_str(cells, completions) < 0 || cell_str(cells, duration) < 0 || cell_str(cells, a) < 0)
                return -ENOMEM;
        return pod_spec_cells(&s->template.spec, &s->selector, s->manual_selector ? NULL : strempty(j->record.uid), cells);
}

/* CronJobs. */
static size_t cron_count(Manager *m) { return m->n_cron_jobs; }
static const void *cron_at(Manager *m, size_t i) { return m->cron_jobs[i]; }
static const char *cron_ns(const void *o) { return managed_cron_job_namespace(o); }
static const char *cron_name(const void *o) { return ((const ManagedCronJob *) o)->cj->metadata.name; }
static const StrMap *cron_labels(const void *o) { return &((const ManagedCronJob *) o)->cj->metadata.labels; }
static json_object *cron_json(const void *o) { return api_cron_job_to_json(o); }
static json_object *cron_meta(const void *o) { return api_cron_job_metadata(o); }

static const char *cron_field(const void *o, const char *key, char buf[static 64]) {
        const ManagedCronJob *c = o;

        if (streq(key, "metadata.name"))
                return c ? c->cj->metadata.name : "";
        if (streq(key, "metadata.namespace"))
                return c ? managed_cron_job_namespace(c) : "";
        return NULL;
}

static json_object *cron_columns(void) {
        static const char * const defs[][4] = {
                { "Name", "string", "name", "0" },
                { "Schedule", "string", "", "0" },
                { "Timezone", "string", "", "0" },
                { "Suspend", "boolean", "", "0" },
                { "Active", "integer", "", "0" },
                { "Last Schedule", "string", "", "0" },
                { "Age", "string", "", "0" },
                { "Containers", "string", "", "1" },
                { "Images", "string", "", "1" },
                { "Selector", "string", "", "1" },
        };
        return columns(defs, ELEMENTSOF(defs));
}

static int cron_row(const void *o, json_object *cells) {
        const ManagedCronJob *c = o;
        const CronJobSpec *s = &c->cj->spec;
        char last[32] = "<none>", a[32];

        if (c->status.last_schedule_usec > 0)
                age(last, c->status.last_schedule_usec);
        age(a, c->status.created_usec);
        if (cell_str(cells, c->cj->metadata.name) < 0 || cell_str(cells, strempty(s->schedule)) < 0 ||
            cell_str(cells, s->time_zone ?: "<none>") < 0 ||
            cell_str(cells, s->suspend ? "True" : "False") < 0 ||
            json_object_array_add(cells, json_object_new_int64((int64_t) strv_length(c->status.active))) < 0 ||
            cell_str(cells, last) < 0 || cell_str(cells, a) < 0)
                return -ENOMEM;
        return pod_spec_cells(&s->job_spec.template.spec, &s->job_spec.selector, NULL, cells);
}

const ApiKind api_kind_jobs = {
        "jobs", "batch", "Job", "JobList", "batch/v1", true,
        jobs_count, jobs_at, job_ns, job_name, job_labels, job_json, job_meta, job_field, job_columns, job_row,
};

const ApiKind api_kind_cronjobs = {
        "cronjobs", "batch", "CronJob", "CronJobList", "batch/v1", true,
        cron_count, cron_at, cron_ns, cron_name, cron_labels, cron_json, cron_meta, cron_field, cron_columns, cron_row,
};

static int compare_str(const void *a, const void *b) {
        return strcmp(*(char * const *) a, *(char * const *) b);
}

/* Namespaces: every namespace that holds a Job or a CronJob, and default. */
static int namespaces_list(Manager *m, char ***ret) {
        _cleanup_(strv_freep) char **l = NULL;

        if (strv_extend(&l, "default") < 0)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_jobs; i++)
                if (!strv_contains(l, managed_job_namespace(m->jobs[i])) &&
                    strv_extend(&l, managed_job_namespace(m->jobs[i])) < 0)
                        return -ENOMEM;
        for (size_t i = 0; i < m->n_cron_jobs; i++)
                if (!strv_contains(l, managed_cron_job_namespace(m->cron_jobs[i])) &&
                    strv_extend(&l, managed_cron_job_namespace(m->cron_jobs[i])) < 0)
                        return -ENOMEM;
        qsort(l, strv_length(l), sizeof(char *), compare_str);
        *ret = TAKE_PTR(l);
        return 0;
}

static json_object *namespace_json(const char *name) {
        _cleanup_(json_object_putp) json_object *o = api_json_object("v1", "Namespace");
        json_object *meta = json_object_new_object(), *spec, *status, *labels;

        if (!o || api_json_add(o, "metadata", meta) < 0)
                return NULL;
        if (api_json_str(meta, "name", name) < 0)
                return NULL;
        labels = json_object_new_object();
        if (api_json_add(meta, "labels", labels) < 0 || api_json_str(labels, "kubernetes.io/metadata.name", name) < 0)
                return NULL;
        spec = json_object_new_object();
        if (api_json_add(o, "spec", spec) < 0)
                return NULL;
        status = json_object_new_object();
        if (api_json_add(o, "status", status) < 0 || api_json_str(status, "phase", "Active") < 0)
                return NULL;
        return TAKE_PTR(o);
}

static char *rv_string(Manager *m) {
        return strprintf("%" PRIu64, m->resource_version);
}

static int reply_table_page(ApiCall *c, json_object *columns_def, json_object *rows, const ApiPage *page) {
        _cleanup_(json_object_putp) json_object *t = api_json_object("meta.k8s.io/v1", "Table"), *cols = columns_def,
                *r = rows;
        _cleanup_(freep) char *rv = rv_string(c->manager);
        json_object *meta = json_object_new_object();

        if (!t || !cols || !r || !rv || api_json_add(t, "metadata", meta) < 0 || api_json_str(meta, "resourceVersion", rv) < 0 ||
            (page && api_page_metadata(meta, page) < 0) ||
            api_json_add(t, "columnDefinitions", TAKE_PTR(cols)) < 0 || api_json_add(t, "rows", TAKE_PTR(r)) < 0)
                return -ENOMEM;
        return api_reply_json(c, 200, TAKE_PTR(t), NULL);
}

static int reply_table(ApiCall *c, json_object *columns_def, json_object *rows) {
        return reply_table_page(c, columns_def, rows, NULL);
}

/* A reply was queued: 1, or the failure to queue it. */
static int replied_status(int r) {
        return r < 0 ? r : 1;
}

static json_object *row_object(ApiCall *c, const ApiKind *k, const void *o) {
        const char *include = api_query(c, "includeObject");
        json_object *p;

        if (streq_ptr(include, "Object"))
                return k->to_json(o);
        p = api_json_object("meta.k8s.io/v1", "PartialObjectMetadata");
        if (!p || api_json_add(p, "metadata", k->metadata(o)) < 0)
                return json_object_put(p), NULL;
        return p;
}

int api_table_add_row(ApiCall *c, const ApiKind *k, const void *o, json_object *rows) {
        json_object *row = json_object_new_object(), *cells = json_object_new_array();
        const char *include = api_query(c, "includeObject");

        if (!row || json_object_array_add(rows, row) < 0) {
                json_object_put(row);
                json_object_put(cells);
                return -ENOMEM;
        }
        if (api_json_add(row, "cells", cells) < 0 || k->row(o, cells) < 0)
                return -ENOMEM;
        if (!streq_ptr(include, "None") && api_json_add(row, "object", row_object(c, k, o)) < 0)
                return -ENOMEM;
        return 0;
}

static int reply_bad_request(ApiCall *c, const char *msg) {
        return api_reply_status(c, 400, "BadRequest", NULL, "%s", msg);
}

static int compare_ptr(const void *a, const void *b, void *userdata) {
        const ApiKind *k = userdata;
        const void *x = *(const void * const *) a, *y = *(const void * const *) b;
        int r = strcmp(k->namespace(x), k->namespace(y));
        return r != 0 ? r : strcmp(k->name(x), k->name(y));
}

/* The objects of a list: namespace (NULL: all), labelSelector and fieldSelector applied, sorted by
 * namespace and name. Replies itself (400) on a bad selector: *ret NULL and 0 then. */
static int select_objects(ApiCall *c, const ApiKind *k, const char *ns, const void ***ret, size_t *ret_n) {
        _cleanup_(selector_done) Selector labels = {}, fields = {};
        _cleanup_(freep) char *err = NULL;
        _cleanup_(freep) const void **l = NULL;
        const char *ls = api_query(c, "labelSelector"), *fs = api_query(c, "fieldSelector"), *unknown = NULL;
        size_t n = 0, total = k->count(c->manager);
        int r;

        *ret = NULL;
        *ret_n = 0;
        r = selector_parse(strempty(ls), false, &labels, &err);
        if (r == -EINVAL)
                return reply_bad_request(c, err);
        if (r < 0)
                return r;
        r = selector_parse(strempty(fs), true, &fields, &err);
        if (r == -EINVAL)
                return reply_bad_request(c, err);
        if (r < 0)
                return r;
        if (selector_matches_fields(&fields, NULL, k->field, &unknown) == -ENOENT) {
                _cleanup_(freep) char *msg = strprintf("field label not supported: %s", unknown);
                return msg ? reply_bad_request(c, msg) : -ENOMEM;
        }
        l = calloc(total + 1, sizeof(void *));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < total; i++) {
                const void *o = k->at(c->manager, i);
                if (ns && !streq(k->namespace(o), ns))
                        continue;
                if (!selector_matches_labels(&labels, k->labels(o)))
                        continue;
                if (selector_matches_fields(&fields, o, k->field, &unknown) <= 0)
                        continue;
                l[n++] = o;
        }
        qsort_r(l, n, sizeof(void *), compare_ptr, (void *) k);
        *ret = TAKE_PTR(l);
        *ret_n = n;
        return 0;
}

/* A continue token older than this is stale (410 Expired): Kubernetes' API server compacts etcd every 5
 * minutes, after which a token of an older resourceVersion gets 410. */
#define CONTINUE_TOKEN_LIFETIME_SEC 300

static bool isempty(const char *s) {
        return !s || !*s;
}

static int compare_key(const char *ns_a, const char *name_a, const char *ns_b, const char *name_b) {
        int r = strcmp(ns_a, ns_b);
        return r != 0 ? r : strcmp(name_a, name_b);
}

int api_page(ApiCall *c, const char * const *namespaces, const char * const *names, size_t n, ApiPage *ret) {
        const char *limit_s = api_query(c, "limit"), *token = api_query(c, "continue");
        bool selectors = !isempty(api_query(c, "labelSelector")) || !isempty(api_query(c, "fieldSelector"));
        uint64_t rv = c->manager->resource_version, issued = manager_now() / USEC_PER_SEC;
        int64_t limit = 0;
        size_t from = 0, to;
        int r;

        *ret = (ApiPage) { .to = n, .remaining = -1 };
        if (!isempty(limit_s)) {
                char *e;
                errno = 0;
                limit = strtoll(limit_s, &e, 10);
                if (errno != 0 || *e || e == limit_s)
                        return replied_status(api_reply_status(c, 400, "BadRequest", NULL,
                                                               "limit: Invalid value: \"%s\": must be an integer", limit_s));
        }
        if (!isempty(token)) {
                _cleanup_(freep) char *start = NULL, *err = NULL;
                uint64_t now = issued, n_start = 1;
                const char *slash;

                r = api_continue_decode(token, &rv, &issued, &start, &n_start, &err);
                if (r == -EINVAL)
                        return replied_status(api_reply_status(c, 400, "BadRequest", NULL, "invalid continue token: %s", err));
                if (r < 0)
                        return r;
                slash = strchr(start, '/');
                if (!slash)
                        return replied_status(api_reply_status(c, 400, "BadRequest", NULL, "%s",
                                                               "invalid continue token: continue key is not valid: the start key has no namespace"));
                /* jobsd keeps no old versions to list from: a token of a later resourceVersion than the
                 * current one (another run of jobsd) or older than the lifetime is expired, as a token of
                 * a compacted resourceVersion is in a cluster. */
                if (rv > c->manager->resource_version || issued + CONTINUE_TOKEN_LIFETIME_SEC < now)
                        return replied_status(api_reply_status(c, 410, "Expired", NULL, "%s",
                                "The provided continue parameter is too old to display a consistent list result. You can start "
                                "a new list without the continue parameter."));
                {
                        _cleanup_(freep) char *ns = strndup(start, slash - start);
                        if (!ns)
                                return -ENOMEM;
                        /* After the last item sent; of items of the same name (a Job's pods of
                         * several runs), after the n_start sent. */
                        while (from < n && compare_key(namespaces[from], names[from], ns, slash + 1) < 0)
                                from++;
                        for (uint64_t k = 0; k < n_start && from < n &&
                             compare_key(namespaces[from], names[from], ns, slash + 1) == 0; k++)
                                from++;
                }
        }
        to = limit > 0 && (uint64_t) limit < n - from ? from + (size_t) limit : n;
        ret->from = from;
        ret->to = to;
        if (to < n) {
                _cleanup_(freep) char *last = strprintf("%s/%s", namespaces[to - 1], names[to - 1]);
                if (!last)
                        return -ENOMEM;
                uint64_t same = 1;
                while (same < to && compare_key(namespaces[to - 1 - same], names[to - 1 - same],
                                                 namespaces[to - 1], names[to - 1]) == 0)
                        same++;
                /* Items of that key sent in earlier pages too. */
                ret->token = api_continue_encode(rv, issued, last, same);
                if (!ret->token)
                        return -ENOMEM;
                /* As Kubernetes: the count of the items left only when no selector filtered them. */
                if (!selectors)
                        ret->remaining = (int64_t) (n - to);
        }
        return 0;
}

int api_page_metadata(json_object *meta, const ApiPage *p) {
        if (p->token && api_json_str(meta, "continue", p->token) < 0)
                return -ENOMEM;
        if (p->remaining >= 0 && api_json_int_always(meta, "remainingItemCount", p->remaining) < 0)
                return -ENOMEM;
        return 0;
}

void api_page_done(ApiPage *p) {
        p->token = mfree(p->token);
}

static int list(ApiCall *c, const ApiKind *k, const char *ns) {
        _cleanup_(freep) const void **l = NULL;
        _cleanup_(freep) const char **nss = NULL, **names = NULL;
        _cleanup_(api_page_done) ApiPage page = {};
        size_t n;
        int r;

        r = select_objects(c, k, ns, &l, &n);
        if (r < 0 || !l)
                return r;
        nss = calloc(n + 1, sizeof(char *));
        names = calloc(n + 1, sizeof(char *));
        if (!nss || !names)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                nss[i] = k->namespace(l[i]);
                names[i] = k->name(l[i]);
        }
        r = api_page(c, nss, names, n, &page);
        if (r != 0)
                return r < 0 ? r : 0;
        if (api_wants_table(c)) {
                json_object *rows = json_object_new_array();
                for (size_t i = page.from; rows && i < page.to; i++)
                        if (api_table_add_row(c, k, l[i], rows) < 0) {
                                json_object_put(rows);
                                return -ENOMEM;
                        }
                return reply_table_page(c, k->columns(), rows, &page);
        }
        _cleanup_(json_object_putp) json_object *o = api_json_object(k->api_version, k->list_kind);
        _cleanup_(freep) char *rv = rv_string(c->manager);
        json_object *meta = json_object_new_object(), *items = json_object_new_array();
        if (!o || !rv || api_json_add(o, "metadata", meta) < 0 || api_json_str(meta, "resourceVersion", rv) < 0 ||
            api_page_metadata(meta, &page) < 0 || api_json_add(o, "items", items) < 0)
                return -ENOMEM;
        for (size_t i = page.from; i < page.to; i++)
                if (json_object_array_add(items, k->to_json(l[i])) < 0 || !json_object_array_get_idx(items, i - page.from))
                        return -ENOMEM;
        return api_reply_json(c, 200, TAKE_PTR(o), NULL);
}

static const void *find(ApiCall *c, const ApiKind *k, const char *ns, const char *name) {
        for (size_t i = 0; i < k->count(c->manager); i++) {
                const void *o = k->at(c->manager, i);
                if (streq(k->namespace(o), ns) && streq(k->name(o), name))
                        return o;
        }
        return NULL;
}

static int reply_not_found(ApiCall *c, const ApiKind *k, const char *name) {
        return api_reply_status(c, 404, "NotFound", api_status_details(name, k->group, k->resource),
                                "%s%s%s \"%s\" not found", k->resource, *k->group ? "." : "", k->group, name);
}

static int get(ApiCall *c, const ApiKind *k, const char *ns, const char *name) {
        const void *o = find(c, k, ns, name);

        if (!o)
                return reply_not_found(c, k, name);
        if (api_wants_table(c)) {
                json_object *rows = json_object_new_array();
                if (!rows || api_table_add_row(c, k, o, rows) < 0) {
                        json_object_put(rows);
                        return -ENOMEM;
                }
                return reply_table(c, k->columns(), rows);
        }
        return api_reply_json(c, 200, k->to_json(o), NULL);
}

static int method_not_allowed(ApiCall *c) {
        return api_reply_status(c, 405, "MethodNotAllowed", NULL,
                                "the server does not allow this method on the requested resource");
}

static bool is_get(ApiCall *c) {
        return streq(c->method, "GET") || streq(c->method, "HEAD");
}

static int watch_not_served(ApiCall *c) {
        return api_reply_status(c, 405, "MethodNotAllowed", NULL, "watch is not served by jobsd yet");
}

static bool wants_watch(ApiCall *c) {
        return api_query_bool(api_query(c, "watch"));
}

int api_batch_route(ApiCall *c, char **path, size_t n) {
        const ApiKind *k = NULL;
        const char *ns = NULL, *name = NULL, *sub = NULL;
        size_t base = 0;

        if (n >= 3 && streq(path[0], "namespaces")) {
                ns = path[1];
                base = 2;
        }
        if (n <= base)
                return api_reply_status(c, 404, "NotFound", NULL, "the server could not find the requested resource");
        if (streq(path[base], "jobs"))
                k = &api_kind_jobs;
        else if (streq(path[base], "cronjobs"))
                k = &api_kind_cronjobs;
        else
                return api_reply_status(c, 404, "NotFound", NULL, "the server could not find the requested resource");
        if (n > base + 3 || (!ns && n > base + 1))
                return api_reply_status(c, 404, "NotFound", NULL, "the server could not find the requested resource");
        if (n > base + 1)
                name = path[base + 1];
        if (n > base + 2) {
                sub = path[base + 2];
                if (!streq(sub, "status"))
                        return api_reply_status(c, 404, "NotFound", NULL, "the server could not find the requested resource");
        }
        if (streq(c->method, "POST") && ns && !name)
                return api_create(c, k, ns);
        if (streq(c->method, "DELETE") && name && !sub)
                return api_delete(c, k, ns, name);
        if (streq(c->method, "PATCH") && name && !sub)
                return api_patch(c, k, ns, name);
        if (streq(c->method, "PUT") && name && !sub)
                return api_update(c, k, ns, name);
        if (!is_get(c))
                return method_not_allowed(c);
        if (wants_watch(c)) {
                if (name)
                        return api_reply_status(c, 400, "BadRequest", NULL,
                                                "watch a single object with fieldSelector=metadata.name=%s", name);
                return api_watch_start(c, k, ns);
        }
        if (!name)
                return list(c, k, ns);
        return get(c, k, ns, name);
}

int api_core_route(ApiCall *c, char **path, size_t n) {
        _cleanup_(strv_freep) char **l = NULL;
        int r;

        if (n >= 1 && streq(path[0], "pods"))
                return api_pods_route(c, NULL, path + 1, n - 1);
        if (n >= 1 && streq(path[0], "events"))
                return api_events_route(c, NULL, path + 1, n - 1);
        if (n >= 3 && streq(path[0], "namespaces") && streq(path[2], "pods"))
                return api_pods_route(c, path[1], path + 3, n - 3);
        if (n >= 3 && streq(path[0], "namespaces") && streq(path[2], "events"))
                return api_events_route(c, path[1], path + 3, n - 3);

        if (n == 0 || !streq(path[0], "namespaces") || n > 2)
                return api_reply_status(c, 404, "NotFound", NULL, "the server could not find the requested resource");
        if (!is_get(c))
                return method_not_allowed(c);
        if (wants_watch(c))
                return watch_not_served(c);
        r = namespaces_list(c->manager, &l);
        if (r < 0)
                return r;
        if (n == 2) {
                if (!strv_contains(l, path[1]))
                        return api_reply_status(c, 404, "NotFound", api_status_details(path[1], "", "namespaces"),
                                                "namespaces \"%s\" not found", path[1]);
                if (api_wants_table(c)) {
                        static const char * const defs[][4] = {
                                { "Name", "string", "name", "0" }, { "Status", "string", "", "0" }, { "Age", "string", "", "0" },
                        };
                        json_object *rows = json_object_new_array(), *row = json_object_new_object(), *cells = json_object_new_array(), *obj;
                        if (!rows || !row || json_object_array_add(rows, row) < 0 || api_json_add(row, "cells", cells) < 0 ||
                            cell_str(cells, path[1]) < 0 || cell_str(cells, "Active") < 0 || cell_str(cells, "<unknown>") < 0) {
                                json_object_put(rows);
                                return -ENOMEM;
                        }
                        obj = api_json_object("meta.k8s.io/v1", "PartialObjectMetadata");
                        if (api_json_add(row, "object", obj) < 0 ||
                            api_json_add(obj, "metadata", json_object_new_object()) < 0 ||
                            api_json_str(json_object_object_get(obj, "metadata"), "name", path[1]) < 0) {
                                json_object_put(rows);
                                return -ENOMEM;
                        }
                        return reply_table(c, columns(defs, ELEMENTSOF(defs)), rows);
                }
                return api_reply_json(c, 200, namespace_json(path[1]), NULL);
        }
        if (api_wants_table(c)) {
                static const char * const defs[][4] = {
                        { "Name", "string", "name", "0" }, { "Status", "string", "", "0" }, { "Age", "string", "", "0" },
                };
                json_object *rows = json_object_new_array();
                STRV_FOREACH(ns, l) {
                        json_object *row = json_object_new_object(), *cells = json_object_new_array(), *obj;
                        if (!rows || !row || json_object_array_add(rows, row) < 0 || api_json_add(row, "cells", cells) < 0 ||
                            cell_str(cells, *ns) < 0 || cell_str(cells, "Active") < 0 || cell_str(cells, "<unknown>") < 0) {
                                json_object_put(rows);
                                return -ENOMEM;
                        }
                        obj = api_json_object("meta.k8s.io/v1", "PartialObjectMetadata");
                        if (api_json_add(row, "object", obj) < 0 ||
                            api_json_add(obj, "metadata", json_object_new_object()) < 0 ||
                            api_json_str(json_object_object_get(obj, "metadata"), "name", *ns) < 0) {
                                json_object_put(rows);
                                return -ENOMEM;
                        }
                }
                return reply_table(c, columns(defs, ELEMENTSOF(defs)), rows);
        }
        _cleanup_(json_object_putp) json_object *o = api_json_object("v1", "NamespaceList");
        _cleanup_(freep) char *rv = rv_string(c->manager);
        json_object *meta = json_object_new_object(), *items = json_object_new_array();
        if (!o || !rv || api_json_add(o, "metadata", meta) < 0 || api_json_str(meta, "resourceVersion", rv) < 0 ||
            api_json_add(o, "items", items) < 0)
                return -ENOMEM;
        STRV_FOREACH(ns, l)
                if (json_object_array_add(items, namespace_json(*ns)) < 0)
                        return -ENOMEM;
        return api_reply_json(c, 200, TAKE_PTR(o), NULL);
}
