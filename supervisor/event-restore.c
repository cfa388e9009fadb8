/* SPDX-License-Identifier: Apache-2.0 */
/* At start, the events and finished pods from before it, read back from the journal. */
#include <errno.h>
#include <string.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "event-ids.h"
#include "jobsd/strv.h"
#include "cronjob-manager.h"
#include "event-restore.h"
#include "managed-job.h"

/* How far back a restart of jobsd looks for events and finished pods, and how many journal entries it reads at most: a
 * bound on start-up time on a machine with a long journal. */
#define RESTORE_WINDOW_USEC (7 * 24 * 3600 * USEC_PER_SEC)
#define RESTORE_ENTRIES_MAX 200000

/* A growing buffer for journal fields: a field is always read whole, never cut at a fixed size. */
typedef struct FieldBuf {
        char *s;
        size_t size;
} FieldBuf;

static void field_buf_done(FieldBuf *b) {
        b->s = mfree(b->s);
        b->size = 0;
}

/* A journal field's value, whole, in b (valid until the next call with b), or NULL if the entry has no such
 * field (or out of memory). */
static const char *field(sd_journal *j, const char *name, FieldBuf *b) {
        const void *data;
        size_t len, l = strlen(name);

        assert(j);
        assert(b);

        if (sd_journal_get_data(j, name, &data, &len) < 0 || len <= l + 1)
                return NULL;
        if (len - l > b->size) {
                char *s = realloc(b->s, len - l);
                if (!s)
                        return NULL;
                b->s = s;
                b->size = len - l;
        }
        memcpy(b->s, (const char *) data + l + 1, len - l - 1);
        b->s[len - l - 1] = '\0';
        return b->s;
}

static int64_t field_i64(sd_journal *j, const char *name, int64_t fallback) {
        _cleanup_(field_buf_done) FieldBuf buf = {};
        const char *v = field(j, name, &buf);
        char *end;
        long long n;

        if (!v || !*v)
                return fallback;
        errno = 0;
        n = strtoll(v, &end, 10);
        return errno || *end ? fallback : n;
}

/* "a,b,c" as a strv (unit names have no commas). */
static char **split_commas(const char *s) {
        _cleanup_(freep) char *copy = strdup(s);
        char **l = NULL;

        if (!copy)
                return NULL;
        for (char *save = NULL, *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save))
                if (strv_extend(&l, w) < 0) {
                        strv_free(l);
                        return NULL;
                }
        return l;
}

static PodPhase phase_from_string(const char *s) {
        for (PodPhase p = 0; p < _POD_PHASE_MAX; p++)
                if (streq(pod_phase_to_string(p), s))
                        return p;
        return _POD_PHASE_INVALID;
}

static PodFailurePolicyAction action_from_string(const char *s) {
        for (PodFailurePolicyAction a = 0; a < _POD_FAILURE_ACTION_MAX; a++)
                if (streq(pod_failure_action_to_string(a), s))
                        return a;
        return _POD_FAILURE_ACTION_INVALID;
}

/* A finished pod from before this start (managed_job_remember_finished_pod() logged it), put before the newer ones.
 * False if it was not added: the list is full, the entry unreadable, or the pod already listed. */
static bool prepend_pod(ManagedJob *mj, sd_journal *j) {
        _cleanup_(field_buf_done) FieldBuf name = {}, phase = {}, reason = {}, units = {}, action = {};
        const char *f_name = field(j, "POD_NAME", &name), *f_phase = field(j, "POD_PHASE", &phase),
                   *f_reason = field(j, "POD_REASON", &reason), *f_units = field(j, "POD_UNITS", &units),
                   *f_action = field(j, "POD_FAILURE_ACTION", &action);
        FinishedPod f = {}, *a;

        if (mj->n_finished >= JOB_FINISHED_PODS_MAX || !f_name || !f_phase || (f.phase = phase_from_string(f_phase)) < 0)
                return false;
        /* Once: a pod counted again after a kill of jobsd (its record was not saved) was logged twice. */
        for (size_t i = 0; i < mj->n_finished; i++)
                if (streq(mj->finished[i].name, f_name))
                        return false;
        f.index = field_i64(j, "POD_INDEX", UNSET);
        f.attempt = (uint64_t) field_i64(j, "POD_ATTEMPT", 0);
        f.restarts = (uint32_t) field_i64(j, "POD_RESTARTS", 0);
        f.containers = (uint32_t) field_i64(j, "POD_CONTAINERS", 0);
        f.created_usec = (usec_t) field_i64(j, "POD_CREATED_USEC", 0);
        f.finished_usec = (usec_t) field_i64(j, "POD_FINISHED_USEC", 0);
        f.failure_rule = (int32_t) field_i64(j, "POD_FAILURE_RULE", UNSET);
        f.failure_action = f_action && *f_action ? action_from_string(f_action) : _POD_FAILURE_ACTION_INVALID;
        if (f.failure_action < 0)
                f.failure_rule = UNSET, f.failure_action = 0;
        f.name = strdup(f_name);
        f.reason = f_reason && *f_reason ? strdup(f_reason) : NULL;
        f.units = f_units && *f_units ? split_commas(f_units) : NULL;
        a = f.name ? realloc(mj->finished, sizeof(FinishedPod) * (mj->n_finished + 1)) : NULL;
        if (!a) {
                free(f.name), free(f.reason), strv_free(f.units);
                return false;
        }
        mj->finished = a;
        memmove(a + 1, a, sizeof(FinishedPod) * mj->n_finished);
        a[0] = f;
        mj->n_finished++;
        return true;
}

int manager_restore_events(Manager *m, usec_t before_usec, unsigned *ret_restored, unsigned *ret_pods) {
        _cleanup_(sd_journal_closep) sd_journal *j = NULL;
        /* Reused by every entry: grown to the longest field read. */
        _cleanup_(field_buf_done) FieldBuf ns = {}, name = {}, uid = {}, reason = {}, type = {}, msg = {};
        char uidmatch[64];
        const EventId *ids;
        size_t n_ids;
        unsigned restored = 0, read = 0;
        int r;

        *ret_restored = *ret_pods = 0;
        r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
        if (r < 0)
                return r;
        /* Every event reason's MESSAGE_ID (one field: any of them), logged by a process of our UID. */
        ids = event_ids(&n_ids);
        for (size_t i = 0; i <= n_ids + 1; i++) {
                _cleanup_(freep) char *match = strprintf("MESSAGE_ID=%s", i < n_ids ? ids[i].id :
                                                         i == n_ids ? EVENT_ID_OTHER : POD_FINISHED_MESSAGE_ID);

                if (!match)
                        return -ENOMEM;
                r = sd_journal_add_match(j, match, 0);
                if (r < 0)
                        return r;
        }
        snprintf(uidmatch, sizeof uidmatch, "_UID=%u", (unsigned) getuid());
        r = sd_journal_add_match(j, uidmatch, 0);
        if (r < 0)
                return r;
        r = sd_journal_seek_tail(j);
        if (r < 0)
                return r;

        /* Newest first: each Job's list fills from its newest events back. */
        while (read < RESTORE_ENTRIES_MAX && sd_journal_previous(j) > 0) {
                const char *f_ns, *f_job, *f_cron, *f_uid, *f_reason, *f_type, *f_msg, *text;
                _cleanup_(freep) char *prefix = NULL;
                JobEvent **events = NULL;
                size_t *n = NULL;
                uint64_t at;

                read++;
                if (sd_journal_get_realtime_usec(j, &at) < 0)
                        continue;
                if (at >= before_usec)
                        continue;
                if (at + RESTORE_WINDOW_USEC < before_usec)
                        break;
                f_ns = field(j, "JOB_NAMESPACE", &ns);
                if (f_ns && field(j, "MESSAGE_ID", &msg) && streq(msg.s, POD_FINISHED_MESSAGE_ID)) {
                        ManagedJob *mj = (f_job = field(j, "JOB_NAME", &name)) ?
                                manager_find_job(m, f_ns, f_job) : NULL;

                        f_uid = field(j, "JOB_UID", &uid);
                        if (mj && f_uid && mj->record.uid && streq(f_uid, mj->record.uid) && prepend_pod(mj, j))
                                (*ret_pods)++;
                        continue;
                }
                f_reason = field(j, "REASON", &reason);
                f_type = field(j, "EVENT_TYPE", &type);
                f_msg = field(j, "MESSAGE", &msg);
                if (!f_ns || !f_reason || !f_type || !f_msg)
                        continue;
                f_job = field(j, "JOB_NAME", &name);
                if (f_job) {
                        ManagedJob *mj = manager_find_job(m, f_ns, f_job);

                        f_uid = field(j, "JOB_UID", &uid);
                        /* Only this Job's: not those of an earlier Job of the same name. */
                        if (!mj || !f_uid || !mj->record.uid || !streq(f_uid, mj->record.uid))
                                continue;
                        events = &mj->events, n = &mj->n_events;
                } else if ((f_cron = field(j, "CRONJOB_NAME", &name))) {
                        ManagedCronJob *c = manager_find_cron_job(m, f_ns, f_cron);

                        if (!c)
                                continue;
                        events = &c->events, n = &c->n_events;
                } else
                        continue;
                /* MESSAGE is "NAMESPACE/NAME: REASON: text". */
                prefix = strprintf("%s/%s: %s: ", f_ns, name.s, f_reason);
                if (!prefix)
                        return -ENOMEM;
                text = startswith(f_msg, prefix);
                if (!text)
                        continue;
                if (job_events_prepend(events, n, at, streq(f_type, "Warning"), f_reason, text))
                        restored++;
        }
        *ret_restored = restored;
        return 0;
}
