#!/bin/sh
# rtp_streams.sh - oracle test: vxscope's RTP streams against `tshark -q -z rtp,streams`.
#
# For every capture in shared/captures/MANIFEST.tsv, the RTP streams tshark lists (with
# `-o rtp.heuristic_rtp:TRUE`, so streams without SIP/SDP count too) and the ones vxscope
# writes as --app-records lines (type "rtp") are matched by source and destination address
# and port and SSRC; for each, the packets and lost counts must be equal and the max delta,
# mean jitter and max jitter equal within 0.1 ms.  A stream only one side lists is a
# difference too (vxscope's heuristic wants RTP_PROBATION packets in sequence: Wireshark's
# takes any packet that looks like RTP).
#
#   VXS_APPDUMP  VXS_CAPTURES  VXS_ORACLE_ONLY   as app_fields.sh
#
# tests/oracle/rtp_streams.known: "file<TAB>stream-or-*<TAB>reason", one line per reviewed
# difference (stream = "src:port>dst:port/0xSSRC").
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
tool=${VXS_APPDUMP:-$root/build/release/tools/appdump -r}
caps=${VXS_CAPTURES:-$root/../shared/captures}
known=$root/tests/oracle/rtp_streams.known
only=${VXS_ORACLE_ONLY:-}

for t in tshark python3; do
	if ! command -v $t >/dev/null 2>&1; then
		echo "rtp_streams: $t not installed (make deps)" >&2
		exit 1
	fi
done
if [ ! -f "$caps/MANIFEST.tsv" ]; then
	echo "rtp_streams: no captures at $caps (set VXS_CAPTURES)" >&2
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

cat >"$tmp/cmp.py" <<'PY'
import json, re, sys
rel, ts_path, ours_path, known_path = sys.argv[1:5]
TOL = 0.1

def key(sa, sp, da, dp, ssrc):
    return "%s:%s>%s:%s/0x%08x" % (sa, sp, da, dp, int(ssrc, 16))

ts = {}
row = re.compile(r"^\s*\S+\s+\S+\s+(\S+)\s+(\d+)\s+(\S+)\s+(\d+)\s+(0x[0-9A-Fa-f]+)\s+(.*?)\s+(\d+)\s+(-?\d+)\s+\(\S+\)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)")
for line in open(ts_path, encoding="utf-8", errors="replace"):
    m = row.match(line)
    if not m:
        continue
    g = m.groups()
    ts[key(g[0], g[1], g[2], g[3], g[4])] = {
        "packets": int(g[6]), "lost": int(g[7]), "max_delta": float(g[10]),
        "mean_jitter": float(g[12]), "max_jitter": float(g[13])}

ours = {}
for line in open(ours_path, encoding="utf-8", errors="replace"):
    line = line.strip()
    if not line:
        continue
    r = json.loads(line)
    if r.get("type") != "rtp":
        continue
    sa, sp = r["src"].rsplit(":", 1)
    da, dp = r["dst"].rsplit(":", 1)
    ours[key(sa.strip("[]"), sp, da.strip("[]"), dp, r["ssrc"])] = {
        "packets": r["packets"], "lost": r["lost"], "max_delta": r["max_delta_ms"],
        "mean_jitter": r["mean_jitter_ms"], "max_jitter": r["max_jitter_ms"]}

known = {}
for line in open(known_path, encoding="utf-8"):
    if line.startswith("#") or not line.strip():
        continue
    p = line.rstrip("\n").split("\t")
    if len(p) >= 2 and p[0] == rel:
        known[p[1]] = True

diffs = []
for k in sorted(set(ts) | set(ours)):
    if k not in ours:
        diffs.append((k, "only tshark (%d packets)" % ts[k]["packets"]))
        continue
    if k not in ts:
        diffs.append((k, "only vxscope (%d packets)" % ours[k]["packets"]))
        continue
    a, b = ours[k], ts[k]
    bad = [f for f in ("packets", "lost") if a[f] != b[f]]
    bad += [f for f in ("max_delta", "mean_jitter", "max_jitter") if abs(a[f] - b[f]) > TOL]
    if bad:
        diffs.append((k, ", ".join("%s %s vs tshark %s" % (f, a[f], b[f]) for f in bad)))
if not ts and not ours:
    sys.exit(0)
if not diffs:
    print("ok      %s: %d streams" % (rel, len(ts)))
    sys.exit(0)
unknown = [d for d in diffs if d[0] not in known and "*" not in known]
text = "; ".join("%s %s" % d for d in diffs)
if unknown:
    print("FAIL    %s: %s" % (rel, text))
    sys.exit(1)
print("known   %s: %s" % (rel, text[:300]))
PY

pass=0
fail=0
awk -F'\t' 'NR > 1 { print $1 }' "$caps/MANIFEST.tsv" >"$tmp/list"
while IFS= read -r rel; do
	case "$rel" in *"$only"*) ;; *) continue ;; esac
	cap=$caps/$rel
	tshark -n -r "$cap" -o rtp.heuristic_rtp:TRUE -q -z rtp,streams >"$tmp/ts.txt" 2>/dev/null || true
	# shellcheck disable=SC2086
	$tool "$cap" >"$tmp/ours.jsonl" 2>/dev/null || true
	if python3 "$tmp/cmp.py" "$rel" "$tmp/ts.txt" "$tmp/ours.jsonl" "$known"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
done <"$tmp/list"
echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
