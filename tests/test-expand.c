/* SPDX-License-Identifier: Apache-2.0 */
#include "jobsd/expand.h"
#include "jobsd/strv.h"
#include "tap.h"

TEST(expansion_rules) {
        char *env[] = { (char *) "A=1", (char *) "B=two", (char *) "A=3", (char *) "EMPTY=", NULL };
        static const struct { const char *in, *out; } t[] = {
                { "plain", "plain" },
                { "$(B)", "two" },
                { "x$(B)y", "xtwoy" },
                { "$(A)", "3" },                        /* the later definition wins */
                { "$(EMPTY)|", "|" },
                { "$(MISSING)", "$(MISSING)" },         /* kept as written */
                { "$$(B)", "$(B)" },                    /* escaped */
                { "$$$(B)", "$two" },
                { "$$", "$" },
                { "$(", "$(" },
                { "$(B", "$(B" },
                { "$()", "$()" },
                { "$x ${B} $B", "$x ${B} $B" },         /* left for the shell */
                { "end$", "end$" },
                { "$(B)$(B)", "twotwo" },
        };
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_(freep) char *o = NULL;
                ASSERT_OK(k8s_expand(t[i].in, env, &o));
                if (!o || strcmp(o, t[i].out) != 0)
                        tap_fail(__FILE__, __LINE__, "'%s': got '%s', expected '%s'", t[i].in, o, t[i].out);
        }
}

TEST(env_sees_only_earlier_variables) {
        char *names[] = { (char *) "A", (char *) "B", (char *) "C", NULL };
        char *values[] = { (char *) "$(C)x", (char *) "[$(A)]", (char *) "c", NULL };
        _cleanup_(strv_freep) char **env = NULL;

        ASSERT_OK(k8s_expand_env(names, values, &env));
        ASSERT_EQ(strv_length(env), 3);
        ASSERT_STREQ(env[0], "A=$(C)x");
        ASSERT_STREQ(env[1], "B=[$(C)x]");
        ASSERT_STREQ(env[2], "C=c");
}

TAP_MAIN()
