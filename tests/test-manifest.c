/* SPDX-License-Identifier: Apache-2.0 */
/* Walks tests/cases/manifests/: each file says what loading it must report, in comments:
 *   # expect-error: LINE:COL field.path: message
 *   # expect-warning: LINE:COL field.path: message
 *   # expect-loaded: N            (manifests loaded; default: 1 if no error is expected, else 0)
 * The diagnostics must match exactly, position included, in any order. One TAP line per file. */
#include <dirent.h>

#include "jobsd/manifest.h"
#include "jobsd/strv.h"
#include "tap.h"

static char *read_file(const char *path, size_t *ret_size) {
        FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t n = 0, a = 0;

        if (!f)
                return NULL;
        for (;;) {
                if (n + 4096 + 1 > a) {
                        a = (n + 4096 + 1) * 2;
                        buf = realloc(buf, a);
                        if (!buf)
                                abort();
                }
                size_t k = fread(buf + n, 1, 4096, f);
                n += k;
                if (k == 0)
                        break;
        }
        fclose(f);
        buf[n] = 0;
        *ret_size = n;
        return buf;
}

static void check_case(const void *data) {
        const char *path = data;
        _cleanup_(freep) char *buf = NULL;
        _cleanup_(strv_freep) char **expected = NULL, **actual = NULL;
        _cleanup_(manifest_list_done) ManifestList list = {};
        _cleanup_(diag_list_done) DiagList diags = {};
        long expect_loaded = -1;
        size_t size;

        buf = read_file(path, &size);
        ASSERT_NOT_NULL(buf);
        if (!buf)
                return;

        for (char *line = buf; line && *line;) {
                char *end = strchr(line, '\n');
                size_t len = end ? (size_t) (end - line) : strlen(line);
                _cleanup_(freep) char *l = strndup(line, len);
                const char *v;

                if ((v = startswith(l, "# expect-error: ")))
                        assert_se(strv_push(&expected, strprintf("error %s", v)) >= 0);
                else if ((v = startswith(l, "# expect-warning: ")))
                        assert_se(strv_push(&expected, strprintf("warning %s", v)) >= 0);
                else if ((v = startswith(l, "# expect-loaded: ")))
                        expect_loaded = strtol(v, NULL, 10);
                line = end ? end + 1 : NULL;
        }

        ASSERT_OK(manifest_parse_buffer(path, buf, size, &list, &diags));
        for (size_t i = 0; i < diags.n; i++) {
                const Diag *d = diags.items + i;
                assert_se(strv_push(&actual, strprintf("%s %zu:%zu %s%s%s",
                                                       d->level == DIAG_ERROR ? "error" : "warning",
                                                       d->line + 1, d->column + 1,
                                                       strempty(d->path), d->path ? ": " : "", d->message)) >= 0);
        }

        /* JOBSD_TEST_PRINT=1 shows every diagnostic, to write a new case file's expectations. */
        if (getenv("JOBSD_TEST_PRINT"))
                STRV_FOREACH(a, actual)
                        tap_diag("actual %s: %s", path, *a);

        STRV_FOREACH(e, expected)
                if (!strv_contains(actual, *e))
                        tap_fail(path, 0, "expected diagnostic not reported: %s", *e);
        STRV_FOREACH(a, actual)
                if (!strv_contains(expected, *a))
                        tap_fail(path, 0, "unexpected diagnostic: %s", *a);

        if (expect_loaded < 0) {
                bool errors = false;
                STRV_FOREACH(e, expected)
                        if (startswith(*e, "error "))
                                errors = true;
                expect_loaded = errors ? 0 : 1;
        }
        ASSERT_EQ(list.n, expect_loaded);
}

static int name_cmp(const void *a, const void *b) {
        return strcmp(*(char * const *) a, *(char * const *) b);
}

int main(void) {
        const char *root = getenv("JOBSD_SOURCE_ROOT") ?: ".";
        _cleanup_(freep) char *dir = strprintf("%s/tests/cases/manifests", root);
        static char **files = NULL;
        DIR *d;

        d = opendir(dir);
        if (!d) {
                printf("not ok 1 - cannot open %s\n1..1\n", dir);
                return EXIT_FAILURE;
        }
        for (struct dirent *de; (de = readdir(d));) {
                size_t l = strlen(de->d_name);
                if (l > 5 && streq(de->d_name + l - 5, ".yaml"))
                        assert_se(strv_push(&files, strprintf("%s/%s", dir, de->d_name)) >= 0);
        }
        closedir(d);
        qsort(files, strv_length(files), sizeof(char *), name_cmp);
        STRV_FOREACH(f, files)
                tap_register_data(strrchr(*f, '/') + 1, check_case, *f);
        return tap_run();
}
