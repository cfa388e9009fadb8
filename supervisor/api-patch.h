/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>

/* The patch formats of the Kubernetes API, on json-c trees, pure (no daemon state): JSON merge patch
 * (RFC 7386, application/merge-patch+json), JSON patch (RFC 6902, application/json-patch+json), and
 * Kubernetes' strategic merge patch (application/strategic-merge-patch+json: lists of containers,
 * initContainers, volumes, env, volumeMounts merged by name, $setElementOrder, $patch: delete|replace,
 * $deleteFromPrimitiveList, $retainKeys ignored; other lists replaced). Each returns a new tree in *ret
 * (target is not changed); -EINVAL with *reterr_message for a patch that cannot apply. */

int api_merge_patch(json_object *target, json_object *patch, json_object **ret);
int api_json_patch(json_object *target, json_object *ops, json_object **ret, char **reterr_message);
int api_strategic_merge_patch(json_object *target, json_object *patch, json_object **ret, char **reterr_message);
