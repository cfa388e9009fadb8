/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdarg.h>

#include "jobsd/macro.h"

/* NULL-terminated string vectors. */
char **strv_free(char **l);
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free);
size_t strv_length(char * const *l);
int strv_push(char ***l, char *value);           /* takes ownership of value, even on failure */
int strv_extend(char ***l, const char *value);   /* copies value */
/* The same in O(1) for loops: *n is strv_length(*l) (0 for NULL), kept by the caller and incremented on
 * success. strv_push() and strv_extend() walk the whole list at each call. */
int strv_push_n(char ***l, size_t *n, char *value);
int strv_extend_n(char ***l, size_t *n, const char *value);
char **strv_copy(char * const *l);
bool strv_contains(char * const *l, const char *s);
#define STRV_MAKE(...) ((char * const *) (const char * const []) { __VA_ARGS__, NULL })
/* Whether s is one of the strings listed. */
#define STR_IN_SET(s, ...) strv_contains(STRV_MAKE(__VA_ARGS__), (s))
char *strv_join(char * const *l, const char *sep);

#define STRV_FOREACH(s, l) for (char * const *s = (l); s && *s; s++)

/* Small string helpers. */
char *strprintf(const char *fmt, ...) _printf_(1, 2);
char *vstrprintf(const char *fmt, va_list ap) _printf_(1, 0);
