/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "jobsd/macro.h"

/* A CronJob's status (spec §5.7) and what its controller must remember across restarts, kept under the
 * state directory as "<dir>/cronjobs/<namespace>_<name>.state". Text, one record per line, written
 * atomically: temporary file, fsync, rename, fsync of the directory. */

typedef struct CronJobStatus {
        usec_t created_usec;            /* when jobsd first saw the CronJob: its creationTimestamp */
        usec_t last_schedule_usec;      /* status.lastScheduleTime (the slot); 0: never */
        usec_t last_successful_usec;    /* status.lastSuccessfulTime; 0: never */
        char **active;                  /* status.active: Jobs the controller created that still run, in order */
        /* The schedule and timeZone the controller last worked with (NULL: none yet). A change is an
         * edit, made at edited_usec: slots of the new schedule up to then never run (spec §5.7: re-queued
         * at its next slot). */
        char *schedule;
        char *time_zone;
        usec_t edited_usec;
} CronJobStatus;

void cronjob_status_done(CronJobStatus *s);

/* Serialises / parses a status. Parsing refuses anything malformed with -EBADMSG and a message. */
int cronjob_status_format(const CronJobStatus *s, char **ret);
int cronjob_status_parse(const char *text, CronJobStatus *ret, char **reterr_message);

/* "<dir>/cronjobs/<namespace>_<name>.state"; load: -ENOENT if there is none. */
int cronjob_state_save(const char *dir, const char *namespace, const char *name, const CronJobStatus *s);
int cronjob_state_load(const char *dir, const char *namespace, const char *name, CronJobStatus *ret,
                       char **reterr_message);
int cronjob_state_remove(const char *dir, const char *namespace, const char *name);
