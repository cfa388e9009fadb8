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
        const char *reason;             /* as the unit reports it: NULL, or DeadlineExceeded (RuntimeMaxSec=) */
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

typedef struct Sim Sim;
struct Sim {
        Job *job;
        JobStatus status;
        JobConfig cfg;
        usec_t now;
        Running run[4096];
        size_t n_run;
        unsigned starts;
        unsigned pods_created;
        usec_t pod_created_at[4096];
        int64_t pod_created_index[4096];
        int max_active;
        int max_terminating;
        char **events;                  /* reasons */
        char **event_lines;             /* "N|W Reason Message" */
        /* hooks */
        usec_t suspend_at, resume_at;
        usec_t scale_at;
        int32_t scale_to;
        usec_t disrupt_at;              /* every running pod is disrupted, as the daemon records it */
        /* looked at after each sync */
        void (*after_sync)(Sim *s, const JobActionList *l);
};

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
                        s->run[s->n_run++] = (Running) { a->attempt, strdup(a->container), s->now + o.duration, o.code,
                                                         o.reason };
                        break;
                }
                case JOB_ACTION_STOP_POD:
                        /* SIGTERM ends every test command at once: exit 143. */
                        for (size_t k = 0; k < s->n_run; k++)
                                if (s->run[k].attempt == a->attempt && s->run[k].end > s->now) {
                                        s->run[k].end = s->now;
                                        s->run[k].code = 143;
                                        s->run[k].reason = NULL;
                                }
                        break;
                case JOB_ACTION_REMOVE_POD:
                        job_status_remove_pod(&s->status, a->attempt);
                        break;
                case JOB_ACTION_EVENT:
                        assert_se(strv_push(&s->events, strprintf("%s", a->reason)) >= 0);
                        assert_se(strv_push(&s->event_lines, strprintf("%s %s %s", a->warning ? "W" : "N", a->reason,
                                                                       a->message)) >= 0);
                        if (streq(a->reason, "SuccessfulCreate")) {
                                assert_se(s->pods_created < ELEMENTSOF(s->pod_created_at));
                                s->pod_created_index[s->pods_created] = a->index;
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
                if (job_status_terminating(&s->status) > s->max_terminating)
                        s->max_terminating = job_status_terminating(&s->status);
                if (s->after_sync)
                        s->after_sync(s, &l);
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
                if (s->suspend_at > s->now && s->suspend_at < next)
                        next = s->suspend_at;
                if (s->resume_at > s->now && s->resume_at < next)
                        next = s->resume_at;
                if (s->disrupt_at > s->now && s->disrupt_at < next)
                        next = s->disrupt_at;
                if (next == UINT64_MAX || next > T0 + limit)
                        return 0;
                if (next < s->now)
                        next = s->now;
                s->now = next;
                if (s->scale_at && s->now == s->scale_at)
                        s->job->spec.parallelism = s->scale_to;
                if (s->suspend_at && s->now == s->suspend_at)
                        s->job->spec.suspend = true;
                if (s->resume_at && s->now == s->resume_at)
                        s->job->spec.suspend = false;
                if (s->disrupt_at && s->now == s->disrupt_at)
                        /* As the daemon does when a unit vanishes: DisruptionTarget, then exit 137. */
                        for (size_t k = 0; k < s->n_run; k++)
                                if (s->run[k].container && s->run[k].end > s->now) {
                                        assert_se(job_status_record_pod_disruption(&s->status, s->run[k].attempt, NULL,
                                                                                   s->now) >= 0);
                                        s->run[k].end = s->now;
                                        s->run[k].code = 137;
                                        s->run[k].reason = "Disrupted";
                                }
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
        strv_free(s->event_lines);
}

static const char *terminal_reason(const JobStatus *s) {
        const JobCondition *c = job_status_get_condition(s, JOB_CONDITION_COMPLETE);
        if (!c)
                c = job_status_get_condition(s, JOB_CONDITION_FAILED);
        return c ? c->reason : "(none)";
}

/* "Type=Status Reason: Message; …" in the order of status.conditions. */
static char *conditions_text(const JobStatus *s) {
        char *out = strdup("");

        for (size_t i = 0; out && i < s->n_conditions; i++) {
                const JobCondition *c = s->conditions + i;
                char *n = strprintf("%s%s%s=%s %s: %s", out, i ? "; " : "", job_condition_type_to_string(c->type),
                                    c->status ? "True" : "False", c->reason, c->message);
                free(out);
                out = n;
        }
        assert_se(out);
        return out;
}

static unsigned count_events(const Sim *s, const char *reason) {
        unsigned n = 0;

        STRV_FOREACH(e, s->events)
                if (streq(*e, reason))
                        n++;
        return n;
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

/* 12. The pod's own activeDeadlineSeconds: its unit's RuntimeMaxSec= stops it (143, DeadlineExceeded); for
 * the Job an ordinary failed pod, counted and replaced after B. */
static Outcome pod_deadline5(int64_t index, uint64_t attempt, const char *c, unsigned n) {
        return (Outcome) { 5 * USEC_PER_SEC, 143, "DeadlineExceeded" };
}

static void check_deadline_pod_stays_active(Sim *s, const JobActionList *l) {
        for (size_t i = 0; i < s->status.n_pods; i++)
                if (s->status.pods[i].reason && streq(s->status.pods[i].reason, "DeadlineExceeded"))
                        ASSERT_EQ(s->status.pods[i].deletion, POD_DELETION_NONE);
}

TEST(scenario_12_pod_active_deadline) {
        Sim s = { .job = load_job(JOB("  backoffLimit: 1\n", "Never\n      activeDeadlineSeconds: 5", C("c", "sleep 60"))),
                  .after_sync = check_deadline_pod_stays_active };
        _cleanup_(freep) char *conds = NULL;
        usec_t end;

        ASSERT_EQ(s.job->spec.template.spec.active_deadline_seconds, 5);
        end = sim_run(&s, pod_deadline5, 3600 * USEC_PER_SEC);
        ASSERT_EQ(end - T0, 5 * USEC_PER_SEC + B + 5 * USEC_PER_SEC);
        ASSERT_STREQ(terminal_reason(&s.status), "BackoffLimitExceeded");
        ASSERT_EQ(s.pods_created, 2);
        ASSERT_EQ(s.pod_created_at[1] - s.pod_created_at[0], 5 * USEC_PER_SEC + B);
        ASSERT_EQ(s.status.failed, 2);
        ASSERT_EQ(s.status.succeeded, 0);
        ASSERT_EQ(s.max_terminating, 0);
        conds = conditions_text(&s.status);
        ASSERT_STREQ(conds, "FailureTarget=True BackoffLimitExceeded: Job has reached the specified backoff limit; "
                     "Failed=True BackoffLimitExceeded: Job has reached the specified backoff limit");
        sim_done(&s);
}

#define FAIL_JOB_42_IGNORE_DISRUPTION                                                   \
        "  podFailurePolicy:\n    rules:\n"                                            \
        "    - action: FailJob\n      onExitCodes: {containerName: main, operator: In, values: [42]}\n" \
        "    - action: Ignore\n      onPodConditions: [{type: DisruptionTarget}]\n"

static Outcome exit42_after3(int64_t index, uint64_t attempt, const char *c, unsigned n) {
        return (Outcome) { 3 * USEC_PER_SEC, 42 };
}

TEST(scenario_13_pod_failure_policy_fail_job) {
        Sim s = { .job = load_job(JOB("  completions: 12\n  parallelism: 3\n  backoffLimit: 6\n"
                                      FAIL_JOB_42_IGNORE_DISRUPTION, "Never",
                                      C("main", "sleep 3 && exit 42"))) };
        _cleanup_(freep) char *conds = NULL;
        const char *msg = "Container main for pod default/t-0 failed with exit code 42 matching FailJob rule at index 0";
        _cleanup_(freep) char *ev = strprintf("W PodFailurePolicy %s", msg);
        usec_t end;

        ASSERT_EQ(s.job->spec.pod_replacement_policy, POD_REPLACEMENT_FAILED);
        end = sim_run(&s, exit42_after3, 3600 * USEC_PER_SEC);
        ASSERT_EQ(end - T0, 3 * USEC_PER_SEC);
        ASSERT_STREQ(terminal_reason(&s.status), "PodFailurePolicy");
        ASSERT_EQ(s.pods_created, 3);
        ASSERT_EQ(s.status.failed, 3);
        ASSERT_EQ(s.status.succeeded, 0);
        ASSERT_EQ(s.status.completion_usec, 0);
        ASSERT_EQ(job_status_active(&s.status), 0);
        ASSERT_EQ(job_status_terminating(&s.status), 0);
        conds = conditions_text(&s.status);
        _cleanup_(freep) char *want = strprintf("FailureTarget=True PodFailurePolicy: %s; Failed=True PodFailurePolicy: %s",
                                               msg, msg);
        ASSERT_STREQ(conds, want);
        ASSERT_TRUE(strv_contains(s.event_lines, ev));
        ASSERT_EQ(count_events(&s, "SuccessfulCreate"), 3);
        ASSERT_EQ(count_events(&s, "Completed"), 0);
        sim_done(&s);
}

/* 13 when only one pod exits 42: the others are SIGTERMed and counted failed, nothing replaces them. */
static Outcome one_exits42(int64_t index, uint64_t attempt, const char *c, unsigned n) {
        return attempt == 1 ? (Outcome) { 3 * USEC_PER_SEC, 42 } : (Outcome) { 300 * USEC_PER_SEC, 0 };
}

TEST(scenario_13_fail_job_terminates_the_other_pods) {
        Sim s = { .job = load_job(JOB("  completions: 12\n  parallelism: 3\n" FAIL_JOB_42_IGNORE_DISRUPTION, "Never",
                                      C("main", "exit 42"))) };
        const JobCondition *c;

        ASSERT_EQ(sim_run(&s, one_exits42, 3600 * USEC_PER_SEC) - T0, 3 * USEC_PER_SEC);
        ASSERT_EQ(s.pods_created, 3);
        ASSERT_EQ(s.status.failed, 3);
        ASSERT_EQ(count_events(&s, "SuccessfulDelete"), 2);
        ASSERT_EQ(s.max_terminating, 2);
        c = job_status_get_condition(&s.status, JOB_CONDITION_FAILED);
        ASSERT_STREQ(c->message, "Container main for pod default/t-1 failed with exit code 42 matching FailJob rule at index 0");
        sim_done(&s);
}

static Outcome sleep60(int64_t index, uint64_t attempt, const char *c, unsigned n) {
        return (Outcome) { 60 * USEC_PER_SEC, 0 };
}

TEST(scenario_14_disruption_ignored) {
        Sim s = { .job = load_job(JOB("  completions: 1\n" FAIL_JOB_42_IGNORE_DISRUPTION, "Never", C("main", "sleep 60"))),
                  .disrupt_at = T0 + 10 * USEC_PER_SEC };
        usec_t end = sim_run(&s, sleep60, 3600 * USEC_PER_SEC);

        /* Ignore still advances the back-off: the replacement comes B after the disruption. */
        ASSERT_EQ(end - T0, 10 * USEC_PER_SEC + B + 60 * USEC_PER_SEC);
        ASSERT_STREQ(terminal_reason(&s.status), "CompletionsReached");
        ASSERT_EQ(s.status.failed, 0);
        ASSERT_EQ(s.status.succeeded, 1);
        ASSERT_EQ(s.pods_created, 2);
        ASSERT_EQ(s.pod_created_at[1] - T0, 10 * USEC_PER_SEC + B);
        ASSERT_EQ(s.status.failures_since_success, 0);
        sim_done(&s);
}

TEST(scenario_14_disruption_counted_without_ignore_rule) {
        Sim s = { .job = load_job(JOB("  completions: 1\n  podFailurePolicy:\n    rules:\n"
                                      "    - action: FailJob\n      onExitCodes: {containerName: main, operator: In, values: [42]}\n",
                                      "Never", C("main", "sleep 60"))),
                  .disrupt_at = T0 + 10 * USEC_PER_SEC };
        usec_t end = sim_run(&s, sleep60, 3600 * USEC_PER_SEC);

        ASSERT_EQ(end - T0, 10 * USEC_PER_SEC + B + 60 * USEC_PER_SEC);
        ASSERT_STREQ(terminal_reason(&s.status), "CompletionsReached");
        ASSERT_EQ(s.status.failed, 1);
        ASSERT_EQ(s.status.succeeded, 1);
        ASSERT_EQ(s.pods_created, 2);
        sim_done(&s);
}

TEST(scenario_14_disruption_fail_job_on_pod_condition) {
        Sim s = { .job = load_job(JOB("  completions: 1\n  podFailurePolicy:\n    rules:\n"
                                      "    - action: Count\n      onExitCodes: {operator: In, values: [1]}\n"
                                      "    - action: FailJob\n      onPodConditions: [{type: DisruptionTarget, status: \"True\"}]\n",
                                      "Never", C("main", "sleep 60"))),
                  .disrupt_at = T0 + 10 * USEC_PER_SEC };
        const JobCondition *c;

        ASSERT_EQ(sim_run(&s, sleep60, 3600 * USEC_PER_SEC) - T0, 10 * USEC_PER_SEC);
        ASSERT_STREQ(terminal_reason(&s.status), "PodFailurePolicy");
        c = job_status_get_condition(&s.status, JOB_CONDITION_FAILURE_TARGET);
        ASSERT_STREQ(c->message, "Pod default/t-0 has condition DisruptionTarget matching FailJob rule at index 1");
        ASSERT_EQ(s.status.failed, 1);
        ASSERT_EQ(s.pods_created, 1);
        sim_done(&s);
}

static Outcome exits_3_3_0(int64_t index, uint64_t attempt, const char *c, unsigned n) {
        return (Outcome) { USEC_PER_SEC, n < 2 ? 3 : 0 };
}

TEST(scenario_15_ignore_exit_code) {
        Sim s = { .job = load_job(JOB("  backoffLimit: 0\n  podFailurePolicy:\n    rules:\n"
                                      "    - action: Ignore\n      onExitCodes: {operator: In, values: [3]}\n",
                                      "Never", C("c", "exit 3"))) };

        ASSERT_TRUE(sim_run(&s, exits_3_3_0, 3600 * USEC_PER_SEC) > 0);
        ASSERT_STREQ(terminal_reason(&s.status), "CompletionsReached");
        ASSERT_EQ(s.status.failed, 0);
        ASSERT_EQ(s.status.succeeded, 1);
        ASSERT_EQ(s.pods_created, 3);
        ASSERT_EQ(s.pod_created_at[1] - s.pod_created_at[0], USEC_PER_SEC + B);
        ASSERT_EQ(s.pod_created_at[2] - s.pod_created_at[1], USEC_PER_SEC + 2 * B);
        sim_done(&s);
}

static Outcome exits_1_then_2(int64_t index, uint64_t attempt, const char *c, unsigned n) {
        return (Outcome) { USEC_PER_SEC, n == 0 ? 1 : 2 };
}

TEST(scenario_16_fail_job_not_in) {
        Sim s = { .job = load_job(JOB("  podFailurePolicy:\n    rules:\n"
                                      "    - action: FailJob\n      onExitCodes: {operator: NotIn, values: [1]}\n",
                                      "Never", C("c", "exit 1"))) };
        const JobCondition *c;

        ASSERT_EQ(sim_run(&s, exits_1_then_2, 3600 * USEC_PER_SEC) - T0, 2 * USEC_PER_SEC + B);
        ASSERT_STREQ(terminal_reason(&s.status), "PodFailurePolicy");
        ASSERT_EQ(s.pods_created, 2);
        ASSERT_EQ(s.pod_created_at[1] - s.pod_created_at[0], USEC_PER_SEC + B);
        ASSERT_EQ(s.status.failed, 2);
        c = job_status_get_condition(&s.status, JOB_CONDITION_FAILED);
        ASSERT_STREQ(c->message, "Container c for pod default/t-1 failed with exit code 2 matching FailJob rule at index 0");
        sim_done(&s);
}

/* onExitCodes: app containers first, then init containers; containerName restricts. */
TEST(pod_failure_policy_container_order) {
        _cleanup_(job_freep) Job *j = load_job(
                "apiVersion: batch/v1\nkind: Job\nmetadata: {name: o, namespace: ns1}\nspec:\n"
                "  podFailurePolicy:\n    rules:\n"
                "    - action: FailJob\n      onExitCodes: {containerName: nope, operator: In, values: [7]}\n"
                "    - action: FailJob\n      onExitCodes: {operator: In, values: [5, 7]}\n"
                "  template:\n    spec:\n      restartPolicy: Never\n"
                "      initContainers: [{name: nope, image: x, command: [\"true\"]}]\n"
                "      containers: [{name: a, image: x, command: [\"true\"]}, {name: b, image: x, command: [\"true\"]}]\n");
        JobConfig cfg = { B, 60 * B };
        _cleanup_(job_status_done) JobStatus st = {};
        _cleanup_(job_action_list_done) JobActionList l = {};
        Pod *p;

        ASSERT_OK(job_status_init(&st, &j->spec));
        ASSERT_OK(job_status_add_pod(&st, &j->spec, UNSET, T0, &p));
        st.start_usec = T0;
        /* init container "nope" exited 5 (a Never pod would have stopped there, but the order is what
         * counts), app a exited 0, app b exited 7: rule 0 is restricted to "nope", which did not exit 7;
         * rule 1 matches b before the init container. */
        p->containers[0].state = CONTAINER_TERMINATED;
        p->containers[0].exit_code = 5;
        p->containers[1].state = CONTAINER_TERMINATED;
        p->containers[2].state = CONTAINER_TERMINATED;
        p->containers[2].exit_code = 7;
        p->phase = POD_FAILED;
        p->finished_usec = T0 + 1;
        ASSERT_OK(job_reconcile(j, &st, &cfg, T0 + 2, &l));
        ASSERT_STREQ(job_status_get_condition(&st, JOB_CONDITION_FAILURE_TARGET)->message,
                     "Container b for pod ns1/o-0 failed with exit code 7 matching FailJob rule at index 1");
        ASSERT_EQ(st.pods[0].failure_rule, 1);
        ASSERT_EQ(st.pods[0].failure_action, POD_FAILURE_ACTION_FAIL_JOB);
        ASSERT_EQ(st.failed, 1);
}

static Outcome indexes_1_2_fail(int64_t index, uint64_t attempt, const char *c, unsigned n) {
        return (Outcome) { USEC_PER_SEC, index == 1 || index == 2 ? 1 : 0 };
}

TEST(scenario_21_backoff_limit_per_index) {
        Sim s = { .job = load_job(JOB("  completionMode: Indexed\n  completions: 6\n  parallelism: 6\n"
                                      "  backoffLimitPerIndex: 1\n", "Never", C("c", "exit 1"))) };
        _cleanup_(freep) char *done = NULL, *failed = NULL, *conds = NULL;

        ASSERT_EQ(s.job->spec.backoff_limit, INT32_MAX);
        ASSERT_EQ(sim_run(&s, indexes_1_2_fail, 3600 * USEC_PER_SEC) - T0, 2 * USEC_PER_SEC + B);
        ASSERT_STREQ(terminal_reason(&s.status), "FailedIndexes");
        ASSERT_EQ(s.pods_created, 8);
        /* each of indexes 1 and 2 ran twice, B apart */
        ASSERT_EQ(s.pod_created_index[6], 1);
        ASSERT_EQ(s.pod_created_index[7], 2);
        ASSERT_EQ(s.pod_created_at[6] - T0, USEC_PER_SEC + B);
        ASSERT_EQ(s.pod_created_at[7] - T0, USEC_PER_SEC + B);
        ASSERT_EQ(s.status.failed, 4);
        ASSERT_EQ(s.status.succeeded, 4);
        ASSERT_EQ(s.status.index_failures[1].counted, 2);
        ASSERT_EQ(s.status.index_failures[2].counted, 2);
        done = job_status_completed_indexes(&s.status);
        failed = job_status_failed_indexes(&s.status);
        ASSERT_STREQ(done, "0,3-5");
        ASSERT_STREQ(failed, "1,2");
        conds = conditions_text(&s.status);
        ASSERT_STREQ(conds, "FailureTarget=True FailedIndexes: Job has failed indexes; "
                     "Failed=True FailedIndexes: Job has failed indexes");
        sim_done(&s);
}

/* The annotation job-index-failure-count of a retried pod. */
static void check_failure_count_annotation(Sim *s, const JobActionList *l) {
        for (size_t i = 0; i < s->status.n_pods; i++) {
                const Pod *p = s->status.pods + i;
                if (p->index == 1 || p->index == 2)
                        ASSERT_EQ(p->index_failure_count, p->attempt >= 6 ? 1u : 0u);
                else
                        ASSERT_EQ(p->index_failure_count, 0u);
        }
}

TEST(scenario_21_index_failure_count_annotation) {
        Sim s = { .job = load_job(JOB("  completionMode: Indexed\n  completions: 6\n  parallelism: 6\n"
                                      "  backoffLimitPerIndex: 1\n", "Never", C("c", "exit 1"))),
                  .after_sync = check_failure_count_annotation };

        ASSERT_TRUE(sim_run(&s, indexes_1_2_fail, 3600 * USEC_PER_SEC) > 0);
        ASSERT_EQ(s.pods_created, 8);
        sim_done(&s);
}

TEST(scenario_22_max_failed_indexes) {
        Sim s = { .job = load_job(JOB("  completionMode: Indexed\n  completions: 10\n  parallelism: 2\n"
                                      "  backoffLimitPerIndex: 0\n  maxFailedIndexes: 1\n", "Never", C("c", "exit 1"))) };
        _cleanup_(freep) char *failed = NULL, *done = NULL, *conds = NULL;

        ASSERT_EQ(sim_run(&s, exit1_after1, 3600 * USEC_PER_SEC) - T0, USEC_PER_SEC);
        ASSERT_STREQ(terminal_reason(&s.status), "MaxFailedIndexesExceeded");
        ASSERT_EQ(s.pods_created, 2);
        ASSERT_EQ(s.status.failed, 2);
        ASSERT_EQ(s.status.succeeded, 0);
        failed = job_status_failed_indexes(&s.status);
        done = job_status_completed_indexes(&s.status);
        ASSERT_STREQ(failed, "0,1");
        ASSERT_STREQ(done, "");
        conds = conditions_text(&s.status);
        ASSERT_STREQ(conds, "FailureTarget=True MaxFailedIndexesExceeded: Job has exceeded the specified maximal number "
                     "of failed indexes; Failed=True MaxFailedIndexesExceeded: Job has exceeded the specified maximal "
                     "number of failed indexes");
        ASSERT_TRUE(strv_contains(s.event_lines, "W MaxFailedIndexesExceeded Job has exceeded the specified maximal "
                                  "number of failed indexes"));
        sim_done(&s);
}

static Outcome indexes_1_2_fail_others_sleep(int64_t index, uint64_t attempt, const char *c, unsigned n) {
        return index == 1 || index == 2 ? (Outcome) { USEC_PER_SEC, 1 } : (Outcome) { 300 * USEC_PER_SEC, 0 };
}

/* spec §3.7: the pods stopped because the Job reached FailureTarget count in failed, but their indexes
 * are not added to failedIndexes (Kubernetes removes every pod's tracking finalizer in the sync that sets
 * FailureTarget, and calculateFailedIndexes looks only at pods that still carry it). */
TEST(max_failed_indexes_stopped_pods_not_in_failed_indexes) {
        Sim s = { .job = load_job(JOB("  completionMode: Indexed\n  completions: 4\n  parallelism: 4\n"
                                      "  backoffLimitPerIndex: 0\n  maxFailedIndexes: 1\n", "Never", C("c", "exit 1"))) };
        _cleanup_(freep) char *failed = NULL, *done = NULL;

        ASSERT_EQ(sim_run(&s, indexes_1_2_fail_others_sleep, 3600 * USEC_PER_SEC) - T0, USEC_PER_SEC);
        ASSERT_STREQ(terminal_reason(&s.status), "MaxFailedIndexesExceeded");
        ASSERT_EQ(s.pods_created, 4);
        ASSERT_EQ(s.status.failed, 4);
        ASSERT_EQ(s.status.succeeded, 0);
        failed = job_status_failed_indexes(&s.status);
        done = job_status_completed_indexes(&s.status);
        ASSERT_STREQ(failed, "1,2");
        ASSERT_STREQ(done, "");
        sim_done(&s);
}

static Outcome index2_exits42(int64_t index, uint64_t attempt, const char *c, unsigned n) {
        return (Outcome) { USEC_PER_SEC, index == 2 ? 42 : 0 };
}

TEST(scenario_23_fail_index) {
        Sim s = { .job = load_job(JOB("  completionMode: Indexed\n  completions: 4\n  parallelism: 4\n"
                                      "  backoffLimitPerIndex: 3\n  podFailurePolicy:\n    rules:\n"
                                      "    - action: FailIndex\n      onExitCodes: {operator: In, values: [42]}\n",
                                      "Never", C("c", "exit 42"))) };
        _cleanup_(freep) char *failed = NULL, *done = NULL;

        ASSERT_EQ(sim_run(&s, index2_exits42, 3600 * USEC_PER_SEC) - T0, USEC_PER_SEC);
        ASSERT_STREQ(terminal_reason(&s.status), "FailedIndexes");
        ASSERT_EQ(s.pods_created, 4);
        ASSERT_EQ(s.status.failed, 1);
        ASSERT_EQ(s.status.succeeded, 3);
        failed = job_status_failed_indexes(&s.status);
        done = job_status_completed_indexes(&s.status);
        ASSERT_STREQ(failed, "2");
        ASSERT_STREQ(done, "0,1,3");
        sim_done(&s);
}

static Outcome index0_done_others_sleep(int64_t index, uint64_t attempt, const char *c, unsigned n) {
        return index == 0 ? (Outcome) { USEC_PER_SEC, 0 } : (Outcome) { 300 * USEC_PER_SEC, 0 };
}

TEST(scenario_24_success_policy_indexes) {
        Sim s = { .job = load_job(JOB("  completionMode: Indexed\n  completions: 5\n  parallelism: 5\n"
                                      "  successPolicy:\n    rules: [{succeededIndexes: \"0\"}]\n",
                                      "Never", C("c", "sleep 300"))) };
        _cleanup_(freep) char *done = NULL, *conds = NULL;

        ASSERT_EQ(sim_run(&s, index0_done_others_sleep, 3600 * USEC_PER_SEC) - T0, USEC_PER_SEC);
        ASSERT_STREQ(terminal_reason(&s.status), "SuccessPolicy");
        conds = conditions_text(&s.status);
        ASSERT_STREQ(conds, "SuccessCriteriaMet=True SuccessPolicy: Matched rules at index 0; "
                     "Complete=True SuccessPolicy: Matched rules at index 0");
        ASSERT_EQ(s.max_terminating, 4);
        ASSERT_EQ(job_status_terminating(&s.status), 0);
        ASSERT_EQ(count_events(&s, "SuccessfulDelete"), 4);
        ASSERT_EQ(s.status.succeeded, 1);
        ASSERT_EQ(s.status.failed, 0);
        done = job_status_completed_indexes(&s.status);
        ASSERT_STREQ(done, "0");
        ASSERT_EQ(s.pods_created, 5);
        ASSERT_EQ(s.status.completion_usec - T0, USEC_PER_SEC);
        ASSERT_TRUE(strv_contains(s.event_lines, "N Completed Job completed"));
        sim_done(&s);
}

static Outcome index01_done_others_sleep(int64_t index, uint64_t attempt, const char *c, unsigned n) {
        return index <= 1 ? (Outcome) { USEC_PER_SEC, 0 } : (Outcome) { 300 * USEC_PER_SEC, 0 };
}

TEST(scenario_25_success_policy_count) {
        Sim s = { .job = load_job(JOB("  completionMode: Indexed\n  completions: 5\n  parallelism: 5\n"
                                      "  successPolicy:\n    rules: [{succeededCount: 2}]\n",
                                      "Never", C("c", "sleep 300"))) };
        _cleanup_(freep) char *done = NULL;

        ASSERT_EQ(sim_run(&s, index01_done_others_sleep, 3600 * USEC_PER_SEC) - T0, USEC_PER_SEC);
        ASSERT_STREQ(terminal_reason(&s.status), "SuccessPolicy");
        ASSERT_STREQ(job_status_get_condition(&s.status, JOB_CONDITION_COMPLETE)->message, "Matched rules at index 0");
        ASSERT_EQ(s.max_terminating, 3);
        ASSERT_EQ(count_events(&s, "SuccessfulDelete"), 3);
        ASSERT_EQ(s.status.succeeded, 2);
        ASSERT_EQ(s.status.failed, 0);
        done = job_status_completed_indexes(&s.status);
        ASSERT_STREQ(done, "0,1");
        ASSERT_EQ(s.pods_created, 5);
        sim_done(&s);
}

/* Rules in order: the second matches first ("Matched rules at index 1"); indexes and count together. */
TEST(success_policy_second_rule) {
        Sim s = { .job = load_job(JOB("  completionMode: Indexed\n  completions: 5\n  parallelism: 5\n"
                                      "  successPolicy:\n    rules: [{succeededIndexes: \"2-4\"}, "
                                      "{succeededIndexes: \"0-2\", succeededCount: 2}]\n",
                                      "Never", C("c", "sleep 300"))) };

        ASSERT_EQ(sim_run(&s, index01_done_others_sleep, 3600 * USEC_PER_SEC) - T0, USEC_PER_SEC);
        ASSERT_STREQ(job_status_get_condition(&s.status, JOB_CONDITION_COMPLETE)->message, "Matched rules at index 1");
        sim_done(&s);
}

static void check_created_suspended(Sim *s, const JobActionList *l) {
        if (s->now < s->resume_at) {
                _cleanup_(freep) char *conds = conditions_text(&s->status);
                ASSERT_EQ(s->status.n_pods, 0u);
                ASSERT_EQ(s->status.start_usec, 0);
                ASSERT_STREQ(conds, "Suspended=True JobSuspended: Job suspended");
                ASSERT_EQ(s->status.conditions[0].transition_usec, T0);
        }
}

TEST(scenario_26_created_suspended) {
        Sim s = { .job = load_job(JOB("  suspend: true\n", "Never", C("c", "exit 0"))),
                  .resume_at = T0 + 30 * USEC_PER_SEC, .after_sync = check_created_suspended };
        _cleanup_(freep) char *conds = NULL;
        const char *want = "N Suspended Job suspended\nN Resumed Job resumed\nN SuccessfulCreate Created pod: t-0\n"
                "N Completed Job completed";
        _cleanup_(freep) char *events = NULL;

        ASSERT_EQ(sim_run(&s, exit0, 3600 * USEC_PER_SEC) - T0, 31 * USEC_PER_SEC);
        ASSERT_STREQ(terminal_reason(&s.status), "CompletionsReached");
        ASSERT_EQ(s.status.start_usec - T0, 30 * USEC_PER_SEC);
        ASSERT_EQ(s.pods_created, 1);
        conds = conditions_text(&s.status);
        ASSERT_STREQ(conds, "Suspended=False JobResumed: Job resumed; "
                     "SuccessCriteriaMet=True CompletionsReached: Reached expected number of succeeded pods; "
                     "Complete=True CompletionsReached: Reached expected number of succeeded pods");
        ASSERT_EQ(s.status.conditions[0].transition_usec - T0, 30 * USEC_PER_SEC);
        events = strv_join(s.event_lines, "\n");
        ASSERT_STREQ(events, want);
        sim_done(&s);
}

static void check_suspended_while_running(Sim *s, const JobActionList *l) {
        if (s->now >= T0 + 10 * USEC_PER_SEC && s->now < s->resume_at) {
                ASSERT_EQ(job_status_active(&s->status), 0);
                ASSERT_EQ(job_status_ready(&s->status), 0);
                ASSERT_EQ(s->status.start_usec, T0);
                ASSERT_EQ(s->status.failed, 0);
                /* the deadline is paused: no wake-up for it */
                ASSERT_EQ(l->wake_usec, 0);
        }
}

TEST(scenario_27_suspend_while_running) {
        Sim s = { .job = load_job(JOB("  completions: 2\n  parallelism: 2\n  activeDeadlineSeconds: 70\n", "Never",
                                      C("c", "sleep 60"))),
                  .suspend_at = T0 + 10 * USEC_PER_SEC, .resume_at = T0 + 20 * USEC_PER_SEC,
                  .after_sync = check_suspended_while_running };
        _cleanup_(freep) char *conds = NULL;
        const char *want = "N SuccessfulCreate Created pod: t-0\nN SuccessfulCreate Created pod: t-1\n"
                "N SuccessfulDelete Deleted pod: t-1\nN SuccessfulDelete Deleted pod: t-0\n"
                "N Suspended Job suspended\nN Resumed Job resumed\n"
                "N SuccessfulCreate Created pod: t-2\nN SuccessfulCreate Created pod: t-3\n"
                "N Completed Job completed";
        _cleanup_(freep) char *events = NULL;

        /* The deadline counts from the resume: 20 + 70 s, after the pods' 20 + 60 s. */
        ASSERT_EQ(sim_run(&s, sleep60, 3600 * USEC_PER_SEC) - T0, 80 * USEC_PER_SEC);
        ASSERT_STREQ(terminal_reason(&s.status), "CompletionsReached");
        ASSERT_EQ(s.status.succeeded, 2);
        ASSERT_EQ(s.status.failed, 0);
        ASSERT_EQ(s.pods_created, 4);
        ASSERT_EQ(s.max_terminating, 2);
        ASSERT_EQ(s.status.start_usec - T0, 20 * USEC_PER_SEC);
        ASSERT_EQ(s.pod_created_at[2] - T0, 20 * USEC_PER_SEC);
        conds = conditions_text(&s.status);
        ASSERT_STREQ(conds, "Suspended=False JobResumed: Job resumed; "
                     "SuccessCriteriaMet=True CompletionsReached: Reached expected number of succeeded pods; "
                     "Complete=True CompletionsReached: Reached expected number of succeeded pods");
        events = strv_join(s.event_lines, "\n");
        ASSERT_STREQ(events, want);
        sim_done(&s);
}

/* Without the resume, the deadline would have passed while suspended: a suspended Job never fails by it. */
TEST(scenario_27_no_deadline_while_suspended) {
        Sim s = { .job = load_job(JOB("  completions: 2\n  parallelism: 2\n  activeDeadlineSeconds: 70\n", "Never",
                                      C("c", "sleep 60"))),
                  .suspend_at = T0 + 10 * USEC_PER_SEC, .resume_at = T0 + 500 * USEC_PER_SEC };

        ASSERT_EQ(sim_run(&s, sleep60, 3600 * USEC_PER_SEC) - T0, 560 * USEC_PER_SEC);
        ASSERT_STREQ(terminal_reason(&s.status), "CompletionsReached");
        sim_done(&s);
}

static Outcome sleep30(int64_t index, uint64_t attempt, const char *c, unsigned n) {
        return (Outcome) { 30 * USEC_PER_SEC, 0 };
}

TEST(scenario_29_scale_down) {
        Sim s = { .job = load_job(JOB("  completions: 10\n  parallelism: 4\n", "Never", C("c", "sleep 30"))),
                  .scale_at = T0 + 5 * USEC_PER_SEC, .scale_to = 1 };

        ASSERT_EQ(sim_run(&s, sleep30, 3600 * USEC_PER_SEC) - T0, 300 * USEC_PER_SEC);
        ASSERT_STREQ(terminal_reason(&s.status), "CompletionsReached");
        ASSERT_EQ(s.status.succeeded, 10);
        ASSERT_EQ(s.status.failed, 0);
        ASSERT_EQ(s.pods_created, 13);
        ASSERT_EQ(count_events(&s, "SuccessfulDelete"), 3);
        /* the newest go first */
        ASSERT_TRUE(strv_contains(s.event_lines, "N SuccessfulDelete Deleted pod: t-3"));
        ASSERT_TRUE(strv_contains(s.event_lines, "N SuccessfulDelete Deleted pod: t-1"));
        ASSERT_FALSE(strv_contains(s.event_lines, "N SuccessfulDelete Deleted pod: t-0"));
        sim_done(&s);
}

/* spec §3.2: pending pods are deleted before running ones, whatever their age. */
TEST(scale_down_pending_first) {
        _cleanup_(job_freep) Job *j = load_job(JOB("  completions: 10\n  parallelism: 3\n", "Never", C("c", "sleep 30")));
        JobConfig cfg = { B, 60 * B };
        _cleanup_(job_status_done) JobStatus st = {};
        _cleanup_(job_action_list_done) JobActionList l = {}, l2 = {};

        ASSERT_OK(job_status_init(&st, &j->spec));
        ASSERT_OK(job_reconcile(j, &st, &cfg, T0, &l));
        ASSERT_EQ(st.n_pods, 3u);
        /* pods 0 and 2 run, pod 1 is still pending */
        ASSERT_OK(job_status_record_container_start(&st, 0, "c", T0 + 1));
        ASSERT_OK(job_status_record_container_start(&st, 2, "c", T0 + 1));
        j->spec.parallelism = 2;
        ASSERT_OK(job_reconcile(j, &st, &cfg, T0 + 2, &l2));
        ASSERT_EQ(job_status_find_pod(&st, 1)->deletion, POD_DELETION_UNCOUNTED);
        ASSERT_EQ(job_status_find_pod(&st, 2)->deletion, POD_DELETION_NONE);
        ASSERT_EQ(job_status_active(&st), 2);
}

/* spec §3.9: Failed replaces a deleted pod only once it is terminal; TerminatingOrFailed at once. */
static void replacement_policy(const char *policy, bool replaced_while_terminating) {
        _cleanup_(freep) char *yaml = strprintf(JOB("  completions: 10\n  parallelism: 2\n  podReplacementPolicy: %s\n",
                                                  "Never", C("c", "sleep 30")), policy);
        _cleanup_(job_freep) Job *j = load_job(yaml);
        JobConfig cfg = { B, 60 * B };
        _cleanup_(job_status_done) JobStatus st = {};
        _cleanup_(job_action_list_done) JobActionList a = {}, b = {}, c = {}, d = {};

        ASSERT_OK(job_status_init(&st, &j->spec));
        ASSERT_OK(job_reconcile(j, &st, &cfg, T0, &a));
        ASSERT_OK(job_status_record_container_start(&st, 0, "c", T0 + 1));
        ASSERT_OK(job_status_record_container_start(&st, 1, "c", T0 + 1));
        /* scale down: pod 1 terminating (still running), then up again */
        j->spec.parallelism = 1;
        ASSERT_OK(job_reconcile(j, &st, &cfg, T0 + 2, &b));
        ASSERT_EQ(job_status_terminating(&st), 1);
        ASSERT_EQ(job_status_active(&st), 1);
        j->spec.parallelism = 2;
        ASSERT_OK(job_reconcile(j, &st, &cfg, T0 + 3, &c));
        ASSERT_EQ(st.n_pods, replaced_while_terminating ? 3u : 2u);
        ASSERT_EQ(job_status_active(&st), replaced_while_terminating ? 2 : 1);
        /* the old pod ends: now it is replaced under either policy */
        ASSERT_OK(job_status_record_container_exit(&st, &j->spec, 1, "c", 143, NULL, T0 + 4));
        ASSERT_EQ(job_status_terminating(&st), 0);
        ASSERT_OK(job_reconcile(j, &st, &cfg, T0 + 4, &d));
        ASSERT_EQ(job_status_active(&st), 2);
        ASSERT_EQ(st.failed, 0);
}

TEST(pod_replacement_policy) {
        replacement_policy("Failed", false);
        replacement_policy("TerminatingOrFailed", true);
}

static void capture_wake(Sim *s, const JobActionList *l) {
        if (job_status_is_finished(&s->status))
                s->scale_to = (int32_t) ((l->wake_usec - T0) / USEC_PER_SEC);
}

TEST(ttl_seconds_after_finished) {
        Sim s = { .job = load_job(JOB("  ttlSecondsAfterFinished: 5\n", "Never", C("c", "exit 0"))),
                  .after_sync = capture_wake };
        Sim f = { .job = load_job(JOB("  ttlSecondsAfterFinished: 0\n  backoffLimit: 0\n", "Never", C("c", "exit 1"))) };
        Sim n = { .job = load_job(JOB("", "Never", C("c", "exit 0"))) };
        usec_t end;

        end = sim_run(&s, exit0, 3600 * USEC_PER_SEC);
        ASSERT_EQ(end - T0, USEC_PER_SEC);
        ASSERT_EQ(job_ttl_expiry_usec(s.job, &s.status), end + 5 * USEC_PER_SEC);
        ASSERT_EQ(s.scale_to, 6);       /* the daemon is woken at the expiry */
        /* A Failed Job: from Failed's lastTransitionTime; ttl 0: at once. */
        end = sim_run(&f, exit1_after1, 3600 * USEC_PER_SEC);
        ASSERT_EQ(job_ttl_expiry_usec(f.job, &f.status), end);
        ASSERT_EQ(job_status_get_condition(&f.status, JOB_CONDITION_FAILED)->transition_usec, end);
        /* No ttl: never. */
        ASSERT_TRUE(sim_run(&n, exit0, 3600 * USEC_PER_SEC) > 0);
        ASSERT_EQ(job_ttl_expiry_usec(n.job, &n.status), 0);
        sim_done(&s);
        sim_done(&f);
        sim_done(&n);
}

TEST(ttl_not_finished) {
        Sim s = { .job = load_job(JOB("  ttlSecondsAfterFinished: 5\n", "Never", C("c", "exit 0"))) };

        ASSERT_OK(job_status_init(&s.status, &s.job->spec));
        ASSERT_EQ(job_ttl_expiry_usec(s.job, &s.status), 0);
        sim_done(&s);
}

/* spec §3.11: an Indexed Job's completions lowered in tandem with parallelism: pods of the indexes at or
 * above it are deleted uncounted, and a completed index above it leaves completedIndexes and succeeded. */
static Outcome index3_fast(int64_t index, uint64_t attempt, const char *c, unsigned n) {
        return index == 3 ? (Outcome) { USEC_PER_SEC, 0 } : (Outcome) { 30 * USEC_PER_SEC, 0 };
}

TEST(elastic_indexed_scale_down) {
        Sim s = { .job = load_job(JOB("  completionMode: Indexed\n  completions: 4\n  parallelism: 4\n", "Never",
                                      C("c", "sleep 30"))) };
        _cleanup_(freep) char *done = NULL;

        ASSERT_EQ(sim_run(&s, index3_fast, 4 * USEC_PER_SEC), 0);      /* stops after 1 s: index 3 done */
        ASSERT_EQ(s.status.succeeded, 1);
        s.job->spec.completions = 2;
        s.job->spec.parallelism = 2;
        {
                _cleanup_(job_action_list_done) JobActionList l = {};
                ASSERT_OK(job_reconcile(s.job, &s.status, &s.cfg, T0 + 5 * USEC_PER_SEC, &l));
                sim_apply(&s, &l, index3_fast);
        }
        ASSERT_EQ(s.status.succeeded, 0);
        done = job_status_completed_indexes(&s.status);
        ASSERT_STREQ(done, "");
        ASSERT_EQ(job_status_active(&s.status), 2);
        ASSERT_EQ(count_events(&s, "SuccessfulDelete"), 1);            /* index 2; index 3 had ended */
        ASSERT_TRUE(strv_contains(s.event_lines, "N SuccessfulDelete Deleted pod: t-2-2"));
        sim_done(&s);
}

/* A finished Job whose TTL has passed asks for no wake-up (the daemon deletes it; a past wake-up would spin). */
TEST(ttl_expired_no_wake) {
        Sim s = { .job = load_job(JOB("  ttlSecondsAfterFinished: 5\n", "Never", C("c", "exit 0"))) };
        _cleanup_(job_action_list_done) JobActionList a = {}, b = {};
        usec_t end = sim_run(&s, exit0, 3600 * USEC_PER_SEC);

        ASSERT_OK(job_reconcile(s.job, &s.status, &s.cfg, end + 2 * USEC_PER_SEC, &a));
        ASSERT_EQ(a.wake_usec, end + 5 * USEC_PER_SEC);
        ASSERT_OK(job_reconcile(s.job, &s.status, &s.cfg, end + 5 * USEC_PER_SEC, &b));
        ASSERT_EQ(b.wake_usec, 0);
        ASSERT_EQ(job_ttl_expiry_usec(s.job, &s.status), end + 5 * USEC_PER_SEC);
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

/* spec §3.14: jobsd killed after saving a pod's count but before removing its units. The record it loads
 * has the pod counted and still present: the next sync removes it, and counts nothing twice. */
static bool has_remove(const JobActionList *l, uint64_t attempt) {
        for (size_t i = 0; i < l->n; i++)
                if (l->items[i].type == JOB_ACTION_REMOVE_POD && l->items[i].attempt == attempt)
                        return true;
        return false;
}

TEST(counted_pod_left_by_a_crash_is_removed_once) {
        _cleanup_(job_freep) Job *j = load_job(JOB("  completions: 2\n  parallelism: 2\n", "Never", C("c", "exit 0")));
        JobConfig cfg = { B, 60 * B };
        _cleanup_(job_status_done) JobStatus st = {};
        _cleanup_(job_action_list_done) JobActionList a = {}, b = {}, c = {}, d = {};

        ASSERT_OK(job_status_init(&st, &j->spec));
        ASSERT_OK(job_reconcile(j, &st, &cfg, T0, &a));
        ASSERT_EQ(st.n_pods, 2u);
        ASSERT_OK(job_status_record_container_start(&st, 0, "c", T0 + 1));
        ASSERT_OK(job_status_record_container_exit(&st, &j->spec, 0, "c", 0, NULL, T0 + 2));
        ASSERT_OK(job_reconcile(j, &st, &cfg, T0 + 2, &b));
        ASSERT_TRUE(has_remove(&b, 0));
        ASSERT_EQ(st.succeeded, 1);
        /* The crash: REMOVE_POD not carried out. After the restart, the same record: */
        ASSERT_OK(job_reconcile(j, &st, &cfg, T0 + 3, &c));
        ASSERT_TRUE(has_remove(&c, 0));
        ASSERT_EQ(st.succeeded, 1);
        ASSERT_EQ(job_status_active(&st), 1);
        /* The other pod ends; the Job completes with the crash's leftover still present: removed again. */
        ASSERT_OK(job_status_record_container_start(&st, 1, "c", T0 + 4));
        ASSERT_OK(job_status_record_container_exit(&st, &j->spec, 1, "c", 0, NULL, T0 + 5));
        ASSERT_OK(job_reconcile(j, &st, &cfg, T0 + 5, &d));
        ASSERT_TRUE(job_status_is_finished(&st));
        ASSERT_TRUE(has_remove(&d, 0) && has_remove(&d, 1));
        ASSERT_EQ(st.succeeded, 2);
        ASSERT_EQ(st.failed, 0);
}

/* Image pulls (docs/containers.md): a podman Job's container waits for its pull; failed pulls are retried
 * with the kubelet's back-off, never counted; the Job's deadline still ends it. */
#define PODMAN_JOB(extra_spec, image_line)                                                              \
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: t, annotations: {jobsd.io/runtime: podman}}\n" \
        "spec:\n" extra_spec "  template:\n    spec:\n      restartPolicy: Never\n      containers:\n"   \
        "      - {name: c, " image_line "}\n"

static size_t count_actions(const JobActionList *l, JobActionType t) {
        size_t n = 0;
        for (size_t i = 0; i < l->n; i++)
                n += l->items[i].type == t;
        return n;
}

static bool has_event(const JobActionList *l, const char *reason) {
        for (size_t i = 0; i < l->n; i++)
                if (l->items[i].type == JOB_ACTION_EVENT && streq(l->items[i].reason, reason))
                        return true;
        return false;
}

/* What the daemon does when a pull fails (manager.c, pull_failed()). */
static void pull_fails(ContainerStatus *c, usec_t now) {
        free(c->reason);
        c->reason = strdup("ErrImagePull");
        c->pull = IMAGE_PULL_BACKOFF;
        c->pull_failures++;
        c->pull_failed_usec = now;
}

TEST(image_pull_policy_decides_the_pull) {
        _cleanup_(job_freep) Job *a = load_job(PODMAN_JOB("", "image: localhost/x:1"));
        _cleanup_(job_freep) Job *b = load_job(PODMAN_JOB("", "image: localhost/x"));
        _cleanup_(job_freep) Job *n = load_job(PODMAN_JOB("", "image: localhost/x, imagePullPolicy: Never"));
        _cleanup_(job_freep) Job *h = load_job(JOB("", "Never", C("c", "exit 0")));
        JobConfig cfg = { B, 60 * B };

        ASSERT_EQ(a->spec.template.spec.containers[0].image_pull_policy, PULL_POLICY_IF_NOT_PRESENT);
        ASSERT_EQ(b->spec.template.spec.containers[0].image_pull_policy, PULL_POLICY_ALWAYS);
        ASSERT_TRUE(container_needs_pull(a, &cfg, "c"));
        ASSERT_TRUE(container_needs_pull(b, &cfg, "c"));
        ASSERT_TRUE(container_needs_pull(n, &cfg, "c"));        /* Never: the image is looked for */
        ASSERT_FALSE(container_needs_pull(h, &cfg, "c"));
        cfg.default_runtime = CONTAINER_RUNTIME_PODMAN;
        ASSERT_TRUE(container_needs_pull(h, &cfg, "c"));
}

TEST(image_pull_waits_backs_off_and_is_not_counted) {
        _cleanup_(job_freep) Job *j = load_job(PODMAN_JOB("  backoffLimit: 0\n", "image: localhost/missing:1"));
        JobConfig cfg = { B, 60 * B };
        _cleanup_(job_status_done) JobStatus st = {};
        ContainerStatus *c;
        usec_t t = T0;

        ASSERT_OK(job_status_init(&st, &j->spec));
        {
                _cleanup_(job_action_list_done) JobActionList l = {};
                ASSERT_OK(job_reconcile(j, &st, &cfg, t, &l));
                ASSERT_EQ(st.n_pods, 1u);
                ASSERT_EQ(count_actions(&l, JOB_ACTION_PULL_IMAGE), 1u);
                ASSERT_EQ(count_actions(&l, JOB_ACTION_START_CONTAINER), 0u);
        }
        c = st.pods[0].containers;
        ASSERT_EQ(c->pull, IMAGE_PULL_PULLING);
        ASSERT_EQ(c->state, CONTAINER_WAITING);
        {
                /* Nothing new while it pulls. */
                _cleanup_(job_action_list_done) JobActionList l = {};
                ASSERT_OK(job_reconcile(j, &st, &cfg, t + 1, &l));
                ASSERT_EQ(count_actions(&l, JOB_ACTION_PULL_IMAGE), 0u);
        }
        /* Failures: B, 2B, 4B … up to 30B between tries; the pod stays Pending, nothing counted. */
        for (uint32_t n = 1; n <= 7; n++) {
                usec_t delay = backoff_delay_usec(B, 30 * B, n);
                pull_fails(c, t);
                {
                        _cleanup_(job_action_list_done) JobActionList l = {};
                        ASSERT_OK(job_reconcile(j, &st, &cfg, t, &l));
                        ASSERT_EQ(count_actions(&l, JOB_ACTION_PULL_IMAGE), 0u);
                        ASSERT_EQ(l.wake_usec, t + delay);
                        ASSERT_EQ(has_event(&l, "BackOff"), n >= 2);
                        ASSERT_STREQ(c->reason, n >= 2 ? "ImagePullBackOff" : "ErrImagePull");
                        ASSERT_STREQ(pod_waiting_reason(st.pods), c->reason);
                }
                {
                        _cleanup_(job_action_list_done) JobActionList l = {};
                        ASSERT_OK(job_reconcile(j, &st, &cfg, t + delay - 1, &l));
                        ASSERT_EQ(count_actions(&l, JOB_ACTION_PULL_IMAGE), 0u);
                        ASSERT_FALSE(has_event(&l, "BackOff"));
                }
                t += delay;
                {
                        _cleanup_(job_action_list_done) JobActionList l = {};
                        ASSERT_OK(job_reconcile(j, &st, &cfg, t, &l));
                        ASSERT_EQ(count_actions(&l, JOB_ACTION_PULL_IMAGE), 1u);
                }
                ASSERT_EQ(st.pods[0].phase, POD_PENDING);
                ASSERT_EQ(st.failed, 0);
                ASSERT_EQ(job_status_active(&st), 1);
                ASSERT_FALSE(job_status_is_finished(&st));
        }
        ASSERT_EQ(backoff_delay_usec(B, 30 * B, 7), 30 * B);
        /* The pull succeeds: the container starts. */
        c->pull = IMAGE_PULL_DONE;
        c->reason = mfree(c->reason);
        {
                _cleanup_(job_action_list_done) JobActionList l = {};
                ASSERT_OK(job_reconcile(j, &st, &cfg, t + 1, &l));
                ASSERT_EQ(count_actions(&l, JOB_ACTION_START_CONTAINER), 1u);
                ASSERT_NULL(pod_waiting_reason(st.pods));
        }
}

/* What the daemon does when the check of a Never container finds no image (image-pull.c, never_pull()). */
static void never_pull_finds_none(ContainerStatus *c, usec_t now) {
        free(c->reason);
        c->reason = strdup("ErrImageNeverPull");
        c->pull = IMAGE_PULL_BACKOFF;
        c->pull_failures++;
        c->pull_failed_usec = now;
}

TEST(image_never_pull_waits_without_back_off) {
        _cleanup_(job_freep) Job *j = load_job(PODMAN_JOB("  activeDeadlineSeconds: 600\n  backoffLimit: 0\n",
                                                          "image: localhost/missing:1, imagePullPolicy: Never"));
        JobConfig cfg = { B, 60 * B };
        _cleanup_(job_status_done) JobStatus st = {};
        ContainerStatus *c;
        usec_t t = T0;

        ASSERT_OK(job_status_init(&st, &j->spec));
        {
                /* The image is looked for (the check), not run at once. */
                _cleanup_(job_action_list_done) JobActionList l = {};
                ASSERT_OK(job_reconcile(j, &st, &cfg, t, &l));
                ASSERT_EQ(count_actions(&l, JOB_ACTION_PULL_IMAGE), 1u);
                ASSERT_EQ(count_actions(&l, JOB_ACTION_START_CONTAINER), 0u);
        }
        c = st.pods[0].containers;
        /* Not there: looked for again every B, no back-off, the reason stays ErrImageNeverPull; the pod
         * stays Pending and is not counted, even with backoffLimit 0. */
        for (unsigned n = 1; n <= 8; n++) {
                t += 100;
                never_pull_finds_none(c, t);
                {
                        _cleanup_(job_action_list_done) JobActionList l = {};
                        ASSERT_OK(job_reconcile(j, &st, &cfg, t, &l));
                        ASSERT_EQ(count_actions(&l, JOB_ACTION_PULL_IMAGE), 0u);
                        ASSERT_EQ(l.wake_usec, t + B);
                        ASSERT_FALSE(has_event(&l, "BackOff"));
                        ASSERT_STREQ(c->reason, "ErrImageNeverPull");
                        ASSERT_STREQ(pod_waiting_reason(st.pods), "ErrImageNeverPull");
                }
                t += B;
                {
                        _cleanup_(job_action_list_done) JobActionList l = {};
                        ASSERT_OK(job_reconcile(j, &st, &cfg, t, &l));
                        ASSERT_EQ(count_actions(&l, JOB_ACTION_PULL_IMAGE), 1u);
                        ASSERT_EQ(count_actions(&l, JOB_ACTION_START_CONTAINER), 0u);
                }
                ASSERT_EQ(st.pods[0].phase, POD_PENDING);
                ASSERT_EQ(st.failed, 0);
                ASSERT_EQ(job_status_active(&st), 1);
                ASSERT_FALSE(job_status_is_finished(&st));
        }
        /* Still missing at the deadline: DeadlineExceeded, the waiting pod counted failed once. */
        never_pull_finds_none(c, t);
        for (unsigned i = 0; i < 3; i++) {
                _cleanup_(job_action_list_done) JobActionList l = {};
                ASSERT_OK(job_reconcile(j, &st, &cfg, T0 + 600 * USEC_PER_SEC, &l));
                for (size_t k = 0; k < l.n; k++)
                        if (l.items[k].type == JOB_ACTION_REMOVE_POD)
                                job_status_remove_pod(&st, l.items[k].attempt);
        }
        ASSERT_TRUE(job_status_is_finished(&st));
        ASSERT_STREQ(terminal_reason(&st), "DeadlineExceeded");
        ASSERT_EQ(st.failed, 1);
        ASSERT_EQ(st.succeeded, 0);
}

TEST(image_never_pull_starts_once_the_image_is_there) {
        _cleanup_(job_freep) Job *j = load_job(PODMAN_JOB("", "image: localhost/later:1, imagePullPolicy: Never"));
        JobConfig cfg = { B, 60 * B };
        _cleanup_(job_status_done) JobStatus st = {};
        ContainerStatus *c;

        ASSERT_OK(job_status_init(&st, &j->spec));
        {
                _cleanup_(job_action_list_done) JobActionList l = {};
                ASSERT_OK(job_reconcile(j, &st, &cfg, T0, &l));
        }
        c = st.pods[0].containers;
        never_pull_finds_none(c, T0 + 1);
        {
                _cleanup_(job_action_list_done) JobActionList l = {};
                ASSERT_OK(job_reconcile(j, &st, &cfg, T0 + 1 + B, &l));
                ASSERT_EQ(count_actions(&l, JOB_ACTION_PULL_IMAGE), 1u);
        }
        /* The next check finds it (podman load, a build): the container starts. */
        c->pull = IMAGE_PULL_DONE;
        c->reason = mfree(c->reason);
        {
                _cleanup_(job_action_list_done) JobActionList l = {};
                ASSERT_OK(job_reconcile(j, &st, &cfg, T0 + 2 + B, &l));
                ASSERT_EQ(count_actions(&l, JOB_ACTION_START_CONTAINER), 1u);
                ASSERT_NULL(pod_waiting_reason(st.pods));
        }
}

TEST(image_pull_deadline_still_applies) {
        _cleanup_(job_freep) Job *j = load_job(PODMAN_JOB("  activeDeadlineSeconds: 4\n  backoffLimit: 6\n",
                                                          "image: localhost/missing:1"));
        JobConfig cfg = { USEC_PER_SEC, 60 * USEC_PER_SEC };
        _cleanup_(job_status_done) JobStatus st = {};
        usec_t t = T0;

        ASSERT_OK(job_status_init(&st, &j->spec));
        for (unsigned i = 0; i < 20 && !job_status_is_finished(&st); i++) {
                _cleanup_(job_action_list_done) JobActionList l = {};
                ASSERT_OK(job_reconcile(j, &st, &cfg, t, &l));
                if (count_actions(&l, JOB_ACTION_PULL_IMAGE) > 0) {
                        ASSERT_TRUE(t < T0 + 4 * USEC_PER_SEC);
                        t += 300 * USEC_PER_MSEC;      /* the pull fails after 0.3 s */
                        pull_fails(st.pods[0].containers, t);
                        ASSERT_EQ(st.failed, 0);
                        continue;
                }
                for (size_t k = 0; k < l.n; k++)
                        if (l.items[k].type == JOB_ACTION_REMOVE_POD)
                                job_status_remove_pod(&st, l.items[k].attempt);
                ASSERT_TRUE(l.wake_usec > 0 || job_status_is_finished(&st) || st.n_pods == 0);
                if (l.wake_usec > t)
                        t = l.wake_usec;
        }
        ASSERT_TRUE(job_status_is_finished(&st));
        ASSERT_STREQ(terminal_reason(&st), "DeadlineExceeded");
        /* The pod that waited for its image is counted failed, as an active pod is at the deadline. */
        ASSERT_EQ(st.failed, 1);
        ASSERT_EQ(st.succeeded, 0);
        ASSERT_EQ(job_status_get_condition(&st, JOB_CONDITION_FAILED)->transition_usec, T0 + 4 * USEC_PER_SEC);
}

TAP_MAIN()
