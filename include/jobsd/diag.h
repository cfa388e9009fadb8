/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdio.h>

#include "jobsd/macro.h"

/* Things the user got wrong in a manifest. Positions are 0-based as libyaml marks are; the formatter is
 * the one place that adds 1. */

typedef enum DiagLevel {
        DIAG_ERROR,
        DIAG_WARNING,
} DiagLevel;

typedef struct Diag {
        DiagLevel level;
        char *file;
        bool has_position;
        size_t line, column;    /* 0-based */
        char *path;             /* field path such as spec.template.spec.containers[0].image, or NULL */
        char *message;
} Diag;

typedef struct DiagList {
        Diag *items;
        size_t n;
        size_t n_by_level[2];           /* kept by diag_add(): counting is O(1), not a walk of the list
                                         * per document (O(n^2) over a directory of 10,000 files) */
} DiagList;

void diag_list_done(DiagList *l);
int diag_add(DiagList *l, DiagLevel level, const char *file, bool has_position, size_t line, size_t column,
             const char *path, const char *fmt, ...) _printf_(8, 9);
bool diag_list_has_errors(const DiagList *l);
size_t diag_list_count(const DiagList *l, DiagLevel level);
/* "FILE:LINE:COLUMN: [warning: ]field.path: message" */
char *diag_format(const Diag *d);
void diag_list_print(const DiagList *l, FILE *f);
