/* SPDX-License-Identifier: Apache-2.0 */
/* The CronJob controller against the scenarios of spec §6 (33-38, 40) and §5.4-§5.7, with no systemd: a
 * simulated daemon calls it when its timer fires (at next_usec), when one of its Jobs finishes, and at
 * startup after a downtime, on a simulated clock. Each created Job runs for a scripted time and then
 * completes or fails. Then its state file: round trip and malformed input. */
#include <sys/stat.h>

#include "cron-test-util.h"
#include "cronjob-controller.h"
#include "jobsd/manifest.h"
#include "jobsd/render.h"
#include "jobsd/strv.h"
#include "tap.h"

#define SIM_JOBS_MAX 512

typedef struct SimJob {
        char *name;
        bool manual;
        bool deleted;
        CronChildState state;
        usec_t slot, start, end;        /* end: when it finishes */
        bool fail;
} SimJob;

typedef struct Sim {
        CronJob *cj;
        CronJobStatus st;
        usec_t now;
        usec_t next;                    /* the timer */
        SimJob jobs[SIM_JOBS_MAX];
        size_t n_jobs;
        usec_t run_usec;                /* how long each created Job runs */
        bool fail;                      /* … and whether it fails */
        char **events;                  /* "Reason: message", W/N prefix */
        char **created, **deleted;
        usec_t created_at[SIM_JOBS_MAX];
        unsigned syncs;
        unsigned max_running;           /* created (not manual) Jobs running at once */
        size_t max_active;
} Sim;

static usec_t T(const char *s) {
        int64_t t = parse_utc(s);

        assert_se(t >= 0);
        return (usec_t) t * USEC_PER_SEC;
}

/* The name of the Job of a slot, computed here independently of the controller. */
static char *jname(const char *cj, const char *slot) {
        return strprintf("%s-%" PRIi64, cj, parse_utc(slot) / 60);
}

static CronJob *load_cron_job(const char *yaml) {
        _cleanup_(manifest_list_done) ManifestList list = {};
        _cleanup_(diag_list_done) DiagList diags = {};

        assert_se(manifest_parse_buffer("test.yaml", yaml, strlen(yaml), &list, &diags) >= 0);
        diag_list_print(&diags, stdout);
        assert_se(list.n == 1 && list.items[0].kind == MANIFEST_CRON_JOB);
        return TAKE_PTR(list.items[0].cron_job);
}

/* A CronJob in UTC unless extra sets timeZone; extra: more lines of its spec. */
static char *cj_yaml(const char *name, const char *schedule, const char *extra) {
        return strprintf("apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: %s}\nspec:\n"
                         "  schedule: \"%s\"\n%s%s"
                         "  jobTemplate:\n"
                         "    metadata: {labels: {app: %s}, annotations: {team: batch}}\n"
                         "    spec:\n      template:\n        spec:\n          restartPolicy: Never\n"
                         "          containers: [{name: c, image: busybox, command: [sleep, \"90\"]}]\n",
                         name, schedule, extra && strstr(extra, "timeZone") ? "" : "  timeZone: UTC\n",
                         strempty(extra), name);
}

static void sim_init(Sim *s, const char *yaml, usec_t created, usec_t run_usec) {
        *s = (Sim) { .cj = load_cron_job(yaml), .now = created, .run_usec = run_usec };
        s->st.created_usec = created;
}

static void sim_done(Sim *s) {
        cron_job_free(s->cj);
        cronjob_status_done(&s->st);
        for (size_t i = 0; i < s->n_jobs; i++)
                free(s->jobs[i].name);
        strv_free(s->events);
        strv_free(s->created);
        strv_free(s->deleted);
}

static SimJob *sim_find(Sim *s, const char *name) {
        for (size_t i = 0; i < s->n_jobs; i++)
                if (!s->jobs[i].deleted && streq(s->jobs[i].name, name))
                        return s->jobs + i;
        return NULL;
}

static SimJob *sim_add_job(Sim *s, const char *name, bool manual, usec_t slot, usec_t run, bool fail) {
        SimJob *j;

        assert_se(s->n_jobs < SIM_JOBS_MAX);
        j = s->jobs + s->n_jobs++;
        *j = (SimJob) { .name = strdup(name), .manual = manual, .state = CRON_CHILD_RUNNING, .slot = slot,
                        .start = s->now, .end = s->now + run, .fail = fail };
        assert_se(j->name);
        return j;
}

/* The state file text survives a round trip at every step. */
static void check_round_trip(const CronJobStatus *st) {
        _cleanup_(freep) char *a = NULL, *b = NULL, *err = NULL;
        _cleanup_(cronjob_status_done) CronJobStatus back = {};

        ASSERT_OK(cronjob_status_format(st, &a));
        ASSERT_OK(cronjob_status_parse(a, &back, &err));
        if (err)
                tap_diag("parse: %s", err);
        ASSERT_OK(cronjob_status_format(&back, &b));
        ASSERT_STREQ(a, b);
}

static void sim_sync(Sim *s) {
        _cleanup_(cron_action_list_done) CronActionList l = {};
        CronChild children[SIM_JOBS_MAX];
        size_t n = 0;
        unsigned running = 0;

        for (size_t i = 0; i < s->n_jobs; i++)
                if (!s->jobs[i].deleted)
                        children[n++] = (CronChild) {
                                .name = s->jobs[i].name,
                                .manual = s->jobs[i].manual,
                                .state = s->jobs[i].state,
                                .start_usec = s->jobs[i].start,
                                .completion_usec = s->jobs[i].state == CRON_CHILD_RUNNING ? 0 : s->jobs[i].end,
                        };
        ASSERT_OK(cronjob_reconcile(s->cj, &s->st, children, n, s->now, &l));
        s->syncs++;
        for (size_t i = 0; i < l.n; i++) {
                const CronAction *a = l.items + i;
                switch (a->type) {
                case CRON_ACTION_CREATE_JOB: {
                        _cleanup_(freep) char *want = cronjob_job_name(s->cj->metadata.name, a->slot_usec);
                        _cleanup_(job_freep) Job *job = NULL;

                        ASSERT_STREQ(a->job, want);
                        ASSERT_NULL(sim_find(s, a->job));
                        ASSERT_OK(cronjob_make_job(s->cj, a->slot_usec, &job));
                        ASSERT_STREQ(job ? job->metadata.name : NULL, a->job);
                        s->created_at[strv_length(s->created)] = s->now;
                        assert_se(strv_extend(&s->created, a->job) >= 0);
                        sim_add_job(s, a->job, false, a->slot_usec, s->run_usec, s->fail);
                        break;
                }
                case CRON_ACTION_DELETE_JOB: {
                        SimJob *j = sim_find(s, a->job);
                        ASSERT_NOT_NULL(j);
                        if (j)
                                j->deleted = true;
                        assert_se(strv_extend(&s->deleted, a->job) >= 0);
                        break;
                }
                case CRON_ACTION_EVENT: {
                        char *e = strprintf("%s %s: %s", a->warning ? "W" : "N", a->reason, a->message);
                        assert_se(e && strv_push(&s->events, e) >= 0);
                        break;
                }
                default:
                        ASSERT_TRUE(false);
                }
        }
        /* The timer is armed at next_usec, strictly after now (0: none). */
        ASSERT_TRUE(l.next_usec == 0 || l.next_usec > s->now);
        s->next = l.next_usec;
        /* Every active Job exists and runs. */
        STRV_FOREACH(a, s->st.active) {
                SimJob *j = sim_find(s, *a);
                ASSERT_TRUE(j && j->state == CRON_CHILD_RUNNING && !j->manual);
        }
        s->max_active = MAX(s->max_active, strv_length(s->st.active));
        for (size_t i = 0; i < s->n_jobs; i++)
                if (!s->jobs[i].deleted && !s->jobs[i].manual && s->jobs[i].state == CRON_CHILD_RUNNING)
                        running++;
        s->max_running = MAX(s->max_running, running);
        check_round_trip(&s->st);
}

/* Jobs that end by now finish (also while the daemon is down: their units run on). */
static bool sim_finish_jobs(Sim *s) {
        bool any = false;

        for (size_t i = 0; i < s->n_jobs; i++) {
                SimJob *j = s->jobs + i;
                if (!j->deleted && j->state == CRON_CHILD_RUNNING && j->end <= s->now) {
                        j->state = j->fail ? CRON_CHILD_FAILED : CRON_CHILD_COMPLETE;
                        any = true;
                }
        }
        return any;
}

/* The daemon runs until `until`: it syncs when its timer fires and when a Job finishes. */
static void sim_run(Sim *s, usec_t until) {
        for (;;) {
                usec_t t = s->next > s->now ? s->next : USEC_INFINITY;

                for (size_t i = 0; i < s->n_jobs; i++)
                        if (!s->jobs[i].deleted && s->jobs[i].state == CRON_CHILD_RUNNING && s->jobs[i].end > s->now)
                                t = MIN(t, s->jobs[i].end);
                if (t > until)
                        break;
                s->now = t;
                sim_finish_jobs(s);
                sim_sync(s);
        }
        s->now = until;
}

/* The daemon is down until `until`, then starts and syncs. */
static void sim_down(Sim *s, usec_t until) {
        s->now = until;
        sim_finish_jobs(s);
        sim_sync(s);
}

static unsigned count_events(Sim *s, const char *prefix) {
        unsigned n = 0;

        STRV_FOREACH(e, s->events)
                if (startswith(*e, prefix))
                        n++;
        return n;
}

static unsigned count_warnings(Sim *s) {
        return count_events(s, "W ");
}

/* The Jobs that still exist and are in the given state, sorted by name (= by slot). */
static char *existing(Sim *s, CronChildState state) {
        _cleanup_(strv_freep) char **l = NULL;

        for (size_t i = 0; i < s->n_jobs; i++)
                if (!s->jobs[i].deleted && s->jobs[i].state == state)
                        assert_se(strv_extend(&l, s->jobs[i].name) >= 0);
        return l ? strv_join(l, " ") : strdup("");
}

static char *names(const char *cj, const char *const *slots) {
        _cleanup_(strv_freep) char **l = NULL;

        for (; *slots; slots++)
                assert_se(strv_push(&l, jname(cj, *slots)) >= 0);
        return l ? strv_join(l, " ") : strdup("");
}

#define ASSERT_NAMES(got, cj, ...)                                                      \
        do {                                                                            \
                _cleanup_(freep) char *_w = names(cj, (const char *const[]) { __VA_ARGS__, NULL }); \
                ASSERT_STREQ(got, _w);                                                  \
        } while (0)

static char *joined(char **l) {
        return l ? strv_join(l, " ") : strdup("");
}

TEST(scenario_33_allow_two_active) {
        _cleanup_(freep) char *y = cj_yaml("allow", "*/1 * * * *", NULL), *c = NULL, *done = NULL, *act = NULL;
        Sim s;

        sim_init(&s, y, T("2026-01-05T10:00:30Z"), 90 * USEC_PER_SEC);
        sim_sync(&s);
        ASSERT_EQ(s.n_jobs, 0);
        ASSERT_EQ(s.next, T("2026-01-05T10:01:00Z"));
        sim_run(&s, T("2026-01-05T10:10:20Z"));

        c = joined(s.created);
        ASSERT_NAMES(c, "allow", "2026-01-05T10:01Z", "2026-01-05T10:02Z", "2026-01-05T10:03Z", "2026-01-05T10:04Z",
                     "2026-01-05T10:05Z", "2026-01-05T10:06Z", "2026-01-05T10:07Z", "2026-01-05T10:08Z",
                     "2026-01-05T10:09Z", "2026-01-05T10:10Z");
        ASSERT_STREQ(s.created[0], "allow-29460121");
        for (size_t i = 0; i < strv_length(s.created); i++)
                ASSERT_EQ(s.created_at[i], T("2026-01-05T10:01Z") + i * USEC_PER_MINUTE);
        ASSERT_EQ(s.max_running, 2);
        ASSERT_EQ(s.max_active, 2);
        act = joined(s.st.active);
        ASSERT_NAMES(act, "allow", "2026-01-05T10:09Z", "2026-01-05T10:10Z");
        ASSERT_EQ(s.st.last_schedule_usec, T("2026-01-05T10:10Z"));
        ASSERT_EQ(s.st.last_successful_usec, T("2026-01-05T10:09:30Z"));
        /* History: the 3 newest of 8 successes. */
        done = existing(&s, CRON_CHILD_COMPLETE);
        ASSERT_NAMES(done, "allow", "2026-01-05T10:06Z", "2026-01-05T10:07Z", "2026-01-05T10:08Z");
        ASSERT_EQ(count_events(&s, "N SuccessfulCreate: Created job allow-"), 10);
        ASSERT_EQ(count_events(&s, "N SawCompletedJob: "), 8);
        ASSERT_EQ(count_events(&s, "N SuccessfulDelete: Deleted job allow-"), 5);
        ASSERT_TRUE(strv_contains(s.events, "N SawCompletedJob: Saw completed job: allow-29460121, status: Complete"));
        ASSERT_EQ(count_warnings(&s), 0);
        sim_done(&s);
}

TEST(scenario_34_forbid) {
        _cleanup_(freep) char *y = cj_yaml("forbid", "*/1 * * * *", "  concurrencyPolicy: Forbid\n"), *c = NULL;
        static const char *const at[] = { "2026-01-05T10:01:00Z", "2026-01-05T10:03:10Z", "2026-01-05T10:05:20Z",
                                          "2026-01-05T10:07:30Z", "2026-01-05T10:09:40Z" };
        Sim s;

        sim_init(&s, y, T("2026-01-05T10:00:30Z"), 130 * USEC_PER_SEC);
        sim_sync(&s);
        sim_run(&s, T("2026-01-05T10:02:30Z"));
        /* JobAlreadyActive at 10:02, and lastScheduleTime stays at 10:01. */
        ASSERT_EQ(count_events(&s, "N JobAlreadyActive: Not starting job because prior execution is running and "
                                   "concurrency policy is Forbid"), 1);
        ASSERT_EQ(s.st.last_schedule_usec, T("2026-01-05T10:01Z"));
        sim_run(&s, T("2026-01-05T10:09:50Z"));

        c = joined(s.created);
        /* Back to back: each newest missed slot starts when the previous Job ends. */
        ASSERT_NAMES(c, "forbid", "2026-01-05T10:01Z", "2026-01-05T10:03Z", "2026-01-05T10:05Z", "2026-01-05T10:07Z",
                     "2026-01-05T10:09Z");
        for (size_t i = 0; i < ELEMENTSOF(at) && i < strv_length(s.created); i++)
                ASSERT_EQ(s.created_at[i], T(at[i]));
        ASSERT_EQ(count_events(&s, "N JobAlreadyActive: "), 8);         /* 10:02 … 10:09 */
        ASSERT_EQ(s.max_running, 1);
        ASSERT_EQ(s.st.last_schedule_usec, T("2026-01-05T10:09Z"));
        ASSERT_EQ(count_warnings(&s), 0);
        sim_done(&s);
}

TEST(scenario_34_forbid_with_starting_deadline_5) {
        _cleanup_(freep) char *y = cj_yaml("forbid", "*/1 * * * *", "  concurrencyPolicy: Forbid\n  startingDeadlineSeconds: 5\n"),
                *c = NULL;
        Sim s;

        sim_init(&s, y, T("2026-01-05T10:00:30Z"), 130 * USEC_PER_SEC);
        sim_sync(&s);
        sim_run(&s, T("2026-01-05T10:10:05Z"));
        c = joined(s.created);
        ASSERT_NAMES(c, "forbid", "2026-01-05T10:01Z", "2026-01-05T10:04Z", "2026-01-05T10:07Z", "2026-01-05T10:10Z");
        for (size_t i = 0; i < strv_length(s.created); i++)
                ASSERT_EQ(s.created_at[i], T("2026-01-05T10:01Z") + 3 * i * USEC_PER_MINUTE);
        /* 10:02, 10:03, 10:05, 10:06, 10:08, 10:09; the slots 10:03 and 10:06 pass silently. */
        ASSERT_EQ(count_events(&s, "N JobAlreadyActive: "), 6);
        ASSERT_EQ(count_warnings(&s), 0);
        sim_done(&s);
}

TEST(scenario_35_replace) {
        _cleanup_(freep) char *y = cj_yaml("repl", "*/1 * * * *", "  concurrencyPolicy: Replace\n"), *c = NULL,
                *d = NULL, *act = NULL, *left = NULL;
        Sim s;

        sim_init(&s, y, T("2026-01-05T10:00:30Z"), 90 * USEC_PER_SEC);
        sim_sync(&s);
        sim_run(&s, T("2026-01-05T10:05:30Z"));
        c = joined(s.created);
        ASSERT_NAMES(c, "repl", "2026-01-05T10:01Z", "2026-01-05T10:02Z", "2026-01-05T10:03Z", "2026-01-05T10:04Z",
                     "2026-01-05T10:05Z");
        d = joined(s.deleted);
        ASSERT_NAMES(d, "repl", "2026-01-05T10:01Z", "2026-01-05T10:02Z", "2026-01-05T10:03Z", "2026-01-05T10:04Z");
        ASSERT_EQ(s.max_active, 1);
        ASSERT_EQ(s.max_running, 1);
        act = joined(s.st.active);
        ASSERT_NAMES(act, "repl", "2026-01-05T10:05Z");
        /* Replaced Jobs are gone, not history. */
        left = existing(&s, CRON_CHILD_COMPLETE);
        ASSERT_STREQ(left, "");
        ASSERT_EQ(count_events(&s, "N SuccessfulDelete: Deleted job repl-"), 4);
        ASSERT_EQ(count_events(&s, "N SawCompletedJob: "), 0);
        ASSERT_EQ(count_warnings(&s), 0);
        /* Delete comes before create in one sync. */
        ASSERT_TRUE(strv_length(s.events) >= 2);
        if (strv_length(s.events) >= 2) {
                _cleanup_(freep) char *n4 = jname("repl", "2026-01-05T10:04Z"), *n5 = jname("repl", "2026-01-05T10:05Z"),
                        *e1 = strprintf("N SuccessfulDelete: Deleted job %s", n4),
                        *e2 = strprintf("N SuccessfulCreate: Created job %s", n5);
                size_t n = strv_length(s.events);
                ASSERT_STREQ(s.events[n - 2], e1);
                ASSERT_STREQ(s.events[n - 1], e2);
        }
        sim_done(&s);
}

TEST(scenario_36_starting_deadline_exceeded) {
        _cleanup_(freep) char *y300 = cj_yaml("sds", "0 * * * *", "  startingDeadlineSeconds: 300\n"),
                *y600 = cj_yaml("sds", "0 * * * *", "  startingDeadlineSeconds: 600\n"), *c = NULL, *name = NULL;
        _cleanup_(job_freep) Job *job = NULL;
        unsigned before;
        Sim s;

        /* SDS 300, down 09:55-10:07: nothing, no event, next 11:00. */
        sim_init(&s, y300, T("2026-01-05T08:30:00Z"), 10 * USEC_PER_SEC);
        sim_sync(&s);
        sim_run(&s, T("2026-01-05T09:55:00Z"));
        c = joined(s.created);
        ASSERT_NAMES(c, "sds", "2026-01-05T09:00Z");
        before = strv_length(s.events);
        sim_down(&s, T("2026-01-05T10:07:00Z"));
        ASSERT_EQ(strv_length(s.events), before);
        ASSERT_EQ(strv_length(s.created), 1);
        ASSERT_EQ(s.next, T("2026-01-05T11:00Z"));
        ASSERT_EQ(s.st.last_schedule_usec, T("2026-01-05T09:00Z"));
        sim_done(&s);

        /* SDS 600: one Job at 10:07 for 10:00. */
        sim_init(&s, y600, T("2026-01-05T08:30:00Z"), 10 * USEC_PER_SEC);
        sim_sync(&s);
        sim_run(&s, T("2026-01-05T09:55:00Z"));
        sim_down(&s, T("2026-01-05T10:07:00Z"));
        free(c);
        c = joined(s.created);
        ASSERT_NAMES(c, "sds", "2026-01-05T09:00Z", "2026-01-05T10:00Z");
        ASSERT_EQ(s.created_at[1], T("2026-01-05T10:07:00Z"));
        ASSERT_EQ(s.st.last_schedule_usec, T("2026-01-05T10:00Z"));
        name = jname("sds", "2026-01-05T10:00Z");
        ASSERT_STREQ(name, "sds-29460120");
        ASSERT_OK(cronjob_make_job(s.cj, s.st.last_schedule_usec, &job));
        ASSERT_STREQ(job->metadata.name, "sds-29460120");
        ASSERT_STREQ(str_map_get(&job->metadata.annotations, CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION),
                     "2026-01-05T10:00:00Z");
        ASSERT_STREQ(s.events[strv_length(s.events) - 1], "N SuccessfulCreate: Created job sds-29460120");
        ASSERT_EQ(count_warnings(&s), 0);
        sim_done(&s);
}

TEST(scenario_37_downtime_hourly) {
        _cleanup_(freep) char *y = cj_yaml("hourly", "0 * * * *", NULL), *c = NULL;
        Sim s;

        sim_init(&s, y, T("2026-01-05T00:10:00Z"), 10 * USEC_PER_SEC);
        sim_sync(&s);
        sim_run(&s, T("2026-01-05T01:30:00Z"));
        sim_down(&s, T("2026-01-05T04:45:00Z"));
        c = joined(s.created);
        ASSERT_NAMES(c, "hourly", "2026-01-05T01:00Z", "2026-01-05T04:00Z");
        ASSERT_EQ(s.created_at[1], T("2026-01-05T04:45:00Z"));
        ASSERT_EQ(s.next, T("2026-01-05T05:00Z"));
        ASSERT_EQ(count_warnings(&s), 0);
        sim_done(&s);
}

TEST(scenario_37_downtime_every_minute_too_many_missed) {
        _cleanup_(freep) char *y = cj_yaml("minutely", "* * * * *", NULL), *n = NULL, *e = NULL;
        size_t before;
        Sim s;

        sim_init(&s, y, T("2026-01-05T08:00:30Z"), 10 * USEC_PER_SEC);
        sim_sync(&s);
        sim_run(&s, T("2026-01-05T08:29:30Z"));
        ASSERT_EQ(strv_length(s.created), 29);  /* 08:01 … 08:29 */
        ASSERT_EQ(count_warnings(&s), 0);
        before = strv_length(s.events);
        sim_down(&s, T("2026-01-05T10:21:05Z"));
        /* 112 missed: the warning, and still one Job, for 10:21. */
        ASSERT_EQ(strv_length(s.created), 30);
        n = jname("minutely", "2026-01-05T10:21Z");
        ASSERT_STREQ(s.created[29], n);
        ASSERT_EQ(s.created_at[29], T("2026-01-05T10:21:05Z"));
        e = strprintf("N SuccessfulCreate: Created job %s", n);
        ASSERT_EQ(strv_length(s.events), before + 2);
        if (strv_length(s.events) == before + 2) {
                ASSERT_STREQ(s.events[before], "W TooManyMissedTimes: too many missed start times. Set or decrease "
                             ".spec.startingDeadlineSeconds or check clock skew");
                ASSERT_STREQ(s.events[before + 1], e);
        }
        ASSERT_EQ(s.next, T("2026-01-05T10:22Z"));
        sim_done(&s);
}

/* Exactly 100 missed is not too many; 101 is. */
TEST(too_many_missed_boundary) {
        _cleanup_(freep) char *y = cj_yaml("b", "* * * * *", NULL);
        Sim s;

        sim_init(&s, y, T("2026-01-05T08:00:00Z"), 10 * USEC_PER_SEC);
        sim_down(&s, T("2026-01-05T09:40:00Z"));        /* 08:01 … 09:40: 100 */
        ASSERT_EQ(count_events(&s, "W TooManyMissedTimes"), 0);
        ASSERT_EQ(strv_length(s.created), 1);
        sim_done(&s);
        sim_init(&s, y, T("2026-01-05T08:00:00Z"), 10 * USEC_PER_SEC);
        sim_down(&s, T("2026-01-05T09:41:00Z"));        /* 101 */
        ASSERT_EQ(count_events(&s, "W TooManyMissedTimes"), 1);
        ASSERT_EQ(strv_length(s.created), 1);
        ASSERT_EQ(s.st.last_schedule_usec, T("2026-01-05T09:41Z"));
        sim_done(&s);
        /* A year down: still the latest slot, found without walking them all. */
        sim_init(&s, y, T("2025-01-05T08:00:00Z"), 10 * USEC_PER_SEC);
        sim_down(&s, T("2026-01-05T09:41:30Z"));
        ASSERT_EQ(s.st.last_schedule_usec, T("2026-01-05T09:41Z"));
        sim_done(&s);
}

/* The seed cronjob-example (schedule every minute, host's zone), as in spec §6.38. */
static const char *seed_cronjob_example =
        "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: cronjob-example\nspec:\n"
        "  schedule: \"*/1 * * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n"
        "          restartPolicy: Never\n          containers:\n          - name: cronjob-example\n"
        "            image: busybox\n            args: [\"sh\", \"-c\", \"date\"]\n";

TEST(scenario_38_history) {
        _cleanup_(freep) char *done = NULL, *failed = NULL, *n1 = jname("cronjob-example", "2026-01-05T10:01Z"),
                *e = strprintf("N SuccessfulDelete: Deleted job %s", n1);
        Sim s;

        sim_init(&s, seed_cronjob_example, T("2026-01-05T10:00:30Z"), 5 * USEC_PER_SEC);
        sim_sync(&s);
        sim_run(&s, T("2026-01-05T10:04:04Z"));
        ASSERT_EQ(count_events(&s, "N SuccessfulDelete"), 0);
        sim_run(&s, T("2026-01-05T10:04:30Z"));  /* the 4th success at 10:04:05 */
        done = existing(&s, CRON_CHILD_COMPLETE);
        ASSERT_NAMES(done, "cronjob-example", "2026-01-05T10:02Z", "2026-01-05T10:03Z", "2026-01-05T10:04Z");
        ASSERT_EQ(count_events(&s, "N SuccessfulDelete"), 1);
        ASSERT_TRUE(strv_contains(s.events, e));
        ASSERT_EQ(s.st.last_successful_usec, T("2026-01-05T10:04:05Z"));
        sim_done(&s);

        /* exit 1, backoffLimit 0: only the newest failed Job remains. */
        sim_init(&s, seed_cronjob_example, T("2026-01-05T10:00:30Z"), 5 * USEC_PER_SEC);
        s.fail = true;
        sim_sync(&s);
        sim_run(&s, T("2026-01-05T10:04:30Z"));
        failed = existing(&s, CRON_CHILD_FAILED);
        ASSERT_NAMES(failed, "cronjob-example", "2026-01-05T10:04Z");
        ASSERT_EQ(count_events(&s, "N SuccessfulDelete"), 3);
        ASSERT_TRUE(strv_contains(s.events, e));
        ASSERT_TRUE(strv_contains(s.events, "N SawCompletedJob: Saw completed job: cronjob-example-29460124, status: Failed"));
        ASSERT_EQ(s.st.last_successful_usec, 0);
        sim_done(&s);
}

/* History order: by start time, Jobs without one count as the newest, ties by name; running Jobs are
 * never pruned; a limit of 0 keeps none. Driven directly, without the simulator. */
TEST(history_order_and_limits) {
        _cleanup_(freep) char *y = cj_yaml("h", "0 0 1 1 *", "  successfulJobsHistoryLimit: 2\n  failedJobsHistoryLimit: 0\n");
        _cleanup_(cron_job_freep) CronJob *cj = load_cron_job(y);
        _cleanup_(cronjob_status_done) CronJobStatus st = { .created_usec = T("2026-01-05T00:00Z") };
        _cleanup_(cron_action_list_done) CronActionList l = {};
        usec_t t = T("2026-01-05T10:00Z");
        const CronChild children[] = {
                { "h-b", false, CRON_CHILD_COMPLETE, 0, t },            /* no start time: newest */
                { "h-c", false, CRON_CHILD_COMPLETE, t + 5, t + 9 },
                { "h-a", false, CRON_CHILD_COMPLETE, t + 5, t + 9 },    /* tie with h-c: h-a is older */
                { "h-d", true, CRON_CHILD_COMPLETE, t + 1, t + 2 },     /* manual: history too */
                { "h-r", false, CRON_CHILD_RUNNING, 1, 0 },             /* running: kept however old */
                { "h-f", false, CRON_CHILD_FAILED, t + 3, t + 4 },      /* limit 0 */
        };
        _cleanup_(strv_freep) char **del = NULL;

        ASSERT_OK(cronjob_reconcile(cj, &st, children, ELEMENTSOF(children), t + 100, &l));
        for (size_t i = 0; i < l.n; i++)
                if (l.items[i].type == CRON_ACTION_DELETE_JOB)
                        assert_se(strv_extend(&del, l.items[i].job) >= 0);
        ASSERT_EQ(strv_length(del), 3);
        if (strv_length(del) == 3) {
                ASSERT_STREQ(del[0], "h-d");
                ASSERT_STREQ(del[1], "h-a");
                ASSERT_STREQ(del[2], "h-f");
        }
        /* h-r is not in active (the controller did not create it). */
        for (size_t i = 0; i < l.n; i++)
                if (l.items[i].type == CRON_ACTION_EVENT && streq(l.items[i].reason, "UnexpectedJob"))
                        ASSERT_STREQ(l.items[i].message, "Saw a job that the controller did not create or forgot: h-r");
        ASSERT_EQ(strv_length(st.active), 0);
        ASSERT_EQ(st.last_successful_usec, t + 9);
        ASSERT_TRUE(l.changed);
}

TEST(suspend_and_unsuspend) {
        _cleanup_(freep) char *y = cj_yaml("susp", "0 * * * *", NULL),
                *ysds = cj_yaml("susp", "0 * * * *", "  startingDeadlineSeconds: 600\n"), *c = NULL, *e = NULL;
        Sim s;

        sim_init(&s, y, T("2026-01-05T08:30:00Z"), 10 * USEC_PER_SEC);
        sim_sync(&s);
        sim_run(&s, T("2026-01-05T09:30:00Z"));
        ASSERT_EQ(strv_length(s.created), 1);
        s.cj->spec.suspend = true;
        sim_sync(&s);
        ASSERT_EQ(s.next, 0);                   /* nothing to wake for */
        sim_run(&s, T("2026-01-05T11:00:00Z"));
        ASSERT_EQ(strv_length(s.created), 1);
        /* History is still pruned while suspended. */
        s.cj->spec.successful_jobs_history_limit = 0;
        sim_sync(&s);
        e = strprintf("N SuccessfulDelete: Deleted job %s", s.created[0]);
        ASSERT_TRUE(strv_contains(s.events, e));
        ASSERT_EQ(strv_length(s.created), 1);
        /* A timer that fires anyway changes nothing. */
        s.now = T("2026-01-05T12:00:00Z");
        sim_sync(&s);
        ASSERT_EQ(strv_length(s.created), 1);
        sim_run(&s, T("2026-01-05T12:20:00Z"));
        /* Unsuspended: the newest missed slot, 12:00, at once; 10:00 and 11:00 are dropped. */
        s.cj->spec.suspend = false;
        sim_sync(&s);
        c = joined(s.created);
        ASSERT_NAMES(c, "susp", "2026-01-05T09:00Z", "2026-01-05T12:00Z");
        ASSERT_EQ(s.created_at[1], T("2026-01-05T12:20:00Z"));
        ASSERT_EQ(s.next, T("2026-01-05T13:00Z"));
        ASSERT_EQ(count_warnings(&s), 0);
        sim_done(&s);

        /* With startingDeadlineSeconds 600, 12:00 is too old at 12:20: nothing until 13:00. */
        sim_init(&s, ysds, T("2026-01-05T08:30:00Z"), 10 * USEC_PER_SEC);
        sim_sync(&s);
        sim_run(&s, T("2026-01-05T09:30:00Z"));
        s.cj->spec.suspend = true;
        sim_sync(&s);
        sim_run(&s, T("2026-01-05T12:20:00Z"));
        s.cj->spec.suspend = false;
        sim_sync(&s);
        ASSERT_EQ(strv_length(s.created), 1);
        sim_run(&s, T("2026-01-05T13:00:30Z"));
        ASSERT_EQ(strv_length(s.created), 2);
        ASSERT_EQ(s.created_at[1], T("2026-01-05T13:00:00Z"));
        sim_done(&s);
}

TEST(spurious_calls_create_nothing) {
        _cleanup_(freep) char *y = cj_yaml("sp", "*/5 * * * *", NULL), *c = NULL;
        Sim s;

        sim_init(&s, y, T("2026-01-05T10:00:30Z"), 10 * USEC_PER_SEC);
        for (const char *const *t = (const char *const[]) { "2026-01-05T10:00:30Z", "2026-01-05T10:00:31Z",
                                                             "2026-01-05T10:03:17Z", "2026-01-05T10:04:59Z", NULL }; *t; t++) {
                s.now = T(*t);
                sim_sync(&s);
                ASSERT_EQ(s.next, T("2026-01-05T10:05Z"));
        }
        ASSERT_EQ(s.n_jobs, 0);
        s.now = T("2026-01-05T10:05:00Z");
        sim_sync(&s);
        ASSERT_EQ(s.n_jobs, 1);
        /* Again at the same instant, a second later, after the Job finished, after a "restart": no more. */
        sim_sync(&s);
        s.now = T("2026-01-05T10:05:01Z");
        sim_sync(&s);
        sim_run(&s, T("2026-01-05T10:07:00Z"));
        sim_sync(&s);
        ASSERT_EQ(s.n_jobs, 1);
        ASSERT_EQ(s.syncs, 9);
        c = joined(s.created);
        ASSERT_NAMES(c, "sp", "2026-01-05T10:05Z");
        ASSERT_EQ(count_warnings(&s), 0);

        /* A schedule edit at 10:07 to every 2 minutes: its past slot 10:06 does not run, even on a
         * spurious call after the edit; 10:08 does. */
        free(s.cj->spec.schedule);
        s.cj->spec.schedule = strdup("*/2 * * * *");
        assert_se(s.cj->spec.schedule && cron_spec_parse(s.cj->spec.schedule, &s.cj->spec.cron, NULL) >= 0);
        sim_sync(&s);
        ASSERT_EQ(s.next, T("2026-01-05T10:08Z"));
        s.now = T("2026-01-05T10:07:30Z");
        sim_sync(&s);
        ASSERT_EQ(s.n_jobs, 1);
        sim_run(&s, T("2026-01-05T10:08:30Z"));
        free(c);
        c = joined(s.created);
        ASSERT_NAMES(c, "sp", "2026-01-05T10:05Z", "2026-01-05T10:08Z");
        ASSERT_EQ(s.created_at[1], T("2026-01-05T10:08Z"));
        sim_done(&s);
}

/* A Job created just before a crash that lost the status: it is taken back, not made twice. */
TEST(crash_after_create_readopts) {
        _cleanup_(freep) char *y = cj_yaml("cr", "*/5 * * * *", "  concurrencyPolicy: Forbid\n"), *n = NULL, *act = NULL;
        Sim s;

        sim_init(&s, y, T("2026-01-05T10:00:30Z"), 600 * USEC_PER_SEC);
        s.now = T("2026-01-05T10:05:00Z");
        sim_sync(&s);
        ASSERT_EQ(s.n_jobs, 1);
        /* The saved status is the one from before the sync. */
        strv_free(s.st.active);
        s.st.active = NULL;
        s.st.last_schedule_usec = 0;
        s.now = T("2026-01-05T10:05:02Z");
        sim_sync(&s);
        ASSERT_EQ(s.n_jobs, 1);
        n = jname("cr", "2026-01-05T10:05Z");
        act = joined(s.st.active);
        ASSERT_STREQ(act, n);
        ASSERT_EQ(s.st.last_schedule_usec, T("2026-01-05T10:05Z"));
        ASSERT_EQ(count_events(&s, "W UnexpectedJob"), 1);
        /* And it blocks the next slot as the active Job. */
        sim_run(&s, T("2026-01-05T10:10:30Z"));
        ASSERT_EQ(s.n_jobs, 1);
        ASSERT_EQ(count_events(&s, "N JobAlreadyActive"), 1);
        sim_done(&s);
}

TEST(missing_active_job) {
        _cleanup_(freep) char *y = cj_yaml("mi", "*/5 * * * *", "  concurrencyPolicy: Forbid\n");
        Sim s;

        sim_init(&s, y, T("2026-01-05T10:00:30Z"), 600 * USEC_PER_SEC);
        s.now = T("2026-01-05T10:05:00Z");
        sim_sync(&s);
        ASSERT_EQ(s.n_jobs, 1);
        s.jobs[0].deleted = true;               /* deleted behind the controller's back */
        s.now = T("2026-01-05T10:05:10Z");
        sim_sync(&s);
        ASSERT_TRUE(strv_contains(s.events, "N MissingJob: Active job went missing: mi-29460125"));
        ASSERT_EQ(strv_length(s.st.active), 0);
        ASSERT_EQ(s.n_jobs, 1);                 /* its slot is done */
        sim_run(&s, T("2026-01-05T10:10:00Z"));
        ASSERT_EQ(s.n_jobs, 2);
        sim_done(&s);
}

TEST(time_zones_and_dst) {
        _cleanup_(freep) char *fall = cj_yaml("ny", "30 1 * * *", "  timeZone: America/New_York\n"),
                *spring = cj_yaml("ny", "30 2 * * *", "  timeZone: America/New_York\n"), *c = NULL, *stamp = NULL;
        static const char *const fall_stamps[] = { "2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00",
                                                   "2026-11-02T01:30:00-05:00" };
        static const char *const spring_stamps[] = { "2026-03-07T02:30:00-05:00", "2026-03-09T02:30:00-04:00" };
        Sim s;

        /* Fall back: 01:30 fires twice, once per instant: two Jobs. */
        sim_init(&s, fall, T("2026-10-31T12:00:00Z"), 60 * USEC_PER_SEC);
        sim_sync(&s);
        sim_run(&s, T("2026-11-02T12:00:00Z"));
        c = joined(s.created);
        ASSERT_NAMES(c, "ny", "2026-11-01T05:30Z", "2026-11-01T06:30Z", "2026-11-02T06:30Z");
        for (size_t i = 0; i < s.n_jobs && i < ELEMENTSOF(fall_stamps); i++) {
                _cleanup_(job_freep) Job *j = NULL;
                ASSERT_EQ(s.created_at[i], s.jobs[i].slot);
                ASSERT_OK(cronjob_make_job(s.cj, s.jobs[i].slot, &j));
                ASSERT_STREQ(str_map_get(&j->metadata.annotations, CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION), fall_stamps[i]);
        }
        sim_done(&s);

        /* Spring forward: 02:30 does not exist on 03-08, skipped. */
        sim_init(&s, spring, T("2026-03-06T12:00:00Z"), 60 * USEC_PER_SEC);
        sim_sync(&s);
        sim_run(&s, T("2026-03-10T00:00:00Z"));
        free(c);
        c = joined(s.created);
        ASSERT_NAMES(c, "ny", "2026-03-07T07:30Z", "2026-03-09T06:30Z");
        for (size_t i = 0; i < s.n_jobs && i < ELEMENTSOF(spring_stamps); i++) {
                _cleanup_(job_freep) Job *j = NULL;
                ASSERT_OK(cronjob_make_job(s.cj, s.jobs[i].slot, &j));
                ASSERT_STREQ(str_map_get(&j->metadata.annotations, CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION), spring_stamps[i]);
        }
        sim_done(&s);

        /* §5.4's examples; unset timeZone: UTC. */
        ASSERT_OK(cronjob_format_timestamp(T("2026-01-05T10:21Z"), NULL, &stamp));
        ASSERT_STREQ(stamp, "2026-01-05T10:21:00Z");
        stamp = mfree(stamp);
        ASSERT_OK(cronjob_format_timestamp(T("2026-01-05T10:21Z"), "Asia/Tokyo", &stamp));
        ASSERT_STREQ(stamp, "2026-01-05T19:21:00+09:00");
        stamp = mfree(stamp);
        ASSERT_OK(cronjob_format_timestamp(T("2026-01-05T10:21Z"), "Europe/London", &stamp));
        ASSERT_STREQ(stamp, "2026-01-05T10:21:00Z");
        stamp = mfree(stamp);
        ASSERT_OK(cronjob_format_timestamp(T("2026-01-05T10:21Z"), "Asia/Kolkata", &stamp));
        ASSERT_STREQ(stamp, "2026-01-05T15:51:00+05:30");
}

TEST(unknown_time_zone) {
        _cleanup_(freep) char *y = cj_yaml("tz", "0 * * * *", NULL);
        Sim s;

        sim_init(&s, y, T("2026-01-05T08:30:00Z"), 10 * USEC_PER_SEC);
        free(s.cj->spec.time_zone);
        s.cj->spec.time_zone = strdup("Mars/Olympus_Mons");    /* the zone file went away */
        s.now = T("2026-01-05T09:00:00Z");
        sim_sync(&s);
        ASSERT_EQ(s.n_jobs, 0);
        ASSERT_EQ(s.next, 0);
        ASSERT_TRUE(strv_contains(s.events, "W UnknownTimeZone: invalid timeZone: \"Mars/Olympus_Mons\": unknown time zone "
                                  "Mars/Olympus_Mons"));
        sim_done(&s);
}

TEST(impossible_schedule) {
        _cleanup_(freep) char *y = cj_yaml("never", "0 0 31 2 *", NULL);
        Sim s;

        sim_init(&s, y, T("2026-01-05T08:30:00Z"), 10 * USEC_PER_SEC);
        s.now = T("2026-01-05T09:00:00Z");
        sim_sync(&s);
        ASSERT_EQ(s.n_jobs, 0);
        ASSERT_EQ(s.next, 0);
        ASSERT_TRUE(strv_contains(s.events, "W InvalidSchedule: invalid schedule: 0 0 31 2 * : time difference between "
                                  "two schedules is less than 1 second"));
        sim_done(&s);
}

TEST(scenario_40_manual_run) {
        _cleanup_(freep) char *y = cj_yaml("cj", "0 * * * *", "  concurrencyPolicy: Forbid\n  successfulJobsHistoryLimit: 1\n"),
                *owner = NULL, *n = NULL, *act = NULL;
        _cleanup_(job_freep) Job *m1 = NULL;
        bool manual = false;
        Sim s;

        sim_init(&s, y, T("2026-01-05T09:30:00Z"), 10 * USEC_PER_SEC);
        ASSERT_OK(cronjob_make_manual_job(s.cj, "m1", &m1));
        ASSERT_STREQ(m1->metadata.name, "m1");
        ASSERT_STREQ(m1->metadata.namespace, "default");
        ASSERT_STREQ(str_map_get(&m1->metadata.annotations, CRONJOB_INSTANTIATE_ANNOTATION), "manual");
        ASSERT_STREQ(str_map_get(&m1->metadata.annotations, "team"), "batch");
        ASSERT_NULL(str_map_get(&m1->metadata.annotations, CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION));
        ASSERT_STREQ(str_map_get(&m1->metadata.labels, "app"), "cj");
        ASSERT_OK(cronjob_job_owner(m1, &owner, &manual));
        ASSERT_STREQ(owner, "cj");
        ASSERT_TRUE(manual);

        s.now = T("2026-01-05T09:35:00Z");
        sim_add_job(&s, "m1", true, 0, 55 * USEC_PER_MINUTE, false);   /* runs to 10:30 */
        sim_sync(&s);
        ASSERT_TRUE(strv_contains(s.events, "W UnexpectedJob: Saw a job that the controller did not create or forgot: m1"));
        ASSERT_EQ(strv_length(s.st.active), 0);
        /* It does not block Forbid. */
        sim_run(&s, T("2026-01-05T10:05:00Z"));
        n = jname("cj", "2026-01-05T10:00Z");
        ASSERT_EQ(strv_length(s.created), 1);
        ASSERT_STREQ(s.created[0], n);
        ASSERT_EQ(count_events(&s, "W UnexpectedJob: "), 3);   /* 09:35, 10:00, 10:00:10 */
        ASSERT_EQ(count_events(&s, "N JobAlreadyActive"), 0);
        /* Finished, it is history like the others: with limit 1 the older start (m1, 09:35) goes. */
        sim_run(&s, T("2026-01-05T10:31:00Z"));
        ASSERT_TRUE(strv_contains(s.events, "N SuccessfulDelete: Deleted job m1"));
        ASSERT_EQ(count_events(&s, "N SawCompletedJob: Saw completed job: m1"), 0);
        act = joined(s.st.active);
        ASSERT_STREQ(act, "");
        sim_done(&s);
}

static char *render_all(const Job *j) {
        _cleanup_(strv_freep) char **texts = NULL;
        RenderContext ctx = { .pod_uid = "u", .state_dir = "/s", .runtime_dir = "/r", .node_name = "n",
                              .host_ip = "1.2.3.4", .n_cpus = 2, .memory_bytes = 1 << 30 };

        for (size_t k = 0; k < 2; k++) {
                const Container *cs = k ? j->spec.template.spec.containers : j->spec.template.spec.init_containers;
                size_t n = k ? j->spec.template.spec.n_containers : j->spec.template.spec.n_init_containers;
                for (size_t i = 0; i < n; i++) {
                        _cleanup_(unit_spec_done) UnitSpec u = {};
                        _cleanup_(freep) char *err = NULL;
                        assert_se(render_pod_container(j, cs + i, !k, 1, 0, &ctx, &u, &err) >= 0);
                        assert_se(strv_push(&texts, unit_spec_to_text(&u)) >= 0);
                }
        }
        return strv_join(texts, "\n");
}

TEST(created_job_is_a_deep_copy_of_the_template) {
        static const char *yaml =
                "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: rich, namespace: ops}\nspec:\n"
                "  schedule: \"0 * * * *\"\n  timeZone: Asia/Tokyo\n"
                "  jobTemplate:\n"
                "    metadata:\n      labels: {app: rich, tier: x}\n"
                "      annotations: {a: b, batch.kubernetes.io/cronjob-scheduled-timestamp: mine, "
                "cronjob.kubernetes.io/instantiate: mine}\n"
                "    spec:\n      completions: 3\n      parallelism: 2\n      completionMode: Indexed\n"
                "      backoffLimitPerIndex: 1\n      activeDeadlineSeconds: 100\n      ttlSecondsAfterFinished: 7\n"
                "      podFailurePolicy:\n        rules:\n"
                "        - {action: FailJob, onExitCodes: {containerName: main, operator: In, values: [42, 43]}}\n"
                "        - {action: Ignore, onPodConditions: [{type: DisruptionTarget}]}\n"
                "      template:\n        metadata: {labels: {pod: l}, annotations: {pa: v}}\n        spec:\n"
                "          restartPolicy: Never\n          hostname: h\n"
                "          securityContext: {runAsUser: 1000, supplementalGroups: [5, 6]}\n"
                "          volumes:\n          - {name: data, emptyDir: {sizeLimit: 1Gi}}\n"
                "          - {name: info, downwardAPI: {items: [{path: ns, fieldRef: {fieldPath: metadata.namespace}}]}}\n"
                "          initContainers:\n          - {name: init, image: busybox, command: [\"true\"]}\n"
                "          containers:\n"
                "          - name: main\n            image: busybox:1.36\n            command: [sh, -c]\n"
                "            args: [\"echo $(GREETING) $(POD)\"]\n            workingDir: /tmp\n"
                "            env:\n            - {name: GREETING, value: hi}\n"
                "            - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}\n"
                "            - {name: MEM, valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}}\n"
                "            resources: {limits: {cpu: 500m, memory: 128Mi}}\n"
                "            securityContext: {capabilities: {drop: [ALL]}, readOnlyRootFilesystem: true}\n"
                "            volumeMounts: [{name: data, mountPath: /data}, {name: info, mountPath: /info, readOnly: true}]\n";
        _cleanup_(cron_job_freep) CronJob *cj = load_cron_job(yaml);
        _cleanup_(job_freep) Job *j = NULL, *m = NULL;
        _cleanup_(freep) char *want = NULL, *got = NULL, *owner = NULL;
        usec_t slot = T("2026-01-05T10:00Z");
        Job view;
        bool manual = true;

        ASSERT_OK(cronjob_make_job(cj, slot, &j));
        ASSERT_OK(cronjob_make_manual_job(cj, "by-hand", &m));
        ASSERT_STREQ(j->metadata.name, "rich-29460120");
        ASSERT_STREQ(j->metadata.namespace, "ops");
        ASSERT_EQ(j->metadata.labels.n, 2);
        ASSERT_STREQ(str_map_get(&j->metadata.labels, "tier"), "x");
        ASSERT_STREQ(str_map_get(&j->metadata.annotations, "a"), "b");
        /* The controller's timestamp wins over the template's; in manual runs the template wins. */
        ASSERT_STREQ(str_map_get(&j->metadata.annotations, CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION),
                     "2026-01-05T19:00:00+09:00");
        ASSERT_STREQ(str_map_get(&m->metadata.annotations, CRONJOB_INSTANTIATE_ANNOTATION), "mine");
        ASSERT_STREQ(str_map_get(&j->metadata.annotations, CRONJOB_CONTROLLED_BY_ANNOTATION), "CronJob/rich");
        ASSERT_OK(cronjob_job_owner(j, &owner, &manual));
        ASSERT_STREQ(owner, "rich");
        ASSERT_FALSE(manual);
        ASSERT_EQ(j->spec.completions, 3);
        ASSERT_EQ(j->spec.parallelism, 2);
        ASSERT_EQ(j->spec.completion_mode, COMPLETION_MODE_INDEXED);
        ASSERT_EQ(j->spec.backoff_limit, INT32_MAX);
        ASSERT_EQ(j->spec.ttl_seconds_after_finished, 7);
        ASSERT_EQ(j->spec.n_pod_failure_rules, 2);
        ASSERT_EQ(j->spec.pod_failure_rules[0].n_values, 2);
        ASSERT_EQ(j->spec.pod_failure_rules[0].values[1], 43);
        ASSERT_STREQ(j->spec.pod_failure_rules[1].on_pod_conditions[0].status, "True");
        ASSERT_EQ(j->spec.template.spec.security_context.n_supplemental_groups, 2);
        ASSERT_EQ(j->spec.template.spec.security_context.supplemental_groups[1], 6);
        ASSERT_EQ(j->spec.template.spec.termination_grace_period_seconds, 30);
        ASSERT_STREQ(str_map_get(&j->spec.template.annotations, "pa"), "v");
        ASSERT_TRUE(j->spec.template.spec.containers[0].command != cj->spec.job_spec.template.spec.containers[0].command);

        /* The units of every container are the same as from the template itself. */
        view = (Job) { .metadata = j->metadata, .spec = cj->spec.job_spec };
        want = render_all(&view);
        got = render_all(j);
        ASSERT_STREQ(got, want);
        ASSERT_TRUE(strstr(got, "busybox") || strstr(got, "echo"));
        /* The copy owns everything: still the same after the CronJob is gone. */
        cj = cron_job_free(cj);
        free(got);
        got = render_all(j);
        ASSERT_STREQ(got, want);
        view = (Job) {};
        ASSERT_ERROR(cronjob_job_owner(&view, NULL, NULL), ENOENT);
}

TEST(state_file_round_trip) {
        const char *root = getenv("JOBSD_BUILD_ROOT");
        _cleanup_(freep) char *tmpl = strprintf("%s/test-cronjob-state.XXXXXX", root ?: "/tmp"), *a = NULL, *b = NULL,
                *err = NULL, *path = NULL, *dir = NULL;
        _cleanup_(cronjob_status_done) CronJobStatus st = {
                .created_usec = T("2026-01-05T08:30Z"),
                .last_schedule_usec = T("2026-01-05T10:00Z"),
                .last_successful_usec = T("2026-01-05T09:00:10Z") + 123,
                .edited_usec = 7,
                .schedule = strdup("*/5 9-17 * * mon-fri"),
                .time_zone = strdup("America/New_York"),
        }, back = {}, empty = {};
        struct stat sb;

        assert_se(strv_extend(&st.active, "cj-29460120") >= 0);
        assert_se(strv_extend(&st.active, "odd name%-\n") >= 0);
        assert_se(tmpl && (dir = mkdtemp(tmpl)));
        dir = strdup(dir);
        ASSERT_OK(cronjob_state_save(dir, "default", "cj", &st));
        path = strprintf("%s/cronjobs/default_cj.state", dir);
        ASSERT_OK(stat(path, &sb));
        ASSERT_EQ(sb.st_mode & 0777, 0600);
        ASSERT_OK(cronjob_state_load(dir, "default", "cj", &back, &err));
        ASSERT_OK(cronjob_status_format(&st, &a));
        ASSERT_OK(cronjob_status_format(&back, &b));
        ASSERT_STREQ(a, b);
        ASSERT_EQ(back.last_successful_usec, st.last_successful_usec);
        ASSERT_STREQ(back.active[1], "odd name%-\n");
        ASSERT_STREQ(back.time_zone, "America/New_York");
        /* A status with nothing set. */
        empty.created_usec = 1;
        ASSERT_OK(cronjob_state_save(dir, "ns", "e", &empty));
        cronjob_status_done(&back);
        ASSERT_OK(cronjob_state_load(dir, "ns", "e", &back, NULL));
        ASSERT_NULL(back.active);
        ASSERT_NULL(back.schedule);
        ASSERT_NULL(back.time_zone);
        ASSERT_EQ(back.created_usec, 1);
        cronjob_status_done(&back);
        ASSERT_ERROR(cronjob_state_load(dir, "ns", "nothing", &back, NULL), ENOENT);
        ASSERT_OK(cronjob_state_remove(dir, "default", "cj"));
        ASSERT_OK(cronjob_state_remove(dir, "ns", "e"));
        ASSERT_OK(cronjob_state_remove(dir, "ns", "e"));
        free(path);
        path = strprintf("%s/cronjobs", dir);
        ASSERT_OK(rmdir(path));
        ASSERT_OK(rmdir(dir));
}

TEST(state_file_malformed_refused) {
        static const char *const bad[] = {
                "",
                "\n",
                "garbage\n",
                "jobsd-cronjob-state 2\ncreated 1\nend\n",
                "jobsd-cronjob-state 1\ncreated 1\n",                           /* no end */
                "jobsd-cronjob-state 1\ncreated 1\nend",                        /* no newline */
                "jobsd-cronjob-state 1\ncreated 1\nend\nactive x\n",            /* after the end */
                "jobsd-cronjob-state 1\nend\n",                                 /* no created */
                "jobsd-cronjob-state 1\ncreated abc\nend\n",
                "jobsd-cronjob-state 1\ncreated -5\nend\n",
                "jobsd-cronjob-state 1\ncreated +5\nend\n",
                "jobsd-cronjob-state 1\ncreated 99999999999999999999999\nend\n",
                "jobsd-cronjob-state 1\ncreated 1\ncreated 2\nend\n",
                "jobsd-cronjob-state 1\ncreated 1\nlast-schedule\nend\n",
                "jobsd-cronjob-state 1\ncreated 1\nlast-schedule 1 2\nend\n",
                "jobsd-cronjob-state 1\ncreated 1\nactive a\nactive a\nend\n",
                "jobsd-cronjob-state 1\ncreated 1\nactive -\nend\n",
                "jobsd-cronjob-state 1\ncreated 1\nactive a%zz\nend\n",
                "jobsd-cronjob-state 1\ncreated 1\nactive a%00\nend\n",
                "jobsd-cronjob-state 1\ncreated 1\nactive a%2\nend\n",
                "jobsd-cronjob-state 1\ncreated 1\nschedule %\nend\n",
                "jobsd-cronjob-state 1\ncreated 1\nwhat 1\nend\n",
                "jobsd-cronjob-state 1\ncreated 1\n end\n",
                "jobsd-cronjob-state 1\ncreated 1\nend \n",
                "jobsd-cronjob-state 1\ncreated  1\nend\n",
        };
        _cleanup_(freep) char *good = NULL;
        _cleanup_(cronjob_status_done) CronJobStatus st = { .created_usec = 5, .schedule = strdup("0 * * * *") };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(cronjob_status_done) CronJobStatus out = {};
                _cleanup_(freep) char *err = NULL;
                int r = cronjob_status_parse(bad[i], &out, &err);
                if (r != -EBADMSG)
                        tap_diag("case %zu: %d", i, r);
                ASSERT_ERROR(r, EBADMSG);
                ASSERT_NOT_NULL(err);
                ASSERT_NULL(out.active);
        }

        /* Every truncation and single-byte change of a valid file: refused or parsed, never a crash. */
        assert_se(strv_extend(&st.active, "a-1") >= 0);
        assert_se(strv_extend(&st.active, "b-2") >= 0);
        ASSERT_OK(cronjob_status_format(&st, &good));
        for (size_t k = 0; k < strlen(good); k++) {
                _cleanup_(freep) char *t = strndup(good, k);
                _cleanup_(cronjob_status_done) CronJobStatus out = {};
                int r = cronjob_status_parse(t, &out, NULL);
                ASSERT_TRUE(r == -EBADMSG);
                for (int c = 1; c < 256; c += 7) {
                        _cleanup_(freep) char *u = strdup(good), *err = NULL;
                        _cleanup_(cronjob_status_done) CronJobStatus o2 = {};
                        u[k] = (char) c;
                        r = cronjob_status_parse(u, &o2, &err);
                        ASSERT_TRUE(r == 0 || (r == -EBADMSG && err));
                }
        }
}

TAP_MAIN();
