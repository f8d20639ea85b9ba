# target_lib.sh - helpers for the `vxscope target` end-to-end tests (bash; source after lib.sh).
# shellcheck shell=bash
#
# The daemon's contract is docs/target.md; the checks themselves are in target_check.py.
#
#	. "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/target_lib.sh"
#	target_need                        # skip (77) when this vxscope has no `target`
#	target_start tgt "$T/t1" --listen 10.97.0.2     # archive, records, stats in $T/t1
#	...send...
#	target_stop                        # SIGTERM, must exit 0
#	target_verify "$T/t1" SENT TGT_CAPTURE          # identity, archive, flows, findings
#
# Senders: the tests use (a) the kernel (tc mirred into a VXLAN device), (b) `vxscope mirror`
# (target_sender_vxscope_mirror below), (c) tcpreplay, and the bench sender
# build/release/tools/vxlan_send.

ROOT=${VXS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BIN=${VXS_BIN:-$ROOT/build/release/vxscope}
# shellcheck disable=SC2034 # used by the tests that source this
SEND=${VXS_SEND:-$ROOT/build/release/tools/vxlan_send}
TCHECK="python3 $ROOT/tests/e2e/target_check.py"
TARGET_PID=""
TARGET_DIR=""

# target_need: skip unless this build has `vxscope target` (the subcommand may not be merged).
target_need()
{
	[ -x "$BIN" ] || vxs_skip "no vxscope binary at $BIN (make first)"
	"$BIN" target --help >/dev/null 2>&1 || vxs_skip "$BIN has no 'target' subcommand"
}

# target_start NS DIR [ARGS...]: start `vxscope target` inside NS with --archive DIR/archive,
# --records DIR/records and --stats DIR/stats.json plus ARGS (and $VXS_TARGET_ARGS, e.g.
# "--workers 2" to run every test with two workers); log in DIR/target.log; wait until it says
# ready (10 s).  Its pid in TARGET_PID.
target_start()
{
	local n="$1" dir="$2"
	shift 2
	mkdir -p "$dir/archive" "$dir/records" || vxs_die "mkdir $dir"
	ns_spawn "$n" "$dir/target.log" "$BIN" target --archive "$dir/archive" \
		--records "$dir/records" --stats "$dir/stats.json" "$@" ${VXS_TARGET_ARGS:-}
	TARGET_PID=$VXS_LAST_PID
	TARGET_DIR=$dir
	if ! wait_log "$dir/target.log" '^vxscope target: ready$' 10; then
		sed 's/^/    target: /' "$dir/target.log" >&2
		vxs_die "vxscope target did not become ready in 10 s"
	fi
}

# target_stop [SIGNAL [SECONDS]]: stop the target (default TERM, 20 s) and check it exits 0
# (TERM/INT) -- for KILL, only that it is gone.
target_stop()
{
	local sig="${1:-TERM}" rc
	stop_pid "$TARGET_PID" "$sig" "${2:-20}"
	rc=$?
	if [ "$sig" != KILL ] && [ "$rc" -ne 0 ]; then
		sed 's/^/    target: /' "$TARGET_DIR/target.log" >&2
		vxs_die "vxscope target exited $rc after SIG$sig (expected 0)"
	fi
	TARGET_PID=""
	return 0
}

# udp_counters NS: "InDatagrams RcvbufErrors InErrors InCsumErrors NoPorts" of NS's
# /proc/net/snmp (IPv4 + IPv6 summed): the kernel's own count of what reached UDP sockets.
udp_counters()
{
	nsx "$1" cat /proc/net/snmp /proc/net/snmp6 | awk '
		$1 == "Udp:" && $2 == "InDatagrams" { for (i = 2; i <= NF; i++) h[i] = $i; next }
		$1 == "Udp:" { for (i = 2; i <= NF; i++) v[h[i]] += $i; next }
		$1 == "Udp6InDatagrams" { v["InDatagrams"] += $2 }
		$1 == "Udp6RcvbufErrors" { v["RcvbufErrors"] += $2 }
		$1 == "Udp6InErrors" { v["InErrors"] += $2 }
		$1 == "Udp6InCsumErrors" { v["InCsumErrors"] += $2 }
		$1 == "Udp6NoPorts" { v["NoPorts"] += $2 }
		END { print v["InDatagrams"] + 0, v["RcvbufErrors"] + 0, v["InErrors"] + 0,
			v["InCsumErrors"] + 0, v["NoPorts"] + 0 }'
}

# pcap_count FILE [FILTER]: frames in a capture (matching a tcpdump FILTER).
pcap_count()
{
	local f="$1"
	shift
	tcpdump --count -n -r "$f" "$@" 2>/dev/null | sed -n 's/^\([0-9]*\) packets\{0,1\}$/\1/p'
}

# tcpdump_start NS IF FILE FILTER...: capture in the background; the pid in VXS_LAST_PID.
# Stop it with tcpdump_stop PID LOG, which fails the test if tcpdump dropped anything or did
# not write every packet its filter took (immediate mode: nothing waits in the ring).
tcpdump_start()
{
	local n="$1" i="$2" f="$3"
	shift 3
	ns_spawn "$n" "$f.log" tcpdump -i "$i" -n -s 0 -B 65536 --immediate-mode -U \
		-w "$f" "$@"
	wait_log "$f.log" 'listening on' 5 || vxs_die "tcpdump on $n/$i did not start"
}
tcpdump_stop()
{
	local pid="$1" log="$2" dropped captured received
	stop_pid "$pid" INT 5
	dropped=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel/\1/p' "$log")
	captured=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured/\1/p' "$log")
	received=$(sed -n 's/^\([0-9]*\) packets\{0,1\} received by filter/\1/p' "$log")
	[ "${dropped:-x}" = 0 ] && [ "${captured:-x}" = "${received:-y}" ] ||
		vxs_die "tcpdump ($log): captured ${captured:-?}, received by filter ${received:-?}," \
			"dropped ${dropped:-?}: not a ground truth"
}

# target_offline DIR INPUT NAME: `vxscope analyze --json --flows` on INPUT into
# DIR/NAME.json and DIR/NAME.flows.jsonl ($TARGET_OFFLINE_ARGS too, e.g. the --sessions the
# target was given).
target_offline()
{
	# shellcheck disable=SC2086 # a list of arguments
	"$BIN" analyze --json --flows "$1/$3.flows.jsonl" ${TARGET_OFFLINE_ARGS:-} "$2" \
		>"$1/$3.json" 2>"$1/$3.err" ||
		{ cat "$1/$3.err" >&2; vxs_die "vxscope analyze $2"; }
}

# target_anyid: "--any-flow-id" for target_check.py findings when VXS_TARGET_ARGS asks for
# several workers: they number flows each on their own (docs/target.md), so a finding's
# "flow N" may differ from the offline one (flow records are compared without flow_id too).
target_anyid()
{
	case " ${VXS_TARGET_ARGS:-} " in
	*" --workers 1 "*) ;;
	*" --workers "*) echo --any-flow-id ;;
	esac
}

# target_verify DIR SENT [TGT_CAPTURE]: after target_stop, check
#   1. the accounting identity: SENT = archived + every counted drop (--stats);
#   2. every finished archive file reads in capinfos/tshark, frames = archived counter, and
#      (with TGT_CAPTURE) tshark decodes the archive frame for frame as what arrived;
#   3. live flow records and findings = `vxscope analyze` offline on the archive (merged in
#      time order), every field but frame numbers;
#   4. with TGT_CAPTURE (tcpdump at the target): live flows = offline flows on that capture
#      (keys, packets, bytes, flags, state), and the same kinds of findings.
target_verify()
{
	local dir="$1" sent="$2" cap="${3:-}" archived
	$TCHECK stats "$dir/stats.json" --sent "$sent" --archive || vxs_die "accounting identity"
	archived=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["archived"])' \
		"$dir/stats.json")
	$TCHECK archive "$dir/archive" --expect "$archived" >"$dir/archive.check" ||
		vxs_die "archive"
	head -1 "$dir/archive.check"
	cat "$dir"/records/flows-*.jsonl >"$dir/live.flows.jsonl" 2>/dev/null ||
		vxs_die "no flows-*.jsonl in $dir/records"
	cat "$dir"/records/findings-*.jsonl >"$dir/live.findings.jsonl" 2>/dev/null ||
		vxs_die "no findings-*.jsonl in $dir/records"
	# shellcheck disable=SC2046 # one argument per archive file
	mergecap -w "$dir/archive-merged.pcapng" $(find "$dir/archive" -name '*.pcapng' | sort) ||
		vxs_die "mergecap of the archive"
	if [ -n "$cap" ]; then
		$TCHECK same-decode "$dir/archive-merged.pcapng" "$cap" ||
			vxs_die "the archive does not decode as what arrived"
	fi
	target_offline "$dir" "$dir/archive-merged.pcapng" archive
	$TCHECK flows "$dir/live.flows.jsonl" "$dir/archive.flows.jsonl" --exact ||
		vxs_die "live flows != offline flows on the archive"
	local anyid
	anyid=$(target_anyid)
	$TCHECK findings "$dir/live.findings.jsonl" "$dir/archive.json" --exact ${anyid:+"$anyid"} ||
		vxs_die "live findings != offline findings on the archive"
	if [ -n "$cap" ]; then
		target_offline "$dir" "$cap" capture
		$TCHECK flows "$dir/live.flows.jsonl" "$dir/capture.flows.jsonl" --counts ||
			vxs_die "live flows != offline flows on the target-side capture"
		$TCHECK findings "$dir/live.findings.jsonl" "$dir/capture.json" --kinds --other-tap \
			${anyid:+"$anyid"} ||
			vxs_die "live findings != offline findings on the target-side capture"
	fi
}

# ---- sender (b): `vxscope mirror` ------------------------------------------------------------
# target_sender_vxscope_mirror SRC_NS SRC_IF VNI TARGET_IP DIR: run `vxscope mirror --json` in
# SRC_NS on SRC_IF (promiscuous libpcap) as AWS session VNI, one filter accepting everything in
# both directions, to TARGET_IP:4789.  The AWS JSON and the host map (ENI eni-0e2e0000000000b01
# = SRC_IF with the global addresses it has now, IPv4 first: the first is the primary) are
# written to DIR.  Sets MIRROR_PID and MIRROR_LOG; target_mirror_stop stops it and prints how
# many copies it sent (its own JSON counter "mirrored").
MIRROR_PID=""
MIRROR_LOG=""
# target_mirror_config SRC_NS SRC_IF VNI TARGET_IP DIR: only write those two files (so the
# target can be given DIR/mirror-aws.json as --sessions before the mirror starts).
target_mirror_config()
{
	local n="$1" ifc="$2" vni="$3" tip="$4" dir="$5" eni=eni-0e2e0000000000b01 addrs
	addrs=$(nsx "$n" ip -o addr show dev "$ifc" scope global |
		awk '{ sub("/.*", "", $4); print ($3 == "inet" ? 0 : 1), $4 }' | sort |
		awk '{ printf "%s\"%s\"", (NR > 1 ? ", " : ""), $2 }')
	[ -n "$addrs" ] || vxs_die "$n/$ifc has no global address for the host map"
	cat >"$dir/mirror-aws.json" <<EOF
{ "TrafficMirrorFilters": [ { "TrafficMirrorFilterId": "tmf-0e2e00000000000b1",
    "IngressFilterRules": [ { "TrafficDirection": "ingress", "RuleNumber": 1,
        "RuleAction": "accept", "SourceCidrBlock": "0.0.0.0/0",
        "DestinationCidrBlock": "0.0.0.0/0" } ],
    "EgressFilterRules": [ { "TrafficDirection": "egress", "RuleNumber": 1,
        "RuleAction": "accept", "SourceCidrBlock": "0.0.0.0/0",
        "DestinationCidrBlock": "0.0.0.0/0" } ],
    "NetworkServices": [], "Tags": [] } ],
  "TrafficMirrorSessions": [ { "TrafficMirrorSessionId": "tms-0e2e00000000000b1",
    "TrafficMirrorTargetId": "tmt-0e2e00000000000b1",
    "TrafficMirrorFilterId": "tmf-0e2e00000000000b1", "NetworkInterfaceId": "$eni",
    "OwnerId": "111122223333", "SessionNumber": 1, "VirtualNetworkId": $vni, "Tags": [] } ],
  "TrafficMirrorTargets": [ { "TrafficMirrorTargetId": "tmt-0e2e00000000000b1",
    "NetworkInterfaceId": "eni-0e2e00000000000b2", "Type": "network-interface",
    "OwnerId": "111122223333", "Tags": [] } ] }
EOF
	cat >"$dir/mirror-hostmap.json" <<EOF
{ "VxscopeHostMap": {
    "NetworkInterfaces": [ { "NetworkInterfaceId": "$eni", "Interface": "$ifc",
                             "Addresses": [$addrs] } ],
    "Targets": [ { "TrafficMirrorTargetId": "tmt-0e2e00000000000b1", "Addresses": ["$tip"] } ] } }
EOF
}
target_sender_vxscope_mirror()
{
	local n="$1" ifc="$2" dir="$5" eni=eni-0e2e0000000000b01
	"$BIN" mirror --help >/dev/null 2>&1 || vxs_skip "$BIN has no 'mirror' subcommand"
	[ -s "$dir/mirror-aws.json" ] || target_mirror_config "$@"
	MIRROR_LOG=$dir/mirror.log
	ns_spawn "$n" "$MIRROR_LOG" "$BIN" mirror --config "$dir/mirror-aws.json" \
		--config "$dir/mirror-hostmap.json" --eni "$eni" --interface "$ifc" --json
	MIRROR_PID=$VXS_LAST_PID
	wait_log "$MIRROR_LOG" "mirroring $ifc" 10 ||
		{ cat "$MIRROR_LOG" >&2; vxs_die "vxscope mirror did not start"; }
}

# target_mirror_stop: SIGINT the mirror started above and print its "mirrored" counter (copies
# sent).  Fails the test when a selected copy was dropped (send error, no source address).
target_mirror_stop()
{
	stop_pid "$MIRROR_PID" INT 10
	MIRROR_PID=""
	python3 - "$MIRROR_LOG" <<'PY' || vxs_die "vxscope mirror counters ($MIRROR_LOG)"
import json, sys
c = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")][-1]
if c["dropped"]["total"] != 0 or c["selected"] != c["mirrored"]:
    sys.exit("vxscope mirror dropped copies: %r" % (c["dropped"],))
print(c["mirrored"])
PY
}

# target_mixed_traffic V4 V6: real traffic from namespace src to namespace peer (addresses V4 and
# [V6]): HTTP over IPv4 and IPv6 (python http.server, curl; a 404 among them), a 2 s iperf3
# transfer, pings and 20 UDP datagrams.  Writes its logs in $T.
target_mixed_traffic()
{
	local v4=$1 v6=$2
	ns_spawn peer "$T/http.log" python3 -m http.server --bind :: 8080 --directory "$ROOT/tests"
	wait_port peer 8080
	ns_spawn peer "$T/iperf.log" iperf3 -s -1 -p 5201
	wait_port peer 5201
	for _ in 1 2 3; do
		nsx src curl -s -o /dev/null "http://$v4:8080/run.sh" || vxs_die "curl v4"
		nsx src curl -s -o /dev/null "http://[$v6]:8080/e2e/lib.sh" || vxs_die "curl v6"
		nsx src curl -s -o /dev/null "http://$v4:8080/nothing-here" # a 404
	done
	nsx src iperf3 -c "$v4" -p 5201 -t 2 -b 20M -l 1400 >"$T/iperf-client.log" ||
		vxs_die "iperf3"
	nsx src ping -c 3 -i 0.2 "$v4" >/dev/null || vxs_die "ping"
	nsx src python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(20):
    s.sendto(b"datagram %d" % i, (sys.argv[1], 9999))' "$v4"
}

# target_check_ops HTTP SESSION: while the target runs in namespace tgt, /healthz at HTTP
# answers 200 and /metrics parses, says up, and counts packets for SESSION.
target_check_ops()
{
	local http=$1 session=$2 code
	code=$(nsx tgt curl -s -o "$T/healthz" -w '%{http_code}' "http://$http/healthz")
	[ "$code" = 200 ] || vxs_die "/healthz answered $code"
	nsx tgt curl -s -o "$T/metrics.txt" "http://$http/metrics" || vxs_die "GET /metrics"
	$TCHECK metrics "$T/metrics.txt" --expect "vxscope_rx_packets_total{session=\"$session\"}>0" \
		--expect 'vxscope_up==1' >/dev/null || vxs_die "/metrics"
}
