/* SPDX-License-Identifier: Apache-2.0 */
/* Kubernetes' JSON with json-c: optional members, times, Status objects. */
#include <time.h>

#include "api-json.h"

int api_json_add(json_object *o, const char *key, json_object *v) {
        if (!v)
                return -ENOMEM;
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

int api_json_str(json_object *o, const char *key, const char *v) {
        if (!v)
                return 0;
        return api_json_add(o, key, json_object_new_string(v));
}

int api_json_int_always(json_object *o, const char *key, int64_t v) {
        return api_json_add(o, key, json_object_new_int64(v));
}

int api_json_int(json_object *o, const char *key, int64_t v) {
        if (v == UNSET)
                return 0;
        return api_json_int_always(o, key, v);
}

int api_json_bool(json_object *o, const char *key, bool v) {
        return api_json_add(o, key, json_object_new_boolean(v));
}

void api_format_time(char buf[static 32], usec_t t) {
        time_t s = (time_t) (t / USEC_PER_SEC);
        struct tm tm;

        gmtime_r(&s, &tm);
        strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int api_json_time(json_object *o, const char *key, usec_t t) {
        char buf[32];

        if (t == 0)
                return 0;
        api_format_time(buf, t);
        return api_json_str(o, key, buf);
}

int api_json_strv(json_object *o, const char *key, char * const *l) {
        json_object *a;

        if (!l || !*l)
                return 0;
        a = json_object_new_array();
        if (!a)
                return -ENOMEM;
        for (char * const *p = l; *p; p++)
                if (json_object_array_add(a, json_object_new_string(*p)) < 0) {
                        json_object_put(a);
                        return -ENOMEM;
                }
        return api_json_add(o, key, a);
}

int api_json_map(json_object *o, const char *key, const StrMap *m) {
        json_object *a;

        if (!m || m->n == 0)
                return 0;
        a = json_object_new_object();
        if (!a)
                return -ENOMEM;
        for (size_t i = 0; i < m->n; i++)
                if (api_json_str(a, m->items[i].key, strempty(m->items[i].value)) < 0) {
                        json_object_put(a);
                        return -ENOMEM;
                }
        return api_json_add(o, key, a);
}

json_object *api_json_object(const char *api_version, const char *kind) {
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        if (api_json_str(o, "kind", kind) < 0 || api_json_str(o, "apiVersion", api_version) < 0)
                return json_object_put(o), NULL;
        return o;
}

json_object *api_status_details(const char *name, const char *group, const char *kind) {
        json_object *d = json_object_new_object();

        if (!d)
                return NULL;
        if (api_json_str(d, "name", name) < 0 || api_json_str(d, "group", group) < 0 ||
            api_json_str(d, "kind", kind) < 0)
                return json_object_put(d), NULL;
        return d;
}

json_object *api_status(unsigned code, const char *reason, const char *message, json_object *details) {
        json_object *o = api_json_object("v1", "Status");

        if (!o) {
                json_object_put(details);
                return NULL;
        }
        if (api_json_add(o, "metadata", json_object_new_object()) < 0 ||
            api_json_str(o, "status", "Failure") < 0 ||
            api_json_str(o, "message", message) < 0 ||
            api_json_str(o, "reason", reason) < 0 ||
            (details && api_json_add(o, "details", details) < 0) ||
            api_json_int_always(o, "code", code) < 0)
                return json_object_put(o), NULL;
        return o;
}

const char *api_json_text(json_object *o) {
        return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}
