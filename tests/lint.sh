#!/usr/bin/env bash
# lint.sh - structural checks: layering of src/ folders, generated docs up to date.
#
# Layers, in order (CONVENTIONS.md): a file may include its own layer and the layers before it.
set -u
set -f # include lines are words, never globs
cd "$(dirname "$0")/.."
order="base decode capture mirror flow analyze app report output engine cli"
rank() { local i=0; for l in $order; do [ "$l" = "$1" ] && { echo $i; return; }; i=$((i + 1)); done; echo 99; }
bad=0
for f in $(git ls-files 'src/*.c' 'src/*.h' 2>/dev/null || find src -name '*.[ch]'); do
	layer=$(echo "$f" | cut -d/ -f2)
	me=$(rank "$layer")
	for inc in $(sed -n 's/^#include "\([a-z]*\)\/[^"]*".*/\1/p' "$f"); do
		them=$(rank "$inc")
		if [ "$them" -gt "$me" ]; then
			echo "layering: $f ($layer) includes $inc, a later layer"
			bad=$((bad + 1))
		fi
	done
done
scripts/gen-anomaly-doc.sh
if ! git diff --quiet -- docs/anomalies.md 2>/dev/null; then
	echo "docs/anomalies.md is out of date: run scripts/gen-anomaly-doc.sh and commit it"
	bad=$((bad + 1))
fi
echo "$((bad == 0)) passed, $((bad > 0)) failed"
[ $bad -eq 0 ]
