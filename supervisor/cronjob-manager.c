/* SPDX-License-Identifier: Apache-2.0 */
/* CronJobs in the daemon (spec §5): each has a transient systemd timer whose trigger service calls
 * jobsd back (CronJob1.Trigger); the pure controller (cronjob-controller.c) decides from the CronJob's
 * status and its Jobs what is due. A trigger that arrives when no slot is due creates nothing, so a timer
 * that fires at once when it is made again is harmless. The Jobs it creates are ordinary ManagedJobs
 * with cron_owner set; which Jobs belong to it is kept in "<state>/cronjobs/NS_NAME.jobs" so that a
 * restarted jobsd finds them again. */
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <systemd/sd-journal.h>

#include "api-watch.h"
#include "bus-api.h"
#include "jobsd/log.h"
#include "event-ids.h"
#include "jobsd/render.h"
#include "jobsd/strv.h"
#include "cronjob-manager.h"
#include "job-delete.h"
#include "job-events.h"
#include "job-run.h"
#include "manager-bus.h"
#include "metrics.h"
#include "state-file.h"

/* The OnCalendar= lines are exact for two years (docs/cron.md); the timer is made again well before. */
#define TIMER_RENEW_USEC (30 * 24 * 3600 * USEC_PER_SEC)
/* A backstop in case the timer's call does not arrive (jobctl missing, bus trouble). */
#define BACKSTOP_USEC (5 * USEC_PER_SEC)

const char *managed_cron_job_namespace(const ManagedCronJob *c) {
        return job_namespace(&c->cj->metadata);
}

static const char *cname(const ManagedCronJob *c) {
        return c->cj->metadata.name;
}

static void cron_index_key(const void *item, const char **namespace, const char **name) {
        *namespace = managed_cron_job_namespace(item);
        *name = cname(item);
}

/* Through the index (name-index.h): no scan of all CronJobs per event or bus call. */
ManagedCronJob *manager_find_cron_job(Manager *m, const char *namespace, const char *name) {
        return name_index_find(&m->cron_index, namespace, name);
}

void managed_cron_job_free(ManagedCronJob *c) {
        if (!c)
                return;
        sd_event_source_disable_unref(c->wake);
        sd_event_source_disable_unref(c->timer_retry);
        job_events_clear(&c->events, &c->n_events);
        free(c->file);
        free(c->timer_key);
        cron_job_free(c->cj);
        cronjob_status_done(&c->status);
        free(c);
}

/* "<state>/cronjobs/NS_NAME.<suffix>" (state-file.h). */
static char *state_file(const ManagedCronJob *c, const char *suffix) {
        return state_file_path(c->manager->state_dir, "cronjobs", managed_cron_job_namespace(c), cname(c), suffix);
}

static int write_state_file(const ManagedCronJob *c, const char *suffix, const char *text) {
        return state_file_put(c->manager->state_dir, "cronjobs", managed_cron_job_namespace(c), cname(c), suffix, text,
                              strlen(text));
}

static void log_cron_event(ManagedCronJob *c, bool warning, const char *reason, const char *message) {
        usec_t now = manager_now();

        (void) sd_journal_send("MESSAGE=%s/%s: %s: %s", managed_cron_job_namespace(c), cname(c), reason, message,
                               "MESSAGE_ID=%s", event_message_id(reason),
                               "PRIORITY=%d", warning ? 4 : 6,
                               "JOB_NAMESPACE=%s", managed_cron_job_namespace(c),
                               "CRONJOB_NAME=%s", cname(c),
                               "REASON=%s", reason,
                               "EVENT_TYPE=%s", warning ? "Warning" : "Normal",
                               NULL);
        job_events_append(&c->events, &c->n_events, now, warning, reason, message);
}

/* "<name> <slot µs>" per line; slot 0 = a manual run. */
static int save_children(ManagedCronJob *c) {
        _cleanup_(freep) char *text = NULL;
        _cleanup_(freep) usec_t *slots = NULL;
        CronChild *children = NULL;
        size_t size = 0, n = 0;
        FILE *f;
        int r;

        r = manager_list_cron_children(c->manager, managed_cron_job_namespace(c), cname(c), &children, &slots, &n);
        if (r < 0)
                return r;
        f = open_memstream(&text, &size);
        if (!f) {
                cron_children_free(children, n);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++)
                fprintf(f, "%s %" PRIu64 "\n", children[i].name, slots[i]);
        cron_children_free(children, n);
        if (fclose(f) != 0)
                return -ENOMEM;
        return write_state_file(c, "jobs", text);
}

static int load_children(ManagedCronJob *c) {
        _cleanup_(freep) char *path = state_file(c, "jobs");
        char line[512];
        FILE *f;

        if (!path)
                return -ENOMEM;
        f = fopen(path, "re");
        if (!f)
                return errno == ENOENT ? 0 : -errno;
        while (fgets(line, sizeof(line), f)) {
                char name[300];
                uint64_t slot;
                _cleanup_(job_freep) Job *job = NULL;
                int r;

                if (sscanf(line, "%299s %" SCNu64, name, &slot) != 2) {
                        log_error("%s: malformed line in %s, skipped: %s", cname(c), path, line);
                        continue;
                }
                if (c->manager && manager_find_job(c->manager, managed_cron_job_namespace(c), name))
                        continue;
                /* Made again from the current jobTemplate: a template edited while jobsd was stopped
                 * applies to the Jobs made before it too (docs/cronjobs.md). */
                r = slot > 0 ? cronjob_make_job(c->cj, slot, &job) : cronjob_make_manual_job(c->cj, name, &job);
                if (r < 0) {
                        fclose(f);
                        return r;
                }
                free(job->metadata.name);
                job->metadata.name = strdup(name);
                if (!job->metadata.name) {
                        fclose(f);
                        return -ENOMEM;
                }
                r = manager_add_cron_child(c->manager, TAKE_PTR(job), c->file, cname(c), slot, NULL);
                if (r < 0)
                        log_error_errno(r, "%s: cannot take back Job %s: %m", cname(c), name);
        }
        fclose(f);
        return 0;
}

static char *suspend_file(const ManagedCronJob *c) {
        return state_file(c, "suspend");
}

/* jobctl suspend/resume cronjob: as for Jobs, kept until the manifest's own spec.suspend changes. */
static void apply_suspend(ManagedCronJob *c) {
        _cleanup_(freep) char *path = suspend_file(c);
        int o = -1, base = -1;
        FILE *f;

        if (!path || !(f = fopen(path, "re")))
                return;
        if (fscanf(f, "%d %d", &o, &base) != 2)
                o = -1;
        fclose(f);
        if (o >= 0 && base == (int) c->cj->spec.suspend)
                c->cj->spec.suspend = !!o;
        else
                (void) unlink(path);
}

static char *timer_key(const ManagedCronJob *c) {
        return strprintf("%s|%s|%d", c->cj->spec.schedule, strempty(c->cj->spec.time_zone), c->cj->spec.suspend);
}

static void timer_stop(ManagedCronJob *c) {
        _cleanup_(freep) char *t = cron_job_unit_name(managed_cron_job_namespace(c), cname(c), "timer");

        if (t)
                (void) unit_bus_stop(c->manager->units, t);
}

static int timer_start(ManagedCronJob *c) {
        _cleanup_(unit_spec_done) UnitSpec t = {}, s = {};
        _cleanup_(freep) char *err = NULL;
        RenderContext ctx = { .trigger_command = c->manager->jobctl_path, .user_manager = c->manager->user };
        int r;

        r = render_cron_job_timer(c->cj, manager_now(), RENDER_CRON_HORIZON_USEC, &ctx, &t, &s, &err);
        if (r < 0) {
                log_error("%s/%s: no timer: %s", managed_cron_job_namespace(c), cname(c),
                          err ?: strerror(-r));
                return r;
        }
        return unit_bus_start_with_aux(c->manager->units, &t, &s);
}

static int on_timer_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        ManagedCronJob *c = userdata;

        (void) timer_start(c);
        return 0;
}

/* At start: the CronJob timers systemd runs still ("UNIT\tDESCRIPTION", sorted), from one
 * ListUnitsByPatterns call (manager_cron_timers_snapshot()), so that a restarted jobsd keeps each timer
 * that is what it would make, instead of stopping and making every one again. */
static int timer_line_cmp(const void *key, const void *line) {
        const char *l = *(char * const *) line, *tab = strchr(l, '\t');
        size_t n = tab ? (size_t) (tab - l) : strlen(l);
        int r = strncmp(key, l, n);

        return r != 0 ? r : ((const char *) key)[n] == 0 ? 0 : 1;
}

static int str_cmp(const void *a, const void *b) {
        return strcmp(*(char * const *) a, *(char * const *) b);
}

int manager_cron_timers_snapshot(Manager *m) {
        _cleanup_(strv_freep) char **units = NULL, **descriptions = NULL;
        size_t n = 0;
        int r;

        r = unit_bus_list_active(m->units, "jobsd-cron_*.timer", &units, &descriptions);
        if (r < 0)
                return r;
        for (size_t i = 0; units && units[i]; i++) {
                char *line = strprintf("%s\t%s", units[i], strempty(descriptions ? descriptions[i] : NULL));
                if (!line || strv_push_n(&m->start_timers, &n, line) < 0) {
                        free(line);
                        return -ENOMEM;
                }
        }
        if (n > 0)
                qsort(m->start_timers, n, sizeof(char *), str_cmp);
        m->n_start_timers = n;
        return 0;
}

void manager_cron_timers_forget(Manager *m) {
        m->start_timers = strv_free(m->start_timers);
        m->n_start_timers = 0;
}

/* "<state>/cronjobs/NS_NAME.timer": the key and the time of the timer made last. Not synced: a lost or
 * stale file only means the timer is made again. */
static void timer_note(ManagedCronJob *c, bool made) {
        _cleanup_(freep) char *path = state_file(c, "timer");
        FILE *f;

        if (!path)
                return;
        if (!made) {
                (void) unlink(path);
                return;
        }
        f = fopen(path, "we");
        if (!f)
                return;
        fprintf(f, "%s\n%" PRIu64 "\n", c->timer_key, (uint64_t) c->timer_made_usec);
        fclose(f);
}

/* The timer of a CronJob first seen by this jobsd (key: what it would be made for) is adopted if
 * systemd runs it with the description it would have, and the note says it was made for key less than
 * TIMER_RENEW_USEC ago: then it is left as it is (and renewed when due), not made again. */
static bool timer_adopt(ManagedCronJob *c, const char *key, usec_t now) {
        _cleanup_(unit_spec_done) UnitSpec t = {}, s = {};
        _cleanup_(freep) char *err = NULL, *path = NULL, *unit = NULL;
        RenderContext ctx = { .trigger_command = c->manager->jobctl_path, .user_manager = c->manager->user };
        const UnitProp *d;
        char saved[1024], made[32];
        char **line;
        uint64_t made_usec;
        FILE *f;

        if (c->manager->n_start_timers == 0)
                return false;
        unit = cron_job_unit_name(managed_cron_job_namespace(c), cname(c), "timer");
        line = unit ? bsearch(unit, c->manager->start_timers, c->manager->n_start_timers, sizeof(char *),
                              timer_line_cmp) : NULL;
        if (!line)
                return false;
        if (render_cron_job_timer(c->cj, now, RENDER_CRON_HORIZON_USEC, &ctx, &t, &s, &err) < 0 ||
            !(d = unit_spec_get(&t, UNIT_PROP_DESCRIPTION)) || !d->string ||
            !streq(strchr(*line, '\t') + 1, d->string))
                return false;
        path = state_file(c, "timer");
        if (!path || !(f = fopen(path, "re")))
                return false;
        if (!fgets(saved, sizeof(saved), f) || !fgets(made, sizeof(made), f)) {
                fclose(f);
                return false;
        }
        fclose(f);
        saved[strcspn(saved, "\n")] = 0;
        if (!streq(saved, key) || sscanf(made, "%" SCNu64, &made_usec) != 1 || made_usec > now ||
            now >= made_usec + TIMER_RENEW_USEC)
                return false;
        c->timer_made_usec = made_usec;
        return true;
}

/* The timer exists while the CronJob is not suspended, made for its current schedule and zone, and
 * made again every TIMER_RENEW_USEC (its lines cover two years). Making it again: stop, then start; a
 * start that finds the old one still loaded is retried (manager_cron_unit_event()). */
static void timer_update(ManagedCronJob *c) {
        _cleanup_(freep) char *key = timer_key(c);
        usec_t now = manager_now();
        bool want = !c->cj->spec.suspend && !c->status_bad;

        if (!key)
                return;
        if (c->timer_key && streq(c->timer_key, key) && now < c->timer_made_usec + TIMER_RENEW_USEC)
                return;
        if (!c->timer_key && want && timer_adopt(c, key, now)) {
                c->timer_key = TAKE_PTR(key);
                c->timer_attempts = 0;
                return;
        }
        if (c->timer_key)
                timer_stop(c);
        free(c->timer_key);
        c->timer_key = TAKE_PTR(key);
        c->timer_made_usec = now;
        c->timer_attempts = 0;
        if (want)
                (void) timer_start(c);
        timer_note(c, want);
}

/* Start failures of the timer: the old one (or its service, still running a trigger) is loaded yet. */
void manager_cron_unit_event(Manager *m, const UnitEvent *ev) {
        _cleanup_(freep) char *ns = NULL, *name = NULL;
        const char *p, *sep, *dot;
        ManagedCronJob *c;

        if (ev->type != UNIT_EVENT_START_FAILED || !endswith(ev->unit, ".timer"))
                return;
        /* "jobsd-cron_NS_NAME.timer" (cron_job_unit_name()): a namespace is a DNS label and a name a DNS
         * subdomain, neither has '_', so the CronJob is found by its name, not by a walk of them all. */
        p = startswith(ev->unit, "jobsd-cron_");
        sep = p ? strchr(p, '_') : NULL;
        dot = strrchr(ev->unit, '.');
        if (!sep || dot <= sep + 1)
                return;
        ns = strndup(p, sep - p);
        name = strndup(sep + 1, dot - sep - 1);
        if (!ns || !name)
                return;
        c = manager_find_cron_job(m, ns, name);
        if (c) {
                _cleanup_(freep) char *t = cron_job_unit_name(managed_cron_job_namespace(c), cname(c), "timer"),
                        *svc = cron_job_unit_name(managed_cron_job_namespace(c), cname(c), "service");
                if (!t || !svc || !streq(t, ev->unit))
                        return;
                if (++c->timer_attempts > 100) {
                        log_error("%s/%s: cannot make its timer %s: %s", managed_cron_job_namespace(c),
                                  cname(c), t, strempty(ev->reason));
                        return;
                }
                (void) unit_bus_stop(m->units, t);
                (void) unit_bus_remove(m->units, svc);
                /* Backing off (0.1 s doubled up to 6.4 s): after a restart with a thousand CronJobs, every
                 * timer is still loaded, and fixed 0.1 s retries queued stops and starts in systemd faster
                 * than it ran them, until each CronJob gave up after 100 attempts (docs/performance.md). */
                usec_t delay = (100 * USEC_PER_MSEC) << MIN(c->timer_attempts - 1, 6u);
                if (c->timer_retry) {
                        (void) sd_event_source_set_time_relative(c->timer_retry, delay);
                        (void) sd_event_source_set_enabled(c->timer_retry, SD_EVENT_ONESHOT);
                } else
                        (void) sd_event_add_time_relative(m->event, &c->timer_retry, CLOCK_MONOTONIC, delay, 0,
                                                          on_timer_retry, c);
                return;
        }
}

static int on_wake(sd_event_source *s, uint64_t usec, void *userdata) {
        ManagedCronJob *c = userdata;

        manager_sync_cron_job(c->manager, c);
        return 0;
}

static void arm_wake(ManagedCronJob *c, usec_t at) {
        int r;

        if (c->wake) {
                r = sd_event_source_set_time(c->wake, at);
                if (r >= 0)
                        r = sd_event_source_set_enabled(c->wake, SD_EVENT_ONESHOT);
        } else
                r = sd_event_add_time(c->manager->event, &c->wake, CLOCK_REALTIME, at, 10 * USEC_PER_MSEC, on_wake, c);
        if (r < 0)
                log_error_errno(r, "%s: cannot arm timer: %m", cname(c));
}

void manager_cron_job_poke(Manager *m, const char *namespace, const char *name) {
        ManagedCronJob *c = manager_find_cron_job(m, namespace, name);

        if (c)
                arm_wake(c, 1);         /* as soon as the loop comes round */
}

static void save_status(ManagedCronJob *c) {
        int r = cronjob_state_save(c->manager->state_dir, managed_cron_job_namespace(c), cname(c), &c->status);

        if (r < 0)
                log_error_errno(r, "%s/%s: cannot save state to %s: %m", managed_cron_job_namespace(c), cname(c),
                                c->manager->state_dir);
}

static int create_child(ManagedCronJob *c, const CronAction *a) {
        _cleanup_(job_freep) Job *job = NULL;
        int r;

        r = cronjob_make_job(c->cj, a->slot_usec, &job);
        if (r < 0)
                return r;
        return manager_add_cron_child(c->manager, TAKE_PTR(job), c->file, cname(c), a->slot_usec, NULL);
}

void manager_sync_cron_job(Manager *m, ManagedCronJob *c) {
        _cleanup_(cron_action_list_done) CronActionList l = {};
        CronChild *children = NULL;
        size_t n = 0;
        bool children_changed = false;
        usec_t now = manager_now();
        int r;

        if (c->status_bad)
                return;
        timer_update(c);
        r = manager_list_cron_children(m, managed_cron_job_namespace(c), cname(c), &children, NULL, &n);
        if (r < 0)
                goto oom;
        r = cronjob_reconcile(c->cj, &c->status, children, n, now, &l);
        if (r < 0)
                goto oom;
        /* Created before the status is saved: after a crash in between, the controller finds the Job. */
        for (size_t i = 0; i < l.n; i++) {
                const CronAction *a = l.items + i;
                ManagedJob *j;

                switch (a->type) {
                case CRON_ACTION_CREATE_JOB:
                        r = create_child(c, a);
                        if (r < 0) {
                                _cleanup_(freep) char *msg = strprintf("Error creating job: %s", strerror(-r));
                                log_cron_event(c, true, "FailedCreate", msg ?: "Error creating job");
                        }
                        children_changed = true;
                        break;
                case CRON_ACTION_DELETE_JOB:
                        j = manager_find_job(m, managed_cron_job_namespace(c), a->job);
                        if (j)
                                (void) manager_delete_job(m, j, "background");
                        children_changed = true;
                        break;
                case CRON_ACTION_EVENT:
                        log_cron_event(c, a->warning, a->reason, a->message);
                        break;
                default:
                        break;
                }
        }
        if (children_changed)
                (void) save_children(c);
        if (l.changed)
                save_status(c);
        c->next_usec = l.next_usec;
        if (l.next_usec > 0)
                arm_wake(c, l.next_usec + BACKSTOP_USEC);
        else if (c->wake)
                (void) sd_event_source_set_enabled(c->wake, SD_EVENT_OFF);
        manager_bus_cron_job_changed(m, c);
        goto done;
oom:
        log_error("%s: out of memory", cname(c));
done:
        cron_children_free(children, n);
}

static int cron_job_add(Manager *m, ManagedCronJob *c) {
        /* The array grows by doubling: O(1) amortized per add. */
        if (m->n_cron_jobs >= m->n_cron_jobs_allocated) {
                size_t a = m->n_cron_jobs_allocated ? m->n_cron_jobs_allocated * 2 : 16;
                ManagedCronJob **n = realloc(m->cron_jobs, sizeof(ManagedCronJob *) * a);

                if (!n)
                        return -ENOMEM;
                m->cron_jobs = n;
                m->n_cron_jobs_allocated = a;
        }
        m->cron_index.key = cron_index_key;
        if (name_index_add(&m->cron_index, c) < 0)
                return -ENOMEM;
        c->position = m->n_cron_jobs;
        m->cron_jobs[m->n_cron_jobs++] = c;
        api_cron_job_event(m, c, API_WATCH_ADDED);
        return 0;
}

int manager_update_cron_job(Manager *m, Manifest *mf) {
        CronJob *cj = mf->cron_job;
        ManagedCronJob *c = manager_find_cron_job(m, job_namespace(&cj->metadata), cj->metadata.name);
        _cleanup_(freep) char *dir = NULL, *err = NULL;
        int r;

        if (c) {
                if (!streq(c->file, mf->file)) {
                        log_error("%s: CronJob %s is already defined in %s, ignoring this one", mf->file,
                                  cj->metadata.name, c->file);
                        return 0;
                }
                /* spec §5.1: every field may change; the controller notices schedule edits itself. */
                if (c->status_bad) {
                        /* The state file may have been repaired (or removed) since: look again. */
                        CronJobStatus st = {};
                        r = cronjob_state_load(m->state_dir, managed_cron_job_namespace(c), cname(c), &st, NULL);
                        if (r >= 0 || r == -ENOENT) {
                                log_notice("%s/%s: CronJob state file %s: going on",
                                           managed_cron_job_namespace(c), cname(c),
                                           r >= 0 ? "readable again" : "removed, starting afresh");
                                cronjob_status_done(&c->status);
                                c->status = r >= 0 ? st : (CronJobStatus) { .created_usec = manager_now() };
                                c->status_bad = false;
                                if (r == -ENOENT)
                                        save_status(c);
                                r = load_children(c);
                                if (r < 0)
                                        log_error_errno(r, "%s: cannot read its Jobs: %m", cname(c));
                        }
                }
                cron_job_free(c->cj);
                c->cj = TAKE_PTR(mf->cron_job);
                apply_suspend(c);
                manager_sync_cron_job(m, c);
                return 0;
        }

        c = calloc(1, sizeof(ManagedCronJob));
        if (!c)
                return -ENOMEM;
        c->manager = m;
        c->file = strdup(mf->file);
        c->cj = TAKE_PTR(mf->cron_job);
        dir = strprintf("%s/cronjobs", m->state_dir);
        if (!c->file || !dir) {
                managed_cron_job_free(c);
                return -ENOMEM;
        }
        (void) mkdir(dir, 0700);
        apply_suspend(c);
        r = cronjob_state_load(m->state_dir, managed_cron_job_namespace(c), cname(c), &c->status, &err);
        if (r == -ENOENT) {
                c->status = (CronJobStatus) { .created_usec = manager_now() };
                save_status(c);
        } else if (r < 0) {
                /* Never silently forget its schedule history: keep the file, run nothing. */
                log_error("%s/%s: CronJob state file is unreadable (%s): not run until it is repaired "
                          "or removed", managed_cron_job_namespace(c), cname(c), err ?: strerror(-r));
                c->status_bad = true;
        }
        r = cron_job_add(m, c);
        if (r < 0) {
                managed_cron_job_free(c);
                return r;
        }
        if (!c->status_bad) {
                r = load_children(c);
                if (r < 0)
                        log_error_errno(r, "%s: cannot read its Jobs: %m", cname(c));
        }
        manager_sync_cron_job(m, c);
        return 0;
}

void manager_remove_cron_job(Manager *m, ManagedCronJob *c) {
        log_info("%s: no longer defines CronJob %s: deleting it and its Jobs", c->file, cname(c));
        metrics_poke(m);
        api_cron_job_event(m, c, API_WATCH_DELETED);
        timer_stop(c);
        manager_delete_cron_children(m, managed_cron_job_namespace(c), cname(c));
        (void) cronjob_state_remove(m->state_dir, managed_cron_job_namespace(c), cname(c));
        (void) state_file_delete(m->state_dir, "cronjobs", managed_cron_job_namespace(c), cname(c), "jobs");
        (void) state_file_delete(m->state_dir, "cronjobs", managed_cron_job_namespace(c), cname(c), "suspend");
        (void) state_file_delete(m->state_dir, "cronjobs", managed_cron_job_namespace(c), cname(c), "timer");
        name_index_remove(&m->cron_index, c);
        /* The last CronJob fills the gap: no walk, no move of the rest (the order is not kept). */
        assert(c->position < m->n_cron_jobs && m->cron_jobs[c->position] == c);
        if (c->position < --m->n_cron_jobs) {
                m->cron_jobs[c->position] = m->cron_jobs[m->n_cron_jobs];
                m->cron_jobs[c->position]->position = c->position;
        }
        managed_cron_job_free(c);
}

int manager_cron_job_set_suspend(Manager *m, ManagedCronJob *c, bool suspend) {
        _cleanup_(freep) char *path = suspend_file(c), *text = NULL;
        bool manifest_value;
        FILE *f;
        int o = -1, base = -1, r;

        if (!path)
                return -ENOMEM;
        /* The manifest's own value: what an override file recorded, else what is in effect now. */
        manifest_value = c->cj->spec.suspend;
        if ((f = fopen(path, "re"))) {
                if (fscanf(f, "%d %d", &o, &base) == 2 && o >= 0)
                        manifest_value = base;
                fclose(f);
        }
        text = strprintf("%d %d\n", suspend, manifest_value);
        if (!text)
                return -ENOMEM;
        r = write_state_file(c, "suspend", text);
        if (r < 0)
                return r;
        c->cj->spec.suspend = suspend;
        log_info("%s/%s: %s by request", managed_cron_job_namespace(c), cname(c),
                 suspend ? "suspended" : "resumed");
        manager_sync_cron_job(m, c);
        return 0;
}

int manager_cron_job_create_manual(Manager *m, ManagedCronJob *c, const char *name, sd_bus_error *error) {
        _cleanup_(job_freep) Job *job = NULL;
        int r;

        if (manager_find_job(m, managed_cron_job_namespace(c), name))
                return sd_bus_error_setf(error, JOBSD_ERROR_ALREADY_EXISTS, "jobs.batch \"%s\" already exists", name);
        r = cronjob_make_manual_job(c->cj, name, &job);
        if (r < 0)
                return r;
        r = manager_add_cron_child(m, TAKE_PTR(job), c->file, cname(c), 0, NULL);
        if (r < 0)
                return r;
        (void) save_children(c);
        manager_cron_job_poke(m, managed_cron_job_namespace(c), cname(c));
        return 0;
}
