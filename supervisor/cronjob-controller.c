/* SPDX-License-Identifier: Apache-2.0 */
/* The CronJob controller, pure (spec §5.5–§5.7): (CronJob, status, its Jobs, now) → status changes and actions. */
#include <inttypes.h>
#include <stdarg.h>

#include "cronjob-controller.h"
#include "job-copy.h"
#include "jobsd/cron.h"
#include "jobsd/render.h"
#include "jobsd/strv.h"
#include "jobsd/tz.h"

/* More missed slots than this: TooManyMissedTimes (spec §5.5 step 3). */
#define MISSED_SLOTS_MAX 100

void cron_action_list_done(CronActionList *l) {
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].job);
                free(l->items[i].reason);
                free(l->items[i].message);
        }
        free(l->items);
        *l = (CronActionList) {};
}

static int action_add(CronActionList *l, CronActionType type, const char *job, usec_t slot) {
        CronAction *n = realloc(l->items, sizeof(CronAction) * (l->n + 1));

        if (!n)
                return -ENOMEM;
        l->items = n;
        n[l->n] = (CronAction) { .type = type, .slot_usec = slot };
        if (job) {
                n[l->n].job = strdup(job);
                if (!n[l->n].job)
                        return -ENOMEM;
        }
        l->n++;
        return 0;
}

static int event_add(CronActionList *l, bool warning, const char *reason, const char *fmt, ...) _printf_(4, 5);
static int event_add(CronActionList *l, bool warning, const char *reason, const char *fmt, ...) {
        CronAction *a;
        va_list ap;
        int r;

        r = action_add(l, CRON_ACTION_EVENT, NULL, 0);
        if (r < 0)
                return r;
        a = l->items + l->n - 1;
        a->warning = warning;
        a->reason = strdup(reason);
        va_start(ap, fmt);
        a->message = vstrprintf(fmt, ap);
        va_end(ap);
        return a->reason && a->message ? 0 : -ENOMEM;
}

char *cronjob_job_name(const char *cronjob, usec_t slot_usec) {
        return strprintf("%s-%" PRIu64, cronjob, (uint64_t) (slot_usec / USEC_PER_MINUTE));
}

static void format_local(char *buf, size_t size, const LocalTime *lt) {
        snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d", lt->year, lt->month, lt->day, lt->hour, lt->minute,
                 lt->second);
}

int cronjob_format_timestamp(usec_t t, const char *tz, char **ret) {
        _cleanup_(time_zone_freep) TimeZone *z = NULL;
        int64_t secs = (int64_t) (t / USEC_PER_SEC);
        char local[64];
        LocalTime lt;
        int32_t off;
        int r;

        r = time_zone_load(tz ?: "UTC", &z);
        if (r < 0)
                return r;
        off = time_zone_lookup(z, secs, NULL, NULL);
        time_zone_local(z, secs, &lt);
        format_local(local, sizeof(local), &lt);
        /* Go's "Z07:00": Z for a zero offset, else ±hh:mm (seconds of the offset dropped). */
        if (off == 0)
                *ret = strprintf("%sZ", local);
        else
                *ret = strprintf("%s%c%02d:%02d", local, off < 0 ? '-' : '+', abs(off) / 3600, abs(off) / 60 % 60);
        return *ret ? 0 : -ENOMEM;
}

/* RFC 1123Z in UTC, for MissSchedule: "Mon, 05 Jan 2026 10:00:00 +0000". */
static char *format_rfc1123z_utc(usec_t t) {
        static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
        static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
        int64_t secs = (int64_t) (t / USEC_PER_SEC), d = secs / 86400, s = secs % 86400;
        int y, m, day;

        civil_from_days(d, &y, &m, &day);
        return strprintf("%s, %02d %s %04d %02d:%02d:%02d +0000", days[(d + 4) % 7], day, months[m - 1], y,
                         (int) (s / 3600), (int) (s / 60 % 60), (int) (s % 60));
}

/* ---- history (spec §5.7) ---- */

typedef struct ChildRef {
        const CronChild *child;
        size_t index;
} ChildRef;

/* By status.startTime, oldest first; a child without one is the newest; ties by name. */
static int child_cmp(const void *a, const void *b) {
        const CronChild *x = ((const ChildRef *) a)->child, *y = ((const ChildRef *) b)->child;

        if (x->start_usec == 0 && y->start_usec != 0)
                return 1;
        if (x->start_usec != 0 && y->start_usec == 0)
                return -1;
        if (x->start_usec != y->start_usec)
                return x->start_usec < y->start_usec ? -1 : 1;
        return strcmp(x->name, y->name);
}

static bool active_remove(CronJobStatus *s, const char *name) {
        size_t n = strv_length(s->active), k = 0;
        bool found = false;

        for (size_t i = 0; i < n; i++)
                if (!found && streq(s->active[i], name)) {
                        free(s->active[i]);
                        found = true;
                } else
                        s->active[k++] = s->active[i];
        if (s->active)
                s->active[k] = NULL;
        return found;
}

static int delete_job(CronJobStatus *s, const char *name, CronActionList *l) {
        int r;

        r = action_add(l, CRON_ACTION_DELETE_JOB, name, 0);
        if (r < 0)
                return r;
        if (active_remove(s, name))
                l->changed = true;
        return event_add(l, false, "SuccessfulDelete", "Deleted job %s", name);
}

static int prune_history(CronJobStatus *s, const CronChild *children, size_t n, CronChildState state, int32_t limit,
                         bool *pruned, CronActionList *l) {
        _cleanup_(freep) ChildRef *refs = NULL;
        size_t k = 0;
        int r;

        if (limit < 0)          /* unset: no limit */
                return 0;
        refs = calloc(n + 1, sizeof(ChildRef));
        if (!refs)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (children[i].state == state)
                        refs[k++] = (ChildRef) { children + i, i };
        if (k <= (size_t) limit)
                return 0;
        qsort(refs, k, sizeof(ChildRef), child_cmp);
        for (size_t i = 0; i < k - (size_t) limit; i++) {
                r = delete_job(s, refs[i].child->name, l);
                if (r < 0)
                        return r;
                pruned[refs[i].index] = true;
        }
        return 0;
}

/* ---- the slot (spec §5.5 step 3, jobsd's exact rule) ---- */

/* The latest firing in (from, now] and how many there are (counted up to max + 1). *ret_slot = 0: none.
 * -ENOENT: the schedule has no firing after from at all. */
static int walk_slots(const CronSpec *c, const TimeZone *z, usec_t from, usec_t now, uint64_t max,
                      usec_t *ret_slot, uint64_t *ret_count) {
        usec_t t = from, slot = 0;
        uint64_t count = 0;
        int r;

        for (;;) {
                usec_t next;

                r = cron_spec_next_in_zone(c, z, t, &next);
                if (r == -ENOENT && t != from)
                        break;
                if (r < 0)
                        return r;
                if (next > now || next <= t)
                        break;
                slot = t = next;
                if (++count > max)
                        break;
        }
        *ret_slot = slot;
        *ret_count = count;
        return 0;
}

static int latest_slot(const CronSpec *c, const TimeZone *z, usec_t earliest, usec_t now, usec_t *ret_slot,
                       uint64_t *ret_missed) {
        /* Windows back from now in which to look for the latest slot once there are too many to walk. */
        static const usec_t windows[] = { USEC_PER_HOUR, USEC_PER_DAY, 8 * USEC_PER_DAY, 32 * USEC_PER_DAY,
                                          367 * USEC_PER_DAY, 5 * 367 * USEC_PER_DAY };
        uint64_t count, ignored;
        usec_t slot;
        int r;

        *ret_slot = 0;
        *ret_missed = 0;
        if (earliest >= now)
                return 0;
        r = walk_slots(c, z, earliest, now, MISSED_SLOTS_MAX, &slot, &count);
        if (r < 0)
                return r;
        *ret_missed = count;
        if (count <= MISSED_SLOTS_MAX) {
                *ret_slot = slot;
                return 0;
        }
        /* More than 100: the latest is near now; every slot of a window is walked, so the latest found in
         * one is the latest of all. */
        for (size_t i = 0; i < ELEMENTSOF(windows); i++) {
                usec_t from = now > windows[i] ? MAX(earliest, now - windows[i]) : earliest;
                r = walk_slots(c, z, from, now, UINT64_MAX, &slot, &ignored);
                if (r < 0 && r != -ENOENT)
                        return r;
                if (r >= 0 && slot > 0) {
                        *ret_slot = slot;
                        return 0;
                }
                if (from == earliest)
                        break;
        }
        r = walk_slots(c, z, earliest, now, UINT64_MAX, &slot, &ignored);
        if (r < 0)
                return r;
        *ret_slot = slot;
        return 0;
}

static const CronChild *child_find(const CronChild *children, size_t n, const bool *pruned, const char *name) {
        for (size_t i = 0; i < n; i++)
                if (!pruned[i] && streq(children[i].name, name))
                        return children + i;
        return NULL;
}

static int set_str(char **p, const char *v, bool *changed) {
        if (streq_ptr(*p, v))
                return 0;
        free(*p);
        *p = NULL;
        if (v) {
                *p = strdup(v);
                if (!*p)
                        return -ENOMEM;
        }
        *changed = true;
        return 0;
}

static int reconcile(const CronJob *cj, CronJobStatus *s, const CronChild *children, size_t n, usec_t now,
                     CronActionList *l) {
        const CronJobSpec *spec = &cj->spec;
        _cleanup_(time_zone_freep) TimeZone *z = NULL;
        _cleanup_(freep) bool *pruned = NULL;
        _cleanup_(freep) char *name = NULL;
        _cleanup_(strv_freep) char **listed = NULL;
        const CronChild *existing;
        usec_t earliest, slot, deadline = 0;
        uint64_t missed;
        int r;

        pruned = calloc(n + 1, sizeof(bool));
        if (!pruned)
                return -ENOMEM;

        /* lastSuccessfulTime: the newest completion of a successful child, pruned now or not. */
        for (size_t i = 0; i < n; i++)
                if (children[i].state == CRON_CHILD_COMPLETE && children[i].completion_usec > s->last_successful_usec) {
                        s->last_successful_usec = children[i].completion_usec;
                        l->changed = true;
                }

        /* 1. History, then status.active against the children. A pruned Job leaves active silently. */
        r = prune_history(s, children, n, CRON_CHILD_COMPLETE, spec->successful_jobs_history_limit, pruned, l);
        if (r < 0)
                return r;
        r = prune_history(s, children, n, CRON_CHILD_FAILED, spec->failed_jobs_history_limit, pruned, l);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                const CronChild *c = children + i;
                bool found = strv_contains(s->active, c->name);

                r = 0;
                if (pruned[i])
                        continue;
                if (!found && c->state == CRON_CHILD_RUNNING)
                        r = event_add(l, true, "UnexpectedJob", "Saw a job that the controller did not create or forgot: %s",
                                      c->name);
                else if (found && c->state != CRON_CHILD_RUNNING) {
                        active_remove(s, c->name);
                        l->changed = true;
                        r = event_add(l, false, "SawCompletedJob", "Saw completed job: %s, status: %s", c->name,
                                      c->state == CRON_CHILD_COMPLETE ? "Complete" : "Failed");
                }
                if (r < 0)
                        return r;
        }
        listed = strv_copy(s->active);
        if (!listed)
                return -ENOMEM;
        STRV_FOREACH(a, listed)
                if (!child_find(children, n, pruned, *a)) {
                        active_remove(s, *a);
                        l->changed = true;
                        r = event_add(l, false, "MissingJob", "Active job went missing: %s", *a);
                        if (r < 0)
                                return r;
                }

        /* A new schedule or time zone is an edit: it is re-queued at its next slot, and its slots up to
         * now never run, whatever calls come before that (spec §5.7). The first sync just records them. */
        if (s->schedule && (!streq(s->schedule, spec->schedule) || !streq_ptr(s->time_zone, spec->time_zone))) {
                s->edited_usec = now;
                l->changed = true;
        }
        r = set_str(&s->schedule, spec->schedule, &l->changed);
        if (r < 0)
                return r;
        r = set_str(&s->time_zone, spec->time_zone, &l->changed);
        if (r < 0)
                return r;

        /* 2. Stop if the zone is unknown or the CronJob is suspended. */
        r = time_zone_load(spec->time_zone, &z);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return event_add(l, true, "UnknownTimeZone", "invalid timeZone: \"%s\": unknown time zone %s",
                                 spec->time_zone ?: "Local", spec->time_zone ?: "Local");
        if (spec->suspend)
                return 0;

        r = cron_spec_next_in_zone(&spec->cron, z, now, &l->next_usec);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                l->next_usec = 0;

        /* 3. The slot. */
        earliest = MAX(s->last_schedule_usec > 0 ? s->last_schedule_usec : s->created_usec, s->edited_usec);
        if (spec->starting_deadline_seconds >= 0 &&
            (uint64_t) spec->starting_deadline_seconds < now / USEC_PER_SEC) {
                deadline = now - (usec_t) spec->starting_deadline_seconds * USEC_PER_SEC;
                earliest = MAX(earliest, deadline);
        }
        r = latest_slot(&spec->cron, z, earliest, now, &slot, &missed);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return event_add(l, true, "InvalidSchedule", "invalid schedule: %s : %s", spec->schedule,
                                 "time difference between two schedules is less than 1 second");
        if (missed > MISSED_SLOTS_MAX) {
                r = event_add(l, true, "TooManyMissedTimes",
                              "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew");
                if (r < 0)
                        return r;
        }
        if (slot == 0)
                return 0;

        /* 4. Too late (unreachable with the window above, kept as Kubernetes has it). */
        if (slot < deadline) {
                _cleanup_(freep) char *when = format_rfc1123z_utc(slot);
                if (!when)
                        return -ENOMEM;
                return event_add(l, true, "MissSchedule", "Missed scheduled time to start a job: %s", when);
        }

        /* 5. Already done. */
        name = cronjob_job_name(cj->metadata.name, slot);
        if (!name)
                return -ENOMEM;
        if (strv_contains(s->active, name) || s->last_schedule_usec == slot)
                return 0;

        /* 6. Forbid. lastScheduleTime stays, so the newest missed slot runs when the active Job ends. */
        if (spec->concurrency_policy == CONCURRENCY_FORBID && strv_length(s->active) > 0)
                return event_add(l, false, "JobAlreadyActive",
                                 "Not starting job because prior execution is running and concurrency policy is Forbid");

        /* 7. Replace. */
        if (spec->concurrency_policy == CONCURRENCY_REPLACE) {
                _cleanup_(strv_freep) char **old = strv_copy(s->active);
                if (!old)
                        return -ENOMEM;
                STRV_FOREACH(a, old) {
                        r = delete_job(s, *a, l);
                        if (r < 0)
                                return r;
                }
        }

        /* 8. Create. A Job of this name that exists already is this slot's, made before a crash lost the
         * status: it is taken back into active (if it runs) instead of being made again. */
        existing = NULL;
        for (size_t i = 0; i < n; i++)
                if (streq(children[i].name, name))
                        existing = children + i;
        if (existing) {
                if (existing->state == CRON_CHILD_RUNNING && !strv_contains(s->active, name)) {
                        r = strv_extend(&s->active, name);
                        if (r < 0)
                                return r;
                }
        } else {
                r = action_add(l, CRON_ACTION_CREATE_JOB, name, slot);
                if (r < 0)
                        return r;
                r = strv_extend(&s->active, name);
                if (r < 0)
                        return r;
                r = event_add(l, false, "SuccessfulCreate", "Created job %s", name);
                if (r < 0)
                        return r;
        }
        s->last_schedule_usec = slot;
        l->changed = true;
        return 0;
}

int cronjob_reconcile(const CronJob *cj, CronJobStatus *s, const CronChild *children, size_t n_children, usec_t now,
                      CronActionList *ret) {
        CronActionList l = {};
        int r;

        r = reconcile(cj, s, children, n_children, now, &l);
        if (r < 0) {
                cron_action_list_done(&l);
                return r;
        }
        *ret = l;
        return 0;
}

/* ---- the created Job (spec §5.6, §5.7) ---- */

static int make_job(const CronJob *cj, const char *name, bool manual, usec_t slot, Job **ret) {
        _cleanup_(job_freep) Job *j = NULL;
        _cleanup_(freep) char *owner = NULL, *stamp = NULL;
        int r;

        j = calloc(1, sizeof(Job));
        if (!j)
                return -ENOMEM;
        j->metadata.name = strdup(name);
        j->metadata.namespace = strdup(job_namespace(&cj->metadata));
        owner = strprintf("CronJob/%s", cj->metadata.name);
        if (!j->metadata.name || !j->metadata.namespace || !owner)
                return -ENOMEM;
        r = str_map_copy(&cj->spec.job_labels, &j->metadata.labels);
        if (r < 0)
                return r;
        if (manual) {
                /* kubectl create job --from: its annotation first, the template's on top. */
                r = str_map_set(&j->metadata.annotations, CRONJOB_INSTANTIATE_ANNOTATION, "manual");
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < cj->spec.job_annotations.n; i++) {
                r = str_map_set(&j->metadata.annotations, cj->spec.job_annotations.items[i].key,
                                strempty(cj->spec.job_annotations.items[i].value));
                if (r < 0)
                        return r;
        }
        if (!manual) {
                r = cronjob_format_timestamp(slot, cj->spec.time_zone, &stamp);
                if (r < 0)
                        return r;
                r = str_map_set(&j->metadata.annotations, CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION, stamp);
                if (r < 0)
                        return r;
        }
        r = str_map_set(&j->metadata.annotations, CRONJOB_CONTROLLED_BY_ANNOTATION, owner);
        if (r < 0)
                return r;

        r = job_spec_copy(&cj->spec.job_spec, &j->spec);
        if (r < 0)
                return r;
        job_spec_apply_defaults(&j->spec);
        *ret = TAKE_PTR(j);
        return 0;
}

int cronjob_make_job(const CronJob *cj, usec_t slot_usec, Job **ret) {
        _cleanup_(freep) char *name = cronjob_job_name(cj->metadata.name, slot_usec);

        if (!name)
                return -ENOMEM;
        return make_job(cj, name, false, slot_usec, ret);
}

int cronjob_make_manual_job(const CronJob *cj, const char *name, Job **ret) {
        return make_job(cj, name, true, 0, ret);
}

int cronjob_job_owner(const Job *job, char **ret_cronjob, bool *ret_manual) {
        const char *v = str_map_get(&job->metadata.annotations, CRONJOB_CONTROLLED_BY_ANNOTATION), *name;

        if (!v || !(name = startswith(v, "CronJob/")) || !*name)
                return -ENOENT;
        if (ret_cronjob) {
                *ret_cronjob = strdup(name);
                if (!*ret_cronjob)
                        return -ENOMEM;
        }
        if (ret_manual)
                *ret_manual = streq_ptr(str_map_get(&job->metadata.annotations, CRONJOB_INSTANTIATE_ANNOTATION),
                                        "manual");
        return 0;
}
