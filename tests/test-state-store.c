/* SPDX-License-Identifier: Apache-2.0 */
#include <sys/stat.h>

#include "job-reconcile.h"
#include "jobsd/manifest.h"
#include "jobsd/strv.h"
#include "state-store.h"
#include "tap.h"

static Job *load_job(const char *yaml) {
        _cleanup_(manifest_list_done) ManifestList list = {};
        _cleanup_(diag_list_done) DiagList diags = {};
        Job *j;

        assert_se(manifest_parse_buffer("test.yaml", yaml, strlen(yaml), &list, &diags) >= 0);
        assert_se(list.n == 1);
        j = TAKE_PTR(list.items[0].job);
        return j;
}

static const char *yaml =
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: rt}\nspec:\n"
        "  completionMode: Indexed\n  completions: 4\n  parallelism: 2\n"
        "  template:\n    spec:\n      restartPolicy: OnFailure\n"
        "      initContainers: [{name: init, image: x, command: [\"true\"]}]\n"
        "      containers:\n      - {name: a, image: x, command: [\"true\"]}\n      - {name: b, image: x, command: [\"true\"]}\n";

/* Formats, parses and formats again: the two texts are equal. */
static void round_trip(const Job *j, const JobRecord *rec) {
        _cleanup_(freep) char *a = NULL, *b = NULL, *err = NULL;
        _cleanup_(job_record_done) JobRecord back = {};

        ASSERT_OK(job_record_format(rec, &a));
        ASSERT_OK(job_record_parse(a, &j->spec, &back, &err));
        if (err)
                tap_diag("parse: %s", err);
        ASSERT_OK(job_record_format(&back, &b));
        ASSERT_STREQ(a, b);
}

TEST(round_trip_through_a_run) {
        _cleanup_(job_freep) Job *j = load_job(yaml);
        JobRecord rec = { .uid = strdup("1b4e28ba-2fa1-11d2-883f-0016d3cca427"), .manifest_hash = strdup("abc def%") };
        JobConfig cfg = { 10 * USEC_PER_SEC, 600 * USEC_PER_SEC };
        usec_t now = 1000 * USEC_PER_SEC;

        ASSERT_OK(job_status_init(&rec.status, &j->spec));
        for (int step = 0; step < 40 && !job_status_is_finished(&rec.status); step++) {
                _cleanup_(job_action_list_done) JobActionList l = {};

                ASSERT_OK(job_reconcile(j, &rec.status, &cfg, now, &l));
                round_trip(j, &rec);
                for (size_t i = 0; i < l.n; i++) {
                        if (l.items[i].type == JOB_ACTION_START_CONTAINER) {
                                ASSERT_OK(job_status_record_container_start(&rec.status, l.items[i].attempt, l.items[i].container, now));
                                /* container a of index 1 fails once */
                                ASSERT_OK(job_status_record_container_exit(&rec.status, &j->spec, l.items[i].attempt,
                                                                           l.items[i].container,
                                                                           l.items[i].index == 1 && streq(l.items[i].container, "a") &&
                                                                           step < 5 ? 1 : 0, NULL, now + USEC_PER_SEC));
                        } else if (l.items[i].type == JOB_ACTION_REMOVE_POD)
                                job_status_remove_pod(&rec.status, l.items[i].attempt);
                }
                round_trip(j, &rec);
                now += l.wake_usec > now ? l.wake_usec - now : USEC_PER_SEC;
        }
        ASSERT_TRUE(job_status_is_finished(&rec.status));
        ASSERT_EQ(rec.status.succeeded, 4);
        job_record_done(&rec);
}

TEST(truncated_and_corrupt_files_are_refused) {
        _cleanup_(job_freep) Job *j = load_job(yaml);
        JobRecord rec = { .uid = strdup("u"), .manifest_hash = strdup("h") };
        _cleanup_(freep) char *text = NULL;
        Pod *p;

        ASSERT_OK(job_status_init(&rec.status, &j->spec));
        ASSERT_OK(job_status_add_pod(&rec.status, &j->spec, 2, 5, &p));
        ASSERT_OK(job_status_set_condition(&rec.status, JOB_CONDITION_SUSPENDED, true, "JobSuspended", "Job suspended", 7));
        ASSERT_OK(job_record_format(&rec, &text));

        /* Every strict prefix is refused, never half-loaded. */
        for (size_t n = 0; n < strlen(text); n++) {
                _cleanup_(freep) char *prefix = strndup(text, n), *err = NULL;
                _cleanup_(job_record_done) JobRecord back = {};
                int r = job_record_parse(prefix, &j->spec, &back, &err);
                if (r != -EBADMSG)
                        tap_fail(__FILE__, __LINE__, "prefix of %zu bytes: expected -EBADMSG, got %d", n, r);
        }
        /* Flipping any byte to a letter never crashes; most are refused. */
        for (size_t n = 0; n < strlen(text); n++) {
                _cleanup_(freep) char *c = strdup(text), *err = NULL;
                _cleanup_(job_record_done) JobRecord back = {};
                if (c[n] == '\n')
                        continue;
                c[n] = 'Z';
                (void) job_record_parse(c, &j->spec, &back, &err);
        }
        job_record_done(&rec);
}

/* A run with per-index limits and a podFailurePolicy, saved and reloaded at every step. */
TEST(round_trip_through_a_per_index_run) {
        _cleanup_(job_freep) Job *j = load_job(
                "apiVersion: batch/v1\nkind: Job\nmetadata: {name: pi}\nspec:\n"
                "  completionMode: Indexed\n  completions: 4\n  parallelism: 4\n  backoffLimitPerIndex: 1\n"
                "  podFailurePolicy:\n    rules:\n"
                "    - {action: FailIndex, onExitCodes: {operator: In, values: [42]}}\n"
                "    - {action: Ignore, onExitCodes: {operator: In, values: [3]}}\n"
                "  template:\n    spec:\n      restartPolicy: Never\n"
                "      containers: [{name: a, image: x, command: [\"true\"]}]\n");
        JobRecord rec = { .uid = strdup("u3"), .manifest_hash = strdup("h3") };
        JobConfig cfg = { 10 * USEC_PER_SEC, 600 * USEC_PER_SEC };
        usec_t now = 1000 * USEC_PER_SEC;
        _cleanup_(freep) char *failed = NULL, *done = NULL;
        unsigned runs[4] = {};

        ASSERT_OK(job_status_init(&rec.status, &j->spec));
        for (int step = 0; step < 40 && !job_status_is_finished(&rec.status); step++) {
                _cleanup_(job_action_list_done) JobActionList l = {};

                ASSERT_OK(job_reconcile(j, &rec.status, &cfg, now, &l));
                round_trip(j, &rec);
                for (size_t i = 0; i < l.n; i++) {
                        int64_t x = l.items[i].index;
                        if (l.items[i].type == JOB_ACTION_START_CONTAINER) {
                                /* index 0 fails twice (1), index 1 exits 42, index 2 exits 3 once, index 3 succeeds;
                                 * the second pod of index 2 is disrupted */
                                int code = x == 0 ? 1 : x == 1 ? 42 : x == 2 && runs[2] == 0 ? 3 : x == 2 ? 137 : 0;
                                ASSERT_OK(job_status_record_container_start(&rec.status, l.items[i].attempt, "a", now));
                                if (x == 2 && runs[2] == 1)
                                        ASSERT_OK(job_status_record_pod_disruption(&rec.status, l.items[i].attempt, NULL, now));
                                round_trip(j, &rec);
                                runs[x]++;
                                ASSERT_OK(job_status_record_container_exit(&rec.status, &j->spec, l.items[i].attempt, "a",
                                                                           code, NULL, now + USEC_PER_SEC));
                        } else if (l.items[i].type == JOB_ACTION_REMOVE_POD)
                                job_status_remove_pod(&rec.status, l.items[i].attempt);
                }
                round_trip(j, &rec);
                now += l.wake_usec > now ? l.wake_usec - now : USEC_PER_SEC;
        }
        ASSERT_TRUE(job_status_is_finished(&rec.status));
        ASSERT_STREQ(job_status_get_condition(&rec.status, JOB_CONDITION_FAILED)->reason, "FailedIndexes");
        failed = job_status_failed_indexes(&rec.status);
        done = job_status_completed_indexes(&rec.status);
        ASSERT_STREQ(failed, "0-2");
        ASSERT_STREQ(done, "3");
        ASSERT_EQ(runs[0], 2u);
        ASSERT_EQ(runs[1], 1u);
        ASSERT_EQ(runs[2], 3u);
        /* 0: 2 counted; 1: 1 (FailIndex); 2: ignored, then 137 counted twice */
        ASSERT_EQ(rec.status.failed, 5);
        job_record_done(&rec);
}

/* The fields added after version 1 first shipped: failed indexes, per-index failures, a pod's
 * DisruptionTarget, its index failure counts and the podFailurePolicy rule that decided it. */
TEST(round_trip_new_fields) {
        _cleanup_(job_freep) Job *j = load_job(yaml);
        _cleanup_(job_record_done) JobRecord rec = { .uid = strdup("u2"), .manifest_hash = strdup("h2") };
        _cleanup_(job_record_done) JobRecord back = {};
        _cleanup_(freep) char *text = NULL, *err = NULL, *failed = NULL;
        Pod *p, *q;

        ASSERT_OK(job_status_init(&rec.status, &j->spec));
        rec.status.failed_indexes[1] = rec.status.failed_indexes[2] = true;
        rec.status.completed_indexes[3] = true;
        rec.status.succeeded = 1;
        rec.status.index_failures[1] = (IndexFailures) { .counted = 2, .ignored = 1, .last_usec = 77 };
        rec.status.index_failures[2] = (IndexFailures) { .counted = 1, .last_usec = 78 };
        ASSERT_OK(job_status_add_pod(&rec.status, &j->spec, 1, 5, &p));
        ASSERT_EQ(p->index_failure_count, 2u);
        ASSERT_EQ(p->index_ignored_failure_count, 1u);
        ASSERT_EQ(p->failure_rule, UNSET);
        ASSERT_OK(job_status_record_pod_disruption(&rec.status, p->attempt, "DeletionByPodGC", 9));
        p->failure_rule = 3;
        p->failure_action = POD_FAILURE_ACTION_IGNORE;
        ASSERT_OK(job_status_add_pod(&rec.status, &j->spec, 0, 6, &q));
        round_trip(j, &rec);

        ASSERT_OK(job_record_format(&rec, &text));
        ASSERT_OK(job_record_parse(text, &j->spec, &back, &err));
        failed = job_status_failed_indexes(&back.status);
        ASSERT_STREQ(failed, "1,2");
        ASSERT_EQ(back.status.index_failures[1].counted, 2u);
        ASSERT_EQ(back.status.index_failures[1].ignored, 1u);
        ASSERT_EQ(back.status.index_failures[1].last_usec, 77u);
        ASSERT_EQ(back.status.index_failures[2].counted, 1u);
        ASSERT_EQ(back.status.index_failures[0].counted, 0u);
        p = job_status_find_pod(&back.status, 0);
        q = job_status_find_pod(&back.status, 1);
        ASSERT_TRUE(p->disruption);
        ASSERT_STREQ(p->disruption_reason, "DeletionByPodGC");
        ASSERT_EQ(p->phase, POD_FAILED);        /* nothing of it ran: Failed at once */
        ASSERT_EQ(p->index_failure_count, 2u);
        ASSERT_EQ(p->index_ignored_failure_count, 1u);
        ASSERT_EQ(p->failure_rule, 3);
        ASSERT_EQ(p->failure_action, POD_FAILURE_ACTION_IGNORE);
        ASSERT_FALSE(q->disruption);
        ASSERT_NULL(q->disruption_reason);
        ASSERT_EQ(q->index_failure_count, 0u);
        ASSERT_EQ(q->failure_rule, UNSET);
        ASSERT_EQ(q->failure_action, POD_FAILURE_ACTION_COUNT);
}

/* A record written before those fields existed loads with their defaults. */
TEST(old_record_loads_with_defaults) {
        _cleanup_(job_freep) Job *j = load_job(yaml);
        _cleanup_(job_record_done) JobRecord back = {};
        _cleanup_(freep) char *err = NULL, *failed = NULL;
        const char *old =
                "jobsd-state 1\nuid u\nmanifest-hash h\ncreated 1\nstart 2\ncompletion 0\nsucceeded 1\nfailed 1\n"
                "completed-indexes 2\nnext-attempt 2\nbackoff 1 50\n"
                "pod 1 1 Running 0 0 0 10 11 0 -\n"
                "container 1 a 0 running 0 11 0 0 0 -\n"
                "end\n";
        Pod *p;

        ASSERT_OK(job_record_parse(old, &j->spec, &back, &err));
        if (err)
                tap_diag("parse: %s", err);
        failed = job_status_failed_indexes(&back.status);
        ASSERT_STREQ(failed, "");
        ASSERT_EQ(back.status.index_failures[1].counted, 0u);
        p = job_status_find_pod(&back.status, 1);
        ASSERT_NOT_NULL(p);
        ASSERT_FALSE(p->disruption);
        ASSERT_NULL(p->disruption_reason);
        ASSERT_EQ(p->failure_rule, UNSET);
        ASSERT_EQ(p->failure_action, POD_FAILURE_ACTION_COUNT);
        ASSERT_EQ(p->index_failure_count, 0u);
        /* No container-pull line: the pull was never looked at. */
        ASSERT_EQ(pod_find_container(p, "a")->pull, IMAGE_PULL_NONE);
        ASSERT_EQ(pod_find_container(p, "a")->pull_failures, 0u);
}

/* A container's image pull (docs/containers.md) survives a restart. */
TEST(round_trip_image_pull) {
        _cleanup_(job_freep) Job *j = load_job(yaml);
        _cleanup_(job_record_done) JobRecord rec = { .uid = strdup("u3"), .manifest_hash = strdup("h3") };
        _cleanup_(job_record_done) JobRecord back = {};
        _cleanup_(freep) char *text = NULL, *err = NULL;
        ContainerStatus *c;
        Pod *p;

        ASSERT_OK(job_status_init(&rec.status, &j->spec));
        ASSERT_OK(job_status_add_pod(&rec.status, &j->spec, 0, 5, &p));
        c = pod_find_container(p, "b");
        c->pull = IMAGE_PULL_BACKOFF;
        c->pull_failures = 3;
        c->pull_failed_usec = 123;
        c->reason = strdup("ImagePullBackOff");
        pod_find_container(p, "init")->pull = IMAGE_PULL_DONE;
        round_trip(j, &rec);
        ASSERT_OK(job_record_format(&rec, &text));
        ASSERT_TRUE(strstr(text, "container-pull 0 b backoff 3 123\n") != NULL);
        ASSERT_OK(job_record_parse(text, &j->spec, &back, &err));
        p = job_status_find_pod(&back.status, 0);
        c = pod_find_container(p, "b");
        ASSERT_EQ(c->pull, IMAGE_PULL_BACKOFF);
        ASSERT_EQ(c->pull_failures, 3u);
        ASSERT_EQ(c->pull_failed_usec, 123u);
        ASSERT_STREQ(pod_waiting_reason(p), "ImagePullBackOff");
        ASSERT_EQ(pod_find_container(p, "init")->pull, IMAGE_PULL_DONE);
        ASSERT_EQ(pod_find_container(p, "a")->pull, IMAGE_PULL_NONE);
}

TEST(completed_and_failed_index_refused) {
        _cleanup_(job_freep) Job *j = load_job(yaml);
        _cleanup_(job_record_done) JobRecord back = {};
        _cleanup_(freep) char *err = NULL;
        const char *bad =
                "jobsd-state 1\nuid u\nmanifest-hash h\ncreated 1\nstart 2\ncompletion 0\nsucceeded 1\nfailed 1\n"
                "completed-indexes 2\nfailed-indexes 1,2\nnext-attempt 2\nbackoff 1 50\nend\n";

        ASSERT_ERROR(job_record_parse(bad, &j->spec, &back, &err), EBADMSG);
}

/* spec §3.11: an Indexed Job's completions lowered (with parallelism) while jobsd was stopped. The record
 * written for completions 4 loads for completions 2: indexes 2 and 3 leave completedIndexes, succeeded
 * and the per-index counts; anything else past the end is still refused. */
TEST(lowered_completions_drop_indexes_past_the_end) {
        _cleanup_(job_freep) Job *j = load_job(
                "apiVersion: batch/v1\nkind: Job\nmetadata: {name: pi}\nspec:\n"
                "  completionMode: Indexed\n  completions: 2\n  parallelism: 2\n  backoffLimitPerIndex: 1\n"
                "  template:\n    spec:\n      restartPolicy: Never\n"
                "      containers: [{name: a, image: x, command: [\"true\"]}]\n");
        _cleanup_(job_record_done) JobRecord back = {};
        _cleanup_(freep) char *err = NULL, *completed = NULL;
        const char *text =
                "jobsd-state 1\nuid u\nmanifest-hash h\ncreated 1\nstart 2\ncompletion 0\nsucceeded 3\nfailed 1\n"
                "completed-indexes 0,2,3\nfailed-indexes -\nindex-failures 3 1 0 5\nnext-attempt 5\nbackoff 1 50\nend\n";

        ASSERT_OK(job_record_parse(text, &j->spec, &back, &err));
        ASSERT_NULL(err);
        completed = job_status_completed_indexes(&back.status);
        ASSERT_STREQ(completed, "0");
        ASSERT_EQ(back.status.succeeded, 1);
        ASSERT_EQ(back.status.failed, 1);
}

TEST(save_and_load) {
        _cleanup_(job_freep) Job *j = load_job(yaml);
        JobRecord rec = { .uid = strdup("u1"), .manifest_hash = strdup("h1") };
        _cleanup_(job_record_done) JobRecord back = {};
        _cleanup_(freep) char *err = NULL, *cmd = NULL,
                *dir = strprintf("%s/jobsd-test-state-XXXXXX", getenv("TMPDIR") ?: "/tmp");

        ASSERT_NOT_NULL(dir);
        ASSERT_NOT_NULL(mkdtemp(dir));
        ASSERT_OK(job_status_init(&rec.status, &j->spec));
        rec.status.succeeded = 1;
        rec.status.completed_indexes[3] = true;
        ASSERT_OK(state_store_save(dir, "default", "rt", &rec));
        ASSERT_OK(state_store_load(dir, "default", "rt", &j->spec, &back, &err));
        ASSERT_STREQ(back.uid, "u1");
        ASSERT_EQ(back.status.succeeded, 1);
        ASSERT_TRUE(back.status.completed_indexes[3]);
        ASSERT_ERROR(state_store_load(dir, "default", "missing", &j->spec, &back, &err), ENOENT);
        ASSERT_OK(state_store_remove(dir, "default", "rt"));
        cmd = strprintf("rm -rf '%s'", dir);
        ASSERT_EQ(system(cmd), 0);
        job_record_done(&rec);
}

TAP_MAIN()
