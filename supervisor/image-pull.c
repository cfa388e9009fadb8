/* SPDX-License-Identifier: Apache-2.0 */
/* Image pulls (docs/containers.md, "Images and pulls"): the controller asks for one (JOB_ACTION_PULL_IMAGE) and waits while the container's pull is PULLING; the result comes back from the pull unit's exit status and goes into the container's status, which the controller reads. Under imagePullPolicy Never the image is only looked for. */
#include <string.h>

#include "jobsd/strv.h"
#include "image-pull.h"
#include "job-events.h"
#include "job-run.h"
#include "managed-job.h"

char *managed_job_pull_unit(const ManagedJob *j, const Pod *p, const ContainerStatus *c, bool check) {
        assert(j);
        assert(p);
        assert(c);

        return pull_unit_name(managed_job_namespace(j), j->job->metadata.name,
                              j->job->spec.completion_mode == COMPLETION_MODE_INDEXED ? p->index : UNSET, p->attempt,
                              c->name, check, c->pull_failures);
}

static void pull_failed(ManagedJob *j, ContainerStatus *c, const char *image, const char *why, usec_t now) {
        char *reason = strdup("ErrImagePull");

        if (reason) {
                free(c->reason);
                c->reason = reason;
        }
        c->pull = IMAGE_PULL_BACKOFF;
        c->pull_failures++;
        c->pull_failed_usec = now;
        job_eventf(j, true, "Failed", now, "Failed to pull image \"%s\": %s", image, why);
        job_eventf(j, true, "Failed", now, "Error: ErrImagePull");
}

/* Never, and the check found no image: the kubelet's ErrImageNeverPull. The container waits (the pod stays
 * Pending, nothing is counted) and the image is looked for again (job_reconcile()). */
static void never_pull(ManagedJob *j, ContainerStatus *c, const char *image, usec_t now) {
        bool first = !(c->reason && streq(c->reason, "ErrImageNeverPull"));

        if (first) {
                char *reason = strdup("ErrImageNeverPull");
                if (reason) {
                        free(c->reason);
                        c->reason = reason;
                }
        }
        c->pull = IMAGE_PULL_BACKOFF;
        c->pull_failures++;
        c->pull_failed_usec = now;
        job_eventf(j, true, "ErrImageNeverPull", now, "Container image \"%s\" is not present with pull policy of Never",
                   image);
        /* The kubelet's "Error: ErrImageNeverPull" too, once: the event above counts the checks after it. */
        if (first)
                job_eventf(j, true, "Failed", now, "Error: ErrImageNeverPull");
}

static int start_pull_unit(ManagedJob *j, const Pod *p, const ContainerStatus *c, const Container *tc, bool check) {
        _cleanup_(unit_spec_done) UnitSpec u = {};
        _cleanup_(freep) char *unit = managed_job_pull_unit(j, p, c, check);
        RenderContext ctx = {};
        int r;

        if (!unit)
                return -ENOMEM;
        manager_render_context(j->manager, &ctx);
        r = render_pull_unit(j->job, unit, tc->image, check, &ctx, &u);
        if (r < 0)
                return r;
        return unit_bus_start(j->manager->units, &u);
}

/* IfNotPresent: `podman image exists` first, in its own unit; Always: the pull at once; Never: only the
 * check. */
void image_pull_start(ManagedJob *j, const JobAction *a, usec_t now, bool *ret_resync) {
        assert(j);
        assert(a);
        assert(ret_resync);

        Pod *p = job_status_find_pod(&j->record.status, a->attempt);
        ContainerStatus *c = p ? pod_find_container(p, a->container) : NULL;
        const Container *tc = managed_job_find_container(j->job, a->container);
        bool check;
        int r;

        if (!c || !tc || c->pull != IMAGE_PULL_PULLING)
                return;
        check = tc->image_pull_policy == PULL_POLICY_IF_NOT_PRESENT || tc->image_pull_policy == PULL_POLICY_NEVER;
        c->pull_past_check = false;
        if (!check)
                job_eventf(j, false, "Pulling", now, "Pulling image \"%s\"", tc->image);
        r = start_pull_unit(j, p, c, tc, check);
        if (r < 0) {
                _cleanup_(freep) char *why = strprintf("cannot start its unit: %s", strerror(-r));
                pull_failed(j, c, tc->image, why ?: "cannot start its unit", now);
                *ret_resync = true;
        }
}

void image_pull_unit_event(Manager *m, const UnitEvent *ev, const char *ns, const char *job, uint64_t attempt,
                               const char *container, bool check) {
        assert(m);
        assert(ev);
        assert(ns);
        assert(job);
        assert(container);

        ManagedJob *j = manager_find_job(m, ns, job);
        Pod *p = j ? job_status_find_pod(&j->record.status, attempt) : NULL;
        ContainerStatus *c = p ? pod_find_container(p, container) : NULL;
        const Container *tc = j ? managed_job_find_container(j->job, container) : NULL;
        /* The unit the container waits for: the check until it found no image, then the pull (Never: the
         * check only). */
        _cleanup_(freep) char *current =
                c && tc ? managed_job_pull_unit(j, p, c, tc->image_pull_policy == PULL_POLICY_NEVER ||
                                                (tc->image_pull_policy == PULL_POLICY_IF_NOT_PRESENT &&
                                                 !c->pull_past_check)) : NULL;
        usec_t now = manager_now();

        if (ev->type == UNIT_EVENT_RUNNING)
                return;
        /* The result is read: the unit goes (its journal stays). */
        if (ev->type != UNIT_EVENT_GONE)
                (void) unit_bus_remove(m->units, ev->unit);
        /* Not the unit the container waits for (an older pull, the check once the pull runs, a pod that is
         * gone or ending). */
        if (!c || !tc || c->pull != IMAGE_PULL_PULLING || !current || !streq(current, ev->unit) || pod_is_ending(p))
                return;

        if (ev->type == UNIT_EVENT_EXITED && ev->code == 0) {
                c->pull = IMAGE_PULL_DONE;
                if (c->pull_failures > 0)
                        c->reason = mfree(c->reason);
                if (check)
                        job_eventf(j, false, "Pulled", now, "Container image \"%s\" already present on machine", tc->image);
                else
                        job_eventf(j, false, "Pulled", now, "Successfully pulled image \"%s\"", tc->image);
        } else if (check && ev->type == UNIT_EVENT_EXITED && ev->code == 1 &&
                   tc->image_pull_policy == PULL_POLICY_NEVER) {
                never_pull(j, c, tc->image, now);
        } else if (check && ev->type == UNIT_EVENT_EXITED && ev->code == 1) {
                /* Not there: pulled now. */
                int r;

                job_eventf(j, false, "Pulling", now, "Pulling image \"%s\"", tc->image);
                c->pull_past_check = true;
                r = start_pull_unit(j, p, c, tc, false);
                if (r < 0) {
                        _cleanup_(freep) char *why = strprintf("cannot start its unit: %s", strerror(-r));
                        pull_failed(j, c, tc->image, why ?: "cannot start its unit", now);
                } else
                        return;
        } else {
                _cleanup_(freep) char *why =
                        ev->type == UNIT_EVENT_EXITED ?
                        strprintf("%s exited %d (see the journal of %s)", check ? "podman image exists" : "podman pull",
                                  ev->code, ev->unit) :
                        strprintf("its unit %s %s", ev->unit,
                                  ev->type == UNIT_EVENT_GONE ? "went away" : strempty(ev->reason));
                pull_failed(j, c, tc->image, why ?: "podman failed", now);
        }
        (void) managed_job_save(j);
        manager_sync_job(m, j);
}
