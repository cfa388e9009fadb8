#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# meson install stays under its prefix and DESTDIR: a throwaway build of the source tree with a prefix
# that does not exist on this machine, installed with --destdir into a temporary directory. Every file
# meson installed (its install log) and every file found under the destdir must lie under
# DESTDIR/PREFIX, and the prefix itself must not appear on the host. Then the same for --prefix=/usr
# (the package's layout), only planned (meson introspect), not installed: the system unit where
# Debian's systemd.pc puts it. TAP. Usage: test-install-prefix.sh SOURCE_DIR
set -u
src=${1:?source directory}
tmp=$(mktemp -d /tmp/jobsd-install-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
prefix=/opt/jobsd-test-${tmp##*.}
dest=$tmp/dest
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }

# Only the installed targets are built (not the tests): their ids from meson's introspection.
build() { # BUILDDIR PREFIX
        meson setup "$1" "$src" --prefix="$2" >"$1.log" 2>&1 || { cat "$1.log" >&2; return 1; }
}
if ! build "$tmp/build" "$prefix"; then
        echo "1..1"; not_ok "meson setup --prefix=$prefix"; exit 1
fi
targets=$(meson introspect "$tmp/build" --targets | python3 -c '
import json, sys
print(" ".join(t["name"] for t in json.load(sys.stdin) if t["installed"]))')
echo "# prefix $prefix, installed targets: $targets"
if ! { meson compile -C "$tmp/build" $targets && meson install -C "$tmp/build" --no-rebuild --destdir "$dest"; } \
        >"$tmp/install.log" 2>&1; then
        cat "$tmp/install.log" >&2
        echo "1..1"; not_ok "meson install --destdir"; exit 1
fi
ok "meson install --prefix=$prefix --destdir=DESTDIR"

# meson's own list of what it wrote (paths with the destdir), without the directories it made.
files=$(grep -v '^#' "$tmp/build/meson-logs/install-log.txt" | while read -r f; do [ -d "$f" ] || echo "$f"; done)
outside=$(grep -v "^$dest$prefix/" <<<"$files" || true)
check "every file in meson's install log is under DESTDIR$prefix" test -z "$outside"
[ -z "$outside" ] || printf '#   outside: %s\n' $outside
logged=$(grep -c . <<<"$files")
found=$(find "$dest" -type f -o -type l | wc -l)
check "the install log lists every file under DESTDIR ($logged logged, $found found)" test "$logged" -eq "$found"
stray=$(cd "$dest" && find . \( -type f -o -type l \) ! -path ".$prefix/*")
check "nothing under DESTDIR outside $prefix" test -z "$stray"
[ -z "$stray" ] || printf '#   stray: %s\n' $stray
check "nothing written to the host's $prefix" test ! -e "$prefix"
for f in etc/jobs.d/README libexec/jobsd bin/jobctl lib/systemd/system/jobsd.service lib/systemd/user/jobsd.service \
         lib/systemd/catalog/jobsd.catalog share/dbus-1/system.d/io.jobsd.conf \
         share/man/man8/jobsd.8 share/man/man1/jobctl.1 share/man/man5/jobs.d.5 \
         share/bash-completion/completions/jobctl; do
        check "installed $prefix/$f" test -e "$dest$prefix/$f"
done
check "the system unit runs $prefix/libexec/jobsd" grep -qE "^ExecStart=$prefix/libexec/jobsd --system( |$)" \
        "$dest$prefix/lib/systemd/system/jobsd.service"

# --prefix=/usr: the directories of the distribution's .pc files, as they are.
if build "$tmp/usr" /usr; then
        planned=$(meson introspect "$tmp/usr" --installed | python3 -c '
import json, sys
for d in sorted(json.load(sys.stdin).values()): print(d)')
        want=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /usr/lib/systemd/system)
        check "--prefix=/usr: the system unit goes to systemd.pc's $want" grep -qx "$want/jobsd.service" <<<"$planned"
        other=$(grep -v -e "^/usr/" -e "^/etc/jobs.d/" -e "^$want/" <<<"$planned" || true)
        check "--prefix=/usr: nothing else outside /usr and /etc/jobs.d" test -z "$other"
        [ -z "$other" ] || printf '#   outside: %s\n' $other
else
        not_ok "meson setup --prefix=/usr"
fi
echo "1..$n"
[ "$fails" -eq 0 ]
