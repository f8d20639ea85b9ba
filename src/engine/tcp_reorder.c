/* tcp_reorder.c - reorder window in front of TCP analysis (see tcp_reorder.h). */
#include "tcp_reorder.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int tcp_reorder_init(struct tcp_reorder *r, int64_t window_ns, tcp_reorder_release_fn release,
		     void *ctx)
{
	memset(r, 0, sizeof(*r));
	r->window_ns = window_ns;
	r->release = release;
	r->ctx = ctx;
	r->v = malloc(TCP_REORDER_MAX * sizeof(*r->v));
	return r->v ? 0 : -ENOMEM;
}

void tcp_reorder_fini(struct tcp_reorder *r)
{
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

static void release_first(struct tcp_reorder *r)
{
	struct tcp_reorder_item it = r->v[0];
	memmove(&r->v[0], &r->v[1], (r->n - 1) * sizeof(r->v[0]));
	r->n--;
	r->release(r->ctx, it.f, it.dir, &it.p);
}

static bool seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

void tcp_reorder_packet(struct tcp_reorder *r, struct flow *f, int dir, const struct packet *p)
{
	while (r->n && (r->n == TCP_REORDER_MAX || p->ts_ns - r->v[0].p.ts_ns > r->window_ns))
		release_first(r);
	unsigned at = r->n;
	if (p->payload_len) {
		/* move ahead of held data segments of the same flow and direction with higher
		 * sequence numbers, never past an ACK or anything of that flow that must stay
		 * behind it */
		for (unsigned i = r->n; i-- > 0;) {
			const struct tcp_reorder_item *h = &r->v[i];
			if (h->f != f)
				continue;
			if (h->dir != dir || !h->p.payload_len || !seq_before(p->seq, h->p.seq))
				break;
			at = i;
		}
	}
	if (at < r->n) {
		memmove(&r->v[at + 1], &r->v[at], (r->n - at) * sizeof(r->v[0]));
		r->reordered++;
	}
	r->v[at].f = f;
	r->v[at].dir = dir;
	r->v[at].p = *p;
	r->v[at].p.payload = NULL;
	r->v[at].p.payload_caplen = 0;
	r->v[at].p.data = NULL;
	r->n++;
}

void tcp_reorder_flush(struct tcp_reorder *r, const struct flow *f)
{
	if (!f) {
		while (r->n)
			release_first(r);
		return;
	}
	/* release f's packets in order, keeping the others */
	unsigned keep = 0;
	for (unsigned i = 0; i < r->n; i++) {
		if (r->v[i].f == f) {
			struct tcp_reorder_item it = r->v[i];
			r->release(r->ctx, it.f, it.dir, &it.p);
		} else {
			r->v[keep++] = r->v[i];
		}
	}
	r->n = keep;
}
