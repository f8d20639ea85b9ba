/* app_voip_findings.c - findings from the TLS, SIP and RTP roll-ups (area "app").
 *
 * Thresholds, stated once here and shown in each finding's facts:
 *   app.tls_handshake_failure  a server whose handshakes saw a readable fatal alert (from
 *                              either side; encrypted alerts are counted, not judged):
 *                              medium, high when >= 3 and >= 10% of its handshakes.
 *   app.tls_old_version        a server that chose SSL 3.0, TLS 1.0 or TLS 1.1: medium.
 *   app.tls_slow_handshake     handshakes with ClientHello to ServerHello >= 1 s, or
 *                              ClientHello to the client's first application data >= 2 s:
 *                              low, medium when >= 3 and >= 10% of the server's handshakes.
 *   app.sip_call_failures      INVITEs with a final response >= 300 (487 after CANCEL aside):
 *                              a server with >= 3 failures, or >= 10% of its calls, of one
 *                              code; high when that code is 5xx/6xx and >= 3 (a 503 cluster).
 *   app.rtp_quality            a voice (audio) stream with loss > 1%, mean jitter > 30 ms or
 *                              MOS < 3.6: medium; high when loss > 5% or MOS < 3.1.
 */
#include <stdio.h>
#include <string.h>

#include "app_int.h"
#include "decode/ipaddr.h"

#define TLS_FAIL_MIN       3
#define SHARE              0.10
#define SIP_FAIL_MIN       3
#define RTP_LOSS_PCT       1.0
#define RTP_LOSS_HIGH_PCT  5.0
#define RTP_JITTER_MS      30.0
#define RTP_MOS_MIN        3.6
#define RTP_MOS_HIGH       3.1

static void tls_findings(const struct app_analyzer *a, const struct tls_server *s,
                         struct finding_list *out)
{
	char label[200], addr[64], vb[24], ab[24];
	app_endpoint_label(&s->ep, label, sizeof(label));
	app_endpoint_addr(&s->ep, addr, sizeof(addr));
	(void)a;
	if (s->failed) {
		bool high = s->failed >= TLS_FAIL_MIN && s->failed >= SHARE * (double)s->handshakes;
		struct finding *f = finding_new(out, high ? SEV_HIGH : SEV_MEDIUM, "app",
		                                "app.tls_handshake_failure", (double)s->failed);
		if (f) {
			const struct tls_alert_stat *top = NULL;
			for (unsigned i = 0; i < s->nalerts; i++)
				if (!top || s->alerts[i].n > top->n)
					top = &s->alerts[i];
			char what[96] = "a fatal alert";
			if (top && !top->encrypted)
				snprintf(what, sizeof(what), "%s alert %s (%u)",
				         top->from_client ? "the client's" : "the server's",
				         tls_alert_name(top->desc, ab, sizeof(ab)), top->desc);
			else if (top)
				snprintf(what, sizeof(what), "an encrypted alert from the %s",
				         top->from_client ? "client" : "server");
			snprintf(f->title, sizeof(f->title),
			         "%llu of %llu TLS handshakes with %s failed: %s",
			         (unsigned long long)s->failed, (unsigned long long)s->handshakes,
			         addr, what);
			snprintf(f->where, sizeof(f->where), "%s%s%s", label,
			         s->sni[0] ? ", SNI " : "", s->sni);
			finding_fact(f, "handshakes", (double)s->handshakes, "");
			finding_fact(f, "failed", (double)s->failed, "");
			for (unsigned i = 0; i < s->nalerts && f->nfacts < FINDING_MAX_FACTS; i++) {
				const struct tls_alert_stat *x = &s->alerts[i];
				char name[48];
				if (x->encrypted)
					snprintf(name, sizeof(name), "encrypted alerts from %s",
					         x->from_client ? "client" : "server");
				else
					snprintf(name, sizeof(name), "%s %s from %s",
					         x->level == 2 ? "fatal" : "warning",
					         tls_alert_name(x->desc, ab, sizeof(ab)),
					         x->from_client ? "client" : "server");
				finding_fact(f, name, (double)x->n, "");
			}
			for (unsigned i = 0; i < s->fail_frames.n; i++)
				finding_frame(f, s->fail_frames.f[i]);
			/* alerts go both ways: the server as either end */
			char a4[IPADDR_STRLEN];
			ipaddr_format(&s->ep.addr, a4, sizeof(a4));
			snprintf(f->display_filter, sizeof(f->display_filter),
			         "tls.alert_message && %s.addr == %s && tcp.port == %u",
			         s->ep.addr.family == 6 ? "ipv6" : "ip", a4, s->ep.port);
			f->first_ns = s->first_ns;
			f->last_ns = s->last_ns;
			snprintf(f->cause, sizeof(f->cause),
			         "the peers could not agree: protocol_version / handshake_failure mean "
			         "no common version or cipher (one side too old or too strict); "
			         "unknown_ca / bad_certificate / certificate_expired mean the client "
			         "rejected the server's certificate chain");
			snprintf(f->action, sizeof(f->action),
			         "compare the versions and ciphers offered (--app-records: "
			         "versions_offered, ciphers) with the server's configuration; for "
			         "certificate alerts check the chain and the clients' trust store");
			f->confidence = CONF_HIGH;
		}
	}
	uint64_t old = s->versions[0] + s->versions[1] + s->versions[2];
	if (old) {
		struct finding *f = finding_new(out, SEV_MEDIUM, "app", "app.tls_old_version",
		                                (double)old);
		if (f) {
			int top = s->versions[0] ? 0 : s->versions[1] ? 1 : 2;
			static const uint16_t vv[3] = {0x0300, 0x0301, 0x0302};
			snprintf(f->title, sizeof(f->title),
			         "%s negotiated %s in %llu of %llu TLS handshakes", addr,
			         tls_version_name(vv[top], vb, sizeof(vb)), (unsigned long long)old,
			         (unsigned long long)s->with_server_hello);
			snprintf(f->where, sizeof(f->where), "%s%s%s", label,
			         s->sni[0] ? ", SNI " : "", s->sni);
			finding_fact(f, "SSL 3.0", (double)s->versions[0], "");
			finding_fact(f, "TLS 1.0", (double)s->versions[1], "");
			finding_fact(f, "TLS 1.1", (double)s->versions[2], "");
			finding_fact(f, "TLS 1.2", (double)s->versions[3], "");
			finding_fact(f, "TLS 1.3", (double)s->versions[4], "");
			for (unsigned i = 0; i < s->old_frames.n; i++)
				finding_frame(f, s->old_frames.f[i]);
			app_endpoint_filter(&s->ep, true,
			                    "tls.handshake.type == 2 && tls.handshake.version < 0x0303",
			                    f->display_filter, sizeof(f->display_filter));
			f->first_ns = s->first_ns;
			f->last_ns = s->last_ns;
			snprintf(f->cause, sizeof(f->cause),
			         "SSL 3.0, TLS 1.0 and 1.1 are deprecated (RFC 8996): the server or "
			         "client supports nothing newer, or a downgrade happened");
			snprintf(f->action, sizeof(f->action),
			         "enable TLS 1.2 and 1.3 on the server and disable older versions; "
			         "update clients that offer nothing newer");
			f->confidence = CONF_HIGH;
		}
	}
	if (s->slow) {
		bool med = s->slow >= 3 && s->slow >= SHARE * (double)s->handshakes;
		struct finding *f = finding_new(out, med ? SEV_MEDIUM : SEV_LOW, "app",
		                                "app.tls_slow_handshake", (double)s->slow);
		if (f) {
			snprintf(f->title, sizeof(f->title), "%llu of %llu TLS handshakes with %s were slow",
			         (unsigned long long)s->slow, (unsigned long long)s->handshakes, addr);
			snprintf(f->where, sizeof(f->where), "%s%s%s", label,
			         s->sni[0] ? ", SNI " : "", s->sni);
			finding_fact(f, "slow handshakes", (double)s->slow, "");
			if (s->hello_n) {
				finding_fact(f, "hello latency mean",
				             (double)s->hello_sum_ns / (double)s->hello_n / 1e6, "ms");
				finding_fact(f, "hello latency max", (double)s->hello_max_ns / 1e6, "ms");
			}
			if (s->hs_n) {
				finding_fact(f, "handshake mean",
				             (double)s->hs_sum_ns / (double)s->hs_n / 1e6, "ms");
				finding_fact(f, "handshake max", (double)s->hs_max_ns / 1e6, "ms");
			}
			for (unsigned i = 0; i < s->slow_frames.n; i++)
				finding_frame(f, s->slow_frames.f[i]);
			app_endpoint_filter(&s->ep, false, "tls.handshake.type == 1", f->display_filter,
			                    sizeof(f->display_filter));
			f->first_ns = s->first_ns;
			f->last_ns = s->last_ns;
			snprintf(f->cause, sizeof(f->cause),
			         "a ClientHello waited >= 1 s for the ServerHello, or the handshake "
			         "took >= 2 s: an overloaded server (key exchange is CPU work), a slow "
			         "certificate status (OCSP) lookup, or loss on the path (see the TCP "
			         "findings for the same server)");
			snprintf(f->action, sizeof(f->action),
			         "check the server's CPU and TLS offload, OCSP stapling, and the TCP "
			         "retransmissions of these connections");
			f->confidence = CONF_MEDIUM;
		}
	}
}

static void sip_findings(const struct sip_server *s, struct finding_list *out)
{
	if (!s->failed)
		return;
	const struct sip_code_stat *top = NULL;
	for (unsigned i = 0; i < s->ncodes; i++)
		if (!top || s->codes[i].n > top->n || (s->codes[i].n == top->n && s->codes[i].code > top->code))
			top = &s->codes[i];
	if (!top || (top->n < SIP_FAIL_MIN && (double)top->n < SHARE * (double)s->calls))
		return;
	bool high = top->code >= 500 && top->n >= SIP_FAIL_MIN;
	struct finding *f = finding_new(out, high ? SEV_HIGH : SEV_MEDIUM, "app",
	                                "app.sip_call_failures", (double)s->failed);
	if (!f)
		return;
	char label[200], addr[64];
	app_endpoint_label(&s->ep, label, sizeof(label));
	app_endpoint_addr(&s->ep, addr, sizeof(addr));
	snprintf(f->title, sizeof(f->title),
	         "%llu of %llu SIP calls to %s failed, %llu with %u", (unsigned long long)s->failed,
	         (unsigned long long)s->calls, addr, (unsigned long long)top->n, top->code);
	snprintf(f->where, sizeof(f->where), "%s", label);
	finding_fact(f, "calls (INVITE dialogs)", (double)s->calls, "");
	finding_fact(f, "answered", (double)s->answered, "");
	finding_fact(f, "failed", (double)s->failed, "");
	for (unsigned i = 0; i < s->ncodes && f->nfacts < FINDING_MAX_FACTS - 1; i++) {
		char name[48];
		snprintf(name, sizeof(name), "final %u", s->codes[i].code);
		finding_fact(f, name, (double)s->codes[i].n, "");
	}
	if (s->setup_n)
		finding_fact(f, "setup time mean", (double)s->setup_sum_ns / (double)s->setup_n / 1e6,
		             "ms");
	for (unsigned i = 0; i < s->fail_frames.n; i++)
		finding_frame(f, s->fail_frames.f[i]);
	char extra[64];
	snprintf(extra, sizeof(extra), "sip.CSeq.method == \"INVITE\" && sip.Status-Code >= 300");
	app_endpoint_filter(&s->ep, true, extra, f->display_filter, sizeof(f->display_filter));
	f->first_ns = s->first_ns;
	f->last_ns = s->last_ns;
	if (top->code == 503)
		snprintf(f->cause, sizeof(f->cause),
		         "503 Service Unavailable: the server (or the proxy's next hop) is overloaded, "
		         "in maintenance, or out of trunk capacity; a cluster of 503s usually means "
		         "a downstream gateway or carrier refused the calls");
	else if (top->code >= 500)
		snprintf(f->cause, sizeof(f->cause),
		         "server errors (5xx/6xx): the server or a downstream hop failed the calls");
	else
		snprintf(f->cause, sizeof(f->cause),
		         "client errors (4xx): wrong numbers or URIs (404/484), authentication "
		         "(403), busy (486) or codec mismatch (488)");
	snprintf(f->action, sizeof(f->action),
	         "look at the server's logs and capacity at the times listed, and at the Reason "
	         "and Retry-After headers of these responses");
	f->confidence = CONF_HIGH;
}

static void rtp_finding(const struct rtp_entry *e, struct finding_list *out)
{
	const struct rtp_stream *r = &e->r;
	if (!r->audio || r->mos < 0)
		return;
	double loss = r->expected > 0 ? 100.0 * (double)r->lost / (double)r->expected : 0;
	bool bad = loss > RTP_LOSS_PCT || r->mean_jitter_ms > RTP_JITTER_MS || r->mos < RTP_MOS_MIN;
	if (!bad)
		return;
	bool high = loss > RTP_LOSS_HIGH_PCT || r->mos < RTP_MOS_HIGH;
	struct finding *f = finding_new(out, high ? SEV_HIGH : SEV_MEDIUM, "app", "app.rtp_quality",
	                                (double)r->packets);
	if (!f)
		return;
	char src[64], dst[64], label[200];
	app_endpoint_addr(&e->src, src, sizeof(src));
	app_endpoint_addr(&e->dst, dst, sizeof(dst));
	app_endpoint_label(&e->dst, label, sizeof(label));
	snprintf(f->title, sizeof(f->title),
	         "RTP voice stream %s -> %s (SSRC 0x%08x) degraded: loss %.1f%%, mean jitter %.1f "
	         "ms, MOS %.2f", src, dst, r->ssrc, loss, r->mean_jitter_ms, r->mos);
	snprintf(f->where, sizeof(f->where), "%s -> %s/udp, SSRC 0x%08x, %s", src, label, r->ssrc,
	         r->codec[0] ? r->codec : "codec unknown");
	finding_fact(f, "packets", (double)r->packets, "");
	finding_fact(f, "expected", (double)r->expected, "");
	finding_fact(f, "lost", (double)r->lost, "");
	finding_fact(f, "loss", loss, "%");
	finding_fact(f, "mean jitter", r->mean_jitter_ms, "ms");
	finding_fact(f, "max jitter", r->max_jitter_ms, "ms");
	finding_fact(f, "max delta", r->max_delta_ms, "ms");
	finding_fact(f, "MOS (estimated)", r->mos, "");
	finding_frame(f, r->first_frame);
	snprintf(f->display_filter, sizeof(f->display_filter), "rtp.ssrc == 0x%08x && udp.dstport == %u",
	         r->ssrc, e->dst.port);
	f->first_ns = r->first_ns;
	f->last_ns = r->last_ns;
	f->flows = 1;
	snprintf(f->cause, sizeof(f->cause),
	         "packets lost or delayed unevenly on the way (loss > %.0f%%, jitter > %.0f ms or "
	         "MOS < %.1f): congestion on a link without priority for voice, a shaper or "
	         "policer dropping it, or Wi-Fi/radio loss",
	         RTP_LOSS_PCT, RTP_JITTER_MS, RTP_MOS_MIN);
	snprintf(f->action, sizeof(f->action),
	         "mark voice EF (DSCP 46) and give it a priority queue end to end; check the "
	         "links and shapers between the two ends for drops at these times");
	f->confidence = CONF_MEDIUM;
	snprintf(f->raise_confidence, sizeof(f->raise_confidence),
	         "compare with the RTCP receiver reports of the far end (not read here)");
}

void app_voip_findings(struct app_analyzer *a, struct finding_list *out)
{
	for (size_t i = 0; i < a->tls_servers.n; i++)
		tls_findings(a, app_table_at(&a->tls_servers, i), out);
	for (size_t i = 0; i < a->sip_servers.n; i++)
		sip_findings(app_table_at(&a->sip_servers, i), out);
	for (size_t i = 0; i < a->rtp_streams.n; i++)
		rtp_finding(app_table_at(&a->rtp_streams, i), out);
}
