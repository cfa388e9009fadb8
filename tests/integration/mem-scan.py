#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# The private keys of PEM files left in a process's memory (test-api-lazy.sh): reads every private writable
# mapping of PID (its heap, anonymous memory, stacks, libraries' data) through /proc/PID/mem (root) and, for
# each KEY_FILE, looks for a line of its PEM text, a piece of its base64 as a kubeconfig carries it, and, for
# an EC key, its private scalar (big-endian as in the DER, and byte-reversed as GMP's limbs hold it). Prints
# one line a find: "NAME FORM MAPPING" (e.g. "ca.key pem [heap]"), then "pem-headers N": how many
# "PRIVATE KEY-----" texts there are in all (a PEM key has two), then "searched NAME:FORM...": what was
# looked for; and how many mappings over 4 GiB were skipped. With MEM_SCAN_ADDRESSES=1 in the environment,
# the address of each find goes to stderr (for gdb). With --held, each EC key whose PEM text is in the
# process's memory (the server's, which jobsd keeps) is a key too, "held-N", whose private scalar is looked
# for: what a library (GnuTLS) left of it. Usage: mem-scan.py [--held] PID KEY_FILE...
import base64
import os
import re
import sys


def needles(name, text, scalar_only=False):
    lines = [l for l in text.split(b"\n") if l and not l.startswith(b"-----")]
    out = []
    if lines and not scalar_only:
        out.append((name, "pem", lines[0][:48]))
    # base64 of the whole PEM (client-key-data): past its first 60 characters, which encode the header.
    b64 = base64.b64encode(text)
    if len(b64) > 120 and not scalar_only:
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


EC_PEM = re.compile(rb"-----BEGIN EC PRIVATE KEY-----\n[A-Za-z0-9+/=\n]{100,4000}-----END EC PRIVATE KEY-----\n?")


def chunks(fd, pid, overlap):
    for lo, hi, where in regions(pid):
        if hi - lo > MAPPING_MAX:
            yield None, None, None
            continue
        # In chunks that overlap by a needle's length (a header is counted in the chunk it starts in).
        for start in range(lo, hi, CHUNK):
            try:
                yield start, os.pread(fd, min(CHUNK + overlap, hi - start), start), where
            except OSError:
                continue


def main():
    args = sys.argv[1:]
    held = args[0] == "--held"
    if held:
        args = args[1:]
    pid = int(args[0])
    wanted = [n for p in args[1:] for n in needles(os.path.basename(p), open(p, "rb").read())]
    fd = os.open(f"/proc/{pid}/mem", os.O_RDONLY)
    if held:
        texts = set()
        for start, data, where in chunks(fd, pid, 4096):
            if data:
                texts.update(m.group(0).rstrip(b"\n") for m in EC_PEM.finditer(data))
        for i, t in enumerate(sorted(texts)):
            wanted += needles(f"held-{i + 1}", t, scalar_only=True)
    overlap = max(len(n) for _, _, n in wanted) if wanted else 0
    headers = 0
    skipped = 0
    found = set()
    try:
        for start, data, where in chunks(fd, pid, overlap):
            if data is None:
                skipped += 1
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
