#!/usr/bin/env bash
# e2e: TLS, SIP and RTP between real peers in two network namespaces, captured with tcpdump
# and read by `vxscope analyze --app-records`; vxscope's counts are checked against what the
# peers did:
#   - TLS (openssl s_server / s_client, a self-signed certificate made here):
#       1. a TLS 1.3 handshake with SNI ok.vxscope.test: record with that SNI, version 0x0304,
#          outcome completed;
#       2. a TLS 1.2-only client against a TLS 1.3-only server: the server's fatal
#          protocol_version alert (70), outcome failed;
#       3. a TLS 1.2 client that requires verification against the self-signed server: the
#          client's fatal unknown_ca alert (48), outcome failed;
#     and the finding app.tls_handshake_failure.
#   - SIP (sipp, Debian sip-tester): N_OK calls answered by sipp's built-in UAS (INVITE, 100,
#     180, 200, ACK, BYE, 200) and N_FAIL calls to a UAS scenario that answers 503: vxscope's
#     SIP dialogs say N_OK answered with a setup time and N_FAIL failed with 503, and the
#     finding app.sip_call_failures names 503.
#   - RTP: a Python sender (real UDP sockets) sends PCMU packets every 20 ms on even ports and
#     skips SKIP sequence numbers: vxscope's stream has the packets sent, lost == SKIP.
#   - QoS classes from the application layer: every flow the SIP and RTP parsers took is class
#     voice in qos.classes -- the 503 UAS listens on 5063 (caller 5073), which no rule of the
#     default class map names, so only the SIP parser can make that flow voice.
# Exit 0 pass, 1 fail, 77 skip.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
need_root
need_cmd tcpdump openssl sipp python3 timeout ss
ROOT=${VXS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${VXS_BIN:-$ROOT/build/release/vxscope}
[ -x "$BIN" ] || vxs_die "no $BIN (build it first: make)"
T=$(vxs_tmpdir)
N_OK=5
N_FAIL=3
RTP_SENT=150
SKIP=3

netns_add a
netns_add b
veth_pair a eth0 b eth0
addr_add a eth0 10.99.7.1/24
addr_add b eth0 10.99.7.2/24

ns_spawn b "$T/tcpdump.log" tcpdump -i eth0 -U -n -w "$T/cap.pcap"
DUMP=$VXS_LAST_PID
wait_log "$T/tcpdump.log" "listening on" 5 || vxs_die "tcpdump did not start"

# ---- TLS -------------------------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
	-subj "/CN=ok.vxscope.test" >/dev/null 2>&1 || vxs_die "openssl req"
ns_spawn b "$T/s13.log" openssl s_server -accept 4433 -cert "$T/cert.pem" -key "$T/key.pem" \
	-tls1_3 -quiet
wait_port b 4433
ns_spawn b "$T/s12.log" openssl s_server -accept 4434 -cert "$T/cert.pem" -key "$T/key.pem" \
	-tls1_2 -quiet
wait_port b 4434
echo hello | nsx a timeout 10 openssl s_client -connect 10.99.7.2:4433 -servername ok.vxscope.test \
	-tls1_3 -ign_eof >"$T/c1.log" 2>&1
nsx a timeout 10 openssl s_client -connect 10.99.7.2:4433 -servername old.vxscope.test \
	-tls1_2 </dev/null >"$T/c2.log" 2>&1
nsx a timeout 10 openssl s_client -connect 10.99.7.2:4434 -servername ca.vxscope.test \
	-tls1_2 -verify_return_error </dev/null >"$T/c3.log" 2>&1

# ---- SIP -------------------------------------------------------------------------------
cat >"$T/uas503.xml" <<'XML'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="answer 503">
  <recv request="INVITE" crlf="true"/>
  <send>
    <![CDATA[
      SIP/2.0 503 Service Unavailable
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
  <recv request="ACK"/>
</scenario>
XML
cat >"$T/uac503.xml" <<'XML'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="call that gets 503">
  <send retrans="500">
    <![CDATA[
      INVITE sip:service@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: service <sip:service@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: sip:sipp@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="503"/>
  <send>
    <![CDATA[
      ACK sip:service@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: service <sip:service@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
</scenario>
XML
ns_spawn b "$T/uas.log" sipp -sn uas -i 10.99.7.2 -p 5060 -bg -nostdin
ns_spawn b "$T/uas503.log" sipp -sf "$T/uas503.xml" -i 10.99.7.2 -p 5063 -bg -nostdin
wait_port b 5060
wait_port b 5063
nsx a timeout 60 sipp -sn uac -i 10.99.7.1 -p 5070 -m "$N_OK" -r 5 -d 200 -nostdin \
	10.99.7.2:5060 >"$T/uac.log" 2>&1 || vxs_die "sipp uac: $(tail -3 "$T/uac.log")"
nsx a timeout 60 sipp -sf "$T/uac503.xml" -i 10.99.7.1 -p 5073 -m "$N_FAIL" -r 5 -nostdin \
	10.99.7.2:5063 >"$T/uac503.log" 2>&1 || vxs_die "sipp uac 503: $(tail -3 "$T/uac503.log")"

# ---- RTP -------------------------------------------------------------------------------
cat >"$T/rtp.py" <<'PY'
import socket, struct, sys, time
dst, sent_total, skip = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.99.7.1", 40000))
seq, ts, t0 = 1000, 5000, time.monotonic()
for i in range(sent_total + skip):
    if 50 <= i < 50 + skip:   # lost: the sequence number and timestamp go on
        seq += 1; ts += 160; continue
    pkt = struct.pack("!BBHII", 0x80, 0, seq & 0xffff, ts, 0x1234abcd) + b"\xff" * 160
    s.sendto(pkt, (dst, 40002))
    seq += 1; ts += 160
    delay = t0 + (i + 1) * 0.02 - time.monotonic()
    if delay > 0:
        time.sleep(delay)
PY
nsx a python3 "$T/rtp.py" 10.99.7.2 "$RTP_SENT" "$SKIP" || vxs_die "rtp sender"

sleep 1
stop_pid "$DUMP" INT
"$BIN" analyze --app-records "$T/app.jsonl" --json -o "$T/report.json" "$T/cap.pcap" ||
	vxs_die "vxscope analyze exit $?"

cat >"$T/check.py" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rep = json.load(open(sys.argv[2]))
n_ok, n_fail, rtp_sent, skip = map(int, sys.argv[3:7])
bad = []
tls = [r for r in recs if r["type"] == "tls"]
by_sni = {r.get("sni"): r for r in tls}
ok = by_sni.get("ok.vxscope.test")
if not ok or ok.get("version") != "0x0304" or ok["outcome"] != "completed":
    bad.append("TLS 1.3 handshake with SNI ok.vxscope.test: %s" % ok)
old = by_sni.get("old.vxscope.test")
if not old or old["outcome"] != "failed" or not any(
        a.get("description") == 70 and a["from"] == "server" for a in old["alerts"]):
    bad.append("TLS 1.2 client vs 1.3 server: want the server's protocol_version: %s" % old)
ca = by_sni.get("ca.vxscope.test")
if not ca or ca["outcome"] != "failed" or not any(
        a.get("description") == 48 and a["from"] == "client" for a in ca["alerts"]):
    bad.append("unknown CA: want the client's unknown_ca alert: %s" % ca)
sip = [r for r in recs if r["type"] == "sip" and r["method"] == "INVITE"]
answered = [r for r in sip if r["outcome"] == "answered" and "setup_time" in r]
failed = [r for r in sip if r["outcome"] == "failed" and r.get("final_status") == 503]
if len(answered) != n_ok or len(failed) != n_fail or len(sip) != n_ok + n_fail:
    bad.append("SIP calls: %d answered (want %d), %d failed with 503 (want %d), %d INVITE dialogs"
               % (len(answered), n_ok, len(failed), n_fail, len(sip)))
rtp = [r for r in recs if r["type"] == "rtp" and r["ssrc"] == "0x1234abcd"]
if len(rtp) != 1 or rtp[0]["packets"] != rtp_sent or rtp[0]["lost"] != skip:
    bad.append("RTP stream: %s (want %d packets, %d lost)" % (rtp, rtp_sent, skip))
elif not (0 <= rtp[0]["mean_jitter_ms"] < 10) or "mos" not in rtp[0]:
    bad.append("RTP jitter/MOS: %s" % rtp[0])
kinds = {f["kind"]: f for f in rep["findings"]}
if "app.tls_handshake_failure" not in kinds:
    bad.append("no app.tls_handshake_failure finding")
f = kinds.get("app.sip_call_failures")
if not f or "503" not in f["title"] or f["severity"] != "high":
    bad.append("app.sip_call_failures: %s" % (f and f["title"]))
cls = {c["class"]: c for c in rep["qos"]["classes"]}
app = rep["application"]
want_voice = app["sip"]["flows"] + app["rtp"]["flows"]
if want_voice != 3 or cls.get("voice", {}).get("flows") != want_voice:
    bad.append("voice class: %s flows, want the %d SIP/RTP flows (2 SIP, 1 RTP)"
               % (cls.get("voice", {}).get("flows"), want_voice))
if "app.rtp_quality" not in kinds:  # 3 of 153 lost = 2%: above the 1% threshold
    bad.append("no app.rtp_quality finding for 2% loss")
for b in bad:
    print(b)
print("TLS %d handshakes, SIP %d calls (%d answered, %d x 503), RTP %s packets lost %s"
      % (len(tls), len(sip), len(answered), len(failed),
         rtp[0]["packets"] if rtp else "-", rtp[0]["lost"] if rtp else "-"))
sys.exit(1 if bad else 0)
PY
python3 "$T/check.py" "$T/app.jsonl" "$T/report.json" "$N_OK" "$N_FAIL" "$RTP_SENT" "$SKIP" ||
	vxs_die "vxscope's application records disagree with what the peers did"
vxs_log "ok"
