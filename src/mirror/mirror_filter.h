/* mirror_filter.h - the AWS Traffic Mirroring decision: which session mirrors a packet, how
 * many bytes of it, or why none does.
 *
 * Spec: ../shared/spec/aws-mirroring.md 1.3 (rule evaluation), 1.4 (amazon-dns), 1.5 (never
 * mirrored), 2 (sessions, PacketLength), 4.4/4.5 (overhead, truncation to the target MTU);
 * the [UNVERIFIED] choices are listed in docs/aws-model.md.
 *
 * For one packet seen on a source ENI, in one direction:
 *   1. never-mirrored classes (ARP, DHCP, IMDS, Amazon Time Sync, Windows KMS) stop here;
 *   2. the ENI's sessions in ascending SessionNumber; for each, its filter's rules for that
 *      direction in ascending RuleNumber, first match decides; Amazon DNS traffic is
 *      mirrored by a filter with the amazon-dns network service and by no rule otherwise;
 *   3. the first session whose filter accepts mirrors the packet, once.  An explicit reject
 *      lets the next session see the packet (default), or stops the walk
 *      (mirror_opts.reject_stops);
 *   4. bytes after the VXLAN header = min(frame, PacketLength (8500 for an NLB target without
 *      one), target-MTU budget for ENI and GWLB-endpoint targets).  Never fragment.
 *
 * Wire overhead of one copy above the inner frame (outer IP + UDP + VXLAN): 36 bytes with an
 * IPv4 outer header, 56 with IPv6 (plus 14 of outer Ethernet on a link).  AWS's truncation
 * rule counts 54 / 74 bytes above the inner IP packet: an inner IP packet longer than
 * MTU - 54 (IPv4 outer) or MTU - 74 (IPv6 outer) is truncated, so the inner frame budget is
 * MTU - 54 + 14 (MTU - 40) or MTU - 74 + 14 (MTU - 60).
 *
 * Nothing here allocates or keeps state: safe per packet, from any thread, on a config that
 * aws_config_validate accepted.
 */
#ifndef VXS_MIRROR_MIRROR_FILTER_H
#define VXS_MIRROR_MIRROR_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/packet.h"
#include "mirror/aws_config.h"

#define MIRROR_WIRE_OVERHEAD_V4 36 /* outer IPv4 20 + UDP 8 + VXLAN 8 */
#define MIRROR_WIRE_OVERHEAD_V6 56 /* outer IPv6 40 + UDP 8 + VXLAN 8 */
#define MIRROR_AWS_OVERHEAD_V4  54 /* AWS's documented figure, above the inner IP packet */
#define MIRROR_AWS_OVERHEAD_V6  74
#define MIRROR_INNER_L2         14 /* inner Ethernet header the AWS figure includes */
#define MIRROR_VXLAN_PORT       4789

#define ETHERTYPE_NUM_ARP 0x0806

/* Why a packet was (not) mirrored. */
enum mirror_reason {
	MIRROR_MIRRORED = 0,    /* a session accepted it */
	MIRROR_NEVER_ARP,       /* never mirrored: ARP */
	MIRROR_NEVER_DHCP,      /* never mirrored: DHCPv4 (UDP 67/68) or DHCPv6 (546/547) */
	MIRROR_NEVER_IMDS,      /* never mirrored: instance metadata 169.254.169.254,
	                           fd00:ec2::254 */
	MIRROR_NEVER_TIME_SYNC, /* never mirrored: Amazon Time Sync 169.254.169.123,
	                           fd00:ec2::123 */
	MIRROR_NEVER_KMS,       /* never mirrored: Windows activation (KMS, TCP 1688 to the
	                           AWS KMS addresses 169.254.169.250/251) */
	MIRROR_NO_SESSION,      /* the ENI has no session */
	MIRROR_AMAZON_DNS,      /* Amazon DNS traffic and no session's filter has amazon-dns */
	MIRROR_REJECTED,        /* rule `rule_number` of `session` rejected it (the first
	                           rejection; with reject-continues no later session took it) */
	MIRROR_NO_MATCH,        /* no rule of any session's filter matched */
	MIRROR_REASON_COUNT
};

/* What truncated the copy. */
enum mirror_trunc {
	MIRROR_TRUNC_NONE = 0,
	MIRROR_TRUNC_PACKET_LENGTH, /* the session's PacketLength (or the NLB 8500 default) */
	MIRROR_TRUNC_TARGET_MTU,    /* the target MTU (ENI and GWLB-endpoint targets) */
};

/* The facts of a packet the engine looks at; fill with mirror_facts_from_packet or by hand. */
struct mirror_facts {
	uint16_t ethertype; /* of the frame (innermost L3), 0 if unknown */
	bool has_ip;
	uint8_t ip_ver; /* 4 or 6 */
	struct ip_addr src, dst;
	uint8_t proto;  /* IP protocol (after IPv6 extension headers) */
	bool has_ports; /* TCP/UDP ports known (false for non-first fragments) */
	uint16_t sport, dport;
	uint32_t frame_len; /* bytes of the L2 frame as seen on the source ENI */
};

struct mirror_opts {
	bool reject_stops; /* an explicit reject ends the session walk ([UNVERIFIED];
	                      default false: the next session sees the packet) */
};

struct mirror_decision {
	enum mirror_reason reason;
	const struct aws_session *session; /* MIRRORED: the session that mirrors it; REJECTED:
	                                      the session whose rule rejected; else NULL */
	int64_t rule_number;     /* the deciding rule; 0 when the amazon-dns network service
	                            decided, -1 when no rule did */
	bool by_network_service; /* amazon-dns decided */
	bool accept;             /* == (reason == MIRROR_MIRRORED) */
	uint32_t snap;           /* bytes of the frame to send after the VXLAN header
	                            (0 when not mirrored) */
	enum mirror_trunc trunc; /* what made snap < frame_len, if anything */
	uint8_t outer_family;    /* 4 or 6: family of the outer header (target address) */
};

/* Facts of a decoded packet (the innermost L2/L3/L4, which for a bare capture is the frame
 * itself).  frame_len = p->wirelen, plus 14 when the capture holds bare IP (the ENI would
 * have seen an Ethernet frame). */
void mirror_facts_from_packet(struct mirror_facts *f, const struct packet *p);

/* Direction from the ENI's own addresses: source address is the ENI's -> EGRESS, destination
 * -> INGRESS (both: EGRESS).  0, or -ENOENT when neither is the ENI's (or no IP), -EINVAL
 * when the ENI has no addresses. */
__attribute__((warn_unused_result)) int
mirror_direction(const struct aws_eni *eni, const struct mirror_facts *f, enum mirror_dir *dir);

/* The never-mirrored class of a packet (MIRROR_NEVER_*), or MIRROR_MIRRORED if none. */
enum mirror_reason mirror_never_class(const struct mirror_facts *f);

/* Is this packet Amazon DNS traffic (TCP/UDP 53 to/from VPC base + 2 of one of the ENI's
 * VPC CIDRs, or 169.254.169.253)?  eni may be NULL (only the link-local address counts). */
bool mirror_is_amazon_dns(const struct aws_eni *eni, const struct mirror_facts *f);

/* Does one rule match (protocol, CIDRs, port ranges for TCP/UDP only)? */
bool mirror_rule_matches(const struct aws_rule *r, const struct mirror_facts *f);

/* One filter's verdict for one direction: the first matching rule, or NULL (not mirrored). */
const struct aws_rule *mirror_filter_match(const struct aws_filter *flt, enum mirror_dir dir,
                                           const struct mirror_facts *f);

/* Bytes after the VXLAN header for a frame of frame_len bytes mirrored by s; *trunc (may be
 * NULL) says what cut it; *outer_family (may be NULL) the outer header family used. */
uint32_t mirror_snap(const struct aws_session *s, uint32_t frame_len, enum mirror_trunc *trunc,
                     uint8_t *outer_family);

/* The whole decision for one packet on one ENI.  eni may be NULL (-> NO_SESSION); opts may
 * be NULL (defaults).  Always fills d. */
void mirror_decide(const struct aws_eni *eni, enum mirror_dir dir, const struct mirror_facts *f,
                   const struct mirror_opts *opts, struct mirror_decision *d);

/* "mirrored", "never-mirrored: ARP", ...: a stable short name of a reason. */
const char *mirror_reason_name(enum mirror_reason r);
const char *mirror_trunc_name(enum mirror_trunc t);

#endif
