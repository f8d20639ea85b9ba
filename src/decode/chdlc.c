/* chdlc.c - Cisco HDLC framing, RFC 1547 section 4.3.1: link type C_HDLC (104), and PPP_HDLC
 * (50) when the first byte is a Cisco address rather than PPP's 0xFF.
 *
 *  +----------+----------+-------------------------------+--------------------
 *  | Address  | Control  |      Protocol (EtherType)     |  Information ...
 *  | 0x0F/0x8F|   0x00   |           16 bits             |
 *  +----------+----------+-------------------------------+--------------------
 *
 * Address 0x0F is unicast, 0x8F broadcast; any other address or a control byte other than 0
 * is ANOM_PPP_BAD_HEADER (the framing anomaly shared with PPP).  The protocol is an EtherType:
 * what we do not decode (SLARP 0x8035, CDP 0x2000, ...) ends as ANOM_UNKNOWN_ETHERTYPE.
 */
#include "decode_internal.h"

#define CHDLC_HLEN      4
#define CHDLC_UNICAST   0x0F
#define CHDLC_MULTICAST 0x8F
#define CHDLC_CONTROL   0x00

enum layer chdlc_decode(struct cursor *c, struct packet *p)
{
	if (!cur_has(c, CHDLC_HLEN)) {
		pkt_anomaly(p, ANOM_TRUNC_LINK);
		return LAYER_END;
	}
	uint8_t addr = cur_u8(c);
	uint8_t ctrl = cur_u8(c);
	uint16_t type = cur_be16(c);
	if ((addr != CHDLC_UNICAST && addr != CHDLC_MULTICAST) || ctrl != CHDLC_CONTROL) {
		pkt_anomaly(p, ANOM_PPP_BAD_HEADER);
		return LAYER_END;
	}
	p->ethertype = type;
	enum layer next = layer_for_ethertype(type);
	if (next == LAYER_END)
		pkt_anomaly(p, ANOM_UNKNOWN_ETHERTYPE);
	return next;
}
