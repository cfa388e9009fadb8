#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A start-up that keeps jobsd's event loop from running longer than its bus calls' timeout (thousands of
# Jobs on a slow disk took 33 s; the timeout is 25 s), made short with the test aids
# JOBSD_TEST_BUS_TIMEOUT_USEC (1 s) and JOBSD_TEST_START_DELAY_USEC (3 s): jobsd must own its bus name
# right after READY, its pods must run to the exact counts, and a jobsd that loses its bus must end, not
# run on deaf. About 15 s. Usage: test-slow-start.sh BUILD_DIR
set -u
build=${1:?build directory}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/sandbox.sh"
. "$here/lib.sh"

JOBSD=$build/supervisor/jobsd
JOBCTL=$build/supervisor/jobctl
sandbox_start_tap
manifests=$SANDBOX_DIR/m
state=$SANDBOX_DIR/s
mkdir -p "$manifests" "$state"
start_jobsd() {
        systemd-run --user --quiet --unit=jobsd "${jobsd_props[@]}" -E JOBSD_TEST_BUS_TIMEOUT_USEC=1000000 \
                -E JOBSD_TEST_START_DELAY_USEC=3000000 "$JOBSD" --user --manifest-dir="$manifests" --state-dir="$state"
}
cat > "$manifests/slow.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: slow}
spec:
  completions: 4
  parallelism: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: x, command: [sh, -c, "sleep 1"]}]
YAML

# 1. The first start: the pods' StartTransientUnit calls and the match are made before the delay.
start_jobsd
if out=$(busctl --user call io.jobsd /io/jobsd io.jobsd.Manager1 ListJobs 2>&1) && [[ $out == *'"slow"'* ]]; then
        ok "io.jobsd is owned right after READY after a start longer than the bus timeout"
else
        not_ok "io.jobsd is owned right after READY after a start longer than the bus timeout" "$out" \
                "$(sandbox_journal -u jobsd -o cat | tail -20)"
fi
if wait_for slow Complete 30s && [ "$(field slow succeeded)" = 4 ] && [ "$(field slow failed)" = 0 ]; then
        ok "the Job's pods ran to succeeded 4, failed 0 although their calls' replies came after the timeout"
else
        not_ok "the Job's pods ran to succeeded 4, failed 0" "$(jobctl describe job slow 2>&1)"
fi

# 2. A restart while pods run: their units are adopted, queried, and counted once.
cat > "$manifests/slow2.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: slow2}
spec:
  completions: 2
  parallelism: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: x, command: [sh, -c, "sleep 3"]}]
YAML
until_true 10 '[ "$(field slow2 active)" = 2 ]'
stop_jobsd
jobsd_stopped_cleanly
start_jobsd
if wait_for slow2 Complete 30s && [ "$(field slow2 succeeded)" = 2 ] && [ "$(field slow2 failed)" = 0 ]; then
        ok "pods adopted across a slow restart are counted once: succeeded 2, failed 0"
else
        not_ok "pods adopted across a slow restart are counted once" "$(jobctl describe job slow2 2>&1)"
fi

# 3. A jobsd that loses its bus ends with status 1 (systemd's Restart=on-failure brings it back).
pid=$(systemctl --user show -P MainPID jobsd)
systemctl --user kill --kill-whom=all -s SIGKILL dbus.service 2>/dev/null || kill -9 "$(systemctl --user show -P MainPID dbus.service)"
# Ended: gone, or a zombie its manager has not reaped yet (the manager lost the same bus).
if until_true 10 "! [ -d /proc/$pid ] || grep -q '^State:.*Z' /proc/$pid/status"; then
        ok "jobsd ends when its bus connection is lost"
else
        not_ok "jobsd ends when its bus connection is lost" "$(cat /proc/$pid/status 2>&1 | head -3)"
fi
echo "1..$n"
[ "$failed" = 0 ]
