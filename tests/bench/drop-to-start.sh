#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Latency from a manifest landing in the manifest directory (rename into place) to its pod's first line
# in the journal, with jobsd on a sandboxed systemd user manager, over SAMPLES Jobs (default 50), one at a
# time. Prints each sample, then p50 and p99 (nearest rank), min and max. Figures only, no verdict.
# The floor, in the same run on the same manager: bench-floor (tests/bench/bench-floor.c) starting the
# same Job's pod unit itself through StartTransientUnit, from the call to the first line; the ratio is
# jobsd's p50 over the floor's. Then the floor again, each start right after the writes and syncs
# jobsd makes for a new Job and a journal line like its SuccessfulCreate (FLOOR_SYNC_DIR, FLOOR_LOG).
# Every sample, jobsd's and the floor's, is followed by the same 0.3 s pause: how soon a start follows
# the one before changes what it costs in the kernel (docs/performance.md, "The floor's head start").
# jobsd's samples are split at its SuccessfulCreate line, and its CPU per Job is printed.
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
jpid=$(systemctl --user show -P MainPID jobsd)
cpu() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$jpid/stat"; }     # utime + stime, ticks
sleep 1
cpu0=$(cpu)
# job_yaml NAME: a Job of one pod that prints "started" (the line waited for).
job_yaml() {
        printf 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: %s}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: x, command: [echo, started]}]\n' "$1"
}
# first_line IDENT: the journal's own stamp (µs) of IDENT's first line. Every sample, jobsd's and the
# floor's, first pauses 0.3 s, so that their starts are as far apart: a start soon after another skips
# the kernel's wait in the cgroup attach (an RCU grace period, 8-20 ms here), and back-to-back floor
# samples were 3-4 ms against jobsd's 14-19 ms. The poll is slow, so that journalctl's runs do not take
# the CPU the measured path needs.
first_line() {
        local k t
        sleep 0.3
        for k in $(seq 100); do
                t=$(journalctl -D "$SANDBOX_JOURNAL_DIR" -t "$1" -o export 2>/dev/null | sed -n 's/^__REALTIME_TIMESTAMP=//p' | head -1)
                [ -n "$t" ] && { echo "$t"; return 0; }
                sleep 0.1
        done
}
results=(); before=(); after=()
for i in $(seq "$samples"); do
        f=$SANDBOX_DIR/b$i.yaml
        job_yaml "b$i" > "$f"
        printf '%s\t%s\n' "$f" "$SANDBOX_DIR/m/b$i.yaml" >&"${RENAMER[1]}"
        read -r t0 <&"${RENAMER[0]}"
        t1=$(first_line "b$i")
        ms=$(( (t1 - t0) / 1000 ))
        results+=("$ms")
        # Split at jobsd's SuccessfulCreate line, logged just before its StartTransientUnit call.
        tc=$(journalctl -D "$SANDBOX_JOURNAL_DIR" -t jobsd -o export 2>/dev/null |
                awk -v want="MESSAGE=default/b$i: SuccessfulCreate:" '/^__REALTIME_TIMESTAMP=/ { t = substr($0, 22) }
                        index($0, want) == 1 { print t; exit }')
        if [ -n "$tc" ]; then
                before+=($(( (tc - t0) / 1000 ))); after+=($(( (t1 - tc) / 1000 )))
                echo "sample $i: ${ms} ms (rename to SuccessfulCreate $(( (tc - t0) / 1000 )) ms, then to the first line $(( (t1 - tc) / 1000 )) ms)"
        else
                echo "sample $i: ${ms} ms"
        fi
done
# floor_run PREFIX [ENV...]: the floor's samples, in $floor.
floor_run() {
        local prefix=$1; shift
        floor=()
        for i in $(seq "$samples"); do
                f=$SANDBOX_DIR/$prefix$i.yaml
                job_yaml "$prefix$i" > "$f"
                t0=$(env FLOOR_PRINT_START=1 "$@" "$build/tests/bench-floor" "$f" 1 1 | sed -n 's/^start-realtime //p')
                t1=$(first_line "$prefix$i")
                floor+=($(( (t1 - t0) / 1000 )))
        done
}
floor_run f
plain=("${floor[@]}")
# The same, each start right after the writes and syncs jobsd makes for a new Job and a journal line
# (bench-floor's FLOOR_SYNC_DIR, FLOOR_LOG), in the state directory's file system: what they cost
# systemd's start afterwards.
mkdir -p "$SANDBOX_DIR/s/floor"
floor_run g FLOOR_SYNC_DIR="$SANDBOX_DIR/s/floor" FLOOR_LOG=1
synced=("${floor[@]}")
stats() { # LABEL VALUES...: p50 and p99 (nearest rank), min, max
        local label=$1; shift
        local sorted
        sorted=$(printf '%s\n' "$@" | sort -n)
        rank() { echo "$sorted" | sed -n "$(( ($1 * $# + 99) / 100 ))p"; }
        p50=$(echo "$sorted" | sed -n "$(( (50 * $# + 99) / 100 ))p")
        echo "$label over $# Jobs: p50 $p50 ms, p99 $(echo "$sorted" | sed -n "$(( (99 * $# + 99) / 100 ))p") ms, min $(echo "$sorted" | head -1) ms, max $(echo "$sorted" | tail -1) ms"
}
cpu1=$(cpu)
exec {RENAMER[1]}>&-
wait "$RENAMER_PID" 2>/dev/null || true
stats drop-to-first-output "${results[@]}"; jobsd_p50=$p50
awk -v c="$((cpu1 - cpu0))" -v hz="$(getconf CLK_TCK)" -v n="$samples" 'BEGIN { printf "jobsd CPU per Job (file event, Job, its pod run to the end): %.1f ms\n", c * 1000 / hz / n }'
[ ${#before[@]} -gt 0 ] && stats "  of which rename to SuccessfulCreate" "${before[@]}" && stats "  and SuccessfulCreate to the first line" "${after[@]}"
stats "floor (StartTransientUnit to first output)" "${plain[@]}"; floor_p50=$p50
stats "floor right after a new Job's writes, syncs and journal line" "${synced[@]}"
awk -v a="$jobsd_p50" -v b="$floor_p50" 'BEGIN { if (b > 0) printf "p50 ratio jobsd / floor: %.2f\n", a / b }'
systemctl --user stop jobsd
