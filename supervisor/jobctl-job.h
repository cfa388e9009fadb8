/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* jobctl's Job verbs (docs/jobctl.md): io.jobsd.Job1 objects, and the pods' output from the journal. */

int verb_get(int argc, char *argv[]);
int verb_describe(int argc, char *argv[]);
int verb_wait(int argc, char *argv[]);
int verb_logs(int argc, char *argv[]);
int verb_delete(int argc, char *argv[]);
int verb_rerun(int argc, char *argv[]);
int verb_suspend(int argc, char *argv[]);
