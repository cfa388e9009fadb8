/* SPDX-License-Identifier: Apache-2.0 */
/* CronSpec → OnCalendar= lines (spec §5.3, §5.4; docs/cron.md).
 *
 * On a local day without a change of offset, a zoned calendar line fires exactly at the instants whose
 * wall-clock time matches, and robfig's search does too. On the day of a change they part: robfig fires
 * both copies of repeated times and skips missing ones; systemd computes through mktime(), whose choice
 * for a repeated or missing time depends on the calling process's earlier calls (for lines without a zone
 * suffix that process is the manager), and in some zones it drops the rest of the day (Europe/Dublin,
 * whose "daylight saving" is in winter). So, for [now, now + horizon):
 *   - the zoned lines leave out the local days of every change of offset (they are written per year and
 *     month around those days), and each robfig firing on such a day gets a line in UTC;
 *   - robfig's own chain of firings is followed through a window around each change, since its quirks at
 *     30-minute changes (Australia/Lord_Howe) reach beyond the day of the change, and compared with the
 *     wall-clock firings there: a day where the zoned lines would fire and robfig does not is left out
 *     as well; a robfig firing the zoned lines miss gets a UTC line.
 * Between the windows robfig's chain is the plain wall-clock one: a search that starts at a firing and
 * crosses no change of offset does exact calendar arithmetic. After the horizon the zoned lines go on
 * alone, with systemd's handling of changes; the caller renews the timer before then. */
#include <inttypes.h>
#include <limits.h>

#include "jobsd/cron.h"
#include "jobsd/strv.h"
#include "jobsd/tz.h"
#include "cron-internal.h"

/* How far past a change of offset robfig's chain is followed before it counts as settled again: beyond any
 * repeated span (real zones have at most two hours), with room to spare. A single search that crosses a
 * change can reach further (days, at Lord Howe); the firing it returns is then the first one checked. */
#define SETTLE_SEC (6 * 3600)

typedef struct Window {
        int64_t lo, hi;         /* robfig's chain is computed exactly in (lo, hi] */
} Window;

typedef struct Vec {
        void *data;
        size_t n, allocated, size;
} Vec;

static void *vec_push(Vec *v) {
        if (v->n >= v->allocated) {
                size_t a = MAX(v->allocated * 2, (size_t) 16);
                void *d = reallocarray(v->data, a, v->size);

                if (!d)
                        return NULL;
                v->data = d;
                v->allocated = a;
        }
        return (char *) v->data + v->size * v->n++;
}

static void vec_done(Vec *v) {
        v->data = mfree(v->data);
        v->n = v->allocated = 0;
}

static int push_i64(Vec *v, int64_t x) {
        int64_t *p = vec_push(v);

        if (!p)
                return -ENOMEM;
        *p = x;
        return 0;
}

static int cmp_i64(const void *a, const void *b) {
        int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;

        return x < y ? -1 : x > y;
}

static void sort_unique_i64(Vec *v) {
        int64_t *d = v->data;
        size_t k = 0;

        if (v->n == 0)
                return;
        qsort(d, v->n, sizeof(int64_t), cmp_i64);
        for (size_t i = 0; i < v->n; i++)
                if (k == 0 || d[k - 1] != d[i])
                        d[k++] = d[i];
        v->n = k;
}

static bool contains_i64(const Vec *v, int64_t x) {
        return v->n > 0 && bsearch(&x, v->data, v->n, sizeof(int64_t), cmp_i64);
}

static int64_t floor_div(int64_t a, int64_t b) {
        return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

static int64_t local_day(const TimeZone *z, int64_t t) {
        return floor_div(t + time_zone_lookup(z, t, NULL, NULL), 86400);
}

static bool wall_matches(const CronSpec *c, const TimeZone *z, int64_t t) {
        LocalTime lt;

        time_zone_local(z, t, &lt);
        return lt.second == 0 && cron_spec_matches(c, lt.month, lt.day, lt.weekday, lt.hour, lt.minute);
}

/* Every instant in (lo, hi] whose wall-clock time matches (both copies of a repeated time), sorted. */
static int wall_firings(const CronSpec *c, const TimeZone *z, int64_t lo, int64_t hi, Vec *out) {
        int32_t offsets[16];
        size_t n_offsets = 0;
        int64_t first_day, last_day;

        /* The offsets in force around the range: an instant with wall time L is L - o for one of them. */
        for (int64_t t = lo - 2 * 86400;;) {
                int64_t end;
                int32_t o = time_zone_lookup(z, t, NULL, &end);
                bool seen = false;

                for (size_t i = 0; i < n_offsets; i++)
                        seen = seen || offsets[i] == o;
                if (!seen && n_offsets < ELEMENTSOF(offsets))
                        offsets[n_offsets++] = o;
                if (end > hi + 2 * 86400 || end == INT64_MAX)
                        break;
                t = end;
        }

        /* Offsets stay within ±26 hours. */
        first_day = floor_div(lo - 26 * 3600, 86400);
        last_day = floor_div(hi + 26 * 3600, 86400);
        for (int64_t day = first_day; day <= last_day; day++) {
                int y, m, d, wd = (int) ((day % 7 + 7 + 4) % 7);

                civil_from_days(day, &y, &m, &d);
                if (!cron_spec_matches(c, m, d, wd, __builtin_ctz(c->hour), __builtin_ctzll(c->minute)))
                        continue;
                for (int h = 0; h < 24; h++) {
                        if (!(c->hour & (UINT32_C(1) << h)))
                                continue;
                        for (int mi = 0; mi < 60; mi++) {
                                int64_t wall = day * 86400 + h * 3600 + mi * 60;

                                if (!(c->minute & (UINT64_C(1) << mi)))
                                        continue;
                                for (size_t i = 0; i < n_offsets; i++) {
                                        int64_t u = wall - offsets[i];

                                        if (u > lo && u <= hi && time_zone_lookup(z, u, NULL, NULL) == offsets[i])
                                                TRY(push_i64(out, u));
                                }
                        }
                }
        }
        sort_unique_i64(out);
        return 0;
}

/* robfig's chain from `from` until it has settled: a firing past `settle_after` and at least SETTLE_SEC
 * past every change of offset the chain crossed, whose wall time matches. Stops early at `until`.
 * Appends the firings; returns the last one (`until` if the chain ended). */
static int follow_chain(const CronSpec *c, const TimeZone *z, int64_t from, int64_t settle_after, int64_t until,
                        Vec *chain, int64_t *ret_last) {
        int64_t t = from;

        for (;;) {
                int64_t n, change;

                if (!cron_next_after(c, z, t, &n)) {
                        *ret_last = MAX(until, from);
                        return 0;
                }
                if (push_i64(chain, n) < 0)
                        return -ENOMEM;
                for ((void) time_zone_lookup(z, t, NULL, &change); change <= n;
                     (void) time_zone_lookup(z, change, NULL, &change))
                        settle_after = MAX(settle_after, change + SETTLE_SEC);
                t = n;
                if (t >= until || (t > settle_after && wall_matches(c, z, t))) {
                        *ret_last = t;
                        return 0;
                }
        }
}

/* A chain firing shortly before the change at `change`, found from a point in the settled stretch after
 * `f` (itself a chain firing, or the start): where robfig's chain is the wall-clock one, any search that
 * ends before the change lands on it. */
static int64_t chain_firing_before(const CronSpec *c, const TimeZone *z, int64_t f, int64_t change) {
        for (int64_t margin = 3600;; margin *= 4) {
                int64_t n;

                if (change - margin <= f || margin > INT64_MAX / 8)
                        return f;
                if (!cron_next_after(c, z, change - margin, &n))
                        return f;
                if (n < change)
                        return n;
        }
}

/* strv_push() with an allocated line: -ENOMEM when the allocation failed. */
static int push_line(char ***lines, char *line) {
        if (!line)
                return -ENOMEM;
        return strv_push(lines, line);
}

static bool in_windows(const Window *w, size_t n, int64_t t) {
        for (size_t i = 0; i < n; i++)
                if (t > w[i].lo && t <= w[i].hi)
                        return true;
        return false;
}

/* "*" for a full set, else "a,b,c..d" with runs of three or more as ranges. */
static char *format_set(uint64_t bits, int min, int max) {
        _cleanup_(freep) char *out = NULL;
        size_t size = 0;
        bool first = true;
        FILE *f;

        if ((bits >> min) == (UINT64_C(1) << (max - min + 1)) - 1)
                return strdup("*");
        f = open_memstream(&out, &size);
        if (!f)
                return NULL;
        for (int i = min; i <= max;) {
                int j = i;

                if (!(bits & (UINT64_C(1) << i))) {
                        i++;
                        continue;
                }
                while (j < max && (bits & (UINT64_C(1) << (j + 1))))
                        j++;
                fprintf(f, "%s%02d", first ? "" : ",", i);
                if (j >= i + 2)
                        fprintf(f, "..%02d", j);
                else if (j == i + 1)
                        fprintf(f, ",%02d", j);
                first = false;
                i = j + 1;
        }
        if (fclose(f) != 0)
                return NULL;
        return TAKE_PTR(out);
}

/* Weekdays in systemd's order (Monday first); "" when all. */
static char *format_weekdays(uint8_t bits) {
        static const char *const names[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
        _cleanup_(freep) char *out = NULL;
        size_t size = 0;
        bool first = true;
        FILE *f;

        if ((bits & 0x7f) == 0x7f)
                return strdup("");
        f = open_memstream(&out, &size);
        if (!f)
                return NULL;
        for (int i = 1; i <= 7; i++)            /* cron's 0 = Sunday is systemd's last day */
                if (bits & (1u << (i % 7))) {
                        fprintf(f, "%s%s", first ? "" : ",", names[i % 7]);
                        first = false;
                }
        if (fclose(f) != 0)
                return NULL;
        return TAKE_PTR(out);
}

/* One zoned line's day fields: weekdays, months and days of month (all AND-ed, as systemd does). */
typedef struct Template {
        uint8_t dow;
        uint16_t month;
        uint32_t dom;
} Template;

/* A part of the calendar the zoned lines are restricted to: years [year, year_end] (year_end INT_MAX: and
 * every year after; year 0: any), months, days of month. */
typedef struct Piece {
        int year, year_end;
        uint16_t month;
        uint32_t dom;
} Piece;

#define ALL_MONTHS ((uint16_t) 0x1ffe)
#define ALL_DAYS ((uint32_t) 0xfffffffe)

static int push_piece(Vec *pieces, int year, int year_end, uint16_t month, uint32_t dom) {
        Piece *p;

        if (month == 0 || dom == 0)
                return 0;
        p = vec_push(pieces);
        if (!p)
                return -ENOMEM;
        *p = (Piece) { year, year_end, month, dom };
        return 0;
}

/* Every day except the excluded ones (sorted day numbers), from the beginning of the year of `from` on:
 * per year, the months without excluded days together, each other month with its remaining days; runs of
 * whole years as ranges; the years after the last excluded day open-ended. */
static int make_pieces(Vec *pieces, const Vec *excluded, int64_t from) {
        const int64_t *e = excluded->data;
        int y, m, d, last_year, run_start = -1;
        size_t k = 0;

        if (excluded->n == 0)
                return push_piece(pieces, 0, 0, ALL_MONTHS, ALL_DAYS);

        civil_from_days(from, &y, &m, &d);
        civil_from_days(e[excluded->n - 1], &last_year, &m, &d);
        for (; y <= last_year; y++) {
                uint32_t allowed[13];
                uint16_t full = 0;

                for (m = 1; m <= 12; m++)
                        allowed[m] = ALL_DAYS;
                for (; k < excluded->n; k++) {
                        int ey;

                        civil_from_days(e[k], &ey, &m, &d);
                        if (ey > y)
                                break;
                        if (ey == y)
                                allowed[m] &= ~(UINT32_C(1) << d);
                }
                for (m = 1; m <= 12; m++)
                        if (allowed[m] == ALL_DAYS)
                                full |= (uint16_t) (1u << m);
                if (full == ALL_MONTHS) {
                        if (run_start < 0)
                                run_start = y;
                        continue;
                }
                if (run_start >= 0)
                        TRY(push_piece(pieces, run_start, y - 1, ALL_MONTHS, ALL_DAYS));
                run_start = -1;
                TRY(push_piece(pieces, y, y, full, ALL_DAYS));
                for (m = 1; m <= 12; m++)
                        if (allowed[m] != ALL_DAYS)
                                TRY(push_piece(pieces, y, y, (uint16_t) (1u << m), allowed[m]));
        }
        return push_piece(pieces, run_start >= 0 ? run_start : last_year + 1, INT_MAX, ALL_MONTHS, ALL_DAYS);
}

static char *format_years(const Piece *p) {
        if (p->year == 0)
                return strdup("*");
        if (p->year_end == INT_MAX)
                return strprintf("%04d/1", p->year);
        if (p->year_end == p->year)
                return strprintf("%04d", p->year);
        return strprintf("%04d..%04d", p->year, p->year_end);
}

static int push_zoned_line(char ***lines, const CronSpec *c, uint8_t dow, const Piece *p, const char *suffix) {
        _cleanup_(freep) char *weekdays = NULL, *years = NULL, *months = NULL, *days = NULL, *hours = NULL,
                *minutes = NULL;

        weekdays = format_weekdays(dow);
        years = format_years(p);
        months = format_set(p->month, 1, 12);
        days = format_set(p->dom, 1, 31);
        hours = format_set(c->hour, 0, 23);
        minutes = format_set(c->minute, 0, 59);
        if (!weekdays || !years || !months || !days || !hours || !minutes)
                return -ENOMEM;
        return push_line(lines, strprintf("%s%s%s-%s-%s %s:%s:00%s%s", weekdays, *weekdays ? " " : "", years, months,
                                          days, hours, minutes, suffix ? " " : "", strempty(suffix)));
}

static bool same_years(const Piece *a, const Piece *b) {
        return a->year == b->year && a->year_end == b->year_end;
}

/* The lines of one template: the pieces cut to its months and days, pieces of the same years with the
 * same days joined, then runs of years with the same pieces joined; what covers every year from
 * `first_year` on needs no year at all. */
static int push_template_lines(char ***lines, const CronSpec *c, const Template *t, const Vec *pieces,
                               int first_year, const char *suffix) {
        _cleanup_(vec_done) Vec cut = { .size = sizeof(Piece) };
        const Piece *in = pieces->data;
        Piece *out;
        size_t n = 0, i = 0;

        for (size_t k = 0; k < pieces->n; k++) {
                Piece q = { in[k].year, in[k].year_end, in[k].month & t->month, in[k].dom & t->dom };
                Piece *d = cut.data;
                bool joined = false;

                if (q.month == 0 || q.dom == 0)
                        continue;
                for (size_t j = 0; j < cut.n && !joined; j++)
                        if (same_years(d + j, &q) && d[j].dom == q.dom) {
                                d[j].month |= q.month;
                                joined = true;
                        }
                if (!joined)
                        TRY(push_piece(&cut, q.year, q.year_end, q.month, q.dom));
        }

        /* Join a group of pieces (same years) with the next group if that is the same but for the years
         * and follows on directly. */
        out = cut.data;
        while (i < cut.n) {
                size_t g = i, len = 0;

                while (i + len < cut.n && same_years(out + i, out + i + len))
                        len++;
                for (;;) {
                        size_t next = i + len, next_len = 0;
                        bool same = true;

                        while (next + next_len < cut.n && same_years(out + next, out + next + next_len))
                                next_len++;
                        if (next_len != len || out[i].year_end == INT_MAX || out[next].year != out[i].year_end + 1)
                                break;
                        for (size_t j = 0; j < len && same; j++)
                                same = out[i + j].month == out[next + j].month && out[i + j].dom == out[next + j].dom;
                        if (!same)
                                break;
                        for (size_t j = 0; j < len; j++)
                                out[i + j].year_end = out[next + j].year_end;
                        memmove(out + next, out + next + len, (cut.n - next - len) * sizeof(Piece));
                        cut.n -= len;
                }
                for (size_t j = 0; j < len; j++) {
                        out[n] = out[g + j];
                        if (out[n].year == first_year && out[n].year_end == INT_MAX)
                                out[n].year = out[n].year_end = 0;
                        n++;
                }
                i += len;
        }
        for (size_t k = 0; k < n; k++)
                TRY(push_zoned_line(lines, c, t->dow, out + k, suffix));
        return 0;
}

/* Firings in UTC: per UTC date, the hours that share a set of minutes on one line. */
static int push_utc_lines(char ***lines, const Vec *firings) {
        const int64_t *t = firings->data;

        for (size_t i = 0; i < firings->n;) {
                int64_t day = floor_div(t[i], 86400);
                uint64_t minutes[24] = {};
                bool done[24] = {};
                int y, m, d;

                for (; i < firings->n && floor_div(t[i], 86400) == day; i++) {
                        int64_t s = t[i] - day * 86400;
                        minutes[s / 3600] |= UINT64_C(1) << (s / 60 % 60);
                }
                civil_from_days(day, &y, &m, &d);
                for (int h = 0; h < 24; h++) {
                        _cleanup_(freep) char *hs = NULL, *ms = NULL;
                        uint64_t hours = 0;

                        if (!minutes[h] || done[h])
                                continue;
                        for (int k = h; k < 24; k++)
                                if (minutes[k] == minutes[h]) {
                                        hours |= UINT64_C(1) << k;
                                        done[k] = true;
                                }
                        hs = format_set(hours, 0, 23);
                        ms = format_set(minutes[h], 0, 59);
                        if (!hs || !ms)
                                return -ENOMEM;
                        TRY(push_line(lines, strprintf("%04d-%02d-%02d %s:%s:00 UTC", y, m, d, hs, ms)));
                }
        }
        return 0;
}

static size_t make_templates(const CronSpec *c, Template t[static 2]) {
        bool dom_full = (c->dom & ALL_DAYS) == ALL_DAYS, dow_full = (c->dow & 0x7f) == 0x7f;

        if (c->minute == 0 || c->hour == 0 || c->month == 0)
                return 0;
        if (c->dom_star || c->dow_star) {
                /* A day must match both fields. */
                if (c->dom == 0 || c->dow == 0)
                        return 0;
                t[0] = (Template) { c->dow, c->month, c->dom };
                return 1;
        }
        /* Neither written '*': a day matches if either field does, which one calendar line cannot say. */
        if (dom_full || dow_full) {
                t[0] = (Template) { 0x7f, c->month, ALL_DAYS };
                return 1;
        }
        if (c->dom == 0 && c->dow == 0)
                return 0;
        if (c->dow == 0) {
                t[0] = (Template) { 0x7f, c->month, c->dom };
                return 1;
        }
        if (c->dom == 0) {
                t[0] = (Template) { c->dow, c->month, ALL_DAYS };
                return 1;
        }
        t[0] = (Template) { 0x7f, c->month, c->dom };
        t[1] = (Template) { c->dow, c->month, ALL_DAYS };
        return 2;
}

typedef struct Plan {
        Vec chain;              /* int64_t: robfig's firings inside the windows */
        Vec windows;            /* Window */
        Vec utc;                /* int64_t: firings that get UTC lines */
        Vec excluded;           /* int64_t: local days the zoned lines skip */
} Plan;

static void plan_done(Plan *p) {
        vec_done(&p->chain);
        vec_done(&p->windows);
        vec_done(&p->utc);
        vec_done(&p->excluded);
}

/* Follows robfig's chain through a window around every change of offset in [start, end). */
static int plan_windows(Plan *p, const CronSpec *c, const TimeZone *z, int64_t start, int64_t end) {
        int64_t f, period_start, settle, last;
        Window *w;

        /* The first window starts at `start`: robfig's first search may begin inside the unsettled stretch
         * after a change, and its resets may reach back before it. */
        (void) time_zone_lookup(z, start, &period_start, NULL);
        settle = period_start == INT64_MIN ? start : MAX(start, period_start + SETTLE_SEC);
        TRY(follow_chain(c, z, start, settle, end, &p->chain, &last));
        w = vec_push(&p->windows);
        if (!w)
                return -ENOMEM;
        *w = (Window) { start, last };
        f = last;

        while (f < end) {
                int64_t change, x;

                (void) time_zone_lookup(z, f, NULL, &change);
                if (change >= end)
                        break;
                x = chain_firing_before(c, z, f, change);
                TRY(follow_chain(c, z, x, change + SETTLE_SEC, end, &p->chain, &last));
                w = vec_push(&p->windows);
                if (!w)
                        return -ENOMEM;
                *w = (Window) { x, last };
                f = last;
        }
        sort_unique_i64(&p->chain);
        return 0;
}

/* The local days of the changes of offset that can matter from `start` to `end`: the day before and the
 * day after each change (they differ at midnight changes). */
static int plan_change_days(Plan *p, const TimeZone *z, int64_t start, int64_t end) {
        int64_t t = start - 2 * 86400;

        for (;;) {
                int64_t change;

                (void) time_zone_lookup(z, t, NULL, &change);
                if (change >= end + 2 * 86400)
                        break;
                TRY(push_i64(&p->excluded, local_day(z, change - 1)));
                TRY(push_i64(&p->excluded, local_day(z, change)));
                t = change;
        }
        sort_unique_i64(&p->excluded);
        return 0;
}

/* Compares robfig's chain with the wall-clock firings in each window, on the days still left to the zoned
 * lines. */
static int plan_compare(Plan *p, const CronSpec *c, const TimeZone *z) {
        const Window *w = p->windows.data;
        const int64_t *ch = p->chain.data;
        _cleanup_(vec_done) Vec more = { .size = sizeof(int64_t) };

        for (size_t i = 0; i < p->windows.n; i++) {
                _cleanup_(vec_done) Vec wall = { .size = sizeof(int64_t) };
                const int64_t *f;

                TRY(wall_firings(c, z, w[i].lo, w[i].hi, &wall));
                f = wall.data;
                /* The zoned lines fire where robfig does not: that day goes. */
                for (size_t k = 0; k < wall.n; k++)
                        if (!contains_i64(&p->excluded, local_day(z, f[k])) && !contains_i64(&p->chain, f[k]))
                                TRY(push_i64(&more, local_day(z, f[k])));
                /* robfig fires where the zoned lines do not: a UTC line. */
                for (size_t k = 0; k < p->chain.n; k++)
                        if (ch[k] > w[i].lo && ch[k] <= w[i].hi && !contains_i64(&wall, ch[k]) &&
                            !contains_i64(&p->excluded, local_day(z, ch[k])))
                                TRY(push_i64(&p->utc, ch[k]));
        }
        for (size_t k = 0; k < more.n; k++)
                TRY(push_i64(&p->excluded, ((const int64_t *) more.data)[k]));
        sort_unique_i64(&p->excluded);
        return 0;
}

/* All of robfig's firings on the excluded days get UTC lines: the chain's inside the windows, the
 * wall-clock ones outside. */
static int plan_excluded_days(Plan *p, const CronSpec *c, const TimeZone *z, int64_t start) {
        const int64_t *days = p->excluded.data, *ch = p->chain.data;

        for (size_t k = 0; k < p->chain.n; k++)
                if (contains_i64(&p->excluded, local_day(z, ch[k])))
                        TRY(push_i64(&p->utc, ch[k]));
        for (size_t i = 0; i < p->excluded.n; i++) {
                _cleanup_(vec_done) Vec wall = { .size = sizeof(int64_t) };
                const int64_t *f;

                /* UTC offsets stay within ±26 hours. */
                TRY(wall_firings(c, z, days[i] * 86400 - 26 * 3600, days[i] * 86400 + 50 * 3600, &wall));
                f = wall.data;
                for (size_t k = 0; k < wall.n; k++)
                        if (f[k] > start && local_day(z, f[k]) == days[i] &&
                            !in_windows(p->windows.data, p->windows.n, f[k]))
                                TRY(push_i64(&p->utc, f[k]));
        }
        sort_unique_i64(&p->utc);
        return 0;
}

int cron_spec_to_oncalendar_in_zone(const CronSpec *c, const TimeZone *z, const char *suffix, usec_t now_usec,
                                    usec_t horizon_usec, char ***ret_lines) {

        _cleanup_(strv_freep) char **lines = NULL;
        _cleanup_(plan_done) Plan p = {
                .chain = { .size = sizeof(int64_t) },
                .windows = { .size = sizeof(Window) },
                .utc = { .size = sizeof(int64_t) },
                .excluded = { .size = sizeof(int64_t) },
        };
        _cleanup_(vec_done) Vec pieces = { .size = sizeof(Piece) };
        Template templates[2];
        size_t n_templates;
        int64_t start, end;
        int first_year, y, m, d;

        assert(c);
        assert(z);
        assert(ret_lines);

        if (c->every_usec > 0)
                return -EOPNOTSUPP;

        n_templates = make_templates(c, templates);
        if (n_templates == 0) {
                /* An empty field (",") never fires: neither may the timer. */
                TRY(strv_extend(&lines, "*-02-30 00:00:00"));
                *ret_lines = TAKE_PTR(lines);
                return 0;
        }

        /* The chain starts just before now, so that a firing at now itself counts. */
        start = (int64_t) ((now_usec > 0 ? now_usec - 1 : 0) / USEC_PER_SEC);
        /* Far enough for any real horizon, and far from overflowing. */
        end = (int64_t) (MIN(horizon_usec, 100 * 366 * USEC_PER_DAY) / USEC_PER_SEC) + start + 1;
        TRY(plan_windows(&p, c, z, start, end));
        TRY(plan_change_days(&p, z, start, end));
        TRY(plan_compare(&p, c, z));
        TRY(plan_excluded_days(&p, c, z, start));

        civil_from_days(local_day(z, start), &first_year, &m, &d);
        for (size_t i = 0; i < n_templates; i++) {
                _cleanup_(vec_done) Vec excluded = { .size = sizeof(int64_t) };
                const int64_t *e = p.excluded.data;

                /* A day the template never fires on needs no leaving out. */
                for (size_t k = 0; k < p.excluded.n; k++) {
                        int wd = (int) ((e[k] % 7 + 7 + 4) % 7);

                        civil_from_days(e[k], &y, &m, &d);
                        if ((templates[i].month & (1u << m)) && (templates[i].dom & (UINT32_C(1) << d)) &&
                            (templates[i].dow & (1u << wd)))
                                TRY(push_i64(&excluded, e[k]));
                }
                pieces.n = 0;
                TRY(make_pieces(&pieces, &excluded, local_day(z, start)));
                TRY(push_template_lines(&lines, c, templates + i, &pieces, first_year, suffix));
        }
        TRY(push_utc_lines(&lines, &p.utc));

        *ret_lines = TAKE_PTR(lines);
        return 0;
}

int cron_spec_to_oncalendar(const CronSpec *c, const char *tz, usec_t now_usec, usec_t horizon_usec, char ***ret_lines) {
        _cleanup_(time_zone_freep) TimeZone *z = NULL;
        int r;

        assert(c);
        assert(ret_lines);

        if (c->every_usec > 0)
                return -EOPNOTSUPP;
        r = time_zone_load(tz, &z);
        if (r < 0)
                return r;
        return cron_spec_to_oncalendar_in_zone(c, z, tz, now_usec, horizon_usec, ret_lines);
}
