/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "jobsd/diag.h"
#include "manifest-yaml.h"

/* Layer 2 of the loader: table-driven MNode → C struct. Dispatchers return < 0 only on allocation
 * failure; everything the user got wrong becomes a diagnostic at the offending node and loading goes on. */

typedef struct Loader {
        const char *filename;
        DiagList *diags;
        const MNode *root;
} Loader;

typedef int (*FieldDispatch)(Loader *l, const MNode *n, void *target);

typedef enum FieldFlags {
        FIELD_REQUIRED    = 1 << 0,
        FIELD_IGNORED     = 1 << 1,     /* meaningless on one machine: accepted with a warning (spec §2.2) */
        FIELD_UNSUPPORTED = 1 << 2,     /* cannot be honoured here: an error giving the reason (spec §2.3) */
        FIELD_SILENT      = 1 << 3,     /* set by the API server (uid, status …): ignored without a word */
} FieldFlags;

typedef struct FieldSpec {
        const char *name;
        FieldDispatch dispatch;
        size_t offset;
        unsigned flags;
        const char *reason;             /* for FIELD_IGNORED and FIELD_UNSUPPORTED */
} FieldSpec;

int loader_diag(Loader *l, DiagLevel level, const MNode *at, const MNode *path_node, const char *suffix,
                const char *fmt, ...) _printf_(6, 7);
#define loader_error(l, n, ...) loader_diag((l), DIAG_ERROR, (n), (n), NULL, __VA_ARGS__)
#define loader_warning(l, n, ...) loader_diag((l), DIAG_WARNING, (n), (n), NULL, __VA_ARGS__)
/* Error at a field path below the root; the position is the deepest node of that path that exists. */
int loader_error_path(Loader *l, const char *path, const char *fmt, ...) _printf_(3, 4);
const MNode *mnode_find(const MNode *root, const char *path, bool *ret_exact);

/* Dispatches a mapping through a table. NULL values count as absent (JSON null). */
int dispatch_mapping(Loader *l, const MNode *n, const FieldSpec *table, void *target);
/* Dispatches each item of a sequence into a newly allocated array of elem_size items. */
int dispatch_list(Loader *l, const MNode *n, size_t elem_size, FieldDispatch elem, void *ret_array, size_t *ret_n);

bool expect_type(Loader *l, const MNode *n, MNodeType type);
bool expect_string(Loader *l, const MNode *n);

int field_string(Loader *l, const MNode *n, void *target);             /* char * */
int field_int32(Loader *l, const MNode *n, void *target);              /* int32_t, any value */
int field_int32_nonneg(Loader *l, const MNode *n, void *target);
int field_int64(Loader *l, const MNode *n, void *target);
int field_int64_nonneg(Loader *l, const MNode *n, void *target);
int field_bool(Loader *l, const MNode *n, void *target);               /* bool */
int field_tristate(Loader *l, const MNode *n, void *target);           /* Tristate */
int field_strv(Loader *l, const MNode *n, void *target);               /* char ** */
int field_str_map(Loader *l, const MNode *n, void *target);            /* StrMap: string → string */
int field_quantity(Loader *l, const MNode *n, void *target);           /* Quantity */
int field_any(Loader *l, const MNode *n, void *target);                /* accepted as is */
