#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# What reading events back from the journal costs a restart of jobsd: N Jobs (default 1000) run one pod
# each to completion (two events each: SuccessfulCreate, Completed, and a finished pod), then jobsd
# restarts. Prints the restart's start-to-ready time and what it read back, on a sandboxed user manager.
#   tests/bench/restart-events.sh [BUILD_DIR] [N]
set -eu
build=$(realpath "${1:-build}")
n=${2:-1000}
. "$(dirname "$0")/../integration/sandbox.sh"
sandbox_start
mkdir -p "$SANDBOX_DIR/m" "$SANDBOX_DIR/s"
for i in $(seq "$n"); do
        printf 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: j%d}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: x, command: ["true"]}]\n' "$i" > "$SANDBOX_DIR/m/j$i.yaml"
done
start() {
        systemd-run --user --quiet --unit=jobsd -p Type=notify "$build/supervisor/jobsd" --user \
                --manifest-dir="$SANDBOX_DIR/m" --state-dir="$SANDBOX_DIR/s"
}
start
t0=$(date +%s)
until [ "$(journalctl -D "$SANDBOX_JOURNAL_DIR" -t jobsd -o cat MESSAGE_ID=360e09e25bb257c0c6110951262dc970 | wc -l)" -ge "$n" ]; do
        [ $(( $(date +%s) - t0 )) -lt 300 ] || { echo "the Jobs did not complete in 300 s" >&2; exit 1; }
        sleep 1
done
systemctl --user stop jobsd
entries=$(journalctl -D "$SANDBOX_JOURNAL_DIR" -t jobsd -o cat | wc -l)
t0=$(date +%s%N)
start
t1=$(date +%s%N)
restored=$(journalctl -D "$SANDBOX_JOURNAL_DIR" -t jobsd -o cat | sed -n 's/^\([0-9]*\) event(s) and \([0-9]*\) finished pod(s) from before this start read back from the journal in \([0-9]*\) ms$/\1 events and \2 finished pods read back in \3 ms/p' | tail -1)
echo "restart of jobsd with $n finished Jobs ($entries journal lines of jobsd): start to ready $(( (t1 - t0) / 1000000 )) ms, ${restored:-no events read back}"
systemctl --user stop jobsd
