#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Containers in their images through podman (docs/containers.md), on a sandboxed systemd user manager:
# images built here (podman import of a busybox root file system), in a podman storage of the sandbox's
# own (jobsd --podman-arg), never the machine's; pulls come from a registry the test runs in its sandbox
# (podman-lib.sh). One TAP line per item. B = 250 ms.
# Usage: test-podman.sh BUILD_DIR EXAMPLES_DIR
set -u
build=${1:?build directory}
examples=${2:?examples directory}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/sandbox.sh"
. "$here/lib.sh"

JOBSD=$build/supervisor/jobsd
JOBCTL=$build/supervisor/jobctl
. "$here/podman-lib.sh"
if ! podman_usable; then
        echo "1..0 # SKIP podman, crun or busybox-static is not installed (tools/install-deps.sh)"
        exit 0
fi
podman_guard_run
SANDBOX_V1_LIMITS=1     # memory and CPU limits are enforced on a hybrid machine too (checks 7, 7b)
sandbox_start_tap
t_start=$(date +%s.%N)
manifests=$SANDBOX_DIR/manifests
state=$SANDBOX_DIR/state
mkdir -p "$manifests" "$state"
podman_setup
if podman_images; then
        ok "images built locally in the test's own storage"
else
        not_ok "images built locally" "$(pm images 2>&1)"
fi
# A registry of the test's own serves the pulls (there is no other one: these machines reach no registry):
# jobsd-test/pulled:1, and luksa/batch-job:latest as docker.io's mirror, no longer in the local storage.
img=localhost/jobsd-test/busybox:1
if podman_registry && pm push -q --tls-verify=false "$img" "$registry/jobsd-test/pulled:1" &&
   pm push -q --tls-verify=false docker.io/luksa/batch-job:latest "$registry/luksa/batch-job:latest" &&
   pm rmi -f docker.io/luksa/batch-job:latest >/dev/null && ! pm image exists docker.io/luksa/batch-job:latest; then
        ok "a registry on 127.0.0.1 ($registry) holds the images to pull"
else
        not_ok "local registry" "registry binary: '$(podman_registry_bin)' (tools/install-deps.sh unpacks it)" \
                "$(sandbox_journal -u test-registry -o cat | tail -5)"
fi

mapfile -t extra < <(podman_jobsd_args)
start_jobsd --default-runtime=podman "${extra[@]}"
until_true 10 'jobctl get jobs'

job() {         # job NAME [RESTART] [EXTRA SPEC LINES] -- CONTAINER YAML: a Job with backoffLimit 0
        local name=$1 restart=$2; shift 2
        cat <<YAML
---
apiVersion: batch/v1
kind: Job
metadata: {name: $name}
spec:
  backoffLimit: 0
$(printf '%s\n' "$@")
  template:
    spec:
      restartPolicy: $restart
YAML
}
logs() { jobctl logs "$1" 2>/dev/null; }
qcheck() { ( check "$@" ) >/dev/null; }     # check without its TAP line

# 2 success: the image's own ENTRYPOINT and CMD
{ job ok Never; cat <<YAML
      containers: [{name: main, image: $img}]
YAML
} > "$manifests/ok.yaml"
# The log is the container's output alone: nothing of podman's (no container ID from --detach).
if qcheck ok Complete CompletionsReached 1 0 && until_true 5 'logs ok | grep -qx image-cmd' && [ "$(logs ok)" = image-cmd ]; then
        ok "success: the image's ENTRYPOINT and CMD run, their output alone in the journal"
else
        not_ok "success" "$(jobctl describe job ok | tail -8)" "$(logs ok | tail -3)"
fi

# 3 exit codes: the container's exit code reaches the Job; a podFailurePolicy rule on it
{ job exit3 Never; cat <<YAML
      containers: [{name: main, image: $img, command: [sh, -c, 'exit 3']}]
YAML
  job pfp Never "  podFailurePolicy:" "    rules: [{action: FailJob, onExitCodes: {containerName: main, operator: In, values: [42]}}]"
  cat <<YAML
      containers: [{name: main, image: $img, args: ['exit 42']}]
YAML
} > "$manifests/exit.yaml"
qcheck exit3 Failed BackoffLimitExceeded 0 1; r1=$?
qcheck pfp Failed PodFailurePolicy 0 1; r2=$?
if [ $r1 = 0 ] && [ $r2 = 0 ] && jobctl get pods -l job-name=exit3 | grep -q Error &&
   jobctl describe job pfp | grep -q 'failed with exit code 42 matching FailJob rule'; then
        ok "exit codes: exit 3 counted, exit 42 matches a podFailurePolicy FailJob rule"
else
        not_ok "exit codes" "exit3 r=$r1 pfp r=$r2" "$(jobctl get pods -l job-name=exit3)" "$(jobctl describe job pfp | tail -8)"
fi

# 4 command replaces ENTRYPOINT (and the image's CMD goes), args replace CMD
{ job cmd Never; cat <<YAML
      containers: [{name: main, image: $img, command: [echo, from-command]}]
YAML
  job cmdargs Never; cat <<YAML
      containers: [{name: main, image: $img, command: [/bin/echo], args: [from, args]}]
YAML
  job argsonly Never; cat <<YAML
      containers: [{name: main, image: $img, args: ['echo args-only \$0']}]
YAML
} > "$manifests/cmd.yaml"
qcheck cmd Complete CompletionsReached 1 0; qcheck cmdargs Complete CompletionsReached 1 0
qcheck argsonly Complete CompletionsReached 1 0
if until_true 5 'logs cmd | grep -qx from-command' && ! logs cmd | grep -q image-cmd &&
   until_true 5 'logs cmdargs | grep -qx "from args"' && until_true 5 'logs argsonly | grep -qx "args-only /bin/sh"'; then
        ok "command replaces ENTRYPOINT (the image's CMD dropped), args replace CMD"
else
        not_ok "command/args" "cmd: $(logs cmd | tail -2)" "cmdargs: $(logs cmdargs | tail -2)" "argsonly: $(logs argsonly | tail -2)"
fi

# 5 env, JOB_COMPLETION_INDEX, hostname = the pod's
{ job idx Never "  completions: 2" "  parallelism: 2" "  completionMode: Indexed"; cat <<YAML
      containers:
      - name: main
        image: $img
        command: [sh, -c, 'echo "\$(GREETING) \$JOB_COMPLETION_INDEX \$(hostname) \$(id -u)"']
        env: [{name: GREETING, value: hello}]
        securityContext: {runAsUser: 1234}
YAML
} > "$manifests/idx.yaml"
qcheck idx Complete CompletionsReached 2 0
if until_true 10 'logs idx | grep -qx "hello 0 idx-0 1234" && logs idx | grep -qx "hello 1 idx-1 1234"'; then
        ok "env, JOB_COMPLETION_INDEX, hostname and runAsUser in the container"
else
        not_ok "env and index" "$(logs idx | tail -4)"
fi

# 5b workingDir, runAsGroup, hostPath volumes (one readOnly) in the container
mkdir -p "$SANDBOX_DIR/host-in" "$SANDBOX_DIR/host-out"
echo data-from-host > "$SANDBOX_DIR/host-in/file"
{ job paths Never; cat <<YAML
      containers:
      - name: main
        image: $img
        command: [sh, -c, 'pwd; id -g; cat /in/file; echo written > /out/result; if (echo x > /in/new) 2>/dev/null; then echo in-writable; else echo in-read-only; fi']
        workingDir: /tmp
        securityContext: {runAsUser: 0, runAsGroup: 4321}
        volumeMounts: [{name: in, mountPath: /in, readOnly: true}, {name: out, mountPath: /out}]
      volumes:
      - {name: in, hostPath: {path: $SANDBOX_DIR/host-in}}
      - {name: out, hostPath: {path: $SANDBOX_DIR/host-out}}
YAML
} > "$manifests/paths.yaml"
if qcheck paths Complete CompletionsReached 1 0 && until_true 5 'logs paths | grep -qx in-read-only' &&
   [ "$(logs paths | tr '\n' ' ')" = "/tmp 4321 data-from-host in-read-only " ] &&
   [ "$(cat "$SANDBOX_DIR/host-out/result" 2>/dev/null)" = written ] && [ ! -e "$SANDBOX_DIR/host-in/new" ]; then
        ok "workingDir, runAsGroup, hostPath volumes (readOnly kept read-only, the other written through to the host)"
else
        not_ok "workingDir, runAsGroup, hostPath" "$(logs paths | tr '\n' ' ')" "$(ls -l "$SANDBOX_DIR/host-out" "$SANDBOX_DIR/host-in")" \
                "$(jobctl describe job paths | tail -4)"
fi

# 6 a pod of several containers: two init containers first, in order; an emptyDir and the network namespace shared
{ job multi Never; cat <<YAML
      initContainers:
      - {name: init, image: $img, command: [sh, -c, 'sleep 0.3; echo from-init > /shared/x'], volumeMounts: [{name: s, mountPath: /shared}]}
      - {name: init2, image: $img, command: [sh, -c, 'test -s /shared/x && echo then-init2 >> /shared/x'], volumeMounts: [{name: s, mountPath: /shared}]}
      containers:
      - {name: a, image: $img, command: [sh, -c, 'readlink /proc/self/ns/net > /shared/a; cat /shared/x'], volumeMounts: [{name: s, mountPath: /shared}]}
      - {name: b, image: $img, command: [sh, -c, 'readlink /proc/self/ns/net > /shared/b; while ! test -s /shared/a; do sleep 0.1; done; cmp() { test "\$(cat /shared/a)" = "\$(cat /shared/b)"; }; cmp && echo same-netns'], volumeMounts: [{name: s, mountPath: /shared}]}
      volumes: [{name: s, emptyDir: {}}]
YAML
} > "$manifests/multi.yaml"
qcheck multi Complete CompletionsReached 1 0
# The second init container runs only after the first ended (it fails if the first has not written).
if until_true 10 'logs multi | grep -qx then-init2 && logs multi | grep -qx same-netns' &&
   [ "$(logs multi | grep -E '^(from-init|then-init2)$' | paste -sd' ')" = "from-init then-init2" ]; then
        ok "multi-container pod: init containers first and in order, emptyDir and network namespace shared"
else
        not_ok "multi-container pod" "$(logs multi | tail -4)" "$(jobctl describe job multi | tail -8)"
fi

# 7 a memory limit that kills the container: OOMKilled, a pod failure. On a machine whose memory
# controller is on cgroup v1 the sandbox's manager runs in systemd's hybrid layout (SANDBOX_V1_LIMITS),
# where systemd enforces the limit and jobsd's own watch (supervisor/memcg-v1.c) sees the kill.
# The same for a host pod; and a SIGKILL that is no OOM kill stays an Error with exit code 137.
# Each has a podFailurePolicy rule on exit code 137: the Job's reason PodFailurePolicy shows the code.
rule137="  podFailurePolicy: {rules: [{action: FailJob, onExitCodes: {operator: In, values: [137]}}]}"
on_host() { sed 's/^metadata: {name: \(.*\)}$/metadata: {name: \1, annotations: {jobsd.io\/runtime: host}}/'; }
status() { jobctl get pods -l job-name="$1" | awk 'NR == 2 { print $3 }'; }     # status NAME: the pod's STATUS
if grep -qw memory "$SANDBOX_CGROUP/cgroup.controllers" || [ "$SANDBOX_HYBRID" = 1 ]; then
        layout=$([ "$SANDBOX_HYBRID" = 1 ] && echo "hybrid: memory on cgroup v1" || echo "cgroup v2")
        { job oom Never "$rule137"; cat <<YAML
      containers: [{name: main, image: $img, command: [dd, if=/dev/zero, of=/dev/null, bs=256M, count=1], resources: {limits: {memory: 64Mi}}}]
YAML
        } > "$manifests/oom.yaml"
        { job oom-host Never "$rule137"; cat <<YAML
      containers: [{name: main, image: $img, command: [sh, -c, 'echo start; dd if=/dev/zero of=/dev/null bs=256M count=1; echo survived; sleep 300'], resources: {limits: {memory: 64Mi}}}]
YAML
        } | on_host > "$manifests/oom-host.yaml"
        # On the host: in a container the shell would be PID 1 of its namespace, immune to its own kill.
        # "\$\$\$\$": the kubelet's expansion makes "\$\$" of it, the shell's PID.
        { job killed Never "$rule137"; cat <<YAML
      containers: [{name: main, image: $img, command: [sh, -c, 'kill -9 \$\$\$\$'], resources: {limits: {memory: 64Mi}}}]
YAML
        } | on_host > "$manifests/killed.yaml"
        if qcheck oom Failed PodFailurePolicy 0 1 && [ "$(status oom)" = OOMKilled ]; then
                ok "a memory limit kills the container: OOMKilled, exit code 137, counted as a pod failure ($layout)"
        else
                not_ok "memory limit" "$(jobctl get pods -l job-name=oom)" "$(jobctl describe job oom | tail -10)"
        fi
        # The host pod's shell survives its child's kill and would sleep 300 s: the Job fails within the 60 s
        # check waits only because the whole unit is killed, as OOMPolicy=stop does on cgroup v2.
        if qcheck oom-host Failed PodFailurePolicy 0 1 && [ "$(status oom-host)" = OOMKilled ]; then
                ok "a memory limit kills a host pod: OOMKilled, the whole pod stopped, counted as a pod failure ($layout)"
        else
                not_ok "memory limit, host pod" "$(logs oom-host)" "$(jobctl get pods -l job-name=oom-host)" "$(jobctl describe job oom-host | tail -10)"
        fi
        if qcheck killed Failed PodFailurePolicy 0 1 && [ "$(status killed)" = Error ]; then
                ok "a SIGKILL that is no OOM kill, under a memory limit: Error with exit code 137, not OOMKilled"
        else
                not_ok "SIGKILL under a memory limit" "$(jobctl get pods -l job-name=killed)" "$(jobctl describe job killed | tail -10)"
        fi
else
        for t in "a container" "a host pod" "a SIGKILL that is no OOM kill"; do
                ok "memory limit: $t # SKIP the memory controller is neither on cgroup v2 nor on a v1 hierarchy here"
        done
fi

# 7b CPU: limits.cpu 500m is CPUQuota=50% and requests.cpu 250m is CPUWeight=10 (the kubelet's shares,
# 256, on systemd's weight scale). Both must reach the container's cgroup, and a busy container must be
# throttled by the kernel: the cgroup's nr_throttled grows. On cgroup v1 (these VMs: cpu is a v1 hierarchy,
# brought into the sandbox by SANDBOX_V1_LIMITS) the files are cpu.cfs_quota_us/cfs_period_us and
# cpu.shares, which systemd sets to weight·1024/100 = 102; on v2, cpu.max and cpu.weight.
cpu_root=
for c in ${SANDBOX_V1_CGROUPS:-}; do case $c in /sys/fs/cgroup/cpu/*) cpu_root=$c; cpu_v=1 ;; esac; done
[ -z "$cpu_root" ] && grep -qw cpu "$SANDBOX_CGROUP/cgroup.controllers" && cpu_root=$SANDBOX_CGROUP cpu_v=2
if [ -n "$cpu_root" ]; then
        { job cpu Never "  activeDeadlineSeconds: 60"; cat <<YAML
      containers: [{name: main, image: $img, command: [sh, -c, 'trap "exit 0" TERM; echo busy; while :; do :; done'], resources: {limits: {cpu: 500m}, requests: {cpu: 250m}}}]
YAML
        } > "$manifests/cpu.yaml"
        cg=
        until_true 20 'cg=$(find "$cpu_root" -type d -name jobsd-default_cpu_0_0_main.service | head -1); [ -n "$cg" ] && logs cpu | grep -qx busy'
        throttled() { awk '$1 == "nr_throttled" { print $2 }' "$cg/cpu.stat" 2>/dev/null; }
        if [ "$cpu_v" = 1 ]; then
                got="$(cat "$cg/cpu.cfs_quota_us" "$cg/cpu.cfs_period_us" "$cg/cpu.shares" 2>/dev/null | paste -sd' ')" want="50000 100000 102"
        else
                got="$(cat "$cg/cpu.max" "$cg/cpu.weight" 2>/dev/null | paste -sd' ')" want="50000 100000 10"
        fi
        t0=$(throttled)
        if [ -n "$cg" ] && [ "$got" = "$want" ] && until_true 10 '[ "$(throttled)" -gt "${t0:-0}" ]'; then
                ok "CPU limit and request reach the container's cgroup ($want, cgroup v$cpu_v) and throttle it (nr_throttled $t0 -> $(throttled))"
        else
                not_ok "CPU limit" "cgroup: '$cg' (v$cpu_v), expected '$want', got '$got', nr_throttled $t0 -> $(throttled)" \
                        "$(jobctl get pods -l job-name=cpu)"
        fi
        rm -f "$manifests/cpu.yaml"
        until_true 20 '! jobctl get job cpu && [ -z "$(pm ps -a -q --filter name=jobsd-default_cpu_0_0_main)" ]'
else
        ok "CPU limit # SKIP the cpu controller is neither on cgroup v2 nor on a separate v1 hierarchy here"
fi

# 8 podman's own failure (exit 125-127) is a StartError, never an exit code of the container
{ job noexec Never; cat <<YAML
      containers: [{name: main, image: $img, command: [/no/such/program]}]
YAML
} > "$manifests/noexec.yaml"
if qcheck noexec Failed BackoffLimitExceeded 0 1 && jobctl get pods -l job-name=noexec | grep -q StartError &&
   jobctl describe job noexec | grep -q 'podman exited 127'; then
        ok "podman's exit 127 (no such program) is a StartError, not the container's exit code"
else
        not_ok "podman failure as StartError" "$(jobctl get pods -l job-name=noexec)" "$(jobctl describe job noexec | tail -4)"
fi

# 8b a container that itself exits 126 (podman's own code for "cannot run the command"): its exit code
# reaches the Job exactly, since the container had started (conmon's READY=1 made the unit active).
{ job exit126 Never "  podFailurePolicy: {rules: [{action: FailJob, onExitCodes: {operator: In, values: [126, 127]}}]}"; cat <<YAML
      containers: [{name: main, image: $img, command: [sh, -c, 'echo ran; exit 126']}]
YAML
} > "$manifests/exit126.yaml"
if qcheck exit126 Failed PodFailurePolicy 0 1 && [ "$(status exit126)" = Error ] &&
   jobctl describe job exit126 | grep -q 'failed with exit code 126 matching FailJob rule'; then
        ok "a container that itself exits 126: exit code 126 reaches the Job (a podFailurePolicy rule matches), not a StartError"
else
        not_ok "container exit 126" "$(jobctl get pods -l job-name=exit126)" "$(jobctl describe job exit126 | tail -6)"
fi

# 9 the seed examples whose image has no command, unchanged: no tag, so imagePullPolicy Always, a pull from
# Docker Hub (here its mirror, the test's registry) before each container
# (describe folds repeated events into one line, "(x2)": the journal has each)
pulls() { sandbox_journal -t jobsd -o cat | grep -c "^default/$1: Pulling: Pulling image \"luksa/batch-job\"$"; }
if [ ! -f "$examples/seeds/batch-job.yaml" ]; then
        ok "seed examples run in their image # SKIP no examples at $examples"
elif cp "$examples/seeds/batch-job.yaml" "$examples/seeds/multi-completion-batch-job.yaml" "$manifests/" &&
   qcheck batch-job Complete CompletionsReached 1 0 && qcheck multi-completion-batch-job Complete CompletionsReached 5 0 &&
   until_true 5 'logs batch-job | grep -q "batch-job done"' &&
   jobctl describe job batch-job | grep -q 'Successfully pulled image "luksa/batch-job"' &&
   [ "$(pulls batch-job)" = 1 ] && [ "$(pulls multi-completion-batch-job)" = 5 ] &&
   pm image exists docker.io/luksa/batch-job:latest; then
        ok "seed examples batch-job and multi-completion-batch-job, unchanged, pull their image (Always: 1 and 5 pulls) and run in it"
else
        not_ok "seed examples" "$(jobctl get jobs)" "pulls: $(pulls batch-job) $(pulls multi-completion-batch-job)" \
                "$(jobctl describe job batch-job | tail -8)"
fi

# 9b a tagged image not in storage (IfNotPresent): pulled once, then run; a second Job finds it present
pulled=$registry/jobsd-test/pulled:1
for name in pulled pulled-again; do
        { job $name Never; cat <<YAML
      containers: [{name: main, image: $pulled}]
YAML
        } > "$manifests/$name.yaml"
        qcheck $name Complete CompletionsReached 1 0
done
if jobctl describe job pulled | grep -q "Pulling image \"$pulled\"" &&
   jobctl describe job pulled | grep -q "Successfully pulled image \"$pulled\"" &&
   until_true 5 'logs pulled | grep -qx image-cmd' &&
   jobctl describe job pulled-again | grep -q "Container image \"$pulled\" already present on machine" &&
   ! jobctl describe job pulled-again | grep -q Pulling; then
        ok "IfNotPresent: a missing image is pulled (Pulling, Pulled) and runs; the next pod finds it present"
else
        not_ok "IfNotPresent pull" "$(jobctl describe job pulled | tail -8)" "$(jobctl describe job pulled-again | tail -4)"
fi

# 10 deletion stops the container (SIGTERM first): no podman, conmon or container process left, no container in storage
{ job long Never; cat <<YAML
      terminationGracePeriodSeconds: 2
      containers: [{name: main, image: $img, command: [sh, -c, 'trap "echo got SIGTERM; exit 0" TERM; echo started; while :; do sleep 0.1; done']}]
YAML
} > "$manifests/long.yaml"
until_true 20 '[ "$(field long active)" = 1 ] && pm ps --format "{{.Names}}" | grep -q long && sandbox_journal -t long | grep -q started'
running=$(field long active)
rm "$manifests/long.yaml"
procs() { cat $(find "$SANDBOX_CGROUP" -name cgroup.procs) 2>/dev/null | while read -r p; do cat "/proc/$p/cmdline" 2>/dev/null | tr '\0' ' '; echo; done | grep -E '^(/usr/bin/)?(conmon|podman|crun|sh -c trap|sleep 0.1)' | grep -v ' rm --force'; }
# SIGTERM reaches the container (conmon, the unit's main process, passes it on) within the grace period.
if until_true 15 '! jobctl get job long' && until_true 10 '[ -z "$(procs)" ]' && until_true 10 '[ -z "$(pm ps -a -q)" ]' &&
   sandbox_journal -t long | grep -q 'got SIGTERM'; then
        ok "deletion stops the container with SIGTERM: no podman, conmon or container process left, none in storage"
else
        not_ok "deletion" "active before: $running; job: $(jobctl get job long 2>&1 | tail -1)" "$(sandbox_journal -t long -o cat | tail -3)" "$(procs)" "$(pm ps -a)" "$(systemctl --user list-units --all 'jobsd-*long*' --no-legend)"
fi

# 11 imagePullPolicy IfNotPresent with the image present: no pull (no Pulling event), "already present"
if jobctl describe job ok | grep -q 'Pulled.*Container image "localhost/jobsd-test/busybox:1" already present on machine' &&
   ! jobctl describe job ok | grep -q 'Pulling'; then
        ok "IfNotPresent, image present: not pulled (Pulled: already present on machine, no Pulling)"
else
        not_ok "IfNotPresent without a pull" "$(jobctl describe job ok | tail -8)"
fi

# 12-14 a missing image (nothing serves localhost:443): the pod stays Pending in ErrImagePull / ImagePullBackOff,
# retried with back-off, never counted; the Job's activeDeadlineSeconds ends it
missing=localhost/jobsd-test/missing:1
{ job missing Never "  activeDeadlineSeconds: 10"; cat <<YAML
      containers: [{name: main, image: $missing, command: ['true']}]
YAML
} > "$manifests/missing.yaml"
t_missing=$(date +%s.%N)
# The deadline leaves room for a few pulls when the machine is busy (the tests run four at a time).
if until_true 8 'jobctl get pods -l job-name=missing | grep -qE " (ErrImagePull|ImagePullBackOff) "' &&
   until_true 8 'jobctl describe job missing | grep -q "Back-off pulling image \"$missing\""' &&
   [ "$(field missing failed)" = 0 ] && [ "$(field missing active)" = 1 ] &&
   jobctl describe job missing | grep -q "Pulling image \"$missing\"" &&
   jobctl describe job missing | grep -q "Failed to pull image \"$missing\"" &&
   jobctl describe job missing | grep -q "Error: ErrImagePull"; then
        ok "missing image: Pending in ErrImagePull/ImagePullBackOff, events Pulling, Failed, BackOff, failed 0"
else
        not_ok "missing image" "$(jobctl get pods -l job-name=missing)" "$(jobctl describe job missing | tail -12)"
fi
if jobctl get pods -l job-name=missing -o wide | grep -qE "^missing-[^ ]+ +0/1 .* $missing +jobsd-"; then
        ok "get pods -o wide shows the pod's image"
else
        not_ok "get pods -o wide IMAGE" "$(jobctl get pods -l job-name=missing -o wide)"
fi
jobctl get pods -l job-name=missing -o wide | sed 's/^/# /'
check missing Failed DeadlineExceeded 0 1 1
jobctl describe job missing | grep -E 'Pull|BackOff|Deadline' | sed 's/^/# /'
echo "# missing image: DeadlineExceeded after $(since "$t_missing") s, $(jobctl describe job missing | grep -c 'Failed to pull') failed-pull event lines"
if until_true 5 '[ -z "$(systemctl --user list-units --all "jobsd-pull-*" --no-legend)" ]'; then
        ok "no pull unit left once the Job ended"
else
        not_ok "pull units left" "$(systemctl --user list-units --all 'jobsd-pull-*' --no-legend)"
fi

# 15-18 imagePullPolicy Never: the image is only looked for. Missing, the container waits in ErrImageNeverPull
# (the pod Pending, nothing counted, so backoffLimit 0 does not run out), looked for again every B; the
# deadline ends it, the waiting pod counted failed once. An image that appears meanwhile is used; a present
# one runs at once.
never=localhost/jobsd-test/never:1 later=localhost/jobsd-test/later:1
{ job never Never "  activeDeadlineSeconds: 8"; cat <<YAML
      containers: [{name: main, image: $never, imagePullPolicy: Never, command: ['true']}]
YAML
  job never-later Never; cat <<YAML
      containers: [{name: main, image: $later, imagePullPolicy: Never}]
YAML
  job never-present Never; cat <<YAML
      containers: [{name: main, image: $img, imagePullPolicy: Never}]
YAML
} > "$manifests/never.yaml"
t_never=$(now)
never_checks() { sandbox_journal -t jobsd -o cat | grep -c "^default/$1: ErrImageNeverPull: Container image \"$2\" is not present with pull policy of Never$"; }
if until_true 8 'jobctl get pods -l job-name=never | grep -qE "^never-[^ ]+ +0/1 +ErrImageNeverPull "' &&
   until_true 8 '[ "$(never_checks never "$never")" -ge 3 ]' &&
   [ "$(field never failed)" = 0 ] && [ "$(field never active)" = 1 ] &&
   jobctl describe job never | grep -q "Container image \"$never\" is not present with pull policy of Never" &&
   jobctl describe job never | grep -q "Error: ErrImageNeverPull" &&
   ! jobctl describe job never | grep -qE "Pulling|StartError|podman exited"; then
        ok "Never, image missing: Pending in ErrImageNeverPull, looked for again ($(never_checks never "$never") checks), no pull, failed 0"
else
        not_ok "Never, image missing" "$(jobctl get pods -l job-name=never)" "checks: $(never_checks never "$never")" \
                "$(jobctl describe job never | tail -12)"
fi
jobctl get pods -l job-name=never | sed 's/^/# /'
# The image appears (as a podman load or build would make it): the waiting container starts with it.
until_true 8 'jobctl get pods -l job-name=never-later | grep -q ErrImageNeverPull'
pm tag "$img" "$later"
if qcheck never-later Complete CompletionsReached 1 0 && until_true 5 'logs never-later | grep -qx image-cmd' &&
   jobctl describe job never-later | grep -q "Container image \"$later\" already present on machine"; then
        ok "Never: an image that appears while the container waits is used (Complete, failed 0)"
else
        not_ok "Never, image appears" "$(jobctl get pods -l job-name=never-later)" "$(jobctl describe job never-later | tail -8)"
fi
if qcheck never-present Complete CompletionsReached 1 0 &&
   jobctl describe job never-present | grep -q "Container image \"$img\" already present on machine" &&
   ! jobctl describe job never-present | grep -q Pulling; then
        ok "Never, image present: runs (Pulled: already present on machine, no Pulling)"
else
        not_ok "Never, image present" "$(jobctl describe job never-present | tail -8)"
fi
check never Failed DeadlineExceeded 0 1 1
jobctl describe job never | grep -E 'NeverPull|Deadline' | sed 's/^/# /'
echo "# Never, missing image: DeadlineExceeded after $(since "$t_never") s, $(never_checks never "$never") checks"
if until_true 5 '[ -z "$(systemctl --user list-units --all "jobsd-pull-*" --no-legend)" ]'; then
        ok "no check unit left once the Never Jobs ended"
else
        not_ok "check units left" "$(systemctl --user list-units --all 'jobsd-pull-*' --no-legend)"
fi

stop_jobsd
check_no_sanitizer_report
echo "# whole run: $(since "$t_start") s"
echo "1..$n"
[ $failed = 0 ]
