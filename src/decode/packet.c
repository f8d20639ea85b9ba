/* packet.c - tunnel records: move the outer L3/L4 of a packet into tun[] before the inner
 * packet is decoded over the same fields.
 */
#include <string.h>

#include "decode_internal.h"

struct tunnel *pkt_push_tunnel(struct packet *p, enum tunnel_kind kind)
{
	if (p->ntun >= PKT_MAX_TUNNELS) {
		pkt_anomaly(p, ANOM_TUNNEL_DEPTH);
		return NULL;
	}
	struct tunnel *t = &p->tun[p->ntun++];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->src = p->src;
	t->dst = p->dst;
	t->sport = p->sport;
	t->dport = p->dport;
	/* anomalies and truncated describe the whole frame and are kept. */
	pkt_clear_inner(p);
	return t;
}
