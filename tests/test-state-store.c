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

TEST(save_and_load) {
        _cleanup_(job_freep) Job *j = load_job(yaml);
        JobRecord rec = { .uid = strdup("u1"), .manifest_hash = strdup("h1") };
        _cleanup_(job_record_done) JobRecord back = {};
        char dir[] = "/tmp/jobsd-test-state-XXXXXX";
        _cleanup_(freep) char *err = NULL, *cmd = NULL;

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
