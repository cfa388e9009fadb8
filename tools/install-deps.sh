#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Installs what jobsd needs to build and test on Debian 12 (run as root, or it uses sudo).
set -eu
pkgs=(
        meson ninja-build gcc pkg-config       # build
        libsystemd-dev libyaml-dev             # libraries
        libprotobuf-c-dev protobuf-c-compiler  # kubectl's protobuf bodies → JSON (supervisor/k8s-protobuf.c)
        libmicrohttpd-dev libgnutls28-dev libjson-c-dev # the Kubernetes API: HTTP, TLS, JSON (docs/kubernetes-api.md)
        systemd dbus-user-session tzdata       # the manager, the user bus, time zones for CronJobs
        util-linux bc                          # unshare, for the test sandbox; bc for test-hostile.sh
        python3-prometheus-client              # test-metrics.sh parses the metrics file with Prometheus' parser
        python3-kubernetes                     # test-python-client.sh: the official Kubernetes Python client against the API
        clang libclang-rt-dev                  # the fuzzer and the sanitizer build
        valgrind                               # the unit suite under memcheck (meson test --setup valgrind)
        libmath-bigint-perl                    # the pi example needs a current Math::BigInt
        podman crun busybox-static             # containers in images (docs/containers.md); the test builds its images from busybox
        build-essential dpkg-dev debhelper lintian # the Debian package (tools/build-deb.sh, debian/)
        bash-completion scdoc man-db           # its completion directory (bash-completion.pc), man pages
        mmdebstrap e2fsprogs qemu-utils        # the VM test (tests/vm/run.sh): the Debian 12 image and its disk
        qemu-system-x86 qemu-system-arm        # ... booted under QEMU (amd64; arm64 with --arch=arm64)
        arch-test                              # ... mmdebstrap's check that a foreign architecture runs (arm64)
)
# arm64 (tools/build-deb.sh --arch=arm64, tools/cross-unit-tests.sh): Debian's cross toolchain, the
# multiarch libraries and pkg-config, and qemu-user to run the arm64 unit tests.
native_arch=$(dpkg --print-architecture)
if [ "$native_arch" != arm64 ]; then
        pkgs+=(crossbuild-essential-arm64 libsystemd-dev:arm64 libyaml-dev:arm64 libmicrohttpd-dev:arm64 libgnutls28-dev:arm64 libjson-c-dev:arm64 pkgconf:arm64 qemu-user-static)
        pkgs+=(libprotobuf-c-dev:arm64)
fi
missing=()
for p in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
if [ "$native_arch" != arm64 ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
        "${as_root[@]}" dpkg --add-architecture arm64
fi
if [ ${#missing[@]} -gt 0 ]; then
        "${as_root[@]}" apt-get update -qq
        DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# An image registry for the podman test's pulls (tests/integration/podman-lib.sh): Debian's docker-registry,
# unpacked into .cache/ of the source tree (git ignores it), not installed: installing it would start a
# registry service on port 5000 of the machine. The test runs it inside its sandbox, on 127.0.0.1 only.
registry=$(cd "$(dirname "$0")/.." && pwd)/.cache/docker-registry
if ! command -v docker-registry >/dev/null && [ ! -x "$registry/usr/bin/docker-registry" ]; then
        tmp=$(mktemp -d)
        trap 'rm -rf "$tmp"' EXIT
        if ! (cd "$tmp" && apt-get download -qq docker-registry 2>/dev/null); then
                "${as_root[@]}" apt-get update -qq
                (cd "$tmp" && apt-get download -qq docker-registry)
        fi
        mkdir -p "$registry"
        dpkg-deb -x "$tmp"/docker-registry_*.deb "$registry"
fi
