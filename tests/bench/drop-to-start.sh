#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Latency from a manifest landing in the manifest directory (rename into place) to its pod's first line
# in the journal, with jobsd on a sandboxed systemd user manager, over SAMPLES Jobs (default 50), one at a
# time. Prints each sample, then p50 and p99 (nearest rank), min and max. Figures only, no verdict.
# The floor, in the same run on the same manager: bench-floor (tests/bench/bench-floor.c) starting the
# same Job's pod unit itself through StartTransientUnit, from the call to the first line; the ratio is
# jobsd's p50 over the floor's.
# PRESENT (default 0) suspended Jobs are in the directory from the start: the cost of a file event with
# many files beside it.
#   tests/bench/drop-to-start.sh [BUILD_DIR] [SAMPLES] [PRESENT]
set -eu
build=$(realpath "${1:-build}")
samples=${2:-50}
present=${3:-0}
. "$(dirname "$0")/../integration/sandbox.sh"
sandbox_start
mkdir -p "$SANDBOX_DIR/m" "$SANDBOX_DIR/s"
for i in $(seq "$present"); do
        printf 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: present%d}\nspec:\n  suspend: true\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: x, command: [echo, started]}]\n' "$i" > "$SANDBOX_DIR/m/present$i.yaml"
done
systemd-run --user --quiet --unit=jobsd -p Type=notify "$build/supervisor/jobsd" --user \
        --manifest-dir="$SANDBOX_DIR/m" --state-dir="$SANDBOX_DIR/s"
# The rename is made by one long-lived process that reads the clock right before it: a `date` and an
# `mv` spawned for each sample put 2-3 ms of process start-up between t0 and the rename.
coproc RENAMER { python3 -u -c '
import os, sys, time
for line in sys.stdin:
    a, b = line.rstrip("\n").split("\t")
    t = time.time_ns() // 1000
    os.rename(a, b)
    print(t, flush=True)
'; }
results=()
for i in $(seq "$samples"); do
        f=$SANDBOX_DIR/b$i.yaml
        printf 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: b%d}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: x, command: [echo, started]}]\n' "$i" > "$f"
        printf '%s\t%s\n' "$f" "$SANDBOX_DIR/m/b$i.yaml" >&"${RENAMER[1]}"
        read -r t0 <&"${RENAMER[0]}"
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
floor=()
for i in $(seq "$samples"); do
        f=$SANDBOX_DIR/f$i.yaml
        printf 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: f%d}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: x, command: [echo, started]}]\n' "$i" > "$f"
        t0=$(FLOOR_PRINT_START=1 "$build/tests/bench-floor" "$f" 1 1 | sed -n 's/^start-realtime //p')
        for k in $(seq 100); do
                t1=$(journalctl -D "$SANDBOX_JOURNAL_DIR" -t "f$i" -o export 2>/dev/null | sed -n 's/^__REALTIME_TIMESTAMP=//p' | head -1)
                [ -n "$t1" ] && break
                sleep 0.1
        done
        floor+=($(( (t1 - t0) / 1000 )))
done
stats() { # LABEL VALUES...: p50 and p99 (nearest rank), min, max
        local label=$1; shift
        local sorted
        sorted=$(printf '%s\n' "$@" | sort -n)
        rank() { echo "$sorted" | sed -n "$(( ($1 * $# + 99) / 100 ))p"; }
        p50=$(echo "$sorted" | sed -n "$(( (50 * $# + 99) / 100 ))p")
        echo "$label over $# Jobs: p50 $p50 ms, p99 $(echo "$sorted" | sed -n "$(( (99 * $# + 99) / 100 ))p") ms, min $(echo "$sorted" | head -1) ms, max $(echo "$sorted" | tail -1) ms"
}
exec {RENAMER[1]}>&-
wait "$RENAMER_PID" 2>/dev/null || true
stats drop-to-first-output "${results[@]}"; jobsd_p50=$p50
stats "floor (StartTransientUnit to first output)" "${floor[@]}"; floor_p50=$p50
awk -v a="$jobsd_p50" -v b="$floor_p50" 'BEGIN { if (b > 0) printf "p50 ratio jobsd / floor: %.2f\n", a / b }'
systemctl --user stop jobsd
