#!/usr/bin/env bash
# e2e: `vxscope analyze --html` opened in headless Chromium (Debian's `chromium`), for the seed
# example, a damaged capture and a capture with no packets.  For each report:
#   - vxscope exits as documented (0, or 2 when an input is damaged) and writes the page anyway;
#   - the HTML itself asks for nothing outside the file: no src/srcset/poster attribute, no
#     link/img/iframe/object/embed/base tag, every href a '#' anchor, no url() or @import in
#     the CSS, and a Content-Security-Policy of default-src 'none';
#   - in Chromium (names resolve nowhere, a fresh profile): no console message at all (an
#     error, a CSP violation and console.log would all show), the page's script ran, every
#     chart is an <svg> whose data marks have a non-empty drawn extent (for the seed: all five
#     charts; for the damaged and empty ones: marks, or a "no data" text), the services table
#     sorts both ways by a number column and by a text column when its headings are clicked,
#     and Chromium's network log holds no request made by the page;
#   - the page says what could not be read (the reader's problem text);
#   - a 1200x1600 screenshot is written to the test's temp folder (path printed; kept with
#     VXS_KEEP_TMP=1); VXS_UPDATE_DOCS=1 copies the seed's to docs/report-example.png.
# Exit 0 pass, 1 fail, 77 skip (no chromium).
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
need_cmd chromium python3 timeout
ROOT=${VXS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${VXS_BIN:-$ROOT/build/release/vxscope}
CAPTURES=${VXS_CAPTURES:-$ROOT/../shared/captures}
T=$(vxs_tmpdir)
[ -x "$BIN" ] || vxs_die "no $BIN (build it first: make)"
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
DAMAGED=$CAPTURES/suricata/bug-1450-04.pcap
[ -r "$DAMAGED" ] || vxs_skip "needs $DAMAGED"

# chrome NAME ARGS...: headless Chromium with its own fresh profile, no network names.
chrome()
{
	local prof="$T/profile-$1"
	shift
	rm -rf "$prof"
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-extensions --disable-default-apps --mute-audio --hide-scrollbars \
		--host-resolver-rules="MAP * ~NOTFOUND" --user-data-dir="$prof" "$@"
}

# The static scan of one page: prints what is wrong, exits 1 if anything.
cat >"$T/scan.py" <<'EOF'
import html.parser, re, sys
page = open(sys.argv[1], encoding="utf-8").read()
bad = []
class Scan(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tag = None
        self.csp = False
    def handle_starttag(self, tag, attrs):
        self.tag = tag
        a = dict(attrs)
        if tag in ("link", "img", "iframe", "object", "embed", "base", "frame", "audio",
                   "video", "source", "track", "image", "use", "input", "form", "portal"):
            bad.append("tag <%s>" % tag)
        for k, v in attrs:
            if k in ("src", "srcset", "poster", "action", "formaction", "background", "data",
                     "xlink:href", "ping", "manifest"):
                bad.append("attribute %s=%r on <%s>" % (k, v, tag))
            if k == "href" and not (v or "").startswith("#"):
                bad.append("link out of the page: <%s href=%r>" % (tag, v))
            if k == "style" and re.search(r"url\(|@import", v or "", re.I):
                bad.append("style loads: %r" % v)
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "refresh":
            bad.append("meta refresh")
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy":
            self.csp = "default-src 'none'" in (a.get("content") or "")
    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
    def handle_data(self, data):
        if self.tag == "style" and re.search(r"url\(|@import", data, re.I):
            bad.append("CSS loads something")
s = Scan()
s.feed(page)
if not s.csp:
    bad.append("no Content-Security-Policy default-src 'none'")
if not page.startswith("<!DOCTYPE html>") or not page.rstrip().endswith("</html>"):
    bad.append("not a whole HTML document")
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
EOF

# Page-made requests in a Chromium network log (the browser's own update pings are not the
# page's: they have no file:// network isolation key).
cat >"$T/netlog.py" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
types = {v: k for k, v in d["constants"]["logEventTypes"].items()}
n = 0
for e in d.get("events", []):
    p = e.get("params") or {}
    if types.get(e["type"]) != "URL_REQUEST_START_JOB":
        continue
    nik = str(p.get("network_isolation_key", ""))
    if "file://" in nik or p.get("initiator") not in (None, "not an origin"):
        print("page request:", p.get("method"), p.get("url"), nik)
        n += 1
sys.exit(1 if n else 0)
EOF

# Appended to a copy of the report: runs after the page's own script, checks the drawn DOM
# and the table sorting, and leaves its findings in <pre id="vxs-check"> for --dump-dom.
cat >"$T/check.js" <<'EOF'
<script>
(function () {
  var out = [];
  out.push('js ' + (document.documentElement.getAttribute('data-js') || 'missing'));
  var copies = document.querySelectorAll('button.copy').length;
  var shown = document.querySelectorAll('button.copy:not([hidden])').length;
  out.push('copy ' + shown + '/' + copies);
  document.querySelectorAll('svg.chart').forEach(function (svg) {
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity, drawn = 0;
    var marks = svg.querySelectorAll('.mark');
    marks.forEach(function (m) {
      var b = m.getBBox();
      if (b.width <= 0 && b.height <= 0) return;
      drawn++;
      x0 = Math.min(x0, b.x); y0 = Math.min(y0, b.y);
      x1 = Math.max(x1, b.x + b.width); y1 = Math.max(y1, b.y + b.height);
    });
    var r = svg.getBoundingClientRect();
    out.push('chart ' + svg.getAttribute('data-chart') + ' marks=' + marks.length +
      ' drawn=' + drawn + ' nodata=' + svg.querySelectorAll('.nodata').length +
      ' box=' + Math.round(r.width) + 'x' + Math.round(r.height) +
      ' extent=' + (drawn ? Math.round(x1 - x0) + 'x' + Math.round(y1 - y0) : '0x0'));
  });
  var t = document.querySelector('#services table.sortable');
  if (!t) { out.push('sort none'); } else {
    var ths = t.tHead.rows[0].cells, col = -1;
    for (var i = 0; i < ths.length; i++)
      if (ths[i].textContent.indexOf('bytes to server') >= 0) col = i;
    var num = function () { return Array.prototype.map.call(t.tBodies[0].rows,
      function (r) { return parseFloat(r.cells[col].getAttribute('data-v')); }); };
    var txt = function () { return Array.prototype.map.call(t.tBodies[0].rows,
      function (r) { return r.cells[0].textContent.trim().toLowerCase(); }); };
    var ordered = function (a, dir) {
      for (var i = 1; i < a.length; i++)
        if (dir > 0 ? a[i - 1] > a[i] : a[i - 1] < a[i]) return false;
      return true; };
    ths[col].click();
    var d = num(), okd = ordered(d, -1) && ths[col].getAttribute('aria-sort') === 'descending';
    ths[col].click();
    var a = num(), oka = ordered(a, 1) && ths[col].getAttribute('aria-sort') === 'ascending';
    ths[0].click();
    var s = txt(), oks = ordered(s, 1);
    var distinct = d.filter(function (v, i) { return d.indexOf(v) === i; }).length;
    out.push('sort rows=' + d.length + ' distinct=' + distinct + ' ' +
      (okd && oka && oks ? 'ok' : 'bad ' + JSON.stringify([d, a, s])));
  }
  var pre = document.createElement('pre');
  pre.id = 'vxs-check';
  pre.textContent = out.join('\n');
  document.body.appendChild(pre);
})();
</script>
EOF

# check NAME CAPTURE WANT_RC STRICT PROBLEM-TEXT...: analyse, scan, open, check.
fails=0
bad() { vxs_log "FAIL [$1]: $2"; fails=$((fails + 1)); }
check()
{
	local name=$1 cap=$2 want_rc=$3 strict=$4 html="$T/$1.html" rc
	shift 4
	# from the top folder, so the seed's page names examples/seed-504.pcapng as a user would
	(cd "$ROOT" && "$BIN" analyze --html "$html" "$cap") >"$T/$name.txt" 2>"$T/$name.err"
	rc=$?
	[ "$rc" -eq "$want_rc" ] || bad "$name" "vxscope analyze exited $rc, want $want_rc"
	[ -s "$html" ] || { bad "$name" "no HTML written"; return; }

	python3 "$T/scan.py" "$html" >"$T/$name.scan" ||
		bad "$name" "static scan: $(cat "$T/$name.scan")"
	local p
	for p in "$@"; do
		grep -qF -- "$p" "$html" || bad "$name" "the page does not say '$p'"
	done

	cp "$html" "$T/$name-check.html"
	cat "$T/check.js" >>"$T/$name-check.html"
	chrome "$name" --enable-logging=stderr --v=0 --log-net-log="$T/$name-net.json" \
		--window-size=1200,1600 --dump-dom "file://$T/$name-check.html" \
		>"$T/$name.dom" 2>"$T/$name.chrome.log" || bad "$name" "chromium --dump-dom failed"
	if grep -q 'CONSOLE' "$T/$name.chrome.log"; then
		bad "$name" "console messages: $(grep 'CONSOLE' "$T/$name.chrome.log" | head -5)"
	fi
	[ -s "$T/$name-net.json" ] || bad "$name" "no network log"
	python3 "$T/netlog.py" "$T/$name-net.json" >"$T/$name.net" ||
		bad "$name" "the page made requests: $(head -5 "$T/$name.net")"

	python3 -c '
import html, re, sys
m = re.search(r"<pre id=\"vxs-check\">(.*?)</pre>", open(sys.argv[1]).read(), re.S)
print(html.unescape(m.group(1)) if m else "no check output")' "$T/$name.dom" >"$T/$name.check"
	sed "s/^/    $name: /" "$T/$name.check"
	grep -qx 'js ready' "$T/$name.check" || bad "$name" "the page's script did not finish"
	grep -Eq '^copy ([0-9]+)/\1$' "$T/$name.check" || bad "$name" "copy buttons not shown"
	local c line
	for c in timeline throughput tcp rtt talkers; do
		line=$(grep "^chart $c " "$T/$name.check")
		[ -n "$line" ] || { bad "$name" "no $c chart"; continue; }
		case $line in
		*" box=0x"* | *" box="*"x0 "*) bad "$name" "$c chart has no size: $line" ;;
		esac
		if [ "$strict" = 1 ]; then
			# drawn marks spanning more than a dot, and no "no data" text
			echo "$line" | grep -Eq \
				'drawn=[1-9][0-9]* nodata=0 .* extent=([3-9]|[1-9][0-9]+)x[1-9]' ||
				bad "$name" "$c chart not drawn: $line"
		else
			echo "$line" | grep -Eq 'drawn=[1-9]|nodata=[1-9]' ||
				bad "$name" "$c chart is empty and does not say so: $line"
		fi
	done
	if [ "$strict" = 1 ]; then
		grep -Eq '^sort rows=([2-9]|[1-9][0-9]+) distinct=([2-9]|[1-9][0-9]+) ok$' \
			"$T/$name.check" ||
			bad "$name" "services table does not sort: $(grep '^sort' "$T/$name.check")"
	else
		grep -Eq '^sort (none|rows=[0-9]+ distinct=[0-9]+ ok)$' "$T/$name.check" ||
			bad "$name" "services table does not sort: $(grep '^sort' "$T/$name.check")"
	fi

	chrome "$name-shot" --window-size=1200,1600 --screenshot="$T/$name.png" "file://$html" \
		>/dev/null 2>&1 || bad "$name" "chromium --screenshot failed"
	local magic
	magic=$(head -c 8 "$T/$name.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')
	if [ "$magic" != 89504e470d0a1a0a ]; then
		bad "$name" "no PNG screenshot"
	else
		echo "screenshot: $T/$name.png ($(wc -c <"$T/$name.png") bytes;" \
			"VXS_KEEP_TMP=1 keeps it)"
	fi
}

check seed examples/seed-504.pcapng 0 1 'Path MTU black hole'
# a blank 1200x1600 page is a few kB: the seed's must show a drawn page
[ "$(wc -c <"$T/seed.png" 2>/dev/null || echo 0)" -gt 60000 ] || bad seed "screenshot looks blank"

check damaged "$DAMAGED" 2 0 'What could not be read' 'damaged capture: pcap record at offset 5035'

# a pcap with a header and no packet, and a file with no bytes
python3 -c 'import struct, sys; open(sys.argv[1], "wb").write(struct.pack("<IHHiIII",
	0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))' "$T/nopackets.pcap"
check nopackets "$T/nopackets.pcap" 0 0 'no frames could be read'
: >"$T/zero.pcap"
check zero "$T/zero.pcap" 2 0 'What could not be read' 'not a pcap or pcapng file'

if [ "${VXS_UPDATE_DOCS:-0}" = 1 ] && [ -s "$T/seed.png" ]; then
	cp "$T/seed.png" "$ROOT/docs/report-example.png" && echo "updated docs/report-example.png"
fi
[ "$fails" -eq 0 ] || vxs_die "$fails checks failed"
echo "PASS: HTML reports render in Chromium, self-contained, every chart drawn"
