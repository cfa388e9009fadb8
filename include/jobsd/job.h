/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "jobsd/cron.h"
#include "jobsd/macro.h"
#include "jobsd/quantity.h"

/* The typed model of batch/v1 Job and CronJob manifests (spec §1, §2, §5). Integers use -1 for "unset"
 * (Kubernetes' nil) where the field is optional; job_apply_defaults() fills in Kubernetes' defaults, so
 * after loading every field has its effective value. Names are Kubernetes' field names in C case. */

#define UNSET (-1)

typedef struct KeyValue {
        char *key;
        char *value;
} KeyValue;

typedef struct StrMap {
        KeyValue *items;
        size_t n;
} StrMap;

void str_map_done(StrMap *m);
const char *str_map_get(const StrMap *m, const char *key);
int str_map_set(StrMap *m, const char *key, const char *value);

/* metadata.ownerReferences: kept as given (Kubernetes' fields), shown by the API. */
typedef struct OwnerReference {
        char *api_version;
        char *kind;
        char *name;
        char *uid;
        int controller;                 /* Tristate: -1 unset, 0 false, 1 true */
        int block_owner_deletion;       /* the same */
} OwnerReference;

typedef struct ObjectMeta {
        char *name;
        char *generate_name;
        char *namespace;
        StrMap labels;
        StrMap annotations;
        OwnerReference *owner_references;
        size_t n_owner_references;
} ObjectMeta;

typedef enum EnvSourceType {
        ENV_SOURCE_VALUE,
        ENV_SOURCE_FIELD_REF,
        ENV_SOURCE_RESOURCE_FIELD_REF,
} EnvSourceType;

typedef struct EnvVar {
        char *name;
        EnvSourceType source;
        char *value;                    /* ENV_SOURCE_VALUE (NULL = empty) */
        char *field_path;               /* ENV_SOURCE_FIELD_REF */
        char *resource;                 /* ENV_SOURCE_RESOURCE_FIELD_REF: limits.cpu, requests.memory … */
        char *container_name;
        Quantity divisor;
        bool has_divisor;
} EnvVar;

typedef struct VolumeMount {
        char *name;
        char *mount_path;
        char *sub_path;
        bool read_only;
} VolumeMount;

typedef struct Resources {
        Quantity limits_cpu, limits_memory, requests_cpu, requests_memory;
        bool has_limits_cpu, has_limits_memory, has_requests_cpu, has_requests_memory;
} Resources;

/* Tri-state booleans for securityContext: unset, false, true. */
typedef enum Tristate {
        TRISTATE_UNSET = -1,
        TRISTATE_FALSE = 0,
        TRISTATE_TRUE = 1,
} Tristate;

typedef struct SecurityContext {
        int64_t run_as_user;            /* UNSET */
        int64_t run_as_group;
        Tristate run_as_non_root;
        Tristate read_only_root_filesystem;
        Tristate allow_privilege_escalation;
        Tristate privileged;
        char **capabilities_add;
        char **capabilities_drop;
        /* pod level only */
        int64_t fs_group;
        int64_t *supplemental_groups;
        size_t n_supplemental_groups;
} SecurityContext;

typedef enum ContainerRestartPolicy {
        CONTAINER_RESTART_UNSET,
        CONTAINER_RESTART_ALWAYS,       /* init container as sidecar */
} ContainerRestartPolicy;

typedef enum PullPolicy {
        PULL_POLICY_UNSET,
        PULL_POLICY_ALWAYS,
        PULL_POLICY_IF_NOT_PRESENT,
        PULL_POLICY_NEVER,
        _PULL_POLICY_MAX,
} PullPolicy;

typedef struct Container {
        uint32_t line, column;          /* position in the manifest, 0-based, for diagnostics (a manifest
                                         * is far below 4 GiB) */
        char *name;
        char *image;
        char **command;
        char **args;
        char *working_dir;
        EnvVar *env;
        size_t n_env;
        VolumeMount *volume_mounts;
        size_t n_volume_mounts;
        Resources resources;
        SecurityContext security_context;
        ContainerRestartPolicy restart_policy;
        PullPolicy image_pull_policy;
} Container;

typedef enum VolumeType {
        VOLUME_HOST_PATH,
        VOLUME_EMPTY_DIR,
        VOLUME_DOWNWARD_API,
        _VOLUME_TYPE_MAX,
        _VOLUME_TYPE_INVALID = -EINVAL,
} VolumeType;

typedef struct DownwardAPIItem {
        char *path;
        char *field_path;
        char *resource;
        char *container_name;
        Quantity divisor;               /* resourceFieldRef.divisor, if has_divisor */
        bool has_divisor;
        int64_t mode;                   /* UNSET */
} DownwardAPIItem;

typedef struct Volume {
        char *name;
        VolumeType type;
        char *host_path;
        char *host_path_type;           /* "" DirectoryOrCreate Directory FileOrCreate File Socket CharDevice BlockDevice */
        bool medium_memory;             /* emptyDir medium: Memory */
        Quantity size_limit;
        bool has_size_limit;
        DownwardAPIItem *items;
        size_t n_items;
        int64_t default_mode;
} Volume;

typedef enum RestartPolicy {
        RESTART_POLICY_UNSET,
        RESTART_POLICY_NEVER,
        RESTART_POLICY_ON_FAILURE,
        RESTART_POLICY_ALWAYS,
        _RESTART_POLICY_MAX,
        _RESTART_POLICY_INVALID = -EINVAL,
} RestartPolicy;

typedef struct PodSpec {
        Container *containers;
        size_t n_containers;
        Container *init_containers;
        size_t n_init_containers;
        Volume *volumes;
        size_t n_volumes;
        RestartPolicy restart_policy;
        int64_t active_deadline_seconds;                /* UNSET */
        int64_t termination_grace_period_seconds;       /* default 30 */
        char *hostname;
        char *subdomain;
        SecurityContext security_context;
} PodSpec;

typedef struct PodTemplate {
        StrMap labels;
        StrMap annotations;
        PodSpec spec;
} PodTemplate;

typedef enum CompletionMode {
        COMPLETION_MODE_NON_INDEXED,
        COMPLETION_MODE_INDEXED,
        _COMPLETION_MODE_MAX,
} CompletionMode;

typedef enum PodFailurePolicyAction {
        POD_FAILURE_ACTION_FAIL_JOB,
        POD_FAILURE_ACTION_FAIL_INDEX,
        POD_FAILURE_ACTION_IGNORE,
        POD_FAILURE_ACTION_COUNT,
        _POD_FAILURE_ACTION_MAX,
        _POD_FAILURE_ACTION_INVALID = -EINVAL,
} PodFailurePolicyAction;

typedef enum ExitCodeOperator {
        EXIT_CODE_OPERATOR_IN,
        EXIT_CODE_OPERATOR_NOT_IN,
        _EXIT_CODE_OPERATOR_MAX,
        _EXIT_CODE_OPERATOR_INVALID = -EINVAL,
} ExitCodeOperator;

typedef struct PodConditionPattern {
        char *type;
        char *status;                   /* True False Unknown; default True */
} PodConditionPattern;

typedef struct PodFailurePolicyRule {
        PodFailurePolicyAction action;
        bool has_on_exit_codes;
        char *container_name;
        ExitCodeOperator operator;
        int32_t *values;
        size_t n_values;
        PodConditionPattern *on_pod_conditions;
        size_t n_on_pod_conditions;
        bool has_on_pod_conditions;
} PodFailurePolicyRule;

typedef struct SuccessPolicyRule {
        char *succeeded_indexes;        /* NULL = unset */
        int32_t succeeded_count;        /* UNSET */
        bool has_succeeded_count;       /* present in the manifest, even if invalid */
} SuccessPolicyRule;

typedef enum PodReplacementPolicy {
        POD_REPLACEMENT_UNSET,
        POD_REPLACEMENT_TERMINATING_OR_FAILED,
        POD_REPLACEMENT_FAILED,
        _POD_REPLACEMENT_MAX,
} PodReplacementPolicy;

typedef enum SelectorOperator {
        SELECTOR_IN,
        SELECTOR_NOT_IN,
        SELECTOR_EXISTS,
        SELECTOR_DOES_NOT_EXIST,
        _SELECTOR_OPERATOR_MAX,
} SelectorOperator;

typedef struct SelectorRequirement {
        char *key;
        SelectorOperator operator;
        char **values;
} SelectorRequirement;

typedef struct LabelSelector {
        bool set;
        StrMap match_labels;
        SelectorRequirement *match_expressions;
        size_t n_match_expressions;
} LabelSelector;

/* In an order without padding holes (a Job of each file is kept in memory). */
typedef struct JobSpec {
        int32_t parallelism;            /* default 1 */
        int32_t completions;            /* UNSET = work queue */
        CompletionMode completion_mode;
        PodReplacementPolicy pod_replacement_policy;
        int64_t active_deadline_seconds;
        int32_t backoff_limit;          /* default 6, or INT32_MAX with backoffLimitPerIndex */
        int32_t backoff_limit_per_index;
        int32_t max_failed_indexes;
        int32_t ttl_seconds_after_finished;
        bool has_pod_failure_policy;
        bool has_success_policy;
        bool manual_selector;
        bool suspend;
        PodFailurePolicyRule *pod_failure_rules;
        size_t n_pod_failure_rules;
        SuccessPolicyRule *success_rules;
        size_t n_success_rules;
        LabelSelector selector;
        char *managed_by;
        PodTemplate template;
} JobSpec;

typedef struct Job {
        ObjectMeta metadata;
        JobSpec spec;
} Job;

typedef enum ConcurrencyPolicy {
        CONCURRENCY_ALLOW,
        CONCURRENCY_FORBID,
        CONCURRENCY_REPLACE,
        _CONCURRENCY_POLICY_MAX,
        _CONCURRENCY_POLICY_INVALID = -EINVAL,
} ConcurrencyPolicy;

typedef struct CronJobSpec {
        char *schedule;
        CronSpec cron;
        char *time_zone;                /* NULL = the host's zone */
        int64_t starting_deadline_seconds;
        ConcurrencyPolicy concurrency_policy;
        bool suspend;
        int32_t successful_jobs_history_limit;  /* 3 */
        int32_t failed_jobs_history_limit;      /* 1 */
        StrMap job_labels;
        StrMap job_annotations;
        JobSpec job_spec;
} CronJobSpec;

typedef struct CronJob {
        ObjectMeta metadata;
        CronJobSpec spec;
} CronJob;

typedef enum ManifestKind {
        MANIFEST_JOB,
        MANIFEST_CRON_JOB,
        _MANIFEST_KIND_MAX,
} ManifestKind;

typedef struct Manifest {
        ManifestKind kind;
        char *api_version;
        char *file;
        size_t document;                /* 0-based index in its file */
        size_t line, column;            /* start of the document, 0-based */
        union {
                Job *job;
                CronJob *cron_job;
        };
} Manifest;

typedef struct ManifestList {
        Manifest *items;
        size_t n;
} ManifestList;

void job_spec_done(JobSpec *s);
Job *job_free(Job *j);
CronJob *cron_job_free(CronJob *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(Job *, job_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(CronJob *, cron_job_free);
void job_spec_init(JobSpec *s);
void container_init(Container *c);
void manifest_list_done(ManifestList *l);

/* Kubernetes' defaulting (spec §1.2, §2.1, §5.1), in one place. */
void job_spec_apply_defaults(JobSpec *s);
void cron_job_apply_defaults(CronJob *c);

const char *restart_policy_to_string(RestartPolicy p);
const char *completion_mode_to_string(CompletionMode m);
const char *pod_failure_action_to_string(PodFailurePolicyAction a);
const char *exit_code_operator_to_string(ExitCodeOperator o);
const char *pod_replacement_policy_to_string(PodReplacementPolicy p);
const char *concurrency_policy_to_string(ConcurrencyPolicy p);
const char *pull_policy_to_string(PullPolicy p);
/* The container or init container of that name (names are unique across both), or NULL. */
const Container *pod_spec_find_container(const PodSpec *s, const char *name);
const char *selector_operator_to_string(SelectorOperator o);
const char *manifest_kind_to_string(ManifestKind k);
