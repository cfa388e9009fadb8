#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# The private keys of PEM files left in a process's memory (test-api-lazy.sh): reads every private writable
# mapping of PID (its heap, anonymous memory, stacks, libraries' data) through /proc/PID/mem (root) and, for
# each KEY_FILE, looks for a line of its PEM text, a piece of its base64 as a kubeconfig carries it, and, for
# an EC key, its private scalar (big-endian as in the DER, and byte-reversed as GMP's limbs hold it). Prints
# one line a find: "NAME FORM MAPPING" (e.g. "ca.key pem [heap]"), then "pem-headers N": how many
# "PRIVATE KEY-----" texts there are in all (a PEM key has two), then "searched NAME:FORM...": what was
# looked for. Usage: mem-scan.py PID KEY_FILE...
import base64
import os
import re
import sys


def needles(path):
    name = os.path.basename(path)
    text = open(path, "rb").read()
    lines = [l for l in text.split(b"\n") if l and not l.startswith(b"-----")]
    out = []
    if lines:
        out.append((name, "pem", lines[0][:48]))
    # base64 of the whole PEM (client-key-data): past its first 60 characters, which encode the header.
    b64 = base64.b64encode(text)
    if len(b64) > 120:
        out.append((name, "kubeconfig-base64", b64[60:108]))
    der = base64.b64decode(b"".join(lines))
    # SEC1 ECPrivateKey: SEQUENCE { INTEGER 1, OCTET STRING privateKey, ... }.
    i = der.find(b"\x02\x01\x01\x04")
    if i >= 0 and i + 5 < len(der):
        n = der[i + 4]
        scalar = der[i + 5:i + 5 + n]
        if len(scalar) == n and n >= 16:
            out.append((name, "scalar", scalar))
            out.append((name, "scalar-reversed", scalar[::-1]))
    return out


def regions(pid):
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            parts = line.split(None, 5)
            lo, hi = (int(x, 16) for x in parts[0].split("-"))
            perms = parts[1]
            where = parts[5].strip() if len(parts) > 5 else "[anon]"
            if perms.startswith("rw") and perms[3] == "p" and not where.startswith("[v"):
                yield lo, hi, where or "[anon]"


def main():
    pid = int(sys.argv[1])
    wanted = [n for p in sys.argv[2:] for n in needles(p)]
    headers = 0
    found = set()
    fd = os.open(f"/proc/{pid}/mem", os.O_RDONLY)
    try:
        for lo, hi, where in regions(pid):
            try:
                data = os.pread(fd, hi - lo, lo)
            except OSError:
                continue
            headers += len(re.findall(rb"PRIVATE KEY-----", data))
            for name, form, needle in wanted:
                if needle in data:
                    found.add((name, form, os.path.basename(where)))
    finally:
        os.close(fd)
    for name, form, where in sorted(found):
        print(name, form, where)
    print("pem-headers", headers)
    print("searched", " ".join(sorted({f"{name}:{form}" for name, form, _ in wanted})))


main()
