/* mpls.c - MPLS label stack, RFC 3032 (EtherType 0x8847, multicast 0x8848: RFC 5332), and
 * what follows the bottom label: IPv4, IPv6, or an Ethernet pseudowire (RFC 4448) with or
 * without its control word (RFC 4385).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                Label                  | TC  |S|      TTL      |  one entry, repeated
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  until S (bottom) is set
 *  |0 0 0 0|  Flags  |FRG|  Length   |        Sequence Number        |  PW control word
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  (optional)
 *
 * The stack names no payload type: like every MPLS receiver without the label bindings, we go
 * by the first nibble after the bottom entry, 4 for IPv4 and 6 for IPv6.  A 0 is an Ethernet
 * pseudowire, either a destination MAC (no control word) or a control word: the reading whose
 * EtherType (offset 12, or 16 past the control word) is one we decode wins, the one without a
 * control word first, which is also how tshark 4.0 chooses.  Anything else (a PW associated
 * channel, nibble 1) ends the frame as ANOM_UNKNOWN_ETHERTYPE.
 *
 * The walk is a bounded loop: past MPLS_MAX_LABELS entries without a bottom one the frame is
 * flagged ANOM_MPLS_LABEL_DEPTH and ends.  An Ethernet pseudowire's frame is a new link layer:
 * its VLAN tags replace the outer ones (a tunnel does the same).
 */
#include "decode_internal.h"

#define MPLS_ENTRY_LEN  4
#define MPLS_BOTTOM     0x00000100
#define MPLS_MAX_LABELS 16
#define MPLS_PW_CW_LEN  4
#define ETH_TYPE_OFF    12 /* EtherType offset in an Ethernet header */

/* Does an Ethernet header skip bytes past c carry an EtherType we decode?  1 yes, 0 no, -1
 * when its EtherType is not all there. */
static int pw_eth_at(const struct cursor *c, size_t skip)
{
	int hi = cur_peek(c, skip + ETH_TYPE_OFF);
	int lo = cur_peek(c, skip + ETH_TYPE_OFF + 1);
	if (hi < 0 || lo < 0)
		return -1;
	return layer_for_ethertype((uint16_t)(hi << 8 | lo)) != LAYER_END;
}

enum layer mpls_decode(struct cursor *c, struct packet *p)
{
	uint32_t start = pkt_offset(p, c);
	for (unsigned n = 0;; n++) {
		if (n == MPLS_MAX_LABELS) {
			pkt_anomaly(p, ANOM_MPLS_LABEL_DEPTH);
			return LAYER_END;
		}
		if (!cur_has(c, MPLS_ENTRY_LEN)) {
			pkt_anomaly(p, ANOM_TRUNC_LINK);
			return LAYER_END;
		}
		if (cur_be32(c) & MPLS_BOTTOM)
			break;
	}

	int b0 = cur_peek(c, 0);
	if (b0 < 0) {
		pkt_anomaly(p, ANOM_TRUNC_LINK); /* a label stack carries something */
		return LAYER_END;
	}
	switch (b0 >> 4) {
	case 4:
		pkt_inner_skip(p, start, c, LINKTYPE_RAW);
		return LAYER_IPV4;
	case 6:
		pkt_inner_skip(p, start, c, LINKTYPE_RAW);
		return LAYER_IPV6;
	case 0: {
		int plain = pw_eth_at(c, 0);
		int with_cw = pw_eth_at(c, MPLS_PW_CW_LEN);
		if (plain > 0 || with_cw > 0) {
			if (plain <= 0)
				cur_skip(c, MPLS_PW_CW_LEN);
			pkt_inner_skip(p, start, c, LINKTYPE_ETHERNET);
			p->nvlan = 0;
			return LAYER_ETH;
		}
		if (with_cw < 0) {
			pkt_anomaly(p, ANOM_TRUNC_LINK); /* too short to tell */
			return LAYER_END;
		}
		break;
	}
	default:
		break;
	}
	pkt_anomaly(p, ANOM_UNKNOWN_ETHERTYPE);
	return LAYER_END;
}
