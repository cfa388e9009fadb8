/* SPDX-License-Identifier: Apache-2.0 */
#include <inttypes.h>
#include <stdarg.h>

#include "job-reconcile.h"
#include "jobsd/render.h"
#include "jobsd/strv.h"

void job_action_list_done(JobActionList *l) {
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].container);
                free(l->items[i].reason);
                free(l->items[i].message);
        }
        free(l->items);
        *l = (JobActionList) {};
}

static int action_add(JobActionList *l, JobActionType type, const Pod *p, const char *container) {
        JobAction *n = realloc(l->items, sizeof(JobAction) * (l->n + 1));

        if (!n)
                return -ENOMEM;
        l->items = n;
        n[l->n] = (JobAction) { .type = type, .attempt = p ? p->attempt : 0, .index = p ? p->index : UNSET };
        if (container) {
                n[l->n].container = strdup(container);
                if (!n[l->n].container)
                        return -ENOMEM;
        }
        l->n++;
        return 0;
}

static int event_add(JobActionList *l, bool warning, const char *reason, const char *fmt, ...) _printf_(4, 5);
static int event_add(JobActionList *l, bool warning, const char *reason, const char *fmt, ...) {
        va_list ap;
        JobAction *a;
        int r;

        r = action_add(l, JOB_ACTION_EVENT, NULL, NULL);
        if (r < 0)
                return r;
        a = l->items + l->n - 1;
        a->warning = warning;
        a->reason = strdup(reason);
        va_start(ap, fmt);
        a->message = vstrprintf(fmt, ap);
        va_end(ap);
        return a->reason && a->message ? 0 : -ENOMEM;
}

static void wake_at(JobActionList *l, usec_t t) {
        if (t > 0 && (l->wake_usec == 0 || t < l->wake_usec))
                l->wake_usec = t;
}

/* spec §3.4: delay(n) = min(B·2^(n−1), max), 0 for n = 0. */
usec_t backoff_delay_usec(usec_t base, usec_t max, uint32_t n) {
        usec_t d = base;

        if (n == 0)
                return 0;
        for (uint32_t i = 1; i < n; i++) {
                if (d >= max / 2) {
                        d = max;
                        break;
                }
                d *= 2;
        }
        return MIN(d, max);
}

static bool pod_terminal(const Pod *p) {
        return p->phase == POD_SUCCEEDED || p->phase == POD_FAILED;
}

static bool pod_has_running_containers(const Pod *p) {
        for (size_t i = 0; i < p->n_containers; i++)
                if (p->containers[i].state == CONTAINER_RUNNING || p->containers[i].state == CONTAINER_STARTING)
                        return true;
        return false;
}

static char *pod_display_name(const Job *job, const Pod *p) {
        return pod_name(job->metadata.name, job->spec.completion_mode == COMPLETION_MODE_INDEXED ? p->index : UNSET,
                        p->attempt);
}

/* spec §3.14: a terminal pod is counted once, then its units may go. */
static int count_pods(const Job *job, JobStatus *s, JobActionList *l) {
        int r;

        for (size_t i = 0; i < s->n_pods; i++) {
                Pod *p = s->pods + i;

                if (p->counted || !pod_terminal(p) || pod_has_running_containers(p))
                        continue;
                p->counted = true;
                l->changed = true;
                if (p->deletion == POD_DELETION_UNCOUNTED)
                        ;       /* scale down, suspend: not counted */
                else if (p->phase == POD_SUCCEEDED) {
                        if (p->index != UNSET && (size_t) p->index < s->n_indexes) {
                                if (!s->completed_indexes[p->index]) {
                                        s->completed_indexes[p->index] = true;
                                        s->succeeded++;
                                }
                        } else
                                s->succeeded++;
                        /* A success resets the back-off to the failures that finished after it. */
                        if (s->last_failure_usec <= p->finished_usec)
                                s->failures_since_success = 0;
                } else {
                        s->failed++;
                        s->failures_since_success++;
                        s->last_failure_usec = MAX(s->last_failure_usec, p->finished_usec);
                }
                r = action_add(l, JOB_ACTION_REMOVE_POD, p, NULL);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int32_t restarts_of_live_pods(const JobStatus *s) {
        int32_t n = 0;

        for (size_t i = 0; i < s->n_pods; i++) {
                const Pod *p = s->pods + i;
                if (pod_terminal(p))
                        continue;
                for (size_t j = 0; j < p->n_containers; j++)
                        n += (int32_t) p->containers[j].restarts;
        }
        return n;
}

static int delete_pod(const Job *job, Pod *p, PodDeletion how, usec_t now, JobActionList *l, bool event) {
        _cleanup_(freep) char *name = NULL;
        int r;

        if (p->deletion != POD_DELETION_NONE || pod_terminal(p))
                return 0;
        p->deletion = how;
        p->deletion_usec = now;
        l->changed = true;
        /* A pod that never started anything ends at once. */
        if (!pod_has_running_containers(p)) {
                p->phase = POD_FAILED;
                p->finished_usec = now;
        }
        r = action_add(l, JOB_ACTION_STOP_POD, p, NULL);
        if (r < 0 || !event)
                return r;
        name = pod_display_name(job, p);
        if (!name)
                return -ENOMEM;
        return event_add(l, false, "SuccessfulDelete", "Deleted pod: %s", name);
}

static int fail_job(const Job *job, JobStatus *s, const char *reason, const char *message, usec_t now, JobActionList *l) {
        int r;

        if (job_status_get_condition(s, JOB_CONDITION_FAILURE_TARGET))
                return 0;
        r = job_status_set_condition(s, JOB_CONDITION_FAILURE_TARGET, true, reason, message, now);
        if (r < 0)
                return r;
        l->changed = true;
        /* spec §3.3, §3.5: active pods are deleted and counted failed. */
        for (size_t i = 0; i < s->n_pods; i++) {
                r = delete_pod(job, s->pods + i, POD_DELETION_FAILED, now, l, true);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int start_containers(const Job *job, JobStatus *s, const JobConfig *cfg, usec_t now, JobActionList *l) {
        int r;

        for (size_t i = 0; i < s->n_pods; i++) {
                Pod *p = s->pods + i;
                bool init_done = true;

                if (pod_terminal(p) || p->deletion != POD_DELETION_NONE)
                        continue;
                for (size_t j = 0; j < p->n_containers; j++) {
                        ContainerStatus *c = p->containers + j;

                        if (c->init && !init_done)
                                break;
                        if (!c->init && !init_done)
                                break;
                        if (c->state == CONTAINER_WAITING) {
                                if (c->restart_at_usec > 0) {
                                        /* OnFailure: the kubelet's back-off before the n-th restart, B·2^(n−1)
                                         * up to 30·B (10 s … 300 s with the default base). */
                                        usec_t at = c->restart_at_usec +
                                                backoff_delay_usec(cfg->backoff_base_usec, 30 * cfg->backoff_base_usec,
                                                                   c->restarts + 1);
                                        if (now < at) {
                                                wake_at(l, at);
                                                if (c->init)
                                                        init_done = false;
                                                continue;
                                        }
                                        c->restarts++;
                                        c->restart_at_usec = 0;
                                }
                                c->state = CONTAINER_STARTING;
                                l->changed = true;
                                r = action_add(l, JOB_ACTION_START_CONTAINER, p, c->name);
                                if (r < 0)
                                        return r;
                        }
                        /* Init containers run one at a time, each to success. */
                        if (c->init && !(c->state == CONTAINER_TERMINATED && c->exit_code == 0))
                                init_done = false;
                }
        }
        return 0;
}

static bool index_is_busy(const JobStatus *s, int64_t index) {
        if ((size_t) index < s->n_indexes && s->completed_indexes[index])
                return true;
        for (size_t i = 0; i < s->n_pods; i++)
                if (s->pods[i].index == index && !pod_terminal(s->pods + i))
                        return true;
        return false;
}

/* spec §3.2 */
static int manage_pods(const Job *job, JobStatus *s, const JobConfig *cfg, usec_t now, JobActionList *l) {
        const JobSpec *spec = &job->spec;
        bool indexed = spec->completion_mode == COMPLETION_MODE_INDEXED;
        int32_t active = job_status_active(s), want;
        int r;

        if (spec->completions == UNSET)
                want = s->succeeded > 0 ? active : spec->parallelism;
        else
                want = MIN(spec->completions - (indexed ? (int32_t) job_status_completed_count(s) : s->succeeded),
                           spec->parallelism);
        if (want < 0)
                want = 0;

        /* Surplus: the newest first, uncounted. */
        for (size_t i = s->n_pods; i > 0 && active > want; i--) {
                Pod *p = s->pods + i - 1;
                if (pod_terminal(p) || p->deletion != POD_DELETION_NONE)
                        continue;
                r = delete_pod(job, p, POD_DELETION_UNCOUNTED, now, l, true);
                if (r < 0)
                        return r;
                active--;
        }
        if (active >= want)
                return 0;

        /* spec §3.4: new pods wait for the back-off after failures. */
        if (s->failures_since_success > 0) {
                usec_t at = s->last_failure_usec +
                        backoff_delay_usec(cfg->backoff_base_usec, cfg->backoff_max_usec, s->failures_since_success);
                if (now < at) {
                        wake_at(l, at);
                        return 0;
                }
        }

        for (int64_t index = 0; active < want; active++) {
                _cleanup_(freep) char *name = NULL;
                Pod *p;

                if (indexed) {
                        while (index < spec->completions && index_is_busy(s, index))
                                index++;
                        if (index >= spec->completions)
                                break;
                }
                r = job_status_add_pod(s, spec, indexed ? index : UNSET, now, &p);
                if (r < 0)
                        return r;
                l->changed = true;
                name = pod_display_name(job, p);
                if (!name)
                        return -ENOMEM;
                r = event_add(l, false, "SuccessfulCreate", "Created pod: %s", name);
                if (r < 0)
                        return r;
                index++;
        }
        return 0;
}

int job_reconcile(const Job *job, JobStatus *s, const JobConfig *cfg, usec_t now, JobActionList *ret) {
        const JobSpec *spec = &job->spec;
        JobActionList l = {};
        bool finishing;
        int r;

        /* 1. Count what ended (spec §3.1 step 2, §3.14). */
        r = count_pods(job, s, &l);
        if (r < 0)
                goto fail;

        if (job_status_is_finished(s))
                goto done;

        if (s->start_usec == 0 && !spec->suspend) {
                s->start_usec = now;
                l.changed = true;
        }

        /* 2. Finish decision, first match (spec §3.1 step 3). */
        finishing = job_status_get_condition(s, JOB_CONDITION_FAILURE_TARGET) ||
                job_status_get_condition(s, JOB_CONDITION_SUCCESS_CRITERIA_MET);
        if (!finishing) {
                if (s->failed > spec->backoff_limit ||
                    (spec->template.spec.restart_policy == RESTART_POLICY_ON_FAILURE &&
                     restarts_of_live_pods(s) > 0 && restarts_of_live_pods(s) >= spec->backoff_limit)) {
                        r = fail_job(job, s, "BackoffLimitExceeded", "Job has reached the specified backoff limit", now, &l);
                        if (r < 0)
                                goto fail;
                        finishing = true;
                } else if (spec->active_deadline_seconds != UNSET && s->start_usec > 0) {
                        usec_t deadline = s->start_usec + (usec_t) spec->active_deadline_seconds * USEC_PER_SEC;
                        if (now >= deadline) {
                                r = fail_job(job, s, "DeadlineExceeded", "Job was active longer than specified deadline",
                                             now, &l);
                                if (r < 0)
                                        goto fail;
                                finishing = true;
                        } else
                                wake_at(&l, deadline);
                }
        }
        if (!finishing) {
                bool indexed = spec->completion_mode == COMPLETION_MODE_INDEXED;
                bool done = spec->completions == UNSET ?
                        (s->succeeded > 0 && job_status_active(s) == 0) :
                        (indexed ? (int32_t) job_status_completed_count(s) : s->succeeded) >= spec->completions;
                if (done) {
                        r = job_status_set_condition(s, JOB_CONDITION_SUCCESS_CRITERIA_MET, true, "CompletionsReached",
                                                     "Reached expected number of succeeded pods", now);
                        if (r < 0)
                                goto fail;
                        l.changed = true;
                        finishing = true;
                        /* Extras (scaling) are deleted before Complete, uncounted. */
                        for (size_t i = 0; i < s->n_pods; i++) {
                                r = delete_pod(job, s->pods + i, POD_DELETION_UNCOUNTED, now, &l, true);
                                if (r < 0)
                                        goto fail;
                        }
                }
        }

        if (!finishing) {
                /* 3. Manage pods, then start what should run. */
                r = manage_pods(job, s, cfg, now, &l);
                if (r < 0)
                        goto fail;
                r = start_containers(job, s, cfg, now, &l);
                if (r < 0)
                        goto fail;
                goto done;
        }

        /* 4. The terminal condition, once nothing runs and everything is counted (spec §3.1 step 5). Pods
         * deleted above that had nothing running ended at once: count them now, as nothing else will
         * call us again for them. */
        r = count_pods(job, s, &l);
        if (r < 0)
                goto fail;
        for (size_t i = 0; i < s->n_pods; i++)
                if (!s->pods[i].counted)
                        goto done;
        if (job_status_get_condition(s, JOB_CONDITION_FAILURE_TARGET)) {
                const JobCondition *t = job_status_get_condition(s, JOB_CONDITION_FAILURE_TARGET);
                _cleanup_(freep) char *reason = strdup(t->reason), *message = strdup(t->message);
                if (!reason || !message) {
                        r = -ENOMEM;
                        goto fail;
                }
                r = job_status_set_condition(s, JOB_CONDITION_FAILED, true, reason, message, now);
                if (r >= 0)
                        r = event_add(&l, true, reason, "%s", message);
        } else {
                const JobCondition *t = job_status_get_condition(s, JOB_CONDITION_SUCCESS_CRITERIA_MET);
                _cleanup_(freep) char *reason = strdup(t->reason), *message = strdup(t->message);
                if (!reason || !message) {
                        r = -ENOMEM;
                        goto fail;
                }
                r = job_status_set_condition(s, JOB_CONDITION_COMPLETE, true, reason, message, now);
                s->completion_usec = now;
                if (r >= 0)
                        r = event_add(&l, false, "Completed", "Job completed");
        }
        if (r < 0)
                goto fail;
        l.changed = true;

done:
        *ret = l;
        return 0;
fail:
        job_action_list_done(&l);
        return r;
}
