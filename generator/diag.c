/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>

#include "jobsd/diag.h"
#include "jobsd/strv.h"

void diag_list_done(DiagList *l) {
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].file);
                free(l->items[i].path);
                free(l->items[i].message);
        }
        l->items = mfree(l->items);
        l->n = 0;
        l->n_by_level[0] = l->n_by_level[1] = 0;
}

int diag_add(DiagList *l, DiagLevel level, const char *file, bool has_position, size_t line, size_t column,
             const char *path, const char *fmt, ...) {
        _cleanup_(freep) char *f = NULL, *p = NULL, *m = NULL;
        va_list ap;
        Diag *n;

        if (file) {
                f = strdup(file);
                if (!f)
                        return -ENOMEM;
        }
        if (path && *path) {
                p = strdup(path);
                if (!p)
                        return -ENOMEM;
        }
        va_start(ap, fmt);
        m = vstrprintf(fmt, ap);
        va_end(ap);
        if (!m)
                return -ENOMEM;

        n = realloc(l->items, sizeof(Diag) * (l->n + 1));
        if (!n)
                return -ENOMEM;
        l->items = n;
        l->items[l->n++] = (Diag) {
                .level = level,
                .file = TAKE_PTR(f),
                .has_position = has_position,
                .line = line,
                .column = column,
                .path = TAKE_PTR(p),
                .message = TAKE_PTR(m),
        };
        if ((size_t) level < ELEMENTSOF(l->n_by_level))
                l->n_by_level[level]++;
        return 0;
}

size_t diag_list_count(const DiagList *l, DiagLevel level) {
        size_t c = 0;

        if ((size_t) level < ELEMENTSOF(l->n_by_level))
                return l->n_by_level[level];
        for (size_t i = 0; i < l->n; i++)
                if (l->items[i].level == level)
                        c++;
        return c;
}

bool diag_list_has_errors(const DiagList *l) {
        return diag_list_count(l, DIAG_ERROR) > 0;
}

char *diag_format(const Diag *d) {
        _cleanup_(freep) char *pos = NULL;

        if (d->has_position)
                pos = strprintf("%s:%zu:%zu: ", d->file ?: "<input>", d->line + 1, d->column + 1);
        else
                pos = strprintf("%s: ", d->file ?: "<input>");
        if (!pos)
                return NULL;
        return strprintf("%s%s%s%s%s", pos,
                         d->level == DIAG_WARNING ? "warning: " : "",
                         strempty(d->path), d->path ? ": " : "",
                         d->message);
}

void diag_list_print(const DiagList *l, FILE *f) {
        for (size_t i = 0; i < l->n; i++) {
                _cleanup_(freep) char *s = diag_format(l->items + i);
                if (s)
                        fprintf(f, "%s\n", s);
        }
}
