# lib.sh - shared shell helpers for vxscope end-to-end tests (bash; source it, do not run it).
# shellcheck shell=bash
#
# Builds small networks out of network namespaces and veth pairs, mirrors an interface into a
# kernel VXLAN device (tc clsact + u32 + mirred, see shared TESTBED.md), runs processes inside the
# namespaces and removes everything it created when the script exits, fails or is interrupted.
#
#	. "$(dirname "$0")/lib.sh"
#	need_root; need_cmd ip tc ethtool
#	netns_add a; netns_add b
#	veth_pair a eth0 b eth0
#	addr_add a eth0 10.99.0.1/24; addr_add b eth0 10.99.0.2/24
#	nsx a ping -c1 10.99.0.2
#
# Names: namespaces are called "$VXS_PREFIX-NAME" (VXS_PREFIX = vxs<pid>, unique per run); every
# helper takes the short NAME. Interfaces are created directly inside their namespaces, so their
# names (15 characters at most) never meet another run's. Exit status 77 means "skipped".

VXS_PREFIX="vxs$$"
VXS_NETNS=""		# short names of the namespaces this run created
VXS_PIDS=""		# background processes this run started
VXS_TMP=""		# scratch folder (vxs_tmpdir), removed at exit
VXS_KEEP_TMP="${VXS_KEEP_TMP:-0}"

vxs_log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
vxs_die() { vxs_log "FAIL: $*"; exit 1; }
vxs_skip() { printf 'SKIP: %s: %s\n' "${0##*/}" "$*" >&2; exit 77; }

need_root()
{
	[ "$(id -u)" -eq 0 ] || vxs_skip "needs root (network namespaces)"
	command -v ip >/dev/null 2>&1 || vxs_skip "needs ip (iproute2)"
	# Root inside a container may still lack CAP_SYS_ADMIN / CAP_NET_ADMIN.
	local probe="${VXS_PREFIX}-probe"
	ip netns add "$probe" 2>/dev/null || vxs_skip "cannot create network namespaces here"
	ip netns del "$probe"
}

need_cmd()
{
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || vxs_skip "needs command '$c'"
	done
}

# ns NAME: the full namespace name.
ns() { printf '%s-%s' "$VXS_PREFIX" "$1"; }

# nsx NAME CMD...: run CMD inside namespace NAME.
nsx() { local n="$1"; shift; ip netns exec "$(ns "$n")" "$@"; }

# vxs_tmpdir: print this run's scratch folder (made when lib.sh is sourced, removed at exit;
# VXS_KEEP_TMP=1 keeps it). Also in $VXS_TMP.
vxs_tmpdir() { printf '%s\n' "$VXS_TMP"; }

# netns_add NAME: a namespace with lo up and no IPv6 duplicate address detection delay.
netns_add()
{
	ip netns add "$(ns "$1")" || vxs_die "ip netns add $(ns "$1")"
	VXS_NETNS="$VXS_NETNS $1"
	nsx "$1" ip link set lo up
	nsx "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
}

# netns_forward NAME: make NAME a router (IPv4 and IPv6 forwarding on).
netns_forward()
{
	nsx "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
}

# offloads_off NAME IF: no TSO/GSO/GRO super-segments and no partial checksums, so a capture
# holds the frames a real wire would carry (see TESTBED.md).
offloads_off()
{
	nsx "$1" ethtool -K "$2" tso off gso off gro off tx off >/dev/null 2>&1 ||
		nsx "$1" ethtool -K "$2" tso off gso off gro off >/dev/null ||
		vxs_die "ethtool -K $2 in $1"
}

# veth_pair NS1 IF1 NS2 IF2 [MTU [MTU2]]: a veth cable between two namespaces, offloads off,
# both ends up. MTU applies to both ends unless MTU2 gives the second end its own.
veth_pair()
{
	local n1="$1" i1="$2" n2="$3" i2="$4" mtu1="${5:-}" mtu2="${6:-${5:-}}"
	if [ "${#i1}" -gt 15 ] || [ "${#i2}" -gt 15 ]; then
		vxs_die "interface name over 15 characters: $i1 $i2"
	fi
	ip link add "$i1" netns "$(ns "$n1")" type veth peer name "$i2" netns "$(ns "$n2")" ||
		vxs_die "veth $n1/$i1 <-> $n2/$i2"
	[ -n "$mtu1" ] && nsx "$n1" ip link set "$i1" mtu "$mtu1"
	[ -n "$mtu2" ] && nsx "$n2" ip link set "$i2" mtu "$mtu2"
	offloads_off "$n1" "$i1"
	offloads_off "$n2" "$i2"
	nsx "$n1" ip link set "$i1" up
	nsx "$n2" ip link set "$i2" up
}

# addr_add NAME IF ADDR/PLEN: IPv4 or IPv6 address (IPv6 without DAD, usable at once).
addr_add()
{
	case "$3" in
	*:*) nsx "$1" ip -6 addr add "$3" dev "$2" nodad ;;
	*) nsx "$1" ip addr add "$3" dev "$2" ;;
	esac || vxs_die "addr $3 on $1/$2"
}

# route_add NAME DEST VIA: a static route (DEST may be "default").
route_add()
{
	case "$3" in
	*:*) nsx "$1" ip -6 route add "$2" via "$3" ;;
	*) nsx "$1" ip route add "$2" via "$3" ;;
	esac || vxs_die "route $2 via $3 in $1"
}

# routed_path NET_CLI NET_SRV [emu]: IPv4-only namespaces cli, rtr and srv in a line, rtr
# routing between them: cli eth0 NET_CLI.1/24 -- r0 NET_CLI.254 rtr r1 NET_SRV.254 --
# srv eth0 NET_SRV.2/24, default routes of cli and srv through rtr.  NETs are three-octet
# prefixes ("10.96.1").  With "emu", namespace emu sits between cli and rtr as a bump in the
# wire (e0 to cli, e1 to rtr, promiscuous, no forwarding) for tests/e2e/pathemu.py.
routed_path()
{
	local a="$1" b="$2" emu="${3:-}" n
	case "$emu" in "" | emu) ;; *) vxs_die "routed_path: third argument is 'emu' or none" ;; esac
	for n in cli $emu rtr srv; do
		netns_add "$n"
		nsx "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
	done
	if [ -n "$emu" ]; then
		veth_pair cli eth0 emu e0
		veth_pair emu e1 rtr r0
		nsx emu sysctl -qw net.ipv4.ip_forward=0
		nsx emu ip link set e0 promisc on
		nsx emu ip link set e1 promisc on
	else
		veth_pair cli eth0 rtr r0
	fi
	veth_pair rtr r1 srv eth0
	netns_forward rtr
	addr_add cli eth0 "$a.1/24"
	addr_add rtr r0 "$a.254/24"
	addr_add rtr r1 "$b.254/24"
	addr_add srv eth0 "$b.2/24"
	route_add cli default "$a.254"
	route_add srv default "$b.254"
}

# mirrored_pair N: namespaces src, peer and tgt: src eth0 10.N.0.1/24 and fdN::1/64 cabled
# to peer eth0 10.N.0.2/24 and fdN::2/64 (the traffic to mirror), and src mir0 10.N.9.1/24
# to tgt mir0 10.N.9.2/24 with a jumbo MTU (the mirror link: VXLAN adds 50 bytes).
mirrored_pair()
{
	local n="$1"
	netns_add src
	netns_add peer
	netns_add tgt
	veth_pair src eth0 peer eth0
	veth_pair src mir0 tgt mir0 9000
	addr_add src eth0 "10.$n.0.1/24"
	addr_add peer eth0 "10.$n.0.2/24"
	addr_add src eth0 "fd$n::1/64"
	addr_add peer eth0 "fd$n::2/64"
	addr_add src mir0 "10.$n.9.1/24"
	addr_add tgt mir0 "10.$n.9.2/24"
}

# need_tbf NAME IF: skip the test when this kernel has no tbf qdisc (probed on IF, removed).
need_tbf()
{
	local out
	out=$(nsx "$1" tc qdisc add dev "$2" root tbf rate 1mbit burst 5kb latency 1ms 2>&1) ||
		vxs_skip "no tbf qdisc: $out"
	nsx "$1" tc qdisc del dev "$2" root
}

# Checks: ok TEXT and bad TEXT print a result line; bad counts it in $fails, which a test
# reports at its end ("$fails failed") and turns into its exit status.
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }

# vxlan_mirror SRC_NS SRC_IF VNI LOCAL_IP REMOTE_IP: copy every frame SRC_IF receives and sends
# into the kernel VXLAN device vxm<VNI> (UDP 4789, created on first use and shared by later calls
# with the same VNI), whose outer packets go to REMOTE_IP. The device sits on the interface that
# routes to REMOTE_IP and takes its MTU minus 50: give that link a jumbo MTU, or large frames
# would not fit (TESTBED.md).
vxlan_mirror()
{
	local n="$1" src="$2" vni="$3" local_ip="$4" remote_ip="$5" vx="vxm$3" lower dir
	lower="$(nsx "$n" ip -o route get "$remote_ip" | sed -n 's/.* dev \([^ ]*\).*/\1/p')"
	[ -n "$lower" ] || vxs_die "no route to mirror target $remote_ip in $n"
	if ! nsx "$n" ip link show "$vx" >/dev/null 2>&1; then
		nsx "$n" ip link add "$vx" type vxlan id "$vni" local "$local_ip" \
			remote "$remote_ip" dstport 4789 dev "$lower" nolearning ||
			vxs_die "vxlan $vx in $n"
		offloads_off "$n" "$vx"
		nsx "$n" ip link set "$vx" up
	fi
	nsx "$n" tc qdisc add dev "$src" clsact || vxs_die "clsact on $n/$src"
	for dir in ingress egress; do
		nsx "$n" tc filter add dev "$src" "$dir" protocol all u32 match u32 0 0 \
			action mirred egress mirror dev "$vx" || vxs_die "mirred $dir on $n/$src"
	done
}

# ns_spawn NAME LOG CMD...: run CMD in the background inside NAME, output to LOG; the process
# is ended at exit. Its pid is in VXS_LAST_PID.
ns_spawn()
{
	local n="$1" log="$2"
	shift 2
	ip netns exec "$(ns "$n")" "$@" >"$log" 2>&1 </dev/null &
	VXS_LAST_PID=$!
	VXS_PIDS="$VXS_PIDS $VXS_LAST_PID"
}

# wait_port NAME PORT [SECONDS]: wait until something listens on TCP or UDP PORT in NAME.
wait_port()
{
	local n="$1" port="$2" tries=$((${3:-5} * 10))
	while [ "$tries" -gt 0 ]; do
		if nsx "$n" ss -Hlntu "sport = :$port" 2>/dev/null | grep -q .; then
			return 0
		fi
		sleep 0.1
		tries=$((tries - 1))
	done
	vxs_die "nothing listens on port $port in $(ns "$n")"
}

# wait_log FILE REGEX [SECONDS]: wait until a line of FILE matches the extended REGEX (a
# process's "ready" message); returns 1 after SECONDS (default 5).
wait_log()
{
	local f="$1" re="$2" tries=$((${3:-5} * 10))
	while [ "$tries" -gt 0 ]; do
		grep -Eq -- "$re" "$f" 2>/dev/null && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	return 1
}

# stop_pid PID [SIGNAL [SECONDS]]: stop one background process this run started (ns_spawn):
# send SIGNAL (default TERM), wait up to SECONDS (default 3), then KILL.  Returns the process's
# exit status, so a caller can check that it ended cleanly.
stop_pid()
{
	local pid="$1" sig="${2:-TERM}" tries=$((${3:-3} * 10))
	kill -"$sig" "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null && [ "$tries" -gt 0 ]; do
		sleep 0.1
		tries=$((tries - 1))
	done
	kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# vxs_alive: print which of our background processes and in-namespace processes still run.
vxs_alive()
{
	local p n
	for p in $VXS_PIDS; do
		kill -0 "$p" 2>/dev/null && printf '%s\n' "$p"
	done
	for n in $VXS_NETNS; do
		ip netns pids "$(ns "$n")" 2>/dev/null
	done
	return 0
}

# vxs_cleanup: the EXIT trap. Ends our background processes and any process still inside one of
# our namespaces (TERM, then KILL after 3 s), then deletes the namespaces; their veth and VXLAN
# devices go with them. Nothing outside this run is touched.
vxs_cleanup()
{
	local rc=$? pids tries=30 n
	trap - EXIT INT TERM
	set +e
	pids="$(vxs_alive)"
	# shellcheck disable=SC2086 # lists of pids
	[ -n "$pids" ] && kill $pids 2>/dev/null
	while [ -n "$pids" ] && [ "$tries" -gt 0 ]; do
		sleep 0.1
		tries=$((tries - 1))
		pids="$(vxs_alive)"
	done
	# shellcheck disable=SC2086
	[ -n "$pids" ] && kill -9 $pids 2>/dev/null
	for n in $VXS_NETNS; do
		ip netns del "$(ns "$n")" 2>/dev/null
	done
	VXS_NETNS=""
	VXS_PIDS=""
	if [ "$VXS_KEEP_TMP" != 0 ]; then
		vxs_log "kept $VXS_TMP"
	elif [ -n "$VXS_TMP" ]; then
		rm -rf "$VXS_TMP"
	fi
	exit "$rc"
}

trap vxs_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
VXS_TMP="$(mktemp -d "${TMPDIR:-/tmp}/vxscope-e2e.XXXXXX")" || vxs_die "mktemp -d"
