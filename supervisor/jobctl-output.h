/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdio.h>

#include "jobctl-bus.h"
#include "jobsd/macro.h"

/* jobctl's output, as kubectl's. */

/* A failed command prints nothing on stdout: what a verb writes for stdout goes to jobctl_stdout(), a
 * buffer from jobctl_stdout_open() on, and jobctl_stdout_close() writes it to stdout only if the verb
 * returned 0. It returns the exit status (EXIT_ERROR if stdout cannot be written). */
int jobctl_stdout_open(void);
FILE *jobctl_stdout(void);
int jobctl_stdout_close(int status);
/* For output that cannot wait (logs -f): writes what was buffered, then stdout itself from now on. */
FILE *jobctl_stdout_stream(void);

usec_t now_usec(void);
/* kubectl's short durations: 45s, 2m3s, 3h4m, 2d3h. */
void format_duration(char *buf, size_t n, usec_t d);
void format_rfc3339(char *buf, size_t n, usec_t t);
void format_rfc1123z(char *buf, size_t n, usec_t t);
/* "<none>" for 0, else the age (age) or the RFC 1123 time. */
void format_time_or_none(char *buf, size_t n, usec_t t, bool age);

/* A small emitter of one tree as JSON or YAML: objects, lists of objects, and scalars. */
typedef struct Emitter {
        FILE *f;
        bool yaml;
        unsigned depth;
        bool first[16];                 /* JSON: no comma before the first member of each level */
        bool list_item;                 /* YAML: the next key opens a list item ("- ") */
        bool in_root;
} Emitter;

void em_key(Emitter *e, const char *key);
void em_string(Emitter *e, const char *key, const char *v);
void em_raw(Emitter *e, const char *key, const char *v);
void em_int(Emitter *e, const char *key, int64_t v);
void em_time(Emitter *e, const char *key, usec_t t);
/* Opens an object ('{') or a list ('['), as a member named key (NULL: a list element or the root). */
void em_open(Emitter *e, const char *key, char kind);
void em_close(Emitter *e, char kind);
/* A list element that is an object. */
void em_item(Emitter *e);
void em_item_end(Emitter *e);
void emit_strv(Emitter *e, const char *key, char * const *l);
/* key, value, … as an object; nothing when empty. */
void emit_map(Emitter *e, const char *key, char * const *l);

/* describe's Events section, as kubectl prints it; the From column fits the controller's name. */
void print_events(const EventInfo *events, size_t n, const char *from);
/* kubectl's NotFound message; returns EXIT_ERROR. */
int not_found(const char *kind, const char *name);
