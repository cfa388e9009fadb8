/* SPDX-License-Identifier: Apache-2.0 */
/* The schedule grammar (spec §5.2), the day rule (§5.3) and time zones with DST (§5.4), checked against the
 * firing times the spec lists (computed there with robfig/cron and tzdata). */
#include <time.h>

#include "jobsd/cron.h"
#include "jobsd/strv.h"
#include "tap.h"

static usec_t utc(int y, int mo, int d, int h, int mi) {
        struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi };
        return (usec_t) timegm(&tm) * USEC_PER_SEC;
}

static char *fmt(usec_t t) {
        time_t s = (time_t) (t / USEC_PER_SEC);
        struct tm tm;
        char buf[32];

        gmtime_r(&s, &tm);
        strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%MZ", &tm);
        return strdup(buf);
}

/* The first n firings after `after`, as "YYYY-MM-DDTHH:MMZ" joined by spaces. */
static char *firings(const char *schedule, const char *tz, usec_t after, unsigned n) {
        CronSpec c;
        char *err = NULL, **l = NULL, *j;

        if (cron_spec_parse(schedule, &c, &err) < 0) {
                j = strprintf("parse error: %s", err);
                free(err);
                return j;
        }
        for (unsigned i = 0; i < n; i++) {
                usec_t next;
                if (cron_spec_next(&c, tz, after, &next) < 0)
                        break;
                assert_se(strv_push(&l, fmt(next)) >= 0);
                after = next;
        }
        j = strv_join(l, " ");
        strv_free(l);
        return j ?: strdup("");
}

#define FIRES(schedule, tz, after, n, expected)                                 \
        do {                                                                    \
                _cleanup_(freep) char *_f = firings(schedule, tz, after, n);    \
                ASSERT_STREQ(_f, expected);                                     \
        } while (0)

TEST(parse_errors_as_robfig) {
        static const struct { const char *s, *err; } t[] = {
                { "* 30 * * *", "end of range (30) above maximum (23): 30" },
                { "60 * * * *", "end of range (60) above maximum (59): 60" },
                { "* * 0 * *", "beginning of range (0) below minimum (1): 0" },
                { "10-5 * * * *", "beginning of range (10) beyond end of range (5): 10-5" },
                { "*/0 * * * *", "step of range should be a positive number: */0" },
                { "1-2-3 * * * *", "too many hyphens: 1-2-3" },
                { "1/2/3 * * * *", "too many slashes: 1/2/3" },
                { "* * L * *", "failed to parse int from L: strconv.Atoi: parsing \"L\": invalid syntax" },
                { "* * * * tues", "failed to parse int from tues: strconv.Atoi: parsing \"tues\": invalid syntax" },
                { "* * * * 7", "end of range (7) above maximum (6): 7" },
                { "* * * *", "expected exactly 5 fields, found 4: [* * * *]" },
                { "* * * * * *", "expected exactly 5 fields, found 6: [* * * * * *]" },
                { "", "expected exactly 5 fields, found 0: []" },
                { "@reboot", "unrecognized descriptor: @reboot" },
                { "@daily ", "unrecognized descriptor: @daily " },
                { "TZ=UTC 0 * * * *", "cannot use TZ or CRON_TZ in schedule, use timeZone field instead" },
                { "CRON_TZ=UTC 0 * * * *", "cannot use TZ or CRON_TZ in schedule, use timeZone field instead" },
                { "@every 5x", "failed to parse duration @every 5x: time: invalid duration \"5x\"" },
        };
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                CronSpec c;
                char *err = NULL;
                int r = cron_spec_parse(t[i].s, &c, &err);
                if (r != -EINVAL || !err || strcmp(err, t[i].err) != 0)
                        tap_fail(__FILE__, __LINE__, "'%s': got %d '%s', expected '%s'", t[i].s, r, err ?: "", t[i].err);
                free(err);
        }
}

TEST(grammar) {
        static const struct { const char *s; uint64_t minute; uint32_t hour, dom; uint16_t month; uint8_t dow; bool ds, ws; } t[] = {
                { "5 * * * *", 1ULL << 5, 0xffffff, 0xfffffffe, 0x1ffe, 0x7f, true, true },
                { "05 +5 ? * ?", 1ULL << 5, 1u << 5, 0xfffffffe, 0x1ffe, 0x7f, true, true },
                { "1,,2 * * * *", 6, 0xffffff, 0xfffffffe, 0x1ffe, 0x7f, true, true },
                { ", * * * *", 0, 0xffffff, 0xfffffffe, 0x1ffe, 0x7f, true, true },
                { "*-5 * * * *", 0x0fffffffffffffffULL, 0xffffff, 0xfffffffe, 0x1ffe, 0x7f, true, true },
                { "50/5 * * * *", (1ULL << 50) | (1ULL << 55), 0xffffff, 0xfffffffe, 0x1ffe, 0x7f, true, true },
                { "0 0 */2 * 1", 1, 1, 0xaaaaaaaa, 0x1ffe, 1u << 1, false, false },
                { "0 0 */1 * 1", 1, 1, 0xfffffffe, 0x1ffe, 1u << 1, true, false },
                { "0 0 1/1 * 1", 1, 1, 0xfffffffe, 0x1ffe, 1u << 1, false, false },
                { "0 0 * jan-MAR mon-FRI", 1, 1, 0xfffffffe, 0xe, 0x3e, true, false },
                { "@weekly", 1, 1, 0xfffffffe, 0x1ffe, 1, true, false },
                { "@yearly", 1, 1, 2, 2, 0x7f, false, true },
                { "@hourly", 1, 0xffffff, 0xfffffffe, 0x1ffe, 0x7f, true, true },
        };
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                CronSpec c;
                char *err = NULL;
                if (cron_spec_parse(t[i].s, &c, &err) < 0) {
                        tap_fail(__FILE__, __LINE__, "'%s': %s", t[i].s, err);
                        free(err);
                        continue;
                }
                if (c.minute != t[i].minute || c.hour != t[i].hour || c.dom != t[i].dom || c.month != t[i].month ||
                    c.dow != t[i].dow || c.dom_star != t[i].ds || c.dow_star != t[i].ws)
                        tap_fail(__FILE__, __LINE__, "'%s': minute %llx hour %x dom %x month %x dow %x stars %d %d", t[i].s,
                                 (unsigned long long) c.minute, c.hour, c.dom, c.month, c.dow, c.dom_star, c.dow_star);
        }
}

TEST(every) {
        CronSpec c;

        ASSERT_OK(cron_spec_parse("@every 1h30m", &c, NULL));
        ASSERT_EQ(c.every_usec, 5400 * USEC_PER_SEC);
        ASSERT_OK(cron_spec_parse("@every 500ms", &c, NULL));
        ASSERT_EQ(c.every_usec, USEC_PER_SEC);
}

/* spec §5.3, from 2026-01-01 00:00 UTC */
TEST(day_of_month_or_day_of_week) {
        usec_t t0 = utc(2026, 1, 1, 0, 0);

        FIRES("0 12 13 * 5", "UTC", t0, 4, "2026-01-02T12:00Z 2026-01-09T12:00Z 2026-01-13T12:00Z 2026-01-16T12:00Z");
        FIRES("0 0 */2 * 1", "UTC", t0, 6,
              "2026-01-03T00:00Z 2026-01-05T00:00Z 2026-01-07T00:00Z 2026-01-09T00:00Z 2026-01-11T00:00Z 2026-01-12T00:00Z");
        FIRES("0 0 1-31 * 1", "UTC", t0, 3, "2026-01-02T00:00Z 2026-01-03T00:00Z 2026-01-04T00:00Z");
        FIRES("0 0 * * 1", "UTC", t0, 2, "2026-01-05T00:00Z 2026-01-12T00:00Z");
        FIRES("0 0 ? * 1", "UTC", t0, 2, "2026-01-05T00:00Z 2026-01-12T00:00Z");
        FIRES("0 0 */1 * 1", "UTC", t0, 2, "2026-01-05T00:00Z 2026-01-12T00:00Z");
        FIRES("@weekly", "UTC", t0, 2, "2026-01-04T00:00Z 2026-01-11T00:00Z");
        FIRES("0 0 1,15 * 1-5", "UTC", t0, 4, "2026-01-02T00:00Z 2026-01-05T00:00Z 2026-01-06T00:00Z 2026-01-07T00:00Z");
        /* Sat 3, Sun 4, Tue 6, Thu 8: a step of 2 over the weekdays is Sun, Tue, Thu, Sat. */
        FIRES("0 0 1 * */2", "UTC", t0, 4, "2026-01-03T00:00Z 2026-01-04T00:00Z 2026-01-06T00:00Z 2026-01-08T00:00Z");
}

/* spec §5.4 */
TEST(dst_new_york) {
        /* Spring forward: 02:30 does not exist on 2026-03-08; it is skipped, not shifted. */
        FIRES("30 2 * * *", "America/New_York", utc(2026, 3, 7, 0, 0), 2, "2026-03-07T07:30Z 2026-03-09T06:30Z");
        /* Hourly across the gap: 01:00 EST then 03:00 EDT. */
        FIRES("0 * * * *", "America/New_York", utc(2026, 3, 8, 5, 30), 2, "2026-03-08T06:00Z 2026-03-08T07:00Z");
        /* Fall back: 01:30 happens twice, and fires twice. */
        FIRES("30 1 * * *", "America/New_York", utc(2026, 11, 1, 0, 0), 3, "2026-11-01T05:30Z 2026-11-01T06:30Z 2026-11-02T06:30Z");
        FIRES("0 * * * *", "America/New_York", utc(2026, 11, 1, 4, 30), 4,
              "2026-11-01T05:00Z 2026-11-01T06:00Z 2026-11-01T07:00Z 2026-11-01T08:00Z");
}

TEST(dst_midnight_gap_santiago) {
        /* America/Santiago springs forward at midnight on 2026-09-06: 00:00 does not exist that day. */
        FIRES("0 0 * * *", "America/Santiago", utc(2026, 9, 4, 12, 0), 3, "2026-09-05T04:00Z 2026-09-07T03:00Z 2026-09-08T03:00Z");
}

TEST(impossible_date_never_fires) {
        CronSpec c;
        usec_t next;

        ASSERT_OK(cron_spec_parse("0 0 31 2 *", &c, NULL));
        ASSERT_ERROR(cron_spec_next(&c, "UTC", utc(2026, 1, 1, 0, 0), &next), ENOENT);
}

TEST(time_zone_check) {
        static const struct { const char *tz, *err; } t[] = {
                { "UTC", NULL }, { "Europe/Berlin", NULL }, { "America/Argentina/Buenos_Aires", NULL },
                { "", "timeZone must be nil or non-empty string" },
                { "Local", "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones" },
                { "local", "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones" },
                { "Mars/Olympus", "unknown time zone Mars/Olympus" },
                { "../../etc/passwd", "unknown time zone ../../etc/passwd" },
                { "Europe/Ber lin", "unknown time zone Europe/Ber lin" },
                { "-Europe", "unknown time zone -Europe" },
                { "Abcdefghijklmno", "unknown time zone Abcdefghijklmno" },
        };
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                char *err = NULL;
                int r = cron_time_zone_check(t[i].tz, &err);
                if (!t[i].err ? r != 0 : (r != -EINVAL || !err || strcmp(err, t[i].err) != 0))
                        tap_fail(__FILE__, __LINE__, "'%s': got %d '%s', expected '%s'", t[i].tz, r, err ?: "", t[i].err ?: "valid");
                free(err);
        }
}

TEST(oncalendar_lines) {
        static const struct { const char *s, *tz, *lines; } t[] = {
                { "*/15 * * * *", "UTC", "*-*-* *:00,15,30,45:00 UTC" },
                { "0,15,30,45 * * * *", NULL, "*-*-* *:00,15,30,45:00" },
                { "30 2 * * 1-5", "Europe/Berlin", "Mon,Tue,Wed,Thu,Fri *-*-* 02:30:00 Europe/Berlin" },
                { "0 12 13 * 5", "UTC", "*-*-13 12:00:00 UTC|Fri *-*-* 12:00:00 UTC" },
                { "0 0 1-31 * 1", "UTC", "*-*-* 00:00:00 UTC" },
                { "0 0 * 1-3,6 *", "UTC", "*-01..03,06-* 00:00:00 UTC" },
                /* the fall-back repeat of 2026-11-01 01:30 in New York, in UTC */
                { "30 1 * * *", "America/New_York", "*-*-* 01:30:00 America/New_York|2026-11-01 06:30:00 UTC" },
                { "*/20 1 * * *", "America/New_York", "*-*-* 01:00,20,40:00 America/New_York|2026-11-01 06:00,20,40:00 UTC" },
                { "0 2 * * *", "America/New_York", "*-*-* 02:00:00 America/New_York" },
        };
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                CronSpec c;
                char **lines = NULL, *j;
                ASSERT_OK(cron_spec_parse(t[i].s, &c, NULL));
                /* from 2026-06-01 for 200 days: one fall-back, no spring-forward */
                ASSERT_OK(cron_spec_to_oncalendar(&c, t[i].tz, utc(2026, 6, 1, 0, 0), 200 * USEC_PER_DAY, &lines));
                j = strv_join(lines, "|");
                if (!j || strcmp(j, t[i].lines) != 0)
                        tap_fail(__FILE__, __LINE__, "'%s' %s: got '%s', expected '%s'", t[i].s, t[i].tz ?: "(host)", j, t[i].lines);
                free(j);
                strv_free(lines);
        }
}

TAP_MAIN()
