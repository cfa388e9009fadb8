/* SPDX-License-Identifier: Apache-2.0 */
/* libmicrohttpd and GnuTLS, loaded by soname when the Kubernetes API first needs them. */
#include <dlfcn.h>

#include "jobsd/log.h"
#include "api-dlopen.h"

#define API_SYM_DEFINE(f) typeof(f) *sym_##f = NULL

API_SYM_DEFINE(MHD_add_response_header);
API_SYM_DEFINE(MHD_create_response_from_buffer);
API_SYM_DEFINE(MHD_create_response_from_callback);
API_SYM_DEFINE(MHD_destroy_response);
API_SYM_DEFINE(MHD_get_connection_info);
API_SYM_DEFINE(MHD_get_daemon_info);
API_SYM_DEFINE(MHD_get_timeout);
API_SYM_DEFINE(MHD_lookup_connection_value);
API_SYM_DEFINE(MHD_queue_response);
API_SYM_DEFINE(MHD_resume_connection);
API_SYM_DEFINE(MHD_run);
API_SYM_DEFINE(MHD_start_daemon);
API_SYM_DEFINE(MHD_stop_daemon);
API_SYM_DEFINE(MHD_suspend_connection);

API_SYM_DEFINE(gnutls_certificate_get_peers);
API_SYM_DEFINE(gnutls_certificate_verify_peers2);
API_SYM_DEFINE(gnutls_free);
API_SYM_DEFINE(gnutls_pem_base64_encode2);
API_SYM_DEFINE(gnutls_rnd);
API_SYM_DEFINE(gnutls_strerror);
API_SYM_DEFINE(gnutls_x509_crt_deinit);
API_SYM_DEFINE(gnutls_x509_crt_export2);
API_SYM_DEFINE(gnutls_x509_crt_get_dn_by_oid);
API_SYM_DEFINE(gnutls_x509_crt_get_key_id);
API_SYM_DEFINE(gnutls_x509_crt_get_subject_key_id);
API_SYM_DEFINE(gnutls_x509_crt_import);
API_SYM_DEFINE(gnutls_x509_crt_init);
API_SYM_DEFINE(gnutls_x509_crt_set_activation_time);
API_SYM_DEFINE(gnutls_x509_crt_set_authority_key_id);
API_SYM_DEFINE(gnutls_x509_crt_set_basic_constraints);
API_SYM_DEFINE(gnutls_x509_crt_set_dn_by_oid);
API_SYM_DEFINE(gnutls_x509_crt_set_expiration_time);
API_SYM_DEFINE(gnutls_x509_crt_set_key);
API_SYM_DEFINE(gnutls_x509_crt_set_key_purpose_oid);
API_SYM_DEFINE(gnutls_x509_crt_set_key_usage);
API_SYM_DEFINE(gnutls_x509_crt_set_serial);
API_SYM_DEFINE(gnutls_x509_crt_set_subject_alt_name);
API_SYM_DEFINE(gnutls_x509_crt_set_subject_key_id);
API_SYM_DEFINE(gnutls_x509_crt_set_version);
API_SYM_DEFINE(gnutls_x509_crt_sign2);
API_SYM_DEFINE(gnutls_x509_privkey_deinit);
API_SYM_DEFINE(gnutls_x509_privkey_export2);
API_SYM_DEFINE(gnutls_x509_privkey_generate);
API_SYM_DEFINE(gnutls_x509_privkey_get_key_id);
API_SYM_DEFINE(gnutls_x509_privkey_import);
API_SYM_DEFINE(gnutls_x509_privkey_init);

typedef struct ApiSym {
        const char *name;
        void **ptr;
} ApiSym;

#define SYM(f) { #f, (void **) &sym_##f }

static const ApiSym mhd_syms[] = {
        SYM(MHD_add_response_header),
        SYM(MHD_create_response_from_buffer),
        SYM(MHD_create_response_from_callback),
        SYM(MHD_destroy_response),
        SYM(MHD_get_connection_info),
        SYM(MHD_get_daemon_info),
        SYM(MHD_get_timeout),
        SYM(MHD_lookup_connection_value),
        SYM(MHD_queue_response),
        SYM(MHD_resume_connection),
        SYM(MHD_run),
        SYM(MHD_start_daemon),
        SYM(MHD_stop_daemon),
        SYM(MHD_suspend_connection),
};

static const ApiSym gnutls_syms[] = {
        SYM(gnutls_certificate_get_peers),
        SYM(gnutls_certificate_verify_peers2),
        SYM(gnutls_free),
        SYM(gnutls_pem_base64_encode2),
        SYM(gnutls_rnd),
        SYM(gnutls_strerror),
        SYM(gnutls_x509_crt_deinit),
        SYM(gnutls_x509_crt_export2),
        SYM(gnutls_x509_crt_get_dn_by_oid),
        SYM(gnutls_x509_crt_get_key_id),
        SYM(gnutls_x509_crt_get_subject_key_id),
        SYM(gnutls_x509_crt_import),
        SYM(gnutls_x509_crt_init),
        SYM(gnutls_x509_crt_set_activation_time),
        SYM(gnutls_x509_crt_set_authority_key_id),
        SYM(gnutls_x509_crt_set_basic_constraints),
        SYM(gnutls_x509_crt_set_dn_by_oid),
        SYM(gnutls_x509_crt_set_expiration_time),
        SYM(gnutls_x509_crt_set_key),
        SYM(gnutls_x509_crt_set_key_purpose_oid),
        SYM(gnutls_x509_crt_set_key_usage),
        SYM(gnutls_x509_crt_set_serial),
        SYM(gnutls_x509_crt_set_subject_alt_name),
        SYM(gnutls_x509_crt_set_subject_key_id),
        SYM(gnutls_x509_crt_set_version),
        SYM(gnutls_x509_crt_sign2),
        SYM(gnutls_x509_privkey_deinit),
        SYM(gnutls_x509_privkey_export2),
        SYM(gnutls_x509_privkey_generate),
        SYM(gnutls_x509_privkey_get_key_id),
        SYM(gnutls_x509_privkey_import),
        SYM(gnutls_x509_privkey_init),
};

static void *mhd_dl, *gnutls_dl;

static void clear_syms(const ApiSym *syms, size_t n) {
        for (size_t i = 0; i < n; i++)
                *syms[i].ptr = NULL;
}

/* package: Debian's package of the library, for the message. */
static int load(const char *soname, const char *package, const ApiSym *syms, size_t n, void **ret) {
        void *dl;

        dl = dlopen(soname, RTLD_NOW);
        if (!dl)
                return log_error_errno(-EOPNOTSUPP,
                                       "cannot load %s, which the Kubernetes API (--api-listen) needs (Debian's package %s): %s",
                                       soname, package, dlerror());
        for (size_t i = 0; i < n; i++) {
                void *p = dlsym(dl, syms[i].name);
                if (!p) {
                        const char *e = dlerror();
                        clear_syms(syms, n);
                        (void) dlclose(dl);
                        return log_error_errno(-EOPNOTSUPP,
                                               "%s has no function %s, which the Kubernetes API (--api-listen) needs: %s",
                                               soname, syms[i].name, e ?: "not found");
                }
                *syms[i].ptr = p;
        }
        *ret = dl;
        return 0;
}

int dlopen_gnutls(void) {
        if (gnutls_dl)
                return 0;
        return load(JOBSD_GNUTLS_SONAME, "libgnutls30", gnutls_syms, ELEMENTSOF(gnutls_syms), &gnutls_dl);
}

void dlclose_gnutls(void) {
        if (!gnutls_dl)
                return;
        clear_syms(gnutls_syms, ELEMENTSOF(gnutls_syms));
        (void) dlclose(gnutls_dl);
        gnutls_dl = NULL;
}

int dlopen_api_libs(void) {
        int r;

        /* GnuTLS first, so that its absence is named as such (libmicrohttpd needs it too). */
        r = dlopen_gnutls();
        if (r < 0 || mhd_dl)
                return r;
        return load(JOBSD_MHD_SONAME, "libmicrohttpd12", mhd_syms, ELEMENTSOF(mhd_syms), &mhd_dl);
}

void dlclose_api_libs(void) {
        /* libmicrohttpd first: it uses GnuTLS (its destructor deinitializes it). */
        if (mhd_dl) {
                clear_syms(mhd_syms, ELEMENTSOF(mhd_syms));
                (void) dlclose(mhd_dl);
                mhd_dl = NULL;
        }
        dlclose_gnutls();
}
