#!/usr/bin/env python3
"""Oracle: per-conversation packet and byte counts of `vxscope flows` against tshark.

For every capture in the corpus, `tshark -q -z conv,tcp -z conv,udp` gives frames and bytes
(frame lengths) per direction of each conversation.  vxscope keys flows by mirror session and
VLAN as well, which tshark does not, so our flows are summed by 5-tuple before comparing: the
numbers must then be the same.  tshark's tunnel carrier conversations (UDP 4789, 6081, 8472)
are left out: vxscope peels them and never makes them flows.

Frames must match exactly.  Bytes must match exactly where tshark prints bytes; where it
prints "kB"/"MB" (tshark 4.0 rounds those) ours must round to the same figure.

Files whose differences are understood go in conversations.known ("file<TAB>reason").
Prints one line per file and "N passed, N failed".  With file arguments, checks those files
(end-to-end tests use this on their own captures).
"""
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.environ.get("VXS_ROOT", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
CAPS = os.environ.get("VXS_CAPTURES", os.path.join(ROOT, "..", "shared", "captures"))
BIN = os.environ.get("VXS_BIN", os.path.join(ROOT, "build", "release", "vxscope"))
CARRIER_PORTS = {"4789", "6081", "8472", "4754"}  # VXLAN, GENEVE, Linux VXLAN, GRE-in-UDP

ROW = re.compile(r"^(\S+)\s+<->\s+(\S+)\s+(\d+)\s+(\d+)\s+(bytes|kB|MB|GB)\s+(\d+)\s+(\d+)\s+(bytes|kB|MB|GB)\s+")
UNIT = {"bytes": 1, "kB": 1000, "MB": 1000 ** 2, "GB": 1000 ** 3}


def split_ep(ep):
    addr, port = ep.rsplit(":", 1)
    return addr, port


def tshark_convs(path):
    out = subprocess.run(["tshark", "-n", "-r", path, "-d", "udp.port==8472,vxlan", "-q",
                          "-z", "conv,tcp", "-z", "conv,udp"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    convs = {}
    proto = None
    for line in out.splitlines():
        if line.startswith("TCP Conversations"):
            proto = "tcp"
        elif line.startswith("UDP Conversations"):
            proto = "udp"
        m = ROW.match(line)
        if not m or not proto:
            continue
        a, b = split_ep(m.group(1)), split_ep(m.group(2))
        if proto == "udp" and (a[1] in CARRIER_PORTS or b[1] in CARRIER_PORTS):
            continue
        b_to_a = (int(m.group(3)), int(m.group(4)), m.group(5))
        a_to_b = (int(m.group(6)), int(m.group(7)), m.group(8))
        key = (proto,) + tuple(sorted([a, b]))
        if key[1] == a:
            d = [a_to_b, b_to_a]
        else:
            d = [b_to_a, a_to_b]
        if key in convs:  # tshark lists a reused 5-tuple twice: add them up
            old = convs[key]
            d = [(old[i][0] + d[i][0], old[i][1] * UNIT[old[i][2]] + d[i][1] * UNIT[d[i][2]], "bytes")
                 for i in range(2)] if old[0][2] == d[0][2] == "bytes" else d
        convs[key] = d
    return convs


def our_convs(path):
    r = subprocess.run([BIN, "flows", "--json", "--vxlan-port", "8472", path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    convs = {}
    for line in r.stdout.splitlines():
        f = json.loads(line)
        if f["proto"] not in ("tcp", "udp"):
            continue
        s = (f["src"], str(f["sport"]))
        d = (f["dst"], str(f["dport"]))
        key = (f["proto"],) + tuple(sorted([s, d]))
        o, rr = f["orig"], f["resp"]
        if key[1] == s:
            v = [[o["packets"], o["wire_bytes"]], [rr["packets"], rr["wire_bytes"]]]
        else:
            v = [[rr["packets"], rr["wire_bytes"]], [o["packets"], o["wire_bytes"]]]
        if key in convs:
            for i in range(2):
                for j in range(2):
                    convs[key][i][j] += v[i][j]
        else:
            convs[key] = v
    return convs, r.returncode


def bytes_ok(ours, n, unit):
    if unit == "bytes":
        return ours == n
    # tshark 4.0 prints whole kB/MB; accept either rounding or truncation of our count
    scale = UNIT[unit]
    return abs(ours - n * scale) < scale


def norm_addr(a):
    return a.strip("[]")


def main():
    known = {}
    kpath = os.path.join(os.path.dirname(os.path.abspath(__file__)), "conversations.known")
    if os.path.exists(kpath):
        for line in open(kpath):
            if line.strip() and not line.startswith("#"):
                f, why = line.rstrip("\n").split("\t", 1)
                known[f] = why
    files = []
    if len(sys.argv) > 1:  # explicit files (absolute or relative paths), no known list
        files = sys.argv[1:]
        known = {}
    else:
        for line in open(os.path.join(CAPS, "MANIFEST.tsv")):
            col = line.rstrip("\n").split("\t")
            if col[0] != "file":
                files.append(col[0])
    passed = failed = 0
    for rel in files:
        path = os.path.join(CAPS, rel)
        t = tshark_convs(path)
        o, rc = our_convs(path)
        t = {(k[0], (norm_addr(k[1][0]), k[1][1]), (norm_addr(k[2][0]), k[2][1])): v for k, v in t.items()}
        problems = []
        for k, tv in t.items():
            ov = o.get(k)
            if ov is None:
                problems.append("missing %s %s:%s <-> %s:%s" % (k[0], k[1][0], k[1][1], k[2][0], k[2][1]))
                continue
            for i in range(2):
                if ov[i][0] != tv[i][0] or not bytes_ok(ov[i][1], tv[i][1], tv[i][2]):
                    problems.append("%s %s:%s <-> %s:%s dir %d: ours %d frames %d bytes, tshark %d frames %d %s"
                                    % (k[0], k[1][0], k[1][1], k[2][0], k[2][1], i, ov[i][0], ov[i][1],
                                       tv[i][0], tv[i][1], tv[i][2]))
        for k in o:
            if k not in t:
                problems.append("extra %s %s:%s <-> %s:%s" % (k[0], k[1][0], k[1][1], k[2][0], k[2][1]))
        if not problems:
            print("ok    %s (%d conversations)" % (rel, len(t)))
            passed += 1
        elif rel in known:
            print("known %s: %s (%d differences)" % (rel, known[rel], len(problems)))
            passed += 1
        else:
            print("FAIL  %s: %d differences" % (rel, len(problems)))
            for p in problems[:8]:
                print("      " + p)
            failed += 1
    unused = [f for f in known if f not in files]
    for f in unused:
        print("FAIL  conversations.known names %s, which is not in the corpus" % f)
        failed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
