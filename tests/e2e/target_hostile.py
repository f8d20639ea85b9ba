#!/usr/bin/env python3
"""target_hostile.py - hostile datagrams for a `vxscope target`, with the counters they must move.

  target_hostile.py TARGET_IP GOOD_SRC BAD_SRC MAX_VNI SEED OUT.json

Sends, from GOOD_SRC (admitted) unless said otherwise, to TARGET_IP ports 4789 (VXLAN, RFC 7348)
and 6081 (GENEVE, RFC 8926):
  - random bytes, 0-1500 long, to both ports;
  - truncated VXLAN/GENEVE headers (0-7 bytes);
  - VXLAN with bad flags: I flag clear (0x00, 0xf7), and every reserved bit set with I (0xff);
  - GENEVE with version 1-3; with the largest option length (63 words = 252 bytes), present
    and cut short; with options of every class and critical bit;
  - jumbo datagrams (9000 bytes) and giant ones (65000 bytes, past the receive buffer);
  - well-formed VXLAN with a VNI above MAX_VNI (refused by --allow-vni 0-MAX_VNI);
  - a flood of well-formed VXLAN from BAD_SRC (refused by --allow-cidr).
Writes what the target must count (docs/target.md: malformed = shorter than 8 bytes, VXLAN
without the I flag, GENEVE version != 0 or options past the end; refused by source first, then
VNI, for well-formed headers) to OUT.json: {"sent":N,"malformed":N,"refused_cidr":N,
"refused_vni":N,"accepted":N,"truncated_min":N}.
"""
import json
import random
import socket
import struct
import sys
import time


def verdict(payload, geneve, max_vni):
    """'malformed', 'vni' or 'ok' for a datagram from an admitted source."""
    if len(payload) < 8:
        return "malformed"
    b0 = payload[0]
    vni = (payload[4] << 16) | (payload[5] << 8) | payload[6]
    if not geneve:
        if not b0 & 0x08:
            return "malformed"
    else:
        if b0 >> 6:
            return "malformed"
        if (b0 & 0x3F) * 4 > len(payload) - 8:
            return "malformed"
    return "vni" if vni > max_vni else "ok"


def inner_frame(rng, n=60):
    # Ethernet + IPv4 + UDP with random content: the pipeline must digest whatever follows
    eth = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00"
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + 8 + n, rng.randrange(65536), 0, 64, 17, 0,
                     bytes([10, 1, 0, rng.randrange(1, 255)]), bytes([10, 2, 0, 1]))
    udp = struct.pack(">HHHH", rng.randrange(1024, 65536), 53, 8 + n, 0)
    return eth + ip + udp + rng.randbytes(n)


def vxlan(flags, vni, body):
    return struct.pack(">B3s3sB", flags, b"\0\0\0", vni.to_bytes(3, "big"), 0) + body


def geneve(ver, optwords, vni, body, proto=0x6558, opts=None):
    h = struct.pack(">BBH3sB", (ver << 6) | optwords, 0, proto, vni.to_bytes(3, "big"), 0)
    return h + (opts if opts is not None else b"") + body


def main():
    tip, good, bad, max_vni, seed, out = sys.argv[1:7]
    max_vni = int(max_vni)
    rng = random.Random(int(seed))
    want = {"sent": 0, "malformed": 0, "refused_cidr": 0, "refused_vni": 0, "accepted": 0,
            "truncated_min": 0}
    sg = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sg.bind((good, 0))
    sb = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sb.bind((bad, 0))

    def send(payload, port, sock=sg):
        geneve_port = port == 6081
        sock.sendto(payload, (tip, port))
        want["sent"] += 1
        v = verdict(payload, geneve_port, max_vni)
        if v == "malformed":
            want["malformed"] += 1
        elif sock is sb:
            want["refused_cidr"] += 1
        elif v == "vni":
            want["refused_vni"] += 1
        else:
            want["accepted"] += 1
            if len(payload) > 9216:
                want["truncated_min"] += 1
        if want["sent"] % 200 == 0:
            time.sleep(0.002)  # do not overrun the socket: every datagram must be counted

    for _ in range(400):                                     # random bytes
        n = rng.randrange(0, 1501)
        send(rng.randbytes(n), rng.choice((4789, 6081)))
    for n in range(8):                                        # truncated headers
        send(vxlan(0x08, 42, b"")[:n], 4789)
        send(geneve(0, 0, 42, b"")[:n], 6081)
    for flags in (0x00, 0xF7, 0xFF, 0x08 | 0x80, 0x0C):       # bad / odd VXLAN flags
        send(vxlan(flags, 7, inner_frame(rng)), 4789)
    for ver in (1, 2, 3):                                     # GENEVE versions
        send(geneve(ver, 0, 7, inner_frame(rng)), 6081)
    # 63 empty options of assorted classes and types (critical bit set) = 252 bytes
    big_opts = b"".join(struct.pack(">HBB", 0x0108 + i, 0x80 | i, 0) for i in range(63))
    send(geneve(0, 63, 8, inner_frame(rng), opts=big_opts), 6081)
    send(geneve(0, 63, 8, b"", opts=big_opts[:100]), 6081)    # options past the end
    opt = struct.pack(">HBB", 0xFFFF, 0xFF, 31) + bytes(124)  # one option claiming 124 bytes
    send(geneve(0, 32, 9, inner_frame(rng), opts=opt), 6081)
    send(geneve(0, 1, 9, inner_frame(rng), opts=struct.pack(">HBB", 1, 2, 31)), 6081)
    for proto in (0x0800, 0x86DD, 0x1234, 0x6558):            # odd GENEVE payload types
        send(geneve(0, 0, 10, inner_frame(rng), proto=proto), 6081)
    send(vxlan(0x08, 11, inner_frame(rng, 9000 - 8 - 14 - 28)), 4789)      # jumbo
    send(vxlan(0x08, 12, inner_frame(rng, 65000 - 8 - 14 - 28)), 4789)     # giant
    send(geneve(0, 0, 12, inner_frame(rng, 65000 - 8 - 14 - 28)), 6081)
    for _ in range(200):                                      # refused VNI
        send(vxlan(0x08, rng.randrange(max_vni + 1, 1 << 24), inner_frame(rng)), 4789)
    for _ in range(5000):                                     # flood from a refused source
        send(vxlan(0x08, rng.randrange(0, max_vni + 1), inner_frame(rng)), 4789, sb)
    json.dump(want, open(out, "w"))
    print(json.dumps(want))


if __name__ == "__main__":
    main()
