/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdio.h>

#include "manager.h"

/* --metrics-file (docs/metrics.md): the Jobs and CronJobs in the Prometheus text format 0.0.4, under
 * kube-state-metrics' and the Kubernetes Job controller's names, for node_exporter's textfile collector.
 * The file is written (atomic_file_write(), mode 0644) once at start and then whenever something it shows
 * changed, at most once per event-loop turn (an idle-priority defer source) and once a second (a one-shot
 * timer armed by a change within the second): nothing wakes jobsd up while nothing changes. A missing directory is logged once and nothing is written until it exists; the
 * directory is never made. */

typedef struct Metrics Metrics;

/* The counters (since jobsd started). */
typedef struct MetricsFinished {
        char *completion_mode;
        char *result;                   /* succeeded, failed */
        char *reason;                   /* the Complete or Failed condition's reason */
        uint64_t count;
} MetricsFinished;

typedef struct MetricsCounters {
        MetricsFinished *finished;      /* job_controller_job_finished_total */
        size_t n_finished;
        uint64_t failure_policy[_POD_FAILURE_ACTION_MAX];  /* job_controller_pod_failures_handled_by_failure_policy_total */
} MetricsCounters;

/* Starts writing path for m (m->metrics); the first write is at the next turn of the loop. Jobs that are
 * finished now are not counted as finishing. */
int metrics_new(Manager *m, const char *path, Metrics **ret);
Metrics *metrics_free(Metrics *x);

/* The hooks: a Job's status changed (manager_bus_job_changed()), a counted pod's units are removed
 * (its podFailurePolicy decision counts), anything else shown changed (Jobs and CronJobs added, removed,
 * synced). Each does nothing without --metrics-file. */
void metrics_job_changed(Manager *m, ManagedJob *j);
void metrics_pod_counted(Manager *m, const Pod *p);
void metrics_poke(Manager *m);

/* Pure: a label value escaped as the format wants it (\\, \", \n); the whole exposition of m's Jobs and
 * CronJobs and the counters c (NULL: none), written to f. */
void metrics_write_label_value(FILE *f, const char *s);
int metrics_format(const Manager *m, const MetricsCounters *c, FILE *f);
