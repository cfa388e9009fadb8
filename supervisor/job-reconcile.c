/* SPDX-License-Identifier: Apache-2.0 */
/* The Job controller, pure (spec §3): (spec, status, now) → status changes and actions. */
#include <inttypes.h>
#include <stdarg.h>

#include "job-reconcile.h"
#include "jobsd/indexes.h"
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

/* An event; about a pod (attempt and index set) or about the Job (p NULL). */
static int pod_event_add(JobActionList *l, const Pod *p, bool warning, const char *reason, const char *fmt, ...)
        _printf_(5, 6);
static int pod_event_add(JobActionList *l, const Pod *p, bool warning, const char *reason, const char *fmt, ...) {
        va_list ap;
        JobAction *a;
        int r;

        r = action_add(l, JOB_ACTION_EVENT, p, NULL);
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

#define event_add(l, warning, reason, ...) pod_event_add(l, NULL, warning, reason, __VA_ARGS__)

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

static bool job_is_indexed(const Job *job) {
        return job->spec.completion_mode == COMPLETION_MODE_INDEXED;
}

/* backoffLimitPerIndex in effect (spec §3.7). */
static bool job_per_index(const Job *job, const JobStatus *s) {
        return job_is_indexed(job) && job->spec.backoff_limit_per_index != UNSET && s->n_indexes > 0;
}

static bool index_in_range(const JobStatus *s, int64_t index) {
        return index >= 0 && (size_t) index < s->n_indexes;
}

static bool exit_code_matches(const PodFailurePolicyRule *rule, int code) {
        bool in = false;

        for (size_t i = 0; i < rule->n_values; i++)
                if (rule->values[i] == code)
                        in = true;
        return rule->operator == EXIT_CODE_OPERATOR_IN ? in : !in;
}

/* spec §3.6: the first rule that matches a failed pod decides; none: Count. onExitCodes looks at app
 * containers first, then init containers, and only at terminated ones that exited ≠ 0. The only pod
 * condition jobsd's pods have is DisruptionTarget=True. For FailJob, *ret_message is the condition's. */
static int match_pod_failure_policy(const Job *job, const Pod *p, int32_t *ret_rule, PodFailurePolicyAction *ret_action,
                                    char **ret_message) {
        const JobSpec *spec = &job->spec;

        *ret_rule = UNSET;
        *ret_action = POD_FAILURE_ACTION_COUNT;
        *ret_message = NULL;
        if (!spec->has_pod_failure_policy)
                return 0;

        for (size_t i = 0; i < spec->n_pod_failure_rules; i++) {
                const PodFailurePolicyRule *rule = spec->pod_failure_rules + i;
                const ContainerStatus *match = NULL;
                bool matched = false;

                if (rule->has_on_exit_codes) {
                        for (unsigned pass = 0; pass < 2 && !match; pass++)
                                for (size_t j = 0; j < p->n_containers && !match; j++) {
                                        const ContainerStatus *c = p->containers + j;

                                        if (c->init != (pass == 1) || c->state != CONTAINER_TERMINATED ||
                                            c->exit_code == 0)
                                                continue;
                                        if (rule->container_name && !streq(rule->container_name, c->name))
                                                continue;
                                        if (exit_code_matches(rule, c->exit_code))
                                                match = c;
                                }
                        matched = match;
                } else if (rule->has_on_pod_conditions)
                        for (size_t j = 0; j < rule->n_on_pod_conditions && !matched; j++) {
                                const PodConditionPattern *pc = rule->on_pod_conditions + j;
                                matched = p->disruption && streq(pc->type, "DisruptionTarget") &&
                                        streq(pc->status ?: "True", "True");
                        }
                if (!matched)
                        continue;

                *ret_rule = (int32_t) i;
                *ret_action = rule->action;
                if (rule->action == POD_FAILURE_ACTION_FAIL_JOB) {
                        _cleanup_(freep) char *name = pod_display_name(job, p);
                        const char *ns = job_namespace(&job->metadata);

                        if (!name)
                                return -ENOMEM;
                        *ret_message = match ?
                                strprintf("Container %s for pod %s/%s failed with exit code %d matching FailJob rule at index %zu",
                                          match->name, ns, name, match->exit_code, i) :
                                strprintf("Pod %s/%s has condition DisruptionTarget matching FailJob rule at index %zu",
                                          ns, name, i);
                        if (!*ret_message)
                                return -ENOMEM;
                }
                return 0;
        }
        return 0;
}

/* spec §3.14: a terminal pod is counted once, then its units may go. The first FailJob match among the
 * newly failed pods is returned in *fail_job_message (spec §3.1 step 3). */
static int count_pods(const Job *job, JobStatus *s, JobActionList *l, char **fail_job_message) {
        const JobSpec *spec = &job->spec;
        /* spec §3.7: once FailureTarget is set, a failure counts in failed only, not against its index:
         * Kubernetes removes every pod's tracking finalizer in the sync that sets FailureTarget, and only
         * pods that still carry it add to failedIndexes. So the pods stopped then (and any that end on
         * their own meanwhile) leave failedIndexes as it was. */
        bool per_index = job_per_index(job, s) && !job_status_get_condition(s, JOB_CONDITION_FAILURE_TARGET);
        /* spec §3.8: after SuccessCriteriaMet, podFailurePolicy is not evaluated. */
        bool success_met = job_status_get_condition(s, JOB_CONDITION_SUCCESS_CRITERIA_MET);
        int r;

        for (size_t i = 0; i < s->n_pods; i++) {
                Pod *p = s->pods + i;

                if (p->counted || !pod_terminal(p) || pod_has_running_containers(p))
                        continue;
                p->counted = true;
                l->changed = true;
                if (p->deletion == POD_DELETION_UNCOUNTED)
                        ;       /* scale down, suspend, successPolicy: not counted */
                else if (p->phase == POD_SUCCEEDED) {
                        if (p->index != UNSET && job_is_indexed(job)) {
                                /* An index out of range (completions lowered) or failed already: nothing. */
                                if (index_in_range(s, p->index) && !s->completed_indexes[p->index] &&
                                    !s->failed_indexes[p->index]) {
                                        s->completed_indexes[p->index] = true;
                                        s->succeeded++;
                                }
                        } else
                                s->succeeded++;
                        /* A success resets the back-off to the failures that finished after it. */
                        if (s->last_failure_usec <= p->finished_usec)
                                s->failures_since_success = 0;
                } else {
                        _cleanup_(freep) char *message = NULL;
                        IndexFailures *ix = per_index && index_in_range(s, p->index) ? s->index_failures + p->index : NULL;

                        if (!success_met) {
                                r = match_pod_failure_policy(job, p, &p->failure_rule, &p->failure_action, &message);
                                if (r < 0)
                                        return r;
                        }
                        /* spec §3.4: ignored failures advance the back-off too. */
                        s->failures_since_success++;
                        s->last_failure_usec = MAX(s->last_failure_usec, p->finished_usec);
                        if (ix)
                                ix->last_usec = MAX(ix->last_usec, p->finished_usec);

                        if (p->failure_action == POD_FAILURE_ACTION_IGNORE) {
                                if (ix)
                                        ix->ignored++;
                        } else {
                                s->failed++;
                                if (ix) {
                                        ix->counted++;
                                        /* spec §3.7: the index fails past its limit, or on FailIndex. */
                                        if (p->failure_action == POD_FAILURE_ACTION_FAIL_INDEX ||
                                            ix->counted > (uint32_t) spec->backoff_limit_per_index)
                                                s->failed_indexes[p->index] = true;
                                }
                                if (p->failure_action == POD_FAILURE_ACTION_FAIL_JOB && !*fail_job_message)
                                        *fail_job_message = TAKE_PTR(message);
                        }
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
        return pod_event_add(l, p, false, "SuccessfulDelete", "Deleted pod: %s", name);
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

bool container_needs_pull(const Job *job, const JobConfig *cfg, const char *container) {
        const Container *c = pod_spec_find_container(&job->spec.template.spec, container);

        return c && c->image && job_container_runtime(job, cfg->default_runtime) == CONTAINER_RUNTIME_PODMAN;
}

/* The kubelet's image pull (docs/containers.md, "Images and pulls"): before a container starts, its
 * image; failed pulls are retried after B·2^(n−1) up to 30·B, the pod stays Pending meanwhile (never a
 * failure: only the Job's deadline ends it). Under Never the image is only looked for: missing
 * (ErrImageNeverPull), it is looked for again every B (the kubelet's pod worker retries its sync, 10 s),
 * with no back-off. Returns true when the container may start. */
static int pull_image(const Job *job, Pod *p, ContainerStatus *c, const JobConfig *cfg, usec_t now, JobActionList *l,
                      bool *ret_ready) {
        const Container *tc = pod_spec_find_container(&job->spec.template.spec, c->name);
        bool never;
        usec_t at;
        int r;

        *ret_ready = false;
        switch (c->pull) {
        case IMAGE_PULL_DONE:
                *ret_ready = true;
                return 0;
        case IMAGE_PULL_PULLING:
                return 0;
        case IMAGE_PULL_BACKOFF:
                never = tc && tc->image_pull_policy == PULL_POLICY_NEVER;
                at = c->pull_failed_usec + (never ? cfg->backoff_base_usec :
                                            backoff_delay_usec(cfg->backoff_base_usec, 30 * cfg->backoff_base_usec,
                                                               c->pull_failures));
                if (now < at) {
                        wake_at(l, at);
                        /* The first failure shows as ErrImagePull; from the second on, the wait is
                         * ImagePullBackOff, with its event once per wait. Never pulls: no pull back-off. */
                        if (!never && c->pull_failures >= 2 && !(c->reason && streq(c->reason, "ImagePullBackOff"))) {
                                char *n = strdup("ImagePullBackOff");
                                if (!n)
                                        return -ENOMEM;
                                free(c->reason);
                                c->reason = n;
                                l->changed = true;
                                return pod_event_add(l, p, false, "BackOff", "Back-off pulling image \"%s\"",
                                                     tc ? tc->image : "");
                        }
                        return 0;
                }
                break;
        default:
                break;
        }
        c->pull = IMAGE_PULL_PULLING;
        l->changed = true;
        r = action_add(l, JOB_ACTION_PULL_IMAGE, p, c->name);
        return r;
}

static int start_containers(const Job *job, JobStatus *s, const JobConfig *cfg, usec_t now, JobActionList *l) {
        int r;

        for (size_t i = 0; i < s->n_pods; i++) {
                Pod *p = s->pods + i;
                bool init_done = true;

                if (pod_terminal(p) || pod_is_ending(p))
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
                                if (container_needs_pull(job, cfg, c->name)) {
                                        bool ready;
                                        r = pull_image(job, p, c, cfg, now, l, &ready);
                                        if (r < 0)
                                                return r;
                                        if (!ready) {
                                                if (c->init)
                                                        init_done = false;
                                                continue;
                                        }
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

/* spec §3.9: under podReplacementPolicy Failed a terminating pod still holds its place (and index);
 * under TerminatingOrFailed it is replaced at once. */
static bool pod_holds_place(const JobSpec *spec, const Pod *p) {
        if (pod_terminal(p))
                return false;
        return p->deletion == POD_DELETION_NONE || spec->pod_replacement_policy == POD_REPLACEMENT_FAILED;
}

static bool index_is_busy(const JobSpec *spec, const JobStatus *s, int64_t index) {
        if (index_in_range(s, index) && (s->completed_indexes[index] || s->failed_indexes[index]))
                return true;
        for (size_t i = 0; i < s->n_pods; i++)
                if (s->pods[i].index == index && pod_holds_place(spec, s->pods + i))
                        return true;
        return false;
}

static bool pod_is_active(const Pod *p) {
        return !pod_terminal(p) && p->deletion == POD_DELETION_NONE;
}

static unsigned pod_restarts(const Pod *p) {
        unsigned n = 0;

        for (size_t i = 0; i < p->n_containers; i++)
                n += p->containers[i].restarts;
        return n;
}

/* Indexed: a pod whose index is out of range, done already, or taken by an older active pod. */
static bool pod_index_is_surplus(const Job *job, const JobStatus *s, const Pod *p) {
        if (!job_is_indexed(job))
                return false;
        if (!index_in_range(s, p->index) || s->completed_indexes[p->index] || s->failed_indexes[p->index])
                return true;
        for (size_t i = 0; i < s->n_pods; i++)
                if (s->pods + i != p && s->pods[i].index == p->index && pod_is_active(s->pods + i) &&
                    s->pods[i].attempt < p->attempt)
                        return true;
        return false;
}

/* spec §3.2: which of two active pods goes first when there are too many: bad indexes, then pending before
 * running, not ready before ready, ready for a shorter time, more restarts, newer. */
static bool delete_before(const Job *job, const JobStatus *s, const Pod *a, const Pod *b) {
        bool ia = pod_index_is_surplus(job, s, a), ib = pod_index_is_surplus(job, s, b);
        bool ra = pod_is_ready(a), rb = pod_is_ready(b);

        if (ia != ib)
                return ia;
        if ((a->phase == POD_PENDING) != (b->phase == POD_PENDING))
                return a->phase == POD_PENDING;
        if (ra != rb)
                return !ra;
        if (ra && a->started_usec != b->started_usec)
                return a->started_usec > b->started_usec;
        if (pod_restarts(a) != pod_restarts(b))
                return pod_restarts(a) > pod_restarts(b);
        if (a->created_usec != b->created_usec)
                return a->created_usec > b->created_usec;
        return a->attempt > b->attempt;
}

/* spec §3.4: when the next pod may be created after failures (0: now). */
static usec_t backoff_until(const JobConfig *cfg, uint32_t n, usec_t last) {
        return n > 0 ? last + backoff_delay_usec(cfg->backoff_base_usec, cfg->backoff_max_usec, n) : 0;
}

/* spec §3.2 */
static int manage_pods(const Job *job, JobStatus *s, const JobConfig *cfg, usec_t now, JobActionList *l) {
        const JobSpec *spec = &job->spec;
        bool indexed = job_is_indexed(job), per_index = job_per_index(job, s);
        int32_t active, want, deficit;
        int r;

        /* spec §3.11: pods of indexes at or above completions are deleted, uncounted. */
        if (indexed)
                for (size_t i = 0; i < s->n_pods; i++)
                        if (pod_is_active(s->pods + i) && !index_in_range(s, s->pods[i].index)) {
                                r = delete_pod(job, s->pods + i, POD_DELETION_UNCOUNTED, now, l, true);
                                if (r < 0)
                                        return r;
                        }

        active = job_status_active(s);
        if (spec->suspend)
                want = 0;       /* spec §3.10: suspending deletes the pods, uncounted */
        else if (spec->completions == UNSET)
                want = s->succeeded > 0 ? active : spec->parallelism;
        else
                want = MIN(spec->completions - (indexed ? (int32_t) (job_status_completed_count(s) +
                                                                     job_status_failed_count(s)) : s->succeeded),
                           spec->parallelism);
        if (want < 0)
                want = 0;

        /* Surplus: deleted uncounted, in the order of spec §3.2. */
        while (active > want) {
                Pod *victim = NULL;

                for (size_t i = 0; i < s->n_pods; i++)
                        if (pod_is_active(s->pods + i) && (!victim || delete_before(job, s, s->pods + i, victim)))
                                victim = s->pods + i;
                if (!victim)
                        break;
                r = delete_pod(job, victim, POD_DELETION_UNCOUNTED, now, l, true);
                if (r < 0)
                        return r;
                active--;
        }

        deficit = want - active;
        /* spec §3.9: under Failed, terminating pods are replaced only once they are terminal. */
        if (spec->pod_replacement_policy == POD_REPLACEMENT_FAILED)
                deficit -= job_status_terminating(s);
        if (deficit <= 0)
                return 0;

        /* spec §3.4: new pods wait for the back-off after failures; per index with backoffLimitPerIndex. */
        if (!per_index) {
                usec_t at = backoff_until(cfg, s->failures_since_success, s->last_failure_usec);
                if (now < at) {
                        wake_at(l, at);
                        return 0;
                }
        }

        for (int64_t index = 0; deficit > 0; deficit--) {
                _cleanup_(freep) char *name = NULL;
                Pod *p;

                if (indexed) {
                        for (; index < spec->completions; index++) {
                                usec_t at;

                                if (index_is_busy(spec, s, index))
                                        continue;
                                if (!per_index)
                                        break;
                                at = backoff_until(cfg, s->index_failures[index].counted + s->index_failures[index].ignored,
                                                   s->index_failures[index].last_usec);
                                if (now >= at)
                                        break;
                                wake_at(l, at);
                        }
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
                r = pod_event_add(l, p, false, "SuccessfulCreate", "Created pod: %s", name);
                if (r < 0)
                        return r;
                index++;
        }
        return 0;
}

/* spec §3.8: the index of the first successPolicy rule that the succeeded indexes match, or UNSET. */
static int success_policy_match(const Job *job, const JobStatus *s, int32_t *ret) {
        const JobSpec *spec = &job->spec;
        uint32_t done = job_status_completed_count(s);

        *ret = UNSET;
        if (!spec->has_success_policy || !job_is_indexed(job) || done == 0)
                return 0;
        for (size_t i = 0; i < spec->n_success_rules; i++) {
                const SuccessPolicyRule *rule = spec->success_rules + i;
                bool matched;

                if (rule->succeeded_indexes) {
                        _cleanup_(index_set_done) IndexSet set = {};
                        _cleanup_(freep) char *err = NULL;
                        uint64_t hits = 0;
                        int r;

                        r = index_set_parse(rule->succeeded_indexes, (int32_t) s->n_indexes, &set, &err);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                continue;       /* validated at load; after lowering completions it may not be */
                        for (size_t k = 0; k < s->n_indexes; k++)
                                if (s->completed_indexes[k] && index_set_contains(&set, (int32_t) k))
                                        hits++;
                        matched = rule->succeeded_count == UNSET ? hits == index_set_count(&set) :
                                hits >= (uint64_t) rule->succeeded_count;
                } else
                        matched = rule->succeeded_count != UNSET && done >= (uint32_t) rule->succeeded_count;
                if (matched) {
                        *ret = (int32_t) i;
                        return 0;
                }
        }
        return 0;
}

/* spec §3.12: when a finished Job is due for deletion. */
usec_t job_ttl_expiry_usec(const Job *job, const JobStatus *s) {
        const JobCondition *c = job_status_get_condition(s, JOB_CONDITION_COMPLETE);

        if (job->spec.ttl_seconds_after_finished == UNSET || job->spec.ttl_seconds_after_finished < 0)
                return 0;
        if (!c || !c->status)
                c = job_status_get_condition(s, JOB_CONDITION_FAILED);
        if (!c || !c->status)
                return 0;
        return c->transition_usec + (usec_t) job->spec.ttl_seconds_after_finished * USEC_PER_SEC;
}

/* Wakes the daemon when the TTL expires; never for a time past (the daemon deletes the Job then, and a
 * wake-up in the past would only spin). */
static void wake_ttl(const Job *job, const JobStatus *s, usec_t now, JobActionList *l) {
        usec_t at = job_ttl_expiry_usec(job, s);

        if (at > now)
                wake_at(l, at);
}

/* spec §3.10: Suspended=True once, with its event. */
static int suspended_upkeep(JobStatus *s, usec_t now, JobActionList *l) {
        const JobCondition *c = job_status_get_condition(s, JOB_CONDITION_SUSPENDED);
        int r;

        if (c && c->status)
                return 0;
        r = job_status_set_condition(s, JOB_CONDITION_SUSPENDED, true, "JobSuspended", "Job suspended", now);
        if (r < 0)
                return r;
        l->changed = true;
        return event_add(l, false, "Suspended", "Job suspended");
}

int job_reconcile(const Job *job, JobStatus *s, const JobConfig *cfg, usec_t now, JobActionList *ret) {
        const JobSpec *spec = &job->spec;
        _cleanup_(freep) char *fail_job_message = NULL;
        const JobCondition *suspended;
        JobActionList l = {};
        bool finishing, indexed = job_is_indexed(job);
        int32_t rule;
        int r;

        /* spec §3.11: an Indexed Job's completions changed (with parallelism). */
        if (indexed && spec->completions >= 0 && (size_t) spec->completions != s->n_indexes &&
            !job_status_is_finished(s)) {
                r = job_status_resize_indexes(s, spec->completions);
                if (r < 0)
                        goto fail;
                l.changed = true;
        }

        /* 1. Count what ended (spec §3.1 step 2, §3.14). A pod counted by an earlier sync is still here
         * only if its removal never happened (jobsd killed between saving the count and removing its units,
         * or the save failed): its count is in the record, so it is only removed again, never recounted. */
        for (size_t i = 0; i < s->n_pods; i++)
                if (s->pods[i].counted) {
                        r = action_add(&l, JOB_ACTION_REMOVE_POD, s->pods + i, NULL);
                        if (r < 0)
                                goto fail;
                }
        r = count_pods(job, s, &l, &fail_job_message);
        if (r < 0)
                goto fail;

        if (job_status_is_finished(s)) {
                wake_ttl(job, s, now, &l);
                goto done;
        }

        finishing = job_status_get_condition(s, JOB_CONDITION_FAILURE_TARGET) ||
                job_status_get_condition(s, JOB_CONDITION_SUCCESS_CRITERIA_MET);

        /* spec §3.10: resuming restarts startTime, so that the deadline counts from now. */
        suspended = job_status_get_condition(s, JOB_CONDITION_SUSPENDED);
        if (!finishing && !spec->suspend && suspended && suspended->status) {
                r = job_status_set_condition(s, JOB_CONDITION_SUSPENDED, false, "JobResumed", "Job resumed", now);
                if (r >= 0)
                        r = event_add(&l, false, "Resumed", "Job resumed");
                if (r < 0)
                        goto fail;
                s->start_usec = now;
                l.changed = true;
        }
        if (s->start_usec == 0 && !spec->suspend) {
                s->start_usec = now;
                l.changed = true;
        }

        /* 2. Finish decision, first match (spec §3.1 step 3): existing SuccessCriteriaMet or FailureTarget,
         * FailJob, backoffLimit, deadline, per-index limits, successPolicy. */
        if (!finishing && fail_job_message) {
                r = fail_job(job, s, "PodFailurePolicy", fail_job_message, now, &l);
                if (r < 0)
                        goto fail;
                finishing = true;
        }
        if (!finishing &&
            (s->failed > spec->backoff_limit ||
             (spec->template.spec.restart_policy == RESTART_POLICY_ON_FAILURE &&
              restarts_of_live_pods(s) > 0 && restarts_of_live_pods(s) >= spec->backoff_limit))) {
                r = fail_job(job, s, "BackoffLimitExceeded", "Job has reached the specified backoff limit", now, &l);
                if (r < 0)
                        goto fail;
                finishing = true;
        }
        /* spec §3.5: paused while suspended. */
        if (!finishing && spec->active_deadline_seconds != UNSET && s->start_usec > 0 && !spec->suspend) {
                usec_t deadline = s->start_usec + (usec_t) spec->active_deadline_seconds * USEC_PER_SEC;
                if (now >= deadline) {
                        r = fail_job(job, s, "DeadlineExceeded", "Job was active longer than specified deadline", now, &l);
                        if (r < 0)
                                goto fail;
                        finishing = true;
                } else
                        wake_at(&l, deadline);
        }
        if (!finishing && job_per_index(job, s)) {
                uint32_t n_failed = job_status_failed_count(s);

                if (spec->max_failed_indexes != UNSET && n_failed > (uint32_t) spec->max_failed_indexes) {
                        r = fail_job(job, s, "MaxFailedIndexesExceeded",
                                     "Job has exceeded the specified maximal number of failed indexes", now, &l);
                        if (r < 0)
                                goto fail;
                        finishing = true;
                } else if (n_failed > 0 && n_failed + job_status_completed_count(s) >= s->n_indexes) {
                        r = fail_job(job, s, "FailedIndexes", "Job has failed indexes", now, &l);
                        if (r < 0)
                                goto fail;
                        finishing = true;
                }
        }
        if (!finishing) {
                r = success_policy_match(job, s, &rule);
                if (r < 0)
                        goto fail;
                if (rule != UNSET) {
                        _cleanup_(freep) char *message = strprintf("Matched rules at index %" PRIi32, rule);

                        if (!message) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        r = job_status_set_condition(s, JOB_CONDITION_SUCCESS_CRITERIA_MET, true, "SuccessPolicy",
                                                     message, now);
                        if (r < 0)
                                goto fail;
                        l.changed = true;
                        finishing = true;
                        /* The pods still running are deleted, not counted. */
                        for (size_t i = 0; i < s->n_pods; i++) {
                                r = delete_pod(job, s->pods + i, POD_DELETION_UNCOUNTED, now, &l, true);
                                if (r < 0)
                                        goto fail;
                        }
                }
        }
        if (!finishing) {
                bool complete = spec->completions == UNSET ?
                        (s->succeeded > 0 && job_status_active(s) == 0) :
                        (indexed ? (int32_t) job_status_completed_count(s) : s->succeeded) >= spec->completions;
                if (complete) {
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
                /* 3. Manage pods, start what should run, then the Suspended condition (spec §3.1 step 4). */
                r = manage_pods(job, s, cfg, now, &l);
                if (r < 0)
                        goto fail;
                r = start_containers(job, s, cfg, now, &l);
                if (r < 0)
                        goto fail;
                if (spec->suspend) {
                        r = suspended_upkeep(s, now, &l);
                        if (r < 0)
                                goto fail;
                }
                /* Pods deleted above that had nothing running ended at once: count them now. */
                r = count_pods(job, s, &l, &fail_job_message);
                if (r < 0)
                        goto fail;
                goto done;
        }

        /* 4. The terminal condition, once nothing runs and everything is counted (spec §3.1 step 5). Pods
         * deleted above that had nothing running ended at once: count them now, as nothing else will
         * call us again for them. */
        r = count_pods(job, s, &l, &fail_job_message);
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
        wake_ttl(job, s, now, &l);

done:
        *ret = l;
        return 0;
fail:
        job_action_list_done(&l);
        return r;
}

bool job_action_roll_back_unsaved(JobStatus *s, const JobAction *a) {
        Pod *p;
        ContainerStatus *c;

        assert(s);
        assert(a);

        p = job_status_find_pod(s, a->attempt);
        c = p && a->container ? pod_find_container(p, a->container) : NULL;
        switch (a->type) {
        case JOB_ACTION_START_CONTAINER:
                if (c && c->state == CONTAINER_STARTING)
                        c->state = CONTAINER_WAITING;
                return true;
        case JOB_ACTION_PULL_IMAGE:
                if (c && c->pull == IMAGE_PULL_PULLING)
                        c->pull = IMAGE_PULL_NONE;
                return true;
        case JOB_ACTION_EVENT:
                if (!p || !streq(a->reason, "SuccessfulCreate"))
                        return false;
                job_status_remove_pod(s, a->attempt);
                return true;
        default:
                return false;
        }
}
