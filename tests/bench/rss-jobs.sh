#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# jobsd's resident memory with N Jobs loaded (default 1000), on a sandboxed user manager. The Jobs are
# managed by another controller (spec.managedBy), so jobsd loads, indexes and serves them but starts no
# pods: this measures jobsd's own cost per loaded Job. Its first start writes each Job's record (with a
# copy of the manifest, fsync'd); the restart after it reads them.
#   tests/bench/rss-jobs.sh [BUILD_DIR] [N]
set -eu
build=$(realpath "${1:-build}")
n=${2:-1000}
. "$(dirname "$0")/../integration/sandbox.sh"
sandbox_start
mkdir -p "$SANDBOX_DIR/m" "$SANDBOX_DIR/s"
for i in $(seq "$n"); do
        printf 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: j%d}\nspec:\n  managedBy: example.com/other\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: x, command: [sh, -c, "echo %d"]}]\n' "$i" "$i" > "$SANDBOX_DIR/m/j$i.yaml"
done
t0=$(date +%s%N)
systemd-run --user --quiet --unit=jobsd -p Type=notify "$build/supervisor/jobsd" --user \
        --manifest-dir="$SANDBOX_DIR/m" --state-dir="$SANDBOX_DIR/s"
t1=$(date +%s%N)
pid=$(systemctl --user show -p MainPID --value jobsd)
rss=$(awk '/^VmRSS/ { print $2 }' /proc/"$pid"/status)
hwm=$(awk '/^VmHWM/ { print $2 }' /proc/"$pid"/status)
split=$(awk '/^Rss(Anon|File|Shmem):/ { printf "%s%s %.1f MiB", sep, substr($1, 4, length($1) - 4), $2 / 1024; sep = ", " }' /proc/"$pid"/status)
pss=$(awk '$1 == "Pss:" { printf "%.1f", $2 / 1024 }' /proc/"$pid"/smaps_rollup)
jobs=$(busctl --user call io.jobsd /io/jobsd io.jobsd.Manager1 ListJobs | awk '{ print $2 }')
systemctl --user stop jobsd
# A restart: the records are on disk now, so it only reads them.
t2=$(date +%s%N)
systemd-run --user --quiet --unit=jobsd -p Type=notify "$build/supervisor/jobsd" --user \
        --manifest-dir="$SANDBOX_DIR/m" --state-dir="$SANDBOX_DIR/s"
t3=$(date +%s%N)
echo "jobsd with $jobs Jobs loaded: VmRSS $((rss / 1024)).$(( (rss % 1024) * 10 / 1024 )) MiB, peak $((hwm / 1024)).$(( (hwm % 1024) * 10 / 1024 )) MiB ($split: the file part is mostly the shared libraries' pages; PSS, those shared pages divided among their users, $pss MiB); start to ready $(( (t1 - t0) / 1000000 )) ms (each Job's record and manifest copy written), restart to ready $(( (t3 - t2) / 1000000 )) ms"
systemctl --user stop jobsd
