/* frame.c - the decode dispatch loop: link type -> layers -> tunnels, with a hard step cap.
 *
 * Each decoder names the next layer; this loop calls it.  Tunnels are iterations (their
 * decoders push a tunnel record, capped at PKT_MAX_TUNNELS), so nothing recurses on packet
 * data.  IP-in-IP (RFC 2003, RFC 2473: protocols 4 and 41) has no header of its own and is
 * handled here.
 *
 * Unknown EtherTypes (ARP, LLDP, PPPoE discovery, ...), 802.3 length/LLC frames, and the
 * like one layer further (PPP control protocols, 802.11 management frames, MPLS payloads
 * that are not IP or Ethernet) are all flagged ANOM_UNKNOWN_ETHERTYPE: one rule, "the frame
 * ended at L2 because we do not decode what it carries".
 */
#include <errno.h>

#include "decode_internal.h"

/* Upper bound on decoder calls per frame.  Bounded decoders need at most ~40 (5 levels of
 * link + 3 VLANs + IP + UDP + tunnel, then L4); only tags past PKT_MAX_VLANS, which vlan.c
 * skips after flagging ANOM_VLAN_DEPTH, and Ethernet pseudowires nested in MPLS over and over
 * (tunnels in all but a record, flagged ANOM_TUNNEL_DEPTH here) can reach it. */
#define DECODE_MAX_STEPS 64

#define ETHERTYPE_IPV4     0x0800
#define ETHERTYPE_IPV6     0x86DD
#define ETHERTYPE_VLAN     0x8100 /* 802.1Q C-tag */
#define ETHERTYPE_QINQ     0x88A8 /* 802.1ad S-tag */
#define ETHERTYPE_QINQ_OLD 0x9100
#define ETHERTYPE_MPLS     0x8847
#define ETHERTYPE_MPLS_MC  0x8848 /* multicast, RFC 5332 */
#define ETHERTYPE_PPPOE    0x8864 /* session stage; discovery (0x8863) is not decoded */

#define PPP_HDLC_ADDRESS 0xFF /* LINKTYPE_PPP_HDLC: this, or a Cisco HDLC address */

#define IPPROTO_NUM_IPIP 4
#define IPPROTO_NUM_IPV6 41

void decode_cfg_default(struct decode_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->vxlan_ports[0] = 4789;
	cfg->n_vxlan_ports = 1;
	cfg->geneve_ports[0] = 6081;
	cfg->n_geneve_ports = 1;
	cfg->peel_tunnels = true;
}

static int port_add(uint16_t *ports, unsigned *n, uint16_t port)
{
	for (unsigned i = 0; i < *n; i++)
		if (ports[i] == port)
			return 0;
	if (*n >= DECODE_MAX_PORTS)
		return -ENOSPC;
	ports[(*n)++] = port;
	return 0;
}

int decode_cfg_add_vxlan_port(struct decode_cfg *cfg, uint16_t port)
{
	return port_add(cfg->vxlan_ports, &cfg->n_vxlan_ports, port);
}

int decode_cfg_add_geneve_port(struct decode_cfg *cfg, uint16_t port)
{
	return port_add(cfg->geneve_ports, &cfg->n_geneve_ports, port);
}

enum layer layer_for_ethertype(uint16_t ethertype)
{
	switch (ethertype) {
	case ETHERTYPE_IPV4:
		return LAYER_IPV4;
	case ETHERTYPE_IPV6:
		return LAYER_IPV6;
	case ETHERTYPE_VLAN:
	case ETHERTYPE_QINQ:
	case ETHERTYPE_QINQ_OLD:
		return LAYER_VLAN;
	case ETHERTYPE_MPLS:
	case ETHERTYPE_MPLS_MC:
		return LAYER_MPLS;
	case ETHERTYPE_PPPOE:
		return LAYER_PPPOE;
	default:
		return LAYER_END;
	}
}

enum layer layer_for_ipproto(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_NUM_TCP:
		return LAYER_TCP;
	case IPPROTO_NUM_UDP:
		return LAYER_UDP;
	case IPPROTO_NUM_ICMP:
		return LAYER_ICMP;
	case IPPROTO_NUM_ICMPV6:
		return LAYER_ICMPV6;
	case IPPROTO_NUM_GRE:
		return LAYER_GRE;
	case IPPROTO_NUM_IPIP:
	case IPPROTO_NUM_IPV6:
		return LAYER_IPIP;
	default:
		return LAYER_END;
	}
}

/* IPv4/IPv6 directly inside IP: the outer header becomes a tunnel record. */
static enum layer ipip_decode(struct cursor *c, struct packet *p)
{
	uint8_t proto = p->proto;
	if (!pkt_push_tunnel(p, TUN_IPIP))
		return LAYER_END;
	pkt_set_inner(p, c, LINKTYPE_RAW);
	int b = cur_peek(c, 0);
	if (b >= 0 && (b >> 4) == 6)
		return LAYER_IPV6;
	if (b >= 0 && (b >> 4) == 4)
		return LAYER_IPV4;
	/* Not IP by its nibble: let the decoder the protocol number names flag it. */
	return proto == IPPROTO_NUM_IPV6 ? LAYER_IPV6 : LAYER_IPV4;
}

static enum layer first_layer(const struct cursor *c, struct packet *p)
{
	switch (p->linktype) {
	case LINKTYPE_ETHERNET:
		return LAYER_ETH;
	case LINKTYPE_RAW: {
		int b = cur_peek(c, 0);
		return b >= 0 && (b >> 4) == 6 ? LAYER_IPV6 : LAYER_IPV4;
	}
	case LINKTYPE_IPV4:
		return LAYER_IPV4;
	case LINKTYPE_IPV6:
		return LAYER_IPV6;
	case LINKTYPE_LINUX_SLL:
		return LAYER_SLL;
	case LINKTYPE_LINUX_SLL2:
		return LAYER_SLL2;
	case LINKTYPE_NULL:
		return LAYER_NULL;
	case LINKTYPE_LOOP:
		return LAYER_LOOP;
	case LINKTYPE_PPP:
		return LAYER_PPP;
	case LINKTYPE_PPP_HDLC: {
		int b = cur_peek(c, 0);
		return b < 0 || b == PPP_HDLC_ADDRESS ? LAYER_PPP : LAYER_CHDLC;
	}
	case LINKTYPE_C_HDLC:
		return LAYER_CHDLC;
	default:
		pkt_anomaly(p, ANOM_UNKNOWN_LINKTYPE);
		return LAYER_END;
	}
}

static void packet_reset(struct packet *p)
{
	p->ntun = 0; /* tun[i] is rewritten whole by pkt_push_tunnel */
	p->inner_off = 0;
	p->inner_linktype = p->linktype;
	pkt_clear_inner(p);
	p->anomalies = 0;
	p->truncated = false;
}

void decode_frame(const struct decode_cfg *cfg, struct packet *p)
{
	packet_reset(p);
	struct cursor c = cur_make(p->data, p->data ? p->caplen : 0);
	enum layer l = first_layer(&c, p);

	for (unsigned step = 0; l != LAYER_END && step < DECODE_MAX_STEPS; step++) {
		switch (l) {
		case LAYER_ETH:
			l = eth_decode(&c, p);
			break;
		case LAYER_VLAN:
			l = vlan_decode(&c, p);
			break;
		case LAYER_SLL:
			l = sll_decode(&c, p);
			break;
		case LAYER_SLL2:
			l = sll2_decode(&c, p);
			break;
		case LAYER_NULL:
			l = null_decode(&c, p, false);
			break;
		case LAYER_LOOP:
			l = null_decode(&c, p, true);
			break;
		case LAYER_IPV4:
			l = ipv4_decode(&c, p);
			break;
		case LAYER_IPV6:
			l = ipv6_decode(&c, p);
			break;
		case LAYER_TCP:
			l = tcp_decode(&c, p);
			break;
		case LAYER_UDP:
			l = udp_decode(&c, p, cfg);
			break;
		case LAYER_ICMP:
			l = icmp_decode(&c, p);
			break;
		case LAYER_ICMPV6:
			l = icmpv6_decode(&c, p);
			break;
		case LAYER_VXLAN:
			l = vxlan_decode(&c, p);
			break;
		case LAYER_GENEVE:
			l = geneve_decode(&c, p);
			break;
		case LAYER_GRE:
			l = cfg->peel_tunnels ? gre_decode(&c, p) : LAYER_END;
			break;
		case LAYER_ERSPAN2:
			l = erspan2_decode(&c, p);
			break;
		case LAYER_ERSPAN3:
			l = erspan3_decode(&c, p);
			break;
		case LAYER_IPIP:
			l = cfg->peel_tunnels ? ipip_decode(&c, p) : LAYER_END;
			break;
		case LAYER_MPLS:
			l = mpls_decode(&c, p);
			break;
		case LAYER_PPPOE:
			l = pppoe_decode(&c, p);
			break;
		case LAYER_PPP:
			l = ppp_decode(&c, p);
			break;
		case LAYER_CHDLC:
			l = chdlc_decode(&c, p);
			break;
		case LAYER_WLAN:
			l = ieee80211_decode(&c, p);
			break;
		case LAYER_END:
		default:
			l = LAYER_END;
			break;
		}
	}
	if (l != LAYER_END && !pkt_has_anomaly(p, ANOM_VLAN_DEPTH))
		pkt_anomaly(p, ANOM_TUNNEL_DEPTH);
}
