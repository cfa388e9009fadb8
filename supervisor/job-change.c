/* SPDX-License-Identifier: Apache-2.0 */
/* Which changes of a running Job Kubernetes allows (spec §1.2, §1.5), and the refusal of the others. */
#include <stdio.h>
#include <systemd/sd-journal.h>

#include "jobsd/strv.h"
#include "job-change.h"
#include "managed-job.h"

/* What a Job's pods run and how they are judged, in text: compared to tell whether a change touched an
 * immutable field. */
static char *template_text(const Job *job) {
        RenderContext ctx = { .pod_uid = "", .node_name = "", .host_ip = "", .state_dir = "", .runtime_dir = "" };
        _cleanup_(diag_list_done) DiagList diags = {};
        Job copy = *job;
        Manifest mf = { .kind = MANIFEST_JOB, .job = &copy };
        char *buf = NULL;
        size_t size = 0;
        FILE *f;

        copy.spec.parallelism = 1;
        copy.spec.completions = 1;
        copy.spec.suspend = false;
        f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        (void) render_manifest(&mf, &ctx, 0, f, &diags);
        for (size_t i = 0; i < job->spec.template.labels.n; i++)
                fprintf(f, "label %s=%s\n", job->spec.template.labels.items[i].key, job->spec.template.labels.items[i].value);
        for (size_t i = 0; i < job->spec.template.annotations.n; i++)
                fprintf(f, "annotation %s=%s\n", job->spec.template.annotations.items[i].key,
                        job->spec.template.annotations.items[i].value);
        for (size_t i = 0; i < diags.n; i++)
                fprintf(f, "diag %s\n", diags.items[i].message);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

static char *policy_text(const JobSpec *s) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return NULL;
        fprintf(f, "pfp %d %zu\n", s->has_pod_failure_policy, s->n_pod_failure_rules);
        for (size_t i = 0; i < s->n_pod_failure_rules; i++) {
                const PodFailurePolicyRule *r = s->pod_failure_rules + i;
                fprintf(f, "rule %d %d %s", r->action, r->operator, strempty(r->container_name));
                for (size_t k = 0; k < r->n_values; k++)
                        fprintf(f, " %d", r->values[k]);
                for (size_t k = 0; k < r->n_on_pod_conditions; k++)
                        fprintf(f, " %s=%s", strempty(r->on_pod_conditions[k].type), strempty(r->on_pod_conditions[k].status));
                fputc('\n', f);
        }
        fprintf(f, "sp %d\n", s->has_success_policy);
        for (size_t i = 0; i < s->n_success_rules; i++)
                fprintf(f, "rule %s %d\n", strempty(s->success_rules[i].succeeded_indexes), s->success_rules[i].succeeded_count);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

/* spec §1.2, §1.5: the first field a change of a running Job may not make, or NULL if it only touches
 * what Kubernetes lets change (parallelism, activeDeadlineSeconds, backoffLimit, maxFailedIndexes,
 * podReplacementPolicy, suspend, ttlSecondsAfterFinished; completions of an Indexed Job in tandem with
 * parallelism). */
const char *job_immutable_change(const Job *old, const Job *new) {
        assert(old);
        assert(new);

        const JobSpec *a = &old->spec, *b = &new->spec;
        _cleanup_(freep) char *ta = NULL, *tb = NULL, *pa = NULL, *pb = NULL;

        if (a->completion_mode != b->completion_mode)
                return "spec.completionMode";
        if (a->completions != b->completions &&
            !(b->completion_mode == COMPLETION_MODE_INDEXED && b->completions == b->parallelism))
                return "spec.completions";
        if (a->backoff_limit_per_index != b->backoff_limit_per_index)
                return "spec.backoffLimitPerIndex";
        if (a->manual_selector != b->manual_selector || a->selector.set != b->selector.set)
                return "spec.selector";
        if (!streq_ptr(a->managed_by, b->managed_by))
                return "spec.managedBy";
        pa = policy_text(a);
        pb = policy_text(b);
        if (!pa || !pb || !streq(pa, pb)) {
                /* The text holds podFailurePolicy, then successPolicy from "sp ": name the one that differs. */
                const char *sa = pa ? strstr(pa, "\nsp ") : NULL, *sb = pb ? strstr(pb, "\nsp ") : NULL;
                if (sa && sb && (size_t) (sa - pa) == (size_t) (sb - pb) && strncmp(pa, pb, sa - pa) == 0)
                        return "spec.successPolicy";
                return "spec.podFailurePolicy";
        }
        ta = template_text(old);
        tb = template_text(new);
        if (!ta || !tb || !streq(ta, tb))
                return "spec.template";
        return NULL;
}

void job_refuse_change(ManagedJob *j, const char *file, const char *field) {
        assert(j);
        assert(file);
        assert(field);

        sd_journal_send("MESSAGE=%s: Job %s: %s: Invalid value: field is immutable; the running Job keeps its spec "
                        "(change it after the Job finished, or delete the manifest and add it again)",
                        file, j->job->metadata.name, field,
                        "PRIORITY=3",
                        "CONFIG_FILE=%s", file,
                        "JOB_NAME=%s", j->job->metadata.name,
                        "JOB_NAMESPACE=%s", managed_job_namespace(j),
                        NULL);
}
