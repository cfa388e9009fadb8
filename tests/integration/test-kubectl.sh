#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The real kubectl (/usr/bin/kubectl) against jobsd --api-listen in the suite's sandbox
# (tests/integration/sandbox.sh; docs/kubernetes-api.md): certificates and the kubeconfig, 401 without a
# client certificate, version and discovery, get/list of Jobs and CronJobs with kubectl's tables, bad
# requests. Skips (with the reason) where kubectl is missing. Usage: test-kubectl.sh BUILD_DIR
set -u
build=${1:?build directory}
here=$(cd "$(dirname "$0")" && pwd)
KUBECTL=${KUBECTL:-/usr/bin/kubectl}
if ! [ -x "$KUBECTL" ]; then
        echo "1..0 # SKIP no kubectl at $KUBECTL (the Kubernetes API is tested with the real client)"
        exit 0
fi
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
mkdir -p "$manifests" "$state" "$SANDBOX_DIR/home"
# kubectl's discovery cache and config stay in the sandbox.
export HOME=$SANDBOX_DIR/home
export KUBECONFIG=$state/kubeconfig
k() { timeout 60 "$KUBECTL" --request-timeout=20s "$@"; }

port=$(free_port)
api=https://127.0.0.1:$port

cat > "$manifests/pi.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata:
  name: pi
  labels: {app: pi}
spec:
  completions: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sh, -c, "echo 3.14"]}]
---
apiVersion: batch/v1
kind: Job
metadata:
  name: sleeper
  namespace: other
  # An owner in a file: accepted and kept, as kubectl apply would send it.
  ownerReferences: [{apiVersion: example.com/v1, kind: Widget, name: w1, uid: 0b6e5b1c-0000-4000-8000-000000000001}]
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: s, image: busybox, command: [sleep, "600"]}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 3 * * *"
  timeZone: Etc/UTC
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: c, image: busybox, command: ["true"]}]
YAML

start_jobsd --api-listen="127.0.0.1:$port"
if until_true 20 "[ -s '$KUBECONFIG' ] && curl -sk '$api/version' >/dev/null"; then
        ok "jobsd --api-listen serves HTTPS on 127.0.0.1:$port and writes the kubeconfig"
else
        not_ok "jobsd --api-listen serves HTTPS and writes the kubeconfig" "$(sandbox_journal -u jobsd -o cat | tail -20)"
fi
mode=$(stat -c %a "$KUBECONFIG" 2>/dev/null)
[ "$mode" = 600 ] && ok "the kubeconfig is mode 0600" || not_ok "the kubeconfig is mode 0600" "mode $mode"
for f in ca.crt ca.key admin.crt admin.key; do
        [ -s "$state/api/$f" ] || not_ok "$state/api/$f exists"
done

# No client certificate, or one of another CA: 401 with a Status.
code=$(curl -sk -o "$SANDBOX_DIR/out" -w '%{http_code}' "$api/apis/batch/v1/jobs")
if [ "$code" = 401 ] && grep -q '"reason":"Unauthorized"' "$SANDBOX_DIR/out"; then
        ok "no client certificate: 401 Unauthorized"
else
        not_ok "no client certificate: 401 Unauthorized" "$code $(cat "$SANDBOX_DIR/out")"
fi
if command -v openssl >/dev/null; then
        # The same names as the admin's, signed by another CA.
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=jobsd-admin/O=system:masters \
                -keyout "$SANDBOX_DIR/other.key" -out "$SANDBOX_DIR/other.crt" -days 1 >/dev/null 2>&1
        code=$(curl -sk --cert "$SANDBOX_DIR/other.crt" --key "$SANDBOX_DIR/other.key" -o /dev/null -w '%{http_code}' "$api/apis/batch/v1/jobs")
        [ "$code" = 401 ] && ok "a client certificate of another CA: 401" || not_ok "a client certificate of another CA: 401" "got $code"
else
        ok "a client certificate of another CA # SKIP no openssl to make one"
fi

out=$(k version -o json 2>&1)
if echo "$out" | grep -q '"gitVersion": "v1.32'; then
        ok "kubectl version reports the server as v1.32"
else
        not_ok "kubectl version" "$out"
fi
out=$(k api-resources 2>&1)
if echo "$out" | grep -q '^jobs .*batch/v1 .*true .*Job' && echo "$out" | grep -q '^cronjobs .*cj .*batch/v1 .*true .*CronJob' &&
   echo "$out" | grep -q '^namespaces .*ns .*v1 .*false .*Namespace'; then
        ok "kubectl api-resources lists jobs, cronjobs, namespaces"
else
        not_ok "kubectl api-resources" "$out"
fi
# The legacy discovery documents, for a client that asks for plain JSON.
out=$(curl -sk --cacert "$state/api/ca.crt" --cert "$state/api/admin.crt" --key "$state/api/admin.key" \
        -H 'Accept: application/json' "$api/apis/batch/v1")
echo "$out" | grep -q '"kind":"APIResourceList"' && ok "/apis/batch/v1 as legacy JSON" || not_ok "/apis/batch/v1 as legacy JSON" "$out"
out=$(curl -sk -i --cert "$state/api/admin.crt" --key "$state/api/admin.key" \
        -H 'Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' "$api/apis")
echo "$out" | grep -qi '^content-type: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' &&
        ok "/apis as aggregated discovery v2 when asked" || not_ok "/apis as aggregated discovery v2" "$out"

# Layer 2: get and list, as JSON and as kubectl's tables.
jobctl wait job/pi --for=condition=Complete --timeout=60s >/dev/null 2>&1
out=$(k get jobs 2>&1)
if echo "$out" | head -1 | grep -q '^NAME *STATUS *COMPLETIONS *DURATION *AGE$' && echo "$out" | grep -q '^pi *Complete *2/2 '; then
        ok "kubectl get jobs: NAME STATUS COMPLETIONS DURATION AGE, pi Complete 2/2"
else
        not_ok "kubectl get jobs" "$out"
fi
out=$(k get jobs -A -o wide 2>&1)
if echo "$out" | head -1 | grep -q '^NAMESPACE *NAME *STATUS *COMPLETIONS *DURATION *AGE *CONTAINERS *IMAGES *SELECTOR$' &&
   echo "$out" | grep -q '^other *sleeper *Running *0/1 .* s *busybox *batch.kubernetes.io/controller-uid=' &&
   echo "$out" | grep -q '^default *pi '; then
        ok "kubectl get jobs -A -o wide: namespaces, containers, images, selector"
else
        not_ok "kubectl get jobs -A -o wide" "$out"
fi
uid=$(jobctl get job pi -o json | sed -n 's/^ *"uid": "\(.*\)",*$/\1/p' | head -1)
out=$(k get job pi -o yaml 2>&1)
if echo "$out" | grep -q "^  uid: $uid" && echo "$out" | grep -q '^  backoffLimit: 6' &&
   echo "$out" | grep -q 'terminationMessagePath: /dev/termination-log' && echo "$out" | grep -q '^  succeeded: 2' &&
   echo "$out" | grep -q 'jobsd.io/manifest-file: .*pi.yaml' && echo "$out" | grep -q 'type: Complete'; then
        ok "kubectl get job pi -o yaml: the whole object with Kubernetes' defaults, its uid, its status"
else
        not_ok "kubectl get job pi -o yaml" "$out"
fi
out=$(k get job pi -o jsonpath='{.status.succeeded}/{.spec.completions}/{.spec.template.spec.containers[0].imagePullPolicy}' 2>&1)
[ "$out" = "2/2/Always" ] && ok "kubectl get -o jsonpath" || not_ok "kubectl get -o jsonpath" "$out"
out=$(k get jobs -A -o name 2>&1 | sort | tr '\n' ' ')
[ "$out" = "job.batch/pi job.batch/sleeper " ] && ok "kubectl get jobs -A -o name" || not_ok "kubectl get jobs -A -o name" "$out"
out=$(k get jobs -l app=pi -o name 2>&1; k get jobs -l 'app notin (pi)' -o name 2>&1; k get jobs -A -l '!app' -o name 2>&1)
[ "$out" = "$(printf 'job.batch/pi\njob.batch/sleeper')" ] &&
        ok "kubectl get jobs -l: =, notin, !" || not_ok "kubectl get jobs -l" "$out"
out=$(k get jobs -A --show-labels 2>&1)
echo "$out" | grep -q '^default *pi .*app=pi$' && ok "kubectl get jobs --show-labels" || not_ok "kubectl get jobs --show-labels" "$out"
out=$(k get job missing 2>&1)
[ "$out" = 'Error from server (NotFound): jobs.batch "missing" not found' ] && ok "kubectl get job missing: NotFound" ||
        not_ok "kubectl get job missing: NotFound" "$out"
out=$(k get jobs --field-selector metadata.name=pi -o name 2>&1; k get jobs --field-selector spec.foo=1 2>&1)
if echo "$out" | head -1 | grep -qx 'job.batch/pi' && echo "$out" | grep -q 'field label not supported: spec.foo'; then
        ok "kubectl get jobs --field-selector: metadata.name; an unknown field is a BadRequest"
else
        not_ok "kubectl get jobs --field-selector" "$out"
fi
out=$(k get cronjobs 2>&1)
if echo "$out" | head -1 | grep -q '^NAME *SCHEDULE *TIMEZONE *SUSPEND *ACTIVE *LAST SCHEDULE *AGE$' &&
   echo "$out" | grep -q '^nightly *0 3 \* \* \* *Etc/UTC *False *0 *<none> '; then
        ok "kubectl get cronjobs: NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE"
else
        not_ok "kubectl get cronjobs" "$out"
fi
out=$(k get cj nightly -o jsonpath='{.spec.concurrencyPolicy} {.spec.successfulJobsHistoryLimit} {.spec.jobTemplate.spec.backoffLimit}' 2>&1)
[ "$out" = "Allow 3 6" ] && ok "kubectl get cj -o jsonpath: the CronJob's defaults" || not_ok "kubectl get cj -o jsonpath" "$out"
out=$(k get ns -o name 2>&1 | tr '\n' ' ')
[ "$out" = "namespace/default namespace/other " ] && ok "kubectl get namespaces" || not_ok "kubectl get namespaces" "$out"
out=$(k get job pi -n nowhere 2>&1)
echo "$out" | grep -q 'NotFound' && ok "a Job in another namespace is not found" || not_ok "a Job in another namespace is not found" "$out"

# Layer 3: watch. kubectl get -w prints the new Job's rows as it changes; wait watches from its list.
"$KUBECTL" get jobs -w > "$SANDBOX_DIR/watch.out" 2>&1 &
watch_pid=$!
"$KUBECTL" get jobs -A -w -o json --output-watch-events > "$SANDBOX_DIR/watch-json.out" 2>&1 &
watch_json_pid=$!
sleep 1
cat > "$manifests/later.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: later}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sleep, "1"]}]
YAML
t0=$(now)
until_true 10 "k get job later"        # kubectl wait on a Job that does not exist yet: NotFound, as on a cluster
out=$(k wait --for=condition=complete job/later --timeout=60s 2>&1)
if [ "$out" = "job.batch/later condition met" ]; then
        ok "kubectl wait --for=condition=complete job/later (a Job added after the wait began; $(since "$t0") s)"
else
        not_ok "kubectl wait --for=condition=complete" "$out"
fi
out=$(k wait --for=condition=complete job/pi --timeout=10s 2>&1)
[ "$out" = "job.batch/pi condition met" ] && ok "kubectl wait on a Job already complete" || not_ok "kubectl wait on a Job already complete" "$out"
out=$(k wait --for=condition=complete job/sleeper -n other --timeout=2s 2>&1)
echo "$out" | grep -q 'timed out waiting for the condition' && ok "kubectl wait times out on a running Job" ||
        not_ok "kubectl wait times out on a running Job" "$out"
sleep 0.5
kill $watch_pid $watch_json_pid 2>/dev/null; wait $watch_pid $watch_json_pid 2>/dev/null
if head -1 "$SANDBOX_DIR/watch.out" | grep -q '^NAME *STATUS *COMPLETIONS' && [ "$(grep -c '^NAME' "$SANDBOX_DIR/watch.out")" = 1 ] &&
   grep -q '^pi *Complete' "$SANDBOX_DIR/watch.out" && grep -q '^later *Running *0/1' "$SANDBOX_DIR/watch.out" &&
   grep -q '^later *Complete *1/1' "$SANDBOX_DIR/watch.out"; then
        ok "kubectl get jobs -w: one header, later Running then Complete"
else
        not_ok "kubectl get jobs -w" "$(cat "$SANDBOX_DIR/watch.out")"
fi
if grep -q '"type": *"ADDED"' "$SANDBOX_DIR/watch-json.out" && grep -q '"type": *"MODIFIED"' "$SANDBOX_DIR/watch-json.out" &&
   grep -q '"name": *"later"' "$SANDBOX_DIR/watch-json.out"; then
        ok "kubectl get -A -w -o json --output-watch-events: ADDED and MODIFIED events"
else
        not_ok "kubectl get -w -o json --output-watch-events" "$(head -c 2000 "$SANDBOX_DIR/watch-json.out")"
fi
rm -f "$manifests/later.yaml"
out=$(k wait --for=delete job/later --timeout=30s 2>&1); rc=$?
# (Gone before the wait began, kubectl prints nothing and succeeds.)
[ $rc = 0 ] && ! k get job later >/dev/null 2>&1 && ok "kubectl wait --for=delete: a Job whose file was removed" ||
        not_ok "kubectl wait --for=delete" "$out"
# A stale resourceVersion: an ERROR event with a 410 Status.
out=$(curl -sk --max-time 5 --cert "$state/api/admin.crt" --key "$state/api/admin.key" \
        "$api/apis/batch/v1/jobs?watch=true&resourceVersion=1&timeoutSeconds=2")
echo "$out" | grep -q '"type":"ERROR".*"code":410' && ok "a watch from a resourceVersion no longer kept: ERROR 410 Expired" ||
        not_ok "a watch from an old resourceVersion: 410" "$out"
out=$(curl -sk --max-time 10 -o /dev/null -w '%{http_code} %{time_total}' --cert "$state/api/admin.crt" --key "$state/api/admin.key" \
        "$api/apis/batch/v1/jobs?watch=true&timeoutSeconds=1")
case $out in 200\ 1.*|200\ 2.*) ok "a watch ends after its timeoutSeconds ($out)" ;; *) not_ok "a watch ends after its timeoutSeconds" "$out" ;; esac

# Layer 4: create, apply (first), delete; objects saved in the state directory.
# An idle client is cut off (after 60 s; measured beside the rest).
(t0=$(now); timeout 100 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; cat <&3 >/dev/null" 2>/dev/null; since "$t0" > "$SANDBOX_DIR/idle") &
idle_pid=$!
cat > "$SANDBOX_DIR/made.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: made, labels: {via: api}}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sh, -c, "echo made"]}]
YAML
out=$(k create -f "$SANDBOX_DIR/made.yaml" 2>&1)
[ "$out" = "job.batch/made created" ] && ok "kubectl create -f: job.batch/made created" || not_ok "kubectl create -f" "$out"
out=$(k wait --for=condition=complete job/made --timeout=60s 2>&1)
[ "$out" = "job.batch/made condition met" ] && ok "the Job made through the API runs to completion" || not_ok "the API's Job runs" "$out"
[ -s "$state/api-objects/default_made.job.yaml" ] && ok "it is saved in the state directory" ||
        not_ok "it is saved in the state directory" "$(ls -la "$state/api-objects" 2>&1)"
out=$(k get job made -o yaml 2>&1)
echo "$out" | grep -q 'jobsd.io/manifest-file' && not_ok "an API object has no manifest-file annotation" "$out" ||
        ok "an API object has no manifest-file annotation"
out=$(k create -f "$SANDBOX_DIR/made.yaml" 2>&1)
[ "$out" = 'Error from server (AlreadyExists): error when creating "'"$SANDBOX_DIR/made.yaml"'": jobs.batch "made" already exists' ] &&
        ok "kubectl create of an existing Job: AlreadyExists" || not_ok "kubectl create of an existing Job: AlreadyExists" "$out"
sed -e 's/name: made/name: applied/' "$SANDBOX_DIR/made.yaml" > "$SANDBOX_DIR/applied.yaml"
out=$(k apply -f "$SANDBOX_DIR/applied.yaml" 2>&1)
if [ "$out" = "job.batch/applied created" ] &&
   k get job applied -o jsonpath='{.metadata.annotations.kubectl\.kubernetes\.io/last-applied-configuration}' | grep -q '"name":"applied"'; then
        ok "kubectl apply -f (first): created, with the last-applied-configuration annotation"
else
        not_ok "kubectl apply -f (first)" "$out"
fi
cat > "$SANDBOX_DIR/cron.yaml" <<'YAML'
apiVersion: batch/v1
kind: CronJob
metadata: {name: made-cron}
spec:
  schedule: "*/5 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: c, image: busybox, command: ["true"]}]
YAML
out=$(k create -f "$SANDBOX_DIR/cron.yaml" 2>&1; k get cj made-cron -o jsonpath='{.spec.schedule}' 2>&1)
[ "$out" = "$(printf 'cronjob.batch/made-cron created\n*/5 * * * *')" ] && ok "kubectl create -f of a CronJob" || not_ok "kubectl create -f of a CronJob" "$out"
# Invalid objects get the messages a manifest file gets, from the same loader.
sed -e 's/name: made/name: bad/' -e 's/restartPolicy: Never/restartPolicy: Always/' "$SANDBOX_DIR/made.yaml" > "$SANDBOX_DIR/bad.yaml"
want=$(jobctl validate "$SANDBOX_DIR/bad.yaml" 2>&1 | grep -o 'spec.template.spec.restartPolicy: .*' | head -1)
out=$(k create -f "$SANDBOX_DIR/bad.yaml" 2>&1)
if [ -n "$want" ] && echo "$out" | grep -q 'The Job "bad" is invalid: ' && echo "$out" | grep -qF "$want"; then
        ok "an invalid Job: Invalid, with jobctl validate's message ($want)"
else
        not_ok "an invalid Job: Invalid with the loader's message" "want: $want" "$out"
fi
sed -e 's/name: made/name: unknown/' -e 's/restartPolicy: Never/restartPolicy: Never\n      colour: blue/' "$SANDBOX_DIR/made.yaml" > "$SANDBOX_DIR/unknown.yaml"
out=$(k create -f "$SANDBOX_DIR/unknown.yaml" 2>&1)
echo "$out" | grep -q 'strict decoding error: unknown field "spec.template.spec.colour"' &&
        ok "an unknown field under kubectl's default --validate=strict: refused by the server" ||
        not_ok "an unknown field under --validate=strict" "$out"
out=$(k create -f "$SANDBOX_DIR/unknown.yaml" --validate=warn 2>&1)
if echo "$out" | grep -q 'Warning: unknown field "spec.template.spec.colour"' && echo "$out" | grep -q 'job.batch/unknown created'; then
        ok "--validate=warn: created, with a warning naming the field"
else
        not_ok "--validate=warn" "$out"
fi
out=$(k delete job made 2>&1)
if [ "$out" = 'job.batch "made" deleted' ] && ! k get job made >/dev/null 2>&1 && [ ! -e "$state/api-objects/default_made.job.yaml" ]; then
        ok "kubectl delete job made: deleted, its file gone"
else
        not_ok "kubectl delete job made" "$out"
fi
out=$(k delete job pi 2>&1)
echo "$out" | grep -q 'Error from server (Forbidden): .*"pi" is defined in the manifest file .*pi.yaml' &&
        ok "kubectl delete of a Job from a manifest file: Forbidden, naming the file" || not_ok "delete of a file's Job: Forbidden" "$out"
out=$(k delete cronjob made-cron --cascade=foreground 2>&1)
[ "$out" = 'cronjob.batch "made-cron" deleted' ] && ok "kubectl delete cronjob --cascade=foreground" || not_ok "kubectl delete cronjob" "$out"
# Bad input.
auth=(--cert "$state/api/admin.crt" --key "$state/api/admin.key" -H 'Content-Type: application/json')
out=$(curl -sk "${auth[@]}" -X POST --data-binary '{"kind": "Job", "apiVersion": ' "$api/apis/batch/v1/namespaces/default/jobs")
echo "$out" | grep -q '"code":400' && ok "malformed JSON: 400 ($(echo "$out" | sed 's/.*"message":"\([^"]*\)".*/\1/'))" || not_ok "malformed JSON: 400" "$out"
out=$(curl -sk "${auth[@]}" -X POST --data-binary '{"kind": "CronJob", "apiVersion": "batch/v1", "metadata": {"name": "x"}}' "$api/apis/batch/v1/namespaces/default/jobs")
echo "$out" | grep -q '"code":400' && ok "a CronJob posted to jobs: 400" || not_ok "a wrong kind: 400" "$out"
head -c 4000000 /dev/zero | tr '\0' ' ' > "$SANDBOX_DIR/big"
out=$(curl -sk "${auth[@]}" -X POST --data-binary @"$SANDBOX_DIR/big" -o /dev/null -w '%{http_code}' "$api/apis/batch/v1/namespaces/default/jobs")
[ "$out" = 413 ] && ok "a 4 MB body: 413" || not_ok "a 4 MB body: 413" "$out"
out=$(curl -sk "${auth[@]}" -X POST --data-binary '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[' "$api/apis/batch/v1/namespaces/default/jobs")
echo "$out" | grep -q '"code":400' && ok "deep nesting: 400" || not_ok "deep nesting: 400" "$out"
wait $idle_pid
idle=$(cat "$SANDBOX_DIR/idle")
case $idle in 6[0-9].*) ok "an idle connection is closed after 60 s ($idle s)" ;; *) not_ok "an idle connection is closed after 60 s" "$idle s" ;; esac

# Restart: the API's Job is still there, finished, not run again.
uid_before=$(k get job applied -o jsonpath='{.metadata.uid}')
k wait --for=condition=complete job/applied --timeout=60s >/dev/null 2>&1
# A watch open while jobsd stops: its stream ends, jobsd stops cleanly (checked at the next start).
curl -sk --max-time 30 --cert "$state/api/admin.crt" --key "$state/api/admin.key" \
        "$api/apis/batch/v1/jobs?watch=true" > "$SANDBOX_DIR/open-watch" 2>&1 &
curl_pid=$!
sleep 0.5
stop_jobsd
wait $curl_pid 2>/dev/null
grep -q '"type":"ADDED"' "$SANDBOX_DIR/open-watch" && ok "a watch open while jobsd stops gets its events, then its end" ||
        not_ok "a watch open while jobsd stops" "$(head -c 500 "$SANDBOX_DIR/open-watch")"
out=$("$JOBSD" --user --api-san='not a name' 2>&1)
echo "$out" | grep -q "takes a DNS name or an IP address, not 'not a name'" && ok "--api-san with a bad name: refused" ||
        not_ok "--api-san with a bad name" "$out"
start_jobsd --api-listen="127.0.0.1:$port" --api-san=jobs.example.test --api-san=192.0.2.10
until_true 20 "k get job applied"
out=$(k get job applied -o jsonpath='{.metadata.uid} {.status.succeeded}' 2>&1)
[ "$out" = "$uid_before 1" ] && ok "after a restart the API's Job is the same Job, still complete (run once)" ||
        not_ok "the API's Job after a restart" "$out (uid before: $uid_before)"
# --api-san: more names in the server certificate, which kubectl checks (tls-server-name: the name a
# client that reaches the server by another address checks it against; docs/kubernetes-api.md).
if command -v openssl >/dev/null; then
        out=$(openssl s_client -connect "127.0.0.1:$port" </dev/null 2>/dev/null | openssl x509 -noout -ext subjectAltName 2>&1)
        if echo "$out" | grep -q 'DNS:localhost' && echo "$out" | grep -q 'IP Address:127.0.0.1' &&
           echo "$out" | grep -q 'DNS:jobs.example.test' && echo "$out" | grep -q 'IP Address:192.0.2.10'; then
                ok "--api-san: the server certificate names localhost, 127.0.0.1, jobs.example.test, 192.0.2.10"
        else
                not_ok "--api-san: the server certificate's names" "$out"
        fi
fi
out=$(k get job applied -o name --tls-server-name=jobs.example.test 2>&1; k get job applied -o name --tls-server-name=other.example.test 2>&1)
if echo "$out" | head -1 | grep -qx 'job.batch/applied' && echo "$out" | tail -1 | grep -q 'x509: certificate is valid for .*not other.example.test'; then
        ok "kubectl --tls-server-name: a name of --api-san is accepted, another refused"
else
        not_ok "kubectl --tls-server-name with --api-san" "$out"
fi

# Layer 5: pods, logs, events: kubectl logs and describe.
out=$(k get pods -l job-name=pi 2>&1)
if echo "$out" | head -1 | grep -q '^NAME *READY *STATUS *RESTARTS *AGE$' && [ "$(echo "$out" | grep -c '^pi-.* *0/1 *Completed *0 ')" = 2 ]; then
        ok "kubectl get pods -l job-name=pi: two Completed pods"
else
        not_ok "kubectl get pods -l job-name=pi" "$out"
fi
out=$(k logs job/pi 2>/dev/null)       # (kubectl says on stderr which of the two pods it shows)
pi_lines() { sandbox_journal -t pi -o verbose --output-fields=MESSAGE,_SYSTEMD_UNIT,_SYSTEMD_USER_UNIT,_PID | tail -24; }
[ "$out" = "3.14" ] && ok "kubectl logs job/pi: the pod's output from the journal" || not_ok "kubectl logs job/pi" "$out; the journal: $(pi_lines)"
pod=$(k get pods -l job-name=pi -o name | head -1)
out=$(k logs "$pod" --timestamps --tail=1 2>&1)
echo "$out" | grep -Eq '^20[0-9-]+T[0-9:]+\.[0-9]{9}Z 3\.14$' && ok "kubectl logs --timestamps --tail=1" || not_ok "kubectl logs --timestamps --tail=1" "$out; the journal: $(pi_lines)"
# One pod by name: found through its Job's name (a prefix of the pod's), not by a walk of every pod.
out=$(k get "$pod" -o jsonpath='{.metadata.name} {.metadata.labels.job-name} {.status.phase}' 2>&1)
out2=$(k get pod "${pod#pod/}x" 2>&1); rc2=$?
out3=$(k get pod pi 2>&1); rc3=$?
if [ "$out" = "${pod#pod/} pi Succeeded" ] && [ $rc2 = 1 ] && [ "$out2" = "Error from server (NotFound): pods \"${pod#pod/}x\" not found" ] &&
   [ $rc3 = 1 ] && [ "$out3" = 'Error from server (NotFound): pods "pi" not found' ]; then
        ok "kubectl get pod NAME: the pod; a name no Job's pod has, and a Job's own name, NotFound"
else
        not_ok "kubectl get pod NAME" "$out; $rc2: $out2; $rc3: $out3"
fi
# A line journald could not give a unit (here: from a process outside every unit, as journald sees the
# output of a process that ended before it read the line) is the pod's that ran alone at the time, and
# no other pod's.
k create -f - >/dev/null 2>&1 <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: solo}
spec:
  completions: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sh, -c, "echo ran; sleep 6"]}]
YAML
journald_pid() {
        local p
        for p in $(find "$SANDBOX_CGROUP" -name cgroup.procs -exec cat {} +); do
                [ "$(cat "/proc/$p/comm" 2>/dev/null)" = systemd-journal ] && echo "$p" && return 0
        done
        return 1
}
if until_true 30 "k get pods -l job-name=solo --no-headers | grep -q Running" &&
   first=$(k get pods -l job-name=solo --no-headers | awk '$3 == "Running" { print $1 }') &&
   echo "a line without a unit" | nsenter -t "$(journald_pid)" -m systemd-cat -t solo &&
   k wait --for=condition=complete job/solo --timeout=60s >/dev/null 2>&1; then
        second=$(k get pods -l job-name=solo --no-headers | awk -v f="$first" '$1 != f { print $1 }')
        out=$(k logs "$first" 2>&1; echo --; k logs "$second" 2>&1)
        [ "$out" = "$(printf 'ran\na line without a unit\n--\nran')" ] && ok "a line without a unit: in the logs of the pod that ran alone then, not the next one's" ||
                not_ok "a line without a unit in kubectl logs" "$out; the journal: $(sandbox_journal -t solo -o verbose --output-fields=MESSAGE,_SYSTEMD_UNIT,_SYSTEMD_USER_UNIT | tail -20)"
else
        not_ok "the Job solo runs two pods one after the other" "$(k get pods -l job-name=solo 2>&1)"
fi
k delete job solo >/dev/null 2>&1
out=$(k describe job pi 2>&1)
if echo "$out" | grep -q '^Name: *pi$' && echo "$out" | grep -q '^Pods Statuses: *0 Active .* 2 Succeeded / 0 Failed' &&
   echo "$out" | grep -q 'Normal *SuccessfulCreate .*job-controller' && echo "$out" | grep -q 'Normal *Completed'; then
        ok "kubectl describe job pi: its status and its events"
else
        not_ok "kubectl describe job pi" "$out"
fi
out=$(k get events --field-selector involvedObject.kind=Job,involvedObject.name=pi -o name 2>&1 | wc -l)
[ "$out" -ge 3 ] && ok "kubectl get events --field-selector involvedObject.name=pi ($out events)" || not_ok "kubectl get events" "$out"
out=$(k describe cronjob nightly 2>&1)
echo "$out" | grep -q '^Schedule: *0 3 \* \* \*' && ok "kubectl describe cronjob" || not_ok "kubectl describe cronjob" "$out"

# Layer 6: apply again, patch, replace.
sed -e 's/via: api/via: api, tier: two/' -e 's/^spec:/spec:\n  ttlSecondsAfterFinished: 3600/' "$SANDBOX_DIR/applied.yaml" > "$SANDBOX_DIR/applied2.yaml"
out=$(k apply -f "$SANDBOX_DIR/applied2.yaml" 2>&1)
got=$(k get job applied -o jsonpath='{.metadata.labels.tier} {.spec.ttlSecondsAfterFinished}' 2>&1)
if [ "$out" = "job.batch/applied configured" ] && [ "$got" = "two 3600" ]; then
        ok "kubectl apply -f again: a strategic merge patch, configured"
else
        not_ok "kubectl apply -f again" "$out" "$got"
fi
out=$(k patch job applied --type=merge -p '{"spec":{"activeDeadlineSeconds":900}}' 2>&1; k get job applied -o jsonpath='{.spec.activeDeadlineSeconds}')
[ "$out" = "$(printf 'job.batch/applied patched\n900')" ] && ok "kubectl patch --type=merge" || not_ok "kubectl patch --type=merge" "$out"
out=$(k patch job applied --type=json -p '[{"op":"add","path":"/metadata/labels/x","value":"y"},{"op":"remove","path":"/metadata/labels/tier"}]' 2>&1; k get job applied -o jsonpath='{.metadata.labels}')
if echo "$out" | head -1 | grep -qx 'job.batch/applied patched' && echo "$out" | grep -q '"x":"y"' && ! echo "$out" | grep -q tier; then
        ok "kubectl patch --type=json: add and remove"
else
        not_ok "kubectl patch --type=json" "$out"
fi
out=$(k patch job applied --type=merge -p '{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"other"}]}}}}' 2>&1)
echo "$out" | grep -q 'is invalid: .*field is immutable' && ok "a change Kubernetes does not allow: Invalid, field is immutable ($out)" ||
        not_ok "an immutable field" "$out"
k get job applied -o json > "$SANDBOX_DIR/applied.json"
k patch job applied --type=merge -p '{"metadata":{"labels":{"x":"z"}}}' >/dev/null 2>&1
out=$(k replace -f "$SANDBOX_DIR/applied.json" 2>&1)
echo "$out" | grep -q 'Operation cannot be fulfilled on jobs.batch "applied": the object has been modified' &&
        ok "kubectl replace with a stale resourceVersion: Conflict" || not_ok "replace with a stale resourceVersion: Conflict" "$out"
k get job applied -o json > "$SANDBOX_DIR/applied.json"
out=$(k replace -f "$SANDBOX_DIR/applied.json" 2>&1)
[ "$out" = "job.batch/applied replaced" ] && ok "kubectl replace of what get returned (server fields and generated selector dropped)" ||
        not_ok "kubectl replace of what get returned" "$out"
out=$(k patch job pi --type=merge -p '{"spec":{"suspend":true}}' 2>&1)
echo "$out" | grep -q 'Forbidden.*manifest file' && ok "kubectl patch of a file's Job: Forbidden" || not_ok "patch of a file's Job: Forbidden" "$out"
sed -e 's/name: made/name: ssa/' "$SANDBOX_DIR/made.yaml" > "$SANDBOX_DIR/ssa.yaml"
out=$(k apply --server-side -f "$SANDBOX_DIR/ssa.yaml" 2>&1; k apply --server-side -f "$SANDBOX_DIR/ssa.yaml" 2>&1)
[ "$out" = "$(printf 'job.batch/ssa serverside-applied\njob.batch/ssa serverside-applied')" ] && ok "kubectl apply --server-side (create, then again)" ||
        not_ok "kubectl apply --server-side" "$out"

# kubectl create job and create cronjob send Kubernetes protobuf: decoded (supervisor/k8s-protobuf.c), then
# handled as the same object in JSON.
out=$(k create job from-cron --from=cronjob/nightly 2>&1)
got=$(k get job from-cron -o jsonpath='{.metadata.annotations.cronjob\.kubernetes\.io/instantiate} {.spec.template.spec.containers[0].command[0]}' 2>&1)
if [ "$out" = "job.batch/from-cron created" ] && [ "$got" = "manual true" ]; then
        ok "kubectl create job --from=cronjob/nightly (protobuf): created from the template, instantiate: manual"
else
        not_ok "kubectl create job --from=cronjob/nightly" "$out" "$got"
fi
out=$(k wait --for=condition=complete job/from-cron --timeout=60s 2>&1)
[ "$out" = "job.batch/from-cron condition met" ] && ok "the Job made from the CronJob runs to Complete" ||
        not_ok "the Job made from the CronJob runs to Complete" "$out"
out=$(k create job hi --image=busybox -- echo hi 2>&1)
[ "$out" = "job.batch/hi created" ] && ok "kubectl create job hi --image=busybox -- echo hi (protobuf)" ||
        not_ok "kubectl create job --image" "$out"
out=$(k wait --for=condition=complete job/hi --timeout=60s 2>&1; k logs job/hi 2>/dev/null)
[ "$out" = "$(printf 'job.batch/hi condition met\nhi')" ] && ok "it runs to Complete and kubectl logs job/hi shows hi" ||
        not_ok "the Job of create job --image runs and logs hi" "$out"
out=$(k create cronjob every5 --image=busybox --schedule='*/5 * * * *' -- echo x 2>&1)
got=$(k get cronjobs 2>&1)
if [ "$out" = "cronjob.batch/every5 created" ] && echo "$got" | grep -q '^every5 *\*/5 \* \* \* \* '; then
        ok "kubectl create cronjob every5 --schedule='*/5 * * * *' (protobuf): created, listed"
else
        not_ok "kubectl create cronjob" "$out" "$got"
fi
out=$(curl -sk --cert "$state/api/admin.crt" --key "$state/api/admin.key" -H 'Content-Type: application/vnd.kubernetes.protobuf' \
        -X POST --data-binary 'k8s-not-protobuf' -w ' %{http_code}' "$api/apis/batch/v1/namespaces/default/jobs")
if echo "$out" | grep -q ' 400$' && echo "$out" | grep -q '"reason":"BadRequest"' &&
   echo "$out" | grep -q '"message":"the protobuf request body cannot be decoded: [^"]'; then
        ok "a malformed protobuf body: 400 BadRequest ($(echo "$out" | sed 's/.*"message":"\([^"]*\)".*/\1/'))"
else
        not_ok "a malformed protobuf body: 400" "$out"
fi
k delete cronjob every5 >/dev/null 2>&1

# The read-only identity: kubeconfig-viewer reads, and every change is Forbidden.
viewer=$state/kubeconfig-viewer
out=$(KUBECONFIG=$viewer k get jobs -o name 2>&1 | head -1; KUBECONFIG=$viewer k delete job ssa 2>&1; KUBECONFIG=$viewer k create -f "$SANDBOX_DIR/made.yaml" 2>&1)
if echo "$out" | head -1 | grep -q '^job.batch/' && echo "$out" | grep -q 'User "jobsd-viewer" cannot delete resource "jobs"' &&
   echo "$out" | grep -q 'User "jobsd-viewer" cannot create resource "jobs"'; then
        ok "kubeconfig-viewer: reads; delete and create are Forbidden"
else
        not_ok "kubeconfig-viewer" "$out"
fi
[ "$(stat -c %a "$viewer")" = 600 ] || not_ok "kubeconfig-viewer is mode 0600"

# logs -f: lines as they come, the stream ends when the container does.
cat > "$SANDBOX_DIR/follow.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: follow}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sh, -c, "for i in 1 2 3 4; do echo line$i; sleep 0.5; done"]}]
YAML
k create -f "$SANDBOX_DIR/follow.yaml" >/dev/null 2>&1
until_true 10 "k get pods -l job-name=follow -o name | grep -q pod/"
t0=$(now)
out=$(k logs -f job/follow 2>&1)
if [ "$out" = "$(printf 'line1\nline2\nline3\nline4')" ]; then
        ok "kubectl logs -f job/follow: the lines as they come, then the end ($(since "$t0") s)"
else
        not_ok "kubectl logs -f" "$out"
fi

# Pods can be watched: get pods -w shows a new pod as it runs and completes.
"$KUBECTL" get pods -w -l job-name=watched > "$SANDBOX_DIR/pods-watch.out" 2>&1 &
pw=$!
"$KUBECTL" get events -w --field-selector involvedObject.name=watched > "$SANDBOX_DIR/events-watch.out" 2>&1 &
ew=$!
sleep 1
sed -e 's/name: follow/name: watched/' "$SANDBOX_DIR/follow.yaml" > "$SANDBOX_DIR/watched.yaml"
k create -f "$SANDBOX_DIR/watched.yaml" >/dev/null 2>&1
k wait --for=condition=complete job/watched --timeout=60s >/dev/null 2>&1
sleep 1
kill $pw $ew 2>/dev/null; wait $pw $ew 2>/dev/null
# (A pod's events come with its Job's changes: a container that starts changes no Job field jobsd
# announces, so Pending may be followed directly by Completed; docs/kubernetes-api.md.)
if grep -Eq '^watched-0 *[01]/1 *(Pending|Running)' "$SANDBOX_DIR/pods-watch.out" && grep -q '^watched-0 *0/1 *Completed' "$SANDBOX_DIR/pods-watch.out"; then
        ok "kubectl get pods -w: the new pod, then Completed"
else
        not_ok "kubectl get pods -w" "$(cat "$SANDBOX_DIR/pods-watch.out")"
fi

if grep -q 'Normal *SuccessfulCreate *job/watched *Created pod: watched-0' "$SANDBOX_DIR/events-watch.out" &&
   grep -q 'Normal *Completed *job/watched *Job completed' "$SANDBOX_DIR/events-watch.out"; then
        ok "kubectl get events -w --field-selector involvedObject.name=watched: SuccessfulCreate, then Completed"
else
        not_ok "kubectl get events -w" "$(cat "$SANDBOX_DIR/events-watch.out")"
fi
out=$(k get events --field-selector involvedObject.name=pi 2>&1)
if echo "$out" | head -1 | grep -q '^LAST SEEN *TYPE *REASON *OBJECT *MESSAGE$' && echo "$out" | grep -q 'Normal *Completed *job/pi *Job completed'; then
        ok "kubectl get events: LAST SEEN TYPE REASON OBJECT MESSAGE"
else
        not_ok "kubectl get events (table)" "$out"
fi

# ownerReferences: kubectl create job --from=cronjob sends one (protobuf); kept and returned as sent. A file's
# Job keeps its own. Kubernetes' validation messages.
cj_uid=$(k get cj nightly -o jsonpath='{.metadata.uid}' 2>&1)
out=$(k get job from-cron -o jsonpath='{.metadata.ownerReferences[0].apiVersion} {.metadata.ownerReferences[0].kind} {.metadata.ownerReferences[0].name} {.metadata.ownerReferences[0].uid} {.metadata.ownerReferences[0].controller}' 2>&1)
[ -n "$cj_uid" ] && [ "$out" = "batch/v1 CronJob nightly $cj_uid true" ] &&
        ok "kubectl get job from-cron: the ownerReference kubectl sent to CronJob nightly ($cj_uid)" ||
        not_ok "ownerReferences of create job --from=cronjob" "$out" "cronjob uid: $cj_uid"
out=$(k get job sleeper -n other -o jsonpath='{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name} {.metadata.ownerReferences[0].uid}' 2>&1)
[ "$out" = "Widget/w1 0b6e5b1c-0000-4000-8000-000000000001" ] && ok "a manifest file's ownerReferences: loaded and shown" ||
        not_ok "a manifest file's ownerReferences" "$out"
cat > "$SANDBOX_DIR/owned.yaml" <<YAML
apiVersion: batch/v1
kind: Job
metadata:
  name: owned
  ownerReferences: [{apiVersion: batch/v1, kind: CronJob, name: nightly, uid: "$cj_uid", blockOwnerDeletion: true}]
spec:
  suspend: true
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: ["true"]}]
YAML
out=$(k apply -f "$SANDBOX_DIR/owned.yaml" 2>&1; k get job owned -o jsonpath='{.metadata.ownerReferences}' 2>&1)
[ "$out" = "$(printf 'job.batch/owned created\n[{"apiVersion":"batch/v1","blockOwnerDeletion":true,"kind":"CronJob","name":"nightly","uid":"%s"}]' "$cj_uid")" ] &&
        ok "kubectl apply of a Job with an ownerReference: GET returns what was created" || not_ok "apply with ownerReferences" "$out"
sed -e 's/name: owned/name: badowner/' -e 's/, uid: "[^"]*"//' -e 's/apiVersion: batch\/v1, kind/apiVersion: "batch\/", kind/' \
        "$SANDBOX_DIR/owned.yaml" > "$SANDBOX_DIR/badowner.yaml"
out=$(k create -f "$SANDBOX_DIR/badowner.yaml" 2>&1)
echo "$out" | grep -qF 'The Job "badowner" is invalid:' &&
   echo "$out" | grep -qF '* metadata.ownerReferences.apiVersion: Invalid value: "batch/": version must not be empty' &&
   echo "$out" | grep -qF '* metadata.ownerReferences.uid: Invalid value: "": uid must not be empty' &&
        ok "an ownerReference without uid, with apiVersion batch/: 422 with Kubernetes' messages" || not_ok "ownerReferences validation" "$out"

# Server-side dry runs: validated and answered as done; nothing saved, nothing runs, no event, no new
# resourceVersion.
list_rv() { curl -sk "${auth[@]}" "$api/apis/batch/v1/jobs?limit=1" | sed -n 's/^{"kind":"JobList","apiVersion":"batch\/v1","metadata":{"resourceVersion":"\([0-9]*\)".*/\1/p'; }
rv_before=$(list_rv)
out=$(k create job dry --image=busybox --dry-run=server -o yaml -- echo dry 2>&1)
if echo "$out" | grep -q '^  name: dry$' && echo "$out" | grep -q '^  uid: ' && echo "$out" | grep -q '^  backoffLimit: 6$' &&
   echo "$out" | grep -q 'batch.kubernetes.io/controller-uid: ' && ! echo "$out" | grep -q 'resourceVersion' &&
   ! k get job dry >/dev/null 2>&1 && [ ! -e "$state/api-objects/default_dry.job.yaml" ]; then
        ok "kubectl create job dry --image=busybox --dry-run=server -o yaml: the Job with defaults, not saved"
else
        not_ok "kubectl create job --dry-run=server" "$out"
fi
out=$(k create cronjob drycj --image=busybox --schedule='*/7 * * * *' --dry-run=server -o jsonpath='{.metadata.name} {.spec.concurrencyPolicy}' 2>&1)
[ "$out" = "drycj Allow" ] && ! k get cj drycj >/dev/null 2>&1 && ok "kubectl create cronjob --dry-run=server" ||
        not_ok "kubectl create cronjob --dry-run=server" "$out"
sed -e 's/name: made/name: dryapply/' "$SANDBOX_DIR/made.yaml" > "$SANDBOX_DIR/dryapply.yaml"
out=$(k apply --dry-run=server -f "$SANDBOX_DIR/dryapply.yaml" 2>&1)
[ "$out" = "job.batch/dryapply created (server dry run)" ] && ! k get job dryapply >/dev/null 2>&1 &&
        ok "kubectl apply --dry-run=server of a new Job: created (server dry run), nothing made" || not_ok "apply --dry-run=server" "$out"
out=$(k apply --dry-run=server -f "$SANDBOX_DIR/owned.yaml" 2>&1)
[ "$out" = "job.batch/owned unchanged (server dry run)" ] && ok "kubectl apply --dry-run=server of an unchanged Job" ||
        not_ok "apply --dry-run=server, unchanged" "$out"
out=$(k label job owned colour=blue --dry-run=server -o jsonpath='{.metadata.labels.colour}' 2>&1; echo; k get job owned -o jsonpath='{.metadata.labels.colour}' 2>&1)
[ "$out" = "blue" ] && ok "kubectl label --dry-run=server (a patch): the label in the answer, not on the Job" ||
        not_ok "label --dry-run=server" "$out"
out=$(k patch job owned --type=merge -p '{"spec":{"backoffLimit":2}}' --dry-run=server -o jsonpath='{.spec.backoffLimit}' 2>&1; echo; k get job owned -o jsonpath='{.spec.backoffLimit}' 2>&1)
[ "$out" = "$(printf '2\n6')" ] && ok "kubectl patch --dry-run=server: backoffLimit 2 answered, 6 kept" || not_ok "patch --dry-run=server" "$out"
out=$(k patch job owned --type=merge -p '{"spec":{"completions":5}}' --dry-run=server 2>&1)
echo "$out" | grep -q 'spec.completions: field is immutable' && ok "kubectl patch --dry-run=server of an immutable field: 422" ||
        not_ok "patch --dry-run=server, immutable field" "$out"
k get job owned -o json > "$SANDBOX_DIR/owned.json" 2>/dev/null
sed -i 's/"suspend": true/"suspend": false/' "$SANDBOX_DIR/owned.json"
out=$(k replace --dry-run=server -f "$SANDBOX_DIR/owned.json" -o jsonpath='{.spec.suspend}' 2>&1; echo; k get job owned -o jsonpath='{.spec.suspend}' 2>&1)
[ "$out" = "$(printf 'false\ntrue')" ] && ok "kubectl replace --dry-run=server: answered, not saved (the Job stays suspended)" ||
        not_ok "replace --dry-run=server" "$out"
out=$(k delete job owned --dry-run=server 2>&1; k get job owned -o name 2>&1)
[ "$out" = "$(printf 'job.batch "owned" deleted (server dry run)\njob.batch/owned')" ] &&
        ok "kubectl delete --dry-run=server: deleted (server dry run), the Job still there" || not_ok "delete --dry-run=server" "$out"
# kubectl's own requests (-v=8): dryRun=All in the query of a create, in the DeleteOptions body of a delete.
# (kubectl 1.32 logs a body as '"Request Body" body=<', its lines, '>'.)
out=$(k create job dry2 --image=busybox --dry-run=server -v=8 -- true 2>&1 | grep -E 'POST https://|DELETE https://')
got=$(k delete job owned --dry-run=server -v=8 2>&1 | grep -E -A4 'DELETE https://|Request Body')
if echo "$out" | grep -q 'POST https://[^ ]*/apis/batch/v1/namespaces/default/jobs?[^ ]*dryRun=All' &&
   echo "$got" | grep -q 'DELETE https://[^ ]*/apis/batch/v1/namespaces/default/jobs/owned[? ]' &&
   echo "$got" | grep -q '"dryRun": *\[ *"All" *\]'; then
        ok "kubectl --dry-run=server sends dryRun=All in the query (create) and {\"dryRun\":[\"All\"]} as DeleteOptions (delete)"
else
        not_ok "kubectl's dry-run requests" "$out" "$got"
fi
out=$(k delete job pi --dry-run=server 2>&1)
echo "$out" | grep -q 'Forbidden.*manifest file' && ok "kubectl delete --dry-run=server of a file's Job: Forbidden as without" ||
        not_ok "delete --dry-run=server of a file's Job" "$out"
events=$(k get events -A -o name 2>&1 | grep -c -e '/dry\.' -e '/dryapply\.' -e '/drycj\.')
# Other Jobs and CronJobs (a CronJob firing, a Job starting or ending) may change meanwhile: the changes
# since rv_before, as a watch from it streams them, must not name an object of the dry runs.
changes=$(curl -sk "${auth[@]}" --max-time 10 "$api/apis/batch/v1/jobs?watch=true&resourceVersion=$rv_before&timeoutSeconds=1";
          curl -sk "${auth[@]}" --max-time 10 "$api/apis/batch/v1/cronjobs?watch=true&resourceVersion=$rv_before&timeoutSeconds=1")
if [ -n "$rv_before" ] && [ "$events" = 0 ] && ! echo "$changes" | grep -q '"type":"ERROR"' &&
   ! echo "$changes" | grep -Eq '"name":"(dry|dry2|dryapply|drycj|owned)"'; then
        ok "the dry runs made no event and no change (a watch from resourceVersion $rv_before)"
else
        not_ok "dry runs: no event, no change" "$events events; changes since $rv_before: $(echo "$changes" | cut -c1-300)"
fi
out=$(curl -sk "${auth[@]}" -X POST -w ' %{http_code}' --data-binary @"$SANDBOX_DIR/dryapply.yaml" -H 'Content-Type: application/yaml' \
        "$api/apis/batch/v1/namespaces/default/jobs?dryRun=Sometimes")
echo "$out" | grep -q ' 422$' && echo "$out" | grep -qF 'CreateOptions.meta.k8s.io \"\" is invalid: dryRun: Unsupported value: []string{\"Sometimes\"}: supported values: \"All\"' &&
        ! k get job dryapply >/dev/null 2>&1 && ok "dryRun=Sometimes: 422 Invalid, as Kubernetes' API server" || not_ok "an unknown dryRun value" "$out"

# A Job created with neither completions nor parallelism: both 1 as a cluster stores them, so a patch of
# parallelism keeps completions (immutable) at 1.
out=$(k patch job owned --type=merge -p '{"spec":{"parallelism":2}}' 2>&1; k get job owned -o jsonpath='{.spec.completions} {.spec.parallelism}' 2>&1)
[ "$out" = "$(printf 'job.batch/owned patched\n1 2')" ] && ok "kubectl patch of parallelism of a Job created without completions: completions stays 1" ||
        not_ok "patch parallelism of a defaulted Job" "$out"

# Paging: limit and continue on lists, as JSON and as Tables; kubectl follows metadata.continue.
all=$(k get jobs -A -o name --chunk-size=0 2>&1 | sort)
out=$(k get jobs -A -o name --chunk-size=2 -v=6 2>&1)
pages=$(echo "$out" | grep -c 'GET https://.*/jobs?.*limit=2')
names=$(echo "$out" | grep '^job.batch/' | sort)
[ "$(echo "$all" | wc -l)" -gt 4 ] && [ "$names" = "$all" ] && [ "$pages" -ge 3 ] &&
        ok "kubectl get jobs -A --chunk-size=2: all $(echo "$all" | wc -l) Jobs in $pages pages" ||
        not_ok "kubectl get jobs --chunk-size=2" "$out" "all: $all"
out=$(k get jobs -A --chunk-size=2 2>&1)
[ "$(echo "$out" | grep -c '^NAMESPACE')" = 1 ] && [ "$(echo "$out" | grep -vc '^NAMESPACE')" = "$(echo "$all" | wc -l)" ] &&
        ok "kubectl get jobs -A --chunk-size=2 (Tables): one header, every Job" || not_ok "get jobs --chunk-size=2, table" "$out"
out=$(k get cronjobs -A --chunk-size=1 -o name 2>&1 | sort | tr '\n' ' '; echo; k get cronjobs -A -o name 2>&1 | sort | tr '\n' ' ')
[ "$(echo "$out" | sed -n 1p)" = "$(echo "$out" | sed -n 2p)" ] && ok "kubectl get cronjobs --chunk-size=1" || not_ok "get cronjobs --chunk-size=1" "$out"
out=$(k get pods -A --chunk-size=1 -o name 2>&1 | tr '\n' ' '; echo; k get pods -A -o name 2>&1 | tr '\n' ' ')
[ "$(echo "$out" | sed -n 1p)" = "$(echo "$out" | sed -n 2p)" ] && [ -n "$(echo "$out" | sed -n 1p)" ] &&
        ok "kubectl get pods -A --chunk-size=1: the same pods" || not_ok "get pods --chunk-size=1" "$out"
out=$(k get events -A --chunk-size=3 -o name 2>&1 | tr '\n' ' '; echo; k get events -A -o name 2>&1 | tr '\n' ' ')
[ "$(echo "$out" | sed -n 1p)" = "$(echo "$out" | sed -n 2p)" ] && [ -n "$(echo "$out" | sed -n 1p)" ] &&
        ok "kubectl get events -A --chunk-size=3: the same events" || not_ok "get events --chunk-size=3" "$out"
n_jobs=$(echo "$all" | wc -l)
out=$(curl -sk "${auth[@]}" "$api/apis/batch/v1/jobs?limit=1")
token=$(echo "$out" | sed -n 's/.*"continue":"\([^"]*\)".*/\1/p')
if [ -n "$token" ] && echo "$out" | grep -q "\"remainingItemCount\":$((n_jobs - 1))[,}]"; then
        ok "limit=1: metadata.continue and remainingItemCount $((n_jobs - 1))"
else
        not_ok "limit=1: continue and remainingItemCount" "$out"
fi
out=$(curl -sk "${auth[@]}" "$api/apis/batch/v1/jobs?limit=1&labelSelector=app%3Dpi,app")
echo "$out" | grep -q '"remainingItemCount"' && not_ok "a selector: no remainingItemCount, as Kubernetes" "$out" ||
        ok "a list with a selector: no remainingItemCount, as Kubernetes"
out=$(curl -sk "${auth[@]}" "$api/apis/batch/v1/jobs?limit=500&continue=$token")
[ "$(echo "$out" | grep -o '"kind":"Job"' | wc -l)" = $((n_jobs - 1)) ] && ! echo "$out" | grep -q '"continue"' &&
        ok "continue=<token>: the other $((n_jobs - 1)) Jobs, no further token" || not_ok "continue" "$out"
out=$(curl -sk "${auth[@]}" -w ' %{http_code}' "$api/apis/batch/v1/jobs?limit=1&continue=not*a*token")
echo "$out" | grep -q ' 400$' && echo "$out" | grep -q '"message":"invalid continue token: continue key is not valid: illegal base64 data at input byte 3"' &&
        ok "a malformed continue token: 400 ($(echo "$out" | sed 's/.*"message":"\([^"]*\)".*/\1/'))" || not_ok "a malformed continue token" "$out"
# A token of an hour ago ({"v":"meta.k8s.io/v1","rv":1,"start":"default/a","t":1}).
old=$(printf '{"v":"meta.k8s.io/v1","rv":1,"start":"default/a","t":1}' | base64 -w0 | tr '+/' '-_' | tr -d '=')
out=$(curl -sk "${auth[@]}" -w ' %{http_code}' "$api/apis/batch/v1/jobs?limit=1&continue=$old")
echo "$out" | grep -q ' 410$' && echo "$out" | grep -q '"reason":"Expired"' && ok "a stale continue token: 410 Expired" ||
        not_ok "a stale continue token: 410" "$out"
out=$(curl -sk "${auth[@]}" -w ' %{http_code}' "$api/apis/batch/v1/jobs?limit=x")
echo "$out" | grep -q ' 400$' && ok "limit=x: 400" || not_ok "limit=x: 400" "$out"

# Deleting a CronJob through the API deletes the API's Jobs that name it as their owner (its uid), as a
# cluster's garbage collector does; --cascade=orphan keeps them.
cat > "$SANDBOX_DIR/gc.yaml" <<'YAML'
apiVersion: batch/v1
kind: CronJob
metadata: {name: gc}
spec:
  schedule: "0 4 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: c, image: busybox, command: ["true"]}]
YAML
out=$(k create -f "$SANDBOX_DIR/gc.yaml" 2>&1; k create job gc-manual --from=cronjob/gc 2>&1; k delete cronjob gc 2>&1)
if [ "$out" = "$(printf 'cronjob.batch/gc created\njob.batch/gc-manual created\ncronjob.batch "gc" deleted')" ] &&
   until_true 10 "! '$KUBECTL' get job gc-manual >/dev/null 2>&1" && [ ! -e "$state/api-objects/default_gc-manual.job.yaml" ]; then
        ok "kubectl delete cronjob gc: the Job made by create job --from=cronjob/gc is deleted with it"
else
        not_ok "cascade delete of a CronJob's owned Job" "$out" "$(k get job gc-manual 2>&1)"
fi
out=$(k create -f "$SANDBOX_DIR/gc.yaml" 2>&1; k create job gc-kept --from=cronjob/gc 2>&1; k delete cronjob gc --cascade=orphan 2>&1; k get job gc-kept -o name 2>&1)
[ "$out" = "$(printf 'cronjob.batch/gc created\njob.batch/gc-kept created\ncronjob.batch "gc" deleted\njob.batch/gc-kept')" ] &&
        ok "kubectl delete cronjob --cascade=orphan: the owned Job stays" || not_ok "delete cronjob --cascade=orphan" "$out"

#LAYERS

stop_jobsd
jobsd_stopped_cleanly
check_no_sanitizer_report
echo "# whole run: $(since "$t_start") s"
echo "1..$n"
[ $failed = 0 ]
