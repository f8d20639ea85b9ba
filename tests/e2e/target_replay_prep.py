#!/usr/bin/env python3
"""target_replay_prep.py - make a tcpreplay input aimed at a `vxscope target` from mirror captures.

  target_replay_prep.py IN.pcap OUT.pcap DST_MAC SRC_MAC DST_IP [MAX_FRAME]

IN is a classic pcap of Ethernet frames (mergecap -F pcap of the captures).  Keeps the frames a
kernel delivers to a UDP socket as they are -- untagged Ethernet, IPv4 (RFC 791) without
options problems or fragmentation, a unicast non-martian source, UDP (RFC 768) to 4789 (VXLAN)
or 6081 (GENEVE) whose lengths agree with the frame, captured whole, at most MAX_FRAME bytes
(default 9014) -- and rewrites their outer header so they reach the target:

  Ethernet: dst = DST_MAC, src = SRC_MAC
  IPv4:     dst = DST_IP, header checksum recomputed (the outer source is kept: it names the
            mirror session)
  UDP:      checksum 0 (none, as AWS sends it); the payload is untouched

Prints on stdout: "kept N" and per reason how many were skipped.
"""
import struct
import sys
from collections import Counter


def csum(b):
    s = 0
    for i in range(0, len(b), 2):
        s += (b[i] << 8) + (b[i + 1] if i + 1 < len(b) else 0)
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def martian(a):
    return a[0] in (0, 127) or a[0] >= 224


def main():
    if len(sys.argv) not in (6, 7):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    src, dst = sys.argv[1], sys.argv[2]
    dmac = bytes.fromhex(sys.argv[3].replace(":", ""))
    smac = bytes.fromhex(sys.argv[4].replace(":", ""))
    dip = bytes(int(x) for x in sys.argv[5].split("."))
    max_frame = int(sys.argv[6]) if len(sys.argv) == 7 else 9014
    data = open(src, "rb").read()
    if len(data) < 24:
        sys.exit("%s: not a pcap file" % src)
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        e = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        e = ">"
    else:
        sys.exit("%s: not a classic pcap (magic %#x)" % (src, magic))
    if struct.unpack(e + "I", data[20:24])[0] != 1:
        sys.exit("%s: not Ethernet" % src)
    out = [data[:24]]
    why = Counter()
    off = 24
    while off + 16 <= len(data):
        ts1, ts2, cap, orig = struct.unpack(e + "IIII", data[off:off + 16])
        frame = bytearray(data[off + 16:off + 16 + cap])
        off += 16 + cap
        if len(frame) != cap:
            why["cut at end of file"] += 1
            break
        if cap != orig:
            why["captured partly"] += 1
            continue
        if cap > max_frame:
            why["larger than %d bytes" % max_frame] += 1
            continue
        if cap < 14 + 20 + 8 or frame[12:14] != b"\x08\x00":
            why["not untagged IPv4"] += 1
            continue
        ihl = (frame[14] & 0x0F) * 4
        tot = struct.unpack(">H", frame[16:18])[0]
        if frame[14] >> 4 != 4 or ihl < 20 or tot < ihl + 8 or 14 + tot > cap:
            why["bad IPv4 lengths"] += 1
            continue
        if struct.unpack(">H", frame[20:22])[0] & 0x3FFF:
            why["IPv4 fragment"] += 1
            continue
        if frame[23] != 17:
            why["not UDP"] += 1
            continue
        u = 14 + ihl
        dport, ulen = struct.unpack(">HH", frame[u + 2:u + 6])
        if dport not in (4789, 6081):
            why["not to 4789/6081"] += 1
            continue
        if ulen != tot - ihl:
            why["UDP length != IP payload"] += 1
            continue
        if martian(frame[26:30]):
            why["martian source"] += 1
            continue
        frame = frame[:14 + tot]  # drop Ethernet padding
        frame[0:6] = dmac
        frame[6:12] = smac
        frame[30:34] = dip
        frame[24:26] = b"\x00\x00"
        frame[24:26] = struct.pack(">H", csum(bytes(frame[14:14 + ihl])))
        frame[u + 6:u + 8] = b"\x00\x00"
        out.append(struct.pack(e + "IIII", ts1, ts2, len(frame), len(frame)) + bytes(frame))
        why["kept"] += 1
    open(dst, "wb").write(b"".join(out))
    print("kept %d" % why.pop("kept", 0))
    for k, v in sorted(why.items()):
        print("skipped %d: %s" % (v, k))


if __name__ == "__main__":
    main()
