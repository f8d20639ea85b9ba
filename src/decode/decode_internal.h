/* decode_internal.h - helpers shared by the decoders in src/decode/ only (not a public API).
 *
 * The reset helpers rely on the field order of struct packet: every innermost L2/L3/L4 field
 * lies between `nvlan` and `payload` (inclusive).  The asserts below catch a reorder; a field
 * added inside that range is cleared with the rest, which is what a new per-layer field wants.
 */
#ifndef VXS_DECODE_DECODE_INTERNAL_H
#define VXS_DECODE_DECODE_INTERNAL_H

#include <stddef.h>
#include <string.h>

#include "decode.h"

#define PKT_INNER_BEGIN offsetof(struct packet, nvlan)
#define PKT_INNER_END   (offsetof(struct packet, payload) + sizeof(((struct packet *)0)->payload))

_Static_assert(offsetof(struct packet, inner_linktype) < PKT_INNER_BEGIN,
               "tunnel/inner-frame fields must precede the innermost layer fields");
_Static_assert(offsetof(struct packet, mss) > PKT_INNER_BEGIN &&
                   offsetof(struct packet, icmp_inner) < PKT_INNER_END,
               "innermost L2/L3/L4 fields must lie between nvlan and payload");
_Static_assert(offsetof(struct packet, anomalies) >= PKT_INNER_END,
               "anomalies and truncated must survive a tunnel push");

/* Clear the innermost L2/L3/L4 fields (nvlan .. payload); options absent = -1. */
static inline void pkt_clear_inner(struct packet *p)
{
	memset((char *)p + PKT_INNER_BEGIN, 0, PKT_INNER_END - PKT_INNER_BEGIN);
	p->mss = -1;
	p->wscale = -1;
}

/* Offset of the cursor position from the start of the frame. */
static inline uint32_t pkt_offset(const struct packet *p, const struct cursor *c)
{
	return (uint32_t)(c->p - p->data);
}

/* The innermost frame starts at the cursor, with link type lt. */
static inline void pkt_set_inner(struct packet *p, const struct cursor *c, int lt)
{
	p->inner_off = pkt_offset(p, c);
	p->inner_linktype = lt;
}

/* A layer that opens the innermost frame of a tunnel (PPP in enhanced GRE, 802.11 in Aruba
 * GRE) moves that frame's start past its own header, to what it carries (link type lt): decap
 * writes only Ethernet or bare IP.  start is the layer's own offset; elsewhere (a layer inside
 * an inner Ethernet frame, or no tunnel) this does nothing. */
static inline void pkt_inner_skip(struct packet *p, uint32_t start, const struct cursor *c, int lt)
{
	if (p->ntun && p->inner_off == start)
		pkt_set_inner(p, c, lt);
}

/* Link types decoded here but not listed in packet.h (pcap LINKTYPE_ numbers,
 * https://www.tcpdump.org/linktypes.html). */
#define LINKTYPE_PPP      9   /* PPP, HDLC-like address/control optional (RFC 1661, 1662) */
#define LINKTYPE_PPP_HDLC 50  /* PPP in HDLC-like framing, or Cisco HDLC (RFC 1547 4.3.1) */
#define LINKTYPE_C_HDLC   104 /* Cisco HDLC */

/* More protocol decoders, with the contract of those in decode.h (the dispatch loop and unit
 * tests call them). */
enum layer mpls_decode(struct cursor *c, struct packet *p);
enum layer pppoe_decode(struct cursor *c, struct packet *p);
enum layer ppp_decode(struct cursor *c, struct packet *p);
enum layer chdlc_decode(struct cursor *c, struct packet *p);
enum layer ieee80211_decode(struct cursor *c, struct packet *p);

/* IPv6 extension headers the decoders walk (RFC 8200 section 4, RFC 4302, RFC 6275). */
#define IP6_NH_HOPOPTS  0
#define IP6_NH_ROUTING  43
#define IP6_NH_FRAGMENT 44
#define IP6_NH_ESP      50
#define IP6_NH_AH       51
#define IP6_NH_NONE     59
#define IP6_NH_DSTOPTS  60
#define IP6_NH_MOBILITY 135

/* Most extension headers an IPv6 (or embedded IPv6) header chain may have before we stop. */
#define IP6_MAX_EXT_HEADERS 8

static inline bool ip6_is_ext_header(uint8_t nh)
{
	return nh == IP6_NH_HOPOPTS || nh == IP6_NH_ROUTING || nh == IP6_NH_FRAGMENT ||
	       nh == IP6_NH_AH || nh == IP6_NH_DSTOPTS || nh == IP6_NH_MOBILITY;
}

/* Byte length of extension header nh from its second byte (Hdr Ext Len). */
static inline size_t ip6_ext_header_len(uint8_t nh, uint8_t hdr_ext_len)
{
	if (nh == IP6_NH_FRAGMENT)
		return 8;
	if (nh == IP6_NH_AH)
		return ((size_t)hdr_ext_len + 2) * 4;
	return ((size_t)hdr_ext_len + 1) * 8;
}

#endif
