/* SPDX-License-Identifier: Apache-2.0 */
#include "jobsd/strv.h"
#include "tap.h"

TEST(extend_and_join) {
        _cleanup_(strv_freep) char **l = NULL;
        _cleanup_(freep) char *j = NULL;

        ASSERT_OK(strv_extend(&l, "a"));
        ASSERT_OK(strv_extend(&l, "b c"));
        ASSERT_EQ(strv_length(l), 2);
        ASSERT_TRUE(strv_contains(l, "b c"));
        ASSERT_FALSE(strv_contains(l, "b"));
        j = strv_join(l, ",");
        ASSERT_STREQ(j, "a,b c");
}

TEST(copy) {
        _cleanup_(strv_freep) char **l = NULL, **c = NULL;

        ASSERT_OK(strv_extend(&l, "x"));
        c = strv_copy(l);
        ASSERT_NOT_NULL(c);
        ASSERT_STREQ(c[0], "x");
        ASSERT_NULL(c[1]);
}

TEST(push_n) {
        _cleanup_(strv_freep) char **l = NULL;
        size_t n = 0;

        ASSERT_OK(strv_extend_n(&l, &n, "a"));
        ASSERT_OK(strv_push_n(&l, &n, strdup("b")));
        ASSERT_EQ(n, 2);
        ASSERT_EQ(strv_length(l), 2);
        ASSERT_STREQ(l[1], "b");
        ASSERT_NULL(l[2]);
        ASSERT_EQ(strv_push_n(&l, &n, NULL), -EINVAL);
        ASSERT_EQ(n, 2);
}

TAP_MAIN()
