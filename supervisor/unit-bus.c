/* SPDX-License-Identifier: Apache-2.0 */
/* The systemd client: transient units started and removed, their results from PropertiesChanged. */
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <syslog.h>
#include <systemd/sd-journal.h>

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

struct UnitBus {
        sd_bus *bus;
        sd_bus_slot *match;
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

static void emit_event(UnitBus *u, UnitEventType type, const char *unit, int code, const char *reason, bool started) {
        UnitEvent ev = { .type = type, .unit = unit, .code = code, .reason = reason, .started = started };

        u->handler(u, &ev, u->userdata);
}

static void emit(UnitBus *u, UnitEventType type, const char *unit, int code, const char *reason) {
        emit_event(u, type, unit, code, reason, false);
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

/* Reads the properties (of every interface: ActiveState is the Unit's, ExecMainStatus the Service's) that
 * say how the main process ended. */
static int on_service_properties(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Call *c = userdata;
        const char *active = NULL, *sub = NULL, *result = NULL, *load = NULL;
        int32_t code = 0, status = 0;
        uint32_t job_id = 0, main_pid = 0;
        uint64_t memory_max = UINT64_MAX, active_enter = 0;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        int r;

        if (e && reply_timed_out(reply)) {
                /* No answer says nothing of the unit: ask again (never GONE for a busy systemd). */
                (void) unit_bus_query(c->ub, c->unit);
                return 0;
        }
        if (e) {
                emit(c->ub, UNIT_EVENT_GONE, c->unit, 0, e->message);
                return 0;
        }
        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r < 0)
                goto bad;
        for (;;) {
                const char *name;

                r = sd_bus_message_enter_container(reply, 'e', "sv");
                if (r < 0)
                        goto bad;
                if (r == 0)
                        break;
                r = sd_bus_message_read(reply, "s", &name);
                if (r < 0)
                        goto bad;
                if (streq(name, "ActiveState"))
                        r = sd_bus_message_read(reply, "v", "s", &active);
                else if (streq(name, "SubState"))
                        r = sd_bus_message_read(reply, "v", "s", &sub);
                else if (streq(name, "Result"))
                        r = sd_bus_message_read(reply, "v", "s", &result);
                else if (streq(name, "ExecMainCode"))
                        r = sd_bus_message_read(reply, "v", "i", &code);
                else if (streq(name, "ExecMainStatus"))
                        r = sd_bus_message_read(reply, "v", "i", &status);
                else if (streq(name, "LoadState"))
                        r = sd_bus_message_read(reply, "v", "s", &load);
                else if (streq(name, "Job"))
                        r = sd_bus_message_read(reply, "v", "(uo)", &job_id, NULL);
                else if (streq(name, "MainPID"))
                        r = sd_bus_message_read(reply, "v", "u", &main_pid);
                else if (streq(name, "MemoryMax"))
                        r = sd_bus_message_read(reply, "v", "t", &memory_max);
                else if (streq(name, "ActiveEnterTimestampMonotonic"))
                        r = sd_bus_message_read(reply, "v", "t", &active_enter);
                else
                        r = sd_bus_message_skip(reply, "v");
                if (r < 0)
                        goto bad;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        goto bad;
        }

        if (load && streq(load, "not-found")) {
                (void) memcg_v1_take(c->ub->memcg_v1, c->unit);
                emit(c->ub, UNIT_EVENT_GONE, c->unit, 0, NULL);
                return 0;
        }
        /* On cgroup v1, the unit's memory cgroup is watched from its first process on (while the start job
         * runs: a container is being made), so that a container killed at once is seen too. */
        if (memory_max != UINT64_MAX && c->ub->memcg_v1 && main_pid > 0 && active &&
            (streq(active, "activating") || streq(active, "active"))) {
                r = memcg_v1_watch(c->ub->memcg_v1, c->unit, (pid_t) main_pid);
                /* Not for a process or cgroup already gone (nothing left to kill), nor one not yet the unit's. */
                if (r < 0 && !memcg_v1_retry(r))
                        log_warning_errno(r, "%s: cannot watch for OOM kills on cgroup v1: %m", c->unit);
        }
        /* A queued job (the start, a stop) means the state is about to change: wait for the next signal. */
        if (!active || job_id != 0)
                return 0;
        /* Type=exec with RemainAfterExit=yes: "active/running" while it runs, "active/exited" after a
         * success, "failed" after a failure; "inactive" once stopped (ExecMainCode then tells how the
         * process ended, 0 if it never ran). */
        if (streq(active, "active") && sub && streq(sub, "running"))
                emit(c->ub, UNIT_EVENT_RUNNING, c->unit, 0, NULL);
        else if ((streq(active, "active") && sub && streq(sub, "exited")) || streq(active, "failed") ||
                 (streq(active, "inactive") && code != 0)) {
                int k = code == CLD_EXITED ? status : 128 + status;
                const char *reason = k == 0 ? "Completed" : "Error";

                if (result && streq(result, "timeout"))
                        reason = "DeadlineExceeded";
                else if (result && streq(result, "oom-kill"))
                        reason = "OOMKilled", k = 137;
                else if (result && streq(result, "exit-code") && code == 0)
                        /* ExecStart= could not run at all (command not found: status 203). */
                        reason = "StartError", k = 128;
                if (code == 0 && k == 0 && result && !streq(result, "success"))
                        k = 128, reason = "StartError";
                /* On cgroup v1 systemd's Result says nothing of OOM kills; the watch does. */
                if (memcg_v1_take(c->ub->memcg_v1, c->unit))
                        reason = "OOMKilled", k = 137;
                emit_event(c->ub, UNIT_EVENT_EXITED, c->unit, k, reason, active_enter > 0);
        } else if (streq(active, "inactive") && code == 0) {
                /* Stopped before its process ran. */
                (void) memcg_v1_take(c->ub->memcg_v1, c->unit);
                emit(c->ub, UNIT_EVENT_EXITED, c->unit, 143, "Error");
        }
        return 0;
bad:
        emit(c->ub, UNIT_EVENT_GONE, c->unit, 0, "unreadable properties");
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

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        UnitBus *u = userdata;
        _cleanup_(freep) char *unit = NULL;
        const char *iface;
        int r;

        r = sd_bus_path_decode(sd_bus_message_get_path(m), SD_PATH "/unit", &unit);
        if (r <= 0 || !unit || !startswith(unit, UNIT_PREFIX) || !strstr(unit, ".service"))
                return 0;
        r = sd_bus_message_read(m, "s", &iface);
        if (r < 0 || !streq(iface, "org.freedesktop.systemd1.Unit"))
                return 0;
        /* The signal carries only what changed; read the whole state once. */
        (void) unit_bus_query(u, unit);
        return 0;
}

static int on_start_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Call *c = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        if (e && reply_timed_out(reply))
                /* Started or not, the unit's state tells: a unit never loaded comes back as GONE, which
                 * the caller takes as never started (job-status.h, pod_container_unit_gone()). */
                (void) unit_bus_query(c->ub, c->unit);
        else if (e)
                emit(c->ub, UNIT_EVENT_START_FAILED, c->unit, 128, e->message ?: e->name);
        else if (endswith(c->unit, ".service"))
                /* Catches a unit that ended before our signal match saw it run. */
                (void) unit_bus_query(c->ub, c->unit);
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
        r = sd_bus_call_async(u->bus, &slot, m, on_start_reply, c, 0);
        if (r < 0) {
                call_free(c);
                return r;
        }
        return call_attach(slot, c);
}

int unit_bus_stop(UnitBus *u, const char *unit) {
        return sd_bus_call_method_async(u->bus, NULL, SD_DESTINATION, SD_PATH, SD_MANAGER, "StopUnit", on_ignore_reply,
                                        NULL, "ss", unit, "replace");
}

int unit_bus_remove(UnitBus *u, const char *unit) {
        int r;

        r = unit_bus_stop(u, unit);
        if (r < 0)
                return r;
        return sd_bus_call_method_async(u->bus, NULL, SD_DESTINATION, SD_PATH, SD_MANAGER, "ResetFailedUnit",
                                        on_ignore_reply, NULL, "s", unit);
}

int unit_bus_list(UnitBus *u, const char *pattern, char ***ret_units) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(strv_freep) char **units = NULL;
        const char *name;
        int r;

        r = sd_bus_call_method(u->bus, SD_DESTINATION, SD_PATH, SD_MANAGER, "ListUnitsByPatterns", &error, &reply,
                               "asas", 0, 1, pattern);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(ssssssouso)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(reply, "(ssssssouso)", &name, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                                        NULL)) > 0) {
                r = strv_extend(&units, name);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        *ret_units = TAKE_PTR(units);
        return 0;
}
