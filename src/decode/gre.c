/* gre.c - GRE, RFC 2784 with the key and sequence number extensions of RFC 2890; protocol
 * types for Ethernet (0x6558, transparent Ethernet bridging), IP, and ERSPAN (0x88BE type I
 * and II, 0x22EB type III: draft-foschiano-erspan-03).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |C|R|K|S|    Reserved0    | Ver |         Protocol Type         |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |      Checksum (optional)      |       Reserved1 (optional)    |  if C
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                         Key (optional)                        |  if K
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                 Sequence Number (optional)                    |  if S
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Version 1 is PPTP's enhanced GRE (RFC 2637): not decoded.  R (RFC 1701 source routing,
 * obsolete) makes the header length depend on a routing list: RFC 2784 lets a receiver
 * discard such packets, and we stop there too (ANOM_GRE_UNKNOWN_PROTO).
 *
 * ERSPAN is folded into the tunnel: one TUN_ERSPAN record instead of GRE + ERSPAN.  Type I
 * (0x88BE without a sequence number) has no header of its own: Ethernet follows GRE.  For II
 * and III the version nibble of the ERSPAN header is checked here, before the push, so a
 * packet that is not ERSPAN stays the GRE packet it was.
 */
#include "decode_internal.h"

#define GRE_HLEN          4
#define GRE_C             0x8000
#define GRE_R             0x4000
#define GRE_K             0x2000
#define GRE_S             0x1000
#define GRE_VER_MASK      0x0007
#define GRE_PROTO_ETH     0x6558
#define GRE_PROTO_IPV4    0x0800
#define GRE_PROTO_IPV6    0x86DD
#define GRE_PROTO_ERSPAN  0x88BE /* type I and II */
#define GRE_PROTO_ERSPAN3 0x22EB
#define ERSPAN2_HLEN      8
#define ERSPAN3_HLEN      12

/* Push the record; the inner frame starts at c, as Ethernet until a caller knows better
 * (ERSPAN II/III refine it past their own header). */
static struct tunnel *gre_push(const struct cursor *c, struct packet *p, enum tunnel_kind kind,
                               uint16_t flags, bool has_key, uint32_t key)
{
	struct tunnel *t = pkt_push_tunnel(p, kind);
	if (!t)
		return NULL;
	pkt_set_inner(p, c, LINKTYPE_ETHERNET);
	t->flags = (uint8_t)(flags >> 8);
	if (has_key && kind == TUN_GRE) {
		t->has_id = true;
		t->id = key;
	}
	return t;
}

/* Is an ERSPAN header of hlen bytes with version nibble ver next? */
static bool erspan_next(const struct cursor *c, struct packet *p, size_t hlen, int ver)
{
	if (!cur_has(c, hlen)) {
		pkt_anomaly(p, ANOM_TRUNC_TUNNEL);
		return false;
	}
	if (cur_peek(c, 0) >> 4 != ver) {
		pkt_anomaly(p, ANOM_ERSPAN_BAD_VERSION);
		return false;
	}
	return true;
}

enum layer gre_decode(struct cursor *c, struct packet *p)
{
	if (!cur_has(c, GRE_HLEN)) {
		pkt_anomaly(p, ANOM_TRUNC_TUNNEL);
		return LAYER_END;
	}
	uint16_t flags = cur_be16(c);
	uint16_t proto = cur_be16(c);
	if ((flags & GRE_VER_MASK) != 0) {
		pkt_anomaly(p, ANOM_GRE_BAD_VERSION);
		return LAYER_END;
	}
	if (flags & GRE_R) {
		pkt_anomaly(p, ANOM_GRE_UNKNOWN_PROTO);
		return LAYER_END;
	}
	size_t optlen =
	    ((flags & GRE_C) ? 4 : 0) + ((flags & GRE_K) ? 4 : 0) + ((flags & GRE_S) ? 4 : 0);
	if (!cur_has(c, optlen)) {
		pkt_anomaly(p, ANOM_TRUNC_TUNNEL);
		return LAYER_END;
	}
	if (flags & GRE_C)
		cur_skip(c, 4);
	bool has_key = (flags & GRE_K) != 0;
	uint32_t key = has_key ? cur_be32(c) : 0;
	if (flags & GRE_S)
		cur_skip(c, 4);

	struct tunnel *t;
	switch (proto) {
	case GRE_PROTO_ETH:
		if (!gre_push(c, p, TUN_GRE, flags, has_key, key))
			return LAYER_END;
		return LAYER_ETH;
	case GRE_PROTO_IPV4:
	case GRE_PROTO_IPV6:
		if (!gre_push(c, p, TUN_GRE, flags, has_key, key))
			return LAYER_END;
		pkt_set_inner(p, c, LINKTYPE_RAW);
		return proto == GRE_PROTO_IPV4 ? LAYER_IPV4 : LAYER_IPV6;
	case GRE_PROTO_ERSPAN:
		if (!(flags & GRE_S)) {
			if (!(t = gre_push(c, p, TUN_ERSPAN, flags, false, 0)))
				return LAYER_END;
			t->erspan_version = 1;
			return LAYER_ETH;
		}
		if (!erspan_next(c, p, ERSPAN2_HLEN, 1) ||
		    !gre_push(c, p, TUN_ERSPAN, flags, false, 0))
			return LAYER_END;
		return LAYER_ERSPAN2;
	case GRE_PROTO_ERSPAN3:
		if (!erspan_next(c, p, ERSPAN3_HLEN, 2) ||
		    !gre_push(c, p, TUN_ERSPAN, flags, false, 0))
			return LAYER_END;
		return LAYER_ERSPAN3;
	default:
		pkt_anomaly(p, ANOM_GRE_UNKNOWN_PROTO);
		return LAYER_END;
	}
}
