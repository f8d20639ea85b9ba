#!/usr/bin/env bash
# e2e: `vxscope target` receiving what the Linux kernel mirrors (sender (a) of issue #5).
#
# src's eth0 carries real TCP (HTTP over IPv4 and IPv6, an iperf3 transfer), UDP and ICMP with
# peer; tc clsact + u32 + mirred copies both directions into a kernel VXLAN device (VNI 4242)
# aimed at tgt, where `vxscope target` listens.  Ground truth, counted independently:
#   - tcpdump on src's mir0 counts the VXLAN datagrams the kernel sent (sent);
#   - tcpdump on tgt's mir0 holds what arrived (the offline reference).
# Checks (target_verify): sent = archived + counted drops, exactly; the archive reads in
# tshark; live flow records and findings = `vxscope analyze` offline on the archive (every
# field) and on the target-side capture (counts, flags, states); /healthz 200 and /metrics parse
# as Prometheus text with the packets counted per session.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/target_lib.sh"
need_root
need_cmd ip tc ethtool tcpdump tshark capinfos mergecap python3 curl iperf3
target_need
T=$(vxs_tmpdir)
HTTP=127.0.0.1:9180

mirrored_pair 96

target_start tgt "$T/t" --listen 10.96.9.2 --http "$HTTP"
tcpdump_start tgt mir0 "$T/tgt.pcap" udp dst port 4789
TD_TGT=$VXS_LAST_PID
tcpdump_start src mir0 "$T/sent.pcap" udp dst port 4789
TD_SRC=$VXS_LAST_PID
# outer source = the mirrored host's own address, as AWS uses the source ENI's primary IP
vxlan_mirror src eth0 4242 10.96.0.1 10.96.9.2

# real traffic
target_mixed_traffic 10.96.0.2 fd96::2

# operations while running
target_check_ops "$HTTP" vxlan-4242-10.96.0.1

# end the mirror (background IPv6/ARP chatter would go on being mirrored), then let the last
# datagrams reach both captures and the target
nsx src tc qdisc del dev eth0 clsact || vxs_die "removing the mirror"
# the VXLAN device also sends its own IPv6 chatter (router solicitations, MLD): silence it
# before the counting ends, or a late one reaches the target after the captures stopped
nsx src ip link set vxm4242 down || vxs_die "vxm4242 down"
sleep 1
tcpdump_stop "$TD_SRC" "$T/sent.pcap.log"
tcpdump_stop "$TD_TGT" "$T/tgt.pcap.log"
target_stop TERM

SENT=$(pcap_count "$T/sent.pcap")
GOT=$(pcap_count "$T/tgt.pcap")
vxs_log "kernel mirror sent $SENT VXLAN datagrams, $GOT arrived at the target"
[ "$SENT" -gt 2000 ] || vxs_die "only $SENT datagrams mirrored: the traffic did not run"
[ "$SENT" = "$GOT" ] || vxs_die "the veth lost datagrams ($SENT sent, $GOT arrived)"
target_verify "$T/t" "$SENT" "$T/tgt.pcap"
echo "all checks passed"
