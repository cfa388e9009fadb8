/* SPDX-License-Identifier: Apache-2.0 */
/* The protobuf decoder (supervisor/k8s-protobuf.c): the bodies recorded from kubectl 1.32 in
 * tests/cases/protobuf/ (record.py) decode to kubectl's own JSON of the same object (compared as JSON
 * values) and load through the generator's loader; bodies built here with protobuf-c check the JSON
 * rules (omitempty, pointers, maps, times); malformed bodies (wrong magic, truncated, corrupted, garbage,
 * another kind, unknown fields, bad UTF-8, over the limits) give an error, never a crash. */
#include <json-c/json.h>
#include <protobuf-c/protobuf-c.h>
#include <time.h>

#include "jobsd/manifest.h"
#include "jobsd/strv.h"
#include "k8s-batch.pb-c.h"
#include "k8s-protobuf.h"
#include "tap.h"

static char *read_file(const char *path, size_t *ret_size) {
        FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t n = 0, a = 0;

        if (!f)
                return NULL;
        for (;;) {
                if (n + 4096 + 1 > a) {
                        a = (n + 4096 + 1) * 2;
                        buf = realloc(buf, a);
                        assert_se(buf);
                }
                size_t k = fread(buf + n, 1, 4096, f);
                n += k;
                if (k == 0)
                        break;
        }
        fclose(f);
        buf[n] = 0;
        *ret_size = n;
        return buf;
}

static char *case_path(const char *name, const char *suffix) {
        char *p = strprintf("%s/tests/cases/protobuf/%s%s", getenv("JOBSD_SOURCE_ROOT") ?: ".", name, suffix);
        assert_se(p);
        return p;
}

/* Loads JSON through the loader (JSON is YAML); returns the number of objects loaded. Error
 * diagnostics are appended to *errors as "path: message". */
static size_t load(const char *name, const char *json, ManifestKind kind, char ***errors) {
        _cleanup_(manifest_list_done) ManifestList list = {};
        _cleanup_(diag_list_done) DiagList diags = {};

        ASSERT_OK(manifest_parse_buffer(name, json, strlen(json), &list, &diags));
        for (size_t i = 0; i < diags.n; i++) {
                const Diag *d = diags.items + i;
                if (getenv("JOBSD_TEST_PRINT"))
                        tap_diag("%s: %s %s: %s", name, d->level == DIAG_ERROR ? "error" : "warning",
                                 d->path ?: "", d->message);
                if (d->level == DIAG_ERROR && errors)
                        assert_se(strv_push(errors, strprintf("%s: %s", d->path ?: "", d->message)) >= 0);
        }
        for (size_t i = 0; i < list.n; i++)
                ASSERT_EQ(list.items[i].kind, kind);
        return list.n;
}

/* ---- the recorded bodies ---- */

typedef struct RecordedCase {
        const char *name;
        const char *kind;
        const char *errors[4];  /* the loader's errors, exactly; none: the object loads */
} RecordedCase;

static const RecordedCase recorded[] = {
        { "simple-manual", "Job" },
        { "full-manual", "Job" },
        { "defaulted-manual", "Job" },
        { "image-echo", "Job" },
        { "cronjob-create", "CronJob" },
        /* Fields jobsd does not decode reach the loader as {}: refused or warned about as in JSON. */
        { "opaque-manual", "Job", {
                "spec.template.spec.containers[0].env[0].valueFrom.configMapKeyRef: not supported by jobsd: it needs "
                "cluster objects (ConfigMap, Secret …) that jobsd does not have; use env values or hostPath volumes",
                "spec.template.spec.volumes[0].configMap: not supported by jobsd: it needs cluster objects (ConfigMap, "
                "Secret …) that jobsd does not have; use env values or hostPath volumes",
        } },
};

static void check_recorded(const void *data) {
        const RecordedCase *c = data;
        _cleanup_(freep) char *pb_path = case_path(c->name, ".pb"), *json_path = case_path(c->name, ".json");
        _cleanup_(freep) char *body = NULL, *json = NULL, *error = NULL;
        _cleanup_(strv_freep) char **errors = NULL;
        json_object *expected, *got;
        size_t size, n_expected = 0;

        body = read_file(pb_path, &size);
        ASSERT_NOT_NULL(body);
        if (!body)
                return;
        ASSERT_OK(k8s_protobuf_to_json(body, size, c->kind, &json, &error));
        ASSERT_NULL(error);
        if (!json)
                return;

        /* The decoder's JSON is kubectl's JSON of the same object. */
        expected = json_object_from_file(json_path);
        got = json_tokener_parse(json);
        ASSERT_NOT_NULL(expected);
        ASSERT_NOT_NULL(got);
        ASSERT_TRUE(json_object_equal(expected, got));
        if (!json_object_equal(expected, got)) {
                tap_diag("expected %s", json_object_to_json_string_ext(expected, JSON_C_TO_STRING_PLAIN));
                tap_diag("got      %s", json_object_to_json_string_ext(got, JSON_C_TO_STRING_PLAIN));
        }
        json_object_put(expected);
        json_object_put(got);

        /* And the loader takes it as the Job (CronJob) it is, or refuses what jobsd refuses. */
        while (n_expected < ELEMENTSOF(c->errors) && c->errors[n_expected])
                n_expected++;
        ASSERT_EQ(load(c->name, json, streq(c->kind, "Job") ? MANIFEST_JOB : MANIFEST_CRON_JOB, &errors),
                  n_expected == 0 ? 1 : 0);
        ASSERT_EQ(strv_length(errors), n_expected);
        for (size_t i = 0; i < n_expected; i++)
                ASSERT_TRUE(strv_contains(errors, c->errors[i]));
        STRV_FOREACH(e, errors)
                if (!getenv("JOBSD_TEST_PRINT") && n_expected == 0)
                        tap_diag("unexpected error: %s", *e);
}

/* Every prefix and every one-byte change of each recorded body: an error or a result, never a crash
 * (under valgrind and the sanitizers, never a bad read or a leak). */
static void check_damaged(const void *data) {
        const RecordedCase *c = data;
        _cleanup_(freep) char *pb_path = case_path(c->name, ".pb");
        _cleanup_(freep) char *body = NULL;
        size_t size, failed = 0;

        body = read_file(pb_path, &size);
        ASSERT_NOT_NULL(body);
        if (!body)
                return;
        for (size_t n = 0; n < size; n++) {
                char *json = NULL, *error = NULL;
                int r = k8s_protobuf_to_json(body, n, NULL, &json, &error);

                ASSERT_TRUE(r == 0 || r == -EBADMSG);
                ASSERT_TRUE((r == 0) == (json != NULL));
                ASSERT_TRUE((r == 0) == (error == NULL));
                failed += r < 0;
                free(json);
                free(error);
        }
        /* Most prefixes end inside a field; some end between two and are a smaller object. */
        ASSERT_TRUE(failed > size / 2);
        for (size_t i = 0; i < size; i++)
                for (unsigned x = 0; x < 3; x++) {
                        static const uint8_t masks[] = { 0xff, 0x80, 0x01 };
                        char *json = NULL, *error = NULL;
                        char saved = body[i];
                        int r;

                        body[i] ^= masks[x];
                        r = k8s_protobuf_to_json(body, size, NULL, &json, &error);
                        body[i] = saved;
                        ASSERT_TRUE(r == 0 || r == -EBADMSG);
                        ASSERT_TRUE((r == 0) == (error == NULL));
                        free(json);
                        free(error);
                }
}

TEST(job_only) {
        _cleanup_(freep) char *pb_path = case_path("cronjob-create", ".pb");
        _cleanup_(freep) char *body = NULL, *json = NULL, *error = NULL;
        size_t size;

        body = read_file(pb_path, &size);
        ASSERT_NOT_NULL(body);
        if (!body)
                return;
        ASSERT_ERROR(k8s_protobuf_job_to_json(body, size, &json, &error), EBADMSG);
        ASSERT_NULL(json);
        ASSERT_STREQ(error, "the body holds a batch/v1 CronJob, not a batch/v1 Job");
}

/* ---- bodies built here ---- */

/* A small valid Job; the test changes what it checks. */
typedef struct TestJob {
        K8s__Job job;
        K8s__ObjectMeta meta;
        K8s__JobSpec spec;
        K8s__PodTemplateSpec template_;
        K8s__PodSpec pod;
        K8s__Container container;
        K8s__Container *containers[1];
        char *command[1];
} TestJob;

static void test_job_init(TestJob *t) {
        *t = (TestJob) {
                .job = K8S__JOB__INIT,
                .meta = K8S__OBJECT_META__INIT,
                .spec = K8S__JOB_SPEC__INIT,
                .template_ = K8S__POD_TEMPLATE_SPEC__INIT,
                .pod = K8S__POD_SPEC__INIT,
                .container = K8S__CONTAINER__INIT,
        };
        t->meta.name = (char *) "t";
        t->job.metadata = &t->meta;
        t->job.spec = &t->spec;
        t->spec.template_ = &t->template_;
        t->template_.spec = &t->pod;
        t->pod.restartpolicy = (char *) "Never";
        t->pod.n_containers = 1;
        t->pod.containers = t->containers;
        t->containers[0] = &t->container;
        t->container.name = (char *) "main";
        t->container.image = (char *) "busybox";
        t->command[0] = (char *) "true";
        t->container.n_command = 1;
        t->container.command = t->command;
}

/* "k8s\0" and a runtime.Unknown around obj (NULL: no raw). */
static uint8_t *make_body(const char *api, const char *kind, const ProtobufCMessage *obj, const char *encoding,
                          const char *content_type, size_t *ret_size) {
        K8s__Unknown u = K8S__UNKNOWN__INIT;
        K8s__TypeMeta tm = K8S__TYPE_META__INIT;
        uint8_t *raw = NULL, *body;
        size_t n;

        if (api || kind) {
                tm.apiversion = (char *) api;
                tm.kind = (char *) kind;
                u.typemeta = &tm;
        }
        if (obj) {
                n = protobuf_c_message_get_packed_size(obj);
                raw = malloc(n + 1);
                assert_se(raw);
                assert_se(protobuf_c_message_pack(obj, raw) == n);
                u.has_raw = true;
                u.raw = (ProtobufCBinaryData) { .len = n, .data = raw };
        }
        u.contentencoding = (char *) encoding;
        u.contenttype = (char *) content_type;
        n = k8s__unknown__get_packed_size(&u);
        body = malloc(4 + n);
        assert_se(body);
        memcpy(body, "k8s\0", 4);
        assert_se(k8s__unknown__pack(&u, body + 4) == n);
        free(raw);
        *ret_size = 4 + n;
        return body;
}

static uint8_t *make_job_body(const TestJob *t, size_t *ret_size) {
        return make_body("batch/v1", "Job", &t->job.base, "", "", ret_size);
}

/* Decodes; returns the JSON object (to put) or NULL, with *ret_error set then. */
static json_object *decode_body(const uint8_t *body, size_t size, char **ret_error) {
        _cleanup_(freep) char *json = NULL;
        int r;

        *ret_error = NULL;
        r = k8s_protobuf_to_json(body, size, NULL, &json, ret_error);
        if (r < 0) {
                ASSERT_EQ(r, -EBADMSG);
                ASSERT_NOT_NULL(*ret_error);
                return NULL;
        }
        return json_tokener_parse(json);
}

static json_object *decode_job(const TestJob *t) {
        _cleanup_(freep) uint8_t *body = NULL;
        _cleanup_(freep) char *error = NULL;
        json_object *o;
        size_t size;

        body = make_job_body(t, &size);
        o = decode_body(body, size, &error);
        if (error)
                tap_diag("error: %s", error);
        ASSERT_NOT_NULL(o);
        return o;
}

/* The error a body gives, or NULL if it decodes. */
static char *body_error(const uint8_t *body, size_t size) {
        char *error = NULL;
        json_object *o = decode_body(body, size, &error);

        json_object_put(o);
        return error;
}

static char *job_error(const TestJob *t) {
        _cleanup_(freep) uint8_t *body = NULL;
        size_t size;

        body = make_job_body(t, &size);
        return body_error(body, size);
}

/* The value at a path of keys; NULL if absent (or JSON null: see has_path()). */
static json_object *at(json_object *o, const char *path) {
        _cleanup_(freep) char *copy = strdup(path);
        char *save = NULL;

        assert_se(copy);
        for (char *k = strtok_r(copy, ".", &save); k && o; k = strtok_r(NULL, ".", &save)) {
                if (json_object_is_type(o, json_type_array))
                        o = json_object_array_get_idx(o, strtol(k, NULL, 10));
                else if (!json_object_object_get_ex(o, k, &o))
                        return NULL;
        }
        return o;
}

static bool has_path(json_object *o, const char *path) {
        _cleanup_(freep) char *parent = strdup(path);
        char *dot = strrchr(parent, '.');

        assert_se(parent);
        if (!dot)
                return json_object_object_get_ex(o, path, NULL);
        *dot = 0;
        o = at(o, parent);
        return o && json_object_object_get_ex(o, dot + 1, NULL);
}

static const char *str_at(json_object *o, const char *path) {
        json_object *v = at(o, path);
        return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

TEST(minimal_job_loads) {
        _cleanup_(freep) char *json = NULL, *error = NULL;
        _cleanup_(freep) uint8_t *body = NULL;
        TestJob t;
        size_t size;

        test_job_init(&t);
        body = make_job_body(&t, &size);
        ASSERT_OK(k8s_protobuf_job_to_json(body, size, &json, &error));
        ASSERT_STREQ(json, "{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\",\"metadata\":{\"name\":\"t\"},"
                           "\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"main\",\"image\":\"busybox\","
                           "\"command\":[\"true\"]}],\"restartPolicy\":\"Never\"}}}}");
        if (json)
                ASSERT_EQ(load("minimal", json, MANIFEST_JOB, NULL), 1);
}

TEST(omitempty_and_pointers) {
        TestJob t;
        json_object *o;

        test_job_init(&t);
        /* Pointers: written whatever their value. */
        t.spec.has_backofflimit = true, t.spec.backofflimit = 0;
        t.spec.has_suspend = true, t.spec.suspend = false;
        t.spec.completionmode = (char *) "";
        t.spec.has_activedeadlineseconds = true, t.spec.activedeadlineseconds = INT64_C(9000000000);
        /* Not pointers, omitempty: zero is left out. */
        t.pod.has_hostnetwork = true, t.pod.hostnetwork = false;
        t.pod.has_hostpid = true, t.pod.hostpid = true;
        t.container.has_stdin = true, t.container.stdin = false;
        t.meta.has_generation = true, t.meta.generation = 0;
        /* Strings: "" is left out unless Go writes it (no omitempty, or a pointer). */
        t.container.workingdir = (char *) "";
        t.pod.dnspolicy = (char *) "";
        t.meta.namespace_ = (char *) "";
        o = decode_job(&t);
        if (!o)
                return;
        ASSERT_EQ(json_object_get_int(at(o, "spec.backoffLimit")), 0);
        ASSERT_TRUE(has_path(o, "spec.backoffLimit"));
        ASSERT_TRUE(has_path(o, "spec.suspend"));
        ASSERT_FALSE(json_object_get_boolean(at(o, "spec.suspend")));
        ASSERT_STREQ(str_at(o, "spec.completionMode"), "");
        ASSERT_EQ(json_object_get_int64(at(o, "spec.activeDeadlineSeconds")), INT64_C(9000000000));
        ASSERT_FALSE(has_path(o, "spec.template.spec.hostNetwork"));
        ASSERT_TRUE(json_object_get_boolean(at(o, "spec.template.spec.hostPID")));
        ASSERT_FALSE(has_path(o, "spec.template.spec.containers.0.stdin"));
        ASSERT_FALSE(has_path(o, "metadata.generation"));
        ASSERT_FALSE(has_path(o, "spec.template.spec.containers.0.workingDir"));
        ASSERT_FALSE(has_path(o, "spec.template.spec.dnsPolicy"));
        ASSERT_FALSE(has_path(o, "metadata.namespace"));
        json_object_put(o);

        /* A container without a name: "name": "" as Go writes it; the loader says what is wrong. */
        test_job_init(&t);
        t.container.name = (char *) "";
        o = decode_job(&t);
        ASSERT_STREQ(str_at(o, "spec.template.spec.containers.0.name"), "");
        json_object_put(o);
}

TEST(maps_quantities_times_inline) {
        K8s__StringEntry l1 = K8S__STRING_ENTRY__INIT, l2 = K8S__STRING_ENTRY__INIT, l3 = K8S__STRING_ENTRY__INIT;
        K8s__StringEntry *labels[] = { &l1, &l2, &l3 };
        K8s__Quantity cpu = K8S__QUANTITY__INIT;
        K8s__QuantityEntry q1 = K8S__QUANTITY_ENTRY__INIT, q2 = K8S__QUANTITY_ENTRY__INIT;
        K8s__QuantityEntry *limits[] = { &q1, &q2 };
        K8s__ResourceRequirements res = K8S__RESOURCE_REQUIREMENTS__INIT;
        K8s__Time created = K8S__TIME__INIT, zero = K8S__TIME__INIT;
        K8s__Volume vol = K8S__VOLUME__INIT, *vols[] = { &vol };
        K8s__VolumeSource src = K8S__VOLUME_SOURCE__INIT;
        K8s__HostPathVolumeSource hp = K8S__HOST_PATH_VOLUME_SOURCE__INIT;
        TestJob t;
        json_object *o;

        test_job_init(&t);
        l1.key = (char *) "app", l1.value = (char *) "one";
        l2.key = (char *) "empty";                              /* no value: "" */
        l3.key = (char *) "app", l3.value = (char *) "two";     /* the last of two equal keys wins */
        t.meta.n_labels = 3, t.meta.labels = labels;
        cpu.string = (char *) "500m";
        q1.key = (char *) "cpu", q1.value = &cpu;
        q2.key = (char *) "memory";                             /* no value: the zero quantity */
        res.n_limits = 2, res.limits = limits;
        t.container.resources = &res;
        created.has_seconds = true, created.seconds = 1767225600, created.has_nanos = true, created.nanos = 5;
        t.meta.creationtimestamp = &created;
        t.meta.deletiontimestamp = &zero;                       /* the zero time: null */
        hp.path = (char *) "/srv";
        src.hostpath = &hp;
        src.has_configmap = true;                               /* not decoded: {} */
        vol.name = (char *) "data", vol.volumesource = &src;
        t.pod.n_volumes = 1, t.pod.volumes = vols;
        o = decode_job(&t);
        if (!o)
                return;
        ASSERT_STREQ(str_at(o, "metadata.labels.app"), "two");
        ASSERT_STREQ(str_at(o, "metadata.labels.empty"), "");
        ASSERT_STREQ(str_at(o, "spec.template.spec.containers.0.resources.limits.cpu"), "500m");
        ASSERT_STREQ(str_at(o, "spec.template.spec.containers.0.resources.limits.memory"), "0");
        ASSERT_STREQ(str_at(o, "metadata.creationTimestamp"), "2026-01-01T00:00:00Z");
        ASSERT_TRUE(has_path(o, "metadata.deletionTimestamp"));
        ASSERT_NULL(at(o, "metadata.deletionTimestamp"));
        ASSERT_STREQ(str_at(o, "spec.template.spec.volumes.0.name"), "data");
        ASSERT_STREQ(str_at(o, "spec.template.spec.volumes.0.hostPath.path"), "/srv");
        ASSERT_TRUE(json_object_is_type(at(o, "spec.template.spec.volumes.0.configMap"), json_type_object));
        ASSERT_EQ(json_object_object_length(at(o, "spec.template.spec.volumes.0.configMap")), 0);
        ASSERT_FALSE(has_path(o, "spec.template.spec.volumes.0.volumeSource"));
        json_object_put(o);

        /* Before year 1 or after 9999: Go cannot write it in RFC 3339. */
        for (unsigned i = 0; i < 3; i++) {
                static const int64_t bad[] = { INT64_C(-62135596801), INT64_C(253402300800), INT64_MAX };
                _cleanup_(freep) char *error = NULL;

                test_job_init(&t);
                created = (K8s__Time) K8S__TIME__INIT;
                created.has_seconds = true, created.seconds = bad[i];
                t.meta.creationtimestamp = &created;
                error = job_error(&t);
                ASSERT_NOT_NULL(error);
                ASSERT_TRUE(error && strstr(error, "metadata.creationTimestamp: time ") && strstr(error, "out of range"));
        }
        test_job_init(&t);
        created = (K8s__Time) K8S__TIME__INIT;
        created.has_seconds = true, created.seconds = INT64_C(253402300799);
        t.meta.creationtimestamp = &created;
        o = decode_job(&t);
        ASSERT_STREQ(str_at(o, "metadata.creationTimestamp"), "9999-12-31T23:59:59Z");
        json_object_put(o);
}

TEST(magic) {
        static const struct {
                const char *data;
                size_t size;
        } bodies[] = {
                { "", 0 },
                { "k8s", 3 },
                { "k8s\0", 3 },
                { "k8s\1\x0a\x00", 6 },
                { "K8S\0\x0a\x00", 6 },
                { "{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\"}", 39 },
                { "apiVersion: batch/v1\nkind: Job\n", 32 },
        };

        for (size_t i = 0; i < ELEMENTSOF(bodies); i++) {
                _cleanup_(freep) char *error = body_error((const uint8_t *) bodies[i].data, bodies[i].size);
                ASSERT_STREQ(error, "not Kubernetes' protobuf encoding: the body does not start with \"k8s\\0\"");
        }
}

TEST(envelope) {
        static const struct {
                const char *api, *kind, *encoding, *content_type, *error;
        } cases[] = {
                { "apps/v1", "Deployment", "", "", "the body holds a apps/v1 Deployment, not a batch/v1 Job or CronJob" },
                { "batch/v1beta1", "CronJob", "", "", "the body holds a batch/v1beta1 CronJob, not a batch/v1 Job or CronJob" },
                { "batch/v1", "Pod", "", "", "the body holds a batch/v1 Pod, not a batch/v1 Job or CronJob" },
                { "", "Job", "", "", "the body holds a (none) Job, not a batch/v1 Job or CronJob" },
                { "batch/v1", "", "", "", "the envelope names no kind" },
                { NULL, NULL, "", "", "the envelope names no kind" },
                { "batch/v1", "Job\n\x01", "", "", "the body holds a batch/v1 (a name that is not printable), not a batch/v1 Job or CronJob" },
                { "batch/v1", "Job", "gzip", "", "the envelope's content encoding \"gzip\" is not supported" },
                { "batch/v1", "Job", "", "application/json", "the envelope's content type is \"application/json\", not \"application/vnd.kubernetes.protobuf\"" },
        };
        TestJob t;

        test_job_init(&t);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(freep) uint8_t *body = NULL;
                _cleanup_(freep) char *error = NULL;
                size_t size;

                body = make_body(cases[i].api, cases[i].kind, &t.job.base, cases[i].encoding, cases[i].content_type, &size);
                error = body_error(body, size);
                ASSERT_STREQ(error, cases[i].error);
        }

        /* The protobuf content type in the envelope is fine; so is no raw at all (an empty Job). */
        {
                _cleanup_(freep) uint8_t *body = NULL;
                _cleanup_(freep) char *error = NULL;
                size_t size;

                body = make_body("batch/v1", "Job", &t.job.base, NULL, K8S_PROTOBUF_CONTENT_TYPE, &size);
                error = body_error(body, size);
                ASSERT_NULL(error);
                free(body);
                body = make_body("batch/v1", "Job", NULL, NULL, NULL, &size);
                free(error);
                error = body_error(body, size);
                ASSERT_NULL(error);
        }

        /* Garbage where the Job should be. */
        {
                K8s__Unknown u = K8S__UNKNOWN__INIT;
                K8s__TypeMeta tm = K8S__TYPE_META__INIT;
                uint8_t garbage[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
                uint8_t body[128] = "k8s";
                _cleanup_(freep) char *error = NULL;
                size_t n;

                tm.apiversion = (char *) "batch/v1", tm.kind = (char *) "Job";
                u.typemeta = &tm;
                u.has_raw = true, u.raw.len = sizeof(garbage), u.raw.data = garbage;
                n = k8s__unknown__pack(&u, body + 4);
                error = body_error(body, 4 + n);
                ASSERT_STREQ(error, "malformed protobuf: the batch/v1 Job cannot be decoded (truncated or not protobuf)");
        }
}

TEST(unknown_fields) {
        uint8_t seven = 7, zero = 0, empty_len = 0;
        ProtobufCMessageUnknownField u = { .tag = 99, .wire_type = PROTOBUF_C_WIRE_TYPE_VARINT, .len = 1, .data = &seven };
        TestJob t;
        char *error;
        json_object *o;

        /* A field of a newer Kubernetes, set: refused, with its place. */
        test_job_init(&t);
        t.container.base.n_unknown_fields = 1, t.container.base.unknown_fields = &u;
        error = job_error(&t);
        ASSERT_STREQ(error, "spec.template.spec.containers[0]: unknown field number 99 of Container: jobsd does not know it");
        free(error);

        test_job_init(&t);
        t.job.base.n_unknown_fields = 1, t.job.base.unknown_fields = &u;
        error = job_error(&t);
        ASSERT_STREQ(error, "unknown field number 99 of Job: jobsd does not know it");
        free(error);

        /* Zero or empty: what a newer client sends for a field it did not set; let through. */
        test_job_init(&t);
        u.data = &zero;
        t.pod.base.n_unknown_fields = 1, t.pod.base.unknown_fields = &u;
        o = decode_job(&t);
        ASSERT_NOT_NULL(o);
        json_object_put(o);
        u = (ProtobufCMessageUnknownField) { .tag = 41, .wire_type = PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED, .len = 1, .data = &empty_len };
        o = decode_job(&t);
        ASSERT_NOT_NULL(o);
        json_object_put(o);
}

TEST(utf8) {
        static const char *const bad[] = {
                "\xff", "a\xc3", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80",
        };
        static const char *const good[] = { "ünïcode", "日本", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf", "\xef\xbf\xbf" };
        TestJob t;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(freep) char *error = NULL;

                test_job_init(&t);
                t.command[0] = (char *) bad[i];
                error = job_error(&t);
                ASSERT_STREQ(error, "spec.template.spec.containers[0].command[0]: a string is not valid UTF-8");
        }
        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                json_object *o;

                test_job_init(&t);
                t.command[0] = (char *) good[i];
                o = decode_job(&t);
                ASSERT_STREQ(str_at(o, "spec.template.spec.containers.0.command.0"), good[i]);
                json_object_put(o);
        }
        /* A map key too. */
        {
                K8s__StringEntry e = K8S__STRING_ENTRY__INIT, *es[] = { &e };
                _cleanup_(freep) char *error = NULL;

                test_job_init(&t);
                e.key = (char *) "k\xff", e.value = (char *) "v";
                t.meta.n_annotations = 1, t.meta.annotations = es;
                error = job_error(&t);
                ASSERT_STREQ(error, "metadata.annotations[(not UTF-8)]: a key is not valid UTF-8");
        }
}

TEST(limits) {
        _cleanup_(freep) uint8_t *body = NULL;
        _cleanup_(freep) char *error = NULL;
        size_t size;
        TestJob t;

        /* Larger than 1 MiB. */
        body = calloc(1, K8S_PROTOBUF_SIZE_MAX + 1);
        assert_se(body);
        memcpy(body, "k8s\0", 4);
        error = body_error(body, K8S_PROTOBUF_SIZE_MAX + 1);
        ASSERT_STREQ(error, "the body is 1048577 bytes, larger than the limit of 1048576 bytes");
        body = mfree(body), error = mfree(error);

        /* Half a million empty containers: 1 MB on the wire, far more unpacked. */
        {
                size_t n = 500000;
                K8s__Container **many = calloc(n, sizeof(K8s__Container *)), empty = K8S__CONTAINER__INIT;

                assert_se(many);
                for (size_t i = 0; i < n; i++)
                        many[i] = &empty;
                test_job_init(&t);
                t.pod.n_containers = n, t.pod.containers = many;
                body = make_job_body(&t, &size);
                ASSERT_TRUE(size <= K8S_PROTOBUF_SIZE_MAX);
                error = body_error(body, size);
                ASSERT_STREQ(error, "the body needs more than 32 MiB of memory to decode, refusing");
                tap_diag("%zu empty containers: %zu bytes, %zu bytes each unpacked", n, size, sizeof(K8s__Container));
                free(many);
                body = mfree(body), error = mfree(error);
        }

        /* 300,000 exit codes: small unpacked, too many values. */
        {
                size_t n = 300000;
                int32_t *values = calloc(n, sizeof(int32_t));
                K8s__PodFailurePolicyOnExitCodesRequirement req = K8S__POD_FAILURE_POLICY_ON_EXIT_CODES_REQUIREMENT__INIT;
                K8s__PodFailurePolicyRule rule = K8S__POD_FAILURE_POLICY_RULE__INIT, *rules[] = { &rule };
                K8s__PodFailurePolicy pfp = K8S__POD_FAILURE_POLICY__INIT;

                assert_se(values);
                req.operator_ = (char *) "In", req.n_values = n, req.values = values;
                rule.action = (char *) "FailJob", rule.onexitcodes = &req;
                pfp.n_rules = 1, pfp.rules = rules;
                test_job_init(&t);
                t.spec.podfailurepolicy = &pfp;
                body = make_job_body(&t, &size);
                error = body_error(body, size);
                ASSERT_TRUE(error && strstr(error, "more than 200000 values, refusing"));
                free(values);
                body = mfree(body), error = mfree(error);
        }

        /* A body under 1 MiB whose JSON is over it: quotes are escaped. */
        {
                size_t n = 600000;
                char *quotes = malloc(n + 1);

                assert_se(quotes);
                memset(quotes, '"', n);
                quotes[n] = 0;
                test_job_init(&t);
                t.command[0] = quotes;
                body = make_job_body(&t, &size);
                ASSERT_TRUE(size <= K8S_PROTOBUF_SIZE_MAX);
                error = body_error(body, size);
                ASSERT_TRUE(error && strstr(error, "the Job is ") && strstr(error, "bytes as JSON, larger than the limit of 1048576 bytes"));
                free(quotes);
        }
}

/* Random bytes after the magic, and random envelopes around random bytes: never a crash. */
TEST(garbage) {
        uint8_t buf[512];
        unsigned seed = 12345;

        for (unsigned i = 0; i < 20000; i++) {
                size_t n = 4 + rand_r(&seed) % (sizeof(buf) - 4);
                char *json = NULL, *error = NULL;
                int r;

                memcpy(buf, "k8s\0", 4);
                for (size_t j = 4; j < n; j++)
                        buf[j] = rand_r(&seed);
                if (i % 2) {
                        /* A plausible envelope: typeMeta batch/v1 Job, then raw of the rest. */
                        static const uint8_t head[] = { 0x0a, 0x0f, 0x0a, 0x08, 'b', 'a', 't', 'c', 'h', '/', 'v', '1',
                                                        0x12, 0x03, 'J', 'o', 'b', 0x12 };
                        if (n < sizeof(head) + 6)
                                continue;
                        memcpy(buf + 4, head, sizeof(head));
                        buf[4 + sizeof(head)] = n - 4 - sizeof(head) - 1 > 127 ? 127 : n - 4 - sizeof(head) - 1;
                }
                r = k8s_protobuf_to_json(buf, n, NULL, &json, &error);
                ASSERT_TRUE(r == 0 || r == -EBADMSG);
                free(json);
                free(error);
        }
}

int main(void) {
        static char names[2 * ELEMENTSOF(recorded)][64];

        for (size_t i = 0; i < ELEMENTSOF(recorded); i++) {
                snprintf(names[2 * i], sizeof(names[0]), "recorded %s", recorded[i].name);
                snprintf(names[2 * i + 1], sizeof(names[0]), "damaged %s", recorded[i].name);
                tap_register_data(names[2 * i], check_recorded, recorded + i);
                tap_register_data(names[2 * i + 1], check_damaged, recorded + i);
        }
        return tap_run();
}
