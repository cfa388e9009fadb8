/* SPDX-License-Identifier: Apache-2.0 */
/* Reads and writes of a whole buffer, again after EINTR and short transfers (as systemd's loop_read() and
 * loop_write()): the one place of that loop. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* The offset of a read or write at the file's own position (read()/write() rather than pread()/pwrite()). */
#define IO_AT_POSITION ((off_t) -1)

/* Reads up to nbytes into buf, from offset (pread()) or, with IO_AT_POSITION, from the file's position
 * (read()), until nbytes are read or the file ends: the number of bytes read (fewer than nbytes only at
 * the end of the file), or -errno. */
ssize_t loop_read(int fd, void *buf, size_t nbytes, off_t offset);

/* Writes all nbytes of buf, at offset (pwrite()) or at the file's position (IO_AT_POSITION): 0, or -errno
 * (-EIO for a write that wrote nothing). */
int loop_write(int fd, const void *buf, size_t nbytes, off_t offset);
