/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "api-server.h"

/* The resources: jobs and cronjobs (batch/v1), namespaces (v1): list, get, the status subresource, as
 * JSON or as kubectl's server-side Tables (docs/kubernetes-api.md). Path: the segments after
 * /apis/batch/v1 or /api/v1. */
int api_batch_route(ApiCall *c, char **path, size_t n);
int api_core_route(ApiCall *c, char **path, size_t n);
/* Whether the client asked for a meta.k8s.io Table. */
bool api_wants_table(ApiCall *c);
/* kubectl's durations (HumanDuration): 45s, 2m3s, 3h4m, 2d3h, 3y20d. */
void api_human_duration(char buf[static 32], usec_t d);
