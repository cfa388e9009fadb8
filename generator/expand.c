/* SPDX-License-Identifier: Apache-2.0 */
#include "jobsd/expand.h"
#include "jobsd/strv.h"

static const char *env_lookup(char * const *env, const char *name, size_t n) {
        const char *found = NULL;

        STRV_FOREACH(e, env)
                if (strneq(*e, name, n) && (*e)[n] == '=')
                        found = *e + n + 1;     /* the last one wins */
        return found;
}

int k8s_expand(const char *in, char * const *env, char **ret) {
        size_t cap = strlen(in) + 1, len = 0;
        char *out = malloc(cap);

        if (!out)
                return -ENOMEM;

#define PUT(src, n)                                                     \
        do {                                                            \
                if (len + (n) + 1 > cap) {                              \
                        char *_o;                                       \
                        cap = (len + (n) + 1) * 2;                      \
                        _o = realloc(out, cap);                         \
                        if (!_o) {                                      \
                                free(out);                              \
                                return -ENOMEM;                         \
                        }                                               \
                        out = _o;                                       \
                }                                                       \
                memcpy(out + len, (src), (n));                          \
                len += (n);                                             \
        } while (0)

        for (const char *p = in; *p;) {
                if (p[0] == '$' && p[1] == '$') {
                        PUT("$", 1);
                        p += 2;
                } else if (p[0] == '$' && p[1] == '(') {
                        const char *close = strchr(p + 2, ')');
                        size_t n = close ? (size_t) (close - (p + 2)) : 0;
                        const char *v = close && n > 0 ? env_lookup(env, p + 2, n) : NULL;

                        if (!close) {
                                /* No closing parenthesis: the rest stays as written. */
                                PUT(p, strlen(p));
                                break;
                        }
                        if (v)
                                PUT(v, strlen(v));
                        else
                                PUT(p, n + 3);
                        p = close + 1;
                } else {
                        PUT(p, 1);
                        p++;
                }
        }
#undef PUT
        out[len] = 0;
        *ret = out;
        return 0;
}

int k8s_expand_env(char * const *names, char * const *values, char ***ret_env) {
        _cleanup_(strv_freep) char **env = calloc(1, sizeof(char *));
        int r;

        if (!env)
                return -ENOMEM;
        for (size_t i = 0; names && names[i]; i++) {
                _cleanup_(freep) char *v = NULL;

                r = k8s_expand(values[i], env, &v);
                if (r < 0)
                        return r;
                r = strv_push(&env, strprintf("%s=%s", names[i], v));
                if (r < 0)
                        return r;
        }
        *ret_env = TAKE_PTR(env);
        return 0;
}
