#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The whole test suite, as CI runs it: installs what is missing, then
#   1. a normal build (warnings are errors) and every test: unit, examples, fuzz replay, the install
#      (package), integration;
#      then the unit suite again under valgrind (meson test --setup valgrind, tests/meson.build);
#   2. a clang build under ASan+UBSan: unit tests, the loader's fuzzer for $FUZZ_SECONDS seconds
#      (default 60) beside the slow CronJob test (minute boundaries), then jobsd's integration tests.
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

echo "$passed passed, $failed failed"
