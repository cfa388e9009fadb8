#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The Kubernetes API's answers (docs/kubernetes-api.md): with N Jobs (default 200) on a sandboxed user
# manager, the time of `kubectl get jobs` (the table), of 200 GETs of one Job and 200 lists of all of
# them over one kept-alive TLS connection (curl), of one watch event's delivery (a Job's change to
# `kubectl get -w` printing it) and of `kubectl create -f` to Complete; and jobsd's RSS before and after.
#   tests/bench/api-requests.sh [BUILD_DIR] [N]
set -u
build=$(realpath "${1:-build}")
n=${2:-200}
here=$(cd "$(dirname "$0")/../integration" && pwd)
. "$here/sandbox.sh"
command -v kubectl >/dev/null || { echo "no kubectl" >&2; exit 1; }
sandbox_start
mkdir -p "$SANDBOX_DIR/m" "$SANDBOX_DIR/s" "$SANDBOX_DIR/home"
export HOME=$SANDBOX_DIR/home KUBECONFIG=$SANDBOX_DIR/s/kubeconfig
for i in $(seq "$n"); do
        cat > "$SANDBOX_DIR/m/j$i.yaml" <<YAML
apiVersion: batch/v1
kind: Job
metadata: {name: j$i, labels: {bench: "yes"}}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: ["true"]}]
YAML
done
port=$((20000 + RANDOM % 30000))
systemd-run --user --quiet --unit=jobsd -p Type=notify "$build/supervisor/jobsd" --user \
        --manifest-dir="$SANDBOX_DIR/m" --state-dir="$SANDBOX_DIR/s" --api-listen="127.0.0.1:$port"
pid=$(systemctl --user show -P MainPID jobsd)
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) * 1000 }'; }
rss0=$(rss)
for _ in $(seq 600); do
        [ "$("$build/supervisor/jobctl" --user get jobs 2>/dev/null | grep -c Complete)" -ge "$n" ] && break
        sleep 0.1
done
api=https://127.0.0.1:$port/apis/batch/v1/namespaces/default/jobs
auth=(--cacert "$SANDBOX_DIR/s/api/ca.crt" --cert "$SANDBOX_DIR/s/api/admin.crt" --key "$SANDBOX_DIR/s/api/admin.key")
kubectl get jobs >/dev/null       # discovery cached
t0=$(date +%s.%N); kubectl get jobs >/dev/null; t1=$(date +%s.%N)
echo "kubectl get jobs ($n Jobs, table): $(ms "$t0" "$t1") ms (the whole kubectl process)"
# curl's config: 200 URLs, each to /dev/null, over one connection.
many() { for _ in $(seq 200); do printf 'url = "%s"\noutput = "/dev/null"\n' "$1"; done > "$SANDBOX_DIR/curl.conf"; }
many "$api/j1"
t0=$(date +%s.%N); curl -s "${auth[@]}" -K "$SANDBOX_DIR/curl.conf"; t1=$(date +%s.%N)
echo "200 GETs of one Job over one connection: $(ms "$t0" "$t1") ms, $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", 200 / (b - a) }')/s"
many "$api"
bytes=$(curl -s "${auth[@]}" "$api" | wc -c)
t0=$(date +%s.%N); curl -s "${auth[@]}" -K "$SANDBOX_DIR/curl.conf"; t1=$(date +%s.%N)
echo "200 lists of $n Jobs ($bytes bytes each): $(ms "$t0" "$t1") ms, $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", 200 / (b - a) }')/s"
kubectl get jobs -w -o name > "$SANDBOX_DIR/w" 2>&1 &
wpid=$!
sleep 1
t0=$(date +%s.%N)

cat > "$SANDBOX_DIR/m/new.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: new}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: ["true"]}]
YAML
for _ in $(seq 2000); do grep -qx "job.batch/new" "$SANDBOX_DIR/w" && break; sleep 0.005; done
t1=$(date +%s.%N)
echo "a new manifest to kubectl get -w printing its ADDED event: $(ms "$t0" "$t1") ms (includes the 100 ms reload coalescing)"
kill $wpid 2>/dev/null; wait $wpid 2>/dev/null || true
sed 's/name: new/name: made/' "$SANDBOX_DIR/m/new.yaml" > "$SANDBOX_DIR/made.yaml"
t0=$(date +%s.%N)
kubectl create -f "$SANDBOX_DIR/made.yaml" >/dev/null
kubectl wait --for=condition=complete job/made --timeout=60s >/dev/null
t1=$(date +%s.%N)
echo "kubectl create -f, then kubectl wait until Complete: $(ms "$t0" "$t1") ms (two kubectl processes)"
echo "jobsd RSS: $rss0 kB at start, $(rss) kB after"
systemctl --user stop jobsd
