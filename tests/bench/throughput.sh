#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# jobsd's pod throughput against the floor, in one run on one sandboxed systemd user manager. For each
# parallelism P: the floor (build/tests/bench-floor: N transient services with a pod unit's properties,
# running /bin/true, P at a time, started with StartTransientUnit, each removed when it ends), then a
# Job of N completions of /bin/true at parallelism P run by jobsd (rate from the Job's StartTime to its
# CompletionTime). Prints, per P: floor units/s, jobsd pods/s, the ratio, jobsd's CPU ms per pod, its
# RSS; then, in a separate pass (a bus monitor slows the bus), jobsd's D-Bus messages per pod. Figures
# only, no verdict. The machine may be shared: compare the ratio, not the absolute rates.
#   tests/bench/throughput.sh [BUILD_DIR] [N] [P...]          (defaults: build 300 1 8 64)
set -eu
build=$(realpath "${1:-build}")
n=${2:-300}
shift 2 2>/dev/null || shift $#
ps=("$@")
[ ${#ps[@]} -gt 0 ] || ps=(1 8 64)
floor=$build/tests/bench-floor
[ -x "$floor" ] || { echo "no $floor: meson compile -C $build" >&2; exit 1; }
. "$(dirname "$0")/../integration/sandbox.sh"
sandbox_start
mkdir -p "$SANDBOX_DIR/m" "$SANDBOX_DIR/s"
systemd-run --user --quiet --unit=jobsd -p Type=notify "$build/supervisor/jobsd" --user \
        --manifest-dir="$SANDBOX_DIR/m" --state-dir="$SANDBOX_DIR/s"
pid=$(systemctl --user show -p MainPID --value jobsd)
tck=$(getconf CLK_TCK)

job_yaml() { # NAME COMPLETIONS PARALLELISM
        printf 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: %s}\nspec:\n  completions: %d\n  parallelism: %d\n  backoffLimit: 0\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: x, command: [/bin/true]}]\n' "$1" "$2" "$3"
}
cpu_ticks() { awk '{ print $14 + $15 }' /proc/"$pid"/stat; }
path_of() { echo "/io/jobsd/job/default_5f$(echo "$1" | sed 's/-/_2d/g')"; }
prop() { busctl --user get-property io.jobsd "$(path_of "$1")" io.jobsd.Job1 "$2" | awk '{ print $2 }' | tr -d '"'; }
# Runs Job NAME (N completions, parallelism P) to its end; prints "seconds cpu_ms".
run_job() {
        local name=$1 c0 c1 st ct
        job_yaml "$name" "$n" "$2" > "$SANDBOX_DIR/$name.yaml"
        c0=$(cpu_ticks)
        mv "$SANDBOX_DIR/$name.yaml" "$SANDBOX_DIR/m/"
        until busctl --user get-property io.jobsd "$(path_of "$name")" io.jobsd.Job1 Name >/dev/null 2>&1; do sleep 0.02; done
        "$build/supervisor/jobctl" --user wait "job/$name" --for=condition=Complete --timeout=600s >/dev/null
        c1=$(cpu_ticks)
        st=$(prop "$name" StartTime) ct=$(prop "$name" CompletionTime)
        awk -v s="$st" -v c="$ct" -v t=$((c1 - c0)) -v hz="$tck" 'BEGIN { printf "%.3f %.0f\n", (c - s) / 1e6, t * 1000 / hz }'
}

echo "N=$n; $(nproc) CPUs; $(uname -r); systemd $(systemctl --version | awk 'NR == 1 { print $2 }')"
job_yaml floor 1 1 > "$SANDBOX_DIR/floor.yaml"
printf '%-4s %12s %12s %7s %14s %9s\n' P "floor u/s" "jobsd pods/s" ratio "jobsd CPU/pod" "RSS MiB"
for p in "${ps[@]}"; do
        fs=$("$floor" "$SANDBOX_DIR/floor.yaml" "$n" "$p" | awk '{ print $4 }')
        read -r js cpu < <(run_job "tp-$p" "$p")
        rss=$(awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' /proc/"$pid"/status)
        awk -v p="$p" -v n="$n" -v fs="$fs" -v js="$js" -v cpu="$cpu" -v rss="$rss" 'BEGIN {
                printf "%-4s %12.0f %12.0f %7.2f %11.2f ms %9s\n", p, n / fs, n / js, fs / js, cpu / n, rss }'
done

# D-Bus messages per pod: everything jobsd sends, everything addressed to it, and the systemd signals its
# match rule (PropertiesChanged from systemd) brings it, over one Job of 50 pods at parallelism 8.
m=50
me=$(busctl --user status io.jobsd 2>/dev/null | sed -n 's/^UniqueName=//p')
busctl --user monitor --json=short --match="sender=$me" --match="destination=$me" \
        --match="type=signal,sender=org.freedesktop.systemd1,member=PropertiesChanged" > "$SANDBOX_DIR/monitor.json" 2>/dev/null &
mon=$!
sleep 0.5
n=$m
run_job msgs 8 >/dev/null
sleep 0.5
kill "$mon"; wait "$mon" 2>/dev/null || true
msgs=$(grep -c '"type"' "$SANDBOX_DIR/monitor.json" || true)
# The floor's own count over the same pods, for comparison.
busctl --user monitor --json=short --match="type=signal,sender=org.freedesktop.systemd1,member=PropertiesChanged" \
        > "$SANDBOX_DIR/monitor-floor.json" 2>/dev/null &
mon=$!
sleep 0.5
"$floor" "$SANDBOX_DIR/floor.yaml" "$m" 8 >/dev/null
sleep 0.5
kill "$mon"; wait "$mon" 2>/dev/null || true
fsig=$(grep -c '"type"' "$SANDBOX_DIR/monitor-floor.json" || true)
awk -v a="$msgs" -v m="$m" -v f="$fsig" 'BEGIN { printf "D-Bus messages per pod (jobsd, %d pods at P=8): %.1f; the floor gets %.1f PropertiesChanged per unit and sends 2-3 calls\n", m, a / m, f / m }'
systemctl --user stop jobsd
