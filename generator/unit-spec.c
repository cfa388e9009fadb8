/* SPDX-License-Identifier: Apache-2.0 */
#include <inttypes.h>

#include "jobsd/strv.h"
#include "jobsd/unit-spec.h"

/* The one table of the properties jobsd sets: unit-file key, D-Bus name and signature (as systemd's
 * transient unit API takes them), and how to show the value. */
const UnitPropInfo unit_prop_table[_UNIT_PROP_MAX] = {
        [UNIT_PROP_DESCRIPTION]           = { "Description",           "Description",           "s",       PROP_STRING,     SECTION_UNIT },
        [UNIT_PROP_SLICE]                 = { "Slice",                 "Slice",                 "s",       PROP_STRING,     SECTION_SERVICE },
        [UNIT_PROP_TYPE]                  = { "Type",                  "Type",                  "s",       PROP_STRING,     SECTION_SERVICE },
        [UNIT_PROP_REMAIN_AFTER_EXIT]     = { "RemainAfterExit",       "RemainAfterExit",       "b",       PROP_BOOL,       SECTION_SERVICE },
        [UNIT_PROP_NOTIFY_ACCESS]         = { "NotifyAccess",          "NotifyAccess",          "s",       PROP_STRING,     SECTION_SERVICE },
        [UNIT_PROP_TIMEOUT_START]         = { "TimeoutStartSec",       "TimeoutStartUSec",      "t",       PROP_USEC,       SECTION_SERVICE },
        [UNIT_PROP_EXEC_START]            = { "ExecStart",             "ExecStartEx",           "a(sasas)", PROP_EXEC,      SECTION_SERVICE },
        [UNIT_PROP_ENVIRONMENT]           = { "Environment",           "Environment",           "as",      PROP_ENV,        SECTION_SERVICE },
        [UNIT_PROP_WORKING_DIRECTORY]     = { "WorkingDirectory",      "WorkingDirectory",      "s",       PROP_STRING,     SECTION_SERVICE },
        [UNIT_PROP_USER]                  = { "User",                  "User",                  "s",       PROP_STRING,     SECTION_SERVICE },
        [UNIT_PROP_GROUP]                 = { "Group",                 "Group",                 "s",       PROP_STRING,     SECTION_SERVICE },
        [UNIT_PROP_SUPPLEMENTARY_GROUPS]  = { "SupplementaryGroups",   "SupplementaryGroups",   "as",      PROP_STRV,       SECTION_SERVICE },
        [UNIT_PROP_CPU_QUOTA]             = { "CPUQuota",              "CPUQuotaPerSecUSec",    "t",       PROP_PERCENT,    SECTION_SERVICE },
        [UNIT_PROP_CPU_WEIGHT]            = { "CPUWeight",             "CPUWeight",             "t",       PROP_U64,        SECTION_SERVICE },
        [UNIT_PROP_MEMORY_MAX]            = { "MemoryMax",             "MemoryMax",             "t",       PROP_BYTES,      SECTION_SERVICE },
        [UNIT_PROP_MEMORY_LOW]            = { "MemoryLow",             "MemoryLow",             "t",       PROP_BYTES,      SECTION_SERVICE },
        [UNIT_PROP_KILL_SIGNAL]           = { "KillSignal",            "KillSignal",            "i",       PROP_SIGNAL,     SECTION_SERVICE },
        [UNIT_PROP_SEND_SIGKILL]          = { "SendSIGKILL",           "SendSIGKILL",           "b",       PROP_BOOL,       SECTION_SERVICE },
        [UNIT_PROP_TIMEOUT_STOP]          = { "TimeoutStopSec",        "TimeoutStopUSec",       "t",       PROP_USEC,       SECTION_SERVICE },
        [UNIT_PROP_RUNTIME_MAX]           = { "RuntimeMaxSec",         "RuntimeMaxUSec",        "t",       PROP_USEC,       SECTION_SERVICE },
        [UNIT_PROP_SYSLOG_IDENTIFIER]     = { "SyslogIdentifier",      "SyslogIdentifier",      "s",       PROP_STRING,     SECTION_SERVICE },
        [UNIT_PROP_LOG_EXTRA_FIELDS]      = { "LogExtraFields",        "LogExtraFields",        "aay",     PROP_LOG_FIELDS, SECTION_SERVICE },
        [UNIT_PROP_BIND_PATHS]            = { "BindPaths",             "BindPaths",             "a(ssbt)", PROP_BIND,       SECTION_SERVICE },
        [UNIT_PROP_BIND_READ_ONLY_PATHS]  = { "BindReadOnlyPaths",     "BindReadOnlyPaths",     "a(ssbt)", PROP_BIND,       SECTION_SERVICE },
        [UNIT_PROP_NO_NEW_PRIVILEGES]     = { "NoNewPrivileges",       "NoNewPrivileges",       "b",       PROP_BOOL,       SECTION_SERVICE },
        [UNIT_PROP_PROTECT_SYSTEM]        = { "ProtectSystem",         "ProtectSystem",         "s",       PROP_STRING,     SECTION_SERVICE },
        [UNIT_PROP_KILL_MODE]             = { "KillMode",              "KillMode",              "s",       PROP_STRING,     SECTION_SERVICE },
        [UNIT_PROP_DELEGATE]              = { "Delegate",              "Delegate",              "b",       PROP_BOOL,       SECTION_SERVICE },
        [UNIT_PROP_EXEC_STOP_POST]        = { "ExecStopPost",          "ExecStopPostEx",        "a(sasas)", PROP_EXEC,      SECTION_SERVICE },
        [UNIT_PROP_ON_CALENDAR]           = { "OnCalendar",            "TimersCalendar",        "a(ss)",   PROP_CALENDAR,   SECTION_TIMER },
        [UNIT_PROP_ACCURACY]              = { "AccuracySec",           "AccuracyUSec",          "t",       PROP_USEC,       SECTION_TIMER },
        [UNIT_PROP_RANDOMIZED_DELAY]      = { "RandomizedDelaySec",    "RandomizedDelayUSec",   "t",       PROP_USEC,       SECTION_TIMER },
        [UNIT_PROP_PERSISTENT]            = { "Persistent",            "Persistent",            "b",       PROP_BOOL,       SECTION_TIMER },
};

void unit_spec_done(UnitSpec *u) {
        for (size_t i = 0; i < u->n_props; i++) {
                free(u->props[i].string);
                strv_free(u->props[i].strv);
        }
        u->props = mfree(u->props);
        u->n_props = 0;
        u->name = mfree(u->name);
}

static UnitProp *unit_spec_new_prop(UnitSpec *u, UnitPropId id) {
        UnitProp *n;

        assert(id >= 0 && id < _UNIT_PROP_MAX);
        n = realloc(u->props, sizeof(UnitProp) * (u->n_props + 1));
        if (!n)
                return NULL;
        u->props = n;
        u->props[u->n_props] = (UnitProp) { .info = unit_prop_table + id };
        return u->props + u->n_props++;
}

int unit_spec_add_string(UnitSpec *u, UnitPropId id, const char *value) {
        char *s = strdup(value);
        UnitProp *p;

        if (!s)
                return -ENOMEM;
        p = unit_spec_new_prop(u, id);
        if (!p) {
                free(s);
                return -ENOMEM;
        }
        p->string = s;
        return 0;
}

int unit_spec_add_u64(UnitSpec *u, UnitPropId id, uint64_t value) {
        UnitProp *p = unit_spec_new_prop(u, id);

        if (!p)
                return -ENOMEM;
        p->u64 = value;
        return 0;
}

int unit_spec_add_bool(UnitSpec *u, UnitPropId id, bool value) {
        UnitProp *p = unit_spec_new_prop(u, id);

        if (!p)
                return -ENOMEM;
        p->boolean = value;
        return 0;
}

int unit_spec_add_strv(UnitSpec *u, UnitPropId id, char * const *value) {
        char **c = strv_copy(value);
        UnitProp *p;

        if (!c)
                return -ENOMEM;
        p = unit_spec_new_prop(u, id);
        if (!p) {
                strv_free(c);
                return -ENOMEM;
        }
        p->strv = c;
        return 0;
}

const UnitProp *unit_spec_get(const UnitSpec *u, UnitPropId id) {
        for (size_t i = 0; i < u->n_props; i++)
                if (u->props[i].info == unit_prop_table + id)
                        return u->props + i;
        return NULL;
}

/* Quotes a word for a unit file when needed: systemd splits ExecStart= and Environment= at white space and
 * interprets quotes, backslashes, '$', '%' and ';'. */
static int append_quoted(FILE *f, const char *s, bool exec) {
        bool plain = *s != 0;

        for (const char *p = s; *p; p++)
                if (strchr(" \t\n\"'\\$%;", *p) || (unsigned char) *p < 0x20)
                        plain = false;
        if (plain) {
                fputs(s, f);
                return 0;
        }
        fputc('"', f);
        for (const char *p = s; *p; p++) {
                switch (*p) {
                case '"':
                case '\\':
                        fputc('\\', f);
                        fputc(*p, f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                case '\t':
                        fputs("\\t", f);
                        break;
                case '%':
                        fputs("%%", f);
                        break;
                case '$':
                        /* Written as is: ExecStart= lines carry ':' (no variable substitution). */
                        fputc('$', f);
                        break;
                default:
                        fputc(*p, f);
                }
        }
        fputc('"', f);
        return 0;
}

static void format_usec(FILE *f, uint64_t usec) {
        if (usec == UINT64_MAX)
                fputs("infinity", f);
        else if (usec % USEC_PER_SEC == 0)
                fprintf(f, "%" PRIu64 "s", usec / USEC_PER_SEC);
        else if (usec % USEC_PER_MSEC == 0)
                fprintf(f, "%" PRIu64 "ms", usec / USEC_PER_MSEC);
        else
                fprintf(f, "%" PRIu64 "us", usec);
}

static void prop_to_text(FILE *f, const UnitProp *p) {
        const char *k = p->info->key;

        switch (p->info->kind) {
        case PROP_STRING:
                fprintf(f, "%s=%s\n", k, p->string);
                break;
        case PROP_BOOL:
                fprintf(f, "%s=%s\n", k, p->boolean ? "yes" : "no");
                break;
        case PROP_U64:
        case PROP_BYTES:
                fprintf(f, "%s=%" PRIu64 "\n", k, p->u64);
                break;
        case PROP_USEC:
                fprintf(f, "%s=", k);
                format_usec(f, p->u64);
                fputc('\n', f);
                break;
        case PROP_PERCENT:
                /* µs per second: 10000 µs/s = 1%. */
                if (p->u64 % 10000 == 0)
                        fprintf(f, "%s=%" PRIu64 "%%\n", k, p->u64 / 10000);
                else
                        fprintf(f, "%s=%" PRIu64 ".%02" PRIu64 "%%\n", k, p->u64 / 10000, (p->u64 % 10000) / 100);
                break;
        case PROP_SIGNAL:
                fprintf(f, "%s=%s\n", k, p->u64 == 15 ? "SIGTERM" : p->u64 == 9 ? "SIGKILL" : "SIGTERM");
                break;
        case PROP_STRV:
                fprintf(f, "%s=", k);
                STRV_FOREACH(s, p->strv) {
                        if (s != p->strv)
                                fputc(' ', f);
                        fputs(*s, f);
                }
                fputc('\n', f);
                break;
        case PROP_ENV:
        case PROP_LOG_FIELDS:
                STRV_FOREACH(s, p->strv) {
                        fprintf(f, "%s=", k);
                        append_quoted(f, *s, false);
                        fputc('\n', f);
                }
                break;
        case PROP_EXEC:
                /* ':' turns off systemd's $VAR/${VAR} substitution: the argv is final, and "${X}" is the
                 * shell's, as Kubernetes leaves it (spec §2.4). */
                fprintf(f, "%s=:", k);
                STRV_FOREACH(s, p->strv) {
                        if (s != p->strv)
                                fputc(' ', f);
                        append_quoted(f, *s, true);
                }
                fputc('\n', f);
                break;
        case PROP_BIND:
                for (char **s = p->strv; s && s[0] && s[1]; s += 2)
                        fprintf(f, "%s=%s:%s\n", k, s[0], s[1]);
                break;
        case PROP_CALENDAR:
                STRV_FOREACH(s, p->strv)
                        fprintf(f, "%s=%s\n", k, *s);
                break;
        }
}

char *unit_spec_to_text(const UnitSpec *u) {
        static const char *const section_names[_SECTION_MAX] = {
                [SECTION_UNIT] = "Unit",
                [SECTION_SERVICE] = "Service",
                [SECTION_TIMER] = "Timer",
        };
        char *buf = NULL;
        size_t size = 0;
        FILE *f;

        f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        fprintf(f, "# %s\n", u->name);
        for (UnitSection s = 0; s < _SECTION_MAX; s++) {
                bool any = false;

                for (size_t i = 0; i < u->n_props; i++) {
                        if (u->props[i].info->section != s)
                                continue;
                        if (!any)
                                fprintf(f, "%s[%s]\n", s == SECTION_UNIT ? "" : "\n", section_names[s]);
                        any = true;
                        prop_to_text(f, u->props + i);
                }
                if (!any && s == SECTION_UNIT)
                        fprintf(f, "[Unit]\n");
        }
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}
