/* report_html.c - the report as one self-contained HTML page (HTML5; docs/html-report.md):
 * capture facts and what could not be read, the ranked findings with their evidence, the
 * charts (report_html_charts.c) and sortable tables.
 *
 * Nothing is fetched: CSS, SVG and the few lines of script are inline, and a
 * Content-Security-Policy (default-src 'none') stops the browser from loading anything even
 * if a text slipped through.  Every text that came from packets or files passes
 * report_html_escape().  No clock, locale or address order enters the page: the same
 * capture gives the same bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timefmt.h"
#include "decode/ipaddr.h"
#include "report/report_html_int.h"

#define TABLE_ROWS 500 /* rows per table; the JSON report lists all */

/* ---- escaping ------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (1..4), 0 if the bytes there are not one.  Stops at
 * the first byte that does not continue the sequence, so it never reads past a NUL. */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t n = c < 0xc2 ? 0 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf5 ? 4 : 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0) || /* overlong, surrogate */
	    (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))   /* overlong, > U+10FFFF */
		return 0;
	return n;
}

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

void html_escape_trunc(struct strbuf *b, const char *s, size_t max_chars)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t chars = 0;
	while (*p) {
		if (chars + 1 == max_chars) {
			/* room for one more: is it the last? */
			size_t n = utf8_seq(p);
			if (p[n ? n : 1]) {
				strbuf_adds(b, "\xe2\x80\xa6"); /* U+2026 ellipsis */
				return;
			}
		}
		size_t n = utf8_seq(p);
		chars++;
		if (n == 1) {
			unsigned char c = *p;
			switch (c) {
			case '&':
				strbuf_adds(b, "&amp;");
				break;
			case '<':
				strbuf_adds(b, "&lt;");
				break;
			case '>':
				strbuf_adds(b, "&gt;");
				break;
			case '"':
				strbuf_adds(b, "&quot;");
				break;
			case '\'':
				strbuf_adds(b, "&#39;");
				break;
			default:
				if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
					strbuf_adds(b, REPLACEMENT);
				else
					strbuf_addc(b, (char)c);
			}
			p++;
		} else if (n == 0 || (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)) { /* bad, or C1 */
			strbuf_adds(b, REPLACEMENT);
			p += n ? n : 1;
		} else {
			strbuf_add(b, (const char *)p, n);
			p += n;
		}
	}
}

void report_html_escape(struct strbuf *b, const char *s)
{
	html_escape_trunc(b, s, SIZE_MAX);
}

/* ---- small formats -------------------------------------------------------------------- */

void html_fmt_bytes(char *buf, size_t len, uint64_t v)
{
	double d = (double)v;
	if (v < 1000)
		snprintf(buf, len, "%llu B", (unsigned long long)v);
	else if (v < 1000000)
		snprintf(buf, len, "%.1f kB", d / 1e3);
	else if (v < 1000000000)
		snprintf(buf, len, "%.2f MB", d / 1e6);
	else
		snprintf(buf, len, "%.2f GB", d / 1e9);
}

static void fmt_duration(char *buf, size_t len, double s)
{
	if (s < 120)
		snprintf(buf, len, "%.3f s", s);
	else if (s < 7200)
		snprintf(buf, len, "%.1f min", s / 60);
	else if (s < 2 * 86400)
		snprintf(buf, len, "%.1f h", s / 3600);
	else
		snprintf(buf, len, "%.1f days", s / 86400);
}

/* "2026-11-25 22:38:16.903" (UTC, milliseconds) */
static void fmt_time(char *buf, size_t len, int64_t ns)
{
	char iso[TIMEFMT_ISO_LEN];
	timefmt_iso(ns, iso, sizeof(iso));
	if (strlen(iso) >= 23 && iso[10] == 'T')
		snprintf(buf, len, "%.10s %.12s", iso, iso + 11);
	else
		snprintf(buf, len, "%s", iso);
}

static void time_range(struct strbuf *b, int64_t a, int64_t z)
{
	char ta[40], tz[40], d[32], ia[TIMEFMT_ISO_LEN], iz[TIMEFMT_ISO_LEN];
	fmt_time(ta, sizeof(ta), a);
	fmt_time(tz, sizeof(tz), z);
	strbuf_addf(b, "<span title=\"%s\">%s</span>", timefmt_iso(a, ia, sizeof(ia)), ta);
	if (z > a) {
		fmt_duration(d, sizeof(d), (double)(z - a) / 1e9);
		/* the same day: the end shows its time only */
		strbuf_addf(b, " → <span title=\"%s\">%s</span> UTC <span "
			       "class=\"mut\">(%s)</span>",
			    timefmt_iso(z, iz, sizeof(iz)), strncmp(ta, tz, 10) ? tz : tz + 11, d);
	} else {
		strbuf_adds(b, " UTC");
	}
}

static void td_u64(struct strbuf *b, uint64_t v)
{
	strbuf_addf(b, "<td class=\"n\" data-v=\"%llu\">%llu</td>", (unsigned long long)v,
		    (unsigned long long)v);
}

static void td_bytes(struct strbuf *b, uint64_t v)
{
	char t[32];
	html_fmt_bytes(t, sizeof(t), v);
	strbuf_addf(b, "<td class=\"n\" data-v=\"%llu\">%s</td>", (unsigned long long)v, t);
}

static void td_ms(struct strbuf *b, bool known, double ms)
{
	if (known)
		strbuf_addf(b, "<td class=\"n\" data-v=\"%.3f\">%.*f</td>",
			    ms, ms < 10 ? 2 : 1, ms);
	else
		strbuf_adds(b, "<td class=\"n\" data-v=\"-1\">–</td>");
}

static void td_text(struct strbuf *b, const char *s, bool wide)
{
	strbuf_adds(b, wide ? "<td class=\"w\">" : "<td>");
	report_html_escape(b, s);
	strbuf_adds(b, "</td>");
}

/* A service's two halves: "10.0.3.2:8080/tcp" and its session "vxlan vni 42 from 10.0.1.5". */
static void service_halves(const struct service *s, char *srv, size_t slen, char *sess,
			   size_t sesslen)
{
	struct service bare = *s;
	bare.sess_kind = TUN_NONE;
	service_label(&bare, srv, slen);
	struct session x;
	memset(&x, 0, sizeof(x));
	x.kind = s->sess_kind;
	x.has_id = s->sess_has_id;
	x.id = s->sess_id;
	x.outer_src = s->sess_src;
	session_label(&x, sess, sesslen);
}

/* ---- the page around the content ------------------------------------------------------ */

static const char css[] =
	":root{--fg:#1f2328;--mut:#59636e;--line:#d1d9e0;--soft:#f6f8fa;--accent:#0b5cad;"
	"--critical:#a40e26;--high:#d9480f;--medium:#c98a00;--low:#2f6fbf;--info:#6e7781}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0;background:#fff;color:var(--fg);font:14px/1.5 system-ui,-apple-system,"
	"\"Segoe UI\",Roboto,\"Noto Sans\",\"DejaVu Sans\",sans-serif}\n"
	"main{max-width:1100px;margin:0 auto;padding:20px 28px 48px}\n"
	"h1{font-size:22px;margin:0}h1 small{font-weight:400;color:var(--mut);font-size:14px;"
	"margin-left:8px}\n"
	"h2{font-size:17px;margin:34px 0 12px;padding-bottom:6px;"
	"border-bottom:1px solid var(--line)}\n"
	"h3{font-size:15px;margin:0;line-height:1.35}\n"
	"a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}\n"
	"code{font:12.5px/1.4 ui-monospace,\"DejaVu Sans Mono\",Menlo,Consolas,monospace}\n"
	".mut{color:var(--mut)}.inputs{margin:2px 0 14px;color:var(--mut);word-break:break-all}"
	"p.inputs+details.inputs{margin-top:-12px}summary{cursor:pointer}\n"
	".tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(118px,1fr));gap:10px;"
	"margin:0 0 10px}\n"
	".tile{background:var(--soft);border:1px solid var(--line);border-radius:8px;"
	"padding:7px 12px}.tile b{display:block;font-size:20px;font-weight:600;line-height:1.25}"
	".tile span{color:var(--mut);font-size:12px}\n"
	".capline{margin:2px 0;color:var(--mut)}\n"
	".problems{border:1px solid #f1aeb5;border-left:5px solid var(--critical);"
	"background:#fff5f5;"
	"border-radius:8px;padding:9px 14px;margin:12px 0}.problems b{color:var(--critical)}"
	".problems ul{margin:4px 0 0;padding-left:20px}\n"
	".sevs{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:12px 0 0}\n"
	".badge{display:inline-block;border-radius:4px;padding:1px 8px;font-size:12px;"
	"font-weight:600;"
	"color:#fff;background:var(--s);text-transform:uppercase;letter-spacing:.02em;"
	"white-space:nowrap}\n"
	".sev-critical{--s:var(--critical)}.sev-high{--s:var(--high)}.sev-medium{--s:var(--medium)}"
	".sev-low{--s:var(--low)}.sev-info{--s:var(--info)}\n"
	"nav{position:sticky;top:0;z-index:2;background:rgba(255,255,255,.96);border-bottom:1px "
	"solid var(--line);margin:16px -28px 0;padding:8px 28px;display:flex;flex-wrap:wrap;"
	"gap:4px 18px;font-size:13px}\n"
	".finding{border:1px solid var(--line);border-left:5px solid var(--s);border-radius:8px;"
	"padding:12px 16px;margin:0 0 14px;scroll-margin-top:48px}\n"
	".finding:target{box-shadow:0 0 0 3px rgba(11,92,173,.3)}\n"
	".finding header{display:flex;gap:10px;align-items:baseline;margin:0 0 10px}"
	".finding .num{color:var(--mut);font-weight:600}"
	".finding .kind{margin-left:auto;color:var(--mut);font-size:12px;white-space:nowrap}\n"
	".finding dl{display:grid;grid-template-columns:92px 1fr;gap:6px 14px;margin:0}"
	".finding dt{color:var(--mut);font-size:12.5px;padding-top:1px}.finding dd{margin:0}\n"
	".facts{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:6px}"
	".facts li{background:var(--soft);border:1px solid var(--line);border-radius:5px;"
	"padding:0 8px;font-size:13px}.facts b{font-weight:600}\n"
	".filter{background:var(--soft);border:1px solid var(--line);border-radius:5px;"
	"padding:2px 8px;user-select:all;overflow-wrap:anywhere}\n"
	".wf{display:flex;gap:8px;align-items:flex-start}.wf code{flex:0 1 auto}"
	"button.copy{flex:none;font:12px system-ui,sans-serif;border:1px solid var(--line);"
	"background:#fff;border-radius:5px;padding:1px 8px;cursor:pointer}\n"
	"figure{margin:0 0 8px}figcaption{color:var(--mut);font-size:12.5px;margin:2px 0 0}\n"
	"svg.chart{display:block;width:100%;height:auto;font-size:12px;font-family:inherit}\n"
	"svg text{fill:var(--mut)}.axis line{stroke:#8c959f}.axis .grid{stroke:#eaeef2}"
	".unit{font-size:11.5px}.nodata{font-size:15px;font-style:italic}\n"
	".area{fill:var(--c);fill-opacity:.85;stroke:var(--c);stroke-width:.6}"
	".dupack.area{fill-opacity:.5}.bar,.sw{fill:var(--c);background:var(--c)}\n"
	".c-web{--c:#2f6fbf}.c-video{--c:#8e5cc4}.c-voice{--c:#2e9e5b}.c-database{--c:#9c6b3c}"
	".c-bulk{--c:#f08c2e}.c-interactive{--c:#1aa3a3}.c-other{--c:#9aa4ad}"
	".retrans{--c:#d6336c}.dupack{--c:#f2b01e}.rtt-srv,.up{--c:#2f6fbf}"
	".rtt-cli,.down{--c:#9ec5ee}\n"
	"svg .plabel{fill:var(--fg);font-size:12.5px;font-weight:600}"
	"svg .plabel .mut{fill:var(--mut);font-weight:400}\n"
	".tl-bg{fill:transparent}.tl-row:hover .tl-bg{fill:#eef3f8}svg .tl-label{fill:var(--fg);"
	"font-size:12.5px}.tl-sev,.tl-bar{fill:var(--s)}.tl-bar{fill-opacity:.85}"
	".tl-unknown{fill-opacity:.2;stroke:var(--s);stroke-dasharray:4 3}"
	".tl-frame{stroke:#1f2328;stroke-width:1.5}\n"
	".legend{list-style:none;display:flex;flex-wrap:wrap;gap:2px 18px;padding:0;"
	"margin:4px 0 2px 6.6%;font-size:13px}.sw{display:inline-block;width:11px;height:11px;"
	"border-radius:2px;margin-right:6px;vertical-align:-1px}\n"
	".scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:13px}\n"
	"th,td{padding:5px 7px;border-bottom:1px solid #eaeef2;text-align:left;vertical-align:top}"
	"th{background:var(--soft);font-weight:600;font-size:12.5px;line-height:1.3;"
	"vertical-align:bottom}td.w{min-width:9em}"
	".n{text-align:right;font-variant-numeric:tabular-nums}\n"
	"table.sortable th{cursor:pointer;user-select:none}table.sortable th::after{content:\"↕\";"
	"color:#b0b8c0;margin-left:4px;font-size:11px}th[aria-sort=ascending]::after{"
	"content:\"▲\";color:var(--fg)}th[aria-sort=descending]::after{content:\"▼\";"
	"color:var(--fg)}\ntr:target td{background:#fff8c5}tr{scroll-margin-top:48px}\n"
	"footer{margin-top:40px;border-top:1px solid var(--line);padding-top:10px;color:var(--mut);"
	"font-size:12px}\n";

/* Sortable tables (numbers by data-v, first click on a number column sorts largest first),
 * copy buttons; marks <html data-js="ready"> when done. */
static const char script[] =
	"(function(){'use strict';\n"
	"function val(td){var v=td.getAttribute('data-v');"
	"return v===null?td.textContent.trim().toLowerCase():parseFloat(v);}\n"
	"function sortBy(table,th,col){var cur=th.getAttribute('aria-sort');"
	"var asc=cur?cur==='descending':!th.classList.contains('n');"
	"Array.prototype.forEach.call(table.tHead.rows[0].cells,function(h){"
	"h.removeAttribute('aria-sort');});"
	"th.setAttribute('aria-sort',asc?'ascending':'descending');"
	"var body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows);"
	"rows.sort(function(a,b){var x=val(a.cells[col]),y=val(b.cells[col]);"
	"var c=typeof x==='number'?x-y:(x<y?-1:x>y?1:0);return asc?c:-c;});"
	"rows.forEach(function(r){body.appendChild(r);});}\n"
	"document.querySelectorAll('table.sortable').forEach(function(table){"
	"Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,col){th.tabIndex=0;"
	"th.addEventListener('click',function(){sortBy(table,th,col);});"
	"th.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){"
	"e.preventDefault();sortBy(table,th,col);}});});});\n"
	"function selectText(el){var r=document.createRange(),s=window.getSelection();"
	"r.selectNodeContents(el);s.removeAllRanges();s.addRange(r);}\n"
	"document.querySelectorAll('button.copy').forEach(function(btn){btn.hidden=false;"
	"btn.addEventListener('click',function(){var el=document.getElementById("
	"btn.getAttribute('data-for'));"
	"function said(t){btn.textContent=t;setTimeout(function(){btn.textContent='copy';},1500);}"
	"if(navigator.clipboard&&window.isSecureContext){navigator.clipboard.writeText("
	"el.textContent).then(function(){said('copied');},function(){selectText(el);"
	"said('press Ctrl+C');});}else{selectText(el);said('press Ctrl+C');}});});\n"
	"document.documentElement.setAttribute('data-js','ready');})();\n";

static void head(struct strbuf *b, const struct report *r)
{
	strbuf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		       "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
		       "<meta name=\"generator\" content=\"vxscope analyze (" REPORT_SCHEMA ")\">\n"
		       "<title>vxscope analyze");
	if (r->nfiles) {
		const char *f = r->files[0], *slash = strrchr(f, '/');
		strbuf_adds(b, ": ");
		report_html_escape(b, slash && slash[1] ? slash + 1 : f);
		if (r->nfiles > 1)
			strbuf_addf(b, " and %d more", r->nfiles - 1);
	}
	strbuf_addf(b, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n", css);
}

static void tile(struct strbuf *b, const char *value, const char *what)
{
	strbuf_addf(b, "<div class=\"tile\"><b>%s</b><span>%s</span></div>", value, what);
}

static void header(struct strbuf *b, const struct report *r)
{
	const struct decode_stats *ps = r->ps;
	char t[64];
	strbuf_adds(b, "<header id=\"capture\">\n<h1>vxscope analyze<small>" REPORT_SCHEMA
		       "</small></h1>\n<p class=\"inputs\">");
	/* a long list of files folds away after the first few */
	int shown = r->nfiles > 4 ? 3 : r->nfiles;
	for (int i = 0; i < r->nfiles; i++) {
		if (i == shown)
			strbuf_addf(b, "</p>\n<details class=\"inputs\"><summary>and %d more "
				       "files</summary>",
				    r->nfiles - shown);
		else if (i)
			strbuf_adds(b, " · ");
		report_html_escape(b, r->files[i]);
	}
	strbuf_adds(b, shown < r->nfiles ? "</details>\n" : "</p>\n");
	strbuf_adds(b, "<div class=\"tiles\">");
	snprintf(t, sizeof(t), "%llu", (unsigned long long)ps->frames);
	tile(b, t, "frames");
	html_fmt_bytes(t, sizeof(t), ps->wire_bytes);
	tile(b, t, "on the wire");
	fmt_duration(t, sizeof(t), ps->frames ? (double)(ps->last_ns - ps->first_ns) / 1e9 : 0);
	tile(b, t, "duration");
	snprintf(t, sizeof(t), "%u", r->sessions->n);
	tile(b, t, "mirror sessions");
	snprintf(t, sizeof(t), "%llu", (unsigned long long)r->fs->created);
	tile(b, t, "flows");
	snprintf(t, sizeof(t), "%llu", (unsigned long long)r->tcp_packets);
	tile(b, t, "TCP packets");
	snprintf(t, sizeof(t), "%zu", r->findings->n);
	tile(b, t, "findings");
	strbuf_adds(b, "</div>\n");
	if (ps->frames) {
		strbuf_adds(b, "<p class=\"capline\">");
		time_range(b, ps->first_ns, ps->last_ns);
		strbuf_adds(b, "</p>\n");
	}
	strbuf_addf(b, "<p class=\"capline\">%llu tunnelled (vxlan %llu, geneve %llu, gre %llu, "
		       "erspan %llu) · %llu truncated · %llu not IP · flows: tcp %llu, udp %llu, "
		       "other %llu, %llu evicted</p>\n",
		    (unsigned long long)ps->tunnelled, (unsigned long long)ps->by_tunnel[TUN_VXLAN],
		    (unsigned long long)ps->by_tunnel[TUN_GENEVE],
		    (unsigned long long)ps->by_tunnel[TUN_GRE],
		    (unsigned long long)ps->by_tunnel[TUN_ERSPAN],
		    (unsigned long long)ps->truncated, (unsigned long long)ps->non_ip,
		    (unsigned long long)r->flows_by_proto[0],
		    (unsigned long long)r->flows_by_proto[1],
		    (unsigned long long)r->flows_by_proto[2], (unsigned long long)r->fs->evicted);
	uint64_t anomalous = 0;
	for (int a = 0; a < ANOM_COUNT; a++)
		anomalous += ps->anomalies[a];
	if (r->nproblems || !ps->frames || anomalous) {
		strbuf_adds(b, "<div class=\"problems\" id=\"problems\"><b>What could not be read"
			       "</b><ul>");
		for (unsigned i = 0; i < r->nproblems; i++) {
			strbuf_adds(b, "<li>");
			report_html_escape(b, r->problems[i]);
			strbuf_adds(b, "</li>");
		}
		if (!ps->frames)
			strbuf_adds(b, "<li>no frames could be read: the report below is "
				       "empty</li>");
		if (anomalous)
			strbuf_addf(b, "<li>%llu decoder anomalies (malformed fields, cut headers "
				       "or payloads) - see <a href=\"#anomalies\">decoder "
				       "anomalies</a></li>",
				    (unsigned long long)anomalous);
		strbuf_adds(b, "</ul></div>\n");
	}
	const struct finding_list *fl = r->findings;
	size_t by_sev[SEV_CRITICAL + 1] = {0};
	for (size_t i = 0; i < fl->n; i++)
		if ((unsigned)fl->v[i].severity <= SEV_CRITICAL)
			by_sev[fl->v[i].severity]++;
	strbuf_adds(b, "<p class=\"sevs\">");
	if (!fl->n)
		strbuf_addf(b, "<span>%s</span>", ps->frames ? "Nothing wrong found in what was "
							       "readable."
							     : "Nothing could be read, so nothing "
							       "was analysed.");
	for (int s = SEV_CRITICAL; s >= SEV_INFO; s--)
		if (by_sev[s])
			strbuf_addf(b, "<a class=\"badge sev-%s\" href=\"#findings\">%zu %s</a>",
				    severity_name((enum severity)s), by_sev[s],
				    severity_name((enum severity)s));
	strbuf_adds(b, "</p>\n</header>\n<nav><a href=\"#timeline\">Timeline</a>"
		       "<a href=\"#findings\">Findings</a><a href=\"#throughput\">Throughput</a>"
		       "<a href=\"#tcp-trouble\">Retransmissions</a><a href=\"#rtt\">RTT</a>"
		       "<a href=\"#talkers\">Top talkers</a><a href=\"#sessions\">Sessions</a>"
		       "<a href=\"#services\">Services</a><a href=\"#tcp-flags\">TCP "
		       "flags</a></nav>\n");
}

/* ---- findings ------------------------------------------------------------------------- */

/* The services table row a finding is about: the first (most bytes) service whose label
 * starts its `where`; -1 if none. */
static long where_service(const struct finding *f, struct service *const *v, size_t n)
{
	for (size_t i = 0; i < n && i < TABLE_ROWS; i++) {
		char l[200];
		service_label(v[i], l, sizeof(l));
		size_t len = strlen(l);
		if (!strncmp(f->where, l, len) && (f->where[len] == 0 || f->where[len] == ' '))
			return (long)i;
	}
	return -1;
}

static const char *kind_chart(const struct finding *f, const char **name)
{
	if (strstr(f->kind, "rtt")) {
		*name = "RTT chart";
		return "rtt";
	}
	if (!strcmp(f->area, "tcp") || !strcmp(f->area, "mtu")) {
		*name = "retransmissions chart";
		return "tcp-trouble";
	}
	if (!strcmp(f->area, "mirror")) {
		*name = "mirror sessions";
		return "sessions";
	}
	if (!strcmp(f->area, "decode")) {
		*name = "decoder anomalies";
		return "anomalies";
	}
	*name = "throughput chart";
	return "throughput";
}

static void fact_html(struct strbuf *b, const struct finding_fact *x)
{
	double v = x->value;
	strbuf_adds(b, "<li>");
	report_html_escape(b, x->name);
	if (!strcmp(x->unit, "%"))
		strbuf_addf(b, " <b>%.1f%%</b>", v);
	else if (v == (double)(long long)v)
		strbuf_addf(b, " <b>%lld", (long long)v);
	else
		strbuf_addf(b, " <b>%.2f", v);
	if (strcmp(x->unit, "%")) {
		if (x->unit[0]) {
			strbuf_addc(b, ' ');
			report_html_escape(b, x->unit);
		}
		strbuf_adds(b, "</b>");
	}
	strbuf_adds(b, "</li>");
}

static void finding_html(struct strbuf *b, size_t n, const struct finding *f,
			 struct service *const *v, size_t nv)
{
	const char *sev = severity_name(f->severity);
	strbuf_addf(b, "<article class=\"finding sev-%s\" id=\"finding-%zu\">\n<header>"
		       "<span class=\"badge\">%s</span><span class=\"num\">%zu</span><h3>",
		    sev, n, sev, n);
	report_html_escape(b, f->title);
	strbuf_adds(b, "</h3><span class=\"kind\">");
	report_html_escape(b, f->kind);
	strbuf_adds(b, "</span></header>\n<dl>\n<dt>where</dt><dd>");
	report_html_escape(b, f->where);
	strbuf_adds(b, "</dd>\n");
	if (f->nfacts) {
		strbuf_adds(b, "<dt>evidence</dt><dd><ul class=\"facts\">");
		for (unsigned i = 0; i < f->nfacts; i++)
			fact_html(b, &f->facts[i]);
		strbuf_adds(b, "</ul></dd>\n");
	}
	if (f->first_ns || f->last_ns) {
		strbuf_adds(b, "<dt>when</dt><dd>");
		time_range(b, f->first_ns, f->last_ns);
		strbuf_adds(b, "</dd>\n");
	}
	if (f->nframes) {
		strbuf_adds(b, "<dt>first frames</dt><dd>");
		for (unsigned i = 0; i < f->nframes; i++)
			strbuf_addf(b, "%s%llu", i ? ", " : "", (unsigned long long)f->frames[i]);
		if (f->flows)
			strbuf_addf(b, " <span class=\"mut\">(%llu flows affected)</span>",
				    (unsigned long long)f->flows);
		strbuf_adds(b, "</dd>\n");
	}
	if (f->display_filter[0]) {
		strbuf_addf(b, "<dt>wireshark</dt><dd class=\"wf\"><code class=\"filter\" "
			       "id=\"filter-%zu\">",
			    n);
		report_html_escape(b, f->display_filter);
		strbuf_addf(b, "</code><button class=\"copy\" type=\"button\" "
			       "data-for=\"filter-%zu\" hidden>copy</button></dd>\n",
			    n);
	}
	strbuf_adds(b, "<dt>cause</dt><dd>");
	report_html_escape(b, f->cause);
	strbuf_adds(b, "</dd>\n<dt>action</dt><dd>");
	report_html_escape(b, f->action);
	strbuf_addf(b, "</dd>\n<dt>confidence</dt><dd><b>%s</b>", confidence_name(f->confidence));
	if (f->raise_confidence[0]) {
		strbuf_adds(b, " <span class=\"mut\">- to be surer:</span> ");
		report_html_escape(b, f->raise_confidence);
	}
	const char *cname, *chart = kind_chart(f, &cname);
	strbuf_addf(b, "</dd>\n<dt>see</dt><dd><a href=\"#tl-%zu\">timeline</a> · "
		       "<a href=\"#%s\">%s</a>",
		    n, chart, cname);
	long s = where_service(f, v, nv);
	if (s >= 0)
		strbuf_addf(b, " · <a href=\"#svc-%ld\">service row</a>", s + 1);
	strbuf_adds(b, "</dd>\n</dl>\n</article>\n");
}

/* ---- tables --------------------------------------------------------------------------- */

static void th_row(struct strbuf *b, const char *const *cols, size_t n)
{
	strbuf_adds(b, "<thead><tr>");
	for (size_t i = 0; i < n; i++)
		strbuf_addf(b, "<th%s>%s</th>", cols[i][0] == '#' ? " class=\"n\"" : "",
			    cols[i] + (cols[i][0] == '#'));
	strbuf_adds(b, "</tr></thead>\n<tbody>\n");
}

static void sessions_table(struct strbuf *b, const struct session_table *st)
{
	static const char *const cols[] = {
		"session",	     "#packets",	  "#wire bytes",	  "#inner bytes",
		"#cut by the mirror", "#cut by snap length", "#copies (other session)",
		"#largest inner IP",  "first seen"};
	strbuf_adds(b, "<section id=\"sessions\">\n<h2>Mirror sessions</h2>\n");
	if (!st->n) {
		strbuf_adds(b, "<p class=\"mut\">No frames, no sessions.</p>\n</section>\n");
		return;
	}
	strbuf_adds(b, "<div class=\"scroll\"><table class=\"sortable\">");
	th_row(b, cols, sizeof(cols) / sizeof(cols[0]));
	for (uint32_t i = 0; i < st->n && i < TABLE_ROWS; i++) {
		const struct session *s = &st->v[i];
		char l[160], t[40];
		session_label(s, l, sizeof(l));
		strbuf_adds(b, "<tr>");
		td_text(b, l, true);
		td_u64(b, s->packets);
		td_bytes(b, s->wire_bytes);
		td_bytes(b, s->inner_bytes);
		td_u64(b, s->truncated);
		td_u64(b, s->snap_cut);
		td_u64(b, s->duplicates);
		td_u64(b, s->max_inner_len);
		fmt_time(t, sizeof(t), s->first_ns);
		strbuf_addf(b, "<td data-v=\"%llu\">%s</td></tr>\n",
			    (unsigned long long)s->first_frame,
			    t);
	}
	strbuf_adds(b, "</tbody></table></div>\n<p class=\"mut\">A session is one tunnel source "
		       "and VNI (or GRE key, ERSPAN session).  Cut by mirror: the outer frame is "
		       "whole but the inner packet shorter than its IP length (the session's "
		       "packet length or the target's MTU).");
	if (st->n > TABLE_ROWS)
		strbuf_addf(b, " The first %d of %u sessions; <code>--json</code> lists all.",
			    TABLE_ROWS, st->n);
	strbuf_adds(b, "</p>\n</section>\n");
}

static void services_table(struct strbuf *b, struct service *const *v, size_t n)
{
	static const char *const cols[] = {
		"server",	     "session",		"#flows",
		"#established",	     "#SYN unanswered",	"#refused",
		"#bytes to server",    "#bytes from server", "#retrans. to server",
		"#retrans. from server", "#initial RTT ms",  "#ACK RTT p95 ms"};
	strbuf_adds(b, "<section id=\"services\">\n<h2>Services</h2>\n");
	if (!n) {
		strbuf_adds(b, "<p class=\"mut\">No flows.</p>\n</section>\n");
		return;
	}
	strbuf_adds(b, "<div class=\"scroll\"><table class=\"sortable\">");
	th_row(b, cols, sizeof(cols) / sizeof(cols[0]));
	for (size_t i = 0; i < n && i < TABLE_ROWS; i++) {
		const struct service *s = v[i];
		bool tcp = s->proto == IPPROTO_NUM_TCP;
		char srv[80], sess[160];
		service_halves(s, srv, sizeof(srv), sess, sizeof(sess));
		strbuf_addf(b, "<tr id=\"svc-%zu\">", i + 1);
		td_text(b, srv, false);
		td_text(b, sess, true);
		td_u64(b, s->flows);
		if (tcp) {
			td_u64(b, s->established);
			td_u64(b, s->s0);
			td_u64(b, s->rejected);
		} else {
			for (int k = 0; k < 3; k++)
				td_ms(b, false, 0);
		}
		td_bytes(b, s->bytes[0]);
		td_bytes(b, s->bytes[1]);
		if (tcp) {
			td_u64(b, s->retrans_segs[0]);
			td_u64(b, s->retrans_segs[1]);
		} else {
			td_ms(b, false, 0);
			td_ms(b, false, 0);
		}
		td_ms(b, tcp && s->irtt_n,
		      s->irtt_n ? (double)s->irtt_sum_ns / (double)s->irtt_n / 1e6 : 0);
		td_ms(b, tcp && s->rtt_n, (double)s->rtt_p95_max_ns / 1e6);
		strbuf_adds(b, "</tr>\n");
	}
	strbuf_adds(b, "</tbody></table></div>\n<p class=\"mut\">Per mirror session, server "
		       "address and port: bytes are IP lengths; retransmitted counts the segments "
		       "Wireshark flags; RTT p95 is the worst flow's.  Click a heading to sort.");
	if (n > TABLE_ROWS)
		strbuf_addf(b, " The %d largest of %zu services; <code>--json</code> lists all.",
			    TABLE_ROWS, n);
	strbuf_adds(b, "</p>\n</section>\n");
}

static void flags_table(struct strbuf *b, const struct report *r)
{
	strbuf_addf(b, "<section id=\"tcp-flags\">\n<h2>TCP analysis flags</h2>\n<p>%llu TCP "
		       "packets analysed with Wireshark's rules.</p>\n",
		    (unsigned long long)r->tcp_packets);
	static const char *const cols[] = {"Wireshark field", "#packets"};
	bool flagged = false;
	for (int i = 0; i < TA_COUNT; i++)
		flagged |= r->tcp_flags[i] != 0;
	if (flagged) {
		strbuf_adds(b, "<table class=\"sortable\">");
		th_row(b, cols, 2);
	}
	for (int i = 0; i < TA_COUNT; i++) {
		if (!r->tcp_flags[i])
			continue;
		strbuf_addf(b, "<tr><td><code>tcp.analysis.%s</code></td>",
			    tcp_aflag_name((enum tcp_aflag)i));
		td_u64(b, r->tcp_flags[i]);
		strbuf_adds(b, "</tr>\n");
	}
	strbuf_adds(b, flagged ? "</tbody></table>\n</section>\n"
			       : "<p class=\"mut\">No packet carries an analysis flag.</p>\n"
				 "</section>\n");
	const struct decode_stats *ps = r->ps;
	bool any = false;
	for (int a = 0; a < ANOM_COUNT; a++)
		any |= ps->anomalies[a] != 0;
	if (!any)
		return;
	static const char *const acols[] = {"anomaly", "#frames", "meaning"};
	strbuf_adds(b, "<section id=\"anomalies\">\n<h2>Decoder anomalies</h2>\n"
		       "<table class=\"sortable\">");
	th_row(b, acols, 3);
	for (int a = 0; a < ANOM_COUNT; a++) {
		if (!ps->anomalies[a])
			continue;
		strbuf_adds(b, "<tr>");
		td_text(b, anomaly_name((enum anomaly)a), false);
		td_u64(b, ps->anomalies[a]);
		td_text(b, anomaly_meaning((enum anomaly)a), false);
		strbuf_adds(b, "</tr>\n");
	}
	strbuf_adds(b, "</tbody></table>\n</section>\n");
}

/* ---- the report ----------------------------------------------------------------------- */

static int by_bytes(const void *a, const void *b)
{
	const struct service *x = *(struct service *const *)a, *y = *(struct service *const *)b;
	uint64_t bx = x->bytes[0] + x->bytes[1], by = y->bytes[0] + y->bytes[1];
	if (bx != by)
		return bx > by ? -1 : 1;
	return x < y ? -1 : x > y; /* one array: table order breaks ties */
}

static void time_domain(const struct report *r, const struct timeseries *ts,
			struct html_time *tm)
{
	memset(tm, 0, sizeof(*tm));
	if (ts && ts->started) {
		tm->valid = true;
		tm->start_ns = ts->t0_ns;
		tm->span_s = (double)ts->nbins * ((double)ts->width_ns / 1e9);
	} else if (r->ps->frames) {
		tm->valid = true;
		tm->start_ns = r->ps->first_ns;
		tm->span_s = (double)(r->ps->last_ns - r->ps->first_ns) / 1e9;
	}
	if (tm->valid && !(tm->span_s > 0.001))
		tm->span_s = 0.001;
}

static void section(struct strbuf *b, const char *id, const char *title)
{
	strbuf_addf(b, "<section id=\"%s\">\n<h2>%s</h2>\n", id, title);
}

void report_html(struct strbuf *b, const struct report *r, const struct timeseries *ts)
{
	struct html_time tm;
	time_domain(r, ts, &tm);
	size_t nv = service_table_count(r->services);
	struct service **v = nv ? malloc(nv * sizeof(*v)) : NULL;
	if (!v)
		nv = 0;
	for (size_t i = 0; i < nv; i++)
		v[i] = service_table_at(r->services, i);
	if (nv)
		qsort(v, nv, sizeof(*v), by_bytes);

	head(b, r);
	header(b, r);
	section(b, "timeline", "Timeline of findings");
	html_chart_timeline(b, r->findings, ts, &tm);
	strbuf_addf(b, "</section>\n");
	char h[64];
	snprintf(h, sizeof(h), "Findings (%zu)", r->findings->n);
	section(b, "findings", h);
	if (!r->findings->n)
		strbuf_addf(b, "<p>%s</p>\n", r->ps->frames ? "Nothing wrong found in what was "
							      "readable."
							    : "No frames could be read.");
	for (size_t i = 0; i < r->findings->n; i++) {
		finding_html(b, i + 1, &r->findings->v[i], v, nv);
		(void)strbuf_maybe_flush(b);
	}
	strbuf_adds(b, "</section>\n");
	section(b, "throughput", "Throughput per traffic class");
	html_chart_throughput(b, ts, &tm);
	strbuf_adds(b, "</section>\n");
	section(b, "tcp-trouble", "Retransmissions and duplicate ACKs");
	html_chart_tcp(b, ts, &tm);
	strbuf_adds(b, "</section>\n");
	section(b, "rtt", "ACK round-trip time per server");
	html_chart_rtt(b, ts);
	strbuf_adds(b, "</section>\n");
	section(b, "talkers", "Top talkers");
	html_chart_talkers(b, v, nv);
	strbuf_adds(b, "</section>\n");
	(void)strbuf_maybe_flush(b);
	report_qos_html(b, r);
	sessions_table(b, r->sessions);
	services_table(b, v, nv);
	flags_table(b, r);
	html_app_section(b, r);
	strbuf_addf(b, "<footer>vxscope analyze, report schema " REPORT_SCHEMA ".  Frame numbers "
		       "are 1-based as in Wireshark; times are UTC.  The same report as JSON: "
		       "<code>vxscope analyze --json</code>.</footer>\n</main>\n<script>\n%s"
		       "</script>\n</body>\n</html>\n",
		    script);
	free(v);
}
