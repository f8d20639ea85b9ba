/* vxlan_encap.h - build the VXLAN copy of a mirrored frame as AWS Traffic Mirroring sends it
 * (RFC 7348 sections 4-5; /work/shared/spec/aws-mirroring.md section 4; docs/mirror-source.md).
 *
 *   outer IPv4 (20) or IPv6 (40)   src = source ENI address, dst = target address,
 *                                  proto/next header 17, TTL 64, DSCP 0, IPv4 DF set
 *   UDP (8)                        sport = vxlan_encap_sport(inner flow), dport 4789,
 *                                  checksum 0 over IPv4 (RFC 7348), computed over IPv6
 *   VXLAN (8)                      08 00 00 00 | VNI (24 bits) | 00
 *   inner Ethernet frame           the frame as seen on the source, cut to the decided length
 *
 * Pure functions: no sockets, no allocation.  Nothing is ever fragmented: the caller decides
 * the inner length (PacketLength, target MTU) and vxlan_encap_build() writes one datagram.
 */
#ifndef VXS_MIRROR_VXLAN_ENCAP_H
#define VXS_MIRROR_VXLAN_ENCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/packet.h"

#define VXLAN_ENCAP_PORT     4789
#define VXLAN_ENCAP_HLEN     8
#define VXLAN_ENCAP_FLAGS    0x08 /* I: the VNI is valid */
#define VXLAN_ENCAP_VNI_MAX  0xffffffu
#define VXLAN_ENCAP_UDP_HLEN 8
/* Outer bytes in front of the inner frame (what a raw socket sends): IP + UDP + VXLAN. */
#define VXLAN_ENCAP_V4_OVERHEAD (20 + VXLAN_ENCAP_UDP_HLEN + VXLAN_ENCAP_HLEN) /* 36 */
#define VXLAN_ENCAP_V6_OVERHEAD (40 + VXLAN_ENCAP_UDP_HLEN + VXLAN_ENCAP_HLEN) /* 56 */
/* Largest outer datagram we build (IPv4 total length is 16 bits; IPv6 without jumbograms). */
#define VXLAN_ENCAP_MAX 65535u

/* RFC 7348 section 5: a hash-derived source port SHOULD be in the dynamic range. */
#define VXLAN_ENCAP_SPORT_MIN  49152u
#define VXLAN_ENCAP_SPORT_SPAN 16384u

/* Outer header choices (AWS documents none of them; see docs/mirror-source.md). */
#define VXLAN_ENCAP_TTL  64 /* Linux's default hop limit; the Linux VXLAN device's too */
#define VXLAN_ENCAP_DSCP 0  /* best effort: production traffic goes first (spec 4.6) */

struct vxlan_encap_params {
	struct ip_addr src, dst; /* outer addresses, same family (4 or 6) */
	uint32_t vni;            /* 0 .. VXLAN_ENCAP_VNI_MAX */
	uint16_t sport;          /* outer UDP source port: vxlan_encap_sport() */
	uint16_t ip_id;          /* IPv4 identification (ignored for IPv6) */
	uint32_t inner_len;      /* bytes of the inner frame to carry (<= its captured length):
	                            PacketLength / target-MTU cut already applied by the caller */
	uint32_t max_ip_len;     /* 0 = no limit; else cut the inner frame further so the outer
	                            IP packet is at most this long (the ENI-target MTU rule) */
};

/* Outer source port for a mirrored frame: a SYMMETRIC stable hash of the inner flow, in
 * 49152..65535.  Both directions of a connection get the same port (the addresses and ports
 * are put in a canonical order before hashing); the value does not depend on the process,
 * the time or the host (fixed seed), so it is stable across restarts.
 *   TCP, UDP, ICMP, ICMPv6 (AWS: "5-tuple"): protocol, addresses, ports (0 for ICMP);
 *   other IP protocols and fragments without ports ("3-tuple"): protocol and addresses;
 *   non-IP frames: EtherType and the two MAC addresses.
 * p is the decoded inner frame (decode_frame() with peel_tunnels off); p->data is read only
 * for the MAC addresses of a non-IP Ethernet frame. */
uint16_t vxlan_encap_sport(const struct packet *p);

/* Write the outer headers and the first inner_len bytes of `inner` into out[0..cap).
 * *len = bytes written (the outer IP packet), *cut = true when max_ip_len cut the inner frame
 * below inner_len.  0, -EINVAL (families differ or are unset, VNI over 24 bits, inner_len over
 * inner_caplen, max_ip_len too small for the outer headers), -EMSGSIZE (over
 * VXLAN_ENCAP_MAX) or -ENOSPC (cap too small).  Nothing is written on error. */
int vxlan_encap_build(const struct vxlan_encap_params *prm, const uint8_t *inner,
                      size_t inner_caplen, uint8_t *out, size_t cap, size_t *len, bool *cut)
    __attribute__((warn_unused_result));

/* Outer overhead in front of the inner frame for an outer family (4 or 6): 36 or 56. */
unsigned vxlan_encap_overhead(uint8_t family);

/* The Internet checksum (RFC 1071) of data, folded and complemented, continuing from a
 * partial 32-bit sum (0 to start). */
uint16_t vxlan_encap_csum(const uint8_t *data, size_t len, uint32_t sum);

#endif
