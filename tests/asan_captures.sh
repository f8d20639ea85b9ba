#!/usr/bin/env bash
# asan_captures.sh - every vxscope command, built with ASan+UBSan, over every capture in
# ../shared/captures: no sanitizer report, no crash, and exit status 2 (damaged input) only
# on files that tshark also cannot read to the end (MANIFEST.tsv column tshark_note).
set -u
ROOT=${VXS_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
CAPS=${VXS_CAPTURES:-$ROOT/../shared/captures}
BIN=${VXS_ASAN_BIN:-$ROOT/build/asan/vxscope}
TMP=$(mktemp -d /tmp/vxs-asan.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
[ -x "$BIN" ] || { echo "no $BIN (make SANITIZER=asan)"; exit 1; }
[ -f "$CAPS/MANIFEST.tsv" ] || { echo "no captures at $CAPS"; exit 1; }

ok=0 bad=0
# file and tshark_note (columns 1 and 18; empty columns must survive, so awk, not read)
while IFS=$'\x1f' read -r file note; do
	f=$CAPS/$file
	for cmd in "analyze --json" "flows --json" "flowlogs" "decap -o $TMP/out.pcapng" "analyze --packets"; do
		# shellcheck disable=SC2086
		"$BIN" $cmd "$f" >"$TMP/stdout" 2>"$TMP/stderr"
		rc=$?
		if grep -q -e "AddressSanitizer" -e "runtime error" -e "LeakSanitizer" "$TMP/stderr"; then
			echo "FAIL $file: vxscope $cmd: sanitizer report"
			head -n 30 "$TMP/stderr"
			bad=$((bad + 1))
			continue
		fi
		if [ $rc -eq 2 ] && [ -z "$note" ]; then
			echo "FAIL $file: vxscope $cmd: exit 2 (damaged) but tshark reads the file to the end:"
			tail -n 3 "$TMP/stderr"
			bad=$((bad + 1))
			continue
		fi
		if [ $rc -ne 0 ] && [ $rc -ne 2 ]; then
			echo "FAIL $file: vxscope $cmd: exit $rc"
			tail -n 5 "$TMP/stderr"
			bad=$((bad + 1))
			continue
		fi
		ok=$((ok + 1))
	done
done < <(awk -F'\t' 'NR > 1 { print $1 "\x1f" $18 }' "$CAPS/MANIFEST.tsv")
echo "$ok passed, $bad failed"
[ $bad -eq 0 ]
