/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon's log (include/jobsd/log.h): the journal under systemd, stderr otherwise. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <systemd/sd-journal.h>

#include "jobsd/log.h"
#include "jobsd/strv.h"

static int under_systemd = -1;

int log_internal(int level, int error, const char *format, ...) {
        _cleanup_(freep) char *msg = NULL;
        va_list ap;
        int saved = errno;

        assert(format);

        if (under_systemd < 0)
                under_systemd = getenv("INVOCATION_ID") || getenv("JOURNAL_STREAM");
        /* %m is abs(error), as in systemd. */
        if (error != 0)
                errno = abs(error);
        va_start(ap, format);
        msg = vstrprintf(format, ap);   /* whole, never cut at a buffer's size */
        va_end(ap);
        if (under_systemd)
                (void) sd_journal_print(level, "%s", msg ?: format);
        else
                fprintf(stderr, "jobsd: %s\n", msg ?: format);
        errno = saved;
        return error == 0 ? 0 : -abs(error);
}
