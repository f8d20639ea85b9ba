/* tcp_obs.h - per-flow observations the findings need beyond Wireshark's flags: which frames
 * were retransmitted, how big, how often the same segment went again (the PMTU black-hole
 * signature), the MSS each side advertised.  Fed per TCP packet with the analysis result;
 * bounded, no allocation. */
#ifndef VXS_ANALYZE_TCP_OBS_H
#define VXS_ANALYZE_TCP_OBS_H

#include <stdbool.h>
#include <stdint.h>

#include "analyze/tcp_analysis.h"
#include "decode/packet.h"

#define TCP_OBS_FRAMES 4
#define TCP_OBS_BIG_IP_LEN 1280 /* a "large" segment: above the IPv6 minimum MTU */

struct tcp_obs_dir {
	/* Resent data, as the sender did it: a segment starting below the highest sequence
	 * already sent in this direction.  Unlike Wireshark's flags (which call a resend seen
	 * within one RTT of the newest segment "out-of-order"), this counts every resend, so a
	 * retransmission rate measured next to the sender matches the loss on the path. */
	uint64_t data_segs, data_bytes, resent_segs, resent_bytes;
	uint32_t max_end;
	bool have_end;
	uint64_t rtx_frames[TCP_OBS_FRAMES]; /* first retransmissions */
	unsigned nrtx_frames;
	uint64_t big_rtx, small_rtx;         /* retransmissions by size */
	uint64_t small_ok;                   /* first-time data segments below the big size */
	uint64_t big_ok;                     /* first-time data segments of the big size */
	uint32_t last_rtx_seq;
	uint32_t rtx_repeat;                 /* consecutive retransmissions of last_rtx_seq */
	uint32_t max_big_repeat;             /* most times one large segment was retransmitted */
	uint64_t max_big_repeat_frame;
	/* Does a large segment ever get through after being resent?  The end of the latest large
	 * retransmission is watched until the peer's ACK covers it (it passed at full size:
	 * big_rtx_passed) or a small segment carries that data again (no verdict).  A policer
	 * drops large segments too, but lets their resends through; a black hole never does. */
	uint32_t watch_end;
	bool watching;
	uint64_t big_rtx_passed;
	uint32_t max_ip_len;
	int32_t mss;                         /* MSS option of this side's SYN, -1 unknown */
	bool df;                             /* DF set on this side's large segments */
};

struct tcp_obs {
	struct tcp_obs_dir dir[2];
};

void tcp_obs_init(struct tcp_obs *o);
void tcp_obs_packet(struct tcp_obs *o, const struct packet *p, int dir,
		    const struct tcp_pkt_analysis *ta);

#endif
