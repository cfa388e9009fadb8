#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The reaper of a sandbox (sandbox.sh, sandbox_reaper): waits until process PID, the shell that started
# the sandbox, is gone, then stops the sandbox (sandbox_stop: cgroup.kill, the cgroups and the directory
# removed) if that shell did not. SIGTERM (sandbox_stop's, when the shell stops the sandbox itself) ends
# it at once, with nothing done.
# Usage: sandbox-reaper.sh PID, with SANDBOX_CGROUP, SANDBOX_V1_CGROUPS and SANDBOX_DIR in the environment.
. "$(dirname "$0")/sandbox.sh"
owner=${1:?PID} nap=
trap 'kill $nap 2>/dev/null; exit 0' TERM
while kill -0 "$owner" 2>/dev/null; do
        sleep 1 &
        nap=$!
        wait $nap
done
sandbox_stop
