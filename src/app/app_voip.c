/* app_voip.c - roll-ups and --app-records lines for TLS handshakes (per server), SIP dialogs
 * (per server: the endpoint that answers a dialog's first request), the SDP media endpoints
 * RTP flows are found by, and RTP streams (kept one by one for the report).
 *
 * Records (one JSON line each; times ISO 8601 UTC, durations in seconds):
 *   {"type":"tls","flow","client","server"[,"vni"][,"sni"],"client_hello_frame",
 *    "client_hello_end_frame","client_hello_time","legacy_version","versions_offered":[..],
 *    "ciphers_offered"[,"alpn_offered"],"ja3"[,"server_hello_frame","server_hello_end_frame",
 *    "version","version_name","cipher"[,"alpn"],"ja3s"[,"hello_retry":true]]
 *    [,"hello_latency"][,"handshake_time","appdata_frame"],
 *    "alerts":[{"from":"client|server","frame","level","description","name"} or
 *              {"from","frame","encrypted":true}],"outcome":"completed|failed|no_server_hello|
 *    incomplete"[,"framing_lost":true]}
 *   {"type":"sip","flow","client","server"[,"vni"],"call_id","method","first_frame",
 *    "first_time","requests","responses"[,"invite_frame","final_status","final_frame",
 *    "setup_time","ringing_time","cancel","bye"],"outcome":"answered|failed|cancelled|
 *    no_final|other"[,"status"],"messages":[{"frame","method"}|{"frame","status","method"}]
 *    [,"messages_not_listed"]}
 *   {"type":"rtp","flow","src","dst"[,"vni"],"ssrc","payload_type","codec","clock_rate",
 *    "source":"sdp|heuristic"[,"sdp_frame"],"first_frame","last_frame","first_time",
 *    "duration","packets","expected","lost","loss_pct","seq_errors","max_delta_ms",
 *    "jitter_ms","mean_jitter_ms","max_jitter_ms"[,"r_factor","mos"]}
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_int.h"
#include "base/hash.h"
#include "decode/ipaddr.h"

/* ---- TLS ------------------------------------------------------------------------------ */

static bool tls_server_eq(const void *x, const void *key)
{
	return app_ep_same(&((const struct tls_server *)x)->ep, key);
}

static void tls_server_init(void *e, const void *key)
{
	struct tls_server *s = e;
	s->ep = *(const struct app_endpoint *)key;
	s->first_ns = INT64_MAX;
}

static int version_slot(uint16_t v)
{
	switch (v) {
	case 0x0300:
		return 0;
	case 0x0301:
		return 1;
	case 0x0302:
		return 2;
	case 0x0303:
		return 3;
	case 0x0304:
		return 4;
	default:
		return (v >> 8) == 0x7f ? 4 : 5;
	}
}

/* TLS 1.1 or older chosen by the server. */
static bool tls_old(const struct tls_txn *t)
{
	return t->has_sh && t->sh_version >= 0x0200 && t->sh_version <= 0x0302;
}

static void tls_alert_add(struct tls_server *s, const struct tls_alert *al)
{
	for (unsigned i = 0; i < s->nalerts; i++) {
		struct tls_alert_stat *x = &s->alerts[i];
		if (x->desc == al->desc && x->level == al->level && x->from_client == al->from_client &&
		    x->encrypted == al->encrypted) {
			x->n++;
			return;
		}
	}
	if (s->nalerts == APP_TLS_ALERT_KINDS)
		return;
	struct tls_alert_stat *x = &s->alerts[s->nalerts++];
	x->desc = al->desc;
	x->level = al->level;
	x->from_client = al->from_client;
	x->encrypted = al->encrypted;
	x->n = 1;
}

static const char *tls_outcome(const struct tls_txn *t)
{
	if (t->fatal)
		return "failed";
	if (!t->has_sh)
		return "no_server_hello";
	if (t->has_appdata)
		return "completed";
	return "incomplete";
}

static void record_tls(struct jsonw *w, const struct flow *f, const struct tls_txn *t)
{
	char vb[24], ab[24];
	app_record_head(w, "tls", f, t->client_dir);
	if (t->has_ch) {
		if (t->sni[0])
			jsonw_kstr(w, "sni", t->sni);
		jsonw_ku64(w, "client_hello_frame", t->ch_frame);
		jsonw_ku64(w, "client_hello_end_frame", t->ch_end_frame);
		app_ktime(w, "client_hello_time", t->ch_ns);
		jsonw_kstr(w, "legacy_version", tls_version_name(t->ch_version, vb, sizeof(vb)));
		jsonw_key(w, "versions_offered");
		jsonw_arr_begin(w);
		if (t->noffered) {
			for (unsigned i = 0; i < t->noffered; i++)
				jsonw_str(w, tls_version_name(t->offered[i], vb, sizeof(vb)));
		} else {
			jsonw_str(w, tls_version_name(t->ch_version, vb, sizeof(vb)));
		}
		jsonw_arr_end(w);
		jsonw_ku64(w, "ciphers_offered", t->ciphers_offered);
		if (t->alpn[0])
			jsonw_kstr(w, "alpn_offered", t->alpn);
		jsonw_kstr(w, "ja3", t->ja3);
	}
	if (t->has_sh) {
		jsonw_ku64(w, "server_hello_frame", t->sh_frame);
		jsonw_ku64(w, "server_hello_end_frame", t->sh_end_frame);
		snprintf(vb, sizeof(vb), "0x%04x", t->sh_version);
		jsonw_kstr(w, "version", vb);
		jsonw_kstr(w, "version_name", tls_version_name(t->sh_version, vb, sizeof(vb)));
		snprintf(vb, sizeof(vb), "0x%04x", t->cipher);
		jsonw_kstr(w, "cipher", vb);
		if (t->alpn_chosen[0])
			jsonw_kstr(w, "alpn", t->alpn_chosen);
		jsonw_kstr(w, "ja3s", t->ja3s);
		if (t->hello_retry) {
			jsonw_kbool(w, "hello_retry", true);
			if (t->hrr_end_frame) {
				jsonw_ku64(w, "hello_retry_end_frame", t->hrr_end_frame);
				jsonw_kstr(w, "hello_retry_ja3s", t->hrr_ja3s);
			}
			if (t->ch2_end_frame)
				jsonw_ku64(w, "client_hello2_end_frame", t->ch2_end_frame);
		}
	}
	if (t->hello_latency_ns >= 0)
		jsonw_kfixed(w, "hello_latency", (double)t->hello_latency_ns / 1e9, 6);
	if (t->handshake_ns >= 0) {
		jsonw_kfixed(w, "handshake_time", (double)t->handshake_ns / 1e9, 6);
		jsonw_ku64(w, "appdata_frame", t->appdata_frame);
	}
	jsonw_key(w, "alerts");
	jsonw_arr_begin(w);
	for (unsigned i = 0; i < t->nalerts; i++) {
		const struct tls_alert *al = &t->alerts[i];
		jsonw_obj_begin(w);
		jsonw_kstr(w, "from", al->from_client ? "client" : "server");
		jsonw_ku64(w, "frame", al->frame);
		if (al->encrypted) {
			jsonw_kbool(w, "encrypted", true);
		} else {
			jsonw_kstr(w, "level", al->level == 2 ? "fatal" : al->level == 1 ? "warning" : "?");
			jsonw_ku64(w, "description", al->desc);
			jsonw_kstr(w, "name", tls_alert_name(al->desc, ab, sizeof(ab)));
		}
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	if (t->alerts_total > t->nalerts)
		jsonw_ku64(w, "alerts_not_listed", t->alerts_total - t->nalerts);
	jsonw_kstr(w, "outcome", tls_outcome(t));
	if (t->lost)
		jsonw_kbool(w, "framing_lost", true);
	jsonw_obj_end(w);
	(void)jsonw_record_end(w);
}

#define TLS_SLOW_HELLO_NS INT64_C(1000000000)     /* ClientHello to ServerHello */
#define TLS_SLOW_HS_NS    INT64_C(2000000000)     /* ClientHello to client data */

void app_tls_txn(struct app_analyzer *a, const struct flow *f, const struct tls_txn *t)
{
	a->tls_handshakes++;
	if (a->records)
		record_tls(a->records, f, t);
	if (!t->has_ch && !t->has_sh && !t->nalerts)
		return;
	struct app_endpoint ep;
	app_endpoint_of(f, !t->client_dir, &ep);
	long si = app_table_get(&a->tls_servers, app_ep_hash(&ep), &ep, tls_server_eq,
	                        tls_server_init);
	if (si < 0)
		return;
	struct tls_server *s = app_table_at(&a->tls_servers, (size_t)si);
	int64_t ts = t->has_ch ? t->ch_ns : t->has_sh ? t->sh_ns : t->alerts[0].ts_ns;
	uint64_t frame = t->has_ch ? t->ch_frame : t->has_sh ? t->sh_frame : t->alerts[0].frame;
	if (ts < s->first_ns)
		s->first_ns = ts;
	if (ts > s->last_ns)
		s->last_ns = ts;
	if (!s->sni[0] && t->sni[0])
		snprintf(s->sni, sizeof(s->sni), "%s", t->sni);
	s->handshakes++;
	if (t->has_sh) {
		s->with_server_hello++;
		s->versions[version_slot(t->sh_version)]++;
	}
	if (t->has_appdata && !t->fatal)
		s->completed++;
	if (t->fatal) {
		s->failed++;
		for (unsigned i = 0; i < t->nalerts; i++)
			if (!t->alerts[i].encrypted || !t->has_appdata) {
				frameset_add(&s->fail_frames, t->alerts[i].frame);
				break;
			}
	}
	for (unsigned i = 0; i < t->nalerts; i++)
		if (!(t->alerts[i].level == 1 && t->alerts[i].desc == 0 && !t->alerts[i].encrypted))
			tls_alert_add(s, &t->alerts[i]);
	if (tls_old(t))
		frameset_add(&s->old_frames, t->sh_frame);
	if (t->hello_latency_ns >= 0) {
		s->hello_n++;
		s->hello_sum_ns += t->hello_latency_ns;
		if (t->hello_latency_ns > s->hello_max_ns)
			s->hello_max_ns = t->hello_latency_ns;
	}
	if (t->handshake_ns >= 0) {
		s->hs_n++;
		s->hs_sum_ns += t->handshake_ns;
		if (t->handshake_ns > s->hs_max_ns)
			s->hs_max_ns = t->handshake_ns;
	}
	if (t->hello_latency_ns >= TLS_SLOW_HELLO_NS || t->handshake_ns >= TLS_SLOW_HS_NS) {
		s->slow++;
		frameset_add(&s->slow_frames, frame);
	}
}

/* ---- SIP ------------------------------------------------------------------------------ */

static bool sip_server_eq(const void *x, const void *key)
{
	return app_ep_same(&((const struct sip_server *)x)->ep, key);
}

static void sip_server_init(void *e, const void *key)
{
	struct sip_server *s = e;
	s->ep = *(const struct app_endpoint *)key;
	s->first_ns = INT64_MAX;
}

static const char *sip_outcome(const struct sip_dialog *d)
{
	if (!d->invite)
		return "other";
	if (d->final_status >= 200 && d->final_status < 300)
		return "answered";
	if (d->final_status == 487 || (d->cancel && !d->final_status))
		return "cancelled";
	if (d->final_status >= 300)
		return "failed";
	return "no_final";
}

static void record_sip(struct jsonw *w, const struct flow *f, const struct sip_dialog *d)
{
	app_record_head(w, "sip", f, d->client_dir);
	jsonw_kstr(w, "call_id", d->call_id);
	if (d->call_id_cut)
		jsonw_kbool(w, "call_id_cut", true);
	jsonw_kstr(w, "method", d->method);
	jsonw_ku64(w, "first_frame", d->first_frame);
	app_ktime(w, "first_time", d->first_ns);
	jsonw_ku64(w, "requests", d->requests);
	jsonw_ku64(w, "responses", d->responses);
	if (d->invite) {
		jsonw_ku64(w, "invite_frame", d->invite_frame);
		if (d->final_status) {
			jsonw_ku64(w, "final_status", d->final_status);
			jsonw_ku64(w, "final_frame", d->final_frame);
		}
		if (d->setup_ns >= 0)
			jsonw_kfixed(w, "setup_time", (double)d->setup_ns / 1e9, 6);
		if (d->ringing_ns >= 0)
			jsonw_kfixed(w, "ringing_time", (double)d->ringing_ns / 1e9, 6);
		if (d->cancel)
			jsonw_kbool(w, "cancel", true);
		if (d->bye)
			jsonw_kbool(w, "bye", true);
	} else if (d->other_final) {
		jsonw_ku64(w, "status", d->other_final);
	}
	jsonw_kstr(w, "outcome", sip_outcome(d));
	jsonw_key(w, "messages");
	jsonw_arr_begin(w);
	for (unsigned i = 0; i < d->nmsgs; i++) {
		const struct sip_msg_ref *m = &d->msgs[i];
		jsonw_obj_begin(w);
		jsonw_ku64(w, "frame", m->frame);
		if (m->status)
			jsonw_ku64(w, "status", m->status);
		jsonw_kstr(w, "method", m->method);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	if (d->msgs_dropped)
		jsonw_ku64(w, "messages_not_listed", d->msgs_dropped);
	jsonw_obj_end(w);
	(void)jsonw_record_end(w);
}

void app_sip_dialog(struct app_analyzer *a, const struct flow *f, const struct sip_dialog *d)
{
	a->sip_dialogs++;
	a->sip_messages += d->requests + d->responses;
	if (a->records)
		record_sip(a->records, f, d);
	struct app_endpoint ep;
	app_endpoint_of(f, !d->client_dir, &ep);
	long si = app_table_get(&a->sip_servers, app_ep_hash(&ep), &ep, sip_server_eq,
	                        sip_server_init);
	if (si < 0)
		return;
	struct sip_server *s = app_table_at(&a->sip_servers, (size_t)si);
	if (d->first_ns < s->first_ns)
		s->first_ns = d->first_ns;
	if (d->last_ns > s->last_ns)
		s->last_ns = d->last_ns;
	s->dialogs++;
	if (!d->invite) {
		if (d->other_final >= 300 && d->other_final != 401 && d->other_final != 407)
			s->other_failed++;
		return;
	}
	s->calls++;
	const char *o = sip_outcome(d);
	if (!strcmp(o, "answered")) {
		s->answered++;
		if (d->setup_ns >= 0) {
			s->setup_n++;
			s->setup_sum_ns += d->setup_ns;
			if (d->setup_ns > s->setup_max_ns)
				s->setup_max_ns = d->setup_ns;
		}
	} else if (!strcmp(o, "cancelled")) {
		s->cancelled++;
	} else if (!strcmp(o, "no_final")) {
		s->no_final++;
	} else {
		s->failed++;
		frameset_add(&s->fail_frames, d->final_frame);
		unsigned i = 0;
		while (i < s->ncodes && s->codes[i].code != d->final_status)
			i++;
		if (i == s->ncodes && s->ncodes < APP_SIP_CODES_MAX) {
			s->codes[s->ncodes].code = d->final_status;
			s->codes[s->ncodes++].n = 0;
		}
		if (i < s->ncodes)
			s->codes[i].n++;
	}
}

/* ---- SDP media -> RTP ----------------------------------------------------------------- */

struct media_key {
	const struct ip_addr *addr;
	uint16_t port;
};

static uint64_t media_hash(const struct ip_addr *addr, uint16_t port)
{
	uint8_t k[19];
	k[0] = addr->family;
	memcpy(k + 1, addr->a, 16);
	k[17] = (uint8_t)(port >> 8);
	k[18] = (uint8_t)port;
	return hash_bytes(k, sizeof(k), 0x736470ULL);
}

static bool media_eq(const void *x, const void *key)
{
	const struct app_media *m = x;
	const struct media_key *k = key;
	return m->m.port == k->port && ipaddr_eq(&m->m.addr, k->addr);
}

static void media_init(void *e, const void *key)
{
	struct app_media *m = e;
	const struct media_key *k = key;
	m->m.addr = *k->addr;
	m->m.port = k->port;
}

void app_sip_media(struct app_analyzer *a, const struct sip_media *m)
{
	struct media_key k = {&m->addr, m->port};
	long i = app_table_get(&a->media, media_hash(&m->addr, m->port), &k, media_eq, media_init);
	if (i < 0)
		return;
	a->media_announced++;
	struct app_media *e = app_table_at(&a->media, (size_t)i);
	e->m = *m; /* the latest offer or answer for this address wins */
}

static const struct sip_media *media_lookup(struct app_analyzer *a, const struct ip_addr *addr,
                                            uint16_t port)
{
	const struct app_table *t = &a->media;
	if (!t->nslot)
		return NULL;
	uint64_t h = media_hash(addr, port);
	struct media_key k = {addr, port};
	for (size_t j = h & (t->nslot - 1); t->slot[j]; j = (j + 1) & (t->nslot - 1)) {
		const struct app_media *m = app_table_at(t, t->slot[j] - 1);
		if (m->hash == h && media_eq(m, &k))
			return &m->m;
	}
	return NULL;
}

const struct sip_media *app_media_for(struct app_analyzer *a, const struct flow *f)
{
	if (f->proto != IPPROTO_NUM_UDP || !a->media.n)
		return NULL;
	const struct sip_media *m = media_lookup(a, &f->dst, f->dport);
	return m ? m : media_lookup(a, &f->src, f->sport);
}

/* ---- RTP ------------------------------------------------------------------------------ */

static bool never_eq(const void *x, const void *key)
{
	(void)x;
	(void)key;
	return false;
}

static void rtp_init(void *e, const void *key)
{
	(void)e;
	(void)key;
}

static void record_rtp(struct jsonw *w, const struct flow *f, const struct rtp_entry *e)
{
	const struct rtp_stream *r = &e->r;
	char buf[64];
	jsonw_obj_begin(w);
	jsonw_kstr(w, "type", "rtp");
	jsonw_ku64(w, "flow", f->id);
	app_endpoint_addr(&e->src, buf, sizeof(buf));
	jsonw_kstr(w, "src", buf);
	app_endpoint_addr(&e->dst, buf, sizeof(buf));
	jsonw_kstr(w, "dst", buf);
	if (f->session.has_id && (f->session.kind == TUN_VXLAN || f->session.kind == TUN_GENEVE))
		jsonw_ku64(w, "vni", f->session.id);
	snprintf(buf, sizeof(buf), "0x%08x", r->ssrc);
	jsonw_kstr(w, "ssrc", buf);
	jsonw_ku64(w, "payload_type", r->pt);
	jsonw_kstr(w, "codec", r->codec);
	jsonw_ku64(w, "clock_rate", r->clock_rate);
	jsonw_kstr(w, "source", r->from_sdp ? "sdp" : "heuristic");
	if (r->from_sdp)
		jsonw_ku64(w, "sdp_frame", r->sdp_frame);
	jsonw_ku64(w, "first_frame", r->first_frame);
	jsonw_ku64(w, "last_frame", r->last_frame);
	app_ktime(w, "first_time", r->first_ns);
	jsonw_kfixed(w, "duration", (double)(r->last_ns - r->first_ns) / 1e9, 6);
	jsonw_ku64(w, "packets", r->packets);
	jsonw_ki64(w, "expected", r->expected);
	jsonw_ki64(w, "lost", r->lost);
	jsonw_kfixed(w, "loss_pct",
	             r->expected > 0 ? 100.0 * (double)r->lost / (double)r->expected : 0, 3);
	jsonw_ku64(w, "seq_errors", r->seq_errors);
	jsonw_kfixed(w, "max_delta_ms", r->max_delta_ms, 3);
	jsonw_kfixed(w, "jitter_ms", r->jitter_ms, 3);
	jsonw_kfixed(w, "mean_jitter_ms", r->mean_jitter_ms, 3);
	jsonw_kfixed(w, "max_jitter_ms", r->max_jitter_ms, 3);
	if (r->mos >= 0) {
		jsonw_kfixed(w, "r_factor", r->r_factor, 1);
		jsonw_kfixed(w, "mos", r->mos, 2);
	}
	jsonw_obj_end(w);
	(void)jsonw_record_end(w);
}

void app_rtp_stream(struct app_analyzer *a, const struct flow *f, const struct rtp_stream *r)
{
	struct rtp_entry tmp, *e = &tmp;
	a->rtp_streams_seen++;
	long i = app_table_get(&a->rtp_streams, a->rtp_streams_seen, NULL, never_eq, rtp_init);
	if (i >= 0)
		e = app_table_at(&a->rtp_streams, (size_t)i);
	memset(e, 0, sizeof(*e));
	e->hash = a->rtp_streams_seen;
	e->r = *r;
	e->flow = f->id;
	app_endpoint_of(f, r->dir, &e->src);
	app_endpoint_of(f, !r->dir, &e->dst);
	if (a->records)
		record_rtp(a->records, f, e);
}
