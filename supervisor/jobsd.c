/* SPDX-License-Identifier: Apache-2.0 */
/* jobsd's main(): options, readiness, the event loop; SIGTERM leaves pods running. */
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

#include "jobsd/log.h"
#include "config.h"
#include "jobsd/strv.h"
#include "job-run.h"
#include "manager.h"
#include "metrics.h"
#include "api-server.h"
#include "api-tls.h"

static bool arg_user = false;
static char *arg_manifest_dir = NULL;
static char *arg_state_dir = NULL;
static usec_t arg_backoff_base = 10 * USEC_PER_SEC;
static usec_t arg_backoff_max = 600 * USEC_PER_SEC;
#define UID_INVALID ((uid_t) -1)
static uid_t arg_mutating_uid = UID_INVALID;
static ContainerRuntime arg_default_runtime = CONTAINER_RUNTIME_HOST;
static char *arg_podman = NULL;
static char **arg_podman_args = NULL;
static char *arg_metrics_file = NULL;
static char *arg_api_listen = NULL;
static char **arg_api_sans = NULL;

/* A systemd time span: "100ms", "10s", "6min", "1h 30min", or plain seconds. */
static int parse_timespan(const char *s, usec_t *ret) {
        static const struct { const char *suffix; usec_t mul; } units[] = {
                { "us", 1 }, { "ms", USEC_PER_MSEC }, { "min", USEC_PER_MINUTE }, { "m", USEC_PER_MINUTE },
                { "sec", USEC_PER_SEC }, { "s", USEC_PER_SEC }, { "h", USEC_PER_HOUR }, { "d", USEC_PER_DAY },
                { "", USEC_PER_SEC },
        };
        usec_t total = 0;
        bool any = false;

        for (const char *p = s; *p;) {
                char *e;
                unsigned long long v;
                size_t i;

                while (*p == ' ')
                        p++;
                if (!*p)
                        break;
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                errno = 0;
                v = strtoull(p, &e, 10);
                if (errno)
                        return -ERANGE;
                p = e;
                for (i = 0; i < ELEMENTSOF(units); i++) {
                        size_t l = strlen(units[i].suffix);
                        if (strneq(p, units[i].suffix, l) && (p[l] == 0 || p[l] == ' ' || (p[l] >= '0' && p[l] <= '9'))) {
                                p += l;
                                break;
                        }
                }
                if (i == ELEMENTSOF(units))
                        return -EINVAL;
                if (v > UINT64_MAX / units[i].mul || total + v * units[i].mul < total)
                        return -ERANGE;
                total += v * units[i].mul;
                any = true;
        }
        if (!any)
                return -EINVAL;
        *ret = total;
        return 0;
}

static void help(void) {
        printf("Usage: jobsd [OPTIONS]\n"
               "\n"
               "Runs the Kubernetes Jobs of a manifest directory as transient systemd units.\n"
               "\n"
               "  -h --help                  Show this help\n"
               "     --version               Show the version\n"
               "     --system                Use the system manager (default)\n"
               "     --user                  Use the calling user's manager\n"
               "     --manifest-dir=DIR      Manifests (default %s; --user: ~/.config/jobs.d)\n"
               "     --state-dir=DIR         State (default %s; --user: ~/.local/state/jobsd)\n"
               "     --backoff-base=TIMESPAN First pod re-creation delay (default 10s)\n"
               "     --backoff-max=TIMESPAN  Longest re-creation delay (default 10min)\n"
               "     --default-runtime=host|podman\n"
               "                             Where containers run when their Job has no annotation\n"
               "                             jobsd.io/runtime (default host; docs/containers.md)\n"
               "     --podman=PATH           podman (default: podman from PATH)\n"
               "     --podman-arg=ARG        A global option for every podman call (repeatable; e.g.\n"
               "                             --root=DIR: a test's own image storage)\n"
               "     --mutating-uid=UID      The only caller that may change Jobs over the bus\n"
               "                             (a test aid; default root, --user: the running user)\n"
               "     --metrics-file=PATH     Write the Jobs' metrics in the Prometheus text format to\n"
               "                             PATH, for node_exporter's textfile collector (default:\n"
               "                             off; nothing is written while PATH's directory is\n"
               "                             missing; docs/metrics.md)\n"
               "     --api-listen=ADDRESS:PORT\n"
               "                             Serve the Kubernetes API over HTTPS with client\n"
               "                             certificates; kubeconfig in the state directory\n"
               "                             (default: off; docs/kubernetes-api.md)\n"
               "     --api-san=NAME          Another name (DNS name or IP address) of the server's\n"
               "                             certificate, beside localhost, 127.0.0.1 and the\n"
               "                             listen address (repeatable)\n"
               "See jobsd(8) and docs/.\n", JOBSD_MANIFEST_DIR, JOBSD_STATE_DIR);
}

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100, ARG_SYSTEM, ARG_USER, ARG_MANIFEST_DIR, ARG_STATE_DIR, ARG_BACKOFF_BASE, ARG_BACKOFF_MAX,
               ARG_MUTATING_UID, ARG_DEFAULT_RUNTIME, ARG_PODMAN, ARG_PODMAN_ARG, ARG_METRICS_FILE, ARG_API_LISTEN,
               ARG_API_SAN };
        static const struct option options[] = {
                { "help",         no_argument,       NULL, 'h'              },
                { "version",      no_argument,       NULL, ARG_VERSION      },
                { "system",       no_argument,       NULL, ARG_SYSTEM       },
                { "user",         no_argument,       NULL, ARG_USER         },
                { "manifest-dir", required_argument, NULL, ARG_MANIFEST_DIR },
                { "state-dir",    required_argument, NULL, ARG_STATE_DIR    },
                { "backoff-base", required_argument, NULL, ARG_BACKOFF_BASE },
                { "backoff-max",  required_argument, NULL, ARG_BACKOFF_MAX  },
                { "mutating-uid", required_argument, NULL, ARG_MUTATING_UID },
                { "default-runtime", required_argument, NULL, ARG_DEFAULT_RUNTIME },
                { "podman",       required_argument, NULL, ARG_PODMAN       },
                { "podman-arg",   required_argument, NULL, ARG_PODMAN_ARG   },
                { "metrics-file", required_argument, NULL, ARG_METRICS_FILE },
                { "api-listen",   required_argument, NULL, ARG_API_LISTEN   },
                { "api-san",      required_argument, NULL, ARG_API_SAN      },
                {}
        };
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("jobsd %s\n", JOBSD_VERSION);
                        return 0;
                case ARG_SYSTEM:
                        arg_user = false;
                        break;
                case ARG_USER:
                        arg_user = true;
                        break;
                case ARG_MANIFEST_DIR:
                        free(arg_manifest_dir);
                        arg_manifest_dir = strdup(optarg);
                        break;
                case ARG_STATE_DIR:
                        free(arg_state_dir);
                        arg_state_dir = strdup(optarg);
                        break;
                case ARG_BACKOFF_BASE:
                case ARG_BACKOFF_MAX:
                        r = parse_timespan(optarg, c == ARG_BACKOFF_BASE ? &arg_backoff_base : &arg_backoff_max);
                        if (r < 0 || (c == ARG_BACKOFF_BASE ? arg_backoff_base : arg_backoff_max) == 0) {
                                log_error("%s takes a time span such as 10s or 100ms, not '%s'",
                                          c == ARG_BACKOFF_BASE ? "--backoff-base" : "--backoff-max", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_MUTATING_UID: {
                        char *e;
                        unsigned long v;
                        errno = 0;
                        v = strtoul(optarg, &e, 10);
                        if (errno || e == optarg || *e || optarg[0] == '-' || v >= UID_INVALID) {
                                log_error("--mutating-uid takes a numeric UID, not '%s'", optarg);
                                return -EINVAL;
                        }
                        arg_mutating_uid = (uid_t) v;
                        break;
                }
                case ARG_DEFAULT_RUNTIME:
                        arg_default_runtime = container_runtime_from_string(optarg);
                        if (arg_default_runtime < 0) {
                                log_error("--default-runtime takes host or podman, not '%s'", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_PODMAN:
                        free(arg_podman);
                        arg_podman = strdup(optarg);
                        if (!arg_podman)
                                return -ENOMEM;
                        break;
                case ARG_PODMAN_ARG:
                        if (strv_extend(&arg_podman_args, optarg) < 0)
                                return -ENOMEM;
                        break;
                case ARG_METRICS_FILE:
                        if (!*optarg || endswith(optarg, "/")) {
                                fprintf(stderr, "jobsd: --metrics-file takes the path of a file, not '%s'\n", optarg);
                                return -EINVAL;
                        }
                        free(arg_metrics_file);
                        arg_metrics_file = strdup(optarg);
                        if (!arg_metrics_file)
                                return -ENOMEM;
                        break;
                case ARG_API_LISTEN:
                        free(arg_api_listen);
                        arg_api_listen = strdup(optarg);
                        if (!arg_api_listen)
                                return -ENOMEM;
                        break;
                case ARG_API_SAN:
                        if (!api_tls_san_valid(optarg)) {
                                fprintf(stderr, "jobsd: --api-san takes a DNS name or an IP address, not '%s'\n", optarg);
                                return -EINVAL;
                        }
                        if (strv_extend(&arg_api_sans, optarg) < 0)
                                return -ENOMEM;
                        break;
                case '?':
                        return -EINVAL;
                default:
                        abort();
                }
        if (optind < argc) {
                log_error("takes no arguments");
                return -EINVAL;
        }
        if (arg_api_sans && !arg_api_listen) {
                fprintf(stderr, "jobsd: --api-san names the API server's certificate: it needs --api-listen\n");
                return -EINVAL;
        }
        if (!arg_manifest_dir)
                arg_manifest_dir = arg_user ? strprintf("%s/jobs.d", getenv("XDG_CONFIG_HOME") ?:
                                                        strprintf("%s/.config", getenv("HOME") ?: "/")) :
                        strdup(JOBSD_MANIFEST_DIR);
        if (!arg_state_dir)
                arg_state_dir = arg_user ? strprintf("%s/jobsd", getenv("XDG_STATE_HOME") ?:
                                                     strprintf("%s/.local/state", getenv("HOME") ?: "/")) :
                        strdup(JOBSD_STATE_DIR);
        if (!arg_manifest_dir || !arg_state_dir)
                return -ENOMEM;
        return 1;
}

int main(int argc, char *argv[]) {
        Manager *m = NULL;
        JobConfig cfg;
        sigset_t ss;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? 2 : 0;
        cfg = (JobConfig) { .backoff_base_usec = arg_backoff_base, .backoff_max_usec = arg_backoff_max };
        /* Blocks above 128 KiB (a reply listing 10,000 Jobs, a reload's arrays) are mapped and given back
         * when freed. glibc's default raises that threshold to the size of the first such block freed,
         * and the later ones then stay in the heap (some 0.8 MiB more after one `jobctl get jobs` over
         * 10,000 Jobs); a threshold set disables that. */
        (void) mallopt(M_MMAP_THRESHOLD, 128 * 1024);

        /* sd-event needs the signals blocked before it takes them. */
        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigprocmask(SIG_BLOCK, &ss, NULL);

        r = manager_new(arg_user, arg_manifest_dir, arg_state_dir, &cfg, &m);
        if (r < 0) {
                log_error_errno(r, "cannot connect to the %s manager: %m", arg_user ? "user" : "system");
                return 1;
        }
        if (arg_mutating_uid != UID_INVALID)
                m->mutating_uid = arg_mutating_uid;
        m->default_runtime = arg_default_runtime;
        m->podman = TAKE_PTR(arg_podman);
        m->podman_args = TAKE_PTR(arg_podman_args);
        r = podman_host_detect(&m->podman_host);
        if (r < 0) {
                log_error_errno(r, "%m");
                manager_free(m);
                return 1;
        }
        {
                _cleanup_(freep) char *line = strv_join(m->podman_host.run_args, " ");
                log_info("containers run %s by default; podman run gets: %s%s",
                         container_runtime_to_string(m->default_runtime), strempty(line),
                         m->podman_host.cap_sys_resource ? "" : " (no CAP_SYS_RESOURCE: limits that need no raise)");
        }
        /* SIGTERM ends the loop and leaves the pods running: a restarted jobsd adopts them. */
        (void) sd_event_add_signal(m->event, NULL, SIGTERM, NULL, NULL);
        (void) sd_event_add_signal(m->event, NULL, SIGINT, NULL, NULL);

        r = manager_start(m);
        if (r < 0) {
                log_error_errno(r, "cannot start: %m");
                manager_free(m);
                return 1;
        }
        log_info("jobsd %s: %zu Job(s) from %s, state in %s", JOBSD_VERSION, m->n_jobs,
                 m->manifest_dir, m->state_dir);
        if (arg_metrics_file) {
                r = metrics_new(m, arg_metrics_file, &m->metrics);
                if (r < 0) {
                        log_error("--metrics-file=%s: %s", arg_metrics_file, strerror(-r));
                        manager_free(m);
                        return 1;
                }
        }
        if (arg_api_listen) {
                r = api_server_new(m, arg_api_listen, arg_api_sans, &m->api);
                if (r < 0) {
                        m->metrics = metrics_free(m->metrics);
                        manager_free(m);
                        return 1;
                }
        }
        (void) sd_notify(false, "READY=1\nSTATUS=Running Jobs");
        r = sd_event_loop(m->event);
        /* The loop ends with 0 on SIGTERM/SIGINT, with 1 when the bus connection is lost
         * (sd_bus_set_exit_on_disconnect()). (The bus is closed by then either way: sd-bus closes it when
         * the loop exits.) */
        if (r > 0)
                log_error("lost the connection to the %s bus: exiting", arg_user ? "user" : "system");
        (void) sd_notify(false, "STOPPING=1");
        manager_flush_lazy_saves(m);
        m->api = api_server_free(m->api);
        m->metrics = metrics_free(m->metrics);
        manager_free(m);
        free(arg_metrics_file);
        free(arg_api_listen);
        strv_free(arg_api_sans);
        free(arg_manifest_dir);
        free(arg_state_dir);
        return r != 0 ? 1 : 0;
}
