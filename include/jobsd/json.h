/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdio.h>

/* Writes s as a JSON string, quotes included: '"' and '\' escaped, control characters as \u00XX, every
 * other byte as it is (UTF-8 passes through). NULL is written as "". */
void json_write_string(FILE *f, const char *s);
