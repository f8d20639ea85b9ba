/* tcp_reorder.h - an optional per-flow reorder window in front of TCP analysis.
 *
 * A Network or Gateway Load Balancer in front of a mirror target may deliver mirrored packets
 * out of order (AWS says so); Wireshark then reports out-of-order and lost segments that the
 * network never had.  With a window of W milliseconds, each TCP data segment is held until W
 * of capture time has passed (or the buffer is full), and a later-arriving segment of the same
 * flow and direction with a lower sequence number is analysed before the held ones.  Pure ACKs
 * keep their place.  Off by default, so that the Wireshark comparison stays exact.
 *
 * Held packets are header copies: payload pointers are cleared (TCP analysis reads headers
 * only); everything else in the pipeline sees packets at once, in arrival order.
 */
#ifndef VXS_ENGINE_TCP_REORDER_H
#define VXS_ENGINE_TCP_REORDER_H

#include <stdint.h>

#include "decode/packet.h"
#include "flow/flow.h"

#define TCP_REORDER_MAX 4096 /* packets held at most */

struct tcp_reorder_item {
	struct flow *f;
	int dir;
	struct packet p;
};

typedef void (*tcp_reorder_release_fn)(void *ctx, struct flow *f, int dir, struct packet *p);

struct tcp_reorder {
	int64_t window_ns;
	struct tcp_reorder_item *v; /* FIFO in release order, v[0] next */
	unsigned n;
	uint64_t reordered;         /* segments moved ahead of held ones */
	tcp_reorder_release_fn release;
	void *ctx;
};

/* 0 or -ENOMEM. */
int tcp_reorder_init(struct tcp_reorder *r, int64_t window_ns, tcp_reorder_release_fn release,
		     void *ctx);
void tcp_reorder_fini(struct tcp_reorder *r);
/* Hold p (copied), releasing what the window no longer covers. */
void tcp_reorder_packet(struct tcp_reorder *r, struct flow *f, int dir, const struct packet *p);
/* Release everything held for f (before f ends), or everything (f == NULL). */
void tcp_reorder_flush(struct tcp_reorder *r, const struct flow *f);

#endif
