/* SPDX-License-Identifier: Apache-2.0 */
/* Whole reads and writes, again after EINTR and short transfers. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <unistd.h>

#include "jobsd/io-util.h"

ssize_t loop_read(int fd, void *buf, size_t nbytes, off_t offset) {
        char *p = buf;
        size_t done = 0;

        if (nbytes > SSIZE_MAX || (offset != IO_AT_POSITION && offset < 0))
                return -EINVAL;
        while (done < nbytes) {
                ssize_t k = offset == IO_AT_POSITION ? read(fd, p + done, nbytes - done) :
                        pread(fd, p + done, nbytes - done, offset + (off_t) done);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;  /* the end of the file */
                done += (size_t) k;
        }
        return (ssize_t) done;
}

int loop_write(int fd, const void *buf, size_t nbytes, off_t offset) {
        const char *p = buf;
        size_t done = 0;

        if (nbytes > SSIZE_MAX || (offset != IO_AT_POSITION && offset < 0))
                return -EINVAL;
        while (done < nbytes) {
                ssize_t k = offset == IO_AT_POSITION ? write(fd, p + done, nbytes - done) :
                        pwrite(fd, p + done, nbytes - done, offset + (off_t) done);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        return -EIO;
                done += (size_t) k;
        }
        return 0;
}
