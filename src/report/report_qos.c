/* report_qos.c - the QOS sections of the report: what limits each large TCP sender (policer,
 * shaper, receiver, sender, congestion) and traffic per class (docs/qos.md). */
#include <stdio.h>
#include <string.h>

#include "analyze/qos.h"
#include "base/jsonw.h"
#include "base/timefmt.h"
#include "decode/ipaddr.h"
#include "report/report.h"

#define QOS_TEXT_ROWS 10

static void endpoint(const struct ip_addr *a, uint16_t port, char *buf, size_t len)
{
	char s[IPADDR_STRLEN];
	ipaddr_format(a, s, sizeof(s));
	snprintf(buf, len, a->family == 6 ? "[%s]:%u" : "%s:%u", s, port);
}

static void dscp_list(uint64_t mask, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = 0;
	for (int d = 0; d < 64 && o + 12 < len; d++) {
		if (!(mask >> d & 1))
			continue;
		char n[16];
		dscp_name(d, n, sizeof(n));
		o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? "," : "", n);
	}
}

void report_qos_text(struct strbuf *b, const struct report *r)
{
	if (!r->qos)
		return;
	size_t n;
	const struct qos_rl_result *v = qos_results(r->qos, &n);
	if (n) {
		strbuf_adds(b, "RATE LIMITS (TCP senders with >= 256 KB acknowledged, largest first)\n");
		for (size_t i = 0; i < n && i < QOS_TEXT_ROWS; i++) {
			const struct rl_diag *g = &v[i].diag;
			char s[64], d[64];
			endpoint(&v[i].src, v[i].sport, s, sizeof(s));
			endpoint(&v[i].dst, v[i].dport, d, sizeof(d));
			strbuf_addf(b, "    %-16s %s -> %s (%s)\n", rl_verdict_name(g->verdict), s, d,
				    tclass_name(v[i].cls));
			strbuf_addf(b, "        %s%.2f Mbit/s mean, plateau %.0f%%, loss %.2f%%, RTT "
				       "%.1f -> %.1f ms\n",
				    g->rate_bps > 0 ? "" : "", g->mean_bps / 1e6, g->plateau_frac * 100,
				    g->loss * 100, g->base_rtt_ms, g->loaded_rtt_ms);
			if (g->rate_bps > 0)
				strbuf_addf(b, "        ceiling ~%.2f Mbit/s, added delay %.1f ms\n",
					    g->rate_bps / 1e6, g->added_ms > 0 ? g->added_ms : 0);
		}
		if (n > QOS_TEXT_ROWS)
			strbuf_addf(b, "    ... and %zu more (--json lists all)\n", n - QOS_TEXT_ROWS);
		strbuf_addc(b, '\n');
	}
	bool any = false;
	for (int c = 0; c < TC_COUNT; c++)
		any |= qos_class(r->qos, (enum tclass)c)->packets > 0;
	if (!any)
		return;
	strbuf_adds(b, "TRAFFIC CLASSES\n");
	for (int c = 0; c < TC_COUNT; c++) {
		const struct qos_class_stats *cs = qos_class(r->qos, (enum tclass)c);
		if (!cs->packets)
			continue;
		char dl[128];
		dscp_list(cs->dscp_mask, dl, sizeof(dl));
		strbuf_addf(b, "    %-12s %6llu flows %9.3f MB  DSCP %s", tclass_name((enum tclass)c),
			    (unsigned long long)cs->flows, (double)cs->bytes / 1e6, dl);
		if (cs->tcp_segs)
			strbuf_addf(b, "  loss %.2f%%",
				    100.0 * (double)cs->tcp_rtx / (double)cs->tcp_segs);
		if (cs->jitter_flows)
			strbuf_addf(b, "  jitter %.2f ms",
				    cs->jitter_sum_ms / (double)cs->jitter_flows);
		if (cs->rtp_streams)
			strbuf_addf(b, "  RTP delay %.2f ms",
				    cs->rtp_delay_sum_ms / (double)cs->rtp_streams);
		if (cs->ce)
			strbuf_addf(b, "  CE %llu", (unsigned long long)cs->ce);
		strbuf_addc(b, '\n');
	}
	strbuf_addc(b, '\n');
}

#define MTU_JSON_PATHS 64

/* The MTU_JSON_PATHS paths with the most packets (paths with fragments or ICMP first). */
static void mtu_json(struct jsonw *w, const struct mtu_table *t)
{
	uint32_t idx[MTU_PATHS];
	for (uint32_t i = 0; i < t->n; i++)
		idx[i] = i;
	for (uint32_t i = 1; i < t->n; i++) { /* insertion sort: at most MTU_PATHS */
		uint32_t k = idx[i], j = i;
		const struct mtu_path *a = &t->v[k];
		uint64_t ka = a->packets + (a->fragments || a->icmp_too_big ? UINT32_MAX : 0);
		while (j > 0) {
			const struct mtu_path *b = &t->v[idx[j - 1]];
			uint64_t kb = b->packets + (b->fragments || b->icmp_too_big ? UINT32_MAX : 0);
			if (kb >= ka)
				break;
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = k;
	}
	char a[IPADDR_STRLEN];
	jsonw_key(w, "mtu_paths");
	jsonw_arr_begin(w);
	for (uint32_t i = 0; i < t->n && i < MTU_JSON_PATHS; i++) {
		const struct mtu_path *m = &t->v[idx[i]];
		jsonw_obj_begin(w);
		jsonw_kstr(w, "src", ipaddr_format(&m->src, a, sizeof(a)));
		jsonw_kstr(w, "dst", ipaddr_format(&m->dst, a, sizeof(a)));
		jsonw_ku64(w, "flows", m->flows);
		jsonw_ku64(w, "packets", m->packets);
		jsonw_ku64(w, "max_ip_len", m->max_ip_len);
		jsonw_ku64(w, "max_segment", m->max_segment);
		jsonw_ki64(w, "mss_sender", m->mss_sender);
		jsonw_ki64(w, "mss_receiver", m->mss_receiver);
		jsonw_ku64(w, "df_packets", m->df_packets);
		jsonw_ku64(w, "fragments", m->fragments);
		jsonw_ku64(w, "icmp_too_big", m->icmp_too_big);
		if (m->icmp_too_big) {
			jsonw_ku64(w, "icmp_mtu", m->icmp_mtu);
			jsonw_ku64(w, "icmp_first_frame", m->icmp_first_frame);
		}
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	jsonw_ku64(w, "mtu_paths_total", t->n);
	jsonw_ku64(w, "mtu_paths_dropped", t->dropped);
}

/* Rate limits shared by several flows: the aggregates with a verdict, each once. */
static void agg_json(struct jsonw *w, const struct qos *q)
{
	const struct agg_diag *d;
	const struct agg_table *t = qos_aggregates(q, &d);
	char name[160], ts[TIMEFMT_ISO_LEN];
	jsonw_key(w, "aggregate_limits");
	jsonw_arr_begin(w);
	for (unsigned i = 0; i < t->n; i++) {
		const struct agg *a = t->a[i];
		const struct agg_diag *g = &d[i];
		if (g->verdict == RL_NONE || g->duplicate)
			continue;
		jsonw_obj_begin(w);
		jsonw_kstr(w, "group", agg_group_name(a->group));
		qos_agg_name(a, name, sizeof(name));
		jsonw_kstr(w, "key", name);
		jsonw_kstr(w, "direction", a->to_server ? "to_server" : "from_server");
		jsonw_kstr(w, "verdict", rl_verdict_name(g->verdict));
		jsonw_kfixed(w, "rate_mbps", g->rate_bps / 1e6, 3);
		jsonw_kfixed(w, "mean_mbps", g->mean_bps / 1e6, 3);
		jsonw_kfixed(w, "plateau_fraction", g->plateau_frac, 3);
		jsonw_kfixed(w, "base_rtt_ms", a->base_rtt_ms, 3);
		jsonw_kfixed(w, "added_delay_ms", g->added_ms, 3);
		jsonw_kfixed(w, "peak_queue_ms", g->queue_ms, 3);
		jsonw_kfixed(w, "loss", g->loss, 5);
		jsonw_ku64(w, "loss_intervals", g->loss_bins);
		jsonw_ku64(w, "busy_intervals", g->busy_bins);
		jsonw_kfixed(w, "interval_s", g->width_s, 3);
		jsonw_ku64(w, "flows_total", a->nmember);
		jsonw_key(w, "flows");
		jsonw_arr_begin(w);
		for (unsigned k = 0; k < a->nmember && k < AGG_MEMBERS; k++)
			jsonw_u64(w, a->member[k]);
		jsonw_arr_end(w);
		jsonw_kstr(w, "first", timefmt_iso(a->first_ns, ts, sizeof(ts)));
		jsonw_kstr(w, "last", timefmt_iso(a->last_ns, ts, sizeof(ts)));
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	jsonw_ku64(w, "aggregates_dropped", t->dropped);
}

void report_qos_json(struct jsonw *w, const struct report *r)
{
	if (!r->qos)
		return;
	size_t n;
	const struct qos_rl_result *v = qos_results(r->qos, &n);
	char t[TIMEFMT_ISO_LEN], a[IPADDR_STRLEN];
	jsonw_key(w, "qos");
	jsonw_obj_begin(w);
	jsonw_key(w, "rate_limits");
	jsonw_arr_begin(w);
	for (size_t i = 0; i < n; i++) {
		const struct qos_rl_result *x = &v[i];
		const struct rl_diag *g = &x->diag;
		jsonw_obj_begin(w);
		jsonw_ku64(w, "flow", x->flow_id);
		if (x->sess_has_id)
			jsonw_ku64(w, "vni", x->sess_id);
		jsonw_kstr(w, "src", ipaddr_format(&x->src, a, sizeof(a)));
		jsonw_ku64(w, "sport", x->sport);
		jsonw_kstr(w, "dst", ipaddr_format(&x->dst, a, sizeof(a)));
		jsonw_ku64(w, "dport", x->dport);
		jsonw_kbool(w, "from_server", x->from_server);
		jsonw_kstr(w, "class", tclass_name(x->cls));
		jsonw_kstr(w, "verdict", rl_verdict_name(g->verdict));
		jsonw_kfixed(w, "rate_mbps", g->rate_bps / 1e6, 3);
		jsonw_kfixed(w, "mean_mbps", g->mean_bps / 1e6, 3);
		jsonw_kfixed(w, "p50_mbps", g->p50_bps / 1e6, 3);
		jsonw_kfixed(w, "p90_mbps", g->p90_bps / 1e6, 3);
		jsonw_kfixed(w, "plateau_fraction", g->plateau_frac, 3);
		jsonw_kfixed(w, "base_rtt_ms", g->base_rtt_ms, 3);
		jsonw_kfixed(w, "loaded_rtt_ms", g->loaded_rtt_ms, 3);
		jsonw_kfixed(w, "peak_rtt_ms", g->peak_rtt_ms, 3);
		jsonw_kfixed(w, "added_delay_ms", g->added_ms > 0 ? g->added_ms : 0, 3);
		jsonw_kfixed(w, "loss", g->loss, 5);
		jsonw_kfixed(w, "steady_loss", g->steady_loss, 5);
		jsonw_ku64(w, "loss_intervals", g->loss_bins);
		jsonw_kfixed(w, "burst_bytes", g->burst_bytes, 0);
		jsonw_ku64(w, "bytes", x->bytes);
		jsonw_ku64(w, "segments", x->segs);
		jsonw_ku64(w, "resent_segments", x->rtx_segs);
		jsonw_ku64(w, "zero_windows", x->zero_win);
		jsonw_ku64(w, "window_full", x->win_full);
		jsonw_ku64(w, "intervals", g->bins);
		jsonw_ku64(w, "busy_intervals", g->busy_bins);
		jsonw_ku64(w, "idle_intervals", g->idle_bins);
		jsonw_ku64(w, "rwnd_intervals", g->rwnd_bins);
		jsonw_kfixed(w, "interval_s", g->width_s, 3);
		jsonw_kstr(w, "first", timefmt_iso(x->first_ns, t, sizeof(t)));
		jsonw_kstr(w, "last", timefmt_iso(x->last_ns, t, sizeof(t)));
		jsonw_key(w, "series_mbps");
		jsonw_arr_begin(w);
		for (unsigned k = 0; k < x->nseries; k++)
			jsonw_fixed(w, x->series_mbps[k], 3);
		jsonw_arr_end(w);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	jsonw_ku64(w, "rate_limits_dropped", qos_results_dropped(r->qos));
	agg_json(w, r->qos);
	double width;
	unsigned nb;
	int64_t t0;
	qos_series(r->qos, &width, &nb, &t0);
	jsonw_key(w, "classes");
	jsonw_arr_begin(w);
	for (int c = 0; c < TC_COUNT; c++) {
		const struct qos_class_stats *cs = qos_class(r->qos, (enum tclass)c);
		if (!cs->packets)
			continue;
		jsonw_obj_begin(w);
		jsonw_kstr(w, "class", tclass_name((enum tclass)c));
		jsonw_ku64(w, "flows", cs->flows);
		jsonw_ku64(w, "packets", cs->packets);
		jsonw_ku64(w, "bytes", cs->bytes);
		jsonw_ku64(w, "max_ip_len", cs->max_ip_len);
		jsonw_key(w, "ip_len_histogram");
		jsonw_arr_begin(w);
		for (int k = 0; k < QOS_SIZE_BUCKETS; k++)
			jsonw_u64(w, cs->size_hist[k]);
		jsonw_arr_end(w);
		jsonw_key(w, "dscp");
		jsonw_arr_begin(w);
		for (int d = 0; d < 64; d++)
			if (cs->dscp_mask >> d & 1)
				jsonw_u64(w, (uint64_t)d);
		jsonw_arr_end(w);
		jsonw_ku64(w, "ecn_capable", cs->ect);
		jsonw_ku64(w, "ecn_ce", cs->ce);
		jsonw_ku64(w, "tcp_segments", cs->tcp_segs);
		jsonw_ku64(w, "tcp_resent", cs->tcp_rtx);
		if (cs->rtt_flows)
			jsonw_kfixed(w, "rtt_min_mean_ms", cs->rtt_sum_ms / (double)cs->rtt_flows, 3);
		jsonw_kfixed(w, "rtt_loaded_max_ms", cs->rtt_max_ms, 3);
		if (cs->jitter_flows) {
			jsonw_kfixed(w, "jitter_mean_ms",
				     cs->jitter_sum_ms / (double)cs->jitter_flows, 3);
			jsonw_kfixed(w, "jitter_max_ms", cs->jitter_max_ms, 3);
		}
		if (cs->rtp_streams) {
			jsonw_ku64(w, "rtp_streams", cs->rtp_streams);
			jsonw_kfixed(w, "rtp_delay_mean_ms",
				     cs->rtp_delay_sum_ms / (double)cs->rtp_streams, 3);
			jsonw_kfixed(w, "rtp_delay_max_ms", cs->rtp_delay_max_ms, 3);
			jsonw_kfixed(w, "rtp_delay_peak_ms", cs->rtp_delay_peak_ms, 3);
			jsonw_kfixed(w, "rtp_delay_p95_ms", cs->rtp_delay_p95_ms, 3);
		}
		jsonw_kfixed(w, "interval_s", width, 3);
		jsonw_key(w, "mbps");
		jsonw_arr_begin(w);
		for (unsigned k = 0; k < nb; k++)
			jsonw_fixed(w, (double)cs->bins[k] * 8 / width / 1e6, 3);
		jsonw_arr_end(w);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	mtu_json(w, qos_mtu(r->qos));
	jsonw_obj_end(w);
}

void report_qos_html(struct strbuf *b, const struct report *r)
{
	if (!r->qos)
		return;
	size_t n;
	const struct qos_rl_result *v = qos_results(r->qos, &n);
	strbuf_adds(b, "<section id=\"qos\">\n<h2>Rate limits and traffic classes</h2>\n");
	if (n) {
		strbuf_adds(b, "<div class=\"scroll\"><table class=\"sortable\"><thead><tr>"
			       "<th>sender</th><th>receiver</th><th>class</th><th>verdict</th>"
			       "<th class=\"n\">ceiling Mbit/s</th><th class=\"n\">mean Mbit/s</th>"
			       "<th class=\"n\">loss %</th><th class=\"n\">base RTT ms</th>"
			       "<th class=\"n\">added delay ms</th></tr></thead>\n<tbody>\n");
		for (size_t i = 0; i < n && i < 100; i++) {
			const struct rl_diag *g = &v[i].diag;
			char s[64], d[64];
			endpoint(&v[i].src, v[i].sport, s, sizeof(s));
			endpoint(&v[i].dst, v[i].dport, d, sizeof(d));
			strbuf_adds(b, "<tr><td>");
			report_html_escape(b, s);
			strbuf_adds(b, "</td><td>");
			report_html_escape(b, d);
			strbuf_addf(b, "</td><td>%s</td><td>%s</td><td class=\"n\">%.2f</td>"
				       "<td class=\"n\">%.2f</td><td class=\"n\">%.2f</td>"
				       "<td class=\"n\">%.1f</td><td class=\"n\">%.1f</td></tr>\n",
				    tclass_name(v[i].cls), rl_verdict_name(g->verdict),
				    g->rate_bps / 1e6, g->mean_bps / 1e6, g->loss * 100,
				    g->base_rtt_ms, g->added_ms > 0 ? g->added_ms : 0);
		}
		strbuf_adds(b, "</tbody></table></div>\n");
	}
	strbuf_adds(b, "<p class=\"mut\">How each verdict is decided: docs/qos.md.</p>\n"
		       "</section>\n");
}
