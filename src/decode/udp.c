/* udp.c - UDP header, RFC 768 (jumbograms: RFC 2675 section 4); tunnel ports for VXLAN
 * (RFC 7348), GENEVE (RFC 8926) and GRE-in-UDP (RFC 8086).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          Source Port          |       Destination Port        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |            Length             |           Checksum            |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * A length below 8 or beyond the IP payload is flagged and the IP payload length used.  A
 * length of 0 is expected, not flagged, when the IP length was itself unknown (jumbogram,
 * TSO/BIG TCP capture).  In a first fragment the UDP length covers the whole datagram, so
 * only "below 8" is malformed there, and tunnels are not peeled from fragments.
 *
 * GRE-in-UDP is recognised by its destination port 4754 alone (RFC 8086 section 3: the source
 * port is flow entropy, and both directions send to 4754).  Its DTLS variant (4755) is
 * encrypted and not decoded.  Configured VXLAN and GENEVE ports come first.
 */
#include "decode_internal.h"

#define UDP_HLEN        8
#define GRE_IN_UDP_PORT 4754

static bool port_in(const uint16_t *ports, unsigned n, uint16_t port)
{
	for (unsigned i = 0; i < n && i < DECODE_MAX_PORTS; i++)
		if (ports[i] == port)
			return true;
	return false;
}

static enum layer udp_tunnel(const struct decode_cfg *cfg, uint16_t sport, uint16_t dport)
{
	if (!cfg || !cfg->peel_tunnels)
		return LAYER_END;
	if (port_in(cfg->vxlan_ports, cfg->n_vxlan_ports, dport))
		return LAYER_VXLAN;
	if (port_in(cfg->geneve_ports, cfg->n_geneve_ports, dport))
		return LAYER_GENEVE;
	if (dport == GRE_IN_UDP_PORT)
		return LAYER_GRE;
	if (port_in(cfg->vxlan_ports, cfg->n_vxlan_ports, sport))
		return LAYER_VXLAN;
	if (port_in(cfg->geneve_ports, cfg->n_geneve_ports, sport))
		return LAYER_GENEVE;
	return LAYER_END;
}

enum layer udp_decode(struct cursor *c, struct packet *p, const struct decode_cfg *cfg)
{
	size_t ip_payload = p->has_ip ? p->ip_len - p->ip_hlen : c->left;
	if (!cur_has(c, UDP_HLEN)) {
		if (ip_payload >= UDP_HLEN)
			pkt_anomaly(p, ANOM_TRUNC_UDP);
		else if (!p->is_fragment) /* a tiny first fragment is ip_fragment's business */
			pkt_anomaly(p, ANOM_UDP_BAD_LEN);
		return LAYER_END;
	}
	p->sport = cur_be16(c);
	p->dport = cur_be16(c);
	size_t len = cur_be16(c);
	cur_skip(c, 2); /* checksum */
	p->has_l4 = true;

	bool len_unknown =
	    pkt_has_anomaly(p, ANOM_IPV4_LEN_ZERO) || pkt_has_anomaly(p, ANOM_IPV6_JUMBO);
	if (len == 0 && len_unknown) {
		len = ip_payload;
	} else if (len < UDP_HLEN || (len > ip_payload && !p->is_fragment)) {
		pkt_anomaly(p, ANOM_UDP_BAD_LEN);
		len = ip_payload;
	}
	size_t body = len >= UDP_HLEN ? len - UDP_HLEN : 0; /* ip_payload >= 8 here */
	p->payload_len = (uint32_t)body;
	cur_limit(c, body);
	p->payload = c->p;
	p->payload_caplen = (uint32_t)c->left;
	if (p->is_fragment)
		return LAYER_END;
	return udp_tunnel(cfg, p->sport, p->dport);
}
