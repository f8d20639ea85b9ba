/* flow_table.c - the bounded flow table: chained hash over a chunked pool, two activity lists.
 *
 * Flows live in fixed-size chunks (pointers stay put while a flow lives); a free list recycles
 * slots.  Each live flow is on one of three activity lists, oldest activity first: open TCP
 * flows, TCP flows closed by FIN both ways or RST (kept 30 s for late packets), and
 * all others, because their idle timeouts differ.  Expiry looks only at list heads, so it is
 * O(1) amortised per packet.  A flow moves to its list's tail at most every LIST_MOVE_NS of
 * capture time: idle timeouts are that coarse, and a busy flow does not touch its list
 * neighbours' memory on every packet.  When the table is full the least recently active flow
 * is evicted.
 */
#include "flow.h"

#include <stdlib.h>
#include <string.h>

#include "base/bigalloc.h"
#include "base/hash.h"
#include "flow/frag_ports.h"

#define NIL UINT32_MAX
#define CHUNK_SHIFT 12
#define CHUNK_SIZE (1u << CHUNK_SHIFT)
#define LIST_TCP 0
#define LIST_OTHER 1
#define LIST_CLOSED 2
#define NLISTS 3
#define LIST_MOVE_NS (INT64_C(250) * 1000000)
#define CLOCK_JUMP_NS (INT64_C(10) * 1000000000)

struct flow_table {
	struct flow_table_cfg cfg;
	flow_end_fn on_end;
	void *ctx;
	struct flow **chunks;
	uint32_t nchunks, maxchunks;
	uint32_t nslots; /* slots handed out so far (all chunks) */
	uint32_t free_head;
	uint32_t *buckets;
	uint64_t bucket_mask;
	uint64_t seed;
	uint32_t head[NLISTS], tail[NLISTS];
	int64_t now_ns;
	uint64_t next_id;
	struct frag_ports frags;
	uint8_t *twins; /* TWIN_SLOTS saturating counters of live flows per session-less 5-tuple */
	struct flow_table_stats st;
};

#define TWIN_SLOTS (1u << 20)

static const char *const end_names[] = {
	[FLOW_END_EOF] = "eof",
	[FLOW_END_IDLE] = "idle",
	[FLOW_END_ACTIVE] = "active",
	[FLOW_END_EVICTED] = "evicted",
};

const char *flow_end_reason_name(enum flow_end_reason r)
{
	return (unsigned)r < sizeof(end_names) / sizeof(end_names[0]) ? end_names[r] : "unknown";
}

const char *flow_conn_state(const struct flow *f)
{
	uint8_t o = f->dir[0].tcp_flags, r = f->dir[1].tcp_flags;
	bool syn = (o & TCP_SYN) && !(o & TCP_ACK && !(o & TCP_SYN));
	bool synack = (r & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK);
	bool resp = f->dir[1].packets > 0;
	if (!(o & TCP_SYN) && !(r & TCP_SYN))
		return "OTH";
	if (o & TCP_SYN && !synack) {
		if (o & TCP_RST)
			return "RSTOS0";
		if (r & TCP_RST)
			return "REJ";
		if (o & TCP_FIN)
			return "SH";
		return resp ? "OTH" : "S0";
	}
	if (!(o & TCP_SYN) && synack) {
		if (r & TCP_RST)
			return "RSTRH";
		if (r & TCP_FIN)
			return "SHR";
		return "OTH";
	}
	(void)syn;
	if (o & TCP_RST)
		return "RSTO";
	if (r & TCP_RST)
		return "RSTR";
	if ((o & TCP_FIN) && (r & TCP_FIN))
		return "SF";
	if (o & TCP_FIN)
		return "S2";
	if (r & TCP_FIN)
		return "S3";
	return "S1";
}

void flow_table_cfg_default(struct flow_table_cfg *cfg)
{
	cfg->max_flows = 262144;
	cfg->tcp_idle_ns = INT64_C(300) * 1000000000;
	cfg->other_idle_ns = INT64_C(60) * 1000000000;
	cfg->active_ns = 0;
	cfg->closed_ns = INT64_C(30) * 1000000000;
}

static void copy_addr(uint8_t dst[16], const struct ip_addr *a)
{
	memcpy(dst, a->a, 16);
}

bool flow_key_build(const struct packet *p, uint16_t sp, uint16_t dp, struct flow_key *k,
		    bool *dir_ab)
{
	if (!p->has_ip)
		return false;
	memset(k, 0, sizeof(*k));
	const struct tunnel *t = pkt_session_tunnel(p);
	if (t) {
		k->sess_kind = (uint8_t)t->kind;
		k->sess_id = t->has_id ? t->id : 0;
		k->sess_family = t->src.family;
		memcpy(k->sess_src, t->src.a, 16);
	}
	k->family = p->ip_ver;
	k->proto = p->proto;
	k->vlan = p->nvlan ? p->vlan[p->nvlan - 1] : 0;
	int c = memcmp(p->src.a, p->dst.a, 16);
	bool ab = c < 0 || (c == 0 && sp <= dp);
	if (ab) {
		copy_addr(k->a, &p->src);
		copy_addr(k->b, &p->dst);
		k->pa = sp;
		k->pb = dp;
	} else {
		copy_addr(k->a, &p->dst);
		copy_addr(k->b, &p->src);
		k->pa = dp;
		k->pb = sp;
	}
	*dir_ab = ab;
	return true;
}

static inline struct flow *slot(const struct flow_table *t, uint32_t i)
{
	return &t->chunks[i >> CHUNK_SHIFT][i & (CHUNK_SIZE - 1)];
}

struct flow_table *flow_table_new(const struct flow_table_cfg *cfg, flow_end_fn on_end, void *ctx)
{
	struct flow_table *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->cfg = *cfg;
	if (t->cfg.max_flows < 16)
		t->cfg.max_flows = 16;
	t->on_end = on_end;
	t->ctx = ctx;
	uint64_t nb = 1024;
	while (nb < t->cfg.max_flows)
		nb <<= 1;
	t->buckets = big_alloc(nb * sizeof(uint32_t));
	t->maxchunks = (t->cfg.max_flows + CHUNK_SIZE - 1) / CHUNK_SIZE;
	t->chunks = calloc(t->maxchunks, sizeof(*t->chunks));
	if (!t->buckets || !t->chunks) {
		flow_table_free(t);
		return NULL;
	}
	t->twins = big_calloc(TWIN_SLOTS);
	if (!t->twins) {
		flow_table_free(t);
		return NULL;
	}
	memset(t->buckets, 0xff, nb * sizeof(uint32_t));
	t->bucket_mask = nb - 1;
	t->seed = hash_mix64((uint64_t)(uintptr_t)t ^ UINT64_C(0x5bd1e9955bd1e995));
	t->free_head = NIL;
	for (int l = 0; l < NLISTS; l++)
		t->head[l] = t->tail[l] = NIL;
	return t;
}

static uint64_t key_hash(const struct flow_table *t, const struct flow_key *k)
{
	return hash_bytes(k, sizeof(*k), t->seed);
}

static void list_unlink(struct flow_table *t, uint32_t i)
{
	struct flow *f = slot(t, i);
	if (f->lprev != NIL)
		slot(t, f->lprev)->lnext = f->lnext;
	else
		t->head[f->list] = f->lnext;
	if (f->lnext != NIL)
		slot(t, f->lnext)->lprev = f->lprev;
	else
		t->tail[f->list] = f->lprev;
	f->lprev = f->lnext = NIL;
}

static void list_append(struct flow_table *t, uint32_t i)
{
	struct flow *f = slot(t, i);
	uint8_t l = f->list;
	f->lnext = NIL;
	f->lprev = t->tail[l];
	if (t->tail[l] != NIL)
		slot(t, t->tail[l])->lnext = i;
	else
		t->head[l] = i;
	t->tail[l] = i;
}

/* Unlink flow i from its bucket, the activity list, report it, and free its slot. */
static void end_flow(struct flow_table *t, uint32_t i, enum flow_end_reason why)
{
	struct flow *f = slot(t, i);
	uint64_t b = key_hash(t, &f->key) & t->bucket_mask;
	uint32_t *pp = &t->buckets[b];
	while (*pp != NIL && *pp != i)
		pp = &slot(t, *pp)->hnext;
	if (*pp == i)
		*pp = f->hnext;
	list_unlink(t, i);
	switch (why) {
	case FLOW_END_IDLE:
		t->st.ended_idle++;
		break;
	case FLOW_END_ACTIVE:
		t->st.ended_active++;
		break;
	case FLOW_END_EVICTED:
		t->st.evicted++;
		break;
	case FLOW_END_EOF:
		break;
	}
	if (t->on_end)
		t->on_end(f, why, t->ctx);
	if (t->twins[f->twin_slot] < UINT8_MAX)
		t->twins[f->twin_slot]--;
	f->live = false;
	f->hnext = t->free_head;
	t->free_head = i;
	t->st.live--;
}

static int64_t flow_last_ns(const struct flow *f)
{
	int64_t a = f->dir[0].packets ? f->dir[0].last_ns : INT64_MIN;
	int64_t b = f->dir[1].packets ? f->dir[1].last_ns : INT64_MIN;
	return a > b ? a : b;
}

static void expire_idle(struct flow_table *t)
{
	const int64_t idle[NLISTS] = {t->cfg.tcp_idle_ns, t->cfg.other_idle_ns, t->cfg.closed_ns};
	for (int l = 0; l < NLISTS; l++) {
		while (t->head[l] != NIL) {
			uint32_t i = t->head[l];
			/* A flow with no counted packet (only copies from a second mirror point
			 * reached it: it links them to the flow analysed) is active when a copy
			 * last moved it on its list (INT64_MIN must not be subtracted). */
			const struct flow *f = slot(t, i);
			int64_t last = flow_last_ns(f);
			if (last == INT64_MIN)
				last = f->listed_ns;
			if (t->now_ns - last <= idle[l])
				break;
			end_flow(t, i, FLOW_END_IDLE);
		}
	}
}

void flow_table_advance(struct flow_table *t, int64_t now_ns)
{
	if (!t->st.created || now_ns <= t->now_ns)
		return;
	t->now_ns = now_ns;
	expire_idle(t);
}

static uint32_t alloc_slot(struct flow_table *t)
{
	if (t->free_head != NIL) {
		uint32_t i = t->free_head;
		t->free_head = slot(t, i)->hnext;
		return i;
	}
	if (t->nslots < t->cfg.max_flows) {
		uint32_t c = t->nslots >> CHUNK_SHIFT;
		if (c >= t->nchunks) {
			if (c >= t->maxchunks)
				return NIL;
			t->chunks[c] = big_alloc(CHUNK_SIZE * sizeof(struct flow));
			if (!t->chunks[c])
				return NIL;
			t->nchunks = c + 1;
		}
		return t->nslots++;
	}
	/* Full: evict the least recently active flow of any list (closed ones first). */
	uint32_t victim = t->head[LIST_CLOSED];
	for (int l = 0; victim == NIL && l < NLISTS; l++)
		if (t->head[l] != NIL &&
		    (victim == NIL || flow_last_ns(slot(t, t->head[l])) <
					      flow_last_ns(slot(t, victim))))
			victim = t->head[l];
	if (victim == NIL)
		return NIL;
	end_flow(t, victim, FLOW_END_EVICTED);
	return alloc_slot(t);
}

static uint32_t create_flow(struct flow_table *t, const struct flow_key *k, const struct packet *p,
			    uint16_t psport, uint16_t pdport, bool ab, uint64_t b)
{
	uint32_t i = alloc_slot(t);
	if (i == NIL)
		return NIL;
	struct flow *f = slot(t, i);
	memset(f, 0, sizeof(*f));
	f->key = *k;
	f->id = ++t->next_id;
	f->first_frame = p->frame;
	f->proto = p->proto;
	/* A first packet with SYN+ACK comes from the responder.  Without a SYN (the capture
	 * began mid-flow), a well-known source port facing a higher port marks the sender as
	 * the server, as a DNS answer or an HTTP response seen first would be. */
	bool from_resp = false;
	if (p->has_l4 && p->proto == IPPROTO_NUM_TCP && (p->tcp_flags & TCP_SYN))
		from_resp = (p->tcp_flags & TCP_ACK) != 0;
	else
		from_resp = psport < 1024 && pdport > psport;
	const struct ip_addr *s = from_resp ? &p->dst : &p->src;
	const struct ip_addr *d = from_resp ? &p->src : &p->dst;
	f->src = *s;
	f->dst = *d;
	f->sport = from_resp ? pdport : psport;
	f->dport = from_resp ? psport : pdport;
	f->a_is_src = from_resp ? !ab : ab;
	const struct tunnel *tun = pkt_session_tunnel(p);
	if (tun)
		f->session = *tun;
	f->ntun = p->ntun;
	f->list = p->proto == IPPROTO_NUM_TCP ? LIST_TCP : LIST_OTHER;
	f->listed_ns = p->ts_ns;
	f->idx = i;
	struct flow_key bare = *k; /* the 5-tuple without session and VLAN */
	bare.sess_kind = bare.sess_family = 0;
	bare.sess_id = 0;
	memset(bare.sess_src, 0, sizeof(bare.sess_src));
	bare.vlan = 0;
	f->twin_slot = (uint32_t)(hash_bytes(&bare, sizeof(bare), 0x7714) & (TWIN_SLOTS - 1));
	if (t->twins[f->twin_slot] < UINT8_MAX)
		t->twins[f->twin_slot]++;
	f->live = true;
	f->lprev = f->lnext = NIL;
	list_append(t, i);
	f->hnext = t->buckets[b];
	t->buckets[b] = i;
	t->st.created++;
	t->st.live++;
	if (t->st.live > t->st.peak)
		t->st.peak = t->st.live;
	return i;
}

struct flow *flow_table_at(struct flow_table *t, uint32_t idx)
{
	if (idx >= t->nslots)
		return NULL;
	struct flow *f = slot(t, idx);
	return f->live ? f : NULL;
}

bool flow_same_conversation(const struct flow *a, const struct flow *b)
{
	return a->key.family == b->key.family && a->key.proto == b->key.proto &&
	       a->key.pa == b->key.pa && a->key.pb == b->key.pb &&
	       !memcmp(a->key.a, b->key.a, 16) && !memcmp(a->key.b, b->key.b, 16);
}

bool flow_table_has_twin(const struct flow_table *t, const struct flow *f)
{
	return t->twins[f->twin_slot] >= 2;
}

struct flow *flow_table_packet(struct flow_table *t, const struct packet *p, int *dir)
{
	struct flow *f = flow_table_find(t, p, dir);
	if (f)
		flow_table_count(t, f, *dir, p);
	return f;
}

struct flow *flow_table_find(struct flow_table *t, const struct packet *p, int *dir)
{
	struct flow_key k;
	bool ab;
	uint16_t sp = p->has_l4 ? p->sport : 0, dp = p->has_l4 ? p->dport : 0;
	if (p->is_fragment) {
		if (p->has_l4)
			frag_ports_note(&t->frags, p);
		else if (frag_ports_find(&t->frags, p, &sp, &dp))
			t->st.fragments_matched++;
		else if (p->frag_offset)
			t->st.fragments_unmatched++;
	}
	if (!flow_key_build(p, sp, dp, &k, &ab))
		return NULL;
	/* Capture time only moves forward, except for a clock jump back (a merged file, a
	 * reset clock): then follow it, or every later packet would look idle at once. */
	if (p->ts_ns > t->now_ns || t->st.created == 0 || t->now_ns - p->ts_ns > CLOCK_JUMP_NS)
		t->now_ns = p->ts_ns;
	expire_idle(t);

	uint64_t b = key_hash(t, &k) & t->bucket_mask;
	uint32_t i = t->buckets[b];
	while (i != NIL && memcmp(&slot(t, i)->key, &k, sizeof(k)) != 0)
		i = slot(t, i)->hnext;
	if (i != NIL && t->cfg.active_ns > 0) {
		struct flow *f = slot(t, i);
		int64_t first = f->dir[0].packets ? f->dir[0].first_ns : f->dir[1].first_ns;
		if (p->ts_ns - first > t->cfg.active_ns) {
			end_flow(t, i, FLOW_END_ACTIVE);
			i = NIL;
		}
	}
	if (i == NIL) {
		i = create_flow(t, &k, p, sp, dp, ab, b);
		if (i == NIL)
			return NULL;
	} else {
		struct flow *g = slot(t, i);
		if (p->ts_ns - g->listed_ns > LIST_MOVE_NS) {
			list_unlink(t, i);
			list_append(t, i);
			g->listed_ns = p->ts_ns;
		}
	}
	struct flow *f = slot(t, i);
	*dir = (ab == f->a_is_src) ? 0 : 1;
	return f;
}

void flow_table_count(struct flow_table *t, struct flow *f, int d, const struct packet *p)
{
	uint32_t i = f->idx;
	struct flow_dir *fd = &f->dir[d];
	if (!fd->packets)
		fd->first_ns = p->ts_ns;
	fd->packets++;
	fd->last_ns = p->ts_ns;
	fd->ip_bytes += p->ip_len;
	fd->wire_bytes += p->wirelen;
	fd->payload_bytes += p->payload_len;
	if (p->payload_len && !fd->first_payload_ns)
		fd->first_payload_ns = p->ts_ns;
	if (p->truncated)
		fd->truncated++;
	if (p->has_l4 && p->proto == IPPROTO_NUM_TCP) {
		fd->tcp_flags |= p->tcp_flags;
		uint8_t o = f->dir[0].tcp_flags, r = f->dir[1].tcp_flags;
		bool closed = ((o | r) & TCP_RST) || ((o & TCP_FIN) && (r & TCP_FIN));
		if (closed && f->list == LIST_TCP) {
			list_unlink(t, i);
			f->list = LIST_CLOSED;
			list_append(t, i);
			f->listed_ns = p->ts_ns;
		}
	}
	fd->dscp_seen = p->tos >> 2;
	if (p->ip_len > fd->max_ip_len)
		fd->max_ip_len = p->ip_len > UINT16_MAX ? UINT16_MAX : (uint16_t)p->ip_len;
}

struct flow_order {
	uint64_t id;
	uint32_t idx;
};

/* Compares the ids kept beside the slots, so sorting never reads the flows themselves. */
static int by_id(const void *a, const void *b)
{
	const struct flow_order *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

void flow_table_flush(struct flow_table *t)
{
	if (!t || !t->st.live)
		return;
	struct flow_order *v = malloc(t->st.live * sizeof(*v));
	size_t n = 0;
	if (v) {
		for (int l = 0; l < NLISTS; l++) {
			for (uint32_t i = t->head[l]; i != NIL; i = slot(t, i)->lnext) {
				v[n].id = slot(t, i)->id;
				v[n++].idx = i;
			}
		}
		qsort(v, n, sizeof(*v), by_id);
		for (size_t j = 0; j < n; j++)
			end_flow(t, v[j].idx, FLOW_END_EOF);
		free(v);
		return;
	}
	/* Out of memory for ordering: flush in activity order rather than lose flows. */
	for (int l = 0; l < NLISTS; l++)
		while (t->head[l] != NIL)
			end_flow(t, t->head[l], FLOW_END_EOF);
}

void flow_table_free(struct flow_table *t)
{
	if (!t)
		return;
	for (uint32_t c = 0; c < t->nchunks; c++)
		free(t->chunks[c]);
	free(t->chunks);
	free(t->buckets);
	free(t->twins);
	frag_ports_free(&t->frags);
	free(t);
}

const struct flow_table_stats *flow_table_stats(const struct flow_table *t)
{
	return &t->st;
}
