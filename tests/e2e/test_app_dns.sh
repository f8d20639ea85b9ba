#!/usr/bin/env bash
# e2e: a real DNS resolver (Debian's unbound) answering NOERROR, NXDOMAIN and SERVFAIL to a
# real client (dig) in another network namespace, captured with tcpdump and read by
# `vxscope analyze --app-records`:
#   - unbound serves the local zone vxscope.lab (ok.vxscope.lab has an A record, every other
#     name is NXDOMAIN) and forwards broken.lab to a dnsmasq that refuses it (no upstream),
#     so unbound answers SERVFAIL;
#   - the client asks N_OK, N_NX and N_SF distinct names of each kind;
# vxscope's DNS records must hold every query with its answer's rcode (0, 3, 2) and the
# findings app.dns_servfail and app.dns_nxdomain must name the resolver.
# Exit 0 pass, 1 fail, 77 skip.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
need_root
need_cmd tcpdump unbound dnsmasq dig python3 ss
ROOT=${VXS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${VXS_BIN:-$ROOT/build/release/vxscope}
[ -x "$BIN" ] || vxs_die "no $BIN (build it first: make)"
T=$(vxs_tmpdir)
N_OK=4
N_NX=10
N_SF=4
N_TC=3 # answers too big for 512 bytes of UDP: truncated, retried over TCP by dig

netns_add a
netns_add b
veth_pair a eth0 b eth0
addr_add a eth0 10.99.6.1/24
addr_add b eth0 10.99.6.2/24

cat >"$T/unbound.conf" <<EOF2
server:
  interface: 10.99.6.2
  port: 53
  access-control: 10.99.6.0/24 allow
  username: ""
  chroot: ""
  directory: "$T"
  pidfile: "$T/unbound.pid"
  use-syslog: no
  do-daemonize: no
  do-not-query-localhost: no
  module-config: "iterator"
  local-zone: "vxscope.lab." static
  local-data: "ok.vxscope.lab. 60 IN A 10.1.2.3"
$(for i in 1 2 3 4 5 6; do printf '  local-data: '"'"'big.vxscope.lab. 60 IN TXT "%s%d"'"'"'\n' "$(printf 'x%.0s' $(seq 1 150))" "$i"; done)
forward-zone:
  name: "broken.lab."
  forward-addr: 127.0.0.1@5399
EOF2
ns_spawn b "$T/dnsmasq.log" dnsmasq --keep-in-foreground --no-resolv --no-hosts \
	--bind-interfaces --listen-address=127.0.0.1 --port=5399 --pid-file="$T/dnsmasq.pid" \
	--user=root --log-facility=-
ns_spawn b "$T/unbound.log" unbound -d -c "$T/unbound.conf"
wait_port b 53
wait_port b 5399
ns_spawn b "$T/tcpdump.log" tcpdump -i eth0 -U -n -w "$T/cap.pcap" port 53
DUMP=$VXS_LAST_PID
wait_log "$T/tcpdump.log" "listening on" 5 || vxs_die "tcpdump did not start"

ask() { nsx a dig +tries=1 +time=5 @10.99.6.2 "$1" A >"$T/dig.out" 2>&1; }
for i in $(seq 1 "$N_OK"); do ask ok.vxscope.lab; done
for i in $(seq 1 "$N_NX"); do ask "nope$i.vxscope.lab"; done
for i in $(seq 1 "$N_SF"); do ask "x$i.broken.lab"; done
grep -q "status: SERVFAIL" "$T/dig.out" || vxs_die "unbound did not answer SERVFAIL: $(cat "$T/dig.out")"
# Without EDNS a UDP answer holds 512 bytes: unbound sets TC and dig asks again over TCP.
for i in $(seq 1 "$N_TC"); do
	nsx a dig +tries=1 +time=5 +noedns @10.99.6.2 big.vxscope.lab TXT >"$T/dig.out" 2>&1
done
grep -q "Truncated, retrying in TCP mode" "$T/dig.out" ||
	vxs_die "dig did not retry over TCP: $(cat "$T/dig.out")"
grep -c '^big\.vxscope\.lab\..*TXT' "$T/dig.out" | grep -q '^6$' || vxs_die "the TCP answer lacks the 6 TXT records"

sleep 1
stop_pid "$DUMP" INT
"$BIN" analyze --app-records "$T/app.jsonl" --json -o "$T/report.json" "$T/cap.pcap" ||
	vxs_die "vxscope analyze exit $?"
cat >"$T/check.py" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rep = json.load(open(sys.argv[2]))
n_ok, n_nx, n_sf, n_tc = map(int, sys.argv[3:7])
dns = [r for r in recs if r["type"] == "dns" and r.get("outcome") == "answered"
       and not r["qname"].startswith("big.")]
ok = [r for r in dns if r["qname"] == "ok.vxscope.lab" and r["rcode"] == 0 and r["answers"] == 1]
nx = [r for r in dns if r["qname"].startswith("nope") and r["rcode_name"] == "NXDOMAIN"]
sf = [r for r in dns if r["qname"].endswith(".broken.lab") and r["rcode_name"] == "SERVFAIL"]
bad = []
if (len(ok), len(nx), len(sf), len(dns)) != (n_ok, n_nx, n_sf, n_ok + n_nx + n_sf):
    bad.append("answered queries: %d NOERROR, %d NXDOMAIN, %d SERVFAIL of %d (want %d, %d, %d)"
               % (len(ok), len(nx), len(sf), len(dns), n_ok, n_nx, n_sf))
kinds = {f["kind"]: f for f in rep["findings"]}
for k in ("app.dns_servfail", "app.dns_nxdomain"):
    if k not in kinds or "10.99.6.2" not in kinds[k]["where"] + kinds[k]["title"]:
        bad.append("finding %s naming 10.99.6.2: %s" % (k, kinds.get(k, {}).get("title")))
res = rep["application"]["dns"]["resolvers"]
udp = [r for r in res if r["proto"] == "udp"]
tcp = [r for r in res if r["proto"] == "tcp"]
got = (sum(r["truncated_responses"] for r in udp), sum(r["truncated_retried_tcp"] for r in udp),
       sum(r["queries"] for r in tcp))
if got != (n_tc, n_tc, n_tc):
    bad.append("truncated UDP answers %d, retried over TCP %d, TCP queries %d (want %d each)"
               % (got + (n_tc,)))
for b in bad:
    print(b)
print("DNS: %d NOERROR, %d NXDOMAIN, %d SERVFAIL, %d truncated and retried over TCP"
      % (len(ok), len(nx), len(sf), got[1]))
sys.exit(1 if bad else 0)
PY
python3 "$T/check.py" "$T/app.jsonl" "$T/report.json" "$N_OK" "$N_NX" "$N_SF" "$N_TC" ||
	vxs_die "vxscope's DNS records disagree with what the resolver answered"
vxs_log "ok"
