/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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
 * "<dir>/<kind>/<namespace>_<name>.<suffix>": its record ("state", for a Job with its manifest copy: below;
 * "manifest", the copy's own file before 2026-12-07, is still read), the suspend override ("suspend"),
 * the tombstone ("deleted"); for a CronJob its Jobs
 * ("jobs") and suspend override ("suspend"). Put writes as state_file_write_data() does; get reads as
 * state_file_read() does; delete is unlink, with a missing file no error. */
char *state_file_path(const char *dir, const char *kind, const char *namespace, const char *name, const char *suffix);
int state_file_put(const char *dir, const char *kind, const char *namespace, const char *name, const char *suffix,
                   const void *data, size_t len);
int state_file_get(const char *dir, const char *kind, const char *namespace, const char *name, const char *suffix,
                   size_t max, char **ret_text, char **reterr_message);
int state_file_delete(const char *dir, const char *kind, const char *namespace, const char *name, const char *suffix);

/* A Job's record (kind "jobs", suffix "state"), written in place: the file "<dir>/<kind>/<namespace>_<name>.<suffix>"
 * is two slots of S bytes each (S a multiple of 4096 and of the page size, so that writing one slot
 * touches no page of the other; the file exactly 2·S bytes, every byte written: no holes, so an
 * overwrite changes no metadata). A slot is a header of STATE_FILE_SLOT_HEADER_SIZE bytes,
 *     "jobsd-slot 1 <seq: 20 digits> <writer: 16 hex> <length: 10 digits> <S: 10 digits> <crc32c: 8 hex>\n",
 * then the record's text (length bytes), then newlines, and, if the Job has one, the manifest copy (the
 * bytes of the manifest file the Job runs, managed-job.c) ending the slot, followed by its trailer of
 * STATE_FILE_COPY_TRAILER_SIZE bytes, the slot's last:
 *     "jobsd-copy 1 <length: 10 digits> <crc32c: 8 hex>\n"
 * (the CRC32C over the trailer up to its checksum and the copy). The CRC32C of the header covers the
 * header up to its checksum and the text. A slot is valid when all of that checks and S is half the
 * file; its copy is valid when its trailer and checksum check and the record does not reach into it. A
 * jobsd before the copies reads the record and ignores the slot's end (it pads slots with newlines).
 *
 * put writes the record into the slot that does not hold the newest valid copy, with the next sequence
 * number, and fdatasync()s the file: no rename, no directory sync; the manifest copy the file has is
 * kept. It reads only the slots' headers and records (both checksummed) and the copies' trailers, and
 * writes its slot no further than the start of the copy's room: never a byte of a copy (state-file.c,
 * put_in_place(), says why that keeps every guarantee). A file whose two trailers differ, or that is
 * otherwise not as saves in place leave it, is read whole and every checksum checked first, as before
 * 2026-12-07, and the save then writes the copy into its slot too. The file is written whole (both
 * slots a copy of the record and of the manifest copy, atomically as state_file_write_data() does) when
 * a new manifest copy is given (put_record_copy with copy non-NULL), it does not exist yet, has no valid
 * slot (a plain-text record is converted so), the record outgrows S beside the copy (S is then made
 * with room for half again the record, and the copy), or a write or sync of that file (or of its
 * directory after a whole write) failed in this process. In the batch a record without a copy is
 * written as plain text, one block instead of two pages, into the batch (state_file_write_data()); the
 * first save after the batch converts it; one with a copy (given, or the one the file or the batch
 * holds) in slots. A newest slot written by another process (the writer field, random per process) is
 * synced once before the other slot is overwritten: its data may still have been in the page cache
 * only.
 *
 * get reads the newest valid slot; a damaged slot beside a valid one is ignored, and *ret_note (if
 * non-NULL) says so. get and get_record_copy check both slots' manifest copies too: the saves of a file
 * whose copies differ (one damaged or missing beside a valid one) take the full look, in place, until
 * both slots hold the valid copy again (two saves at most). A file without
 * any valid slot is an error (-EBADMSG and a message) unless it is a
 * whole plain-text record of the format before slots, which is read as it is. get_record_copy reads the
 * manifest copy (of a file whose record is at most max bytes): the newest valid slot's, else the other
 * slot's (both are written alike, and only by a whole write); -ENOENT if there is no file or no valid
 * copy. */
#define STATE_FILE_SLOT_HEADER_SIZE 82
#define STATE_FILE_COPY_TRAILER_SIZE 33
#define STATE_FILE_COPY_MAX ((size_t) 2 * 1024 * 1024)
int state_file_put_record(const char *dir, const char *kind, const char *namespace, const char *name,
                          const char *suffix, const void *data, size_t len);
int state_file_put_record_copy(const char *dir, const char *kind, const char *namespace, const char *name,
                               const char *suffix, const void *data, size_t len, const void *copy, size_t copy_len);
int state_file_get_record(const char *dir, const char *kind, const char *namespace, const char *name,
                          const char *suffix, size_t max, char **ret_text, char **ret_note, char **reterr_message);
int state_file_get_record_copy(const char *dir, const char *kind, const char *namespace, const char *name,
                               const char *suffix, size_t max, char **ret_copy, size_t *ret_len);
/* One slot's bytes (slot_size of them, into buf), with a manifest copy (copy non-NULL) or without: for
 * the tests, which forge files with it. -EINVAL if the record does not fit. */
int state_file_record_slot(uint64_t seq, uint64_t writer, size_t slot_size, const void *data, size_t len, char *buf);
int state_file_record_slot_copy(uint64_t seq, uint64_t writer, size_t slot_size, const void *data, size_t len,
                                const void *copy, size_t copy_len, char *buf);

/* The CRC32C of the slots and copies: the processor's instruction where there is one, else the tables'
 * (the tests check both against a bitwise one). */
uint32_t state_file_crc32c(uint32_t crc, const void *data, size_t len);
uint32_t state_file_crc32c_tables(uint32_t crc, const void *data, size_t len);

/* Group commit of state files, for loading many Jobs at start: between begin and end, the writes of
 * state_file_write_data() (and so state_file_put()) leave the temporary file unsynced and not renamed;
 * state_file_batch_commit() then syncs the file system once (syncfs(); each file's fsync where that
 * fails), renames every file in the order of its first write and syncs each directory once. A read or a
 * delete of a file in the batch commits first. Whoever acts on a saved file (starts a unit) commits
 * before. A kill before the commit leaves the old files; one during the renames, the first ones. */
void state_file_batch_begin(void);
bool state_file_durable(const char *dir, const char *kind, const char *namespace, const char *name,
                        const char *suffix);
bool state_file_any_distrusted(void);
bool state_file_batch_pending(void);
int state_file_batch_commit(void);
/* Commits and ends the batch: writes are atomic and synced one by one again. */
int state_file_batch_end(void);
