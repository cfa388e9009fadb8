/* SPDX-License-Identifier: Apache-2.0 */
/* JSON merge patch, JSON patch and strategic merge patch on json-c trees. */
#include <stdlib.h>
#include <string.h>

#include "jobsd/macro.h"
#include "jobsd/strv.h"
#include "api-patch.h"

#define PATCH_DEPTH_MAX 64

static json_object *copy(json_object *o) {
        json_object *c = NULL;

        if (!o)
                return NULL;
        if (json_object_deep_copy(o, &c, NULL) < 0)
                return NULL;
        return c;
}

/* RFC 7386 on target in place (target an object); strategic: Kubernetes' rules for lists and directives. */
static int merge_into(json_object *target, json_object *patch, bool strategic, unsigned depth, char **err);

static bool is_object(json_object *o) {
        return o && json_object_is_type(o, json_type_object);
}

static bool is_array(json_object *o) {
        return o && json_object_is_type(o, json_type_array);
}

/* The merge key of a list field (strategic merge patch), or NULL: the list is replaced. */
static const char *merge_key(const char *field) {
        static const char * const by_name[] = { "containers", "initContainers", "ephemeralContainers", "volumes", "env",
                                                "volumeMounts", "imagePullSecrets", "volumeDevices", "resourceClaims", NULL };

        if (strv_contains((char **) by_name, field))
                return "name";
        if (streq(field, "ports"))
                return "containerPort";
        if (streq(field, "hostAliases"))
                return "ip";
        return NULL;
}

static json_object *find_by_key(json_object *list, const char *key, json_object *value, size_t *ret_idx) {
        size_t n = json_object_array_length(list);

        for (size_t i = 0; i < n; i++) {
                json_object *item = json_object_array_get_idx(list, i);
                if (is_object(item) && json_object_equal(json_object_object_get(item, key), value)) {
                        if (ret_idx)
                                *ret_idx = i;
                        return item;
                }
        }
        return NULL;
}

/* Rebuilds list in place from items (references taken). */
static int list_set(json_object *list, json_object **items, size_t n) {
        size_t old = json_object_array_length(list);

        if (old > 0 && json_object_array_del_idx(list, 0, old) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (json_object_array_add(list, items[i]) < 0) {
                        for (size_t k = i; k < n; k++)
                                json_object_put(items[k]);
                        return -ENOMEM;
                }
        return 0;
}

static int merge_list(json_object *target, json_object *patch, const char *key, unsigned depth, char **err) {
        size_t n = json_object_array_length(patch);
        int r;

        for (size_t i = 0; i < n; i++) {
                json_object *p = json_object_array_get_idx(patch, i), *kv, *t, *directive;
                size_t idx;
                if (!is_object(p) || !(kv = json_object_object_get(p, key))) {
                        *err = strprintf("a list merged by %s has an item without %s", key, key);
                        return -EINVAL;
                }
                directive = json_object_object_get(p, "$patch");
                t = find_by_key(target, key, kv, &idx);
                if (directive && streq(json_object_get_string(directive), "delete")) {
                        if (t && json_object_array_del_idx(target, idx, 1) < 0)
                                return -ENOMEM;
                        continue;
                }
                if (t && !(directive && streq(json_object_get_string(directive), "replace"))) {
                        r = merge_into(t, p, true, depth + 1, err);
                        if (r < 0)
                                return r;
                        continue;
                }
                json_object *item = json_object_new_object();
                if (!item)
                        return -ENOMEM;
                r = merge_into(item, p, true, depth + 1, err);
                if (r < 0) {
                        json_object_put(item);
                        return r;
                }
                if (t) {
                        if (json_object_array_put_idx(target, idx, item) < 0)
                                return json_object_put(item), -ENOMEM;
                } else if (json_object_array_add(target, item) < 0)
                        return json_object_put(item), -ENOMEM;
        }
        return 0;
}

/* $setElementOrder/<field>: the list's items in that order (by merge key, or the values of a primitive
 * list); items it does not name keep their place after them. */
static int set_order(json_object *list, json_object *order, const char *key) {
        size_t n = json_object_array_length(list), m = json_object_array_length(order), k = 0;
        _cleanup_(freep) json_object **items = calloc(n + 1, sizeof(json_object *));
        _cleanup_(freep) bool *used = calloc(n + 1, sizeof(bool));

        if (!items || !used)
                return -ENOMEM;
        for (size_t i = 0; i < m; i++) {
                json_object *want = json_object_array_get_idx(order, i);
                if (key)
                        want = json_object_object_get(want, key);
                for (size_t j = 0; j < n; j++) {
                        json_object *item = json_object_array_get_idx(list, j);
                        if (used[j] || !json_object_equal(key ? json_object_object_get(item, key) : item, want))
                                continue;
                        used[j] = true;
                        items[k++] = json_object_get(item);
                        break;
                }
        }
        for (size_t j = 0; j < n; j++)
                if (!used[j])
                        items[k++] = json_object_get(json_object_array_get_idx(list, j));
        return list_set(list, items, k);
}

static int merge_into(json_object *target, json_object *patch, bool strategic, unsigned depth, char **err) {
        json_object *directive;
        int r;

        if (depth > PATCH_DEPTH_MAX) {
                *err = strdup("the patch is nested too deeply");
                return -EINVAL;
        }
        if (strategic && (directive = json_object_object_get(patch, "$patch"))) {
                const char *d = json_object_get_string(directive);
                if (streq_ptr(d, "delete")) {
                        /* The caller removes the map (only in lists; elsewhere: emptied). */
                        json_object_object_foreach(target, k0, v0) {
                                (void) v0;
                                json_object_object_del(target, k0);
                        }
                        return 0;
                }
                if (streq_ptr(d, "replace")) {
                        json_object_object_foreach(target, k1, v1) {
                                (void) v1;
                                json_object_object_del(target, k1);
                        }
                } else if (!streq_ptr(d, "merge")) {
                        *err = strprintf("unknown $patch directive '%s'", strempty(d));
                        return -EINVAL;
                }
        }
        json_object_object_foreach(patch, key, value) {
                json_object *t = json_object_object_get(target, key);
                const char *mk;

                if (strategic && key[0] == '$') {
                        const char *field;
                        if ((field = startswith(key, "$deleteFromPrimitiveList/"))) {
                                json_object *list = json_object_object_get(target, field);
                                if (is_array(list) && is_array(value))
                                        for (size_t i = json_object_array_length(list); i > 0; i--)
                                                for (size_t j = 0; j < json_object_array_length(value); j++)
                                                        if (json_object_equal(json_object_array_get_idx(list, i - 1),
                                                                              json_object_array_get_idx(value, j))) {
                                                                if (json_object_array_del_idx(list, i - 1, 1) < 0)
                                                                        return -ENOMEM;
                                                                break;
                                                        }
                        }
                        continue;       /* $setElementOrder after the lists, $patch above, $retainKeys ignored */
                }
                if (!value) {
                        json_object_object_del(target, key);
                        continue;
                }
                if (is_object(value)) {
                        if (!is_object(t)) {
                                t = json_object_new_object();
                                if (!t || json_object_object_add(target, key, t) < 0)
                                        return json_object_put(t), -ENOMEM;
                        }
                        r = merge_into(t, value, strategic, depth + 1, err);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (strategic && is_array(value) && (mk = merge_key(key)) && is_array(t)) {
                        r = merge_list(t, value, mk, depth, err);
                        if (r < 0)
                                return r;
                        continue;
                }
                json_object *c = copy(value);
                if (!c)
                        return -ENOMEM;
                if (strategic && is_array(c) && merge_key(key)) {
                        /* A new list merged by key: directives of its items go. */
                        for (size_t i = json_object_array_length(c); i > 0; i--) {
                                json_object *item = json_object_array_get_idx(c, i - 1), *d = json_object_object_get(item, "$patch");
                                if (d && streq(json_object_get_string(d), "delete")) {
                                        if (json_object_array_del_idx(c, i - 1, 1) < 0)
                                                return json_object_put(c), -ENOMEM;
                                } else if (is_object(item))
                                        json_object_object_del(item, "$patch");
                        }
                }
                if (json_object_object_add(target, key, c) < 0)
                        return json_object_put(c), -ENOMEM;
        }
        if (!strategic)
                return 0;
        json_object_object_foreach(patch, key2, value2) {
                const char *field = startswith(key2, "$setElementOrder/");
                json_object *list;
                if (!field || !is_array(value2) || !is_array(list = json_object_object_get(target, field)))
                        continue;
                r = set_order(list, value2, merge_key(field));
                if (r < 0)
                        return r;
        }
        return 0;
}

static int merge_common(json_object *target, json_object *patch, bool strategic, json_object **ret, char **err) {
        json_object *result;
        int r;

        if (!is_object(patch)) {
                /* RFC 7386: anything but an object replaces the whole document. */
                if (strategic) {
                        *err = strdup("a strategic merge patch must be a JSON object");
                        return -EINVAL;
                }
                *ret = copy(patch);
                return *ret || !patch ? 0 : -ENOMEM;
        }
        result = is_object(target) ? copy(target) : json_object_new_object();
        if (!result)
                return -ENOMEM;
        r = merge_into(result, patch, strategic, 0, err);
        if (r < 0) {
                json_object_put(result);
                return r;
        }
        *ret = result;
        return 0;
}

int api_merge_patch(json_object *target, json_object *patch, json_object **ret) {
        _cleanup_(freep) char *err = NULL;
        return merge_common(target, patch, false, ret, &err);
}

int api_strategic_merge_patch(json_object *target, json_object *patch, json_object **ret, char **reterr_message) {
        return merge_common(target, patch, true, ret, reterr_message);
}

/* RFC 6901: "/a/b~1c/0" into its unescaped parts. */
static int pointer_parse(const char *p, char ***ret) {
        _cleanup_(strv_freep) char **l = NULL;

        if (!*p) {
                *ret = NULL;
                return 0;
        }
        if (*p != '/')
                return -EINVAL;
        while (*p == '/') {
                size_t len = strcspn(p + 1, "/");
                char *s = malloc(len + 1), *o = s;
                if (!s)
                        return -ENOMEM;
                for (size_t i = 1; i <= len; i++) {
                        if (p[i] == '~') {
                                if (p[i + 1] == '0' && i + 1 <= len)
                                        *o++ = '~';
                                else if (p[i + 1] == '1' && i + 1 <= len)
                                        *o++ = '/';
                                else {
                                        free(s);
                                        return -EINVAL;
                                }
                                i++;
                        } else
                                *o++ = p[i];
                }
                *o = 0;
                if (strv_push(&l, s) < 0)
                        return -ENOMEM;
                p += len + 1;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static bool array_index(const char *s, size_t n, bool allow_end, size_t *ret) {
        char *e;
        unsigned long long v;

        if (allow_end && streq(s, "-")) {
                *ret = n;
                return true;
        }
        if (!*s || (s[0] == '0' && s[1]) || s[0] < '0' || s[0] > '9')
                return false;
        v = strtoull(s, &e, 10);
        if (*e || v > n || (!allow_end && v == n))
                return false;
        *ret = v;
        return true;
}

/* The container of the pointer's last part, and that part. */
static json_object *resolve_parent(json_object *doc, char **parts, const char **ret_last) {
        json_object *cur = doc;
        size_t n = strv_length(parts);

        for (size_t i = 0; i + 1 < n && cur; i++) {
                size_t idx;
                if (is_object(cur))
                        cur = json_object_object_get(cur, parts[i]);
                else if (is_array(cur) && array_index(parts[i], json_object_array_length(cur), false, &idx))
                        cur = json_object_array_get_idx(cur, idx);
                else
                        return NULL;
        }
        *ret_last = n > 0 ? parts[n - 1] : NULL;
        return cur;
}

static json_object *get_at(json_object *doc, char **parts) {
        const char *last;
        json_object *parent = resolve_parent(doc, parts, &last);
        size_t idx;

        if (!last)
                return doc;
        if (is_object(parent))
                return json_object_object_get(parent, last);
        if (is_array(parent) && array_index(last, json_object_array_length(parent), false, &idx))
                return json_object_array_get_idx(parent, idx);
        return NULL;
}

static bool has_at(json_object *doc, char **parts) {
        const char *last;
        json_object *parent = resolve_parent(doc, parts, &last);
        size_t idx;

        if (!last)
                return true;
        if (is_object(parent))
                return json_object_object_get_ex(parent, last, NULL);
        return is_array(parent) && array_index(last, json_object_array_length(parent), false, &idx);
}

/* value taken. */
static int add_at(json_object **doc, char **parts, json_object *value, bool replace) {
        const char *last;
        json_object *parent;
        size_t idx, n;

        if (!parts || !*parts) {
                json_object_put(*doc);
                *doc = value;
                return 0;
        }
        parent = resolve_parent(*doc, parts, &last);
        if (is_object(parent)) {
                if (replace && !json_object_object_get_ex(parent, last, NULL))
                        return json_object_put(value), -ENOENT;
                return json_object_object_add(parent, last, value) < 0 ? (json_object_put(value), -ENOMEM) : 0;
        }
        if (!is_array(parent))
                return json_object_put(value), -ENOENT;
        n = json_object_array_length(parent);
        if (!array_index(last, n, !replace, &idx))
                return json_object_put(value), -ENOENT;
        if (replace)
                return json_object_array_put_idx(parent, idx, value) < 0 ? -ENOMEM : 0;
        _cleanup_(freep) json_object **items = calloc(n + 2, sizeof(json_object *));
        if (!items)
                return json_object_put(value), -ENOMEM;
        for (size_t i = 0, k = 0; i <= n; i++) {
                if (i == idx)
                        items[k++] = value;
                if (i < n)
                        items[k++] = json_object_get(json_object_array_get_idx(parent, i));
        }
        return list_set(parent, items, n + 1);
}

static int remove_at(json_object *doc, char **parts) {
        const char *last;
        json_object *parent = resolve_parent(doc, parts, &last);
        size_t idx;

        if (!last)
                return -EINVAL;
        if (is_object(parent)) {
                if (!json_object_object_get_ex(parent, last, NULL))
                        return -ENOENT;
                json_object_object_del(parent, last);
                return 0;
        }
        if (is_array(parent) && array_index(last, json_object_array_length(parent), false, &idx))
                return json_object_array_del_idx(parent, idx, 1) < 0 ? -ENOMEM : 0;
        return -ENOENT;
}

int api_json_patch(json_object *target, json_object *ops, json_object **ret, char **reterr_message) {
        json_object *doc;
        size_t n;

        if (!is_array(ops)) {
                *reterr_message = strdup("a JSON patch must be a list of operations");
                return -EINVAL;
        }
        doc = copy(target);
        if (!doc)
                return -ENOMEM;
        n = json_object_array_length(ops);
        for (size_t i = 0; i < n; i++) {
                json_object *op = json_object_array_get_idx(ops, i), *v;
                const char *name, *path, *from = NULL;
                _cleanup_(strv_freep) char **parts = NULL, **from_parts = NULL;
                int r = 0;

                if (!is_object(op) || !(v = json_object_object_get(op, "op")) || !json_object_is_type(v, json_type_string) ||
                    !json_object_object_get(op, "path") ||
                    !json_object_is_type(json_object_object_get(op, "path"), json_type_string)) {
                        *reterr_message = strprintf("operation %zu: needs \"op\" and \"path\" strings", i);
                        goto invalid;
                }
                name = json_object_get_string(v);
                path = json_object_get_string(json_object_object_get(op, "path"));
                if (pointer_parse(path, &parts) < 0) {
                        *reterr_message = strprintf("operation %zu: invalid path '%s'", i, path);
                        goto invalid;
                }
                if (STR_IN_SET(name, "move", "copy")) {
                        json_object *f = json_object_object_get(op, "from");
                        from = f && json_object_is_type(f, json_type_string) ? json_object_get_string(f) : NULL;
                        if (!from || pointer_parse(from, &from_parts) < 0) {
                                *reterr_message = strprintf("operation %zu: %s needs a valid \"from\"", i, name);
                                goto invalid;
                        }
                }
                if (STR_IN_SET(name, "add", "replace", "test") && !json_object_object_get_ex(op, "value", NULL)) {
                        *reterr_message = strprintf("operation %zu: %s needs \"value\"", i, name);
                        goto invalid;
                }
                if (streq(name, "add") || streq(name, "replace")) {
                        json_object *value = copy(json_object_object_get(op, "value"));
                        if (!value && json_object_object_get(op, "value"))
                                goto oom;
                        r = add_at(&doc, parts, value, streq(name, "replace"));
                } else if (streq(name, "remove"))
                        r = remove_at(doc, parts);
                else if (streq(name, "move") || streq(name, "copy")) {
                        json_object *value;
                        if (!has_at(doc, from_parts)) {
                                *reterr_message = strprintf("operation %zu: %s from '%s': no such path", i, name, from);
                                goto invalid;
                        }
                        value = copy(get_at(doc, from_parts));
                        if (!value && get_at(doc, from_parts))
                                goto oom;
                        if (streq(name, "move") && (r = remove_at(doc, from_parts)) < 0) {
                                json_object_put(value);
                                goto failed;
                        }
                        r = add_at(&doc, parts, value, false);
                } else if (streq(name, "test")) {
                        if (!has_at(doc, parts) || !json_object_equal(get_at(doc, parts), json_object_object_get(op, "value"))) {
                                *reterr_message = strprintf("operation %zu: test of '%s' failed", i, path);
                                goto invalid;
                        }
                } else {
                        *reterr_message = strprintf("operation %zu: unknown op '%s'", i, name);
                        goto invalid;
                }
        failed:
                if (r == -ENOMEM)
                        goto oom;
                if (r < 0) {
                        *reterr_message = strprintf("operation %zu: %s '%s': no such path", i, name, path);
                        goto invalid;
                }
        }
        *ret = doc;
        return 0;
invalid:
        json_object_put(doc);
        return *reterr_message ? -EINVAL : -ENOMEM;
oom:
        json_object_put(doc);
        return -ENOMEM;
}
