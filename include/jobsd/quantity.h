/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "jobsd/macro.h"

/* Kubernetes resource quantities (spec §2.5): "500m", "128Mi", "1.5", "1e3", "2E". The value is kept
 * exactly in units of 10⁻⁹ (finer values round up), saturating far beyond any real resource. */
/* Packed to 8-byte alignment: 24 bytes, not the 32 of __int128's 16-byte alignment (a container has four,
 * in Resources). nano is never pointed to, only read and written whole. */
typedef struct __attribute__((packed, aligned(8))) Quantity {
        __int128 nano;
        bool binary;                    /* written with a binary suffix: formatted back with one */
} Quantity;

int quantity_parse(const char *s, Quantity *ret, char **reterr_message);
int64_t quantity_to_int_ceil(const Quantity *q);        /* e.g. bytes, rounded up, saturating */
int64_t quantity_to_milli_ceil(const Quantity *q);      /* e.g. millicores */
int quantity_cmp(const Quantity *a, const Quantity *b);
bool quantity_is_negative(const Quantity *q);
/* Kubernetes' canonical form: "500m", "1", "128Mi", "2k". */
char *quantity_format(const Quantity *q);
