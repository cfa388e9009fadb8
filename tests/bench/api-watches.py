#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Many concurrent watches of jobsd's Jobs over TLS (one asyncio task and one connection each, Python's
# standard library only), for tests/bench/api-scale.sh:
#   api-watches.py HOST PORT API_DIR N JOB [table]
# Opens N watches of the Jobs of namespace default (from the list's resourceVersion, so nothing is sent
# at first), prints "open N SECONDS" once every one has its 200, then reads a line from stdin (the caller
# measures jobsd meanwhile), merge-patches a label onto Job JOB (one of the API's own) and prints
# "event RECEIVED N SECONDS": how many watches got its MODIFIED event and the time from the patch to the
# last of them (at most 60 s). Then closes everything and prints "closed". With "table", the watches ask
# for Table rows as `kubectl get -w` does (the first event carries the column definitions).
# A watch is requested with HTTP/1.0, so its body is the plain stream of newline-delimited JSON events
# (no chunked framing) that ends with the connection; the status line and headers are read by http.client.
import asyncio
import http.client
import io
import json
import ssl
import sys
import time

HANDSHAKES_AT_ONCE = 64
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def context(api_dir):
    ctx = ssl.create_default_context(cafile=f"{api_dir}/ca.crt")
    ctx.load_cert_chain(f"{api_dir}/admin.crt", f"{api_dir}/admin.key")
    ctx.check_hostname = False  # the server's certificate names localhost and 127.0.0.1; the CA is ours
    return ctx


def request(host, port, ctx, method, path, body=None, content_type=None):
    conn = http.client.HTTPSConnection(host, port, context=ctx, timeout=30)
    headers = {"Accept": "application/json"}
    if content_type:
        headers["Content-Type"] = content_type
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    if resp.status != 200:
        raise RuntimeError(f"{method} {path}: {resp.status} {data[:200]!r}")
    return json.loads(data)


class Watch:
    def __init__(self):
        self.got = None          # when the MODIFIED event of the Job arrived
        self.writer = None


def event_name(ev):
    obj = ev["object"]
    if obj.get("kind") == "Table":
        obj = obj["rows"][0]["object"]
    return obj["metadata"]["name"]


async def watch(w, host, port, ctx, rv, job, accept, opened, sem, failures):
    async with sem:
        try:
            reader, w.writer = await asyncio.open_connection(host, port, ssl=ctx, limit=8 * 1024 * 1024)
            w.writer.write(f"GET /apis/batch/v1/namespaces/default/jobs?watch=true&resourceVersion={rv} HTTP/1.0\r\n"
                           f"Host: {host}:{port}\r\nAccept: {accept}\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as e:
            failures.append(str(e) or type(e).__name__)
            opened.release()
            return
    status = head.split(b"\r\n", 1)[0].split()
    http.client.parse_headers(io.BytesIO(head.split(b"\r\n", 1)[1]))
    if len(status) < 2 or status[1] != b"200":
        failures.append(head.split(b"\r\n", 1)[0].decode(errors="replace"))
        opened.release()
        return
    opened.release()
    try:
        while True:
            line = await reader.readline()
            if not line:
                return
            ev = json.loads(line)
            if ev.get("type") == "MODIFIED" and event_name(ev) == job and w.got is None:
                w.got = time.monotonic()
    except (OSError, ValueError, asyncio.LimitOverrunError):
        return


async def main():
    host, port, api_dir, n, job = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
    accept = TABLE if sys.argv[6:7] == ["table"] else "application/json"
    ctx = context(api_dir)
    loop = asyncio.get_running_loop()
    rv = (await asyncio.to_thread(request, host, port, ctx, "GET", "/apis/batch/v1/namespaces/default/jobs"))["metadata"]["resourceVersion"]
    watches = [Watch() for _ in range(n)]
    opened = asyncio.Semaphore(0)
    sem = asyncio.Semaphore(HANDSHAKES_AT_ONCE)
    failures = []
    t0 = time.monotonic()
    tasks = [asyncio.create_task(watch(w, host, port, ctx, rv, job, accept, opened, sem, failures)) for w in watches]
    for _ in range(n):
        await opened.acquire()
    print(f"open {n - len(failures)} {time.monotonic() - t0:.3f}", flush=True)
    for f in sorted(set(failures))[:5]:
        print(f"failed: {f} ({failures.count(f)}x)", file=sys.stderr)
    await loop.run_in_executor(None, sys.stdin.readline)
    label = json.dumps({"metadata": {"labels": {"bench-touched": str(int(time.time()))}}})
    t0 = time.monotonic()
    await asyncio.to_thread(request, host, port, ctx, "PATCH", f"/apis/batch/v1/namespaces/default/jobs/{job}",
                            label.encode(), "application/merge-patch+json")
    expected = n - len(failures)
    deadline = t0 + 60
    while sum(w.got is not None for w in watches) < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.005)
    got = [w.got for w in watches if w.got is not None]
    print(f"event {len(got)} {n} {(max(got) - t0) if got else 0:.3f}", flush=True)
    await loop.run_in_executor(None, sys.stdin.readline)
    for w in watches:
        if w.writer:
            w.writer.close()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    print("closed", flush=True)


asyncio.run(main())
