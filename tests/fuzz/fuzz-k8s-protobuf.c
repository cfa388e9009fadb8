/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for kubectl's protobuf bodies: protobuf → JSON (supervisor/k8s-protobuf.c) → the loader,
 * as the API server takes them. */
#include "jobsd/manifest.h"
#include "k8s-protobuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(manifest_list_done) ManifestList list = {};
        _cleanup_(diag_list_done) DiagList diags = {};
        _cleanup_(freep) char *json = NULL, *error = NULL;
        int r;

        r = k8s_protobuf_to_json(data, size, NULL, &json, &error);
        if (r == -ENOMEM)
                return 0;
        /* Exactly one of the two, and an error is a sentence. */
        assert_se((r >= 0) == !!json);
        assert_se((r < 0) == !!error);
        assert_se(r >= 0 || r == -EBADMSG);
        assert_se(!error || strlen(error) > 0);
        if (r < 0)
                return 0;
        (void) manifest_parse_buffer("fuzz.json", json, strlen(json), &list, &diags);
        for (size_t i = 0; i < diags.n; i++)
                free(diag_format(diags.items + i));
        return 0;
}
