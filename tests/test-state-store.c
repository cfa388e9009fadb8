/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <unistd.h>

#include "job-reconcile.h"
#include "jobsd/manifest.h"
#include "jobsd/strv.h"
#include "state-file.h"
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

/* The escapes of the record's words: the exact text, and back. */
TEST(escapes) {
        _cleanup_(job_freep) Job *j = load_job(yaml);
        _cleanup_(job_record_done) JobRecord rec = { .uid = strdup("u 1%x\x7f\nz"), .manifest_hash = strdup("-") },
                back = {};
        _cleanup_(freep) char *text = NULL, *err = NULL;

        ASSERT_OK(job_status_init(&rec.status, &j->spec));
        ASSERT_OK(job_record_format(&rec, &text));
        ASSERT_NOT_NULL(strstr(text, "\nuid u%201%25x%7F%0Az\nmanifest-hash %2D\n"));
        ASSERT_OK(job_record_parse(text, &j->spec, &back, &err));
        ASSERT_STREQ(back.uid, "u 1%x\x7f\nz");
        ASSERT_STREQ(back.manifest_hash, "-");
        free(rec.uid);
        rec.uid = strdup("%%");
        free(text);
        ASSERT_OK(job_record_format(&rec, &text));
        ASSERT_NOT_NULL(strstr(text, "\nuid %25%25\n"));
}

/* The reservation (docs/guarantees.md): the next attempt named in advance, and a pod made again from it,
 * survive a format and a parse; an older record has neither. */
TEST(reservation_round_trips) {
        _cleanup_(job_freep) Job *j = load_job(yaml);
        JobRecord rec = { .uid = strdup("u"), .manifest_hash = strdup("h") };
        _cleanup_(freep) char *text = NULL, *err = NULL;
        _cleanup_(job_record_done) JobRecord back = {};
        Pod *p;

        ASSERT_OK(job_status_init(&rec.status, &j->spec));
        ASSERT_OK(job_status_add_pod(&rec.status, &j->spec, UNSET, 5, &p));
        p->reserved = true;
        rec.status.reserve_set = true;
        rec.status.reserve_attempt = rec.status.next_attempt;
        ASSERT_OK(job_record_format(&rec, &text));
        ASSERT_TRUE(strstr(text, "\nreserve 1\n") != NULL);
        ASSERT_TRUE(strstr(text, "\npod-reserved 0\n") != NULL);
        round_trip(j, &rec);
        ASSERT_OK(job_record_parse(text, &j->spec, &back, &err));
        ASSERT_TRUE(back.status.reserve_set);
        ASSERT_EQ(back.status.reserve_attempt, (uint64_t) 1);
        ASSERT_TRUE(back.status.n_pods == 1 && back.status.pods[0].reserved);
        job_record_done(&back);
        back = (JobRecord) {};

        /* Without the lines: no reservation, no reserved pod. */
        rec.status.reserve_set = false;
        rec.status.pods[0].reserved = false;
        text = mfree(text);
        ASSERT_OK(job_record_format(&rec, &text));
        ASSERT_TRUE(strstr(text, "reserve") == NULL);
        ASSERT_OK(job_record_parse(text, &j->spec, &back, &err));
        ASSERT_FALSE(back.status.reserve_set);
        ASSERT_FALSE(back.status.pods[0].reserved);

        /* A reserved pod the record does not hold is refused. */
        _cleanup_(job_record_done) JobRecord bad = {};
        _cleanup_(freep) char *broken = NULL, *err2 = NULL;
        char *at = NULL;
        broken = strdup(text);
        ASSERT_TRUE(broken && (at = strstr(broken, "end\n")));
        *at = 0;
        _cleanup_(freep) char *with = strprintf("%spod-reserved 7\nend\n", broken);
        ASSERT_ERROR(job_record_parse(with, &j->spec, &bad, &err2), EBADMSG);
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
        ASSERT_OK(state_store_load(dir, "default", "rt", &j->spec, &back, NULL, &err));
        ASSERT_STREQ(back.uid, "u1");
        ASSERT_EQ(back.status.succeeded, 1);
        ASSERT_TRUE(back.status.completed_indexes[3]);
        ASSERT_ERROR(state_store_load(dir, "default", "missing", &j->spec, &back, NULL, &err), ENOENT);
        ASSERT_OK(state_store_remove(dir, "default", "rt"));
        cmd = strprintf("rm -rf '%s'", dir);
        ASSERT_EQ(system(cmd), 0);
        job_record_done(&rec);
}

/* The record's file in two slots (state-file.h): a scratch state directory per test. */
static char *scratch_dir(void) {
        char *dir = strprintf("%s/jobsd-test-slots-XXXXXX", getenv("TMPDIR") ?: "/tmp");

        assert_se(dir && mkdtemp(dir));
        return dir;
}

static void scratch_done(char *dir) {
        _cleanup_(freep) char *cmd = strprintf("rm -rf '%s'", dir);

        assert_se(cmd && system(cmd) == 0);
        free(dir);
}

static char *record_path(const char *dir, const char *name) {
        return strprintf("%s/jobs/default_%s.state", dir, name);
}

/* Saves a fresh record of the Job with the given UID. */
static int save_uid(const Job *j, const char *dir, const char *uid) {
        _cleanup_(job_record_done) JobRecord rec = { .uid = strdup(uid), .manifest_hash = strdup("h") };

        assert_se(rec.uid && rec.manifest_hash);
        assert_se(job_status_init(&rec.status, &j->spec) >= 0);
        return state_store_save(dir, "default", j->metadata.name, &rec);
}

/* The same with a manifest hash of 3,000 times fill. */
static int save_big(const Job *j, const char *dir, const char *uid, char fill) {
        _cleanup_(job_record_done) JobRecord rec = { .uid = strdup(uid), .manifest_hash = malloc(3001) };

        assert_se(rec.uid && rec.manifest_hash);
        memset(rec.manifest_hash, fill, 3000);
        rec.manifest_hash[3000] = 0;
        assert_se(job_status_init(&rec.status, &j->spec) >= 0);
        return state_store_save(dir, "default", j->metadata.name, &rec);
}

/* The UID of the record loaded, NULL on an error (*ret_error) or with *ret_note. */
static char *load_uid(const Job *j, const char *dir, int *ret_error, char **ret_note) {
        _cleanup_(job_record_done) JobRecord back = {};
        _cleanup_(freep) char *err = NULL;
        int r = state_store_load(dir, "default", j->metadata.name, &j->spec, &back, ret_note, &err);

        if (ret_error)
                *ret_error = r;
        if (r < 0) {
                if (err)
                        tap_diag("load: %s", err);
                return NULL;
        }
        return TAKE_PTR(back.uid);
}

static char *read_file(const char *path, size_t *ret_size) {
        _cleanup_(fclosep) FILE *f = fopen(path, "re");
        char *buf;
        size_t n;

        assert_se(f);
        buf = calloc(1, 1 << 20);
        assert_se(buf);
        n = fread(buf, 1, (1 << 20) - 1, f);
        *ret_size = n;
        return buf;
}

/* The same for a file of any size. */
static char *read_file_whole(const char *path, size_t *ret_size) {
        _cleanup_(fclosep) FILE *f = fopen(path, "re");
        struct stat st;
        char *buf;

        assert_se(f && fstat(fileno(f), &st) == 0);
        buf = calloc(1, st.st_size + 1);
        assert_se(buf);
        assert_se(fread(buf, 1, st.st_size, f) == (size_t) st.st_size);
        *ret_size = st.st_size;
        return buf;
}

static void write_file(const char *path, const void *data, size_t len) {
        _cleanup_(fclosep) FILE *f = fopen(path, "we");

        assert_se(f);
        assert_se(fwrite(data, 1, len, f) == len);
}

static uint64_t slot_seq(const char *buf, size_t offset) {
        uint64_t seq = 0;

        assert_se(sscanf(buf + offset + STRLEN("jobsd-slot 1 "), "%" SCNu64, &seq) == 1);
        return seq;
}

static ino_t inode_of(const char *path) {
        struct stat st;

        assert_se(stat(path, &st) == 0);
        return st.st_ino;
}

/* The start's listing of the state directory (state_store_listing_begin()): a file not listed is absent
 * without a lookup, what is listed or written meanwhile may exist; another directory, or no listing, is
 * looked up. */
TEST(listing) {
        _cleanup_(job_freep) Job *j = load_job(yaml);
        _cleanup_(job_record_done) JobRecord rec = { .uid = strdup("u1"), .manifest_hash = strdup("h1") };
        _cleanup_(job_record_done) JobRecord back = {};
        _cleanup_(freep) char *err = NULL, *jobs = NULL;
        char *dir = scratch_dir(), name[64];

        ASSERT_OK(job_status_init(&rec.status, &j->spec));

        /* No jobs directory yet (a first start): nothing exists. */
        ASSERT_OK(state_store_listing_begin(dir));
        ASSERT_FALSE(state_store_may_exist(dir, "default", "a", "state"));
        ASSERT_FALSE(state_store_may_exist(dir, "default", "a", "suspend"));
        ASSERT_TRUE(state_store_may_exist("/elsewhere", "default", "a", "state"));
        /* A record saved meanwhile is counted, and loads. */
        ASSERT_OK(state_store_save(dir, "default", "a", &rec));
        ASSERT_TRUE(state_store_may_exist(dir, "default", "a", "state"));
        ASSERT_OK(state_store_load(dir, "default", "a", &j->spec, &back, NULL, &err));
        ASSERT_STREQ(back.uid, "u1");
        job_record_done(&back);
        /* A removal counts the tombstone that may follow. */
        ASSERT_FALSE(state_store_may_exist(dir, "default", "a", "deleted"));
        ASSERT_OK(state_store_remove(dir, "default", "a"));
        ASSERT_TRUE(state_store_may_exist(dir, "default", "a", "deleted"));
        state_store_listing_end();
        ASSERT_TRUE(state_store_may_exist(dir, "default", "b", "state"));

        /* Files there at the start are listed (enough of them to grow the table), and only they. */
        jobs = strprintf("%s/jobs", dir);
        ASSERT_NOT_NULL(jobs);
        for (int i = 0; i < 300; i++) {
                _cleanup_(freep) char *p = NULL;
                snprintf(name, sizeof(name), "j%d", i);
                p = strprintf("%s/default_%s.%s", jobs, name, i % 3 == 0 ? "suspend" : i % 3 == 1 ? "deleted" : "state");
                ASSERT_NOT_NULL(p);
                write_file(p, "x", 1);
        }
        ASSERT_OK(state_store_listing_begin(dir));
        for (int i = 0; i < 300; i++) {
                snprintf(name, sizeof(name), "j%d", i);
                ASSERT_EQ(state_store_may_exist(dir, "default", name, "suspend"), i % 3 == 0);
                ASSERT_EQ(state_store_may_exist(dir, "default", name, "deleted"), i % 3 == 1);
                ASSERT_EQ(state_store_may_exist(dir, "other", name, "state"), false);
        }
        /* A record not listed is not looked for: -ENOENT, as a missing file. */
        ASSERT_ERROR(state_store_load(dir, "default", "j0", &j->spec, &back, NULL, &err), ENOENT);
        state_store_listing_end();

        /* A state directory that cannot be listed: no listing, every file looked up. */
        ASSERT_EQ(chmod(jobs, 0), 0);
        if (access(jobs, R_OK) < 0) {   /* (root reads it anyway) */
                ASSERT_TRUE(state_store_listing_begin(dir) < 0);
                ASSERT_TRUE(state_store_may_exist(dir, "default", "zz", "state"));
        }
        ASSERT_EQ(chmod(jobs, 0700), 0);
        scratch_done(dir);
}

/* Saves write the slot that does not hold the newest copy, in place (same inode, same size, mode 0600),
 * with sequence numbers going up; a load reads the newest. */
TEST(slots_round_trip_in_place) {
        _cleanup_(job_freep) Job *j = load_job(yaml);
        char *dir = scratch_dir();
        _cleanup_(freep) char *path = record_path(dir, "rt"), *buf = NULL, *uid = NULL;
        struct stat st;
        size_t size = 0, half;
        ino_t ino;

        ASSERT_OK(save_uid(j, dir, "first"));
        ino = inode_of(path);
        buf = read_file(path, &size);
        ASSERT_EQ(size % 8192, 0u);
        half = size / 2;
        /* Written whole: both slots a copy, the first the newer. */
        ASSERT_EQ(slot_seq(buf, 0), 1u);
        ASSERT_EQ(slot_seq(buf, half), 0u);
        ASSERT_NOT_NULL(strstr(buf + STATE_FILE_SLOT_HEADER_SIZE, "uid first\n"));
        ASSERT_NOT_NULL(strstr(buf + half + STATE_FILE_SLOT_HEADER_SIZE, "uid first\n"));
        for (int i = 0; i < 7; i++) {
                _cleanup_(freep) char *u = strprintf("uid-%d", i), *back = NULL, *note = NULL, *b = NULL;
                size_t n = 0;

                ASSERT_OK(save_uid(j, dir, u));
                back = load_uid(j, dir, NULL, &note);
                ASSERT_STREQ(back, u);
                ASSERT_NULL(note);
                ASSERT_EQ(inode_of(path), ino);
                b = read_file(path, &n);
                ASSERT_EQ(n, size);
                /* Slot 1 took save 0 (sequence 2), slot 0 save 1 (3), ... */
                ASSERT_EQ(slot_seq(b, i % 2 == 0 ? half : 0), (uint64_t) i + 2);
                ASSERT_EQ(slot_seq(b, i % 2 == 0 ? 0 : half), (uint64_t) i + 1);
                /* Nothing of an older record is left behind the newer one in its slot: newlines to its end. */
                const char *slot = b + (i % 2 == 0 ? half : 0), *end = strstr(slot, "\nend\n") + 5;
                ASSERT_EQ(strspn(end, "\n"), half - (size_t) (end - slot));
        }
        ASSERT_OK(stat(path, &st));
        ASSERT_EQ(st.st_mode & 07777, 0600u);
        ASSERT_OK(state_store_remove(dir, "default", "rt"));
        ASSERT_EQ(access(path, F_OK), -1);
        uid = load_uid(j, dir, NULL, NULL);
        ASSERT_NULL(uid);
        scratch_done(dir);
}

/* A save cut short (the slot it wrote holds part of the new copy): the copy before it loads, with a
 * note; both copies damaged: an error, and the file is left as it is. */
TEST(slots_torn_write_loads_the_older_copy) {
        _cleanup_(job_freep) Job *j = load_job(yaml);
        char *dir = scratch_dir();
        _cleanup_(freep) char *path = record_path(dir, "rt"), *buf = NULL, *uid = NULL,
                *note = NULL, *slot = NULL, *after = NULL;
        size_t size = 0, half, n = 0;
        int r;

        ASSERT_OK(save_uid(j, dir, "a"));
        ASSERT_OK(save_uid(j, dir, "b"));       /* slot 1, sequence 2 */
        ASSERT_OK(save_uid(j, dir, "c"));       /* slot 0, sequence 3 */
        buf = read_file(path, &size);
        half = size / 2;
        ASSERT_EQ(slot_seq(buf, 0), 3u);
        /* The next save ("d", sequence 4) would go to slot 1: only its first 100 bytes got there. */
        slot = malloc(half);
        ASSERT_NOT_NULL(slot);
        ASSERT_OK(state_file_record_slot(4, 42, half, "jobsd-state 1\nuid d\n", 20, slot));
        memcpy(buf + half, slot, 100);
        write_file(path, buf, size);
        uid = load_uid(j, dir, &r, &note);
        ASSERT_STREQ(uid, "c");
        ASSERT_NOT_NULL(note);
        tap_diag("note: %s", strempty(note));
        ASSERT_NOT_NULL(strstr(note, "copy 1 of the record is damaged (checksum mismatch (sequence 4))"));
        /* The newest copy damaged in its text: the one before it. */
        uid = mfree(uid);
        note = mfree(note);
        buf[half + 100] ^= 1;           /* slot 1 stays damaged */
        memcpy(buf + half, slot, 100);
        buf[STATE_FILE_SLOT_HEADER_SIZE + 20] = 'X';
        write_file(path, buf, size);
        uid = load_uid(j, dir, &r, &note);
        ASSERT_NULL(uid);
        ASSERT_EQ(r, -EBADMSG);
        after = read_file(path, &n);
        ASSERT_EQ(n, size);
        ASSERT_TRUE(memcmp(after, buf, size) == 0);
        /* A save replaces such a file whole: the record in memory is the one to keep. */
        ASSERT_OK(save_uid(j, dir, "e"));
        uid = load_uid(j, dir, &r, &note);
        ASSERT_STREQ(uid, "e");
        ASSERT_NULL(note);
        scratch_done(dir);
}

TEST(slots_one_damaged_copy_either_way) {
        _cleanup_(job_freep) Job *j = load_job(yaml);
        char *dir = scratch_dir();
        _cleanup_(freep) char *path = record_path(dir, "rt"), *buf = NULL;
        size_t size = 0, half;

        ASSERT_OK(save_uid(j, dir, "a"));
        ASSERT_OK(save_uid(j, dir, "b"));       /* slot 1, sequence 2: the newest */
        buf = read_file(path, &size);
        half = size / 2;
        for (int which = 0; which < 2; which++)
                for (size_t at = 0; at < STATE_FILE_SLOT_HEADER_SIZE + 30; at += 7) {
                        _cleanup_(freep) char *c = malloc(size), *uid = NULL, *note = NULL;
                        int r;

                        ASSERT_NOT_NULL(c);
                        memcpy(c, buf, size);
                        c[(which ? half : 0) + at] ^= 0x20;
                        write_file(path, c, size);
                        uid = load_uid(j, dir, &r, &note);
                        /* Damage to the older copy loses nothing; to the newer, the save before it. */
                        ASSERT_STREQ(uid, which ? "a" : "b");
                        ASSERT_NOT_NULL(note);
                }
        scratch_done(dir);
}

/* What test-hostile.sh does to a state file: truncated to half, a line changed, emptied, a NUL byte. */
TEST(slots_damaged_files_are_refused) {
        _cleanup_(job_freep) Job *j = load_job(yaml);
        char *dir = scratch_dir();
        _cleanup_(freep) char *path = record_path(dir, "rt"), *buf = NULL;
        size_t size = 0;
        int r;

        ASSERT_OK(save_uid(j, dir, "a"));
        ASSERT_OK(save_uid(j, dir, "b"));
        buf = read_file(path, &size);
        for (int k = 0; k < 4; k++) {
                _cleanup_(freep) char *c = malloc(size + 16), *uid = NULL;
                size_t n = size;

                ASSERT_NOT_NULL(c);
                memcpy(c, buf, size);
                if (k == 0)
                        n = size / 2;           /* a whole valid slot, in a file of the wrong size */
                else if (k == 1) {
                        /* "succeeded 0" -> "succeeded banana" in both copies */
                        for (char *p = c; (p = memmem(p, c + n - p, "\nsucceeded 0\n", 13)); p += 5) {
                                memmove(p + 17, p + 12, c + n - (p + 12));
                                memcpy(p + 11, "banana", 6);
                                n += 5;
                        }
                } else if (k == 2)
                        n = 0;
                else {
                        memcpy(c, "jobsd-state 1\n\0uid x\n", 21);
                        n = 21;
                }
                write_file(path, c, n);
                uid = load_uid(j, dir, &r, NULL);
                ASSERT_NULL(uid);
                ASSERT_EQ(r, -EBADMSG);
        }
        scratch_done(dir);
}

/* A state directory of the format before slots: the plain record loads, the next save converts it (a
 * whole write, renamed over it), and it loads again. */
TEST(slots_legacy_file_loads_and_is_converted) {
        _cleanup_(job_freep) Job *j = load_job(yaml);
        char *dir = scratch_dir();
        _cleanup_(freep) char *path = record_path(dir, "rt"), *jobs = strprintf("%s/jobs", dir), *uid = NULL,
                *note = NULL, *buf = NULL;
        _cleanup_(job_record_done) JobRecord rec = { .uid = strdup("old"), .manifest_hash = strdup("h") };
        _cleanup_(freep) char *text = NULL;
        size_t size = 0;
        int r;

        ASSERT_OK(job_status_init(&rec.status, &j->spec));
        ASSERT_OK(job_record_format(&rec, &text));
        ASSERT_OK(mkdir(jobs, 0700));
        write_file(path, text, strlen(text));
        uid = load_uid(j, dir, &r, &note);
        ASSERT_STREQ(uid, "old");
        ASSERT_NULL(note);
        ASSERT_OK(save_uid(j, dir, "new"));
        buf = read_file(path, &size);
        ASSERT_TRUE(startswith(buf, "jobsd-slot 1 "));
        ASSERT_EQ(size % 8192, 0u);
        uid = mfree(uid);
        uid = load_uid(j, dir, &r, &note);
        ASSERT_STREQ(uid, "new");
        /* A plain record cut short is refused as before. */
        write_file(path, text, strlen(text) / 2);
        uid = mfree(uid);
        uid = load_uid(j, dir, &r, NULL);
        ASSERT_NULL(uid);
        ASSERT_EQ(r, -EBADMSG);
        scratch_done(dir);
}

/* Sequence numbers are 64 bits: at the very last one the file is written whole and they start again. A
 * newest copy written by another process (another writer mark) is taken over. */
TEST(slots_last_sequence_number_and_another_writer) {
        _cleanup_(job_freep) Job *j = load_job(yaml);
        char *dir = scratch_dir();
        _cleanup_(freep) char *path = record_path(dir, "rt"), *buf = NULL, *uid = NULL, *after = NULL;
        const char *x = "jobsd-state 1\nuid x\nend\n", *y = "jobsd-state 1\nuid y\nend\n";
        size_t size = 0, half;
        ino_t ino;

        ASSERT_OK(save_uid(j, dir, "a"));
        buf = read_file(path, &size);
        half = size / 2;
        ASSERT_OK(state_file_record_slot(UINT64_MAX, 7, half, x, strlen(x), buf));
        ASSERT_OK(state_file_record_slot(UINT64_MAX - 1, 7, half, y, strlen(y), buf + half));
        write_file(path, buf, size);
        uid = load_uid(j, dir, NULL, NULL);
        ASSERT_STREQ(uid, "x");
        ino = inode_of(path);
        ASSERT_OK(save_uid(j, dir, "b"));
        ASSERT_TRUE(inode_of(path) != ino);
        after = read_file(path, &size);
        ASSERT_EQ(slot_seq(after, 0), 1u);
        uid = mfree(uid);
        uid = load_uid(j, dir, NULL, NULL);
        ASSERT_STREQ(uid, "b");
        /* Another writer's newest copy (sequence 5, slot 1): the save goes to slot 0, in place. */
        ASSERT_OK(state_file_record_slot(4, 7, half, x, strlen(x), buf));
        ASSERT_OK(state_file_record_slot(5, 7, half, y, strlen(y), buf + half));
        write_file(path, buf, size);
        ino = inode_of(path);
        ASSERT_OK(save_uid(j, dir, "c"));
        ASSERT_EQ(inode_of(path), ino);
        after = mfree(after);
        after = read_file(path, &size);
        ASSERT_EQ(slot_seq(after, 0), 6u);
        uid = mfree(uid);
        uid = load_uid(j, dir, NULL, NULL);
        ASSERT_STREQ(uid, "c");
        scratch_done(dir);
}

/* A record that outgrows its slots is written whole into larger ones; one that shrinks stays in place. */
TEST(slots_grow) {
        _cleanup_(job_freep) Job *j = load_job(yaml);
        char *dir = scratch_dir();
        _cleanup_(freep) char *path = record_path(dir, "rt"), *big = NULL, *uid = NULL;
        _cleanup_(job_record_done) JobRecord rec = { .uid = strdup("big"), .manifest_hash = NULL };
        struct stat st;
        ino_t ino;

        ASSERT_OK(save_uid(j, dir, "small"));
        ino = inode_of(path);
        ASSERT_OK(stat(path, &st));
        ASSERT_EQ(st.st_size, 8192);
        big = malloc(20001);
        ASSERT_NOT_NULL(big);
        memset(big, 'x', 20000);
        big[20000] = 0;
        rec.manifest_hash = strdup(big);
        ASSERT_OK(job_status_init(&rec.status, &j->spec));
        ASSERT_OK(state_store_save(dir, "default", "rt", &rec));
        ASSERT_TRUE(inode_of(path) != ino);
        ASSERT_OK(stat(path, &st));
        ASSERT_TRUE(st.st_size >= 2 * 20000 && st.st_size % 8192 == 0);
        uid = load_uid(j, dir, NULL, NULL);
        ASSERT_STREQ(uid, "big");
        ino = inode_of(path);
        ASSERT_OK(save_uid(j, dir, "small-again"));
        ASSERT_EQ(inode_of(path), ino);
        /* Slot 1 held the large copy: newlines behind the small one to the slot's end, no old bytes. */
        {
                size_t size = 0;
                _cleanup_(freep) char *b = read_file(path, &size);
                const char *slot = b + size / 2, *end = strstr(slot, "\nend\n");
                ASSERT_NOT_NULL(strstr(slot, "uid small-again\n"));
                ASSERT_NOT_NULL(end);
                ASSERT_EQ(strspn(end + 5, "\n"), size / 2 - (size_t) (end + 5 - slot));
        }
        uid = mfree(uid);
        uid = load_uid(j, dir, NULL, NULL);
        ASSERT_STREQ(uid, "small-again");
        scratch_done(dir);
}

/* At start the saves go to the group commit, as plain text, read back after it; the first save after the
 * batch writes the slots, the next ones write in place. */
TEST(slots_in_the_batch) {
        _cleanup_(job_freep) Job *j = load_job(yaml);
        char *dir = scratch_dir();
        _cleanup_(freep) char *path = record_path(dir, "rt"), *uid = NULL;
        ino_t ino;

        ASSERT_OK(save_uid(j, dir, "before"));
        ino = inode_of(path);
        state_file_batch_begin();
        ASSERT_OK(save_uid(j, dir, "in-batch"));
        ASSERT_TRUE(state_file_batch_pending());
        ASSERT_EQ(inode_of(path), ino);         /* not yet renamed */
        uid = load_uid(j, dir, NULL, NULL);     /* commits first */
        ASSERT_STREQ(uid, "in-batch");
        ASSERT_FALSE(state_file_batch_pending());
        ASSERT_TRUE(inode_of(path) != ino);
        ASSERT_OK(save_uid(j, dir, "in-batch-2"));
        ASSERT_OK(state_file_batch_end());
        uid = mfree(uid);
        uid = load_uid(j, dir, NULL, NULL);
        ASSERT_STREQ(uid, "in-batch-2");
        {
                size_t size = 0;
                _cleanup_(freep) char *b = read_file(path, &size);
                ASSERT_TRUE(startswith(b, "jobsd-state 1\n"));
        }
        ino = inode_of(path);
        ASSERT_OK(save_uid(j, dir, "after"));
        ASSERT_TRUE(inode_of(path) != ino);
        ino = inode_of(path);
        ASSERT_OK(save_uid(j, dir, "after-2"));
        ASSERT_EQ(inode_of(path), ino);
        uid = mfree(uid);
        uid = load_uid(j, dir, NULL, NULL);
        ASSERT_STREQ(uid, "after-2");
        scratch_done(dir);
}

/* Every way a save can be cut short: the new copy's slot holding any prefix of its new bytes, or any mix
 * of its 512-byte sectors old and new. The record read is the old one or the new one, never an error
 * and never anything else. */
TEST(slots_every_torn_write_reads_old_or_new) {
        _cleanup_(job_freep) Job *j = load_job(yaml);
        char *dir = scratch_dir();
        _cleanup_(freep) char *path = record_path(dir, "rt"), *before = NULL, *after = NULL;
        size_t size = 0, n = 0, half;
        unsigned olds = 0, news = 0;

        /* Records of 3 KiB, over six sectors. */
        ASSERT_OK(save_big(j, dir, "old-1", 'a'));
        ASSERT_OK(save_big(j, dir, "old-2", 'b'));      /* slot 1 */
        before = read_file(path, &size);
        ASSERT_OK(save_big(j, dir, "new-3", 'c'));      /* slot 0 */
        after = read_file(path, &n);
        ASSERT_EQ(n, size);
        half = size / 2;
        ASSERT_TRUE(memcmp(before + half, after + half, half) == 0);
        for (size_t cut = 0; cut <= half; cut += cut < 600 ? 1 : 512) {
                _cleanup_(freep) char *c = malloc(size), *uid = NULL;
                int r;

                memcpy(c, before, size);
                memcpy(c, after, cut);
                write_file(path, c, size);
                uid = load_uid(j, dir, &r, NULL);
                ASSERT_OK(r);
                if (!uid || !(streq(uid, "old-2") || (streq(uid, "new-3") && memcmp(c, after, half) == 0)))
                        tap_fail(__FILE__, __LINE__, "cut at %zu: read %s", cut, uid ?: "nothing");
                if (uid && streq(uid, "new-3"))
                        news++;
                else
                        olds++;
        }
        for (unsigned mask = 0; mask < 256; mask++) {
                _cleanup_(freep) char *c = malloc(size), *uid = NULL;
                int r;

                memcpy(c, before, size);
                for (unsigned k = 0; k < 8; k++)
                        if (mask & (1u << k))
                                memcpy(c + k * 512, after + k * 512, 512);
                write_file(path, c, size);
                uid = load_uid(j, dir, &r, NULL);
                ASSERT_OK(r);
                if (!uid || !(streq(uid, "old-2") || (streq(uid, "new-3") && memcmp(c, after, half) == 0)))
                        tap_fail(__FILE__, __LINE__, "sectors %02x: read %s", mask, uid ?: "nothing");
        }
        tap_diag("cut short: %u read the old copy, %u the new one (its header and whole text written)", olds, news);
        scratch_done(dir);
}

/* Saves a fresh record of the Job with the given UID and a manifest copy (NULL: the file's is kept). */
static int save_with_copy(const Job *j, const char *dir, const char *uid, const char *copy) {
        _cleanup_(job_record_done) JobRecord rec = { .uid = strdup(uid), .manifest_hash = strdup("h") };

        assert_se(rec.uid && rec.manifest_hash);
        if (copy) {
                rec.manifest_copy = malloc(sizeof(ManifestCopy) + strlen(copy));
                assert_se(rec.manifest_copy);
                rec.manifest_copy->size = strlen(copy);
                rec.manifest_copy->replaces = false;
                memcpy(rec.manifest_copy->data, copy, strlen(copy));
        }
        assert_se(job_status_init(&rec.status, &j->spec) >= 0);
        return state_store_save(dir, "default", j->metadata.name, &rec);
}

/* The manifest copy kept in the record's file, NULL if none (*ret_error: the error). */
static char *load_copy(const Job *j, const char *dir, int *ret_error) {
        char *copy = NULL;
        size_t size = 0;
        int r = state_store_load_copy(dir, "default", j->metadata.name, &copy, &size);

        if (ret_error)
                *ret_error = r;
        if (r < 0)
                return NULL;
        assert_se(strlen(copy) == size);
        return copy;
}

/* A new Job's file holds its record and its manifest copy: one file of two slots, each ending in the
 * copy and its trailer. Saves write in place and keep the copy; a new copy writes the file whole. A
 * jobsd before the copies reads the record (the header's length) and sees newlines up to the copy. */
TEST(copy_round_trip) {
        _cleanup_(job_freep) Job *j = load_job(yaml);
        char *dir = scratch_dir();
        _cleanup_(freep) char *path = record_path(dir, "rt"), *copy = NULL, *uid = NULL, *buf = NULL, *big = NULL,
                *legacy = strprintf("%s/jobs/default_rt.manifest", dir);
        size_t size = 0, half;
        ino_t ino;
        int r;

        ASSERT_OK(save_with_copy(j, dir, "one", yaml));
        ASSERT_EQ(access(legacy, F_OK), -1);
        buf = read_file(path, &size);
        ASSERT_EQ(size, 8192u);
        half = size / 2;
        for (size_t k = 0; k < 2; k++) {
                const char *slot = buf + k * half, *t = slot + half - STATE_FILE_COPY_TRAILER_SIZE;
                uint64_t len = 0;
                ASSERT_TRUE(startswith(slot, "jobsd-slot 1 "));
                ASSERT_TRUE(startswith(t, "jobsd-copy 1 "));
                ASSERT_EQ(t[STATE_FILE_COPY_TRAILER_SIZE - 1], '\n');
                ASSERT_TRUE(memcmp(t - strlen(yaml), yaml, strlen(yaml)) == 0);
                /* What an older jobsd reads: the header's length of text, then newlines to the copy. */
                assert_se(sscanf(slot + STRLEN("jobsd-slot 1 ") + 21 + 17, "%" SCNu64, &len) == 1);
                ASSERT_TRUE(startswith(slot + STATE_FILE_SLOT_HEADER_SIZE, "jobsd-state 1\nuid one\n"));
                ASSERT_EQ(strspn(slot + STATE_FILE_SLOT_HEADER_SIZE + len, "\n"),
                          half - STATE_FILE_SLOT_HEADER_SIZE - len - strlen(yaml) - STATE_FILE_COPY_TRAILER_SIZE);
        }
        copy = load_copy(j, dir, &r);
        ASSERT_STREQ(copy, yaml);
        uid = load_uid(j, dir, NULL, NULL);
        ASSERT_STREQ(uid, "one");
        /* Saves in place keep it, in both slots. */
        ino = inode_of(path);
        for (int i = 0; i < 3; i++) {
                ASSERT_OK(save_uid(j, dir, i % 2 ? "odd" : "even"));
                ASSERT_EQ(inode_of(path), ino);
                copy = mfree(copy);
                copy = load_copy(j, dir, NULL);
                ASSERT_STREQ(copy, yaml);
        }
        buf = mfree(buf);
        buf = read_file(path, &size);
        ASSERT_TRUE(memcmp(buf + half - STATE_FILE_COPY_TRAILER_SIZE - strlen(yaml),
                           buf + size - STATE_FILE_COPY_TRAILER_SIZE - strlen(yaml),
                           strlen(yaml) + STATE_FILE_COPY_TRAILER_SIZE) == 0);
        uid = mfree(uid);
        uid = load_uid(j, dir, NULL, NULL);
        ASSERT_STREQ(uid, "even");
        /* A new copy: the file written whole. */
        big = strprintf("%s%s%s", yaml, yaml, yaml);
        ASSERT_OK(save_with_copy(j, dir, "two", big));
        ASSERT_TRUE(inode_of(path) != ino);
        copy = mfree(copy);
        copy = load_copy(j, dir, NULL);
        ASSERT_STREQ(copy, big);
        uid = mfree(uid);
        uid = load_uid(j, dir, NULL, NULL);
        ASSERT_STREQ(uid, "two");
        /* A record that outgrows its slot beside the copy: written whole, the copy kept. */
        ino = inode_of(path);
        ASSERT_OK(save_big(j, dir, "big", 'x'));
        ASSERT_TRUE(inode_of(path) != ino);
        copy = mfree(copy);
        copy = load_copy(j, dir, NULL);
        ASSERT_STREQ(copy, big);
        uid = mfree(uid);
        uid = load_uid(j, dir, NULL, NULL);
        ASSERT_STREQ(uid, "big");
        /* No copy at all (a CronJob's Job): none read. */
        ASSERT_OK(state_store_remove(dir, "default", "rt"));
        ASSERT_OK(save_uid(j, dir, "cron"));
        copy = mfree(copy);
        copy = load_copy(j, dir, &r);
        ASSERT_NULL(copy);
        ASSERT_EQ(r, -ENOENT);
        ASSERT_OK(state_store_remove(dir, "default", "rt"));
        copy = load_copy(j, dir, &r);
        ASSERT_EQ(r, -ENOENT);
        scratch_done(dir);
}

/* A damaged copy in one slot: the other slot's is read, and the load marks the file, whose saves in place
 * then write the copy back (the damaged slot's save); in both: none is read, the record loads all the
 * same. A record grown in place over the copy (by a jobsd before the copies) leaves that slot without
 * one. */
TEST(copy_damaged) {
        _cleanup_(job_freep) Job *j = load_job(yaml);
        char *dir = scratch_dir();
        _cleanup_(freep) char *path = record_path(dir, "rt"), *buf = NULL, *copy = NULL, *uid = NULL;
        size_t size = 0, half;
        ino_t ino;
        int r;

        ASSERT_OK(save_with_copy(j, dir, "one", yaml));
        ASSERT_OK(save_uid(j, dir, "two"));     /* slot 0, sequence 2 */
        buf = read_file(path, &size);
        half = size / 2;
        buf[half - STATE_FILE_COPY_TRAILER_SIZE - 5] ^= 1;      /* the newest slot's copy */
        write_file(path, buf, size);
        copy = load_copy(j, dir, NULL);
        ASSERT_STREQ(copy, yaml);
        ino = inode_of(path);
        ASSERT_OK(save_uid(j, dir, "three"));   /* slot 1: its copy is intact */
        ASSERT_OK(save_uid(j, dir, "four"));    /* slot 0: the copy written back */
        ASSERT_EQ(inode_of(path), ino);
        buf = mfree(buf);
        buf = read_file(path, &size);
        ASSERT_TRUE(memcmp(buf + half - STATE_FILE_COPY_TRAILER_SIZE - strlen(yaml),
                           buf + size - STATE_FILE_COPY_TRAILER_SIZE - strlen(yaml),
                           strlen(yaml) + STATE_FILE_COPY_TRAILER_SIZE) == 0);
        /* Both damaged (a trailer's length, a copy's byte): none; the record loads. */
        buf[size - 10] = 'x';
        buf[half - STATE_FILE_COPY_TRAILER_SIZE - 1] ^= 1;
        write_file(path, buf, size);
        copy = mfree(copy);
        copy = load_copy(j, dir, &r);
        ASSERT_NULL(copy);
        ASSERT_EQ(r, -ENOENT);
        uid = load_uid(j, dir, NULL, NULL);
        ASSERT_STREQ(uid, "four");
        /* An older jobsd's record grown into slot 1's copy: slot 0's copy is read. */
        ASSERT_OK(save_with_copy(j, dir, "five", yaml));
        buf = mfree(buf);
        buf = read_file(path, &size);
        {
                char *text = malloc(half);
                size_t n = half - STATE_FILE_SLOT_HEADER_SIZE - 10;
                ASSERT_NOT_NULL(text);
                memset(text, 'y', n);
                memcpy(text, "jobsd-state 1\nuid old\nend\n", 26);
                ASSERT_OK(state_file_record_slot(9, 7, half, text, n, buf + half));
                free(text);
        }
        write_file(path, buf, size);
        copy = load_copy(j, dir, NULL);
        ASSERT_STREQ(copy, yaml);
        scratch_done(dir);
}

/* The start's batch: a record with a copy goes in slots, one file; a save of it again in the batch
 * keeps the copy (read from the batch's file); after the batch the first save writes in place. A record
 * without a copy is plain text (slots_in_the_batch). */
TEST(copy_in_the_batch) {
        _cleanup_(job_freep) Job *j = load_job(yaml);
        char *dir = scratch_dir();
        _cleanup_(freep) char *path = record_path(dir, "rt"), *copy = NULL, *uid = NULL,
                *tmp = strprintf("%s/jobs/.default_rt.state.tmp", dir);
        ino_t ino;

        state_file_batch_begin();
        ASSERT_OK(save_with_copy(j, dir, "new", yaml));
        ASSERT_TRUE(state_file_batch_pending());
        ASSERT_EQ(access(path, F_OK), -1);
        ASSERT_OK(access(tmp, F_OK));
        ASSERT_OK(save_uid(j, dir, "new-2"));
        ASSERT_OK(state_file_batch_end());
        ASSERT_EQ(access(tmp, F_OK), -1);
        {
                size_t size = 0;
                _cleanup_(freep) char *b = read_file(path, &size);
                ASSERT_TRUE(startswith(b, "jobsd-slot 1 "));
                ASSERT_EQ(size, 8192u);
        }
        copy = load_copy(j, dir, NULL);
        ASSERT_STREQ(copy, yaml);
        uid = load_uid(j, dir, NULL, NULL);
        ASSERT_STREQ(uid, "new-2");
        ino = inode_of(path);
        ASSERT_OK(save_uid(j, dir, "after"));
        ASSERT_EQ(inode_of(path), ino);
        /* A restart's batch: a save of a file with a copy keeps it. */
        state_file_batch_begin();
        ASSERT_OK(save_uid(j, dir, "restart"));
        ASSERT_OK(state_file_batch_end());
        ASSERT_TRUE(inode_of(path) != ino);
        copy = mfree(copy);
        copy = load_copy(j, dir, NULL);
        ASSERT_STREQ(copy, yaml);
        uid = mfree(uid);
        uid = load_uid(j, dir, NULL, NULL);
        ASSERT_STREQ(uid, "restart");
        scratch_done(dir);
}

/* The layout before 2026-12-07: a record (in slots, or plain text) and the copy in a file of its own.
 * The record loads and saves as before (in place, no copy in it); the file of its own is left alone
 * (managed-job.c reads it); a new copy goes into the record's file. */
TEST(copy_old_layout_loads) {
        _cleanup_(job_freep) Job *j = load_job(yaml);
        char *dir = scratch_dir();
        _cleanup_(freep) char *path = record_path(dir, "rt"), *copy = NULL, *uid = NULL, *text = NULL,
                *legacy = strprintf("%s/jobs/default_rt.manifest", dir), *jobs = strprintf("%s/jobs", dir);
        _cleanup_(job_record_done) JobRecord rec = { .uid = strdup("plain"), .manifest_hash = strdup("h") };
        int r;
        ino_t ino;

        /* Plain text and its copy's own file. */
        ASSERT_OK(job_status_init(&rec.status, &j->spec));
        ASSERT_OK(job_record_format(&rec, &text));
        ASSERT_OK(mkdir(jobs, 0700));
        write_file(path, text, strlen(text));
        write_file(legacy, yaml, strlen(yaml));
        uid = load_uid(j, dir, NULL, NULL);
        ASSERT_STREQ(uid, "plain");
        copy = load_copy(j, dir, &r);
        ASSERT_EQ(r, -ENOENT);
        /* Converted by a save: slots, no copy in them; the old copy's file stays. */
        ASSERT_OK(save_uid(j, dir, "slots"));
        ASSERT_OK(access(legacy, F_OK));
        copy = load_copy(j, dir, &r);
        ASSERT_EQ(r, -ENOENT);
        ino = inode_of(path);
        ASSERT_OK(save_uid(j, dir, "in-place"));
        ASSERT_EQ(inode_of(path), ino);
        uid = mfree(uid);
        uid = load_uid(j, dir, NULL, NULL);
        ASSERT_STREQ(uid, "in-place");
        {
                _cleanup_(freep) char *old = NULL;
                ASSERT_OK(state_file_get(dir, "jobs", "default", "rt", "manifest", 1 << 20, &old, NULL));
                ASSERT_STREQ(old, yaml);
        }
        /* A new copy: into the record's file. */
        ASSERT_OK(save_with_copy(j, dir, "copied", yaml));
        copy = load_copy(j, dir, NULL);
        ASSERT_STREQ(copy, yaml);
        uid = mfree(uid);
        uid = load_uid(j, dir, NULL, NULL);
        ASSERT_STREQ(uid, "copied");
        scratch_done(dir);
}

/* Every way an in-place save of a record with a copy can be cut short: the record read is the old one
 * or the new one, and the copy is read in every case. */
TEST(copy_every_torn_write_keeps_it) {
        _cleanup_(job_freep) Job *j = load_job(yaml);
        char *dir = scratch_dir();
        _cleanup_(freep) char *path = record_path(dir, "rt"), *before = NULL, *after = NULL;
        size_t size = 0, n = 0, half;

        ASSERT_OK(save_with_copy(j, dir, "old-1", yaml));
        ASSERT_OK(save_uid(j, dir, "old-2"));   /* slot 1 */
        before = read_file(path, &size);
        ASSERT_OK(save_uid(j, dir, "new-3"));   /* slot 0 */
        after = read_file(path, &n);
        ASSERT_EQ(n, size);
        half = size / 2;
        ASSERT_TRUE(memcmp(before + half, after + half, half) == 0);
        for (size_t cut = 0; cut <= half; cut += cut < 200 ? 1 : 512) {
                _cleanup_(freep) char *c = malloc(size), *uid = NULL, *copy = NULL;
                int r;

                memcpy(c, before, size);
                memcpy(c, after, cut);
                write_file(path, c, size);
                uid = load_uid(j, dir, &r, NULL);
                ASSERT_OK(r);
                if (!uid || !(streq(uid, "old-2") || streq(uid, "new-3")))
                        tap_fail(__FILE__, __LINE__, "cut at %zu: read %s", cut, uid ?: "nothing");
                copy = load_copy(j, dir, &r);
                if (!copy || !streq(copy, yaml))
                        tap_fail(__FILE__, __LINE__, "cut at %zu: no copy (%d)", cut, r);
        }
        scratch_done(dir);
}

/* The bytes this process has read so far (read(), pread()...: /proc/self/io's rchar). */
static uint64_t bytes_read(void) {
        _cleanup_(fclosep) FILE *f = fopen("/proc/self/io", "re");
        uint64_t n = 0;

        assert_se(f);
        assert_se(fscanf(f, "rchar: %" SCNu64, &n) == 1);
        return n;
}

/* A manifest copy of n bytes: a comment line after line, then the Job. */
static char *big_copy(size_t n) {
        char *c = malloc(n + 1);
        size_t y = strlen(yaml);

        assert_se(c && n > y);
        for (size_t i = 0; i < n - y; i++)
                c[i] = (i % 64 == 0) ? '#' : (i % 64 == 63 ? '\n' : (char) ('a' + i % 26));
        c[n - y - 1] = '\n';
        memcpy(c + n - y, yaml, y);
        c[n] = 0;
        return c;
}

/* A save in place of a file with a 512 KiB manifest copy reads the slots' headers, records and trailers,
 * not the copies (a few KiB of the file's 1 MiB), and writes no byte of any copy: copies damaged in
 * both slots (their trailers intact) are left exactly as they were. */
TEST(save_in_place_reads_no_copy) {
        _cleanup_(job_freep) Job *j = load_job(yaml);
        char *dir = scratch_dir();
        _cleanup_(freep) char *path = record_path(dir, "rt"), *big = big_copy(512 * 1024), *before = NULL,
                *after = NULL, *copy = NULL, *uid = NULL;
        size_t size = 0, n = 0, half, start;
        uint64_t r0;
        ino_t ino;

        ASSERT_OK(save_with_copy(j, dir, "one", big));
        ino = inode_of(path);
        r0 = bytes_read();
        ASSERT_OK(save_uid(j, dir, "two"));
        ASSERT_OK(save_uid(j, dir, "three"));
        tap_diag("two saves in place read %" PRIu64 " bytes", bytes_read() - r0);
        ASSERT_TRUE(bytes_read() - r0 < 32 * 1024);
        ASSERT_EQ(inode_of(path), ino);
        copy = load_copy(j, dir, NULL);
        ASSERT_STREQ(copy, big);
        /* Both copies damaged in their middle: the saves do not see it, and write none of it. */
        before = read_file_whole(path, &size);
        half = size / 2;
        start = half - STATE_FILE_COPY_TRAILER_SIZE - strlen(big);
        before[start + 1000] ^= 1;
        before[half + start + 2000] ^= 1;
        write_file(path, before, size);
        for (int i = 0; i < 3; i++) {
                _cleanup_(freep) char *u = strprintf("after-%d", i);
                ASSERT_OK(save_uid(j, dir, u));
        }
        ASSERT_EQ(inode_of(path), ino);
        after = read_file_whole(path, &n);
        ASSERT_EQ(n, size);
        ASSERT_TRUE(memcmp(before + start, after + start, half - start) == 0);
        ASSERT_TRUE(memcmp(before + half + start, after + half + start, half - start) == 0);
        uid = load_uid(j, dir, NULL, NULL);
        ASSERT_STREQ(uid, "after-2");
        copy = mfree(copy);
        copy = load_copy(j, dir, NULL);
        ASSERT_NULL(copy);
        scratch_done(dir);
}

/* The slot choice: a save cut short left the slot of the higher sequence number with a valid header but
 * not its text. The next save goes into that slot (the newest valid record is in the other, which stays
 * as it was), with the sequence number after the newest valid one, and writes that slot up to its copy;
 * the copy is read from either slot all along. */
TEST(save_in_place_torn_slot_is_the_one_written) {
        _cleanup_(job_freep) Job *j = load_job(yaml);
        char *dir = scratch_dir();
        _cleanup_(freep) char *path = record_path(dir, "rt"), *buf = NULL, *torn = NULL, *after = NULL, *uid = NULL,
                *copy = NULL, *big = big_copy(20000);
        size_t size = 0, n = 0, half, start;
        ino_t ino;

        ASSERT_OK(save_with_copy(j, dir, "a", big));
        ASSERT_OK(save_uid(j, dir, "b"));       /* slot 1, sequence 2 */
        ASSERT_OK(save_uid(j, dir, "c"));       /* slot 0, sequence 3 */
        ino = inode_of(path);
        buf = read_file_whole(path, &size);
        half = size / 2;
        start = half - STATE_FILE_COPY_TRAILER_SIZE - strlen(big);
        ASSERT_EQ(slot_seq(buf, 0), 3u);
        /* "d", sequence 4, into slot 1: its header and 20 bytes of text reached the disk, then old bytes
         * and garbage up to the copy. */
        torn = malloc(half);
        ASSERT_NOT_NULL(torn);
        ASSERT_OK(state_file_record_slot_copy(4, 42, half, "jobsd-state 1\nuid d-is-longer-than-that\n", 39, big,
                                              strlen(big), torn));
        memcpy(buf + half, torn, STATE_FILE_SLOT_HEADER_SIZE + 20);
        memset(buf + half + STATE_FILE_SLOT_HEADER_SIZE + 20, 'Z', start - STATE_FILE_SLOT_HEADER_SIZE - 20);
        write_file(path, buf, size);
        uid = load_uid(j, dir, NULL, NULL);
        ASSERT_STREQ(uid, "c");
        ASSERT_OK(save_uid(j, dir, "e"));
        ASSERT_EQ(inode_of(path), ino);
        after = read_file_whole(path, &n);
        ASSERT_EQ(n, size);
        ASSERT_TRUE(memcmp(after, buf, half) == 0);     /* slot 0, the only valid record, untouched */
        ASSERT_EQ(slot_seq(after, half), 4u);
        ASSERT_TRUE(memcmp(after + half + start, buf + half + start, half - start) == 0);
        {
                const char *end = strstr(after + half, "\nend\n");
                ASSERT_NOT_NULL(end);
                end += 5;
                ASSERT_EQ(strspn(end, "\n"), start - (size_t) (end - (after + half)));
        }
        uid = mfree(uid);
        uid = load_uid(j, dir, NULL, NULL);
        ASSERT_STREQ(uid, "e");
        copy = load_copy(j, dir, NULL);
        ASSERT_STREQ(copy, big);
        /* The same with the whole torn slot garbage, its header too: slot 1 is written again. */
        after[half + 5] = 'X';
        write_file(path, after, size);
        ASSERT_OK(save_uid(j, dir, "f"));
        buf = mfree(buf);
        buf = read_file_whole(path, &n);
        ASSERT_TRUE(memcmp(buf, after, half) == 0);
        ASSERT_EQ(slot_seq(buf, half), 4u);
        uid = mfree(uid);
        uid = load_uid(j, dir, NULL, NULL);
        ASSERT_STREQ(uid, "f");
        scratch_done(dir);
}

/* A copy whose two trailers differ (one damaged: the copy's room is not known for sure) takes the full
 * look: the save reads both copies and writes the valid one into the slot it saves. A copy damaged in its
 * bytes only, beside a valid one, is seen by a load, after which the saves take the full look too, in
 * place, until both slots hold the copy; then they read only what they need again. */
TEST(save_in_place_damaged_copy) {
        _cleanup_(job_freep) Job *j = load_job(yaml);
        char *dir = scratch_dir();
        _cleanup_(freep) char *path = record_path(dir, "rt"), *buf = NULL, *after = NULL, *copy = NULL,
                *big = big_copy(30000);
        size_t size = 0, n = 0, half;
        ino_t ino;

        ASSERT_OK(save_with_copy(j, dir, "a", big));
        ASSERT_OK(save_uid(j, dir, "b"));       /* slot 1, sequence 2 */
        ino = inode_of(path);
        buf = read_file_whole(path, &size);
        half = size / 2;
        /* Slot 0's trailer (the next save's slot): a digit of its length changed. */
        buf[half - STATE_FILE_COPY_TRAILER_SIZE + 15] ^= 1;
        write_file(path, buf, size);
        ASSERT_OK(save_uid(j, dir, "c"));
        ASSERT_EQ(inode_of(path), ino);
        after = read_file_whole(path, &n);
        ASSERT_TRUE(memcmp(after + half - STATE_FILE_COPY_TRAILER_SIZE - strlen(big),
                           after + size - STATE_FILE_COPY_TRAILER_SIZE - strlen(big),
                           strlen(big) + STATE_FILE_COPY_TRAILER_SIZE) == 0);
        /* Slot 0's trailer again, now the newest slot's: the save goes to slot 1, whose copy is fine, and the
         * next to slot 0, which gets its copy back. */
        after[half - 3] ^= 1;
        write_file(path, after, n);
        ASSERT_OK(save_uid(j, dir, "d"));
        ASSERT_OK(save_uid(j, dir, "e"));
        ASSERT_EQ(inode_of(path), ino);
        buf = mfree(buf);
        buf = read_file_whole(path, &size);
        ASSERT_TRUE(memcmp(buf + half - STATE_FILE_COPY_TRAILER_SIZE - strlen(big),
                           buf + size - STATE_FILE_COPY_TRAILER_SIZE - strlen(big),
                           strlen(big) + STATE_FILE_COPY_TRAILER_SIZE) == 0);
        copy = load_copy(j, dir, NULL);
        ASSERT_STREQ(copy, big);
        /* A byte of slot 0's copy (the newest slot's): a save in place (into slot 1) keeps both as they are;
         * a load finds it, and the saves after it take the full look until slot 0 has its copy back. */
        buf[half - STATE_FILE_COPY_TRAILER_SIZE - 100] ^= 1;
        write_file(path, buf, size);
        ASSERT_OK(save_uid(j, dir, "f"));
        ASSERT_EQ(inode_of(path), ino);
        after = mfree(after);
        after = read_file_whole(path, &n);
        ASSERT_EQ(after[half - STATE_FILE_COPY_TRAILER_SIZE - 100], buf[half - STATE_FILE_COPY_TRAILER_SIZE - 100]);
        {
                _cleanup_(freep) char *uid = load_uid(j, dir, NULL, NULL);
                ASSERT_STREQ(uid, "f");
        }
        ASSERT_OK(save_uid(j, dir, "g"));       /* slot 0: the copy written back */
        ASSERT_OK(save_uid(j, dir, "h"));       /* slot 1 */
        ASSERT_EQ(inode_of(path), ino);
        after = mfree(after);
        after = read_file_whole(path, &n);
        ASSERT_TRUE(memcmp(after + half - STATE_FILE_COPY_TRAILER_SIZE - strlen(big), big, strlen(big)) == 0);
        ASSERT_TRUE(memcmp(after + n - STATE_FILE_COPY_TRAILER_SIZE - strlen(big), big, strlen(big)) == 0);
        /* Both alike again: the saves read only what they need. */
        {
                uint64_t r0 = bytes_read();
                ASSERT_OK(save_uid(j, dir, "i"));
                ASSERT_TRUE(bytes_read() - r0 < 16 * 1024);
        }
        ASSERT_EQ(inode_of(path), ino);
        scratch_done(dir);
}

/* The reference CRC32C, a bit a step. */
static uint32_t crc32c_bitwise(uint32_t crc, const void *data, size_t len) {
        const unsigned char *p = data;

        crc = ~crc;
        while (len-- > 0) {
                crc ^= *p++;
                for (int k = 0; k < 8; k++)
                        crc = crc & 1 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
        }
        return ~crc;
}

/* The checksums are CRC32C, as files written by earlier versions have them: the header's over the header
 * up to it and the text, the copy's over its trailer up to it and the copy (of every length, so that
 * every tail of the eight-byte steps is covered). */
TEST(slots_checksums_are_crc32c) {
        char text[600], copy[300];
        _cleanup_(freep) char *slot = malloc(4096);

        ASSERT_EQ(crc32c_bitwise(0, "123456789", 9), 0xE3069283u);
        ASSERT_EQ(state_file_crc32c(0, "123456789", 9), 0xE3069283u);
        ASSERT_EQ(state_file_crc32c_tables(0, "123456789", 9), 0xE3069283u);
        /* Every length and start (aligned or not) up to 64, chained from a non-zero CRC. */
        for (size_t off = 0; off < 8; off++)
                for (size_t len = 0; len <= 64; len++) {
                        uint32_t want = crc32c_bitwise(0x12345678u, yaml + off, len);
                        ASSERT_EQ(state_file_crc32c(0x12345678u, yaml + off, len), want);
                        ASSERT_EQ(state_file_crc32c_tables(0x12345678u, yaml + off, len), want);
                }
        for (size_t i = 0; i < sizeof(text); i++)
                text[i] = (char) ('a' + i * 7 % 26);
        for (size_t i = 0; i < sizeof(copy); i++)
                copy[i] = (char) ('A' + i * 11 % 26);
        for (size_t len = 0; len < 40; len++) {
                char want[9];
                size_t tlen = len * 13 + len % 3;
                const char *t = slot + 4096 - STATE_FILE_COPY_TRAILER_SIZE;

                ASSERT_OK(state_file_record_slot_copy(len, 9, 4096, text, tlen, copy, len * 7, slot));
                snprintf(want, sizeof(want), "%08x",
                         crc32c_bitwise(crc32c_bitwise(0, slot, STATE_FILE_SLOT_HEADER_SIZE - 9), text, tlen));
                ASSERT_TRUE(memcmp(slot + STATE_FILE_SLOT_HEADER_SIZE - 9, want, 8) == 0);
                snprintf(want, sizeof(want), "%08x",
                         crc32c_bitwise(crc32c_bitwise(0, t, STATE_FILE_COPY_TRAILER_SIZE - 9), copy, len * 7));
                ASSERT_TRUE(memcmp(t + STATE_FILE_COPY_TRAILER_SIZE - 9, want, 8) == 0);
        }
}

/* state_file_read(): a file over the limit is refused, whatever the sizes of the reads that got there
 * (the limit was once checked only before a read, so a last short read could pass it). */
TEST(read_limit) {
        char *dir = scratch_dir();
        _cleanup_(freep) char *path = strprintf("%s/f", dir), *data = malloc(100000);

        ASSERT_NOT_NULL(path);
        ASSERT_NOT_NULL(data);
        memset(data, 'x', 100000);
        for (size_t size = 4000; size <= 100000; size += 24000)
                for (int over = 0; over <= 1; over++) {
                        size_t max = over ? size - 1 : size;
                        _cleanup_(freep) char *text = NULL, *err = NULL;
                        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

                        ASSERT_TRUE(fd >= 0);
                        ASSERT_EQ(write(fd, data, size), (ssize_t) size);
                        close(fd);
                        if (over) {
                                ASSERT_ERROR(state_file_read(path, max, &text, &err), EBADMSG);
                                ASSERT_STREQ(err, "file too large");
                        } else {
                                ASSERT_OK(state_file_read(path, max, &text, &err));
                                ASSERT_EQ(text ? strlen(text) : 0, size);
                        }
                }
        scratch_done(dir);
}

TAP_MAIN()
