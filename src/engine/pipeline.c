/* pipeline.c - one packet through decode, session, flow, TCP analysis and sinks. */
#include "pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "engine/flowlog_sink.h"
#include "engine/tcp_reorder.h"

#define DEDUP_FIRST_PACKETS 4 /* a flow's packets remembered before a twin shows up */

struct pipeline {
	struct pipeline_cfg cfg;
	struct flow_table *flows;
	struct session_table sessions;
	struct dedup dedup;
	struct decode_stats st;
	struct tcp_reorder reorder;
	bool reordering;
	bool finished;
};

void pipeline_cfg_default(struct pipeline_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	decode_cfg_default(&cfg->decode);
	flow_table_cfg_default(&cfg->flows);
	dedup_cfg_default(&cfg->dedup);
	cfg->track_flows = true;
}

static void free_ext(struct flow *f)
{
	struct flow_ext *fx = f->ext[0];
	if (!fx)
		return;
	tcp_conv_free(fx->tcp);
	free(fx);
	f->ext[0] = NULL;
}

static void on_flow_end(struct flow *f, enum flow_end_reason why, void *ctx)
{
	struct pipeline *pl = ctx;
	struct flow_ext *fx = f->ext[0];
	if (!f->dir[0].packets && !f->dir[1].packets)
		return; /* made only by copies from another mirror point: not a flow of its own */
	if (fx && fx->held)
		tcp_reorder_flush(&pl->reorder, f);
	if (fx && pl->cfg.flowlogs)
		flowlog_sink_flow_end(pl->cfg.flowlogs, f, fx);
	if (pl->cfg.hooks.on_flow_end)
		pl->cfg.hooks.on_flow_end(pl->cfg.hooks.ctx, f, fx, why);
	free_ext(f);
}

/* TCP analysis of one segment of flow f (now, or released by the reorder window). */
static void analyze_tcp(struct pipeline *pl, struct flow *f, int dir, const struct packet *p,
			struct tcp_pkt_analysis *ta)
{
	struct flow_ext *fx = f->ext[0];
	if (!fx->tcp && fx->has_t)
		fx->tcp = tcp_conv_new();
	if (!fx->tcp) {
		ta->flags = 0;
		return;
	}
	tcp_conv_analyze(fx->tcp, p, dir, ta);
	tcp_obs_packet(&fx->t[0].obs, p, dir, ta);
	for (uint32_t m = ta->flags; m; m &= m - 1) {
		int b = __builtin_ctz(m);
		if (b < TA_COUNT && !fx->t[0].first_flag_frame[b])
			fx->t[0].first_flag_frame[b] = p->frame;
	}
	if (pl->cfg.hooks.on_tcp)
		pl->cfg.hooks.on_tcp(pl->cfg.hooks.ctx, p, f, dir, ta);
}

static void reorder_release(void *ctx, struct flow *f, int dir, struct packet *p)
{
	struct pipeline *pl = ctx;
	struct flow_ext *fx = f->ext[0];
	fx->held--;
	struct tcp_pkt_analysis ta;
	analyze_tcp(pl, f, dir, p, &ta);
}

struct pipeline *pipeline_new(const struct pipeline_cfg *cfg)
{
	struct pipeline *pl = calloc(1, sizeof(*pl));
	if (!pl)
		return NULL;
	pl->cfg = *cfg;
	session_table_init(&pl->sessions);
	dedup_init(&pl->dedup, &cfg->dedup);
	if (cfg->reorder_window_ns > 0 && cfg->tcp_analysis) {
		if (tcp_reorder_init(&pl->reorder, cfg->reorder_window_ns, reorder_release, pl)) {
			free(pl);
			return NULL;
		}
		pl->reordering = true;
	}
	if (cfg->track_flows) {
		pl->flows = flow_table_new(&cfg->flows, on_flow_end, pl);
		if (!pl->flows) {
			free(pl);
			return NULL;
		}
	}
	return pl;
}

void pipeline_finish(struct pipeline *pl)
{
	if (pl->finished)
		return;
	pl->finished = true;
	if (pl->reordering)
		tcp_reorder_flush(&pl->reorder, NULL);
	if (pl->flows)
		flow_table_flush(pl->flows);
}

void pipeline_advance(struct pipeline *pl, int64_t now_ns)
{
	if (pl->finished || !pl->flows)
		return;
	flow_table_advance(pl->flows, now_ns);
	if (pl->cfg.flowlogs)
		flowlog_sink_advance(pl->cfg.flowlogs, now_ns);
}

void pipeline_free(struct pipeline *pl)
{
	if (!pl)
		return;
	pipeline_finish(pl);
	flow_table_free(pl->flows);
	session_table_fini(&pl->sessions);
	dedup_fini(&pl->dedup);
	if (pl->reordering)
		tcp_reorder_fini(&pl->reorder);
	free(pl);
}

void pipeline_packet(struct pipeline *pl, struct packet *p)
{
	decode_frame(&pl->cfg.decode, p);
	decode_stats_count(&pl->st, p);
	struct session *sess = session_table_packet(&pl->sessions, p);

	struct flow *f = NULL;
	int dir = 0;
	struct tcp_pkt_analysis ta, *tap = NULL;
	if (pl->flows && p->has_ip) {
		f = flow_table_find(pl->flows, p, &dir);
		if (!f) {
			pl->st.flow_alloc_failures++;
		} else {
			f->aws = sess ? sess->aws : NULL; /* flows are keyed by session */
			/* The flow's own state hangs off it: ask for it now, so those cache misses
			 * overlap each other and the work below instead of coming one by one. */
			__builtin_prefetch(f->ext[0]);
			__builtin_prefetch(f->ext[1]);
			if (pl->cfg.hooks.prefetch)
				pl->cfg.hooks.prefetch(pl->cfg.hooks.ctx, f);
		}
	}
	/* The same conversation seen at two mirror points is analysed from one of them: the
	 * session that delivered the first copy.  Once copies link a flow to that session's flow
	 * (f->primary), everything the second point sends for it is a copy: counted, measured
	 * (delay, hops, DSCP), never analysed -- mixing two vantage points in one flow would
	 * misorder data and ACKs that reach the target over two paths. */
	if (f && f->primary) {
		struct flow *g = flow_table_at(pl->flows, f->primary - 1);
		if (g && g != f && flow_same_conversation(f, g)) {
			uint32_t first;
			if (sess)
				(void)dedup_packet(&pl->dedup, p, (uint32_t)(sess - pl->sessions.v),
						   pl->sessions.n, f->idx + 1, &first);
			if (sess)
				sess->duplicates++;
			return;
		}
		f->primary = 0;
	}
	/* A copy of a packet already seen at another mirror point is counted against its
	 * session and analysed no further.  Only flows whose 5-tuple is live in another session
	 * can hold such copies, and a flow's first packets, before its twin exists, must be
	 * remembered: every other packet skips the check (it costs a cache miss). */
	uint32_t first_flow;
	if (f && sess && pl->cfg.dedup.enabled &&
	    (flow_table_has_twin(pl->flows, f) ||
	     f->dir[0].packets + f->dir[1].packets < DEDUP_FIRST_PACKETS) &&
	    dedup_packet(&pl->dedup, p, (uint32_t)(sess - pl->sessions.v), pl->sessions.n,
			 f->idx + 1, &first_flow)) {
		struct flow *g = first_flow ? flow_table_at(pl->flows, first_flow - 1) : NULL;
		if (g && g != f && flow_same_conversation(f, g) && f->id < g->id) {
			/* f's session saw the conversation first: it stays the point analysed, the
			 * younger flow g becomes the copy */
			g->primary = f->idx + 1;
		} else {
			if (g && g != f && flow_same_conversation(f, g))
				f->primary = first_flow;
			sess->duplicates++;
			return;
		}
	}
	if (f) {
		flow_table_count(pl->flows, f, dir, p);
		struct flow_ext *fx = f->ext[0];
		if (!fx) {
			bool t = pl->cfg.tcp_analysis && f->proto == IPPROTO_NUM_TCP;
			fx = calloc(1, sizeof(*fx) + (t ? sizeof(fx->t[0]) : 0));
			if (fx) {
				fx->flow = f;
				fx->has_t = t;
				if (t)
					tcp_obs_init(&fx->t[0].obs);
				f->ext[0] = fx;
			} else {
				pl->st.flow_alloc_failures++;
			}
		}
		if (fx && pl->cfg.tcp_analysis && p->has_l4 && p->proto == IPPROTO_NUM_TCP) {
			if (pl->reordering) {
				fx->held++;
				tcp_reorder_packet(&pl->reorder, f, dir, p);
			} else {
				analyze_tcp(pl, f, dir, p, &ta);
				tap = &ta;
			}
		}
		if (fx && pl->cfg.flowlogs)
			flowlog_sink_packet(pl->cfg.flowlogs, f, fx, dir, p);
	}
	if (pl->cfg.hooks.on_packet)
		pl->cfg.hooks.on_packet(pl->cfg.hooks.ctx, p, f, dir, tap);
}

const struct decode_stats *pipeline_stats(const struct pipeline *pl)
{
	return &pl->st;
}

const struct flow_table_stats *pipeline_flow_stats(const struct pipeline *pl)
{
	static const struct flow_table_stats none;
	return pl->flows ? flow_table_stats(pl->flows) : &none;
}

struct session_table *pipeline_sessions(struct pipeline *pl)
{
	return &pl->sessions;
}

const struct dedup *pipeline_dedup(const struct pipeline *pl)
{
	return &pl->dedup;
}

uint64_t pipeline_reordered(const struct pipeline *pl)
{
	return pl->reordering ? pl->reorder.reordered : 0;
}
