/* SPDX-License-Identifier: Apache-2.0 */
/* resourceVersions, the history of changes, and the API's watches. */
#include <inttypes.h>
#include <stdio.h>

#include "jobsd/log.h"
#include "jobsd/strv.h"
#include "api-dlopen.h"
#include "api-jobs.h"
#include "api-objects.h"
#include "api-pods.h"
#include "api-server.h"
#include "api-watch.h"

#define WATCH_DEFAULT_TIMEOUT_SEC 1800U

typedef struct WatchEntry {
        uint64_t rv;
        ApiWatchEvent type;
        const ApiKind *kind;
        json_object *object;            /* the whole object */
        json_object *cells;             /* its Table row's cells */
} WatchEntry;

typedef struct ApiWatch ApiWatch;

/* A pod as the last event (or the baseline) showed it: object without its resourceVersion. */
typedef struct PodCache {
        const struct ApiKind *kind;     /* pods or events */
        char *key;                      /* "<namespace>/<pod>" */
        char *job;                      /* "<namespace>/<job>" */
        json_object *object;
        json_object *cells;
        uint64_t rv;
} PodCache;

struct ApiWatchHub {
        PodCache *pods;                 /* from the first pod watch on (pods_tracked) */
        size_t n_pods;
        bool pods_tracked, events_tracked;
        uint64_t pods_covered_rv;       /* pods and events: derived objects tracked since */
        Manager *manager;
        WatchEntry ring[API_WATCH_HISTORY];
        size_t start, n;
        uint64_t covered_rv;            /* every change after this one is in the ring */
        ApiWatch *watches;
};

struct ApiWatch {
        ApiWatchHub *hub;
        ApiWatch *prev, *next;
        struct MHD_Connection *conn;
        const ApiKind *kind;
        char *namespace;
        Selector labels, fields;
        bool table;
        const char *include;            /* includeObject: Object, None, or NULL (Metadata) */
        bool columns_sent;
        char *buf;
        size_t size, offset;
        bool suspended, finished;
        sd_event_source *timeout;
        sd_event_source *hangup;        /* the client's socket, watched while MHD does not (suspended) */
        void *userdata;                 /* a plain stream's (api_stream_start()) */
        void (*free_userdata)(void *userdata);
};

static const char * const event_names[_API_WATCH_EVENT_MAX] = {
        [API_WATCH_ADDED] = "ADDED",
        [API_WATCH_MODIFIED] = "MODIFIED",
        [API_WATCH_DELETED] = "DELETED",
};

static void entry_done(WatchEntry *e) {
        json_object_put(e->object);
        json_object_put(e->cells);
        *e = (WatchEntry) {};
}

int api_watch_hub_new(Manager *m, ApiWatchHub **ret) {
        ApiWatchHub *h = calloc(1, sizeof(ApiWatchHub));

        if (!h)
                return -ENOMEM;
        h->manager = m;
        h->covered_rv = m->resource_version;
        *ret = h;
        return 0;
}

/* The stream has data again (or ends): MHD reads it at its next run. */
static void watch_wake(ApiWatch *w) {
        if (!w->suspended)
                return;
        w->suspended = false;
        (void) sd_event_source_set_enabled(w->hangup, SD_EVENT_OFF);
        sym_MHD_resume_connection(w->conn);
        api_server_kick(w->hub->manager->api);
}

static void watch_finish(ApiWatch *w) {
        w->finished = true;
        watch_wake(w);
}

void api_watch_hub_shutdown(ApiWatchHub *h) {
        if (!h)
                return;
        for (ApiWatch *w = h->watches; w; w = w->next)
                watch_finish(w);
}

static void pod_cache_done(PodCache *p) {
        free(p->key);
        free(p->job);
        json_object_put(p->object);
        json_object_put(p->cells);
}

ApiWatchHub *api_watch_hub_free(ApiWatchHub *h) {
        if (!h)
                return NULL;
        for (size_t i = 0; i < h->n_pods; i++)
                pod_cache_done(h->pods + i);
        free(h->pods);
        for (ApiWatch *w = h->watches; w; w = w->next)
                w->hub = NULL;
        for (size_t i = 0; i < h->n; i++)
                entry_done(&h->ring[(h->start + i) % API_WATCH_HISTORY]);
        free(h);
        return NULL;
}

static int watch_append(ApiWatch *w, const char *text) {
        size_t l = strlen(text);
        char *b;

        if (w->finished)
                return 0;
        if (w->offset > 0 && w->offset == w->size)
                w->offset = w->size = 0;
        if (w->size - w->offset + l + 1 > API_WATCH_BUFFER_MAX) {
                log_info("API: a watch client does not read its events: ending its watch");
                w->size = w->offset = 0;
                watch_finish(w);
                return 0;
        }
        b = realloc(w->buf, w->size + l + 1);
        if (!b)
                return -ENOMEM;
        memcpy(b + w->size, text, l);
        b[w->size + l] = '\n';
        w->size += l + 1;
        w->buf = b;
        return 0;
}

/* The JSON a field selector reads. */
static const char *json_field(const void *object, const char *key, char buf[static 64]) {
        json_object *o = (json_object *) object, *meta, *v;

        if (!o)
                return "";
        meta = json_object_object_get(o, "metadata");
        if (streq(key, "metadata.name") || streq(key, "metadata.namespace")) {
                v = json_object_object_get(meta, key + strlen("metadata."));
                return v ? json_object_get_string(v) : "";
        }
        if (streq(key, "status.successful")) {
                v = json_object_object_get(json_object_object_get(o, "status"), "succeeded");
                snprintf(buf, 64, "%" PRIi64, v ? json_object_get_int64(v) : (int64_t) 0);
                return buf;
        }
        return NULL;
}

static bool watch_matches(ApiWatch *w, const WatchEntry *e) {
        json_object *ns;
        const char *unknown;

        if (e->kind != w->kind)
                return false;
        ns = json_object_object_get(json_object_object_get(e->object, "metadata"), "namespace");
        if (w->namespace && !streq_ptr(ns ? json_object_get_string(ns) : NULL, w->namespace))
                return false;
        if (!selector_matches_json(&w->labels, e->object))
                return false;
        return selector_matches_fields(&w->fields, e->object, w->kind->json_field ?: json_field, &unknown) > 0;
}

/* plain: the event as a plain (not Table) watch gets it, made by the first such watch and kept by the
 * caller for the next ones (NULL: made each time). */
static int watch_send(ApiWatch *w, const WatchEntry *e, char **plain) {
        _cleanup_(json_object_putp) json_object *ev = NULL;
        const char *text;
        json_object *obj;
        char rv[32];

        if (plain && *plain && !w->table)
                return watch_append(w, *plain);
        ev = json_object_new_object();
        if (!ev || api_json_str(ev, "type", event_names[e->type]) < 0)
                return -ENOMEM;
        if (!w->table)
                obj = json_object_get(e->object);
        else {
                json_object *meta = json_object_new_object(), *rows = json_object_new_array(), *row = json_object_new_object(),
                        *ro;
                obj = api_json_object("meta.k8s.io/v1", "Table");
                snprintf(rv, sizeof(rv), "%" PRIu64, e->rv);
                if (!obj || api_json_add(obj, "metadata", meta) < 0 || api_json_str(meta, "resourceVersion", rv) < 0 ||
                    api_json_add(obj, "columnDefinitions", w->columns_sent ? json_object_new_array() : w->kind->columns()) < 0 ||
                    api_json_add(obj, "rows", rows) < 0 || !row || json_object_array_add(rows, row) < 0 ||
                    api_json_add(row, "cells", json_object_get(e->cells)) < 0) {
                        json_object_put(row);
                        json_object_put(obj);
                        return -ENOMEM;
                }
                if (streq_ptr(w->include, "Object"))
                        ro = json_object_get(e->object);
                else if (streq_ptr(w->include, "None"))
                        ro = NULL;
                else {
                        ro = api_json_object("meta.k8s.io/v1", "PartialObjectMetadata");
                        if (ro && api_json_add(ro, "metadata", json_object_get(json_object_object_get(e->object, "metadata"))) < 0)
                                ro = NULL;
                        if (!ro) {
                                json_object_put(obj);
                                return -ENOMEM;
                        }
                }
                if (ro && api_json_add(row, "object", ro) < 0) {
                        json_object_put(obj);
                        return -ENOMEM;
                }
                w->columns_sent = true;
        }
        if (api_json_add(ev, "object", obj) < 0)
                return -ENOMEM;
        text = api_json_text(ev);
        if (!text)
                return -ENOMEM;
        if (plain && !w->table) {
                *plain = strdup(text);
                if (!*plain)
                        return -ENOMEM;
        }
        return watch_append(w, text);
}

static void hub_publish(ApiWatchHub *h, WatchEntry *e) {
        _cleanup_(freep) char *plain = NULL;
        WatchEntry *slot;

        if (h->n == API_WATCH_HISTORY) {
                h->covered_rv = h->ring[h->start].rv;
                entry_done(&h->ring[h->start]);
                h->start = (h->start + 1) % API_WATCH_HISTORY;
                h->n--;
        }
        slot = &h->ring[(h->start + h->n) % API_WATCH_HISTORY];
        *slot = *e;
        h->n++;
        for (ApiWatch *w = h->watches; w; w = w->next)
                if (!w->finished && watch_matches(w, slot)) {
                        if (watch_send(w, slot, &plain) < 0)
                                watch_finish(w);
                        else
                                watch_wake(w);
                }
}

static int entry_make(const ApiKind *k, const void *o, ApiWatchEvent type, uint64_t rv, WatchEntry *ret) {
        WatchEntry e = { .rv = rv, .type = type, .kind = k };

        e.object = k->to_json(o);
        e.cells = json_object_new_array();
        if (!e.object || !e.cells || k->row(o, e.cells) < 0) {
                entry_done(&e);
                return -ENOMEM;
        }
        *ret = e;
        return 0;
}

static void object_event(Manager *m, const ApiKind *k, const void *o, uint64_t rv, ApiWatchEvent type) {
        ApiWatchHub *h = m->api ? api_server_watch_hub(m->api) : NULL;
        WatchEntry e;

        if (!h)
                return;
        if (entry_make(k, o, type, rv, &e) < 0) {
                /* Lost: watches from before cannot be trusted to be complete any more. */
                log_error("API: out of memory for a watch event: watches end, clients list again");
                h->covered_rv = rv;
                api_watch_hub_shutdown(h);
                return;
        }
        hub_publish(h, &e);
}

/* The pod's object with rv as its resourceVersion (a copy: the cache keeps it without). */
static json_object *pod_with_rv(json_object *o, uint64_t rv) {
        json_object *c = NULL;
        char buf[32];

        if (json_object_deep_copy(o, &c, NULL) < 0)
                return NULL;
        snprintf(buf, sizeof(buf), "%" PRIu64, rv);
        if (api_json_str(json_object_object_get(c, "metadata"), "resourceVersion", buf) < 0)
                return json_object_put(c), NULL;
        return c;
}

static void pod_publish(ApiWatchHub *h, PodCache *p, ApiWatchEvent type, uint64_t rv) {
        WatchEntry e = { .rv = rv, .type = type, .kind = p->kind, .object = pod_with_rv(p->object, p->rv),
                         .cells = json_object_get(p->cells) };

        if (!e.object) {
                entry_done(&e);
                h->covered_rv = rv;     /* lost: older watches cannot be trusted to be complete */
                return;
        }
        hub_publish(h, &e);
}

/* Objects derived from a Job or CronJob (owner, "<namespace>/<name>"; its pods, its events) after it
 * changed: ADDED, MODIFIED (only objects that changed), DELETED. Takes objs[] and cells[]. */
static void derived_changed(ApiWatchHub *h, const ApiKind *k, const char *owner, char **keys, json_object **objs,
                            json_object **cells, size_t n, uint64_t rv, bool publish) {
        _cleanup_(freep) bool *seen = NULL;
        size_t old_n = h->n_pods;

        seen = calloc(old_n + 1, sizeof(bool));
        for (size_t i = 0; i < n; i++) {
                PodCache *p = NULL;
                json_object_object_del(json_object_object_get(objs[i], "metadata"), "resourceVersion");
                for (size_t x = 0; x < old_n; x++)
                        if (h->pods[x].kind == k && streq(h->pods[x].key, keys[i])) {
                                p = h->pods + x;
                                if (seen)
                                        seen[x] = true;
                                break;
                        }
                if (p) {
                        if (!json_object_equal(p->object, objs[i])) {
                                json_object_put(p->object);
                                json_object_put(p->cells);
                                p->object = objs[i];
                                p->cells = cells[i];
                                p->rv = rv;
                                if (publish)
                                        pod_publish(h, p, API_WATCH_MODIFIED, rv);
                        } else {
                                json_object_put(objs[i]);
                                json_object_put(cells[i]);
                        }
                        continue;
                }
                PodCache *np = realloc(h->pods, sizeof(PodCache) * (h->n_pods + 1));
                char *key = strdup(keys[i]), *own = strdup(owner);
                if (!np || !key || !own) {
                        free(key);
                        free(own);
                        if (np)
                                h->pods = np;
                        json_object_put(objs[i]);
                        json_object_put(cells[i]);
                        h->covered_rv = rv;
                        continue;
                }
                h->pods = np;
                h->pods[h->n_pods] = (PodCache) { .kind = k, .key = key, .job = own, .object = objs[i], .cells = cells[i],
                                                  .rv = rv };
                h->n_pods++;
                if (publish)
                        pod_publish(h, h->pods + h->n_pods - 1, API_WATCH_ADDED, rv);
        }
        free(objs);
        free(cells);
        for (size_t x = old_n; x > 0; x--) {
                PodCache *p = h->pods + x - 1;
                if ((seen && seen[x - 1]) || p->kind != k || !streq_ptr(p->job, owner))
                        continue;
                if (publish)
                        pod_publish(h, p, API_WATCH_DELETED, rv);
                pod_cache_done(p);
                memmove(p, p + 1, sizeof(PodCache) * (h->n_pods - x));
                h->n_pods--;
        }
}

static void pods_job_changed(Manager *m, ApiWatchHub *h, const ManagedJob *j, uint64_t rv, bool gone, bool publish) {
        _cleanup_(strv_freep) char **names = NULL, **keys = NULL;
        _cleanup_(freep) char *owner = strprintf("%s/%s", managed_job_namespace(j), j->job->metadata.name);
        json_object **objs = NULL, **cells = NULL;
        size_t n = 0;

        if (!owner || (!gone && api_job_pods(j, &names, &objs, &cells, &n) < 0)) {
                h->covered_rv = rv;
                return;
        }
        for (size_t i = 0; i < n; i++)
                if (strv_push(&keys, strprintf("%s/%s", managed_job_namespace(j), names[i])) < 0) {
                        for (size_t x = 0; x < n; x++) {
                                json_object_put(objs[x]);
                                json_object_put(cells[x]);
                        }
                        free(objs);
                        free(cells);
                        h->covered_rv = rv;
                        return;
                }
        derived_changed(h, &api_kind_pods, owner, keys, objs, cells, n, rv, publish);
}

static void events_changed(ApiWatchHub *h, const ManagedJob *j, const ManagedCronJob *c, uint64_t rv, bool gone,
                           bool publish) {
        _cleanup_(strv_freep) char **keys = NULL;
        _cleanup_(freep) char *owner = j ? strprintf("Job/%s/%s", managed_job_namespace(j), j->job->metadata.name) :
                strprintf("CronJob/%s/%s", managed_cron_job_namespace(c), c->cj->metadata.name);
        json_object **objs = NULL, **cells = NULL;
        size_t n = 0;
        int r = 0;

        if (owner && !gone)
                r = j ? api_job_events(j, &keys, &objs, &cells, &n) : api_cron_job_events(c, &keys, &objs, &cells, &n);
        if (!owner || r < 0) {
                h->covered_rv = rv;
                return;
        }
        derived_changed(h, &api_kind_events, owner, keys, objs, cells, n, rv, publish);
}

void api_job_event(Manager *m, ManagedJob *j, ApiWatchEvent e) {
        ApiWatchHub *h;

        j->resource_version = ++m->resource_version;
        object_event(m, &api_kind_jobs, j, j->resource_version, e);
        h = m->api ? api_server_watch_hub(m->api) : NULL;
        if (h && h->pods_tracked)
                pods_job_changed(m, h, j, j->resource_version, e == API_WATCH_DELETED, true);
        if (h && h->events_tracked)
                events_changed(h, j, NULL, j->resource_version, e == API_WATCH_DELETED, true);
}

void api_cron_job_event(Manager *m, ManagedCronJob *c, ApiWatchEvent e) {
        ApiWatchHub *h;

        c->resource_version = ++m->resource_version;
        object_event(m, &api_kind_cronjobs, c, c->resource_version, e);
        h = m->api ? api_server_watch_hub(m->api) : NULL;
        if (h && h->events_tracked)
                events_changed(h, NULL, c, c->resource_version, e == API_WATCH_DELETED, true);
}

/* MHD does not look at a suspended connection: without this, a client that went away between events
 * would hold its connection (and its memory) until the next event or the watch's timeout. Anything from
 * the client of a watch (its close, TLS close_notify, a reset) ends the watch. */
static int on_watch_hangup(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        ApiWatch *w = userdata;

        (void) sd_event_source_set_enabled(s, SD_EVENT_OFF);
        watch_finish(w);
        return 0;
}

static void watch_hangup_arm(ApiWatch *w) {
        const union MHD_ConnectionInfo *info;

        if (w->hangup) {
                (void) sd_event_source_set_enabled(w->hangup, SD_EVENT_ON);
                return;
        }
        info = sym_MHD_get_connection_info(w->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        /* Without it, the watch ends at its next event or timeout, as before. */
        if (info && sd_event_add_io(w->hub->manager->event, &w->hangup, info->connect_fd, EPOLLIN | EPOLLRDHUP,
                                    on_watch_hangup, w) >= 0)
                (void) sd_event_source_set_description(w->hangup, "api-watch-hangup");
}

static ssize_t watch_read(void *cls, uint64_t pos, char *buf, size_t max) {
        ApiWatch *w = cls;

        if (w->offset < w->size) {
                size_t n = MIN(max, w->size - w->offset);
                memcpy(buf, w->buf + w->offset, n);
                w->offset += n;
                if (w->offset == w->size) {
                        /* All sent: an idle watch keeps no buffer. */
                        w->buf = mfree(w->buf);
                        w->offset = w->size = 0;
                }
                return (ssize_t) n;
        }
        if (w->finished || !w->hub)
                return MHD_CONTENT_READER_END_OF_STREAM;
        watch_hangup_arm(w);
        sym_MHD_suspend_connection(w->conn);
        w->suspended = true;
        return 0;
}

static void watch_free(void *cls) {
        ApiWatch *w = cls;

        if (w->hub) {
                if (w->prev)
                        w->prev->next = w->next;
                else
                        w->hub->watches = w->next;
                if (w->next)
                        w->next->prev = w->prev;
        }
        sd_event_source_disable_unref(w->timeout);
        sd_event_source_disable_unref(w->hangup);
        if (w->free_userdata)
                w->free_userdata(w->userdata);
        selector_done(&w->labels);
        selector_done(&w->fields);
        free(w->namespace);
        free(w->buf);
        free(w);
}

static int on_watch_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        watch_finish(userdata);
        return 0;
}

static int send_expired(ApiWatch *w, uint64_t requested, uint64_t oldest) {
        _cleanup_(json_object_putp) json_object *ev = json_object_new_object();
        _cleanup_(freep) char *msg = strprintf("too old resource version: %" PRIu64 " (%" PRIu64 ")", requested, oldest);

        if (!ev || !msg || api_json_str(ev, "type", "ERROR") < 0 ||
            api_json_add(ev, "object", api_status(410, "Expired", msg, NULL)) < 0)
                return -ENOMEM;
        return watch_append(w, api_json_text(ev));
}

int api_watch_start(ApiCall *c, const ApiKind *k, const char *ns) {
        ApiWatchHub *h = api_server_watch_hub(c->server);
        const char *rvs = api_query(c, "resourceVersion"), *ts = api_query(c, "timeoutSeconds"), *unknown = NULL;
        _cleanup_(freep) char *err = NULL;
        uint64_t requested = 0, timeout = WATCH_DEFAULT_TIMEOUT_SEC;
        struct MHD_Response *resp;
        ApiWatch *w;
        bool from_now;
        int r;

        if (rvs && *rvs) {
                char *e;
                errno = 0;
                requested = strtoull(rvs, &e, 10);
                if (errno || *e || rvs[0] == '-')
                        return api_reply_status(c, 400, "BadRequest", NULL, "invalid resourceVersion '%s'", rvs);
        }
        if (ts && *ts) {
                char *e;
                errno = 0;
                timeout = strtoull(ts, &e, 10);
                if (errno || *e || ts[0] == '-')
                        return api_reply_status(c, 400, "BadRequest", NULL, "invalid timeoutSeconds '%s'", ts);
                if (timeout == 0 || timeout > 24 * 3600)
                        timeout = WATCH_DEFAULT_TIMEOUT_SEC;
        }
        w = calloc(1, sizeof(ApiWatch));
        if (!w)
                return -ENOMEM;
        w->conn = c->conn;
        w->kind = k;
        w->table = api_wants_table(c);
        w->include = api_query(c, "includeObject");
        if (w->include && !streq(w->include, "Object") && !streq(w->include, "None"))
                w->include = NULL;
        else if (w->include)
                w->include = streq(w->include, "Object") ? "Object" : "None";
        if (ns && !(w->namespace = strdup(ns))) {
                watch_free(w);
                return -ENOMEM;
        }
        r = selector_parse(strempty(api_query(c, "labelSelector")), false, &w->labels, &err);
        if (r >= 0)
                r = selector_parse(strempty(api_query(c, "fieldSelector")), true, &w->fields, &err);
        if (r == -EINVAL) {
                watch_free(w);
                return api_reply_status(c, 400, "BadRequest", NULL, "%s", err);
        }
        if (r < 0) {
                watch_free(w);
                return r;
        }
        if (selector_matches_fields(&w->fields, NULL, k->field, &unknown) == -ENOENT) {
                watch_free(w);
                return api_reply_status(c, 400, "BadRequest", NULL, "field label not supported: %s", unknown);
        }

        /* What comes first: every matching object as ADDED (no resourceVersion, or "0"), the changes after
         * the one given, or, if they are no longer known, 410. */
        if (k == &api_kind_pods && !h->pods_tracked) {
                /* The first pod watch: every pod now is the baseline; events from here on. */
                for (size_t i = 0; i < c->manager->n_jobs; i++)
                        pods_job_changed(c->manager, h, c->manager->jobs[i], c->manager->resource_version, false, false);
                h->pods_tracked = true;
                h->pods_covered_rv = MAX(h->pods_covered_rv, c->manager->resource_version);
        }
        if (k == &api_kind_events && !h->events_tracked) {
                for (size_t i = 0; i < c->manager->n_jobs; i++)
                        events_changed(h, c->manager->jobs[i], NULL, c->manager->resource_version, false, false);
                for (size_t i = 0; i < c->manager->n_cron_jobs; i++)
                        events_changed(h, NULL, c->manager->cron_jobs[i], c->manager->resource_version, false, false);
                h->events_tracked = true;
                h->pods_covered_rv = MAX(h->pods_covered_rv, c->manager->resource_version);
        }
        bool derived = k == &api_kind_pods || k == &api_kind_events;
        from_now = requested == 0;
        if (from_now && derived) {
                for (size_t i = 0; i < h->n_pods; i++) {
                        if (h->pods[i].kind != k)
                                continue;
                        WatchEntry e = { .rv = c->manager->resource_version, .type = API_WATCH_ADDED, .kind = k,
                                         .object = pod_with_rv(h->pods[i].object, h->pods[i].rv),
                                         .cells = json_object_get(h->pods[i].cells) };
                        r = !e.object ? -ENOMEM : watch_matches(w, &e) ? watch_send(w, &e, NULL) : 0;
                        entry_done(&e);
                        if (r < 0) {
                                watch_free(w);
                                return r;
                        }
                }
        } else if (from_now) {
                for (size_t i = 0; i < k->count(c->manager); i++) {
                        const void *o = k->at(c->manager, i);
                        WatchEntry e;
                        if (entry_make(k, o, API_WATCH_ADDED, c->manager->resource_version, &e) < 0) {
                                watch_free(w);
                                return -ENOMEM;
                        }
                        r = watch_matches(w, &e) ? watch_send(w, &e, NULL) : 0;
                        entry_done(&e);
                        if (r < 0) {
                                watch_free(w);
                                return r;
                        }
                }
        } else if (requested < h->covered_rv || (derived && requested < h->pods_covered_rv)) {
                if (send_expired(w, requested, MAX(h->covered_rv, derived ? h->pods_covered_rv : 0)) < 0) {
                        watch_free(w);
                        return -ENOMEM;
                }
                w->finished = true;
        } else
                for (size_t i = 0; i < h->n; i++) {
                        WatchEntry *e = &h->ring[(h->start + i) % API_WATCH_HISTORY];
                        if (e->rv > requested && watch_matches(w, e) && watch_send(w, e, NULL) < 0) {
                                watch_free(w);
                                return -ENOMEM;
                        }
                }

        r = sd_event_add_time_relative(c->manager->event, &w->timeout, CLOCK_MONOTONIC, timeout * USEC_PER_SEC,
                                       USEC_PER_SEC, on_watch_timeout, w);
        if (r < 0) {
                watch_free(w);
                return r;
        }
        resp = sym_MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, watch_read, w, watch_free);
        if (!resp) {
                watch_free(w);
                return -ENOMEM;
        }
        w->hub = h;
        w->next = h->watches;
        if (h->watches)
                h->watches->prev = w;
        h->watches = w;
        (void) sym_MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
        (void) sym_MHD_add_response_header(resp, "Cache-Control", "no-cache, private");
        r = sym_MHD_queue_response(c->conn, 200, resp) == MHD_YES ? 0 : -EIO;
        sym_MHD_destroy_response(resp);
        c->code = 200;
        return r;
}

int api_stream_start(ApiCall *c, const char *content_type, void *userdata, void (*free_userdata)(void *userdata),
                     ApiStream **ret) {
        ApiWatchHub *h = api_server_watch_hub(c->server);
        struct MHD_Response *resp;
        ApiWatch *w;
        int r;

        w = calloc(1, sizeof(ApiWatch));
        if (!w)
                return -ENOMEM;
        w->conn = c->conn;
        resp = sym_MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, watch_read, w, watch_free);
        if (!resp) {
                free(w);
                if (free_userdata)
                        free_userdata(userdata);
                return -ENOMEM;
        }
        w->hub = h;
        w->next = h->watches;
        if (h->watches)
                h->watches->prev = w;
        h->watches = w;
        w->userdata = userdata;
        w->free_userdata = free_userdata;
        (void) sym_MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
        (void) sym_MHD_add_response_header(resp, "Cache-Control", "no-cache, private");
        r = sym_MHD_queue_response(c->conn, 200, resp) == MHD_YES ? 0 : -EIO;
        sym_MHD_destroy_response(resp);     /* on failure, this frees w and its userdata */
        c->code = 200;
        if (r < 0)
                return r;
        *ret = w;
        return 0;
}

int api_stream_write(ApiStream *s, const char *line) {
        int r = watch_append(s, line);
        if (r >= 0)
                watch_wake(s);
        return r;
}

void api_stream_end(ApiStream *s) {
        watch_finish(s);
}
