/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <inttypes.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "jobsd/io-util.h"
#include "jobsd/manifest.h"
#include "jobsd/strv.h"
#include "manifest-dispatch.h"
#include "manifest-validate.h"

/* The field tables of spec §1, §2 and §5: what we implement (a), accept with a warning (b) and refuse
 * (c). Every field Kubernetes 1.36 knows is listed, so that anything else is an unknown field, as with
 * kubectl's strict validation. */

#define NO_MEANING "it has no meaning on a single machine"
#define NO_CLUSTER_OBJECTS "it needs cluster objects (ConfigMap, Secret …) that jobsd does not have; use env values or hostPath volumes"
#define NO_CLUSTER_STORAGE "it needs cluster storage; use hostPath or emptyDir"

#define IGNORED(n) { n, NULL, 0, FIELD_IGNORED, NO_MEANING }
#define IGNORED_WHY(n, why) { n, NULL, 0, FIELD_IGNORED, why }
#define UNSUPPORTED(n, why) { n, NULL, 0, FIELD_UNSUPPORTED, why }
#define SILENT(n) { n, NULL, 0, FIELD_SILENT, NULL }

/* ---- metadata ---- */

static bool isempty(const char *s) {
        return !s || !*s;
}

static const FieldSpec owner_reference_fields[] = {
        { "apiVersion",         field_string,   offsetof(OwnerReference, api_version) },
        { "kind",               field_string,   offsetof(OwnerReference, kind) },
        { "name",               field_string,   offsetof(OwnerReference, name) },
        { "uid",                field_string,   offsetof(OwnerReference, uid) },
        { "controller",         field_tristate, offsetof(OwnerReference, controller) },
        { "blockOwnerDeletion", field_tristate, offsetof(OwnerReference, block_owner_deletion) },
        {}
};

static int field_owner_reference(Loader *l, const MNode *n, void *target) {
        OwnerReference *o = target;

        o->controller = o->block_owner_deletion = TRISTATE_UNSET;
        return dispatch_mapping(l, n, owner_reference_fields, target);
}

static int field_owner_references(Loader *l, const MNode *n, void *target) {
        ObjectMeta *m = (ObjectMeta *) ((uint8_t *) target - offsetof(ObjectMeta, owner_references));
        return dispatch_list(l, n, sizeof(OwnerReference), field_owner_reference, &m->owner_references,
                             &m->n_owner_references);
}

/* The version of an apiVersion as Kubernetes' schema.ParseGroupVersion reads it: "v1", "batch/v1";
 * empty for "batch/" or more than one slash. */
static bool api_version_has_version(const char *v) {
        const char *slash = strchr(strempty(v), '/');

        if (!slash)
                return !isempty(v);
        return slash[1] && !strchr(slash + 1, '/');
}

/* Kubernetes' ValidateOwnerReferences: its messages, at metadata.ownerReferences.<field>. */
static int validate_owner_references(Loader *l, const ObjectMeta *m) {
        const OwnerReference *controller = NULL;
        int r = 0;

        for (size_t i = 0; i < m->n_owner_references && r >= 0; i++) {
                const OwnerReference *o = m->owner_references + i;
                if (!api_version_has_version(o->api_version))
                        r = loader_error_path(l, "metadata.ownerReferences.apiVersion",
                                              "Invalid value: \"%s\": version must not be empty", strempty(o->api_version));
                if (r >= 0 && isempty(o->kind))
                        r = loader_error_path(l, "metadata.ownerReferences.kind", "Invalid value: \"\": kind must not be empty");
                if (r >= 0 && isempty(o->name))
                        r = loader_error_path(l, "metadata.ownerReferences.name", "Invalid value: \"\": name must not be empty");
                if (r >= 0 && isempty(o->uid))
                        r = loader_error_path(l, "metadata.ownerReferences.uid", "Invalid value: \"\": uid must not be empty");
                if (r >= 0 && o->controller == TRISTATE_TRUE) {
                        if (controller)
                                r = loader_error_path(l, "metadata.ownerReferences",
                                                      "Invalid value: Only one reference can have Controller set to true. "
                                                      "Found \"true\" in references for %s/%s and %s/%s",
                                                      strempty(controller->kind), strempty(controller->name),
                                                      strempty(o->kind), strempty(o->name));
                        else
                                controller = o;
                }
        }
        return r;
}

static const FieldSpec object_meta_fields[] = {
        { "name",            field_string,           offsetof(ObjectMeta, name) },
        { "generateName",    field_string,           offsetof(ObjectMeta, generate_name) },
        { "namespace",       field_string,           offsetof(ObjectMeta, namespace) },
        { "labels",          field_str_map,          offsetof(ObjectMeta, labels) },
        { "annotations",     field_str_map,          offsetof(ObjectMeta, annotations) },
        { "ownerReferences", field_owner_references, offsetof(ObjectMeta, owner_references) },
        IGNORED_WHY("finalizers", "jobsd tracks its pods itself"),
        SILENT("uid"), SILENT("resourceVersion"), SILENT("generation"), SILENT("creationTimestamp"),
        SILENT("deletionTimestamp"), SILENT("deletionGracePeriodSeconds"), SILENT("selfLink"),
        SILENT("managedFields"),
        {}
};

static int field_object_meta(Loader *l, const MNode *n, void *target) {
        int r = dispatch_mapping(l, n, object_meta_fields, target);
        return r < 0 ? r : validate_owner_references(l, target);
}

/* Template metadata: only labels and annotations matter for a pod. */
static const FieldSpec template_meta_fields[] = {
        { "labels",       field_str_map, offsetof(PodTemplate, labels) },
        { "annotations",  field_str_map, offsetof(PodTemplate, annotations) },
        IGNORED_WHY("name", "pods are named by the Job controller"),
        IGNORED_WHY("generateName", "pods are named by the Job controller"),
        IGNORED_WHY("namespace", "pods run in their Job's namespace"),
        IGNORED("ownerReferences"), IGNORED("finalizers"),
        SILENT("uid"), SILENT("resourceVersion"), SILENT("generation"), SILENT("creationTimestamp"),
        SILENT("deletionTimestamp"), SILENT("deletionGracePeriodSeconds"), SILENT("selfLink"),
        SILENT("managedFields"),
        {}
};

/* ---- containers ---- */

static const FieldSpec field_ref_fields[] = {
        { "fieldPath",  field_string, offsetof(EnvVar, field_path), FIELD_REQUIRED },
        { "apiVersion", field_any,    0 },
        {}
};

static const FieldSpec resource_field_ref_fields[] = {
        { "resource",      field_string,   offsetof(EnvVar, resource), FIELD_REQUIRED },
        { "containerName", field_string,   offsetof(EnvVar, container_name) },
        { "divisor",       field_quantity, offsetof(EnvVar, divisor) },
        {}
};

static int field_env_field_ref(Loader *l, const MNode *n, void *target) {
        EnvVar *e = (EnvVar *) ((uint8_t *) target - offsetof(EnvVar, source));

        e->source = ENV_SOURCE_FIELD_REF;
        return dispatch_mapping(l, n, field_ref_fields, e);
}

static int field_env_resource_field_ref(Loader *l, const MNode *n, void *target) {
        EnvVar *e = (EnvVar *) ((uint8_t *) target - offsetof(EnvVar, source));

        e->source = ENV_SOURCE_RESOURCE_FIELD_REF;
        e->has_divisor = mnode_get(n, "divisor") != NULL;
        return dispatch_mapping(l, n, resource_field_ref_fields, e);
}

static const FieldSpec env_source_fields[] = {
        { "fieldRef",         field_env_field_ref,          offsetof(EnvVar, source) },
        { "resourceFieldRef", field_env_resource_field_ref, offsetof(EnvVar, source) },
        UNSUPPORTED("configMapKeyRef", NO_CLUSTER_OBJECTS),
        UNSUPPORTED("secretKeyRef", NO_CLUSTER_OBJECTS),
        UNSUPPORTED("fileKeyRef", "file keys need a cluster volume source; use env values"),
        {}
};

static int field_env_value_from(Loader *l, const MNode *n, void *target) {
        int r;

        r = dispatch_mapping(l, n, env_source_fields, target);
        if (r < 0)
                return r;
        if (n->type == MNODE_MAPPING && n->n_children > 1)
                return loader_error(l, n, "Invalid value: may not have more than one field specified at a time");
        if (n->type == MNODE_MAPPING && n->n_children == 0)
                return loader_error(l, n, "Invalid value: must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`");
        return 0;
}

static const FieldSpec env_var_fields[] = {
        { "name",      field_string,         offsetof(EnvVar, name), FIELD_REQUIRED },
        { "value",     field_string,         offsetof(EnvVar, value) },
        { "valueFrom", field_env_value_from, 0 },
        {}
};

static int field_env_var(Loader *l, const MNode *n, void *target) {
        return dispatch_mapping(l, n, env_var_fields, target);
}

static int field_env(Loader *l, const MNode *n, void *target) {
        Container *c = (Container *) ((uint8_t *) target - offsetof(Container, env));
        return dispatch_list(l, n, sizeof(EnvVar), field_env_var, &c->env, &c->n_env);
}

static const FieldSpec volume_mount_fields[] = {
        { "name",      field_string, offsetof(VolumeMount, name), FIELD_REQUIRED },
        { "mountPath", field_string, offsetof(VolumeMount, mount_path), FIELD_REQUIRED },
        { "subPath",   field_string, offsetof(VolumeMount, sub_path) },
        { "readOnly",  field_bool,   offsetof(VolumeMount, read_only) },
        IGNORED_WHY("mountPropagation", "bind mounts of a unit are private"),
        IGNORED_WHY("recursiveReadOnly", "read-only bind mounts are recursive"),
        UNSUPPORTED("subPathExpr", "use subPath"),
        {}
};

static int field_volume_mount(Loader *l, const MNode *n, void *target) {
        return dispatch_mapping(l, n, volume_mount_fields, target);
}

static int field_volume_mounts(Loader *l, const MNode *n, void *target) {
        Container *c = (Container *) ((uint8_t *) target - offsetof(Container, volume_mounts));
        return dispatch_list(l, n, sizeof(VolumeMount), field_volume_mount, &c->volume_mounts, &c->n_volume_mounts);
}

/* cpu and memory are implemented; other resource names are accepted with a warning. */
static int field_resource_list(Loader *l, const MNode *n, Quantity *cpu, bool *has_cpu, Quantity *mem, bool *has_mem) {
        int r;

        if (!expect_type(l, n, MNODE_MAPPING))
                return 0;
        for (size_t i = 0; i < n->n_children; i++) {
                const MNode *v = n->children[i];
                Quantity q = {};
                bool is_cpu = streq(v->key->value, "cpu"), is_mem = streq(v->key->value, "memory");

                r = field_quantity(l, v, &q);
                if (r < 0)
                        return r;
                if (is_cpu)
                        *cpu = q, *has_cpu = true;
                else if (is_mem)
                        *mem = q, *has_mem = true;
                else {
                        r = loader_diag(l, DIAG_WARNING, v->key, v, NULL,
                                        "ignored by jobsd: only cpu and memory are enforced");
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int field_limits(Loader *l, const MNode *n, void *target) {
        Resources *res = target;
        return field_resource_list(l, n, &res->limits_cpu, &res->has_limits_cpu, &res->limits_memory, &res->has_limits_memory);
}

static int field_requests(Loader *l, const MNode *n, void *target) {
        Resources *res = target;
        return field_resource_list(l, n, &res->requests_cpu, &res->has_requests_cpu, &res->requests_memory, &res->has_requests_memory);
}

static const FieldSpec resources_fields[] = {
        { "limits",   field_limits,   0 },
        { "requests", field_requests, 0 },
        UNSUPPORTED("claims", "dynamic resource claims need a cluster"),
        {}
};

static int field_resources(Loader *l, const MNode *n, void *target) {
        return dispatch_mapping(l, n, resources_fields, target);
}

static const FieldSpec capabilities_fields[] = {
        { "add",  field_strv, offsetof(SecurityContext, capabilities_add) },
        { "drop", field_strv, offsetof(SecurityContext, capabilities_drop) },
        {}
};

static int field_capabilities(Loader *l, const MNode *n, void *target) {
        return dispatch_mapping(l, n, capabilities_fields, target);
}

static int field_id(Loader *l, const MNode *n, void *target) {
        int64_t v = UNSET;
        int r;

        r = field_int64(l, n, &v);
        if (r < 0 || v == UNSET)
                return r;
        if (v < 0 || v > INT32_MAX)
                return loader_error(l, n, "Invalid value: %" PRIi64 ": must be between 0 and 2147483647, inclusive", v);
        *(int64_t *) target = v;
        return 0;
}

static const FieldSpec container_security_context_fields[] = {
        { "runAsUser",                field_id,           offsetof(SecurityContext, run_as_user) },
        { "runAsGroup",               field_id,           offsetof(SecurityContext, run_as_group) },
        { "runAsNonRoot",             field_tristate,     offsetof(SecurityContext, run_as_non_root) },
        { "readOnlyRootFilesystem",   field_tristate,     offsetof(SecurityContext, read_only_root_filesystem) },
        { "allowPrivilegeEscalation", field_tristate,     offsetof(SecurityContext, allow_privilege_escalation) },
        { "privileged",               field_tristate,     offsetof(SecurityContext, privileged) },
        { "capabilities",             field_capabilities, 0 },
        IGNORED("seLinuxOptions"), IGNORED("windowsOptions"), IGNORED("procMount"), IGNORED("seccompProfile"),
        IGNORED("appArmorProfile"),
        {}
};

static int field_container_security_context(Loader *l, const MNode *n, void *target) {
        return dispatch_mapping(l, n, container_security_context_fields, target);
}

static int field_supplemental_groups(Loader *l, const MNode *n, void *target) {
        SecurityContext *s = target;
        int r;

        if (!expect_type(l, n, MNODE_SEQUENCE))
                return 0;
        free(s->supplemental_groups);
        s->supplemental_groups = calloc(n->n_children + 1, sizeof(int64_t));
        if (!s->supplemental_groups)
                return -ENOMEM;
        s->n_supplemental_groups = 0;
        for (size_t i = 0; i < n->n_children; i++) {
                int64_t v = UNSET;
                r = field_id(l, n->children[i], &v);
                if (r < 0)
                        return r;
                if (v != UNSET)
                        s->supplemental_groups[s->n_supplemental_groups++] = v;
        }
        return 0;
}

static const FieldSpec pod_security_context_fields[] = {
        { "runAsUser",          field_id,                  offsetof(SecurityContext, run_as_user) },
        { "runAsGroup",         field_id,                  offsetof(SecurityContext, run_as_group) },
        { "runAsNonRoot",       field_tristate,            offsetof(SecurityContext, run_as_non_root) },
        { "fsGroup",            field_id,                  offsetof(SecurityContext, fs_group) },
        { "supplementalGroups", field_supplemental_groups, 0 },
        IGNORED("seLinuxOptions"), IGNORED("windowsOptions"), IGNORED("seccompProfile"), IGNORED("appArmorProfile"),
        IGNORED("sysctls"), IGNORED("fsGroupChangePolicy"), IGNORED("supplementalGroupsPolicy"),
        IGNORED("seLinuxChangePolicy"),
        {}
};

static int field_pod_security_context(Loader *l, const MNode *n, void *target) {
        return dispatch_mapping(l, n, pod_security_context_fields, target);
}

static int field_container_restart_policy(Loader *l, const MNode *n, void *target) {
        if (!expect_string(l, n))
                return 0;
        if (streq(n->value, "Always")) {
                *(ContainerRestartPolicy *) target = CONTAINER_RESTART_ALWAYS;
                return 0;
        }
        return loader_error(l, n, "Unsupported value: \"%s\": supported values: \"Always\"", n->value);
}

static int field_pull_policy(Loader *l, const MNode *n, void *target) {
        if (!expect_string(l, n))
                return 0;
        for (PullPolicy p = PULL_POLICY_ALWAYS; p < _PULL_POLICY_MAX; p++)
                if (streq(n->value, pull_policy_to_string(p))) {
                        *(PullPolicy *) target = p;
                        return 0;
                }
        return loader_error(l, n, "Unsupported value: \"%s\": supported values: \"Always\", \"IfNotPresent\", \"Never\"", n->value);
}

/* Ports mean nothing here (the pod shares the host's network) but are validated as Kubernetes does. */
static int field_port(Loader *l, const MNode *n, void *target) {
        const MNode *p, *proto;
        int r;

        if (!expect_type(l, n, MNODE_MAPPING))
                return 0;
        for (size_t i = 0; i < n->n_children; i++) {
                const MNode *v = n->children[i];
                const char *k = v->key->value;
                if (!streq(k, "containerPort") && !streq(k, "hostPort") && !streq(k, "name") &&
                    !streq(k, "protocol") && !streq(k, "hostIP")) {
                        r = loader_diag(l, DIAG_ERROR, v->key, v, NULL, "unknown field");
                        if (r < 0)
                                return r;
                }
        }
        p = mnode_get(n, "containerPort");
        if (!p)
                return loader_diag(l, DIAG_ERROR, n, n, "containerPort", "Required value");
        if (p->type != MNODE_SCALAR || p->kind != MSCALAR_INT || p->int_overflow || p->int_value < 1 || p->int_value > 65535)
                return loader_error(l, p, "Invalid value: %s: must be between 1 and 65535, inclusive", p->value ?: "");
        proto = mnode_get(n, "protocol");
        if (proto && (!expect_string(l, proto) ||
                      !(streq(proto->value, "TCP") || streq(proto->value, "UDP") || streq(proto->value, "SCTP"))))
                return loader_error(l, proto, "Unsupported value: \"%s\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
                                    proto->value ?: "");
        return 0;
}

static int field_ports(Loader *l, const MNode *n, void *target) {
        int r;

        if (!expect_type(l, n, MNODE_SEQUENCE))
                return 0;
        for (size_t i = 0; i < n->n_children; i++) {
                r = field_port(l, n->children[i], NULL);
                if (r < 0)
                        return r;
        }
        return 0;
}

static const FieldSpec container_fields[] = {
        { "name",            field_string,                     offsetof(Container, name), FIELD_REQUIRED },
        { "image",           field_string,                     offsetof(Container, image) },
        { "command",         field_strv,                       offsetof(Container, command) },
        { "args",            field_strv,                       offsetof(Container, args) },
        { "workingDir",      field_string,                     offsetof(Container, working_dir) },
        { "env",             field_env,                        offsetof(Container, env) },
        { "volumeMounts",    field_volume_mounts,              offsetof(Container, volume_mounts) },
        { "resources",       field_resources,                  offsetof(Container, resources) },
        { "securityContext", field_container_security_context, offsetof(Container, security_context) },
        { "restartPolicy",   field_container_restart_policy,   offsetof(Container, restart_policy) },
        /* Honored on the podman runtime (docs/containers.md); like image, it means nothing on the host. */
        { "imagePullPolicy", field_pull_policy,                offsetof(Container, image_pull_policy) },
        { "ports",           field_ports,                      0, FIELD_IGNORED, "pods share the host's network" },
        UNSUPPORTED("envFrom", NO_CLUSTER_OBJECTS),
        UNSUPPORTED("volumeDevices", "raw block volumes need cluster storage"),
        UNSUPPORTED("restartPolicyRules", "an alpha feature jobsd does not implement"),
        IGNORED("livenessProbe"), IGNORED("readinessProbe"), IGNORED("startupProbe"), IGNORED("lifecycle"),
        IGNORED("resizePolicy"), IGNORED("terminationMessagePath"), IGNORED("terminationMessagePolicy"),
        IGNORED("stdin"), IGNORED("stdinOnce"), IGNORED("tty"),
        {}
};

static int field_container(Loader *l, const MNode *n, void *target) {
        container_init(target);
        ((Container *) target)->line = n->line;
        ((Container *) target)->column = n->column;
        return dispatch_mapping(l, n, container_fields, target);
}

static int field_containers(Loader *l, const MNode *n, void *target) {
        PodSpec *s = (PodSpec *) ((uint8_t *) target - offsetof(PodSpec, containers));
        return dispatch_list(l, n, sizeof(Container), field_container, &s->containers, &s->n_containers);
}

static int field_init_containers(Loader *l, const MNode *n, void *target) {
        PodSpec *s = (PodSpec *) ((uint8_t *) target - offsetof(PodSpec, init_containers));
        return dispatch_list(l, n, sizeof(Container), field_container, &s->init_containers, &s->n_init_containers);
}

/* ---- volumes ---- */

static const FieldSpec host_path_fields[] = {
        { "path", field_string, offsetof(Volume, host_path), FIELD_REQUIRED },
        { "type", field_string, offsetof(Volume, host_path_type) },
        {}
};

static int set_volume_type(Loader *l, const MNode *n, Volume *v, VolumeType t) {
        if (v->type != _VOLUME_TYPE_INVALID)
                return loader_error(l, n, "Forbidden: may not specify more than 1 volume type");
        v->type = t;
        return 0;
}

static int field_host_path(Loader *l, const MNode *n, void *target) {
        int r = set_volume_type(l, n, target, VOLUME_HOST_PATH);
        if (r < 0)
                return r;
        return dispatch_mapping(l, n, host_path_fields, target);
}

static int field_medium(Loader *l, const MNode *n, void *target) {
        if (!expect_string(l, n))
                return 0;
        if (streq(n->value, "Memory"))
                *(bool *) target = true;
        else if (!streq(n->value, ""))
                return loader_error(l, n, "Unsupported value: \"%s\": supported values: \"\", \"Memory\"", n->value);
        return 0;
}

static int field_size_limit(Loader *l, const MNode *n, void *target) {
        Volume *v = (Volume *) ((uint8_t *) target - offsetof(Volume, size_limit));
        v->has_size_limit = true;
        return field_quantity(l, n, target);
}

static const FieldSpec empty_dir_fields[] = {
        { "medium",    field_medium,     offsetof(Volume, medium_memory) },
        { "sizeLimit", field_size_limit, offsetof(Volume, size_limit) },
        {}
};

static int field_empty_dir(Loader *l, const MNode *n, void *target) {
        int r = set_volume_type(l, n, target, VOLUME_EMPTY_DIR);
        if (r < 0)
                return r;
        return dispatch_mapping(l, n, empty_dir_fields, target);
}

static int field_item_field_ref(Loader *l, const MNode *n, void *target) {
        static const FieldSpec t[] = {
                { "fieldPath",  field_string, offsetof(DownwardAPIItem, field_path), FIELD_REQUIRED },
                { "apiVersion", field_any,    0 },
                {}
        };
        return dispatch_mapping(l, n, t, target);
}

static int field_item_resource_field_ref(Loader *l, const MNode *n, void *target) {
        static const FieldSpec t[] = {
                { "resource",      field_string, offsetof(DownwardAPIItem, resource), FIELD_REQUIRED },
                { "containerName", field_string, offsetof(DownwardAPIItem, container_name) },
                { "divisor",       field_quantity, offsetof(DownwardAPIItem, divisor) },
                {}
        };
        ((DownwardAPIItem *) target)->has_divisor = mnode_get(n, "divisor") != NULL;
        return dispatch_mapping(l, n, t, target);
}

static const FieldSpec downward_api_item_fields[] = {
        { "path",             field_string,                  offsetof(DownwardAPIItem, path), FIELD_REQUIRED },
        { "fieldRef",         field_item_field_ref,          0 },
        { "resourceFieldRef", field_item_resource_field_ref, 0 },
        { "mode",             field_int64,                   offsetof(DownwardAPIItem, mode) },
        {}
};

static int field_downward_api_item(Loader *l, const MNode *n, void *target) {
        ((DownwardAPIItem *) target)->mode = UNSET;
        return dispatch_mapping(l, n, downward_api_item_fields, target);
}

static int field_downward_api_items(Loader *l, const MNode *n, void *target) {
        Volume *v = (Volume *) ((uint8_t *) target - offsetof(Volume, items));
        return dispatch_list(l, n, sizeof(DownwardAPIItem), field_downward_api_item, &v->items, &v->n_items);
}

static const FieldSpec downward_api_fields[] = {
        { "items",       field_downward_api_items, offsetof(Volume, items) },
        { "defaultMode", field_int64,              offsetof(Volume, default_mode) },
        {}
};

static int field_downward_api(Loader *l, const MNode *n, void *target) {
        int r = set_volume_type(l, n, target, VOLUME_DOWNWARD_API);
        if (r < 0)
                return r;
        return dispatch_mapping(l, n, downward_api_fields, target);
}

static const FieldSpec volume_fields[] = {
        { "name",        field_string,       offsetof(Volume, name), FIELD_REQUIRED },
        { "hostPath",    field_host_path,    0 },
        { "emptyDir",    field_empty_dir,    0 },
        { "downwardAPI", field_downward_api, 0 },
        UNSUPPORTED("persistentVolumeClaim", NO_CLUSTER_STORAGE),
        UNSUPPORTED("ephemeral", NO_CLUSTER_STORAGE),
        UNSUPPORTED("csi", NO_CLUSTER_STORAGE),
        UNSUPPORTED("nfs", NO_CLUSTER_STORAGE " (mount the share on the host and use hostPath)"),
        UNSUPPORTED("iscsi", NO_CLUSTER_STORAGE),
        UNSUPPORTED("rbd", NO_CLUSTER_STORAGE),
        UNSUPPORTED("cephfs", NO_CLUSTER_STORAGE),
        UNSUPPORTED("glusterfs", NO_CLUSTER_STORAGE),
        UNSUPPORTED("fc", NO_CLUSTER_STORAGE),
        UNSUPPORTED("flocker", NO_CLUSTER_STORAGE),
        UNSUPPORTED("flexVolume", NO_CLUSTER_STORAGE),
        UNSUPPORTED("awsElasticBlockStore", NO_CLUSTER_STORAGE),
        UNSUPPORTED("gcePersistentDisk", NO_CLUSTER_STORAGE),
        UNSUPPORTED("azureDisk", NO_CLUSTER_STORAGE),
        UNSUPPORTED("azureFile", NO_CLUSTER_STORAGE),
        UNSUPPORTED("vsphereVolume", NO_CLUSTER_STORAGE),
        UNSUPPORTED("cinder", NO_CLUSTER_STORAGE),
        UNSUPPORTED("photonPersistentDisk", NO_CLUSTER_STORAGE),
        UNSUPPORTED("portworxVolume", NO_CLUSTER_STORAGE),
        UNSUPPORTED("scaleIO", NO_CLUSTER_STORAGE),
        UNSUPPORTED("storageos", NO_CLUSTER_STORAGE),
        UNSUPPORTED("quobyte", NO_CLUSTER_STORAGE),
        UNSUPPORTED("gitRepo", "gitRepo is deprecated; clone in an init container into an emptyDir"),
        UNSUPPORTED("image", "image volumes need an image runtime"),
        UNSUPPORTED("configMap", NO_CLUSTER_OBJECTS),
        UNSUPPORTED("secret", NO_CLUSTER_OBJECTS),
        UNSUPPORTED("projected", NO_CLUSTER_OBJECTS),
        {}
};

static int field_volume(Loader *l, const MNode *n, void *target) {
        Volume *v = target;
        int r;

        v->type = _VOLUME_TYPE_INVALID;
        v->default_mode = UNSET;
        r = dispatch_mapping(l, n, volume_fields, target);
        if (r < 0)
                return r;
        /* A volume with no source is an emptyDir, as the API server defaults it. */
        if (v->type == _VOLUME_TYPE_INVALID && n->type == MNODE_MAPPING) {
                bool other = false;
                for (size_t i = 0; i < n->n_children; i++)
                        if (!streq(n->children[i]->key->value, "name"))
                                other = true;
                if (!other)
                        v->type = VOLUME_EMPTY_DIR;
        }
        return 0;
}

static int field_volumes(Loader *l, const MNode *n, void *target) {
        PodSpec *s = (PodSpec *) ((uint8_t *) target - offsetof(PodSpec, volumes));
        return dispatch_list(l, n, sizeof(Volume), field_volume, &s->volumes, &s->n_volumes);
}

/* ---- pod spec ---- */

static int field_restart_policy(Loader *l, const MNode *n, void *target) {
        if (!expect_string(l, n))
                return 0;
        for (RestartPolicy p = RESTART_POLICY_NEVER; p < _RESTART_POLICY_MAX; p++)
                if (streq(n->value, restart_policy_to_string(p))) {
                        *(RestartPolicy *) target = p;
                        return 0;
                }
        *(RestartPolicy *) target = _RESTART_POLICY_INVALID;
        return loader_error(l, n, "Unsupported value: \"%s\": supported values: \"OnFailure\", \"Never\"", n->value);
}

static int field_pod_deadline(Loader *l, const MNode *n, void *target) {
        int64_t v = UNSET;
        int r;

        r = field_int64(l, n, &v);
        if (r < 0 || v == UNSET)
                return r;
        if (v < 1 || v > INT32_MAX)
                return loader_error(l, n, "Invalid value: %" PRIi64 ": must be between 1 and 2147483647, inclusive", v);
        *(int64_t *) target = v;
        return 0;
}

static const FieldSpec pod_spec_fields[] = {
        { "containers",                    field_containers,           offsetof(PodSpec, containers), FIELD_REQUIRED },
        { "initContainers",                field_init_containers,      offsetof(PodSpec, init_containers) },
        { "volumes",                       field_volumes,              offsetof(PodSpec, volumes) },
        { "restartPolicy",                 field_restart_policy,       offsetof(PodSpec, restart_policy) },
        { "activeDeadlineSeconds",         field_pod_deadline,         offsetof(PodSpec, active_deadline_seconds) },
        { "terminationGracePeriodSeconds", field_int64_nonneg,         offsetof(PodSpec, termination_grace_period_seconds) },
        { "hostname",                      field_string,               offsetof(PodSpec, hostname) },
        { "subdomain",                     field_string,               offsetof(PodSpec, subdomain) },
        { "securityContext",               field_pod_security_context, offsetof(PodSpec, security_context) },
        IGNORED("nodeSelector"), IGNORED("nodeName"), IGNORED("affinity"), IGNORED("tolerations"),
        IGNORED("topologySpreadConstraints"), IGNORED("schedulerName"), IGNORED("priority"),
        IGNORED("priorityClassName"), IGNORED("preemptionPolicy"), IGNORED("runtimeClassName"), IGNORED("overhead"),
        IGNORED("serviceAccountName"), IGNORED("serviceAccount"), IGNORED("automountServiceAccountToken"),
        IGNORED("imagePullSecrets"), IGNORED("dnsPolicy"), IGNORED("dnsConfig"), IGNORED("hostAliases"),
        IGNORED("enableServiceLinks"), IGNORED("setHostnameAsFQDN"), IGNORED("readinessGates"),
        IGNORED("schedulingGates"), IGNORED("os"), IGNORED("hostUsers"),
        IGNORED_WHY("hostNetwork", "pods always share the host's network"),
        IGNORED_WHY("hostPID", "pods always share the host's process namespace"),
        IGNORED_WHY("hostIPC", "pods always share the host's IPC namespace"),
        IGNORED("shareProcessNamespace"),
        IGNORED_WHY("resources", "pod-level resources are not enforced; set container resources"),
        UNSUPPORTED("ephemeralContainers", "ephemeral containers are attached to running pods by a cluster"),
        UNSUPPORTED("resourceClaims", "dynamic resource claims need a cluster"),
        {}
};

static int field_pod_spec(Loader *l, const MNode *n, void *target) {
        return dispatch_mapping(l, n, pod_spec_fields, target);
}

static int field_template_metadata(Loader *l, const MNode *n, void *target) {
        return dispatch_mapping(l, n, template_meta_fields, target);
}

static const FieldSpec pod_template_fields[] = {
        { "metadata", field_template_metadata, 0 },
        { "spec",     field_pod_spec,          offsetof(PodTemplate, spec), FIELD_REQUIRED },
        {}
};

static int field_pod_template(Loader *l, const MNode *n, void *target) {
        return dispatch_mapping(l, n, pod_template_fields, target);
}

/* ---- job spec ---- */

static int field_completion_mode(Loader *l, const MNode *n, void *target) {
        if (!expect_string(l, n))
                return 0;
        for (CompletionMode m = 0; m < _COMPLETION_MODE_MAX; m++)
                if (streq(n->value, completion_mode_to_string(m))) {
                        *(CompletionMode *) target = m;
                        return 0;
                }
        return loader_error(l, n, "Unsupported value: \"%s\": supported values: \"NonIndexed\", \"Indexed\"", n->value);
}

static int field_pod_replacement_policy(Loader *l, const MNode *n, void *target) {
        if (!expect_string(l, n))
                return 0;
        for (PodReplacementPolicy p = POD_REPLACEMENT_TERMINATING_OR_FAILED; p < _POD_REPLACEMENT_MAX; p++)
                if (streq(n->value, pod_replacement_policy_to_string(p))) {
                        *(PodReplacementPolicy *) target = p;
                        return 0;
                }
        return loader_error(l, n, "Unsupported value: \"%s\": supported values: \"Failed\", \"TerminatingOrFailed\"", n->value);
}

static int field_action(Loader *l, const MNode *n, void *target) {
        if (!expect_string(l, n))
                return 0;
        for (PodFailurePolicyAction a = 0; a < _POD_FAILURE_ACTION_MAX; a++)
                if (streq(n->value, pod_failure_action_to_string(a))) {
                        *(PodFailurePolicyAction *) target = a;
                        return 0;
                }
        return loader_error(l, n, "Unsupported value: \"%s\": supported values: \"Count\", \"FailIndex\", \"FailJob\", \"Ignore\"", n->value);
}

static int field_exit_operator(Loader *l, const MNode *n, void *target) {
        if (!expect_string(l, n))
                return 0;
        for (ExitCodeOperator o = 0; o < _EXIT_CODE_OPERATOR_MAX; o++)
                if (streq(n->value, exit_code_operator_to_string(o))) {
                        *(ExitCodeOperator *) target = o;
                        return 0;
                }
        return loader_error(l, n, "Unsupported value: \"%s\": supported values: \"In\", \"NotIn\"", n->value);
}

static int field_exit_values(Loader *l, const MNode *n, void *target) {
        PodFailurePolicyRule *rule = (PodFailurePolicyRule *) ((uint8_t *) target - offsetof(PodFailurePolicyRule, values));
        int r;

        if (!expect_type(l, n, MNODE_SEQUENCE))
                return 0;
        rule->values = calloc(n->n_children + 1, sizeof(int32_t));
        if (!rule->values)
                return -ENOMEM;
        rule->n_values = 0;
        for (size_t i = 0; i < n->n_children; i++) {
                int32_t v = 0;
                const MNode *c = n->children[i];
                if (c->type != MNODE_SCALAR || c->kind != MSCALAR_INT) {
                        r = loader_error(l, c, "must be an integer, not %s", mnode_type_to_string(c));
                        if (r < 0)
                                return r;
                        continue;
                }
                r = field_int32(l, c, &v);
                if (r < 0)
                        return r;
                rule->values[rule->n_values++] = v;
        }
        return 0;
}

static const FieldSpec on_exit_codes_fields[] = {
        { "containerName", field_string,        offsetof(PodFailurePolicyRule, container_name) },
        { "operator",      field_exit_operator, offsetof(PodFailurePolicyRule, operator), FIELD_REQUIRED },
        { "values",        field_exit_values,   offsetof(PodFailurePolicyRule, values), FIELD_REQUIRED },
        {}
};

static int field_on_exit_codes(Loader *l, const MNode *n, void *target) {
        PodFailurePolicyRule *rule = target;

        rule->has_on_exit_codes = true;
        rule->operator = _EXIT_CODE_OPERATOR_INVALID;
        return dispatch_mapping(l, n, on_exit_codes_fields, target);
}

static const FieldSpec pod_condition_pattern_fields[] = {
        { "type",   field_string, offsetof(PodConditionPattern, type), FIELD_REQUIRED },
        { "status", field_string, offsetof(PodConditionPattern, status) },
        {}
};

static int field_pod_condition_pattern(Loader *l, const MNode *n, void *target) {
        return dispatch_mapping(l, n, pod_condition_pattern_fields, target);
}

static int field_on_pod_conditions(Loader *l, const MNode *n, void *target) {
        PodFailurePolicyRule *rule = target;

        rule->has_on_pod_conditions = true;
        return dispatch_list(l, n, sizeof(PodConditionPattern), field_pod_condition_pattern,
                             &rule->on_pod_conditions, &rule->n_on_pod_conditions);
}

static const FieldSpec pod_failure_rule_fields[] = {
        { "action",          field_action,            offsetof(PodFailurePolicyRule, action), FIELD_REQUIRED },
        { "onExitCodes",     field_on_exit_codes,     0 },
        { "onPodConditions", field_on_pod_conditions, 0 },
        {}
};

static int field_pod_failure_rule(Loader *l, const MNode *n, void *target) {
        ((PodFailurePolicyRule *) target)->action = _POD_FAILURE_ACTION_INVALID;
        return dispatch_mapping(l, n, pod_failure_rule_fields, target);
}

static int field_pod_failure_rules(Loader *l, const MNode *n, void *target) {
        JobSpec *s = target;
        return dispatch_list(l, n, sizeof(PodFailurePolicyRule), field_pod_failure_rule,
                             &s->pod_failure_rules, &s->n_pod_failure_rules);
}

static const FieldSpec pod_failure_policy_fields[] = {
        { "rules", field_pod_failure_rules, 0, FIELD_REQUIRED },
        {}
};

static int field_pod_failure_policy(Loader *l, const MNode *n, void *target) {
        ((JobSpec *) target)->has_pod_failure_policy = true;
        return dispatch_mapping(l, n, pod_failure_policy_fields, target);
}

/* spec §1.3: ≥ 0 ("Invalid value: -1: must be greater than or equal to 0"); present even when invalid,
 * so that the rule is not also reported as having neither field. */
static int field_succeeded_count(Loader *l, const MNode *n, void *target) {
        SuccessPolicyRule *r = target;

        r->has_succeeded_count = true;
        return field_int32_nonneg(l, n, &r->succeeded_count);
}

static const FieldSpec success_rule_fields[] = {
        { "succeededIndexes", field_string,       offsetof(SuccessPolicyRule, succeeded_indexes) },
        { "succeededCount",   field_succeeded_count, 0 },
        {}
};

static int field_success_rule(Loader *l, const MNode *n, void *target) {
        ((SuccessPolicyRule *) target)->succeeded_count = UNSET;
        return dispatch_mapping(l, n, success_rule_fields, target);
}

static int field_success_rules(Loader *l, const MNode *n, void *target) {
        JobSpec *s = target;
        return dispatch_list(l, n, sizeof(SuccessPolicyRule), field_success_rule, &s->success_rules, &s->n_success_rules);
}

static const FieldSpec success_policy_fields[] = {
        { "rules", field_success_rules, 0, FIELD_REQUIRED },
        {}
};

static int field_success_policy(Loader *l, const MNode *n, void *target) {
        ((JobSpec *) target)->has_success_policy = true;
        return dispatch_mapping(l, n, success_policy_fields, target);
}

static int field_selector_operator(Loader *l, const MNode *n, void *target) {
        if (!expect_string(l, n))
                return 0;
        for (SelectorOperator o = 0; o < _SELECTOR_OPERATOR_MAX; o++)
                if (streq(n->value, selector_operator_to_string(o))) {
                        *(SelectorOperator *) target = o;
                        return 0;
                }
        return loader_error(l, n, "Unsupported value: \"%s\": supported values: \"In\", \"NotIn\", \"Exists\", \"DoesNotExist\"", n->value);
}

static const FieldSpec selector_requirement_fields[] = {
        { "key",      field_string,            offsetof(SelectorRequirement, key), FIELD_REQUIRED },
        { "operator", field_selector_operator, offsetof(SelectorRequirement, operator), FIELD_REQUIRED },
        { "values",   field_strv,              offsetof(SelectorRequirement, values) },
        {}
};

static int field_selector_requirement(Loader *l, const MNode *n, void *target) {
        return dispatch_mapping(l, n, selector_requirement_fields, target);
}

static int field_match_expressions(Loader *l, const MNode *n, void *target) {
        LabelSelector *s = target;
        return dispatch_list(l, n, sizeof(SelectorRequirement), field_selector_requirement,
                             &s->match_expressions, &s->n_match_expressions);
}

static const FieldSpec selector_fields[] = {
        { "matchLabels",      field_str_map,           offsetof(LabelSelector, match_labels) },
        { "matchExpressions", field_match_expressions, 0 },
        {}
};

static int field_selector(Loader *l, const MNode *n, void *target) {
        ((LabelSelector *) target)->set = true;
        return dispatch_mapping(l, n, selector_fields, target);
}

static const FieldSpec job_spec_fields[] = {
        { "parallelism",             field_int32_nonneg,           offsetof(JobSpec, parallelism) },
        { "completions",             field_int32_nonneg,           offsetof(JobSpec, completions) },
        { "completionMode",          field_completion_mode,        offsetof(JobSpec, completion_mode) },
        { "activeDeadlineSeconds",   field_int64_nonneg,           offsetof(JobSpec, active_deadline_seconds) },
        { "backoffLimit",            field_int32_nonneg,           offsetof(JobSpec, backoff_limit) },
        { "backoffLimitPerIndex",    field_int32_nonneg,           offsetof(JobSpec, backoff_limit_per_index) },
        { "maxFailedIndexes",        field_int32_nonneg,           offsetof(JobSpec, max_failed_indexes) },
        { "podFailurePolicy",        field_pod_failure_policy,     0 },
        { "successPolicy",           field_success_policy,         0 },
        { "podReplacementPolicy",    field_pod_replacement_policy, offsetof(JobSpec, pod_replacement_policy) },
        { "selector",                field_selector,               offsetof(JobSpec, selector) },
        { "manualSelector",          field_bool,                   offsetof(JobSpec, manual_selector) },
        { "suspend",                 field_bool,                   offsetof(JobSpec, suspend) },
        { "ttlSecondsAfterFinished", field_int32_nonneg,           offsetof(JobSpec, ttl_seconds_after_finished) },
        { "managedBy",               field_string,                 offsetof(JobSpec, managed_by) },
        { "template",                field_pod_template,           offsetof(JobSpec, template), FIELD_REQUIRED },
        {}
};

static int field_job_spec(Loader *l, const MNode *n, void *target) {
        return dispatch_mapping(l, n, job_spec_fields, target);
}

/* ---- cronjob spec ---- */

static int field_concurrency_policy(Loader *l, const MNode *n, void *target) {
        if (!expect_string(l, n))
                return 0;
        for (ConcurrencyPolicy p = 0; p < _CONCURRENCY_POLICY_MAX; p++)
                if (streq(n->value, concurrency_policy_to_string(p))) {
                        *(ConcurrencyPolicy *) target = p;
                        return 0;
                }
        return loader_error(l, n, "Unsupported value: \"%s\": supported values: \"Allow\", \"Forbid\", \"Replace\"", n->value);
}

static const FieldSpec job_template_meta_fields[] = {
        { "labels",      field_str_map, offsetof(CronJobSpec, job_labels) },
        { "annotations", field_str_map, offsetof(CronJobSpec, job_annotations) },
        IGNORED_WHY("name", "Jobs of a CronJob are named after it and their scheduled time"),
        IGNORED_WHY("generateName", "Jobs of a CronJob are named after it and their scheduled time"),
        IGNORED_WHY("namespace", "Jobs run in their CronJob's namespace"),
        IGNORED("ownerReferences"), IGNORED("finalizers"),
        SILENT("uid"), SILENT("resourceVersion"), SILENT("generation"), SILENT("creationTimestamp"),
        SILENT("deletionTimestamp"), SILENT("deletionGracePeriodSeconds"), SILENT("selfLink"),
        SILENT("managedFields"),
        {}
};

static int field_job_template_metadata(Loader *l, const MNode *n, void *target) {
        return dispatch_mapping(l, n, job_template_meta_fields, target);
}

static const FieldSpec job_template_fields[] = {
        { "metadata", field_job_template_metadata, 0 },
        { "spec",     field_job_spec,              offsetof(CronJobSpec, job_spec), FIELD_REQUIRED },
        {}
};

static int field_job_template(Loader *l, const MNode *n, void *target) {
        return dispatch_mapping(l, n, job_template_fields, target);
}

static const FieldSpec cron_job_spec_fields[] = {
        { "schedule",                   field_string,             offsetof(CronJobSpec, schedule), FIELD_REQUIRED },
        { "timeZone",                   field_string,             offsetof(CronJobSpec, time_zone) },
        { "startingDeadlineSeconds",    field_int64_nonneg,       offsetof(CronJobSpec, starting_deadline_seconds) },
        { "concurrencyPolicy",          field_concurrency_policy, offsetof(CronJobSpec, concurrency_policy) },
        { "suspend",                    field_bool,               offsetof(CronJobSpec, suspend) },
        { "successfulJobsHistoryLimit", field_int32_nonneg,       offsetof(CronJobSpec, successful_jobs_history_limit) },
        { "failedJobsHistoryLimit",     field_int32_nonneg,       offsetof(CronJobSpec, failed_jobs_history_limit) },
        { "jobTemplate",                field_job_template,       0, FIELD_REQUIRED },
        {}
};

static int field_cron_job_spec(Loader *l, const MNode *n, void *target) {
        return dispatch_mapping(l, n, cron_job_spec_fields, target);
}

/* ---- top level ---- */

static const FieldSpec job_fields[] = {
        { "apiVersion", NULL,              0 },
        { "kind",       NULL,              0 },
        { "metadata",   field_object_meta, offsetof(Job, metadata), FIELD_REQUIRED },
        { "spec",       field_job_spec,    offsetof(Job, spec), FIELD_REQUIRED },
        SILENT("status"),
        {}
};

static const FieldSpec cron_job_fields[] = {
        { "apiVersion", NULL,                0 },
        { "kind",       NULL,                0 },
        { "metadata",   field_object_meta,   offsetof(CronJob, metadata), FIELD_REQUIRED },
        { "spec",       field_cron_job_spec, offsetof(CronJob, spec), FIELD_REQUIRED },
        SILENT("status"),
        {}
};

static int manifest_list_add(ManifestList *list, const Manifest *m) {
        Manifest *n;

        n = realloc(list->items, sizeof(Manifest) * (list->n + 1));
        if (!n)
                return -ENOMEM;
        list->items = n;
        list->items[list->n++] = *m;
        return 0;
}

static int load_document(Loader *l, const MDocument *d, size_t index, ManifestList *list) {
        const MNode *root = d->root, *kind, *api;
        size_t errors_before = diag_list_count(l->diags, DIAG_ERROR);
        Manifest m = { .document = index, .line = d->line, .column = d->column };
        int r;

        l->root = root;
        if (!root || (root->type == MNODE_SCALAR && root->kind == MSCALAR_NULL))
                return 0;       /* an empty document, as after a trailing '---' */
        if (root->type != MNODE_MAPPING)
                return loader_error(l, root, "a manifest must be an object with apiVersion, kind, metadata and spec, not %s",
                                    mnode_type_to_string(root));

        api = mnode_get(root, "apiVersion");
        kind = mnode_get(root, "kind");
        if (!kind)
                return loader_diag(l, DIAG_ERROR, root, root, "kind", "Required value: supported kinds are Job and CronJob (batch/v1)");
        if (!expect_string(l, kind))
                return 0;
        if (!api)
                return loader_diag(l, DIAG_ERROR, root, root, "apiVersion", "Required value: batch/v1");
        if (!expect_string(l, api))
                return 0;

        if (streq(kind->value, "Job")) {
                if (!streq(api->value, "batch/v1"))
                        return loader_error(l, api, "no matches for kind \"Job\" in version \"%s\": jobsd supports Job in batch/v1",
                                            api->value);
                m.kind = MANIFEST_JOB;
        } else if (streq(kind->value, "CronJob")) {
                if (streq(api->value, "batch/v1beta1")) {
                        /* spec §0 D11: kubectl has refused this since Kubernetes 1.25. */
                        r = loader_warning(l, api, "batch/v1beta1 CronJob is deprecated and no longer served by Kubernetes "
                                           "since 1.25 (kubectl apply will fail on a cluster): use batch/v1");
                        if (r < 0)
                                return r;
                } else if (!streq(api->value, "batch/v1"))
                        return loader_error(l, api, "no matches for kind \"CronJob\" in version \"%s\": jobsd supports CronJob in batch/v1 (and batch/v1beta1, deprecated)",
                                            api->value);
                m.kind = MANIFEST_CRON_JOB;
        } else
                return loader_error(l, kind, "unsupported kind '%s': jobsd runs Job and CronJob (batch/v1)", kind->value);

        m.api_version = strdup(api->value);
        if (!m.api_version)
                return -ENOMEM;
        if (l->filename) {
                m.file = strdup(l->filename);
                if (!m.file) {
                        free(m.api_version);
                        return -ENOMEM;
                }
        }

        if (m.kind == MANIFEST_JOB) {
                _cleanup_(job_freep) Job *j = calloc(1, sizeof(Job));
                if (!j)
                        r = -ENOMEM;
                else {
                        job_spec_init(&j->spec);
                        r = dispatch_mapping(l, root, job_fields, j);
                        if (r >= 0)
                                r = validate_job(l, j);
                        if (r >= 0) {
                                job_spec_apply_defaults(&j->spec);
                                m.job = TAKE_PTR(j);
                        }
                }
        } else {
                _cleanup_(cron_job_freep) CronJob *c = calloc(1, sizeof(CronJob));
                if (!c)
                        r = -ENOMEM;
                else {
                        job_spec_init(&c->spec.job_spec);
                        c->spec.starting_deadline_seconds = UNSET;
                        c->spec.successful_jobs_history_limit = UNSET;
                        c->spec.failed_jobs_history_limit = UNSET;
                        r = dispatch_mapping(l, root, cron_job_fields, c);
                        if (r >= 0)
                                r = validate_cron_job(l, c);
                        if (r >= 0) {
                                cron_job_apply_defaults(c);
                                m.cron_job = TAKE_PTR(c);
                        }
                }
        }

        if (r >= 0 && diag_list_count(l->diags, DIAG_ERROR) == errors_before && d->n_errors == 0)
                return manifest_list_add(list, &m) < 0 ? -ENOMEM : 0;

        /* Invalid: report, keep nothing. */
        free(m.api_version);
        free(m.file);
        if (m.kind == MANIFEST_JOB)
                job_free(m.job);
        else
                cron_job_free(m.cron_job);
        return r < 0 ? r : 0;
}

int manifest_parse_buffer(const char *filename, const char *data, size_t size, ManifestList *ret, DiagList *diags) {
        MStream s = {};
        Loader l = { .filename = filename, .diags = diags };
        int r;

        r = mstream_parse(filename, data, size, &s, diags);
        if (r < 0)
                return r;
        for (size_t i = 0; i < s.n_documents; i++) {
                r = load_document(&l, s.documents + i, i, ret);
                if (r < 0)
                        break;
        }
        mstream_done(&s);
        return r < 0 ? r : 0;
}

const char *manifest_trust_problem(const struct stat *st, uid_t trusted_uid) {
        if (st->st_uid != 0 && st->st_uid != trusted_uid)
                return "owned by another user";
        if (st->st_mode & S_IWOTH)
                return "writable by others";
        if (st->st_mode & S_IWGRP)
                return "writable by its group";
        return NULL;
}

static int load_file(int dir_fd, const char *name, const char *path, const ManifestLoadOptions *opts,
                     ManifestList *ret, DiagList *diags, char **ret_bytes, size_t *ret_size, struct stat *ret_st) {
        _cleanup_(closep) int fd = -EBADF;
        _cleanup_(freep) char *buf = NULL;
        struct stat st;
        size_t n = 0, cap, n_before = ret->n, diags_before = diags->n;
        const char *problem;
        int r;

        fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                if (errno == ELOOP)
                        return diag_add(diags, DIAG_ERROR, path, false, 0, 0, NULL,
                                        "is a symbolic link, refusing (jobsd reads regular files only)");
                return diag_add(diags, DIAG_ERROR, path, false, 0, 0, NULL, "cannot open: %s", strerror(errno));
        }
        if (fstat(fd, &st) < 0)
                return diag_add(diags, DIAG_ERROR, path, false, 0, 0, NULL, "cannot stat: %s", strerror(errno));
        if (ret_st)
                *ret_st = st;
        if (S_ISDIR(st.st_mode))
                return diag_add(diags, DIAG_ERROR, path, false, 0, 0, NULL, "is a directory, not a manifest file");
        if (!S_ISREG(st.st_mode))
                return diag_add(diags, DIAG_ERROR, path, false, 0, 0, NULL, "is not a regular file, refusing");
        /* Checked on the file opened, so a file swapped in after the check is never read. */
        if (opts && opts->strict && (problem = manifest_trust_problem(&st, opts->trusted_uid)))
                return diag_add(diags, DIAG_ERROR, path, false, 0, 0, NULL,
                                "untrusted manifest: %s (owner uid %u, mode %04o), refusing: it must be writable only "
                                "by root%s", problem, (unsigned) st.st_uid, (unsigned) (st.st_mode & 07777),
                                opts->trusted_uid != 0 ? " or the user jobsd runs for" : "");
        if ((uint64_t) st.st_size > MANIFEST_SIZE_MAX)
                return diag_add(diags, DIAG_ERROR, path, false, 0, 0, NULL,
                                "file is %" PRIu64 " bytes, larger than the limit of %zu bytes, refusing",
                                (uint64_t) st.st_size, MANIFEST_SIZE_MAX);

        /* As large as the file (not the limit: a block of 1 MiB per file is mapped and unmapped each time
         * where glibc maps large blocks), grown if it grew. */
        cap = MIN((size_t) st.st_size + 2, MANIFEST_SIZE_MAX + 1);
        buf = malloc(cap + 1);
        if (!buf)
                return -ENOMEM;
        /* Read to the end even if the file grew since fstat(), but never beyond the limit. */
        for (;;) {
                ssize_t k;

                if (n == cap) {
                        size_t c = MIN(cap * 2, MANIFEST_SIZE_MAX + 1);
                        char *b = realloc(buf, c + 1);
                        if (!b)
                                return -ENOMEM;
                        buf = b;
                        cap = c;
                }
                k = loop_read(fd, buf + n, cap - n, IO_AT_POSITION);
                if (k < 0)
                        return diag_add(diags, DIAG_ERROR, path, false, 0, 0, NULL, "cannot read: %s", strerror((int) -k));
                n += k;
                if (n > MANIFEST_SIZE_MAX)
                        return diag_add(diags, DIAG_ERROR, path, false, 0, 0, NULL,
                                        "file is larger than the limit of %zu bytes, refusing", MANIFEST_SIZE_MAX);
                if (n < cap)
                        break;          /* the end of the file */
        }
        buf[n] = 0;
        r = manifest_parse_buffer(path, buf, n, ret, diags);
        if (r < 0)
                return r;
        if (ret_bytes) {
                *ret_bytes = TAKE_PTR(buf);
                *ret_size = n;
        }
        /* As kubectl: a file without objects (empty, only comments or "---") gives nothing to apply. */
        if (ret->n == n_before && diags->n == diags_before)
                return diag_add(diags, DIAG_WARNING, path, false, 0, 0, NULL, MANIFEST_NO_OBJECTS);
        return 0;
}

int manifest_load_file(const char *path, ManifestList *ret, DiagList *diags) {
        return load_file(AT_FDCWD, path, path, NULL, ret, diags, NULL, NULL, NULL);
}

int manifest_load_file_full(const char *path, const ManifestLoadOptions *opts, ManifestList *ret, DiagList *diags) {
        return load_file(AT_FDCWD, path, path, opts, ret, diags, NULL, NULL, NULL);
}

int manifest_load_file_at(int dir_fd, const char *name, const char *path, const ManifestLoadOptions *opts,
                          ManifestList *ret, DiagList *diags, char **ret_bytes, size_t *ret_size,
                          struct stat *ret_st) {
        if (ret_bytes) {
                *ret_bytes = NULL;
                *ret_size = 0;
        }
        if (ret_st)
                *ret_st = (struct stat) {};
        return load_file(dir_fd, name, path, opts, ret, diags, ret_bytes, ret_size, ret_st);
}

static bool is_manifest_name(const char *name) {
        size_t l = strlen(name);

        if (name[0] == '.')
                return false;   /* hidden files, and editors' and tools' temporary files */
        return (l > 5 && streq(name + l - 5, ".yaml")) || (l > 4 && streq(name + l - 4, ".yml"));
}

static int name_cmp(const void *a, const void *b) {
        return strcmp(*(char * const *) a, *(char * const *) b);
}

int manifest_list_directory(const char *path, const ManifestLoadOptions *opts, char ***ret_names, size_t *ret_n,
                            DiagList *diags) {
        _cleanup_(strv_freep) char **names = NULL;
        size_t n_names = 0;
        struct stat st;
        const char *problem;
        DIR *d;
        int r = 0;

        *ret_names = NULL;
        *ret_n = 0;
        d = opendir(path);
        if (!d)
                return diag_add(diags, DIAG_ERROR, path, false, 0, 0, NULL, "cannot open directory: %s", strerror(errno));
        if (opts && opts->strict) {
                if (fstat(dirfd(d), &st) < 0) {
                        r = -errno;
                        closedir(d);
                        return r;
                }
                if ((problem = manifest_trust_problem(&st, opts->trusted_uid))) {
                        closedir(d);
                        r = diag_add(diags, DIAG_ERROR, path, false, 0, 0, NULL,
                                     "untrusted manifest directory: %s (owner uid %u, mode %04o), refusing to load "
                                     "anything from it: it must be writable only by root%s", problem,
                                     (unsigned) st.st_uid, (unsigned) (st.st_mode & 07777),
                                     opts->trusted_uid != 0 ? " or the user jobsd runs for" : "");
                        return r < 0 ? r : -EPERM;
                }
        }
        for (struct dirent *de; (de = readdir(d));) {
                if (!is_manifest_name(de->d_name))
                        continue;
                /* Subdirectories are skipped, as kubectl apply -f DIR does without -R. */
                if (de->d_type == DT_DIR ||
                    (de->d_type == DT_UNKNOWN && fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) >= 0 &&
                     S_ISDIR(st.st_mode)))
                        continue;
                r = strv_extend_n(&names, &n_names, de->d_name);
                if (r < 0)
                        break;
        }
        closedir(d);
        if (r < 0)
                return r;
        if (names)
                qsort(names, n_names, sizeof(char *), name_cmp);
        *ret_names = TAKE_PTR(names);
        *ret_n = n_names;
        return 0;
}

int manifest_load_directory_full(const char *path, const ManifestLoadOptions *opts, ManifestList *ret, DiagList *diags) {
        _cleanup_(strv_freep) char **names = NULL;
        size_t n_names = 0;
        int r;

        r = manifest_list_directory(path, opts, &names, &n_names, diags);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n_names; i++) {
                _cleanup_(freep) char *p = strprintf("%s/%s", path, names[i]);
                if (!p)
                        return -ENOMEM;
                r = load_file(AT_FDCWD, p, p, opts, ret, diags, NULL, NULL, NULL);
                if (r < 0)
                        return r;
        }
        return 0;
}

int manifest_load_directory(const char *path, ManifestList *ret, DiagList *diags) {
        return manifest_load_directory_full(path, NULL, ret, diags);
}
