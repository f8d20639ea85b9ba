/* linux_sll.c - Linux "cooked" capture headers: LINKTYPE_LINUX_SLL (v1, 16 bytes) and
 * LINKTYPE_LINUX_SLL2 (v2, 20 bytes), as documented at https://www.tcpdump.org/linktypes/
 * (LINKTYPE_LINUX_SLL.html, LINKTYPE_LINUX_SLL2.html).
 *
 * SLL v1:                                  SLL v2:
 *  +-------------------------------+        +-------------------------------+
 *  | packet type          (2)      |        | protocol type        (2)      |
 *  | ARPHRD_ type         (2)      |        | reserved (MBZ)       (2)      |
 *  | link-layer addr len  (2)      |        | interface index      (4)      |
 *  | link-layer address   (8)      |        | ARPHRD_ type         (2)      |
 *  | protocol type        (2)      |        | packet type (1) | addr len (1)|
 *  +-------------------------------+        | link-layer address   (8)      |
 *                                           +-------------------------------+
 *
 * The protocol type is an EtherType for the frames we decode; values below 0x0600 (802.2
 * LLC, CAN, netlink families) end the frame with ANOM_UNKNOWN_ETHERTYPE.
 */
#include "decode_internal.h"

#define SLL_HLEN  16
#define SLL2_HLEN 20

static enum layer sll_next(struct packet *p, uint16_t proto)
{
	p->ethertype = proto;
	enum layer next = layer_for_ethertype(proto);
	if (next == LAYER_END)
		pkt_anomaly(p, ANOM_UNKNOWN_ETHERTYPE);
	return next;
}

enum layer sll_decode(struct cursor *c, struct packet *p)
{
	if (!cur_has(c, SLL_HLEN)) {
		pkt_anomaly(p, ANOM_TRUNC_LINK);
		return LAYER_END;
	}
	cur_skip(c, 14); /* packet type, ARPHRD, address length, address */
	return sll_next(p, cur_be16(c));
}

enum layer sll2_decode(struct cursor *c, struct packet *p)
{
	if (!cur_has(c, SLL2_HLEN)) {
		pkt_anomaly(p, ANOM_TRUNC_LINK);
		return LAYER_END;
	}
	uint16_t proto = cur_be16(c);
	cur_skip(c, 18); /* reserved, ifindex, ARPHRD, packet type, address length, address */
	return sll_next(p, proto);
}
