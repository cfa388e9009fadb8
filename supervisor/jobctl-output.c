/* SPDX-License-Identifier: Apache-2.0 */
/* jobctl's output: kubectl's times and durations, JSON and YAML objects, Events tables, NotFound. */
#include <inttypes.h>
#include <time.h>

#include "jobctl.h"
#include "jobctl-output.h"
#include "jobsd/json.h"
#include "jobsd/strv.h"

static FILE *stdout_buffer = NULL;
static char *stdout_data = NULL;
static size_t stdout_size = 0;

int jobctl_stdout_open(void) {
        assert(!stdout_buffer);

        stdout_buffer = open_memstream(&stdout_data, &stdout_size);
        return stdout_buffer ? 0 : -errno;
}

FILE *jobctl_stdout(void) {
        return stdout_buffer ?: stdout;
}

/* Ends the buffer: writes its contents to stdout if write is true. */
static int stdout_buffer_end(bool write) {
        _cleanup_(freep) char *data = NULL;
        int r = 0;

        if (!stdout_buffer)
                return 0;
        if (fclose(stdout_buffer) != 0)
                r = -ENOMEM;
        stdout_buffer = NULL;
        data = TAKE_PTR(stdout_data);
        if (r == 0 && write && stdout_size > 0 &&
            (fwrite(data, 1, stdout_size, stdout) != stdout_size || fflush(stdout) != 0))
                r = -errno ?: -EIO;
        stdout_size = 0;
        return r;
}

FILE *jobctl_stdout_stream(void) {
        int r = stdout_buffer_end(true);

        if (r < 0)
                fprintf(stderr, "jobctl: cannot write to stdout: %s\n", strerror(-r));
        return stdout;
}

int jobctl_stdout_close(int status) {
        int r = stdout_buffer_end(status == 0);

        if (r == 0 && fflush(stdout) != 0)
                r = -errno ?: -EIO;
        if (r < 0) {
                fprintf(stderr, "jobctl: cannot write to stdout: %s\n", strerror(-r));
                return status ?: EXIT_ERROR;
        }
        return status;
}

usec_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}

/* kubectl's short durations: 45s, 2m3s, 3h4m, 2d3h. */
void format_duration(char *buf, size_t n, usec_t d) {
        uint64_t s = d / USEC_PER_SEC;

        if (s < 120)
                snprintf(buf, n, "%" PRIu64 "s", s);
        else if (s < 600)
                snprintf(buf, n, "%" PRIu64 "m%" PRIu64 "s", s / 60, s % 60);
        else if (s < 3 * 3600)
                snprintf(buf, n, "%" PRIu64 "m", s / 60);
        else if (s < 8 * 3600)
                snprintf(buf, n, "%" PRIu64 "h%" PRIu64 "m", s / 3600, (s % 3600) / 60);
        else if (s < 48 * 3600)
                snprintf(buf, n, "%" PRIu64 "h", s / 3600);
        else if (s < 8 * 86400)
                snprintf(buf, n, "%" PRIu64 "d%" PRIu64 "h", s / 86400, (s % 86400) / 3600);
        else
                snprintf(buf, n, "%" PRIu64 "d", s / 86400);
}

void format_rfc3339(char *buf, size_t n, usec_t t) {
        time_t s = (time_t) (t / USEC_PER_SEC);
        struct tm tm;

        gmtime_r(&s, &tm);
        strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void format_rfc1123z(char *buf, size_t n, usec_t t) {
        time_t s = (time_t) (t / USEC_PER_SEC);
        struct tm tm;

        localtime_r(&s, &tm);
        strftime(buf, n, "%a, %d %b %Y %H:%M:%S %z", &tm);
}

static void em_indent(Emitter *e) {
        for (unsigned i = 0; i < e->depth; i++)
                fputs("  ", e->f);
}

void em_key(Emitter *e, const char *key) {
        if (e->yaml) {
                if (e->list_item) {
                        for (unsigned i = 0; i + 1 < e->depth; i++)
                                fputs("  ", e->f);
                        fputs("- ", e->f);
                        e->list_item = false;
                } else
                        em_indent(e);
                if (key)
                        fprintf(e->f, "%s:", key);
                return;
        }
        if (!e->first[e->depth])
                fputs(",\n", e->f);
        e->first[e->depth] = false;
        em_indent(e);
        if (key)
                fprintf(e->f, "\"%s\": ", key);
}

void em_string(Emitter *e, const char *key, const char *v) {
        em_key(e, key);
        if (e->yaml)
                fputc(' ', e->f);
        json_write_string(e->f, v);
        if (e->yaml)
                fputc('\n', e->f);
}

void em_raw(Emitter *e, const char *key, const char *v) {
        em_key(e, key);
        fprintf(e->f, "%s%s%s", e->yaml ? " " : "", v, e->yaml ? "\n" : "");
}

void em_int(Emitter *e, const char *key, int64_t v) {
        char buf[32];

        snprintf(buf, sizeof(buf), "%" PRIi64, v);
        em_raw(e, key, buf);
}

void em_time(Emitter *e, const char *key, usec_t t) {
        char buf[64];

        format_rfc3339(buf, sizeof(buf), t);
        em_string(e, key, buf);
}

/* Opens an object ('{') or a list ('['), as a member named key (NULL: a list element or the root). */
void em_open(Emitter *e, const char *key, char kind) {
        /* A YAML document's root object has no braces and no indentation. */
        if (e->yaml && !key && e->depth == 0 && !e->in_root) {
                e->in_root = true;
                return;
        }
        if (e->depth > 0 || key)
                em_key(e, key);
        if (e->yaml) {
                if (key)
                        fputc('\n', e->f);
        } else
                fprintf(e->f, "%c\n", kind);
        e->depth++;
        e->first[e->depth] = true;
        if (e->yaml && kind == '[')
                e->list_item = false;
}

void em_close(Emitter *e, char kind) {
        if (e->yaml && e->depth == 0 && e->in_root) {
                e->in_root = false;
                return;
        }
        e->depth--;
        if (!e->yaml) {
                fputc('\n', e->f);
                em_indent(e);
                fputc(kind, e->f);
        }
}

/* A list element that is an object. */
void em_item(Emitter *e) {
        if (e->yaml) {
                e->depth++;
                e->list_item = true;
                e->first[e->depth] = true;
                return;
        }
        em_open(e, NULL, '{');
}

void em_item_end(Emitter *e) {
        if (e->yaml) {
                e->depth--;
                return;
        }
        em_close(e, '}');
}

void emit_strv(Emitter *e, const char *key, char * const *l) {
        if (!l)
                return;
        em_open(e, key, '[');
        STRV_FOREACH(s, l) {
                if (e->yaml) {
                        for (unsigned i = 0; i + 1 < e->depth; i++)
                                fputs("  ", e->f);
                        fputs("- ", e->f);
                        json_write_string(e->f, *s);
                        fputc('\n', e->f);
                } else {
                        em_key(e, NULL);
                        json_write_string(e->f, *s);
                }
        }
        em_close(e, ']');
}

/* key, value, … as an object; nothing when empty. */
void emit_map(Emitter *e, const char *key, char * const *l) {
        if (!l || !l[0])
                return;
        em_open(e, key, '{');
        for (; l[0] && l[1]; l += 2)
                em_string(e, l[0], l[1]);
        em_close(e, '}');
}

void format_time_or_none(char *buf, size_t n, usec_t t, bool age) {
        if (t == 0)
                snprintf(buf, n, "<none>");
        else if (age)
                format_duration(buf, n, now_usec() > t ? now_usec() - t : 0);
        else
                format_rfc1123z(buf, n, t);
}

/* describe's Events section, as kubectl prints it; the From column fits the controller's name. */
void print_events(const EventInfo *events, size_t n, const char *from) {
        FILE *out = jobctl_stdout();
        int w = strlen(from) < 16 ? 16 : (int) strlen(from) + 2;

        fprintf(out, "Events:\n");
        if (n == 0) {
                fprintf(out, "  <none>\n");
                return;
        }
        fprintf(out, "  %-8s %-22s %-8s %-*s %s\n", "Type", "Reason", "Age", w, "From", "Message");
        fprintf(out, "  %-8s %-22s %-8s %-*s %s\n", "----", "------", "----", w, "----", "-------");
        for (size_t i = 0; i < n; i++) {
                char age[32];
                format_duration(age, sizeof(age), now_usec() - events[i].at);
                fprintf(out, "  %-8s %-22s %-8s %-*s %s", events[i].warning ? "Warning" : "Normal", events[i].reason, age, w,
                             from, events[i].message);
                if (events[i].count > 1)
                        fprintf(out, " (x%" PRIu32 ")", events[i].count);
                fprintf(out, "\n");
        }
}

int not_found(const char *kind, const char *name) {
        fprintf(stderr, "Error from server (NotFound): %s.batch \"%s\" not found\n", kind, name);
        return EXIT_ERROR;
}
