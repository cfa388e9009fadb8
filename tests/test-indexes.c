/* SPDX-License-Identifier: Apache-2.0 */
#include "jobsd/indexes.h"
#include "tap.h"

#define P "error parsing succeededIndexes: "

TEST(parse) {
        static const struct { const char *in; int32_t completions; int64_t count; const char *err; } t[] = {
                { "0", 5, 1, NULL },
                { "0,2-3", 5, 3, NULL },
                { "1,3-5,7", 10, 5, NULL },
                { "", 5, 0, NULL },
                { "x", 5, -1, P "cannot convert string to integer for index: \"x\"" },
                { "1,", 5, -1, P "cannot convert string to integer for index: \"\"" },
                { "7", 5, -1, P "too large index: \"7\"" },
                { "3,1", 5, -1, P "non-increasing order, previous: 3, current: 1" },
                { "2-2", 5, -1, P "non-increasing order, previous: 2, current: 2" },
                { "1-2-3", 5, -1, P "the fragment \"1-2-3\" violates the requirement that an index interval can have at most two parts separated by '-'" },
                { "4-1", 5, -1, P "non-increasing order, previous: 4, current: 1" },
                { "99999999999", 5, -1, P "cannot convert string to integer for index: \"99999999999\"" },
        };
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                IndexSet s = {};
                char *err = NULL;
                int r = index_set_parse(t[i].in, t[i].completions, &s, &err);

                if (t[i].err) {
                        if (r != -EINVAL || !err || strcmp(err, t[i].err) != 0)
                                tap_fail(__FILE__, __LINE__, "'%s': got %d '%s', expected '%s'", t[i].in, r, err ?: "", t[i].err);
                } else if (r < 0 || (int64_t) index_set_count(&s) != t[i].count)
                        tap_fail(__FILE__, __LINE__, "'%s': got %d, count %llu", t[i].in, r,
                                 (unsigned long long) index_set_count(&s));
                free(err);
                index_set_done(&s);
        }
}

TEST(contains) {
        IndexSet s = {};

        ASSERT_OK(index_set_parse("0,2-3", 5, &s, NULL));
        ASSERT_TRUE(index_set_contains(&s, 0));
        ASSERT_FALSE(index_set_contains(&s, 1));
        ASSERT_TRUE(index_set_contains(&s, 3));
        ASSERT_FALSE(index_set_contains(&s, 4));
        index_set_done(&s);
}

TAP_MAIN()
