/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "api-server.h"

/* pods (v1): the Jobs' pods, live and finished (the ones jobsd remembers), as Kubernetes' Pod objects
 * and kubectl's table; pods/log from the journal; events (v1): the Jobs' and CronJobs' events (what
 * describe lists). Paths: the segments after /api/v1. */
#include "api-jobs.h"
#include "cronjob-manager.h"
#include "managed-job.h"

extern const ApiKind api_kind_pods;
extern const ApiKind api_kind_events;
/* The events of a Job or CronJob: keys ("<namespace>/<event name>"), objects, table cells (arrays of n). */
int api_job_events(const ManagedJob *j, char ***ret_keys, json_object ***ret_objs, json_object ***ret_cells, size_t *ret_n);
int api_cron_job_events(const ManagedCronJob *c, char ***ret_keys, json_object ***ret_objs, json_object ***ret_cells,
                        size_t *ret_n);
/* The pods of a Job: names, objects, table cells (arrays of n, allocated). */
int api_job_pods(const ManagedJob *j, char ***ret_names, json_object ***ret_objs, json_object ***ret_cells, size_t *ret_n);
int api_pods_route(ApiCall *c, const char *ns, char **path, size_t n);
int api_events_route(ApiCall *c, const char *ns, char **path, size_t n);
