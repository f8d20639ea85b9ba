#!/usr/bin/env bash
# e2e: `vxscope target` receiving what `vxscope mirror` sends (sender (b) of issue #5).
#
# src's eth0 carries real TCP (HTTP over IPv4 and IPv6, an iperf3 transfer), UDP and ICMP with
# peer; `vxscope mirror` captures eth0 (libpcap, promiscuous) and, as AWS session VNI 4343 with
# an accept-all filter (config and host map written by target_sender_vxscope_mirror), sends
# every frame as VXLAN from the ENI's primary address 10.95.0.1 over mir0 to tgt, where
# `vxscope target` listens.  What was sent is counted twice, independently:
#   - the mirror's own --json counter of copies sent ("mirrored", none dropped);
#   - tcpdump of the outer packets on src's mir0 -- the two must agree exactly;
#   - tcpdump on tgt's mir0 holds what arrived (the offline reference).
# The target gets the same AWS JSON as --sessions: the session is named by its AWS id and
# source ENI (archive folder, file names, pcapng interface name, /metrics label), and the
# offline comparison runs `vxscope analyze --sessions` on the same file.  The target starts
# with a version of the file whose session has another VNI (nothing would be attributed); the
# right one replaces it before the mirror starts, and SIGHUP reloads it.
# Checks (target_verify): sent = archived + counted drops, exactly; the archive reads in
# tshark; live flow records and findings = `vxscope analyze` offline on the archive (every
# field) and on the target-side capture (counts, flags, states); /metrics counts the session.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/target_lib.sh"
need_root
need_cmd ip tc ethtool tcpdump tshark capinfos mergecap python3 curl iperf3
target_need
T=$(vxs_tmpdir)
HTTP=127.0.0.1:9181

mirrored_pair 95

SESSION=tms-0e2e00000000000b1-eni-0e2e0000000000b01
target_mirror_config src eth0 4343 10.95.9.2 "$T"
sed 's/"VirtualNetworkId": 4343/"VirtualNetworkId": 4344/' "$T/mirror-aws.json" >"$T/sessions.json"
grep -q 4344 "$T/sessions.json" || vxs_die "could not write the wrong-VNI sessions file"
target_start tgt "$T/t" --listen 10.95.9.2 --http "$HTTP" --sessions "$T/sessions.json"
cp "$T/mirror-aws.json" "$T/sessions.json"
kill -HUP "$TARGET_PID"
wait_log "$T/t/target.log" 'SIGHUP: --sessions reloaded' 5 || vxs_die "no reload on SIGHUP"
tcpdump_start tgt mir0 "$T/tgt.pcap" udp dst port 4789
TD_TGT=$VXS_LAST_PID
tcpdump_start src mir0 "$T/sent.pcap" udp dst port 4789
TD_SRC=$VXS_LAST_PID
target_sender_vxscope_mirror src eth0 4343 10.95.9.2 "$T"

# real traffic
target_mixed_traffic 10.95.0.2 fd95::2

# operations while running
target_check_ops "$HTTP" "$SESSION"

# end the mirror first (background IPv6 chatter would go on being mirrored), then let the last
# datagrams reach both captures and the target
MIRRORED=$(target_mirror_stop) || exit 1
sleep 1
tcpdump_stop "$TD_SRC" "$T/sent.pcap.log"
tcpdump_stop "$TD_TGT" "$T/tgt.pcap.log"
target_stop TERM

SENT=$(pcap_count "$T/sent.pcap")
GOT=$(pcap_count "$T/tgt.pcap")
vxs_log "vxscope mirror sent $MIRRORED copies (its counter), tcpdump saw $SENT leave, $GOT arrive"
[ "$SENT" -gt 2000 ] || vxs_die "only $SENT datagrams mirrored: the traffic did not run"
[ "$MIRRORED" = "$SENT" ] || vxs_die "the mirror counted $MIRRORED copies, tcpdump saw $SENT"
[ "$SENT" = "$GOT" ] || vxs_die "the veth lost datagrams ($SENT sent, $GOT arrived)"
# the outer source is the ENI's primary address, the VNI the session's
OTHER=$(pcap_count "$T/tgt.pcap" not \( src host 10.95.0.1 and udp[12:4] = 0x0010F700 \))
[ "$OTHER" = 0 ] || vxs_die "$OTHER datagrams not from 10.95.0.1 with VNI 4343"
# --sessions: one session, named by AWS, in the folder, the file names and the interface name
[ "$(ls "$T/t/archive")" = "$SESSION" ] ||
	vxs_die "archive folders: $(ls "$T/t/archive" | tr '\n' ' '), expected only $SESSION"
for f in "$T/t/archive/$SESSION"/*.pcapng; do
	case ${f##*/} in "vxscope-$SESSION-"*) ;; *) vxs_die "archive file name ${f##*/}" ;; esac
done
IFN=$(tshark -n -r "$f" -T fields -e frame.interface_name -c 1 2>/dev/null)
[ "$IFN" = "$SESSION" ] || vxs_die "pcapng interface name '$IFN', expected $SESSION"
TARGET_OFFLINE_ARGS="--sessions $T/sessions.json"
target_verify "$T/t" "$MIRRORED" "$T/tgt.pcap"
echo "all checks passed"
