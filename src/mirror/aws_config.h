/* aws_config.h - the AWS Traffic Mirroring model: filters, sessions, targets, host map.
 *
 * Spec: ../shared/spec/aws-mirroring.md sections 1-3 (API shapes TrafficMirrorFilter,
 * TrafficMirrorFilterRule, TrafficMirrorSession, TrafficMirrorTarget); docs/aws-model.md.
 *
 * Reads, unchanged, what `aws ec2 describe-traffic-mirror-filters|sessions|targets` print
 * (top-level keys TrafficMirrorFilters / TrafficMirrorSessions / TrafficMirrorTargets,
 * PascalCase, optional keys omitted, unknown keys ignored), alone or combined in one file,
 * plus our host map (top-level key VxscopeHostMap) that says what ENI and target ids stand for
 * on this host:
 *
 *   { "VxscopeHostMap": {
 *       "NetworkInterfaces": [ { "NetworkInterfaceId": "eni-..", "Interface": "eth0",
 *           "Addresses": ["10.0.1.5", "2001:db8::5"], "MacAddress": "02:00:00:00:00:01",
 *           "Mtu": 9001, "VpcCidrBlocks": ["10.0.0.0/16"] } ],
 *       "Targets": [ { "TrafficMirrorTargetId": "tmt-..",      (or "NetworkInterfaceId",
 *           "Addresses": ["10.0.2.9"], "Mtu": 9001 } ] } }   "NetworkLoadBalancerArn",
 *                                                              "GatewayLoadBalancerEndpointId")
 *
 * Life cycle: aws_config_init; aws_config_load once per file (files merge: a later file may
 * hold the sessions, another the filters); aws_config_validate once after the last load,
 * which checks every rule of the spec and resolves the links (session -> filter, target,
 * source ENI; ENI -> its sessions in evaluation order).  Lookups and the decision engine
 * (mirror_filter.h) need a config that validated.  Loading again after validate invalidates
 * the links: validate again.  aws_config_free releases everything.
 *
 * Ownership: the config owns every string and array it holds; pointers handed out by the
 * lookups live until aws_config_free or the next aws_config_load.
 */
#ifndef VXS_MIRROR_AWS_CONFIG_H
#define VXS_MIRROR_AWS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/packet.h"

#define AWS_ID_LEN           128 /* ids, and NLB ARNs (up to ~110 characters) */
#define AWS_MAX_ADDRS        8   /* addresses per host-map ENI or target */
#define AWS_MAX_VPC_CIDRS    8   /* VPC CIDR blocks per host-map ENI (for Amazon DNS) */
#define AWS_ENI_SESSIONS_CAP 16  /* sessions kept per ENI; AWS allows 3, we report more */

#define AWS_RULES_PER_FILTER     10 /* quota: rules per filter (default of max_rules) */
#define AWS_SESSIONS_PER_ENI     3  /* quota: sessions per source ENI */
#define AWS_SESSION_NUMBER_MIN   1
#define AWS_SESSION_NUMBER_MAX   32766
#define AWS_RULE_NUMBER_WARN_MAX 32766 /* [UNVERIFIED] warn above, accept any positive int32 */
#define AWS_PACKET_LENGTH_MAX    8500
#define AWS_VNI_MAX              0xffffffu /* 24 bits */
#define AWS_NLB_PACKET_LENGTH    8500      /* NLB sessions without PacketLength: 8500 */
#define AWS_DEFAULT_ENI_MTU      9001      /* EC2 jumbo MTU, when the host map gives none */
#define AWS_LB_MTU               8500      /* NLB and GWLB path MTU */

/* Traffic direction relative to the mirror source ENI (spec 1.1). */
enum mirror_dir {
	MIRROR_INGRESS = 0, /* received by the source ENI */
	MIRROR_EGRESS = 1,  /* sent by the source ENI */
};

/* One problem found while loading or validating: everything a human needs to fix it. */
struct aws_error {
	bool warning;    /* a warning: the config still works */
	char file[256];  /* the file it came from ("" when not one file's doing) */
	char path[256];  /* JSON path, e.g. TrafficMirrorFilters[0].EgressFilterRules[2].Protocol */
	char value[160]; /* the offending value as JSON text, "" when absent */
	char rule[256];  /* the rule broken, e.g. "FromPort must be <= ToPort" */
	char msg[1024];  /* "file: path: value V: rule" - the complete line to print */
};

/* What validate found.  Bounded: past AWS_DIAGS_MAX the rest are counted in `dropped`. */
#define AWS_DIAGS_MAX 64
struct aws_diags {
	struct aws_error d[AWS_DIAGS_MAX];
	unsigned n;
	unsigned errors, warnings, dropped;
};

/* Where an object came from, for messages after loading. */
struct aws_origin {
	const char *file; /* owned by the config (files[]) */
	unsigned index;   /* index in its top-level array */
};

struct aws_port_range {
	bool set;
	int64_t from, to; /* raw values as loaded; validate requires 0 <= from <= to <= 65535 */
};

/* One TrafficMirrorFilterRule. */
struct aws_rule {
	char id[AWS_ID_LEN]; /* TrafficMirrorFilterRuleId, "" if absent */
	int64_t number;      /* RuleNumber */
	bool accept;         /* RuleAction: accept (mirror) or reject (do not mirror) */
	bool has_proto;      /* Protocol present and not 0; absent or 0 = all protocols */
	int64_t proto;       /* IANA number (validate: 0-255) */
	struct aws_port_range sport, dport;
	struct ip_addr src_net, dst_net;
	unsigned src_prefix, dst_prefix;
	char *description; /* owned, NULL if absent */
	unsigned index;    /* position in its JSON array (for messages) */
};

/* One TrafficMirrorFilter; rules[dir] sorted by ascending RuleNumber after validate. */
struct aws_filter {
	char id[AWS_ID_LEN];
	char *description;         /* owned, NULL if absent */
	struct aws_rule *rules[2]; /* [MIRROR_INGRESS], [MIRROR_EGRESS]; owned */
	unsigned nrules[2];
	bool amazon_dns; /* NetworkServices contains "amazon-dns" */
	struct aws_origin origin;
};

enum aws_target_type {
	AWS_TARGET_ENI = 0, /* network-interface */
	AWS_TARGET_NLB,     /* network-load-balancer */
	AWS_TARGET_GWLBE,   /* gateway-load-balancer-endpoint */
};

/* One TrafficMirrorTarget, with what the host map says about it. */
struct aws_target {
	char id[AWS_ID_LEN]; /* TrafficMirrorTargetId */
	enum aws_target_type type;
	char resource[AWS_ID_LEN]; /* the ENI id, NLB ARN or GWLB endpoint id it names */
	char *description;         /* owned, NULL if absent */
	/* from the host map: where to send (several addresses: NLB-like flow-hash stickiness) */
	struct ip_addr addrs[AWS_MAX_ADDRS];
	unsigned naddrs;
	uint32_t mtu;  /* effective target MTU: host map, else 9001 (ENI) or
	                  8500 (NLB, GWLB endpoint) */
	bool mapped;   /* the host map named this target */
	bool declared; /* a describe-traffic-mirror-targets document named it */
	struct aws_origin origin;
};

struct aws_session;

/* A source ENI: from the host map, and/or named by sessions. */
struct aws_eni {
	char id[AWS_ID_LEN]; /* NetworkInterfaceId */
	bool mapped;         /* the host map describes it (the fields below are set) */
	char ifname[64];     /* host interface, "" if not given */
	struct ip_addr addrs[AWS_MAX_ADDRS]; /* addrs[0] is the primary (outer source) address */
	unsigned naddrs;
	bool has_mac;
	uint8_t mac[6];
	uint32_t mtu;                              /* 0 if not given */
	struct ip_addr vpc_net[AWS_MAX_VPC_CIDRS]; /* VPC CIDRs: Amazon DNS is base + 2 */
	unsigned vpc_prefix[AWS_MAX_VPC_CIDRS];
	unsigned nvpc;
	/* resolved by validate: the ENI's sessions by ascending SessionNumber */
	const struct aws_session *sessions[AWS_ENI_SESSIONS_CAP];
	unsigned nsessions;
	struct aws_origin origin; /* host-map entry, or the first session naming it */
};

/* One TrafficMirrorSession. */
struct aws_session {
	char id[AWS_ID_LEN];     /* TrafficMirrorSessionId */
	char eni_id[AWS_ID_LEN]; /* NetworkInterfaceId: the source */
	char target_id[AWS_ID_LEN];
	char filter_id[AWS_ID_LEN];
	char owner[32];        /* OwnerId, "" if absent */
	int64_t number;        /* SessionNumber (1-32766) */
	int64_t vni;           /* VirtualNetworkId (0 - 2^24-1) */
	int64_t packet_length; /* PacketLength; 0 = absent (whole packet) */
	char *description;     /* owned, NULL if absent */
	/* resolved by validate */
	const struct aws_filter *filter;
	const struct aws_target *target;
	const struct aws_eni *eni;
	struct aws_origin origin;
};

struct aws_config {
	struct aws_filter *filters;
	unsigned nfilters, cap_filters;
	struct aws_session *sessions;
	unsigned nsessions, cap_sessions;
	struct aws_target *targets;
	unsigned ntargets, cap_targets;
	struct aws_eni *enis;
	unsigned nenis, cap_enis;
	char **files; /* every path loaded, owned */
	unsigned nfiles;
	/* limits, set before validate */
	unsigned max_rules;           /* rules per filter (AWS_RULES_PER_FILTER) */
	bool max_rules_per_direction; /* false: the limit counts both directions together */
	bool validated;
};

/* Empty config with the default limits. */
void aws_config_init(struct aws_config *c);
/* Release everything; c is left empty (init again to reuse). */
void aws_config_free(struct aws_config *c);

/* Read one JSON file and merge it: 0, or -EINVAL (bad JSON, wrong type, unparsable value:
 * err says file, path, value and rule), -ENOENT/-EACCES/... (cannot read: err says so),
 * -EEXIST (an id defined twice across files), -ENOMEM.  A file holding none of the known
 * top-level keys is an error too. */
__attribute__((warn_unused_result)) int aws_config_load(struct aws_config *c, const char *path,
                                                        struct aws_error *err);
/* Same, from a string; `name` stands for the file in messages (the fuzz harness uses it). */
__attribute__((warn_unused_result)) int aws_config_load_string(struct aws_config *c,
                                                               const char *name, const char *json,
                                                               size_t len, struct aws_error *err);

/* Check every rule of the spec, sort rules, resolve the links.  Every problem goes into d
 * (errors and warnings).  0 when there are no errors (warnings allowed), -EINVAL otherwise;
 * lookups work either way but the engine must only run on a config that returned 0. */
__attribute__((warn_unused_result)) int aws_config_validate(struct aws_config *c,
                                                            struct aws_diags *d);

/* Lookups by id; NULL when unknown. */
const struct aws_filter *aws_config_filter(const struct aws_config *c, const char *id);
const struct aws_session *aws_config_session(const struct aws_config *c, const char *id);
const struct aws_target *aws_config_target(const struct aws_config *c, const char *id);
const struct aws_eni *aws_config_eni(const struct aws_config *c, const char *id);
/* The host-map ENI with this interface name, or owning this address; NULL if none. */
const struct aws_eni *aws_config_eni_by_ifname(const struct aws_config *c, const char *ifname);
const struct aws_eni *aws_config_eni_by_addr(const struct aws_config *c, const struct ip_addr *a);
/* The session a VXLAN packet with this VNI belongs to.  With outer_src (may be NULL), a
 * session whose source ENI has host-map addresses matches only when it owns outer_src;
 * sessions of unmapped ENIs match by VNI alone.  NULL when no session matches, or when
 * several do and outer_src does not settle it. */
const struct aws_session *aws_config_session_by_vni(const struct aws_config *c, uint32_t vni,
                                                    const struct ip_addr *outer_src);

/* Names as AWS spells them: "ingress"/"egress", "network-interface"/... */
const char *aws_dir_name(enum mirror_dir d);
const char *aws_target_type_name(enum aws_target_type t);
/* "10.0.0.0/16" of a rule's source or destination block. */
void aws_rule_cidr(const struct ip_addr *net, unsigned prefix, char *buf, size_t len);

#endif
