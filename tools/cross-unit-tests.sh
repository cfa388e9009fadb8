#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The unit suite on arm64 binaries: a meson cross build (tools/cross/arm64.ini, Debian's cross
# toolchain) whose tests run under qemu-user (qemu-aarch64-static as meson's exe_wrapper). Prints the
# time of the build and of the test run. Usage: cross-unit-tests.sh [BUILD_DIR] (default build-arm64)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-arm64}
for p in aarch64-linux-gnu-gcc aarch64-linux-gnu-pkg-config qemu-aarch64-static; do
        command -v "$p" >/dev/null || { echo "cross-unit-tests.sh: $p is missing (tools/install-deps.sh installs it)" >&2; exit 1; }
done
t0=$(date +%s.%N)
[ -d "$build" ] || meson setup "$build" "$root" --cross-file "$root/tools/cross/arm64.ini" -Dwerror=true -Dman=disabled
meson compile -C "$build"
t1=$(date +%s.%N)
rc=0
meson test -C "$build" --print-errorlogs --no-rebuild --suite unit || rc=$?
t2=$(date +%s.%N)
file "$build/supervisor/jobsd" | sed 's/^/# /'
printf '# arm64 cross build: %.1f s; unit suite under qemu-user: %.1f s\n' \
        "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)"
exit "$rc"
