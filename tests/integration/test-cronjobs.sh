#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# CronJobs on systemd timers (spec §5, §6 scenarios 33-38, 40) against a real systemd user manager
# (tests/integration/sandbox.sh). One run of about three minutes, every CronJob at once:
#   M1 (the first minute boundary): every CronJob's timer fires; the delay to the first pod is printed.
#   jobsd is stopped across M2 and started 15 s after it: the missed slot runs (no startingDeadlineSeconds)
#   or is skipped without an event (startingDeadlineSeconds 10); the concurrency policies meet the
#   still-running Jobs of M1; history is pruned.
#   Then a simulated reboot: the manager is replaced by a fresh one with the same state directory.
# Usage: test-cronjobs.sh BUILD_DIR
set -u
build=${1:?build directory}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/sandbox.sh"
. "$here/lib.sh"

JOBSD=$build/supervisor/jobsd
JOBCTL=$build/supervisor/jobctl
# Manifests and state live outside the sandbox: they outlive its manager (the reboot).
keep=$(mktemp -d "${TMPDIR:-/tmp}/jobsd-cronjobs.XXXXXX")
manifests=$keep/manifests
state=$keep/state
mkdir -p "$manifests" "$state"
SANDBOX_ON_EXIT='rm -rf "$keep"'
sleep_until() { local d=$(( $1 - $(date +%s) )); [ $d -gt 0 ] && sleep $d; true; }
sandbox_start_tap 'rm -rf "$keep"'

cronjob() {     # NAME EXTRA-SPEC-YAML COMMAND [JOB-SPEC-YAML]
        cat > "$manifests/$1.yaml" <<YAML
apiVersion: batch/v1
kind: CronJob
metadata: {name: $1}
spec:
  schedule: "* * * * *"
$2
  jobTemplate:
    spec:
${4:-}
      template:
        spec:
          restartPolicy: Never
          terminationGracePeriodSeconds: 1
          containers: [{name: c, image: busybox, command: [sh, -c, '$3']}]
YAML
}
cronjob timer     ""                                 'echo fired $(date +%s.%N)'
cronjob allow     "  concurrencyPolicy: Allow"       'sleep 100'
cronjob forbid    "  concurrencyPolicy: Forbid"      'sleep 100'
cronjob replace   "  concurrencyPolicy: Replace"     'sleep 100'
cronjob history   "  successfulJobsHistoryLimit: 1"  'true'
cronjob failing   "  failedJobsHistoryLimit: 1"      'exit 1' "      backoffLimit: 0"
cronjob missed    ""                                 'true'
cronjob deadline  "  startingDeadlineSeconds: 10"    'true'
cronjob suspended ""                                 'true'

# Not in the last seconds of a minute: the first slot must come after everything is loaded.
while [ $(( $(date +%s) % 60 )) -ge 50 ]; do sleep 1; done
start_jobsd
until_true 10 'jobctl get cronjobs | grep -q "^suspended "'
m1=$(( ($(date +%s) / 60 + 1) * 60 ))
min1=$(( m1 / 60 ))
min2=$(( min1 + 1 ))

# get cronjobs and list-timers agree on the next slot.
timers=$(systemctl --user list-timers --all --no-legend --no-pager 2>/dev/null | grep -c 'jobsd-cron_default_')
next=$(jobctl get cronjobs timer -o json | sed -n 's/.*"nextScheduleTime": "\(.*\)".*/\1/p')
if [ "$timers" = 9 ] && [ "$(date -u -d "$next" +%s 2>/dev/null)" = "$m1" ] &&
   jobctl get cronjobs | head -1 | grep -q '^NAME  *SCHEDULE  *TIMEZONE  *SUSPEND  *ACTIVE  *LAST SCHEDULE  *AGE$'; then
        ok "33 a timer per CronJob in list-timers; nextScheduleTime is the next minute; kubectl's columns"
else
        not_ok "a timer per CronJob; nextScheduleTime" "timers $timers, next '$next', expected $(date -u -d @$m1)" \
                "$(systemctl --user list-timers --all --no-pager | head -5)"
fi
cnames=$(jobctl get cronjobs -o name 2>&1)
ctable=$(jobctl get cronjobs | awk 'NR > 1 { print "cronjob.batch/" $1 }')
if [ "$(printf '%s\n' "$cnames" | wc -l)" = 9 ] && [ "$cnames" = "$ctable" ] &&
   [ "$cnames" = "$(printf '%s\n' "$cnames" | LC_ALL=C sort)" ]; then
        ok "get cronjobs: sorted by name; -o name prints cronjob.batch/NAME"
else
        not_ok "get cronjobs: sorted by name; -o name" "names: $cnames; table: $ctable"
fi
jobctl suspend cronjob suspended >/dev/null
until_true 5 '! systemctl --user list-timers --all --no-legend | grep -q jobsd-cron_default_suspended'
if jobctl get cronjobs suspended | grep -q '^suspended .* True ' &&
   ! systemctl --user list-timers --all --no-legend | grep -q jobsd-cron_default_suspended; then
        ok "suspend cronjob: SUSPEND True, its timer is gone"
else
        not_ok "suspend cronjob: SUSPEND True, its timer is gone" "$(jobctl get cronjobs suspended)"
fi

# M1: the timers fire.
sleep_until $m1
until_true 20 "jobctl get job timer-$min1 && jobctl get job history-$min1 && jobctl get job failing-$min1"
wait_for "timer-$min1" Complete 20s
until_true 5 "sandbox_journal -t timer-$min1 -o cat | grep -q '^fired '"
fired=$(sandbox_journal -t "timer-$min1" -o cat | sed -n 's/^fired //p' | head -1)
if [ -n "$fired" ] && jobctl get job "timer-$min1" -o yaml | grep -q "batch.kubernetes.io/cronjob-scheduled-timestamp: \"\{0,1\}$(date -u -d @$m1 +%Y-%m-%dT%H:%M:%SZ)" &&
   sandbox_journal -t jobsd -o cat | grep -q "default/timer: triggered by its timer"; then
        ok "a timer fires at the minute: Job timer-$min1 with the scheduled-timestamp annotation"
        echo "# scheduled minute to the pod's first line: $(echo "($fired - $m1) * 1000" | bc | cut -d. -f1) ms"
else
        not_ok "a timer fires at the minute: Job timer-$min1" "$(jobctl get jobs)" "$(sandbox_journal -t jobsd -o cat | tail -5)"
fi
if jobctl get jobs | grep -q "^suspended-"; then not_ok "a suspended CronJob makes no Job"; else ok "a suspended CronJob makes no Job"; fi
out=$(jobctl create job manual1 --from=cronjob/history)
if [ "$out" = "job.batch/manual1 created" ] && wait_for manual1 Complete 20s &&
   jobctl get job manual1 -o yaml | grep -q 'cronjob.kubernetes.io/instantiate: "\{0,1\}manual' &&
   ! jobctl get cronjobs history -o json | grep -q '"name": "manual1"'; then
        ok "40 create job --from=cronjob: annotated instantiate: manual, not in active"
else
        not_ok "40 create job --from=cronjob" "$out" "$(jobctl get job manual1 -o yaml | head -12)"
fi
until_true 10 'jobctl get job allow-'$min1' && jobctl get job forbid-'$min1' && jobctl get job replace-'$min1

# Down across M2, up 15 s after it.
timer_inv=$(systemctl --user show -P InvocationID jobsd-cron_default_timer.timer)
stop_jobsd
sleep_until $(( m1 + 75 ))
start_jobsd
until_true 15 "jobctl get job missed-$min2"
if jobctl get job "missed-$min2" >/dev/null 2>&1 && ! jobctl get job "deadline-$min2" >/dev/null 2>&1 &&
   ! sandbox_journal -t jobsd -o cat | grep -q 'default/deadline: .*Miss'; then
        ok "37/36 jobsd down across a slot: it runs late; with startingDeadlineSeconds 10 it is skipped, no event"
else
        not_ok "37/36 missed slot" "$(jobctl get jobs | grep -E 'missed|deadline')"
fi
# The timers outlived jobsd and are what it would make: kept, not made again (docs/cronjobs.md).
out=$(systemctl --user show -P InvocationID jobsd-cron_default_timer.timer)
if [ -n "$timer_inv" ] && [ "$out" = "$timer_inv" ] && ! sandbox_journal -t jobsd -o cat | grep -q 'cannot make its timer'; then
        ok "a restarted jobsd keeps the CronJobs' running timers (the same invocation)"
else
        not_ok "a restarted jobsd keeps the running timers" "invocation before '$timer_inv', after '$out'"
fi
if [ "$(jobctl get cronjobs allow -o json | grep -c '"kind": "Job"')" = 2 ]; then
        ok "33 Allow: the Jobs of two slots run at once"
else
        not_ok "33 Allow: the Jobs of two slots run at once" "$(jobctl get cronjobs allow -o json | grep name)"
fi
# A CronJob's events from before the restart are read back from the journal, once each.
if [ "$(jobctl describe cronjob timer | grep -c "SuccessfulCreate .*Created job timer-$min1")" = 1 ]; then
        ok "describe cronjob after a restart of jobsd: the event of slot $min1 from before it, once"
else
        not_ok "describe cronjob after a restart: earlier events" "$(jobctl describe cronjob timer | sed -n '/^Events/,$p')"
fi
if jobctl describe cronjob forbid | grep -q 'JobAlreadyActive' && ! jobctl get job "forbid-$min2" >/dev/null 2>&1 &&
   sandbox_journal -t jobsd -o verbose MESSAGE_ID=5ffc1366077d41b1a2e1cdb6bcf497a8 | grep -q 'CRONJOB_NAME=forbid'; then
        ok "34 Forbid: JobAlreadyActive (a journal entry with its own MESSAGE_ID) while the previous Job runs"
else
        not_ok "34 Forbid: JobAlreadyActive" "$(jobctl describe cronjob forbid | tail -5)"
fi
until_true 10 "! jobctl get job replace-$min1"
if ! jobctl get job "replace-$min1" >/dev/null 2>&1 && jobctl get job "replace-$min2" >/dev/null 2>&1 &&
   [ "$(jobctl get cronjobs replace -o json | grep -c '"kind": "Job"')" = 1 ]; then
        ok "35 Replace: the running Job is deleted, the new one runs alone"
else
        not_ok "35 Replace" "$(jobctl get jobs | grep replace)"
fi
wait_for "history-$min2" Complete 20s; wait_for "failing-$min2" Failed 20s
until_true 10 "! jobctl get job history-$min1 && ! jobctl get job failing-$min1"
if ! jobctl get job "history-$min1" >/dev/null 2>&1 && jobctl get job "history-$min2" >/dev/null 2>&1 &&
   ! jobctl get job "failing-$min1" >/dev/null 2>&1 && jobctl get job "failing-$min2" >/dev/null 2>&1 &&
   sandbox_journal -t jobsd -o cat | grep -q "default/history: SuccessfulDelete: Deleted job history-$min1" &&
   sandbox_journal -t jobsd -o cat | grep -q "default/history: SuccessfulDelete: Deleted job manual1"; then
        # manual1 (a manual run, history too) finished after history-$min1, which went first.
        ok "38 history: limits 1 keep the newest Complete and the newest Failed Job (manual runs count)"
else
        not_ok "38 history" "$(jobctl get jobs | grep -E 'history|failing|manual')" "$(jobctl describe cronjob history | tail -8)"
fi
# Forbid: when the running Job ends (M1 + 100 s), the newest missed slot starts at once.
until_true 40 "jobctl get job forbid-$min2"
if jobctl get job "forbid-$min2" >/dev/null 2>&1; then
        ok "34 Forbid: the missed slot runs as soon as the previous Job ends"
else
        not_ok "34 Forbid: the missed slot runs as soon as the previous Job ends" "$(jobctl get jobs | grep forbid)"
fi
jobctl resume cronjob suspended >/dev/null
until_true 10 "jobctl get job suspended-$min2"
if jobctl get job "suspended-$min2" >/dev/null 2>&1; then
        ok "resume cronjob: the newest missed slot runs at once"
else
        not_ok "resume cronjob: the newest missed slot runs at once" "$(jobctl get jobs | grep suspended)"
fi

# A simulated reboot: a fresh manager (no transient unit survives) with the same state directory.
stop_jobsd
sandbox_stop
if ! sandbox_start; then
        not_ok "reboot: a fresh sandboxed manager"
        echo "1..$n"
        exit 1
fi
start_jobsd
until_true 10 "[ \$(systemctl --user list-timers --all --no-legend | grep -c jobsd-cron_default_) = 9 ]"
next=$(jobctl get cronjobs timer -o json | sed -n 's/.*"nextScheduleTime": "\(.*\)".*/\1/p')
lt=$(systemctl --user show -P NextElapseUSecRealtime jobsd-cron_default_timer.timer)
if [ "$(systemctl --user list-timers --all --no-legend | grep -c jobsd-cron_default_)" = 9 ] &&
   [ "$(date -u -d "$next" +%s)" = "$(date -u -d "$lt" +%s)" ]; then
        ok "reboot: every timer is made again; nextScheduleTime equals the timer's next elapse ($lt)"
else
        not_ok "reboot: every timer is made again" "next '$next' vs timer '$lt'" "$(systemctl --user list-timers --all --no-pager)"
fi
until_true 20 "jobctl get pods -l job-name=allow-$min2 | grep -q DisruptionTarget"
if jobctl get pods -l "job-name=allow-$min2" | grep -q DisruptionTarget; then
        ok "reboot: a pod that was running is failed with DisruptionTarget"
else
        not_ok "reboot: a pod that was running is failed with DisruptionTarget" "$(jobctl get pods -l job-name=allow-$min2)"
fi

# An edit of the schedule makes the timer again; the new timer's first elapse creates nothing spurious.
before=$(jobctl get jobs | grep -c '^timer-')
year=$(( $(date -u +%Y) + 1 ))
sed -i 's/schedule: "\* \* \* \* \*"/schedule: "0 0 1 1 *"/' "$manifests/timer.yaml"
until_true 10 "systemctl --user show -P NextElapseUSecRealtime jobsd-cron_default_timer.timer | grep -q '$year-01-01 00:00:00'"
sleep 2
if systemctl --user show -P NextElapseUSecRealtime jobsd-cron_default_timer.timer | grep -q "$year-01-01 00:00:00" &&
   [ "$(jobctl get jobs | grep -c '^timer-')" = "$before" ] &&
   jobctl get cronjobs timer -o json | grep -q "\"nextScheduleTime\": \"$year-01-01T00:00:00Z\""; then
        ok "an edited schedule: the timer is made again for $year-01-01, no Job is created by the change"
else
        not_ok "an edited schedule: the timer is made again" "$(systemctl --user show -P NextElapseUSecRealtime jobsd-cron_default_timer.timer)" \
                "jobs before $before, now $(jobctl get jobs | grep -c '^timer-')"
fi

# An edit while jobsd is stopped: the timer it finds running is not what it would make, so it is made again.
stop_jobsd
sed -i 's/schedule: "0 0 1 1 \*"/schedule: "0 0 2 1 *"/' "$manifests/timer.yaml"
start_jobsd
until_true 10 "systemctl --user show -P NextElapseUSecRealtime jobsd-cron_default_timer.timer | grep -q '$year-01-02 00:00:00'"
if systemctl --user show -P NextElapseUSecRealtime jobsd-cron_default_timer.timer | grep -q "$year-01-02 00:00:00"; then
        ok "a schedule edited while jobsd was stopped: its running timer is made again for $year-01-02"
else
        not_ok "a schedule edited while jobsd was stopped" "$(systemctl --user show -P NextElapseUSecRealtime jobsd-cron_default_timer.timer)"
fi

stop_jobsd
check_no_sanitizer_report
echo "1..$n"
[ $failed = 0 ]
