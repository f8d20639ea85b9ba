/* rate_limit.h - what limits one TCP sender: a policer, a shaper, the receiver, the sender
 * itself, or congestion; from the packets alone (docs/qos.md).
 *
 * Per direction of a TCP connection (the data sender), the delivered rate is measured from
 * ACK progress (bytes newly acknowledged, cumulatively or by SACK, each once) in RL_WIDTH_NS
 * bins, together with the RTT (below), resends and window trouble per bin.  A rate limit
 * shows as a *plateau*: most busy bins within +-RL_PLATEAU_TOL of one level.  On a plateau,
 * the RTT tells a shaper (RTT rises by the queue it builds: >= RL_SHAPER_DELAY_MS and >= the
 * base RTT, or a deep queue at any time) from a policer (RTT flat, drops recurring whenever
 * the sender exceeds the rate); a plateau with neither loss nor a queue is the sender's own
 * pace.  Without a plateau: zero windows or
 * window-full -> receiver-limited, idle gaps -> sender-limited, loss or a growing RTT ->
 * congestion.  The series needs the ACKs: a capture upstream of the limit (near the sender)
 * sees both the RTT rise and the drops.
 *
 * Bounded: RL_BINS bins per direction, allocated once a direction has RL_ALLOC_BYTES
 * acknowledged (short transfers cannot show a limit) and grown as time goes on (from
 * RL_BINS_FIRST, doubling); past RL_BINS the bin width doubles and neighbours merge, so any
 * flow length fits.  rl_dir_fini() frees them (at the flow's end, after its verdict).
 */
#ifndef VXS_ANALYZE_RATE_LIMIT_H
#define VXS_ANALYZE_RATE_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "analyze/tcp_analysis.h"
#include "decode/packet.h"

#define RL_BINS 256
#define RL_BINS_FIRST 16         /* a series starts with this many bins and doubles */
#define RL_WIDTH_NS 100000000LL    /* 100 ms */
#define RL_ALLOC_BYTES 131072
#define RL_MIN_BINS 10             /* busy bins before a verdict (1 s at 100 ms) */
#define RL_MIN_BYTES 262144        /* acknowledged bytes before a verdict */
#define RL_PLATEAU_TOL 0.15        /* a bin within +-15 % of the level is on the plateau */
#define RL_PLATEAU_FRAC 0.70       /* ... and 70 % of busy bins must be */
#define RL_SHAPER_DELAY_MS 2.0     /* added queueing delay (and >= the base RTT): a shaper */
#define RL_DEEP_QUEUE_BYTES 40000  /* a queue this deep (the largest interval RTT over the
                                      base, times the rate) is a shaper even when it drops:
                                      a policer's bucket is no queue */
#define RL_POLICER_LOSS 0.002      /* steady-state resent/sent on a plateau: policer ... */
#define RL_POLICER_LOSS_BINS 3     /* ... in at least this many intervals (recurring drops) */
#define RL_CONGESTION_LOSS 0.005   /* resent/sent without plateau: congestion */
#define RL_IDLE_FRAC 0.30          /* idle bins (nothing outstanding): sender-limited */
#define RL_RWND_FRAC 0.20          /* bins with zero window / window full: receiver-limited */
#define RL_FRAMES 4
#define RL_SACK_RANGES 16

enum rl_verdict {
	RL_NONE = 0,      /* not enough data, or nothing limits it we can tell */
	RL_POLICER,
	RL_SHAPER,
	RL_RECEIVER,
	RL_SENDER,
	RL_CONGESTION,
	RL_VERDICTS
};

/* RTT from any capture point: each side's "half" is the time from a packet passing the
 * capture point to that side's echo of it passing again (TCP timestamps: TSval -> TSecr,
 * RFC 7323; without them the ACK RTT, which is the receiver's half).  Near the sender the
 * receiver's half is the whole RTT; near the receiver the sender's half is.  RTT = sum of
 * the halves, so a queue anywhere on the path shows wherever the capture is. */
struct rl_bin {
	uint64_t acked;       /* payload bytes newly acknowledged */
	uint64_t half_sum_us[2]; /* by side of the connection (0 = originator) */
	uint32_t sent;        /* payload bytes sent (first time and again) */
	uint16_t half_n[2];
	uint16_t segs;        /* data segments sent */
	uint16_t rtx;         /* resent segments */
	uint16_t rwnd;        /* zero-window / window-full packets */
	uint8_t busy;         /* data outstanding or sent during the bin */
	uint8_t idle;         /* a stretch with nothing outstanding */
};

struct rl_series {
	int64_t t0_ns, width_ns;
	uint32_t nbins, cur;
	uint32_t cap;              /* bins allocated: from RL_BINS_FIRST, doubling to RL_BINS */
	struct rl_bin bin[];
};

/* One direction's sender state. */
struct rl_dir {
	bool have_nxt, have_una;
	uint32_t nxt, una;         /* highest sequence sent + 1; cumulative ACK */
	uint32_t (*sk)[2];         /* SACKed ranges above una (RL_SACK_RANGES, allocated at
	                              the first SACK block): delivery goes on during
	                              recovery, and each byte counts once */
	unsigned nsk;
	uint64_t segs, payload, ip_bytes, rtx_segs, acked;
	uint64_t zero_win, win_full;
	int64_t half_min_ns[2];    /* smallest half-RTT sample of each side, -1 none */
	bool tsp;                  /* a TSval of this side waits for its echo */
	uint32_t tsv;
	int64_t tst;
	int64_t first_ns, last_ns;
	uint64_t frames[RL_FRAMES]; /* first resent frames */
	unsigned nframes;
	struct rl_series *s;       /* NULL until RL_ALLOC_BYTES acknowledged */
};

struct rl_diag {
	enum rl_verdict verdict;
	double rate_bps;         /* plateau level at the IP layer (verdicts with a plateau) */
	double mean_bps, p50_bps, p90_bps; /* delivered, IP layer, over busy bins */
	double plateau_frac;     /* busy bins on the plateau */
	double base_rtt_ms, loaded_rtt_ms, added_ms; /* min RTT; median RTT on the plateau */
	double peak_rtt_ms;      /* the largest per-interval RTT (slow start included); the verdict
	                            uses the second largest (one late interval is no queue) */
	double loss;             /* resent / sent segments, whole flow */
	double steady_loss;      /* the same after the first loss episode (slow start's
	                            overshoot) */
	unsigned loss_bins;      /* bins with resends (loss events at bin resolution) */
	double burst_bytes;      /* policer: largest excess over the rate in one bin */
	unsigned bins, busy_bins, idle_bins, rwnd_bins;
	double width_s;
	double ip_factor;        /* IP bytes per payload byte of this sender */
};

void rl_dir_init(struct rl_dir *d);
void rl_dir_fini(struct rl_dir *d);
/* One TCP segment travelling in direction `dir` of a connection whose two sender states are
 * d[0] and d[1]: its data counts for d[dir], its ACK and window for d[!dir], RTT halves for
 * both. */
void rl_tcp(struct rl_dir d[2], const struct packet *p, int dir,
	    const struct tcp_pkt_analysis *ta);
/* Decide what limits this sender (RL_NONE when the series is too short). */
void rl_diagnose(const struct rl_dir *d, struct rl_diag *out);
/* "policer", "shaper", "receiver-limited", "sender-limited", "congestion", "none". */
const char *rl_verdict_name(enum rl_verdict v);

#endif
