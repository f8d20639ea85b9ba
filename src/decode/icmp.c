/* icmp.c - ICMP (RFC 792; fragmentation needed MTU: RFC 1191) and ICMPv6 (RFC 4443), with
 * the original header embedded in error messages.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |     Type      |     Code      |          Checksum             |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  rest of header: unused | next-hop MTU (ICMP 3/4, RFC 1191)   |
 *  |                  or the MTU (ICMPv6 2, packet too big)        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  errors: the original IP header + at least 8 bytes of its     |
 *  |  payload (ICMPv6: as much as fits in 1280 bytes)              |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * ICMP errors are types 3, 4, 5, 11, 12; ICMPv6 errors are types 1-4.  The embedded header is
 * read by the small bounded parsers below (not by ipv4.c/ipv6.c: the original packet is a
 * cut copy whose length fields describe bytes that are not here, and its anomalies are not
 * this packet's).  An embedded header the ICMP length cannot hold is ANOM_ICMP_BAD_INNER; one
 * the capture cut is ANOM_TRUNC_ICMP.  ICMP has no ports: has_l4 stays false.
 */
#include "decode_internal.h"

#define ICMP_HLEN             8
#define ICMP_UNREACH          3
#define ICMP_UNREACH_NEEDFRAG 4
#define ICMPV6_PACKET_TOO_BIG 2
#define IPV4_MIN_HLEN         20
#define IPV6_HLEN             40

/* Flag an embedded part of need bytes that is missing: malformed if the ICMP length does
 * not cover it, truncated if only the capture does not. */
static bool inner_has(struct packet *p, const struct cursor *c, size_t declared, size_t need)
{
	if (declared < need) {
		pkt_anomaly(p, ANOM_ICMP_BAD_INNER);
		return false;
	}
	if (!cur_has(c, need)) {
		pkt_anomaly(p, ANOM_TRUNC_ICMP);
		return false;
	}
	return true;
}

/* Ports (and the TCP sequence number) of the original transport header, when present. */
static void inner_ports(struct cursor *c, struct icmp_inner *in)
{
	if (in->proto != IPPROTO_NUM_TCP && in->proto != IPPROTO_NUM_UDP)
		return;
	if (!cur_has(c, 4))
		return;
	in->sport = cur_be16(c);
	in->dport = cur_be16(c);
	if (in->proto == IPPROTO_NUM_TCP && cur_has(c, 4))
		in->tcp_seq = cur_be32(c);
}

static void inner_ipv4(struct cursor c, size_t declared, struct packet *p)
{
	struct icmp_inner *in = &p->icmp_inner;
	if (!inner_has(p, &c, declared, IPV4_MIN_HLEN))
		return;
	uint8_t vihl = cur_u8(&c);
	size_t hlen = (size_t)(vihl & 0x0F) * 4;
	if (vihl >> 4 != 4 || hlen < IPV4_MIN_HLEN) {
		pkt_anomaly(p, ANOM_ICMP_BAD_INNER);
		return;
	}
	cur_skip(&c, 1);
	in->ip_len = cur_be16(&c);
	cur_skip(&c, 2);
	uint16_t frag = cur_be16(&c);
	cur_skip(&c, 1);
	in->proto = cur_u8(&c);
	cur_skip(&c, 2);
	in->src.family = 4;
	in->dst.family = 4;
	cur_bytes(&c, in->src.a, 4);
	cur_bytes(&c, in->dst.a, 4);
	in->valid = true;
	if (!inner_has(p, &c, declared - IPV4_MIN_HLEN, hlen - IPV4_MIN_HLEN))
		return;
	cur_skip(&c, hlen - IPV4_MIN_HLEN);
	if ((frag & 0x1FFF) == 0)
		inner_ports(&c, in);
}

static void inner_ipv6(struct cursor c, size_t declared, struct packet *p)
{
	struct icmp_inner *in = &p->icmp_inner;
	if (!inner_has(p, &c, declared, IPV6_HLEN))
		return;
	if (cur_peek(&c, 0) >> 4 != 6) {
		pkt_anomaly(p, ANOM_ICMP_BAD_INNER);
		return;
	}
	cur_skip(&c, 4);
	in->ip_len = IPV6_HLEN + (uint32_t)cur_be16(&c);
	uint8_t nh = cur_u8(&c);
	cur_skip(&c, 1);
	in->src.family = 6;
	in->dst.family = 6;
	cur_bytes(&c, in->src.a, 16);
	cur_bytes(&c, in->dst.a, 16);
	in->valid = true;
	in->proto = nh;
	/* The error may legitimately cut the original short: stop quietly where it ends. */
	cur_limit(&c, declared - IPV6_HLEN);
	for (unsigned n = 0; ip6_is_ext_header(nh); n++) {
		if (n == IP6_MAX_EXT_HEADERS || !cur_has(&c, 2))
			return;
		uint8_t next = (uint8_t)cur_peek(&c, 0);
		size_t len = ip6_ext_header_len(nh, (uint8_t)cur_peek(&c, 1));
		if (!cur_has(&c, len))
			return;
		struct cursor h = cur_sub(&c, len);
		cur_skip(&h, 2);
		bool later_fragment = nh == IP6_NH_FRAGMENT && (cur_be16(&h) & 0xFFF8) != 0;
		in->proto = nh = next;
		if (later_fragment)
			return; /* no transport header in it */
	}
	inner_ports(&c, in);
}

/* Common header; returns false when it is not all there.  *declared: ICMP message bytes. */
static bool icmp_header(struct cursor *c, struct packet *p, size_t *declared, uint32_t *rest)
{
	*declared = p->has_ip ? p->ip_len - p->ip_hlen : c->left;
	if (!cur_has(c, ICMP_HLEN)) {
		if (cur_has(c, 2)) {
			p->icmp_type = cur_u8(c);
			p->icmp_code = cur_u8(c);
		}
		pkt_anomaly(p, ANOM_TRUNC_ICMP);
		return false;
	}
	/* (a message the IP length makes shorter than 8 bytes also lands above: no anomaly
	 * tells "too short" from "cut short" for ICMP) */
	p->icmp_type = cur_u8(c);
	p->icmp_code = cur_u8(c);
	cur_skip(c, 2); /* checksum */
	*rest = cur_be32(c);
	size_t body = *declared >= ICMP_HLEN ? *declared - ICMP_HLEN : 0;
	*declared = body;
	p->payload = c->p;
	p->payload_len = (uint32_t)body;
	p->payload_caplen = (uint32_t)(c->left < body ? c->left : body);
	return true;
}

enum layer icmp_decode(struct cursor *c, struct packet *p)
{
	size_t declared;
	uint32_t rest;
	if (!icmp_header(c, p, &declared, &rest))
		return LAYER_END;
	switch (p->icmp_type) {
	case 3:  /* destination unreachable */
	case 4:  /* source quench */
	case 5:  /* redirect */
	case 11: /* time exceeded */
	case 12: /* parameter problem */
		if (p->icmp_type == ICMP_UNREACH && p->icmp_code == ICMP_UNREACH_NEEDFRAG) {
			p->icmp_mtu = (uint16_t)rest;
			p->icmp_mtu32 = rest & 0xFFFF;
		}
		inner_ipv4(*c, declared, p);
		break;
	default:
		break;
	}
	return LAYER_END;
}

enum layer icmpv6_decode(struct cursor *c, struct packet *p)
{
	size_t declared;
	uint32_t rest;
	if (!icmp_header(c, p, &declared, &rest))
		return LAYER_END;
	switch (p->icmp_type) {
	case ICMPV6_PACKET_TOO_BIG:
		p->icmp_mtu32 = rest;
		p->icmp_mtu = (uint16_t)rest;
		/* fallthrough */
	case 1: /* destination unreachable */
	case 3: /* time exceeded */
	case 4: /* parameter problem */
		inner_ipv6(*c, declared, p);
		break;
	default:
		break;
	}
	return LAYER_END;
}
