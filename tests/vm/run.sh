#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The VM test: jobsd's Debian package on a booted Debian 12 with systemd as PID 1, a real system bus and
# cgroup v2 only (docs/testing.md, "The VM test").
#
#   tests/vm/run.sh [--arch=amd64|arm64] [--deb=PATH] [BUILD_DIR]
#
# Builds (or reuses, while its inputs are unchanged) a small Debian 12 image with mmdebstrap under
# BUILD_DIR/vm-ARCH/image, builds the package with tools/build-deb.sh unless --deb names one, boots the
# image with QEMU (KVM where a probe boot works, TCG otherwise; no network device) on a throwaway overlay,
# and runs tests/vm/guest.sh inside. The guest reports each check on a 9p share; this script numbers them
# as TAP on stdout and resets the machine when the guest asks (hard resets, "power cuts"). amd64 runs every
# check; arm64 (qemu-system-aarch64, machine virt) the install, a Job, a CronJob, the bus policy and one
# reboot. Exit status 0 only if every check passed. Leaves no process, mount or loop device behind.
set -eu
arch=$(dpkg --print-architecture)
deb=
while [ $# -gt 0 ]; do
        case $1 in
        --arch=*) arch=${1#--arch=}; shift ;;
        --deb=*) deb=$(realpath "${1#--deb=}"); shift ;;
        -h|--help) sed -n '3,14s/^# \{0,1\}//p' "$0"; exit 0 ;;
        -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
        *) break ;;
        esac
done
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(realpath -m "${1:-$root/build}")
case $arch in
amd64) qemu=qemu-system-x86_64; kernel_pkg=linux-image-amd64; console=ttyS0 ;;
arm64) qemu=qemu-system-aarch64; kernel_pkg=linux-image-arm64; console=ttyAMA0 ;;
*) echo "run.sh: unsupported architecture $arch" >&2; exit 2 ;;
esac
for t in "$qemu" mmdebstrap mkfs.ext4 qemu-img; do
        command -v "$t" >/dev/null || { echo "run.sh: $t is missing: run tools/install-deps.sh" >&2; exit 2; }
done
vm=$build/vm-$arch
mkdir -p "$vm"
t0=$(date +%s.%N)
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# 1. The package.
if [ -z "$deb" ]; then
        if ! "$root/tools/build-deb.sh" --arch="$arch" "$vm/deb" >"$vm/deb.log" 2>&1; then
                tail -30 "$vm/deb.log" >&2; echo "run.sh: the package did not build" >&2; exit 1
        fi
        deb=$(tail -1 "$vm/deb.log")
fi
[ -f "$deb" ] || { echo "run.sh: no package at $deb" >&2; exit 2; }

# A foreign architecture's maintainer scripts run in the image build under qemu-user: binfmt_misc for the
# time of the build only (mounted and registered here if the machine has neither, then undone).
binfmt_mounted= binfmt_name=
binfmt_on() {
        [ "$arch" = "$(dpkg --print-architecture)" ] && return 0
        local conf=/usr/lib/binfmt.d/qemu-aarch64.conf magic mask
        [ -f "$conf" ] && command -v qemu-aarch64-static >/dev/null ||
                { echo "run.sh: qemu-user-static is missing: run tools/install-deps.sh" >&2; exit 2; }
        if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
                mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc && binfmt_mounted=1
        fi
        if ! grep -qs '^enabled' /proc/sys/fs/binfmt_misc/qemu-aarch64 /proc/sys/fs/binfmt_misc/jobsd-vm-aarch64; then
                magic=$(grep -v '^#' "$conf" | cut -d: -f5) mask=$(grep -v '^#' "$conf" | cut -d: -f6)
                echo ":jobsd-vm-aarch64:M::$magic:$mask:$(command -v qemu-aarch64-static):F" > /proc/sys/fs/binfmt_misc/register
                binfmt_name=jobsd-vm-aarch64
        fi
}
binfmt_off() {
        if [ -n "$binfmt_name" ]; then echo -1 > "/proc/sys/fs/binfmt_misc/$binfmt_name"; binfmt_name=; fi
        if [ -n "$binfmt_mounted" ]; then umount /proc/sys/fs/binfmt_misc; binfmt_mounted=; fi
}
trap binfmt_off EXIT

# 2. The image: systemd, dbus, the kernel, the package's dependencies and what the checks use. Rebuilt only
#    when its inputs change: this script's recipe, the package's Depends and the architecture.
depends=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed -e 's/|.*//' -e 's/(.*)//' -e 's/ //g' -e '/^$/d' -e '/^\${/d' | sort -u | paste -sd,)
packages="systemd,systemd-sysv,dbus,$kernel_pkg,perl,libmath-bigint-perl,jq,procps,curl,$depends"
key=$(printf '%s\n' "$arch" "$packages" | cat - "$0" | sha256sum | cut -c1-16)
img=$vm/image
if [ "$(cat "$img/key" 2>/dev/null)" != "$key" ]; then
        t=$(date +%s.%N)
        rm -rf "$img"
        mkdir -p "$img"
        binfmt_on
        # Guest settings: a fixed machine ID (mmdebstrap leaves it empty, so every boot would be a first
        # boot), no first-boot prompt, a persistent journal, a small initramfs, and the unit that runs the
        # checks from the share at every boot.
        if ! mmdebstrap --quiet --variant=minbase --architectures="$arch" --include="$packages" \
                --setup-hook='mkdir -p "$1/etc/initramfs-tools/conf.d"
                        printf "virtio_pci\nvirtio_blk\nvirtio_mmio\next4\n" > "$1/etc/initramfs-tools/modules"
                        echo MODULES=list > "$1/etc/initramfs-tools/conf.d/jobsd-vm.conf"' \
                --customize-hook='chroot "$1" systemd-machine-id-setup >/dev/null
                        chroot "$1" systemctl mask systemd-firstboot.service >/dev/null 2>&1
                        mkdir -p "$1/var/log/journal" "$1/mnt/share"
                        echo jobsd-vm > "$1/etc/hostname"
                        printf "9p\n9pnet_virtio\n" > "$1/etc/modules-load.d/vmtest-9p.conf"
                        echo "share /mnt/share 9p trans=virtio,version=9p2000.L,msize=262144,x-systemd.requires=systemd-modules-load.service 0 0" >> "$1/etc/fstab"
                        printf "[Unit]\nDescription=jobsd VM test (tests/vm/guest.sh)\nAfter=multi-user.target\nRequiresMountsFor=/mnt/share\n[Service]\nExecStart=/bin/bash /mnt/share/guest.sh\nStandardOutput=journal+console\nStandardError=journal+console\n[Install]\nWantedBy=multi-user.target\n" > "$1/etc/systemd/system/vmtest.service"
                        chroot "$1" systemctl enable vmtest.service >/dev/null 2>&1' \
                bookworm "$img/rootfs" >"$img/mmdebstrap.log" 2>&1; then
                binfmt_off; tail -30 "$img/mmdebstrap.log" >&2; rm -rf "$img"; echo "run.sh: mmdebstrap failed" >&2; exit 1
        fi
        binfmt_off
        cp "$img"/rootfs/boot/vmlinuz-* "$img/vmlinuz"
        cp "$img"/rootfs/boot/initrd.img-* "$img/initrd.img"
        mkfs.ext4 -q -F -L root -d "$img/rootfs" "$img/base.img" 1536M >/dev/null
        rm -rf "$img/rootfs"
        echo "$key" > "$img/key"
        echo "# image built in $(elapsed "$t") s ($packages)"
else
        echo "# image cached ($vm/image, key $key)"
fi

# 3. The run: an overlay over the cached image, the share, QEMU with its monitor on a pipe.
run=$vm/run
qpid=
cleanup() {
        binfmt_off
        if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null || true; fi
        rm -f "$run/overlay.qcow2" "$run/mon.in" "$run/mon.out"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
rm -rf "$run"
mkdir -p "$run/share/examples"
qemu-img create -q -f qcow2 -F raw -b "$img/base.img" "$run/overlay.qcow2"
cp "$root/tests/vm/guest.sh" "$run/share/"
cp "$deb" "$run/share/jobsd.deb"
cp "$root"/examples/*.yaml "$run/share/examples/"
echo "$arch" > "$run/share/arch"
mkfifo "$run/mon.in" "$run/mon.out"

accel=tcg
machine=()
case $arch in
amd64) machine=(-machine q35) ;;
arm64) machine=(-machine virt -cpu max) ;;
esac
# KVM only where it can boot this kernel: a probe boot that must print the kernel's first line in 20 s.
if [ "$arch" = "$(dpkg --print-architecture)" ] && [ -w /dev/kvm ]; then
        if timeout 20 "$qemu" -accel kvm -cpu host "${machine[@]}" -m 256 -nodefaults -display none -nic none \
                -serial stdio -kernel "$img/vmlinuz" -append "console=$console panic=-1" -no-reboot 2>/dev/null |
                grep -q -m1 'Linux version'; then
                accel=kvm
        fi
fi
cpu=()
[ "$accel" = kvm ] && cpu=(-cpu host)
[ "$arch" = arm64 ] && [ "$accel" = tcg ] && cpu=()
echo "# booting $arch with $accel"
"$qemu" -accel "$accel" "${machine[@]}" "${cpu[@]}" -smp 2 -m 1536 -nodefaults -display none -nic none \
        -kernel "$img/vmlinuz" -initrd "$img/initrd.img" \
        -append "root=/dev/vda rw console=$console systemd.unified_cgroup_hierarchy=1 quiet panic=-1" \
        -drive "file=$run/overlay.qcow2,if=virtio,format=qcow2" \
        -virtfs "local,path=$run/share,mount_tag=share,security_model=none,id=share" \
        -serial "file:$run/console.log" -monitor "pipe:$run/mon" &
qpid=$!
exec 3>"$run/mon.in" 4<"$run/mon.out"
# The monitor's output is read and dropped, so QEMU never blocks on a full pipe.
cat <&4 >"$run/monitor.log" &
exec 4<&-

# 4. Serve the guest: reset when it asks, with a random delay where it asks for one, until it is done, QEMU
#    exits, or the time bound runs out.
limit=${JOBSD_VM_TIMEOUT:-1800}
resets=0
while kill -0 "$qpid" 2>/dev/null; do
        if [ -f "$run/share/reset-request" ]; then
                delay=$(cat "$run/share/reset-request")
                [[ $delay =~ ^[0-9.]+(-[0-9.]+)?$ ]] || delay=0
                rm -f "$run/share/reset-request"
                # "R-S": a random delay from R to S seconds, in tenths.
                if [[ $delay == *-* ]]; then
                        lo=${delay%-*} hi=${delay#*-}
                        delay=$(awk -v lo="$lo" -v hi="$hi" -v r="$RANDOM" 'BEGIN { printf "%.1f", lo + (hi - lo) * r / 32767 }')
                fi
                sleep "$delay"
                echo system_reset >&3
                resets=$((resets + 1))
                echo "# hard reset $resets at $(date -u +%T), $delay s after the guest's request"
                echo "$delay" >> "$run/share/reset-delays"
        fi
        [ -f "$run/share/done" ] && break
        if [ "$(elapsed "$t0" | cut -d. -f1)" -ge "$limit" ]; then
                echo "# the VM test did not finish in $limit s: stopping QEMU"
                echo "not ok - the VM test finished within $limit s" >> "$run/share/results"
                break
        fi
        sleep 0.2
done
# The guest powers off after writing done; give it a moment, then stop QEMU.
for _ in $(seq 1 150); do kill -0 "$qpid" 2>/dev/null || break; sleep 0.2; done
exec 3>&-
cleanup
qpid=

# 5. TAP.
i=0 fails=0
while IFS= read -r line; do
        case $line in
        "ok - "*|"not ok - "*)
                i=$((i + 1))
                [[ $line == "not ok"* ]] && fails=$((fails + 1))
                echo "${line/ - / $i - }" ;;
        *) echo "# $line" ;;
        esac
done < <(cat "$run/share/results" 2>/dev/null)
if [ "$i" -eq 0 ] || [ ! -f "$run/share/done" ]; then
        i=$((i + 1)); fails=$((fails + 1))
        echo "not ok $i - the guest ran to its end (see $run/console.log)"
        tail -40 "$run/console.log" | sed 's/^/# /'
fi
echo "1..$i"
echo "# $arch VM run: $(elapsed "$t0") s in all, $resets hard resets; console log: $run/console.log"
[ "$fails" -eq 0 ]
