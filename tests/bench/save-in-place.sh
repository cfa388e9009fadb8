#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The cost of a Job's saves in place beside a large manifest copy (docs/performance.md, "A save in place,
# read less"). Two parts, for this build and, alternated with it, OTHER_BUILD_DIR (e.g. main's):
# 1. bench-save (tests/bench/bench-save.c, built against each build's libraries): the wall and CPU time
#    and the bytes read per save in place beside copies of 1 and KIB KiB, on a tmpfs (/dev/shm: the
#    save's own work) and in TMPDIR (with its fdatasync()); the CRC32C's speed.
# 2. jobsd: a Job of N completions of /bin/true at parallelism 1 from a manifest file of KIB KiB (the Job,
#    then comment lines), run to Complete in the sandbox: jobsd's CPU time and bytes read per pod.
# ROUNDS (default 3) alternations. Figures only, no verdict.
#   tests/bench/save-in-place.sh [BUILD_DIR] [KIB] [N] [OTHER_BUILD_DIR] [ROUNDS]   (defaults: build 512 200)
set -eu
src=$(realpath "$(dirname "$0")/../..")
build=$(realpath "${1:-build}")
kib=${2:-512}
n=${3:-200}
other=${4:+$(realpath "$4")}
rounds=${5:-3}
hz=$(getconf CLK_TCK)
builds=("$build")
[ -z "$other" ] || builds+=("$other")
. "$(dirname "$0")/../integration/sandbox.sh"
sandbox_start
shm=$(mktemp -d /dev/shm/jobsd-bench-save-XXXXXX)
SANDBOX_ON_EXIT='rm -rf "$shm"'       # run by the sandbox's EXIT trap, after sandbox_stop

# The microbenchmark of each build, built against its own libraries (bench-save uses only state-file.h's
# public API, which older trees share).
for b in "${builds[@]}"; do
        cc -O2 -D_GNU_SOURCE -I"$src/include" -I"$src/supervisor" "$src/tests/bench/bench-save.c" \
                "$b/supervisor/libjobsd-supervisor-core.a" "$b/generator/libjobsd-core.a" \
                $(pkg-config --libs yaml-0.1) -o "$SANDBOX_DIR/bench-save-$(echo "$b" | md5sum | cut -c1-8)"
done
bench_of() { echo "$SANDBOX_DIR/bench-save-$(echo "$1" | md5sum | cut -c1-8)"; }

job_yaml() { # NAME: the Job, then comment lines up to KIB KiB
        printf 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: %s}\nspec:\n  completions: %d\n  parallelism: 1\n  backoffLimit: 0\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: x, command: [/bin/true]}]\n' "$1" "$n"
        awk -v k="$kib" 'BEGIN { line = "# " sprintf("%61s", ""); gsub(/ /, "x", line); for (i = 0; i < k * 16; i++) print line }'
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rchar() { awk '/^rchar/ { print $2 }' "/proc/$1/io"; }
path_of() { echo "/io/jobsd/job/default_5f$(echo "$1" | sed 's/-/_2d/g')"; }

# run BUILD: one Job to Complete; prints "CPU ms per pod, KiB read per pod, record file KiB".
run_jobsd() {
        local b=$1 pid c0 c1 r0 r1 size
        rm -rf "$SANDBOX_DIR/s" "$SANDBOX_DIR/m"
        mkdir -p "$SANDBOX_DIR/s" "$SANDBOX_DIR/m"
        systemd-run --user --quiet --unit=jobsd -p Type=notify "$b/supervisor/jobsd" --user \
                --manifest-dir="$SANDBOX_DIR/m" --state-dir="$SANDBOX_DIR/s"
        pid=$(systemctl --user show -P MainPID jobsd)
        job_yaml big > "$SANDBOX_DIR/big.yaml"
        c0=$(cpu_ticks "$pid") r0=$(rchar "$pid")
        mv "$SANDBOX_DIR/big.yaml" "$SANDBOX_DIR/m/"
        until busctl --user get-property io.jobsd "$(path_of big)" io.jobsd.Job1 Name >/dev/null 2>&1; do sleep 0.02; done
        "$b/supervisor/jobctl" --user wait job/big --for=condition=Complete --timeout=600s >/dev/null
        c1=$(cpu_ticks "$pid") r1=$(rchar "$pid")
        size=$(stat -c %s "$SANDBOX_DIR/s/jobs/default_big.state")
        systemctl --user stop jobsd
        awk -v c=$((c1 - c0)) -v r=$((r1 - r0)) -v hz="$hz" -v n="$n" -v s="$size" \
                'BEGIN { printf "%.2f %.0f %.0f\n", c * 1000 / hz / n, r / 1024 / n, s / 1024 }'
}

echo "$(nproc) CPUs; $(uname -r); manifest $kib KiB; $n pods at P=1; TMPDIR ${TMPDIR:-/tmp}"
for round in $(seq "$rounds"); do
        for b in "${builds[@]}"; do
                echo "== round $round: $b"
                echo "-- bench-save, tmpfs:"
                "$(bench_of "$b")" "$shm" 200 1 "$kib" | grep -v '^CRC'
                echo "-- bench-save, ${TMPDIR:-/tmp}:"
                d=$(mktemp -d "${TMPDIR:-/tmp}/jobsd-bench-save-XXXXXX")
                "$(bench_of "$b")" "$d" 100 1 "$kib" | grep -v '^CRC'
                rm -rf "$d"
                read -r cpu rd size < <(run_jobsd "$b")
                echo "-- jobsd: $cpu ms CPU per pod, $rd KiB read per pod (record file $size KiB)"
        done
done
echo "-- the CRC32C ($build):"
"$(bench_of "$build")" "$shm" 1 1 | grep '^CRC'
