#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Runs the libFuzzer target for a bounded time: run-fuzz.sh BINARY SECONDS SEED_DIR...
# Prints the executions and exits non-zero if the fuzzer found a crash, a leak or a hang.
set -eu
bin=$1 seconds=$2
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus" "$work/artifacts"
set +e
"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$work/corpus" "$@" >"$work/log" 2>&1
rc=$?
set -e
grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb|INFO: seed corpus)' "$work/log" || true
if [ $rc -ne 0 ] || [ -n "$(ls -A "$work/artifacts")" ]; then
        tail -n 60 "$work/log"
        for f in "$work"/artifacts/*; do
                [ -e "$f" ] && { echo "artifact $f:"; base64 "$f"; }
        done
        echo "fuzzer failed (exit $rc)"
        exit 1
fi
echo "fuzzer ran clean for ${seconds}s"
