/* SPDX-License-Identifier: Apache-2.0 */
/* A small TAP harness: TEST(name) { ... } registers a test; TAP_MAIN() runs them, prints "ok N - name"
 * or "not ok N - name" with the first failed assertion, and the plan "1..N" at the end. TESTFUNCS=a:b
 * runs only the named tests. Inside a test, tap_diag() prints a "# " comment line. */
#pragma once

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct TapTest {
        const char *name;
        void (*func)(void);
        void (*func_data)(const void *data);
        const void *data;
} TapTest;

#define TAP_MAX_TESTS 4096
static TapTest tap_tests[TAP_MAX_TESTS];
static unsigned tap_n_tests;
static int tap_failed_current;
static unsigned tap_checks;

static inline void tap_register(const char *name, void (*func)(void)) {
        if (tap_n_tests >= TAP_MAX_TESTS) {
                fprintf(stderr, "too many tests\n");
                abort();
        }
        tap_tests[tap_n_tests++] = (TapTest) { .name = name, .func = func };
}

/* For data-driven tests: one TAP line per case (e.g. per case file), registered at run time before
 * tap_run(). name and data must stay valid until then. */
static inline void tap_register_data(const char *name, void (*func)(const void *), const void *data) {
        if (tap_n_tests >= TAP_MAX_TESTS) {
                fprintf(stderr, "too many tests\n");
                abort();
        }
        tap_tests[tap_n_tests++] = (TapTest) { .name = name, .func_data = func, .data = data };
}

#define TEST(name)                                                              \
        static void test_##name(void);                                          \
        static void __attribute__((constructor)) tap_register_##name(void) {    \
                tap_register(#name, test_##name);                               \
        }                                                                       \
        static void test_##name(void)

static inline void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void tap_diag(const char *fmt, ...) {
        va_list ap;

        fputs("# ", stdout);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        fputc('\n', stdout);
}

/* Records a failure; the test goes on so that one run shows every broken case of a table. */
static inline void tap_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static inline void tap_fail(const char *file, int line, const char *fmt, ...) {
        va_list ap;

        printf("# %s:%d: ", file, line);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
        tap_failed_current++;
}

#define ASSERT_TRUE(expr)                                                               \
        do {                                                                            \
                tap_checks++;                                                           \
                if (!(expr))                                                            \
                        tap_fail(__FILE__, __LINE__, "expected \"%s\"", #expr);          \
        } while (0)

#define ASSERT_FALSE(expr) ASSERT_TRUE(!(expr))

#define ASSERT_EQ(a, b)                                                                 \
        do {                                                                            \
                long long _a = (long long) (a), _b = (long long) (b);                   \
                tap_checks++;                                                           \
                if (_a != _b)                                                           \
                        tap_fail(__FILE__, __LINE__, "expected \"%s == %s\", got \"%lld != %lld\"", \
                                 #a, #b, _a, _b);                                       \
        } while (0)

#define ASSERT_OK(expr)                                                                 \
        do {                                                                            \
                long long _r = (long long) (expr);                                      \
                tap_checks++;                                                           \
                if (_r < 0)                                                             \
                        tap_fail(__FILE__, __LINE__, "expected \"%s\" to succeed, got %lld (%s)", \
                                 #expr, _r, strerror((int) -_r));                       \
        } while (0)

#define ASSERT_ERROR(expr, err)                                                         \
        do {                                                                            \
                long long _r = (long long) (expr);                                      \
                tap_checks++;                                                           \
                if (_r != -(err))                                                       \
                        tap_fail(__FILE__, __LINE__, "expected \"%s\" to fail with %s, got %lld", \
                                 #expr, #err, _r);                                      \
        } while (0)

#define ASSERT_STREQ(a, b)                                                              \
        do {                                                                            \
                const char *_a = (a), *_b = (b);                                        \
                tap_checks++;                                                           \
                if (!_a || !_b || strcmp(_a, _b) != 0)                                  \
                        tap_fail(__FILE__, __LINE__, "expected \"%s == %s\", got \"%s\" != \"%s\"", \
                                 #a, #b, _a ?: "(null)", _b ?: "(null)");               \
        } while (0)

#define ASSERT_NULL(p) ASSERT_TRUE((p) == NULL)
#define ASSERT_NOT_NULL(p) ASSERT_TRUE((p) != NULL)

static inline int tap_selected(const char *name) {
        const char *f = getenv("TESTFUNCS");
        size_t l = strlen(name);

        if (!f || !*f)
                return 1;
        for (const char *p = f; p && *p;) {
                const char *e = strchr(p, ':');
                size_t n = e ? (size_t) (e - p) : strlen(p);
                if (n == l && strncmp(p, name, n) == 0)
                        return 1;
                p = e ? e + 1 : NULL;
        }
        return 0;
}

static inline int tap_run(void) {
        unsigned n = 0, failed = 0;

        setvbuf(stdout, NULL, _IOLBF, 0);
        for (unsigned i = 0; i < tap_n_tests; i++) {
                if (!tap_selected(tap_tests[i].name))
                        continue;
                tap_failed_current = 0;
                if (tap_tests[i].func)
                        tap_tests[i].func();
                else
                        tap_tests[i].func_data(tap_tests[i].data);
                n++;
                if (tap_failed_current) {
                        failed++;
                        printf("not ok %u - %s\n", n, tap_tests[i].name);
                } else
                        printf("ok %u - %s\n", n, tap_tests[i].name);
        }
        printf("1..%u\n", n);
        printf("# %u checks\n", tap_checks);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#define TAP_MAIN()                                      \
        int main(void) {                                \
                return tap_run();                       \
        }
