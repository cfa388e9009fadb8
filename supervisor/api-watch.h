/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "cronjob-manager.h"
#include "managed-job.h"

/* What the API sees change: every change of a Job or CronJob gets the next resourceVersion (the
 * Manager's counter, started at the wall clock in milliseconds so that it grows across restarts), and
 * the API's watches get the event. Hooks: manager_add_job(), manager_remove_job() (before the free),
 * manager_bus_job_changed(), and the same for CronJobs.
 *
 * Watches (docs/kubernetes-api.md, "Watch"): a streamed response of newline-delimited WatchEvents, one
 * per matching change, from the resourceVersion the client gives (the newest API_WATCH_HISTORY events are
 * kept for that; older: an ERROR event with a 410 Expired Status, and kubectl lists again). Between
 * events the connection is suspended (MHD_suspend_connection()) and costs nothing. */

#define API_WATCH_HISTORY 1024U
/* A client that does not read: what waits for it beyond this ends its watch. */
#define API_WATCH_BUFFER_MAX (4U * 1024U * 1024U)

typedef enum ApiWatchEvent {
        API_WATCH_ADDED,
        API_WATCH_MODIFIED,
        API_WATCH_DELETED,
        _API_WATCH_EVENT_MAX,
} ApiWatchEvent;

void api_job_event(Manager *m, ManagedJob *j, ApiWatchEvent e);
void api_cron_job_event(Manager *m, ManagedCronJob *c, ApiWatchEvent e);

typedef struct ApiWatchHub ApiWatchHub;
struct ApiCall;
struct ApiKind;

int api_watch_hub_new(Manager *m, ApiWatchHub **ret);
/* Ends every watch (their streams end; call MHD_run() after), before MHD_stop_daemon(). */
void api_watch_hub_shutdown(ApiWatchHub *h);
ApiWatchHub *api_watch_hub_free(ApiWatchHub *h);
/* A plain stream of lines (pods/log?follow=true) on the same machinery: the reply is queued at once;
 * lines written are sent as the client reads; userdata is freed (free_userdata) with the stream, when the
 * client goes or the stream ended and was sent. On failure, userdata is freed too. */
typedef struct ApiWatch ApiStream;
int api_stream_start(struct ApiCall *c, const char *content_type, void *userdata, void (*free_userdata)(void *userdata),
                     ApiStream **ret);
/* Appends line and a newline. */
int api_stream_write(ApiStream *s, const char *line);
void api_stream_end(ApiStream *s);

/* Answers a watch=true list request of kind k in ns (NULL: all). */
int api_watch_start(struct ApiCall *c, const struct ApiKind *k, const char *ns);
