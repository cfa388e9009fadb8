/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The daemon's log: one channel and one form of message. Under systemd (INVOCATION_ID or JOURNAL_STREAM set
 * in its environment, as systemd sets them for a unit) every message goes to the journal (sd_journal_print);
 * a jobsd started otherwise writes them to stderr, "jobsd: MESSAGE". Structured records (events, finished
 * pods, manifest diagnostics) are journal entries with fields of their own and stay sd_journal_send().
 *
 * As systemd's: the _errno forms set errno to abs(error) for the %m in the format and return -abs(error),
 * so that `return log_error_errno(r, "cannot load %s: %m", path);` logs and returns in one. */

#include <stdlib.h>
#include <syslog.h>

#include "jobsd/macro.h"

int log_internal(int level, int error, const char *format, ...) _printf_(3, 4);

#define log_full_errno(level, error, ...) log_internal(level, error, __VA_ARGS__)
#define log_error_errno(error, ...) log_full_errno(LOG_ERR, error, __VA_ARGS__)
#define log_warning_errno(error, ...) log_full_errno(LOG_WARNING, error, __VA_ARGS__)
#define log_notice_errno(error, ...) log_full_errno(LOG_NOTICE, error, __VA_ARGS__)
#define log_info_errno(error, ...) log_full_errno(LOG_INFO, error, __VA_ARGS__)

#define log_error(...) ((void) log_internal(LOG_ERR, 0, __VA_ARGS__))
#define log_warning(...) ((void) log_internal(LOG_WARNING, 0, __VA_ARGS__))
#define log_notice(...) ((void) log_internal(LOG_NOTICE, 0, __VA_ARGS__))
#define log_info(...) ((void) log_internal(LOG_INFO, 0, __VA_ARGS__))
