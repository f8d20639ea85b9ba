/* test_http.c - HTTP/1.x start lines, framing and request/response pairing (src/app/http.c):
 * table-driven TCP segments in, transactions out.  Pipelining, 100 Continue, HEAD, chunked
 * bodies, start lines split across segments, truncated mirror copies, lost and reordered
 * segments, retransmissions, malformed input, the bounded queue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "app/http.h"
#include "app/http_int.h" /* HTTP_LINE_HEAD, HTTP_LINE_TAIL */
#include "decode/packet.h"

#define MS       INT64_C(1000000)
#define CLI_BASE 1000u /* client stream: its first byte's sequence number */
#define SRV_BASE 5000u
#define SYN_OFF  -1 /* off of a SYN: base - 1 */
#define MAX_SEGS 48
#define MAX_TXNS 48

/* One segment: direction (0 client, 1 server), offset in its stream, flags, payload (NUL
 * ends it unless n says how long), captured bytes (-1: all), time in ms. */
struct seg {
	int dir;
	long off;
	uint8_t flags;
	const char *data;
	int caplen;
	int64_t t_ms;
	size_t n;
};

struct want {
	const char *method, *path, *host;                   /* NULL: no request */
	uint16_t status;                                    /* 0: no response */
	uint64_t req_end_frame, resp_frame, resp_end_frame; /* 0: not checked */
	enum http_end end;
	uint16_t interim; /* first 1xx status, 0: none */
	int partial;      /* -1: not checked */
	int complete;     /* response complete; -1: not checked */
};

struct http_case {
	const char *name;
	struct seg segs[MAX_SEGS];
	struct want want[MAX_TXNS];
	int nwant;      /* transactions expected */
	int64_t end_ms; /* now at conv end (ms) */
};

struct got {
	struct http_txn t[MAX_TXNS + 8];
	int n;
};

static void collect(void *ctx, const struct http_txn *t)
{
	struct got *g = ctx;
	if (g->n < MAX_TXNS + 8)
		g->t[g->n] = *t;
	g->n++;
}

static void run(const struct seg *segs, int64_t end_ms, struct got *g, struct http_conv_stats *st)
{
	memset(g, 0, sizeof(*g));
	struct http_conv *c = http_conv_new();
	assert_non_null(c);
	struct app_sink k = {.http = collect, .ctx = g};
	for (int i = 0; i < MAX_SEGS && (segs[i].data || segs[i].flags); i++) {
		const struct seg *x = &segs[i];
		size_t len = x->n ? x->n : x->data ? strlen(x->data) : 0;
		struct app_seg s = {0};
		s.frame = (uint64_t)i + 1;
		s.ts_ns = x->t_ms * MS;
		s.proto = IPPROTO_NUM_TCP;
		s.seq = (x->dir ? SRV_BASE : CLI_BASE) + (uint32_t)x->off;
		s.tcp_flags = x->flags ? x->flags : TCP_ACK | TCP_PSH;
		s.data = (const uint8_t *)x->data;
		s.len = (uint32_t)len;
		s.caplen = x->caplen < 0 ? (uint32_t)len : (uint32_t)x->caplen;
		http_conv_segment(c, &s, x->dir, &k);
	}
	http_conv_end(c, end_ms * MS, &k);
	if (st)
		http_conv_stats(c, st);
	http_conv_free(c);
}

#define S(dir, off, data)                                                                          \
	{                                                                                          \
		dir, off, 0, data, -1, 0, 0                                                        \
	}
#define ST(dir, off, data, ms)                                                                     \
	{                                                                                          \
		dir, off, 0, data, -1, ms, 0                                                       \
	}
#define CUT(dir, off, data, cap)                                                                   \
	{                                                                                          \
		dir, off, 0, data, cap, 0, 0                                                       \
	}
#define F(dir, off, flags)                                                                         \
	{                                                                                          \
		dir, off, flags, NULL, -1, 0, 0                                                    \
	}
#define HANDSHAKE F(0, SYN_OFF, TCP_SYN), F(1, SYN_OFF, TCP_SYN | TCP_ACK)

#define GET(path) "GET " path " HTTP/1.1\r\nHost: example.com\r\n\r\n"
#define R200_5    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"

static const struct http_case cases[] = {
    {"get and 200",
     {HANDSHAKE, ST(0, 0, GET("/a"), 10), ST(1, 0, R200_5, 35)},
     {{"GET", "/a", "example.com", 200, 3, 4, 4, HTTP_END_DONE, 0, 0, 1}},
     1,
     100},
    {"pipelined requests, responses in one segment",
     {HANDSHAKE, S(0, 0, GET("/1") GET("/2") GET("/3")),
      S(1, 0,
        R200_5 "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
               "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 3\r\n\r\nbye")},
     {{"GET", "/1", "example.com", 200, 3, 4, 4, HTTP_END_DONE, 0, 0, 1},
      {"GET", "/2", "example.com", 404, 3, 4, 4, HTTP_END_DONE, 0, 0, 1},
      {"GET", "/3", "example.com", 503, 3, 4, 4, HTTP_END_DONE, 0, 0, 1}},
     3,
     100},
    {"start line and body split across segments",
     {HANDSHAKE, S(0, 0, "GET /split HT"), S(0, 13, "TP/1.1\r\nHo"), S(0, 23, "st: h\r\n\r\n"),
      S(1, 0, "HTT"), S(1, 3, "P/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234"),
      S(1, 44, "56789HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n")},
     {{"GET", "/split", "h", 200, 5, 6, 8, HTTP_END_DONE, 0, 0, 1},
      {NULL, NULL, NULL, 500, 0, 8, 8, HTTP_END_DONE, 0, 0, 1}},
     2,
     100},
    {"100 Continue",
     {HANDSHAKE,
      S(0, 0, "POST /up HTTP/1.1\r\nHost: u\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"),
      S(1, 0, "HTTP/1.1 100 Continue\r\n\r\n"), S(0, 71, "data"),
      S(1, 25, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")},
     {{"POST", "/up", "u", 201, 5, 6, 6, HTTP_END_DONE, 100, 0, 1}},
     1,
     100},
    {"HEAD response has no body",
     {HANDSHAKE, S(0, 0, "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n" GET("/next")),
      S(1, 0, "HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n" R200_5)},
     {{"HEAD", "/", "a", 200, 3, 4, 4, HTTP_END_DONE, 0, 0, 1},
      {"GET", "/next", "example.com", 200, 3, 4, 4, HTTP_END_DONE, 0, 0, 1}},
     2,
     100},
    {"chunked body across segments, then the next response",
     {HANDSHAKE, S(0, 0, GET("/c") GET("/d")),
      S(1, 0, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"),
      S(1, 52, "cde\r\n10;ext=1\r\n0123456789abcdef\r\n0\r\nX-Trailer: 1\r\n\r\n"),
      S(1, 104, R200_5)},
     {{"GET", "/c", "example.com", 200, 3, 4, 5, HTTP_END_DONE, 0, 0, 1},
      {"GET", "/d", "example.com", 200, 3, 6, 6, HTTP_END_DONE, 0, 0, 1}},
     2,
     100},
    {"truncated mirror copy: the status line is read, the body skipped by length",
     {HANDSHAKE, S(0, 0, GET("/t") GET("/u")),
      CUT(1, 0,
          "HTTP/1.1 504 Gateway Timeout\r\nContent-Length: 30\r\n\r\n"
          "012345678901234567890123456789",
          20),
      S(1, 82, R200_5)},
     {{"GET", "/t", "example.com", 504, 3, 4, 4, HTTP_END_DONE, 0, 1, 0},
      {"GET", "/u", "example.com", 200, 3, 5, 5, HTTP_END_DONE, 0, 0, 1}},
     2,
     100},
    {"truncated copy past the headers: the body is skipped by its length",
     {HANDSHAKE, S(0, 0, GET("/t") GET("/u")),
      CUT(1, 0,
          "HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n"
          "012345678901234567890123456789",
          45),
      S(1, 69, R200_5)},
     {{"GET", "/t", "example.com", 200, 3, 4, 4, HTTP_END_DONE, 0, 0, 1},
      {"GET", "/u", "example.com", 200, 3, 5, 5, HTTP_END_DONE, 0, 0, 1}},
     2,
     100},
    {"a lost body segment is skipped by sequence number",
     {HANDSHAKE, S(0, 0, GET("/l") GET("/m")),
      S(1, 0, "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n01234"),
      /* bytes 44..53 lost */
      S(1, 54, "56789" R200_5)},
     {{"GET", "/l", "example.com", 200, 3, 4, 5, HTTP_END_DONE, 0, 0, 1},
      {"GET", "/m", "example.com", 200, 3, 5, 5, HTTP_END_DONE, 0, 0, 1}},
     2,
     100},
    {"reordered: a later segment arrives first and is held back, not taken as a gap",
     {HANDSHAKE, S(0, 0, GET("/r") GET("/s")), S(1, 44, "56789"),
      S(1, 0, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234"), S(1, 49, R200_5)},
     {{"GET", "/r", "example.com", 200, 3, 5, 6, HTTP_END_DONE, 0, 0, 1},
      {"GET", "/s", "example.com", 200, 3, 6, 6, HTTP_END_DONE, 0, 0, 1}},
     2,
     100},
    {"reordered and never filled: the held segment's headers are lost",
     {HANDSHAKE, S(0, 0, GET("/r")), S(1, 20, "Content-Length: 5\r\n\r\nhello"),
      S(1, 0, "HTTP/1.1 302 Found\r\n")},
     {{"GET", "/r", "example.com", 302, 3, 5, 5, HTTP_END_DONE, 0, 1, 0}},
     1,
     100},
    {"retransmitted request counted once",
     {HANDSHAKE, S(0, 0, GET("/x")), S(0, 0, GET("/x")), S(1, 0, R200_5), S(1, 0, R200_5)},
     {{"GET", "/x", "example.com", 200, 3, 5, 5, HTTP_END_DONE, 0, 0, 1}},
     1,
     100},
    {"retransmitted SYN after data does not restart the stream",
     {HANDSHAKE, S(0, 0, GET("/s")), F(0, SYN_OFF, TCP_SYN), S(0, 0, GET("/s")), S(1, 0, R200_5)},
     {{"GET", "/s", "example.com", 200, 3, 6, 6, HTTP_END_DONE, 0, 0, 1}},
     1,
     100},
    {"response without its request (capture began mid-connection)",
     {S(1, 0, "HTTP/1.0 404 Not Found\r\nContent-Length: 2\r\n\r\nno"), S(0, 0, GET("/late")),
      S(1, 47, R200_5)},
     {{NULL, NULL, NULL, 404, 0, 1, 1, HTTP_END_DONE, 0, 0, 1},
      {"GET", "/late", "example.com", 200, 2, 3, 3, HTTP_END_DONE, 0, 0, 1}},
     2,
     100},
    {"no response: the connection closed",
     {HANDSHAKE, ST(0, 0, GET("/slow"), 0), F(1, 0, TCP_FIN | TCP_ACK)},
     {{"GET", "/slow", "example.com", 0, 3, 0, 0, HTTP_END_NO_RESPONSE, 0, 0, -1}},
     1,
     1000},
    {"no response yet: the capture ended within 5 s",
     {HANDSHAKE, ST(0, 0, GET("/wait"), 0)},
     {{"GET", "/wait", "example.com", 0, 3, 0, 0, HTTP_END_CAPTURE, 0, 0, -1}},
     1,
     4000},
    {"no response for 5 s",
     {HANDSHAKE, ST(0, 0, GET("/wait"), 0)},
     {{"GET", "/wait", "example.com", 0, 3, 0, 0, HTTP_END_NO_RESPONSE, 0, 0, -1}},
     1,
     5000},
    {"body to the close (no length), ended by FIN",
     {HANDSHAKE, S(0, 0, "GET / HTTP/1.0\r\n\r\n"), S(1, 0, "HTTP/1.0 200 OK\r\n\r\nsome"),
      S(1, 23, "more"), F(1, 27, TCP_FIN | TCP_ACK)},
     {{"GET", "/", "", 200, 3, 4, 6, HTTP_END_DONE, 0, 0, 1}},
     1,
     100},
    {"101 Switching Protocols: the rest is not HTTP",
     {HANDSHAKE, S(0, 0, "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n"),
      S(1, 0, "HTTP/1.1 101 Switching Protocols\r\n\r\n"), S(0, 40, GET("/not-http")),
      S(1, 36, "HTTP/1.1 200 OK\r\n\r\n")},
     {{"GET", "/ws", "", 101, 3, 4, 4, HTTP_END_DONE, 0, 0, 1}},
     1,
     100},
    {"bytes toward the client that never frame a response: unreadable",
     {HANDSHAKE,
      S(0, 0, GET("/g")),
      {1, 0, 0, "\x16\x03\x01\x02\x00garbage", -1, 0, 12},
      S(1, 12, "HTTP/1.1 2OO OK\r\n\r\n")},
     {{"GET", "/g", "example.com", 0, 3, 0, 0, HTTP_END_UNREADABLE, 0, 0, -1}},
     1,
     9000},
    {"HTTP/0.9 request line is not parsed",
     {HANDSHAKE, S(0, 0, "GET /\r\n"), S(1, 0, "<html>")},
     {{0}},
     0,
     100},
    {"conflicting Content-Length loses the framing, then resyncs at a status line",
     {HANDSHAKE, S(0, 0, GET("/a") GET("/b")),
      S(1, 0, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"),
      S(1, 61, R200_5)},
     {{"GET", "/a", "example.com", 200, 3, 4, 4, HTTP_END_DONE, 0, 0, 0},
      {"GET", "/b", "example.com", 200, 3, 5, 5, HTTP_END_DONE, 0, 0, 1}},
     2,
     100},
    {"NUL bytes and a bare LF",
     {HANDSHAKE,
      S(0, 0, "GET /n HTTP/1.1\nHost: x\n\n"),
      {1, 0, 0, "HTTP/1.1 200 OK\nContent-Length: 3\n\n\0\0\0", -1, 0, 38}},
     {{"GET", "/n", "x", 200, 3, 4, 4, HTTP_END_DONE, 0, 0, 1}},
     1,
     100},
};

/* Compare, naming the case on a mismatch. */
#define CHECK_INT(got, want)                                                                       \
	do {                                                                                       \
		long long g_ = (long long)(got), w_ = (long long)(want);                           \
		if (g_ != w_) {                                                                    \
			fprintf(stderr, "case \"%s\" txn %d: %s = %lld, want %lld\n", hc->name, i, \
			        #got, g_, w_);                                                     \
			fail();                                                                    \
		}                                                                                  \
	} while (0)
#define CHECK_STR(got, want)                                                                       \
	do {                                                                                       \
		if (strcmp((got), (want)) != 0) {                                                  \
			fprintf(stderr, "case \"%s\" txn %d: %s = \"%s\", want \"%s\"\n",          \
			        hc->name, i, #got, (got), (want));                                 \
			fail();                                                                    \
		}                                                                                  \
	} while (0)

static void test_cases(void **state)
{
	(void)state;
	for (size_t ci = 0; ci < sizeof(cases) / sizeof(cases[0]); ci++) {
		const struct http_case *hc = &cases[ci];
		struct got g;
		run(hc->segs, hc->end_ms, &g, NULL);
		if (g.n != hc->nwant) {
			fprintf(stderr, "case \"%s\": %d transactions, want %d\n", hc->name, g.n,
			        hc->nwant);
			fail();
		}
		for (int i = 0; i < hc->nwant; i++) {
			const struct want *w = &hc->want[i];
			const struct http_txn *t = &g.t[i];
			CHECK_INT(t->has_req, w->method != NULL);
			if (w->method) {
				CHECK_STR(t->req.method, w->method);
				CHECK_STR(t->req.path, w->path);
				CHECK_STR(t->req.host, w->host);
				if (w->req_end_frame)
					CHECK_INT(t->req.end_frame, w->req_end_frame);
			}
			CHECK_INT(t->has_resp, w->status != 0);
			if (w->status) {
				CHECK_INT(t->resp.status, w->status);
				if (w->resp_frame)
					CHECK_INT(t->resp.frame, w->resp_frame);
				if (w->resp_end_frame)
					CHECK_INT(t->resp.end_frame, w->resp_end_frame);
				if (w->partial >= 0)
					CHECK_INT(t->resp.partial, w->partial);
				if (w->complete >= 0)
					CHECK_INT(t->resp.complete, w->complete);
			}
			CHECK_INT(t->end, w->end);
			CHECK_INT(t->ninterim ? t->interim[0].status : 0, w->interim);
		}
	}
}

static void test_latency(void **state)
{
	(void)state;
	/* request at 10 ms, its last byte at 12 ms, response first byte at 2012 ms */
	static const struct seg segs[] = {
	    HANDSHAKE,
	    ST(0, 0, "PUT /p HTTP/1.1\r\nContent-Length: 4\r\n\r\n", 10),
	    ST(0, 38, "body", 12),
	    ST(1, 0, "HTTP/1.1 504 Gateway Timeout\r\n", 2012),
	    ST(1, 30, "Content-Length: 0\r\n\r\n", 2013),
	    {0}};
	struct got g;
	run(segs, 3000, &g, NULL);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.t[0].req.end_frame, 4);
	assert_int_equal(g.t[0].resp.frame, 5);
	assert_int_equal(g.t[0].resp.end_frame, 6);
	assert_int_equal(g.t[0].latency_ns, 2000 * MS);
}

static void test_queue_overflow(void **state)
{
	(void)state;
	/* 40 pipelined requests and no response: the oldest 8 are pushed out */
	static char buf[40 * 64];
	size_t n = 0;
	for (int i = 0; i < 40; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "GET /%d HTTP/1.1\r\n\r\n", i);
	struct seg segs[MAX_SEGS] = {
	    HANDSHAKE, {0, 0, 0, buf, -1, 0, n}, F(1, 0, TCP_FIN | TCP_ACK)};
	struct got g;
	run(segs, 100, &g, NULL);
	assert_int_equal(g.n, 40);
	int overflow = 0;
	for (int i = 0; i < g.n && i < MAX_TXNS + 8; i++)
		overflow += g.t[i].end == HTTP_END_OVERFLOW;
	assert_int_equal(overflow, 40 - HTTP_QUEUE_MAX);
	assert_string_equal(g.t[0].req.path, "/0");
	assert_int_equal(g.t[0].end, HTTP_END_OVERFLOW);
}

static void test_long_request_line(void **state)
{
	(void)state;
	/* a target longer than the line buffer: cut, but the version at the end is still read */
	static char line[1200];
	memset(line, 0, sizeof(line));
	strcpy(line, "GET /");
	memset(line + 5, 'a', 1000);
	strcat(line, " HTTP/1.1\r\nHost: long\r\n\r\n");
	struct seg segs[MAX_SEGS] = {HANDSHAKE, {0, 0, 0, line, -1, 0, 0}, S(1, 0, R200_5)};
	struct got g;
	run(segs, 100, &g, NULL);
	assert_int_equal(g.n, 1);
	assert_true(g.t[0].req.path_cut);
	assert_int_equal(strlen(g.t[0].req.path), HTTP_PATH_MAX - 1);
	assert_string_equal(g.t[0].req.host, "long");
	assert_int_equal(g.t[0].req.version, 11);
	assert_int_equal(g.t[0].resp.status, 200);
}

/* The same request and response, each segment boundary anywhere: lines read in place (whole
 * in a segment) and lines kept across segments must give the same transactions, also for
 * lines around the kept head (HTTP_LINE_HEAD) and tail (HTTP_LINE_TAIL) sizes. */
static void same_txns(const struct got *a, const struct http_conv_stats *sa, const struct got *b,
                      const struct http_conv_stats *sb)
{
	assert_int_equal(a->n, b->n);
	assert_memory_equal(sa, sb, sizeof(*sa));
	for (int i = 0; i < a->n && i < MAX_TXNS; i++) {
		const struct http_txn *x = &a->t[i], *y = &b->t[i];
		assert_int_equal(x->has_req, y->has_req);
		assert_int_equal(x->has_resp, y->has_resp);
		assert_int_equal(x->end, y->end);
		assert_string_equal(x->req.method, y->req.method);
		assert_string_equal(x->req.path, y->req.path);
		assert_string_equal(x->req.host, y->req.host);
		assert_int_equal(x->req.path_cut, y->req.path_cut);
		assert_int_equal(x->req.partial, y->req.partial);
		assert_int_equal(x->req.complete, y->req.complete);
		assert_int_equal(x->req.version, y->req.version);
		assert_int_equal(x->req.content_length, y->req.content_length);
		assert_int_equal(x->resp.status, y->resp.status);
		assert_int_equal(x->resp.complete, y->resp.complete);
	}
}

static void test_lines_split_anywhere(void **state)
{
	(void)state;
	static const int plen[] = {200, 244, 245, 246, 247, 248, 250, 254, 255, 256, 257, 262, 270,
	                           280, 600};
	static char req[4096];
	for (size_t v = 0; v < sizeof(plen) / sizeof(plen[0]); v++) {
		char path[700], pad[700];
		memset(path, 'p', sizeof(path));
		path[0] = '/';
		path[plen[v]] = 0;
		memset(pad, 'x', sizeof(pad));
		pad[plen[v] / 2 + 200] = 0;
		char sp[700];
		memset(sp, ' ', sizeof(sp));
		sp[plen[v]] = 0;
		/* a long header line, a Content-Length after it, a body; a second request whose
		 * Host value is cut at the head; a third whose Content-Length value is past the
		 * head for the longer lines (then invalid: the bytes between are not seen) */
		int n = snprintf(req, sizeof(req),
		                 "POST %s HTTP/1.1\r\nX-Pad: %s\r\nContent-Length: 3\r\n\r\nabc"
		                 "GET /two HTTP/1.0\nHost: %s\n\n"
		                 "PUT /three HTTP/1.1\r\nContent-Length:%s2\r\n\r\nhi",
		                 path, pad, pad, sp);
		assert_true(n > 0 && (size_t)n < sizeof(req));
		struct seg whole[MAX_SEGS] = {HANDSHAKE, {0, 0, 0, req, -1, 0, (size_t)n},
		                              S(1, 0, R200_5 R200_5 R200_5)};
		struct got g0, g1;
		struct http_conv_stats st0, st1;
		run(whole, 100, &g0, &st0);
		assert_int_equal(g0.n, 3);
		assert_int_equal(g0.t[2].req.content_length,
		                 plen[v] + 16 <= HTTP_LINE_HEAD + HTTP_LINE_TAIL - 2 ? 2 : -1);
		assert_string_equal(g0.t[0].req.method, "POST");
		assert_int_equal(g0.t[0].req.content_length, 3);
		assert_int_equal(g0.t[1].req.version, 10);
		assert_int_equal(g0.t[1].resp.status, 200);
		/* from the first segment that shows a request start (how the flow is told) */
		for (int cut = 6; cut < n; cut++) {
			int cut2 = cut + 131 < n ? cut + 131 : n;
			struct seg split[MAX_SEGS] = {
			    HANDSHAKE,
			    {0, 0, 0, req, -1, 0, (size_t)cut},
			    {0, cut, 0, req + cut, -1, 0, (size_t)(cut2 - cut)},
			    {0, cut2, 0, req + cut2, -1, 0, (size_t)(n - cut2)},
			    S(1, 0, R200_5 R200_5 R200_5)};
			if (cut2 == n) /* no third piece */
				split[4] = split[5], memset(&split[5], 0, sizeof(split[5]));
			run(split, 100, &g1, &st1);
			same_txns(&g0, &st0, &g1, &st1);
		}
	}
}

static void test_start_lines(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		size_t n; /* 0: strlen */
		bool req, resp;
	} v[] = {
	    {"GET / HTTP/1.1\r\n", 0, true, false},
	    {"M-SEARCH * HTTP/1.1\r\n", 0, true, false},
	    {"GET / HTTP/1.1", 0, true, false},       /* cut before the CRLF: known method */
	    {"FOO / HTTP/1.1\r\n", 0, true, false},   /* any method token with a version */
	    {"FOO /very/long", 0, false, false},      /* cut, unknown method */
	    {"get / HTTP/1.1\r\n", 0, false, false},  /* methods are upper case */
	    {"GET  / HTTP/1.1\r\n", 0, false, false}, /* two spaces */
	    {"GET / HTTP/2.0\r\n", 0, false, false},
	    {"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 0, false, false},
	    {"GET /\r\n", 0, false, false}, /* HTTP/0.9 */
	    {"HTTP/1.1 200 OK\r\n", 0, false, true},
	    {"HTTP/1.0 404\r\n", 0, false, true},
	    {"HTTP/1.1 200", 0, false, true},
	    {"HTTP/1.1 20", 0, false, false},
	    {"HTTP/1.1 2000 OK", 0, false, false},
	    {"HTTP/1.1 2x0 OK", 0, false, false},
	    {"HTTP/1.", 0, false, false},
	    {"", 0, false, false},
	    {"G", 0, false, false},
	    {"\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 14, false, false},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t n = v[i].n ? v[i].n : strlen(v[i].s);
		if (http_is_request_start((const uint8_t *)v[i].s, n) != v[i].req ||
		    http_is_response_start((const uint8_t *)v[i].s, n) != v[i].resp) {
			fprintf(stderr, "start line %zu (\"%.12s\") misread\n", i, v[i].s);
			fail();
		}
	}
}

static void test_parser_contract(void **state)
{
	(void)state;
	struct app_seg s = {0};
	s.proto = IPPROTO_NUM_TCP;
	s.data = (const uint8_t *)GET("/");
	s.len = s.caplen = (uint32_t)strlen((const char *)s.data);
	assert_int_equal(app_http_parser.detect(&s, 0, true), APP_YES);
	s.data = (const uint8_t *)"\x16\x03\x01\x00\x05hello";
	s.len = s.caplen = 10;
	assert_int_equal(app_http_parser.detect(&s, 0, true), APP_NEVER);
	assert_int_equal(app_http_parser.detect(&s, 0, false), APP_NOT_YET);
	s.proto = IPPROTO_NUM_UDP;
	assert_int_equal(app_http_parser.detect(&s, 0, false), APP_NEVER);
	assert_string_equal(http_status_text(504), "Gateway Timeout");
	assert_string_equal(http_status_text(299), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),          cmocka_unit_test(test_latency),
	    cmocka_unit_test(test_queue_overflow), cmocka_unit_test(test_long_request_line),
	    cmocka_unit_test(test_lines_split_anywhere),
	    cmocka_unit_test(test_start_lines),    cmocka_unit_test(test_parser_contract),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
