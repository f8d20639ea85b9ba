#!/usr/bin/env bash
# golden tests: a capture in, expected text/JSON out.  One test per TESTLIST line:
#
#   NAME  EXIT  ARGS...
#
# runs `vxscope ARGS` from the repository root (paths in ARGS are relative to it; $CAPS is
# ../shared/captures) and compares stdout with expected/NAME.out and the exit status with EXIT.
# UPDATE=1 tests/golden/run.sh (or tests/golden/update.sh) rewrites the expected files: review
# the diff before committing it.
set -u
cd "$(dirname "$0")/../.."
BIN=${VXS_BIN:-build/release/vxscope}
CAPS=${VXS_CAPTURES_REL:-../shared/captures}
EXP=tests/golden/expected
TMP=$(mktemp -d /tmp/vxs-golden.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0
while IFS=$'\t' read -r name rest; do
	want=${rest%% *}
	args=${rest#* }
	case "$name" in '' | '#'*) continue ;; esac
	args=${args//\$CAPS/$CAPS}
	eval "set -- $args" # ARGS may quote, e.g. --log-format '${srcaddr} ${dstaddr}'
	TZ=UTC "$BIN" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	case "$name" in # one JSON document: pretty-printed so a diff shows the field that changed
	*_json) python3 -m json.tool "$TMP/out" >"$TMP/pretty" 2>/dev/null && mv "$TMP/pretty" "$TMP/out" ;;
	esac
	if [ "${UPDATE:-0}" = 1 ]; then
		cp "$TMP/out" "$EXP/$name.out"
		awk -v n="$name" -v rc="$rc" 'BEGIN { FS = OFS = "\t" }
			$1 == n { sub(/^[0-9]+/, rc, $2) } { print }' tests/golden/TESTLIST >"$TMP/tl" &&
			cat "$TMP/tl" >tests/golden/TESTLIST
		echo "updated $name (exit $rc)"
		continue
	fi
	if [ ! -f "$EXP/$name.out" ]; then
		echo "FAIL $name: no $EXP/$name.out (run tests/golden/update.sh)"
		fail=$((fail + 1))
	elif [ "$rc" != "$want" ]; then
		echo "FAIL $name: exit $rc, expected $want"; head -5 "$TMP/err"
		fail=$((fail + 1))
	elif ! diff -u "$EXP/$name.out" "$TMP/out" >"$TMP/diff"; then
		echo "FAIL $name: output differs:"; head -40 "$TMP/diff"
		fail=$((fail + 1))
	else
		echo "ok   $name"
		pass=$((pass + 1))
	fi
done <tests/golden/TESTLIST
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
