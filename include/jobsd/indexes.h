/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "jobsd/macro.h"

/* A set of completion indexes as sorted, disjoint intervals (spec §1.3 succeededIndexes). */
typedef struct IndexInterval {
        int32_t first, last;
} IndexInterval;

typedef struct IndexSet {
        IndexInterval *intervals;
        size_t n;
} IndexSet;

/* "1,3-5,7", every index below completions, strictly increasing; errors as Kubernetes words them,
 * prefixed "error parsing succeededIndexes: ". */
int index_set_parse(const char *s, int32_t completions, IndexSet *ret, char **reterr_message);
uint64_t index_set_count(const IndexSet *s);
bool index_set_contains(const IndexSet *s, int32_t index);
void index_set_done(IndexSet *s);
