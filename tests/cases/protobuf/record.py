#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Records the request bodies the real kubectl sends, for tests/test-k8s-protobuf.c. Not run by the suite.
#
#   tests/cases/protobuf/record.py [--kubectl PATH] [OUTDIR]      (OUTDIR defaults to this directory)
#
# A throwaway HTTPS server on 127.0.0.1 (a self-signed certificate made with openssl; the kubeconfig
# skips its verification) plays just enough of the API server: /version (v1.32.0, so that Google Cloud
# SDK's kubectl dispatcher runs its bundled 1.32), legacy discovery (/api, /apis, /apis/batch/v1) as
# plain application/json, the CronJobs of CRONJOBS below (GET, JSON), and it answers every POST with
# the body echoed back as 201 after saving it. For each case it runs
#
#   kubectl create job NAME --from=cronjob/CRONJOB                  → NAME.pb    (the POSTed body)
#   kubectl create job NAME --from=cronjob/CRONJOB --dry-run=client -o json
#                                                                    → NAME.json  (kubectl's JSON of the same Job)
#
# and likewise for the other cases of FROM_CASES (`kubectl create job NAME --image=... -- CMD`,
# `kubectl create cronjob`: kubectl 1.32 posts all of them as application/vnd.kubernetes.protobuf, and
# the GETs and discovery it reads as JSON). NAME.json is what the decoder must produce (tests/test-k8s-protobuf.c compares them as JSON values), once the values
# of the fields jobsd does not decode are replaced with {} (OPAQUE below, as the decoder writes them). The
# served CronJobs are kept as NAME.cronjob.json; requests.log lists every request (method, path,
# Content-Type, Accept). A POST that is not protobuf is saved as NAME.body and reported.
import http.server
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def container(name, **kw):
    c = {"name": name, "image": "busybox:1.36"}
    c.update(kw)
    return c


def cronjob(name, job_spec, job_meta=None, namespace="default", extra_meta=None):
    meta = {"name": name, "namespace": namespace, "uid": "6f1c2d3e-0000-4000-8000-%012x" % zlib.crc32(name.encode()),
            "resourceVersion": "1", "creationTimestamp": "2026-01-02T03:04:05Z"}
    meta.update(extra_meta or {})
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": meta,
        "spec": {
            "schedule": "*/5 * * * *",
            "jobTemplate": {"metadata": job_meta or {}, "spec": job_spec},
        },
        "status": {},
    }


# The CronJobs the server answers, by name.
CRONJOBS = {
    # The smallest: one container, OnFailure.
    "simple": cronjob("simple", {
        "template": {"spec": {
            "restartPolicy": "OnFailure",
            "containers": [container("hello", command=["sh", "-c", "date; echo hello"])],
        }},
    }),
    # Everything jobsd implements: env (value, fieldRef, resourceFieldRef with a divisor), resources,
    # mounts, hostPath/emptyDir/downwardAPI volumes, a sidecar, security contexts, podFailurePolicy,
    # Indexed with backoffLimitPerIndex, successPolicy, zero values that must survive (backoffLimit 0,
    # suspend false), labels and annotations on the job template and the pod template.
    "full": cronjob("full", {
        "parallelism": 2,
        "completions": 4,
        "completionMode": "Indexed",
        "backoffLimit": 0,
        "backoffLimitPerIndex": 1,
        "maxFailedIndexes": 2,
        "activeDeadlineSeconds": 3600,
        "ttlSecondsAfterFinished": 600,
        "suspend": False,
        "podReplacementPolicy": "Failed",
        "podFailurePolicy": {"rules": [
            {"action": "FailJob", "onExitCodes": {"containerName": "main", "operator": "In", "values": [42, 43]}},
            {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]},
            {"action": "Count", "onExitCodes": {"operator": "NotIn", "values": [0]}},
        ]},
        "successPolicy": {"rules": [{"succeededIndexes": "0-1,3", "succeededCount": 2}]},
        "template": {
            "metadata": {"labels": {"app": "full", "tier": "batch"}, "annotations": {"note": "a b: c"}},
            "spec": {
                "restartPolicy": "Never",
                "activeDeadlineSeconds": 1800,
                "terminationGracePeriodSeconds": 5,
                "hostname": "worker",
                "subdomain": "full-svc",
                "securityContext": {"runAsUser": 1000, "runAsGroup": 1000, "runAsNonRoot": True, "fsGroup": 2000,
                                    "supplementalGroups": [3000, 3001]},
                "initContainers": [
                    container("setup", command=["sh", "-c", "echo setup > /work/ready"],
                              volumeMounts=[{"name": "work", "mountPath": "/work"}]),
                    container("sidecar", restartPolicy="Always", command=["sleep", "infinity"]),
                ],
                "containers": [container(
                    "main",
                    image="busybox:1.36",
                    imagePullPolicy="IfNotPresent",
                    command=["sh", "-c"],
                    args=["echo $(GREETING) $JOB_COMPLETION_INDEX; exit 0", ""],
                    workingDir="/work",
                    env=[
                        {"name": "GREETING", "value": "hello \"world\" ünïcode"},
                        {"name": "EMPTY"},
                        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                        {"name": "NODE", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}},
                        {"name": "MEM_MI", "valueFrom": {"resourceFieldRef": {"containerName": "main",
                                                                                "resource": "limits.memory",
                                                                                "divisor": "1Mi"}}},
                    ],
                    resources={"limits": {"cpu": "500m", "memory": "128Mi"},
                               "requests": {"cpu": "0.25", "memory": "64M", "ephemeral-storage": "1Gi"}},
                    volumeMounts=[
                        {"name": "work", "mountPath": "/work"},
                        {"name": "data", "mountPath": "/data", "readOnly": True, "subPath": "sub"},
                        {"name": "info", "mountPath": "/etc/podinfo"},
                        {"name": "shm", "mountPath": "/dev/shm"},
                    ],
                    securityContext={"readOnlyRootFilesystem": True, "allowPrivilegeEscalation": False,
                                     "privileged": False, "runAsUser": 1001,
                                     "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]}},
                )],
                "volumes": [
                    {"name": "work", "emptyDir": {}},
                    {"name": "data", "hostPath": {"path": "/srv/data", "type": "Directory"}},
                    {"name": "info", "downwardAPI": {"defaultMode": 420, "items": [
                        {"path": "app", "fieldRef": {"fieldPath": "metadata.labels['app']"}},
                        {"path": "cpu", "mode": 256,
                         "resourceFieldRef": {"containerName": "main", "resource": "limits.cpu", "divisor": "1m"}},
                    ]}},
                    {"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}},
                ],
            },
        },
    }, job_meta={"labels": {"team": "batch"}, "annotations": {"owner": "ops@example.org"}}),
    # What a real API server returns: every default filled in (terminationMessagePath, dnsPolicy,
    # schedulerName, empty securityContext and resources …), selector and manualSelector, a
    # creationTimestamp on the template.
    "defaulted": cronjob("defaulted", {
        "backoffLimit": 6,
        "completionMode": "NonIndexed",
        "completions": 1,
        "parallelism": 1,
        "manualSelector": True,
        "selector": {"matchLabels": {"run": "defaulted"},
                     "matchExpressions": [{"key": "tier", "operator": "In", "values": ["batch", "etl"]},
                                          {"key": "legacy", "operator": "DoesNotExist"}]},
        "suspend": False,
        "podReplacementPolicy": "TerminatingOrFailed",
        "template": {
            "metadata": {"creationTimestamp": None, "labels": {"run": "defaulted", "tier": "batch"}},
            "spec": {
                "containers": [container(
                    "defaulted",
                    args=["echo", "hi"],
                    imagePullPolicy="IfNotPresent",
                    resources={},
                    terminationMessagePath="/dev/termination-log",
                    terminationMessagePolicy="File",
                    ports=[{"containerPort": 8080, "protocol": "TCP", "name": "http"}],
                    stdin=False,
                    tty=False,
                )],
                "dnsPolicy": "ClusterFirst",
                "restartPolicy": "Never",
                "schedulerName": "default-scheduler",
                "securityContext": {},
                "terminationGracePeriodSeconds": 30,
                "hostNetwork": False,
            },
        },
    }, extra_meta={"labels": {"app": "defaulted"}}),
    # Fields jobsd does not decode (it ignores or refuses them) beside ones it does: their values are
    # not carried into the JSON (OPAQUE below).
    "opaque": cronjob("opaque", {
        "managedBy": "kubernetes.io/job-controller",
        "template": {"spec": {
            "restartPolicy": "Never",
            "nodeSelector": {"kubernetes.io/os": "linux"},
            "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoSchedule"}],
            "containers": [container(
                "main",
                command=["true"],
                livenessProbe={"exec": {"command": ["true"]}, "periodSeconds": 10},
                env=[{"name": "CM", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "k"}}}],
            )],
            "volumes": [{"name": "cfg", "configMap": {"name": "cm"}}],
        }},
    }),
}

# Each case: the file name, then kubectl's arguments; options come before a "--" that ends them, and the
# recording adds "--dry-run=client -o json" right after the object's name for the JSON.
FROM_CASES = [
    ("simple-manual", ["create", "job", "simple-manual", "--from=cronjob/simple"]),
    ("full-manual", ["create", "job", "full-manual", "--from=cronjob/full"]),
    ("defaulted-manual", ["create", "job", "defaulted-manual", "-n", "batch", "--from=cronjob/defaulted"]),
    ("opaque-manual", ["create", "job", "opaque-manual", "--from=cronjob/opaque"]),
    # Not from a CronJob: kubectl builds the Job itself, and posts it as protobuf too.
    ("image-echo", ["create", "job", "image-echo", "--image=busybox", "--", "echo", "hi"]),
    # kubectl create cronjob: to see whether it posts protobuf as well.
    ("cronjob-create", ["create", "cronjob", "nightly", "--image=busybox", "--schedule=0 1 * * *", "--", "date"]),
]

# Where the decoder writes {} (fields jobsd does not decode: supervisor/k8s-protobuf.h): the same values
# are replaced with {} in kubectl's JSON, which is then what the decoder must produce.
OPAQUE = {
    "opaque-manual": [
        ("spec", "template", "spec", "tolerations", 0),
        ("spec", "template", "spec", "volumes", 0, "configMap"),
        ("spec", "template", "spec", "containers", 0, "livenessProbe"),
        ("spec", "template", "spec", "containers", 0, "env", 0, "valueFrom", "configMapKeyRef"),
    ],
}


def blank(obj, path):
    for k in path[:-1]:
        obj = obj[k]
    obj[path[-1]] = {}


posted = {}
log = []
lock = threading.Lock()


def api_resource(name, kind, short=None):
    r = {"name": name, "singularName": "", "namespaced": True, "kind": kind,
         "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]}
    if short:
        r["shortNames"] = short
    return r


RESPONSES = {
    "/version": {"major": "1", "minor": "32", "gitVersion": "v1.32.0", "gitCommit": "0", "gitTreeState": "clean",
                 "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.23", "compiler": "gc",
                 "platform": "linux/amd64"},
    "/api": {"kind": "APIVersions", "versions": ["v1"],
             "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:443"}]},
    "/api/v1": {"kind": "APIResourceList", "groupVersion": "v1", "resources": []},
    "/apis": {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
        {"name": "batch", "versions": [{"groupVersion": "batch/v1", "version": "v1"}],
         "preferredVersion": {"groupVersion": "batch/v1", "version": "v1"}}]},
    "/apis/batch/v1": {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "batch/v1", "resources": [
        api_resource("cronjobs", "CronJob", ["cj"]), api_resource("jobs", "Job")]},
}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def note(self):
        with lock:
            log.append("%s %s ct=%s accept=%s" % (self.command, self.path, self.headers.get("Content-Type"),
                                                  self.headers.get("Accept")))

    def send_json(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.note()
        path = self.path.split("?")[0]
        if path in RESPONSES:
            return self.send_json(200, RESPONSES[path])
        parts = path.strip("/").split("/")
        # /apis/batch/v1/namespaces/NS/cronjobs/NAME
        if len(parts) == 7 and parts[:3] == ["apis", "batch", "v1"] and parts[5] == "cronjobs" and parts[6] in CRONJOBS:
            cj = json.loads(json.dumps(CRONJOBS[parts[6]]))
            cj["metadata"]["namespace"] = parts[4]
            return self.send_json(200, cj)
        self.send_json(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound",
                             "code": 404, "message": "%s not found" % path})

    def do_POST(self):
        self.note()
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        with lock:
            posted[self.path] = (self.headers.get("Content-Type"), body)
        # Echo the body back with the type it came in: kubectl decodes the answer and prints "created".
        self.send_response(201)
        self.send_header("Content-Type", self.headers.get("Content-Type") or "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    args = sys.argv[1:]
    kubectl = "/usr/bin/kubectl"
    if args[:1] == ["--kubectl"]:
        kubectl, args = args[1], args[2:]
    outdir = args[0] if args else HERE
    os.makedirs(outdir, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="record-k8s-")
    try:
        cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                        "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
                       check=True, capture_output=True)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
        port = server.server_address[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()

        kubeconfig = os.path.join(tmp, "kubeconfig")
        with open(kubeconfig, "w") as f:
            f.write("""apiVersion: v1
kind: Config
clusters:
- name: rec
  cluster: {server: "https://127.0.0.1:%d", insecure-skip-tls-verify: true}
users:
- name: rec
  user: {token: recording}
contexts:
- name: rec
  context: {cluster: rec, user: rec, namespace: default}
current-context: rec
""" % port)
        env = dict(os.environ, KUBECONFIG=kubeconfig, HOME=tmp, KUBECACHEDIR=os.path.join(tmp, "cache"))

        def kubectl_run(argv):
            p = subprocess.run([kubectl] + argv, env=env, capture_output=True, text=True, timeout=120)
            if p.returncode != 0:
                sys.exit("kubectl %s failed (%d): %s" % (" ".join(argv), p.returncode, p.stderr))
            return p.stdout

        def record(name, argv):
            posted.clear()
            kubectl_run(argv)
            if len(posted) != 1:
                sys.exit("%s: expected one POST, got %r" % (name, list(posted)))
            path, (ctype, body) = posted.popitem()
            print("%s: POST %s, Content-Type %s, %d bytes" % (name, path, ctype, len(body)))
            ext = "pb" if ctype == "application/vnd.kubernetes.protobuf" else "body"
            with open(os.path.join(outdir, "%s.%s" % (name, ext)), "wb") as f:
                f.write(body)
            out = json.loads(kubectl_run(argv[:3] + ["--dry-run=client", "-o", "json"] + argv[3:]))
            for path in OPAQUE.get(name, []):
                blank(out, path)
            with open(os.path.join(outdir, name + ".json"), "w") as f:
                f.write(json.dumps(out, indent=2, ensure_ascii=False) + "\n")

        for name, argv in FROM_CASES:
            for a in argv:
                if a.startswith("--from=cronjob/"):
                    cj = a[len("--from=cronjob/"):]
                    with open(os.path.join(outdir, cj + ".cronjob.json"), "w") as f:
                        f.write(json.dumps(CRONJOBS[cj], indent=2, ensure_ascii=False) + "\n")
            record(name, argv)
        with open(os.path.join(outdir, "requests.log"), "w") as f:
            f.write("\n".join(log) + "\n")
        server.shutdown()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
