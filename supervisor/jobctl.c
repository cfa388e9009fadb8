/* SPDX-License-Identifier: Apache-2.0 */
/* jobctl: options and verbs; validate, render, apply and delete -f, which need no jobsd. */
#include <getopt.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <time.h>

#include "config.h"
#include "jobctl.h"
#include "jobctl-cronjob.h"
#include "jobctl-job.h"
#include "jobctl-output.h"
#include "jobsd/manifest.h"
#include "jobsd/render.h"
#include "jobsd/strv.h"

/* Exit codes (docs/jobctl.md): */
#define EXIT_INVALID 1          /* a manifest is invalid or cannot be read or rendered */
/* EXIT_USAGE (2): a bad command line (jobctl.h) */
#define MANIFEST_SIZE_MAX_PLUS_ONE (1024 * 1024 + 1)

bool jobctl_arg_user = false;
const char *jobctl_arg_output = NULL;
const char *jobctl_arg_journal_dir = NULL;

static bool arg_user = false;
static bool arg_dry_run = false;
static const char *arg_manifest_dir = NULL;
static char *arg_rest[256];
static int n_rest = 0;

static int log_oom_exit(void) {
        fprintf(stderr, "jobctl: out of memory\n");
        return EXIT_INVALID;
}
static usec_t arg_now = 0;

static void help(void) {
        printf("Usage: jobctl [OPTIONS] COMMAND ...\n"
               "\n"
               "Run and inspect Kubernetes batch/v1 Jobs and CronJobs on this machine.\n"
               "\n"
               "Commands:\n"
               "  validate FILE|DIR...   Check manifests as Kubernetes would; errors as FILE:LINE:COLUMN\n"
               "  render FILE            Show every systemd unit a manifest becomes\n"
               "  get jobs [NAME]        List Jobs (NAME STATUS COMPLETIONS DURATION AGE)\n"
               "  get job NAME -o json|yaml\n"
               "                         The whole Job object with its status\n"
               "  get pods [-l job-name=NAME]\n"
               "                         List pods (NAME READY STATUS RESTARTS AGE; -o wide: units)\n"
               "  describe job NAME      Show a Job in detail, with its conditions and events\n"
               "  wait job/NAME --for=condition=Complete|Failed [--timeout=DURATION]\n"
               "                         DURATION as Go writes it: 30s (the default), 1m30s, 500ms\n"
               "  logs NAME [--index N] [-c CONTAINER] [-f]\n"
               "                         The pods' output, from the journal\n"
               "  delete job NAME [--cascade=background|foreground|orphan]\n"
               "  apply -f FILE [--dry-run]\n"
               "                         Validate, then install the manifest in the manifest directory\n"
               "  delete -f FILE         Remove that manifest from the manifest directory\n"
               "  rerun job NAME         Run a finished Job again\n"
               "  suspend job NAME       Suspend a Job: its pods stop, uncounted, until resumed\n"
               "  resume job NAME        Resume a suspended Job\n"
               "  get cronjobs [NAME]    List CronJobs (NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE;\n"
               "                         -o wide adds NEXT SCHEDULE and TIMER; -o json|yaml)\n"
               "  describe cronjob NAME  Show a CronJob, its Jobs, next slot and events\n"
               "  suspend|resume cronjob NAME\n"
               "  create job NAME --from=cronjob/CRONJOB\n"
               "                         Run a CronJob's template now, as a Job named NAME\n"
               "  trigger cronjob/NAMESPACE/NAME\n"
               "                         What a CronJob's timer runs: tells jobsd to look for a due slot\n"
               "\n"
               "Options:\n"
               "  -h --help              Show this help\n"
               "     --version           Show the version\n"
               "     --system            Talk to the system instance of jobsd (default)\n"
               "     --user              Talk to the user instance of jobsd\n"
               "     --now=@SECONDS      render: take this time (seconds since the epoch) as now\n"
               "  -o --output=FORMAT     get: wide, json, yaml or name\n"
               "     --journal-dir=DIR   logs: read the journal files in DIR\n"
               "     --manifest-dir=DIR  apply, delete -f: the manifest directory when jobsd is not\n"
               "                         running (else jobsd's own, which jobctl asks it for)\n"
               "\n"
               "Exit status: 0 success, 1 invalid manifest, 2 usage error.\n"
               "See jobctl(1) and docs/jobctl.md.\n");
}

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100, ARG_SYSTEM, ARG_USER, ARG_NOW, ARG_JOURNAL_DIR, ARG_DRY_RUN, ARG_MANIFEST_DIR };
        static const struct option options[] = {
                { "help",    no_argument,       NULL, 'h'         },
                { "version", no_argument,       NULL, ARG_VERSION },
                { "system",  no_argument,       NULL, ARG_SYSTEM  },
                { "user",    no_argument,       NULL, ARG_USER    },
                { "now",         required_argument, NULL, ARG_NOW         },
                { "output",      required_argument, NULL, 'o'             },
                { "journal-dir", required_argument, NULL, ARG_JOURNAL_DIR },
                { "dry-run",      optional_argument, NULL, ARG_DRY_RUN      },
                { "manifest-dir", required_argument, NULL, ARG_MANIFEST_DIR },
                {}
        };
        int c;

        /* Options may stand anywhere, as kubectl's flags; getopt moves them before the verb. Verbs' own
         * options (--for=, --timeout=, -c, -f, -l, --index, --cascade=) are passed through. */
        opterr = 0;
        while ((c = getopt_long(argc, argv, "-ho:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("jobctl %s\n", JOBSD_VERSION);
                        return 0;
                case ARG_SYSTEM:
                        arg_user = false;
                        break;
                case ARG_USER:
                        arg_user = true;
                        break;
                case 'o':
                        if (!STR_IN_SET(optarg, "json", "yaml", "wide", "name")) {
                                fprintf(stderr, "error: unable to match a printer suitable for the output format \"%s\", "
                                        "allowed formats are: json,name,wide,yaml\n", optarg);
                                return -EINVAL;
                        }
                        jobctl_arg_output = optarg;
                        break;
                case ARG_JOURNAL_DIR:
                        jobctl_arg_journal_dir = optarg;
                        break;
                case ARG_DRY_RUN:
                        arg_dry_run = !optarg || !streq(optarg, "none");
                        break;
                case ARG_MANIFEST_DIR:
                        arg_manifest_dir = optarg;
                        break;
                case 1:
                        /* A verb or an argument: kept in order. */
                        arg_rest[n_rest++] = optarg;
                        break;
                case ARG_NOW: {
                        char *e;
                        unsigned long long v;
                        errno = 0;
                        v = strtoull(optarg[0] == '@' ? optarg + 1 : optarg, &e, 10);
                        if (errno || *e || e == optarg || v > UINT64_MAX / USEC_PER_SEC) {
                                fprintf(stderr, "jobctl: --now takes @SECONDS since the epoch, not '%s'\n", optarg);
                                return -EINVAL;
                        }
                        arg_now = (usec_t) v * USEC_PER_SEC;
                        break;
                }
                case '?':
                        /* A verb's own option: kept in order, with its value if it has one. */
                        arg_rest[n_rest++] = argv[optind - 1];
                        if ((streq(argv[optind - 1], "-c") || streq(argv[optind - 1], "-l") ||
                             streq(argv[optind - 1], "--index") ||
                             /* -f FILE for apply and delete; for logs, -f is --follow */
                             (streq(argv[optind - 1], "-f") && n_rest > 0 &&
                              (streq(arg_rest[0], "apply") || streq(arg_rest[0], "delete")))) && optind < argc)
                                arg_rest[n_rest++] = argv[optind++];
                        break;
                default:
                        abort();
                }
        for (; optind < argc; optind++)
                arg_rest[n_rest++] = argv[optind];
        arg_rest[n_rest] = NULL;
        jobctl_arg_user = arg_user;
        return 1;
}

static const char *manifest_name(const Manifest *m) {
        const ObjectMeta *meta = m->kind == MANIFEST_JOB ? &m->job->metadata : &m->cron_job->metadata;
        return meta->name ?: meta->generate_name;
}

static int load_path(const char *path, ManifestList *list, DiagList *diags) {
        struct stat st;

        if (stat(path, &st) >= 0 && S_ISDIR(st.st_mode))
                return manifest_load_directory(path, list, diags);
        return manifest_load_file(path, list, diags);
}

static int verb_validate(int argc, char *argv[]) {
        FILE *out = jobctl_stdout();
        _cleanup_(manifest_list_done) ManifestList list = {};
        _cleanup_(diag_list_done) DiagList diags = {};
        int r;

        if (argc < 2) {
                fprintf(stderr, "jobctl validate: expects at least one FILE or DIR\n");
                return EXIT_USAGE;
        }
        for (int i = 1; i < argc; i++) {
                r = load_path(argv[i], &list, &diags);
                if (r < 0) {
                        fprintf(stderr, "jobctl: %s: %s\n", argv[i], strerror(-r));
                        return EXIT_INVALID;
                }
        }
        diag_list_print(&diags, stderr);
        for (size_t i = 0; i < list.n; i++)
                fprintf(out, "%s: %s %s/%s: valid\n", list.items[i].file, manifest_kind_to_string(list.items[i].kind),
                             job_namespace(list.items[i].kind == MANIFEST_JOB ? &list.items[i].job->metadata :
                                           &list.items[i].cron_job->metadata),
                             manifest_name(list.items + i));
        if (diag_list_has_errors(&diags)) {
                fprintf(stderr, "%zu error(s), %zu warning(s); %zu manifest(s) valid\n",
                        diag_list_count(&diags, DIAG_ERROR), diag_list_count(&diags, DIAG_WARNING), list.n);
                return EXIT_INVALID;
        }
        return 0;
}

static int verb_render(int argc, char *argv[]) {
        FILE *out = jobctl_stdout();
        _cleanup_(manifest_list_done) ManifestList list = {};
        _cleanup_(diag_list_done) DiagList diags = {};
        char host[256] = "localhost";
        struct sysinfo si = {};
        usec_t now = arg_now;
        int r, ret = 0;

        if (argc != 2) {
                fprintf(stderr, "jobctl render: expects exactly one FILE\n");
                return EXIT_USAGE;
        }
        r = manifest_load_file(argv[1], &list, &diags);
        if (r < 0) {
                fprintf(stderr, "jobctl: %s: %s\n", argv[1], strerror(-r));
                return EXIT_INVALID;
        }
        diag_list_print(&diags, stderr);
        if (diag_list_has_errors(&diags))
                ret = EXIT_INVALID;

        if (now == 0) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                now = (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
        }
        (void) gethostname(host, sizeof(host) - 1);
        (void) sysinfo(&si);

        for (size_t i = 0; i < list.n; i++) {
                _cleanup_(diag_list_done) DiagList render_diags = {};
                RenderContext ctx = {
                        .pod_uid = "<pod-uid>",
                        .node_name = host,
                        .host_ip = "<host-ip>",
                        .n_cpus = (unsigned) sysconf(_SC_NPROCESSORS_ONLN),
                        .memory_bytes = (uint64_t) si.totalram * si.mem_unit,
                        .state_dir = arg_user ? "$STATE_DIRECTORY" : JOBSD_STATE_DIR,
                        .runtime_dir = arg_user ? "$XDG_RUNTIME_DIR/jobsd" : "/run/jobsd",
                        .trigger_command = "jobctl",
                        .user_manager = arg_user,
                };

                fprintf(out, "# From %s\n", list.items[i].file);
                r = render_manifest(list.items + i, &ctx, now, out, &render_diags);
                if (r < 0)
                        return log_oom_exit();
                diag_list_print(&render_diags, stderr);
                if (diag_list_has_errors(&render_diags))
                        ret = EXIT_INVALID;
        }
        return ret;
}

static bool same_directory(const char *a, const char *b) {
        struct stat sa, sb;

        if (stat(a, &sa) >= 0 && stat(b, &sb) >= 0)
                return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
        return streq(a, b);
}

/* apply and delete -f: the directory the running jobsd loads (its ManifestDirectory property), not a
 * guess. Only when jobsd is not running does --manifest-dir=DIR name it; a --manifest-dir other than
 * jobsd's is a warning. Failures are reported. */
static int manifest_dir(char **ret) {
        _cleanup_(freep) char *dir = NULL;
        const char *bus = arg_user ? "user" : "system";
        int r;

        r = bus_get_manifest_directory(&dir);
        if (r == -ESRCH) {
                if (!arg_manifest_dir) {
                        fprintf(stderr, "jobctl: jobsd is not running on the %s bus, so its manifest directory is "
                                "unknown: start jobsd, or name the directory with --manifest-dir=DIR\n", bus);
                        return r;
                }
                fprintf(stderr, "jobctl: jobsd is not running on the %s bus; using --manifest-dir=%s\n", bus,
                        arg_manifest_dir);
                dir = strdup(arg_manifest_dir);
                if (!dir) {
                        log_oom_exit();
                        return -ENOMEM;
                }
        } else if (r < 0)
                return r;
        else if (dir[0] != '/') {
                fprintf(stderr, "jobctl: jobsd's manifest directory '%s' is not an absolute path; name it with "
                        "an absolute --manifest-dir=DIR when starting jobsd\n", dir);
                return -EINVAL;
        } else if (arg_manifest_dir && !same_directory(arg_manifest_dir, dir))
                fprintf(stderr, "jobctl: jobsd loads manifests from %s, not from %s: using %s\n", dir,
                        arg_manifest_dir, dir);
        *ret = TAKE_PTR(dir);
        return 0;
}

static const char *base_name(const char *p) {
        const char *s = strrchr(p, '/');
        return s ? s + 1 : p;
}

static int read_all(const char *path, char **ret, size_t *ret_size) {
        _cleanup_(fclosep) FILE *f = fopen(path, "re");
        char *buf;
        size_t n;

        if (!f)
                return -errno;
        buf = malloc(MANIFEST_SIZE_MAX_PLUS_ONE);
        if (!buf)
                return -ENOMEM;
        n = fread(buf, 1, MANIFEST_SIZE_MAX_PLUS_ONE, f);
        *ret = buf;
        *ret_size = n;
        return 0;
}

/* Installs a file in the manifest directory the way jobsd wants to see it appear: written to a hidden
 * temporary file (jobsd ignores those), synced, then renamed into place, mode 0644. */
static int install_file(const char *dir, const char *src, bool *ret_changed, bool *ret_existed) {
        _cleanup_(freep) char *dst = strprintf("%s/%s", dir, base_name(src)),
                *tmp = strprintf("%s/.%s.jobctl-tmp", dir, base_name(src)), *data = NULL, *old = NULL;
        size_t n = 0, on = 0;
        FILE *f;
        int r;

        if (!dst || !tmp)
                return -ENOMEM;
        r = read_all(src, &data, &n);
        if (r < 0)
                return r;
        *ret_existed = read_all(dst, &old, &on) >= 0;
        *ret_changed = !*ret_existed || on != n || memcmp(old, data, n) != 0;
        if (!*ret_changed)
                return 0;
        f = fopen(tmp, "we");
        if (!f)
                return -errno;
        if (fchmod(fileno(f), 0644) < 0 || fwrite(data, 1, n, f) != n || fflush(f) != 0 || fsync(fileno(f)) < 0) {
                r = -errno ?: -EIO;
                fclose(f);
                (void) unlink(tmp);
                return r;
        }
        fclose(f);
        if (rename(tmp, dst) < 0) {
                r = -errno;
                (void) unlink(tmp);
                return r;
        }
        return 0;
}

/* jobctl apply -f FILE|DIR [--dry-run]: validate as validate does, then install. */
static int verb_apply(int argc, char *argv[]) {
        FILE *out = jobctl_stdout();
        _cleanup_(strv_freep) char **files = NULL, **done = NULL;
        _cleanup_(freep) char *dir = NULL;
        int r, ret = 0;

        for (int i = 1; i < argc; i++) {
                if (streq(argv[i], "-f") && i + 1 < argc)
                        r = strv_extend(&files, argv[++i]);
                else if (startswith(argv[i], "--filename="))
                        r = strv_extend(&files, argv[i] + 11);
                else {
                        fprintf(stderr, "jobctl apply: unexpected argument '%s'; use -f FILE\n", argv[i]);
                        return EXIT_USAGE;
                }
                if (r < 0)
                        return log_oom_exit();
        }
        if (!files) {
                fprintf(stderr, "jobctl apply: expects -f FILE (or a directory)\n");
                return EXIT_USAGE;
        }
        if (!arg_dry_run && manifest_dir(&dir) < 0)
                return EXIT_INVALID;
        STRV_FOREACH(f, files) {
                _cleanup_(manifest_list_done) ManifestList list = {};
                _cleanup_(diag_list_done) DiagList diags = {};
                struct stat st;

                if (stat(*f, &st) >= 0 && S_ISDIR(st.st_mode)) {
                        fprintf(stderr, "jobctl apply: '%s' is a directory; apply its files one by one\n", *f);
                        ret = EXIT_INVALID;
                        continue;
                }
                r = manifest_load_file(*f, &list, &diags);
                if (r < 0)
                        return log_oom_exit();
                diag_list_print(&diags, stderr);
                if (diag_list_has_errors(&diags)) {
                        ret = EXIT_INVALID;
                        continue;
                }
                if (!arg_dry_run) {
                        bool changed = false, existed = false;
                        if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
                                fprintf(stderr, "jobctl: cannot create %s: %s\n", dir, strerror(errno));
                                return EXIT_INVALID;
                        }
                        r = install_file(dir, *f, &changed, &existed);
                        if (r < 0) {
                                fprintf(stderr, "jobctl: cannot install %s into %s: %s\n", *f, dir, strerror(-r));
                                ret = EXIT_INVALID;
                                continue;
                        }
                        for (size_t i = 0; i < list.n; i++)
                                if (strv_push(&done, strprintf("%s.batch/%s %s",
                                                               list.items[i].kind == MANIFEST_JOB ? "job" : "cronjob",
                                                               manifest_name(list.items + i),
                                                               !changed ? "unchanged" : existed ? "configured" : "created")) < 0)
                                        return log_oom_exit();
                } else
                        for (size_t i = 0; i < list.n; i++)
                                if (strv_push(&done, strprintf("%s.batch/%s created (dry run)",
                                                               list.items[i].kind == MANIFEST_JOB ? "job" : "cronjob",
                                                               manifest_name(list.items + i))) < 0)
                                        return log_oom_exit();
        }
        /* A failed apply prints nothing on stdout; what it installed all the same is said on stderr. */
        STRV_FOREACH(d, done)
                fprintf(ret == 0 ? out : stderr, "%s\n", *d);
        return ret;
}

/* jobctl delete -f FILE: removes the manifest of that name from the manifest directory. */
static int delete_file(const char *file) {
        FILE *out = jobctl_stdout();
        _cleanup_(manifest_list_done) ManifestList list = {};
        _cleanup_(diag_list_done) DiagList diags = {};
        _cleanup_(freep) char *dir = NULL, *dst = NULL;

        if (manifest_dir(&dir) < 0)
                return EXIT_INVALID;
        dst = strprintf("%s/%s", dir, base_name(file));
        if (!dst)
                return log_oom_exit();
        (void) manifest_load_file(dst, &list, &diags);
        if (!arg_dry_run && unlink(dst) < 0) {
                if (errno == ENOENT)
                        fprintf(stderr, "Error from server (NotFound): no manifest %s in %s\n", base_name(file), dir);
                else
                        fprintf(stderr, "jobctl: cannot remove %s: %s\n", dst, strerror(errno));
                return EXIT_INVALID;
        }
        for (size_t i = 0; i < list.n; i++)
                fprintf(out, "%s.batch \"%s\" deleted%s\n", list.items[i].kind == MANIFEST_JOB ? "job" : "cronjob",
                             manifest_name(list.items + i), arg_dry_run ? " (dry run)" : "");
        return 0;
}

static int verb_delete_any(int argc, char *argv[]) {
        for (int i = 1; i < argc; i++)
                if (streq(argv[i], "-f") && i + 1 < argc)
                        return delete_file(argv[i + 1]);
                else if (startswith(argv[i], "--filename="))
                        return delete_file(argv[i] + 11);
        return verb_delete(argc, argv);
}

int main(int argc, char *argv[]) {
        static const struct {
                const char *verb;
                int (*run)(int argc, char *argv[]);
        } verbs[] = {
                { "validate", verb_validate },
                { "render",   verb_render   },
                { "get",      verb_get      },
                { "describe", verb_describe },
                { "wait",     verb_wait     },
                { "logs",     verb_logs     },
                { "delete",   verb_delete_any },
                { "apply",    verb_apply    },
                { "rerun",    verb_rerun    },
                { "suspend",  verb_suspend  },
                { "resume",   verb_suspend  },
                { "trigger",  verb_trigger  },
                { "create",   verb_create   },
        };
        int r;

        if (argc > (int) ELEMENTSOF(arg_rest) - 1) {
                fprintf(stderr, "jobctl: too many arguments\n");
                return EXIT_USAGE;
        }
        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : 0;
        if (n_rest == 0) {
                fprintf(stderr, "jobctl: missing command; see 'jobctl --help'\n");
                return EXIT_USAGE;
        }
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(arg_rest[0], verbs[i].verb)) {
                        if (jobctl_stdout_open() < 0)
                                return log_oom_exit();
                        return jobctl_stdout_close(verbs[i].run(n_rest, arg_rest));
                }
        fprintf(stderr, "jobctl: unknown command '%s'; see 'jobctl --help'\n", arg_rest[0]);
        return EXIT_USAGE;
}
