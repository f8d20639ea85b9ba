/* stream.h - where one TCP segment's bytes fall in its direction's byte stream (RFC 9293
 * section 3.4, sequence numbers modulo 2^32).
 *
 * No reassembly and no buffering: segments are taken in capture order.  A segment whose bytes
 * were all seen already (a retransmission, a keep-alive) yields nothing; one that overlaps
 * yields only its new bytes.  One that starts past the expected position is, when the parser
 * would lose its framing on a gap (may_hold), first held back (skipped, its range remembered)
 * for up to APP_STREAM_REORDER segments, in case the bytes before it arrive next
 * (reordering); when they do, the stream goes on and the skipped ranges later count as a gap;
 * when they do not, the gap is accepted (bytes lost).  Without may_hold (inside a body of
 * known length, where a gap costs nothing) the gap is accepted at once.  A late
 * segment that arrives after its gap was accepted is dropped as old.  A truncated copy
 * (caplen < len) yields its captured new bytes and then a tail gap for the rest.  Parsers keep
 * their framing across gaps when they know a length (a body with Content-Length) and
 * resynchronise at a segment start otherwise.
 */
#ifndef VXS_APP_STREAM_H
#define VXS_APP_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "base/cursor.h"

/* A jump forward of more than this is no gap but a different stream (port reuse, garbage):
 * the parser is told to resynchronise. */
#define APP_STREAM_MAX_GAP (1u << 30)
#define APP_STREAM_REORDER 4 /* segments held back waiting for the bytes before them */

struct app_stream {
	bool started; /* next_seq is known */
	bool syn_seen;
	uint32_t isn;      /* the SYN's sequence number, when seen */
	uint32_t next_seq; /* sequence number of the next byte not yet seen */
	uint8_t nskip;     /* segments skipped while waiting for the bytes before them */
	uint32_t skip_start[APP_STREAM_REORDER], skip_end[APP_STREAM_REORDER];
};

struct app_span {
	uint64_t gap;       /* bytes missing before `data` (APP_SPAN_LOST: unknown, resync) */
	struct cursor data; /* the new captured bytes */
	uint64_t tail_gap;  /* new bytes after `data` that the copy did not capture */
	bool seg_start;     /* data begins at the segment's first payload byte */
};

#define APP_SPAN_LOST UINT64_MAX

/* A SYN with sequence number seq: true when it (re)starts the stream (the first SYN, or
 * a new initial sequence number: a new connection on the same ports), and the caller
 * resets its framing; false for a retransmitted or late SYN of the stream already seen. */
bool app_stream_syn(struct app_stream *s, uint32_t seq);

/* Start a stream not seen yet at next_seq: the other side's acknowledgment number, when
 * that side has sent nothing yet (its first byte is next_seq). */
void app_stream_start(struct app_stream *s, uint32_t next_seq);

/* Place a segment (seq, flags, payload caplen/len) in stream s.  False when the segment
 * brings nothing new (no payload, only bytes seen before, or held back: may_hold above);
 * otherwise *out is filled and s advanced past the segment.  A SYN's data begins at seq + 1; call
 * app_stream_syn() for the SYN first. */
bool app_stream_take(struct app_stream *s, uint32_t seq, uint8_t tcp_flags, const uint8_t *payload,
                     uint32_t caplen, uint32_t len, bool may_hold, struct app_span *out);

#endif
