/* SPDX-License-Identifier: Apache-2.0 */
/* A CronJob's state file: its status, read and written atomically. */
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "cronjob-state.h"
#include "state-file.h"
#include "jobsd/strv.h"

#define CRONJOB_STATE_VERSION 1
#define CRONJOB_STATE_SIZE_MAX (16 * 1024 * 1024)

void cronjob_status_done(CronJobStatus *s) {
        strv_free(s->active);
        free(s->schedule);
        free(s->time_zone);
        *s = (CronJobStatus) {};
}

/* Strings are written with %-escapes for space, newline, '%' and control characters, so that each
 * record is one line of space-separated words; "-" is NULL (or empty). */
static void escape(FILE *f, const char *s) {
        if (!s || !*s) {
                fputs("-", f);
                return;
        }
        if (streq(s, "-")) {
                fputs("%2D", f);
                return;
        }
        for (; *s; s++)
                if ((unsigned char) *s <= ' ' || *s == '%' || *s == 0x7f)
                        fprintf(f, "%%%02X", (unsigned char) *s);
                else
                        fputc(*s, f);
}

static int hex_digit(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

/* "-" gives NULL in *ret; a bad escape -EBADMSG. */
static int unescape(const char *s, char **ret) {
        char *r, *p;

        *ret = NULL;
        if (streq(s, "-"))
                return 0;
        r = p = malloc(strlen(s) + 1);
        if (!r)
                return -ENOMEM;
        for (; *s; s++) {
                if (*s == '%') {
                        int a = hex_digit(s[1]), b = a >= 0 ? hex_digit(s[2]) : -1;
                        if (a < 0 || b < 0 || (a == 0 && b == 0)) {
                                free(r);
                                return -EBADMSG;
                        }
                        *p++ = (char) (a * 16 + b);
                        s += 2;
                } else
                        *p++ = *s;
        }
        *p = 0;
        *ret = r;
        return 0;
}

int cronjob_status_format(const CronJobStatus *s, char **ret) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        fprintf(f, "jobsd-cronjob-state %d\n", CRONJOB_STATE_VERSION);
        fprintf(f, "created %" PRIu64 "\n", s->created_usec);
        fprintf(f, "last-schedule %" PRIu64 "\n", s->last_schedule_usec);
        fprintf(f, "last-successful %" PRIu64 "\n", s->last_successful_usec);
        fprintf(f, "edited %" PRIu64 "\n", s->edited_usec);
        fputs("schedule ", f);
        escape(f, s->schedule);
        fputs("\ntime-zone ", f);
        escape(f, s->time_zone);
        fputc('\n', f);
        STRV_FOREACH(a, s->active) {
                fputs("active ", f);
                escape(f, *a);
                fputc('\n', f);
        }
        fputs("end\n", f);
        if (ferror(f)) {
                fclose(f);
                free(buf);
                return -ENOMEM;
        }
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        return 0;
}

static int parse_u64(const char *s, uint64_t *ret) {
        unsigned long long v;
        char *e;

        if (!s || !*s || !(*s >= '0' && *s <= '9'))
                return -EBADMSG;
        errno = 0;
        v = strtoull(s, &e, 10);
        if (errno || *e)
                return -EBADMSG;
        *ret = v;
        return 0;
}

#define FAIL(...)                                                       \
        do {                                                            \
                if (reterr_message) {                                   \
                        free(*reterr_message);                          \
                        *reterr_message = strprintf(__VA_ARGS__);       \
                }                                                       \
                return -EBADMSG;                                        \
        } while (0)

int cronjob_status_parse(const char *text, CronJobStatus *ret, char **reterr_message) {
        _cleanup_(cronjob_status_done) CronJobStatus st = {};
        bool ended = false, seen[6] = {};
        unsigned lineno = 0;
        int r;

        if (!text || !*text)
                FAIL("empty file");
        for (const char *line = text; *line;) {
                const char *nl = strchr(line, '\n'), *arg;
                _cleanup_(freep) char *l = NULL, *v = NULL;
                size_t n;

                lineno++;
                if (!nl)
                        FAIL("line %u: truncated (no newline)", lineno);
                if (ended)
                        FAIL("line %u: data after the end", lineno);
                n = nl - line;
                l = strndup(line, n);
                if (!l)
                        return -ENOMEM;
                line = nl + 1;
                if (strlen(l) != n)
                        FAIL("line %u: contains a NUL byte", lineno);

                if (lineno == 1) {
                        _cleanup_(freep) char *want = strprintf("jobsd-cronjob-state %d", CRONJOB_STATE_VERSION);
                        if (!want)
                                return -ENOMEM;
                        if (!streq(l, want))
                                FAIL("line 1: not a jobsd CronJob state file of version %d", CRONJOB_STATE_VERSION);
                        continue;
                }
                if (streq(l, "end")) {
                        ended = true;
                        continue;
                }
                arg = strchr(l, ' ');
                if (!arg || !arg[1] || strchr(arg + 1, ' '))
                        FAIL("line %u: expected a record and one value", lineno);
                l[arg - l] = 0;
                arg++;

                static const char *const once[] = { "created", "last-schedule", "last-successful", "edited",
                                                    "schedule", "time-zone" };
                for (size_t i = 0; i < ELEMENTSOF(once); i++)
                        if (streq(l, once[i])) {
                                if (seen[i])
                                        FAIL("line %u: duplicate %s record", lineno, l);
                                seen[i] = true;
                        }

                if (streq(l, "created")) {
                        if (parse_u64(arg, &st.created_usec) < 0)
                                FAIL("line %u: bad time '%s'", lineno, arg);
                } else if (streq(l, "last-schedule")) {
                        if (parse_u64(arg, &st.last_schedule_usec) < 0)
                                FAIL("line %u: bad time '%s'", lineno, arg);
                } else if (streq(l, "last-successful")) {
                        if (parse_u64(arg, &st.last_successful_usec) < 0)
                                FAIL("line %u: bad time '%s'", lineno, arg);
                } else if (streq(l, "edited")) {
                        if (parse_u64(arg, &st.edited_usec) < 0)
                                FAIL("line %u: bad time '%s'", lineno, arg);
                } else if (streq(l, "schedule") || streq(l, "time-zone")) {
                        r = unescape(arg, &v);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                FAIL("line %u: bad escape in %s", lineno, l);
                        if (streq(l, "schedule"))
                                st.schedule = TAKE_PTR(v);
                        else
                                st.time_zone = TAKE_PTR(v);
                } else if (streq(l, "active")) {
                        r = unescape(arg, &v);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0 || !v)
                                FAIL("line %u: bad Job name", lineno);
                        if (strv_contains(st.active, v))
                                FAIL("line %u: Job %s is listed twice", lineno, v);
                        r = strv_push(&st.active, TAKE_PTR(v));
                        if (r < 0)
                                return r;
                } else
                        FAIL("line %u: unknown record '%s'", lineno, l);
        }
        if (lineno == 0)
                FAIL("empty file");
        if (!ended)
                FAIL("truncated: no end record");
        if (!seen[0])
                FAIL("no created record");

        *ret = st;
        st = (CronJobStatus) {};
        return 0;
}

int cronjob_state_save(const char *dir, const char *namespace, const char *name, const CronJobStatus *s) {
        _cleanup_(freep) char *text = NULL;
        int r;

        r = cronjob_status_format(s, &text);
        if (r < 0)
                return r;
        return state_file_put(dir, "cronjobs", namespace, name, "state", text, strlen(text));
}

int cronjob_state_load(const char *dir, const char *namespace, const char *name, CronJobStatus *ret,
                       char **reterr_message) {
        _cleanup_(freep) char *buf = NULL;
        int r;

        r = state_file_get(dir, "cronjobs", namespace, name, "state", CRONJOB_STATE_SIZE_MAX, &buf, reterr_message);
        if (r < 0)
                return r;
        return cronjob_status_parse(buf, ret, reterr_message);
}

int cronjob_state_remove(const char *dir, const char *namespace, const char *name) {
        return state_file_delete(dir, "cronjobs", namespace, name, "state");
}
