/* SPDX-License-Identifier: Apache-2.0 */
/* The decisions on what a container's unit reported (job-status.c) and on actions whose record could not be
 * saved (job-reconcile.c), apart from the daemon that carries them out. */
#include "job-reconcile.h"
#include "job-status.h"
#include "jobsd/strv.h"
#include "tap.h"

TEST(podman_failures_are_start_errors) {
        /* podman's own exit codes before the unit became active. */
        ASSERT_TRUE(container_exit_is_start_error(true, false, NULL, 125));
        ASSERT_TRUE(container_exit_is_start_error(true, false, "Error", 126));
        ASSERT_TRUE(container_exit_is_start_error(true, false, NULL, 127));
        /* The container ran: its own exit code, even 125–127. */
        ASSERT_FALSE(container_exit_is_start_error(true, true, NULL, 125));
        /* Not podman's range, another reason, or a host pod. */
        ASSERT_FALSE(container_exit_is_start_error(true, false, NULL, 124));
        ASSERT_FALSE(container_exit_is_start_error(true, false, NULL, 128));
        ASSERT_FALSE(container_exit_is_start_error(true, false, "OOMKilled", 125));
        ASSERT_FALSE(container_exit_is_start_error(false, false, NULL, 125));
}

TEST(a_vanished_unit) {
        ContainerStatus c = { .name = (char *) "main", .state = CONTAINER_STARTING };
        Pod p = { .attempt = 0, .created_usec = 2000, .containers = &c, .n_containers = 1 };

        /* Saved as starting, the manager ran since before the pod was made: never handed to systemd. */
        ASSERT_EQ(pod_container_unit_gone(&p, &c, 1000), UNIT_GONE_NEVER_STARTED);
        /* The manager started after the pod was made (a reboot), or when is unknown: it may have run. */
        ASSERT_EQ(pod_container_unit_gone(&p, &c, 3000), UNIT_GONE_DISRUPTED);
        ASSERT_EQ(pod_container_unit_gone(&p, &c, 0), UNIT_GONE_DISRUPTED);
        /* A pod jobsd is stopping: systemd may have unloaded it, never started again. */
        p.deletion = POD_DELETION_UNCOUNTED;
        ASSERT_EQ(pod_container_unit_gone(&p, &c, 1000), UNIT_GONE_DISRUPTED);
        p.deletion = POD_DELETION_NONE;
        /* Saved as running: it ran, so it was disrupted. */
        c.state = CONTAINER_RUNNING;
        ASSERT_EQ(pod_container_unit_gone(&p, &c, 1000), UNIT_GONE_DISRUPTED);
        /* Not running: nothing to record. */
        c.state = CONTAINER_WAITING;
        ASSERT_EQ(pod_container_unit_gone(&p, &c, 1000), UNIT_GONE_IGNORE);
        c.state = CONTAINER_TERMINATED;
        ASSERT_EQ(pod_container_unit_gone(&p, &c, 1000), UNIT_GONE_IGNORE);
}

TEST(unsaved_actions_are_rolled_back) {
        Container containers[] = { { .name = (char *) "main" } };
        JobSpec spec = { .parallelism = 1, .completions = 1 };
        JobStatus s;
        Pod *p;
        JobAction start = { .type = JOB_ACTION_START_CONTAINER, .attempt = 0, .container = (char *) "main" },
                  pull = { .type = JOB_ACTION_PULL_IMAGE, .attempt = 0, .container = (char *) "main" },
                  created = { .type = JOB_ACTION_EVENT, .attempt = 0, .reason = (char *) "SuccessfulCreate",
                              .message = (char *) "Created pod: x-0" },
                  other = { .type = JOB_ACTION_EVENT, .attempt = 0, .reason = (char *) "Completed",
                            .message = (char *) "Job completed" },
                  stop = { .type = JOB_ACTION_STOP_POD, .attempt = 0 };

        spec.template.spec.containers = containers;
        spec.template.spec.n_containers = 1;
        ASSERT_OK(job_status_init(&s, &spec));
        ASSERT_OK(job_status_add_pod(&s, &spec, UNSET, 10, &p));

        p->containers[0].state = CONTAINER_STARTING;
        ASSERT_TRUE(job_action_roll_back_unsaved(&s, &start));
        ASSERT_EQ(p->containers[0].state, CONTAINER_WAITING);

        p->containers[0].pull = IMAGE_PULL_PULLING;
        ASSERT_TRUE(job_action_roll_back_unsaved(&s, &pull));
        ASSERT_EQ(p->containers[0].pull, IMAGE_PULL_NONE);

        /* Other events and stops go on. */
        ASSERT_FALSE(job_action_roll_back_unsaved(&s, &other));
        ASSERT_FALSE(job_action_roll_back_unsaved(&s, &stop));
        ASSERT_EQ(s.n_pods, 1);

        /* Not recorded, so not created: the pod is forgotten and no event says it was made. */
        ASSERT_TRUE(job_action_roll_back_unsaved(&s, &created));
        ASSERT_EQ(s.n_pods, 0);
        /* Its pod gone, a later SuccessfulCreate of it is an ordinary event; a start is still held back. */
        ASSERT_FALSE(job_action_roll_back_unsaved(&s, &created));
        ASSERT_TRUE(job_action_roll_back_unsaved(&s, &start));
        job_status_done(&s);
}

TAP_MAIN()
