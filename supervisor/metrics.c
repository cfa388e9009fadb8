/* SPDX-License-Identifier: Apache-2.0 */
/* The metrics file: Jobs and CronJobs in the Prometheus text format, for node_exporter (docs/metrics.md). */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <systemd/sd-journal.h>

#include "jobsd/strv.h"
#include "cronjob-manager.h"
#include "managed-job.h"
#include "metrics.h"
#include "state-file.h"

/* At most one write per second: with a thousand Jobs the text is about 600 kB and takes about 10 ms to
 * make, and node_exporter is scraped every 15 s or more. A change within the second is written when it
 * ends (a one-shot timer, armed only by a change: nothing wakes jobsd up while nothing changes). */
#define METRICS_INTERVAL_USEC (1 * USEC_PER_SEC)

struct Metrics {
        Manager *manager;
        char *dir, *name;               /* of the file */
        sd_event_source *defer;         /* the coalesced write: one-shot, enabled by metrics_poke() */
        sd_event_source *timer;         /* one-shot: a change within METRICS_INTERVAL_USEC of the last write */
        usec_t last_write_usec;         /* CLOCK_MONOTONIC; 0: none yet */
        MetricsCounters counters;
        bool dir_missing_logged;
        int last_error;                 /* of the last write, logged once per distinct error */
        uint64_t writes;
};

void metrics_write_label_value(FILE *f, const char *s) {
        for (const char *p = strempty(s); *p; p++)
                switch (*p) {
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '"':
                        fputs("\\\"", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                default:
                        fputc(*p, f);
                }
}

static void family(FILE *f, const char *name, const char *type, const char *help) {
        /* HELP texts are ours: no backslash or newline to escape. */
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{namespace="…",job_name="…"[,extra="…"]} */
static void job_sample_start(FILE *f, const char *metric, const ManagedJob *j, const char *extra_key,
                             const char *extra_value) {
        fprintf(f, "%s{namespace=\"", metric);
        metrics_write_label_value(f, job_namespace(&j->job->metadata));
        fputs("\",job_name=\"", f);
        metrics_write_label_value(f, j->job->metadata.name);
        if (extra_key) {
                fprintf(f, "\",%s=\"", extra_key);
                metrics_write_label_value(f, extra_value);
        }
        fputs("\"} ", f);
}

static void cron_sample_start(FILE *f, const char *metric, const ManagedCronJob *c) {
        fprintf(f, "%s{namespace=\"", metric);
        metrics_write_label_value(f, job_namespace(&c->cj->metadata));
        fputs("\",cronjob=\"", f);
        metrics_write_label_value(f, c->cj->metadata.name);
        fputs("\"} ", f);
}

typedef enum JobValue {
        JOB_VALUE_SUCCEEDED,
        JOB_VALUE_FAILED,
        JOB_VALUE_ACTIVE,
        JOB_VALUE_START_TIME,
        JOB_VALUE_COMPLETION_TIME,
} JobValue;

static const struct {
        const char *name;
        const char *help;
} job_gauges[] = {
        [JOB_VALUE_SUCCEEDED] = { "kube_job_status_succeeded", "The number of pods which reached Phase Succeeded." },
        [JOB_VALUE_FAILED] = { "kube_job_status_failed", "The number of pods which reached Phase Failed." },
        [JOB_VALUE_ACTIVE] = { "kube_job_status_active", "The number of actively running pods." },
        [JOB_VALUE_START_TIME] = { "kube_job_status_start_time",
                                   "StartTime represents time when the job was acknowledged by the Job Manager (unix seconds)." },
        [JOB_VALUE_COMPLETION_TIME] = { "kube_job_status_completion_time",
                                        "CompletionTime represents time when the job was completed (unix seconds)." },
};

/* kube-state-metrics' form of a condition: three samples, only for a Job that has the condition. */
static void job_condition(FILE *f, const char *metric, const ManagedJob *j, JobConditionType t) {
        const JobCondition *c = job_status_get_condition(&j->record.status, t);

        if (!c)
                return;
        job_sample_start(f, metric, j, "condition", "true");
        fprintf(f, "%d\n", c->status ? 1 : 0);
        job_sample_start(f, metric, j, "condition", "false");
        fprintf(f, "%d\n", c->status ? 0 : 1);
        job_sample_start(f, metric, j, "condition", "unknown");
        fputs("0\n", f);      /* jobsd's conditions are never Unknown */
}

int metrics_format(const Manager *m, const MetricsCounters *c, FILE *f) {
        for (size_t v = 0; v < ELEMENTSOF(job_gauges); v++) {
                family(f, job_gauges[v].name, "gauge", job_gauges[v].help);
                for (size_t i = 0; i < m->n_jobs; i++) {
                        const ManagedJob *j = m->jobs[i];
                        const JobStatus *s = &j->record.status;
                        switch (v) {
                        case JOB_VALUE_SUCCEEDED:
                                job_sample_start(f, job_gauges[v].name, j, NULL, NULL);
                                fprintf(f, "%" PRIi32 "\n", s->succeeded);
                                break;
                        case JOB_VALUE_FAILED:
                                job_sample_start(f, job_gauges[v].name, j, NULL, NULL);
                                fprintf(f, "%" PRIi32 "\n", s->failed);
                                break;
                        case JOB_VALUE_ACTIVE:
                                job_sample_start(f, job_gauges[v].name, j, NULL, NULL);
                                fprintf(f, "%" PRIi32 "\n", job_status_active(s));
                                break;
                        case JOB_VALUE_START_TIME:
                        case JOB_VALUE_COMPLETION_TIME: {
                                usec_t t = v == JOB_VALUE_START_TIME ? s->start_usec : s->completion_usec;
                                if (t == 0)
                                        break;  /* unset: no sample, as kube-state-metrics does */
                                job_sample_start(f, job_gauges[v].name, j, NULL, NULL);
                                fprintf(f, "%" PRIu64 "\n", (uint64_t) (t / USEC_PER_SEC));
                                break;
                        }
                        }
                }
        }
        family(f, "kube_job_complete", "gauge", "The job has completed its execution.");
        for (size_t i = 0; i < m->n_jobs; i++)
                job_condition(f, "kube_job_complete", m->jobs[i], JOB_CONDITION_COMPLETE);
        family(f, "kube_job_failed", "gauge", "The job has failed its execution.");
        for (size_t i = 0; i < m->n_jobs; i++)
                job_condition(f, "kube_job_failed", m->jobs[i], JOB_CONDITION_FAILED);

        family(f, "kube_cronjob_next_schedule_time", "gauge",
               "Next time the cronjob should be scheduled (unix seconds).");
        for (size_t i = 0; i < m->n_cron_jobs; i++)
                if (m->cron_jobs[i]->next_usec > 0) {
                        cron_sample_start(f, "kube_cronjob_next_schedule_time", m->cron_jobs[i]);
                        fprintf(f, "%" PRIu64 "\n", (uint64_t) (m->cron_jobs[i]->next_usec / USEC_PER_SEC));
                }
        family(f, "kube_cronjob_status_last_schedule_time", "gauge",
               "LastScheduleTime keeps information of when was the last time the job was successfully scheduled (unix seconds).");
        for (size_t i = 0; i < m->n_cron_jobs; i++)
                if (m->cron_jobs[i]->status.last_schedule_usec > 0) {
                        cron_sample_start(f, "kube_cronjob_status_last_schedule_time", m->cron_jobs[i]);
                        fprintf(f, "%" PRIu64 "\n", (uint64_t) (m->cron_jobs[i]->status.last_schedule_usec / USEC_PER_SEC));
                }
        family(f, "kube_cronjob_status_active", "gauge", "Active holds pointers to currently running jobs.");
        for (size_t i = 0; i < m->n_cron_jobs; i++) {
                cron_sample_start(f, "kube_cronjob_status_active", m->cron_jobs[i]);
                fprintf(f, "%zu\n", strv_length(m->cron_jobs[i]->status.active));
        }

        family(f, "job_controller_job_finished_total", "counter",
               "The number of finished jobs (since jobsd started).");
        for (size_t i = 0; c && i < c->n_finished; i++) {
                fputs("job_controller_job_finished_total{completion_mode=\"", f);
                metrics_write_label_value(f, c->finished[i].completion_mode);
                fputs("\",result=\"", f);
                metrics_write_label_value(f, c->finished[i].result);
                fputs("\",reason=\"", f);
                metrics_write_label_value(f, c->finished[i].reason);
                fprintf(f, "\"} %" PRIu64 "\n", c->finished[i].count);
        }
        family(f, "job_controller_pod_failures_handled_by_failure_policy_total", "counter",
               "The number of failed Pods handled by failure policy with respect to the failure policy action "
               "applied based on the matched rule (since jobsd started).");
        for (PodFailurePolicyAction a = 0; c && a < _POD_FAILURE_ACTION_MAX; a++)
                if (c->failure_policy[a] > 0)
                        fprintf(f, "job_controller_pod_failures_handled_by_failure_policy_total{action=\"%s\"} %" PRIu64 "\n",
                                pod_failure_action_to_string(a), c->failure_policy[a]);
        fflush(f);
        return ferror(f) ? -ENOMEM : 0;
}

static void metrics_write_now(Metrics *x) {
        _cleanup_(freep) char *buf = NULL;
        size_t len = 0;
        FILE *f;
        int r;

        (void) sd_event_now(x->manager->event, CLOCK_MONOTONIC, &x->last_write_usec);
        f = open_memstream(&buf, &len);
        if (!f) {
                sd_journal_print(LOG_ERR, "metrics: out of memory");
                return;
        }
        r = metrics_format(x->manager, &x->counters, f);
        if (fclose(f) != 0 || r < 0) {
                sd_journal_print(LOG_ERR, "metrics: out of memory");
                return;
        }
        r = atomic_file_write(x->dir, x->name, buf, len, 0644);
        if (r == -ENOENT) {
                if (!x->dir_missing_logged)
                        sd_journal_print(LOG_INFO, "metrics: %s does not exist: no metrics file is written until it "
                                         "does (node_exporter's textfile collector is not installed?)", x->dir);
                x->dir_missing_logged = true;
                return;
        }
        if (r < 0) {
                if (r != x->last_error)
                        sd_journal_print(LOG_WARNING, "metrics: cannot write %s/%s: %s (tried again at the next change)",
                                         x->dir, x->name, strerror(-r));
                x->last_error = r;
                return;
        }
        if (x->dir_missing_logged || x->last_error < 0 || x->writes == 0)
                sd_journal_print(LOG_INFO, "metrics: writing %s/%s", x->dir, x->name);
        x->dir_missing_logged = false;
        x->last_error = 0;
        x->writes++;
}

static int on_defer(sd_event_source *s, void *userdata) {
        metrics_write_now(userdata);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        metrics_write_now(userdata);
        return 0;
}

void metrics_poke(Manager *m) {
        Metrics *x = m->metrics;
        usec_t now = 0;
        int enabled = SD_EVENT_OFF;

        if (!x)
                return;
        (void) sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        if (x->last_write_usec == 0 || now >= x->last_write_usec + METRICS_INTERVAL_USEC) {
                (void) sd_event_source_set_enabled(x->defer, SD_EVENT_ONESHOT);
                return;
        }
        (void) sd_event_source_get_enabled(x->timer, &enabled);
        if (enabled != SD_EVENT_OFF)
                return;
        (void) sd_event_source_set_time(x->timer, x->last_write_usec + METRICS_INTERVAL_USEC);
        (void) sd_event_source_set_enabled(x->timer, SD_EVENT_ONESHOT);
}

static void count_finished(Metrics *x, const ManagedJob *j) {
        const JobCondition *failed = job_status_get_condition(&j->record.status, JOB_CONDITION_FAILED);
        const JobCondition *complete = job_status_get_condition(&j->record.status, JOB_CONDITION_COMPLETE);
        const JobCondition *cond = failed && failed->status ? failed : complete;
        const char *mode = completion_mode_to_string(j->job->spec.completion_mode);
        const char *result = cond == failed ? "failed" : "succeeded";
        const char *reason = cond ? strempty(cond->reason) : "";
        MetricsFinished *n;

        for (size_t i = 0; i < x->counters.n_finished; i++) {
                MetricsFinished *e = x->counters.finished + i;
                if (streq(e->completion_mode, strempty(mode)) && streq(e->result, result) && streq(e->reason, reason)) {
                        e->count++;
                        return;
                }
        }
        n = realloc(x->counters.finished, sizeof(MetricsFinished) * (x->counters.n_finished + 1));
        if (!n)
                return;
        x->counters.finished = n;
        n += x->counters.n_finished;
        *n = (MetricsFinished) { .completion_mode = strdup(strempty(mode)), .result = strdup(result),
                                 .reason = strdup(reason), .count = 1 };
        if (!n->completion_mode || !n->result || !n->reason) {
                free(n->completion_mode);
                free(n->result);
                free(n->reason);
                return;
        }
        x->counters.n_finished++;
}

/* A Job's finish is counted once per run (its record's uid: a Job run again has a new one); the uid
 * counted is kept on the Job, so this is O(1) per change. */
void metrics_job_changed(Manager *m, ManagedJob *j) {
        Metrics *x = m->metrics;

        if (!x)
                return;
        if (j->record.uid && job_status_is_finished(&j->record.status) && !streq_ptr(j->metrics_counted_uid, j->record.uid)) {
                char *uid = strdup(j->record.uid);
                if (uid) {
                        free(j->metrics_counted_uid);
                        j->metrics_counted_uid = uid;
                        count_finished(x, j);
                }
        }
        metrics_poke(m);
}

void metrics_pod_counted(Manager *m, const Pod *p) {
        if (!m->metrics)
                return;
        if (p->counted && p->phase == POD_FAILED && p->failure_rule != UNSET &&
            p->failure_action >= 0 && p->failure_action < _POD_FAILURE_ACTION_MAX)
                m->metrics->counters.failure_policy[p->failure_action]++;
        metrics_poke(m);
}

int metrics_new(Manager *m, const char *path, Metrics **ret) {
        Metrics *x;
        const char *slash = strrchr(path, '/');
        int r;

        if (!*path || endswith(path, "/") || streq(slash ? slash + 1 : path, ".") || streq(slash ? slash + 1 : path, ".."))
                return -EINVAL;
        x = calloc(1, sizeof(Metrics));
        if (!x)
                return -ENOMEM;
        x->manager = m;
        x->dir = slash ? (slash == path ? strdup("/") : strndup(path, slash - path)) : strdup(".");
        x->name = strdup(slash ? slash + 1 : path);
        if (!x->dir || !x->name) {
                metrics_free(x);
                return -ENOMEM;
        }
        /* Jobs finished before this start were counted by the jobsd that saw them finish. */
        for (size_t i = 0; i < m->n_jobs; i++) {
                ManagedJob *j = m->jobs[i];
                if (j->record.uid && job_status_is_finished(&j->record.status) &&
                    !streq_ptr(j->metrics_counted_uid, j->record.uid)) {
                        free(j->metrics_counted_uid);
                        j->metrics_counted_uid = strdup(j->record.uid);
                        if (!j->metrics_counted_uid) {
                                metrics_free(x);
                                return -ENOMEM;
                        }
                }
        }
        r = sd_event_add_defer(m->event, &x->defer, on_defer, x);
        if (r >= 0)
                r = sd_event_source_set_priority(x->defer, SD_EVENT_PRIORITY_IDLE);
        if (r >= 0)
                r = sd_event_source_set_enabled(x->defer, SD_EVENT_ONESHOT);    /* the write at start */
        if (r >= 0)
                r = sd_event_add_time(m->event, &x->timer, CLOCK_MONOTONIC, 0, 10 * USEC_PER_MSEC, on_timer, x);
        if (r >= 0)
                r = sd_event_source_set_enabled(x->timer, SD_EVENT_OFF);
        if (r < 0) {
                metrics_free(x);
                return r;
        }
        *ret = x;
        return 0;
}

Metrics *metrics_free(Metrics *x) {
        if (!x)
                return NULL;
        sd_event_source_disable_unref(x->defer);
        sd_event_source_disable_unref(x->timer);
        for (size_t i = 0; i < x->counters.n_finished; i++) {
                free(x->counters.finished[i].completion_mode);
                free(x->counters.finished[i].result);
                free(x->counters.finished[i].reason);
        }
        free(x->counters.finished);
        free(x->dir);
        free(x->name);
        free(x);
        return NULL;
}
