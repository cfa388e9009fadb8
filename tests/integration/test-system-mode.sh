#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# jobsd and jobctl in system mode (--system, the default), with the sandbox's bus standing in for the
# system bus: DBUS_SYSTEM_BUS_ADDRESS points at it, for jobsd, jobctl and (through the manager's
# environment) the CronJob trigger services. The sandbox's manager is a user manager, so this covers
# jobsd's and jobctl's system-mode paths (bus, defaults, the trigger command without --user), not the
# system bus's own policy (units/io.jobsd.conf), which needs a real system bus. One TAP line each.
# Usage: test-system-mode.sh BUILD_DIR
set -u
build=${1:?build directory}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/sandbox.sh"
. "$here/lib.sh"

JOBSD=$build/supervisor/jobsd
JOBCTL=$build/supervisor/jobctl
made_run_jobsd=$([ -e /run/jobsd ] || echo yes)
sandbox_start_tap
manifests=$SANDBOX_DIR/manifests
state=$SANDBOX_DIR/state
mkdir -p "$manifests" "$state"
export DBUS_SYSTEM_BUS_ADDRESS=$DBUS_SESSION_BUS_ADDRESS
# The user bus is out of reach of jobsd, jobctl and the trigger services: a wrong choice of bus fails.
nobus=(DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/bus XDG_RUNTIME_DIR=/nonexistent)
systemctl --user set-environment DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" "${nobus[@]}"
# jobctl without --user: the system instance.
jobctl() { env "${nobus[@]}" "$JOBCTL" --journal-dir="$SANDBOX_JOURNAL_DIR" "$@"; }
systemd-run --user --quiet --unit=jobsd "${jobsd_props[@]}" \
        "$JOBSD" --system --manifest-dir="$manifests" --state-dir="$state" --backoff-base=250ms

cat > "$manifests/hello.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: hello}
spec:
  completions: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sh, -c, 'echo hello from the system instance']}]
YAML
check hello Complete CompletionsReached 2 0 2
if [ "$(jobctl logs hello 2>/dev/null | grep -c 'hello from the system instance')" = 2 ] &&
   busctl --user --list | grep -q '^io\.jobsd '; then
        ok "system mode: jobsd owns io.jobsd on the (stand-in) system bus; jobctl without --user reads the Job and its logs"
else
        not_ok "system mode: bus name and logs" "$(busctl --user --list | grep jobsd)" "$(jobctl logs hello 2>&1 | tail -3)"
fi

# A CronJob: its trigger service runs `jobctl trigger` without --user, which must reach jobsd.
cat > "$manifests/cron.yaml" <<'YAML'
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: c, image: busybox, command: [sh, -c, 'echo nightly run']}]
YAML
until_true 10 'systemctl --user list-timers --all --no-legend | grep -q jobsd-cron_default_nightly'
trigger=$(systemctl --user show -P ExecStart jobsd-cron_default_nightly.service)
if systemctl --user start jobsd-cron_default_nightly.service &&
   [ "$(systemctl --user show -P Result jobsd-cron_default_nightly.service)" = success ] &&
   echo "$trigger" | grep -q ' trigger cronjob/default/nightly' && ! echo "$trigger" | grep -q -- '--user' &&
   sandbox_journal -t jobsd -o cat | grep -q 'default/nightly: triggered by its timer'; then
        ok "system mode: a CronJob's timer service runs jobctl trigger without --user and reaches jobsd"
else
        not_ok "system mode: CronJob trigger" "$trigger" "$(systemctl --user status jobsd-cron_default_nightly.service --no-pager 2>&1 | tail -5)"
fi
out=$(jobctl create job nightly-manual --from=cronjob/nightly 2>&1)
if [ "$out" = "job.batch/nightly-manual created" ] && wait_for nightly-manual Complete 20s &&
   jobctl logs nightly-manual 2>/dev/null | grep -q 'nightly run'; then
        ok "system mode: jobctl create job --from=cronjob runs the CronJob's template"
else
        not_ok "system mode: create job --from" "$out"
fi

stop_jobsd
check_no_sanitizer_report
if [ -n "$made_run_jobsd" ] && [ -e /run/jobsd ]; then
        not_ok "system mode left /run/jobsd behind"
        rm -rf /run/jobsd
fi
echo "1..$n"
[ $failed = 0 ]
