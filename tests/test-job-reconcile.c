/* SPDX-License-Identifier: Apache-2.0 */
/* The Job controller against the conformance scenarios of spec §6, with no systemd: a simulated runtime
 * runs each started container for a scripted time and exit code, on a simulated clock, and the test checks
 * the final status, the pods created and the gaps between them. B = 10 s. */
#include "job-reconcile.h"
#include "jobsd/manifest.h"
#include "jobsd/strv.h"
#include "tap.h"

#define B (10 * USEC_PER_SEC)
#define T0 ((usec_t) 1767225600 * USEC_PER_SEC)

typedef struct Outcome {
        usec_t duration;
        int code;
} Outcome;

/* The script: what a container does on its n-th start (counting from 0 over the whole Job). */
typedef Outcome (*Script)(int64_t index, uint64_t attempt, const char *container, unsigned start);

typedef struct Running {
        uint64_t attempt;
        char *container;
        usec_t end;
        int code;
        const char *reason;
} Running;

typedef struct Sim {
        Job *job;
        JobStatus status;
        JobConfig cfg;
        usec_t now;
        Running run[4096];
        size_t n_run;
        unsigned starts;
        unsigned pods_created;
        usec_t pod_created_at[4096];
        int max_active;
        char **events;
        /* hooks */
        usec_t suspend_at, resume_at;
        usec_t scale_at;
        int32_t scale_to;
} Sim;

static Job *load_job(const char *yaml) {
        _cleanup_(manifest_list_done) ManifestList list = {};
        _cleanup_(diag_list_done) DiagList diags = {};
        Job *j;

        assert_se(manifest_parse_buffer("test.yaml", yaml, strlen(yaml), &list, &diags) >= 0);
        diag_list_print(&diags, stdout);
        assert_se(list.n == 1 && list.items[0].kind == MANIFEST_JOB);
        j = TAKE_PTR(list.items[0].job);
        list.n = 0;
        free(list.items[0].api_version);
        free(list.items[0].file);
        return j;
}

static void sim_apply(Sim *s, const JobActionList *l, Script script) {
        for (size_t i = 0; i < l->n; i++) {
                const JobAction *a = l->items + i;
                switch (a->type) {
                case JOB_ACTION_START_CONTAINER: {
                        Outcome o = script(a->index, a->attempt, a->container, s->starts++);
                        assert_se(job_status_record_container_start(&s->status, a->attempt, a->container, s->now) >= 0);
                        assert_se(s->n_run < ELEMENTSOF(s->run));
                        s->run[s->n_run++] = (Running) { a->attempt, strdup(a->container), s->now + o.duration, o.code, NULL };
                        break;
                }
                case JOB_ACTION_STOP_POD:
                        /* SIGTERM ends every test command at once: exit 143. */
                        for (size_t k = 0; k < s->n_run; k++)
                                if (s->run[k].attempt == a->attempt && s->run[k].end > s->now) {
                                        s->run[k].end = s->now;
                                        s->run[k].code = 143;
                                }
                        break;
                case JOB_ACTION_REMOVE_POD:
                        job_status_remove_pod(&s->status, a->attempt);
                        break;
                case JOB_ACTION_EVENT:
                        assert_se(strv_push(&s->events, strprintf("%s", a->reason)) >= 0);
                        if (streq(a->reason, "SuccessfulCreate")) {
                                assert_se(s->pods_created < ELEMENTSOF(s->pod_created_at));
                                s->pod_created_at[s->pods_created++] = s->now;
                        }
                        break;
                default:
                        break;
                }
        }
}

/* Runs until the Job finishes or limit passes; returns the finish time. */
static usec_t sim_run(Sim *s, Script script, usec_t limit) {
        s->cfg = (JobConfig) { .backoff_base_usec = B, .backoff_max_usec = 60 * B };
        s->now = T0;
        assert_se(job_status_init(&s->status, &s->job->spec) >= 0);

        for (unsigned iter = 0; iter < 100000; iter++) {
                _cleanup_(job_action_list_done) JobActionList l = {};
                usec_t next = UINT64_MAX;
                int active;

                assert_se(job_reconcile(s->job, &s->status, &s->cfg, s->now, &l) >= 0);
                sim_apply(s, &l, script);
                active = job_status_active(&s->status) + job_status_terminating(&s->status);
                if (active > s->max_active)
                        s->max_active = active;
                if (job_status_is_finished(&s->status))
                        return s->now;

                /* As jobsd's edge does: run again at once only when pods were removed; otherwise wait for
                 * a container to end or the controller's wake-up. */
                bool removed = false;
                for (size_t k = 0; k < l.n; k++)
                        removed = removed || l.items[k].type == JOB_ACTION_REMOVE_POD;
                if (removed)
                        continue;
                for (size_t k = 0; k < s->n_run; k++)
                        if (s->run[k].container && s->run[k].end < next)
                                next = s->run[k].end;
                if (l.wake_usec > 0 && l.wake_usec < next)
                        next = l.wake_usec;
                if (s->scale_at > s->now && s->scale_at < next)
                        next = s->scale_at;
                if (next == UINT64_MAX || next > T0 + limit)
                        return 0;
                if (next < s->now)
                        next = s->now;
                s->now = next;
                if (s->scale_at && s->now == s->scale_at)
                        s->job->spec.parallelism = s->scale_to;
                for (size_t k = 0; k < s->n_run; k++)
                        if (s->run[k].container && s->run[k].end <= s->now) {
                                assert_se(job_status_record_container_exit(&s->status, &s->job->spec, s->run[k].attempt,
                                                                           s->run[k].container, s->run[k].code,
                                                                           s->run[k].reason, s->now) >= 0);
                                s->run[k].container = mfree(s->run[k].container);
                        }
        }
        return 0;
}

static void sim_done(Sim *s) {
        for (size_t k = 0; k < s->n_run; k++)
                free(s->run[k].container);
        job_status_done(&s->status);
        job_free(s->job);
        strv_free(s->events);
}

static const char *terminal_reason(const JobStatus *s) {
        const JobCondition *c = job_status_get_condition(s, JOB_CONDITION_COMPLETE);
        if (!c)
                c = job_status_get_condition(s, JOB_CONDITION_FAILED);
        return c ? c->reason : "(none)";
}

#define JOB(extra_spec, restart, containers)                                     \
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: t}\nspec:\n" extra_spec \
        "  template:\n    spec:\n      restartPolicy: " restart "\n      containers:\n" containers

#define C(name, cmd) "      - {name: " name ", image: busybox, command: [sh, -c, \"" cmd "\"]}\n"

static Outcome exit0(int64_t index, uint64_t attempt, const char *c, unsigned n) {
        return (Outcome) { 1 * USEC_PER_SEC, 0 };
}

static Outcome exit1_after5(int64_t index, uint64_t attempt, const char *c, unsigned n) {
        return (Outcome) { 5 * USEC_PER_SEC, 1 };
}

TEST(scenario_01_pi_completes) {
        Sim s = { .job = load_job(JOB("  backoffLimit: 4\n", "Never", C("pi", "exit 0"))) };

        ASSERT_TRUE(sim_run(&s, exit0, 600 * USEC_PER_SEC) > 0);
        ASSERT_STREQ(terminal_reason(&s.status), "CompletionsReached");
        ASSERT_TRUE(job_status_get_condition(&s.status, JOB_CONDITION_SUCCESS_CRITERIA_MET) != NULL);
        ASSERT_EQ(s.status.succeeded, 1);
        ASSERT_EQ(s.status.failed, 0);
        ASSERT_EQ(s.pods_created, 1);
        ASSERT_EQ(job_status_active(&s.status), 0);
        ASSERT_TRUE(s.status.completion_usec > 0);
        ASSERT_TRUE(strv_contains(s.events, "Completed"));
        sim_done(&s);
}

TEST(scenario_04_parallel_never_more_than_two) {
        Sim s = { .job = load_job(JOB("  completions: 8\n  parallelism: 2\n", "Never", C("c", "exit 0"))) };

        ASSERT_TRUE(sim_run(&s, exit0, 600 * USEC_PER_SEC) > 0);
        ASSERT_EQ(s.status.succeeded, 8);
        ASSERT_EQ(s.pods_created, 8);
        ASSERT_EQ(s.max_active, 2);
        sim_done(&s);
}

TEST(scenario_05_abnormal_end_backoff_gaps) {
        Sim s = { .job = load_job(JOB("  completionMode: Indexed\n  completions: 1\n  parallelism: 1\n", "Never",
                                      C("busybox", "sleep 5; exit 1"))) };

        ASSERT_TRUE(sim_run(&s, exit1_after5, 3600 * USEC_PER_SEC) > 0);
        ASSERT_STREQ(terminal_reason(&s.status), "BackoffLimitExceeded");
        ASSERT_TRUE(job_status_get_condition(&s.status, JOB_CONDITION_FAILURE_TARGET) != NULL);
        ASSERT_EQ(s.status.failed, 7);
        ASSERT_EQ(s.pods_created, 7);
        ASSERT_EQ(s.status.completion_usec, 0);
        /* gaps after each failure: B, 2B, 4B, 8B, 16B, 32B (each pod runs 5 s) */
        for (unsigned i = 1; i < s.pods_created; i++)
                ASSERT_EQ(s.pod_created_at[i] - s.pod_created_at[i - 1], 5 * USEC_PER_SEC + (B << (i - 1)));
        sim_done(&s);
}

static Outcome two_containers(int64_t index, uint64_t attempt, const char *c, unsigned n) {
        return (Outcome) { 5 * USEC_PER_SEC, streq(c, "busybox-1") ? 1 : 0 };
}

TEST(scenario_06_one_failing_container_fails_the_pod) {
        Sim s = { .job = load_job(JOB("  completionMode: Indexed\n  completions: 1\n  backoffLimit: 2\n", "Never",
                                      C("busybox-1", "sleep 5; exit 1") C("busybox-2", "sleep 5; exit 0"))) };

        ASSERT_TRUE(sim_run(&s, two_containers, 3600 * USEC_PER_SEC) > 0);
        ASSERT_STREQ(terminal_reason(&s.status), "BackoffLimitExceeded");
        ASSERT_EQ(s.status.failed, 3);
        ASSERT_EQ(s.pods_created, 3);
        ASSERT_EQ(s.pod_created_at[1] - s.pod_created_at[0], 5 * USEC_PER_SEC + B);
        ASSERT_EQ(s.pod_created_at[2] - s.pod_created_at[1], 5 * USEC_PER_SEC + 2 * B);
        sim_done(&s);
}

TEST(scenario_07_backoff_limit_zero) {
        Sim s = { .job = load_job(JOB("  backoffLimit: 0\n", "Never", C("c", "exit 1"))) };

        ASSERT_TRUE(sim_run(&s, exit1_after5, 3600 * USEC_PER_SEC) > 0);
        ASSERT_STREQ(terminal_reason(&s.status), "BackoffLimitExceeded");
        ASSERT_EQ(s.status.failed, 1);
        ASSERT_EQ(s.pods_created, 1);
        sim_done(&s);
}

static Outcome exit1_fast(int64_t index, uint64_t attempt, const char *c, unsigned n) {
        return (Outcome) { 0, 1 };
}

TEST(scenario_08_on_failure_restarts_in_place) {
        Sim s = { .job = load_job(JOB("  backoffLimit: 3\n", "OnFailure", C("c", "exit 1"))) };

        ASSERT_TRUE(sim_run(&s, exit1_fast, 3600 * USEC_PER_SEC) > 0);
        ASSERT_STREQ(terminal_reason(&s.status), "BackoffLimitExceeded");
        ASSERT_EQ(s.status.failed, 1);
        ASSERT_EQ(s.pods_created, 1);
        ASSERT_EQ(s.starts, 4);
        sim_done(&s);
}

static Outcome fail_twice(int64_t index, uint64_t attempt, const char *c, unsigned n) {
        return (Outcome) { USEC_PER_SEC, n < 2 ? 1 : 0 };
}

TEST(scenario_09_on_failure_then_success) {
        Sim s = { .job = load_job(JOB("", "OnFailure", C("c", "exit 1"))) };

        ASSERT_TRUE(sim_run(&s, fail_twice, 3600 * USEC_PER_SEC) > 0);
        ASSERT_STREQ(terminal_reason(&s.status), "CompletionsReached");
        ASSERT_EQ(s.status.failed, 0);
        ASSERT_EQ(s.status.succeeded, 1);
        ASSERT_EQ(s.pods_created, 1);
        ASSERT_EQ(s.starts, 3);
        sim_done(&s);
}

static Outcome sleep300(int64_t index, uint64_t attempt, const char *c, unsigned n) {
        return (Outcome) { 300 * USEC_PER_SEC, 0 };
}

TEST(scenario_10_active_deadline) {
        Sim s = { .job = load_job(JOB("  activeDeadlineSeconds: 10\n", "Never", C("c", "sleep 300"))) };
        usec_t end = sim_run(&s, sleep300, 3600 * USEC_PER_SEC);

        ASSERT_EQ(end - T0, 10 * USEC_PER_SEC);
        ASSERT_STREQ(terminal_reason(&s.status), "DeadlineExceeded");
        ASSERT_EQ(s.status.failed, 1);
        ASSERT_EQ(s.pods_created, 1);
        sim_done(&s);
}

static Outcome exit1_after1(int64_t index, uint64_t attempt, const char *c, unsigned n) {
        return (Outcome) { USEC_PER_SEC, 1 };
}

TEST(scenario_11_deadline_with_retries) {
        Sim s = { .job = load_job(JOB("  activeDeadlineSeconds: 30\n", "Never", C("c", "exit 1"))) };
        usec_t end = sim_run(&s, exit1_after1, 3600 * USEC_PER_SEC);

        ASSERT_EQ(end - T0, 30 * USEC_PER_SEC);
        ASSERT_STREQ(terminal_reason(&s.status), "DeadlineExceeded");
        ASSERT_EQ(s.pods_created, 2);
        ASSERT_EQ(s.pod_created_at[1] - T0, 11 * USEC_PER_SEC);
        ASSERT_EQ(s.status.failed, 2);
        sim_done(&s);
}

static Outcome work_queue(int64_t index, uint64_t attempt, const char *c, unsigned n) {
        return (Outcome) { (2 + 3 * n) * USEC_PER_SEC, 0 };
}

TEST(scenario_18_work_queue) {
        Sim s = { .job = load_job(JOB("  parallelism: 3\n", "Never", C("c", "exit 0"))) };
        usec_t end = sim_run(&s, work_queue, 3600 * USEC_PER_SEC);

        ASSERT_EQ(end - T0, 8 * USEC_PER_SEC);
        ASSERT_EQ(s.status.succeeded, 3);
        ASSERT_EQ(s.pods_created, 3);
        sim_done(&s);
}

static Outcome work_queue_fail(int64_t index, uint64_t attempt, const char *c, unsigned n) {
        return n == 0 ? (Outcome) { 2 * USEC_PER_SEC, 0 } : (Outcome) { 5 * USEC_PER_SEC, 1 };
}

TEST(scenario_19_work_queue_failure_not_replaced) {
        Sim s = { .job = load_job(JOB("  parallelism: 2\n", "Never", C("c", "exit 0"))) };

        ASSERT_TRUE(sim_run(&s, work_queue_fail, 3600 * USEC_PER_SEC) > 0);
        ASSERT_STREQ(terminal_reason(&s.status), "CompletionsReached");
        ASSERT_EQ(s.status.succeeded, 1);
        ASSERT_EQ(s.status.failed, 1);
        ASSERT_EQ(s.pods_created, 2);
        sim_done(&s);
}

static Outcome index1_fails_once(int64_t index, uint64_t attempt, const char *c, unsigned n) {
        return (Outcome) { USEC_PER_SEC, index == 1 && attempt == 1 ? 1 : 0 };
}

TEST(scenario_20_indexed_retry) {
        Sim s = { .job = load_job(JOB("  completionMode: Indexed\n  completions: 3\n  parallelism: 3\n", "Never",
                                      C("c", "exit 0"))) };
        _cleanup_(freep) char *idx = NULL;

        ASSERT_TRUE(sim_run(&s, index1_fails_once, 3600 * USEC_PER_SEC) > 0);
        ASSERT_STREQ(terminal_reason(&s.status), "CompletionsReached");
        ASSERT_EQ(s.pods_created, 4);
        ASSERT_EQ(s.status.failed, 1);
        ASSERT_EQ(s.status.succeeded, 3);
        idx = job_status_completed_indexes(&s.status);
        ASSERT_STREQ(idx, "0-2");
        sim_done(&s);
}

TEST(backoff_formula) {
        static const struct { uint32_t n; usec_t s; } t[] = {
                { 0, 0 }, { 1, 10 }, { 2, 20 }, { 3, 40 }, { 4, 80 }, { 5, 160 }, { 6, 320 }, { 7, 600 }, { 8, 600 },
                { 100, 600 }, { UINT32_MAX, 600 },
        };
        for (size_t i = 0; i < ELEMENTSOF(t); i++)
                ASSERT_EQ(backoff_delay_usec(B, 60 * B, t[i].n), t[i].s * USEC_PER_SEC);
}

TEST(completed_indexes_format) {
        JobStatus s = {};
        bool set[] = { false, true, false, true, true, true, false, true };
        _cleanup_(freep) char *a = NULL, *b = NULL;

        s.completed_indexes = set;
        s.n_indexes = ELEMENTSOF(set);
        a = job_status_completed_indexes(&s);
        ASSERT_STREQ(a, "1,3-5,7");
        bool two[] = { true, true };
        s.completed_indexes = two;
        s.n_indexes = 2;
        b = job_status_completed_indexes(&s);
        ASSERT_STREQ(b, "0,1");
}

TAP_MAIN()
