/* mtu.h - MTU and fragmentation per path (source -> destination address): the largest packet
 * and TCP segment, the MSS each end advertised, DF, IP fragments, and the ICMP "fragmentation
 * needed" (RFC 792, RFC 1191) / ICMPv6 "packet too big" (RFC 4443, RFC 8201) messages that
 * concern the path, linked by the header they quote.
 *
 * Flows add their per-direction maxima when they end (one lookup per flow); fragments and
 * ICMP messages are added as they come (rare).  Bounded: MTU_PATHS paths, the rest counted in
 * `dropped`.  Single-threaded.
 */
#ifndef VXS_ANALYZE_MTU_H
#define VXS_ANALYZE_MTU_H

#include <stdbool.h>
#include <stdint.h>

#include "analyze/finding.h"
#include "decode/packet.h"

#define MTU_PATHS 1024

struct mtu_path {
	struct ip_addr src, dst;
	uint64_t packets, df_packets, fragments, flows;
	uint32_t max_ip_len, max_segment;
	int32_t mss_sender, mss_receiver; /* from the SYNs, -1 unknown */
	uint64_t icmp_too_big, icmp_first_frame, first_fragment_frame;
	uint32_t icmp_mtu;
};

struct mtu_table {
	struct mtu_path v[MTU_PATHS];
	uint32_t n;
	int32_t slot[2 * MTU_PATHS]; /* open addressing, -1 empty */
	uint64_t dropped;
};

void mtu_init(struct mtu_table *t);
/* The path src -> dst, created on first use; NULL when the table is full. */
struct mtu_path *mtu_path_get(struct mtu_table *t, const struct ip_addr *src,
			      const struct ip_addr *dst);
/* Count an IP fragment or an ICMP too-big message (other packets are ignored). */
void mtu_packet(struct mtu_table *t, const struct packet *p);
/* Findings: mtu.fragments, mtu.icmp_too_big (the path MTU black hole itself is
 * tcp_findings.c's mtu.pmtu_blackhole).  Largest segment against the MSS advertised is data
 * only (JSON qos.mtu_paths): a sender with nothing larger to send looks the same. */
void mtu_findings(const struct mtu_table *t, struct finding_list *out);

#endif
