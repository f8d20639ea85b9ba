/* tcp_findings.h - TCP health findings from per-service roll-ups, and the ICMP "too big" messages
 * seen, which decide between a PMTU black hole and path MTU discovery that works. */
#ifndef VXS_ANALYZE_TCP_FINDINGS_H
#define VXS_ANALYZE_TCP_FINDINGS_H

#include "analyze/services.h"
#include "analyze/finding.h"

#define ICMP_SEEN_MAX 256

/* ICMP frag-needed / ICMPv6 packet-too-big messages seen, by the embedded original packet's
 * source (the host that sent too big a packet). */
struct icmp_seen {
	struct {
		struct ip_addr sender;
		uint32_t mtu;
		uint64_t count, first_frame;
	} v[ICMP_SEEN_MAX];
	unsigned n;
	uint64_t total;
};

/* Record p if it is a frag-needed / packet-too-big with an embedded header. */
void icmp_seen_packet(struct icmp_seen *s, const struct packet *p);

/* Append findings for every unhealthy service. */
void tcp_findings(struct service_table *t, const struct icmp_seen *icmp, struct finding_list *out);

#endif
