/* SPDX-License-Identifier: Apache-2.0 */
/* jobctl's D-Bus client: the connection, one GetAll of an object, the Events property. */
#include <systemd/sd-bus.h>

#include "bus-api.h"
#include "jobctl.h"
#include "jobctl-bus.h"
#include "jobsd/strv.h"

int bus_connect(sd_bus **ret) {
        int r = jobctl_arg_user ? sd_bus_open_user(ret) : sd_bus_open_system(ret);

        if (r < 0)
                fprintf(stderr, "jobctl: cannot connect to the %s bus: %s\n", jobctl_arg_user ? "user" : "system", strerror(-r));
        return r;
}

char *dup_or_empty(const char *s) {
        return strdup(strempty(s));
}

/* The value of an Events property, a(tbssu): time, warning, reason, message, count. */
int read_events(sd_bus_message *reply, EventInfo **events, size_t *n_events) {
        const char *re, *me;
        int w, r;
        uint64_t at;
        uint32_t count;

        r = sd_bus_message_enter_container(reply, 'v', "a(tbssu)");
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "(tbssu)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(tbssu)", &at, &w, &re, &me, &count)) > 0) {
                EventInfo *n = realloc(*events, sizeof(EventInfo) * (*n_events + 1));
                if (!n)
                        return -ENOMEM;
                *events = n;
                n[(*n_events)++] = (EventInfo) { at, w, strdup(re), strdup(me), count };
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        return r;
}

/* GetAll of an object's interface, with the reply entered into its a{sv}. -ENOENT if there is no such
 * object; other failures are reported. */
int get_all(sd_bus *bus, const char *path, const char *iface, sd_bus_message **ret_reply) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call_method(bus, JOBSD_BUS_NAME, path, "org.freedesktop.DBus.Properties", "GetAll", &error, &reply, "s",
                               iface);
        if (r < 0) {
                if (sd_bus_error_has_names(&error, SD_BUS_ERROR_UNKNOWN_OBJECT, SD_BUS_ERROR_UNKNOWN_INTERFACE,
                                           SD_BUS_ERROR_UNKNOWN_METHOD))
                        return -ENOENT;
                if (sd_bus_error_has_names(&error, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                        fprintf(stderr, "jobctl: jobsd is not running on the %s bus\n", jobctl_arg_user ? "user" : "system");
                else
                        fprintf(stderr, "jobctl: %s\n", error.message ?: strerror(-r));
                return r;
        }
        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        *ret_reply = TAKE_PTR(reply);
        return 0;
}

/* A Manager1 method without arguments whose reply is one array: the reply entered into that array of
 * CONTENTS. -EOPNOTSUPP from a jobsd without the method; other failures are reported. */
int manager_list(sd_bus *bus, const char *method, const char *contents, sd_bus_message **ret_reply) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call_method(bus, JOBSD_BUS_NAME, JOBSD_MANAGER_PATH, JOBSD_MANAGER_IFACE, method, &error, &reply, "");
        if (r < 0) {
                if (sd_bus_error_has_name(&error, SD_BUS_ERROR_UNKNOWN_METHOD))
                        return -EOPNOTSUPP;
                if (sd_bus_error_has_names(&error, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                        fprintf(stderr, "jobctl: jobsd is not running on the %s bus\n", jobctl_arg_user ? "user" : "system");
                else
                        fprintf(stderr, "jobctl: %s\n", error.message ?: strerror(-r));
                return r;
        }
        r = sd_bus_message_enter_container(reply, 'a', contents);
        if (r < 0)
                return r;
        *ret_reply = TAKE_PTR(reply);
        return 0;
}

int bus_get_manifest_directory(char **ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        assert(ret);

        r = jobctl_arg_user ? sd_bus_open_user(&bus) : sd_bus_open_system(&bus);
        if (r >= 0)
                r = sd_bus_get_property_string(bus, JOBSD_BUS_NAME, JOBSD_MANAGER_PATH, JOBSD_MANAGER_IFACE,
                                               "ManifestDirectory", &error, ret);
        if (r >= 0)
                return 0;
        /* No bus to connect to, or no jobsd on it. */
        if (sd_bus_error_has_names(&error, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER) ||
            (!sd_bus_error_is_set(&error) && (r == -ENOENT || r == -ECONNREFUSED || r == -ENOMEDIUM)))
                return -ESRCH;
        fprintf(stderr, "jobctl: cannot ask jobsd for its manifest directory: %s\n", error.message ?: strerror(-r));
        return r;
}
