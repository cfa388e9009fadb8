/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "managed-job.h"

int pod_volumes_prepare(ManagedJob *j, const Pod *p, const RenderContext *ctx);
void pod_volumes_remove(ManagedJob *j, const Pod *p);
