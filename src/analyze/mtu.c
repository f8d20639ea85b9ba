/* mtu.c - MTU and fragmentation per path (see mtu.h).  ICMP type 3 code 4 carries the
 * next-hop MTU (RFC 1191 section 4); ICMPv6 type 2 the MTU (RFC 4443 section 3.2). */
#include "mtu.h"

#include <stdio.h>
#include <string.h>

#include "decode/ipaddr.h"

void mtu_init(struct mtu_table *t)
{
	memset(t, 0, sizeof(*t));
	memset(t->slot, 0xff, sizeof(t->slot));
}

static uint64_t path_hash(const struct ip_addr *s, const struct ip_addr *d)
{
	uint64_t h = 1469598103934665603ULL;
	for (int i = 0; i < 16; i++) {
		h = (h ^ s->a[i]) * 1099511628211ULL;
		h = (h ^ d->a[i]) * 1099511628211ULL;
	}
	return h ^ s->family;
}

struct mtu_path *mtu_path_get(struct mtu_table *t, const struct ip_addr *src,
			      const struct ip_addr *dst)
{
	uint32_t mask = 2 * MTU_PATHS - 1;
	for (uint32_t i = (uint32_t)path_hash(src, dst) & mask, k = 0; k <= mask;
	     i = (i + 1) & mask, k++) {
		int32_t s = t->slot[i];
		if (s < 0) {
			if (t->n == MTU_PATHS) {
				t->dropped++;
				return NULL;
			}
			struct mtu_path *p = &t->v[t->n];
			memset(p, 0, sizeof(*p));
			p->src = *src;
			p->dst = *dst;
			p->mss_sender = p->mss_receiver = -1;
			t->slot[i] = (int32_t)t->n++;
			return p;
		}
		struct mtu_path *p = &t->v[s];
		if (ipaddr_eq(&p->src, src) && ipaddr_eq(&p->dst, dst))
			return p;
	}
	t->dropped++;
	return NULL;
}

void mtu_packet(struct mtu_table *t, const struct packet *p)
{
	if (!p->has_ip)
		return;
	if (p->is_fragment) {
		struct mtu_path *m = mtu_path_get(t, &p->src, &p->dst);
		if (m) {
			if (!m->fragments)
				m->first_fragment_frame = p->frame;
			m->fragments++;
		}
		return;
	}
	bool too_big = (p->proto == IPPROTO_NUM_ICMP && p->icmp_type == 3 && p->icmp_code == 4) ||
		       (p->proto == IPPROTO_NUM_ICMPV6 && p->icmp_type == 2);
	if (!too_big || !p->icmp_inner.valid)
		return;
	struct mtu_path *m = mtu_path_get(t, &p->icmp_inner.src, &p->icmp_inner.dst);
	if (!m)
		return;
	if (!m->icmp_too_big)
		m->icmp_first_frame = p->frame;
	m->icmp_too_big++;
	m->icmp_mtu = p->proto == IPPROTO_NUM_ICMP ? p->icmp_mtu : p->icmp_mtu32;
}

static void path_label(const struct mtu_path *m, char *buf, size_t len)
{
	char a[IPADDR_STRLEN], b[IPADDR_STRLEN];
	snprintf(buf, len, "%s -> %s", ipaddr_format(&m->src, a, sizeof(a)),
		 ipaddr_format(&m->dst, b, sizeof(b)));
}

static void path_filter(const struct mtu_path *m, const char *extra, char *buf, size_t len)
{
	char a[IPADDR_STRLEN], b[IPADDR_STRLEN];
	const char *ip = m->src.family == 6 ? "ipv6" : "ip";
	snprintf(buf, len, "%s && %s.src == %s && %s.dst == %s", extra, ip,
		 ipaddr_format(&m->src, a, sizeof(a)), ip, ipaddr_format(&m->dst, b, sizeof(b)));
}

void mtu_findings(const struct mtu_table *t, struct finding_list *out)
{
	const struct mtu_path *frag = NULL, *icmp = NULL;
	uint64_t nfrag = 0, nicmp = 0, pfrag = 0, picmp = 0;
	for (uint32_t i = 0; i < t->n; i++) {
		const struct mtu_path *m = &t->v[i];
		if (m->fragments) {
			nfrag += m->fragments;
			pfrag++;
			if (!frag || m->fragments > frag->fragments)
				frag = m;
		}
		if (m->icmp_too_big) {
			nicmp += m->icmp_too_big;
			picmp++;
			if (!icmp || m->icmp_too_big > icmp->icmp_too_big)
				icmp = m;
		}
	}
	char l[128];
	if (frag) {
		struct finding *f = finding_new(out, SEV_LOW, "mtu", "mtu.fragments", (double)nfrag);
		if (!f)
			return;
		path_label(frag, l, sizeof(l));
		snprintf(f->title, sizeof(f->title), "%llu IP fragments on %llu paths (most: %s)",
			 (unsigned long long)nfrag, (unsigned long long)pfrag, l);
		snprintf(f->where, sizeof(f->where), "%s", l);
		finding_fact(f, "fragments", (double)nfrag, "");
		finding_fact(f, "paths with fragments", (double)pfrag, "");
		finding_fact(f, "fragments on this path", (double)frag->fragments, "");
		finding_frame(f, frag->first_fragment_frame);
		path_filter(frag, "(ip.flags.mf == 1 || ip.frag_offset > 0 || ipv6.fragment)",
			    f->display_filter, sizeof(f->display_filter));
		snprintf(f->cause, sizeof(f->cause),
			 "datagrams larger than the path MTU are fragmented (by the sender, or by a "
			 "router when DF is clear): one lost fragment loses the datagram, and "
			 "firewalls and load balancers often drop fragments");
		snprintf(f->action, sizeof(f->action),
			 "send smaller datagrams (UDP applications, DNS EDNS buffer size), or raise "
			 "the MTU along the path; for TCP, clamp the MSS");
		f->confidence = CONF_HIGH;
	}
	if (icmp) {
		struct finding *f = finding_new(out, SEV_INFO, "mtu", "mtu.icmp_too_big", (double)nicmp);
		if (!f)
			return;
		path_label(icmp, l, sizeof(l));
		snprintf(f->title, sizeof(f->title),
			 "Routers reported a smaller MTU (%u) for %s: %llu ICMP 'too big' messages on "
			 "%llu paths (path MTU discovery at work)",
			 icmp->icmp_mtu, l, (unsigned long long)nicmp, (unsigned long long)picmp);
		snprintf(f->where, sizeof(f->where), "%s", l);
		finding_fact(f, "ICMP too-big messages", (double)nicmp, "");
		finding_fact(f, "next-hop MTU", icmp->icmp_mtu, "bytes");
		finding_fact(f, "largest packet on the path", icmp->max_ip_len, "bytes");
		if (icmp->mss_receiver >= 0)
			finding_fact(f, "MSS advertised by the receiver", icmp->mss_receiver, "bytes");
		finding_frame(f, icmp->icmp_first_frame);
		snprintf(f->display_filter, sizeof(f->display_filter),
			 "(icmp.type == 3 && icmp.code == 4) || icmpv6.type == 2");
		snprintf(f->cause, sizeof(f->cause),
			 "a link on the path has a smaller MTU than the sender's; the ICMP message "
			 "gets through, so senders shrink their packets (a lost first packet per "
			 "connection and destination)");
		snprintf(f->action, sizeof(f->action),
			 "nothing is broken; to avoid the first loss, clamp the MSS at the edge of the "
			 "smaller link or align the MTUs");
		f->confidence = CONF_HIGH;
	}
}
