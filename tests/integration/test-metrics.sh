#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# jobsd --metrics-file against a real systemd user manager (tests/integration/sandbox.sh): a Job that
# succeeds, one that fails through a podFailurePolicy rule, one that fails by its backoffLimit, and a
# CronJob that fires on the next minute; the file is parsed with Prometheus' own text parser
# (python3-prometheus-client) and every value is checked against the status jobctl shows. Also: the file
# is replaced atomically (mode 0644, no temporary file left), a missing directory is logged once and
# nothing is made, and jobsd does not wake up while nothing changes. Usage: test-metrics.sh BUILD_DIR
set -u
build=${1:?build directory}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/sandbox.sh"
. "$here/lib.sh"

JOBSD=$build/supervisor/jobsd
JOBCTL=$build/supervisor/jobctl
# Debian's python3 with Debian's python3-prometheus-client (tools/install-deps.sh), not another python3
# that may come first in PATH. Missing, it is a failure: the parser is the point of this test.
PY=/usr/bin/python3
if ! "$PY" -c 'import prometheus_client.parser' 2>/dev/null; then
        echo "not ok 1 - $PY has no prometheus_client (python3-prometheus-client; tools/install-deps.sh installs it)"
        echo "1..1"
        exit 1
fi
sandbox_start_tap
t_start=$(now)
manifests=$SANDBOX_DIR/manifests
state=$SANDBOX_DIR/state
textfile=$SANDBOX_DIR/node-exporter
prom=$textfile/jobsd.prom
mkdir -p "$manifests" "$state" "$textfile"

cat > "$manifests/metrics.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: ok-job}
spec:
  completions: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: ["true"]}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: policy-fail}
spec:
  completionMode: Indexed
  completions: 1
  podFailurePolicy:
    rules:
    - action: FailJob
      onExitCodes: {operator: In, values: [42]}
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sh, -c, "exit 42"]}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: backoff-fail}
spec:
  backoffLimit: 1
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sh, -c, "exit 1"]}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: every-minute}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: c, image: busybox, command: [sleep, "600"]}]
YAML

# check_metrics: the parser's reading of the file against jobctl's JSON of every Job and CronJob. Prints
# what differs (nothing: all equal).
check_metrics() {
        local dir
        dir=$(mktemp -d "$SANDBOX_DIR/status.XXXXXX")
        for j in $(jobctl get jobs 2>/dev/null | awk 'NR > 1 { print $1 }'); do
                jobctl get job "$j" -o json > "$dir/job.$j.json"
        done
        jobctl get cronjob every-minute -o json > "$dir/cronjob.every-minute.json" 2>/dev/null
        "$PY" - "$prom" "$dir" "$@" <<'PY'
import glob, json, os, sys
from datetime import datetime
from prometheus_client.parser import text_string_to_metric_families

path, dir, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
text = open(path).read()
families = {f.name: f for f in text_string_to_metric_families(text)}
bad = []
def samples(name):
    return [s for f in families.values() for s in f.samples if s.name == name]
def value(name, **labels):
    got = [s.value for s in samples(name) if all(s.labels.get(k) == v for k, v in labels.items())]
    return got[0] if len(got) == 1 else (None if not got else ('several', got))
def expect(what, got, want):
    if got != want:
        bad.append(f"{what}: metrics say {got!r}, jobctl {want!r}")
def unix(t):
    return None if not t else float(int(datetime.fromisoformat(t.replace('Z', '+00:00')).timestamp()))

want_types = {
    'kube_job_status_succeeded': 'gauge', 'kube_job_status_failed': 'gauge', 'kube_job_status_active': 'gauge',
    'kube_job_complete': 'gauge', 'kube_job_failed': 'gauge', 'kube_job_status_start_time': 'gauge',
    'kube_job_status_completion_time': 'gauge', 'kube_cronjob_next_schedule_time': 'gauge',
    'kube_cronjob_status_last_schedule_time': 'gauge', 'kube_cronjob_status_active': 'gauge',
    'job_controller_job_finished': 'counter', 'job_controller_pod_failures_handled_by_failure_policy': 'counter',
}
for name, t in want_types.items():
    expect(f"type of {name}", families[name].type if name in families else None, t)

jobs = {}
for f in glob.glob(os.path.join(dir, 'job.*.json')):
    j = json.load(open(f))
    jobs[j['metadata']['name']] = j
for name, j in jobs.items():
    ns = j['metadata'].get('namespace', 'default')
    st = j.get('status', {})
    l = dict(namespace=ns, job_name=name)
    expect(f"{name} succeeded", value('kube_job_status_succeeded', **l), float(st.get('succeeded', 0)))
    expect(f"{name} failed", value('kube_job_status_failed', **l), float(st.get('failed', 0)))
    expect(f"{name} active", value('kube_job_status_active', **l), float(st.get('active', 0)))
    expect(f"{name} start_time", value('kube_job_status_start_time', **l), unix(st.get('startTime')))
    expect(f"{name} completion_time", value('kube_job_status_completion_time', **l), unix(st.get('completionTime')))
    conds = {c['type']: c['status'] for c in st.get('conditions', [])}
    for ctype, metric in (('Complete', 'kube_job_complete'), ('Failed', 'kube_job_failed')):
        for cv in ('true', 'false', 'unknown'):
            want = None if ctype not in conds else float(conds[ctype].lower() == cv)
            expect(f"{name} {metric}{{condition={cv}}}", value(metric, condition=cv, **l), want)
# Every Job sample is of a Job jobctl knows.
for f in families.values():
    for s in f.samples:
        if 'job_name' in s.labels and s.labels['job_name'] not in jobs:
            bad.append(f"{s.name}: a Job jobctl does not list: {s.labels}")

for f in glob.glob(os.path.join(dir, 'cronjob.*.json')):
    c = json.load(open(f))
    name = c['metadata']['name']
    st = c.get('status', {})
    l = dict(namespace=c['metadata'].get('namespace', 'default'), cronjob=name)
    expect(f"cronjob {name} active", value('kube_cronjob_status_active', **l), float(len(st.get('active', []))))
    expect(f"cronjob {name} last_schedule_time", value('kube_cronjob_status_last_schedule_time', **l),
           unix(st.get('lastScheduleTime')))
    expect(f"cronjob {name} next_schedule_time", value('kube_cronjob_next_schedule_time', **l),
           unix(st.get('nextScheduleTime')))

# The counters, as the caller expects them: NAME{k=v,...}=VALUE
for e in extra:
    sel, want = e.rsplit('=', 1)
    name, _, labels = sel.partition('{')
    l = dict(kv.split('=', 1) for kv in labels.rstrip('}').split(',') if kv)
    expect(sel, value(name, **l), float(want))
print('\n'.join(bad))
PY
        rm -rf "$dir"
}

# metrics_agree: check_metrics with the counters in the array expected, its differences in diff. The file
# is written at most once a second (docs/metrics.md): callers retry with until_true.
metrics_agree() { diff=$(check_metrics "${expected[@]}" 2>&1); [ -z "$diff" ]; }

start_jobsd --metrics-file="$prom"
if until_true 10 "[ -s '$prom' ]"; then
        ok "the metrics file is written at start"
else
        not_ok "the metrics file is written at start" "$(sandbox_journal -u jobsd -o cat | tail -20)"
fi

wait_for ok-job Complete 60s
wait_for policy-fail Failed 60s
wait_for backoff-fail Failed 60s
expected=("job_controller_job_finished_total{completion_mode=NonIndexed,result=succeeded,reason=CompletionsReached}=1"
          "job_controller_job_finished_total{completion_mode=Indexed,result=failed,reason=PodFailurePolicy}=1"
          "job_controller_job_finished_total{completion_mode=NonIndexed,result=failed,reason=BackoffLimitExceeded}=1"
          "job_controller_pod_failures_handled_by_failure_policy_total{action=FailJob}=1")
if until_true 5 metrics_agree; then
        ok "a succeeded Job, a Job failed by podFailurePolicy and one by backoffLimit: every metric is jobctl's status, the counters count each finish once"
else
        not_ok "the metrics are the Jobs' status" "$diff" "$(cat "$prom")"
fi
echo "# the file:"
sed 's/^/#   /' "$prom"

mode=$(stat -c %a "$prom")
left=$(ls -A "$textfile" | grep -v '^jobsd.prom$')
if [ "$mode" = 644 ] && [ -z "$left" ]; then
        ok "the file is mode 0644 (node_exporter reads it as another user), no temporary file beside it"
else
        not_ok "the file is mode 0644, no temporary file beside it" "mode $mode; other files: $left"
fi

# Idle: no write, no wake-up (away from a minute boundary, where the CronJob fires) (the file's inode stays, as every write is a rename of a new file).
sleep 1.5       # a write still due (at most a second after the last change) is done
sec=$(date +%-S)
[ "$sec" -lt 55 ] || sleep $((62 - sec))
pid=$(systemctl --user show -P MainPID jobsd)
ino=$(stat -c %i "$prom")
w0=$(awk '/^voluntary_ctxt_switches/ { print $2 }' /proc/$pid/status)
sleep 3
w1=$(awk '/^voluntary_ctxt_switches/ { print $2 }' /proc/$pid/status)
if [ "$(stat -c %i "$prom")" = "$ino" ] && [ "$w1" = "$w0" ]; then
        ok "idle: no write and no wake-up of jobsd in 3 s"
else
        not_ok "idle: no write and no wake-up" "inode $ino -> $(stat -c %i "$prom"); context switches $w0 -> $w1"
fi

# The CronJob fires on the next minute: lastScheduleTime and active (its Job sleeps) show.
cron_fired() { jobctl get cronjob every-minute -o json > "$SANDBOX_DIR/cj.json" &&
               grep -q '"lastScheduleTime"' "$SANDBOX_DIR/cj.json" && grep -q '"name": "every-minute-' "$SANDBOX_DIR/cj.json"; }
if until_true 75 cron_fired; then
        sleep 0.5
        child=$(jobctl get cronjob every-minute -o json | sed -n 's/.*"name": "\(every-minute-[0-9]*\)".*/\1/p' | head -1)
        until_true 10 "[ \"\$(field $child active)\" = 1 ]"
        expected=("kube_cronjob_status_active{cronjob=every-minute}=1" "kube_job_status_active{job_name=$child}=1")
        if until_true 5 metrics_agree; then
                ok "a CronJob that fired: next and last schedule time, active, and its running Job $child are jobctl's"
        else
                not_ok "the CronJob's metrics are its status" "$diff" "$(cat "$prom")"
        fi
else
        not_ok "the CronJob fired within 75 s" "$(jobctl get cronjob every-minute -o json 2>&1)"
fi

# A Job deleted: its samples go.
jobctl delete job backoff-fail >/dev/null 2>&1
if until_true 10 "! grep -q 'job_name=\"backoff-fail\"' '$prom'"; then
        ok "a deleted Job's samples leave the file"
else
        not_ok "a deleted Job's samples leave the file" "$(grep backoff-fail "$prom")"
fi

# A directory that does not exist: logged once, nothing made, jobsd runs on.
stop_jobsd
missing=$SANDBOX_DIR/no-node-exporter
start_jobsd --metrics-file="$missing/jobsd.prom"
until_true 10 "jobctl get jobs"
echo "apiVersion: batch/v1
kind: Job
metadata: {name: while-missing}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [\"true\"]}]" > "$manifests/missing.yaml"
wait_for while-missing Complete 60s
logged=$(sandbox_journal -u jobsd -o cat | grep -c "metrics: $missing does not exist")
if [ ! -e "$missing" ] && [ "$logged" = 1 ] && [ "$(systemctl --user is-active jobsd)" = active ]; then
        ok "a missing directory: said once at info level, nothing made, jobsd runs on"
else
        not_ok "a missing directory: said once, nothing made" "exists: $(ls -d "$missing" 2>&1); logged $logged times"
fi
# It appears (node_exporter installed later): the next change writes the file.
mkdir "$missing"
jobctl rerun job while-missing >/dev/null 2>&1
if until_true 20 "[ -s '$missing/jobsd.prom' ]" && grep -q 'job_name="while-missing"' "$missing/jobsd.prom"; then
        ok "once the directory exists, the next change writes the file"
else
        not_ok "once the directory exists, the next change writes the file" "$(ls -la "$missing")"
fi

stop_jobsd
if "$JOBSD" --user --metrics-file=/tmp/ 2>&1 | grep -q -- '--metrics-file takes the path of a file'; then
        ok "--metrics-file=DIR/ is refused with a clear message"
else
        not_ok "--metrics-file=DIR/ is refused with a clear message"
fi
check_no_sanitizer_report
echo "# whole run: $(since "$t_start") s"
echo "1..$n"
[ $failed = 0 ]
