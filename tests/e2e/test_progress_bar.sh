#!/bin/bash
# test_progress_bar.sh - `vxscope analyze` draws a progress bar on stderr for a long file when
# stderr is a terminal (a real pty from script(1)), erases it before the report, and draws
# nothing when stderr is not a terminal.  Exit 0 pass, 1 fail, 77 skip.
set -eu
root="${VXS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}"
bin="$root/build/release/vxscope"
gen="$root/build/release/tools/gen_workload"
command -v script >/dev/null || { echo "script(1) (util-linux) missing"; exit 77; }
tmp="$(mktemp -d "${VXS_TMP:-/tmp}/progress.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# The bar appears above 64 MiB: 120k mirrored packets are about 90 MB.
"$gen" -o "$tmp/w.pcap" -n 120000 2>/dev/null
size=$(stat -c %s "$tmp/w.pcap")
[ "$size" -gt $((64 << 20)) ] || { echo "FAIL: workload only $size bytes"; exit 1; }

# Under a pty (script(1)): stderr is the terminal, the report goes to a file.
script -qec "$bin analyze --no-color $tmp/w.pcap >$tmp/report.txt" "$tmp/transcript" \
	>/dev/null 2>&1 </dev/null
rc=0
grep -aq 'w.pcap' "$tmp/transcript" || { echo "FAIL: no file name in the progress line"; rc=1; }
grep -aEq '\[#+ *\] +[0-9]+%' "$tmp/transcript" || { echo "FAIL: no bar drawn"; rc=1; }
n=$(tr '\r' '\n' <"$tmp/transcript" | grep -acE '\[#* *\] +[0-9]+%' || true)
[ "$n" -ge 10 ] || { echo "FAIL: bar redrawn only $n times"; rc=1; }
# Erased before exit: the last carriage-return-separated piece carries no bar.
last=$(tr '\r' '\n' <"$tmp/transcript" | grep -av '^[[:space:]]*$' | tail -n 1 || true)
case "$last" in *'%'*) echo "FAIL: bar left on screen: $last"; rc=1 ;; esac
# The report itself is whole and free of bar characters.
grep -q 'vxscope analyze' "$tmp/report.txt" || grep -q 'capture' "$tmp/report.txt" ||
	{ echo "FAIL: report missing"; rc=1; }
if grep -aq $'\r' "$tmp/report.txt"; then echo "FAIL: carriage return in the report"; rc=1; fi

# Not a terminal: nothing but the report.
"$bin" analyze --no-color "$tmp/w.pcap" >"$tmp/r2.txt" 2>"$tmp/e2.txt" || true
if [ -s "$tmp/e2.txt" ] && grep -aq '%' "$tmp/e2.txt"; then
	echo "FAIL: progress written to a non-terminal stderr"; rc=1
fi
cmp -s "$tmp/report.txt" "$tmp/r2.txt" || { echo "FAIL: report differs with a terminal"; rc=1; }
[ $rc -eq 0 ] && echo "progress bar: $n redraws, erased, none without a terminal"
exit $rc
