#!/bin/sh
# tcp_flags.sh - oracle test: vxscope's TCP analysis flags against tshark's, frame for frame.
#
# For every capture listed in shared/captures/MANIFEST.tsv and every tcp.analysis.<flag>,
# the set of frames vxscope flags must equal the set tshark flags (one single pass, default
# preferences: `tshark -n -r F -T fields -e frame.number -e tcp.analysis.<flag> ...`).
#
#   VXS_TCPFLAGS   command that prints vxscope's per-packet JSON lines for one capture
#                  (default build/release/tools/tcpflags; later `vxscope analyze --packets`):
#                  {"frame":N,"flags":["retransmission",...]} per TCP packet; packets
#                  without flags may be left out.
#   VXS_CAPTURES   folder of captures (default ../shared/captures beside the repository)
#   VXS_TCPFLAGS_EXTRA=1  also compare duplicate_ack_num, acks_frame and bytes_in_flight
#                  (needs a command that prints them for every packet, e.g. `tcpflags -a`)
#   VXS_ORACLE_ONLY=PATTERN  only the captures whose path contains PATTERN
#
# tests/oracle/tcp_flags.known lists reviewed differences that cannot be fixed:
# "file<TAB>flag<TAB>reason" (flag * = every flag).  A file whose every difference is
# known passes as "known".  Prints one line per file, a per-flag agreement table, and
# "N passed, N failed"; exits 1 when a file fails.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
# default: the product itself; tests/tools/tcpflags is the development twin
tool=${VXS_TCPFLAGS:-$root/build/release/vxscope analyze --packets}
caps=${VXS_CAPTURES:-$root/../shared/captures}
known=$root/tests/oracle/tcp_flags.known
extra=${VXS_TCPFLAGS_EXTRA:-0}
only=${VXS_ORACLE_ONLY:-}

if ! command -v tshark >/dev/null 2>&1; then
	echo "tcp_flags: tshark not installed (make deps)" >&2
	exit 1
fi
if [ ! -f "$caps/MANIFEST.tsv" ]; then
	echo "tcp_flags: no captures at $caps (set VXS_CAPTURES)" >&2
	exit 1
fi

FLAGS="retransmission fast_retransmission spurious_retransmission out_of_order lost_segment
ack_lost_segment duplicate_ack zero_window zero_window_probe zero_window_probe_ack window_full
window_update keep_alive keep_alive_ack reused_ports"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

fields="-e frame.number"
for f in $FLAGS; do
	fields="$fields -e tcp.analysis.$f"
done
if [ "$extra" = 1 ]; then
	fields="$fields -e tcp.analysis.duplicate_ack_num -e tcp.analysis.acks_frame"
	fields="$fields -e tcp.analysis.bytes_in_flight"
fi

pass=0
fail=0
: >"$tmp/agree"
awk -F'\t' 'NR > 1 { print $1 }' "$caps/MANIFEST.tsv" >"$tmp/list"
while IFS= read -r rel; do
	case "$rel" in *"$only"*) ;; *) continue ;; esac
	cap=$caps/$rel

	# tshark: "flag frame" pairs (and "name=value frame" for the numeric fields)
	# shellcheck disable=SC2086
	tshark -n -r "$cap" -T fields -E occurrence=f -E separator=/t $fields 2>/dev/null |
		awk -F'\t' -v names="$FLAGS" -v extra="$extra" '
		BEGIN { n = split(names, nm, /[ \n]+/) }
		{
			for (i = 1; i <= n; i++)
				if ($(i + 1) != "")
					print nm[i], $1
			if (extra == 1) {
				if ($(n + 2) != "") print "dup_ack_num=" $(n + 2), $1
				if ($(n + 3) != "") print "acks_frame=" $(n + 3), $1
				if ($(n + 4) != "") print "bytes_in_flight=" $(n + 4), $1
			}
		}' | sort -u >"$tmp/ts" || true

	# vxscope: the same pairs from the JSON lines
	$tool "$cap" 2>"$tmp/err" | awk -v extra="$extra" '
		function num(key,   s) {
			if (!match($0, "\"" key "\":[0-9]+"))
				return ""
			s = substr($0, RSTART, RLENGTH)
			sub(/.*:/, "", s)
			return s
		}
		{
			fr = num("frame")
			if (fr == "")
				next
			if (match($0, /"flags":\[[^]]*\]/)) {
				s = substr($0, RSTART + 9, RLENGTH - 10)
				gsub(/[" ]/, "", s)
				n = split(s, a, ",")
				for (i = 1; i <= n; i++)
					if (a[i] != "")
						print a[i], fr
			}
			if (extra == 1) {
				v = num("dup_ack_num"); if (v != "") print "dup_ack_num=" v, fr
				v = num("acks_frame"); if (v != "") print "acks_frame=" v, fr
				v = num("bytes_in_flight"); if (v != "") print "bytes_in_flight=" v, fr
			}
		}' | sort -u >"$tmp/ours" || true

	# per-flag agreement: frames both flag, only we flag, only tshark flags
	comm -12 "$tmp/ours" "$tmp/ts" | awk -v f="$rel" '{ sub(/=.*/, "", $1); print $1, "both" }' >>"$tmp/agree"
	comm -23 "$tmp/ours" "$tmp/ts" >"$tmp/plus"
	comm -13 "$tmp/ours" "$tmp/ts" >"$tmp/minus"

	if [ ! -s "$tmp/plus" ] && [ ! -s "$tmp/minus" ]; then
		echo "ok      $rel"
		pass=$((pass + 1))
		continue
	fi
	awk '{ sub(/=.*/, "", $1); print $1, "ours" }' "$tmp/plus" >>"$tmp/agree"
	awk '{ sub(/=.*/, "", $1); print $1, "tshark" }' "$tmp/minus" >>"$tmp/agree"

	# "flag: +frames we add -frames we miss", one group per flag
	diffs=$( { sed 's/^/+ /' "$tmp/plus"; sed 's/^/- /' "$tmp/minus"; } | awk '
		{ k = $2; sub(/=.*/, "", k); d[k] = d[k] " " $1 $3; if (!(k in seen)) { seen[k] = 1; o[++n] = k } }
		END { for (i = 1; i <= n; i++) printf "%s%s:%s", (i > 1 ? "; " : ""), o[i], d[o[i]] }')
	unknown=$( { cat "$tmp/plus" "$tmp/minus"; } | awk -v f="$rel" -v kf="$known" '
		BEGIN { while ((getline line < kf) > 0) { if (line ~ /^#/) continue
			split(line, a, "\t"); if (a[1] == f) ok[a[2]] = 1 } }
		{ k = $1; sub(/=.*/, "", k); if (!(k in ok) && !("*" in ok)) print k }' | sort -u)
	if [ -z "$unknown" ]; then
		echo "known   $rel: $diffs" | cut -c1-400
		pass=$((pass + 1))
	else
		echo "FAIL    $rel: $diffs" | cut -c1-2000
		fail=$((fail + 1))
	fi
done <"$tmp/list"

echo
echo "per flag: frames both flag / frames either flags (only vxscope, only tshark)"
awk '{ c[$1 " " $2]++; k[$1] = 1 }
	END { for (f in k) { b = c[f " both"] + 0; o = c[f " ours"] + 0; t = c[f " tshark"] + 0
		printf "  %-24s %6d / %-6d (+%d -%d)\n", f, b, b + o + t, o, t } }' "$tmp/agree" | sort
echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
