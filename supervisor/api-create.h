/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

/* Objects made and deleted through the Kubernetes API (docs/kubernetes-api.md, "Creating and
 * deleting"): a created Job or CronJob is its manifest, saved as <state-dir>/api-objects/<namespace>_<name>.
 * {job,cronjob}.yaml with the state directory's atomic writer and loaded by manifest_reload() beside the
 * manifest directory, so it is one of the same set of objects, survives restarts and runs once. Objects of
 * the manifest directory cannot be changed or deleted through the API (403 naming the file). */

#define API_OBJECTS_DIR "api-objects"

struct ApiCall;
struct ApiKind;
typedef struct Manager Manager;

/* Whether file is one the API made (under <state-dir>/api-objects/). */
bool api_object_file(const Manager *m, const char *file);
int api_create(struct ApiCall *c, const struct ApiKind *k, const char *ns);
int api_update(struct ApiCall *c, const struct ApiKind *k, const char *ns, const char *name);
int api_patch(struct ApiCall *c, const struct ApiKind *k, const char *ns, const char *name);
int api_delete(struct ApiCall *c, const struct ApiKind *k, const char *ns, const char *name);
/* /openapi/v3 and /openapi/v3/apis/batch/v1 (what kubectl needs to leave validation to the server). */
int api_openapi_v3(struct ApiCall *c);
