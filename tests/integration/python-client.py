# SPDX-License-Identifier: Apache-2.0
# The official Kubernetes Python client (Debian's python3-kubernetes) against jobsd --api-listen: run by
# test-python-client.sh inside the suite's sandbox, which has started jobsd. Every call deserializes
# jobsd's answers into the client's models (V1Job, V1CronJob, V1Pod, watch events), so a field the
# client cannot read fails the check that made the call.
# Usage: python-client.py KUBECONFIG FIRST_TEST_NUMBER RESULT_FILE JOBCTL JOURNAL_DIR
# Prints TAP lines numbered from FIRST_TEST_NUMBER; writes "COUNT FAILED" to RESULT_FILE.
import datetime
import json
import subprocess
import sys
import time
import traceback

import kubernetes
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

kubeconfig, first, result_file, jobctl, journal_dir = sys.argv[1:6]
n = int(first) - 1
failed = 0
NS = "default"
OTHER = "pyns"
TIMEOUT = 20    # seconds, per request


def report(good, desc, *details):
    global n, failed
    n += 1
    if good:
        print(f"ok {n} - {desc}", flush=True)
        return True
    failed += 1
    lines = [f"not ok {n} - {desc}"]
    for d in details:
        lines += ["# " + l for l in str(d).splitlines()]
    print("\n".join(lines), flush=True)
    print("\n".join(lines), file=sys.stderr, flush=True)
    return False


def check(desc, fn):
    """Runs fn(), which returns (bool, detail...) or a bool; an exception is a failure with its traceback."""
    try:
        r = fn()
    except Exception:
        return report(False, desc, traceback.format_exc())
    if isinstance(r, tuple):
        return report(bool(r[0]), desc, *r[1:])
    return report(bool(r), desc)


def api_error(fn):
    """The ApiException fn() raises (None if it raised none) and its body as JSON."""
    try:
        fn()
    except ApiException as e:
        try:
            body = json.loads(e.body)
        except (TypeError, ValueError):
            body = None
        return e, body
    return None, None


def job_object(name, command, labels=None, completions=None, parallelism=None, restart="Never", namespace=NS):
    return client.V1Job(
        api_version="batch/v1", kind="Job",
        metadata=client.V1ObjectMeta(name=name, namespace=namespace, labels=labels),
        spec=client.V1JobSpec(
            completions=completions, parallelism=parallelism,
            template=client.V1PodTemplateSpec(spec=client.V1PodSpec(
                restart_policy=restart,
                containers=[client.V1Container(name="c", image="busybox", command=command)]))))


def units(name):
    out = subprocess.run(["systemctl", "--user", "list-units", "--all", "--plain", "--no-legend", f"*_{name}_*"],
                         capture_output=True, text=True, timeout=30).stdout
    return [l.split()[0] for l in out.splitlines() if l.strip()]


def wait_until(fn, seconds):
    end = time.monotonic() + seconds
    while True:
        try:
            if fn():
                return True
        except Exception:
            pass
        if time.monotonic() > end:
            return False
        time.sleep(0.1)


def gone(read):
    e, _ = api_error(read)
    return e is not None and e.status == 404


config.load_kube_config(config_file=kubeconfig)
batch = client.BatchV1Api()
core = client.CoreV1Api()

check("kubernetes " + kubernetes.__version__ + ": load_kube_config, VersionApi().get_code() is v1.32",
      lambda: (client.VersionApi().get_code(_request_timeout=TIMEOUT).git_version.startswith("v1.32"),))

# Create, then watch it at once (no resourceVersion: ADDED first, then its changes until Complete).
created = None


def create():
    global created
    created = batch.create_namespaced_job(
        # (The sleep after the echo: journald attributes a line to its pod's unit only while the writer
        # lives; docs/kubernetes-api.md, "Pods, logs, events".)
        NS, job_object("pyjob", ["sh", "-c", "sleep 1; echo py-hello; sleep 0.5"], labels={"app": "py", "tier": "test"},
                       completions=2, parallelism=2), _request_timeout=TIMEOUT)
    return (isinstance(created, client.V1Job) and created.metadata.name == "pyjob" and created.metadata.uid
            and created.metadata.resource_version, created)


check("create_namespaced_job(V1Job): a V1Job back, with uid and resourceVersion", create)

events = []


def watch_job():
    w = watch.Watch()
    for ev in w.stream(batch.list_namespaced_job, NS, field_selector="metadata.name=pyjob", timeout_seconds=60):
        job = ev["object"]
        conds = [c.type for c in (job.status.conditions or []) if c.status == "True"]
        events.append((ev["type"], job.metadata.name, job.status.succeeded, conds, type(job).__name__))
        if "Complete" in conds:
            w.stop()
    types = [e[0] for e in events]
    return (types and types[0] == "ADDED" and "MODIFIED" in types and "Complete" in events[-1][3] and
            all(e[1] == "pyjob" and e[4] == "V1Job" for e in events), events)


check("Watch().stream(list_namespaced_job, field_selector=metadata.name=pyjob): ADDED, then MODIFIED "
      "until Complete (V1Job objects)", watch_job)
# (Should the watch have failed, the checks below still find the Job complete.)
wait_until(lambda: any(c.type == "Complete" and c.status == "True"
                       for c in batch.read_namespaced_job_status("pyjob", NS).status.conditions or []), 60)


def read_defaults():
    j = batch.read_namespaced_job("pyjob", NS, _request_timeout=TIMEOUT)
    uid = j.metadata.uid
    sel = j.spec.selector.match_labels or {}
    tl = j.spec.template.metadata.labels or {}
    c = j.spec.template.spec.containers[0]
    return (uid == created.metadata.uid and sel.get("batch.kubernetes.io/controller-uid") == uid and
            tl.get("job-name") == "pyjob" and tl.get("batch.kubernetes.io/job-name") == "pyjob" and
            tl.get("controller-uid") == uid and j.spec.backoff_limit == 6 and j.spec.completion_mode == "NonIndexed" and
            c.image_pull_policy == "Always" and c.termination_message_path == "/dev/termination-log" and
            j.spec.template.spec.dns_policy == "ClusterFirst" and
            isinstance(j.metadata.creation_timestamp, datetime.datetime), j)


check("read_namespaced_job: the generated selector (controller-uid = uid), the template's job-name labels, "
      "backoffLimit 6, NonIndexed, imagePullPolicy, dnsPolicy, creationTimestamp a datetime", read_defaults)


def read_status():
    j = batch.read_namespaced_job_status("pyjob", NS, _request_timeout=TIMEOUT)
    s = j.status
    comp = [c for c in (s.conditions or []) if c.type == "Complete"]
    return (s.succeeded == 2 and not s.failed and comp and comp[0].status == "True" and
            isinstance(s.start_time, datetime.datetime) and isinstance(s.completion_time, datetime.datetime) and
            s.completion_time >= s.start_time, s)


check("read_namespaced_job_status: succeeded 2, Complete True, startTime <= completionTime", read_status)


def pods_and_logs():
    pods = core.list_namespaced_pod(NS, label_selector="job-name=pyjob", _request_timeout=TIMEOUT)
    names = sorted(p.metadata.name for p in pods.items)
    phases = [p.status.phase for p in pods.items]
    owners = [(p.metadata.owner_references or [None])[0] for p in pods.items]
    logs = [core.read_namespaced_pod_log(name, NS, _request_timeout=TIMEOUT) for name in names]
    return (len(names) == 2 and phases == ["Succeeded", "Succeeded"] and
            all(o and o.kind == "Job" and o.name == "pyjob" and o.uid == created.metadata.uid for o in owners) and
            logs == ["py-hello\n", "py-hello\n"], names, phases, logs)


check("CoreV1Api.list_namespaced_pod(label_selector=job-name=pyjob): 2 Succeeded pods owned by the Job; "
      "read_namespaced_pod_log of each: py-hello", pods_and_logs)

def pod_and_events():
    p = core.read_namespaced_pod("pyjob-0", NS, _request_timeout=TIMEOUT)
    cs = (p.status.container_statuses or [None])[0]
    evs = core.list_namespaced_event(NS, field_selector="involvedObject.kind=Job,involvedObject.name=pyjob").items
    reasons = [e.reason for e in evs]
    return (isinstance(p, client.V1Pod) and p.metadata.labels.get("job-name") == "pyjob" and
            p.spec.containers[0].name == "c" and
            (cs is None or (cs.state.terminated and cs.state.terminated.exit_code == 0)) and
            "SuccessfulCreate" in reasons and "Completed" in reasons and
            all(e.involved_object.uid == created.metadata.uid for e in evs), p.status, reasons)


check("read_namespaced_pod(pyjob-0): a V1Pod, exit code 0; list_namespaced_event(field_selector="
      "involvedObject.name=pyjob): SuccessfulCreate and Completed, with the Job's uid", pod_and_events)


def pod_watch():
    w = watch.Watch()
    seen = []
    for ev in w.stream(core.list_namespaced_pod, NS, label_selector="job-name=pyjob", timeout_seconds=30):
        seen.append((ev["type"], ev["object"].metadata.name, type(ev["object"]).__name__, ev["object"].status.phase))
        if len(seen) == 2:
            w.stop()
    return sorted(seen) == [("ADDED", "pyjob-0", "V1Pod", "Succeeded"), ("ADDED", "pyjob-1", "V1Pod", "Succeeded")], seen


check("Watch().stream(CoreV1Api.list_namespaced_pod, label_selector=job-name=pyjob): both pods ADDED as V1Pod",
      pod_watch)


def log_follow():
    batch.create_namespaced_job(NS, job_object("pyfollow", ["sh", "-c", "for i in 1 2 3; do echo line$i; sleep 0.4; done"]),
                                _request_timeout=TIMEOUT)
    if not wait_until(lambda: core.read_namespaced_pod("pyfollow-0", NS).status.phase == "Running", 30):
        return False, "pyfollow-0 never Running"
    t0 = time.monotonic()
    lines = list(watch.Watch().stream(core.read_namespaced_pod_log, "pyfollow-0", NS))
    took = time.monotonic() - t0
    batch.delete_namespaced_job("pyfollow", NS)
    done = wait_until(lambda: gone(lambda: batch.read_namespaced_job("pyfollow", NS)), 30)
    return lines == ["line1", "line2", "line3"] and done, lines, f"{took:.3f} s"


check("Watch().stream(read_namespaced_pod_log) of a running pod (follow=True): its three lines as they come, "
      "then the end", log_follow)


# Lists: a second Job with the same label in another namespace.
check("create_namespaced_job in namespace pyns",
      lambda: batch.create_namespaced_job(OTHER, job_object("pyother", ["sleep", "600"], labels={"app": "py"},
                                                            namespace=OTHER), _request_timeout=TIMEOUT)
      .metadata.namespace == OTHER)


def names(lst):
    return sorted(f"{j.metadata.namespace}/{j.metadata.name}" for j in lst.items)


def lists():
    got = {
        "ns app=py": names(batch.list_namespaced_job(NS, label_selector="app=py", _request_timeout=TIMEOUT)),
        "ns app=py,tier=test": names(batch.list_namespaced_job(NS, label_selector="app=py,tier=test")),
        "ns tier notin (test)": names(batch.list_namespaced_job(NS, label_selector="app,tier notin (test)")),
        "ns name=pyjob": names(batch.list_namespaced_job(NS, field_selector="metadata.name=pyjob")),
        "all app=py": names(batch.list_job_for_all_namespaces(label_selector="app=py")),
        "all ns=pyns": names(batch.list_job_for_all_namespaces(field_selector="metadata.namespace=pyns")),
        "all app=py, name!=pyjob": names(batch.list_job_for_all_namespaces(label_selector="app=py",
                                                                           field_selector="metadata.name!=pyjob")),
    }
    want = {
        "ns app=py": ["default/pyjob"],
        "ns app=py,tier=test": ["default/pyjob"],
        "ns tier notin (test)": [],
        "ns name=pyjob": ["default/pyjob"],
        "all app=py": ["default/pyjob", "pyns/pyother"],
        "all ns=pyns": ["pyns/pyother"],
        "all app=py, name!=pyjob": ["pyns/pyother"],
    }
    return got == want, got


check("list_namespaced_job and list_job_for_all_namespaces with label_selector and field_selector", lists)


def list_meta():
    lst = batch.list_job_for_all_namespaces(_request_timeout=TIMEOUT)
    return (isinstance(lst, client.V1JobList) and lst.metadata.resource_version and
            int(lst.metadata.resource_version) >= int(created.metadata.resource_version), lst.metadata)


check("list_job_for_all_namespaces: a V1JobList with the current resourceVersion", list_meta)


def paging():
    whole = names(batch.list_job_for_all_namespaces(_request_timeout=TIMEOUT))
    got, token, pages, remaining = [], None, 0, []
    while True:
        lst = batch.list_job_for_all_namespaces(limit=1, _continue=token, _request_timeout=TIMEOUT)
        pages += 1
        got += names(lst)
        remaining.append(lst.metadata.remaining_item_count)
        token = lst.metadata._continue
        if not token or pages > 50:
            break
    e, body = api_error(lambda: batch.list_job_for_all_namespaces(limit=1, _continue="%%%"))
    return (len(whole) >= 2 and got == whole and pages == len(whole) and remaining[0] == len(whole) - 1 and
            remaining[-1] is None and e is not None and e.status == 400 and
            body.get("message", "").startswith("invalid continue token: "), whole, got, remaining, body)


check("list_job_for_all_namespaces(limit=1, _continue=…): every Job, one a page, remaining_item_count; "
      "a bad token: 400", paging)


def dry_run():
    rv = batch.list_job_for_all_namespaces(limit=1).metadata.resource_version
    made = batch.create_namespaced_job(NS, job_object("pydry", ["true"]), dry_run="All", _request_timeout=TIMEOUT)
    r = batch.delete_namespaced_job("pyjob", NS, dry_run="All")
    e, body = api_error(lambda: batch.create_namespaced_job(NS, job_object("pydry", ["true"]), dry_run="Maybe"))
    # Other Jobs (pyother starting, a CronJob firing) may change meanwhile: the changes since rv, as a
    # watch from it streams them, must not touch pydry or pyjob.
    changed = [ev["object"].metadata.name for ev in
               watch.Watch().stream(batch.list_job_for_all_namespaces, resource_version=rv, timeout_seconds=1)]
    return (made.metadata.name == "pydry" and made.metadata.uid and made.spec.backoff_limit == 6 and
            gone(lambda: batch.read_namespaced_job("pydry", NS)) and r.kind == "Job" and
            batch.read_namespaced_job("pyjob", NS).metadata.name == "pyjob" and
            "pydry" not in changed and "pyjob" not in changed and
            e is not None and e.status == 422, made.metadata, body, changed)


check("create_namespaced_job(dry_run='All'): the Job answered, not made; delete (dry_run='All'): kept; "
      "no change since the resourceVersion before; dry_run='Maybe': 422", dry_run)


def namespaces():
    got = sorted(ns.metadata.name for ns in core.list_namespace(_request_timeout=TIMEOUT).items)
    one = core.read_namespace(OTHER)
    return got == ["default", OTHER] and one.status.phase == "Active", got, one.status


check("CoreV1Api.list_namespace: default and pyns; read_namespace(pyns): Active", namespaces)

# Changes: patch (strategic merge with a dict, JSON patch with a list), replace, 409 on a stale version.


def patch():
    j = batch.patch_namespaced_job("pyjob", NS, {"metadata": {"labels": {"patched": "yes"}}}, _request_timeout=TIMEOUT)
    j2 = batch.patch_namespaced_job("pyjob", NS, [{"op": "add", "path": "/metadata/labels/jp", "value": "1"}])
    back = batch.read_namespaced_job("pyjob", NS).metadata.labels
    return (j.metadata.labels.get("patched") == "yes" and j2.metadata.labels.get("jp") == "1" and
            back.get("patched") == "yes" and back.get("app") == "py", back)


check("patch_namespaced_job: a label by strategic merge patch (dict) and by JSON patch (list)", patch)


def replace_stale():
    old = batch.read_namespaced_job("pyjob", NS, _request_timeout=TIMEOUT)
    batch.patch_namespaced_job("pyjob", NS, {"metadata": {"labels": {"patched": "again"}}})
    old.metadata.labels["replaced"] = "stale"
    e, body = api_error(lambda: batch.replace_namespaced_job("pyjob", NS, old))
    return (e is not None and e.status == 409 and body and body.get("reason") == "Conflict" and
            "the object has been modified" in body.get("message", ""), e and e.status, body)


check("replace_namespaced_job with a stale resourceVersion: ApiException 409 Conflict", replace_stale)


def replace_fresh():
    cur = batch.read_namespaced_job("pyjob", NS, _request_timeout=TIMEOUT)
    cur.metadata.labels["replaced"] = "yes"
    j = batch.replace_namespaced_job("pyjob", NS, cur)
    back = batch.read_namespaced_job("pyjob", NS)
    return (j.metadata.labels.get("replaced") == "yes" and back.metadata.labels.get("replaced") == "yes" and
            back.metadata.uid == created.metadata.uid and back.status.succeeded == 2, back.metadata)


check("replace_namespaced_job of the object as read (status, generated selector included): replaced, "
      "same uid, still complete", replace_fresh)

# Errors.


def not_found():
    e, body = api_error(lambda: batch.read_namespaced_job("missing", NS, _request_timeout=TIMEOUT))
    return (e is not None and e.status == 404 and body and body.get("kind") == "Status" and
            body.get("reason") == "NotFound" and body.get("code") == 404 and
            body.get("details", {}).get("name") == "missing" and body.get("details", {}).get("kind") == "jobs",
            e and e.status, body)


check("read_namespaced_job of a missing Job: ApiException 404, a NotFound Status naming it", not_found)


def invalid():
    e, body = api_error(lambda: batch.create_namespaced_job(
        NS, job_object("pybad", ["true"], restart="Always"), _request_timeout=TIMEOUT))
    causes = (body or {}).get("details", {}).get("causes", [])
    return (e is not None and e.status == 422 and body.get("reason") == "Invalid" and
            "spec.template.spec.restartPolicy" in body.get("message", "") and
            any(c.get("field") == "spec.template.spec.restartPolicy" for c in causes) and
            gone(lambda: batch.read_namespaced_job("pybad", NS)), e and e.status, body)


check("create_namespaced_job with restartPolicy Always: ApiException 422 Invalid naming "
      "spec.template.spec.restartPolicy (message and causes), nothing made", invalid)


def exists():
    e, body = api_error(lambda: batch.create_namespaced_job(NS, job_object("pyjob", ["true"]), _request_timeout=TIMEOUT))
    return e is not None and e.status == 409 and body.get("reason") == "AlreadyExists", e and e.status, body


check("create_namespaced_job of an existing name: ApiException 409 AlreadyExists", exists)

# CronJobs: create, read (defaults), list (with the manifest directory's), delete.


def cron_create():
    cj = client.V1CronJob(
        api_version="batch/v1", kind="CronJob", metadata=client.V1ObjectMeta(name="pycron", labels={"app": "pycron"}),
        spec=client.V1CronJobSpec(schedule="*/5 * * * *", job_template=client.V1JobTemplateSpec(
            spec=client.V1JobSpec(template=client.V1PodTemplateSpec(spec=client.V1PodSpec(
                restart_policy="Never", containers=[client.V1Container(name="c", image="busybox", command=["true"])]))))))
    r = batch.create_namespaced_cron_job(NS, cj, _request_timeout=TIMEOUT)
    back = batch.read_namespaced_cron_job("pycron", NS)
    st = batch.read_namespaced_cron_job_status("pycron", NS)
    return (isinstance(r, client.V1CronJob) and isinstance(st, client.V1CronJob) and not st.status.active and back.spec.schedule == "*/5 * * * *" and
            back.spec.concurrency_policy == "Allow" and back.spec.successful_jobs_history_limit == 3 and
            back.spec.failed_jobs_history_limit == 1 and back.spec.suspend is False and
            back.spec.job_template.spec.backoff_limit == 6, back.spec)


check("create_namespaced_cron_job(V1CronJob), read_namespaced_cron_job: schedule and defaults "
      "(Allow, history 3/1, suspend false, backoffLimit 6); read_namespaced_cron_job_status", cron_create)


def cron_list():
    a = sorted(c.metadata.name for c in batch.list_namespaced_cron_job(NS, _request_timeout=TIMEOUT).items)
    b = sorted(c.metadata.name for c in batch.list_cron_job_for_all_namespaces(label_selector="app=pycron").items)
    return a == ["nightly", "pycron"] and b == ["pycron"], a, b


check("list_namespaced_cron_job: the API's pycron and the manifest directory's nightly; "
      "list_cron_job_for_all_namespaces(label_selector)", cron_list)


def cron_delete():
    batch.delete_namespaced_cron_job("pycron", NS, _request_timeout=TIMEOUT)
    return (wait_until(lambda: gone(lambda: batch.read_namespaced_cron_job("pycron", NS)), 30) and
            wait_until(lambda: not units("pycron"), 30), units("pycron"))


check("delete_namespaced_cron_job: then 404, and no unit of it is left", cron_delete)

# One set of objects: the manifest directory's Job through the client, the API's Job through jobctl.


def file_job():
    j = batch.read_namespaced_job("filejob", NS, _request_timeout=TIMEOUT)
    ann = j.metadata.annotations or {}
    e, body = api_error(lambda: batch.delete_namespaced_job("filejob", NS))
    return (ann.get("jobsd.io/manifest-file", "").endswith("/filejob.yaml") and
            j.spec.selector.match_labels.get("batch.kubernetes.io/controller-uid") == j.metadata.uid and
            e is not None and e.status == 403 and body.get("reason") == "Forbidden" and
            "filejob.yaml" in body.get("message", ""), ann, e and e.status, body)


check("read_namespaced_job of the manifest directory's Job: its jobsd.io/manifest-file annotation; "
      "delete_namespaced_job of it: 403 Forbidden naming the file", file_job)


def jobctl_sees():
    out = subprocess.run([jobctl, "--user", f"--journal-dir={journal_dir}", "get", "job", "pyjob", "-o", "json"],
                         capture_output=True, text=True, timeout=30)
    j = json.loads(out.stdout)
    return (j["metadata"]["uid"] == created.metadata.uid and j["status"]["succeeded"] == 2,
            out.stdout[:500], out.stderr)


check("jobctl get job pyjob: the Job made through the client, same uid, succeeded 2", jobctl_sees)

# Deletion: Background and Foreground, of running Jobs; then 404 and no unit left.
for name, policy in (("pyback", "Background"), ("pyfore", "Foreground")):
    def delete(name=name, policy=policy):
        batch.create_namespaced_job(NS, job_object(name, ["sleep", "600"], labels={"app": "pydel"}),
                                    _request_timeout=TIMEOUT)
        running = wait_until(lambda: any(u.endswith(".service") for u in units(name)) and
                             (batch.read_namespaced_job_status(name, NS).status.active or 0) == 1, 30)
        before = units(name)
        r = batch.delete_namespaced_job(name, NS, propagation_policy=policy, _request_timeout=TIMEOUT)
        deleted = wait_until(lambda: gone(lambda: batch.read_namespaced_job(name, NS)), 60)
        no_units = wait_until(lambda: not units(name), 30)
        pods = core.list_namespaced_pod(NS, label_selector=f"job-name={name}").items
        # (The reply, declared a V1Status, is the Job as it was: docs/kubernetes-api.md.)
        return (running and before and deleted and no_units and not pods and r.kind == "Job",
                f"reply kind {r.kind}, running {running}, units before {before}, gone {deleted}, units after {units(name)}, "
                f"pods {[p.metadata.name for p in pods]}")

    check(f"delete_namespaced_job(propagation_policy='{policy}') of a running Job: then 404, "
          "its units and pods gone", delete)


def delete_rest():
    batch.delete_namespaced_job("pyjob", NS, propagation_policy="Background", _request_timeout=TIMEOUT)
    batch.delete_namespaced_job("pyother", OTHER, body=client.V1DeleteOptions(propagation_policy="Foreground"))
    return (wait_until(lambda: gone(lambda: batch.read_namespaced_job("pyjob", NS)) and
                       gone(lambda: batch.read_namespaced_job("pyother", OTHER)), 60) and
            wait_until(lambda: not units("pyjob") and not units("pyother"), 30) and
            names(batch.list_job_for_all_namespaces(label_selector="app=py")) == [],
            units("pyjob") + units("pyother"))


check("delete_namespaced_job of the complete pyjob (Background) and of pyother (V1DeleteOptions body, "
      "Foreground): both 404, none listed, no unit left", delete_rest)

with open(result_file, "w") as f:
    f.write(f"{n - int(first) + 1} {failed}\n")
