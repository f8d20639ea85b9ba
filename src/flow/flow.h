/* flow.h - flows keyed by mirror session and canonical inner 5-tuple, in a bounded table.
 *
 * A mirrored packet belongs to a session: the (outer source address, VNI) of the innermost
 * tunnel it came in (shared/DESIGN.md).  The flow key is that session plus the canonical
 * (lower endpoint first) inner 5-tuple, so identical address ranges mirrored from two VPCs never
 * merge.  The table is bounded: flows end by idle timeout, active timeout, eviction when full
 * (counted), or the final flush; each end is reported through a callback.
 *
 * Direction 0 of a flow is originator -> responder: the sender of the first packet, except that
 * a first packet carrying SYN+ACK makes its receiver the originator.
 */
#ifndef VXS_FLOW_FLOW_H
#define VXS_FLOW_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/packet.h"

struct aws_session; /* mirror/aws_config.h */

struct flow_key {
	uint8_t sess_kind;   /* enum tunnel_kind of the session tunnel, TUN_NONE if bare */
	uint8_t family;      /* 4 or 6 (inner) */
	uint8_t proto;
	uint8_t sess_family; /* outer source family */
	uint32_t sess_id;    /* VNI / key / ERSPAN session; 0 if none */
	uint8_t sess_src[16];/* outer source address of the session tunnel */
	uint8_t a[16], b[16];/* canonical: (a, pa) <= (b, pb) */
	uint16_t pa, pb;
	uint16_t vlan;       /* innermost VLAN id: a VLAN is a separate network */
	uint16_t pad;
};

/* Build the canonical key of p with the given ports (p's own, or a fragment's datagram's);
 * *dir_ab = true when p travels a -> b.  False when p has no IP layer (ARP, ...), which is
 * never a flow. */
bool flow_key_build(const struct packet *p, uint16_t sport, uint16_t dport, struct flow_key *k,
		    bool *dir_ab);

struct flow_dir {
	uint64_t packets;
	uint64_t ip_bytes;    /* sum of IP lengths (true sizes, truncation-proof) */
	uint64_t wire_bytes;  /* sum of captured frames' wire lengths (outer frame when tunnelled) */
	uint64_t payload_bytes;
	uint64_t truncated;   /* packets whose copy was cut short */
	int64_t first_ns, last_ns;
	int64_t first_payload_ns; /* first packet carrying payload, 0 = none yet */
	uint8_t tcp_flags;    /* OR of TCP flags */
	uint8_t dscp_seen;    /* last DSCP */
	uint16_t max_ip_len;
};

enum flow_end_reason {
	FLOW_END_EOF,     /* final flush at end of input */
	FLOW_END_IDLE,    /* idle timeout */
	FLOW_END_ACTIVE,  /* active timeout: the flow goes on as a new record */
	FLOW_END_EVICTED, /* table full: the least recently active flow was pushed out */
};

const char *flow_end_reason_name(enum flow_end_reason r);

/* Zeek's conn_state of a TCP flow from the flags each side sent: S0, S1, SF, REJ, S2, S3, RSTO,
 * RSTR, RSTOS0, RSTRH, SH, SHR, OTH (shared/spec/tcp-analysis.md section 2). */
struct flow;
const char *flow_conn_state(const struct flow *f);

struct flow {
	struct flow_key key;
	uint64_t id;              /* 1-based, in order of creation */
	uint64_t first_frame;
	/* Originator -> responder endpoints (direction 0). */
	struct ip_addr src, dst;
	uint16_t sport, dport;
	uint8_t proto;
	bool a_is_src;            /* key.a is the originator */
	struct flow_dir dir[2];
	struct tunnel session;    /* session tunnel of the first packet (kind TUN_NONE if bare) */
	const struct aws_session *aws; /* its AWS session (--sessions), NULL if unknown */
	uint8_t ntun;             /* tunnel depth of the first packet */
	uint8_t class_hint;       /* the application layer's traffic class, set by src/app:
	                             enum tclass + 1 (analyze/traffic_class.h); 0 = none */
	void *ext[2];             /* analyser state owned by the pipeline (TCP, apps) */

	/* table-private */
	uint32_t hnext;           /* hash chain */
	uint32_t lprev, lnext;    /* activity list (oldest first) */
	uint8_t list;             /* which activity list */
	uint32_t idx;             /* own slot */
	uint32_t twin_slot;       /* counter of live flows with this 5-tuple in any session */
	uint32_t primary;         /* 1 + slot of the flow (another session's) that this one's
	                             packets are counted in: the same conversation seen at two
	                             mirror points; 0 = none */
	int64_t listed_ns;        /* when it last moved to its list's tail */
	bool live;
};

struct flow_table_cfg {
	uint32_t max_flows;        /* bound on concurrent flows (default 262144) */
	int64_t tcp_idle_ns;       /* default 300 s */
	int64_t other_idle_ns;     /* UDP, ICMP, others: default 60 s */
	int64_t active_ns;         /* 0 = never (default): offline analysis keeps whole flows */
	int64_t closed_ns;         /* TCP flows closed by FIN both ways or RST: default 30 s */
};

void flow_table_cfg_default(struct flow_table_cfg *cfg);

/* Called when a flow ends; the flow is freed (and its slot reused) after the callback returns,
 * so the callback must release anything it hung on f->ext. */
typedef void (*flow_end_fn)(struct flow *f, enum flow_end_reason why, void *ctx);

struct flow_table;

struct flow_table_stats {
	uint64_t created, ended_idle, ended_active, evicted, live, peak;
	uint64_t fragments_matched;   /* later IP fragments given their datagram's ports */
	uint64_t fragments_unmatched; /* later fragments whose first fragment was not seen */
};

/* NULL on out of memory.  Memory grows with live flows up to cfg->max_flows. */
struct flow_table *flow_table_new(const struct flow_table_cfg *cfg, flow_end_fn on_end,
				  void *ctx);
/* Time passes without packets (a live capture that went quiet): move the clock forward to
 * now_ns (never back) and end the flows idle by then. */
void flow_table_advance(struct flow_table *t, int64_t now_ns);
/* Ends (FLOW_END_EOF) and frees every live flow, oldest first by creation. */
void flow_table_flush(struct flow_table *t);
void flow_table_free(struct flow_table *t);

/* Find or create the flow of p (key from flow_key_build, with later IP fragments given their
 * datagram's ports), update its counters, expire idle flows as p's time passes, and return it
 * with *dir = 0 (originator -> responder) or 1.  NULL for packets that are no flow (no IP
 * layer) or when memory runs out (counted).  The same as flow_table_find + flow_table_count. */
struct flow *flow_table_packet(struct flow_table *t, const struct packet *p, int *dir);
/* The two halves, for a caller that decides in between whether p counts (mirror dedup). */
struct flow *flow_table_find(struct flow_table *t, const struct packet *p, int *dir);
void flow_table_count(struct flow_table *t, struct flow *f, int dir, const struct packet *p);
/* Is the same inner 5-tuple live in another session too (an approximate count: a hash
 * collision can say yes, never no)? */
bool flow_table_has_twin(const struct flow_table *t, const struct flow *f);
/* The live flow in slot idx, or NULL. */
struct flow *flow_table_at(struct flow_table *t, uint32_t idx);
/* Same inner 5-tuple (whatever the session)? */
bool flow_same_conversation(const struct flow *a, const struct flow *b);

const struct flow_table_stats *flow_table_stats(const struct flow_table *t);

#endif
