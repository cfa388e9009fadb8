/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "job-status.h"

/* A Job's persistent record under the state directory: the status, the Job's UID and the hash of the
 * manifest content it ran for (the run-once rule). Text, one record per line, kept in the two slots of
 * state_file_put_record() (state-file.h): a save overwrites the older copy in place and fdatasync()s it;
 * a load reads the newest valid copy. The same file keeps the manifest copy of the Job (the bytes of the
 * manifest file it runs), written only when it changes. */

/* A new manifest copy waiting for the record's next save: one allocation, so that a record without one
 * costs a pointer. */
typedef struct ManifestCopy {
        size_t size;
        bool replaces;                  /* of a Job that had one: a copy's own file of before goes with it */
        char data[];
} ManifestCopy;

typedef struct JobRecord {
        char *uid;                      /* the Job's UID, minted once */
        char *manifest_hash;            /* of the document the Job was created from */
        usec_t created_usec;
        JobStatus status;
        /* A new manifest copy, written (the file whole) by the next save, then dropped by the caller
         * (job_record_drop_copy()); NULL: the file's copy is kept. Not part of the text. */
        ManifestCopy *manifest_copy;
} JobRecord;

void job_record_done(JobRecord *r);
void job_record_drop_copy(JobRecord *r);

/* Serialises / parses a record. Parsing refuses anything malformed with -EBADMSG and a message. */
int job_record_format(const JobRecord *r, char **ret);
int job_record_parse(const char *text, const JobSpec *spec, JobRecord *ret, char **reterr_message);

#define STATE_RECORD_MAX ((size_t) 64 * 1024 * 1024)

/* "<dir>/jobs/<namespace>_<name>.state". Load: -ENOENT if there is none; -EBADMSG and a message if no
 * copy can be read; *ret_note (if non-NULL) is set when one copy was damaged and the other was read. A
 * plain-text record of the format before slots loads too (and is converted by the next save). */
int state_store_save(const char *dir, const char *namespace, const char *name, const JobRecord *r);
int state_store_load(const char *dir, const char *namespace, const char *name, const JobSpec *spec,
                     JobRecord *ret, char **ret_note, char **reterr_message);
/* The manifest copy kept in the record's file (state_file_get_record_copy()): -ENOENT if none. */
int state_store_load_copy(const char *dir, const char *namespace, const char *name, char **ret, size_t *ret_size);
int state_store_remove(const char *dir, const char *namespace, const char *name);

/* One listing of "<dir>/jobs" for a reload that looks up the files of many Jobs not loaded yet (the
 * start's): while it is kept, state_store_may_exist() answers false for a Job's file ("<namespace>_<name>.
 * <suffix>": "state", "suspend", "deleted", "manifest") that was in no entry of the listing, so that a new
 * Job costs no failed open() of its record, suspend override and tombstone. Without a listing (or for
 * another dir) it answers true: look. The listing counts what this process writes or may write meanwhile
 * through this file: a record saved (state_store_save()), the tombstone that may follow
 * state_store_remove(). The suspend override is written only by a request (jobctl, the API), never while
 * a reload runs: the one who keeps a listing must not let one run meanwhile. begin: 0, or < 0 and no
 * listing (every lookup made, as without one). */
int state_store_listing_begin(const char *dir);
void state_store_listing_end(void);
bool state_store_may_exist(const char *dir, const char *namespace, const char *name, const char *suffix);
/* Whether a listing of dir is kept. */
bool state_store_listed(const char *dir);
