#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Runs one Job manifest end to end with the freshly built jobsd: on this user's own systemd manager when
# there is one (systemd is PID 1), otherwise on the sandboxed user manager of the test suite (containers,
# CI runners, VMs without systemd). Waits for the Job, then shows `jobctl get jobs`, `describe` and `logs`.
#   tools/run-example.sh MANIFEST [BUILD_DIR]
set -eu
manifest=$(realpath "${1:?a Job manifest}")
build=$(realpath "${2:-build}")
here=$(cd "$(dirname "$0")/.." && pwd)
name=$(sed -n 's/^  name: *\([a-z0-9.-]*\).*/\1/p' "$manifest" | head -1)
work=$(mktemp -d "${TMPDIR:-/tmp}/jobsd-example.XXXXXX")
journal=()

if [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ] && systemctl --user show-environment >/dev/null 2>&1; then
        echo "== using your own user manager"
        trap 'systemctl --user stop jobsd-example >/dev/null 2>&1; rm -rf "$work"' EXIT
else
        echo "== systemd is not PID 1 here: using the test suite's sandboxed user manager"
        . "$here/tests/integration/sandbox.sh"
        sandbox_start
        trap 'sandbox_stop; rm -rf "$work"' EXIT
        journal=(--journal-dir="$SANDBOX_JOURNAL_DIR")
fi
mkdir -p "$work/manifests" "$work/state"
cp "$manifest" "$work/manifests/"
systemd-run --user --quiet --unit=jobsd-example -p Type=notify -p KillMode=process \
        "$build/supervisor/jobsd" --user --manifest-dir="$work/manifests" --state-dir="$work/state"
jobctl() { "$build/supervisor/jobctl" --user "${journal[@]}" "$@"; }

echo "== jobctl wait job/$name --for=condition=Complete --timeout=120s"
jobctl wait "job/$name" --for=condition=Complete --timeout=120s || jobctl wait "job/$name" --for=condition=Failed --timeout=1s || true
echo "== jobctl get jobs"
jobctl get jobs
echo "== systemctl --user list-units 'jobsd*' --all"
systemctl --user list-units 'jobsd*' --all --no-pager --no-legend || true
echo "== jobctl describe job $name"
jobctl describe job "$name"
echo "== jobctl logs $name"
jobctl logs "$name"
systemctl --user stop jobsd-example
