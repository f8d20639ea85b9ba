/* dedup.h - recognise copies of one packet seen at two mirror points (two sessions).
 *
 * When both ends of a conversation are mirrored to one target (or two sessions cover one
 * packet), each packet arrives twice.  Wireshark then reports retransmissions and duplicate
 * ACKs that never happened.  A copy is recognised by what the network does not change: inner
 * addresses and ports, protocol, IP length, IPv4 identification, TCP sequence, acknowledgement,
 * flags, window and timestamps, and for other protocols a hash of the first payload bytes --
 * never TTL, DSCP or checksums (which hops rewrite; those differences are measured instead).
 * The first copy is analysed; later copies within the window are counted against the pair of
 * vantage points, with the delay between them (one-way delay between the mirror points), the
 * TTL difference (hops) and whether DSCP changed.
 *
 * By default only copies from a *different* session count as duplicates: within one session
 * an identical packet may be a real retransmission (IPv6 has no IP ID).  `same_session`
 * also folds copies within one session (a host mirrored on two interfaces into one VNI).
 *
 * The pipeline asks only for packets of flows whose 5-tuple is live in another session (and a
 * flow's first packets, before such a twin exists): a copy that arrives before its flow's
 * twin and after the flow's first packets is missed and counted twice.  The conversation is
 * then analysed from the point that delivered the first copy; its first packets, before the
 * copies link the two flows, may be counted at the other point, so a connection can show a
 * spurious retransmission (tests/e2e/test_dedup_two_points.sh tolerates one per connection).
 */
#ifndef VXS_MIRROR_DEDUP_H
#define VXS_MIRROR_DEDUP_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/packet.h"

#define DEDUP_SLOTS 65536
#define DEDUP_MAX_PAIRS 64

struct dedup_cfg {
	bool enabled;
	bool same_session;
	int64_t window_ns; /* default 200 ms */
};

void dedup_cfg_default(struct dedup_cfg *cfg);

/* What two vantage points saw of the same packets. */
struct dedup_pair {
	uint32_t first_session, second_session; /* session indexes, first = where seen first */
	uint64_t copies;
	int64_t delay_min_ns, delay_max_ns, delay_sum_ns;
	int ttl_delta_min, ttl_delta_max;        /* first TTL - second TTL */
	uint64_t dscp_changed;
	uint8_t dscp_first, dscp_second;         /* last pair of DSCP values that differed */
	uint64_t first_frame;                    /* first duplicate frame */
};

struct dedup_slot { /* 32 bytes: the table stays small */
	uint64_t sig;
	int64_t ts_ns;
	uint32_t session;
	uint32_t flow;     /* caller's id of the flow the first copy went to */
	uint8_t ttl, tos;
};

struct dedup {
	struct dedup_cfg cfg;
	struct dedup_slot *slots; /* DEDUP_SLOTS, allocated on first use */
	struct dedup_pair pairs[DEDUP_MAX_PAIRS];
	unsigned npairs;
	uint64_t checked, duplicates, pairs_overflow;
};

void dedup_init(struct dedup *d, const struct dedup_cfg *cfg);
void dedup_fini(struct dedup *d);

/* True when p is a later copy of a packet already seen (then do not analyse it again).
 * nsessions is how many sessions exist so far: with one, nothing can be a cross-session copy
 * and nothing is recorded (unless same_session is set).  flow is the caller's id of the flow
 * p would count in; on a copy, *first_flow is the id the first copy was recorded with. */
bool dedup_packet(struct dedup *d, const struct packet *p, uint32_t session, uint32_t nsessions,
		  uint32_t flow, uint32_t *first_flow);

#endif
