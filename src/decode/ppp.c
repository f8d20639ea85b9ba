/* ppp.c - PPP encapsulation, RFC 1661 section 2, with the HDLC-like address and control
 * fields of RFC 1662 section 3.1 when present: link types PPP (9) and PPP_HDLC (50), PPPoE
 * sessions (RFC 2516) and PPTP's enhanced GRE (RFC 2637).
 *
 *  +----------+----------+----------------------+--------------------
 *  | Address  | Control  |      Protocol        |  Information ...
 *  |   0xFF   |   0x03   |  8 or 16 bits        |
 *  +----------+----------+----------------------+--------------------
 *    (both optional: address/control field compression, RFC 1661 6.6)
 *
 * Protocol numbers are odd in their last octet and even in the first: a first octet that is
 * odd is a whole protocol field compressed to 8 bits (RFC 1661 6.5).  0xFF cannot start a
 * protocol field, so it always opens the address/control pair.  IPv4 (0x0021), IPv6 (0x0057)
 * and MPLS (0x0281, 0x0283: RFC 3032 section 4.3) are decoded; LCP, IPCP, CHAP, compressed
 * or encrypted data and the rest end the frame as ANOM_UNKNOWN_ETHERTYPE, counted like ARP.
 */
#include "decode_internal.h"

#define PPP_ADDRESS       0xFF
#define PPP_CONTROL       0x03
#define PPP_PROTO_IPV4    0x0021
#define PPP_PROTO_IPV6    0x0057
#define PPP_PROTO_MPLS    0x0281
#define PPP_PROTO_MPLS_MC 0x0283

enum layer ppp_decode(struct cursor *c, struct packet *p)
{
	uint32_t start = pkt_offset(p, c);
	int b0 = cur_peek(c, 0);
	if (b0 == PPP_ADDRESS) {
		int b1 = cur_peek(c, 1);
		if (b1 < 0) {
			pkt_anomaly(p, ANOM_TRUNC_LINK);
			return LAYER_END;
		}
		if (b1 != PPP_CONTROL) {
			pkt_anomaly(p, ANOM_PPP_BAD_HEADER);
			return LAYER_END;
		}
		cur_skip(c, 2);
		b0 = cur_peek(c, 0);
	}
	if (b0 < 0 || (!(b0 & 1) && !cur_has(c, 2))) {
		pkt_anomaly(p, ANOM_TRUNC_LINK);
		return LAYER_END;
	}
	uint16_t proto = (b0 & 1) ? cur_u8(c) : cur_be16(c);
	if (!(proto & 1)) {
		pkt_anomaly(p, ANOM_PPP_BAD_HEADER);
		return LAYER_END;
	}

	enum layer next;
	switch (proto) {
	case PPP_PROTO_IPV4:
		next = LAYER_IPV4;
		break;
	case PPP_PROTO_IPV6:
		next = LAYER_IPV6;
		break;
	case PPP_PROTO_MPLS:
	case PPP_PROTO_MPLS_MC:
		next = LAYER_MPLS;
		break;
	default:
		pkt_anomaly(p, ANOM_UNKNOWN_ETHERTYPE);
		return LAYER_END;
	}
	pkt_inner_skip(p, start, c, LINKTYPE_RAW);
	return next;
}
