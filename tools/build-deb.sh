#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Builds the Debian package from the committed tree (HEAD): `git archive` into OUTDIR/src, then
# `dpkg-buildpackage -us -uc -b` there, so jobsd_<version>_<arch>.deb (and its .buildinfo and
# .changes) land in OUTDIR and nothing is written outside OUTDIR. --arch=arm64 cross-builds with
# Debian's cross toolchain (crossbuild-essential-arm64, libsystemd-dev:arm64, libyaml-dev:arm64;
# tools/install-deps.sh installs them) and skips the package build's unit tests (nocheck): the unit
# suite runs on the arm64 binaries under qemu-user in tests/run-all.sh (tools/cross-unit-tests.sh).
# Prints the path of the .deb on its last line. Usage: build-deb.sh [--arch=ARCH] OUTDIR
set -eu
arch=
while [ $# -gt 0 ]; do
        case $1 in
        --arch=*) arch=${1#--arch=}; shift ;;
        -h|--help) sed -n '3,9s/^# \{0,1\}//p' "$0"; exit 0 ;;
        -*) echo "build-deb.sh: unknown option $1" >&2; exit 2 ;;
        *) break ;;
        esac
done
[ $# -eq 1 ] || { echo "Usage: build-deb.sh [--arch=ARCH] OUTDIR" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
build_arch=$(dpkg --print-architecture)
[ -n "$arch" ] || arch=$build_arch

git -C "$root" rev-parse --verify -q HEAD >/dev/null || { echo "build-deb.sh: $root is not a git checkout with a commit" >&2; exit 1; }
if [ -n "$(git -C "$root" status --porcelain --untracked-files=no)" ]; then
        echo "build-deb.sh: note: building HEAD ($(git -C "$root" rev-parse --short HEAD)); uncommitted changes are not in the package" >&2
fi
rm -rf "$out/src"
mkdir "$out/src"
git -C "$root" archive --format=tar HEAD | tar -x -C "$out/src"

version=$(cd "$out/src" && dpkg-parsechangelog -S Version)
deb=$out/jobsd_${version}_${arch}.deb
rm -f "$deb"
opts=(-us -uc -b)
if [ "$arch" != "$build_arch" ]; then
        opts+=(-a "$arch")
        export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:+$DEB_BUILD_OPTIONS }nocheck"
fi
# The build's temporary files stay in OUTDIR too.
export TMPDIR=$out/tmp
mkdir -p "$TMPDIR"
(cd "$out/src" && dpkg-buildpackage "${opts[@]}")
rm -rf "$TMPDIR"
[ -f "$deb" ] || { echo "build-deb.sh: dpkg-buildpackage made no $deb" >&2; exit 1; }
echo "$deb"
