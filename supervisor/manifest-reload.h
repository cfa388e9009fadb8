/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "manager.h"

/* Watches the manifest directory: a change reloads it at once (at most every 100 ms in a burst). */
int manifest_watch_start(Manager *m);
/* Brings the Jobs and CronJobs in line with the manifest directory and the API's objects: scoped to the
 * files named since the last reload (manifest_cache_forget()) when all changes were named, else full. */
int manifest_reload(Manager *m);
/* During a reload: the bytes a manifest file (an object's file) was parsed from by this reload, if kept
 * for the copies of the Jobs it makes (NUL-ended, *ret_size of them); else NULL. */
const char *manifest_reload_parsed_bytes(Manager *m, const char *file, size_t *ret_size);
/* A copy was taken from them (the bytes go once taken as often as the Jobs the file defines). */
void manifest_reload_parsed_bytes_taken(Manager *m, const char *file);
