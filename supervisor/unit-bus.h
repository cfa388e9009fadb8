/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <systemd/sd-bus.h>

#include "jobsd/unit-spec.h"

/* The client of org.freedesktop.systemd1: starts transient units from a UnitSpec, stops and removes
 * them, and reports what happens to units whose name starts with "jobsd-". Every call is asynchronous;
 * results come from signals (PropertiesChanged) and call replies, never from polling. */

typedef enum UnitEventType {
        UNIT_EVENT_RUNNING,             /* the main process runs */
        UNIT_EVENT_EXITED,              /* the main process ended: code and reason are set */
        UNIT_EVENT_START_FAILED,        /* systemd refused to start it: reason holds the bus error */
        UNIT_EVENT_GONE,                /* the unit is not loaded (any more) */
} UnitEventType;

typedef struct UnitEvent {
        UnitEventType type;
        const char *unit;
        int code;                       /* exit status, or 128 + signal (Kubernetes' convention) */
        const char *reason;             /* Completed, Error, DeadlineExceeded, OOMKilled, or the bus error */
        bool started;                   /* EXITED: the unit had become active (ActiveEnterTimestamp): for a
                                         * container in its image, the container ran (docs/containers.md) */
        bool stopped;                   /* EXITED: the unit is inactive (stopped): systemd unloads it by
                                         * itself, no removal needed */
} UnitEvent;

typedef struct UnitBus UnitBus;
typedef void (*UnitEventHandler)(UnitBus *u, const UnitEvent *ev, void *userdata);

int unit_bus_new(sd_bus *bus, UnitEventHandler handler, void *userdata, UnitBus **ret);
UnitBus *unit_bus_free(UnitBus *u);

/* Appends a UnitSpec's properties as the a(sv) of StartTransientUnit: one walk of the property table. */
int bus_append_unit_spec(sd_bus_message *m, const UnitSpec *spec);

int unit_bus_start(UnitBus *u, const UnitSpec *spec);
/* The same with one auxiliary unit created (not started) with it: a timer and the service it starts. */
int unit_bus_start_with_aux(UnitBus *u, const UnitSpec *spec, const UnitSpec *aux);
int unit_bus_stop(UnitBus *u, const char *unit);
/* Stops the unit if needed and resets it if failed, so that systemd unloads it. */
int unit_bus_remove(UnitBus *u, const char *unit);
/* The same for a unit that ended with success (active/exited, RemainAfterExit=yes): a stop only. */
int unit_bus_remove_exited(UnitBus *u, const char *unit);
/* Asks for the state of a unit; the answer comes as an event (GONE if not loaded). */
int unit_bus_query(UnitBus *u, const char *unit);
/* Lists loaded units whose name matches pattern, synchronously (only at start-up, before the loop). */
int unit_bus_list(UnitBus *u, const char *pattern, char ***ret_units);
/* The active units matching pattern, and their descriptions (the same order). */
int unit_bus_list_active(UnitBus *u, const char *pattern, char ***ret_units, char ***ret_descriptions);
