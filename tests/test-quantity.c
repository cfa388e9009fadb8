/* SPDX-License-Identifier: Apache-2.0 */
#include "jobsd/quantity.h"
#include "tap.h"

#define REGEX "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
#define SUFFIX "unable to parse quantity's suffix"

TEST(values_and_canonical_forms) {
        static const struct {
                const char *in;
                int64_t milli;          /* quantity_to_milli_ceil */
                int64_t units;          /* quantity_to_int_ceil */
                const char *canonical;
        } t[] = {
                { "0", 0, 0, "0" },
                { "1", 1000, 1, "1" },
                { "500m", 500, 1, "500m" },
                { "0.5", 500, 1, "500m" },
                { ".5", 500, 1, "500m" },
                { "1.", 1000, 1, "1" },
                { "+2", 2000, 2, "2" },
                { " 3 ", 3000, 3, "3" },
                { "1.5", 1500, 2, "1500m" },
                { "1k", 1000000, 1000, "1k" },
                { "1000", 1000000, 1000, "1k" },
                { "128Mi", 134217728000, 134217728, "128Mi" },
                { "1Ki", 1024000, 1024, "1Ki" },
                { "1.5Gi", 1610612736000, 1610612736, "1536Mi" },
                { "1Ei", INT64_MAX, 1152921504606846976, "1Ei" },
                { "2E", INT64_MAX, 2000000000000000000, "2E" },
                { "1e3", 1000000, 1000, "1k" },
                { "1E3", 1000000, 1000, "1k" },
                { "1e-3", 1, 1, "1m" },
                { "100u", 1, 1, "100u" },
                { "1n", 1, 1, "1n" },
                { "0.0000000001", 1, 1, "1n" },         /* finer than 1n rounds up */
                { "12M", 12000000000, 12000000, "12M" },
                { "-1", -1000, -1, "-1" },
        };
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                Quantity q;
                char *err = NULL, *c;

                if (quantity_parse(t[i].in, &q, &err) < 0) {
                        tap_fail(__FILE__, __LINE__, "'%s': %s", t[i].in, err);
                        free(err);
                        continue;
                }
                if (quantity_to_milli_ceil(&q) != t[i].milli)
                        tap_fail(__FILE__, __LINE__, "'%s': milli %lld, expected %lld", t[i].in,
                                 (long long) quantity_to_milli_ceil(&q), (long long) t[i].milli);
                if (quantity_to_int_ceil(&q) != t[i].units)
                        tap_fail(__FILE__, __LINE__, "'%s': units %lld, expected %lld", t[i].in,
                                 (long long) quantity_to_int_ceil(&q), (long long) t[i].units);
                c = quantity_format(&q);
                if (!c || strcmp(c, t[i].canonical) != 0)
                        tap_fail(__FILE__, __LINE__, "'%s': formatted '%s', expected '%s'", t[i].in, c, t[i].canonical);
                free(c);
        }
}

TEST(errors) {
        static const struct { const char *in, *msg; } t[] = {
                { "12XB", REGEX }, { "12KB", REGEX }, { "", REGEX }, { "abc", REGEX }, { "1 2", REGEX },
                { "--1", REGEX }, { "1..2", REGEX }, { ".", REGEX },
                { "12K", SUFFIX }, { "12mi", SUFFIX }, { "1e", SUFFIX }, { "1Mii", SUFFIX }, { "1mm", SUFFIX },
                { "1e99999", SUFFIX },
        };
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                Quantity q;
                char *err = NULL;
                int r = quantity_parse(t[i].in, &q, &err);

                if (r != -EINVAL || !err || strcmp(err, t[i].msg) != 0)
                        tap_fail(__FILE__, __LINE__, "'%s': got %d '%s', expected '%s'", t[i].in, r, err ?: "", t[i].msg);
                free(err);
        }
}

TEST(compare_and_huge) {
        Quantity a, b, huge;

        ASSERT_OK(quantity_parse("500m", &a, NULL));
        ASSERT_OK(quantity_parse("0.5", &b, NULL));
        ASSERT_EQ(quantity_cmp(&a, &b), 0);
        ASSERT_OK(quantity_parse("1", &b, NULL));
        ASSERT_EQ(quantity_cmp(&a, &b), -1);
        ASSERT_OK(quantity_parse("99999999999999999999999999999999999999999999E", &huge, NULL));
        ASSERT_EQ(quantity_to_int_ceil(&huge), INT64_MAX);
        ASSERT_FALSE(quantity_is_negative(&huge));
}

TAP_MAIN()
