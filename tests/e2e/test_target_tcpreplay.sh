#!/usr/bin/env bash
# e2e: `vxscope target` receiving tcpreplay of the VXLAN/GENEVE captures in shared/captures/
# (sender (c) of issue #5).
#
# Every Ethernet capture MANIFEST.tsv tags vxlan or geneve is concatenated; the frames a kernel
# delivers to a UDP socket as they are (IPv4 to 4789 or 6081, whole, not fragments) are aimed at
# the target's address (target_replay_prep.py: outer destination MAC/IP rewritten, outer
# source kept, UDP checksum 0) and tcpreplay puts them, twice, on a veth into the target's
# namespace.  tcpreplay's own "Successful packets" is the sent count; tcpdump on the target's
# end of the veth holds what arrived; the namespace's /proc/net/snmp shows what the kernel
# delivered to UDP sockets.  Checks: sent = arrived = archived + counted drops, exactly; the
# archive reads in tshark; live flows and findings = `vxscope analyze` offline on the archive
# and on the target-side capture.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/target_lib.sh"
need_root
need_cmd ip ethtool tcpdump tcpreplay tshark capinfos mergecap python3
target_need
T=$(vxs_tmpdir)
CAPS=${VXS_CAPTURES:-$ROOT/../shared/captures}
[ -r "$CAPS/MANIFEST.tsv" ] || vxs_skip "no captures at $CAPS (set VXS_CAPTURES)"
LOOPS=2

netns_add snd
netns_add tgt
veth_pair snd eth0 tgt eth0 9000
addr_add tgt eth0 10.97.0.2/24
addr_add snd eth0 10.97.0.1/24

# the replay input
mapfile -t files < <(awk -F'\t' -v d="$CAPS" 'NR > 1 && $16 ~ /(^|,)(vxlan|geneve)(,|$)/ &&
	$8 == "ether" { print d "/" $1 }' "$CAPS/MANIFEST.tsv")
[ "${#files[@]}" -ge 5 ] || vxs_skip "fewer than 5 VXLAN/GENEVE Ethernet captures in $CAPS"
mergecap -F pcap -a -w "$T/all.pcap" "${files[@]}" || vxs_die "mergecap of the captures"
tmac=$(nsx tgt cat /sys/class/net/eth0/address)
smac=$(nsx snd cat /sys/class/net/eth0/address)
python3 "$ROOT/tests/e2e/target_replay_prep.py" "$T/all.pcap" "$T/replay.pcap" "$tmac" "$smac" \
	10.97.0.2 >"$T/prep.txt" || vxs_die "target_replay_prep.py"
sed 's/^/  replay input: /' "$T/prep.txt"
FRAMES=$(pcap_count "$T/replay.pcap")
[ "$FRAMES" -ge 300 ] || vxs_die "only $FRAMES frames to replay"

target_start tgt "$T/t" --listen 10.97.0.2
tcpdump_start tgt eth0 "$T/tgt.pcap" udp dst port 4789 or udp dst port 6081
TD=$VXS_LAST_PID
read -r in0 rcvbuf0 inerr0 csum0 noport0 < <(udp_counters tgt)

nsx snd tcpreplay -i eth0 --pps 2000 --loop "$LOOPS" "$T/replay.pcap" >"$T/tcpreplay.log" 2>&1 ||
	{ cat "$T/tcpreplay.log" >&2; vxs_die "tcpreplay"; }
SENT=$(sed -n 's/^[[:space:]]*Successful packets:[[:space:]]*\([0-9]*\).*/\1/p' "$T/tcpreplay.log")
FAILED=$(sed -n 's/^[[:space:]]*Failed packets:[[:space:]]*\([0-9]*\).*/\1/p' "$T/tcpreplay.log")
[ "$SENT" = $((FRAMES * LOOPS)) ] && [ "$FAILED" = 0 ] ||
	{ cat "$T/tcpreplay.log" >&2; vxs_die "tcpreplay sent $SENT of $((FRAMES * LOOPS)), failed $FAILED"; }

sleep 1
read -r in1 rcvbuf1 inerr1 csum1 noport1 < <(udp_counters tgt)
tcpdump_stop "$TD" "$T/tgt.pcap.log"
target_stop TERM

GOT=$(pcap_count "$T/tgt.pcap")
vxs_log "tcpreplay sent $SENT; tcpdump at the target saw $GOT; kernel UDP: delivered" \
	"$((in1 - in0)), rcvbuf errors $((rcvbuf1 - rcvbuf0)), errors $((inerr1 - inerr0)), checksum" \
	"errors $((csum1 - csum0))," \
	"no port $((noport1 - noport0))"
[ "$GOT" = "$SENT" ] || vxs_die "the veth lost frames ($SENT sent, $GOT arrived)"
[ $((in1 - in0 + rcvbuf1 - rcvbuf0)) = "$SENT" ] ||
	vxs_die "the kernel did not hand every frame to the target's sockets (see above)"
target_verify "$T/t" "$SENT" "$T/tgt.pcap"
echo "all checks passed"
