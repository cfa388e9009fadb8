/* SPDX-License-Identifier: Apache-2.0 */
/* The API's patch formats (supervisor/api-patch.c), selectors and boolean query parameters (supervisor/api-select.c). */
#include <json-c/json.h>

#include "api-patch.h"
#include "api-select.h"
#include "jobsd/macro.h"
#include "tap.h"

static const char target[] =
        "{\"metadata\":{\"name\":\"x\",\"labels\":{\"a\":\"1\",\"b\":\"2\"}},"
        "\"spec\":{\"parallelism\":1,\"template\":{\"spec\":{\"containers\":["
        "{\"name\":\"c\",\"image\":\"i1\",\"env\":[{\"name\":\"E\",\"value\":\"1\"}]},"
        "{\"name\":\"d\",\"image\":\"i2\"}],\"args\":[\"p\",\"q\"]}}}}";

/* The result of a patch, as compact JSON (NULL: it failed). */
static char *patched(int kind, const char *patch) {
        json_object *t = json_tokener_parse(target), *p = json_tokener_parse(patch), *r = NULL;
        _cleanup_(freep) char *err = NULL;
        char *text = NULL;
        int ret;

        if (!t || !p)
                return NULL;
        ret = kind == 0 ? api_merge_patch(t, p, &r) : kind == 1 ? api_json_patch(t, p, &r, &err) :
                api_strategic_merge_patch(t, p, &r, &err);
        if (ret >= 0 && r)
                text = strdup(json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN));
        json_object_put(t);
        json_object_put(p);
        json_object_put(r);
        return text;
}

static const char *select_path(const char *json, const char *a, const char *b) {
        static char buf[512];
        json_object *o = json_tokener_parse(json), *v;

        v = json_object_object_get(o, a);
        if (b)
                v = json_object_object_get(v, b);
        snprintf(buf, sizeof(buf), "%s", v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN) : "(none)");
        json_object_put(o);
        return buf;
}

TEST(merge_patch) {
        _cleanup_(freep) char *r = patched(0, "{\"metadata\":{\"labels\":{\"a\":null,\"c\":\"3\"}},\"spec\":{\"parallelism\":4}}");

        ASSERT_NOT_NULL(r);
        ASSERT_STREQ(select_path(r, "metadata", "labels"), "{\"b\":\"2\",\"c\":\"3\"}");
        ASSERT_STREQ(select_path(r, "spec", "parallelism"), "4");
        /* Lists are replaced whole by a merge patch. */
        free(r);
        r = patched(0, "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"z\"}]}}}}");
        ASSERT_NOT_NULL(r);
        ASSERT_TRUE(strstr(r, "\"containers\":[{\"name\":\"z\"}]") != NULL);
}

TEST(json_patch) {
        _cleanup_(freep) char *r = patched(1, "[{\"op\":\"add\",\"path\":\"/metadata/labels/x~1y\",\"value\":\"v\"},"
                                              "{\"op\":\"remove\",\"path\":\"/metadata/labels/a\"},"
                                              "{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/1/image\",\"value\":\"i3\"},"
                                              "{\"op\":\"add\",\"path\":\"/spec/template/spec/args/0\",\"value\":\"o\"},"
                                              "{\"op\":\"copy\",\"from\":\"/metadata/name\",\"path\":\"/metadata/generateName\"},"
                                              "{\"op\":\"test\",\"path\":\"/spec/parallelism\",\"value\":1}]");

        ASSERT_NOT_NULL(r);
        ASSERT_STREQ(select_path(r, "metadata", "labels"), "{\"b\":\"2\",\"x\\/y\":\"v\"}");
        ASSERT_TRUE(strstr(r, "\"image\":\"i3\"") != NULL);
        ASSERT_TRUE(strstr(r, "\"args\":[\"o\",\"p\",\"q\"]") != NULL);
        ASSERT_STREQ(select_path(r, "metadata", "generateName"), "\"x\"");
        /* A failed test, a missing path, a bad pointer: the whole patch fails. */
        free(r);
        ASSERT_NULL(r = patched(1, "[{\"op\":\"test\",\"path\":\"/spec/parallelism\",\"value\":2}]"));
        ASSERT_NULL(r = patched(1, "[{\"op\":\"replace\",\"path\":\"/spec/backoffLimit\",\"value\":2}]"));
        ASSERT_NULL(r = patched(1, "[{\"op\":\"remove\",\"path\":\"spec\"}]"));
        ASSERT_NULL(r = patched(1, "{\"op\":\"remove\"}"));
}

TEST(strategic_merge_patch) {
        /* What kubectl apply sends: containers merged by name, env by name, the order given. */
        _cleanup_(freep) char *r = patched(2,
                "{\"spec\":{\"template\":{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"d\"},{\"name\":\"c\"}],"
                "\"containers\":[{\"name\":\"c\",\"image\":\"new\",\"env\":[{\"name\":\"E\",\"$patch\":\"delete\"},"
                "{\"name\":\"F\",\"value\":\"2\"}]}],\"$deleteFromPrimitiveList/args\":[\"p\"]}}},"
                "\"metadata\":{\"labels\":{\"b\":null}}}");

        ASSERT_NOT_NULL(r);
        ASSERT_TRUE(strstr(r, "\"containers\":[{\"name\":\"d\",\"image\":\"i2\"},{\"name\":\"c\",\"image\":\"new\","
                              "\"env\":[{\"name\":\"F\",\"value\":\"2\"}]}]") != NULL);
        ASSERT_TRUE(strstr(r, "\"args\":[\"q\"]") != NULL);
        ASSERT_STREQ(select_path(r, "metadata", "labels"), "{\"a\":\"1\"}");
        ASSERT_TRUE(strstr(r, "$") == NULL);
        free(r);
        ASSERT_NULL(r = patched(2, "{\"spec\":{\"$patch\":\"bogus\"}}"));
        ASSERT_NULL(r = patched(2, "[1]"));
}

TEST(selectors) {
        KeyValue kv[] = { { (char *) "app", (char *) "pi" }, { (char *) "tier", (char *) "" } };
        StrMap m = { .items = kv, .n = 2 };
        static const struct {
                const char *text;
                int match;      /* -1: malformed */
        } cases[] = {
                { "", 1 }, { "app=pi", 1 }, { "app==pi", 1 }, { "app!=pi", 0 }, { "app in (a, pi)", 1 },
                { "app notin (pi)", 0 }, { "tier", 1 }, { "!tier", 0 }, { "!missing,app", 1 },
                { "app in (a", -1 }, { "=x", -1 }, { "app=pi,", -1 }, { "a b", -1 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                Selector s = {};
                _cleanup_(freep) char *err = NULL;
                int r = selector_parse(cases[i].text, false, &s, &err);
                if (cases[i].match < 0) {
                        ASSERT_EQ(r, -EINVAL);
                        ASSERT_NOT_NULL(err);
                } else {
                        ASSERT_OK(r);
                        ASSERT_EQ((int) selector_matches_labels(&s, &m), cases[i].match);
                }
                selector_done(&s);
        }
}

TEST(query_bool) {
        /* Kubernetes' rule for ?watch=, ?follow=, …: only absent, "0" and "false" (any case) are false. */
        ASSERT_FALSE(api_query_bool(NULL));
        ASSERT_FALSE(api_query_bool("0"));
        ASSERT_FALSE(api_query_bool("false"));
        ASSERT_FALSE(api_query_bool("False"));
        ASSERT_FALSE(api_query_bool("FALSE"));
        ASSERT_TRUE(api_query_bool("true"));
        ASSERT_TRUE(api_query_bool("True"));
        ASSERT_TRUE(api_query_bool("1"));
        ASSERT_TRUE(api_query_bool(""));
        ASSERT_TRUE(api_query_bool("yes"));
}

/* RFC 4648's test vectors, standard (a kubeconfig's *-data, written without GnuTLS) and URL-safe. */
TEST(base64) {
        static const char *const vectors[][3] = {
                { "",       "",         ""         },
                { "f",      "Zg==",     "Zg"       },
                { "fo",     "Zm8=",     "Zm8"      },
                { "foo",    "Zm9v",     "Zm9v"     },
                { "foob",   "Zm9vYg==", "Zm9vYg"   },
                { "fooba",  "Zm9vYmE=", "Zm9vYmE"  },
                { "foobar", "Zm9vYmFy", "Zm9vYmFy" },
                { "\xfb\xff", "+/8=",   "-_8"      },
        };
        for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
                char *std = api_base64_encode(vectors[i][0], strlen(vectors[i][0]), false);
                char *url = api_base64_encode(vectors[i][0], strlen(vectors[i][0]), true);
                ASSERT_STREQ(std, vectors[i][1]);
                ASSERT_STREQ(url, vectors[i][2]);
                free(std);
                free(url);
        }
}

TEST(continue_token) {
        uint64_t rv = 0, t = 0, n = 0;
        char *start = NULL, *err = NULL, *tok;

        /* Round trip, with a name that needs JSON escaping and base64url's - and _. */
        tok = api_continue_encode(1796610130580, 1700000000, "default/a\"b?>~", 3);
        ASSERT_NOT_NULL(tok);
        ASSERT_TRUE(strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == strlen(tok));
        ASSERT_OK(api_continue_decode(tok, &rv, &t, &start, &n, &err));
        ASSERT_EQ(rv, (uint64_t) 1796610130580);
        ASSERT_EQ(t, (uint64_t) 1700000000);
        ASSERT_EQ(n, (uint64_t) 3);
        ASSERT_STREQ(start, "default/a\"b?>~");
        free(start);
        free(tok);
        start = NULL;

        /* Kubernetes' messages for what does not decode. */
        ASSERT_ERROR(api_continue_decode("not*a*token", &rv, &t, &start, &n, &err), EINVAL);
        ASSERT_STREQ(err, "continue key is not valid: illegal base64 data at input byte 3");
        free(err);
        ASSERT_ERROR(api_continue_decode("e30", &rv, &t, &start, &n, &err), EINVAL);       /* {} */
        ASSERT_STREQ(err, "continue key is not valid: server does not recognize this encoded version \"\"");
        free(err);
        /* {"v":"meta.k8s.io/v1","rv":0,"start":"a/b"} */
        ASSERT_ERROR(api_continue_decode("eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MCwic3RhcnQiOiJhL2IifQ", &rv, &t, &start, &n, &err), EINVAL);
        ASSERT_STREQ(err, "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
        free(err);
        /* {"v":"meta.k8s.io/v1","rv":5,"start":""} */
        ASSERT_ERROR(api_continue_decode("eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NSwic3RhcnQiOiIifQ", &rv, &t, &start, &n, &err), EINVAL);
        ASSERT_STREQ(err, "continue key is not valid: encoded start key empty (version meta.k8s.io/v1)");
        free(err);
        ASSERT_ERROR(api_continue_decode("bm90IGpzb24", &rv, &t, &start, &n, &err), EINVAL);  /* not json */
        free(err);
        ASSERT_ERROR(api_continue_decode("A", &rv, &t, &start, &n, &err), EINVAL);            /* 6 bits */
        free(err);
        ASSERT_NULL(start);
}

TAP_MAIN()
