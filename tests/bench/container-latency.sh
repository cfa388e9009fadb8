#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The extra start latency of a container pod over a host pod: from writing a one-pod Job's manifest to
# the Job's Complete condition (jobctl wait, woken by jobsd's bus signal), for a host pod and container
# pods under imagePullPolicy Never and IfNotPresent (both look for the image first: a `podman image
# exists` unit before the container's). N Jobs of each, interleaved (default 10), on a
# sandboxed user manager with podman's storage in the sandbox. Prints median, min and max of each.
#   tests/bench/container-latency.sh [BUILD_DIR] [N]
set -eu
build=$(realpath "${1:-build}")
n=${2:-10}
here=$(cd "$(dirname "$0")/../integration" && pwd)
. "$here/sandbox.sh"
. "$here/podman-lib.sh"
podman_usable || { echo "podman, crun or busybox-static is not installed (tools/install-deps.sh)" >&2; exit 1; }
podman_guard_run
sandbox_start
podman_setup
podman_images || { echo "cannot build the test image" >&2; exit 1; }
mkdir -p "$SANDBOX_DIR/m" "$SANDBOX_DIR/s"
mapfile -t extra < <(podman_jobsd_args)
systemd-run --user --quiet --unit=jobsd -p Type=notify "$build/supervisor/jobsd" --user \
        --manifest-dir="$SANDBOX_DIR/m" --state-dir="$SANDBOX_DIR/s" "${extra[@]}"
jobctl() { "$build/supervisor/jobctl" --user "$@"; }

one() {         # one NAME RUNTIME POLICY: ms from the manifest to Complete
        local t0 t1 i
        cat > "$SANDBOX_DIR/m/$1.yaml.tmp" <<YAML
apiVersion: batch/v1
kind: Job
metadata: {name: $1, annotations: {jobsd.io/runtime: $2}}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: main, image: localhost/jobsd-test/busybox:1, imagePullPolicy: $3, command: ['true']}]
YAML
        t0=$(date +%s%N)
        mv "$SANDBOX_DIR/m/$1.yaml.tmp" "$SANDBOX_DIR/m/$1.yaml"
        for i in $(seq 100); do jobctl get job "$1" >/dev/null 2>&1 && break; sleep 0.01; done
        jobctl wait "job/$1" --for=condition=Complete --timeout=60s >/dev/null
        t1=$(date +%s%N)
        echo $(( (t1 - t0) / 1000000 ))
}
stats() { sort -n | awk '{ v[NR] = $1 } END { printf "median %d ms (min %d, max %d, %d runs)", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[1], v[NR], NR }'; }
: > "$SANDBOX_DIR/host"; : > "$SANDBOX_DIR/never"; : > "$SANDBOX_DIR/ifnp"
for i in $(seq "$n"); do
        one "h$i" host Never >> "$SANDBOX_DIR/host"
        one "n$i" podman Never >> "$SANDBOX_DIR/never"
        one "p$i" podman IfNotPresent >> "$SANDBOX_DIR/ifnp"
done
h=$(stats < "$SANDBOX_DIR/host")
echo "host pod:                          $h"
echo "container pod, imagePullPolicy Never:        $(stats < "$SANDBOX_DIR/never")"
echo "container pod, imagePullPolicy IfNotPresent: $(stats < "$SANDBOX_DIR/ifnp")"
hm=$(echo "$h" | awk '{ print $2 }')
echo "extra over a host pod (medians): Never +$(( $(stats < "$SANDBOX_DIR/never" | awk '{ print $2 }') - hm )) ms, IfNotPresent +$(( $(stats < "$SANDBOX_DIR/ifnp" | awk '{ print $2 }') - hm )) ms"
systemctl --user stop jobsd
