#!/bin/sh
# gen-anomaly-doc.sh - docs/anomalies.md from src/decode/anomaly.def (the one list).
set -eu
cd "$(dirname "$0")/.."
{
	echo "# Decoder anomalies"
	echo
	echo "Generated from \`src/decode/anomaly.def\` by \`scripts/gen-anomaly-doc.sh\`; do not edit."
	echo "Anomalies are counted (\`vxscope analyze --json\`: capture.anomalies) and never stop"
	echo "decoding of other packets. Names starting with \`truncated_\` mean the capture ended"
	echo "before a length the headers declare (a snap length, a mirror PacketLength or target"
	echo "MTU); the others mean a field contradicts its format."
	echo
	echo "| name | meaning |"
	echo "|---|---|"
	sed -n 's/^X([A-Z0-9_]*, *"\([a-z0-9_]*\)", *"\(.*\)")$/| `\1` | \2 |/p' src/decode/anomaly.def
} >docs/anomalies.md.tmp
mv docs/anomalies.md.tmp docs/anomalies.md
