#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The checks inside the VM (tests/vm/run.sh copies this file to the share, and the image's vmtest.service
# runs it at every boot). It goes on from the phase saved on the share, which is on the host, so a hard
# reset of the guest cannot lose it. Each check is one line "ok - …" or "not ok - …" in the share's results
# (run.sh numbers them as TAP); "# …" lines are diagnostics. The host resets the machine when asked through
# the share's reset-request ("SECONDS" or "FROM-TO" for a random delay).
S=/mnt/share
arch=$(cat $S/arch)
phase=$(cat $S/phase 2>/dev/null || echo install)
export SYSTEMD_PAGER= SYSTEMD_COLORS=0 LC_ALL=C.UTF-8
log() { printf '%s\n' "$@" >> $S/results; }
ok() { log "ok - $1"; }
not_ok() { log "not ok - $1"; shift; local l; for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /' >> $S/results; done; }
# check DESCRIPTION COMMAND...: ok if the command succeeds, otherwise not ok with its output.
check() {
        local what=$1 out; shift
        if out=$("$@" 2>&1); then ok "$what"; else not_ok "$what" "$out"; fi
}
# until_true SECONDS 'SHELL CODE'
until_true() {
        local end=$(( $(date +%s) + $1 )); shift
        while ! eval "$*" >/dev/null 2>&1; do
                [ "$(date +%s)" -ge $end ] && return 1
                sleep 0.5
        done
}
set_phase() { echo "$1" > $S/phase.tmp && mv $S/phase.tmp $S/phase; log "# phase $1 (boot $(cat /proc/sys/kernel/random/boot_id | cut -c1-8), $(date -u +%T))"; }
# jq of a Job's JSON (jobctl get job -o json)
jj() { jobctl get job "$1" -o json 2>/dev/null | jq -r "$2"; }
counts() { jj "$1" '"succeeded=\(.status.succeeded // 0) failed=\(.status.failed // 0) active=\(.status.active // 0) completedIndexes=\(.status.completedIndexes // "")"'; }
expect_counts() { # WHAT JOB EXPECTED
        local got; got=$(counts "$2")
        if [ "$got" = "$3" ]; then ok "$1: $got"; else not_ok "$1" "expected $3" "got      $got"; fi
}
# A Job just written to /etc/jobs.d: jobsd loads it at once, but not before jobctl asks (wait says NotFound).
wait_condition() { until_true 60 "jobctl get job $1" && jobctl wait "job/$1" --for="condition=$2" --timeout="${3:-600}s" >/dev/null 2>&1; }
# indexes "0-2,5": one index a line
indexes() { tr ',' '\n' <<< "$1" | awk -F- 'NF { if (NF == 1) print $1; else for (i = $1; i <= $2; i++) print i }'; }
jobsd_up() { until_true "${1:-120}" '[ "$(systemctl is-active jobsd)" = active ] && jobctl get jobs'; }
finish() { touch $S/done; log "# guest done at $(date -u +%T)"; systemctl poweroff; exit 0; }
# manifest NAME: the manifest on stdin into /etc/jobs.d with jobctl apply, which syncs it before it renames
# it into place: a file merely written there may be lost by a hard reset that comes soon after (ext4 writes
# it back within 30 s), and jobsd then deletes its Job, as a removed file does.
manifest() {
        mkdir -p /root/manifests
        cat > "/root/manifests/$1.yaml"
        jobctl apply -f "/root/manifests/$1.yaml" >/dev/null || not_ok "jobctl apply -f $1.yaml" "$(jobctl apply -f "/root/manifests/$1.yaml" 2>&1)"
}
# ask_reset DELAY: the host resets the machine after DELAY seconds ("FROM-TO": a random delay); written whole.
ask_reset() { echo "$1" > $S/reset-request.tmp && mv $S/reset-request.tmp $S/reset-request; }

# A Job of 4 indexes: 0 and 1 succeed at once, 2 and 3 run until the boot they started in is over (their
# replacements in the next boot succeed).
disruption_job() { # NAME
        echo "$(cat /proc/sys/kernel/random/boot_id)" > "$S/boot-$1"
        manifest "$1" <<EOF
apiVersion: batch/v1
kind: Job
metadata: {name: $1}
spec:
  completionMode: Indexed
  completions: 4
  parallelism: 4
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: c
        image: debian
        command: [bash, -c, 'if [ \$JOB_COMPLETION_INDEX -lt 2 ]; then exit 0; fi; if [ "\`cat /proc/sys/kernel/random/boot_id\`" = "\`cat $S/boot-$1 2>/dev/null\`" ]; then exec sleep 900; fi; exit 0']
EOF
}
# After the boot that ended a disruption_job's two running pods: Kubernetes' node-loss accounting.
check_disrupted() { # NAME HOW
        if wait_condition "$1" Complete 600; then ok "$2: the Job completed after the boot"; else not_ok "$2: the Job completed after the boot" "$(jobctl describe job "$1" 2>&1)" "$(ls -la /etc/jobs.d)" "$(journalctl -b -u jobsd --no-pager | tail -30)"; fi
        expect_counts "$2: the running pods count failed, succeeded ones stay, every index once" "$1" \
                "succeeded=4 failed=2 active=0 completedIndexes=0-3"
        local d; d=$(jobctl describe job "$1" 2>&1)
        if [ "$(grep -c DisruptionTarget <<< "$d")" -ge 1 ] || [ "$(jobctl get pods -l "job-name=$1" 2>&1 | grep -c Disrupt)" -eq 2 ]; then
                ok "$2: the lost pods are marked DisruptionTarget"
        else
                not_ok "$2: the lost pods are marked DisruptionTarget" "$d" "$(jobctl get pods -l "job-name=$1" 2>&1)"
        fi
}

# down_before_slot: waits for second 50 to 55 of a minute and writes the time to down-at. The machine then goes
# down 5 to 10 s before the next minute's CronJob slot, and a reboot takes about 20 s, so the slot passes while
# it is down. (Waiting for second 57 alone once wrote :00: the steps after the wait had taken 3 s.)
down_before_slot() {
        local s
        while s=$(date +%-S); [ "$s" -lt 50 ] || [ "$s" -gt 55 ]; do
                if [ "$s" -lt 50 ]; then sleep $((50 - s)); else sleep $((110 - s)); fi
        done
        date +%s > $S/down-at
}

# The CronJob slots missed while jobsd was down between the previous boot and this one: as Kubernetes' CronJob
# controller, jobsd runs the newest of them once (startingDeadlineSeconds allowing), and not the older ones.
check_missed_slots() { # HOW
        # Down from the moment the guest asked for the reboot or reset (kept on the share) to jobsd's start.
        local stop start
        stop=$(cat $S/down-at)
        start=$(date -d "$(systemctl show -P ExecMainStartTimestamp jobsd)" +%s)
        local first=$(( (stop / 60 + 1) * 60 )) slot missed=() older=
        for (( slot = first; slot < start; slot += 60 )); do missed+=("tick-$((slot / 60))"); done
        if [ ${#missed[@]} -eq 0 ]; then
                not_ok "$1: a CronJob slot passed while the machine was down" "jobsd stopped at $stop, started at $start"
                return
        fi
        local newest=${missed[-1]}
        for j in "${missed[@]:0:${#missed[@]}-1}"; do jobctl get job "$j" >/dev/null 2>&1 && older+=" $j"; done
        if until_true 120 "jobctl get job $newest" && [ -z "$older" ]; then
                ok "$1: ${#missed[@]} CronJob slot(s) missed while down: the newest ran once ($newest), late, within startingDeadlineSeconds"
        else
                not_ok "$1: the newest missed CronJob slot ran, the older did not" "newest: $newest; older that ran:$older" "$(jobctl get jobs 2>&1 | grep tick)"
        fi
}

case $phase in
install)
        log "# $arch guest: $(uname -r), systemd $(systemctl --version | awk 'NR==1 {print $2}'), $(nproc) CPUs, $(stat -fc %T /sys/fs/cgroup)"
        if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && [ ! -e /sys/fs/cgroup/unified ]; then ok "cgroup v2 only"; else not_ok "cgroup v2 only" "$(mount | grep cgroup)"; fi
        cp $S/jobsd.deb /root/jobsd.deb
        t=$(date +%s.%N)
        check "apt install ./jobsd_*.deb" apt-get install -y -q /root/jobsd.deb
        log "# install took $(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
        check "the service is enabled" systemctl is-enabled jobsd
        check "systemctl is-active jobsd: active" until_true 60 '[ "$(systemctl is-active jobsd)" = active ]'
        check "systemctl status jobsd shows its status line" until_true 10 'systemctl status jobsd | grep -q "Status: \"Running Jobs\""'
        check "/etc/jobs.d: root-owned, 0755" test "$(stat -c %U:%a /etc/jobs.d)" = root:755
        check "the state directory /var/lib/jobsd (StateDirectory=, 0700)" test "$(stat -c %a /var/lib/jobsd)" = 700
        check "the Kubernetes API on 127.0.0.1:6443, its admin kubeconfig 0600 in the state directory" \
                eval 'until_true 30 "test -s /var/lib/jobsd/kubeconfig" && [ "$(stat -c %a /var/lib/jobsd/kubeconfig)" = 600 ] && grep -q "server: https://127.0.0.1:6443" /var/lib/jobsd/kubeconfig'
        check "man jobs.d(5), jobsd(8), jobctl(1) are installed" test -e /usr/share/man/man5/jobs.d.5.gz -a -e /usr/share/man/man8/jobsd.8.gz -a -e /usr/share/man/man1/jobctl.1.gz

        # A Job from /etc/jobs.d.
        cp $S/examples/pi.yaml /etc/jobs.d/
        t=$(date +%s)
        if wait_condition pi Complete 900; then ok "examples/pi.yaml in /etc/jobs.d completes ($(( $(date +%s) - t )) s)"; else not_ok "examples/pi.yaml in /etc/jobs.d completes" "$(jobctl describe job pi 2>&1)" "$(journalctl -u jobsd -n 30 --no-pager)"; fi
        check "jobctl get jobs: pi Complete 1/1" eval 'jobctl get jobs | grep -E "^pi +Complete +1/1 "'
        # The API's libraries (libmicrohttpd, GnuTLS) are loaded at its first connection, not at start.
        pid=$(systemctl show -P MainPID jobsd)
        check "before the API's first request, jobsd has no GnuTLS or libmicrohttpd mapped" \
                eval "[ -r /proc/$pid/maps ] && ! grep -E 'libgnutls|libmicrohttpd' /proc/$pid/maps"
        api() { curl -sS --max-time 30 --cacert /var/lib/jobsd/api/ca.crt --cert /var/lib/jobsd/api/admin.crt \
                --key /var/lib/jobsd/api/admin.key "https://127.0.0.1:6443$1"; }
        check "the API on 127.0.0.1:6443 answers with the admin's certificate: Job pi Complete" \
                eval 'api /apis/batch/v1/namespaces/default/jobs/pi | jq -e ".status.conditions[] | select(.type == \"Complete\" and .status == \"True\")"'
        check "after it, jobsd has them mapped" eval "grep -q libgnutls /proc/$pid/maps && grep -q libmicrohttpd /proc/$pid/maps"
        check "the API refuses a client without a certificate: 401" eval '[ "$(curl -sS --max-time 30 --cacert /var/lib/jobsd/api/ca.crt -o /dev/null -w "%{http_code}" https://127.0.0.1:6443/apis/batch/v1/namespaces/default/jobs)" = 401 ]'
        check "jobctl logs pi: the digits" eval 'jobctl logs pi | grep -q 3.14159265358979'
        check "journalctl -t pi: the digits" eval 'journalctl -t pi --no-pager | grep -q 3.14159265358979'
        check "journalctl -u jobsd: the Job's events" eval 'journalctl -u jobsd --no-pager | grep -q "default/pi: Completed"'
        check "systemctl list-units 'jobsd-*': the Job's slice" eval "systemctl list-units --all 'jobsd-*' --no-legend | grep -q 'jobsd-default_pi.slice'"
        # A CronJob on a timer, every minute.
        manifest tick <<'EOF'
apiVersion: batch/v1
kind: CronJob
metadata: {name: tick}
spec:
  schedule: "* * * * *"
  startingDeadlineSeconds: 300
  successfulJobsHistoryLimit: 20
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - {name: tick, image: debian, command: [echo, tick]}
EOF
        check "systemctl list-timers: the CronJob's timer" until_true 30 "systemctl list-timers --all --no-legend | grep -q jobsd-cron_default_tick.timer"
        if until_true 150 'jobctl get jobs | grep -qE "^tick-[0-9]+ +Complete"'; then
                j=$(jobctl get jobs | awk '/^tick-[0-9]+ +Complete/ {print $1; exit}')
                ts=$(jj "$j" '.metadata.annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"] // empty')
                if [ "$(date -u -d "$ts" +%s 2>/dev/null)" = "$(( ${j#tick-} * 60 ))" ]; then ok "the CronJob fired on its minute: $j, scheduled $ts"; else not_ok "the CronJob's Job is for its minute" "$j scheduled '$ts'"; fi
        else
                not_ok "the CronJob fired on its minute" "$(jobctl describe cronjob tick 2>&1)" "$(systemctl list-timers --all 2>&1)"
        fi

        # The bus policy, for real: an unprivileged user reads, and changes nothing.
        useradd -m -G systemd-journal alice
        manifest sleeper <<'EOF'
apiVersion: batch/v1
kind: Job
metadata: {name: sleeper}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - {name: s, image: debian, command: [sleep, "3600"]}
EOF
        until_true 60 '[ "$(jj sleeper .status.active)" = 1 ]'
        as() { runuser -u alice -- "$@"; }
        check "alice: jobctl get jobs" eval 'as jobctl get jobs | grep -q "^pi "'
        check "alice: jobctl describe job pi" eval 'as jobctl describe job pi | grep -q "Pods Statuses"'
        check "alice (in systemd-journal): jobctl logs pi" eval 'as jobctl logs pi | grep -q 3.14159'
        uid=$(jj pi .metadata.uid)
        printf 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: alices}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: a, image: debian, command: ["true"]}]\n' > /home/alice/alices.yaml
        for cmd in "delete job pi" "suspend job sleeper" "resume job sleeper" "rerun job pi" "apply -f /home/alice/alices.yaml"; do
                # shellcheck disable=SC2086
                if out=$(as jobctl $cmd 2>&1); then
                        not_ok "alice: jobctl $cmd is refused" "it succeeded: $out"
                elif grep -qiE "denied|refusing|permission" <<< "$out"; then
                        ok "alice: jobctl $cmd is refused: $(head -1 <<< "$out")"
                else
                        not_ok "alice: jobctl $cmd is refused with a clear message" "$out"
                fi
        done
        if [ "$(jj pi .metadata.uid)" = "$uid" ] && [ "$(jj sleeper .status.active)" = 1 ] && [ ! -e /etc/jobs.d/alices.yaml ] &&
           ! jobctl get job sleeper -o yaml | grep -q Suspended; then
                ok "alice's refused commands changed nothing"
        else
                not_ok "alice's refused commands changed nothing" "$(jobctl get jobs 2>&1)" "$(ls /etc/jobs.d)"
        fi
        check "root: jobctl suspend job sleeper" eval 'jobctl suspend job sleeper && until_true 60 "[ \"\$(jj sleeper .status.active)\" = 0 ]"'
        check "root: jobctl resume job sleeper" eval 'jobctl resume job sleeper && until_true 60 "[ \"\$(jj sleeper .status.active)\" = 1 ]"'
        check "root: jobctl delete job sleeper" eval 'jobctl delete job sleeper && until_true 60 "! jobctl get job sleeper"'
        out=$(jobctl apply -f /home/alice/alices.yaml 2>&1)
        if [ "$out" = "job.batch/alices created" ] && wait_condition alices Complete 300; then ok "root: jobctl apply -f: $out, and it ran"; else not_ok "root: jobctl apply -f" "$out" "$(jobctl describe job alices 2>&1)"; fi
        check "root: jobctl rerun job pi" eval 'jobctl rerun job pi && until_true 60 "[ \"\$(jj pi .metadata.uid)\" != $uid ]" && wait_condition pi Complete 900'

        if [ "$arch" = amd64 ]; then
                # cgroup v2: memory and CPU limits.
                manifest oom <<'EOF'
apiVersion: batch/v1
kind: Job
metadata: {name: oom}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: eat
        image: debian
        command: [sh, -c, "tail /dev/zero"]
        resources: {limits: {memory: 64Mi}}
EOF
                manifest cpu <<'EOF'
apiVersion: batch/v1
kind: Job
metadata: {name: cpu}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: c
        image: debian
        command: [sleep, "20"]
        resources: {limits: {cpu: 500m}}
EOF
                if wait_condition oom Failed 300; then ok "a pod over limits.memory fails the Job"; else not_ok "a pod over limits.memory fails the Job" "$(jobctl describe job oom 2>&1)"; fi
                check "get pods: OOMKilled" eval 'jobctl get pods -l job-name=oom | grep -q OOMKilled'
                check "describe job: OOMKilled" eval 'jobctl describe job oom | grep -q OOMKilled'
                expect_counts "the OOM Job's counts (backoffLimit 0)" oom "succeeded=0 failed=1 active=0 completedIndexes="
                until_true 60 '[ "$(jj cpu .status.active)" = 1 ]'
                u=$(systemctl list-units --no-legend --plain 'jobsd-default_cpu_*.service' | awk '{print $1; exit}')
                cg=$(systemctl show -P ControlGroup "$u")
                mx=$(cat "/sys/fs/cgroup$cg/cpu.max" 2>&1)
                if [ "$mx" = "50000 100000" ]; then ok "limits.cpu 500m: cpu.max of $u is $mx"; else not_ok "limits.cpu 500m: cpu.max 50000 100000" "$u $cg: $mx"; fi
                if wait_condition cpu Complete 300; then expect_counts "the CPU-limited Job's counts" cpu "succeeded=1 failed=0 active=0 completedIndexes="; else not_ok "the CPU-limited Job completes"; fi
        fi

        # A real reboot while pods run, across a CronJob slot.
        disruption_job rb
        if until_true 300 '[ "$(counts rb)" = "succeeded=2 failed=0 active=2 completedIndexes=0,1" ]'; then
                ok "before the reboot: 2 indexes succeeded, 2 pods running"
        else
                not_ok "before the reboot: 2 indexes succeeded, 2 pods running" "$(counts rb)"
        fi
        set_phase after-reboot
        down_before_slot
        systemctl reboot
        exit 0 ;;

after-reboot)
        check "after systemctl reboot: jobsd started by itself" jobsd_up
        check_disrupted rb "systemctl reboot"
        check_missed_slots "systemctl reboot"
        if [ "$arch" != amd64 ]; then finish; fi
        # A hard reset from QEMU's monitor while pods run, across a slot.
        disruption_job rs
        if until_true 300 '[ "$(counts rs)" = "succeeded=2 failed=0 active=2 completedIndexes=0,1" ]'; then
                ok "before the hard reset: 2 indexes succeeded, 2 pods running"
        else
                not_ok "before the hard reset: 2 indexes succeeded, 2 pods running" "$(counts rs)"
        fi
        set_phase after-reset
        down_before_slot
        ask_reset 0
        sleep infinity ;;

after-reset)
        check "after a hard reset: jobsd started by itself" jobsd_up
        check_disrupted rs "hard reset"
        check_missed_slots "hard reset"
        # No more CronJob runs from here on.
        jobctl suspend cronjob tick >/dev/null
        # Power cuts: 10 hard resets at random moments while an Indexed Job of 100 short pods runs. Every cut
        # ends the running pods (DisruptionTarget, ignored by the Job's podFailurePolicy), and ignored failures
        # advance the re-creation back-off as on a cluster (docs/job-semantics.md); jobsd keeps the back-off
        # across restarts, so 30 of them would hold new pods back for minutes: a short one, by a drop-in.
        mkdir -p /etc/systemd/system/jobsd.service.d
        printf '[Service]\nExecStart=\nExecStart=%s --backoff-base=500ms --backoff-max=5s\n' \
                "$(sed -n 's/^ExecStart=//p' /lib/systemd/system/jobsd.service)" > /etc/systemd/system/jobsd.service.d/vmtest-backoff.conf
        sync /etc/systemd/system/jobsd.service.d/vmtest-backoff.conf
        systemctl daemon-reload && systemctl restart jobsd && jobsd_up
        log "# power cuts with a drop-in: $(systemctl show -P ExecStart jobsd | grep -o 'argv\[\][^;]*')"
        : > $S/runs
        manifest cuts <<EOF
apiVersion: batch/v1
kind: Job
metadata: {name: cuts}
spec:
  completionMode: Indexed
  completions: 100
  parallelism: 3
  backoffLimit: 0
  podFailurePolicy:
    rules:
    - action: Ignore
      onPodConditions: [{type: DisruptionTarget}]
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: c
        image: debian
        command: [sh, -c, 'sleep 2; echo \$JOB_COMPLETION_INDEX >> $S/runs']
EOF
        echo 0 > $S/cut
        set_phase cuts ;&

cuts)
        k=$(cat $S/cut)
        if [ "$k" -gt 0 ]; then
                jobsd_up || not_ok "power cut $k: jobsd started by itself"
                log "# power cut $k: $(systemd-analyze 2>/dev/null | head -1); jobsd active $(awk '{printf "%.1f", $1}' /proc/uptime) s after boot at the latest, $(date -u +%T)"
                if errs=$(journalctl -b -u jobsd -p err --no-pager -q 2>&1) && [ -z "$errs" ]; then
                        ok "power cut $k: jobsd logged no error (no corrupt or lost state file)"
                else
                        not_ok "power cut $k: jobsd logged no error (no corrupt or lost state file)" "$errs"
                fi
                now_ci=$(jj cuts '.status.completedIndexes // ""') now_s=$(jj cuts '.status.succeeded // 0')
                last=$(cat $S/last-sample 2>/dev/null)
                last_s=${last%% *} last_ci=${last#* }
                [ -n "$last" ] || last_s=0 last_ci=
                lost=$(comm -23 <(indexes "$last_ci" | sort) <(indexes "$now_ci" | sort) | paste -sd,)
                if [ -n "$now_ci$now_s" ] && [ "$now_s" -ge "${last_s:-0}" ] && [ -z "$lost" ]; then
                        ok "power cut $k: every count jobctl showed before the cut is still there (succeeded $last_s -> $now_s)"
                else
                        not_ok "power cut $k: every count jobctl showed before the cut is still there" \
                                "before: succeeded=$last_s completedIndexes=$last_ci" "after: succeeded=$now_s completedIndexes=$now_ci" "lost: $lost"
                fi
        fi
        if [ "$k" -lt 10 ]; then
                echo $((k + 1)) > $S/cut
                # Keep what jobctl shows on the host, until the cut.
                ( while :; do
                        v=$(jj cuts '"\(.status.succeeded // 0) \(.status.completedIndexes // "")"') && [ -n "$v" ] &&
                                echo "$v" > $S/sample.tmp && mv $S/sample.tmp $S/last-sample
                        sleep 0.1
                  done ) &
                if ! until_true 60 '[ "$(jj cuts .status.active)" -ge 1 ]'; then
                        not_ok "power cut $((k + 1)): pods run again within 60 s of jobsd's start" "$(counts cuts)" \
                                "$(jobctl describe job cuts 2>&1 | tail -15)" "$(journalctl -b -u jobsd --no-pager -o short-monotonic | tail -40)"
                fi
                log "# power cut $((k + 1)): asked at $(date -u +%T), $(awk '{printf "%.1f", $1}' /proc/uptime) s after boot"
                ask_reset 0.5-8
                sleep infinity
        fi
        if wait_condition cuts Complete 900; then ok "after 10 power cuts the Job completes"; else not_ok "after 10 power cuts the Job completes" "$(jobctl describe job cuts 2>&1 | tail -30)"; fi
        expect_counts "every index counted succeeded exactly once" cuts "succeeded=100 failed=0 active=0 completedIndexes=0-99"
        runs=$(wc -l < $S/runs) uniq=$(sort -u $S/runs | wc -l)
        log "# power cuts: $runs pod runs finished for 100 indexes ($uniq distinct): $((runs - uniq)) ran again after a cut lost them before they were counted"
        if [ "$uniq" -eq 100 ]; then ok "every index ran to its end"; else not_ok "every index ran to its end" "$uniq distinct"; fi
        set_phase upgrade ;&

upgrade)
        rm -f /etc/systemd/system/jobsd.service.d/vmtest-backoff.conf && systemctl daemon-reload
        # An upgrade (a reinstall) while a pod runs: the pod goes on, the new jobsd adopts it.
        manifest up <<'EOF'
apiVersion: batch/v1
kind: Job
metadata: {name: up}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - {name: c, image: debian, command: [sleep, "25"]}
EOF
        until_true 120 '[ "$(jj up .status.active)" = 1 ]'
        u=$(systemctl list-units --no-legend --plain 'jobsd-default_up_*.service' | awk '{print $1; exit}')
        inv=$(systemctl show -P InvocationID "$u") pid=$(systemctl show -P MainPID jobsd)
        cp $S/jobsd.deb /root/jobsd.deb
        check "apt install --reinstall while a pod runs" apt-get install -y -q --reinstall /root/jobsd.deb
        if jobsd_up 60 && [ "$(systemctl show -P MainPID jobsd)" != "$pid" ]; then ok "the upgrade restarted jobsd"; else not_ok "the upgrade restarted jobsd" "MainPID $pid -> $(systemctl show -P MainPID jobsd)"; fi
        if [ "$(systemctl show -P InvocationID "$u")" = "$inv" ] && [ "$(systemctl is-active "$u")" = active ]; then ok "the pod ran on through the upgrade ($u)"; else not_ok "the pod ran on through the upgrade" "$u: $(systemctl show -P ActiveState,InvocationID "$u")"; fi
        if wait_condition up Complete 300; then expect_counts "the new jobsd adopted the pod: counted once" up "succeeded=1 failed=0 active=0 completedIndexes="; else not_ok "the adopted pod's Job completes" "$(jobctl describe job up 2>&1)"; fi

        # Removal keeps /etc/jobs.d and the state; a reinstall adopts it; purge removes the state.
        uid=$(jj pi .metadata.uid)
        check "apt remove jobsd" apt-get remove -y -q jobsd
        check "after remove: jobsd is stopped" eval '! systemctl is-active jobsd'
        check "after remove: /etc/jobs.d and the state are kept" test -f /etc/jobs.d/pi.yaml -a -f /var/lib/jobsd/jobs/default_pi.job -o -f /etc/jobs.d/pi.yaml -a -n "$(ls /var/lib/jobsd/jobs 2>/dev/null)"
        check "apt install after remove" apt-get install -y -q /root/jobsd.deb
        check "the reinstalled jobsd runs" jobsd_up 60
        if [ "$(jj pi .metadata.uid)" = "$uid" ] && jobctl get jobs | grep -qE '^pi +Complete +1/1'; then ok "the reinstall adopted the kept state: pi still Complete, not run again"; else not_ok "the reinstall adopted the kept state" "$(jobctl get jobs 2>&1)"; fi
        check "apt purge jobsd" apt-get purge -y -q jobsd
        check "after purge: the state is gone" test ! -e /var/lib/jobsd
        check "after purge: jobsd and its unit are gone" eval '! test -e /usr/libexec/jobsd && ! systemctl cat jobsd >/dev/null 2>&1'
        finish ;;
esac
