/* rate_limit.c - policer, shaper, receiver-, sender-limited or congestion, per TCP sender
 * (see rate_limit.h and docs/qos.md for the thresholds and why). */
#include "rate_limit.h"

#include <stdlib.h>
#include <string.h>

const char *rl_verdict_name(enum rl_verdict v)
{
	static const char *const n[RL_VERDICTS] = {"none",	       "policer",
						   "shaper",	       "receiver-limited",
						   "sender-limited",   "congestion"};
	return (unsigned)v < RL_VERDICTS ? n[v] : "none";
}

void rl_dir_init(struct rl_dir *d)
{
	memset(d, 0, sizeof(*d));
	d->half_min_ns[0] = d->half_min_ns[1] = -1;
}

void rl_dir_fini(struct rl_dir *d)
{
	free(d->s);
	d->s = NULL;
	free(d->sk);
	d->sk = NULL;
	d->nsk = 0;
}

/* Halve the number of bins: neighbours merge, the width doubles. */
static void merge(struct rl_series *s)
{
	uint32_t n = (s->nbins + 1) / 2;
	for (uint32_t i = 0; i < n; i++) {
		struct rl_bin m = s->bin[2 * i];
		if (2 * i + 1 < s->nbins) {
			const struct rl_bin *b = &s->bin[2 * i + 1];
			m.acked += b->acked;
			m.sent += b->sent;
			m.segs = (uint16_t)(m.segs + b->segs < 65535 ? m.segs + b->segs : 65535);
			for (int h = 0; h < 2; h++) {
				m.half_sum_us[h] += b->half_sum_us[h];
				m.half_n[h] = (uint16_t)(m.half_n[h] + b->half_n[h] < 65535
								 ? m.half_n[h] + b->half_n[h]
								 : 65535);
			}
			m.rtx = (uint16_t)(m.rtx + b->rtx < 65535 ? m.rtx + b->rtx : 65535);
			m.rwnd = (uint16_t)(m.rwnd + b->rwnd < 65535 ? m.rwnd + b->rwnd : 65535);
			m.busy |= b->busy;
			m.idle |= b->idle;
		}
		s->bin[i] = m;
	}
	memset(&s->bin[n], 0, (s->cap - n) * sizeof(s->bin[0]));
	s->nbins = n;
	s->cur /= 2;
	s->width_ns *= 2;
}

/* The bin of time ts (clamped to the series), marking bins skipped since the last packet as
 * idle (nothing outstanding) or busy (data waiting for an ACK: a stall). */
static struct rl_bin *bin_at(struct rl_dir *d, int64_t ts)
{
	struct rl_series *s = d->s;
	if (ts < s->t0_ns)
		ts = s->t0_ns;
	int64_t k = (ts - s->t0_ns) / s->width_ns;
	while (k >= RL_BINS) {
		merge(s);
		k = (ts - s->t0_ns) / s->width_ns;
	}
	if (k >= (int64_t)s->cap) {
		uint32_t cap = s->cap;
		while (cap <= (uint32_t)k)
			cap *= 2;
		struct rl_series *g = realloc(s, sizeof(*s) + (size_t)cap * sizeof(s->bin[0]));
		if (g) {
			memset(&g->bin[g->cap], 0, (size_t)(cap - g->cap) * sizeof(g->bin[0]));
			g->cap = cap;
			d->s = s = g;
		}
		while (k >= (int64_t)s->cap) { /* out of memory: wider bins in what we have */
			merge(s);
			k = (ts - s->t0_ns) / s->width_ns;
		}
	}
	bool outstanding = d->have_una && d->have_nxt && d->nxt != d->una;
	for (int64_t j = (int64_t)s->cur + 1; j < k; j++) {
		if (outstanding)
			s->bin[j].busy = 1;
		else
			s->bin[j].idle = 1;
	}
	if (k > (int64_t)s->cur || !s->nbins) {
		s->cur = (uint32_t)k;
		s->nbins = (uint32_t)k + 1;
	}
	if ((uint32_t)k < s->nbins && outstanding)
		s->bin[k].busy = 1;
	return &s->bin[k];
}

static void rtt_halves(struct rl_dir d[2], const struct packet *p, int dir,
		       const struct tcp_pkt_analysis *ta);

static bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

/* Bytes of [l, r) already SACKed. */
static uint32_t covered(const struct rl_dir *d, uint32_t l, uint32_t r)
{
	uint32_t c = 0;
	for (unsigned i = 0; i < d->nsk; i++) {
		uint32_t a = seq_lt(l, d->sk[i][0]) ? d->sk[i][0] : l;
		uint32_t b = seq_lt(d->sk[i][1], r) ? d->sk[i][1] : r;
		if (seq_lt(a, b))
			c += b - a;
	}
	return c;
}

static void sack_add(struct rl_dir *d, uint32_t l, uint32_t r)
{
	if (!d->sk && !(d->sk = malloc(RL_SACK_RANGES * sizeof(d->sk[0]))))
		return; /* out of memory: these bytes may count again when acknowledged */
	for (unsigned i = 0; i < d->nsk;) {
		if (seq_lt(d->sk[i][1], l) || seq_lt(r, d->sk[i][0])) {
			i++;
			continue;
		}
		if (seq_lt(d->sk[i][0], l))
			l = d->sk[i][0];
		if (seq_lt(r, d->sk[i][1]))
			r = d->sk[i][1];
		d->sk[i][0] = d->sk[d->nsk - 1][0];
		d->sk[i][1] = d->sk[d->nsk - 1][1];
		d->nsk--;
	}
	if (d->nsk == RL_SACK_RANGES) {
		/* full: close the smallest gap between two ranges (its bytes will not count
		 * when they arrive: a small undercount, never a double count) */
		unsigned bi = 0, bj = 0;
		uint32_t best = UINT32_MAX;
		for (unsigned i = 0; i < d->nsk; i++)
			for (unsigned j = 0; j < d->nsk; j++)
				if (i != j && !seq_lt(d->sk[j][0], d->sk[i][1]) &&
				    d->sk[j][0] - d->sk[i][1] < best) {
					best = d->sk[j][0] - d->sk[i][1];
					bi = i;
					bj = j;
				}
		if (best == UINT32_MAX) {
			d->nsk = 0;
		} else {
			d->sk[bi][1] = d->sk[bj][1];
			d->sk[bj][0] = d->sk[d->nsk - 1][0];
			d->sk[bj][1] = d->sk[d->nsk - 1][1];
			d->nsk--;
		}
	}
	d->sk[d->nsk][0] = l;
	d->sk[d->nsk][1] = r;
	d->nsk++;
}

/* Bytes this ACK newly delivers (cumulative advance and SACK blocks, each byte once). */
static uint32_t delivered(struct rl_dir *o, const struct packet *p)
{
	uint32_t n = 0;
	if (seq_lt(o->una, p->ack) && !seq_lt(o->nxt, p->ack) &&
	    p->ack - o->una < (1u << 30)) {
		n += (p->ack - o->una) - covered(o, o->una, p->ack);
		o->una = p->ack;
		for (unsigned i = 0; i < o->nsk;) {
			if (!seq_lt(o->una, o->sk[i][1])) {
				o->sk[i][0] = o->sk[o->nsk - 1][0];
				o->sk[i][1] = o->sk[o->nsk - 1][1];
				o->nsk--;
				continue;
			}
			if (seq_lt(o->sk[i][0], o->una))
				o->sk[i][0] = o->una;
			i++;
		}
	} else if (seq_lt(o->nxt, p->ack) && seq_lt(o->una, p->ack)) {
		/* data the capture never saw: count it, resynchronise */
		n += p->ack - o->una < (1u << 30) ? p->ack - o->una : 0;
		o->una = o->nxt = p->ack;
		o->nsk = 0;
	}
	for (unsigned i = 0; i < p->nsack && i < PKT_MAX_SACK; i++) {
		uint32_t l = p->sack[i][0], r = p->sack[i][1];
		if (!seq_lt(o->una, r) || seq_lt(o->nxt, r) || r - l > (1u << 30))
			continue;
		if (seq_lt(l, o->una))
			l = o->una;
		n += (r - l) - covered(o, l, r);
		sack_add(o, l, r);
	}
	return n;
}

static uint16_t inc16(uint16_t v)
{
	return v < 65535 ? (uint16_t)(v + 1) : v;
}

void rl_tcp(struct rl_dir d[2], const struct packet *p, int dir, const struct tcp_pkt_analysis *ta)
{
	struct rl_dir *snd = &d[dir & 1], *o = &d[!(dir & 1)];
	rtt_halves(d, p, dir & 1, ta);
	const uint32_t probes = TA_BIT(TA_KEEP_ALIVE) | TA_BIT(TA_ZERO_WINDOW_PROBE);
	if (p->payload_len && !(ta->flags & probes)) {
		/* the bin first: time skipped since the last packet is judged by what was
		 * outstanding before this segment */
		struct rl_bin *b = snd->s ? bin_at(snd, p->ts_ns) : NULL;
		uint32_t end = p->seq + p->payload_len;
		bool resend = snd->have_nxt && (int32_t)(p->seq - snd->nxt) < 0;
		if (!snd->have_nxt || (int32_t)(end - snd->nxt) > 0)
			snd->nxt = end;
		snd->have_nxt = true;
		if (!snd->have_una) {
			snd->una = p->seq;
			snd->have_una = true;
		}
		if (!snd->segs)
			snd->first_ns = p->ts_ns;
		snd->last_ns = p->ts_ns;
		snd->segs++;
		snd->payload += p->payload_len;
		snd->ip_bytes += p->ip_len;
		if (resend) {
			snd->rtx_segs++;
			if (snd->nframes < RL_FRAMES)
				snd->frames[snd->nframes++] = p->frame;
		}
		if (ta->flags & TA_BIT(TA_WINDOW_FULL))
			snd->win_full++;
		if (b) {
			b->busy = 1;
			b->sent += p->payload_len;
			b->segs = inc16(b->segs);
			if (resend)
				b->rtx = inc16(b->rtx);
			if (ta->flags & TA_BIT(TA_WINDOW_FULL))
				b->rwnd = inc16(b->rwnd);
		}
	}
	if (!(p->tcp_flags & TCP_ACK) || !o->have_una)
		return;
	uint32_t adv = delivered(o, p);
	bool zw = ta->flags & TA_BIT(TA_ZERO_WINDOW);
	if (zw)
		o->zero_win++;
	if (adv > 0) {
		o->acked += (uint32_t)adv;
		if (!o->s && o->acked >= RL_ALLOC_BYTES) {
			o->s = calloc(1, sizeof(*o->s) + RL_BINS_FIRST * sizeof(o->s->bin[0]));
			if (o->s) {
				o->s->cap = RL_BINS_FIRST;
				o->s->t0_ns = p->ts_ns;
				o->s->width_ns = RL_WIDTH_NS;
			}
		}
	}
	if (o->s) {
		struct rl_bin *b = bin_at(o, p->ts_ns);
		if (adv > 0)
			b->acked += (uint32_t)adv;
		if (zw)
			b->rwnd = inc16(b->rwnd);
	}
}

/* One half-RTT sample of `side`, for both senders' series. */
static void half_sample(struct rl_dir d[2], int side, int64_t ts, int64_t ns)
{
	if (ns < 0)
		return;
	for (int k = 0; k < 2; k++) {
		if (d[k].half_min_ns[side] < 0 || ns < d[k].half_min_ns[side])
			d[k].half_min_ns[side] = ns;
		if (!d[k].s)
			continue;
		struct rl_bin *b = bin_at(&d[k], ts);
		if (b->half_n[side] < 65535) {
			b->half_sum_us[side] += (uint64_t)ns / 1000;
			b->half_n[side]++;
		}
	}
}

static void rtt_halves(struct rl_dir d[2], const struct packet *p, int dir,
		       const struct tcp_pkt_analysis *ta)
{
	struct rl_dir *me = &d[dir], *peer = &d[!dir];
	if (!p->has_ts) {
		/* the ACK RTT is the acking side's half */
		if (ta->ack_rtt_ns >= 0)
			half_sample(d, dir, p->ts_ns, ta->ack_rtt_ns);
		return;
	}
	if (peer->tsp && (p->tcp_flags & TCP_ACK)) {
		if (p->tsecr == peer->tsv) {
			peer->tsp = false;
			half_sample(d, dir, p->ts_ns, p->ts_ns - peer->tst);
		} else if ((int32_t)(p->tsecr - peer->tsv) > 0) {
			peer->tsp = false; /* its first echo was not seen */
		}
	}
	if (!me->tsp && p->tsval != me->tsv) {
		me->tsp = true;
		me->tsv = p->tsval;
		me->tst = p->ts_ns;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Percentile q (0..1) of sorted v[0..n). */
static double pct(const double *v, unsigned n, double q)
{
	if (!n)
		return 0;
	unsigned i = (unsigned)(q * (n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

#define RL_SLOW_START_NS 2000000000LL /* a first loss episode this early ends slow start */
#define RL_SLOW_START_RUN 3           /* and is skipped up to this many intervals */

void rl_diagnose(const struct rl_dir *d, struct rl_diag *out)
{
	memset(out, 0, sizeof(*out));
	out->verdict = RL_NONE;
	out->loss = d->segs ? (double)d->rtx_segs / (double)d->segs : 0;
	double hmin[2];
	for (int h = 0; h < 2; h++)
		hmin[h] = d->half_min_ns[h] >= 0 ? (double)d->half_min_ns[h] / 1e6 : 0;
	out->base_rtt_ms = d->half_min_ns[0] >= 0 || d->half_min_ns[1] >= 0 ? hmin[0] + hmin[1] : -1;
	out->ip_factor = d->payload ? (double)d->ip_bytes / (double)d->payload : 1;
	const struct rl_series *s = d->s;
	if (!s || d->acked < RL_MIN_BYTES || s->nbins < 3)
		return;
	double w = (double)s->width_ns / 1e9;
	out->width_s = w;
	/* the first and the last bins are partial; slow start's overshoot (its first loss
	 * episode, when early) is no steady state */
	uint32_t lo = 1, hi = s->nbins - 1;
	uint32_t ss_end = (uint32_t)(RL_SLOW_START_NS / s->width_ns);
	for (uint32_t i = 1; i < hi && i <= ss_end; i++) {
		if (!s->bin[i].rtx)
			continue;
		uint32_t first = i;
		while (i < hi && i < first + RL_SLOW_START_RUN && s->bin[i].rtx)
			i++;
		lo = i;
		break;
	}
	double rate[RL_BINS], sorted[RL_BINS], rtt[RL_BINS];
	unsigned n = 0;
	for (uint32_t i = lo; i < hi; i++) {
		const struct rl_bin *b = &s->bin[i];
		out->bins++;
		if (b->rwnd)
			out->rwnd_bins++;
		if (b->idle && !b->acked)
			out->idle_bins++;
		if (!b->busy && !b->acked)
			continue;
		if (b->rwnd)
			continue;
		rate[n++] = (double)b->acked * 8 * out->ip_factor / w;
		if (b->rtx)
			out->loss_bins++;
	}
	out->busy_bins = n;
	if (!out->bins)
		return;
	double rwnd_frac = (double)out->rwnd_bins / out->bins;
	double idle_frac = (double)out->idle_bins / out->bins;
	if (d->zero_win + d->win_full >= 3 && rwnd_frac >= RL_RWND_FRAC) {
		out->verdict = RL_RECEIVER;
		return;
	}
	if (n < RL_MIN_BINS) {
		if (idle_frac >= RL_IDLE_FRAC)
			out->verdict = RL_SENDER;
		return;
	}
	memcpy(sorted, rate, n * sizeof(double));
	qsort(sorted, n, sizeof(double), cmp_double);
	double sum = 0;
	for (unsigned i = 0; i < n; i++)
		sum += rate[i];
	out->mean_bps = sum / n;
	out->p50_bps = pct(sorted, n, 0.5);
	out->p90_bps = pct(sorted, n, 0.9);
	/* the level: median of the bins in the top band (>= 1 - TOL of p90) */
	unsigned top0 = 0;
	while (top0 < n && sorted[top0] < (1 - RL_PLATEAU_TOL) * out->p90_bps)
		top0++;
	double level = sorted[top0 + (n - top0) / 2];
	unsigned on = 0;
	double excess = 0;
	for (unsigned i = 0; i < n; i++) {
		if (rate[i] >= (1 - RL_PLATEAU_TOL) * level && rate[i] <= (1 + RL_PLATEAU_TOL) * level)
			on++;
		double ex = (rate[i] - level) * w / 8;
		if (ex > excess)
			excess = ex;
	}
	out->plateau_frac = (double)on / n;
	/* steady-state loss, and the RTT on the plateau (median of the per-bin RTT) */
	uint64_t ssegs = 0, srtx = 0;
	unsigned nr = 0;
	for (uint32_t i = lo; i < hi; i++) {
		const struct rl_bin *b = &s->bin[i];
		ssegs += b->segs;
		srtx += b->rtx;
		double r = (double)b->acked * 8 * out->ip_factor / w;
		if ((!b->half_n[0] && !b->half_n[1]) || b->rwnd || r < (1 - RL_PLATEAU_TOL) * level)
			continue;
		double x = 0;
		for (int h = 0; h < 2; h++)
			x += b->half_n[h] ? (double)b->half_sum_us[h] / b->half_n[h] / 1000.0 : hmin[h];
		rtt[nr++] = x;
	}
	out->steady_loss = ssegs ? (double)srtx / (double)ssegs : 0;
	/* the deepest queue: the largest per-interval RTT, slow start included (its overshoot
	 * fills a shaper's buffer; a policer has none to fill).  The verdict takes the second
	 * largest: a shaper's queue stays full for many intervals, while one interval of late
	 * ACKs (the sender's host busy for 100 ms) must not turn a policer into a shaper. */
	double second = 0;
	unsigned nint = 0;
	for (uint32_t i = 1; i < hi; i++) {
		const struct rl_bin *b = &s->bin[i];
		if ((!b->half_n[0] && !b->half_n[1]) || b->rwnd)
			continue;
		double x = 0;
		for (int h = 0; h < 2; h++)
			x += b->half_n[h] ? (double)b->half_sum_us[h] / b->half_n[h] / 1000.0 : hmin[h];
		nint++;
		if (x > out->peak_rtt_ms) {
			second = out->peak_rtt_ms;
			out->peak_rtt_ms = x;
		} else if (x > second) {
			second = x;
		}
	}
	double held = nint >= 2 ? second : out->peak_rtt_ms; /* one interval: that one */
	if (nr) {
		qsort(rtt, nr, sizeof(double), cmp_double);
		out->loaded_rtt_ms = pct(rtt, nr, 0.5);
		if (out->base_rtt_ms >= 0)
			out->added_ms = out->loaded_rtt_ms - out->base_rtt_ms;
	}
	bool plateau = out->plateau_frac >= RL_PLATEAU_FRAC;
	bool queue = out->base_rtt_ms >= 0 && out->added_ms >= RL_SHAPER_DELAY_MS &&
		     out->added_ms >= out->base_rtt_ms;
	bool deep = out->base_rtt_ms >= 0 && held - out->base_rtt_ms >= RL_SHAPER_DELAY_MS &&
		    (held - out->base_rtt_ms) / 1e3 * level / 8 >= RL_DEEP_QUEUE_BYTES;
	bool lossy = out->steady_loss >= RL_POLICER_LOSS && out->loss_bins >= RL_POLICER_LOSS_BINS;
	if (plateau) {
		out->rate_bps = level;
		if (deep || (queue && !lossy)) {
			out->verdict = RL_SHAPER;
		} else if (lossy) {
			out->verdict = RL_POLICER;
			out->burst_bytes = excess;
		} else {
			out->verdict = RL_SENDER;
		}
		return;
	}
	if (rwnd_frac >= RL_RWND_FRAC && d->zero_win + d->win_full >= 3)
		out->verdict = RL_RECEIVER;
	else if (idle_frac >= RL_IDLE_FRAC)
		out->verdict = RL_SENDER;
	else if (out->loss >= RL_CONGESTION_LOSS || queue)
		out->verdict = RL_CONGESTION;
}
