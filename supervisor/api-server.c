/* SPDX-License-Identifier: Apache-2.0 */
/* The Kubernetes API server: its socket from the start, libmicrohttpd in jobsd's event loop from a
 * connection until the API is idle, client certificates, routing. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "jobsd/log.h"
#include "jobsd/strv.h"
#include "api-create.h"
#include "api-discovery.h"
#include "api-dlopen.h"
#include "api-jobs.h"
#include "api-server.h"
#include "api-tls.h"
#include "api-watch.h"

/* Kubernetes' own limit on a request body is 3 MiB. */
#define API_BODY_MAX (3U * 1024U * 1024U)
/* An idle connection (no byte in either direction) is closed after this (a watch is never idle for
 * MHD: it is suspended between events, and MHD does not time out a suspended connection). */
#define API_IDLE_TIMEOUT_SEC 60U
/* At most this many connections at a time (open watches included), and at most half of the descriptors
 * jobsd may open (the rest are its journal, bus, inotify and pods' cgroups). */
#define API_CONNECTIONS_MAX 4096U
#define API_CONNECTIONS_MIN 16U
/* libmicrohttpd's memory per connection (request line and headers, the reply's headers, the send buffer
 * of a streamed reply): its default, 32 KiB, cost an open watch 9 KiB more; 16 KiB takes headers up to
 * about 15 KB. */
#define API_CONNECTION_MEMORY (16U * 1024U)
/* While the API cannot serve (its libraries or certificate failed), connections are closed as they come,
 * with a log line at most this often; an accept() that fails otherwise than for want of a connection (no
 * descriptor left) pauses the socket this long, so that a readable socket is no busy loop. */
#define API_REFUSED_LOG_USEC (10U * USEC_PER_SEC)
#define API_REFUSE_PAUSE_USEC (1U * USEC_PER_SEC)
/* After a failed start of MHD (the libraries, the certificates, descriptors), a connection that far on
 * tries again: a library being upgraded or a passing shortage of descriptors does not end the API. */
#define API_RETRY_USEC (10U * USEC_PER_SEC)
/* The API with no connection (no request, no watch, no keep-alive connection) this long: libmicrohttpd is
 * stopped and both libraries unloaded until the next connection. JOBSD_TEST_API_IDLE_USEC (a test aid,
 * docs/testing.md) makes it shorter. */
#define API_LIBS_IDLE_USEC (60U * USEC_PER_SEC)

struct ApiServer {
        Manager *manager;
        char *listen;                   /* --api-listen, for messages */
        int family;
        unsigned max_conns;
        /* The socket, bound and listening, from the start; watched by jobsd itself while MHD is not
         * running (until the first connection, and again once the API was idle). */
        int listen_fd;
        sd_event_source *listen_io;
        usec_t failed_usec;             /* CLOCK_MONOTONIC of a connection that could not start MHD: until
                                         * API_RETRY_USEC after it, connections are closed; 0: none */
        sd_event_source *pause;
        uint64_t refused_logged_usec;
        unsigned refused;
        uint64_t idle_usec;             /* API_LIBS_IDLE_USEC, or the test aid's */
        sd_event_source *idle;          /* armed (one shot) while MHD runs with no connection */
        /* How many times the libraries were loaded and unloaded: the first of each is logged at info, the
         * others (a client that polls less often than the idle period makes two a poll) at debug. */
        unsigned loads, unloads;
        /* While MHD runs (from a connection until the API was idle). */
        struct MHD_Daemon *mhd;
        sd_event_source *io;
        sd_event_source *timer;
        ApiTls tls;
        ApiWatchHub *hub;
};

/* What MHD keeps for one request between the calls of the access handler. */
typedef struct ApiRequest {
        char *body;
        size_t size;
        bool too_large;
        bool auth_checked;
        int auth;                       /* 0: a client certificate of our CA; < 0: none or another */
        char *user;
        bool admin;
} ApiRequest;

static void api_request_free(ApiRequest *r) {
        if (!r)
                return;
        free(r->body);
        free(r->user);
        free(r);
}

int api_reply_text(ApiCall *c, unsigned code, const char *text, size_t len, const char *content_type) {
        struct MHD_Response *resp;
        enum MHD_Result ok;

        resp = sym_MHD_create_response_from_buffer(len, (void *) text, MHD_RESPMEM_MUST_COPY);
        if (!resp)
                return -ENOMEM;
        (void) sym_MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type ?: "application/json");
        (void) sym_MHD_add_response_header(resp, "Cache-Control", "no-cache, private");
        STRV_FOREACH(w, c->warnings)
                (void) sym_MHD_add_response_header(resp, "Warning", *w);
        ok = sym_MHD_queue_response(c->conn, code, resp);
        sym_MHD_destroy_response(resp);
        c->code = code;
        return ok == MHD_YES ? 0 : -EIO;
}

int api_reply_json(ApiCall *c, unsigned code, json_object *o, const char *content_type) {
        _cleanup_(json_object_putp) json_object *obj = o;
        const char *text;

        if (!obj)
                return -ENOMEM;
        text = api_json_text(obj);
        if (!text)
                return -ENOMEM;
        return api_reply_text(c, code, text, strlen(text), content_type);
}

int api_reply_status(ApiCall *c, unsigned code, const char *reason, json_object *details, const char *fmt, ...) {
        _cleanup_(freep) char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        msg = vstrprintf(fmt, ap);
        va_end(ap);
        if (!msg) {
                json_object_put(details);
                return -ENOMEM;
        }
        return api_reply_json(c, code, api_status(code, reason, msg, details), NULL);
}

const char *api_query(ApiCall *c, const char *key) {
        return sym_MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, key);
}

void api_add_warning(ApiCall *c, const char *header) {
        (void) strv_extend(&c->warnings, header);
}

const char *api_header(ApiCall *c, const char *key) {
        return sym_MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, key);
}

static int split_path(const char *url, char ***ret, size_t *ret_n) {
        _cleanup_(strv_freep) char **l = NULL;
        size_t n = 0;

        for (const char *p = url; *p;) {
                size_t len;
                while (*p == '/')
                        p++;
                if (!*p)
                        break;
                len = strcspn(p, "/");
                if (strv_push(&l, strndup(p, len)) < 0)
                        return -ENOMEM;
                n++;
                p += len;
        }
        *ret = TAKE_PTR(l);
        *ret_n = n;
        return 0;
}

static bool path_is(ApiCall *c, size_t n, ...) {
        va_list ap;
        bool match = c->n_path == n;

        va_start(ap, n);
        for (size_t i = 0; match && i < n; i++)
                match = streq(c->path[i], va_arg(ap, const char *));
        va_end(ap);
        return match;
}

static int reply_not_found(ApiCall *c) {
        return api_reply_status(c, MHD_HTTP_NOT_FOUND, "NotFound", NULL, "the server could not find the requested resource");
}

/* /healthz, /livez, /readyz: the loop answers, so jobsd is alive; ready once it serves (after its first load). */
static int reply_health(ApiCall *c) {
        return api_reply_text(c, 200, "ok", 2, "text/plain; charset=utf-8");
}

static int route(ApiCall *c) {
        typedef int (*Handler)(ApiCall *c);
        static const struct {
                const char *path;
                Handler get;
        } fixed[] = {
                { "version",       api_discovery_version   },
                { "api",           api_discovery_api       },
                { "apis",          api_discovery_apis      },
                { "api/v1",        api_discovery_core_v1   },
                { "apis/batch/v1", api_discovery_batch_v1  },
                { "healthz",       reply_health            },
                { "livez",         reply_health            },
                { "readyz",        reply_health            },
        };

        for (size_t i = 0; i < ELEMENTSOF(fixed); i++) {
                _cleanup_(freep) char *joined = strv_join(c->path, "/");
                if (!joined)
                        return -ENOMEM;
                if (!streq(joined, fixed[i].path))
                        continue;
                if (!streq(c->method, "GET") && !streq(c->method, "HEAD"))
                        return api_reply_status(c, MHD_HTTP_METHOD_NOT_ALLOWED, "MethodNotAllowed", NULL,
                                                "the server does not allow this method on the requested resource");
                return fixed[i].get(c);
        }
        if (c->n_path >= 2 && streq(c->path[0], "openapi") && streq(c->path[1], "v3")) {
                if (!streq(c->method, "GET") && !streq(c->method, "HEAD"))
                        return api_reply_status(c, MHD_HTTP_METHOD_NOT_ALLOWED, "MethodNotAllowed", NULL,
                                                "the server does not allow this method on the requested resource");
                return api_openapi_v3(c);
        }
        if (c->n_path > 3 && streq(c->path[0], "apis") && streq(c->path[1], "batch") && streq(c->path[2], "v1"))
                return api_batch_route(c, c->path + 3, c->n_path - 3);
        if (c->n_path > 2 && streq(c->path[0], "api") && streq(c->path[1], "v1"))
                return api_core_route(c, c->path + 2, c->n_path - 2);
        (void) path_is;
        return reply_not_found(c);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls) {
        ApiServer *a = cls;
        ApiRequest *req = *con_cls;
        int r;

        if (!req) {
                const union MHD_ConnectionInfo *info;

                req = calloc(1, sizeof(ApiRequest));
                if (!req)
                        return MHD_NO;
                info = sym_MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
                req->auth = api_tls_client_user(info ? (gnutls_session_t) info->tls_session : NULL, &req->user, &req->admin);
                *con_cls = req;
                return MHD_YES;
        }
        if (*upload_data_size > 0) {
                /* The body of an unauthenticated client, or beyond the limit, is read and dropped. */
                if (req->auth == 0 && !req->too_large) {
                        if (*upload_data_size > API_BODY_MAX - req->size) {
                                req->too_large = true;
                                req->body = mfree(req->body);
                                req->size = 0;
                        } else {
                                char *b = realloc(req->body, req->size + *upload_data_size + 1);
                                if (!b)
                                        return MHD_NO;
                                memcpy(b + req->size, upload_data, *upload_data_size);
                                req->size += *upload_data_size;
                                b[req->size] = 0;
                                req->body = b;
                        }
                }
                *upload_data_size = 0;
                return MHD_YES;
        }

        ApiCall c = {
                .server = a,
                .manager = a->manager,
                .conn = conn,
                .method = method,
                .body = req->body ?: "",
                .body_size = req->size,
                .user = req->user,
                .admin = req->admin,
        };
        if (req->auth < 0)
                r = api_reply_status(&c, MHD_HTTP_UNAUTHORIZED, "Unauthorized", NULL, "Unauthorized");
        else if (req->too_large)
                r = api_reply_status(&c, MHD_HTTP_CONTENT_TOO_LARGE, "RequestEntityTooLarge", NULL,
                                     "the request body is larger than %u bytes", API_BODY_MAX);
        else {
                r = split_path(url, &c.path, &c.n_path);
                if (r >= 0)
                        r = route(&c);
                strv_free(c.path);
                strv_free(c.warnings);
        }
        if (r < 0 && c.code == 0) {
                log_warning_errno(r, "API: %s %s: %m", method, url);
                r = api_reply_status(&c, MHD_HTTP_INTERNAL_SERVER_ERROR, "InternalError", NULL,
                                     "Internal error occurred: %s", strerror(-r));
        }
        return r < 0 ? MHD_NO : MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe) {
        api_request_free(*con_cls);
        *con_cls = NULL;
}

_printf_(2, 0) static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
        _cleanup_(freep) char *msg = vstrprintf(fmt, ap);
        size_t l;

        if (!msg)
                return;
        l = strlen(msg);
        while (l > 0 && msg[l - 1] == '\n')
                msg[--l] = 0;
        log_info("API: %s", msg);
}

static unsigned api_server_connections(ApiServer *a) {
        const union MHD_DaemonInfo *info = sym_MHD_get_daemon_info(a->mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);

        /* Suspended connections (watches, followed logs between lines) are counted too. */
        return info ? info->num_connections : 1;
}

/* MHD does its work, then says when it wants to run again (0: at once, data already buffered). The last
 * connection gone, the idle timer starts (once: it is not moved by later runs without connections). */
static void api_server_run(ApiServer *a) {
        MHD_UNSIGNED_LONG_LONG timeout;
        uint64_t now;
        int enabled = SD_EVENT_OFF;

        (void) sym_MHD_run(a->mhd);
        (void) sd_event_now(a->manager->event, CLOCK_MONOTONIC, &now);
        if (sym_MHD_get_timeout(a->mhd, &timeout) == MHD_YES) {
                (void) sd_event_source_set_time(a->timer, now + (uint64_t) timeout * USEC_PER_MSEC);
                (void) sd_event_source_set_enabled(a->timer, SD_EVENT_ONESHOT);
        } else
                (void) sd_event_source_set_enabled(a->timer, SD_EVENT_OFF);
        (void) sd_event_source_get_enabled(a->idle, &enabled);
        if (api_server_connections(a) > 0)
                (void) sd_event_source_set_enabled(a->idle, SD_EVENT_OFF);
        else if (enabled == SD_EVENT_OFF) {
                (void) sd_event_source_set_time(a->idle, now + a->idle_usec);
                (void) sd_event_source_set_enabled(a->idle, SD_EVENT_ONESHOT);
        }
}

void api_server_kick(ApiServer *a) {
        if (!a || !a->timer)
                return;
        (void) sd_event_source_set_time(a->timer, 0);
        (void) sd_event_source_set_enabled(a->timer, SD_EVENT_ONESHOT);
}

ApiWatchHub *api_server_watch_hub(ApiServer *a) {
        return a ? a->hub : NULL;
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        api_server_run(userdata);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        api_server_run(userdata);
        return 0;
}

/* "ADDRESS:PORT", "[IPv6]:PORT". */
static int parse_listen(const char *listen, struct sockaddr_storage *ret, char **ret_host, unsigned *ret_port) {
        _cleanup_(freep) char *host = NULL;
        const char *colon;
        char *e;
        unsigned long port;

        if (listen[0] == '[') {
                const char *close = strchr(listen, ']');
                if (!close || close[1] != ':')
                        return -EINVAL;
                host = strndup(listen + 1, close - listen - 1);
                colon = close + 1;
        } else {
                colon = strrchr(listen, ':');
                if (!colon)
                        return -EINVAL;
                host = strndup(listen, colon - listen);
        }
        if (!host)
                return -ENOMEM;
        errno = 0;
        port = strtoul(colon + 1, &e, 10);
        if (errno || e == colon + 1 || *e || port == 0 || port > 65535)
                return -EINVAL;
        memset(ret, 0, sizeof(*ret));
        if (streq(host, "localhost")) {
                free(host);
                host = strdup("127.0.0.1");
                if (!host)
                        return -ENOMEM;
        }
        if (inet_pton(AF_INET, host, &((struct sockaddr_in *) ret)->sin_addr) == 1) {
                ((struct sockaddr_in *) ret)->sin_family = AF_INET;
                ((struct sockaddr_in *) ret)->sin_port = htons(port);
        } else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *) ret)->sin6_addr) == 1) {
                ((struct sockaddr_in6 *) ret)->sin6_family = AF_INET6;
                ((struct sockaddr_in6 *) ret)->sin6_port = htons(port);
        } else
                return -EINVAL;
        *ret_host = TAKE_PTR(host);
        *ret_port = port;
        return 0;
}

/* Each connection is a descriptor: the soft RLIMIT_NOFILE is raised to the hard one (systemd's advice for a
 * program that needs many and uses no select(); pods are started by systemd, so they inherit nothing of
 * it), and the connection cap is derived from it. */
static unsigned connections_max(void) {
        struct rlimit nofile;

        if (getrlimit(RLIMIT_NOFILE, &nofile) < 0)
                return API_CONNECTIONS_MIN;
        if (nofile.rlim_cur != nofile.rlim_max) {
                struct rlimit raised = { .rlim_cur = nofile.rlim_max, .rlim_max = nofile.rlim_max };
                if (setrlimit(RLIMIT_NOFILE, &raised) < 0)
                        log_warning_errno(-errno, "cannot raise the open file limit from %llu to %llu, the API takes fewer connections: %m",
                                          (unsigned long long) nofile.rlim_cur, (unsigned long long) nofile.rlim_max);
                else
                        nofile = raised;
        }
        if (nofile.rlim_cur == RLIM_INFINITY || nofile.rlim_cur / 2 >= API_CONNECTIONS_MAX)
                return API_CONNECTIONS_MAX;
        return MAX((unsigned) (nofile.rlim_cur / 2), API_CONNECTIONS_MIN);
}

static int safe_close(int fd) {
        if (fd >= 0)
                (void) close(fd);
        return -EBADF;
}

/* The socket, as libmicrohttpd would make it: SO_REUSEADDR, IPv6 only for an IPv6 address. */
static int listen_socket(const struct sockaddr_storage *sa) {
        _cleanup_(closep) int fd = -EBADF;
        int one = 1;
        socklen_t len = sa->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);

        fd = socket(sa->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
                return -errno;
        if (sa->ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
                return -errno;
        if (bind(fd, (const struct sockaddr *) sa, len) < 0)
                return -errno;
        if (listen(fd, SOMAXCONN) < 0)
                return -errno;
        return TAKE_FD(fd);
}

/* Whether fd is still a descriptor of the same socket as other (libmicrohttpd closes the socket it was given
 * on some of its failures, not on others). */
static bool same_socket(int fd, int other) {
        struct stat a, b;

        return fstat(fd, &a) >= 0 && fstat(other, &b) >= 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static void api_server_stop_mhd(ApiServer *a) {
        if (a->mhd) {
                /* Suspended connections must be resumed before MHD stops. */
                api_watch_hub_shutdown(a->hub);
                (void) sym_MHD_run(a->mhd);
                sym_MHD_stop_daemon(a->mhd);
                a->mhd = NULL;
        }
        a->io = sd_event_source_disable_unref(a->io);
        a->timer = sd_event_source_disable_unref(a->timer);
        if (a->idle)
                (void) sd_event_source_set_enabled(a->idle, SD_EVENT_OFF);
}

/* The first connection (and the first after the API was idle): the libraries, the server certificate (made
 * once per run: kept as text), then MHD on a copy of the socket, in the loop as before; the connection
 * waiting in the backlog is MHD's first. jobsd keeps its own descriptor of the socket for after. */
static int api_server_start_mhd(ApiServer *a) {
        _cleanup_(closep) int fd = -EBADF;
        const union MHD_DaemonInfo *info;
        int r;

        r = dlopen_api_libs();
        if (r < 0)
                return r;
        r = api_tls_server_cert(&a->tls);
        if (r < 0)
                return log_error_errno(r, "cannot make the API's server certificate: %m");
        fd = fcntl(a->listen_fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return log_error_errno(-errno, "cannot copy the API's socket: %m");
        a->mhd = sym_MHD_start_daemon(MHD_USE_TLS | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG |
                                      (a->family == AF_INET6 ? MHD_USE_IPv6 : 0),
                                      0, NULL, NULL, on_request, a,
                                      MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, a,
                                      MHD_OPTION_LISTEN_SOCKET, (MHD_socket) fd,
                                      MHD_OPTION_HTTPS_MEM_CERT, a->tls.server_cert_pem,
                                      MHD_OPTION_HTTPS_MEM_KEY, a->tls.server_key_pem,
                                      MHD_OPTION_HTTPS_MEM_TRUST, a->tls.ca_pem,
                                      MHD_OPTION_CONNECTION_TIMEOUT, API_IDLE_TIMEOUT_SEC,
                                      MHD_OPTION_CONNECTION_LIMIT, a->max_conns,
                                      MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) API_CONNECTION_MEMORY,
                                      MHD_OPTION_NOTIFY_COMPLETED, on_completed, a,
                                      MHD_OPTION_END);
        if (!a->mhd) {
                r = errno > 0 ? -errno : -EIO;
                if (!same_socket(fd, a->listen_fd))
                        TAKE_FD(fd);    /* MHD closed it */
                return log_error_errno(r, "libmicrohttpd cannot serve the API: %m");
        }
        TAKE_FD(fd);                    /* MHD's now: MHD_stop_daemon() closes it */
        info = sym_MHD_get_daemon_info(a->mhd, MHD_DAEMON_INFO_EPOLL_FD);
        if (!info) {
                r = log_error_errno(-EIO, "libmicrohttpd has no epoll descriptor");
                goto fail;
        }
        r = sd_event_add_io(a->manager->event, &a->io, info->epoll_fd, EPOLLIN, on_io, a);
        if (r < 0)
                goto fail;
        (void) sd_event_source_set_description(a->io, "api-server");
        /* Accuracy 1 µs: sd-event's default (250 ms) would hold back MHD's "run again at once" (timeout 0,
         * more of a response to send) by up to a quarter of a second per TLS record. */
        r = sd_event_add_time(a->manager->event, &a->timer, CLOCK_MONOTONIC, 0, 1, on_timer, a);
        if (r < 0)
                goto fail;
        (void) sd_event_source_set_enabled(a->timer, SD_EVENT_OFF);
        /* MHD watches the socket now. */
        (void) sd_event_source_set_enabled(a->listen_io, SD_EVENT_OFF);
        if (a->loads++ == 0)
                log_info("Kubernetes API: libmicrohttpd and GnuTLS loaded, server certificate made, serving on %s", a->listen);
        else
                (void) log_full_errno(LOG_DEBUG, 0, "Kubernetes API: libmicrohttpd and GnuTLS loaded again (load %u), serving on %s",
                                      a->loads, a->listen);
        api_server_run(a);
        return 0;
fail:
        api_server_stop_mhd(a);
        return r;
}

/* No connection for the idle period: MHD stopped (it closes its copy of the socket), both libraries
 * unloaded, and the socket watched by jobsd again, as before the first connection. */
static int on_idle(sd_event_source *s, uint64_t usec, void *userdata) {
        ApiServer *a = userdata;

        if (!a->mhd || api_server_connections(a) > 0)
                return 0;
        api_server_stop_mhd(a);
        dlclose_api_libs();
        (void) sd_event_source_set_enabled(a->listen_io, SD_EVENT_ON);
        if (a->unloads++ == 0)
                log_info("Kubernetes API: no connection for %" PRIu64 " s, libmicrohttpd and GnuTLS unloaded until the next one (later loads and unloads are logged at debug level)",
                         a->idle_usec / USEC_PER_SEC);
        else
                (void) log_full_errno(LOG_DEBUG, 0, "Kubernetes API: no connection for %" PRIu64 " s, libmicrohttpd and GnuTLS unloaded until the next one (unload %u)",
                                      a->idle_usec / USEC_PER_SEC, a->unloads);
        return 0;
}

static int on_pause_end(sd_event_source *s, uint64_t usec, void *userdata) {
        ApiServer *a = userdata;

        (void) sd_event_source_set_enabled(a->listen_io, SD_EVENT_ON);
        return 0;
}

/* The API cannot serve: each connection is accepted and closed at once (a client sees its TLS handshake
 * fail), with a log line at most every 10 s. */
static void refuse_connections(ApiServer *a) {
        uint64_t now = 0;

        for (;;) {
                int fd = accept4(a->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd >= 0) {
                        (void) close(fd);
                        a->refused++;
                        continue;
                }
                if (errno == EINTR || errno == ECONNABORTED)
                        continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                        break;
                /* No descriptor left, or worse: the socket waits a second. */
                log_warning_errno(-errno, "API: cannot accept a connection on %s, pausing for a second: %m", a->listen);
                (void) sd_event_source_set_enabled(a->listen_io, SD_EVENT_OFF);
                (void) sd_event_now(a->manager->event, CLOCK_MONOTONIC, &now);
                if (!a->pause) {
                        if (sd_event_add_time(a->manager->event, &a->pause, CLOCK_MONOTONIC, now + API_REFUSE_PAUSE_USEC, 0,
                                              on_pause_end, a) < 0)
                                break;
                        (void) sd_event_source_set_description(a->pause, "api-pause");
                } else
                        (void) sd_event_source_set_time(a->pause, now + API_REFUSE_PAUSE_USEC);
                (void) sd_event_source_set_enabled(a->pause, SD_EVENT_ONESHOT);
                break;
        }
        (void) sd_event_now(a->manager->event, CLOCK_MONOTONIC, &now);
        if (a->refused > 0 && (a->refused_logged_usec == 0 || now >= a->refused_logged_usec + API_REFUSED_LOG_USEC)) {
                log_warning("API: closed %u connection%s on %s: the API cannot serve (its libraries or certificates failed, logged then); a connection %u s after the failure tries again",
                            a->refused, a->refused == 1 ? "" : "s", a->listen, (unsigned) (API_RETRY_USEC / USEC_PER_SEC));
                a->refused = 0;
                a->refused_logged_usec = now;
        }
}

static int on_listen(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        ApiServer *a = userdata;
        usec_t now = 0;
        int r;

        (void) sd_event_now(a->manager->event, CLOCK_MONOTONIC, &now);
        if (a->failed_usec == 0 || now >= a->failed_usec + API_RETRY_USEC) {
                r = api_server_start_mhd(a);
                if (r >= 0) {
                        a->failed_usec = 0;
                        return 0;
                }
                a->failed_usec = MAX(now, (usec_t) 1);
                log_error_errno(r, "the Kubernetes API on %s cannot serve: jobsd goes on without it, closes its connections, and tries again at one %u s on: %m",
                                a->listen, (unsigned) (API_RETRY_USEC / USEC_PER_SEC));
                dlclose_api_libs();     /* what of them was loaded */
        }
        refuse_connections(a);
        return 0;
}

int api_server_new(Manager *m, const char *listen, char * const *sans, ApiServer **ret) {
        _cleanup_(freep) char *host = NULL;
        struct sockaddr_storage sa;
        unsigned port;
        ApiServer *a;
        int r;

        r = parse_listen(listen, &sa, &host, &port);
        if (r == -EINVAL)
                return log_error_errno(r, "--api-listen takes ADDRESS:PORT (an IP address, [IPv6] or localhost), not '%s'",
                                       listen);
        if (r < 0)
                return r;
        a = calloc(1, sizeof(ApiServer));
        if (!a)
                return -ENOMEM;
        a->manager = m;
        a->listen_fd = -EBADF;
        a->family = sa.ss_family;
        a->listen = strdup(listen);
        if (!a->listen) {
                r = -ENOMEM;
                goto fail;
        }
        r = api_watch_hub_new(m, &a->hub);
        if (r < 0)
                goto fail;
        /* The socket first: a bad or busy address is a start-up error, and clients may connect from READY
         * on (their connections wait in the backlog until the loop runs). */
        r = listen_socket(&sa);
        if (r < 0) {
                r = log_error_errno(r, "cannot listen on %s for the API: %m", listen);
                goto fail;
        }
        a->listen_fd = r;
        r = api_tls_setup(m->state_dir, host, sans, port, &a->tls);
        if (r < 0)
                goto fail;
        a->max_conns = connections_max();
        a->idle_usec = API_LIBS_IDLE_USEC;
        {
                /* Test aid (tests/integration/test-api-lazy.sh): a short idle period. */
                const char *e = getenv("JOBSD_TEST_API_IDLE_USEC");
                if (e && strtoull(e, NULL, 10) > 0)
                        a->idle_usec = strtoull(e, NULL, 10);
        }
        r = sd_event_add_time(m->event, &a->idle, CLOCK_MONOTONIC, 0, 0, on_idle, a);
        if (r < 0)
                goto fail;
        (void) sd_event_source_set_enabled(a->idle, SD_EVENT_OFF);
        (void) sd_event_source_set_description(a->idle, "api-idle");
        r = sd_event_add_io(m->event, &a->listen_io, a->listen_fd, EPOLLIN, on_listen, a);
        if (r < 0)
                goto fail;
        (void) sd_event_source_set_description(a->listen_io, "api-listen");
        log_info("Kubernetes API on https://%s%s%s:%u (at most %u connections; libmicrohttpd and GnuTLS loaded at the first, unloaded after %" PRIu64 " s without any), kubeconfig in %s/kubeconfig",
                 strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", port, a->max_conns,
                 a->idle_usec / USEC_PER_SEC, m->state_dir);
        *ret = a;
        return 0;
fail:
        api_server_free(a);
        return r;
}

ApiServer *api_server_free(ApiServer *a) {
        if (!a)
                return NULL;
        api_server_stop_mhd(a);
        dlclose_api_libs();
        a->idle = sd_event_source_disable_unref(a->idle);
        a->hub = api_watch_hub_free(a->hub);
        a->listen_io = sd_event_source_disable_unref(a->listen_io);
        a->pause = sd_event_source_disable_unref(a->pause);
        a->listen_fd = safe_close(a->listen_fd);
        api_tls_done(&a->tls);
        free(a->listen);
        free(a);
        return NULL;
}
