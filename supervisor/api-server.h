/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <microhttpd.h>

#include "api-json.h"
#include "manager.h"

/* The Kubernetes API server (--api-listen, docs/kubernetes-api.md): libmicrohttpd over GnuTLS in jobsd's
 * own event loop (MHD's epoll descriptor is one sd-event I/O source, its timeout one timer); every request
 * is answered from the Manager's objects in the loop's thread, so nothing is shared and nothing blocks. */

typedef struct ApiServer ApiServer;

/* One request, as the handlers see it. */
typedef struct ApiCall {
        ApiServer *server;
        Manager *manager;
        struct MHD_Connection *conn;
        const char *method;
        char **path;                    /* the URL path's segments */
        size_t n_path;
        const char *body;
        size_t body_size;
        const char *user;               /* the client certificate's common name */
        bool admin;                     /* may change objects */
        unsigned code;                  /* what was answered (for the log) */
        char **warnings;                /* Warning headers of the reply */
} ApiCall;

/* listen: ADDRESS:PORT; sans: more names for the server certificate (--api-san; may be NULL). */
int api_server_new(Manager *m, const char *listen, char * const *sans, ApiServer **ret);
ApiServer *api_server_free(ApiServer *a);
/* MHD has work outside a request (a resumed connection): run it from the loop soon. */
void api_server_kick(ApiServer *a);
struct ApiWatchHub *api_server_watch_hub(ApiServer *a);

/* Answers with o (taken) as JSON; content_type NULL: application/json. */
int api_reply_json(ApiCall *c, unsigned code, json_object *o, const char *content_type);
/* Answers with a Status; details taken (may be NULL). */
int api_reply_status(ApiCall *c, unsigned code, const char *reason, json_object *details, const char *fmt, ...)
        _printf_(5, 6);
int api_reply_text(ApiCall *c, unsigned code, const char *text, size_t len, const char *content_type);
/* A query parameter, or NULL. */
const char *api_query(ApiCall *c, const char *key);
/* A Warning header ("299 - \"text\"") of the reply to come. */
void api_add_warning(ApiCall *c, const char *header);
const char *api_header(ApiCall *c, const char *key);
