#!/usr/bin/env bash
# e2e: the Linux kernel mirrors a host's traffic into VXLAN (tc mirred into a kernel VXLAN
# device, as AWS would into UDP 4789); vxscope reads what the target captured.
#
# Ground truth is a direct capture on the mirrored interface itself:
#   - every conversation vxscope finds in the mirror capture has the packets of the direct
#     capture (mirror on veth loses nothing), all in session VNI 4242 from the source's address;
#   - `vxscope decap` of the mirror capture gives, in tshark's eyes, the same conversations as
#     the direct capture, and tcpdump reads it;
#   - `vxscope flows` agrees with tshark on the mirror capture itself (conversations.py);
#   - flow logs say egress for the source's packets and ingress for its replies.
set -u
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip tc ethtool tcpdump tshark python3
ROOT=${VXS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${VXS_BIN:-$ROOT/build/release/vxscope}
T=$(vxs_tmpdir)

mirrored_pair 98

# the target: a UDP socket on 4789 so the kernel does not answer with ICMP port unreachable
ns_spawn tgt "$T/sink.log" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 4789))
while True:
    s.recv(65535)'
ns_spawn tgt "$T/tgt-tcpdump.log" tcpdump -i mir0 -n -U -w "$T/mirror.pcap" udp port 4789
ns_spawn src "$T/src-tcpdump.log" tcpdump -i eth0 -n -U -w "$T/direct.pcap" not arp and not icmp6
sleep 1
# outer source = the source's own address, as AWS uses the source ENI's primary IP
vxlan_mirror src eth0 4242 10.98.0.1 10.98.9.2

# real traffic: HTTP over TCP (v4 and v6), a UDP exchange, pings
ns_spawn peer "$T/http.log" python3 -m http.server --bind :: 8080 --directory "$ROOT/tests"
wait_port peer 8080 || vxs_die "http server did not start"
for i in 1 2 3; do
	nsx src curl -s -o /dev/null "http://10.98.0.2:8080/run.sh" || vxs_die "curl v4"
	nsx src curl -s -o /dev/null "http://[fd98::2]:8080/run.sh" || vxs_die "curl v6"
done
ns_spawn peer "$T/udp.log" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.98.0.2", 5353))
for _ in range(5):
    d, a = s.recvfrom(2048)
    s.sendto(d * 2, a)'
sleep 0.3
nsx src python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.98.0.1", 40053))
for i in range(5):
    s.sendto(b"query-%d" % i, ("10.98.0.2", 5353)); s.recv(2048)'
nsx src ping -c 3 -i 0.2 10.98.0.2 >/dev/null || vxs_die "ping"
sleep 1.5 # tcpdump drops what is still in its buffer when interrupted
kill -INT $(pgrep -f "tcpdump -i mir0 -n -U -w $T/mirror.pcap") $(pgrep -f "tcpdump -i eth0 -n -U -w $T/direct.pcap") 2>/dev/null
sleep 1

fails=0
check() { if "$@"; then echo "ok   $CHECK"; else echo "FAIL $CHECK"; fails=$((fails + 1)); fi; }

# 1. vxscope flows on the mirror capture = tshark on the same capture
CHECK="vxscope flows agrees with tshark conv on the mirror capture"
check env VXS_BIN="$BIN" python3 "$ROOT/tests/oracle/conversations.py" "$T/mirror.pcap"

# 2. decap of the mirror capture = the direct capture, conversation by conversation
"$BIN" decap "$T/mirror.pcap" -o "$T/inner.pcapng" 2>/dev/null || vxs_die "decap"
conv() { tshark -n -r "$1" -q -z conv,tcp -z conv,udp 2>/dev/null | grep '<->' | awk '{print $1, $3, $4, $5, $7, $8}' | sort; }
conv "$T/direct.pcap" >"$T/direct.conv"
conv "$T/inner.pcapng" >"$T/inner.conv"
CHECK="decap of the mirror has the direct capture's conversations ($(wc -l <"$T/direct.conv") of them)"
check diff "$T/direct.conv" "$T/inner.conv"
CHECK="tcpdump reads every decapsulated frame"
tcpdump -n -r "$T/inner.pcapng" -w "$T/inner-by-tcpdump.pcap" 2>/dev/null
check test "$(capinfos -c -M "$T/inner-by-tcpdump.pcap" | awk '/packets/ {print $NF}')" = \
	"$(capinfos -c -M "$T/mirror.pcap" | awk '/packets/ {print $NF}')"

# 3. sessions: every flow is in VNI 4242 from the source's address; counts equal the direct ones
"$BIN" flows --json "$T/mirror.pcap" >"$T/mirror.flows" 2>/dev/null
"$BIN" flows --json "$T/direct.pcap" >"$T/direct.flows" 2>/dev/null
CHECK="mirror flows are all session vxlan vni 4242 from 10.98.0.1, same packets as direct"
check python3 - "$T/mirror.flows" "$T/direct.flows" <<'PY'
import json, sys
def load(p):
    out = {}
    for l in open(p):
        f = json.loads(l)
        out[(f["proto"], f["src"], f["sport"], f["dst"], f["dport"])] = f
    return out
m, d = load(sys.argv[1]), load(sys.argv[2])
ok = True
for k, f in m.items():
    s = f["session"]
    if s.get("tunnel") != "vxlan" or s.get("vni") != 4242 or s.get("outer_src") != "10.98.0.1":
        print("bad session", k, s); ok = False
for k, f in d.items():
    if k[0] not in ("tcp", "udp"):
        continue  # the direct capture starts before the mirror: IPv6 MLD/ND noise
    if k not in m:
        print("missing in mirror", k); ok = False
        continue
    for side in ("orig", "resp"):
        for field in ("packets", "bytes"):
            if m[k][side][field] != f[side][field]:
                print("differs", k, side, field, m[k][side][field], f[side][field]); ok = False
tcp = [k for k in m if k[0] == "tcp"]
if len(tcp) < 6:
    print("expected 6 TCP connections, saw", len(tcp)); ok = False
sys.exit(0 if ok else 1)
PY

# 4. flow logs: direction relative to the mirrored source
"$BIN" flowlogs --log-format '${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${flow-direction}' "$T/mirror.pcap" >"$T/fl" 2>/dev/null
CHECK="flow logs: 10.98.0.1's packets egress, replies ingress, UDP 5 packets each way"
check awk '
	NR == 1 { next }
	$1 == "10.98.0.1" && $7 != "egress" { bad = 1 }
	$2 == "10.98.0.1" && $7 != "ingress" { bad = 1 }
	$3 == 40053 && $6 == 5 { udp_out = 1 }
	$4 == 40053 && $6 == 5 { udp_in = 1 }
	END { exit bad || !udp_out || !udp_in }' "$T/fl"
[ $fails -eq 0 ] || { cat "$T/fl"; exit 1; }
echo "all checks passed"
