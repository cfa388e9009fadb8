/* SPDX-License-Identifier: Apache-2.0 */
/* Loads and renders every manifest listed in tests/cases/examples.txt from ../shared/examples and checks
 * the outcome the examples' READMEs give. One TAP line per manifest; every file of the examples
 * directory must be listed, so a new example cannot go unchecked. JOBSD_EXAMPLES names the directory,
 * JOBSD_EXAMPLES_LIST another list (the test doc-examples: docs/examples and tests/cases/doc-examples.txt). */
#include <dirent.h>

#include "jobsd/manifest.h"
#include "jobsd/render.h"
#include "jobsd/strv.h"
#include "tap.h"

typedef struct Case {
        char *path;             /* relative to the examples directory */
        char *full;
        char *expect;           /* valid, cannot-run, or "error …" */
        char **warnings;        /* "LINE:COL path: message" */
} Case;

static Case cases[256];
static size_t n_cases;
static char **listed;

static char *diag_short(const Diag *d) {
        return strprintf("%zu:%zu %s%s%s", d->line + 1, d->column + 1, strempty(d->path), d->path ? ": " : "", d->message);
}

static void check(const void *data) {
        const Case *c = data;
        _cleanup_(manifest_list_done) ManifestList list = {};
        _cleanup_(diag_list_done) DiagList diags = {}, rdiags = {};
        RenderContext ctx = {
                .pod_uid = "uid", .node_name = "node", .host_ip = "127.0.0.1", .n_cpus = 2, .memory_bytes = 1 << 30,
                .state_dir = "/var/lib/jobsd", .runtime_dir = "/run/jobsd",
        };
        FILE *devnull = fopen("/dev/null", "we");

        assert_se(devnull);
        ASSERT_OK(manifest_load_file(c->full, &list, &diags));
        for (size_t i = 0; i < diags.n; i++) {
                _cleanup_(freep) char *s = diag_short(diags.items + i);
                if (diags.items[i].level == DIAG_WARNING) {
                        if (c->warnings && !strv_contains(c->warnings, s))
                                tap_fail(c->path, 0, "unexpected warning: %s", s);
                        continue;
                }
                if (!startswith(c->expect, "error ") || !streq(c->expect + 6, s))
                        tap_fail(c->path, 0, "unexpected error: %s", s);
        }
        STRV_FOREACH(w, c->warnings) {
                bool found = false;
                for (size_t i = 0; i < diags.n; i++) {
                        _cleanup_(freep) char *s = diag_short(diags.items + i);
                        found = found || streq(s, *w);
                }
                if (!found)
                        tap_fail(c->path, 0, "expected warning not reported: %s", *w);
        }
        if (startswith(c->expect, "error ")) {
                ASSERT_EQ(diag_list_count(&diags, DIAG_ERROR), 1);
                ASSERT_EQ(list.n, 0);
                fclose(devnull);
                return;
        }
        ASSERT_EQ(diag_list_count(&diags, DIAG_ERROR), 0);
        ASSERT_EQ(list.n, 1);
        for (size_t i = 0; i < list.n; i++)
                ASSERT_OK(render_manifest(list.items + i, &ctx, (usec_t) 1767225600 * USEC_PER_SEC, devnull, &rdiags));
        if (streq(c->expect, "cannot-run")) {
                ASSERT_TRUE(diag_list_has_errors(&rdiags));
                for (size_t i = 0; i < rdiags.n; i++)
                        ASSERT_TRUE(strstr(rdiags.items[i].message, "has no command or args") != NULL);
        } else {
                for (size_t i = 0; i < rdiags.n; i++) {
                        _cleanup_(freep) char *s = diag_short(rdiags.items + i);
                        tap_fail(c->path, 0, "render: %s", s);
                }
        }
        fclose(devnull);
}

static void walk(const char *root, const char *rel) {
        _cleanup_(freep) char *dir = strprintf("%s/%s", root, rel);
        DIR *d = opendir(dir);

        assert_se(d);
        for (struct dirent *de; (de = readdir(d));) {
                size_t l = strlen(de->d_name);
                _cleanup_(freep) char *r = NULL;

                if (de->d_name[0] == '.')
                        continue;
                r = *rel ? strprintf("%s/%s", rel, de->d_name) : strdup(de->d_name);
                if (de->d_type == DT_DIR)
                        walk(root, r);
                else if (l > 5 && streq(de->d_name + l - 5, ".yaml"))
                        assert_se(strv_extend(&listed, r) >= 0);
        }
        closedir(d);
}

TEST(every_example_is_listed) {
        const char *root = getenv("JOBSD_EXAMPLES");

        walk(root, "");
        STRV_FOREACH(p, listed) {
                bool found = false;
                for (size_t i = 0; i < n_cases; i++)
                        found = found || streq(cases[i].path, *p);
                if (!found)
                        tap_fail(*p, 0, "example not listed in tests/cases/examples.txt");
        }
}

int main(void) {
        const char *src = getenv("JOBSD_SOURCE_ROOT") ?: ".", *ex = getenv("JOBSD_EXAMPLES");
        const char *list_env = getenv("JOBSD_EXAMPLES_LIST");
        _cleanup_(freep) char *list = list_env ? strdup(list_env) : strprintf("%s/tests/cases/examples.txt", src);
        char line[4096];
        FILE *f;

        if (!ex) {
                /* The reference manifests beside the tree are optional: the project's own examples are
                 * checked by doc-examples and project-examples. */
                printf("1..0 # SKIP no ../shared/examples beside the source tree (JOBSD_EXAMPLES unset)\n");
                return EXIT_SUCCESS;
        }
        f = fopen(list, "re");
        assert_se(f);
        while (fgets(line, sizeof(line), f)) {
                char *tab = strchr(line, '\t');
                line[strcspn(line, "\n")] = 0;
                if (line[0] == '#' || !tab)
                        continue;
                *tab = 0;
                if (startswith(tab + 1, "warning ")) {
                        assert_se(n_cases > 0 && streq(cases[n_cases - 1].path, line));
                        assert_se(strv_extend(&cases[n_cases - 1].warnings, tab + 1 + 8) >= 0);
                        continue;
                }
                assert_se(n_cases < ELEMENTSOF(cases));
                cases[n_cases].path = strdup(line);
                cases[n_cases].full = strprintf("%s/%s", ex, line);
                cases[n_cases].expect = strdup(tab + 1);
                tap_register_data(cases[n_cases].path, check, cases + n_cases);
                n_cases++;
        }
        fclose(f);
        return tap_run();
}
