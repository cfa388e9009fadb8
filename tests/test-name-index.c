/* SPDX-License-Identifier: Apache-2.0 */
/* The index by "namespace/name" (supervisor/name-index.c): adds, finds and removals across rebuilds. */
#include <stdio.h>

#include "jobsd/strv.h"
#include "name-index.h"
#include "tap.h"

typedef struct Item {
        char namespace[16], name[16];
} Item;

static void item_key(const void *item, const char **namespace, const char **name) {
        const Item *i = item;

        *namespace = i->namespace;
        *name = i->name;
}

TEST(add_find_remove) {
        NameIndex x = { .key = item_key };
        static Item items[1000];

        ASSERT_NULL(name_index_find(&x, "default", "a"));
        name_index_remove(&x, items);
        for (size_t i = 0; i < 1000; i++) {
                snprintf(items[i].namespace, sizeof(items[i].namespace), "ns%zu", i % 3);
                snprintf(items[i].name, sizeof(items[i].name), "n%zu", i);
                ASSERT_OK(name_index_add(&x, items + i));
        }
        ASSERT_EQ(x.n_items, 1000);
        for (size_t i = 0; i < 1000; i++)
                ASSERT_TRUE(name_index_find(&x, items[i].namespace, items[i].name) == items + i);
        ASSERT_NULL(name_index_find(&x, "ns9", "n1"));
        /* Every other one out: the rest are still found (the backward shift keeps their probe chains). */
        for (size_t i = 0; i < 1000; i += 2)
                name_index_remove(&x, items + i);
        ASSERT_EQ(x.n_items, 500);
        for (size_t i = 0; i < 1000; i++)
                ASSERT_TRUE(name_index_find(&x, items[i].namespace, items[i].name) == (i % 2 ? items + i : NULL));
        name_index_remove(&x, items);           /* not indexed any more: ignored */
        ASSERT_EQ(x.n_items, 500);
        name_index_done(&x);
        ASSERT_NULL(name_index_find(&x, "ns1", "n1"));
}

TAP_MAIN()
