#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# jobsd's D-Bus API under hostile callers, against a real systemd user manager (tests/integration/sandbox.sh):
# malformed calls (wrong signatures and values, unknown objects, methods and properties, bad names for
# CreateJob, writes to read-only properties, huge strings, actions that do not fit a Job's state) each get
# a D-Bus error and change nothing; a caller of another UID may read but not change (AccessDenied, the
# check of the system bus, made testable with jobsd --mutating-uid). jobsd must answer and run on, with
# no sanitizer report. Usage: test-bus.sh BUILD_DIR
set -u
build=${1:?build directory}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/sandbox.sh"
. "$here/lib.sh"

JOBSD=$build/supervisor/jobsd
JOBCTL=$build/supervisor/jobctl
NOBODY=65534
# The other UID connects to the bus, so the sandbox's bus daemon must let it in.
SANDBOX_OPEN_BUS=1
sandbox_start_tap
t_start=$(date +%s.%N)
echo "# sandbox: $SANDBOX_DIR"
manifests=$SANDBOX_DIR/manifests
state=$SANDBOX_DIR/state
mkdir -p "$manifests" "$state"
cat > "$manifests/bus.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: done}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: ["true"]}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: running}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sleep, "300"]}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: yearly}
spec:
  schedule: "0 0 1 1 *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: c, image: busybox, command: ["true"]}]
YAML

M=(io.jobsd /io/jobsd io.jobsd.Manager1)
DONE=/io/jobsd/job/default_5fdone
RUNNING=/io/jobsd/job/default_5frunning
CRON=/io/jobsd/cronjob/default_5fyearly

# The error name of a failed call: busctl prints only the message, sd-bus's debug log has the name.
# call_as UID|- ARGS…: busctl as root (-) or as UID, on the sandbox's bus; sets $out and $err_name.
call_as() {
        local who=$1; shift
        local pre=()
        [ "$who" = - ] || pre=(setpriv --reuid="$who" --regid="$who" --clear-groups)
        out=$(SYSTEMD_LOG_LEVEL=debug "${pre[@]}" busctl --address="$DBUS_SESSION_BUS_ADDRESS" --timeout=10 -- "$@" 2>&1)
        local rc=$?
        err_name=$(printf '%s\n' "$out" | sed -n 's/.*type=error .*error-name=\([^ ]*\).*/\1/p' | tail -1)
        return $rc
}
# refused NAME ERROR-NAME [UID|-] busctl-ARGS…: the call fails with that D-Bus error.
refused() {
        local name=$1 want=$2; shift 2
        local who=-
        case $1 in -|[0-9]*) who=$1; shift ;; esac
        if call_as "$who" "$@"; then
                not_ok "$name: refused" "the call succeeded: $(printf '%s\n' "$out" | grep -v '^Got message\|^Bus \|^Sent message' | head -3 | cut -c1-200)"
        elif [ "$err_name" = "$want" ]; then
                ok "$name: $want"
        else
                not_ok "$name: $want" "got '${err_name:-no D-Bus error}': $(printf '%s\n' "$out" | tail -2 | cut -c1-300)"
        fi
}
# allowed NAME [UID|-] busctl-ARGS…: the call succeeds.
allowed() {
        local name=$1; shift
        local who=-
        case $1 in -|[0-9]*) who=$1; shift ;; esac
        if call_as "$who" "$@"; then
                ok "$name"
        else
                not_ok "$name" "${err_name:-no D-Bus error}: $(printf '%s\n' "$out" | tail -2 | cut -c1-300)"
        fi
}
alive() {
        local s
        s=$(busctl --user --timeout=5 call "${M[@]}" ListJobs 2>&1) && systemctl --user is-active -q jobsd &&
                [ "$(busctl --user get-property io.jobsd $RUNNING io.jobsd.Job1 Status)" = 's "Running"' ] &&
                [ "$(busctl --user get-property io.jobsd $DONE io.jobsd.Job1 Status)" = 's "Complete"' ]
}
check_alive() {
        if alive; then
                ok "$1: jobsd answers ListJobs, its unit is active, both Jobs as they were"
        else
                not_ok "$1: jobsd still answers" "$(systemctl --user is-active jobsd)" "$(sandbox_journal -u jobsd -o cat | tail -5)"
        fi
}

start_jobsd
until_true 15 'wait_for done Complete 1s && [ "$(busctl --user get-property io.jobsd $RUNNING io.jobsd.Job1 Active)" = "i 1" ] && jobctl get cronjob yearly'
check_alive "set-up"

# Wrong signatures: sd-bus checks them against the vtable before any handler runs.
refused "ListJobs with an argument"            org.freedesktop.DBus.Error.InvalidArgs call "${M[@]}" ListJobs s x
refused "Delete with a boolean"                org.freedesktop.DBus.Error.InvalidArgs call io.jobsd $RUNNING io.jobsd.Job1 Delete b true
refused "Delete without its argument"          org.freedesktop.DBus.Error.InvalidArgs call io.jobsd $RUNNING io.jobsd.Job1 Delete
refused "Delete with two strings"              org.freedesktop.DBus.Error.InvalidArgs call io.jobsd $RUNNING io.jobsd.Job1 Delete ss background x
refused "SetSuspend with a string"             org.freedesktop.DBus.Error.InvalidArgs call io.jobsd $RUNNING io.jobsd.Job1 SetSuspend s true
refused "Rerun with an argument"               org.freedesktop.DBus.Error.InvalidArgs call io.jobsd $DONE io.jobsd.Job1 Rerun i 1
refused "CreateJob with an array"              org.freedesktop.DBus.Error.InvalidArgs call io.jobsd $CRON io.jobsd.CronJob1 CreateJob as 1 x
refused "Trigger with an argument"             org.freedesktop.DBus.Error.InvalidArgs call io.jobsd $CRON io.jobsd.CronJob1 Trigger u 7
# Wrong values.
refused "Delete cascade sideways"              org.freedesktop.DBus.Error.InvalidArgs call io.jobsd $RUNNING io.jobsd.Job1 Delete s sideways
refused "Delete cascade empty"                 org.freedesktop.DBus.Error.InvalidArgs call io.jobsd $RUNNING io.jobsd.Job1 Delete s ""
refused "Delete cascade Background (case)"     org.freedesktop.DBus.Error.InvalidArgs call io.jobsd $RUNNING io.jobsd.Job1 Delete s Background
refused "Delete cascade with a NUL-free suffix" org.freedesktop.DBus.Error.InvalidArgs call io.jobsd $RUNNING io.jobsd.Job1 Delete s "background "
# Unknown objects, interfaces, methods, properties.
refused "a Job that does not exist"            org.freedesktop.DBus.Error.UnknownObject call io.jobsd /io/jobsd/job/default_5fnope io.jobsd.Job1 Rerun
refused "a Job path without a namespace"       org.freedesktop.DBus.Error.UnknownObject call io.jobsd /io/jobsd/job/done io.jobsd.Job1 Rerun
refused "a Job path, undecodable"              org.freedesktop.DBus.Error.UnknownObject call io.jobsd /io/jobsd/job/_zz_5f io.jobsd.Job1 Rerun
refused "a Job path one level too deep"        org.freedesktop.DBus.Error.UnknownObject call io.jobsd $DONE/x io.jobsd.Job1 Rerun
refused "a CronJob that does not exist"        org.freedesktop.DBus.Error.UnknownObject call io.jobsd /io/jobsd/cronjob/default_5fnope io.jobsd.CronJob1 Trigger
refused "a Job's path as a CronJob"            org.freedesktop.DBus.Error.UnknownObject call io.jobsd /io/jobsd/cronjob/default_5fdone io.jobsd.CronJob1 Trigger
refused "a CronJob's path as a Job"            org.freedesktop.DBus.Error.UnknownObject call io.jobsd /io/jobsd/job/default_5fyearly io.jobsd.Job1 Rerun
refused "an unknown object"                    org.freedesktop.DBus.Error.UnknownObject call io.jobsd /io/jobsd/nothing io.jobsd.Job1 Rerun
refused "an unknown method"                    org.freedesktop.DBus.Error.UnknownMethod call "${M[@]}" Reboot
refused "an unknown interface"                 org.freedesktop.DBus.Error.UnknownMethod call io.jobsd $DONE io.jobsd.Job2 Rerun
refused "a Job method on the manager"          org.freedesktop.DBus.Error.UnknownMethod call io.jobsd /io/jobsd io.jobsd.Job1 Rerun
refused "an unknown property"                  org.freedesktop.DBus.Error.UnknownProperty get-property io.jobsd $DONE io.jobsd.Job1 Password
# Properties are read-only.
refused "Set Job Suspend"                      org.freedesktop.DBus.Error.PropertyReadOnly set-property io.jobsd $RUNNING io.jobsd.Job1 Suspend b true
refused "Set Job Succeeded"                    org.freedesktop.DBus.Error.PropertyReadOnly set-property io.jobsd $DONE io.jobsd.Job1 Succeeded i 5
refused "Set Job Name (const)"                 org.freedesktop.DBus.Error.PropertyReadOnly set-property io.jobsd $DONE io.jobsd.Job1 Name s other
refused "Set CronJob Schedule"                 org.freedesktop.DBus.Error.PropertyReadOnly set-property io.jobsd $CRON io.jobsd.CronJob1 Schedule s "* * * * *"
refused "Set ManifestDirectory"                org.freedesktop.DBus.Error.PropertyReadOnly set-property io.jobsd /io/jobsd io.jobsd.Manager1 ManifestDirectory s /tmp
refused "Set with the wrong variant type"      org.freedesktop.DBus.Error.PropertyReadOnly call io.jobsd $RUNNING org.freedesktop.DBus.Properties Set ssv io.jobsd.Job1 Suspend s yes
# Actions that do not fit the Job's state.
refused "SetSuspend on a finished Job"         org.freedesktop.DBus.Error.InvalidArgs call io.jobsd $DONE io.jobsd.Job1 SetSuspend b true
refused "Rerun a running Job"                  org.freedesktop.DBus.Error.InvalidArgs call io.jobsd $RUNNING io.jobsd.Job1 Rerun
# Names for CreateJob.
long64=$(printf 'a%.0s' $(seq 64))
huge=$(head -c 120000 /dev/zero | tr '\0' a)
refused "CreateJob ''"                         org.freedesktop.DBus.Error.InvalidArgs call io.jobsd $CRON io.jobsd.CronJob1 CreateJob s ""
refused "CreateJob of 64 characters"           org.freedesktop.DBus.Error.InvalidArgs call io.jobsd $CRON io.jobsd.CronJob1 CreateJob s "$long64"
refused "CreateJob of 120000 characters"       org.freedesktop.DBus.Error.InvalidArgs call io.jobsd $CRON io.jobsd.CronJob1 CreateJob s "$huge"
for bad in Upper under_score -lead trail- a..b ../etc a/b 'a b' 'x$(id)' 'jöb' '名前' $'tab\there' $'\x7f' .; do
        refused "CreateJob $(printf %q "$bad")" org.freedesktop.DBus.Error.InvalidArgs call io.jobsd $CRON io.jobsd.CronJob1 CreateJob s "$bad"
done
refused "CreateJob of an existing Job's name"  io.jobsd.AlreadyExists call io.jobsd $CRON io.jobsd.CronJob1 CreateJob s done
# Huge strings elsewhere.
refused "Delete with a 120000-character cascade" org.freedesktop.DBus.Error.InvalidArgs call io.jobsd $RUNNING io.jobsd.Job1 Delete s "$huge"
refused "a property of 120000 characters"     org.freedesktop.DBus.Error.UnknownProperty call io.jobsd $DONE org.freedesktop.DBus.Properties Get ss io.jobsd.Job1 "$huge"
refused "Get from a 120000-character interface" org.freedesktop.DBus.Error.UnknownProperty call io.jobsd $DONE org.freedesktop.DBus.Properties Get ss "$huge" Name
check_alive "after malformed calls"
if [ "$(busctl --user call "${M[@]}" ListJobs | awk '{print $2}')" = 2 ] &&
   [ "$(busctl --user get-property io.jobsd $DONE io.jobsd.Job1 Suspend)" = "b false" ]; then
        ok "nothing changed: still two Jobs, none suspended"
else
        not_ok "nothing changed" "$(busctl --user call "${M[@]}" ListJobs)"
fi

# Another UID (nobody): reads, but every method that changes something is refused.
allowed "uid $NOBODY: ListJobs"                $NOBODY call "${M[@]}" ListJobs
allowed "uid $NOBODY: ListCronJobs"            $NOBODY call "${M[@]}" ListCronJobs
allowed "uid $NOBODY: get Job Status"          $NOBODY get-property io.jobsd $RUNNING io.jobsd.Job1 Status
allowed "uid $NOBODY: GetAll of a CronJob"     $NOBODY call io.jobsd $CRON org.freedesktop.DBus.Properties GetAll s io.jobsd.CronJob1
allowed "uid $NOBODY: introspect a Job"        $NOBODY introspect io.jobsd $DONE
allowed "uid $NOBODY: read ManifestDirectory"   $NOBODY get-property io.jobsd /io/jobsd io.jobsd.Manager1 ManifestDirectory
refused "uid $NOBODY: Delete"                  org.freedesktop.DBus.Error.AccessDenied $NOBODY call io.jobsd $RUNNING io.jobsd.Job1 Delete s background
refused "uid $NOBODY: Delete orphan"           org.freedesktop.DBus.Error.AccessDenied $NOBODY call io.jobsd $DONE io.jobsd.Job1 Delete s orphan
refused "uid $NOBODY: Rerun"                   org.freedesktop.DBus.Error.AccessDenied $NOBODY call io.jobsd $DONE io.jobsd.Job1 Rerun
refused "uid $NOBODY: SetSuspend"              org.freedesktop.DBus.Error.AccessDenied $NOBODY call io.jobsd $RUNNING io.jobsd.Job1 SetSuspend b true
refused "uid $NOBODY: CronJob Trigger"         org.freedesktop.DBus.Error.AccessDenied $NOBODY call io.jobsd $CRON io.jobsd.CronJob1 Trigger
refused "uid $NOBODY: CronJob SetSuspend"      org.freedesktop.DBus.Error.AccessDenied $NOBODY call io.jobsd $CRON io.jobsd.CronJob1 SetSuspend b true
refused "uid $NOBODY: CronJob CreateJob"       org.freedesktop.DBus.Error.AccessDenied $NOBODY call io.jobsd $CRON io.jobsd.CronJob1 CreateJob s manual
refused "uid $NOBODY: Set a property"          org.freedesktop.DBus.Error.PropertyReadOnly $NOBODY set-property io.jobsd $RUNNING io.jobsd.Job1 Suspend b true
check_alive "after uid $NOBODY's calls"
if [ "$(busctl --user get-property io.jobsd $CRON io.jobsd.CronJob1 Suspend)" = "b false" ] &&
   ! jobctl get job manual >/dev/null 2>&1 && [ "$(busctl --user get-property io.jobsd $DONE io.jobsd.Job1 Succeeded)" = "i 1" ]; then
        ok "uid $NOBODY changed nothing: the CronJob not suspended, no Job manual, done not rerun"
else
        not_ok "uid $NOBODY changed nothing" "$(jobctl get jobs 2>&1)"
fi

# jobsd --mutating-uid=65534: now root is the other UID.
stop_jobsd
start_jobsd --mutating-uid=$NOBODY
# Type=notify: once systemd-run returns, jobsd owns its name (it asks before READY=1, not after).
if busctl --user --timeout=5 call "${M[@]}" ListJobs >/dev/null 2>&1; then
        ok "ready means on the bus: ListJobs answers as soon as the start returns"
else
        not_ok "ready means on the bus: ListJobs answers as soon as the start returns"
fi
until_true 10 alive
if ! systemd-run --user --quiet --unit=jobsd-second -p Type=notify "$JOBSD" --user --manifest-dir="$manifests" \
        --state-dir="$SANDBOX_DIR/state2" 2>/dev/null &&
   until_true 5 'sandbox_journal -t jobsd -o cat | grep -q "cannot own the bus name io.jobsd (another jobsd runs on this bus)"'; then
        ok "a second jobsd on the same bus refuses to start, saying why"
else
        not_ok "a second jobsd on the same bus refuses to start" "$(systemctl --user is-active jobsd-second)"
fi
systemctl --user reset-failed jobsd-second >/dev/null 2>&1
refused "--mutating-uid=$NOBODY: root's SetSuspend" org.freedesktop.DBus.Error.AccessDenied - call io.jobsd $RUNNING io.jobsd.Job1 SetSuspend b true
allowed "--mutating-uid=$NOBODY: root reads"        - get-property io.jobsd $RUNNING io.jobsd.Job1 Pods
allowed "--mutating-uid=$NOBODY: uid $NOBODY's CreateJob" $NOBODY call io.jobsd $CRON io.jobsd.CronJob1 CreateJob s manual
if until_true 10 'wait_for manual Complete 1s'; then
        ok "--mutating-uid=$NOBODY: the Job uid $NOBODY created ran"
else
        not_ok "--mutating-uid=$NOBODY: the Job uid $NOBODY created ran" "$(jobctl get jobs 2>&1)"
fi
check_alive "at the end"

stop_jobsd
check_no_sanitizer_report
echo "# whole run: $(since "$t_start") s"
echo "1..$n"
[ $failed = 0 ]
