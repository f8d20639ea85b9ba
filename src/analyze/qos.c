/* qos.c - traffic classes, marking audit and rate-limit diagnosis per flow (see qos.h).
 * DSCP and ECN: RFC 2474, RFC 3168 (ECN field: 01/10 ECT, 11 CE); jitter: RFC 3550 6.4.1's
 * running estimate J += (|D| - J) / 16, here over interarrival gaps. */
#include "qos.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cursor.h"
#include "decode/ipaddr.h"

/* RTP (RFC 3550 section 6.4.1): transit = arrival - RTP timestamp, relative to the first
 * packet of each direction; 8 kHz payload types only.  Allocated at a flow's first RTP
 * packet. */
struct qos_rtp {
	int64_t t0[2];
	uint32_t ts0[2];
	int64_t last_transit[2], min_transit[2], max_transit[2];
	double transit_sum[2], jitter_ns[2], jitter_sum[2];
	uint64_t n[2];
	uint16_t *hist[2];          /* transit in RTP_HIST_NS buckets (allocated per stream) */
};

/* Rate-limit state of a TCP connection's two senders, allocated at its first analysed
 * segment (qos_tcp). */
struct qos_rl {
	struct rl_dir rl[2];
	/* aggregates each sender joined (rate_aggregate.h) and its progress added to them */
	bool agg_joined[2];
	int16_t agg[2][AGG_GROUPS];
	uint64_t agg_acked[2], agg_segs[2], agg_rtx[2], agg_rwnd[2];
};

/* One live flow; freed at its end, after its roll-up into the class, MTU, aggregate and
 * result tables. */
struct qos_flow {
	uint64_t id;
	enum tclass cls;
	uint8_t hint;               /* the flow's class_hint cls was chosen with */
	int dscp0;                  /* the first packet's DSCP */
	uint64_t dscp_mask[2];
	uint64_t packets[2], bytes[2], ce, ect;
	int64_t last_ns[2], last_gap[2];
	double jitter_ns[2];
	uint64_t gaps[2];
	struct qos_rtp *rtp;        /* NULL until an RTP packet */
	struct qos_rl *trl;         /* NULL until a TCP segment is analysed */
	int32_t mss[2];             /* MSS option of each side's SYN, -1 none */
	uint32_t max_ip[2], max_seg[2];
	uint64_t df[2];
};

#define RTP_HIST 1024
#define RTP_HIST_NS 2000000LL /* 2 ms buckets: 2 s of range */
#define RTP_HIST_OFF 128      /* bucket of the first packet's transit (earlier ones fit) */

struct qos {
	struct qos_cfg cfg;
	uint32_t max_flows;
	struct qos_flow **slot;
	struct qos *roll;           /* where the roll-ups below live: itself, or the owner's
	                               (qos_new_shared) */
	struct qos_class_stats cls[TC_COUNT];
	bool started;
	int64_t t0_ns, width_ns;
	unsigned nbins;
	struct qos_rl_result *res;
	size_t nres;
	uint64_t res_dropped;
	struct qos_mark_issue *iss;
	size_t niss;
	uint64_t iss_flows[4];
	struct mtu_table mtu;
	struct agg_table agg;
	struct agg_diag *aggd;      /* AGG_MAX verdicts, filled by qos_findings() */
	struct qos_voice_stream *voice; /* QOS_MAX_VOICE */
	size_t nvoice;
};

struct qos *qos_new(const struct qos_cfg *cfg, uint32_t max_flows)
{
	struct qos *q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->cfg = *cfg;
	q->max_flows = max_flows;
	q->roll = q;
	q->slot = calloc(max_flows ? max_flows : 1, sizeof(*q->slot));
	q->res = calloc(QOS_MAX_RESULTS, sizeof(*q->res));
	q->iss = calloc(QOS_MAX_RESULTS, sizeof(*q->iss));
	q->width_ns = RL_WIDTH_NS;
	mtu_init(&q->mtu);
	q->aggd = calloc(AGG_MAX, sizeof(*q->aggd));
	q->voice = calloc(QOS_MAX_VOICE, sizeof(*q->voice));
	if (!q->slot || !q->res || !q->iss || !q->aggd || !q->voice ||
	    agg_table_init(&q->agg) != 0) {
		qos_free(q);
		return NULL;
	}
	return q;
}

struct qos *qos_new_shared(const struct qos_cfg *cfg, uint32_t max_flows, struct qos *owner)
{
	struct qos *q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->cfg = *cfg;
	q->max_flows = max_flows;
	q->roll = owner;
	q->slot = calloc(max_flows ? max_flows : 1, sizeof(*q->slot));
	if (!q->slot) {
		free(q);
		return NULL;
	}
	return q;
}

static void flow_free(struct qos_flow *qf)
{
	if (!qf)
		return;
	if (qf->trl) {
		rl_dir_fini(&qf->trl->rl[0]);
		rl_dir_fini(&qf->trl->rl[1]);
		free(qf->trl);
	}
	if (qf->rtp) {
		free(qf->rtp->hist[0]);
		free(qf->rtp->hist[1]);
		free(qf->rtp);
	}
	free(qf);
}

void qos_free(struct qos *q)
{
	if (!q)
		return;
	for (uint32_t i = 0; q->slot && i < q->max_flows; i++)
		flow_free(q->slot[i]);
	free(q->slot);
	if (q->roll != q) {
		free(q);
		return;
	}
	free(q->res);
	free(q->iss);
	agg_table_fini(&q->agg);
	free(q->aggd);
	free(q->voice);
	free(q);
}

void qos_prefetch(const struct qos *q, const struct flow *f)
{
	if (f->idx < q->max_flows)
		__builtin_prefetch(q->slot[f->idx]);
}

static struct qos_flow *flow_get(struct qos *q, const struct flow *f, const struct packet *p)
{
	if (f->idx >= q->max_flows)
		return NULL;
	struct qos_flow *qf = q->slot[f->idx];
	if (qf && qf->id == f->id)
		return qf;
	flow_free(qf);
	q->slot[f->idx] = NULL;
	qf = calloc(1, sizeof(*qf));
	if (!qf)
		return NULL;
	qf->id = f->id;
	qf->dscp0 = p->tos >> 2;
	qf->hint = f->class_hint;
	qf->cls = tclass_of_flow(&q->cfg.map, f->proto, f->sport, f->dport, qf->dscp0, qf->hint);
	qf->mss[0] = qf->mss[1] = -1;
	q->slot[f->idx] = qf;
	q->roll->cls[qf->cls].flows++;
	return qf;
}

/* The application layer recognised the flow after its first packet (an RTP stream found by
 * heuristic, or given up): the flow and what it carried so far move to the new class. */
static void reclass(struct qos *q, struct qos_flow *qf, const struct flow *f)
{
	qf->hint = f->class_hint;
	enum tclass c = tclass_of_flow(&q->cfg.map, f->proto, f->sport, f->dport, qf->dscp0,
				       qf->hint);
	if (c == qf->cls)
		return;
	struct qos_class_stats *o = &q->roll->cls[qf->cls], *n = &q->roll->cls[c];
	uint64_t pk = qf->packets[0] + qf->packets[1], by = qf->bytes[0] + qf->bytes[1];
	o->flows--;
	n->flows++;
	o->packets -= pk < o->packets ? pk : o->packets;
	o->bytes -= by < o->bytes ? by : o->bytes;
	n->packets += pk;
	n->bytes += by;
	qf->cls = c;
}

enum tclass qos_flow_class(const struct qos *q, const struct flow *f)
{
	if (f->idx < q->max_flows) {
		const struct qos_flow *qf = q->slot[f->idx];
		if (qf && qf->id == f->id)
			return qf->cls;
	}
	return tclass_of_flow(&q->cfg.map, f->proto, f->sport, f->dport, f->dir[0].dscp_seen,
			      f->class_hint);
}

static void series_merge(struct qos *q)
{
	unsigned n = (q->roll->nbins + 1) / 2;
	for (int c = 0; c < TC_COUNT; c++) {
		uint64_t *b = q->roll->cls[c].bins;
		for (unsigned i = 0; i < n; i++)
			b[i] = b[2 * i] + (2 * i + 1 < q->roll->nbins ? b[2 * i + 1] : 0);
		memset(&b[n], 0, (QOS_SERIES - n) * sizeof(b[0]));
	}
	q->roll->nbins = n;
	q->roll->width_ns *= 2;
}

/* RTP header (RFC 3550 section 5.1): version 2, a payload type with an 8000 Hz clock
 * (RFC 3551: PCMU 0, GSM 3, G723 4, DVI4 5, LPC 7, PCMA 8, G722 9, G728 15, G729 18, ...). */
static bool rtp_ts(const struct packet *p, uint32_t *ts)
{
	if (!p->payload || p->payload_caplen < 12)
		return false;
	struct cursor c = cur_make(p->payload, p->payload_caplen);
	uint8_t b0 = cur_u8(&c), b1 = cur_u8(&c);
	(void)cur_be16(&c);
	*ts = cur_be32(&c);
	if (c.bad || (b0 >> 6) != 2)
		return false;
	unsigned pt = b1 & 0x7f;
	return pt == 0 || pt == 3 || pt == 4 || pt == 5 || pt == 7 || pt == 8 || pt == 9 ||
	       pt == 12 || pt == 13 || pt == 15 || pt == 18;
}

static void rtp_packet(struct qos_flow *qf, int d, const struct packet *p)
{
	uint32_t ts;
	if (!rtp_ts(p, &ts))
		return;
	if (!qf->rtp && !(qf->rtp = calloc(1, sizeof(*qf->rtp)))) /* once per flow */
		return;
	struct qos_rtp *r = qf->rtp;
	if (!r->n[d]) {
		r->t0[d] = p->ts_ns;
		r->ts0[d] = ts;
		r->hist[d] = calloc(RTP_HIST, sizeof(uint16_t)); /* once per stream */
	}
	int64_t transit = (p->ts_ns - r->t0[d]) - (int64_t)(int32_t)(ts - r->ts0[d]) * 125000;
	if (r->n[d]) {
		int64_t dd = transit - r->last_transit[d];
		r->jitter_ns[d] += ((double)(dd < 0 ? -dd : dd) - r->jitter_ns[d]) / 16;
	}
	if (!r->n[d] || transit < r->min_transit[d])
		r->min_transit[d] = transit;
	if (!r->n[d] || transit > r->max_transit[d])
		r->max_transit[d] = transit;
	r->jitter_sum[d] += r->jitter_ns[d];
	r->last_transit[d] = transit;
	r->transit_sum[d] += (double)transit;
	if (r->hist[d]) {
		int64_t k = transit / RTP_HIST_NS + RTP_HIST_OFF;
		k = k < 0 ? 0 : k >= RTP_HIST ? RTP_HIST - 1 : k;
		if (r->hist[d][k] < UINT16_MAX)
			r->hist[d][k]++;
	}
	r->n[d]++;
}

static unsigned size_bucket(uint32_t len)
{
	return len < 128 ? 0 : len < 256 ? 1 : len < 512 ? 2 : len < 1024 ? 3 : len < 1400 ? 4 : 5;
}

void qos_packet(struct qos *q, const struct packet *p, struct flow *f, int dir)
{
	if (!f || !p->has_ip)
		return;
	if (p->is_fragment || p->proto == IPPROTO_NUM_ICMP || p->proto == IPPROTO_NUM_ICMPV6)
		mtu_packet(&q->roll->mtu, p);
	struct qos_flow *qf = flow_get(q, f, p);
	if (!qf)
		return;
	if (qf->hint != f->class_hint)
		reclass(q, qf, f);
	int d = dir & 1;
	unsigned dscp = p->tos >> 2, ecn = p->tos & 3;
	struct qos_class_stats *cs = &q->roll->cls[qf->cls];
	qf->dscp_mask[d] |= 1ull << dscp;
	if (p->ip_len > qf->max_ip[d])
		qf->max_ip[d] = p->ip_len;
	if (p->df)
		qf->df[d]++;
	if (p->proto == IPPROTO_NUM_TCP && p->has_l4) {
		if ((p->tcp_flags & TCP_SYN) && p->mss >= 0)
			qf->mss[d] = p->mss;
		if (p->payload_len > qf->max_seg[d])
			qf->max_seg[d] = p->payload_len;
	}
	qf->packets[d]++;
	qf->bytes[d] += p->ip_len;
	cs->packets++;
	cs->bytes += p->ip_len;
	cs->size_hist[size_bucket(p->ip_len)]++;
	if (p->ip_len > cs->max_ip_len)
		cs->max_ip_len = p->ip_len;
	cs->dscp_mask |= 1ull << dscp;
	if (ecn == 3) {
		qf->ce++;
		cs->ce++;
	} else if (ecn) {
		qf->ect++;
		cs->ect++;
	}
	if (p->proto == IPPROTO_NUM_UDP) {
		if (qf->last_ns[d] && p->ts_ns >= qf->last_ns[d]) {
			int64_t gap = p->ts_ns - qf->last_ns[d];
			if (qf->gaps[d]) {
				double dd = (double)(gap > qf->last_gap[d] ? gap - qf->last_gap[d]
									   : qf->last_gap[d] - gap);
				qf->jitter_ns[d] += (dd - qf->jitter_ns[d]) / 16;
			}
			qf->last_gap[d] = gap;
			qf->gaps[d]++;
		}
		qf->last_ns[d] = p->ts_ns;
		rtp_packet(qf, d, p);
	}
	/* class throughput over time */
	if (!q->roll->started) {
		q->roll->started = true;
		q->roll->t0_ns = p->ts_ns;
	}
	int64_t t = p->ts_ns < q->roll->t0_ns ? 0 : p->ts_ns - q->roll->t0_ns;
	while (t / q->roll->width_ns >= QOS_SERIES)
		series_merge(q);
	unsigned k = (unsigned)(t / q->roll->width_ns);
	if (k + 1 > q->roll->nbins)
		q->roll->nbins = k + 1;
	cs->bins[k] += p->ip_len;
}

/* Add what sender d of the flow did since the last packet to its aggregates: once it moved
 * RL_ALLOC_BYTES (its series exists), with everything before that in the first bin. */
static void agg_progress(struct qos *q, struct qos_rl *qf, enum tclass cls, const struct flow *f,
			 int d, int64_t ts)
{
	const struct rl_dir *r = &qf->rl[d];
	if (!r->s)
		return;
	if (!qf->agg_joined[d]) {
		qf->agg_joined[d] = true;
		for (int g = 0; g < AGG_GROUPS; g++)
			qf->agg[d][g] = (int16_t)agg_find(&q->roll->agg, (enum agg_group)g, f, d,
							  cls);
	}
	uint64_t rw = r->zero_win + r->win_full;
	if (r->acked == qf->agg_acked[d] && r->segs == qf->agg_segs[d] &&
	    r->rtx_segs == qf->agg_rtx[d] && rw == qf->agg_rwnd[d])
		return;
	for (int g = 0; g < AGG_GROUPS; g++)
		agg_add(&q->roll->agg, qf->agg[d][g], ts, r->acked - qf->agg_acked[d],
			(uint32_t)(r->segs - qf->agg_segs[d]), (uint32_t)(r->rtx_segs - qf->agg_rtx[d]),
			(uint32_t)(rw - qf->agg_rwnd[d]));
	qf->agg_acked[d] = r->acked;
	qf->agg_segs[d] = r->segs;
	qf->agg_rtx[d] = r->rtx_segs;
	qf->agg_rwnd[d] = rw;
}

void qos_tcp(struct qos *q, const struct packet *p, struct flow *f, int dir,
	     const struct tcp_pkt_analysis *ta)
{
	if (!q->cfg.rate_limits || !f)
		return;
	struct qos_flow *qf = flow_get(q, f, p);
	if (!qf)
		return;
	if (!qf->trl) {
		qf->trl = malloc(sizeof(*qf->trl)); /* once per connection */
		if (!qf->trl)
			return;
		memset(qf->trl, 0, sizeof(*qf->trl));
		rl_dir_init(&qf->trl->rl[0]);
		rl_dir_init(&qf->trl->rl[1]);
	}
	rl_tcp(qf->trl->rl, p, dir, ta);
	agg_progress(q, qf->trl, qf->cls, f, 0, p->ts_ns);
	agg_progress(q, qf->trl, qf->cls, f, 1, p->ts_ns);
}

static void result_add(struct qos *q, const struct flow *f, const struct qos_flow *qf, int d,
		       const struct rl_dir *r, const struct rl_diag *dg)
{
	if (q->roll->nres == QOS_MAX_RESULTS) {
		q->roll->res_dropped++;
		return;
	}
	struct qos_rl_result *o = &q->roll->res[q->roll->nres++];
	memset(o, 0, sizeof(*o));
	o->flow_id = f->id;
	o->sess_kind = f->session.kind;
	o->sess_has_id = f->session.has_id;
	o->sess_id = f->session.id;
	o->sess_src = f->session.src;
	o->src = d ? f->dst : f->src;
	o->dst = d ? f->src : f->dst;
	o->sport = d ? f->dport : f->sport;
	o->dport = d ? f->sport : f->dport;
	o->from_server = d == 1;
	double secs = (double)(r->last_ns - r->first_ns) / 1e9;
	o->cls = tclass_refine(qf->cls, f->proto, r->payload, secs);
	o->diag = *dg;
	o->bytes = r->payload;
	o->segs = r->segs;
	o->rtx_segs = r->rtx_segs;
	o->zero_win = r->zero_win;
	o->win_full = r->win_full;
	o->first_ns = r->first_ns;
	o->last_ns = r->last_ns;
	memcpy(o->frames, r->frames, sizeof(o->frames));
	o->nframes = r->nframes;
	if (r->s && dg->width_s > 0) {
		for (uint32_t i = 0; i < r->s->nbins && o->nseries < QOS_SERIES; i++)
			o->series_mbps[o->nseries++] = (float)((double)r->s->bin[i].acked * 8 *
							       dg->ip_factor / dg->width_s / 1e6);
	}
}

static void issue_add(struct qos *q, int kind, const struct flow *f, const struct qos_flow *qf,
		      enum tclass cls, int d0, int d1)
{
	q->roll->iss_flows[kind]++;
	if (q->roll->niss == QOS_MAX_RESULTS)
		return;
	struct qos_mark_issue *m = &q->roll->iss[q->roll->niss++];
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	m->flow_id = f->id;
	m->first_frame = f->first_frame;
	m->src = f->src;
	m->dst = f->dst;
	m->sport = f->sport;
	m->dport = f->dport;
	m->proto = f->proto;
	m->cls = cls;
	m->dscp[0] = d0;
	m->dscp[1] = d1;
	m->packets = qf->packets[0] + qf->packets[1];
	m->ce = qf->ce;
}

/* The only DSCP a direction carried, -1 for none or several. */
static int single_dscp(uint64_t mask)
{
	return mask && !(mask & (mask - 1)) ? __builtin_ctzll(mask) : -1;
}

#define AUDIT_MIN_PACKETS 10 /* a flow must carry this many packets to be audited */

static void audit(struct qos *q, const struct flow *f, const struct qos_flow *qf, enum tclass cls)
{
	uint64_t all = qf->dscp_mask[0] | qf->dscp_mask[1];
	int d0 = single_dscp(qf->dscp_mask[0]), d1 = single_dscp(qf->dscp_mask[1]);
	if (qf->ce)
		issue_add(q, QM_CE, f, qf, cls, d0, d1);
	if (qf->packets[0] + qf->packets[1] < AUDIT_MIN_PACKETS)
		return;
	if (tclass_delay_sensitive(cls) && all == 1)
		issue_add(q, QM_UNMARKED, f, qf, cls, 0, 0);
	else if (cls == TC_BULK && (all >> 32))
		issue_add(q, QM_BULK_HIGH, f, qf, cls, d0, d1);
	if (qf->packets[0] >= AUDIT_MIN_PACKETS / 2 && qf->packets[1] >= AUDIT_MIN_PACKETS / 2 &&
	    d0 >= 0 && d1 >= 0 && d0 != d1 && (tclass_delay_sensitive(cls) || cls == TC_DATABASE))
		issue_add(q, QM_DIR_DIFF, f, qf, cls, d0, d1);
}

/* The 95th percentile of a stream's transit over its fastest bucket, in ms (robust to the odd
 * late packet that makes the peak). */
static double rtp_p95_ms(const uint16_t *h)
{
	if (!h)
		return 0;
	uint64_t n = 0;
	int lo = -1;
	for (int k = 0; k < RTP_HIST; k++) {
		n += h[k];
		if (h[k] && lo < 0)
			lo = k;
	}
	if (!n)
		return 0;
	uint64_t want = (n * 95 + 99) / 100, c = 0;
	for (int k = 0; k < RTP_HIST; k++) {
		c += h[k];
		if (c >= want)
			return (double)(k - lo) * (double)RTP_HIST_NS / 1e6;
	}
	return 0;
}

void qos_flow_end(struct qos *q, struct flow *f)
{
	if (f->idx >= q->max_flows)
		return;
	struct qos_flow *qf = q->slot[f->idx];
	if (!qf || qf->id != f->id)
		return;
	q->slot[f->idx] = NULL;
	struct qos_class_stats *cs = &q->roll->cls[qf->cls];
	enum tclass refined = tclass_refine(qf->cls, f->proto, qf->bytes[0] + qf->bytes[1],
					    (double)(f->dir[0].last_ns > f->dir[1].last_ns
							     ? f->dir[0].last_ns
							     : f->dir[1].last_ns) / 1e9 -
						    (double)f->dir[0].first_ns / 1e9);
	audit(q, f, qf, refined);
	for (int d = 0; d < 2; d++) {
		if (!qf->packets[d])
			continue;
		struct mtu_path *m = mtu_path_get(&q->roll->mtu, d ? &f->dst : &f->src,
						  d ? &f->src : &f->dst);
		if (!m)
			continue;
		m->flows++;
		m->packets += qf->packets[d];
		m->df_packets += qf->df[d];
		if (qf->max_ip[d] > m->max_ip_len)
			m->max_ip_len = qf->max_ip[d];
		if (qf->max_seg[d] > m->max_segment)
			m->max_segment = qf->max_seg[d];
		if (qf->mss[d] >= 0)
			m->mss_sender = qf->mss[d];
		if (qf->mss[!d] >= 0)
			m->mss_receiver = qf->mss[!d];
	}
	if (f->proto == IPPROTO_NUM_TCP || f->proto == IPPROTO_NUM_UDP) {
		bool have = false;
		for (unsigned i = 0; i < cs->nports; i++)
			have |= cs->ports[i] == f->dport && cs->port_proto[i] == f->proto;
		if (!have && cs->nports < QOS_CLASS_PORTS) {
			cs->ports[cs->nports] = f->dport;
			cs->port_proto[cs->nports++] = f->proto;
		}
	}
	double rtt_min = -1;
	for (int d = 0; d < 2; d++) {
		static const struct rl_dir none = {.half_min_ns = {-1, -1}};
		const struct rl_dir *r = qf->trl ? &qf->trl->rl[d] : &none;
		const struct qos_rtp *rp = qf->rtp;
		uint64_t rtp_n = rp ? rp->n[d] : 0;
		cs->tcp_segs += r->segs;
		cs->tcp_rtx += r->rtx_segs;
		if (r->half_min_ns[0] >= 0 || r->half_min_ns[1] >= 0) {
			double m = (double)((r->half_min_ns[0] > 0 ? r->half_min_ns[0] : 0) +
					    (r->half_min_ns[1] > 0 ? r->half_min_ns[1] : 0)) / 1e6;
			if (rtt_min < 0 || m < rtt_min)
				rtt_min = m;
		}
		if (rtp_n >= 16) {
			double lat = (rp->transit_sum[d] / (double)rtp_n -
				      (double)rp->min_transit[d]) / 1e6;
			double peak = (double)(rp->max_transit[d] - rp->min_transit[d]) / 1e6;
			cs->rtp_streams++;
			cs->rtp_delay_sum_ms += lat;
			if (lat > cs->rtp_delay_max_ms)
				cs->rtp_delay_max_ms = lat;
			if (peak > cs->rtp_delay_peak_ms)
				cs->rtp_delay_peak_ms = peak;
			double p95 = rtp_p95_ms(rp->hist[d]);
			if (p95 > cs->rtp_delay_p95_ms)
				cs->rtp_delay_p95_ms = p95;
			if (qf->cls == TC_VOICE && q->roll->nvoice < QOS_MAX_VOICE) {
				struct qos_voice_stream *v = &q->roll->voice[q->roll->nvoice++];
				v->flow_id = f->id;
				v->first_frame = f->first_frame;
				v->packets = rtp_n;
				v->src = d ? f->dst : f->src;
				v->dst = d ? f->src : f->dst;
				v->sport = d ? f->dport : f->sport;
				v->dport = d ? f->sport : f->dport;
				v->delay_mean_ms = lat;
				v->delay_p95_ms = p95;
				v->delay_peak_ms = peak;
				v->jitter_ms = rp->jitter_sum[d] / (double)rtp_n / 1e6;
				v->first_ns = rp->t0[d];
				v->last_ns = f->dir[d].last_ns;
			}
		}
		if (rtp_n >= 16 || qf->gaps[d] >= 16) {
			/* RTP: the mean of the running RFC 3550 estimate over the stream (its last
			 * value only tells the end of the call) */
			double j = (rtp_n >= 16 ? rp->jitter_sum[d] / (double)rtp_n
						       : qf->jitter_ns[d]) / 1e6;
			cs->jitter_sum_ms += j;
			cs->jitter_flows++;
			if (j > cs->jitter_max_ms)
				cs->jitter_max_ms = j;
		}
		if (!r->s)
			continue;
		struct rl_diag dg;
		rl_diagnose(r, &dg);
		for (int g = 0; qf->trl->agg_joined[d] && g < AGG_GROUPS; g++)
			agg_member(&q->roll->agg, qf->trl->agg[d][g], f->id, r, &dg);
		if (dg.loaded_rtt_ms > cs->rtt_max_ms)
			cs->rtt_max_ms = dg.loaded_rtt_ms;
		if (dg.bins >= RL_MIN_BINS || dg.verdict != RL_NONE)
			result_add(q, f, qf, d, r, &dg);
	}
	if (rtt_min >= 0) {
		cs->rtt_sum_ms += rtt_min;
		cs->rtt_flows++;
	}
	flow_free(qf);
}

const struct qos_rl_result *qos_results(const struct qos *q, size_t *n)
{
	*n = q->nres;
	return q->res;
}

uint64_t qos_results_dropped(const struct qos *q)
{
	return q->res_dropped;
}

const struct qos_class_stats *qos_class(const struct qos *q, enum tclass c)
{
	return &q->cls[(unsigned)c < TC_COUNT ? c : TC_OTHER];
}

void qos_series(const struct qos *q, double *width_s, unsigned *n, int64_t *t0_ns)
{
	*width_s = (double)q->width_ns / 1e9;
	*n = q->nbins;
	*t0_ns = q->t0_ns;
}

const struct qos_voice_stream *qos_voice_streams(const struct qos *q, size_t *n)
{
	*n = q->nvoice;
	return q->voice;
}

const struct agg_table *qos_aggregates(const struct qos *q, const struct agg_diag **verdicts)
{
	if (verdicts)
		*verdicts = q->aggd;
	return &q->agg;
}

void qos_aggregates_judge(struct qos *q)
{
	agg_diagnose_all(&q->agg, q->aggd);
}

const struct mtu_table *qos_mtu(const struct qos *q)
{
	return &q->mtu;
}

const struct qos_mark_issue *qos_mark_issues(const struct qos *q, size_t *n)
{
	*n = q->niss;
	return q->iss;
}
