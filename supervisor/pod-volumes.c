/* SPDX-License-Identifier: Apache-2.0 */
/* A pod's volumes: emptyDir and downwardAPI directories and files, made before its first container and removed with the pod. */
#include <inttypes.h>
#include <stdio.h>

#include "jobsd/strv.h"
#include "fs-util.h"
#include "managed-job.h"
#include "pod-volumes.h"
#include "podman.h"

/* emptyDir volumes: per pod, shared by its containers, removed with the pod. */
int pod_volumes_prepare(ManagedJob *j, const Pod *p, const RenderContext *ctx) {
        assert(j);
        assert(p);
        assert(ctx);

        const PodSpec *ps = &j->job->spec.template.spec;
        _cleanup_(freep) char *key = managed_job_pod_key(j, p);
        int r;

        if (!key)
                return -ENOMEM;
        for (size_t i = 0; i < ps->n_volumes; i++) {
                const Volume *v = ps->volumes + i;
                _cleanup_(freep) char *dir = NULL;

                if (v->type == VOLUME_EMPTY_DIR || v->type == VOLUME_DOWNWARD_API)
                        dir = strprintf("%s/pods/%s/%s", v->medium_memory ? j->manager->runtime_dir : j->manager->state_dir,
                                        key, v->name);
                else if (v->type == VOLUME_HOST_PATH && v->host_path_type &&
                         streq(v->host_path_type, "DirectoryOrCreate"))
                        dir = strdup(v->host_path);
                else
                        continue;
                if (!dir)
                        return -ENOMEM;
                r = mkdir_p(dir, 0755);
                if (r < 0)
                        return r;
                if (v->type == VOLUME_DOWNWARD_API)
                        for (size_t k = 0; k < v->n_items; k++) {
                                const DownwardAPIItem *it = v->items + k;
                                _cleanup_(freep) char *file = strprintf("%s/%s", dir, it->path);
                                _cleanup_(freep) char *val =
                                        render_downward_api_item(j->job, it, j->job->spec.completion_mode ==
                                                                 COMPLETION_MODE_INDEXED ? p->index : UNSET,
                                                                 p->attempt, ctx);
                                FILE *f;
                                if (!file || !val)
                                        return -ENOMEM;
                                f = fopen(file, "we");
                                if (!f)
                                        return -errno;
                                fputs(val, f);
                                fclose(f);
                        }
        }
        return 0;
}

void pod_volumes_remove(ManagedJob *j, const Pod *p) {
        assert(j);
        assert(p);

        _cleanup_(freep) char *key = managed_job_pod_key(j, p), *a = NULL, *b = NULL;

        if (!key)
                return;
        a = strprintf("%s/pods/%s", j->manager->state_dir, key);
        b = strprintf("%s/pods/%s", j->manager->runtime_dir, key);
        if (b) {
                _cleanup_(freep) char *ns = strprintf("%s/netns", b);
                if (ns)
                        (void) podman_netns_remove(ns);
        }
        if (a)
                (void) rm_rf(a);
        if (b)
                (void) rm_rf(b);
}
