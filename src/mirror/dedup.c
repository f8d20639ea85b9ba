/* dedup.c - copies of one packet from two mirror points (see dedup.h). */
#include "dedup.h"

#include <stdlib.h>
#include <string.h>

#include "base/bigalloc.h"
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

static inline uint64_t mix(uint64_t h, uint64_t w)
{
	h ^= w * UINT64_C(0xc2b2ae3d27d4eb4f);
	h *= UINT64_C(0x9e3779b97f4a7c15);
	return h << 29 | h >> 35;
}

/* The signature: fields no hop rewrites, a few words mixed.  0 means "do not deduplicate". */
static uint64_t signature(const struct packet *p)
{
	if (!p->has_ip)
		return 0;
	uint64_t a, b;
	memcpy(&a, p->src.a, 8);
	memcpy(&b, p->dst.a, 8);
	uint64_t h = mix(0x5eed, a ^ (b << 1));
	if (p->ip_ver == 6) {
		memcpy(&a, p->src.a + 8, 8);
		memcpy(&b, p->dst.a + 8, 8);
		h = mix(h, a ^ (b << 1));
	}
	h = mix(h, (uint64_t)p->ip_len << 32 | (uint64_t)p->ip_id << 16 | (uint64_t)p->proto << 8 |
			   (uint64_t)p->is_fragment);
	h = mix(h, (uint64_t)p->frag_offset << 32 |
			   (p->has_l4 ? (uint64_t)p->sport << 16 | p->dport : 0));
	if (p->has_l4 && p->proto == IPPROTO_NUM_TCP) {
		h = mix(h, (uint64_t)p->seq << 32 | p->ack);
		h = mix(h, (uint64_t)p->tcp_flags << 48 | (uint64_t)p->window << 32 | p->tsval);
		h = mix(h, p->tsecr);
	} else if (p->payload && p->payload_caplen) {
		uint32_t n = p->payload_caplen < PAYLOAD_SIG_BYTES ? p->payload_caplen : PAYLOAD_SIG_BYTES;
		h = mix(h, hash_bytes(p->payload, n, 0x7a));
	}
	return hash_mix64(h) | 1;
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

bool dedup_packet(struct dedup *d, const struct packet *p, uint32_t session, uint32_t nsessions,
		  uint32_t flow, uint32_t *first_flow)
{
	if (!d->cfg.enabled || (nsessions < 2 && !d->cfg.same_session))
		return false;
	uint64_t sig = signature(p);
	if (!sig)
		return false;
	if (!d->slots) {
		d->slots = big_calloc(DEDUP_SLOTS * sizeof(*d->slots));
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
		*first_flow = s->flow;
		return true;
	}
	s->sig = sig;
	s->ts_ns = p->ts_ns;
	s->session = session;
	s->flow = flow;
	s->ttl = p->ttl;
	s->tos = p->tos;
	return false;
}
