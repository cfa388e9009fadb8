/* SPDX-License-Identifier: Apache-2.0 */
/* Walks tests/cases/manifests/: each file says what loading it must report, in comments:
 *   # expect-error: LINE:COL field.path: message
 *   # expect-warning: LINE:COL field.path: message
 *   # expect-loaded: N            (manifests loaded; default: 1 if no error is expected, else 0)
 * The diagnostics must match exactly, position included, in any order. One TAP line per file. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jobsd/manifest.h"
#include "../generator/manifest-yaml.h"
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

/* ---- files and directories: trust, symlinks, empty files, subdirectories, the size limit ---- */

TEST(trust_problem) {
        struct stat st = { .st_uid = 0, .st_mode = S_IFREG | 0644 };

        ASSERT_NULL(manifest_trust_problem(&st, 0));
        st.st_mode = S_IFREG | 0664;
        ASSERT_STREQ(manifest_trust_problem(&st, 0), "writable by its group");
        st.st_mode = S_IFREG | 0646;
        ASSERT_STREQ(manifest_trust_problem(&st, 0), "writable by others");
        st.st_mode = S_IFDIR | 01777;
        ASSERT_STREQ(manifest_trust_problem(&st, 0), "writable by others");
        st.st_mode = S_IFREG | 0600;
        st.st_uid = 1000;
        ASSERT_STREQ(manifest_trust_problem(&st, 0), "owned by another user");
        ASSERT_NULL(manifest_trust_problem(&st, 1000));         /* --user: the running user's own files */
        st.st_uid = 0;
        ASSERT_NULL(manifest_trust_problem(&st, 1000));         /* root's files are trusted by everyone */
        st.st_uid = 1001;
        ASSERT_STREQ(manifest_trust_problem(&st, 1000), "owned by another user");
}

static const char job_yaml[] =
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: %s\nspec:\n  template:\n    spec:\n"
        "      restartPolicy: Never\n      containers:\n      - name: c\n        image: busybox\n        command: [\"true\"]\n";

static void write_text(const char *dir, const char *name, const char *text, mode_t mode) {
        _cleanup_(freep) char *p = strprintf("%s/%s", dir, name);
        FILE *f = fopen(p, "we");

        assert_se(f);
        fputs(text, f);
        fclose(f);
        assert_se(chmod(p, mode) >= 0);
}

static void write_job(const char *dir, const char *file, const char *name, mode_t mode) {
        _cleanup_(freep) char *text = strprintf(job_yaml, name);
        write_text(dir, file, text, mode);
}

/* The diagnostics about one file, formatted, joined by newlines. */
static char *diags_of(const DiagList *d, const char *dir, const char *name) {
        _cleanup_(freep) char *file = strprintf("%s/%s", dir, name);
        char *out = strdup("");

        for (size_t i = 0; i < d->n; i++)
                if (d->items[i].file && streq(d->items[i].file, file)) {
                        _cleanup_(freep) char *s = diag_format(d->items + i), *old = out;
                        out = strprintf("%s%s\n", old, s);
                }
        return out;
}

static bool loaded(const ManifestList *l, const char *name) {
        for (size_t i = 0; i < l->n; i++)
                if (l->items[i].kind == MANIFEST_JOB && streq(l->items[i].job->metadata.name, name))
                        return true;
        return false;
}

static void rm_dir(const char *dir) {
        _cleanup_(freep) char *cmd = strprintf("rm -rf '%s'", dir);
        (void) system(cmd);
}

TEST(directory_files) {
        char dir[] = "/tmp/jobsd-test-manifest.XXXXXX";
        _cleanup_(manifest_list_done) ManifestList list = {};
        _cleanup_(diag_list_done) DiagList diags = {};
        _cleanup_(freep) char *p = NULL, *d = NULL, *big = NULL;
        ManifestLoadOptions opts = { .strict = true, .trusted_uid = getuid() };

        ASSERT_NOT_NULL(mkdtemp(dir));
        assert_se(chmod(dir, 0755) >= 0);
        write_job(dir, "good.yaml", "good", 0644);
        write_job(dir, "group.yaml", "group", 0664);
        write_job(dir, "world.yml", "world", 0646);
        write_job(dir, "readonly.yaml", "readonly", 0444);
        write_text(dir, "empty.yaml", "", 0644);
        write_text(dir, "comments.yaml", "# nothing here\n---\n", 0644);
        write_text(dir, "notes.txt", "not a manifest", 0666);                /* not *.yaml: not looked at */
        write_job(dir, ".hidden.yaml", "hidden", 0666);
        p = strprintf("%s/target.yaml.orig", dir);
        write_job(dir, "target.yaml.orig", "target", 0644);
        d = strprintf("%s/link.yaml", dir);
        assert_se(symlink(p, d) >= 0);
        free(d);
        d = strprintf("%s/dangling.yaml", dir);
        assert_se(symlink("/nonexistent/jobsd-test", d) >= 0);
        free(d);
        d = strprintf("%s/subdir.yaml", dir);
        assert_se(mkdir(d, 0755) >= 0);
        write_job(d, "inner.yaml", "inner", 0644);
        big = malloc(MANIFEST_SIZE_MAX + 2);
        assert_se(big);
        memset(big, '#', MANIFEST_SIZE_MAX + 1);
        big[MANIFEST_SIZE_MAX + 1] = 0;
        write_text(dir, "huge.yaml", big, 0644);

        ASSERT_OK(manifest_load_directory_full(dir, &opts, &list, &diags));
        if (getenv("JOBSD_TEST_PRINT"))
                for (size_t i = 0; i < diags.n; i++) {
                        _cleanup_(freep) char *s = diag_format(diags.items + i);
                        tap_diag("%s", s);
                }
        ASSERT_TRUE(loaded(&list, "good"));
        ASSERT_TRUE(loaded(&list, "readonly"));
        ASSERT_FALSE(loaded(&list, "group"));
        ASSERT_FALSE(loaded(&list, "world"));
        ASSERT_FALSE(loaded(&list, "hidden"));
        ASSERT_FALSE(loaded(&list, "target"));
        ASSERT_FALSE(loaded(&list, "inner"));
        ASSERT_EQ(list.n, 2u);
#define EXPECT_DIAG(name, text) do {                                                    \
                _cleanup_(freep) char *_s = diags_of(&diags, dir, name);                \
                ASSERT_NOT_NULL(_s);                                                    \
                if (_s && !strstr(_s, text))                                            \
                        tap_fail(name, __LINE__, "expected \"%s\" in: %s", text, _s);   \
                ASSERT_EQ(strchr(_s ?: "", '\n') == strrchr(_s ?: "", '\n'), true);   \
        } while (0)
        EXPECT_DIAG("group.yaml", "untrusted manifest: writable by its group (owner uid");
        EXPECT_DIAG("world.yml", "untrusted manifest: writable by others");
        EXPECT_DIAG("empty.yaml", "warning: no objects in the file");
        EXPECT_DIAG("comments.yaml", "warning: no objects in the file");
        EXPECT_DIAG("link.yaml", "is a symbolic link, refusing");
        EXPECT_DIAG("dangling.yaml", "is a symbolic link, refusing");
        EXPECT_DIAG("huge.yaml", "larger than the limit of 1048576 bytes, refusing");
        /* good, readonly: nothing; the rest one each; subdir.yaml, notes.txt, .hidden.yaml: nothing. */
        ASSERT_EQ(diags.n, 7u);
        ASSERT_EQ(diag_list_count(&diags, DIAG_ERROR), 5u);

        /* Without strict (jobctl validate), the same files load whatever their mode. */
        manifest_list_done(&list);
        diag_list_done(&diags);
        ASSERT_OK(manifest_load_directory(dir, &list, &diags));
        ASSERT_TRUE(loaded(&list, "group"));
        ASSERT_TRUE(loaded(&list, "world"));

        /* Another user's file, when we can make one (as root). */
        if (getuid() == 0) {
                _cleanup_(freep) char *f = strprintf("%s/good.yaml", dir);
                assert_se(chown(f, 65534, 65534) >= 0);
                manifest_list_done(&list);
                diag_list_done(&diags);
                ASSERT_OK(manifest_load_directory_full(dir, &opts, &list, &diags));
                ASSERT_FALSE(loaded(&list, "good"));
                EXPECT_DIAG("good.yaml", "untrusted manifest: owned by another user (owner uid 65534");
        } else
                tap_diag("not root: the owner check is covered by trust_problem only");

        /* An untrusted directory: one error naming it, nothing loaded. */
        assert_se(chmod(dir, 0777) >= 0);
        manifest_list_done(&list);
        diag_list_done(&diags);
        ASSERT_ERROR(manifest_load_directory_full(dir, &opts, &list, &diags), EPERM);
        ASSERT_EQ(list.n, 0u);
        ASSERT_EQ(diags.n, 1u);
        if (diags.n == 1) {
                ASSERT_STREQ(diags.items[0].file, dir);
                ASSERT_NOT_NULL(strstr(diags.items[0].message, "untrusted manifest directory: writable by others"));
        }
        assert_se(chmod(dir, 0775) >= 0);
        manifest_list_done(&list);
        diag_list_done(&diags);
        ASSERT_ERROR(manifest_load_directory_full(dir, &opts, &list, &diags), EPERM);
        rm_dir(dir);
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
