/* qos_findings.c - rate limits and the DSCP/ECN marking audit as ranked findings (qos.h,
 * thresholds in rate_limit.h and docs/qos.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/qos.h"
#include "decode/ipaddr.h"

static int by_bytes(const void *a, const void *b)
{
	const struct qos_rl_result *x = a, *y = b;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return x->flow_id < y->flow_id ? -1 : x->flow_id > y->flow_id;
}

static void endpoint(const struct ip_addr *a, uint16_t port, char *buf, size_t len)
{
	char s[IPADDR_STRLEN];
	ipaddr_format(a, s, sizeof(s));
	snprintf(buf, len, a->family == 6 ? "[%s]:%u" : "%s:%u", s, port);
}

static void session_suffix(const struct qos_rl_result *r, char *buf, size_t len)
{
	char o[IPADDR_STRLEN];
	if (r->sess_kind == TUN_NONE) {
		buf[0] = 0;
		return;
	}
	ipaddr_format(&r->sess_src, o, sizeof(o));
	if (r->sess_has_id)
		snprintf(buf, len, " in session vni %u from %s", r->sess_id, o);
	else
		snprintf(buf, len, " in tunnel from %s", o);
}

static void flow_filter(const struct ip_addr *s, uint16_t sp, const struct ip_addr *d, uint16_t dp,
			const char *l4, const char *extra, char *buf, size_t len)
{
	char a[IPADDR_STRLEN], b[IPADDR_STRLEN];
	const char *ip = s->family == 6 ? "ipv6" : "ip";
	snprintf(buf, len, "%s.src == %s && %s.srcport == %u && %s.dst == %s && %s.dstport == %u%s%s",
		 ip, ipaddr_format(s, a, sizeof(a)), l4, sp, ip, ipaddr_format(d, b, sizeof(b)), l4,
		 dp, extra ? " && " : "", extra ? extra : "");
}

static void rl_finding(const struct qos_rl_result *r, unsigned same, struct finding_list *out)
{
	const struct rl_diag *g = &r->diag;
	enum rl_verdict v = g->verdict;
	if (v != RL_POLICER && v != RL_SHAPER && v != RL_CONGESTION && v != RL_RECEIVER)
		return;
	bool limit = v == RL_POLICER || v == RL_SHAPER;
	bool critical = r->cls == TC_DATABASE || r->cls == TC_VOICE;
	enum severity sev = limit ? (critical ? SEV_CRITICAL : SEV_HIGH)
				  : v == RL_CONGESTION ? SEV_MEDIUM : SEV_LOW;
	char kind[48];
	snprintf(kind, sizeof(kind), "qos.%s", v == RL_RECEIVER ? "receiver_limited" : rl_verdict_name(v));
	struct finding *f = finding_new(out, sev, "qos", kind, (double)r->bytes / 1e6);
	if (!f)
		return;
	char s[64], d[64], sess[96];
	endpoint(&r->src, r->sport, s, sizeof(s));
	endpoint(&r->dst, r->dport, d, sizeof(d));
	session_suffix(r, sess, sizeof(sess));
	double mbps = g->rate_bps / 1e6;
	const char *what = v == RL_POLICER ? "a policer (drops above the rate)"
			   : "a shaper (queues above the rate)";
	if (limit && r->cls == TC_DATABASE)
		snprintf(f->title, sizeof(f->title),
			 "Critical database %straffic %s -> %s is throttled by a rate limit of ~%.1f "
			 "Mbit/s (%s), causing high application latency",
			 r->bytes >= 1000000 ? "replication " : "", s, d, mbps,
			 v == RL_POLICER ? "policer" : "shaper");
	else if (limit)
		snprintf(f->title, sizeof(f->title),
			 "%s traffic %s -> %s is held to ~%.1f Mbit/s by %s", tclass_name(r->cls), s, d,
			 mbps, what);
	else if (v == RL_CONGESTION)
		snprintf(f->title, sizeof(f->title),
			 "%s -> %s is limited by congestion or random loss (%.2f%% resent, no fixed "
			 "rate ceiling)", s, d, g->loss * 100);
	else
		snprintf(f->title, sizeof(f->title),
			 "%s -> %s is limited by its receiver (zero window / window full in %u of %u "
			 "intervals)", s, d, g->rwnd_bins, g->bins);
	f->title[0] = (char)(f->title[0] >= 'a' && f->title[0] <= 'z' ? f->title[0] - 32 : f->title[0]);
	snprintf(f->where, sizeof(f->where), "flow %llu: %s -> %s (%s)%s%s",
		 (unsigned long long)r->flow_id, s, d, tclass_name(r->cls), sess,
		 same > 1 ? " and more flows with the same verdict" : "");
	if (limit)
		finding_fact(f, "estimated rate (IP layer)", mbps, "Mbit/s");
	finding_fact(f, "mean delivered rate", g->mean_bps / 1e6, "Mbit/s");
	finding_fact(f, "intervals on the plateau", g->plateau_frac * 100, "%");
	finding_fact(f, "resent segments", (double)r->rtx_segs, "");
	finding_fact(f, "loss (resent/sent)", g->loss * 100, "%");
	if (g->base_rtt_ms >= 0) {
		finding_fact(f, "base RTT (min)", g->base_rtt_ms, "ms");
		finding_fact(f, "RTT under load (median)", g->loaded_rtt_ms, "ms");
		finding_fact(f, "added queueing delay", g->added_ms > 0 ? g->added_ms : 0, "ms");
	}
	if (v == RL_POLICER)
		finding_fact(f, "burst above rate (max per interval)", g->burst_bytes, "bytes");
	else if (v == RL_RECEIVER)
		finding_fact(f, "zero windows", (double)r->zero_win, "");
	else
		finding_fact(f, "intervals with loss", g->loss_bins, "");
	for (unsigned i = 0; i < r->nframes; i++)
		finding_frame(f, r->frames[i]);
	char extra[96];
	if (v == RL_SHAPER)
		snprintf(extra, sizeof(extra), "tcp.len > 0");
	else if (v == RL_RECEIVER)
		snprintf(extra, sizeof(extra), "(tcp.analysis.zero_window || tcp.analysis.window_full)");
	else
		snprintf(extra, sizeof(extra), "tcp.analysis.retransmission");
	flow_filter(&r->src, r->sport, &r->dst, r->dport, "tcp", extra, f->display_filter,
			    sizeof(f->display_filter));
	f->first_ns = r->first_ns;
	f->last_ns = r->last_ns;
	f->flows = same ? same : 1;
	switch (v) {
	case RL_POLICER:
		snprintf(f->cause, sizeof(f->cause),
			 "the delivered rate sits at a flat ceiling (%.0f%% of %.1f s intervals within "
			 "+-15%% of %.1f Mbit/s) with loss bursts (%.2f%% resent) and no queueing delay "
			 "(+%.1f ms): a token-bucket policer drops what exceeds the rate",
			 g->plateau_frac * 100, g->width_s, mbps, g->loss * 100,
			 g->added_ms > 0 ? g->added_ms : 0);
		snprintf(f->action, sizeof(f->action),
			 "find the policer (security group / instance / ENI allowance, a firewall or "
			 "router policy, a cloud bandwidth limit) and raise its rate, or shape this "
			 "traffic below the rate at the sender so TCP is not punished by drops");
		break;
	case RL_SHAPER:
		snprintf(f->cause, sizeof(f->cause),
			 "the delivered rate sits at a flat ceiling of %.1f Mbit/s while the RTT rises "
			 "from %.1f ms to %.1f ms with little loss (%.2f%%): a shaper or a full link "
			 "queues what exceeds the rate (about %.0f KB queued)",
			 mbps, g->base_rtt_ms, g->loaded_rtt_ms, g->loss * 100,
			 g->added_ms / 1e3 * g->rate_bps / 8 / 1e3);
		snprintf(f->action, sizeof(f->action),
			 "raise the shaper's rate or give this class its own queue with priority "
			 "(vxscope qos plan); shrink the shaper's buffer (latency) so delay-sensitive "
			 "traffic is not stuck behind it");
		break;
	case RL_CONGESTION:
		snprintf(f->cause, sizeof(f->cause),
			 "segments are lost (%.2f%%) or the RTT grows (+%.1f ms) while the rate varies "
			 "without a fixed ceiling: congestion or random loss on the path, not a rate "
			 "limit", g->loss * 100, g->added_ms > 0 ? g->added_ms : 0);
		snprintf(f->action, sizeof(f->action),
			 "look for a congested or faulty link (interface errors, drops); a rate limit "
			 "would show a flat ceiling");
		break;
	default:
		snprintf(f->cause, sizeof(f->cause),
			 "the receiver's window, not the network, holds the sender back: its "
			 "application does not read fast enough");
		snprintf(f->action, sizeof(f->action),
			 "look at the receiving application (CPU, blocking reads, receive buffer)");
		break;
	}
	f->confidence = g->busy_bins >= 3 * RL_MIN_BINS ? CONF_HIGH : CONF_MEDIUM;
	snprintf(f->raise_confidence, sizeof(f->raise_confidence),
		 "a longer transfer, or a capture next to the sender (it sees both the drops and "
		 "the RTT rise)");
}

static const char *issue_kind(int k)
{
	static const char *const n[] = {"qos.unmarked_delay_sensitive", "qos.bulk_marked_high",
					"qos.dscp_direction_mismatch", "qos.ecn_ce"};
	return n[k];
}

static void mark_findings(struct qos *q, struct finding_list *out)
{
	size_t n;
	const struct qos_mark_issue *v = qos_mark_issues(q, &n);
	for (int k = 0; k < 4; k++) {
		const struct qos_mark_issue *m = NULL;
		uint64_t flows = 0, pk = 0, ce = 0;
		for (size_t i = 0; i < n; i++) {
			if ((int)v[i].kind != k)
				continue;
			if (!m)
				m = &v[i];
			flows++;
			pk += v[i].packets;
			ce += v[i].ce;
		}
		if (!m)
			continue;
		enum severity sev = k == QM_UNMARKED ? SEV_MEDIUM : SEV_LOW;
		struct finding *f = finding_new(out, sev, "qos", issue_kind(k), (double)pk);
		if (!f)
			return;
		char s[64], d[64], a[16], b[16], want[16];
		endpoint(&m->src, m->sport, s, sizeof(s));
		endpoint(&m->dst, m->dport, d, sizeof(d));
		const char *l4 = m->proto == IPPROTO_NUM_UDP ? "udp" : "tcp";
		dscp_name(tclass_dscp(m->cls), want, sizeof(want));
		snprintf(f->where, sizeof(f->where), "first: flow %llu %s <-> %s/%s (%s)",
			 (unsigned long long)m->flow_id, s, d, l4, tclass_name(m->cls));
		finding_fact(f, "flows", (double)flows, "");
		finding_fact(f, "packets", (double)pk, "");
		finding_frame(f, m->first_frame);
		f->flows = flows;
		char ip[8], ports[64];
		snprintf(ip, sizeof(ip), "%s", m->src.family == 6 ? "ipv6" : "ip");
		const char *l4n = m->proto == IPPROTO_NUM_UDP ? "udp" : "tcp";
		if (m->sport == m->dport)
			snprintf(ports, sizeof(ports), "%s.port == %u", l4n, m->sport);
		else
			snprintf(ports, sizeof(ports), "%s.port == %u && %s.port == %u", l4n, m->sport,
				 l4n, m->dport);
		switch (k) {
		case QM_UNMARKED:
			snprintf(f->title, sizeof(f->title),
				 "%llu delay-sensitive flows (%s, ...) are sent unmarked (DSCP 0, best "
				 "effort)", (unsigned long long)flows, tclass_name(m->cls));
			snprintf(f->display_filter, sizeof(f->display_filter),
				 "%s.dsfield.dscp == 0 && %s", ip, ports);
			snprintf(f->cause, sizeof(f->cause),
				 "the application or the host does not set DSCP, or a hop re-marks it "
				 "to 0: every queue on the path treats this traffic like bulk data");
			snprintf(f->action, sizeof(f->action),
				 "mark %s traffic %s (DSCP %d) at the source, or with a netfilter DSCP "
				 "rule on the first hop, and trust it on the path",
				 tclass_name(m->cls), want, tclass_dscp(m->cls));
			break;
		case QM_BULK_HIGH:
			snprintf(f->title, sizeof(f->title),
				 "%llu bulk transfers are marked high priority (DSCP %s)",
				 (unsigned long long)flows,
				 dscp_name(m->dscp[0] >= 0 ? m->dscp[0] : m->dscp[1], a, sizeof(a)));
			snprintf(f->display_filter, sizeof(f->display_filter),
				 "%s.dsfield.dscp >= 32 && %s", ip, ports);
			snprintf(f->cause, sizeof(f->cause),
				 "long, large, throughput-bound transfers carry a priority marking: in "
				 "a priority queue they starve voice and interactive traffic");
			snprintf(f->action, sizeof(f->action),
				 "re-mark bulk traffic CS1 (DSCP 8, lower effort) or 0 at the source or "
				 "the first hop");
			break;
		case QM_DIR_DIFF:
			snprintf(f->title, sizeof(f->title),
				 "%llu %s flows are marked differently in their two directions (%s one "
				 "way, %s back)", (unsigned long long)flows, tclass_name(m->cls),
				 dscp_name(m->dscp[0], a, sizeof(a)), dscp_name(m->dscp[1], b, sizeof(b)));
			snprintf(f->display_filter, sizeof(f->display_filter),
				 "%s", ports);
			snprintf(f->cause, sizeof(f->cause),
				 "one end (or a hop on one path) marks the traffic and the other does "
				 "not: only one direction gets the priority, and a round trip is as "
				 "slow as its worse half");
			snprintf(f->action, sizeof(f->action),
				 "mark both ends the same (%s for %s), or re-mark at the edge in both "
				 "directions", want, tclass_name(m->cls));
			break;
		default:
			snprintf(f->title, sizeof(f->title),
				 "%llu packets in %llu flows carry ECN congestion-experienced (CE) marks",
				 (unsigned long long)ce, (unsigned long long)flows);
			f->facts[1].value = (double)ce;
			snprintf(f->facts[1].name, sizeof(f->facts[1].name), "CE-marked packets");
			snprintf(f->display_filter, sizeof(f->display_filter),
				 "%s.dsfield.ecn == 3", ip);
			snprintf(f->cause, sizeof(f->cause),
				 "a queue on the path (an AQM such as fq_codel, RED or L4S) is "
				 "building up and marks instead of dropping: congestion, signalled "
				 "without loss");
			snprintf(f->action, sizeof(f->action),
				 "find the congested hop; the senders slow down on CE, so this costs "
				 "throughput, not packets");
			break;
		}
		f->confidence = k == QM_DIR_DIFF ? CONF_MEDIUM : CONF_HIGH;
		snprintf(f->raise_confidence, sizeof(f->raise_confidence),
			 "mirror at the sender too: a marking that changes on the way is re-marked "
			 "by a hop");
	}
}

/* "server 10.0.0.2 (vni 7 from 10.1.1.1)", "session vni 7 from 10.1.1.1", "class bulk". */
void qos_agg_name(const struct agg *a, char *buf, size_t len)
{
	char s[IPADDR_STRLEN], o[IPADDR_STRLEN], sess[96];
	if (a->sess_kind == TUN_NONE)
		snprintf(sess, sizeof(sess), "no tunnel");
	else if (a->sess_has_id)
		snprintf(sess, sizeof(sess), "vni %u from %s", a->sess_id,
			 ipaddr_format(&a->sess_src, o, sizeof(o)));
	else
		snprintf(sess, sizeof(sess), "tunnel from %s", ipaddr_format(&a->sess_src, o, sizeof(o)));
	if (a->group == AGG_SERVER)
		snprintf(buf, len, "%s%s%s%s", ipaddr_format(&a->server, s, sizeof(s)),
			 a->sess_kind == TUN_NONE ? "" : " (", a->sess_kind == TUN_NONE ? "" : sess,
			 a->sess_kind == TUN_NONE ? "" : ")");
	else if (a->group == AGG_SESSION)
		snprintf(buf, len, "%s", sess);
	else
		snprintf(buf, len, "%s", tclass_name(a->cls));
}

static void agg_finding(const struct qos *q, const struct agg *a, const struct agg_diag *g,
			const struct qos_rl_result *v, size_t nv, struct finding_list *out)
{
	bool shaper = g->verdict == RL_SHAPER;
	unsigned nm = a->nmember < AGG_MEMBERS ? a->nmember : AGG_MEMBERS;
	struct finding *f = finding_new(out, SEV_HIGH, "qos",
					shaper ? "qos.aggregate_shaper" : "qos.aggregate_policer",
					(double)a->payload / 1e6);
	if (!f)
		return;
	(void)q;
	char name[160], ids[96] = "";
	qos_agg_name(a, name, sizeof(name));
	for (unsigned k = 0, o = 0; k < nm && o < sizeof(ids) - 24; k++)
		o += (unsigned)snprintf(ids + o, sizeof(ids) - o, "%s%llu", k ? ", " : "",
					(unsigned long long)a->member[k]);
	double mbps = g->rate_bps / 1e6;
	const char *dir = a->to_server ? "to" : "from";
	if (a->group == AGG_SERVER)
		snprintf(f->title, sizeof(f->title),
			 "%u flows %s server %s share one %s of ~%.1f Mbit/s (each sees ~%.1f)",
			 a->nmember, dir, name, shaper ? "shaper" : "policer", mbps,
			 mbps / a->nmember);
	else
		snprintf(f->title, sizeof(f->title),
			 "%u flows of %s %s (data %s the servers) share one %s of ~%.1f Mbit/s",
			 a->nmember, agg_group_name(a->group), name, dir,
			 shaper ? "shaper" : "policer", mbps);
	snprintf(f->where, sizeof(f->where), "%s %s, data %s the server: flows %s%s",
		 agg_group_name(a->group), name, dir, ids, a->nmember > nm ? ", ..." : "");
	finding_fact(f, "estimated rate of the sum (IP layer)", mbps, "Mbit/s");
	finding_fact(f, "flows sharing it", a->nmember, "");
	finding_fact(f, "mean delivered rate of the sum", g->mean_bps / 1e6, "Mbit/s");
	finding_fact(f, "intervals on the plateau", g->plateau_frac * 100, "%");
	finding_fact(f, "loss (resent/sent)", g->loss * 100, "%");
	finding_fact(f, "intervals with loss", g->loss_bins, "");
	finding_fact(f, "added queueing delay (median of the flows)", g->added_ms, "ms");
	if (a->base_rtt_ms >= 0)
		finding_fact(f, "base RTT (min)", a->base_rtt_ms, "ms");
	for (size_t i = 0; i < nv; i++)
		for (unsigned k = 0; k < nm; k++)
			if (v[i].flow_id == a->member[k] && v[i].from_server != a->to_server &&
			    v[i].nframes)
				finding_frame(f, v[i].frames[0]);
	if (a->group == AGG_SERVER) {
		char s[IPADDR_STRLEN];
		snprintf(f->display_filter, sizeof(f->display_filter), "%s.%s == %s && tcp.len > 0",
			 a->server.family == 6 ? "ipv6" : "ip", a->to_server ? "dst" : "src",
			 ipaddr_format(&a->server, s, sizeof(s)));
	}
	f->first_ns = a->first_ns;
	f->last_ns = a->last_ns;
	f->flows = a->nmember;
	snprintf(f->cause, sizeof(f->cause),
		 "no flow has a ceiling of its own (each sees a varying share), but their sum sits "
		 "flat at %.1f Mbit/s (%.0f%% of %.1f s intervals within +-15%%) with %s: one %s "
		 "limits them together (a per-host, per-ENI or per-class limit, or a shared link)",
		 mbps, g->plateau_frac * 100, g->width_s,
		 shaper ? "the RTT rising by the queue it builds" : "recurring loss and no queue",
		 shaper ? "shaper" : "token-bucket policer");
	snprintf(f->action, sizeof(f->action),
		 "find the limit these flows share (instance or ENI bandwidth, a security appliance, "
		 "a tc class or cloud QoS policy for this %s) and raise it, or split the traffic "
		 "into classes (vxscope qos plan) so the critical flows get their share first",
		 agg_group_name(a->group));
	f->confidence = CONF_MEDIUM;
	snprintf(f->raise_confidence, sizeof(f->raise_confidence),
		 "capture next to the senders, and compare with the limit's configuration");
}

#define VOICE_QUEUE_MS 20.0   /* an RTP stream's 95th percentile queueing delay worth a finding */
#define VOICE_G114_MS 150.0   /* ITU-T G.114: one-way delay past this hurts any call */

/* The shaper an RTP stream to `dst` during [a, b] queues behind: a shaped sender (per flow, or
 * an aggregate to one server) toward the same receiver; the largest.  NULL when none. */
struct shaper_ref {
	const struct qos_rl_result *flow; /* or */
	const struct agg *agg;
	const struct agg_diag *ad;
};

static bool overlaps(int64_t a0, int64_t a1, int64_t b0, int64_t b1)
{
	return a0 <= b1 && b0 <= a1;
}

static bool voice_shaper(const struct qos *q, const struct qos_voice_stream *vs,
			 const struct qos_rl_result *v, size_t nv, struct shaper_ref *out)
{
	memset(out, 0, sizeof(*out));
	uint64_t best = 0;
	for (size_t i = 0; i < nv; i++)
		if (v[i].diag.verdict == RL_SHAPER && ipaddr_eq(&v[i].dst, &vs->dst) &&
		    overlaps(v[i].first_ns, v[i].last_ns, vs->first_ns, vs->last_ns) &&
		    v[i].bytes > best) {
			best = v[i].bytes;
			out->flow = &v[i];
		}
	const struct agg_diag *d;
	const struct agg_table *t = qos_aggregates(q, &d);
	for (unsigned i = 0; i < t->n; i++) {
		const struct agg *a = t->a[i];
		if (d[i].verdict == RL_SHAPER && !d[i].duplicate && a->group == AGG_SERVER &&
		    a->to_server && ipaddr_eq(&a->server, &vs->dst) &&
		    overlaps(a->first_ns, a->last_ns, vs->first_ns, vs->last_ns) &&
		    a->payload > best) {
			best = a->payload;
			out->flow = NULL;
			out->agg = a;
			out->ad = &d[i];
		}
	}
	return out->flow || out->agg;
}

/* Voice behind a shaper: one finding per shaper, the worst stream speaking for the others. */
static void voice_findings(const struct qos *q, const struct qos_rl_result *v, size_t nv,
			   struct finding_list *out)
{
	size_t ns;
	const struct qos_voice_stream *vs = qos_voice_streams(q, &ns);
	for (size_t i = 0; i < ns; i++) {
		struct shaper_ref sh;
		if (vs[i].delay_p95_ms < VOICE_QUEUE_MS || !voice_shaper(q, &vs[i], v, nv, &sh))
			continue;
		/* the worst stream behind this shaper, counted once */
		bool worse_seen = false;
		unsigned streams = 0;
		for (size_t j = 0; j < ns && !worse_seen; j++) {
			struct shaper_ref o;
			if (vs[j].delay_p95_ms < VOICE_QUEUE_MS || !voice_shaper(q, &vs[j], v, nv, &o) ||
			    o.flow != sh.flow || o.agg != sh.agg)
				continue;
			streams++;
			if (vs[j].delay_p95_ms > vs[i].delay_p95_ms ||
			    (vs[j].delay_p95_ms == vs[i].delay_p95_ms && j < i))
				worse_seen = true;
		}
		if (worse_seen)
			continue;
		const struct qos_voice_stream *w = &vs[i];
		double rate = sh.flow ? sh.flow->diag.rate_bps / 1e6 : sh.ad->rate_bps / 1e6;
		double added = sh.flow ? sh.flow->diag.added_ms : sh.ad->added_ms;
		struct finding *f = finding_new(out, w->delay_p95_ms >= VOICE_G114_MS ? SEV_CRITICAL
										    : SEV_HIGH,
						"qos", "qos.voice_behind_shaper", w->delay_p95_ms);
		if (!f)
			return;
		char s[64], d[64], bs[64], bd[64], sess[160], host[IPADDR_STRLEN];
		ipaddr_format(&w->dst, host, sizeof(host));
		endpoint(&w->src, w->sport, s, sizeof(s));
		endpoint(&w->dst, w->dport, d, sizeof(d));
		if (sh.flow) {
			endpoint(&sh.flow->src, sh.flow->sport, bs, sizeof(bs));
			endpoint(&sh.flow->dst, sh.flow->dport, bd, sizeof(bd));
			snprintf(sess, sizeof(sess), "%s traffic %s -> %s", tclass_name(sh.flow->cls),
				 bs, bd);
		} else {
			qos_agg_name(sh.agg, bd, sizeof(bd));
			snprintf(sess, sizeof(sess), "%u flows to %s", sh.agg->nmember, bd);
		}
		snprintf(f->title, sizeof(f->title),
			 "Voice %s -> %s waits up to ~%.0f ms behind a %.1f Mbit/s shaper it shares "
			 "with %s", s, d, w->delay_p95_ms, rate, sess);
		snprintf(f->where, sizeof(f->where), "RTP %s -> %s (flow %llu)%s", s, d,
			 (unsigned long long)w->flow_id,
			 streams > 1 ? " and more voice streams behind the same shaper" : "");
		finding_fact(f, "RTP queueing delay, 95th percentile", w->delay_p95_ms, "ms");
		finding_fact(f, "RTP queueing delay, mean", w->delay_mean_ms, "ms");
		finding_fact(f, "RTP queueing delay, peak", w->delay_peak_ms, "ms");
		finding_fact(f, "RTP jitter (RFC 3550, mean)", w->jitter_ms, "ms");
		finding_fact(f, "RTP packets", (double)w->packets, "");
		finding_fact(f, "shaper rate (IP layer)", rate, "Mbit/s");
		finding_fact(f, "queueing delay the shaper adds", added > 0 ? added : 0, "ms");
		finding_fact(f, "voice streams behind it", streams, "");
		finding_frame(f, w->first_frame);
		if (sh.flow && sh.flow->nframes)
			finding_frame(f, sh.flow->frames[0]);
		flow_filter(&w->src, w->sport, &w->dst, w->dport, "udp", "rtp", f->display_filter,
			    sizeof(f->display_filter));
		f->first_ns = w->first_ns;
		f->last_ns = w->last_ns;
		f->flows = streams + (sh.flow ? 1 : sh.agg->nmember);
		snprintf(f->cause, sizeof(f->cause),
			 "the RTP packets' transit time (arrival minus RTP timestamp) grows by up to "
			 "%.0f ms while %s fills the queue of a shaper at %.1f Mbit/s toward %s: with "
			 "one FIFO and no classes, voice waits behind the bulk data (the queue adds "
			 "~%.0f ms to TCP's RTT too)%s",
			 w->delay_p95_ms, sess, rate, host, added > 0 ? added : 0,
			 w->delay_p95_ms >= VOICE_G114_MS ? "; past ITU-T G.114's 150 ms one-way "
							     "budget, calls suffer"
							   : "");
		snprintf(f->action, sizeof(f->action),
			 "give voice its own class ahead of the bulk traffic at the shaper: `vxscope "
			 "qos plan` writes a tc script (HTB, voice at priority 0 with a guaranteed "
			 "rate, DSCP EF and port filters, short leaf queues) from this capture; mark "
			 "the RTP packets EF (46) at the source so the filters and the network can "
			 "tell them apart");
		f->confidence = CONF_MEDIUM;
		snprintf(f->raise_confidence, sizeof(f->raise_confidence),
			 "capture at the shaper's far side too: the voice delay should appear there "
			 "and not before it");
	}
}

static void agg_findings(struct qos *q, const struct qos_rl_result *v, size_t nv,
			 struct finding_list *out)
{
	const struct agg_diag *d;
	const struct agg_table *t = qos_aggregates(q, &d);
	for (unsigned i = 0; i < t->n; i++)
		if (d[i].verdict != RL_NONE && !d[i].duplicate)
			agg_finding(q, t->a[i], &d[i], v, nv, out);
}

void qos_findings(struct qos *q, struct finding_list *out)
{
	size_t n;
	struct qos_rl_result *v = (struct qos_rl_result *)qos_results(q, &n);
	qsort(v, n, sizeof(*v), by_bytes);
	qos_aggregates_judge(q);
	const struct agg_diag *ad;
	const struct agg_table *at = qos_aggregates(q, &ad);
	/* one finding per (receiver/server endpoint, verdict): the biggest flow speaks for the
	 * others */
	for (size_t i = 0; i < n; i++) {
		bool seen = false;
		unsigned same = 1;
		for (size_t j = 0; j < n; j++) {
			if (j == i || v[j].diag.verdict != v[i].diag.verdict ||
			    v[j].from_server != v[i].from_server)
				continue;
			/* the server end: the sender for downloads, the receiver for uploads */
			const struct ip_addr *a = v[i].from_server ? &v[i].src : &v[i].dst;
			const struct ip_addr *b = v[j].from_server ? &v[j].src : &v[j].dst;
			uint16_t pa = v[i].from_server ? v[i].sport : v[i].dport;
			uint16_t pb = v[j].from_server ? v[j].sport : v[j].dport;
			if (!ipaddr_eq(a, b) || pa != pb)
				continue;
			if (j < i) {
				seen = true;
				break;
			}
			same++;
		}
		/* a member of a shared limit: its policer/shaper verdict is only its share (the
		 * aggregate's finding speaks for it) */
		if ((v[i].diag.verdict == RL_POLICER || v[i].diag.verdict == RL_SHAPER) &&
		    agg_is_member(at, ad, v[i].flow_id, !v[i].from_server))
			continue;
		if (!seen)
			rl_finding(&v[i], same, out);
	}
	agg_findings(q, v, n, out);
	voice_findings(q, v, n, out);
	mark_findings(q, out);
	mtu_findings(qos_mtu(q), out);
}
