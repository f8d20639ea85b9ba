#!/bin/sh
# capture_counts.sh - oracle for the capture readers (src/capture/): for every capture listed
# in MANIFEST.tsv, the frames vxscope's reader returns and the first and last frame
# timestamps must equal what tshark reads (`tshark -r F -T fields -e frame.time_epoch`, to
# the nanosecond).  A file where both stop early on damage must agree on the frames read.
# Files where the two disagree for a known, explained reason are listed with that reason in
# capture_counts.known and reported as "known" (a known file that starts agreeing is
# reported too, so the list does not rot).
#
#   tests/oracle/capture_counts.sh            (needs build/release/tools/capcount: make tools)
#   VXS_CAPTURES=DIR CAPCOUNT=BIN tests/oracle/capture_counts.sh
#
# Prints one line per file and "N passed, N failed"; exits 1 if any failed.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CAPS=${VXS_CAPTURES:-/work/shared/captures}
CAPCOUNT=${CAPCOUNT:-$ROOT/build/release/tools/capcount}
KNOWN=$ROOT/tests/oracle/capture_counts.known

if ! command -v tshark >/dev/null 2>&1; then
	echo "capture_counts: tshark not installed, skipped"
	exit 0
fi
if [ ! -f "$CAPS/MANIFEST.tsv" ]; then
	echo "capture_counts: no $CAPS/MANIFEST.tsv, skipped"
	exit 0
fi
if [ ! -x "$CAPCOUNT" ]; then
	echo "capture_counts: $CAPCOUNT missing (run make tools)" >&2
	exit 2
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

pass=0
fail=0
known=0
for f in $(awk -F'\t' 'NR > 1 { print $1 }' "$CAPS/MANIFEST.tsv"); do
	"$CAPCOUNT" "$CAPS/$f" >"$TMP/ours" 2>&1
	line=$(cat "$TMP/ours")
	# Frame numbers, as Wireshark counts them (custom blocks included).
	frames=$(printf '%s\n' "$line" | sed -n 's/.*numbered=\([0-9]*\).*/\1/p')
	first=$(printf '%s\n' "$line" | sed -n 's/.* first=\([^ ]*\) .*/\1/p')
	last=$(printf '%s\n' "$line" | sed -n 's/.* last=\([^ ]*\) .*/\1/p')
	status=$(printf '%s\n' "$line" | sed -n 's/.* status=\([a-z]*\).*/\1/p')
	err=$(printf '%s\n' "$line" | sed -n 's/.* error=\(.*\)/\1/p')

	tshark -n -r "$CAPS/$f" -T fields -e frame.time_epoch >"$TMP/ts" 2>"$TMP/ts_err"
	trc=$?
	tframes=$(wc -l <"$TMP/ts" | tr -d ' ')
	tfirst=$(head -n 1 "$TMP/ts")
	tlast=$(tail -n 1 "$TMP/ts")
	[ "$tframes" = 0 ] && tfirst=- && tlast=-

	why=""
	[ "$frames" = "$tframes" ] || why="frames $frames, tshark $tframes"
	if [ -z "$why" ] && [ "$first" != "$tfirst" ]; then
		why="first time $first, tshark $tfirst"
	fi
	if [ -z "$why" ] && [ "$last" != "$tlast" ]; then
		why="last time $last, tshark $tlast"
	fi
	# Both must see damage, or neither (tshark exits 2 on a damaged file).
	if [ -z "$why" ] && [ "$status" = damaged ] && [ "$trc" = 0 ]; then
		why="we stopped at damage ($err), tshark read to the end"
	fi
	if [ -z "$why" ] && [ "$status" = eof ] && [ "$trc" != 0 ] && grep -qE \
	    "cut short|damaged or corrupt" "$TMP/ts_err"; then
		why="tshark found damage ($(tail -n 1 "$TMP/ts_err")), we read to the end"
	fi

	reason=$(awk -F'\t' -v f="$f" '$1 == f { print $2 }' "$KNOWN" 2>/dev/null)
	if [ -z "$why" ] && [ -n "$reason" ]; then
		echo "FAIL  $f: listed in capture_counts.known but now agrees with tshark"
		fail=$((fail + 1))
	elif [ -z "$why" ]; then
		echo "ok    $f: $frames frames${err:+, $status: $err}"
		pass=$((pass + 1))
	elif [ -n "$reason" ]; then
		echo "known $f: $why ($reason)"
		known=$((known + 1))
		pass=$((pass + 1))
	else
		echo "FAIL  $f: $why${err:+ [$status: $err]}"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed ($known of the passed are known differences)"
[ "$fail" = 0 ]
