/* qos.h - the QoS view of a capture: traffic classes, DSCP/ECN marking audit and rate-limit
 * diagnosis per flow, rolled up per class (docs/qos.md).
 *
 * Fed from the pipeline hooks: qos_packet() for every packet with a flow, qos_tcp() for every
 * analysed TCP segment, qos_flow_end() when a flow ends.  Per-flow state lives in a table
 * indexed by the flow's slot (one allocation per flow, none per packet; rate-limit bins only
 * for directions that move RL_ALLOC_BYTES; RTP and rate-limit state only for flows that
 * carry them; all freed at the flow's end after its roll-up).  Results are bounded
 * (QOS_MAX_RESULTS).  Single-threaded; several flow tables may share one set of roll-ups
 * (qos_new_shared) under the caller's lock.
 */
#ifndef VXS_ANALYZE_QOS_H
#define VXS_ANALYZE_QOS_H

#include <stdbool.h>
#include <stdint.h>

#include "analyze/finding.h"
#include "analyze/mtu.h"
#include "analyze/rate_aggregate.h"
#include "analyze/rate_limit.h"
#include "analyze/tcp_analysis.h"
#include "analyze/traffic_class.h"
#include "decode/packet.h"
#include "flow/flow.h"

#define QOS_MAX_RESULTS 4096
#define QOS_SERIES 120           /* throughput points per class / per result */
#define QOS_SIZE_BUCKETS 6
#define QOS_CLASS_PORTS 8       /* IP length: <128 <256 <512 <1024 <1400 >=1400 */

/* One TCP sender whose limit was diagnosed. */
struct qos_rl_result {
	uint64_t flow_id;
	enum tunnel_kind sess_kind;
	bool sess_has_id;
	uint32_t sess_id;
	struct ip_addr sess_src;
	struct ip_addr src, dst;     /* data sender -> receiver */
	uint16_t sport, dport;
	bool from_server;            /* the sender is the responder of the connection */
	enum tclass cls;
	struct rl_diag diag;
	uint64_t bytes, segs, rtx_segs, zero_win, win_full;
	int64_t first_ns, last_ns;
	uint64_t frames[RL_FRAMES];
	unsigned nframes;
	float series_mbps[QOS_SERIES]; /* delivered rate per bin (IP layer), first QOS_SERIES */
	unsigned nseries;
};

#define QOS_MAX_VOICE 256 /* RTP streams of the voice class kept for the findings */

/* One RTP stream (one direction of a voice flow, >= 16 packets with an 8 kHz payload type):
 * its queueing delay (transit over its fastest packet's) and RFC 3550 jitter. */
struct qos_voice_stream {
	uint64_t flow_id, first_frame, packets;
	struct ip_addr src, dst;
	uint16_t sport, dport;
	double delay_mean_ms, delay_p95_ms, delay_peak_ms, jitter_ms;
	int64_t first_ns, last_ns;
};

struct qos_class_stats {
	uint64_t flows, packets, bytes;
	uint64_t size_hist[QOS_SIZE_BUCKETS];
	uint32_t max_ip_len;
	uint64_t dscp_mask;          /* bit d: DSCP d seen */
	uint64_t ect, ce;            /* ECN-capable and congestion-experienced packets */
	uint64_t tcp_segs, tcp_rtx;  /* loss */
	double rtt_sum_ms;           /* flows' minimum ACK RTT, summed (mean = / rtt_flows) */
	double rtt_max_ms;           /* largest per-bin mean ACK RTT of any flow */
	uint64_t rtt_flows;
	double jitter_sum_ms, jitter_max_ms; /* UDP jitter: RFC 3550's for RTP streams (8 kHz
	                                        payload types; its mean over the stream), else
	                                        the same estimate over interarrival gaps */
	uint64_t jitter_flows;         /* flow directions with >= 16 packets */
	/* RTP queueing delay: a stream's mean transit over its fastest packet's (one-way delay
	 * added on the path before the capture point, from the RTP timestamps) */
	double rtp_delay_sum_ms, rtp_delay_max_ms;
	double rtp_delay_peak_ms;     /* largest transit over the fastest, any stream */
	double rtp_delay_p95_ms;      /* largest 95th percentile of it (2 ms resolution) */
	uint64_t rtp_streams;
	uint16_t ports[QOS_CLASS_PORTS]; /* server ports seen (the plan's port filters) */
	uint8_t port_proto[QOS_CLASS_PORTS];
	unsigned nports;
	uint64_t bins[QOS_SERIES];   /* bytes per series bin (qos.series_*) */
};

/* A flow the marking audit flagged. */
struct qos_mark_issue {
	enum { QM_UNMARKED, QM_BULK_HIGH, QM_DIR_DIFF, QM_CE } kind;
	uint64_t flow_id;
	uint64_t first_frame;
	struct ip_addr src, dst;
	uint16_t sport, dport;
	uint8_t proto;
	enum tclass cls;
	int dscp[2];
	uint64_t packets, ce;
};

struct qos_cfg {
	struct tclass_map map;
	bool rate_limits;            /* keep rate-limit bins (off: classes and audit only) */
};

struct qos;

/* NULL on out of memory.  max_flows: the flow table's bound (slots). */
struct qos *qos_new(const struct qos_cfg *cfg, uint32_t max_flows);
/* A second table of per-flow state (another worker's flows, indexed by its own flow table's
 * slots) whose roll-ups -- classes, series, results, marking audit, MTU paths, aggregates,
 * voice streams -- are owner's, so several flow tables give one set of findings.  The caller
 * serialises qos_packet/qos_tcp/qos_flow_end on all tables sharing an owner (one lock) and
 * frees them before owner; findings and the accessors below are taken on owner.  NULL on out
 * of memory. */
struct qos *qos_new_shared(const struct qos_cfg *cfg, uint32_t max_flows, struct qos *owner);
/* Frees q's flows (and, for an owner, its roll-ups). */
void qos_free(struct qos *q);

void qos_packet(struct qos *q, const struct packet *p, struct flow *f, int dir);
/* Start loading f's QoS state (a cache prefetch; nothing changes). */
void qos_prefetch(const struct qos *q, const struct flow *f);
void qos_tcp(struct qos *q, const struct packet *p, struct flow *f, int dir,
	     const struct tcp_pkt_analysis *ta);
void qos_flow_end(struct qos *q, struct flow *f);
/* The class of a live flow (as the class table counts it; before its end's bulk promotion);
 * from the map when qos has no state for it. */
enum tclass qos_flow_class(const struct qos *q, const struct flow *f);

/* Findings: rate limits (qos.policer, qos.shaper, qos.congestion, qos.receiver_limited;
 * shared by several flows: qos.aggregate_policer, qos.aggregate_shaper; an RTP stream
 * queued behind a shaper toward the same receiver: qos.voice_behind_shaper), the
 * marking audit (qos.unmarked_delay_sensitive, qos.bulk_marked_high,
 * qos.dscp_direction_mismatch, qos.ecn_ce) and MTU (mtu.h). */
void qos_findings(struct qos *q, struct finding_list *out);

/* Results, for the report (the table's order: largest bytes first after qos_findings()). */
const struct qos_rl_result *qos_results(const struct qos *q, size_t *n);
uint64_t qos_results_dropped(const struct qos *q);
const struct qos_class_stats *qos_class(const struct qos *q, enum tclass c);
/* Width of one class series bin in seconds and the number in use; t0 of bin 0. */
void qos_series(const struct qos *q, double *width_s, unsigned *n, int64_t *t0_ns);
const struct qos_mark_issue *qos_mark_issues(const struct qos *q, size_t *n);
/* The voice class's RTP streams (at most QOS_MAX_VOICE; in order of their flows' end). */
const struct qos_voice_stream *qos_voice_streams(const struct qos *q, size_t *n);
/* Rate limits shared by several flows (rate_aggregate.h); *verdicts (may be NULL): one per
 * aggregate, as judged by qos_findings() (all RL_NONE before). */
const struct agg_table *qos_aggregates(const struct qos *q, const struct agg_diag **verdicts);
/* Judge the aggregates (qos_findings() does). */
void qos_aggregates_judge(struct qos *q);
/* An aggregate's name: "10.0.0.2 (vni 7 from 10.1.1.1)", "vni 7 from 10.1.1.1", "bulk". */
void qos_agg_name(const struct agg *a, char *buf, size_t len);
/* MTU and fragmentation per path (mtu.h). */
const struct mtu_table *qos_mtu(const struct qos *q);

#endif
