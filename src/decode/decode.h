/* decode.h - decode one captured frame into a struct packet, peeling tunnels in a loop.
 *
 * decode_frame() dispatches: each protocol decoder (one file each: eth.c, vlan.c, mpls.c,
 * pppoe.c, ppp.c, chdlc.c, ieee80211.c, ipv4.c, ipv6.c, tcp.c, udp.c, icmp.c, vxlan.c,
 * geneve.c, gre.c (with PPTP and Aruba), erspan.c, linux_sll.c, null.c)
 * reads its header through the cursor, fills its part of the packet and names the next
 * layer.  Decoders never call each other.  Tunnels are iterations of the loop, capped at
 * PKT_MAX_TUNNELS.  Nothing here allocates; decode never fails: oddities are anomalies.
 */
#ifndef VXS_DECODE_DECODE_H
#define VXS_DECODE_DECODE_H

#include <stdint.h>

#include "base/cursor.h"
#include "packet.h"

#define DECODE_MAX_PORTS 8

struct decode_cfg {
	uint16_t vxlan_ports[DECODE_MAX_PORTS]; /* UDP destination ports decoded as VXLAN */
	unsigned n_vxlan_ports;
	uint16_t geneve_ports[DECODE_MAX_PORTS];
	unsigned n_geneve_ports;
	bool peel_tunnels; /* false: stop at the outermost transport (for mirror sources) */
};

/* VXLAN on 4789, GENEVE on 6081, tunnels peeled. */
void decode_cfg_default(struct decode_cfg *cfg);
/* Add a port; 0 or -ENOSPC. */
int decode_cfg_add_vxlan_port(struct decode_cfg *cfg, uint16_t port);
int decode_cfg_add_geneve_port(struct decode_cfg *cfg, uint16_t port);

/* Decode p->data[0..caplen) of link type p->linktype.  The reader sets frame, ts_ns, caplen,
 * wirelen, linktype, ifindex and data; everything else is (re)set here. */
void decode_frame(const struct decode_cfg *cfg, struct packet *p);

/* --- the protocol decoders, for the dispatch loop and unit tests --- */

enum layer {
	LAYER_END = 0, /* nothing more to decode */
	LAYER_ETH,
	LAYER_VLAN,    /* an 802.1Q / 802.1ad tag; ethertype follows */
	LAYER_SLL,
	LAYER_SLL2,
	LAYER_NULL,    /* BSD loopback, host byte order family */
	LAYER_LOOP,    /* OpenBSD loopback, network byte order family */
	LAYER_IPV4,
	LAYER_IPV6,
	LAYER_TCP,
	LAYER_UDP,
	LAYER_ICMP,
	LAYER_ICMPV6,
	LAYER_VXLAN,
	LAYER_GENEVE,
	LAYER_GRE,
	LAYER_ERSPAN2, /* ERSPAN II header follows GRE (protocol 0x88BE with sequence) */
	LAYER_ERSPAN3, /* ERSPAN III (protocol 0x22EB) */
	LAYER_IPIP,    /* IPv4 or IPv6 inside IP: pushes a tunnel, then by version nibble */
	LAYER_MPLS,    /* an MPLS label stack (EtherType 0x8847 / 0x8848) */
	LAYER_PPPOE,   /* PPPoE session header (EtherType 0x8864); PPP follows */
	LAYER_PPP,     /* PPP protocol field, HDLC address/control optional */
	LAYER_CHDLC,   /* Cisco HDLC: address, control, EtherType */
	LAYER_WLAN,    /* an IEEE 802.11 MAC header (Aruba GRE); LLC/SNAP follows */
};

/* Each reads its header at c, advances c past it (narrowed to the declared length where
 * the header declares one), fills p, and returns the next layer. */
enum layer eth_decode(struct cursor *c, struct packet *p);
enum layer vlan_decode(struct cursor *c, struct packet *p);
enum layer sll_decode(struct cursor *c, struct packet *p);
enum layer sll2_decode(struct cursor *c, struct packet *p);
enum layer null_decode(struct cursor *c, struct packet *p, bool network_order);
enum layer ipv4_decode(struct cursor *c, struct packet *p);
enum layer ipv6_decode(struct cursor *c, struct packet *p);
enum layer tcp_decode(struct cursor *c, struct packet *p);
enum layer udp_decode(struct cursor *c, struct packet *p, const struct decode_cfg *cfg);
enum layer icmp_decode(struct cursor *c, struct packet *p);
enum layer icmpv6_decode(struct cursor *c, struct packet *p);
enum layer vxlan_decode(struct cursor *c, struct packet *p);
enum layer geneve_decode(struct cursor *c, struct packet *p);
enum layer gre_decode(struct cursor *c, struct packet *p);
enum layer erspan2_decode(struct cursor *c, struct packet *p);
enum layer erspan3_decode(struct cursor *c, struct packet *p);

/* Next layer for an EtherType (also used by GRE and GENEVE protocol types). */
enum layer layer_for_ethertype(uint16_t ethertype);
/* Next layer for an IP protocol number. */
enum layer layer_for_ipproto(uint8_t proto);

/* Move the current outer L3/L4 into a new tunnel record and clear the inner fields.
 * Returns the record, or NULL (and ANOM_TUNNEL_DEPTH) at the depth cap. */
struct tunnel *pkt_push_tunnel(struct packet *p, enum tunnel_kind kind);

#endif
