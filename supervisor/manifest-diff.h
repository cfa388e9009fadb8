/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "jobsd/job.h"
#include "jobsd/macro.h"

/* What the manifest files define against what is loaded, pure: plain descriptions of both → one decision
 * per object (add, update, move, refuse, ignore, delete, keep). manifest_reload() (manifest-reload.c)
 * describes, calls manifest_diff() and only carries the decisions out, in their order. No files, no bus,
 * no clock: what needs them (a generated name, a fingerprint, a tombstone, whether a file had errors) is
 * worked out by the caller and handed in. */

typedef enum ManifestObjectKind {
        MANIFEST_OBJECT_JOB,
        MANIFEST_OBJECT_CRON_JOB,
        _MANIFEST_OBJECT_KIND_MAX,
} ManifestObjectKind;

/* An object a manifest file defines, in the loader's order (file by file, document by document). */
typedef struct DefinedObject {
        ManifestObjectKind kind;
        const char *namespace;
        const char *name;
        const char *file;
        bool file_has_errors;           /* its file had errors (or no object): what the file defined is kept */
        /* Jobs only: */
        const char *fingerprint;        /* of its content: the run-once rule */
        const Job *job;                 /* its content: what the immutable fields are compared on */
        bool generated_name;            /* named from generateName: does not hold the name to its file when
                                         * another file defines the name too (see DECISION_MOVE) */
        bool tombstoned;                /* deleted through the API with this very content (a tombstone) */
} DefinedObject;

/* An object jobsd has, in its order (Jobs, then CronJobs: the order in which deletions are decided). */
typedef struct LoadedObject {
        ManifestObjectKind kind;
        const char *namespace;
        const char *name;
        const char *file;               /* the manifest file it came from (a CronJob's Job: its CronJob's) */
        bool file_has_errors;
        /* Jobs only: */
        const char *fingerprint;
        const Job *job;
        const char *cron_owner;         /* made by this CronJob (same namespace); NULL: from a manifest */
        bool finished;                  /* Complete or Failed */
} LoadedObject;

typedef enum ManifestDecisionType {
        DECISION_ADD,                   /* new: make it (a Job: its record is loaded or made, then it runs) */
        DECISION_UNCHANGED,             /* a Job whose fingerprint is the loaded one's: nothing to do */
        DECISION_UPDATE,                /* take the new content; a finished Job runs again with it (rerun) */
        DECISION_REFUSE,                /* a running Job's change touches an immutable field: keeps its spec */
        DECISION_MOVE,                  /* its file no longer defines it, this one does (a rename): it follows
                                         * this file (a CronJob with its Jobs); the decision on its content
                                         * comes next */
        DECISION_DUPLICATE,             /* another file that still defines it has it: this one is ignored */
        DECISION_TOMBSTONED,            /* deleted through the API and unchanged since: stays deleted */
        DECISION_DELETE,                /* loaded, no longer defined anywhere: delete it (a CronJob with its Jobs) */
        DECISION_KEEP,                  /* loaded, no longer defined, but its file has errors: kept as it is */
        _DECISION_TYPE_MAX,
} ManifestDecisionType;

#define MANIFEST_DIFF_NONE ((size_t) -1)

typedef struct ManifestDecision {
        ManifestDecisionType type;
        ManifestObjectKind kind;
        size_t defined;                 /* index in defined[]; MANIFEST_DIFF_NONE for DELETE and KEEP */
        size_t loaded;                  /* index in loaded[]; MANIFEST_DIFF_NONE: not loaded before this reload */
        const char *file;               /* MOVE: the file it was in; DUPLICATE: the file that has it; DELETE,
                                         * KEEP: its file */
        const char *field;              /* REFUSE: the first immutable field the change touches */
        bool rerun;                     /* UPDATE of a finished Job: a new record, it runs again */
} ManifestDecision;

typedef struct ManifestDiff {
        ManifestDecision *items;
        size_t n;
} ManifestDiff;

/* spec §1.2, §1.5: the first immutable field a change of a running Job touches, or NULL (a string that
 * outlives the diff). jobsd passes job_immutable_change(). */
typedef const char *(*ImmutableChangeFunc)(const Job *old, const Job *new);

/* The decisions, in the order to carry them out: each defined object's (a MOVE before the decision on
 * its content) in defined[]'s order, then the deletions of loaded Jobs (newest first), then of CronJobs.
 *
 * The rules, as each definition is taken in turn against what is loaded or was added before it:
 *  - a name not loaded: ADD, or TOMBSTONED;
 *  - a name loaded from another file which no longer defines it (and has no errors): MOVE first; a Job a
 *    CronJob made never moves;
 *  - a Job: UNCHANGED (same fingerprint, whichever file), DUPLICATE (another file has it), UPDATE of a
 *    finished Job (rerun), REFUSE or UPDATE of a running one;
 *  - a CronJob: DUPLICATE, or UPDATE (every field may change: spec §5.1);
 *  - a loaded Job or CronJob no definition matched (a Job: whatever the file; a CronJob: in its own file):
 *    KEEP if its file has errors, DELETE if not. The Jobs of CronJobs go with their CronJob: no decision.
 * An UPDATE leaves a Job running (not finished) with the new content, for a later definition of the same
 * name. */
int manifest_diff(const DefinedObject *defined, size_t n_defined, const LoadedObject *loaded, size_t n_loaded,
                  ImmutableChangeFunc immutable_change, ManifestDiff *ret);
void manifest_diff_done(ManifestDiff *d);

const char *manifest_decision_type_to_string(ManifestDecisionType t);
