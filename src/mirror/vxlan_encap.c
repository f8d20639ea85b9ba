/* vxlan_encap.c - the VXLAN copy of a mirrored frame, as AWS Traffic Mirroring sends it
 * (RFC 7348; RFC 768; RFC 8200 section 8.1; /work/shared/spec/aws-mirroring.md section 4).
 *
 *   outer IPv4 (RFC 791)
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-------+-------+---------------+-------------------------------+
 *  |  4    |  5    | DSCP 0 | ECN 0|  total length                 |
 *  +-------+-------+---------------+-----+-------------------------+
 *  |        identification         |0|1|0|  fragment offset 0      |   DF set
 *  +---------------+---------------+-----+-------------------------+
 *  |    TTL 64     |  protocol 17  |       header checksum         |
 *  +---------------+---------------+-------------------------------+
 *  |                 source = source ENI address                   |
 *  |                 destination = target address                  |
 *  +-------------------------------+-------------------------------+
 *  |  source port (flow hash)      |  destination port 4789        |   UDP
 *  |  length                       |  checksum (0 over IPv4)       |
 *  +-+-+-+-+-+-+-+-+---------------+-------------------------------+
 *  |R|R|R|R|I|R|R|R|            reserved (0)                       |   VXLAN
 *  |            VNI (session VirtualNetworkId)     |  reserved (0) |
 *  +-----------------------------------------------+---------------+
 *  |  inner Ethernet frame (no FCS), cut to the decided length ...
 *
 * Outer IPv6: version 6, traffic class 0, flow label = low 20 bits of the flow hash (RFC 6438:
 * the label names the inner flow), payload length, next header 17, hop limit 64; the UDP
 * checksum is computed (RFC 8200 8.1: a zero checksum over IPv6 is allowed for tunnels only by
 * RFC 6935/6936 opt-in, which the Linux VXLAN device refuses unless udp6zerocsumrx is set).
 */
#include "mirror/vxlan_encap.h"

#include <errno.h>
#include <string.h>

#include "base/hash.h"

#define SPORT_SEED UINT64_C(0x7678736d6972726f) /* "vxsmirro": fixed, so ports are stable */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

unsigned vxlan_encap_overhead(uint8_t family)
{
	return family == 6 ? VXLAN_ENCAP_V6_OVERHEAD : VXLAN_ENCAP_V4_OVERHEAD;
}

uint16_t vxlan_encap_csum(const uint8_t *data, size_t len, uint32_t sum)
{
	uint64_t s = sum;
	size_t i;
	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)data[i] << 8 | data[i + 1];
	if (len & 1)
		s += (uint32_t)data[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* One end of a flow, for the canonical order. */
struct flow_end {
	uint8_t addr[16];
	uint16_t port;
};

static int end_cmp(const struct flow_end *a, const struct flow_end *b)
{
	int c = memcmp(a->addr, b->addr, sizeof(a->addr));
	if (c)
		return c;
	return (a->port > b->port) - (a->port < b->port);
}

uint16_t vxlan_encap_sport(const struct packet *p)
{
	/* key: kind, protocol/EtherType, then the lower end and the higher end */
	uint8_t key[4 + 2 * (16 + 2)];
	memset(key, 0, sizeof(key));
	struct flow_end a, b;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));

	if (p->has_ip) {
		key[0] = p->ip_ver;
		key[1] = p->proto;
		memcpy(a.addr, p->src.a, 16);
		memcpy(b.addr, p->dst.a, 16);
		bool ports = p->has_l4 && !p->is_fragment &&
		             (p->proto == IPPROTO_NUM_TCP || p->proto == IPPROTO_NUM_UDP);
		if (ports) {
			a.port = p->sport;
			b.port = p->dport;
		}
	} else {
		key[0] = 0xee;
		key[2] = (uint8_t)(p->ethertype >> 8);
		key[3] = (uint8_t)p->ethertype;
		if (p->linktype == LINKTYPE_ETHERNET && p->caplen >= 12) {
			memcpy(b.addr, p->data, 6);     /* destination MAC */
			memcpy(a.addr, p->data + 6, 6); /* source MAC */
		}
	}
	const struct flow_end *lo = &a, *hi = &b;
	if (end_cmp(lo, hi) > 0) {
		lo = &b;
		hi = &a;
	}
	uint8_t *k = key + 4;
	memcpy(k, lo->addr, 16);
	put16(k + 16, lo->port);
	memcpy(k + 18, hi->addr, 16);
	put16(k + 34, hi->port);
	uint64_t h = hash_bytes(key, sizeof(key), SPORT_SEED);
	return (uint16_t)(VXLAN_ENCAP_SPORT_MIN + (h % VXLAN_ENCAP_SPORT_SPAN));
}

int vxlan_encap_build(const struct vxlan_encap_params *prm, const uint8_t *inner,
                      size_t inner_caplen, uint8_t *out, size_t cap, size_t *len, bool *cut)
{
	uint8_t fam = prm->src.family;
	if ((fam != 4 && fam != 6) || prm->dst.family != fam || prm->vni > VXLAN_ENCAP_VNI_MAX ||
	    prm->inner_len > inner_caplen)
		return -EINVAL;
	size_t ohead = vxlan_encap_overhead(fam);
	size_t n_inner = prm->inner_len;
	bool was_cut = false;
	if (prm->max_ip_len) {
		if (prm->max_ip_len <= ohead)
			return -EINVAL;
		if (ohead + n_inner > prm->max_ip_len) {
			n_inner = prm->max_ip_len - ohead;
			was_cut = true;
		}
	}
	size_t total = ohead + n_inner;
	if (total > VXLAN_ENCAP_MAX)
		return -EMSGSIZE;
	if (total > cap)
		return -ENOSPC;

	size_t ip_hlen = fam == 4 ? 20 : 40;
	size_t udp_len = total - ip_hlen;
	uint8_t *ip = out, *udp = out + ip_hlen, *vx = udp + VXLAN_ENCAP_UDP_HLEN;
	uint16_t sport = prm->sport;

	if (fam == 4) {
		ip[0] = 0x45;
		ip[1] = VXLAN_ENCAP_DSCP << 2;
		put16(ip + 2, (uint16_t)total);
		put16(ip + 4, prm->ip_id);
		put16(ip + 6, 0x4000); /* DF: we never fragment, we cut */
		ip[8] = VXLAN_ENCAP_TTL;
		ip[9] = IPPROTO_NUM_UDP;
		put16(ip + 10, 0);
		memcpy(ip + 12, prm->src.a, 4);
		memcpy(ip + 16, prm->dst.a, 4);
		put16(ip + 10, vxlan_encap_csum(ip, 20, 0));
	} else {
		uint32_t label = (uint32_t)sport * 2654435761u >> 12; /* 20 bits from the port */
		uint8_t tclass = VXLAN_ENCAP_DSCP << 2;
		ip[0] = (uint8_t)(0x60 | tclass >> 4);
		ip[1] = (uint8_t)((tclass & 0x0f) << 4 | (label >> 16 & 0x0f));
		put16(ip + 2, (uint16_t)label);
		put16(ip + 4, (uint16_t)udp_len);
		ip[6] = IPPROTO_NUM_UDP;
		ip[7] = VXLAN_ENCAP_TTL;
		memcpy(ip + 8, prm->src.a, 16);
		memcpy(ip + 24, prm->dst.a, 16);
	}

	put16(udp, sport);
	put16(udp + 2, VXLAN_ENCAP_PORT);
	put16(udp + 4, (uint16_t)udp_len);
	put16(udp + 6, 0);

	vx[0] = VXLAN_ENCAP_FLAGS;
	vx[1] = vx[2] = vx[3] = 0;
	vx[4] = (uint8_t)(prm->vni >> 16);
	vx[5] = (uint8_t)(prm->vni >> 8);
	vx[6] = (uint8_t)prm->vni;
	vx[7] = 0;
	if (n_inner)
		memcpy(vx + VXLAN_ENCAP_HLEN, inner, n_inner);

	if (fam == 6) {
		/* pseudo-header: source, destination, UDP length, next header */
		uint32_t sum = 0;
		for (size_t i = 8; i < 40; i += 2)
			sum += (uint32_t)ip[i] << 8 | ip[i + 1];
		sum += (uint32_t)udp_len;
		sum += IPPROTO_NUM_UDP;
		uint16_t c = vxlan_encap_csum(udp, udp_len, sum);
		put16(udp + 6, c ? c : 0xffff);
	}
	*len = total;
	if (cut)
		*cut = was_cut;
	return 0;
}
