#!/usr/bin/env bash
# e2e: `vxscope target` over IPv6: mirrored datagrams from an IPv6 source, VXLAN and GENEVE.
#
# bench/vxlan_send replays the VXLAN and GENEVE captures of shared/captures/ (each datagram to its
# own port, 4789 or 6081) and the bench workload from fd93::2 to the target on fd93::1, inside a
# namespace.  Checks: the sender's count = archived + counted drops; the archive reads in tshark
# with an IPv6 outer header from fd93::2 on every frame, VXLAN and GENEVE sessions named
# <kind>-<VNI>-fd93::2; live flows and findings = offline on the archive.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/target_lib.sh"
need_root
need_cmd ip tshark capinfos mergecap python3
target_need
[ -x "$SEND" ] || vxs_skip "no $SEND (make)"
GEN=${VXS_GEN:-$ROOT/build/release/tools/gen_workload}
CAPS=${VXS_CAPTURES:-$ROOT/../shared/captures}
[ -r "$CAPS/MANIFEST.tsv" ] || vxs_skip "no captures at $CAPS (set VXS_CAPTURES)"
T=$(vxs_tmpdir)

netns_add tgt
addr_add tgt lo fd93::1/128
addr_add tgt lo fd93::2/128

mapfile -t files < <(awk -F'\t' -v d="$CAPS" 'NR > 1 && $16 ~ /(^|,)(vxlan|geneve)(,|$)/ &&
	$8 == "ether" { print d "/" $1 }' "$CAPS/MANIFEST.tsv")
mergecap -F pcap -a -w "$T/caps.pcap" "${files[@]}" || vxs_die "mergecap of the captures"
"$GEN" -o "$T/w.pcap" -n 5000 --seed 5 2>/dev/null || vxs_die "gen_workload"

target_start tgt "$T/t" --listen fd93::1
sent=0
for f in "$T/caps.pcap" "$T/w.pcap"; do
	nsx tgt "$SEND" -f "$f" -d '[fd93::1]' --keep-port --bind fd93::2 -r 20000 >"$T/send.json" ||
		vxs_die "vxlan_send $f"
	n=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["failed"] == 0, j; print(j["sent"])' "$T/send.json") ||
		vxs_die "vxlan_send: $(cat "$T/send.json")"
	sent=$((sent + n))
done
sleep 0.5
target_stop TERM
vxs_log "sent $sent datagrams over IPv6"
[ "$sent" -gt 5000 ] || vxs_die "only $sent datagrams sent"
$TCHECK stats "$T/t/stats.json" --sent "$sent" --archive || vxs_die "accounting identity"
# sessions are named after the innermost tunnel's outer source: fd93::2 unless a tunnel is nested
for kind in vxlan geneve; do
	compgen -G "$T/t/archive/$kind-*-fd93::2" >/dev/null ||
		vxs_die "no $kind session from fd93::2: $(cd "$T/t/archive" && echo *)"
done
archived=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["archived"])' "$T/t/stats.json")
$TCHECK archive "$T/t/archive" --expect "$archived" >"$T/archive.check" || vxs_die "archive"
head -1 "$T/archive.check"
# shellcheck disable=SC2046
mergecap -w "$T/merged.pcapng" $(find "$T/t/archive" -name '*.pcapng' | sort) || vxs_die mergecap
v6=$(tshark -n -r "$T/merged.pcapng" -Y 'ipv6.src == fd93::2 && ipv6.dst == fd93::1' 2>/dev/null | wc -l)
[ "$v6" = "$archived" ] || vxs_die "$v6 of $archived archived frames have the IPv6 outer header"
cat "$T"/t/records/flows-*.jsonl >"$T/live.flows.jsonl"
cat "$T"/t/records/findings-*.jsonl >"$T/live.findings.jsonl"
target_offline "$T" "$T/merged.pcapng" archive
$TCHECK flows "$T/live.flows.jsonl" "$T/archive.flows.jsonl" --exact || vxs_die "flows"
# shellcheck disable=SC2046 # target_anyid: no word or one
$TCHECK findings "$T/live.findings.jsonl" "$T/archive.json" --exact $(target_anyid) || vxs_die "findings"
echo "all checks passed"
