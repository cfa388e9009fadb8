/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon's wiring: the Manager (bus, event loop, directories), its start and its end. */
#include <inttypes.h>
#include <limits.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-journal.h>

#include "jobsd/log.h"
#include "config.h"
#include "cronjob-manager.h"
#include "event-restore.h"
#include "fs-util.h"
#include "jobsd/strv.h"
#include "job-run.h"
#include "managed-job.h"
#include "manager-bus.h"
#include "manifest-reload.h"
#include "start-sweep.h"
#include "state-file.h"

usec_t manager_now(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}

void manager_render_context(const Manager *m, RenderContext *ctx) {
        assert(m);
        assert(ctx);

        ctx->default_runtime = m->default_runtime;
        ctx->podman = m->podman;
        ctx->podman_args = m->podman_args;
        ctx->podman_run_args = m->podman_host.run_args;
        ctx->podman_delegate = m->podman_host.delegate;
        ctx->pod_netns = m->podman_host.netns;
}

int manager_new(bool user, const char *manifest_dir, const char *state_dir, const JobConfig *config, Manager **ret) {
        assert(manifest_dir);
        assert(state_dir);
        assert(config);
        assert(ret);

        Manager *m;
        int r;

        m = calloc(1, sizeof(Manager));
        if (!m)
                return -ENOMEM;
        m->user = user;
        m->mutating_uid = user ? geteuid() : 0;
        m->config = *config;
        m->manifest_dir = strdup(manifest_dir);
        m->state_dir = strdup(state_dir);
        if (user) {
                const char *rt = getenv("XDG_RUNTIME_DIR");
                m->runtime_dir = strprintf("%s/jobsd", rt ?: "/tmp");
        } else
                m->runtime_dir = strdup("/run/jobsd");
        if (!m->manifest_dir || !m->state_dir || !m->runtime_dir) {
                manager_free(m);
                return -ENOMEM;
        }
        (void) gethostname(m->hostname, sizeof(m->hostname) - 1);
        m->resource_version = manager_now() / USEC_PER_MSEC;
        /* The CronJobs' trigger services run the jobctl installed beside jobsd (a build tree), else the
         * installed one. */
        {
                char exe[PATH_MAX] = "";
                ssize_t l = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
                char *slash;
                if (l > 0) {
                        exe[l] = 0;
                        slash = strrchr(exe, '/');
                        if (slash) {
                                *slash = 0;
                                m->jobctl_path = strprintf("%s/jobctl", exe);
                                if (m->jobctl_path && access(m->jobctl_path, X_OK) < 0)
                                        m->jobctl_path = mfree(m->jobctl_path);
                        }
                }
                if (!m->jobctl_path)
                        m->jobctl_path = strdup(JOBSD_BINDIR "/jobctl");
                if (!m->jobctl_path) {
                        manager_free(m);
                        return -ENOMEM;
                }
        }

        r = sd_event_default(&m->event);
        if (r < 0)
                goto fail;
        (void) sd_event_set_watchdog(m->event, true);
        r = user ? sd_bus_open_user(&m->bus) : sd_bus_open_system(&m->bus);
        if (r < 0)
                goto fail;
        r = sd_bus_attach_event(m->bus, m->event, 0);
        if (r < 0)
                goto fail;
        /* Without its bus jobsd neither hears its units nor answers: it ends (exit status 1), and a restart
         * (Restart=on-failure) adopts its pods. Never a jobsd that runs on without its name. */
        r = sd_bus_set_exit_on_disconnect(m->bus, true);
        if (r < 0)
                goto fail;
        /* Test aid (tests/integration/test-slow-start.sh): a short default timeout of method calls. */
        {
                const char *e = getenv("JOBSD_TEST_BUS_TIMEOUT_USEC");
                if (e)
                        (void) sd_bus_set_method_call_timeout(m->bus, strtoull(e, NULL, 10));
        }
        r = unit_bus_new(m->bus, manager_on_unit_event, m, &m->units);
        if (r < 0)
                goto fail;
        /* Tells a unit that was never started from one a restarted manager lost (manager_on_unit_event()). */
        if (sd_bus_get_property_trivial(m->bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                        "org.freedesktop.systemd1.Manager", "UserspaceTimestamp", NULL, 't',
                                        &m->systemd_started_usec) < 0)
                m->systemd_started_usec = 0;
        *ret = m;
        return 0;
fail:
        manager_free(m);
        return r;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        for (size_t i = 0; i < m->n_cron_jobs; i++)
                managed_cron_job_free(m->cron_jobs[i]);
        free(m->cron_jobs);
        name_index_done(&m->cron_index);
        manager_cron_children_done(m);
        for (size_t i = 0; i < m->n_jobs; i++)
                managed_job_free(m->jobs[i]);
        free(m->jobs);
        free(m->jobctl_path);
        free(m->podman);
        strv_free(m->podman_args);
        podman_host_done(&m->podman_host);
        name_index_done(&m->job_index);
        sd_event_source_disable_unref(m->sync_defer);
        sd_event_source_disable_unref(m->lazy_timer);
        sd_event_source_disable_unref(m->inotify);
        sd_event_source_disable_unref(m->reload_timer);
        unit_bus_free(m->units);
        sd_bus_flush_close_unref(m->bus);
        sd_event_unref(m->event);
        manifest_cache_done(&m->manifest_cache);
        manifest_cache_done(&m->api_object_cache);
        manifest_index_done(&m->manifest_index);
        strv_free(m->diag_keys);
        strv_free(m->start_timers);
        strv_free(m->state_errors_logged);
        free(m->manifest_dir);
        free(m->state_dir);
        free(m->runtime_dir);
        free(m);
        return NULL;
}

int manager_start(Manager *m) {
        assert(m);

        usec_t started = manager_now();
        unsigned restored = 0, pods = 0;
        int r, q;

        r = mkdir_p(m->state_dir, 0700);
        if (r < 0)
                return r;
        r = mkdir_p(m->manifest_dir, 0755);
        if (r < 0)
                return r;
        r = manifest_watch_start(m);
        if (r < 0)
                return r;
        r = manager_bus_register(m);
        if (r < 0)
                return r;
        m->config.default_runtime = m->default_runtime;
        start_sweep_pull_units(m);
        /* The records and manifest copies of every Job loaded are written as one batch: one sync of the
         * file system instead of two per file (state_file_batch_begin()); a Job that starts pods commits
         * it first (manager_sync_job()). */
        state_file_batch_begin();
        q = manager_cron_timers_snapshot(m);
        if (q < 0)
                log_warning_errno(q, "cannot list the CronJobs' timers, making them all again: %m");
        r = manifest_reload(m);
        manager_cron_timers_forget(m);
        q = state_file_batch_end();
        if (q < 0)
                log_error_errno(q, "cannot save the state of the Jobs loaded to %s: %m", m->state_dir);
        /* A new Job whose record file the batch could not make takes its manifest copy again. */
        for (size_t i = 0; state_file_any_distrusted() && i < m->n_jobs; i++)
                managed_job_batch_committed(m->jobs[i]);
        if (r < 0)
                return r;
        start_sweep_counted_units(m);
        /* Test aid (tests/integration/test-slow-start.sh): a start that keeps the loop from running longer
         * than the bus calls' timeout, as loading thousands of Jobs on a slow disk did. */
        {
                const char *e = getenv("JOBSD_TEST_START_DELAY_USEC");
                if (e)
                        (void) usleep((useconds_t) strtoul(e, NULL, 10));
        }
        /* The events from before this start, for describe (kept in memory, logged to the journal). */
        usec_t t0 = manager_now();
        r = manager_restore_events(m, started, &restored, &pods);
        if (r < 0)
                log_notice_errno(r, "cannot read earlier events from the journal: %m");
        else if (restored > 0 || pods > 0)
                log_info("%u event(s) and %u finished pod(s) from before this start read back from "
                         "the journal in %" PRIu64 " ms", restored, pods, (manager_now() - t0) / 1000);
        return 0;
}
