/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "manager.h"

void start_sweep_counted_units(Manager *m);
void start_sweep_pull_units(Manager *m);
