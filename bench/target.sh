#!/usr/bin/env bash
# target.sh - the live-target benchmark: the bench workload offered as VXLAN over loopback at
# increasing rates, to `vxscope target` (analysing and archiving to tmpfs) and, separately on the
# same stream, to `tcpdump -i lo -w` (writing to tmpfs, with a counting UDP socket behind it).
# Reports, for each, the loss at every rate, the highest rate with zero loss, and the CPU each
# used; a table on stdout and in TB_OUT, JSON in TB_JSON.  See bench/README.md.
#
# Environment:
#   TB_RATES     offered rates, packets/s (default "100000 200000 300000 500000 700000 1000000")
#   TB_SECONDS   seconds per rate and tool (default 3)
#   TB_PACKETS   packets in the generated workload, looped by the sender (default 200000)
#   TB_WORKERS   vxscope target --workers (default 1)
#   TB_REPEAT    runs per rate and receiver; each receiver's least-loss run is reported (default
#                1; 3 on a machine shared with other work, where a stall is not the receiver's)
#   TB_RCVBUF    socket receive buffer for both, bytes (default 268435456 = vxscope's default;
#                tcpdump gets the same as its -B ring)
#   TB_TARGET_ARGS  extra arguments for vxscope target
#   TB_RING      MB:N - both receivers write a ring of files, as a capture box that runs for
#                days does: vxscope --rotate-size MB --rotate-count N (per session), tcpdump
#                -C MB*SESSIONS -W N (one file series); default 64:4, about 1 GB kept by each.
#                "none": one growing file each (on a VM this measures how fast the host hands
#                out fresh memory more than the receivers: see bench/README.md)
#   TB_OUT       table file (default: a new /tmp/vxscope-target-bench.*.txt)
#   TB_JSON      JSON file (default: TB_OUT with .json)
#   TB_NOBUILD=1 do not run make first
# Needs root (a private network namespace, so nothing else on this machine shares its loopback
# or its ports), tcpdump, and about 3 GB of free memory for tmpfs at 1M packets/s.
set -u

cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
RATES=${TB_RATES:-100000 200000 300000 500000 700000 1000000}
SECS=${TB_SECONDS:-3}
PACKETS=${TB_PACKETS:-200000}
WORKERS=${TB_WORKERS:-1}
REPEAT=${TB_REPEAT:-1}
RCVBUF=${TB_RCVBUF:-268435456}
RING=${TB_RING:-64:4}
SESSIONS=4 # in the bench workload
VXSCOPE=$ROOT/build/release/vxscope
GEN=$ROOT/build/release/tools/gen_workload
SEND=$ROOT/build/release/tools/vxlan_send
SINK=$ROOT/build/release/tools/udp_sink

die() { echo "target.sh: $*" >&2; exit 1; }
VX_RING= TD_RING=
if [ "$RING" != none ]; then
	RING_MB=${RING%%:*} RING_N=${RING#*:}
	case "$RING_MB$RING_N" in *[!0-9]* | "") die "TB_RING: MB:N or none" ;; esac
	VX_RING="--rotate-size $RING_MB --rotate-count $RING_N"
	# -Z root: tcpdump opens each new file of the ring after dropping privileges otherwise
	TD_RING="-C $((RING_MB * SESSIONS * 1048576 / 1000000)) -W $RING_N -Z root"
fi
for v in $RATES $SECS $PACKETS $WORKERS $RCVBUF $REPEAT; do
	case $v in *[!0-9]* | "") die "TB_RATES, TB_SECONDS, TB_PACKETS, TB_WORKERS, TB_RCVBUF, TB_REPEAT: numbers" ;; esac
done
[ "$(id -u)" -eq 0 ] || die "needs root (it runs in its own network namespace)"
command -v tcpdump >/dev/null || die "needs tcpdump"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vxscope-target-bench.XXXXXX") || exit 1
SHM=$(mktemp -d /dev/shm/vxscope-target-bench.XXXXXX) || die "no tmpfs at /dev/shm"
NS=vxsbench$$
PIDS=""
cleanup() {
	local p
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$WORK" "$SHM"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
OUT=${TB_OUT:-$(mktemp "${TMPDIR:-/tmp}/vxscope-target-bench.XXXXXX.txt")} || exit 1
JSON=${TB_JSON:-${OUT%.txt}.json}
: >"$OUT" || die "cannot write $OUT"
say() { printf '%s\n' "$*" | tee -a "$OUT"; }

if [ "${TB_NOBUILD:-0}" != 1 ]; then
	echo "target.sh: make" >&2
	make -j2 >"$WORK/make.log" 2>&1 || { tail -5 "$WORK/make.log" >&2; die "make failed"; }
fi
for b in "$VXSCOPE" "$GEN" "$SEND" "$SINK"; do [ -x "$b" ] || die "missing $b (make)"; done
"$VXSCOPE" target --help >/dev/null 2>&1 || die "$VXSCOPE has no 'target' subcommand"

ip netns add "$NS" || die "ip netns add $NS"
ip netns exec "$NS" ip link set lo up
nsx() { ip netns exec "$NS" "$@"; } # foreground only: $! of a function is not the process

W=$WORK/workload.pcap
"$GEN" -o "$W" -n "$PACKETS" --seed 1 2>"$WORK/gen.err" || { cat "$WORK/gen.err" >&2; die "gen_workload"; }

# cpu PID: user+system seconds of a running process (clock ticks from /proc/PID/stat)
cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' \
		"/proc/$1/stat" 2>/dev/null || echo "-"
}
# wait_for FILE REGEX SECONDS
wait_for() {
	local _
	for _ in $(seq $(($3 * 10))); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# stop PID SIGNAL SECONDS: signal, wait, and KILL if it does not end
stop() {
	local _
	kill -"$2" "$1" 2>/dev/null
	for _ in $(seq $(($3 * 10))); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
jget() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], "-"))' "$1" "$2"; }

say "vxscope target benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -sr), $(nproc) CPUs:" \
	"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
say "workload: bench/gen_workload -n $PACKETS --seed 1 (looped), $SECS s per rate, loopback in" \
	"a private namespace; vxscope target --workers $WORKERS, archive and records on tmpfs;" \
	"tcpdump -i lo -B $((RCVBUF / 1024)) -w on tmpfs; receive buffers $RCVBUF bytes;" \
	"$([ "$RING" = none ] && echo "one growing file per session (TB_RING=none)" ||
		echo "files in a ring (TB_RING=$RING: vxscope $VX_RING, tcpdump $TD_RING)")"
say ""
ROWS=$WORK/rows.tsv
: >"$ROWS"

# start_vxscope: a fresh archive and records folder, vxscope target on it; sets tpid
start_vxscope() {
	rm -rf "${SHM:?}"/*
	mkdir -p "$SHM/archive" "$SHM/records"
	# shellcheck disable=SC2086 # VX_RING and TB_TARGET_ARGS are lists
	ip netns exec "$NS" "$VXSCOPE" target --listen 127.0.0.1 --geneve-port 0 --workers "$WORKERS" \
		--rcvbuf "$RCVBUF" --archive "$SHM/archive" --records "$SHM/records" \
		--stats "$WORK/stats.json" $VX_RING ${TB_TARGET_ARGS:-} >"$WORK/target.log" 2>&1 &
	tpid=$!
	PIDS="$PIDS $tpid"
	wait_for "$WORK/target.log" '^vxscope target: ready$' 10 ||
		{ cat "$WORK/target.log" >&2; die "vxscope target did not start"; }
}

# Warm-up, not reported: one vxscope run at the first rate, so that the first measured run
# does not alone pay for the tmpfs' first gigabyte (on a VM, fresh memory from the host is
# slow to touch; after this each receiver reuses the pages the one before it freed).
if [ "$RING" != none ]; then
	start_vxscope
	echo "target.sh: warm-up (not reported)" >&2
	nsx "$SEND" -f "$W" -d 127.0.0.1:4789 -r "${RATES%% *}" -t "$SECS" >/dev/null ||
		die "vxlan_send failed"
	stop "$tpid" TERM 120
fi

for rate in $RATES; do
for rep in $(seq "$REPEAT"); do
	# ---- vxscope target ----
	start_vxscope
	echo "target.sh: $rate pps: vxscope target (run $rep of $REPEAT)" >&2
	nsx "$SEND" -f "$W" -d 127.0.0.1:4789 -r "$rate" -t "$SECS" >"$WORK/send.json" ||
		die "vxlan_send failed"
	sleep 1
	vcpu=$(cpu "$tpid")
	stop "$tpid" TERM 120
	[ -s "$WORK/stats.json" ] || { cat "$WORK/target.log" >&2; die "no --stats from vxscope target"; }
	vsent=$(jget "$WORK/send.json" sent)
	vach=$(jget "$WORK/send.json" rate_achieved)
	read -r rx sdrop qdrop lost_w archived < <(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
print(s["rx_datagrams"], s["socket_drops"], s["queue_drops"], s.get("archive_lost", 0),
      s["archived"])' "$WORK/stats.json")

	# ---- tcpdump -i lo -w, with a counting socket behind it ----
	rm -rf "${SHM:?}"/*
	ip netns exec "$NS" "$SINK" -a 127.0.0.1 -p 4789 -r "$RCVBUF" >"$WORK/sink.json" 2>"$WORK/sink.log" &
	spid=$!
	# shellcheck disable=SC2086 # TD_RING is a list
	ip netns exec "$NS" tcpdump -i lo -n -s 0 -B $((RCVBUF / 1024)) -w "$SHM/lo.pcap" $TD_RING udp dst port 4789 \
		2>"$WORK/tcpdump.log" &
	dpid=$!
	PIDS="$PIDS $spid $dpid"
	wait_for "$WORK/sink.log" listening 5 || die "udp_sink did not start"
	wait_for "$WORK/tcpdump.log" 'listening on' 5 || { cat "$WORK/tcpdump.log" >&2; die "tcpdump did not start"; }
	echo "target.sh: $rate pps: tcpdump (run $rep of $REPEAT)" >&2
	nsx "$SEND" -f "$W" -d 127.0.0.1:4789 -r "$rate" -t "$SECS" >"$WORK/send2.json" ||
		die "vxlan_send failed"
	sleep 1.5 # tcpdump's ring blocks time out and are written
	dcpu=$(cpu "$dpid")
	stop "$dpid" INT 30
	stop "$spid" TERM 10
	tsent=$(jget "$WORK/send2.json" sent)
	tach=$(jget "$WORK/send2.json" rate_achieved)
	tcap=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured/\1/p' "$WORK/tcpdump.log")
	trecv=$(sed -n 's/^\([0-9]*\) packets\{0,1\} received by filter/\1/p' "$WORK/tcpdump.log")
	tdrop=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel/\1/p' "$WORK/tcpdump.log")
	sinkrx=$(jget "$WORK/sink.json" received)
	sinkdrop=$(jget "$WORK/sink.json" socket_drops)
	printf '%s\n' "$rate $vsent $vach $rx $sdrop $qdrop $lost_w $archived $vcpu $tsent $tach ${tcap:--} ${trecv:--} ${tdrop:--} $sinkrx $sinkdrop $dcpu" >>"$ROWS"
	rm -rf "${SHM:?}"/*
done
done

python3 - "$ROWS" "$JSON" "$PACKETS" "$SECS" "$WORKERS" "$RCVBUF" "$REPEAT" <<'PY' | tee -a "$OUT"
import json, sys
rows_path, json_path, packets, secs, workers, rcvbuf, repeat = sys.argv[1:8]
def num(x):
    try:
        return int(x)
    except ValueError:
        try:
            return float(x)
        except ValueError:
            return None
runs = []
for line in open(rows_path):
    f = [num(x) for x in line.split()]
    (rate, vsent, vach, rx, sdrop, qdrop, lostw, archived, vcpu,
     tsent, tach, tcap, trecv, tdrop, sinkrx, sinkdrop, dcpu) = f
    v_lost = sdrop + qdrop + lostw
    v_unacc = vsent - rx - sdrop           # must be 0: the accounting identity
    t_lost = tsent - tcap if tcap is not None else None
    runs.append({
        "rate_offered": rate,
        "vxscope": {"sent": vsent, "rate_achieved": vach, "received": rx, "socket_drops": sdrop,
                    "queue_drops": qdrop, "archive_lost": lostw, "archived": archived,
                    "lost": v_lost, "unaccounted": v_unacc,
                    "loss_pct": 100.0 * (v_lost + max(v_unacc, 0)) / vsent if vsent else None,
                    "cpu_s": vcpu},
        "tcpdump": {"sent": tsent, "rate_achieved": tach, "captured": tcap,
                    "received_by_filter": trecv, "dropped_by_kernel": tdrop,
                    "lost": t_lost,
                    "loss_pct": 100.0 * t_lost / tsent if tsent and t_lost is not None else None,
                    "socket_received": sinkrx, "socket_drops": sinkdrop, "cpu_s": dcpu},
    })
# per rate, each receiver's run with the least loss (TB_REPEAT > 1)
def loss_key(t):
    return (t["loss_pct"] if t["loss_pct"] is not None else 1e9,
            -t["rate_achieved"] if t["rate_achieved"] is not None else 0)
rows = []
for r in runs:
    if rows and rows[-1]["rate_offered"] == r["rate_offered"]:
        for tool in ("vxscope", "tcpdump"):
            if loss_key(r[tool]) < loss_key(rows[-1][tool]):
                rows[-1][tool] = r[tool]
        rows[-1]["runs"] += 1
    else:
        rows.append(dict(r, runs=1))
def zero_max(tool):
    best = 0
    for r in rows:  # in offered order: the highest rate before the first loss
        t = r[tool]
        if t["lost"] == 0 and (tool != "vxscope" or t["unaccounted"] == 0):
            best = r["rate_offered"]
        else:
            break
    return best
res = {"schema": "vxscope.bench.target/1", "workload_packets": int(packets),
       "seconds_per_rate": int(secs), "workers": int(workers), "rcvbuf": int(rcvbuf),
       "runs_per_rate": int(repeat), "rows": rows, "all_runs": runs,
       "zero_loss_max_pps": {"vxscope": zero_max("vxscope"), "tcpdump": zero_max("tcpdump")}}
json.dump(res, open(json_path, "w"), indent=1)
hdr = ("%9s | %9s %9s %9s %8s %8s %7s %6s | %9s %9s %9s %8s %7s %6s" %
       ("offered", "sent", "achieved", "archived", "sockdrop", "qdrop", "loss%", "CPU s",
        "sent", "achieved", "captured", "dropped", "loss%", "CPU s"))
print("%9s | %-70s | %s" % ("", "vxscope target (analyse + archive)", "tcpdump -i lo -w"))
print(hdr)
print("-" * len(hdr))
for r in rows:
    v, t = r["vxscope"], r["tcpdump"]
    fmt = lambda x, p="%.2f": "-" if x is None else (p % x)
    print("%9d | %9d %9d %9d %8d %8d %7s %6s | %9d %9d %9s %8s %7s %6s" % (
        r["rate_offered"], v["sent"], v["rate_achieved"], v["archived"], v["socket_drops"],
        v["queue_drops"], fmt(v["loss_pct"], "%.3f"), fmt(v["cpu_s"]), t["sent"],
        t["rate_achieved"], fmt(t["captured"], "%d"), fmt(t["dropped_by_kernel"], "%d"),
        fmt(t["loss_pct"], "%.3f"), fmt(t["cpu_s"])))
    if v["unaccounted"]:
        print("          ! vxscope: %d datagrams sent but neither received nor counted as "
              "dropped (accounting identity broken)" % v["unaccounted"])
print("")
print("highest offered rate with zero loss (and none below it): vxscope %d pps, tcpdump %d pps"
      % (res["zero_loss_max_pps"]["vxscope"], res["zero_loss_max_pps"]["tcpdump"]))
worse = [r["rate_offered"] for r in rows if r["vxscope"]["loss_pct"] is not None and
         r["tcpdump"]["loss_pct"] is not None and
         r["vxscope"]["loss_pct"] > r["tcpdump"]["loss_pct"]]
print("rates where vxscope lost more than tcpdump: %s" % (worse if worse else "none"))
print("goal: zero loss at >= 500000 pps, and never more loss than tcpdump")
PY
say ""
say "table saved in $OUT, JSON in $JSON"
