#!/usr/bin/env bash
# e2e: the path emulator (tests/e2e/pathemu.py) does what it says, checked with ping.
#
#   a (10.96.0.1) --veth-- [e0 emu e1] --veth-- b (10.96.0.2)     one L2 segment
#
# emu has no addresses and kernel forwarding off, so frames cross only through pathemu; static
# neighbour entries and no IPv6 keep every frame on the path a ping, so counts are exact:
#   - without pathemu nothing crosses;
#   - --delay 25 (each way) raises the ping RTT by 50 ms +-20 %;
#   - --loss-ab 0.5 loses about half of 40 pings (10..30, about 3 sigma), and exactly the
#     requests pathemu counted as lost;
#   - --dup-ab 1 sends every request twice, so replies come back twice;
#   - pathemu ends by itself at --timeout, and at once on SIGTERM, printing its counters.
set -u
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip ethtool ping python3
ROOT=${VXS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PATHEMU=$ROOT/tests/e2e/pathemu.py
PY=$(python3 -c 'import sys; print(sys.executable)')	# the interpreter, not a shim: its pid
T=$(vxs_tmpdir)
START=$(date +%s.%N)

for n in a emu b; do
	netns_add $n
	nsx $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
nsx emu sysctl -qw net.ipv4.ip_forward=0
veth_pair a eth0 emu e0
veth_pair emu e1 b eth0
nsx emu ip link set e0 promisc on
nsx emu ip link set e1 promisc on
addr_add a eth0 10.96.0.1/24
addr_add b eth0 10.96.0.2/24
mac_a=$(nsx a cat /sys/class/net/eth0/address)
mac_b=$(nsx b cat /sys/class/net/eth0/address)
nsx a ip neigh replace 10.96.0.2 lladdr "$mac_b" dev eth0 nud permanent
nsx b ip neigh replace 10.96.0.1 lladdr "$mac_a" dev eth0 nud permanent

# pathemu_start NAME ARGS...: pathemu in emu between e0 (a side) and e1 (b side); log
# $T/NAME.log, pid in EMU_PID.
pathemu_start()
{
	local name="$1"
	shift
	ns_spawn emu "$T/$name.log" "$PY" "$PATHEMU" --if-a e0 --if-b e1 --seed 7 "$@"
	EMU_PID=$VXS_LAST_PID
	wait_log "$T/$name.log" '^pathemu: ready' 5 || { cat "$T/$name.log"; vxs_die "pathemu $name did not start"; }
}

# the exit counters of a pathemu log, as "ab.lost=N ..." words
emu_stat() { python3 -c '
import json, sys
line = [l for l in open(sys.argv[1]) if l.startswith("{")][-1]
s = json.loads(line)
print(s["pathemu"][sys.argv[2]][sys.argv[3]] if len(sys.argv) > 3 else s[sys.argv[2]])' "$@"; }

# avg RTT (ms) of COUNT pings
ping_avg() { nsx a ping -n -q -c "$1" -i 0.05 -W 2 10.96.0.2 | sed -n 's|^rtt [^=]*= [^/]*/\([^/]*\)/.*|\1|p'; }

# 1. the kernel does not forward: without pathemu, nothing crosses
if nsx a ping -n -q -c 1 -W 1 10.96.0.2 >/dev/null 2>&1; then
	bad "a ping crossed emu without pathemu (kernel forwarding on?)"
else
	ok "without pathemu nothing crosses emu"
fi

# 2. delay: baseline through pathemu, then 25 ms each way
pathemu_start base --timeout 30
base=$(ping_avg 10)
stop_pid "$EMU_PID"
pathemu_start delay --delay 25 --timeout 30
delayed=$(ping_avg 10)
stop_pid "$EMU_PID"
rc=$?
if [ -z "$base" ] || [ -z "$delayed" ]; then
	bad "delay: pings did not come back (base '$base' delayed '$delayed')"
else
	added=$(awk -v a="$delayed" -v b="$base" 'BEGIN { printf "%.2f", a - b }')
	if awk -v x="$added" 'BEGIN { exit !(x >= 40 && x <= 60) }'; then
		ok "delay 25 ms each way: RTT $base -> $delayed ms, +$added ms (want 50 +-20 %)"
	else
		bad "delay 25 ms each way: RTT $base -> $delayed ms, +$added ms (want 40..60)"
	fi
fi
# SIGTERM: prompt exit, status 0, counters say why
if [ "$rc" -eq 0 ] && [ "$(emu_stat "$T/delay.log" reason)" = signal ]; then
	ok "SIGTERM ends pathemu cleanly (status 0, reason signal)"
else
	bad "SIGTERM: status $rc, log: $(tail -1 "$T/delay.log")"
fi

# 3. loss 50 % one way (requests only): about half of 40 pings lost, exactly those pathemu drops
pathemu_start loss --loss-ab 0.5 --timeout 30
sent=40
got=$(nsx a ping -n -q -c $sent -i 0.05 -W 1 10.96.0.2 | sed -n 's/.* \([0-9]*\) received.*/\1/p')
stop_pid "$EMU_PID"
lost=$((sent - ${got:-0}))
emu_lost=$(emu_stat "$T/loss.log" ab lost)
emu_rx=$(emu_stat "$T/loss.log" ab rx)
if [ "$lost" -ge 10 ] && [ "$lost" -le 30 ] && [ "$lost" = "$emu_lost" ] && [ "$emu_rx" = $sent ]; then
	ok "loss 50 %: $lost of $sent pings lost, pathemu dropped $emu_lost of $emu_rx"
else
	bad "loss 50 %: $lost of $sent pings lost (want 10..30), pathemu dropped $emu_lost of $emu_rx"
fi

# 4. duplication: every request arrives twice, so every reply comes back twice
pathemu_start dup --dup-ab 1 --timeout 30
dups=$(nsx a ping -n -q -c 5 -i 0.1 -W 1 10.96.0.2 | sed -n 's/.*+\([0-9]*\) duplicates.*/\1/p')
stop_pid "$EMU_PID"
# ping stops at its 5th reply, so the last duplicate may come too late for it to count
emu_rx=$(emu_stat "$T/dup.log" ab rx)
emu_tx=$(emu_stat "$T/dup.log" ab tx)
if [ "${dups:-0}" -ge 4 ] && [ "$emu_rx" = 5 ] && [ "$emu_tx" = 10 ]; then
	ok "dup 100 %: 5 pings, ${dups} duplicates seen, pathemu sent $emu_tx for $emu_rx"
else
	bad "dup 100 %: 5 pings, '${dups:-0}' duplicates (want 4-5), pathemu sent $emu_tx for $emu_rx"
fi

# 5. the timeout: pathemu ends by itself
t0=$(date +%s.%N)
pathemu_start timeout --timeout 1
wait "$EMU_PID"
rc=$?
took=$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { printf "%.1f", a - b }')
if [ "$rc" -eq 0 ] && [ "$(emu_stat "$T/timeout.log" reason)" = timeout ] &&
	awk -v t="$took" 'BEGIN { exit !(t < 3) }'; then
	ok "--timeout 1 ends pathemu by itself (${took}s, status 0)"
else
	bad "--timeout 1: status $rc after ${took}s, log: $(tail -1 "$T/timeout.log")"
fi

echo "runtime $(awk -v a="$(date +%s.%N)" -v b="$START" 'BEGIN { printf "%.1f", a - b }') s"
[ $fails -eq 0 ] || exit 1
echo "all checks passed"
