/* http_msg.c - HTTP/1.x message syntax: the line buffer, start lines, the header fields that
 * frame a message, chunk sizes (RFC 9112 sections 2-7).  Pure functions over bounded
 * copies; the connection logic is in http.c.
 *
 *   request-line = method SP request-target SP HTTP-version CRLF
 *   status-line  = HTTP-version SP status-code [ SP reason-phrase ] CRLF
 *   field-line   = field-name ":" OWS field-value OWS
 *   chunk-size   = 1*HEXDIG [ chunk-ext ]
 *
 * Read leniently, as servers do: a bare LF ends a line; whitespace before the colon of a
 * field is tolerated.  Methods are upper-case tokens (A-Z, '-', '_') of up to
 * HTTP_METHOD_MAX - 1 bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "app/http_int.h"

#define HTTP_CL_MAX INT64_C(1000000000000000) /* 10^15: a larger Content-Length is invalid */

/* ---- bytes and lines --------------------------------------------------------------- */

bool http_is_method_char(int c)
{
	return (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Index of the first `byte` in c's bytes, or c->left. */
static size_t cur_find(const struct cursor *c, uint8_t byte)
{
	const uint8_t *q = c->left ? memchr(c->p, byte, c->left) : NULL;
	return q ? (size_t)(q - c->p) : c->left;
}

void http_line_reset(struct http_line **lp)
{
	free(*lp);
	*lp = NULL;
}

/* Add the n bytes of chunk to l: the head while it has room, the tail ring always. */
static void line_add(struct http_line *l, struct cursor chunk)
{
	size_t take = chunk.left;
	struct cursor tailc = chunk;
	if (l->len < HTTP_LINE_HEAD) {
		size_t n = HTTP_LINE_HEAD - l->len;
		if (n > take)
			n = take;
		cur_bytes(&chunk, l->head + l->len, n);
	}
	size_t m = take < HTTP_LINE_TAIL ? take : HTTP_LINE_TAIL;
	if (m) {
		memmove(l->tail, l->tail + m, HTTP_LINE_TAIL - m);
		cur_skip(&tailc, take - m);
		cur_bytes(&tailc, l->tail + HTTP_LINE_TAIL - m, m);
	}
	uint64_t len = (uint64_t)l->len + take;
	l->len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
}

/* The text of a line kept in l; complete: it ended with its LF (which, and a CR before it,
 * are left out). */
static void line_text(const struct http_line *l, bool complete, struct http_text *x)
{
	size_t len = l->len, strip = 0;
	const uint8_t *end = l->tail + HTTP_LINE_TAIL; /* one past the last byte */
	if (complete && len >= 1) {
		strip = 1;
		if (len >= 2 && end[-2] == '\r')
			strip = 2;
	}
	size_t clen = len - strip; /* content length */
	size_t nh = clen < HTTP_LINE_HEAD ? clen : HTTP_LINE_HEAD;
	memcpy(x->buf, l->head, nh);
	x->t = x->buf;
	x->n = nh;
	x->cut = SIZE_MAX;
	if (clen > HTTP_LINE_HEAD) {
		size_t missing = clen - HTTP_LINE_HEAD;
		size_t avail = HTTP_LINE_TAIL - strip; /* content bytes at the end of the ring */
		if (avail > len - strip)
			avail = len - strip;
		size_t take = missing < avail ? missing : avail;
		if (take < missing)
			x->cut = nh;
		memcpy(x->buf + nh, end - strip - take, take);
		x->n += take;
	}
}

/* The text of a complete line whole in chunk (its LF last): the bytes in place when the
 * line fits the head, else the same head and tail a kept line would give. */
static void chunk_text(struct cursor chunk, struct http_text *x)
{
	size_t len = chunk.left, strip = 1;
	if (len >= 2 && cur_peek(&chunk, len - 2) == '\r')
		strip = 2;
	size_t clen = len - strip;
	x->cut = SIZE_MAX;
	if (clen <= HTTP_LINE_HEAD) {
		x->t = chunk.p;
		x->n = clen;
		return;
	}
	size_t missing = clen - HTTP_LINE_HEAD;
	size_t avail = HTTP_LINE_TAIL - strip;
	size_t take = missing < avail ? missing : avail;
	if (take < missing)
		x->cut = HTTP_LINE_HEAD;
	struct cursor tailc = chunk;
	cur_bytes(&chunk, x->buf, HTTP_LINE_HEAD);
	cur_skip(&tailc, clen - take);
	cur_bytes(&tailc, x->buf + HTTP_LINE_HEAD, take);
	x->t = x->buf;
	x->n = HTTP_LINE_HEAD + take;
}

bool http_line_take(struct http_line **lp, struct cursor *d, struct http_text *x, uint32_t *len)
{
	size_t lf = cur_find(d, '\n');
	bool done = lf < d->left;
	size_t take = done ? lf + 1 : d->left;
	struct cursor chunk = cur_sub(d, take);
	if (done && !*lp) {
		chunk_text(chunk, x);
		return true;
	}
	if (!*lp) {
		*lp = malloc(sizeof(**lp));
		if (!*lp) {
			*len = UINT32_MAX;
			return false;
		}
		(*lp)->len = 0;
	}
	line_add(*lp, chunk);
	if (!done) {
		*len = (*lp)->len;
		return false;
	}
	line_text(*lp, true, x);
	http_line_reset(lp);
	return true;
}

void http_line_partial(const struct http_line *l, struct http_text *x)
{
	if (l) {
		line_text(l, false, x);
		return;
	}
	x->t = x->buf;
	x->n = 0;
	x->cut = SIZE_MAX;
}

/* ---- start lines ------------------------------------------------------------------- */

static bool known_method(const uint8_t *m, size_t n)
{
	static const char *const v[] = {"GET",     "POST",  "PUT",     "DELETE", "HEAD",
	                                "OPTIONS", "PATCH", "CONNECT", "TRACE"};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (strlen(v[i]) == n && memcmp(v[i], m, n) == 0)
			return true;
	return false;
}

/* Length of the method token at the start of c (0: none before a SP). */
static size_t method_len(const struct cursor *c)
{
	size_t i = 0;
	while (i < HTTP_METHOD_MAX - 1 && http_is_method_char(cur_peek(c, i)))
		i++;
	return i > 0 && cur_peek(c, i) == ' ' ? i : 0;
}

/* "HTTP/1.x" at the start of c. */
static bool version_at(const struct cursor *c, size_t off)
{
	static const char v[] = "HTTP/1.";
	for (size_t i = 0; i < 7; i++)
		if (cur_peek(c, off + i) != v[i])
			return false;
	int d = cur_peek(c, off + 7);
	return d >= '0' && d <= '9';
}

bool http_is_response_start(const uint8_t *d, size_t n)
{
	struct cursor c = cur_make(d, n);
	if (!version_at(&c, 0) || cur_peek(&c, 8) != ' ')
		return false;
	for (size_t i = 9; i < 12; i++) {
		int b = cur_peek(&c, i);
		if (b < '0' || b > '9')
			return false;
	}
	int e = cur_peek(&c, 12);
	return e == ' ' || e == '\r' || e == '\n' || (e < 0 && n == 12);
}

bool http_is_request_start(const uint8_t *d, size_t n)
{
	struct cursor c = cur_make(d, n);
	size_t m = method_len(&c);
	if (!m)
		return false;
	int t = cur_peek(&c, m + 1);
	if (t <= ' ' || t == 127)
		return false;
	size_t lf = cur_find(&c, '\n');
	if (lf == c.left) /* the line goes past the captured bytes: a known method will do */
		return known_method(d, m);
	size_t end = lf;
	if (end > 0 && cur_peek(&c, end - 1) == '\r')
		end--;
	/* ... SP HTTP/1.x at the end of the line */
	return end >= m + 11 && cur_peek(&c, end - 9) == ' ' && version_at(&c, end - 8);
}

static void copy_str(char *dst, size_t cap, const uint8_t *s, size_t n, bool *cut)
{
	size_t k = n < cap - 1 ? n : cap - 1;
	memcpy(dst, s, k);
	dst[k] = 0;
	if (cut)
		*cut = k < n;
}

bool http_parse_start(struct http_head *h, bool client, const struct http_text *x, bool complete,
                      uint64_t frame, int64_t ts)
{
	struct cursor c = cur_make(x->t, x->n);
	if (!client) {
		bool ok = complete ? http_is_response_start(x->t, x->n)
		                   : x->n >= 12 && http_is_response_start(x->t, 12);
		if (!ok || (x->cut != SIZE_MAX && x->cut < 13))
			return false;
		struct http_resp *r = &h->resp;
		memset(r, 0, sizeof(*r));
		r->version = (uint8_t)(10 + (x->t[7] - '0'));
		r->status =
		    (uint16_t)((x->t[9] - '0') * 100 + (x->t[10] - '0') * 10 + (x->t[11] - '0'));
		r->content_length = -1;
		r->partial = !complete;
		r->frame = frame;
		r->ts_ns = ts;
		h->is_req = false;
		return true;
	}
	size_t m = method_len(&c);
	if (!m)
		return false;
	struct http_req *r = &h->req;
	memset(r, 0, sizeof(*r));
	r->content_length = -1;
	r->frame = frame;
	r->ts_ns = ts;
	size_t tstart = m + 1, tend;
	if (complete) {
		/* ... SP HTTP/1.x at the end; the target is what lies between */
		if (x->n < m + 11 || x->t[x->n - 9] != ' ' || !version_at(&c, x->n - 8))
			return false;
		r->version = (uint8_t)(10 + (x->t[x->n - 1] - '0'));
		tend = x->n - 9;
		if (x->cut != SIZE_MAX && x->cut < tend)
			tend = x->cut, r->path_cut = true;
	} else {
		/* cut short: a known method and the start of a target will do */
		if (!known_method(x->t, m) || x->n <= tstart)
			return false;
		r->version = 11;
		tend = x->n;
		size_t sp = tstart;
		while (sp < tend && x->t[sp] != ' ')
			sp++;
		r->path_cut = sp == tend;
		tend = sp;
		r->partial = true;
	}
	if (tend <= tstart || x->t[tstart] == ' ')
		return false;
	bool cut;
	copy_str(r->method, sizeof(r->method), x->t, m, NULL);
	copy_str(r->path, sizeof(r->path), x->t + tstart, tend - tstart, &cut);
	r->path_cut |= cut;
	h->is_req = true;
	return true;
}

/* ---- header fields ----------------------------------------------------------------- */

static bool name_is(const uint8_t *n, size_t len, const char *want)
{
	size_t wl = strlen(want);
	if (len != wl)
		return false;
	for (size_t i = 0; i < len; i++)
		if (lower(n[i]) != want[i])
			return false;
	return true;
}

/* Content-Length: 1*DIGIT, or a list of one repeated value ("5, 5"); -1 when invalid. */
static int64_t parse_cl(const uint8_t *v, size_t n)
{
	int64_t val = -1;
	size_t i = 0;
	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		if (i == n)
			break;
		int64_t x = 0;
		size_t digits = 0;
		while (i < n && v[i] >= '0' && v[i] <= '9') {
			x = x * 10 + (v[i++] - '0');
			if (++digits > 15)
				return -1;
		}
		if (!digits || (val >= 0 && x != val))
			return -1;
		val = x;
		while (i < n && (v[i] == ' ' || v[i] == '\t'))
			i++;
		if (i < n && v[i] != ',')
			return -1;
	}
	return val;
}

/* Does the coding list end in "chunked"? */
static bool te_chunked(const uint8_t *v, size_t n)
{
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	size_t s = n;
	while (s && v[s - 1] != ',' && v[s - 1] != ' ' && v[s - 1] != '\t')
		s--;
	return name_is(v + s, n - s, "chunked");
}

void http_parse_field(struct http_head *h, const struct http_text *x)
{
	size_t colon = 0;
	while (colon < x->n && x->t[colon] != ':')
		colon++;
	if (colon == x->n || colon == 0)
		return;
	size_t nl = colon;
	while (nl && (x->t[nl - 1] == ' ' || x->t[nl - 1] == '\t'))
		nl--; /* not allowed (RFC 9112 5.1), but read as servers lenient about it do */
	size_t vs = colon + 1, ve = x->n;
	if (x->cut != SIZE_MAX)
		ve = x->cut;
	while (vs < ve && (x->t[vs] == ' ' || x->t[vs] == '\t'))
		vs++;
	while (ve > vs && (x->t[ve - 1] == ' ' || x->t[ve - 1] == '\t'))
		ve--;
	const uint8_t *v = x->t + vs;
	size_t vn = ve - vs;
	int64_t *cl = h->is_req ? &h->req.content_length : &h->resp.content_length;
	bool *chunked = h->is_req ? &h->req.chunked : &h->resp.chunked;
	if (name_is(x->t, nl, "host")) {
		if (h->is_req && !h->req.host[0])
			copy_str(h->req.host, sizeof(h->req.host), v, vn, NULL);
	} else if (name_is(x->t, nl, "content-length")) {
		int64_t n = x->cut == SIZE_MAX ? parse_cl(v, vn) : -1;
		if (n < 0 || n > HTTP_CL_MAX || (*cl >= 0 && *cl != n))
			h->cl_bad = true;
		else
			*cl = n;
	} else if (name_is(x->t, nl, "transfer-encoding")) {
		h->te = true;
		*chunked = te_chunked(v, vn);
	}
}

bool http_parse_chunk_size(const struct http_text *x, uint64_t *size)
{
	uint64_t n = 0;
	size_t i = 0, digits = 0;
	while (i < x->n) {
		int b = lower(x->t[i]);
		int v = b >= '0' && b <= '9' ? b - '0' : b >= 'a' && b <= 'f' ? b - 'a' + 10 : -1;
		if (v < 0)
			break;
		if (++digits > 15)
			return false;
		n = n * 16 + (uint64_t)v;
		i++;
	}
	*size = n;
	return digits > 0; /* a chunk extension (";...") may follow */
}

const char *http_status_text(unsigned status)
{
	static const struct {
		uint16_t code;
		const char *text;
	} t[] = {
	    {100, "Continue"},
	    {101, "Switching Protocols"},
	    {200, "OK"},
	    {201, "Created"},
	    {204, "No Content"},
	    {206, "Partial Content"},
	    {301, "Moved Permanently"},
	    {302, "Found"},
	    {304, "Not Modified"},
	    {400, "Bad Request"},
	    {401, "Unauthorized"},
	    {403, "Forbidden"},
	    {404, "Not Found"},
	    {405, "Method Not Allowed"},
	    {408, "Request Timeout"},
	    {413, "Content Too Large"},
	    {429, "Too Many Requests"},
	    {499, "Client Closed Request"},
	    {500, "Internal Server Error"},
	    {501, "Not Implemented"},
	    {502, "Bad Gateway"},
	    {503, "Service Unavailable"},
	    {504, "Gateway Timeout"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].code == status)
			return t[i].text;
	return "";
}
