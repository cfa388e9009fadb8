/* SPDX-License-Identifier: Apache-2.0 */
/* Golden tests: tests/cases/render/NAME.yaml renders to exactly NAME.expected (fixed host facts and
 * clock). JOBSD_TEST_UPDATE=1 rewrites the expected files, for review in the diff. Also checks that
 * docs/mapping.md names every unit property jobsd sets. */
#include <dirent.h>

#include "jobsd/manifest.h"
#include "jobsd/render.h"
#include "jobsd/strv.h"
#include "tap.h"

/* 2026-01-01 00:00:00 UTC */
#define NOW_USEC ((usec_t) 1767225600 * USEC_PER_SEC)

static const RenderContext test_ctx = {
        .pod_uid = "00000000-0000-4000-8000-000000000000",
        .node_name = "testhost",
        .host_ip = "192.0.2.1",
        .n_cpus = 4,
        .memory_bytes = 8ULL << 30,
        .state_dir = "/var/lib/jobsd",
        .runtime_dir = "/run/jobsd",
        .trigger_command = "/usr/bin/jobctl",
};

static char *slurp(const char *path) {
        FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t n = 0;

        if (!f)
                return NULL;
        buf = malloc(1024 * 1024 + 1);
        assert_se(buf);
        n = fread(buf, 1, 1024 * 1024, f);
        fclose(f);
        buf[n] = 0;
        return buf;
}

static void check_golden(const void *data) {
        const char *yaml = data;
        _cleanup_(freep) char *expected_path = NULL, *expected = NULL, *actual = NULL;
        _cleanup_(manifest_list_done) ManifestList list = {};
        _cleanup_(diag_list_done) DiagList diags = {};
        size_t size = 0;
        FILE *out;

        ASSERT_OK(manifest_load_file(yaml, &list, &diags));
        out = open_memstream(&actual, &size);
        assert_se(out);
        for (size_t i = 0; i < list.n; i++)
                ASSERT_OK(render_manifest(list.items + i, &test_ctx, NOW_USEC, out, &diags));
        /* Diagnostics are part of the expected output: rendering can refuse a container. */
        for (size_t i = 0; i < diags.n; i++) {
                const Diag *d = diags.items + i;
                fprintf(out, "# %s: %zu:%zu: %s: %s\n", d->level == DIAG_ERROR ? "error" : "warning",
                        d->line + 1, d->column + 1, strempty(d->path), d->message);
        }
        fclose(out);

        expected_path = strprintf("%.*s.expected", (int) (strlen(yaml) - 5), yaml);
        if (getenv("JOBSD_TEST_UPDATE")) {
                FILE *f = fopen(expected_path, "we");
                assert_se(f);
                fputs(actual, f);
                fclose(f);
                tap_diag("updated %s", expected_path);
                return;
        }
        expected = slurp(expected_path);
        ASSERT_NOT_NULL(expected);
        if (expected && !streq(expected, actual)) {
                tap_fail(yaml, 0, "rendered units differ from %s; actual output:", expected_path);
                for (char *l = actual, *e; l && *l; l = e ? e + 1 : NULL) {
                        e = strchr(l, '\n');
                        printf("#   %.*s\n", (int) (e ? e - l : (long) strlen(l)), l);
                }
        }
}

TEST(mapping_doc_names_every_property) {
        const char *root = getenv("JOBSD_SOURCE_ROOT") ?: ".";
        _cleanup_(freep) char *p = strprintf("%s/docs/mapping.md", root), *doc = slurp(p);

        ASSERT_NOT_NULL(doc);
        if (!doc)
                return;
        for (size_t i = 0; i < _UNIT_PROP_MAX; i++) {
                _cleanup_(freep) char *k = strprintf("`%s=`", unit_prop_table[i].key);
                if (!strstr(doc, k))
                        tap_fail(p, 0, "docs/mapping.md does not mention %s", k);
        }
}

TEST(unit_names_are_collision_free) {
        /* Job "a-1" index 0 and job "a" index 1 must differ, as must slices of "a" and "a-b". */
        _cleanup_(freep) char *u1 = pod_unit_name("default", "a-1", 0, 0, 0, "c"),
                *u2 = pod_unit_name("default", "a", 1, 0, 0, "c"),
                *s1 = job_slice_name("default", "a"), *s2 = job_slice_name("default", "a-b");

        ASSERT_STREQ(u1, "jobsd-default_a-1_0_0_c.service");
        ASSERT_STREQ(u2, "jobsd-default_a_1_0_c.service");
        ASSERT_STREQ(s1, "jobsd-default_a.slice");
        ASSERT_STREQ(s2, "jobsd-default_a\\x2db.slice");
}

TEST(unit_names_parse_back) {
        _cleanup_(freep) char *u = pod_unit_name("batch", "my.job-1", 17, 4, 3, "main-2"), *ns = NULL, *job = NULL, *c = NULL;
        int64_t index;
        uint64_t attempt;
        unsigned restart;

        ASSERT_STREQ(u, "jobsd-batch_my.job-1_17_4r3_main-2.service");
        ASSERT_OK(pod_unit_name_parse(u, &ns, &job, &index, &attempt, &restart, &c));
        ASSERT_EQ(restart, 3);
        ASSERT_STREQ(ns, "batch");
        ASSERT_STREQ(job, "my.job-1");
        ASSERT_EQ(index, 17);
        ASSERT_EQ(attempt, 4);
        ASSERT_STREQ(c, "main-2");
        ASSERT_ERROR(pod_unit_name_parse("jobsd-a_b_c.service", NULL, NULL, NULL, NULL, NULL, NULL), EINVAL);
        ASSERT_ERROR(pod_unit_name_parse("jobsd-a_b_x_0_c.service", NULL, NULL, &index, NULL, NULL, NULL), EINVAL);
        ASSERT_ERROR(pod_unit_name_parse("jobsd-a_b_0_1r_c.service", NULL, NULL, NULL, NULL, NULL, NULL), EINVAL);
        ASSERT_ERROR(pod_unit_name_parse("jobsd-a_b_0_1r0_c.service", NULL, NULL, NULL, NULL, NULL, NULL), EINVAL);
        ASSERT_ERROR(pod_unit_name_parse("jobsd.service", NULL, NULL, NULL, NULL, NULL, NULL), EINVAL);
        ASSERT_ERROR(pod_unit_name_parse("jobsd-cron_default_x.timer", NULL, NULL, NULL, NULL, NULL, NULL), EINVAL);
}

/* Image pull units (docs/containers.md): never taken for a pod's unit, even in a namespace "pull-…". */
TEST(pull_unit_names) {
        _cleanup_(freep) char *u = pull_unit_name("batch", "my.job-1", 17, 4, "main-2", true, 0),
                *p = pull_unit_name("default", "j", UNSET, 9, "c", false, 12), *pod = pod_unit_name("pull-x", "j", 0, 1, 0, "c"),
                *ns = NULL, *job = NULL, *c = NULL;
        uint64_t attempt;
        bool check;

        ASSERT_STREQ(u, "jobsd-pull-batch_my.job-1_17_4_main-2_e0.service");
        ASSERT_STREQ(p, "jobsd-pull-default_j_0_9_c_p12.service");
        ASSERT_OK(pull_unit_name_parse(u, &ns, &job, &attempt, &c, &check));
        ASSERT_STREQ(ns, "batch");
        ASSERT_STREQ(job, "my.job-1");
        ASSERT_EQ(attempt, 4u);
        ASSERT_STREQ(c, "main-2");
        ASSERT_TRUE(check);
        ASSERT_OK(pull_unit_name_parse(p, NULL, NULL, &attempt, NULL, &check));
        ASSERT_EQ(attempt, 9u);
        ASSERT_FALSE(check);
        ASSERT_ERROR(pull_unit_name_parse(pod, NULL, NULL, NULL, NULL, NULL), EINVAL);
        ASSERT_ERROR(pod_unit_name_parse(u, NULL, NULL, NULL, NULL, NULL, NULL), EINVAL);
        ASSERT_ERROR(pull_unit_name_parse("jobsd-pull-a_b_0_1_c_x1.service", NULL, NULL, NULL, NULL, NULL), EINVAL);
        ASSERT_ERROR(pull_unit_name_parse("jobsd-pull-a_b_0_1_c_p.service", NULL, NULL, NULL, NULL, NULL), EINVAL);
}

static int name_cmp(const void *a, const void *b) {
        return strcmp(*(char * const *) a, *(char * const *) b);
}

int main(void) {
        const char *root = getenv("JOBSD_SOURCE_ROOT") ?: ".";
        _cleanup_(freep) char *dir = strprintf("%s/tests/cases/render", root);
        static char **files = NULL;
        DIR *d = opendir(dir);

        assert_se(d);
        for (struct dirent *de; (de = readdir(d));) {
                size_t l = strlen(de->d_name);
                if (l > 5 && streq(de->d_name + l - 5, ".yaml"))
                        assert_se(strv_push(&files, strprintf("%s/%s", dir, de->d_name)) >= 0);
        }
        closedir(d);
        if (files)
                qsort(files, strv_length(files), sizeof(char *), name_cmp);
        STRV_FOREACH(f, files)
                tap_register_data(strrchr(*f, '/') + 1, check_golden, *f);
        return tap_run();
}
