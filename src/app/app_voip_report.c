/* app_voip_report.c - the TLS, VoIP (SIP and RTP) and nDPI application parts of the analyze
 * report: JSON objects {"tls","sip","rtp","classification"} and text subsections. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_int.h"
#include "classify.h"
#include "decode/ipaddr.h"

#define TEXT_WIDTH   80
#define TEXT_SERVERS 8
#define TEXT_STREAMS 10

bool app_voip_any(const struct app_analyzer *a)
{
	return a->tls_servers.n || a->sip_servers.n || a->rtp_streams.n ||
	       app_classify_any(a->classify);
}

static void json_session(struct jsonw *w, const struct app_endpoint *e)
{
	char buf[64];
	app_endpoint_addr(e, buf, sizeof(buf));
	jsonw_kstr(w, "server", buf);
	jsonw_kstr(w, "proto", e->proto == IPPROTO_NUM_TCP ? "tcp" : "udp");
	if (e->sess_kind != TUN_NONE && e->sess_has_id)
		jsonw_ku64(w, "vni", e->sess_id);
}

static void json_frames(struct jsonw *w, const char *key, const struct frameset *s)
{
	jsonw_key(w, key);
	jsonw_arr_begin(w);
	for (unsigned i = 0; i < s->n; i++)
		jsonw_u64(w, s->f[i]);
	jsonw_arr_end(w);
}

void app_voip_report_json(struct app_analyzer *a, struct jsonw *w)
{
	char ab[24];
	jsonw_key(w, "tls");
	jsonw_obj_begin(w);
	jsonw_ku64(w, "flows", a->tls_flows);
	jsonw_ku64(w, "handshakes", a->tls_handshakes);
	jsonw_key(w, "servers");
	jsonw_arr_begin(w);
	for (size_t i = 0; i < a->tls_servers.n; i++) {
		const struct tls_server *s = app_table_at(&a->tls_servers, i);
		static const char *const vn[6] = {"SSL 3.0", "TLS 1.0", "TLS 1.1",
		                                  "TLS 1.2", "TLS 1.3", "other"};
		jsonw_obj_begin(w);
		json_session(w, &s->ep);
		if (s->sni[0])
			jsonw_kstr(w, "sni", s->sni);
		jsonw_ku64(w, "handshakes", s->handshakes);
		jsonw_ku64(w, "server_hellos", s->with_server_hello);
		jsonw_ku64(w, "completed", s->completed);
		jsonw_ku64(w, "failed", s->failed);
		jsonw_ku64(w, "slow", s->slow);
		jsonw_key(w, "versions");
		jsonw_obj_begin(w);
		for (int v = 0; v < 6; v++)
			if (s->versions[v])
				jsonw_ku64(w, vn[v], s->versions[v]);
		jsonw_obj_end(w);
		if (s->hello_n) {
			jsonw_kfixed(w, "hello_latency_mean",
			             (double)s->hello_sum_ns / (double)s->hello_n / 1e9, 6);
			jsonw_kfixed(w, "hello_latency_max", (double)s->hello_max_ns / 1e9, 6);
		}
		if (s->hs_n) {
			jsonw_kfixed(w, "handshake_time_mean",
			             (double)s->hs_sum_ns / (double)s->hs_n / 1e9, 6);
			jsonw_kfixed(w, "handshake_time_max", (double)s->hs_max_ns / 1e9, 6);
		}
		jsonw_key(w, "alerts");
		jsonw_arr_begin(w);
		for (unsigned k = 0; k < s->nalerts; k++) {
			const struct tls_alert_stat *x = &s->alerts[k];
			jsonw_obj_begin(w);
			jsonw_kstr(w, "from", x->from_client ? "client" : "server");
			if (x->encrypted) {
				jsonw_kbool(w, "encrypted", true);
			} else {
				jsonw_kstr(w, "level", x->level == 2 ? "fatal" : "warning");
				jsonw_kstr(w, "name", tls_alert_name(x->desc, ab, sizeof(ab)));
			}
			jsonw_ku64(w, "count", x->n);
			jsonw_obj_end(w);
		}
		jsonw_arr_end(w);
		json_frames(w, "failure_frames", &s->fail_frames);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	jsonw_ku64(w, "servers_not_tracked", a->tls_servers.dropped);
	jsonw_obj_end(w);

	jsonw_key(w, "sip");
	jsonw_obj_begin(w);
	jsonw_ku64(w, "flows", a->sip_flows);
	jsonw_ku64(w, "dialogs", a->sip_dialogs);
	jsonw_ku64(w, "messages", a->sip_messages);
	jsonw_ku64(w, "sdp_media", a->media_announced);
	jsonw_key(w, "servers");
	jsonw_arr_begin(w);
	for (size_t i = 0; i < a->sip_servers.n; i++) {
		const struct sip_server *s = app_table_at(&a->sip_servers, i);
		jsonw_obj_begin(w);
		json_session(w, &s->ep);
		jsonw_ku64(w, "dialogs", s->dialogs);
		jsonw_ku64(w, "calls", s->calls);
		jsonw_ku64(w, "answered", s->answered);
		jsonw_ku64(w, "failed", s->failed);
		jsonw_ku64(w, "cancelled", s->cancelled);
		jsonw_ku64(w, "no_final", s->no_final);
		jsonw_ku64(w, "other_failed", s->other_failed);
		jsonw_key(w, "failure_codes");
		jsonw_obj_begin(w);
		for (unsigned k = 0; k < s->ncodes; k++) {
			char c[8];
			snprintf(c, sizeof(c), "%u", s->codes[k].code);
			jsonw_ku64(w, c, s->codes[k].n);
		}
		jsonw_obj_end(w);
		if (s->setup_n) {
			jsonw_kfixed(w, "setup_time_mean",
			             (double)s->setup_sum_ns / (double)s->setup_n / 1e9, 6);
			jsonw_kfixed(w, "setup_time_max", (double)s->setup_max_ns / 1e9, 6);
		}
		json_frames(w, "failure_frames", &s->fail_frames);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	jsonw_obj_end(w);

	jsonw_key(w, "rtp");
	jsonw_obj_begin(w);
	jsonw_ku64(w, "flows", a->rtp_flows);
	jsonw_key(w, "streams");
	jsonw_arr_begin(w);
	for (size_t i = 0; i < a->rtp_streams.n; i++) {
		const struct rtp_entry *e = app_table_at(&a->rtp_streams, i);
		const struct rtp_stream *r = &e->r;
		char buf[64];
		jsonw_obj_begin(w);
		app_endpoint_addr(&e->src, buf, sizeof(buf));
		jsonw_kstr(w, "src", buf);
		app_endpoint_addr(&e->dst, buf, sizeof(buf));
		jsonw_kstr(w, "dst", buf);
		snprintf(buf, sizeof(buf), "0x%08x", r->ssrc);
		jsonw_kstr(w, "ssrc", buf);
		jsonw_kstr(w, "codec", r->codec);
		jsonw_ku64(w, "packets", r->packets);
		jsonw_ki64(w, "lost", r->lost);
		jsonw_kfixed(w, "mean_jitter_ms", r->mean_jitter_ms, 3);
		jsonw_kfixed(w, "max_jitter_ms", r->max_jitter_ms, 3);
		if (r->mos >= 0)
			jsonw_kfixed(w, "mos", r->mos, 2);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	jsonw_ku64(w, "streams_not_tracked", a->rtp_streams.dropped);
	jsonw_obj_end(w);
	if (a->classify) {
		jsonw_key(w, "classification");
		app_classify_json(a->classify, w);
	}
}

static void line(struct strbuf *b, int indent, const char *text)
{
	for (int i = 0; i < indent; i++)
		strbuf_addc(b, ' ');
	strbuf_wrap(b, text, indent, indent + 4, TEXT_WIDTH);
}

void app_voip_report_text(struct app_analyzer *a, struct strbuf *b)
{
	char t[600], label[200], ab[24];
	if (a->tls_servers.n) {
		snprintf(t, sizeof(t), "TLS %llu handshakes on %llu connections, %zu servers",
		         (unsigned long long)a->tls_handshakes, (unsigned long long)a->tls_flows,
		         a->tls_servers.n);
		line(b, 2, t);
		for (size_t i = 0; i < a->tls_servers.n && i < TEXT_SERVERS; i++) {
			const struct tls_server *s = app_table_at(&a->tls_servers, i);
			app_endpoint_label(&s->ep, label, sizeof(label));
			snprintf(t, sizeof(t), "%s%s%s", label, s->sni[0] ? " SNI " : "", s->sni);
			line(b, 4, t);
			int u = snprintf(t, sizeof(t), "%llu handshakes, %llu completed, %llu failed%s",
			                 (unsigned long long)s->handshakes,
			                 (unsigned long long)s->completed, (unsigned long long)s->failed,
			                 s->with_server_hello ? "; versions chosen:" : "");
			static const char *const vn[6] = {"SSL 3.0", "TLS 1.0", "TLS 1.1",
			                                  "TLS 1.2", "TLS 1.3", "other"};
			for (int v = 0; v < 6 && u < (int)sizeof(t); v++)
				if (s->versions[v])
					u += snprintf(t + u, sizeof(t) - (size_t)u, " %s x%llu", vn[v],
					              (unsigned long long)s->versions[v]);
			if (s->hello_n && u < (int)sizeof(t))
				u += snprintf(t + u, sizeof(t) - (size_t)u,
				              "; hello latency mean %.1f ms, max %.1f ms",
				              (double)s->hello_sum_ns / (double)s->hello_n / 1e6,
				              (double)s->hello_max_ns / 1e6);
			for (unsigned k = 0; k < s->nalerts && u < (int)sizeof(t); k++) {
				const struct tls_alert_stat *x = &s->alerts[k];
				u += snprintf(t + u, sizeof(t) - (size_t)u, "%s %s from %s x%llu",
				              k ? "," : "; alerts:",
				              x->encrypted ? "encrypted"
				                           : tls_alert_name(x->desc, ab, sizeof(ab)),
				              x->from_client ? "client" : "server",
				              (unsigned long long)x->n);
			}
			line(b, 6, t);
		}
		if (a->tls_servers.n > TEXT_SERVERS)
			strbuf_addf(b, "    ... and %zu more servers (--json lists all)\n",
			            a->tls_servers.n - TEXT_SERVERS);
	}
	if (a->sip_servers.n || a->rtp_streams.n) {
		snprintf(t, sizeof(t), "VoIP: SIP %llu dialogs (%llu messages) on %llu flows, RTP %zu "
		         "streams on %llu flows",
		         (unsigned long long)a->sip_dialogs, (unsigned long long)a->sip_messages,
		         (unsigned long long)a->sip_flows, a->rtp_streams.n,
		         (unsigned long long)a->rtp_flows);
		line(b, 2, t);
		for (size_t i = 0; i < a->sip_servers.n && i < TEXT_SERVERS; i++) {
			const struct sip_server *s = app_table_at(&a->sip_servers, i);
			app_endpoint_label(&s->ep, label, sizeof(label));
			line(b, 4, label);
			int u = snprintf(t, sizeof(t),
			                 "%llu dialogs, %llu calls: %llu answered, %llu failed, %llu "
			                 "cancelled, %llu without a final answer",
			                 (unsigned long long)s->dialogs, (unsigned long long)s->calls,
			                 (unsigned long long)s->answered, (unsigned long long)s->failed,
			                 (unsigned long long)s->cancelled,
			                 (unsigned long long)s->no_final);
			for (unsigned k = 0; k < s->ncodes && u < (int)sizeof(t); k++)
				u += snprintf(t + u, sizeof(t) - (size_t)u, "%s %u x%llu",
				              k ? "," : "; codes", s->codes[k].code,
				              (unsigned long long)s->codes[k].n);
			if (s->setup_n && u < (int)sizeof(t))
				snprintf(t + u, sizeof(t) - (size_t)u,
				         "; setup (INVITE to 200) mean %.1f ms, max %.1f ms",
				         (double)s->setup_sum_ns / (double)s->setup_n / 1e6,
				         (double)s->setup_max_ns / 1e6);
			line(b, 6, t);
		}
		for (size_t i = 0; i < a->rtp_streams.n && i < TEXT_STREAMS; i++) {
			const struct rtp_entry *e = app_table_at(&a->rtp_streams, i);
			const struct rtp_stream *r = &e->r;
			char src[64], dst[64], mos[32] = "";
			app_endpoint_addr(&e->src, src, sizeof(src));
			app_endpoint_addr(&e->dst, dst, sizeof(dst));
			if (r->mos >= 0)
				snprintf(mos, sizeof(mos), ", MOS %.2f", r->mos);
			snprintf(t, sizeof(t),
			         "RTP %s -> %s SSRC 0x%08x %s: %llu packets, lost %lld (%.1f%%), "
			         "jitter mean %.2f ms max %.2f ms, max delta %.1f ms%s",
			         src, dst, r->ssrc, r->codec[0] ? r->codec : "?",
			         (unsigned long long)r->packets, (long long)r->lost,
			         r->expected > 0 ? 100.0 * (double)r->lost / (double)r->expected : 0.0,
			         r->mean_jitter_ms, r->max_jitter_ms, r->max_delta_ms, mos);
			line(b, 4, t);
		}
		if (a->rtp_streams.n > TEXT_STREAMS)
			strbuf_addf(b, "    ... and %zu more RTP streams (--json lists all)\n",
			            a->rtp_streams.n - TEXT_STREAMS);
	}
	if (a->classify)
		app_classify_text(a->classify, b);
}
