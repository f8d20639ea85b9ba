/* rate_aggregate.c - rate limits shared by several flows, from the sum of their delivered
 * rates (see rate_aggregate.h; the per-flow method and thresholds: rate_limit.h). */
#include "rate_aggregate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "decode/ipaddr.h"

const char *agg_group_name(enum agg_group g)
{
	return g == AGG_SERVER ? "server" : g == AGG_SESSION ? "session" : "class";
}

int agg_table_init(struct agg_table *t)
{
	memset(t, 0, sizeof(*t));
	t->width_ns = RL_WIDTH_NS;
	t->a = calloc(AGG_MAX, sizeof(*t->a));
	return t->a ? 0 : -ENOMEM;
}

void agg_table_fini(struct agg_table *t)
{
	for (unsigned i = 0; t->a && i < t->n; i++)
		free(t->a[i]);
	free(t->a);
	t->a = NULL;
	t->n = 0;
}

static bool same_key(const struct agg *a, enum agg_group g, const struct flow *f, bool to_server,
		     enum tclass cls)
{
	if (a->group != g || a->to_server != to_server)
		return false;
	if (g == AGG_CLASS)
		return a->cls == cls;
	if (a->sess_kind != f->session.kind || a->sess_has_id != f->session.has_id ||
	    a->sess_id != f->session.id || !ipaddr_eq(&a->sess_src, &f->session.src))
		return false;
	return g == AGG_SESSION || ipaddr_eq(&a->server, &f->dst);
}

int agg_find(struct agg_table *t, enum agg_group g, const struct flow *f, int d, enum tclass cls)
{
	bool to_server = d == 0;
	for (unsigned i = 0; i < t->n; i++)
		if (same_key(t->a[i], g, f, to_server, cls))
			return (int)i;
	if (t->n == AGG_MAX) {
		t->dropped++;
		return -1;
	}
	struct agg *a = calloc(1, sizeof(*a));
	if (!a) {
		t->dropped++;
		return -1;
	}
	a->group = g;
	a->to_server = to_server;
	a->sess_kind = f->session.kind;
	a->sess_has_id = f->session.has_id;
	a->sess_id = f->session.id;
	a->sess_src = f->session.src;
	a->server = f->dst;
	a->cls = cls;
	a->base_rtt_ms = -1;
	t->a[t->n] = a;
	return (int)t->n++;
}

static uint32_t add32(uint32_t a, uint32_t b)
{
	return a + b >= a ? a + b : UINT32_MAX;
}

/* Halve the bins of every aggregate: neighbours merge, the width doubles. */
static void merge(struct agg_table *t)
{
	uint32_t n = (t->nbins + 1) / 2;
	for (unsigned k = 0; k < t->n; k++) {
		struct agg_bin *b = t->a[k]->bin;
		for (uint32_t i = 0; i < n; i++) {
			struct agg_bin m = b[2 * i];
			if (2 * i + 1 < t->nbins) {
				const struct agg_bin *o = &b[2 * i + 1];
				m.acked += o->acked;
				m.segs = add32(m.segs, o->segs);
				m.rtx = add32(m.rtx, o->rtx);
				m.rwnd = add32(m.rwnd, o->rwnd);
				m.senders = m.senders > o->senders ? m.senders : o->senders;
			}
			b[i] = m;
		}
		memset(&b[n], 0, (AGG_BINS - n) * sizeof(b[0]));
	}
	t->nbins = n;
	t->width_ns *= 2;
}

void agg_add(struct agg_table *t, int i, int64_t ts, uint64_t acked, uint32_t segs, uint32_t rtx,
	     uint32_t rwnd)
{
	if (i < 0 || (unsigned)i >= t->n)
		return;
	if (!t->nbins) {
		t->t0_ns = ts;
		t->nbins = 1;
	}
	int64_t d = ts > t->t0_ns ? ts - t->t0_ns : 0;
	while (d / t->width_ns >= AGG_BINS)
		merge(t);
	uint32_t k = (uint32_t)(d / t->width_ns);
	if (k + 1 > t->nbins)
		t->nbins = k + 1;
	struct agg *a = t->a[i];
	struct agg_bin *b = &a->bin[k];
	b->acked += acked;
	b->segs = add32(b->segs, segs);
	b->rtx = add32(b->rtx, rtx);
	b->rwnd = add32(b->rwnd, rwnd);
	if (acked && b->senders < UINT16_MAX)
		b->senders++;
	if (!a->first_ns || ts < a->first_ns)
		a->first_ns = ts;
	if (ts > a->last_ns)
		a->last_ns = ts;
}

void agg_member(struct agg_table *t, int i, uint64_t flow_id, const struct rl_dir *r,
		const struct rl_diag *dg)
{
	if (i < 0 || (unsigned)i >= t->n || r->acked < RL_MIN_BYTES)
		return;
	struct agg *a = t->a[i];
	if (a->nmember < AGG_MEMBERS) {
		a->member[a->nmember] = flow_id;
		a->added_ms[a->nmember] = dg->added_ms > 0 ? dg->added_ms : 0;
		a->queue_ms[a->nmember] =
			dg->base_rtt_ms >= 0 && dg->peak_rtt_ms > dg->base_rtt_ms
				? dg->peak_rtt_ms - dg->base_rtt_ms
				: 0;
	}
	a->nmember++;
	if (dg->verdict == RL_RECEIVER)
		a->nreceiver++;
	if (dg->verdict == RL_POLICER || dg->verdict == RL_SHAPER)
		a->nlimited++;
	a->payload += r->payload;
	a->ip_bytes += r->ip_bytes;
	if (dg->base_rtt_ms >= 0 && (a->base_rtt_ms < 0 || dg->base_rtt_ms < a->base_rtt_ms))
		a->base_rtt_ms = dg->base_rtt_ms;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

#define AGG_SLOW_START_NS 2000000000LL /* as rate_limit.c: an early first loss episode ... */
#define AGG_SLOW_START_RUN 3           /* ... of at most this many bins is slow start */

void agg_diagnose(const struct agg_table *t, unsigned i, struct agg_diag *dg)
{
	memset(dg, 0, sizeof(*dg));
	dg->verdict = RL_NONE;
	if (i >= t->n)
		return;
	const struct agg *a = t->a[i];
	if (a->nmember < 2 || a->nreceiver || 2 * a->nlimited > a->nmember || !a->payload)
		return;
	double w = (double)t->width_ns / 1e9, ipf = (double)a->ip_bytes / (double)a->payload;
	dg->width_s = w;
	/* the members' span: its first and last bins are partial */
	uint32_t lo = 0, hi = t->nbins;
	while (lo < hi && !a->bin[lo].acked)
		lo++;
	while (hi > lo && !a->bin[hi - 1].acked)
		hi--;
	if (hi - lo < 3)
		return;
	lo++;
	hi--;
	uint32_t ss_end = lo + (uint32_t)(AGG_SLOW_START_NS / t->width_ns);
	for (uint32_t k = lo; k < hi && k <= ss_end; k++) {
		if (!a->bin[k].rtx)
			continue;
		uint32_t first = k;
		while (k < hi && k < first + AGG_SLOW_START_RUN && a->bin[k].rtx)
			k++;
		lo = k;
		break;
	}
	double rate[AGG_BINS], sorted[AGG_BINS];
	unsigned n = 0;
	uint64_t segs = 0, rtx = 0;
	for (uint32_t k = lo; k < hi; k++) {
		const struct agg_bin *b = &a->bin[k];
		segs += b->segs;
		rtx += b->rtx;
		if (!b->acked || b->rwnd)
			continue;
		rate[n++] = (double)b->acked * 8 * ipf / w;
		if (b->rtx)
			dg->loss_bins++;
	}
	dg->busy_bins = n;
	dg->loss = segs ? (double)rtx / (double)segs : 0;
	if (n < RL_MIN_BINS)
		return;
	memcpy(sorted, rate, n * sizeof(double));
	qsort(sorted, n, sizeof(double), cmp_double);
	double sum = 0;
	for (unsigned k = 0; k < n; k++)
		sum += rate[k];
	dg->mean_bps = sum / n;
	double p90 = sorted[(unsigned)(0.9 * (n - 1) + 0.5)];
	unsigned top0 = 0;
	while (top0 < n && sorted[top0] < (1 - RL_PLATEAU_TOL) * p90)
		top0++;
	double level = sorted[top0 + (n - top0) / 2];
	unsigned on = 0;
	for (unsigned k = 0; k < n; k++)
		on += rate[k] >= (1 - RL_PLATEAU_TOL) * level &&
		      rate[k] <= (1 + RL_PLATEAU_TOL) * level;
	dg->plateau_frac = (double)on / n;
	unsigned nm = a->nmember < AGG_MEMBERS ? a->nmember : AGG_MEMBERS;
	double added[AGG_MEMBERS];
	memcpy(added, a->added_ms, nm * sizeof(double));
	qsort(added, nm, sizeof(double), cmp_double);
	dg->added_ms = added[nm / 2];
	memcpy(added, a->queue_ms, nm * sizeof(double));
	qsort(added, nm, sizeof(double), cmp_double);
	dg->queue_ms = added[nm / 2];
	if (dg->plateau_frac < RL_PLATEAU_FRAC)
		return;
	dg->rate_bps = level;
	bool queue = a->base_rtt_ms >= 0 && dg->added_ms >= RL_SHAPER_DELAY_MS &&
		     dg->added_ms >= a->base_rtt_ms;
	/* a standing queue (the members' median added delay, not their peaks: competing flows
	 * overshoot a policer's bucket in turn, and one flow's RTO makes a peak) that holds
	 * RL_DEEP_QUEUE_BYTES at the rate is a shaper's buffer even when it also drops */
	bool deep = a->base_rtt_ms >= 0 && dg->added_ms >= RL_SHAPER_DELAY_MS &&
		    dg->added_ms / 1e3 * level / 8 >= RL_DEEP_QUEUE_BYTES;
	bool lossy = dg->loss >= RL_POLICER_LOSS && dg->loss_bins >= RL_POLICER_LOSS_BINS;
	if (deep || (queue && !lossy))
		dg->verdict = RL_SHAPER;
	else if (lossy)
		dg->verdict = RL_POLICER;
}

static bool same_members(const struct agg *x, const struct agg *y)
{
	if (x->nmember != y->nmember || x->to_server != y->to_server)
		return false;
	unsigned nm = x->nmember < AGG_MEMBERS ? x->nmember : AGG_MEMBERS;
	for (unsigned k = 0; k < nm; k++) {
		bool found = false;
		for (unsigned j = 0; j < nm && !found; j++)
			found = x->member[k] == y->member[j];
		if (!found)
			return false;
	}
	return true;
}

void agg_diagnose_all(const struct agg_table *t, struct agg_diag *out)
{
	for (unsigned i = 0; i < t->n; i++)
		agg_diagnose(t, i, &out[i]);
	static const enum agg_group order[AGG_GROUPS] = {AGG_SERVER, AGG_CLASS, AGG_SESSION};
	/* a verdict repeats an earlier one (in group order, then table order) on the same
	 * members */
	for (unsigned i = 0; i < t->n; i++) {
		if (out[i].verdict == RL_NONE)
			continue;
		unsigned gi = 0;
		while (gi < AGG_GROUPS && order[gi] != t->a[i]->group)
			gi++;
		for (unsigned j = 0; j < t->n && !out[i].duplicate; j++) {
			if (j == i || out[j].verdict == RL_NONE)
				continue;
			unsigned gj = 0;
			while (gj < AGG_GROUPS && order[gj] != t->a[j]->group)
				gj++;
			bool before = gj < gi || (gj == gi && j < i);
			if (before && same_members(t->a[i], t->a[j]))
				out[i].duplicate = true;
		}
	}
}

bool agg_is_member(const struct agg_table *t, const struct agg_diag *d, uint64_t flow_id,
		   bool to_server)
{
	for (unsigned i = 0; i < t->n; i++) {
		const struct agg *a = t->a[i];
		if (d[i].verdict == RL_NONE || d[i].duplicate || a->to_server != to_server)
			continue;
		for (unsigned k = 0; k < a->nmember && k < AGG_MEMBERS; k++)
			if (a->member[k] == flow_id)
				return true;
	}
	return false;
}
