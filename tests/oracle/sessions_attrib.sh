#!/bin/sh
# sessions_attrib.sh - oracle test: --sessions attributes mirror traffic to AWS sessions.
#
# On an AWS mirror capture (suricata/vxlan-decoder-03.pcap: VNI 5569041 from 172.31.0.238)
# with tests/data/aws/lab/suricata-vxlan.json (a session with that VNI on the ENI owning
# 172.31.0.238):
#   - decap: tshark reads every frame's pcapng interface name as the session id;
#   - flowlogs: every record's interface-id is the session's NetworkInterfaceId;
#   - flows --json and analyze --json carry aws_session and eni;
# and with a host map giving the ENI another address, nothing is attributed (interface-id
# "-", interface vni-5569041): the outer source must be the ENI's own.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${VXS_BIN:-$root/build/release/vxscope}
caps=${VXS_CAPTURES:-$root/../shared/captures}
cap=$caps/suricata/vxlan-decoder-03.pcap
cfg=$root/tests/data/aws/lab/suricata-vxlan.json
command -v tshark >/dev/null || { echo "tshark not installed"; exit 77; }
[ -f "$cap" ] || { echo "missing $cap"; exit 77; }
tmp=$(mktemp -d /tmp/vxs-sessions.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # name condition-result
	if [ "$2" = ok ]; then echo "ok   $1"; else echo "FAIL $1: $2"; fail=1; fi
}

"$bin" decap --sessions "$cfg" -o "$tmp/d.pcapng" "$cap" 2>/dev/null
names=$(tshark -r "$tmp/d.pcapng" -T fields -e frame.interface_name 2>/dev/null | sort | uniq -c |
	awk '{print $2 "=" $1}')
want="tms-0a5569041c0ffee00=$(tshark -r "$cap" 2>/dev/null | wc -l | tr -d ' ')"
check "decap interface names" "$([ "$names" = "$want" ] && echo ok || echo "got '$names', want '$want'")"

"$bin" flowlogs --sessions "$cfg" "$cap" 2>/dev/null | tail -n +2 >"$tmp/fl"
n=$(wc -l <"$tmp/fl")
eni=$(awk '$3 == "eni-0c0ffee0000000238"' "$tmp/fl" | wc -l)
check "flowlogs interface-id ($n records)" "$([ "$n" -gt 0 ] && [ "$n" = "$eni" ] && echo ok || echo "$eni of $n records carry the ENI")"

"$bin" flows --json --sessions "$cfg" "$cap" 2>/dev/null >"$tmp/flows"
res=$(python3 - "$tmp/flows" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
bad = [r["flow_id"] for r in recs if r["session"].get("aws_session") != "tms-0a5569041c0ffee00"
       or r["session"].get("eni") != "eni-0c0ffee0000000238"]
print("ok" if recs and not bad else f"flows without the session: {bad[:5]} of {len(recs)}")
PY
)
check "flows --json aws_session/eni" "$res"

"$bin" analyze --json --sessions "$cfg" "$cap" 2>/dev/null >"$tmp/an"
res=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["sessions"]; print("ok" if len(s)==1 and s[0].get("aws_session")=="tms-0a5569041c0ffee00" and s[0].get("eni")=="eni-0c0ffee0000000238" else s)' "$tmp/an")
check "analyze --json sessions" "$res"

# the ENI does not own the outer source: no attribution
python3 - "$cfg" "$tmp/other.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["VxscopeHostMap"]["NetworkInterfaces"][0]["Addresses"] = ["172.31.0.239"]
json.dump(d, open(sys.argv[2], "w"))
PY
"$bin" flowlogs --sessions "$tmp/other.json" "$cap" 2>/dev/null | tail -n +2 | awk '{print $3}' | sort -u >"$tmp/ids"
check "other outer source: interface-id -" "$([ "$(cat "$tmp/ids")" = "-" ] && echo ok || echo "$(cat "$tmp/ids")")"
"$bin" decap --sessions "$tmp/other.json" -o "$tmp/o.pcapng" "$cap" 2>/dev/null
names=$(tshark -r "$tmp/o.pcapng" -T fields -e frame.interface_name 2>/dev/null | sort -u)
check "other outer source: interface vni-5569041" "$([ "$names" = vni-5569041 ] && echo ok || echo "$names")"

# an invalid model is refused before any input is read
set +e
"$bin" flows --sessions "$root/tests/data/aws/bad/dup-rule-number.json" "$cap" >/dev/null 2>"$tmp/err"
rc=$?
set -e
check "invalid --sessions: exit 1 with the reason" "$([ $rc = 1 ] && grep -q 'duplicate rule number' "$tmp/err" && echo ok || echo "exit $rc: $(head -2 "$tmp/err")")"
[ $fail = 0 ] && echo "1 passed, 0 failed" || echo "0 passed, 1 failed"
exit $fail
