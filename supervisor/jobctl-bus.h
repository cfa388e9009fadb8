/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "jobsd/macro.h"

/* jobctl's verbs that talk to jobsd over D-Bus (docs/jobctl.md, docs/dbus-api.md). */
extern bool jobctl_arg_user;
extern const char *jobctl_arg_output;           /* -o: NULL, wide, json, yaml */
extern const char *jobctl_arg_journal_dir;      /* logs: read this journal directory */

int verb_get(int argc, char *argv[]);
int verb_describe(int argc, char *argv[]);
int verb_wait(int argc, char *argv[]);
int verb_logs(int argc, char *argv[]);
int verb_delete(int argc, char *argv[]);
int verb_rerun(int argc, char *argv[]);
int verb_suspend(int argc, char *argv[]);
int verb_trigger(int argc, char *argv[]);
int verb_create(int argc, char *argv[]);
