#!/usr/bin/env bash
# e2e: `vxscope mirror`, the software AWS Traffic Mirroring source, on a real veth, sending to
# the LINUX KERNEL's own VXLAN devices (target 1) and to a plain UDP socket (target 2, two
# addresses: an NLB).
#
#   a (source ENI eni-0e2e00000000000a1: 10.97.0.1, fd97::1 on eth0) <-> b (peer 10.97.0.2)
#   a mir0 10.97.9.1 <-> t1 10.97.9.2: kernel vxlan devices vx101 (VNI 101) and vx202 (VNI 202)
#            fd99::1 <->    fd99::2:   kernel vxlan device vx404 over IPv6
#   a mir1 10.97.8.1 <-> t2 10.97.8.2 + 10.97.8.3: python UDP socket on 4789
#
# Three sessions on the ENI (rules in the config below):
#   #1 VNI 101 -> t1, PacketLength 100: UDP to/from ports 5000-5004 (a port range); every
#      other UDP explicitly rejected (rule 20), which lets later sessions see it
#   #2 VNI 202 -> t1, whole packets: IPv4 TCP except port 8081 (reject rule 10 first), and
#      UDP ports 5005-5010
#   #3 VNI 303 -> t2 (NLB), PacketLength 200: ICMP, and TCP port 8081
# IPv6 traffic (curl over fd97::) matches no rule (IPv4 rules never match IPv6).
#
# The expectation is computed WITHOUT vxscope: tcpdump captures a's eth0 at the same time, a
# BPF expression per session equivalent to its rules selects the frames, and python cuts them
# to the PacketLength.  Checks:
#   1. the frames the kernel decapsulated on vx101 / vx202 are exactly those, byte for byte;
#   2. t2's frames too; their outer headers byte by byte (outer source = the ENI address, UDP
#      4789, checksum 0, DF, no fragments, VXLAN 08000000 + VNI 303 + 00, one source port per
#      connection for both directions, in 49152-65535, each flow to one NLB address) and the
#      UDP socket saw the same senders and VXLAN headers;
#   3. vxscope's counters: selected = mirrored = the BPF total, truncated as expected;
#   4. --max-bps on a replay of the capture: mirrored + dropped(max-bps) = selected = BPF total,
#      both parts non-zero;
#   5. --udp-socket: the fallback warns and still delivers VXLAN with VNI 303; --replay-speed
#      paces a replay by its timestamps and --stats-interval reports while it runs;
#   6. an IPv6 outer header (fd97::1 -> fd99::2, UDP checksum computed) is decapsulated by the
#      kernel's IPv6 VXLAN device (vx404) into exactly the TCP frames, cut to 150;
#   7. unknown ENI and missing interface: clear messages, statuses 1 and 2;
#   8. without CAP_NET_RAW (setpriv): live capture refused with status 2, a replay falls back
#      to the UDP socket with a warning;
#   9. a single-NIC host (target reached through the mirrored interface): our own copies are
#      recognised and skipped, never mirrored again.
set -u
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip tc ethtool tcpdump python3 curl ping
ROOT=${VXS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${VXS_BIN:-$ROOT/build/release/vxscope}
[ -x "$BIN" ] || vxs_skip "no $BIN (make first)"
T=$(vxs_tmpdir)
A=10.97.0.1
ENI=eni-0e2e00000000000a1

netns_add a
netns_add b
netns_add t1
netns_add t2
veth_pair a eth0 b eth0
veth_pair a mir0 t1 mir0 9000
veth_pair a mir1 t2 mir1 9000
addr_add a eth0 $A/24
addr_add b eth0 10.97.0.2/24
addr_add a eth0 fd97::1/64
addr_add b eth0 fd97::2/64
addr_add a mir0 10.97.9.1/24
addr_add t1 mir0 10.97.9.2/24
addr_add a mir0 fd99::1/64
addr_add t1 mir0 fd99::2/64
addr_add a mir1 10.97.8.1/24
addr_add t2 mir1 10.97.8.2/24
addr_add t2 mir1 10.97.8.3/24
route_add t1 10.97.0.0/24 10.97.9.1
route_add t2 10.97.0.0/24 10.97.8.1

# target 1: the kernel's VXLAN devices, one per VNI, sharing UDP 4789 (vx404: over IPv6)
for vni in 101 202 404; do
	local_ip=10.97.9.2
	[ $vni = 404 ] && local_ip=fd99::2
	nsx t1 ip link add vx$vni type vxlan id $vni dstport 4789 local $local_ip dev mir0 ||
		vxs_die "vxlan device vx$vni"
	offloads_off t1 vx$vni
	nsx t1 ip link set vx$vni up
done

# target 2: a plain UDP socket; it logs sender address, port and the VXLAN header
ns_spawn t2 "$T/sink.log" python3 -u -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 4789))
print("ready", flush=True)
while True:
    d, (ip, port) = s.recvfrom(65535)
    print(ip, port, d[:8].hex(), len(d), flush=True)'
wait_log "$T/sink.log" '^ready' || vxs_die "UDP sink did not start"

cat >"$T/aws.json" <<EOF
{
  "TrafficMirrorFilters": [
    { "TrafficMirrorFilterId": "tmf-0e2e0000000000001",
      "IngressFilterRules": [
        { "TrafficDirection": "ingress", "RuleNumber": 10, "RuleAction": "accept", "Protocol": 17,
          "SourcePortRange": { "FromPort": 5000, "ToPort": 5004 },
          "SourceCidrBlock": "0.0.0.0/0", "DestinationCidrBlock": "0.0.0.0/0" } ],
      "EgressFilterRules": [
        { "TrafficDirection": "egress", "RuleNumber": 10, "RuleAction": "accept", "Protocol": 17,
          "DestinationPortRange": { "FromPort": 5000, "ToPort": 5004 },
          "SourceCidrBlock": "10.97.0.0/24", "DestinationCidrBlock": "0.0.0.0/0" },
        { "TrafficDirection": "egress", "RuleNumber": 20, "RuleAction": "reject", "Protocol": 17,
          "SourceCidrBlock": "0.0.0.0/0", "DestinationCidrBlock": "0.0.0.0/0" } ],
      "NetworkServices": [], "Tags": [] },
    { "TrafficMirrorFilterId": "tmf-0e2e0000000000002",
      "IngressFilterRules": [
        { "TrafficDirection": "ingress", "RuleNumber": 10, "RuleAction": "reject", "Protocol": 6,
          "SourcePortRange": { "FromPort": 8081, "ToPort": 8081 },
          "SourceCidrBlock": "0.0.0.0/0", "DestinationCidrBlock": "0.0.0.0/0" },
        { "TrafficDirection": "ingress", "RuleNumber": 20, "RuleAction": "accept", "Protocol": 6,
          "SourceCidrBlock": "0.0.0.0/0", "DestinationCidrBlock": "0.0.0.0/0" },
        { "TrafficDirection": "ingress", "RuleNumber": 30, "RuleAction": "accept", "Protocol": 17,
          "SourcePortRange": { "FromPort": 5005, "ToPort": 5010 },
          "SourceCidrBlock": "0.0.0.0/0", "DestinationCidrBlock": "0.0.0.0/0" } ],
      "EgressFilterRules": [
        { "TrafficDirection": "egress", "RuleNumber": 10, "RuleAction": "reject", "Protocol": 6,
          "DestinationPortRange": { "FromPort": 8081, "ToPort": 8081 },
          "SourceCidrBlock": "0.0.0.0/0", "DestinationCidrBlock": "0.0.0.0/0" },
        { "TrafficDirection": "egress", "RuleNumber": 20, "RuleAction": "accept", "Protocol": 6,
          "SourceCidrBlock": "0.0.0.0/0", "DestinationCidrBlock": "0.0.0.0/0" },
        { "TrafficDirection": "egress", "RuleNumber": 30, "RuleAction": "accept", "Protocol": 17,
          "DestinationPortRange": { "FromPort": 5005, "ToPort": 5010 },
          "SourceCidrBlock": "0.0.0.0/0", "DestinationCidrBlock": "0.0.0.0/0" } ],
      "NetworkServices": [], "Tags": [] },
    { "TrafficMirrorFilterId": "tmf-0e2e0000000000003",
      "IngressFilterRules": [
        { "TrafficDirection": "ingress", "RuleNumber": 10, "RuleAction": "accept", "Protocol": 1,
          "SourceCidrBlock": "0.0.0.0/0", "DestinationCidrBlock": "0.0.0.0/0" },
        { "TrafficDirection": "ingress", "RuleNumber": 20, "RuleAction": "accept", "Protocol": 6,
          "SourcePortRange": { "FromPort": 8081, "ToPort": 8081 },
          "SourceCidrBlock": "0.0.0.0/0", "DestinationCidrBlock": "0.0.0.0/0" } ],
      "EgressFilterRules": [
        { "TrafficDirection": "egress", "RuleNumber": 10, "RuleAction": "accept", "Protocol": 1,
          "SourceCidrBlock": "0.0.0.0/0", "DestinationCidrBlock": "0.0.0.0/0" },
        { "TrafficDirection": "egress", "RuleNumber": 20, "RuleAction": "accept", "Protocol": 6,
          "DestinationPortRange": { "FromPort": 8081, "ToPort": 8081 },
          "SourceCidrBlock": "0.0.0.0/0", "DestinationCidrBlock": "0.0.0.0/0" } ],
      "NetworkServices": [], "Tags": [] }
  ],
  "TrafficMirrorSessions": [
    { "TrafficMirrorSessionId": "tms-0e2e0000000000001", "TrafficMirrorTargetId": "tmt-0e2e0000000000001",
      "TrafficMirrorFilterId": "tmf-0e2e0000000000001", "NetworkInterfaceId": "$ENI",
      "OwnerId": "111122223333", "PacketLength": 100, "SessionNumber": 1, "VirtualNetworkId": 101,
      "Tags": [] },
    { "TrafficMirrorSessionId": "tms-0e2e0000000000002", "TrafficMirrorTargetId": "tmt-0e2e0000000000001",
      "TrafficMirrorFilterId": "tmf-0e2e0000000000002", "NetworkInterfaceId": "$ENI",
      "OwnerId": "111122223333", "SessionNumber": 2, "VirtualNetworkId": 202, "Tags": [] },
    { "TrafficMirrorSessionId": "tms-0e2e0000000000003", "TrafficMirrorTargetId": "tmt-0e2e0000000000002",
      "TrafficMirrorFilterId": "tmf-0e2e0000000000003", "NetworkInterfaceId": "$ENI",
      "OwnerId": "111122223333", "PacketLength": 200, "SessionNumber": 3, "VirtualNetworkId": 303,
      "Tags": [] }
  ],
  "TrafficMirrorTargets": [
    { "TrafficMirrorTargetId": "tmt-0e2e0000000000001", "NetworkInterfaceId": "eni-0e2e000000000t1",
      "Type": "network-interface", "OwnerId": "111122223333", "Tags": [] },
    { "TrafficMirrorTargetId": "tmt-0e2e0000000000002",
      "NetworkLoadBalancerArn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/e2e/0e2e",
      "Type": "network-load-balancer", "OwnerId": "111122223333", "Tags": [] }
  ]
}
EOF
cat >"$T/hostmap.json" <<EOF
{ "VxscopeHostMap": {
    "NetworkInterfaces": [ { "NetworkInterfaceId": "$ENI", "Interface": "eth0",
                             "Addresses": ["$A", "fd97::1"] } ],
    "Targets": [ { "TrafficMirrorTargetId": "tmt-0e2e0000000000001", "Addresses": ["10.97.9.2"] },
                 { "TrafficMirrorTargetId": "tmt-0e2e0000000000002",
                   "Addresses": ["10.97.8.2", "10.97.8.3"] } ] } }
EOF

# captures: the source (ground truth), what the kernel decapsulated, what reached target 2
ns_spawn a "$T/tcpdump-src.log" tcpdump -i eth0 -n -U -s 0 -w "$T/src.pcap"
P_SRC=$VXS_LAST_PID
ns_spawn t1 "$T/tcpdump-101.log" tcpdump -i vx101 -Q in -n -U -s 0 -w "$T/vx101.pcap"
P_101=$VXS_LAST_PID
ns_spawn t1 "$T/tcpdump-202.log" tcpdump -i vx202 -Q in -n -U -s 0 -w "$T/vx202.pcap"
P_202=$VXS_LAST_PID
ns_spawn t1 "$T/tcpdump-404.log" tcpdump -i vx404 -Q in -n -U -s 0 -w "$T/vx404.pcap"
P_404=$VXS_LAST_PID
ns_spawn t2 "$T/tcpdump-t2.log" tcpdump -i mir1 -n -U -s 0 -w "$T/t2.pcap" udp port 4789
P_T2=$VXS_LAST_PID
for f in src 101 202 404 t2; do
	wait_log "$T/tcpdump-$f.log" 'listening on' || vxs_die "tcpdump $f did not start"
done

ns_spawn a "$T/mirror.log" "$BIN" mirror --config "$T/aws.json" --config "$T/hostmap.json" \
	--interface eth0 --eni $ENI --json
P_MIR=$VXS_LAST_PID
wait_log "$T/mirror.log" 'mirroring eth0' || { cat "$T/mirror.log"; vxs_die "vxscope mirror did not start"; }
sleep 0.3

# traffic: HTTP on 8080 (v4 and v6) and 8081, UDP to ports 5000-5011, pings
mkdir -p "$T/www"
python3 -c 'import sys; sys.stdout.write("".join("line %05d of a 20 kB file\n" % i for i in range(800)))' \
	>"$T/www/big.txt"
ns_spawn b "$T/http0.log" python3 -m http.server --bind :: 8080 --directory "$T/www"
ns_spawn b "$T/http1.log" python3 -m http.server --bind :: 8081 --directory "$T/www"
ns_spawn b "$T/udp.log" python3 -u -c '
import select, socket
socks = []
for p in range(5000, 5011):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("10.97.0.2", p))
    socks.append(s)
print("ready", flush=True)
while True:
    for s in select.select(socks, [], [])[0]:
        d, a = s.recvfrom(4096)
        s.sendto(d[::-1], a)'
wait_port b 8080
wait_port b 8081
wait_log "$T/udp.log" '^ready' || vxs_die "UDP echo did not start"
for i in 1 2; do
	nsx a curl -s -o /dev/null "http://10.97.0.2:8080/big.txt" || vxs_die "curl 8080"
	nsx a curl -s -o /dev/null "http://10.97.0.2:8081/big.txt" || vxs_die "curl 8081"
done
nsx a curl -s -o /dev/null "http://[fd97::2]:8080/big.txt" || vxs_die "curl v6"
nsx a python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.97.0.1", 40000))
s.settimeout(1)
for port in (5000, 5003, 5004, 5005, 5007, 5010, 5011):
    for i in range(3):
        s.sendto(bytes([65 + i]) * 300, ("10.97.0.2", port))
        try:
            s.recv(4096)
        except OSError:
            pass' || vxs_die "UDP client"
nsx a ping -c 3 -i 0.2 -s 400 10.97.0.2 >/dev/null || vxs_die "ping"
sleep 1

stop_pid "$P_MIR" INT 5
MIR_RC=$?
sleep 1 # tcpdump -U writes each frame at once; leave the last ones time to arrive
for p in $P_SRC $P_101 $P_202 $P_T2; do stop_pid "$p" INT 5; done

fails=0
check() { if "$@"; then echo "ok   $CHECK"; else echo "FAIL $CHECK"; fails=$((fails + 1)); fi; }

CHECK="vxscope mirror stopped cleanly on SIGINT (status $MIR_RC)"
check test "$MIR_RC" -eq 0
grep -v '^{' "$T/mirror.log" >&2
grep '^{' "$T/mirror.log" >"$T/counters.json"

# the expectation, independent of vxscope: BPF per session over the source capture
S1="ip and udp and ((src host $A and dst portrange 5000-5004) or (dst host $A and src portrange 5000-5004))"
S2="ip and ((tcp and ((src host $A and not dst port 8081) or (dst host $A and not src port 8081))) or (udp and ((src host $A and dst portrange 5005-5010) or (dst host $A and src portrange 5005-5010))))"
S3="ip and ((icmp and (src host $A or dst host $A)) or (tcp and ((src host $A and dst port 8081) or (dst host $A and src port 8081))))"
tcpdump -n -r "$T/src.pcap" -w "$T/exp101.pcap" "$S1" 2>/dev/null
tcpdump -n -r "$T/src.pcap" -w "$T/exp202.pcap" "$S2" 2>/dev/null
tcpdump -n -r "$T/src.pcap" -w "$T/exp303.pcap" "$S3" 2>/dev/null

cat >"$T/verify.py" <<'PY'
import json, struct, sys

def frames(path):
    """(caplen bytes) of every record of a pcap file (either timestamp precision)."""
    data = open(path, "rb").read()
    magic = data[:4]
    e = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    off, out = 24, []
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        out.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return out

def direction(f):
    """The frame's one-way stream: Ethernet source and destination (the same for every frame
    sent one way between two hosts on the veth)."""
    return f[0:12]

def same(name, got, want):
    if len(got) != len(want):
        print("%s: %d frames, expected %d" % (name, len(got), len(want)))
        return False
    if got != want and sorted(got) == sorted(want):
        # The source-side capture and the kernel may order two frames sent at the same
        # instant in opposite directions differently.  Allowed only if each direction's own
        # sequence is exactly the expected one.
        dirs = {direction(f) for f in want}
        if all([f for f in got if direction(f) == d] == [f for f in want if direction(f) == d]
               for d in dirs):
            moved = sum(1 for g, w in zip(got, want) if g != w)
            print("%s: same frames; %d positions interleave the two directions differently, "
                  "each direction in order" % (name, moved))
            return True
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            print("%s: frame %d differs: got %d bytes %s..., expected %d bytes %s..."
                  % (name, i + 1, len(g), g[:64].hex(), len(w), w[:64].hex()))
            return False
    return True

T = sys.argv[1]
ok = True
exp = {101: [f[:100] for f in frames(T + "/exp101.pcap")],
       202: [f for f in frames(T + "/exp202.pcap")],
       303: [f[:200] for f in frames(T + "/exp303.pcap")]}
for v, n in exp.items():
    print("session vni %d: %d frames expected" % (v, len(n)))
    if not n:
        print("no traffic selected for vni", v); ok = False
ok &= same("kernel vxlan vni 101", frames(T + "/vx101.pcap"), exp[101])
ok &= same("kernel vxlan vni 202", frames(T + "/vx202.pcap"), exp[202])
if not any(len(f) > 100 for f in frames(T + "/exp101.pcap")):
    print("nothing in session 1 was long enough to be cut"); ok = False

# target 2: outer headers byte by byte, inner frames
t2 = frames(T + "/t2.pcap")
inner, flows_port, flows_dst, sinks = [], {}, {}, []
for i, f in enumerate(t2):
    ip, udp, vx = f[14:34], f[34:42], f[42:50]
    bad = []
    if f[12:14] != b"\x08\x00": bad.append("not IPv4")
    if ip[0] != 0x45: bad.append("version/IHL %02x" % ip[0])
    if ip[1] != 0: bad.append("DSCP/ECN %02x" % ip[1])
    if struct.unpack(">H", ip[2:4])[0] != len(f) - 14: bad.append("total length")
    flags = struct.unpack(">H", ip[6:8])[0]
    if flags != 0x4000: bad.append("flags/offset %04x (want DF, no fragment)" % flags)
    if ip[8] != 64: bad.append("TTL %d" % ip[8])
    if ip[9] != 17: bad.append("protocol %d" % ip[9])
    s = sum(struct.unpack(">10H", ip)); s = (s & 0xffff) + (s >> 16); s = (s & 0xffff) + (s >> 16)
    if s != 0xffff: bad.append("IP checksum")
    if ip[12:16] != bytes([10, 97, 0, 1]): bad.append("outer source %s" % ".".join(map(str, ip[12:16])))
    if ip[16:20] not in (bytes([10, 97, 8, 2]), bytes([10, 97, 8, 3])): bad.append("outer destination")
    sport, dport, ulen, csum = struct.unpack(">HHHH", udp)
    if dport != 4789: bad.append("dport %d" % dport)
    if not 49152 <= sport <= 65535: bad.append("sport %d" % sport)
    if ulen != len(f) - 34: bad.append("UDP length")
    if csum != 0: bad.append("UDP checksum %04x" % csum)
    if vx != bytes([8, 0, 0, 0, 0, 1, 0x2f, 0]): bad.append("VXLAN header %s" % vx.hex())
    if bad:
        print("t2 frame %d: %s" % (i + 1, ", ".join(bad))); ok = False
    inn = f[50:]
    inner.append(inn)
    # the inner flow, direction-free: protocol + sorted (addr, port) ends
    iip = inn[14:]
    proto = iip[9]
    hl = (iip[0] & 15) * 4
    ports = struct.unpack(">HH", iip[hl:hl + 4]) if proto in (6, 17) else (0, 0)
    key = (proto,) + tuple(sorted([(iip[12:16], ports[0]), (iip[16:20], ports[1])]))
    flows_port.setdefault(key, set()).add(sport)
    flows_dst.setdefault(key, set()).add(ip[16:20])
    sinks.append((".".join(map(str, ip[12:16])), sport, vx.hex(), len(f) - 42))
ok &= same("target 2 inner frames", inner, exp[303])
both = 0
for k, ports in flows_port.items():
    if len(ports) != 1:
        print("flow %r got several source ports %s" % (k, ports)); ok = False
    if len(flows_dst[k]) != 1:
        print("flow %r went to several NLB addresses" % (k,)); ok = False
tcp8081 = [k for k in flows_port if k[0] == 6]
if len(tcp8081) != 2:
    print("expected 2 TCP 8081 connections at target 2, saw", len(tcp8081)); ok = False
# the UDP socket saw the same datagrams: sender, port, VXLAN header, length
got = []
for line in open(T + "/sink.log"):
    p = line.split()
    if len(p) == 4:
        got.append((p[0], int(p[1]), p[2], int(p[3])))
if sorted(got) != sorted(sinks):
    print("UDP socket saw %d datagrams, capture %d; first %r vs %r"
          % (len(got), len(sinks), got[:2], sinks[:2])); ok = False

# vxscope's own counters
c = json.load(open(T + "/counters.json"))
total = sum(len(v) for v in exp.values())
if not (c["selected"] == c["mirrored"] == total):
    print("counters: selected %d mirrored %d, expected %d" % (c["selected"], c["mirrored"], total)); ok = False
cut = sum(1 for f in frames(T + "/exp101.pcap") if len(f) > 100) + \
      sum(1 for f in frames(T + "/exp303.pcap") if len(f) > 200)
if c["truncated"]["packet_length"] != cut:
    print("counters: truncated %d, expected %d" % (c["truncated"]["packet_length"], cut)); ok = False
if c["dropped"]["total"] != 0:
    print("counters: dropped", c["dropped"]); ok = False
per = {s["vni"]: s["packets"] for s in c["sessions"]}
if per != {v: len(n) for v, n in exp.items()}:
    print("per-session counters", per); ok = False
print("counters:", json.dumps({k: c[k] for k in ("frames", "selected", "mirrored", "truncated", "filtered")}))
json.dump({"total": total}, open(T + "/expected.json", "w"))
sys.exit(0 if ok else 1)
PY
CHECK="kernel-decapsulated frames and target 2 = the BPF selection, cut to PacketLength; outer headers; counters"
check python3 "$T/verify.py" "$T"

# the same TCP connection in both directions used one outer source port (flow symmetric):
# tshark-free check on the t2 capture, by the inner ports' direction
CHECK="target 2 saw both directions of each TCP 8081 connection"
check python3 - "$T/t2.pcap" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read(); off = 24; dirs = {}
while off + 16 <= len(d):
    incl = struct.unpack("<I", d[off + 8:off + 12])[0]; f = d[off + 16:off + 16 + incl]; off += 16 + incl
    sport = struct.unpack(">H", f[34:36])[0]; iip = f[64:]
    if iip[9] != 6: continue
    a, b = struct.unpack(">HH", iip[20:24])
    dirs.setdefault(sport, set()).add("out" if b == 8081 else "in")
sys.exit(0 if dirs and all(v == {"in", "out"} for v in dirs.values()) else 1)
PY

# 4. --max-bps: replay the source capture as fast as possible under a small bound
TOTAL=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"])' "$T/expected.json")
nsx a "$BIN" mirror --config "$T/aws.json" --config "$T/hostmap.json" --eni $ENI \
	--capture "$T/src.pcap" --max-bps 20k --json >"$T/bps.json" 2>"$T/bps.log"
CHECK="--max-bps 20k: mirrored + dropped = selected = $TOTAL, both non-zero"
check python3 - "$T/bps.json" "$TOTAL" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); total = int(sys.argv[2])
m, d = c["mirrored"], c["dropped"]["max_bps"]
print("  mirrored %d, dropped by --max-bps %d (%d bytes), selected %d" % (m, d, c["dropped"]["max_bps_bytes"], c["selected"]))
sys.exit(0 if c["selected"] == total and m + d == total and m > 0 and d > 0 and c["dropped"]["send_error"] == 0 else 1)
PY

# 5. the UDP-socket fallback
n_before=$(wc -l <"$T/sink.log")
nsx a "$BIN" mirror --config "$T/aws.json" --config "$T/hostmap.json" --eni $ENI \
	--capture "$T/exp303.pcap" --udp-socket --json >"$T/udp.json" 2>"$T/udp.log"
sleep 0.5
CHECK="--udp-socket warns and delivers VNI 303 VXLAN to target 2, from the ENI's address"
check python3 - "$T/udp.log" "$T/udp.json" "$T/sink.log" "$n_before" <<'PY'
import json, sys
log = open(sys.argv[1]).read(); c = json.load(open(sys.argv[2]))
lines = open(sys.argv[3]).read().splitlines()[int(sys.argv[4]):]
ok = "plain UDP socket" in log and c["send"] == "udp-socket" and c["mirrored"] > 0
ok = ok and len(lines) == c["mirrored"] and all(l.split()[2] == "0800000000012f00" for l in lines)
ok = ok and all(l.split()[0] == "10.97.0.1" for l in lines)  # bound to the ENI's address
if not ok: print(log, c, lines[:3])
sys.exit(0 if ok else 1)
PY

# 5b. --replay-speed honours the timestamps (scaled), --stats-interval prints while it runs
SPAN=$(python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read(); off = 24; ts = []
while off + 16 <= len(d):
    s, us, incl, _ = struct.unpack("<IIII", d[off:off + 16]); ts.append(s + us / 1e6); off += 16 + incl
print("%.3f" % (ts[-1] - ts[0]))' "$T/exp303.pcap")
t0=$(date +%s.%N)
nsx a "$BIN" mirror --config "$T/aws.json" --config "$T/hostmap.json" --eni $ENI \
	--capture "$T/exp303.pcap" --replay-speed 2 --stats-interval 1 --json >"$T/replay.json" 2>"$T/replay.log"
t1=$(date +%s.%N)
CHECK="--replay-speed 2: a ${SPAN} s capture takes about half that; stats printed every second"
check python3 - "$SPAN" "$t0" "$t1" "$T/replay.log" <<'PY'
import sys
span, t0, t1 = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
took = t1 - t0
stats = sum(1 for l in open(sys.argv[4]) if "selected" in l)
print("  capture span %.2f s, replay took %.2f s, %d stats lines" % (span, took, stats))
ok = span / 2 * 0.95 <= took <= span / 2 + 1.5
ok = ok and (stats >= 1 or span / 2 < 1.2)
sys.exit(0 if ok else 1)
PY

# 6. an IPv6 outer header (computed UDP checksum) into the kernel's IPv6 VXLAN device: replay
# the source capture with one session, all TCP of both families, PacketLength 150
cat >"$T/aws6.json" <<EOF
{ "TrafficMirrorFilters": [ { "TrafficMirrorFilterId": "tmf-0e2e0000000000006",
    "IngressFilterRules": [
      { "TrafficDirection": "ingress", "RuleNumber": 1, "RuleAction": "accept", "Protocol": 6,
        "SourceCidrBlock": "0.0.0.0/0", "DestinationCidrBlock": "0.0.0.0/0" },
      { "TrafficDirection": "ingress", "RuleNumber": 2, "RuleAction": "accept", "Protocol": 6,
        "SourceCidrBlock": "::/0", "DestinationCidrBlock": "::/0" } ],
    "EgressFilterRules": [
      { "TrafficDirection": "egress", "RuleNumber": 1, "RuleAction": "accept", "Protocol": 6,
        "SourceCidrBlock": "0.0.0.0/0", "DestinationCidrBlock": "0.0.0.0/0" },
      { "TrafficDirection": "egress", "RuleNumber": 2, "RuleAction": "accept", "Protocol": 6,
        "SourceCidrBlock": "::/0", "DestinationCidrBlock": "::/0" } ] } ],
  "TrafficMirrorSessions": [ { "TrafficMirrorSessionId": "tms-0e2e0000000000006",
    "TrafficMirrorTargetId": "tmt-0e2e0000000000006", "TrafficMirrorFilterId": "tmf-0e2e0000000000006",
    "NetworkInterfaceId": "$ENI", "PacketLength": 150, "SessionNumber": 1, "VirtualNetworkId": 404 } ],
  "TrafficMirrorTargets": [ { "TrafficMirrorTargetId": "tmt-0e2e0000000000006",
    "NetworkInterfaceId": "eni-0e2e000000000t6", "Type": "network-interface" } ],
  "VxscopeHostMap": {
    "NetworkInterfaces": [ { "NetworkInterfaceId": "$ENI", "Addresses": ["fd97::1", "$A"] } ],
    "Targets": [ { "TrafficMirrorTargetId": "tmt-0e2e0000000000006", "Addresses": ["fd99::2"] } ] } }
EOF
nsx a "$BIN" mirror --config "$T/aws6.json" --eni $ENI --capture "$T/src.pcap" --json \
	>"$T/v6.json" 2>"$T/v6.log" || { cat "$T/v6.log"; vxs_die "mirror over IPv6"; }
sleep 1
stop_pid "$P_404" INT 5
tcpdump -n -r "$T/src.pcap" -w "$T/exp404.pcap" "tcp" 2>/dev/null
CHECK="IPv6 outer: the kernel decapsulated every TCP frame (v4 and v6 inner), cut to 150"
check python3 - "$T" <<'PY'
import json, struct, sys
def frames(path):
    d = open(path, "rb").read(); off = 24; out = []
    while off + 16 <= len(d):
        incl = struct.unpack("<I", d[off + 8:off + 12])[0]
        out.append(d[off + 16:off + 16 + incl]); off += 16 + incl
    return out
T = sys.argv[1]
want = [f[:150] for f in frames(T + "/exp404.pcap")]
got = frames(T + "/vx404.pcap")
c = json.load(open(T + "/v6.json"))
v6 = sum(1 for f in want if f[12:14] == b"\x86\xdd")
print("  %d frames expected (%d IPv6 inner), kernel gave %d, vxscope mirrored %d" % (len(want), v6, len(got), c["mirrored"]))
sys.exit(0 if got == want and v6 > 0 and c["mirrored"] == len(want) else 1)
PY

# 7. clear errors: unknown ENI, missing interface
"$BIN" mirror --config "$T/aws.json" --config "$T/hostmap.json" --eni eni-nope --interface eth0 \
	>/dev/null 2>"$T/err1"
rc1=$?
nsx a "$BIN" mirror --config "$T/aws.json" --config "$T/hostmap.json" --eni $ENI \
	--interface nosuch0 >/dev/null 2>"$T/err2"
rc2=$?
CHECK="unknown ENI -> status 1 naming it; missing interface -> status 2 naming it"
check test "$rc1" -eq 1 -a "$rc2" -eq 2
grep -q "unknown ENI 'eni-nope'" "$T/err1" || { cat "$T/err1"; fails=$((fails + 1)); }
grep -q "nosuch0" "$T/err2" || { cat "$T/err2"; fails=$((fails + 1)); }

# 8. without CAP_NET_RAW: the live capture is refused (status 2, "permission denied"); a replay
# falls back to the UDP socket by itself, says so, and still delivers
if command -v setpriv >/dev/null 2>&1; then
	NORAW="setpriv --bounding-set=-net_raw --inh-caps=-net_raw"
	nsx a $NORAW "$BIN" mirror --config "$T/aws.json" --config "$T/hostmap.json" --eni $ENI \
		--interface eth0 >/dev/null 2>"$T/err3"
	rc3=$?
	n_before=$(wc -l <"$T/sink.log")
	nsx a $NORAW "$BIN" mirror --config "$T/aws.json" --config "$T/hostmap.json" --eni $ENI \
		--capture "$T/exp303.pcap" --json >"$T/noraw.json" 2>"$T/err4"
	rc4=$?
	sleep 0.5
	n_after=$(wc -l <"$T/sink.log")
	CHECK="no CAP_NET_RAW: live capture refused (status $rc3), replay falls back to UDP (status $rc4, $((n_after - n_before)) datagrams)"
	check test "$rc3" -eq 2 -a "$rc4" -eq 0 -a "$n_after" -gt "$n_before"
	grep -q "permission denied" "$T/err3" || { cat "$T/err3"; fails=$((fails + 1)); }
	grep -q "no permission for a raw socket" "$T/err4" || { cat "$T/err4"; fails=$((fails + 1)); }
fi

# 9. a single-NIC host: the target (b, a UDP socket) is reached through the mirrored eth0
# itself, with a filter that accepts everything; our copies show up on eth0 as egress UDP 4789
# and must be skipped (own_copies), never mirrored again
cat >"$T/self.json" <<EOF
{ "TrafficMirrorFilters": [ { "TrafficMirrorFilterId": "tmf-0e2e0000000000009",
    "IngressFilterRules": [ { "TrafficDirection": "ingress", "RuleNumber": 1, "RuleAction": "accept",
        "SourceCidrBlock": "0.0.0.0/0", "DestinationCidrBlock": "0.0.0.0/0" } ],
    "EgressFilterRules": [ { "TrafficDirection": "egress", "RuleNumber": 1, "RuleAction": "accept",
        "SourceCidrBlock": "0.0.0.0/0", "DestinationCidrBlock": "0.0.0.0/0" } ] } ],
  "TrafficMirrorSessions": [ { "TrafficMirrorSessionId": "tms-0e2e0000000000009",
    "TrafficMirrorTargetId": "tmt-0e2e0000000000009", "TrafficMirrorFilterId": "tmf-0e2e0000000000009",
    "NetworkInterfaceId": "$ENI", "SessionNumber": 1, "VirtualNetworkId": 909 } ],
  "TrafficMirrorTargets": [ { "TrafficMirrorTargetId": "tmt-0e2e0000000000009",
    "NetworkInterfaceId": "eni-0e2e000000000t9", "Type": "network-interface" } ],
  "VxscopeHostMap": {
    "NetworkInterfaces": [ { "NetworkInterfaceId": "$ENI", "Interface": "eth0", "Addresses": ["$A"] } ],
    "Targets": [ { "TrafficMirrorTargetId": "tmt-0e2e0000000000009", "Addresses": ["10.97.0.2"] } ] } }
EOF
ns_spawn b "$T/sink-b.log" python3 -u -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.97.0.2", 4789))
print("ready", flush=True)
while True:
    s.recv(65535)'
wait_log "$T/sink-b.log" '^ready' || vxs_die "sink in b did not start"
for mode in raw-socket udp-socket; do
	opt=""
	[ $mode = udp-socket ] && opt=--udp-socket
	ns_spawn a "$T/self.log" "$BIN" mirror --config "$T/self.json" --eni $ENI --json $opt
	P_SELF=$VXS_LAST_PID
	wait_log "$T/self.log" 'mirroring eth0' || { cat "$T/self.log"; vxs_die "mirror (single NIC) did not start"; }
	# 10 packets; under load the first may pass before the capture is really armed, so the
	# check asks for most of them -- its subject is that every one selected is skipped.
	nsx a ping -c 5 -i 0.1 10.97.0.2 >/dev/null || vxs_die "ping (single NIC)"
	sleep 1
	stop_pid "$P_SELF" INT 5
	CHECK="single NIC, $mode: every copy seen again on eth0 is skipped (own_copies = mirrored = selected >= 6)"
	check python3 - "$T/self.log" <<'PY'
import json, sys
c = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")][0]
print("  selected %d, mirrored %d, own copies %d" % (c["selected"], c["mirrored"], c["own_copies"]))
sys.exit(0 if c["own_copies"] == c["mirrored"] == c["selected"] >= 6 else 1)
PY
done

[ $fails -eq 0 ] || exit 1
echo "all checks passed"
