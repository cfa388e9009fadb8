/* SPDX-License-Identifier: Apache-2.0 */
#include <inttypes.h>

#include "jobsd/cron.h"
#include "jobsd/render.h"
#include "jobsd/strv.h"

#define RENDER_PODS_MAX 16

static void print_unit(FILE *out, const UnitSpec *u) {
        _cleanup_(freep) char *t = unit_spec_to_text(u);

        if (t)
                fprintf(out, "%s\n", t);
}

/* Before a container in its image starts, jobsd pulls per imagePullPolicy (docs/containers.md, "Images
 * and pulls"): IfNotPresent looks for the image first, and pulls only if podman has none; Never only looks. */
static int render_pull(const Job *job, const Container *c, int64_t index, uint64_t attempt, const RenderContext *ctx,
                       FILE *out) {
        bool never = c->image_pull_policy == PULL_POLICY_NEVER,
             check = c->image_pull_policy == PULL_POLICY_IF_NOT_PRESENT || never;

        if (job_container_runtime(job, ctx->default_runtime) != CONTAINER_RUNTIME_PODMAN || !c->image)
                return 0;
        for (unsigned k = 0; k < (check && !never ? 2u : 1u); k++) {
                _cleanup_(unit_spec_done) UnitSpec u = {};
                _cleanup_(freep) char *name = pull_unit_name(job_namespace(&job->metadata), job->metadata.name, index,
                                                             attempt, c->name, check && k == 0, 0);
                int r;

                if (!name)
                        return -ENOMEM;
                if (k == 1)
                        fprintf(out, "# Only if podman has no image %s:\n", c->image);
                r = render_pull_unit(job, name, c->image, check && k == 0, ctx, &u);
                if (r < 0)
                        return r;
                print_unit(out, &u);
        }
        return 0;
}

/* The pods a Job starts first: min(parallelism, completions) of them; for an Indexed Job, indexes 0, 1, … */
static int render_job_pods(const Job *job, const char *file, const char *prefix, const RenderContext *ctx,
                           FILE *out, DiagList *diags) {
        int64_t want = job->spec.parallelism;
        int r;

        if (job->spec.completions != UNSET && job->spec.completions < want)
                want = job->spec.completions;
        if (job->spec.suspend)
                fprintf(out, "# Job %s is suspended: it starts no pods until resumed. Its first pods will be:\n\n",
                        job->metadata.name);
        if (want == 0)
                fprintf(out, "# Job %s starts no pods (completions or parallelism is 0).\n\n", job->metadata.name);
        if (want > RENDER_PODS_MAX) {
                fprintf(out, "# Job %s starts %" PRIi64 " pods at first; showing the first %d.\n\n",
                        job->metadata.name, want, RENDER_PODS_MAX);
                want = RENDER_PODS_MAX;
        }

        for (int64_t p = 0; p < want; p++) {
                int64_t index = job->spec.completion_mode == COMPLETION_MODE_INDEXED ? p : UNSET;
                uint64_t attempt = index == UNSET ? (uint64_t) p : 0;

                for (unsigned k = 0; k < 2; k++) {
                        const PodSpec *ps = &job->spec.template.spec;
                        const Container *cs = k ? ps->containers : ps->init_containers;
                        size_t n = k ? ps->n_containers : ps->n_init_containers;

                        for (size_t i = 0; i < n; i++) {
                                _cleanup_(unit_spec_done) UnitSpec u = {};
                                _cleanup_(freep) char *err = NULL;

                                r = render_pull(job, cs + i, index, attempt, ctx, out);
                                if (r < 0)
                                        return r;
                                r = render_pod_container(job, cs + i, k == 0, index, attempt, ctx, &u, &err);
                                if (r == -ENOMEM)
                                        return r;
                                if (r < 0) {
                                        _cleanup_(freep) char *path = NULL;

                                        /* Said once per container, not once per pod. */
                                        if (p > 0)
                                                continue;
                                        path = strprintf("%s.template.spec.%s[%zu]", prefix,
                                                         k ? "containers" : "initContainers", i);
                                        if (!path)
                                                return -ENOMEM;
                                        r = diag_add(diags, DIAG_ERROR, file, true, cs[i].line, cs[i].column, path,
                                                     "cannot run: %s", err ?: strerror(-r));
                                        if (r < 0)
                                                return r;
                                        continue;
                                }
                                print_unit(out, &u);
                        }
                }
        }
        return 0;
}

int render_manifest(const Manifest *m, const RenderContext *ctx, usec_t now_usec, FILE *out, DiagList *diags) {
        _cleanup_(freep) char *generated = NULL, *jobname = NULL;
        int r;

        if (m->kind == MANIFEST_JOB) {
                Job j = *m->job;

                if (!j.metadata.name) {
                        /* generateName: jobsd picks the random suffix once per file and keeps it. */
                        generated = strprintf("%.58sxxxxx", j.metadata.generate_name);
                        if (!generated)
                                return -ENOMEM;
                        j.metadata.name = generated;
                }
                fprintf(out, "# Job %s/%s\n\n", job_namespace(&j.metadata), j.metadata.name);
                return render_job_pods(&j, m->file, "spec", ctx, out, diags);
        }

        const CronJob *cj = m->cron_job;
        _cleanup_(unit_spec_done) UnitSpec t = {}, s = {};
        _cleanup_(freep) char *err = NULL;
        Job j = { .metadata = cj->metadata, .spec = cj->spec.job_spec };
        usec_t next = 0;

        fprintf(out, "# CronJob %s/%s\n\n", job_namespace(&cj->metadata), cj->metadata.name);
        r = render_cron_job_timer(cj, now_usec, RENDER_CRON_HORIZON_USEC, ctx, &t, &s, &err);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return diag_add(diags, DIAG_ERROR, m->file, false, 0, 0, "spec.schedule", "%s", err ?: strerror(-r));
        print_unit(out, &t);
        print_unit(out, &s);

        /* spec §5.6: the Job of a slot is named <cronjob>-<minutes since the epoch>. */
        r = cron_spec_next(&cj->spec.cron, cj->spec.time_zone, now_usec, &next);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                fprintf(out, "# The schedule never fires.\n\n");
                return 0;
        }
        jobname = strprintf("%s-%" PRIu64, cj->metadata.name, (uint64_t) (next / USEC_PER_MINUTE));
        if (!jobname)
                return -ENOMEM;
        j.metadata.name = jobname;
        fprintf(out, "# The Job of the next slot: %s\n\n", jobname);
        return render_job_pods(&j, m->file, "spec.jobTemplate.spec", ctx, out, diags);
}
