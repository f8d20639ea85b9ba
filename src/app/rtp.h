/* rtp.h - RTP streams (RFC 3550) per SSRC on a UDP flow: packets, expected and lost
 * (appendix A.3), sequence errors, interarrival jitter (section 6.4.1, appendix A.8), the
 * largest gap between packets, and an estimated R-factor and MOS (ITU-T G.107 E-model,
 * simplified: see rtp.c).  RTCP is not read.
 *
 * A flow is RTP when an SDP body announced one of its ends (sip.h: the payload types and
 * clock rates come from it), or by heuristic: a UDP port that is even and >= 1024 on either
 * side, and a valid RTP header (version 2, a payload type that is no RTCP packet type) whose
 * SSRC then sends RTP_PROBATION packets in sequence before the stream counts (its earlier
 * packets included).
 */
#ifndef VXS_APP_RTP_H
#define VXS_APP_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/app.h"
#include "app/sip.h"

#define RTP_SSRC_MAX   8 /* streams per flow (both directions) */
#define RTP_PROBATION  3 /* packets in sequence before a heuristic stream counts */
#define RTP_GIVE_UP    16 /* packets on a heuristic flow without a stream: it is no RTP */

struct rtp_stream {
	int dir;        /* flow direction of the stream's packets */
	uint32_t ssrc;
	uint8_t pt;     /* the first packet's payload type */
	bool pt_changed;
	uint32_t clock_rate; /* 0: unknown (no jitter) */
	char codec[16];      /* "PCMU", "g722", ... or "" */
	bool from_sdp;
	bool audio;
	uint64_t sdp_frame;
	uint64_t first_frame, last_frame;
	int64_t first_ns, last_ns;
	uint64_t packets;
	int64_t expected, lost; /* RFC 3550 A.3: lost may be negative (duplicates) */
	uint64_t seq_errors;    /* packets out of sequence: late, repeated or after a jump */
	uint64_t marker_packets;
	double jitter_ms;       /* the running estimate at the last packet */
	double max_jitter_ms, mean_jitter_ms;
	double max_delta_ms;    /* the largest gap between two packets */
	double r_factor, mos;   /* -1: not estimated (no clock rate, or no audio) */
	double ie, bpl;         /* codec impairment and loss robustness used */
};

struct rtp_conv;
/* A flow found by heuristic (media NULL) or named by an SDP media line (copied). */
struct rtp_conv *rtp_conv_new(const struct sip_media *media);
void rtp_conv_segment(struct rtp_conv *c, const struct app_seg *s, int dir,
                      const struct app_sink *k);
void rtp_conv_end(struct rtp_conv *c, int64_t now_ns, const struct app_sink *k);
void rtp_conv_free(struct rtp_conv *c);
/* Did a heuristic flow give up (no RTP stream in its first packets)? */
bool rtp_conv_dead(const struct rtp_conv *c);

/* Could d be an RTP packet (version 2, not RTCP, the header fits)? */
bool rtp_header_ok(const uint8_t *d, size_t n);
/* The RTP clock rate of a static payload type (RFC 3551 table 4 and 5); 0 when dynamic or
 * unassigned.  name gets the encoding name ("" when none). */
uint32_t rtp_static_rate(uint8_t pt, const char **name);

/* The simplified E-model: R from the codec's Ie and Bpl, the loss percentage and the mean
 * jitter (ms); MOS from R (G.107 annex B). */
double rtp_r_factor(double ie, double bpl, double loss_pct, double jitter_ms);
double rtp_mos(double r);

#endif
