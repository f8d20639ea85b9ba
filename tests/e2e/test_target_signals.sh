#!/usr/bin/env bash
# e2e: `vxscope target` stopped under load (docs/target.md, Signals).
#
# bench/vxlan_send replays the bench workload (gen_workload, 4 mirror sessions) at 50k packets/s
# over the namespace's loopback while the target analyses, archives, writes flow logs and
# records.
#   SIGTERM mid-stream: exit 0; the --stats counters satisfy the identity (received = processed
#     + refused + malformed + queue drops; processed = archived + archive_lost); every finished
#     archive file reads in tshark, no .part is left, the frames add up to `archived`; the live
#     flow records and findings equal `vxscope analyze` offline on the archive, every field (no
#     received packet is missing from a record); every packet processed is in a flow record;
#     the flow-log files are whole gzip files.
#   SIGKILL mid-stream (rotating every 1 MB, flows idle after 1 s): only finished pcapng files
#     and at most one .part per session remain; every finished file reads in capinfos and
#     tshark; the flow records written so far are there, every complete line of them JSON.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/target_lib.sh"
need_root
need_cmd ip tshark capinfos mergecap python3 gzip
target_need
[ -x "$SEND" ] || vxs_skip "no $SEND (make)"
GEN=${VXS_GEN:-$ROOT/build/release/tools/gen_workload}
[ -x "$GEN" ] || vxs_skip "no $GEN (make)"
T=$(vxs_tmpdir)
RATE=50000

netns_add tgt
"$GEN" -o "$T/w.pcap" -n 60000 --seed 3 2>/dev/null || vxs_die "gen_workload"

# sender_start SECONDS: the paced replay in the background; pid in SENDER_PID
sender_start()
{
	ns_spawn tgt "$T/send.json" "$SEND" -f "$T/w.pcap" -d 127.0.0.1:4789 -r "$RATE" -t "$1"
	SENDER_PID=$VXS_LAST_PID
}

# ---- SIGTERM under load ----
D="$T/term"
target_start tgt "$D" --listen 127.0.0.1 --flowlogs "$D/flowlogs"
sender_start 10
sleep 2.5
kill -0 "$SENDER_PID" 2>/dev/null || vxs_die "the sender stopped before SIGTERM: $(cat "$T/send.json")"
target_stop TERM 60 # still under load: the sender runs on
stop_pid "$SENDER_PID" TERM 5
vxs_log "sender: $(head -c 300 "$T/send.json")"
$TCHECK stats "$D/stats.json" --archive || vxs_die "identity after SIGTERM"
archived=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["archived"])' \
	"$D/stats.json")
[ "$archived" -gt $((RATE * 2)) ] || vxs_die "only $archived packets archived in 2.5 s at $RATE/s"
$TCHECK archive "$D/archive" --expect "$archived" --allow-part 0 >"$D/archive.check" ||
	vxs_die "archive after SIGTERM"
head -1 "$D/archive.check"
cat "$D"/records/flows-*.jsonl >"$D/live.flows.jsonl" || vxs_die "no flow records"
cat "$D"/records/findings-*.jsonl >"$D/live.findings.jsonl" || vxs_die "no findings records"
# shellcheck disable=SC2046
mergecap -w "$D/merged.pcapng" $(find "$D/archive" -name '*.pcapng' | sort) || vxs_die mergecap
target_offline "$D" "$D/merged.pcapng" archive
$TCHECK flows "$D/live.flows.jsonl" "$D/archive.flows.jsonl" --exact ||
	vxs_die "live flow records after SIGTERM != offline on the archive"
# shellcheck disable=SC2046 # target_anyid: no word or one
$TCHECK findings "$D/live.findings.jsonl" "$D/archive.json" --exact $(target_anyid) ||
	vxs_die "live findings after SIGTERM != offline on the archive"
python3 - "$D/live.flows.jsonl" "$D/stats.json" "$D/archive.json" <<'PY' || vxs_die "packets missing from the flow records"
import json, sys
pk = sum(f["orig"]["packets"] + f["resp"]["packets"] for f in map(json.loads, open(sys.argv[1])))
s = json.load(open(sys.argv[2]))
a = json.load(open(sys.argv[3]))
# frames the pipeline does not put in a flow (not IP, or dedup copies) as the offline run says
cap = a.get("capture", {})
print("flow records hold %d packets; %d processed; offline capture summary: %s" % (
    pk, s["processed"], json.dumps(cap)[:300]))
sys.exit(0 if pk == s["processed"] else 1)
PY
n=0
while IFS= read -r f; do
	gzip -t "$f" || vxs_die "flow log $f is not a whole gzip file"
	n=$((n + 1))
done < <(find "$D/flowlogs" -name '*.log.gz')
[ "$n" -gt 0 ] || vxs_die "no flow-log file after SIGTERM"
vxs_log "SIGTERM: $archived packets archived, records and $n flow-log files complete"

# ---- SIGKILL under load ----
D="$T/kill"
# short idle timeouts so flows end, and records are written and flushed, before the kill
target_start tgt "$D" --listen 127.0.0.1 --rotate-size 1 --idle 1 --tcp-idle 1
sender_start 10
sleep 4
target_stop KILL
stop_pid "$SENDER_PID" TERM 5
$TCHECK archive "$D/archive" --allow-part 1 >"$D/archive.check" || vxs_die "archive after SIGKILL"
head -1 "$D/archive.check"
files=$(find "$D/archive" -name '*.pcapng' | wc -l)
parts=$(find "$D/archive" -name '*.part' | wc -l)
[ "$files" -ge 2 ] || vxs_die "expected rotated files before SIGKILL, found $files"
python3 - "$D"/records/*.jsonl <<'PY' || vxs_die "a complete record line is not JSON"
import json, sys
n = 0
for p in sys.argv[1:]:
    data = open(p).read()
    for line in data.split("\n")[:-1]:  # the text after the last newline may be cut
        json.loads(line)
        n += 1
print("records: %d complete lines, all JSON" % n)
sys.exit(0 if n > 0 else 1)  # flows ended (1 s idle) and the file is flushed every second
PY
vxs_log "SIGKILL: $files finished files and $parts .part file(s) left, all finished ones readable"
echo "all checks passed"
