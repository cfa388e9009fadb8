/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "jobsd/macro.h"

typedef struct EventId {
        const char *reason, *id;
} EventId;

#define EVENT_ID_OTHER "4c0d9b5e3a2f4f7e9a1b6d3c8e2f1a07"  /* any other event */
/* Not an event: a pod that finished, with what `get pods` and describe show of it (read back at start). */
#define POD_FINISHED_MESSAGE_ID "75a300a4ae4c48abadbab22e818786ef"

/* Stable journal MESSAGE_ID= of each controller event reason (units/jobsd.catalog explains each). */
static inline const EventId *event_ids(size_t *ret_n) {
        static const EventId table[] = {
                { "SuccessfulCreate", "5146f3592ab4bb3647aa7e5a21103dbe" },
                { "FailedCreate", "a8584902da91f6dbceb49fcce1f33385" },
                { "SuccessfulDelete", "60aa536adadb9f4df21cb847478e0d99" },
                { "Completed", "360e09e25bb257c0c6110951262dc970" },
                { "BackoffLimitExceeded", "87b7563b547806c9d8f8d4256383670c" },
                { "DeadlineExceeded", "4ec4a46caab16ce3ee4f1ed6b63d0f4b" },
                { "PodFailurePolicy", "7276bd6a59d22d3e052685ec04cac50e" },
                { "FailedIndexes", "d878c73006ffcf89f117c4506f6a998a" },
                { "MaxFailedIndexesExceeded", "8b8e9c180469b6442e2d61d9973b5b4c" },
                { "Suspended", "1afcf2117a160b5c98aef47f694a9e48" },
                { "Resumed", "7799c9ada022728de0779850d4260088" },
                { "TooManySucceededPods", "f4531fd531f56241389e0446e82a77be" },
                /* the CronJob controller's own events, and the image pulls of pods in images */
                { "SawCompletedJob", "9c9ac61c80dd4d8b94c459a8839f0486" },
                { "UnexpectedJob", "75a08c367e134e08b12e571b81911d1a" },
                { "MissingJob", "1fa7d6f60f0b428e892df7463b53d2a9" },
                { "JobAlreadyActive", "5ffc1366077d41b1a2e1cdb6bcf497a8" },
                { "MissSchedule", "9d2450d45da44c4594c2548d770a230a" },
                { "TooManyMissedTimes", "a4d478297a7b43a699b33549a4cbee98" },
                { "UnknownTimeZone", "33b90ea52a464166b4f006592ec033ed" },
                { "InvalidSchedule", "d1b5badd014e49beb17002b8f6f18412" },
                { "Pulling", "79352c43ffc646c5b9cb6cf95692bed3" },
                { "Pulled", "31ac35f0fa544e22ba175cff941f032c" },
                { "Failed", "381e2fcc97eb4402a3dc36fbdd2f521e" },
                { "BackOff", "9599e90a83054bb88af08e00234300b0" },
        };
        *ret_n = ELEMENTSOF(table);
        return table;
}

static inline const char *event_message_id(const char *reason) {
        size_t n;
        const EventId *table = event_ids(&n);

        for (size_t i = 0; i < n; i++)
                if (streq(table[i].reason, reason))
                        return table[i].id;
        return EVENT_ID_OTHER;
}
