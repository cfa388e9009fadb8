/* SPDX-License-Identifier: Apache-2.0 */
/* An index of objects by "namespace/name": open addressing, linear probing, at most half full. */
#pragma once

#include <stddef.h>

/* The namespace and name of an indexed object. */
typedef void (*NameIndexKeyFunc)(const void *item, const char **namespace, const char **name);

typedef struct NameIndex {
        void **slots;
        size_t n_slots;                 /* 0 or a power of two */
        size_t n_items;
        NameIndexKeyFunc key;
} NameIndex;

/* O(1) amortized: the table is rebuilt (O(n)) only when the objects double. An object already indexed,
 * or another with its key, must not be added. */
int name_index_add(NameIndex *x, void *item);
/* O(1) on average; an object that is not indexed is ignored. */
void name_index_remove(NameIndex *x, void *item);
void *name_index_find(const NameIndex *x, const char *namespace, const char *name);
void name_index_done(NameIndex *x);
