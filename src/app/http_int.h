/* http_int.h - the HTTP/1.x message syntax (http_msg.c) that the connection logic (http.c)
 * uses.  Not for use outside src/app/.
 */
#ifndef VXS_APP_HTTP_INT_H
#define VXS_APP_HTTP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/http.h"
#include "base/cursor.h"

#define HTTP_LINE_HEAD 256 /* bytes kept of the start of a line */
#define HTTP_LINE_TAIL 16  /* ... and of its end (a request line's version) */

/* A line cut at the end of a segment: its first bytes, its last bytes, and its full length
 * so far.  Allocated only while such a line is open (http_line_take), so a conversation
 * between messages holds none. */
struct http_line {
	uint8_t head[HTTP_LINE_HEAD];
	uint8_t tail[HTTP_LINE_TAIL]; /* the last min(len, HTTP_LINE_TAIL) bytes, in order */
	uint32_t len;
};

/* A line as flat text without its CR LF: the head bytes, then (for a line longer than the
 * head) as many of its last bytes as were kept; cut = where bytes are missing (SIZE_MAX:
 * none).  t points either into the segment (a line whole in one segment, no copy) or into
 * buf; valid until the next segment or line. */
struct http_text {
	const uint8_t *t;
	size_t n;
	size_t cut;
	uint8_t buf[HTTP_LINE_HEAD + HTTP_LINE_TAIL];
};
/* The head of the message being read. */
struct http_head {
	bool is_req;
	bool te;     /* a Transfer-Encoding header was seen */
	bool cl_bad; /* Content-Length invalid or conflicting */
	struct http_req req;
	struct http_resp resp;
};

bool http_is_method_char(int c);

/* Drop the line being read (frees *lp; NULL after). */
void http_line_reset(struct http_line **lp);
/* Take bytes of the current line from d, up to and including a LF.  True when the line is
 * complete (its LF taken): x is then the line without its CR LF.  A line not complete at
 * the end of d is kept in *lp (allocated here).  len: the line's bytes so far when it is not
 * complete (UINT32_MAX when no memory was left to keep it: the caller gives the line up). */
bool http_line_take(struct http_line **lp, struct cursor *d, struct http_text *x, uint32_t *len);
/* The open line (l may be NULL: no bytes yet) as text, cut short where it stands. */
void http_line_partial(const struct http_line *l, struct http_text *x);

/* Parse a start line (complete, or cut short when !complete) into h: a request line when
 * client, else a status line; the message began in frame at ts.  False when it is none. */
bool http_parse_start(struct http_head *h, bool client, const struct http_text *x, bool complete,
                      uint64_t frame, int64_t ts);
/* One header field line: Host, Content-Length, Transfer-Encoding are kept in h. */
void http_parse_field(struct http_head *h, const struct http_text *x);
/* A chunk-size line: false when it has no hex digits or more than 15. */
bool http_parse_chunk_size(const struct http_text *x, uint64_t *size);

#endif
