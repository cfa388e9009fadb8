#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A restart with C CronJobs (default 1000, a yearly schedule), on a sandboxed user manager: their
# transient timers outlive jobsd, so the restarted jobsd finds each one loaded. Prints jobsd's wake-ups
# and CPU per 5 s until a quiet window (at most two minutes), then how many timers are active and how
# many CronJobs gave up making theirs; the start and stop times. Figures only, no verdict.
#   tests/bench/cron-restart.sh [BUILD_DIR] [C]
set -eu
build=$(realpath "${1:-build}")
c=${2:-1000}
. "$(dirname "$0")/../integration/sandbox.sh"
sandbox_start
mkdir -p "$SANDBOX_DIR/m" "$SANDBOX_DIR/s"
for i in $(seq "$c"); do
        printf 'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c%d}\nspec:\n  schedule: "0 0 1 1 *"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers: [{name: c, image: x, command: [/bin/true]}]\n' "$i" > "$SANDBOX_DIR/m/c$i.yaml"
done
start() {
        systemd-run --user --quiet --unit=jobsd -p Type=notify -p TimeoutStartSec=600 "$build/supervisor/jobsd" --user \
                --manifest-dir="$SANDBOX_DIR/m" --state-dir="$SANDBOX_DIR/s"
        pid=$(systemctl --user show -p MainPID --value jobsd)
}
timers() { systemctl --user list-units "$@" 'jobsd-cron_*.timer' --no-legend | wc -l; }
wakeups() { awk '/ctxt_switches/ { v += $2 } END { print v }' /proc/"$pid"/status; }
stop() { # prints how long `systemctl stop jobsd` took
        local t0 t1
        t0=$(date +%s%N); systemctl --user stop jobsd; t1=$(date +%s%N)
        echo "$(( (t1 - t0) / 1000000 )) ms"
}
t0=$(date +%s%N); start; t1=$(date +%s%N)
echo "first start to READY: $(( (t1 - t0) / 1000000 )) ms"
sleep 3
echo "stop: $(stop)"
echo "$c CronJobs; timers loaded after the first run: $(timers --all)"
t0=$(date +%s%N); start; t1=$(date +%s%N)
echo "restart to READY: $(( (t1 - t0) / 1000000 )) ms"
w0=$(wakeups)
for t in $(seq 5 5 120); do
        sleep 5
        w1=$(wakeups)
        echo "after $t s: $((w1 - w0)) wake-ups in 5 s, jobsd CPU $(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / hz }' /proc/"$pid"/stat) s"
        [ "$w1" = "$w0" ] && break
        w0=$w1
done
echo "timers active: $(timers --state=active), CronJobs that gave up: $(sandbox_journal -o cat | grep -c 'cannot make its timer' || true)"
echo "stop: $(stop)"
