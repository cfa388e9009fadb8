/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* jobsd's D-Bus API (docs/dbus-api.md): the names jobsd serves and jobctl calls. */

#define JOBSD_BUS_NAME                  "io.jobsd"

/* The manager object: ListJobs, ListCronJobs, ManifestDirectory; the ObjectManager of the others. */
#define JOBSD_MANAGER_PATH              "/io/jobsd"
#define JOBSD_MANAGER_IFACE             "io.jobsd.Manager1"

/* A Job is JOBSD_JOB_PATH_PREFIX "/" <namespace>_<name>, escaped as sd_bus_path_encode() does. */
#define JOBSD_JOB_PATH_PREFIX           "/io/jobsd/job"
#define JOBSD_JOB_IFACE                 "io.jobsd.Job1"

/* A CronJob, likewise. */
#define JOBSD_CRON_JOB_PATH_PREFIX      "/io/jobsd/cronjob"
#define JOBSD_CRON_JOB_IFACE            "io.jobsd.CronJob1"

/* CreateJob of a name that exists. */
#define JOBSD_ERROR_ALREADY_EXISTS      "io.jobsd.AlreadyExists"
