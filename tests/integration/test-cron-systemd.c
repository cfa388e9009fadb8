/* SPDX-License-Identifier: Apache-2.0 */
/* Cross-check of the OnCalendar= translation against systemd itself (docs/cron.md, "How it is tested").
 *
 * For every schedule × zone × base time, the base times placed around each change of offset of the zone
 * in 2026 and 2027 (two days before, 25 minutes before, 10 minutes after), the union of the firings that
 * `systemd-analyze calendar --base-time=@BASE --iterations=N` computes for our lines must equal the chain
 * of cron_spec_next() from the same base (robfig's firings; tests/test-cron-next.c checks those against
 * tables computed with robfig itself), up to its 64th firing.
 *
 * Two passes: lines without a zone suffix evaluated by systemd-analyze with TZ=<zone> (how the manager
 * reads them for a CronJob without timeZone, in the host's zone; fast), and lines with the zone suffix
 * (how a CronJob with timeZone is written; systemd forks for each computation, so fewer iterations). One
 * TAP line per pass × schedule × zone. systemd-analyze missing is a failure, not a skip: systemd is a
 * dependency of jobsd. */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>

#include "jobsd/cron.h"
#include "jobsd/strv.h"
#include "jobsd/tz.h"
#include "tap.h"

#define HORIZON_USEC (2 * 366 * USEC_PER_DAY)

static const char *const schedules[] = {
        "* * * * *", "0 * * * *", "30 * * * *", "*/20 * * * *", "0,30 * * * *", "15,45 * * * *",
        "30 1 * * *", "30 2 * * *", "0 2 * * *", "59 1 * * *", "45 1 * * *", "15 2 * * *", "0 3 * * *",
        "0 0 * * *", "59 23 * * *", "30 0 * * 0", "0 1-3 * * *", "*/30 0-4 * * *", "*/10 1,2 * * *",
        "23 0-20/2 * * *", "0 12 13 * 5", "0 0 */2 * 1", "0 0 1,15 * 1-5", "0 0 1 * */2", "0 0 1-31 * 1",
        "0 0 ? * 1", "5 4 * * sun", "0 22 * * 1-5", "0 9-17 * * MON-FRI", "45 23 * * 6", "0 0,12 1 */2 *",
        "0 0 5,10 * *", "0 1 * 3,4,9,10,11 0", "0 0 29 2 *", "0 0 31 2 *", ", * * * *", "@hourly", "@daily",
        "@weekly", "@monthly", "@yearly",
};

static const char *const zones[] = {
        "UTC", "America/New_York", "Europe/Berlin", "Europe/Dublin", "Australia/Lord_Howe",
        "America/Santiago", "America/Havana", "Pacific/Chatham", "Africa/Casablanca", "Antarctica/Troll",
        "Asia/Kolkata",
};

typedef enum Pass {
        PASS_TZ,                /* no suffix, systemd-analyze with TZ=<zone> */
        PASS_SUFFIX,            /* the zone as suffix, systemd-analyze in UTC */
        PASS_HOST,              /* timeZone unset: the host's zone, systemd-analyze without TZ */
        _PASS_MAX,
} Pass;

static const char *const pass_names[_PASS_MAX] = { "TZ=, no suffix", "zone suffix", "host zone" };

typedef struct Case {
        const char *schedule, *zone;    /* zone NULL: the host's */
        Pass pass;
        CronSpec spec;
        unsigned n_compared, n_firings;
        bool failed;
} Case;

typedef struct Job {
        size_t first, n;                /* its cases: cases[first … first + n) */
        usec_t base;
        unsigned n_firings;
} Job;

static Case cases[(2 * 600 + 1) * ELEMENTSOF(schedules)];
static char **zone_list;
static char case_names[ELEMENTSOF(cases)][128];
static Job jobs[16384];
static size_t n_jobs, next_job;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned total_compared, total_firings, total_lines, total_runs;
static double analyze_seconds[_PASS_MAX];

static double now_seconds(void) {
        struct timespec ts;

        assert_se(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Runs systemd-analyze with the given arguments, TZ=tz in its environment (tz NULL: no TZ), and returns
 * its output. */
static int run_analyze(char **args, const char *tz, char **ret_output) {
        _cleanup_(strv_freep) char **argv = NULL, **env = NULL;
        _cleanup_(freep) char *out = NULL;
        extern char **environ;
        posix_spawn_file_actions_t fa;
        int pipefd[2], status;
        size_t size = 0, k;
        char buf[16384];
        FILE *f, *mem;
        pid_t pid;

        assert_se(strv_extend(&argv, "systemd-analyze") >= 0);
        STRV_FOREACH(a, args)
                assert_se(strv_extend(&argv, *a) >= 0);
        for (char **e = environ; *e; e++)
                if (!startswith(*e, "TZ=") && !startswith(*e, "LC_") && !startswith(*e, "LANG="))
                        assert_se(strv_extend(&env, *e) >= 0);
        if (tz)
                assert_se(strv_push(&env, strprintf("TZ=%s", tz)) >= 0);
        assert_se(strv_extend(&env, "LC_ALL=C") >= 0);
        assert_se(strv_extend(&env, "SYSTEMD_COLORS=0") >= 0);

        assert_se(pipe2(pipefd, O_CLOEXEC) == 0);
        assert_se(posix_spawn_file_actions_init(&fa) == 0);
        assert_se(posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO) == 0);
        assert_se(posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO) == 0);
        if (posix_spawnp(&pid, "systemd-analyze", &fa, NULL, argv, env) != 0) {
                (void) close(pipefd[0]);
                (void) close(pipefd[1]);
                posix_spawn_file_actions_destroy(&fa);
                return -ENOENT;
        }
        posix_spawn_file_actions_destroy(&fa);
        (void) close(pipefd[1]);

        f = fdopen(pipefd[0], "r");
        assert_se(f);
        mem = open_memstream(&out, &size);
        assert_se(mem);
        while ((k = fread(buf, 1, sizeof(buf), f)) > 0)
                fwrite(buf, 1, k, mem);
        fclose(f);
        assert_se(fclose(mem) == 0);
        assert_se(waitpid(pid, &status, 0) == pid);
        *ret_output = TAKE_PTR(out);
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static int64_t parse_stamp(const char *s) {
        struct tm tm = {};

        /* "Sun 2026-11-01 06:30:00 UTC" */
        if (sscanf(s, " %*s %d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                   &tm.tm_sec) != 6)
                return -1;
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        return (int64_t) timegm(&tm);
}

#define MAX_FIRINGS 72

typedef struct Expr {
        size_t case_index;
        int64_t firings[MAX_FIRINGS + 1];
        size_t n;
        bool bad;
} Expr;

/* Splits the output into the expressions' firings, in UTC. */
static void parse_output(const char *out, Expr *exprs, size_t n_exprs) {
        ssize_t cur = -1;

        for (const char *p = out; *p;) {
                const char *e = strchrnul(p, '\n'), *colon;
                _cleanup_(freep) char *line = strndup(p, e - p);
                const char *l;
                Expr *x;

                assert_se(line);
                p = *e ? e + 1 : e;
                l = line + strspn(line, " ");
                if (startswith(l, "Normalized form:")) {
                        cur++;
                        continue;
                }
                colon = strchr(l, ':');
                if (cur < 0 || (size_t) cur >= n_exprs || !colon)
                        continue;
                x = exprs + cur;
                if (startswith(l, "Next elapse:") || startswith(l, "Iter. #")) {
                        int64_t t;

                        if (strstr(colon, "never"))
                                continue;
                        t = parse_stamp(colon + 1);
                        if (t < 0 || x->n >= ELEMENTSOF(x->firings)) {
                                x->bad = true;
                                continue;
                        }
                        /* Not in UTC: the "(in UTC):" line that follows gives it. */
                        x->firings[x->n++] = endswith(l, " UTC") ? t : -1;
                } else if (startswith(l, "(in UTC):") && x->n > 0)
                        x->firings[x->n - 1] = parse_stamp(colon + 1);
        }
}

static int cmp_i64(const void *a, const void *b) {
        int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;

        return x < y ? -1 : x > y;
}

/* One job: the cases of one zone and pass from one base time, with one run of systemd-analyze. */
static void run_job(const Job *job) {
        _cleanup_(time_zone_freep) TimeZone *z = NULL;
        _cleanup_(strv_freep) char **args = NULL;
        _cleanup_(freep) char *out = NULL;
        _cleanup_(freep) Expr *exprs = NULL;
        char **lines[ELEMENTSOF(schedules)] = {};
        const Case *first = cases + job->first;
        size_t n_exprs = 0, e = 0;
        double t0;
        int r;

        assert_se(job->n <= ELEMENTSOF(lines));
        assert_se(time_zone_load(first->zone, &z) >= 0);
        assert_se(strv_extend(&args, "calendar") >= 0);
        assert_se(strv_push(&args, strprintf("--iterations=%u", job->n_firings + 1)) >= 0);
        assert_se(strv_push(&args, strprintf("--base-time=@%" PRIu64, job->base / USEC_PER_SEC)) >= 0);
        for (size_t i = 0; i < job->n; i++) {
                const Case *c = first + i;

                /* The public entry point where the zone is named, the loaded zone otherwise. */
                if (c->pass == PASS_TZ)
                        r = cron_spec_to_oncalendar_in_zone(&c->spec, z, NULL, job->base, HORIZON_USEC, &lines[i]);
                else
                        r = cron_spec_to_oncalendar(&c->spec, c->zone, job->base, HORIZON_USEC, &lines[i]);
                assert_se(r >= 0);
                n_exprs += strv_length(lines[i]);
                STRV_FOREACH(l, lines[i])
                        assert_se(strv_extend(&args, *l) >= 0);
        }
        exprs = calloc(n_exprs, sizeof(Expr));
        assert_se(exprs);
        for (size_t i = 0; i < job->n; i++)
                for (size_t k = 0; k < strv_length(lines[i]); k++)
                        exprs[e++].case_index = i;

        t0 = now_seconds();
        r = run_analyze(args, first->pass == PASS_TZ ? first->zone : first->pass == PASS_SUFFIX ? "UTC" : NULL, &out);
        if (r >= 0)
                parse_output(out, exprs, n_exprs);

        assert_se(pthread_mutex_lock(&lock) == 0);
        analyze_seconds[first->pass] += now_seconds() - t0;
        total_runs++;
        total_lines += (unsigned) n_exprs;
        if (r < 0)
                tap_diag("systemd-analyze failed (%s) for %s from @%" PRIu64 ": %.2000s", strerror(-r),
                         strempty(first->zone), job->base / USEC_PER_SEC, strempty(out));

        for (size_t i = 0; i < job->n; i++) {
                Case *c = cases + job->first + i;
                int64_t ours[MAX_FIRINGS], theirs[MAX_FIRINGS * 64], limit;
                size_t n_ours = 0, n_theirs = 0, k = 0;
                usec_t t = job->base;
                bool bad = r < 0;

                while (n_ours < job->n_firings) {
                        usec_t next;

                        if (cron_spec_next_in_zone(&c->spec, z, t, &next) < 0)
                                break;
                        ours[n_ours++] = (int64_t) (next / USEC_PER_SEC);
                        t = next;
                }
                /* Compare up to our last firing (each line showed one more than that, so none of its
                 * firings before it is hidden), within the horizon the lines were made for. */
                limit = (int64_t) ((job->base + HORIZON_USEC) / USEC_PER_SEC) - 1;
                if (n_ours == job->n_firings)
                        limit = MIN(limit, ours[n_ours - 1]);
                while (n_ours > 0 && ours[n_ours - 1] > limit)
                        n_ours--;
                for (size_t x = 0; x < n_exprs; x++) {
                        if (exprs[x].case_index != i)
                                continue;
                        bad = bad || exprs[x].bad;
                        for (size_t j = 0; j < exprs[x].n; j++) {
                                bad = bad || exprs[x].firings[j] < 0;
                                if (exprs[x].firings[j] >= 0 && exprs[x].firings[j] <= limit &&
                                    n_theirs < ELEMENTSOF(theirs))
                                        theirs[n_theirs++] = exprs[x].firings[j];
                        }
                }
                qsort(theirs, n_theirs, sizeof(int64_t), cmp_i64);
                for (size_t j = 0; j < n_theirs; j++)
                        if (k == 0 || theirs[k - 1] != theirs[j])
                                theirs[k++] = theirs[j];
                n_theirs = k;

                if (bad || n_theirs != n_ours || memcmp(ours, theirs, n_ours * sizeof(int64_t)) != 0) {
                        _cleanup_(freep) char *joined = strv_join(lines[i], " | ");
                        size_t j = 0;

                        while (j < n_ours && j < n_theirs && ours[j] == theirs[j])
                                j++;
                        tap_diag("'%s' in %s (%s) from @%" PRIu64 ": robfig %zu firings, systemd %zu; first "
                                 "difference: robfig @%" PRIi64 ", systemd @%" PRIi64 "%s; lines: %s", c->schedule,
                                 c->zone ?: "the host's zone", pass_names[c->pass], job->base / USEC_PER_SEC, n_ours,
                                 n_theirs, j < n_ours ? ours[j] : -1, j < n_theirs ? theirs[j] : -1,
                                 bad ? " (no or unreadable output)" : "", strempty(joined));
                        c->failed = true;
                } else {
                        c->n_compared++;
                        c->n_firings += (unsigned) n_ours;
                }
        }
        assert_se(pthread_mutex_unlock(&lock) == 0);

        for (size_t i = 0; i < job->n; i++)
                strv_free(lines[i]);
}

static void *worker(void *arg) {
        for (;;) {
                size_t j;

                assert_se(pthread_mutex_lock(&lock) == 0);
                j = next_job++;
                assert_se(pthread_mutex_unlock(&lock) == 0);
                if (j >= n_jobs)
                        return NULL;
                run_job(jobs + j);
        }
}

static void check_case(const void *data) {
        const Case *c = data;

        if (c->failed)
                tap_fail(c->schedule, 0, "differs from systemd in %s (see the diagnostics above)",
                         c->zone ?: "the host's zone");
        else if (c->n_compared == 0)
                tap_fail(c->schedule, 0, "nothing compared in %s", c->zone ?: "the host's zone");
        total_compared += c->n_compared;
        total_firings += c->n_firings;
        tap_checks += c->n_compared;
}

/* The base times of a zone: around each change of offset in 2026 and 2027 (two days before, 25 minutes
 * before, 10 minutes after; with the zone suffix only 25 minutes before the first change), or two fixed
 * days. */
static size_t bases_of(const char *zone, Pass pass, usec_t *bases, size_t max) {
        _cleanup_(time_zone_freep) TimeZone *z = NULL;
        int64_t t = 1767225600, stop = 1830297600;      /* 2026-01-01 … 2028-01-01 */
        size_t n = 0;

        assert_se(time_zone_load(zone, &z) >= 0);
        for (;;) {
                int64_t change;

                (void) time_zone_lookup(z, t, NULL, &change);
                if (change >= stop || n + 3 > max)
                        break;
                if (pass == PASS_TZ)
                        bases[n++] = (usec_t) (change - 2 * 86400 + 30) * USEC_PER_SEC;
                bases[n++] = (usec_t) (change - 25 * 60 + 30) * USEC_PER_SEC;
                if (pass == PASS_TZ)
                        bases[n++] = (usec_t) (change + 10 * 60 + 30) * USEC_PER_SEC;
                else
                        break;
                t = change;
        }
        if (n == 0) {
                bases[n++] = (usec_t) 1772323230 * USEC_PER_SEC;        /* 2026-03-01 00:00:30 */
                if (pass == PASS_TZ)
                        bases[n++] = (usec_t) 1793491230 * USEC_PER_SEC;        /* 2026-11-01 00:00:30 */
        }
        return n;
}

static void add_cases(Pass pass, const char *zone) {
        size_t first = 0;
        usec_t bases[64];
        size_t n_bases;

        for (size_t s = 0; s < ELEMENTSOF(schedules); s++) {
                static size_t n_cases;
                Case *c = cases + n_cases;
                _cleanup_(freep) char *err = NULL;

                assert_se(n_cases < ELEMENTSOF(cases));
                if (s == 0)
                        first = n_cases;
                *c = (Case) { .schedule = schedules[s], .zone = zone, .pass = pass };
                if (cron_spec_parse(c->schedule, &c->spec, &err) < 0) {
                        printf("Bail out! '%s': %s\n", c->schedule, strempty(err));
                        exit(EXIT_FAILURE);
                }
                snprintf(case_names[n_cases], sizeof(case_names[n_cases]), "'%s' in %s (%s)", schedules[s],
                         zone ?: "the host's zone", pass_names[pass]);
                tap_register_data(case_names[n_cases], check_case, c);
                n_cases++;
        }

        n_bases = bases_of(zone, pass, bases, ELEMENTSOF(bases));
        for (size_t b = 0; b < n_bases; b++) {
                assert_se(n_jobs < ELEMENTSOF(jobs));
                jobs[n_jobs++] = (Job) {
                        .first = first,
                        .n = ELEMENTSOF(schedules),
                        .base = bases[b],
                        .n_firings = pass == PASS_SUFFIX ? 12 : 64,
                };
        }
}

int main(void) {
        _cleanup_(freep) char *version = NULL;
        char *version_args[] = { (char *) "--version", NULL };
        pthread_t threads[2];
        double t0 = now_seconds();
        int r;

        if (run_analyze(version_args, "UTC", &version) < 0) {
                printf("not ok 1 - systemd-analyze does not run: install systemd (it is a dependency of jobsd)\n"
                       "1..1\n");
                return EXIT_FAILURE;
        }

        /* $JOBSD_CRON_ZONES (comma-separated) replaces the zones, for a longer run over more of them. */
        if (getenv("JOBSD_CRON_ZONES")) {
                _cleanup_(freep) char *list = strdup(getenv("JOBSD_CRON_ZONES"));
                char *save = NULL;

                assert_se(list);
                for (char *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save))
                        assert_se(strv_extend(&zone_list, w) >= 0);
        } else
                for (size_t z = 0; z < ELEMENTSOF(zones); z++)
                        assert_se(strv_extend(&zone_list, zones[z]) >= 0);
        assert_se(strv_length(zone_list) * ELEMENTSOF(schedules) * 2 < ELEMENTSOF(cases));
        STRV_FOREACH(z, zone_list)
                add_cases(PASS_TZ, *z);
        STRV_FOREACH(z, zone_list)
                add_cases(PASS_SUFFIX, *z);
        add_cases(PASS_HOST, NULL);

        /* Two at a time: the suffixed lines make systemd fork for every computation. */
        for (size_t i = 0; i < ELEMENTSOF(threads); i++)
                assert_se(pthread_create(threads + i, NULL, worker, NULL) == 0);
        for (size_t i = 0; i < ELEMENTSOF(threads); i++)
                assert_se(pthread_join(threads[i], NULL) == 0);

        r = tap_run();
        printf("# %u schedule x zone x base cases, %u firings compared, %u lines, %u runs of systemd-analyze "
               "(%.1f s with TZ=, %.1f s with zone suffixes, %.1f s in the host's zone), %.1f s in all\n",
               total_compared, total_firings, total_lines, total_runs, analyze_seconds[PASS_TZ],
               analyze_seconds[PASS_SUFFIX], analyze_seconds[PASS_HOST], now_seconds() - t0);
        return r;
}
