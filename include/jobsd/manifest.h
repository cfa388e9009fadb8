/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "jobsd/diag.h"
#include "jobsd/job.h"

/* Loads every Job and CronJob of a YAML stream. Each document is loaded on its own: a document with
 * errors is reported in diags and left out of *ret, the others are added. Returns < 0 only on
 * allocation failure; validity is diag_list_has_errors(). */
int manifest_parse_buffer(const char *filename, const char *data, size_t size, ManifestList *ret, DiagList *diags);

/* Reads a file (no symlink at the last component, regular file, size limit) and parses it. A file that
 * cannot be read is a diagnostic, not a failure. */
int manifest_load_file(const char *path, ManifestList *ret, DiagList *diags);

/* Loads every *.yaml / *.yml file of a directory, sorted by name; one bad file never stops the others. */
int manifest_load_directory(const char *path, ManifestList *ret, DiagList *diags);
