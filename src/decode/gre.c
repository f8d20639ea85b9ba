/* gre.c - GRE, RFC 2784 with the key and sequence number extensions of RFC 2890; protocol
 * types for Ethernet (0x6558, transparent Ethernet bridging), IP, ERSPAN (0x88BE type I and
 * II, 0x22EB type III: draft-foschiano-erspan-03) and Aruba's 802.11 (0x8200-0x8370); PPTP's
 * enhanced GRE (version 1, RFC 2637 section 4.1) carrying PPP; GRE-in-UDP (RFC 8086, udp.c).
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
 * Enhanced GRE (version 1), as PPTP sends it:
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |C|R|K|S|s|Recur|A| Flags | Ver |     Protocol Type (0x880B)    |  C=0 R=0 K=1, Ver 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |    Key (HW) Payload Length    |       Key (LW) Call ID        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                  Sequence Number (optional)                   |  if S
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |               Acknowledgment Number (optional)                |  if A
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The payload length narrows the cursor to the PPP frame (fewer bytes captured:
 * ANOM_TRUNC_PAYLOAD); 0 is an acknowledgment alone, which stays a GRE packet.  The call id
 * is the tunnel id.  A version-1 header without K, with C or R, or not carrying PPP is
 * ANOM_GRE_BAD_PPTP; versions 2-7, and anything but 0 inside UDP, are ANOM_GRE_BAD_VERSION.
 * R (RFC 1701 source routing, obsolete) makes a version-0 header's length depend on a routing
 * list: RFC 2784 lets a receiver discard such packets, and we stop there too
 * (ANOM_GRE_UNKNOWN_PROTO).
 *
 * Aruba access points tunnel their clients' 802.11 frames to the controller with protocol
 * types 0x8200 to 0x8370 in steps of 0x10, the frame right after the GRE header (the values
 * Wireshark and Zeek decode as 802.11); ieee80211.c reads it.
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
#define GRE_A             0x0080 /* enhanced GRE: acknowledgment number present */
#define GRE_VER_MASK      0x0007
#define GRE_PROTO_ETH     0x6558
#define GRE_PROTO_IPV4    0x0800
#define GRE_PROTO_IPV6    0x86DD
#define GRE_PROTO_ERSPAN  0x88BE /* type I and II */
#define GRE_PROTO_ERSPAN3 0x22EB
#define GRE_PROTO_PPP     0x880B
#define GRE_ARUBA_FIRST   0x8200
#define GRE_ARUBA_LAST    0x8370
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

static bool gre_is_aruba(uint16_t proto)
{
	return proto >= GRE_ARUBA_FIRST && proto <= GRE_ARUBA_LAST && (proto & 0x000F) == 0;
}

/* Enhanced GRE, after its first word. */
static enum layer gre_pptp(struct cursor *c, struct packet *p, uint16_t flags, uint16_t proto)
{
	if ((flags & (GRE_C | GRE_R)) || !(flags & GRE_K) || proto != GRE_PROTO_PPP) {
		pkt_anomaly(p, ANOM_GRE_BAD_PPTP);
		return LAYER_END;
	}
	size_t optlen = 4 + ((flags & GRE_S) ? 4 : 0) + ((flags & GRE_A) ? 4 : 0);
	if (!cur_has(c, optlen)) {
		pkt_anomaly(p, ANOM_TRUNC_TUNNEL);
		return LAYER_END;
	}
	size_t len = cur_be16(c);
	uint16_t call = cur_be16(c);
	cur_skip(c, optlen - 4);
	if (len == 0)
		return LAYER_END;
	if (c->left < len)
		pkt_anomaly(p, ANOM_TRUNC_PAYLOAD);
	cur_limit(c, len);
	if (!gre_push(c, p, TUN_GRE, flags, true, call))
		return LAYER_END;
	pkt_set_inner(p, c, LINKTYPE_RAW); /* ppp.c moves it past the PPP header */
	return LAYER_PPP;
}

enum layer gre_decode(struct cursor *c, struct packet *p)
{
	if (!cur_has(c, GRE_HLEN)) {
		pkt_anomaly(p, ANOM_TRUNC_TUNNEL);
		return LAYER_END;
	}
	uint16_t flags = cur_be16(c);
	uint16_t proto = cur_be16(c);
	unsigned ver = flags & GRE_VER_MASK;
	bool in_udp = p->has_l4 && p->proto == IPPROTO_NUM_UDP; /* RFC 8086: version 0 only */
	if (ver == 1 && !in_udp)
		return gre_pptp(c, p, flags, proto);
	if (ver != 0) {
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
		if (gre_is_aruba(proto)) {
			if (!gre_push(c, p, TUN_GRE, flags, has_key, key))
				return LAYER_END;
			pkt_set_inner(p, c, LINKTYPE_RAW); /* ieee80211.c moves it to the IP */
			return LAYER_WLAN;
		}
		pkt_anomaly(p, ANOM_GRE_UNKNOWN_PROTO);
		return LAYER_END;
	}
}
