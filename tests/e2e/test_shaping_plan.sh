#!/usr/bin/env bash
# e2e: the plan works -- `vxscope qos plan` turns a capture of mixed traffic behind a FIFO
# shaper into a tc script; applied on the router, the voice stream's delay and jitter measured
# by vxscope go down (docs/qos.md).
#
#   cli 10.94.1.1 --- [e0 emu e1] --- r0 rtr r1 ---- 10.94.2.2 srv
#   iperf3 client      pathemu.py        r1: tbf 10 Mbit/s, latency 200 ms   iperf3 server
#   SIP/RTP caller     (1 ms)            (one FIFO: voice waits behind bulk)  SIP/RTP callee
#   capture eth0                                                              capture eth0
#
# pathemu copies frames through user space, so the sender's socket is not charged for packets
# queued on rtr (between namespaces a veth hands the same buffer on, and TCP small queues would
# hold the sender back to a few ms of queue): the shaper's queue fills as on a real path.
#
# Round 1: an EF-marked call (RTP every 20 ms, 5.5 s) and, from its second 1 on, a 3.5 s
# iperf3 upload.
# vxscope qos plan on cli's capture -> plan.sh (the link rate: 95 % of the shaper it measures,
# which must be within +-10 % of 10 Mbit/s).  plan.sh runs on rtr for r1 (it replaces the
# tbf: HTB, voice at prio 0; fq_codel leaves where the kernel has them, fifo otherwise).
# Round 2: the same traffic.  From srv's captures, vxscope's voice class:
#   - rtp_delay_p95_ms (the 95th percentile of the one-way delay over the stream's fastest
#     packet, from the RTP timestamps; the shaped direction's) drops to at most half of
#     round 1's, and round 1's is >= 20 ms (the test bed queued);
#   - jitter_max_ms (the RFC 3550 estimate, averaged over the stream) is lower in round 2;
#   - round 1 has the finding qos.voice_behind_shaper (the call queued behind the shaped
#     upload), round 2 has not.
# Exit 0 pass, 1 fail, 77 skip.  VXS_KEEP_TMP=1 keeps the captures and the plan.
set -u
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip tc ethtool tcpdump iperf3 python3
ROOT=${VXS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${VXS_BIN:-$ROOT/build/release/vxscope}
VOIP=$ROOT/tests/e2e/voip_call.py
PY=$(python3 -c 'import sys; print(sys.executable)')
[ -x "$BIN" ] || vxs_skip "no $BIN (make build/release/vxscope)"
T=$(vxs_tmpdir)
SRV=10.94.2.2
CLI=10.94.1.1

routed_path 10.94.1 10.94.2 emu
nsx rtr tc qdisc add dev r1 root tbf rate 10mbit burst 20kb latency 200ms ||
	vxs_skip "no tbf qdisc"
ns_spawn emu "$T/emu.log" "$PY" "$ROOT/tests/e2e/pathemu.py" --if-a e0 --if-b e1 --seed plan \
	--timeout 120 --delay 1
wait_log "$T/emu.log" '^pathemu: ready' 5 || { cat "$T/emu.log"; vxs_die "pathemu did not start"; }
ns_spawn srv "$T/iperf3.log" iperf3 -s -B $SRV -p 5201
wait_port srv 5201

round()
{
	local r="$1" p1 p2 uas
	ns_spawn cli "$T/r$r-cli.log" tcpdump -i eth0 -n -s 256 -B 16384 -U -w "$T/r$r-cli.pcap" tcp or udp
	p1=$VXS_LAST_PID
	ns_spawn srv "$T/r$r-srv.log" tcpdump -i eth0 -n -s 256 -B 16384 -U -w "$T/r$r-srv.pcap" tcp or udp
	p2=$VXS_LAST_PID
	wait_log "$T/r$r-cli.log" 'listening on' 5 && wait_log "$T/r$r-srv.log" 'listening on' 5 ||
		vxs_die "tcpdump did not start"
	ns_spawn srv "$T/r$r-uas.log" "$PY" "$VOIP" uas --bind $SRV --rtp-port 40000 --dscp 46 --wait 10
	uas=$VXS_LAST_PID
	sleep 0.3
	# the call starts on an idle path (its fastest packets give the base delay), the upload
	# joins 1 s later for 3.5 s
	ns_spawn cli "$T/r$r-uac.log" "$PY" "$VOIP" uac --bind $CLI --to $SRV --seconds 5.5 --dscp 46
	local call=$VXS_LAST_PID
	sleep 1
	nsx cli iperf3 -c $SRV -p 5201 -t 3.5 >"$T/r$r-iperf.log" 2>&1 ||
		bad "round $r: iperf3 failed: $(cat "$T/r$r-iperf.log")"
	wait "$call" || bad "round $r: call failed: $(cat "$T/r$r-uac.log")"
	stop_pid "$uas"
	sleep 1.2
	stop_pid "$p1" INT 5
	stop_pid "$p2" INT 5
}

# voice FILE: "rtp_delay_p95_ms jitter_max_ms" of the voice class
voice() { "$BIN" analyze --json "$1" 2>/dev/null | python3 -c '
import json, sys
for c in json.load(sys.stdin)["qos"]["classes"]:
    if c["class"] == "voice":
        print(c.get("rtp_delay_p95_ms", -1), c.get("jitter_max_ms", -1))
        break
else:
    print(-1, -1)'; }

# behind FILE: the qos.voice_behind_shaper finding's title, or nothing
behind() { "$BIN" analyze --json "$1" 2>/dev/null | python3 -c '
import json, sys
for f in json.load(sys.stdin)["findings"]:
    if f["kind"] == "qos.voice_behind_shaper":
        print(f["title"])'; }

round 1
read -r d1 j1 < <(voice "$T/r1-srv.pcap")
b1=$(behind "$T/r1-srv.pcap")
[ -n "$b1" ] && ok "round 1: $b1" || bad "round 1: no qos.voice_behind_shaper finding"

echo "round 1 (tbf FIFO): voice delay $d1 ms, jitter $j1 ms"
"$BIN" qos plan "$T/r1-cli.pcap" --iface r1 -o "$T/plan.sh" 2>"$T/plan.err" ||
	{ cat "$T/plan.err"; vxs_die "vxscope qos plan failed"; }
link=$(sed -n 's/^# Link rate \([0-9]*\)kbit: .*/\1/p' "$T/plan.sh")
echo "plan: link rate ${link:-?} kbit/s"
awk -v l="${link:-0}" 'BEGIN { exit !(l >= 0.95 * 9000 && l <= 0.95 * 11000) }' &&
	ok "plan: link rate $link kbit/s = 95% of the measured 10 Mbit/s shaper (+-10%)" ||
	bad "plan: link rate ${link:-none} kbit/s, want 95% of 10 Mbit/s +-10%"
grep -q 'match ip dsfield 0xb8 0xfc flowid 1:10' "$T/plan.sh" &&
	ok "plan: EF goes to the voice class" || bad "plan: no EF filter for the voice class"
if nsx rtr sh "$T/plan.sh" r1 >"$T/apply.log" 2>&1; then
	ok "plan applied on rtr r1"
else
	bad "plan.sh failed: $(cat "$T/apply.log")"
fi
grep -q "no fq_codel here" "$T/apply.log" && echo "plan: this kernel has no fq_codel, fifo leaves used"
nsx rtr tc qdisc show dev r1 | grep -q '^qdisc htb 1:' && ok "rtr r1 now has the HTB tree" ||
	bad "no htb on r1: $(nsx rtr tc qdisc show dev r1)"

round 2
read -r d2 j2 < <(voice "$T/r2-srv.pcap")
echo "round 2 (plan): voice delay $d2 ms, jitter $j2 ms"
awk -v a="$d1" 'BEGIN { exit !(a >= 20) }' && ok "round 1 queued voice ($d1 ms)" ||
	bad "round 1 voice delay $d1 ms: the test bed did not queue (want >= 20 ms)"
awk -v a="$d1" -v b="$d2" 'BEGIN { exit !(b >= 0 && b <= a / 2) }' &&
	ok "voice delay went down: $d1 -> $d2 ms" || bad "voice delay $d1 -> $d2 ms (want <= half)"
b2=$(behind "$T/r2-srv.pcap")
[ -z "$b2" ] && ok "round 2: no voice behind a shaper" || bad "round 2 still: $b2"
awk -v a="$j1" -v b="$j2" 'BEGIN { exit !(b >= 0 && b < a) }' &&
	ok "voice jitter went down: $j1 -> $j2 ms" || bad "voice jitter $j1 -> $j2 ms (want lower)"

echo "$fails failed"
[ "$fails" -eq 0 ]
