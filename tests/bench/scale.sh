#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# jobsd at scale, on a sandboxed user manager: N Jobs (default 10000, managed by another controller
# through spec.managedBy, so no pod runs) and C CronJobs (default 1000, a yearly schedule, so none fires:
# each has its transient timer). Prints RSS, start to ready (the first start writes every record and
# manifest copy; the restart only reads them; with jobsd's CPU time until READY, steadier than the wall
# time on a shared machine), the time of `jobctl get jobs` and `get cronjobs`, and jobsd's CPU time over
# an idle period, as seconds per hour, with its wake-ups. Figures only, no verdict.
#   tests/bench/scale.sh [BUILD_DIR] [N] [C] [IDLE_SECONDS]
set -eu
build=$(realpath "${1:-build}")
n=${2:-10000}
c=${3:-1000}
idle=${4:-30}
. "$(dirname "$0")/../integration/sandbox.sh"
sandbox_start
mkdir -p "$SANDBOX_DIR/m" "$SANDBOX_DIR/s"
for i in $(seq "$n"); do
        printf 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: j%d}\nspec:\n  managedBy: example.com/other\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: x, command: [sh, -c, "echo %d"]}]\n' "$i" "$i" > "$SANDBOX_DIR/m/j$i.yaml"
done
for i in $(seq "$c"); do
        printf 'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c%d}\nspec:\n  schedule: "0 0 1 1 *"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers: [{name: c, image: x, command: [/bin/true]}]\n' "$i" > "$SANDBOX_DIR/m/c$i.yaml"
done
tck=$(getconf CLK_TCK)
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
start() {
        systemd-run --user --quiet --unit=jobsd -p Type=notify -p TimeoutStartSec=600 "$build/supervisor/jobsd" --user \
                --manifest-dir="$SANDBOX_DIR/m" --state-dir="$SANDBOX_DIR/s"
        pid=$(systemctl --user show -p MainPID --value jobsd)
}
mib() { awk -v k="$1" '$1 == k ":" { printf "%.1f", $2 / 1024 }' /proc/"$pid"/status; }
t0=$(date +%s%N); start; first=$(ms_since "$t0")
jobs=$(busctl --user call io.jobsd /io/jobsd io.jobsd.Manager1 ListJobs | awk '{ print $2 }')
echo "first start (writes $n records and manifest copies): ready in $first ms; ListJobs right after READY: $jobs Job(s)"
systemctl --user stop jobsd
t0=$(date +%s%N); start; restart=$(ms_since "$t0")
restart_cpu=$(awk -v hz="$tck" '{ printf "%.0f", ($14 + $15) * 1000 / hz }' /proc/"$pid"/stat)
t0=$(date +%s%N); lines=$("$build/supervisor/jobctl" --user get jobs | wc -l); get=$(ms_since "$t0")
t0=$(date +%s%N); clines=$("$build/supervisor/jobctl" --user get cronjobs | wc -l); cget=$(ms_since "$t0")
sleep 2
echo "restart: ready in $restart ms ($restart_cpu ms of jobsd CPU); VmRSS $(mib VmRSS) MiB (peak $(mib VmHWM) MiB; RssAnon $(mib RssAnon) MiB; PSS $(awk '$1 == "Pss:" { printf "%.1f", $2 / 1024 }' /proc/"$pid"/smaps_rollup) MiB) with $((lines > 0 ? lines - 1 : 0)) Jobs and $((clines > 0 ? clines - 1 : 0)) CronJobs"
echo "jobctl get jobs: $get ms; jobctl get cronjobs: $cget ms"
c0=$(awk '{ print $14 + $15 }' /proc/"$pid"/stat)
w0=$(awk '/^voluntary_ctxt_switches/ { v = $2 } /^nonvoluntary_ctxt_switches/ { v += $2 } END { print v }' /proc/"$pid"/status)
sleep "$idle"
c1=$(awk '{ print $14 + $15 }' /proc/"$pid"/stat)
w1=$(awk '/^voluntary_ctxt_switches/ { v = $2 } /^nonvoluntary_ctxt_switches/ { v += $2 } END { print v }' /proc/"$pid"/status)
awk -v t=$((c1 - c0)) -v hz="$tck" -v s="$idle" -v w=$((w1 - w0)) 'BEGIN {
        printf "idle %d s: %d wake-up(s) (context switches), CPU %.0f ms: %.2f CPU s per idle hour\n", s, w, t * 1000 / hz, t / hz * 3600 / s }'
systemctl --user stop jobsd
