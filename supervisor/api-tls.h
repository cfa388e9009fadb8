/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <gnutls/gnutls.h>

/* The API server's certificates (docs/kubernetes-api.md, "Certificates"): a CA made once in
 * <state-dir>/api/, the admin's and the viewer's client certificates (made once), <state-dir>/kubeconfig
 * (mode 0600) naming the admin and <state-dir>/kubeconfig-viewer the read-only viewer, written at every
 * start; and a server certificate signed by the CA, for the address listened on, made on the first
 * connection of each run. GnuTLS (api-dlopen.h) is needed only to make certificates: a start that finds
 * them all reads them as text. */

#define API_ADMIN_USER "jobsd-admin"
#define API_ADMIN_GROUP "system:masters"
/* The read-only identity: reads everything, changes nothing (403). */
#define API_VIEWER_USER "jobsd-viewer"
#define API_VIEWER_GROUP "jobsd:viewers"

typedef struct ApiTls {
        char *dir;                      /* <state-dir>/api */
        char *ca_pem;                   /* the CA certificate: what clients must be signed by (its key is
                                         * not kept: read from <dir>/ca.key when needed, erased after) */
        char *host;                     /* the server certificate's names: host, sans */
        char **sans;
        char *server_cert_pem;          /* made on the first connection */
        char *server_key_pem;           /* kept for the loads after an idle period; erased when freed */
} ApiTls;

void api_tls_done(ApiTls *t);
/* At start: reads the CA and the client certificates, makes those missing (loading GnuTLS for that, and
 * unloading it again: a first start, or a client certificate removed) and writes the kubeconfigs for
 * https://<host>:<port>. The CA's key is read (checked to be a PEM key) and erased again before it returns;
 * every key's PEM text and the kubeconfigs' text are erased before they are freed. The server
 * certificate is left to api_tls_server_cert(). */
int api_tls_setup(const char *state_dir, const char *host, char * const *sans, unsigned port, ApiTls *ret);
/* The server certificate, for localhost, 127.0.0.1, the host (an IPv4 or IPv6 address, or a name) and the
 * sans (--api-san), signed by the CA, whose key is read from <dir>/ca.key now and erased once GnuTLS has
 * it (an error, logged, if it is missing, damaged or not the CA certificate's: nothing is kept, the next
 * call tries again); GnuTLS must be loaded (dlopen_api_libs()). */
int api_tls_server_cert(ApiTls *t);
/* Whether san is an IPv4 or IPv6 address or a DNS name (letters, digits, '-' and dots; at most 253). */
bool api_tls_san_valid(const char *san);

/* The client's identity from its certificate: 0 with *ret_user (allocated) set if the session presented a
 * certificate the CA signed and that is valid now; -EACCES otherwise (no certificate, another issuer,
 * expired). */
int api_tls_client_user(gnutls_session_t session, char **ret_user, bool *ret_admin);
