/* tcp_unacked.h - the segments of one TCP direction not yet acknowledged, for tcp_analysis.c.
 *
 * A ring buffer, oldest first, grown geometrically up to TCP_UNACKED_MAX entries (Wireshark's
 * cap on its unacked list).  An ACK removes what it covers exactly as Wireshark's list walk
 * does (segments ending at or before the ACK go, the oldest one ending exactly at it is "the
 * ACKed frame", a segment the ACK cuts keeps its unacked part).  While the ring is sorted
 * (sequence numbers non-decreasing front to back: the normal case) that costs O(removed);
 * a resend or reordering unsorts it and each ACK then scans the ring, until it is sorted
 * again.  Sequence numbers compare modulo 2^32 (RFC 1982).  Internal to src/analyze/.
 */
#ifndef VXS_ANALYZE_TCP_UNACKED_H
#define VXS_ANALYZE_TCP_UNACKED_H

#include <stdbool.h>
#include <stdint.h>

#define TCP_UNACKED_MAX 10000u /* Wireshark's cap on the unacked list */

static inline bool tcp_seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}
static inline bool tcp_seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}
static inline bool tcp_seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}
static inline bool tcp_seq_ge(uint32_t a, uint32_t b)
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
struct tcp_unacked {
	struct tcp_seg *v;
	uint32_t cap;   /* 0 or a power of two */
	uint32_t lo, n; /* first entry, count */
	bool sorted;    /* seq and nextseq non-decreasing front to back, span < TCP_SORTED_SPAN */
};

/* What one ACK did to the ring. */
struct tcp_acked {
	bool found;     /* an entry ended exactly at the ACK */
	bool karn;      /* one of those entries was sent more than once */
	uint64_t frame; /* the oldest such entry */
	int64_t ts_ns;
};

/* Release the ring's memory; the ring is then empty and usable again. */
void tcp_unacked_fini(struct tcp_unacked *s);
/* Forget every entry, keep the memory. */
void tcp_unacked_clear(struct tcp_unacked *s);
/* Free the ring's memory when it holds nothing (a later push allocates it again): for a
 * connection that has ended but lingers in the flow table. */
void tcp_unacked_trim(struct tcp_unacked *s);
/* Append e (copied).  Ignored when the ring holds TCP_UNACKED_MAX entries or memory runs
 * out (the analysis then behaves as Wireshark does past its cap). */
void tcp_unacked_push(struct tcp_unacked *s, const struct tcp_seg *e);
/* Apply an ACK number: *a says whether an entry ended exactly there. */
void tcp_unacked_ack(struct tcp_unacked *s, uint32_t ack, struct tcp_acked *a);
/* Highest end minus lowest start, comparing as unsigned offsets from base (the ISN), as
 * tshark does for bytes in flight; 0 when empty. */
uint32_t tcp_unacked_span(const struct tcp_unacked *s, uint32_t base);

#endif
