#!/bin/sh
# app_tls_sip.sh - oracle test: vxscope's TLS and SIP parsing against tshark's, frame by frame.
#
# For every capture in shared/captures/MANIFEST.tsv, per frame, these values must equal
# tshark's (`tshark -n -r F -T fields -E occurrence=a -e frame.number -e ...`):
#   tls.handshake.extensions_server_name  tls.handshake.ja3  tls.handshake.ja3s
#       (TLS over TCP only: QUIC's TLS is not read; shown at the frame holding the hello's
#       last byte: client_hello_end_frame / server_hello_end_frame in our records)
#   tls.alert_message.desc (readable alerts, at the alert's frame)
#   sip.Method (requests)  sip.Status-Code (responses)  sip.Call-ID (every message)
#       (from each SIP dialog record's "messages" list and its call_id)
# Values of one field in one frame are compared as a multiset.
#
#   VXS_APPDUMP  VXS_CAPTURES  VXS_ORACLE_ONLY  VXS_ORACLE_VERBOSE   as app_fields.sh
#
# tests/oracle/app_tls_sip.known lists reviewed differences: "file<TAB>field<TAB>reason".
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
tool=${VXS_APPDUMP:-$root/build/release/tools/appdump -r}
caps=${VXS_CAPTURES:-$root/../shared/captures}
known=$root/tests/oracle/app_tls_sip.known
only=${VXS_ORACLE_ONLY:-}
verbose=${VXS_ORACLE_VERBOSE:-0}

for t in tshark python3; do
	if ! command -v $t >/dev/null 2>&1; then
		echo "app_tls_sip: $t not installed (make deps)" >&2
		exit 1
	fi
done
if [ ! -f "$caps/MANIFEST.tsv" ]; then
	echo "app_tls_sip: no captures at $caps (set VXS_CAPTURES)" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

cat >"$tmp/cmp.py" <<'PY'
import json, sys
from collections import Counter

rel, ts_path, ours_path, known_path, verbose = sys.argv[1:6]
FIELDS = ["tcp.stream", "tls.handshake.extensions_server_name", "tls.handshake.ja3",
          "tls.handshake.ja3s", "tls.alert_message.desc", "sip.Method", "sip.Status-Code",
          "sip.Call-ID"]
AGG = "\x1f"

def tshark_values():
    vals = Counter()
    with open(ts_path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if not cols or not cols[0].isdigit():
                continue
            frame = int(cols[0])
            tcp = len(cols) > 1 and cols[1] != ""
            for i, name in enumerate(FIELDS):
                if i == 0 or i + 1 >= len(cols) or cols[i + 1] == "":
                    continue
                if name.startswith("tls.") and not tcp:
                    continue  # QUIC / DTLS
                for v in cols[i + 1].split(AGG):
                    vals[(name, frame, v)] += 1
    return vals

def our_values():
    vals = Counter()
    with open(ours_path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            if r.get("type") == "tls":
                if "client_hello_end_frame" in r:
                    fr = r["client_hello_end_frame"]
                    if r.get("sni"):
                        vals[("tls.handshake.extensions_server_name", fr, r["sni"])] += 1
                    vals[("tls.handshake.ja3", fr, r["ja3"])] += 1
                if "client_hello2_end_frame" in r:
                    fr = r["client_hello2_end_frame"]
                    if r.get("sni"):
                        vals[("tls.handshake.extensions_server_name", fr, r["sni"])] += 1
                    vals[("tls.handshake.ja3", fr, r["ja3"])] += 1
                if "hello_retry_end_frame" in r:
                    vals[("tls.handshake.ja3s", r["hello_retry_end_frame"], r["hello_retry_ja3s"])] += 1
                if "server_hello_end_frame" in r:
                    vals[("tls.handshake.ja3s", r["server_hello_end_frame"], r["ja3s"])] += 1
                for a in r.get("alerts", []):
                    if not a.get("encrypted"):
                        vals[("tls.alert_message.desc", a["frame"], str(a["description"]))] += 1
            elif r.get("type") == "sip":
                for m in r.get("messages", []):
                    fr = m["frame"]
                    if "status" in m:
                        vals[("sip.Status-Code", fr, str(m["status"]))] += 1
                    else:
                        vals[("sip.Method", fr, m["method"])] += 1
                    vals[("sip.Call-ID", fr, r["call_id"])] += 1
    return vals

ts, ours = tshark_values(), our_values()
known = {}
with open(known_path, encoding="utf-8") as f:
    for line in f:
        if line.startswith("#") or not line.strip():
            continue
        parts = line.rstrip("\n").split("\t")
        if len(parts) >= 2 and parts[0] == rel:
            known[parts[1]] = True
plus, minus = ours - ts, ts - ours
both = sum((ts & ours).values())
if not plus and not minus:
    print("ok      %s%s" % (rel, "" if not both else " (%d values)" % both))
    sys.exit(0)
diffs = {}
for sign, c in (("+", plus), ("-", minus)):
    for (name, frame, v), n in sorted(c.items(), key=lambda x: (x[0][0], x[0][1])):
        diffs.setdefault(name, []).append("%s%d=%s%s" % (sign, frame, v[:60], "" if n == 1 else "x%d" % n))
limit = None if verbose == "1" else 4
parts = []
for name in sorted(diffs):
    d = diffs[name]
    more = "" if limit is None or len(d) <= limit else " (+%d more)" % (len(d) - limit)
    parts.append("%s: %s%s" % (name, " ".join(d[:limit]), more))
unknown = [n for n in diffs if n not in known and "*" not in known]
line = "; ".join(parts)
if unknown:
    print("FAIL    %s: %s" % (rel, line))
    sys.exit(1)
print("known   %s: %s" % (rel, line[:300]))
PY

pass=0
fail=0
agg=$(printf '\037')
awk -F'\t' 'NR > 1 { print $1 }' "$caps/MANIFEST.tsv" >"$tmp/list"
while IFS= read -r rel; do
	case "$rel" in *"$only"*) ;; *) continue ;; esac
	cap=$caps/$rel
	tshark -n -r "$cap" -T fields -E occurrence=a -E "aggregator=$agg" -E separator=/t \
		-e frame.number -e tcp.stream -e tls.handshake.extensions_server_name \
		-e tls.handshake.ja3 -e tls.handshake.ja3s -e tls.alert_message.desc \
		-e sip.Method -e sip.Status-Code -e sip.Call-ID \
		>"$tmp/ts.tsv" 2>/dev/null || true
	# shellcheck disable=SC2086
	$tool "$cap" >"$tmp/ours.jsonl" 2>"$tmp/err" || true
	if python3 "$tmp/cmp.py" "$rel" "$tmp/ts.tsv" "$tmp/ours.jsonl" "$known" "$verbose"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
done <"$tmp/list"
echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
