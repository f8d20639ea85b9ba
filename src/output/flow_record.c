/* flow_record.c - flow records as JSON objects and text lines. */
#include "flow_record.h"

#include <stdio.h>
#include <string.h>

#include "base/timefmt.h"
#include "decode/ipaddr.h"
#include "mirror/aws_config.h"

void tcp_flags_letters(uint8_t flags, char out[9])
{
	static const struct {
		uint8_t bit;
		char c;
	} map[] = {{TCP_SYN, 'S'}, {TCP_ACK, 'A'}, {TCP_FIN, 'F'}, {TCP_RST, 'R'},
		   {TCP_PSH, 'P'}, {TCP_URG, 'U'}, {TCP_ECE, 'E'}, {TCP_CWR, 'C'}};
	int n = 0;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (flags & map[i].bit)
			out[n++] = map[i].c;
	out[n] = 0;
}

const char *ipproto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_NUM_TCP:
		return "tcp";
	case IPPROTO_NUM_UDP:
		return "udp";
	case IPPROTO_NUM_ICMP:
		return "icmp";
	case IPPROTO_NUM_ICMPV6:
		return "icmpv6";
	case IPPROTO_NUM_GRE:
		return "gre";
	case 50:
		return "esp";
	case 132:
		return "sctp";
	default:
		return "other";
	}
}

static const char *tunnel_name(enum tunnel_kind k)
{
	static const char *const n[] = {"none", "vxlan", "geneve", "gre", "erspan", "ipip"};
	return (unsigned)k < sizeof(n) / sizeof(n[0]) ? n[k] : "unknown";
}

static int64_t flow_first_ns(const struct flow *f)
{
	if (!f->dir[1].packets)
		return f->dir[0].first_ns;
	if (!f->dir[0].packets)
		return f->dir[1].first_ns;
	return f->dir[0].first_ns < f->dir[1].first_ns ? f->dir[0].first_ns : f->dir[1].first_ns;
}

static int64_t flow_last_ns(const struct flow *f)
{
	if (!f->dir[1].packets)
		return f->dir[0].last_ns;
	if (!f->dir[0].packets)
		return f->dir[1].last_ns;
	return f->dir[0].last_ns > f->dir[1].last_ns ? f->dir[0].last_ns : f->dir[1].last_ns;
}

static void dir_json(struct jsonw *w, const char *key, const struct flow_dir *d, uint8_t proto)
{
	char tf[9], ts[TIMEFMT_ISO_LEN];
	jsonw_key(w, key);
	jsonw_obj_begin(w);
	jsonw_ku64(w, "packets", d->packets);
	jsonw_ku64(w, "bytes", d->ip_bytes);
	jsonw_ku64(w, "payload_bytes", d->payload_bytes);
	jsonw_ku64(w, "wire_bytes", d->wire_bytes);
	jsonw_ku64(w, "truncated", d->truncated);
	jsonw_ku64(w, "max_ip_len", d->max_ip_len);
	if (d->packets) {
		jsonw_kstr(w, "first", timefmt_iso(d->first_ns, ts, sizeof(ts)));
		jsonw_kstr(w, "last", timefmt_iso(d->last_ns, ts, sizeof(ts)));
		jsonw_ku64(w, "dscp", d->dscp_seen);
	}
	if (proto == IPPROTO_NUM_TCP) {
		tcp_flags_letters(d->tcp_flags, tf);
		jsonw_kstr(w, "tcp_flags", tf);
	}
	jsonw_obj_end(w);
}

void flow_record_json(struct jsonw *w, const struct flow *f, enum flow_end_reason why,
		      const struct tcp_health *h)
{
	char a[IPADDR_STRLEN], ts[TIMEFMT_ISO_LEN];
	jsonw_obj_begin(w);
	jsonw_ku64(w, "flow_id", f->id);
	jsonw_key(w, "session");
	jsonw_obj_begin(w);
	jsonw_kstr(w, "tunnel", tunnel_name(f->session.kind));
	if (f->session.kind != TUN_NONE) {
		if (f->session.has_id)
			jsonw_ku64(w, "vni", f->session.id);
		jsonw_kstr(w, "outer_src", ipaddr_format(&f->session.src, a, sizeof(a)));
		jsonw_kstr(w, "outer_dst", ipaddr_format(&f->session.dst, a, sizeof(a)));
		if (f->session.gwlb)
			jsonw_kbool(w, "gwlb", true);
	}
	if (f->aws) {
		jsonw_kstr(w, "aws_session", f->aws->id);
		jsonw_kstr(w, "eni", f->aws->eni_id);
	}
	jsonw_obj_end(w);
	if (f->key.vlan)
		jsonw_ku64(w, "vlan", f->key.vlan);
	jsonw_kstr(w, "proto", ipproto_name(f->proto));
	jsonw_ku64(w, "ip_proto", f->proto);
	jsonw_kstr(w, "src", ipaddr_format(&f->src, a, sizeof(a)));
	jsonw_ku64(w, "sport", f->sport);
	jsonw_kstr(w, "dst", ipaddr_format(&f->dst, a, sizeof(a)));
	jsonw_ku64(w, "dport", f->dport);
	int64_t first = flow_first_ns(f), last = flow_last_ns(f);
	jsonw_kstr(w, "first", timefmt_iso(first, ts, sizeof(ts)));
	jsonw_kstr(w, "last", timefmt_iso(last, ts, sizeof(ts)));
	jsonw_kfixed(w, "duration", (double)(last - first) / 1e9, 6);
	jsonw_ku64(w, "first_frame", f->first_frame);
	dir_json(w, "orig", &f->dir[0], f->proto);
	dir_json(w, "resp", &f->dir[1], f->proto);
	jsonw_kstr(w, "end", flow_end_reason_name(why));
	if (f->proto == IPPROTO_NUM_TCP) {
		jsonw_kstr(w, "conn_state", flow_conn_state(f));
		uint8_t o = f->dir[0].tcp_flags, r = f->dir[1].tcp_flags;
		if ((o | r) & TCP_RST)
			jsonw_kstr(w, "reset_by", (o & TCP_RST) && (r & TCP_RST) ? "both"
						  : (o & TCP_RST)		 ? "originator"
										 : "responder");
		int64_t q = f->dir[0].first_payload_ns, ans = f->dir[1].first_payload_ns;
		if (q && ans && ans >= q)
			jsonw_kfixed(w, "ttfb_ms", (double)(ans - q) / 1e6, 3);
	}
	if (h) {
		jsonw_key(w, "tcp");
		jsonw_obj_begin(w);
		for (int i = 0; i < TA_COUNT; i++)
			if (h->flag_count[i])
				jsonw_ku64(w, tcp_aflag_name((enum tcp_aflag)i), h->flag_count[i]);
		uint64_t segs = h->data_segments[0] + h->data_segments[1];
		uint64_t rsegs = h->retrans_segments[0] + h->retrans_segments[1];
		uint64_t bytes = h->data_bytes[0] + h->data_bytes[1];
		uint64_t rbytes = h->retrans_bytes[0] + h->retrans_bytes[1];
		jsonw_ku64(w, "data_segments", segs);
		jsonw_ku64(w, "retrans_segments", rsegs);
		jsonw_kfixed(w, "retrans_rate_segments", segs ? (double)rsegs / (double)segs : 0, 4);
		jsonw_kfixed(w, "retrans_rate_bytes", bytes ? (double)rbytes / (double)bytes : 0, 4);
		if (h->irtt_ns >= 0)
			jsonw_kfixed(w, "irtt_ms", (double)h->irtt_ns / 1e6, 3);
		if (h->rtt_samples) {
			jsonw_ku64(w, "rtt_samples", h->rtt_samples);
			jsonw_kfixed(w, "rtt_p50_ms", (double)h->rtt_p50_ns / 1e6, 3);
			jsonw_kfixed(w, "rtt_p95_ms", (double)h->rtt_p95_ns / 1e6, 3);
			jsonw_kfixed(w, "rtt_max_ms", (double)h->rtt_max_ns / 1e6, 3);
		}
		if (h->max_bytes_in_flight > 0)
			jsonw_ki64(w, "max_bytes_in_flight", h->max_bytes_in_flight);
		jsonw_obj_end(w);
	}
	jsonw_obj_end(w);
}

void flow_record_text_header(struct strbuf *b)
{
	strbuf_adds(b, "   ID SESSION            PROTO ENDPOINTS                                      "
		       "    PKTS>   BYTES>    PKTS<   BYTES<  DURATION FLAGS\n");
}

void flow_record_text(struct strbuf *b, const struct flow *f)
{
	char s[IPADDR_STRLEN], d[IPADDR_STRLEN], sess[24], ep[128], tf[9], tr[9], line[320];
	ipaddr_format(&f->src, s, sizeof(s));
	ipaddr_format(&f->dst, d, sizeof(d));
	if (f->session.kind == TUN_NONE)
		snprintf(sess, sizeof(sess), "-");
	else if (f->session.has_id)
		snprintf(sess, sizeof(sess), "%s:%u", tunnel_name(f->session.kind), f->session.id);
	else
		snprintf(sess, sizeof(sess), "%s", tunnel_name(f->session.kind));
	const char *l = f->src.family == 6 ? "[" : "", *r = f->src.family == 6 ? "]" : "";
	if (f->proto == IPPROTO_NUM_TCP || f->proto == IPPROTO_NUM_UDP)
		snprintf(ep, sizeof(ep), "%s%s%s:%u > %s%s%s:%u", l, s, r, f->sport, l, d, r,
			 f->dport);
	else
		snprintf(ep, sizeof(ep), "%s > %s", s, d);
	tcp_flags_letters(f->dir[0].tcp_flags, tf);
	tcp_flags_letters(f->dir[1].tcp_flags, tr);
	int64_t dur = flow_last_ns(f) - flow_first_ns(f);
	snprintf(line, sizeof(line), "%5llu %-18s %-5s %-50s %8llu %8llu %8llu %8llu %9.3f %s%s%s\n",
		 (unsigned long long)f->id, sess, ipproto_name(f->proto), ep,
		 (unsigned long long)f->dir[0].packets, (unsigned long long)f->dir[0].ip_bytes,
		 (unsigned long long)f->dir[1].packets, (unsigned long long)f->dir[1].ip_bytes,
		 (double)dur / 1e9, tf, f->proto == IPPROTO_NUM_TCP ? "/" : "", tr);
	strbuf_adds(b, line);
}
