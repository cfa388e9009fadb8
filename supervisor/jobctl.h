/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "jobsd/macro.h"

/* jobctl's options, as the verbs read them (defined in jobctl.c). */
extern bool jobctl_arg_user;
extern const char *jobctl_arg_output;           /* -o: NULL, wide, json, yaml, name */

static inline bool jobctl_output_is(const char *format) {
        return jobctl_arg_output && strcmp(jobctl_arg_output, format) == 0;
}
extern const char *jobctl_arg_journal_dir;      /* logs: read this journal directory */

/* Exit codes as kubectl's: 1 for errors, including NotFound and a wait that timed out. */
#define EXIT_ERROR 1
#define EXIT_USAGE 2
