/* SPDX-License-Identifier: Apache-2.0 */
/* Creating and deleting Jobs and CronJobs through the API; the OpenAPI documents kubectl asks for. */
#include <inttypes.h>
#include <stdio.h>
#include <strings.h>
#include <systemd/sd-id128.h>

#include "config.h"
#include "jobsd/log.h"
#include "jobsd/manifest.h"
#include "jobsd/strv.h"
#include "api-create.h"
#include "api-jobs.h"
#include "api-objects.h"
#include "api-patch.h"
#include "api-watch.h"
#include "job-change.h"
#include "cronjob-manager.h"
#include "job-delete.h"
#include "k8s-protobuf.h"
#include "managed-job.h"
#include "manifest-reload.h"
#include "state-file.h"

#define BODY_NAME "request body"
#define JSON_DEPTH_MAX 64
#define API_OBJECT_MAX (4U * 1024U * 1024U)

bool api_object_file(const Manager *m, const char *file) {
        const char *p;

        if (!file)
                return false;
        p = startswith(file, m->state_dir);
        return p && startswith(p, "/" API_OBJECTS_DIR "/");
}


/* The API's object files are parsed again at the next reload whatever their times say (manifest-cache.h). */
static void forget_api_object(Manager *m, const char *ns, const char *name, const char *suffix) {
        _cleanup_(freep) char *file = strprintf("%s_%s.%s", ns, name, suffix);

        manifest_cache_forget(&m->api_object_cache, file);     /* (NULL: every file) */
}

static const char *object_file(ApiCall *c, const ApiKind *k, const void *o) {
        return k == &api_kind_jobs ? ((const ManagedJob *) o)->file : ((const ManagedCronJob *) o)->file;
}

static const void *find_object(ApiCall *c, const ApiKind *k, const char *ns, const char *name) {
        /* By the indexes by name: no scan of all Jobs or CronJobs per call. */
        if (k == &api_kind_jobs)
                return manager_find_job(c->manager, ns, name);
        if (k == &api_kind_cronjobs)
                return manager_find_cron_job(c->manager, ns, name);
        for (size_t i = 0; i < k->count(c->manager); i++) {
                const void *o = k->at(c->manager, i);
                if (streq(k->namespace(o), ns) && streq(k->name(o), name))
                        return o;
        }
        return NULL;
}

static int reply_forbidden_user(ApiCall *c, const ApiKind *k, const char *verb, const char *ns) {
        return api_reply_status(c, 403, "Forbidden", api_status_details(NULL, k->group, k->resource),
                                "%s.%s is forbidden: User \"%s\" cannot %s resource \"%s\" in API group \"%s\" in the namespace \"%s\"",
                                k->resource, k->group, strempty(c->user), verb, k->resource, k->group, ns);
}

/* The field path of a diagnostic ("spec.template.spec.containers[0].foo") taken out of the tree. */
static void remove_path(json_object *root, const char *path) {
        _cleanup_(freep) char *copy = strdup(path);
        json_object *cur = root;
        char *p = copy, *last_key = NULL;
        json_object *parent = NULL;

        if (!copy)
                return;
        while (p && *p && cur) {
                size_t len = strcspn(p, ".[");
                char sep = p[len];
                p[len] = 0;
                parent = cur;
                last_key = p;
                if (!json_object_is_type(cur, json_type_object))
                        return;
                cur = json_object_object_get(cur, p);
                p = sep ? p + len + 1 : NULL;
                while (sep == '[' && cur) {
                        char *e;
                        long idx = strtol(p, &e, 10);
                        if (*e != ']' || !json_object_is_type(cur, json_type_array))
                                return;
                        cur = json_object_array_get_idx(cur, (size_t) idx);
                        p = e + 1;
                        sep = *p;
                        if (sep == '.')
                                p++, sep = 0;
                        else if (sep == '[')
                                p++;
                        else if (sep == 0)
                                p = NULL;
                        parent = NULL;
                }
        }
        if (cur && parent && last_key && !p)
                json_object_object_del(parent, last_key);
}

static const char *field_validation(ApiCall *c) {
        const char *v = api_query(c, "fieldValidation");

        /* A cluster's default since 1.27 is Warn. */
        return v && *v ? v : "Warn";
}

typedef struct Loaded {
        ManifestList list;
        DiagList diags;
        char *text;
} Loaded;

static void loaded_done(Loaded *l) {
        manifest_list_done(&l->list);
        diag_list_done(&l->diags);
        free(l->text);
        *l = (Loaded) {};
}

static int load_tree(json_object *tree, Loaded *ret) {
        const char *text = json_object_to_json_string_ext(tree, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE);
        int r;

        loaded_done(ret);
        if (!text || !(ret->text = strdup(text)))
                return -ENOMEM;
        r = manifest_parse_buffer(BODY_NAME, ret->text, strlen(ret->text), &ret->list, &ret->diags);
        return r < 0 ? r : 0;
}

static bool diag_is_unknown_field(const Diag *d) {
        return d->level == DIAG_ERROR && d->path && streq(d->message, "unknown field");
}

static int parse_buffer(ApiCall *c, const char *body, size_t body_size, bool allow_array, json_object **ret);

/* The request body as a tree: 400 with the loader's message (libyaml's position) or json-c's. */
static int parse_body_full(ApiCall *c, bool allow_array, json_object **ret) {
        return parse_buffer(c, c->body, c->body_size, allow_array, ret);
}

static int parse_body(ApiCall *c, json_object **ret) {
        return parse_body_full(c, false, ret);
}

/* The object of a create or a replace: JSON or YAML, or Kubernetes' protobuf (kubectl create job and
 * create cronjob send it) turned into the JSON a JSON client sends for the same object, which then goes
 * the same way. A protobuf body that does not decode: 400 with the decoder's message. */
static int parse_object_body(ApiCall *c, const ApiKind *k, json_object **ret) {
        _cleanup_(freep) char *type = NULL, *json = NULL, *err = NULL;
        const char *ct = api_header(c, "Content-Type");
        int r;

        *ret = NULL;
        type = strndup(strempty(ct), strcspn(strempty(ct), "; \t"));
        if (!type)
                return -ENOMEM;
        if (strcasecmp(type, K8S_PROTOBUF_CONTENT_TYPE) != 0)
                return parse_body(c, ret);
        if (c->body_size == 0)
                return api_reply_status(c, 400, "BadRequest", NULL, "the request body is empty");
        r = k8s_protobuf_to_json(c->body, c->body_size, k->kind, &json, &err);
        if (r == -EBADMSG)
                return api_reply_status(c, 400, "BadRequest", NULL, "the protobuf request body cannot be decoded: %s",
                                        err ?: "malformed body");
        if (r < 0)
                return r;
        return parse_buffer(c, json, strlen(json), false, ret);
}

static int parse_buffer(ApiCall *c, const char *body, size_t body_size, bool allow_array, json_object **ret) {
        struct json_tokener *tok;
        json_object *o;
        enum json_tokener_error err;

        *ret = NULL;
        if (body_size == 0)
                return api_reply_status(c, 400, "BadRequest", NULL, "the request body is empty");
        if (strlen(body) != body_size)
                return api_reply_status(c, 400, "BadRequest", NULL, "the request body contains a NUL byte");
        tok = json_tokener_new_ex(JSON_DEPTH_MAX);
        if (!tok)
                return -ENOMEM;
        o = json_tokener_parse_ex(tok, body, (int) body_size);
        err = json_tokener_get_error(tok);
        if (o && err == json_tokener_success && (size_t) json_tokener_get_parse_end(tok) < body_size &&
            body[json_tokener_get_parse_end(tok) + strspn(body + json_tokener_get_parse_end(tok), " \t\r\n")] != 0) {
                json_object_put(o);
                o = NULL;
                err = json_tokener_error_parse_unexpected;
        }
        json_tokener_free(tok);
        if (!o || err != json_tokener_success) {
                /* The YAML loader says where (JSON is YAML): the same message a manifest file gets. */
                _cleanup_(manifest_list_done) ManifestList list = {};
                _cleanup_(diag_list_done) DiagList diags = {};
                json_object_put(o);
                (void) manifest_parse_buffer(BODY_NAME, body, body_size, &list, &diags);
                for (size_t i = 0; i < diags.n; i++)
                        if (diags.items[i].level == DIAG_ERROR) {
                                _cleanup_(freep) char *msg = diag_format(diags.items + i);
                                return api_reply_status(c, 400, "BadRequest", NULL, "%s", msg ?: "malformed request body");
                        }
                return api_reply_status(c, 400, "BadRequest", NULL, "the request body is not JSON: %s",
                                        json_tokener_error_desc(err));
        }
        if (!json_object_is_type(o, json_type_object) && !(allow_array && json_object_is_type(o, json_type_array))) {
                json_object_put(o);
                return api_reply_status(c, 400, "BadRequest", NULL, "the request body is not a JSON object");
        }
        *ret = o;
        return 0;
}

static const char *tree_string(json_object *o, const char *a, const char *b) {
        json_object *v = json_object_object_get(o, a);

        if (b)
                v = json_object_object_get(v, b);
        return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static int reply_invalid(ApiCall *c, const ApiKind *k, const char *name, const DiagList *diags) {
        _cleanup_(strv_freep) char **parts = NULL;
        _cleanup_(freep) char *joined = NULL;
        json_object *details = api_status_details(name, k->group, k->kind), *causes = json_object_new_array();
        size_t n = 0;

        if (!details || api_json_add(details, "causes", causes) < 0) {
                json_object_put(details);
                return -ENOMEM;
        }
        for (size_t i = 0; i < diags->n; i++) {
                const Diag *d = diags->items + i;
                json_object *cause;
                if (d->level != DIAG_ERROR)
                        continue;
                cause = json_object_new_object();
                if (!cause || json_object_array_add(causes, cause) < 0 ||
                    api_json_str(cause, "reason", "FieldValueInvalid") < 0 || api_json_str(cause, "message", d->message) < 0 ||
                    api_json_str(cause, "field", d->path) < 0 ||
                    strv_push(&parts, d->path ? strprintf("%s: %s", d->path, d->message) : strdup(d->message)) < 0) {
                        json_object_put(details);
                        return -ENOMEM;
                }
                n++;
        }
        joined = strv_join(parts, ", ");
        if (!joined) {
                json_object_put(details);
                return -ENOMEM;
        }
        return api_reply_status(c, 422, "Invalid", details, "%s.%s \"%s\" is invalid: %s%s%s", k->kind, k->group,
                                strempty(name), n > 1 ? "[" : "", joined, n > 1 ? "]" : "");
}

/* A reply was queued: 1, or the failure to queue it. */
static int replied(int r) {
        return r < 0 ? r : 1;
}

/* dryRun of a request: the query's (kubectl's --dry-run=server on create, replace, patch), or the
 * DeleteOptions body's list (kubectl delete --dry-run=server sends {"dryRun":["All"]}). "All" is the one
 * value Kubernetes knows; anything else: 422 as the API server answers (returns 1 then). */
static int dry_run(ApiCall *c, const char *options_kind, json_object *body_list, bool *ret) {
        const char *q = api_query(c, "dryRun"), *bad = NULL;

        *ret = false;
        if (q) {
                if (streq(q, "All"))
                        *ret = true;
                else
                        bad = q;
        }
        if (!bad && body_list) {
                if (!json_object_is_type(body_list, json_type_array))
                        return replied(api_reply_status(c, 400, "BadRequest", NULL, "dryRun must be a list of strings"));
                for (size_t i = 0; i < json_object_array_length(body_list); i++) {
                        json_object *v = json_object_array_get_idx(body_list, i);
                        if (!json_object_is_type(v, json_type_string))
                                return replied(api_reply_status(c, 400, "BadRequest", NULL, "dryRun must be a list of strings"));
                        if (!streq(json_object_get_string(v), "All")) {
                                bad = json_object_get_string(v);
                                break;
                        }
                        *ret = true;
                }
        }
        if (bad) {
                /* A header's quoted string and a JSON string alike: no quote, backslash or control byte. */
                _cleanup_(freep) char *safe = strdup(bad);
                json_object *details = api_status_details("", "meta.k8s.io", options_kind), *causes = json_object_new_array(),
                        *cause = json_object_new_object();
                if (!safe || !details || api_json_add(details, "causes", causes) < 0 || !cause ||
                    json_object_array_add(causes, cause) < 0) {
                        json_object_put(details);
                        json_object_put(cause);
                        return -ENOMEM;
                }
                for (char *p = safe; *p; p++)
                        if ((unsigned char) *p < 0x20 || *p == '"' || *p == '\\' || *p == 0x7f)
                                *p = '?';
                if (api_json_str(cause, "reason", "FieldValueNotSupported") < 0 || api_json_str(cause, "field", "dryRun") < 0) {
                        json_object_put(details);
                        return -ENOMEM;
                }
                {
                        _cleanup_(freep) char *m = strprintf("Unsupported value: []string{\"%s\"}: supported values: \"All\"", safe);
                        if (!m || api_json_str(cause, "message", m) < 0) {
                                json_object_put(details);
                                return -ENOMEM;
                        }
                }
                return replied(api_reply_status(c, 422, "Invalid", details,
                                                "%s.meta.k8s.io \"\" is invalid: dryRun: Unsupported value: []string{\"%s\"}: "
                                                "supported values: \"All\"", options_kind, safe));
        }
        return 0;
}

/* The object a dry run would have made: a Job or CronJob of the loaded model, not added to jobsd, with
 * the server's fields of a new object (uid, creationTimestamp; no resourceVersion, as Kubernetes). */
static json_object *dry_run_new_object(ApiCall *c, const ApiKind *k, const char *ns, const char *name, Manifest *mf) {
        _cleanup_(freep) char *file = strprintf("%s/%s/%s_%s.%s.yaml", c->manager->state_dir, API_OBJECTS_DIR, ns, name,
                                                 k == &api_kind_jobs ? "job" : "cronjob");
        usec_t now = manager_now();
        json_object *o;

        if (!file)
                return NULL;
        if (k == &api_kind_jobs) {
                char uid[37];
                sd_id128_t id;
                if (sd_id128_randomize(&id) < 0)
                        return NULL;
                snprintf(uid, sizeof(uid), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                         id.bytes[0], id.bytes[1], id.bytes[2], id.bytes[3], id.bytes[4], id.bytes[5],
                         (id.bytes[6] & 0x0f) | 0x40, id.bytes[7], (id.bytes[8] & 0x3f) | 0x80, id.bytes[9], id.bytes[10],
                         id.bytes[11], id.bytes[12], id.bytes[13], id.bytes[14], id.bytes[15]);
                ManagedJob tmp = {
                        .manager = c->manager, .file = file, .job = mf->job,
                        .record = { .uid = uid, .created_usec = now },
                };
                o = api_job_to_json(&tmp);
        } else {
                ManagedCronJob tmp = {
                        .manager = c->manager, .file = file, .cj = mf->cron_job, .status = { .created_usec = now },
                };
                o = api_cron_job_to_json(&tmp);
        }
        if (o)
                json_object_object_del(json_object_object_get(o, "metadata"), "resourceVersion");
        return o;
}

/* The tree through the manifest loader with fieldValidation applied: 0 and *l loaded, 1 if it replied
 * (400, 422), < 0 on failure. Warnings (Warn) are added to *warnings. */
static int validate_tree(ApiCall *c, const ApiKind *k, const char *name, const char *validation, json_object *tree,
                         Loaded *l_out, char ***warnings_out) {
        _cleanup_(loaded_done) Loaded l = {};
        _cleanup_(strv_freep) char **warnings = NULL;
        int r;

        r = load_tree(tree, &l);
        if (r < 0)
                return r;
        /* fieldValidation: unknown fields are errors (Strict), warnings (Warn) or dropped (Ignore). */
        bool unknown = false;
        for (size_t i = 0; i < l.diags.n; i++)
                if (diag_is_unknown_field(l.diags.items + i))
                        unknown = true;
        if (unknown && streq(validation, "Strict")) {
                _cleanup_(strv_freep) char **parts = NULL;
                _cleanup_(freep) char *joined = NULL;
                for (size_t i = 0; i < l.diags.n; i++)
                        if (diag_is_unknown_field(l.diags.items + i) &&
                            strv_push(&parts, strprintf("unknown field \"%s\"", l.diags.items[i].path)) < 0)
                                return -ENOMEM;
                joined = strv_join(parts, ", ");
                if (!joined)
                        return -ENOMEM;
                return replied(api_reply_status(c, 400, "BadRequest", NULL, "strict decoding error: %s", joined));
        }
        if (unknown) {
                for (size_t i = 0; i < l.diags.n; i++)
                        if (diag_is_unknown_field(l.diags.items + i)) {
                                if (streq(validation, "Warn")) {
                                        /* A quoted-string of a header: no quote, backslash or control character
                                         * of the client's field name gets through. */
                                        _cleanup_(freep) char *safe = strdup(l.diags.items[i].path);
                                        if (!safe)
                                                return -ENOMEM;
                                        for (char *q = safe; *q; q++)
                                                if ((unsigned char) *q < 0x20 || *q == '"' || *q == '\\' || *q == 0x7f)
                                                        *q = '?';
                                        if (strv_push(&warnings, strprintf("unknown field \\\"%s\\\"", safe)) < 0)
                                                return -ENOMEM;
                                }
                                remove_path(tree, l.diags.items[i].path);
                        }
                r = load_tree(tree, &l);
                if (r < 0)
                        return r;
        }
        if (diag_list_has_errors(&l.diags))
                return replied(reply_invalid(c, k, name, &l.diags));
        if (l.list.n != 1)
                return replied(api_reply_status(c, 400, "BadRequest", NULL, "the request body must hold one object"));

        *l_out = l;
        l = (Loaded) {};
        *warnings_out = TAKE_PTR(warnings);
        return 0;
}

int api_create(ApiCall *c, const ApiKind *k, const char *ns) {
        _cleanup_(json_object_putp) json_object *tree = NULL;
        _cleanup_(loaded_done) Loaded l = {};
        _cleanup_(strv_freep) char **warnings = NULL;
        const char *validation = field_validation(c), *kind, *api_version, *body_ns, *name;
        json_object *meta;
        char *name_buf = NULL;
        bool dry;
        int r;

        if (!streq(validation, "Strict") && !streq(validation, "Warn") && !streq(validation, "Ignore"))
                return api_reply_status(c, 400, "BadRequest", NULL,
                                        "fieldValidation must be Strict, Warn or Ignore, not '%s'", validation);
        r = dry_run(c, "CreateOptions", NULL, &dry);
        if (r != 0)
                return r < 0 ? r : 0;
        if (!c->admin)
                return reply_forbidden_user(c, k, "create", ns);
        r = parse_object_body(c, k, &tree);
        if (r < 0 || !tree)
                return r;
        kind = tree_string(tree, "kind", NULL);
        api_version = tree_string(tree, "apiVersion", NULL);
        if (!streq_ptr(kind, k->kind) || !streq_ptr(api_version, k->api_version))
                return api_reply_status(c, 400, "BadRequest", NULL,
                                        "the object is %s %s; %s takes kind %s, apiVersion %s", api_version ?: "(no apiVersion)",
                                        kind ?: "(no kind)", k->resource, k->kind, k->api_version);
        meta = json_object_object_get(tree, "metadata");
        if (!meta) {
                meta = json_object_new_object();
                if (api_json_add(tree, "metadata", meta) < 0)
                        return -ENOMEM;
        }
        if (!json_object_is_type(meta, json_type_object))
                return api_reply_status(c, 400, "BadRequest", NULL, "metadata must be an object");
        body_ns = tree_string(tree, "metadata", "namespace");
        if (body_ns && !streq(body_ns, ns))
                return api_reply_status(c, 400, "BadRequest", NULL,
                                        "the namespace of the provided object (%s) does not match the namespace sent on the request (%s)",
                                        body_ns, ns);
        if (!body_ns && api_json_str(meta, "namespace", ns) < 0)
                return -ENOMEM;
        name = tree_string(tree, "metadata", "name");
        if (!name && tree_string(tree, "metadata", "generateName")) {
                static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
                sd_id128_t rnd;
                char suffix[6];
                if (sd_id128_randomize(&rnd) < 0)
                        return -EIO;
                for (size_t i = 0; i < 5; i++)
                        suffix[i] = alphabet[rnd.bytes[i] % (sizeof(alphabet) - 1)];
                suffix[5] = 0;
                name_buf = strprintf("%.58s%s", tree_string(tree, "metadata", "generateName"), suffix);
                if (!name_buf || api_json_str(meta, "name", name_buf) < 0) {
                        free(name_buf);
                        return -ENOMEM;
                }
                free(name_buf);
                name = tree_string(tree, "metadata", "name");
        }
        if (!name)
                return api_reply_status(c, 422, "Invalid", NULL, "%s.%s \"\" is invalid: metadata.name: Required value: name or generateName is required",
                                        k->kind, k->group);

        r = validate_tree(c, k, name, validation, tree, &l, &warnings);
        if (r != 0)
                return r < 0 ? r : 0;
        if (find_object(c, k, ns, name))
                return api_reply_status(c, 409, "AlreadyExists", api_status_details(name, k->group, k->resource),
                                        "%s.%s \"%s\" already exists", k->resource, k->group, name);
        if (dry) {
                /* Validated, answered as done; nothing saved, nothing runs, no event. */
                STRV_FOREACH(w, warnings) {
                        _cleanup_(freep) char *h = strprintf("299 - \"%s\"", *w);
                        if (h)
                                api_add_warning(c, h);
                }
                return api_reply_json(c, 201, dry_run_new_object(c, k, ns, name, l.list.items), NULL);
        }
        {
                _cleanup_(freep) char *suffix = strprintf("%s.yaml", k == &api_kind_jobs ? "job" : "cronjob");
                if (!suffix)
                        return -ENOMEM;
                /* A Job deleted earlier with the same content must not stay deleted: this is a new one. */
                if (k == &api_kind_jobs)
                        (void) state_file_delete(c->manager->state_dir, "jobs", ns, name, "deleted");
                forget_api_object(c->manager, ns, name, suffix);
                r = state_file_put(c->manager->state_dir, API_OBJECTS_DIR, ns, name, suffix, l.text, strlen(l.text));
                if (r < 0)
                        return log_error_errno(r, "API: cannot save %s %s/%s: %m", k->kind, ns, name);
        }
        r = manifest_reload(c->manager);
        if (r < 0)
                return r;
        const void *o = find_object(c, k, ns, name);
        if (!o)
                return api_reply_status(c, 500, "InternalError", NULL,
                                        "%s %s/%s was saved but did not load; see jobsd's log", k->kind, ns, name);
        log_info("%s/%s: %s created through the API by %s", ns, name, k->kind, strempty(c->user));
        STRV_FOREACH(w, warnings) {
                _cleanup_(freep) char *h = strprintf("299 - \"%s\"", *w);
                if (h)
                        api_add_warning(c, h);
        }
        return api_reply_json(c, 201, k->to_json(o), NULL);
}

/* The propagationPolicy and dryRun of a DeleteOptions body or the query. */
static int propagation(ApiCall *c, const char **ret, bool *ret_dry) {
        const char *p = api_query(c, "propagationPolicy");
        static const char *const policies[] = { "Background", "Foreground", "Orphan" };
        int r;

        if (c->body_size > 0) {
                _cleanup_(json_object_putp) json_object *tree = NULL;
                r = parse_body(c, &tree);
                if (r < 0 || !tree)
                        return r < 0 ? r : 1;
                r = dry_run(c, "DeleteOptions", json_object_object_get(tree, "dryRun"), ret_dry);
                if (r != 0)
                        return r;
                json_object *v = json_object_object_get(tree, "propagationPolicy");
                if (v && json_object_is_type(v, json_type_string)) {
                        for (size_t i = 0; i < ELEMENTSOF(policies); i++)
                                if (streq(json_object_get_string(v), policies[i]))
                                        p = policies[i];
                        if (!p || !streq(p, json_object_get_string(v))) {
                                api_reply_status(c, 400, "BadRequest", NULL,
                                                 "propagationPolicy must be Background, Foreground or Orphan, not '%s'",
                                                 json_object_get_string(v));
                                return 1;
                        }
                } else if (json_object_object_get(tree, "orphanDependents") &&
                           json_object_get_boolean(json_object_object_get(tree, "orphanDependents")))
                        p = "Orphan";
        }
        if (p && !streq(p, "Background") && !streq(p, "Foreground") && !streq(p, "Orphan")) {
                api_reply_status(c, 400, "BadRequest", NULL,
                                 "propagationPolicy must be Background, Foreground or Orphan, not '%s'", p);
                return 1;
        }
        if (c->body_size == 0) {
                r = dry_run(c, "DeleteOptions", NULL, ret_dry);
                if (r != 0)
                        return r;
        }
        *ret = p ?: "Background";
        return 0;
}

/* Whether a Job names CronJob uid (of its namespace) as an owner. */
static bool job_owned_by(const ManagedJob *j, const char *uid) {
        const ObjectMeta *m = &j->job->metadata;

        for (size_t i = 0; i < m->n_owner_references; i++)
                if (streq_ptr(m->owner_references[i].kind, "CronJob") && streq_ptr(m->owner_references[i].uid, uid) &&
                    startswith(strempty(m->owner_references[i].api_version), "batch/"))
                        return true;
        return false;
}

/* A CronJob deleted through the API (Background or Foreground): the Jobs of the API that name it as an
 * owner by its uid (kubectl create job --from=cronjob/…) are deleted too, as a cluster's garbage
 * collector deletes them. A manifest file's Job is the file's: kept. */
static int delete_owned_jobs(ApiCall *c, ManagedCronJob *cj, const char *policy) {
        _cleanup_(strv_freep) char **names = NULL;
        const char *ns = managed_cron_job_namespace(cj);
        char uid[37];
        int r;

        if (streq(policy, "Orphan"))
                return 0;
        api_cron_job_uid(cj, uid);
        for (size_t i = 0; i < c->manager->n_jobs; i++) {
                const ManagedJob *j = c->manager->jobs[i];
                if (!j->cron_owner && !j->deleting && streq(managed_job_namespace(j), ns) &&
                    api_object_file(c->manager, j->file) && job_owned_by(j, uid) &&
                    strv_extend(&names, j->job->metadata.name) < 0)
                        return -ENOMEM;
        }
        STRV_FOREACH(name, names) {
                ManagedJob *j = manager_find_job(c->manager, ns, *name);
                if (!j)
                        continue;
                forget_api_object(c->manager, ns, *name, "job.yaml");
                r = state_file_delete(c->manager->state_dir, API_OBJECTS_DIR, ns, *name, "job.yaml");
                if (r < 0)
                        return log_error_errno(r, "API: cannot remove %s: %m", j->file);
                r = manager_delete_job(c->manager, j, streq(policy, "Foreground") ? "foreground" : "background");
                if (r < 0)
                        return r;
                log_info("%s/%s: Job deleted with its owner CronJob %s", ns, *name, cj->cj->metadata.name);
        }
        return 0;
}

int api_delete(ApiCall *c, const ApiKind *k, const char *ns, const char *name) {
        const void *o = find_object(c, k, ns, name);
        const char *policy = NULL, *file;
        _cleanup_(json_object_putp) json_object *before = NULL;
        _cleanup_(freep) char *suffix = NULL;
        bool dry = false;
        int r;

        if (!c->admin)
                return reply_forbidden_user(c, k, "delete", ns);
        if (!o)
                return api_reply_status(c, 404, "NotFound", api_status_details(name, k->group, k->resource),
                                        "%s.%s \"%s\" not found", k->resource, k->group, name);
        r = propagation(c, &policy, &dry);
        if (r != 0)
                return r < 0 ? r : 0;
        file = object_file(c, k, o);
        if (k == &api_kind_jobs && ((const ManagedJob *) o)->cron_owner) {
                /* A CronJob's Job: deleted as jobctl deletes it. */
        } else if (!api_object_file(c->manager, file))
                return api_reply_status(c, 403, "Forbidden", api_status_details(name, k->group, k->resource),
                                        "%s.%s \"%s\" is defined in the manifest file %s: remove or edit the file to "
                                        "delete or change it", k->resource, k->group, name, file);
        before = k->to_json(o);
        if (!before)
                return -ENOMEM;
        if (dry)
                return api_reply_json(c, 200, TAKE_PTR(before), NULL);
        if (api_object_file(c->manager, file)) {
                suffix = strprintf("%s.yaml", k == &api_kind_jobs ? "job" : "cronjob");
                if (!suffix)
                        return -ENOMEM;
                forget_api_object(c->manager, ns, name, suffix);
                r = state_file_delete(c->manager->state_dir, API_OBJECTS_DIR, ns, name, suffix);
                if (r < 0)
                        return log_error_errno(r, "API: cannot remove %s: %m", file);
        }
        if (k == &api_kind_jobs) {
                _cleanup_(freep) char *lower = strdup(policy);
                if (!lower)
                        return -ENOMEM;
                lower[0] = (char) (lower[0] - 'A' + 'a');
                r = manager_delete_job(c->manager, (ManagedJob *) o, lower);
                if (r < 0)
                        return r;
        } else {
                r = delete_owned_jobs(c, (ManagedCronJob *) o, policy);
                if (r < 0)
                        return r;
                manager_remove_cron_job(c->manager, (ManagedCronJob *) o);
        }
        log_info("%s/%s: %s deleted through the API by %s (%s)", ns, name, k->kind, strempty(c->user), policy);
        return api_reply_json(c, 200, TAKE_PTR(before), NULL);
}

/* OpenAPI v3: the group document has, for each kind, the PATCH operation with its
 * x-kubernetes-group-version-kind and the fieldValidation parameter: kubectl then leaves validation to
 * the server (fieldValidation=Strict). No schemas are served, so no strategic-merge-patch content type. */
static json_object *patch_operation(const char *kind) {
        _cleanup_(json_object_putp) json_object *op = json_object_new_object();
        json_object *params = json_object_new_array(), *p, *schema, *gvk, *body, *content, *responses, *ok;
        static const char * const types[] = { "application/json-patch+json", "application/merge-patch+json",
                                              "application/apply-patch+yaml" };
        _cleanup_(freep) char *id = strprintf("patchBatchV1Namespaced%s", kind);

        if (!op || !id || api_json_str(op, "operationId", id) < 0 || api_json_add(op, "parameters", params) < 0)
                return NULL;
        static const char * const names[] = { "dryRun", "fieldManager", "fieldValidation", "force", NULL };
        for (const char * const *name = names; *name; name++) {
                p = json_object_new_object();
                if (!p || json_object_array_add(params, p) < 0)
                        return json_object_put(p), NULL;
                schema = json_object_new_object();
                if (api_json_str(p, "name", *name) < 0 || api_json_str(p, "in", "query") < 0 ||
                    api_json_add(p, "schema", schema) < 0 ||
                    api_json_str(schema, "type", streq(*name, "force") ? "boolean" : "string") < 0 ||
                    api_json_bool(schema, "uniqueItems", true) < 0)
                        return NULL;
        }
        body = json_object_new_object();
        content = json_object_new_object();
        if (api_json_add(op, "requestBody", body) < 0 || api_json_add(body, "content", content) < 0)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(types); i++)
                if (api_json_add(content, types[i], json_object_new_object()) < 0)
                        return NULL;
        responses = json_object_new_object();
        ok = json_object_new_object();
        if (api_json_add(op, "responses", responses) < 0 || api_json_add(responses, "200", ok) < 0 ||
            api_json_str(ok, "description", "OK") < 0)
                return NULL;
        gvk = json_object_new_object();
        if (api_json_str(op, "x-kubernetes-action", "patch") < 0 ||
            api_json_add(op, "x-kubernetes-group-version-kind", gvk) < 0 || api_json_str(gvk, "group", "batch") < 0 ||
            api_json_str(gvk, "version", "v1") < 0 || api_json_str(gvk, "kind", kind) < 0)
                return NULL;
        return TAKE_PTR(op);
}

int api_openapi_v3(ApiCall *c) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        json_object *paths = json_object_new_object();

        if (!o || api_json_add(o, "paths", paths) < 0)
                return -ENOMEM;
        if (c->n_path == 2) {
                json_object *g = json_object_new_object();
                if (api_json_add(paths, "apis/batch/v1", g) < 0 ||
                    api_json_str(g, "serverRelativeURL", "/openapi/v3/apis/batch/v1?hash=jobsd-" JOBSD_VERSION "-1") < 0)
                        return -ENOMEM;
                return api_reply_json(c, 200, TAKE_PTR(o), NULL);
        }
        if (c->n_path != 5 || !streq(c->path[2], "apis") || !streq(c->path[3], "batch") || !streq(c->path[4], "v1"))
                return api_reply_status(c, 404, "NotFound", NULL, "the server could not find the requested resource");
        json_object *info = json_object_new_object(), *jobs = json_object_new_object(), *cron = json_object_new_object(),
                *components = json_object_new_object();
        if (api_json_str(o, "openapi", "3.0.0") < 0 || api_json_add(o, "info", info) < 0 ||
            api_json_str(info, "title", "Kubernetes (jobsd)") < 0 || api_json_str(info, "version", "v1.32.5") < 0 ||
            api_json_add(paths, "/apis/batch/v1/namespaces/{namespace}/jobs/{name}", jobs) < 0 ||
            api_json_add(jobs, "patch", patch_operation("Job")) < 0 ||
            api_json_add(paths, "/apis/batch/v1/namespaces/{namespace}/cronjobs/{name}", cron) < 0 ||
            api_json_add(cron, "patch", patch_operation("CronJob")) < 0 ||
            api_json_add(o, "components", components) < 0 || api_json_add(components, "schemas", json_object_new_object()) < 0)
                return -ENOMEM;
        return api_reply_json(c, 200, TAKE_PTR(o), NULL);
}

static const char *object_suffix(const ApiKind *k) {
        return k == &api_kind_jobs ? "job.yaml" : "cronjob.yaml";
}

/* What the server sets, taken out of a tree before it becomes the manifest again: metadata the server
 * owns, the status, the file annotation, and the selector and labels Kubernetes generates for a Job. */
static void strip_server_fields(json_object *tree, const ApiKind *k, const void *o) {
        json_object *meta = json_object_object_get(tree, "metadata"), *spec = json_object_object_get(tree, "spec"), *ann;
        static const char * const owned[] = { "uid", "resourceVersion", "generation", "creationTimestamp", "managedFields",
                                              "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink" };

        json_object_object_del(tree, "status");
        if (json_object_is_type(meta, json_type_object)) {
                for (size_t i = 0; i < ELEMENTSOF(owned); i++)
                        json_object_object_del(meta, owned[i]);
                ann = json_object_object_get(meta, "annotations");
                if (json_object_is_type(ann, json_type_object))
                        json_object_object_del(ann, API_MANIFEST_FILE_ANNOTATION);
        }
        if (k == &api_kind_jobs && o && json_object_is_type(spec, json_type_object)) {
                const ManagedJob *j = o;
                const char *uid = strempty(j->record.uid), *name = j->job->metadata.name;
                json_object *sel = json_object_object_get(spec, "selector"), *ml = json_object_object_get(sel, "matchLabels"),
                        *manual = json_object_object_get(spec, "manualSelector"),
                        *labels = json_object_object_get(json_object_object_get(json_object_object_get(spec, "template"), "metadata"), "labels");
                if (!(manual && json_object_get_boolean(manual))) {
                        if (json_object_is_type(ml, json_type_object) && json_object_object_length(ml) == 1 &&
                            json_object_object_length(sel) == 1 &&
                            streq_ptr(json_object_get_string(json_object_object_get(ml, "batch.kubernetes.io/controller-uid")), uid))
                                json_object_object_del(spec, "selector");
                        if (json_object_is_type(labels, json_type_object)) {
                                static const char * const gen[][2] = {
                                        { "batch.kubernetes.io/controller-uid", "u" }, { "controller-uid", "u" },
                                        { "batch.kubernetes.io/job-name", "n" }, { "job-name", "n" },
                                };
                                for (size_t i = 0; i < ELEMENTSOF(gen); i++)
                                        if (streq_ptr(json_object_get_string(json_object_object_get(labels, gen[i][0])),
                                                      gen[i][1][0] == 'u' ? uid : name))
                                                json_object_object_del(labels, gen[i][0]);
                        }
                }
        }
}

static uint64_t object_rv(const ApiKind *k, const void *o) {
        return k == &api_kind_jobs ? ((const ManagedJob *) o)->resource_version :
                ((const ManagedCronJob *) o)->resource_version;
}

/* The new manifest tree of an existing object (taken): checks, validation, immutable fields, save,
 * reload, reply. */
static int replace_object(ApiCall *c, const ApiKind *k, const char *ns, const char *name, const void *o,
                          json_object *tree_in, const char *old_text, bool dry) {
        _cleanup_(json_object_putp) json_object *tree = tree_in;
        _cleanup_(loaded_done) Loaded l = {};
        _cleanup_(strv_freep) char **warnings = NULL;
        const char *validation = field_validation(c), *rv;
        char cur[32];
        int r;

        if (!json_object_is_type(tree, json_type_object))
                return api_reply_status(c, 400, "BadRequest", NULL, "the object must be a JSON object");
        if (!streq_ptr(tree_string(tree, "kind", NULL), k->kind) ||
            !streq_ptr(tree_string(tree, "apiVersion", NULL), k->api_version))
                return api_reply_status(c, 400, "BadRequest", NULL, "the object must stay kind %s, apiVersion %s",
                                        k->kind, k->api_version);
        if (!streq_ptr(tree_string(tree, "metadata", "name"), name))
                return api_reply_status(c, 400, "BadRequest", NULL,
                                        "the name of the object (%s) does not match the name on the URL (%s)",
                                        strempty(tree_string(tree, "metadata", "name")), name);
        if (tree_string(tree, "metadata", "namespace") && !streq(tree_string(tree, "metadata", "namespace"), ns))
                return api_reply_status(c, 400, "BadRequest", NULL,
                                        "the namespace of the provided object does not match the namespace sent on the request");
        /* Optimistic concurrency: a resourceVersion given must be the current one. */
        snprintf(cur, sizeof(cur), "%" PRIu64, object_rv(k, o));
        rv = tree_string(tree, "metadata", "resourceVersion");
        if (rv && *rv && !streq(rv, cur))
                return api_reply_status(c, 409, "Conflict", api_status_details(name, k->group, k->resource),
                                        "Operation cannot be fulfilled on %s.%s \"%s\": the object has been modified; "
                                        "please apply your changes to the latest version and try again",
                                        k->resource, k->group, name);
        strip_server_fields(tree, k, o);
        if (api_json_str(json_object_object_get(tree, "metadata"), "namespace", ns) < 0)
                return -ENOMEM;
        r = validate_tree(c, k, name, validation, tree, &l, &warnings);
        if (r != 0)
                return r < 0 ? r : 0;
        if (k == &api_kind_jobs) {
                const char *field = job_immutable_change(((const ManagedJob *) o)->job, l.list.items[0].job);
                if (field) {
                        json_object *details = api_status_details(name, k->group, k->kind), *causes = json_object_new_array(),
                                *cause = json_object_new_object();
                        if (!details || api_json_add(details, "causes", causes) < 0 || !cause ||
                            json_object_array_add(causes, cause) < 0 || api_json_str(cause, "reason", "FieldValueInvalid") < 0 ||
                            api_json_str(cause, "field", field) < 0 || api_json_str(cause, "message", "field is immutable") < 0) {
                                json_object_put(details);
                                return -ENOMEM;
                        }
                        return api_reply_status(c, 422, "Invalid", details, "Job.batch \"%s\" is invalid: %s: field is immutable",
                                                name, field);
                }
        }
        if (dry) {
                /* The object as it would be: the new content with the current record (uid, status,
                 * resourceVersion); nothing saved, no event. */
                json_object *out;
                STRV_FOREACH(w, warnings) {
                        _cleanup_(freep) char *h = strprintf("299 - \"%s\"", *w);
                        if (h)
                                api_add_warning(c, h);
                }
                if (k == &api_kind_jobs) {
                        ManagedJob tmp = *(const ManagedJob *) o;
                        tmp.job = l.list.items[0].job;
                        out = api_job_to_json(&tmp);
                } else {
                        ManagedCronJob tmp = *(const ManagedCronJob *) o;
                        tmp.cj = l.list.items[0].cron_job;
                        out = api_cron_job_to_json(&tmp);
                }
                return api_reply_json(c, 200, out, NULL);
        }
        if (!streq_ptr(old_text, l.text)) {
                forget_api_object(c->manager, ns, name, object_suffix(k));
                r = state_file_put(c->manager->state_dir, API_OBJECTS_DIR, ns, name, object_suffix(k), l.text, strlen(l.text));
                if (r < 0)
                        return log_error_errno(r, "API: cannot save %s %s/%s: %m", k->kind, ns, name);
                r = manifest_reload(c->manager);
                if (r < 0)
                        return r;
                log_info("%s/%s: %s changed through the API by %s", ns, name, k->kind, strempty(c->user));
                /* A reload takes a Job's new content only when what it runs changed: its labels and
                 * annotations are taken here. */
                o = find_object(c, k, ns, name);
                if (o && k == &api_kind_jobs) {
                        ManagedJob *j = (ManagedJob *) o;
                        ObjectMeta *new = &l.list.items[0].job->metadata;
                        if (j->job != l.list.items[0].job) {
                                StrMap t = j->job->metadata.labels;
                                j->job->metadata.labels = new->labels;
                                new->labels = t;
                                t = j->job->metadata.annotations;
                                j->job->metadata.annotations = new->annotations;
                                new->annotations = t;
                                OwnerReference *refs = j->job->metadata.owner_references;
                                size_t n_refs = j->job->metadata.n_owner_references;
                                j->job->metadata.owner_references = new->owner_references;
                                j->job->metadata.n_owner_references = new->n_owner_references;
                                new->owner_references = refs;
                                new->n_owner_references = n_refs;
                        }
                        api_job_event(c->manager, j, API_WATCH_MODIFIED);
                } else if (o)
                        api_cron_job_event(c->manager, (ManagedCronJob *) o, API_WATCH_MODIFIED);
        }
        o = find_object(c, k, ns, name);
        if (!o)
                return api_reply_status(c, 500, "InternalError", NULL, "%s %s/%s did not load; see jobsd's log", k->kind, ns, name);
        STRV_FOREACH(w, warnings) {
                _cleanup_(freep) char *h = strprintf("299 - \"%s\"", *w);
                if (h)
                        api_add_warning(c, h);
        }
        return api_reply_json(c, 200, k->to_json(o), NULL);
}

/* The object for a change: 404, 403 (an object of a file, a CronJob's Job) answered here (returns 1). */
static int changeable(ApiCall *c, const ApiKind *k, const char *ns, const char *name, const void **ret, char **ret_text) {
        const void *o = find_object(c, k, ns, name);
        _cleanup_(freep) char *msg = NULL;
        const char *file;
        int r;

        if (!c->admin)
                return replied(reply_forbidden_user(c, k, "patch", ns));
        if (!o)
                return replied(api_reply_status(c, 404, "NotFound", api_status_details(name, k->group, k->resource),
                                                "%s.%s \"%s\" not found", k->resource, k->group, name));
        if (k == &api_kind_jobs && ((const ManagedJob *) o)->cron_owner)
                return replied(api_reply_status(c, 403, "Forbidden", api_status_details(name, k->group, k->resource),
                                                "%s.%s \"%s\" was made by CronJob %s: change the CronJob", k->resource,
                                                k->group, name, ((const ManagedJob *) o)->cron_owner));
        file = object_file(c, k, o);
        if (!api_object_file(c->manager, file))
                return replied(api_reply_status(c, 403, "Forbidden", api_status_details(name, k->group, k->resource),
                                                "%s.%s \"%s\" is defined in the manifest file %s: remove or edit the file to "
                                                "delete or change it", k->resource, k->group, name, file));
        r = state_file_get(c->manager->state_dir, API_OBJECTS_DIR, ns, name, object_suffix(k), API_OBJECT_MAX, ret_text, &msg);
        if (r < 0)
                return log_error_errno(r, "API: cannot read %s: %s", file, msg ?: strerror(-r));
        *ret = o;
        return 0;
}

static json_object *parse_text(const char *text) {
        struct json_tokener *tok = json_tokener_new_ex(JSON_DEPTH_MAX);
        json_object *o;

        if (!tok)
                return NULL;
        o = json_tokener_parse_ex(tok, text, (int) strlen(text));
        if (json_tokener_get_error(tok) != json_tokener_success) {
                json_object_put(o);
                o = NULL;
        }
        json_tokener_free(tok);
        return o;
}

int api_update(ApiCall *c, const ApiKind *k, const char *ns, const char *name) {
        _cleanup_(freep) char *text = NULL;
        json_object *tree = NULL;
        const void *o;
        int r;

        bool dry;

        r = dry_run(c, "UpdateOptions", NULL, &dry);
        if (r != 0)
                return r < 0 ? r : 0;
        r = changeable(c, k, ns, name, &o, &text);
        if (r != 0)
                return r < 0 ? r : 0;
        r = parse_object_body(c, k, &tree);
        if (r < 0 || !tree)
                return r;
        return replace_object(c, k, ns, name, o, tree, text, dry);
}

int api_patch(ApiCall *c, const ApiKind *k, const char *ns, const char *name) {
        _cleanup_(freep) char *text = NULL, *err = NULL, *type = NULL;
        _cleanup_(json_object_putp) json_object *patch = NULL, *current = NULL;
        json_object *result = NULL;
        const char *ct = api_header(c, "Content-Type");
        const void *o;
        bool dry;
        int r;

        type = strndup(strempty(ct), strcspn(strempty(ct), "; "));
        if (!type)
                return -ENOMEM;
        if (!STR_IN_SET(type, "application/merge-patch+json", "application/json-patch+json",
                        "application/strategic-merge-patch+json", "application/apply-patch+yaml"))
                return api_reply_status(c, 415, "UnsupportedMediaType", NULL,
                                        "the body of the request was in an unknown format - accepted media types include: "
                                        "application/json-patch+json, application/merge-patch+json, "
                                        "application/strategic-merge-patch+json, application/apply-patch+yaml");
        r = dry_run(c, "PatchOptions", NULL, &dry);
        if (r != 0)
                return r < 0 ? r : 0;
        if (streq(type, "application/apply-patch+yaml") && !find_object(c, k, ns, name)) {
                /* Server-side apply of a new object: a create. */
                return api_create(c, k, ns);
        }
        r = changeable(c, k, ns, name, &o, &text);
        if (r != 0)
                return r < 0 ? r : 0;
        r = parse_body_full(c, streq(type, "application/json-patch+json"), &patch);
        if (r < 0 || !patch)
                return r;
        current = parse_text(text);
        if (!current)
                return api_reply_status(c, 500, "InternalError", NULL, "the saved object %s/%s is not JSON", ns, name);
        /* A Job created with neither completions nor parallelism was stored by a cluster with both
         * defaulted to 1: a patch of one of them keeps the other (spec.completions is immutable). They
         * are put in for the patch and taken out again if it left both at 1. */
        json_object *spec = json_object_object_get(current, "spec");
        bool defaulted = k == &api_kind_jobs && json_object_is_type(spec, json_type_object) &&
                !json_object_object_get_ex(spec, "completions", NULL) && !json_object_object_get_ex(spec, "parallelism", NULL);
        if (defaulted && (json_object_object_add(spec, "completions", json_object_new_int(1)) < 0 ||
                          json_object_object_add(spec, "parallelism", json_object_new_int(1)) < 0))
                return -ENOMEM;
        if (streq(type, "application/json-patch+json"))
                r = api_json_patch(current, patch, &result, &err);
        else if (streq(type, "application/strategic-merge-patch+json"))
                r = api_strategic_merge_patch(current, patch, &result, &err);
        else
                /* merge-patch, and server-side apply of an existing object (docs/kubernetes-api.md). */
                r = api_merge_patch(current, patch, &result);
        if (r == -EINVAL)
                return api_reply_status(c, 422, "Invalid", NULL, "the patch cannot be applied: %s", strempty(err));
        if (r < 0)
                return r;
        if (defaulted) {
                json_object *rs = json_object_object_get(result, "spec"), *rc, *rp;
                if (json_object_object_get_ex(rs, "completions", &rc) && json_object_object_get_ex(rs, "parallelism", &rp) &&
                    json_object_is_type(rc, json_type_int) && json_object_get_int64(rc) == 1 &&
                    json_object_is_type(rp, json_type_int) && json_object_get_int64(rp) == 1) {
                        json_object_object_del(rs, "completions");
                        json_object_object_del(rs, "parallelism");
                }
        }
        return replace_object(c, k, ns, name, o, result, text, dry);
}
