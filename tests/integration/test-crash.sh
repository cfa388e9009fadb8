#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Nothing lost (spec §3.14, docs/ARCHITECTURE.md): exactly-once counting across SIGKILL and reboot, on a real
# systemd user manager (tests/integration/sandbox.sh). One TAP line per property.
#   1. While three Jobs with many short pods run, jobsd is killed with SIGKILL 15-25 times, at random moments
#      and right after a pod unit appears, and started again. Every pod appends "start UNIT INDEX PID" and
#      "end UNIT INDEX CODE" to a host file: the final counts must be Kubernetes' exactly, no pod may run twice.
#   2. A simulated reboot (the sandbox's manager replaced, the state directory kept) while pods run: those pods
#      fail with DisruptionTarget, the Jobs replace them and complete; an Ignore rule leaves failed 0.
# About 30 s. Usage: test-crash.sh BUILD_DIR [SEED]
set -u
build=${1:?build directory}
RANDOM=${2:-$$}
seed=$RANDOM
here=$(cd "$(dirname "$0")" && pwd)
. "$here/sandbox.sh"
. "$here/lib.sh"

JOBSD=$build/supervisor/jobsd
JOBCTL=$build/supervisor/jobctl
# Manifests, state and the pods' files live outside the sandbox: they outlive its manager (the reboot).
keep=$(mktemp -d "${TMPDIR:-/tmp}/jobsd-crash.XXXXXX")
manifests=$keep/manifests
state=$keep/state
work=$keep/work
mkdir -p "$manifests" "$state" "$work"
SANDBOX_ON_EXIT='rm -rf "$keep"'
sandbox_start_tap 'rm -rf "$keep"'
t0=$(date +%s)

# The pod: "sh WORK/pod LOG SECONDS [flaky]". Its unit name comes from its cgroup. flaky: the first run of
# every index divisible by 3 exits 1 (one run per index at a time, so the count of its starts is exact).
cat > "$work/pod" <<'SH'
log=$(dirname "$0")/$1.log; u=$(sed -n 's|^0::.*/||p' /proc/self/cgroup); i=${JOB_COMPLETION_INDEX:--}
echo "start $u $i $$" >> "$log"
code=0
if [ "${3:-}" = flaky ] && [ $((i % 3)) = 0 ] && [ "$(grep -c "^start [^ ]* $i " "$log")" = 1 ]; then code=1; fi
sleep "$2"
echo "end $u $i $code" >> "$log"
exit $code
SH
job() {         # NAME SPEC-YAML POD-ARGS [EXTRA-SPEC-YAML]
        cat > "$manifests/$1.yaml" <<YAML
apiVersion: batch/v1
kind: Job
metadata: {name: $1}
spec:
$2
${4:-}
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 1
      containers: [{name: c, image: busybox, command: [sh, $work/pod, $1, $3]}]
YAML
}
units() { systemctl --user list-units --all --no-legend --plain 'jobsd-default_*' 2>/dev/null | awk '{ print $1 }' | sort; }
count() { cat "$2" 2>/dev/null | grep -c "$1"; }        # PATTERN FILE: 0 for a file not written yet
starts() { count '^start ' "$work/$1.log"; }
distinct_starts() { grep '^start ' "$work/$1.log" 2>/dev/null | awk '{ print $2 }' | sort -u | wc -l; }
ends() { count "^end .* $2\$" "$work/$1.log"; }
finished() { for j in "$@"; do jobctl get jobs "$j" 2>/dev/null | grep -qE ' (Complete|Failed) ' || return 1; done; }
msleep() { sleep "$(printf '0.%03d' "$1")"; }
kill_jobsd() {
        systemctl --user kill -s KILL jobsd 2>/dev/null
        until_true 5 '! systemctl --user is-active -q jobsd'
        systemctl --user reset-failed jobsd 2>/dev/null
}

# Part 1: SIGKILL. Exact outcomes: nq 40 successes; ix 30 indexes once each; fl 12 indexes, 4 first runs
# (indexes 0, 3, 6, 9) fail and are retried.
job nq "  completions: 40
  parallelism: 4" "'0.4'"
job ix "  completions: 30
  parallelism: 5
  completionMode: Indexed" "'0.5'"
job fl "  completions: 12
  parallelism: 3
  completionMode: Indexed
  backoffLimit: 100" "'0.4', flaky"
start_jobsd
kills=0 on_start=0
while :; do
        if [ $((kills % 3)) = 2 ]; then
                # Right after a pod unit appears (its start was saved and sent to systemd).
                before=$(units)
                end=$(( $(date +%s%N) / 1000000 + 3000 ))
                while [ "$(units)" = "$before" ] && [ $(( $(date +%s%N) / 1000000 )) -lt $end ]; do :; done
                [ "$(units)" != "$before" ] && on_start=$((on_start + 1))
        else
                msleep $(( 50 + RANDOM % 351 ))
        fi
        kill_jobsd
        kills=$((kills + 1))
        [ $kills -ge 25 ] || { [ $kills -ge 15 ] && finished nq ix fl; } && { start_jobsd; break; }
        # Sometimes down for a while: pods end meanwhile, their results wait in their units.
        [ $((RANDOM % 4)) = 0 ] && msleep $(( RANDOM % 800 ))
        start_jobsd
done
for j in nq ix fl; do wait_for "$j" Complete 40s; done
t1=$(date +%s)

prop() {        # NAME DESCRIPTION EXPECTED GOT [DIAGNOSTIC LINES…]
        if [ "$3" = "$4" ]; then ok "$1: $2 ($4)"; else not_ok "$1: $2" "expected '$3', got '$4'" "${@:5}"; fi
}
status() { { echo "$(condition "$1" | grep -o 'type:Complete') s=$(field "$1" succeeded) f=$(field "$1" failed) i=$(field "$1" completedIndexes)"; } 2>/dev/null; }
prop nq "SIGKILL: Complete, succeeded 40, failed 0" "type:Complete s=40 f=0 i=" "$(status nq)"
prop ix "SIGKILL: Complete, succeeded 30, failed 0, completedIndexes 0-29" "type:Complete s=30 f=0 i=0-29" "$(status ix)"
prop fl "SIGKILL: Complete, succeeded 12, failed 4 (the pods that really failed), completedIndexes 0-11" \
        "type:Complete s=12 f=4 i=0-11" "$(status fl)"
prop nq "SIGKILL: pods run 40, each once, each to its end: 40 successes" "40 40 40 0" \
        "$(starts nq) $(distinct_starts nq) $(ends nq 0) $(ends nq 1)"
prop ix "SIGKILL: pods run 30, each once, each to its end: 30 successes" "30 30 30 0" \
        "$(starts ix) $(distinct_starts ix) $(ends ix 0) $(ends ix 1)"
prop fl "SIGKILL: pods run 16, each once, each to its end: 12 successes, 4 failures" "16 16 12 4" \
        "$(starts fl) $(distinct_starts fl) $(ends fl 0) $(ends fl 1)"
for j in ix fl; do
        per=$(grep '^end .* 0$' "$work/$j.log" | awk '{ print $3 }' | sort -n | uniq -c | awk '$1 != 1' | head -3)
        runs=$(grep '^end .* 0$' "$work/$j.log" | awk '{ print $3 }' | sort -nu | wc -l)
        want=$( [ $j = ix ] && echo 30 || echo 12 )
        prop $j "SIGKILL: every index has exactly one successful run" "$want " "$runs $per"
done
until_true 10 '[ -z "$(units | grep -F .service)" ]'
prop all "SIGKILL: every pod unit is removed once its pod is counted" "" "$(units | grep -F .service | head -5 | paste -sd' ')"
if sandbox_journal -t jobsd -o cat | grep -q 'DisruptionTarget\|Disrupted'; then
        not_ok "SIGKILL: no pod is taken for disrupted" "$(sandbox_journal -t jobsd -o cat | grep -m3 'Disrupt')"
else
        ok "SIGKILL: no pod is taken for disrupted"
fi
pods=$(( $(starts nq) + $(starts ix) + $(starts fl) ))
echo "# SIGKILL: $kills kills survived ($on_start right after a pod unit appeared), $pods pods run, $((t1 - t0)) s (seed $seed)"

# Part 1b: SIGKILL at the two worst moments, made certain by jobsd's fault injection (JOBSD_TEST_CRASH):
# a pod saved as starting but not yet handed to systemd, and a pod counted and saved but its units not yet
# removed. Each Job: completions 2, one pod at a time.
crash_at() {    # POINT JOB: jobsd dies at POINT, then runs normally until JOB completes
        local t0 t
        t0=$(now); t=$(date +%s)
        stop_jobsd
        crash_diag="stopped after $(since "$t0")s"
        job "$2" "  completions: 2
  parallelism: 1" "'0.3'"
        jobsd_stopped_cleanly
        systemd-run --user --quiet --unit=jobsd "${jobsd_props[@]}" -E JOBSD_TEST_CRASH="$1" \
                "$JOBSD" --user --manifest-dir="$manifests" --state-dir="$state" --backoff-base=250ms 2>/dev/null
        until_true 30 '! systemctl --user is-active -q jobsd'
        crash_diag="$crash_diag; $1 jobsd ended after $(since "$t0")s ($(systemctl --user show -P Result jobsd))"
        systemctl --user reset-failed jobsd 2>/dev/null
        kills=$((kills + 1))
        start_jobsd
        wait_for "$2" Complete 60s
        crash_diag="$crash_diag; $2 finished after $(since "$t0")s"
        crash_since=$t
}
# On a failure: the phases' times, then jobsd's own messages since the crash test began.
trail() {
        echo "$crash_diag"
        sandbox_journal -u jobsd --since=@"$crash_since" -o short-monotonic | grep -v ': Started \|: Stopped ' | tail -40
        cat "$work/$1.log" 2>/dev/null
}
crash_at before-start cs
never() { sandbox_journal -t jobsd -o cat | grep -c "default/cs: .* was never started"; }
until_true 10 '[ "$(never)" != 0 ]'     # journald may lag behind on a loaded machine
never=$(never)
prop cs "SIGKILL before a saved pod's start reached systemd: started once, Complete, succeeded 2, failed 0" \
        "1 type:Complete s=2 f=0 i= 2 2 0" "$never $(status cs) $(starts cs) $(ends cs 0) $(jobctl get pods -l job-name=cs | grep -c Disruption)" \
        "$(trail cs)"
crash_at before-remove cr
until_true 10 '[ -z "$(units | grep -F .service)" ]'
prop cr "SIGKILL after a pod's count was saved, before its units went: counted once, units removed" \
        "type:Complete s=2 f=0 i= 2 2 " "$(status cr) $(starts cr) $(ends cr 0) $(units | grep -F .service | paste -sd' ')" \
        "$(trail cr)"

# Part 2: a reboot while the first wave of pods runs (3 s each): exactly the running pods are disrupted.
job rbnq "  completions: 6
  parallelism: 3" "'3'"
job rbix "  completions: 4
  parallelism: 2
  completionMode: Indexed" "'3'"
job rbign "  completions: 3
  parallelism: 3" "'3'" "  podFailurePolicy:
    rules:
    - action: Ignore
      onPodConditions: [{type: DisruptionTarget}]"
until_true 10 '[ "$(starts rbnq)" = 3 ] && [ "$(starts rbix)" = 2 ] && [ "$(starts rbign)" = 3 ]'
running="$(starts rbnq) $(starts rbix) $(starts rbign)"
systemctl --user kill -s KILL jobsd         # a power cut: nothing is stopped in order
sandbox_stop
if ! sandbox_start; then
        not_ok "reboot: a fresh sandboxed manager"
        echo "1..$n"
        exit 1
fi
start_jobsd
t2=$(date +%s)
for j in rbnq rbix rbign; do wait_for "$j" Complete 30s; done
disrupted() { jobctl get pods -l "job-name=$1" | grep -c DisruptionTarget; }
prop reboot "the pods running at the reboot (rbnq 3, rbix 2, rbign 3)" "3 2 3" "$running"
prop reboot "the interrupted pods are failed with DisruptionTarget" "3 2 3" "$(disrupted rbnq) $(disrupted rbix) $(disrupted rbign)"
prop rbnq "reboot: replacements, Complete, succeeded 6, failed 3" "type:Complete s=6 f=3 i=" "$(status rbnq)"
prop rbix "reboot: replacements, Complete, succeeded 4, failed 2, completedIndexes 0-3" "type:Complete s=4 f=2 i=0-3" "$(status rbix)"
prop rbign "reboot: Ignore rule on DisruptionTarget: Complete, succeeded 3, failed 0" "type:Complete s=3 f=0 i=" "$(status rbign)"
prop reboot "pods run: interrupted ones and one successful run per completion" "9 6 6 4 6 3" \
        "$(starts rbnq) $(ends rbnq 0) $(starts rbix) $(ends rbix 0) $(starts rbign) $(ends rbign 0)"
echo "# reboot: $(( $(date +%s) - t2 )) s from the restart to the last Complete"

stop_jobsd
check_no_sanitizer_report
echo "# total $(( $(date +%s) - t0 )) s; $kills SIGKILLs survived in all"
echo "1..$n"
[ $failed = 0 ]
