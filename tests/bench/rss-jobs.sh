#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# jobsd's resident memory with N Jobs loaded (default 1000), on a sandboxed user manager. The Jobs are
# managed by another controller (spec.managedBy), so jobsd loads, indexes and serves them but starts no
# pods: this measures jobsd's own cost per loaded Job. Its first start writes each Job's record (with a
# copy of the manifest, fsync'd); the restart after it reads them. Then the same Jobs with
# --api-listen=127.0.0.1:PORT (a free port): its first start (the CA made, GnuTLS loaded and unloaded for
# it), a restart before any request (libmicrohttpd and GnuTLS not loaded yet), and after one request
# (curl with the kubeconfig's client certificate: both loaded), and after the idle period that unloads them
# (made 2 s by the test aid JOBSD_TEST_API_IDLE_USEC; 60 s otherwise), each VmRSS, RssAnon, RssFile and PSS.
#   tests/bench/rss-jobs.sh [BUILD_DIR] [N]
set -eu
build=$(realpath "${1:-build}")
n=${2:-1000}
. "$(dirname "$0")/../integration/sandbox.sh"
sandbox_start
mkdir -p "$SANDBOX_DIR/m" "$SANDBOX_DIR/s"
for i in $(seq "$n"); do
        printf 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: j%d}\nspec:\n  managedBy: example.com/other\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: x, command: [sh, -c, "echo %d"]}]\n' "$i" "$i" > "$SANDBOX_DIR/m/j$i.yaml"
done
t0=$(date +%s%N)
systemd-run --user --quiet --unit=jobsd -p Type=notify "$build/supervisor/jobsd" --user \
        --manifest-dir="$SANDBOX_DIR/m" --state-dir="$SANDBOX_DIR/s"
t1=$(date +%s%N)
pid=$(systemctl --user show -p MainPID --value jobsd)
rss=$(awk '/^VmRSS/ { print $2 }' /proc/"$pid"/status)
hwm=$(awk '/^VmHWM/ { print $2 }' /proc/"$pid"/status)
split=$(awk '/^Rss(Anon|File|Shmem):/ { printf "%s%s %.1f MiB", sep, substr($1, 4, length($1) - 4), $2 / 1024; sep = ", " }' /proc/"$pid"/status)
pss=$(awk '$1 == "Pss:" { printf "%.1f", $2 / 1024 }' /proc/"$pid"/smaps_rollup)
jobs=$(busctl --user call io.jobsd /io/jobsd io.jobsd.Manager1 ListJobs | awk '{ print $2 }')
systemctl --user stop jobsd
# A restart: the records are on disk now, so it only reads them.
t2=$(date +%s%N)
systemd-run --user --quiet --unit=jobsd -p Type=notify "$build/supervisor/jobsd" --user \
        --manifest-dir="$SANDBOX_DIR/m" --state-dir="$SANDBOX_DIR/s"
t3=$(date +%s%N)
split_of() {     # PID: VmRSS, RssAnon, RssFile, PSS in MiB
        awk '/^(VmRSS|RssAnon|RssFile):/ { printf "%s%s %.1f", sep, $1, $2 / 1024; sep = ", " }' /proc/"$1"/status
        awk '$1 == "Pss:" { printf ", PSS %.1f MiB", $2 / 1024 }' /proc/"$1"/smaps_rollup
}
echo "jobsd with $jobs Jobs loaded: VmRSS $((rss / 1024)).$(( (rss % 1024) * 10 / 1024 )) MiB, peak $((hwm / 1024)).$(( (hwm % 1024) * 10 / 1024 )) MiB ($split: the file part is mostly the shared libraries' pages; PSS, those shared pages divided among their users, $pss MiB); start to ready $(( (t1 - t0) / 1000000 )) ms (each Job's record and manifest copy written), restart to ready $(( (t3 - t2) / 1000000 )) ms"
systemctl --user stop jobsd

# With the Kubernetes API on a free port of 127.0.0.1.
port=$(free_port)
[ -n "$port" ] || { echo "no free port for --api-listen" >&2; exit 1; }
api_start() {
        systemd-run --user --quiet --unit=jobsd -p Type=notify -E JOBSD_TEST_API_IDLE_USEC=2000000 "$build/supervisor/jobsd" --user \
                --manifest-dir="$SANDBOX_DIR/m" --state-dir="$SANDBOX_DIR/s" --api-listen="127.0.0.1:$port"
        pid=$(systemctl --user show -p MainPID --value jobsd)
}
api_libs() { grep -c -E 'lib(gnutls|microhttpd)\.so' /proc/"$pid"/maps; }
api_start
echo "with --api-listen=127.0.0.1:$port, its first start (the CA and client certificates made): $(split_of "$pid") ($(api_libs) mappings of libgnutls/libmicrohttpd)"
systemctl --user stop jobsd
api_start
echo "with --api-listen, a restart, before any request: $(split_of "$pid") ($(api_libs) mappings of libgnutls/libmicrohttpd)"
get_one() {      # the HTTP code and the request's time in ms (a new connection: TLS handshake included)
        curl -s --max-time 30 --cacert "$SANDBOX_DIR/s/api/ca.crt" --cert "$SANDBOX_DIR/s/api/admin.crt" --key "$SANDBOX_DIR/s/api/admin.key" \
                -o /dev/null -w '%{http_code} %{time_total}' "https://127.0.0.1:$port/apis/batch/v1/namespaces/default/jobs?limit=1" |
                awk '{ printf "HTTP %s in %.1f ms", $1, $2 * 1000 }'
}
first=$(get_one)
echo "with --api-listen, after one request (a list of one Job, $first: the libraries loaded and the server certificate made first): $(split_of "$pid") ($(api_libs) mappings of libgnutls/libmicrohttpd)"
echo "with --api-listen, the same request again: $(get_one)"
# The idle period (2 s here): wait until both are unmapped (at most 20 s).
for _ in $(seq 200); do
        [ "$(api_libs)" = 0 ] && break
        sleep 0.1
done
echo "with --api-listen, after the idle period (the libraries unloaded): $(split_of "$pid") ($(api_libs) mappings of libgnutls/libmicrohttpd)"
echo "with --api-listen, a request after the idle period (the libraries loaded again): $(get_one); then $(split_of "$pid")"
systemctl --user stop jobsd
