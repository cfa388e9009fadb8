/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "api-server.h"

/* What kubectl asks before anything else: /version, and the discovery documents /api, /apis, /api/v1,
 * /apis/batch/v1, legacy or aggregated (apidiscovery.k8s.io v2 and v2beta1) as the client's Accept
 * header asks. */

#define API_GIT_VERSION "v1.32.5"

int api_discovery_version(ApiCall *c);
int api_discovery_api(ApiCall *c);      /* /api */
int api_discovery_apis(ApiCall *c);     /* /apis */
int api_discovery_core_v1(ApiCall *c);  /* /api/v1 */
int api_discovery_batch_v1(ApiCall *c); /* /apis/batch/v1 */
