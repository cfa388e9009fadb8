/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers of the cron tests: the case tables of tests/cases/cron/ (tab-separated, '#' comments name the
 * sections that follow), and times written as "2026-01-01T00:00:00Z". */
#pragma once

#include <inttypes.h>
#include <libgen.h>
#include <time.h>

#include "jobsd/macro.h"
#include "jobsd/strv.h"
#include "tap.h"

typedef struct CaseLine {
        char **fields;          /* unescaped */
        unsigned line;
} CaseLine;

typedef struct CaseSection {
        char *name;             /* the comment above the lines */
        CaseLine *lines;
        size_t n_lines;
} CaseSection;

/* $JOBSD_SOURCE_ROOT/tests/cases/cron/NAME, else next to this source file. */
static inline char *case_path(const char *name) {
        const char *root = getenv("JOBSD_SOURCE_ROOT");
        _cleanup_(freep) char *here = strdup(__FILE__);

        if (root)
                return strprintf("%s/tests/cases/cron/%s", root, name);
        assert_se(here);
        return strprintf("%s/cases/cron/%s", dirname(here), name);
}

/* \t, \\ and \xNN. */
static inline char *case_unescape(const char *s, size_t n) {
        char *out = malloc(n + 1), *o = out;

        assert_se(out);
        for (size_t i = 0; i < n; i++) {
                if (s[i] != '\\' || i + 1 >= n) {
                        *o++ = s[i];
                        continue;
                }
                i++;
                if (s[i] == 't')
                        *o++ = '\t';
                else if (s[i] == 'x' && i + 2 < n) {
                        unsigned v;

                        assert_se(sscanf(s + i + 1, "%2x", &v) == 1);
                        *o++ = (char) v;
                        i += 2;
                } else
                        *o++ = s[i];
        }
        *o = 0;
        return out;
}

/* Reads a table into sections; aborts the test program if the file cannot be read. */
static inline size_t read_case_table(const char *name, CaseSection **ret) {
        _cleanup_(freep) char *path = case_path(name), *line = NULL;
        _cleanup_(fclosep) FILE *f = NULL;
        CaseSection *sections = NULL;
        size_t n_sections = 0, size = 0;
        unsigned lineno = 0;
        ssize_t l;

        assert_se(path);
        f = fopen(path, "re");
        if (!f) {
                printf("Bail out! cannot read %s: %m (set JOBSD_SOURCE_ROOT)\n", path);
                exit(EXIT_FAILURE);
        }
        while ((l = getline(&line, &size, f)) >= 0) {
                CaseSection *s;
                CaseLine *cl;

                lineno++;
                if (l > 0 && line[l - 1] == '\n')
                        line[--l] = 0;
                if (l == 0 && n_sections == 0)
                        continue;
                if (line[0] == '#' || n_sections == 0) {
                        sections = reallocarray(sections, n_sections + 1, sizeof(CaseSection));
                        assert_se(sections);
                        sections[n_sections++] = (CaseSection) {
                                .name = strprintf("line %u: %s", lineno, line[0] == '#' ? line + 1 + strspn(line + 1, " ") : ""),
                        };
                        if (line[0] == '#')
                                continue;
                }
                s = sections + n_sections - 1;
                s->lines = reallocarray(s->lines, s->n_lines + 1, sizeof(CaseLine));
                assert_se(s->lines);
                cl = s->lines + s->n_lines++;
                *cl = (CaseLine) { .line = lineno };
                for (const char *p = line;;) {
                        const char *e = strchr(p, '\t');
                        size_t n = e ? (size_t) (e - p) : strlen(p);

                        assert_se(strv_push(&cl->fields, case_unescape(p, n)) >= 0);
                        if (!e)
                                break;
                        p = e + 1;
                }
        }
        /* Drop the comment-only sections (file headers). */
        for (size_t i = 0; i < n_sections;)
                if (sections[i].n_lines == 0) {
                        free(sections[i].name);
                        memmove(sections + i, sections + i + 1, (n_sections - i - 1) * sizeof(CaseSection));
                        n_sections--;
                } else
                        i++;
        *ret = sections;
        return n_sections;
}

/* "2026-01-01T00:00Z" or "2026-01-01T00:00:30Z" ⇄ unix time. */
static inline int64_t parse_utc(const char *s) {
        struct tm tm = {};
        int n = 0;

        if (sscanf(s, "%d-%d-%dT%d:%d:%dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                   &tm.tm_sec, &n) != 6 || (size_t) n != strlen(s)) {
                tm.tm_sec = 0;
                n = 0;
                if (sscanf(s, "%d-%d-%dT%d:%dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                           &n) != 5 || (size_t) n != strlen(s))
                        return -1;
        }
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        return (int64_t) timegm(&tm);
}

static inline char *format_utc(int64_t t) {
        time_t s = (time_t) t;
        struct tm tm;
        char buf[32];

        assert_se(gmtime_r(&s, &tm));
        assert_se(strftime(buf, sizeof(buf), tm.tm_sec == 0 ? "%Y-%m-%dT%H:%MZ" : "%Y-%m-%dT%H:%M:%SZ", &tm) > 0);
        return strdup(buf);
}
