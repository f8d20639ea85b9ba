#!/usr/bin/env bash
# e2e: what is NOT a rate limit, and DSCP marking, against real kernels (docs/qos.md).
#
#   cli 10.95.1.1 --- [e0 emu e1] --- r0 rtr r1 --- 10.95.2.2 srv
#   capture eth0      pathemu.py       iptables: statistic drop, mangle DSCP
#   cli mir0, srv mir0, tgt mir0 on a bridge (sw): both ends mirrored (kernel VXLAN, VNI 95)
#
#   a. congestion: 10 ms each way (pathemu) and 2 % random drop cli -> srv (iptables
#      statistic on rtr's FORWARD chain), a 4 s iperf3 upload: the upload's verdict is
#      "congestion" -- never "policer" or "shaper" -- and there is no qos.policer/qos.shaper
#      finding;
#   b. receiver-limited: a python3 receiver with a 16 KB receive buffer that reads 8 KB every
#      50 ms (then stops for 1 s), a sender that writes as fast as it can for 4 s: verdict
#      "receiver-limited" and a qos.receiver_limited finding;
#   c. DSCP: a SIP call with RTP both ways marked EF (voip_call.py --dscp 46); rtr re-marks
#      cli -> srv to CS1 (iptables -t mangle ... -j DSCP --set-dscp-class CS1).  In the
#      two-point mirror capture: a qos.dscp_remarked finding (46 -> 8); in srv's own capture:
#      qos.dscp_direction_mismatch for the RTP flow; and a second, unmarked call: a
#      qos.unmarked_delay_sensitive finding;
#   d. MTU (rtr's link to cli at 1400 bytes, a 300 KB download from srv): with ICMP
#      frag-needed dropped, a black hole on srv's flow; the plan's MSS clamp applied on rtr
#      makes the download complete; with ICMP allowed, no black hole and the ICMP message
#      linked to the path (MTU 1400).
# Exit 0 pass, 1 fail, 77 skip.  VXS_KEEP_TMP=1 keeps the captures.
set -u
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip tc ethtool tcpdump iperf3 python3 iptables
ROOT=${VXS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${VXS_BIN:-$ROOT/build/release/vxscope}
PATHEMU=$ROOT/tests/e2e/pathemu.py
VOIP=$ROOT/tests/e2e/voip_call.py
PY=$(python3 -c 'import sys; print(sys.executable)')
[ -x "$BIN" ] || vxs_skip "no $BIN (make build/release/vxscope)"
T=$(vxs_tmpdir)
SRV=10.95.2.2
CLI=10.95.1.1

routed_path 10.95.1 10.95.2 emu
for n in tgt sw; do
	netns_add $n
	nsx $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
veth_pair cli mir0 sw m1 9000
veth_pair srv mir0 sw m2 9000
veth_pair tgt mir0 sw m3 9000
nsx sw ip link add br0 type bridge
for i in m1 m2 m3; do nsx sw ip link set "$i" master br0; done
nsx sw ip link set br0 up
addr_add cli mir0 10.95.9.1/24
addr_add srv mir0 10.95.9.3/24
addr_add tgt mir0 10.95.9.2/24

EMU_PID=""
pathemu_start()
{
	[ -n "$EMU_PID" ] && stop_pid "$EMU_PID"
	ns_spawn emu "$T/emu-$1.log" "$PY" "$PATHEMU" --if-a e0 --if-b e1 --seed "$1" \
		--timeout 60 --delay "$2"
	EMU_PID=$VXS_LAST_PID
	wait_log "$T/emu-$1.log" '^pathemu: ready' 5 ||
		{ cat "$T/emu-$1.log"; vxs_die "pathemu did not start"; }
}
CAP_PIDS=""
cap() # NS IF NAME FILTER...
{
	local n="$1" i="$2" name="$3"
	shift 3
	ns_spawn "$n" "$T/$name.log" tcpdump -i "$i" -n -s 256 -B 16384 -U -w "$T/$name.pcap" "$@"
	CAP_PIDS="$CAP_PIDS $VXS_LAST_PID"
	wait_log "$T/$name.log" 'listening on' 5 || vxs_die "tcpdump $name did not start"
}
cap_stop()
{
	local p
	sleep 1.2
	for p in $CAP_PIDS; do stop_pid "$p" INT 5; done
	CAP_PIDS=""
}
# entry FILE SRC DPORT: "verdict rate loss" of the largest rate_limits entry from SRC to DPORT,
# then "finding KIND" lines
entry() { "$BIN" analyze --json "$1" 2>"$1.err" | python3 -c '
import json, sys
r = json.load(sys.stdin)
best = None
for e in r.get("qos", {}).get("rate_limits", []):
    if e["src"] == sys.argv[1] and e["dport"] == int(sys.argv[2]):
        if best is None or e["bytes"] > best["bytes"]:
            best = e
print("entry", *( [best["verdict"], best["rate_mbps"], best["loss"], best["plateau_fraction"],
                   best["zero_windows"], best["window_full"]] if best else ["none"] * 6))
for f in r["findings"]:
    print("finding", f["kind"], f["title"])' "$2" "$3"; }

# --- a. congestion ---------------------------------------------------------------------------
ns_spawn srv "$T/iperf3.log" iperf3 -s -B $SRV -p 5201
wait_port srv 5201
pathemu_start a 10
nsx rtr iptables -A FORWARD -i r0 -s $CLI -p tcp --dport 5201 \
	-m statistic --mode random --probability 0.02 -j DROP || vxs_die iptables
cap cli eth0 a tcp
nsx cli iperf3 -c $SRV -p 5201 -t 4 >"$T/a-iperf.log" 2>&1 || bad "a: iperf3 failed"
cap_stop
nsx rtr iptables -F FORWARD
entry "$T/a.pcap" $CLI 5201 >"$T/a.v"
read -r _ v rate loss plat _ < <(grep '^entry' "$T/a.v")
echo "a: 2% random drop + 20 ms RTT: verdict $v, rate $rate, loss $loss, plateau $plat"
[ "$v" = congestion ] && ok "a: verdict congestion" || bad "a: verdict $v, want congestion"
if grep -Eq '^finding qos\.(policer|shaper) ' "$T/a.v"; then
	bad "a: a rate-limit finding on random loss: $(grep -E '^finding qos\.(policer|shaper)' "$T/a.v")"
else
	ok "a: no policer/shaper finding"
fi
grep -q '^finding qos.congestion ' "$T/a.v" && ok "a: qos.congestion finding" ||
	bad "a: no qos.congestion finding"

# --- b. receiver-limited ---------------------------------------------------------------------
pathemu_start b 1
ns_spawn srv "$T/b-rcv.log" "$PY" -c '
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
s.bind(("10.95.2.2", 7000)); s.listen(1)
c, _ = s.accept()
t0 = time.time()
while time.time() - t0 < 5:
    if 2.0 < time.time() - t0 < 3.0:
        time.sleep(0.05); continue	# the application stops reading
    if not c.recv(8192): break
    time.sleep(0.05)
c.close()'
wait_port srv 7000
cap cli eth0 b tcp
nsx cli "$PY" -c '
import socket, time
s = socket.create_connection(("10.95.2.2", 7000))
buf = b"x" * 65536
t0 = time.time()
try:
    while time.time() - t0 < 4:
        s.send(buf)
except OSError:
    pass
s.close()' || true
cap_stop
entry "$T/b.pcap" $CLI 7000 >"$T/b.v"
read -r _ v rate loss plat zw wf < <(grep '^entry' "$T/b.v")
echo "b: slow reader: verdict $v, rate $rate, zero windows $zw, window full $wf"
[ "$v" = receiver-limited ] && ok "b: verdict receiver-limited" || bad "b: verdict $v, want receiver-limited"
grep -q '^finding qos.receiver_limited ' "$T/b.v" && ok "b: qos.receiver_limited finding" ||
	bad "b: no qos.receiver_limited finding"

# --- c. DSCP re-marked by the router, and an unmarked call ------------------------------------
pathemu_start c 1
ns_spawn tgt "$T/sink.log" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 4789))
while True:
    s.recv(65535)'
vxlan_mirror cli eth0 95 $CLI 10.95.9.2
vxlan_mirror srv eth0 95 $SRV 10.95.9.2
nsx rtr iptables -t mangle -A FORWARD -i r0 -p udp -j DSCP --set-dscp-class CS1 ||
	vxs_die "iptables DSCP"
cap tgt mir0 c-mirror udp port 4789
cap srv eth0 c-srv udp
ns_spawn srv "$T/c-uas.log" "$PY" "$VOIP" uas --bind $SRV --rtp-port 40000 --dscp 46 --wait 10
sleep 0.5
nsx cli "$PY" "$VOIP" uac --bind $CLI --to $SRV --seconds 3 --dscp 46 >"$T/c-uac.log" 2>&1 ||
	bad "c: EF call failed: $(cat "$T/c-uac.log")"
cap_stop
nsx rtr iptables -t mangle -F FORWARD
"$BIN" analyze --json "$T/c-mirror.pcap" 2>/dev/null | python3 -c '
import json, sys
for f in json.load(sys.stdin)["findings"]:
    print("finding", f["kind"], f["title"])' >"$T/c-mirror.v"
"$BIN" analyze --json "$T/c-srv.pcap" 2>/dev/null | python3 -c '
import json, sys
for f in json.load(sys.stdin)["findings"]:
    print("finding", f["kind"], f["title"])' >"$T/c-srv.v"
grep -q '^finding qos.dscp_remarked .*46.*8' "$T/c-mirror.v" &&
	ok "c: re-marking 46 -> 8 between the mirror points reported" ||
	{ bad "c: no qos.dscp_remarked 46 -> 8 finding"; cat "$T/c-mirror.v"; }
grep -Eq '^finding qos.dscp_direction_mismatch .*\((EF one way, CS1 back|CS1 one way, EF back)\)' "$T/c-srv.v" &&
	ok "c: the two directions' markings differ (CS1 / EF) at srv" ||
	{ bad "c: no qos.dscp_direction_mismatch finding at srv"; cat "$T/c-srv.v"; }

# an unmarked call (DSCP 0): delay-sensitive traffic sent best effort
ns_spawn srv "$T/c-uas2.log" "$PY" "$VOIP" uas --bind $SRV --rtp-port 40002 --wait 10 --seed 7
sleep 0.5
cap srv eth0 c2-srv udp
nsx cli "$PY" "$VOIP" uac --bind $CLI --to $SRV --rtp-port 40002 --seconds 2 --seed 7 \
	>"$T/c2-uac.log" 2>&1 || bad "c: unmarked call failed: $(cat "$T/c2-uac.log")"
cap_stop
"$BIN" analyze --json "$T/c2-srv.pcap" 2>/dev/null | python3 -c '
import json, sys
for f in json.load(sys.stdin)["findings"]:
    print("finding", f["kind"], f["title"])' >"$T/c2-srv.v"
grep -q '^finding qos.unmarked_delay_sensitive ' "$T/c2-srv.v" &&
	ok "c: the unmarked call is reported (qos.unmarked_delay_sensitive)" ||
	{ bad "c: no qos.unmarked_delay_sensitive finding"; cat "$T/c2-srv.v"; }

# --- d. MTU: rtr's link to cli is 1400 bytes; srv sends 300 KB to cli --------------------------
#   d1. ICMP "fragmentation needed" dropped on rtr: a black hole on srv's flow (srv's capture);
#   d2. the MSS clamp from `vxscope qos plan` on d1 applied on rtr: the same download completes
#       and no black hole;
#   d3. clamp removed, ICMP allowed: PMTUD works -- no black hole, the ICMP message linked to
#       the path srv -> cli with MTU 1400.
pathemu_start d 1
nsx rtr ip link set r0 mtu 1400
# A download stuck in d1's black hole is aborted (RST) when its data is still unacknowledged
# after 3 s: left alone, the kernel would go on retransmitting the full-size segment for
# minutes, and once d3 lets ICMP through, that old connection can teach srv the path MTU
# before d3's own transfer starts (seen: d3 with no ICMP and no segment over 1400 bytes).
ns_spawn srv "$T/d-srv.log" "$PY" -c '
import fcntl, socket, struct, threading, time
def unacked(c): # SIOCOUTQ: bytes sent or queued and not yet acknowledged
    return struct.unpack("i", fcntl.ioctl(c, 0x5411, b"\0" * 4))[0]
def serve(c):
    c.settimeout(3)
    end = time.monotonic() + 3
    try:
        c.sendall(b"y" * 300000)
        while unacked(c) and time.monotonic() < end:
            time.sleep(0.05)
    except OSError:
        pass
    try:
        if unacked(c):
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    c.close()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.95.2.2", 7100)); s.listen(4)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()'
wait_port srv 7100
download() { nsx cli "$PY" -c '
import socket
s = socket.create_connection(("10.95.2.2", 7100), timeout=4)
n = 0
try:
    while True:
        b = s.recv(65536)
        if not b: break
        n += len(b)
except OSError:
    pass
print(n)' 2>/dev/null; }
findings() { "$BIN" analyze --json "$1" 2>/dev/null | python3 -c '
import json, sys
r = json.load(sys.stdin)
for f in r["findings"]:
    print("finding", f["kind"], f["where"])
for m in r["qos"]["mtu_paths"]:
    print("path", m["src"], m["dst"], m["icmp_too_big"], m.get("icmp_mtu", 0), m["max_ip_len"])'; }
nsx rtr iptables -A OUTPUT -p icmp --icmp-type fragmentation-needed -j DROP || vxs_die iptables
nsx srv ip route flush cache
cap srv eth0 d1 tcp port 7100 or icmp
got=$(download)
cap_stop
echo "d1: ICMP dropped: cli received ${got:-0} of 300000 bytes"
findings "$T/d1.pcap" >"$T/d1.v"
grep -q "^finding mtu.pmtu_blackhole .*$SRV:7100" "$T/d1.v" &&
	ok "d1: black hole on $SRV:7100" || { bad "d1: no mtu.pmtu_blackhole on $SRV:7100"; cat "$T/d1.v"; }
"$BIN" qos plan "$T/d1.pcap" --iface r0 -o "$T/d-plan.sh" 2>/dev/null || bad "d: qos plan failed"
grep -E '^[[:space:]]*iptables .*TCPMSS --set-mss 1360$' "$T/d-plan.sh" | tail -1 >"$T/d-clamp.sh"
if [ -s "$T/d-clamp.sh" ] && nsx rtr sh "$T/d-clamp.sh"; then
	ok "d2: the plan's MSS clamp applied on rtr: $(cat "$T/d-clamp.sh")"
else
	bad "d2: no MSS clamp in the plan: $(grep -i mss "$T/d-plan.sh")"
fi
nsx srv ip route flush cache
cap srv eth0 d2 tcp port 7100 or icmp
got=$(download)
cap_stop
echo "d2: with the clamp: cli received ${got:-0} of 300000 bytes"
[ "${got:-0}" = 300000 ] && ok "d2: the download completes" || bad "d2: ${got:-0} of 300000 bytes"
findings "$T/d2.pcap" >"$T/d2.v"
grep -q "^finding mtu.pmtu_blackhole" "$T/d2.v" && bad "d2: a black hole is still reported" ||
	ok "d2: no black hole"
nsx rtr iptables -F OUTPUT
nsx rtr iptables -t mangle -F FORWARD
echo "d3: connections of srv:7100 still open before d3: $(nsx srv ss -Htn state established \
	state close-wait state fin-wait-1 state last-ack '( sport = :7100 )' 2>/dev/null | wc -l)"
nsx srv ip route flush cache
cap srv eth0 d3 tcp port 7100 or icmp
got=$(download)
cap_stop
echo "d3: ICMP allowed: cli received ${got:-0} of 300000 bytes"
findings "$T/d3.pcap" >"$T/d3.v"
grep -q "^finding mtu.pmtu_blackhole" "$T/d3.v" && bad "d3: black hole reported with PMTUD working" ||
	ok "d3: PMTUD works, no black hole"
grep -q "^path $SRV $CLI [1-9][0-9]* 1400 " "$T/d3.v" &&
	ok "d3: ICMP too-big (MTU 1400) linked to the path $SRV -> $CLI" ||
	{ bad "d3: no ICMP too-big linked to $SRV -> $CLI"; grep '^path' "$T/d3.v"; }
nsx rtr ip link set r0 mtu 1500

echo "$fails failed"
[ "$fails" -eq 0 ]
