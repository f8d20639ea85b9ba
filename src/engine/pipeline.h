/* pipeline.h - one packet through every layer: decode, session, flow, analysis, sinks.
 *
 * The offline commands (decap, flows, flowlogs, analyze) and the live target feed the same
 * pipeline_packet(), so the same packets give the same records and findings either way.
 * Single-threaded: the live engine runs one pipeline per worker.
 */
#ifndef VXS_ENGINE_PIPELINE_H
#define VXS_ENGINE_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "analyze/tcp_analysis.h"
#include "analyze/tcp_obs.h"
#include "decode/decode.h"
#include "decode/decode_stats.h"
#include "flow/flow.h"
#include "mirror/dedup.h"
#include "mirror/sessions.h"

struct pipeline;
struct flowlog_sink;

/* What the pipeline keeps of a TCP flow beside its analysis state: findings' evidence. */
struct flow_ext_tcp {
	uint64_t first_flag_frame[TA_COUNT]; /* evidence: first frame of each TCP flag */
	struct tcp_obs obs;                  /* retransmission sizes, MSS: for findings */
};

/* What the pipeline keeps per flow (hung on flow->ext[0]). */
struct flow_ext {
	struct tcp_conv *tcp;   /* TCP analysis state, when enabled (then t[0] exists) */
	/* Flow Logs aggregation window, per direction */
	struct flow_window {
		int64_t win;     /* window index (start / interval) */
		uint64_t packets, bytes;
		int64_t first_ns, last_ns;
		int aws_flags;
	} win[2];
	struct flow *flow;
	struct flow_ext *pend_prev, *pend_next; /* flow-log pending list */
	bool pending;
	bool has_t;             /* t[0] was allocated: a TCP flow with TCP analysis on */
	uint32_t held;          /* segments waiting in the reorder window */
	/* TCP flows only (a UDP flow's ext is ~420 bytes smaller): valid when tcp is */
	struct flow_ext_tcp t[];
};

struct pipeline_hooks {
	/* Every decoded frame; f is NULL for frames that are no flow.  ta is NULL unless TCP
	 * analysis ran on this packet now (no reorder window). */
	void (*on_packet)(void *ctx, const struct packet *p, struct flow *f, int dir,
			  const struct tcp_pkt_analysis *ta);
	/* TCP analysis of one segment (p is valid during the call; with a reorder window it is
	 * a header copy, delivered after the window, and p->payload is NULL). */
	void (*on_tcp)(void *ctx, const struct packet *p, struct flow *f, int dir,
		       const struct tcp_pkt_analysis *ta);
	/* Optional: the flow of the packet being processed was just found; start loading the
	 * hook's own state of f (__builtin_prefetch) that on_packet/on_tcp will use. */
	void (*prefetch)(void *ctx, const struct flow *f);
	/* A flow ends (after the pipeline's own sinks saw it). */
	void (*on_flow_end)(void *ctx, struct flow *f, struct flow_ext *fx,
			    enum flow_end_reason why);
	void *ctx;
};

struct pipeline_cfg {
	struct decode_cfg decode;
	struct flow_table_cfg flows;
	bool track_flows;       /* false: decode only (decap) */
	bool tcp_analysis;
	struct dedup_cfg dedup; /* copies of one packet from two mirror points (with flows) */
	int64_t reorder_window_ns; /* > 0: reorder window in front of TCP analysis (tcp_reorder.h) */
	struct flowlog_sink *flowlogs; /* NULL: no flow logs */
	struct pipeline_hooks hooks;
};

void pipeline_cfg_default(struct pipeline_cfg *cfg);




/* NULL on out of memory. */
struct pipeline *pipeline_new(const struct pipeline_cfg *cfg);
/* Ends every flow (FLOW_END_EOF) and flushes sinks; call once, after the last packet. */
void pipeline_finish(struct pipeline *pl);
void pipeline_free(struct pipeline *pl);

/* Feed one captured frame: p has the capture facts set (frame, ts_ns, caplen, wirelen,
 * linktype, data); decode and everything after happen here. */
void pipeline_packet(struct pipeline *pl, struct packet *p);
/* Live capture: the clock is at now_ns though no packet came: end the flows idle by then and
 * write the Flow Logs windows that ended (offline, packet time alone moves the clock). */
void pipeline_advance(struct pipeline *pl, int64_t now_ns);

const struct decode_stats *pipeline_stats(const struct pipeline *pl);
const struct flow_table_stats *pipeline_flow_stats(const struct pipeline *pl);
struct session_table *pipeline_sessions(struct pipeline *pl);
const struct dedup *pipeline_dedup(const struct pipeline *pl);
/* TCP segments the reorder window moved ahead of others. */
uint64_t pipeline_reordered(const struct pipeline *pl);

#endif
