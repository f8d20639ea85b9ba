/* report_text.c - the terminal report: one-screen summary, findings, then sections. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timefmt.h"
#include "decode/ipaddr.h"
#include "report/report.h"

#define WIDTH 80

static void wrap(struct strbuf *b, const char *text, int col, int indent)
{
	strbuf_wrap(b, text, col, indent, WIDTH);
}

static void labelled(struct strbuf *b, const char *label, const char *text)
{
	char lead[32];
	int n = snprintf(lead, sizeof(lead), "    %-12s", label);
	strbuf_adds(b, lead);
	wrap(b, text, n, 16);
}

static void fmt_fact(char *buf, size_t len, const struct finding_fact *f)
{
	double v = f->value;
	if (v == (double)(long long)v && !strcmp(f->unit, ""))
		snprintf(buf, len, "%s %lld", f->name, (long long)v);
	else if (!strcmp(f->unit, "%"))
		snprintf(buf, len, "%s %.1f%%", f->name, v);
	else if (v == (double)(long long)v)
		snprintf(buf, len, "%s %lld %s", f->name, (long long)v, f->unit);
	else
		snprintf(buf, len, "%s %.2f %s", f->name, v, f->unit);
}

static const char *sev_color(enum severity s, bool color)
{
	if (!color)
		return "";
	switch (s) {
	case SEV_CRITICAL:
	case SEV_HIGH:
		return "\033[1;31m";
	case SEV_MEDIUM:
		return "\033[1;33m";
	default:
		return "\033[1m";
	}
}

static void finding_text(struct strbuf *b, unsigned n, const struct finding *f, bool color)
{
	char lead[64], sev[16];
	snprintf(sev, sizeof(sev), "%s", severity_name(f->severity));
	for (char *c = sev; *c; c++)
		*c = (char)(*c - 32 * (*c >= 'a' && *c <= 'z'));
	int col = snprintf(lead, sizeof(lead), "%2u. %s[%s]%s ", n, sev_color(f->severity, color),
			   sev, color ? "\033[0m" : "");
	strbuf_adds(b, lead);
	if (color)
		col -= (int)strlen(sev_color(f->severity, color)) + 4;
	wrap(b, f->title, col, 4);
	labelled(b, "where:", f->where);
	char ev[1024] = "";
	size_t used = 0;
	for (unsigned i = 0; i < f->nfacts; i++) {
		char one[128];
		fmt_fact(one, sizeof(one), &f->facts[i]);
		used += (size_t)snprintf(ev + used, sizeof(ev) - used, "%s%s", i ? "; " : "", one);
		if (used >= sizeof(ev))
			break;
	}
	if (f->nfacts)
		labelled(b, "evidence:", ev);
	if (f->last_ns > f->first_ns) {
		char a[TIMEFMT_ISO_LEN], z[TIMEFMT_ISO_LEN], t[128];
		snprintf(t, sizeof(t), "%s to %s", timefmt_iso(f->first_ns, a, sizeof(a)),
			 timefmt_iso(f->last_ns, z, sizeof(z)));
		labelled(b, "when:", t);
	}
	if (f->nframes) {
		char fr[160];
		size_t u = 0;
		for (unsigned i = 0; i < f->nframes && u < sizeof(fr); i++)
			u += (size_t)snprintf(fr + u, sizeof(fr) - u, "%s%llu", i ? ", " : "",
					      (unsigned long long)f->frames[i]);
		labelled(b, "frames:", fr);
	}
	if (f->display_filter[0])
		labelled(b, "wireshark:", f->display_filter);
	labelled(b, "cause:", f->cause);
	labelled(b, "action:", f->action);
	char conf[256];
	snprintf(conf, sizeof(conf), "%s%s%s", confidence_name(f->confidence),
		 f->raise_confidence[0] ? " - to be surer: " : "", f->raise_confidence);
	labelled(b, "confidence:", conf);
	strbuf_addc(b, '\n');
}

static void heading(struct strbuf *b, const char *h, bool color)
{
	strbuf_addf(b, "%s%s%s\n", color ? "\033[1m" : "", h, color ? "\033[0m" : "");
}

static int by_bytes(const void *a, const void *b)
{
	const struct service *x = *(struct service *const *)a, *y = *(struct service *const *)b;
	uint64_t bx = x->bytes[0] + x->bytes[1], by = y->bytes[0] + y->bytes[1];
	return bx > by ? -1 : bx < by;
}

static int by_rtt(const void *a, const void *b)
{
	const struct service *x = *(struct service *const *)a, *y = *(struct service *const *)b;
	return x->rtt_p95_max_ns > y->rtt_p95_max_ns ? -1 : x->rtt_p95_max_ns < y->rtt_p95_max_ns;
}

void report_text(struct strbuf *b, const struct report *r, bool color)
{
	const struct decode_stats *ps = r->ps;
	char a[TIMEFMT_ISO_LEN], z[TIMEFMT_ISO_LEN];
	strbuf_adds(b, "vxscope analyze:");
	for (int i = 0; i < r->nfiles; i++)
		strbuf_addf(b, " %s", r->files[i]);
	strbuf_addc(b, '\n');
	if (ps->frames)
		strbuf_addf(b, "capture    %llu frames, %.1f MB on the wire, %.3f s\n"
			       "           %s to %s\n",
			    (unsigned long long)ps->frames, (double)ps->wire_bytes / 1e6,
			    (double)(ps->last_ns - ps->first_ns) / 1e9,
			    timefmt_iso(ps->first_ns, a, sizeof(a)), timefmt_iso(ps->last_ns, z, sizeof(z)));
	else
		strbuf_adds(b, "capture    no frames could be read\n");
	char tl[256];
	snprintf(tl, sizeof(tl), "%llu tunnelled (vxlan %llu, geneve %llu, gre %llu, erspan %llu), "
		       "%llu truncated, %llu not IP",
		    (unsigned long long)ps->tunnelled, (unsigned long long)ps->by_tunnel[TUN_VXLAN],
		    (unsigned long long)ps->by_tunnel[TUN_GENEVE],
		    (unsigned long long)ps->by_tunnel[TUN_GRE], (unsigned long long)ps->by_tunnel[TUN_ERSPAN],
		    (unsigned long long)ps->truncated, (unsigned long long)ps->non_ip);
	strbuf_adds(b, "           ");
	wrap(b, tl, 11, 11);
	for (unsigned i = 0; i < r->nproblems; i++) {
		strbuf_adds(b, "unreadable ");
		wrap(b, r->problems[i], 11, 11);
	}
	for (uint32_t i = 0; i < r->sessions->n && i < 8; i++) {
		const struct session *s = &r->sessions->v[i];
		char l[160], line[400];
		session_label(s, l, sizeof(l));
		int n = snprintf(line, sizeof(line), "%s: %llu packets", l,
				 (unsigned long long)s->packets);
		if (s->truncated)
			n += snprintf(line + n, sizeof(line) - (size_t)n, ", %llu truncated by the mirror",
				      (unsigned long long)s->truncated);
		if (s->snap_cut)
			n += snprintf(line + n, sizeof(line) - (size_t)n, ", %llu cut by the snap length",
				      (unsigned long long)s->snap_cut);
		if (s->duplicates)
			snprintf(line + n, sizeof(line) - (size_t)n, ", %llu copies of packets seen in "
				 "another session", (unsigned long long)s->duplicates);
		strbuf_adds(b, i ? "           " : "sessions   ");
		wrap(b, line, 11, 11);
	}
	if (r->sessions->n > 8)
		strbuf_addf(b, "           ... and %u more sessions (--json lists all)\n",
			    r->sessions->n - 8);
	strbuf_addf(b, "flows      %llu (tcp %llu, udp %llu, other %llu), %llu evicted\n\n",
		    (unsigned long long)r->fs->created, (unsigned long long)r->flows_by_proto[0],
		    (unsigned long long)r->flows_by_proto[1], (unsigned long long)r->flows_by_proto[2],
		    (unsigned long long)r->fs->evicted);

	const struct finding_list *fl = r->findings;
	char h[64];
	snprintf(h, sizeof(h), "FINDINGS (%zu)", fl->n);
	heading(b, h, color);
	if (!fl->n)
		strbuf_adds(b, "    nothing wrong found in what was readable\n");
	strbuf_addc(b, '\n');
	for (size_t i = 0; i < fl->n; i++)
		finding_text(b, (unsigned)(i + 1), &fl->v[i], color);

	if (r->app)
		app_report_text(r->app, b);
	report_qos_text(b, r);
	heading(b, "TCP HEALTH (Wireshark's analysis flags, packets)", color);
	strbuf_addf(b, "    %-28s %10llu\n", "tcp packets", (unsigned long long)r->tcp_packets);
	for (int i = 0; i < TA_COUNT; i++)
		if (r->tcp_flags[i])
			strbuf_addf(b, "    %-28s %10llu\n", tcp_aflag_name((enum tcp_aflag)i),
				    (unsigned long long)r->tcp_flags[i]);
	strbuf_addc(b, '\n');

	size_t n = service_table_count(r->services);
	struct service **v = n ? malloc(n * sizeof(*v)) : NULL;
	if (v) {
		for (size_t i = 0; i < n; i++)
			v[i] = service_table_at(r->services, i);
		qsort(v, n, sizeof(*v), by_bytes);
		heading(b, "TOP TALKERS (services by bytes)", color);
		for (size_t i = 0; i < n && i < 5; i++) {
			char l[200];
			service_label(v[i], l, sizeof(l));
			char lead[48];
			int w = snprintf(lead, sizeof(lead), "  %9.3f MB %5llu flows ",
					 (double)(v[i]->bytes[0] + v[i]->bytes[1]) / 1e6,
					 (unsigned long long)v[i]->flows);
			strbuf_adds(b, lead);
			wrap(b, l, w, w);
		}
		strbuf_addc(b, '\n');
		qsort(v, n, sizeof(*v), by_rtt);
		if (n && v[0]->rtt_p95_max_ns > 0) {
			heading(b, "SLOWEST SERVICES (ACK RTT p95, worst flow)", color);
			for (size_t i = 0; i < n && i < 5 && v[i]->rtt_p95_max_ns > 0; i++) {
				char l[200];
				service_label(v[i], l, sizeof(l));
				char lead[32];
				int w = snprintf(lead, sizeof(lead), "  %9.1f ms ",
						 (double)v[i]->rtt_p95_max_ns / 1e6);
				strbuf_adds(b, lead);
				wrap(b, l, w, w);
			}
			strbuf_addc(b, '\n');
		}
		free(v);
	}
}
