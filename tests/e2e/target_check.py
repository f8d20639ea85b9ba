#!/usr/bin/env python3
"""target_check.py - checks for the `vxscope target` end-to-end tests (tests/e2e/test_target_*.sh).

Contract checked: docs/target.md (counters, --stats JSON, archive layout, /metrics).

  target_check.py stats STATS.json --sent N [--archive] [--expect-refused] [--expect-malformed]
      the accounting identity, exactly:
        sent          = rx_datagrams + socket_drops
        rx_datagrams  = processed + refused_cidr + refused_vni + malformed + queue_drops
        processed     = archived + archive_lost                      (with --archive)
      so sent = archived + every counted drop.
  target_check.py archive DIR [--expect N] [--allow-part N]
      every finished DIR/<session>/vxscope-<session>-<UTC>.pcapng reads in capinfos and tshark
      without error, every frame decodes as VXLAN or GENEVE on its session's interface, the frame
      counts add up to N; .part files: at most N per session (default 0) and, if any, only the
      newest file of its session.  Prints the total frame count.
  target_check.py same-decode ARCHIVE.pcapng CAPTURE.pcap
      tshark decodes the (merged) archive exactly as a capture of what arrived: per frame the
      lengths, the protocol stack, malformed marks, addresses, ports, VNIs, TCP fields
      (compared as sorted lists: frame order may differ).
  target_check.py flows LIVE.jsonl OFFLINE.jsonl [--exact | --counts]
      the live flow records equal the offline ones: --exact every field except flow_id and
      first_frame (frame numbers depend on file order); --counts the flow keys and the
      packet/byte/flag/state fields only (for a capture taken elsewhere: its time stamps and
      link layer differ).
  target_check.py findings LIVE.jsonl OFFLINE.json [--exact | --kinds] [--any-flow-id]
                   [--other-tap]
      the live findings equal `vxscope analyze --json`'s findings array: --exact all fields but
      evidence.frames; --kinds (kind, where) pairs; --any-flow-id: "flow N" in where may
      differ (several workers number flows each on their own); --other-tap: OFFLINE comes from
      a capture taken at another tap (tcpdump on the interface, not the target's socket), so
      findings that depend on how the two directions interleave are left out on both sides:
      with datagrams processed on two CPUs at once, the packet tap and the socket queue can
      order a segment and the ACK for it differently (mirror.capture_loss: "ACKed unseen").
  target_check.py metrics FILE|URL [--expect NAME[{LABELS}]>=VALUE]...
      parses Prometheus text format (0.0.4) strictly and prints the samples as JSON; each
      --expect must hold (>=, ==, >).
Exit 0 when every check holds, 1 otherwise (the reason on stderr).
"""
import glob
import json
import os
import re
import subprocess
import sys
import urllib.request


def fail(msg):
    print("target_check: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def ok(msg):
    print("target_check: ok: " + msg)


# ---- stats -----------------------------------------------------------------------------------
def cmd_stats(args):
    path = args[0]
    sent = None
    archive = "--archive" in args
    if "--sent" in args:
        sent = int(args[args.index("--sent") + 1])
    try:
        s = json.load(open(path))
    except (OSError, ValueError) as e:
        fail("%s: not a JSON stats file: %s" % (path, e))
    need = ["rx_datagrams", "socket_drops", "queue_drops", "refused_cidr", "refused_vni",
            "malformed", "processed", "archived", "archive_lost"]
    missing = [k for k in need if not isinstance(s.get(k), int)]
    if missing:
        fail("%s: missing counters %s" % (path, missing))
    rx = s["rx_datagrams"]
    drops = s["socket_drops"]
    refused = s["refused_cidr"] + s["refused_vni"]
    bad = []
    if rx != s["processed"] + refused + s["malformed"] + s["queue_drops"]:
        bad.append("rx_datagrams %d != processed %d + refused %d + malformed %d + queue_drops %d"
                   % (rx, s["processed"], refused, s["malformed"], s["queue_drops"]))
    if archive and s["processed"] != s["archived"] + s["archive_lost"]:
        bad.append("processed %d != archived %d + archive_lost %d"
                   % (s["processed"], s["archived"], s["archive_lost"]))
    if sent is not None and sent != rx + drops:
        bad.append("sent %d != rx_datagrams %d + socket_drops %d (unaccounted %d)"
                   % (sent, rx, drops, sent - rx - drops))
    if "--expect-refused" in args and refused == 0:
        bad.append("expected refused datagrams, counted none")
    if "--expect-malformed" in args and s["malformed"] == 0:
        bad.append("expected malformed datagrams, counted none")
    if bad:
        fail("; ".join(bad) + " -- stats: " + json.dumps(s))
    ok("sent %s = archived %d + socket_drops %d + queue_drops %d + refused %d + malformed %d"
       " + archive_lost %d" % (sent if sent is not None else "?", s["archived"], drops,
                               s["queue_drops"], refused, s["malformed"], s["archive_lost"]))


# ---- archive ---------------------------------------------------------------------------------
NAME_RE = re.compile(r"^vxscope-(.+)-(\d{8}T\d{6}Z)(?:-\d+)?\.pcapng(\.part)?$")


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return p.returncode, p.stdout, p.stderr


def tshark_errors(err):
    return "\n".join(l for l in err.splitlines()
                     if l.strip() and not l.startswith("Running as user"))


def capinfos_counts(files):
    """{file: packets} from capinfos, in batches (one process per file is slow)."""
    counts = {}
    for i in range(0, len(files), 200):
        batch = files[i:i + 200]
        rc, out, err = run(["capinfos", "-c", "-M"] + batch)
        if rc != 0:
            fail("capinfos: %s" % err.strip()[:300])
        cur = None
        for line in out.splitlines():
            m = re.match(r"^File name:\s*(.*)$", line)
            if m:
                cur = m.group(1).strip()
            m = re.match(r"^Number of packets:\s*(\d+)", line)
            if m and cur:
                counts[cur] = int(m.group(1))
    missing = [f for f in files if f not in counts]
    if missing:
        fail("capinfos gave no packet count for %s" % missing[:3])
    return counts


def cmd_archive(args):
    top = args[0]
    expect = int(args[args.index("--expect") + 1]) if "--expect" in args else None
    allow_part = int(args[args.index("--allow-part") + 1]) if "--allow-part" in args else 0
    done = []  # (session, path) of finished files
    for sess in sorted(os.listdir(top)):
        d = os.path.join(top, sess)
        if not os.path.isdir(d):
            fail("%s: not a session folder" % d)
        names = sorted(os.listdir(d))
        parts = [n for n in names if n.endswith(".part")]
        if len(parts) > allow_part:
            fail("%s: %d .part files (allowed %d): %s" % (d, len(parts), allow_part, parts))
        for n in names:
            m = NAME_RE.match(n)
            if not m or m.group(1) != sess:
                fail("%s/%s: not named vxscope-%s-<UTC>.pcapng" % (d, n, sess))
            if not m.group(3):  # a .part was being written when the process died
                done.append((sess, os.path.join(d, n)))
    counts = capinfos_counts([f for _, f in done])
    per_sess = {}
    for sess, f in done:
        per_sess[sess] = per_sess.get(sess, 0) + counts[f]
    total = sum(per_sess.values())
    if done:
        # one tshark over all files (mergecap reads every one of them whole): each frame must
        # decode as VXLAN or GENEVE, on the interface named after its session folder
        merged = os.path.join(top, "..", ".archive-check.pcapng")
        rc, out, err = run(["mergecap", "-w", merged] + [f for _, f in done])
        if rc != 0 or tshark_errors(err):
            fail("mergecap of the archive: exit %d: %s" % (rc, tshark_errors(err)[:300]))
        rc, out, err = run(["tshark", "-n", "-r", merged, "-T", "fields", "-e", "frame.number",
                            "-e", "vxlan.vni", "-e", "geneve.vni", "-e",
                            "frame.interface_name"])
        os.unlink(merged)
        if rc != 0 or tshark_errors(err):
            fail("tshark over the archive: exit %d: %s" % (rc, tshark_errors(err)[:300]))
        seen = {}
        for l in (l.split("\t") for l in out.splitlines()):
            if not l[1] and not l[2]:
                fail("archive frame %s (merged) decodes as neither VXLAN nor GENEVE" % l[0])
            seen[l[3]] = seen.get(l[3], 0) + 1
        if seen != per_sess:
            diff = {k: (seen.get(k), per_sess.get(k)) for k in set(seen) | set(per_sess)
                    if seen.get(k) != per_sess.get(k)}
            fail("frames per interface name in tshark != frames per session folder: %s"
                 % dict(list(diff.items())[:5]))
    if expect is not None and total != expect:
        fail("archive %s holds %d frames, expected %d" % (top, total, expect))
    ok("archive: %d files, %d sessions, %d frames, all read by capinfos and tshark"
       % (len(done), len(per_sess), total))
    print(total)


# ---- the archive decodes as what arrived ---------------------------------------------------------
# per-packet facts only: TCP analysis and expert marks depend on the neighbours, and the order
# of the two may differ where sessions interleave
DECODE_FIELDS = ["frame.len", "frame.cap_len", "frame.protocols", "_ws.malformed",
                 "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "udp.srcport", "udp.dstport",
                 "vxlan.vni", "geneve.vni", "tcp.seq_raw", "tcp.ack_raw", "tcp.flags", "tcp.len"]


def decodes(path):
    cmd = ["tshark", "-n", "-r", path, "-T", "fields", "-E", "occurrence=a"]
    for f in DECODE_FIELDS:
        cmd += ["-e", f]
    rc, out, err = run(cmd)
    if rc != 0:
        fail("tshark -r %s: exit %d: %s" % (path, rc, err.strip()[:300]))
    return sorted(out.splitlines())


def cmd_same_decode(args):
    a, b = decodes(args[0]), decodes(args[1])
    if a != b:
        import difflib
        d = list(difflib.unified_diff(b, a, args[1], args[0], n=0, lineterm=""))
        fail("tshark decodes %s differently from %s (%d vs %d frames):\n%s" % (
            args[0], args[1], len(a), len(b), "\n".join(d[:12])))
    bad = sum(1 for l in a if l.split("\t")[3])
    ok("tshark decodes the %d archived frames exactly as the %d captured ones (%s, %d "
       "malformed in both)" % (len(a), len(b), ", ".join(DECODE_FIELDS[:3]) + ", ...", bad))


# ---- flows and findings ------------------------------------------------------------------------
def flow_key(f):
    s = f.get("session") or {}
    return (json.dumps(s, sort_keys=True), f.get("proto"), f.get("src"), f.get("sport"),
            f.get("dst"), f.get("dport"))


def load_jsonl(path):
    out = []
    for i, line in enumerate(open(path)):
        if line.strip():
            try:
                out.append(json.loads(line))
            except ValueError as e:
                fail("%s:%d: not JSON: %s" % (path, i + 1, e))
    return out


def counts_view(f):
    v = {"conn_state": f.get("conn_state")}
    for side in ("orig", "resp"):
        d = f.get(side) or {}
        v[side] = {k: d.get(k) for k in ("packets", "bytes", "payload_bytes", "truncated",
                                         "max_ip_len", "dscp", "tcp_flags")}
    t = f.get("tcp")
    if t:
        v["tcp"] = {k: t.get(k) for k in ("data_segments", "retrans_segments")}
    return v


def exact_view(f):
    return {k: v for k, v in f.items() if k not in ("flow_id", "first_frame")}


def index(flows, what):
    idx = {}
    for f in flows:
        k = flow_key(f) + ((f.get("first"),) if what == "exact" else ())
        idx.setdefault(k, []).append(f)
    return idx


def cmd_flows(args):
    live, off = load_jsonl(args[0]), load_jsonl(args[1])
    mode = "counts" if "--counts" in args else "exact"
    view = counts_view if mode == "counts" else exact_view
    li, oi = index(live, mode), index(off, mode)
    bad = []
    for k in sorted(set(li) | set(oi), key=str):
        # several flows with one key (idle timeouts split them): compare as sorted lists
        a = sorted((view(f) for f in li.get(k, [])), key=lambda x: json.dumps(x, sort_keys=True))
        b = sorted((view(f) for f in oi.get(k, [])), key=lambda x: json.dumps(x, sort_keys=True))
        if a != b:
            bad.append("flow %s:\n   live    %s\n   offline %s" % (k, a, b))
    if not live:
        bad.append("no live flow records at all")
    if bad:
        fail("%d of %d flows differ (%s):\n%s" % (len(bad), len(oi), mode, "\n".join(bad[:8])))
    ok("%d live flow records equal the offline ones (%s)" % (len(live), mode))


def finding_view(f, mode, any_flow_id=False):
    g = json.loads(json.dumps(f))
    if any_flow_id and isinstance(g.get("where"), str):
        # with several workers flow ids count per worker (docs/target.md), as in flow records
        g["where"] = re.sub(r"\bflow \d+\b", "flow N", g["where"])
    if mode == "kinds":
        return (g.get("kind"), g.get("where"))
    (g.get("evidence") or {}).pop("frames", None)
    return json.dumps(g, sort_keys=True)


def cmd_findings(args):
    live = load_jsonl(args[0])
    try:
        off = json.load(open(args[1]))["findings"]
    except (OSError, ValueError, KeyError) as e:
        fail("%s: no findings array: %s" % (args[1], e))
    mode = "kinds" if "--kinds" in args else "exact"
    anyid = "--any-flow-id" in args
    if "--other-tap" in args:
        order_bound = {"mirror.capture_loss"}
        live = [f for f in live if f.get("kind") not in order_bound]
        off = [f for f in off if f.get("kind") not in order_bound]
    a = sorted(str(finding_view(f, mode, anyid)) for f in live)
    b = sorted(str(finding_view(f, mode, anyid)) for f in off)
    if a != b:
        only_l = sorted(set(a) - set(b))
        only_o = sorted(set(b) - set(a))
        fail("findings differ (%s): live only %s; offline only %s" % (mode, only_l[:5],
                                                                       only_o[:5]))
    ok("%d live findings equal the offline ones (%s)" % (len(live), mode))


# ---- Prometheus text format ----------------------------------------------------------------------
METRIC_RE = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL_RE = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\\n]|\\[\\"n])*)"\s*(,|$)')
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def parse_value(s):
    if s in ("+Inf", "Inf"):
        return float("inf")
    if s == "-Inf":
        return float("-inf")
    if s == "NaN":
        return float("nan")
    if not re.match(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$", s):
        raise ValueError("bad sample value %r" % s)
    return float(s)


def parse_prometheus(text):
    """Samples as {(name, ((label, value), ...)): float}; raises ValueError naming the line."""
    samples = {}
    types = {}
    seen_names = []  # order in which metric families appeared (must stay grouped)
    if text and not text.endswith("\n"):
        raise ValueError("the exposition does not end with a newline")
    for n, line in enumerate(text.split("\n")[:-1], 1):
        where = "line %d %r: " % (n, line)
        if line == "":
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 2 and parts[1] in ("HELP", "TYPE"):
                if len(parts) < 3 or not METRIC_RE.match(parts[2]):
                    raise ValueError(where + "bad metric name in " + parts[1])
                if parts[1] == "TYPE":
                    if len(parts) != 4 or parts[3] not in TYPES:
                        raise ValueError(where + "bad TYPE")
                    if parts[2] in types:
                        raise ValueError(where + "second TYPE for " + parts[2])
                    if parts[2] in seen_names:
                        raise ValueError(where + "TYPE after samples of " + parts[2])
                    types[parts[2]] = parts[3]
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)(\s+-?\d+)?\s*$", line)
        if not m:
            raise ValueError(where + "not a sample line")
        name, lab, val = m.group(1), m.group(2), m.group(3)
        labels = []
        if lab:
            body = lab[1:-1]
            pos = 0
            while pos < len(body):
                lm = LABEL_RE.match(body, pos)
                if not lm:
                    raise ValueError(where + "bad label syntax at %r" % body[pos:])
                labels.append((lm.group(1), lm.group(2)))
                pos = lm.end()
            if len({l[0] for l in labels}) != len(labels):
                raise ValueError(where + "a label repeated")
        family = re.sub(r"_(total|count|sum|bucket)$", "", name)
        fam = name if name in types else family
        if seen_names and seen_names[-1] != fam and fam in seen_names:
            raise ValueError(where + "samples of %s are not grouped together" % fam)
        if not seen_names or seen_names[-1] != fam:
            seen_names.append(fam)
        key = (name, tuple(sorted(labels)))
        if key in samples:
            raise ValueError(where + "duplicate sample")
        try:
            samples[key] = parse_value(val)
        except ValueError as e:
            raise ValueError(where + str(e))
        t = types.get(name) or types.get(family)
        if t == "counter" and samples[key] < 0:
            raise ValueError(where + "negative counter")
    return samples, types


def get_metric(samples, spec):
    m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?$', spec)
    if not m:
        fail("bad --expect metric %r" % spec)
    name = m.group(1)
    want = {a: b for a, b, _ in LABEL_RE.findall(m.group(3) or "")}
    total = None
    for (n, labels), v in samples.items():
        if n == name and all(dict(labels).get(k) == val for k, val in want.items()):
            total = (total or 0) + v
    return total


def cmd_metrics(args):
    src = args[0]
    if src.startswith("http://"):
        try:
            with urllib.request.urlopen(src, timeout=5) as r:
                ctype = r.headers.get("Content-Type", "")
                text = r.read().decode()
        except Exception as e:  # noqa: BLE001 - any failure to fetch is the finding
            fail("GET %s: %s" % (src, e))
        if not ctype.startswith("text/plain"):
            fail("GET %s: Content-Type %r, not text/plain" % (src, ctype))
    else:
        text = open(src).read()
    try:
        samples, types = parse_prometheus(text)
    except ValueError as e:
        fail("%s: not Prometheus text format: %s" % (src, e))
    bad = []
    i = 1
    while i < len(args):
        if args[i] == "--expect":
            spec = args[i + 1]
            m = re.match(r"^(.*?)(>=|==|>)(-?[0-9.]+)$", spec)
            if not m:
                fail("bad --expect %r" % spec)
            v = get_metric(samples, m.group(1))
            want = float(m.group(3))
            good = v is not None and {">=": v >= want, "==": v == want, ">": v > want}[
                m.group(2)]
            if not good:
                bad.append("%s is %s" % (spec, v))
            i += 2
        else:
            i += 1
    print(json.dumps({"%s%s" % (n, "{" + ",".join('%s="%s"' % l for l in labels) + "}"
                                if labels else ""): v for (n, labels), v in samples.items()},
                     sort_keys=True))
    if bad:
        fail("metrics: " + "; ".join(bad))
    ok("%s: %d samples of %d typed metrics parse as Prometheus text" % (src, len(samples),
                                                                        len(types)))


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    cmd = {"stats": cmd_stats, "archive": cmd_archive, "same-decode": cmd_same_decode,
           "flows": cmd_flows,
           "findings": cmd_findings, "metrics": cmd_metrics}.get(sys.argv[1])
    if not cmd:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    cmd(sys.argv[2:])


if __name__ == "__main__":
    main()
