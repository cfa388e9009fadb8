/* SPDX-License-Identifier: Apache-2.0 */
/* OnCalendar= lines (docs/cron.md): their exact text for the cases of tests/cases/cron/oncalendar.tsv, and
 * what they fire, by a model of systemd's calendar for the subset we write, against robfig's chain for
 * many schedules × zones × base times. The model is exact on local days without a change of offset; the
 * zoned lines must stay off the days with one (checked too). tests/integration/test-cron-systemd.c asks
 * systemd itself. */
#include "jobsd/cron.h"
#include "jobsd/tz.h"
#include "cron-test-util.h"

#define HORIZON_USEC (2 * 366 * USEC_PER_DAY)

static void check_section(const void *data) {
        const CaseSection *s = data;

        for (size_t i = 0; i < s->n_lines; i++) {
                char **f = s->lines[i].fields;
                _cleanup_(strv_freep) char **lines = NULL;
                _cleanup_(freep) char *joined = NULL;
                const char *zone;
                CronSpec c;
                int64_t now;
                int r;

                assert_se(strv_length(f) == 5);
                assert_se(cron_spec_parse(f[0], &c, NULL) >= 0);
                zone = streq(f[1], "-") ? NULL : f[1];
                now = parse_utc(f[2]);
                assert_se(now >= 0);
                r = cron_spec_to_oncalendar(&c, zone, (usec_t) now * USEC_PER_SEC,
                                            (usec_t) strtoull(f[3], NULL, 10) * USEC_PER_DAY, &lines);
                joined = r < 0 ? strprintf("error %d", r) : strv_join(lines, " | ");
                tap_checks++;
                if (!joined || !streq(joined, f[4]))
                        tap_fail("oncalendar.tsv", (int) s->lines[i].line, "'%s' in %s from %s: got\n#   %s\n# expected\n#   %s",
                                 f[0], f[1], f[2], strempty(joined), f[4]);
        }
}

TEST(every_is_not_supported) {
        CronSpec c;
        char **lines = NULL;

        ASSERT_OK(cron_spec_parse("@every 5m", &c, NULL));
        ASSERT_ERROR(cron_spec_to_oncalendar(&c, "UTC", 0, USEC_PER_DAY, &lines), EOPNOTSUPP);
        ASSERT_NULL(lines);
}

TEST(unknown_zone) {
        CronSpec c;
        char **lines = NULL;

        ASSERT_OK(cron_spec_parse("0 * * * *", &c, NULL));
        ASSERT_ERROR(cron_spec_to_oncalendar(&c, "Mars/Olympus", 0, USEC_PER_DAY, &lines), ENOENT);
        ASSERT_NULL(lines);
}

/* ---- a model of systemd's calendar, for the lines we write ---- */

static bool endswith_strict(const char *s, const char *suffix);

typedef struct Line {
        int year, year_end;             /* 0, 0: any */
        uint16_t month;
        uint32_t dom;
        uint8_t dow;                    /* cron's numbering, 0 = Sunday */
        uint32_t hour;
        uint64_t minute;
        const char *zone;               /* NULL: the zone the test evaluates it in */
} Line;

static bool parse_list(const char *s, int min, int max, uint64_t *ret) {
        uint64_t bits = 0;

        if (streq(s, "*")) {
                for (int i = min; i <= max; i++)
                        bits |= UINT64_C(1) << i;
                *ret = bits;
                return true;
        }
        for (const char *p = s; *p;) {
                int a, b, n = 0;

                if (sscanf(p, "%d..%d%n", &a, &b, &n) != 2) {
                        n = 0;
                        if (sscanf(p, "%d%n", &a, &n) != 1)
                                return false;
                        b = a;
                }
                if (a < min || b > max || a > b)
                        return false;
                for (int i = a; i <= b; i++)
                        bits |= UINT64_C(1) << i;
                p += n;
                if (*p == ',')
                        p++;
                else if (*p)
                        return false;
        }
        *ret = bits;
        return true;
}

static bool parse_weekdays(const char *s, uint8_t *ret) {
        static const char *const names[7] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
        uint8_t bits = 0;

        for (const char *p = s; *p;) {
                int a = -1, b = -1;

                for (int i = 0; i < 7; i++)
                        if (strneq(p, names[i], 3))
                                a = i;
                if (a < 0)
                        return false;
                p += 3;
                b = a;
                if (startswith(p, "..")) {
                        for (int i = 0; i < 7; i++)
                                if (strneq(p + 2, names[i], 3))
                                        b = i;
                        if (b < a)
                                return false;
                        p += 5;
                }
                for (int i = a; i <= b; i++)
                        bits |= 1u << ((i + 1) % 7);
                if (*p == ',')
                        p++;
                else if (*p)
                        return false;
        }
        *ret = bits;
        return true;
}

/* "[weekdays ]YEAR-MONTHS-DAYS HOURS:MINUTES:00[ ZONE]" */
static bool parse_line(const char *text, Line *ret) {
        _cleanup_(strv_freep) char **w = NULL;
        char year[32], months[128], days[128], hours[128], minutes[256];
        uint64_t bits;
        size_t k = 0;
        Line l = { .dow = 0x7f };

        for (const char *p = text; *p;) {
                size_t n = strcspn(p, " ");
                assert_se(strv_push(&w, strndup(p, n)) >= 0);
                p += n + (p[n] == ' ');
        }
        if (strv_length(w) > 0 && !strchr(w[0], '-') && !parse_weekdays(w[k++], &l.dow))
                return false;
        if (k + 2 > strv_length(w) ||
            sscanf(w[k], "%31[^-]-%127[^-]-%127s", year, months, days) != 3 ||
            sscanf(w[k + 1], "%127[^:]:%255[^:]:00", hours, minutes) != 2 || !endswith_strict(w[k + 1], ":00"))
                return false;
        if (strv_length(w) > k + 3)
                return false;
        l.zone = strv_length(w) == k + 3 ? strdup(w[k + 2]) : NULL;
        if (streq(year, "*"))
                l.year = l.year_end = 0;
        else if (sscanf(year, "%d..%d", &l.year, &l.year_end) == 2)
                ;
        else if (endswith_strict(year, "/1") && sscanf(year, "%d", &l.year) == 1)
                l.year_end = INT32_MAX;
        else if (sscanf(year, "%d", &l.year) == 1)
                l.year_end = l.year;
        else
                return false;
        if (!parse_list(months, 1, 12, &bits))
                return false;
        l.month = (uint16_t) bits;
        if (!parse_list(days, 1, 31, &bits))
                return false;
        l.dom = (uint32_t) bits;
        if (!parse_list(hours, 0, 23, &bits))
                return false;
        l.hour = (uint32_t) bits;
        if (!parse_list(minutes, 0, 59, &l.minute))
                return false;
        *ret = l;
        return true;
}

static bool endswith_strict(const char *s, const char *suffix) {
        size_t a = strlen(s), b = strlen(suffix);

        return a >= b && streq(s + a - b, suffix);
}

static int64_t floor_div(int64_t a, int64_t b) {
        return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

static int64_t local_day(const TimeZone *z, int64_t t) {
        return floor_div(t + time_zone_lookup(z, t, NULL, NULL), 86400);
}

/* Whether local day `day` is the day before or after a change of offset. */
static bool is_change_day(const TimeZone *z, int64_t day) {
        int64_t t = day * 86400 - 2 * 86400;

        for (;;) {
                int64_t change;

                (void) time_zone_lookup(z, t, NULL, &change);
                if (change > day * 86400 + 3 * 86400 || change == INT64_MAX)
                        return false;
                if (local_day(z, change - 1) == day || local_day(z, change) == day)
                        return true;
                t = change;
        }
}

static int cmp_i64(const void *a, const void *b) {
        int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;

        return x < y ? -1 : x > y;
}

/* What the model says a line fires in (from, to]: on a day without a change of offset every wall time
 * that matches exists once. A zoned line firing in the range on a day with a change is an error of ours. */
static void line_firings(const Line *l, const TimeZone *z, int64_t from, int64_t to, int64_t *out, size_t *n,
                         size_t max, bool *ret_on_change_day) {
        for (int64_t day = floor_div(from, 86400) - 1; day <= floor_div(to, 86400) + 1; day++) {
                int y, m, d, wd = (int) ((day % 7 + 7 + 4) % 7);
                int32_t off, off_before, off_after;
                bool change;

                civil_from_days(day, &y, &m, &d);
                if ((l->year != 0 && (y < l->year || y > l->year_end)) || !(l->month & (1u << m)) ||
                    !(l->dom & (UINT32_C(1) << d)) || !(l->dow & (1u << wd)))
                        continue;
                change = is_change_day(z, day);
                off_before = time_zone_lookup(z, day * 86400 - 2 * 86400, NULL, NULL);
                off_after = time_zone_lookup(z, day * 86400 + 2 * 86400, NULL, NULL);
                off = time_zone_lookup(z, day * 86400 + 43200 - time_zone_lookup(z, day * 86400, NULL, NULL), NULL, NULL);
                for (uint32_t hours = l->hour; hours; hours &= hours - 1)
                        for (uint64_t minutes = l->minute; minutes; minutes &= minutes - 1) {
                                int64_t wall = day * 86400 + __builtin_ctz(hours) * 3600 + __builtin_ctzll(minutes) * 60;

                                if (change) {
                                        if ((wall - off_before > from && wall - off_before <= to) ||
                                            (wall - off_after > from && wall - off_after <= to))
                                                *ret_on_change_day = true;
                                        continue;
                                }
                                if (wall - off > from && wall - off <= to && *n < max)
                                        out[(*n)++] = wall - off;
                        }
        }
}

static const char *const model_schedules[] = {
        "* * * * *", "0 * * * *", "30 * * * *", "*/20 * * * *", "0,30 * * * *", "15,45 * * * *", "*/7 * * * *",
        "30 1 * * *", "30 2 * * *", "0 2 * * *", "59 1 * * *", "45 1 * * *", "15 2 * * *", "0 3 * * *",
        "0 0 * * *", "59 23 * * *", "30 23 * * *", "30 0 * * 0", "0 1-3 * * *", "*/30 0-4 * * *", "*/10 1,2 * * *",
        "23 0-20/2 * * *", "0 12 13 * 5", "0 0 */2 * 1", "0 0 1,15 * 1-5", "0 0 1 * */2", "0 0 1-31 * 1",
        "0 0 ? * 1", "5 4 * * sun", "0 22 * * 1-5", "0 9-17 * * MON-FRI", "45 23 * * 6", "0 0,12 1 */2 *",
        "0 0 5,10 * *", "0 1 * 3,4,9,10,11 0", "0 0 29 2 *", "0 0 31 2 *", ", * * * *", "0 0 , * 1", "@hourly",
        "@daily", "@weekly", "@monthly", "@yearly", "0 2 * * 0", "0 0 1-7 * 0",
};

static const char *const model_zones[] = {
        "UTC", "America/New_York", "Europe/Berlin", "Europe/Dublin", "Australia/Lord_Howe", "America/Santiago",
        "America/Havana", "America/St_Johns", "Pacific/Chatham", "Africa/Casablanca", "Antarctica/Troll",
        "Asia/Kolkata",
};

static unsigned n_model_cases, n_model_firings;

static void check_model_zone(const void *data) {
        const char *zone = data;
        _cleanup_(time_zone_freep) TimeZone *z = NULL, *utc = NULL;
        int64_t bases[64];
        size_t n_bases = 0;

        assert_se(time_zone_load(zone, &z) >= 0);
        assert_se(time_zone_load("UTC", &utc) >= 0);
        for (int64_t t = 1767225600;;) {        /* around each change in 2026 */
                int64_t change;

                (void) time_zone_lookup(z, t, NULL, &change);
                if (change >= 1798761600 || n_bases + 3 > ELEMENTSOF(bases))
                        break;
                bases[n_bases++] = change - 2 * 86400 + 30;
                bases[n_bases++] = change - 20 * 60 + 30;
                bases[n_bases++] = change + 10 * 60 + 30;       /* inside a repeated span */
                t = change;
        }
        if (n_bases == 0) {
                bases[n_bases++] = 1772323230;
                bases[n_bases++] = 1793491230;
        }

        for (size_t s = 0; s < ELEMENTSOF(model_schedules); s++) {
                CronSpec c;

                assert_se(cron_spec_parse(model_schedules[s], &c, NULL) >= 0);
                for (size_t b = 0; b < n_bases; b++) {
                        _cleanup_(strv_freep) char **lines = NULL;
                        int64_t ours[64], theirs[64 * 64], limit;
                        size_t n_ours = 0, n_theirs = 0, k = 0;
                        bool on_change_day = false, bad_line = false;
                        usec_t t = (usec_t) bases[b] * USEC_PER_SEC;

                        for (; n_ours < ELEMENTSOF(ours); n_ours++) {
                                usec_t next;

                                if (cron_spec_next_in_zone(&c, z, t, &next) < 0)
                                        break;
                                ours[n_ours] = (int64_t) (next / USEC_PER_SEC);
                                t = next;
                        }
                        limit = bases[b] + (int64_t) (HORIZON_USEC / USEC_PER_SEC) - 1;
                        if (n_ours == ELEMENTSOF(ours))
                                limit = MIN(limit, ours[n_ours - 1]);
                        while (n_ours > 0 && ours[n_ours - 1] > limit)
                                n_ours--;

                        assert_se(cron_spec_to_oncalendar(&c, zone, (usec_t) bases[b] * USEC_PER_SEC, HORIZON_USEC,
                                                          &lines) >= 0);
                        STRV_FOREACH(text, lines) {
                                Line l;

                                if (!parse_line(*text, &l)) {
                                        tap_fail(model_schedules[s], 0, "%s: cannot read line '%s'", zone, *text);
                                        bad_line = true;
                                        continue;
                                }
                                if (l.zone && !streq(l.zone, zone) && !streq(l.zone, "UTC"))
                                        tap_fail(model_schedules[s], 0, "%s: line '%s' in another zone", zone, *text);
                                line_firings(&l, l.zone && streq(l.zone, "UTC") ? utc : z, bases[b], limit, theirs,
                                             &n_theirs, ELEMENTSOF(theirs), &on_change_day);
                                free((char *) l.zone);
                        }
                        qsort(theirs, n_theirs, sizeof(int64_t), cmp_i64);
                        for (size_t j = 0; j < n_theirs; j++)
                                if (k == 0 || theirs[k - 1] != theirs[j])
                                        theirs[k++] = theirs[j];
                        n_theirs = k;
                        tap_checks++;
                        if (on_change_day || bad_line || n_ours != n_theirs ||
                            memcmp(ours, theirs, n_ours * sizeof(int64_t)) != 0) {
                                _cleanup_(freep) char *joined = strv_join(lines, " | ");
                                size_t j = 0;

                                while (j < n_ours && j < n_theirs && ours[j] == theirs[j])
                                        j++;
                                tap_fail(model_schedules[s], 0,
                                         "%s from @%" PRIi64 ": robfig %zu firings, lines %zu%s; first difference: robfig "
                                         "@%" PRIi64 ", lines @%" PRIi64 "; lines: %s", zone, bases[b], n_ours, n_theirs,
                                         on_change_day ? ", a zoned line matches a day with a change of offset" : "",
                                         j < n_ours ? ours[j] : -1, j < n_theirs ? theirs[j] : -1, strempty(joined));
                        }
                        n_model_cases++;
                        n_model_firings += (unsigned) n_ours;
                }
        }
}

int main(void) {
        static char names[ELEMENTSOF(model_zones)][96];
        CaseSection *sections;
        size_t n = read_case_table("oncalendar.tsv", &sections);
        int r;

        for (size_t i = 0; i < n; i++)
                tap_register_data(sections[i].name, check_section, sections + i);
        for (size_t i = 0; i < ELEMENTSOF(model_zones); i++) {
                snprintf(names[i], sizeof(names[i]), "lines fire as robfig in %s (model of systemd)", model_zones[i]);
                tap_register_data(names[i], check_model_zone, model_zones[i]);
        }
        r = tap_run();
        printf("# model: %u schedule x zone x base cases, %u firings\n", n_model_cases, n_model_firings);
        return r;
}
