#!/bin/bash
# make-seed-example.sh - record examples/seed-504.pcapng: the seed scenario (intermittent 504s
# from an MTU black hole, plus a voice call under a bad shaper), seen through a kernel VXLAN
# mirror of the web server's interface. Real kernels in network namespaces; see README.md here.
#
#   sudo examples/make-seed-example.sh [OUT.pcapng]      (about 35 s; needs root)
#
#             10.99.1.0/24            10.99.2.0/24
#   client ---------------- router ---------------- web ==== mirror link (MTU 9000) ==== target
#   .2   curl, iperf3 -c,    .1  | .1  tbf 4 Mbit/s   .2  nginx proxy,       10.99.9.1/.2   tcpdump
#        SIP/RTP caller          |     latency 200 ms     iperf3 -s, SIP/RTP       udp 4789
#                                |     toward web          callee; eth0 mirrored
#                       .1 MTU 1400                        (tc mirred -> vxm4242)
#                                | 10.99.3.0/24
#                                +------------------ svc .2 nginx, MTU 1500 (wrong)
#
# The faults: svc's interface says 1500 on a segment whose router port is 1400, and the router
# drops ICMP "fragmentation needed". svc's full-size segments are dropped at the router port
# (giant frames), and web's full-size segments toward svc meet a 1400 egress whose ICMP never
# leaves the router: both directions black-hole for anything above ~1400 bytes, and web's nginx
# (proxy_read_timeout 2 s) answers 504. Voice shares the shaper with a bulk TCP transfer, with no
# priority and DSCP 0, so it queues behind the bulk.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
out="${1:-$here/seed-504.pcapng}"
# shellcheck source-path=SCRIPTDIR source=../tests/e2e/lib.sh
. "$repo/tests/e2e/lib.sh"

need_root
need_cmd ip tc ethtool iptables nginx curl iperf3 tcpdump tshark mergecap editcap capinfos python3
tmp="$(vxs_tmpdir)"

VNI=4242
SVC_MTU=1500		# the mistake; 1400 fixes it (try SVC_MTU=1400 to see every request pass)
SVC_MTU="${VXS_SVC_MTU:-$SVC_MTU}"
# Inner TCP port 5201 (iperf3): outer UDP header + VXLAN (16) + inner Ethernet (14) = udp[30]
# is the inner IPv4 header (no options in this network), so udp[39] is its protocol and
# udp[50:2]/udp[52:2] the inner ports.
BULK='udp[28:2] = 0x0800 and udp[39] = 6 and (udp[50:2] = 5201 or udp[52:2] = 5201)'

say() { printf '== %s\n' "$*" >&2; }

# ---- network -------------------------------------------------------------------------------
say "building the network (prefix $VXS_PREFIX)"
for n in client web router svc target; do
	netns_add "$n"
	# No IPv6: router solicitations and MLD reports would only add noise to the example.
	nsx "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	# Classic PMTU discovery only: no black-hole detection by MTU probing on any host.
	nsx "$n" sysctl -qw net.ipv4.tcp_mtu_probing=0 net.ipv4.ip_no_pmtu_disc=0
done
netns_forward router

veth_pair client eth0 router rcli
veth_pair web eth0 router rweb
veth_pair router rsvc svc eth0 1400 "$SVC_MTU"
veth_pair web mir0 target eth0 9000

addr_add client eth0 10.99.1.2/24
addr_add router rcli 10.99.1.1/24
addr_add web eth0 10.99.2.2/24
addr_add router rweb 10.99.2.1/24
addr_add svc eth0 10.99.3.2/24
addr_add router rsvc 10.99.3.1/24
addr_add web mir0 10.99.9.1/30
addr_add target eth0 10.99.9.2/30
route_add client default 10.99.1.1
route_add web default 10.99.2.1
route_add svc default 10.99.3.1

# The firewall that makes the MTU mismatch a black hole: ICMP "fragmentation needed" neither
# leaves the router (OUTPUT) nor crosses it (FORWARD).
for chain in OUTPUT FORWARD; do
	nsx router iptables -A "$chain" -p icmp --icmp-type fragmentation-needed -j DROP
done
# The shaping mistake: one deep FIFO toward web (200 ms of queue at 4 Mbit/s), no classes.
nsx router tc qdisc add dev rweb root tbf rate 4mbit burst 10kb latency 200ms
# The target only records; it must not answer the mirror with ICMP port unreachable.
nsx target iptables -A INPUT -p udp --dport 4789 -j DROP

# ---- services ------------------------------------------------------------------------------
say "starting nginx (web proxy, svc), iperf3 and the SIP callee"
mkdir -p "$tmp/svc/api/upload" "$tmp/web"
mkjson() { python3 -c 'import sys; n=int(sys.argv[1]); h="{\"size\": %d, \"data\": \"" % n; \
print(h + "x" * (n - len(h) - 3) + "\"}")' "$1"; }
for f in small-200:200 small-600:600 small-1000:1000 large-8k:8192 large-64k:65536; do
	mkjson "${f#*:}" >"$tmp/svc/api/${f%%:*}.json"
done
mkjson 300 >"$tmp/body-small.json"
mkjson 6000 >"$tmp/body-large.json"

nginx_conf()	# NAME SERVER_BLOCK
{
	cat <<EOF
user root;
worker_processes 1;
daemon off;
pid $tmp/$1/nginx.pid;
error_log $tmp/$1/error.log info;
events { worker_connections 256; }
http {
	default_type application/json;
	log_format up '\$remote_addr "\$request" \$status \$request_time '
		'upstream=\$upstream_addr status=\$upstream_status time=\$upstream_response_time';
	access_log $tmp/$1/access.log up;
	client_body_temp_path $tmp/$1/body;
	proxy_temp_path $tmp/$1/proxy;
	fastcgi_temp_path $tmp/$1/fastcgi;
	uwsgi_temp_path $tmp/$1/uwsgi;
	scgi_temp_path $tmp/$1/scgi;
$2
}
EOF
}
mkdir -p "$tmp/svc"
nginx_conf web '
	server {
		listen 10.99.2.2:80;
		location /api/ {
			proxy_pass http://10.99.3.2;
			proxy_connect_timeout 2s;
			proxy_send_timeout 2s;
			proxy_read_timeout 2s;
		}
		location = /healthz { return 200 "ok\n"; }
	}' >"$tmp/web/nginx.conf"
nginx_conf svc "
	server {
		listen 10.99.3.2:80;
		root $tmp/svc;
		sendfile on;
		tcp_nopush on;
		location /api/upload/ {
			dav_methods PUT;
			create_full_put_path on;
		}
	}" >"$tmp/svc/nginx.conf"

ns_spawn svc "$tmp/svc.log" nginx -e "$tmp/svc/error.log" -c "$tmp/svc/nginx.conf"
ns_spawn web "$tmp/web.log" nginx -e "$tmp/web/error.log" -c "$tmp/web/nginx.conf"
ns_spawn web "$tmp/iperf3-s.log" iperf3 -s -1 -B 10.99.2.2
ns_spawn web "$tmp/uas.log" python3 "$repo/tests/e2e/voip_call.py" uas --bind 10.99.2.2 \
	--wait 60
wait_port svc 80
wait_port web 80
wait_port web 5201
wait_port web 5060
# Warm up ARP and check the small path before anything is recorded.
nsx client curl -sS -o /dev/null --max-time 3 http://10.99.2.2/healthz ||
	vxs_die "web not reachable from client"
nsx web curl -sS -o /dev/null --max-time 3 http://10.99.3.2/api/small-200.json ||
	vxs_die "svc not reachable from web"

# ---- mirror and capture --------------------------------------------------------------------
say "mirroring web eth0 into VXLAN VNI $VNI, capturing udp 4789 in target"
# outer source = web's own address on the mirrored interface, as AWS uses the source ENI's
# primary IP (the packets still leave through the jumbo link to the target)
vxlan_mirror web eth0 "$VNI" 10.99.2.2 10.99.9.2
# Two recorders split by inner traffic so the file stays small: the bulk transfer keeps 160
# bytes of each frame (all of its headers), everything else is kept whole.
cap() { # NAME SNAPLEN FILTER
	ns_spawn target "$tmp/tcpdump-$1.log" tcpdump -i eth0 -n -s "$2" -B 8192 \
		--time-stamp-precision=nano -w "$tmp/cap-$1.pcap" "$3"
	CAP_PIDS="${CAP_PIDS:-} $VXS_LAST_PID"
}
cap main 0 "udp dst port 4789 and not ($BULK)"
cap bulk 160 "udp dst port 4789 and ($BULK)"
for f in main bulk; do
	for _ in $(seq 50); do
		grep -q 'listening on' "$tmp/tcpdump-$f.log" && break
		sleep 0.1
	done
done

# ---- traffic -------------------------------------------------------------------------------
# The bulk sender's socket buffers (64 KB) keep a standing queue in the shaper without
# overflowing it: voice waits behind it, and the TCP retransmissions in the file stay those of
# the MTU fault.
say "traffic: 30 HTTP requests, a 14 s call from t=3 s, 6 s of bulk TCP from t=7 s"
ns_spawn client "$tmp/uac.log" bash -c "sleep 3; exec python3 '$repo/tests/e2e/voip_call.py' \
	uac --bind 10.99.1.2 --to 10.99.2.2 --seconds 14"
voip_pid=$VXS_LAST_PID
ns_spawn client "$tmp/iperf3-c.log" bash -c "sleep 7; exec iperf3 -c 10.99.2.2 -B 10.99.1.2 -t 6 -w 64K"
bulk_pid=$VXS_LAST_PID

# Ten blocks of three requests; one in three asks for something larger than the path MTU.
plan="
GET small-200		GET small-600		GET large-8k
GET small-1000		PUT small		GET large-64k
GET small-200		GET small-600		PUT large
GET small-1000		GET small-200		GET large-8k
PUT small		GET small-600		GET large-64k
GET small-1000		GET small-200		PUT large
GET small-600		PUT small		GET large-8k
GET small-1000		GET small-200		GET large-64k
GET small-600		PUT small		PUT large
GET small-1000		GET small-200		GET large-8k"
results="$tmp/http-results.txt"
: >"$results"
i=0
# shellcheck disable=SC2086 # split the plan into words
set -- $plan
while [ $# -ge 2 ]; do
	method=$1 obj=$2
	shift 2
	i=$((i + 1))
	if [ "$method" = GET ]; then
		url="http://10.99.2.2/api/$obj.json"
		args=()
	else
		url="http://10.99.2.2/api/upload/$obj-$i.json"
		args=(-T "$tmp/body-$obj.json" -H 'Expect:')
	fi
	code="$(nsx client curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 8 \
		"${args[@]}" "$url" || true)"
	printf '%2d %-3s %-32s %s\n' "$i" "$method" "${url#http://10.99.2.2}" "$code" |
		tee -a "$results" >&2
	sleep 0.2
done

for p in $voip_pid $bulk_pid; do
	while kill -0 "$p" 2>/dev/null; do sleep 0.2; done
done
sleep 1
# shellcheck disable=SC2086
kill -INT $CAP_PIDS
for p in $CAP_PIDS; do
	while kill -0 "$p" 2>/dev/null; do sleep 0.1; done
done
cat "$tmp/uac.log" "$tmp/uas.log" >&2
grep -h 'dropped by kernel' "$tmp"/tcpdump-*.log >&2
# The black hole must stay one: web may not have learnt a smaller path MTU for svc.
if nsx web ip route get 10.99.3.2 | grep -q ' mtu '; then
	vxs_die "web learnt the path MTU toward svc: $(nsx web ip route get 10.99.3.2)"
fi
icmp_dropped="$(nsx router iptables -vnxL OUTPUT | awk '/DROP/ {print $1; exit}')"
giants="$(nsx svc cat /sys/class/net/eth0/statistics/tx_dropped)"

# ---- the capture file ----------------------------------------------------------------------
mergecap -F pcapng -w "$tmp/merged.pcapng" "$tmp/cap-main.pcap" "$tmp/cap-bulk.pcap"
editcap --capture-comment "vxscope seed example: web eth0 mirrored (ingress+egress) by tc \
mirred into kernel VXLAN VNI $VNI, recorded at the target on udp 4789. svc MTU $SVC_MTU on a \
1400 segment, ICMP frag-needed dropped; tbf 4mbit latency 200ms toward web. See examples/README.md" \
	"$tmp/merged.pcapng" "$tmp/seed.pcapng"
mv "$tmp/seed.pcapng" "$out"

# ---- summary (tshark is the judge) ---------------------------------------------------------
count() { tshark -r "$out" -Y "$1" 2>/dev/null | wc -l; }
frames="$(count frame)"
vxlan="$(count vxlan)"
c504="$(count 'http.response.code == 504')"
c200="$(count 'http.response.code == 200')"
c201="$(count 'http.response.code == 201')"
retr="$(count tcp.analysis.retransmission)"
retr_svc="$(count 'tcp.analysis.retransmission && ip.addr == 10.99.3.2')"
retr_from_svc="$(count 'tcp.analysis.retransmission && ip.src == 10.99.3.2')"
retr_full="$(count 'tcp.analysis.retransmission && ip.addr == 10.99.3.2 && tcp.len == 1448')"
retr_bulk="$(count 'tcp.analysis.retransmission && tcp.port == 5201')"
dup="$(count tcp.analysis.duplicate_ack)"
dup_svc="$(count 'tcp.analysis.duplicate_ack && ip.addr == 10.99.3.2')"
lost_svc="$(count 'tcp.analysis.lost_segment && ip.src == 10.99.3.2')"
rtp="$(count rtp)"
sip="$(count sip)"
fragneed="$(count 'icmp.type == 3 && icmp.code == 4')"
cat <<EOF

capture:              $out ($(stat -c %s "$out") bytes, $(capinfos -u "$out" | sed -n 's/.*duration: *//p'))
frames:               $frames (VXLAN: $vxlan)
HTTP responses:       504: $c504   200: $c200   201: $c201
TCP retransmissions:  $retr (web<->svc: $retr_svc, of them $retr_full full-size 1448-byte segments
                      and $retr_from_svc sent by svc; bulk: $retr_bulk)
TCP duplicate ACKs:   $dup (web<->svc: $dup_svc); svc segments never seen: $lost_svc
ICMP frag-needed:     $fragneed in the capture; the router dropped $icmp_dropped it generated;
                      svc's veth dropped $giants frames too big for the 1400-byte router port
SIP / RTP packets:    $sip / $rtp
EOF
tshark -r "$out" -q -z rtp,streams 2>/dev/null | sed -n '/Src IP/,/====/p'

# The example must show what it is for; fail loudly if the network did not behave.
[ "$vxlan" -eq "$frames" ] || vxs_die "frames without VXLAN in the capture"
[ "$c200" -ge 1 ] || vxs_die "no 200 in the capture"
[ "$rtp" -ge 100 ] || vxs_die "RTP missing from the capture"
if [ "$SVC_MTU" -gt 1400 ]; then
	[ "$c504" -ge 1 ] || vxs_die "no 504 in the capture"
	[ "$retr_svc" -ge 1 ] || vxs_die "no retransmission between web and svc"
fi
say "done"
