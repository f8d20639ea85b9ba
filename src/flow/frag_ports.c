/* frag_ports.c - ports for later IP fragments (see frag_ports.h). */
#include "frag_ports.h"

#include <stdlib.h>
#include <string.h>

#include "base/hash.h"

static void fill(struct frag_ports_entry *e, const struct packet *p)
{
	memset(e, 0, sizeof(*e));
	e->frag_id = p->frag_id;
	e->proto = p->proto;
	e->family = p->ip_ver;
	memcpy(e->src, p->src.a, 16);
	memcpy(e->dst, p->dst.a, 16);
	const struct tunnel *t = pkt_session_tunnel(p);
	e->sess_id = t && t->has_id ? t->id : 0;
}

static uint64_t key_hash(const struct frag_ports_entry *e)
{
	uint8_t k[48];
	memcpy(k, &e->frag_id, 4);
	k[4] = e->proto;
	k[5] = e->family;
	memcpy(k + 6, &e->sess_id, 4);
	memcpy(k + 10, e->src, 16);
	memcpy(k + 26, e->dst, 16);
	memset(k + 42, 0, 6);
	return hash_bytes(k, sizeof(k), 0xf4a9) | 1;
}

static bool same(const struct frag_ports_entry *a, const struct frag_ports_entry *b)
{
	return a->frag_id == b->frag_id && a->proto == b->proto && a->family == b->family &&
	       a->sess_id == b->sess_id && !memcmp(a->src, b->src, 16) && !memcmp(a->dst, b->dst, 16);
}

void frag_ports_note(struct frag_ports *m, const struct packet *p)
{
	if (!p->is_fragment || p->frag_offset != 0 || !p->has_l4)
		return;
	if (!m->v) {
		m->v = calloc(FRAG_PORTS_SLOTS, sizeof(*m->v));
		if (!m->v)
			return;
	}
	struct frag_ports_entry e;
	fill(&e, p);
	e.hash = key_hash(&e);
	e.sport = p->sport;
	e.dport = p->dport;
	e.ts_ns = p->ts_ns;
	m->v[e.hash % FRAG_PORTS_SLOTS] = e; /* one slot per hash: the newest datagram wins */
	m->noted++;
}

bool frag_ports_find(struct frag_ports *m, const struct packet *p, uint16_t *sport, uint16_t *dport)
{
	if (!m->v || !p->is_fragment || p->frag_offset == 0) {
		m->missed++;
		return false;
	}
	struct frag_ports_entry e;
	fill(&e, p);
	e.hash = key_hash(&e);
	const struct frag_ports_entry *s = &m->v[e.hash % FRAG_PORTS_SLOTS];
	int64_t age = p->ts_ns - s->ts_ns;
	if (s->hash != e.hash || !same(s, &e) || age > FRAG_PORTS_TTL_NS || age < -FRAG_PORTS_TTL_NS) {
		m->missed++;
		return false;
	}
	*sport = s->sport;
	*dport = s->dport;
	m->found++;
	return true;
}

void frag_ports_free(struct frag_ports *m)
{
	free(m->v);
	m->v = NULL;
}
