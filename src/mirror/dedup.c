/* dedup.c - copies of one packet from two mirror points (see dedup.h). */
#include "dedup.h"

#include <stdlib.h>
#include <string.h>

#include "base/hash.h"

#define PAYLOAD_SIG_BYTES 32

void dedup_cfg_default(struct dedup_cfg *cfg)
{
	cfg->enabled = true;
	cfg->same_session = false;
	cfg->window_ns = INT64_C(200) * 1000000;
}

void dedup_init(struct dedup *d, const struct dedup_cfg *cfg)
{
	memset(d, 0, sizeof(*d));
	d->cfg = *cfg;
}

void dedup_fini(struct dedup *d)
{
	free(d->slots);
	d->slots = NULL;
}

/* The signature: fields no hop rewrites.  0 means "do not deduplicate". */
static uint64_t signature(const struct packet *p)
{
	if (!p->has_ip)
		return 0;
	struct {
		uint8_t src[16], dst[16];
		uint32_t ip_len, seq, ack, tsval, tsecr, payload;
		uint16_t ip_id, sport, dport, window;
		uint8_t proto, flags, ver, frag;
		uint16_t frag_offset, pad;
	} s;
	memset(&s, 0, sizeof(s));
	memcpy(s.src, p->src.a, 16);
	memcpy(s.dst, p->dst.a, 16);
	s.ip_len = p->ip_len;
	s.ip_id = p->ip_id;
	s.proto = p->proto;
	s.ver = p->ip_ver;
	s.frag = p->is_fragment;
	s.frag_offset = p->frag_offset;
	if (p->has_l4) {
		s.sport = p->sport;
		s.dport = p->dport;
	}
	if (p->has_l4 && p->proto == IPPROTO_NUM_TCP) {
		s.seq = p->seq;
		s.ack = p->ack;
		s.flags = p->tcp_flags;
		s.window = p->window;
		s.tsval = p->tsval;
		s.tsecr = p->tsecr;
	} else if (p->payload && p->payload_caplen) {
		uint32_t n = p->payload_caplen < PAYLOAD_SIG_BYTES ? p->payload_caplen : PAYLOAD_SIG_BYTES;
		s.payload = (uint32_t)hash_bytes(p->payload, n, 0x7a);
	}
	return hash_bytes(&s, sizeof(s), 0xd3d) | 1;
}

static struct dedup_pair *pair_for(struct dedup *d, uint32_t a, uint32_t b)
{
	for (unsigned i = 0; i < d->npairs; i++)
		if (d->pairs[i].first_session == a && d->pairs[i].second_session == b)
			return &d->pairs[i];
	if (d->npairs == DEDUP_MAX_PAIRS) {
		d->pairs_overflow++;
		return NULL;
	}
	struct dedup_pair *x = &d->pairs[d->npairs++];
	memset(x, 0, sizeof(*x));
	x->first_session = a;
	x->second_session = b;
	x->delay_min_ns = INT64_MAX;
	x->delay_max_ns = INT64_MIN;
	x->ttl_delta_min = 256;
	x->ttl_delta_max = -256;
	return x;
}

bool dedup_packet(struct dedup *d, const struct packet *p, uint32_t session)
{
	if (!d->cfg.enabled)
		return false;
	uint64_t sig = signature(p);
	if (!sig)
		return false;
	if (!d->slots) {
		d->slots = calloc(DEDUP_SLOTS, sizeof(*d->slots));
		if (!d->slots) {
			d->cfg.enabled = false;
			return false;
		}
	}
	d->checked++;
	struct dedup_slot *s = &d->slots[sig % DEDUP_SLOTS];
	int64_t age = p->ts_ns - s->ts_ns;
	bool fresh = s->sig == sig && age >= 0 && age <= d->cfg.window_ns;
	if (fresh && (s->session != session || d->cfg.same_session)) {
		d->duplicates++;
		struct dedup_pair *x = pair_for(d, s->session, session);
		if (x) {
			if (!x->copies)
				x->first_frame = p->frame;
			x->copies++;
			x->delay_sum_ns += age;
			if (age < x->delay_min_ns)
				x->delay_min_ns = age;
			if (age > x->delay_max_ns)
				x->delay_max_ns = age;
			int dt = (int)s->ttl - (int)p->ttl;
			if (dt < x->ttl_delta_min)
				x->ttl_delta_min = dt;
			if (dt > x->ttl_delta_max)
				x->ttl_delta_max = dt;
			if ((s->tos >> 2) != (p->tos >> 2)) {
				x->dscp_changed++;
				x->dscp_first = s->tos >> 2;
				x->dscp_second = p->tos >> 2;
			}
		}
		/* keep the first copy's record: a third copy compares with it too */
		return true;
	}
	s->sig = sig;
	s->ts_ns = p->ts_ns;
	s->session = session;
	s->ttl = p->ttl;
	s->tos = p->tos;
	s->frame = p->frame;
	return false;
}
