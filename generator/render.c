/* SPDX-License-Identifier: Apache-2.0 */
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>

#include "jobsd/cron.h"
#include "jobsd/expand.h"
#include "jobsd/json.h"
#include "jobsd/render.h"
#include "jobsd/strv.h"

const char *job_namespace(const ObjectMeta *m) {
        return m->namespace ?: "default";
}

char *pod_name(const char *job, int64_t index, uint64_t attempt) {
        if (index == UNSET)
                return strprintf("%s-%" PRIu64, job, attempt);
        return strprintf("%s-%" PRIi64 "-%" PRIu64, job, index, attempt);
}

/* spec §2.6: Indexed pods are <job>-<index>; others are named after the pod. An explicit hostname wins. */
char *pod_hostname(const Job *job, int64_t index, uint64_t attempt) {
        if (job->spec.template.spec.hostname && job->spec.completion_mode != COMPLETION_MODE_INDEXED)
                return strdup(job->spec.template.spec.hostname);
        if (job->spec.completion_mode == COMPLETION_MODE_INDEXED)
                return strprintf("%s-%" PRIi64, job->metadata.name, index);
        return pod_name(job->metadata.name, UNSET, attempt);
}

char *pod_key(const char *namespace, const char *job, int64_t index, uint64_t attempt) {
        return strprintf("%s_%s_%" PRIi64 "_%" PRIu64, namespace, job, index == UNSET ? 0 : index, attempt);
}

char *pod_unit_name(const char *namespace, const char *job, int64_t index, uint64_t attempt, unsigned restart,
                    const char *container) {
        _cleanup_(freep) char *k = pod_key(namespace, job, index, attempt), *r = NULL;

        if (!k)
                return NULL;
        if (restart > 0 && !(r = strprintf("r%u", restart)))
                return NULL;
        return strprintf("jobsd-%s%s_%s.service", k, strempty(r), container);
}

/* The '_'-separated parts of "<prefix><a>_<b>_….service"; -EINVAL for another name. */
static int unit_name_split(const char *unit, const char *prefix, char ***ret_parts) {
        _cleanup_(strv_freep) char **parts = NULL;
        const char *s = startswith(unit, prefix);
        size_t l;

        if (!s || (l = strlen(s)) <= STRLEN(".service") || !streq(s + l - STRLEN(".service"), ".service"))
                return -EINVAL;
        for (const char *p = s;;) {
                size_t n = strcspn(p, "_");
                bool last = !p[n];
                int r = strv_push(&parts, strndup(p, last ? n - STRLEN(".service") : n));
                if (r < 0)
                        return r;
                if (last)
                        break;
                p += n + 1;
        }
        *ret_parts = TAKE_PTR(parts);
        return 0;
}

int pod_unit_name_parse(const char *unit, char **ret_namespace, char **ret_job, int64_t *ret_index,
                        uint64_t *ret_attempt, unsigned *ret_restart, char **ret_container) {
        _cleanup_(strv_freep) char **parts = NULL;
        char *e;
        int r;

        r = unit_name_split(unit, "jobsd-", &parts);
        if (r < 0)
                return r;
        if (strv_length(parts) != 5 || !*parts[0] || !*parts[1] || !*parts[4])
                return -EINVAL;
        errno = 0;
        if (ret_index) {
                *ret_index = strtoll(parts[2], &e, 10);
                if (errno || *e || !*parts[2])
                        return -EINVAL;
        }
        {
                unsigned long long a = strtoull(parts[3], &e, 10);
                unsigned long rs = 0;
                if (errno || e == parts[3])
                        return -EINVAL;
                if (*e == 'r') {
                        const char *q = e + 1;
                        rs = strtoul(q, &e, 10);
                        if (errno || e == q || rs == 0 || rs > UINT32_MAX)
                                return -EINVAL;
                }
                if (*e)
                        return -EINVAL;
                if (ret_attempt)
                        *ret_attempt = a;
                if (ret_restart)
                        *ret_restart = (unsigned) rs;
        }
        /* Copies, not TAKE_PTR(): a NULL inside the vector would stop strv_free() short. */
        if ((ret_namespace && !(*ret_namespace = strdup(parts[0]))) ||
            (ret_job && !(*ret_job = strdup(parts[1]))) ||
            (ret_container && !(*ret_container = strdup(parts[4]))))
                return -ENOMEM;
        return 0;
}

/* In slice names '-' means nesting, so it is escaped as systemd-escape does; jobs "a" and "a-b" must not
 * become parent and child. */
static char *unit_escape(const char *s) {
        char *r = malloc(strlen(s) * 4 + 1), *p = r;

        if (!r)
                return NULL;
        for (; *s; s++) {
                if (*s == '-' || *s == '\\')
                        p += sprintf(p, "\\x%02x", (unsigned char) *s);
                else
                        *p++ = *s;
        }
        *p = 0;
        return r;
}

char *job_slice_name(const char *namespace, const char *job) {
        _cleanup_(freep) char *a = unit_escape(namespace), *b = unit_escape(job);

        if (!a || !b)
                return NULL;
        return strprintf("jobsd-%s_%s.slice", a, b);
}

char *cron_job_unit_name(const char *namespace, const char *cron_job, const char *suffix) {
        return strprintf("jobsd-cron_%s_%s.%s", namespace, cron_job, suffix);
}

const char *container_runtime_to_string(ContainerRuntime r) {
        static const char *const t[_CONTAINER_RUNTIME_MAX] = {
                [CONTAINER_RUNTIME_HOST] = "host",
                [CONTAINER_RUNTIME_PODMAN] = "podman",
        };
        return r >= 0 && r < _CONTAINER_RUNTIME_MAX ? t[r] : NULL;
}

ContainerRuntime container_runtime_from_string(const char *s) {
        for (ContainerRuntime r = 0; r < _CONTAINER_RUNTIME_MAX; r++)
                if (s && streq(s, container_runtime_to_string(r)))
                        return r;
        return _CONTAINER_RUNTIME_INVALID;
}

ContainerRuntime job_container_runtime(const Job *job, ContainerRuntime default_runtime) {
        ContainerRuntime r = container_runtime_from_string(str_map_get(&job->metadata.annotations, RUNTIME_ANNOTATION));

        return r >= 0 ? r : default_runtime;
}

char *podman_container_name(const char *unit) {
        size_t l = strlen(unit);

        if (l > STRLEN(".service") && streq(unit + l - STRLEN(".service"), ".service"))
                l -= STRLEN(".service");
        return strndup(unit, l);
}

/* The expanded words of command (k = 0) or args (k = 1). */
static int expand_words(char **words, char * const *env, char ***ret) {
        STRV_FOREACH(s, words) {
                char *e;
                TRY(k8s_expand(*s, env, &e));
                TRY(strv_push(ret, e));
        }
        return 0;
}

static int host_exec(const Container *c, char * const *env, char ***ret_argv, char **reterr_message) {
        _cleanup_(strv_freep) char **argv = NULL;

        /* The host runtime has no image entrypoint: command replaces it, args alone are the whole argv. */
        if (strv_length(c->command) == 0 && strv_length(c->args) == 0) {
                if (reterr_message)
                        *reterr_message = strprintf(
                                "container '%s' has no command or args: its image '%s' would supply the entrypoint, "
                                "but jobsd runs commands on the host and cannot run an image; set 'command', or run "
                                "the Job in its image (annotation " RUNTIME_ANNOTATION ": podman, docs/containers.md)",
                                c->name, strempty(c->image));
                return -EINVAL;
        }
        TRY(expand_words(c->command, env, &argv));
        TRY(expand_words(c->args, env, &argv));
        if (!argv[0] || !*argv[0]) {
                if (reterr_message)
                        *reterr_message = strprintf("container '%s': the command is empty", c->name);
                return -EINVAL;
        }
        *ret_argv = TAKE_PTR(argv);
        return 0;
}

char *image_reference_normalize(const char *image) {
        const char *slash = strchr(image, '/');
        size_t first = slash ? (size_t) (slash - image) : 0;

        /* As the kubelet (docker's rules): a first component with '.' or ':', or "localhost", is a registry;
         * otherwise docker.io, and a single name is in library/. */
        if (slash && (memchr(image, '.', first) || memchr(image, ':', first) || (first == 9 && strneq(image, "localhost", first))))
                return strdup(image);
        return strprintf("docker.io/%s%s", slash ? "" : "library/", image);
}

static char *json_array(char * const *words) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return NULL;
        fputc('[', f);
        STRV_FOREACH(w, words) {
                if (w != words)
                        fputc(',', f);
                json_write_string(f, *w);
        }
        fputc(']', f);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

static int push_printf(char ***v, const char *fmt, ...) _printf_(2, 3);
static int push_printf(char ***v, const char *fmt, ...) {
        va_list ap;
        char *s;

        va_start(ap, fmt);
        s = vstrprintf(fmt, ap);
        va_end(ap);
        return strv_push(v, s);
}

static int volume_binds(const Job *job, const Container *c, int64_t index, uint64_t attempt, const RenderContext *ctx,
                        char ***rw, char ***ro);

/* Pod-level sharing: one network namespace for the containers of a pod that has several (docs/containers.md). */
static size_t pod_n_containers(const Job *job) {
        return job->spec.template.spec.n_containers + job->spec.template.spec.n_init_containers;
}

char *pod_netns_path(const Job *job, int64_t index, uint64_t attempt, const RenderContext *ctx) {
        _cleanup_(freep) char *key = pod_key(job_namespace(&job->metadata), job->metadata.name, index, attempt);

        if (!key)
                return NULL;
        return strprintf("%s/pods/%s/netns", strempty(ctx->runtime_dir), key);
}

bool pod_shares_netns(const Job *job, const RenderContext *ctx) {
        return ctx->pod_netns && pod_n_containers(job) > 1;
}

/* Kubernetes' container in its image through `podman run` (docs/containers.md, the mapping). */
static int podman_exec(const Job *job, const Container *c, int64_t index, uint64_t attempt, char * const *env,
                       const RenderContext *ctx, char ***ret_argv, char **reterr_message) {
        const SecurityContext *pod = &job->spec.template.spec.security_context, *con = &c->security_context;
        int64_t uid = con->run_as_user != UNSET ? con->run_as_user : pod->run_as_user;
        int64_t gid = con->run_as_group != UNSET ? con->run_as_group : pod->run_as_group;
        _cleanup_(strv_freep) char **argv = NULL, **cmd = NULL, **args = NULL, **rw = NULL, **ro = NULL;
        _cleanup_(freep) char *unit = NULL, *name = NULL, *host = NULL, *image = NULL;

        if (!c->image || !*c->image) {
                if (reterr_message)
                        *reterr_message = strprintf("container '%s' has no image to run", c->name);
                return -EINVAL;
        }
        image = image_reference_normalize(c->image);
        if (!image)
                return -ENOMEM;
        unit = pod_unit_name(job_namespace(&job->metadata), job->metadata.name, index, attempt, ctx->restart, c->name);
        name = unit ? podman_container_name(unit) : NULL;
        host = pod_hostname(job, index, attempt);
        if (!name || !host)
                return -ENOMEM;

        TRY(strv_extend(&argv, ctx->podman ?: "podman"));
        STRV_FOREACH(a, ctx->podman_args)
                TRY(strv_extend(&argv, *a));
        TRY(strv_extend(&argv, "run"));
        /* As Quadlet runs a container: podman starts it and leaves (--detach); conmon, which watches it,
         * tells systemd its PID (the unit's main process from then on) and READY=1 once the container
         * runs (--sdnotify=conmon, with the unit's Type=notify and NotifyAccess=all: render_pod_container).
         * The unit's exit status is then the container's own, and a unit that never became active is
         * podman's failure (docs/containers.md, "Exit codes"). conmon hands the container the unit's
         * stdout and stderr (--log-driver=passthrough): its output reaches the journal as a host
         * command's does. Removed when it ends; a leftover of the same name (a killed conmon) is replaced.
         * jobsd pulls in its own unit first (imagePullPolicy), so run never pulls. */
        TRY(strv_extend(&argv, "--detach"));
        TRY(strv_extend(&argv, "--sdnotify=conmon"));
        TRY(strv_extend(&argv, "--log-driver=passthrough"));
        TRY(strv_extend(&argv, "--rm"));
        TRY(strv_extend(&argv, "--replace"));
        TRY(strv_extend(&argv, "--pull=never"));
        TRY(push_printf(&argv, "--name=%s", name));
        TRY(push_printf(&argv, "--hostname=%s", host));
        if (pod_shares_netns(job, ctx)) {
                _cleanup_(freep) char *ns = pod_netns_path(job, index, attempt, ctx);
                if (!ns)
                        return -ENOMEM;
                TRY(push_printf(&argv, "--network=ns:%s", ns));
        } else
                TRY(strv_extend(&argv, "--network=none"));
        STRV_FOREACH(a, ctx->podman_run_args)
                TRY(strv_extend(&argv, *a));
        STRV_FOREACH(e, env)
                TRY(push_printf(&argv, "--env=%s", *e));
        if (c->working_dir)
                TRY(push_printf(&argv, "--workdir=%s", c->working_dir));
        if (uid != UNSET && gid != UNSET)
                TRY(push_printf(&argv, "--user=%" PRIi64 ":%" PRIi64, uid, gid));
        else if (uid != UNSET)
                TRY(push_printf(&argv, "--user=%" PRIi64, uid));
        else if (gid != UNSET)
                TRY(push_printf(&argv, "--user=0:%" PRIi64, gid));
        for (size_t i = 0; i < pod->n_supplemental_groups; i++)
                TRY(push_printf(&argv, "--group-add=%" PRIi64, pod->supplemental_groups[i]));
        if (pod->fs_group != UNSET)
                TRY(push_printf(&argv, "--group-add=%" PRIi64, pod->fs_group));
        if (con->allow_privilege_escalation == TRISTATE_FALSE)
                TRY(strv_extend(&argv, "--security-opt=no-new-privileges"));
        if (con->read_only_root_filesystem == TRISTATE_TRUE)
                TRY(strv_extend(&argv, "--read-only"));
        TRY(volume_binds(job, c, index, attempt, ctx, &rw, &ro));
        for (char **v = rw; v && v[0] && v[1]; v += 2)
                TRY(push_printf(&argv, "--volume=%s:%s", v[0], v[1]));
        for (char **v = ro; v && v[0] && v[1]; v += 2)
                TRY(push_printf(&argv, "--volume=%s:%s:ro", v[0], v[1]));

        /* command replaces the image's ENTRYPOINT (and podman then drops its CMD, as Kubernetes does); args
         * replace CMD. */
        TRY(expand_words(c->command, env, &cmd));
        TRY(expand_words(c->args, env, &args));
        if (cmd && cmd[0]) {
                if (!cmd[1] && cmd[0][0] != '[')
                        TRY(push_printf(&argv, "--entrypoint=%s", cmd[0]));
                else {
                        char *j = json_array(cmd);
                        if (!j)
                                return -ENOMEM;
                        TRY(push_printf(&argv, "--entrypoint=%s", j));
                        free(j);
                }
        }
        TRY(strv_extend(&argv, image));
        STRV_FOREACH(a, args)
                TRY(strv_extend(&argv, *a));
        *ret_argv = TAKE_PTR(argv);
        return 0;
}

static int podman_rm_argv(const RenderContext *ctx, const char *unit, char ***ret) {
        _cleanup_(freep) char *name = podman_container_name(unit);

        if (!name)
                return -ENOMEM;
        TRY(strv_extend(ret, ctx->podman ?: "podman"));
        STRV_FOREACH(a, ctx->podman_args)
                TRY(strv_extend(ret, *a));
        TRY(strv_extend(ret, "rm"));
        TRY(strv_extend(ret, "--force"));
        TRY(strv_extend(ret, "--ignore"));
        TRY(strv_extend(ret, "--time=0"));
        TRY(strv_extend(ret, name));
        return 0;
}

int render_container_exec(const Job *job, const Container *c, int64_t index, uint64_t attempt, char * const *env,
                          const RenderContext *ctx, char ***ret_argv, char **reterr_message) {
        if (job_container_runtime(job, ctx->default_runtime) == CONTAINER_RUNTIME_PODMAN)
                return podman_exec(job, c, index, attempt, env, ctx, ret_argv, reterr_message);
        return host_exec(c, env, ret_argv, reterr_message);
}

static uint64_t ceil_div(uint64_t a, uint64_t b) {
        return b == 0 ? a : (a + b - 1) / b;
}

/* resourceFieldRef (spec §2.1): the value in units of the divisor, rounded up; without a limit, the
 * node's allocatable. */
static char *resource_value(const Container *c, const char *resource, const Quantity *divisor,
                            const RenderContext *ctx) {
        const Resources *r = &c->resources;
        bool cpu = strstr(resource, "cpu") != NULL, memory = strstr(resource, "memory") != NULL;
        bool limits = startswith(resource, "limits.") != NULL;
        Quantity q = {};
        bool has = false;
        __int128 div = divisor ? divisor->nano : 1000000000;

        if (cpu) {
                has = limits ? r->has_limits_cpu : (r->has_requests_cpu || r->has_limits_cpu);
                q = limits || r->has_requests_cpu ? (limits ? r->limits_cpu : r->requests_cpu) : r->limits_cpu;
                if (!has && limits)
                        q.nano = (__int128) (ctx->n_cpus ?: 1) * 1000000000;
                else if (!has)
                        q.nano = 0;
        } else if (memory) {
                has = limits ? r->has_limits_memory : (r->has_requests_memory || r->has_limits_memory);
                q = limits || r->has_requests_memory ? (limits ? r->limits_memory : r->requests_memory) : r->limits_memory;
                if (!has && limits)
                        q.nano = (__int128) ctx->memory_bytes * 1000000000;
                else if (!has)
                        q.nano = 0;
        } else
                return strdup("0");
        if (div <= 0)
                div = 1000000000;
        return strprintf("%" PRIu64, (uint64_t) ceil_div((uint64_t) (q.nano / 1000), (uint64_t) (div / 1000)));
}

static const char *label_of(const Job *job, int64_t index, const char *key) {
        if (index != UNSET && streq(key, "batch.kubernetes.io/job-completion-index"))
                return NULL;
        if (streq(key, "job-name") || streq(key, "batch.kubernetes.io/job-name"))
                return job->metadata.name;
        return str_map_get(&job->spec.template.labels, key);
}

/* fieldRef (spec §2.1), for env and downwardAPI volumes alike. */
static char *field_value(const Job *job, const char *p, int64_t index, uint64_t attempt, const RenderContext *ctx) {
        const char *k;

        if (streq(p, "metadata.name"))
                return pod_name(job->metadata.name, job->spec.completion_mode == COMPLETION_MODE_INDEXED ? index : UNSET, attempt);
        if (streq(p, "metadata.namespace"))
                return strdup(job_namespace(&job->metadata));
        if (streq(p, "metadata.uid"))
                return strdup(ctx->pod_uid ?: "");
        if (streq(p, "spec.nodeName"))
                return strdup(strempty(ctx->node_name));
        if (streq(p, "spec.serviceAccountName"))
                return strdup("default");
        if (startswith(p, "status."))
                return strdup(strempty(ctx->host_ip));
        if ((k = startswith(p, "metadata.labels['")) || (k = startswith(p, "metadata.annotations['"))) {
                _cleanup_(freep) char *key = strndup(k, strlen(k) - 2);
                const char *v;
                if (!key)
                        return NULL;
                if (index != UNSET && streq(key, "batch.kubernetes.io/job-completion-index"))
                        return strprintf("%" PRIi64, index);
                v = startswith(p, "metadata.labels") ? label_of(job, index, key) :
                        str_map_get(&job->spec.template.annotations, key);
                return strdup(strempty(v));
        }
        return strdup("");
}

/* The content of a downwardAPI volume's file (spec §2.1) for a pod of job: the same values as env's. A
 * resourceFieldRef without containerName names the first container. NULL: out of memory. */
char *render_downward_api_item(const Job *job, const DownwardAPIItem *it, int64_t index, uint64_t attempt,
                               const RenderContext *ctx) {
        const PodSpec *ps = &job->spec.template.spec;

        if (it->field_path)
                return field_value(job, it->field_path, index, attempt, ctx);
        if (it->resource) {
                const Container *c = it->container_name ? pod_spec_find_container(ps, it->container_name) :
                                     ps->n_containers > 0 ? ps->containers : NULL;
                if (c)
                        return resource_value(c, it->resource, it->has_divisor ? &it->divisor : NULL, ctx);
        }
        return strdup("");
}

static bool env_has(char * const *names, const char *name) {
        return strv_contains(names, name);
}

int render_container_env(const Job *job, const Container *c, int64_t index, uint64_t attempt,
                         const RenderContext *ctx, char ***ret_env) {
        _cleanup_(strv_freep) char **names = NULL, **values = NULL;
        bool indexed = job->spec.completion_mode == COMPLETION_MODE_INDEXED;

        for (size_t i = 0; i < c->n_env; i++) {
                const EnvVar *e = c->env + i;
                char *v;

                switch (e->source) {
                case ENV_SOURCE_VALUE:
                        v = strdup(strempty(e->value));
                        break;
                case ENV_SOURCE_FIELD_REF:
                        v = field_value(job, e->field_path, index, attempt, ctx);
                        break;
                case ENV_SOURCE_RESOURCE_FIELD_REF:
                        v = resource_value(c, e->resource, e->has_divisor ? &e->divisor : NULL, ctx);
                        break;
                default:
                        v = strdup("");
                }
                TRY(strv_push(&values, v));
                TRY(strv_extend(&names, e->name));
        }
        /* spec §2.6: every container of an Indexed pod gets JOB_COMPLETION_INDEX unless it defines it. */
        if (indexed && !env_has(names, "JOB_COMPLETION_INDEX")) {
                TRY(strv_extend(&names, "JOB_COMPLETION_INDEX"));
                TRY(strv_push(&values, strprintf("%" PRIi64, index)));
        }
        if (!names) {
                *ret_env = calloc(1, sizeof(char *));
                return *ret_env ? 0 : -ENOMEM;
        }
        return k8s_expand_env(names, values, ret_env);
}

/* cgroup v2 weight from Kubernetes' CPU request, as the kubelet converts it: shares = milli·1024/1000,
 * weight = 1 + (shares − 2)·9999/262142. */
static uint64_t cpu_weight(int64_t milli) {
        uint64_t shares = (uint64_t) milli * 1024 / 1000;

        if (shares < 2)
                shares = 2;
        if (shares > 262144)
                shares = 262144;
        return 1 + (shares - 2) * 9999 / 262142;
}

static int volume_binds(const Job *job, const Container *c, int64_t index, uint64_t attempt, const RenderContext *ctx,
                        char ***rw, char ***ro) {
        _cleanup_(freep) char *key = pod_key(job_namespace(&job->metadata), job->metadata.name, index, attempt);

        if (!key)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_volume_mounts; i++) {
                const VolumeMount *m = c->volume_mounts + i;
                const Volume *v = NULL;
                _cleanup_(freep) char *src = NULL;
                bool read_only = m->read_only;

                for (size_t j = 0; j < job->spec.template.spec.n_volumes; j++)
                        if (streq(job->spec.template.spec.volumes[j].name, m->name))
                                v = job->spec.template.spec.volumes + j;
                if (!v)
                        continue;
                switch (v->type) {
                case VOLUME_HOST_PATH:
                        src = strdup(v->host_path);
                        break;
                case VOLUME_EMPTY_DIR:
                        src = strprintf("%s/pods/%s/%s", v->medium_memory ? strempty(ctx->runtime_dir) :
                                        strempty(ctx->state_dir), key, v->name);
                        break;
                case VOLUME_DOWNWARD_API:
                        src = strprintf("%s/pods/%s/%s", strempty(ctx->state_dir), key, v->name);
                        read_only = true;
                        break;
                default:
                        continue;
                }
                if (!src)
                        return -ENOMEM;
                if (m->sub_path && *m->sub_path) {
                        char *s = strprintf("%s/%s", src, m->sub_path);
                        if (!s)
                                return -ENOMEM;
                        free(src);
                        src = s;
                }
                TRY(strv_extend(read_only ? ro : rw, src));
                TRY(strv_extend(read_only ? ro : rw, m->mount_path));
        }
        return 0;
}

static int add_volume_mounts(const Job *job, const Container *c, int64_t index, uint64_t attempt,
                             const RenderContext *ctx, UnitSpec *u) {
        _cleanup_(strv_freep) char **rw = NULL, **ro = NULL;

        TRY(volume_binds(job, c, index, attempt, ctx, &rw, &ro));
        if (rw)
                TRY(unit_spec_add_strv(u, UNIT_PROP_BIND_PATHS, rw));
        if (ro)
                TRY(unit_spec_add_strv(u, UNIT_PROP_BIND_READ_ONLY_PATHS, ro));
        return 0;
}

static int add_security_context(const Job *job, const Container *c, bool podman, UnitSpec *u, char **reterr_message) {
        const SecurityContext *pod = &job->spec.template.spec.security_context, *con = &c->security_context;
        int64_t uid = con->run_as_user != UNSET ? con->run_as_user : pod->run_as_user;
        int64_t gid = con->run_as_group != UNSET ? con->run_as_group : pod->run_as_group;
        Tristate non_root = con->run_as_non_root != TRISTATE_UNSET ? con->run_as_non_root : pod->run_as_non_root;

        /* spec §2.1: the kubelet refuses to start such a container (CreateContainerConfigError). With no
         * image, the user is jobsd's own, which is root for the system manager. */
        if (non_root == TRISTATE_TRUE && uid == 0) {
                if (reterr_message)
                        *reterr_message = strprintf("container '%s' has runAsNonRoot and will run as root (runAsUser 0)", c->name);
                return -EPERM;
        }
        /* In an image, podman sets the user, groups and the rest (render_container_exec()). */
        if (podman)
                return 0;
        if (uid != UNSET) {
                _cleanup_(freep) char *s = strprintf("%" PRIi64, uid);
                if (!s)
                        return -ENOMEM;
                TRY(unit_spec_add_string(u, UNIT_PROP_USER, s));
        }
        if (gid != UNSET) {
                _cleanup_(freep) char *s = strprintf("%" PRIi64, gid);
                if (!s)
                        return -ENOMEM;
                TRY(unit_spec_add_string(u, UNIT_PROP_GROUP, s));
        }
        if (pod->n_supplemental_groups > 0 || pod->fs_group != UNSET) {
                _cleanup_(strv_freep) char **g = NULL;
                for (size_t i = 0; i < pod->n_supplemental_groups; i++)
                        TRY(strv_push(&g, strprintf("%" PRIi64, pod->supplemental_groups[i])));
                if (pod->fs_group != UNSET)
                        TRY(strv_push(&g, strprintf("%" PRIi64, pod->fs_group)));
                TRY(unit_spec_add_strv(u, UNIT_PROP_SUPPLEMENTARY_GROUPS, g));
        }
        if (con->allow_privilege_escalation == TRISTATE_FALSE)
                TRY(unit_spec_add_bool(u, UNIT_PROP_NO_NEW_PRIVILEGES, true));
        if (con->read_only_root_filesystem == TRISTATE_TRUE)
                TRY(unit_spec_add_string(u, UNIT_PROP_PROTECT_SYSTEM, "strict"));
        return 0;
}

static int add_resources(const Container *c, UnitSpec *u) {
        const Resources *r = &c->resources;
        /* spec §2.1: a limit without a request makes the request equal to the limit. */
        bool has_req_cpu = r->has_requests_cpu || r->has_limits_cpu;
        bool has_req_mem = r->has_requests_memory || r->has_limits_memory;
        const Quantity *req_cpu = r->has_requests_cpu ? &r->requests_cpu : &r->limits_cpu;
        const Quantity *req_mem = r->has_requests_memory ? &r->requests_memory : &r->limits_memory;

        if (r->has_limits_cpu) {
                int64_t milli = quantity_to_milli_ceil(&r->limits_cpu);
                /* 1000m = one CPU = 1 s of CPU time per second; systemd needs at least 1 ms/s. */
                TRY(unit_spec_add_u64(u, UNIT_PROP_CPU_QUOTA, (uint64_t) MAX(milli, (int64_t) 1) * 1000));
        }
        if (has_req_cpu)
                TRY(unit_spec_add_u64(u, UNIT_PROP_CPU_WEIGHT, cpu_weight(quantity_to_milli_ceil(req_cpu))));
        if (r->has_limits_memory)
                TRY(unit_spec_add_u64(u, UNIT_PROP_MEMORY_MAX, (uint64_t) quantity_to_int_ceil(&r->limits_memory)));
        if (has_req_mem)
                TRY(unit_spec_add_u64(u, UNIT_PROP_MEMORY_LOW, (uint64_t) quantity_to_int_ceil(req_mem)));
        return 0;
}

int render_pod_container(const Job *job, const Container *c, bool init, int64_t index, uint64_t attempt,
                         const RenderContext *ctx, UnitSpec *ret, char **reterr_message) {
        _cleanup_(unit_spec_done) UnitSpec u = {};
        _cleanup_(strv_freep) char **env = NULL, **argv = NULL, **fields = NULL, **rm = NULL;
        _cleanup_(freep) char *desc = NULL, *slice = NULL, *pod = NULL;
        const char *ns = job_namespace(&job->metadata);
        const PodSpec *ps = &job->spec.template.spec;
        bool indexed = job->spec.completion_mode == COMPLETION_MODE_INDEXED;
        bool podman = job_container_runtime(job, ctx->default_runtime) == CONTAINER_RUNTIME_PODMAN;
        int64_t idx = indexed ? index : UNSET;
        int r;

        pod = pod_name(job->metadata.name, idx, attempt);
        u.name = pod_unit_name(ns, job->metadata.name, idx, attempt, ctx->restart, c->name);
        slice = job_slice_name(ns, job->metadata.name);
        if (!pod || !u.name || !slice)
                return -ENOMEM;

        TRY(render_container_env(job, c, idx, attempt, ctx, &env));
        r = render_container_exec(job, c, idx, attempt, env, ctx, &argv, reterr_message);
        if (r < 0)
                return r;

        desc = strprintf("%scontainer %s of pod %s/%s (Job %s, image %s)", init ? "init " : "", c->name, ns, pod,
                         job->metadata.name, strempty(c->image));
        if (!desc)
                return -ENOMEM;
        TRY(unit_spec_add_string(&u, UNIT_PROP_DESCRIPTION, desc));
        TRY(unit_spec_add_string(&u, UNIT_PROP_SLICE, slice));
        TRY(unit_spec_add_string(&u, UNIT_PROP_TYPE, podman ? "notify" : "exec"));
        /* The unit stays loaded after it exits, so its result can be read even when jobsd was not
         * running at that moment; jobsd removes it once the result is recorded (docs/ARCHITECTURE.md). */
        TRY(unit_spec_add_bool(&u, UNIT_PROP_REMAIN_AFTER_EXIT, true));
        if (podman) {
                /* conmon, a child of podman, sends MAINPID= and READY=1 (render_container_exec()). Making
                 * a container can take long (a large image on slow storage): no start timeout, which
                 * systemd would report as the unit's "timeout", jobsd's DeadlineExceeded. */
                TRY(unit_spec_add_string(&u, UNIT_PROP_NOTIFY_ACCESS, "all"));
                TRY(unit_spec_add_u64(&u, UNIT_PROP_TIMEOUT_START, UINT64_MAX));
        }
        TRY(unit_spec_add_strv(&u, UNIT_PROP_EXEC_START, argv));
        /* Through podman, the environment, user, volumes and working directory are the container's (in
         * ExecStart=); the unit keeps the cgroup, its limits, the stop signal and the journal. */
        if (env && env[0] && !podman)
                TRY(unit_spec_add_strv(&u, UNIT_PROP_ENVIRONMENT, env));
        /* spec §2.1: jobsd's choice for an unset workingDir is '/'. */
        TRY(unit_spec_add_string(&u, UNIT_PROP_WORKING_DIRECTORY, podman ? "/" : c->working_dir ?: "/"));
        r = add_security_context(job, c, podman, &u, reterr_message);
        if (r < 0)
                return r;
        TRY(add_resources(c, &u));
        if (!podman)
                TRY(add_volume_mounts(job, c, idx, attempt, ctx, &u));
        else {
                /* SIGTERM to the main process alone, conmon, which passes it to the container; SIGKILL to
                 * every process of the unit after the grace period. */
                TRY(unit_spec_add_string(&u, UNIT_PROP_KILL_MODE, "mixed"));
                /* A container killed with its conmon (SIGKILL after the grace period) would stay in podman's
                 * storage: removed once the unit stopped. */
                TRY(podman_rm_argv(ctx, u.name, &rm));
                TRY(unit_spec_add_strv(&u, UNIT_PROP_EXEC_STOP_POST, rm));
                if (ctx->podman_delegate)
                        TRY(unit_spec_add_bool(&u, UNIT_PROP_DELEGATE, true));
        }

        /* Deletion: SIGTERM, then SIGKILL after the grace period (0 means at once). */
        TRY(unit_spec_add_u64(&u, UNIT_PROP_KILL_SIGNAL, SIGTERM));
        TRY(unit_spec_add_bool(&u, UNIT_PROP_SEND_SIGKILL, true));
        TRY(unit_spec_add_u64(&u, UNIT_PROP_TIMEOUT_STOP,
                              ps->termination_grace_period_seconds > 0 ?
                              (uint64_t) ps->termination_grace_period_seconds * USEC_PER_SEC : USEC_PER_MSEC));
        if (ps->active_deadline_seconds != UNSET)
                TRY(unit_spec_add_u64(&u, UNIT_PROP_RUNTIME_MAX, (uint64_t) ps->active_deadline_seconds * USEC_PER_SEC));

        TRY(unit_spec_add_string(&u, UNIT_PROP_SYSLOG_IDENTIFIER, job->metadata.name));
        TRY(strv_push(&fields, strprintf("JOB_NAMESPACE=%s", ns)));
        TRY(strv_push(&fields, strprintf("JOB_NAME=%s", job->metadata.name)));
        TRY(strv_push(&fields, strprintf("POD_NAME=%s", pod)));
        TRY(strv_push(&fields, strprintf("CONTAINER_NAME=%s", c->name)));
        if (indexed)
                TRY(strv_push(&fields, strprintf("JOB_COMPLETION_INDEX=%" PRIi64, index)));
        TRY(unit_spec_add_strv(&u, UNIT_PROP_LOG_EXTRA_FIELDS, fields));

        *ret = u;
        u = (UnitSpec) {};
        return 0;
}

char *pull_unit_name(const char *namespace, const char *job, int64_t index, uint64_t attempt, const char *container,
                     bool check, uint32_t n) {
        _cleanup_(freep) char *k = pod_key(namespace, job, index, attempt);

        if (!k)
                return NULL;
        return strprintf("jobsd-pull-%s_%s_%c%" PRIu32 ".service", k, container, check ? 'e' : 'p', n);
}

int pull_unit_name_parse(const char *unit, char **ret_namespace, char **ret_job, uint64_t *ret_attempt,
                         char **ret_container, bool *ret_check) {
        _cleanup_(strv_freep) char **parts = NULL;
        char *e;
        unsigned long long a;
        int r;

        r = unit_name_split(unit, "jobsd-pull-", &parts);
        if (r < 0)
                return r;
        /* A pod unit of a namespace "pull-…" has five parts. */
        if (strv_length(parts) != 6 || !*parts[0] || !*parts[1] || !*parts[4] || !strchr("ep", parts[5][0]) ||
            !parts[5][1])
                return -EINVAL;
        errno = 0;
        a = strtoull(parts[3], &e, 10);
        if (errno || e == parts[3] || *e)
                return -EINVAL;
        if (ret_attempt)
                *ret_attempt = a;
        if (ret_check)
                *ret_check = parts[5][0] == 'e';
        /* Copies, not TAKE_PTR(): a NULL inside parts would end strv_free() early and leak the rest. */
        if (ret_namespace && !(*ret_namespace = strdup(parts[0])))
                return -ENOMEM;
        if (ret_job && !(*ret_job = strdup(parts[1])))
                return -ENOMEM;
        if (ret_container && !(*ret_container = strdup(parts[4])))
                return -ENOMEM;
        return 0;
}

int render_pull_unit(const Job *job, const char *unit, const char *image, bool check, const RenderContext *ctx,
                     UnitSpec *ret) {
        _cleanup_(unit_spec_done) UnitSpec u = {};
        _cleanup_(strv_freep) char **argv = NULL;
        _cleanup_(freep) char *ref = image_reference_normalize(image), *desc = NULL,
                *slice = job_slice_name(job_namespace(&job->metadata), job->metadata.name);

        if (!ref || !slice)
                return -ENOMEM;
        /* Never a shell: the image is one word of podman's argv. */
        TRY(strv_extend(&argv, ctx->podman ?: "podman"));
        STRV_FOREACH(a, ctx->podman_args)
                TRY(strv_extend(&argv, *a));
        if (check) {
                TRY(strv_extend(&argv, "image"));
                TRY(strv_extend(&argv, "exists"));
        } else
                TRY(strv_extend(&argv, "pull"));
        TRY(strv_extend(&argv, ref));
        u.name = strdup(unit);
        desc = strprintf("%s image %s for Job %s/%s", check ? "look for" : "pull", ref,
                         job_namespace(&job->metadata), job->metadata.name);
        if (!u.name || !desc)
                return -ENOMEM;
        TRY(unit_spec_add_string(&u, UNIT_PROP_DESCRIPTION, desc));
        TRY(unit_spec_add_string(&u, UNIT_PROP_SLICE, slice));
        TRY(unit_spec_add_string(&u, UNIT_PROP_TYPE, "exec"));
        TRY(unit_spec_add_bool(&u, UNIT_PROP_REMAIN_AFTER_EXIT, true));
        TRY(unit_spec_add_strv(&u, UNIT_PROP_EXEC_START, argv));
        TRY(unit_spec_add_string(&u, UNIT_PROP_WORKING_DIRECTORY, "/"));
        TRY(unit_spec_add_u64(&u, UNIT_PROP_KILL_SIGNAL, SIGTERM));
        TRY(unit_spec_add_u64(&u, UNIT_PROP_TIMEOUT_STOP, 5 * USEC_PER_SEC));
        *ret = u;
        u = (UnitSpec) {};
        return 0;
}

int render_cron_job_timer(const CronJob *cj, usec_t now_usec, usec_t horizon_usec, const RenderContext *ctx,
                          UnitSpec *ret_timer, UnitSpec *ret_service, char **reterr_message) {
        _cleanup_(unit_spec_done) UnitSpec t = {}, s = {};
        _cleanup_(strv_freep) char **lines = NULL, **argv = NULL;
        _cleanup_(freep) char *desc = NULL, *ref = NULL;
        const char *ns = job_namespace(&cj->metadata);
        int r;

        r = cron_spec_to_oncalendar(&cj->spec.cron, cj->spec.time_zone, now_usec, horizon_usec, &lines);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                if (reterr_message)
                        *reterr_message = strprintf("schedule '%s' has no calendar form: %s", cj->spec.schedule, strerror(-r));
                return r;
        }

        t.name = cron_job_unit_name(ns, cj->metadata.name, "timer");
        s.name = cron_job_unit_name(ns, cj->metadata.name, "service");
        desc = strprintf("schedule '%s'%s%s of CronJob %s/%s", cj->spec.schedule,
                         cj->spec.time_zone ? " in " : "", strempty(cj->spec.time_zone), ns, cj->metadata.name);
        ref = strprintf("cronjob/%s/%s", ns, cj->metadata.name);
        if (!t.name || !s.name || !desc || !ref)
                return -ENOMEM;

        TRY(unit_spec_add_string(&t, UNIT_PROP_DESCRIPTION, desc));
        TRY(unit_spec_add_strv(&t, UNIT_PROP_ON_CALENDAR, lines));
        /* The default AccuracySec= of one minute would make every CronJob late. */
        TRY(unit_spec_add_u64(&t, UNIT_PROP_ACCURACY, USEC_PER_SEC));
        TRY(unit_spec_add_u64(&t, UNIT_PROP_RANDOMIZED_DELAY, 0));
        /* Missed slots are jobsd's business (spec §5.5), from its own state. */
        TRY(unit_spec_add_bool(&t, UNIT_PROP_PERSISTENT, false));
        /* No Unit=: systemd does not take it for a transient timer, and the service of the same name is
         * what a timer starts anyway. */

        TRY(unit_spec_add_string(&s, UNIT_PROP_DESCRIPTION, desc));
        TRY(unit_spec_add_string(&s, UNIT_PROP_TYPE, "oneshot"));
        TRY(strv_extend(&argv, ctx->trigger_command ?: "jobctl"));
        if (ctx->user_manager)
                TRY(strv_extend(&argv, "--user"));
        TRY(strv_extend(&argv, "trigger"));
        TRY(strv_extend(&argv, ref));
        TRY(unit_spec_add_strv(&s, UNIT_PROP_EXEC_START, argv));

        *ret_timer = t;
        *ret_service = s;
        t = s = (UnitSpec) {};
        return 0;
}
