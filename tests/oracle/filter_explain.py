#!/usr/bin/env python3
"""filter_explain.py - oracle test: `vxscope filter explain --packets --json` against the
AWS mirroring rules applied, in this script, to the packet facts tshark decodes.

For each (capture, source address) below, a configuration (tests/data/aws/lab/aws.json plus a
host map made here for that address) is run through vxscope; independently, tshark
(-T fields, IP reassembly off) gives each frame's addresses, transport, ports and length, and
this script applies ../shared/spec/aws-mirroring.md 1.3-1.5, 2 and 4.4 to them (its own
implementation, in Python, of: never-mirrored classes, direction from the ENI's addresses,
sessions by SessionNumber, rules by RuleNumber, first match, reject lets the next session
see it or stops the walk, PacketLength, the 54/74-byte MTU rule).  Every frame's verdict,
session, rule and copy length must agree, in both reject modes.

  VXS_BIN        vxscope binary (default build/release/vxscope)
  VXS_CAPTURES   captures folder (default ../shared/captures)
Exit 0 all agree, 1 a difference (the first ones printed), 77 tshark or a capture missing.
"""
import ipaddress
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("VXS_BIN", os.path.join(ROOT, "build/release/vxscope"))
CAPS = os.environ.get("VXS_CAPTURES", os.path.join(ROOT, "..", "shared", "captures"))
AWS = os.path.join(ROOT, "tests/data/aws/lab/aws.json")

# capture, the source ENI's addresses, its VPC CIDR
CASES = [
    ("ndpi/alexa-app.pcapng", ["172.16.42.216", "fe80::7af8:82ff:fed3:fbc2"], "172.16.0.0/16"),
    ("ndpi/1kxun.pcap", ["192.168.2.126"], "192.168.0.0/16"),
    ("chrissanders/http_espn.pcapng", ["172.16.0.122"], "172.16.0.0/16"),
    ("chrissanders/http_ip4and6.pcapng", ["172.16.16.140", "2001:db8:1:2::1002"], "172.16.0.0/16"),
    ("arkime/socks5-http-302-frag.pcap", ["10.0.0.1"], "10.0.0.0/16"),
    ("chrissanders/icmp_traceroute.pcapng", ["192.168.100.138"], "192.168.0.0/16"),
    ("chrissanders/ipv6_fragments.pcapng", ["2001:db8:1:2::1003"], "10.0.0.0/16"),
    ("ndpi/dns_fragmented.pcap", ["193.24.227.238", "2001:470:1f0b:16b0:20c:29ff:fe7c:a4cb"],
     "193.24.0.0/16"),
]

NEVER = {
    "169.254.169.254": "never-mirrored: instance metadata",
    "fd00:ec2::254": "never-mirrored: instance metadata",
    "169.254.169.123": "never-mirrored: Amazon Time Sync",
    "fd00:ec2::123": "never-mirrored: Amazon Time Sync",
    "169.254.169.250": "never-mirrored: Windows activation (KMS)",
    "169.254.169.251": "never-mirrored: Windows activation (KMS)",
}
TRANSPORT = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58}

FIELDS = ["frame.number", "frame.len", "frame.protocols", "eth.type", "ip.src", "ip.dst",
          "ip.proto", "ip.frag_offset", "ipv6.src", "ipv6.dst", "ipv6.nxt", "tcp.srcport",
          "tcp.dstport", "udp.srcport", "udp.dstport"]


def first(v):
    return v.split(",")[0] if v else ""


def tshark_facts(cap):
    cmd = ["tshark", "-n", "-r", cap, "-o", "ip.defragment:FALSE", "-o",
           "ipv6.defragment:FALSE", "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        protos = v["frame.protocols"].split(":")
        f = {"frame": int(v["frame.number"]), "len": int(v["frame.len"]), "ip": None}
        f["arp"] = "arp" in protos
        # the first IP layer, and the transport right after it (IPv6 extension headers skipped)
        for i, p in enumerate(protos):
            if p in ("ip", "ipv6"):
                f["ip"] = 4 if p == "ip" else 6
                rest = [q for q in protos[i + 1:] if not q.startswith("ipv6.")]
                nxt = rest[0] if rest else ""
                break
        if f["ip"] is None:
            yield f
            continue
        if f["ip"] == 4:
            f["src"], f["dst"] = first(v["ip.src"]), first(v["ip.dst"])
            frag = int(first(v["ip.frag_offset"]) or 0)
            raw_proto = int(first(v["ip.proto"]))
        else:
            f["src"], f["dst"] = first(v["ipv6.src"]), first(v["ipv6.dst"])
            frag = 1 if "ipv6.fraghdr" in protos and nxt not in TRANSPORT else 0
            raw_proto = int(v["ipv6.nxt"].split(",")[-1]) if v["ipv6.nxt"] else 0
        f["proto"] = TRANSPORT.get(nxt, raw_proto)
        f["ports"] = None
        if frag == 0 and nxt in ("tcp", "udp"):
            f["ports"] = (int(first(v[nxt + ".srcport"])), int(first(v[nxt + ".dstport"])))
        yield f


def in_cidr(addr, cidr):
    a = ipaddress.ip_address(addr)
    n = ipaddress.ip_network(cidr, strict=False)
    return a.version == n.version and a in n


def rule_matches(r, f):
    net = ipaddress.ip_network(r["SourceCidrBlock"], strict=False)
    if f["ip"] != net.version:
        return False
    if r.get("Protocol", 0) and r["Protocol"] != f["proto"]:
        return False
    if not in_cidr(f["src"], r["SourceCidrBlock"]) or not in_cidr(f["dst"], r["DestinationCidrBlock"]):
        return False
    if f["proto"] in (6, 17):
        for key, idx in (("SourcePortRange", 0), ("DestinationPortRange", 1)):
            pr = r.get(key)
            if pr is None:
                continue
            if f["ports"] is None or not pr["FromPort"] <= f["ports"][idx] <= pr["ToPort"]:
                return False
    return True


def never_class(f):
    if f["arp"]:
        return "never-mirrored: ARP"
    if f["ip"] is None:
        return None
    for a in (f["src"], f["dst"]):
        name = NEVER.get(str(ipaddress.ip_address(a)))
        if name:
            return name
    if f["proto"] == 17 and f["ports"]:
        s, d = f["ports"]
        dhcp = {67, 68} if f["ip"] == 4 else {546, 547}
        if s in dhcp and d in dhcp:
            return "never-mirrored: DHCP"
    return None


def expected(cfg, eni_addrs, f, reject_stops):
    """(verdict, session id or "", rule or -1, copy length)."""
    nc = never_class(f)
    if nc:
        return (nc, "", -1, 0)
    addrs = [str(ipaddress.ip_address(a)) for a in eni_addrs]
    if f["ip"] is None:
        return ("not the ENI's traffic", "", -1, 0)
    src, dst = str(ipaddress.ip_address(f["src"])), str(ipaddress.ip_address(f["dst"]))
    if src in addrs:
        direction = "EgressFilterRules"
    elif dst in addrs:
        direction = "IngressFilterRules"
    else:
        return ("not the ENI's traffic", "", -1, 0)
    filters = {x["TrafficMirrorFilterId"]: x for x in cfg["TrafficMirrorFilters"]}
    sessions = sorted(cfg["TrafficMirrorSessions"], key=lambda s: s["SessionNumber"])
    rejected = None
    for s in sessions:
        rules = sorted(filters[s["TrafficMirrorFilterId"]].get(direction, []),
                       key=lambda r: r["RuleNumber"])
        hit = next((r for r in rules if rule_matches(r, f)), None)
        if hit is None:
            continue
        if hit["RuleAction"] == "accept":
            snap = f["len"]
            if "PacketLength" in s:
                snap = min(snap, s["PacketLength"])
            mtu = cfg["_mtu"][s["TrafficMirrorTargetId"]]
            snap = min(snap, mtu - 54 + 14)  # IPv4 outer (the targets' addresses are IPv4)
            return ("mirrored", s["TrafficMirrorSessionId"], hit["RuleNumber"], snap)
        if rejected is None:
            rejected = (s["TrafficMirrorSessionId"], hit["RuleNumber"])
        if reject_stops:
            break
    if rejected:
        return ("rejected by a rule", rejected[0], rejected[1], 0)
    return ("no rule matched", "", -1, 0)


def main():
    if not shutil.which("tshark"):
        print("tshark not installed")
        return 77
    with open(AWS) as fh:
        cfg = json.load(fh)
    targets = {"tmt-000000000000ids01": ("10.0.2.9", 9001), "tmt-000000000000ids02": ("10.0.2.10", 1500)}
    cfg["_mtu"] = {k: v[1] for k, v in targets.items()}
    failed = 0
    compared = 0
    with tempfile.TemporaryDirectory(prefix="vxs-oracle-filter.") as tmp:
        for cap_rel, addrs, vpc in CASES:
            cap = os.path.join(CAPS, cap_rel)
            if not os.path.exists(cap):
                print(f"missing capture {cap}")
                return 77
            host = {"VxscopeHostMap": {
                "NetworkInterfaces": [{"NetworkInterfaceId": "eni-0000000000client1",
                                       "Addresses": addrs, "VpcCidrBlocks": [vpc]}],
                "Targets": [{"TrafficMirrorTargetId": k, "Addresses": [a], "Mtu": m}
                            for k, (a, m) in targets.items()]}}
            hpath = os.path.join(tmp, "host.json")
            with open(hpath, "w") as fh:
                json.dump(host, fh)
            facts = {f["frame"]: f for f in tshark_facts(cap)}
            for stops in (False, True):
                cmd = [BIN, "filter", "explain", AWS, hpath, "--capture", cap, "--packets", "--json"]
                if stops:
                    cmd.append("--reject-stops")
                run = subprocess.run(cmd, capture_output=True, text=True)
                if run.returncode != 0:
                    print(f"FAIL {cap_rel}: vxscope exit {run.returncode}: {run.stderr.strip()}")
                    failed += 1
                    continue
                got = json.loads(run.stdout)["packets"]
                bad = 0
                verdicts = {}
                for p in got:
                    f = facts.get(p["frame"])
                    if f is None:
                        continue
                    want = expected(cfg, addrs, f, stops)
                    have = (p["verdict"], p["session"], p["rule"], p["copy_len"])
                    verdicts[have[0]] = verdicts.get(have[0], 0) + 1
                    compared += 1
                    if want != have:
                        bad += 1
                        if bad <= 5:
                            print(f"  {cap_rel} frame {p['frame']}: vxscope {have}, expected {want}")
                if len(got) != len(facts):
                    print(f"  {cap_rel}: vxscope {len(got)} packets, tshark {len(facts)}")
                    bad += 1
                mode = "reject-stops" if stops else "reject-continues"
                print(f"{'FAIL' if bad else 'ok  '} {cap_rel} ({mode}): {len(got)} packets, "
                      f"{bad} differences; {dict(sorted(verdicts.items()))}")
                failed += bad > 0
    print(f"{compared} packet verdicts compared; {'FAILED' if failed else 'all agree'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
