/* SPDX-License-Identifier: Apache-2.0 */
/* What the manifests define against what is loaded, pure: one decision per object (manifest-diff.h). */
#include <stdlib.h>
#include <string.h>

#include "manifest-diff.h"

/* One name (kind, namespace, name) as the diff goes along: loaded before, added by a definition, or not
 * there; with what the rules look at. */
typedef struct Slot {
        ManifestObjectKind kind;
        const char *namespace;
        const char *name;
        size_t order;                   /* loaded first (their index), then definitions: which one a slot keeps */
        bool present;
        bool seen;                      /* a definition matched it */
        size_t loaded;                  /* index in loaded[], MANIFEST_DIFF_NONE */
        const char *file;
        bool file_has_errors;
        const char *fingerprint;
        const Job *job;
        const char *cron_owner;
        bool finished;
} Slot;

static int key_compare(ManifestObjectKind ka, const char *nsa, const char *na, ManifestObjectKind kb,
                       const char *nsb, const char *nb) {
        int c;

        if (ka != kb)
                return ka < kb ? -1 : 1;
        c = strcmp(nsa, nsb);
        if (c != 0)
                return c;
        return strcmp(na, nb);
}

static int slot_compare(const void *a, const void *b) {
        const Slot *x = a, *y = b;
        int c = key_compare(x->kind, x->namespace, x->name, y->kind, y->namespace, y->name);

        if (c != 0)
                return c;
        return x->order < y->order ? -1 : x->order > y->order;
}

static Slot *slot_find(Slot *slots, size_t n, ManifestObjectKind kind, const char *namespace, const char *name) {
        size_t lo = 0, hi = n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = key_compare(kind, namespace, name, slots[mid].kind, slots[mid].namespace, slots[mid].name);
                if (c == 0)
                        return slots + mid;
                if (c < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return NULL;
}

/* Which file defines which name: the definitions (not those named from generateName) by kind, namespace,
 * name and file. */
typedef struct Claims {
        const DefinedObject *defined;
        size_t *items;
        size_t n;
} Claims;

static int claim_compare(const DefinedObject *a, const DefinedObject *b) {
        int c = key_compare(a->kind, a->namespace, a->name, b->kind, b->namespace, b->name);

        return c != 0 ? c : strcmp(a->file, b->file);
}

static int claim_qsort_compare(const void *a, const void *b, void *userdata) {
        const DefinedObject *defined = userdata;

        return claim_compare(defined + *(const size_t *) a, defined + *(const size_t *) b);
}

/* Whether file still defines the name: then what was loaded from it stays with it. A file with errors
 * keeps what it defined, whatever it holds now. */
static bool still_defines(const Claims *cl, const Slot *s) {
        DefinedObject key = { .kind = s->kind, .namespace = s->namespace, .name = s->name, .file = s->file };
        size_t lo = 0, hi = cl->n;

        if (s->file_has_errors)
                return true;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = claim_compare(&key, cl->defined + cl->items[mid]);
                if (c == 0)
                        return true;
                if (c < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return false;
}

static int decision_add(ManifestDiff *d, ManifestDecision x) {
        ManifestDecision *n = realloc(d->items, sizeof(ManifestDecision) * (d->n + 1));

        if (!n)
                return -ENOMEM;
        d->items = n;
        d->items[d->n++] = x;
        return 0;
}

/* A name loaded from another file which no longer defines it: it follows def's file; a CronJob takes the
 * Jobs it made from the old file along. */
static int move_slot(ManifestDiff *d, Slot *slots, size_t n_slots, Slot *s, const DefinedObject *def, size_t i) {
        const char *old = s->file;

        TRY(decision_add(d, (ManifestDecision) { .type = DECISION_MOVE, .kind = def->kind, .defined = i,
                                                 .loaded = s->loaded, .file = old }));
        s->file = def->file;
        s->file_has_errors = def->file_has_errors;
        if (def->kind != MANIFEST_OBJECT_CRON_JOB)
                return 0;
        for (size_t k = 0; k < n_slots; k++) {
                Slot *c = slots + k;
                if (c->present && c->kind == MANIFEST_OBJECT_JOB && c->cron_owner && streq(c->cron_owner, def->name) &&
                    streq(c->namespace, def->namespace) && streq(c->file, old)) {
                        c->file = def->file;
                        c->file_has_errors = def->file_has_errors;
                }
        }
        return 0;
}

static int decide_cron_job(ManifestDiff *d, Slot *s, size_t i, const DefinedObject *def) {
        if (!s->present) {
                *s = (Slot) { .kind = s->kind, .namespace = s->namespace, .name = s->name, .order = s->order,
                              .present = true, .seen = true, .loaded = MANIFEST_DIFF_NONE, .file = def->file,
                              .file_has_errors = def->file_has_errors };
                return decision_add(d, (ManifestDecision) { .type = DECISION_ADD, .kind = def->kind, .defined = i,
                                                            .loaded = MANIFEST_DIFF_NONE });
        }
        if (!streq(s->file, def->file))
                return decision_add(d, (ManifestDecision) { .type = DECISION_DUPLICATE, .kind = def->kind,
                                                            .defined = i, .loaded = s->loaded, .file = s->file });
        s->seen = true;
        return decision_add(d, (ManifestDecision) { .type = DECISION_UPDATE, .kind = def->kind, .defined = i,
                                                    .loaded = s->loaded });
}

static int decide_job(ManifestDiff *d, Slot *s, size_t i, const DefinedObject *def, ImmutableChangeFunc immutable_change) {
        ManifestDecision x = { .kind = def->kind, .defined = i, .loaded = s->loaded };

        if (!s->present) {
                if (def->tombstoned) {
                        x.type = DECISION_TOMBSTONED;
                        return decision_add(d, x);
                }
                *s = (Slot) { .kind = s->kind, .namespace = s->namespace, .name = s->name, .order = s->order,
                              .present = true, .seen = true, .loaded = MANIFEST_DIFF_NONE, .file = def->file,
                              .file_has_errors = def->file_has_errors, .fingerprint = def->fingerprint,
                              .job = def->job };
                x.type = DECISION_ADD;
                return decision_add(d, x);
        }
        s->seen = true;
        if (streq_ptr(def->fingerprint, s->fingerprint))
                x.type = DECISION_UNCHANGED;
        else if (!streq(s->file, def->file)) {
                x.type = DECISION_DUPLICATE;
                x.file = s->file;
        } else if (!s->finished && (x.field = immutable_change(s->job, def->job)))
                x.type = DECISION_REFUSE;
        else {
                x.type = DECISION_UPDATE;
                x.rerun = s->finished;
                s->fingerprint = def->fingerprint;
                s->job = def->job;
                s->finished = false;
        }
        return decision_add(d, x);
}

int manifest_diff(const DefinedObject *defined, size_t n_defined, const LoadedObject *loaded, size_t n_loaded,
                  ImmutableChangeFunc immutable_change, ManifestDiff *ret) {
        assert(defined || n_defined == 0);
        assert(loaded || n_loaded == 0);
        assert(immutable_change);
        assert(ret);

        _cleanup_(freep) Slot *slots = NULL;
        _cleanup_(freep) size_t *claims = NULL;
        _cleanup_(manifest_diff_done) ManifestDiff d = {};
        Claims cl = { .defined = defined };
        size_t n_slots = 0;

        slots = calloc(n_loaded + n_defined + 1, sizeof(Slot));
        claims = calloc(n_defined + 1, sizeof(size_t));
        if (!slots || !claims)
                return -ENOMEM;
        for (size_t i = 0; i < n_loaded; i++) {
                const LoadedObject *l = loaded + i;
                slots[n_slots++] = (Slot) { .kind = l->kind, .namespace = l->namespace, .name = l->name, .order = i,
                                            .present = true, .loaded = i, .file = l->file,
                                            .file_has_errors = l->file_has_errors, .fingerprint = l->fingerprint,
                                            .job = l->job, .cron_owner = l->cron_owner, .finished = l->finished };
        }
        for (size_t i = 0; i < n_defined; i++) {
                slots[n_slots++] = (Slot) { .kind = defined[i].kind, .namespace = defined[i].namespace,
                                            .name = defined[i].name, .order = n_loaded + i,
                                            .loaded = MANIFEST_DIFF_NONE };
                if (!defined[i].generated_name)
                        claims[cl.n++] = i;
        }
        /* One slot per name: a loaded object's, or the first definition's. */
        qsort(slots, n_slots, sizeof(Slot), slot_compare);
        if (n_slots > 0) {
                size_t w = 1;
                for (size_t i = 1; i < n_slots; i++)
                        if (key_compare(slots[i].kind, slots[i].namespace, slots[i].name, slots[w - 1].kind,
                                        slots[w - 1].namespace, slots[w - 1].name) != 0)
                                slots[w++] = slots[i];
                n_slots = w;
        }
        qsort_r(claims, cl.n, sizeof(size_t), claim_qsort_compare, (void *) defined);
        cl.items = claims;

        for (size_t i = 0; i < n_defined; i++) {
                const DefinedObject *def = defined + i;
                Slot *s = slot_find(slots, n_slots, def->kind, def->namespace, def->name);

                assert(s);
                if (s->present && !s->cron_owner && !streq(s->file, def->file) && !still_defines(&cl, s))
                        TRY(move_slot(&d, slots, n_slots, s, def, i));
                if (def->kind == MANIFEST_OBJECT_CRON_JOB)
                        TRY(decide_cron_job(&d, s, i, def));
                else
                        TRY(decide_job(&d, s, i, def, immutable_change));
        }

        /* What no definition matched: deleted, unless its file has errors. A CronJob's Jobs go with it. */
        for (ManifestObjectKind kind = 0; kind < _MANIFEST_OBJECT_KIND_MAX; kind++)
                for (size_t i = n_loaded; i > 0; i--) {
                        const LoadedObject *l = loaded + i - 1;
                        const Slot *s;

                        if (l->kind != kind)
                                continue;
                        s = slot_find(slots, n_slots, l->kind, l->namespace, l->name);
                        assert(s);
                        if (s->loaded != i - 1 || s->seen || s->cron_owner)
                                continue;
                        TRY(decision_add(&d, (ManifestDecision) {
                                .type = s->file_has_errors ? DECISION_KEEP : DECISION_DELETE,
                                .kind = kind, .defined = MANIFEST_DIFF_NONE, .loaded = i - 1, .file = s->file }));
                }

        *ret = d;
        d = (ManifestDiff) {};
        return 0;
}

void manifest_diff_done(ManifestDiff *d) {
        if (!d)
                return;
        free(d->items);
        *d = (ManifestDiff) {};
}

static const char *const decision_type_table[_DECISION_TYPE_MAX] = {
        [DECISION_ADD] = "add",
        [DECISION_UNCHANGED] = "unchanged",
        [DECISION_UPDATE] = "update",
        [DECISION_REFUSE] = "refuse",
        [DECISION_MOVE] = "move",
        [DECISION_DUPLICATE] = "duplicate",
        [DECISION_TOMBSTONED] = "tombstoned",
        [DECISION_DELETE] = "delete",
        [DECISION_KEEP] = "keep",
};

const char *manifest_decision_type_to_string(ManifestDecisionType t) {
        return t >= 0 && t < _DECISION_TYPE_MAX ? decision_type_table[t] : NULL;
}
