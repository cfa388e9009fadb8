/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "jobsd/macro.h"

/* Kubernetes' name rules (spec §1.1, §2.3). Each returns 0, or -EINVAL with Kubernetes' message(s) in
 * *reterr_message (several joined with "; "), or -ENOMEM. reterr_message may be NULL. */
int dns1123_label_check(const char *s, char **reterr_message);         /* ≤ 63 */
int dns1123_subdomain_check(const char *s, char **reterr_message);     /* ≤ 253 */
int label_key_check(const char *s, char **reterr_message);             /* [prefix/]name */
int label_value_check(const char *s, char **reterr_message);
int qualified_name_check(const char *s, char **reterr_message);        /* annotation keys, condition types */
int env_var_name_check(const char *s, char **reterr_message);          /* the relaxed rule, default since 1.32 */
