/* SPDX-License-Identifier: Apache-2.0 */
/* Next firings (spec §5.3, §5.4) against tests/cases/cron/next.tsv, computed with robfig/cron v3.0.1
 * itself: one TAP line per section. Then the time-zone reader: zone names, $TZDIR, the host's zone, and
 * the POSIX TZ rules of TZif footers against glibc's reading of the same rules. */
#include <limits.h>
#include <sys/stat.h>

#include "jobsd/cron.h"
#include "jobsd/tz.h"
#include "cron-test-util.h"

static void check_section(const void *data) {
        const CaseSection *s = data;

        for (size_t i = 0; i < s->n_lines; i++) {
                char **f = s->lines[i].fields;
                _cleanup_(strv_freep) char **got = NULL;
                _cleanup_(freep) char *joined = NULL;
                CronSpec c;
                int64_t base;
                usec_t t;
                size_t want;

                assert_se(strv_length(f) == 4);
                assert_se(cron_spec_parse(f[0], &c, NULL) >= 0);
                base = parse_utc(f[2]);
                assert_se(base >= 0);
                /* As many firings as the table lists ("none" counts as one: the one that is not there). */
                want = 1;
                for (const char *p = f[3]; *p; p++)
                        want += *p == ' ';

                t = (usec_t) base * USEC_PER_SEC;
                for (size_t k = 0; k < want; k++) {
                        usec_t next;
                        int r = cron_spec_next(&c, f[1], t, &next);

                        if (r == -ENOENT) {
                                assert_se(strv_extend(&got, "none") >= 0);
                                break;
                        }
                        if (r < 0) {
                                assert_se(strv_push(&got, strprintf("error:%d", r)) >= 0);
                                break;
                        }
                        if (next <= t)
                                assert_se(strv_extend(&got, "not-after-base") >= 0);
                        assert_se(strv_push(&got, format_utc((int64_t) (next / USEC_PER_SEC))) >= 0);
                        t = next;
                }
                joined = strv_join(got, " ");
                tap_checks++;
                if (!joined || !streq(joined, f[3]))
                        tap_fail("next.tsv", (int) s->lines[i].line, "'%s' in %s from %s: got %s, expected %s", f[0],
                                 f[1], f[2], strempty(joined), f[3]);
        }
}

static usec_t utc_usec(const char *s) {
        int64_t t = parse_utc(s);

        assert_se(t >= 0);
        return (usec_t) t * USEC_PER_SEC;
}

TEST(microseconds_are_cut_to_the_second) {
        CronSpec c;
        usec_t next;

        ASSERT_OK(cron_spec_parse("* * * * *", &c, NULL));
        ASSERT_OK(cron_spec_next(&c, "UTC", utc_usec("2026-01-01T00:00Z") + 999999, &next));
        ASSERT_EQ(next, utc_usec("2026-01-01T00:01Z"));
        ASSERT_OK(cron_spec_next(&c, "UTC", utc_usec("2026-01-01T00:00Z") - 1, &next));
        ASSERT_EQ(next, utc_usec("2026-01-01T00:00Z"));
}

TEST(every_counts_from_the_start_of_the_second) {
        CronSpec c;
        usec_t next;

        ASSERT_OK(cron_spec_parse("@every 1h30m", &c, NULL));
        ASSERT_OK(cron_spec_next(&c, "Mars/Olympus", 1000 * USEC_PER_SEC + 250000, &next));
        ASSERT_EQ(next, (1000 + 5400) * USEC_PER_SEC);
}

TEST(unknown_zone) {
        CronSpec c;
        usec_t next = 42;

        ASSERT_OK(cron_spec_parse("0 * * * *", &c, NULL));
        ASSERT_ERROR(cron_spec_next(&c, "Mars/Olympus", 0, &next), ENOENT);
        ASSERT_ERROR(cron_spec_next(&c, "../../etc/passwd", 0, &next), ENOENT);
        ASSERT_ERROR(cron_spec_next(&c, "", 0, &next), ENOENT);
        ASSERT_EQ(next, 42);    /* untouched on failure */
}

/* The host's zone is /etc/localtime; where that links into the zone directory, it is that zone. */
TEST(host_zone_is_etc_localtime) {
        char target[PATH_MAX];
        ssize_t n = readlink("/etc/localtime", target, sizeof(target) - 1);
        _cleanup_(time_zone_freep) TimeZone *host = NULL, *named = NULL;
        const char *name;

        ASSERT_OK(time_zone_load(NULL, &host));
        if (n <= 0) {
                tap_diag("/etc/localtime is not a symbolic link, not compared");
                return;
        }
        target[n] = 0;
        name = strstr(target, "zoneinfo/");
        if (!name) {
                tap_diag("/etc/localtime -> %s is outside a zone directory, not compared", target);
                return;
        }
        name += strlen("zoneinfo/");
        ASSERT_OK(time_zone_load(name, &named));
        if (!named)
                return;
        for (int64_t t = 1767225600; t < 1830297600; t += 6 * 3600 + 17)
                ASSERT_EQ(time_zone_lookup(host, t, NULL, NULL), time_zone_lookup(named, t, NULL, NULL));
}

static char tzdir[] = "/tmp/test-cron-next.XXXXXX";

/* A TZif file (version 2) without transitions: the footer's rule decides every time. */
static void write_tzif(const char *name, const char *footer) {
        static const uint8_t block[] = {
                'T', 'Z', 'i', 'f', '2', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, /* isut */ 0, 0, 0, 0, /* isstd */ 0, 0, 0, 0, /* leap */
                0, 0, 0, 0, /* time */ 0, 0, 0, 1, /* type */ 0, 0, 0, 4, /* char */
                0, 0, 0, 0, 0, 0, /* type 0: offset 0, not DST, abbreviation 0 */
                'U', 'T', 'C', 0,
        };
        _cleanup_(freep) char *path = strprintf("%s/%s", tzdir, name);
        _cleanup_(fclosep) FILE *f = NULL;

        assert_se(path);
        f = fopen(path, "we");
        assert_se(f);
        assert_se(fwrite(block, 1, sizeof(block), f) == sizeof(block));      /* the 32-bit block */
        assert_se(fwrite(block, 1, sizeof(block), f) == sizeof(block));      /* the 64-bit block */
        fprintf(f, "\n%s\n", footer);
        assert_se(fflush(f) == 0);
}

/* Our reading of POSIX TZ rules against glibc's, which reads the same string from $TZ. */
TEST(footer_rules_as_glibc_reads_them) {
        static const char *const rules[] = {
                "EST5EDT,M3.2.0,M11.1.0",
                "CST6CDT",                                      /* no rules: M3.2.0,M11.1.0 */
                "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",         /* Lord Howe */
                "IST-1GMT0,M10.5.0,M3.5.0/1",                   /* Dublin: DST in winter */
                "<-04>4<-03>,M9.1.6/24,M4.1.6/24",              /* Santiago: rule times of 24:00 */
                "<-02>2<-01>,M3.5.0/-1,M10.5.0/0",              /* Nuuk: a negative rule time */
                "<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45", /* Chatham */
                "XXX-3YYY,J60/2,J300/3",                        /* Julian days, February 29 not counted */
                "XXX-3YYY,59/2,299/3",                          /* zero-based days, February 29 counted */
                "AAA3BBB2:30,M3.5.5/1:30:15,M10.5.5/167",
                "<+0545>-5:45",
                "UTC0",
        };
        char name[32];

        for (size_t i = 0; i < ELEMENTSOF(rules); i++) {
                _cleanup_(time_zone_freep) TimeZone *z = NULL;
                unsigned mismatches = 0;

                snprintf(name, sizeof(name), "Rule%zu", i);
                write_tzif(name, rules[i]);
                assert_se(setenv("TZDIR", tzdir, 1) == 0);
                ASSERT_OK(time_zone_load(name, &z));
                assert_se(setenv("TZ", rules[i], 1) == 0);
                tzset();
                if (!z)
                        continue;
                for (int64_t t = 946684800; t < 2840140800; t += 3 * 3600 + 1111) {   /* 2000 … 2060 */
                        time_t tt = (time_t) t;
                        struct tm tm;

                        assert_se(localtime_r(&tt, &tm));
                        if (time_zone_lookup(z, t, NULL, NULL) != tm.tm_gmtoff && mismatches++ < 3)
                                tap_fail(__FILE__, __LINE__, "%s at @%" PRIi64 ": %" PRIi32 ", glibc %ld", rules[i], t,
                                         time_zone_lookup(z, t, NULL, NULL), tm.tm_gmtoff);
                        tap_checks++;
                }
        }
        assert_se(unsetenv("TZ") == 0);
        assert_se(unsetenv("TZDIR") == 0);
        tzset();
}

TEST(tzdir_and_bad_files) {
        _cleanup_(time_zone_freep) TimeZone *z = NULL;
        _cleanup_(freep) char *bad = strprintf("%s/Bad", tzdir);
        _cleanup_(fclosep) FILE *f = NULL;
        _cleanup_(freep) char *err = NULL;

        assert_se(bad);
        f = fopen(bad, "we");
        assert_se(f);
        fputs("not a zone\n", f);
        assert_se(fflush(f) == 0);

        assert_se(setenv("TZDIR", tzdir, 1) == 0);
        ASSERT_ERROR(time_zone_load("Bad", &z), EBADMSG);
        ASSERT_ERROR(time_zone_load("Europe/Berlin", &z), ENOENT);
        ASSERT_ERROR(cron_time_zone_check("Europe/Berlin", &err), EINVAL);
        ASSERT_STREQ(err, "unknown time zone Europe/Berlin");
        /* UTC needs no file, as in Go. */
        ASSERT_OK(time_zone_load("UTC", &z));
        if (z)
                ASSERT_EQ(time_zone_lookup(z, 1767225600, NULL, NULL), 0);
        assert_se(unsetenv("TZDIR") == 0);
        z = time_zone_free(z);
        ASSERT_OK(time_zone_load("Europe/Berlin", &z));
}

/* Go's time.Date() for times in a gap or an overlap, which robfig's search relies on (the values are Go's). */
TEST(go_date_in_gaps_and_overlaps) {
        _cleanup_(time_zone_freep) TimeZone *ny = NULL, *santiago = NULL;

        assert_se(time_zone_load("America/New_York", &ny) >= 0);
        assert_se(time_zone_load("America/Santiago", &santiago) >= 0);
        /* 02:30 does not exist on 2026-03-08: Go gives 01:30 EST (06:30Z). */
        ASSERT_EQ(time_zone_date(ny, 2026, 3, 8, 2, 30, 0), parse_utc("2026-03-08T06:30Z"));
        /* 01:30 exists twice on 2026-11-01: Go gives the first (EDT, 05:30Z). */
        ASSERT_EQ(time_zone_date(ny, 2026, 11, 1, 1, 30, 0), parse_utc("2026-11-01T05:30Z"));
        /* Normalisation: month 13, day 0, hour 24. */
        ASSERT_EQ(time_zone_date(ny, 2026, 13, 1, 0, 0, 0), parse_utc("2027-01-01T05:00Z"));
        ASSERT_EQ(time_zone_date(ny, 2026, 3, 0, 24, 0, 0), parse_utc("2026-03-01T05:00Z"));
        /* Midnight does not exist in Santiago on 2026-09-06: Go gives 23:00 the day before. */
        ASSERT_EQ(time_zone_date(santiago, 2026, 9, 6, 0, 0, 0), parse_utc("2026-09-06T03:00Z"));
}

int main(void) {
        CaseSection *sections;
        size_t n = read_case_table("next.tsv", &sections);
        int r;

        assert_se(mkdtemp(tzdir));
        for (size_t i = 0; i < n; i++)
                tap_register_data(sections[i].name, check_section, sections + i);
        r = tap_run();
        for (size_t i = 0; i < 16; i++) {
                _cleanup_(freep) char *p = strprintf("%s/Rule%zu", tzdir, i);

                if (p)
                        (void) unlink(p);
        }
        _cleanup_(freep) char *bad = strprintf("%s/Bad", tzdir);
        if (bad)
                (void) unlink(bad);
        (void) rmdir(tzdir);
        return r;
}
