/* null.c - BSD loopback encapsulation: LINKTYPE_NULL (family in the capturing host's byte
 * order) and LINKTYPE_LOOP (OpenBSD, network byte order), https://www.tcpdump.org/linktypes/
 * LINKTYPE_NULL.html.
 *
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |              address family (4 bytes)                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |              IPv4 or IPv6 packet ...
 *
 * AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD, OpenBSD, BSD/OS), 28 (FreeBSD,
 * DragonFly) or 30 (macOS, iOS).  The capturing host is unknown, so a NULL header is tried in
 * both byte orders (no family value collides with another one byte-swapped).  Any other family
 * ends the frame with ANOM_UNKNOWN_ETHERTYPE (the nearest named anomaly).
 */
#include "decode_internal.h"

#define NULL_HLEN 4

static enum layer family_layer(uint32_t af)
{
	switch (af) {
	case 2:
		return LAYER_IPV4;
	case 24:
	case 28:
	case 30:
		return LAYER_IPV6;
	default:
		return LAYER_END;
	}
}

enum layer null_decode(struct cursor *c, struct packet *p, bool network_order)
{
	if (!cur_has(c, NULL_HLEN)) {
		pkt_anomaly(p, ANOM_TRUNC_LINK);
		return LAYER_END;
	}
	uint32_t be = cur_be32(c);
	uint32_t le = (be >> 24) | (be >> 8 & 0xFF00) | (be << 8 & 0xFF0000) | (be << 24);

	enum layer next = family_layer(be);
	if (!network_order && next == LAYER_END)
		next = family_layer(le);
	if (next == LAYER_END)
		pkt_anomaly(p, ANOM_UNKNOWN_ETHERTYPE);
	else
		p->ethertype = next == LAYER_IPV4 ? 0x0800 : 0x86DD;
	return next;
}
