#!/usr/bin/env bash
# e2e: an aggregate rate limit -- several TCP flows sharing one Linux qdisc -- found from the
# sum of their delivered rates (docs/qos.md, "Aggregate rate limits").
#
#   cli 10.96.5.1 ---- r0 rtr r1 ---- 10.96.6.2 srv
#   iperf3 -P 4        qdisc on r1      iperf3 server (port 5201: bulk)
#   capture on eth0 (the sender side)
#
# A 4 s iperf3 upload with 4 parallel streams through, at R = 20 Mbit/s:
#   shaper:  tbf rate R burst R*4ms latency 100ms (a deep queue: delays what exceeds)
#   htb:     htb class rate R ceil R, bfifo leaf of R * 40 ms
#   policer: tbf rate R burst R*4ms latency 1ms (tiny queue: drops what exceeds)
# and checks vxscope analyze --json's qos.aggregate_limits:
#   - one aggregate entry naming the 4 upload flows, verdict "shaper" (tbf, htb) or
#     "policer", rate_mbps within +-10 % of R (IP layer; tbf/htb count Ethernet frames, <1 %);
#   - a qos.aggregate_shaper / qos.aggregate_policer finding;
#   - no per-flow rate_limits entry of the upload claims a policer or shaper at R (+-10 %):
#     each flow sees only its share; no per-flow qos.shaper / qos.policer finding either (a
#     member's momentary share is not a limit);
#   - vxscope qos plan takes the aggregate's rate: link rate 95 % of R (+-10 %).
# Exit 0 pass, 1 fail, 77 skip.  About 20 s.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip tc tcpdump iperf3 python3
ROOT=${VXS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${VXS_BIN:-$ROOT/build/release/vxscope}
[ -x "$BIN" ] || vxs_skip "no $BIN (make build/release/vxscope)"
T=$(vxs_tmpdir)
R=${VXS_RATE:-20}
SRV=10.96.6.2
PORT=5201
DUR=4
STREAMS=4

routed_path 10.96.5 10.96.6
need_tbf rtr r1

ns_spawn srv "$T/iperf3.log" iperf3 -s -B $SRV -p $PORT
wait_port srv $PORT

run_case()
{
	local name="$1" want="$2" pid
	ns_spawn cli "$T/$name.log" tcpdump -i eth0 -n -s 128 -B 16384 -U -w "$T/$name.pcap" tcp
	pid=$VXS_LAST_PID
	wait_log "$T/$name.log" 'listening on' 5 || vxs_die "tcpdump did not start"
	nsx cli iperf3 -c $SRV -p $PORT -t $DUR -P $STREAMS -B 10.96.5.1 >"$T/$name-iperf.log" 2>&1 ||
		{ cat "$T/$name-iperf.log"; bad "$name: iperf3 failed"; }
	sleep 1.2
	stop_pid "$pid" INT 5
	[ -n "${VXS_SAVE:-}" ] && cp "$T/$name.pcap" "$VXS_SAVE/"
	"$BIN" analyze --json -o "$T/$name.json" "$T/$name.pcap" 2>"$T/$name.err" ||
		{ bad "$name: vxscope analyze exit $?"; return; }
	if python3 - "$T/$name.json" "$want" "$R" "$STREAMS" <<'PY'; then ok "$name"; else bad "$name"; fi
import json, sys
r = json.load(open(sys.argv[1]))
want, rate, streams = sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
q = r["qos"]
bad = []
# the data flows: the upload streams of 10.96.5.1 (iperf3's control connection moves little)
data = [e for e in q["rate_limits"] if e["src"] == "10.96.5.1" and e["bytes"] > 100000]
ids = sorted(e["flow"] for e in data)
for e in data:
    print("  flow %d: %s %.2f Mbit/s, +%.1f ms, loss %.4f" % (e["flow"], e["verdict"],
          e["rate_mbps"], e["added_delay_ms"], e["loss"]))
    if e["verdict"] in ("policer", "shaper") and 0.9 * rate <= e["rate_mbps"] <= 1.1 * rate:
        bad.append("flow %d alone claims a %s at %.2f Mbit/s" % (e["flow"], e["verdict"],
                   e["rate_mbps"]))
if len(data) != streams:
    bad.append("%d upload flows in rate_limits, want %d" % (len(data), streams))
aggs = q.get("aggregate_limits", [])
for a in aggs:
    print("  aggregate %s %s: %s %.2f Mbit/s, flows %s, +%.1f ms, loss %.4f, plateau %.2f" % (
          a["group"], a["key"], a["verdict"], a["rate_mbps"], a["flows"], a["added_delay_ms"],
          a["loss"], a["plateau_fraction"]))
hit = [a for a in aggs if a["verdict"] == want and set(ids) <= set(a["flows"])]
if not hit:
    bad.append("no %s aggregate over flows %s" % (want, ids))
elif not 0.9 * rate <= hit[0]["rate_mbps"] <= 1.1 * rate:
    bad.append("aggregate rate %.2f Mbit/s not within +-10%% of %g" % (hit[0]["rate_mbps"], rate))
kinds = [f["kind"] for f in r["findings"]]
if "qos.aggregate_" + want not in kinds:
    bad.append("no qos.aggregate_%s finding (%s)" % (want, kinds))
if "qos.shaper" in kinds or "qos.policer" in kinds:
    bad.append("a per-flow shaper/policer finding for a flow that only has its share: %s" % kinds)
if "mtu.pmtu_blackhole" in kinds:
    # the MTU is 1500 end to end: large segments dropped by a policer get through when resent
    bad.append("a path MTU black hole on a path with no MTU problem: %s" % kinds)
for b in bad:
    print("  " + b)
sys.exit(1 if bad else 0)
PY
	"$BIN" qos plan "$T/$name.pcap" -o "$T/$name-plan.sh" 2>"$T/$name-plan.err" ||
		{ bad "$name: vxscope qos plan failed"; return; }
	local link
	link=$(sed -n 's/^# Link rate \([0-9]*\)kbit: .*/\1/p' "$T/$name-plan.sh")
	if awk -v l="${link:-0}" -v r="$R" 'BEGIN { exit !(l >= 0.95 * 900 * r && l <= 0.95 * 1100 * r) }'
	then
		ok "$name: plan link rate $link kbit/s = 95% of the shared $R Mbit/s"
	else
		bad "$name: plan link rate ${link:-none} kbit/s, want 95% of $R Mbit/s +-10%"
	fi
}

burst=$((R * 1000 / 8 * 4))
[ $burst -lt 6000 ] && burst=6000
t0=$(date +%s)
nsx rtr tc qdisc add dev r1 root tbf rate ${R}mbit burst $burst latency 100ms || vxs_die "tbf"
run_case "tbf-$R" shaper
nsx rtr tc qdisc del dev r1 root
nsx rtr tc qdisc add dev r1 root handle 1: htb default 10 r2q 100 &&
	nsx rtr tc class add dev r1 parent 1: classid 1:10 htb rate ${R}mbit ceil ${R}mbit &&
	nsx rtr tc qdisc add dev r1 parent 1:10 handle 10: bfifo limit $((R * 5000)) ||
	vxs_die "htb"
run_case "htb-$R" shaper
nsx rtr tc qdisc del dev r1 root
nsx rtr tc qdisc add dev r1 root tbf rate ${R}mbit burst $burst latency 1ms || vxs_die "tbf"
run_case "policer-$R" policer
nsx rtr tc qdisc del dev r1 root
echo "$((STREAMS)) streams at $R Mbit/s: $(($(date +%s) - t0)) s"
echo "$fails failed"
[ "$fails" -eq 0 ]
