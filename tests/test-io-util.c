/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jobsd/io-util.h"
#include "jobsd/macro.h"
#include "tap.h"

static int scratch_file(void) {
        char path[] = "/tmp/jobsd-test-io-XXXXXX";
        int fd = mkstemp(path);

        assert_se(fd >= 0);
        assert_se(unlink(path) == 0);
        return fd;
}

/* At the file's position and at an offset; a read past the end returns what there is. */
TEST(whole_reads_and_writes) {
        _cleanup_(closep) int fd = scratch_file();
        char buf[64] = {};

        ASSERT_OK(loop_write(fd, "hello, world", 12, IO_AT_POSITION));
        ASSERT_OK(loop_write(fd, "W", 1, 7));
        ASSERT_EQ(loop_read(fd, buf, sizeof(buf), 0), 12);
        ASSERT_TRUE(memcmp(buf, "hello, World", 12) == 0);
        ASSERT_EQ(loop_read(fd, buf, 5, 7), 5);
        ASSERT_TRUE(memcmp(buf, "World", 5) == 0);
        ASSERT_EQ(loop_read(fd, buf, 5, 100), 0);
        ASSERT_EQ(lseek(fd, 3, SEEK_SET), 3);
        ASSERT_EQ(loop_read(fd, buf, sizeof(buf), IO_AT_POSITION), 9);
        ASSERT_TRUE(memcmp(buf, "lo, World", 9) == 0);
        ASSERT_EQ(loop_read(fd, buf, 0, 0), 0);
        ASSERT_ERROR(loop_read(fd, buf, 1, -5), EINVAL);
        ASSERT_ERROR(loop_write(fd, buf, 1, -5), EINVAL);
        ASSERT_ERROR(loop_read(-1, buf, 1, 0), EBADF);
        ASSERT_ERROR(loop_write(-1, buf, 1, IO_AT_POSITION), EBADF);
}

static void on_alarm(int sig) {
}

/* A pipe read in pieces, its reader interrupted by a signal (no SA_RESTART) while it waits: the read
 * goes on to the end of the data. */
TEST(short_reads_and_eintr) {
        struct sigaction sa = { .sa_handler = on_alarm }, old;
        struct itimerval it = { .it_interval = { 0, 5000 }, .it_value = { 0, 5000 } }, off = {};
        char buf[32] = {};
        int p[2], status;
        pid_t pid;

        ASSERT_OK(pipe(p));
        ASSERT_OK(sigaction(SIGALRM, &sa, &old));
        pid = fork();
        ASSERT_TRUE(pid >= 0);
        if (pid == 0) {
                close(p[0]);
                for (int i = 0; i < 4; i++) {
                        usleep(30000);
                        if (loop_write(p[1], "abcd", 4, IO_AT_POSITION) < 0)
                                _exit(1);
                }
                _exit(0);
        }
        close(p[1]);
        ASSERT_OK(setitimer(ITIMER_REAL, &it, NULL));
        ASSERT_EQ(loop_read(p[0], buf, sizeof(buf), IO_AT_POSITION), 16);
        ASSERT_OK(setitimer(ITIMER_REAL, &off, NULL));
        ASSERT_OK(sigaction(SIGALRM, &old, NULL));
        ASSERT_STREQ(buf, "abcdabcdabcdabcd");
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        close(p[0]);
}

TAP_MAIN()
