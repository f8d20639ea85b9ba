#!/usr/bin/env bash
# e2e: vxscope's rate-limit diagnosis against real Linux qdiscs (docs/qos.md).
#
#   cli 10.96.1.1 ---- r0 rtr r1 ---- 10.96.2.2 srv
#   iperf3 client      kernel router     iperf3 server (port 5432: a "database")
#   capture on eth0    qdisc on r1 (toward srv): the rate limit under test
#   (the sender side)  srv eth0 also captured (the receiver side)
#
# For each rate R in 5, 20, 50 Mbit/s, a 3 s iperf3 upload cli -> srv through:
#   policer: tbf rate R burst R*1ms (>= 6000 B) latency 1ms   (tiny queue: drops what
#            exceeds, TESTBED.md)
#   shaper:  tbf rate R burst R*4ms latency 100ms (deep queue: delays what exceeds)
#   htb:     htb class rate R ceil R, bfifo leaf of R * 40 ms (a class tree, queueing)
# and checks vxscope analyze --json's qos.rate_limits entry for the upload (sender 10.96.1.1):
#   - verdict "policer" for the policer, "shaper" for tbf-deep and htb;
#   - rate_mbps within +-10 % of R (the IP-layer rate: tbf and htb count Ethernet frames, 14
#     bytes more per 1500-byte packet, <1 %);
#   - shaper/htb: added_delay_ms >= 2 (the queue the sender builds; base RTT ~0.01 ms) and a
#     qos.shaper finding; policer: a qos.policer finding (critical: port 5432 is "database",
#     with the seed's wording "throttled by a rate limit").
# The sender-side capture is checked for all nine; the receiver-side capture (RTT from TCP
# timestamps) for the verdict and rate of the 20 Mbit/s ones.  Exit 0 pass, 1 fail, 77 skip.
set -u
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip tc ethtool tcpdump iperf3 python3
ROOT=${VXS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${VXS_BIN:-$ROOT/build/release/vxscope}
[ -x "$BIN" ] || vxs_skip "no $BIN (make build/release/vxscope)"
T=$(vxs_tmpdir)
RATES=${VXS_RATES:-5 20 50}
SRV=10.96.2.2
PORT=5432
DUR=3

routed_path 10.96.1 10.96.2
need_tbf rtr r1

ns_spawn srv "$T/iperf3.log" iperf3 -s -B $SRV -p $PORT
wait_port srv $PORT

capture_start()
{
	ns_spawn cli "$T/$1-snd.log" tcpdump -i eth0 -n -s 128 -B 16384 -U -w "$T/$1-snd.pcap" tcp
	CAP_PIDS=$VXS_LAST_PID
	ns_spawn srv "$T/$1-rcv.log" tcpdump -i eth0 -n -s 128 -B 16384 -U -w "$T/$1-rcv.pcap" tcp
	CAP_PIDS="$CAP_PIDS $VXS_LAST_PID"
	wait_log "$T/$1-snd.log" 'listening on' 5 && wait_log "$T/$1-rcv.log" 'listening on' 5 ||
		vxs_die "tcpdump did not start"
}
capture_stop()
{
	local p
	sleep 1.2
	for p in $CAP_PIDS; do
		stop_pid "$p" INT 5
	done
}

# verdict FILE: "verdict rate_mbps added_delay_ms loss" of the upload's entry, then one
# "finding KIND" line per qos finding
verdict() { "$BIN" analyze --json "$1" 2>"$1.err" | python3 -c '
import json, sys
r = json.load(sys.stdin)
best = None
for e in r.get("qos", {}).get("rate_limits", []):
    if e["src"] == "10.96.1.1" and e["dport"] == int(sys.argv[1]):
        if best is None or e["bytes"] > best["bytes"]:
            best = e
if best:
    print("entry", best["verdict"], best["rate_mbps"], best["added_delay_ms"], best["loss"],
          best["base_rtt_ms"], best["loaded_rtt_ms"], best["plateau_fraction"])
else:
    print("entry none 0 0 0 0 0 0")
for f in r["findings"]:
    if f["area"] == "qos":
        print("finding", f["kind"], f["title"])' $PORT; }

run_case()
{
	local name="$1" rate="$2" want="$3" c v mbps added loss base loaded plat
	capture_start "$name"
	nsx cli iperf3 -c $SRV -p $PORT -t $DUR -B 10.96.1.1 >"$T/$name-iperf.log" 2>&1 ||
		{ cat "$T/$name-iperf.log"; bad "$name: iperf3 failed"; }
	capture_stop
	for c in snd rcv; do
		[ "$c" = rcv ] && [ "$rate" != 20 ] && continue
		verdict "$T/$name-$c.pcap" >"$T/$name-$c.v"
		read -r _ v mbps added loss base loaded plat < <(grep '^entry' "$T/$name-$c.v")
		echo "$name/$c: configured $rate Mbit/s: verdict $v, rate $mbps Mbit/s, RTT $base ->" \
			"$loaded ms (+$added), loss $loss, plateau $plat"
		if [ "$v" = "$want" ]; then ok "$name/$c: verdict $v"; else bad "$name/$c: verdict $v, want $want"; fi
		if awk -v m="$mbps" -v r="$rate" 'BEGIN { exit !(m >= 0.9 * r && m <= 1.1 * r) }'; then
			ok "$name/$c: rate $mbps within +-10% of $rate"
		else
			bad "$name/$c: rate $mbps not within +-10% of $rate"
		fi
		if [ "$want" = shaper ]; then
			if awk -v a="$added" 'BEGIN { exit !(a >= 2) }'; then
				ok "$name/$c: added delay $added ms reported"
			else
				bad "$name/$c: added delay $added ms (want >= 2)"
			fi
		fi
		if grep -q "^finding qos.$want " "$T/$name-$c.v"; then
			ok "$name/$c: qos.$want finding"
		else
			bad "$name/$c: no qos.$want finding"; grep '^finding' "$T/$name-$c.v"
		fi
		if [ "$want" = policer ] && [ "$c" = snd ]; then
			grep -q "^finding qos.policer Critical database replication traffic .* is throttled by a rate limit of ~" \
				"$T/$name-$c.v" && ok "$name/$c: the seed's wording" ||
				bad "$name/$c: title: $(grep '^finding qos.policer' "$T/$name-$c.v")"
		fi
	done
}

for R in $RATES; do
	burst=$((R * 1000 / 8 * 4))	# bytes in 4 ms
	[ $burst -lt 6000 ] && burst=6000	# four full-size frames at least
	# The policer's bucket holds 1 ms: a tbf holds up to burst + rate * latency, and with a
	# 4 ms bucket at 50 Mbit/s TCP settled into a standing 3.5 ms queue with no steady loss
	# -- a small shaper, and vxscope rightly said so.
	pburst=$((R * 1000 / 8))
	[ $pburst -lt 6000 ] && pburst=6000
	t0=$(date +%s)
	nsx rtr tc qdisc add dev r1 root tbf rate ${R}mbit burst $pburst latency 1ms ||
		vxs_die "tbf policer"
	run_case "policer-$R" "$R" policer
	nsx rtr tc qdisc del dev r1 root
	nsx rtr tc qdisc add dev r1 root tbf rate ${R}mbit burst $burst latency 100ms ||
		vxs_die "tbf shaper"
	run_case "tbf-$R" "$R" shaper
	nsx rtr tc qdisc del dev r1 root
	nsx rtr tc qdisc add dev r1 root handle 1: htb default 10 r2q 100 &&
		nsx rtr tc class add dev r1 parent 1: classid 1:10 htb rate ${R}mbit ceil ${R}mbit &&
		nsx rtr tc qdisc add dev r1 parent 1:10 handle 10: bfifo limit $((R * 5000)) ||
		vxs_die "htb"
	run_case "htb-$R" "$R" shaper
	nsx rtr tc qdisc del dev r1 root
	echo "rate $R: $(($(date +%s) - t0)) s"
done

echo "$fails failed"
[ "$fails" -eq 0 ]
