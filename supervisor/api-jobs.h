/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "api-select.h"
#include "api-server.h"

/* One kind of object, as the generic list/get code sees it. */
typedef struct ApiKind {
        const char *resource;           /* "jobs" */
        const char *group;              /* "batch"; "" for the core group */
        const char *kind;               /* "Job" */
        const char *list_kind;
        const char *api_version;
        bool namespaced;
        size_t (*count)(Manager *m);
        const void *(*at)(Manager *m, size_t i);
        const char *(*namespace)(const void *o);
        const char *(*name)(const void *o);
        const StrMap *(*labels)(const void *o);
        json_object *(*to_json)(const void *o);
        json_object *(*metadata)(const void *o);
        SelectorFieldGetter field;
        json_object *(*columns)(void);
        int (*row)(const void *o, json_object *cells);
        SelectorFieldGetter json_field; /* on the object's JSON (watches); NULL: the Jobs' fields */
} ApiKind;

extern const ApiKind api_kind_jobs;
extern const ApiKind api_kind_cronjobs;
/* A Table row (cells, and the object as the request's includeObject asks) of o, added to rows. */
int api_table_add_row(ApiCall *c, const ApiKind *k, const void *o, json_object *rows);

/* The resources: jobs and cronjobs (batch/v1), namespaces (v1): list, get, the status subresource, as
 * JSON or as kubectl's server-side Tables (docs/kubernetes-api.md). Path: the segments after
 * /apis/batch/v1 or /api/v1. */
int api_batch_route(ApiCall *c, char **path, size_t n);
int api_core_route(ApiCall *c, char **path, size_t n);
/* Whether the client asked for a meta.k8s.io Table. */
bool api_wants_table(ApiCall *c);
/* kubectl's durations (HumanDuration): 45s, 2m3s, 3h4m, 2d3h, 3y20d. */
void api_human_duration(char buf[static 32], usec_t d);

/* A page of a list (limit, continue): items [from, to) of the list; token: metadata.continue (NULL on the
 * last page); remaining: metadata.remainingItemCount (-1: left out, as when a selector filtered the list). */
typedef struct ApiPage {
        size_t from, to;
        char *token;
        int64_t remaining;
} ApiPage;
/* The page the request's limit and continue ask for of a list sorted by (namespace, name). Replies itself
 * (400 for a bad limit or malformed token, 410 Expired for a stale one) and returns 1 then. */
int api_page(ApiCall *c, const char * const *namespaces, const char * const *names, size_t n, ApiPage *ret);
/* Adds continue and remainingItemCount to a list's metadata. */
int api_page_metadata(json_object *meta, const ApiPage *p);
void api_page_done(ApiPage *p);
