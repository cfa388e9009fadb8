/* SPDX-License-Identifier: Apache-2.0 */
/* The event list of Jobs and CronJobs (job-events.c): repeats, the bound, restored older events. */
#include "job-events.h"
#include "jobsd/strv.h"
#include "tap.h"

TEST(append_counts_a_repeat_of_the_newest) {
        JobEvent *e = NULL;
        size_t n = 0;

        job_events_append(&e, &n, 10, false, "SuccessfulCreate", "Created pod: a");
        job_events_append(&e, &n, 20, false, "SuccessfulCreate", "Created pod: a");
        ASSERT_EQ(n, 1);
        ASSERT_EQ(e[0].count, 2);
        ASSERT_EQ(e[0].at_usec, 20);
        job_events_append(&e, &n, 30, true, "BackoffLimitExceeded", "Job has reached the specified backoff limit");
        job_events_append(&e, &n, 40, false, "SuccessfulCreate", "Created pod: a");
        ASSERT_EQ(n, 3);
        ASSERT_EQ(e[1].warning, true);
        ASSERT_EQ(e[2].count, 1);
        job_events_clear(&e, &n);
        ASSERT_EQ(n, 0);
        ASSERT_NULL(e);
}

TEST(append_keeps_the_newest_JOB_EVENTS_MAX) {
        JobEvent *e = NULL;
        size_t n = 0;

        for (unsigned i = 0; i < JOB_EVENTS_MAX + 5; i++) {
                _cleanup_(freep) char *msg = strprintf("event %u", i);
                ASSERT_TRUE(msg);
                job_events_append(&e, &n, i, false, "R", msg);
        }
        ASSERT_EQ(n, JOB_EVENTS_MAX);
        ASSERT_STREQ(e[0].message, "event 5");
        ASSERT_STREQ(e[n - 1].message, "event 68");
        job_events_clear(&e, &n);
}

TEST(prepend_puts_older_events_first_until_full) {
        JobEvent *e = NULL;
        size_t n = 0;

        job_events_append(&e, &n, 100, false, "Completed", "Job completed");
        ASSERT_TRUE(job_events_prepend(&e, &n, 50, false, "SuccessfulCreate", "Created pod: b"));
        ASSERT_TRUE(job_events_prepend(&e, &n, 40, false, "SuccessfulCreate", "Created pod: b"));
        ASSERT_EQ(n, 2);
        ASSERT_STREQ(e[0].reason, "SuccessfulCreate");
        ASSERT_EQ(e[0].count, 2);
        ASSERT_EQ(e[0].at_usec, 50);            /* the newest time of the repeat stays */
        ASSERT_STREQ(e[1].reason, "Completed");
        for (unsigned i = 0; n < JOB_EVENTS_MAX; i++) {
                _cleanup_(freep) char *msg = strprintf("old %u", i);
                ASSERT_TRUE(msg);
                ASSERT_TRUE(job_events_prepend(&e, &n, 10, false, "R", msg));
        }
        ASSERT_FALSE(job_events_prepend(&e, &n, 1, false, "R", "one too many"));
        ASSERT_EQ(n, JOB_EVENTS_MAX);
        ASSERT_STREQ(e[n - 1].reason, "Completed");
        job_events_clear(&e, &n);
}

TAP_MAIN()
