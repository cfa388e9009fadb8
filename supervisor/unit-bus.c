/* SPDX-License-Identifier: Apache-2.0 */
/* The systemd client: transient units started and removed, their results from PropertiesChanged. */
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <syslog.h>
#include <systemd/sd-journal.h>

#include "jobsd/hash.h"
#include "jobsd/log.h"
#include "jobsd/strv.h"
#include "memcg-v1.h"
#include "unit-bus.h"

#define SD_DESTINATION "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define UNIT_PREFIX "jobsd-"

/* Errors from systemd: a refused start (bad property, unit exists) becomes START_FAILED for that pod and
 * the controller counts the pod failed; a vanished unit (NoSuchUnit) becomes GONE. Losing the bus
 * connection itself is fatal for jobsd: its pods keep running and a restarted jobsd adopts them. */

#define UNIT_SET_BUCKETS 1024
typedef struct UnitName UnitName;
typedef struct UnitSet {
        UnitName *buckets[UNIT_SET_BUCKETS];
} UnitSet;

struct UnitBus {
        sd_bus *bus;
        sd_bus_slot *match;
        sd_bus_message *service_signal; /* the last Service PropertiesChanged, of service_unit */
        char *service_unit;
        UnitSet removing;               /* units being removed */
        UnitSet started;                /* services this jobsd started and not yet seen end, with their
                                         * MemoryMax (for cgroup v1's OOM watch without a GetAll, and to
                                         * take a first end signalled with the start job still queued) */
        UnitEventHandler handler;
        void *userdata;
        MemcgV1 *memcg_v1;              /* NULL unless memory is on cgroup v1 (memcg-v1.h) */
};

typedef struct Call {
        UnitBus *ub;
        char *unit;
} Call;

static Call *call_new(UnitBus *u, const char *unit) {
        Call *c = calloc(1, sizeof(Call));

        if (!c)
                return NULL;
        c->ub = u;
        c->unit = strdup(unit);
        if (!c->unit) {
                free(c);
                return NULL;
        }
        return c;
}

static void call_free(void *p) {
        Call *c = p;

        if (!c)
                return;
        free(c->unit);
        free(c);
}

/* Hands the call's slot to the bus (floating) and drops our own reference: the bus frees the slot once
 * the reply is handled, and the Call with it. */
static int call_attach(sd_bus_slot *slot, Call *c) {
        int r;

        (void) sd_bus_slot_set_destroy_callback(slot, call_free);
        r = sd_bus_slot_set_floating(slot, 1);
        sd_bus_slot_unref(slot);
        return r;
}

static void emit_event(UnitBus *u, UnitEventType type, const char *unit, int code, const char *reason, bool started,
                       bool stopped) {
        UnitEvent ev = { .type = type, .unit = unit, .code = code, .reason = reason, .started = started,
                         .stopped = stopped };

        u->handler(u, &ev, u->userdata);
}

static void emit(UnitBus *u, UnitEventType type, const char *unit, int code, const char *reason) {
        emit_event(u, type, unit, code, reason, false, false);
}

int bus_append_unit_spec(sd_bus_message *m, const UnitSpec *spec) {
        int r;

        r = sd_bus_message_open_container(m, 'a', "(sv)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < spec->n_props; i++) {
                const UnitProp *p = spec->props + i;
                const UnitPropInfo *info = p->info;

                r = sd_bus_message_open_container(m, 'r', "sv");
                if (r < 0)
                        return r;
                r = sd_bus_message_append(m, "s", info->bus);
                if (r < 0)
                        return r;
                r = sd_bus_message_open_container(m, 'v', info->signature);
                if (r < 0)
                        return r;

                switch (info->kind) {
                case PROP_STRING:
                        r = sd_bus_message_append(m, "s", p->string);
                        break;
                case PROP_BOOL:
                        r = sd_bus_message_append(m, "b", p->boolean);
                        break;
                case PROP_U64:
                case PROP_USEC:
                case PROP_BYTES:
                case PROP_PERCENT:
                        r = sd_bus_message_append(m, "t", p->u64);
                        break;
                case PROP_SIGNAL:
                        r = sd_bus_message_append(m, "i", (int32_t) p->u64);
                        break;
                case PROP_STRV:
                case PROP_ENV:
                        r = sd_bus_message_append_strv(m, p->strv);
                        break;
                case PROP_EXEC:
                        /* ExecStartEx with "no-env-expand": systemd would otherwise substitute $VAR and
                         * ${VAR} in the argv, which Kubernetes leaves to the container's shell. */
                        r = sd_bus_message_open_container(m, 'a', "(sasas)");
                        if (r >= 0)
                                r = sd_bus_message_open_container(m, 'r', "sasas");
                        if (r >= 0)
                                r = sd_bus_message_append(m, "s", p->strv[0]);
                        if (r >= 0)
                                r = sd_bus_message_append_strv(m, p->strv);
                        if (r >= 0)
                                r = sd_bus_message_append(m, "as", 1, "no-env-expand");
                        if (r >= 0)
                                r = sd_bus_message_close_container(m);
                        if (r >= 0)
                                r = sd_bus_message_close_container(m);
                        break;
                case PROP_BIND:
                        r = sd_bus_message_open_container(m, 'a', "(ssbt)");
                        for (char **s = p->strv; r >= 0 && s && s[0] && s[1]; s += 2)
                                r = sd_bus_message_append(m, "(ssbt)", s[0], s[1], false, (uint64_t) MS_REC);
                        if (r >= 0)
                                r = sd_bus_message_close_container(m);
                        break;
                case PROP_LOG_FIELDS:
                        r = sd_bus_message_open_container(m, 'a', "ay");
                        STRV_FOREACH(s, p->strv) {
                                if (r < 0)
                                        break;
                                r = sd_bus_message_append_array(m, 'y', *s, strlen(*s));
                        }
                        if (r >= 0)
                                r = sd_bus_message_close_container(m);
                        break;
                case PROP_CALENDAR:
                        r = sd_bus_message_open_container(m, 'a', "(ss)");
                        STRV_FOREACH(s, p->strv) {
                                if (r < 0)
                                        break;
                                r = sd_bus_message_append(m, "(ss)", "OnCalendar", *s);
                        }
                        if (r >= 0)
                                r = sd_bus_message_close_container(m);
                        break;
                }
                if (r < 0)
                        return r;
                r = sd_bus_message_close_container(m);
                if (r < 0)
                        return r;
                r = sd_bus_message_close_container(m);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(m);
}

/* A reply that is sd-bus' own "no answer in time" (or the bus daemon's): the call may still have been
 * carried out, so it decides nothing. */
static bool reply_timed_out(sd_bus_message *reply) {
        return sd_bus_message_is_method_error(reply, SD_BUS_ERROR_TIMEOUT) ||
                sd_bus_message_is_method_error(reply, SD_BUS_ERROR_NO_REPLY) ||
                sd_bus_message_is_method_error(reply, "org.freedesktop.DBus.Error.TimedOut");
}

/* What jobsd reads of a unit: from one GetAll, or from the two PropertiesChanged signals systemd sends
 * for every change (the Service interface's first, then the Unit's: systemd documents this order so that
 * clients can take the pair as one state). Strings point into the message they came from. */
typedef struct UnitState {
        const char *active, *sub, *result, *load;
        int32_t code, status;
        uint32_t job_id, main_pid;
        uint64_t memory_max, active_enter;
        bool have_memory_max;           /* MemoryMax was read (GetAll only: the signals do not carry it) */
} UnitState;

#define UNIT_STATE_NULL ((UnitState) { .memory_max = UINT64_MAX })

/* Reads an a{sv} of properties into st; unknown ones are skipped. */
static int read_unit_state(sd_bus_message *m, UnitState *st) {
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        for (;;) {
                const char *name;

                r = sd_bus_message_enter_container(m, 'e', "sv");
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                r = sd_bus_message_read(m, "s", &name);
                if (r < 0)
                        return r;
                if (streq(name, "ActiveState"))
                        r = sd_bus_message_read(m, "v", "s", &st->active);
                else if (streq(name, "SubState"))
                        r = sd_bus_message_read(m, "v", "s", &st->sub);
                else if (streq(name, "Result"))
                        r = sd_bus_message_read(m, "v", "s", &st->result);
                else if (streq(name, "ExecMainCode"))
                        r = sd_bus_message_read(m, "v", "i", &st->code);
                else if (streq(name, "ExecMainStatus"))
                        r = sd_bus_message_read(m, "v", "i", &st->status);
                else if (streq(name, "LoadState"))
                        r = sd_bus_message_read(m, "v", "s", &st->load);
                else if (streq(name, "Job"))
                        r = sd_bus_message_read(m, "v", "(uo)", &st->job_id, NULL);
                else if (streq(name, "MainPID"))
                        r = sd_bus_message_read(m, "v", "u", &st->main_pid);
                else if (streq(name, "MemoryMax")) {
                        r = sd_bus_message_read(m, "v", "t", &st->memory_max);
                        st->have_memory_max = true;
                } else if (streq(name, "ActiveEnterTimestampMonotonic"))
                        r = sd_bus_message_read(m, "v", "t", &st->active_enter);
                else
                        r = sd_bus_message_skip(m, "v");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_exit_container(m);
}

/* A set of unit names, each with a value: a hash table of chains, so that no event scans all units. */
struct UnitName {
        struct UnitName *next;
        uint64_t value;
        char name[];
};

static unsigned unit_set_hash(const char *s) {
        return fnv1a64_str(FNV1A64_INIT, s) % UNIT_SET_BUCKETS;
}

static UnitName **unit_set_find(UnitSet *set, const char *unit) {
        UnitName **p = set->buckets + unit_set_hash(unit);

        for (; *p; p = &(*p)->next)
                if (streq((*p)->name, unit))
                        return p;
        return NULL;
}

static void unit_set_drop(UnitSet *set, const char *unit) {
        UnitName **p = unit_set_find(set, unit), *x;

        if (!p)
                return;
        x = *p;
        *p = x->next;
        free(x);
}

static int unit_set_add(UnitSet *set, const char *unit, uint64_t value) {
        size_t l = strlen(unit) + 1;
        UnitName **p = unit_set_find(set, unit), *x;
        unsigned h = unit_set_hash(unit);

        if (p) {
                (*p)->value = value;
                return 0;
        }
        x = malloc(sizeof(UnitName) + l);
        if (!x)
                return -ENOMEM;
        memcpy(x->name, unit, l);
        x->value = value;
        x->next = set->buckets[h];
        set->buckets[h] = x;
        return 0;
}

static void unit_set_clear(UnitSet *set) {
        for (size_t i = 0; i < UNIT_SET_BUCKETS; i++)
                while (set->buckets[i]) {
                        UnitName *x = set->buckets[i];
                        set->buckets[i] = x->next;
                        free(x);
                }
}

/* Units jobsd is removing (unit_bus_remove()): their later states (stopping, stopped, reset) are of no
 * interest, and a second removal is not sent. A name leaves the set with the answer to the removal's
 * last call, or when the unit is started again. */
#define removing_find(u, unit) unit_set_find(&(u)->removing, unit)
#define removing_drop(u, unit) unit_set_drop(&(u)->removing, unit)
#define removing_add(u, unit) unit_set_add(&(u)->removing, unit, 0)

/* What a unit's state means for jobsd: RUNNING, EXITED (with Kubernetes' exit code and reason), GONE, or
 * nothing yet (a queued job: the state is about to change, the next signal tells). */
static void unit_state_decide(UnitBus *u, const char *unit, const UnitState *st) {
        int r;

        if (removing_find(u, unit))
                return;
        if (st->load && streq(st->load, "not-found")) {
                (void) memcg_v1_take(u->memcg_v1, unit);
                unit_set_drop(&u->started, unit);
                emit(u, UNIT_EVENT_GONE, unit, 0, NULL);
                return;
        }
        /* On cgroup v1, the unit's memory cgroup is watched from its first process on (while the start job
         * runs: a container is being made), so that a container killed at once is seen too. */
        if (st->memory_max != UINT64_MAX && u->memcg_v1 && st->main_pid > 0 && st->active &&
            (streq(st->active, "activating") || streq(st->active, "active"))) {
                r = memcg_v1_watch(u->memcg_v1, unit, (pid_t) st->main_pid);
                /* Not for a process or cgroup already gone (nothing left to kill), nor one not yet the unit's. */
                if (r < 0 && !memcg_v1_retry(r))
                        log_warning_errno(r, "%s: cannot watch for OOM kills on cgroup v1: %m", unit);
        }
        /* A queued job (the start, a stop) means the state is about to change: wait for the next signal.
         * Not for the first end (active/exited, failed) of a unit this jobsd started: its result is final,
         * and systemd sends it with the start job still queued when the process ends before that job
         * completes (a short pod); the signal without the job comes only after that job's removal, later
         * (docs/performance.md, "P=1: the critical path"). A later one (a stop job queued for a unit
         * whose end was read) still waits. */
        if (!st->active)
                return;
        if (st->job_id != 0 &&
            !((streq(st->active, "failed") || (streq(st->active, "active") && st->sub && streq(st->sub, "exited"))) &&
              unit_set_find(&u->started, unit)))
                return;
        /* Type=exec with RemainAfterExit=yes: "active/running" while it runs, "active/exited" after a
         * success, "failed" after a failure; "inactive" once stopped (ExecMainCode then tells how the
         * process ended, 0 if it never ran). */
        if (streq(st->active, "active") && st->sub && streq(st->sub, "running"))
                emit(u, UNIT_EVENT_RUNNING, unit, 0, NULL);
        else if ((streq(st->active, "active") && st->sub && streq(st->sub, "exited")) || streq(st->active, "failed") ||
                 (streq(st->active, "inactive") && st->code != 0)) {
                int k = st->code == CLD_EXITED ? st->status : 128 + st->status;
                const char *reason = k == 0 ? "Completed" : "Error";

                if (st->result && streq(st->result, "timeout"))
                        reason = "DeadlineExceeded";
                else if (st->result && streq(st->result, "oom-kill"))
                        reason = "OOMKilled", k = 137;
                else if (st->result && streq(st->result, "exit-code") && st->code == 0)
                        /* ExecStart= could not run at all (command not found: status 203). */
                        reason = "StartError", k = 128;
                if (st->code == 0 && k == 0 && st->result && !streq(st->result, "success"))
                        k = 128, reason = "StartError";
                /* On cgroup v1 systemd's Result says nothing of OOM kills; the watch does. */
                if (memcg_v1_take(u->memcg_v1, unit))
                        reason = "OOMKilled", k = 137;
                unit_set_drop(&u->started, unit);
                emit_event(u, UNIT_EVENT_EXITED, unit, k, reason, st->active_enter > 0, streq(st->active, "inactive"));
        } else if (streq(st->active, "inactive") && st->code == 0) {
                /* Stopped before its process ran. */
                (void) memcg_v1_take(u->memcg_v1, unit);
                unit_set_drop(&u->started, unit);
                emit_event(u, UNIT_EVENT_EXITED, unit, 143, "Error", false, true);
        }
}

/* The answer to a GetAll (of every interface: ActiveState is the Unit's, ExecMainStatus the Service's). */
static int on_service_properties(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Call *c = userdata;
        UnitState st = UNIT_STATE_NULL;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        if (e && reply_timed_out(reply)) {
                /* No answer says nothing of the unit: ask again (never GONE for a busy systemd). */
                (void) unit_bus_query(c->ub, c->unit);
                return 0;
        }
        if (e) {
                if (!removing_find(c->ub, c->unit))
                        emit(c->ub, UNIT_EVENT_GONE, c->unit, 0, e->message);
                return 0;
        }
        if (read_unit_state(reply, &st) < 0) {
                if (!removing_find(c->ub, c->unit))
                        emit(c->ub, UNIT_EVENT_GONE, c->unit, 0, "unreadable properties");
                return 0;
        }
        unit_state_decide(c->ub, c->unit, &st);
        return 0;
}

int unit_bus_query(UnitBus *u, const char *unit) {
        _cleanup_(freep) char *path = NULL;
        sd_bus_slot *slot = NULL;
        Call *c;
        int r;

        r = sd_bus_path_encode(SD_PATH "/unit", unit, &path);
        if (r < 0)
                return r;
        c = call_new(u, unit);
        if (!c)
                return -ENOMEM;
        r = sd_bus_call_method_async(u->bus, &slot, SD_DESTINATION, path, "org.freedesktop.DBus.Properties", "GetAll",
                                     on_service_properties, c, "s", "");
        if (r < 0) {
                call_free(c);
                return r;
        }
        return call_attach(slot, c);
}

/* The unit's state from the signals themselves, no GetAll: the Service interface's signal (Result,
 * ExecMainCode, ExecMainStatus, MainPID) is kept until the Unit interface's (ActiveState, SubState, Job,
 * ActiveEnterTimestampMonotonic) that follows it for the same unit. */
static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        UnitBus *u = userdata;
        _cleanup_(freep) char *unit = NULL;
        const char *iface;
        UnitState st = UNIT_STATE_NULL;
        int r;

        r = sd_bus_path_decode(sd_bus_message_get_path(m), SD_PATH "/unit", &unit);
        if (r <= 0 || !unit || !startswith(unit, UNIT_PREFIX) || !endswith(unit, ".service"))
                return 0;
        r = sd_bus_message_read(m, "s", &iface);
        if (r < 0)
                return 0;
        if (streq(iface, "org.freedesktop.systemd1.Service")) {
                u->service_signal = sd_bus_message_unref(u->service_signal);
                free(u->service_unit);
                u->service_unit = TAKE_PTR(unit);
                u->service_signal = sd_bus_message_ref(m);
                return 0;
        }
        if (!streq(iface, "org.freedesktop.systemd1.Unit"))
                return 0;
        if (!u->service_signal || !u->service_unit || !streq(u->service_unit, unit) ||
            sd_bus_message_rewind(u->service_signal, true) < 0 ||
            sd_bus_message_skip(u->service_signal, "s") < 0 ||
            read_unit_state(u->service_signal, &st) < 0 ||
            read_unit_state(m, &st) < 0) {
                (void) unit_bus_query(u, unit);
                return 0;
        }
        /* On cgroup v1 an OOM watch needs MemoryMax, which no signal carries: known for the units this
         * jobsd started, asked for the others (adopted after a restart). */
        if (u->memcg_v1 && st.active && (streq(st.active, "activating") || streq(st.active, "active")) &&
            !(st.sub && streq(st.sub, "exited"))) {
                UnitName **x = unit_set_find(&u->started, unit);
                if (!x) {
                        (void) unit_bus_query(u, unit);
                        return 0;
                }
                st.memory_max = (*x)->value;
        }
        unit_state_decide(u, unit, &st);
        return 0;
}

static int on_start_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Call *c = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        if (e && reply_timed_out(reply))
                /* Started or not, the unit's state tells: a unit never loaded comes back as GONE, which
                 * the caller takes as never started (job-status.h, pod_container_unit_gone()). */
                (void) unit_bus_query(c->ub, c->unit);
        else if (e) {
                unit_set_drop(&c->ub->started, c->unit);
                emit(c->ub, UNIT_EVENT_START_FAILED, c->unit, 128, e->message ?: e->name);
        }
        /* Nothing to ask after a start: the signal match is in place before any start, so every state the
         * unit takes comes as a signal. */
        return 0;
}

static int on_ignore_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        return 0;
}

/* A pod with an OOM kill ends as a whole, as a container does on a cluster (the kubelet makes the
 * container's cgroup one OOM group) and as systemd's OOMPolicy=stop ends a unit on cgroup v2: the rest of
 * the unit gets SIGKILL. The unit then fails and stays loaded, so its result is read as for any exit. */
static void on_memcg_v1_oom(const char *unit, void *userdata) {
        UnitBus *u = userdata;

        log_notice("%s: a process was killed by the OOM killer (memory limit); killing the rest",
                         unit);
        (void) sd_bus_call_method_async(u->bus, NULL, SD_DESTINATION, SD_PATH, SD_MANAGER, "KillUnit", on_ignore_reply,
                                        NULL, "ssi", unit, "all", SIGKILL);
}

int unit_bus_new(sd_bus *bus, UnitEventHandler handler, void *userdata, UnitBus **ret) {
        UnitBus *u;
        int r;

        u = calloc(1, sizeof(UnitBus));
        if (!u)
                return -ENOMEM;
        u->bus = sd_bus_ref(bus);
        u->handler = handler;
        u->userdata = userdata;

        /* Synchronously, like Subscribe() below: sd-bus closes the connection when an asynchronous AddMatch
         * fails, and one whose reply is still unread when its timeout (25 s) passes counts as failed. A
         * start-up that kept the loop from running longer than that (thousands of Jobs) left jobsd running
         * without its bus name. */
        r = sd_bus_match_signal(bus, &u->match, SD_DESTINATION, NULL, "org.freedesktop.DBus.Properties",
                                "PropertiesChanged", on_properties_changed, u);
        if (r < 0)
                goto fail;
        r = memcg_v1_new(sd_bus_get_event(bus), on_memcg_v1_oom, u, &u->memcg_v1);
        if (r < 0)
                log_warning_errno(r, "cannot find the cgroup v1 memory hierarchy: %m; OOM kills show as SIGKILL");
        /* Without Subscribe() systemd sends no unit signals. */
        r = sd_bus_call_method(bus, SD_DESTINATION, SD_PATH, SD_MANAGER, "Subscribe", NULL, NULL, "");
        if (r < 0)
                goto fail;
        *ret = u;
        return 0;
fail:
        unit_bus_free(u);
        return r;
}

UnitBus *unit_bus_free(UnitBus *u) {
        if (!u)
                return NULL;
        sd_bus_slot_unref(u->match);
        sd_bus_message_unref(u->service_signal);
        free(u->service_unit);
        unit_set_clear(&u->removing);
        unit_set_clear(&u->started);
        memcg_v1_free(u->memcg_v1);
        sd_bus_unref(u->bus);
        free(u);
        return NULL;
}

int unit_bus_start(UnitBus *u, const UnitSpec *spec) {
        return unit_bus_start_with_aux(u, spec, NULL);
}

int unit_bus_start_with_aux(UnitBus *u, const UnitSpec *spec, const UnitSpec *aux) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        sd_bus_slot *slot = NULL;
        Call *c;
        int r;

        r = sd_bus_message_new_method_call(u->bus, &m, SD_DESTINATION, SD_PATH, SD_MANAGER, "StartTransientUnit");
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "ss", spec->name, "fail");
        if (r < 0)
                return r;
        r = bus_append_unit_spec(m, spec);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, 'a', "(sa(sv))");
        if (r < 0)
                return r;
        if (aux) {
                r = sd_bus_message_open_container(m, 'r', "sa(sv)");
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", aux->name);
                if (r >= 0)
                        r = bus_append_unit_spec(m, aux);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        c = call_new(u, spec->name);
        if (!c)
                return -ENOMEM;
        /* A name made again (a CronJob's timer and trigger service) is no longer being removed. */
        removing_drop(u, spec->name);
        if (aux)
                removing_drop(u, aux->name);
        r = sd_bus_call_async(u->bus, &slot, m, on_start_reply, c, 0);
        if (r < 0) {
                call_free(c);
                return r;
        }
        r = call_attach(slot, c);
        if (r < 0)
                return r;
        if (endswith(spec->name, ".service")) {
                const UnitProp *mm = unit_spec_get(spec, UNIT_PROP_MEMORY_MAX);
                (void) unit_set_add(&u->started, spec->name, mm ? mm->u64 : UINT64_MAX);
        }
        return 0;
}

int unit_bus_stop(UnitBus *u, const char *unit) {
        return sd_bus_call_method_async(u->bus, NULL, SD_DESTINATION, SD_PATH, SD_MANAGER, "StopUnit", on_ignore_reply,
                                        NULL, "ss", unit, "replace");
}

static int on_removed(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Call *c = userdata;

        removing_drop(c->ub, c->unit);
        return 0;
}

/* A stop, then (reset_failed) a ResetFailedUnit: the name leaves the set of units being removed with the
 * answer to the last call. Once per unit: later calls find the calls on their way. */
static int remove_unit(UnitBus *u, const char *unit, bool reset_failed) {
        sd_bus_slot *slot = NULL;
        Call *c;
        int r;

        if (removing_find(u, unit))
                return 0;
        unit_set_drop(&u->started, unit);
        if (reset_failed) {
                r = unit_bus_stop(u, unit);
                if (r < 0)
                        return r;
        }
        c = call_new(u, unit);
        if (!c)
                return -ENOMEM;
        if (reset_failed)
                r = sd_bus_call_method_async(u->bus, &slot, SD_DESTINATION, SD_PATH, SD_MANAGER, "ResetFailedUnit",
                                             on_removed, c, "s", unit);
        else
                r = sd_bus_call_method_async(u->bus, &slot, SD_DESTINATION, SD_PATH, SD_MANAGER, "StopUnit",
                                             on_removed, c, "ss", unit, "replace");
        if (r < 0) {
                call_free(c);
                return r;
        }
        r = call_attach(slot, c);
        if (r < 0)
                return r;
        return removing_add(u, unit);
}

int unit_bus_remove(UnitBus *u, const char *unit) {
        return remove_unit(u, unit, true);
}

/* Not failed, so the stop alone unloads it (as bench-floor does): no ResetFailedUnit for systemd to
 * handle before the next start. */
int unit_bus_remove_exited(UnitBus *u, const char *unit) {
        return remove_unit(u, unit, false);
}

static int list_units(UnitBus *u, const char *pattern, bool active_only, char ***ret_units, char ***ret_descriptions) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(strv_freep) char **units = NULL, **descriptions = NULL;
        size_t n = 0, n_descriptions = 0;
        const char *name, *description;
        int r;

        if (active_only)
                r = sd_bus_call_method(u->bus, SD_DESTINATION, SD_PATH, SD_MANAGER, "ListUnitsByPatterns", &error,
                                       &reply, "asas", 1, "active", 1, pattern);
        else
                r = sd_bus_call_method(u->bus, SD_DESTINATION, SD_PATH, SD_MANAGER, "ListUnitsByPatterns", &error,
                                       &reply, "asas", 0, 1, pattern);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(ssssssouso)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(reply, "(ssssssouso)", &name, &description, NULL, NULL, NULL, NULL, NULL,
                                        NULL, NULL, NULL)) > 0) {
                r = strv_extend_n(&units, &n, name);
                if (r >= 0 && ret_descriptions)
                        r = strv_extend_n(&descriptions, &n_descriptions, description);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        *ret_units = TAKE_PTR(units);
        if (ret_descriptions)
                *ret_descriptions = TAKE_PTR(descriptions);
        return 0;
}

int unit_bus_list(UnitBus *u, const char *pattern, char ***ret_units) {
        return list_units(u, pattern, false, ret_units, NULL);
}

int unit_bus_list_active(UnitBus *u, const char *pattern, char ***ret_units, char ***ret_descriptions) {
        return list_units(u, pattern, true, ret_units, ret_descriptions);
}
