/* SPDX-License-Identifier: Apache-2.0 */
/* A Job's status, pod and container records, and what a container's exit or a unit's end means for them. */
#include "job-status.h"
#include "jobsd/strv.h"

static void pod_done(Pod *p) {
        for (size_t i = 0; i < p->n_containers; i++) {
                free(p->containers[i].name);
                free(p->containers[i].reason);
        }
        free(p->containers);
        free(p->reason);
        free(p->disruption_reason);
}

void job_status_done(JobStatus *s) {
        for (size_t i = 0; i < s->n_pods; i++)
                pod_done(s->pods + i);
        free(s->pods);
        for (size_t i = 0; i < s->n_conditions; i++) {
                free(s->conditions[i].reason);
                free(s->conditions[i].message);
        }
        free(s->conditions);
        free(s->completed_indexes);
        free(s->failed_indexes);
        free(s->index_failures);
        *s = (JobStatus) {};
}

int job_status_init(JobStatus *s, const JobSpec *spec) {
        *s = (JobStatus) {};
        if (spec->completion_mode == COMPLETION_MODE_INDEXED && spec->completions > 0)
                return job_status_resize_indexes(s, spec->completions);
        return 0;
}

int job_status_resize_indexes(JobStatus *s, size_t n) {
        bool *c, *f;
        IndexFailures *x;

        if (n > s->n_indexes) {
                c = realloc(s->completed_indexes, n * sizeof(bool));
                if (!c)
                        return -ENOMEM;
                s->completed_indexes = c;
                f = realloc(s->failed_indexes, n * sizeof(bool));
                if (!f)
                        return -ENOMEM;
                s->failed_indexes = f;
                x = realloc(s->index_failures, n * sizeof(IndexFailures));
                if (!x)
                        return -ENOMEM;
                s->index_failures = x;
                for (size_t i = s->n_indexes; i < n; i++) {
                        c[i] = f[i] = false;
                        x[i] = (IndexFailures) {};
                }
        }
        /* spec §3.11: indexes at or above the new completions leave completedIndexes and succeeded (the
         * arrays keep their size). */
        s->n_indexes = n;
        s->succeeded = (int32_t) job_status_completed_count(s);
        return 0;
}

Pod *job_status_find_pod(JobStatus *s, uint64_t attempt) {
        for (size_t i = 0; i < s->n_pods; i++)
                if (s->pods[i].attempt == attempt)
                        return s->pods + i;
        return NULL;
}

ContainerStatus *pod_find_container(Pod *p, const char *name) {
        for (size_t i = 0; i < p->n_containers; i++)
                if (streq(p->containers[i].name, name))
                        return p->containers + i;
        return NULL;
}

int job_status_add_pod(JobStatus *s, const JobSpec *spec, int64_t index, usec_t now, Pod **ret) {
        const PodSpec *ps = &spec->template.spec;
        Pod *n, *p;
        size_t k = 0;

        n = realloc(s->pods, sizeof(Pod) * (s->n_pods + 1));
        if (!n)
                return -ENOMEM;
        s->pods = n;
        p = s->pods + s->n_pods;
        *p = (Pod) {
                .attempt = s->next_attempt,
                .index = index,
                .phase = POD_PENDING,
                .created_usec = now,
                .failure_rule = UNSET,
                .failure_action = POD_FAILURE_ACTION_COUNT,
        };
        if (index >= 0 && (size_t) index < s->n_indexes) {
                p->index_failure_count = s->index_failures[index].counted;
                p->index_ignored_failure_count = s->index_failures[index].ignored;
        }
        p->containers = calloc(ps->n_init_containers + ps->n_containers, sizeof(ContainerStatus));
        if (!p->containers)
                return -ENOMEM;
        for (unsigned pass = 0; pass < 2; pass++) {
                const Container *cs = pass ? ps->containers : ps->init_containers;
                size_t m = pass ? ps->n_containers : ps->n_init_containers;
                for (size_t i = 0; i < m; i++) {
                        p->containers[k] = (ContainerStatus) { .init = pass == 0, .state = CONTAINER_WAITING };
                        p->containers[k].name = strdup(cs[i].name);
                        if (!p->containers[k].name) {
                                p->n_containers = k;
                                pod_done(p);
                                return -ENOMEM;
                        }
                        k++;
                }
        }
        p->n_containers = k;
        s->n_pods++;
        s->next_attempt++;
        if (ret)
                *ret = p;
        return 0;
}

void job_status_remove_pod(JobStatus *s, uint64_t attempt) {
        for (size_t i = 0; i < s->n_pods; i++)
                if (s->pods[i].attempt == attempt) {
                        pod_done(s->pods + i);
                        memmove(s->pods + i, s->pods + i + 1, sizeof(Pod) * (s->n_pods - i - 1));
                        s->n_pods--;
                        return;
                }
}

const JobCondition *job_status_get_condition(const JobStatus *s, JobConditionType t) {
        for (size_t i = 0; i < s->n_conditions; i++)
                if (s->conditions[i].type == t)
                        return s->conditions + i;
        return NULL;
}

static bool condition_true(const JobStatus *s, JobConditionType t) {
        const JobCondition *c = job_status_get_condition(s, t);
        return c && c->status;
}

bool job_status_is_finished(const JobStatus *s) {
        return condition_true(s, JOB_CONDITION_COMPLETE) || condition_true(s, JOB_CONDITION_FAILED);
}

/* spec §4.2: conditions are appended, never reordered; an existing one changes in place, and its
 * transition time only when its status changes. */
int job_status_set_condition(JobStatus *s, JobConditionType t, bool status, const char *reason, const char *message,
                             usec_t now) {
        _cleanup_(freep) char *r = strdup(reason), *m = strdup(message);
        JobCondition *c = (JobCondition *) job_status_get_condition(s, t);

        if (!r || !m)
                return -ENOMEM;
        if (!c) {
                JobCondition *n = realloc(s->conditions, sizeof(JobCondition) * (s->n_conditions + 1));
                if (!n)
                        return -ENOMEM;
                s->conditions = n;
                c = s->conditions + s->n_conditions++;
                *c = (JobCondition) { .type = t, .status = !status };
        }
        if (c->status != status)
                c->transition_usec = now;
        c->status = status;
        free(c->reason);
        free(c->message);
        c->reason = TAKE_PTR(r);
        c->message = TAKE_PTR(m);
        return 0;
}

static bool pod_is_terminal(const Pod *p) {
        return p->phase == POD_SUCCEEDED || p->phase == POD_FAILED;
}

int32_t job_status_active(const JobStatus *s) {
        int32_t n = 0;

        for (size_t i = 0; i < s->n_pods; i++)
                if (!pod_is_terminal(s->pods + i) && s->pods[i].deletion == POD_DELETION_NONE)
                        n++;
        return n;
}

int32_t job_status_terminating(const JobStatus *s) {
        int32_t n = 0;

        for (size_t i = 0; i < s->n_pods; i++)
                if (!pod_is_terminal(s->pods + i) && s->pods[i].deletion != POD_DELETION_NONE)
                        n++;
        return n;
}

/* Ready: every container that should run is running (spec §2.7). */
bool pod_is_ready(const Pod *p) {
        if (p->phase != POD_RUNNING || p->deletion != POD_DELETION_NONE)
                return false;
        for (size_t j = 0; j < p->n_containers; j++)
                if (!p->containers[j].init && p->containers[j].state != CONTAINER_RUNNING &&
                    !(p->containers[j].state == CONTAINER_TERMINATED && p->containers[j].exit_code == 0))
                        return false;
        return true;
}

int32_t job_status_ready(const JobStatus *s) {
        int32_t n = 0;

        for (size_t i = 0; i < s->n_pods; i++)
                if (pod_is_ready(s->pods + i))
                        n++;
        return n;
}

uint32_t job_status_completed_count(const JobStatus *s) {
        uint32_t n = 0;

        for (size_t i = 0; i < s->n_indexes; i++)
                if (s->completed_indexes[i])
                        n++;
        return n;
}

uint32_t job_status_failed_count(const JobStatus *s) {
        uint32_t n = 0;

        for (size_t i = 0; i < s->n_indexes; i++)
                if (s->failed_indexes[i])
                        n++;
        return n;
}

char *job_status_completed_indexes(const JobStatus *s) {
        return index_list_format(s->completed_indexes, s->n_indexes);
}

char *job_status_failed_indexes(const JobStatus *s) {
        return index_list_format(s->failed_indexes, s->n_indexes);
}

int index_list_parse(const char *text, bool *set, size_t n, size_t *ret_dropped) {
        if (streq(text, "-") || !*text)
                return 0;
        for (const char *p = text; *p;) {
                size_t k = strcspn(p, ",");
                unsigned long long a, b;
                char *e;

                if (k == 0 || p[0] < '0' || p[0] > '9')
                        return -EBADMSG;
                errno = 0;
                a = strtoull(p, &e, 10);
                if (errno)
                        return -EBADMSG;
                b = a;
                if (*e == '-') {
                        if (e[1] < '0' || e[1] > '9')
                                return -EBADMSG;
                        b = strtoull(e + 1, &e, 10);
                        if (errno)
                                return -EBADMSG;
                }
                if (e != p + k || a > b || (b >= n && !ret_dropped))
                        return -EBADMSG;
                for (unsigned long long i = a; i <= b; i++) {
                        if (i >= n) {
                                /* ret_dropped: indexes past the end are counted, not refused. */
                                *ret_dropped += b - i + 1;
                                break;
                        }
                        set[i] = true;
                }
                p += k;
                if (*p && !*++p)
                        return -EBADMSG;        /* a trailing comma */
        }
        return 0;
}

/* spec §4.1: ascending, runs of three or more as a-b. */
char *index_list_format(const bool *set, size_t n_set) {
        _cleanup_(freep) char *out = strdup("");

        if (!out)
                return NULL;
        for (size_t i = 0; i < n_set;) {
                size_t j = i;
                char *n;

                if (!set[i]) {
                        i++;
                        continue;
                }
                while (j + 1 < n_set && set[j + 1])
                        j++;
                if (j - i >= 2)
                        n = strprintf("%s%s%zu-%zu", out, *out ? "," : "", i, j);
                else if (j == i + 1)
                        n = strprintf("%s%s%zu,%zu", out, *out ? "," : "", i, j);
                else
                        n = strprintf("%s%s%zu", out, *out ? "," : "", i);
                if (!n)
                        return NULL;
                free(out);
                out = n;
                i = j + 1;
        }
        return TAKE_PTR(out);
}

int job_status_record_container_start(JobStatus *s, uint64_t attempt, const char *container, usec_t now) {
        Pod *p = job_status_find_pod(s, attempt);
        ContainerStatus *c = p ? pod_find_container(p, container) : NULL;

        if (!c)
                return -ENOENT;
        if (c->state == CONTAINER_TERMINATED)
                return 0;       /* a late signal */
        c->state = CONTAINER_RUNNING;
        c->started_usec = now;
        if (p->phase == POD_PENDING) {
                p->phase = POD_RUNNING;
                p->started_usec = now;
        }
        return 0;
}

static int set_reason(char **where, const char *reason) {
        char *r = reason ? strdup(reason) : NULL;

        if (reason && !r)
                return -ENOMEM;
        free(*where);
        *where = r;
        return 0;
}

bool pod_is_ending(const Pod *p) {
        return p->deletion != POD_DELETION_NONE || p->disruption ||
                (p->reason && streq(p->reason, "DeadlineExceeded"));
}

bool container_exit_is_start_error(bool in_image, bool started, const char *reason, int code) {
        return in_image && !started && (!reason || streq(reason, "Error")) && code >= 125 && code <= 127;
}

UnitGoneVerdict pod_container_unit_gone(const Pod *p, const ContainerStatus *c, usec_t systemd_started_usec) {
        assert(p);
        assert(c);

        if (c->state != CONTAINER_RUNNING && c->state != CONTAINER_STARTING)
                return UNIT_GONE_IGNORE;
        if (c->state == CONTAINER_STARTING && !pod_is_ending(p) && systemd_started_usec > 0 &&
            systemd_started_usec < p->created_usec)
                return UNIT_GONE_NEVER_STARTED;
        return UNIT_GONE_DISRUPTED;
}

int job_status_record_pod_disruption(JobStatus *s, uint64_t attempt, const char *reason, usec_t now) {
        Pod *p = job_status_find_pod(s, attempt);
        bool running = false;
        int r;

        if (!p)
                return -ENOENT;
        if (pod_is_terminal(p))
                return 0;       /* it ended by itself before */
        r = set_reason(&p->disruption_reason, reason ?: "TerminationByKubelet");
        if (r < 0)
                return r;
        p->disruption = true;
        /* Nothing of it runs (a container waiting for its restart, or never started): Failed now. */
        for (size_t i = 0; i < p->n_containers; i++)
                if (p->containers[i].state == CONTAINER_RUNNING || p->containers[i].state == CONTAINER_STARTING)
                        running = true;
        if (!running) {
                for (size_t i = 0; i < p->n_containers; i++)
                        p->containers[i].restart_at_usec = 0;
                p->phase = POD_FAILED;
                p->finished_usec = now;
        }
        return 0;
}

/* spec §2.7: how containers' exits decide the pod's phase. */
static void pod_update_phase(Pod *p, RestartPolicy policy, usec_t now) {
        bool all_apps_done = true, any_app_failed = false, any_running = false;

        if (pod_is_terminal(p))
                return;
        for (size_t i = 0; i < p->n_containers; i++) {
                const ContainerStatus *c = p->containers + i;

                if (c->state == CONTAINER_RUNNING || c->state == CONTAINER_STARTING)
                        any_running = true;
                if (c->init) {
                        /* Never: a failed init container fails the pod. */
                        if (c->state == CONTAINER_TERMINATED && c->exit_code != 0 && policy == RESTART_POLICY_NEVER) {
                                any_app_failed = true;
                                all_apps_done = true;
                                goto decide;
                        }
                        continue;
                }
                if (c->state != CONTAINER_TERMINATED)
                        all_apps_done = false;
                else if (c->exit_code != 0)
                        any_app_failed = true;
        }
        if (pod_is_ending(p)) {
                /* A deleted, disrupted or timed-out pod ends when nothing of it runs any more. */
                if (!any_running) {
                        p->phase = POD_FAILED;
                        p->finished_usec = now;
                }
                return;
        }
decide:
        if (!all_apps_done || any_running)
                return;
        p->phase = any_app_failed ? POD_FAILED : POD_SUCCEEDED;
        p->finished_usec = now;
}

int job_status_record_container_exit(JobStatus *s, const JobSpec *spec, uint64_t attempt, const char *container,
                                     int code, const char *reason, usec_t now) {
        Pod *p = job_status_find_pod(s, attempt);
        ContainerStatus *c = p ? pod_find_container(p, container) : NULL;
        RestartPolicy policy = spec->template.spec.restart_policy;
        int r;

        if (!c)
                return -ENOENT;
        if (c->state == CONTAINER_TERMINATED && c->restart_at_usec == 0)
                return 0;       /* recorded already */

        c->exit_code = code;
        c->finished_usec = now;
        r = set_reason(&c->reason, reason ?: (code == 0 ? "Completed" : "Error"));
        if (r < 0)
                return r;
        if (p->phase == POD_PENDING && !p->started_usec)
                p->started_usec = now;

        /* spec §2.7: the pod's activeDeadlineSeconds ends the whole pod, whatever the restart policy. */
        if (reason && streq(reason, "DeadlineExceeded")) {
                c->state = CONTAINER_TERMINATED;
                /* Not a deletion: the pod stays active (not terminating) until it is Failed. */
                r = set_reason(&p->reason, "DeadlineExceeded");
                if (r < 0)
                        return r;
                pod_update_phase(p, policy, now);
                return 0;
        }

        /* OnFailure: a failed container restarts in place after the kubelet's back-off; one that
         * succeeded stays down. Never a restart for a pod being deleted. */
        if (policy == RESTART_POLICY_ON_FAILURE && code != 0 && !pod_is_ending(p)) {
                /* restarts counts restarts done, as restartCount does: it grows when the container runs
                 * again, after the back-off the controller adds to this time. */
                c->state = CONTAINER_WAITING;
                c->restart_at_usec = now;
                return 0;
        }
        c->state = CONTAINER_TERMINATED;
        c->restart_at_usec = 0;
        pod_update_phase(p, policy, now);
        return 0;
}

const char *pod_phase_to_string(PodPhase p) {
        static const char *const t[_POD_PHASE_MAX] = {
                [POD_PENDING] = "Pending",
                [POD_RUNNING] = "Running",
                [POD_SUCCEEDED] = "Succeeded",
                [POD_FAILED] = "Failed",
        };
        return p >= 0 && p < _POD_PHASE_MAX ? t[p] : NULL;
}

const char *container_state_to_string(ContainerState s) {
        static const char *const t[_CONTAINER_STATE_MAX] = {
                [CONTAINER_WAITING] = "waiting",
                [CONTAINER_STARTING] = "starting",
                [CONTAINER_RUNNING] = "running",
                [CONTAINER_TERMINATED] = "terminated",
        };
        return s >= 0 && s < _CONTAINER_STATE_MAX ? t[s] : NULL;
}

static const char *const image_pull_names[_IMAGE_PULL_MAX] = {
        [IMAGE_PULL_NONE] = "none",
        [IMAGE_PULL_PULLING] = "pulling",
        [IMAGE_PULL_BACKOFF] = "backoff",
        [IMAGE_PULL_DONE] = "done",
};

const char *image_pull_to_string(ImagePull p) {
        return p >= 0 && p < _IMAGE_PULL_MAX ? image_pull_names[p] : NULL;
}

ImagePull image_pull_from_string(const char *s) {
        for (ImagePull p = 0; p < _IMAGE_PULL_MAX; p++)
                if (s && streq(s, image_pull_names[p]))
                        return p;
        return _IMAGE_PULL_INVALID;
}

const char *container_pull_reason(const ContainerStatus *c) {
        if (c->state != CONTAINER_WAITING || c->pull_failures == 0 ||
            (c->pull != IMAGE_PULL_PULLING && c->pull != IMAGE_PULL_BACKOFF))
                return NULL;
        return c->reason;
}

const char *pod_waiting_reason(const Pod *p) {
        if (p->phase != POD_PENDING)
                return NULL;
        for (size_t i = 0; i < p->n_containers; i++) {
                const char *r = container_pull_reason(p->containers + i);
                if (r)
                        return r;
        }
        return NULL;
}

static const char *const condition_names[_JOB_CONDITION_TYPE_MAX] = {
        [JOB_CONDITION_SUSPENDED] = "Suspended",
        [JOB_CONDITION_FAILURE_TARGET] = "FailureTarget",
        [JOB_CONDITION_FAILED] = "Failed",
        [JOB_CONDITION_SUCCESS_CRITERIA_MET] = "SuccessCriteriaMet",
        [JOB_CONDITION_COMPLETE] = "Complete",
};

const char *job_condition_type_to_string(JobConditionType t) {
        return t >= 0 && t < _JOB_CONDITION_TYPE_MAX ? condition_names[t] : NULL;
}

JobConditionType job_condition_type_from_string(const char *s) {
        for (JobConditionType t = 0; t < _JOB_CONDITION_TYPE_MAX; t++)
                if (streq(s, condition_names[t]))
                        return t;
        return _JOB_CONDITION_TYPE_INVALID;
}
