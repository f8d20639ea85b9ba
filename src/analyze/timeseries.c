/* timeseries.c - traffic per class and TCP trouble over time, ACK RTT histograms per service
 * (see timeseries.h). */
#include "timeseries.h"

#include <stdlib.h>
#include <string.h>

#include "analyze/services.h"
#include "base/hash.h"
#include "decode/ipaddr.h"

#define RTT_SLOTS (2 * TS_RTT_MAX)

/* 1-2-5 upper edges: 10 us .. 5 s; the last bucket is open. */
static const int64_t rtt_edges_ns[TS_RTT_BUCKETS - 1] = {
	10000,     20000,     50000,     100000,     200000,     500000,
	1000000,   2000000,   5000000,   10000000,   20000000,   50000000,
	100000000, 200000000, 500000000, 1000000000, 2000000000, 5000000000,
};

struct timeseries *timeseries_new(void)
{
	struct timeseries *ts = calloc(1, sizeof(*ts));
	if (!ts)
		return NULL;
	ts->rtt = calloc(TS_RTT_MAX, sizeof(*ts->rtt));
	ts->rtt_slot = malloc(RTT_SLOTS * sizeof(*ts->rtt_slot));
	if (!ts->rtt || !ts->rtt_slot) {
		timeseries_free(ts);
		return NULL;
	}
	memset(ts->rtt_slot, 0xff, RTT_SLOTS * sizeof(*ts->rtt_slot));
	ts->width_ns = TS_FIRST_WIDTH_NS;
	return ts;
}

void timeseries_free(struct timeseries *ts)
{
	if (!ts)
		return;
	free(ts->rtt);
	free(ts->rtt_slot);
	free(ts);
}

/* The next width on the 1-2-10-20-100 ladder: x2 from a 1, x5 from a 2. */
static int64_t next_ratio(int64_t w)
{
	while (w % 10 == 0)
		w /= 10;
	return w == 1 ? 2 : 5;
}

/* Widen the bins one step, merging old bins k at a time.  New bin i takes old bins
 * [i*k, i*k+k): all at or after i, so the merge runs in place, ascending. */
static void rebin(struct timeseries *ts)
{
	int64_t k = next_ratio(ts->width_ns);
	uint32_t r = (uint32_t)k, n = (ts->nbins + r - 1) / r;
	for (uint32_t i = 0; i < n; i++) {
		struct ts_bin sum;
		memset(&sum, 0, sizeof(sum));
		uint32_t end = (i + 1) * r < ts->nbins ? (i + 1) * r : ts->nbins;
		for (uint32_t j = i * r; j < end; j++) {
			const struct ts_bin *o = &ts->bin[j];
			for (int c = 0; c < TC_COUNT; c++) {
				sum.bytes[c] += o->bytes[c];
				sum.packets[c] += o->packets[c];
			}
			sum.retrans += o->retrans;
			sum.dup_acks += o->dup_acks;
			uint64_t ff = o->first_frame;
			if (ff && (!sum.first_frame || ff < sum.first_frame))
				sum.first_frame = ff;
		}
		ts->bin[i] = sum;
	}
	memset(&ts->bin[n], 0, (ts->nbins - n) * sizeof(ts->bin[0]));
	ts->nbins = n;
	ts->width_ns *= k;
}

/* Move the start back to cover t (< t0): widen until the bins before t0 and the bins in use
 * fit, then shift the bins right.  False when even the widest bins cannot hold the span. */
static bool extend_back(struct timeseries *ts, int64_t t)
{
	for (;;) {
		uint64_t d = (uint64_t)ts->t0_ns - (uint64_t)t; /* exact: t < t0 */
		uint64_t w = (uint64_t)ts->width_ns;
		uint64_t k = d / w + (d % w != 0);
		int64_t back, t0;
		if (k + ts->nbins <= TS_MAX_BINS) {
			if (__builtin_mul_overflow((int64_t)k, ts->width_ns, &back) ||
			    __builtin_sub_overflow(ts->t0_ns, back, &t0))
				return false;
			memmove(&ts->bin[k], &ts->bin[0], ts->nbins * sizeof(ts->bin[0]));
			memset(&ts->bin[0], 0, k * sizeof(ts->bin[0]));
			ts->nbins += (uint32_t)k;
			ts->t0_ns = t0;
			return true;
		}
		if (ts->width_ns >= TS_MAX_WIDTH_NS)
			return false;
		rebin(ts);
	}
}

static struct ts_bin *bin_at(struct timeseries *ts, int64_t t)
{
	if (!ts->started) {
		ts->started = true;
		ts->t0_ns = t;
		ts->nbins = 1;
		return &ts->bin[0];
	}
	if (t < ts->t0_ns && !extend_back(ts, t)) {
		ts->early++;
		return &ts->bin[0];
	}
	uint64_t d = (uint64_t)t - (uint64_t)ts->t0_ns; /* exact: t >= t0 */
	uint64_t i = d / (uint64_t)ts->width_ns;
	while (i >= TS_MAX_BINS && ts->width_ns < TS_MAX_WIDTH_NS) {
		rebin(ts);
		i = d / (uint64_t)ts->width_ns;
	}
	if (i >= TS_MAX_BINS) {
		ts->late++;
		i = TS_MAX_BINS - 1;
	}
	if (i >= ts->nbins)
		ts->nbins = (uint32_t)i + 1;
	return &ts->bin[i];
}

void timeseries_packet(struct timeseries *ts, const struct packet *p, enum tclass cls)
{
	unsigned c = (unsigned)cls < TC_COUNT ? (unsigned)cls : TC_OTHER;
	uint64_t len = p->has_ip ? p->ip_len : p->wirelen;
	struct ts_bin *b = bin_at(ts, p->ts_ns);
	b->bytes[c] += len;
	b->packets[c]++;
	if (p->frame && (!b->first_frame || p->frame < b->first_frame))
		b->first_frame = p->frame;
	ts->bytes[c] += len;
	ts->packets[c]++;
}

double timeseries_frame_offset(const struct timeseries *ts, uint64_t frame)
{
	double best = -1;
	uint64_t best_frame = 0;
	for (uint32_t i = 0; ts && i < ts->nbins; i++) {
		uint64_t ff = ts->bin[i].first_frame;
		if (ff && ff <= frame && ff >= best_frame) {
			best_frame = ff;
			best = (double)i * ((double)ts->width_ns / 1e9);
		}
	}
	return best;
}

int64_t ts_rtt_bucket_upper_ns(unsigned i)
{
	return i < TS_RTT_BUCKETS - 1 ? rtt_edges_ns[i] : -1;
}

unsigned ts_rtt_bucket(int64_t rtt_ns)
{
	unsigned i = 0;
	while (i < TS_RTT_BUCKETS - 1 && rtt_ns >= rtt_edges_ns[i])
		i++;
	return i;
}

static bool same_service(const struct ts_rtt *s, const struct flow *f)
{
	return service_flow_matches(s->sess_kind, s->sess_has_id, s->sess_id, &s->sess_src,
				    &s->addr, s->port, s->proto, f);
}

/* The service of flow f (its responder's address and port), made on first sight; NULL past
 * TS_RTT_MAX. */
static struct ts_rtt *rtt_service(struct timeseries *ts, const struct flow *f)
{
	uint64_t h = service_flow_hash(f, 0x7153);
	for (size_t probe = 0; probe < RTT_SLOTS; probe++) {
		size_t pos = (size_t)((h + probe) & (RTT_SLOTS - 1));
		int32_t i = ts->rtt_slot[pos];
		if (i >= 0) {
			if (same_service(&ts->rtt[i], f))
				return &ts->rtt[i];
			continue;
		}
		if (ts->nrtt == TS_RTT_MAX)
			return NULL;
		struct ts_rtt *s = &ts->rtt[ts->nrtt];
		memset(s, 0, sizeof(*s));
		s->sess_kind = f->session.kind;
		s->sess_has_id = f->session.has_id;
		s->sess_id = f->session.id;
		s->sess_src = f->session.src;
		s->addr = f->dst;
		s->port = f->dport;
		s->proto = f->proto;
		ts->rtt_slot[pos] = (int32_t)ts->nrtt++;
		return s;
	}
	return NULL;
}

void timeseries_tcp(struct timeseries *ts, const struct packet *p, const struct flow *f, int dir,
		    const struct tcp_pkt_analysis *ta)
{
	if (ta->flags & (TA_BIT(TA_RETRANSMISSION) | TA_BIT(TA_DUPLICATE_ACK))) {
		struct ts_bin *b = bin_at(ts, p->ts_ns);
		if (ta->flags & TA_BIT(TA_RETRANSMISSION)) {
			b->retrans++;
			ts->retrans++;
		}
		if (ta->flags & TA_BIT(TA_DUPLICATE_ACK)) {
			b->dup_acks++;
			ts->dup_acks++;
		}
	}
	if (!f || !ta->acks_frame || ta->ack_rtt_ns < 0)
		return;
	struct ts_rtt *s = rtt_service(ts, f);
	if (!s) {
		ts->rtt_dropped++;
		return;
	}
	s->hist[dir ? 1 : 0][ts_rtt_bucket(ta->ack_rtt_ns)]++;
	s->samples++;
}
