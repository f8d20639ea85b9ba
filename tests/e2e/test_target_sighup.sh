#!/usr/bin/env bash
# e2e: SIGHUP re-reads `vxscope target --allow-file` without losing flows (docs/target.md).
#
# Two mirror sources (10.94.0.2, 10.94.0.3) each send 100 VXLAN datagrams of one inner TCP
# conversation; the allow file admits only .2.  After the file is changed to admit only .3 and
# the target gets SIGHUP, both send 100 more.  Then:
#   - refused{cidr} = 200 and processed = 200, exactly (the --stats file and /metrics);
#   - the log says what the new lists are; /healthz stays 200 across the reload;
#   - .2's flow holds exactly its 100 admitted packets and .3's its 100: the flow admitted
#     before the reload was kept whole, not lost or split by it.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/target_lib.sh"
need_root
need_cmd ip python3 curl
target_need
T=$(vxs_tmpdir)
HTTP=10.94.0.1:9182

netns_add tgt
for a in 10.94.0.1 10.94.0.2 10.94.0.3; do addr_add tgt lo $a/32; done
echo "cidr 10.94.0.2/32" >"$T/allow"

send() { # SEQ_START: 100 datagrams from each source, one inner TCP conversation per source
	nsx tgt python3 - "$1" <<'PY' || vxs_die "sender"
import socket, struct, sys, time
start = int(sys.argv[1])
def frame(seq, src_last):
    tcp = struct.pack(">HHIIBBHHH", 40000, 80, seq, 0, 5 << 4, 0x18, 65535, 0, 0) + b"x" * 10
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), seq & 0xFFFF, 0, 64, 6, 0,
                     bytes([10, 7, 0, src_last]), bytes([10, 7, 1, 1]))
    eth = b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00"
    vx = struct.pack(">B3s3sB", 8, b"\0\0\0", (77).to_bytes(3, "big"), 0)
    return vx + eth + ip + tcp
for last in (2, 3):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("10.94.0.%d" % last, 0))
    for i in range(100):
        s.sendto(frame(start + i * 10, last), ("10.94.0.1", 4789))
        if i % 50 == 49:
            time.sleep(0.01)
PY
}

target_start tgt "$T/t" --listen 10.94.0.1 --allow-file "$T/allow" --http "$HTTP" --idle 3600 \
	--tcp-idle 3600
send 1000
sleep 0.5
echo "cidr 10.94.0.3/32" >"$T/allow"
kill -HUP "$TARGET_PID"
wait_log "$T/t/target.log" 'SIGHUP: admission: .*10\.94\.0\.3' 5 ||
	{ cat "$T/t/target.log" >&2; vxs_die "no reload message after SIGHUP"; }
sleep 0.5 # the receiver takes the new lists at its next batch
code=$(nsx tgt curl -s -o /dev/null -w '%{http_code}' "http://$HTTP/healthz")
[ "$code" = 200 ] || vxs_die "/healthz answered $code after SIGHUP"
send 2000
sleep 0.5
nsx tgt $TCHECK metrics "http://$HTTP/metrics" --expect 'vxscope_refused_total{reason="cidr"}==200' \
	--expect vxscope_rx_datagrams_total==400 >/dev/null || vxs_die "/metrics after SIGHUP"
target_stop TERM
$TCHECK stats "$T/t/stats.json" --sent 400 --archive || vxs_die "identity"
python3 - "$T/t/stats.json" "$T"/t/records/flows-*.jsonl <<'PY' || vxs_die "flows across SIGHUP"
import json, sys
s = json.load(open(sys.argv[1]))
flows = [json.loads(l) for p in sys.argv[2:] for l in open(p) if l.strip()]
per_src = {}
for f in flows:
    src = f["session"]["outer_src"]
    per_src[src] = per_src.get(src, []) + [f["orig"]["packets"] + f["resp"]["packets"]]
print("refused_cidr %d, processed %d, flows per source %s" % (s["refused_cidr"], s["processed"],
                                                              per_src))
ok = s["refused_cidr"] == 200 and s["processed"] == 200 and \
    per_src == {"10.94.0.2": [100], "10.94.0.3": [100]}
sys.exit(0 if ok else 1)
PY
echo "all checks passed"
