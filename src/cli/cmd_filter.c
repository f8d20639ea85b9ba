/* cmd_filter.c - `vxscope filter check|explain`: validate and print an AWS Traffic Mirroring
 * configuration; say, for each packet of a capture, which session and rule would mirror it,
 * and what that costs.
 *
 * Spec: ../shared/spec/aws-mirroring.md 1-4 (through src/mirror/aws_config.h and
 * mirror_filter.h); docs/aws-model.md.  Exit: 0 valid / done, 1 configuration invalid,
 * 2 usage, 3 output write failure, 4 internal, 5 capture unreadable or damaged (the summary
 * covers what was read).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonw.h"
#include "base/strbuf.h"
#include "capture/reader.h"
#include "cli.h"
#include "decode/decode.h"
#include "decode/ipaddr.h"
#include "mirror/aws_config.h"
#include "mirror/mirror_filter.h"

enum {
	FX_OK = 0,
	FX_INVALID = 1,
	FX_USAGE = 2,
	FX_OUTPUT = 3,
	FX_INTERNAL = 4,
	FX_INPUT = 5,
};

#define OPT_MAX_RULES    0x3001
#define OPT_PER_DIR      0x3002
#define OPT_REJECT_STOPS 0x3003
#define OPT_PRICE        0x3004
#define OPT_PACKETS      0x3005
#define OPT_CAPTURE      0x3006
#define OPT_ENI          0x3007

static void filter_usage(FILE *f)
{
	fputs(
	    "usage: vxscope filter check CONFIG... [options]\n"
	    "       vxscope filter explain CONFIG... --capture FILE [--eni ENI] [options]\n"
	    "\n"
	    "CONFIG: JSON printed by `aws ec2 describe-traffic-mirror-filters`, `-sessions`,\n"
	    "`-targets` (alone or combined in one file), and the vxscope host map\n"
	    "(docs/aws-model.md).  Files merge.\n"
	    "\n"
	    "check: validate every rule of the AWS model and print the rule tables and the\n"
	    "sessions in evaluation order.  Exit 0 valid, 1 invalid, 2 usage; warnings on stderr.\n"
	    "\n"
	    "explain: for each packet of the capture (traffic of one source ENI), which session\n"
	    "and rule would mirror it or why none would; per session the share of packets and\n"
	    "bytes mirrored, the mirror bandwidth and its monthly cost.\n"
	    "\n"
	    "      --capture FILE       the source's traffic (pcap or pcapng)\n"
	    "      --eni ENI            the source ENI (default: the only one with sessions)\n"
	    "      --packets            also one line per packet (before the summary)\n"
	    "      --price-per-gb X     price of a GB (10^9 bytes) of mirror traffic, e.g. 0.01\n"
	    "  -j, --json               one JSON document\n"
	    "      --reject-stops       an explicit reject ends the session walk (default: the\n"
	    "                           next session sees the packet)\n"
	    "      --max-rules N        rules per filter (default 10, both directions together)\n"
	    "      --rules-per-direction  the limit counts each direction on its own\n"
	    "  -h, --help               this text\n",
	    f);
}

struct fopts {
	bool json, packets, reject_stops, per_dir, have_price;
	unsigned max_rules;
	double price;
	const char *capture, *eni;
};

/* Load and validate; warnings and errors on stderr.  FX_OK or FX_INVALID. */
static int load_config(struct aws_config *c, char **files, int n, const struct fopts *o,
                       const char *cmd)
{
	struct aws_error err;
	aws_config_init(c);
	c->max_rules = o->max_rules;
	c->max_rules_per_direction = o->per_dir;
	for (int i = 0; i < n; i++) {
		if (aws_config_load(c, files[i], &err)) {
			fprintf(stderr, "vxscope filter %s: error: %s\n", cmd, err.msg);
			return FX_INVALID;
		}
	}
	struct aws_diags *d = calloc(1, sizeof(*d));
	if (!d) {
		fprintf(stderr, "vxscope filter %s: out of memory\n", cmd);
		return FX_INTERNAL;
	}
	int rc = aws_config_validate(c, d);
	for (unsigned i = 0; i < d->n; i++)
		fprintf(stderr, "vxscope filter %s: %s%s\n", cmd,
		        d->d[i].warning ? "" : "error: ", d->d[i].msg);
	if (d->dropped)
		fprintf(stderr, "vxscope filter %s: ... and %u more\n", cmd, d->dropped);
	if (rc)
		fprintf(stderr, "vxscope filter %s: invalid: %u error%s, %u warning%s\n", cmd,
		        d->errors, d->errors == 1 ? "" : "s", d->warnings,
		        d->warnings == 1 ? "" : "s");
	free(d);
	if (rc == -ENOMEM)
		return FX_INTERNAL;
	return rc ? FX_INVALID : FX_OK;
}

static void ports_text(const struct aws_port_range *pr, char *buf, size_t len)
{
	if (!pr->set)
		snprintf(buf, len, "any");
	else if (pr->from == pr->to)
		snprintf(buf, len, "%" PRId64, pr->from);
	else
		snprintf(buf, len, "%" PRId64 "-%" PRId64, pr->from, pr->to);
}

static const char *proto_name(int64_t p)
{
	switch (p) {
	case 1:
		return "icmp";
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 58:
		return "icmpv6";
	default:
		return NULL;
	}
}

static void proto_text(const struct aws_rule *r, char *buf, size_t len)
{
	if (!r->has_proto)
		snprintf(buf, len, "all");
	else if (proto_name(r->proto))
		snprintf(buf, len, "%" PRId64 " %s", r->proto, proto_name(r->proto));
	else
		snprintf(buf, len, "%" PRId64, r->proto);
}

static void print_rules(FILE *f, const struct aws_filter *flt, enum mirror_dir dir)
{
	fprintf(f, "  %s rules (%s), first match decides:\n", aws_dir_name(dir),
	        dir == MIRROR_INGRESS ? "received by the source" : "sent by the source");
	if (!flt->nrules[dir]) {
		fprintf(f, "    (none: no %s traffic is mirrored)\n",
		        dir == MIRROR_INGRESS ? "inbound" : "outbound");
		return;
	}
	fprintf(f, "    %-6s %-7s %-9s %-20s %-11s %-20s %-11s %s\n", "rule", "action", "protocol",
	        "source", "src ports", "destination", "dst ports", "description");
	for (unsigned i = 0; i < flt->nrules[dir]; i++) {
		const struct aws_rule *r = &flt->rules[dir][i];
		char pr[24], s[64], d[64], sp[24], dp[24];
		proto_text(r, pr, sizeof(pr));
		aws_rule_cidr(&r->src_net, r->src_prefix, s, sizeof(s));
		aws_rule_cidr(&r->dst_net, r->dst_prefix, d, sizeof(d));
		ports_text(&r->sport, sp, sizeof(sp));
		ports_text(&r->dport, dp, sizeof(dp));
		bool ports_ignored = (r->sport.set || r->dport.set) && r->has_proto &&
		                     r->proto != 6 && r->proto != 17;
		char line[512];
		snprintf(line, sizeof(line),
		         "    %-6" PRId64 " %-7s %-9s %-20s %-11s %-20s %-11s %s%s", r->number,
		         r->accept ? "accept" : "reject", pr, s, sp, d, dp,
		         r->description ? r->description : "",
		         ports_ignored ? " [ports ignored: not TCP/UDP]" : "");
		size_t n = strlen(line);
		while (n && line[n - 1] == ' ')
			line[--n] = 0;
		fprintf(f, "%s\n", line);
	}
	fprintf(f, "    %-6s %-7s (no rule matched: not mirrored)\n", "-", "-");
}

static void addrs_text(const struct ip_addr *a, unsigned n, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = 0;
	for (unsigned i = 0; i < n && off < len; i++) {
		char t[IPADDR_STRLEN];
		int k = snprintf(buf + off, len - off, "%s%s", i ? "," : "",
		                 ipaddr_format(&a[i], t, sizeof(t)));
		if (k < 0)
			break;
		off += (size_t)k;
	}
	if (!buf[0])
		snprintf(buf, len, "-");
}

/* "PacketLength 128; cut to 128 bytes after the VXLAN header" and the MTU budget. */
static void trunc_text(const struct aws_session *s, char *buf, size_t len)
{
	enum mirror_trunc why;
	uint8_t fam;
	uint32_t snap = mirror_snap(s, UINT32_MAX / 2, &why, &fam);
	const struct aws_target *t = s->target;
	char pl[48];
	if (s->packet_length > 0)
		snprintf(pl, sizeof(pl), "PacketLength %" PRId64, s->packet_length);
	else if (t && t->type == AWS_TARGET_NLB)
		snprintf(pl, sizeof(pl), "PacketLength - (NLB default %d)", AWS_NLB_PACKET_LENGTH);
	else
		snprintf(pl, sizeof(pl), "PacketLength - (whole packet)");
	if (why == MIRROR_TRUNC_TARGET_MTU)
		snprintf(buf, len,
		         "%s; frames cut to %u bytes after the VXLAN header by the target MTU %u "
		         "(inner IP packets over %u bytes truncated, IPv%u outer)",
		         pl, snap, t ? t->mtu : AWS_DEFAULT_ENI_MTU, snap - MIRROR_INNER_L2, fam);
	else
		snprintf(buf, len, "%s; frames cut to %u bytes after the VXLAN header", pl, snap);
}

static int do_check(const struct aws_config *c, const struct fopts *o)
{
	(void)o;
	FILE *f = stdout;
	for (unsigned i = 0; i < c->nfilters; i++) {
		const struct aws_filter *flt = &c->filters[i];
		fprintf(f, "filter %s%s%s%s\n", flt->id, flt->description ? " \"" : "",
		        flt->description ? flt->description : "", flt->description ? "\"" : "");
		fprintf(f, "  network services: %s\n",
		        flt->amazon_dns
		            ? "amazon-dns (Amazon DNS traffic mirrored, both directions)"
		            : "none (Amazon DNS traffic not mirrored)");
		print_rules(f, flt, MIRROR_INGRESS);
		print_rules(f, flt, MIRROR_EGRESS);
	}
	for (unsigned i = 0; i < c->ntargets; i++) {
		const struct aws_target *t = &c->targets[i];
		char a[256];
		addrs_text(t->addrs, t->naddrs, a, sizeof(a));
		fprintf(f, "target %s %s %s: send to %s%s, MTU %u\n", t->id[0] ? t->id : "-",
		        aws_target_type_name(t->type), t->resource[0] ? t->resource : "-", a,
		        t->naddrs > 1 ? " (flow-hash stickiness)" : "", t->mtu);
	}
	for (unsigned i = 0; i < c->nenis; i++) {
		const struct aws_eni *e = &c->enis[i];
		char a[256];
		addrs_text(e->addrs, e->naddrs, a, sizeof(a));
		fprintf(f, "source %s%s%s: %s\n", e->id, e->ifname[0] ? " on " : "", e->ifname, a);
		if (!e->nsessions) {
			fprintf(f, "  no sessions\n");
			continue;
		}
		fprintf(f, "  sessions in evaluation order (the first whose filter accepts mirrors "
		           "the packet, once):\n");
		for (unsigned k = 0; k < e->nsessions; k++) {
			const struct aws_session *s = e->sessions[k];
			char tr[320], ta[256] = "-";
			if (s->target)
				addrs_text(s->target->addrs, s->target->naddrs, ta, sizeof(ta));
			trunc_text(s, tr, sizeof(tr));
			fprintf(f,
			        "  %" PRId64 ". %s filter %s -> target %s (%s, %s) VNI %" PRId64
			        "\n",
			        s->number, s->id, s->filter_id, s->target_id,
			        s->target ? aws_target_type_name(s->target->type) : "unknown", ta,
			        s->vni);
			fprintf(f, "     %s\n", tr);
		}
	}
	fflush(f);
	return ferror(f) ? FX_OUTPUT : FX_OK;
}

/* --- explain --- */

#define RULE_HITS_MAX 256

struct sess_stats {
	uint64_t packets, bytes; /* original frames mirrored */
	uint64_t copy_bytes;     /* bytes after the VXLAN header */
	uint64_t wire_bytes;     /* copy + outer IP + UDP + VXLAN */
	uint64_t truncated;
	uint64_t rejected; /* packets its rules rejected */
};

struct rule_hit {
	const struct aws_session *s;
	enum mirror_dir dir;
	int64_t rule;
	bool accept;
	uint64_t packets;
};

struct explain {
	const struct aws_config *c;
	const struct aws_eni *eni;
	struct mirror_opts mo;
	uint64_t frames, considered, considered_bytes, not_eni;
	uint64_t reasons[MIRROR_REASON_COUNT], reason_bytes[MIRROR_REASON_COUNT];
	struct sess_stats *ss; /* per session of the ENI */
	struct rule_hit hits[RULE_HITS_MAX];
	unsigned nhits;
	int64_t first_ns, last_ns;
	bool have_ts;
};

static void count_hit(struct explain *x, const struct aws_session *s, enum mirror_dir dir,
                      int64_t rule, bool accept)
{
	for (unsigned i = 0; i < x->nhits; i++) {
		struct rule_hit *h = &x->hits[i];
		if (h->s == s && h->dir == dir && h->rule == rule && h->accept == accept) {
			h->packets++;
			return;
		}
	}
	if (x->nhits < RULE_HITS_MAX)
		x->hits[x->nhits++] = (struct rule_hit){s, dir, rule, accept, 1};
}

static int hit_cmp(const void *a, const void *b)
{
	const struct rule_hit *x = a, *y = b;
	if (x->dir != y->dir)
		return x->dir < y->dir ? -1 : 1;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return (int)x->accept - (int)y->accept;
}

static unsigned sess_index(const struct explain *x, const struct aws_session *s)
{
	for (unsigned i = 0; i < x->eni->nsessions; i++)
		if (x->eni->sessions[i] == s)
			return i;
	return 0;
}

static void packet_line(struct explain *x, struct jsonw *w, const struct packet *p,
                        const struct mirror_facts *f, bool have_dir, enum mirror_dir dir,
                        const struct mirror_decision *d, bool not_eni, bool json)
{
	char s[IPADDR_STRLEN], t[IPADDR_STRLEN], what[200];
	const char *verdict = not_eni ? "not the ENI's traffic" : mirror_reason_name(d->reason);
	if (json) {
		jsonw_obj_begin(w);
		jsonw_ku64(w, "frame", p->frame);
		jsonw_kstr(w, "direction", have_dir ? aws_dir_name(dir) : "");
		jsonw_kstr(w, "src", f->has_ip ? ipaddr_format(&f->src, s, sizeof(s)) : "");
		jsonw_kstr(w, "dst", f->has_ip ? ipaddr_format(&f->dst, t, sizeof(t)) : "");
		jsonw_ku64(w, "protocol", f->has_ip ? f->proto : 0);
		jsonw_ku64(w, "frame_len", f->frame_len);
		jsonw_kstr(w, "verdict", verdict);
		jsonw_kstr(w, "session", d->session ? d->session->id : "");
		jsonw_ki64(w, "rule", d->rule_number);
		jsonw_kbool(w, "network_service", d->by_network_service);
		jsonw_ku64(w, "copy_len", d->snap);
		jsonw_kstr(w, "truncated_by", mirror_trunc_name(d->trunc));
		jsonw_obj_end(w);
		return;
	}
	(void)x;
	if (d->reason == MIRROR_MIRRORED && !not_eni) {
		if (d->by_network_service)
			snprintf(what, sizeof(what), "mirrored by %s (network service amazon-dns)",
			         d->session->id);
		else
			snprintf(what, sizeof(what), "mirrored by %s rule %" PRId64 " accept",
			         d->session->id, d->rule_number);
		if (d->trunc != MIRROR_TRUNC_NONE) {
			size_t n = strlen(what);
			snprintf(what + n, sizeof(what) - n, ", %u bytes (%s)", d->snap,
			         mirror_trunc_name(d->trunc));
		}
	} else if (d->reason == MIRROR_REJECTED && !not_eni) {
		snprintf(what, sizeof(what), "not mirrored: rejected by rule %" PRId64 " of %s",
		         d->rule_number, d->session->id);
	} else {
		snprintf(what, sizeof(what), "not mirrored: %s", verdict);
	}
	char ports[40] = "";
	if (f->has_ports)
		snprintf(ports, sizeof(ports), " %u > %u", f->sport, f->dport);
	if (f->has_ip)
		printf("%" PRIu64 " %s %s > %s proto %u%s len %u: %s\n", p->frame,
		       have_dir ? aws_dir_name(dir) : "-", ipaddr_format(&f->src, s, sizeof(s)),
		       ipaddr_format(&f->dst, t, sizeof(t)), f->proto, ports, f->frame_len, what);
	else
		printf("%" PRIu64 " - ethertype 0x%04x len %u: %s\n", p->frame, f->ethertype,
		       f->frame_len, what);
}

/* Each session the walk reached: its deciding rule (a reject counts even when a later
 * session mirrored the packet). */
static void count_session_rules(struct explain *x, enum mirror_dir dir,
                                const struct mirror_facts *f, const struct mirror_decision *d)
{
	if (d->by_network_service) {
		count_hit(x, d->session, dir, 0, true);
		return;
	}
	for (unsigned i = 0; i < x->eni->nsessions; i++) {
		const struct aws_session *s = x->eni->sessions[i];
		const struct aws_rule *r =
		    s->filter ? mirror_filter_match(s->filter, dir, f) : NULL;
		if (r) {
			count_hit(x, s, dir, r->number, r->accept);
			if (!r->accept)
				x->ss[i].rejected++;
		}
		if (s == d->session && (d->accept || x->mo.reject_stops))
			break;
	}
}

static void explain_packet(struct explain *x, struct jsonw *w, const struct packet *p,
                           const struct fopts *o)
{
	struct mirror_facts f;
	struct mirror_decision d;
	mirror_facts_from_packet(&f, p);
	memset(&d, 0, sizeof(d));
	d.rule_number = -1;
	x->frames++;
	if (!x->have_ts || p->ts_ns < x->first_ns)
		x->first_ns = p->ts_ns;
	if (!x->have_ts || p->ts_ns > x->last_ns)
		x->last_ns = p->ts_ns;
	x->have_ts = true;
	enum mirror_dir dir = MIRROR_INGRESS;
	bool have_dir = false, not_eni = false;
	enum mirror_reason never = mirror_never_class(&f);
	if (never != MIRROR_MIRRORED) {
		d.reason = never;
		have_dir = mirror_direction(x->eni, &f, &dir) == 0;
	} else if (mirror_direction(x->eni, &f, &dir) == 0) {
		have_dir = true;
		mirror_decide(x->eni, dir, &f, &x->mo, &d);
	} else {
		not_eni = true;
	}
	if (not_eni) {
		x->not_eni++;
	} else {
		x->considered++;
		x->considered_bytes += f.frame_len;
		x->reasons[d.reason]++;
		x->reason_bytes[d.reason] += f.frame_len;
		if (d.session && d.reason == MIRROR_MIRRORED) {
			struct sess_stats *st = &x->ss[sess_index(x, d.session)];
			st->packets++;
			st->bytes += f.frame_len;
			st->copy_bytes += d.snap;
			st->wire_bytes += d.snap + (d.outer_family == 6 ? MIRROR_WIRE_OVERHEAD_V6
			                                                : MIRROR_WIRE_OVERHEAD_V4);
			st->truncated += d.trunc != MIRROR_TRUNC_NONE;
		}
		if (have_dir && never == MIRROR_MIRRORED)
			count_session_rules(x, dir, &f, &d);
	}
	if (o->packets)
		packet_line(x, w, p, &f, have_dir, dir, &d, not_eni, o->json);
}

static double pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0.0;
}

#define MONTH_S (30.0 * 86400.0)

static void summary_text(const struct explain *x, const struct fopts *o)
{
	double dur = x->have_ts ? (double)(x->last_ns - x->first_ns) / 1e9 : 0;
	printf("source %s: %" PRIu64 " frames over %.3f s; %" PRIu64 " of them (%" PRIu64
	       " bytes) the ENI's traffic, %" PRIu64 " neither from nor to its addresses\n",
	       x->eni->id, x->frames, dur, x->considered, x->considered_bytes, x->not_eni);
	printf("verdicts (packets, bytes):\n");
	for (int r = 0; r < MIRROR_REASON_COUNT; r++) {
		if (!x->reasons[r])
			continue;
		printf("  %-52s %10" PRIu64 " %6.2f%% %12" PRIu64 " %6.2f%%\n",
		       mirror_reason_name((enum mirror_reason)r), x->reasons[r],
		       pct(x->reasons[r], x->considered), x->reason_bytes[r],
		       pct(x->reason_bytes[r], x->considered_bytes));
	}
	printf("sessions:\n");
	for (unsigned i = 0; i < x->eni->nsessions; i++) {
		const struct aws_session *s = x->eni->sessions[i];
		const struct sess_stats *st = &x->ss[i];
		printf("  %" PRId64 ". %s (VNI %" PRId64 ", target %s): %" PRIu64
		       " packets (%.2f%%), %" PRIu64 " bytes (%.2f%%) mirrored; %" PRIu64
		       " truncated; %" PRIu64 " rejected by its rules\n",
		       s->number, s->id, s->vni, s->target_id, st->packets,
		       pct(st->packets, x->considered), st->bytes,
		       pct(st->bytes, x->considered_bytes), st->truncated, st->rejected);
		double bps = dur > 0 ? (double)st->wire_bytes * 8.0 / dur : 0;
		printf("     mirror traffic %" PRIu64 " bytes incl. VXLAN+UDP+IP (%" PRIu64
		       " after the VXLAN header): %.0f bit/s",
		       st->wire_bytes, st->copy_bytes, bps);
		if (o->have_price && dur > 0) {
			double gb = (double)st->wire_bytes / dur * MONTH_S / 1e9;
			printf(", %.1f GB/month, %.2f per month at %.4f per GB", gb, gb * o->price,
			       o->price);
		}
		printf("\n");
		for (unsigned h = 0; h < x->nhits; h++)
			if (x->hits[h].s == s)
				printf("     %s rule %" PRId64 " %s: %" PRIu64 " packets\n",
				       aws_dir_name(x->hits[h].dir), x->hits[h].rule,
				       x->hits[h].rule == 0 ? "(amazon-dns)"
				       : x->hits[h].accept  ? "accept"
				                            : "reject",
				       x->hits[h].packets);
	}
	if (o->have_price)
		printf(
		    "cost assumes a 30-day month with traffic repeating at the capture's average "
		    "rate, GB = 10^9 bytes of mirror traffic (outer IP and above)\n");
}

static void summary_json(const struct explain *x, struct jsonw *w, const struct fopts *o)
{
	double dur = x->have_ts ? (double)(x->last_ns - x->first_ns) / 1e9 : 0;
	jsonw_key(w, "summary");
	jsonw_obj_begin(w);
	jsonw_kstr(w, "eni", x->eni->id);
	jsonw_ku64(w, "frames", x->frames);
	jsonw_ku64(w, "eni_packets", x->considered);
	jsonw_ku64(w, "eni_bytes", x->considered_bytes);
	jsonw_ku64(w, "not_eni_packets", x->not_eni);
	jsonw_kfixed(w, "duration_s", dur, 6);
	jsonw_key(w, "verdicts");
	jsonw_obj_begin(w);
	for (int r = 0; r < MIRROR_REASON_COUNT; r++) {
		if (!x->reasons[r])
			continue;
		jsonw_key(w, mirror_reason_name((enum mirror_reason)r));
		jsonw_obj_begin(w);
		jsonw_ku64(w, "packets", x->reasons[r]);
		jsonw_ku64(w, "bytes", x->reason_bytes[r]);
		jsonw_obj_end(w);
	}
	jsonw_obj_end(w);
	jsonw_key(w, "sessions");
	jsonw_arr_begin(w);
	for (unsigned i = 0; i < x->eni->nsessions; i++) {
		const struct aws_session *s = x->eni->sessions[i];
		const struct sess_stats *st = &x->ss[i];
		double bps = dur > 0 ? (double)st->wire_bytes * 8.0 / dur : 0;
		jsonw_obj_begin(w);
		jsonw_kstr(w, "session", s->id);
		jsonw_ki64(w, "session_number", s->number);
		jsonw_ki64(w, "vni", s->vni);
		jsonw_kstr(w, "target", s->target_id);
		jsonw_ku64(w, "packets", st->packets);
		jsonw_ku64(w, "bytes", st->bytes);
		jsonw_kfixed(w, "packets_pct", pct(st->packets, x->considered), 2);
		jsonw_kfixed(w, "bytes_pct", pct(st->bytes, x->considered_bytes), 2);
		jsonw_ku64(w, "copy_bytes", st->copy_bytes);
		jsonw_ku64(w, "wire_bytes", st->wire_bytes);
		jsonw_ku64(w, "truncated", st->truncated);
		jsonw_ku64(w, "rejected", st->rejected);
		jsonw_kfixed(w, "mirror_bps", bps, 0);
		if (o->have_price && dur > 0) {
			double gb = (double)st->wire_bytes / dur * MONTH_S / 1e9;
			jsonw_kfixed(w, "gb_per_month", gb, 3);
			jsonw_kfixed(w, "cost_per_month", gb * o->price, 2);
		}
		jsonw_key(w, "rules");
		jsonw_arr_begin(w);
		for (unsigned h = 0; h < x->nhits; h++) {
			if (x->hits[h].s != s)
				continue;
			jsonw_obj_begin(w);
			jsonw_kstr(w, "direction", aws_dir_name(x->hits[h].dir));
			jsonw_ki64(w, "rule", x->hits[h].rule);
			jsonw_kstr(w, "action", x->hits[h].accept ? "accept" : "reject");
			jsonw_ku64(w, "packets", x->hits[h].packets);
			jsonw_obj_end(w);
		}
		jsonw_arr_end(w);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	if (o->have_price) {
		jsonw_kfixed(w, "price_per_gb", o->price, 4);
		jsonw_kstr(w, "cost_assumptions",
		           "30-day month, traffic repeating at the capture's average rate, "
		           "GB = 10^9 bytes of mirror traffic (outer IP and above)");
	}
	jsonw_obj_end(w);
}

static const struct aws_eni *pick_eni(const struct aws_config *c, const char *id)
{
	if (id) {
		const struct aws_eni *e = aws_config_eni(c, id);
		if (!e)
			e = aws_config_eni_by_ifname(c, id);
		if (!e)
			fprintf(stderr,
			        "vxscope filter explain: --eni %s: no such ENI in the "
			        "configuration\n",
			        id);
		return e;
	}
	const struct aws_eni *found = NULL;
	for (unsigned i = 0; i < c->nenis; i++) {
		if (!c->enis[i].nsessions)
			continue;
		if (found) {
			fprintf(stderr,
			        "vxscope filter explain: several source ENIs have sessions "
			        "(%s, %s, ...): say which with --eni\n",
			        found->id, c->enis[i].id);
			return NULL;
		}
		found = &c->enis[i];
	}
	if (!found)
		fprintf(stderr, "vxscope filter explain: no session names a source ENI\n");
	return found;
}

static int do_explain(const struct aws_config *c, const struct fopts *o)
{
	struct explain x;
	memset(&x, 0, sizeof(x));
	x.c = c;
	x.mo.reject_stops = o->reject_stops;
	x.eni = pick_eni(c, o->eni);
	if (!x.eni)
		return FX_USAGE;
	if (!x.eni->naddrs) {
		fprintf(stderr,
		        "vxscope filter explain: %s has no addresses in the host map "
		        "(VxscopeHostMap.NetworkInterfaces): the direction of a packet cannot be "
		        "decided\n",
		        x.eni->id);
		return FX_INVALID;
	}
	x.ss = calloc(x.eni->nsessions ? x.eni->nsessions : 1, sizeof(*x.ss));
	if (!x.ss)
		return FX_INTERNAL;
	struct capture_reader *r;
	char err[512];
	if (capture_open(&r, o->capture, err, sizeof(err))) {
		fprintf(stderr, "vxscope filter explain: %s: %s\n", o->capture, err);
		free(x.ss);
		return FX_INPUT;
	}
	struct decode_cfg dc;
	decode_cfg_default(&dc);
	dc.peel_tunnels = false; /* the source's own traffic: a tunnel in it is just UDP */
	struct strbuf b;
	struct jsonw w;
	strbuf_init(&b, stdout);
	jsonw_init(&w, &b);
	if (o->json) {
		jsonw_obj_begin(&w);
		jsonw_kstr(&w, "capture", o->capture);
		if (o->packets) {
			jsonw_key(&w, "packets");
			jsonw_arr_begin(&w);
		}
	}
	struct packet p;
	memset(&p, 0, sizeof(p));
	enum capture_status st;
	while ((st = capture_next(r, &p)) == CAPTURE_FRAME) {
		decode_frame(&dc, &p);
		explain_packet(&x, &w, &p, o);
		if (o->json)
			(void)strbuf_maybe_flush(&b);
	}
	qsort(x.hits, x.nhits, sizeof(x.hits[0]), hit_cmp);
	int rc = FX_OK;
	if (st != CAPTURE_EOF) {
		fprintf(stderr,
		        "vxscope filter explain: %s: %s%s; %" PRIu64 " frames read before it\n",
		        o->capture, st == CAPTURE_IOERR ? "read error: " : "damaged capture: ",
		        capture_error(r), x.frames);
		rc = FX_INPUT;
	}
	capture_close(r);
	if (o->json) {
		if (o->packets)
			jsonw_arr_end(&w);
		summary_json(&x, &w, o);
		jsonw_obj_end(&w);
		(void)jsonw_record_end(&w);
	} else {
		fflush(stdout);
		summary_text(&x, o);
	}
	int wr = strbuf_flush(&b);
	strbuf_fini(&b);
	fflush(stdout);
	if (wr || ferror(stdout)) {
		fprintf(stderr, "vxscope filter explain: writing stdout failed\n");
		rc = FX_OUTPUT;
	}
	free(x.ss);
	return rc;
}

int cmd_filter(int argc, char **argv)
{
	static const struct option lopts[] = {
	    {"json", no_argument, 0, 'j'},
	    {"help", no_argument, 0, 'h'},
	    {"max-rules", required_argument, 0, OPT_MAX_RULES},
	    {"rules-per-direction", no_argument, 0, OPT_PER_DIR},
	    {"reject-stops", no_argument, 0, OPT_REJECT_STOPS},
	    {"price-per-gb", required_argument, 0, OPT_PRICE},
	    {"packets", no_argument, 0, OPT_PACKETS},
	    {"capture", required_argument, 0, OPT_CAPTURE},
	    {"eni", required_argument, 0, OPT_ENI},
	    {0, 0, 0, 0},
	};
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		filter_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? FX_USAGE : FX_OK;
	}
	const char *sub = argv[1];
	bool explain = !strcmp(sub, "explain");
	if (!explain && strcmp(sub, "check")) {
		fprintf(stderr, "vxscope filter: unknown subcommand '%s' (check or explain)\n",
		        sub);
		filter_usage(stderr);
		return FX_USAGE;
	}
	struct fopts o;
	memset(&o, 0, sizeof(o));
	o.max_rules = AWS_RULES_PER_FILTER;
	argc--;
	argv++;
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "jh", lopts, NULL)) != -1) {
		uint64_t v;
		char *end;
		switch (ch) {
		case 'j':
			o.json = true;
			break;
		case 'h':
			filter_usage(stdout);
			return FX_OK;
		case OPT_MAX_RULES:
			if (!cli_parse_u64(optarg, 1, 100000, "--max-rules", &v))
				return FX_USAGE;
			o.max_rules = (unsigned)v;
			break;
		case OPT_PER_DIR:
			o.per_dir = true;
			break;
		case OPT_REJECT_STOPS:
			o.reject_stops = true;
			break;
		case OPT_PRICE:
			errno = 0;
			o.price = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o.price >= 0) || o.price > 1e6) {
				fprintf(stderr,
				        "vxscope filter: --price-per-gb '%s': not a price "
				        "(a number >= 0, e.g. 0.01)\n",
				        optarg);
				return FX_USAGE;
			}
			o.have_price = true;
			break;
		case OPT_PACKETS:
			o.packets = true;
			break;
		case OPT_CAPTURE:
			o.capture = optarg;
			break;
		case OPT_ENI:
			o.eni = optarg;
			break;
		default:
			filter_usage(stderr);
			return FX_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "vxscope filter %s: need at least one CONFIG file\n", sub);
		return FX_USAGE;
	}
	if (explain && !o.capture) {
		fprintf(stderr, "vxscope filter explain: need --capture FILE\n");
		return FX_USAGE;
	}
	if (!explain && (o.capture || o.packets || o.have_price || o.eni || o.json)) {
		fprintf(stderr, "vxscope filter check: --capture, --eni, --packets, --json and "
		                "--price-per-gb belong to 'filter explain'\n");
		return FX_USAGE;
	}
	struct aws_config c;
	int rc = load_config(&c, argv + optind, argc - optind, &o, sub);
	if (rc == FX_OK)
		rc = explain ? do_explain(&c, &o) : do_check(&c, &o);
	aws_config_free(&c);
	return rc;
}
