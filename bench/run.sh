#!/usr/bin/env bash
# run.sh - vxscope's benchmark: CPU time and peak RSS of vxscope and of the usual tools on one
# generated AWS-mirrored workload (bench/gen_workload.c).  See bench/README.md.
#
# Environment:
#   BENCH_PACKETS          packets in the workload (default 2000000)
#   BENCH_TSHARK_PACKETS   packets for the tshark row (default: BENCH_PACKETS, at most 2000000;
#                          tshark keeps every frame in memory: ~1.3 GB per million packets)
#   BENCH_SEED             generator seed (default 1)
#   BENCH_SNAP             also run tcpdump and vxscope on a copy cut to N bytes per inner frame
#   BENCH_OUT              where to save the table (default: a new /tmp/vxscope-bench.*.txt)
#   BENCH_KEEP=1           keep the temporary folder with the workload files
#   BENCH_NOBUILD=1        do not run make first
set -u

cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
PACKETS=${BENCH_PACKETS:-2000000}
SEED=${BENCH_SEED:-1}
TS_CAP=2000000
TS_PACKETS=${BENCH_TSHARK_PACKETS:-$((PACKETS < TS_CAP ? PACKETS : TS_CAP))}
VXSCOPE=$ROOT/build/release/vxscope
GEN=$ROOT/build/release/tools/gen_workload

case "$PACKETS$TS_PACKETS" in
*[!0-9]*) echo "run.sh: BENCH_PACKETS and BENCH_TSHARK_PACKETS must be numbers" >&2; exit 2 ;;
esac

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vxscope-bench.XXXXXX") || exit 1
cleanup() {
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "run.sh: workload kept in $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
OUT=${BENCH_OUT:-$(mktemp "${TMPDIR:-/tmp}/vxscope-bench.XXXXXX.txt")} || exit 1
: >"$OUT" || { echo "run.sh: cannot write $OUT" >&2; exit 1; }

say() { printf '%s\n' "$*" | tee -a "$OUT"; }

# ---- tools ---------------------------------------------------------------------------------
if [ ! -x /usr/bin/time ]; then
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
		echo "run.sh: installing the Debian package 'time' (GNU time, for CPU and peak RSS)" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null ||
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
	fi
	[ -x /usr/bin/time ] || { echo "run.sh: needs GNU time: apt-get install time" >&2; exit 1; }
fi

BUILT=1
if [ "${BENCH_NOBUILD:-0}" != 1 ]; then
	echo "run.sh: make" >&2
	if ! make -j2 >"$WORK/make.log" 2>&1; then
		BUILT=0
		echo "run.sh: make failed (tail of the log below); timing what is already built" >&2
		tail -5 "$WORK/make.log" >&2
	fi
fi
if [ "$BUILT" = 0 ] || [ ! -x "$GEN" ]; then
	# gen_workload needs nothing from the library: build it alone when the tree does not build
	GEN=$WORK/gen_workload
	${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -o "$GEN" bench/gen_workload.c -lm ||
		{ echo "run.sh: cannot build bench/gen_workload.c" >&2; exit 1; }
fi

# ---- workload ------------------------------------------------------------------------------
F=$WORK/mirrored.pcap
P=$WORK/plain.pcap
gen() { # OUT ARGS... : generate, echo the summary, remember the seconds it took
	local out=$1
	shift
	if ! "$GEN" -o "$out" --seed "$SEED" "$@" 2>"$WORK/gen.err"; then
		cat "$WORK/gen.err" >&2
		echo "run.sh: gen_workload failed" >&2
		exit 1
	fi
	sed 's/^/  /' "$WORK/gen.err" | tee -a "$OUT" >&2
}
say "vxscope benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -sr), $(nproc) CPUs:" \
	"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
say ""
say "workload (bench/gen_workload, seed $SEED):"
gen "$F" -n "$PACKETS"
gen "$P" -n "$PACKETS" --plain
TS_FILE=$F
if [ "$TS_PACKETS" -lt "$PACKETS" ]; then
	TS_FILE=$WORK/mirrored-tshark.pcap
	gen "$TS_FILE" -n "$TS_PACKETS"
fi
SNAP_FILE=
if [ -n "${BENCH_SNAP:-}" ]; then
	SNAP_FILE=$WORK/mirrored-snap.pcap
	gen "$SNAP_FILE" -n "$PACKETS" --snap "$BENCH_SNAP"
fi
cat "$F" "$P" >/dev/null # page cache: every tool reads from memory, not from the disk

# ---- measurements --------------------------------------------------------------------------
# Rows: name|command|packets|cpu seconds|max RSS KB ("-" when the tool could not run).
ROWS=$WORK/rows
: >"$ROWS"
declare -A CPU RSS NPK

measure() { # KEY PACKETS CMD... : run CMD under GNU time, stdout discarded
	local key=$1 n=$2
	shift 2
	local shown="$*"
	shown=${shown//$WORK\//}
	shown=${shown//$ROOT\//}
	if ! command -v "$1" >/dev/null 2>&1; then
		say "$key: not installed ($1)"
		echo "$key|$shown|$n|-|-" >>"$ROWS"
		return 1
	fi
	echo "run.sh: $key: $shown" >&2
	if ! /usr/bin/time -f '%U %S %M' -o "$WORK/time.txt" "$@" >/dev/null 2>"$WORK/err.txt"; then
		say "$key: failed: $(grep -v '^Running as user' "$WORK/err.txt" | head -2 | tr '\n' ' ')"
		echo "$key|$shown|$n|-|-" >>"$ROWS"
		return 1
	fi
	local u s m
	read -r u s m <"$WORK/time.txt"
	CPU[$key]=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
	RSS[$key]=$m
	NPK[$key]=$n
	echo "$key|$shown|$n|${CPU[$key]}|$m" >>"$ROWS"
}

vx() { # KEY FILE PACKETS SUBCOMMAND [ARGS...] : a vxscope row, or "not available"
	local key=$1 file=$2 n=$3 cmd=$4
	shift 4
	if [ ! -x "$VXSCOPE" ]; then
		say "vxscope $cmd: not available (no $VXSCOPE)"
		echo "$key|vxscope $cmd ${file##*/}|$n|-|-" >>"$ROWS"
		return
	fi
	measure "$key" "$n" "$VXSCOPE" "$cmd" "$@" "$file" ||
		say "vxscope $cmd: not available"
}

measure tcpdump "$PACKETS" tcpdump -nn -r "$F" -w /dev/null
# softflowd: -c none, or it blocks in accept() on its control socket after reading a file
# (1.1.0); -n sends the NetFlow v9 export to a loopback port nobody listens on; -m above the
# peak live flows so it tracks, not evicts; -6 tracks IPv6 too.
SF=(softflowd -6 -v 9 -m 262144 -n 127.0.0.1:9995 -c none -p "$WORK/softflowd.pid")
measure softflowd "$PACKETS" "${SF[@]}" -r "$F"
measure softflowd-plain "$PACKETS" "${SF[@]}" -r "$P"
measure tshark "$TS_PACKETS" tshark -n -r "$TS_FILE" -Y tcp.analysis.retransmission
# -n: no DNS look-ups (without it tcptrace waits on the resolver, not the CPU)
measure tcptrace "$PACKETS" tcptrace -n -l "$P"
# nDPI 4.2's ndpiReader does not decapsulate VXLAN: it gets the inner frames
measure ndpiReader "$PACKETS" ndpiReader -q -i "$P"
vx vxscope-flows "$F" "$PACKETS" flows
vx vxscope-flowlogs "$F" "$PACKETS" flowlogs
# one pass writing both the flow table and the flow logs
vx vxscope-one-pass "$F" "$PACKETS" flowlogs --flows /dev/null
vx vxscope-analyze "$F" "$PACKETS" analyze
# application parsing (HTTP, DNS, TLS, SIP, RTP) off, and nDPI classification on
vx vxscope-analyze-noapp "$F" "$PACKETS" analyze --no-app
# TCP analysis alone (no application parsing, no QoS): what tshark's retransmission filter
# also computes, beside the full default analysis above
vx vxscope-analyze-tcp "$F" "$PACKETS" analyze --no-app --no-qos
vx vxscope-analyze-ndpi "$F" "$PACKETS" analyze --ndpi
if [ -n "$SNAP_FILE" ]; then
	measure tcpdump-snap "$PACKETS" tcpdump -nn -r "$SNAP_FILE" -w /dev/null
	vx vxscope-flows-snap "$SNAP_FILE" "$PACKETS" flows
	vx vxscope-analyze-snap "$SNAP_FILE" "$PACKETS" analyze
fi

# ---- table ---------------------------------------------------------------------------------
say ""
{
	printf '%-20s %-76s %9s %8s %11s %7s\n' tool command packets "CPU s" "packets/s" "RSS MB"
	awk -F'|' '{
		pps = ($4 == "-" || $4 + 0 == 0) ? "-" : sprintf("%.0f", $3 / ($4 > 0 ? $4 : 0.005))
		if ($4 != "-" && $4 + 0 == 0) pps = ">" sprintf("%.0f", $3 / 0.005)
		rss = $5 == "-" ? "-" : sprintf("%.1f", $5 / 1024)
		printf "%-20s %-76s %9s %8s %11s %7s\n", $1, substr($2, 1, 76), $3, $4, pps, rss
	}' "$ROWS"
} | tee -a "$OUT"

# CPU seconds per packet, so rows on different packet counts compare
per_pkt() { awk -v c="$1" -v n="$2" 'BEGIN { printf "%.12f", c / n }'; }
ratio() { # NAME GOAL NUM_KEYS DEN_KEYS (keys separated by +)
	local name=$1 goal=$2 num=0 den=0 k
	for k in ${3//+/ }; do
		[ -n "${CPU[$k]:-}" ] || { say "$(printf '  %-62s %s' "$name" "n/a ($k missing)")"; return; }
		num=$(awk -v a="$num" -v b="$(per_pkt "${CPU[$k]}" "${NPK[$k]}")" 'BEGIN { print a + b }')
	done
	for k in ${4//+/ }; do
		[ -n "${CPU[$k]:-}" ] || { say "$(printf '  %-62s %s' "$name" "n/a ($k missing)")"; return; }
		den=$(awk -v a="$den" -v b="$(per_pkt "${CPU[$k]}" "${NPK[$k]}")" 'BEGIN { print a + b }')
	done
	say "$(awk -v n="$num" -v d="$den" -v name="$name" -v goal="$goal" 'BEGIN {
		if (d <= 0) { printf "  %-62s %s\n", name, "n/a (0 CPU below the line)"; exit }
		printf "  %-62s %7.2f   goal %s\n", name, n / d, goal }')"
}
say ""
say "ratios (CPU per packet; a row on another packet count is scaled to per-packet):"
ratio "vxscope flows + flow logs (one pass) CPU / tcpdump copy CPU" "<= 1" \
	vxscope-one-pass tcpdump
ratio "vxscope flows + flow logs (one pass) CPU / softflowd CPU" "< 1" \
	vxscope-one-pass softflowd
ratio "tshark -Y tcp.analysis.retransmission CPU / vxscope analyze" ">= 50" \
	tshark vxscope-analyze
ratio "tshark -Y tcp.analysis.retransmission CPU / analyze TCP only" "(>= 50 above)" \
	tshark vxscope-analyze-tcp
ratio "tcptrace -l CPU / vxscope analyze CPU" "> 1" tcptrace vxscope-analyze
max=0
for k in vxscope-flows vxscope-flowlogs vxscope-one-pass vxscope-analyze; do
	[ -n "${RSS[$k]:-}" ] && [ "${RSS[$k]}" -gt "$max" ] && max=${RSS[$k]}
done
if [ "$max" -gt 0 ]; then
	say "$(printf '  %-62s %7.1f   goal < 100' "vxscope peak RSS, MB (largest of its rows)" \
		"$(awk -v m="$max" 'BEGIN { print m / 1024 }')")"
fi
if [ "$TS_PACKETS" != "$PACKETS" ]; then
	say "  note: tshark ran on a ${TS_PACKETS}-packet workload (same generator and seed)," \
		"not ${PACKETS}: its RSS grows with the file; compare per packet"
fi
say ""
say "table saved in $OUT"
