/* SPDX-License-Identifier: Apache-2.0 */
/* The API server's CA, certificates and kubeconfig: made with GnuTLS (loaded only for that), read and
 * written as text otherwise. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jobsd/io-util.h"
#include "jobsd/log.h"
#include "jobsd/macro.h"
#include "jobsd/strv.h"
#include "api-dlopen.h"
#include "api-select.h"
#include "api-tls.h"
#include "state-file.h"

#define CERT_MAX (64 * 1024)
/* A private key's PEM file: an ECDSA P-256 key is about 240 bytes, an RSA 4096 one 3.3 KB. */
#define KEY_MAX (16 * 1024)
#define CA_DAYS (10 * 365)

static void erase_and_free(char *s) {
        if (!s)
                return;
        explicit_bzero(s, strlen(s));
        free(s);
}

static void erase_and_freep(char **p) {
        erase_and_free(*p);
}

void api_tls_done(ApiTls *t) {
        if (!t)
                return;
        free(t->dir);
        free(t->ca_pem);
        free(t->host);
        strv_free(t->sans);
        free(t->server_cert_pem);
        erase_and_free(t->server_key_pem);
        *t = (ApiTls) {};
}

static int gnutls_to_errno(int g) {
        return g == GNUTLS_E_MEMORY_ERROR ? -ENOMEM : -EIO;
}

static int make_key(gnutls_x509_privkey_t *ret) {
        gnutls_x509_privkey_t k;
        int g;

        g = sym_gnutls_x509_privkey_init(&k);
        if (g < 0)
                return gnutls_to_errno(g);
        g = sym_gnutls_x509_privkey_generate(k, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
        if (g < 0) {
                sym_gnutls_x509_privkey_deinit(k);
                return log_error_errno(gnutls_to_errno(g), "cannot make a key: %s", sym_gnutls_strerror(g));
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
                return sym_gnutls_x509_crt_set_subject_alt_name(c, GNUTLS_SAN_IPADDRESS, addr, 4, GNUTLS_FSAN_APPEND);
        if (inet_pton(AF_INET6, name, addr) == 1)
                return sym_gnutls_x509_crt_set_subject_alt_name(c, GNUTLS_SAN_IPADDRESS, addr, 16, GNUTLS_FSAN_APPEND);
        return sym_gnutls_x509_crt_set_subject_alt_name(c, GNUTLS_SAN_DNSNAME, name, strlen(name), GNUTLS_FSAN_APPEND);
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

        g = sym_gnutls_x509_crt_init(&c);
        if (g < 0)
                return gnutls_to_errno(g);
#define G(expr) do { g = (expr); if (g < 0) goto fail; } while (0)
        G(sym_gnutls_x509_crt_set_version(c, 3));
        G(sym_gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial)));
        serial[0] &= 0x7f;
        serial[0] |= 0x01;
        G(sym_gnutls_x509_crt_set_serial(c, serial, sizeof(serial)));
        G(sym_gnutls_x509_crt_set_activation_time(c, now - 3600));
        G(sym_gnutls_x509_crt_set_expiration_time(c, now + (time_t) CA_DAYS * 24 * 3600));
        G(sym_gnutls_x509_crt_set_dn_by_oid(c, GNUTLS_OID_X520_COMMON_NAME, 0, cn, strlen(cn)));
        if (org)
                G(sym_gnutls_x509_crt_set_dn_by_oid(c, GNUTLS_OID_X520_ORGANIZATION_NAME, 0, org, strlen(org)));
        G(sym_gnutls_x509_crt_set_key(c, key));
        G(sym_gnutls_x509_crt_set_basic_constraints(c, role == CERT_CA, role == CERT_CA ? 0 : -1));
        G(sym_gnutls_x509_crt_set_key_usage(c, role == CERT_CA ?
                                        GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN | GNUTLS_KEY_DIGITAL_SIGNATURE :
                                        GNUTLS_KEY_DIGITAL_SIGNATURE | GNUTLS_KEY_KEY_ENCIPHERMENT));
        G(sym_gnutls_x509_crt_get_key_id(c, 0, id, &id_size));
        G(sym_gnutls_x509_crt_set_subject_key_id(c, id, id_size));
        if (role == CERT_SERVER) {
                G(sym_gnutls_x509_crt_set_key_purpose_oid(c, GNUTLS_KP_TLS_WWW_SERVER, 0));
                G(add_san(c, "localhost"));
                G(add_san(c, "127.0.0.1"));
                if (host && !streq(host, "127.0.0.1") && !streq(host, "localhost"))
                        G(add_san(c, host));
                STRV_FOREACH(s, sans)
                        if (!streq(*s, "127.0.0.1") && !streq(*s, "localhost") && !streq_ptr(*s, host))
                                G(add_san(c, *s));
        } else if (role == CERT_CLIENT)
                G(sym_gnutls_x509_crt_set_key_purpose_oid(c, GNUTLS_KP_TLS_WWW_CLIENT, 0));
        if (issuer) {
                id_size = sizeof(id);
                G(sym_gnutls_x509_crt_get_subject_key_id(issuer, id, &id_size, NULL));
                G(sym_gnutls_x509_crt_set_authority_key_id(c, id, id_size));
        }
        G(sym_gnutls_x509_crt_sign2(c, issuer ?: c, issuer_key ?: key, GNUTLS_DIG_SHA256, 0));
#undef G
        *ret = c;
        return 0;
fail:
        sym_gnutls_x509_crt_deinit(c);
        return log_error_errno(gnutls_to_errno(g), "cannot make the certificate %s: %s", cn, sym_gnutls_strerror(g));
}

static int crt_pem(gnutls_x509_crt_t c, char **ret) {
        gnutls_datum_t d = {};
        int g;

        g = sym_gnutls_x509_crt_export2(c, GNUTLS_X509_FMT_PEM, &d);
        if (g < 0)
                return gnutls_to_errno(g);
        *ret = strndup((const char *) d.data, d.size);
        api_gnutls_free(d.data);
        return *ret ? 0 : -ENOMEM;
}

/* A key made by make_key() (ECDSA) as PEM text. Exported as DER, then made PEM by GnuTLS's encoder: its
 * PEM export frees the DER it encodes without erasing it (GnuTLS 3.7), where both buffers here are
 * jobsd's to erase. */
static int key_pem(gnutls_x509_privkey_t k, char **ret) {
        gnutls_datum_t der = {}, pem = {};
        int g;

        g = sym_gnutls_x509_privkey_export2(k, GNUTLS_X509_FMT_DER, &der);
        if (g < 0)
                return gnutls_to_errno(g);
        g = sym_gnutls_pem_base64_encode2("EC PRIVATE KEY", &der, &pem);
        explicit_bzero(der.data, der.size);
        api_gnutls_free(der.data);
        if (g < 0)
                return gnutls_to_errno(g);
        *ret = strndup((const char *) pem.data, pem.size);
        explicit_bzero(pem.data, pem.size);
        api_gnutls_free(pem.data);
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

/* A private key's PEM file <dir>/<name>, read with read() into one buffer allocated before and erased on
 * every way out but success (not with state_file_read(), whose buffer may be moved as it grows, leaving a
 * copy in freed memory, and is freed unerased on its errors). 0, or -ENOENT (not logged), or a negative
 * errno, logged. What it holds is the caller's to erase (erase_and_free()). */
static int read_key(const char *dir, const char *name, char **ret) {
        _cleanup_(freep) char *path = strprintf("%s/%s", dir, name);
        _cleanup_(closep) int fd = -EBADF;
        char *buf;
        size_t n = 0;
        ssize_t k;
        int r = 0;

        if (!path)
                return -ENOMEM;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0) {
                if (errno == ENOENT)
                        return -ENOENT;
                return log_error_errno(-errno, "cannot read %s: %m", path);
        }
        buf = malloc(KEY_MAX + 1);
        if (!buf)
                return -ENOMEM;
        k = loop_read(fd, buf, KEY_MAX + 1, IO_AT_POSITION);
        if (k < 0)
                r = log_error_errno((int) k, "cannot read %s: %m", path);
        else if ((size_t) k > KEY_MAX)
                r = log_error_errno(-EFBIG, "cannot read %s: larger than %u bytes, not a private key", path, KEY_MAX);
        else {
                n = (size_t) k;
                buf[n] = 0;
                if (strlen(buf) != n)
                        r = log_error_errno(-EBADMSG, "cannot read %s: contains a NUL byte, not a private key", path);
        }
        if (r < 0) {
                explicit_bzero(buf, KEY_MAX + 1);       /* what a failed read left is not counted */
                free(buf);
                return r;
        }
        *ret = buf;
        return 0;
}

static bool key_is_pem(const char *key) {
        return startswith(key, "-----BEGIN ") && strstr(key, "PRIVATE KEY-----");
}

/* The certificate and its key, parsed by GnuTLS; a key that is not the certificate's (their public keys'
 * IDs differ) is refused: what it signed would be signed by no CA a client knows. */
static int import_pair(const char *cert, const char *key, const char *what, gnutls_x509_crt_t *ret_crt,
                       gnutls_x509_privkey_t *ret_key) {
        gnutls_datum_t dc = { (unsigned char *) cert, strlen(cert) }, dk = { (unsigned char *) key, strlen(key) };
        unsigned char crt_id[64], key_id[64];
        size_t crt_id_size = sizeof(crt_id), key_id_size = sizeof(key_id);
        gnutls_x509_crt_t c = NULL;
        gnutls_x509_privkey_t k = NULL;
        int g;

        g = sym_gnutls_x509_crt_init(&c);
        if (g >= 0)
                g = sym_gnutls_x509_crt_import(c, &dc, GNUTLS_X509_FMT_PEM);
        if (g >= 0)
                g = sym_gnutls_x509_privkey_init(&k);
        if (g >= 0)
                g = sym_gnutls_x509_privkey_import(k, &dk, GNUTLS_X509_FMT_PEM);
        if (g >= 0)
                g = sym_gnutls_x509_crt_get_key_id(c, 0, crt_id, &crt_id_size);
        if (g >= 0)
                g = sym_gnutls_x509_privkey_get_key_id(k, 0, key_id, &key_id_size);
        if (g < 0 || crt_id_size != key_id_size || memcmp(crt_id, key_id, crt_id_size) != 0) {
                if (c)
                        sym_gnutls_x509_crt_deinit(c);
                if (k)
                        sym_gnutls_x509_privkey_deinit(k);
                if (g >= 0)
                        return log_error_errno(-EBADMSG, "cannot use the %s: its key is not its certificate's", what);
                return log_error_errno(-EBADMSG, "cannot read the %s: %s", what, sym_gnutls_strerror(g));
        }
        *ret_crt = c;
        *ret_key = k;
        return 0;
}

static char *base64(const char *s) {
        return api_base64_encode(s, strlen(s), false);
}

#define KUBECONFIG_FORMAT                                                                               \
        "# Written by jobsd at every start with --api-listen (docs/kubernetes-api.md).\n"                  \
        "apiVersion: v1\n"                                                                              \
        "kind: Config\n"                                                                                \
        "clusters:\n"                                                                                   \
        "- name: jobsd\n"                                                                               \
        "  cluster:\n"                                                                                  \
        "    server: https://%s%s%s:%u\n"                                                               \
        "    certificate-authority-data: %s\n"                                                          \
        "users:\n"                                                                                      \
        "- name: %s\n"                                                                                  \
        "  user:\n"                                                                                     \
        "    client-certificate-data: %s\n"                                                             \
        "    client-key-data: %s\n"                                                                     \
        "contexts:\n"                                                                                   \
        "- name: jobsd\n"                                                                               \
        "  context:\n"                                                                                  \
        "    cluster: jobsd\n"                                                                          \
        "    user: %s\n"                                                                                \
        "    namespace: default\n"                                                                      \
        "current-context: jobsd\n"

/* The kubeconfig holds the client's key (base64): its text is made in one buffer of the exact size
 * (snprintf() twice, not vasprintf(), which grows its buffer and so leaves copies in freed memory), and it
 * and the key's base64 are erased before they are freed. */
static int write_kubeconfig(const char *state_dir, const char *file, const char *user, const char *host, unsigned port,
                            const char *ca, const char *cert, const char *key) {
        _cleanup_(freep) char *ca64 = base64(ca), *cert64 = base64(cert);
        _cleanup_(erase_and_freep) char *key64 = base64(key), *text = NULL;
        bool v6 = strchr(host, ':');
        int len, r;

        if (!ca64 || !cert64 || !key64)
                return -ENOMEM;
#define ARGS v6 ? "[" : "", host, v6 ? "]" : "", port, ca64, user, cert64, key64, user
        len = snprintf(NULL, 0, KUBECONFIG_FORMAT, ARGS);
        if (len < 0)
                return -ENOMEM;
        text = malloc((size_t) len + 1);
        if (!text)
                return -ENOMEM;
        if (snprintf(text, (size_t) len + 1, KUBECONFIG_FORMAT, ARGS) != len)
                return -EIO;
#undef ARGS
        r = atomic_file_write(state_dir, file, text, (size_t) len, 0600);
        if (r < 0)
                return log_error_errno(r, "cannot write %s/%s: %m", state_dir, file);
        return 0;
}

/* "<dir>/<name>.crt" and ".key" as text: -ENOENT if either is missing. What they begin with is checked here
 * (a damaged file is a start-up error); GnuTLS reads them only when it needs them. The key (read_key()) is
 * the caller's to erase. */
static int read_pair(const char *dir, const char *name, char **ret_cert, char **ret_key) {
        _cleanup_(freep) char *crt_name = strprintf("%s.crt", name), *key_name = strprintf("%s.key", name);
        _cleanup_(freep) char *cert = NULL;
        _cleanup_(erase_and_freep) char *key = NULL;
        int r;

        if (!crt_name || !key_name)
                return -ENOMEM;
        r = read_pem(dir, crt_name, &cert);
        if (r >= 0)
                r = read_key(dir, key_name, &key);
        if (r < 0)
                return r;
        if (!startswith(cert, "-----BEGIN CERTIFICATE-----"))
                return log_error_errno(-EBADMSG, "%s/%s is not a PEM certificate: remove %s/ to make new ones", dir, crt_name, dir);
        if (!key_is_pem(key))
                return log_error_errno(-EBADMSG, "%s/%s is not a PEM private key: remove %s/ to make new ones", dir, key_name, dir);
        *ret_cert = TAKE_PTR(cert);
        *ret_key = TAKE_PTR(key);
        return 0;
}

/* A client's certificate and key, made and saved as "<dir>/<name>.crt" and ".key". */
static int make_client(const char *dir, const char *name, const char *cn, const char *org, gnutls_x509_crt_t ca_crt,
                       gnutls_x509_privkey_t ca_k, char **ret_cert, char **ret_key) {
        _cleanup_(freep) char *crt_name = strprintf("%s.crt", name), *key_name = strprintf("%s.key", name);
        _cleanup_(freep) char *cert = NULL;
        _cleanup_(erase_and_freep) char *key = NULL;
        gnutls_x509_crt_t c = NULL;
        gnutls_x509_privkey_t k = NULL;
        int r;

        if (!crt_name || !key_name)
                return -ENOMEM;
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
                sym_gnutls_x509_crt_deinit(c);
        sym_gnutls_x509_privkey_deinit(k);
        if (r < 0)
                return r;
        *ret_cert = TAKE_PTR(cert);
        *ret_key = TAKE_PTR(key);
        return 0;
}

/* What api_tls_setup() found missing: the CA (new_ca; then also both client certificates) or a client's
 * certificate (*admin or *viewer NULL), with the CA's key ca_key (NULL for a new CA). GnuTLS is loaded for
 * it and unloaded again. A new CA's key is erased from memory once written to ca.key (GnuTLS's object of it
 * signs the client certificates). */
static int make_missing(const char *dir, bool new_ca, char **ca, const char *ca_key, char **admin, char **admin_key,
                        char **viewer, char **viewer_key) {
        gnutls_x509_crt_t ca_crt = NULL;
        gnutls_x509_privkey_t ca_k = NULL;
        int r;

        r = dlopen_gnutls();
        if (r < 0)
                return log_error_errno(r, "cannot make the API's certificates in %s without GnuTLS", dir);
        if (new_ca) {
                _cleanup_(erase_and_freep) char *new_key = NULL;

                r = make_key(&ca_k);
                if (r >= 0)
                        r = make_cert(CERT_CA, ca_k, "jobsd-ca", NULL, NULL, NULL, NULL, NULL, &ca_crt);
                if (r >= 0)
                        r = crt_pem(ca_crt, ca);
                if (r >= 0)
                        r = key_pem(ca_k, &new_key);
                if (r >= 0) {
                        /* Client certificates of an earlier CA are worthless: gone before the new CA is saved,
                         * so that they are made anew by the next start should this one stop half-way. */
                        _cleanup_(freep) char *old = strprintf("%s/admin.crt", dir), *old2 = strprintf("%s/viewer.crt", dir);
                        if (old)
                                (void) unlink(old);
                        if (old2)
                                (void) unlink(old2);
                        r = write_pem(dir, "ca.key", new_key);
                }
                if (r >= 0)
                        r = write_pem(dir, "ca.crt", *ca);
                if (r >= 0)
                        log_info("made the API's certificate authority in %s", dir);
        } else
                r = import_pair(*ca, ca_key, "API's certificate authority", &ca_crt, &ca_k);
        if (r >= 0 && !*admin)
                r = make_client(dir, "admin", API_ADMIN_USER, API_ADMIN_GROUP, ca_crt, ca_k, admin, admin_key);
        if (r >= 0 && !*viewer)
                r = make_client(dir, "viewer", API_VIEWER_USER, API_VIEWER_GROUP, ca_crt, ca_k, viewer, viewer_key);
        if (ca_crt)
                sym_gnutls_x509_crt_deinit(ca_crt);
        if (ca_k)
                sym_gnutls_x509_privkey_deinit(ca_k);
        dlclose_gnutls();
        return r;
}

int api_tls_setup(const char *state_dir, const char *host, char * const *sans, unsigned port, ApiTls *ret) {
        _cleanup_(freep) char *dir = strprintf("%s/api", state_dir), *ca = NULL, *admin = NULL, *viewer = NULL,
                *host_copy = strdup(host);
        _cleanup_(erase_and_freep) char *ca_key = NULL, *admin_key = NULL, *viewer_key = NULL;
        _cleanup_(strv_freep) char **sans_copy = NULL;
        bool new_ca = false;
        int r;

        if (!dir || !host_copy)
                return -ENOMEM;
        if (sans) {
                sans_copy = strv_copy(sans);
                if (!sans_copy)
                        return -ENOMEM;
        }
        r = read_pair(dir, "ca", &ca, &ca_key);
        if (r == -ENOENT)
                new_ca = true;  /* a first start: a new CA, and so new clients */
        else if (r < 0)
                return r;
        else {
                r = read_pair(dir, "admin", &admin, &admin_key);
                if (r < 0 && r != -ENOENT)
                        return r;
                r = read_pair(dir, "viewer", &viewer, &viewer_key);
                if (r < 0 && r != -ENOENT)
                        return r;
        }
        if (new_ca || !admin || !viewer) {
                r = make_missing(dir, new_ca, &ca, ca_key, &admin, &admin_key, &viewer, &viewer_key);
                if (r < 0)
                        return r;
        }
        /* The CA's key is read again at the API's first connection (api_tls_server_cert()), not kept. */
        erase_and_free(TAKE_PTR(ca_key));

        r = write_kubeconfig(state_dir, "kubeconfig", API_ADMIN_USER, host, port, ca, admin, admin_key);
        if (r >= 0)
                r = write_kubeconfig(state_dir, "kubeconfig-viewer", API_VIEWER_USER, host, port, ca, viewer, viewer_key);
        if (r < 0)
                return r;
        *ret = (ApiTls) {
                .dir = TAKE_PTR(dir),
                .ca_pem = TAKE_PTR(ca),
                .host = TAKE_PTR(host_copy),
                .sans = TAKE_PTR(sans_copy),
        };
        return 0;
}

int api_tls_server_cert(ApiTls *t) {
        _cleanup_(freep) char *srv = NULL, *what = NULL;
        _cleanup_(erase_and_freep) char *srv_key = NULL, *ca_key = NULL;
        gnutls_x509_crt_t ca_crt = NULL, c = NULL;
        gnutls_x509_privkey_t ca_k = NULL, k = NULL;
        int r;

        if (t->server_cert_pem)
                return 0;
        if (!t->ca_pem)
                return -EINVAL;
        what = strprintf("API's certificate authority in %s", t->dir);
        if (!what)
                return -ENOMEM;
        /* The CA's key from its file, now: jobsd holds it only for this. */
        r = read_key(t->dir, "ca.key", &ca_key);
        if (r == -ENOENT)
                return log_error_errno(r, "%s/ca.key, the key of the API's certificate authority, is gone: put it back (a new authority is made only at a start, with %s/ removed, which invalidates every kubeconfig)",
                                       t->dir, t->dir);
        if (r < 0)
                return r;
        if (!key_is_pem(ca_key))
                return log_error_errno(-EBADMSG, "%s/ca.key is not a PEM private key: put the authority's key back (a new authority is made only at a start, with %s/ removed, which invalidates every kubeconfig)",
                                       t->dir, t->dir);
        r = import_pair(t->ca_pem, ca_key, what, &ca_crt, &ca_k);
        /* GnuTLS has it now (and erases it at deinit). */
        erase_and_free(TAKE_PTR(ca_key));
        if (r >= 0)
                r = make_key(&k);
        if (r >= 0)
                r = make_cert(CERT_SERVER, k, "jobsd", NULL, t->host, t->sans, ca_crt, ca_k, &c);
        if (r >= 0)
                r = crt_pem(c, &srv);
        if (r >= 0)
                r = key_pem(k, &srv_key);
        if (c)
                sym_gnutls_x509_crt_deinit(c);
        if (k)
                sym_gnutls_x509_privkey_deinit(k);
        if (ca_crt)
                sym_gnutls_x509_crt_deinit(ca_crt);
        if (ca_k)
                sym_gnutls_x509_privkey_deinit(ca_k);
        if (r < 0)
                return r;
        t->server_cert_pem = TAKE_PTR(srv);
        t->server_key_pem = TAKE_PTR(srv_key);
        return 0;
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
        peers = sym_gnutls_certificate_get_peers(session, &n);
        if (!peers || n == 0)
                return -EACCES;
        /* The trust list is the CA alone (MHD_OPTION_HTTPS_MEM_TRUST). */
        g = sym_gnutls_certificate_verify_peers2(session, &status);
        if (g < 0 || status != 0)
                return -EACCES;
        if (sym_gnutls_x509_crt_init(&c) < 0)
                return -ENOMEM;
        g = sym_gnutls_x509_crt_import(c, &peers[0], GNUTLS_X509_FMT_DER);
        if (g >= 0)
                g = sym_gnutls_x509_crt_get_dn_by_oid(c, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &cn_size);
        for (unsigned i = 0; g >= 0; i++) {
                org_size = sizeof(org);
                if (sym_gnutls_x509_crt_get_dn_by_oid(c, GNUTLS_OID_X520_ORGANIZATION_NAME, i, 0, org, &org_size) < 0)
                        break;
                if (streq(org, API_ADMIN_GROUP))
                        admin = true;
        }
        sym_gnutls_x509_crt_deinit(c);
        if (g < 0)
                return -EACCES;
        *ret_user = strdup(cn);
        if (!*ret_user)
                return -ENOMEM;
        *ret_admin = admin;
        return 0;
}
