/* ipv4.c - IPv4 header, RFC 791 (options: RFC 791 section 3.1; fragments: RFC 791, RFC 815).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Version|  IHL  |Type of Service|          Total Length         |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |         Identification        |R|D|M|      Fragment Offset    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Time to Live |    Protocol   |         Header Checksum       |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                       Source Address                          |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Destination Address                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Options (IHL > 5)          |    Padding    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The header checksum is not verified: mirrored copies and offloaded captures carry stale
 * ones.  Total length 0 comes from TSO / BIG TCP captures (the kernel writes 0 when the
 * super-packet exceeds 65535): the captured length stands in for it.  The cursor is narrowed
 * to the total length, which drops Ethernet padding and trailers before the next layer.
 */
#include "decode_internal.h"

#include <string.h>

#define IPV4_MIN_HLEN    20
#define IPV4_DF          0x4000
#define IPV4_MF          0x2000
#define IPV4_OFFSET_MASK 0x1FFF
#define IPV4_MAX_LEN     65535
#define IPOPT_EOL        0
#define IPOPT_NOP        1

/* Walk the options: EOL ends them, NOP is one byte, all others are kind, length (>= 2,
 * within the header), data.  Each step consumes at least one byte of at most 40. */
static void ipv4_options(struct cursor o, struct packet *p)
{
	while (o.left > 0) {
		uint8_t kind = cur_u8(&o);
		if (kind == IPOPT_EOL)
			return;
		if (kind == IPOPT_NOP)
			continue;
		int len = cur_peek(&o, 0);
		if (len < 2 || (size_t)len - 1 > o.left) {
			pkt_anomaly(p, ANOM_IPV4_BAD_OPTION);
			return;
		}
		cur_skip(&o, (size_t)len - 1);
	}
}

enum layer ipv4_decode(struct cursor *c, struct packet *p)
{
	int b0 = cur_peek(c, 0);
	if (b0 < 0) {
		pkt_anomaly(p, ANOM_TRUNC_IPV4);
		return LAYER_END;
	}
	if (b0 >> 4 != 4) {
		pkt_anomaly(p, ANOM_IPV4_BAD_VERSION);
		return LAYER_END;
	}
	if (!cur_has(c, IPV4_MIN_HLEN)) {
		pkt_anomaly(p, ANOM_TRUNC_IPV4);
		return LAYER_END;
	}
	size_t hlen = (size_t)(cur_u8(c) & 0x0F) * 4;
	uint8_t tos = cur_u8(c);
	uint16_t totlen = cur_be16(c);
	uint16_t id = cur_be16(c);
	uint16_t frag = cur_be16(c);
	uint8_t ttl = cur_u8(c);
	uint8_t proto = cur_u8(c);
	cur_skip(c, 2); /* checksum */
	uint8_t src4[4], dst4[4];
	cur_bytes(c, src4, 4);
	cur_bytes(c, dst4, 4);
	if (hlen < IPV4_MIN_HLEN) {
		pkt_anomaly(p, ANOM_IPV4_BAD_IHL);
		return LAYER_END;
	}
	if (totlen != 0 && totlen < hlen) {
		pkt_anomaly(p, ANOM_IPV4_BAD_TOTLEN);
		return LAYER_END;
	}

	p->has_ip = true;
	p->ip_ver = 4;
	p->ethertype = 0x0800;
	/* Written in place, not built on the stack and copied: reloading a struct just stored
	 * piecewise stalls the CPU (store forwarding), twice per tunnelled packet. */
	memset(&p->src, 0, sizeof(p->src));
	memset(&p->dst, 0, sizeof(p->dst));
	p->src.family = p->dst.family = 4;
	memcpy(p->src.a, src4, 4);
	memcpy(p->dst.a, dst4, 4);
	p->proto = proto;
	p->ttl = ttl;
	p->tos = tos;
	p->ip_id = id;
	p->ip_hlen = (uint16_t)hlen;
	p->df = (frag & IPV4_DF) != 0;
	p->ip_len = totlen;

	size_t optlen = hlen - IPV4_MIN_HLEN;
	if (!cur_has(c, optlen)) {
		pkt_anomaly(p, ANOM_TRUNC_IPV4);
		if (totlen == 0)
			pkt_anomaly(p, ANOM_IPV4_LEN_ZERO);
		return LAYER_END;
	}
	ipv4_options(cur_sub(c, optlen), p);

	size_t body;
	if (totlen == 0) {
		pkt_anomaly(p, ANOM_IPV4_LEN_ZERO);
		body = c->left;
		p->ip_len = (uint32_t)(hlen + body);
	} else {
		body = totlen - hlen;
		if (c->left < body)
			pkt_anomaly(p, ANOM_TRUNC_PAYLOAD);
		cur_limit(c, body);
	}

	uint16_t off = (uint16_t)((frag & IPV4_OFFSET_MASK) * 8);
	if ((frag & IPV4_MF) || off) {
		p->is_fragment = true;
		p->more_fragments = (frag & IPV4_MF) != 0;
		p->frag_offset = off;
		p->frag_id = id;
		pkt_anomaly(p, ANOM_IP_FRAGMENT);
		if (body == 0 || off + body > IPV4_MAX_LEN)
			pkt_anomaly(p, ANOM_FRAG_BAD_OFFSET);
		if (off)
			return LAYER_END; /* the transport header is in the first fragment */
	}
	return layer_for_ipproto(proto);
}
