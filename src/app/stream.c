/* stream.c - place TCP segments in their direction's byte stream (see stream.h). */
#include "stream.h"

#include <string.h>

#include "decode/packet.h"

bool app_stream_syn(struct app_stream *s, uint32_t seq)
{
	if (s->syn_seen && seq == s->isn)
		return false; /* retransmitted */
	if (!s->syn_seen && s->started) {
		/* data came first: a SYN just before it is this stream's, captured late */
		uint32_t behind = s->next_seq - (seq + 1);
		if (behind <= APP_STREAM_MAX_GAP) {
			s->syn_seen = true;
			s->isn = seq;
			return false;
		}
	}
	s->syn_seen = true;
	s->isn = seq;
	s->started = true;
	s->next_seq = seq + 1;
	return true;
}

void app_stream_start(struct app_stream *s, uint32_t next_seq)
{
	if (s->started)
		return;
	s->started = true;
	s->next_seq = next_seq;
	s->nskip = 0;
}

/* Was the byte at seq skipped (held back) before? */
static bool skipped(const struct app_stream *s, uint32_t seq)
{
	for (unsigned i = 0; i < s->nskip; i++)
		if (seq - s->skip_start[i] < s->skip_end[i] - s->skip_start[i] ||
		    seq == s->skip_start[i])
			return true;
	return false;
}

bool app_stream_take(struct app_stream *s, uint32_t seq, uint8_t tcp_flags, const uint8_t *payload,
                     uint32_t caplen, uint32_t len, bool may_hold, struct app_span *out)
{
	memset(out, 0, sizeof(*out));
	if (caplen > len)
		caplen = len;
	/* the SYN takes one sequence number; data (TFO) follows it */
	uint32_t dseq = tcp_flags & TCP_SYN ? seq + 1 : seq;
	if (!len || !payload)
		return false;
	if (!s->started) {
		s->started = true;
		s->next_seq = dseq;
	}
	uint32_t ahead = dseq - s->next_seq;
	if (ahead != 0 && ahead < 0x80000000u) {
		if (may_hold && ahead <= APP_STREAM_MAX_GAP && s->nskip < APP_STREAM_REORDER &&
		    !skipped(s, s->next_seq)) {
			/* maybe reordered: hold it back, the bytes before it may come next */
			s->skip_start[s->nskip] = dseq;
			s->skip_end[s->nskip] = dseq + len;
			s->nskip++;
			return false;
		}
		s->nskip = 0;
		out->gap = ahead > APP_STREAM_MAX_GAP ? APP_SPAN_LOST : ahead;
		out->data = cur_make(payload, caplen);
		out->tail_gap = len - caplen;
		out->seg_start = true;
		s->next_seq = dseq + len;
		return true;
	}
	uint32_t behind = ahead ? s->next_seq - dseq : 0;
	if (behind > APP_STREAM_MAX_GAP || behind >= len)
		return false; /* seen before (retransmission, keep-alive), or far outside */
	out->data = cur_make(payload, caplen);
	if (behind <= caplen)
		cur_skip(&out->data, behind);
	else
		out->data = cur_make(payload, 0);
	out->tail_gap = (uint64_t)(len - behind) - out->data.left;
	out->seg_start = behind == 0;
	s->next_seq = dseq + len;
	/* skipped ranges this segment covered (their bytes came again) are done with */
	unsigned k = 0;
	for (unsigned i = 0; i < s->nskip; i++) {
		if (s->next_seq - s->skip_end[i] < 0x80000000u)
			continue;
		s->skip_start[k] = s->skip_start[i];
		s->skip_end[k] = s->skip_end[i];
		k++;
	}
	s->nskip = (uint8_t)k;
	return true;
}
