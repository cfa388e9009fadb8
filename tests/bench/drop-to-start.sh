#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Latency from a manifest landing in the manifest directory (rename into place) to its pod's first line
# in the journal, with jobsd on a sandboxed systemd user manager, over SAMPLES Jobs (default 50), one at a
# time. Prints each sample, then p50 and p99 (nearest rank), min and max. Figures only, no verdict.
#   tests/bench/drop-to-start.sh [BUILD_DIR] [SAMPLES]
set -eu
build=$(realpath "${1:-build}")
samples=${2:-50}
. "$(dirname "$0")/../integration/sandbox.sh"
sandbox_start
mkdir -p "$SANDBOX_DIR/m" "$SANDBOX_DIR/s"
systemd-run --user --quiet --unit=jobsd -p Type=notify "$build/supervisor/jobsd" --user \
        --manifest-dir="$SANDBOX_DIR/m" --state-dir="$SANDBOX_DIR/s"
results=()
for i in $(seq "$samples"); do
        f=$SANDBOX_DIR/b$i.yaml
        printf 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: b%d}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: x, command: [echo, started]}]\n' "$i" > "$f"
        t0=$(date +%s%6N)
        mv "$f" "$SANDBOX_DIR/m/"
        # The time is the journal's own stamp of the line: a slow poll, so that journalctl's runs do not
        # take the CPU the measured path needs.
        sleep 0.3
        for k in $(seq 100); do
                t1=$(journalctl -D "$SANDBOX_JOURNAL_DIR" -t "b$i" -o export 2>/dev/null | sed -n 's/^__REALTIME_TIMESTAMP=//p' | head -1)
                [ -n "$t1" ] && break
                sleep 0.1
        done
        ms=$(( (t1 - t0) / 1000 ))
        results+=("$ms")
        echo "sample $i: ${ms} ms"
done
sorted=$(printf '%s\n' "${results[@]}" | sort -n)
rank() { echo "$sorted" | sed -n "$(( ($1 * samples + 99) / 100 ))p"; }
echo "drop-to-first-output over $samples Jobs: p50 $(rank 50) ms, p99 $(rank 99) ms, min $(echo "$sorted" | head -1) ms, max $(echo "$sorted" | tail -1) ms"
systemctl --user stop jobsd
