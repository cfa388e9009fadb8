/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <gnutls/gnutls.h>

/* The API server's certificates (docs/kubernetes-api.md, "Certificates"): a CA made once in
 * <state-dir>/api/, a server certificate signed by it (made at every start, for the address listened on),
 * the admin's and the viewer's client certificates (made once), and <state-dir>/kubeconfig (mode 0600) naming
 * the admin, <state-dir>/kubeconfig-viewer the read-only viewer. */

#define API_ADMIN_USER "jobsd-admin"
#define API_ADMIN_GROUP "system:masters"
/* The read-only identity: reads everything, changes nothing (403). */
#define API_VIEWER_USER "jobsd-viewer"
#define API_VIEWER_GROUP "jobsd:viewers"

typedef struct ApiTls {
        char *ca_pem;                   /* the CA certificate: what clients must be signed by */
        char *server_cert_pem;
        char *server_key_pem;
} ApiTls;

void api_tls_done(ApiTls *t);
/* Loads or makes the CA and the admin's certificate, makes the server certificate for localhost, 127.0.0.1,
 * host (an IPv4 or IPv6 address, or a name) and sans (--api-san; may be NULL) and writes the kubeconfig
 * for https://<host>:<port>. */
int api_tls_setup(const char *state_dir, const char *host, char * const *sans, unsigned port, ApiTls *ret);
/* Whether san is an IPv4 or IPv6 address or a DNS name (letters, digits, '-' and dots; at most 253). */
bool api_tls_san_valid(const char *san);

/* The client's identity from its certificate: 0 with *ret_user (allocated) set if the session presented a
 * certificate the CA signed and that is valid now; -EACCES otherwise (no certificate, another issuer,
 * expired). */
int api_tls_client_user(gnutls_session_t session, char **ret_user, bool *ret_admin);
