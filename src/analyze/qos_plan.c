/* qos_plan.c - a commented tc script from the classes seen (see qos_plan.h).
 *
 * tc-htb(8): one root class at the link rate, a child class per traffic class with a
 * guaranteed rate, ceil = link, and prio (0 first: voice; 1: interactive, video, database;
 * 2: web; 3: other, the default; 4: bulk).  DSCP filters use the IPv4 TOS byte (DSCP << 2,
 * mask 0xfc) and the IPv6 traffic class; port filters catch traffic whose marking is missing
 * or wrong, and bulk's ports come before the DSCP filters so a mis-marked bulk transfer
 * cannot enter the voice class.
 */
#include "qos_plan.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

struct pclass {
	enum tclass c;
	unsigned id, prio;
	double peak_bps, mean_bps, rate_bps;
	bool seen;
};

static void fmt_rate(double bps, char *buf, size_t len)
{
	if (bps >= 1e9 && fmod(bps, 1e9) == 0)
		snprintf(buf, len, "%.0fgbit", bps / 1e9);
	else if (bps >= 1e6)
		snprintf(buf, len, "%.0fkbit", bps / 1e3);
	else
		snprintf(buf, len, "%.0fkbit", bps / 1e3 < 8 ? 8 : bps / 1e3);
}

static double class_peak(const struct qos *q, enum tclass c, double *mean)
{
	double width;
	unsigned n;
	int64_t t0;
	qos_series(q, &width, &n, &t0);
	const struct qos_class_stats *cs = qos_class(q, c);
	double peak = 0, sum = 0;
	for (unsigned i = 0; i < n; i++) {
		double r = (double)cs->bins[i] * 8 / width;
		sum += r;
		if (r > peak)
			peak = r;
	}
	*mean = n ? sum / n : 0;
	return peak;
}

static const char *leaf_fifo(enum tclass c)
{
	return c == TC_VOICE || c == TC_INTERACTIVE ? "pfifo limit 64" : "bfifo limit %.0f";
}

static void leaf(struct strbuf *b, const struct pclass *p, enum qos_leaf mode)
{
	char fifo[64];
	double bytes = p->rate_bps / 8 * 0.05; /* 50 ms at the class rate */
	snprintf(fifo, sizeof(fifo), leaf_fifo(p->c), bytes < 30000 ? 30000 : bytes);
	switch (mode) {
	case QOS_LEAF_FQ_CODEL:
		strbuf_addf(b, "tc qdisc add dev \"$DEV\" parent 1:%u handle %u: fq_codel\n", p->id,
			    p->id);
		break;
	case QOS_LEAF_FIFO:
		strbuf_addf(b, "tc qdisc add dev \"$DEV\" parent 1:%u handle %u: %s\n", p->id, p->id,
			    fifo);
		break;
	default:
		strbuf_addf(b, "leaf 1:%u %u: \"%s\"\n", p->id, p->id, fifo);
		break;
	}
}

static unsigned tos_of(int dscp)
{
	return (unsigned)dscp << 2;
}

static void dscp_filter(struct strbuf *b, const struct pclass *p, int dscp)
{
	char n[16];
	dscp_name(dscp, n, sizeof(n));
	strbuf_addf(b, "# DSCP %s -> %s\n", n, tclass_name(p->c));
	strbuf_addf(b, "tc filter add dev \"$DEV\" parent 1: protocol ip prio 2 u32 "
		       "match ip dsfield 0x%02x 0xfc flowid 1:%u\n", tos_of(dscp), p->id);
	strbuf_addf(b, "tc filter add dev \"$DEV\" parent 1: protocol ipv6 prio 3 u32 "
		       "match ip6 priority 0x%02x 0xfc flowid 1:%u\n", tos_of(dscp), p->id);
}

static void port_filters(struct strbuf *b, const struct qos *q, const struct pclass *p,
			 unsigned prio)
{
	const struct qos_class_stats *cs = qos_class(q, p->c);
	for (unsigned i = 0; i < cs->nports; i++) {
		unsigned proto = cs->port_proto[i];
		strbuf_addf(b, "# %s port %u -> %s\n", proto == 6 ? "tcp" : "udp", cs->ports[i],
			    tclass_name(p->c));
		for (int dir = 0; dir < 2; dir++)
			strbuf_addf(b, "tc filter add dev \"$DEV\" parent 1: protocol ip prio %u u32 "
				       "match ip protocol %u 0xff match ip %s %u 0xffff flowid 1:%u\n",
				    prio, proto, dir ? "sport" : "dport", cs->ports[i], p->id);
	}
}

void qos_plan_write(struct strbuf *b, const struct qos *q, const struct finding_list *fl,
		    const struct qos_plan_cfg *cfg)
{
	static const unsigned prio[TC_COUNT] = {0, 1, 1, 1, 2, 4, 3};
	struct pclass pc[TC_COUNT];
	double total_peak = 0;
	for (int c = 0; c < TC_COUNT; c++) {
		const struct qos_class_stats *cs = qos_class(q, (enum tclass)c);
		pc[c] = (struct pclass){.c = (enum tclass)c, .id = 10 * (unsigned)(c + 1),
					.prio = prio[c],
					.seen = cs->packets > 0 || cfg->all_classes};
		pc[c].peak_bps = class_peak(q, (enum tclass)c, &pc[c].mean_bps);
		total_peak += pc[c].peak_bps;
	}
	pc[TC_OTHER].seen = true; /* the default class always exists */
	/* the link: given, or just under a detected rate limit, or the peak seen */
	double link = cfg->link_bps, limit = 0;
	const char *link_why = "given with --link-rate";
	size_t nres;
	const struct qos_rl_result *res = qos_results(q, &nres);
	const struct agg_diag *ad;
	const struct agg_table *at = qos_aggregates(q, &ad);
	for (size_t i = 0; i < nres; i++) {
		const struct rl_diag *g = &res[i].diag;
		/* a flow sharing an aggregate limit sees only its share: the aggregate counts */
		if ((g->verdict == RL_POLICER || g->verdict == RL_SHAPER) &&
		    !agg_is_member(at, ad, res[i].flow_id, !res[i].from_server) &&
		    (limit == 0 || g->rate_bps < limit))
			limit = g->rate_bps;
	}
	for (unsigned i = 0; i < at->n; i++)
		if (ad[i].verdict != RL_NONE && !ad[i].duplicate &&
		    (limit == 0 || ad[i].rate_bps < limit))
			limit = ad[i].rate_bps;
	if (link <= 0 && limit > 0) {
		link = limit * 0.95;
		link_why = "95 % of the rate limit measured on the path: queue here, where the "
			   "classes are known, not in the limit's queue or policer";
	} else if (link <= 0) {
		link = total_peak > 1e6 ? total_peak * 1.2 : 1e9;
		link_why = total_peak > 1e6 ? "120 % of the peak seen (no rate limit measured: give "
					      "--link-rate)"
					    : "a default (no traffic measured: give --link-rate)";
	}
	/* guaranteed rates: voice 2x its peak (at least 256 kbit/s, at most 30 % of the link),
	 * the others their mean (at least 1 % of the link), scaled down to fit the link */
	double sum = 0;
	for (int c = 0; c < TC_COUNT; c++) {
		struct pclass *p = &pc[c];
		if (!p->seen)
			continue;
		if (c == TC_VOICE) {
			p->rate_bps = fmax(2 * p->peak_bps, 256e3);
			p->rate_bps = fmin(p->rate_bps, 0.3 * link);
		} else {
			p->rate_bps = fmax(p->mean_bps, 0.01 * link);
		}
		sum += p->rate_bps;
	}
	double scale = sum > link ? (link - pc[TC_VOICE].rate_bps) / (sum - pc[TC_VOICE].rate_bps) : 1;
	for (int c = 0; c < TC_COUNT; c++)
		if (pc[c].seen && c != TC_VOICE && scale < 1)
			pc[c].rate_bps *= scale;

	char r[32], ceil[32];
	fmt_rate(link, ceil, sizeof(ceil));
	strbuf_adds(b, "#!/bin/sh\n# vxscope qos plan");
	for (int i = 0; i < cfg->nfiles; i++)
		strbuf_addf(b, " %s", cfg->files[i]);
	strbuf_addf(b, "\n#\n# A Linux tc configuration for the egress of one interface, from the "
		       "traffic classes\n# seen in the capture (docs/qos.md).  Read it before "
		       "applying: it replaces the root\n# qdisc of the interface.  Usage: sh "
		       "THIS-SCRIPT [DEV]   (default %s)\n#\n",
		    cfg->iface ? cfg->iface : "eth0");
	strbuf_addf(b, "# Link rate %s: %s.\n#\n# class        prio  measured mean / peak  "
		       "guaranteed  ceil\n", ceil, link_why);
	for (int c = 0; c < TC_COUNT; c++) {
		if (!pc[c].seen)
			continue;
		fmt_rate(pc[c].rate_bps, r, sizeof(r));
		strbuf_addf(b, "# 1:%-3u %-11s %u   %8.3f / %8.3f Mbit/s  %-10s  %s\n", pc[c].id,
			    tclass_name(pc[c].c), pc[c].prio, pc[c].mean_bps / 1e6,
			    pc[c].peak_bps / 1e6, r, ceil);
	}
	for (size_t i = 0; i < nres; i++) {
		const struct rl_diag *g = &res[i].diag;
		if (g->verdict != RL_POLICER && g->verdict != RL_SHAPER)
			continue;
		strbuf_addf(b, "# Measured: a %s at ~%.2f Mbit/s (flow %llu, %s, +%.1f ms queue)\n",
			    rl_verdict_name(g->verdict), g->rate_bps / 1e6,
			    (unsigned long long)res[i].flow_id, tclass_name(res[i].cls),
			    g->added_ms > 0 ? g->added_ms : 0);
	}
	if (cfg->probe_note)
		strbuf_addf(b, "# Leaves: %s\n", cfg->probe_note);
	strbuf_addf(b, "\nset -eu\nDEV=${1:-%s}\n\n", cfg->iface ? cfg->iface : "eth0");
	if (cfg->leaf == QOS_LEAF_AUTO)
		strbuf_adds(b, "# leaf CLASSID HANDLE FIFO: fq_codel where the kernel has it, the "
			       "fifo otherwise\nleaf() {\n\tif ! tc qdisc add dev \"$DEV\" parent "
			       "\"$1\" handle \"$2\" fq_codel 2>/dev/null; then\n\t\techo \"$DEV $1: "
			       "no fq_codel here, leaf $3\" >&2\n\t\ttc qdisc add dev \"$DEV\" parent "
			       "\"$1\" handle \"$2\" $3\n\tfi\n}\n\n");
	strbuf_addf(b, "tc qdisc del dev \"$DEV\" root 2>/dev/null || true\n"
		       "tc qdisc add dev \"$DEV\" root handle 1: htb default %u r2q 100\n"
		       "tc class add dev \"$DEV\" parent 1: classid 1:1 htb rate %s ceil %s\n",
		    pc[TC_OTHER].id, ceil, ceil);
	for (int c = 0; c < TC_COUNT; c++) {
		if (!pc[c].seen)
			continue;
		fmt_rate(pc[c].rate_bps, r, sizeof(r));
		strbuf_addf(b, "# %s\ntc class add dev \"$DEV\" parent 1:1 classid 1:%u htb rate %s "
			       "ceil %s prio %u\n",
			    tclass_name(pc[c].c), pc[c].id, r, ceil, pc[c].prio);
		leaf(b, &pc[c], cfg->leaf);
	}
	strbuf_adds(b, "\n# filters: bulk's ports first (a bulk transfer marked high must not "
		       "reach the voice class),\n# then DSCP, then the ports of classes seen "
		       "unmarked; everything else goes to the default class\n");
	if (pc[TC_BULK].seen)
		port_filters(b, q, &pc[TC_BULK], 1);
	for (int c = 0; c < TC_COUNT; c++) {
		if (!pc[c].seen || c == TC_OTHER || c == TC_WEB || c == TC_BULK)
			continue;
		const struct qos_class_stats *cs = qos_class(q, (enum tclass)c);
		int want = tclass_dscp((enum tclass)c);
		bool did_want = false;
		for (int d = 1; d < 64; d++) {
			if (!(cs->dscp_mask >> d & 1))
				continue;
			dscp_filter(b, &pc[c], d);
			did_want |= d == want;
		}
		if (!did_want && want)
			dscp_filter(b, &pc[c], want);
	}
	for (int c = 0; c < TC_COUNT; c++)
		if (pc[c].seen && c != TC_OTHER && c != TC_BULK)
			port_filters(b, q, &pc[c], 4);
	/* MTU: a black hole seen -> clamp the MSS on the router */
	for (size_t i = 0; fl && i < fl->n; i++) {
		const struct finding *f = &fl->v[i];
		if (strcmp(f->kind, "mtu.pmtu_blackhole") && strcmp(f->kind, "mtu.pmtud_slow"))
			continue;
		strbuf_addf(b, "\n# MTU: %s\n#   %s\n", f->title, f->where);
		/* a next-hop MTU from ICMP when one came ("MTU %u)" in the title), else 1400 */
		unsigned mtu = 1400;
		const char *m = strstr(f->title, "MTU ");
		bool from_icmp = m && !strcmp(f->kind, "mtu.pmtud_slow") &&
				 sscanf(m + 4, "%u", &mtu) == 1;
		if (mtu < 576 || mtu > 9000) {
			mtu = 1400;
			from_icmp = false;
		}
		strbuf_addf(b, "# Clamp the TCP MSS of every connection forwarded here to %u (path "
			       "MTU %u - 40%s),\n# so no segment needs the ICMP 'fragmentation "
			       "needed' that is lost on the path\n# (TCPMSS only lowers an MSS, never "
			       "raises it):\niptables -t mangle -C FORWARD -p tcp --tcp-flags SYN,RST "
			       "SYN -j TCPMSS --set-mss %u 2>/dev/null ||\n\tiptables -t mangle -A "
			       "FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss %u\n",
			    mtu - 40, mtu,
			    from_icmp ? ", from ICMP"
				      : "; 1400 assumed, no ICMP told it: lower it if large segments "
					"still vanish",
			    mtu - 40, mtu - 40);
		strbuf_adds(b, "# Where this router owns the smaller link, --clamp-mss-to-pmtu does "
			       "the same from the\n# outgoing interface's MTU:\n#   iptables -t "
			       "mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS "
			       "--clamp-mss-to-pmtu\n# Or lower the MTU of the sending host's "
			       "interface (ip link set dev IF mtu N),\n# and stop filtering ICMP type 3 "
			       "code 4 (IPv6: type 2) on the path: PMTUD needs it.\n");
		break;
	}
	strbuf_adds(b, "\ntc -s class show dev \"$DEV\" >/dev/null\necho \"vxscope qos plan "
		       "applied on $DEV\" >&2\n");
}
