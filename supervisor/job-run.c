/* SPDX-License-Identifier: Apache-2.0 */
/* Running a managed Job: the controller's actions carried out (containers started, pods stopped and removed), its timer, and its units' events routed back. */
#include <inttypes.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <unistd.h>
#include <systemd/sd-journal.h>

#include "jobsd/log.h"
#include "jobsd/strv.h"
#include "cronjob-manager.h"
#include "fs-util.h"
#include "image-pull.h"
#include "job-delete.h"
#include "job-events.h"
#include "job-run.h"
#include "state-file.h"
#include "managed-job.h"
#include "metrics.h"
#include "manager-bus.h"
#include "pod-volumes.h"

static int on_job_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        ManagedJob *j = userdata;
        usec_t ttl = job_ttl_expiry_usec(j->job, &j->record.status);

        /* Deleting only from here: callers of manager_sync_job() keep their ManagedJob. */
        if (ttl > 0 && manager_now() >= ttl) {
                log_info("%s/%s: ttlSecondsAfterFinished (%d s) passed: deleting the Job",
                         managed_job_namespace(j), j->job->metadata.name, j->job->spec.ttl_seconds_after_finished);
                (void) manager_delete_job(j->manager, j, "background");
                return 0;
        }
        manager_sync_job(j->manager, j);
        return 0;
}

/* Wall-clock timers: the controller's times (back-off, deadlines) are wall-clock, as Kubernetes' are. */
static void arm_timer(ManagedJob *j, usec_t at) {
        Manager *m = j->manager;
        int r;

        if (at == 0) {
                if (j->timer)
                        (void) sd_event_source_set_enabled(j->timer, SD_EVENT_OFF);
                return;
        }
        if (j->timer) {
                r = sd_event_source_set_time(j->timer, at);
                if (r >= 0)
                        r = sd_event_source_set_enabled(j->timer, SD_EVENT_ONESHOT);
        } else {
                r = sd_event_add_time(m->event, &j->timer, CLOCK_REALTIME, at, 10 * USEC_PER_MSEC, on_job_timer, j);
                if (r >= 0)
                        (void) sd_event_source_set_description(j->timer, "job-timer");
        }
        if (r < 0)
                log_error_errno(r, "%s: cannot arm timer: %m", j->job->metadata.name);
}

/* With ret_failed_message, a start that fails leaves its FailedCreate event to the caller (the message),
 * so that it comes after the pod's SuccessfulCreate as when the start waits for the save. */
static int start_container(ManagedJob *j, const JobAction *a, usec_t now, bool *ret_resync, char **ret_failed_message) {
        Manager *m = j->manager;
        const Container *c = managed_job_find_container(j->job, a->container);
        Pod *p = job_status_find_pod(&j->record.status, a->attempt);
        _cleanup_(unit_spec_done) UnitSpec u = {};
        _cleanup_(freep) char *uid = NULL, *err = NULL;
        struct sysinfo si = {};
        RenderContext ctx = {
                .node_name = m->hostname,
                .host_ip = "127.0.0.1",
                .n_cpus = (unsigned) sysconf(_SC_NPROCESSORS_ONLN),
                .state_dir = m->state_dir,
                .runtime_dir = m->runtime_dir,
                .user_manager = m->user,
        };
        int r;

        if (!c || !p)
                return 0;
        (void) sysinfo(&si);
        ctx.memory_bytes = (uint64_t) si.totalram * si.mem_unit;
        uid = strprintf("%s-%" PRIu64, j->record.uid, p->attempt);
        if (!uid)
                return -ENOMEM;
        ctx.pod_uid = uid;
        ctx.restart = pod_find_container(p, a->container)->restarts;
        manager_render_context(m, &ctx);

        r = pod_volumes_prepare(j, p, &ctx);
        if (r >= 0 && managed_job_in_images(j) && pod_shares_netns(j->job, &ctx)) {
                _cleanup_(freep) char *key_of_pod = managed_job_pod_key(j, p);
                /* One network namespace for the pod's containers, made before the first one starts. */
                _cleanup_(freep) char *ns = pod_netns_path(j->job, j->job->spec.completion_mode == COMPLETION_MODE_INDEXED ?
                                                           p->index : UNSET, p->attempt, &ctx);
                _cleanup_(freep) char *dir = strprintf("%s/pods/%s", m->runtime_dir, strempty(key_of_pod));
                r = ns && dir ? mkdir_p(dir, 0755) : -ENOMEM;
                if (r >= 0)
                        r = podman_netns_create(ns);
                if (r < 0 && !err)
                        err = strprintf("cannot make the pod's network namespace %s: %s", strempty(ns), strerror(-r));
        }
        if (r >= 0)
                r = render_pod_container(j->job, c, pod_find_container(p, a->container)->init,
                                         j->job->spec.completion_mode == COMPLETION_MODE_INDEXED ? p->index : UNSET,
                                         p->attempt, &ctx, &u, &err);
        if (r >= 0)
                r = unit_bus_start(m->units, &u);
        if (r < 0) {
                /* spec §4.3: FailedCreate; the pod fails and the controller decides what next. */
                JobAction ev = { .warning = true, .reason = (char *) "FailedCreate" };
                _cleanup_(freep) char *msg = strprintf("Error creating: %s", err ?: strerror(-r));
                ev.message = msg ?: (char *) "Error creating";
                if (ret_failed_message)
                        *ret_failed_message = strdup(ev.message);
                else
                        job_log_event(j, &ev, now);
                (void) job_status_record_container_exit(&j->record.status, &j->job->spec, a->attempt, a->container, 128,
                                                        "StartError", now);
                *ret_resync = true;
        }
        return 0;
}

void managed_job_pod_units(ManagedJob *j, const Pod *p, bool remove) {
        assert(j);
        assert(p);

        for (size_t i = 0; i < p->n_containers; i++) {
                _cleanup_(freep) char *unit = pod_unit_name(managed_job_namespace(j), j->job->metadata.name,
                                                             j->job->spec.completion_mode == COMPLETION_MODE_INDEXED ?
                                                             p->index : UNSET, p->attempt, p->containers[i].restarts,
                                                             p->containers[i].name);
                if (!unit)
                        continue;
                if (remove && p->containers[i].state == CONTAINER_TERMINATED && p->containers[i].exit_code == 0 &&
                    streq_ptr(p->containers[i].reason, "Completed"))
                        (void) unit_bus_remove_exited(j->manager->units, unit);
                else if (remove)
                        (void) unit_bus_remove(j->manager->units, unit);
                else if (p->containers[i].state == CONTAINER_RUNNING || p->containers[i].state == CONTAINER_STARTING)
                        (void) unit_bus_stop(j->manager->units, unit);
                /* A pull that runs (its check or the pull itself) goes with the pod. */
                if (p->containers[i].pull == IMAGE_PULL_PULLING)
                        for (unsigned check = 0; check < 2; check++) {
                                _cleanup_(freep) char *pu = managed_job_pull_unit(j, p, p->containers + i, check);
                                if (pu)
                                        (void) unit_bus_remove(j->manager->units, pu);
                        }
        }
}

/* Group commit. A unit event changes the Job's record in memory and queues the Job; the queue is synced
 * by a defer source of lower priority than the bus, so the messages already on the socket are read
 * first: the events of one burst become one reconcile and one save (the barrier before the units start
 * and before counted pods' units go), however many pods they concern. */
#define SYNC_PRIORITY (SD_EVENT_PRIORITY_NORMAL + 10)
/* A record whose only news is a counted pod removed needs no barrier: the next save carries it, or this
 * timer (a kill before that leaves the pod counted in the record, and the next start removes its units,
 * never counting it again). */
#define LAZY_SAVE_USEC (1 * USEC_PER_SEC)
/* A container reported running is saved so within this (docs/guarantees.md): a pod that ends sooner has
 * it saved by the save of its end, one save instead of two (docs/performance.md, "P=1: the critical
 * path"). */
#define RUNNING_SAVE_USEC (10 * USEC_PER_MSEC)

static void sync_unlink(Manager *m, ManagedJob *j) {
        if (!j->sync_queued)
                return;
        if (j->sync_prev)
                j->sync_prev->sync_next = j->sync_next;
        else
                m->sync_queue = j->sync_next;
        if (j->sync_next)
                j->sync_next->sync_prev = j->sync_prev;
        j->sync_next = j->sync_prev = NULL;
        j->sync_queued = false;
}

static void lazy_unlink(Manager *m, ManagedJob *j) {
        if (!j->lazy_queued)
                return;
        if (j->lazy_prev)
                j->lazy_prev->lazy_next = j->lazy_next;
        else
                m->lazy_queue = j->lazy_next;
        if (j->lazy_next)
                j->lazy_next->lazy_prev = j->lazy_prev;
        j->lazy_next = j->lazy_prev = NULL;
        j->lazy_queued = false;
}

void manager_unqueue_lazy(ManagedJob *j) {
        assert(j);

        lazy_unlink(j->manager, j);
}

void manager_unqueue_job(Manager *m, ManagedJob *j) {
        assert(m);
        assert(j);

        sync_unlink(m, j);
        lazy_unlink(m, j);
}

static int on_sync_queue(sd_event_source *s, void *userdata) {
        Manager *m = userdata;

        while (m->sync_queue) {
                ManagedJob *j = m->sync_queue;

                sync_unlink(m, j);
                manager_sync_job(m, j);         /* may free j */
        }
        return 0;
}

void manager_queue_sync(Manager *m, ManagedJob *j) {
        assert(m);
        assert(j);

        int r;

        if (j->sync_queued)
                return;
        j->sync_next = m->sync_queue;
        if (m->sync_queue)
                m->sync_queue->sync_prev = j;
        m->sync_queue = j;
        j->sync_prev = NULL;
        j->sync_queued = true;
        if (m->sync_defer)
                r = sd_event_source_set_enabled(m->sync_defer, SD_EVENT_ONESHOT);
        else {
                r = sd_event_add_defer(m->event, &m->sync_defer, on_sync_queue, m);
                if (r >= 0)
                        r = sd_event_source_set_priority(m->sync_defer, SYNC_PRIORITY);
                if (r >= 0)
                        r = sd_event_source_set_enabled(m->sync_defer, SD_EVENT_ONESHOT);
                if (r >= 0)
                        (void) sd_event_source_set_description(m->sync_defer, "job-sync");
        }
        if (r < 0) {
                /* No deferring: sync now. */
                sync_unlink(m, j);
                manager_sync_job(m, j);
        }
}

void manager_flush_lazy_saves(Manager *m) {
        assert(m);

        if (!m->lazy_queue)
                return;
        /* The calls that remove the counted pods' units are on the socket before the records without those
         * pods are (see manager_sync_job()). */
        (void) sd_bus_flush(m->bus);
        while (m->lazy_queue) {
                ManagedJob *j = m->lazy_queue;

                lazy_unlink(m, j);
                (void) managed_job_save(j);
        }
}

static int on_lazy_timer(sd_event_source *s, uint64_t usec, void *userdata);

static int arm_lazy_timer(Manager *m, usec_t at) {
        int r;

        if (m->lazy_timer) {
                r = sd_event_source_set_time(m->lazy_timer, at);
                if (r >= 0)
                        r = sd_event_source_set_enabled(m->lazy_timer, SD_EVENT_ONESHOT);
                return r;
        }
        r = sd_event_add_time(m->event, &m->lazy_timer, CLOCK_MONOTONIC, at, USEC_PER_MSEC, on_lazy_timer, m);
        if (r >= 0)
                (void) sd_event_source_set_description(m->lazy_timer, "lazy-save");
        return r;
}

/* The lazy saves that are due; the timer then waits for the next one. */
static int on_lazy_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        usec_t now, next = USEC_INFINITY;
        bool flushed = false;

        if (sd_event_now(m->event, CLOCK_MONOTONIC, &now) < 0) {
                manager_flush_lazy_saves(m);
                return 0;
        }
        for (ManagedJob *j = m->lazy_queue, *n; j; j = n) {
                n = j->lazy_next;
                if (j->lazy_deadline > now + USEC_PER_MSEC) {
                        next = MIN(next, j->lazy_deadline);
                        continue;
                }
                /* The calls that remove counted pods' units are on the socket first (manager_sync_job()). */
                if (!flushed)
                        (void) sd_bus_flush(m->bus);
                flushed = true;
                lazy_unlink(m, j);
                (void) managed_job_save(j);
        }
        if (next != USEC_INFINITY && arm_lazy_timer(m, next) < 0)
                manager_flush_lazy_saves(m);
        return 0;
}

/* Saved by the Job's next save, or within `within` (its first change waits at most that long). */
static void save_lazily(Manager *m, ManagedJob *j, usec_t within) {
        uint64_t now, at;
        int r;

        r = sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        if (r >= 0) {
                if (!j->lazy_queued) {
                        j->lazy_next = m->lazy_queue;
                        if (m->lazy_queue)
                                m->lazy_queue->lazy_prev = j;
                        m->lazy_queue = j;
                        j->lazy_prev = NULL;
                        j->lazy_queued = true;
                        j->lazy_deadline = now + within;
                } else
                        j->lazy_deadline = MIN(j->lazy_deadline, now + within);
                /* Armed already for as soon or sooner: it re-arms itself for the rest. */
                if (m->lazy_timer && sd_event_source_get_enabled(m->lazy_timer, NULL) > 0 &&
                    sd_event_source_get_time(m->lazy_timer, &at) >= 0 && at <= j->lazy_deadline)
                        return;
                r = arm_lazy_timer(m, j->lazy_deadline);
        }
        if (r < 0) {
                lazy_unlink(m, j);
                (void) sd_bus_flush(m->bus);
                (void) managed_job_save(j);
        }
}

/* Fault injection for tests/integration/test-crash.sh: with JOBSD_TEST_CRASH=POINT in its environment,
 * jobsd kills itself with SIGKILL when it reaches POINT, to test what a crash at that moment leaves. */
static void crash_point(const char *point) {
        const char *e = getenv("JOBSD_TEST_CRASH");

        if (e && streq(e, point))
                (void) raise(SIGKILL);
}

/* A kill once systemd has the calls sent so far: it handles one connection's calls in order, so when it
 * answers a Ping sent after them, it has handled them (a kill right after the send could otherwise come
 * before systemd read them, and it drops a call whose sender is gone). */
static void crash_point_handed_over(Manager *m, const char *point) {
        const char *e = getenv("JOBSD_TEST_CRASH");

        if (!e || !streq(e, point))
                return;
        (void) sd_bus_call_method(m->bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                  "org.freedesktop.DBus.Peer", "Ping", NULL, NULL, NULL);
        (void) raise(SIGKILL);
}

int manager_suspend_job(Manager *m, ManagedJob *j, bool suspend) {
        assert(m);
        assert(j);

        _cleanup_(freep) char *text = strprintf("%d %d\n", suspend, j->manifest_suspend);
        int r;

        if (!text)
                return -ENOMEM;
        r = state_file_put(m->state_dir, "jobs", managed_job_namespace(j), j->job->metadata.name, "suspend", text,
                           strlen(text));
        if (r < 0)
                return r;
        j->suspend_override = suspend;
        j->job->spec.suspend = suspend;
        log_info("%s/%s: %s by request", managed_job_namespace(j), j->job->metadata.name,
                 suspend ? "suspended" : "resumed");
        manager_sync_job(m, j);
        return 0;
}

/* The reserved pod started before the save (docs/performance.md, "P=1: the critical path"): which of a
 * sync's actions were carried out early, their FailedCreate messages, and the pods counted before the
 * reconcile. Only a Job that may start its reserved pod early (reserve_durable) fills it. */
typedef struct EarlyStarts {
        size_t n;                       /* the actions' count: the arrays' size */
        bool *started;                  /* NULL: none started early */
        char **failed;                  /* the FailedCreate message of each, or NULL */
        uint64_t *counted_before;       /* attempts */
        size_t n_counted_before;
        bool any;
} EarlyStarts;

static void early_starts_done(EarlyStarts *e) {
        for (size_t i = 0; e->failed && i < e->n; i++)
                free(e->failed[i]);
        free(e->failed);
        free(e->started);
        free(e->counted_before);
        *e = (EarlyStarts) {};
}

/* Before the reconcile, which counts pods: the ones counted already. Their removal is never put off. */
static void early_starts_note_counted(const ManagedJob *j, EarlyStarts *e) {
        for (size_t i = 0; j->reserve_durable && i < j->record.status.n_pods; i++)
                if (j->record.status.pods[i].counted) {
                        uint64_t *x = reallocarray(e->counted_before, e->n_counted_before + 1, sizeof(uint64_t));
                        if (!x)
                                return;
                        e->counted_before = x;
                        e->counted_before[e->n_counted_before++] = j->record.status.pods[i].attempt;
                }
}

static bool early_starts_counted_before(const EarlyStarts *e, uint64_t attempt) {
        for (size_t q = 0; q < e->n_counted_before; q++)
                if (e->counted_before[q] == attempt)
                        return true;
        return false;
}

/* The pod that the record on disk names in advance (reserve_durable) starts before the save: a kill now
 * finds it again from that record (take_reservation(), managed-job.c). At parallelism 1 this takes the
 * save off the path from one pod's end to the next one's start. */
static void early_starts_run(ManagedJob *j, const JobActionList *l, usec_t now, bool *resync, EarlyStarts *e) {
        if (!j->reserve_durable || l->n == 0 || state_file_batch_pending())
                return;
        e->started = calloc(l->n, sizeof(bool));
        e->failed = e->started ? calloc(l->n, sizeof(char *)) : NULL;
        if (!e->failed) {
                e->started = mfree(e->started);
                return;
        }
        e->n = l->n;
        for (size_t i = 0; i < l->n; i++) {
                const JobAction *a = l->items + i;
                Pod *p = a->type == JOB_ACTION_START_CONTAINER ? job_status_find_pod(&j->record.status, a->attempt) : NULL;
                ContainerStatus *c = p ? pod_find_container(p, a->container) : NULL;

                if (!c || p->reserved || p->attempt != j->reserve_durable_attempt || c->restarts != 0)
                        continue;
                crash_point("before-start");
                crash_point("before-early-start");
                (void) start_container(j, a, now, resync, e->failed + i);
                e->started[i] = true;
                e->any = true;
                crash_point_handed_over(j->manager, "after-early-start");
        }
}

/* One of the controller's actions, after the save (saved: whether the record on disk is the one in
 * memory). */
static void carry_out(ManagedJob *j, const JobAction *a, size_t i, bool saved, const EarlyStarts *e, usec_t now,
                      JobActionList *l, bool *resync) {
        Pod *p;

        if (e->started && e->started[i]) {
                /* Started before the save: only its failure's event is left to log. */
                if (e->failed[i]) {
                        JobAction ev = { .warning = true, .reason = (char *) "FailedCreate", .message = e->failed[i] };
                        job_log_event(j, &ev, now);
                }
                return;
        }
        /* Not recorded, not begun: retried once saving works. */
        if (!saved && job_action_roll_back_unsaved(&j->record.status, a)) {
                if (l->wake_usec == 0 || l->wake_usec > now + 5 * USEC_PER_SEC)
                        l->wake_usec = now + 5 * USEC_PER_SEC;
                return;
        }
        p = job_status_find_pod(&j->record.status, a->attempt);
        switch (a->type) {
        case JOB_ACTION_START_CONTAINER:
                crash_point("before-start");
                (void) start_container(j, a, now, resync, NULL);
                break;
        case JOB_ACTION_PULL_IMAGE:
                image_pull_start(j, a, now, resync);
                break;
        case JOB_ACTION_STOP_POD:
                if (p)
                        managed_job_pod_units(j, p, false);
                break;
        case JOB_ACTION_REMOVE_POD:
                /* A pod counted by this sync, which also started the next pod before its save: its units
                 * go at the Job's next sync (the new pod's first event), so that systemd stops it while
                 * the new pod runs rather than while it starts (docs/performance.md, "P=1: the critical
                 * path"). */
                if (!p || !saved || (e->any && !early_starts_counted_before(e, a->attempt)))
                        break;
                crash_point("before-remove");
                managed_job_remember_finished_pod(j, p);
                metrics_pod_counted(j->manager, p);
                managed_job_pod_units(j, p, true);
                pod_volumes_remove(j, p);
                job_status_remove_pod(&j->record.status, a->attempt);
                *resync = true;
                break;
        case JOB_ACTION_EVENT:
                job_log_event(j, a, now);
                break;
        default:
                break;
        }
}

/* One round of the controller: reconcile, save, carry out. Returns whether another round is due (the
 * record changed under the controller: pods removed, a start failed). */
static bool sync_round(Manager *m, ManagedJob *j) {
        _cleanup_(job_action_list_done) JobActionList l = {};
        _cleanup_(early_starts_done) EarlyStarts e = {};
        usec_t now = manager_now();
        /* Whether the record on disk is the one in memory: counted pods go only then. */
        bool resync = false, saved = !j->save_failed;
        int r;

        early_starts_note_counted(j, &e);
        r = job_reconcile(j->job, &j->record.status, &m->config, now, &l);
        if (r < 0) {
                log_error_errno(r, "%s: controller failed: %m", j->job->metadata.name);
                return false;
        }
        early_starts_run(j, &l, now, &resync, &e);
        /* The record of intended pods is on disk before any of them starts (spec §3.14), or was named by
         * the record on disk (above); it also carries the starts of containers reported since the last
         * save (save_wanted) and any lazy change. */
        if (l.changed || j->save_failed || j->save_wanted)
                saved = managed_job_save(j) >= 0;
        /* At start the records are written as one batch (manager_start()): it is on disk before any
         * action of this Job is carried out. */
        if (l.n > 0 && state_file_batch_pending()) {
                r = state_file_batch_commit();
                if (r < 0) {
                        log_error_errno(r, "cannot save the state of the Jobs loaded to %s: %m", m->state_dir);
                        saved = false;
                }
        }

        /* Two passes: the counted pods' units are removed after the new units are started, so that
         * systemd, which handles the calls in order, starts the next pod first (the path from one pod's
         * end to the next one's start at parallelism 1, docs/performance.md). */
        for (int removals = 0; removals < 2; removals++)
                for (size_t i = 0; i < l.n; i++)
                        if ((l.items[i].type == JOB_ACTION_REMOVE_POD) == removals)
                                carry_out(j, l.items + i, i, saved, &e, now, &l, &resync);

        if (job_status_is_finished(&j->record.status) && job_ttl_expiry_usec(j->job, &j->record.status) > 0)
                l.wake_usec = job_ttl_expiry_usec(j->job, &j->record.status);
        arm_timer(j, l.wake_usec);
        if (l.changed || l.n > 0)
                manager_bus_job_changed(m, j);
        /* Its CronJob sees it finish (history, active, lastSuccessfulTime). */
        if (j->cron_owner && l.changed && job_status_is_finished(&j->record.status))
                manager_cron_job_poke(m, managed_job_namespace(j), j->cron_owner);
        return resync;
}

void manager_sync_job(Manager *m, ManagedJob *j) {
        assert(m);
        assert(j);

        /* Synced now: no longer waiting in the group commit's queue. */
        sync_unlink(m, j);
        /* Foreground deletion (spec §3.13): nothing new starts; once no pod runs, the Job goes. This may
         * free j. */
        if (j->deleting) {
                if (!managed_job_has_running_containers(j))
                        (void) manager_delete_job(m, j, "background");
                return;
        }
        /* spec §1.2: a Job managed by another controller is left alone entirely. Its record is saved
         * once, so that it keeps its uid and a restart of jobsd only reads it. */
        if (j->job->spec.managed_by && !streq(j->job->spec.managed_by, "kubernetes.io/job-controller")) {
                if (j->record_unsaved || j->save_failed)
                        (void) managed_job_save(j);
                return;
        }

        /* A pod named in advance and found again at a start (take_reservation(), managed-job.c) waits for
         * systemd's answer on its units: the controller acts once it is known whether the pod exists (a
         * pod that never existed is neither deleted nor counted). Each answer queues a sync. */
        for (size_t i = 0; i < j->record.status.n_pods; i++)
                if (j->record.status.pods[i].reserved)
                        return;

        for (unsigned round = 0; round < 16; round++) {
                if (!sync_round(m, j))
                        break;
                /* Removing counted pods changes the record: saved lazily (the next save carries it, or
                 * the lazy timer), after the calls that remove their units are on the bus socket (a kill
                 * after the save then cannot lose them; start_sweep_counted_units() catches the rest at
                 * the next start). The next round of the controller sees the pods gone. */
                save_lazily(m, j, LAZY_SAVE_USEC);
        }
}

void manager_on_unit_event(UnitBus *u, const UnitEvent *ev, void *userdata) {
        assert(ev);
        assert(userdata);

        Manager *m = userdata;
        _cleanup_(freep) char *ns = NULL, *job = NULL, *container = NULL;
        uint64_t attempt;
        unsigned restart;
        ManagedJob *j;
        Pod *p;
        ContainerStatus *c;
        usec_t now = manager_now();

        if (startswith(ev->unit, "jobsd-cron_")) {
                manager_cron_unit_event(m, ev);
                return;
        }
        {
                bool check;
                if (pull_unit_name_parse(ev->unit, &ns, &job, &attempt, &container, &check) >= 0) {
                        image_pull_unit_event(m, ev, ns, job, attempt, container, check);
                        return;
                }
        }
        if (pod_unit_name_parse(ev->unit, &ns, &job, NULL, &attempt, &restart, &container) < 0)
                return;
        j = manager_find_job(m, ns, job);
        p = j ? job_status_find_pod(&j->record.status, attempt) : NULL;
        c = p ? pod_find_container(p, container) : NULL;
        if (c && restart != c->restarts) {
                /* A run before the current one: its result is recorded already. */
                if (ev->type == UNIT_EVENT_EXITED && !ev->stopped)
                        (void) unit_bus_remove(m->units, ev->unit);
                return;
        }
        if (!c) {
                /* Not ours any more (or never): a leftover unit that ended is unloaded. One that runs is
                 * left alone: an orphan (delete --cascade=orphan) runs on unmanaged. */
                if (ev->type == UNIT_EVENT_EXITED && !ev->stopped)
                        (void) unit_bus_remove(m->units, ev->unit);
                return;
        }
        if (p->reserved) {
                /* A pod named in advance, found again at a start (take_reservation(), managed-job.c). */
                if (ev->type == UNIT_EVENT_GONE) {
                        /* This container never started: one of its pod that did makes the pod a normal
                         * one (and this container starts then); if none did, the pod never existed. */
                        c->state = CONTAINER_WAITING;
                        for (size_t i = 0; i < p->n_containers; i++)
                                if (p->containers[i].state != CONTAINER_WAITING)
                                        return;
                        log_info("%s/%s: pod attempt %" PRIu64 ", named in advance before jobsd stopped, has "
                                 "no unit: forgotten", ns, job, attempt);
                        pod_volumes_remove(j, p);
                        job_status_remove_pod(&j->record.status, attempt);
                        j->save_wanted = true;
                        manager_queue_sync(m, j);
                        return;
                }
                /* A unit of it exists: the pod was started before jobsd stopped. */
                p->reserved = false;
                j->save_wanted = true;
        }

        switch (ev->type) {
        case UNIT_EVENT_RUNNING: {
                bool was_starting = c->state == CONTAINER_STARTING;

                (void) job_status_record_container_start(&j->record.status, attempt, container, now);
                /* Saved within RUNNING_SAVE_USEC, or by the save of the pod's end if that comes sooner: a
                 * unit found missing after a restart of jobsd has then surely run (stopped by someone
                 * else: a disruption), unlike one still saved as starting (see UNIT_EVENT_GONE). */
                if (was_starting)
                        save_lazily(m, j, RUNNING_SAVE_USEC);
                break;
        }
        case UNIT_EVENT_EXITED:
                if (c->state != CONTAINER_RUNNING && c->state != CONTAINER_STARTING)
                        return;
                if (container_exit_is_start_error(managed_job_in_images(j), ev->started, ev->reason, ev->code)) {
                        JobAction fe = { .warning = true, .reason = (char *) "Failed" };
                        _cleanup_(freep) char *msg = strprintf("Error: container %s of pod attempt %" PRIu64
                                                               " could not run: podman exited %d (see the unit's journal)",
                                                               container, attempt, ev->code);
                        fe.message = msg ?: (char *) "Error: podman could not run the container";
                        job_log_event(j, &fe, now);
                        (void) job_status_record_container_exit(&j->record.status, &j->job->spec, attempt, container,
                                                                128, "StartError", now);
                } else
                        (void) job_status_record_container_exit(&j->record.status, &j->job->spec, attempt, container,
                                                                ev->code, ev->reason, now);
                /* OnFailure: the container runs again as a new unit; this one's result is recorded. */
                if (c->state == CONTAINER_WAITING)
                        (void) unit_bus_remove(m->units, ev->unit);
                break;
        case UNIT_EVENT_START_FAILED:
                log_error("%s: systemd refused to start %s: %s", job, ev->unit, strempty(ev->reason));
                (void) job_status_record_container_exit(&j->record.status, &j->job->spec, attempt, container, 128,
                                                        "StartError", now);
                break;
        case UNIT_EVENT_GONE: {
                /* The unit vanished while it should run (job-status.h, pod_container_unit_gone()). */
                UnitGoneVerdict v = pod_container_unit_gone(p, c, m->systemd_started_usec);

                if (v == UNIT_GONE_IGNORE)
                        return;
                if (v == UNIT_GONE_NEVER_STARTED) {
                        log_notice("%s/%s: %s was never started (jobsd stopped before systemd got "
                                   "it): starting it now", ns, job, ev->unit);
                        c->state = CONTAINER_WAITING;
                        break;
                }
                /* spec §3.6: DisruptionTarget, so that onPodConditions rules see it as on a cluster; not
                 * for a pod jobsd is stopping itself (systemd may unload it before its result is read). */
                if (p->deletion == POD_DELETION_NONE)
                        (void) job_status_record_pod_disruption(&j->record.status, attempt, NULL, now);
                (void) job_status_record_container_exit(&j->record.status, &j->job->spec, attempt, container, 137,
                                                        "Disrupted", now);
                /* A disrupted pod ends as a whole, as on a node that went away: its other containers stop. */
                if (p->disruption)
                        managed_job_pod_units(j, p, false);
                break;
        }
        }
        manager_queue_sync(m, j);
}

int manager_add_cron_child(Manager *m, Job *job, const char *file, const char *owner, usec_t slot_usec,
                           ManagedJob **ret) {
        assert(m);
        assert(job);
        assert(file);
        assert(owner);

        _cleanup_(job_freep) Job *owned = job;
        ManagedJob *j;
        int r;

        if (manager_find_job(m, job_namespace(&job->metadata), job->metadata.name)) {
                log_error("%s: CronJob %s: a Job named %s exists already", file, owner, job->metadata.name);
                return -EEXIST;
        }
        j = calloc(1, sizeof(ManagedJob));
        if (!j)
                return -ENOMEM;
        j->manager = m;
        j->suspend_override = -1;
        j->file = strdup(file);
        j->cron_owner = strdup(owner);
        j->cron_slot_usec = slot_usec;
        j->fingerprint = strprintf("cron:%s", job->metadata.name);
        j->job = TAKE_PTR(owned);
        if (!j->file || !j->cron_owner || !j->fingerprint) {
                managed_job_free(j);
                return -ENOMEM;
        }
        managed_job_apply_suspend(j, j->job->spec.suspend);
        r = managed_job_load_record(j);
        if (r < 0) {
                managed_job_free(j);
                return r;
        }
        r = manager_add_job(m, j);
        if (r < 0) {
                managed_job_free(j);
                return r;
        }
        managed_job_adopt_units(m, j);
        manager_sync_job(m, j);
        if (ret)
                *ret = j;
        return 0;
}

int manager_rerun_job(Manager *m, ManagedJob *j) {
        assert(m);
        assert(j);

        int r;

        for (size_t i = 0; i < j->record.status.n_pods; i++) {
                managed_job_pod_units(j, j->record.status.pods + i, true);
                pod_volumes_remove(j, j->record.status.pods + i);
        }
        r = managed_job_record_new(j);
        if (r < 0)
                return r;
        managed_job_clear_history(j);
        manager_sync_job(m, j);
        return 0;
}
