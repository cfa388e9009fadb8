# SPDX-License-Identifier: Apache-2.0
# A real systemd user manager in a sandbox, for integration tests (docs/testing.md). Source it, then:
#   sandbox_start     starts journald and `systemd --user` in a fresh cgroup and cgroup + mount namespace;
#                     exports XDG_RUNTIME_DIR, DBUS_SESSION_BUS_ADDRESS (the sandbox's user bus),
#                     SANDBOX_DIR, SANDBOX_JOURNAL_DIR, SANDBOX_CGROUP; tears down on EXIT.
#   sandbox_stop      kills everything through cgroup.kill, removes the cgroup and the directory. Run at
#                     exit; if the shell that started the sandbox ends without it (SIGKILL, its EXIT trap
#                     replaced), its reaper process runs it within a second.
#   SANDBOX_ON_EXIT   shell code run at exit after sandbox_stop (files that outlive one sandbox).
#   SANDBOX_OPEN_BUS  if set before sandbox_start: the sandbox's user bus lets every UID connect (its
#                     directories become 0711), so a test can call as another user (test-bus.sh).
#   SANDBOX_V1_LIMITS if set before sandbox_start, on a machine whose memory controller is on a cgroup v1
#                     hierarchy (hybrid layout): the manager runs in systemd's hybrid layout too, with its own
#                     child of the v1 memory, name=systemd and (where it is on v1 too) cpu hierarchies, so
#                     that MemoryMax= and CPUQuota=/CPUWeight= are enforced. SANDBOX_HYBRID is then 1 (else
#                     0), SANDBOX_V1_CGROUPS the children made. Without it such a machine enforces neither.
#   sandbox_journal   journalctl on the sandbox's journal.
#   free_port         a port on 127.0.0.1 nothing listens on.
# Never starts systemd in the root cgroup (it would move every process of the machine into its
# init.scope) and never boots a system manager (it would run sysinit.target on the host).

sandbox_v2_root() {
        if [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
                echo /sys/fs/cgroup
        elif [ -d /sys/fs/cgroup/unified ] && [ "$(stat -fc %T /sys/fs/cgroup/unified)" = cgroup2fs ]; then
                echo /sys/fs/cgroup/unified
        else
                return 1
        fi
}

sandbox_start() {
        local v2 i
        v2=$(sandbox_v2_root) || { echo "sandbox: no cgroup v2 hierarchy" >&2; return 1; }
        SANDBOX_DIR=$(mktemp -d "${TMPDIR:-/tmp}/jobsd-sandbox.XXXXXX") || return 1
        if [ "$v2" = /sys/fs/cgroup ] && [ -w /proc/self/cgroup ] && [ "$(cat /proc/1/comm)" = systemd ] && [ "$(id -u)" != 0 ]; then
                echo "sandbox: not root; use the caller's own user manager instead" >&2
                return 1
        fi
        # A fresh child of the cgroup we are in (on a systemd machine, inside our own scope).
        local parent
        parent=$v2$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup)
        [ -d "$parent" ] || parent=$v2
        SANDBOX_CGROUP=$parent/jobsd-sandbox-$$-$RANDOM
        mkdir "$SANDBOX_CGROUP" || { rm -rf "$SANDBOX_DIR"; return 1; }
        # Hybrid: a child of our own cgroup in the v1 memory, name=systemd and cpu hierarchies as well (their
        # paths, like the v2 one, are ours from /proc/self/cgroup; the cgroup namespace makes them the root).
        SANDBOX_HYBRID=0 SANDBOX_V1_CGROUPS="" SANDBOX_V1_HIERARCHIES=""
        if [ -n "${SANDBOX_V1_LIMITS:-}" ] && ! grep -qw memory "$v2/cgroup.controllers" &&
           [ "$(stat -fc %T /sys/fs/cgroup/memory 2>/dev/null)" = cgroupfs ] &&
           [ "$(stat -fc %T /sys/fs/cgroup/systemd 2>/dev/null)" = cgroupfs ]; then
                local h p
                SANDBOX_V1_HIERARCHIES="memory systemd"
                # cpu and cpuacct each on a hierarchy of its own (not joined as cpu,cpuacct), as on these VMs:
                # systemd realizes the cpu controller for a unit only with both.
                if ! grep -qw cpu "$v2/cgroup.controllers" && grep -q '^[0-9]*:cpu:' /proc/self/cgroup &&
                   grep -q '^[0-9]*:cpuacct:' /proc/self/cgroup && [ ! -L /sys/fs/cgroup/cpu ] && [ ! -L /sys/fs/cgroup/cpuacct ] &&
                   [ "$(stat -fc %T /sys/fs/cgroup/cpu 2>/dev/null)" = cgroupfs ] &&
                   [ "$(stat -fc %T /sys/fs/cgroup/cpuacct 2>/dev/null)" = cgroupfs ]; then
                        SANDBOX_V1_HIERARCHIES="$SANDBOX_V1_HIERARCHIES cpu cpuacct"
                fi
                for h in $SANDBOX_V1_HIERARCHIES; do
                        p=$(awk -F: -v h="$h" '{ n = split($2, c, ","); for (i = 1; i <= n; i++) if (c[i] == h || c[i] == "name=" h) print $3 }' /proc/self/cgroup)
                        p=/sys/fs/cgroup/$h${p%/}/${SANDBOX_CGROUP##*/}
                        mkdir "$p" && SANDBOX_V1_CGROUPS="$SANDBOX_V1_CGROUPS $p" || { sandbox_stop; return 1; }
                done
                SANDBOX_HYBRID=1
        fi
        mkdir -p "$SANDBOX_DIR/rt" "$SANDBOX_DIR/log" && chmod 700 "$SANDBOX_DIR/rt"
        [ -z "${SANDBOX_OPEN_BUS:-}" ] || sandbox_open_bus
        export SANDBOX_DIR SANDBOX_CGROUP SANDBOX_JOURNAL_DIR=$SANDBOX_DIR/log/journal SANDBOX_HYBRID SANDBOX_V1_CGROUPS
        trap 'sandbox_stop; eval "${SANDBOX_ON_EXIT:-}"' EXIT
        trap 'exit 130' INT TERM
        sandbox_reaper
        (
                echo $BASHPID > "$SANDBOX_CGROUP/cgroup.procs" || exit 1
                for c in $SANDBOX_V1_CGROUPS; do echo $BASHPID > "$c/cgroup.procs" || exit 1; done
                exec unshare --cgroup --mount bash -c '
                        set -e
                        mount --make-rprivate /
                        if [ -n "$1" ]; then
                                mount -t tmpfs -o mode=755 tmpfs /sys/fs/cgroup
                                mkdir /sys/fs/cgroup/unified
                                mount -t cgroup2 cgroup2 /sys/fs/cgroup/unified
                                for h in $1; do
                                        mkdir /sys/fs/cgroup/$h
                                        o=$h; [ $h != systemd ] || o=none,name=systemd
                                        mount -t cgroup -o $o cgroup /sys/fs/cgroup/$h
                                done
                        else
                                mount -t cgroup2 cgroup2 /sys/fs/cgroup
                        fi
                        mount -t tmpfs tmpfs /run/systemd
                        mkdir -p /run/systemd/system /run/systemd/journal /run/log
                        mount --bind "$0/log" /run/log
                        /lib/systemd/systemd-journald &
                        for i in $(seq 200); do [ -S /run/systemd/journal/socket ] && break; sleep 0.02; done
                        export XDG_RUNTIME_DIR="$0/rt"
                        unset DBUS_SESSION_BUS_ADDRESS  # the manager would connect to that bus, not its own
                        exec /lib/systemd/systemd --user
                ' "$SANDBOX_DIR" "$SANDBOX_V1_HIERARCHIES" >"$SANDBOX_DIR/manager.log" 2>&1
        ) &
        disown
        export XDG_RUNTIME_DIR=$SANDBOX_DIR/rt DBUS_SESSION_BUS_ADDRESS=unix:path=$SANDBOX_DIR/rt/bus
        # Ready when systemd answers on the user bus (the bus itself is socket-activated by the manager).
        for i in $(seq 400); do
                busctl --user --timeout=2 call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.DBus.Peer Ping \
                        >/dev/null 2>&1 && return 0
                sleep 0.025
        done
        echo "sandbox: the user manager did not come up:" >&2
        cat "$SANDBOX_DIR/manager.log" >&2
        return 1
}

# The bus daemon (dbus.service of the sandbox's manager, from a runtime drop-in) with the session
# configuration plus <allow user="*"/>: by default dbus-daemon admits only its own UID.
sandbox_open_bus() {
        local d=$SANDBOX_DIR/rt/systemd/user/dbus.service.d
        mkdir -p "$d" && chmod 711 "$SANDBOX_DIR" "$SANDBOX_DIR/rt" || return 1
        cat > "$SANDBOX_DIR/bus.conf" <<'XML'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <include>/usr/share/dbus-1/session.conf</include>
  <policy context="default"><allow user="*"/></policy>
</busconfig>
XML
        printf '[Service]\nExecStart=\nExecStart=/usr/bin/dbus-daemon --config-file=%s --address=systemd: --nofork --nopidfile --systemd-activation --syslog-only\n' \
                "$SANDBOX_DIR/bus.conf" > "$d/open.conf"
}

# The sandbox's reaper (sandbox-reaper.sh): a process in a session of its own, outside the sandbox's cgroup,
# that stops the sandbox once the shell that started it is gone without doing so (killed by SIGKILL, or
# its EXIT trap replaced by a script's own `trap ... EXIT`). Neither a signal to the test's process group
# (meson's timeout, Ctrl-C) nor the test's output reaches it; sandbox_stop ends it first.
sandbox_reaper() {
        local owner=$BASHPID     # here: in the background command below it would be that command's own

        setsid bash "$(dirname "${BASH_SOURCE[0]}")/sandbox-reaper.sh" "$owner" </dev/null >/dev/null 2>&1 &
        SANDBOX_REAPER=$!
        disown
}

sandbox_stop() {
        local i
        [ -n "${SANDBOX_CGROUP:-}" ] || return 0
        if [ -n "${SANDBOX_REAPER:-}" ]; then
                kill "$SANDBOX_REAPER" 2>/dev/null
                SANDBOX_REAPER=
        fi
        if [ -d "$SANDBOX_CGROUP" ]; then
                echo 1 > "$SANDBOX_CGROUP/cgroup.kill" 2>/dev/null
                for i in $(seq 400); do
                        grep -q '^populated 0' "$SANDBOX_CGROUP/cgroup.events" 2>/dev/null && break
                        sleep 0.025
                done
                find "$SANDBOX_CGROUP" -depth -type d -exec rmdir {} \; 2>/dev/null
        fi
        # Every process was in the v2 cgroup too: the v1 ones are empty now.
        for c in ${SANDBOX_V1_CGROUPS:-}; do
                find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null
        done
        SANDBOX_V1_CGROUPS=""
        [ -n "${SANDBOX_DIR:-}" ] && rm -rf "$SANDBOX_DIR"
        SANDBOX_CGROUP=
}

sandbox_journal() {
        journalctl -D "$SANDBOX_JOURNAL_DIR" --no-pager "$@"
}

# free_port: a port on 127.0.0.1 nothing listens on (for jobsd --api-listen), empty if 20 tries found none.
free_port() {
        local p
        for _ in $(seq 20); do
                p=$((20000 + RANDOM % 30000))
                if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
        done
}
