/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>

/* Files of the state directory, written so that a crash leaves the old content or the new one, never a
 * mix: "<dir>/.<name>.tmp" (mode 0600, never through a symlink), fsync, rename over "<dir>/<name>",
 * fsync of the directory. dir and its parent are made (0700) if missing. On failure nothing replaced
 * the old file and the temporary file is gone. */
int state_file_write_data(const char *dir, const char *name, const void *data, size_t len);
int state_file_write(const char *dir, const char *name, const char *text);

/* Reads a whole state file (never through a symlink). Errors: -errno of open/read; -EBADMSG with a
 * message for a file over max bytes or one with a NUL byte. */
int state_file_read(const char *path, size_t max, char **ret_text, char **reterr_message);
