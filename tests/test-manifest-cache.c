/* SPDX-License-Identifier: Apache-2.0 */
/* manifest_cache_load(): the same objects as a full load of the directory, parsing only changed files. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jobsd/strv.h"
#include "manifest-cache.h"
#include "tap.h"

static char dir[] = "/tmp/test-manifest-cache.XXXXXX";

static void put(const char *name, const char *job, const char *command) {
        _cleanup_(freep) char *path = strprintf("%s/%s", dir, name), *tmp = strprintf("%s/.%s.tmp", dir, name);
        FILE *f = fopen(tmp, "we");

        ASSERT_NOT_NULL(f);
        fprintf(f, "apiVersion: batch/v1\nkind: Job\nmetadata: {name: %s}\nspec:\n  template:\n    spec:\n"
                "      restartPolicy: Never\n      containers: [{name: c, image: busybox, command: [%s]}]\n",
                job, command);
        ASSERT_OK(fclose(f));
        ASSERT_OK(chmod(tmp, 0644));
        ASSERT_OK(rename(tmp, path));
}

/* The names of the objects a load gives, and its diagnostics' count; *parsed the files it parsed. */
static char *load(ManifestCache *c, unsigned *parsed, size_t *n_diags) {
        ManifestLoadOptions opts = { .strict = true, .trusted_uid = getuid() };
        ManifestCacheView v = {};
        char *s = strdup("");

        ASSERT_OK(manifest_cache_load(c, dir, &opts, &v));
        for (size_t i = 0; i < v.list.n; i++) {
                char *t = strprintf("%s%s%s", s, *s ? " " : "", v.list.items[i].job->metadata.name);
                free(s);
                s = t;
        }
        *parsed = c->parsed;
        *n_diags = v.diags.n;
        manifest_cache_view_release(&v);
        manifest_cache_view_done(&v);
        return s;
}

TEST(unchanged_files_are_not_parsed_again) {
        ManifestCache c = {};
        unsigned parsed;
        size_t diags;
        char *s;

        ASSERT_NOT_NULL(mkdtemp(dir));
        put("a.yaml", "a", "\"true\"");
        put("b.yaml", "b", "\"true\"");
        put("c.yml", "c", "\"true\"");
        s = load(&c, &parsed, &diags);
        ASSERT_STREQ(s, "a b c");
        ASSERT_EQ(parsed, 3u);
        free(s);
        /* Nothing changed: nothing parsed, the same objects. */
        s = load(&c, &parsed, &diags);
        ASSERT_STREQ(s, "a b c");
        ASSERT_EQ(parsed, 0u);
        free(s);
        /* A changed file (a new inode, as editors and kubectl-style writers rename): that file only. */
        put("b.yaml", "b2", "\"false\"");
        s = load(&c, &parsed, &diags);
        ASSERT_STREQ(s, "a b2 c");
        ASSERT_EQ(parsed, 1u);
        free(s);
        /* Forgotten (inotify named it): parsed again though its times are the same. */
        manifest_cache_forget(&c, "c.yml");
        s = load(&c, &parsed, &diags);
        ASSERT_STREQ(s, "a b2 c");
        ASSERT_EQ(parsed, 1u);
        free(s);
        manifest_cache_forget(&c, NULL);
        s = load(&c, &parsed, &diags);
        ASSERT_EQ(parsed, 3u);
        free(s);
        /* A new file in the middle, a file gone. */
        put("ab.yaml", "ab", "\"true\"");
        {
                _cleanup_(freep) char *p = strprintf("%s/a.yaml", dir);
                ASSERT_OK(unlink(p));
        }
        s = load(&c, &parsed, &diags);
        ASSERT_STREQ(s, "ab b2 c");
        ASSERT_EQ(parsed, 1u);
        free(s);
        /* Its mode changed (no rename): parsed again, and refused as the loader refuses it. */
        {
                _cleanup_(freep) char *p = strprintf("%s/c.yml", dir);
                ASSERT_OK(chmod(p, 0666));
                s = load(&c, &parsed, &diags);
                ASSERT_STREQ(s, "ab b2");
                ASSERT_EQ(parsed, 1u);
                ASSERT_EQ(diags, (size_t) 1);
                free(s);
                ASSERT_OK(chmod(p, 0644));
        }
        s = load(&c, &parsed, &diags);
        ASSERT_STREQ(s, "ab b2 c");
        ASSERT_EQ(diags, (size_t) 0);
        free(s);
        manifest_cache_done(&c);
}

TEST(an_object_taken_is_parsed_again) {
        ManifestLoadOptions opts = { .strict = true, .trusted_uid = getuid() };
        ManifestCache c = {};
        ManifestCacheView v = {};
        Job *taken;
        unsigned parsed;
        size_t diags;
        char *s;

        s = load(&c, &parsed, &diags);
        free(s);
        ASSERT_OK(manifest_cache_load(&c, dir, &opts, &v));
        ASSERT_EQ(c.parsed, 0u);
        ASSERT_TRUE(v.list.n > 1);
        /* The reload takes the second object (a new or changed Job): it is the taker's now. */
        taken = v.list.items[1].job;
        v.list.items[1].job = NULL;
        manifest_cache_view_release(&v);
        manifest_cache_view_done(&v);
        s = load(&c, &parsed, &diags);
        ASSERT_STREQ(s, "ab b2 c");
        ASSERT_EQ(parsed, 1u);
        free(s);
        job_free(taken);        /* not freed by the cache: ASan would report a double free */
        manifest_cache_done(&c);
}

static unsigned keep_but_c(const ManifestCacheEntry *e, void *userdata) {
        (*(unsigned *) userdata)++;
        return streq(e->name, "c.yml") ? 0 : 2;
}

static char *file_bytes(const char *name, size_t *ret_size) {
        _cleanup_(freep) char *path = strprintf("%s/%s", dir, name);
        char *buf = malloc(1024 * 1024);
        FILE *f = fopen(path, "re");

        ASSERT_NOT_NULL(buf);
        ASSERT_NOT_NULL(f);
        *ret_size = fread(buf, 1, 1024 * 1024, f);
        fclose(f);
        return buf;
}

static bool bytes_are(const ManifestCache *c, const char *name, const char *want, size_t want_size) {
        size_t size = 0;
        const char *b = manifest_cache_entry_bytes(manifest_cache_find(c, name), &size);

        return b && size == want_size && memcmp(b, want, size) == 0 && b[size] == 0;
}

/* The bytes of a file as parsed, kept for the caller while keep_func says so (manifest-reload.c: for the
 * manifest copies of new Jobs), until dropped: the version parsed, even once the file changed. */
TEST(the_bytes_parsed_are_kept) {
        ManifestLoadOptions opts = { .strict = true, .trusted_uid = getuid() };
        ManifestCache c = {};
        unsigned parsed, asked = 0;
        size_t diags, size_ab, size_b, size_b2, size_big, size = 0;
        _cleanup_(freep) char *ab = NULL, *b = NULL, *b2 = NULL, *big = NULL, *s = NULL, *path = NULL;
        FILE *f;

        c.keep_func = keep_but_c;
        c.keep_userdata = &asked;
        s = load(&c, &parsed, &diags);
        ASSERT_STREQ(s, "ab b2 c");
        ASSERT_EQ(asked, 3u);
        ab = file_bytes("ab.yaml", &size_ab);
        b = file_bytes("b.yaml", &size_b);
        ASSERT_TRUE(bytes_are(&c, "ab.yaml", ab, size_ab));
        ASSERT_TRUE(bytes_are(&c, "b.yaml", b, size_b));
        ASSERT_NULL(manifest_cache_entry_bytes(manifest_cache_find(&c, "c.yml"), &size));
        /* The file changed since: the bytes are still those parsed. */
        put("b.yaml", "b3", "\"false\"");
        b2 = file_bytes("b.yaml", &size_b2);
        ASSERT_TRUE(bytes_are(&c, "b.yaml", b, size_b));
        /* Parsed again (a scoped reload's refresh, out of the names' order): the new bytes, the others kept. */
        ASSERT_EQ(manifest_cache_refresh(&c, dir, "b.yaml", &opts, true, NULL, NULL), 1);
        ASSERT_EQ(manifest_cache_refresh(&c, dir, "ab.yaml", &opts, true, NULL, NULL), 1);
        ASSERT_TRUE(bytes_are(&c, "b.yaml", b2, size_b2));
        ASSERT_TRUE(bytes_are(&c, "ab.yaml", ab, size_ab));
        ASSERT_EQ(c.bytes.n, (size_t) 2);
        /* A file larger than a chunk of the store. */
        path = strprintf("%s/big.yaml", dir);
        f = fopen(path, "we");
        ASSERT_NOT_NULL(f);
        for (int i = 0; i < 5000; i++)
                fprintf(f, "# %0100d\n", i);
        fprintf(f, "apiVersion: batch/v1\nkind: Job\nmetadata: {name: big}\nspec:\n  template:\n    spec:\n"
                "      restartPolicy: Never\n      containers: [{name: c, image: x, command: [\"true\"]}]\n");
        ASSERT_OK(fclose(f));
        ASSERT_OK(chmod(path, 0644));
        big = file_bytes("big.yaml", &size_big);
        ASSERT_TRUE(size_big > 256 * 1024);
        ASSERT_EQ(manifest_cache_refresh(&c, dir, "big.yaml", &opts, false, NULL, NULL), 1);
        ASSERT_TRUE(bytes_are(&c, "big.yaml", big, size_big));
        ASSERT_TRUE(bytes_are(&c, "ab.yaml", ab, size_ab));
        /* Taken as often as wanted (twice, here): let go of, and its chunk with it. */
        manifest_cache_entry_bytes_taken(manifest_cache_find(&c, "big.yaml"));
        ASSERT_TRUE(bytes_are(&c, "big.yaml", big, size_big));
        manifest_cache_entry_bytes_taken(manifest_cache_find(&c, "big.yaml"));
        ASSERT_NULL(manifest_cache_entry_bytes(manifest_cache_find(&c, "big.yaml"), &size));
        ASSERT_NULL(c.bytes.chunks[c.bytes.n_chunks - 1]);
        ASSERT_TRUE(bytes_are(&c, "ab.yaml", ab, size_ab));
        manifest_cache_entry_bytes_taken(manifest_cache_find(&c, "b.yaml"));
        manifest_cache_entry_bytes_taken(manifest_cache_find(&c, "b.yaml"));
        ASSERT_NULL(manifest_cache_entry_bytes(manifest_cache_find(&c, "b.yaml"), &size));
        ASSERT_TRUE(bytes_are(&c, "ab.yaml", ab, size_ab));
        /* Dropped: none. */
        manifest_cache_drop_bytes(&c);
        ASSERT_NULL(manifest_cache_entry_bytes(manifest_cache_find(&c, "ab.yaml"), &size));
        ASSERT_NULL(manifest_cache_entry_bytes(manifest_cache_find(&c, "big.yaml"), &size));
        ASSERT_OK(unlink(path));
        /* Kept when the cache is done with: let go of with it (ASan: no leak). */
        manifest_cache_forget(&c, NULL);
        free(s);
        s = load(&c, &parsed, &diags);
        ASSERT_STREQ(s, "ab b3 c");
        ASSERT_TRUE(bytes_are(&c, "ab.yaml", ab, size_ab));
        manifest_cache_done(&c);
}

TEST(a_directory_that_cannot_be_read) {
        ManifestLoadOptions opts = { .strict = true, .trusted_uid = getuid() };
        ManifestCache c = {};
        ManifestCacheView v = {};
        _cleanup_(freep) char *cmd = strprintf("rm -rf '%s'", dir);
        unsigned parsed;
        size_t diags;
        char *s;

        s = load(&c, &parsed, &diags);
        free(s);
        ASSERT_OK(chmod(dir, 0777));
        ASSERT_ERROR(manifest_cache_load(&c, dir, &opts, &v), EPERM);
        ASSERT_EQ(v.list.n, (size_t) 0);
        ASSERT_EQ(v.diags.n, (size_t) 1);
        manifest_cache_view_done(&v);
        ASSERT_OK(system(cmd));
        ASSERT_OK(manifest_cache_load(&c, dir, &opts, &v));
        ASSERT_EQ(v.list.n, (size_t) 0);
        ASSERT_EQ(v.diags.n, (size_t) 1);
        manifest_cache_view_done(&v);
        manifest_cache_done(&c);
}

TAP_MAIN()
