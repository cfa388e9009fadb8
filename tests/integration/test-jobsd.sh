#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# jobsd against a real systemd user manager (tests/integration/sandbox.sh): examples/pi.yaml, the batch
# patterns of tests/integration/manifests/ and the spec §6 scenarios of the supervisor issue, each one TAP
# line. Usage: test-jobsd.sh BUILD_DIR
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
mkdir -p "$manifests" "$state"

# The project's pi example, the batch patterns (tests/integration/manifests/: hello world, parallel
# completions, failures with back-off, a podFailurePolicy, an image-only container, an Indexed Job whose
# init container writes into an emptyDir the worker reads) and the §6 scenarios, all at once: they run in
# parallel.
cp "$here/../../examples/pi.yaml" "$here"/manifests/*.yaml "$manifests/"
cat > "$manifests/scenarios.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: s07-backoff-zero}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sh, -c, "exit 1"]}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: s08-onfailure}
spec:
  backoffLimit: 3
  template:
    spec:
      restartPolicy: OnFailure
      containers: [{name: c, image: busybox, command: [sh, -c, "exit 1"]}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: s09-onfailure-then-ok}
spec:
  template:
    spec:
      restartPolicy: OnFailure
      volumes: [{name: state, emptyDir: {}}]
      containers:
      - name: c
        image: busybox
        command: [sh, -c, "n=$(cat /state/n 2>/dev/null || echo 0); echo $((n+1)) > /state/n; [ $n -ge 2 ]"]
        volumeMounts: [{name: state, mountPath: /state}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: s10-deadline}
spec:
  activeDeadlineSeconds: 3
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 2
      containers: [{name: c, image: busybox, command: [sleep, "300"]}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: s18-work-queue}
spec:
  parallelism: 3
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sh, -c, "sleep 1; exit 0"]}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: s20-indexed}
spec:
  completionMode: Indexed
  completions: 3
  parallelism: 3
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: c
        image: busybox
        command: [sh, -c, "echo index $JOB_COMPLETION_INDEX on $(hostname); sleep 0.5"]
YAML

printf 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: journal-unit}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: x, command: [sh, -c, "echo journal-line; sleep 1"]}]\n' > "$manifests/journal-unit.yaml"

# Scenario 19 needs pods that behave differently: the first to take a lock on a host directory succeeds.
mkdir -p "$SANDBOX_DIR/shared"
cat >> "$manifests/scenarios.yaml" <<YAML
---
apiVersion: batch/v1
kind: Job
metadata: {name: s11-deadline-retries}
spec:
  activeDeadlineSeconds: 3
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sh, -c, "sleep 1; exit 1"]}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: s12-pod-deadline}
spec:
  backoffLimit: 1
  template:
    spec:
      restartPolicy: Never
      activeDeadlineSeconds: 2
      containers: [{name: c, image: busybox, command: [sleep, "60"]}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: s19-work-queue-failure}
spec:
  parallelism: 2
  template:
    spec:
      restartPolicy: Never
      volumes: [{name: shared, hostPath: {path: $SANDBOX_DIR/shared, type: Directory}}]
      containers:
      - name: c
        image: busybox
        command: [sh, -c, "if mkdir /shared/first 2>/dev/null; then sleep 2; exit 0; else sleep 5; exit 1; fi"]
        volumeMounts: [{name: shared, mountPath: /shared}]
YAML

t0=$(date +%s.%N)
start_jobsd
# Time from the manifests' arrival to the first pod's unit: measured for the closing note.
for i in $(seq 200); do
        systemctl --user list-units --all 'jobsd-default_*' --no-legend 2>/dev/null | grep -q . && break
        sleep 0.01
done
t1=$(date +%s.%N)
echo "# first pod unit $(echo "($t1 - $t0) * 1000" | bc 2>/dev/null || echo '?') ms after jobsd was started"

check pi Complete CompletionsReached 1 0
if jobctl logs pi | grep -q '^3\.14159265358979323846264338327950288419716939937510'; then
        ok "pi: jobctl logs prints the digits of pi"
else
        not_ok "pi: jobctl logs prints the digits of pi" "$(jobctl logs pi 2>&1 | head -3)"
fi
check job-hello-world Complete CompletionsReached 1 0
check batch-process-job Complete CompletionsReached 1 0
check job-comple-parallel Complete CompletionsReached 8 0
check s07-backoff-zero Failed BackoffLimitExceeded 0 1
check s08-onfailure Failed BackoffLimitExceeded 0 1
check s09-onfailure-then-ok Complete CompletionsReached 1 0
check s10-deadline Failed DeadlineExceeded 0 1
check s18-work-queue Complete CompletionsReached 3 0
check s20-indexed Complete CompletionsReached 3 0
if [ "$(field s20-indexed completedIndexes)" = "0-2" ] &&
   [ "$(jobctl logs s20-indexed --index 1)" = "index 1 on $(hostname)" ]; then
        ok "s20-indexed: completedIndexes 0-2, JOB_COMPLETION_INDEX in the pod, logs by index"
else
        not_ok "s20-indexed: completedIndexes and logs by index" "$(field s20-indexed completedIndexes)" "$(jobctl logs s20-indexed --index 1)"
fi
check s12-pod-deadline Failed BackoffLimitExceeded 0 2
check s19-work-queue-failure Complete CompletionsReached 1 1
if wait_for s11-deadline-retries Failed 30s && condition s11-deadline-retries | grep -q reason:DeadlineExceeded &&
   [ "$(field s11-deadline-retries failed)" -ge 2 ]; then
        ok "s11-deadline-retries: DeadlineExceeded after retries, failed $(field s11-deadline-retries failed)"
else
        not_ok "s11-deadline-retries: DeadlineExceeded after retries" "$(condition s11-deadline-retries)"
fi
check indexed-job Complete CompletionsReached 5 0
if [ "$(jobctl logs indexed-job | sort | tr '\n' ' ')" = "oof rab xuq zab zyx " ]; then
        ok "indexed-job: init containers and a shared emptyDir; \${...} reaches the shell unexpanded by systemd"
else
        not_ok "indexed-job: init containers, emptyDir, \${...} left to the shell" "$(jobctl logs indexed-job | tr '\n' ' ')"
fi
if sandbox_journal -t jobsd | grep -q "batch-job: FailedCreate: Error creating: container 'main' has no command or args"; then
        ok "batch-job (image only): a clear FailedCreate event, no crash"
else
        not_ok "batch-job (image only): a clear FailedCreate event, no crash"
fi
check abnormal-end-two Failed BackoffLimitExceeded 0 3
check abnormal-end Failed BackoffLimitExceeded 0 7

# abnormal-end: retries wait B, 2B, 4B … after each failure (B = 250 ms, each pod runs 5 s).
gaps=$(sandbox_journal -o short-unix -t jobsd | grep 'abnormal-end: SuccessfulCreate' | awk '{print $1}' |
       awk 'NR > 1 { printf "%.1f ", $1 - p - 5 } { p = $1 }')
expected="0.2 0.5 1.0 2.0 4.0 8.0"
ok_gaps=1
i=0
for g in $gaps; do
        i=$((i + 1))
        e=$(echo "$expected" | cut -d' ' -f$i)
        awk -v g="$g" -v e="$e" 'BEGIN { exit !(g >= e - 0.3 && g <= e + 1.0) }' || ok_gaps=0
done
[ "$i" = 6 ] || ok_gaps=0
if [ $ok_gaps = 1 ]; then ok "abnormal-end: back-off gaps $gaps(s) after each 5 s pod"; else not_ok "abnormal-end: back-off gaps" "got: $gaps" "expected about: $expected"; fi

# podFailurePolicy is the Job semantics issue; here the seed must at least load and run.
if jobctl get jobs | grep -q '^job-pod-failure-policy-example '; then ok "job-pod-failure-policy-example: loaded"; else not_ok "job-pod-failure-policy-example: loaded"; fi

# systemctl and journalctl show the pods as documented. (In the sandbox journald sees the user manager at
# the root of its cgroup namespace and attaches _SYSTEMD_UNIT=; under a real user manager it is
# _SYSTEMD_USER_UNIT=.)
# journald attributes a line to a unit only if the process is still alive when it reads the line: the
# pod of journal-unit lives on for a second after its output.
wait_for journal-unit Complete 30s
if sandbox_journal -t journal-unit | grep -q 'journal-line' &&
   sandbox_journal _SYSTEMD_USER_UNIT=jobsd-default_journal-unit_0_0_c.service + \
        _SYSTEMD_UNIT=jobsd-default_journal-unit_0_0_c.service | grep -q 'journal-line'; then
        ok "journalctl selects pod output by SyslogIdentifier= and by unit"
else
        not_ok "journalctl selects pod output by SyslogIdentifier= and by unit"
fi
if sandbox_journal -t jobsd -o verbose MESSAGE_ID=360e09e25bb257c0c6110951262dc970 | grep -q 'REASON=Completed' &&
   sandbox_journal -t jobsd -o verbose MESSAGE_ID=5146f3592ab4bb3647aa7e5a21103dbe | grep -q 'REASON=SuccessfulCreate'; then
        ok "events are structured journal entries with REASON= and a MESSAGE_ID= per reason"
else
        not_ok "events are structured journal entries with REASON="
fi

# The API as docs/dbus-api-*.xml documents it.
src=$(cd "$here/../.." && pwd)
if diff -q <(busctl --user introspect --xml-interface io.jobsd /io/jobsd) "$src/docs/dbus-api-manager.xml" >/dev/null &&
   diff -q <(busctl --user introspect --xml-interface io.jobsd /io/jobsd/job/default_5fpi) "$src/docs/dbus-api-job.xml" >/dev/null; then
        ok "the bus API matches its documented introspection XML"
else
        not_ok "the bus API matches its documented introspection XML (regenerate docs/dbus-api-*.xml)" \
                "$(diff <(busctl --user introspect --xml-interface io.jobsd /io/jobsd/job/default_5fpi) "$src/docs/dbus-api-job.xml" | head -5)"
fi

# wait --timeout takes Go durations, as kubectl's.
out=$(jobctl wait job/journal-unit --for=condition=Complete --timeout=1m30s 2>&1); rc=$?
out2=$(jobctl wait job/journal-unit --for=condition=Failed --timeout=0.5s 2>/dev/null); rc2=$?
err3=$(jobctl wait job/journal-unit --for=condition=Complete --timeout=1d 2>&1); rc3=$?
if [ $rc = 0 ] && [ "$out" = "job.batch/journal-unit condition met" ] && [ $rc2 = 1 ] && [ -z "$out2" ] &&
   [ $rc3 = 2 ] && [ "$err3" = "jobctl wait: invalid --timeout '1d': time: unknown unit \"d\" in duration \"1d\"" ]; then
        ok "wait --timeout takes Go durations (1m30s, 0.5s; 1d refused with Go's message, exit 2)"
else
        not_ok "wait --timeout takes Go durations" "rc $rc: $out; rc2 $rc2: $out2; rc3 $rc3: $err3"
fi

# kubectl's NotFound and exit code.
out=$(jobctl get job nosuch 2>&1); rc=$?
if [ $rc = 1 ] && [ "$out" = 'Error from server (NotFound): jobs.batch "nosuch" not found' ]; then
        ok "get job nosuch: NotFound, exit 1"
else
        not_ok "get job nosuch: NotFound, exit 1" "rc $rc: $out"
fi
# A failed command prints nothing on stdout (it printed "{" before the NotFound error).
printf 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: invalid}\nspec:\n  template:\n    spec:\n      restartPolicy: Sometimes\n      containers: [{name: c, image: x, command: ["true"]}]\n' > "$SANDBOX_DIR/invalid.yaml"
out=$(jobctl get job nosuch -o json 2>/dev/null; echo "rc $?"
      jobctl get job nosuch -o yaml 2>/dev/null; echo "rc $?"
      jobctl get cronjob nosuch -o json 2>/dev/null; echo "rc $?"
      jobctl describe job nosuch 2>/dev/null; echo "rc $?"
      jobctl validate "$manifests/pi.yaml" "$SANDBOX_DIR/invalid.yaml" 2>/dev/null; echo "rc $?")
err=$(jobctl get job nosuch -o json 2>&1 >/dev/null)
if [ "$out" = "$(printf 'rc 1\nrc 1\nrc 1\nrc 1\nrc 1')" ] &&
   [ "$err" = 'Error from server (NotFound): jobs.batch "nosuch" not found' ]; then
        ok "a failed command prints nothing on stdout: get job nosuch -o json|yaml, get cronjob, describe, validate"
else
        not_ok "a failed command prints nothing on stdout" "$out; stderr: $err"
fi

# A Job managed by another controller (spec §1.2) is left alone; its record keeps its uid across restarts.
printf 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: elsewhere}\nspec:\n  managedBy: example.com/other\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: x, command: ["true"]}]\n' > "$manifests/elsewhere.yaml"
until_true 10 'jobctl get job elsewhere'
uid_before=$(field elsewhere uid)

# Two running Jobs whose command is changed while jobsd is stopped: the copy of the manifest each was
# made from (kept in its record's file; for frozen-old, turned into the layout before 2026-12-07: a
# plain record and the copy in a file of its own) refuses the change, and each runs on as it was made.
for f in frozen frozen-old; do
        printf 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: %s}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: x, command: [sleep, "60"]}]\n' "$f" > "$manifests/$f.yaml"
done
# And a generateName Job whose activeDeadlineSeconds changes while jobsd is stopped: taken, and its new copy
# (read from the file at the restart, checked to define the Job as it runs) goes into its record's file.
printf 'apiVersion: batch/v1\nkind: Job\nmetadata: {generateName: gen-}\nspec:\n  activeDeadlineSeconds: 3000\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: x, command: [sleep, "60"]}]\n' > "$manifests/gen.yaml"
until_true 10 '[ "$(field frozen active)" = 1 ] && [ "$(field frozen-old active)" = 1 ] && jobctl get jobs | grep -q "^gen-"'
one_file=$(ls "$state/jobs/" | grep -c '^default_frozen\.')
gen=$(jobctl get jobs | awk '/^gen-/ { print $1 }')
until_true 10 "[ \"\$(field $gen active)\" = 1 ]"

# Run once per content: a restarted jobsd does not run finished Jobs again.
stop_jobsd
cp "$manifests/frozen-old.yaml" "$state/jobs/default_frozen-old.manifest"
python3 - "$state/jobs/default_frozen-old.state" <<'PY'
import sys
b = open(sys.argv[1], 'rb').read()
half = len(b) // 2
slots = [b[:half], b[half:]]
newest = max(slots, key=lambda s: int(s[13:33]))
open(sys.argv[1], 'wb').write(newest[82:82 + int(newest[51:61])])
PY
sed -i 's/"60"/"61"/' "$manifests/frozen.yaml" "$manifests/frozen-old.yaml"
sed -i 's/activeDeadlineSeconds: 3000/activeDeadlineSeconds: 3600/' "$manifests/gen.yaml"
start_jobsd
sleep 1
until_true 10 '[ "$(sandbox_journal -t jobsd | grep -c "Job frozen.*: spec.template: Invalid value: field is immutable")" = 2 ]'
if [ "$one_file" = 1 ] && [ "$(sandbox_journal -t jobsd | grep -c "Job frozen: spec.template: Invalid value: field is immutable")" = 1 ] &&
   [ "$(sandbox_journal -t jobsd | grep -c "Job frozen-old: spec.template: Invalid value: field is immutable")" = 1 ] &&
   [ "$(field frozen active)" = 1 ] && [ "$(field frozen-old active)" = 1 ] &&
   [ "$(pods_created frozen)" = 1 ] && [ "$(pods_created frozen-old)" = 1 ]; then
        ok "a command changed while jobsd was stopped is refused from the copy in the record's file (one file per Job), and from the copy's own file of the layout before"
else
        not_ok "a command changed while jobsd was stopped is refused" "files $one_file: $(ls "$state/jobs/" | grep frozen | paste -sd' '); $(sandbox_journal -t jobsd | grep frozen | tail -4)"
fi
until_true 10 "grep -q 'activeDeadlineSeconds: 3600' '$state/jobs/default_$gen.state'"
if [ -n "$gen" ] && [ "$(field "$gen" activeDeadlineSeconds)" = 3600 ] && [ "$(field "$gen" active)" = 1 ] &&
   grep -q 'activeDeadlineSeconds: 3600' "$state/jobs/default_$gen.state" &&
   ! sandbox_journal -t jobsd | grep -q 'changed since the Job was loaded'; then
        ok "a generateName Job's change made while jobsd was stopped is taken, and its new copy saved"
else
        not_ok "a generateName Job's change made while jobsd was stopped" "gen '$gen': $(jobctl get job "$gen" -o yaml | grep -i deadline); $(sandbox_journal -t jobsd | grep gen- | tail -3)"
fi
rm -f "$manifests/gen.yaml"
# A change it may take (activeDeadlineSeconds, the command as it was): the new copy goes into the record's
# file and the copy's own file of the layout before is removed.
printf 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: frozen-old}\nspec:\n  activeDeadlineSeconds: 3600\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: x, command: [sleep, "60"]}]\n' > "$manifests/frozen-old.yaml"
until_true 10 '[ ! -e "$state/jobs/default_frozen-old.manifest" ]'
if [ ! -e "$state/jobs/default_frozen-old.manifest" ] && grep -q 'activeDeadlineSeconds: 3600' "$state/jobs/default_frozen-old.state" &&
   [ "$(field frozen-old active)" = 1 ] && [ "$(pods_created frozen-old)" = 1 ]; then
        ok "a change taken by a Job of the layout before: its copy moves into the record's file, the old file goes"
else
        not_ok "a change taken by a Job of the layout before" "active $(field frozen-old active); $(ls "$state/jobs/" | grep frozen | paste -sd' ')"
fi
rm -f "$manifests/frozen.yaml" "$manifests/frozen-old.yaml"
until_true 10 '! jobctl get job frozen && ! jobctl get job frozen-old'
if [ -n "$uid_before" ] && [ "$(field elsewhere uid)" = "$uid_before" ] && [ "$(pods_created elsewhere)" = 0 ]; then
        ok "a Job managed by another controller: no pod, the same uid after a restart of jobsd"
else
        not_ok "managedBy Job across a restart" "uid before '$uid_before', after '$(field elsewhere uid)', pods $(pods_created elsewhere)"
fi
if [ "$(field pi succeeded)" = 1 ] && [ "$(sandbox_journal -t jobsd | grep -c 'pi: SuccessfulCreate')" = 1 ]; then
        ok "run once: after a restart of jobsd, pi is still Complete and not run again"
else
        not_ok "run once: after a restart of jobsd, pi is still Complete and not run again"
fi
# Its events and its finished pod from before the restart, read back from the journal, each once.
d=$(jobctl describe job pi)
if [ "$(echo "$d" | grep -c 'SuccessfulCreate .*Created pod: pi-')" = 1 ] &&
   [ "$(echo "$d" | grep -c 'Normal   Completed .*Job completed')" = 1 ] &&
   [ "$(jobctl get pods -l job-name=pi | grep -cE '^pi-[^ ]+ +0/1 +Completed ')" = 1 ] &&
   sandbox_journal -t jobsd | grep -q 'finished pod(s) from before this start read back from the journal'; then
        ok "after a restart of jobsd: describe shows the earlier events and get pods the finished pod, once each"
else
        not_ok "after a restart: earlier events and pods" "$(echo "$d" | sed -n '/^Events/,$p')" "$(jobctl get pods -l job-name=pi)"
fi

# Adoption: jobsd stops (SIGTERM) while a pod runs; the pod goes on; a new jobsd counts it.
cat > "$manifests/adopt.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: adopt}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sh, -c, "sleep 3; exit 0"]}]
YAML
for i in $(seq 100); do systemctl --user is-active -q jobsd-default_adopt_0_0_c.service && break; sleep 0.05; done
stop_jobsd
sleep 4         # the pod ends while jobsd is down
start_jobsd
if wait_for adopt Complete 30s && [ "$(field adopt succeeded)" = 1 ] && [ "$(field adopt failed)" = 0 ]; then
        ok "adoption: a pod that ended while jobsd was down is counted once"
else
        not_ok "adoption: a pod that ended while jobsd was down is counted once" "$(jobctl describe job adopt 2>&1 | tail -8)"
fi

# inotify: a removed manifest deletes its Job; rerun runs a finished one again.
rm "$manifests/adopt.yaml"
for i in $(seq 100); do jobctl get job adopt >/dev/null 2>&1 || break; sleep 0.05; done
if ! jobctl get job adopt >/dev/null 2>&1; then ok "a removed manifest deletes its Job"; else not_ok "a removed manifest deletes its Job"; fi
jobctl rerun job job-hello-world >/dev/null
if wait_for job-hello-world Complete 30s && [ "$(sandbox_journal -t job-hello-world | grep -c 'Hello, World')" = 2 ]; then
        ok "rerun: a finished Job runs again"
else
        not_ok "rerun: a finished Job runs again"
fi

# A bad manifest beside good ones: an error in the journal with file:line:column; the others run.
printf 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: bad}\nspec:\n  template:\n    spec:\n      restartPolicy: Sometimes\n      containers: [{name: c, image: x, command: ["true"]}]\n' > "$manifests/bad.yaml"
for i in $(seq 100); do sandbox_journal -t jobsd | grep -q "bad.yaml:7:22" && break; sleep 0.05; done
if sandbox_journal -t jobsd | grep -q "bad.yaml:7:22: spec.template.spec.restartPolicy: Unsupported value"; then
        ok "a bad manifest is reported in the journal as FILE:LINE:COLUMN"
else
        not_ok "a bad manifest is reported in the journal as FILE:LINE:COLUMN" "$(sandbox_journal -t jobsd | tail -3)"
fi

# A running Job takes a new parallelism, but refuses a new command, naming the field.
printf 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: edit}\nspec:\n  parallelism: 1\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: x, command: [sleep, "30"]}]\n' > "$SANDBOX_DIR/edit.yaml"
jobctl apply -f "$SANDBOX_DIR/edit.yaml" --manifest-dir="$manifests" >/dev/null
for i in $(seq 100); do [ "$(field edit active)" = 1 ] && break; sleep 0.05; done
sed -i 's/parallelism: 1/parallelism: 2/' "$SANDBOX_DIR/edit.yaml"
out=$(jobctl apply -f "$SANDBOX_DIR/edit.yaml" --manifest-dir="$manifests")
for i in $(seq 100); do [ "$(field edit active)" = 2 ] && break; sleep 0.05; done
if [ "$out" = "job.batch/edit configured" ] && [ "$(field edit active)" = 2 ]; then
        ok "apply -f: a running Job takes a new parallelism (2 pods now)"
else
        not_ok "apply -f: a running Job takes a new parallelism" "$out; active $(field edit active)"
fi
sed -i 's/sleep, "30"/sleep, "31"/' "$SANDBOX_DIR/edit.yaml"
jobctl apply -f "$SANDBOX_DIR/edit.yaml" --manifest-dir="$manifests" >/dev/null
for i in $(seq 100); do sandbox_journal -t jobsd | grep -q 'Job edit: spec.template: Invalid' && break; sleep 0.05; done
if sandbox_journal -t jobsd | grep -q 'Job edit: spec.template: Invalid value: field is immutable' &&
   [ "$(field edit active)" = 2 ]; then
        ok "a changed command of a running Job is refused, naming spec.template; the Job runs on"
else
        not_ok "a changed command of a running Job is refused, naming spec.template" "$(sandbox_journal -t jobsd | tail -2)"
fi
out=$(jobctl delete -f "$SANDBOX_DIR/edit.yaml" --manifest-dir="$manifests")
for i in $(seq 100); do jobctl get job edit >/dev/null 2>&1 || break; sleep 0.05; done
# Background deletion: the Job goes at once, its units a moment later (stop, then unload).
for i in $(seq 200); do
        systemctl --user list-units --all --no-legend 'jobsd-default_edit_*' | grep -q . || break
        sleep 0.05
done
if [ "$out" = 'job.batch "edit" deleted' ] && ! jobctl get job edit >/dev/null 2>&1 &&
   ! systemctl --user list-units --all --no-legend 'jobsd-default_edit_*' | grep -q .; then
        ok "delete -f: the manifest is removed, the Job and its pods are gone"
else
        not_ok "delete -f: the manifest is removed, the Job and its pods are gone" "$out"
fi
out=$(jobctl apply -f "$manifests/bad.yaml" --dry-run 2>&1); rc=$?
if [ $rc = 1 ] && echo "$out" | grep -q 'bad.yaml:7:22: spec.template.spec.restartPolicy'; then
        ok "apply --dry-run: an invalid manifest is refused with FILE:LINE:COLUMN, exit 1"
else
        not_ok "apply --dry-run: an invalid manifest is refused with FILE:LINE:COLUMN, exit 1" "rc $rc: $out"
fi

# apply and delete -f use the directory jobsd loads (its ManifestDirectory property), with no
# --manifest-dir or with another one.
other=$SANDBOX_DIR/other-dir
mkdir -p "$other"
for applied_name in applied applied2; do
        printf 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: %s}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: x, command: ["true"]}]\n' "$applied_name" > "$SANDBOX_DIR/$applied_name.yaml"
done
prop=$(busctl --user get-property io.jobsd /io/jobsd io.jobsd.Manager1 ManifestDirectory)
out=$(jobctl apply -f "$SANDBOX_DIR/applied.yaml" 2>&1); rc=$?
out2=$(jobctl apply -f "$SANDBOX_DIR/applied2.yaml" --manifest-dir="$other" 2>/dev/null); rc2=$?
err2=$(jobctl apply -f "$SANDBOX_DIR/applied2.yaml" --manifest-dir="$other" 2>&1 >/dev/null)
until_true 10 'jobctl get job applied && jobctl get job applied2'
if [ "$prop" = "s \"$manifests\"" ] && [ $rc = 0 ] && [ "$out" = "job.batch/applied created" ] &&
   [ $rc2 = 0 ] && [ "$out2" = "job.batch/applied2 created" ] &&
   [ "$err2" = "jobctl: jobsd loads manifests from $manifests, not from $other: using $manifests" ] &&
   [ -f "$manifests/applied.yaml" ] && [ -f "$manifests/applied2.yaml" ] && [ -z "$(ls -A "$other")" ] &&
   jobctl get job applied >/dev/null 2>&1 && jobctl get job applied2 >/dev/null 2>&1; then
        ok "apply -f: into jobsd's ManifestDirectory, with no --manifest-dir and with another one (a warning)"
else
        not_ok "apply -f: into jobsd's ManifestDirectory" "$prop; rc $rc: $out; rc2 $rc2: $out2; $err2; $(ls "$manifests" "$other")"
fi
out=$(jobctl delete -f "$SANDBOX_DIR/applied.yaml" 2>&1); rc=$?
out2=$(jobctl delete -f "$SANDBOX_DIR/applied2.yaml" --manifest-dir="$other" 2>/dev/null); rc2=$?
until_true 10 '! jobctl get job applied && ! jobctl get job applied2'
if [ $rc = 0 ] && [ "$out" = 'job.batch "applied" deleted' ] && [ $rc2 = 0 ] && [ "$out2" = 'job.batch "applied2" deleted' ] &&
   [ ! -e "$manifests/applied.yaml" ] && [ ! -e "$manifests/applied2.yaml" ] &&
   ! jobctl get job applied >/dev/null 2>&1 && ! jobctl get job applied2 >/dev/null 2>&1; then
        ok "delete -f: from jobsd's ManifestDirectory, with no --manifest-dir and with another one"
else
        not_ok "delete -f: from jobsd's ManifestDirectory" "rc $rc: $out; rc2 $rc2: $out2; $(ls "$manifests")"
fi

# generateName: a name is generated once and kept across restarts.
printf 'apiVersion: batch/v1\nkind: Job\nmetadata: {generateName: gen-}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: x, command: [echo, generated]}]\n' > "$manifests/gen.yaml"
until_true 5 "jobctl get jobs 2>/dev/null | grep -q '^gen-'"
gen=$(jobctl get jobs | grep -oE '^gen-[bcdfghjklmnpqrstvwxz2456789]{5} ' | tr -d ' ')
stop_jobsd; start_jobsd
until_true 5 "jobctl get jobs 2>/dev/null | grep -q '^gen-'"
if [ -n "$gen" ] && wait_for "$gen" Complete 20s && [ "$(jobctl get jobs | grep -c '^gen-')" = 1 ] &&
   jobctl get jobs | grep -q "^$gen "; then
        ok "generateName: $gen, the same after a restart, runs once"
else
        not_ok "generateName: a generated name, kept across a restart" "got '$gen'; $(jobctl get jobs | grep gen-)"
fi

# Foreground deletion: Terminating while the pods stop (grace period), then gone. The pods take 3 s to
# stop, so that a loaded machine still sees Terminating.
printf 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: fg}\nspec:\n  parallelism: 2\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: x, command: [sh, -c, "trap \\"sleep 3; exit 0\\" TERM; sleep 60 & wait"]}]\n' > "$manifests/fg.yaml"
# Both pods running (ready), and a moment for their shells to set the trap: a pod stopped before it ran
# has nothing to wait for, and jobsd now starts pods fast enough for active=2 to come first.
until_true 5 '[ "$(field fg ready)" = 2 ]'
sleep 0.2
jobctl delete job fg --cascade=foreground >/dev/null
st=$(jobctl get jobs fg 2>/dev/null | awk 'NR == 2 { print $2 }')
for i in $(seq 200); do jobctl get job fg >/dev/null 2>&1 || break; sleep 0.05; done
if [ "$st" = Terminating ] && ! jobctl get job fg >/dev/null 2>&1; then
        ok "delete --cascade=foreground: Terminating until both pods stopped, then NotFound"
else
        not_ok "delete --cascade=foreground: Terminating until both pods stopped, then NotFound" "status was '$st'"
fi

# A suspend override and a tombstone made while jobsd runs hold across a restart (whose start lists the
# state directory once instead of looking up each Job's override and tombstone).
printf 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: held}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: x, command: [sleep, "60"]}]\n' > "$manifests/held.yaml"
until_true 10 '[ "$(field held active)" = 1 ]'
jobctl suspend job held >/dev/null
jobctl delete job s18-work-queue >/dev/null
if ! jobctl get job s18-work-queue >/dev/null 2>&1 && stop_jobsd && start_jobsd && sleep 1 &&
   ! jobctl get job s18-work-queue >/dev/null 2>&1; then
        ok "delete: the Job is gone, and stays gone across a restart while its manifest is unchanged"
else
        not_ok "delete: the Job is gone, and stays gone across a restart while its manifest is unchanged"
fi
st=$(jobctl get jobs held 2>/dev/null | awk 'NR == 2 { print $2 }')
if [ "$st" = Suspended ] && [ "$(field held active)" = 0 ]; then
        ok "jobctl suspend: the override holds across a restart"
else
        not_ok "jobctl suspend: the override holds across a restart" "status '$st', active $(field held active)"
fi

# Lists are sorted by name as kubectl shows them, also after deletions (a deletion moves the last Job
# into the gap of jobsd's array); -o name prints TYPE/NAME.
names=$(jobctl get jobs -o name 2>&1)
table=$(jobctl get jobs | awk 'NR > 1 { print "job.batch/" $1 }')
pods=$(jobctl get pods -o name 2>&1)
if [ -n "$names" ] && [ "$names" = "$table" ] && [ "$names" = "$(printf '%s\n' "$names" | LC_ALL=C sort)" ] &&
   ! printf '%s\n' "$names" | grep -q '^job.batch/s18-work-queue$' && printf '%s\n' "$names" | grep -q '^job.batch/pi$' &&
   [ -n "$pods" ] && ! printf '%s\n' "$pods" | grep -qv '^pod/[a-z0-9.-]*$'; then
        ok "get jobs: sorted by name after deletions; -o name prints job.batch/NAME, get pods -o name pod/NAME"
else
        not_ok "get jobs: sorted by name; -o name" "names: $names; table: $table; pods: $pods"
fi

stop_jobsd

# With jobsd not running, apply and delete -f say so, and use --manifest-dir only if it is given.
out=$(jobctl apply -f "$SANDBOX_DIR/applied.yaml" 2>/dev/null); rc=$?
err=$(jobctl apply -f "$SANDBOX_DIR/applied.yaml" 2>&1 >/dev/null)
out2=$(jobctl delete -f "$SANDBOX_DIR/applied.yaml" 2>/dev/null); rc2=$?
out3=$(jobctl apply -f "$SANDBOX_DIR/applied.yaml" --manifest-dir="$other" 2>/dev/null); rc3=$?
err3=$(jobctl delete -f "$SANDBOX_DIR/applied.yaml" --manifest-dir="$other" --dry-run 2>&1 >/dev/null)
if [ $rc = 1 ] && [ -z "$out" ] && [ $rc2 = 1 ] && [ -z "$out2" ] &&
   [ "$err" = "jobctl: jobsd is not running on the user bus, so its manifest directory is unknown: start jobsd, or name the directory with --manifest-dir=DIR" ] &&
   [ ! -e "$manifests/applied.yaml" ] && [ $rc3 = 0 ] && [ "$out3" = "job.batch/applied created" ] &&
   [ -f "$other/applied.yaml" ] && [ "$err3" = "jobctl: jobsd is not running on the user bus; using --manifest-dir=$other" ]; then
        ok "jobsd not running: apply and delete -f say so (exit 1, nothing on stdout), or use --manifest-dir"
else
        not_ok "jobsd not running: apply and delete -f say so" "rc $rc: $out; $err; rc2 $rc2: $out2; rc3 $rc3: $out3; $err3"
fi
check_no_sanitizer_report
echo "1..$n"
[ $failed = 0 ]
