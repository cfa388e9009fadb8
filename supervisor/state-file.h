/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Files of the state directory, written so that a crash leaves the old content or the new one, never a
 * mix: "<dir>/.<name>.tmp" (mode 0600, never through a symlink), fsync, rename over "<dir>/<name>",
 * fsync of the directory. dir and its parent are made (0700) if missing. On failure nothing replaced
 * the old file and the temporary file is gone. */
int state_file_write_data(const char *dir, const char *name, const void *data, size_t len);
int state_file_write(const char *dir, const char *name, const char *text);
/* The same write for any file: "<dir>/.<name>.tmp" with exactly mode, fsync, rename over "<dir>/<name>",
 * fsync of dir; dir is not made (-ENOENT if it is missing). Also used for the metrics file (metrics.c). */
int atomic_file_write(const char *dir, const char *name, const void *data, size_t len, mode_t mode);

/* Reads a whole state file (never through a symlink). Errors: -errno of open/read; -EBADMSG with a
 * message for a file over max bytes or one with a NUL byte. */
int state_file_read(const char *path, size_t max, char **ret_text, char **reterr_message);

/* The files of one Job (kind "jobs") or CronJob ("cronjobs") in the state directory dir:
 * "<dir>/<kind>/<namespace>_<name>.<suffix>": its record ("state"), and for a Job the manifest copy
 * ("manifest"), the suspend override ("suspend"), the tombstone ("deleted"); for a CronJob its Jobs
 * ("jobs") and suspend override ("suspend"). Put writes as state_file_write_data() does; get reads as
 * state_file_read() does; delete is unlink, with a missing file no error. */
char *state_file_path(const char *dir, const char *kind, const char *namespace, const char *name, const char *suffix);
int state_file_put(const char *dir, const char *kind, const char *namespace, const char *name, const char *suffix,
                   const void *data, size_t len);
int state_file_get(const char *dir, const char *kind, const char *namespace, const char *name, const char *suffix,
                   size_t max, char **ret_text, char **reterr_message);
int state_file_delete(const char *dir, const char *kind, const char *namespace, const char *name, const char *suffix);

/* Group commit of state files, for loading many Jobs at start: between begin and end, the writes of
 * state_file_write_data() (and so state_file_put()) leave the temporary file unsynced and not renamed;
 * state_file_batch_commit() then syncs the file system once (syncfs(); each file's fsync where that
 * fails), renames every file in the order of its first write and syncs each directory once. A read or a
 * delete of a file in the batch commits first. Whoever acts on a saved file (starts a unit) commits
 * before. A kill before the commit leaves the old files; one during the renames, the first ones. */
void state_file_batch_begin(void);
bool state_file_batch_pending(void);
int state_file_batch_commit(void);
/* Commits and ends the batch: writes are atomic and synced one by one again. */
int state_file_batch_end(void);
