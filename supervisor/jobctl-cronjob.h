/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "jobsd/macro.h"

/* jobctl's CronJob verbs (docs/jobctl.md, docs/cronjobs.md): io.jobsd.CronJob1 objects. */

/* jobctl get cronjobs [NAME] [-o wide|json|yaml]; only: NULL for all. */
int get_cron_jobs(const char *only);
int describe_cron_job(const char *name);
int verb_suspend_cron_job(bool suspend, const char *name);
int verb_trigger(int argc, char *argv[]);
int verb_create(int argc, char *argv[]);
