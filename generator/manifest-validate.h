/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "jobsd/job.h"
#include "manifest-dispatch.h"

/* The validation rules of spec §1–§2 and §5 that need the loaded model (several fields, names,
 * grammars). Errors go to the loader's diagnostics at the position of the offending field. */
int validate_job(Loader *l, Job *j);
int validate_cron_job(Loader *l, CronJob *c);
