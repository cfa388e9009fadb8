/* SPDX-License-Identifier: Apache-2.0 */
/* Test aid (tests/integration/test-batch-fault.sh), preloaded into jobsd: renameat() to a name that
 * contains $JOBSD_TEST_FAIL_RENAMEAT fails with EIO and writes a line to stderr; every other call is the
 * C library's. The start's batch of record files (state_file_batch_commit()) renames with renameat(), a
 * save of one Job with rename(): so only the batch fails. */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath) {
        static int (*real)(int, const char *, int, const char *);
        const char *pattern = getenv("JOBSD_TEST_FAIL_RENAMEAT");

        if (pattern && *pattern && newpath && strstr(newpath, pattern)) {
                fprintf(stderr, "fail-renameat: failing renameat() to %s\n", newpath);
                errno = EIO;
                return -1;
        }
        if (!real)
                real = (int (*)(int, const char *, int, const char *)) dlsym(RTLD_NEXT, "renameat");
        if (!real) {
                errno = ENOSYS;
                return -1;
        }
        return real(olddirfd, oldpath, newdirfd, newpath);
}
