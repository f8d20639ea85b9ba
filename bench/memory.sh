#!/usr/bin/env bash
# memory.sh - is vxscope's memory bounded by the live flows, not by the file?  The bench
# workload made longer without making it denser: copies with other seeds, each starting 120 s
# after the one before (gen_workload --start), joined into captures of 1, 2, 4 and 8 copies.
# Every capture has the same traffic at any moment (the same servers, the same connection
# rate, the same live flows) and only the length differs.  Peak RSS and CPU of `vxscope
# analyze` and of `tshark -Y tcp.analysis.retransmission` on each.  See bench/README.md.
#
# Environment:
#   MEM_PACKETS   packets per copy (default 500000; 8 copies = 4M packets, ~3 GB in TMPDIR)
#   MEM_COPIES    the lengths to measure, in copies (default "1 2 4 8")
#   MEM_TSHARK=0  skip tshark (it needs ~1.3 GB of memory per million packets)
#   MEM_OUT       where to save the table (default: a new /tmp/vxscope-memory.*.txt)
#   BENCH_NOBUILD=1  do not run make first
set -u

cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
PER=${MEM_PACKETS:-500000}
COPIES=${MEM_COPIES:-1 2 4 8}
VXSCOPE=$ROOT/build/release/vxscope
GEN=$ROOT/build/release/tools/gen_workload
case "$PER" in *[!0-9]* | "") echo "memory.sh: MEM_PACKETS must be a number" >&2; exit 2 ;; esac
for c in $COPIES; do
	case "$c" in *[!0-9]* | "" | 0) echo "memory.sh: MEM_COPIES: '$c' is not a count" >&2; exit 2 ;; esac
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vxscope-memory.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
OUT=${MEM_OUT:-$(mktemp "${TMPDIR:-/tmp}/vxscope-memory.XXXXXX.txt")} || exit 1
: >"$OUT" || { echo "memory.sh: cannot write $OUT" >&2; exit 1; }
say() { printf '%s\n' "$*" | tee -a "$OUT"; }

[ -x /usr/bin/time ] || { echo "memory.sh: needs GNU time: apt-get install time" >&2; exit 1; }
if [ "${BENCH_NOBUILD:-0}" != 1 ]; then
	make -j2 >"$WORK/make.log" 2>&1 || { tail -5 "$WORK/make.log" >&2; exit 1; }
fi
[ -x "$VXSCOPE" ] && [ -x "$GEN" ] || { echo "memory.sh: build vxscope first (make)" >&2; exit 1; }
TSHARK=
if [ "${MEM_TSHARK:-1}" != 0 ] && command -v tshark >/dev/null; then
	TSHARK=$(command -v tshark)
fi

max=0
for c in $COPIES; do [ "$c" -gt "$max" ] && max=$c; done

# One copy per seed, 120 s apart (a copy spans 85-110 s), joined without their file headers.
J=$WORK/joined.pcap
for k in $(seq 0 $((max - 1))); do
	"$GEN" -o "$WORK/copy.pcap" -n "$PER" --seed $((k + 1)) --start $((1718000000 + k * 120)) \
		2>"$WORK/gen.err" || { cat "$WORK/gen.err" >&2; exit 1; }
	if [ "$k" = 0 ]; then
		mv "$WORK/copy.pcap" "$J"
	else
		tail -c +25 "$WORK/copy.pcap" >>"$J" || exit 1
		rm -f "$WORK/copy.pcap"
	fi
	for c in $COPIES; do
		[ "$c" = $((k + 1)) ] && { cp "$J" "$WORK/L$c.pcap" || exit 1; }
	done
done
rm -f "$J"

# FILE CMD... : one timed run of CMD... FILE; prints "cpu_seconds peak_rss_kb"
measure() {
	local f=$1
	shift
	cat "$f" >/dev/null # in the page cache, as for every row
	/usr/bin/time -o "$WORK/time" -f "%U %S %M" "$@" "$f" >/dev/null 2>"$WORK/err" ||
		{ echo "memory.sh: failed: $* $f" >&2; tail -3 "$WORK/err" >&2; echo "- -"; return; }
	awk '{ printf "%.2f %d\n", $1 + $2, $3 }' "$WORK/time"
}

say "vxscope memory benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -sr), $(nproc) CPUs"
say "workload: gen_workload -n $PER per copy, seeds 1.., each copy 120 s after the last"
say ""
say "$(printf '%7s %10s %9s | %-22s | %-22s | %s' copies packets span_s 'vxscope analyze' \
	'tshark -Y retrans.' 'tshark/vxscope')"
say "$(printf '%7s %10s %9s | %9s %12s | %9s %12s | %s' '' '' '' 'CPU s' 'peak RSS MB' 'CPU s' \
	'peak RSS MB' 'CPU   RSS')"
for c in $COPIES; do
	f=$WORK/L$c.pcap
	read -r npk span < <("$ROOT/build/release/tools/capcount" "$f" 2>/dev/null |
		sed -n 's/.*frames=\([0-9]*\) .*first=\([0-9.]*\) last=\([0-9.]*\).*/\1 \2 \3/p' |
		awk '{ printf "%d %.0f\n", $1, $3 - $2 }')
	[ -n "${npk:-}" ] || { npk=- span=-; }
	read -r vc vm < <(measure "$f" "$VXSCOPE" analyze)
	tc=- tm=-
	[ -n "$TSHARK" ] && read -r tc tm < <(measure "$f" "$TSHARK" -n -Y tcp.analysis.retransmission -r)
	ratio=$(python3 -c 'import sys
a = sys.argv[1:]
try:
    print("%5.1fx %5.1fx" % (float(a[2]) / float(a[0]), float(a[3]) / float(a[1])))
except (ValueError, ZeroDivisionError):
    print("-")' "$vc" "$vm" "$tc" "$tm")
	say "$(printf '%7s %10s %9s | %9s %12s | %9s %12s | %s' "$c" "$npk" "$span" "$vc" \
		"$([ "$vm" = - ] && echo - || echo $((vm / 1024)))" "$tc" \
		"$([ "$tm" = - ] && echo - || echo $((tm / 1024)))" "$ratio")"
done
say ""
say "goal (issue #3): vxscope's peak RSS set by the live flows (flat as the file grows);"
say "tshark keeps every frame, so its RSS grows with the file."
echo "table saved in $OUT"
