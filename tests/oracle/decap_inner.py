#!/usr/bin/env python3
"""Oracle: for every VXLAN/GENEVE packet of every capture, the inner addresses, ports and
protocol that `vxscope decap` writes equal tshark's innermost layer of the original.

vxscope decap writes one inner frame per input frame (pcapng); tshark reads the original and
our output.  For each frame that tshark calls vxlan or geneve in the original, the innermost IP
layer (addresses, protocol) and the transport ports that follow it must be the same in both.
This also proves tshark opens what decap writes, and that tcpdump reads every frame of it.
Prints one line per file and "N passed, N failed".
"""
import os
import subprocess
import sys
import tempfile

ROOT = os.environ.get("VXS_ROOT", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
CAPS = os.environ.get("VXS_CAPTURES", os.path.join(ROOT, "..", "shared", "captures"))
BIN = os.environ.get("VXS_BIN", os.path.join(ROOT, "build", "release", "vxscope"))
FIELDS = ["frame.number", "frame.protocols", "ip.src", "ip.dst", "ip.proto", "ipv6.src", "ipv6.dst",
          "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport"]


def tshark(path, extra):
    cmd = ["tshark", "-n", "-r", path, "-d", "udp.port==8472,vxlan", "-T", "fields", "-E", "occurrence=a",
           "-E", "aggregator=,"] + extra
    for f in FIELDS:
        cmd += ["-e", f]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return r.stdout, r.returncode, r.stderr


def innermost(line):
    """(frame, key) where key describes the innermost IP layer and its transport ports."""
    col = line.split("\t")
    col += [""] * (len(FIELDS) - len(col))
    frame, protos = col[0], col[1].split(":")
    vals = {f: (col[i].split(",") if col[i] else []) for i, f in enumerate(FIELDS)}
    # which IP version is the innermost, and how many of each came before it
    ip_layers = [p for p in protos if p in ("ip", "ipv6")]
    if not ip_layers:
        return frame, ("no-ip",)
    last = ip_layers[-1]
    last_ip_at = len(protos) - 1 - protos[::-1].index(last)
    tunnels = [i for i, p in enumerate(protos) if p in ("vxlan", "geneve")]
    if tunnels and last_ip_at < tunnels[-1]:
        return frame, ("no-ip",)  # nothing IP inside the tunnel (ARP, or a cut tunnel)
    # transport after the innermost IP layer
    tail = protos[len(protos) - 1 - protos[::-1].index(last):]
    l4 = next((p for p in tail if p in ("tcp", "udp")), None)
    def lastv(f):
        return vals[f][-1] if vals[f] else ""
    if last == "ip":
        key = ("ip", lastv("ip.src"), lastv("ip.dst"), lastv("ip.proto"))
    else:
        key = ("ipv6", lastv("ipv6.src"), lastv("ipv6.dst"))
    if l4:
        key += (l4, lastv(l4 + ".srcport"), lastv(l4 + ".dstport"))
    return frame, key


def main():
    files = sys.argv[1:] or [l.split("\t")[0] for l in open(os.path.join(CAPS, "MANIFEST.tsv")) if not l.startswith("file\t")]
    passed = failed = packets = 0
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "inner.pcapng")
        for rel in files:
            path = rel if os.path.isabs(rel) else os.path.join(CAPS, rel)
            want_txt, _, _ = tshark(path, ["-Y", "vxlan || geneve"])
            if not want_txt.strip():
                continue
            r = subprocess.run([BIN, "decap", "--vxlan-port", "8472", path, "-o", out],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            if r.returncode not in (0, 2):
                print("FAIL %s: decap exit %d: %s" % (rel, r.returncode, r.stderr.strip()[-200:]))
                failed += 1
                continue
            got_txt, rc, err = tshark(out, [])
            if rc != 0:
                print("FAIL %s: tshark cannot read our pcapng: %s" % (rel, err.strip()[-200:]))
                failed += 1
                continue
            n_orig = len(subprocess.run(["tshark", "-n", "-r", path], stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True).stdout.splitlines())
            copy = os.path.join(tmp, "copy.pcap")  # what tcpdump could read of ours, re-written
            subprocess.run(["tcpdump", "-n", "-r", out, "-w", copy], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            n_ours = len(subprocess.run(["tshark", "-n", "-r", copy], stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True).stdout.splitlines())
            if n_orig != n_ours:
                print("FAIL %s: tcpdump reads %d frames of our pcapng, tshark %d of the original" % (rel, n_ours, n_orig))
                failed += 1
                continue
            want = dict(innermost(l) for l in want_txt.splitlines() if l)
            got = dict(innermost(l) for l in got_txt.splitlines() if l)
            diffs = ["frame %s: tshark %s, ours %s" % (f, k, got.get(f)) for f, k in want.items() if got.get(f) != k]
            if diffs:
                print("FAIL %s: %d of %d tunnelled packets differ" % (rel, len(diffs), len(want)))
                for d in diffs[:5]:
                    print("     " + d)
                failed += 1
            else:
                print("ok   %s (%d tunnelled packets)" % (rel, len(want)))
                packets += len(want)
                passed += 1
    print("compared %d tunnelled packets" % packets)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
