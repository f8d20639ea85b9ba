/* packet.h - one decoded frame: what every layer after decode reads.
 *
 * The decoders fill this in host byte order; nothing after decode looks at raw bytes except
 * through `payload` (the innermost L4 payload) and `inner` (the innermost frame, for decap).
 * Tunnels are peeled outermost first into tun[]; the L3/L4 fields describe the innermost
 * packet.  All pointers point into the capture buffer and live as long as that frame.
 */
#ifndef VXS_DECODE_PACKET_H
#define VXS_DECODE_PACKET_H

#include <stdbool.h>
#include <stdint.h>

#include "anomaly.h"

#define PKT_MAX_TUNNELS 4 /* depth cap: GWLB GENEVE + VXLAN + 2 spare */
#define PKT_MAX_VLANS 3
#define PKT_MAX_SACK 4

/* Link types we read (values are the pcap LINKTYPE_ numbers). */
#define LINKTYPE_NULL 0        /* BSD loopback, host-order 4-byte family */
#define LINKTYPE_ETHERNET 1
#define LINKTYPE_RAW 101       /* raw IPv4/IPv6 */
#define LINKTYPE_LOOP 108      /* OpenBSD loopback, network-order family */
#define LINKTYPE_LINUX_SLL 113
#define LINKTYPE_IPV4 228
#define LINKTYPE_IPV6 229
#define LINKTYPE_LINUX_SLL2 276

/* TCP flag bits as on the wire (byte 13). */
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_ECE 0x40
#define TCP_CWR 0x80

#define IPPROTO_NUM_ICMP 1
#define IPPROTO_NUM_TCP 6
#define IPPROTO_NUM_UDP 17
#define IPPROTO_NUM_GRE 47
#define IPPROTO_NUM_ICMPV6 58

/* An IP address of either family; v4 uses the first 4 bytes, the rest stay zero. */
struct ip_addr {
	uint8_t family; /* 4, 6, or 0 = none */
	uint8_t a[16];
};

enum tunnel_kind {
	TUN_NONE = 0,
	TUN_VXLAN,
	TUN_GENEVE,
	TUN_GRE,
	TUN_ERSPAN, /* ERSPAN over GRE; the GRE layer is folded into it */
	TUN_IPIP,   /* IPv4/IPv6 in IPv4/IPv6 (protocols 4 and 41) */
};

/* One peeled encapsulation, with the outer addresses that carried it. */
struct tunnel {
	enum tunnel_kind kind;
	bool has_id;
	uint32_t id;               /* VXLAN/GENEVE VNI, GRE key, ERSPAN session id */
	struct ip_addr src, dst;   /* outer IP header */
	uint16_t sport, dport;     /* outer UDP ports (0 for GRE/ERSPAN) */
	uint8_t flags;             /* VXLAN flags byte / GENEVE O and C bits (byte 1) / GRE flags */
	uint8_t erspan_version;    /* 1, 2 or 3 for ERSPAN types I, II, III */
	uint16_t erspan_vlan;
	bool gwlb;                 /* GENEVE with all three AWS GWLB TLVs */
	uint64_t gwlb_endpoint;    /* class 0x0108 type 1: vpce id (8 bytes) */
	uint64_t gwlb_attachment;  /* type 2 */
	uint32_t gwlb_cookie;      /* type 3: flow cookie */
	uint16_t geneve_opt_len;   /* bytes of GENEVE options */
};

/* Embedded original header inside an ICMP/ICMPv6 error. */
struct icmp_inner {
	bool valid;
	uint8_t proto;
	struct ip_addr src, dst;
	uint16_t sport, dport; /* when the embedded header reaches TCP/UDP ports */
	uint32_t tcp_seq;
	uint32_t ip_len;       /* the original packet's IP length (what did not fit) */
};

struct packet {
	/* --- capture facts, set by the reader --- */
	uint64_t frame;      /* 1-based, as Wireshark numbers frames */
	int64_t ts_ns;       /* UTC nanoseconds */
	uint32_t caplen;     /* bytes captured */
	uint32_t wirelen;    /* bytes on the wire */
	int linktype;        /* LINKTYPE_* of data */
	uint32_t ifindex;    /* capture interface (pcapng IDB index) */
	const uint8_t *data;

	/* --- tunnels, outermost first --- */
	uint8_t ntun;
	struct tunnel tun[PKT_MAX_TUNNELS];

	/* The innermost frame (what `vxscope decap` writes): offset into data and link type
	 * (LINKTYPE_ETHERNET, or LINKTYPE_RAW when a tunnel carried bare IP). */
	uint32_t inner_off;
	int inner_linktype;

	/* --- innermost link layer --- */
	uint8_t nvlan;
	uint16_t vlan[PKT_MAX_VLANS]; /* VLAN ids, outermost first */
	uint16_t ethertype;           /* of the innermost L3 */

	/* --- innermost L3 --- */
	bool has_ip;
	uint8_t ip_ver;          /* 4 or 6 */
	struct ip_addr src, dst;
	uint8_t proto;           /* transport protocol after IPv6 extension headers */
	uint8_t ttl;             /* TTL / hop limit */
	uint8_t tos;             /* DSCP << 2 | ECN (IPv4 TOS / IPv6 traffic class) */
	uint16_t ip_id;          /* IPv4 identification */
	uint32_t ip_len;         /* IP length as the header declares it (v4 total length,
	                            v6 40 + payload length): the packet's true size even when the
	                            copy was truncated */
	uint16_t ip_hlen;        /* IP header bytes incl. options / extension headers */
	bool df;                 /* IPv4 don't-fragment */
	bool is_fragment;        /* MF set or offset != 0 (v4), or a v6 fragment header */
	bool more_fragments;
	uint16_t frag_offset;    /* bytes */
	uint32_t frag_id;        /* v4 id or v6 fragment identification */

	/* --- innermost L4 --- */
	bool has_l4;             /* ports / TCP header decoded */
	uint16_t sport, dport;
	/* TCP */
	uint32_t seq, ack;
	uint8_t tcp_flags;       /* TCP_* bits */
	uint16_t window;         /* raw, unscaled */
	uint8_t tcp_hlen;
	int32_t mss;             /* MSS option, -1 if absent */
	int8_t wscale;           /* window scale option, -1 if absent */
	bool sack_permitted;
	uint8_t nsack;
	uint32_t sack[PKT_MAX_SACK][2]; /* left, right edges */
	bool has_ts;
	uint32_t tsval, tsecr;
	/* ICMP / ICMPv6 */
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_mtu;       /* next-hop MTU (frag-needed) or packet-too-big MTU (low 16 bits) */
	uint32_t icmp_mtu32;
	struct icmp_inner icmp_inner;

	/* L4 payload: length from the IP length field (true size), and what was captured. */
	uint32_t payload_len;
	uint32_t payload_caplen;
	const uint8_t *payload;

	/* --- anomalies --- */
	uint64_t anomalies;      /* ANOM_BIT(enum anomaly) */
	bool truncated;          /* some declared bytes were not captured */
};

static inline void pkt_anomaly(struct packet *p, enum anomaly a)
{
	p->anomalies |= ANOM_BIT(a);
	if (ANOM_BIT(a) & ANOM_TRUNC_MASK)
		p->truncated = true;
}

static inline bool pkt_has_anomaly(const struct packet *p, enum anomaly a)
{
	return (p->anomalies & ANOM_BIT(a)) != 0;
}

/* The mirror session tunnel: the innermost peeled tunnel (for GWLB GENEVE + VXLAN, the VXLAN
 * layer), or NULL for a packet that came in bare. */
static inline const struct tunnel *pkt_session_tunnel(const struct packet *p)
{
	return p->ntun ? &p->tun[p->ntun - 1] : 0;
}

#endif
