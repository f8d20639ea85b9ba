#!/usr/bin/env bash
# Oracle: for every VXLAN/GENEVE packet of every capture, the inner addresses, ports and
# protocol vxscope decapsulates equal tshark's innermost layer.
#
# `vxscope decap` writes each capture's inner frames to pcapng (one frame per input frame);
# tshark reads the original (innermost occurrence of each field) and our output, and the
# fields of every frame that tshark calls vxlan or geneve must be the same.  This also proves
# that tshark and tcpdump open what decap writes, and that tcpdump sees every frame.
set -u
ROOT=${VXS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
CAPS=${VXS_CAPTURES:-$ROOT/../shared/captures}
BIN=${VXS_BIN:-$ROOT/build/release/vxscope}
TMP=$(mktemp -d /tmp/vxs-decap.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
FIELDS=(-e frame.number -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst -e ip.proto -e ipv6.nxt
	-e tcp.srcport -e tcp.dstport -e udp.srcport -e udp.dstport)
pass=0 fail=0 packets=0
while read -r rel; do
	f=$CAPS/$rel
	tshark -n -r "$f" -d udp.port==8472,vxlan -Y 'vxlan || geneve' -T fields -E occurrence=l \
		"${FIELDS[@]}" >"$TMP/want" 2>/dev/null
	[ -s "$TMP/want" ] || continue
	if ! "$BIN" decap --vxlan-port 8472 "$f" -o "$TMP/inner.pcapng" 2>"$TMP/err"; then
		if ! grep -q "damaged" "$TMP/err"; then
			echo "FAIL $rel: decap failed: $(tail -1 "$TMP/err")"
			fail=$((fail + 1))
			continue
		fi
	fi
	# the frames to compare: those tshark called vxlan/geneve in the original
	cut -f1 "$TMP/want" >"$TMP/frames"
	tshark -n -r "$TMP/inner.pcapng" -T fields -E occurrence=l "${FIELDS[@]}" 2>"$TMP/terr" |
		awk -F'\t' 'NR == FNR { keep[$1] = 1; next } keep[$1]' "$TMP/frames" - >"$TMP/got"
	if [ -s "$TMP/terr" ] && grep -qi "error\|corrupt\|damaged" "$TMP/terr"; then
		echo "FAIL $rel: tshark cannot read our pcapng: $(head -1 "$TMP/terr")"
		fail=$((fail + 1))
		continue
	fi
	want_n=$(tshark -n -r "$f" 2>/dev/null | wc -l)
	got_n=$(tcpdump -n -r "$TMP/inner.pcapng" 2>/dev/null | wc -l)
	if [ "$want_n" != "$got_n" ]; then
		echo "FAIL $rel: tcpdump reads $got_n frames of our pcapng, tshark $want_n of the original"
		fail=$((fail + 1))
		continue
	fi
	if diff "$TMP/want" "$TMP/got" >"$TMP/diff"; then
		n=$(wc -l <"$TMP/want")
		packets=$((packets + n))
		echo "ok   $rel ($n tunnelled packets)"
		pass=$((pass + 1))
	elif grep -qxF "$rel" "$(dirname "$0")/decap_inner.known" 2>/dev/null; then
		echo "known $rel (see decap_inner.known)"
		pass=$((pass + 1))
	else
		echo "FAIL $rel: inner fields differ (frame, ip.src, ip.dst, ipv6.src, ipv6.dst, proto, nxt, tcp ports, udp ports):"
		head -10 "$TMP/diff" | sed 's/^/     /'
		fail=$((fail + 1))
	fi
done < <(awk -F'\t' 'NR > 1 { print $1 }' "$CAPS/MANIFEST.tsv")
echo "compared $packets tunnelled packets"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
