# SPDX-License-Identifier: Apache-2.0
# Helpers shared by the integration scripts: TAP output, jobctl on the sandbox, reading a Job's status.
# Source after sandbox.sh; set JOBCTL, JOBSD, manifests and state first.
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
# not_ok also writes to stderr, which meson --print-errorlogs shows (CI's log then says what failed and why).
not_ok() {
        n=$((n + 1)); failed=$((failed + 1))
        echo "not ok $n - $1"; echo "not ok $n - $1" >&2; shift
        local d
        for l in "$@"; do d=$(printf '%s\n' "$l" | sed 's/^/# /'); echo "$d"; echo "$d" >&2; done
}
jobctl() { "$JOBCTL" --user --journal-dir="$SANDBOX_JOURNAL_DIR" "$@"; }
# field NAME KEY: an integer or string of a Job's status, from jobctl get -o json.
field() { jobctl get job "$1" -o json | sed -n -e "s/^ *\"$2\": \"\([^\"]*\)\",\{0,1\}$/\1/p" -e "s/^ *\"$2\": \([^\",]*\),\{0,1\}$/\1/p" | head -1; }
condition() { jobctl get job "$1" -o yaml | grep -A5 -- "- lastProbeTime" | grep -E '^ *(reason|type):' | tr -d '" ' | paste -sd' ' -; }
# Every wait below is for something that must happen; the seconds a script gives are what it takes on an
# idle machine with room to spare, multiplied by JOBSD_TEST_WAIT_FACTOR (default 3) so that a loaded CI
# machine (four tests at a time beside the fuzzer, under the sanitizers) fails no check by being slow. A
# passing check never waits longer; a failing one takes longer to report.
wait_factor=${JOBSD_TEST_WAIT_FACTOR:-3}
wait_for() {    # NAME CONDITION [SECONDSs]
        local t=${3:-60s}
        jobctl wait "job/$1" --for="condition=$2" --timeout="$(( ${t%s} * wait_factor ))s" >/dev/null 2>&1
}
# now: the time in seconds with nanoseconds; since T: the seconds from T to now, 3 decimals (for the
# figures the scripts print; no check depends on them).
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
# until_true SECONDS 'SHELL CODE': evaluates the code every 50 ms until it succeeds.
until_true() {
        local end=$(( $(date +%s) + $1 * wait_factor )); shift
        while ! eval "$*" >/dev/null 2>&1; do
                [ "$(date +%s)" -ge $end ] && return 1
                sleep 0.05
        done
}
# pods_created NAME: the SuccessfulCreate events of a Job in the journal.
pods_created() { sandbox_journal -t jobsd -o cat | grep -c "^default/$1: SuccessfulCreate:"; }
# sandbox_start, or the TAP output of a failed first check and exit 1, after running CLEANUP (shell code).
sandbox_start_tap() {
        sandbox_start && return 0
        echo "not ok 1 - the sandboxed systemd user manager could not be started"
        echo "1..1"
        eval "${1:-}"
        exit 1
}
# The jobsd unit of the tests. A stop that takes over 30 s aborts jobsd (SIGABRT; in the sanitizer build
# ASan then prints its stack to the journal), so that the next start reports where it hung.
# JOBSD_VERIFY_SCOPED_RELOAD=1: after each scoped reload jobsd works out the full one, and aborts if it
# would still do anything (manifest-reload.c).
# intercept_tls_get_addr=0: LeakSanitizer (clang 14) can read a garbage range for the dynamic TLS of a
# dlopen()ed library (GnuTLS, loaded by the API) and its check at exit then crashes ("Tracer caught signal
# 11", "LeakSanitizer has encountered a fatal error"), depending on the heap's layout. jobsd itself has
# one thread and no thread-local data of its own.
jobsd_props=(-p Type=notify -p KillMode=process -p TimeoutStopSec=30 -p TimeoutStopFailureMode=abort
             -E ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_abort=1:intercept_tls_get_addr=0"
             -E JOBSD_VERIFY_SCOPED_RELOAD=1)
# jobsd_stopped_cleanly: before a start, a jobsd that ended badly (its unit failed: a stop that timed out,
# an exit status other than 0) is a failed check, with its result, what stop_jobsd saw, and its last lines;
# then reset.
jobsd_stopped_cleanly() {
        [ "$(systemctl --user show -P ActiveState jobsd 2>/dev/null)" = failed ] || return 0
        not_ok "the previous jobsd stopped cleanly" \
                "Result=$(systemctl --user show -P Result jobsd) ExecMainCode=$(systemctl --user show -P ExecMainCode jobsd) ExecMainStatus=$(systemctl --user show -P ExecMainStatus jobsd)" \
                "$(cat "$SANDBOX_DIR/stop-diag" 2>/dev/null)" \
                "$(sandbox_journal -u jobsd -o short-monotonic | tail -40)"
        rm -f "$SANDBOX_DIR/stop-diag"
        systemctl --user reset-failed jobsd
}
# proc_state PID: a process's name, state, wait channel and kernel stack (where it blocks).
proc_state() {
        echo "$1 $(cat /proc/$1/comm 2>/dev/null) $(awk '/^State:/ { print $2 $3 }' /proc/$1/status 2>/dev/null) wchan=$(cat /proc/$1/wchan 2>/dev/null)"
        sed 's/^/    /' /proc/$1/stack 2>/dev/null
}
# stop_jobsd: systemctl --user stop jobsd. A jobsd still there 20 s after the stop began has the state of
# it and of the sandbox's journald (which it writes to, blocking if journald does not read) written to
# $SANDBOX_DIR/stop-diag, for jobsd_stopped_cleanly.
stop_jobsd() {
        local pid watch r
        pid=$(systemctl --user show -P MainPID jobsd 2>/dev/null)
        if [ -n "$pid" ] && [ "$pid" != 0 ]; then
                (
                        sleep 20
                        [ -d "/proc/$pid" ] || exit 0
                        {
                                echo "jobsd still running 20 s after the stop began:"
                                proc_state "$pid"
                                for j in $(cat $(find "$SANDBOX_CGROUP" -name cgroup.procs) 2>/dev/null); do
                                        [ "$(cat /proc/$j/comm 2>/dev/null)" = systemd-journal ] && proc_state "$j"
                                done
                        } > "$SANDBOX_DIR/stop-diag"
                ) &
                watch=$!
        fi
        systemctl --user stop jobsd; r=$?
        # Its sleep first (killing the subshell alone would leave the sleep behind), then itself.
        [ -z "${watch:-}" ] || { pkill -P "$watch" 2>/dev/null; kill "$watch" 2>/dev/null; wait "$watch" 2>/dev/null; }
        return $r
}
# start_jobsd [-E VAR=VALUE]... [JOBSD OPTION]...: jobsd as the unit jobsd, with these variables in its
# environment too.
start_jobsd() {
        local env=()
        while [ "${1:-}" = -E ]; do
                env+=(-E "$2")
                shift 2
        done
        jobsd_stopped_cleanly
        systemd-run --user --quiet --unit=jobsd "${jobsd_props[@]}" "${env[@]}" \
                "$JOBSD" --user --manifest-dir="$manifests" --state-dir="$state" --backoff-base=250ms "$@"
}
# check NAME CONDITION REASON SUCCEEDED FAILED [PODS]
check() {
        local name=$1 cond=$2 reason=$3 s=$4 f=$5 pods=${6:-} got_s got_f got_p conds
        until_true 10 "jobctl get job $name"     # a manifest just written: jobsd loads it within 100 ms
        if ! wait_for "$name" "$cond" 60s; then
                not_ok "$name: $cond" "$(jobctl describe job "$name" 2>&1 | tail -20)"
                return 1
        fi
        got_s=$(field "$name" succeeded)
        got_f=$(field "$name" failed)
        got_p=$(pods_created "$name")
        conds=$(condition "$name")
        if [ "$got_s" = "$s" ] && [ "$got_f" = "$f" ] && echo "$conds" | grep -q "reason:$reason" &&
           { [ -z "$pods" ] || [ "$got_p" = "$pods" ]; }; then
                ok "$name: $cond, $reason, succeeded $s, failed $f${pods:+, pods $pods}"
        else
                not_ok "$name: expected $cond/$reason succeeded $s failed $f${pods:+ pods $pods}" \
                        "got succeeded $got_s failed $got_f pods $got_p; $conds"
                return 1
        fi
}
# No sanitizer report in jobsd's output (the sanitizer build runs the same scripts).
check_no_sanitizer_report() {
        sleep 0.3
        if sandbox_journal -u jobsd -o cat | grep -E -q 'AddressSanitizer|LeakSanitizer|runtime error:'; then
                not_ok "no sanitizer report from jobsd" "$(sandbox_journal -u jobsd -o cat | grep -E -A8 'Sanitizer|runtime error' | head -20)"
        else
                ok "no sanitizer report from jobsd"
        fi
}

