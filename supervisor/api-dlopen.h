/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The Kubernetes API's libraries, libmicrohttpd and GnuTLS, loaded when they are needed (dlopen() by
 * soname, as systemd loads its optional libraries): jobsd is not linked with them, so a jobsd with the API
 * configured but no client yet does not map them (docs/kubernetes-api.md, "When the libraries are
 * loaded"). Their headers give the types: each function used is a pointer sym_NAME of NAME's own type,
 * set by dlopen_api_libs() (or, GnuTLS's alone, by dlopen_gnutls()), NULL again once dlclose_api_libs()
 * unloaded them (the API idle); the call sites call sym_NAME(). A
 * function not listed here does not link, as jobsd has no library to take it from. */

#include <stdbool.h>
#include <microhttpd.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

/* The sonames, from the build (supervisor/meson.build checks that the libraries found have them). */
#ifndef JOBSD_MHD_SONAME
#error "JOBSD_MHD_SONAME is defined by supervisor/meson.build"
#endif
#ifndef JOBSD_GNUTLS_SONAME
#error "JOBSD_GNUTLS_SONAME is defined by supervisor/meson.build"
#endif

#define API_SYM(f) extern typeof(f) *sym_##f

API_SYM(MHD_add_response_header);
API_SYM(MHD_create_response_from_buffer);
API_SYM(MHD_create_response_from_callback);
API_SYM(MHD_destroy_response);
API_SYM(MHD_get_connection_info);
API_SYM(MHD_get_daemon_info);
API_SYM(MHD_get_timeout);
API_SYM(MHD_lookup_connection_value);
API_SYM(MHD_queue_response);
API_SYM(MHD_resume_connection);
API_SYM(MHD_run);
API_SYM(MHD_start_daemon);
API_SYM(MHD_stop_daemon);
API_SYM(MHD_suspend_connection);

API_SYM(gnutls_certificate_get_peers);
API_SYM(gnutls_certificate_verify_peers2);
/* A variable of GnuTLS (its deallocator), not a function: called as api_gnutls_free(). */
API_SYM(gnutls_free);
API_SYM(gnutls_pem_base64_encode2);
API_SYM(gnutls_rnd);
API_SYM(gnutls_strerror);
API_SYM(gnutls_x509_crt_deinit);
API_SYM(gnutls_x509_crt_export2);
API_SYM(gnutls_x509_crt_get_dn_by_oid);
API_SYM(gnutls_x509_crt_get_key_id);
API_SYM(gnutls_x509_crt_get_subject_key_id);
API_SYM(gnutls_x509_crt_import);
API_SYM(gnutls_x509_crt_init);
API_SYM(gnutls_x509_crt_set_activation_time);
API_SYM(gnutls_x509_crt_set_authority_key_id);
API_SYM(gnutls_x509_crt_set_basic_constraints);
API_SYM(gnutls_x509_crt_set_dn_by_oid);
API_SYM(gnutls_x509_crt_set_expiration_time);
API_SYM(gnutls_x509_crt_set_key);
API_SYM(gnutls_x509_crt_set_key_purpose_oid);
API_SYM(gnutls_x509_crt_set_key_usage);
API_SYM(gnutls_x509_crt_set_serial);
API_SYM(gnutls_x509_crt_set_subject_alt_name);
API_SYM(gnutls_x509_crt_set_subject_key_id);
API_SYM(gnutls_x509_crt_set_version);
API_SYM(gnutls_x509_crt_sign2);
API_SYM(gnutls_x509_privkey_deinit);
API_SYM(gnutls_x509_privkey_export2);
API_SYM(gnutls_x509_privkey_generate);
API_SYM(gnutls_x509_privkey_get_key_id);
API_SYM(gnutls_x509_privkey_import);
API_SYM(gnutls_x509_privkey_init);

#undef API_SYM

static inline void api_gnutls_free(void *p) {
        (*sym_gnutls_free)(p);
}

/* Loads both libraries (nothing if they are loaded): 0, or a negative errno after logging which library
 * is missing or lacks a function, and that the API needs it (what was loaded stays so until
 * dlclose_api_libs()). */
int dlopen_api_libs(void);
/* Unloads both (dlclose()) and sets every sym_ pointer to NULL: nothing of them (an MHD daemon, response,
 * connection or GnuTLS session) may be left. */
void dlclose_api_libs(void);
/* GnuTLS alone, for certificates made at start (a first start's CA), before any connection:
 * dlclose_gnutls() unloads it again. */
int dlopen_gnutls(void);
void dlclose_gnutls(void);
