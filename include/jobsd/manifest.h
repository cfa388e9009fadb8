/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/stat.h>

#include "jobsd/diag.h"
#include "jobsd/job.h"

/* Loads every Job and CronJob of a YAML stream. Each document is loaded on its own: a document with
 * errors is reported in diags and left out of *ret, the others are added. Returns < 0 only on
 * allocation failure; validity is diag_list_has_errors(). */
int manifest_parse_buffer(const char *filename, const char *data, size_t size, ManifestList *ret, DiagList *diags);

/* The warning for a file without objects (empty, only comments or "---"). */
#define MANIFEST_NO_OBJECTS "no objects in the file, nothing to load"

/* Reads a file (no symlink at the last component, regular file, size limit) and parses it. A file that
 * cannot be read is a diagnostic, not a failure. */
int manifest_load_file(const char *path, ManifestList *ret, DiagList *diags);

/* Loads every *.yaml / *.yml file of a directory, sorted by name; one bad file never stops the others.
 * Subdirectories are skipped, whatever their name (as kubectl apply -f DIR without -R). */
int manifest_load_directory(const char *path, ManifestList *ret, DiagList *diags);

/* Trust, as sshd's StrictModes: a manifest file or directory may be written only by root or by the
 * user jobsd runs for (trusted_uid). Returns NULL if st passes, else the reason it does not (a static
 * string): "owned by another user", "writable by others", "writable by its group". */
const char *manifest_trust_problem(const struct stat *st, uid_t trusted_uid);

typedef struct ManifestLoadOptions {
        bool strict;            /* refuse files and a directory that fail manifest_trust_problem() */
        uid_t trusted_uid;      /* besides root */
} ManifestLoadOptions;

/* As manifest_load_directory(), with options. With strict, a directory that fails the trust check is
 * reported once (an error naming it and the reason) and nothing in it is loaded: returns -EPERM; a file
 * that fails it is an error naming it and the reason, and is not loaded. */
int manifest_load_directory_full(const char *path, const ManifestLoadOptions *opts, ManifestList *ret, DiagList *diags);

/* The parts of manifest_load_directory_full(): the names of the manifest files of a directory, sorted
 * (the directory checked as there, -EPERM when untrusted; a directory that cannot be opened is a
 * diagnostic and no names), and one file loaded with the options. */
int manifest_list_directory(const char *path, const ManifestLoadOptions *opts, char ***ret_names, size_t *ret_n,
                            DiagList *diags);
int manifest_load_file_full(const char *path, const ManifestLoadOptions *opts, ManifestList *ret, DiagList *diags);
/* As manifest_load_file_full(path, …), the file opened as name relative to dir_fd (AT_FDCWD: name is a
 * path; no walk of the whole path for each file of a directory kept open); path names it in the
 * diagnostics and the objects. If ret_bytes is non-NULL, the bytes parsed are handed over there (NUL
 * ended, *ret_size of them; NULL if the file could not be read), so that a caller that keeps a copy of
 * the file has the very version parsed, without reading it again. If ret_st is non-NULL, the fstat() of
 * the file opened is put there (st_mode 0: it could not be opened). */
int manifest_load_file_at(int dir_fd, const char *name, const char *path, const ManifestLoadOptions *opts,
                          ManifestList *ret, DiagList *diags, char **ret_bytes, size_t *ret_size,
                          struct stat *ret_st);
