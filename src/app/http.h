/* http.h - HTTP/1.x message heads and request/response pairing per TCP connection
 * (RFC 9112 message syntax and framing, RFC 9110 status codes).
 *
 * What a transaction holds: the request's method, Host, target (path), Content-Length and
 * frames; the response's status, Content-Length and frames; the request-to-first-byte
 * latency.  Strings are copied, bounded (cut strings are flagged), NUL-terminated.
 */
#ifndef VXS_APP_HTTP_H
#define VXS_APP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/app.h"

#define HTTP_METHOD_MAX  24 /* bytes kept of a method, with the NUL */
#define HTTP_HOST_MAX    128
#define HTTP_PATH_MAX    160
#define HTTP_QUEUE_MAX   32 /* outstanding (pipelined) requests per connection */
#define HTTP_INTERIM_MAX 4  /* 1xx responses kept per transaction */

enum http_end {
	HTTP_END_DONE = 0,    /* request and response (or a response alone) */
	HTTP_END_NO_RESPONSE, /* the connection closed, or stayed silent >= 5 s, without one */
	HTTP_END_CAPTURE,     /* the capture ended less than 5 s after the request */
	HTTP_END_OVERFLOW,    /* pushed out of a full queue (HTTP_QUEUE_MAX unanswered) */
	HTTP_END_UNREADABLE,  /* the server sent bytes, but no status line could be found in
	                         them (segments lost or out of order before it) */
};

struct http_req {
	char method[HTTP_METHOD_MAX];
	char host[HTTP_HOST_MAX]; /* "" when no Host header was seen */
	char path[HTTP_PATH_MAX]; /* the request target as sent */
	bool path_cut;            /* the target was longer (or the copy was cut) */
	bool partial;             /* headers not all seen (lost or truncated bytes) */
	bool complete;            /* its last byte was seen (not cut by a gap or the flow end) */
	uint8_t version;          /* 10 or 11 (HTTP/1.0, HTTP/1.1) */
	int64_t content_length;   /* -1: none */
	bool chunked;
	uint64_t frame, end_frame; /* first byte of the start line; last byte of the message */
	int64_t ts_ns, end_ns;
};

struct http_resp {
	uint16_t status;
	uint8_t version;
	bool partial;
	bool complete;          /* its last byte was seen (not cut by a gap or the flow end) */
	int64_t content_length; /* -1: none */
	bool chunked;
	uint64_t frame, end_frame; /* first byte (latency); last byte (where Wireshark shows it) */
	int64_t ts_ns, end_ns;
};

struct http_interim {
	uint16_t status;
	uint64_t frame;
};

struct http_txn {
	int client_dir; /* flow direction of the requests (0 = originator) */
	bool has_req, has_resp;
	enum http_end end;
	struct http_req req;
	struct http_resp resp;
	int64_t latency_ns; /* response's first byte - request's last byte; -1: n/a */
	uint8_t ninterim;
	struct http_interim interim[HTTP_INTERIM_MAX];
};

/* Start-line checks on the first bytes of a segment (at most the captured bytes). */
bool http_is_request_start(const uint8_t *d, size_t n);
bool http_is_response_start(const uint8_t *d, size_t n);

/* The per-connection state and its life (also behind app_http_parser). */
struct http_conv;
struct http_conv *http_conv_new(void);
void http_conv_segment(struct http_conv *c, const struct app_seg *s, int dir,
                       const struct app_sink *k);
void http_conv_end(struct http_conv *c, int64_t now_ns, const struct app_sink *k);
void http_conv_free(struct http_conv *c);

/* Counters of one connection, for tests. */
struct http_conv_stats {
	uint64_t requests, responses, resyncs, bad_lines;
};
void http_conv_stats(const struct http_conv *c, struct http_conv_stats *st);

/* "Gateway Timeout" for 504; "" for codes without a name here. */
const char *http_status_text(unsigned status);

#endif
