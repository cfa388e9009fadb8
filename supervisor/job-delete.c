/* SPDX-License-Identifier: Apache-2.0 */
/* Deleting a Job through the API (background, foreground, orphan), and the tombstone that keeps it deleted while its manifest is unchanged. */
#include <stdio.h>
#include <unistd.h>
#include <systemd/sd-journal.h>

#include "jobsd/log.h"
#include "jobsd/strv.h"
#include "cronjob-manager.h"
#include "job-delete.h"
#include "job-run.h"
#include "managed-job.h"
#include "manager-bus.h"
#include "pod-volumes.h"
#include "state-file.h"
#include "state-store.h"

/* A Job deleted through the API stays deleted while its manifest is unchanged, as a deleted object stays
 * deleted on a cluster: the tombstone holds the fingerprint of the content that was deleted. */
bool job_is_tombstoned(Manager *m, const char *namespace, const char *name, const char *fingerprint) {
        assert(m);
        assert(namespace);
        assert(name);
        assert(fingerprint);

        _cleanup_(freep) char *path = NULL;
        char buf[64] = "";
        FILE *f;

        /* At start, a name the state directory's listing does not hold has none: no lookup. */
        if (!state_store_may_exist(m->state_dir, namespace, name, "deleted"))
                return false;
        path = state_file_path(m->state_dir, "jobs", namespace, name, "deleted");
        if (!path || !(f = fopen(path, "re")))
                return false;
        if (!fgets(buf, sizeof(buf), f))
                buf[0] = 0;
        fclose(f);
        buf[strcspn(buf, "\n")] = 0;
        if (streq(buf, fingerprint))
                return true;
        (void) unlink(path);
        return false;
}

int manager_delete_job(Manager *m, ManagedJob *j, const char *cascade) {
        assert(m);
        assert(j);

        bool orphan = cascade && streq(cascade, "orphan");

        if (cascade && streq(cascade, "foreground") && managed_job_has_running_containers(j)) {
                /* Terminating: stop the pods, wait for them, then delete (manager_sync_job()). */
                j->deleting = true;
                sd_event_source_disable_unref(j->timer);
                j->timer = NULL;
                for (size_t i = 0; i < j->record.status.n_pods; i++) {
                        Pod *p = j->record.status.pods + i;
                        if (p->deletion == POD_DELETION_NONE) {
                                p->deletion = POD_DELETION_UNCOUNTED;
                                p->deletion_usec = manager_now();
                        }
                        managed_job_pod_units(j, p, false);
                }
                log_info("%s/%s: deleting (foreground): waiting for its pods to stop",
                         managed_job_namespace(j), j->job->metadata.name);
                manager_bus_job_changed(m, j);
                return 0;
        }
        for (size_t i = 0; i < j->record.status.n_pods; i++) {
                Pod *p = j->record.status.pods + i;
                if (orphan)
                        continue;
                managed_job_pod_units(j, p, true);
                pod_volumes_remove(j, p);
        }
        (void) state_store_remove(m->state_dir, managed_job_namespace(j), j->job->metadata.name);
        (void) state_file_delete(m->state_dir, "jobs", managed_job_namespace(j), j->job->metadata.name, "manifest");
        (void) state_file_delete(m->state_dir, "jobs", managed_job_namespace(j), j->job->metadata.name, "suspend");
        if (!j->cron_owner && access(j->file, F_OK) >= 0) {
                _cleanup_(freep) char *text = strprintf("%s\n", j->fingerprint);
                /* Written as every state file is: a kill leaves the old tombstone or the new one. */
                if (text)
                        (void) state_file_put(m->state_dir, "jobs", managed_job_namespace(j), j->job->metadata.name,
                                              "deleted", text, strlen(text));
        }
        log_info("%s/%s: deleted (%s)", managed_job_namespace(j), j->job->metadata.name,
                 cascade ?: "background");
        _cleanup_(freep) char *owner = j->cron_owner ? strdup(j->cron_owner) : NULL,
                *owner_ns = owner ? strdup(managed_job_namespace(j)) : NULL;
        manager_remove_job(m, j);
        if (owner && owner_ns)
                manager_cron_job_poke(m, owner_ns, owner);
        return 0;
}
