#!/usr/bin/env python3
"""dns_tc_retry.py - oracle test: DNS answers truncated over UDP (TC bit) and the clients'
retries of the same question over TCP (RFC 7766 section 5), vxscope against tshark.

For every capture in shared/captures/MANIFEST.tsv whose categories or description mention DNS,
tshark's own fields give (innermost addresses, so tunnels do not matter):
  - truncated UDP answers: dns.flags.response == 1 and dns.flags.truncated == 1 over UDP;
  - retries: a TCP query (dns.flags.response == 0) from that answer's client to its server
    for the same dns.qry.name (case-insensitive) and dns.qry.type, within 5 s after the
    truncated answer, each truncated answer matched once.
vxscope's figures are `vxscope analyze --json`'s application.dns.resolvers[] sums of
truncated_responses and truncated_retried_tcp.  They must be equal per capture, and at least one
capture must have a retry (else the test proves nothing).  Prints one line per capture and
"N passed, N failed".
"""
import json, os, subprocess, sys

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
caps = os.environ.get("VXS_CAPTURES", os.path.join(root, "..", "shared", "captures"))
vxs = os.environ.get("VXS_BIN", os.path.join(root, "build", "release", "vxscope"))

def last(v):
    return v.split(",")[-1] if v else ""

def oracle(path):
    fields = ["frame.time_epoch", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "udp.srcport",
              "tcp.srcport", "dns.flags.response", "dns.flags.truncated", "dns.qry.name",
              "dns.qry.type"]
    cmd = ["tshark", "-n", "-r", path, "-Y", "dns", "-T", "fields", "-E", "occurrence=a",
           "-E", "separator=\t"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    pending, tc, retried = [], 0, 0
    for line in out.splitlines():
        v = (line.split("\t") + [""] * len(fields))[:len(fields)]
        t, s4, d4, s6, d6, usp, tsp, resp, trunc, qn, qt = v
        src = last(s6) or last(s4)
        dst = last(d6) or last(d4)
        q = (last(qn).lower(), last(qt))
        if not q[0] or "," in resp:
            continue  # no question, or several DNS messages in one frame: ambiguous
        ts = float(t)
        if usp and resp == "1" and trunc in ("1", "True"):
            tc += 1
            pending.append([ts, dst, src, q, False])
        elif tsp and resp == "0":
            for p in pending:
                if not p[4] and p[1] == src and p[2] == dst and p[3] == q and 0 <= ts - p[0] <= 5:
                    p[4] = True
                    retried += 1
                    break
    return tc, retried

def ours(path):
    r = subprocess.run([vxs, "analyze", "--json", path], capture_output=True, text=True)
    if not r.stdout:
        return None
    d = json.loads(r.stdout)
    res = d.get("application", {}).get("dns", {}).get("resolvers", [])
    return (sum(x.get("truncated_responses", 0) for x in res),
            sum(x.get("truncated_retried_tcp", 0) for x in res))

def main():
    man = os.path.join(caps, "MANIFEST.tsv")
    rows = [l.rstrip("\n").split("\t") for l in open(man)][1:]
    npass = nfail = seen_retry = 0
    for row in rows:
        name, desc, cats = row[0], row[8], row[15]
        if "dns" not in (desc + " " + cats).lower():
            continue
        want = oracle(os.path.join(caps, name))
        got = ours(os.path.join(caps, name))
        ok = got == want
        seen_retry += want[1] > 0
        print("%s %s: tshark truncated %d retried %d; vxscope %s" %
              ("ok  " if ok else "FAIL", name, want[0], want[1],
               "unreadable" if got is None else "truncated %d retried %d" % got))
        npass += ok
        nfail += not ok
    if not seen_retry:
        print("FAIL: no capture has a truncated answer retried over TCP")
        nfail += 1
    print("%d passed, %d failed" % (npass, nfail))
    return 1 if nfail else 0

sys.exit(main())
