/* SPDX-License-Identifier: Apache-2.0 */
/* manifest_diff(): what the manifests define against what is loaded, one decision per object. */
#include "manifest-diff.h"
#include "tap.h"

/* Stands in for job_immutable_change(): completions is immutable, parallelism is not. */
static const char *fake_immutable_change(const Job *old, const Job *new) {
        return old->spec.completions != new->spec.completions ? "spec.completions" : NULL;
}

static Job job_c1 = { .spec = { .completions = 1, .parallelism = 1 } },
           job_c1_p2 = { .spec = { .completions = 1, .parallelism = 2 } },
           job_c3 = { .spec = { .completions = 3, .parallelism = 1 } };

#define DEF_JOB(f, n, fp, j) \
        ((DefinedObject) { .kind = MANIFEST_OBJECT_JOB, .namespace = "default", .name = (n), .file = (f), \
                           .fingerprint = (fp), .job = &(j) })
#define DEF_CRON(f, n) \
        ((DefinedObject) { .kind = MANIFEST_OBJECT_CRON_JOB, .namespace = "default", .name = (n), .file = (f) })
#define LOADED_JOB(f, n, fp, j) \
        ((LoadedObject) { .kind = MANIFEST_OBJECT_JOB, .namespace = "default", .name = (n), .file = (f), \
                          .fingerprint = (fp), .job = &(j) })
#define LOADED_CRON(f, n) \
        ((LoadedObject) { .kind = MANIFEST_OBJECT_CRON_JOB, .namespace = "default", .name = (n), .file = (f) })

/* The decisions as text, one "type:kind:defined:loaded" per decision, space-separated (kind: J or C;
 * an index - when none); a move's old file and a refusal's field follow in brackets. */
static char *diff_text(const DefinedObject *d, size_t n_d, const LoadedObject *l, size_t n_l) {
        ManifestDiff diff = {};
        char *buf = NULL;
        size_t size = 0;
        FILE *f;

        if (manifest_diff(d, n_d, l, n_l, fake_immutable_change, &diff) < 0)
                return NULL;
        f = open_memstream(&buf, &size);
        if (!f) {
                manifest_diff_done(&diff);
                return NULL;
        }
        for (size_t i = 0; i < diff.n; i++) {
                const ManifestDecision *x = diff.items + i;
                fprintf(f, "%s%s:%c:", i > 0 ? " " : "", manifest_decision_type_to_string(x->type),
                        x->kind == MANIFEST_OBJECT_JOB ? 'J' : 'C');
                if (x->defined == MANIFEST_DIFF_NONE)
                        fputc('-', f);
                else
                        fprintf(f, "%zu", x->defined);
                if (x->loaded == MANIFEST_DIFF_NONE)
                        fputs(":-", f);
                else
                        fprintf(f, ":%zu", x->loaded);
                if (x->type == DECISION_MOVE || x->type == DECISION_DUPLICATE)
                        fprintf(f, "[%s]", x->file);
                if (x->type == DECISION_REFUSE)
                        fprintf(f, "[%s]", x->field);
                if (x->type == DECISION_UPDATE && x->rerun)
                        fputs("[rerun]", f);
        }
        fclose(f);
        manifest_diff_done(&diff);
        return buf;
}

#define ASSERT_DIFF(d, l, expected)                                                             \
        do {                                                                                    \
                char *_t = diff_text(d, sizeof(d) / sizeof(d[0]), l, sizeof(l) / sizeof(l[0])); \
                ASSERT_STREQ(_t, expected);                                                     \
                free(_t);                                                                       \
        } while (0)

TEST(nothing) {
        ManifestDiff diff = {};

        ASSERT_OK(manifest_diff(NULL, 0, NULL, 0, fake_immutable_change, &diff));
        ASSERT_EQ(diff.n, 0);
        manifest_diff_done(&diff);
}

TEST(new_objects_are_added) {
        DefinedObject d[] = { DEF_JOB("a.yaml", "x", "f1", job_c1), DEF_CRON("a.yaml", "c") };
        LoadedObject l[] = { LOADED_JOB("b.yaml", "y", "f1", job_c1) };

        /* y's file no longer defines it: deleted. */
        ASSERT_DIFF(d, l, "add:J:0:- add:C:1:- delete:J:-:0");
}

TEST(same_content_unchanged) {
        DefinedObject d[] = { DEF_JOB("a.yaml", "x", "f1", job_c1) };
        LoadedObject l[] = { LOADED_JOB("a.yaml", "x", "f1", job_c1) };

        ASSERT_DIFF(d, l, "unchanged:J:0:0");
}

TEST(changed_running_job_updated_or_refused) {
        DefinedObject parallelism[] = { DEF_JOB("a.yaml", "x", "f2", job_c1_p2) },
                      completions[] = { DEF_JOB("a.yaml", "x", "f2", job_c3) };
        LoadedObject l[] = { LOADED_JOB("a.yaml", "x", "f1", job_c1) };

        /* Running: what Kubernetes lets change is taken, an immutable field refused (and the Job kept). */
        ASSERT_DIFF(parallelism, l, "update:J:0:0");
        ASSERT_DIFF(completions, l, "refuse:J:0:0[spec.completions]");
}

TEST(changed_finished_job_runs_again) {
        DefinedObject d[] = { DEF_JOB("a.yaml", "x", "f2", job_c3) };
        LoadedObject l[] = { LOADED_JOB("a.yaml", "x", "f1", job_c1) };

        /* Finished: any change, immutable fields too, makes it run again with the new content. */
        l[0].finished = true;
        ASSERT_DIFF(d, l, "update:J:0:0[rerun]");
}

TEST(an_update_leaves_the_job_running) {
        /* The same name twice in a file: the second definition meets the Job the first one made. */
        DefinedObject d[] = { DEF_JOB("a.yaml", "x", "f2", job_c1), DEF_JOB("a.yaml", "x", "f3", job_c3) };
        LoadedObject l[] = { LOADED_JOB("a.yaml", "x", "f1", job_c1) };

        l[0].finished = true;
        ASSERT_DIFF(d, l, "update:J:0:0[rerun] refuse:J:1:0[spec.completions]");
}

TEST(a_file_with_errors_keeps_its_jobs) {
        LoadedObject l[] = { LOADED_JOB("a.yaml", "x", "f1", job_c1), LOADED_JOB("b.yaml", "y", "f1", job_c1),
                             LOADED_CRON("a.yaml", "c") };
        DefinedObject none[] = { DEF_JOB("b.yaml", "y", "f1", job_c1) };
        DefinedObject elsewhere[] = { DEF_JOB("b.yaml", "y", "f1", job_c1), DEF_JOB("c.yaml", "x", "f2", job_c1) };

        l[0].file_has_errors = true;
        l[2].file_has_errors = true;
        /* a.yaml has errors: x and c are kept as they are. */
        ASSERT_DIFF(none, l, "unchanged:J:0:1 keep:J:-:0 keep:C:-:2");
        /* Another file defining x does not take it from a file with errors. */
        ASSERT_DIFF(elsewhere, l, "unchanged:J:0:1 duplicate:J:1:0[a.yaml] keep:C:-:2");
}

TEST(a_file_with_errors_still_defines_what_it_can) {
        /* b.yaml has errors in another document: x, loaded from it, still updates. */
        DefinedObject d[] = { DEF_JOB("b.yaml", "x", "f2", job_c1_p2) };
        LoadedObject l[] = { LOADED_JOB("b.yaml", "x", "f1", job_c1) };

        d[0].file_has_errors = true;
        l[0].file_has_errors = true;
        ASSERT_DIFF(d, l, "update:J:0:0");
}

TEST(renamed_file_moves_its_objects) {
        DefinedObject same[] = { DEF_JOB("b.yaml", "x", "f1", job_c1), DEF_CRON("b.yaml", "c") },
                      changed[] = { DEF_JOB("b.yaml", "x", "f2", job_c3) };
        LoadedObject l[] = { LOADED_JOB("a.yaml", "x", "f1", job_c1), LOADED_CRON("a.yaml", "c") };

        /* a.yaml renamed to b.yaml: nothing deleted, nothing started again. */
        ASSERT_DIFF(same, l, "move:J:0:0[a.yaml] unchanged:J:0:0 move:C:1:1[a.yaml] update:C:1:1");
        /* Moved and changed in one step: the change is judged as in its own file. */
        ASSERT_DIFF(changed, l, "move:J:0:0[a.yaml] refuse:J:0:0[spec.completions] delete:C:-:1");
}

TEST(an_object_moves_between_files) {
        /* x moves from a.yaml (which keeps y) to b.yaml. */
        DefinedObject d[] = { DEF_JOB("a.yaml", "y", "f1", job_c1), DEF_JOB("b.yaml", "x", "f1", job_c1) };
        LoadedObject l[] = { LOADED_JOB("a.yaml", "x", "f1", job_c1), LOADED_JOB("a.yaml", "y", "f1", job_c1) };

        ASSERT_DIFF(d, l, "unchanged:J:0:1 move:J:1:0[a.yaml] unchanged:J:1:0");
}

TEST(defined_twice) {
        /* a.yaml still defines x: b.yaml's x with other content is ignored; with the same content it is
         * the same Job. */
        DefinedObject other[] = { DEF_JOB("a.yaml", "x", "f1", job_c1), DEF_JOB("b.yaml", "x", "f2", job_c1) },
                      same[] = { DEF_JOB("a.yaml", "x", "f1", job_c1), DEF_JOB("b.yaml", "x", "f1", job_c1) },
                      cron[] = { DEF_CRON("a.yaml", "c"), DEF_CRON("b.yaml", "c") };
        LoadedObject l[] = { LOADED_JOB("a.yaml", "x", "f1", job_c1) }, lc[] = { LOADED_CRON("a.yaml", "c") };

        ASSERT_DIFF(other, l, "unchanged:J:0:0 duplicate:J:1:0[a.yaml]");
        ASSERT_DIFF(same, l, "unchanged:J:0:0 unchanged:J:1:0");
        ASSERT_DIFF(cron, lc, "update:C:0:0 duplicate:C:1:0[a.yaml]");
        /* New in two files at once: the first one has it. */
        ASSERT_DIFF(other, (LoadedObject[]) {}, "add:J:0:- duplicate:J:1:-[a.yaml]");
}

TEST(generated_names_do_not_hold_a_name) {
        /* x was made from a.yaml's generateName; b.yaml now names it: it moves. */
        DefinedObject d[] = { DEF_JOB("a.yaml", "x", "f1", job_c1), DEF_JOB("b.yaml", "x", "f1", job_c1) };
        LoadedObject l[] = { LOADED_JOB("a.yaml", "x", "f1", job_c1) };

        d[0].generated_name = true;
        ASSERT_DIFF(d, l, "unchanged:J:0:0 move:J:1:0[a.yaml] unchanged:J:1:0");
        d[0].generated_name = false;
        ASSERT_DIFF(d, l, "unchanged:J:0:0 unchanged:J:1:0");
}

TEST(deleted_objects) {
        LoadedObject l[] = { LOADED_JOB("a.yaml", "x", "f1", job_c1), LOADED_CRON("b.yaml", "c"),
                             LOADED_JOB("a.yaml", "y", "f1", job_c1), LOADED_CRON("b.yaml", "d") };

        /* Jobs first, then CronJobs, newest first. */
        ASSERT_DIFF((DefinedObject[]) {}, l, "delete:J:-:2 delete:J:-:0 delete:C:-:3 delete:C:-:1");
}

TEST(jobs_of_cronjobs_go_with_them) {
        LoadedObject l[] = { LOADED_CRON("a.yaml", "c"), LOADED_JOB("a.yaml", "c-28000000", "f1", job_c1) };
        DefinedObject moved[] = { DEF_CRON("b.yaml", "c"), DEF_JOB("b.yaml", "c-28000000", "f2", job_c1) },
                      kept[] = { DEF_CRON("a.yaml", "c") },
                      other[] = { DEF_CRON("a.yaml", "c"), DEF_JOB("b.yaml", "c-28000000", "f2", job_c1) };

        l[1].cron_owner = "c";
        /* No decision on the CronJob's Job: it goes (or stays) with its CronJob. */
        ASSERT_DIFF((DefinedObject[]) {}, l, "delete:C:-:0");
        ASSERT_DIFF(kept, l, "update:C:0:0");
        /* A manifest's Job of the same name does not take it... */
        ASSERT_DIFF(other, l, "update:C:0:0 duplicate:J:1:1[a.yaml]");
        /* ...and the CronJob's move takes its Job along to the new file. */
        ASSERT_DIFF(moved, l, "move:C:0:0[a.yaml] update:C:0:0 update:J:1:1");
}

TEST(tombstoned_jobs_stay_deleted) {
        DefinedObject d[] = { DEF_JOB("a.yaml", "x", "f1", job_c1), DEF_JOB("b.yaml", "x", "f2", job_c1) };

        d[0].tombstoned = true;
        /* Deleted through the API with this content: not made again; another content of the name is. */
        ASSERT_DIFF(d, (LoadedObject[]) {}, "tombstoned:J:0:- add:J:1:-");
}

TEST(decision_names) {
        for (ManifestDecisionType t = 0; t < _DECISION_TYPE_MAX; t++)
                ASSERT_NOT_NULL(manifest_decision_type_to_string(t));
        ASSERT_NULL(manifest_decision_type_to_string(_DECISION_TYPE_MAX));
}

TAP_MAIN();
