/* SPDX-License-Identifier: Apache-2.0 */
/* The schedule grammar (spec §5.2) against tests/cases/cron/parse.tsv, computed with robfig/cron v3.0.1
 * itself: one TAP line per section of the table. Then timeZone checks (§5.1) and the day rule (§5.3). */
#include "jobsd/cron.h"
#include "cron-test-util.h"

/* "*", "none", or values and ranges "a-b" separated by commas, as the table writes sets. */
static uint64_t parse_set(const char *s, int min, int max) {
        uint64_t bits = 0;

        if (streq(s, "*")) {
                for (int i = min; i <= max; i++)
                        bits |= UINT64_C(1) << i;
                return bits;
        }
        if (streq(s, "none"))
                return 0;
        for (const char *p = s; *p;) {
                int a, b, n = 0;

                if (sscanf(p, "%d-%d%n", &a, &b, &n) != 2) {
                        n = 0;
                        assert_se(sscanf(p, "%d%n", &a, &n) == 1);
                        b = a;
                }
                for (int i = a; i <= b; i++)
                        bits |= UINT64_C(1) << i;
                p += n;
                if (*p == ',')
                        p++;
        }
        return bits;
}

static void check_section(const void *data) {
        const CaseSection *s = data;

        for (size_t i = 0; i < s->n_lines; i++) {
                char **f = s->lines[i].fields;
                const char *schedule = f[0], *kind = f[1];
                _cleanup_(freep) char *err = NULL;
                CronSpec c, expected = {};
                int r;

                assert_se(strv_length(f) >= 3);
                /* A failed parse must leave *ret alone. */
                memset(&c, 0xaa, sizeof(c));
                r = cron_spec_parse(schedule, &c, &err);
                if (streq(kind, "error")) {
                        CronSpec untouched;

                        memset(&untouched, 0xaa, sizeof(untouched));
                        if (r != -EINVAL || !err || !streq(err, f[2]))
                                tap_fail("parse.tsv", (int) s->lines[i].line, "'%s': got %d '%s', expected '%s'",
                                         schedule, r, strempty(err), f[2]);
                        else if (memcmp(&c, &untouched, sizeof(c)) != 0)
                                tap_fail("parse.tsv", (int) s->lines[i].line, "'%s': *ret changed on failure",
                                         schedule);
                        tap_checks++;
                        continue;
                }
                if (streq(kind, "every"))
                        expected.every_usec = (usec_t) strtoull(f[2], NULL, 10) * USEC_PER_SEC;
                else {
                        assert_se(streq(kind, "ok") && strv_length(f) == 8);
                        expected = (CronSpec) {
                                .minute = parse_set(f[2], 0, 59),
                                .hour = (uint32_t) parse_set(f[3], 0, 23),
                                .dom = (uint32_t) parse_set(f[4], 1, 31),
                                .month = (uint16_t) parse_set(f[5], 1, 12),
                                .dow = (uint8_t) parse_set(f[6], 0, 6),
                                .dom_star = strstr(f[7], "dom*"),
                                .dow_star = strstr(f[7], "dow*"),
                        };
                }
                tap_checks++;
                if (r < 0)
                        tap_fail("parse.tsv", (int) s->lines[i].line, "'%s': failed with %d '%s'", schedule, r,
                                 strempty(err));
                else if (c.minute != expected.minute || c.hour != expected.hour || c.dom != expected.dom ||
                         c.month != expected.month || c.dow != expected.dow || c.dom_star != expected.dom_star ||
                         c.dow_star != expected.dow_star || c.every_usec != expected.every_usec)
                        tap_fail("parse.tsv", (int) s->lines[i].line,
                                 "'%s': got minute %" PRIx64 " hour %x dom %x month %x dow %x stars %d,%d every %" PRIu64
                                 ", expected minute %" PRIx64 " hour %x dom %x month %x dow %x stars %d,%d every %" PRIu64,
                                 schedule, c.minute, c.hour, c.dom, c.month, c.dow, c.dom_star, c.dow_star,
                                 c.every_usec, expected.minute, expected.hour, expected.dom, expected.month,
                                 expected.dow, expected.dom_star, expected.dow_star, expected.every_usec);
        }
}

TEST(message_is_optional) {
        CronSpec c;

        ASSERT_ERROR(cron_spec_parse("* 30 * * *", &c, NULL), EINVAL);
        ASSERT_ERROR(cron_spec_parse("TZ=UTC * * * * *", &c, NULL), EINVAL);
        ASSERT_OK(cron_spec_parse("@weekly", &c, NULL));
        ASSERT_TRUE(c.dom_star);
        ASSERT_FALSE(c.dow_star);
        ASSERT_EQ(c.dow, 1);
}

TEST(descriptors_are_their_expansions) {
        static const char *const pairs[][2] = {
                { "@yearly", "0 0 1 1 *" }, { "@annually", "0 0 1 1 *" }, { "@monthly", "0 0 1 * *" },
                { "@weekly", "0 0 * * 0" }, { "@daily", "0 0 * * *" }, { "@midnight", "0 0 * * *" },
                { "@hourly", "0 * * * *" },
        };

        for (size_t i = 0; i < ELEMENTSOF(pairs); i++) {
                CronSpec a, b;

                ASSERT_OK(cron_spec_parse(pairs[i][0], &a, NULL));
                ASSERT_OK(cron_spec_parse(pairs[i][1], &b, NULL));
                /* Field by field: the padding of a struct copy is unspecified. */
                ASSERT_TRUE(a.minute == b.minute && a.hour == b.hour && a.dom == b.dom && a.month == b.month &&
                            a.dow == b.dow && a.dom_star == b.dom_star && a.dow_star == b.dow_star &&
                            a.every_usec == b.every_usec);
        }
}

/* spec §5.1 */
TEST(time_zone_check) {
        static const struct {
                const char *tz, *err;
        } t[] = {
                { "UTC", NULL },
                { "Europe/Berlin", NULL },
                { "America/Argentina/Buenos_Aires", NULL },
                { "America/Port-au-Prince", NULL },
                { "Etc/GMT+5", NULL },
                { "Australia/Lord_Howe", NULL },
                { "", "timeZone must be nil or non-empty string" },
                { "Local", "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones" },
                { "local", "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones" },
                { "LOCAL", "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones" },
                { "Mars/Olympus", "unknown time zone Mars/Olympus" },
                { "utc", "unknown time zone utc" },
                { "../../etc/passwd", "unknown time zone ../../etc/passwd" },
                { "Europe/../Europe/Berlin", "unknown time zone Europe/../Europe/Berlin" },
                { "./UTC", "unknown time zone ./UTC" },
                { "/UTC", "unknown time zone /UTC" },
                { "Europe//Berlin", "unknown time zone Europe//Berlin" },
                { "Europe/Ber lin", "unknown time zone Europe/Ber lin" },
                { "-Europe", "unknown time zone -Europe" },
                { "Europe/-Berlin", "unknown time zone Europe/-Berlin" },
                { "Abcdefghijklmno", "unknown time zone Abcdefghijklmno" },
                { "America/Argentina/ComodRivadavia", NULL },
                { "Europe/Berlin\n", "unknown time zone Europe/Berlin\n" },
                { "America", "unknown time zone America" },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_(freep) char *err = NULL;
                int r = cron_time_zone_check(t[i].tz, &err);

                tap_checks++;
                if (!t[i].err ? r != 0 || err : r != -EINVAL || !err || !streq(err, t[i].err))
                        tap_fail(__FILE__, __LINE__, "'%s': got %d '%s', expected '%s'", t[i].tz, r, strempty(err),
                                 t[i].err ?: "valid");
        }
        ASSERT_OK(cron_time_zone_check(NULL, NULL));
        ASSERT_ERROR(cron_time_zone_check("Mars/Olympus", NULL), EINVAL);
}

/* Go's time.ParseDuration(), as "@every" and jobctl wait --timeout take it. */
TEST(go_duration) {
        static const struct {
                const char *s;
                int64_t nsec;
                const char *err;
        } t[] = {
                { "1m30s", INT64_C(90000000000), NULL },
                { "1.5h", INT64_C(5400000000000), NULL },
                { "2h45m", INT64_C(9900000000000), NULL },
                { "300ms", 300000000, NULL },
                { "1h0m0.5s", INT64_C(3600500000000), NULL },
                { "10us", 10000, NULL },
                { "0", 0, NULL },
                { "-2s", -INT64_C(2000000000), NULL },
                { "30", 0, "time: missing unit in duration \"30\"" },
                { "1d", 0, "time: unknown unit \"d\" in duration \"1d\"" },
                { "", 0, "time: invalid duration \"\"" },
                { "1m30", 0, "time: missing unit in duration \"1m30\"" },
                { "s", 0, "time: invalid duration \"s\"" },
                { "9999999999h", 0, "time: invalid duration \"9999999999h\"" },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_(freep) char *err = NULL;
                int64_t nsec = 42;
                int r = go_duration_parse(t[i].s, &nsec, &err);

                if (!t[i].err) {
                        ASSERT_OK(r);
                        ASSERT_EQ(nsec, t[i].nsec);
                        ASSERT_NULL(err);
                } else {
                        ASSERT_ERROR(r, EINVAL);
                        ASSERT_STREQ(err, t[i].err);
                        ASSERT_EQ(nsec, 42);    /* untouched */
                }
        }
        ASSERT_ERROR(go_duration_parse("1x", &(int64_t) {0}, NULL), EINVAL);
}

/* spec §5.3: either day field written '*' or '?' (also '*' + "/1") means both must match; else either. */
TEST(dom_and_dow_are_ored_unless_one_is_star) {
        CronSpec c;

        ASSERT_OK(cron_spec_parse("0 12 13 * 5", &c, NULL));
        ASSERT_TRUE(cron_spec_matches(&c, 1, 13, 2, 12, 0));    /* Tue 13th */
        ASSERT_TRUE(cron_spec_matches(&c, 1, 2, 5, 12, 0));     /* Fri 2nd */
        ASSERT_FALSE(cron_spec_matches(&c, 1, 14, 3, 12, 0));
        ASSERT_FALSE(cron_spec_matches(&c, 1, 13, 2, 11, 0));

        ASSERT_OK(cron_spec_parse("0 0 * * 1", &c, NULL));
        ASSERT_TRUE(cron_spec_matches(&c, 1, 5, 1, 0, 0));
        ASSERT_FALSE(cron_spec_matches(&c, 1, 6, 2, 0, 0));
        ASSERT_OK(cron_spec_parse("0 0 */1 * 1", &c, NULL));
        ASSERT_FALSE(cron_spec_matches(&c, 1, 6, 2, 0, 0));
        ASSERT_OK(cron_spec_parse("0 0 1-31 * 1", &c, NULL));
        ASSERT_TRUE(cron_spec_matches(&c, 1, 6, 2, 0, 0));      /* any day: 1-31 OR Monday */
        ASSERT_OK(cron_spec_parse("0 0 */2 * 1", &c, NULL));
        ASSERT_TRUE(cron_spec_matches(&c, 1, 3, 6, 0, 0));      /* Sat 3rd: odd */
        ASSERT_TRUE(cron_spec_matches(&c, 1, 12, 1, 0, 0));     /* Mon 12th */
        ASSERT_FALSE(cron_spec_matches(&c, 1, 4, 0, 0, 0));
        ASSERT_OK(cron_spec_parse("0 0 1 * 1,*", &c, NULL));
        ASSERT_TRUE(cron_spec_matches(&c, 1, 1, 4, 0, 0));
        ASSERT_FALSE(cron_spec_matches(&c, 1, 5, 1, 0, 0));     /* '*' in the list: both must match */
}

int main(void) {
        CaseSection *sections;
        size_t n = read_case_table("parse.tsv", &sections);

        for (size_t i = 0; i < n; i++)
                tap_register_data(sections[i].name, check_section, sections + i);
        return tap_run();
}
