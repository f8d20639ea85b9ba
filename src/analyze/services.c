/* services.c - per-service roll-up of ended flows (see services.h). */
#include "services.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "decode/ipaddr.h"

struct service_table {
	struct service *v;
	size_t n, cap;
	int32_t *slot; /* open addressing, 2 x SERVICES_MAX */
	uint64_t dropped;
};

#define SLOTS (2 * SERVICES_MAX)

void frameset_add(struct frameset *s, uint64_t frame)
{
	if (!frame)
		return;
	for (unsigned i = 0; i < s->n; i++)
		if (s->f[i] == frame)
			return;
	if (s->n == FRAMESET_MAX) {
		if (frame > s->f[FRAMESET_MAX - 1])
			return;
		s->n--; /* drop the largest */
	}
	unsigned i = s->n++;
	while (i > 0 && s->f[i - 1] > frame) {
		s->f[i] = s->f[i - 1];
		i--;
	}
	s->f[i] = frame;
}

struct service_table *service_table_new(void)
{
	struct service_table *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->slot = malloc(SLOTS * sizeof(int32_t));
	if (!t->slot) {
		free(t);
		return NULL;
	}
	memset(t->slot, 0xff, SLOTS * sizeof(int32_t));
	return t;
}

void service_table_free(struct service_table *t)
{
	if (!t)
		return;
	free(t->v);
	free(t->slot);
	free(t);
}

bool service_flow_matches(enum tunnel_kind sess_kind, bool sess_has_id, uint32_t sess_id,
			  const struct ip_addr *sess_src, const struct ip_addr *addr, uint16_t port,
			  uint8_t proto, const struct flow *f)
{
	return sess_kind == f->session.kind && sess_id == f->session.id &&
	       sess_has_id == f->session.has_id && port == f->dport && proto == f->proto &&
	       ipaddr_eq(addr, &f->dst) && ipaddr_eq(sess_src, &f->session.src);
}

uint64_t service_flow_hash(const struct flow *f, uint64_t seed)
{
	uint8_t k[44];
	memset(k, 0, sizeof(k));
	k[0] = (uint8_t)f->session.kind;
	k[1] = f->proto;
	memcpy(k + 2, &f->dport, 2);
	memcpy(k + 4, &f->session.id, 4);
	memcpy(k + 8, f->session.src.a, 16);
	memcpy(k + 24, f->dst.a, 16);
	k[40] = f->dst.family;
	return hash_bytes(k, sizeof(k), seed);
}

static bool same(const struct service *s, const struct flow *f)
{
	return service_flow_matches(s->sess_kind, s->sess_has_id, s->sess_id, &s->sess_src,
				    &s->addr, s->port, s->proto, f);
}

static struct service *lookup(struct service_table *t, const struct flow *f)
{
	uint64_t h = service_flow_hash(f, 0x51);
	for (size_t probe = 0; probe < SLOTS; probe++) {
		size_t pos = (size_t)((h + probe) & (SLOTS - 1));
		int32_t i = t->slot[pos];
		if (i >= 0) {
			if (same(&t->v[i], f))
				return &t->v[i];
			continue;
		}
		if (t->n == SERVICES_MAX)
			return NULL;
		if (t->n == t->cap) {
			size_t cap = t->cap ? t->cap * 2 : 256;
			struct service *v = realloc(t->v, cap * sizeof(*v));
			if (!v)
				return NULL;
			t->v = v;
			t->cap = cap;
		}
		struct service *s = &t->v[t->n];
		memset(s, 0, sizeof(*s));
		s->sess_kind = f->session.kind;
		s->sess_has_id = f->session.has_id;
		s->sess_id = f->session.id;
		s->sess_src = f->session.src;
		s->addr = f->dst;
		s->port = f->dport;
		s->proto = f->proto;
		s->mss[0] = s->mss[1] = -1;
		t->slot[pos] = (int32_t)t->n++;
		return s;
	}
	return NULL;
}

void service_table_flow(struct service_table *t, const struct flow *f, const struct tcp_health *h,
			const struct tcp_obs *obs, const uint64_t first_flag_frame[TA_COUNT])
{
	struct service *s = lookup(t, f);
	if (!s) {
		t->dropped++;
		return;
	}
	s->flows++;
	int64_t first = f->dir[0].packets ? f->dir[0].first_ns : f->dir[1].first_ns;
	int64_t last = f->dir[0].last_ns > f->dir[1].last_ns ? f->dir[0].last_ns : f->dir[1].last_ns;
	if (s->flows == 1 || first < s->first_ns)
		s->first_ns = first;
	if (last > s->last_ns)
		s->last_ns = last;
	for (int d = 0; d < 2; d++) {
		s->packets[d] += f->dir[d].packets;
		s->bytes[d] += f->dir[d].ip_bytes;
		s->truncated_pkts += f->dir[d].truncated;
	}
	if (f->proto != IPPROTO_NUM_TCP)
		return;
	uint8_t cf = f->dir[0].tcp_flags, sf = f->dir[1].tcp_flags;
	bool syn = cf & TCP_SYN, synack = (sf & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK);
	if (syn && synack)
		s->established++;
	else if (syn && !f->dir[1].packets)
		s->s0++, frameset_add(&s->s0_frames, f->first_frame);
	else if (syn && (sf & TCP_RST) && !synack)
		s->rejected++, frameset_add(&s->rst_frames, f->first_frame);
	if (sf & TCP_RST && synack)
		s->rst_by_server++;
	if (cf & TCP_RST)
		s->rst_by_client++;
	if (!h)
		return;
	for (int d = 0; d < 2; d++) {
		s->data_segs[d] += h->data_segments[d];
		s->data_bytes[d] += h->data_bytes[d];
		s->retrans_segs[d] += h->retrans_segments[d];
		s->retrans_bytes[d] += h->retrans_bytes[d];
	}
	if (h->retrans_segments[0] + h->retrans_segments[1])
		s->rtx_flows++;
	for (int i = 0; i < TA_COUNT; i++) {
		s->flag[i] += h->flag_count[i];
		if (first_flag_frame)
			frameset_add(&s->flag_frames[i], first_flag_frame[i]);
	}
	if (h->irtt_ns >= 0) {
		s->irtt_sum_ns += h->irtt_ns;
		s->irtt_n++;
		if (h->irtt_ns > s->irtt_max_ns)
			s->irtt_max_ns = h->irtt_ns;
	}
	if (h->rtt_samples) {
		s->rtt_samples += h->rtt_samples;
		s->rtt_p50_sum_ns += h->rtt_p50_ns;
		s->rtt_n++;
		if (h->rtt_p95_ns > s->rtt_p95_max_ns)
			s->rtt_p95_max_ns = h->rtt_p95_ns;
	}
	if (!obs)
		return;
	if (obs->dir[0].resent_segs + obs->dir[1].resent_segs)
		s->resent_flows++;
	for (int d = 0; d < 2; d++) {
		const struct tcp_obs_dir *o = &obs->dir[d];
		s->resent_segs[d] += o->resent_segs;
		s->resent_bytes[d] += o->resent_bytes;
		for (unsigned i = 0; i < o->nrtx_frames; i++)
			frameset_add(&s->rtx_frames[d], o->rtx_frames[i]);
		s->big_rtx[d] += o->big_rtx;
		s->small_ok[d] += o->small_ok;
		s->big_ok[d] += o->big_ok;
		if (o->max_big_repeat > s->max_big_repeat[d])
			s->max_big_repeat[d] = o->max_big_repeat;
		if (o->mss >= 0)
			s->mss[d] = o->mss;
		if (o->max_ip_len > s->max_ip_len[d])
			s->max_ip_len[d] = o->max_ip_len;
		/* The black-hole signature in one flow: one large segment sent 3+ times, and no
		 * resent large segment ever got through (a policer lets resends pass). */
		if (o->max_big_repeat >= 3 && !o->big_rtx_passed) {
			s->blackhole_flows[d]++;
			s->blackhole_sender[d] = d ? f->dst : f->src;
			frameset_add(&s->blackhole_frames, o->max_big_repeat_frame);
		}
	}
}

size_t service_table_count(const struct service_table *t)
{
	return t->n;
}

struct service *service_table_at(struct service_table *t, size_t i)
{
	return i < t->n ? &t->v[i] : NULL;
}

uint64_t service_table_dropped(const struct service_table *t)
{
	return t->dropped;
}

void service_label(const struct service *s, char *buf, size_t len)
{
	char a[IPADDR_STRLEN], o[IPADDR_STRLEN];
	ipaddr_format(&s->addr, a, sizeof(a));
	const char *proto = s->proto == IPPROTO_NUM_TCP ? "tcp" : s->proto == IPPROTO_NUM_UDP ? "udp"
											     : "ip";
	const char *l = s->addr.family == 6 ? "[" : "", *r = s->addr.family == 6 ? "]" : "";
	if (s->sess_kind == TUN_NONE) {
		snprintf(buf, len, "%s%s%s:%u/%s", l, a, r, s->port, proto);
		return;
	}
	ipaddr_format(&s->sess_src, o, sizeof(o));
	if (s->sess_has_id)
		snprintf(buf, len, "%s%s%s:%u/%s in session vni %u from %s", l, a, r, s->port, proto,
			 s->sess_id, o);
	else
		snprintf(buf, len, "%s%s%s:%u/%s in tunnel from %s", l, a, r, s->port, proto, o);
}
