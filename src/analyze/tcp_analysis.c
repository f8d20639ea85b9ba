/* tcp_analysis.c - Wireshark's TCP analysis flags per segment, and per-connection health.
 *
 * Spec: shared/spec/tcp-analysis.md section 1 (our paraphrase of Wireshark's sequence
 * analysis, rules 1-15); tshark 4.0 is the oracle: tests/oracle/tcp_flags.sh compares every
 * capture in shared/captures frame for frame.  Written from the documented and observed
 * behaviour, not from Wireshark's code.  Sequence numbers compare modulo 2^32 (RFC 1982 serial
 * arithmetic).
 *
 * Where Wireshark keeps 0 as "unknown" we keep explicit valid bits; the few places where that
 * sentinel is visible in tshark's output are reproduced on purpose and say so.
 *
 * Cost: O(1) amortised per segment in the common case.  The unacknowledged segments of each
 * direction live in a ring buffer (grown geometrically, capped at TCP_MAX_UNACKED entries as
 * in Wireshark).  While the ring is sorted (sequence numbers non-decreasing front to back, the
 * normal case) an ACK pops from the front and bytes in flight are front-to-back; once a
 * retransmission or reordering unsorts it, each ACK scans the whole ring (what Wireshark does
 * for every packet) until the ring is sorted again.
 */
#include "analyze/tcp_analysis.h"

#include <stdlib.h>
#include <string.h>

#define TCP_MAX_UNACKED 10000u           /* Wireshark's cap on the unacked list */
#define TCP_RING_MAX 16384u              /* power of two >= TCP_MAX_UNACKED */
#define TCP_RING_MIN 16u
#define TCP_FASTRT_NS INT64_C(20000000)  /* fast retransmission: within 20 ms of the dup ACK */
#define TCP_OOO_DEFAULT_NS INT64_C(3000000) /* out-of-order window when no irtt is known */
#define TCP_SORTED_SPAN (1u << 30)       /* sorted ring: all sequence numbers within this */
#define TCP_BIF_MAX 2000000000u          /* larger bytes in flight are not reported */
#define TCP_MAX_WSCALE 14                /* RFC 7323 section 2.3 */

#define WS_UNKNOWN (-1)                  /* window scale not known */
#define WS_NONE (-2)                     /* known: no scaling in this connection */

/* ACK RTT log-histogram: 8 buckets per power of two from 256 ns to 2^40 ns (about 18 min), so
 * a percentile is within 1/16 (6.25 %) of the true sample; counts halve on saturation. */
#define RTT_SUB_BITS 3
#define RTT_SUB (1u << RTT_SUB_BITS)
#define RTT_MIN_EXP 8
#define RTT_MAX_EXP 40
#define RTT_BUCKETS (1u + (RTT_MAX_EXP - RTT_MIN_EXP) * RTT_SUB)

static const char *const aflag_names[TA_COUNT] = {
#define X(e, name) [e] = name,
	TCP_AFLAGS(X)
#undef X
};

const char *tcp_aflag_name(enum tcp_aflag f)
{
	if ((unsigned)f >= TA_COUNT)
		return "unknown";
	return aflag_names[f];
}

static inline bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}
static inline bool seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}
static inline bool seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}
static inline bool seq_ge(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

/* One segment not yet acknowledged: [seq, nextseq) of sequence space (SYN and FIN count 1). */
struct tcp_seg {
	uint32_t seq, nextseq;
	uint64_t frame;
	int64_t ts_ns;
	bool karn; /* sent more than once: an RTT from its ACK is ambiguous (Karn) */
};

/* Ring of unacked segments, oldest first. */
struct tcp_segs {
	struct tcp_seg *v;
	uint32_t cap;    /* 0 or a power of two */
	uint32_t lo, n;  /* first entry, count */
	bool sorted;     /* seq and nextseq non-decreasing front to back, span < TCP_SORTED_SPAN */
};

/* What one ACK did to a list. */
struct tcp_acked {
	bool found;      /* an entry ended exactly at the ACK */
	bool karn;       /* one of those entries was sent more than once */
	uint64_t frame;  /* the oldest such entry */
	int64_t ts_ns;
};

/* One direction: the segments it sends and the ACKs it sends for the other direction.
 *
 * tshark keeps 0 as "not known yet" for nextseq, maxseqtobeacked and (for the spurious test)
 * lastack, and its output shows it: a RST with sequence number 0 leaves nextseq "unknown", so
 * the next segment is no lost segment (zeek/rst-inject-rae.pcap frames 3-4).  We reproduce
 * that on purpose and say so where it happens (nextseq_known() and friends); everything else
 * has an explicit valid bit. */
struct tcp_half {
	bool seen;                   /* a segment was analysed in this direction */
	bool base_ok;
	uint32_t base_seq;           /* initial sequence number (reused-port test) */

	uint32_t nextseq;            /* highest seq + len (+1 SYN/FIN) sent; 0 = not known */
	uint64_t nextseq_frame;
	int64_t nextseq_ts;
	uint32_t lastacklen;         /* length of the segment that last moved nextseq */

	/* "ACKed unseen segment": the other side acknowledging beyond maxseq means we missed
	 * data.  maxseq 0 = no test (tshark's sentinel; also how the test switches itself off
	 * after a report).  maxseq_adv: a report may move maxseq up to nextseq instead of
	 * switching the test off; cleared by a duplicate ACK or a report, set again when this
	 * side's ACK number changes. */
	uint32_t maxseq;
	bool maxseq_adv;
	bool fast_armed;             /* the other side acknowledged beyond nextseq (fast_ack): a
	                                resend of what this side last acknowledged counts as
	                                fast, as after duplicate ACKs, until this side's data
	                                passes fast_ack (tshark 4.0) */
	uint32_t fast_ack;

	uint32_t lastack;            /* ack field of the last segment (stored even without ACK) */
	int64_t lastack_ts;

	uint32_t window;             /* raw window field of the last segment */
	bool window_syn;             /* ... which was a SYN: never scaled */
	int win_scale;               /* shift, WS_UNKNOWN or WS_NONE */

	uint32_t dupacknum;
	uint64_t lastnondupack;      /* frame of the last ACK that moved lastack */
	uint32_t lastsegflags;       /* TA_BIT flags of the last segment */

	int32_t mss;                 /* from this direction's SYN, -1 unknown */
	uint8_t nsack;
	uint32_t sack[PKT_MAX_SACK][2];

	bool valid_bif;
	struct tcp_segs segs;

	/* health */
	uint64_t data_segments, data_bytes, retrans_segments, retrans_bytes;
	bool syn_seen, fin_seen, rst_seen;
};

struct tcp_conv {
	struct tcp_half h[2];
	bool syn_ts_ok;
	int64_t syn_ts;              /* most recent SYN (without ACK) */
	bool irtt_ok;
	int64_t irtt_ns;             /* SYN to the ACK that completes the handshake */

	/* health */
	uint64_t flag_count[TA_COUNT];
	int64_t synack_ts, hs_ack_ts, hs_syn_ts;
	int64_t max_bif;
	int first_dir, syn_dir;
	uint32_t rtt_samples;
	int64_t rtt_min, rtt_max;
	uint16_t *rtt_hist;          /* RTT_BUCKETS counts, allocated at the first sample */
};

/* --- the unacked ring --------------------------------------------------------------------- */

static inline struct tcp_seg *seg_at(const struct tcp_segs *s, uint32_t i)
{
	return &s->v[(s->lo + i) & (s->cap - 1)];
}

static void segs_fini(struct tcp_segs *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
	s->sorted = true;
}

/* Make room for one more entry; false when out of memory. */
static bool segs_reserve(struct tcp_segs *s)
{
	if (s->n < s->cap)
		return true;
	uint32_t ncap = s->cap ? s->cap * 2 : TCP_RING_MIN;
	if (ncap > TCP_RING_MAX)
		return false;
	struct tcp_seg *nv = malloc((size_t)ncap * sizeof(*nv));
	if (!nv)
		return false;
	for (uint32_t i = 0; i < s->n; i++)
		nv[i] = *seg_at(s, i);
	free(s->v);
	s->v = nv;
	s->cap = ncap;
	s->lo = 0;
	return true;
}

static void segs_push(struct tcp_segs *s, const struct tcp_seg *e)
{
	if (s->n >= TCP_MAX_UNACKED || !segs_reserve(s))
		return;
	if (s->n == 0) {
		s->sorted = true;
	} else if (s->sorted) {
		const struct tcp_seg *first = seg_at(s, 0), *last = seg_at(s, s->n - 1);
		s->sorted = seq_ge(e->seq, last->seq) && seq_ge(e->nextseq, last->nextseq) &&
			    e->nextseq - first->seq < TCP_SORTED_SPAN;
	}
	*seg_at(s, s->n) = *e;
	s->n++;
}

static void acked_note(struct tcp_acked *a, const struct tcp_seg *e)
{
	if (!a->found) {
		a->found = true;
		a->frame = e->frame;
		a->ts_ns = e->ts_ns;
	}
	a->karn |= e->karn;
}

/* The ACK walk over every entry: entries ending at or before ack go (those ending exactly
 * there are the ACKed ones; the oldest names acks_frame), an entry that ack cuts keeps only
 * its unacked part.  Also recomputes `sorted`. */
static void segs_ack_scan(struct tcp_segs *s, uint32_t ack, struct tcp_acked *a)
{
	uint32_t w = 0;
	bool sorted = true;
	const struct tcp_seg *prev = NULL;
	uint32_t first_seq = 0;

	for (uint32_t i = 0; i < s->n; i++) {
		struct tcp_seg e = *seg_at(s, i);
		if (e.nextseq == ack) {
			acked_note(a, &e);
			continue;
		}
		if (seq_gt(ack, e.seq) && seq_le(ack, e.nextseq))
			e.seq = ack;
		else if (!seq_gt(e.nextseq, ack))
			continue;
		struct tcp_seg *d = seg_at(s, w);
		*d = e;
		if (w == 0)
			first_seq = d->seq;
		if (prev && sorted)
			sorted = seq_ge(d->seq, prev->seq) && seq_ge(d->nextseq, prev->nextseq) &&
				 d->nextseq - first_seq < TCP_SORTED_SPAN;
		prev = d;
		w++;
	}
	s->n = w;
	s->sorted = sorted;
}

/* The same walk on a sorted ring: pop the ACKed prefix, trim the one(s) ack cuts. */
static void segs_ack(struct tcp_segs *s, uint32_t ack, struct tcp_acked *a)
{
	memset(a, 0, sizeof(*a));
	if (s->n == 0)
		return;
	if (!s->sorted) {
		segs_ack_scan(s, ack, a);
		return;
	}
	uint32_t popped = 0;
	while (s->n > 0 && seq_le(seg_at(s, 0)->nextseq, ack)) {
		const struct tcp_seg *e = seg_at(s, 0);
		if (e->nextseq == ack)
			acked_note(a, e);
		s->lo = (s->lo + 1) & (s->cap - 1);
		s->n--;
		popped++;
	}
	/* An ack more than half the sequence space away can remove a suffix instead. */
	if (popped == 0 && s->n > 0 && seq_le(seg_at(s, s->n - 1)->nextseq, ack)) {
		segs_ack_scan(s, ack, a);
		return;
	}
	for (uint32_t i = 0; i < s->n; i++) {
		struct tcp_seg *e = seg_at(s, i);
		if (!seq_gt(ack, e->seq))
			break;
		e->seq = ack;
	}
}

/* Bytes in flight: highest end minus lowest start over the ring (0 when empty). */
static uint32_t segs_span(const struct tcp_segs *s)
{
	if (s->n == 0)
		return 0;
	if (s->sorted)
		return seg_at(s, s->n - 1)->nextseq - seg_at(s, 0)->seq;
	/* Unsorted: fold newest to oldest, as Wireshark does, so that the modular min and max
	 * come out the same even for wild sequence numbers. */
	const struct tcp_seg *newest = seg_at(s, s->n - 1);
	uint32_t lo = newest->seq, hi = newest->nextseq;
	for (uint32_t i = s->n; i-- > 0;) {
		const struct tcp_seg *e = seg_at(s, i);
		if (seq_lt(e->seq, lo))
			lo = e->seq;
		if (seq_gt(e->nextseq, hi))
			hi = e->nextseq;
	}
	return hi - lo;
}

/* --- connection state ---------------------------------------------------------------------- */

static void half_init(struct tcp_half *h)
{
	memset(h, 0, sizeof(*h));
	h->win_scale = WS_UNKNOWN;
	h->window = UINT32_MAX; /* matches no real window */
	h->mss = -1;
	h->valid_bif = true;
	h->segs.sorted = true;
}

static void conv_init_analysis(struct tcp_conv *tc)
{
	for (int d = 0; d < 2; d++) {
		struct tcp_half *h = &tc->h[d];
		/* keep the health totals and the ring's memory across a reset */
		uint64_t ds = h->data_segments, db = h->data_bytes;
		uint64_t rs = h->retrans_segments, rb = h->retrans_bytes;
		bool sy = h->syn_seen, fi = h->fin_seen, rs_ = h->rst_seen;
		struct tcp_segs segs = h->segs;
		half_init(h);
		h->data_segments = ds;
		h->data_bytes = db;
		h->retrans_segments = rs;
		h->retrans_bytes = rb;
		h->syn_seen = sy;
		h->fin_seen = fi;
		h->rst_seen = rs_;
		h->segs = segs;
		h->segs.n = 0;
		h->segs.lo = 0;
		h->segs.sorted = true;
	}
	tc->syn_ts_ok = false;
	tc->irtt_ok = false;
	tc->irtt_ns = -1;
	tc->hs_syn_ts = tc->synack_ts = tc->hs_ack_ts = -1;
}

struct tcp_conv *tcp_conv_new(void)
{
	struct tcp_conv *tc = calloc(1, sizeof(*tc));
	if (!tc)
		return NULL;
	half_init(&tc->h[0]);
	half_init(&tc->h[1]);
	conv_init_analysis(tc);
	tc->first_dir = -1;
	tc->syn_dir = -1;
	tc->max_bif = -1;
	tc->rtt_min = tc->rtt_max = -1;
	return tc;
}

void tcp_conv_free(struct tcp_conv *tc)
{
	if (!tc)
		return;
	segs_fini(&tc->h[0].segs);
	segs_fini(&tc->h[1].segs);
	free(tc->rtt_hist);
	free(tc);
}

/* --- RTT histogram ------------------------------------------------------------------------- */

static unsigned rtt_bucket(int64_t ns)
{
	if (ns < (INT64_C(1) << RTT_MIN_EXP))
		return 0;
	unsigned e = 63u - (unsigned)__builtin_clzll((unsigned long long)ns);
	if (e >= RTT_MAX_EXP)
		return RTT_BUCKETS - 1;
	unsigned m = (unsigned)((unsigned long long)ns >> (e - RTT_SUB_BITS)) & (RTT_SUB - 1);
	return 1u + (e - RTT_MIN_EXP) * RTT_SUB + m;
}

/* Middle of a bucket's range. */
static int64_t rtt_bucket_mid(unsigned b)
{
	if (b == 0)
		return (INT64_C(1) << RTT_MIN_EXP) / 2;
	unsigned e = (b - 1) / RTT_SUB + RTT_MIN_EXP, m = (b - 1) % RTT_SUB;
	int64_t lo = (int64_t)(RTT_SUB + m) << (e - RTT_SUB_BITS);
	int64_t step = INT64_C(1) << (e - RTT_SUB_BITS);
	return lo + step / 2;
}

static void rtt_add(struct tcp_conv *tc, int64_t ns)
{
	if (ns < 0)
		return;
	if (!tc->rtt_hist) {
		tc->rtt_hist = calloc(RTT_BUCKETS, sizeof(*tc->rtt_hist));
		if (!tc->rtt_hist)
			return;
	}
	unsigned b = rtt_bucket(ns);
	if (tc->rtt_hist[b] == UINT16_MAX) {
		for (unsigned i = 0; i < RTT_BUCKETS; i++)
			tc->rtt_hist[i] = (uint16_t)((tc->rtt_hist[i] + 1u) / 2u);
	}
	tc->rtt_hist[b]++;
	if (tc->rtt_samples < UINT32_MAX)
		tc->rtt_samples++;
	if (tc->rtt_min < 0 || ns < tc->rtt_min)
		tc->rtt_min = ns;
	if (ns > tc->rtt_max)
		tc->rtt_max = ns;
}

static int64_t rtt_quantile(const struct tcp_conv *tc, unsigned pct)
{
	uint64_t total = 0;
	for (unsigned i = 0; i < RTT_BUCKETS; i++)
		total += tc->rtt_hist[i];
	if (total == 0)
		return -1;
	uint64_t rank = (total * pct + 99) / 100, cum = 0;
	if (rank == 0)
		rank = 1;
	for (unsigned i = 0; i < RTT_BUCKETS; i++) {
		cum += tc->rtt_hist[i];
		if (cum >= rank) {
			int64_t v = rtt_bucket_mid(i);
			if (v < tc->rtt_min)
				v = tc->rtt_min;
			if (v > tc->rtt_max)
				v = tc->rtt_max;
			return v;
		}
	}
	return tc->rtt_max;
}

void tcp_conv_health(const struct tcp_conv *tc, struct tcp_health *h)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->flag_count, tc->flag_count, sizeof(h->flag_count));
	for (int d = 0; d < 2; d++) {
		const struct tcp_half *f = &tc->h[d];
		h->data_segments[d] = f->data_segments;
		h->data_bytes[d] = f->data_bytes;
		h->retrans_segments[d] = f->retrans_segments;
		h->retrans_bytes[d] = f->retrans_bytes;
		h->syn_seen[d] = f->syn_seen;
		h->fin_seen[d] = f->fin_seen;
		h->rst_seen[d] = f->rst_seen;
	}
	h->irtt_ns = tc->irtt_ok ? tc->irtt_ns : -1;
	h->syn_ns = tc->hs_syn_ts;
	h->synack_ns = tc->synack_ts;
	h->ack_ns = tc->hs_ack_ts;
	h->rtt_samples = tc->rtt_samples;
	if (tc->rtt_hist && tc->rtt_samples) {
		h->rtt_p50_ns = rtt_quantile(tc, 50);
		h->rtt_p95_ns = rtt_quantile(tc, 95);
		h->rtt_max_ns = tc->rtt_max;
	} else {
		h->rtt_p50_ns = h->rtt_p95_ns = h->rtt_max_ns = -1;
	}
	h->max_bytes_in_flight = tc->max_bif;
	h->first_dir = tc->first_dir;
	h->syn_dir = tc->syn_dir;
}

/* --- the analysis -------------------------------------------------------------------------- */

/* tshark's sentinel, reproduced: nextseq 0 is "not known". */
static inline bool nextseq_known(const struct tcp_half *h)
{
	return h->nextseq != 0;
}

/* Nanoseconds from `then` to `now`, unsigned: a capture that goes backwards gives a huge
 * value, so it is never "within" a threshold (what tshark does). */
static inline uint64_t since(int64_t now, int64_t then)
{
	return (uint64_t)now - (uint64_t)then;
}

/* Window scale from a SYN (RFC 7323 2.2: both SYNs must carry the option). */
static void syn_window_scale(struct tcp_half *f, struct tcp_half *r, const struct packet *p)
{
	if (p->wscale >= 0) {
		f->win_scale = p->wscale > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : p->wscale;
	} else if (f->win_scale == WS_UNKNOWN) {
		f->win_scale = WS_NONE;
		r->win_scale = WS_NONE;
	}
}

/* Right edge of the window the reverse direction advertised, if its scale is known.  The
 * arithmetic is tshark's, on the stored values even before the reverse side was seen. */
static bool rev_window_edge(const struct tcp_half *r, uint32_t *edge)
{
	if (r->win_scale == WS_UNKNOWN)
		return false;
	int s = (r->window_syn || r->win_scale == WS_NONE) ? 0 : r->win_scale;
	*edge = r->lastack + (r->window << s);
	return true;
}

#define RETRANS_ANY                                                                                \
	(TA_BIT(TA_RETRANSMISSION) | TA_BIT(TA_FAST_RETRANSMISSION) |                              \
	 TA_BIT(TA_SPURIOUS_RETRANSMISSION))

/* Rule 12: which kind of retransmission (or out-of-order segment) this is, if any. */
static uint32_t classify_retrans(const struct tcp_conv *tc, const struct tcp_half *f,
				 const struct tcp_half *r, const struct packet *p, uint32_t flags,
				 struct tcp_pkt_analysis *out)
{
	const uint32_t seq = p->seq, len = p->payload_len;

	if (flags & TA_BIT(TA_KEEP_ALIVE))
		return 0;
	bool not_advanced = nextseq_known(f) && seq_lt(seq, f->nextseq);
	/* Data right after a 1-byte probe or keep-alive starts one byte early: not a resend. */
	if (len > 1 && f->nextseq - 1 == seq)
		not_advanced = false;

	/* The receiver had already acknowledged all of it (checked even when seq advanced). */
	if (len > 0 && r->lastack != 0 && seq_le(seq + len, r->lastack))
		return TA_BIT(TA_SPURIOUS_RETRANSMISSION);
	if (!not_advanced)
		return 0;

	/* Two or more duplicate ACKs asking for exactly this, within 20 ms of the last one. */
	if ((r->dupacknum >= 2 || r->fast_armed) && r->lastack == seq &&
	    since(p->ts_ns, r->lastack_ts) < (uint64_t)TCP_FASTRT_NS)
		return TA_BIT(TA_FAST_RETRANSMISSION);

	/* Close behind the highest segment (within the initial RTT, or 3 ms without one). */
	uint64_t thres = tc->irtt_ok ? (uint64_t)tc->irtt_ns : (uint64_t)TCP_OOO_DEFAULT_NS;
	uint32_t end = seq + len + ((p->tcp_flags & (TCP_SYN | TCP_FIN)) ? 1u : 0u);
	if (since(p->ts_ns, f->nextseq_ts) < thres && f->nextseq != end)
		return TA_BIT(TA_OUT_OF_ORDER);

	out->rto_ns = p->ts_ns - f->nextseq_ts;
	out->rto_frame = f->nextseq_frame;
	return TA_BIT(TA_RETRANSMISSION);
}

/* Rule 11: this ACK covers sequence space of the other direction that we never saw. */
static uint32_t check_ack_unseen(struct tcp_half *f, struct tcp_half *r, const struct packet *p)
{
	const uint32_t ack = p->ack;
	(void)f;
	if (!r->maxseq || !(p->tcp_flags & TCP_ACK) || !seq_gt(ack, r->maxseq))
		return 0;
	/* Report once: move the mark up to what the sender has sent when there is a hole to
	 * skip, else switch the test off until the sender's state says it may run again. */
	if (r->maxseq_adv && r->maxseq != r->nextseq) {
		r->maxseq = r->nextseq;
	} else {
		r->maxseq = 0;
		r->maxseq_adv = false;
	}
	return TA_BIT(TA_ACK_LOST_SEGMENT);
}

/* Rule 13, the highest in-order sequence number the other side may acknowledge (tshark's
 * maxseqtobeacked), after this segment.  Behaviour measured against tshark 4.0 on random
 * sequences (see tests/oracle/tcp_flags.sh): a segment that repeats the previous one (a
 * duplicate ACK) switches the hole skipping off, and the test itself when it sits at the
 * mark; a new ACK number switches both back on; a segment that moves nextseq without
 * starting at it re-arms a switched-off test at the old nextseq. */
static void update_maxseq(struct tcp_half *f, const struct packet *p, uint32_t old_next,
			  uint32_t flags)
{
	const uint32_t seq = p->seq;
	if (!f->seen) {
		f->maxseq = f->nextseq;
		f->maxseq_adv = true;
		return;
	}
	bool repeat = flags & TA_BIT(TA_DUPLICATE_ACK);
	if (repeat) {
		f->maxseq_adv = false;
		if (seq == f->maxseq)
			f->maxseq = 0;
	}
	if (p->ack != f->lastack) {
		if (!f->maxseq)
			f->maxseq = old_next;
		f->maxseq_adv = true;
		f->fast_armed = false;
	}
	if (flags & TA_BIT(TA_ZERO_WINDOW_PROBE))
		return;
	bool jumped = old_next != 0 && f->nextseq != old_next && seq != old_next;
	if (jumped && !f->maxseq)
		f->maxseq = old_next;
	else if (f->maxseq && seq == f->maxseq && !repeat)
		f->maxseq = f->maxseq_adv ? f->nextseq : 0;
}

static void health_update(struct tcp_conv *tc, struct tcp_half *f, const struct packet *p,
			  int dir, const struct tcp_pkt_analysis *out)
{
	uint8_t tf = p->tcp_flags;
	if (tc->first_dir < 0)
		tc->first_dir = dir;
	if (tf & TCP_SYN) {
		f->syn_seen = true;
		if (!(tf & TCP_ACK) && tc->syn_dir < 0)
			tc->syn_dir = dir;
		if ((tf & TCP_ACK) && !tc->irtt_ok)
			tc->synack_ts = p->ts_ns;
	}
	if (tf & TCP_FIN)
		f->fin_seen = true;
	if (tf & TCP_RST)
		f->rst_seen = true;
	for (unsigned i = 0; i < TA_COUNT; i++)
		if (out->flags & TA_BIT(i))
			tc->flag_count[i]++;
	if (p->payload_len > 0) {
		f->data_segments++;
		f->data_bytes += p->payload_len;
		if (out->flags & RETRANS_ANY) {
			f->retrans_segments++;
			f->retrans_bytes += p->payload_len;
		}
	}
	if (out->bytes_in_flight > tc->max_bif)
		tc->max_bif = out->bytes_in_flight;
}

/* Rule 14 and the initial RTT, before the per-segment rules. */
static uint32_t conv_start(struct tcp_conv *tc, struct tcp_half *f, const struct packet *p)
{
	const uint8_t tf = p->tcp_flags;
	uint32_t flags = 0;

	if ((tf & TCP_SYN) && f->base_ok && p->seq != f->base_seq) {
		flags |= TA_BIT(TA_REUSED_PORTS);
		if (tf & TCP_ACK)
			f->base_seq = p->seq; /* a SYN-ACK only restarts its own numbering */
		else
			conv_init_analysis(tc); /* a SYN starts a new connection */
	}
	/* From the latest SYN to the first ACK without SYN after it; a zero difference leaves
	 * it unknown (tshark's sentinel). */
	if ((tf & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
		tc->syn_ts = p->ts_ns;
		tc->syn_ts_ok = true;
	} else if ((tf & (TCP_SYN | TCP_ACK)) == TCP_ACK && tc->syn_ts_ok && !tc->irtt_ok &&
		   p->ts_ns != tc->syn_ts) {
		tc->irtt_ns = p->ts_ns - tc->syn_ts;
		tc->irtt_ok = true;
		tc->hs_syn_ts = tc->syn_ts;
		tc->hs_ack_ts = p->ts_ns;
	}
	return flags;
}

void tcp_conv_analyze(struct tcp_conv *tc, const struct packet *p, int dir,
		      struct tcp_pkt_analysis *out)
{
	dir &= 1;
	struct tcp_half *f = &tc->h[dir], *r = &tc->h[!dir];
	const uint8_t tf = p->tcp_flags;
	const uint32_t seq = p->seq, ack = p->ack, len = p->payload_len;
	const uint32_t window = p->window;
	const bool syn = tf & TCP_SYN, fin = tf & TCP_FIN, rst = tf & TCP_RST;
	const bool sfr = syn || fin || rst;

	memset(out, 0, sizeof(*out));
	out->ack_rtt_ns = out->irtt_ns = out->bytes_in_flight = out->rto_ns = -1;

	uint32_t flags = conv_start(tc, f, p);

	if (!f->base_ok) {
		f->base_seq = syn ? seq : seq - 1;
		f->base_ok = true;
	}
	if (!r->base_ok && (tf & TCP_ACK)) {
		r->base_seq = ack - 1;
		r->base_ok = true;
	}
	if (tf & TCP_ACK)
		r->valid_bif = true;

	/* Rules 1-9 compare with the stored values as they are, "not known" included. */
	if (len == 1 && seq == f->nextseq && r->window == 0) {
		flags |= TA_BIT(TA_ZERO_WINDOW_PROBE); /* rule 1 */
		goto acks;
	}
	if (window == 0 && !sfr)
		flags |= TA_BIT(TA_ZERO_WINDOW); /* rule 2 */
	if (nextseq_known(f) && seq_gt(seq, f->nextseq) && !rst) {
		flags |= TA_BIT(TA_LOST_SEGMENT); /* rule 3 */
		f->valid_bif = false;
	}
	if (len <= 1 && seq == f->nextseq - 1 && !sfr)
		flags |= TA_BIT(TA_KEEP_ALIVE); /* rule 4 */

	const bool same_pos = seq == f->nextseq && ack == f->lastack && !sfr;
	if (len == 0 && window != 0 && window != f->window && same_pos)
		flags |= TA_BIT(TA_WINDOW_UPDATE); /* rule 5 */
	uint32_t edge;
	if (len > 0 && !sfr && rev_window_edge(r, &edge) && seq + len == edge)
		flags |= TA_BIT(TA_WINDOW_FULL); /* rule 6 */
	if (len == 0 && window != 0 && window == f->window && same_pos &&
	    (r->lastsegflags & TA_BIT(TA_KEEP_ALIVE))) {
		flags |= TA_BIT(TA_KEEP_ALIVE_ACK); /* rule 7 */
		goto acks;
	}
	/* Rule 8, as tshark 4.0 has it: only an ACK that did not take the probe byte. */
	if (len == 0 && window == 0 && f->window == 0 && same_pos &&
	    (r->lastsegflags & TA_BIT(TA_ZERO_WINDOW_PROBE))) {
		flags |= TA_BIT(TA_ZERO_WINDOW_PROBE_ACK);
		goto acks;
	}
	if (len == 0 && window != 0 && window == f->window && same_pos) {
		f->dupacknum++; /* rule 9 */
		if (!seq_gt(f->fast_ack, f->nextseq))
			f->fast_armed = false; /* caught up with the ACK that armed it */
		flags |= TA_BIT(TA_DUPLICATE_ACK);
		out->dup_ack_num = f->dupacknum;
		out->dup_ack_frame = f->lastnondupack;
	}

acks:
	if (ack != f->lastack) {
		f->lastnondupack = p->frame; /* rule 10 */
		f->dupacknum = 0;
	}
	/* An ACK beyond everything the other side sent restarts its duplicate ACK count and lets
	 * its next resend of our ACK point count as fast (measured behaviour of tshark 4.0). */
	if ((tf & TCP_ACK) && nextseq_known(r) && seq_gt(ack, r->nextseq)) {
		r->dupacknum = 0;
		r->fast_armed = true;
		r->fast_ack = ack;
	}
	flags |= check_ack_unseen(f, r, p);

	if (len > 0 || syn || fin) {
		uint32_t k = classify_retrans(tc, f, r, p, flags, out);
		flags |= k;
		if (k & (TA_BIT(TA_FAST_RETRANSMISSION) | TA_BIT(TA_SPURIOUS_RETRANSMISSION)))
			flags |= TA_BIT(TA_RETRANSMISSION);
	}

	/* Rule 13: bookkeeping. */
	uint32_t nextseq = seq + len;
	if ((len > 0 || syn || fin) && f->segs.n < TCP_MAX_UNACKED) {
		/* SYN and FIN take one sequence number, but only for segments that go on the list
		 * (past the cap tshark's nextseq forgets them too). */
		if (syn || fin)
			nextseq++;
		struct tcp_seg e = {seq, nextseq, p->frame, p->ts_ns, (flags & RETRANS_ANY) != 0};
		segs_push(&f->segs, &e);
	}
	const uint32_t old_next = f->nextseq;
	if ((!nextseq_known(f) || seq_gt(nextseq, f->nextseq)) &&
	    !(flags & TA_BIT(TA_ZERO_WINDOW_PROBE))) {
		f->nextseq = nextseq;
		f->nextseq_frame = p->frame;
		f->nextseq_ts = p->ts_ns;
		f->lastacklen = len;
	}
	update_maxseq(f, p, old_next, flags);
	/* A repeated SYN (same ISN) takes nextseq back to the in-order mark, as tshark does. */
	if ((tf & (TCP_SYN | TCP_ACK)) == TCP_SYN && seq == f->base_seq && f->maxseq)
		f->nextseq = f->maxseq;
	f->window = window;
	f->window_syn = syn;
	f->lastack = ack;
	f->lastack_ts = p->ts_ns;
	f->lastsegflags = flags;
	f->seen = true;
	if (syn) {
		syn_window_scale(f, r, p);
		if (p->mss >= 0)
			f->mss = p->mss;
	}
	f->nsack = p->nsack <= PKT_MAX_SACK ? p->nsack : PKT_MAX_SACK;
	memcpy(f->sack, p->sack, sizeof(f->sack));

	/* ACKs for the other direction (tshark walks even without the ACK bit). */
	struct tcp_acked a;
	segs_ack(&r->segs, ack, &a);
	if (a.found) {
		out->acks_frame = a.frame;
		out->ack_rtt_ns = p->ts_ns - a.ts_ns;
		if (!a.karn)
			rtt_add(tc, out->ack_rtt_ns);
	}

	/* Bytes in flight after this segment. */
	if (len > 0 && f->segs.n > 0 && f->valid_bif) {
		uint32_t inflight = segs_span(&f->segs);
		if (inflight > 0 && inflight < TCP_BIF_MAX)
			out->bytes_in_flight = inflight;
	}

	out->flags = flags;
	out->irtt_ns = tc->irtt_ok ? tc->irtt_ns : -1;
	health_update(tc, f, p, dir, out);
}
