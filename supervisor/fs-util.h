/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/types.h>

int rm_rf(const char *path);
int mkdir_p(const char *path, mode_t mode);
