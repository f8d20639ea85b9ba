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

/* One direction: the segments it sends and the ACKs it sends for the other direction. */
struct tcp_half {
	bool seen;                   /* a segment was analysed in this direction */
	bool base_ok;
	uint32_t base_seq;           /* initial sequence number (reused-port test) */

	bool nextseq_ok;
	uint32_t nextseq;            /* highest seq + len (+1 SYN/FIN) sent */
	uint64_t nextseq_frame;
	int64_t nextseq_ts;
	uint32_t lastacklen;         /* length of the segment that last moved nextseq */

	bool maxseq_ok;
	uint32_t maxseqtobeacked;    /* highest contiguous sequence number seen */

	bool lastack_ok;             /* the last segment had the ACK bit */
	uint32_t lastack;            /* ack field of the last segment (stored even without ACK) */
	int64_t lastack_ts;

	uint32_t window;             /* window field of the last segment (see win_of) */
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

/* Whether [seq, end) lies inside one entry of the ring; marks that entry Karn-ambiguous. */
static bool segs_contain(struct tcp_segs *s, uint32_t seq, uint32_t end)
{
	for (uint32_t i = 0; i < s->n; i++) {
		struct tcp_seg *e = seg_at(s, i);
		if (seq_ge(seq, e->seq) && seq_le(end, e->nextseq)) {
			e->karn = true;
			return true;
		}
	}
	return false;
}

/* --- connection state ---------------------------------------------------------------------- */

static void half_init(struct tcp_half *h)
{
	memset(h, 0, sizeof(*h));
	h->win_scale = WS_UNKNOWN;
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

/* Nanoseconds from `then` to `now`, unsigned: a capture that goes backwards gives a huge
 * value, so it is never "within" a threshold. */
static inline uint64_t since(int64_t now, int64_t then)
{
	return (uint64_t)now - (uint64_t)then;
}

/* Window handshake bookkeeping for a SYN (rule: -1 unknown, -2 known unscaled). */
static void syn_window_scale(struct tcp_half *f, struct tcp_half *r, const struct packet *p)
{
	if (p->wscale >= 0) {
		f->win_scale = p->wscale > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : p->wscale;
	} else if (f->win_scale == WS_UNKNOWN) {
		/* A SYN without the option: nobody scales (both sides must offer it). */
		f->win_scale = WS_NONE;
		r->win_scale = WS_NONE;
	}
}

/* Right edge of the window the reverse direction advertised, if known. */
static bool rev_window_edge(const struct tcp_half *r, uint32_t *edge)
{
	if (!r->seen || r->win_scale == WS_UNKNOWN)
		return false;
	int s = (r->window_syn || r->win_scale == WS_NONE) ? 0 : r->win_scale;
	*edge = r->lastack + (r->window << s);
	return true;
}

/* Total bytes the reverse direction's latest SACK blocks cover. */
static uint64_t sacked_bytes(const struct tcp_half *r)
{
	uint64_t t = 0;
	for (unsigned i = 0; i < r->nsack && i < PKT_MAX_SACK; i++)
		t += (uint32_t)(r->sack[i][1] - r->sack[i][0]);
	return t;
}

/* RFC 6675-style fast retransmission test on the reverse direction's SACK blocks. */
static bool sack_says_fast(const struct tcp_half *r, uint32_t seq, uint32_t end)
{
	if (r->nsack == 0)
		return false;
	bool in_all = true, in_one = false;
	for (unsigned i = 0; i < r->nsack && i < PKT_MAX_SACK; i++) {
		bool in = seq_ge(seq, r->sack[i][0]) && seq_le(end, r->sack[i][1]);
		in_all &= in;
		in_one |= in;
	}
	if (r->lastack == seq && !in_all &&
	    (r->mss < 0 || sacked_bytes(r) > 2u * (uint64_t)r->mss))
		return true;
	return r->dupacknum >= 2 && !in_one;
}

#define RETRANS_ANY                                                                                \
	(TA_BIT(TA_RETRANSMISSION) | TA_BIT(TA_FAST_RETRANSMISSION) |                              \
	 TA_BIT(TA_SPURIOUS_RETRANSMISSION))

/* Rules 12a-h: which kind of retransmission (or out-of-order segment) this is, if any. */
static uint32_t classify_retrans(struct tcp_conv *tc, struct tcp_half *f, struct tcp_half *r,
				 const struct packet *p, uint32_t flags, struct tcp_pkt_analysis *out)
{
	uint32_t seq = p->seq, len = p->payload_len;
	uint8_t tf = p->tcp_flags;

	if (flags & TA_BIT(TA_KEEP_ALIVE))
		return 0;
	bool not_advanced = f->nextseq_ok && seq_lt(seq, f->nextseq);
	/* Data right after a 1-byte probe or keep-alive starts one byte early: not a resend. */
	if (len > 1 && f->nextseq_ok && seq == f->nextseq - 1)
		not_advanced = false;

	uint32_t end = seq + len + ((tf & (TCP_SYN | TCP_FIN)) ? 1u : 0u);
	uint64_t t_ack = r->seen ? since(p->ts_ns, r->lastack_ts) : UINT64_MAX;

	if (not_advanced && t_ack < (uint64_t)TCP_FASTRT_NS && r->lastack_ok &&
	    r->lastack == seq && (r->dupacknum >= 2 || sack_says_fast(r, seq, seq + len)))
		return TA_BIT(TA_FAST_RETRANSMISSION);

	uint64_t ooo_t = f->nextseq_ok ? since(p->ts_ns, f->nextseq_ts) : UINT64_MAX;
	uint64_t thres = tc->irtt_ok ? (uint64_t)tc->irtt_ns : (uint64_t)TCP_OOO_DEFAULT_NS;
	if (not_advanced && ooo_t < thres && f->nextseq != end)
		return TA_BIT(TA_OUT_OF_ORDER);

	if (len > 0 && r->lastack_ok && r->lastack != 0 && seq_le(seq + len, r->lastack))
		return TA_BIT(TA_SPURIOUS_RETRANSMISSION);

	if (not_advanced) {
		out->rto_ns = p->ts_ns - f->nextseq_ts;
		out->rto_frame = f->nextseq_frame;
		return TA_BIT(TA_RETRANSMISSION);
	}
	(void)segs_contain;
	return 0;
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
	uint32_t flags = 0;

	memset(out, 0, sizeof(*out));
	out->ack_rtt_ns = out->irtt_ns = out->bytes_in_flight = out->rto_ns = -1;

	/* Rule 14: a SYN with a new ISN on a known conversation starts a new one. */
	if ((tf & (TCP_SYN | TCP_ACK)) == TCP_SYN && f->base_ok && seq != f->base_seq) {
		conv_init_analysis(tc);
		flags |= TA_BIT(TA_REUSED_PORTS);
	}

	/* Initial RTT: from the latest SYN to the first ACK without SYN after it.  A zero
	 * difference leaves it unknown (Wireshark keeps 0 as "not yet"). */
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

	/* Rule 1: zero window probe. */
	if (len == 1 && f->nextseq_ok && seq == f->nextseq && r->seen && r->window == 0) {
		flags |= TA_BIT(TA_ZERO_WINDOW_PROBE);
		goto acks;
	}
	/* Rule 2: zero window. */
	if (window == 0 && !sfr)
		flags |= TA_BIT(TA_ZERO_WINDOW);
	/* Rule 3: a hole before this segment. */
	if (f->nextseq_ok && seq_gt(seq, f->nextseq) && !rst) {
		flags |= TA_BIT(TA_LOST_SEGMENT);
		f->valid_bif = false;
	}
	/* Rule 4: keep-alive. */
	if (len <= 1 && f->nextseq_ok && seq == f->nextseq - 1 && !sfr)
		flags |= TA_BIT(TA_KEEP_ALIVE);

	const bool same_pos = f->seen && f->nextseq_ok && seq == f->nextseq && ack == f->lastack;
	/* Rule 5: window update. */
	if (len == 0 && window != 0 && (!f->seen || window != f->window) && same_pos && !sfr)
		flags |= TA_BIT(TA_WINDOW_UPDATE);
	/* Rule 6: the sender filled the receiver's window. */
	uint32_t edge;
	if (len > 0 && !sfr && rev_window_edge(r, &edge) && seq + len == edge)
		flags |= TA_BIT(TA_WINDOW_FULL);
	/* Rule 7: keep-alive ACK. */
	if (len == 0 && window != 0 && f->seen && window == f->window && same_pos &&
	    (r->lastsegflags & TA_BIT(TA_KEEP_ALIVE)) && !sfr) {
		flags |= TA_BIT(TA_KEEP_ALIVE_ACK);
		goto acks;
	}
	/* Rule 8: zero window probe ACK. */
	if (len == 0 && window == 0 && f->seen && f->window == 0 && f->nextseq_ok &&
	    seq == f->nextseq && (ack == f->lastack || ack == f->lastack + 1) &&
	    (r->lastsegflags & TA_BIT(TA_ZERO_WINDOW_PROBE)) && !sfr) {
		flags |= TA_BIT(TA_ZERO_WINDOW_PROBE_ACK);
		if (ack == f->lastack + 1) {
			/* the receiver took the probe byte after all */
			r->nextseq = ack;
			r->nextseq_ok = true;
			r->maxseqtobeacked = ack;
			r->maxseq_ok = true;
		}
		goto acks;
	}
	/* Rule 9: duplicate ACK. */
	if (len == 0 && window != 0 && f->seen && window == f->window && same_pos && !sfr) {
		f->dupacknum++;
		flags |= TA_BIT(TA_DUPLICATE_ACK);
		out->dup_ack_num = f->dupacknum;
		out->dup_ack_frame = f->lastnondupack;
	}

acks:
	/* Rule 10. */
	if (!f->seen || ack != f->lastack) {
		f->lastnondupack = p->frame;
		f->dupacknum = 0;
	}

	/* Rule 11: this ACK covers data of the other direction we never saw. */
	if (r->maxseq_ok && (tf & TCP_ACK) && seq_gt(ack, r->maxseqtobeacked)) {
		if (f->seen && ack == f->lastack + 1 && f->nextseq_ok && seq == f->nextseq &&
		    (r->lastsegflags & TA_BIT(TA_ZERO_WINDOW_PROBE))) {
			r->nextseq = r->maxseqtobeacked = ack;
			r->nextseq_ok = r->maxseq_ok = true;
			flags |= TA_BIT(TA_WINDOW_UPDATE);
		} else {
			flags |= TA_BIT(TA_ACK_LOST_SEGMENT);
			r->maxseqtobeacked = r->nextseq;
		}
	}

	/* Rule 12: retransmission family. */
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
		 * (past the cap Wireshark's nextseq forgets them too). */
		if (syn || fin)
			nextseq++;
		struct tcp_seg e = {seq, nextseq, p->frame, p->ts_ns, (flags & RETRANS_ANY) != 0};
		segs_push(&f->segs, &e);
	}
	if (!f->nextseq_ok || seq_gt(nextseq, f->nextseq)) {
		if (!(flags & TA_BIT(TA_ZERO_WINDOW_PROBE))) {
			f->nextseq = nextseq;
			f->nextseq_ok = true;
			f->nextseq_frame = p->frame;
			f->nextseq_ts = p->ts_ns;
			f->lastacklen = len;
		}
	}
	if (!f->maxseq_ok || seq == f->maxseqtobeacked) {
		if (!(flags & TA_BIT(TA_ZERO_WINDOW_PROBE))) {
			f->maxseqtobeacked = f->nextseq;
			f->maxseq_ok = f->nextseq_ok;
		}
	}
	f->window = window;
	f->window_syn = syn;
	f->lastack = ack;
	f->lastack_ok = (tf & TCP_ACK) != 0;
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

	/* ACKs for the other direction. */
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
