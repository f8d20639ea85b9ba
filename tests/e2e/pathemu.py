#!/usr/bin/env python3
"""pathemu.py - a userspace path emulator for end-to-end tests (delay, jitter, reorder, dup, loss).

The test bed's kernel has no netem (shared TESTBED.md), so this stands in for it.  It is test
infrastructure: simple and predictable before fast.

Design: a "bump in the wire" between two interfaces A and B of one namespace (the caller turns
the kernel's own forwarding off there and gives the interfaces no addresses, so only this
program moves frames).  One AF_PACKET raw socket is bound to each interface (ETH_P_ALL); every
frame that arrives on A is held, then written unchanged out of B, and the other way round.
Frames the program itself sends are seen again by its own sockets as PACKET_OUTGOING and are
ignored.  Nothing is rewritten (MACs, TTL, checksums stay as sent), so the two sides must be
one L2 segment: ARP and everything else pass through like through a cable.  Turn offloads off
on both interfaces (tests/e2e/lib.sh does) or the sockets see 64 KB super-frames with partial
checksums.

Per direction (a->b and b->a), each arriving frame goes through, in this order:

    loss     with probability LOSS the frame is dropped
    delay    it is held DELAY ms, plus a jitter drawn uniformly from [-JITTER, +JITTER] ms
             (never below zero); jitter alone never reorders: a frame leaves no earlier than
             the frame before it (FIFO), like a link whose queueing delay varies
    reorder  with probability REORDER the frame is held REORDER_GAP ms more and leaves the
             FIFO order, so the frames that arrive within that gap overtake it
    dup      with probability DUP a second copy leaves right after the first

Each direction draws from its own random.Random seeded from --seed, so a run is repeatable for
a given sequence of frames.  The frames held are bounded (--queue per direction; a frame
arriving at a full queue is dropped and counted).  The program exits by itself after
--timeout seconds, and on SIGTERM or SIGINT; held frames are then discarded.  It prints
"pathemu: ready" on stderr once both sockets are bound, and one JSON line of counters on
exit (to --stats FILE as well when given): per direction rx, lost, queue_drops, reordered,
duplicated, tx, tx_errors, the kernel's socket drops (PACKET_STATISTICS), max_held, and two
health figures: max_rx_wait_ms, the longest a frame sat in the socket before it was read, and
max_tx_late_ms, the longest a frame left after its release time.  The delay counts from the
kernel's receive timestamp (SO_TIMESTAMPNS), so a busy moment of this program shortens the
hold instead of adding to it; either figure well above a millisecond says the emulator, not
the configured path, was the bottleneck.

    pathemu.py --if-a e0 --if-b e1 --delay 40 --jitter 2 --loss-ba 0.01 --seed 7 --timeout 60

Stdlib only; Linux only.  Measured here (2 busy cores): a 4 MB TCP download in 0.4-1 s (30-80
Mbit/s) with no socket drops; a burst faster than that waits in the 8 MB socket buffer
(max_rx_wait_ms tells how long), which acts like the queue of a bottleneck link.
"""

import argparse
import heapq
import json
import random
import select
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
SO_TIMESTAMPNS = 35   # also the cmsg type (SCM_TIMESTAMPNS)
SO_RCVBUFFORCE = 33
SOL_PACKET = 263
PACKET_STATISTICS = 6
PACKET_IGNORE_OUTGOING = 23
PACKET_OUTGOING = 4
MAX_FRAME = 65536
BATCH = 64            # frames read from one socket before the due queue is looked at again
IDLE_WAIT = 0.2       # longest poll wait, so timeout and signals are noticed promptly

PARAMS = (
    ("delay", float, 0.0, "fixed one-way delay, ms"),
    ("jitter", float, 0.0, "uniform jitter +-ms added to the delay (FIFO kept)"),
    ("reorder", float, 0.0, "probability a frame is held back and overtaken"),
    ("reorder_gap", float, 5.0, "extra hold for a reordered frame, ms"),
    ("dup", float, 0.0, "probability a frame is sent twice"),
    ("loss", float, 0.0, "probability a frame is dropped"),
)


class Direction:
    """One way through the emulator: its settings, random stream, counters."""

    def __init__(self, name, cfg, seed, queue_max):
        self.name = name
        self.cfg = cfg
        self.rng = random.Random("pathemu-%s-%s" % (seed, name))
        self.queue_max = queue_max
        self.held = 0
        self.last_release = 0.0
        self.c = dict(rx=0, lost=0, queue_drops=0, reordered=0, duplicated=0, tx=0,
                      tx_errors=0, sock_drops=0, max_held=0, max_rx_wait_ms=0.0,
                      max_tx_late_ms=0.0)

    def schedule(self, now):
        """Release times for a frame that arrived at `now` (empty list: dropped)."""
        cfg, rng = self.cfg, self.rng
        self.c["rx"] += 1
        # Draw every number for every surviving frame so the stream stays aligned.
        if rng.random() < cfg["loss"]:
            self.c["lost"] += 1
            return []
        jit = rng.uniform(-cfg["jitter"], cfg["jitter"]) if cfg["jitter"] > 0 else 0.0
        reorder = rng.random() < cfg["reorder"]
        dup = rng.random() < cfg["dup"]
        copies = 2 if dup else 1
        if self.held + copies > self.queue_max:
            self.c["queue_drops"] += 1
            return []
        t = now + max(0.0, cfg["delay"] + jit) / 1000.0
        if reorder:
            self.c["reordered"] += 1
            t += cfg["reorder_gap"] / 1000.0
        else:
            t = max(t, self.last_release)
            self.last_release = t
        if dup:
            self.c["duplicated"] += 1
        self.held += copies
        self.c["max_held"] = max(self.c["max_held"], self.held)
        return [t] * copies


def sock_for(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    try:
        s.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
    except OSError:
        pass  # older kernels: the pkttype check below does the same
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    for opt in (SO_RCVBUFFORCE, socket.SO_RCVBUF):  # FORCE needs CAP_NET_ADMIN
        try:
            s.setsockopt(socket.SOL_SOCKET, opt, 8 << 20)
            break
        except OSError:
            continue
    s.bind((ifname, ETH_P_ALL))
    s.setblocking(False)
    return s


def arrival(anc):
    """The frame's arrival time on the monotonic clock: the kernel's receive timestamp, so the
    delay counts from when the frame reached the interface, not from when we got to it."""
    now = time.monotonic()
    for level, typ, data in anc:
        if level == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS and len(data) >= 16:
            sec, nsec = struct.unpack("qq", data[:16])
            t = now - (time.time() - (sec + nsec / 1e9))
            return min(t, now), now
    return now, now


def sock_drops(s):
    try:
        _, drops = struct.unpack("II", s.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8))
        return drops
    except OSError:
        return 0


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--if-a", required=True, help="interface A")
    p.add_argument("--if-b", required=True, help="interface B")
    for name, typ, default, text in PARAMS:
        opt = name.replace("_", "-")
        p.add_argument("--" + opt, type=typ, default=default, help=text + " (both ways)")
        p.add_argument("--%s-ab" % opt, type=typ, default=None, help="a->b only")
        p.add_argument("--%s-ba" % opt, type=typ, default=None, help="b->a only")
    p.add_argument("--seed", default="1", help="random seed (default 1)")
    p.add_argument("--queue", type=int, default=4096, help="frames held per direction")
    p.add_argument("--timeout", type=float, required=True, help="exit after this many s")
    p.add_argument("--stats", help="also write the exit counters to this file")
    a = p.parse_args(argv)
    cfgs = {}
    for d in ("ab", "ba"):
        cfg = {}
        for name, _, _, _ in PARAMS:
            v = getattr(a, "%s_%s" % (name, d))
            cfg[name] = getattr(a, name) if v is None else v
        for prob in ("reorder", "dup", "loss"):
            if not 0.0 <= cfg[prob] <= 1.0:
                p.error("%s must be a probability" % prob)
        for ms in ("delay", "jitter", "reorder_gap"):
            if cfg[ms] < 0:
                p.error("%s must not be negative" % ms)
        cfgs[d] = cfg
    if a.queue < 1 or a.timeout <= 0:
        p.error("--queue and --timeout must be positive")
    return a, cfgs


def main(argv):
    args, cfgs = parse_args(argv)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))

    sa, sb = sock_for(args.if_a), sock_for(args.if_b)
    dirs = {"ab": Direction("ab", cfgs["ab"], args.seed, args.queue),
            "ba": Direction("ba", cfgs["ba"], args.seed, args.queue)}
    # fd -> (socket to read, socket to write, direction)
    route = {sa.fileno(): (sa, sb, dirs["ab"]), sb.fileno(): (sb, sa, dirs["ba"])}
    poller = select.poll()
    poller.register(sa, select.POLLIN)
    poller.register(sb, select.POLLIN)

    heap = []     # (release time, sequence, direction, output socket, frame)
    seq = 0
    deadline = time.monotonic() + args.timeout
    print("pathemu: ready (%s <-> %s) %s" % (args.if_a, args.if_b, json.dumps(cfgs)),
          file=sys.stderr, flush=True)

    while not stop:
        now = time.monotonic()
        if now >= deadline:
            break
        while heap and heap[0][0] <= now:
            t, _, d, out, frame = heapq.heappop(heap)
            d.held -= 1
            d.c["max_tx_late_ms"] = max(d.c["max_tx_late_ms"], (now - t) * 1000.0)
            try:
                out.send(frame)
                d.c["tx"] += 1
            except OSError:
                d.c["tx_errors"] += 1
        wait = min(IDLE_WAIT, deadline - now)
        if heap:
            wait = min(wait, heap[0][0] - now)
        try:
            events = poller.poll(max(0, int(wait * 1000)))
        except InterruptedError:
            continue
        for fd, _ in events:
            src, out, d = route[fd]
            for _ in range(BATCH):
                try:
                    frame, anc, _, addr = src.recvmsg(MAX_FRAME, socket.CMSG_SPACE(16))
                except (BlockingIOError, InterruptedError):
                    break
                if addr[2] == PACKET_OUTGOING:
                    continue
                t_arrive, t_read = arrival(anc)
                d.c["max_rx_wait_ms"] = max(d.c["max_rx_wait_ms"], (t_read - t_arrive) * 1e3)
                for t in d.schedule(t_arrive):
                    seq += 1
                    heapq.heappush(heap, (t, seq, d, out, frame))

    for name, sock in (("ab", sa), ("ba", sb)):
        c = dirs[name].c
        c["sock_drops"] = sock_drops(sock)
        for k in ("max_rx_wait_ms", "max_tx_late_ms"):
            c[k] = round(c[k], 3)
    stats = {"pathemu": {d: dirs[d].c for d in ("ab", "ba")}, "held_at_exit": len(heap),
             "reason": "signal" if stop else "timeout"}
    line = json.dumps(stats, sort_keys=True)
    print(line, file=sys.stderr, flush=True)
    if args.stats:
        with open(args.stats, "w") as f:
            f.write(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
