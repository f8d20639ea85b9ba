/* geneve.c - GENEVE header and options, RFC 8926 section 3; AWS Gateway Load Balancer TLVs
 * (option class 0x0108, /work/shared/spec/aws-mirroring.md section 6).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |        Virtual Network Identifier (VNI)       |    Reserved   |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Variable-Length Options                    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Option (Opt Len and Length count 4-byte words, not counting the option header):
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          Option Class         |      Type     |R|R|R| Length  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                      Variable-Length Option Data              |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * GWLB: class 0x0108 type 1 = GWLB endpoint id (8 bytes), 2 = attachment id (8 bytes),
 * 3 = flow cookie (4 bytes); a packet carries all three.  Protocol type 0x6558 is Ethernet;
 * GWLB uses 0x0800 / 0x86DD (bare IP: inner link type RAW).  tun->flags keeps the O|C byte.
 */
#include "decode_internal.h"

#define GENEVE_HLEN      8
#define GENEVE_OPT_HLEN  4
#define GENEVE_PROTO_ETH 0x6558
#define GENEVE_CLASS_AWS 0x0108
#define GWLB_ENDPOINT    1
#define GWLB_ATTACHMENT  2
#define GWLB_COOKIE      3

/* Walk the options; each consumes at least its 4-byte header. */
static void geneve_options(struct cursor o, struct packet *p, struct tunnel *t)
{
	unsigned seen = 0; /* bit per GWLB TLV type */
	while (o.left > 0) {
		if (o.left < GENEVE_OPT_HLEN) {
			pkt_anomaly(p, ANOM_GENEVE_BAD_OPTION);
			break;
		}
		uint16_t cls = cur_be16(&o);
		uint8_t type = cur_u8(&o);
		size_t len = (size_t)(cur_u8(&o) & 0x1F) * 4;
		if (len > o.left) {
			pkt_anomaly(p, ANOM_GENEVE_BAD_OPTION);
			break;
		}
		struct cursor v = cur_sub(&o, len);
		if (cls != GENEVE_CLASS_AWS)
			continue;
		if (type == GWLB_ENDPOINT && len == 8) {
			t->gwlb_endpoint = cur_be64(&v);
			seen |= 1u << GWLB_ENDPOINT;
		} else if (type == GWLB_ATTACHMENT && len == 8) {
			t->gwlb_attachment = cur_be64(&v);
			seen |= 1u << GWLB_ATTACHMENT;
		} else if (type == GWLB_COOKIE && len == 4) {
			t->gwlb_cookie = cur_be32(&v);
			seen |= 1u << GWLB_COOKIE;
		}
	}
	const unsigned all = 1u << GWLB_ENDPOINT | 1u << GWLB_ATTACHMENT | 1u << GWLB_COOKIE;
	t->gwlb = seen == all;
	if (seen && seen != all)
		pkt_anomaly(p, ANOM_GENEVE_GWLB_PARTIAL);
}

enum layer geneve_decode(struct cursor *c, struct packet *p)
{
	if (!cur_has(c, GENEVE_HLEN)) {
		pkt_anomaly(p, ANOM_TRUNC_TUNNEL);
		return LAYER_END;
	}
	uint8_t b0 = cur_u8(c);
	uint8_t oc = cur_u8(c);
	uint16_t proto = cur_be16(c);
	uint32_t vni = cur_be24(c);
	cur_skip(c, 1);
	if (b0 >> 6 != 0) {
		pkt_anomaly(p, ANOM_GENEVE_BAD_VERSION);
		return LAYER_END;
	}
	size_t optlen = (size_t)(b0 & 0x3F) * 4;
	if (!cur_has(c, optlen)) {
		pkt_anomaly(p, ANOM_TRUNC_TUNNEL);
		return LAYER_END;
	}

	struct tunnel *t = pkt_push_tunnel(p, TUN_GENEVE);
	if (!t)
		return LAYER_END;
	t->has_id = true;
	t->id = vni;
	t->flags = oc;
	t->geneve_opt_len = (uint16_t)optlen;
	geneve_options(cur_sub(c, optlen), p, t);
	pkt_set_inner(p, c, LINKTYPE_RAW);

	switch (proto) {
	case GENEVE_PROTO_ETH:
		p->inner_linktype = LINKTYPE_ETHERNET;
		return LAYER_ETH;
	case 0x0800:
		return LAYER_IPV4;
	case 0x86DD:
		return LAYER_IPV6;
	default:
		p->ethertype = proto;
		pkt_anomaly(p, ANOM_UNKNOWN_ETHERTYPE);
		return LAYER_END;
	}
}
