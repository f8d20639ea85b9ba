/* rtp.c - RTP streams per SSRC (RFC 3550): sequence accounting (A.1, A.3), interarrival
 * jitter (6.4.1, A.8) and an E-model estimate of call quality (ITU-T G.107, simplified).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                           timestamp                           |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |           synchronization source (SSRC) identifier            |
 *   +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 *   |            contributing source (CSRC) identifiers: CC x 4     |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Jitter (6.4.1): for packets i-1 and i with arrival times R and timestamps S (in the payload
 * type's clock units), D = (R_i - R_{i-1}) - (S_i - S_{i-1}); J += (|D| - J) / 16.  It is kept
 * in milliseconds (S differences divided by the clock rate; the timestamp difference is read
 * modulo 2^32 as a signed number).  Without a clock rate (a dynamic payload type no SDP
 * named) there is no jitter, as in Wireshark.  Maximum jitter and the largest gap are taken,
 * as Wireshark's RTP stream statistics take them, over the packets after the first whose
 * marker bit is clear; the mean jitter is Wireshark's running mean, updated at those packets
 * as mean = (mean x (k - 2) + J) / (k - 1) for the stream's k-th packet (so marked packets
 * count in the weights but add no sample).
 *
 * Loss (A.3): expected = extended highest sequence number - first + 1; lost = expected -
 * received (negative with duplicates).  A jump of more than 3000 is a restart when the next
 * packet follows it (A.1), and a sequence error either way.
 *
 * E-model (G.107 with the defaults, simplified as Cole and Rosenbluth, 2001):
 *   R = 93.2 - Id - Ie_eff
 *   d = 2 x mean jitter + 10 ms (a jitter buffer twice the jitter, plus packetisation; the
 *       network's one-way delay is not known from a mirror and taken as 0)
 *   Id = 0.024 d + 0.11 (d - 177.3) H(d - 177.3)
 *   Ie_eff = Ie + (95 - Ie) x Ppl / (Ppl + Bpl)     (random loss: BurstR = 1; Ppl = loss %)
 *   MOS = 1 + 0.035 R + R (R - 60)(100 - R) 7e-6, at least 1 (the polynomial dips to 0.99
 *         for R < 6.5), 1 below R = 0, 4.5 above R = 100
 * with Ie and Bpl from ITU-T G.113 appendix I: G.711 (PCMU, PCMA) 0 and 25.1 (with packet
 * loss concealment), G.729(A) 11 and 19.0, G.723.1 15 and 16.1, GSM-FR 20 and 10 (assumed);
 * G.722 and other codecs are treated as G.711.  Only audio streams get an estimate.
 */
#include "app/rtp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/cursor.h"
#include "decode/packet.h"

#define RTP_MAX_DROPOUT 3000
#define RTP_MAX_MISORDER 100

struct rtp_src {
	struct rtp_stream r;
	bool valid; /* counted: from SDP, or passed probation */
	uint16_t max_seq;
	uint32_t cycles;
	uint32_t base_seq;
	uint32_t bad_seq; /* A.1: the sequence number after a jump, for a restart */
	uint64_t received;
	unsigned run; /* packets in sequence so far (probation) */
	uint32_t last_ts;
	int64_t last_arrival_ns;
};

struct rtp_conv {
	struct sip_media media;
	bool has_media;
	bool dead; /* a heuristic flow that showed no stream */
	uint64_t packets, not_rtp, extra_ssrcs;
	struct rtp_src src[RTP_SSRC_MAX];
	unsigned nsrc;
};

uint32_t rtp_static_rate(uint8_t pt, const char **name)
{
	static const struct {
		uint8_t pt;
		uint32_t rate;
		const char *name;
	} t[] = {
	    {0, 8000, "PCMU"},   {3, 8000, "GSM"},     {4, 8000, "G723"},    {5, 8000, "DVI4"},
	    {6, 16000, "DVI4"},  {7, 8000, "LPC"},     {8, 8000, "PCMA"},    {9, 8000, "G722"},
	    {10, 44100, "L16"},  {11, 44100, "L16"},   {12, 8000, "QCELP"},  {13, 8000, "CN"},
	    {14, 90000, "MPA"},  {15, 8000, "G728"},   {16, 11025, "DVI4"},  {17, 22050, "DVI4"},
	    {18, 8000, "G729"},  {25, 90000, "CelB"},  {26, 90000, "JPEG"},  {28, 90000, "nv"},
	    {31, 90000, "H261"}, {32, 90000, "MPV"},   {33, 90000, "MP2T"},  {34, 90000, "H263"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (t[i].pt == pt) {
			if (name)
				*name = t[i].name;
			return t[i].rate;
		}
	}
	if (name)
		*name = "";
	return 0;
}

bool rtp_header_ok(const uint8_t *d, size_t n)
{
	struct cursor c = cur_make(d, n);
	uint8_t b0 = cur_u8(&c), b1 = cur_u8(&c);
	cur_skip(&c, 10);
	if (c.bad || b0 >> 6 != 2)
		return false;
	uint8_t pt = b1 & 0x7f;
	if (pt >= 72 && pt <= 76)
		return false; /* RTCP SR, RR, SDES, BYE, APP (RFC 5761 4) */
	cur_skip(&c, (size_t)(b0 & 0x0f) * 4);
	if (b0 & 0x10) {
		cur_skip(&c, 2);
		cur_skip(&c, (size_t)cur_be16(&c) * 4);
	}
	return !c.bad;
}

double rtp_r_factor(double ie, double bpl, double loss_pct, double jitter_ms)
{
	double d = 2.0 * jitter_ms + 10.0;
	double id = 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0.0);
	double ppl = loss_pct > 0 ? loss_pct : 0;
	double ie_eff = ie + (95.0 - ie) * ppl / (ppl + bpl);
	return 93.2 - id - ie_eff;
}

double rtp_mos(double r)
{
	if (r <= 0)
		return 1.0;
	if (r >= 100)
		return 4.5;
	double mos = 1.0 + 0.035 * r + r * (r - 60.0) * (100.0 - r) * 7e-6;
	return mos < 1.0 ? 1.0 : mos; /* the polynomial dips just below 1 for R under 6.5 */
}

static void codec_impairment(const char *codec, double *ie, double *bpl)
{
	*ie = 0;
	*bpl = 25.1;
	if (!strncasecmp(codec, "G729", 4)) {
		*ie = 11;
		*bpl = 19.0;
	} else if (!strncasecmp(codec, "G723", 4)) {
		*ie = 15;
		*bpl = 16.1;
	} else if (!strcasecmp(codec, "GSM")) {
		*ie = 20;
		*bpl = 10;
	}
}

/* The clock rate and name of payload type pt on this flow. */
static uint32_t clock_of(const struct rtp_conv *c, uint8_t pt, const char **name)
{
	if (c->has_media) {
		for (unsigned i = 0; i < c->media.npt; i++) {
			if (c->media.pt[i].pt == pt && c->media.pt[i].rate) {
				*name = c->media.pt[i].name;
				return c->media.pt[i].rate;
			}
		}
	}
	return rtp_static_rate(pt, name);
}

static struct rtp_src *src_of(struct rtp_conv *c, int dir, uint32_t ssrc)
{
	for (unsigned i = 0; i < c->nsrc; i++)
		if (c->src[i].r.ssrc == ssrc && c->src[i].r.dir == dir)
			return &c->src[i];
	if (c->nsrc == RTP_SSRC_MAX) {
		c->extra_ssrcs++;
		return NULL;
	}
	struct rtp_src *s = &c->src[c->nsrc++];
	memset(s, 0, sizeof(*s));
	s->r.dir = dir;
	s->r.ssrc = ssrc;
	return s;
}

static void seq_init(struct rtp_src *s, uint16_t seq)
{
	s->base_seq = seq;
	s->max_seq = seq;
	s->bad_seq = RTP_MAX_DROPOUT + 65536u + 1; /* none */
	s->cycles = 0;
	s->received = 0;
}

/* A.1 update_seq, counting out-of-sequence packets. */
static void seq_update(struct rtp_src *s, uint16_t seq)
{
	uint16_t udelta = (uint16_t)(seq - s->max_seq);
	if (udelta == 1) {
		s->run++;
	} else {
		s->run = 0;
		s->r.seq_errors++;
	}
	if (udelta < RTP_MAX_DROPOUT) {
		if (seq < s->max_seq)
			s->cycles += 65536;
		s->max_seq = seq;
	} else if (udelta <= 65536 - RTP_MAX_MISORDER) {
		if (seq == s->bad_seq) {
			seq_init(s, seq); /* two in a row after a jump: the source restarted */
		} else {
			s->bad_seq = (uint32_t)((seq + 1) & 0xffff);
			return;
		}
	}
	s->received++;
}

static void packet(struct rtp_conv *c, const struct app_seg *sg, int dir)
{
	struct cursor cur = cur_make(sg->data, sg->caplen);
	uint8_t b0 = cur_u8(&cur), b1 = cur_u8(&cur);
	uint16_t seq = cur_be16(&cur);
	uint32_t ts = cur_be32(&cur), ssrc = cur_be32(&cur);
	if (cur.bad || !rtp_header_ok(sg->data, sg->caplen)) {
		c->not_rtp++;
		return;
	}
	(void)b0;
	struct rtp_src *s = src_of(c, dir, ssrc);
	if (!s)
		return;
	struct rtp_stream *r = &s->r;
	uint8_t pt = b1 & 0x7f;
	bool marker = b1 & 0x80;
	const char *name = "";
	uint32_t rate = clock_of(c, pt, &name);
	if (!r->packets) {
		r->pt = pt;
		r->clock_rate = rate;
		snprintf(r->codec, sizeof(r->codec), "%s", name);
		r->first_frame = sg->frame;
		r->first_ns = sg->ts_ns;
		r->from_sdp = c->has_media;
		r->sdp_frame = c->has_media ? c->media.frame : 0;
		r->audio = c->has_media ? c->media.audio : pt < 24;
		seq_init(s, seq);
		s->received = 1;
		s->valid = c->has_media;
	} else {
		if (pt != r->pt)
			r->pt_changed = true;
		seq_update(s, seq);
		double delta_ms = (double)(sg->ts_ns - s->last_arrival_ns) / 1e6;
		if (rate) {
			int32_t dts = (int32_t)(ts - s->last_ts);
			double d = delta_ms - (double)dts * 1000.0 / rate;
			r->jitter_ms += (fabs(d) - r->jitter_ms) / 16.0;
		}
		if (!marker) {
			if (delta_ms > r->max_delta_ms)
				r->max_delta_ms = delta_ms;
			if (r->jitter_ms > r->max_jitter_ms)
				r->max_jitter_ms = r->jitter_ms;
			/* Wireshark's running mean: weighted by the packets before this one
			 * (the first aside), marked packets included in the count */
			double k = (double)r->packets; /* this is packet k + 1 */
			r->mean_jitter_ms = (r->mean_jitter_ms * (k - 1) + r->jitter_ms) / k;
		}
		if (!s->valid && s->run + 1 >= RTP_PROBATION)
			s->valid = true;
	}
	r->packets++;
	r->marker_packets += marker;
	r->last_frame = sg->frame;
	r->last_ns = sg->ts_ns;
	s->last_ts = ts;
	s->last_arrival_ns = sg->ts_ns;
}

struct rtp_conv *rtp_conv_new(const struct sip_media *media)
{
	struct rtp_conv *c = calloc(1, sizeof(*c));
	if (c && media) {
		c->media = *media;
		c->has_media = true;
	}
	return c;
}

void rtp_conv_free(struct rtp_conv *c)
{
	free(c);
}

void rtp_conv_segment(struct rtp_conv *c, const struct app_seg *s, int dir,
                      const struct app_sink *k)
{
	(void)k;
	if (c->dead || (dir != 0 && dir != 1) || s->proto != IPPROTO_NUM_UDP || !s->data ||
	    s->frag == APP_FRAG_MORE || s->frag == APP_FRAG_LAST)
		return;
	c->packets++;
	packet(c, s, dir);
	if (!c->has_media && c->packets >= RTP_GIVE_UP) {
		for (unsigned i = 0; i < c->nsrc; i++)
			if (c->src[i].valid)
				return;
		c->dead = true;
	}
}

bool rtp_conv_dead(const struct rtp_conv *c)
{
	return c->dead;
}

void rtp_conv_end(struct rtp_conv *c, int64_t now_ns, const struct app_sink *k)
{
	(void)now_ns;
	for (unsigned i = 0; i < c->nsrc; i++) {
		struct rtp_src *s = &c->src[i];
		struct rtp_stream *r = &s->r;
		if (!s->valid || !r->packets)
			continue;
		r->expected = (int64_t)(s->cycles + s->max_seq) - (int64_t)s->base_seq + 1;
		r->lost = r->expected - (int64_t)s->received;
		r->r_factor = r->mos = -1;
		if (r->audio && r->clock_rate) {
			codec_impairment(r->codec, &r->ie, &r->bpl);
			double loss = r->expected > 0 && r->lost > 0
			                  ? 100.0 * (double)r->lost / (double)r->expected
			                  : 0;
			r->r_factor = rtp_r_factor(r->ie, r->bpl, loss, r->mean_jitter_ms);
			r->mos = rtp_mos(r->r_factor);
		}
		if (k && k->rtp)
			k->rtp(k->ctx, r);
	}
	c->nsrc = 0;
}

/* ---- the parser contract -------------------------------------------------------------- */

static enum app_detect rtp_detect(const struct app_seg *s, int dir, bool stream_start)
{
	(void)dir;
	(void)stream_start;
	if (s->proto != IPPROTO_NUM_UDP)
		return APP_NEVER;
	bool even = (s->sport >= 1024 && !(s->sport & 1)) || (s->dport >= 1024 && !(s->dport & 1));
	if (!even)
		return APP_NEVER;
	if (!s->data || !s->caplen || s->frag == APP_FRAG_MORE || s->frag == APP_FRAG_LAST)
		return APP_NOT_YET;
	return rtp_header_ok(s->data, s->caplen) ? APP_YES : APP_NOT_YET;
}

static void *rtp_new(const struct app_seg *s)
{
	(void)s;
	return rtp_conv_new(NULL);
}

static void rtp_segment(void *conv, const struct app_seg *s, int dir, const struct app_sink *k)
{
	rtp_conv_segment(conv, s, dir, k);
}

static void rtp_end(void *conv, int64_t now_ns, const struct app_sink *k)
{
	rtp_conv_end(conv, now_ns, k);
}

static void rtp_free(void *conv)
{
	rtp_conv_free(conv);
}

const struct app_parser app_rtp_parser = {
    .name = "rtp",
    .detect = rtp_detect,
    .conv_new = rtp_new,
    .conv_segment = rtp_segment,
    .conv_end = rtp_end,
    .conv_free = rtp_free,
};
