#!/usr/bin/env bash
# tests/run.sh - every test tier, as CI runs it (`make check` calls this after `make deps`).
#
#   tests/run.sh            all tiers
#   tests/run.sh lint unit golden oracle e2e fuzz asan   any subset, in this order
#
# Each test prints PASS/FAIL/SKIP with its name; the last line is "N passed, N failed, N
# skipped".  Exit 0 only when nothing failed.  A test exiting 77 is skipped (with its reason
# printed), e.g. an e2e test not run as root.  Temporary files go under one mktemp -d folder,
# removed at exit.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
export VXS_ROOT=$ROOT
export VXS_CAPTURES=${VXS_CAPTURES:-$ROOT/../shared/captures}
JOBS=${JOBS:-2}
TIERS=${*:-lint unit golden oracle e2e fuzz asan}

TMP=$(mktemp -d /tmp/vxscope-tests.XXXXXX)
export VXS_TMP=$TMP
trap 'rm -rf "$TMP"' EXIT INT TERM

pass=0 fail=0 skip=0
failed_names=()
LOG=$TMP/log
mkdir -p "$LOG"

# run NAME CMD... : run one test, capture its output, report.
run() {
	local name=$1
	shift
	local out="$LOG/$(echo "$name" | tr '/ ' '__').log"
	local t0=$SECONDS
	"$@" >"$out" 2>&1
	local rc=$?
	local dt=$((SECONDS - t0))
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1))
		echo "PASS $name (${dt}s)"
	elif [ $rc -eq 77 ]; then
		skip=$((skip + 1))
		echo "SKIP $name: $(tail -n 1 "$out")"
	else
		fail=$((fail + 1))
		failed_names+=("$name")
		echo "FAIL $name (exit $rc, ${dt}s) -- last lines:"
		tail -n 25 "$out" | sed 's/^/    | /'
	fi
}

build() {
	echo "== build (release and asan, -Werror)"
	make -s -j"$JOBS" all || return 1
	make -s -j"$JOBS" SANITIZER=asan all || return 1
	return 0
}

if ! build; then
	echo "build failed"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

for tier in $TIERS; do
	case $tier in
	lint)
		echo "== lint (layering, generated docs)"
		run "lint" tests/lint.sh
		;;
	unit)
		echo "== unit tests (cmocka, ASan+UBSan build)"
		make -s -j"$JOBS" SANITIZER=asan $(ls tests/unit/test_*.c 2>/dev/null |
			sed 's|tests/unit/\(.*\)\.c|build/asan/tests/\1|') || { fail=$((fail + 1)); failed_names+=("unit build"); continue; }
		for t in tests/unit/test_*.c; do
			[ -e "$t" ] || continue
			n=$(basename "$t" .c)
			run "unit/$n" "build/asan/tests/$n"
		done
		;;
	golden)
		echo "== golden tests (tests/golden/TESTLIST)"
		run "golden" tests/golden/run.sh
		;;
	oracle)
		echo "== oracle tests (tshark on every capture in $VXS_CAPTURES)"
		for t in tests/oracle/*.sh tests/oracle/*.py; do
			[ -e "$t" ] || continue
			n=$(basename "$t")
			run "oracle/${n%.*}" "$t"
		done
		;;
	e2e)
		echo "== end-to-end tests (network namespaces, kernel VXLAN, real peers)"
		for t in tests/e2e/test_*.sh; do
			[ -e "$t" ] || continue
			run "e2e/$(basename "$t" .sh)" "$t"
		done
		;;
	fuzz)
		echo "== fuzz corpus replay (ASan+UBSan)"
		make -s -j"$JOBS" SANITIZER=asan replay || { fail=$((fail + 1)); failed_names+=("replay build"); continue; }
		for h in tests/fuzz/fuzz_*.c; do
			[ -e "$h" ] || continue
			n=$(basename "$h" .c)
			n=${n#fuzz_}
			if [ -d "tests/fuzz/corpus/$n" ]; then
				run "fuzz/$n" "build/asan/replay/replay_$n" "tests/fuzz/corpus/$n"
			else
				run "fuzz/$n" sh -c "echo 'no corpus tests/fuzz/corpus/$n'; exit 1"
			fi
		done
		;;
	asan)
		echo "== ASan+UBSan over every capture"
		run "asan/all-captures" tests/asan_captures.sh
		;;
	*)
		echo "unknown tier $tier"
		fail=$((fail + 1))
		;;
	esac
done

if [ ${#failed_names[@]} -gt 0 ]; then
	echo "failed: ${failed_names[*]}"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
