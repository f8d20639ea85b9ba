#!/usr/bin/env bash
# e2e: hostile input on `vxscope target`'s sockets -- random bytes, truncated VXLAN/GENEVE
# headers, bad flags, GENEVE versions and giant options, jumbo and 65000-byte datagrams, VNIs
# outside --allow-vni and a flood from a source outside --allow-cidr (target_hostile.py).
# For the release build and, when built, the ASan+UBSan build (build/asan/vxscope):
#   - every datagram lands in the counter docs/target.md names, exactly (malformed, refused
#     by source, refused by VNI, processed; the giant ones also in truncated);
#   - /healthz stays 200 and /metrics parses as Prometheus text with the same counts;
#   - SIGTERM exits 0 (no sanitizer report), the archive reads in tshark.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/target_lib.sh"
need_root
need_cmd ip tshark capinfos python3 curl
target_need
T=$(vxs_tmpdir)
HTTP=10.95.0.1:9181
MAX_VNI=9999999

netns_add tgt
for a in 10.95.0.1 10.95.0.2 10.95.0.66; do addr_add tgt lo $a/32; done

bins="$BIN"
ASAN_BIN=${VXS_ASAN_BIN:-$ROOT/build/asan/vxscope}
if [ -x "$ASAN_BIN" ] && "$ASAN_BIN" target --help >/dev/null 2>&1; then
	bins="$bins $ASAN_BIN"
else
	vxs_log "no ASan build with 'target' at $ASAN_BIN (make SANITIZER=asan): release build only"
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

run=0
for BIN in $bins; do
	run=$((run + 1))
	D="$T/run$run"
	vxs_log "== $BIN"
	target_start tgt "$D" --listen 10.95.0.1 --allow-cidr 10.95.0.2/32 \
		--allow-vni "0-$MAX_VNI" --http "$HTTP"
	nsx tgt python3 "$ROOT/tests/e2e/target_hostile.py" 10.95.0.1 10.95.0.2 10.95.0.66 \
		"$MAX_VNI" "$run" "$D/want.json" >/dev/null || vxs_die "target_hostile.py"
	sleep 1
	code=$(nsx tgt curl -s -o /dev/null -w '%{http_code}' "http://$HTTP/healthz")
	[ "$code" = 200 ] || vxs_die "/healthz answered $code after the hostile input"
	read -r sent mal rcidr rvni _ trunc < <(python3 -c '
import json, sys
w = json.load(open(sys.argv[1]))
print(w["sent"], w["malformed"], w["refused_cidr"], w["refused_vni"], w["accepted"],
      w["truncated_min"])' "$D/want.json")
	nsx tgt $TCHECK metrics "http://$HTTP/metrics" \
		--expect "vxscope_malformed_total==$mal" \
		--expect "vxscope_refused_total{reason=\"cidr\"}==$rcidr" \
		--expect "vxscope_refused_total{reason=\"vni\"}==$rvni" \
		--expect "vxscope_rx_datagrams_total==$sent" \
		--expect "vxscope_socket_drops_total==0" \
		--expect "vxscope_truncated_total>=$trunc" \
		--expect "vxscope_up==1" >"$D/metrics.json" || vxs_die "/metrics after the hostile input"
	tail -1 "$D/metrics.json" 2>/dev/null
	target_stop TERM
	if grep -Eq 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' "$D/target.log"; then
		sed 's/^/    target: /' "$D/target.log" >&2
		vxs_die "sanitizer report from $BIN"
	fi
	$TCHECK stats "$D/stats.json" --sent "$sent" --archive --expect-refused --expect-malformed ||
		vxs_die "accounting identity"
	python3 - "$D/stats.json" "$D/want.json" <<'PY' || vxs_die "counters differ from what was sent"
import json, sys
s, w = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
pairs = [("malformed", "malformed"), ("refused_cidr", "refused_cidr"),
         ("refused_vni", "refused_vni"), ("processed", "accepted"), ("socket_drops", None)]
bad = [(k, s[k], w[v] if v else 0) for k, v in pairs if s[k] != (w[v] if v else 0)]
if s["truncated"] < w["truncated_min"]:
    bad.append(("truncated", s["truncated"], ">= %d" % w["truncated_min"]))
for b in bad:
    print("stats %s = %s, expected %s" % b)
print("counted exactly: %d malformed, %d refused by source, %d by VNI, %d processed, "
      "%d truncated" % (s["malformed"], s["refused_cidr"], s["refused_vni"], s["processed"],
                        s["truncated"]))
sys.exit(1 if bad else 0)
PY
	$TCHECK archive "$D/archive" >/dev/null || vxs_die "archive after hostile input"
done
echo "all checks passed"
