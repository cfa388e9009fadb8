/* SPDX-License-Identifier: Apache-2.0 */
/* An index of objects by "namespace/name" (name-index.h). */
#include <stdint.h>
#include <stdlib.h>

#include "jobsd/hash.h"
#include "jobsd/macro.h"
#include "jobsd/strv.h"
#include "name-index.h"

/* FNV-1a over "namespace/name". */
static uint64_t name_hash(const char *namespace, const char *name) {
        return fnv1a64_str(fnv1a64_str(fnv1a64_str(FNV1A64_INIT, namespace), "/"), name);
}

static size_t home(const NameIndex *x, const void *item) {
        const char *namespace, *name;

        x->key(item, &namespace, &name);
        return name_hash(namespace, name) & (x->n_slots - 1);
}

static void put(NameIndex *x, void *item) {
        size_t k = home(x, item);

        while (x->slots[k])
                k = (k + 1) & (x->n_slots - 1);
        x->slots[k] = item;
}

/* Room for at least four times the objects. */
static int rebuild(NameIndex *x, size_t n_items) {
        size_t n = 16, old_n = x->n_slots;
        void **old = x->slots;

        while (n < n_items * 4 + 1)
                n *= 2;
        x->slots = calloc(n, sizeof(void *));
        if (!x->slots) {
                x->slots = old;
                return -ENOMEM;
        }
        x->n_slots = n;
        for (size_t i = 0; i < old_n; i++)
                if (old[i])
                        put(x, old[i]);
        free(old);
        return 0;
}

int name_index_add(NameIndex *x, void *item) {
        assert(x);
        assert(x->key);
        assert(item);

        if ((x->n_items + 1) * 2 > x->n_slots) {
                int r = rebuild(x, x->n_items + 1);
                if (r < 0)
                        return r;
        }
        put(x, item);
        x->n_items++;
        return 0;
}

/* Backward shift: each entry after the hole that may move into it does, so no lookup stops early and no
 * tombstones pile up. */
void name_index_remove(NameIndex *x, void *item) {
        size_t mask = x->n_slots - 1, i, k;

        assert(x);

        if (x->n_slots == 0 || !item)
                return;
        for (i = home(x, item);; i = (i + 1) & mask) {
                if (!x->slots[i])
                        return;
                if (x->slots[i] == item)
                        break;
        }
        x->slots[i] = NULL;
        x->n_items--;
        for (k = (i + 1) & mask; x->slots[k]; k = (k + 1) & mask) {
                size_t h = home(x, x->slots[k]);
                /* Moves into the hole unless its home lies cyclically in (i, k]. */
                if ((i < k) ? (h <= i || h > k) : (h <= i && h > k)) {
                        x->slots[i] = x->slots[k];
                        x->slots[k] = NULL;
                        i = k;
                }
        }
}

void *name_index_find(const NameIndex *x, const char *namespace, const char *name) {
        assert(x);
        assert(namespace);
        assert(name);

        if (x->n_slots == 0)
                return NULL;
        for (size_t k = name_hash(namespace, name) & (x->n_slots - 1);; k = (k + 1) & (x->n_slots - 1)) {
                const char *ns, *n;

                if (!x->slots[k])
                        return NULL;
                x->key(x->slots[k], &ns, &n);
                if (streq(ns, namespace) && streq(n, name))
                        return x->slots[k];
        }
}

void name_index_done(NameIndex *x) {
        x->slots = mfree(x->slots);
        x->n_slots = x->n_items = 0;
}
