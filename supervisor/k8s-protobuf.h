/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>

/* Kubernetes' protobuf encoding (Content-Type: application/vnd.kubernetes.protobuf) of a batch/v1 Job or
 * CronJob, as kubectl sends it (`kubectl create job NAME --from=cronjob/C`, `kubectl create job NAME
 * --image=…`, `kubectl create cronjob`), turned into the JSON a JSON client would have sent for the same
 * object, for the loader (generator/manifest-load.c) to validate like any other manifest.
 *
 * The body is the 4-byte magic "k8s\0", then a runtime.Unknown: typeMeta {apiVersion, kind}, raw (the
 * object), contentEncoding (must be empty), contentType (empty or the protobuf type). The object is
 * unpacked with protobuf-c and the messages of supervisor/k8s-batch.proto, whose field numbers are
 * Kubernetes' own, then written with json-c: Kubernetes' JSON field names, fields that are not set left
 * out (Go's omitempty: an empty string, a false or zero value of a field that is not a pointer), pointer
 * fields kept whatever their value (backoffLimit: 0), quantities as strings, timestamps in RFC 3339 (a zero
 * one, as kubectl sends creationTimestamp, as null), maps as objects, a volume's source inline.
 *
 * Fields jobsd ignores or refuses and which are messages of their own (affinity, tolerations, probes,
 * configMap volumes, configMapKeyRef …, the status) are not decoded: each is written as {} (a repeated one
 * as [{}, …], one per item), so that the loader warns that it ignores the field, or refuses it, exactly
 * as for the JSON body. A field number the .proto does not know, with a value other than zero or empty,
 * is an error naming its number and where it is: the loader too refuses fields it does not know. Zero and
 * empty unknown fields are let through: they are what a newer client sends for a newer field it did not
 * set (Go's protobuf writes a field that is not a pointer even when it is empty).
 *
 * Limits: a body of at most K8S_PROTOBUF_SIZE_MAX bytes (the loader's manifest limit, 1 MiB), at most
 * 32 MiB of memory for the unpacked messages, at most 200,000 JSON values, and JSON of at most
 * K8S_PROTOBUF_SIZE_MAX bytes. Strings must be UTF-8. A string holding a NUL byte ends there (protobuf-c
 * hands strings over NUL-terminated). */

#define K8S_PROTOBUF_CONTENT_TYPE "application/vnd.kubernetes.protobuf"
#define K8S_PROTOBUF_SIZE_MAX ((size_t) 1024 * 1024)

/* Decodes a body holding a batch/v1 object of kind want_kind ("Job" or "CronJob"; NULL: either). On
 * success returns 0 and *ret_json (NUL-terminated, to free()) holds the object as JSON, apiVersion and
 * kind included. A body that is not such an object (wrong magic, truncated, garbage, another kind,
 * oversized, unknown fields, bad UTF-8) returns -EBADMSG and *ret_error (to free()) says why; -ENOMEM
 * when memory ran out (*ret_error may then be NULL). */
int k8s_protobuf_to_json(const void *body, size_t size, const char *want_kind, char **ret_json, char **ret_error);

/* The same for a Job only. */
int k8s_protobuf_job_to_json(const void *body, size_t size, char **ret_json, char **ret_error);
