/* SPDX-License-Identifier: Apache-2.0 */
/* A deep copy of a Job (a CronJob's jobTemplate becomes its Jobs). */
#include "job-copy.h"
#include "jobsd/strv.h"

/* A field added to one of these structures must be copied below (if it holds a pointer) before the
 * sizes are updated here. Checked where the layout is known (LP64; Quantity packed to 24 bytes). */
#if defined(__x86_64__) || defined(__aarch64__)
static_assert(sizeof(Quantity) == 24, "Quantity changed: update job-copy.c");
static_assert(sizeof(KeyValue) == 16, "KeyValue changed: update job-copy.c");
static_assert(sizeof(StrMap) == 16, "StrMap changed: update job-copy.c");
static_assert(sizeof(EnvVar) == 80, "EnvVar changed: update job-copy.c");
static_assert(sizeof(VolumeMount) == 32, "VolumeMount changed: update job-copy.c");
static_assert(sizeof(Resources) == 104, "Resources changed: update job-copy.c");
static_assert(sizeof(SecurityContext) == 72, "SecurityContext changed: update job-copy.c");
static_assert(sizeof(Container) == 264, "Container changed: update job-copy.c");
static_assert(sizeof(DownwardAPIItem) == 72, "DownwardAPIItem changed: update job-copy.c");
static_assert(sizeof(Volume) == 96, "Volume changed: update job-copy.c");
static_assert(sizeof(PodSpec) == 160, "PodSpec changed: update job-copy.c");
static_assert(sizeof(PodTemplate) == 192, "PodTemplate changed: update job-copy.c");
static_assert(sizeof(PodConditionPattern) == 16, "PodConditionPattern changed: update job-copy.c");
static_assert(sizeof(PodFailurePolicyRule) == 64, "PodFailurePolicyRule changed: update job-copy.c");
static_assert(sizeof(SuccessPolicyRule) == 16, "SuccessPolicyRule changed: update job-copy.c");
static_assert(sizeof(SelectorRequirement) == 24, "SelectorRequirement changed: update job-copy.c");
static_assert(sizeof(LabelSelector) == 40, "LabelSelector changed: update job-copy.c");
static_assert(sizeof(JobSpec) == 320, "JobSpec changed: update job-copy.c");
#endif

/* NULL stays NULL (an absent field), anything else is copied. */
static int copy_str(const char *s, char **ret) {
        *ret = NULL;
        if (!s)
                return 0;
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

static int copy_strv(char * const *l, char ***ret) {
        *ret = NULL;
        if (!l)
                return 0;
        *ret = strv_copy(l);
        return *ret ? 0 : -ENOMEM;
}

/* A plain array of n elements; NULL stays NULL. */
static int copy_array(const void *a, size_t n, size_t size, void **ret) {
        *ret = NULL;
        if (!a)
                return 0;
        *ret = calloc(n + 1, size);     /* +1: the loader allocates some with room for one more */
        if (!*ret)
                return -ENOMEM;
        if (n > 0)
                memcpy(*ret, a, n * size);
        return 0;
}

int str_map_copy(const StrMap *src, StrMap *ret) {
        StrMap m = {};

        for (size_t i = 0; i < src->n; i++) {
                int r = str_map_set(&m, src->items[i].key, src->items[i].value ?: "");
                if (r < 0) {
                        str_map_done(&m);
                        *ret = (StrMap) {};
                        return r;
                }
        }
        *ret = m;
        return 0;
}

/* Each function below first makes dst a byte copy with every pointer cleared, so that whatever it
 * fails on, dst can be freed by the model's own destructors. */

static int security_context_copy(const SecurityContext *s, SecurityContext *d) {
        *d = *s;
        d->capabilities_add = d->capabilities_drop = NULL;
        d->supplemental_groups = NULL;
        TRY(copy_strv(s->capabilities_add, &d->capabilities_add));
        TRY(copy_strv(s->capabilities_drop, &d->capabilities_drop));
        TRY(copy_array(s->supplemental_groups, s->n_supplemental_groups, sizeof(int64_t),
                       (void **) &d->supplemental_groups));
        return 0;
}

static int container_copy(const Container *s, Container *d) {
        *d = *s;
        d->name = d->image = d->working_dir = NULL;
        d->command = d->args = NULL;
        d->env = NULL;
        d->n_env = 0;
        d->volume_mounts = NULL;
        d->n_volume_mounts = 0;
        d->security_context.capabilities_add = d->security_context.capabilities_drop = NULL;
        d->security_context.supplemental_groups = NULL;

        TRY(copy_str(s->name, &d->name));
        TRY(copy_str(s->image, &d->image));
        TRY(copy_str(s->working_dir, &d->working_dir));
        TRY(copy_strv(s->command, &d->command));
        TRY(copy_strv(s->args, &d->args));
        if (s->env) {
                d->env = calloc(s->n_env + 1, sizeof(EnvVar));
                if (!d->env)
                        return -ENOMEM;
                for (size_t i = 0; i < s->n_env; i++) {
                        const EnvVar *a = s->env + i;
                        EnvVar *b = d->env + i;
                        *b = *a;
                        b->name = b->value = b->field_path = b->resource = b->container_name = NULL;
                        d->n_env++;
                        TRY(copy_str(a->name, &b->name));
                        TRY(copy_str(a->value, &b->value));
                        TRY(copy_str(a->field_path, &b->field_path));
                        TRY(copy_str(a->resource, &b->resource));
                        TRY(copy_str(a->container_name, &b->container_name));
                }
        }
        if (s->volume_mounts) {
                d->volume_mounts = calloc(s->n_volume_mounts + 1, sizeof(VolumeMount));
                if (!d->volume_mounts)
                        return -ENOMEM;
                for (size_t i = 0; i < s->n_volume_mounts; i++) {
                        const VolumeMount *a = s->volume_mounts + i;
                        VolumeMount *b = d->volume_mounts + i;
                        *b = *a;
                        b->name = b->mount_path = b->sub_path = NULL;
                        d->n_volume_mounts++;
                        TRY(copy_str(a->name, &b->name));
                        TRY(copy_str(a->mount_path, &b->mount_path));
                        TRY(copy_str(a->sub_path, &b->sub_path));
                }
        }
        return security_context_copy(&s->security_context, &d->security_context);
}

static int containers_copy(const Container *s, size_t n, Container **ret, size_t *ret_n) {
        *ret = NULL;
        *ret_n = 0;
        if (!s)
                return 0;
        *ret = calloc(n + 1, sizeof(Container));
        if (!*ret)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                (*ret_n)++;
                TRY(container_copy(s + i, *ret + i));
        }
        return 0;
}

static int volume_copy(const Volume *s, Volume *d) {
        *d = *s;
        d->name = d->host_path = d->host_path_type = NULL;
        d->items = NULL;
        d->n_items = 0;
        TRY(copy_str(s->name, &d->name));
        TRY(copy_str(s->host_path, &d->host_path));
        TRY(copy_str(s->host_path_type, &d->host_path_type));
        if (s->items) {
                d->items = calloc(s->n_items + 1, sizeof(DownwardAPIItem));
                if (!d->items)
                        return -ENOMEM;
                for (size_t i = 0; i < s->n_items; i++) {
                        const DownwardAPIItem *a = s->items + i;
                        DownwardAPIItem *b = d->items + i;
                        *b = *a;
                        b->path = b->field_path = b->resource = b->container_name = NULL;
                        d->n_items++;
                        TRY(copy_str(a->path, &b->path));
                        TRY(copy_str(a->field_path, &b->field_path));
                        TRY(copy_str(a->resource, &b->resource));
                        TRY(copy_str(a->container_name, &b->container_name));
                }
        }
        return 0;
}

static int pod_spec_copy(const PodSpec *s, PodSpec *d) {
        *d = *s;
        d->containers = d->init_containers = NULL;
        d->n_containers = d->n_init_containers = 0;
        d->volumes = NULL;
        d->n_volumes = 0;
        d->hostname = d->subdomain = NULL;
        d->security_context.capabilities_add = d->security_context.capabilities_drop = NULL;
        d->security_context.supplemental_groups = NULL;

        TRY(containers_copy(s->containers, s->n_containers, &d->containers, &d->n_containers));
        TRY(containers_copy(s->init_containers, s->n_init_containers, &d->init_containers, &d->n_init_containers));
        if (s->volumes) {
                d->volumes = calloc(s->n_volumes + 1, sizeof(Volume));
                if (!d->volumes)
                        return -ENOMEM;
                for (size_t i = 0; i < s->n_volumes; i++) {
                        d->n_volumes++;
                        TRY(volume_copy(s->volumes + i, d->volumes + i));
                }
        }
        TRY(copy_str(s->hostname, &d->hostname));
        TRY(copy_str(s->subdomain, &d->subdomain));
        return security_context_copy(&s->security_context, &d->security_context);
}

static int job_spec_copy_into(const JobSpec *s, JobSpec *d) {
        *d = *s;
        d->pod_failure_rules = NULL;
        d->n_pod_failure_rules = 0;
        d->success_rules = NULL;
        d->n_success_rules = 0;
        d->selector.match_labels = (StrMap) {};
        d->selector.match_expressions = NULL;
        d->selector.n_match_expressions = 0;
        d->managed_by = NULL;
        d->template.labels = d->template.annotations = (StrMap) {};
        d->template.spec = (PodSpec) {};

        if (s->pod_failure_rules) {
                d->pod_failure_rules = calloc(s->n_pod_failure_rules + 1, sizeof(PodFailurePolicyRule));
                if (!d->pod_failure_rules)
                        return -ENOMEM;
                for (size_t i = 0; i < s->n_pod_failure_rules; i++) {
                        const PodFailurePolicyRule *a = s->pod_failure_rules + i;
                        PodFailurePolicyRule *b = d->pod_failure_rules + i;
                        *b = *a;
                        b->container_name = NULL;
                        b->values = NULL;
                        b->on_pod_conditions = NULL;
                        b->n_on_pod_conditions = 0;
                        d->n_pod_failure_rules++;
                        TRY(copy_str(a->container_name, &b->container_name));
                        TRY(copy_array(a->values, a->n_values, sizeof(int32_t), (void **) &b->values));
                        if (a->on_pod_conditions) {
                                b->on_pod_conditions = calloc(a->n_on_pod_conditions + 1, sizeof(PodConditionPattern));
                                if (!b->on_pod_conditions)
                                        return -ENOMEM;
                                for (size_t j = 0; j < a->n_on_pod_conditions; j++) {
                                        b->n_on_pod_conditions++;
                                        TRY(copy_str(a->on_pod_conditions[j].type, &b->on_pod_conditions[j].type));
                                        TRY(copy_str(a->on_pod_conditions[j].status, &b->on_pod_conditions[j].status));
                                }
                        }
                }
        }
        if (s->success_rules) {
                d->success_rules = calloc(s->n_success_rules + 1, sizeof(SuccessPolicyRule));
                if (!d->success_rules)
                        return -ENOMEM;
                for (size_t i = 0; i < s->n_success_rules; i++) {
                        d->success_rules[i] = s->success_rules[i];
                        d->success_rules[i].succeeded_indexes = NULL;
                        d->n_success_rules++;
                        TRY(copy_str(s->success_rules[i].succeeded_indexes, &d->success_rules[i].succeeded_indexes));
                }
        }
        TRY(str_map_copy(&s->selector.match_labels, &d->selector.match_labels));
        if (s->selector.match_expressions) {
                d->selector.match_expressions = calloc(s->selector.n_match_expressions + 1, sizeof(SelectorRequirement));
                if (!d->selector.match_expressions)
                        return -ENOMEM;
                for (size_t i = 0; i < s->selector.n_match_expressions; i++) {
                        const SelectorRequirement *a = s->selector.match_expressions + i;
                        SelectorRequirement *b = d->selector.match_expressions + i;
                        *b = *a;
                        b->key = NULL;
                        b->values = NULL;
                        d->selector.n_match_expressions++;
                        TRY(copy_str(a->key, &b->key));
                        TRY(copy_strv(a->values, &b->values));
                }
        }
        TRY(copy_str(s->managed_by, &d->managed_by));
        TRY(str_map_copy(&s->template.labels, &d->template.labels));
        TRY(str_map_copy(&s->template.annotations, &d->template.annotations));
        return pod_spec_copy(&s->template.spec, &d->template.spec);
}

int job_spec_copy(const JobSpec *src, JobSpec *ret) {
        JobSpec d;
        int r;

        r = job_spec_copy_into(src, &d);
        if (r < 0) {
                job_spec_done(&d);
                *ret = (JobSpec) {};
                return r;
        }
        *ret = d;
        return 0;
}
