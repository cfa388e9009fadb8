#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The start's batch of record files (state_file_batch_commit(), docs/guarantees.md) when its commit fails:
# a preloaded test aid (fail-renameat.so) makes the rename of one new Job's file fail with EIO, and with it
# the rest of the batch. Each new Job whose file was not made takes its manifest copy again and saves on
# its own: no pod starts before its record is on disk, none runs twice, and a change made to the manifests
# while jobsd is stopped afterwards is refused from the copy, as for any Job. On a real systemd user
# manager (tests/integration/sandbox.sh). About 5 s.
# Usage: test-batch-fault.sh BUILD_DIR
set -u
build=${1:?build directory}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/sandbox.sh"
. "$here/lib.sh"

JOBSD=$build/supervisor/jobsd
JOBCTL=$build/supervisor/jobctl
preload=$build/tests/fail-renameat.so
sandbox_start_tap
manifests=$SANDBOX_DIR/manifests
state=$SANDBOX_DIR/state
mkdir -p "$manifests" "$state"

job() {         # NAME SUSPEND
        cat > "$manifests/$1.yaml" <<YAML
apiVersion: batch/v1
kind: Job
metadata: {name: $1}
spec:
  suspend: $2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sleep, "300"]}]
YAML
}
prop() {        # DESCRIPTION EXPECTED GOT [DIAGNOSTIC LINES…]
        if [ "$2" = "$3" ]; then ok "$1 ($3)"; else not_ok "$1" "expected '$2', got '$3'" "${@:4}"; fi
}
files() { ls "$state/jobs/" 2>/dev/null | grep -E '^default_(run|held|other)\.' | sort | paste -sd' '; }
trail() { sandbox_journal -o cat | grep -E 'fail-renameat|run|held|other|batch|cannot' | tail -20; }

# Three new Jobs (two that run a pod, one suspended) in an empty state directory: one batch at start.
job run false
job other false
job held true
start_jobsd -E LD_PRELOAD="$preload" -E JOBSD_TEST_FAIL_RENAMEAT=default_run.state
until_true 20 '[ "$(field run active)" = 1 ] && [ "$(field other active)" = 1 ] && jobctl get job held'
prop "the batch's rename of run's record file failed (the test aid ran)" 1 \
        "$(sandbox_journal -o cat | grep -c 'fail-renameat: failing renameat() to default_run.state')" "$(trail)"
prop "jobsd reported the batch's failure, once" 1 \
        "$(sandbox_journal -t jobsd -o cat | grep -c 'cannot save the state of the Jobs loaded to .*: Input/output error')" "$(trail)"
prop "every Job's record file was made all the same" "default_held.state default_other.state default_run.state" \
        "$(files)" "$(trail)"
prop "each running Job started one pod, the suspended one none" "1 1 0" \
        "$(pods_created run) $(pods_created other) $(pods_created held)" "$(trail)"
prop "the pod whose record could not be saved was not counted: run active 1, succeeded 0, failed 0" "1 0 0" \
        "$(field run active) $(field run succeeded) $(field run failed)" "$(jobctl describe job run 2>&1)"

# The copies are in those files: a command changed while jobsd is stopped is refused for every Job.
stop_jobsd
sed -i 's/"300"/"301"/' "$manifests"/*.yaml
start_jobsd
until_true 20 '[ "$(sandbox_journal -t jobsd -o cat | grep -c "spec.template: Invalid value: field is immutable")" -ge 3 ]'
for j in run other held; do
        prop "$j: the change made while jobsd was stopped is refused from the copy in its record file" 1 \
                "$(sandbox_journal -t jobsd -o cat | grep -c "Job $j: spec.template: Invalid value: field is immutable")" "$(trail)"
done
prop "after the restart, the running Jobs still have their one pod each" "1 1 1 1 0" \
        "$(field run active) $(field other active) $(pods_created run) $(pods_created other) $(pods_created held)" "$(trail)"

rm -f "$manifests"/*.yaml
units() { systemctl --user list-units --all --no-legend --plain 'jobsd-default_*' 2>/dev/null | awk '{ print $1 }' | grep -F .service; }
until_true 30 '[ -z "$(units)" ]'
prop "the pods' units are gone once the manifests are removed" "" "$(units | paste -sd' ')"
stop_jobsd
check_no_sanitizer_report
echo "1..$n"
[ $failed = 0 ]
