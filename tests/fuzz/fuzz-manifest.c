/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the whole generator path: YAML → model → validation → rendering. */
#include <stdio.h>

#include "jobsd/manifest.h"
#include "jobsd/render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(manifest_list_done) ManifestList list = {};
        _cleanup_(diag_list_done) DiagList diags = {};
        static FILE *devnull = NULL;
        RenderContext ctx = {
                .pod_uid = "uid",
                .node_name = "node",
                .host_ip = "127.0.0.1",
                .n_cpus = 2,
                .memory_bytes = 1 << 30,
                .state_dir = "/var/lib/jobsd",
                .runtime_dir = "/run/jobsd",
        };

        if (!devnull)
                devnull = fopen("/dev/null", "we");
        assert_se(devnull);

        if (manifest_parse_buffer("fuzz.yaml", (const char *) data, size, &list, &diags) < 0)
                return 0;
        for (size_t i = 0; i < diags.n; i++)
                free(diag_format(diags.items + i));
        for (size_t i = 0; i < list.n; i++)
                (void) render_manifest(list.items + i, &ctx, (usec_t) 1767225600 * USEC_PER_SEC, devnull, &diags);
        return 0;
}
