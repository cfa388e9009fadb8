#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The Kubernetes API's libraries loaded on demand (docs/kubernetes-api.md, "When the libraries are
# loaded"), in the suite's sandbox: jobsd --api-listen listens and writes the kubeconfigs at start, but maps
# neither libmicrohttpd nor GnuTLS until the first connection, which then succeeds; after an idle period (2 s
# here) both are unloaded, and loaded again by the next connection, while an open watch keeps them; a busy port is a
# start-up error; a client certificate removed is made again at start; a library that cannot be loaded
# (a broken libmicrohttpd.so.12 first on LD_LIBRARY_PATH) leaves jobsd running, closing the API's
# connections, with no busy loop, and a connection 10 s later tries again; the first load and unloading
# are logged at info, the later ones at debug. The CA's key is read at the first connection (removed,
# damaged or another key after the start: refused, logged, tried again 10 s later), and no text of a key
# (PEM, a kubeconfig's base64) is left in jobsd's memory, freed or not, at a first start, a restart and
# after the first connection (mem-scan.py; only the server key's PEM, kept by design), nor an EC key's
# private scalar. Skips without curl.
# Usage: test-api-lazy.sh BUILD_DIR
set -u
build=${1:?build directory}
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v curl >/dev/null; then
        echo "1..0 # SKIP no curl"
        exit 0
fi
. "$here/sandbox.sh"
. "$here/lib.sh"

JOBSD=$build/supervisor/jobsd
JOBCTL=$build/supervisor/jobctl
sandbox_start_tap
t_start=$(now)
manifests=$SANDBOX_DIR/manifests
state=$SANDBOX_DIR/state
mkdir -p "$manifests" "$state"
cat > "$manifests/hello.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: hello}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: ["true"]}]
YAML

port=$(free_port)
api=https://127.0.0.1:$port
pid() { systemctl --user show -P MainPID jobsd; }
# libs PID: the API's libraries mapped in the process, one name a line ("" if none; "no process PID" if
# it is gone, so that a jobsd that died never passes for one that unloaded them).
libs() {
        [ -r "/proc/$1/maps" ] || { echo "no process $1"; return; }
        grep -o -E 'lib(gnutls|microhttpd)\.so[.0-9]*' "/proc/$1/maps" | sort -u
}
rss() { awk '/^(VmRSS|RssFile):/ { printf "%s%s %s kB", sep, $1, $2; sep = ", " }' "/proc/$1/status"; }
# retried_after_failure WHAT DIAGNOSTIC: after a failed load, what was broken now put back: a connection
# within 10 s of the failure is still refused, one after them is served, by the same jobsd ($p); the
# command DIAGNOSTIC's output if not.
retried_after_failure() {
        local within after
        within=$(admin_get /version)
        sleep 10.5
        after=$(admin_get /version)
        if [ "$within" != 200 ] && [ "$after" = 200 ] && [ "$(pid)" = "$p" ]; then
                ok "$1"
        else
                not_ok "$1" "within 10 s $within, after $after" "$(eval "$2")"
        fi
}
admin_get() {   # PATH: the admin's GET, with the CA of the kubeconfig; prints the HTTP code
        curl -s --max-time 20 --cacert "$state/api/ca.crt" --cert "$state/api/admin.crt" --key "$state/api/admin.key" \
                -o "$SANDBOX_DIR/out" -w '%{http_code}' "$api$1"
}

# keys_in_memory PID: what of the private keys of <state>/api/ (their PEM lines, the kubeconfig's base64 of
# them, an EC key's private scalar as in its DER and as GMP's limbs) is in jobsd's writable memory, freed or
# not (mem-scan.py).
keys_in_memory() { python3 "$here/mem-scan.py" "$1" "$state"/api/ca.key "$state"/api/admin.key "$state"/api/viewer.key; }
# check_keys_erased PID WHEN: none of it is found (jobsd erases every copy it frees, and has GnuTLS export
# keys as DER, which it erases, as GnuTLS's own PEM export leaves the DER in freed memory).
check_keys_erased() {
        local found
        found=$(keys_in_memory "$1")
        if printf '%s\n' "$found" | grep -q '^pem-headers ' && ! printf '%s\n' "$found" | grep -E -v -q '^(pem-headers|searched|skipped) '; then
                ok "$2: nothing of ca.key, admin.key or viewer.key (PEM, base64, private scalar) in jobsd's memory"
        else
                not_ok "$2: nothing of a key in jobsd's memory" "$found"
        fi
        echo "# $2, keys in jobsd's memory: $(printf '%s\n' "$found" | grep -v '^searched' | paste -sd ';' -)"
}

# A first start: no CA yet, so GnuTLS is loaded at start to make it, then unloaded again.
start_jobsd --api-listen="127.0.0.1:$port"
p=$(pid)
if [ -s "$state/kubeconfig" ] && [ -s "$state/kubeconfig-viewer" ] && [ -s "$state/api/ca.crt" ] && [ -s "$state/api/admin.crt" ] &&
   [ -s "$state/api/viewer.crt" ]; then
        ok "first start: the CA, client certificates and kubeconfigs are there at READY"
else
        not_ok "first start: certificates, kubeconfigs and the socket at READY" "$(ls -l "$state" "$state/api" 2>&1)" \
                "$(sandbox_journal -u jobsd -o cat | tail -20)"
fi
echo "# first start (the CA made with GnuTLS, which was unloaded again): $(rss "$p"); mapped: $(libs "$p" | tr '\n' ' ')$(grep -o -E 'lib(p11-kit|nettle|hogweed|gmp|tasn1|idn2|unistring)\.so[.0-9]*' "/proc/$p/maps" | sort -u | tr '\n' ' ')"
check_keys_erased "$p" "first start (the CA and both clients made)"
[ -z "$(libs "$p" | grep microhttpd)" ] && ok "first start: libmicrohttpd is not mapped before a request" ||
        not_ok "first start: libmicrohttpd is not mapped before a request" "$(libs "$p")"
stop_jobsd

# A restart with the CA and the client certificates in place: no library at all until the first request.
start_jobsd --api-listen="127.0.0.1:$port"
p=$(pid)
if [ -s "$state/kubeconfig" ] && [ -z "$(libs "$p")" ]; then
        ok "restart: the kubeconfig is written and neither libgnutls nor libmicrohttpd is mapped before a request"
else
        not_ok "restart: no API library mapped before a request" "$(libs "$p")"
fi
echo "# restart, before any request: $(rss "$p")"
# The CA's key is read at the first connection, not held from the start.
check_keys_erased "$p" "restart, before any request"
# The certificate check of the kubeconfig's CA: the server certificate made on this first connection.
code=$(admin_get /version)
if [ "$code" = 200 ] && grep -q '"gitVersion"' "$SANDBOX_DIR/out"; then
        ok "the first request (it loads the libraries and makes the server certificate) succeeds: GET /version 200"
else
        not_ok "the first request succeeds" "code $code: $(cat "$SANDBOX_DIR/out" 2>/dev/null)" "$(sandbox_journal -u jobsd -o cat | tail -20)"
fi
if libs "$p" | grep -q gnutls && libs "$p" | grep -q microhttpd; then
        ok "after the first request libgnutls and libmicrohttpd are mapped"
else
        not_ok "after the first request libgnutls and libmicrohttpd are mapped" "$(libs "$p")"
fi
echo "# after the first request: $(rss "$p")"
code=$(admin_get /apis/batch/v1/namespaces/default/jobs/hello)
[ "$code" = 200 ] && ok "a second request: GET the Job hello 200" || not_ok "a second request" "code $code: $(cat "$SANDBOX_DIR/out")"
# The CA's key was read from ca.key for the server certificate and erased; the server's own key is kept as
# PEM (for the loads after an idle period): one BEGIN and one END line, no more.
check_keys_erased "$p" "after the first connection"
# The scan's own check: the CA certificate's PEM, which jobsd keeps (the trust list), is found.
python3 "$here/mem-scan.py" "$p" "$state/api/ca.crt" | grep -q '^ca.crt pem ' && ok "the memory scan finds the PEM text jobsd keeps (ca.crt)" ||
        not_ok "the memory scan finds ca.crt's PEM text" "$(python3 "$here/mem-scan.py" "$p" "$state/api/ca.crt" 2>&1)"
n_pem=$(keys_in_memory "$p" | sed -n 's/^pem-headers //p')
[ "$n_pem" = 2 ] && ok "after the first connection one private key's PEM text is in jobsd's memory (the server's)" ||
        not_ok "after the first connection only the server key's PEM text is in jobsd's memory" "$n_pem BEGIN/END lines"
# The viewer's kubeconfig as it is (its client certificate and the CA from the file's data).
viewer_cert=$(sed -n 's/^ *client-certificate-data: //p' "$state/kubeconfig-viewer" | base64 -d)
if [ -n "$viewer_cert" ] && [ "$viewer_cert" = "$(cat "$state/api/viewer.crt")" ] &&
   [ "$(sed -n 's/^ *certificate-authority-data: //p' "$state/kubeconfig-viewer" | base64 -d)" = "$(cat "$state/api/ca.crt")" ]; then
        ok "the kubeconfigs carry the PEM files, base64 as written without GnuTLS"
else
        not_ok "the kubeconfigs carry the PEM files" "$(head -c 300 "$state/kubeconfig-viewer")"
fi

stop_jobsd

# The libraries given back when the API is idle: the test aid makes the idle period 2 s (60 s otherwise).
# Three rounds of a request (both libraries mapped, the answer right) and the idle period (both unmapped).
start_jobsd -E JOBSD_TEST_API_IDLE_USEC=2000000 --api-listen="127.0.0.1:$port"
p=$(pid)
for round in 1 2 3; do
        code=$(admin_get /apis/batch/v1/namespaces/default/jobs/hello)
        if [ "$code" = 200 ] && grep -q '"name":"hello"' "$SANDBOX_DIR/out" && libs "$p" | grep -q gnutls && libs "$p" | grep -q microhttpd; then
                ok "idle round $round: a request loads the libraries and is answered (GET the Job hello 200)"
        else
                not_ok "idle round $round: a request loads the libraries and is answered" "code $code: $(head -c 300 "$SANDBOX_DIR/out" 2>/dev/null)" \
                        "mapped: $(libs "$p")" "$(sandbox_journal -u jobsd -o cat | tail -10)"
        fi
        if [ "$round" = 1 ]; then
                echo "# with the libraries loaded: $(rss "$p")"
                echo "# with the libraries loaded, what GnuTLS holds of the server key: $(python3 "$here/mem-scan.py" --held "$p" | grep -v -E '^(searched|skipped)' | paste -sd ';' -)"
        fi
        if until_true 10 '[ -z "$(libs "$p")" ]'; then
                ok "idle round $round: after the idle period neither libgnutls nor libmicrohttpd is mapped"
        else
                not_ok "idle round $round: the libraries unmapped after the idle period" "mapped: $(libs "$p")" "$(sandbox_journal -u jobsd -o cat | tail -10)"
        fi
        if [ "$round" = 1 ]; then
                echo "# after the idle period: $(rss "$p")"
                # GnuTLS unloaded: nothing of its parsed copy of the server key is left (jobsd keeps the PEM).
                held=$(python3 "$here/mem-scan.py" --held "$p")
                if printf '%s\n' "$held" | grep -q '^searched held-1:scalar ' && ! printf '%s\n' "$held" | grep -q '^held-'; then
                        ok "unloaded: GnuTLS left nothing of the server key's private scalar in jobsd's memory"
                else
                        not_ok "unloaded: nothing of the server key's scalar left" "$held"
                fi
        fi
done
n_unloaded=$(sandbox_journal -u jobsd _PID="$p" -o cat | grep -c "libmicrohttpd and GnuTLS unloaded until the next one")
[ "$n_unloaded" = 3 ] && ok "each unloading is logged (3 lines)" ||
        not_ok "each unloading is logged" "$n_unloaded lines" "$(sandbox_journal -u jobsd -o cat | tail -10)"
# The first load and the first unloading at info, the later ones at debug (two lines a poll otherwise, for a
# client polling less often than the idle period).
n_first_info=$(sandbox_journal -u jobsd _PID="$p" -p info -o cat | grep -c -E "GnuTLS loaded, server certificate made|GnuTLS unloaded until the next one \(later loads and unloads are logged at debug level\)")
n_info=$(sandbox_journal -u jobsd _PID="$p" -p info -o cat | grep -c -E "GnuTLS loaded.*serving on|GnuTLS unloaded until the next one")
n_debug=$(sandbox_journal -u jobsd _PID="$p" -p debug..debug -o cat | grep -c -E "GnuTLS loaded again \(load [23]\)|GnuTLS unloaded until the next one \(unload [23]\)")
if [ "$n_first_info" = 2 ] && [ "$n_info" = 2 ] && [ "$n_debug" = 4 ]; then
        ok "the first load and unloading are logged at info, the 2 later loads and unloadings at debug"
else
        not_ok "log levels of the loads and unloadings" "info: $n_first_info first, $n_info in all; debug: $n_debug" \
                "$(sandbox_journal -u jobsd _PID="$p" -o json | grep -E 'GnuTLS (loaded|unloaded)' | grep -o -E '"(PRIORITY|MESSAGE)":"[^"]*"' | paste -sd ' ' -)"
fi
# An open watch is a connection: it keeps them loaded past the idle period, and its events still come.
curl -s -N --max-time 60 --cacert "$state/api/ca.crt" --cert "$state/api/admin.crt" --key "$state/api/admin.key" \
        "$api/apis/batch/v1/namespaces/default/jobs?watch=1" > "$SANDBOX_DIR/watch" 2>/dev/null &
watcher=$!
until_true 10 'grep -q "\"ADDED\"" "$SANDBOX_DIR/watch"'
sleep 4
if libs "$p" | grep -q gnutls && libs "$p" | grep -q microhttpd; then
        ok "an open watch keeps the libraries loaded past the idle period"
else
        not_ok "an open watch keeps the libraries loaded" "mapped: $(libs "$p")" "$(cat "$SANDBOX_DIR/watch")"
fi
code=$(curl -s --max-time 20 --cacert "$state/api/ca.crt" --cert "$state/api/admin.crt" --key "$state/api/admin.key" \
        -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary \
        '{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"idle-watch"},"spec":{"suspend":true,"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"x","command":["true"]}]}}}}' \
        "$api/apis/batch/v1/namespaces/default/jobs")
if until_true 10 'grep -q "\"name\":\"idle-watch\"" "$SANDBOX_DIR/watch"'; then
        ok "the watch open past the idle period gets its events (POST $code, the new Job's ADDED)"
else
        not_ok "the watch gets its events after the idle period" "POST $code" "$(cat "$SANDBOX_DIR/watch")"
fi
kill "$watcher" 2>/dev/null; wait "$watcher" 2>/dev/null
if until_true 10 '[ -z "$(libs "$p")" ]'; then
        ok "the watch closed: the libraries are unloaded after the idle period"
else
        not_ok "the watch closed: the libraries unloaded after the idle period" "mapped: $(libs "$p")"
fi
# Woken by nothing while unloaded: the idle timer is gone with the libraries.
cpu0=$(awk '{ print $14 + $15 }' "/proc/$p/stat")
sleep 2
cpu1=$(awk '{ print $14 + $15 }' "/proc/$p/stat")
[ "$(pid)" = "$p" ] && [ -n "$cpu1" ] && [ $((cpu1 - cpu0)) -le 1 ] && ok "unloaded, jobsd is quiet ($((cpu1 - cpu0)) ticks of CPU in 2 s)" ||
        not_ok "unloaded, jobsd is quiet" "$((cpu1 - cpu0)) ticks of CPU in 2 s; jobsd now $(pid), was $p"
stop_jobsd

# A load that fails after an unloading: libmicrohttpd.so.12 first on LD_LIBRARY_PATH, the real one at the
# first request, replaced by a broken file while unloaded. As at a first connection: logged, connections
# closed, jobsd running on.
real_mhd=$(ldconfig -p | awk '$1 == "libmicrohttpd.so.12" && /x86-64|x32|64/ { print $NF; exit }')
[ -n "$real_mhd" ] || real_mhd=$(ldconfig -p | awk '$1 == "libmicrohttpd.so.12" { print $NF; exit }')
mkdir -p "$SANDBOX_DIR/swaplib"
ln -sf "$real_mhd" "$SANDBOX_DIR/swaplib/libmicrohttpd.so.12"
start_jobsd -E JOBSD_TEST_API_IDLE_USEC=2000000 -E LD_LIBRARY_PATH="$SANDBOX_DIR/swaplib" --api-listen="127.0.0.1:$port"
p=$(pid)
code=$(admin_get /version)
until_true 10 '[ -z "$(libs "$p")" ]'
rm "$SANDBOX_DIR/swaplib/libmicrohttpd.so.12"
echo "not a library" > "$SANDBOX_DIR/swaplib/libmicrohttpd.so.12"
code2=$(admin_get /version)
if [ "$code" = 200 ] && [ "$code2" != 200 ] &&
   sandbox_journal -u jobsd _PID="$p" -o cat | grep -q "cannot load libmicrohttpd.so.12, which the Kubernetes API (--api-listen) needs" &&
   sandbox_journal -u jobsd _PID="$p" -o cat | grep -q "cannot serve: jobsd goes on without it" &&
   [ "$(systemctl --user show -P ActiveState jobsd)" = active ] && [ "$(pid)" = "$p" ] && jobctl get job hello >/dev/null 2>&1 &&
   [ -z "$(libs "$p")" ]; then
        ok "a load failing after an unloading: logged, the connection closed, nothing left mapped, jobsd runs on"
else
        not_ok "a load failing after an unloading" "first $code, then $code2; mapped: $(libs "$p")" "$(sandbox_journal -u jobsd -o cat | tail -10)"
fi
# The library back: a connection 10 s after the failure tries again, and is served.
ln -sf "$real_mhd" "$SANDBOX_DIR/swaplib/libmicrohttpd.so.12"
retried_after_failure "the library fixed: a connection 10 s after the failure loads it again and is served" \
        'sandbox_journal -u jobsd -o cat | tail -10'
stop_jobsd

# A busy port is still a start-up error, said in the log.
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(60)' "$port" &
holder=$!
until_true 10 "(exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null"
systemd-run --user --quiet --unit=jobsd-busy -p Type=notify "$JOBSD" --user --manifest-dir="$manifests" \
        --state-dir="$state" --api-listen="127.0.0.1:$port" 2>/dev/null
if [ "$(systemctl --user show -P ActiveState jobsd-busy)" != active ] &&
   sandbox_journal -u jobsd-busy -o cat | grep -q "cannot listen on 127.0.0.1:$port for the API: Address already in use"; then
        ok "a busy port is a start-up error: cannot listen … Address already in use"
else
        not_ok "a busy port is a start-up error" "$(systemctl --user show -P ActiveState jobsd-busy)" "$(sandbox_journal -u jobsd-busy -o cat | tail -5)"
fi
kill "$holder"; wait "$holder" 2>/dev/null
systemctl --user stop jobsd-busy 2>/dev/null
systemctl --user reset-failed jobsd-busy 2>/dev/null

# A client certificate removed: made again at start (GnuTLS loaded for it and unloaded), the others kept.
ca_before=$(cat "$state/api/ca.crt")
admin_before=$(cat "$state/api/admin.crt")
rm "$state/api/viewer.crt"
start_jobsd --api-listen="127.0.0.1:$port"
p=$(pid)
if [ -s "$state/api/viewer.crt" ] && [ "$(cat "$state/api/ca.crt")" = "$ca_before" ] && [ "$(cat "$state/api/admin.crt")" = "$admin_before" ] &&
   [ -z "$(libs "$p" | grep microhttpd)" ]; then
        ok "a removed client certificate is made again at start, the CA and the admin's kept, libmicrohttpd not mapped"
else
        not_ok "a removed client certificate is made again at start" "$(ls -l "$state/api")" "$(libs "$p")"
fi
code=$(curl -s --max-time 20 --cacert "$state/api/ca.crt" --cert "$state/api/viewer.crt" --key "$state/api/viewer.key" \
        -o /dev/null -w '%{http_code}' "$api/apis/batch/v1/jobs")
[ "$code" = 200 ] && ok "the new viewer certificate is accepted" || not_ok "the new viewer certificate is accepted" "code $code"
stop_jobsd

# The CA's key is read from ca.key at the first connection of a run (and erased once used), not held from
# the start: removed, damaged, unreadable (a directory: jobsd runs as root here) or replaced by another key
# after the start, the API cannot serve (logged,
# connections closed, nothing mapped, jobsd running on); put back, a connection 10 s after the failure is
# served. A damaged ca.key at start is still a start-up error.
cp -p "$state/api/ca.key" "$SANDBOX_DIR/ca.key.good"
for damage in removed garbage unreadable other; do
        start_jobsd --api-listen="127.0.0.1:$port"
        p=$(pid)
        case $damage in
        removed) rm "$state/api/ca.key"; expect="ca.key, the key of the API's certificate authority, is gone: put it back";;
        garbage) printf 'not a key\n' > "$state/api/ca.key"; expect="ca.key is not a PEM private key: put the authority's key back";;
        unreadable) rm "$state/api/ca.key"; mkdir "$state/api/ca.key"; expect="cannot read $state/api/ca.key: Is a directory";;
        other)   cp "$state/api/admin.key" "$state/api/ca.key"; expect="cannot use the API's certificate authority in $state/api: its key is not its certificate's";;
        esac
        code=$(admin_get /version)
        if [ "$code" != 200 ] && sandbox_journal -u jobsd _PID="$p" -o cat | grep -q -F "$expect" &&
           sandbox_journal -u jobsd _PID="$p" -o cat | grep -q "cannot serve: jobsd goes on without it" &&
           [ "$(systemctl --user show -P ActiveState jobsd)" = active ] && [ "$(pid)" = "$p" ] && jobctl get job hello >/dev/null 2>&1 &&
           [ -z "$(libs "$p")" ]; then
                ok "ca.key $damage after the start: the first connection is refused, the log says why, nothing mapped, jobsd runs on"
        else
                not_ok "ca.key $damage after the start is reported at the first connection" "code $code; mapped: $(libs "$p")" \
                        "$(sandbox_journal -u jobsd _PID="$p" -o cat | tail -8)"
        fi
        [ "$damage" = other ] && break
        [ -d "$state/api/ca.key" ] && rmdir "$state/api/ca.key"
        cp -p "$SANDBOX_DIR/ca.key.good" "$state/api/ca.key"
        stop_jobsd
done
cp -p "$SANDBOX_DIR/ca.key.good" "$state/api/ca.key"
retried_after_failure "ca.key put back: a connection 10 s after the failure reads it, makes the server certificate and is served" \
        'sandbox_journal -u jobsd _PID="$p" -o cat | tail -8'
check_keys_erased "$p" "after a failed and a successful reading of ca.key"
stop_jobsd
printf 'not a key\n' > "$state/api/ca.key"
systemd-run --user --quiet --unit=jobsd-badkey -p Type=notify "$JOBSD" --user --manifest-dir="$manifests" \
        --state-dir="$state" --api-listen="127.0.0.1:$port" 2>/dev/null
if [ "$(systemctl --user show -P ActiveState jobsd-badkey)" != active ] &&
   sandbox_journal -u jobsd-badkey -o cat | grep -q -F "$state/api/ca.key is not a PEM private key: remove $state/api/ to make new ones"; then
        ok "a damaged ca.key at start is a start-up error"
else
        not_ok "a damaged ca.key at start is a start-up error" "$(systemctl --user show -P ActiveState jobsd-badkey)" \
                "$(sandbox_journal -u jobsd-badkey -o cat | tail -5)"
fi
systemctl --user stop jobsd-badkey 2>/dev/null
systemctl --user reset-failed jobsd-badkey 2>/dev/null
cp -p "$SANDBOX_DIR/ca.key.good" "$state/api/ca.key"

# A library that cannot be loaded: jobsd runs on, closes the API's connections, logs it (not per
# connection), and spends no CPU on its readable socket.
mkdir -p "$SANDBOX_DIR/badlib"
echo "not a library" > "$SANDBOX_DIR/badlib/libmicrohttpd.so.12"
start_jobsd -E LD_LIBRARY_PATH="$SANDBOX_DIR/badlib" --api-listen="127.0.0.1:$port"
p=$(pid)
for i in 1 2 3 4 5; do
        curl -s --max-time 10 --cacert "$state/api/ca.crt" --cert "$state/api/admin.crt" --key "$state/api/admin.key" \
                -o /dev/null "$api/version" && echo "# request $i succeeded"
done
if sandbox_journal -u jobsd _PID="$p" -o cat | grep -q "cannot load libmicrohttpd.so.12, which the Kubernetes API (--api-listen) needs" &&
   sandbox_journal -u jobsd _PID="$p" -o cat | grep -q "cannot serve: jobsd goes on without it"; then
        ok "a broken libmicrohttpd: the log names the library and says the API cannot serve"
else
        not_ok "a broken libmicrohttpd is logged" "$(sandbox_journal -u jobsd -o cat | tail -10)"
fi
n_closed=$(sandbox_journal -u jobsd _PID="$p" -o cat | grep -c "API: closed [0-9]* connection")
[ "$n_closed" -ge 1 ] && [ "$n_closed" -le 2 ] && ok "the closed connections are logged, rate-limited ($n_closed line(s) for 5 connections)" ||
        not_ok "closed connections logged once per 10 s" "$n_closed lines" "$(sandbox_journal -u jobsd -o cat | tail -10)"
if [ "$(systemctl --user show -P ActiveState jobsd)" = active ] && [ "$(pid)" = "$p" ] && jobctl get job hello >/dev/null 2>&1; then
        ok "jobsd keeps running and answers on the bus"
else
        not_ok "jobsd keeps running" "$(systemctl --user show -P ActiveState jobsd) pid $(pid) (was $p)"
fi
# A connection left in the backlog would make the socket readable for good: CPU over 2 s must stay small.
(exec 3<>"/dev/tcp/127.0.0.1/$port"; sleep 3) 2>/dev/null &
conn=$!
sleep 0.5
cpu0=$(awk '{ print $14 + $15 }' "/proc/$p/stat")
sleep 2
cpu1=$(awk '{ print $14 + $15 }' "/proc/$p/stat")
wait "$conn" 2>/dev/null
[ "$(pid)" = "$p" ] && [ -n "$cpu1" ] && [ $((cpu1 - cpu0)) -lt 50 ] && ok "no busy loop on the socket ($((cpu1 - cpu0)) ticks of CPU in 2 s)" ||
        not_ok "no busy loop on the socket" "$((cpu1 - cpu0)) ticks of CPU in 2 s; jobsd now $(pid), was $p"
stop_jobsd
jobsd_stopped_cleanly
check_no_sanitizer_report
echo "# whole run: $(since "$t_start") s"
echo "1..$n"
[ $failed = 0 ]
