/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "jobsd/diag.h"
#include "jobsd/macro.h"

/* Layer 1 of the loader: libyaml events → a tree of MNode with marks. Knows nothing about Kubernetes.
 * Enforces the size, depth and node limits, rejects duplicate keys and non-scalar keys, resolves
 * aliases within a budget (a cycle is an error) and applies YAML merge keys ('<<'), as kubectl's
 * YAML reader does. */

#define MANIFEST_SIZE_MAX ((size_t) 1024 * 1024)
#define MANIFEST_DEPTH_MAX 64
#define MANIFEST_NODES_MAX 100000
#define MANIFEST_DOCUMENTS_MAX 1000

typedef enum MNodeType {
        MNODE_SCALAR,
        MNODE_SEQUENCE,
        MNODE_MAPPING,
} MNodeType;

/* How a scalar resolves, following the YAML 1.1 rules of the YAML reader kubectl uses: plain scalars
 * can be null, booleans (true/yes/on/y …), integers or floats; quoted ones are always strings. */
typedef enum MScalarKind {
        MSCALAR_STRING,
        MSCALAR_NULL,
        MSCALAR_BOOL,
        MSCALAR_INT,
        MSCALAR_FLOAT,
} MScalarKind;

typedef struct MDuplicate {
        char *key;
        size_t line, column;
} MDuplicate;

typedef struct MNode MNode;
struct MNode {
        MNodeType type;
        size_t line, column;    /* 0-based start mark */
        MNode *parent;
        MNode *key;             /* in a mapping: the key scalar, for positions of key errors */
        size_t index;           /* in a sequence: the position */

        /* scalars */
        char *value;
        size_t length;
        MScalarKind kind;
        bool plain;             /* unquoted */
        bool merged;            /* a mapping entry that came in through a '<<' merge key */
        bool bool_value;
        int64_t int_value;      /* MSCALAR_INT */
        bool int_overflow;

        /* sequences: items; mappings: values, each with ->key set */
        MNode **children;
        size_t n_children;

        /* mappings: duplicate keys seen while building, reported once paths are known */
        MDuplicate *duplicates;
        size_t n_duplicates;
};

typedef struct MDocument {
        MNode *root;            /* NULL for an empty document */
        size_t line, column;
        size_t n_errors;        /* YAML-level errors within this document (duplicate keys, aliases …) */
} MDocument;

typedef struct MStream {
        MDocument *documents;
        size_t n_documents;
} MStream;

MNode *mnode_free(MNode *n);
void mstream_done(MStream *s);

/* Parses a whole buffer. Syntax errors and limit violations go to diags; the documents before the first
 * syntax error are kept. Returns < 0 only on allocation failure. */
int mstream_parse(const char *filename, const char *data, size_t size, MStream *ret, DiagList *diags);

/* "spec.template.spec.containers[0].image" */
char *mnode_path(const MNode *n);
/* Mapping lookup by key; NULL if absent or n is not a mapping. */
MNode *mnode_get(const MNode *n, const char *key);
const char *mnode_type_to_string(const MNode *n);
