/* http.c - HTTP/1.x over TCP: each direction's byte stream framed into messages, and
 * requests paired with responses in order (pipelining included).  The message syntax
 * (start lines, header fields, chunk sizes) is in http_msg.c.
 *
 * RFC 9112 (HTTP/1.1 message syntax and framing), RFC 9110 (semantics, status codes):
 *
 *   message      = start-line CRLF *( field-line CRLF ) CRLF [ message-body ]
 *   chunked body = *( chunk-size [ ext ] CRLF chunk-data CRLF ) 1*"0" [ ext ] CRLF
 *                  *( trailer-field CRLF ) CRLF
 *
 *   body length (RFC 9112 section 6.3): responses to HEAD, 1xx, 204 and 304 have none; a 2xx
 *   to CONNECT and a 101 leave HTTP; Transfer-Encoding ending in chunked: chunks; else
 *   Content-Length bytes; else none for a request and up to the connection's end for a
 *   response.
 *
 * How: each direction's bytes run in capture order (stream.h) through a streaming parser
 * whose state is bounded: a line whole in its segment is parsed in place; a line cut at a
 * segment's end is kept in a line buffer (its first HTTP_LINE_HEAD and last HTTP_LINE_TAIL
 * bytes), allocated until the line ends; the head of the message being read is allocated
 * from its start line to its end (one allocation per message, none per packet).  Start lines
 * and headers may span segments, several pipelined messages may share one segment, bodies are
 * skipped by their length, even across bytes a truncated mirror copy did not capture.
 * Requests wait in a bounded queue (HTTP_QUEUE_MAX) for their responses, which pair in order.
 *
 * Not handled:
 *  - reassembly: no segment is buffered.  Bytes missing inside a body of known length are
 *    skipped by sequence number.  Elsewhere a segment that arrives ahead of the expected
 *    position is held back (skipped) for a few segments in case the bytes before it come
 *    next (stream.h); its own bytes are then lost, and bytes missing in a start line,
 *    headers, chunk framing or a body of unknown length lose the framing: the parser waits
 *    for a segment whose payload begins with a start line (a request line toward the
 *    server, a status line toward the client).  A message cut that way is reported with
 *    what was read (`partial`, not `complete`).
 *  - obsolete header line folding, HTTP/0.9, HTTP/2 and 3, HTTP over UDP (SSDP), HTTP
 *    after another protocol on the same connection (a SOCKS or CONNECT preamble the parser
 *    did not see): the flow is decided by its first bytes (app.c).
 *  - header lines are read as far as their first HTTP_LINE_HEAD bytes.
 *  - after 101 Switching Protocols or a CONNECT tunnel the connection is not parsed further.
 */
#include "app/http_int.h"

#include <stdlib.h>
#include <string.h>

#include "app/stream.h"
#include "decode/packet.h"

#define HTTP_LINE_LIMIT    (64u * 1024u)       /* a longer line is not HTTP: resynchronise */
#define HTTP_HEADERS_LIMIT 256                 /* header lines in one message */
#define HTTP_SILENT_NS     INT64_C(5000000000) /* no response this long after a request: none */

enum http_phase {
	HP_IDLE,        /* between messages: the next byte starts a start line */
	HP_LINE,        /* in the start line */
	HP_HEADERS,     /* in the header lines */
	HP_BODY,        /* body_left bytes of body to go */
	HP_CHUNK_SIZE,  /* in a chunk-size line */
	HP_CHUNK_DATA,  /* body_left bytes of chunk data, then CRLF */
	HP_CHUNK_END,   /* the CRLF after chunk data */
	HP_TRAILERS,    /* trailer lines after the last chunk */
	HP_UNTIL_CLOSE, /* a response body that runs to the end of the connection */
	HP_RESYNC,      /* framing lost: wait for a segment that begins with a start line */
	HP_DONE,        /* no more HTTP in this direction (upgrade, tunnel, FIN) */
};

/* What is allocated lives only as long as it is needed, so a conversation between messages
 * (most of them: finished connections waiting out their timeout) holds none of it: the line
 * buffer while a line is cut across segments, a message head from its start line to its
 * end (a request's then moves to the queue, then into the transaction its response makes),
 * the transaction while its response is read. */
struct http_half {
	struct app_stream st;
	enum http_phase phase;
	bool open;   /* a start line was read: head is (or was, for a request) the message */
	bool is_req; /* ... and it is a request */
	uint32_t nheaders;
	struct http_line *line; /* a line cut at a segment's end; NULL: none */
	struct http_head *head; /* the head being read; NULL once a request's head is queued */
	uint64_t body_left;
	uint64_t msg_frame; /* where the message being read began */
	int64_t msg_ts;
	uint64_t last_frame; /* the last segment with new bytes */
	int64_t last_ts;
	uint32_t serial; /* the request's queue serial (client side) */
};

struct http_qent {
	struct http_head *h; /* owned: a request head */
	uint32_t serial;
};

struct http_conv {
	int client_dir; /* -1 until the first start line tells */
	bool closed;    /* FIN or RST seen */
	struct http_half half[2];
	struct http_qent *q; /* outstanding requests, a ring, oldest at qhead */
	uint32_t qcap, qhead, qn, next_serial;
	struct http_interim interim[HTTP_INTERIM_MAX]; /* 1xx for the oldest request */
	uint8_t ninterim;
	bool cur_open;         /* a final response is being read: cur holds it and its request */
	struct http_txn *cur;  /* owned, allocated for each final response */
	uint64_t unread; /* response-side bytes not framed since the last response began */
	struct http_conv_stats st;
};

/* ---- pairing ----------------------------------------------------------------------- */

static void emit(struct http_conv *c, struct http_txn *t, const struct app_sink *k)
{
	t->client_dir = c->client_dir < 0 ? 0 : c->client_dir;
	t->latency_ns = -1;
	if (t->has_req && t->has_resp) {
		int64_t from = t->req.end_ns <= t->resp.ts_ns ? t->req.end_ns : t->req.ts_ns;
		t->latency_ns = t->resp.ts_ns >= from ? t->resp.ts_ns - from : 0;
	}
	if (k && k->http)
		k->http(k->ctx, t);
}

static struct http_qent *q_at(struct http_conv *c, uint32_t i)
{
	return &c->q[(c->qhead + i) % c->qcap];
}

/* Remove the oldest request from the queue; the caller owns the head returned. */
static struct http_head *q_pop(struct http_conv *c)
{
	struct http_head *h = q_at(c, 0)->h;
	c->qhead = (c->qhead + 1) % c->qcap;
	c->qn--;
	return h;
}

/* The response being read is done: hand its transaction out and drop it. */
static void cur_emit(struct http_conv *c, const struct app_sink *k)
{
	c->cur_open = false;
	emit(c, c->cur, k);
	free(c->cur);
	c->cur = NULL;
}

static void q_pop_emit(struct http_conv *c, enum http_end why, const struct app_sink *k)
{
	struct http_txn t;
	memset(&t, 0, sizeof(t));
	t.has_req = true;
	struct http_head *h = q_pop(c);
	t.req = h->req;
	free(h);
	t.end = why;
	t.ninterim = c->ninterim;
	memcpy(t.interim, c->interim, sizeof(t.interim));
	c->ninterim = 0;
	emit(c, &t, k);
}

/* Queue a request whose head was read (taking hd; freed here when it cannot be queued).
 * Grows the ring up to HTTP_QUEUE_MAX; past that the oldest request is given up
 * (HTTP_END_OVERFLOW). */
static void q_push(struct http_conv *c, struct http_head *hd, uint32_t serial,
                   const struct app_sink *k)
{
	if (c->qn == HTTP_QUEUE_MAX)
		q_pop_emit(c, HTTP_END_OVERFLOW, k);
	if (c->qn == c->qcap) {
		uint32_t ncap = c->qcap ? c->qcap * 2 : 1; /* one outstanding request is usual */
		struct http_qent *nq = malloc(ncap * sizeof(*nq));
		if (!nq) {
			if (!c->qn) {
				free(hd);
				return;
			}
			q_pop_emit(c, HTTP_END_OVERFLOW, k);
		} else {
			for (uint32_t i = 0; i < c->qn; i++)
				nq[i] = *q_at(c, i);
			free(c->q);
			c->q = nq;
			c->qcap = ncap;
			c->qhead = 0;
		}
	}
	struct http_qent *e = &c->q[(c->qhead + c->qn) % c->qcap];
	e->h = hd;
	e->serial = serial;
	c->qn++;
}

/* The request `serial` has ended (its last byte in frame/ts, or given up there). */
static void req_ended(struct http_conv *c, uint32_t serial, uint64_t frame, int64_t ts,
                      bool complete)
{
	for (uint32_t i = 0; i < c->qn; i++) {
		struct http_qent *e = q_at(c, i);
		if (e->serial == serial) {
			e->h->req.end_frame = frame;
			e->h->req.end_ns = ts;
			e->h->req.complete = complete;
			return;
		}
	}
}

/* ---- message life ------------------------------------------------------------------ */

static void conv_done(struct http_conv *c)
{
	c->half[0].phase = HP_DONE;
	c->half[1].phase = HP_DONE;
}

/* The message in half `dir` ended with the bytes of segment s: at its last byte (complete),
 * or where it was given up (framing lost, the flow ended). */
static void message_end(struct http_conv *c, int dir, const struct app_seg *s, bool complete,
                        const struct app_sink *k)
{
	struct http_half *h = &c->half[dir];
	if (h->open && h->is_req) {
		req_ended(c, h->serial, s->frame, s->ts_ns, complete);
	} else if (h->open && c->cur_open) {
		c->cur->resp.end_frame = s->frame;
		c->cur->resp.end_ns = s->ts_ns;
		c->cur->resp.complete = complete;
		cur_emit(c, k);
	}
	h->open = false;
	free(h->head);
	h->head = NULL;
	if (h->phase != HP_DONE)
		h->phase = HP_IDLE;
}

/* Lose the framing of half dir: end the message being read, then wait for a start line. */
static void lose(struct http_conv *c, int dir, const struct app_seg *s, const struct app_sink *k)
{
	struct http_half *h = &c->half[dir];
	if (h->phase == HP_DONE)
		return;
	message_end(c, dir, s, false, k);
	http_line_reset(&h->line);
	c->st.resyncs++;
	h->phase = HP_RESYNC;
}

/* The head of the message in half dir is read (complete, or all there is when `partial`):
 * queue a request or pair a response, and set how the body is framed. */
static void head_done(struct http_conv *c, int dir, const struct app_seg *s, bool partial,
                      const struct app_sink *k)
{
	struct http_half *h = &c->half[dir];
	if (h->head->is_req) {
		struct http_head *hd = h->head;
		struct http_req *r = &hd->req;
		r->partial |= partial;
		r->end_frame = s->frame;
		r->end_ns = s->ts_ns;
		bool te = hd->te, chunked = r->chunked, cl_bad = hd->cl_bad;
		int64_t cl = r->content_length;
		h->serial = c->next_serial++;
		c->st.requests++;
		h->head = NULL; /* the queue has it now */
		q_push(c, hd, h->serial, k);
		if (partial)
			return;
		if (te && !chunked) {
			lose(c, dir, s, k); /* RFC 9112 6.3: no way to find the end */
		} else if (chunked) {
			h->phase = HP_CHUNK_SIZE;
		} else if (cl_bad) {
			lose(c, dir, s, k);
		} else if (cl > 0) {
			h->body_left = (uint64_t)cl;
			h->phase = HP_BODY;
		} else {
			message_end(c, dir, s, true, k);
		}
		return;
	}
	struct http_resp *r = &h->head->resp;
	r->partial |= partial;
	r->end_frame = s->frame;
	r->end_ns = s->ts_ns;
	const struct http_req *req = c->qn ? &q_at(c, 0)->h->req : NULL;
	bool head = req && !strcmp(req->method, "HEAD");
	bool connect = req && !strcmp(req->method, "CONNECT");
	if (r->status >= 100 && r->status < 200 && r->status != 101) {
		if (c->ninterim < HTTP_INTERIM_MAX) {
			c->interim[c->ninterim].status = r->status;
			c->interim[c->ninterim].frame = s->frame;
			c->ninterim++;
		}
		h->open = false;
		free(h->head);
		h->head = NULL;
		h->phase = partial ? HP_RESYNC : HP_IDLE;
		return;
	}
	c->st.responses++;
	c->unread = 0;
	if (c->cur_open) /* cannot happen: responses end before the next begins */
		cur_emit(c, k);
	c->cur = calloc(1, sizeof(*c->cur));
	if (!c->cur) { /* no memory: the transaction is not reported */
		if (req)
			free(q_pop(c));
		lose(c, dir, s, k);
		return;
	}
	c->cur->has_resp = true;
	c->cur->resp = *r;
	c->cur->ninterim = c->ninterim;
	memcpy(c->cur->interim, c->interim, sizeof(c->interim));
	c->ninterim = 0;
	if (req) {
		struct http_head *rq = q_pop(c);
		c->cur->has_req = true;
		c->cur->req = rq->req;
		free(rq);
		req = NULL;
	}
	c->cur_open = true;
	if (partial) {
		message_end(c, dir, s, false, k);
		return;
	}
	if (r->status == 101 || (connect && r->status >= 200 && r->status < 300)) {
		message_end(c, dir, s, true, k);
		conv_done(c); /* the connection leaves HTTP */
	} else if (head || r->status == 204 || r->status == 304) {
		message_end(c, dir, s, true, k);
	} else if (r->chunked) {
		h->phase = HP_CHUNK_SIZE;
	} else if (h->head->cl_bad) {
		lose(c, dir, s, k);
	} else if (r->content_length >= 0 && !h->head->te) {
		h->body_left = (uint64_t)r->content_length;
		h->phase = HP_BODY;
		if (!h->body_left)
			message_end(c, dir, s, true, k);
	} else {
		h->phase = HP_UNTIL_CLOSE;
	}
}

/* Parse a start line into the head of half dir (allocated here; freed when it is none). */
static bool start_line(struct http_conv *c, int dir, const struct http_text *x, bool complete)
{
	struct http_half *h = &c->half[dir];
	if (!h->head) {
		h->head = malloc(sizeof(*h->head));
		if (!h->head)
			return false;
	}
	if (!http_parse_start(h->head, dir == c->client_dir, x, complete, h->msg_frame,
	                      h->msg_ts)) {
		free(h->head);
		h->head = NULL;
		return false;
	}
	h->head->te = h->head->cl_bad = false;
	h->is_req = h->head->is_req;
	return true;
}

/* Bytes of half dir are missing here: `gap` of them (APP_SPAN_LOST: unknown). */
static void half_gap(struct http_conv *c, int dir, uint64_t gap, const struct app_seg *s,
                     const struct app_sink *k)
{
	struct http_half *h = &c->half[dir];
	switch (h->phase) {
	case HP_BODY:
	case HP_CHUNK_DATA:
		if (gap != APP_SPAN_LOST && gap < h->body_left) {
			h->body_left -= gap;
			return;
		}
		if (gap != APP_SPAN_LOST && h->phase == HP_BODY) {
			uint64_t rest = gap - h->body_left;
			h->body_left = 0;
			message_end(c, dir, s, true, k);
			if (rest)
				h->phase = HP_RESYNC;
			return;
		}
		lose(c, dir, s, k);
		return;
	case HP_LINE: {
		struct http_text x;
		http_line_partial(h->line, &x);
		if (start_line(c, dir, &x, false)) {
			h->open = true;
			head_done(c, dir, s, true, k);
		}
		lose(c, dir, s, k);
		return;
	}
	case HP_HEADERS:
		head_done(c, dir, s, true, k);
		lose(c, dir, s, k);
		return;
	case HP_IDLE:
	case HP_CHUNK_SIZE:
	case HP_CHUNK_END:
	case HP_TRAILERS:
		lose(c, dir, s, k);
		return;
	case HP_RESYNC:
		if (dir != c->client_dir && gap != APP_SPAN_LOST)
			c->unread += gap;
		return;
	case HP_UNTIL_CLOSE:
	case HP_DONE:
		return;
	}
}

/* A complete line x in half dir, by phase. */
static void half_line(struct http_conv *c, int dir, const struct http_text *x,
                      const struct app_seg *s, const struct app_sink *k)
{
	struct http_half *h = &c->half[dir];
	switch (h->phase) {
	case HP_LINE:
		if (!start_line(c, dir, x, true)) {
			c->st.bad_lines++;
			lose(c, dir, s, k);
			return;
		}
		h->open = true;
		h->nheaders = 0;
		h->phase = HP_HEADERS;
		return;
	case HP_HEADERS:
		if (x->n == 0) {
			head_done(c, dir, s, false, k);
			return;
		}
		if (++h->nheaders > HTTP_HEADERS_LIMIT) {
			head_done(c, dir, s, true, k);
			lose(c, dir, s, k);
			return;
		}
		http_parse_field(h->head, x);
		return;
	case HP_CHUNK_SIZE: {
		uint64_t n;
		if (!http_parse_chunk_size(x, &n)) {
			lose(c, dir, s, k);
			return;
		}
		if (n == 0) {
			h->phase = HP_TRAILERS;
		} else {
			h->body_left = n;
			h->phase = HP_CHUNK_DATA;
		}
		return;
	}
	case HP_CHUNK_END:
		if (x->n != 0) {
			lose(c, dir, s, k);
			return;
		}
		h->phase = HP_CHUNK_SIZE;
		return;
	case HP_TRAILERS:
		if (x->n == 0)
			message_end(c, dir, s, true, k);
		return;
	default:
		return;
	}
}

/* The new captured bytes d of half dir. */
static void half_bytes(struct http_conv *c, int dir, struct cursor *d, const struct app_seg *s,
                       const struct app_sink *k)
{
	struct http_half *h = &c->half[dir];
	bool client = dir == c->client_dir;
	while (d->left && !d->bad) {
		switch (h->phase) {
		case HP_IDLE: {
			int b = cur_peek(d, 0);
			if (b == '\r' || b == '\n') {
				cur_skip(d, 1); /* empty lines between messages (RFC 9112 2.2) */
				continue;
			}
			if (client ? !http_is_method_char(b) : b != 'H') {
				c->st.bad_lines++;
				lose(c, dir, s, k);
				continue;
			}
			http_line_reset(&h->line);
			h->open = false;
			free(h->head);
			h->head = NULL;
			h->msg_frame = s->frame;
			h->msg_ts = s->ts_ns;
			h->phase = HP_LINE;
			continue;
		}
		case HP_LINE:
		case HP_HEADERS:
		case HP_CHUNK_SIZE:
		case HP_CHUNK_END:
		case HP_TRAILERS: {
			struct http_text x;
			uint32_t len;
			if (!http_line_take(&h->line, d, &x, &len)) {
				if (len > HTTP_LINE_LIMIT)
					half_gap(c, dir, APP_SPAN_LOST, s, k);
				continue;
			}
			half_line(c, dir, &x, s, k);
			continue;
		}
		case HP_BODY:
		case HP_CHUNK_DATA: {
			uint64_t n = d->left < h->body_left ? d->left : h->body_left;
			cur_skip(d, (size_t)n);
			h->body_left -= n;
			if (h->body_left)
				continue;
			if (h->phase == HP_BODY) {
				message_end(c, dir, s, true, k);
			} else {
				http_line_reset(&h->line);
				h->phase = HP_CHUNK_END;
			}
			continue;
		}
		case HP_RESYNC:
			if (!client)
				c->unread += d->left; /* response bytes that could not be framed */
			cur_skip(d, d->left);
			continue;
		case HP_UNTIL_CLOSE:
		case HP_DONE:
			cur_skip(d, d->left);
			continue;
		}
	}
}

/* ---- the connection ---------------------------------------------------------------- */

struct http_conv *http_conv_new(void)
{
	struct http_conv *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->client_dir = -1;
	c->half[0].phase = HP_RESYNC;
	c->half[1].phase = HP_RESYNC;
	return c;
}

void http_conv_free(struct http_conv *c)
{
	if (!c)
		return;
	for (uint32_t i = 0; i < c->qn; i++)
		free(q_at(c, i)->h);
	free(c->q);
	for (int d = 0; d < 2; d++) {
		http_line_reset(&c->half[d].line);
		free(c->half[d].head);
	}
	free(c->cur);
	free(c);
}

void http_conv_segment(struct http_conv *c, const struct app_seg *s, int dir,
                       const struct app_sink *k)
{
	if ((dir != 0 && dir != 1) || s->frag == APP_FRAG_MORE || s->frag == APP_FRAG_LAST)
		return;
	struct http_half *h = &c->half[dir];
	if ((s->tcp_flags & TCP_SYN) && app_stream_syn(&h->st, s->seq) && h->phase != HP_DONE) {
		if (h->phase != HP_IDLE && h->phase != HP_RESYNC)
			lose(c, dir, s, k);
		h->phase = HP_IDLE; /* the stream's first byte comes next */
	}
	struct http_half *peer = &c->half[!dir];
	if (s->peer_fresh && (s->tcp_flags & TCP_ACK) && !peer->st.started) {
		/* the other side has sent nothing yet: its first byte is what this one acks */
		app_stream_start(&peer->st, s->ack);
		if (peer->phase != HP_DONE)
			peer->phase = HP_IDLE;
	}
	/* a gap costs nothing inside a body of known length; elsewhere it loses the framing, so
	 * a segment ahead is held back in case the bytes before it come next (reordering) */
	bool may_hold = h->phase == HP_IDLE || h->phase == HP_LINE || h->phase == HP_HEADERS ||
	                h->phase == HP_CHUNK_SIZE || h->phase == HP_CHUNK_END ||
	                h->phase == HP_TRAILERS;
	struct app_span sp;
	if (app_stream_take(&h->st, s->seq, s->tcp_flags, s->data, s->caplen, s->len, may_hold,
	                    &sp)) {
		if (sp.gap)
			half_gap(c, dir, sp.gap, s, k);
		if (sp.seg_start &&
		    (h->phase == HP_RESYNC || h->phase == HP_UNTIL_CLOSE || c->client_dir < 0)) {
			bool req = http_is_request_start(sp.data.p, sp.data.left);
			bool resp = !req && http_is_response_start(sp.data.p, sp.data.left);
			if (c->client_dir < 0 && (req || resp))
				c->client_dir = req ? dir : !dir;
			bool start = dir == c->client_dir ? req : resp;
			if (h->phase == HP_UNTIL_CLOSE && start) {
				/* a keep-alive response we took for one that runs to the close */
				struct app_seg last = *s;
				last.frame = h->last_frame;
				last.ts_ns = h->last_ts;
				message_end(c, dir, &last, true, k);
			}
			if (h->phase == HP_RESYNC && start)
				h->phase = HP_IDLE;
		}
		if (c->client_dir >= 0)
			half_bytes(c, dir, &sp.data, s, k);
		if (sp.tail_gap)
			half_gap(c, dir, sp.tail_gap, s, k);
		h->last_frame = s->frame;
		h->last_ts = s->ts_ns;
	}
	if (s->tcp_flags & (TCP_FIN | TCP_RST)) {
		c->closed = true;
		for (int d = 0; d < 2; d++) {
			if (d != dir && !(s->tcp_flags & TCP_RST))
				continue;
			struct http_half *x = &c->half[d];
			if (x->phase == HP_UNTIL_CLOSE)
				message_end(c, d, s, true, k);
			else if (x->phase != HP_IDLE && x->phase != HP_RESYNC &&
			         x->phase != HP_DONE)
				half_gap(c, d, APP_SPAN_LOST, s, k);
		}
	}
	if (c->closed && !c->qn && c->q) { /* few connections send requests after a FIN */
		free(c->q);
		c->q = NULL;
		c->qcap = c->qhead = 0;
	}
}

void http_conv_end(struct http_conv *c, int64_t now_ns, const struct app_sink *k)
{
	/* what is still being read ends here, at its last frame seen */
	for (int d = 0; d < 2; d++) {
		struct http_half *h = &c->half[d];
		if (h->phase != HP_IDLE && h->phase != HP_RESYNC && h->phase != HP_DONE) {
			struct app_seg s = {0};
			s.frame = h->last_frame;
			s.ts_ns = h->last_ts;
			if (h->phase == HP_UNTIL_CLOSE)
				message_end(c, d, &s, false, k);
			else
				half_gap(c, d, APP_SPAN_LOST, &s, k);
		}
	}
	if (c->cur_open)
		cur_emit(c, k);
	while (c->qn) {
		const struct http_req *r = &q_at(c, 0)->h->req;
		bool silent = now_ns - r->end_ns >= HTTP_SILENT_NS;
		enum http_end why = !c->closed && !silent ? HTTP_END_CAPTURE
		                    : c->unread           ? HTTP_END_UNREADABLE
		                                          : HTTP_END_NO_RESPONSE;
		q_pop_emit(c, why, k);
	}
}

void http_conv_stats(const struct http_conv *c, struct http_conv_stats *st)
{
	*st = c->st;
}

/* ---- the parser contract ----------------------------------------------------------- */

static enum app_detect http_detect(const struct app_seg *s, int dir, bool stream_start)
{
	(void)dir;
	if (s->proto != IPPROTO_NUM_TCP)
		return APP_NEVER;
	if (!s->len || !s->caplen)
		return APP_NOT_YET;
	if (http_is_request_start(s->data, s->caplen) || http_is_response_start(s->data, s->caplen))
		return APP_YES;
	return stream_start ? APP_NEVER : APP_NOT_YET;
}

static void *http_new(const struct app_seg *s)
{
	(void)s;
	return http_conv_new();
}

static void http_segment(void *conv, const struct app_seg *s, int dir, const struct app_sink *k)
{
	http_conv_segment(conv, s, dir, k);
}

static void http_end(void *conv, int64_t now_ns, const struct app_sink *k)
{
	http_conv_end(conv, now_ns, k);
}

static void http_free(void *conv)
{
	http_conv_free(conv);
}

const struct app_parser app_http_parser = {
    .name = "http",
    .detect = http_detect,
    .conv_new = http_new,
    .conv_segment = http_segment,
    .conv_end = http_end,
    .conv_free = http_free,
};
