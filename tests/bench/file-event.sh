#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The cost of one file event with many files beside it: FILES (default 10000) suspended Jobs, one file
# each, are in the manifest directory; once jobsd has loaded them, EVENTS (default 20) new files of one
# suspended Job each are renamed in, one every GAP seconds (default 0.5: time for a full reload of 10,000
# files). Prints jobsd's CPU time (user + system, from /proc/PID/stat) per event, minus what it used
# idle over as long, and the same for OTHER_BUILD_DIR (e.g. main's) in the same sandbox, then the ratio.
# Figures only, no verdict. The verification of scoped reloads (JOBSD_VERIFY_SCOPED_RELOAD) is off.
#   tests/bench/file-event.sh [BUILD_DIR] [FILES] [EVENTS] [OTHER_BUILD_DIR]
set -eu
build=$(realpath "${1:-build}")
files=${2:-10000}
events=${3:-20}
other=${4:+$(realpath "$4")}
gap=${GAP:-0.5}
hz=$(getconf CLK_TCK)
. "$(dirname "$0")/../integration/sandbox.sh"
sandbox_start
mkdir -p "$SANDBOX_DIR/m"
for i in $(seq "$files"); do
        printf 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: present%d}\nspec:\n  suspend: true\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: x, command: [echo, started]}]\n' "$i" > "$SANDBOX_DIR/m/present$i.yaml"
done
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# run BUILD LABEL: prints LABEL's CPU per event in ms and sets per_event (in µs).
run() {
        local b=$1 label=$2 pid t0 t1 idle busy last now
        rm -rf "$SANDBOX_DIR/s" "$SANDBOX_DIR"/m/ev*.yaml
        mkdir -p "$SANDBOX_DIR/s"
        systemd-run --user --quiet --unit=jobsd -p Type=notify "$b/supervisor/jobsd" --user \
                --manifest-dir="$SANDBOX_DIR/m" --state-dir="$SANDBOX_DIR/s"
        pid=$(systemctl --user show -P MainPID jobsd)
        # Loaded: its CPU time no longer grows.
        last=-1
        while now=$(cpu_ticks "$pid") && [ "$now" != "$last" ]; do
                last=$now
                sleep 1
        done
        t0=$(cpu_ticks "$pid")
        sleep "$(awk -v n="$events" -v g="$gap" 'BEGIN { print n * g }')"
        idle=$(( $(cpu_ticks "$pid") - t0 ))
        t0=$(cpu_ticks "$pid")
        for i in $(seq "$events"); do
                printf 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: ev%d}\nspec:\n  suspend: true\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: x, command: [echo, started]}]\n' "$i" > "$SANDBOX_DIR/ev$i.yaml"
                mv "$SANDBOX_DIR/ev$i.yaml" "$SANDBOX_DIR/m/"
                sleep "$gap"
        done
        t1=$(cpu_ticks "$pid")
        busy=$(( t1 - t0 - idle ))
        per_event=$(( busy * 1000000 / hz / events ))
        echo "$label: $files files, $events file events: jobsd CPU $(( (t1 - t0) * 1000 / hz )) ms (idle over as long: $(( idle * 1000 / hz )) ms): $(awk -v u="$per_event" 'BEGIN { printf "%.1f", u / 1000 }') ms per event"
        systemctl --user stop jobsd
}
run "$build" "$build"
mine=$per_event
if [ -n "$other" ]; then
        run "$other" "$other"
        awk -v a="$mine" -v b="$per_event" 'BEGIN { if (a > 0) printf "CPU per event, %s / this: %.0f\n", "other", b / a; else print "CPU per event of this build: below the clock tick" }'
fi
