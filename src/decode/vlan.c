/* vlan.c - IEEE 802.1Q VLAN tag (TPID 0x8100) and 802.1ad S-tag (0x88A8, legacy 0x9100),
 * stacked as QinQ.  The TPID was read by the layer before; this reads the rest of the tag.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  | TPID (already read)           | PCP |D|        VLAN ID        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |   EtherType of what follows   |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The first PKT_MAX_VLANS ids are kept (outermost first).  Deeper tags are flagged
 * ANOM_VLAN_DEPTH and skipped so the packet inside still decodes; the dispatch loop's step
 * cap ends a frame made of nothing but tags.
 */
#include "decode_internal.h"

#define VLAN_TAG_LEN      4
#define VLAN_VID_MASK     0x0FFF
#define ETH_MIN_ETHERTYPE 0x0600

enum layer vlan_decode(struct cursor *c, struct packet *p)
{
	if (!cur_has(c, VLAN_TAG_LEN)) {
		pkt_anomaly(p, ANOM_TRUNC_VLAN);
		return LAYER_END;
	}
	uint16_t tci = cur_be16(c);
	uint16_t type = cur_be16(c);
	if (p->nvlan < PKT_MAX_VLANS)
		p->vlan[p->nvlan++] = tci & VLAN_VID_MASK;
	else
		pkt_anomaly(p, ANOM_VLAN_DEPTH);
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
