/* tcp_analysis.h - Wireshark's TCP analysis flags, exactly, per packet; and per-connection health.
 *
 * Spec: shared/spec/tcp-analysis.md section 1 (a paraphrase of Wireshark's
 * tcp_analyze_sequence_number()); tshark 4.0 is the oracle.  One struct tcp_conv holds both
 * directions of one TCP connection; the flow layer owns it and says which direction each
 * packet travels.  Single-threaded, no globals.
 */
#ifndef VXS_ANALYZE_TCP_ANALYSIS_H
#define VXS_ANALYZE_TCP_ANALYSIS_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/packet.h"

/* X(ENUM, "wireshark_name") - names as Wireshark's tcp.analysis.<name> fields. */
#define TCP_AFLAGS(X)                                                                              \
	X(TA_RETRANSMISSION, "retransmission")                                                     \
	X(TA_FAST_RETRANSMISSION, "fast_retransmission")                                           \
	X(TA_SPURIOUS_RETRANSMISSION, "spurious_retransmission")                                   \
	X(TA_OUT_OF_ORDER, "out_of_order")                                                         \
	X(TA_LOST_SEGMENT, "lost_segment")                                                         \
	X(TA_ACK_LOST_SEGMENT, "ack_lost_segment")                                                 \
	X(TA_DUPLICATE_ACK, "duplicate_ack")                                                       \
	X(TA_ZERO_WINDOW, "zero_window")                                                           \
	X(TA_ZERO_WINDOW_PROBE, "zero_window_probe")                                               \
	X(TA_ZERO_WINDOW_PROBE_ACK, "zero_window_probe_ack")                                       \
	X(TA_WINDOW_FULL, "window_full")                                                           \
	X(TA_WINDOW_UPDATE, "window_update")                                                       \
	X(TA_KEEP_ALIVE, "keep_alive")                                                             \
	X(TA_KEEP_ALIVE_ACK, "keep_alive_ack")                                                     \
	X(TA_REUSED_PORTS, "reused_ports")

enum tcp_aflag {
#define X(e, name) e,
	TCP_AFLAGS(X)
#undef X
	TA_COUNT
};

#define TA_BIT(f) (1u << (f))

/* Wireshark's name of a flag ("fast_retransmission"). */
const char *tcp_aflag_name(enum tcp_aflag f);

/* What the analysis says about one segment.  Times in nanoseconds; -1 = not known. */
struct tcp_pkt_analysis {
	uint32_t flags;            /* TA_BIT(enum tcp_aflag) set; a fast or spurious
	                              retransmission also has TA_RETRANSMISSION, as in Wireshark's
	                              tcp.analysis.retransmission filter */
	uint32_t dup_ack_num;      /* tcp.analysis.duplicate_ack_num */
	uint64_t dup_ack_frame;    /* tcp.analysis.duplicate_ack_frame */
	uint64_t acks_frame;       /* tcp.analysis.acks_frame (0 = none) */
	int64_t ack_rtt_ns;        /* tcp.analysis.ack_rtt */
	int64_t irtt_ns;           /* tcp.analysis.initial_rtt, once known */
	int64_t bytes_in_flight;   /* tcp.analysis.bytes_in_flight */
	int64_t rto_ns;            /* tcp.analysis.rto for retransmissions */
	uint64_t rto_frame;
};

struct tcp_conv;

/* New empty connection state; NULL on out of memory.  Free with tcp_conv_free(). */
struct tcp_conv *tcp_conv_new(void);
void tcp_conv_free(struct tcp_conv *tc);

/* Analyse one TCP segment of this connection.  dir is 0 for one direction, 1 for the other
 * (the caller keeps it consistent).  p must have has_l4 and proto TCP; p->payload_len is the
 * segment length from the IP length (so truncated copies analyse right).  A SYN with a new
 * ISN on a connection that already had one starts over and is flagged reused_ports. */
void tcp_conv_analyze(struct tcp_conv *tc, const struct packet *p, int dir,
		      struct tcp_pkt_analysis *out);

/* Per-connection totals, for flow records and findings. */
struct tcp_health {
	uint64_t flag_count[TA_COUNT];   /* packets carrying each flag */
	uint64_t data_segments[2];       /* segments with payload, per direction */
	uint64_t data_bytes[2];          /* payload bytes, per direction */
	uint64_t retrans_bytes[2];       /* payload bytes of retransmissions, per direction */
	uint64_t retrans_segments[2];
	int64_t irtt_ns;                 /* -1 unknown */
	int64_t syn_ns, synack_ns, ack_ns; /* handshake times, -1 unknown */
	uint32_t rtt_samples;            /* ACK RTT samples kept (bounded) */
	int64_t rtt_p50_ns, rtt_p95_ns, rtt_max_ns; /* -1 when no samples */
	int64_t max_bytes_in_flight;
	bool syn_seen[2], fin_seen[2], rst_seen[2];
	int first_dir;                   /* direction of the first packet seen */
	int syn_dir;                     /* direction that sent the SYN (originator), -1 none */
};

/* Fill h from the connection's state (percentiles computed here, not per packet). */
void tcp_conv_health(const struct tcp_conv *tc, struct tcp_health *h);

#endif
