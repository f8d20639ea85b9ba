#!/usr/bin/env python3
"""voip_call.py - a minimal SIP call with a G.711 RTP stream, as test traffic for vxscope.

Implements just enough of RFC 3261 (SIP over UDP: INVITE / 100 / 200 / ACK, BYE / 200), RFC 4566
(SDP offer/answer naming the RTP port) and RFC 3550 (RTP) for tshark and vxscope to recognise a
real call. Media: PCMU (RFC 3551 payload type 0), 8000 Hz, one packet every 20 ms, 160 payload
bytes, so 172 bytes of RTP per packet:

     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |V=2|P|X|  CC   |M|     PT      |       sequence number         |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                           timestamp                           |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |           synchronization source (SSRC) identifier            |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

Packets are sent on an absolute 20 ms schedule, so any jitter seen downstream comes from the
network, not from this sender. The IP TOS byte is left at 0 (DSCP 0, best effort) unless --dscp
says otherwise: that is the QoS mistake the seed example wants an audit to flag.

    voip_call.py uas --bind 10.99.2.2 [--rtp-port 40000]            # answers one call
    voip_call.py uac --bind 10.99.1.2 --to 10.99.2.2 --seconds 12   # places it

Each side prints a one-line summary (packets sent and received) on exit. Sequence numbers,
timestamps, SSRCs, tags and branches derive from --seed, so two runs send the same headers.
"""

import argparse
import math
import random
import select
import socket
import struct
import sys
import time

SIP_PORT = 5060
PTIME = 0.020
SAMPLES = 160


def ulaw(sample):
    """Encode one 16-bit linear PCM sample as G.711 mu-law (ITU-T G.711, 14-bit magnitude)."""
    val = sample >> 2
    mask = 0x7F if val < 0 else 0xFF
    val = min(-val if val < 0 else val, 8159) + 0x21
    seg = 0
    while seg < 8 and val >= (0x40 << seg):
        seg += 1
    if seg == 8:
        return 0x7F ^ mask
    return ((seg << 4) | ((val >> (seg + 1)) & 0x0F)) ^ mask


def tone_frames():
    """One second of a 440 Hz tone, cut into 50 payloads of 160 mu-law bytes."""
    pcm = [int(8000 * math.sin(2 * math.pi * 440 * i / 8000)) for i in range(8000)]
    data = bytes(ulaw(s) for s in pcm)
    return [data[i:i + SAMPLES] for i in range(0, 8000, SAMPLES)]


class Rtp:
    """One RTP sender/receiver on an even port (RTCP's odd port is not used)."""

    def __init__(self, bind, port, rng, dscp):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, dscp << 2)
        self.sock.bind((bind, port))
        self.seq = rng.randrange(0, 0x10000)
        self.ts = rng.randrange(0, 0x100000000)
        self.ssrc = rng.randrange(1, 0x100000000)
        self.sent = 0
        self.received = 0
        self.frames = tone_frames()

    def send(self, peer):
        marker = 0x80 if self.sent == 0 else 0
        hdr = struct.pack("!BBHII", 0x80, marker | 0, self.seq, self.ts, self.ssrc)
        self.sock.sendto(hdr + self.frames[self.sent % len(self.frames)], peer)
        self.seq = (self.seq + 1) & 0xFFFF
        self.ts = (self.ts + SAMPLES) & 0xFFFFFFFF
        self.sent += 1

    def drain(self):
        while True:
            try:
                data = self.sock.recv(2048, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return
            if len(data) >= 12 and data[0] >> 6 == 2:
                self.received += 1


def sdp(addr, port, sess_id):
    return ("v=0\r\n"
            f"o=vxscope {sess_id} {sess_id} IN IP4 {addr}\r\n"
            "s=vxscope test call\r\n"
            f"c=IN IP4 {addr}\r\n"
            "t=0 0\r\n"
            f"m=audio {port} RTP/AVP 0\r\n"
            "a=rtpmap:0 PCMU/8000\r\n"
            "a=ptime:20\r\n"
            "a=sendrecv\r\n")


def sip_msg(first_line, headers, body=""):
    lines = [first_line] + [f"{k}: {v}" for k, v in headers]
    if body:
        lines.append("Content-Type: application/sdp")
    lines.append(f"Content-Length: {len(body.encode())}")
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def parse_sip(data):
    """Return (first line, {lower-case header: value}, body) of a SIP message, or None."""
    try:
        text = data.decode("utf-8", "replace")
        head, _, body = text.partition("\r\n\r\n")
        lines = head.split("\r\n")
        hdrs = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            hdrs.setdefault(k.strip().lower(), v.strip())
        return lines[0], hdrs, body
    except (ValueError, IndexError):
        return None


def sdp_media(body):
    """(address, port) of the audio stream an SDP body offers."""
    addr, port = None, None
    for line in body.split("\r\n"):
        if line.startswith("c=IN IP4 "):
            addr = line.split()[2]
        elif line.startswith("m=audio "):
            port = int(line.split()[1])
    return (addr, port) if addr and port else None


def media_loop(rtp, peer, seconds, sip_sock, on_sip):
    """Send RTP every 20 ms on an absolute clock for `seconds` (or until on_sip says stop)."""
    start = time.monotonic()
    n = 0
    while seconds is None or n < int(seconds / PTIME):
        due = start + n * PTIME
        while True:
            wait = due - time.monotonic()
            if wait <= 0:
                break
            r, _, _ = select.select([rtp.sock, sip_sock], [], [], wait)
            if rtp.sock in r:
                rtp.drain()
            if sip_sock in r:
                data, src = sip_sock.recvfrom(4096)
                if on_sip(data, src):
                    return
        rtp.send(peer)
        n += 1


def uac(args, rng):
    me, to = args.bind, args.to
    tag, branch = f"{rng.getrandbits(32):08x}", f"z9hG4bK{rng.getrandbits(40):010x}"
    call_id = f"{rng.getrandbits(64):016x}@{me}"
    rtp = Rtp(me, args.rtp_port, rng, args.dscp)
    sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sip.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, args.dscp << 2)
    sip.bind((me, SIP_PORT))
    common = [("Max-Forwards", "70"), ("From", f"<sip:caller@{me}>;tag={tag}"),
              ("Call-ID", call_id)]
    invite = sip_msg(f"INVITE sip:callee@{to} SIP/2.0",
                     [("Via", f"SIP/2.0/UDP {me}:{SIP_PORT};branch={branch}")] + common +
                     [("To", f"<sip:callee@{to}>"), ("CSeq", "1 INVITE"),
                      ("Contact", f"<sip:caller@{me}:{SIP_PORT}>"),
                      ("User-Agent", "vxscope-voip-call")],
                     sdp(me, args.rtp_port, rng.randrange(1, 10**9)))
    answer = None
    for attempt in range(7):                         # RFC 3261 timer A: 0.5 s, doubling
        sip.sendto(invite, (to, SIP_PORT))
        deadline = time.monotonic() + 0.5 * (2 ** attempt)
        while answer is None and time.monotonic() < deadline:
            r, _, _ = select.select([sip], [], [], max(0, deadline - time.monotonic()))
            if not r:
                break
            msg = parse_sip(sip.recv(4096))
            if msg and msg[0].startswith("SIP/2.0 200"):
                answer = msg
        if answer:
            break
    if not answer:
        sys.exit("uac: no 200 OK to INVITE")
    to_hdr = answer[1].get("to", f"<sip:callee@{to}>")
    peer = sdp_media(answer[2])
    if not peer:
        sys.exit("uac: 200 OK without usable SDP")
    ack = sip_msg(f"ACK sip:callee@{to} SIP/2.0",
                  [("Via", f"SIP/2.0/UDP {me}:{SIP_PORT};branch={branch}ack")] + common +
                  [("To", to_hdr), ("CSeq", "1 ACK")])
    sip.sendto(ack, (to, SIP_PORT))
    media_loop(rtp, peer, args.seconds, sip, lambda d, s: False)
    bye = sip_msg(f"BYE sip:callee@{to} SIP/2.0",
                  [("Via", f"SIP/2.0/UDP {me}:{SIP_PORT};branch={branch}bye")] + common +
                  [("To", to_hdr), ("CSeq", "2 BYE")])
    for attempt in range(5):
        sip.sendto(bye, (to, SIP_PORT))
        r, _, _ = select.select([sip], [], [], 0.5 * (2 ** attempt))
        if r and (parse_sip(sip.recv(4096)) or ("",))[0].startswith("SIP/2.0 200"):
            break
    rtp.drain()
    print(f"uac: rtp sent {rtp.sent} received {rtp.received}")


def reply(req, status, to_tag, body=""):
    _, hdrs, _ = req
    to_hdr = hdrs.get("to", "")
    if "tag=" not in to_hdr:
        to_hdr += f";tag={to_tag}"
    keep = [("Via", hdrs.get("via", "")), ("From", hdrs.get("from", "")), ("To", to_hdr),
            ("Call-ID", hdrs.get("call-id", "")), ("CSeq", hdrs.get("cseq", ""))]
    return sip_msg(f"SIP/2.0 {status}", keep + [("Server", "vxscope-voip-call")], body)


def uas(args, rng):
    me = args.bind
    to_tag = f"{rng.getrandbits(32):08x}"
    rtp = Rtp(me, args.rtp_port, rng, args.dscp)
    sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sip.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, args.dscp << 2)
    sip.bind((me, SIP_PORT))
    sip.settimeout(args.wait)
    try:
        while True:
            data, src = sip.recvfrom(4096)
            req = parse_sip(data)
            if req and req[0].startswith("INVITE "):
                break
    except socket.timeout:
        sys.exit("uas: no INVITE")
    peer = sdp_media(req[2])
    if not peer:
        sys.exit("uas: INVITE without usable SDP")
    sip.sendto(reply(req, "100 Trying", to_tag), src)
    ok = reply(req, "200 OK", to_tag, sdp(me, args.rtp_port, rng.randrange(1, 10**9)))
    sip.sendto(ok, src)
    sip.settimeout(None)

    def on_sip(data, frm):
        msg = parse_sip(data)
        if not msg:
            return False
        if msg[0].startswith("INVITE "):              # our 200 was lost: send it again
            sip.sendto(ok, frm)
        elif msg[0].startswith("BYE "):
            sip.sendto(reply(msg, "200 OK", to_tag), frm)
            return True
        return False

    media_loop(rtp, peer, args.seconds, sip, on_sip)
    rtp.drain()
    print(f"uas: rtp sent {rtp.sent} received {rtp.received}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("role", choices=["uac", "uas"])
    ap.add_argument("--bind", required=True, help="local IPv4 address")
    ap.add_argument("--to", help="callee IPv4 address (uac)")
    ap.add_argument("--rtp-port", type=int, default=40000, help="even local RTP port")
    ap.add_argument("--seconds", type=float, default=None,
                    help="call length (uac; the uas talks until BYE, or this long)")
    ap.add_argument("--wait", type=float, default=30, help="uas: seconds to wait for INVITE")
    ap.add_argument("--dscp", type=int, default=0, help="DSCP of SIP and RTP (default 0)")
    ap.add_argument("--seed", type=int, default=4242)
    args = ap.parse_args()
    if args.rtp_port % 2:
        ap.error("RTP port must be even (RFC 3550)")
    rng = random.Random(f"{args.seed}-{args.role}")
    if args.role == "uac":
        if not args.to or args.seconds is None:
            ap.error("uac needs --to and --seconds")
        uac(args, rng)
    else:
        uas(args, rng)


if __name__ == "__main__":
    main()
