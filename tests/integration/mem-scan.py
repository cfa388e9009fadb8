#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# The private keys of PEM files left in a process's memory (test-api-lazy.sh): reads every private writable
# mapping of PID (its heap, anonymous memory, stacks, libraries' data) through /proc/PID/mem (root) and, for
# each KEY_FILE, looks for a line of its PEM text, a piece of its base64 as a kubeconfig carries it, and, for
# an EC key, its private scalar (big-endian as in the DER, and byte-reversed as GMP's limbs hold it). Prints
# one line a find: "NAME FORM MAPPING" (e.g. "ca.key pem [heap]"), then "pem-headers N": how many
# "PRIVATE KEY-----" texts there are in all (a PEM key has two), then "searched NAME:FORM...": what was
# looked for; and how many mappings over 4 GiB were skipped. With MEM_SCAN_ADDRESSES=1 in the environment,
# the address of each find goes to stderr (for gdb). Usage: mem-scan.py PID KEY_FILE...
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


# Mappings this large are reservations: AddressSanitizer's shadow memory (terabytes, poison bytes, no
# data); they are skipped and counted.
MAPPING_MAX = 1 << 32
CHUNK = 16 << 20


def main():
    pid = int(sys.argv[1])
    wanted = [n for p in sys.argv[2:] for n in needles(p)]
    overlap = max(len(n) for _, _, n in wanted) if wanted else 0
    headers = 0
    skipped = 0
    found = set()
    fd = os.open(f"/proc/{pid}/mem", os.O_RDONLY)
    try:
        for lo, hi, where in regions(pid):
            if hi - lo > MAPPING_MAX:
                skipped += 1
                continue
            # In chunks that overlap by a needle's length (a header is counted in the chunk it starts in).
            for start in range(lo, hi, CHUNK):
                try:
                    data = os.pread(fd, min(CHUNK + overlap, hi - start), start)
                except OSError:
                    continue
                headers += sum(1 for m in re.finditer(rb"PRIVATE KEY-----", data) if m.start() < CHUNK)
                for name, form, needle in wanted:
                    at = data.find(needle)
                    if at >= 0:
                        found.add((name, form, os.path.basename(where)))
                        if os.environ.get("MEM_SCAN_ADDRESSES"):
                            print(f"{name} {form} at {start + at:#x}", file=sys.stderr)
    finally:
        os.close(fd)
    for name, form, where in sorted(found):
        print(name, form, where)
    print("pem-headers", headers)
    print("searched", " ".join(sorted({f"{name}:{form}" for name, form, _ in wanted})))
    if skipped:
        print("skipped", skipped, "mappings over 4 GiB (AddressSanitizer's shadow)")


main()
