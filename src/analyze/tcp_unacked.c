/* tcp_unacked.c - the unacknowledged segments of one TCP direction (see tcp_unacked.h).
 *
 * Behaviour is Wireshark's list walk (shared/spec/tcp-analysis.md section 1.2, rule 13), made
 * O(1) amortised for in-order traffic; TCP_UNACKED_FASTPATH=0 turns the sorted shortcuts off
 * so that both paths can be compared on the same captures.
 */
#include "analyze/tcp_unacked.h"

#include <stdlib.h>
#include <string.h>

#ifndef TCP_UNACKED_FASTPATH
#define TCP_UNACKED_FASTPATH 1
#endif

#define RING_MAX    16384u /* power of two >= TCP_UNACKED_MAX */
#define RING_MIN    4u
#define SORTED_SPAN (1u << 30) /* a sorted ring keeps all its sequence numbers within this */

static inline struct tcp_seg *seg_at(const struct tcp_unacked *s, uint32_t i)
{
	return &s->v[(s->lo + i) & (s->cap - 1)];
}

void tcp_unacked_fini(struct tcp_unacked *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
	s->sorted = true;
}

/* Make room for one more entry; false when out of memory. */
static bool reserve(struct tcp_unacked *s)
{
	if (s->n < s->cap)
		return true;
	uint32_t ncap = s->cap ? s->cap * 2 : RING_MIN;
	if (ncap > RING_MAX)
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

void tcp_unacked_clear(struct tcp_unacked *s)
{
	s->lo = s->n = 0;
	s->sorted = true;
}

void tcp_unacked_trim(struct tcp_unacked *s)
{
	if (s->n || !s->v)
		return;
	free(s->v);
	s->v = NULL;
	s->cap = s->lo = 0;
	s->sorted = true;
}

void tcp_unacked_push(struct tcp_unacked *s, const struct tcp_seg *e)
{
	if (s->n >= TCP_UNACKED_MAX || !reserve(s))
		return;
	if (s->n == 0) {
		s->sorted = true;
	} else if (s->sorted) {
		const struct tcp_seg *first = seg_at(s, 0), *last = seg_at(s, s->n - 1);
		s->sorted = tcp_seq_ge(e->seq, last->seq) &&
		            tcp_seq_ge(e->nextseq, last->nextseq) &&
		            e->nextseq - first->seq < SORTED_SPAN;
	}
	if (!TCP_UNACKED_FASTPATH)
		s->sorted = false;
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
static void ack_scan(struct tcp_unacked *s, uint32_t ack, struct tcp_acked *a)
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
		if (tcp_seq_gt(ack, e.seq) && tcp_seq_le(ack, e.nextseq))
			e.seq = ack;
		else if (!tcp_seq_gt(e.nextseq, ack))
			continue;
		struct tcp_seg *d = seg_at(s, w);
		*d = e;
		if (w == 0)
			first_seq = d->seq;
		if (prev && sorted)
			sorted = tcp_seq_ge(d->seq, prev->seq) &&
			         tcp_seq_ge(d->nextseq, prev->nextseq) &&
			         d->nextseq - first_seq < SORTED_SPAN;
		prev = d;
		w++;
	}
	s->n = w;
	s->sorted = sorted && TCP_UNACKED_FASTPATH;
}

/* The same walk on a sorted ring: pop the ACKed prefix, trim the one(s) ack cuts. */
void tcp_unacked_ack(struct tcp_unacked *s, uint32_t ack, struct tcp_acked *a)
{
	memset(a, 0, sizeof(*a));
	if (s->n == 0)
		return;
	if (!s->sorted) {
		ack_scan(s, ack, a);
		return;
	}
	uint32_t popped = 0;
	while (s->n > 0 && tcp_seq_le(seg_at(s, 0)->nextseq, ack)) {
		const struct tcp_seg *e = seg_at(s, 0);
		if (e->nextseq == ack)
			acked_note(a, e);
		s->lo = (s->lo + 1) & (s->cap - 1);
		s->n--;
		popped++;
	}
	/* An ack more than half the sequence space away can remove a suffix instead. */
	if (popped == 0 && s->n > 0 && tcp_seq_le(seg_at(s, s->n - 1)->nextseq, ack)) {
		ack_scan(s, ack, a);
		return;
	}
	for (uint32_t i = 0; i < s->n; i++) {
		struct tcp_seg *e = seg_at(s, i);
		if (!tcp_seq_gt(ack, e->seq))
			break;
		e->seq = ack;
	}
}

/* Bytes in flight: highest end minus lowest start over the ring (0 when empty).  tshark
 * compares sequence numbers relative to the ISN (base) as plain unsigned numbers here, so a
 * segment from before the ISN makes the span huge (and unreported); we do the same. */
uint32_t tcp_unacked_span(const struct tcp_unacked *s, uint32_t base)
{
	if (s->n == 0)
		return 0;
	const struct tcp_seg *first = seg_at(s, 0), *last = seg_at(s, s->n - 1);
	if (s->sorted && first->seq - base <= last->nextseq - base)
		return (last->nextseq - base) - (first->seq - base);
	uint32_t lo = UINT32_MAX, hi = 0;
	for (uint32_t i = 0; i < s->n; i++) {
		const struct tcp_seg *e = seg_at(s, i);
		if (e->seq - base < lo)
			lo = e->seq - base;
		if (e->nextseq - base > hi)
			hi = e->nextseq - base;
	}
	return hi - lo;
}
