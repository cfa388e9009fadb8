/* SPDX-License-Identifier: Apache-2.0 */
#include <inttypes.h>
#include <stdarg.h>

#include "jobsd/job.h"
#include "jobsd/strv.h"
#include "manifest-dispatch.h"

int loader_diag(Loader *l, DiagLevel level, const MNode *at, const MNode *path_node, const char *suffix,
                const char *fmt, ...) {
        _cleanup_(freep) char *path = NULL, *msg = NULL, *full = NULL;
        va_list ap;

        path = mnode_path(path_node);
        if (!path)
                return -ENOMEM;
        if (suffix) {
                full = strprintf("%s%s%s", path, *path ? "." : "", suffix);
                if (!full)
                        return -ENOMEM;
        }
        va_start(ap, fmt);
        msg = vstrprintf(fmt, ap);
        va_end(ap);
        if (!msg)
                return -ENOMEM;
        return diag_add(l->diags, level, l->filename, at != NULL, at ? at->line : 0, at ? at->column : 0,
                        full ?: path, "%s", msg);
}

const MNode *mnode_find(const MNode *root, const char *path, bool *ret_exact) {
        const MNode *n = root;
        const char *p = path;

        if (ret_exact)
                *ret_exact = false;
        while (n && *p) {
                const MNode *next = NULL;

                if (*p == '.')
                        p++;
                if (*p == '[') {
                        char *e;
                        unsigned long i = strtoul(p + 1, &e, 10);
                        if (*e != ']')
                                return n;
                        if (n->type == MNODE_SEQUENCE && i < n->n_children)
                                next = n->children[i];
                        p = e + 1;
                } else {
                        size_t k = strcspn(p, ".[");
                        _cleanup_(freep) char *key = strndup(p, k);
                        if (!key)
                                return n;
                        next = mnode_get(n, key);
                        p += k;
                }
                if (!next)
                        return n;
                n = next;
        }
        if (ret_exact)
                *ret_exact = !*p;
        return n;
}

int loader_error_path(Loader *l, const char *path, const char *fmt, ...) {
        _cleanup_(freep) char *msg = NULL;
        const MNode *n;
        va_list ap;

        va_start(ap, fmt);
        msg = vstrprintf(fmt, ap);
        va_end(ap);
        if (!msg)
                return -ENOMEM;
        n = mnode_find(l->root, path, NULL);
        return diag_add(l->diags, DIAG_ERROR, l->filename, n != NULL, n ? n->line : 0, n ? n->column : 0,
                        path, "%s", msg);
}

static const char *type_name(MNodeType t) {
        return t == MNODE_MAPPING ? "an object" : t == MNODE_SEQUENCE ? "a list" : "a value";
}

bool expect_type(Loader *l, const MNode *n, MNodeType type) {
        if (n->type == type)
                return true;
        (void) loader_error(l, n, "must be %s, not %s", type_name(type), mnode_type_to_string(n));
        return false;
}

bool expect_string(Loader *l, const MNode *n) {
        if (n->type != MNODE_SCALAR || n->kind == MSCALAR_NULL) {
                (void) loader_error(l, n, "must be a string, not %s", mnode_type_to_string(n));
                return false;
        }
        if (n->kind != MSCALAR_STRING) {
                (void) loader_error(l, n, "must be a string, not %s (quote it: '\"%s\"')",
                                    mnode_type_to_string(n), n->value);
                return false;
        }
        if (strlen(n->value) != n->length) {
                (void) loader_error(l, n, "must not contain a NUL character");
                return false;
        }
        return true;
}

int dispatch_mapping(Loader *l, const MNode *n, const FieldSpec *table, void *target) {
        int r;

        if (!expect_type(l, n, MNODE_MAPPING))
                return 0;

        for (size_t i = 0; i < n->n_children; i++) {
                const MNode *v = n->children[i];
                const FieldSpec *f;

                for (f = table; f->name; f++)
                        if (streq(f->name, v->key->value))
                                break;
                if (!f->name) {
                        r = loader_diag(l, DIAG_ERROR, v->key, v, NULL, "unknown field");
                        if (r < 0)
                                return r;
                        continue;
                }
                if (f->flags & FIELD_SILENT)
                        continue;
                if (f->flags & FIELD_UNSUPPORTED) {
                        r = loader_diag(l, DIAG_ERROR, v->key, v, NULL, "not supported by jobsd: %s", f->reason);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (f->flags & FIELD_IGNORED) {
                        r = loader_diag(l, DIAG_WARNING, v->key, v, NULL, "ignored by jobsd: %s",
                                        f->reason ?: "it has no meaning on a single machine");
                        if (r < 0)
                                return r;
                        if (!f->dispatch)
                                continue;
                }
                if (v->type == MNODE_SCALAR && v->kind == MSCALAR_NULL)
                        continue;
                if (!f->dispatch)
                        continue;
                r = f->dispatch(l, v, (uint8_t *) target + f->offset);
                if (r < 0)
                        return r;
        }

        for (const FieldSpec *f = table; f->name; f++) {
                const MNode *v;

                if (!(f->flags & FIELD_REQUIRED))
                        continue;
                v = mnode_get(n, f->name);
                if (v && !(v->type == MNODE_SCALAR && v->kind == MSCALAR_NULL))
                        continue;
                r = loader_diag(l, DIAG_ERROR, v ?: n, n, f->name, "Required value");
                if (r < 0)
                        return r;
        }
        return 0;
}

int dispatch_list(Loader *l, const MNode *n, size_t elem_size, FieldDispatch elem, void *ret_array, size_t *ret_n) {
        uint8_t *a;
        int r;

        if (!expect_type(l, n, MNODE_SEQUENCE))
                return 0;
        if (n->n_children == 0)
                return 0;
        a = calloc(n->n_children, elem_size);
        if (!a)
                return -ENOMEM;
        /* Stored before dispatching so that the caller frees what was filled in, whatever happens. */
        *(void **) ret_array = a;
        *ret_n = n->n_children;
        for (size_t i = 0; i < n->n_children; i++) {
                r = elem(l, n->children[i], a + i * elem_size);
                if (r < 0)
                        return r;
        }
        return 0;
}

int field_string(Loader *l, const MNode *n, void *target) {
        char **s = target;

        if (!expect_string(l, n))
                return 0;
        free(*s);
        *s = strdup(n->value);
        return *s ? 0 : -ENOMEM;
}

static bool get_int(Loader *l, const MNode *n, int64_t min, int64_t max, int64_t *ret) {
        if (n->type != MNODE_SCALAR || n->kind != MSCALAR_INT) {
                (void) loader_error(l, n, "must be an integer, not %s", mnode_type_to_string(n));
                return false;
        }
        if (n->int_overflow || n->int_value < min || n->int_value > max) {
                (void) loader_error(l, n, "Invalid value: %s: must be between %" PRIi64 " and %" PRIi64 ", inclusive",
                                    n->value, min, max);
                return false;
        }
        *ret = n->int_value;
        return true;
}

static int field_int_range(Loader *l, const MNode *n, int64_t min, int64_t max, bool is32, void *target) {
        int64_t v;

        if (!get_int(l, n, is32 ? INT32_MIN : INT64_MIN, is32 ? INT32_MAX : INT64_MAX, &v))
                return 0;
        if (v < min)
                return loader_error(l, n, "Invalid value: %" PRIi64 ": must be greater than or equal to %" PRIi64, v, min);
        if (v > max)
                return loader_error(l, n, "Invalid value: %" PRIi64 ": must be less than or equal to %" PRIi64, v, max);
        if (is32)
                *(int32_t *) target = (int32_t) v;
        else
                *(int64_t *) target = v;
        return 0;
}

int field_int32(Loader *l, const MNode *n, void *target) {
        return field_int_range(l, n, INT32_MIN, INT32_MAX, true, target);
}

int field_int32_nonneg(Loader *l, const MNode *n, void *target) {
        return field_int_range(l, n, 0, INT32_MAX, true, target);
}

int field_int64(Loader *l, const MNode *n, void *target) {
        return field_int_range(l, n, INT64_MIN, INT64_MAX, false, target);
}

int field_int64_nonneg(Loader *l, const MNode *n, void *target) {
        return field_int_range(l, n, 0, INT64_MAX, false, target);
}

int field_bool(Loader *l, const MNode *n, void *target) {
        if (n->type != MNODE_SCALAR || n->kind != MSCALAR_BOOL)
                return loader_error(l, n, "must be a boolean (true or false), not %s", mnode_type_to_string(n));
        *(bool *) target = n->bool_value;
        return 0;
}

int field_tristate(Loader *l, const MNode *n, void *target) {
        if (n->type != MNODE_SCALAR || n->kind != MSCALAR_BOOL)
                return loader_error(l, n, "must be a boolean (true or false), not %s", mnode_type_to_string(n));
        *(Tristate *) target = n->bool_value ? TRISTATE_TRUE : TRISTATE_FALSE;
        return 0;
}

int field_strv(Loader *l, const MNode *n, void *target) {
        char ***v = target;
        int r;

        if (!expect_type(l, n, MNODE_SEQUENCE))
                return 0;
        *v = strv_free(*v);
        /* An empty list is still "set", as distinct from absent. */
        *v = calloc(1, sizeof(char *));
        if (!*v)
                return -ENOMEM;
        for (size_t i = 0; i < n->n_children; i++) {
                if (!expect_string(l, n->children[i]))
                        continue;
                r = strv_extend(v, n->children[i]->value);
                if (r < 0)
                        return r;
        }
        return 0;
}

int field_str_map(Loader *l, const MNode *n, void *target) {
        StrMap *m = target;
        int r;

        if (!expect_type(l, n, MNODE_MAPPING))
                return 0;
        for (size_t i = 0; i < n->n_children; i++) {
                const MNode *v = n->children[i];
                if (v->type == MNODE_SCALAR && v->kind == MSCALAR_NULL)
                        continue;
                if (!expect_string(l, v))
                        continue;
                r = str_map_set(m, v->key->value, v->value);
                if (r < 0)
                        return r;
        }
        return 0;
}

int field_quantity(Loader *l, const MNode *n, void *target) {
        _cleanup_(freep) char *err = NULL;
        int r;

        if (n->type != MNODE_SCALAR || !(n->kind == MSCALAR_STRING || n->kind == MSCALAR_INT || n->kind == MSCALAR_FLOAT)) {
                return loader_error(l, n, "must be a quantity such as '500m' or '128Mi', not %s",
                                    mnode_type_to_string(n));
        }
        r = quantity_parse(n->value, target, &err);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return loader_error(l, n, "Invalid value: \"%s\": %s", n->value, err ?: "invalid quantity");
        return 0;
}

int field_any(Loader *l, const MNode *n, void *target) {
        return 0;
}
