/* SPDX-License-Identifier: Apache-2.0 */
/* The cost of a save in place of a Job's record (supervisor/state-file.c) beside manifest copies of
 * several sizes, and the CRC32C's speed: figures only, no verdict (tests/bench/save-in-place.sh).
 *   bench-save DIR [SAVES] [COPY_KIB...]      (defaults: 200 saves, copies of 1 and 512 KiB)
 * For each copy size: a record file written whole with the copy, then SAVES saves in place of a 1 KiB
 * record: per save the wall time, the CPU time (user + system), the bytes read (/proc/self/io's rchar)
 * and the file's size. On a tmpfs DIR the sync costs nothing, so the figures are what the save computes
 * and reads; on a disk they include the fdatasync(). Only the public API of state-file.h is used, so the
 * file builds against an older tree's libraries too (save-in-place.sh does, for OTHER_BUILD_DIR). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "state-file.h"

static double now_us(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static double cpu_us(void) {
        struct rusage ru;

        getrusage(RUSAGE_SELF, &ru);
        return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static uint64_t bytes_read(void) {
        FILE *f = fopen("/proc/self/io", "re");
        uint64_t n = 0;

        if (f) {
                if (fscanf(f, "rchar: %" SCNu64, &n) != 1)
                        n = 0;
                fclose(f);
        }
        return n;
}

/* A record of about 1 KiB whose text changes with i. */
static size_t record(char *buf, size_t size, int i) {
        size_t n = (size_t) snprintf(buf, size, "jobsd-state 1\nuid bench\nsave %d\n", i);

        while (n + 40 < 1024)
                n += (size_t) snprintf(buf + n, size - n, "pod %d attempt %zu succeeded\n", i, n);
        return n + (size_t) snprintf(buf + n, size - n, "end\n");
}

int main(int argc, char **argv) {
        const char *dir = argc > 1 ? argv[1] : NULL;
        int saves = argc > 2 ? atoi(argv[2]) : 200;
        static const char *default_sizes[] = { "1", "512" };
        const char **sizes = argc > 3 ? (const char **) argv + 3 : default_sizes;
        int n_sizes = argc > 3 ? argc - 3 : 2;
        char text[2048];

        if (!dir || saves <= 0) {
                fprintf(stderr, "usage: bench-save DIR [SAVES] [COPY_KIB...]\n");
                return 2;
        }
        printf("%-9s %10s %10s %12s %12s\n", "copy KiB", "wall µs", "CPU µs", "KiB read", "file KiB");
        for (int s = 0; s < n_sizes; s++) {
                size_t kib = strtoul(sizes[s], NULL, 10), copy_len = kib * 1024;
                char *copy = malloc(copy_len + 1), name[32], *path;
                double w0, c0, w1, c1;
                uint64_t r0, r1;
                struct stat st = {};
                int r;

                if (!copy)
                        return 1;
                for (size_t i = 0; i < copy_len; i++)
                        copy[i] = i % 64 == 63 ? '\n' : (char) ('a' + i % 26);
                snprintf(name, sizeof(name), "bench-%zu", kib);
                r = state_file_put_record_copy(dir, "jobs", "default", name, "state", text, record(text, sizeof(text), 0),
                                               copy, copy_len);
                if (r < 0) {
                        fprintf(stderr, "cannot write the record file: %s\n", strerror(-r));
                        return 1;
                }
                w0 = now_us();
                c0 = cpu_us();
                r0 = bytes_read();
                for (int i = 1; i <= saves; i++) {
                        r = state_file_put_record(dir, "jobs", "default", name, "state", text, record(text, sizeof(text), i));
                        if (r < 0) {
                                fprintf(stderr, "save %d: %s\n", i, strerror(-r));
                                return 1;
                        }
                }
                w1 = now_us();
                c1 = cpu_us();
                r1 = bytes_read();
                path = state_file_path(dir, "jobs", "default", name, "state");
                if (path)
                        (void) stat(path, &st);
                printf("%-9zu %10.1f %10.1f %12.1f %12.0f\n", kib, (w1 - w0) / saves, (c1 - c0) / saves,
                       (double) (r1 - r0) / saves / 1024, (double) st.st_size / 1024);
                if (path)
                        (void) unlink(path);
                free(path);
                free(copy);
        }

        /* The CRC32C: the processor's instruction where there is one, and the tables, over a record-sized
         * and a copy-sized buffer. */
        {
                size_t lens[] = { 4096, 1 << 20 };
                char *buf = malloc(1 << 20);
                volatile uint32_t sink = 0;

                if (!buf)
                        return 1;
                for (size_t i = 0; i < (1 << 20); i++)
                        buf[i] = (char) (i * 7);
                for (size_t l = 0; l < 2; l++)
                        for (int tables = 0; tables < 2; tables++) {
                                size_t total = 0;
                                double c0 = cpu_us(), c1;

                                do {
                                        sink ^= tables ? state_file_crc32c_tables(0, buf, lens[l])
                                                       : state_file_crc32c(0, buf, lens[l]);
                                        total += lens[l];
                                } while ((c1 = cpu_us()) - c0 < 200000);
                                printf("CRC32C %s over %7zu bytes: %.0f MB/s\n", tables ? "tables     " : "state_file ",
                                       lens[l], total / (c1 - c0));
                        }
                free(buf);
                (void) sink;
        }
        return 0;
}
