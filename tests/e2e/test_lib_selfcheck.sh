#!/bin/bash
# test_lib_selfcheck.sh - e2e self-check of lib.sh: two namespaces joined by veth can ping each
# other (IPv4 and IPv6), a VXLAN mirror copies the pings to a third namespace, and the cleanup
# removes every namespace, process and scratch folder the run created. Exit 0 pass, 1 fail, 77 skip.
set -eu

here="$(cd "$(dirname "$0")" && pwd)"

# The work runs in a child shell so that its EXIT trap (the lib's cleanup) has run when we look.
child()
{
	# shellcheck source-path=SCRIPTDIR source=lib.sh
	. "$here/lib.sh"
	need_root
	need_cmd ethtool tc ping
	tmp="$(vxs_tmpdir)"

	netns_add a
	netns_add b
	netns_add t
	veth_pair a eth0 b eth0
	veth_pair a mir0 t eth0 9000
	addr_add a eth0 10.99.0.1/24
	addr_add b eth0 10.99.0.2/24
	addr_add a eth0 fd99::1/64
	addr_add b eth0 fd99::2/64
	addr_add a mir0 10.99.9.1/30
	addr_add t eth0 10.99.9.2/30

	# Offloads really off (a capture must not hold super-segments).
	nsx a ethtool -k eth0 | grep -q '^tcp-segmentation-offload: off' ||
		vxs_die "TSO still on"
	[ "$(nsx t cat /sys/class/net/eth0/mtu)" = 9000 ] || vxs_die "jumbo MTU not set"

	vxlan_mirror a eth0 4242 10.99.9.1 10.99.9.2
	nsx a ip -d link show vxm4242 | grep -q 'vxlan id 4242' || vxs_die "no vxlan device"

	# Count mirrored packets arriving in t: iptables counters need nothing else running.
	nsx t iptables -A INPUT -p udp --dport 4789 -j DROP 2>/dev/null || true
	nsx a ping -c 3 -i 0.2 -W 2 10.99.0.2 >/dev/null || vxs_die "IPv4 ping across veth failed"
	nsx a ping -6 -c 2 -i 0.2 -W 2 fd99::2 >/dev/null || vxs_die "IPv6 ping across veth failed"
	rx="$(nsx t cat /sys/class/net/eth0/statistics/rx_packets)"
	# 5 echo requests + 5 replies at least were mirrored, each one outer packet.
	[ "$rx" -ge 10 ] || vxs_die "mirror target saw only $rx packets"

	ns_spawn b "$tmp/sleep.log" sleep 300
	echo "$VXS_PREFIX $VXS_LAST_PID $tmp"
}

out="$(child)" || exit $?
read -r prefix pid tmp <<<"$out"
if [ -z "$prefix" ] || [ -z "$pid" ] || [ -z "$tmp" ]; then
	echo "FAIL: child reported '$out'" >&2
	exit 1
fi

left="$(ip netns list | awk '{print $1}' | grep -c "^$prefix-" || true)"
if [ "$left" -ne 0 ]; then
	echo "FAIL: $left namespaces of $prefix left after cleanup" >&2
	ip netns list | grep "^$prefix-" | while read -r n _; do ip netns del "$n"; done
	exit 1
fi
if kill -0 "$pid" 2>/dev/null; then
	echo "FAIL: background process $pid survived cleanup" >&2
	kill "$pid"
	exit 1
fi
if [ -e "$tmp" ]; then
	echo "FAIL: scratch folder $tmp left after cleanup" >&2
	rm -rf "$tmp"
	exit 1
fi
echo "PASS: ${0##*/}"
