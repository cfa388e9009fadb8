/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>

#include "jobsd/job.h"
#include "jobsd/macro.h"

/* Building Kubernetes' JSON with json-c: members that are left out when unset, times as RFC 3339, and
 * the Status object of every error (docs/kubernetes-api.md, "Errors"). */

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);

/* Members; NULL strings and UNSET numbers leave the member out. Each returns 0 or -ENOMEM. */
int api_json_str(json_object *o, const char *key, const char *v);
int api_json_int(json_object *o, const char *key, int64_t v);       /* left out if v == UNSET */
int api_json_int_always(json_object *o, const char *key, int64_t v);
int api_json_bool(json_object *o, const char *key, bool v);
int api_json_time(json_object *o, const char *key, usec_t t);        /* left out if t == 0 */
int api_json_strv(json_object *o, const char *key, char * const *l); /* left out if empty */
int api_json_map(json_object *o, const char *key, const StrMap *m);  /* left out if empty */
/* Adds v (taken, also on failure) as member key. */
int api_json_add(json_object *o, const char *key, json_object *v);
/* A new object with kind and apiVersion. */
json_object *api_json_object(const char *api_version, const char *kind);
void api_format_time(char buf[static 32], usec_t t);

/* The Status of a failure: {"kind":"Status","status":"Failure","reason":…,"code":…}. details (may be NULL,
 * taken) is its details member. */
json_object *api_status(unsigned code, const char *reason, const char *message, json_object *details);
json_object *api_status_details(const char *name, const char *group, const char *kind);
const char *api_json_text(json_object *o);
