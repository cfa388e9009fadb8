/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "managed-job.h"

const char *job_immutable_change(const Job *old, const Job *new);
void job_refuse_change(ManagedJob *j, const char *file, const char *field);
