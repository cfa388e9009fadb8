/* SPDX-License-Identifier: Apache-2.0 */
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <time.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-journal.h>

#include "jobctl-bus.h"
#include "jobsd/manifest.h"
#include "jobsd/render.h"
#include "jobsd/strv.h"

#define BUS_NAME "io.jobsd"
#define JOB_IFACE "io.jobsd.Job1"

bool jobctl_arg_user = false;
const char *jobctl_arg_output = NULL;
const char *jobctl_arg_journal_dir = NULL;

/* Exit codes as kubectl's: 1 for errors, including NotFound and a wait that timed out. */
#define EXIT_ERROR 1
#define EXIT_USAGE 2

typedef struct Condition {
        char *type, *reason, *message;
        bool status;
        usec_t at;
} Condition;

typedef struct PodInfo {
        char *name, *phase, *reason;
        int64_t index;
        uint64_t attempt;
        uint32_t ready, containers, restarts;
        usec_t created, finished;
        char **units;
} PodInfo;

typedef struct EventInfo {
        usec_t at;
        bool warning;
        char *reason, *message;
        uint32_t count;
} EventInfo;

typedef struct JobInfo {
        char *namespace, *name, *uid, *file, *status, *mode, *indexes, *failed_indexes, *restart_policy;
        int32_t completions, parallelism, backoff_limit, active, ready, succeeded, failed, terminating;
        int64_t ads, ttl;
        bool suspend;
        usec_t created, started, completed;
        Condition *conditions;
        size_t n_conditions;
        PodInfo *pods;
        size_t n_pods;
        EventInfo *events;
        size_t n_events;
        char **images;                  /* name, image, name, image … */
        char **labels, **annotations;   /* key, value, key, value … */
        char **decisions;               /* pod, "rule N (Action)", … */
} JobInfo;

static void job_info_done(JobInfo *j) {
        free(j->namespace); free(j->name); free(j->uid); free(j->file); free(j->status); free(j->mode);
        free(j->indexes); free(j->failed_indexes); free(j->restart_policy);
        for (size_t i = 0; i < j->n_conditions; i++) {
                free(j->conditions[i].type); free(j->conditions[i].reason); free(j->conditions[i].message);
        }
        free(j->conditions);
        for (size_t i = 0; i < j->n_pods; i++) {
                free(j->pods[i].name); free(j->pods[i].phase); free(j->pods[i].reason); strv_free(j->pods[i].units);
        }
        free(j->pods);
        for (size_t i = 0; i < j->n_events; i++) {
                free(j->events[i].reason); free(j->events[i].message);
        }
        free(j->events);
        strv_free(j->images);
        strv_free(j->labels);
        strv_free(j->annotations);
        strv_free(j->decisions);
        *j = (JobInfo) {};
}

static int bus_connect(sd_bus **ret) {
        int r = jobctl_arg_user ? sd_bus_open_user(ret) : sd_bus_open_system(ret);

        if (r < 0)
                fprintf(stderr, "jobctl: cannot connect to the %s bus: %s\n", jobctl_arg_user ? "user" : "system", strerror(-r));
        return r;
}

static char *job_path(const char *namespace, const char *name) {
        _cleanup_(freep) char *id = strprintf("%s_%s", namespace, name);
        char *p = NULL;

        if (!id || sd_bus_path_encode("/io/jobsd/job", id, &p) < 0)
                return NULL;
        return p;
}

static char *dup_or_empty(const char *s) {
        return strdup(strempty(s));
}

/* The value of an Events property, a(tbssu): time, warning, reason, message, count. */
static int read_events(sd_bus_message *reply, EventInfo **events, size_t *n_events) {
        const char *re, *me;
        int w, r;
        uint64_t at;
        uint32_t count;

        r = sd_bus_message_enter_container(reply, 'v', "a(tbssu)");
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "(tbssu)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(tbssu)", &at, &w, &re, &me, &count)) > 0) {
                EventInfo *n = realloc(*events, sizeof(EventInfo) * (*n_events + 1));
                if (!n)
                        return -ENOMEM;
                *events = n;
                n[(*n_events)++] = (EventInfo) { at, w, strdup(re), strdup(me), count };
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        return r;
}

/* GetAll of an object's interface, with the reply entered into its a{sv}. -ENOENT if there is no such
 * object; other failures are reported. */
static int get_all(sd_bus *bus, const char *path, const char *iface, sd_bus_message **ret_reply) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call_method(bus, BUS_NAME, path, "org.freedesktop.DBus.Properties", "GetAll", &error, &reply, "s",
                               iface);
        if (r < 0) {
                if (sd_bus_error_has_names(&error, SD_BUS_ERROR_UNKNOWN_OBJECT, SD_BUS_ERROR_UNKNOWN_INTERFACE,
                                           SD_BUS_ERROR_UNKNOWN_METHOD))
                        return -ENOENT;
                if (sd_bus_error_has_names(&error, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                        fprintf(stderr, "jobctl: jobsd is not running on the %s bus\n", jobctl_arg_user ? "user" : "system");
                else
                        fprintf(stderr, "jobctl: %s\n", error.message ?: strerror(-r));
                return r;
        }
        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        *ret_reply = TAKE_PTR(reply);
        return 0;
}

/* Property readers for the loops over GetAll's entries below (k the name, s a string, r the result): each
 * is "if (k is prop) read it; else", so that they chain. */
#define STR(prop, field)                                                       \
                if (streq(k, prop)) {                                           \
                        r = sd_bus_message_read(reply, "v", "s", &s);           \
                        if (r >= 0 && !(field = dup_or_empty(s)))               \
                                r = -ENOMEM;                                    \
                } else
#define NUM(prop, sig, field)                                                  \
                if (streq(k, prop))                                             \
                        r = sd_bus_message_read(reply, "v", sig, &field);       \
                else
#define STRV(prop, field)                                                      \
                if (streq(k, prop)) {                                           \
                        r = sd_bus_message_enter_container(reply, 'v', "as");  \
                        if (r >= 0)                                             \
                                r = sd_bus_message_read_strv(reply, &field);    \
                        if (r >= 0)                                             \
                                r = sd_bus_message_exit_container(reply);       \
                } else

/* Reads every property of a Job object in one call. Returns -ENOENT if there is no such Job. */
static int job_info_get(sd_bus *bus, const char *namespace, const char *name, JobInfo *ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(freep) char *path = job_path(namespace, name);
        JobInfo j = {};
        int r;

        if (!path)
                return -ENOMEM;
        r = get_all(bus, path, JOB_IFACE, &reply);
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                const char *k, *s = NULL;

                r = sd_bus_message_read(reply, "s", &k);
                if (r < 0)
                        goto fail;
                STR("Namespace", j.namespace)
                STR("Name", j.name)
                STR("UID", j.uid)
                STR("ManifestFile", j.file)
                STR("Status", j.status)
                STR("CompletionMode", j.mode)
                STR("CompletedIndexes", j.indexes)
                STR("FailedIndexes", j.failed_indexes)
                STR("RestartPolicy", j.restart_policy)
                NUM("Completions", "i", j.completions)
                NUM("Parallelism", "i", j.parallelism)
                NUM("BackoffLimit", "i", j.backoff_limit)
                NUM("Active", "i", j.active)
                NUM("Ready", "i", j.ready)
                NUM("Succeeded", "i", j.succeeded)
                NUM("Failed", "i", j.failed)
                NUM("Terminating", "i", j.terminating)
                NUM("ActiveDeadlineSeconds", "x", j.ads)
                NUM("TTLSecondsAfterFinished", "x", j.ttl)
                NUM("CreationTime", "t", j.created)
                NUM("StartTime", "t", j.started)
                NUM("CompletionTime", "t", j.completed)
                if (streq(k, "Suspend")) {
                        int b = 0;
                        r = sd_bus_message_read(reply, "v", "b", &b);
                        j.suspend = b;
                } else if (streq(k, "Conditions")) {
                        const char *t, *re, *me;
                        int st;
                        uint64_t at;
                        r = sd_bus_message_enter_container(reply, 'v', "a(sbtss)");
                        if (r >= 0)
                                r = sd_bus_message_enter_container(reply, 'a', "(sbtss)");
                        while (r >= 0 && (r = sd_bus_message_read(reply, "(sbtss)", &t, &st, &at, &re, &me)) > 0) {
                                Condition *n = realloc(j.conditions, sizeof(Condition) * (j.n_conditions + 1));
                                if (!n) {
                                        r = -ENOMEM;
                                        break;
                                }
                                j.conditions = n;
                                n[j.n_conditions++] = (Condition) { strdup(t), strdup(re), strdup(me), st, at };
                        }
                        if (r >= 0)
                                r = sd_bus_message_exit_container(reply);
                        if (r >= 0)
                                r = sd_bus_message_exit_container(reply);
                } else if (streq(k, "Events")) {
                        r = read_events(reply, &j.events, &j.n_events);
                } else if (streq(k, "PodFailurePolicyDecisions")) {
                        const char *pn, *act;
                        int32_t rule;
                        r = sd_bus_message_enter_container(reply, 'v', "a(sis)");
                        if (r >= 0)
                                r = sd_bus_message_enter_container(reply, 'a', "(sis)");
                        while (r >= 0 && (r = sd_bus_message_read(reply, "(sis)", &pn, &rule, &act)) > 0) {
                                r = strv_extend(&j.decisions, pn);
                                if (r >= 0)
                                        r = strv_push(&j.decisions, strprintf("rule %" PRIi32 " (%s)", rule, act));
                        }
                        if (r >= 0)
                                r = sd_bus_message_exit_container(reply);
                        if (r >= 0)
                                r = sd_bus_message_exit_container(reply);
                } else if (STR_IN_SET(k, "Images", "Labels", "Annotations")) {
                        char ***l = streq(k, "Images") ? &j.images : streq(k, "Labels") ? &j.labels : &j.annotations;
                        const char *cn, *img;
                        r = sd_bus_message_enter_container(reply, 'v', "a(ss)");
                        if (r >= 0)
                                r = sd_bus_message_enter_container(reply, 'a', "(ss)");
                        while (r >= 0 && (r = sd_bus_message_read(reply, "(ss)", &cn, &img)) > 0) {
                                r = strv_extend(l, cn);
                                if (r >= 0)
                                        r = strv_extend(l, img);
                        }
                        if (r >= 0)
                                r = sd_bus_message_exit_container(reply);
                        if (r >= 0)
                                r = sd_bus_message_exit_container(reply);
                } else if (streq(k, "Pods")) {
                        r = sd_bus_message_enter_container(reply, 'v', "a(sxtssuuuttas)");
                        if (r >= 0)
                                r = sd_bus_message_enter_container(reply, 'a', "(sxtssuuuttas)");
                        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'r', "sxtssuuuttas")) > 0) {
                                PodInfo p = {};
                                const char *pn, *ph, *pr;
                                PodInfo *n;
                                r = sd_bus_message_read(reply, "sxtssuuutt", &pn, &p.index, &p.attempt, &ph, &pr, &p.ready,
                                                        &p.containers, &p.restarts, &p.created, &p.finished);
                                if (r >= 0)
                                        r = sd_bus_message_read_strv(reply, &p.units);
                                if (r >= 0)
                                        r = sd_bus_message_exit_container(reply);
                                if (r < 0)
                                        break;
                                p.name = strdup(pn);
                                p.phase = strdup(ph);
                                p.reason = strdup(pr);
                                n = realloc(j.pods, sizeof(PodInfo) * (j.n_pods + 1));
                                if (!n) {
                                        r = -ENOMEM;
                                        break;
                                }
                                j.pods = n;
                                n[j.n_pods++] = p;
                        }
                        if (r >= 0)
                                r = sd_bus_message_exit_container(reply);
                        if (r >= 0)
                                r = sd_bus_message_exit_container(reply);
                } else
                        r = sd_bus_message_skip(reply, "v");
                if (r < 0)
                        goto fail;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        goto fail;
        }
        if (r < 0)
                goto fail;
        *ret = j;
        return 0;
fail:
        job_info_done(&j);
        fprintf(stderr, "jobctl: cannot read Job %s: %s\n", name, strerror(-r));
        return r;
}

static usec_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}

/* kubectl's short durations: 45s, 2m3s, 3h4m, 2d3h. */
static void format_duration(char *buf, size_t n, usec_t d) {
        uint64_t s = d / USEC_PER_SEC;

        if (s < 120)
                snprintf(buf, n, "%" PRIu64 "s", s);
        else if (s < 600)
                snprintf(buf, n, "%" PRIu64 "m%" PRIu64 "s", s / 60, s % 60);
        else if (s < 3 * 3600)
                snprintf(buf, n, "%" PRIu64 "m", s / 60);
        else if (s < 8 * 3600)
                snprintf(buf, n, "%" PRIu64 "h%" PRIu64 "m", s / 3600, (s % 3600) / 60);
        else if (s < 48 * 3600)
                snprintf(buf, n, "%" PRIu64 "h", s / 3600);
        else if (s < 8 * 86400)
                snprintf(buf, n, "%" PRIu64 "d%" PRIu64 "h", s / 86400, (s % 86400) / 3600);
        else
                snprintf(buf, n, "%" PRIu64 "d", s / 86400);
}

static void format_rfc3339(char *buf, size_t n, usec_t t) {
        time_t s = (time_t) (t / USEC_PER_SEC);
        struct tm tm;

        gmtime_r(&s, &tm);
        strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void format_rfc1123z(char *buf, size_t n, usec_t t) {
        time_t s = (time_t) (t / USEC_PER_SEC);
        struct tm tm;

        localtime_r(&s, &tm);
        strftime(buf, n, "%a, %d %b %Y %H:%M:%S %z", &tm);
}

/* spec §4.4 */
static void format_completions(char *buf, size_t n, const JobInfo *j) {
        if (j->completions >= 0)
                snprintf(buf, n, "%" PRIi32 "/%" PRIi32, j->succeeded, j->completions);
        else if (j->parallelism > 1)
                snprintf(buf, n, "%" PRIi32 "/1 of %" PRIi32, j->succeeded, j->parallelism);
        else
                snprintf(buf, n, "%" PRIi32 "/1", j->succeeded);
}

static int list_jobs(sd_bus *bus, char ***ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(strv_freep) char **l = NULL;
        const char *ns, *name, *status, *path;
        int r;

        r = sd_bus_call_method(bus, BUS_NAME, "/io/jobsd", "io.jobsd.Manager1", "ListJobs", &error, &reply, "");
        if (r < 0) {
                if (sd_bus_error_has_names(&error, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                        fprintf(stderr, "jobctl: jobsd is not running on the %s bus\n", jobctl_arg_user ? "user" : "system");
                else
                        fprintf(stderr, "jobctl: %s\n", error.message ?: strerror(-r));
                return r;
        }
        r = sd_bus_message_enter_container(reply, 'a', "(ssso)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(reply, "(ssso)", &ns, &name, &status, &path)) > 0) {
                r = strv_extend(&l, ns);
                if (r >= 0)
                        r = strv_extend(&l, name);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}

static void json_string(FILE *f, const char *s) {
        fputc('"', f);
        for (; s && *s; s++) {
                unsigned char c = (unsigned char) *s;
                if (c == '"' || c == '\\')
                        fprintf(f, "\\%c", c);
                else if (c < 0x20)
                        fprintf(f, "\\u%04x", c);
                else
                        fputc(c, f);
        }
        fputc('"', f);
}

/* A small emitter of one tree as JSON or YAML: objects, lists of objects, and scalars. */
typedef struct Emitter {
        FILE *f;
        bool yaml;
        unsigned depth;
        bool first[16];                 /* JSON: no comma before the first member of each level */
        bool list_item;                 /* YAML: the next key opens a list item ("- ") */
        bool in_root;
} Emitter;

static void em_indent(Emitter *e) {
        for (unsigned i = 0; i < e->depth; i++)
                fputs("  ", e->f);
}

static void em_key(Emitter *e, const char *key) {
        if (e->yaml) {
                if (e->list_item) {
                        for (unsigned i = 0; i + 1 < e->depth; i++)
                                fputs("  ", e->f);
                        fputs("- ", e->f);
                        e->list_item = false;
                } else
                        em_indent(e);
                if (key)
                        fprintf(e->f, "%s:", key);
                return;
        }
        if (!e->first[e->depth])
                fputs(",\n", e->f);
        e->first[e->depth] = false;
        em_indent(e);
        if (key)
                fprintf(e->f, "\"%s\": ", key);
}

static void em_string(Emitter *e, const char *key, const char *v) {
        em_key(e, key);
        if (e->yaml)
                fputc(' ', e->f);
        json_string(e->f, v);
        if (e->yaml)
                fputc('\n', e->f);
}

static void em_raw(Emitter *e, const char *key, const char *v) {
        em_key(e, key);
        fprintf(e->f, "%s%s%s", e->yaml ? " " : "", v, e->yaml ? "\n" : "");
}

static void em_int(Emitter *e, const char *key, int64_t v) {
        char buf[32];

        snprintf(buf, sizeof(buf), "%" PRIi64, v);
        em_raw(e, key, buf);
}

static void em_time(Emitter *e, const char *key, usec_t t) {
        char buf[64];

        format_rfc3339(buf, sizeof(buf), t);
        em_string(e, key, buf);
}

/* Opens an object ('{') or a list ('['), as a member named key (NULL: a list element or the root). */
static void em_open(Emitter *e, const char *key, char kind) {
        /* A YAML document's root object has no braces and no indentation. */
        if (e->yaml && !key && e->depth == 0 && !e->in_root) {
                e->in_root = true;
                return;
        }
        if (e->depth > 0 || key)
                em_key(e, key);
        if (e->yaml) {
                if (key)
                        fputc('\n', e->f);
        } else
                fprintf(e->f, "%c\n", kind);
        e->depth++;
        e->first[e->depth] = true;
        if (e->yaml && kind == '[')
                e->list_item = false;
}

static void em_close(Emitter *e, char kind) {
        if (e->yaml && e->depth == 0 && e->in_root) {
                e->in_root = false;
                return;
        }
        e->depth--;
        if (!e->yaml) {
                fputc('\n', e->f);
                em_indent(e);
                fputc(kind, e->f);
        }
}

/* A list element that is an object. */
static void em_item(Emitter *e) {
        if (e->yaml) {
                e->depth++;
                e->list_item = true;
                e->first[e->depth] = true;
                return;
        }
        em_open(e, NULL, '{');
}

static void em_item_end(Emitter *e) {
        if (e->yaml) {
                e->depth--;
                return;
        }
        em_close(e, '}');
}

static void emit_strv(Emitter *e, const char *key, char * const *l) {
        if (!l)
                return;
        em_open(e, key, '[');
        STRV_FOREACH(s, l) {
                if (e->yaml) {
                        for (unsigned i = 0; i + 1 < e->depth; i++)
                                fputs("  ", e->f);
                        fputs("- ", e->f);
                        json_string(e->f, *s);
                        fputc('\n', e->f);
                } else {
                        em_key(e, NULL);
                        json_string(e->f, *s);
                }
        }
        em_close(e, ']');
}

/* The pod template, from the manifest the Job was loaded from (readable by whoever may read it). */
static void emit_template(Emitter *e, const JobInfo *j) {
        _cleanup_(manifest_list_done) ManifestList list = {};
        _cleanup_(diag_list_done) DiagList diags = {};
        const Job *job = NULL;

        if (!j->file || manifest_load_file(j->file, &list, &diags) < 0)
                return;
        for (size_t i = 0; i < list.n; i++)
                if (list.items[i].kind == MANIFEST_JOB && streq_ptr(list.items[i].job->metadata.name, j->name))
                        job = list.items[i].job;
        if (!job)
                return;
        const PodSpec *ps = &job->spec.template.spec;
        em_open(e, "template", '{');
        if (job->spec.template.labels.n > 0) {
                em_open(e, "metadata", '{');
                em_open(e, "labels", '{');
                for (size_t i = 0; i < job->spec.template.labels.n; i++)
                        em_string(e, job->spec.template.labels.items[i].key, job->spec.template.labels.items[i].value);
                em_close(e, '}');
                em_close(e, '}');
        }
        em_open(e, "spec", '{');
        for (unsigned k = 0; k < 2; k++) {
                const Container *cs = k ? ps->containers : ps->init_containers;
                size_t n = k ? ps->n_containers : ps->n_init_containers;
                if (n == 0)
                        continue;
                em_open(e, k ? "containers" : "initContainers", '[');
                for (size_t i = 0; i < n; i++) {
                        em_item(e);
                        emit_strv(e, "args", cs[i].args);
                        emit_strv(e, "command", cs[i].command);
                        em_string(e, "image", strempty(cs[i].image));
                        em_string(e, "name", cs[i].name);
                        if (cs[i].working_dir)
                                em_string(e, "workingDir", cs[i].working_dir);
                        em_item_end(e);
                }
                em_close(e, ']');
        }
        em_string(e, "restartPolicy", restart_policy_to_string(ps->restart_policy));
        em_int(e, "terminationGracePeriodSeconds", ps->termination_grace_period_seconds);
        em_close(e, '}');
        em_close(e, '}');
}

/* The Job as the Kubernetes API returns it: metadata, spec (the template from its manifest), status. */
/* key, value, … as an object; nothing when empty. */
static void emit_map(Emitter *e, const char *key, char * const *l) {
        if (!l || !l[0])
                return;
        em_open(e, key, '{');
        for (; l[0] && l[1]; l += 2)
                em_string(e, l[0], l[1]);
        em_close(e, '}');
}

static void emit_job(Emitter *e, const JobInfo *j) {
        em_string(e, "apiVersion", "batch/v1");
        em_string(e, "kind", "Job");
        em_open(e, "metadata", '{');
        emit_map(e, "annotations", j->annotations);
        em_time(e, "creationTimestamp", j->created);
        emit_map(e, "labels", j->labels);
        em_string(e, "name", j->name);
        em_string(e, "namespace", j->namespace);
        em_string(e, "uid", j->uid);
        em_close(e, '}');
        em_open(e, "spec", '{');
        if (j->ads >= 0)
                em_int(e, "activeDeadlineSeconds", j->ads);
        em_int(e, "backoffLimit", j->backoff_limit);
        em_string(e, "completionMode", j->mode);
        if (j->completions >= 0)
                em_int(e, "completions", j->completions);
        em_int(e, "parallelism", j->parallelism);
        em_raw(e, "suspend", j->suspend ? "true" : "false");
        emit_template(e, j);
        if (j->ttl >= 0)
                em_int(e, "ttlSecondsAfterFinished", j->ttl);
        em_close(e, '}');
        em_open(e, "status", '{');
        em_int(e, "active", j->active);
        if (j->indexes && *j->indexes)
                em_string(e, "completedIndexes", j->indexes);
        if (j->failed_indexes && *j->failed_indexes)
                em_string(e, "failedIndexes", j->failed_indexes);
        if (j->completed)
                em_time(e, "completionTime", j->completed);
        if (j->n_conditions > 0) {
                em_open(e, "conditions", '[');
                for (size_t i = 0; i < j->n_conditions; i++) {
                        const Condition *c = j->conditions + i;
                        em_item(e);
                        em_time(e, "lastProbeTime", c->at);
                        em_time(e, "lastTransitionTime", c->at);
                        em_string(e, "message", c->message);
                        em_string(e, "reason", c->reason);
                        em_string(e, "status", c->status ? "True" : "False");
                        em_string(e, "type", c->type);
                        em_item_end(e);
                }
                em_close(e, ']');
        }
        em_int(e, "failed", j->failed);
        em_int(e, "ready", j->ready);
        if (j->started)
                em_time(e, "startTime", j->started);
        em_int(e, "succeeded", j->succeeded);
        em_int(e, "terminating", j->terminating);
        em_raw(e, "uncountedTerminatedPods", "{}");
        em_close(e, '}');
}

static int not_found(const char *kind, const char *name) {
        fprintf(stderr, "Error from server (NotFound): %s.batch \"%s\" not found\n", kind, name);
        return EXIT_ERROR;
}

/* jobctl get jobs | get job NAME | get pods [-l job-name=NAME] */
static int get_cron_jobs(const char *only);
static int describe_cron_job(const char *name);
int verb_suspend_cron_job(bool suspend, const char *name);

int verb_get(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(strv_freep) char **jobs = NULL;
        const char *what, *only = NULL, *selector = NULL;
        bool pods;
        int r;

        if (argc < 2) {
                fprintf(stderr, "jobctl get: expects jobs, job NAME or pods\n");
                return EXIT_USAGE;
        }
        what = argv[1];
        if (STR_IN_SET(what, "cronjobs", "cronjob", "cj", "cronjobs.batch"))
                return get_cron_jobs(argc > 2 ? argv[2] : NULL);
        if (startswith(what, "cronjob/"))
                return get_cron_jobs(what + 8);
        pods = streq(what, "pods") || streq(what, "pod") || streq(what, "po");
        if (!pods && !streq(what, "jobs") && !streq(what, "job") && !streq(what, "jobs.batch")) {
                fprintf(stderr, "error: the server doesn't have a resource type \"%s\"\n", what);
                return EXIT_USAGE;
        }
        for (int i = 2; i < argc; i++) {
                if (streq(argv[i], "-l") && i + 1 < argc)
                        selector = argv[++i];
                else if (startswith(argv[i], "-l"))
                        selector = argv[i] + 2;
                else if (startswith(argv[i], "--selector="))
                        selector = argv[i] + 11;
                else
                        only = argv[i];
        }
        if (selector) {
                const char *v = startswith(selector, "job-name=") ?: startswith(selector, "batch.kubernetes.io/job-name=");
                if (!v) {
                        fprintf(stderr, "jobctl get: only the selector job-name=NAME is supported\n");
                        return EXIT_USAGE;
                }
                only = v;
        }

        r = bus_connect(&bus);
        if (r < 0)
                return EXIT_ERROR;
        r = list_jobs(bus, &jobs);
        if (r < 0)
                return EXIT_ERROR;

        bool any = false, header = false, json = jobctl_arg_output && streq(jobctl_arg_output, "json"),
                yaml = jobctl_arg_output && streq(jobctl_arg_output, "yaml"),
                wide = jobctl_arg_output && streq(jobctl_arg_output, "wide");
        bool single = only && !pods && !selector;

        Emitter em = { .f = stdout, .yaml = yaml };
        if ((json || yaml) && !single) {
                em_open(&em, NULL, '{');
                em_string(&em, "apiVersion", "v1");
                em_open(&em, "items", '[');
        } else if (json || yaml)
                em_open(&em, NULL, '{');
        for (char **k = jobs; k && k[0] && k[1]; k += 2) {
                _cleanup_(job_info_done) JobInfo j = {};
                usec_t now = now_usec();
                char completions[64], duration[32] = "", age[32];

                if (only && !streq(k[1], only))
                        continue;
                r = job_info_get(bus, k[0], k[1], &j);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return EXIT_ERROR;

                if (pods) {
                        for (size_t i = 0; i < j.n_pods; i++) {
                                const PodInfo *p = j.pods + i;
                                const char *status = p->phase;
                                char ready[32];
                                if (streq(status, "Succeeded"))
                                        status = "Completed";
                                else if (streq(status, "Failed"))
                                        status = *p->reason ? p->reason : "Error";
                                else if (streq(status, "Pending") && *p->reason)
                                        status = p->reason;     /* ErrImagePull, ImagePullBackOff */
                                if (!header) {
                                        if (wide)
                                                printf("%-40s %-7s %-18s %-9s %-6s %-32s %s\n", "NAME", "READY", "STATUS",
                                                       "RESTARTS", "AGE", "IMAGE", "UNITS");
                                        else
                                                printf("%-40s %-7s %-18s %-9s %s\n", "NAME", "READY", "STATUS",
                                                       "RESTARTS", "AGE");
                                        header = true;
                                }
                                snprintf(ready, sizeof(ready), "%" PRIu32 "/%" PRIu32, p->ready, p->containers);
                                format_duration(age, sizeof(age), now - p->created);
                                printf("%-40s %-7s %-18s %-9" PRIu32 " %-6s", p->name, ready, status, p->restarts, age);
                                if (wide) {
                                        /* The pod's containers' images: the Job's template's (Images). */
                                        _cleanup_(strv_freep) char **images = NULL;
                                        for (char **c = j.images; c && c[0] && c[1]; c += 2)
                                                (void) strv_extend(&images, c[1]);
                                        _cleanup_(freep) char *u = strv_join(p->units, ","),
                                                *im = strv_join(images, ",");
                                        printf(" %-32s %s", im && *im ? im : "<none>", strempty(u));
                                }
                                printf("\n");
                                any = true;
                        }
                        continue;
                }

                if (json || yaml) {
                        if (!single)
                                em_item(&em);
                        emit_job(&em, &j);
                        if (!single)
                                em_item_end(&em);
                        any = true;
                        continue;
                }
                format_completions(completions, sizeof(completions), &j);
                if (j.started)
                        format_duration(duration, sizeof(duration), (j.completed ?: now) - j.started);
                format_duration(age, sizeof(age), now - j.created);
                if (!header) {
                        printf(wide ? "%-32s %-10s %-12s %-9s %-6s %-20s %s\n" : "%-32s %-10s %-12s %-9s %s\n",
                               "NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE", "CONTAINERS", "IMAGES");
                        header = true;
                }
                printf("%-32s %-10s %-12s %-9s %-6s", j.name, j.status, completions, duration, age);
                if (wide) {
                        _cleanup_(strv_freep) char **names = NULL, **images = NULL;
                        for (char **c = j.images; c && c[0] && c[1]; c += 2) {
                                (void) strv_extend(&names, c[0]);
                                (void) strv_extend(&images, c[1]);
                        }
                        _cleanup_(freep) char *a = strv_join(names, ","), *b = strv_join(images, ",");
                        printf(" %-20s %s", strempty(a), strempty(b));
                }
                printf("\n");
                any = true;
        }
        if ((json || yaml) && !single) {
                em_close(&em, ']');
                em_string(&em, "kind", "List");
                em_close(&em, '}');
                if (json)
                        printf("\n");
        } else if ((json || yaml) && any) {
                em_close(&em, '}');
                if (json)
                        printf("\n");
        }
        if (single && !any)
                return not_found("jobs", only);
        if (!any && !json && !yaml)
                fprintf(stderr, "No resources found in default namespace.\n");
        return 0;
}

/* spec §4.4: as kubectl describe job. */
/* describe's Events section, as kubectl prints it; the From column fits the controller's name. */
static void print_events(const EventInfo *events, size_t n, const char *from) {
        int w = strlen(from) < 16 ? 16 : (int) strlen(from) + 2;

        printf("Events:\n");
        if (n == 0) {
                printf("  <none>\n");
                return;
        }
        printf("  %-8s %-22s %-8s %-*s %s\n", "Type", "Reason", "Age", w, "From", "Message");
        printf("  %-8s %-22s %-8s %-*s %s\n", "----", "------", "----", w, "----", "-------");
        for (size_t i = 0; i < n; i++) {
                char age[32];
                format_duration(age, sizeof(age), now_usec() - events[i].at);
                printf("  %-8s %-22s %-8s %-*s %s", events[i].warning ? "Warning" : "Normal", events[i].reason, age, w,
                       from, events[i].message);
                if (events[i].count > 1)
                        printf(" (x%" PRIu32 ")", events[i].count);
                printf("\n");
        }
}

int verb_describe(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(job_info_done) JobInfo j = {};
        const char *name;
        char t[64];
        int r, active = 0, succeeded = 0, failed = 0;

        if (argc == 3 && STR_IN_SET(argv[1], "cronjob", "cronjobs", "cj"))
                return describe_cron_job(argv[2]);
        if (argc != 3 || !(streq(argv[1], "job") || streq(argv[1], "jobs"))) {
                fprintf(stderr, "jobctl describe: expects job NAME or cronjob NAME\n");
                return EXIT_USAGE;
        }
        name = argv[2];
        r = bus_connect(&bus);
        if (r < 0)
                return EXIT_ERROR;
        r = job_info_get(bus, "default", name, &j);
        if (r == -ENOENT)
                return not_found("jobs", name);
        if (r < 0)
                return EXIT_ERROR;

        printf("%-26s%s\n", "Name:", j.name);
        printf("%-26s%s\n", "Namespace:", j.namespace);
        printf("%-26sbatch.kubernetes.io/controller-uid=%s\n", "Selector:", j.uid);
        printf("%-26s%s\n", "Manifest:", j.file);
        for (char **a = j.annotations; a && a[0] && a[1]; a += 2)
                if (streq(a[0], "jobsd.io/controlled-by"))
                        printf("%-26s%s\n", "Controlled By:", a[1]);
        printf("%-26s%" PRIi32 "\n", "Parallelism:", j.parallelism);
        if (j.completions >= 0)
                printf("%-26s%" PRIi32 "\n", "Completions:", j.completions);
        else
                printf("%-26s%s\n", "Completions:", "<unset>");
        printf("%-26s%s\n", "Completion Mode:", j.mode);
        printf("%-26s%s\n", "Suspend:", j.suspend ? "true" : "false");
        printf("%-26s%" PRIi32 "\n", "Backoff Limit:", j.backoff_limit);
        if (j.ttl >= 0)
                printf("%-26s%" PRIi64 "\n", "TTL Seconds After Finished:", j.ttl);
        if (j.started) {
                format_rfc1123z(t, sizeof(t), j.started);
                printf("%-26s%s\n", "Start Time:", t);
        }
        if (j.completed) {
                format_rfc1123z(t, sizeof(t), j.completed);
                printf("%-26s%s\n", "Completed At:", t);
        }
        if (j.started) {
                format_duration(t, sizeof(t), (j.completed ?: now_usec()) - j.started);
                printf("%-26s%s\n", "Duration:", t);
        }
        if (j.ads >= 0)
                printf("%-26s%" PRIi64 "s\n", "Active Deadline Seconds:", j.ads);
        for (size_t i = 0; i < j.n_pods; i++) {
                if (streq(j.pods[i].phase, "Running") || streq(j.pods[i].phase, "Pending"))
                        active++;
                else if (streq(j.pods[i].phase, "Succeeded"))
                        succeeded++;
                else if (streq(j.pods[i].phase, "Failed"))
                        failed++;
        }
        printf("%-26s%" PRIi32 " Active (%" PRIi32 " Ready) / %" PRIi32 " Succeeded / %" PRIi32 " Failed\n",
               "Pods Statuses:", j.active, j.ready, j.succeeded, j.failed);
        if (streq(j.mode, "Indexed")) {
                const char *ci = *j.indexes ? j.indexes : "<none>";
                if (strlen(ci) > 50)
                        printf("%-26s%.50s...\n", "Completed Indexes:", ci);
                else
                        printf("%-26s%s\n", "Completed Indexes:", ci);
                if (j.failed_indexes && *j.failed_indexes)
                        printf("%-26s%s\n", "Failed Indexes:", j.failed_indexes);
        }
        if (j.decisions && j.decisions[0]) {
                /* Which podFailurePolicy rule decided each failed pod (the newest 256 pods). */
                printf("Pod Failure Policy:\n");
                for (char **d = j.decisions; d[0] && d[1]; d += 2)
                        printf("  %s: %s\n", d[0], d[1]);
        }
        printf("Pod Template:\n  Containers:\n");
        for (char **c = j.images; c && c[0] && c[1]; c += 2)
                printf("   %s:\n    Image:      %s\n", c[0], c[1]);
        printf("Conditions:\n");
        if (j.n_conditions == 0)
                printf("  <none>\n");
        else {
                printf("  %-20s %-7s %-22s %s\n", "Type", "Status", "Reason", "Message");
                for (size_t i = 0; i < j.n_conditions; i++)
                        printf("  %-20s %-7s %-22s %s\n", j.conditions[i].type, j.conditions[i].status ? "True" : "False",
                               j.conditions[i].reason, j.conditions[i].message);
        }
        print_events(j.events, j.n_events, "job-controller");
        return 0;
}

static int parse_duration(const char *s, usec_t *ret) {
        char *e;
        double v;

        errno = 0;
        v = strtod(s, &e);
        if (errno || e == s || v < 0)
                return -EINVAL;
        if (streq(e, "s") || !*e)
                *ret = (usec_t) (v * USEC_PER_SEC);
        else if (streq(e, "ms"))
                *ret = (usec_t) (v * USEC_PER_MSEC);
        else if (streq(e, "m"))
                *ret = (usec_t) (v * USEC_PER_MINUTE);
        else if (streq(e, "h"))
                *ret = (usec_t) (v * USEC_PER_HOUR);
        else
                return -EINVAL;
        return 0;
}

static int condition_met(sd_bus *bus, const char *name, const char *type, bool *ret) {
        _cleanup_(job_info_done) JobInfo j = {};
        int r = job_info_get(bus, "default", name, &j);

        if (r < 0)
                return r;
        *ret = false;
        for (size_t i = 0; i < j.n_conditions; i++)
                if (strcasecmp(j.conditions[i].type, type) == 0 && j.conditions[i].status)
                        *ret = true;
        return 0;
}

/* jobctl wait job/NAME --for=condition=Complete --timeout=60s: woken by the Job's PropertiesChanged
 * signal, not by polling. */
int verb_wait(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        _cleanup_(freep) char *path = NULL;
        const char *name = NULL, *cond = NULL;
        usec_t timeout = 30 * USEC_PER_SEC, deadline;
        bool met = false;
        int r;

        for (int i = 1; i < argc; i++) {
                const char *v;
                if ((v = startswith(argv[i], "--for=condition=")))
                        cond = v;
                else if ((v = startswith(argv[i], "--timeout="))) {
                        if (parse_duration(v, &timeout) < 0) {
                                fprintf(stderr, "jobctl wait: invalid --timeout '%s'\n", v);
                                return EXIT_USAGE;
                        }
                } else if ((v = startswith(argv[i], "job/")) || (v = startswith(argv[i], "jobs/")))
                        name = v;
                else if (streq(argv[i], "job") && i + 1 < argc)
                        name = argv[++i];
                else {
                        fprintf(stderr, "jobctl wait: unexpected argument '%s'\n", argv[i]);
                        return EXIT_USAGE;
                }
        }
        if (!name || !cond) {
                fprintf(stderr, "jobctl wait: expects job/NAME --for=condition=TYPE [--timeout=DURATION]\n");
                return EXIT_USAGE;
        }
        r = bus_connect(&bus);
        if (r < 0)
                return EXIT_ERROR;
        path = job_path("default", name);
        if (!path)
                return EXIT_ERROR;
        r = sd_bus_match_signal(bus, &slot, BUS_NAME, path, "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                NULL, NULL);
        if (r < 0)
                return EXIT_ERROR;

        deadline = now_usec() + timeout;
        for (;;) {
                usec_t now;

                r = condition_met(bus, name, cond, &met);
                if (r == -ENOENT)
                        return not_found("jobs", name);
                if (r < 0)
                        return EXIT_ERROR;
                if (met) {
                        printf("job.batch/%s condition met\n", name);
                        return 0;
                }
                now = now_usec();
                if (now >= deadline)
                        break;
                /* Drain what arrived, then sleep until a signal or the deadline. */
                while ((r = sd_bus_process(bus, NULL)) > 0)
                        ;
                if (r < 0)
                        return EXIT_ERROR;
                r = sd_bus_wait(bus, MIN(deadline - now, 5 * USEC_PER_SEC));
                if (r < 0)
                        return EXIT_ERROR;
        }
        fprintf(stderr, "error: timed out waiting for the condition on jobs/%s\n", name);
        return EXIT_ERROR;
}

static bool unit_matches(const char *unit, const char *job, int64_t index, const char *container) {
        _cleanup_(freep) char *ns = NULL, *j = NULL, *c = NULL;
        int64_t idx;

        if (pod_unit_name_parse(unit, &ns, &j, &idx, NULL, NULL, &c) < 0)
                return false;
        return streq(j, job) && (index < 0 || idx == index) && (!container || streq(c, container));
}

/* jobctl logs NAME [--index N] [-c CONTAINER] [-f]: the pods' output from the journal, selected by the
 * Job's SyslogIdentifier= and the unit each line came from. */
int verb_logs(int argc, char *argv[]) {
        _cleanup_(sd_journal_closep) sd_journal *jr = NULL;
        const char *name = NULL, *container = NULL;
        int64_t index = -1;
        bool follow = false;
        int r;

        for (int i = 1; i < argc; i++) {
                const char *v;
                if (streq(argv[i], "-f") || streq(argv[i], "--follow"))
                        follow = true;
                else if (streq(argv[i], "-c") && i + 1 < argc)
                        container = argv[++i];
                else if ((v = startswith(argv[i], "--container=")))
                        container = v;
                else if (streq(argv[i], "--index") && i + 1 < argc)
                        index = strtoll(argv[++i], NULL, 10);
                else if ((v = startswith(argv[i], "--index=")))
                        index = strtoll(v, NULL, 10);
                else if ((v = startswith(argv[i], "job/")))
                        name = v;
                else if (argv[i][0] != '-')
                        name = argv[i];
                else {
                        fprintf(stderr, "jobctl logs: unexpected argument '%s'\n", argv[i]);
                        return EXIT_USAGE;
                }
        }
        if (!name) {
                fprintf(stderr, "jobctl logs: expects a Job name\n");
                return EXIT_USAGE;
        }
        r = jobctl_arg_journal_dir ? sd_journal_open_directory(&jr, jobctl_arg_journal_dir, 0) :
                sd_journal_open(&jr, SD_JOURNAL_LOCAL_ONLY);
        if (r < 0) {
                fprintf(stderr, "jobctl: cannot open the journal: %s\n", strerror(-r));
                return EXIT_ERROR;
        }
        {
                _cleanup_(freep) char *m = strprintf("SYSLOG_IDENTIFIER=%s", name);
                if (!m || sd_journal_add_match(jr, m, 0) < 0)
                        return EXIT_ERROR;
        }
        for (;;) {
                while ((r = sd_journal_next(jr)) > 0) {
                        const void *d;
                        size_t l;
                        const char *unit = NULL;
                        _cleanup_(freep) char *u = NULL;

                        if (sd_journal_get_data(jr, "_SYSTEMD_USER_UNIT", &d, &l) >= 0 ||
                            sd_journal_get_data(jr, "_SYSTEMD_UNIT", &d, &l) >= 0) {
                                const char *eq = memchr(d, '=', l);
                                if (eq)
                                        u = strndup(eq + 1, l - (eq + 1 - (const char *) d));
                                unit = u;
                        }
                        /* Only the pods' own output, not jobsd's lines about the Job (jobsd's carry
                         * JOB_NAME=). journald attaches the unit only if the process was still alive when it
                         * read the line: lines of processes that ended at once may lack it. They are the
                         * Job's by their identifier, but cannot be told apart by index or container. */
                        if (unit ? !unit_matches(unit, name, index, container) :
                            (index >= 0 || container || sd_journal_get_data(jr, "JOB_NAME", &d, &l) >= 0))
                                continue;
                        if (sd_journal_get_data(jr, "MESSAGE", &d, &l) >= 0)
                                printf("%.*s\n", (int) (l - 8), (const char *) d + 8);
                }
                if (r < 0 || !follow)
                        break;
                fflush(stdout);
                r = sd_journal_wait(jr, UINT64_MAX);
                if (r < 0)
                        break;
        }
        return r < 0 ? EXIT_ERROR : 0;
}

static int call_job_with(const char *name, const char *method, const char *types, ...) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(freep) char *path = job_path("default", name);
        va_list ap;
        int r;

        r = bus_connect(&bus);
        if (r < 0 || !path)
                return EXIT_ERROR;
        r = sd_bus_message_new_method_call(bus, &call, BUS_NAME, path, JOB_IFACE, method);
        if (r >= 0) {
                va_start(ap, types);
                r = sd_bus_message_appendv(call, types, ap);
                va_end(ap);
        }
        if (r >= 0)
                r = sd_bus_call(bus, call, 0, &error, &reply);
        if (r < 0) {
                if (sd_bus_error_has_names(&error, SD_BUS_ERROR_UNKNOWN_OBJECT, SD_BUS_ERROR_UNKNOWN_INTERFACE,
                                           SD_BUS_ERROR_UNKNOWN_METHOD))
                        return not_found("jobs", name);
                fprintf(stderr, "Error from server: %s\n", error.message ?: strerror(-r));
                return EXIT_ERROR;
        }
        return 0;
}

static int call_job(const char *name, const char *method, const char *cascade) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(freep) char *path = job_path("default", name);
        int r;

        r = bus_connect(&bus);
        if (r < 0 || !path)
                return EXIT_ERROR;
        r = cascade ? sd_bus_call_method(bus, BUS_NAME, path, JOB_IFACE, method, &error, NULL, "s", cascade) :
                sd_bus_call_method(bus, BUS_NAME, path, JOB_IFACE, method, &error, NULL, "");
        if (r < 0) {
                if (sd_bus_error_has_names(&error, SD_BUS_ERROR_UNKNOWN_OBJECT, SD_BUS_ERROR_UNKNOWN_INTERFACE,
                                           SD_BUS_ERROR_UNKNOWN_METHOD))
                        return not_found("jobs", name);
                fprintf(stderr, "Error from server: %s\n", error.message ?: strerror(-r));
                return EXIT_ERROR;
        }
        return 0;
}

/* jobctl delete job NAME [--cascade=background|foreground|orphan] */
int verb_delete(int argc, char *argv[]) {
        const char *name = NULL, *cascade = "background";

        for (int i = 1; i < argc; i++) {
                const char *v;
                if ((v = startswith(argv[i], "--cascade=")))
                        cascade = v;
                else if (streq(argv[i], "job") || streq(argv[i], "jobs"))
                        continue;
                else if ((v = startswith(argv[i], "job/")))
                        name = v;
                else
                        name = argv[i];
        }
        if (!name) {
                fprintf(stderr, "jobctl delete: expects job NAME\n");
                return EXIT_USAGE;
        }
        if (call_job(name, "Delete", cascade) != 0)
                return EXIT_ERROR;
        printf("job.batch \"%s\" deleted\n", name);
        return 0;
}

/* jobctl rerun job NAME */
int verb_rerun(int argc, char *argv[]) {
        const char *name = argc == 3 && (streq(argv[1], "job") || streq(argv[1], "jobs")) ? argv[2] :
                argc == 2 ? argv[1] : NULL;

        if (!name) {
                fprintf(stderr, "jobctl rerun: expects job NAME\n");
                return EXIT_USAGE;
        }
        if (call_job(name, "Rerun", NULL) != 0)
                return EXIT_ERROR;
        printf("job.batch/%s rerun\n", name);
        return 0;
}

/* jobctl suspend|resume job NAME */
int verb_suspend(int argc, char *argv[]) {
        bool suspend = streq(argv[0], "suspend");

        if (argc == 3 && STR_IN_SET(argv[1], "cronjob", "cronjobs", "cj"))
                return verb_suspend_cron_job(suspend, argv[2]);
        if (argc == 2 && startswith(argv[1], "cronjob/"))
                return verb_suspend_cron_job(suspend, argv[1] + 8);
        const char *name = argc == 3 && (streq(argv[1], "job") || streq(argv[1], "jobs")) ? argv[2] :
                argc == 2 ? (startswith(argv[1], "job/") ?: argv[1]) : NULL;

        if (!name) {
                fprintf(stderr, "jobctl %s: expects job NAME\n", argv[0]);
                return EXIT_USAGE;
        }
        if (call_job_with(name, "SetSuspend", "b", (int) suspend) != 0)
                return EXIT_ERROR;
        printf("job.batch/%s %s\n", name, suspend ? "suspended" : "resumed");
        return 0;
}

/* CronJobs (spec §4.4, §5.7): io.jobsd.CronJob1 objects. */

#define CRON_JOB_IFACE "io.jobsd.CronJob1"

typedef struct CronInfo {
        char *namespace, *name, *file, *schedule, *tz, *policy, *timer;
        bool suspend;
        int64_t sds;
        int32_t keep_ok, keep_failed;
        usec_t created, last_schedule, last_successful, next;
        char **active, **jobs;
        EventInfo *events;
        size_t n_events;
} CronInfo;

static void cron_info_done(CronInfo *c) {
        free(c->namespace); free(c->name); free(c->file); free(c->schedule); free(c->tz); free(c->policy);
        free(c->timer);
        strv_free(c->active);
        strv_free(c->jobs);
        for (size_t i = 0; i < c->n_events; i++) {
                free(c->events[i].reason); free(c->events[i].message);
        }
        free(c->events);
        *c = (CronInfo) {};
}

static char *cron_job_path(const char *namespace, const char *name) {
        _cleanup_(freep) char *id = strprintf("%s_%s", namespace, name);
        char *p = NULL;

        if (!id || sd_bus_path_encode("/io/jobsd/cronjob", id, &p) < 0)
                return NULL;
        return p;
}

static int cron_info_get(sd_bus *bus, const char *namespace, const char *name, CronInfo *ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(freep) char *path = cron_job_path(namespace, name);
        CronInfo c = {};
        int r;

        if (!path)
                return -ENOMEM;
        r = get_all(bus, path, CRON_JOB_IFACE, &reply);
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                const char *k, *s = NULL;

                r = sd_bus_message_read(reply, "s", &k);
                if (r < 0)
                        goto fail;
                STR("Namespace", c.namespace)
                STR("Name", c.name)
                STR("ManifestFile", c.file)
                STR("Schedule", c.schedule)
                STR("TimeZone", c.tz)
                STR("ConcurrencyPolicy", c.policy)
                STR("TimerUnit", c.timer)
                NUM("StartingDeadlineSeconds", "x", c.sds)
                NUM("SuccessfulJobsHistoryLimit", "i", c.keep_ok)
                NUM("FailedJobsHistoryLimit", "i", c.keep_failed)
                NUM("CreationTime", "t", c.created)
                NUM("LastScheduleTime", "t", c.last_schedule)
                NUM("LastSuccessfulTime", "t", c.last_successful)
                NUM("NextScheduleTime", "t", c.next)
                STRV("Active", c.active)
                STRV("Jobs", c.jobs)
                if (streq(k, "Suspend")) {
                        int b = 0;
                        r = sd_bus_message_read(reply, "v", "b", &b);
                        c.suspend = b;
                } else if (streq(k, "Events")) {
                        r = read_events(reply, &c.events, &c.n_events);
                } else
                        r = sd_bus_message_skip(reply, "v");
#undef STR
#undef NUM
#undef STRV
                if (r < 0)
                        goto fail;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        goto fail;
        }
        if (r < 0)
                goto fail;
        *ret = c;
        return 0;
fail:
        cron_info_done(&c);
        fprintf(stderr, "jobctl: cannot read CronJob %s: %s\n", name, strerror(-r));
        return r;
}

static int list_cron_jobs(sd_bus *bus, char ***ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(strv_freep) char **l = NULL;
        const char *ns, *name, *path;
        int r;

        r = sd_bus_call_method(bus, BUS_NAME, "/io/jobsd", "io.jobsd.Manager1", "ListCronJobs", &error, &reply, "");
        if (r < 0) {
                if (sd_bus_error_has_names(&error, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                        fprintf(stderr, "jobctl: jobsd is not running on the %s bus\n", jobctl_arg_user ? "user" : "system");
                else
                        fprintf(stderr, "jobctl: %s\n", error.message ?: strerror(-r));
                return r;
        }
        r = sd_bus_message_enter_container(reply, 'a', "(sso)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(reply, "(sso)", &ns, &name, &path)) > 0)
                if (strv_extend(&l, ns) < 0 || strv_extend(&l, name) < 0)
                        return -ENOMEM;
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}

static void format_time_or_none(char *buf, size_t n, usec_t t, bool age) {
        if (t == 0)
                snprintf(buf, n, "<none>");
        else if (age)
                format_duration(buf, n, now_usec() > t ? now_usec() - t : 0);
        else
                format_rfc1123z(buf, n, t);
}

static void emit_cron_job(Emitter *e, const CronInfo *c) {
        em_string(e, "apiVersion", "batch/v1");
        em_string(e, "kind", "CronJob");
        em_open(e, "metadata", '{');
        em_string(e, "name", c->name);
        em_string(e, "namespace", c->namespace);
        em_time(e, "creationTimestamp", c->created);
        em_close(e, '}');
        em_open(e, "spec", '{');
        em_string(e, "schedule", c->schedule);
        if (*c->tz)
                em_string(e, "timeZone", c->tz);
        em_string(e, "concurrencyPolicy", c->policy);
        em_raw(e, "suspend", c->suspend ? "true" : "false");
        if (c->sds >= 0)
                em_int(e, "startingDeadlineSeconds", c->sds);
        em_int(e, "successfulJobsHistoryLimit", c->keep_ok);
        em_int(e, "failedJobsHistoryLimit", c->keep_failed);
        em_close(e, '}');
        em_open(e, "status", '{');
        if (c->active && c->active[0]) {
                em_open(e, "active", '[');
                for (char **a = c->active; *a; a++) {
                        em_item(e);
                        em_string(e, "apiVersion", "batch/v1");
                        em_string(e, "kind", "Job");
                        em_string(e, "name", *a);
                        em_string(e, "namespace", c->namespace);
                        em_item_end(e);
                }
                em_close(e, ']');
        }
        if (c->last_schedule)
                em_time(e, "lastScheduleTime", c->last_schedule);
        if (c->last_successful)
                em_time(e, "lastSuccessfulTime", c->last_successful);
        /* Proposed upstream, not in batch/v1: the next slot, as the CronJob's timer has it. */
        if (c->next)
                em_time(e, "nextScheduleTime", c->next);
        em_close(e, '}');
}

/* jobctl get cronjobs [NAME] [-o wide|json|yaml] */
static int get_cron_jobs(const char *only) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(strv_freep) char **l = NULL;
        bool json = jobctl_arg_output && streq(jobctl_arg_output, "json"),
                yaml = jobctl_arg_output && streq(jobctl_arg_output, "yaml"),
                wide = jobctl_arg_output && streq(jobctl_arg_output, "wide"), any = false;
        Emitter em = { .f = stdout, .yaml = yaml };
        int r;

        r = bus_connect(&bus);
        if (r < 0)
                return EXIT_ERROR;
        r = list_cron_jobs(bus, &l);
        if (r < 0)
                return EXIT_ERROR;
        if ((json || yaml) && !only) {
                em_open(&em, NULL, '{');
                em_string(&em, "apiVersion", "v1");
                em_open(&em, "items", '[');
        } else if (json || yaml)
                em_open(&em, NULL, '{');
        for (char **k = l; k && k[0] && k[1]; k += 2) {
                _cleanup_(cron_info_done) CronInfo c = {};
                char last[64], age[32], next[64];

                if (only && !streq(k[1], only))
                        continue;
                r = cron_info_get(bus, k[0], k[1], &c);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return EXIT_ERROR;
                if (json || yaml) {
                        if (!only)
                                em_item(&em);
                        emit_cron_job(&em, &c);
                        if (!only)
                                em_item_end(&em);
                        any = true;
                        continue;
                }
                if (!any)
                        printf(wide ? "%-28s %-16s %-18s %-8s %-7s %-14s %-7s %-32s %s\n" :
                                      "%-28s %-16s %-18s %-8s %-7s %-14s %s\n",
                               "NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE",
                               "NEXT SCHEDULE", "TIMER");
                any = true;
                format_time_or_none(last, sizeof(last), c.last_schedule, true);
                format_duration(age, sizeof(age), now_usec() - c.created);
                if (wide) {
                        format_time_or_none(next, sizeof(next), c.next, false);
                        printf("%-28s %-16s %-18s %-8s %-7zu %-14s %-7s %-32s %s\n", c.name, c.schedule,
                               *c.tz ? c.tz : "<none>", c.suspend ? "True" : "False", strv_length(c.active), last, age,
                               next, *c.timer ? c.timer : "<none>");
                } else
                        printf("%-28s %-16s %-18s %-8s %-7zu %-14s %s\n", c.name, c.schedule, *c.tz ? c.tz : "<none>",
                               c.suspend ? "True" : "False", strv_length(c.active), last, age);
        }
        if (json || yaml) {
                if (!only) {
                        em_close(&em, ']');
                        em_string(&em, "kind", "List");
                }
                em_close(&em, '}');
                if (!em.yaml)
                        fputc('\n', stdout);
        }
        if (only && !any)
                return not_found("cronjobs", only);
        if (!any && !json && !yaml)
                fprintf(stderr, "No resources found in default namespace.\n");
        return 0;
}

static int describe_cron_job(const char *name) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(cron_info_done) CronInfo c = {};
        char t[64];
        int r;

        r = bus_connect(&bus);
        if (r < 0)
                return EXIT_ERROR;
        r = cron_info_get(bus, "default", name, &c);
        if (r == -ENOENT)
                return not_found("cronjobs", name);
        if (r < 0)
                return EXIT_ERROR;
        printf("%-32s%s\n", "Name:", c.name);
        printf("%-32s%s\n", "Namespace:", c.namespace);
        printf("%-32s%s\n", "Manifest:", c.file);
        printf("%-32s%s\n", "Schedule:", c.schedule);
        printf("%-32s%s\n", "Concurrency Policy:", c.policy);
        printf("%-32s%s\n", "Suspend:", c.suspend ? "True" : "False");
        printf("%-32s%s\n", "Time Zone:", *c.tz ? c.tz : "<unset>");
        printf("%-32s%" PRIi32 "\n", "Successful Job History Limit:", c.keep_ok);
        printf("%-32s%" PRIi32 "\n", "Failed Job History Limit:", c.keep_failed);
        if (c.sds >= 0)
                printf("%-32s%" PRIi64 "s\n", "Starting Deadline Seconds:", c.sds);
        else
                printf("%-32s%s\n", "Starting Deadline Seconds:", "<unset>");
        format_time_or_none(t, sizeof(t), c.last_schedule, false);
        printf("%-32s%s\n", "Last Schedule Time:", t);
        format_time_or_none(t, sizeof(t), c.last_successful, false);
        printf("%-32s%s\n", "Last Successful Time:", t);
        format_time_or_none(t, sizeof(t), c.next, false);
        printf("%-32s%s\n", "Next Schedule Time:", t);
        printf("%-32s%s\n", "Timer:", *c.timer ? c.timer : "<none> (suspended)");
        printf("%-32s", "Active Jobs:");
        if (!c.active || !c.active[0])
                printf("<none>\n");
        else
                for (char **a = c.active; *a; a++)
                        printf("%s%s", *a, a[1] ? ", " : "\n");
        printf("%-32s", "Jobs:");
        if (!c.jobs || !c.jobs[0])
                printf("<none>\n");
        else
                for (char **a = c.jobs; *a; a++)
                        printf("%s%s", *a, a[1] ? ", " : "\n");
        print_events(c.events, c.n_events, "cronjob-controller");
        return 0;
}

static int call_cron_job(const char *namespace, const char *name, const char *method, const char *types, ...) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(freep) char *path = cron_job_path(namespace, name);
        va_list ap;
        int r;

        r = bus_connect(&bus);
        if (r < 0 || !path)
                return EXIT_ERROR;
        r = sd_bus_message_new_method_call(bus, &call, BUS_NAME, path, CRON_JOB_IFACE, method);
        if (r >= 0 && types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(call, types, ap);
                va_end(ap);
        }
        if (r >= 0)
                r = sd_bus_call(bus, call, 0, &error, &reply);
        if (r < 0) {
                if (sd_bus_error_has_names(&error, SD_BUS_ERROR_UNKNOWN_OBJECT, SD_BUS_ERROR_UNKNOWN_INTERFACE,
                                           SD_BUS_ERROR_UNKNOWN_METHOD))
                        return not_found("cronjobs", name);
                fprintf(stderr, "Error from server: %s\n", error.message ?: strerror(-r));
                return EXIT_ERROR;
        }
        return 0;
}

/* jobctl trigger cronjob/NAMESPACE/NAME: what a CronJob's timer runs. */
int verb_trigger(int argc, char *argv[]) {
        _cleanup_(freep) char *ns = NULL;
        const char *ref = argc == 2 ? startswith(argv[1], "cronjob/") : NULL, *slash;

        if (!ref || !(slash = strchr(ref, '/'))) {
                fprintf(stderr, "jobctl trigger: expects cronjob/NAMESPACE/NAME\n");
                return EXIT_USAGE;
        }
        ns = strndup(ref, slash - ref);
        if (!ns)
                return EXIT_ERROR;
        return call_cron_job(ns, slash + 1, "Trigger", NULL) == 0 ? 0 : EXIT_ERROR;
}

/* jobctl create job NAME --from=cronjob/CRONJOB */
int verb_create(int argc, char *argv[]) {
        const char *name = NULL, *from = NULL;

        for (int i = 1; i < argc; i++) {
                const char *v;
                if ((v = startswith(argv[i], "--from=")))
                        from = v;
                else if (streq(argv[i], "job") && !name && i == 1)
                        continue;
                else
                        name = argv[i];
        }
        if (!name || !from || !startswith(from, "cronjob/")) {
                fprintf(stderr, "jobctl create: expects job NAME --from=cronjob/CRONJOB\n");
                return EXIT_USAGE;
        }
        if (call_cron_job("default", startswith(from, "cronjob/"), "CreateJob", "s", name) != 0)
                return EXIT_ERROR;
        printf("job.batch/%s created\n", name);
        return 0;
}

int verb_suspend_cron_job(bool suspend, const char *name) {
        if (call_cron_job("default", name, "SetSuspend", "b", (int) suspend) != 0)
                return EXIT_ERROR;
        printf("cronjob.batch/%s %s\n", name, suspend ? "suspended" : "resumed");
        return 0;
}
