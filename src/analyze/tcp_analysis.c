/* tcp_analysis.c - Wireshark's TCP analysis flags per segment, and per-connection health.
 *
 * Spec: shared/spec/tcp-analysis.md section 1 (our paraphrase of Wireshark's sequence analysis,
 * rules 1-15); tshark 4.0 is the reference and wins where the paraphrase differs.  Written from
 * documented and measured behaviour, never from Wireshark's code: every rule below was checked
 * against tshark on hand-made segment sequences (tests/unit/test_tcp_analysis.c) and on random
 * ones, and tests/oracle/tcp_flags.sh compares every capture in shared/captures frame for frame.
 * Sequence numbers compare modulo 2^32 (RFC 1982 serial arithmetic).
 *
 * Where tshark 4.0 differs from the paraphrase (measured):
 *  - the spurious-retransmission test comes first and runs even when seq advanced; no SACK
 *    based fast retransmission; out-of-order is timed from the highest segment (nextseq
 *    time) and needs nextseq != seq + len (+1 SYN/FIN) only;
 *  - a zero-window-probe ACK must repeat the ACK number (ack + 1 is not one), and an ACK that
 *    takes the probe byte is an ordinary "ACKed unseen segment";
 *  - the "ACKed unseen segment" mark (maxseq) switches itself off after a report unless there
 *    was a hole to skip, and on a duplicate ACK at the mark; see update_maxseq();
 *  - an ACK beyond everything the other side sent restarts that side's duplicate-ACK count
 *    and arms a fast retransmission of the acknowledged point (fast_armed);
 *  - a SYN-ACK with a new ISN is flagged reused_ports but keeps the state; a repeated SYN
 *    (same ISN) takes nextseq back to the mark;
 *  - bytes in flight subtract the first three SACK blocks of the receiver's latest segment and
 *    one for SYN/FIN, and compare offsets from the ISN as unsigned numbers.
 *
 * Memory and cost: per direction a ring of unacked segments (tcp_unacked.c: geometric growth
 * to Wireshark's cap of 10000, O(1) amortised for in-order traffic) and, once the first RTT
 * sample arrives, an RTT log-histogram holding only the window of buckets its samples reached
 * (typically a few dozen of the 257).  No allocation per packet in steady state.
 */
#include "analyze/tcp_analysis.h"
#include "analyze/tcp_unacked.h"

#include <stdlib.h>
#include <string.h>

#define TCP_FASTRT_NS       INT64_C(20000000) /* fast retransmission: within 20 ms of the ACK */
#define TCP_OOO_DEFAULT_NS  INT64_C(3000000)  /* out-of-order window when no irtt is known */
#define TCP_BIF_MAX         2000000000u       /* larger bytes in flight are not reported */
#define TCP_BIF_SACK_BLOCKS 3                 /* SACK blocks subtracted from bytes in flight */
#define TCP_MAX_WSCALE      14                /* RFC 7323 section 2.3 */

#define WS_UNKNOWN (-1) /* window scale not known */
#define WS_NONE    (-2) /* known: no scaling in this connection */

/* ACK RTT log-histogram: 8 buckets per power of two from 256 ns to 2^40 ns (about 18 min), so
 * a percentile is within 1/16 (6.25 %) of the true sample; counts halve on saturation. */
#define RTT_SUB_BITS 3
#define RTT_SUB      (1u << RTT_SUB_BITS)
#define RTT_MIN_EXP  8
#define RTT_MAX_EXP  40
#define RTT_BUCKETS  (1u + (RTT_MAX_EXP - RTT_MIN_EXP) * RTT_SUB)

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

/* One direction: the segments it sends and the ACKs it sends for the other direction.
 *
 * Valid bits where a value can be unknown, except three places where tshark keeps 0 as "not
 * known yet" and its output shows it (a RST with sequence number 0 leaves nextseq unknown, so
 * the next segment is no lost segment: zeek/rst-inject-rae.pcap frames 3-4): nextseq, maxseq
 * and, for the spurious test, lastack.  Those are reproduced on purpose (nextseq_known()).
 * Rules 1-9 compare with the stored values as they are, initial ones included, as tshark
 * does; window starts at UINT32_MAX, which no real window equals. */
struct tcp_half {
	bool seen; /* a segment was analysed in this direction */
	bool base_ok;
	uint32_t base_seq; /* initial sequence number (reused-port test) */

	uint32_t nextseq; /* highest seq + len (+1 SYN/FIN) sent; 0 = not known */
	uint64_t nextseq_frame;
	int64_t nextseq_ts;

	/* "ACKed unseen segment": the other side acknowledging beyond maxseq means we missed
	 * data.  maxseq 0 = no test (tshark's sentinel; also how the test switches itself off
	 * after a report).  maxseq_adv: a report may move maxseq up to nextseq instead of
	 * switching the test off; cleared by a duplicate ACK or a report, set again when this
	 * side's ACK number changes. */
	uint32_t maxseq;
	bool maxseq_adv;
	bool fast_armed; /* the other side acknowledged beyond nextseq (fast_ack): a
	                    resend of what this side last acknowledged counts as
	                    fast, as after duplicate ACKs, until this side's ACK
	                    number changes, or it has both repeated an ACK and sent
	                    up to fast_ack (measured) */
	uint32_t fast_ack;
	bool fast_dup; /* this side repeated an ACK since fast_armed was set */

	uint32_t lastack; /* ack field of the last segment (stored even without ACK) */
	int64_t lastack_ts;

	uint32_t window; /* raw window field of the last segment */
	bool window_syn; /* ... which was a SYN: never scaled */
	int win_scale;   /* shift, WS_UNKNOWN or WS_NONE */

	uint32_t dupacknum;
	uint64_t lastnondupack; /* frame of the last ACK that moved lastack */
	uint32_t lastsegflags;  /* TA_BIT flags of the last segment */

	uint8_t nsack;
	uint32_t sack[PKT_MAX_SACK][2];

	bool valid_bif;
	struct tcp_unacked segs;
};

struct tcp_conv {
	struct tcp_half h[2];
	bool syn_ts_ok;
	int64_t syn_ts; /* most recent SYN (without ACK) */
	bool irtt_ok;
	int64_t irtt_ns; /* SYN to the ACK that completes the handshake */

	/* health: per direction, then per connection; kept across a reused-ports restart */
	uint64_t data_segments[2], data_bytes[2], retrans_segments[2], retrans_bytes[2];
	bool syn_seen[2], fin_seen[2], rst_seen[2];
	uint64_t flag_count[TA_COUNT];
	int64_t synack_ts, hs_ack_ts, hs_syn_ts;
	int64_t max_bif;
	int first_dir, syn_dir;
	uint32_t rtt_samples;
	int64_t rtt_min, rtt_max;
	uint16_t *rtt_hist; /* counts of buckets rtt_lo .. rtt_lo + rtt_n - 1 (others: 0) */
	uint16_t rtt_lo, rtt_n; /* the window of buckets held, from the first sample */
	uint64_t rtt_hist_total; /* sum of rtt_hist[] */
};

/* --- connection state ---------------------------------------------------------------------- */

static void half_init(struct tcp_half *h)
{
	memset(h, 0, sizeof(*h));
	h->win_scale = WS_UNKNOWN;
	h->window = UINT32_MAX; /* matches no real window */
	h->valid_bif = true;
	h->segs.sorted = true;
}

static void conv_init_analysis(struct tcp_conv *tc)
{
	for (int d = 0; d < 2; d++) {
		struct tcp_unacked segs = tc->h[d].segs; /* keep the ring's memory */
		half_init(&tc->h[d]);
		tc->h[d].segs = segs;
		tcp_unacked_clear(&tc->h[d].segs);
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
	tcp_unacked_fini(&tc->h[0].segs);
	tcp_unacked_fini(&tc->h[1].segs);
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

/* Widen the histogram's window to hold bucket b, with RTT_GROW / 2 buckets to spare past it
 * so an RTT that drifts does not reallocate at every sample.  Most connections' samples span
 * a few octaves: a window of a few dozen buckets, not all RTT_BUCKETS (514 bytes) for each
 * of tens of thousands of connections.  False: no memory. */
#define RTT_GROW 16
static bool rtt_cover(struct tcp_conv *tc, unsigned b)
{
	unsigned lo = tc->rtt_lo, hi = lo + tc->rtt_n;
	if (tc->rtt_hist && b >= lo && b < hi)
		return true;
	unsigned nlo = lo, nhi = hi;
	if (!tc->rtt_hist || b < lo)
		nlo = b >= RTT_GROW / 2 ? b - RTT_GROW / 2 : 0;
	if (!tc->rtt_hist || b >= hi)
		nhi = b + RTT_GROW / 2 + 1 < RTT_BUCKETS ? b + RTT_GROW / 2 + 1 : RTT_BUCKETS;
	uint16_t *v = calloc(nhi - nlo, sizeof(*v));
	if (!v)
		return false;
	if (tc->rtt_hist)
		memcpy(v + (lo - nlo), tc->rtt_hist, tc->rtt_n * sizeof(*v));
	free(tc->rtt_hist);
	tc->rtt_hist = v;
	tc->rtt_lo = (uint16_t)nlo;
	tc->rtt_n = (uint16_t)(nhi - nlo);
	return true;
}

static void rtt_add(struct tcp_conv *tc, int64_t ns)
{
	if (ns < 0)
		return;
	unsigned b = rtt_bucket(ns);
	if (!rtt_cover(tc, b))
		return;
	b -= tc->rtt_lo;
	if (tc->rtt_hist[b] == UINT16_MAX) {
		tc->rtt_hist_total = 0;
		for (unsigned i = 0; i < tc->rtt_n; i++) {
			tc->rtt_hist[i] = (uint16_t)((tc->rtt_hist[i] + 1u) / 2u);
			tc->rtt_hist_total += tc->rtt_hist[i];
		}
	}
	tc->rtt_hist[b]++;
	tc->rtt_hist_total++;
	if (tc->rtt_samples < UINT32_MAX)
		tc->rtt_samples++;
	if (tc->rtt_min < 0 || ns < tc->rtt_min)
		tc->rtt_min = ns;
	if (ns > tc->rtt_max)
		tc->rtt_max = ns;
}

/* The RTT_NQ quantiles pct[] (ascending) of the histogram, in one pass over it: out[i] is
 * the middle of the bucket holding the sample of rank ceil(total * pct / 100), kept within
 * [rtt_min, rtt_max]; -1 when the histogram is empty. */
#define RTT_NQ 2
static void rtt_quantiles(const struct tcp_conv *tc, const unsigned pct[RTT_NQ],
                          int64_t out[RTT_NQ])
{
	uint64_t total = tc->rtt_hist_total;
	uint64_t rank[RTT_NQ];
	for (unsigned q = 0; q < RTT_NQ; q++) {
		out[q] = total ? tc->rtt_max : -1;
		rank[q] = (total * pct[q] + 99) / 100;
		if (rank[q] == 0)
			rank[q] = 1;
	}
	if (!total)
		return;
	uint64_t cum = 0;
	unsigned q = 0;
	for (unsigned i = 0; i < tc->rtt_n && q < RTT_NQ; i++) {
		cum += tc->rtt_hist[i];
		while (q < RTT_NQ && cum >= rank[q]) {
			int64_t v = rtt_bucket_mid(tc->rtt_lo + i);
			if (v < tc->rtt_min)
				v = tc->rtt_min;
			if (v > tc->rtt_max)
				v = tc->rtt_max;
			out[q++] = v;
		}
	}
}

void tcp_conv_health(const struct tcp_conv *tc, struct tcp_health *h)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->flag_count, tc->flag_count, sizeof(h->flag_count));
	for (int d = 0; d < 2; d++) {
		h->data_segments[d] = tc->data_segments[d];
		h->data_bytes[d] = tc->data_bytes[d];
		h->retrans_segments[d] = tc->retrans_segments[d];
		h->retrans_bytes[d] = tc->retrans_bytes[d];
		h->syn_seen[d] = tc->syn_seen[d];
		h->fin_seen[d] = tc->fin_seen[d];
		h->rst_seen[d] = tc->rst_seen[d];
	}
	h->irtt_ns = tc->irtt_ok ? tc->irtt_ns : -1;
	h->syn_ns = tc->hs_syn_ts;
	h->synack_ns = tc->synack_ts;
	h->ack_ns = tc->hs_ack_ts;
	h->rtt_samples = tc->rtt_samples;
	if (tc->rtt_hist && tc->rtt_samples) {
		static const unsigned pct[RTT_NQ] = {50, 95};
		int64_t q[RTT_NQ];
		rtt_quantiles(tc, pct, q);
		h->rtt_p50_ns = q[0];
		h->rtt_p95_ns = q[1];
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

/* Bytes covered by the latest SACK blocks of a direction (tshark counts the first three). */
static uint64_t sacked_bytes(const struct tcp_half *h)
{
	uint64_t t = 0;
	for (unsigned i = 0; i < h->nsack && i < TCP_BIF_SACK_BLOCKS; i++)
		t += (uint32_t)(h->sack[i][1] - h->sack[i][0]);
	return t;
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
	bool not_advanced = nextseq_known(f) && tcp_seq_lt(seq, f->nextseq);
	/* Data right after a 1-byte probe or keep-alive starts one byte early: not a resend. */
	if (len > 1 && f->nextseq - 1 == seq)
		not_advanced = false;

	/* The receiver had already acknowledged all of it (checked even when seq advanced). */
	if (len > 0 && r->lastack != 0 && tcp_seq_le(seq + len, r->lastack))
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
static uint32_t check_ack_unseen(struct tcp_half *r, const struct packet *p)
{
	const uint32_t ack = p->ack;
	if (!r->maxseq || !(p->tcp_flags & TCP_ACK) || !tcp_seq_gt(ack, r->maxseq))
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
 * sequences (tests/oracle/tcp_random.sh): a segment that repeats the previous one (a
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

static void health_update(struct tcp_conv *tc, const struct packet *p, int dir,
                          const struct tcp_pkt_analysis *out)
{
	const uint8_t tf = p->tcp_flags;
	if (tc->first_dir < 0)
		tc->first_dir = dir;
	if (tf & TCP_SYN) {
		tc->syn_seen[dir] = true;
		if (!(tf & TCP_ACK) && tc->syn_dir < 0)
			tc->syn_dir = dir;
		if ((tf & TCP_ACK) && !tc->irtt_ok)
			tc->synack_ts = p->ts_ns;
	}
	if (tf & TCP_FIN)
		tc->fin_seen[dir] = true;
	if (tf & TCP_RST)
		tc->rst_seen[dir] = true;
	for (unsigned i = 0; i < TA_COUNT; i++)
		if (out->flags & TA_BIT(i))
			tc->flag_count[i]++;
	if (p->payload_len > 0) {
		tc->data_segments[dir]++;
		tc->data_bytes[dir] += p->payload_len;
		if (out->flags & RETRANS_ANY) {
			tc->retrans_segments[dir]++;
			tc->retrans_bytes[dir] += p->payload_len;
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
	if (nextseq_known(f) && tcp_seq_gt(seq, f->nextseq) && !rst) {
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
		f->fast_dup = true;
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
	if ((tf & TCP_ACK) && nextseq_known(r) && tcp_seq_gt(ack, r->nextseq)) {
		r->dupacknum = 0;
		r->fast_armed = true;
		r->fast_ack = ack;
		r->fast_dup = false;
	}
	flags |= check_ack_unseen(r, p);

	if (len > 0 || syn || fin) {
		uint32_t k = classify_retrans(tc, f, r, p, flags, out);
		flags |= k;
		if (k & (TA_BIT(TA_FAST_RETRANSMISSION) | TA_BIT(TA_SPURIOUS_RETRANSMISSION)))
			flags |= TA_BIT(TA_RETRANSMISSION);
	}

	/* Rule 13: bookkeeping. */
	uint32_t nextseq = seq + len;
	if ((len > 0 || syn || fin) && f->segs.n < TCP_UNACKED_MAX) {
		/* SYN and FIN take one sequence number, but only for segments that go on the list
		 * (past the cap tshark's nextseq forgets them too). */
		if (syn || fin)
			nextseq++;
		struct tcp_seg e = {seq, nextseq, p->frame, p->ts_ns, (flags & RETRANS_ANY) != 0};
		tcp_unacked_push(&f->segs, &e);
	}
	const uint32_t old_next = f->nextseq;
	if ((!nextseq_known(f) || tcp_seq_gt(nextseq, f->nextseq)) &&
	    !(flags & TA_BIT(TA_ZERO_WINDOW_PROBE))) {
		f->nextseq = nextseq;
		f->nextseq_frame = p->frame;
		f->nextseq_ts = p->ts_ns;
	}
	update_maxseq(f, p, old_next, flags);
	if (f->fast_armed && f->fast_dup && !tcp_seq_gt(f->fast_ack, f->nextseq))
		f->fast_armed = false;
	/* A repeated SYN (same ISN) takes nextseq back to the in-order mark, as tshark does. */
	if ((tf & (TCP_SYN | TCP_ACK)) == TCP_SYN && seq == f->base_seq && f->maxseq)
		f->nextseq = f->maxseq;
	f->window = window;
	f->window_syn = syn;
	f->lastack = ack;
	f->lastack_ts = p->ts_ns;
	f->lastsegflags = flags;
	f->seen = true;
	if (syn)
		syn_window_scale(f, r, p);
	f->nsack = p->nsack <= PKT_MAX_SACK ? p->nsack : PKT_MAX_SACK;
	memcpy(f->sack, p->sack, sizeof(f->sack));

	/* ACKs for the other direction (tshark walks even without the ACK bit). */
	struct tcp_acked a;
	tcp_unacked_ack(&r->segs, ack, &a);
	if (a.found) {
		out->acks_frame = a.frame;
		out->ack_rtt_ns = p->ts_ns - a.ts_ns;
		if (!a.karn)
			rtt_add(tc, out->ack_rtt_ns);
	}

	/* Bytes in flight after this segment: the unacked span less what the receiver's latest
	 * SACK blocks say it holds, and less the sequence number a SYN or FIN takes. */
	if (len > 0 && f->segs.n > 0 && f->valid_bif) {
		int64_t inflight =
		    (int64_t)tcp_unacked_span(&f->segs, f->base_seq) - (int64_t)sacked_bytes(r);
		if (syn || fin)
			inflight--;
		if (inflight > 0 && inflight < TCP_BIF_MAX)
			out->bytes_in_flight = inflight;
	}

	out->flags = flags;
	out->irtt_ns = tc->irtt_ok ? tc->irtt_ns : -1;
	health_update(tc, p, dir, out);
	/* An ended connection stays in the flow table for a while (late packets): give back
	 * the rings once everything is acknowledged. */
	if ((tc->fin_seen[0] && tc->fin_seen[1]) || tc->rst_seen[0] || tc->rst_seen[1]) {
		tcp_unacked_trim(&f->segs);
		tcp_unacked_trim(&r->segs);
	}
}
