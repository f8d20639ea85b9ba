#!/usr/bin/env python3
"""target_rx_seeds.py - write the seed corpus of fuzz_target_rx (tests/fuzz/corpus/target_rx/).

  tests/fuzz/target_rx_seeds.py CAPTURES_DIR OUT_DIR

Seeds, in fuzz_target_rx.c's record format ([flags][len hi][len lo][payload]...):
  - cap-<name>: the UDP payloads to 4789/6081 of one VXLAN/GENEVE capture of MANIFEST.tsv (up to
    32, in order, as a mirror session delivers them; flags: GENEVE socket for port 6081);
  - hostile-<what>: the cases of tests/e2e/target_hostile.py (truncated headers, bad VXLAN
    flags, GENEVE versions and giant options, refused source and VNI, a 65000-byte datagram).
"""
import os
import struct
import subprocess
import sys
import tempfile

MAX_RECORDS = 32


def rec(flags, payload):
    return bytes([flags]) + struct.pack(">H", len(payload)) + payload


def udp_payloads(path):
    """(dport, payload) of IPv4/UDP frames to 4789/6081 in an Ethernet capture."""
    with tempfile.NamedTemporaryFile(suffix=".pcap") as t:
        subprocess.run(["editcap", "-F", "pcap", path, t.name], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        data = open(t.name, "rb").read()
    e = "<" if struct.unpack("<I", data[:4])[0] in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    if struct.unpack(e + "I", data[20:24])[0] != 1:
        return []
    out, off = [], 24
    while off + 16 <= len(data):
        cap = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        f = data[off + 16:off + 16 + cap]
        off += 16 + cap
        if len(f) < 42 or f[12:14] != b"\x08\x00" or f[23] != 17:
            continue
        ihl = (f[14] & 15) * 4
        u = 14 + ihl
        if len(f) < u + 8:
            continue
        dport, ulen = struct.unpack(">HH", f[u + 2:u + 6])
        if dport in (4789, 6081):
            out.append((dport, f[u + 8:u + max(ulen, 8)]))
    return out


def vxlan(flags, vni, body=b""):
    return struct.pack(">B3s3sB", flags, b"\0\0\0", vni.to_bytes(3, "big"), 0) + body


def geneve(ver, words, vni, body=b"", opts=b"", proto=0x6558):
    return struct.pack(">BBH3sB", ver << 6 | words, 0, proto, vni.to_bytes(3, "big"), 0) + \
        opts + body


def main():
    caps, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    n = 0
    for line in open(os.path.join(caps, "MANIFEST.tsv")).read().splitlines()[1:]:
        f = line.split("\t")
        if not any(t in f[15].split(",") for t in ("vxlan", "geneve")) or f[7] != "ether":
            continue
        ps = udp_payloads(os.path.join(caps, f[0]))[:MAX_RECORDS]
        if not ps:
            continue
        blob = b"".join(rec(1 if port == 6081 else 0, p) for port, p in ps)
        name = "cap-" + f[0].replace("/", "_").rsplit(".", 1)[0]
        open(os.path.join(out, name), "wb").write(blob)
        n += 1
    eth = bytes(12) + b"\x08\x00"
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 28, 1, 0, 64, 17, 0, b"\x0a\0\0\x01", b"\x0a\0\0\x02")
    inner = eth + ip + struct.pack(">HHHH", 1000, 53, 8, 0)
    opts = b"".join(struct.pack(">HBB", 0x0108 + i, 0x80 | i, 0) for i in range(63))
    hostile = {
        "truncated": b"".join(rec(0, vxlan(8, 1)[:k]) + rec(1, geneve(0, 0, 1)[:k])
                              for k in range(8)),
        "vxlan-flags": b"".join(rec(0, vxlan(fl, 7, inner)) for fl in (0, 0xF7, 0xFF, 0x88)),
        "geneve-versions": b"".join(rec(1, geneve(v, 0, 7, inner)) for v in range(4)),
        "geneve-giant-options": rec(1, geneve(0, 63, 8, inner, opts)) +
        rec(1, geneve(0, 63, 8, b"", opts[:100])) +
        rec(1, geneve(0, 1, 9, inner, struct.pack(">HBB", 1, 2, 31))),
        "geneve-protocols": b"".join(rec(1, geneve(0, 0, 10, inner, proto=p))
                                     for p in (0x0800, 0x86DD, 0x1234, 0x6558)),
        "refused": rec(2 | 4, vxlan(8, 5, inner)) + rec(4, vxlan(8, 5000, inner)) +
        rec(4, vxlan(8, 5, inner)),
        "giant": rec(0, vxlan(8, 12, inner + bytes(65000 - 8 - len(inner)))),
    }
    for k, v in hostile.items():
        open(os.path.join(out, "hostile-" + k), "wb").write(v)
    print("wrote %d capture seeds and %d hostile seeds to %s" % (n, len(hostile), out))


if __name__ == "__main__":
    main()
