#!/bin/sh
# tcp_random.sh - oracle test: vxscope's TCP analysis flags against tshark's on random TCP
# conversations (tests/tools/tcpgen.c): resends, gaps, ACKs beyond the data, repeated ACKs,
# zero windows, keep-alives, FIN/RST, wrapping sequence numbers, in every order.
#
# The real captures (tcp_flags.sh) rarely exercise these corners; this is where most of the
# measured tshark 4.0 behaviour in src/analyze/tcp_analysis.c was found and is kept honest.
# A residue remains that no rule found so far explains (about 1 flag in 4000, always around
# fast retransmissions after a stray ACK beyond the data); a seed passes when its differences
# stay within VXS_TCPRANDOM_MAX per mille of tshark's flags (default 1, at least 2 frames).
#
#   VXS_TCPFLAGS   per-packet JSON lines command (default build/release/tools/tcpflags)
#   VXS_TCPGEN     generator (default build/release/tools/tcpgen)
#   VXS_TCPRANDOM_SEEDS  seeds (default "1 2 3 4 5 6 7 8"), 400 connections each
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
tool=${VXS_TCPFLAGS:-$root/build/release/tools/tcpflags}
gen=${VXS_TCPGEN:-$root/build/release/tools/tcpgen}
seeds=${VXS_TCPRANDOM_SEEDS:-1 2 3 4 5 6 7 8}
permille=${VXS_TCPRANDOM_MAX:-1}

command -v tshark >/dev/null 2>&1 || { echo "tcp_random: tshark not installed" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

FLAGS="retransmission fast_retransmission spurious_retransmission out_of_order lost_segment
ack_lost_segment duplicate_ack zero_window zero_window_probe zero_window_probe_ack window_full
window_update keep_alive keep_alive_ack reused_ports"
fields="-e frame.number"
for f in $FLAGS; do
	fields="$fields -e tcp.analysis.$f"
done

pass=0
fail=0
: >"$tmp/agree"
for seed in $seeds; do
	"$gen" "$seed" 400 "$tmp/r.pcap"
	# shellcheck disable=SC2086
	tshark -n -r "$tmp/r.pcap" -T fields -E occurrence=f -E separator=/t $fields 2>/dev/null |
		awk -F'\t' -v names="$FLAGS" 'BEGIN { n = split(names, nm, /[ \n]+/) }
		{ for (i = 1; i <= n; i++) if ($(i + 1) != "") print nm[i], $1 }' |
		sort -u >"$tmp/ts"
	$tool "$tmp/r.pcap" | awk '
		match($0, /"frame":[0-9]+/) {
			fr = substr($0, RSTART + 8, RLENGTH - 8)
			if (match($0, /"flags":\[[^]]*\]/)) {
				s = substr($0, RSTART + 9, RLENGTH - 10)
				gsub(/"/, "", s)
				n = split(s, a, ",")
				for (i = 1; i <= n; i++) if (a[i] != "") print a[i], fr
			}
		}' | sort -u >"$tmp/ours"
	comm -12 "$tmp/ours" "$tmp/ts" | awk '{ print $1, "both" }' >>"$tmp/agree"
	comm -23 "$tmp/ours" "$tmp/ts" | awk '{ print $1, "ours" }' >>"$tmp/agree"
	comm -13 "$tmp/ours" "$tmp/ts" | awk '{ print $1, "tshark" }' >>"$tmp/agree"
	total=$(wc -l <"$tmp/ts")
	diffs=$(comm -3 "$tmp/ours" "$tmp/ts" | wc -l)
	allowed=$((total * permille / 1000))
	[ "$allowed" -lt 2 ] && allowed=2
	detail=$( { comm -23 "$tmp/ours" "$tmp/ts" | awk '{ printf " +%s@%s", $1, $2 }'
		comm -13 "$tmp/ours" "$tmp/ts" | awk '{ printf " -%s@%s", $1, $2 }'; } | cut -c1-300)
	if [ "$diffs" -le "$allowed" ]; then
		echo "ok      seed $seed: $diffs of $total flagged frames differ$detail"
		pass=$((pass + 1))
	else
		echo "FAIL    seed $seed: $diffs of $total flagged frames differ (allowed $allowed)$detail"
		fail=$((fail + 1))
	fi
done

echo
echo "per flag: frames both flag / frames either flags (only vxscope, only tshark)"
awk '{ c[$1 " " $2]++; k[$1] = 1 }
	END { for (f in k) { b = c[f " both"] + 0; o = c[f " ours"] + 0; t = c[f " tshark"] + 0
		printf "  %-24s %6d / %-6d (+%d -%d)\n", f, b, b + o + t, o, t } }' "$tmp/agree" | sort
echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
