/* eth.c - Ethernet II (DIX) header, IEEE 802.3 clause 3.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                  Destination MAC (6 bytes)                    |
 *  +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                               |                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 *  |                     Source MAC (6 bytes)                      |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |     EtherType / Length        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * A type field below 0x0600 is an 802.3 length (LLC follows: STP, CDP, ...): the frame ends
 * here, flagged ANOM_UNKNOWN_ETHERTYPE like any other payload we do not decode.  No FCS is
 * expected (captures and VXLAN inner frames carry none); trailing bytes are dropped by the IP
 * decoders when they narrow to the IP length.
 */
#include "decode_internal.h"

#define ETH_HLEN          14
#define ETH_MIN_ETHERTYPE 0x0600

enum layer eth_decode(struct cursor *c, struct packet *p)
{
	if (!cur_has(c, ETH_HLEN)) {
		pkt_anomaly(p, ANOM_TRUNC_LINK);
		return LAYER_END;
	}
	cur_skip(c, 12); /* MAC addresses: analysis must not depend on them */
	uint16_t type = cur_be16(c);
	if (type < ETH_MIN_ETHERTYPE) {
		pkt_anomaly(p, ANOM_UNKNOWN_ETHERTYPE);
		return LAYER_END;
	}
	p->ethertype = type; /* kept for unknown types too: ARP vs LLDP counts */
	enum layer next = layer_for_ethertype(type);
	if (next == LAYER_END)
		pkt_anomaly(p, ANOM_UNKNOWN_ETHERTYPE);
	return next;
}
