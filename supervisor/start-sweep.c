/* SPDX-License-Identifier: Apache-2.0 */
/* Start-up sweeps: units a jobsd that stopped left behind. */
#include <systemd/sd-journal.h>

#include "jobsd/log.h"
#include "jobsd/strv.h"
#include "jobsd/strv.h"
#include "managed-job.h"
#include "start-sweep.h"

/* At start: units of pods whose outcome is counted already (their records are gone) are removed. A kill
 * of jobsd after the record without the pod was saved but before the StopUnit calls left its socket
 * leaves such units behind; nothing else would ever remove them. Units of Jobs jobsd does not know
 * (orphans of delete --cascade=orphan) are left alone. */
void start_sweep_counted_units(Manager *m) {
        assert(m);

        _cleanup_(strv_freep) char **units = NULL;

        if (unit_bus_list(m->units, "jobsd-*.service", &units) < 0)
                return;
        for (char **u = units; u && *u; u++) {
                _cleanup_(freep) char *ns = NULL, *job = NULL, *container = NULL;
                uint64_t attempt;
                unsigned restart;
                ManagedJob *j;
                Pod *p;
                ContainerStatus *c;

                if (pod_unit_name_parse(*u, &ns, &job, NULL, &attempt, &restart, &container) < 0)
                        continue;
                j = manager_find_job(m, ns, job);
                if (!j || attempt >= j->record.status.next_attempt)
                        continue;
                p = job_status_find_pod(&j->record.status, attempt);
                c = p ? pod_find_container(p, container) : NULL;
                if (p && (!c || restart >= c->restarts))
                        continue;       /* a pod of the record: its current run */
                log_info("%s/%s: removing %s, whose pod is counted already", ns, job, *u);
                (void) unit_bus_remove(m->units, *u);
        }
}

/* Pull units left by a jobsd that stopped: their pulls are asked for again. */
void start_sweep_pull_units(Manager *m) {
        assert(m);

        _cleanup_(strv_freep) char **units = NULL;

        if (unit_bus_list(m->units, "jobsd-pull-*.service", &units) < 0)
                return;
        for (char **u = units; u && *u; u++)
                if (pull_unit_name_parse(*u, NULL, NULL, NULL, NULL, NULL) >= 0)
                        (void) unit_bus_remove(m->units, *u);
}
