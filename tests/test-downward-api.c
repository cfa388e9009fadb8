/* SPDX-License-Identifier: Apache-2.0 */
/* downwardAPI values: a volume's files and a container's env come from one lookup (render.c). */
#include <unistd.h>

#include "jobsd/manifest.h"
#include "jobsd/render.h"
#include "jobsd/strv.h"
#include "tap.h"

static const char manifest[] =
        "apiVersion: batch/v1\n"
        "kind: Job\n"
        "metadata:\n"
        "  name: dapi\n"
        "  namespace: team\n"
        "spec:\n"
        "  completionMode: Indexed\n"
        "  completions: 3\n"
        "  template:\n"
        "    metadata:\n"
        "      labels:\n"
        "        app: web\n"
        "      annotations:\n"
        "        note: hello\n"
        "    spec:\n"
        "      restartPolicy: Never\n"
        "      containers:\n"
        "      - name: main\n"
        "        image: busybox\n"
        "        command: [\"true\"]\n"
        "        resources:\n"
        "          requests:\n"
        "            cpu: 250m\n"
        "          limits:\n"
        "            memory: 64Mi\n"
        "        volumeMounts:\n"
        "        - name: info\n"
        "          mountPath: /info\n"
        "      volumes:\n"
        "      - name: info\n"
        "        downwardAPI:\n"
        "          items:\n"
        "          - path: name\n"
        "            fieldRef: {fieldPath: metadata.name}\n"
        "          - path: namespace\n"
        "            fieldRef: {fieldPath: metadata.namespace}\n"
        "          - path: index\n"
        "            fieldRef: {fieldPath: \"metadata.labels['batch.kubernetes.io/job-completion-index']\"}\n"
        "          - path: app\n"
        "            fieldRef: {fieldPath: \"metadata.labels['app']\"}\n"
        "          - path: note\n"
        "            fieldRef: {fieldPath: \"metadata.annotations['note']\"}\n"
        "          - path: uid\n"
        "            fieldRef: {fieldPath: metadata.uid}\n"
        "          - path: memory\n"
        "            resourceFieldRef: {containerName: main, resource: limits.memory}\n"
        "          - path: cpu\n"
        "            resourceFieldRef: {containerName: main, resource: requests.cpu, divisor: 1m}\n";

static const struct {
        const char *path, *value;
} expected[] = {
        { "name", "dapi-2-1" },
        { "namespace", "team" },
        { "index", "2" },
        { "app", "web" },
        { "note", "hello" },
        { "uid", "0123-7" },
        { "memory", "67108864" },
        { "cpu", "250" },
};

TEST(volume_items_have_the_values_env_has) {
        char path[] = "/tmp/test-downward-api-XXXXXX";
        _cleanup_(manifest_list_done) ManifestList list = {};
        _cleanup_(diag_list_done) DiagList diags = {};
        RenderContext ctx = { .pod_uid = "0123-7", .node_name = "node", .host_ip = "127.0.0.1", .n_cpus = 2,
                              .memory_bytes = 1ULL << 30, .state_dir = "", .runtime_dir = "" };
        const Volume *v;
        FILE *f;
        int fd;

        fd = mkstemp(path);
        ASSERT_TRUE(fd >= 0);
        f = fdopen(fd, "w");
        ASSERT_TRUE(f);
        fputs(manifest, f);
        fclose(f);
        ASSERT_OK(manifest_load_file(path, &list, &diags));
        (void) unlink(path);
        for (size_t i = 0; i < diags.n; i++) {
                _cleanup_(freep) char *d = diag_format(diags.items + i);
                tap_diag("%s", d ?: diags.items[i].message);
        }
        ASSERT_EQ(list.n, 1);
        ASSERT_EQ(diag_list_has_errors(&diags), false);
        v = list.items[0].job->spec.template.spec.volumes;
        ASSERT_EQ(v->n_items, ELEMENTSOF(expected));
        for (size_t i = 0; i < v->n_items; i++) {
                _cleanup_(freep) char *val = render_downward_api_item(list.items[0].job, v->items + i, 2, 1, &ctx);
                ASSERT_TRUE(val);
                ASSERT_STREQ(v->items[i].path, expected[i].path);
                if (!streq(val, expected[i].value))
                        tap_fail(__FILE__, __LINE__, "item %s: got '%s', expected '%s'", expected[i].path, val,
                                 expected[i].value);
        }
}

TAP_MAIN()
