#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The reserved pod (docs/guarantees.md): a NonIndexed Job's record names its next pod in advance, so that
# the pod's unit starts before the save that records it. A SIGKILL at the two moments of that window, made
# certain by jobsd's fault injection (JOBSD_TEST_CRASH), on a real systemd user manager
# (tests/integration/sandbox.sh). One TAP line per property. About 3 s.
#   after-early-start: the reserved pod's unit was handed to systemd, the save not made: the restarted jobsd
#                      adopts the pod from the reservation; it is counted once, never run twice.
#   before-early-start: killed before the reserved pod's start: the restarted jobsd finds no unit and
#                      forgets the pod (not counted, not disrupted); the Job completes with other pods.
# Usage: test-crash-reserved.sh BUILD_DIR
set -u
build=${1:?build directory}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/sandbox.sh"
. "$here/lib.sh"

JOBSD=$build/supervisor/jobsd
JOBCTL=$build/supervisor/jobctl
keep=$(mktemp -d "${TMPDIR:-/tmp}/jobsd-crash-reserved.XXXXXX")
manifests=$keep/manifests
state=$keep/state
work=$keep/work
mkdir -p "$manifests" "$state" "$work"
SANDBOX_ON_EXIT='rm -rf "$keep"'
sandbox_start_tap 'rm -rf "$keep"'

# The pod: "sh WORK/pod LOG SECONDS": its unit (from its cgroup) in LOG at its start and at its end.
cat > "$work/pod" <<'SH'
log=$(dirname "$0")/$1.log; u=$(sed -n 's|^0::.*/||p' /proc/self/cgroup)
echo "start $u" >> "$log"
sleep "$2"
echo "end $u" >> "$log"
SH
job() {         # NAME
        cat > "$manifests/$1.yaml" <<YAML
apiVersion: batch/v1
kind: Job
metadata: {name: $1}
spec:
  completions: 3
  parallelism: 1
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sh, $work/pod, $1, '0.3']}]
YAML
}
units() { systemctl --user list-units --all --no-legend --plain 'jobsd-default_*' 2>/dev/null | awk '{ print $1 }' | sort; }
count() { cat "$2" 2>/dev/null | grep -c "$1"; }
starts() { count '^start ' "$work/$1.log"; }
distinct_starts() { grep '^start ' "$work/$1.log" 2>/dev/null | awk '{ print $2 }' | sort -u | wc -l; }
ends() { count '^end ' "$work/$1.log"; }
status() { { echo "$(condition "$1" | grep -o 'type:Complete') s=$(field "$1" succeeded) f=$(field "$1" failed)"; } 2>/dev/null; }
journal() { sandbox_journal -t jobsd -o cat | grep -c "default/$1: $2"; }
prop() {        # NAME DESCRIPTION EXPECTED GOT [DIAGNOSTIC LINES…]
        if [ "$3" = "$4" ]; then ok "$1: $2 ($4)"; else not_ok "$1: $2" "expected '$3', got '$4'" "${@:5}"; fi
}
crash_at() {    # POINT JOB: jobsd dies at POINT, then runs normally until JOB completes
        job "$2"
        jobsd_stopped_cleanly
        systemd-run --user --quiet --unit=jobsd "${jobsd_props[@]}" -E JOBSD_TEST_CRASH="$1" \
                "$JOBSD" --user --manifest-dir="$manifests" --state-dir="$state" --backoff-base=250ms 2>/dev/null
        until_true 30 '! systemctl --user is-active -q jobsd'
        systemctl --user reset-failed jobsd 2>/dev/null
        start_jobsd
        wait_for "$2" Complete 60s
        until_true 10 '[ -z "$(units | grep -F .service)" ]'
}
trail() { sandbox_journal -t jobsd -o cat | grep "default/$1" | tail -20; cat "$work/$1.log" 2>/dev/null; }

# Killed right after the reserved pod (attempt 1, the second) was handed to systemd, before the save.
crash_at after-early-start ad
prop ad "SIGKILL after the reserved pod's start, before its save: Complete, succeeded 3, failed 0" \
        "type:Complete s=3 f=0" "$(status ad)" "$(trail ad)"
prop ad "each pod ran once, to its end; none forgotten, none started again, none disrupted" "3 3 3 0 0 0" \
        "$(starts ad) $(distinct_starts ad) $(ends ad) $(journal ad 'pod attempt .* forgotten') $(journal ad '.* starting it now') $(journal ad '.*Disrupt')" \
        "$(trail ad)"
prop ad "the adopted pod is attempt 1" "1" "$(grep -c '^start jobsd-default_ad_0_1_c.service' "$work/ad.log")" "$(trail ad)"

stop_jobsd

# Killed just before the reserved pod's start: no unit, so the pod is forgotten, and the Job runs three others.
crash_at before-early-start fo
prop fo "SIGKILL before the reserved pod's start: Complete, succeeded 3, failed 0" "type:Complete s=3 f=0" \
        "$(status fo)" "$(trail fo)"
prop fo "the reserved pod is forgotten once, never run, never disrupted; three pods ran once each" "1 0 0 3 3 3" \
        "$(journal fo 'pod attempt 1, named in advance .* no unit: forgotten') $(grep -c '_fo_0_1_c' "$work/fo.log") $(journal fo '.*Disrupt') $(starts fo) $(distinct_starts fo) $(ends fo)" \
        "$(trail fo)"
stop_jobsd
prop all "no unit is left" "" "$(units | grep -F .service | paste -sd' ')"
check_no_sanitizer_report
echo "1..$n"
[ $failed = 0 ]
