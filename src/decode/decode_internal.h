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
