/* SPDX-License-Identifier: Apache-2.0 */
/* The floor for tests/bench/throughput.sh: N transient services started and removed directly through
 * systemd's StartTransientUnit, P at a time, each with the properties jobsd gives the pod unit of the
 * manifest's first container (render_pod_container(), bus_append_unit_spec()), under another name.
 * Prints "units N seconds S". Usage: bench-floor MANIFEST N P
 * With FLOOR_PRINT_START set, also "start-realtime USEC" as each start is sent (drop-to-start.sh).
 * With FLOOR_SYNC_DIR=DIR set, each start is preceded by what jobsd writes for a new Job before its
 * first pod starts: two new files in DIR (173 bytes and 8 KiB), each fsync'd, renamed into place, and
 * DIR fsync'd after each (the clock is read after that, so only its after-effects are measured). With
 * FLOOR_LOG set, a journal line like jobsd's SuccessfulCreate is sent just before each start.
 *
 * The client is as lean as a client of systemd can be: one match and one Subscribe, each unit's end read
 * from its PropertiesChanged signal (ActiveState/SubState), then StopUnit (and ResetFailedUnit after a
 * failure), so that systemd unloads it, as jobsd does with a counted pod. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <systemd/sd-journal.h>

#include "jobsd/manifest.h"
#include "jobsd/render.h"
#include "jobsd/strv.h"
#include "unit-bus.h"

#define SD_DESTINATION "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"

typedef struct Floor {
        sd_bus *bus;
        sd_event *event;
        const Job *job;
        unsigned n, p;
        unsigned started, finished, removed;
        char **running;                 /* names of the units started and not yet finished */
        int error;
} Floor;

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static void fail(Floor *f, int r, const char *what) {
        fprintf(stderr, "bench-floor: %s: %s\n", what, strerror(r < 0 ? -r : r));
        f->error = r;
        (void) sd_event_exit(f->event, 1);
}

/* FLOOR_SYNC_DIR: a new Job's manifest copy and record, written as state-file.c writes a new file. */
static void sync_like_a_new_job(const char *dir) {
        static const size_t sizes[] = { 173, 8192 };
        static char buf[8192];

        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
                char tmp[4096], path[4096];
                int fd, dfd;

                snprintf(tmp, sizeof(tmp), "%s/.floor%zu.tmp", dir, i);
                snprintf(path, sizeof(path), "%s/floor%zu", dir, i);
                fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
                if (fd < 0)
                        continue;
                if (write(fd, buf, sizes[i]) < 0 || fsync(fd) < 0 || rename(tmp, path) < 0)
                        fprintf(stderr, "bench-floor: %s: %m\n", tmp);
                close(fd);
                dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dfd >= 0) {
                        (void) fsync(dfd);
                        close(dfd);
                }
        }
}

static int on_removed(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Floor *f = userdata;

        if (sd_bus_message_is_method_error(reply, NULL) &&
            !sd_bus_message_is_method_error(reply, "org.freedesktop.systemd1.NoSuchUnit"))
                fprintf(stderr, "bench-floor: %s\n", sd_bus_message_get_error(reply)->message);
        f->removed++;
        if (f->removed == f->n)
                (void) sd_event_exit(f->event, 0);
        return 0;
}

static int on_start_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Floor *f = userdata;

        if (sd_bus_message_is_method_error(reply, NULL)) {
                fprintf(stderr, "bench-floor: StartTransientUnit: %s\n", sd_bus_message_get_error(reply)->message);
                fail(f, -EIO, "StartTransientUnit");
        }
        return 0;
}

static int start_next(Floor *f) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(unit_spec_done) UnitSpec u = {};
        _cleanup_(freep) char *err = NULL, *uid = NULL;
        RenderContext ctx = { .node_name = "floor", .host_ip = "127.0.0.1", .n_cpus = 1, .state_dir = "/nonexistent",
                              .runtime_dir = "/nonexistent", .user_manager = true };
        unsigned i = f->started;
        int r;

        uid = strprintf("floor-%u", i);
        if (!uid)
                return -ENOMEM;
        ctx.pod_uid = uid;
        r = render_pod_container(f->job, f->job->spec.template.spec.containers, false, UNSET, i, &ctx, &u, &err);
        if (r < 0) {
                fprintf(stderr, "bench-floor: %s\n", err ?: strerror(-r));
                return r;
        }
        free(u.name);
        u.name = strprintf("floor-%u.service", i);
        if (!u.name)
                return -ENOMEM;
        r = sd_bus_message_new_method_call(f->bus, &m, SD_DESTINATION, SD_PATH, SD_MANAGER, "StartTransientUnit");
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", u.name, "fail");
        if (r >= 0)
                r = bus_append_unit_spec(m, &u);
        if (r >= 0)
                r = sd_bus_message_append(m, "a(sa(sv))", 0);
        if (r >= 0 && getenv("FLOOR_LOG"))
                (void) sd_journal_send("MESSAGE=floor: SuccessfulCreate: Created pod: %s", u.name, "PRIORITY=6", NULL);
        if (r >= 0 && getenv("FLOOR_SYNC_DIR"))
                sync_like_a_new_job(getenv("FLOOR_SYNC_DIR"));
        if (r >= 0 && getenv("FLOOR_PRINT_START")) {
                /* For drop-to-start.sh's floor: when the start was asked for, on the journal's clock. */
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                printf("start-realtime %" PRIu64 "\n", (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000);
                fflush(stdout);
        }
        if (r >= 0)
                r = sd_bus_call_async(f->bus, NULL, m, on_start_reply, f, 0);
        if (r < 0)
                return r;
        r = strv_extend(&f->running, u.name);
        if (r < 0)
                return r;
        f->started++;
        return 0;
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Floor *f = userdata;
        _cleanup_(freep) char *unit = NULL;
        const char *iface, *active = NULL, *sub = NULL;
        int r;

        r = sd_bus_path_decode(sd_bus_message_get_path(m), SD_PATH "/unit", &unit);
        if (r <= 0 || !unit || strncmp(unit, "floor-", 6) != 0)
                return 0;
        if (sd_bus_message_read(m, "s", &iface) < 0 || strcmp(iface, "org.freedesktop.systemd1.Unit") != 0)
                return 0;
        if (sd_bus_message_enter_container(m, 'a', "{sv}") < 0)
                return 0;
        while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                const char *name;

                if (sd_bus_message_read(m, "s", &name) < 0)
                        return 0;
                if (strcmp(name, "ActiveState") == 0)
                        r = sd_bus_message_read(m, "v", "s", &active);
                else if (strcmp(name, "SubState") == 0)
                        r = sd_bus_message_read(m, "v", "s", &sub);
                else
                        r = sd_bus_message_skip(m, "v");
                if (r < 0 || sd_bus_message_exit_container(m) < 0)
                        return 0;
        }
        if (!active || !(strcmp(active, "failed") == 0 || (strcmp(active, "active") == 0 && sub && strcmp(sub, "exited") == 0)))
                return 0;
        /* Ours and running? Then it finished now: remove it and start the next. */
        size_t k = strv_length(f->running);
        for (size_t i = 0; i < k; i++)
                if (strcmp(f->running[i], unit) == 0) {
                        free(f->running[i]);
                        f->running[i] = f->running[k - 1];
                        f->running[k - 1] = NULL;
                        f->finished++;
                        r = sd_bus_call_method_async(f->bus, NULL, SD_DESTINATION, SD_PATH, SD_MANAGER, "StopUnit",
                                                     strcmp(active, "failed") == 0 ? NULL : on_removed, f, "ss", unit,
                                                     "replace");
                        if (r >= 0 && strcmp(active, "failed") == 0)
                                r = sd_bus_call_method_async(f->bus, NULL, SD_DESTINATION, SD_PATH, SD_MANAGER,
                                                             "ResetFailedUnit", on_removed, f, "s", unit);
                        if (r >= 0 && f->started < f->n)
                                r = start_next(f);
                        if (r < 0)
                                fail(f, r, "a call");
                        break;
                }
        return 0;
}

int main(int argc, char *argv[]) {
        _cleanup_(manifest_list_done) ManifestList list = {};
        _cleanup_(diag_list_done) DiagList diags = {};
        Floor f = {};
        uint64_t t0, t1;
        int r;

        if (argc != 4) {
                fprintf(stderr, "Usage: bench-floor MANIFEST N P\n");
                return 2;
        }
        f.n = (unsigned) atoi(argv[2]);
        f.p = (unsigned) atoi(argv[3]);
        if (f.n == 0 || f.p == 0)
                return 2;
        r = manifest_load_file(argv[1], &list, &diags);
        if (r < 0 || list.n == 0 || list.items[0].kind != MANIFEST_JOB) {
                fprintf(stderr, "bench-floor: %s: no Job\n", argv[1]);
                return 1;
        }
        f.job = list.items[0].job;
        if (sd_event_default(&f.event) < 0 || sd_bus_open_user(&f.bus) < 0 ||
            sd_bus_attach_event(f.bus, f.event, 0) < 0) {
                fprintf(stderr, "bench-floor: cannot connect to the user bus\n");
                return 1;
        }
        r = sd_bus_match_signal(f.bus, NULL, SD_DESTINATION, NULL, "org.freedesktop.DBus.Properties",
                                "PropertiesChanged", on_properties_changed, &f);
        if (r >= 0)
                r = sd_bus_call_method(f.bus, SD_DESTINATION, SD_PATH, SD_MANAGER, "Subscribe", NULL, NULL, "");
        if (r < 0) {
                fprintf(stderr, "bench-floor: cannot subscribe: %s\n", strerror(-r));
                return 1;
        }
        t0 = now_usec();
        for (unsigned i = 0; i < f.p && f.started < f.n; i++) {
                r = start_next(&f);
                if (r < 0) {
                        fprintf(stderr, "bench-floor: cannot start: %s\n", strerror(-r));
                        return 1;
                }
        }
        r = sd_event_loop(f.event);
        t1 = now_usec();
        if (r != 0 || f.error)
                return 1;
        printf("units %u seconds %.3f\n", f.finished, (double) (t1 - t0) / 1e6);
        strv_free(f.running);
        sd_bus_flush_close_unref(f.bus);
        sd_event_unref(f.event);
        return 0;
}
