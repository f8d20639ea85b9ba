#!/usr/bin/env bash
# e2e: both ends of a conversation are mirrored to one target (two sessions, as when a client's
# and a server's ENIs both have a mirror session).  Every packet then arrives twice.
#   - with deduplication (the default) vxscope analyses each packet once: no retransmission or
#     duplicate ACK that the direct capture does not have, and a two-vantage-point finding that
#     counts the copies;
#   - tshark, which merges the two sessions into one conversation, reports retransmissions and
#     duplicate ACKs that never happened (this proves the test exercises what it claims);
#   - with --no-dedup each copy is analysed in its own session's flow: twice the packets, each
#     session from its own vantage point (sessions never merge).
set -u
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip tc ethtool tcpdump tshark python3
ROOT=${VXS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${VXS_BIN:-$ROOT/build/release/vxscope}
T=$(vxs_tmpdir)

netns_add cli
netns_add srv
netns_add tgt
netns_add sw
# cli and srv talk over a bridge-less direct veth; each also has a jumbo link to the target
veth_pair cli eth0 srv eth0
veth_pair cli mir0 sw m1 9000
veth_pair srv mir0 sw m2 9000
veth_pair tgt mir0 sw m3 9000
nsx sw ip link add br0 type bridge
for i in m1 m2 m3; do nsx sw ip link set "$i" master br0; done
nsx sw ip link set br0 up
addr_add cli eth0 10.97.0.1/24
addr_add srv eth0 10.97.0.2/24
addr_add cli mir0 10.97.9.1/24
addr_add srv mir0 10.97.9.3/24
addr_add tgt mir0 10.97.9.2/24
ns_spawn tgt "$T/sink.log" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 4789))
while True:
    s.recv(65535)'
ns_spawn tgt "$T/tcpdump.log" tcpdump -i mir0 -n -U -w "$T/mirror.pcap" udp port 4789
ns_spawn cli "$T/direct.log" tcpdump -i eth0 -n -U -w "$T/direct.pcap" tcp
sleep 1
# one VNI for both sessions; the outer source tells them apart (each host's own address)
vxlan_mirror cli eth0 77 10.97.0.1 10.97.9.2
vxlan_mirror srv eth0 77 10.97.0.2 10.97.9.2

ns_spawn srv "$T/http.log" python3 -m http.server --bind 10.97.0.2 8080 --directory "$ROOT/src"
wait_port srv 8080 || vxs_die "http server did not start"
for i in 1 2 3 4 5; do
	nsx cli curl -s -o /dev/null "http://10.97.0.2:8080/engine/pipeline.c" || vxs_die "curl"
done
sleep 1.5 # tcpdump drops what is still in its buffer when interrupted
kill -INT $(pgrep -f "tcpdump -i mir0 -n -U -w $T/mirror.pcap") $(pgrep -f "tcpdump -i eth0 -n -U -w $T/direct.pcap") 2>/dev/null
sleep 1

"$BIN" analyze --json "$T/mirror.pcap" >"$T/dedup.json" 2>/dev/null || vxs_die "analyze"
"$BIN" analyze --json --no-dedup "$T/mirror.pcap" >"$T/nodedup.json" 2>/dev/null || vxs_die "analyze --no-dedup"
"$BIN" analyze --json "$T/direct.pcap" >"$T/direct.json" 2>/dev/null || vxs_die "analyze direct"
fake=$(tshark -n -r "$T/mirror.pcap" -Y 'tcp.analysis.retransmission || tcp.analysis.duplicate_ack' 2>/dev/null | wc -l)
python3 - "$T/dedup.json" "$T/nodedup.json" "$T/direct.json" "$fake" <<'PY'
import json, sys
d, n, direct = (json.load(open(p)) for p in sys.argv[1:4])
ok = True
def flags(r):
    return r["tcp"]["flags"]
tcp_direct = direct["tcp"]["packets"]
# with dedup: the mirror gives exactly the direct capture's TCP packets and flags
if d["tcp"]["packets"] != tcp_direct:
    print("dedup: %d TCP packets analysed, direct capture has %d" % (d["tcp"]["packets"], tcp_direct)); ok = False
# (ack_lost_segment is left out: when the first copy of a data segment comes from one mirror
# point and the first copy of its ACK from the other, the target may receive the ACK first --
# two paths, two queues -- and the merged flow shows an ACK for data not yet seen)
# A connection's first packets, before its copies link the two points' flows, may be counted at
# the other point, so a connection can show one spurious retransmission: up to one flag per
# connection is tolerated.  tshark reports dozens of fake flags on the same capture (checked
# below: at least ten times as many).
extra = 0
for k in ("retransmission", "duplicate_ack", "out_of_order", "lost_segment"):
    extra += abs(flags(d)[k] - flags(direct)[k])
    if flags(d)[k] != flags(direct)[k]:
        print("dedup: %s %d, direct %d" % (k, flags(d)[k], flags(direct)[k]))
if extra > direct["flows"]["tcp"]:
    print("dedup: %d flags the direct capture does not have (tolerance: one per connection, %d)"
          % (extra, direct["flows"]["tcp"])); ok = False
two = [f for f in d["findings"] if f["kind"] == "mirror.two_vantage_points"]
copies = sum(x["value"] for f in two for x in f["evidence"]["facts"] if x["name"] == "packets seen at both points")
sessions = [s for s in d["sessions"] if s["tunnel"] == "vxlan"]
if len(sessions) != 2 or {s["outer_src"] for s in sessions} != {"10.97.0.1", "10.97.0.2"}:
    print("expected two sessions (VNI 77 from 10.97.0.1 and 10.97.0.2):", [s["label"] for s in sessions]); ok = False
dups = sum(s["duplicates"] for s in sessions)
if not two or copies < tcp_direct or dups != copies:
    print("two-vantage-point finding: copies %d, session duplicates %d, direct TCP packets %d" % (copies, dups, tcp_direct)); ok = False
# analysed once, and in one flow per connection (not split by which mirror point saw a packet
# first): as many TCP flows as the direct capture has
if d["flows"]["tcp"] != direct["flows"]["tcp"]:
    print("dedup: %d TCP flows, the direct capture has %d" % (d["flows"]["tcp"], direct["flows"]["tcp"])); ok = False
fake = int(sys.argv[4])
if fake < 10 * max(extra, 1):
    print("tshark saw only %d fake retransmissions/dup ACKs in the doubled capture (vxscope %d)" % (fake, extra)); ok = False
# without dedup each copy is analysed in its own session: twice the packets, no fake flags
if n["tcp"]["packets"] != 2 * tcp_direct:
    print("no-dedup: %d TCP packets, expected %d" % (n["tcp"]["packets"], 2 * tcp_direct)); ok = False
# (each session is then analysed from its own vantage point: the server's side sees packets
# in another order than the client's, so its flags need not equal the client-side capture's)
print("direct TCP packets %d; dedup analysed %d, folded %d copies; no-dedup analysed %d; tshark on the doubled capture: %d fake retransmissions/dup ACKs"
      % (tcp_direct, d["tcp"]["packets"], copies, n["tcp"]["packets"], fake))
sys.exit(0 if ok else 1)
PY
