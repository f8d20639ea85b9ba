/* report_json.c - the report as one JSON document (schema vxscope.analyze/1,
 * docs/report-schema.md). */
#include <stdio.h>
#include <string.h>

#include "base/timefmt.h"
#include "decode/ipaddr.h"
#include "mirror/aws_config.h"
#include "base/jsonw.h"
#include "report/report.h"

static void kts(struct jsonw *w, const char *key, int64_t ns)
{
	char t[TIMEFMT_ISO_LEN];
	jsonw_kstr(w, key, timefmt_iso(ns, t, sizeof(t)));
}

void report_finding_json(struct jsonw *w, const struct finding *f)
{
	jsonw_obj_begin(w);
	jsonw_kstr(w, "severity", severity_name(f->severity));
	jsonw_kstr(w, "area", f->area);
	jsonw_kstr(w, "kind", f->kind);
	jsonw_kstr(w, "title", f->title);
	jsonw_kstr(w, "where", f->where);
	jsonw_key(w, "evidence");
	jsonw_obj_begin(w);
	jsonw_key(w, "facts");
	jsonw_arr_begin(w);
	for (unsigned i = 0; i < f->nfacts; i++) {
		jsonw_obj_begin(w);
		jsonw_kstr(w, "name", f->facts[i].name);
		jsonw_kfixed(w, "value", f->facts[i].value, 3);
		jsonw_kstr(w, "unit", f->facts[i].unit);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	jsonw_key(w, "frames");
	jsonw_arr_begin(w);
	for (unsigned i = 0; i < f->nframes; i++)
		jsonw_u64(w, f->frames[i]);
	jsonw_arr_end(w);
	jsonw_kstr(w, "display_filter", f->display_filter);
	if (f->last_ns || f->first_ns) {
		kts(w, "first", f->first_ns);
		kts(w, "last", f->last_ns);
	}
	jsonw_ku64(w, "flows", f->flows);
	jsonw_obj_end(w);
	jsonw_kstr(w, "cause", f->cause);
	jsonw_kstr(w, "action", f->action);
	jsonw_kstr(w, "confidence", confidence_name(f->confidence));
	jsonw_kstr(w, "raise_confidence", f->raise_confidence);
	jsonw_kfixed(w, "impact", f->impact, 3);
	jsonw_obj_end(w);
}

static void service_json(struct jsonw *w, const struct service *s)
{
	char a[IPADDR_STRLEN], l[200];
	jsonw_obj_begin(w);
	service_label(s, l, sizeof(l));
	jsonw_kstr(w, "label", l);
	jsonw_kstr(w, "addr", ipaddr_format(&s->addr, a, sizeof(a)));
	jsonw_ku64(w, "port", s->port);
	jsonw_ku64(w, "ip_proto", s->proto);
	if (s->sess_has_id)
		jsonw_ku64(w, "vni", s->sess_id);
	jsonw_ku64(w, "flows", s->flows);
	jsonw_ku64(w, "bytes_to_server", s->bytes[0]);
	jsonw_ku64(w, "bytes_from_server", s->bytes[1]);
	if (s->proto == IPPROTO_NUM_TCP) {
		jsonw_ku64(w, "established", s->established);
		jsonw_ku64(w, "unanswered_syn", s->s0);
		jsonw_ku64(w, "refused", s->rejected);
		jsonw_ku64(w, "retrans_segments_to_server", s->retrans_segs[0]);
		jsonw_ku64(w, "retrans_segments_from_server", s->retrans_segs[1]);
		jsonw_ku64(w, "resent_segments_to_server", s->resent_segs[0]);
		jsonw_ku64(w, "resent_segments_from_server", s->resent_segs[1]);
		jsonw_ku64(w, "data_segments_to_server", s->data_segs[0]);
		jsonw_ku64(w, "data_segments_from_server", s->data_segs[1]);
		if (s->irtt_n)
			jsonw_kfixed(w, "irtt_mean_ms", (double)s->irtt_sum_ns / (double)s->irtt_n / 1e6, 3);
		if (s->rtt_n)
			jsonw_kfixed(w, "ack_rtt_p95_max_ms", (double)s->rtt_p95_max_ns / 1e6, 3);
	}
	jsonw_obj_end(w);
}

void report_json(struct strbuf *b, const struct report *r)
{
	struct jsonw w;
	jsonw_init(&w, b);
	const struct decode_stats *ps = r->ps;
	jsonw_obj_begin(&w);
	jsonw_kstr(&w, "schema", REPORT_SCHEMA);
	jsonw_key(&w, "inputs");
	jsonw_arr_begin(&w);
	for (int i = 0; i < r->nfiles; i++)
		jsonw_str(&w, r->files[i]);
	jsonw_arr_end(&w);
	jsonw_key(&w, "problems");
	jsonw_arr_begin(&w);
	for (unsigned i = 0; i < r->nproblems; i++)
		jsonw_str(&w, r->problems[i]);
	jsonw_arr_end(&w);

	jsonw_key(&w, "capture");
	jsonw_obj_begin(&w);
	jsonw_ku64(&w, "frames", ps->frames);
	jsonw_ku64(&w, "wire_bytes", ps->wire_bytes);
	if (ps->frames) {
		kts(&w, "first", ps->first_ns);
		kts(&w, "last", ps->last_ns);
		jsonw_kfixed(&w, "duration", (double)(ps->last_ns - ps->first_ns) / 1e9, 6);
	}
	jsonw_ku64(&w, "ip_packets", ps->ip_packets);
	jsonw_ku64(&w, "non_ip", ps->non_ip);
	jsonw_ku64(&w, "tunnelled", ps->tunnelled);
	jsonw_ku64(&w, "truncated", ps->truncated);
	jsonw_key(&w, "anomalies");
	jsonw_obj_begin(&w);
	for (int a = 0; a < ANOM_COUNT; a++)
		if (ps->anomalies[a])
			jsonw_ku64(&w, anomaly_name((enum anomaly)a), ps->anomalies[a]);
	jsonw_obj_end(&w);
	jsonw_obj_end(&w);

	jsonw_key(&w, "sessions");
	jsonw_arr_begin(&w);
	for (uint32_t i = 0; i < r->sessions->n; i++) {
		const struct session *s = &r->sessions->v[i];
		char l[160], a[IPADDR_STRLEN];
		session_label(s, l, sizeof(l));
		static const char *const kinds[] = {"none", "vxlan", "geneve", "gre", "erspan", "ipip"};
		jsonw_obj_begin(&w);
		jsonw_kstr(&w, "label", l);
		jsonw_kstr(&w, "tunnel", (unsigned)s->kind < 6 ? kinds[s->kind] : "unknown");
		if (s->has_id)
			jsonw_ku64(&w, "vni", s->id);
		if (s->kind != TUN_NONE) {
			jsonw_kstr(&w, "outer_src", ipaddr_format(&s->outer_src, a, sizeof(a)));
			jsonw_kstr(&w, "outer_dst", ipaddr_format(&s->outer_dst, a, sizeof(a)));
		}
		jsonw_kbool(&w, "gwlb", s->gwlb);
		if (s->aws) {
			jsonw_kstr(&w, "aws_session", s->aws->id);
			jsonw_kstr(&w, "eni", s->aws->eni_id);
		}
		jsonw_ku64(&w, "packets", s->packets);
		jsonw_ku64(&w, "wire_bytes", s->wire_bytes);
		jsonw_ku64(&w, "inner_bytes", s->inner_bytes);
		jsonw_ku64(&w, "truncated", s->truncated);
		jsonw_ku64(&w, "truncated_bytes_lost", s->truncated_bytes_lost);
		jsonw_ku64(&w, "duplicates", s->duplicates);
		jsonw_ku64(&w, "snap_cut", s->snap_cut);
		jsonw_ku64(&w, "max_inner_ip_len", s->max_inner_len);
		jsonw_obj_end(&w);
	}
	jsonw_arr_end(&w);

	jsonw_key(&w, "flows");
	jsonw_obj_begin(&w);
	jsonw_ku64(&w, "total", r->fs->created);
	jsonw_ku64(&w, "tcp", r->flows_by_proto[0]);
	jsonw_ku64(&w, "udp", r->flows_by_proto[1]);
	jsonw_ku64(&w, "other", r->flows_by_proto[2]);
	jsonw_ku64(&w, "evicted", r->fs->evicted);
	jsonw_ku64(&w, "peak_live", r->fs->peak);
	jsonw_obj_end(&w);

	jsonw_key(&w, "tcp");
	jsonw_obj_begin(&w);
	jsonw_ku64(&w, "packets", r->tcp_packets);
	jsonw_key(&w, "flags");
	jsonw_obj_begin(&w);
	for (int i = 0; i < TA_COUNT; i++)
		jsonw_ku64(&w, tcp_aflag_name((enum tcp_aflag)i), r->tcp_flags[i]);
	jsonw_obj_end(&w);
	jsonw_obj_end(&w);

	jsonw_key(&w, "findings");
	jsonw_arr_begin(&w);
	for (size_t i = 0; i < r->findings->n; i++)
		report_finding_json(&w, &r->findings->v[i]);
	jsonw_arr_end(&w);

	if (r->app) {
		jsonw_key(&w, "application");
		app_report_json(r->app, &w);
	}
	report_qos_json(&w, r);
	jsonw_key(&w, "services");
	jsonw_arr_begin(&w);
	for (size_t i = 0; i < service_table_count(r->services); i++)
		service_json(&w, service_table_at(r->services, i));
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	strbuf_addc(b, '\n');
}
