/* SPDX-License-Identifier: Apache-2.0 */
/* The index of names (manifest-cache.h) and scoped reloads: deciding only the names the changed files
 * define or defined decides what the full reload decides. Two worlds read the same directories: one
 * reloads in full, the other scoped, as manifest-reload.c does; their decisions and what they load match. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jobsd/render.h"
#include "jobsd/strv.h"
#include "manifest-cache.h"
#include "manifest-diff.h"
#include "tap.h"

static char mdir[] = "/tmp/test-manifest-scope.XXXXXX";
static char adir[PATH_MAX];

/* A path in the manifest directory (four at a time). */
static const char *P(const char *name) {
        static char buf[4][PATH_MAX];
        static unsigned k;

        k = (k + 1) % 4;
        snprintf(buf[k], sizeof(buf[k]), "%s/%s", mdir, name);
        return buf[k];
}

static char **split(const char *s) {
        _cleanup_(freep) char *copy = strdup(s);
        char **l = NULL, *save = NULL;

        for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
                ASSERT_OK(strv_extend(&l, w));
        return l;
}

static const char *never_immutable(const Job *old, const Job *new) {
        return NULL;
}

/* A file of Jobs: "name=command name2=command2 …"; "!" makes it a bad file (a broken document after). */
static void put(const char *d, const char *name, const char *jobs) {
        _cleanup_(freep) char *path = strprintf("%s/%s", d, name), *tmp = strprintf("%s/.%s.tmp", d, name);
        _cleanup_(freep) char *copy = strdup(jobs);
        FILE *f = fopen(tmp, "we");
        char *save = NULL;

        ASSERT_NOT_NULL(f);
        for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
                char *eq = strchr(w, '=');
                if (streq(w, "!")) {
                        fputs("---\napiVersion: batch/v1\nkind: Job\nmetadata: {name: [broken}\n", f);
                        continue;
                }
                ASSERT_NOT_NULL(eq);
                *eq = 0;
                fprintf(f, "---\napiVersion: batch/v1\nkind: Job\nmetadata: {name: %s}\nspec:\n  template:\n"
                        "    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: busybox, "
                        "command: [\"%s\"]}]\n", w, eq + 1);
        }
        ASSERT_OK(fclose(f));
        ASSERT_OK(chmod(tmp, 0644));
        ASSERT_OK(rename(tmp, path));
}

/* What a world has loaded: Jobs by name, with their file and content. */
typedef struct Loaded {
        char *name, *file, *fingerprint;
} Loaded;

typedef struct World {
        bool scoped;
        ManifestIndex index;
        ManifestCache caches[2];
        Loaded *loaded;
        size_t n_loaded;
} World;

static World full = {}, scoped = { .scoped = true };

static void world_init(World *w) {
        for (unsigned k = 0; k < 2; k++)
                w->caches[k] = (ManifestCache) { .index = &w->index, .rank = k };
}

static void world_done(World *w) {
        for (unsigned k = 0; k < 2; k++)
                manifest_cache_done(w->caches + k);
        manifest_index_done(&w->index);
        for (size_t i = 0; i < w->n_loaded; i++) {
                free(w->loaded[i].name);
                free(w->loaded[i].file);
                free(w->loaded[i].fingerprint);
        }
        free(w->loaded);
}

static const char *cache_dir(unsigned k) {
        return k == 0 ? mdir : adir;
}

static Loaded *find_loaded(World *w, const char *name) {
        for (size_t i = 0; i < w->n_loaded; i++)
                if (streq(w->loaded[i].name, name))
                        return w->loaded + i;
        return NULL;
}

static ManifestCacheEntry *entry_of_file(World *w, const char *file, unsigned *ret_k) {
        for (unsigned k = 0; k < 2; k++) {
                const char *p = startswith(file, cache_dir(k));
                if (p && p[0] == '/' && !strchr(p + 1, '/')) {
                        *ret_k = k;
                        return manifest_cache_find(w->caches + k, p + 1);
                }
        }
        return NULL;
}

/* The scope: names, without duplicates. */
typedef struct Scope {
        ManifestKey *items[256];
        size_t n;
} Scope;

static bool scope_has(const Scope *s, const char *name) {
        for (size_t i = 0; i < s->n; i++)
                if (streq(s->items[i]->name, name))
                        return true;
        return false;
}

static int scope_key(const ManifestKey *k, void *userdata) {
        Scope *s = userdata;
        ManifestKey *c;

        if (scope_has(s, k->name))
                return 0;
        ASSERT_TRUE(s->n < 256);
        c = calloc(1, sizeof(ManifestKey));
        *c = (ManifestKey) { .kind = k->kind, .namespace = strdup(k->namespace), .name = strdup(k->name) };
        s->items[s->n++] = c;
        return 0;
}

static void scope_done(Scope *s) {
        for (size_t i = 0; i < s->n; i++) {
                free(s->items[i]->namespace);
                free(s->items[i]->name);
                free(s->items[i]);
        }
        s->n = 0;
}

static int text_cmp(const void *a, const void *b) {
        return strcmp(*(char * const *) a, *(char * const *) b);
}

/* One reload of a world: its decisions as sorted "type:name:file" words, carried out on its model. */
static char *reload(World *w, char **ret_scope) {
        ManifestLoadOptions opts = { .strict = true, .trusted_uid = getuid() };
        ManifestCacheView v = {};
        Scope s = {};
        DefinedObject *defined;
        LoadedObject *loaded;
        size_t n_defined = 0, n_loaded = 0;
        ManifestDiff diff = {};
        char **words = NULL, *text;
        size_t n_words = 0;

        if (!w->scoped) {
                for (unsigned k = 0; k < 2; k++)
                        ASSERT_OK(manifest_cache_load(w->caches + k, cache_dir(k), &opts, &v));
        } else {
                w->index.generation++;
                for (unsigned k = 0; k < 2; k++) {
                        ManifestCache *c = w->caches + k;
                        ASSERT_TRUE(manifest_cache_can_scope(c));
                        for (size_t i = 0; i < c->n_touched; i++)
                                ASSERT_OK(manifest_cache_refresh(c, cache_dir(k), c->touched[i], &opts, true,
                                                                 scope_key, &s));
                        c->touched = strv_free(c->touched);
                        c->n_touched = 0;
                }
                for (size_t i = 0; i < s.n; i++) {
                        ManifestIndexSlot *slot = manifest_index_find(&w->index, s.items[i]->kind,
                                                                      s.items[i]->namespace, s.items[i]->name);
                        char **files = NULL;
                        unsigned k;
                        Loaded *l = find_loaded(w, s.items[i]->name);

                        for (size_t d = 0; slot && d < slot->n_defs; d++)
                                ASSERT_OK(strv_extend(&files, slot->defs[d].entry->path));
                        if (l)
                                ASSERT_OK(strv_extend(&files, l->file));
                        STRV_FOREACH(f, files) {
                                ManifestCacheEntry *e = entry_of_file(w, *f, &k);
                                if (e)
                                        ASSERT_OK(manifest_cache_refresh(w->caches + k, cache_dir(k), e->name, &opts,
                                                                         false, scope_key, &s));
                        }
                        strv_free(files);
                }
                ASSERT_OK(manifest_index_view(&w->index, (const ManifestKey *const *) s.items, s.n, &v));
        }
        defined = calloc(v.list.n + 1, sizeof(DefinedObject));
        loaded = calloc(w->n_loaded + 1, sizeof(LoadedObject));
        for (size_t i = 0; i < v.list.n; i++) {
                Manifest *mf = v.list.items + i;
                char **fp = manifest_cache_view_fingerprint(&v, i);
                if (!*fp)
                        *fp = strprintf("%s", mf->job->spec.template.spec.containers[0].command[0]);
                defined[n_defined++] = (DefinedObject) {
                        .kind = MANIFEST_OBJECT_JOB, .namespace = job_namespace(&mf->job->metadata),
                        .name = mf->job->metadata.name, .file = mf->file, .file_has_errors = v.entry[i]->bad,
                        .fingerprint = *fp, .job = mf->job };
        }
        for (size_t i = 0; i < w->n_loaded; i++) {
                Loaded *l = w->loaded + i;
                unsigned k;
                ManifestCacheEntry *e = entry_of_file(w, l->file, &k);
                if (w->scoped && !scope_has(&s, l->name))
                        continue;
                loaded[n_loaded++] = (LoadedObject) { .kind = MANIFEST_OBJECT_JOB, .namespace = "default",
                                                      .name = l->name, .file = l->file, .fingerprint = l->fingerprint,
                                                      .file_has_errors = e && e->bad, .finished = true };
        }
        ASSERT_OK(manifest_diff(defined, n_defined, loaded, n_loaded, never_immutable, &diff));
        for (size_t i = 0; i < diff.n; i++) {
                const ManifestDecision *x = diff.items + i;
                const DefinedObject *d = x->defined != MANIFEST_DIFF_NONE ? defined + x->defined : NULL;
                const char *name = d ? d->name : loaded[x->loaded].name;
                Loaded *l = find_loaded(w, name);
                unsigned k;

                ASSERT_OK(strv_push_n(&words, &n_words, strprintf("%s:%s:%s", manifest_decision_type_to_string(x->type),
                                                                  name, strrchr(d ? d->file : x->file, '/') + 1)));
                switch (x->type) {
                case DECISION_ADD:
                        w->loaded = realloc(w->loaded, sizeof(Loaded) * (w->n_loaded + 1));
                        w->loaded[w->n_loaded++] = (Loaded) { .name = strdup(name), .file = strdup(d->file),
                                                              .fingerprint = strdup(d->fingerprint) };
                        /* Taken, as jobsd takes a new Job's object from the cache. */
                        job_free(v.list.items[x->defined].job);
                        v.list.items[x->defined].job = NULL;
                        break;
                case DECISION_UPDATE:
                        free(l->fingerprint);
                        l->fingerprint = strdup(d->fingerprint);
                        break;
                case DECISION_MOVE:
                        free(l->file);
                        l->file = strdup(d->file);
                        break;
                case DECISION_DELETE:
                        free(l->name);
                        free(l->file);
                        free(l->fingerprint);
                        *l = w->loaded[--w->n_loaded];
                        break;
                case DECISION_KEEP: {
                        ManifestCacheEntry *e = entry_of_file(w, l->file, &k);
                        if (e)
                                ASSERT_OK(manifest_cache_entry_hold(e, MANIFEST_JOB, "default", name));
                        break;
                }
                default:
                        break;
                }
        }
        manifest_diff_done(&diff);
        free(defined);
        free(loaded);
        manifest_cache_view_release(&v);
        manifest_cache_view_done(&v);
        if (n_words > 0)
                qsort(words, n_words, sizeof(char *), text_cmp);
        text = strv_join(words, " ");
        strv_free(words);
        if (ret_scope) {
                char **names = NULL;
                for (size_t i = 0; i < s.n; i++)
                        ASSERT_OK(strv_extend(&names, s.items[i]->name));
                if (names)
                        qsort(names, strv_length(names), sizeof(char *), text_cmp);
                *ret_scope = strv_join(names, " ");
                strv_free(names);
        }
        scope_done(&s);
        return text;
}

/* The loaded Jobs of a world, sorted: "name@file=fingerprint". */
static char *loaded_text(World *w) {
        char **words = NULL;
        char *t;

        for (size_t i = 0; i < w->n_loaded; i++)
                ASSERT_OK(strv_push(&words, strprintf("%s@%s=%s", w->loaded[i].name, strrchr(w->loaded[i].file, '/') + 1,
                                                      w->loaded[i].fingerprint)));
        if (words)
                qsort(words, strv_length(words), sizeof(char *), text_cmp);
        t = strv_join(words, " ");
        strv_free(words);
        return t;
}

/* The full reload's decisions restricted to the scope's names must be the scoped one's; for the other
 * names nothing to do; then both worlds load the same. Returns the scoped decisions. */
static char *step(const char *touched_dir, const char *const *names, const char *expected_scope) {
        _cleanup_(freep) char *f = NULL, *sc = NULL, *names_in = NULL, *lf = NULL, *ls = NULL;
        char *s, **fw, **kept = NULL;

        for (const char *const *n = names; n && *n; n++) {
                manifest_cache_forget(scoped.caches + (touched_dir == mdir ? 0 : 1), *n);
                manifest_cache_forget(full.caches + (touched_dir == mdir ? 0 : 1), *n);
        }
        f = reload(&full, NULL);
        s = reload(&scoped, &sc);
        if (expected_scope)
                ASSERT_STREQ(sc, expected_scope);
        fw = split(f);
        char **scope_names = split(sc);
        STRV_FOREACH(w, fw) {
                const char *name = strchr(*w, ':') + 1;
                _cleanup_(freep) char *n = strndup(name, strcspn(name, ":"));
                if (strv_contains(scope_names, n))
                        ASSERT_OK(strv_extend(&kept, *w));
                else if (!startswith(*w, "unchanged:") && !startswith(*w, "duplicate:") && !startswith(*w, "keep:")) {
                        printf("# full reload decides %s outside the scope (%s)\n", *w, sc);
                        ASSERT_TRUE(false);
                }
        }
        names_in = strv_join(kept, " ");
        ASSERT_STREQ(s, names_in);
        strv_free(fw);
        strv_free(kept);
        strv_free(scope_names);
        lf = loaded_text(&full);
        ls = loaded_text(&scoped);
        ASSERT_STREQ(ls, lf);
        return s;
}

#define STEP(dir, expected_scope, expected, ...)                                              \
        do {                                                                                  \
                const char *_n[] = { __VA_ARGS__, NULL };                                     \
                char *_s = step(dir, _n, expected_scope);                                     \
                ASSERT_STREQ(_s, expected);                                                   \
                free(_s);                                                                     \
        } while (0)

TEST(the_index_follows_the_files) {
        ManifestLoadOptions opts = { .strict = true, .trusted_uid = getuid() };
        ManifestIndex x = {};
        ManifestCache c = { .index = &x };
        ManifestCacheView v = {};
        ManifestCacheEntry *e;
        char saved[sizeof(mdir)];

        memcpy(saved, mdir, sizeof(mdir));
        ASSERT_NOT_NULL(mkdtemp(mdir));
        ASSERT_OK(chmod(mdir, 0755));
        put(mdir, "a.yaml", "xa=1 yb=1");
        put(mdir, "b.yaml", "xa=2");
        ASSERT_OK(manifest_cache_load(&c, mdir, &opts, &v));
        ASSERT_EQ(manifest_index_find(&x, MANIFEST_JOB, "default", "xa")->n_defs, 2u);
        ASSERT_EQ(manifest_index_find(&x, MANIFEST_JOB, "default", "yb")->n_defs, 1u);
        ASSERT_NULL(manifest_index_find(&x, MANIFEST_CRON_JOB, "default", "xa"));
        /* An object taken: its entry still knows the name, and the index still has it. */
        job_free(v.list.items[1].job);
        v.list.items[1].job = NULL;
        manifest_cache_view_release(&v);
        manifest_cache_view_done(&v);
        e = manifest_cache_find(&c, "a.yaml");
        ASSERT_TRUE(e->stale);
        ASSERT_NULL(e->list.items[1].job);
        ASSERT_STREQ(e->keys[1].name, "yb");
        ASSERT_EQ(manifest_index_find(&x, MANIFEST_JOB, "default", "yb")->n_defs, 1u);
        ASSERT_FALSE(e->bad);
        /* A bad file: remembered; its names are what it still defines. (Each reload has its generation:
         * an entry is looked at once in one.) */
        put(mdir, "a.yaml", "xa=1 !");
        x.generation++;
        ASSERT_EQ(manifest_cache_refresh(&c, mdir, "a.yaml", &opts, true, NULL, NULL), 1);
        e = manifest_cache_find(&c, "a.yaml");
        ASSERT_TRUE(e->bad);
        ASSERT_NULL(manifest_index_find(&x, MANIFEST_JOB, "default", "yb"));
        ASSERT_OK(manifest_cache_entry_hold(e, MANIFEST_JOB, "default", "yb"));
        ASSERT_OK(manifest_cache_entry_hold(e, MANIFEST_JOB, "default", "yb"));
        ASSERT_EQ(e->n_held, 1u);
        /* Unchanged and not forced: not parsed again. A file gone: its names leave the index. */
        ASSERT_EQ(manifest_cache_refresh(&c, mdir, "b.yaml", &opts, false, NULL, NULL), 0);
        ASSERT_OK(unlink(P("b.yaml")));
        x.generation++;
        ASSERT_EQ(manifest_cache_refresh(&c, mdir, "b.yaml", &opts, false, NULL, NULL), 1);
        ASSERT_NULL(manifest_cache_find(&c, "b.yaml"));
        ASSERT_EQ(manifest_index_find(&x, MANIFEST_JOB, "default", "xa")->n_defs, 1u);
        /* A new file, kept in the order of names. */
        put(mdir, "0.yaml", "yb=3");
        ASSERT_EQ(manifest_cache_refresh(&c, mdir, "0.yaml", &opts, false, NULL, NULL), 1);
        ASSERT_EQ(c.n, 2u);
        ASSERT_STREQ(c.entries[0]->name, "0.yaml");
        /* Forgotten by name: remembered for the scoped reload; every file: a full load is due. */
        manifest_cache_forget(&c, "0.yaml");
        ASSERT_EQ(c.n_touched, 1u);
        ASSERT_TRUE(manifest_cache_can_scope(&c));
        /* Half a rename read: no scoped reload until the other half is (a temporary file's: no matter). */
        manifest_cache_moved(&c, ".0.yaml.tmp", 7, true);
        ASSERT_TRUE(manifest_cache_can_scope(&c));
        manifest_cache_moved(&c, "0.yaml", 8, true);
        ASSERT_FALSE(manifest_cache_can_scope(&c));
        manifest_cache_moved(&c, "1.yaml", 8, false);
        ASSERT_TRUE(manifest_cache_can_scope(&c));
        manifest_cache_forget(&c, NULL);
        ASSERT_FALSE(manifest_cache_can_scope(&c));
        manifest_cache_done(&c);
        ASSERT_NULL(manifest_index_find(&x, MANIFEST_JOB, "default", "xa"));
        ASSERT_NULL(manifest_index_find(&x, MANIFEST_JOB, "default", "yb"));
        manifest_index_done(&x);
        {
                _cleanup_(freep) char *cmd = strprintf("rm -rf %s", mdir);
                ASSERT_OK(system(cmd));
        }
        memcpy(mdir, saved, sizeof(mdir));
}

TEST(scoped_reloads_decide_as_full_ones) {
        ManifestLoadOptions opts = { .strict = true, .trusted_uid = getuid() };
        ManifestCacheView v = {};

        ASSERT_NOT_NULL(mkdtemp(mdir));
        snprintf(adir, sizeof(adir), "%s/api", mdir);
        ASSERT_OK(mkdir(adir, 0755));
        ASSERT_OK(chmod(mdir, 0755));
        world_init(&full);
        world_init(&scoped);
        put(mdir, "a.yaml", "xa=1 yb=1");
        put(mdir, "b.yaml", "zc=1");
        put(adir, "default_w.job.yaml", "wg=1");
        /* Both start with a full load. */
        free(reload(&full, NULL));
        for (unsigned k = 0; k < 2; k++)
                ASSERT_OK(manifest_cache_load(scoped.caches + k, cache_dir(k), &opts, &v));
        manifest_cache_view_done(&v);
        scoped.scoped = false;
        for (unsigned k = 0; k < 2; k++)
                manifest_cache_forget(scoped.caches + k, NULL);
        free(reload(&scoped, NULL));
        scoped.scoped = true;
        ASSERT_NOT_NULL(manifest_index_find(&scoped.index, MANIFEST_JOB, "default", "xa"));
        ASSERT_EQ(manifest_index_find(&scoped.index, MANIFEST_JOB, "default", "xa")->n_defs, 1u);

        /* A change: the names of that file only. */
        put(mdir, "a.yaml", "xa=2 yb=1");
        STEP(mdir, "xa yb", "unchanged:yb:a.yaml update:xa:a.yaml", "a.yaml");
        /* A new file defining a name another has: a duplicate, the first file keeps it. */
        put(mdir, "c.yaml", "xa=3 nd=1");
        STEP(mdir, "nd xa", "add:nd:c.yaml duplicate:xa:c.yaml unchanged:xa:a.yaml", "c.yaml");
        ASSERT_EQ(manifest_index_find(&scoped.index, MANIFEST_JOB, "default", "xa")->n_defs, 2u);
        /* The first file stops defining it: the other file's definition takes over (a move). c.yaml is
         * parsed again (its new Job was taken from the cache), its names join. */
        put(mdir, "a.yaml", "yb=1");
        STEP(mdir, "nd xa yb", "move:xa:c.yaml unchanged:nd:c.yaml unchanged:yb:a.yaml update:xa:c.yaml", "a.yaml");
        /* A rename (moved from and to in one burst): a move, not a deletion and an addition. */
        ASSERT_OK(rename(P("b.yaml"), P("d.yaml")));
        STEP(mdir, "zc", "move:zc:d.yaml unchanged:zc:d.yaml", "b.yaml", "d.yaml");
        /* A bad file keeps what it defined, even what it no longer defines. */
        put(mdir, "d.yaml", "qe=1 !");
        STEP(mdir, "qe zc", "add:qe:d.yaml keep:zc:d.yaml", "d.yaml");
        /* Still bad, and touched: still kept (the entry holds the name). */
        put(mdir, "d.yaml", "qe=1 rf=1 !");
        STEP(mdir, "qe rf zc", "add:rf:d.yaml keep:zc:d.yaml unchanged:qe:d.yaml", "d.yaml");
        /* Repaired without it: now deleted. */
        put(mdir, "d.yaml", "qe=1 rf=1");
        STEP(mdir, "qe rf zc", "delete:zc:d.yaml unchanged:qe:d.yaml unchanged:rf:d.yaml", "d.yaml");
        /* A file emptied (no object: as a bad file) keeps its Jobs. */
        put(mdir, "d.yaml", "");
        STEP(mdir, "qe rf", "keep:qe:d.yaml keep:rf:d.yaml", "d.yaml");
        /* The file deleted: its Jobs go. */
        ASSERT_OK(unlink(P("d.yaml")));
        STEP(mdir, "qe rf", "delete:qe:d.yaml delete:rf:d.yaml", "d.yaml");
        /* Deleted while another file defines the same name: that one takes it over. */
        put(mdir, "e.yaml", "nd=2");
        STEP(mdir, "nd", "duplicate:nd:e.yaml unchanged:nd:c.yaml", "e.yaml");
        ASSERT_OK(unlink(P("c.yaml")));
        STEP(mdir, "nd xa", "delete:xa:c.yaml move:nd:e.yaml update:nd:e.yaml", "c.yaml");
        /* The API's objects come after the manifest directory's: a name both define is the directory's. */
        put(adir, "default_y.job.yaml", "yb=9");
        STEP(adir, "yb", "duplicate:yb:default_y.job.yaml unchanged:yb:a.yaml", "default_y.job.yaml");
        put(mdir, "a.yaml", "");
        ASSERT_OK(unlink(P("a.yaml")));
        STEP(mdir, "yb", "move:yb:default_y.job.yaml update:yb:default_y.job.yaml", "a.yaml");
        /* A name not a manifest file's: nothing; a file named twice: looked at once. */
        STEP(mdir, "nd", "unchanged:nd:e.yaml", "notes.txt", "e.yaml", "e.yaml");

        world_done(&full);
        world_done(&scoped);
        {
                _cleanup_(freep) char *cmd = strprintf("rm -rf %s", mdir);
                ASSERT_OK(system(cmd));
        }
}

TAP_MAIN()
