#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The Kubernetes API at scale (docs/kubernetes-api.md, "Performance"), on a sandboxed user manager:
#  1. `kubectl get jobs` with N Jobs (default 1000): the server's time for the Table list kubectl asks
#     for (curl's time_starttransfer - time_pretransfer over one kept-alive connection, median of 11),
#     and the whole kubectl process for reference; then one pod by name, and its log;
#  2. W (default 1000) concurrent watches over TLS (tests/bench/api-watches.py): jobsd's RSS before and
#     with them open (KiB per watch), and, after IDLE seconds (default 65: past the API's 60 s idle
#     timeout) without an event, how many of them got the MODIFIED event of one Job's change, in how long;
#     then the same event to W watches of Table rows (as `kubectl get -w` asks for them);
#  3. `kubectl apply -f` of a new Job to its first pod running (its command's first action), p50 and
#     p99 over A (default 20) Jobs, one after the other.
# Figures only, never pass or fail.
#   tests/bench/api-scale.sh [BUILD_DIR] [N] [W] [A] [IDLE]
set -u
build=$(realpath "${1:-build}")
n=${2:-1000}
nw=${3:-1000}
na=${4:-20}
idle=${5:-65}
bench=$(cd "$(dirname "$0")" && pwd)
here=$(cd "$bench/../integration" && pwd)
. "$here/sandbox.sh"
command -v kubectl >/dev/null || { echo "no kubectl" >&2; exit 1; }
command -v python3 >/dev/null || { echo "no python3" >&2; exit 1; }
sandbox_start
mkdir -p "$SANDBOX_DIR/m" "$SANDBOX_DIR/s" "$SANDBOX_DIR/home" "$SANDBOX_DIR/started"
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
cpu() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat"; }     # utime + stime, ticks
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) * 1000 }'; }
# p50 and p99 (nearest rank) of the numbers on stdin.
pct() { sort -n | awk '{ v[NR] = $1 } END { i = int(NR * 0.5 + 0.999); j = int(NR * 0.99 + 0.999); printf "p50 %.1f ms, p99 %.1f ms", v[i], v[j] }'; }
echo "jobsd: $(awk '/^Max open files/ { print "open file limit " $4 " (soft) " $5 " (hard)" }' "/proc/$pid/limits"); $(sandbox_journal -b -u jobsd -o cat 2>/dev/null | grep -o 'at most [0-9]* connections' | head -1)"
for _ in $(seq 1800); do
        [ "$("$build/supervisor/jobctl" --user get jobs 2>/dev/null | grep -c Complete)" -ge "$n" ] && break
        sleep 0.2
done
echo "$n Jobs: $("$build/supervisor/jobctl" --user get jobs 2>/dev/null | grep -c Complete) Complete; jobsd RSS $(rss) kB"

# 1. The Table list, as kubectl asks for it.
api=https://127.0.0.1:$port/apis/batch/v1/namespaces/default/jobs
auth=(--cacert "$SANDBOX_DIR/s/api/ca.crt" --cert "$SANDBOX_DIR/s/api/admin.crt" --key "$SANDBOX_DIR/s/api/admin.key")
table='Accept: application/json;as=Table;v=v1;g=meta.k8s.io,application/json'
for _ in $(seq 11); do printf 'url = "%s?limit=500"\noutput = "/dev/null"\n' "$api"; done > "$SANDBOX_DIR/curl.conf"
curl -s "${auth[@]}" -H "$table" -K "$SANDBOX_DIR/curl.conf" \
        -w '%{time_pretransfer} %{time_starttransfer} %{time_total} %{size_download} %{num_connects}\n' > "$SANDBOX_DIR/t"
echo "GET jobs as Table ($n Jobs, $(awk 'NR == 1 { print $4 }' "$SANDBOX_DIR/t") bytes; 11 requests on $(awk '{ c += $5 } END { print c }' "$SANDBOX_DIR/t") connection):" \
        "server time (first byte - request sent) $(awk '{ printf "%.3f\n", ($2 - $1) * 1000 }' "$SANDBOX_DIR/t" | pct | sed 's/, p99/, max/'), whole response" \
        "$(awk '{ printf "%.3f\n", ($3 - $1) * 1000 }' "$SANDBOX_DIR/t" | pct | sed 's/,.*//')"
bytes=$(curl -s "${auth[@]}" "$api" | wc -c)
for _ in $(seq 11); do printf 'url = "%s"\noutput = "/dev/null"\n' "$api"; done > "$SANDBOX_DIR/curl.conf"
curl -s "${auth[@]}" -K "$SANDBOX_DIR/curl.conf" -w '%{time_pretransfer} %{time_starttransfer} %{time_total}\n' > "$SANDBOX_DIR/t"
echo "GET jobs as JSON ($n Jobs, $bytes bytes): server time $(awk '{ printf "%.3f\n", ($2 - $1) * 1000 }' "$SANDBOX_DIR/t" | pct | sed 's/, p99/, max/')," \
        "whole response $(awk '{ printf "%.3f\n", ($3 - $1) * 1000 }' "$SANDBOX_DIR/t" | pct | sed 's/,.*//')"
# One pod by name, and its log (what `kubectl logs` asks for), among the pods of all N Jobs.
papi=https://127.0.0.1:$port/api/v1/namespaces/default/pods
podname=$(curl -s "${auth[@]}" "$papi?labelSelector=job-name=j$n" | python3 -c 'import json, sys; print(json.load(sys.stdin)["items"][0]["metadata"]["name"])' 2>/dev/null)
for what in "" /log; do
        for _ in $(seq 11); do printf 'url = "%s/%s%s"\noutput = "/dev/null"\n' "$papi" "$podname" "$what"; done > "$SANDBOX_DIR/curl.conf"
        curl -s "${auth[@]}" -K "$SANDBOX_DIR/curl.conf" -w '%{time_pretransfer} %{time_starttransfer} %{http_code}\n' > "$SANDBOX_DIR/t"
        echo "GET pods/$podname$what ($(awk 'NR == 1 { print $3 }' "$SANDBOX_DIR/t") among the pods of $n Jobs): server time" \
                "$(awk '{ printf "%.3f\n", ($2 - $1) * 1000 }' "$SANDBOX_DIR/t" | pct | sed 's/, p99/, max/')"
done
kubectl get jobs >/dev/null       # discovery cached
for _ in $(seq 5); do
        t0=$(date +%s.%N); kubectl get jobs >/dev/null; t1=$(date +%s.%N)
        ms "$t0" "$t1"; echo
done | pct | sed 's/p99/max/; s/^/kubectl get jobs (the whole process, 5 runs): /'
echo

# 2. W watches.
cat > "$SANDBOX_DIR/watched.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: watched}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: ["true"]}]
YAML
kubectl create -f "$SANDBOX_DIR/watched.yaml" >/dev/null
kubectl wait --for=condition=complete job/watched --timeout=60s >/dev/null
ulimit -n "$(ulimit -Hn)"
# watches FORM IDLE: W watches (FORM plain or table), RSS per watch (meaningful in the first pass only:
# memory freed by an earlier pass is reused), then the event after IDLE s.
watches() {
        local rss0 rss1 cpu0 word opened secs got total
        sleep 1
        rss0=$(rss)
        coproc W { exec python3 "$bench/api-watches.py" 127.0.0.1 "$port" "$SANDBOX_DIR/s/api" "$nw" watched "$1" 2>&1; }
        read -r -t 300 word opened secs <&"${W[0]}"
        while [ "$word" = failed: ]; do echo "watch client: $word $opened $secs"; read -r -t 300 word opened secs <&"${W[0]}"; done
        sleep 2
        rss1=$(rss)
        if [ "${3:-}" = first ]; then
                echo "$opened of $nw $1 watches open in ${secs} s; jobsd RSS $rss0 kB before, $rss1 kB with them:" \
                        "$(awk -v a="$rss0" -v b="$rss1" -v n="$opened" 'BEGIN { printf "%.1f", n ? (b - a) / n : 0 }') KiB per watch;" \
                        "open descriptors $(ls "/proc/$pid/fd" | wc -l)"
        else
                echo "$opened of $nw $1 watches open in ${secs} s; open descriptors $(ls "/proc/$pid/fd" | wc -l)"
        fi
        sleep "$2"
        cpu0=$(cpu)
        echo >&"${W[1]}"
        read -r -t 120 word got total secs <&"${W[0]}"
        echo "a change of one Job (merge patch of a label) after $2 s without an event: $got of $opened $1 watches got its" \
                "MODIFIED event, the last after $(awk -v s="$secs" 'BEGIN { printf "%.1f", s * 1000 }') ms; jobsd's CPU" \
                "meanwhile $(( ($(cpu) - cpu0) * 1000 / $(getconf CLK_TCK) )) ms; jobsd RSS then $(rss) kB"
        echo >&"${W[1]}"
        read -r -t 60 word <&"${W[0]}"
        wait "$W_PID" 2>/dev/null
        sleep 2
        echo "after the watches closed: jobsd RSS $(rss) kB, open descriptors $(ls "/proc/$pid/fd" | wc -l)"
}
watches plain "$idle" first
watches table 1
echo

# 3. kubectl apply to the first pod running.
for i in $(seq "$na"); do
        cat > "$SANDBOX_DIR/a$i.yaml" <<YAML
apiVersion: batch/v1
kind: Job
metadata: {name: applied$i}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sh, -c, "date +%s.%N > $SANDBOX_DIR/started/a$i"]}]
YAML
done
for i in $(seq "$na"); do
        t0=$(date +%s.%N)
        kubectl apply -f "$SANDBOX_DIR/a$i.yaml" >/dev/null
        t1=$(date +%s.%N)
        for _ in $(seq 3000); do [ -s "$SANDBOX_DIR/started/a$i" ] && break; sleep 0.005; done
        echo "$(ms "$t0" "$(cat "$SANDBOX_DIR/started/a$i" 2>/dev/null || echo "$t0")") $(ms "$t0" "$t1")"
done > "$SANDBOX_DIR/apply"
echo "kubectl apply -f (a new Job, $n others) to its pod's first command running, $na Jobs: $(awk '{ print $1 }' "$SANDBOX_DIR/apply" | pct);" \
        "the kubectl process alone: $(awk '{ print $2 }' "$SANDBOX_DIR/apply" | pct)"
echo "jobsd RSS at the end: $(rss) kB"
systemctl --user stop jobsd
