/* ieee80211.c - IEEE 802.11 data frames (IEEE Std 802.11-2020 section 9.3.2.1) and the
 * LLC/SNAP header they carry (IEEE 802.2, RFC 1042, 802.1H), as Aruba access points tunnel
 * them to their controller in GRE (protocol types 0x8200-0x8370, see gre.c).
 *
 *  +-------+-------+------+------+------+-------+------+------+------+----------------
 *  | Frame |Durat- | Addr | Addr | Addr | Seq   | Addr | QoS  |  HT  | body: LLC/SNAP
 *  |Control|ion/ID |  1   |  2   |  3   | Ctrl  |  4   | Ctrl | Ctrl | AA AA 03, OUI,
 *  |   2   |   2   |  6   |  6   |  6   |   2   |  6*  |  2*  |  4*  | EtherType (8)
 *  +-------+-------+------+------+------+-------+------+------+------+----------------
 *    * Address 4 when To DS and From DS are both set; QoS Control in QoS subtypes; HT
 *      Control in QoS frames with the +HTC/Order bit.
 *
 *  Frame Control, first byte: subtype (4 bits) | type (2) | protocol version (2, must be 0);
 *  second byte: flags (0x01 To DS, 0x02 From DS, 0x40 Protected, 0x80 +HTC/Order).
 *  Fields are little-endian; no FCS follows (the IP length drops one if it did).
 *
 * Only data frames that carry an MSDU in the clear are decoded: management and control
 * frames, null (no data) subtypes, protected (encrypted) frames, A-MSDUs and fragments after
 * the first end the frame as ANOM_UNKNOWN_ETHERTYPE, as do non-SNAP LLC and OUIs other than
 * 00-00-00 and 00-00-F8.  A version other than 0 is ANOM_WLAN_BAD_VERSION.
 */
#include "decode_internal.h"

#define WLAN_HLEN           24
#define WLAN_VERSION_MASK   0x03
#define WLAN_TYPE_MASK      0x0C
#define WLAN_TYPE_DATA      0x08
#define WLAN_SUBTYPE_QOS    0x80 /* subtype bit 3, in the first Frame Control byte */
#define WLAN_SUBTYPE_NODATA 0x40 /* subtype bit 2 */
#define WLAN_FLAGS_DS       0x03 /* To DS | From DS */
#define WLAN_FLAG_PROTECTED 0x40
#define WLAN_FLAG_ORDER     0x80
#define WLAN_FRAG_MASK      0x000F
#define WLAN_QOS_AMSDU      0x80 /* QoS Control bit 7 */
#define WLAN_ADDR_LEN       6
#define WLAN_QOS_LEN        2
#define WLAN_HTC_LEN        4
#define SNAP_HLEN           8
#define LLC_SNAP_SAP        0xAA
#define LLC_UI              0x03

/* The EtherType of an LLC/SNAP header at c, -1 if truncated, -2 if not one we read. */
static int snap_type(struct cursor *c)
{
	if (!cur_has(c, 3))
		return -1;
	if (cur_peek(c, 0) != LLC_SNAP_SAP || cur_peek(c, 1) != LLC_SNAP_SAP ||
	    cur_peek(c, 2) != LLC_UI)
		return -2;
	if (!cur_has(c, SNAP_HLEN))
		return -1;
	cur_skip(c, 3);
	uint32_t oui = cur_be24(c);
	uint16_t type = cur_be16(c);
	if (oui != 0x000000 && oui != 0x0000F8) /* RFC 1042, 802.1H bridge tunnel */
		return -2;
	return type;
}

enum layer ieee80211_decode(struct cursor *c, struct packet *p)
{
	uint32_t start = pkt_offset(p, c);
	if (!cur_has(c, WLAN_HLEN)) {
		pkt_anomaly(p, ANOM_TRUNC_LINK);
		return LAYER_END;
	}
	uint8_t fc = cur_u8(c);
	uint8_t flags = cur_u8(c);
	cur_skip(c, 2 + 3 * WLAN_ADDR_LEN); /* duration, addresses 1-3 */
	uint16_t seq = cur_le16(c);
	if (fc & WLAN_VERSION_MASK) {
		pkt_anomaly(p, ANOM_WLAN_BAD_VERSION);
		return LAYER_END;
	}
	if ((fc & WLAN_TYPE_MASK) != WLAN_TYPE_DATA || (fc & WLAN_SUBTYPE_NODATA) ||
	    (flags & WLAN_FLAG_PROTECTED) || (seq & WLAN_FRAG_MASK)) {
		pkt_anomaly(p, ANOM_UNKNOWN_ETHERTYPE);
		return LAYER_END;
	}
	bool wds = (flags & WLAN_FLAGS_DS) == WLAN_FLAGS_DS;
	bool qos = (fc & WLAN_SUBTYPE_QOS) != 0;
	bool htc = qos && (flags & WLAN_FLAG_ORDER);
	size_t more =
	    (wds ? WLAN_ADDR_LEN : 0) + (qos ? WLAN_QOS_LEN : 0) + (htc ? WLAN_HTC_LEN : 0);
	if (!cur_has(c, more)) {
		pkt_anomaly(p, ANOM_TRUNC_LINK);
		return LAYER_END;
	}
	if (wds)
		cur_skip(c, WLAN_ADDR_LEN);
	if (qos) {
		uint8_t q = cur_u8(c);
		cur_skip(c, WLAN_QOS_LEN - 1);
		if (q & WLAN_QOS_AMSDU) {
			pkt_anomaly(p, ANOM_UNKNOWN_ETHERTYPE);
			return LAYER_END;
		}
	}
	if (htc)
		cur_skip(c, WLAN_HTC_LEN);

	int type = snap_type(c);
	if (type == -1) {
		pkt_anomaly(p, ANOM_TRUNC_LINK);
		return LAYER_END;
	}
	if (type < 0) {
		pkt_anomaly(p, ANOM_UNKNOWN_ETHERTYPE);
		return LAYER_END;
	}
	p->ethertype = (uint16_t)type;
	enum layer next = layer_for_ethertype((uint16_t)type);
	if (next == LAYER_END)
		pkt_anomaly(p, ANOM_UNKNOWN_ETHERTYPE);
	if (next == LAYER_IPV4 || next == LAYER_IPV6 || next == LAYER_MPLS)
		pkt_inner_skip(p, start, c, LINKTYPE_RAW);
	return next;
}
