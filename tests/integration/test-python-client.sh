#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The official Kubernetes Python client (Debian's python3-kubernetes) against jobsd --api-listen in the
# suite's sandbox (tests/integration/sandbox.sh; docs/kubernetes-api.md, "The Python client"): the checks
# are in python-client.py, run with the kubeconfig jobsd writes. Skips (with the reason) where
# python3-kubernetes is missing. Usage: test-python-client.sh BUILD_DIR
set -u
build=${1:?build directory}
here=$(cd "$(dirname "$0")" && pwd)
# Debian's python3 with Debian's python3-kubernetes (tools/install-deps.sh), not another python3 that may
# come first in PATH.
PY=/usr/bin/python3
if ! out=$("$PY" -c 'import kubernetes, kubernetes.watch' 2>&1); then
        echo "1..0 # SKIP python3-kubernetes is not installed (apt-get install python3-kubernetes): $(echo "$out" | tail -1)"
        exit 0
fi
. "$here/sandbox.sh"
. "$here/lib.sh"

JOBSD=$build/supervisor/jobsd
JOBCTL=$build/supervisor/jobctl
sandbox_start_tap
t_start=$(now)
manifests=$SANDBOX_DIR/manifests
state=$SANDBOX_DIR/state
mkdir -p "$manifests" "$state" "$SANDBOX_DIR/home"
export HOME=$SANDBOX_DIR/home
kubeconfig=$state/kubeconfig

port=$(free_port)

# The manifest directory's objects, which the client reads beside its own.
cat > "$manifests/filejob.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: filejob}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: ["true"]}]
---
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
          containers: [{name: c, image: busybox, command: ["true"]}]
YAML

start_jobsd --api-listen="127.0.0.1:$port"
if until_true 20 "[ -s '$kubeconfig' ] && (exec 3<>/dev/tcp/127.0.0.1/$port)"; then
        ok "jobsd --api-listen on 127.0.0.1:$port, its kubeconfig written"
else
        not_ok "jobsd --api-listen and its kubeconfig" "$(sandbox_journal -u jobsd -o cat | tail -20)"
fi

t0=$(now)
timeout 180 "$PY" "$here/python-client.py" "$kubeconfig" $((n + 1)) "$SANDBOX_DIR/py-result" "$JOBCTL" "$SANDBOX_JOURNAL_DIR" |
        tee "$SANDBOX_DIR/py-out"
rc=${PIPESTATUS[0]}
if read -r count fails < "$SANDBOX_DIR/py-result" 2>/dev/null; then
        n=$((n + count)); failed=$((failed + fails))
        echo "# python-client.py: $count checks in $(since "$t0") s"
else
        # It stopped half-way: its checks so far count, then this failure.
        count=$(grep -cE '^(not )?ok ' "$SANDBOX_DIR/py-out"); fails=$(grep -c '^not ok ' "$SANDBOX_DIR/py-out")
        n=$((n + count)); failed=$((failed + fails))
        not_ok "python-client.py ran to its end" "exit status $rc" "$(sandbox_journal -u jobsd -o cat | tail -20)"
fi

stop_jobsd
jobsd_stopped_cleanly
check_no_sanitizer_report
echo "# whole run: $(since "$t_start") s"
echo "1..$n"
[ $failed = 0 ]
