/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "manager.h"

/* Watches the manifest directory: a change reloads it 100 ms later. */
int manifest_watch_start(Manager *m);
int manifest_reload(Manager *m);
