#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The whole test suite, as CI runs it: installs what is missing, then
#   1. a normal build (warnings are errors) and every test: unit, examples, fuzz replay, the install
#      (package), integration;
#      then the unit suite again under valgrind (meson test --setup valgrind, tests/meson.build);
#   2. a clang build under ASan+UBSan: unit tests, the loader's fuzzer for $FUZZ_SECONDS seconds
#      (default 60) beside the slow CronJob test (minute boundaries), then jobsd's integration tests;
#   3. the Debian package (amd64, checked by lintian, and arm64);
#   4. the unit suite cross-built for arm64 and run under qemu-user;
#   5. the VM test: the amd64 package installed on a booted Debian 12 with systemd as PID 1 (tests/vm/run.sh),
#      each of its checks counted.
set -eu
cd "$(dirname "$0")/.."

# meson's summary of the last run in a build directory ("Ok: N", "Fail: N" …), added up over the runs.
passed=0 failed=0
tally() {
        local log=$1/meson-logs/${2:-testlog.txt}
        passed=$(( passed + $(awk '$1 == "Ok:" { s += $2 } END { print s + 0 }' "$log") ))
        failed=$(( failed + $(awk '$1 == "Fail:" || $1 == "Timeout:" { s += $2 } END { print s + 0 }' "$log") ))
}
./tools/install-deps.sh

build=${BUILD_DIR:-build}
[ -d "$build" ] || meson setup "$build" -Dwerror=true
meson compile -C "$build"
# The integration tests mostly wait on systemd and on their pods: more of them than cores at a time.
meson test -C "$build" --print-errorlogs --no-rebuild --num-processes 4 --suite unit --suite package --suite integration
tally "$build"
# No memcheck error and no definitely lost block in any unit test (about 55 s on two cores).
meson test -C "$build" --print-errorlogs --no-rebuild --setup valgrind --suite unit
tally "$build" testlog-valgrind.txt

san=${BUILD_DIR:-build}-sanitize
[ -d "$san" ] || CC=clang meson setup "$san" -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false \
        -Dfuzz=true -Dfuzz-seconds="${FUZZ_SECONDS:-60}"
meson compile -C "$san"
# Everything at once: the CronJob test waits for minute boundaries while the fuzzer and the other
# integration tests (the daemon under the sanitizers, against real systemd) run beside it.
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
        meson test -C "$san" --print-errorlogs --no-rebuild --num-processes 4 \
        --suite unit --suite fuzz --suite integration-slow --suite integration
tally "$san"

# 3. The Debian package of the committed tree (tools/build-deb.sh, into $build/deb): the amd64 .deb, which
#    lintian must accept without an error, and the arm64 .deb with the cross toolchain. Each is one
#    check in the count.
check() { # WHAT COMMAND...: one pass or fail in the count, the run goes on
        local what=$1; shift
        if "$@"; then passed=$((passed + 1)); echo "ok: $what"; else failed=$((failed + 1)); echo "FAILED: $what"; fi
}
deb_out=$build/deb
check "amd64 package (tools/build-deb.sh)" ./tools/build-deb.sh "$deb_out"
deb=$(ls "$deb_out"/jobsd_*_"$(dpkg --print-architecture)".deb 2>/dev/null | head -1)
check "lintian: no error in ${deb:-the amd64 package}" eval '[ -n "$deb" ] && lintian --fail-on error "$deb"'
check "arm64 package (tools/build-deb.sh --arch=arm64)" ./tools/build-deb.sh --arch=arm64 "$deb_out"

# 4. The unit suite on arm64 binaries under qemu-user (a meson cross build, tools/cross-unit-tests.sh).
arm64=${BUILD_DIR:-build}-arm64
rm -f "$arm64/meson-logs/testlog.txt"
./tools/cross-unit-tests.sh "$arm64" || true
if [ -f "$arm64/meson-logs/testlog.txt" ]; then
        tally "$arm64"
else
        failed=$((failed + 1)); echo "FAILED: arm64 cross build (tools/cross-unit-tests.sh)"
fi

# 5. The VM test on the package just built: every check it prints is one in the count; a run that printed
#    none (the image did not build, QEMU did not start) is one failure.
vm_tap=$build/vm-$(dpkg --print-architecture).tap
rc=0
./tests/vm/run.sh ${deb:+--deb="$deb"} "$build" | tee "$vm_tap" || rc=$?
vm_ok=$(grep -c '^ok ' "$vm_tap" || true) vm_fail=$(grep -c '^not ok ' "$vm_tap" || true)
passed=$((passed + vm_ok)) failed=$((failed + vm_fail))
if [ "$rc" -ne 0 ] && [ "$vm_fail" -eq 0 ]; then failed=$((failed + 1)); echo "FAILED: the VM test (tests/vm/run.sh, exit $rc)"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
