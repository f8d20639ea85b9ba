/* erspan.c - ERSPAN type II and type III headers after GRE, draft-foschiano-erspan-03
 * sections 4.1-4.3 (type I has no header: gre.c handles it).
 *
 * Type II (GRE protocol 0x88BE with a sequence number), 8 bytes:
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Ver  |          VLAN         | COS | En|T|    Session ID     |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |      Reserved         |                  Index                |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Type III (GRE protocol 0x22EB), 12 bytes, then 8 platform-specific bytes when O is set:
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Ver  |          VLAN         | COS |BSO|T|     Session ID    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                          Timestamp                            |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |             SGT               |P|    FT   |   Hw ID   |D|Gra|O|
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |        Platform Specific SubHeader (8 bytes, optional)        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Ver is 1 for type II and 2 for type III.  Frame type (FT) 0 is Ethernet, 2 a bare IP
 * packet; other frame types are not decoded (ANOM_UNKNOWN_ETHERTYPE, the nearest name).
 * gre.c pushed the TUN_ERSPAN record; these fill it in.
 */
#include "decode_internal.h"

#define ERSPAN2_HLEN       8
#define ERSPAN3_HLEN       12
#define ERSPAN3_SUBHDR_LEN 8
#define ERSPAN3_FT_ETH     0
#define ERSPAN3_FT_IP      2

/* The tunnel record gre.c pushed, or NULL when called on its own (unit tests). */
static struct tunnel *erspan_tunnel(struct packet *p)
{
	if (p->ntun == 0 || p->tun[p->ntun - 1].kind != TUN_ERSPAN)
		return NULL;
	return &p->tun[p->ntun - 1];
}

/* First word, common to II and III; false on a truncated header or the wrong version. */
static bool erspan_word0(struct cursor *c, struct packet *p, size_t hlen, unsigned ver)
{
	if (!cur_has(c, hlen)) {
		pkt_anomaly(p, ANOM_TRUNC_TUNNEL);
		return false;
	}
	uint16_t vv = cur_be16(c);
	uint16_t sess = cur_be16(c) & 0x03FF;
	if ((unsigned)vv >> 12 != ver) {
		pkt_anomaly(p, ANOM_ERSPAN_BAD_VERSION);
		return false;
	}
	struct tunnel *t = erspan_tunnel(p);
	if (t) {
		t->erspan_version = (uint8_t)(ver + 1);
		t->erspan_vlan = vv & 0x0FFF;
		t->has_id = true;
		t->id = sess;
	}
	return true;
}

enum layer erspan2_decode(struct cursor *c, struct packet *p)
{
	if (!erspan_word0(c, p, ERSPAN2_HLEN, 1))
		return LAYER_END;
	cur_skip(c, 4); /* reserved, index */
	pkt_set_inner(p, c, LINKTYPE_ETHERNET);
	return LAYER_ETH;
}

enum layer erspan3_decode(struct cursor *c, struct packet *p)
{
	if (!erspan_word0(c, p, ERSPAN3_HLEN, 2))
		return LAYER_END;
	cur_skip(c, 4); /* timestamp */
	cur_skip(c, 2); /* SGT */
	uint16_t w = cur_be16(c);
	unsigned ft = (w >> 10) & 0x1F;
	if (w & 1) {
		if (!cur_has(c, ERSPAN3_SUBHDR_LEN)) {
			pkt_anomaly(p, ANOM_TRUNC_TUNNEL);
			return LAYER_END;
		}
		cur_skip(c, ERSPAN3_SUBHDR_LEN);
	}
	if (ft == ERSPAN3_FT_IP) {
		pkt_set_inner(p, c, LINKTYPE_RAW);
		return cur_peek(c, 0) >> 4 == 6 ? LAYER_IPV6 : LAYER_IPV4;
	}
	pkt_set_inner(p, c, LINKTYPE_ETHERNET);
	if (ft == ERSPAN3_FT_ETH)
		return LAYER_ETH;
	pkt_anomaly(p, ANOM_UNKNOWN_ETHERTYPE);
	return LAYER_END;
}
