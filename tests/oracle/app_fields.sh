#!/bin/sh
# app_fields.sh - oracle test: vxscope's HTTP and DNS parsing against tshark's, frame by frame.
#
# For every capture in shared/captures/MANIFEST.tsv, the values of these fields per frame must
# equal tshark's (`tshark -n -r F -T fields -E occurrence=a -e frame.number -e ...`):
#   http.response.code  http.request.method  http.host  dns.qry.name  dns.flags.rcode
# and the pairing: http.request_in (the request's frame, on a response), dns.response_to (the
# query's first frame, on a response) and dns.retransmit_request_in (on a query sent again).
# vxscope's values come from its --app-records lines (tests/tools/appdump -r), mapped to the
# frame where Wireshark shows each: an HTTP request or response at the frame holding its last
# byte (request_end_frame / response_end_frame; interim 1xx at their frame), a DNS query at
# its frame (and at each retransmission's), a response at its frame; dns.flags.rcode is
# compared on responses only (tshark shows it on nothing else).  Values of one field in one
# frame are compared as a multiset (pipelined messages share a frame).
#
#   VXS_APPDUMP     the records command (default build/release/tools/appdump -r)
#   VXS_CAPTURES    folder of captures (default ../shared/captures beside the repository)
#   VXS_ORACLE_ONLY=PATTERN  only the captures whose path contains PATTERN
#   VXS_ORACLE_VERBOSE=1     print every differing value, not the first few
#
# tests/oracle/app_fields.known lists reviewed differences: "file<TAB>field<TAB>reason"
# (field * = every field).  A file whose every difference is known passes as "known".
# Prints one line per file, a per-field agreement table (values both give / values either
# gives), and "N passed, N failed"; exits 1 when a file fails.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
tool=${VXS_APPDUMP:-$root/build/release/tools/appdump -r}
caps=${VXS_CAPTURES:-$root/../shared/captures}
known=$root/tests/oracle/app_fields.known
only=${VXS_ORACLE_ONLY:-}
verbose=${VXS_ORACLE_VERBOSE:-0}

if ! command -v tshark >/dev/null 2>&1; then
	echo "app_fields: tshark not installed (make deps)" >&2
	exit 1
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "app_fields: python3 not installed (make deps)" >&2
	exit 1
fi
if [ ! -f "$caps/MANIFEST.tsv" ]; then
	echo "app_fields: no captures at $caps (set VXS_CAPTURES)" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# The comparison of one file: tshark's fields (ts.tsv) and our records (ours.jsonl) in,
# one status line out; "field both|ours|tshark" lines appended to the agreement file.
cat >"$tmp/cmp.py" <<'EOF'
import json, re, sys
from collections import Counter

rel, ts_path, ours_path, known_path, agree_path, verbose = sys.argv[1:7]
FIELDS = ["http.response.code", "http.request.method", "http.host", "dns.qry.name",
          "dns.flags.rcode", "http.request_in", "dns.response_to", "dns.retransmit_request_in"]
AGG = "\x1f"

# Names: tshark writes a byte that is not printable as \ooo (octal) or a C escape (\r),
# and a byte that is not
# valid UTF-8 as U+FFFD; vxscope writes \DDD (decimal, RFC 1035 5.1) for both.  Compare
# them as the same: octal to decimal, and any escaped byte >= 128 as U+FFFD.
CESC = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13}

def ts_name(v):
    def dec(m):
        e = m.group(1)
        return "\\%03d" % (CESC[e] if e in CESC else int(e, 8))
    return re.sub(r"\\([abtnvfr]|[0-7]{3})", dec, v)

def our_name(v):
    return re.sub(r"\\(1[2-9][0-9]|2[0-5][0-9])", "\ufffd", v)

def tshark_values():
    vals = Counter()
    with open(ts_path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if not cols or not cols[0].isdigit():
                continue
            frame = int(cols[0])
            for i, name in enumerate(FIELDS):
                if i + 1 < len(cols) and cols[i + 1] != "":
                    for v in cols[i + 1].split(AGG):
                        if name == "dns.qry.name":
                            v = ts_name(v)
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
            if r.get("type") == "http":
                if "method" in r:
                    fr = r["request_end_frame"]
                    vals[("http.request.method", fr, r["method"])] += 1
                    if r.get("host"):
                        vals[("http.host", fr, r["host"])] += 1
                if "status" in r:
                    vals[("http.response.code", r["response_end_frame"], str(r["status"]))] += 1
                    if "method" in r:
                        vals[("http.request_in", r["response_end_frame"],
                              str(r["request_end_frame"]))] += 1
                for i in r.get("interim", []):
                    vals[("http.response.code", i["frame"], str(i["status"]))] += 1
            elif r.get("type") == "dns":
                if "query_frame" in r and "qname" in r:
                    vals[("dns.qry.name", r["query_frame"], our_name(r["qname"]))] += 1
                    for fr in r.get("retransmit_frames", []):
                        vals[("dns.qry.name", fr, our_name(r["qname"]))] += 1
                        vals[("dns.retransmit_request_in", fr, str(r["query_frame"]))] += 1
                if "response_frame" in r:
                    fr = r["response_frame"]
                    name = r.get("response_qname", r.get("qname"))
                    if "query_frame" not in r:
                        name = r.get("qname")
                    if name is not None and not r.get("response_no_qname"):
                        vals[("dns.qry.name", fr, our_name(name))] += 1
                    if r.get("kind") == "dns":
                        vals[("dns.flags.rcode", fr, str(r["rcode"]))] += 1
                    if "query_frame" in r:
                        vals[("dns.response_to", fr, str(r["query_frame"]))] += 1
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

both, plus, minus = ts & ours, ours - ts, ts - ours
with open(agree_path, "a") as a:
    for (name, _, _), n in both.items():
        a.write(("%s both\n" % name) * n)
    for (name, _, _), n in plus.items():
        a.write(("%s ours\n" % name) * n)
    for (name, _, _), n in minus.items():
        a.write(("%s tshark\n" % name) * n)

if not plus and not minus:
    print("ok      %s" % rel)
    sys.exit(0)
diffs = {}
for sign, c in (("+", plus), ("-", minus)):
    for (name, frame, v), n in sorted(c.items(), key=lambda x: (x[0][0], x[0][1])):
        diffs.setdefault(name, []).append("%s%d=%s%s" % (sign, frame, v, "" if n == 1 else "x%d" % n))
limit = None if verbose == "1" else 6
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
print("known   %s: %s" % (rel, line[:400]))
EOF

pass=0
fail=0
: >"$tmp/agree"
agg=$(printf '\037')
awk -F'\t' 'NR > 1 { print $1 }' "$caps/MANIFEST.tsv" >"$tmp/list"
while IFS= read -r rel; do
	case "$rel" in *"$only"*) ;; *) continue ;; esac
	cap=$caps/$rel
	tshark -n -r "$cap" -T fields -E occurrence=a -E "aggregator=$agg" -E separator=/t \
		-e frame.number -e http.response.code -e http.request.method -e http.host \
		-e dns.qry.name -e dns.flags.rcode -e http.request_in -e dns.response_to \
		-e dns.retransmit_request_in \
		>"$tmp/ts.tsv" 2>/dev/null || true
	# shellcheck disable=SC2086
	$tool "$cap" >"$tmp/ours.jsonl" 2>"$tmp/err" || true
	if python3 "$tmp/cmp.py" "$rel" "$tmp/ts.tsv" "$tmp/ours.jsonl" "$known" "$tmp/agree" \
		"$verbose"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
done <"$tmp/list"

echo
echo "per field: values both give / values either gives (only vxscope, only tshark)"
awk '{ c[$1 " " $2]++; k[$1] = 1 }
	END { for (f in k) { b = c[f " both"] + 0; o = c[f " ours"] + 0; t = c[f " tshark"] + 0
		printf "  %-22s %6d / %-6d (+%d -%d)\n", f, b, b + o + t, o, t } }' "$tmp/agree" | sort
echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
