/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "jobsd/job.h"

/* Deep copies of the Job model, for Jobs made from a CronJob's jobTemplate (spec §5.6). Each copy starts
 * as a byte copy of its source, so every scalar field (present or added later) comes along by itself;
 * then each pointer is replaced by a copy of what it points to. A field with a pointer added to the
 * model without a line here would be shared between the two objects: job-copy.c checks the sizes of the
 * structures at compile time, so adding a field fails the build until the copy knows about it.
 * On failure *ret is left empty (freed), never half shared. */

int str_map_copy(const StrMap *src, StrMap *ret);
int job_spec_copy(const JobSpec *src, JobSpec *ret);
