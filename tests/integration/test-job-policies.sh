#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The Job semantics of spec §3.6–§3.13 on a real systemd user manager (tests/integration/sandbox.sh):
# podFailurePolicy, successPolicy, per-index back-off, suspend/resume, TTL, scaling, deletion; one TAP line
# per §6 scenario (numbers in the names). B = 250 ms. Usage: test-job-policies.sh BUILD_DIR
set -u
build=${1:?build directory}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/sandbox.sh"
. "$here/lib.sh"

JOBSD=$build/supervisor/jobsd
JOBCTL=$build/supervisor/jobctl
sandbox_start_tap
manifests=$SANDBOX_DIR/manifests
state=$SANDBOX_DIR/state
work=$SANDBOX_DIR/work          # host files the pods use to behave differently per run
mkdir -p "$manifests" "$state" "$work"

cp "$here/manifests/job-pod-failure-policy-example.yaml" "$manifests/"
# Pods count their runs: "sh WORK/next NAME" prints 1, 2, 3 … (one run at a time per NAME).
cat > "$work/next" <<'SH'
f=$(dirname "$0")/count-$1; n=$(( $(cat "$f" 2>/dev/null || echo 0) + 1 )); echo $n > "$f"; echo $n
SH
cat > "$manifests/policies.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: s14-disruption-ignored}
spec:
  completions: 1
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox
        command: [sh, -c, 'n=$(sh WORK/next s14); [ $n -ge 2 ] && exit 0; sleep 60']
  podFailurePolicy:
    rules:
    - {action: FailJob, onExitCodes: {containerName: main, operator: In, values: [42]}}
    - action: Ignore
      onPodConditions: [{type: DisruptionTarget}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: s14-disruption-counted}
spec:
  completions: 1
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox
        command: [sh, -c, 'n=$(sh WORK/next s14c); [ $n -ge 2 ] && exit 0; sleep 60']
  podFailurePolicy:
    rules:
    - {action: FailJob, onExitCodes: {containerName: main, operator: In, values: [42]}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: s15-ignore-exit-code}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox
        command: [sh, -c, 'n=$(sh WORK/next s15); [ $n -ge 3 ] && exit 0; exit 3']
  podFailurePolicy:
    rules:
    - {action: Ignore, onExitCodes: {operator: In, values: [3]}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: s16-failjob-notin}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox
        command: [sh, -c, 'n=$(sh WORK/next s16); exit $n']
  podFailurePolicy:
    rules:
    - {action: FailJob, onExitCodes: {operator: NotIn, values: [1]}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: s21-per-index}
spec:
  completionMode: Indexed
  completions: 6
  parallelism: 6
  backoffLimitPerIndex: 1
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox
        command: [sh, -c, 'case $JOB_COMPLETION_INDEX in 1|2) exit 1;; esac']
---
apiVersion: batch/v1
kind: Job
metadata: {name: s22-max-failed-indexes}
spec:
  completionMode: Indexed
  completions: 10
  parallelism: 2
  backoffLimitPerIndex: 0
  maxFailedIndexes: 1
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox
        command: [sh, -c, 'case $JOB_COMPLETION_INDEX in 0) exit 1;; 1) sleep 1; exit 1;; esac; sleep 30']
---
apiVersion: batch/v1
kind: Job
metadata: {name: s23-fail-index}
spec:
  completionMode: Indexed
  completions: 4
  parallelism: 4
  backoffLimitPerIndex: 3
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox
        command: [sh, -c, '[ $JOB_COMPLETION_INDEX = 2 ] && exit 42; exit 0']
  podFailurePolicy:
    rules:
    - {action: FailIndex, onExitCodes: {operator: In, values: [42]}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: s24-success-indexes}
spec:
  completionMode: Indexed
  completions: 5
  parallelism: 5
  successPolicy:
    rules: [{succeededIndexes: "0"}]
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 2
      containers:
      - name: main
        image: busybox
        command: [sh, -c, '[ $JOB_COMPLETION_INDEX = 0 ] && { sleep 1; exit 0; }; sleep 300']
---
apiVersion: batch/v1
kind: Job
metadata: {name: s25-success-count}
spec:
  completionMode: Indexed
  completions: 5
  parallelism: 5
  successPolicy:
    rules: [{succeededCount: 2}]
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 2
      containers:
      - name: main
        image: busybox
        command: [sh, -c, 'case $JOB_COMPLETION_INDEX in 0|1) sleep 1; exit 0;; esac; sleep 300']
---
apiVersion: batch/v1
kind: Job
metadata: {name: s26-created-suspended}
spec:
  suspend: true
  template:
    spec:
      restartPolicy: Never
      containers: [{name: main, image: busybox, command: ["true"]}]
YAML
sed -i "s|WORK/|$work/|g" "$manifests/policies.yaml"
cat > "$work/s29.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: s29-scale-down}
spec:
  completions: 4
  parallelism: 3
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 2
      containers: [{name: main, image: busybox, command: [sleep, "3"]}]
YAML
cat > "$work/s27.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: s27-suspend-running}
spec:
  completions: 2
  parallelism: 2
  activeDeadlineSeconds: 8
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 2
      containers: [{name: main, image: busybox, command: [sleep, "4"]}]
YAML
cat > "$work/s28.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: s28-ttl}
spec:
  ttlSecondsAfterFinished: 4
  template:
    spec:
      restartPolicy: Never
      containers: [{name: main, image: busybox, command: [echo, ttl-ran]}]
YAML

t_start=$(date +%s.%N)
start_jobsd

# 13: the seed's FailJob rule on exit code 42: three pods ran, none replaced.
if check job-pod-failure-policy-example Failed PodFailurePolicy 0 3 3 &&
   jobctl get job job-pod-failure-policy-example -o yaml | grep -Eq 'message: "?Container main for pod default/job-pod-failure-policy-example-[0-9]+ failed with exit code 42 matching FailJob rule at index 0'; then
        ok "13 FailJob: the condition's message names the container, the pod, the exit code and the rule"
else
        not_ok "13 FailJob: the condition's message" "$(jobctl get job job-pod-failure-policy-example -o yaml | grep message:)"
fi

# 14: a disruption — the manager loses the pod's unit while jobsd is down (as at a reboot) — gives the
# pod DisruptionTarget: Ignore'd by the first Job's rule, counted by the second's.
until_true 20 systemctl --user is-active -q jobsd-default_s14-disruption-ignored_0_0_main.service
until_true 20 systemctl --user is-active -q jobsd-default_s14-disruption-counted_0_0_main.service
stop_jobsd
systemctl --user stop jobsd-default_s14-disruption-ignored_0_0_main.service jobsd-default_s14-disruption-counted_0_0_main.service
start_jobsd
check s14-disruption-ignored Complete CompletionsReached 1 0 2
check s14-disruption-counted Complete CompletionsReached 1 1 2
if jobctl get pods -l job-name=s14-disruption-counted | grep -q DisruptionTarget; then
        ok "14 get pods shows the disrupted pod as DisruptionTarget"
else
        not_ok "14 get pods shows the disrupted pod as DisruptionTarget" "$(jobctl get pods -l job-name=s14-disruption-counted)"
fi

check s15-ignore-exit-code Complete CompletionsReached 1 0 3
check s16-failjob-notin Failed PodFailurePolicy 0 2 2

check s21-per-index Failed FailedIndexes 4 4 8
if [ "$(field s21-per-index failedIndexes)" = "1,2" ] && [ "$(field s21-per-index completedIndexes)" = "0,3-5" ]; then
        ok "21 failedIndexes 1,2, completedIndexes 0,3-5"
else
        not_ok "21 failedIndexes 1,2, completedIndexes 0,3-5" "$(field s21-per-index failedIndexes) / $(field s21-per-index completedIndexes)"
fi
# Kubernetes batches pod events for 1 s, so two pods failing together are seen together (spec: pods 2);
# jobsd sees each exit at once. Here index 0 fails at once, index 1 a second later: index 2 starts in
# between and is terminated, counted failed, when the second failed index exceeds the limit; as on
# Kubernetes, a pod stopped because the Job failed does not add its index to failedIndexes (spec §3.7).
check s22-max-failed-indexes Failed MaxFailedIndexesExceeded 0 3 3
if [ "$(field s22-max-failed-indexes failedIndexes)" = "0,1" ]; then ok "22 failedIndexes 0,1"; else not_ok "22 failedIndexes 0,1" "$(field s22-max-failed-indexes failedIndexes)"; fi
check s23-fail-index Failed FailedIndexes 3 1 4
if [ "$(field s23-fail-index failedIndexes)" = "2" ] && [ "$(field s23-fail-index completedIndexes)" = "0,1,3" ]; then
        ok "23 FailIndex: failedIndexes 2, completedIndexes 0,1,3"
else
        not_ok "23 FailIndex: failedIndexes 2, completedIndexes 0,1,3" "$(field s23-fail-index failedIndexes) / $(field s23-fail-index completedIndexes)"
fi

check s24-success-indexes Complete SuccessPolicy 1 0 5
if [ "$(field s24-success-indexes completedIndexes)" = 0 ] &&
   condition s24-success-indexes | grep -q 'type:SuccessCriteriaMet' &&
   jobctl get job s24-success-indexes -o yaml | grep -q 'message: "\{0,1\}Matched rules at index 0' &&
   ! systemctl --user list-units --no-legend 'jobsd-default_s24-*' | grep -q running; then
        ok "24 successPolicy: SuccessCriteriaMet, 'Matched rules at index 0', the other pods stopped"
else
        not_ok "24 successPolicy details" "$(condition s24-success-indexes)"
fi
check s25-success-count Complete SuccessPolicy 2 0 5
if [ "$(field s25-success-count completedIndexes)" = "0,1" ]; then ok "25 completedIndexes 0,1"; else not_ok "25 completedIndexes 0,1" "$(field s25-success-count completedIndexes)"; fi

# 26: created suspended: no pod, no startTime, Suspended; resumed by jobctl: runs, Complete.
st=$(jobctl get jobs s26-created-suspended | awk 'NR == 2 { print $2 }')
if [ "$st" = Suspended ] && [ "$(pods_created s26-created-suspended)" = 0 ] &&
   ! jobctl get job s26-created-suspended -o json | grep -q '"startTime"' &&
   condition s26-created-suspended | grep -q 'reason:JobSuspended type:Suspended'; then
        ok "26 created suspended: STATUS Suspended, no pod, no startTime, Suspended=True JobSuspended"
else
        not_ok "26 created suspended" "status $st, pods $(pods_created s26-created-suspended), $(condition s26-created-suspended)"
fi
out=$(jobctl resume job s26-created-suspended)
if [ "$out" = "job.batch/s26-created-suspended resumed" ] && check s26-created-suspended Complete CompletionsReached 1 0 1 &&
   jobctl describe job s26-created-suspended | grep -q 'Suspended' &&
   jobctl describe job s26-created-suspended | grep -q 'Resumed'; then
        ok "26 resume: JobResumed, events Suspended and Resumed, then Complete"
else
        not_ok "26 resume" "$out; $(jobctl describe job s26-created-suspended | tail -8)"
fi

# 27: suspended while running: both pods stopped uncounted; resumed: two new pods; the deadline (8 s)
# counts from the resume.
cp "$work/s27.yaml" "$manifests/"
until_true 20 'test "$(field s27-suspend-running active)" = 2'
sleep 1
jobctl suspend job s27-suspend-running >/dev/null
until_true 10 'test "$(field s27-suspend-running active)" = 0'
st=$(jobctl get jobs s27-suspend-running | awk 'NR == 2 { print $2 }')
sleep 5         # past the first start + 8 s if the deadline were not paused
jobctl resume job s27-suspend-running >/dev/null
if [ "$st" = Suspended ] && check s27-suspend-running Complete CompletionsReached 2 0 4; then
        ok "27 suspend while running: pods stopped uncounted, resumed, deadline restarted"
else
        not_ok "27 suspend while running" "status while suspended: $st"
fi

# 28: ttlSecondsAfterFinished 4: gone ~4 s after Complete, and not run again while the file is unchanged.
cp "$work/s28.yaml" "$manifests/"
until_true 10 'jobctl get job s28-ttl'
# The times are jobsd's own (its journal lines): a test slowed by a loaded machine may see the Complete
# late, but the TTL counts from the completion.
ttl_span() {    # seconds from the Job's Completed event to its TTL deletion, from jobsd's journal
        sandbox_journal -t jobsd -o short-unix | awk '
                / default\/s28-ttl: Completed: / { c = $1 }
                / default\/s28-ttl: ttlSecondsAfterFinished \(4 s\) passed/ { d = $1 }
                END { if (c != "" && d != "") printf "%.2f", d - c }'
}
if wait_for s28-ttl Complete 30s && until_true 10 '! jobctl get job s28-ttl' &&
   span=$(ttl_span) && [ -n "$span" ] && awk -v s="$span" 'BEGIN { exit !(s >= 3.5 && s < 10) }'; then
        ok "28 ttlSecondsAfterFinished 4: deleted ${span} s after Complete"
else
        not_ok "28 ttlSecondsAfterFinished 4: deleted about 4 s after Complete" "span: '${span:-}'" \
                "$(sandbox_journal -t jobsd -o short-unix | grep 's28-ttl' | tail -6)"
fi
stop_jobsd; start_jobsd; sleep 1
if ! jobctl get job s28-ttl >/dev/null 2>&1 && [ "$(pods_created s28-ttl)" = 1 ] &&
   sandbox_journal -t s28-ttl -o cat | grep -q ttl-ran; then
        ok "28 after a restart the TTL-deleted Job stays deleted; its run is still in the journal"
else
        not_ok "28 after a restart the TTL-deleted Job stays deleted" "pods $(pods_created s28-ttl)"
fi

# describe names the rule that decided each failed pod (finished pods are kept in memory: this Job runs
# after the last restart of jobsd above).
sed -e 's/s15-ignore-exit-code/s15-describe/' -e 's/next s15)/next s15d)/' "$manifests/policies.yaml" |
        awk 'BEGIN { RS = "---\n"; ORS = "" } /s15-describe/ { print }' > "$manifests/describe.yaml"
if check s15-describe Complete CompletionsReached 1 0 3 &&
   [ "$(jobctl describe job s15-describe | grep -c 'rule 0 (Ignore)')" = 2 ]; then
        ok "15 describe: both failed pods were decided by rule 0 (Ignore)"
else
        not_ok "15 describe: both failed pods were decided by rule 0 (Ignore)" "$(jobctl describe job s15-describe | grep -A3 'Pod Failure')"
fi

# 29: scale down from 3 to 1 while running: 2 pods deleted uncounted; 4 completions still reached.
cp "$work/s29.yaml" "$manifests/"
until_true 20 'test "$(field s29-scale-down active)" = 3'
sed -i 's/parallelism: 3/parallelism: 1/' "$work/s29.yaml"
jobctl apply -f "$work/s29.yaml" --manifest-dir="$manifests" >/dev/null
check s29-scale-down Complete CompletionsReached 4 0 6

# 30/31 (background and foreground deletion) are in test-jobsd.sh. Orphan: the pod runs on, unmanaged.
printf 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: s30-orphan}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: x, command: [sleep, "30"]}]\n' > "$manifests/orphan.yaml"
until_true 20 systemctl --user is-active -q jobsd-default_s30-orphan_0_0_c.service
jobctl delete job s30-orphan --cascade=orphan >/dev/null
sleep 1
if ! jobctl get job s30-orphan >/dev/null 2>&1 && systemctl --user is-active -q jobsd-default_s30-orphan_0_0_c.service; then
        ok "delete --cascade=orphan: the Job is gone, its pod runs on"
else
        not_ok "delete --cascade=orphan: the Job is gone, its pod runs on"
fi
# 32: a Job with manualSelector matching the orphan's labels does not adopt it: it says so and runs its own pod.
cat > "$manifests/adopter.yaml" <<YAML
apiVersion: batch/v1
kind: Job
metadata: {name: s32-adopter}
spec:
  manualSelector: true
  selector:
    matchLabels: {batch.kubernetes.io/job-name: s30-orphan}
  template:
    metadata:
      labels: {batch.kubernetes.io/job-name: s30-orphan}
    spec:
      restartPolicy: Never
      containers: [{name: c, image: x, command: ["true"]}]
YAML
until_true 10 'jobctl get job s32-adopter'
if check s32-adopter Complete CompletionsReached 1 0 1 &&
   sandbox_journal -t jobsd -o cat | grep -q 'default/s32-adopter: spec.manualSelector: jobsd does not adopt pods' &&
   systemctl --user is-active -q jobsd-default_s30-orphan_0_0_c.service; then
        ok "32 adoption refused: a clear message; the new Job runs its own pod, the orphan runs on"
else
        not_ok "32 adoption refused: a clear message; the new Job runs its own pod" "$(sandbox_journal -t jobsd -o cat | grep -E "s32|s30|adopter" | tail -6)" "orphan: $(systemctl --user is-active jobsd-default_s30-orphan_0_0_c.service)"
fi
systemctl --user stop jobsd-default_s30-orphan_0_0_c.service

stop_jobsd
check_no_sanitizer_report
echo "# whole run: $(since "$t_start") s"
echo "1..$n"
[ $failed = 0 ]
