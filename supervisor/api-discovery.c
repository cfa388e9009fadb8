/* SPDX-License-Identifier: Apache-2.0 */
/* /version and the discovery documents, legacy and aggregated. */
#include <sys/utsname.h>

#include "config.h"
#include "jobsd/strv.h"
#include "api-discovery.h"

#define DISCOVERY_GROUP "apidiscovery.k8s.io"

typedef struct ApiSubresource {
        const char *name;
        const char *verbs[4];
} ApiSubresource;

typedef struct ApiResource {
        const char *name;
        const char *singular;
        const char *kind;
        bool namespaced;
        const char *verbs[9];
        const char *short_names[2];
        bool all;                       /* in the category "all" */
        ApiSubresource sub[2];
} ApiResource;

/* What is served (docs/kubernetes-api.md): a verb listed here is a verb that works. */
static const ApiResource core_v1[] = {
        { "events", "event", "Event", true, { "list", "watch" }, { "ev" }, false, {} },
        { "namespaces", "namespace", "Namespace", false, { "get", "list" }, { "ns" }, false, {} },
        { "pods", "pod", "Pod", true, { "get", "list", "watch" }, { "po" }, true, { { "log", { "get" } } } },
};

static const ApiResource batch_v1[] = {
        { "jobs", "job", "Job", true, { "create", "delete", "get", "list", "patch", "update", "watch" }, {}, true, { { "status", { "get" } } } },
        { "cronjobs", "cronjob", "CronJob", true, { "create", "delete", "get", "list", "patch", "update", "watch" }, { "cj" }, true, { { "status", { "get" } } } },
};

int api_discovery_version(ApiCall *c) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        struct utsname u;
        const char *arch = "amd64";

        if (!o)
                return -ENOMEM;
        if (uname(&u) >= 0 && streq(u.machine, "aarch64"))
                arch = "arm64";
        _cleanup_(freep) char *platform = strprintf("linux/%s", arch);
        if (!platform ||
            api_json_str(o, "major", "1") < 0 ||
            api_json_str(o, "minor", "32") < 0 ||
            api_json_str(o, "gitVersion", API_GIT_VERSION) < 0 ||
            api_json_str(o, "gitCommit", "jobsd-" JOBSD_VERSION) < 0 ||
            api_json_str(o, "gitTreeState", "clean") < 0 ||
            api_json_str(o, "buildDate", "1970-01-01T00:00:00Z") < 0 ||
            api_json_str(o, "goVersion", "") < 0 ||
            api_json_str(o, "compiler", "jobsd") < 0 ||
            api_json_str(o, "platform", platform) < 0)
                return -ENOMEM;
        return api_reply_json(c, 200, TAKE_PTR(o), NULL);
}

/* Which form the client asked for: its Accept header's first media range that jobsd serves. */
typedef enum DiscoveryForm {
        DISCOVERY_LEGACY,
        DISCOVERY_V2,
        DISCOVERY_V2BETA1,
} DiscoveryForm;

static char *trim(char *s) {
        char *e;

        s += strspn(s, " \t");
        e = s + strlen(s);
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
                *--e = 0;
        return s;
}

static DiscoveryForm discovery_form(ApiCall *c) {
        const char *accept = api_header(c, "Accept");
        _cleanup_(freep) char *copy = NULL;
        char *save = NULL;

        if (!accept)
                return DISCOVERY_LEGACY;
        copy = strdup(accept);
        if (!copy)
                return DISCOVERY_LEGACY;
        for (char *range = strtok_r(copy, ",", &save); range; range = strtok_r(NULL, ",", &save)) {
                const char *g = NULL, *v = NULL, *as = NULL;
                char *save2 = NULL, *type = strtok_r(range, ";", &save2);

                if (!type || !streq(trim(type), "application/json"))
                        continue;
                for (char *p = strtok_r(NULL, ";", &save2); p; p = strtok_r(NULL, ";", &save2)) {
                        p = trim(p);
                        if (startswith(p, "g="))
                                g = p + 2;
                        else if (startswith(p, "v="))
                                v = p + 2;
                        else if (startswith(p, "as="))
                                as = p + 3;
                }
                if (!g && !v && !as)
                        return DISCOVERY_LEGACY;
                if (streq_ptr(g, DISCOVERY_GROUP) && streq_ptr(as, "APIGroupDiscoveryList")) {
                        if (streq_ptr(v, "v2"))
                                return DISCOVERY_V2;
                        if (streq_ptr(v, "v2beta1"))
                                return DISCOVERY_V2BETA1;
                }
        }
        return DISCOVERY_LEGACY;
}

static json_object *strv_array(const char * const *l, size_t max) {
        json_object *a = json_object_new_array();

        if (!a)
                return NULL;
        for (size_t i = 0; i < max && l[i]; i++)
                if (json_object_array_add(a, json_object_new_string(l[i])) < 0)
                        return json_object_put(a), NULL;
        return a;
}

static json_object *legacy_resource_list(const char *group_version, const ApiResource *res, size_t n) {
        _cleanup_(json_object_putp) json_object *o = api_json_object("v1", "APIResourceList");
        json_object *list = json_object_new_array();

        if (!o || api_json_add(o, "resources", list) < 0 || api_json_str(o, "groupVersion", group_version) < 0)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                json_object *r = json_object_new_object();
                if (!r || json_object_array_add(list, r) < 0)
                        return json_object_put(r), NULL;
                if (api_json_str(r, "name", res[i].name) < 0 ||
                    api_json_str(r, "singularName", res[i].singular) < 0 ||
                    api_json_bool(r, "namespaced", res[i].namespaced) < 0 ||
                    api_json_str(r, "kind", res[i].kind) < 0 ||
                    api_json_add(r, "verbs", strv_array(res[i].verbs, ELEMENTSOF(res[i].verbs))) < 0)
                        return NULL;
                if (res[i].short_names[0] &&
                    api_json_add(r, "shortNames", strv_array(res[i].short_names, ELEMENTSOF(res[i].short_names))) < 0)
                        return NULL;
                if (res[i].all) {
                        static const char * const all[] = { "all", NULL };
                        if (api_json_add(r, "categories", strv_array(all, 1)) < 0)
                                return NULL;
                }
                for (size_t k = 0; k < ELEMENTSOF(res[i].sub) && res[i].sub[k].name; k++) {
                        _cleanup_(freep) char *name = strprintf("%s/%s", res[i].name, res[i].sub[k].name);
                        json_object *s = json_object_new_object();
                        if (!name || !s || json_object_array_add(list, s) < 0)
                                return json_object_put(s), NULL;
                        if (api_json_str(s, "name", name) < 0 ||
                            api_json_str(s, "singularName", "") < 0 ||
                            api_json_bool(s, "namespaced", res[i].namespaced) < 0 ||
                            api_json_str(s, "kind", res[i].kind) < 0 ||
                            api_json_add(s, "verbs", strv_array(res[i].sub[k].verbs, ELEMENTSOF(res[i].sub[k].verbs))) < 0)
                                return NULL;
                }
        }
        return TAKE_PTR(o);
}

static json_object *response_kind(const char *group, const char *kind) {
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        if (api_json_str(o, "group", group) < 0 || api_json_str(o, "version", "v1") < 0 ||
            api_json_str(o, "kind", kind) < 0)
                return json_object_put(o), NULL;
        return o;
}

/* One APIGroupDiscovery: the group (core: "") with its one version, v1. */
static json_object *aggregated_group(const char *group, const ApiResource *res, size_t n) {
        _cleanup_(json_object_putp) json_object *g = json_object_new_object();
        json_object *meta = json_object_new_object(), *versions = json_object_new_array(), *v = json_object_new_object(),
                *list = json_object_new_array();

        if (!g || api_json_add(g, "metadata", meta) < 0 || api_json_add(g, "versions", versions) < 0 ||
            !v || json_object_array_add(versions, v) < 0) {
                json_object_put(list);
                return NULL;
        }
        if (api_json_add(v, "resources", list) < 0 || api_json_str(v, "version", "v1") < 0 ||
            api_json_str(v, "freshness", "Current") < 0)
                return NULL;
        if (!streq(group, "") && api_json_str(meta, "name", group) < 0)
                return NULL;
        if (json_object_object_add(meta, "creationTimestamp", NULL) < 0)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                json_object *r = json_object_new_object(), *subs;
                if (!r || json_object_array_add(list, r) < 0)
                        return json_object_put(r), NULL;
                if (api_json_str(r, "resource", res[i].name) < 0 ||
                    api_json_add(r, "responseKind", response_kind(group, res[i].kind)) < 0 ||
                    api_json_str(r, "scope", res[i].namespaced ? "Namespaced" : "Cluster") < 0 ||
                    api_json_str(r, "singularResource", res[i].singular) < 0 ||
                    api_json_add(r, "verbs", strv_array(res[i].verbs, ELEMENTSOF(res[i].verbs))) < 0)
                        return NULL;
                if (res[i].short_names[0] &&
                    api_json_add(r, "shortNames", strv_array(res[i].short_names, ELEMENTSOF(res[i].short_names))) < 0)
                        return NULL;
                if (res[i].all) {
                        static const char * const all[] = { "all", NULL };
                        if (api_json_add(r, "categories", strv_array(all, 1)) < 0)
                                return NULL;
                }
                if (!res[i].sub[0].name)
                        continue;
                subs = json_object_new_array();
                if (api_json_add(r, "subresources", subs) < 0)
                        return NULL;
                for (size_t k = 0; k < ELEMENTSOF(res[i].sub) && res[i].sub[k].name; k++) {
                        json_object *s = json_object_new_object();
                        if (!s || json_object_array_add(subs, s) < 0)
                                return json_object_put(s), NULL;
                        if (api_json_str(s, "subresource", res[i].sub[k].name) < 0 ||
                            api_json_add(s, "responseKind", response_kind(group, res[i].kind)) < 0 ||
                            api_json_add(s, "verbs", strv_array(res[i].sub[k].verbs, ELEMENTSOF(res[i].sub[k].verbs))) < 0)
                                return NULL;
                }
        }
        return TAKE_PTR(g);
}

static int reply_aggregated(ApiCall *c, DiscoveryForm form, const char *group, const ApiResource *res, size_t n) {
        const char *version = form == DISCOVERY_V2 ? "v2" : "v2beta1";
        _cleanup_(freep) char *api_version = strprintf(DISCOVERY_GROUP "/%s", version),
                *content_type = strprintf("application/json;g=" DISCOVERY_GROUP ";v=%s;as=APIGroupDiscoveryList", version);
        _cleanup_(json_object_putp) json_object *o = NULL;
        json_object *items = json_object_new_array();

        if (!api_version || !content_type || !items) {
                json_object_put(items);
                return -ENOMEM;
        }
        o = api_json_object(api_version, "APIGroupDiscoveryList");
        if (!o || api_json_add(o, "metadata", json_object_new_object()) < 0 || api_json_add(o, "items", items) < 0)
                return -ENOMEM;
        if (json_object_array_add(items, aggregated_group(group, res, n)) < 0)
                return -ENOMEM;
        if (!json_object_array_get_idx(items, 0))
                return -ENOMEM;
        return api_reply_json(c, 200, TAKE_PTR(o), content_type);
}

int api_discovery_api(ApiCall *c) {
        DiscoveryForm form = discovery_form(c);
        _cleanup_(json_object_putp) json_object *o = NULL;
        static const char * const v1[] = { "v1", NULL };

        if (form != DISCOVERY_LEGACY)
                return reply_aggregated(c, form, "", core_v1, ELEMENTSOF(core_v1));
        o = api_json_object(NULL, "APIVersions");
        if (!o || api_json_add(o, "versions", strv_array(v1, 1)) < 0)
                return -ENOMEM;
        return api_reply_json(c, 200, TAKE_PTR(o), NULL);
}

int api_discovery_apis(ApiCall *c) {
        DiscoveryForm form = discovery_form(c);
        _cleanup_(json_object_putp) json_object *o = NULL;
        json_object *groups, *g, *versions, *gv;

        if (form != DISCOVERY_LEGACY)
                return reply_aggregated(c, form, "batch", batch_v1, ELEMENTSOF(batch_v1));
        o = api_json_object("v1", "APIGroupList");
        groups = json_object_new_array();
        if (!o || api_json_add(o, "groups", groups) < 0)
                return -ENOMEM;
        g = json_object_new_object();
        if (!g || json_object_array_add(groups, g) < 0)
                return json_object_put(g), -ENOMEM;
        versions = json_object_new_array();
        if (api_json_str(g, "name", "batch") < 0 || api_json_add(g, "versions", versions) < 0)
                return -ENOMEM;
        gv = json_object_new_object();
        if (!gv || json_object_array_add(versions, gv) < 0)
                return json_object_put(gv), -ENOMEM;
        if (api_json_str(gv, "groupVersion", "batch/v1") < 0 || api_json_str(gv, "version", "v1") < 0)
                return -ENOMEM;
        gv = json_object_new_object();
        if (api_json_add(g, "preferredVersion", gv) < 0 ||
            api_json_str(gv, "groupVersion", "batch/v1") < 0 || api_json_str(gv, "version", "v1") < 0)
                return -ENOMEM;
        return api_reply_json(c, 200, TAKE_PTR(o), NULL);
}

int api_discovery_core_v1(ApiCall *c) {
        return api_reply_json(c, 200, legacy_resource_list("v1", core_v1, ELEMENTSOF(core_v1)), NULL);
}

int api_discovery_batch_v1(ApiCall *c) {
        return api_reply_json(c, 200, legacy_resource_list("batch/v1", batch_v1, ELEMENTSOF(batch_v1)), NULL);
}
