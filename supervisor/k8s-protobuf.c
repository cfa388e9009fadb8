/* SPDX-License-Identifier: Apache-2.0 */
/* Kubernetes' protobuf encoding of a Job or CronJob → the JSON a JSON client sends (k8s-protobuf.h). */
#include <inttypes.h>
#include <json-c/json.h>
#include <protobuf-c/protobuf-c.h>
#include <time.h>

#include "jobsd/macro.h"
#include "jobsd/strv.h"
#include "k8s-batch.pb-c.h"
#include "k8s-protobuf.h"

#define MAGIC "k8s\0"
#define MAGIC_SIZE 4
#define DECODE_MEMORY_MAX ((size_t) 32 * 1024 * 1024)
#define JSON_VALUES_MAX 200000
#define PATH_MAX_LEN 256

/* How a field is written, beyond the rules by type (k8s-protobuf.h). */
typedef enum FieldRule {
        KEEP_EMPTY = 1 << 0,    /* a string written when set, even empty: a pointer, or no omitempty in Go */
        OMIT_ZERO  = 1 << 1,    /* a number or bool not written when zero: not a pointer in Go, omitempty */
        INLINE     = 1 << 2,    /* the message's fields are the parent's (Go's embedded struct) */
} FieldRule;

static const struct {
        const char *message;
        const char *field;
        FieldRule rule;
} field_rules[] = {
        /* Strings without omitempty. */
        { "Container",                              "name",          KEEP_EMPTY },
        { "EnvVar",                                 "name",          KEEP_EMPTY },
        { "VolumeMount",                            "name",          KEEP_EMPTY },
        { "VolumeMount",                            "mountPath",     KEEP_EMPTY },
        { "Volume",                                 "name",          KEEP_EMPTY },
        { "DownwardAPIVolumeFile",                  "path",          KEEP_EMPTY },
        { "ObjectFieldSelector",                    "fieldPath",     KEEP_EMPTY },
        { "ResourceFieldSelector",                  "resource",      KEEP_EMPTY },
        { "HostPathVolumeSource",                   "path",          KEEP_EMPTY },
        { "PodFailurePolicyRule",                   "action",        KEEP_EMPTY },
        { "PodFailurePolicyOnExitCodesRequirement", "operator",      KEEP_EMPTY },
        { "PodFailurePolicyOnPodConditionsPattern", "type",          KEEP_EMPTY },
        { "PodFailurePolicyOnPodConditionsPattern", "status",        KEEP_EMPTY },
        { "OwnerReference",                         "apiVersion",    KEEP_EMPTY },
        { "OwnerReference",                         "kind",          KEEP_EMPTY },
        { "OwnerReference",                         "name",          KEEP_EMPTY },
        { "OwnerReference",                         "uid",           KEEP_EMPTY },
        { "LabelSelectorRequirement",               "key",           KEEP_EMPTY },
        { "LabelSelectorRequirement",               "operator",      KEEP_EMPTY },
        { "CronJobSpec",                            "schedule",      KEEP_EMPTY },
        /* Pointers to strings. */
        { "JobSpec",                                "completionMode",           KEEP_EMPTY },
        { "JobSpec",                                "podReplacementPolicy",     KEEP_EMPTY },
        { "JobSpec",                                "managedBy",                KEEP_EMPTY },
        { "SuccessPolicyRule",                      "succeededIndexes",         KEEP_EMPTY },
        { "PodFailurePolicyOnExitCodesRequirement", "containerName",            KEEP_EMPTY },
        { "CronJobSpec",                            "timeZone",                 KEEP_EMPTY },
        { "PodSpec",                                "runtimeClassName",         KEEP_EMPTY },
        { "PodSpec",                                "preemptionPolicy",         KEEP_EMPTY },
        { "PodSecurityContext",                     "fsGroupChangePolicy",      KEEP_EMPTY },
        { "PodSecurityContext",                     "supplementalGroupsPolicy", KEEP_EMPTY },
        { "PodSecurityContext",                     "seLinuxChangePolicy",      KEEP_EMPTY },
        { "SecurityContext",                        "procMount",                KEEP_EMPTY },
        { "Container",                              "restartPolicy",            KEEP_EMPTY },
        { "VolumeMount",                            "recursiveReadOnly",        KEEP_EMPTY },
        { "VolumeMount",                            "mountPropagation",         KEEP_EMPTY },
        { "HostPathVolumeSource",                   "type",                     KEEP_EMPTY },
        /* Numbers and bools that are not pointers, with omitempty. */
        { "ObjectMeta",                             "generation",    OMIT_ZERO },
        { "PodSpec",                                "hostNetwork",   OMIT_ZERO },
        { "PodSpec",                                "hostPID",       OMIT_ZERO },
        { "PodSpec",                                "hostIPC",       OMIT_ZERO },
        { "Container",                              "stdin",         OMIT_ZERO },
        { "Container",                              "stdinOnce",     OMIT_ZERO },
        { "Container",                              "tty",           OMIT_ZERO },
        { "VolumeMount",                            "readOnly",      OMIT_ZERO },
        { "ContainerPort",                          "hostPort",      OMIT_ZERO },
        { "Volume",                                 "volumeSource",  INLINE },
};

typedef struct Decoder {
        char path[PATH_MAX_LEN];
        size_t path_len;
        size_t n_values;
        char *error;
        bool oom;
} Decoder;

typedef struct Budget {
        size_t used;
        bool exhausted;
        bool oom;
} Budget;

static void *budget_alloc(void *data, size_t size) {
        Budget *b = data;
        void *p;

        if (size > DECODE_MEMORY_MAX - b->used) {
                b->exhausted = true;
                return NULL;
        }
        p = malloc(size);
        if (!p) {
                b->oom = true;
                return NULL;
        }
        b->used += size;
        return p;
}

static void budget_free(void *data, void *p) {
        free(p);
}

static FieldRule field_rule(const ProtobufCMessageDescriptor *m, const ProtobufCFieldDescriptor *f) {
        for (size_t i = 0; i < ELEMENTSOF(field_rules); i++)
                if (streq(field_rules[i].message, m->short_name) && streq(field_rules[i].field, f->name))
                        return field_rules[i].rule;
        return 0;
}

static int fail(Decoder *d, const char *fmt, ...) _printf_(2, 3);
static int fail(Decoder *d, const char *fmt, ...) {
        _cleanup_(freep) char *msg = NULL;
        va_list ap;

        if (d->error)
                return -EBADMSG;        /* the first error is the one reported */
        va_start(ap, fmt);
        msg = vstrprintf(fmt, ap);
        va_end(ap);
        if (!msg) {
                d->oom = true;
                return -ENOMEM;
        }
        d->error = d->path_len > 0 ? strprintf("%s: %s", d->path, msg) : TAKE_PTR(msg);
        if (!d->error) {
                d->oom = true;
                return -ENOMEM;
        }
        return -EBADMSG;
}

/* The path of the value being written, for errors: spec.template.spec.containers[0].env[2]. */
static size_t path_push(Decoder *d, const char *fmt, ...) _printf_(2, 3);
static size_t path_push(Decoder *d, const char *fmt, ...) {
        size_t saved = d->path_len;
        va_list ap;
        int k;

        if (d->path_len < sizeof(d->path)) {
                va_start(ap, fmt);
                k = vsnprintf(d->path + d->path_len, sizeof(d->path) - d->path_len, fmt, ap);
                va_end(ap);
                if (k > 0)
                        d->path_len = MIN(d->path_len + (size_t) k, sizeof(d->path) - 1);
        }
        return saved;
}

static void path_pop(Decoder *d, size_t saved) {
        d->path_len = saved;
        d->path[saved] = 0;
}

static void json_object_putp(json_object **o) {
        json_object_put(*o);
}

/* Counts a new value; NULL is out of memory. */
static int new_value(Decoder *d, json_object *o, json_object **ret) {
        if (!o) {
                d->oom = true;
                return -ENOMEM;
        }
        if (++d->n_values > JSON_VALUES_MAX) {
                json_object_put(o);
                return fail(d, "more than %d values, refusing", JSON_VALUES_MAX);
        }
        *ret = o;
        return 0;
}

/* Adds v (NULL: JSON null) under key, or to the array parent if key is NULL; takes v in any case. */
static int add(Decoder *d, json_object *parent, const char *key, json_object *v) {
        int r;

        r = key ? json_object_object_add(parent, key, v) : json_object_array_add(parent, v);
        if (r < 0) {
                json_object_put(v);
                d->oom = true;
                return -ENOMEM;
        }
        return 0;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
static bool utf8_valid(const char *s) {
        const unsigned char *p = (const unsigned char *) s;

        while (*p) {
                unsigned c = *p, n, cp;

                if (c < 0x80) {
                        p++;
                        continue;
                }
                if (c >= 0xc2 && c <= 0xdf)
                        n = 1, cp = c & 0x1f;
                else if (c >= 0xe0 && c <= 0xef)
                        n = 2, cp = c & 0x0f;
                else if (c >= 0xf0 && c <= 0xf4)
                        n = 3, cp = c & 0x07;
                else
                        return false;
                for (unsigned i = 1; i <= n; i++) {
                        if ((p[i] & 0xc0) != 0x80)
                                return false;
                        cp = (cp << 6) | (p[i] & 0x3f);
                }
                if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
                    (cp >= 0xd800 && cp <= 0xdfff))
                        return false;
                p += n + 1;
        }
        return true;
}

static int new_string(Decoder *d, const char *s, json_object **ret) {
        if (!utf8_valid(s))
                return fail(d, "a string is not valid UTF-8");
        return new_value(d, json_object_new_string(s), ret);
}

/* metav1.Time: RFC 3339 in UTC to the second, as Kubernetes writes it; the zero time is null. */
static int time_to_json(Decoder *d, const K8s__Time *t, json_object **ret) {
        /* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: what Go's RFC 3339 can write. */
        const int64_t min = INT64_C(-62135596800), max = INT64_C(253402300799);
        int64_t s = t->has_seconds ? t->seconds : 0;
        int32_t nanos = t->has_nanos ? t->nanos : 0;
        char buf[sizeof("9999-12-31T23:59:59Z")];
        struct tm tm;
        time_t tt;

        if (s == 0 && nanos == 0) {
                *ret = NULL;
                return 0;
        }
        if (s < min || s > max || nanos < 0 || nanos > 999999999)
                return fail(d, "time %" PRIi64 " s %" PRIi32 " ns is out of range", s, nanos);
        tt = (time_t) s;
        if (!gmtime_r(&tt, &tm) || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) != sizeof(buf) - 1)
                return fail(d, "time %" PRIi64 " s cannot be written", s);
        return new_string(d, buf, ret);
}

static int quantity_to_json(Decoder *d, const K8s__Quantity *q, json_object **ret) {
        /* resource.Quantity's zero value is written "0". */
        return new_string(d, q && q->string && q->string[0] ? q->string : "0", ret);
}

static int message_fields_to_json(Decoder *d, const ProtobufCMessage *m, json_object *obj);

static int message_to_json(Decoder *d, const ProtobufCMessage *m, json_object **ret) {
        _cleanup_(json_object_putp) json_object *obj = NULL;
        const ProtobufCMessageDescriptor *desc = m->descriptor;
        int r;

        if (desc == &k8s__time__descriptor)
                return time_to_json(d, (const K8s__Time *) m, ret);
        if (desc == &k8s__quantity__descriptor)
                return quantity_to_json(d, (const K8s__Quantity *) m, ret);

        r = new_value(d, json_object_new_object(), &obj);
        if (r < 0)
                return r;
        r = message_fields_to_json(d, m, obj);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(obj);
        return 0;
}

/* A map: repeated StringEntry or QuantityEntry, as on the wire; the last of two equal keys wins, as in Go. */
static int map_to_json(Decoder *d, const ProtobufCFieldDescriptor *f, size_t n, void * const *items, json_object **ret) {
        _cleanup_(json_object_putp) json_object *obj = NULL;
        int r;

        r = new_value(d, json_object_new_object(), &obj);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                const ProtobufCMessage *e = items[i];
                const char *key;
                json_object *v = NULL;
                size_t saved;

                if (f->descriptor == &k8s__string_entry__descriptor)
                        key = ((const K8s__StringEntry *) e)->key ?: "";
                else
                        key = ((const K8s__QuantityEntry *) e)->key ?: "";
                /* An error message is text: a key that is not UTF-8 is not quoted in it. */
                saved = path_push(d, "[%s]", utf8_valid(key) ? key : "(not UTF-8)");
                if (!utf8_valid(key))
                        r = fail(d, "a key is not valid UTF-8");
                else if (e->n_unknown_fields > 0)
                        r = fail(d, "a map entry has unknown fields");
                else if (f->descriptor == &k8s__string_entry__descriptor)
                        r = new_string(d, ((const K8s__StringEntry *) e)->value ?: "", &v);
                else {
                        const K8s__QuantityEntry *q = (const K8s__QuantityEntry *) e;
                        r = q->value ? message_to_json(d, &q->value->base, &v) : quantity_to_json(d, NULL, &v);
                }
                if (r >= 0)
                        r = add(d, obj, key, v);
                path_pop(d, saved);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(obj);
        return 0;
}

/* One value of a field: a scalar, a string, a message, or an opaque message written as {}. */
static int value_to_json(Decoder *d, const ProtobufCFieldDescriptor *f, const void *p, json_object **ret) {
        switch (f->type) {
        case PROTOBUF_C_TYPE_INT32:
                return new_value(d, json_object_new_int(*(const int32_t *) p), ret);
        case PROTOBUF_C_TYPE_INT64:
                return new_value(d, json_object_new_int64(*(const int64_t *) p), ret);
        case PROTOBUF_C_TYPE_BOOL:
                return new_value(d, json_object_new_boolean(*(const protobuf_c_boolean *) p), ret);
        case PROTOBUF_C_TYPE_STRING:
                return new_string(d, *(char * const *) p, ret);
        case PROTOBUF_C_TYPE_MESSAGE:
                return message_to_json(d, *(ProtobufCMessage * const *) p, ret);
        case PROTOBUF_C_TYPE_BYTES:
                /* Not decoded (k8s-protobuf.h): named, for the loader to warn about or refuse. */
                return new_value(d, json_object_new_object(), ret);
        default:
                return fail(d, "field %s has a type the decoder does not handle", f->name);
        }
}

static size_t value_size(const ProtobufCFieldDescriptor *f) {
        switch (f->type) {
        case PROTOBUF_C_TYPE_INT32:
                return sizeof(int32_t);
        case PROTOBUF_C_TYPE_INT64:
                return sizeof(int64_t);
        case PROTOBUF_C_TYPE_BOOL:
                return sizeof(protobuf_c_boolean);
        case PROTOBUF_C_TYPE_BYTES:
                return sizeof(ProtobufCBinaryData);
        default:
                return sizeof(void *);
        }
}

/* Whether an optional field is set, and whether its value is written (the rules of k8s-protobuf.h). */
static bool field_written(const ProtobufCFieldDescriptor *f, FieldRule rule, const void *p, const ProtobufCMessage *m) {
        const protobuf_c_boolean *has = (const protobuf_c_boolean *) ((const uint8_t *) m + f->quantifier_offset);

        switch (f->type) {
        case PROTOBUF_C_TYPE_STRING: {
                const char *s = *(char * const *) p;
                return s && (s[0] || (rule & KEEP_EMPTY));
        }
        case PROTOBUF_C_TYPE_MESSAGE:
                return *(void * const *) p;
        case PROTOBUF_C_TYPE_INT32:
                return *has && !((rule & OMIT_ZERO) && *(const int32_t *) p == 0);
        case PROTOBUF_C_TYPE_INT64:
                return *has && !((rule & OMIT_ZERO) && *(const int64_t *) p == 0);
        case PROTOBUF_C_TYPE_BOOL:
                return *has && !((rule & OMIT_ZERO) && !*(const protobuf_c_boolean *) p);
        default:
                return *has;
        }
}

static int repeated_to_json(Decoder *d, const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, json_object **ret) {
        size_t n = *(const size_t *) ((const uint8_t *) m + f->quantifier_offset);
        const uint8_t *items = *(const uint8_t * const *) ((const uint8_t *) m + f->offset);
        _cleanup_(json_object_putp) json_object *arr = NULL;
        int r;

        if (f->type == PROTOBUF_C_TYPE_MESSAGE &&
            (f->descriptor == &k8s__string_entry__descriptor || f->descriptor == &k8s__quantity_entry__descriptor))
                return map_to_json(d, f, n, (void * const *) items, ret);

        r = new_value(d, json_object_new_array_ext(n), &arr);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                size_t saved = path_push(d, "[%zu]", i);
                json_object *v = NULL;

                r = value_to_json(d, f, items + i * value_size(f), &v);
                if (r >= 0)
                        r = add(d, arr, NULL, v);
                path_pop(d, saved);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(arr);
        return 0;
}

static int field_to_json(Decoder *d, const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, json_object *obj) {
        const void *p = (const uint8_t *) m + f->offset;
        FieldRule rule = field_rule(m->descriptor, f);
        json_object *v = NULL;
        size_t saved;
        int r;

        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
                if (*(const size_t *) ((const uint8_t *) m + f->quantifier_offset) == 0)
                        return 0;
        } else if (!field_written(f, rule, p, m))
                return 0;
        if (rule & INLINE) {
                assert(f->type == PROTOBUF_C_TYPE_MESSAGE && f->label != PROTOBUF_C_LABEL_REPEATED);
                return message_fields_to_json(d, *(ProtobufCMessage * const *) p, obj);
        }

        saved = path_push(d, "%s%s", d->path_len > 0 ? "." : "", f->name);
        if (f->label == PROTOBUF_C_LABEL_REPEATED)
                r = repeated_to_json(d, m, f, &v);
        else
                r = value_to_json(d, f, p, &v);
        if (r >= 0)
                r = add(d, obj, f->name, v);
        path_pop(d, saved);
        return r;
}

/* A field of a newer Kubernetes that jobsd does not know: let through if it is zero or empty. */
static bool unknown_field_is_empty(const ProtobufCMessageUnknownField *u) {
        for (size_t i = 0; i < u->len; i++)
                if (u->data[i] != 0)
                        return false;
        return true;
}

static int message_fields_to_json(Decoder *d, const ProtobufCMessage *m, json_object *obj) {
        const ProtobufCMessageDescriptor *desc = m->descriptor;
        int r;

        for (unsigned i = 0; i < m->n_unknown_fields; i++)
                if (!unknown_field_is_empty(m->unknown_fields + i))
                        return fail(d, "unknown field number %" PRIu32 " of %s: jobsd does not know it",
                                    m->unknown_fields[i].tag, desc->short_name);
        for (unsigned i = 0; i < desc->n_fields; i++) {
                r = field_to_json(d, m, desc->fields + i, obj);
                if (r < 0)
                        return r;
        }
        return 0;
}

static const char *printable(const char *s) {
        /* For an error message: the text as given only if it is short, printable ASCII. */
        if (!s)
                return "(none)";
        if (strlen(s) > 64)
                return "(a long name)";
        for (const char *p = s; *p; p++)
                if (*p < 0x20 || *p > 0x7e)
                        return "(a name that is not printable)";
        return s;
}

static int decode(const void *body, size_t size, const char *want_kind, char **ret_json, Decoder *d) {
        Budget budget = {};
        ProtobufCAllocator allocator = { .alloc = budget_alloc, .free = budget_free, .allocator_data = &budget };
        ProtobufCMessage *object = NULL;
        K8s__Unknown *unknown = NULL;
        json_object *root = NULL, *v = NULL;
        const ProtobufCMessageDescriptor *desc;
        const char *kind, *api, *text;
        size_t len;
        int r;

        if (size > K8S_PROTOBUF_SIZE_MAX)
                return fail(d, "the body is %zu bytes, larger than the limit of %zu bytes", size, K8S_PROTOBUF_SIZE_MAX);
        if (size < MAGIC_SIZE || memcmp(body, MAGIC, MAGIC_SIZE) != 0)
                return fail(d, "not Kubernetes' protobuf encoding: the body does not start with \"k8s\\0\"");

        unknown = k8s__unknown__unpack(&allocator, size - MAGIC_SIZE, (const uint8_t *) body + MAGIC_SIZE);
        if (!unknown) {
                r = budget.oom ? -ENOMEM :
                    budget.exhausted ? fail(d, "the body needs more than %zu MiB of memory to decode, refusing",
                                            DECODE_MEMORY_MAX >> 20) :
                    fail(d, "malformed protobuf: the runtime.Unknown envelope cannot be decoded (truncated or not protobuf)");
                goto finish;
        }
        if (unknown->contenttype && unknown->contenttype[0] && !streq(unknown->contenttype, K8S_PROTOBUF_CONTENT_TYPE)) {
                r = fail(d, "the envelope's content type is \"%s\", not \"" K8S_PROTOBUF_CONTENT_TYPE "\"",
                         printable(unknown->contenttype));
                goto finish;
        }
        if (unknown->contentencoding && unknown->contentencoding[0]) {
                r = fail(d, "the envelope's content encoding \"%s\" is not supported", printable(unknown->contentencoding));
                goto finish;
        }
        kind = unknown->typemeta ? unknown->typemeta->kind : NULL;
        api = unknown->typemeta ? unknown->typemeta->apiversion : NULL;
        if (!kind || !kind[0]) {
                r = fail(d, "the envelope names no kind");
                goto finish;
        }
        if (!api || !streq(api, "batch/v1") ||
            !(streq(kind, "Job") || streq(kind, "CronJob")) ||
            (want_kind && !streq(kind, want_kind))) {
                r = fail(d, "the body holds a %s %s, not a batch/v1 %s", printable(api && api[0] ? api : NULL),
                         printable(kind), want_kind ? printable(want_kind) : "Job or CronJob");
                goto finish;
        }
        if (unknown->base.n_unknown_fields > 0 || unknown->typemeta->base.n_unknown_fields > 0) {
                r = fail(d, "the envelope has unknown fields");
                goto finish;
        }
        desc = streq(kind, "Job") ? &k8s__job__descriptor : &k8s__cron_job__descriptor;
        object = protobuf_c_message_unpack(desc, &allocator, unknown->has_raw ? unknown->raw.len : 0,
                                           unknown->has_raw ? unknown->raw.data : (const uint8_t *) "");
        if (!object) {
                r = budget.oom ? -ENOMEM :
                    budget.exhausted ? fail(d, "the body needs more than %zu MiB of memory to decode, refusing",
                                            DECODE_MEMORY_MAX >> 20) :
                    fail(d, "malformed protobuf: the batch/v1 %s cannot be decoded (truncated or not protobuf)", kind);
                goto finish;
        }

        r = new_value(d, json_object_new_object(), &root);
        if (r >= 0)
                r = new_string(d, api, &v);
        if (r >= 0)
                r = add(d, root, "apiVersion", TAKE_PTR(v));
        if (r >= 0)
                r = new_string(d, kind, &v);
        if (r >= 0)
                r = add(d, root, "kind", TAKE_PTR(v));
        if (r >= 0)
                r = message_fields_to_json(d, object, root);
        if (r < 0)
                goto finish;

        text = json_object_to_json_string_length(root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
        if (!text) {
                r = -ENOMEM;
                goto finish;
        }
        if (len > K8S_PROTOBUF_SIZE_MAX) {
                r = fail(d, "the %s is %zu bytes as JSON, larger than the limit of %zu bytes", kind, len, K8S_PROTOBUF_SIZE_MAX);
                goto finish;
        }
        *ret_json = strndup(text, len);
        r = *ret_json ? 0 : -ENOMEM;

finish:
        json_object_put(root);
        if (object)
                protobuf_c_message_free_unpacked(object, &allocator);
        if (unknown)
                k8s__unknown__free_unpacked(unknown, &allocator);
        if (d->oom && r >= 0)
                r = -ENOMEM;
        return r;
}

int k8s_protobuf_to_json(const void *body, size_t size, const char *want_kind, char **ret_json, char **ret_error) {
        Decoder d = {};
        char *json = NULL;
        int r;

        assert(body || size == 0);
        assert(ret_json);

        r = decode(body ?: "", size, want_kind, &json, &d);
        if (d.oom || r == -ENOMEM) {
                free(d.error);
                free(json);
                if (ret_error)
                        *ret_error = NULL;
                return -ENOMEM;
        }
        if (r < 0) {
                free(json);
                if (ret_error)
                        *ret_error = TAKE_PTR(d.error);
                free(d.error);
                return -EBADMSG;
        }
        *ret_json = json;
        if (ret_error)
                *ret_error = NULL;
        return 0;
}

int k8s_protobuf_job_to_json(const void *body, size_t size, char **ret_json, char **ret_error) {
        return k8s_protobuf_to_json(body, size, "Job", ret_json, ret_error);
}
