/* pppoe.c - PPPoE session stage header, RFC 2516 section 4 (EtherType 0x8864); a PPP
 * protocol field and the PPP payload follow (ppp.c).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  VER  | TYPE  |      CODE     |          SESSION_ID           |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |            LENGTH             |           payload             ~
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * A session packet has VER 1, TYPE 1 and CODE 0; anything else, or a LENGTH of 0 (no room for
 * a PPP protocol), is ANOM_PPPOE_BAD_HEADER and ends the frame.  LENGTH is the payload's: the
 * cursor is narrowed to it (Ethernet padding dropped), and fewer captured bytes than it
 * declares are ANOM_TRUNC_PAYLOAD.  The discovery stage (EtherType 0x8863) carries no user
 * traffic and is not decoded: ANOM_UNKNOWN_ETHERTYPE, like ARP.
 */
#include "decode_internal.h"

#define PPPOE_HLEN         6
#define PPPOE_VER_TYPE     0x11
#define PPPOE_CODE_SESSION 0x00

enum layer pppoe_decode(struct cursor *c, struct packet *p)
{
	if (!cur_has(c, PPPOE_HLEN)) {
		pkt_anomaly(p, ANOM_TRUNC_LINK);
		return LAYER_END;
	}
	uint8_t vt = cur_u8(c);
	uint8_t code = cur_u8(c);
	cur_skip(c, 2); /* session id */
	size_t len = cur_be16(c);
	if (vt != PPPOE_VER_TYPE || code != PPPOE_CODE_SESSION || len == 0) {
		pkt_anomaly(p, ANOM_PPPOE_BAD_HEADER);
		return LAYER_END;
	}
	if (c->left < len)
		pkt_anomaly(p, ANOM_TRUNC_PAYLOAD);
	cur_limit(c, len);
	return LAYER_PPP;
}
