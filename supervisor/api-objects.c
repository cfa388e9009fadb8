/* SPDX-License-Identifier: Apache-2.0 */
/* Jobs and CronJobs as Kubernetes' JSON, from the model and the records. */
#include <inttypes.h>
#include <stdio.h>

#include "jobsd/quantity.h"
#include "jobsd/strv.h"
#include "api-create.h"
#include "api-objects.h"

#define CONTROLLER_UID_LABEL "batch.kubernetes.io/controller-uid"
#define JOB_NAME_LABEL "batch.kubernetes.io/job-name"

#define TRY_J(expr) do { if ((expr) < 0) return NULL; } while (0)

static json_object *new_object(void) {
        return json_object_new_object();
}

static int add_quantity(json_object *o, const char *key, const Quantity *q, bool has) {
        _cleanup_(freep) char *s = NULL;

        if (!has)
                return 0;
        s = quantity_format(q);
        if (!s)
                return -ENOMEM;
        return api_json_str(o, key, s);
}

static int add_tristate(json_object *o, const char *key, Tristate t) {
        if (t == TRISTATE_UNSET)
                return 0;
        return api_json_bool(o, key, t == TRISTATE_TRUE);
}

static json_object *security_context(const SecurityContext *s, bool pod) {
        _cleanup_(json_object_putp) json_object *o = new_object();

        if (!o)
                return NULL;
        TRY_J(api_json_int(o, "runAsUser", s->run_as_user));
        TRY_J(api_json_int(o, "runAsGroup", s->run_as_group));
        TRY_J(add_tristate(o, "runAsNonRoot", s->run_as_non_root));
        if (pod) {
                TRY_J(api_json_int(o, "fsGroup", s->fs_group));
                if (s->n_supplemental_groups > 0) {
                        json_object *a = json_object_new_array();
                        TRY_J(api_json_add(o, "supplementalGroups", a));
                        for (size_t i = 0; i < s->n_supplemental_groups; i++)
                                TRY_J(json_object_array_add(a, json_object_new_int64(s->supplemental_groups[i])));
                }
                return TAKE_PTR(o);
        }
        TRY_J(add_tristate(o, "readOnlyRootFilesystem", s->read_only_root_filesystem));
        TRY_J(add_tristate(o, "allowPrivilegeEscalation", s->allow_privilege_escalation));
        TRY_J(add_tristate(o, "privileged", s->privileged));
        if (s->capabilities_add || s->capabilities_drop) {
                json_object *caps = new_object();
                TRY_J(api_json_add(o, "capabilities", caps));
                TRY_J(api_json_strv(caps, "add", s->capabilities_add));
                TRY_J(api_json_strv(caps, "drop", s->capabilities_drop));
        }
        return TAKE_PTR(o);
}

static json_object *resource_field_ref(const char *container, const char *resource, const Quantity *divisor,
                                       bool has_divisor) {
        _cleanup_(json_object_putp) json_object *o = new_object();

        if (!o)
                return NULL;
        TRY_J(api_json_str(o, "containerName", container));
        TRY_J(api_json_str(o, "resource", resource));
        if (has_divisor)
                TRY_J(add_quantity(o, "divisor", divisor, true));
        else
                TRY_J(api_json_str(o, "divisor", "0"));
        return TAKE_PTR(o);
}

static json_object *field_ref(const char *path) {
        _cleanup_(json_object_putp) json_object *o = new_object();

        if (!o)
                return NULL;
        TRY_J(api_json_str(o, "apiVersion", "v1"));
        TRY_J(api_json_str(o, "fieldPath", path));
        return TAKE_PTR(o);
}

static json_object *container(const Container *c) {
        _cleanup_(json_object_putp) json_object *o = new_object();
        json_object *res;

        if (!o)
                return NULL;
        TRY_J(api_json_str(o, "name", c->name));
        TRY_J(api_json_str(o, "image", c->image));
        TRY_J(api_json_strv(o, "command", c->command));
        TRY_J(api_json_strv(o, "args", c->args));
        TRY_J(api_json_str(o, "workingDir", c->working_dir));
        if (c->n_env > 0) {
                json_object *env = json_object_new_array();
                TRY_J(api_json_add(o, "env", env));
                for (size_t i = 0; i < c->n_env; i++) {
                        const EnvVar *e = c->env + i;
                        json_object *v = new_object(), *from;
                        if (!v || json_object_array_add(env, v) < 0)
                                return json_object_put(v), NULL;
                        TRY_J(api_json_str(v, "name", e->name));
                        switch (e->source) {
                        case ENV_SOURCE_VALUE:
                                TRY_J(api_json_str(v, "value", e->value));
                                break;
                        case ENV_SOURCE_FIELD_REF:
                                from = new_object();
                                TRY_J(api_json_add(v, "valueFrom", from));
                                TRY_J(api_json_add(from, "fieldRef", field_ref(e->field_path)));
                                break;
                        case ENV_SOURCE_RESOURCE_FIELD_REF:
                                from = new_object();
                                TRY_J(api_json_add(v, "valueFrom", from));
                                TRY_J(api_json_add(from, "resourceFieldRef",
                                                   resource_field_ref(e->container_name, e->resource, &e->divisor,
                                                                      e->has_divisor)));
                                break;
                        }
                }
        }
        res = new_object();
        TRY_J(api_json_add(o, "resources", res));
        if (c->resources.has_limits_cpu || c->resources.has_limits_memory) {
                json_object *l = new_object();
                TRY_J(api_json_add(res, "limits", l));
                TRY_J(add_quantity(l, "cpu", &c->resources.limits_cpu, c->resources.has_limits_cpu));
                TRY_J(add_quantity(l, "memory", &c->resources.limits_memory, c->resources.has_limits_memory));
        }
        if (c->resources.has_requests_cpu || c->resources.has_requests_memory) {
                json_object *l = new_object();
                TRY_J(api_json_add(res, "requests", l));
                TRY_J(add_quantity(l, "cpu", &c->resources.requests_cpu, c->resources.has_requests_cpu));
                TRY_J(add_quantity(l, "memory", &c->resources.requests_memory, c->resources.has_requests_memory));
        }
        if (c->n_volume_mounts > 0) {
                json_object *vm = json_object_new_array();
                TRY_J(api_json_add(o, "volumeMounts", vm));
                for (size_t i = 0; i < c->n_volume_mounts; i++) {
                        json_object *m = new_object();
                        if (!m || json_object_array_add(vm, m) < 0)
                                return json_object_put(m), NULL;
                        TRY_J(api_json_str(m, "name", c->volume_mounts[i].name));
                        TRY_J(api_json_str(m, "mountPath", c->volume_mounts[i].mount_path));
                        TRY_J(api_json_str(m, "subPath", c->volume_mounts[i].sub_path));
                        if (c->volume_mounts[i].read_only)
                                TRY_J(api_json_bool(m, "readOnly", true));
                }
        }
        {
                json_object *sc = security_context(&c->security_context, false);
                if (!sc)
                        return NULL;
                if (json_object_object_length(sc) > 0)
                        TRY_J(api_json_add(o, "securityContext", sc));
                else
                        json_object_put(sc);
        }
        if (c->restart_policy == CONTAINER_RESTART_ALWAYS)
                TRY_J(api_json_str(o, "restartPolicy", "Always"));
        TRY_J(api_json_str(o, "terminationMessagePath", "/dev/termination-log"));
        TRY_J(api_json_str(o, "terminationMessagePolicy", "File"));
        TRY_J(api_json_str(o, "imagePullPolicy", c->image_pull_policy != PULL_POLICY_UNSET ?
                           pull_policy_to_string(c->image_pull_policy) : "IfNotPresent"));
        return TAKE_PTR(o);
}

static json_object *containers(const Container *cs, size_t n) {
        _cleanup_(json_object_putp) json_object *a = json_object_new_array();

        if (!a)
                return NULL;
        for (size_t i = 0; i < n; i++)
                TRY_J(json_object_array_add(a, container(cs + i)));
        for (size_t i = 0; i < n; i++)
                if (!json_object_array_get_idx(a, i))
                        return NULL;
        return TAKE_PTR(a);
}

static json_object *volume(const Volume *v) {
        _cleanup_(json_object_putp) json_object *o = new_object();
        json_object *s;

        if (!o)
                return NULL;
        TRY_J(api_json_str(o, "name", v->name));
        s = new_object();
        switch (v->type) {
        case VOLUME_HOST_PATH:
                TRY_J(api_json_add(o, "hostPath", s));
                TRY_J(api_json_str(s, "path", v->host_path));
                TRY_J(api_json_str(s, "type", strempty(v->host_path_type)));
                break;
        case VOLUME_EMPTY_DIR:
                TRY_J(api_json_add(o, "emptyDir", s));
                if (v->medium_memory)
                        TRY_J(api_json_str(s, "medium", "Memory"));
                TRY_J(add_quantity(s, "sizeLimit", &v->size_limit, v->has_size_limit));
                break;
        case VOLUME_DOWNWARD_API: {
                json_object *items = json_object_new_array();
                TRY_J(api_json_add(o, "downwardAPI", s));
                TRY_J(api_json_add(s, "items", items));
                for (size_t i = 0; i < v->n_items; i++) {
                        const DownwardAPIItem *it = v->items + i;
                        json_object *x = new_object();
                        if (!x || json_object_array_add(items, x) < 0)
                                return json_object_put(x), NULL;
                        TRY_J(api_json_str(x, "path", it->path));
                        if (it->field_path)
                                TRY_J(api_json_add(x, "fieldRef", field_ref(it->field_path)));
                        if (it->resource)
                                TRY_J(api_json_add(x, "resourceFieldRef",
                                                   resource_field_ref(it->container_name, it->resource, &it->divisor,
                                                                      it->has_divisor)));
                        TRY_J(api_json_int(x, "mode", it->mode));
                }
                TRY_J(api_json_int_always(s, "defaultMode", v->default_mode != UNSET ? v->default_mode : 0644));
                break;
        }
        default:
                json_object_put(s);
                break;
        }
        return TAKE_PTR(o);
}

/* A pod template; extra_labels (key, value, …; may be NULL) are added to its labels (the Job controller's). */
static json_object *pod_template(const PodTemplate *t, char * const *extra_labels) {
        _cleanup_(json_object_putp) json_object *o = new_object();
        json_object *meta = new_object(), *spec, *labels;
        const PodSpec *ps = &t->spec;

        if (!o || api_json_add(o, "metadata", meta) < 0)
                return NULL;
        TRY_J(json_object_object_add(meta, "creationTimestamp", NULL));
        if (t->labels.n > 0 || extra_labels) {
                labels = new_object();
                TRY_J(api_json_add(meta, "labels", labels));
                for (char * const *l = extra_labels; l && l[0] && l[1]; l += 2)
                        TRY_J(api_json_str(labels, l[0], l[1]));
                for (size_t i = 0; i < t->labels.n; i++)
                        TRY_J(api_json_str(labels, t->labels.items[i].key, strempty(t->labels.items[i].value)));
        }
        TRY_J(api_json_map(meta, "annotations", &t->annotations));
        spec = new_object();
        TRY_J(api_json_add(o, "spec", spec));
        if (ps->n_volumes > 0) {
                json_object *vs = json_object_new_array();
                TRY_J(api_json_add(spec, "volumes", vs));
                for (size_t i = 0; i < ps->n_volumes; i++)
                        TRY_J(json_object_array_add(vs, volume(ps->volumes + i)));
        }
        if (ps->n_init_containers > 0)
                TRY_J(api_json_add(spec, "initContainers", containers(ps->init_containers, ps->n_init_containers)));
        TRY_J(api_json_add(spec, "containers", containers(ps->containers, ps->n_containers)));
        TRY_J(api_json_str(spec, "restartPolicy", restart_policy_to_string(ps->restart_policy)));
        TRY_J(api_json_int(spec, "terminationGracePeriodSeconds",
                           ps->termination_grace_period_seconds != UNSET ? ps->termination_grace_period_seconds : 30));
        TRY_J(api_json_int(spec, "activeDeadlineSeconds", ps->active_deadline_seconds));
        TRY_J(api_json_str(spec, "dnsPolicy", "ClusterFirst"));
        TRY_J(api_json_str(spec, "hostname", ps->hostname));
        TRY_J(api_json_str(spec, "subdomain", ps->subdomain));
        TRY_J(api_json_add(spec, "securityContext", security_context(&ps->security_context, true)));
        TRY_J(api_json_str(spec, "schedulerName", "default-scheduler"));
        return TAKE_PTR(o);
}

static json_object *label_selector(const LabelSelector *s) {
        _cleanup_(json_object_putp) json_object *o = new_object();

        if (!o)
                return NULL;
        TRY_J(api_json_map(o, "matchLabels", &s->match_labels));
        if (s->n_match_expressions > 0) {
                json_object *a = json_object_new_array();
                TRY_J(api_json_add(o, "matchExpressions", a));
                for (size_t i = 0; i < s->n_match_expressions; i++) {
                        json_object *e = new_object();
                        if (!e || json_object_array_add(a, e) < 0)
                                return json_object_put(e), NULL;
                        TRY_J(api_json_str(e, "key", s->match_expressions[i].key));
                        TRY_J(api_json_str(e, "operator", selector_operator_to_string(s->match_expressions[i].operator)));
                        TRY_J(api_json_strv(e, "values", s->match_expressions[i].values));
                }
        }
        return TAKE_PTR(o);
}

static json_object *generated_selector(const char *uid) {
        _cleanup_(json_object_putp) json_object *o = new_object();
        json_object *ml = new_object();

        if (!o || api_json_add(o, "matchLabels", ml) < 0)
                return NULL;
        TRY_J(api_json_str(ml, CONTROLLER_UID_LABEL, strempty(uid)));
        return TAKE_PTR(o);
}

static json_object *pod_failure_policy(const JobSpec *s) {
        _cleanup_(json_object_putp) json_object *o = new_object();
        json_object *rules = json_object_new_array();

        if (!o || api_json_add(o, "rules", rules) < 0)
                return NULL;
        for (size_t i = 0; i < s->n_pod_failure_rules; i++) {
                const PodFailurePolicyRule *r = s->pod_failure_rules + i;
                json_object *x = new_object();
                if (!x || json_object_array_add(rules, x) < 0)
                        return json_object_put(x), NULL;
                TRY_J(api_json_str(x, "action", pod_failure_action_to_string(r->action)));
                if (r->has_on_exit_codes) {
                        json_object *ec = new_object(), *vals = json_object_new_array();
                        TRY_J(api_json_add(x, "onExitCodes", ec));
                        TRY_J(api_json_str(ec, "containerName", r->container_name));
                        TRY_J(api_json_str(ec, "operator", exit_code_operator_to_string(r->operator)));
                        TRY_J(api_json_add(ec, "values", vals));
                        for (size_t k = 0; k < r->n_values; k++)
                                TRY_J(json_object_array_add(vals, json_object_new_int(r->values[k])));
                }
                if (r->has_on_pod_conditions) {
                        json_object *pcs = json_object_new_array();
                        TRY_J(api_json_add(x, "onPodConditions", pcs));
                        for (size_t k = 0; k < r->n_on_pod_conditions; k++) {
                                json_object *pc = new_object();
                                if (!pc || json_object_array_add(pcs, pc) < 0)
                                        return json_object_put(pc), NULL;
                                TRY_J(api_json_str(pc, "type", r->on_pod_conditions[k].type));
                                TRY_J(api_json_str(pc, "status", r->on_pod_conditions[k].status ?: "True"));
                        }
                }
        }
        return TAKE_PTR(o);
}

/* A Job's spec; uid and name: the generated selector and labels (uid NULL: a CronJob's jobTemplate). */
static json_object *job_spec(const JobSpec *s, const char *uid, const char *name) {
        _cleanup_(json_object_putp) json_object *o = new_object();
        _cleanup_(strv_freep) char **extra = NULL;

        if (!o)
                return NULL;
        TRY_J(api_json_int(o, "parallelism", s->parallelism));
        TRY_J(api_json_int(o, "completions", s->completions));
        TRY_J(api_json_int(o, "activeDeadlineSeconds", s->active_deadline_seconds));
        if (s->has_pod_failure_policy)
                TRY_J(api_json_add(o, "podFailurePolicy", pod_failure_policy(s)));
        if (s->has_success_policy) {
                json_object *sp = new_object(), *rules = json_object_new_array();
                TRY_J(api_json_add(o, "successPolicy", sp));
                TRY_J(api_json_add(sp, "rules", rules));
                for (size_t i = 0; i < s->n_success_rules; i++) {
                        json_object *r = new_object();
                        if (!r || json_object_array_add(rules, r) < 0)
                                return json_object_put(r), NULL;
                        TRY_J(api_json_str(r, "succeededIndexes", s->success_rules[i].succeeded_indexes));
                        TRY_J(api_json_int(r, "succeededCount", s->success_rules[i].succeeded_count));
                }
        }
        TRY_J(api_json_int(o, "backoffLimit", s->backoff_limit));
        TRY_J(api_json_int(o, "backoffLimitPerIndex", s->backoff_limit_per_index));
        TRY_J(api_json_int(o, "maxFailedIndexes", s->max_failed_indexes));
        if (s->selector.set)
                TRY_J(api_json_add(o, "selector", label_selector(&s->selector)));
        else if (uid)
                TRY_J(api_json_add(o, "selector", generated_selector(uid)));
        if (s->manual_selector)
                TRY_J(api_json_bool(o, "manualSelector", true));
        if (uid && !s->manual_selector) {
                if (strv_extend(&extra, CONTROLLER_UID_LABEL) < 0 || strv_extend(&extra, uid) < 0 ||
                    strv_extend(&extra, JOB_NAME_LABEL) < 0 || strv_extend(&extra, name) < 0 ||
                    strv_extend(&extra, "controller-uid") < 0 || strv_extend(&extra, uid) < 0 ||
                    strv_extend(&extra, "job-name") < 0 || strv_extend(&extra, name) < 0)
                        return NULL;
        }
        TRY_J(api_json_add(o, "template", pod_template(&s->template, extra)));
        TRY_J(api_json_int(o, "ttlSecondsAfterFinished", s->ttl_seconds_after_finished));
        TRY_J(api_json_str(o, "completionMode", completion_mode_to_string(s->completion_mode)));
        TRY_J(api_json_bool(o, "suspend", s->suspend));
        if (s->pod_replacement_policy != POD_REPLACEMENT_UNSET)
                TRY_J(api_json_str(o, "podReplacementPolicy", pod_replacement_policy_to_string(s->pod_replacement_policy)));
        TRY_J(api_json_str(o, "managedBy", s->managed_by));
        return TAKE_PTR(o);
}

static json_object *job_status(const ManagedJob *j) {
        _cleanup_(json_object_putp) json_object *o = new_object();
        const JobStatus *s = &j->record.status;
        _cleanup_(freep) char *completed = NULL, *failed = NULL;
        int32_t active = job_status_active(s), ready = job_status_ready(s), terminating = job_status_terminating(s);

        if (!o)
                return NULL;
        if (s->n_conditions > 0) {
                json_object *a = json_object_new_array();
                TRY_J(api_json_add(o, "conditions", a));
                for (size_t i = 0; i < s->n_conditions; i++) {
                        const JobCondition *c = s->conditions + i;
                        json_object *x = new_object();
                        if (!x || json_object_array_add(a, x) < 0)
                                return json_object_put(x), NULL;
                        TRY_J(api_json_str(x, "type", job_condition_type_to_string(c->type)));
                        TRY_J(api_json_str(x, "status", c->status ? "True" : "False"));
                        TRY_J(api_json_time(x, "lastProbeTime", c->transition_usec));
                        TRY_J(api_json_time(x, "lastTransitionTime", c->transition_usec));
                        TRY_J(api_json_str(x, "reason", c->reason));
                        TRY_J(api_json_str(x, "message", c->message));
                }
        }
        TRY_J(api_json_time(o, "startTime", s->start_usec));
        TRY_J(api_json_time(o, "completionTime", s->completion_usec));
        if (active > 0)
                TRY_J(api_json_int_always(o, "active", active));
        if (s->succeeded > 0)
                TRY_J(api_json_int_always(o, "succeeded", s->succeeded));
        if (s->failed > 0)
                TRY_J(api_json_int_always(o, "failed", s->failed));
        TRY_J(api_json_int_always(o, "terminating", terminating));
        if (j->job->spec.completion_mode == COMPLETION_MODE_INDEXED) {
                completed = job_status_completed_indexes(s);
                failed = job_status_failed_indexes(s);
                if (!completed || !failed)
                        return NULL;
                if (*completed)
                        TRY_J(api_json_str(o, "completedIndexes", completed));
                if (*failed)
                        TRY_J(api_json_str(o, "failedIndexes", failed));
        }
        TRY_J(api_json_add(o, "uncountedTerminatedPods", new_object()));
        TRY_J(api_json_int_always(o, "ready", ready));
        return TAKE_PTR(o);
}

static int add_rv(json_object *meta, uint64_t rv) {
        char buf[32];

        snprintf(buf, sizeof(buf), "%" PRIu64, rv);
        return api_json_str(meta, "resourceVersion", buf);
}

/* metadata.ownerReferences as they were given (an object of the API or of a file). */
static int add_owner_references(json_object *meta, const ObjectMeta *m) {
        json_object *refs;

        if (m->n_owner_references == 0)
                return 0;
        refs = json_object_new_array();
        if (api_json_add(meta, "ownerReferences", refs) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_owner_references; i++) {
                const OwnerReference *o = m->owner_references + i;
                json_object *ref = new_object();
                if (!ref || json_object_array_add(refs, ref) < 0) {
                        json_object_put(ref);
                        return -ENOMEM;
                }
                if (api_json_str(ref, "apiVersion", o->api_version) < 0 || api_json_str(ref, "kind", o->kind) < 0 ||
                    api_json_str(ref, "name", o->name) < 0 || api_json_str(ref, "uid", o->uid) < 0 ||
                    add_tristate(ref, "controller", o->controller) < 0 ||
                    add_tristate(ref, "blockOwnerDeletion", o->block_owner_deletion) < 0)
                        return -ENOMEM;
        }
        return 0;
}

json_object *api_job_metadata(const ManagedJob *j) {
        _cleanup_(json_object_putp) json_object *meta = new_object();
        const ObjectMeta *m = &j->job->metadata;
        json_object *ann = NULL;

        if (!meta)
                return NULL;
        TRY_J(api_json_str(meta, "name", m->name));
        TRY_J(api_json_str(meta, "namespace", managed_job_namespace(j)));
        TRY_J(api_json_str(meta, "uid", j->record.uid));
        TRY_J(add_rv(meta, j->resource_version));
        TRY_J(api_json_int_always(meta, "generation", 1));
        TRY_J(api_json_time(meta, "creationTimestamp", j->record.created_usec));
        TRY_J(api_json_map(meta, "labels", &m->labels));
        if (m->annotations.n > 0 || (j->file && !j->cron_owner && !api_object_file(j->manager, j->file))) {
                ann = new_object();
                TRY_J(api_json_add(meta, "annotations", ann));
                for (size_t i = 0; i < m->annotations.n; i++)
                        TRY_J(api_json_str(ann, m->annotations.items[i].key, strempty(m->annotations.items[i].value)));
                if (j->file && !j->cron_owner && !api_object_file(j->manager, j->file))
                        TRY_J(api_json_str(ann, API_MANIFEST_FILE_ANNOTATION, j->file));
        }
        if (j->cron_owner) {
                ManagedCronJob *c = manager_find_cron_job(j->manager, managed_job_namespace(j), j->cron_owner);
                json_object *refs = json_object_new_array(), *ref;
                TRY_J(api_json_add(meta, "ownerReferences", refs));
                ref = new_object();
                if (!ref || json_object_array_add(refs, ref) < 0)
                        return json_object_put(ref), NULL;
                TRY_J(api_json_str(ref, "apiVersion", "batch/v1"));
                TRY_J(api_json_str(ref, "kind", "CronJob"));
                TRY_J(api_json_str(ref, "name", j->cron_owner));
                if (c) {
                        char uid[37];
                        api_cron_job_uid(c, uid);
                        TRY_J(api_json_str(ref, "uid", uid));
                }
                TRY_J(api_json_bool(ref, "controller", true));
                TRY_J(api_json_bool(ref, "blockOwnerDeletion", true));
        } else
                TRY_J(add_owner_references(meta, m));
        if (j->deleting)
                TRY_J(api_json_time(meta, "deletionTimestamp", j->record.created_usec));
        return TAKE_PTR(meta);
}

json_object *api_pod_spec(const ManagedJob *j) {
        _cleanup_(json_object_putp) json_object *t = pod_template(&j->job->spec.template, NULL);

        return t ? json_object_get(json_object_object_get(t, "spec")) : NULL;
}

json_object *api_job_selector(const ManagedJob *j) {
        if (j->job->spec.selector.set)
                return label_selector(&j->job->spec.selector);
        return generated_selector(j->record.uid);
}

json_object *api_job_to_json(const ManagedJob *j) {
        _cleanup_(json_object_putp) json_object *o = api_json_object("batch/v1", "Job");

        if (!o)
                return NULL;
        TRY_J(api_json_add(o, "metadata", api_job_metadata(j)));
        TRY_J(api_json_add(o, "spec", job_spec(&j->job->spec, strempty(j->record.uid), j->job->metadata.name)));
        TRY_J(api_json_add(o, "status", job_status(j)));
        return TAKE_PTR(o);
}

void api_cron_job_uid(const ManagedCronJob *c, char buf[static 37]) {
        char key[512];

        snprintf(key, sizeof(key), "cronjob/%s/%s/%" PRIu64, managed_cron_job_namespace(c), c->cj->metadata.name,
                 (uint64_t) c->status.created_usec);
        api_uid_from_key(key, buf);
}

void api_uid_from_key(const char *key, char buf[static 37]) {
        uint64_t h1 = 14695981039346656037ULL, h2 = 1099511628211ULL * 31;
        size_t n = strlen(key);

        for (size_t i = 0; i < n; i++) {
                h1 = (h1 ^ (unsigned char) key[i]) * 1099511628211ULL;
                h2 = (h2 ^ (unsigned char) key[i]) * 1099511628211ULL + 0x9e3779b97f4a7c15ULL;
        }
        snprintf(buf, 37, "%08" PRIx32 "-%04" PRIx32 "-4%03" PRIx32 "-%04" PRIx32 "-%012" PRIx64,
                 (uint32_t) (h1 >> 32), (uint32_t) (h1 >> 16) & 0xffff, (uint32_t) h1 & 0xfff,
                 ((uint32_t) (h2 >> 48) & 0x3fff) | 0x8000, (uint64_t) (h2 & 0xffffffffffffULL));
}

json_object *api_cron_job_metadata(const ManagedCronJob *c) {
        _cleanup_(json_object_putp) json_object *meta = new_object();
        const ObjectMeta *m = &c->cj->metadata;
        char uid[37];
        json_object *ann;

        if (!meta)
                return NULL;
        api_cron_job_uid(c, uid);
        TRY_J(api_json_str(meta, "name", m->name));
        TRY_J(api_json_str(meta, "namespace", managed_cron_job_namespace(c)));
        TRY_J(api_json_str(meta, "uid", uid));
        TRY_J(add_rv(meta, c->resource_version));
        TRY_J(api_json_int_always(meta, "generation", 1));
        TRY_J(api_json_time(meta, "creationTimestamp", c->status.created_usec));
        TRY_J(api_json_map(meta, "labels", &m->labels));
        if (m->annotations.n > 0 || !api_object_file(c->manager, c->file)) {
                ann = new_object();
                TRY_J(api_json_add(meta, "annotations", ann));
                for (size_t i = 0; i < m->annotations.n; i++)
                        TRY_J(api_json_str(ann, m->annotations.items[i].key, strempty(m->annotations.items[i].value)));
                if (!api_object_file(c->manager, c->file))
                        TRY_J(api_json_str(ann, API_MANIFEST_FILE_ANNOTATION, c->file));
        }
        TRY_J(add_owner_references(meta, m));
        return TAKE_PTR(meta);
}

json_object *api_cron_job_to_json(const ManagedCronJob *c) {
        _cleanup_(json_object_putp) json_object *o = api_json_object("batch/v1", "CronJob");
        const CronJobSpec *s = &c->cj->spec;
        json_object *spec = new_object(), *tmpl, *tmeta, *status;

        if (!o || api_json_add(o, "metadata", api_cron_job_metadata(c)) < 0 || api_json_add(o, "spec", spec) < 0)
                return NULL;
        TRY_J(api_json_str(spec, "schedule", s->schedule));
        TRY_J(api_json_str(spec, "timeZone", s->time_zone));
        TRY_J(api_json_int(spec, "startingDeadlineSeconds", s->starting_deadline_seconds));
        TRY_J(api_json_str(spec, "concurrencyPolicy", concurrency_policy_to_string(s->concurrency_policy)));
        TRY_J(api_json_bool(spec, "suspend", s->suspend));
        tmpl = new_object();
        TRY_J(api_json_add(spec, "jobTemplate", tmpl));
        tmeta = new_object();
        TRY_J(api_json_add(tmpl, "metadata", tmeta));
        TRY_J(json_object_object_add(tmeta, "creationTimestamp", NULL));
        TRY_J(api_json_map(tmeta, "labels", &s->job_labels));
        TRY_J(api_json_map(tmeta, "annotations", &s->job_annotations));
        TRY_J(api_json_add(tmpl, "spec", job_spec(&s->job_spec, NULL, NULL)));
        TRY_J(api_json_int(spec, "successfulJobsHistoryLimit", s->successful_jobs_history_limit));
        TRY_J(api_json_int(spec, "failedJobsHistoryLimit", s->failed_jobs_history_limit));
        status = new_object();
        TRY_J(api_json_add(o, "status", status));
        if (c->status.active && c->status.active[0]) {
                json_object *a = json_object_new_array();
                TRY_J(api_json_add(status, "active", a));
                STRV_FOREACH(name, c->status.active) {
                        ManagedJob *j = manager_find_job(c->manager, managed_cron_job_namespace(c), *name);
                        json_object *ref = new_object();
                        if (!ref || json_object_array_add(a, ref) < 0)
                                return json_object_put(ref), NULL;
                        TRY_J(api_json_str(ref, "kind", "Job"));
                        TRY_J(api_json_str(ref, "namespace", managed_cron_job_namespace(c)));
                        TRY_J(api_json_str(ref, "name", *name));
                        if (j) {
                                TRY_J(api_json_str(ref, "uid", j->record.uid));
                                TRY_J(add_rv(ref, j->resource_version));
                        }
                        TRY_J(api_json_str(ref, "apiVersion", "batch/v1"));
                }
        }
        TRY_J(api_json_time(status, "lastScheduleTime", c->status.last_schedule_usec));
        TRY_J(api_json_time(status, "lastSuccessfulTime", c->status.last_successful_usec));
        return TAKE_PTR(o);
}
