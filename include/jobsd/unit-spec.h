/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "jobsd/macro.h"

/* A transient unit as jobsd will start it: its name and a typed property list. unit_spec_to_text() (for
 * jobctl render and the docs) and the supervisor's bus marshaller walk the same list through the same
 * property table, so what is shown and what is started cannot drift. */

typedef enum UnitPropKind {
        PROP_STRING,            /* s */
        PROP_BOOL,              /* b */
        PROP_U64,               /* t */
        PROP_USEC,              /* t, shown as seconds */
        PROP_BYTES,             /* t */
        PROP_PERCENT,           /* t (µs of CPU per second), shown as a percentage */
        PROP_SIGNAL,            /* i */
        PROP_STRV,              /* as, one line with space-separated words */
        PROP_ENV,               /* as, shown as Environment="A=b" lines */
        PROP_EXEC,              /* a(sasas): argv, with the flag no-env-expand (":" in unit files) */
        PROP_BIND,              /* a(ssbt): source:destination pairs */
        PROP_LOG_FIELDS,        /* aay: FIELD=value */
        PROP_CALENDAR,          /* a(ss): ("OnCalendar", spec), one line each */
} UnitPropKind;

typedef enum UnitSection {
        SECTION_UNIT,
        SECTION_SERVICE,
        SECTION_TIMER,
        _SECTION_MAX,
} UnitSection;

typedef struct UnitPropInfo {
        const char *key;        /* unit-file name */
        const char *bus;        /* D-Bus property name for StartTransientUnit */
        const char *signature;
        UnitPropKind kind;
        UnitSection section;
} UnitPropInfo;

typedef struct UnitProp {
        const UnitPropInfo *info;
        char *string;
        uint64_t u64;
        bool boolean;
        char **strv;            /* STRV, ENV, EXEC (argv), BIND (src, dst, src, dst …), LOG_FIELDS, CALENDAR */
} UnitProp;

typedef struct UnitSpec {
        char *name;
        UnitProp *props;
        size_t n_props;
} UnitSpec;

typedef enum UnitPropId {
        UNIT_PROP_DESCRIPTION,
        UNIT_PROP_SLICE,
        UNIT_PROP_TYPE,
        UNIT_PROP_REMAIN_AFTER_EXIT,
        UNIT_PROP_NOTIFY_ACCESS,
        UNIT_PROP_TIMEOUT_START,
        UNIT_PROP_EXEC_START,
        UNIT_PROP_ENVIRONMENT,
        UNIT_PROP_WORKING_DIRECTORY,
        UNIT_PROP_USER,
        UNIT_PROP_GROUP,
        UNIT_PROP_SUPPLEMENTARY_GROUPS,
        UNIT_PROP_CPU_QUOTA,
        UNIT_PROP_CPU_WEIGHT,
        UNIT_PROP_MEMORY_MAX,
        UNIT_PROP_MEMORY_LOW,
        UNIT_PROP_KILL_SIGNAL,
        UNIT_PROP_SEND_SIGKILL,
        UNIT_PROP_TIMEOUT_STOP,
        UNIT_PROP_RUNTIME_MAX,
        UNIT_PROP_SYSLOG_IDENTIFIER,
        UNIT_PROP_LOG_EXTRA_FIELDS,
        UNIT_PROP_BIND_PATHS,
        UNIT_PROP_BIND_READ_ONLY_PATHS,
        UNIT_PROP_NO_NEW_PRIVILEGES,
        UNIT_PROP_PROTECT_SYSTEM,
        UNIT_PROP_KILL_MODE,
        UNIT_PROP_DELEGATE,
        UNIT_PROP_EXEC_STOP_POST,
        UNIT_PROP_ON_CALENDAR,
        UNIT_PROP_ACCURACY,
        UNIT_PROP_RANDOMIZED_DELAY,
        UNIT_PROP_PERSISTENT,
        _UNIT_PROP_MAX,
} UnitPropId;

extern const UnitPropInfo unit_prop_table[_UNIT_PROP_MAX];

void unit_spec_done(UnitSpec *u);
int unit_spec_add_string(UnitSpec *u, UnitPropId id, const char *value);
int unit_spec_add_u64(UnitSpec *u, UnitPropId id, uint64_t value);
int unit_spec_add_bool(UnitSpec *u, UnitPropId id, bool value);
int unit_spec_add_strv(UnitSpec *u, UnitPropId id, char * const *value);
const UnitProp *unit_spec_get(const UnitSpec *u, UnitPropId id);

/* Unit-file text: [Unit], [Service] and [Timer] sections with Key=Value lines. */
char *unit_spec_to_text(const UnitSpec *u);
