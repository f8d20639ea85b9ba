/* mirror_filter.c - the AWS Traffic Mirroring decision for one packet on one source ENI.
 *
 * Spec: ../shared/spec/aws-mirroring.md 1.3-1.5 (filter evaluation, amazon-dns, traffic never
 * mirrored), 2 (session order, PacketLength), 4.4-4.5 (the 54/74-byte truncation rule).
 * The [UNVERIFIED] choices are documented in docs/aws-model.md and tested in
 * tests/unit/test_mirror_filter.c.
 */
#include "mirror_filter.h"

#include <errno.h>
#include <string.h>

#include "decode/ipaddr.h"

void mirror_facts_from_packet(struct mirror_facts *f, const struct packet *p)
{
	memset(f, 0, sizeof(*f));
	f->ethertype = p->ethertype;
	f->has_ip = p->has_ip;
	f->ip_ver = p->ip_ver;
	f->src = p->src;
	f->dst = p->dst;
	f->proto = p->proto;
	f->has_ports = p->has_l4 && !(p->is_fragment && p->frag_offset) &&
	               (p->proto == IPPROTO_NUM_TCP || p->proto == IPPROTO_NUM_UDP);
	f->sport = p->sport;
	f->dport = p->dport;
	uint32_t off = p->inner_off <= p->wirelen ? p->inner_off : p->wirelen;
	if (p->inner_linktype == LINKTYPE_ETHERNET)
		f->frame_len = p->wirelen - off;
	else if (p->has_ip)
		f->frame_len = p->ip_len + MIRROR_INNER_L2; /* the ENI sees an Ethernet frame */
	else
		f->frame_len = p->wirelen - off;
}

int mirror_direction(const struct aws_eni *eni, const struct mirror_facts *f, enum mirror_dir *dir)
{
	if (!eni || !eni->naddrs)
		return -EINVAL;
	if (!f->has_ip)
		return -ENOENT;
	for (unsigned i = 0; i < eni->naddrs; i++) {
		if (ipaddr_eq(&eni->addrs[i], &f->src)) {
			*dir = MIRROR_EGRESS;
			return 0;
		}
	}
	for (unsigned i = 0; i < eni->naddrs; i++) {
		if (ipaddr_eq(&eni->addrs[i], &f->dst)) {
			*dir = MIRROR_INGRESS;
			return 0;
		}
	}
	return -ENOENT;
}

/* The link-local service addresses (spec 1.4, 1.5); fd00:ec2::N are the IPv6 endpoints. */
#define V4(d)                                                                                      \
	{                                                                                          \
		4,                                                                                 \
		{                                                                                  \
			169, 254, 169, d                                                           \
		}                                                                                  \
	}
#define V6(hi, lo)                                                                                 \
	{                                                                                          \
		6,                                                                                 \
		{                                                                                  \
			0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, hi, lo               \
		}                                                                                  \
	}
static const struct ip_addr IMDS_V4 = V4(254), IMDS_V6 = V6(0x02, 0x54);
static const struct ip_addr NTP_V4 = V4(123), NTP_V6 = V6(0x01, 0x23);
static const struct ip_addr KMS1_V4 = V4(250), KMS2_V4 = V4(251);
static const struct ip_addr DNS_V4 = V4(253), DNS_V6 = V6(0x02, 0x53);
#undef V4
#undef V6

static bool either_is(const struct mirror_facts *f, const struct ip_addr *a)
{
	return ipaddr_eq(&f->src, a) || ipaddr_eq(&f->dst, a);
}

static bool port_in(uint16_t p, uint16_t a, uint16_t b)
{
	return p == a || p == b;
}

enum mirror_reason mirror_never_class(const struct mirror_facts *f)
{
	if (f->ethertype == ETHERTYPE_NUM_ARP)
		return MIRROR_NEVER_ARP;
	if (!f->has_ip)
		return MIRROR_MIRRORED;
	if (either_is(f, &IMDS_V4) || either_is(f, &IMDS_V6))
		return MIRROR_NEVER_IMDS;
	if (either_is(f, &NTP_V4) || either_is(f, &NTP_V6))
		return MIRROR_NEVER_TIME_SYNC;
	if (either_is(f, &KMS1_V4) || either_is(f, &KMS2_V4))
		return MIRROR_NEVER_KMS;
	if (f->proto == IPPROTO_NUM_UDP && f->has_ports) {
		/* both ports: client<->server and relay<->server, never an ephemeral port */
		if (f->ip_ver == 4 && port_in(f->sport, 67, 68) && port_in(f->dport, 67, 68))
			return MIRROR_NEVER_DHCP;
		if (f->ip_ver == 6 && port_in(f->sport, 546, 547) && port_in(f->dport, 546, 547))
			return MIRROR_NEVER_DHCP;
	}
	return MIRROR_MIRRORED;
}

/* VPC base + 2: the network address of net/prefix plus two. */
static bool is_vpc_resolver(const struct ip_addr *a, const struct ip_addr *net, unsigned prefix)
{
	if (net->family != 4 || a->family != 4 || prefix > 30)
		return false;
	uint32_t n = (uint32_t)net->a[0] << 24 | (uint32_t)net->a[1] << 16 |
	             (uint32_t)net->a[2] << 8 | net->a[3];
	uint32_t mask = prefix ? ~0u << (32 - prefix) : 0;
	uint32_t r = (n & mask) + 2;
	uint32_t x =
	    (uint32_t)a->a[0] << 24 | (uint32_t)a->a[1] << 16 | (uint32_t)a->a[2] << 8 | a->a[3];
	return x == r;
}

static bool is_dns_server(const struct aws_eni *eni, const struct ip_addr *a)
{
	if (ipaddr_eq(a, &DNS_V4) || ipaddr_eq(a, &DNS_V6))
		return true;
	for (unsigned i = 0; eni && i < eni->nvpc; i++)
		if (is_vpc_resolver(a, &eni->vpc_net[i], eni->vpc_prefix[i]))
			return true;
	return false;
}

bool mirror_is_amazon_dns(const struct aws_eni *eni, const struct mirror_facts *f)
{
	if (!f->has_ip || !f->has_ports ||
	    (f->proto != IPPROTO_NUM_UDP && f->proto != IPPROTO_NUM_TCP))
		return false;
	return (f->dport == 53 && is_dns_server(eni, &f->dst)) ||
	       (f->sport == 53 && is_dns_server(eni, &f->src));
}

static bool port_matches(const struct aws_port_range *pr, bool has_ports, uint16_t port)
{
	if (!pr->set)
		return true;
	if (!has_ports)
		return false; /* a range needs ports to match: non-first fragments never do */
	return pr->from <= port && port <= pr->to;
}

bool mirror_rule_matches(const struct aws_rule *r, const struct mirror_facts *f)
{
	if (!f->has_ip || f->ip_ver != r->src_net.family)
		return false; /* an IPv4 rule never matches IPv6, and the reverse */
	if (r->has_proto && r->proto != f->proto)
		return false;
	if (!ipaddr_in_cidr(&f->src, &r->src_net, r->src_prefix) ||
	    !ipaddr_in_cidr(&f->dst, &r->dst_net, r->dst_prefix))
		return false;
	if (f->proto == IPPROTO_NUM_TCP || f->proto == IPPROTO_NUM_UDP) {
		if (!port_matches(&r->sport, f->has_ports, f->sport) ||
		    !port_matches(&r->dport, f->has_ports, f->dport))
			return false;
	}
	return true; /* other protocols: port ranges are ignored */
}

const struct aws_rule *mirror_filter_match(const struct aws_filter *flt, enum mirror_dir dir,
                                           const struct mirror_facts *f)
{
	for (unsigned i = 0; i < flt->nrules[dir]; i++)
		if (mirror_rule_matches(&flt->rules[dir][i], f))
			return &flt->rules[dir][i];
	return NULL;
}

uint32_t mirror_snap(const struct aws_session *s, uint32_t frame_len, enum mirror_trunc *trunc,
                     uint8_t *outer_family)
{
	const struct aws_target *t = s->target;
	uint8_t fam = 4;
	if (t && t->naddrs)
		fam = t->addrs[0].family;
	else if (s->eni && s->eni->naddrs)
		fam = s->eni->addrs[0].family;
	enum mirror_trunc why = MIRROR_TRUNC_NONE;
	uint32_t snap = frame_len;
	int64_t pl = s->packet_length;
	if (pl <= 0 && t && t->type == AWS_TARGET_NLB)
		pl = AWS_NLB_PACKET_LENGTH;
	if (pl > 0 && snap > pl) {
		snap = (uint32_t)pl;
		why = MIRROR_TRUNC_PACKET_LENGTH;
	}
	if (!t || t->type != AWS_TARGET_NLB) {
		int64_t mtu = t ? t->mtu : AWS_DEFAULT_ENI_MTU;
		int64_t max = mtu - (fam == 6 ? MIRROR_AWS_OVERHEAD_V6 : MIRROR_AWS_OVERHEAD_V4) +
		              MIRROR_INNER_L2;
		if (max < MIRROR_INNER_L2)
			max = MIRROR_INNER_L2;
		if (snap > max) {
			snap = (uint32_t)max;
			why = MIRROR_TRUNC_TARGET_MTU;
		}
	}
	if (trunc)
		*trunc = why;
	if (outer_family)
		*outer_family = fam;
	return snap;
}

void mirror_decide(const struct aws_eni *eni, enum mirror_dir dir, const struct mirror_facts *f,
                   const struct mirror_opts *opts, struct mirror_decision *d)
{
	memset(d, 0, sizeof(*d));
	d->rule_number = -1;
	enum mirror_reason never = mirror_never_class(f);
	if (never != MIRROR_MIRRORED) {
		d->reason = never;
		return;
	}
	if (!eni || !eni->nsessions) {
		d->reason = MIRROR_NO_SESSION;
		return;
	}
	bool dns = mirror_is_amazon_dns(eni, f);
	bool reject_stops = opts && opts->reject_stops;
	const struct aws_session *rejected = NULL;
	int64_t rejected_rule = -1;
	for (unsigned i = 0; i < eni->nsessions; i++) {
		const struct aws_session *s = eni->sessions[i];
		if (!s->filter)
			continue;
		int64_t rule;
		if (dns) {
			/* amazon-dns is its own switch: the rules neither add nor remove it */
			if (!s->filter->amazon_dns)
				continue;
			rule = 0;
			d->by_network_service = true;
		} else {
			const struct aws_rule *r = mirror_filter_match(s->filter, dir, f);
			if (!r)
				continue;
			if (!r->accept) {
				if (!rejected) {
					rejected = s;
					rejected_rule = r->number;
				}
				if (reject_stops)
					break;
				continue;
			}
			rule = r->number;
		}
		d->reason = MIRROR_MIRRORED;
		d->accept = true;
		d->session = s;
		d->rule_number = rule;
		d->snap = mirror_snap(s, f->frame_len, &d->trunc, &d->outer_family);
		return;
	}
	if (rejected) {
		d->reason = MIRROR_REJECTED;
		d->session = rejected;
		d->rule_number = rejected_rule;
	} else {
		d->reason = dns ? MIRROR_AMAZON_DNS : MIRROR_NO_MATCH;
	}
}

const char *mirror_reason_name(enum mirror_reason r)
{
	static const char *const names[MIRROR_REASON_COUNT] = {
	    [MIRROR_MIRRORED] = "mirrored",
	    [MIRROR_NEVER_ARP] = "never-mirrored: ARP",
	    [MIRROR_NEVER_DHCP] = "never-mirrored: DHCP",
	    [MIRROR_NEVER_IMDS] = "never-mirrored: instance metadata",
	    [MIRROR_NEVER_TIME_SYNC] = "never-mirrored: Amazon Time Sync",
	    [MIRROR_NEVER_KMS] = "never-mirrored: Windows activation (KMS)",
	    [MIRROR_NO_SESSION] = "no session on the ENI",
	    [MIRROR_AMAZON_DNS] = "Amazon DNS without the amazon-dns network service",
	    [MIRROR_REJECTED] = "rejected by a rule",
	    [MIRROR_NO_MATCH] = "no rule matched",
	};
	return (unsigned)r < MIRROR_REASON_COUNT ? names[r] : "?";
}

const char *mirror_trunc_name(enum mirror_trunc t)
{
	switch (t) {
	case MIRROR_TRUNC_PACKET_LENGTH:
		return "PacketLength";
	case MIRROR_TRUNC_TARGET_MTU:
		return "target MTU";
	default:
		return "none";
	}
}
