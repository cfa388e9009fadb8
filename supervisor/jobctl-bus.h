/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <systemd/sd-bus.h>

#include "jobsd/macro.h"

/* jobctl's D-Bus client (docs/dbus-api.md): what the Job and CronJob verbs share. */

typedef struct EventInfo {
        usec_t at;
        bool warning;
        char *reason, *message;
        uint32_t count;
} EventInfo;

/* Connects to the system bus, or the user bus with --user; a failure is reported. */
int bus_connect(sd_bus **ret);
char *dup_or_empty(const char *s);
/* The value of an Events property, a(tbssu): time, warning, reason, message, count. */
int read_events(sd_bus_message *reply, EventInfo **events, size_t *n_events);
/* GetAll of an object's interface, with the reply entered into its a{sv}. -ENOENT if there is no such
 * object; other failures are reported. */
int get_all(sd_bus *bus, const char *path, const char *iface, sd_bus_message **ret_reply);
int manager_list(sd_bus *bus, const char *method, const char *contents, sd_bus_message **ret_reply);
/* The running jobsd's ManifestDirectory. -ESRCH, not reported, if jobsd is not running on the bus (or
 * there is no bus); other failures are reported. */
int bus_get_manifest_directory(char **ret);

/* Property readers for the loops over GetAll's entries below (k the name, s a string, r the result): each
 * is "if (k is prop) read it; else", so that they chain. */
#define PROP_STR(prop, field)                                                       \
                if (streq(k, prop)) {                                           \
                        r = sd_bus_message_read(reply, "v", "s", &s);           \
                        if (r >= 0 && !(field = dup_or_empty(s)))               \
                                r = -ENOMEM;                                    \
                } else
#define PROP_NUM(prop, sig, field)                                                  \
                if (streq(k, prop))                                             \
                        r = sd_bus_message_read(reply, "v", sig, &field);       \
                else
#define PROP_STRV(prop, field)                                                      \
                if (streq(k, prop)) {                                           \
                        r = sd_bus_message_enter_container(reply, 'v', "as");  \
                        if (r >= 0)                                             \
                                r = sd_bus_message_read_strv(reply, &field);    \
                        if (r >= 0)                                             \
                                r = sd_bus_message_exit_container(reply);       \
                } else
