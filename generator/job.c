/* SPDX-License-Identifier: Apache-2.0 */
#include "jobsd/job.h"
#include "jobsd/strv.h"

void str_map_done(StrMap *m) {
        for (size_t i = 0; i < m->n; i++) {
                free(m->items[i].key);
                free(m->items[i].value);
        }
        m->items = mfree(m->items);
        m->n = 0;
}

const char *str_map_get(const StrMap *m, const char *key) {
        for (size_t i = 0; i < m->n; i++)
                if (streq(m->items[i].key, key))
                        return m->items[i].value;
        return NULL;
}

int str_map_set(StrMap *m, const char *key, const char *value) {
        _cleanup_(freep) char *k = NULL, *v = NULL;
        KeyValue *n;

        v = strdup(value);
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < m->n; i++)
                if (streq(m->items[i].key, key)) {
                        free(m->items[i].value);
                        m->items[i].value = TAKE_PTR(v);
                        return 0;
                }
        k = strdup(key);
        if (!k)
                return -ENOMEM;
        n = realloc(m->items, sizeof(KeyValue) * (m->n + 1));
        if (!n)
                return -ENOMEM;
        m->items = n;
        m->items[m->n++] = (KeyValue) { TAKE_PTR(k), TAKE_PTR(v) };
        return 0;
}

static void object_meta_done(ObjectMeta *m) {
        free(m->name);
        free(m->generate_name);
        free(m->namespace);
        str_map_done(&m->labels);
        str_map_done(&m->annotations);
        for (size_t i = 0; i < m->n_owner_references; i++) {
                free(m->owner_references[i].api_version);
                free(m->owner_references[i].kind);
                free(m->owner_references[i].name);
                free(m->owner_references[i].uid);
        }
        free(m->owner_references);
        m->owner_references = NULL;
        m->n_owner_references = 0;
}

static void security_context_done(SecurityContext *s) {
        strv_free(s->capabilities_add);
        strv_free(s->capabilities_drop);
        free(s->supplemental_groups);
}

static void container_done(Container *c) {
        free(c->name);
        free(c->image);
        strv_free(c->command);
        strv_free(c->args);
        free(c->working_dir);
        for (size_t i = 0; i < c->n_env; i++) {
                free(c->env[i].name);
                free(c->env[i].value);
                free(c->env[i].field_path);
                free(c->env[i].resource);
                free(c->env[i].container_name);
        }
        free(c->env);
        for (size_t i = 0; i < c->n_volume_mounts; i++) {
                free(c->volume_mounts[i].name);
                free(c->volume_mounts[i].mount_path);
                free(c->volume_mounts[i].sub_path);
        }
        free(c->volume_mounts);
        security_context_done(&c->security_context);
}

static void pod_spec_done(PodSpec *s) {
        for (size_t i = 0; i < s->n_containers; i++)
                container_done(s->containers + i);
        free(s->containers);
        for (size_t i = 0; i < s->n_init_containers; i++)
                container_done(s->init_containers + i);
        free(s->init_containers);
        for (size_t i = 0; i < s->n_volumes; i++) {
                Volume *v = s->volumes + i;
                free(v->name);
                free(v->host_path);
                free(v->host_path_type);
                for (size_t j = 0; j < v->n_items; j++) {
                        free(v->items[j].path);
                        free(v->items[j].field_path);
                        free(v->items[j].resource);
                        free(v->items[j].container_name);
                }
                free(v->items);
        }
        free(s->volumes);
        free(s->hostname);
        free(s->subdomain);
        security_context_done(&s->security_context);
}

void job_spec_done(JobSpec *s) {
        for (size_t i = 0; i < s->n_pod_failure_rules; i++) {
                PodFailurePolicyRule *r = s->pod_failure_rules + i;
                free(r->container_name);
                free(r->values);
                for (size_t j = 0; j < r->n_on_pod_conditions; j++) {
                        free(r->on_pod_conditions[j].type);
                        free(r->on_pod_conditions[j].status);
                }
                free(r->on_pod_conditions);
        }
        free(s->pod_failure_rules);
        for (size_t i = 0; i < s->n_success_rules; i++)
                free(s->success_rules[i].succeeded_indexes);
        free(s->success_rules);
        str_map_done(&s->selector.match_labels);
        for (size_t i = 0; i < s->selector.n_match_expressions; i++) {
                free(s->selector.match_expressions[i].key);
                strv_free(s->selector.match_expressions[i].values);
        }
        free(s->selector.match_expressions);
        free(s->managed_by);
        str_map_done(&s->template.labels);
        str_map_done(&s->template.annotations);
        pod_spec_done(&s->template.spec);
}

static void security_context_init(SecurityContext *s) {
        *s = (SecurityContext) {
                .run_as_user = UNSET,
                .run_as_group = UNSET,
                .run_as_non_root = TRISTATE_UNSET,
                .read_only_root_filesystem = TRISTATE_UNSET,
                .allow_privilege_escalation = TRISTATE_UNSET,
                .privileged = TRISTATE_UNSET,
                .fs_group = UNSET,
        };
}

void job_spec_init(JobSpec *s) {
        *s = (JobSpec) {
                .parallelism = UNSET,
                .completions = UNSET,
                .active_deadline_seconds = UNSET,
                .backoff_limit = UNSET,
                .backoff_limit_per_index = UNSET,
                .max_failed_indexes = UNSET,
                .ttl_seconds_after_finished = UNSET,
                .template.spec.active_deadline_seconds = UNSET,
                .template.spec.termination_grace_period_seconds = UNSET,
        };
        security_context_init(&s->template.spec.security_context);
}

/* Containers are zeroed by the list dispatcher; this gives their optional fields the unset sentinel. */
void container_init(Container *c) {
        security_context_init(&c->security_context);
}

Job *job_free(Job *j) {
        if (!j)
                return NULL;
        object_meta_done(&j->metadata);
        job_spec_done(&j->spec);
        free(j);
        return NULL;
}

CronJob *cron_job_free(CronJob *c) {
        if (!c)
                return NULL;
        object_meta_done(&c->metadata);
        free(c->spec.schedule);
        free(c->spec.time_zone);
        str_map_done(&c->spec.job_labels);
        str_map_done(&c->spec.job_annotations);
        job_spec_done(&c->spec.job_spec);
        free(c);
        return NULL;
}

void manifest_list_done(ManifestList *l) {
        for (size_t i = 0; i < l->n; i++) {
                Manifest *m = l->items + i;
                free(m->api_version);
                free(m->file);
                if (m->kind == MANIFEST_JOB)
                        job_free(m->job);
                else
                        cron_job_free(m->cron_job);
        }
        l->items = mfree(l->items);
        l->n = 0;
}

/* spec §1.2 */
void job_spec_apply_defaults(JobSpec *s) {
        if (s->completions == UNSET && s->parallelism == UNSET)
                s->completions = s->parallelism = 1;
        if (s->parallelism == UNSET)
                s->parallelism = 1;
        if (s->backoff_limit == UNSET)
                s->backoff_limit = s->backoff_limit_per_index != UNSET ? INT32_MAX : 6;
        if (s->pod_replacement_policy == POD_REPLACEMENT_UNSET)
                s->pod_replacement_policy = s->has_pod_failure_policy ?
                        POD_REPLACEMENT_FAILED : POD_REPLACEMENT_TERMINATING_OR_FAILED;
        if (s->template.spec.termination_grace_period_seconds == UNSET)
                s->template.spec.termination_grace_period_seconds = 30;
        for (size_t i = 0; i < s->n_pod_failure_rules; i++)
                for (size_t j = 0; j < s->pod_failure_rules[i].n_on_pod_conditions; j++) {
                        PodConditionPattern *p = s->pod_failure_rules[i].on_pod_conditions + j;
                        if (!p->status)
                                p->status = strdup("True");
                }
        /* imagePullPolicy: Always for ':latest' or no tag, else IfNotPresent (spec §2.2). */
        for (size_t k = 0; k < 2; k++) {
                Container *cs = k ? s->template.spec.init_containers : s->template.spec.containers;
                size_t n = k ? s->template.spec.n_init_containers : s->template.spec.n_containers;
                for (size_t i = 0; i < n; i++) {
                        const char *img = cs[i].image, *slash, *colon;
                        if (cs[i].image_pull_policy != PULL_POLICY_UNSET || !img)
                                continue;
                        if (strchr(img, '@')) {
                                cs[i].image_pull_policy = PULL_POLICY_IF_NOT_PRESENT;
                                continue;
                        }
                        slash = strrchr(img, '/');
                        colon = strrchr(slash ?: img, ':');
                        cs[i].image_pull_policy = !colon || streq(colon, ":latest") ?
                                PULL_POLICY_ALWAYS : PULL_POLICY_IF_NOT_PRESENT;
                }
        }
}

/* spec §5.1 */
void cron_job_apply_defaults(CronJob *c) {
        if (c->spec.successful_jobs_history_limit == UNSET)
                c->spec.successful_jobs_history_limit = 3;
        if (c->spec.failed_jobs_history_limit == UNSET)
                c->spec.failed_jobs_history_limit = 1;
        job_spec_apply_defaults(&c->spec.job_spec);
}

const char *restart_policy_to_string(RestartPolicy p) {
        static const char *const t[_RESTART_POLICY_MAX] = {
                [RESTART_POLICY_UNSET] = "",
                [RESTART_POLICY_NEVER] = "Never",
                [RESTART_POLICY_ON_FAILURE] = "OnFailure",
                [RESTART_POLICY_ALWAYS] = "Always",
        };
        return p >= 0 && p < _RESTART_POLICY_MAX ? t[p] : NULL;
}

const char *completion_mode_to_string(CompletionMode m) {
        static const char *const t[_COMPLETION_MODE_MAX] = {
                [COMPLETION_MODE_NON_INDEXED] = "NonIndexed",
                [COMPLETION_MODE_INDEXED] = "Indexed",
        };
        return m >= 0 && m < _COMPLETION_MODE_MAX ? t[m] : NULL;
}

const char *pod_failure_action_to_string(PodFailurePolicyAction a) {
        static const char *const t[_POD_FAILURE_ACTION_MAX] = {
                [POD_FAILURE_ACTION_FAIL_JOB] = "FailJob",
                [POD_FAILURE_ACTION_FAIL_INDEX] = "FailIndex",
                [POD_FAILURE_ACTION_IGNORE] = "Ignore",
                [POD_FAILURE_ACTION_COUNT] = "Count",
        };
        return a >= 0 && a < _POD_FAILURE_ACTION_MAX ? t[a] : NULL;
}

const char *exit_code_operator_to_string(ExitCodeOperator o) {
        static const char *const t[_EXIT_CODE_OPERATOR_MAX] = {
                [EXIT_CODE_OPERATOR_IN] = "In",
                [EXIT_CODE_OPERATOR_NOT_IN] = "NotIn",
        };
        return o >= 0 && o < _EXIT_CODE_OPERATOR_MAX ? t[o] : NULL;
}

const char *pod_replacement_policy_to_string(PodReplacementPolicy p) {
        static const char *const t[_POD_REPLACEMENT_MAX] = {
                [POD_REPLACEMENT_UNSET] = "",
                [POD_REPLACEMENT_TERMINATING_OR_FAILED] = "TerminatingOrFailed",
                [POD_REPLACEMENT_FAILED] = "Failed",
        };
        return p >= 0 && p < _POD_REPLACEMENT_MAX ? t[p] : NULL;
}

const char *concurrency_policy_to_string(ConcurrencyPolicy p) {
        static const char *const t[_CONCURRENCY_POLICY_MAX] = {
                [CONCURRENCY_ALLOW] = "Allow",
                [CONCURRENCY_FORBID] = "Forbid",
                [CONCURRENCY_REPLACE] = "Replace",
        };
        return p >= 0 && p < _CONCURRENCY_POLICY_MAX ? t[p] : NULL;
}

const Container *pod_spec_find_container(const PodSpec *s, const char *name) {
        for (size_t i = 0; i < s->n_init_containers; i++)
                if (streq_ptr(s->init_containers[i].name, name))
                        return s->init_containers + i;
        for (size_t i = 0; i < s->n_containers; i++)
                if (streq_ptr(s->containers[i].name, name))
                        return s->containers + i;
        return NULL;
}

const char *pull_policy_to_string(PullPolicy p) {
        static const char *const t[_PULL_POLICY_MAX] = {
                [PULL_POLICY_UNSET] = "",
                [PULL_POLICY_ALWAYS] = "Always",
                [PULL_POLICY_IF_NOT_PRESENT] = "IfNotPresent",
                [PULL_POLICY_NEVER] = "Never",
        };
        return p >= 0 && p < _PULL_POLICY_MAX ? t[p] : NULL;
}

const char *selector_operator_to_string(SelectorOperator o) {
        static const char *const t[_SELECTOR_OPERATOR_MAX] = {
                [SELECTOR_IN] = "In",
                [SELECTOR_NOT_IN] = "NotIn",
                [SELECTOR_EXISTS] = "Exists",
                [SELECTOR_DOES_NOT_EXIST] = "DoesNotExist",
        };
        return o >= 0 && o < _SELECTOR_OPERATOR_MAX ? t[o] : NULL;
}

const char *manifest_kind_to_string(ManifestKind k) {
        static const char *const t[_MANIFEST_KIND_MAX] = {
                [MANIFEST_JOB] = "Job",
                [MANIFEST_CRON_JOB] = "CronJob",
        };
        return k >= 0 && k < _MANIFEST_KIND_MAX ? t[k] : NULL;
}
