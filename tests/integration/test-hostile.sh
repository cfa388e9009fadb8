#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Bad and hostile input on a real systemd user manager (tests/integration/sandbox.sh), docs/testing.md:
#   1. the manifest directory at scale and under churn: 1,000 manifests, 10 % invalid; files created,
#      edited, renamed and removed while Jobs run; symlinks, empty and huge files, subdirectories;
#   2. trust (StrictModes): group- or world-writable or foreign-owned files, an untrusted directory;
#   3. the state directory: truncated and corrupt Job and CronJob state files, a full disk (a small tmpfs),
#      an unwritable state directory (chattr +i, a read-only remount).
# One TAP line per property; figures as TAP comments. Needs root (mounts, chown, chattr).
# Usage: test-hostile.sh BUILD_DIR
set -u
umask 022
build=${1:?build directory}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/sandbox.sh"
. "$here/lib.sh"

JOBSD=$build/supervisor/jobsd
JOBCTL=$build/supervisor/jobctl
if [ "$(id -u)" != 0 ]; then
        echo "1..0 # SKIP needs root (tmpfs mounts, chown, chattr)"
        exit 0
fi
t_start=$(date +%s.%N)

# A small tmpfs for the state-directory tests. Mounted before the sandbox, so that the sandbox's mount
# namespace (a private copy made by unshare) has it too: it is the same file system, so filling it or
# remounting it read-only here is seen by jobsd. Unmounted at exit, after the sandbox is gone.
small=$(mktemp -d "${TMPDIR:-/tmp}/jobsd-hostile.XXXXXX") || exit 1
SANDBOX_ON_EXIT='chattr -i "$small/state/jobs" 2>/dev/null; umount "$small" 2>/dev/null || umount -l "$small"; rmdir "$small"'
trap 'eval "$SANDBOX_ON_EXIT"' EXIT
if ! mount -t tmpfs -o size=256k,mode=0700 jobsd-hostile "$small"; then
        echo "not ok 1 - cannot mount a tmpfs on $small"
        echo "1..1"
        exit 1
fi
sandbox_start_tap
manifests=$SANDBOX_DIR/manifests
state=$SANDBOX_DIR/state
outside=$SANDBOX_DIR/outside
mkdir -p "$manifests" "$state" "$outside"
chmod 755 "$manifests"
echo "# sandbox $SANDBOX_DIR ($SANDBOX_CGROUP), state tmpfs $small"

journal() { sandbox_journal -t jobsd -o cat; }
job_yaml() {    # NAME [COMMAND] [EXTRA SPEC LINE]
        printf 'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: %s\nspec:\n  parallelism: 1\n%s  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: c\n        image: busybox\n        command: [sh, -c, "%s"]\n' \
                "$1" "${3:+  $3
}" "${2:-true}"
}
# Five kinds of mistake, each exactly one error (checked by the unit tests' rules): a string for an
# integer, an unknown field, an unsupported value, broken YAML, an invalid name.
bad_yaml() {    # NAME KIND
        case $(( $2 % 5 )) in
        0) job_yaml "$1" | sed 's/parallelism: 1/completions: "3"/' ;;
        1) job_yaml "$1" | sed 's/parallelism: 1/parallelizm: 1/' ;;
        2) job_yaml "$1" | sed 's/restartPolicy: Never/restartPolicy: Always/' ;;
        3) job_yaml "$1" | sed 's/command: \[sh, -c, "true"\]/command: [sh, -c, "true"/' ;;
        4) job_yaml "$1" | sed "s/name: $1/name: Bad_$1/" ;;
        esac
}
# completed NAME SUCCEEDED PODS: Complete with those counts (quiet, unlike check).
completed() { wait_for "$1" Complete 30s && [ "$(field "$1" succeeded)" = "$2" ] && [ "$(pods_created "$1")" = "$3" ]; }
n_complete() { jobctl get jobs 2>/dev/null | awk '$2 == "Complete"' | wc -l; }
job_names() { jobctl get jobs 2>/dev/null | awk 'NR > 1 { print $1 }' | sort; }
jobsd_alive() { systemctl --user is-active -q jobsd; }

################################################################################
# 1. 1,000 manifests, 100 of them invalid.

for i in $(seq -w 0 999); do
        if [ $((10#$i % 10)) = 7 ]; then
                bad_yaml "bad-$i" $((10#$i / 10)) > "$manifests/bad-$i.yaml"
        else
                job_yaml "job-$i" > "$manifests/job-$i.yaml"
        fi
done
t0=$(now)
"$JOBCTL" validate "$manifests" >/dev/null 2>&1
echo "# jobctl validate of the 1000 manifests (parse and validate only): $(since "$t0") s"
t0=$(now)
start_jobsd
t_load=$(since "$t0")
echo "# 1000 manifests (900 valid, 100 invalid): jobsd ready (directory loaded, 900 first pods asked for) after $t_load s"
t0=$(now)
if until_true 60 '[ "$(n_complete)" -ge 900 ]'; then
        ok "1,000 manifests: the 900 valid ones run to Complete"
else
        not_ok "1,000 manifests: the 900 valid ones run to Complete" "complete: $(n_complete)"
fi
echo "# 900 Jobs Complete $(since "$t0") s after jobsd was ready"

# bad_errors: per bad file, how many journal lines "FILE:LINE:COL: ..." name it; prints the odd ones.
bad_errors() {
        journal | grep -E "^$manifests/bad-[0-9]+\.yaml:[0-9]+:[0-9]+: " | cut -d: -f1 | sort | uniq -c |
                awk '$1 != 1 { print }'
        journal | grep -E "^$manifests/bad-[0-9]+\.yaml:[0-9]+:[0-9]+: " | cut -d: -f1 | sort -u | wc -l
}
out=$(bad_errors)
if [ "$out" = 100 ]; then
        ok "each of the 100 invalid manifests: exactly one journal error with FILE:LINE:COL"
else
        not_ok "each of the 100 invalid manifests: exactly one journal error with FILE:LINE:COL" "$(echo "$out" | tail -5)"
fi

################################################################################
# 2. Churn: files created, edited, renamed and removed rapidly while Jobs run.

declare -A churn_name churn_valid       # file -> the Job name it defines, whether it is valid
ops=0
t0=$(now)
RANDOM=4242
for step in $(seq 300); do
        files=("${!churn_name[@]}")
        nf=${#files[@]}
        op=$((RANDOM % 6))
        [ $nf -lt 5 ] && op=0
        case $op in
        0|1)    # create (one in eight invalid), written in two steps: a reader may see half a file
                f=churn-f$step.yaml
                if [ $((RANDOM % 8)) = 0 ]; then
                        bad_yaml "churn-$step" $step > "$manifests/.tmp-$f"; churn_valid[$f]=0
                else
                        job_yaml "churn-$step" "sleep 0.$((RANDOM % 5))" > "$manifests/.tmp-$f"; churn_valid[$f]=1
                fi
                head -c 60 "$manifests/.tmp-$f" > "$manifests/$f"
                cat "$manifests/.tmp-$f" > "$manifests/$f"
                rm -f "$manifests/.tmp-$f"
                churn_name[$f]=churn-$step ;;
        2)      # edit in place: a changed command (a running Job refuses it; a finished one reruns)
                f=${files[RANDOM % nf]}
                if [ "${churn_valid[$f]}" = 1 ]; then
                        job_yaml "${churn_name[$f]}" "echo edit $step" > "$manifests/$f"
                fi ;;
        3)      # rename (the Job follows its file)
                f=${files[RANDOM % nf]}
                g=churn-r$step.yaml
                mv "$manifests/$f" "$manifests/$g"
                churn_name[$g]=${churn_name[$f]}; churn_valid[$g]=${churn_valid[$f]}
                unset "churn_name[$f]" "churn_valid[$f]" ;;
        4)      # remove
                f=${files[RANDOM % nf]}
                rm -f "$manifests/$f"
                unset "churn_name[$f]" "churn_valid[$f]" ;;
        5)      # edit of a renamed file: it must take effect
                f=${files[RANDOM % nf]}
                if [ "${churn_valid[$f]}" = 1 ]; then
                        job_yaml "${churn_name[$f]}" "echo edit2 $step" > "$manifests/$f"
                fi ;;
        esac
        ops=$((ops + 1))
        [ $((step % 25)) = 0 ] && sleep 0.05
done
echo "# churn: $ops operations in $(since "$t0") s; $(ls "$manifests" | grep -c '^churn') churn files remain"
expected=$( { for i in $(seq -w 0 999); do [ $((10#$i % 10)) = 7 ] || echo "job-$i"; done
              for f in "${!churn_name[@]}"; do [ "${churn_valid[$f]}" = 1 ] && echo "${churn_name[$f]}"; done; } | sort)
if until_true 20 '[ "$(job_names)" = "$expected" ]' && jobsd_alive; then
        ok "churn: jobsd runs on; its Jobs are exactly those the final directory defines ($(echo "$expected" | wc -l))"
else
        not_ok "churn: jobsd runs on; its Jobs are exactly those the final directory defines" \
                "alive: $(systemctl --user is-active jobsd)" "$(diff <(echo "$expected") <(job_names) | head -8)"
fi
# Every Job defined by a valid churn file finishes with its file's final content.
churn_ok=1
for f in "${!churn_name[@]}"; do
        [ "${churn_valid[$f]}" = 1 ] || continue
        name=${churn_name[$f]}
        if ! wait_for "$name" Complete 30s; then
                churn_ok=0; bad_one="$name: not Complete"; break
        fi
done
# A renamed then edited file took effect: its Job's file is the new name (jobctl get -o json).
renamed_ok=1
for f in "${!churn_name[@]}"; do
        case $f in churn-r*) ;; *) continue ;; esac
        [ "${churn_valid[$f]}" = 1 ] || continue
        if ! jobctl describe job "${churn_name[$f]}" | grep -q "^Manifest: *$manifests/$f$"; then
                renamed_ok=0; bad_one="${churn_name[$f]}: not known as defined in $f"
        fi
done
if [ $churn_ok = 1 ] && [ $renamed_ok = 1 ]; then
        ok "churn: every Job of the final directory finishes; a renamed file's Job follows its new name"
else
        not_ok "churn: every Job of the final directory finishes; a renamed file's Job follows its new name" "$bad_one" \
                "$(jobctl describe job "${bad_one%%:*}" 2>&1 | grep -E '^(Manifest|Pods Statuses):' | head -3)"
fi
out=$(bad_errors)
if [ "$out" = 100 ]; then
        ok "after churn (many reloads), still exactly one error per unchanged invalid manifest"
else
        not_ok "after churn (many reloads), still exactly one error per unchanged invalid manifest" "$(echo "$out" | tail -5)"
fi

################################################################################
# 3. Odd files: symlinks, empty, huge, subdirectories.

job_yaml linked > "$outside/linked.yaml"
ln -s "$outside/linked.yaml" "$manifests/link.yaml"
ln -s "$outside/nonexistent.yaml" "$manifests/dangling.yaml"
: > "$manifests/empty.yaml"
# Written aside and renamed in: a reload while it is half written would load the Job of its first lines
# (the part written is a valid manifest), and the file's later error keeps what it defined.
{ job_yaml huge; head -c $((1024 * 1024)) /dev/zero | tr '\0' '#'; } > "$manifests/.huge.tmp"
mv "$manifests/.huge.tmp" "$manifests/huge.yaml"
mkdir "$manifests/subdir.yaml" "$manifests/nested"
job_yaml inner > "$manifests/subdir.yaml/inner.yaml"
job_yaml inner2 > "$manifests/nested/inner2.yaml"
job_yaml after-odd > "$manifests/after-odd.yaml"       # a marker: its Job exists once the reload is done
until_true 10 'jobctl get job after-odd'
j=$(journal)
expect_line() {        # TAP-NAME GREP-PATTERN [NAME OF A JOB THAT MUST NOT EXIST]
        if [ "$(echo "$j" | grep -c -E -- "$2")" = 1 ] && { [ -z "${3:-}" ] || ! jobctl get job "$3" >/dev/null 2>&1; }; then
                ok "$1"
        else
                not_ok "$1" "lines: $(echo "$j" | grep -c -E -- "$2")" "$(echo "$j" | grep -F "$(basename "${2%%:*}")" | tail -3)"
        fi
}
expect_line "a symlink to a regular file is refused, with one clear error" "^$manifests/link.yaml: is a symbolic link, refusing" linked
expect_line "a dangling symlink: one clear error" "^$manifests/dangling.yaml: is a symbolic link, refusing"
expect_line "an empty file: one warning, no objects" "^$manifests/empty.yaml: warning: no objects in the file"
expect_line "a file over 1 MiB: one error naming the limit" "^$manifests/huge.yaml: file is [0-9]+ bytes, larger than the limit of 1048576 bytes" huge
if ! echo "$j" | grep -q -E "subdir|nested|inner" && ! jobctl get job inner >/dev/null 2>&1 &&
   ! jobctl get job inner2 >/dev/null 2>&1; then
        ok "subdirectories (even one named *.yaml) are skipped silently, their files not loaded"
else
        not_ok "subdirectories (even one named *.yaml) are skipped silently" "$(echo "$j" | grep -E "subdir|nested|inner" | head -3)"
fi
# A file emptied, as by an editor or a shell rewriting it (O_TRUNC): its running Job is kept.
job_yaml emptied "sleep 2" > "$manifests/emptied.yaml"
until_true 10 'jobctl get job emptied'
: > "$manifests/emptied.yaml"
sleep 0.5
if jobctl get job emptied >/dev/null 2>&1 && journal | grep -q "^$manifests/emptied.yaml: warning: no objects in the file"; then
        rm -f "$manifests/emptied.yaml"
        if until_true 5 '! jobctl get job emptied'; then
                ok "a manifest emptied (as while being rewritten): a warning, its Job kept; removed: the Job is deleted"
        else
                not_ok "a manifest removed after being emptied: its Job is deleted"
        fi
else
        not_ok "a manifest emptied: a warning, its Job kept" "$(journal | grep emptied | tail -3)"
fi
rm -rf "$manifests/link.yaml" "$manifests/dangling.yaml" "$manifests/empty.yaml" "$manifests/huge.yaml" \
        "$manifests/subdir.yaml" "$manifests/nested"

################################################################################
# 4. Trust (StrictModes): only root (or the user of jobsd --user) may write a manifest or the directory.

job_yaml group-writable > "$manifests/group.yaml"; chmod 664 "$manifests/group.yaml"
job_yaml world-writable > "$manifests/world.yaml"; chmod 646 "$manifests/world.yaml"
job_yaml foreign > "$manifests/foreign.yaml"; chown 65534:65534 "$manifests/foreign.yaml"
job_yaml trusted-long "sleep 3" > "$manifests/long.yaml"
job_yaml after-trust > "$manifests/after-trust.yaml"
until_true 10 'jobctl get job after-trust' && until_true 10 'jobctl get job trusted-long'
j=$(journal)
expect_line "a group-writable manifest is refused, naming the file and the reason" \
        "^$manifests/group.yaml: untrusted manifest: writable by its group \(owner uid 0, mode 0664\)" group-writable
expect_line "a world-writable manifest is refused, naming the file and the reason" \
        "^$manifests/world.yaml: untrusted manifest: writable by others \(owner uid 0, mode 0646\)" world-writable
expect_line "a manifest owned by another user is refused, naming the file and the reason" \
        "^$manifests/foreign.yaml: untrusted manifest: owned by another user \(owner uid 65534" foreign
# A running Job whose file becomes writable by others: an error, and it runs on as with a file with errors.
chmod 666 "$manifests/long.yaml"
until_true 5 'journal | grep -q "^$manifests/long.yaml: untrusted manifest: writable by others"'
if journal | grep -q "^$manifests/long.yaml: untrusted manifest" && wait_for trusted-long Complete 20s &&
   [ "$(pods_created trusted-long)" = 1 ]; then
        ok "a running Job whose manifest becomes untrusted runs on to Complete (one pod), with the error logged"
else
        not_ok "a running Job whose manifest becomes untrusted runs on" "$(jobctl get jobs trusted-long 2>&1 | tail -1)"
fi
# The directory itself: world-writable, nothing new loads and nothing is deleted; fixed, it loads again.
chmod 777 "$manifests"
job_yaml while-untrusted > "$manifests/while.yaml"
rm -f "$manifests/after-odd.yaml"
sleep 0.5
if journal | grep -c "^$manifests: untrusted manifest directory: writable by others (owner uid 0, mode 0777), refusing" | grep -qx 1 &&
   ! jobctl get job while-untrusted >/dev/null 2>&1 && jobctl get job after-odd >/dev/null 2>&1; then
        ok "a world-writable manifest directory: one error naming it; nothing new loads, nothing is deleted"
else
        not_ok "a world-writable manifest directory: one error naming it; nothing loads or is deleted" \
                "$(journal | grep "untrusted manifest directory" | tail -2)" "while: $(jobctl get jobs while-untrusted 2>&1 | tail -1)"
fi
chmod 755 "$manifests"
if until_true 10 'jobctl get job while-untrusted' && until_true 10 '! jobctl get job after-odd'; then
        ok "the directory made safe again: the pending changes load"
else
        not_ok "the directory made safe again: the pending changes load"
fi
rm -f "$manifests/group.yaml" "$manifests/world.yaml" "$manifests/foreign.yaml"
if jobsd_alive; then ok "jobsd runs on after the manifest tests"; else not_ok "jobsd runs on after the manifest tests"; fi

################################################################################
# 5. The state directory, on a 256 KiB tmpfs: a second jobsd run with a manifest directory of its own.

stop_jobsd
manifests=$SANDBOX_DIR/manifests2
state=$small/state
mkdir -p "$manifests" "$state"
chmod 755 "$manifests"
for s in trunc garbage empty nul; do job_yaml "st-$s" > "$manifests/st-$s.yaml"; sed -i 's/parallelism: 1/completions: 2/' "$manifests/st-$s.yaml"; done
cat > "$manifests/cron.yaml" <<'YAML'
apiVersion: batch/v1
kind: CronJob
metadata: {name: st-cron}
spec:
  schedule: "0 0 1 1 *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: c, image: busybox, command: ["true"]}]
YAML
start_jobsd
for s in trunc garbage empty nul; do wait_for "st-$s" Complete 30s; done
until_true 5 "[ -s '$state/cronjobs/default_st-cron.state' ]"
stop_jobsd
f=$state/jobs/default_st
head -c $(( $(stat -c %s "$f-trunc.state") / 2 )) "$f-trunc.state" > "$f-trunc.state.new" && mv "$f-trunc.state.new" "$f-trunc.state"
sed -i 's/^succeeded .*/succeeded banana/' "$f-garbage.state"
: > "$f-empty.state"
printf 'jobsd-state 1\n\0uid x\n' > "$f-nul.state"
c=$state/cronjobs/default_st-cron.state
head -c $(( $(stat -c %s "$c") / 2 )) "$c" > "$c.new" && mv "$c.new" "$c"
sums=$(md5sum "$state"/jobs/*.state "$c")
start_jobsd
sleep 0.5
j=$(journal)
st_ok=1
for s in trunc garbage empty nul; do
        if ! echo "$j" | grep -q "^default/st-$s: state file $state/jobs/default_st-$s.state is unreadable (.*): the Job is not run" ||
           [ "$(pods_created "st-$s")" != 2 ] || jobctl get job "st-$s" >/dev/null 2>&1; then
                st_ok=0; echo "# st-$s: pods $(pods_created "st-$s"); $(echo "$j" | grep "st-$s" | tail -1)"
        fi
done
if [ $st_ok = 1 ] && [ "$(md5sum "$state"/jobs/*.state "$c")" = "$sums" ]; then
        ok "truncated, corrupt, empty and NUL-bearing Job state files: a clear error each, no pod, the file kept as it was"
else
        not_ok "unreadable Job state files: a clear error each, no pod, the file kept"
fi
if echo "$j" | grep -q "^default/st-cron: CronJob state file is unreadable (.*): not run" &&
   [ "$(md5sum "$c")" = "$(echo "$sums" | grep cronjobs)" ]; then
        ok "a truncated CronJob state file: a clear error, the CronJob does not run, the file kept"
else
        not_ok "a truncated CronJob state file: a clear error, the file kept" "$(echo "$j" | grep st-cron | tail -2)"
fi
# Repaired (here: removed, the operator's choice) and the manifest touched: the CronJob goes on.
rm -f "$c"
touch "$manifests/cron.yaml"
if until_true 5 'journal | grep -q "^default/st-cron: CronJob state file removed, starting afresh: going on"' &&
   until_true 5 "[ -s '$c' ]"; then
        ok "the CronJob state file removed: at the next reload the CronJob goes on"
else
        not_ok "the CronJob state file removed: at the next reload the CronJob goes on" "$(journal | grep st-cron | tail -2)"
fi
rm -f "$manifests"/st-*.yaml "$manifests/cron.yaml"

# A full disk: a Job running pods one after another; the disk fills; a new Job arrives. The new Job's
# record cannot be made: no pod of it starts. The running Job's record file exists and is saved in place
# (docs/guarantees.md): it may go on, but only while its saves succeed (no error for it) or else stop.
job_yaml busy "sleep 0.5" "completions: 4" > "$manifests/busy.yaml"
until_true 10 '[ "$(pods_created busy)" -ge 1 ]'
dd if=/dev/zero of="$small/filler" bs=4k 2>/dev/null
free_kb=$(df -k --output=avail "$small" | tail -1 | tr -d ' ')
echo "# state tmpfs filled: ${free_kb} KiB free"
busy_at_full=$(pods_created busy)
job_yaml newcomer > "$manifests/newcomer.yaml"
sleep 2.5
j=$(journal)
if echo "$j" | grep -q "^default/newcomer: cannot save state to $state: No space left on device; no new pods start until it can" &&
   [ "$(pods_created newcomer)" = 0 ] && jobsd_alive &&
   { [ "$(pods_created busy)" -le $((busy_at_full + 1)) ] || ! echo "$j" | grep -q "^default/busy: cannot save state"; }; then
        ok "a full disk: a clear error, no pod starts whose record cannot be saved (busy, saved in place: $(pods_created busy) pods), jobsd runs on"
else
        not_ok "a full disk: a clear error, no new pod starts" "newcomer pods $(pods_created newcomer), busy $(pods_created busy) (at full: $busy_at_full)" \
                "$(echo "$j" | grep -E "newcomer|busy" | tail -3)"
fi
rm -f "$small/filler"
t0=$(now)
if completed newcomer 1 1 && completed busy 4 4; then
        ok "space again: both Jobs go on to Complete with exact counts ($(since "$t0") s after the disk was freed)"
else
        not_ok "space again: both Jobs go on to Complete with exact counts" \
                "newcomer: $(jobctl get jobs newcomer | tail -1), pods $(pods_created newcomer)" "busy: $(jobctl get jobs busy | tail -1), pods $(pods_created busy)"
fi
if journal | grep -q "^default/newcomer: state saved again to $state: going on"; then
        ok "saving works again: logged"
else
        not_ok "saving works again: logged"
fi

# An unwritable state directory: immutable (stops root too), then a read-only file system.
unwritable() {          # TAP-NAME JOB ERRNO-TEXT MAKE UNDO
        local name=$2
        eval "$4" || { not_ok "$1: cannot set up ($4)"; return; }
        job_yaml "$name" > "$manifests/$name.yaml"
        sleep 1.5
        if journal | grep -q "^default/$name: cannot save state to $state: $3; no new pods start" &&
           [ "$(pods_created "$name")" = 0 ] && jobsd_alive; then
                eval "$5"
                if completed "$name" 1 1; then
                        ok "$1: a clear error, no pod; writable again, the Job runs"
                else
                        not_ok "$1: writable again, the Job runs" "$(journal | grep "$name" | tail -3)"
                fi
        else
                eval "$5"
                not_ok "$1: a clear error, no pod" "pods $(pods_created "$name")" "$(journal | grep "$name" | tail -3)"
        fi
}
unwritable "an immutable state directory (chattr +i)" immutable "Operation not permitted" \
        'chattr +i "$state/jobs"' 'chattr -i "$state/jobs"'
unwritable "a read-only state file system (remount,ro)" readonly "Read-only file system" \
        'mount -o remount,ro "$small"' 'mount -o remount,rw "$small"'

if jobsd_alive && [ "$(systemctl --user show -p NRestarts --value jobsd)" = 0 ]; then
        ok "jobsd never crashed"
else
        not_ok "jobsd never crashed" "$(systemctl --user status jobsd 2>&1 | tail -5)"
fi
stop_jobsd
check_no_sanitizer_report
echo "# whole run: $(since "$t_start") s"
echo "1..$n"
[ $failed = 0 ]
