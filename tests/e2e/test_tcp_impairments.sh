#!/usr/bin/env bash
# e2e: vxscope's TCP analysis against ground truth from a real TCP stack on an impaired path.
#
#   cli 10.97.1.1 --- [e0 emu e1] --- r0 rtr r1 --- 10.97.2.2 srv mir0 --- mir0 tgt 10.97.9.2
#   direct capture      pathemu        kernel router   HTTP server  VXLAN 4789   tcpdump udp 4789
#   on cli eth0      (delay, jitter,   (iptables FORWARD  eth0 mirrored by tc mirred into a
#                   reorder, dup)      random drop)       kernel VXLAN device (VNI 4343)
#
# Linux TCP (curl <-> python3 http.server) is the ground truth: the loss is configured in the
# kernel (iptables statistic, counted by the rule itself), the delay in pathemu.py.  Every
# scenario is read twice: from the client's own capture and from the server-side VXLAN mirror.
#
#   a. 3 % random loss server -> client on rtr's FORWARD chain, 4 MB download, 5 ms each way:
#      a tcp.retransmissions finding "from" the server ((server -> clients) in "where"); its
#      rate resent_segments_from_server / data_segments_from_server (every resend, whatever
#      name Wireshark gives it) within 0.5x..2.5x of 3 %
#      (1.5 %..7.5 %): each dropped data segment is sent again at least once, but a rate of
#      ~90 drops in ~2900 segments varies by +-20 % (2 sigma), resent segments can be dropped
#      again, tail-loss probes and RTO rounds resend data that was not lost, and drops of
#      SYN-ACKs/FINs/pure ACKs count in the rule but not in the data segments; and (near) no
#      retransmissions client -> server (at most 1, no finding for that direction).  The
#      same bound is first checked on the ground truth, the server's data segments that go back
#      in sequence in each capture, so a failure says whether the path or vxscope is off.
#   b. 40 ms each way in pathemu, no loss, 5 small downloads: services[].irtt_mean_ms within
#      +-25 % of 80 ms, and no tcp.retransmissions finding.
#   c. on every capture above (and d's): for each tcp.analysis flag, the frames vxscope
#      analyze --packets flags = the frames tshark flags (one tshark pass with every flag as a
#      field, which is what -Y tcp.analysis.<flag> selects; tshark decodes UDP 4789 as VXLAN).
#   d. jitter, reordering and duplication both ways (pathemu): only c's comparison, plus a check
#      that pathemu reordered and duplicated and tshark saw out-of-order segments.
#
# Exit 0 pass, 1 fail (what differed is printed), 77 skip.  VXS_KEEP_TMP=1 keeps the captures.
set -u
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip tc ethtool tcpdump tshark python3 curl iptables
ROOT=${VXS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${VXS_BIN:-$ROOT/build/release/vxscope}
PATHEMU=$ROOT/tests/e2e/pathemu.py
PY=$(python3 -c 'import sys; print(sys.executable)')	# the interpreter, not a shim: its pid
[ -x "$BIN" ] || vxs_skip "no $BIN (make build/release/vxscope)"
T=$(vxs_tmpdir)
START=$(date +%s.%N)

LOSS=0.03
SRV=10.97.2.2
PORT=8080

# --- the network ---------------------------------------------------------------------------
for n in cli emu rtr srv tgt; do
	netns_add $n
	nsx $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
veth_pair cli eth0 emu e0
veth_pair emu e1 rtr r0
veth_pair rtr r1 srv eth0
veth_pair srv mir0 tgt mir0 9000
nsx emu sysctl -qw net.ipv4.ip_forward=0	# only pathemu moves frames through emu
nsx emu ip link set e0 promisc on
nsx emu ip link set e1 promisc on
netns_forward rtr
addr_add cli eth0 10.97.1.1/24
addr_add rtr r0 10.97.1.254/24
addr_add rtr r1 10.97.2.254/24
addr_add srv eth0 $SRV/24
addr_add srv mir0 10.97.9.1/24
addr_add tgt mir0 10.97.9.2/24
route_add cli default 10.97.1.254
route_add srv default 10.97.2.254

# the mirror target: a UDP sink so the kernel sends no port unreachables, and the server's
# interface copied both ways into VXLAN VNI 4343
ns_spawn tgt "$T/sink.log" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 4789))
while True:
    s.recv(65535)'
vxlan_mirror srv eth0 4343 $SRV 10.97.9.2

# the server: files to download
head -c 4000000 /dev/urandom >"$T/big.bin"
head -c 2000000 /dev/urandom >"$T/mid.bin"
head -c 65536 /dev/urandom >"$T/small.bin"
ns_spawn srv "$T/http.log" "$PY" -m http.server --bind $SRV $PORT --directory "$T"
wait_port srv $PORT

elapsed() { awk -v a="$(date +%s.%N)" -v b="$1" 'BEGIN { printf "%.1f", a - b }'; }

# pathemu_start NAME ARGS...: (re)start pathemu in emu, cli side = a, rtr side = b;
# pathemu_stop: stop it and print its counters (max_rx_wait_ms / max_tx_late_ms well above
# 1 ms would mean the emulator itself queued)
EMU_PID=""
pathemu_stop()
{
	[ -n "$EMU_PID" ] || return 0
	stop_pid "$EMU_PID"
	EMU_PID=""
	echo "pathemu $EMU_NAME: $(tail -1 "$T/emu-$EMU_NAME.log")"
}
pathemu_start()
{
	local name="$1"
	shift
	pathemu_stop
	EMU_NAME=$name
	ns_spawn emu "$T/emu-$name.log" "$PY" "$PATHEMU" --if-a e0 --if-b e1 --seed "$name" \
		--timeout 120 "$@"
	EMU_PID=$VXS_LAST_PID
	wait_log "$T/emu-$name.log" '^pathemu: ready' 5 ||
		{ cat "$T/emu-$name.log"; vxs_die "pathemu $name did not start"; }
}

# capture_start NAME / capture_stop: the client's direct capture ($T/NAME-direct.pcap) and the
# target's mirror capture ($T/NAME-mirror.pcap)
capture_start()
{
	CAP=$1
	# a 32 MB ring: the mirror capture must keep up with a burst on a busy 2-core machine
	ns_spawn cli "$T/$CAP-direct.log" tcpdump -i eth0 -n -B 32768 -U \
		-w "$T/$CAP-direct.pcap" tcp
	CAP_PIDS=$VXS_LAST_PID
	ns_spawn tgt "$T/$CAP-mirror.log" tcpdump -i mir0 -n -B 32768 -U \
		-w "$T/$CAP-mirror.pcap" udp port 4789
	CAP_PIDS="$CAP_PIDS $VXS_LAST_PID"
	if ! wait_log "$T/$CAP-direct.log" 'listening on' 5 ||
		! wait_log "$T/$CAP-mirror.log" 'listening on' 5; then
		vxs_die "tcpdump did not start"
	fi
}
capture_stop()
{
	local p
	# the last ACKs and FINs, then more than tcpdump's 1 s buffer timeout: a SIGINT throws
	# away what is still in the capture ring's unfinished block
	sleep 1.2
	for p in $CAP_PIDS; do
		stop_pid "$p" INT 5
	done
	# a capture that missed packets would make every count below wrong
	for p in direct mirror; do
		awk '/packets captured/ { c = $1 } /received by filter/ { r = $1 }
			/dropped by kernel/ { d = $1 } END { exit !(c != "" && c == r && d == 0) }' \
			"$T/$CAP-$p.log" || bad "$CAP-$p capture is incomplete: $(paste -sd' ' "$T/$CAP-$p.log")"
	done
	CAPS="${CAPS:-} $CAP-direct $CAP-mirror"
}

# download COUNT FILE: COUNT sequential HTTP downloads from the client
download()
{
	local i t
	t=$(date +%s.%N)
	for i in $(seq "$1"); do
		nsx cli curl -s -o /dev/null --max-time 40 "http://$SRV:$PORT/$2" ||
			vxs_die "download $i of $2 failed"
	done
	echo "downloaded $1 x $2 ($(stat -c %s "$T/$2") bytes) in $(elapsed "$t") s"
}

# vxscope's report on a capture, reduced to what the checks need:
#   service <rtx to> <rtx from> <data to> <data from> <irtt ms> <p95 ms>
#   finding <kind> <where...>
report() { "$BIN" analyze --json "$1" 2>"$1.err" | python3 -c '
import json, sys
r = json.load(sys.stdin)
srv, port = sys.argv[1], int(sys.argv[2])
for s in r["services"]:
    if s["addr"] == srv and s["port"] == port:
        print("service", s["resent_segments_to_server"], s["resent_segments_from_server"],
              s["data_segments_to_server"], s["data_segments_from_server"],
              s.get("irtt_mean_ms", -1), s.get("ack_rtt_p95_max_ms", -1))
for f in r["findings"]:
    print("finding", f["kind"], f["where"])' $SRV $PORT; }

# resends FILE: "R N": of the N data segments from the server in FILE, R go back in sequence
# (start below the highest byte already sent in their connection): what was really resent, at
# any capture point, whatever name Wireshark gives it (on a path that does not reorder)
resends() { tshark -n -r "$1" -Y "ip.src == $SRV && tcp.srcport == $PORT && tcp.len > 0" \
	-T fields -e tcp.stream -e tcp.seq -e tcp.len 2>/dev/null | awk '
	{ n++; if (($1 in top) && $2 < top[$1]) r++; if (!($1 in top) || $2 + $3 > top[$1]) top[$1] = $2 + $3 }
	END { print r + 0, n + 0 }'; }

# --- a. loss server -> client ---------------------------------------------------------------
t0=$(date +%s.%N)
pathemu_start a --delay 5
nsx rtr iptables -A FORWARD -i r1 -o r0 -s $SRV -p tcp --sport $PORT \
	-m statistic --mode random --probability $LOSS -j DROP || vxs_die "iptables"
capture_start a
download 1 big.bin
capture_stop
pathemu_stop
drop_pkts=$(nsx rtr iptables -L FORWARD -v -x -n | awk '/statistic/ { print $1 }')
nsx rtr iptables -F FORWARD
srv_pkts=$(tshark -n -r "$T/a-mirror.pcap" -Y "ip.src == $SRV && tcp.srcport == $PORT" 2>/dev/null | wc -l)
echo "a: loss $LOSS server -> client: rtr dropped $drop_pkts of $srv_pkts server packets" \
	"($(awk -v d="$drop_pkts" -v n="$srv_pkts" 'BEGIN { printf "%.2f", n ? 100 * d / n : 0 }') %)"
for c in direct mirror; do
	report "$T/a-$c.pcap" >"$T/a-$c.rep"
	read -r _ rto rfrom dto dfrom irtt p95 < <(grep '^service' "$T/a-$c.rep") ||
		{ bad "a/$c: no service $SRV:$PORT in the report"; cat "$T/a-$c.rep"; continue; }
	rate=$(awk -v r="$rfrom" -v d="$dfrom" 'BEGIN { printf "%.4f", d ? r / d : 0 }')
	read -r tr tn < <(resends "$T/a-$c.pcap")
	truth=$(awk -v r="$tr" -v d="$tn" 'BEGIN { printf "%.4f", d ? r / d : 0 }')
	echo "a/$c: ground truth: $tr of $tn server data segments resent ($truth)"
	# the test bed itself: if this fails, the path is wrong, not vxscope
	awk -v x="$truth" -v p=$LOSS 'BEGIN { exit !(x >= 0.5 * p && x <= 2.5 * p) }' ||
		bad "a/$c: test bed: resend rate $truth not within 0.5x..2.5x of loss $LOSS"
	echo "a/$c: server -> client $rfrom of $dfrom data segments retransmitted" \
		"($(awk -v x="$rate" 'BEGIN { printf "%.2f", 100 * x }') %), client -> server $rto of $dto;" \
		"irtt $irtt ms; findings: $(grep '^finding' "$T/a-$c.rep" | cut -d' ' -f2- | paste -sd';')"
	# where: "LABEL (server -> clients)"; a mirror's label also names its session
	if grep -q "^finding tcp.retransmissions $SRV:$PORT/tcp.* (server -> clients)" "$T/a-$c.rep"; then
		ok "a/$c: tcp.retransmissions finding names the server $SRV:$PORT as the sender"
	else
		bad "a/$c: no tcp.retransmissions finding from $SRV:$PORT (server -> clients)"
	fi
	if awk -v x="$rate" -v p=$LOSS 'BEGIN { exit !(x >= 0.5 * p && x <= 2.5 * p) }'; then
		ok "a/$c: retransmission rate $rate within 0.5x..2.5x of loss $LOSS"
	else
		bad "a/$c: retransmission rate $rate not within 0.5x..2.5x of loss $LOSS"
	fi
	if [ "$rto" -le 1 ] && ! grep -q "^finding tcp.retransmissions.*(clients -> server)" "$T/a-$c.rep"; then
		ok "a/$c: client -> server: $rto retransmissions, no finding"
	else
		bad "a/$c: client -> server: $rto retransmissions (want <= 1) or a finding for it"
	fi
done
echo "a: $(elapsed "$t0") s"

# --- b. delay 40 ms each way ----------------------------------------------------------------
t0=$(date +%s.%N)
DELAY=40
RTT=$((2 * DELAY))
pathemu_start b --delay $DELAY
capture_start b
download 5 small.bin
capture_stop
pathemu_stop
for c in direct mirror; do
	report "$T/b-$c.pcap" >"$T/b-$c.rep"
	read -r _ rto rfrom dto dfrom irtt p95 < <(grep '^service' "$T/b-$c.rep") ||
		{ bad "b/$c: no service $SRV:$PORT in the report"; cat "$T/b-$c.rep"; continue; }
	echo "b/$c: configured RTT $RTT ms: irtt_mean_ms $irtt, ack_rtt_p95_max_ms $p95;" \
		"retransmissions $rto to / $rfrom from the server;" \
		"findings: $(grep '^finding' "$T/b-$c.rep" | cut -d' ' -f2- | paste -sd';')"
	if awk -v x="$irtt" -v r=$RTT 'BEGIN { exit !(x >= 0.75 * r && x <= 1.25 * r) }'; then
		ok "b/$c: irtt_mean_ms $irtt within 25 % of $RTT ms"
	else
		bad "b/$c: irtt_mean_ms $irtt not within 25 % of $RTT ms"
	fi
	if grep -q '^finding tcp.retransmissions' "$T/b-$c.rep"; then
		bad "b/$c: a tcp.retransmissions finding on a loss-free path"
	else
		ok "b/$c: no tcp.retransmissions finding"
	fi
done
echo "b: $(elapsed "$t0") s"

# --- d. jitter, reordering, duplication -----------------------------------------------------
t0=$(date +%s.%N)
pathemu_start d --delay 5 --jitter 2 --reorder 0.02 --reorder-gap 3 --dup 0.01
capture_start d
download 1 mid.bin
capture_stop
pathemu_stop
if python3 -c '
import json, sys
s = json.loads(open(sys.argv[1]).readlines()[-1])["pathemu"]
sys.exit(0 if all(s[d]["reordered"] and s[d]["duplicated"] for d in ("ab", "ba")) else 1)' \
	"$T/emu-d.log"; then
	ok "d: pathemu reordered and duplicated both ways"
else
	bad "d: pathemu did not reorder and duplicate both ways"
fi
# server -> client data is reordered after the mirror point: the client's capture shows it
n=$(tshark -n -r "$T/d-direct.pcap" -Y tcp.analysis.out_of_order 2>/dev/null | wc -l)
if [ "$n" -gt 0 ]; then
	ok "d/direct: tshark sees $n out-of-order segments"
else
	bad "d/direct: tshark sees no out-of-order segment: the scenario did not reorder"
fi
for c in direct mirror; do
	"$BIN" analyze --json "$T/d-$c.pcap" 2>/dev/null | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("d/%s: findings: %s" % (sys.argv[1], "; ".join("%s %s (%s; %s; cause: %s)" % (f["kind"],
      f["where"], f["title"], ", ".join("%s %g" % (x["name"], x["value"])
      for x in f["evidence"]["facts"]), f.get("cause", "")) for f in r["findings"]) or "none"))' $c
done
echo "d: $(elapsed "$t0") s"

# --- c. per-packet flags = tshark's, frame for frame -----------------------------------------
t0=$(date +%s.%N)
for cap in $CAPS; do
	f="$T/$cap.pcap"
	"$BIN" analyze --packets "$f" >"$f.packets" 2>"$f.err" || { bad "c/$cap: vxscope analyze --packets failed"; continue; }
	if python3 - "$f" "$f.packets" "$cap" <<'PY'
import json, subprocess, sys
FLAGS = """retransmission fast_retransmission spurious_retransmission out_of_order lost_segment
ack_lost_segment duplicate_ack zero_window zero_window_probe zero_window_probe_ack window_full
window_update keep_alive keep_alive_ack reused_ports""".split()
cap, packets, name = sys.argv[1:]
cmd = ["tshark", "-n", "-r", cap, "-T", "fields", "-E", "occurrence=f", "-e", "frame.number"]
for fl in FLAGS:
    cmd += ["-e", "tcp.analysis." + fl]
ts = {fl: set() for fl in FLAGS}
for line in subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.splitlines():
    cols = line.split("\t")
    for fl, v in zip(FLAGS, cols[1:]):
        if v:
            ts[fl].add(int(cols[0]))
ours = {fl: set() for fl in FLAGS}
for line in open(packets):
    p = json.loads(line)
    for fl in p.get("flags", []):
        ours.setdefault(fl, set()).add(p["frame"])
bad = False
summary = []
for fl in sorted(set(FLAGS) | set(ours)):
    a, b = ours.get(fl, set()), ts.get(fl, set())
    if a or b:
        summary.append("%s %d" % (fl, len(b)))
    if a != b:
        bad = True
        print("  %s %s: vxscope only %d %s; tshark only %d %s" % (name, fl, len(a - b),
              sorted(a - b)[:12], len(b - a), sorted(b - a)[:12]))
print("  %s: %s" % (name, ", ".join(summary) or "no flags"))
sys.exit(1 if bad else 0)
PY
	then
		ok "c/$cap: vxscope's flags = tshark's, frame for frame"
	else
		bad "c/$cap: vxscope's flags differ from tshark's (above)"
	fi
done
echo "c: $(elapsed "$t0") s"

echo "runtime $(elapsed "$START") s"
[ $fails -eq 0 ] || exit 1
echo "all checks passed"
