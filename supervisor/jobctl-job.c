/* SPDX-License-Identifier: Apache-2.0 */
/* jobctl's Job verbs: get jobs and pods, describe, wait, logs, delete, rerun, suspend and resume. */
#include <inttypes.h>
#include <stdarg.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-journal.h>

#include "bus-api.h"
#include "jobctl.h"
#include "jobctl-bus.h"
#include "jobctl-cronjob.h"
#include "jobctl-job.h"
#include "jobctl-output.h"
#include "jobsd/cron.h"
#include "jobsd/manifest.h"
#include "jobsd/render.h"
#include "jobsd/strv.h"

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

static char *job_path(const char *namespace, const char *name) {
        _cleanup_(freep) char *id = strprintf("%s_%s", namespace, name);
        char *p = NULL;

        if (!id || sd_bus_path_encode(JOBSD_JOB_PATH_PREFIX, id, &p) < 0)
                return NULL;
        return p;
}

/* Reads every property of a Job object in one call. Returns -ENOENT if there is no such Job. */
static int job_info_get(sd_bus *bus, const char *namespace, const char *name, JobInfo *ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(freep) char *path = job_path(namespace, name);
        JobInfo j = {};
        int r;

        if (!path)
                return -ENOMEM;
        r = get_all(bus, path, JOBSD_JOB_IFACE, &reply);
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                const char *k, *s = NULL;

                r = sd_bus_message_read(reply, "s", &k);
                if (r < 0)
                        goto fail;
                PROP_STR("Namespace", j.namespace)
                PROP_STR("Name", j.name)
                PROP_STR("UID", j.uid)
                PROP_STR("ManifestFile", j.file)
                PROP_STR("Status", j.status)
                PROP_STR("CompletionMode", j.mode)
                PROP_STR("CompletedIndexes", j.indexes)
                PROP_STR("FailedIndexes", j.failed_indexes)
                PROP_STR("RestartPolicy", j.restart_policy)
                PROP_NUM("Completions", "i", j.completions)
                PROP_NUM("Parallelism", "i", j.parallelism)
                PROP_NUM("BackoffLimit", "i", j.backoff_limit)
                PROP_NUM("Active", "i", j.active)
                PROP_NUM("Ready", "i", j.ready)
                PROP_NUM("Succeeded", "i", j.succeeded)
                PROP_NUM("Failed", "i", j.failed)
                PROP_NUM("Terminating", "i", j.terminating)
                PROP_NUM("ActiveDeadlineSeconds", "x", j.ads)
                PROP_NUM("TTLSecondsAfterFinished", "x", j.ttl)
                PROP_NUM("CreationTime", "t", j.created)
                PROP_NUM("StartTime", "t", j.started)
                PROP_NUM("CompletionTime", "t", j.completed)
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
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(strv_freep) char **l = NULL;
        const char *ns, *name, *status, *path;
        int r;

        r = manager_list(bus, "ListJobs", "(ssso)", &reply);
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

/* One line of `get jobs` (spec §4.4), after the header if none was printed yet. */
static void print_job_row(FILE *out, const JobInfo *j, bool wide, bool *header) {
        char completions[64], duration[32] = "", age[32];
        usec_t now = now_usec();

        format_completions(completions, sizeof(completions), j);
        if (j->started)
                format_duration(duration, sizeof(duration), (j->completed ?: now) - j->started);
        format_duration(age, sizeof(age), now - j->created);
        if (!*header) {
                fprintf(out, wide ? "%-32s %-10s %-12s %-9s %-6s %-20s %s\n" : "%-32s %-10s %-12s %-9s %s\n",
                             "NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE", "CONTAINERS", "IMAGES");
                *header = true;
        }
        fprintf(out, "%-32s %-10s %-12s %-9s %-6s", j->name, j->status, completions, duration, age);
        if (wide) {
                _cleanup_(strv_freep) char **names = NULL, **images = NULL;
                size_t n_names = 0, n_images = 0;
                for (char **c = j->images; c && c[0] && c[1]; c += 2) {
                        (void) strv_extend_n(&names, &n_names, c[0]);
                        (void) strv_extend_n(&images, &n_images, c[1]);
                }
                _cleanup_(freep) char *a = strv_join(names, ","), *b = strv_join(images, ",");
                fprintf(out, " %-20s %s", strempty(a), strempty(b));
        }
        fprintf(out, "\n");
}

/* The table's columns of every Job in one call (ListJobRows), printed as they come: -EOPNOTSUPP from a
 * jobsd without the method, the caller then reads each Job with GetAll. */
static int print_job_rows(sd_bus *bus, FILE *out, const char *only, bool wide, bool *any) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        bool header = false;
        int r;

        r = manager_list(bus, "ListJobRows", "(sssiiittta(ss))", &reply);
        if (r < 0)
                return r;
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'r', "sssiiittta(ss)")) > 0) {
                const char *ns, *name, *status, *cn, *img;
                _cleanup_(strv_freep) char **images = NULL;
                size_t n_images = 0;
                JobInfo j = {};

                r = sd_bus_message_read(reply, "sssiiittt", &ns, &name, &status, &j.completions, &j.parallelism,
                                        &j.succeeded, &j.created, &j.started, &j.completed);
                if (r >= 0)
                        r = sd_bus_message_enter_container(reply, 'a', "(ss)");
                while (r >= 0 && (r = sd_bus_message_read(reply, "(ss)", &cn, &img)) > 0) {
                        r = strv_extend_n(&images, &n_images, cn);
                        if (r >= 0)
                                r = strv_extend_n(&images, &n_images, img);
                }
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        break;
                if (only && !streq(name, only))
                        continue;
                if (jobctl_output_is("name")) {
                        fprintf(out, "job.batch/%s\n", name);
                        *any = true;
                        continue;
                }
                /* Borrowed strings: j is not freed. */
                j.name = (char *) name;
                j.status = (char *) status;
                j.images = images;
                print_job_row(out, &j, wide, &header);
                *any = true;
        }
        if (r < 0) {
                fprintf(stderr, "jobctl: cannot read the Jobs: %s\n", strerror(-r));
                return r;
        }
        return 0;
}

/* jobctl get jobs | get job NAME | get pods [-l job-name=NAME] */
int verb_get(int argc, char *argv[]) {
        FILE *out = jobctl_stdout();
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

        bool any = false, header = false, json = jobctl_arg_output && streq(jobctl_arg_output, "json"),
                yaml = jobctl_arg_output && streq(jobctl_arg_output, "yaml"),
                wide = jobctl_arg_output && streq(jobctl_arg_output, "wide");
        bool single = only && !pods && !selector;

        if (!pods && !json && !yaml) {
                r = print_job_rows(bus, out, only, wide, &any);
                if (r >= 0)
                        goto done;
                if (r != -EOPNOTSUPP)
                        return EXIT_ERROR;
        }
        r = list_jobs(bus, &jobs);
        if (r < 0)
                return EXIT_ERROR;

        Emitter em = { .f = out, .yaml = yaml };
        if ((json || yaml) && !single) {
                em_open(&em, NULL, '{');
                em_string(&em, "apiVersion", "v1");
                em_open(&em, "items", '[');
        } else if (json || yaml)
                em_open(&em, NULL, '{');
        for (char **k = jobs; k && k[0] && k[1]; k += 2) {
                _cleanup_(job_info_done) JobInfo j = {};
                usec_t now = now_usec();
                char age[32];

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
                                if (jobctl_output_is("name")) {
                                        fprintf(out, "pod/%s\n", p->name);
                                        any = true;
                                        continue;
                                }
                                if (!header) {
                                        if (wide)
                                                fprintf(out, "%-40s %-7s %-18s %-9s %-6s %-32s %s\n", "NAME", "READY", "STATUS",
                                                             "RESTARTS", "AGE", "IMAGE", "UNITS");
                                        else
                                                fprintf(out, "%-40s %-7s %-18s %-9s %s\n", "NAME", "READY", "STATUS",
                                                             "RESTARTS", "AGE");
                                        header = true;
                                }
                                snprintf(ready, sizeof(ready), "%" PRIu32 "/%" PRIu32, p->ready, p->containers);
                                format_duration(age, sizeof(age), now - p->created);
                                fprintf(out, "%-40s %-7s %-18s %-9" PRIu32 " %-6s", p->name, ready, status, p->restarts, age);
                                if (wide) {
                                        /* The pod's containers' images: the Job's template's (Images). */
                                        _cleanup_(strv_freep) char **images = NULL;
                                        for (char **c = j.images; c && c[0] && c[1]; c += 2)
                                                (void) strv_extend(&images, c[1]);
                                        _cleanup_(freep) char *u = strv_join(p->units, ","),
                                                *im = strv_join(images, ",");
                                        fprintf(out, " %-32s %s", im && *im ? im : "<none>", strempty(u));
                                }
                                fprintf(out, "\n");
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
                if (jobctl_output_is("name"))
                        fprintf(out, "job.batch/%s\n", j.name);
                else
                        print_job_row(out, &j, wide, &header);
                any = true;
        }
        if ((json || yaml) && !single) {
                em_close(&em, ']');
                em_string(&em, "kind", "List");
                em_close(&em, '}');
                if (json)
                        fprintf(out, "\n");
        } else if ((json || yaml) && any) {
                em_close(&em, '}');
                if (json)
                        fprintf(out, "\n");
        }
done:
        if (single && !any)
                return not_found("jobs", only);
        if (!any && !json && !yaml)
                fprintf(stderr, "No resources found in default namespace.\n");
        return 0;
}

/* spec §4.4: as kubectl describe job. */
int verb_describe(int argc, char *argv[]) {
        FILE *out = jobctl_stdout();
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

        fprintf(out, "%-26s%s\n", "Name:", j.name);
        fprintf(out, "%-26s%s\n", "Namespace:", j.namespace);
        fprintf(out, "%-26sbatch.kubernetes.io/controller-uid=%s\n", "Selector:", j.uid);
        fprintf(out, "%-26s%s\n", "Manifest:", j.file);
        for (char **a = j.annotations; a && a[0] && a[1]; a += 2)
                if (streq(a[0], "jobsd.io/controlled-by"))
                        fprintf(out, "%-26s%s\n", "Controlled By:", a[1]);
        fprintf(out, "%-26s%" PRIi32 "\n", "Parallelism:", j.parallelism);
        if (j.completions >= 0)
                fprintf(out, "%-26s%" PRIi32 "\n", "Completions:", j.completions);
        else
                fprintf(out, "%-26s%s\n", "Completions:", "<unset>");
        fprintf(out, "%-26s%s\n", "Completion Mode:", j.mode);
        fprintf(out, "%-26s%s\n", "Suspend:", j.suspend ? "true" : "false");
        fprintf(out, "%-26s%" PRIi32 "\n", "Backoff Limit:", j.backoff_limit);
        if (j.ttl >= 0)
                fprintf(out, "%-26s%" PRIi64 "\n", "TTL Seconds After Finished:", j.ttl);
        if (j.started) {
                format_rfc1123z(t, sizeof(t), j.started);
                fprintf(out, "%-26s%s\n", "Start Time:", t);
        }
        if (j.completed) {
                format_rfc1123z(t, sizeof(t), j.completed);
                fprintf(out, "%-26s%s\n", "Completed At:", t);
        }
        if (j.started) {
                format_duration(t, sizeof(t), (j.completed ?: now_usec()) - j.started);
                fprintf(out, "%-26s%s\n", "Duration:", t);
        }
        if (j.ads >= 0)
                fprintf(out, "%-26s%" PRIi64 "s\n", "Active Deadline Seconds:", j.ads);
        for (size_t i = 0; i < j.n_pods; i++) {
                if (streq(j.pods[i].phase, "Running") || streq(j.pods[i].phase, "Pending"))
                        active++;
                else if (streq(j.pods[i].phase, "Succeeded"))
                        succeeded++;
                else if (streq(j.pods[i].phase, "Failed"))
                        failed++;
        }
        fprintf(out, "%-26s%" PRIi32 " Active (%" PRIi32 " Ready) / %" PRIi32 " Succeeded / %" PRIi32 " Failed\n",
                     "Pods Statuses:", j.active, j.ready, j.succeeded, j.failed);
        if (streq(j.mode, "Indexed")) {
                const char *ci = *j.indexes ? j.indexes : "<none>";
                if (strlen(ci) > 50)
                        fprintf(out, "%-26s%.50s...\n", "Completed Indexes:", ci);
                else
                        fprintf(out, "%-26s%s\n", "Completed Indexes:", ci);
                if (j.failed_indexes && *j.failed_indexes)
                        fprintf(out, "%-26s%s\n", "Failed Indexes:", j.failed_indexes);
        }
        if (failed > 0) {
                /* What kubectl shows in describe pod, which jobctl does not have: why each failed pod
                 * failed (OOMKilled, Error, DisruptionTarget, DeadlineExceeded …), the newest 10. */
                size_t shown = 0;
                fprintf(out, "Failed Pods:\n");
                for (size_t i = j.n_pods; i > 0 && shown < 10; i--)
                        if (streq(j.pods[i - 1].phase, "Failed")) {
                                fprintf(out, "  %s: %s\n", j.pods[i - 1].name,
                                        *j.pods[i - 1].reason ? j.pods[i - 1].reason : "Error");
                                shown++;
                        }
                if ((size_t) failed > shown)
                        fprintf(out, "  (%zu more)\n", (size_t) failed - shown);
        }
        if (j.decisions && j.decisions[0]) {
                /* Which podFailurePolicy rule decided each failed pod (the newest 256 pods). */
                fprintf(out, "Pod Failure Policy:\n");
                for (char **d = j.decisions; d[0] && d[1]; d += 2)
                        fprintf(out, "  %s: %s\n", d[0], d[1]);
        }
        fprintf(out, "Pod Template:\n  Containers:\n");
        for (char **c = j.images; c && c[0] && c[1]; c += 2)
                fprintf(out, "   %s:\n    Image:      %s\n", c[0], c[1]);
        fprintf(out, "Conditions:\n");
        if (j.n_conditions == 0)
                fprintf(out, "  <none>\n");
        else {
                fprintf(out, "  %-20s %-7s %-22s %s\n", "Type", "Status", "Reason", "Message");
                for (size_t i = 0; i < j.n_conditions; i++)
                        fprintf(out, "  %-20s %-7s %-22s %s\n", j.conditions[i].type, j.conditions[i].status ? "True" : "False",
                                     j.conditions[i].reason, j.conditions[i].message);
        }
        print_events(j.events, j.n_events, "job-controller");
        return 0;
}

/* --timeout as kubectl wait takes it: a Go duration (1m30s, 500ms); 0 checks once; a negative one waits
 * a week. A plain number of seconds (30, 1.5), which jobctl took before, is still accepted. */
static int parse_timeout(const char *s, usec_t *ret, char **reterr_message) {
        int64_t nsec;
        char *e;
        double v;
        int r;

        r = go_duration_parse(s, &nsec, reterr_message);
        if (r == -EINVAL && strchr("0123456789.", s[0])) {
                errno = 0;
                v = strtod(s, &e);
                if (errno == 0 && e != s && !*e && v >= 0 && v < (double) (UINT64_MAX / USEC_PER_SEC)) {
                        *ret = (usec_t) (v * USEC_PER_SEC);
                        return 0;
                }
        }
        if (r < 0)
                return r;
        *ret = nsec < 0 ? 7 * USEC_PER_DAY : (usec_t) nsec / 1000;
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
        FILE *out = jobctl_stdout();
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
                        _cleanup_(freep) char *why = NULL;

                        r = parse_timeout(v, &timeout, &why);
                        if (r == -ENOMEM)
                                return EXIT_ERROR;
                        if (r < 0) {
                                fprintf(stderr, "jobctl wait: invalid --timeout '%s': %s\n", v, strempty(why));
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
        r = sd_bus_match_signal(bus, &slot, JOBSD_BUS_NAME, path, "org.freedesktop.DBus.Properties",
                                "PropertiesChanged", NULL, NULL);
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
                        fprintf(out, "job.batch/%s condition met\n", name);
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
        FILE *out;
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
        /* -f streams: its lines cannot wait for the end. */
        out = follow ? jobctl_stdout_stream() : jobctl_stdout();
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
                                fprintf(out, "%.*s\n", (int) (l - 8), (const char *) d + 8);
                }
                if (r < 0 || !follow)
                        break;
                fflush(out);
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
        r = sd_bus_message_new_method_call(bus, &call, JOBSD_BUS_NAME, path, JOBSD_JOB_IFACE, method);
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
        r = cascade ?
                sd_bus_call_method(bus, JOBSD_BUS_NAME, path, JOBSD_JOB_IFACE, method, &error, NULL, "s", cascade) :
                sd_bus_call_method(bus, JOBSD_BUS_NAME, path, JOBSD_JOB_IFACE, method, &error, NULL, "");
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
        FILE *out = jobctl_stdout();
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
        fprintf(out, "job.batch \"%s\" deleted\n", name);
        return 0;
}

/* jobctl rerun job NAME */
int verb_rerun(int argc, char *argv[]) {
        FILE *out = jobctl_stdout();
        const char *name = argc == 3 && (streq(argv[1], "job") || streq(argv[1], "jobs")) ? argv[2] :
                argc == 2 ? argv[1] : NULL;

        if (!name) {
                fprintf(stderr, "jobctl rerun: expects job NAME\n");
                return EXIT_USAGE;
        }
        if (call_job(name, "Rerun", NULL) != 0)
                return EXIT_ERROR;
        fprintf(out, "job.batch/%s rerun\n", name);
        return 0;
}

/* jobctl suspend|resume job NAME */
int verb_suspend(int argc, char *argv[]) {
        FILE *out = jobctl_stdout();
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
        fprintf(out, "job.batch/%s %s\n", name, suspend ? "suspended" : "resumed");
        return 0;
}
