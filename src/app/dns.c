/* dns.c - DNS over UDP and TCP: header, first question, queries paired with answers.
 *
 * RFC 1035 section 4.1 (message format, name compression), RFC 7766 (DNS over TCP: each
 * message after a 2-byte length), RFC 6895 (RCODE and TYPE registries), RFC 4795 (LLMNR),
 * RFC 6762 (mDNS).
 *
 *                                   1  1  1  1  1  1
 *     0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   |                      ID                       |
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   |QR|   Opcode  |AA|TC|RD|RA| Z|AD|CD|   RCODE   |
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   |          QDCOUNT / ANCOUNT / NSCOUNT / ARCOUNT |  (4 x 16 bits)
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   |  QNAME: labels (len 0..63, bytes), ending in a |
 *   |  zero byte or a pointer 11xxxxxx xxxxxxxx      |
 *   |  QTYPE (16)   |   QCLASS (16)                  |
 *
 * Names are decoded in a loop, never by recursion: each step reads one label (the name's
 * 255 wire bytes bound those) or follows one pointer (at most DNS_PTR_HOPS), so a pointer
 * loop ends as DNS_NAME_LOOP.  Queries wait in a bounded per-flow table (DNS_PENDING_MAX)
 * for the response with their ID from the other direction.  A query unanswered DNS_TIMEOUT_NS
 * after it was sent (capture time) timed out: it is reported DNS_TIMEOUT when no answer came
 * before the flow ended, DNS_FORGET_NS passed or the same query was sent again, and DNS_LATE
 * when an answer came after all.  The same query sent again within DNS_TIMEOUT_NS is a
 * retransmission (as Wireshark's DNS retransmission timer, 5 s, counts them).  The same query sent
 * again before an answer is a retransmission of the first, and latency counts from the first.
 *
 * Over TCP, messages are framed by their length prefix across segments; the first 512 bytes
 * of each are kept (enough for the header and question) and the message is read when its
 * last byte arrives (where Wireshark shows it).  Bytes missing inside a message are skipped
 * by length; a missing length prefix loses the framing until a segment starts a message.
 * Not read: answer records, EDNS (the extended RCODE bits), questions after the first.
 */
#include "dns.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/stream.h"
#include "decode/packet.h"

#define DNS_TCP_KEEP 512 /* bytes kept of each message over TCP */

enum dns_tcp_phase {
	DT_LEN0,   /* the length's first byte comes next */
	DT_LEN1,   /* ... its second */
	DT_MSG,    /* msg_left bytes of the message to go */
	DT_RESYNC, /* framing lost: wait for a segment that starts a message */
};

struct dns_tcp_half {
	struct app_stream st;
	enum dns_tcp_phase phase;
	uint8_t len_hi;
	bool holed; /* bytes inside the message were missing: stop keeping */
	uint32_t msg_left;
	uint16_t nbuf;
	uint8_t buf[DNS_TCP_KEEP];
};

struct dns_pend {
	uint16_t id;
	uint8_t dir;
	uint8_t opcode, query_rcode;
	bool has_qname, has_qtype;
	enum dns_name_status name_status;
	uint16_t qtype, qclass;
	char qname[DNS_NAME_TEXT_MAX];
	uint64_t frame;
	int64_t ts_ns;
	uint32_t retx;
	uint8_t nretx;
	uint64_t retx_frames[DNS_RETX_FRAMES];
};

/* The first fragment of a datagram, read and held until its last fragment arrives. */
struct dns_held {
	struct dns_msg m;
	int dir;
	uint8_t proto;
	uint32_t frag_id;
	uint64_t frame;
	int64_t ts_ns;
};

struct dns_conv {
	enum dns_kind kind;
	struct dns_held *held; /* made on the first fragmented message */
	bool holding;
	struct dns_pend *pend; /* unanswered queries, oldest first */
	uint32_t npend, cap;
	struct dns_tcp_half *tcp[2]; /* made on the first TCP segment of a direction */
};

/* ---- names and messages ------------------------------------------------------------ */

static void put(char *out, size_t cap, size_t *o, const char *s, size_t n, bool *cut)
{
	if (*o + n > cap - 1) {
		*cut = true;
		return;
	}
	memcpy(out + *o, s, n);
	*o += n;
	out[*o] = 0;
}

/* Length of the valid UTF-8 sequence at s[0..n) (RFC 3629 section 4), 0 if none. */
static unsigned utf8_len(const uint8_t *s, unsigned n)
{
	uint8_t b = s[0];
	unsigned len = b >= 0xc2 && b <= 0xdf   ? 2
	               : b >= 0xe0 && b <= 0xef ? 3
	               : b >= 0xf0 && b <= 0xf4 ? 4
	                                        : 0;
	if (!len || len > n)
		return 0;
	uint8_t lo = 0x80, hi = 0xbf; /* the second byte's range, narrower after some leads */
	if (b == 0xe0)
		lo = 0xa0;
	else if (b == 0xed)
		hi = 0x9f;
	else if (b == 0xf0)
		lo = 0x90;
	else if (b == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (unsigned i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* One label as text: printable ASCII and valid UTF-8 as they are, other bytes as \DDD
 * (decimal, RFC 1035 section 5.1). */
static void label_text(const uint8_t *l, unsigned n, char *out, size_t cap, size_t *o, bool *cut)
{
	unsigned i = 0;
	while (i < n) {
		uint8_t b = l[i];
		unsigned u = b >= 0x80 ? utf8_len(l + i, n - i) : 0;
		if (u) {
			put(out, cap, o, (const char *)l + i, u, cut);
			i += u;
		} else if (b >= 0x20 && b < 0x7f) {
			put(out, cap, o, (const char *)&b, 1, cut);
			i++;
		} else {
			char e[5];
			snprintf(e, sizeof(e), "\\%03u", b);
			put(out, cap, o, e, 4, cut);
			i++;
		}
	}
}

enum dns_name_status dns_name(const uint8_t *msg, size_t n, size_t off, char *out, size_t cap,
                              bool *cut, size_t *next)
{
	size_t pos = off, o = 0, wire = 0;
	unsigned hops = 0;
	bool jumped = false;
	*cut = false;
	*next = off;
	out[0] = 0;
	for (;;) {
		struct cursor c = cur_make(msg, n);
		cur_skip(&c, pos);
		uint8_t len = cur_u8(&c);
		if (c.bad)
			return DNS_NAME_TRUNCATED;
		if ((len & 0xc0) == 0xc0) {
			uint8_t lo = cur_u8(&c);
			if (c.bad)
				return DNS_NAME_TRUNCATED;
			if (!jumped)
				*next = pos + 2;
			if (++hops > DNS_PTR_HOPS)
				return DNS_NAME_LOOP;
			pos = (size_t)(len & 0x3f) << 8 | lo;
			jumped = true;
			continue;
		}
		if (len & 0xc0)
			return DNS_NAME_BAD_LABEL;
		if (len == 0) {
			if (!jumped)
				*next = pos + 1;
			if (!o)
				put(out, cap, &o, "<Root>", 6, cut);
			return DNS_NAME_OK;
		}
		wire += (size_t)len + 1;
		if (wire > 254) /* with the root's zero byte, 255 at most (RFC 1035 3.1) */
			return DNS_NAME_TOO_LONG;
		uint8_t label[63];
		cur_bytes(&c, label, len);
		if (c.bad)
			return DNS_NAME_TRUNCATED;
		if (o)
			put(out, cap, &o, ".", 1, cut);
		label_text(label, len, out, cap, &o, cut);
		pos += 1 + (size_t)len;
	}
}

int dns_parse(const uint8_t *msg, size_t n, struct dns_msg *m)
{
	memset(m, 0, sizeof(*m));
	struct cursor c = cur_make(msg, n);
	m->id = cur_be16(&c);
	uint16_t fl = cur_be16(&c);
	if (c.bad)
		return -EINVAL;
	m->qdcount = cur_be16(&c);
	m->ancount = cur_be16(&c);
	m->nscount = cur_be16(&c);
	m->arcount = cur_be16(&c);
	m->counts_cut = c.bad;
	m->qr = fl >> 15;
	m->opcode = (uint8_t)(fl >> 11 & 0xf);
	m->aa = fl & 0x0400;
	m->tc = fl & 0x0200;
	m->rd = fl & 0x0100;
	m->ra = fl & 0x0080;
	m->rcode = (uint8_t)(fl & 0xf);
	if (!m->qdcount || m->counts_cut)
		return 0;
	size_t next;
	m->name_status = dns_name(msg, n, 12, m->qname, sizeof(m->qname), &m->qname_cut, &next);
	if (m->name_status != DNS_NAME_OK)
		return 0;
	m->has_qname = true;
	struct cursor q = cur_make(msg, n);
	cur_skip(&q, next);
	m->qtype = cur_be16(&q);
	m->qclass = cur_be16(&q);
	m->has_qtype = !q.bad;
	return 0;
}

int dns_port_kind(uint16_t port)
{
	return port == 53     ? DNS_KIND_DNS
	       : port == 5353 ? DNS_KIND_MDNS
	       : port == 5355 ? DNS_KIND_LLMNR
	                      : -1;
}

const char *dns_rcode_name(unsigned rcode, char *buf, size_t len)
{
	static const char *const n[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
	                                "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
	                                "NXRRSET", "NOTAUTH", "NOTZONE",  "DSOTYPENI"};
	if (rcode < sizeof(n) / sizeof(n[0]))
		return n[rcode];
	snprintf(buf, len, "RCODE%u", rcode);
	return buf;
}

const char *dns_qtype_name(unsigned qtype, char *buf, size_t len)
{
	static const struct {
		uint16_t type;
		const char *name;
	} t[] = {
	    {1, "A"},       {2, "NS"},    {5, "CNAME"},  {6, "SOA"},    {12, "PTR"},  {15, "MX"},
	    {16, "TXT"},    {28, "AAAA"}, {33, "SRV"},   {35, "NAPTR"}, {41, "OPT"},  {43, "DS"},
	    {48, "DNSKEY"}, {64, "SVCB"}, {65, "HTTPS"}, {252, "AXFR"}, {255, "ANY"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].type == qtype)
			return t[i].name;
	snprintf(buf, len, "TYPE%u", qtype);
	return buf;
}

/* ---- pairing ----------------------------------------------------------------------- */

static void emit(const struct dns_txn *t, const struct app_sink *k)
{
	if (k && k->dns)
		k->dns(k->ctx, t);
}

static void txn_from_pend(struct dns_txn *t, const struct dns_pend *q, enum dns_kind kind,
                          uint8_t proto)
{
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->proto = proto;
	t->client_dir = q->dir;
	t->id = q->id;
	t->has_query = true;
	t->has_qname = q->has_qname;
	t->has_qtype = q->has_qtype;
	t->name_status = q->name_status;
	memcpy(t->qname, q->qname, sizeof(t->qname));
	t->qtype = q->qtype;
	t->qclass = q->qclass;
	t->opcode = q->opcode;
	t->query_rcode = q->query_rcode;
	t->query_frame = q->frame;
	t->query_ns = q->ts_ns;
	t->retransmissions = q->retx;
	t->nretx = q->nretx;
	memcpy(t->retx_frames, q->retx_frames, sizeof(t->retx_frames));
	t->latency_ns = -1;
}

static void txn_response(struct dns_txn *t, const struct dns_msg *m, uint64_t frame, int64_t ts)
{
	t->has_response = true;
	t->resp_frame = frame;
	t->resp_ns = ts;
	t->rcode = m->rcode;
	t->tc = m->tc;
	t->aa = m->aa;
	t->ancount = m->ancount;
	t->resp_has_qname = m->has_qname;
	memcpy(t->resp_qname, m->qname, sizeof(t->resp_qname));
}

/* Remove pending query i and deliver it with `outcome` (and response m, if any). */
static void pend_take(struct dns_conv *c, uint32_t i, enum dns_outcome outcome, uint8_t proto,
                      const struct dns_msg *m, uint64_t frame, int64_t ts, const struct app_sink *k)
{
	struct dns_txn t;
	txn_from_pend(&t, &c->pend[i], c->kind, proto);
	t.outcome = outcome;
	if (m) {
		txn_response(&t, m, frame, ts);
		t.resp_qname_differs =
		    m->has_qname != t.has_qname || (m->has_qname && strcmp(m->qname, t.qname) != 0);
		t.latency_ns = ts >= t.query_ns ? ts - t.query_ns : 0;
	}
	memmove(&c->pend[i], &c->pend[i + 1], (c->npend - i - 1) * sizeof(c->pend[0]));
	c->npend--;
	emit(&t, k);
}

/* Deliver queries unanswered for DNS_FORGET_NS at capture time now. */
static void expire(struct dns_conv *c, int64_t now, uint8_t proto, const struct app_sink *k)
{
	uint32_t i = 0;
	while (i < c->npend) {
		if (now - c->pend[i].ts_ns >= DNS_FORGET_NS)
			pend_take(c, i, DNS_TIMEOUT, proto, NULL, 0, 0, k);
		else
			i++;
	}
}

static bool same_question(const struct dns_pend *q, const struct dns_msg *m)
{
	if (q->has_qname != m->has_qname)
		return false;
	if (q->has_qname && strcasecmp(q->qname, m->qname) != 0) /* 0x20 case randomisation */
		return false;
	return q->qtype == m->qtype && q->qclass == m->qclass;
}

static void on_query(struct dns_conv *c, const struct dns_msg *m, int dir, uint8_t proto,
                     uint64_t frame, int64_t ts, const struct app_sink *k)
{
	for (uint32_t i = 0; i < c->npend; i++) {
		struct dns_pend *q = &c->pend[i];
		if (q->id == m->id && q->dir == dir && same_question(q, m)) {
			if (ts - q->ts_ns >= DNS_TIMEOUT_NS) {
				/* asked again after the timeout: the first timed out, this is new
				 */
				pend_take(c, i, DNS_TIMEOUT, proto, NULL, 0, 0, k);
				break;
			}
			q->retx++;
			if (q->nretx < DNS_RETX_FRAMES)
				q->retx_frames[q->nretx++] = frame;
			return;
		}
	}
	if (c->npend == DNS_PENDING_MAX)
		pend_take(c, 0, ts - c->pend[0].ts_ns >= DNS_TIMEOUT_NS ? DNS_TIMEOUT : DNS_DROPPED,
		          proto, NULL, 0, 0, k);
	if (c->npend == c->cap) {
		uint32_t ncap = c->cap ? c->cap * 2 : 1;
		struct dns_pend *np = realloc(c->pend, ncap * sizeof(*np));
		if (!np) {
			if (!c->npend)
				return;
			pend_take(c, 0, DNS_DROPPED, proto, NULL, 0, 0, k);
		} else {
			c->pend = np;
			c->cap = ncap;
		}
	}
	struct dns_pend *q = &c->pend[c->npend++];
	memset(q, 0, sizeof(*q));
	q->id = m->id;
	q->dir = (uint8_t)dir;
	q->opcode = m->opcode;
	q->query_rcode = m->rcode;
	q->has_qname = m->has_qname;
	q->has_qtype = m->has_qtype;
	q->name_status = m->name_status;
	memcpy(q->qname, m->qname, sizeof(q->qname));
	q->qtype = m->qtype;
	q->qclass = m->qclass;
	q->frame = frame;
	q->ts_ns = ts;
}

/* A message without a partner: an mDNS/LLMNR message, or a response with no query. */
static void emit_alone(struct dns_conv *c, const struct dns_msg *m, int dir, uint8_t proto,
                       uint64_t frame, int64_t ts, enum dns_outcome outcome,
                       const struct app_sink *k)
{
	struct dns_txn t;
	memset(&t, 0, sizeof(t));
	t.kind = c->kind;
	t.outcome = outcome;
	t.proto = proto;
	t.id = m->id;
	t.latency_ns = -1;
	t.has_qname = m->has_qname;
	t.has_qtype = m->has_qtype;
	t.name_status = m->name_status;
	memcpy(t.qname, m->qname, sizeof(t.qname));
	t.qtype = m->qtype;
	t.qclass = m->qclass;
	t.opcode = m->opcode;
	if (m->qr) {
		t.client_dir = !dir;
		txn_response(&t, m, frame, ts);
	} else {
		t.client_dir = dir;
		t.has_query = true;
		t.query_rcode = m->rcode;
		t.query_frame = frame;
		t.query_ns = ts;
	}
	emit(&t, k);
}

static void on_message(struct dns_conv *c, const struct dns_msg *m, int dir, uint8_t proto,
                       uint64_t frame, int64_t ts, const struct app_sink *k)
{
	if (c->kind != DNS_KIND_DNS) {
		emit_alone(c, m, dir, proto, frame, ts, DNS_UNPAIRED, k);
		return;
	}
	if (!m->qr) {
		on_query(c, m, dir, proto, frame, ts, k);
		return;
	}
	uint32_t best = UINT32_MAX;
	for (uint32_t i = 0; i < c->npend; i++) {
		const struct dns_pend *q = &c->pend[i];
		if (q->id != m->id || q->dir == dir)
			continue;
		if (best == UINT32_MAX)
			best = i;
		if (same_question(q, m)) {
			best = i;
			break;
		}
	}
	if (best == UINT32_MAX)
		emit_alone(c, m, dir, proto, frame, ts, DNS_UNMATCHED, k);
	else
		pend_take(c, best,
		          ts - c->pend[best].ts_ns >= DNS_TIMEOUT_NS ? DNS_LATE : DNS_ANSWERED,
		          proto, m, frame, ts, k);
}

/* ---- over TCP ---------------------------------------------------------------------- */

static void tcp_msg_done(struct dns_conv *c, struct dns_tcp_half *h, int dir,
                         const struct app_seg *s, const struct app_sink *k)
{
	struct dns_msg m;
	if (dns_parse(h->buf, h->nbuf, &m) == 0)
		on_message(c, &m, dir, IPPROTO_NUM_TCP, s->frame, s->ts_ns, k);
	h->phase = DT_LEN0;
}

static void tcp_gap(struct dns_conv *c, struct dns_tcp_half *h, int dir, uint64_t gap,
                    const struct app_seg *s, const struct app_sink *k)
{
	if (h->phase == DT_MSG && gap != APP_SPAN_LOST && gap <= h->msg_left) {
		h->msg_left -= (uint32_t)gap;
		h->holed = true;
		if (!h->msg_left)
			tcp_msg_done(c, h, dir, s, k);
		return;
	}
	if (h->phase == DT_MSG)
		tcp_msg_done(c, h, dir, s, k);
	h->phase = DT_RESYNC;
}

static void tcp_bytes(struct dns_conv *c, struct dns_tcp_half *h, int dir, struct cursor *d,
                      const struct app_seg *s, const struct app_sink *k)
{
	while (d->left && !d->bad) {
		switch (h->phase) {
		case DT_LEN0:
			h->len_hi = cur_u8(d);
			h->phase = DT_LEN1;
			break;
		case DT_LEN1:
			h->msg_left = (uint32_t)h->len_hi << 8 | cur_u8(d);
			h->nbuf = 0;
			h->holed = false;
			h->phase = h->msg_left ? DT_MSG : DT_LEN0;
			break;
		case DT_MSG: {
			size_t n = d->left < h->msg_left ? d->left : h->msg_left;
			size_t keep = h->holed ? 0 : DNS_TCP_KEEP - h->nbuf;
			if (keep > n)
				keep = n;
			cur_bytes(d, h->buf + h->nbuf, keep);
			h->nbuf = (uint16_t)(h->nbuf + keep);
			cur_skip(d, n - keep);
			h->msg_left -= (uint32_t)n;
			if (!h->msg_left)
				tcp_msg_done(c, h, dir, s, k);
			break;
		}
		case DT_RESYNC:
			cur_skip(d, d->left);
			break;
		}
	}
}

static struct dns_tcp_half *tcp_half(struct dns_conv *c, int dir)
{
	if (!c->tcp[dir]) {
		c->tcp[dir] = calloc(1, sizeof(*c->tcp[dir]));
		if (c->tcp[dir])
			c->tcp[dir]->phase = DT_RESYNC;
	}
	return c->tcp[dir];
}

static void tcp_segment(struct dns_conv *c, const struct app_seg *s, int dir,
                        const struct app_sink *k)
{
	struct dns_tcp_half *h = tcp_half(c, dir);
	if (!h)
		return;
	if (s->peer_fresh && (s->tcp_flags & TCP_ACK)) {
		struct dns_tcp_half *peer = tcp_half(c, !dir);
		if (peer && !peer->st.started) {
			app_stream_start(&peer->st, s->ack);
			peer->phase = DT_LEN0;
		}
	}
	if ((s->tcp_flags & TCP_SYN) && app_stream_syn(&h->st, s->seq))
		h->phase = DT_LEN0;
	struct app_span sp;
	if (!app_stream_take(&h->st, s->seq, s->tcp_flags, s->data, s->caplen, s->len,
	                     h->phase == DT_LEN0 || h->phase == DT_LEN1, &sp))
		return;
	if (sp.gap)
		tcp_gap(c, h, dir, sp.gap, s, k);
	if (sp.seg_start && h->phase == DT_RESYNC && sp.data.left >= 14)
		h->phase = DT_LEN0; /* a segment that starts with a length and a header */
	tcp_bytes(c, h, dir, &sp.data, s, k);
	if (sp.tail_gap)
		tcp_gap(c, h, dir, sp.tail_gap, s, k);
}

/* ---- the flow ---------------------------------------------------------------------- */

/* A held first fragment whose datagram did not complete: read it where it was. */
static void release_held(struct dns_conv *c, const struct app_sink *k)
{
	if (!c->holding)
		return;
	c->holding = false;
	on_message(c, &c->held->m, c->held->dir, c->held->proto, c->held->frame, c->held->ts_ns, k);
}

struct dns_conv *dns_conv_new(enum dns_kind kind)
{
	struct dns_conv *c = calloc(1, sizeof(*c));
	if (c)
		c->kind = kind;
	return c;
}

void dns_conv_free(struct dns_conv *c)
{
	if (!c)
		return;
	free(c->pend);
	free(c->held);
	free(c->tcp[0]);
	free(c->tcp[1]);
	free(c);
}

void dns_conv_segment(struct dns_conv *c, const struct app_seg *s, int dir,
                      const struct app_sink *k)
{
	if (dir != 0 && dir != 1)
		return;
	expire(c, s->ts_ns, s->proto, k);
	if (s->proto == IPPROTO_NUM_TCP) {
		tcp_segment(c, s, dir, k);
		return;
	}
	if (s->proto != IPPROTO_NUM_UDP)
		return;
	if (s->frag == APP_FRAG_MORE || s->frag == APP_FRAG_LAST) {
		if (s->frag == APP_FRAG_LAST && c->holding && c->held->dir == dir &&
		    c->held->frag_id == s->frag_id) {
			/* the datagram is complete here: where Wireshark shows the message */
			c->holding = false;
			on_message(c, &c->held->m, dir, IPPROTO_NUM_UDP, s->frame, s->ts_ns, k);
		}
		return;
	}
	struct dns_msg m;
	if (!s->caplen || dns_parse(s->data, s->caplen, &m) != 0)
		return;
	if (s->frag == APP_FRAG_FIRST) {
		release_held(c, k);
		if (!c->held)
			c->held = malloc(sizeof(*c->held));
		if (c->held) {
			c->held->m = m;
			c->held->dir = dir;
			c->held->proto = IPPROTO_NUM_UDP;
			c->held->frag_id = s->frag_id;
			c->held->frame = s->frame;
			c->held->ts_ns = s->ts_ns;
			c->holding = true;
			return;
		}
	}
	on_message(c, &m, dir, IPPROTO_NUM_UDP, s->frame, s->ts_ns, k);
}

void dns_conv_end(struct dns_conv *c, int64_t now_ns, const struct app_sink *k)
{
	release_held(c, k);
	uint8_t proto = c->tcp[0] || c->tcp[1] ? IPPROTO_NUM_TCP : IPPROTO_NUM_UDP;
	while (c->npend) {
		bool late = now_ns - c->pend[0].ts_ns >= DNS_TIMEOUT_NS;
		pend_take(c, 0, late ? DNS_TIMEOUT : DNS_CAPTURE_END, proto, NULL, 0, 0, k);
	}
}

/* ---- the parser contract ----------------------------------------------------------- */

static enum app_detect dns_detect(const struct app_seg *s, int dir, bool stream_start)
{
	(void)dir;
	(void)stream_start;
	if (s->proto != IPPROTO_NUM_UDP && s->proto != IPPROTO_NUM_TCP)
		return APP_NEVER;
	if (dns_port_kind(s->sport) == DNS_KIND_DNS || dns_port_kind(s->dport) == DNS_KIND_DNS)
		return APP_YES;
	if (s->proto == IPPROTO_NUM_UDP &&
	    (dns_port_kind(s->sport) > 0 || dns_port_kind(s->dport) > 0))
		return APP_YES;
	return APP_NEVER;
}

static void *dns_new(const struct app_seg *s)
{
	/* the kind follows the ports: 53 wins over 5353 and 5355 */
	int a = dns_port_kind(s->sport), b = dns_port_kind(s->dport);
	enum dns_kind kind = a == DNS_KIND_DNS || b == DNS_KIND_DNS ? DNS_KIND_DNS
	                     : a > 0                                ? (enum dns_kind)a
	                     : b > 0                                ? (enum dns_kind)b
	                                                            : DNS_KIND_DNS;
	return dns_conv_new(kind);
}

static void dns_segment(void *conv, const struct app_seg *s, int dir, const struct app_sink *k)
{
	dns_conv_segment(conv, s, dir, k);
}

static void dns_end(void *conv, int64_t now_ns, const struct app_sink *k)
{
	dns_conv_end(conv, now_ns, k);
}

static void dns_free(void *conv)
{
	dns_conv_free(conv);
}

const struct app_parser app_dns_parser = {
    .name = "dns",
    .detect = dns_detect,
    .conv_new = dns_new,
    .conv_segment = dns_segment,
    .conv_end = dns_end,
    .conv_free = dns_free,
};
