/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "api-json.h"
#include "cronjob-manager.h"
#include "managed-job.h"

/* Jobs and CronJobs as the Kubernetes API returns them: the whole object from the loaded model with
 * Kubernetes' defaults (the ones job_spec_apply_defaults() set, and the pod's: dnsPolicy, schedulerName,
 * terminationMessagePath, …), the generated selector and labels, and the status from the record. One
 * serializer for GET, lists, watch events and tables' objects. */

/* The annotation naming the manifest file a Job or CronJob came from (absent on objects made through the
 * API). */
#define API_MANIFEST_FILE_ANNOTATION "jobsd.io/manifest-file"

json_object *api_job_to_json(const ManagedJob *j);
json_object *api_cron_job_to_json(const ManagedCronJob *c);
/* Only the metadata (PartialObjectMetadata's, for tables). */
json_object *api_job_metadata(const ManagedJob *j);
json_object *api_cron_job_metadata(const ManagedCronJob *c);
/* A CronJob's UID: derived from its namespace, name and creation time (jobsd keeps none). */
void api_cron_job_uid(const ManagedCronJob *c, char buf[static 37]);
/* A UUID-shaped identifier derived from key (objects jobsd keeps no UID for: CronJobs, pods, events). */
void api_uid_from_key(const char *key, char buf[static 37]);
/* The pod spec of a Job's template, with Kubernetes' defaults. */
json_object *api_pod_spec(const ManagedJob *j);
/* The label selector of a Job's pods: spec.selector, or the one Kubernetes generates. */
json_object *api_job_selector(const ManagedJob *j);
