/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "jobsd/job.h"

/* labelSelector and fieldSelector of list and watch requests, in kubectl's string syntax:
 * "a=b,c!=d,e in (x,y),f notin (z),g,!h" (labels) and "metadata.name=x,status.successful!=1" (fields:
 * =, == and != only). */

typedef enum SelectOp {
        SELECT_EQ,
        SELECT_NE,
        SELECT_IN,
        SELECT_NOT_IN,
        SELECT_EXISTS,
        SELECT_NOT_EXISTS,
} SelectOp;

typedef struct SelectTerm {
        char *key;
        SelectOp op;
        char **values;
} SelectTerm;

typedef struct Selector {
        SelectTerm *terms;
        size_t n;
} Selector;

void selector_done(Selector *s);
/* -EINVAL with *reterr_message (allocated) for a malformed selector. fields: only =, ==, !=. */
int selector_parse(const char *text, bool fields, Selector *ret, char **reterr_message);
bool selector_matches_labels(const Selector *s, const StrMap *labels);
/* The same on an object's JSON (its metadata.labels). */
struct json_object;
bool selector_matches_json(const Selector *s, struct json_object *object);
/* get(key) → the field's value, or NULL for a field that the kind does not know. Returns 1 on a match,
 * 0 on none, -ENOENT naming the unknown field in *ret_unknown. */
typedef const char *(*SelectorFieldGetter)(const void *object, const char *key, char buf[static 64]);
int selector_matches_fields(const Selector *s, const void *object, SelectorFieldGetter get, const char **ret_unknown);

/* A boolean query parameter (watch, follow, previous, timestamps) as Kubernetes' API server reads it
 * (apimachinery's Convert_Slice_string_To_bool): absent (NULL), "0" and "false" in any case are false,
 * every other value is true ("true", "True" as the Python client sends it, "1", ""). */
bool api_query_bool(const char *value);

/* base64 of n bytes (RFC 4648; allocated): url: the URL-safe alphabet without padding (Go's
 * base64.RawURLEncoding), else the standard one with padding (Go's base64.StdEncoding, a kubeconfig's *-data). */
char *api_base64_encode(const void *data, size_t n, bool url);

/* The continue token of a list's page: opaque to clients; base64url (unpadded) of
 * {"v":"meta.k8s.io/v1","rv":…,"start":"<namespace>/<name> of the last item sent","t":<seconds when issued>,
 * "n":<items of that same key sent, when more than one>}. decode: -EINVAL with Kubernetes' message
 * ("continue key is not valid: …", allocated) in *reterr. */
char *api_continue_encode(uint64_t rv, uint64_t issued_sec, const char *start, uint64_t n_start);
int api_continue_decode(const char *token, uint64_t *ret_rv, uint64_t *ret_issued_sec, char **ret_start, uint64_t *ret_n_start,
                        char **reterr);
