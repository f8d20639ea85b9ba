/* ipv6.c - IPv6 header and extension-header chain, RFC 8200 (AH: RFC 4302, mobility:
 * RFC 6275, jumbograms: RFC 2675).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Version| Traffic Class |           Flow Label                  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |         Payload Length        |  Next Header  |   Hop Limit   |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                  Source Address (16 bytes)                    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |               Destination Address (16 bytes)                  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Extension header (hop-by-hop 0, routing 43, destination options 60, mobility 135):
 *  | Next Header | Hdr Ext Len (8-byte units, not counting the first 8) | data ...
 * AH (51) counts its length in 4-byte units minus 2.  Fragment (44), 8 bytes:
 *  | Next Header |   Reserved    |      Fragment Offset    |Res|M|
 *  |                         Identification                      |
 *
 * Payload length 0 (with any next header but 59) is a jumbogram (hop-by-hop Jumbo Payload
 * option, whose length we use when present) or a BIG TCP / GSO capture (the captured length
 * stands in).  ESP (50) and No Next Header (59) end the chain; the walk stops after
 * IP6_MAX_EXT_HEADERS headers.
 */
#include "decode_internal.h"

#define IPV6_HLEN         40
#define IPV6_MAX_FRAG_LEN 65535
#define IP6OPT_PAD1       0
#define IP6OPT_JUMBO      0xC2

/* Flag a payload the capture cut short; body - ext bytes are declared after the headers. */
static enum layer ipv6_end(const struct cursor *c, struct packet *p, size_t body, size_t ext,
                           enum layer next)
{
	if (c->left < body - ext)
		pkt_anomaly(p, ANOM_TRUNC_PAYLOAD);
	return next;
}

/* The Jumbo Payload length in hop-by-hop options o (after Next Header and Hdr Ext Len),
 * or 0 when absent.  Each step consumes at least one byte. */
static uint32_t hbh_jumbo_len(struct cursor o)
{
	while (o.left > 0) {
		uint8_t type = cur_u8(&o);
		if (type == IP6OPT_PAD1)
			continue;
		uint8_t len = cur_u8(&o);
		if (type == IP6OPT_JUMBO && len == 4)
			return cur_be32(&o);
		cur_skip(&o, len);
		if (o.bad)
			return 0;
	}
	return 0;
}

enum layer ipv6_decode(struct cursor *c, struct packet *p)
{
	int b0 = cur_peek(c, 0);
	if (b0 < 0) {
		pkt_anomaly(p, ANOM_TRUNC_IPV6);
		return LAYER_END;
	}
	if (b0 >> 4 != 6) {
		pkt_anomaly(p, ANOM_IPV6_BAD_VERSION);
		return LAYER_END;
	}
	if (!cur_has(c, IPV6_HLEN)) {
		pkt_anomaly(p, ANOM_TRUNC_IPV6);
		return LAYER_END;
	}
	uint32_t vtcfl = cur_be32(c);
	uint16_t plen = cur_be16(c);
	uint8_t nh = cur_u8(c);
	p->ttl = cur_u8(c);
	p->src.family = 6;
	p->dst.family = 6;
	cur_bytes(c, p->src.a, 16);
	cur_bytes(c, p->dst.a, 16);
	p->has_ip = true;
	p->ip_ver = 6;
	p->ethertype = 0x86DD;
	p->tos = (uint8_t)(vtcfl >> 20);
	p->proto = nh;
	p->ip_hlen = IPV6_HLEN;

	/* body: payload bytes the header chain and L4 may use, per the length fields. */
	size_t body = plen;
	bool jumbo = plen == 0 && nh != IP6_NH_NONE;
	bool body_known = !jumbo; /* else bounded by the capture until a Jumbo option says */
	if (jumbo) {
		pkt_anomaly(p, ANOM_IPV6_JUMBO);
		body = c->left;
	}
	p->ip_len = (uint32_t)(IPV6_HLEN + body);
	cur_limit(c, body);

	size_t ext = 0; /* extension header bytes so far */
	bool has_l4 = true;
	for (unsigned n = 0; ip6_is_ext_header(nh); n++) {
		if (n == IP6_MAX_EXT_HEADERS) {
			pkt_anomaly(p, ANOM_IPV6_EXT_LIMIT);
			return ipv6_end(c, p, body, ext, LAYER_END);
		}
		size_t declared = body - ext;
		if (declared < 2) {
			pkt_anomaly(p, body_known ? ANOM_IPV6_BAD_EXTHDR : ANOM_TRUNC_IPV6);
			return ipv6_end(c, p, body, ext, LAYER_END);
		}
		if (!cur_has(c, 2)) {
			pkt_anomaly(p, ANOM_TRUNC_IPV6);
			return LAYER_END;
		}
		uint8_t next = (uint8_t)cur_peek(c, 0);
		size_t len = ip6_ext_header_len(nh, (uint8_t)cur_peek(c, 1));
		if (len > declared) {
			pkt_anomaly(p, body_known ? ANOM_IPV6_BAD_EXTHDR : ANOM_TRUNC_IPV6);
			return ipv6_end(c, p, body, ext, LAYER_END);
		}
		if (!cur_has(c, len)) {
			pkt_anomaly(p, ANOM_TRUNC_IPV6);
			return LAYER_END;
		}
		struct cursor h = cur_sub(c, len);
		cur_skip(&h, 2);
		uint8_t cur_nh = nh;
		ext += len;
		p->ip_hlen = (uint16_t)(IPV6_HLEN + ext);
		p->proto = nh = next;

		if (cur_nh == IP6_NH_HOPOPTS && n == 0 && jumbo) {
			uint32_t j = hbh_jumbo_len(h);
			if (j >= len && j <= UINT32_MAX - IPV6_HLEN) {
				body = j;
				body_known = true;
				p->ip_len = (uint32_t)(IPV6_HLEN + body);
				cur_limit(c, body - ext);
			}
		} else if (cur_nh == IP6_NH_FRAGMENT) {
			uint16_t offlg = cur_be16(&h);
			p->frag_id = cur_be32(&h);
			p->is_fragment = true;
			p->more_fragments = (offlg & 1) != 0;
			p->frag_offset = offlg & 0xFFF8;
			pkt_anomaly(p, ANOM_IP_FRAGMENT);
			size_t data = body - ext;
			if (data == 0 || p->frag_offset + data > IPV6_MAX_FRAG_LEN)
				pkt_anomaly(p, ANOM_FRAG_BAD_OFFSET);
			if (p->frag_offset) {
				/* what follows is the middle of the datagram */
				has_l4 = false;
				break;
			}
		}
	}
	return ipv6_end(c, p, body, ext, has_l4 ? layer_for_ipproto(nh) : LAYER_END);
}
