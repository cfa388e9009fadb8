/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "job-status.h"

/* A Job's persistent record under the state directory: the status, the Job's UID and the hash of the
 * manifest content it ran for (the run-once rule). Text, one record per line, written atomically:
 * temporary file, fsync, rename, fsync of the directory. */

typedef struct JobRecord {
        char *uid;                      /* the Job's UID, minted once */
        char *manifest_hash;            /* of the document the Job was created from */
        usec_t created_usec;
        JobStatus status;
} JobRecord;

void job_record_done(JobRecord *r);

/* Serialises / parses a record. Parsing refuses anything malformed with -EBADMSG and a message. */
int job_record_format(const JobRecord *r, char **ret);
int job_record_parse(const char *text, const JobSpec *spec, JobRecord *ret, char **reterr_message);

/* "<dir>/jobs/<namespace>_<name>.state" */
int state_store_save(const char *dir, const char *namespace, const char *name, const JobRecord *r);
int state_store_load(const char *dir, const char *namespace, const char *name, const JobSpec *spec,
                     JobRecord *ret, char **reterr_message);
int state_store_remove(const char *dir, const char *namespace, const char *name);
