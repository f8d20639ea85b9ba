/* rate_aggregate.h - rate limits shared by several TCP flows: a policer or shaper on a
 * server, a mirror session or a traffic class, found from the *sum* of the flows' delivered
 * rates (docs/qos.md, "Aggregate rate limits").
 *
 * Flows that share one limit each see only their share, and their shares move as TCP's
 * congestion control trades bandwidth between them: no flow shows a plateau of its own (each
 * looks like congestion), but their sum sits flat at the limit.  Per data direction (to or
 * from the connection's responder), every TCP sender that moves RL_ALLOC_BYTES joins three
 * aggregates: its server (session + responder address), its mirror session, and its traffic
 * class.  Each aggregate sums the bytes its members have acknowledged (the delivered rate, as
 * rate_limit.h measures it per flow), their data and resent segments and their window
 * trouble in common time bins (RL_WIDTH_NS at first, doubling to stay within AGG_BINS).  At
 * the end, an aggregate with >= 2 members that moved RL_MIN_BYTES is judged like one flow
 * (rate_limit.h): a plateau of the sum (>= RL_PLATEAU_FRAC of the busy bins within
 * +-RL_PLATEAU_TOL of its level), bins with a zero window or a full window left out and no
 * member receiver-limited and at most half of them limited on their own (N flows each held
 * at its own ceiling also sum to a flat line: per-flow limits, not a shared one); the
 * members' queueing delay (median of their added RTT: >= RL_SHAPER_DELAY_MS without
 * recurring loss, or a standing queue of RL_DEEP_QUEUE_BYTES at the rate even with loss)
 * tells a shaper, recurring loss without one a policer.  Medians of the standing queue, not
 * the peaks: competing flows overshoot a policer's bucket in turn, and one member's RTO or a
 * sender's own qdisc makes a peak.  Aggregates with the same
 * members are reported once (server first, then class, then session).
 *
 * Bounded: AGG_MAX aggregates (a sender that finds the table full joins none: counted),
 * AGG_MEMBERS member flow ids each; no allocation per packet.  Single-threaded.
 */
#ifndef VXS_ANALYZE_RATE_AGGREGATE_H
#define VXS_ANALYZE_RATE_AGGREGATE_H

#include <stdbool.h>
#include <stdint.h>

#include "analyze/rate_limit.h"
#include "analyze/traffic_class.h"
#include "decode/packet.h"
#include "flow/flow.h"

#define AGG_MAX 512
#define AGG_BINS 256
#define AGG_MEMBERS 16
#define AGG_GROUPS 3

enum agg_group { AGG_SERVER = 0, AGG_SESSION, AGG_CLASS };

struct agg_bin {
	uint64_t acked;  /* payload bytes newly acknowledged, all members */
	uint32_t segs, rtx, rwnd;
	uint16_t senders; /* members that delivered in this bin */
};

struct agg {
	enum agg_group group;
	bool to_server;              /* data direction: to the responder (uploads) or from it */
	enum tunnel_kind sess_kind;
	bool sess_has_id;
	uint32_t sess_id;
	struct ip_addr sess_src;
	struct ip_addr server;       /* AGG_SERVER */
	enum tclass cls;             /* AGG_CLASS */
	uint64_t member[AGG_MEMBERS]; /* flow ids of the members that moved RL_MIN_BYTES */
	unsigned nmember;            /* all such members (more than AGG_MEMBERS are counted) */
	unsigned nreceiver;          /* members diagnosed receiver-limited */
	unsigned nlimited;           /* members with a policer or shaper verdict of their own */
	uint64_t payload, ip_bytes;  /* of the counted members */
	double added_ms[AGG_MEMBERS]; /* their added queueing delay (loaded - base RTT) */
	double queue_ms[AGG_MEMBERS]; /* their deepest queue (peak - base RTT) */
	double base_rtt_ms;          /* the smallest base RTT */
	int64_t first_ns, last_ns;
	struct agg_bin bin[AGG_BINS];
};

/* The verdict on one aggregate (agg_diagnose). */
struct agg_diag {
	enum rl_verdict verdict;     /* RL_POLICER, RL_SHAPER or RL_NONE */
	double rate_bps;             /* the plateau of the sum, IP layer */
	double mean_bps, plateau_frac, added_ms, loss, width_s;
	double queue_ms;             /* the members' median deepest queue (peak - base RTT) */
	unsigned busy_bins, loss_bins;
	bool duplicate;              /* the same members as an aggregate reported before it */
};

struct agg_table {
	int64_t t0_ns, width_ns;
	uint32_t nbins;
	struct agg **a;              /* AGG_MAX slots, n used (each allocated when made) */
	unsigned n;
	uint64_t dropped;            /* senders that found the table full, per group */
};

/* 0 or -ENOMEM. */
int agg_table_init(struct agg_table *t) __attribute__((warn_unused_result));
void agg_table_fini(struct agg_table *t);

/* The aggregate of one sender of flow f (data direction d: 0 originator -> responder) in
 * group g, made on first use; -1 when the table is full.  cls: the flow's class. */
int agg_find(struct agg_table *t, enum agg_group g, const struct flow *f, int d, enum tclass cls);
/* Add one sender's progress at time ts to aggregate i: bytes newly acknowledged, data and
 * resent segments sent, window trouble (zero window / window full) seen. */
void agg_add(struct agg_table *t, int i, int64_t ts, uint64_t acked, uint32_t segs, uint32_t rtx,
	     uint32_t rwnd);
/* A sender of aggregate i ended with diagnosis dg: count it as a member when it moved
 * RL_MIN_BYTES. */
void agg_member(struct agg_table *t, int i, uint64_t flow_id, const struct rl_dir *r,
		const struct rl_diag *dg);
/* Judge aggregate i; dg->duplicate is set by agg_diagnose_all. */
void agg_diagnose(const struct agg_table *t, unsigned i, struct agg_diag *dg);
/* Judge all; out[AGG_MAX].  Marks later aggregates with the same members as duplicates. */
void agg_diagnose_all(const struct agg_table *t, struct agg_diag *out);
/* Is flow_id a member (sending to the server when to_server) of an aggregate with a
 * verdict (not a duplicate)?  Its own policer/shaper verdict is then only its share. */
bool agg_is_member(const struct agg_table *t, const struct agg_diag *d, uint64_t flow_id,
		   bool to_server);
/* "server", "session", "class". */
const char *agg_group_name(enum agg_group g);

#endif
