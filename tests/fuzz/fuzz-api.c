/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the Kubernetes API's body path: JSON (json-c) → patch (merge, JSON patch,
 * strategic merge) → the manifest loader, and the label/field selector parser and list continue tokens
 * (mode 4). The first byte picks
 * the path; the rest is "<patch>" or "<target>\0<patch>" (no NUL: a fixed Job is the target). */
#include <json-c/json.h>

#include "jobsd/manifest.h"
#include "api-patch.h"
#include "api-select.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char base_job[] =
        "{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\",\"metadata\":{\"name\":\"f\",\"labels\":{\"a\":\"b\"}},"
        "\"spec\":{\"template\":{\"spec\":{\"restartPolicy\":\"Never\",\"containers\":[{\"name\":\"c\",\"image\":\"busybox\","
        "\"env\":[{\"name\":\"X\",\"value\":\"1\"}]},{\"name\":\"d\",\"command\":[\"true\"]}]}}}}";

static json_object *parse(const char *text, size_t len) {
        struct json_tokener *tok = json_tokener_new_ex(64);
        json_object *o;

        if (!tok)
                return NULL;
        o = json_tokener_parse_ex(tok, text, (int) len);
        if (json_tokener_get_error(tok) != json_tokener_success) {
                json_object_put(o);
                o = NULL;
        }
        json_tokener_free(tok);
        return o;
}

static void load(json_object *o) {
        _cleanup_(manifest_list_done) ManifestList list = {};
        _cleanup_(diag_list_done) DiagList diags = {};
        const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);

        if (!text)
                return;
        (void) manifest_parse_buffer("request body", text, strlen(text), &list, &diags);
        for (size_t i = 0; i < diags.n; i++)
                free(diag_format(diags.items + i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(freep) char *buf = NULL;
        const char *target_text = base_job, *patch_text;
        size_t target_len = strlen(base_job), patch_len;
        json_object *target, *patch, *result = NULL;
        char *err = NULL, *nul;
        uint8_t mode;

        if (size < 1 || size > 1024 * 1024)
                return 0;
        mode = data[0] % 5;
        buf = malloc(size);
        assert_se(buf);
        memcpy(buf, data + 1, size - 1);
        buf[size - 1] = 0;
        patch_text = buf;
        patch_len = size - 1;
        nul = memchr(buf, 0, size - 1);
        if (nul) {
                target_text = buf;
                target_len = nul - buf;
                patch_text = nul + 1;
                patch_len = size - 1 - target_len - 1;
        }
        if (mode == 4) {
                Selector s = {};
                KeyValue kv[] = { { (char *) "a", (char *) "b" }, { (char *) "app", (char *) "" } };
                StrMap m = { .items = kv, .n = 2 };
                if (selector_parse(buf, false, &s, &err) >= 0)
                        (void) selector_matches_labels(&s, &m);
                selector_done(&s);
                free(err);
                err = NULL;
                if (selector_parse(buf, true, &s, &err) >= 0)
                        (void) selector_matches_labels(&s, &m);
                selector_done(&s);
                free(err);
                err = NULL;
                /* The same text as a list's continue token. */
                {
                        uint64_t rv, t, n;
                        char *start = NULL;
                        if (api_continue_decode(buf, &rv, &t, &start, &n, &err) >= 0) {
                                char *again = api_continue_encode(rv, t, start, n);
                                free(again);
                        }
                        free(start);
                        free(err);
                }
                return 0;
        }
        target = parse(target_text, target_len);
        patch = parse(patch_text, patch_len);
        if (mode == 0 && patch)
                load(patch);
        if (target && patch) {
                int r = mode == 1 ? api_merge_patch(target, patch, &result) :
                        mode == 2 ? api_json_patch(target, patch, &result, &err) :
                        api_strategic_merge_patch(target, patch, &result, &err);
                if (r >= 0 && result)
                        load(result);
        }
        free(err);
        json_object_put(result);
        json_object_put(target);
        json_object_put(patch);
        return 0;
}
