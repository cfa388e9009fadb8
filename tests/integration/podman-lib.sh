# SPDX-License-Identifier: Apache-2.0
# podman for tests and benchmarks, in a storage of the sandbox's own, never the machine's (source after
# sandbox.sh; docs/testing.md):
#   podman_usable       podman, crun and busybox-static are installed.
#   podman_guard_run    before sandbox_start: podman's CLI makes empty /run/containers/networks and
#                       /run/crun even with every path pointed into the sandbox; they are removed at exit
#                       if they did not exist before (SANDBOX_ON_EXIT).
#   podman_setup        after sandbox_start: pargs (podman's global options: storage, crun's state and
#                       network configuration under $SANDBOX_DIR/podman) and pm (podman with them).
#   podman_images       imports a busybox root file system as localhost/jobsd-test/busybox:1 (ENTRYPOINT
#                       sh -c, CMD "echo image-cmd") and docker.io/luksa/batch-job:latest (the seed
#                       examples' image: CMD echo batch-job done).
#   podman_jobsd_args   jobsd's --podman-arg options for pargs.
#   podman_registry     after podman_setup: an image registry (Debian's docker-registry, from PATH or as
#                       tools/install-deps.sh unpacks it) on a free port of 127.0.0.1, as a unit of the
#                       sandbox's manager; sets registry=127.0.0.1:PORT. Its registries.conf, given to every
#                       unit of the sandbox (CONTAINERS_REGISTRIES_CONF), allows plain HTTP to it and makes
#                       it docker.io's mirror: an image named docker.io/X is pulled from $registry/X.

busybox=$(command -v busybox || echo /bin/busybox)
podman_usable() {
        command -v podman >/dev/null && command -v crun >/dev/null && "$busybox" true 2>/dev/null
}

podman_guard_run() {
        local d
        podman_made_run_dirs=""
        for d in /run/containers /run/crun; do [ -e "$d" ] || podman_made_run_dirs="$podman_made_run_dirs $d"; done
        SANDBOX_ON_EXIT='for d in $podman_made_run_dirs; do find "$d" -depth -type d -empty -delete 2>/dev/null; done'
}

podman_setup() {
        local store=$SANDBOX_DIR/podman
        mkdir -p "$store"
        pargs=(--root="$store/root" --runroot="$store/runroot" --tmpdir="$store/tmp" --storage-driver=vfs
               --events-backend=none --runtime-flag=root="$store/crun" --network-config-dir="$store/networks")
}
pm() { podman "${pargs[@]}" "$@"; }

podman_images() {
        local rootfs=$SANDBOX_DIR/rootfs t
        mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev" "$rootfs/shared"
        cp "$busybox" "$rootfs/bin/busybox"
        for t in sh echo sleep cat env hostname true false id dd readlink ls test; do ln -s busybox "$rootfs/bin/$t"; done
        tar -C "$rootfs" -cf "$SANDBOX_DIR/rootfs.tar" .
        pm import --change 'ENTRYPOINT ["/bin/sh","-c"]' --change 'CMD ["echo image-cmd"]' --change 'ENV PATH=/bin' \
                "$SANDBOX_DIR/rootfs.tar" localhost/jobsd-test/busybox:1 >/dev/null 2>&1
        pm import --change 'CMD ["/bin/sh","-c","echo batch-job done"]' --change 'ENV PATH=/bin' \
                "$SANDBOX_DIR/rootfs.tar" docker.io/luksa/batch-job:latest >/dev/null 2>&1
        pm image exists localhost/jobsd-test/busybox:1 && pm image exists docker.io/luksa/batch-job:latest
}

podman_jobsd_args() {
        local a
        for a in "${pargs[@]}"; do printf '%s\n' "--podman-arg=$a"; done
}

podman_registry_bin() {
        local b
        b=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.cache/docker-registry/usr/bin/docker-registry
        command -v docker-registry || { [ -x "$b" ] && echo "$b"; }
}
podman_registry() {
        local bin conf=$SANDBOX_DIR/registries.conf
        bin=$(podman_registry_bin) || return 1
        cat > "$SANDBOX_DIR/registry.yml" <<YAML
version: 0.1
log: {level: info}
storage: {filesystem: {rootdirectory: $SANDBOX_DIR/registry}}
http: {addr: "127.0.0.1:0"}
YAML
        systemd-run --user --quiet --unit=test-registry "$bin" serve "$SANDBOX_DIR/registry.yml" || return 1
        registry=
        until_true 10 'registry=$(sandbox_journal -u test-registry -o cat | grep -o "listening on 127\.0\.0\.1:[0-9]*" | head -1); [ -n "$registry" ]' || return 1
        registry=${registry#listening on }
        cat > "$conf" <<TOML
[[registry]]
location = "$registry"
insecure = true

[[registry]]
prefix = "docker.io"
location = "docker.io"
[[registry.mirror]]
location = "$registry"
insecure = true
TOML
        systemctl --user set-environment CONTAINERS_REGISTRIES_CONF="$conf"
        export CONTAINERS_REGISTRIES_CONF=$conf
}
