/* SPDX-License-Identifier: Apache-2.0 */
/* jobctl's CronJob verbs: get, describe, suspend and resume cronjobs; create job --from; trigger. */
#include <inttypes.h>
#include <stdarg.h>
#include <systemd/sd-bus.h>

#include "bus-api.h"
#include "jobctl.h"
#include "jobctl-bus.h"
#include "jobctl-cronjob.h"
#include "jobctl-output.h"
#include "jobsd/strv.h"

/* CronJobs (spec §4.4, §5.7): io.jobsd.CronJob1 objects. */

typedef struct CronInfo {
        char *namespace, *name, *file, *schedule, *tz, *policy, *timer;
        bool suspend;
        int64_t sds;
        int32_t keep_ok, keep_failed;
        usec_t created, last_schedule, last_successful, next;
        char **active, **jobs;
        EventInfo *events;
        size_t n_events;
} CronInfo;

static void cron_info_done(CronInfo *c) {
        free(c->namespace); free(c->name); free(c->file); free(c->schedule); free(c->tz); free(c->policy);
        free(c->timer);
        strv_free(c->active);
        strv_free(c->jobs);
        for (size_t i = 0; i < c->n_events; i++) {
                free(c->events[i].reason); free(c->events[i].message);
        }
        free(c->events);
        *c = (CronInfo) {};
}

static char *cron_job_path(const char *namespace, const char *name) {
        _cleanup_(freep) char *id = strprintf("%s_%s", namespace, name);
        char *p = NULL;

        if (!id || sd_bus_path_encode(JOBSD_CRON_JOB_PATH_PREFIX, id, &p) < 0)
                return NULL;
        return p;
}

static int cron_info_get(sd_bus *bus, const char *namespace, const char *name, CronInfo *ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(freep) char *path = cron_job_path(namespace, name);
        CronInfo c = {};
        int r;

        if (!path)
                return -ENOMEM;
        r = get_all(bus, path, JOBSD_CRON_JOB_IFACE, &reply);
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                const char *k, *s = NULL;

                r = sd_bus_message_read(reply, "s", &k);
                if (r < 0)
                        goto fail;
                PROP_STR("Namespace", c.namespace)
                PROP_STR("Name", c.name)
                PROP_STR("ManifestFile", c.file)
                PROP_STR("Schedule", c.schedule)
                PROP_STR("TimeZone", c.tz)
                PROP_STR("ConcurrencyPolicy", c.policy)
                PROP_STR("TimerUnit", c.timer)
                PROP_NUM("StartingDeadlineSeconds", "x", c.sds)
                PROP_NUM("SuccessfulJobsHistoryLimit", "i", c.keep_ok)
                PROP_NUM("FailedJobsHistoryLimit", "i", c.keep_failed)
                PROP_NUM("CreationTime", "t", c.created)
                PROP_NUM("LastScheduleTime", "t", c.last_schedule)
                PROP_NUM("LastSuccessfulTime", "t", c.last_successful)
                PROP_NUM("NextScheduleTime", "t", c.next)
                PROP_STRV("Active", c.active)
                PROP_STRV("Jobs", c.jobs)
                if (streq(k, "Suspend")) {
                        int b = 0;
                        r = sd_bus_message_read(reply, "v", "b", &b);
                        c.suspend = b;
                } else if (streq(k, "Events")) {
                        r = read_events(reply, &c.events, &c.n_events);
                } else
                        r = sd_bus_message_skip(reply, "v");
                if (r < 0)
                        goto fail;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        goto fail;
        }
        if (r < 0)
                goto fail;
        *ret = c;
        return 0;
fail:
        cron_info_done(&c);
        fprintf(stderr, "jobctl: cannot read CronJob %s: %s\n", name, strerror(-r));
        return r;
}

static int list_cron_jobs(sd_bus *bus, char ***ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(strv_freep) char **l = NULL;
        const char *ns, *name, *path;
        int r;

        r = manager_list(bus, "ListCronJobs", "(sso)", &reply);
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(reply, "(sso)", &ns, &name, &path)) > 0)
                if (strv_extend(&l, ns) < 0 || strv_extend(&l, name) < 0)
                        return -ENOMEM;
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}


static void emit_cron_job(Emitter *e, const CronInfo *c) {
        em_string(e, "apiVersion", "batch/v1");
        em_string(e, "kind", "CronJob");
        em_open(e, "metadata", '{');
        em_string(e, "name", c->name);
        em_string(e, "namespace", c->namespace);
        em_time(e, "creationTimestamp", c->created);
        em_close(e, '}');
        em_open(e, "spec", '{');
        em_string(e, "schedule", c->schedule);
        if (*c->tz)
                em_string(e, "timeZone", c->tz);
        em_string(e, "concurrencyPolicy", c->policy);
        em_raw(e, "suspend", c->suspend ? "true" : "false");
        if (c->sds >= 0)
                em_int(e, "startingDeadlineSeconds", c->sds);
        em_int(e, "successfulJobsHistoryLimit", c->keep_ok);
        em_int(e, "failedJobsHistoryLimit", c->keep_failed);
        em_close(e, '}');
        em_open(e, "status", '{');
        if (c->active && c->active[0]) {
                em_open(e, "active", '[');
                for (char **a = c->active; *a; a++) {
                        em_item(e);
                        em_string(e, "apiVersion", "batch/v1");
                        em_string(e, "kind", "Job");
                        em_string(e, "name", *a);
                        em_string(e, "namespace", c->namespace);
                        em_item_end(e);
                }
                em_close(e, ']');
        }
        if (c->last_schedule)
                em_time(e, "lastScheduleTime", c->last_schedule);
        if (c->last_successful)
                em_time(e, "lastSuccessfulTime", c->last_successful);
        /* Proposed upstream, not in batch/v1: the next slot, as the CronJob's timer has it. */
        if (c->next)
                em_time(e, "nextScheduleTime", c->next);
        em_close(e, '}');
}

/* jobctl get cronjobs [NAME] [-o wide|json|yaml] */
/* One line of `get cronjobs` (spec §4.4), after the header when it is the first. */
static void print_cron_job_row(FILE *out, const CronInfo *c, size_t n_active, bool wide, bool first) {
        char last[64], age[32], next[64];

        if (first)
                fprintf(out, wide ? "%-28s %-16s %-18s %-8s %-7s %-14s %-7s %-32s %s\n" :
                                    "%-28s %-16s %-18s %-8s %-7s %-14s %s\n",
                             "NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE",
                             "NEXT SCHEDULE", "TIMER");
        format_time_or_none(last, sizeof(last), c->last_schedule, true);
        format_duration(age, sizeof(age), now_usec() - c->created);
        if (wide) {
                format_time_or_none(next, sizeof(next), c->next, false);
                fprintf(out, "%-28s %-16s %-18s %-8s %-7zu %-14s %-7s %-32s %s\n", c->name, c->schedule,
                             *c->tz ? c->tz : "<none>", c->suspend ? "True" : "False", n_active, last, age,
                             next, *c->timer ? c->timer : "<none>");
        } else
                fprintf(out, "%-28s %-16s %-18s %-8s %-7zu %-14s %s\n", c->name, c->schedule, *c->tz ? c->tz : "<none>",
                             c->suspend ? "True" : "False", n_active, last, age);
}

/* The table's columns of every CronJob in one call (ListCronJobRows): -EOPNOTSUPP from a jobsd without
 * the method, the caller then reads each CronJob with GetAll. */
static int print_cron_job_rows(sd_bus *bus, FILE *out, const char *only, bool wide, bool *any) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *ns, *name, *schedule, *tz, *timer;
        uint64_t last, created, next;
        uint32_t active;
        int suspend, r;

        r = manager_list(bus, "ListCronJobRows", "(ssssbuttts)", &reply);
        if (r < 0)
                return r;
        while (r >= 0 && (r = sd_bus_message_read(reply, "(ssssbuttts)", &ns, &name, &schedule, &tz, &suspend, &active,
                                                  &last, &created, &next, &timer)) > 0) {
                if (only && !streq(name, only))
                        continue;
                /* Borrowed strings: c is not freed. */
                CronInfo c = { .name = (char *) name, .schedule = (char *) schedule, .tz = (char *) tz,
                               .timer = (char *) timer, .suspend = suspend, .last_schedule = last,
                               .created = created, .next = next };
                if (jobctl_output_is("name"))
                        fprintf(out, "cronjob.batch/%s\n", name);
                else
                        print_cron_job_row(out, &c, active, wide, !*any);
                *any = true;
        }
        if (r < 0) {
                fprintf(stderr, "jobctl: cannot read the CronJobs: %s\n", strerror(-r));
                return r;
        }
        return 0;
}

int get_cron_jobs(const char *only) {
        FILE *out = jobctl_stdout();
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(strv_freep) char **l = NULL;
        bool json = jobctl_arg_output && streq(jobctl_arg_output, "json"),
                yaml = jobctl_arg_output && streq(jobctl_arg_output, "yaml"),
                wide = jobctl_arg_output && streq(jobctl_arg_output, "wide"), any = false;
        Emitter em = { .f = out, .yaml = yaml };
        int r;

        r = bus_connect(&bus);
        if (r < 0)
                return EXIT_ERROR;
        if (!json && !yaml) {
                r = print_cron_job_rows(bus, out, only, wide, &any);
                if (r >= 0)
                        goto done;
                if (r != -EOPNOTSUPP)
                        return EXIT_ERROR;
        }
        r = list_cron_jobs(bus, &l);
        if (r < 0)
                return EXIT_ERROR;
        if ((json || yaml) && !only) {
                em_open(&em, NULL, '{');
                em_string(&em, "apiVersion", "v1");
                em_open(&em, "items", '[');
        } else if (json || yaml)
                em_open(&em, NULL, '{');
        for (char **k = l; k && k[0] && k[1]; k += 2) {
                _cleanup_(cron_info_done) CronInfo c = {};

                if (only && !streq(k[1], only))
                        continue;
                r = cron_info_get(bus, k[0], k[1], &c);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return EXIT_ERROR;
                if (json || yaml) {
                        if (!only)
                                em_item(&em);
                        emit_cron_job(&em, &c);
                        if (!only)
                                em_item_end(&em);
                        any = true;
                        continue;
                }
                if (jobctl_output_is("name"))
                        fprintf(out, "cronjob.batch/%s\n", k[1]);
                else
                        print_cron_job_row(out, &c, strv_length(c.active), wide, !any);
                any = true;
        }
        if (json || yaml) {
                if (!only) {
                        em_close(&em, ']');
                        em_string(&em, "kind", "List");
                }
                em_close(&em, '}');
                if (!em.yaml)
                        fputc('\n', out);
        }
done:
        if (only && !any)
                return not_found("cronjobs", only);
        if (!any && !json && !yaml)
                fprintf(stderr, "No resources found in default namespace.\n");
        return 0;
}

int describe_cron_job(const char *name) {
        FILE *out = jobctl_stdout();
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(cron_info_done) CronInfo c = {};
        char t[64];
        int r;

        r = bus_connect(&bus);
        if (r < 0)
                return EXIT_ERROR;
        r = cron_info_get(bus, "default", name, &c);
        if (r == -ENOENT)
                return not_found("cronjobs", name);
        if (r < 0)
                return EXIT_ERROR;
        fprintf(out, "%-32s%s\n", "Name:", c.name);
        fprintf(out, "%-32s%s\n", "Namespace:", c.namespace);
        fprintf(out, "%-32s%s\n", "Manifest:", c.file);
        fprintf(out, "%-32s%s\n", "Schedule:", c.schedule);
        fprintf(out, "%-32s%s\n", "Concurrency Policy:", c.policy);
        fprintf(out, "%-32s%s\n", "Suspend:", c.suspend ? "True" : "False");
        fprintf(out, "%-32s%s\n", "Time Zone:", *c.tz ? c.tz : "<unset>");
        fprintf(out, "%-32s%" PRIi32 "\n", "Successful Job History Limit:", c.keep_ok);
        fprintf(out, "%-32s%" PRIi32 "\n", "Failed Job History Limit:", c.keep_failed);
        if (c.sds >= 0)
                fprintf(out, "%-32s%" PRIi64 "s\n", "Starting Deadline Seconds:", c.sds);
        else
                fprintf(out, "%-32s%s\n", "Starting Deadline Seconds:", "<unset>");
        format_time_or_none(t, sizeof(t), c.last_schedule, false);
        fprintf(out, "%-32s%s\n", "Last Schedule Time:", t);
        format_time_or_none(t, sizeof(t), c.last_successful, false);
        fprintf(out, "%-32s%s\n", "Last Successful Time:", t);
        format_time_or_none(t, sizeof(t), c.next, false);
        fprintf(out, "%-32s%s\n", "Next Schedule Time:", t);
        fprintf(out, "%-32s%s\n", "Timer:", *c.timer ? c.timer : "<none> (suspended)");
        fprintf(out, "%-32s", "Active Jobs:");
        if (!c.active || !c.active[0])
                fprintf(out, "<none>\n");
        else
                for (char **a = c.active; *a; a++)
                        fprintf(out, "%s%s", *a, a[1] ? ", " : "\n");
        fprintf(out, "%-32s", "Jobs:");
        if (!c.jobs || !c.jobs[0])
                fprintf(out, "<none>\n");
        else
                for (char **a = c.jobs; *a; a++)
                        fprintf(out, "%s%s", *a, a[1] ? ", " : "\n");
        print_events(c.events, c.n_events, "cronjob-controller");
        return 0;
}

static int call_cron_job(const char *namespace, const char *name, const char *method, const char *types, ...) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(freep) char *path = cron_job_path(namespace, name);
        va_list ap;
        int r;

        r = bus_connect(&bus);
        if (r < 0 || !path)
                return EXIT_ERROR;
        r = sd_bus_message_new_method_call(bus, &call, JOBSD_BUS_NAME, path, JOBSD_CRON_JOB_IFACE, method);
        if (r >= 0 && types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(call, types, ap);
                va_end(ap);
        }
        if (r >= 0)
                r = sd_bus_call(bus, call, 0, &error, &reply);
        if (r < 0) {
                if (sd_bus_error_has_names(&error, SD_BUS_ERROR_UNKNOWN_OBJECT, SD_BUS_ERROR_UNKNOWN_INTERFACE,
                                           SD_BUS_ERROR_UNKNOWN_METHOD))
                        return not_found("cronjobs", name);
                fprintf(stderr, "Error from server: %s\n", error.message ?: strerror(-r));
                return EXIT_ERROR;
        }
        return 0;
}

/* jobctl trigger cronjob/NAMESPACE/NAME: what a CronJob's timer runs. */
int verb_trigger(int argc, char *argv[]) {
        _cleanup_(freep) char *ns = NULL;
        const char *ref = argc == 2 ? startswith(argv[1], "cronjob/") : NULL, *slash;

        if (!ref || !(slash = strchr(ref, '/'))) {
                fprintf(stderr, "jobctl trigger: expects cronjob/NAMESPACE/NAME\n");
                return EXIT_USAGE;
        }
        ns = strndup(ref, slash - ref);
        if (!ns)
                return EXIT_ERROR;
        return call_cron_job(ns, slash + 1, "Trigger", NULL) == 0 ? 0 : EXIT_ERROR;
}

/* jobctl create job NAME --from=cronjob/CRONJOB */
int verb_create(int argc, char *argv[]) {
        FILE *out = jobctl_stdout();
        const char *name = NULL, *from = NULL;

        for (int i = 1; i < argc; i++) {
                const char *v;
                if ((v = startswith(argv[i], "--from=")))
                        from = v;
                else if (streq(argv[i], "job") && !name && i == 1)
                        continue;
                else
                        name = argv[i];
        }
        if (!name || !from || !startswith(from, "cronjob/")) {
                fprintf(stderr, "jobctl create: expects job NAME --from=cronjob/CRONJOB\n");
                return EXIT_USAGE;
        }
        if (call_cron_job("default", startswith(from, "cronjob/"), "CreateJob", "s", name) != 0)
                return EXIT_ERROR;
        fprintf(out, "job.batch/%s created\n", name);
        return 0;
}

int verb_suspend_cron_job(bool suspend, const char *name) {
        FILE *out = jobctl_stdout();
        if (call_cron_job("default", name, "SetSuspend", "b", (int) suspend) != 0)
                return EXIT_ERROR;
        fprintf(out, "cronjob.batch/%s %s\n", name, suspend ? "suspended" : "resumed");
        return 0;
}
