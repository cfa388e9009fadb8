/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "jobsd/macro.h"

/* The kubelet's $(VAR) expansion (spec §2.4): "$$" is "$", "$(NAME)" is NAME's value if defined and is kept
 * as written otherwise; anything else is left alone. env is a list of "NAME=VALUE", later entries
 * overriding earlier ones. */
int k8s_expand(const char *in, char * const *env, char **ret);

/* Builds a container's environment in order: each value sees only the variables before it. */
int k8s_expand_env(char * const *names, char * const *values, char ***ret_env);
