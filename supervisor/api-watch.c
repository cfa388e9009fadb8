/* SPDX-License-Identifier: Apache-2.0 */
/* resourceVersions, and the events the API's watches get. */
#include "api-watch.h"

void api_job_event(Manager *m, ManagedJob *j, ApiWatchEvent e) {
        j->resource_version = ++m->resource_version;
}

void api_cron_job_event(Manager *m, ManagedCronJob *c, ApiWatchEvent e) {
        c->resource_version = ++m->resource_version;
}
