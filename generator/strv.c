/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>

#include "jobsd/strv.h"

char **strv_free(char **l) {
        STRV_FOREACH(s, l)
                free(*s);
        free(l);
        return NULL;
}

size_t strv_length(char * const *l) {
        size_t n = 0;

        STRV_FOREACH(s, l)
                n++;
        return n;
}

int strv_push(char ***l, char *value) {
        size_t n = strv_length(*l);

        return strv_push_n(l, &n, value);
}

int strv_push_n(char ***l, size_t *n, char *value) {
        char **c;

        assert(n);

        if (!value)
                return -EINVAL;
        c = realloc(*l, sizeof(char *) * (*n + 2));
        if (!c) {
                free(value);
                return -ENOMEM;
        }
        c[*n] = value;
        c[*n + 1] = NULL;
        *l = c;
        (*n)++;
        return 0;
}

int strv_extend(char ***l, const char *value) {
        char *v = strdup(value);

        if (!v)
                return -ENOMEM;
        return strv_push(l, v);
}

int strv_extend_n(char ***l, size_t *n, const char *value) {
        char *v = strdup(value);

        if (!v)
                return -ENOMEM;
        return strv_push_n(l, n, v);
}

char **strv_copy(char * const *l) {
        _cleanup_(strv_freep) char **c = NULL;

        c = calloc(strv_length(l) + 1, sizeof(char *));
        if (!c)
                return NULL;
        size_t i = 0;
        STRV_FOREACH(s, l) {
                c[i] = strdup(*s);
                if (!c[i])
                        return NULL;
                i++;
        }
        return TAKE_PTR(c);
}

bool strv_contains(char * const *l, const char *s) {
        STRV_FOREACH(i, l)
                if (streq(*i, s))
                        return true;
        return false;
}

char *strv_join(char * const *l, const char *sep) {
        size_t n = 1, k = strlen(sep);
        char *r, *p;

        STRV_FOREACH(s, l)
                n += strlen(*s) + k;
        r = p = malloc(n);
        if (!r)
                return NULL;
        *p = 0;
        STRV_FOREACH(s, l) {
                if (s != l)
                        p = stpcpy(p, sep);
                p = stpcpy(p, *s);
        }
        return r;
}

char *vstrprintf(const char *fmt, va_list ap) {
        char *s;

        if (vasprintf(&s, fmt, ap) < 0)
                return NULL;
        return s;
}

char *strprintf(const char *fmt, ...) {
        va_list ap;
        char *s;

        va_start(ap, fmt);
        s = vstrprintf(fmt, ap);
        va_end(ap);
        return s;
}
