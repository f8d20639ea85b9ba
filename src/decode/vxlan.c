/* vxlan.c - VXLAN header, RFC 7348 section 5 (AWS VPC Traffic Mirroring encapsulation:
 * /work/shared/spec/aws-mirroring.md section 4).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |R|R|R|R|I|R|R|R|               Reserved                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |            VXLAN Network Identifier (VNI)     |   Reserved    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  inner Ethernet frame, no FCS ...
 *
 * The I flag must be set, else this is not VXLAN and the packet stays the UDP datagram it
 * was.  Reserved bits "MUST be ignored on receipt": they are recorded as an anomaly (GBP and
 * GPE extensions set some), never a reason to reject.
 */
#include "decode_internal.h"

#define VXLAN_HLEN   8
#define VXLAN_FLAG_I 0x08

enum layer vxlan_decode(struct cursor *c, struct packet *p)
{
	if (!cur_has(c, VXLAN_HLEN)) {
		pkt_anomaly(p, ANOM_TRUNC_TUNNEL);
		return LAYER_END;
	}
	uint8_t flags = cur_u8(c);
	uint32_t rsvd1 = cur_be24(c);
	uint32_t vni = cur_be24(c);
	uint8_t rsvd2 = cur_u8(c);
	if (!(flags & VXLAN_FLAG_I)) {
		pkt_anomaly(p, ANOM_VXLAN_NO_I_FLAG);
		return LAYER_END;
	}
	if ((flags & ~VXLAN_FLAG_I) || rsvd1 || rsvd2)
		pkt_anomaly(p, ANOM_VXLAN_RESERVED);

	struct tunnel *t = pkt_push_tunnel(p, TUN_VXLAN);
	if (!t)
		return LAYER_END;
	t->has_id = true;
	t->id = vni;
	t->flags = flags;
	pkt_set_inner(p, c, LINKTYPE_ETHERNET);
	return LAYER_ETH;
}
