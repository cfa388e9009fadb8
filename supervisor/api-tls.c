/* SPDX-License-Identifier: Apache-2.0 */
/* The API server's CA, certificates and kubeconfig, made with GnuTLS. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "jobsd/log.h"
#include "jobsd/macro.h"
#include "jobsd/strv.h"
#include "api-tls.h"
#include "state-file.h"

#define CERT_MAX (64 * 1024)
#define CA_DAYS (10 * 365)

void api_tls_done(ApiTls *t) {
        if (!t)
                return;
        free(t->ca_pem);
        free(t->server_cert_pem);
        free(t->server_key_pem);
        *t = (ApiTls) {};
}

static int gnutls_to_errno(int g) {
        return g == GNUTLS_E_MEMORY_ERROR ? -ENOMEM : -EIO;
}

static int make_key(gnutls_x509_privkey_t *ret) {
        gnutls_x509_privkey_t k;
        int g;

        g = gnutls_x509_privkey_init(&k);
        if (g < 0)
                return gnutls_to_errno(g);
        g = gnutls_x509_privkey_generate(k, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
        if (g < 0) {
                gnutls_x509_privkey_deinit(k);
                return log_error_errno(gnutls_to_errno(g), "cannot make a key: %s", gnutls_strerror(g));
        }
        *ret = k;
        return 0;
}

typedef enum CertRole {
        CERT_CA,
        CERT_SERVER,
        CERT_CLIENT,
} CertRole;

bool api_tls_san_valid(const char *san) {
        unsigned char addr[16];
        size_t label = 0, n = 0;

        if (!san || !*san)
                return false;
        if (inet_pton(AF_INET, san, addr) == 1 || inet_pton(AF_INET6, san, addr) == 1)
                return true;
        /* A DNS name: labels of letters, digits and '-', not beginning or ending with '-'. */
        for (const char *p = san; ; p++, n++) {
                if (*p == '.' || *p == 0) {
                        if (label == 0 || label > 63 || p[-1] == '-')
                                return false;
                        if (*p == 0)
                                break;
                        label = 0;
                        continue;
                }
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-'))
                        return false;
                if (*p == '-' && label == 0)
                        return false;
                label++;
        }
        return n <= 253;
}

/* One subject alternative name: an IPv4 or IPv6 address, else a DNS name. */
static int add_san(gnutls_x509_crt_t c, const char *name) {
        unsigned char addr[16];

        if (inet_pton(AF_INET, name, addr) == 1)
                return gnutls_x509_crt_set_subject_alt_name(c, GNUTLS_SAN_IPADDRESS, addr, 4, GNUTLS_FSAN_APPEND);
        if (inet_pton(AF_INET6, name, addr) == 1)
                return gnutls_x509_crt_set_subject_alt_name(c, GNUTLS_SAN_IPADDRESS, addr, 16, GNUTLS_FSAN_APPEND);
        return gnutls_x509_crt_set_subject_alt_name(c, GNUTLS_SAN_DNSNAME, name, strlen(name), GNUTLS_FSAN_APPEND);
}

/* A certificate for key, signed by issuer (NULL: self-signed). host: the server's name or address; sans:
 * more names of the server (--api-san). */
static int make_cert(CertRole role, gnutls_x509_privkey_t key, const char *cn, const char *org, const char *host,
                     char * const *sans,
                     gnutls_x509_crt_t issuer, gnutls_x509_privkey_t issuer_key, gnutls_x509_crt_t *ret) {
        gnutls_x509_crt_t c;
        unsigned char serial[16], id[64];
        size_t id_size = sizeof(id);
        time_t now = time(NULL);
        int g;

        g = gnutls_x509_crt_init(&c);
        if (g < 0)
                return gnutls_to_errno(g);
#define G(expr) do { g = (expr); if (g < 0) goto fail; } while (0)
        G(gnutls_x509_crt_set_version(c, 3));
        G(gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial)));
        serial[0] &= 0x7f;
        serial[0] |= 0x01;
        G(gnutls_x509_crt_set_serial(c, serial, sizeof(serial)));
        G(gnutls_x509_crt_set_activation_time(c, now - 3600));
        G(gnutls_x509_crt_set_expiration_time(c, now + (time_t) CA_DAYS * 24 * 3600));
        G(gnutls_x509_crt_set_dn_by_oid(c, GNUTLS_OID_X520_COMMON_NAME, 0, cn, strlen(cn)));
        if (org)
                G(gnutls_x509_crt_set_dn_by_oid(c, GNUTLS_OID_X520_ORGANIZATION_NAME, 0, org, strlen(org)));
        G(gnutls_x509_crt_set_key(c, key));
        G(gnutls_x509_crt_set_basic_constraints(c, role == CERT_CA, role == CERT_CA ? 0 : -1));
        G(gnutls_x509_crt_set_key_usage(c, role == CERT_CA ?
                                        GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN | GNUTLS_KEY_DIGITAL_SIGNATURE :
                                        GNUTLS_KEY_DIGITAL_SIGNATURE | GNUTLS_KEY_KEY_ENCIPHERMENT));
        G(gnutls_x509_crt_get_key_id(c, 0, id, &id_size));
        G(gnutls_x509_crt_set_subject_key_id(c, id, id_size));
        if (role == CERT_SERVER) {
                G(gnutls_x509_crt_set_key_purpose_oid(c, GNUTLS_KP_TLS_WWW_SERVER, 0));
                G(add_san(c, "localhost"));
                G(add_san(c, "127.0.0.1"));
                if (host && !streq(host, "127.0.0.1") && !streq(host, "localhost"))
                        G(add_san(c, host));
                STRV_FOREACH(s, sans)
                        if (!streq(*s, "127.0.0.1") && !streq(*s, "localhost") && !streq_ptr(*s, host))
                                G(add_san(c, *s));
        } else if (role == CERT_CLIENT)
                G(gnutls_x509_crt_set_key_purpose_oid(c, GNUTLS_KP_TLS_WWW_CLIENT, 0));
        if (issuer) {
                id_size = sizeof(id);
                G(gnutls_x509_crt_get_subject_key_id(issuer, id, &id_size, NULL));
                G(gnutls_x509_crt_set_authority_key_id(c, id, id_size));
        }
        G(gnutls_x509_crt_sign2(c, issuer ?: c, issuer_key ?: key, GNUTLS_DIG_SHA256, 0));
#undef G
        *ret = c;
        return 0;
fail:
        gnutls_x509_crt_deinit(c);
        return log_error_errno(gnutls_to_errno(g), "cannot make the certificate %s: %s", cn, gnutls_strerror(g));
}

static int crt_pem(gnutls_x509_crt_t c, char **ret) {
        gnutls_datum_t d = {};
        int g;

        g = gnutls_x509_crt_export2(c, GNUTLS_X509_FMT_PEM, &d);
        if (g < 0)
                return gnutls_to_errno(g);
        *ret = strndup((const char *) d.data, d.size);
        gnutls_free(d.data);
        return *ret ? 0 : -ENOMEM;
}

static int key_pem(gnutls_x509_privkey_t k, char **ret) {
        gnutls_datum_t d = {};
        int g;

        g = gnutls_x509_privkey_export2(k, GNUTLS_X509_FMT_PEM, &d);
        if (g < 0)
                return gnutls_to_errno(g);
        *ret = strndup((const char *) d.data, d.size);
        gnutls_free(d.data);
        return *ret ? 0 : -ENOMEM;
}

static int read_pem(const char *dir, const char *name, char **ret) {
        _cleanup_(freep) char *path = strprintf("%s/%s", dir, name), *msg = NULL;
        int r;

        if (!path)
                return -ENOMEM;
        r = state_file_read(path, CERT_MAX, ret, &msg);
        if (r == -ENOENT)
                return r;
        if (r < 0)
                return log_error_errno(r, "cannot read %s: %s", path, msg ?: strerror(-r));
        return 0;
}

static int write_pem(const char *dir, const char *name, const char *pem) {
        int r = state_file_write(dir, name, pem);
        if (r < 0)
                return log_error_errno(r, "cannot write %s/%s: %m", dir, name);
        return 0;
}

static int import_pair(const char *cert, const char *key, const char *what, gnutls_x509_crt_t *ret_crt,
                       gnutls_x509_privkey_t *ret_key) {
        gnutls_datum_t dc = { (unsigned char *) cert, strlen(cert) }, dk = { (unsigned char *) key, strlen(key) };
        gnutls_x509_crt_t c = NULL;
        gnutls_x509_privkey_t k = NULL;
        int g;

        g = gnutls_x509_crt_init(&c);
        if (g >= 0)
                g = gnutls_x509_crt_import(c, &dc, GNUTLS_X509_FMT_PEM);
        if (g >= 0)
                g = gnutls_x509_privkey_init(&k);
        if (g >= 0)
                g = gnutls_x509_privkey_import(k, &dk, GNUTLS_X509_FMT_PEM);
        if (g < 0) {
                if (c)
                        gnutls_x509_crt_deinit(c);
                if (k)
                        gnutls_x509_privkey_deinit(k);
                return log_error_errno(-EBADMSG, "cannot read the %s: %s", what, gnutls_strerror(g));
        }
        *ret_crt = c;
        *ret_key = k;
        return 0;
}

static char *base64(const char *s) {
        gnutls_datum_t in = { (unsigned char *) s, strlen(s) }, out = {};
        char *r;

        if (gnutls_base64_encode2(&in, &out) < 0)
                return NULL;
        r = strndup((const char *) out.data, out.size);
        gnutls_free(out.data);
        return r;
}

static int write_kubeconfig(const char *state_dir, const char *file, const char *user, const char *host, unsigned port,
                            const char *ca, const char *cert, const char *key) {
        _cleanup_(freep) char *ca64 = base64(ca), *cert64 = base64(cert), *key64 = base64(key), *text = NULL;
        bool v6 = strchr(host, ':');
        int r;

        if (!ca64 || !cert64 || !key64)
                return -ENOMEM;
        text = strprintf("# Written by jobsd at every start with --api-listen (docs/kubernetes-api.md).\n"
                         "apiVersion: v1\n"
                         "kind: Config\n"
                         "clusters:\n"
                         "- name: jobsd\n"
                         "  cluster:\n"
                         "    server: https://%s%s%s:%u\n"
                         "    certificate-authority-data: %s\n"
                         "users:\n"
                         "- name: %s\n"
                         "  user:\n"
                         "    client-certificate-data: %s\n"
                         "    client-key-data: %s\n"
                         "contexts:\n"
                         "- name: jobsd\n"
                         "  context:\n"
                         "    cluster: jobsd\n"
                         "    user: %s\n"
                         "    namespace: default\n"
                         "current-context: jobsd\n",
                         v6 ? "[" : "", host, v6 ? "]" : "", port, ca64, user, cert64, key64, user);
        if (!text)
                return -ENOMEM;
        r = atomic_file_write(state_dir, file, text, strlen(text), 0600);
        if (r < 0)
                return log_error_errno(r, "cannot write %s/%s: %m", state_dir, file);
        return 0;
}

/* A client's certificate and key, "<dir>/<name>.crt" and ".key": read, or made (and saved) if missing. */
static int client_cert(const char *dir, const char *name, const char *cn, const char *org, gnutls_x509_crt_t ca_crt,
                       gnutls_x509_privkey_t ca_k, char **ret_cert, char **ret_key) {
        _cleanup_(freep) char *crt_name = strprintf("%s.crt", name), *key_name = strprintf("%s.key", name);
        _cleanup_(freep) char *cert = NULL, *key = NULL;
        gnutls_x509_crt_t c = NULL;
        gnutls_x509_privkey_t k = NULL;
        int r;

        if (!crt_name || !key_name)
                return -ENOMEM;
        r = read_pem(dir, crt_name, &cert);
        if (r >= 0)
                r = read_pem(dir, key_name, &key);
        if (r >= 0) {
                *ret_cert = TAKE_PTR(cert);
                *ret_key = TAKE_PTR(key);
                return 0;
        }
        if (r != -ENOENT)
                return r;
        cert = mfree(cert);
        r = make_key(&k);
        if (r < 0)
                return r;
        r = make_cert(CERT_CLIENT, k, cn, org, NULL, NULL, ca_crt, ca_k, &c);
        if (r >= 0)
                r = crt_pem(c, &cert);
        if (r >= 0)
                r = key_pem(k, &key);
        if (r >= 0)
                r = write_pem(dir, key_name, key);
        if (r >= 0)
                r = write_pem(dir, crt_name, cert);
        if (c)
                gnutls_x509_crt_deinit(c);
        gnutls_x509_privkey_deinit(k);
        if (r < 0)
                return r;
        *ret_cert = TAKE_PTR(cert);
        *ret_key = TAKE_PTR(key);
        return 0;
}

int api_tls_setup(const char *state_dir, const char *host, char * const *sans, unsigned port, ApiTls *ret) {
        _cleanup_(freep) char *dir = strprintf("%s/api", state_dir);
        _cleanup_(freep) char *ca = NULL, *ca_key = NULL, *admin = NULL, *admin_key = NULL, *srv = NULL, *srv_key = NULL,
                *viewer = NULL, *viewer_key = NULL;
        gnutls_x509_crt_t ca_crt = NULL, c = NULL;
        gnutls_x509_privkey_t ca_k = NULL, k = NULL;
        int r;

        if (!dir)
                return -ENOMEM;
        r = read_pem(dir, "ca.crt", &ca);
        if (r >= 0)
                r = read_pem(dir, "ca.key", &ca_key);
        if (r == -ENOENT) {
                /* First start: a new CA, and so a new admin. */
                ca = mfree(ca);
                r = make_key(&ca_k);
                if (r < 0)
                        goto finish;
                r = make_cert(CERT_CA, ca_k, "jobsd-ca", NULL, NULL, NULL, NULL, NULL, &ca_crt);
                if (r < 0)
                        goto finish;
                r = crt_pem(ca_crt, &ca);
                if (r >= 0)
                        r = key_pem(ca_k, &ca_key);
                if (r >= 0)
                        r = write_pem(dir, "ca.key", ca_key);
                if (r >= 0)
                        r = write_pem(dir, "ca.crt", ca);
                if (r < 0)
                        goto finish;
                {
                        /* Client certificates of an earlier CA are worthless: made anew below. */
                        _cleanup_(freep) char *old = strprintf("%s/admin.crt", dir), *old2 = strprintf("%s/viewer.crt", dir);
                        if (old)
                                (void) unlink(old);
                        if (old2)
                                (void) unlink(old2);
                }
                log_info("made the API's certificate authority in %s", dir);
        } else if (r < 0)
                goto finish;
        else {
                r = import_pair(ca, ca_key, "API's certificate authority", &ca_crt, &ca_k);
                if (r < 0)
                        goto finish;
        }

        r = client_cert(dir, "admin", API_ADMIN_USER, API_ADMIN_GROUP, ca_crt, ca_k, &admin, &admin_key);
        if (r < 0)
                goto finish;
        r = client_cert(dir, "viewer", API_VIEWER_USER, API_VIEWER_GROUP, ca_crt, ca_k, &viewer, &viewer_key);
        if (r < 0)
                goto finish;

        /* The server's certificate, for the address of this start. */
        r = make_key(&k);
        if (r < 0)
                goto finish;
        r = make_cert(CERT_SERVER, k, "jobsd", NULL, host, sans, ca_crt, ca_k, &c);
        if (r < 0)
                goto finish;
        r = crt_pem(c, &srv);
        if (r >= 0)
                r = key_pem(k, &srv_key);
        if (r < 0)
                goto finish;

        r = write_kubeconfig(state_dir, "kubeconfig", API_ADMIN_USER, host, port, ca, admin, admin_key);
        if (r >= 0)
                r = write_kubeconfig(state_dir, "kubeconfig-viewer", API_VIEWER_USER, host, port, ca, viewer, viewer_key);
        if (r < 0)
                goto finish;
        *ret = (ApiTls) { .ca_pem = TAKE_PTR(ca), .server_cert_pem = TAKE_PTR(srv), .server_key_pem = TAKE_PTR(srv_key) };
        r = 0;
finish:
        if (c)
                gnutls_x509_crt_deinit(c);
        if (k)
                gnutls_x509_privkey_deinit(k);
        if (ca_crt)
                gnutls_x509_crt_deinit(ca_crt);
        if (ca_k)
                gnutls_x509_privkey_deinit(ca_k);
        return r;
}

int api_tls_client_user(gnutls_session_t session, char **ret_user, bool *ret_admin) {
        const gnutls_datum_t *peers;
        unsigned n = 0, status = 0;
        gnutls_x509_crt_t c;
        char cn[256], org[256];
        size_t cn_size = sizeof(cn), org_size = sizeof(org);
        bool admin = false;
        int g;

        if (!session)
                return -EACCES;
        peers = gnutls_certificate_get_peers(session, &n);
        if (!peers || n == 0)
                return -EACCES;
        /* The trust list is the CA alone (MHD_OPTION_HTTPS_MEM_TRUST). */
        g = gnutls_certificate_verify_peers2(session, &status);
        if (g < 0 || status != 0)
                return -EACCES;
        if (gnutls_x509_crt_init(&c) < 0)
                return -ENOMEM;
        g = gnutls_x509_crt_import(c, &peers[0], GNUTLS_X509_FMT_DER);
        if (g >= 0)
                g = gnutls_x509_crt_get_dn_by_oid(c, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &cn_size);
        for (unsigned i = 0; g >= 0; i++) {
                org_size = sizeof(org);
                if (gnutls_x509_crt_get_dn_by_oid(c, GNUTLS_OID_X520_ORGANIZATION_NAME, i, 0, org, &org_size) < 0)
                        break;
                if (streq(org, API_ADMIN_GROUP))
                        admin = true;
        }
        gnutls_x509_crt_deinit(c);
        if (g < 0)
                return -EACCES;
        *ret_user = strdup(cn);
        if (!*ret_user)
                return -ENOMEM;
        *ret_admin = admin;
        return 0;
}
