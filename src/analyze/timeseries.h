/* timeseries.h - traffic over time for the charts of the HTML report, in bounded memory.
 *
 * Bytes and packets per traffic class (traffic_class.h: the flow's class, as the QoS view
 * counts it, so a --class-map and the application layer's voice apply here too), and Wireshark's retransmission and duplicate-ACK flags
 * (tcp.analysis.retransmission, tcp.analysis.duplicate_ack), counted in at most TS_MAX_BINS time
 * bins.  The bins start 1 ms wide at the first packet; when a packet falls past the last bin,
 * the width steps up the ladder 1, 2, 10, 20, 100, 200 ms, 1, 2, 10 s ... (each step an integer
 * ratio, so old bins merge exactly), so any capture length fits in the same memory.  A packet
 * timed before the first one moves the start back (merged files, a damaged timestamp).  Per
 * service (session, server address, port, protocol; as services.h) it keeps a histogram of
 * the ACK RTT (tcp.analysis.ack_rtt) in 1-2-5 log buckets, split by which side sent the ACK.
 *
 * Frames without a flow (non-IP, ...) count as other.  Single-threaded; one allocation at
 * timeseries_new(), none per packet.
 */
#ifndef VXS_ANALYZE_TIMESERIES_H
#define VXS_ANALYZE_TIMESERIES_H

#include <stdbool.h>
#include <stdint.h>

#include "analyze/tcp_analysis.h"
#include "analyze/traffic_class.h"
#include "decode/packet.h"
#include "flow/flow.h"

#define TS_MAX_BINS 600
#define TS_FIRST_WIDTH_NS 1000000LL           /* 1 ms */
#define TS_MAX_WIDTH_NS 20000000000000000LL   /* 2e16 ns (~231 days): 600 of them fit uint64 */
#define TS_RTT_BUCKETS 19
#define TS_RTT_MAX 1024                       /* services with an RTT histogram */

struct ts_bin {
	uint64_t bytes[TC_COUNT];   /* IP lengths (true sizes even for truncated copies); the
	                                 frame length for frames without IP */
	uint64_t packets[TC_COUNT];
	uint64_t retrans;             /* TCP segments flagged retransmission (fast, spurious too) */
	uint64_t dup_acks;            /* TCP segments flagged duplicate_ack */
	uint64_t first_frame;         /* smallest frame number counted here (0 = none) */
};

/* ACK RTT histogram of one service.  hist[1]: ACKs sent by the server (the time from the
 * capture point to the server and back); hist[0]: ACKs sent by its clients. */
struct ts_rtt {
	enum tunnel_kind sess_kind;
	bool sess_has_id;
	uint32_t sess_id;
	struct ip_addr sess_src;
	struct ip_addr addr;
	uint16_t port;
	uint8_t proto;
	uint64_t hist[2][TS_RTT_BUCKETS];
	uint64_t samples;
};

struct timeseries {
	bool started;
	int64_t t0_ns;      /* start of bin 0: at or before the earliest packet */
	int64_t width_ns;   /* bin width */
	uint32_t nbins;     /* bins in use (the last one holds the latest packet) */
	uint64_t early;     /* packets the bins could not reach back to: counted in bin 0 */
	uint64_t late;      /* packets past TS_MAX_BINS widest bins: counted in the last bin */
	uint64_t bytes[TC_COUNT], packets[TC_COUNT]; /* totals */
	uint64_t retrans, dup_acks;
	struct ts_bin bin[TS_MAX_BINS];
	struct ts_rtt *rtt; /* TS_RTT_MAX entries, nrtt used, in order of first sample */
	uint32_t nrtt;
	uint64_t rtt_dropped; /* samples of services past TS_RTT_MAX */
	int32_t *rtt_slot;    /* open addressing: 2 * TS_RTT_MAX slots, -1 empty */
};

/* A new empty series; NULL on out of memory.  Free with timeseries_free(). */
struct timeseries *timeseries_new(void);
void timeseries_free(struct timeseries *ts);

/* Count one decoded frame (every frame, TCP or not) in class cls and its time bin. */
void timeseries_packet(struct timeseries *ts, const struct packet *p, enum tclass cls);
/* Count one analysed TCP segment's flags and its ACK RTT sample.  f may be NULL (no RTT). */
void timeseries_tcp(struct timeseries *ts, const struct packet *p, const struct flow *f, int dir,
		    const struct tcp_pkt_analysis *ta);

/* When frame `frame` was seen, to bin resolution, in seconds after t0_ns: the start of the bin
 * with the largest first frame at or below it; -1 when no bin is. */
double timeseries_frame_offset(const struct timeseries *ts, uint64_t frame);

/* Upper edge of RTT bucket i in nanoseconds (the last bucket has none: returns -1).  Bucket
 * i holds lower <= rtt < upper, where lower is the previous bucket's upper edge (0 for i 0). */
int64_t ts_rtt_bucket_upper_ns(unsigned i);
/* The bucket of one RTT. */
unsigned ts_rtt_bucket(int64_t rtt_ns);

#endif
