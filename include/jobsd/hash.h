/* SPDX-License-Identifier: Apache-2.0 */
/* FNV-1a, 64 bits: the hash of the name index, the hash tables of units and pending files, the Jobs'
 * fingerprints, generated names and the diagnostics' logged marks. Fingerprints and generated names are
 * kept on disk: the function must not change. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define FNV1A64_INIT UINT64_C(14695981039346656037)

static inline uint64_t fnv1a64(uint64_t h, const void *data, size_t n) {
        const unsigned char *p = data;

        for (size_t i = 0; i < n; i++)
                h = (h ^ p[i]) * UINT64_C(1099511628211);
        return h;
}

static inline uint64_t fnv1a64_str(uint64_t h, const char *s) {
        for (; *s; s++)
                h = (h ^ (unsigned char) *s) * UINT64_C(1099511628211);
        return h;
}
