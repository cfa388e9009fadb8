/* SPDX-License-Identifier: Apache-2.0 */
/* The metrics file's text (supervisor/metrics.c): label escaping and the exposition of a Job, a CronJob
 * and the counters, exactly. */
#include <stdio.h>

#include "jobsd/manifest.h"
#include "jobsd/strv.h"
#include "cronjob-manager.h"
#include "cronjob-state.h"
#include "managed-job.h"
#include "metrics.h"
#include "tap.h"

/* An assertion with what it checks, printed when it fails. */
#define CHECK(cond, ...)                                \
        do {                                            \
                if (!(cond))                            \
                        tap_diag(__VA_ARGS__);          \
                ASSERT_TRUE(cond);                      \
        } while (0)

static Manifest load(const char *yaml) {
        _cleanup_(manifest_list_done) ManifestList list = {};
        _cleanup_(diag_list_done) DiagList diags = {};
        Manifest mf;

        assert_se(manifest_parse_buffer("test.yaml", yaml, strlen(yaml), &list, &diags) >= 0);
        assert_se(list.n == 1);
        mf = list.items[0];
        list.items[0].job = NULL;
        mf.file = mf.api_version = NULL;
        return mf;
}

static char *escaped(const char *s) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        assert_se(f);
        metrics_write_label_value(f, s);
        assert_se(fclose(f) == 0);
        return buf;
}

static char *format(const Manager *m, const MetricsCounters *c) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        assert_se(f);
        assert_se(metrics_format(m, c, f) == 0);
        assert_se(fclose(f) == 0);
        return buf;
}

/* Whether text has line as one of its lines. */
static bool has_line(const char *text, const char *line) {
        size_t l = strlen(line);
        for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
                if (strneq(p, line, l) && (p[l] == '\n' || p[l] == 0))
                        return true;
        return false;
}

TEST(label_values_are_escaped) {
        static const struct { const char *in, *out; } t[] = {
                { "plain", "plain" },
                { "", "" },
                { "a\"b", "a\\\"b" },
                { "back\\slash", "back\\\\slash" },
                { "two\nlines", "two\\nlines" },
                { "\\\"\n", "\\\\\\\"\\n" },
                { "tab\tand ü", "tab\tand ü" },   /* only the three are escaped */
        };
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_(freep) char *got = escaped(t[i].in);
                CHECK(streq(got, t[i].out), "escape %zu: %s", i, got);
        }
}

TEST(a_job_a_cronjob_and_the_counters) {
        Manifest job = load("apiVersion: batch/v1\nkind: Job\nmetadata: {name: pi, namespace: batch}\nspec:\n"
                            "  completions: 2\n  template:\n    spec:\n      restartPolicy: Never\n"
                            "      containers: [{name: c, image: x, command: [\"true\"]}]\n");
        Manifest cron = load("apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: nightly}\nspec:\n"
                             "  schedule: \"0 3 * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n"
                             "          restartPolicy: Never\n"
                             "          containers: [{name: c, image: x, command: [\"true\"]}]\n");
        ManagedJob j = { .job = job.job };
        ManagedJob *jobs[] = { &j };
        ManagedCronJob c = { .cj = cron.cron_job, .next_usec = 1700000000 * USEC_PER_SEC + 999999 };
        ManagedCronJob *crons[] = { &c };
        Manager m = { .jobs = jobs, .n_jobs = 1, .cron_jobs = crons, .n_cron_jobs = 1 };
        MetricsFinished fin[] = {
                { .completion_mode = (char *) "NonIndexed", .result = (char *) "failed",
                  .reason = (char *) "Odd \"reason\"\n", .count = 3 },
        };
        MetricsCounters counters = { .finished = fin, .n_finished = 1 };
        _cleanup_(freep) char *t0 = NULL, *t1 = NULL;

        assert_se(job.kind == MANIFEST_JOB && cron.kind == MANIFEST_CRON_JOB);
        assert_se(job_status_init(&j.record.status, &j.job->spec) >= 0);

        /* A fresh Job: counts 0, no start or completion time, no condition samples. */
        t0 = format(&m, NULL);
        CHECK(has_line(t0, "# HELP kube_job_status_succeeded The number of pods which reached Phase Succeeded.") &&
               has_line(t0, "# TYPE kube_job_status_succeeded gauge"), "HELP and TYPE of a family");
        CHECK(has_line(t0, "kube_job_status_succeeded{namespace=\"batch\",job_name=\"pi\"} 0") &&
               has_line(t0, "kube_job_status_failed{namespace=\"batch\",job_name=\"pi\"} 0") &&
               has_line(t0, "kube_job_status_active{namespace=\"batch\",job_name=\"pi\"} 0"), "a fresh Job's counts");
        CHECK(!strstr(t0, "kube_job_status_start_time{") && !strstr(t0, "kube_job_status_completion_time{") &&
               !strstr(t0, "kube_job_complete{") && !strstr(t0, "kube_job_failed{"),
               "no time and no condition samples before they are set");
        CHECK(has_line(t0, "kube_cronjob_next_schedule_time{namespace=\"default\",cronjob=\"nightly\"} 1700000000") &&
               has_line(t0, "kube_cronjob_status_active{namespace=\"default\",cronjob=\"nightly\"} 0") &&
               !strstr(t0, "kube_cronjob_status_last_schedule_time{"), "a CronJob: next slot in whole seconds, no last schedule yet");
        CHECK(has_line(t0, "# TYPE job_controller_job_finished_total counter") &&
               !strstr(t0, "job_controller_job_finished_total{") &&
               !strstr(t0, "job_controller_pod_failures_handled_by_failure_policy_total{"),
               "the counters' families without samples before anything counted");

        /* Finished: the Complete condition in kube-state-metrics' three samples, the times, the counters. */
        j.record.status.succeeded = 2;
        j.record.status.failed = 1;
        j.record.status.start_usec = 1700000100 * USEC_PER_SEC + 500000;
        j.record.status.completion_usec = 1700000160 * USEC_PER_SEC;
        assert_se(job_status_set_condition(&j.record.status, JOB_CONDITION_COMPLETE, true, "CompletionsReached", "done",
                                           j.record.status.completion_usec) >= 0);
        c.status.last_schedule_usec = 1699999200 * USEC_PER_SEC;
        assert_se(strv_push(&c.status.active, strdup("nightly-28333320")) >= 0);
        counters.failure_policy[POD_FAILURE_ACTION_IGNORE] = 2;
        t1 = format(&m, &counters);
        CHECK(has_line(t1, "kube_job_status_succeeded{namespace=\"batch\",job_name=\"pi\"} 2") &&
               has_line(t1, "kube_job_status_failed{namespace=\"batch\",job_name=\"pi\"} 1"), "counts");
        CHECK(has_line(t1, "kube_job_status_start_time{namespace=\"batch\",job_name=\"pi\"} 1700000100") &&
               has_line(t1, "kube_job_status_completion_time{namespace=\"batch\",job_name=\"pi\"} 1700000160"),
               "times in unix seconds");
        CHECK(has_line(t1, "kube_job_complete{namespace=\"batch\",job_name=\"pi\",condition=\"true\"} 1") &&
               has_line(t1, "kube_job_complete{namespace=\"batch\",job_name=\"pi\",condition=\"false\"} 0") &&
               has_line(t1, "kube_job_complete{namespace=\"batch\",job_name=\"pi\",condition=\"unknown\"} 0") &&
               !strstr(t1, "kube_job_failed{"), "Complete=True as three samples, no Failed samples");
        CHECK(has_line(t1, "kube_cronjob_status_last_schedule_time{namespace=\"default\",cronjob=\"nightly\"} 1699999200") &&
               has_line(t1, "kube_cronjob_status_active{namespace=\"default\",cronjob=\"nightly\"} 1"),
               "a CronJob's last schedule and active");
        CHECK(has_line(t1, "job_controller_job_finished_total{completion_mode=\"NonIndexed\",result=\"failed\","
                            "reason=\"Odd \\\"reason\\\"\\n\"} 3"), "a counter's label value escaped");
        CHECK(has_line(t1, "job_controller_pod_failures_handled_by_failure_policy_total{action=\"Ignore\"} 2") &&
               !strstr(t1, "action=\"FailJob\""), "failure policy actions: only those counted");
        /* Every family once, samples after their HELP and TYPE, the text ends with a newline. */
        CHECK(t1[strlen(t1) - 1] == '\n', "ends with a newline");
        {
                size_t helps = 0;
                for (const char *p = t1; (p = strstr(p, "# HELP ")); p++)
                        helps++;
                CHECK(helps == 12, "12 families (%zu)", helps);
        }

        job_status_done(&j.record.status);
        job_free(j.job);
        cronjob_status_done(&c.status);
        cron_job_free(c.cj);
}

TAP_MAIN()
