/* SPDX-License-Identifier: Apache-2.0 */
#include <inttypes.h>
#include <stdarg.h>

#include "jobsd/cron.h"
#include "jobsd/indexes.h"
#include "jobsd/names.h"
#include "jobsd/strv.h"
#include "manifest-validate.h"

#define JOBSD_CONTROLLER "kubernetes.io/job-controller"
#define ANNOTATIONS_SIZE_MAX 262144

/* Formats a path and reports at it. */
static int err_at(Loader *l, const char *message, const char *fmt, ...) _printf_(3, 4);
static int err_at(Loader *l, const char *message, const char *fmt, ...) {
        _cleanup_(freep) char *path = NULL;
        va_list ap;

        va_start(ap, fmt);
        path = vstrprintf(fmt, ap);
        va_end(ap);
        if (!path)
                return -ENOMEM;
        return loader_error_path(l, path, "%s", message);
}

/* Whether the field at the formatted path is in the manifest (present, even if invalid). */
static bool present(Loader *l, const char *fmt, ...) _printf_(2, 3);
static bool present(Loader *l, const char *fmt, ...) {
        _cleanup_(freep) char *path = NULL;
        bool exact = false;
        va_list ap;

        va_start(ap, fmt);
        path = vstrprintf(fmt, ap);
        va_end(ap);
        if (!path)
                return true;
        (void) mnode_find(l->root, path, &exact);
        return exact;
}

/* Whether the field at the formatted path is an object. */
static bool is_mapping(Loader *l, const char *path) {
        bool exact = false;
        const MNode *n = mnode_find(l->root, path, &exact);
        return exact && n->type == MNODE_MAPPING;
}

static int warn_at(Loader *l, const char *path, const char *message) {
        const MNode *n = mnode_find(l->root, path, NULL);
        return diag_add(l->diags, DIAG_WARNING, l->filename, n != NULL, n ? n->line : 0, n ? n->column : 0,
                        path, "%s", message);
}

/* Runs a name check and reports "Invalid value: "x": <why>" at the path. */
static int check_name(Loader *l, int (*check)(const char *, char **), const char *value, const char *fmt, ...) _printf_(4, 5);
static int check_name(Loader *l, int (*check)(const char *, char **), const char *value, const char *fmt, ...) {
        _cleanup_(freep) char *why = NULL, *path = NULL;
        va_list ap;
        int r;

        r = check(value, &why);
        if (r == -ENOMEM)
                return r;
        if (r >= 0)
                return 0;
        va_start(ap, fmt);
        path = vstrprintf(fmt, ap);
        va_end(ap);
        if (!path)
                return -ENOMEM;
        return loader_error_path(l, path, "Invalid value: \"%s\": %s", value, why ?: "invalid");
}

/* spec §1.1: label keys and values, annotation keys and total size. */
static int validate_labels(Loader *l, const StrMap *m, const char *path) {
        for (size_t i = 0; i < m->n; i++) {
                TRY(check_name(l, label_key_check, m->items[i].key, "%s.%s", path, m->items[i].key));
                TRY(check_name(l, label_value_check, m->items[i].value, "%s.%s", path, m->items[i].key));
        }
        return 0;
}

static int validate_annotations(Loader *l, const StrMap *m, const char *path) {
        size_t total = 0;

        for (size_t i = 0; i < m->n; i++) {
                TRY(check_name(l, qualified_name_check, m->items[i].key, "%s.%s", path, m->items[i].key));
                total += strlen(m->items[i].key) + strlen(m->items[i].value);
        }
        if (total > ANNOTATIONS_SIZE_MAX)
                TRY(err_at(l, "Too long: may not be more than 262144 bytes", "%s", path));
        /* jobsd's own annotation (docs/containers.md): a value it does not know is an error, not a guess. */
        {
                const char *v = str_map_get(m, "jobsd.io/runtime");
                if (v && !streq(v, "host") && !streq(v, "podman")) {
                        _cleanup_(freep) char *msg = strprintf("Unsupported value: \"%s\": supported values: "
                                                               "\"host\", \"podman\"", v);
                        if (!msg)
                                return -ENOMEM;
                        TRY(err_at(l, msg, "%s.jobsd.io/runtime", path));
                }
        }
        return 0;
}

/* spec §1.1 */
static int validate_metadata(Loader *l, const ObjectMeta *m, bool cron) {
        _cleanup_(freep) char *why = NULL;
        int r;

        if (!m->name && !m->generate_name)
                return loader_error_path(l, "metadata.name", "Required value: name or generateName is required");
        if (m->name) {
                TRY(check_name(l, dns1123_subdomain_check, m->name, "metadata.name"));
                if (cron && strlen(m->name) > 52)
                        TRY(loader_error_path(l, "metadata.name", "Invalid value: \"%s\": must be no more than 52 characters",
                                              m->name));
                else if (!cron && strlen(m->name) > 63)
                        /* The generated label job-name=<name> must be a valid label value. */
                        TRY(loader_error_path(l, "metadata.name", "Invalid value: \"%s\": must be no more than 63 characters",
                                              m->name));
                else if (dns1123_subdomain_check(m->name, NULL) >= 0) {
                        r = dns1123_label_check(m->name, &why);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                TRY(warn_at(l, "metadata.name", "this is used in Pod names and hostnames, which can result "
                                            "in surprising behavior; a DNS label is recommended"));
                }
        }
        if (m->generate_name && !m->name) {
                /* The prefix is cut to 58 characters and 5 random ones are appended. */
                _cleanup_(freep) char *sample = strprintf("%.58sxxxxx", m->generate_name);
                if (!sample)
                        return -ENOMEM;
                TRY(check_name(l, dns1123_subdomain_check, sample, "metadata.generateName"));
        }
        if (m->namespace)
                TRY(check_name(l, dns1123_label_check, m->namespace, "metadata.namespace"));
        TRY(validate_labels(l, &m->labels, "metadata.labels"));
        TRY(validate_annotations(l, &m->annotations, "metadata.annotations"));
        return 0;
}

static bool field_path_supported(const char *p) {
        static const char *const plain[] = {
                "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName",
                "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs", NULL
        };
        const char *rest;

        for (const char *const *s = plain; *s; s++)
                if (streq(p, *s))
                        return true;
        rest = startswith(p, "metadata.labels['");
        if (!rest)
                rest = startswith(p, "metadata.annotations['");
        return rest && strlen(rest) > 2 && streq(rest + strlen(rest) - 2, "']");
}

static bool resource_supported(const char *r) {
        static const char *const ok[] = {
                "limits.cpu", "limits.memory", "limits.ephemeral-storage",
                "requests.cpu", "requests.memory", "requests.ephemeral-storage", NULL
        };
        for (const char *const *s = ok; *s; s++)
                if (streq(r, *s))
                        return true;
        return startswith(r, "limits.hugepages-") || startswith(r, "requests.hugepages-");
}

static int validate_env(Loader *l, const Container *c, const char *cpath) {
        for (size_t i = 0; i < c->n_env; i++) {
                const EnvVar *e = c->env + i;

                if (!e->name)
                        continue;
                TRY(check_name(l, env_var_name_check, e->name, "%s.env[%zu].name", cpath, i));
                if (e->source != ENV_SOURCE_VALUE && e->value && *e->value)
                        TRY(err_at(l, "Invalid value: \"\": may not be specified when `value` is not empty",
                                   "%s.env[%zu].valueFrom", cpath, i));
                if (e->source == ENV_SOURCE_FIELD_REF && e->field_path && !field_path_supported(e->field_path)) {
                        _cleanup_(freep) char *m = strprintf(
                                "Unsupported value: \"%s\": supported values: \"metadata.name\", \"metadata.namespace\", "
                                "\"metadata.uid\", \"metadata.labels['<KEY>']\", \"metadata.annotations['<KEY>']\", "
                                "\"spec.nodeName\", \"spec.serviceAccountName\", \"status.hostIP\", \"status.hostIPs\", "
                                "\"status.podIP\", \"status.podIPs\"", e->field_path);
                        if (!m)
                                return -ENOMEM;
                        TRY(err_at(l, m, "%s.env[%zu].valueFrom.fieldRef.fieldPath", cpath, i));
                }
                if (e->source == ENV_SOURCE_RESOURCE_FIELD_REF && e->resource && !resource_supported(e->resource)) {
                        _cleanup_(freep) char *m = strprintf(
                                "Unsupported value: \"%s\": supported values: \"limits.cpu\", \"limits.ephemeral-storage\", "
                                "\"limits.memory\", \"requests.cpu\", \"requests.ephemeral-storage\", \"requests.memory\"",
                                e->resource);
                        if (!m)
                                return -ENOMEM;
                        TRY(err_at(l, m, "%s.env[%zu].valueFrom.resourceFieldRef.resource", cpath, i));
                }
        }
        return 0;
}

static int validate_quantity_nonneg(Loader *l, const Quantity *q, bool has, const char *cpath, const char *which) {
        _cleanup_(freep) char *s = NULL, *m = NULL;

        if (!has || !quantity_is_negative(q))
                return 0;
        s = quantity_format(q);
        m = strprintf("Invalid value: \"%s\": must be greater than or equal to 0", s ?: "?");
        if (!m)
                return -ENOMEM;
        return err_at(l, m, "%s.resources.%s", cpath, which);
}

/* spec §2.1: quantities ≥ 0, request ≤ limit. */
static int validate_resources(Loader *l, const Container *c, const char *cpath) {
        const Resources *r = &c->resources;

        TRY(validate_quantity_nonneg(l, &r->limits_cpu, r->has_limits_cpu, cpath, "limits.cpu"));
        TRY(validate_quantity_nonneg(l, &r->limits_memory, r->has_limits_memory, cpath, "limits.memory"));
        TRY(validate_quantity_nonneg(l, &r->requests_cpu, r->has_requests_cpu, cpath, "requests.cpu"));
        TRY(validate_quantity_nonneg(l, &r->requests_memory, r->has_requests_memory, cpath, "requests.memory"));

        for (unsigned k = 0; k < 2; k++) {
                const Quantity *req = k ? &r->requests_memory : &r->requests_cpu;
                const Quantity *lim = k ? &r->limits_memory : &r->limits_cpu;
                bool has = k ? (r->has_requests_memory && r->has_limits_memory) : (r->has_requests_cpu && r->has_limits_cpu);
                _cleanup_(freep) char *a = NULL, *b = NULL, *m = NULL;

                if (!has || quantity_cmp(req, lim) <= 0)
                        continue;
                a = quantity_format(req);
                b = quantity_format(lim);
                m = strprintf("Invalid value: \"%s\": must be less than or equal to %s limit of %s",
                              a ?: "?", k ? "memory" : "cpu", b ?: "?");
                if (!m)
                        return -ENOMEM;
                TRY(err_at(l, m, "%s.resources.requests", cpath));
        }
        return 0;
}

static bool path_has_dotdot(const char *p) {
        for (const char *s = p; s && *s;) {
                size_t n = strcspn(s, "/");
                if (n == 2 && s[0] == '.' && s[1] == '.')
                        return true;
                s += n;
                if (*s)
                        s++;
        }
        return false;
}

static int validate_volume_mounts(Loader *l, const PodSpec *s, const Container *c, const char *cpath) {
        for (size_t i = 0; i < c->n_volume_mounts; i++) {
                const VolumeMount *m = c->volume_mounts + i;
                bool found = false;

                if (!m->name || !m->mount_path)
                        continue;
                for (size_t v = 0; v < s->n_volumes; v++)
                        if (streq_ptr(s->volumes[v].name, m->name))
                                found = true;
                if (!found) {
                        _cleanup_(freep) char *msg = strprintf("Not found: \"%s\"", m->name);
                        if (!msg)
                                return -ENOMEM;
                        TRY(err_at(l, msg, "%s.volumeMounts[%zu].name", cpath, i));
                }
                if (!*m->mount_path)
                        TRY(err_at(l, "Required value", "%s.volumeMounts[%zu].mountPath", cpath, i));
                else if (m->mount_path[0] != '/')
                        /* Kubernetes leaves this to the runtime; systemd needs absolute paths. */
                        TRY(err_at(l, "Invalid value: must be an absolute path", "%s.volumeMounts[%zu].mountPath", cpath, i));
                for (size_t j = 0; j < i; j++)
                        if (streq_ptr(c->volume_mounts[j].mount_path, m->mount_path)) {
                                _cleanup_(freep) char *msg = strprintf("Invalid value: \"%s\": must be unique", m->mount_path);
                                if (!msg)
                                        return -ENOMEM;
                                TRY(err_at(l, msg, "%s.volumeMounts[%zu].mountPath", cpath, i));
                        }
                if (m->sub_path && (m->sub_path[0] == '/' || path_has_dotdot(m->sub_path))) {
                        _cleanup_(freep) char *msg = strprintf(
                                "Invalid value: \"%s\": %s", m->sub_path,
                                m->sub_path[0] == '/' ? "must be a relative path" : "must not contain '..'");
                        if (!msg)
                                return -ENOMEM;
                        TRY(err_at(l, msg, "%s.volumeMounts[%zu].subPath", cpath, i));
                }
        }
        return 0;
}

static int validate_container(Loader *l, const PodSpec *s, const Container *c, const char *cpath, bool init) {
        if (c->name)
                TRY(check_name(l, dns1123_label_check, c->name, "%s.name", cpath));
        if ((!c->image && !present(l, "%s.image", cpath)) || (c->image && !*c->image))
                TRY(err_at(l, "Required value", "%s.image", cpath));
        if (c->restart_policy == CONTAINER_RESTART_ALWAYS && !init)
                TRY(err_at(l, "Forbidden: may not be set for non-init containers", "%s.restartPolicy", cpath));
        TRY(validate_env(l, c, cpath));
        TRY(validate_resources(l, c, cpath));
        TRY(validate_volume_mounts(l, s, c, cpath));
        if (c->security_context.allow_privilege_escalation == TRISTATE_FALSE &&
            c->security_context.privileged == TRISTATE_TRUE)
                TRY(err_at(l, "Invalid value: false: cannot set allowPrivilegeEscalation to false and privileged to true",
                           "%s.securityContext", cpath));
        return 0;
}

static const char *const host_path_types[] = {
        "", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice", NULL
};

static int validate_volumes(Loader *l, const PodSpec *s, const char *ppath) {
        for (size_t i = 0; i < s->n_volumes; i++) {
                const Volume *v = s->volumes + i;

                if (v->name) {
                        TRY(check_name(l, dns1123_label_check, v->name, "%s.volumes[%zu].name", ppath, i));
                        for (size_t j = 0; j < i; j++)
                                if (streq_ptr(s->volumes[j].name, v->name)) {
                                        _cleanup_(freep) char *m = strprintf("Duplicate value: \"%s\"", v->name);
                                        if (!m)
                                                return -ENOMEM;
                                        TRY(err_at(l, m, "%s.volumes[%zu].name", ppath, i));
                                }
                }
                if (v->type == VOLUME_HOST_PATH) {
                        bool ok = false;
                        if (v->host_path && v->host_path[0] != '/')
                                TRY(err_at(l, "Invalid value: must be an absolute path", "%s.volumes[%zu].hostPath.path", ppath, i));
                        if (v->host_path && path_has_dotdot(v->host_path))
                                TRY(err_at(l, "Invalid value: must not contain '..'", "%s.volumes[%zu].hostPath.path", ppath, i));
                        for (const char *const *t = host_path_types; *t; t++)
                                if (streq(strempty(v->host_path_type), *t))
                                        ok = true;
                        if (!ok) {
                                _cleanup_(freep) char *m = strprintf(
                                        "Unsupported value: \"%s\": supported values: \"\", \"BlockDevice\", \"CharDevice\", "
                                        "\"Directory\", \"DirectoryOrCreate\", \"File\", \"FileOrCreate\", \"Socket\"",
                                        v->host_path_type);
                                if (!m)
                                        return -ENOMEM;
                                TRY(err_at(l, m, "%s.volumes[%zu].hostPath.type", ppath, i));
                        }
                }
                if (v->type == VOLUME_EMPTY_DIR && v->has_size_limit && quantity_is_negative(&v->size_limit))
                        TRY(err_at(l, "Invalid value: must be greater than or equal to 0",
                                   "%s.volumes[%zu].emptyDir.sizeLimit", ppath, i));
                for (size_t j = 0; j < v->n_items; j++) {
                        const DownwardAPIItem *it = v->items + j;
                        if (it->path && (it->path[0] == '/' || path_has_dotdot(it->path) || !*it->path))
                                TRY(err_at(l, "Invalid value: must be a relative path without '..'",
                                           "%s.volumes[%zu].downwardAPI.items[%zu].path", ppath, i, j));
                        if (!!it->field_path == !!it->resource)
                                TRY(err_at(l, "Invalid value: exactly one of fieldRef and resourceFieldRef is required",
                                           "%s.volumes[%zu].downwardAPI.items[%zu]", ppath, i, j));
                        if (it->field_path && !field_path_supported(it->field_path)) {
                                _cleanup_(freep) char *m = strprintf("Unsupported value: \"%s\"", it->field_path);
                                if (!m)
                                        return -ENOMEM;
                                TRY(err_at(l, m, "%s.volumes[%zu].downwardAPI.items[%zu].fieldRef.fieldPath", ppath, i, j));
                        }
                }
        }
        return 0;
}

/* spec §2.1 */
static int validate_pod_spec(Loader *l, const PodSpec *s, const char *tpath) {
        _cleanup_(freep) char *ppath = strprintf("%s.spec", tpath);

        if (!ppath)
                return -ENOMEM;

        if (s->restart_policy == RESTART_POLICY_UNSET)
                TRY(err_at(l, "Required value: valid values: \"OnFailure\", \"Never\"", "%s.restartPolicy", ppath));
        else if (s->restart_policy == RESTART_POLICY_ALWAYS)
                TRY(err_at(l, "Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\"",
                           "%s.restartPolicy", ppath));

        if (s->n_containers == 0 && mnode_find(l->root, ppath, NULL) &&
            mnode_get(mnode_find(l->root, ppath, NULL), "containers"))
                TRY(err_at(l, "Required value", "%s.containers", ppath));

        for (unsigned k = 0; k < 2; k++) {
                const Container *cs = k ? s->init_containers : s->containers;
                size_t n = k ? s->n_init_containers : s->n_containers;
                const char *field = k ? "initContainers" : "containers";

                for (size_t i = 0; i < n; i++) {
                        _cleanup_(freep) char *cpath = strprintf("%s.%s[%zu]", ppath, field, i);
                        if (!cpath)
                                return -ENOMEM;
                        TRY(validate_container(l, s, cs + i, cpath, k == 1));
                        /* Names are unique across containers and init containers. */
                        if (!cs[i].name)
                                continue;
                        for (unsigned k2 = 0; k2 <= k; k2++) {
                                const Container *cs2 = k2 ? s->init_containers : s->containers;
                                size_t n2 = k2 == k ? i : (k2 ? s->n_init_containers : s->n_containers);
                                for (size_t j = 0; j < n2; j++)
                                        if (streq_ptr(cs2[j].name, cs[i].name)) {
                                                _cleanup_(freep) char *m = strprintf("Duplicate value: \"%s\"", cs[i].name);
                                                if (!m)
                                                        return -ENOMEM;
                                                TRY(err_at(l, m, "%s.name", cpath));
                                                goto next;
                                        }
                        }
                next:;
                }
        }

        TRY(validate_volumes(l, s, ppath));
        if (s->hostname)
                TRY(check_name(l, dns1123_label_check, s->hostname, "%s.hostname", ppath));
        if (s->subdomain)
                TRY(check_name(l, dns1123_label_check, s->subdomain, "%s.subdomain", ppath));
        return 0;
}

/* spec §1.3 */
static int validate_pod_failure_policy(Loader *l, const JobSpec *s, const char *spath) {
        if (!s->has_pod_failure_policy)
                return 0;

        if (s->template.spec.restart_policy == RESTART_POLICY_ON_FAILURE)
                TRY(err_at(l, "Invalid value: \"OnFailure\": only \"Never\" is supported when podFailurePolicy is specified",
                           "%s.template.spec.restartPolicy", spath));
        if (s->n_pod_failure_rules > 20) {
                _cleanup_(freep) char *m = strprintf("Too many: %zu: must have at most 20 items", s->n_pod_failure_rules);
                if (!m)
                        return -ENOMEM;
                TRY(err_at(l, m, "%s.podFailurePolicy.rules", spath));
        }

        for (size_t i = 0; i < s->n_pod_failure_rules; i++) {
                const PodFailurePolicyRule *r = s->pod_failure_rules + i;
                _cleanup_(freep) char *rp = strprintf("%s.podFailurePolicy.rules[%zu]", spath, i);
                if (!rp)
                        return -ENOMEM;

                if (r->action == POD_FAILURE_ACTION_FAIL_INDEX && s->backoff_limit_per_index == UNSET)
                        TRY(err_at(l, "Invalid value: \"FailIndex\": requires the backoffLimitPerIndex to be set",
                                   "%s.action", rp));
                if (r->has_on_exit_codes && r->has_on_pod_conditions)
                        TRY(err_at(l, "Invalid value: specifying both OnExitCodes and OnPodConditions is not supported", "%s", rp));
                else if (!r->has_on_exit_codes && !r->has_on_pod_conditions)
                        TRY(err_at(l, "Invalid value: specifying one of OnExitCodes and OnPodConditions is required", "%s", rp));

                if (r->has_on_exit_codes) {
                        if (r->container_name && !pod_spec_find_container(&s->template.spec, r->container_name)) {
                                _cleanup_(freep) char *m = strprintf(
                                        "Invalid value: \"%s\": must be one of the container or initContainer names in the pod template",
                                        r->container_name);
                                if (!m)
                                        return -ENOMEM;
                                TRY(err_at(l, m, "%s.onExitCodes.containerName", rp));
                        }
                        if (r->values && r->n_values == 0 && mnode_find(l->root, rp, NULL))
                                TRY(err_at(l, "Invalid value: at least one value is required", "%s.onExitCodes.values", rp));
                        if (r->n_values > 255) {
                                _cleanup_(freep) char *m = strprintf("Too many: %zu: must have at most 255 items", r->n_values);
                                if (!m)
                                        return -ENOMEM;
                                TRY(err_at(l, m, "%s.onExitCodes.values", rp));
                        }
                        for (size_t j = 0; j < r->n_values; j++) {
                                _cleanup_(freep) char *m = NULL;
                                if (r->operator == EXIT_CODE_OPERATOR_IN && r->values[j] == 0)
                                        m = strprintf("Invalid value: 0: must not be 0 for the In operator");
                                else if (j > 0 && r->values[j] == r->values[j - 1])
                                        m = strprintf("Duplicate value: %" PRIi32, r->values[j]);
                                else if (j > 0 && r->values[j] < r->values[j - 1])
                                        m = strprintf("Invalid value: %" PRIi32 ": must be ordered", r->values[j]);
                                else
                                        continue;
                                if (!m)
                                        return -ENOMEM;
                                TRY(err_at(l, m, "%s.onExitCodes.values[%zu]", rp, j));
                        }
                }
                if (r->n_on_pod_conditions > 20) {
                        _cleanup_(freep) char *m = strprintf("Too many: %zu: must have at most 20 items", r->n_on_pod_conditions);
                        if (!m)
                                return -ENOMEM;
                        TRY(err_at(l, m, "%s.onPodConditions", rp));
                }
                for (size_t j = 0; j < r->n_on_pod_conditions; j++) {
                        const PodConditionPattern *p = r->on_pod_conditions + j;
                        if (p->type)
                                TRY(check_name(l, qualified_name_check, p->type, "%s.onPodConditions[%zu].type", rp, j));
                        if (p->status && !streq(p->status, "True") && !streq(p->status, "False") && !streq(p->status, "Unknown")) {
                                _cleanup_(freep) char *m = strprintf(
                                        "Unsupported value: \"%s\": supported values: \"False\", \"True\", \"Unknown\"", p->status);
                                if (!m)
                                        return -ENOMEM;
                                TRY(err_at(l, m, "%s.onPodConditions[%zu].status", rp, j));
                        }
                }
        }
        return 0;
}

/* spec §1.3 */
static int validate_success_policy(Loader *l, const JobSpec *s, const char *spath) {
        if (!s->has_success_policy)
                return 0;
        if (s->completion_mode != COMPLETION_MODE_INDEXED)
                return err_at(l, "Invalid value: requires indexed completion mode", "%s.successPolicy", spath);
        if (s->n_success_rules == 0)
                return err_at(l, "Required value: at least one rules must be specified when the successPolicy is specified",
                              "%s.successPolicy.rules", spath);
        if (s->n_success_rules > 20) {
                _cleanup_(freep) char *m = strprintf("Too many: %zu: must have at most 20 items", s->n_success_rules);
                if (!m)
                        return -ENOMEM;
                TRY(err_at(l, m, "%s.successPolicy.rules", spath));
        }
        for (size_t i = 0; i < s->n_success_rules; i++) {
                const SuccessPolicyRule *r = s->success_rules + i;
                IndexSet set = {};
                bool parsed = false;

                if (!r->succeeded_indexes && !r->has_succeeded_count) {
                        TRY(err_at(l, "Required value: at least one of succeededCount or succeededIndexes must be specified",
                                   "%s.successPolicy.rules[%zu]", spath, i));
                        continue;
                }
                if (r->succeeded_indexes) {
                        _cleanup_(freep) char *why = NULL;
                        int q;

                        if (strlen(r->succeeded_indexes) > 65536)
                                TRY(err_at(l, "Too long: may not be longer than 65536",
                                           "%s.successPolicy.rules[%zu].succeededIndexes", spath, i));
                        q = index_set_parse(r->succeeded_indexes, s->completions == UNSET ? 0 : s->completions, &set, &why);
                        if (q == -ENOMEM)
                                return q;
                        if (q < 0) {
                                _cleanup_(freep) char *m = strprintf("Invalid value: \"%s\": %s", r->succeeded_indexes, why ?: "invalid");
                                if (!m)
                                        return -ENOMEM;
                                TRY(err_at(l, m, "%s.successPolicy.rules[%zu].succeededIndexes", spath, i));
                        } else
                                parsed = true;
                }
                if (r->succeeded_count != UNSET) {
                        _cleanup_(freep) char *m = NULL;
                        if (s->completions != UNSET && r->succeeded_count > s->completions)
                                m = strprintf("Invalid value: %" PRIi32 ": must be less than or equal to %" PRIi32
                                              " (the number of specified completions)", r->succeeded_count, s->completions);
                        else if (parsed && (uint64_t) r->succeeded_count > index_set_count(&set))
                                m = strprintf("Invalid value: %" PRIi32 ": must be less than or equal to %" PRIu64
                                              " (the number of indexes in the specified succeededIndexes field)",
                                              r->succeeded_count, (uint64_t) index_set_count(&set));
                        if (m)
                                TRY(err_at(l, m, "%s.successPolicy.rules[%zu].succeededCount", spath, i));
                }
                if (parsed)
                        index_set_done(&set);
        }
        return 0;
}

static bool http_path_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                strchr("/-._~%!$&'()*+,;=:", c);
}

/* spec §1.2: managedBy is a domain-prefixed path (Kubernetes' IsDomainPrefixedPath): a DNS-1123
 * subdomain, '/', and RFC 3986 path characters. Returns 1 if it reported an error, 0 if none. */
static int validate_domain_prefixed_path(Loader *l, const char *v, const char *spath) {
        const char *slash = strchr(v, '/');
        _cleanup_(freep) char *host = NULL, *why = NULL, *m = NULL;
        int r;

        if (!*v) {
                TRY(err_at(l, "Required value", "%s.managedBy", spath));
                return 1;
        }
        if (!slash || slash == v || !slash[1]) {
                m = strprintf("Invalid value: \"%s\": must be a domain-prefixed path (such as \"acme.io/foo\")", v);
                if (!m)
                        return -ENOMEM;
                TRY(err_at(l, m, "%s.managedBy", spath));
                return 1;
        }
        host = strndup(v, slash - v);
        if (!host)
                return -ENOMEM;
        r = dns1123_subdomain_check(host, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                m = strprintf("Invalid value: \"%s\": %s", host, why ?: "invalid");
                if (!m)
                        return -ENOMEM;
                TRY(err_at(l, m, "%s.managedBy", spath));
                m = mfree(m);
        }
        for (const char *p = slash + 1; *p; p++)
                if (!http_path_char(*p)) {
                        m = strprintf("Invalid value: \"%s\": Invalid path (regex used for validation is "
                                      "'[A-Za-z0-9/\\-._~%%!$&'()*+,;=:]+')", slash + 1);
                        if (!m)
                                return -ENOMEM;
                        TRY(err_at(l, m, "%s.managedBy", spath));
                        return 1;
                }
        return r < 0;
}

static bool selector_matches(const LabelSelector *sel, const StrMap *labels) {
        for (size_t i = 0; i < sel->match_labels.n; i++)
                if (!streq_ptr(str_map_get(labels, sel->match_labels.items[i].key), sel->match_labels.items[i].value))
                        return false;
        for (size_t i = 0; i < sel->n_match_expressions; i++) {
                const SelectorRequirement *r = sel->match_expressions + i;
                const char *v = r->key ? str_map_get(labels, r->key) : NULL;
                switch (r->operator) {
                case SELECTOR_IN:
                        if (!v || !strv_contains(r->values, v))
                                return false;
                        break;
                case SELECTOR_NOT_IN:
                        if (v && strv_contains(r->values, v))
                                return false;
                        break;
                case SELECTOR_EXISTS:
                        if (!v)
                                return false;
                        break;
                case SELECTOR_DOES_NOT_EXIST:
                        if (v)
                                return false;
                        break;
                default:
                        return false;
                }
        }
        return true;
}

/* spec §1.2: the rules of a Job spec; spath is "spec" or "spec.jobTemplate.spec". */
static int validate_job_spec(Loader *l, const JobSpec *s, const char *name, const char *spath, bool in_cron) {
        _cleanup_(freep) char *tpath = strprintf("%s.template", spath);
        bool indexed = s->completion_mode == COMPLETION_MODE_INDEXED;

        if (!tpath)
                return -ENOMEM;

        if (indexed) {
                if (s->completions == UNSET)
                        TRY(err_at(l, "Required value: when completion mode is Indexed", "%s.completions", spath));
                if (s->parallelism != UNSET && s->parallelism > 100000)
                        TRY(err_at(l, "Invalid value: must be less than or equal to 100000 when completion mode is Indexed",
                                   "%s.parallelism", spath));
                if (s->completions > 100000 && s->backoff_limit_per_index == UNSET)
                        TRY(err_at(l, "Invalid value: must be less than or equal to 100000 when completion mode is Indexed",
                                   "%s.completions", spath));
                if (s->completions > 100000 && s->backoff_limit_per_index != UNSET) {
                        if (s->max_failed_indexes == UNSET)
                                TRY(err_at(l, "Required value: must be specified when completions is above 100000",
                                           "%s.maxFailedIndexes", spath));
                        else if (s->max_failed_indexes > 10000)
                                TRY(err_at(l, "Invalid value: must be less than or equal to 10000 when completions is above 100000",
                                           "%s.maxFailedIndexes", spath));
                        if (s->parallelism > 10000)
                                TRY(err_at(l, "Invalid value: must be less than or equal to 10000 when completions is above 100000",
                                           "%s.parallelism", spath));
                }
                /* The host name <job>-<index> of the last index must be a DNS label. */
                if (name && s->completions > 0) {
                        _cleanup_(freep) char *host = strprintf("%s-%" PRIi32, name, s->completions - 1);
                        if (!host)
                                return -ENOMEM;
                        if (dns1123_label_check(host, NULL) < 0 && dns1123_subdomain_check(name, NULL) >= 0 && !in_cron) {
                                _cleanup_(freep) char *m = strprintf(
                                        "Invalid value: \"%s\": will not able to create pod with invalid DNS label: %s", name, host);
                                if (!m)
                                        return -ENOMEM;
                                TRY(loader_error_path(l, "metadata.name", "%s", m));
                        }
                }
        }

        if (s->backoff_limit_per_index != UNSET && !indexed) {
                _cleanup_(freep) char *m = strprintf("Invalid value: %" PRIi32 ": requires indexed completion mode",
                                                     s->backoff_limit_per_index);
                if (!m)
                        return -ENOMEM;
                TRY(err_at(l, m, "%s.backoffLimitPerIndex", spath));
        }
        if (s->max_failed_indexes != UNSET) {
                if (s->backoff_limit_per_index == UNSET)
                        TRY(err_at(l, "Required value: when maxFailedIndexes is specified", "%s.backoffLimitPerIndex", spath));
                if (!indexed)
                        TRY(err_at(l, "Invalid value: requires indexed completion mode", "%s.maxFailedIndexes", spath));
                else if (s->completions != UNSET && s->max_failed_indexes > s->completions) {
                        _cleanup_(freep) char *m = strprintf("Invalid value: %" PRIi32 ": must be less than or equal to completions",
                                                             s->max_failed_indexes);
                        if (!m)
                                return -ENOMEM;
                        TRY(err_at(l, m, "%s.maxFailedIndexes", spath));
                }
        }

        TRY(validate_pod_failure_policy(l, s, spath));
        TRY(validate_success_policy(l, s, spath));

        if (s->has_pod_failure_policy && s->pod_replacement_policy == POD_REPLACEMENT_TERMINATING_OR_FAILED)
                TRY(err_at(l, "Unsupported value: \"TerminatingOrFailed\": supported values: \"Failed\"",
                           "%s.podReplacementPolicy", spath));

        if (in_cron) {
                if (s->selector.set)
                        TRY(err_at(l, "Invalid value: `selector` will be auto-generated", "%s.selector", spath));
                if (s->manual_selector)
                        TRY(err_at(l, "Unsupported value: true: supported values: \"nil\", \"false\"", "%s.manualSelector", spath));
        } else if (s->selector.set && !s->manual_selector)
                TRY(err_at(l, "Invalid value: `selector` not auto-generated", "%s.selector", spath));
        else if (s->manual_selector) {
                if (!s->selector.set)
                        TRY(err_at(l, "Required value", "%s.selector", spath));
                else if (!selector_matches(&s->selector, &s->template.labels))
                        TRY(err_at(l, "Invalid value: `selector` does not match template `labels`", "%s.template.metadata.labels", spath));
        }
        for (size_t i = 0; i < s->selector.match_labels.n; i++)
                TRY(check_name(l, label_key_check, s->selector.match_labels.items[i].key, "%s.selector.matchLabels", spath));

        if (s->managed_by) {
                int bad = validate_domain_prefixed_path(l, s->managed_by, spath);

                if (bad < 0)
                        return bad;
                if (strlen(s->managed_by) > 63) {
                        TRY(err_at(l, "Too long: may not be longer than 63", "%s.managedBy", spath));
                        bad = true;
                }
                if (!bad && !streq(s->managed_by, JOBSD_CONTROLLER)) {
                        _cleanup_(freep) char *p = strprintf("%s.managedBy", spath);
                        if (!p)
                                return -ENOMEM;
                        TRY(warn_at(l, p, "the Job is managed by another controller: jobsd loads it and runs nothing"));
                }
        }

        {
                _cleanup_(freep) char *lp = strprintf("%s.metadata.labels", tpath),
                        *ap = strprintf("%s.metadata.annotations", tpath);
                if (!lp || !ap)
                        return -ENOMEM;
                TRY(validate_labels(l, &s->template.labels, lp));
                TRY(validate_annotations(l, &s->template.annotations, ap));
        }
        /* Without a template object there is nothing more to check; the loader has said why. */
        if (!is_mapping(l, tpath))
                return 0;
        {
                _cleanup_(freep) char *ppath = strprintf("%s.spec", tpath);
                if (!ppath)
                        return -ENOMEM;
                if (!is_mapping(l, ppath))
                        return 0;
        }
        return validate_pod_spec(l, &s->template.spec, tpath);
}

int validate_job(Loader *l, Job *j) {
        TRY(validate_metadata(l, &j->metadata, false));
        if (!mnode_get(l->root, "spec"))
                return 0;
        return validate_job_spec(l, &j->spec, j->metadata.name, "spec", false);
}

/* spec §5.1 */
int validate_cron_job(Loader *l, CronJob *c) {
        TRY(validate_metadata(l, &c->metadata, true));
        if (!mnode_get(l->root, "spec"))
                return 0;

        if (c->spec.schedule && !*c->spec.schedule)
                TRY(loader_error_path(l, "spec.schedule", "Required value"));
        else if (c->spec.schedule) {
                _cleanup_(freep) char *why = NULL;
                int r = cron_spec_parse(c->spec.schedule, &c->spec.cron, &why);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        _cleanup_(freep) char *m = strprintf("Invalid value: \"%s\": %s", c->spec.schedule, why ?: "invalid schedule");
                        if (!m)
                                return -ENOMEM;
                        TRY(loader_error_path(l, "spec.schedule", "%s", m));
                } else if (c->spec.cron.every_usec > 0) {
                        _cleanup_(freep) char *m = strprintf(
                                "Invalid value: \"%s\": not supported by jobsd: '@every' intervals have no calendar "
                                "equivalent; use a 5-field schedule (for example '*/5 * * * *')", c->spec.schedule);
                        if (!m)
                                return -ENOMEM;
                        TRY(loader_error_path(l, "spec.schedule", "%s", m));
                }
        }
        if (c->spec.time_zone) {
                _cleanup_(freep) char *why = NULL;
                int r = cron_time_zone_check(c->spec.time_zone, &why);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        _cleanup_(freep) char *m = strprintf("Invalid value: \"%s\": %s", c->spec.time_zone, why ?: "unknown time zone");
                        if (!m)
                                return -ENOMEM;
                        TRY(loader_error_path(l, "spec.timeZone", "%s", m));
                }
        }
        TRY(validate_labels(l, &c->spec.job_labels, "spec.jobTemplate.metadata.labels"));
        TRY(validate_annotations(l, &c->spec.job_annotations, "spec.jobTemplate.metadata.annotations"));
        if (!mnode_find(l->root, "spec.jobTemplate.spec", NULL))
                return 0;
        return validate_job_spec(l, &c->spec.job_spec, c->metadata.name, "spec.jobTemplate.spec", true);
}
