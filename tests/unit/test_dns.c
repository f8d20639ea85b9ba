/* test_dns.c - DNS names (compression, pointer loops, escapes), headers, and queries paired
 * with answers (src/app/dns.c): table-driven byte arrays, including malformed and truncated
 * messages, retransmissions, timeouts, late answers, DNS over TCP and IP fragments. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "app/dns.h"
#include "decode/packet.h"

#define MS INT64_C(1000000)

/* ---- names ------------------------------------------------------------------------- */

/* A 12-byte header then the bytes under test at offset 12. */
#define HDR 0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00

struct name_case {
	const char *what;
	uint8_t msg[300];
	size_t n;
	size_t off;
	enum dns_name_status st;
	const char *text; /* when OK */
	size_t next;      /* offset after the name, when OK */
};

static const struct name_case names[] = {
    {"plain",
     {HDR, 3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0},
     30,
     12,
     DNS_NAME_OK,
     "www.example.com",
     29},
    {"root", {HDR, 0}, 13, 12, DNS_NAME_OK, "<Root>", 13},
    {"pointer back to the question name",
     {HDR, 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 3, 'w', 'w', 'w', 0xc0, 12},
     27,
     21,
     DNS_NAME_OK,
     "www.example",
     27},
    {"pointer chain",
     {HDR, 3, 'c', 'o', 'm', 0, 1, 'b', 0xc0, 12, 1, 'a', 0xc0, 17},
     25,
     21,
     DNS_NAME_OK,
     "a.b.com",
     25},
    {"forward pointer", {HDR, 0xc0, 14, 2, 'f', 'w', 0}, 18, 12, DNS_NAME_OK, "fw", 14},
    {"pointer to itself", {HDR, 0xc0, 12}, 14, 12, DNS_NAME_LOOP, NULL, 0},
    {"two pointers at each other", {HDR, 0xc0, 14, 0xc0, 12}, 16, 12, DNS_NAME_LOOP, NULL, 0},
    {"label then a loop", {HDR, 1, 'x', 0xc0, 12}, 16, 12, DNS_NAME_LOOP, NULL, 0},
    {"pointer past the end", {HDR, 0xc0, 200}, 14, 12, DNS_NAME_TRUNCATED, NULL, 0},
    {"pointer cut in half", {HDR, 0xc0}, 13, 12, DNS_NAME_TRUNCATED, NULL, 0},
    {"label past the end", {HDR, 5, 'a', 'b'}, 15, 12, DNS_NAME_TRUNCATED, NULL, 0},
    {"no terminating zero", {HDR, 1, 'a'}, 14, 12, DNS_NAME_TRUNCATED, NULL, 0},
    {"empty message", {0}, 0, 0, DNS_NAME_TRUNCATED, NULL, 0},
    {"extended label type 01", {HDR, 0x41, 'a', 0}, 15, 12, DNS_NAME_BAD_LABEL, NULL, 0},
    {"label type 10", {HDR, 0x81, 'a', 0}, 15, 12, DNS_NAME_BAD_LABEL, NULL, 0},
    {"control bytes, '.' and a space in labels",
     {HDR, 4, 'a', 0x00, '.', 0x7f, 3, ' ', '\\', 0x0d, 0},
     22,
     12,
     DNS_NAME_OK,
     "a\\000.\\127. \\\\013",
     22},
    {"valid UTF-8 kept, invalid escaped",
     {HDR, 6, 0xe5, 0xb0, 0x8f, 'x', 0xf2, 'y', 2, 0xc3, 0xa9, 0},
     23,
     12,
     DNS_NAME_OK,
     "\xe5\xb0\x8fx\\242y.\xc3\xa9",
     23},
    {"overlong UTF-8 and a lone continuation escaped",
     {HDR, 3, 0xc0, 0xaf, 0x80, 0},
     17,
     12,
     DNS_NAME_OK,
     "\\192\\175\\128",
     17},
};

static void test_names(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct name_case *c = &names[i];
		char out[DNS_NAME_TEXT_MAX];
		bool cut;
		size_t next;
		enum dns_name_status st =
		    dns_name(c->msg, c->n, c->off, out, sizeof(out), &cut, &next);
		if (st != c->st || (c->text && (strcmp(out, c->text) != 0 || next != c->next))) {
			fprintf(stderr,
			        "name \"%s\": status %d want %d, \"%s\" want \"%s\", next %zu "
			        "want %zu\n",
			        c->what, st, c->st, out, c->text ? c->text : "", next, c->next);
			fail();
		}
		assert_false(cut);
	}
}

static void test_name_limits(void **state)
{
	(void)state;
	/* 5 labels of 63 bytes: 320 wire bytes, more than 255 */
	uint8_t msg[12 + 5 * 64 + 1] = {HDR};
	size_t n = 12;
	for (int l = 0; l < 5; l++) {
		msg[n++] = 63;
		memset(msg + n, 'a' + l, 63);
		n += 63;
	}
	msg[n++] = 0;
	char out[DNS_NAME_TEXT_MAX];
	bool cut;
	size_t next;
	assert_int_equal(dns_name(msg, n, 12, out, sizeof(out), &cut, &next), DNS_NAME_TOO_LONG);
	/* 4 labels of 63: 256 wire bytes with the root: still too long; 3 of 63 + 1 of 61 fits */
	msg[12 + 3 * 64] = 61;
	msg[12 + 3 * 64 + 62] = 0;
	assert_int_equal(dns_name(msg, 12 + 3 * 64 + 63, 12, out, sizeof(out), &cut, &next),
	                 DNS_NAME_OK);
	assert_int_equal(strlen(out), 3 * 64 + 61);
	/* text longer than the buffer: cut, flagged */
	char small[16];
	assert_int_equal(dns_name(msg, 12 + 3 * 64 + 63, 12, small, sizeof(small), &cut, &next),
	                 DNS_NAME_OK);
	assert_true(cut);
	assert_true(strlen(small) < sizeof(small));
	/* escapes grow text 4x: 63 control bytes make 252 characters */
	uint8_t ctl[12 + 65] = {HDR, 63};
	ctl[12 + 64] = 0;
	assert_int_equal(dns_name(ctl, sizeof(ctl), 12, out, sizeof(out), &cut, &next),
	                 DNS_NAME_OK);
	assert_int_equal(strlen(out), 252);
	assert_false(cut);
}

/* ---- messages ---------------------------------------------------------------------- */

static size_t build(uint8_t *b, uint16_t id, uint16_t flags, const char *qname, uint16_t qtype)
{
	size_t n = 0;
	b[n++] = (uint8_t)(id >> 8);
	b[n++] = (uint8_t)id;
	b[n++] = (uint8_t)(flags >> 8);
	b[n++] = (uint8_t)flags;
	static const uint8_t counts[] = {0, 1, 0, 1, 0, 0, 0, 0};
	memcpy(b + n, counts, 8);
	n += 8;
	const char *p = qname;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		b[n++] = (uint8_t)l;
		memcpy(b + n, p, l);
		n += l;
		p += l + (dot != NULL);
	}
	b[n++] = 0;
	b[n++] = (uint8_t)(qtype >> 8);
	b[n++] = (uint8_t)qtype;
	b[n++] = 0;
	b[n++] = 1;
	return n;
}

#define QUERY    0x0100          /* RD */
#define RESP(rc) (0x8180 | (rc)) /* QR RD RA */

static void test_parse(void **state)
{
	(void)state;
	uint8_t b[512];
	struct dns_msg m;
	size_t n = build(b, 0xbeef, RESP(DNS_RCODE_SERVFAIL), "x.example", 28);
	assert_int_equal(dns_parse(b, n, &m), 0);
	assert_int_equal(m.id, 0xbeef);
	assert_true(m.qr);
	assert_int_equal(m.rcode, DNS_RCODE_SERVFAIL);
	assert_true(m.has_qname);
	assert_true(m.has_qtype);
	assert_string_equal(m.qname, "x.example");
	assert_int_equal(m.qtype, 28);
	/* truncated copies: below 4 bytes nothing; 4..11 the flags; the type cut off */
	assert_int_equal(dns_parse(b, 3, &m), -EINVAL);
	assert_int_equal(dns_parse(b, 4, &m), 0);
	assert_true(m.counts_cut);
	assert_int_equal(m.rcode, DNS_RCODE_SERVFAIL);
	assert_false(m.has_qname);
	assert_int_equal(dns_parse(b, n - 3, &m), 0);
	assert_true(m.has_qname);
	assert_false(m.has_qtype);
	assert_int_equal(dns_parse(b, 20, &m), 0);
	assert_false(m.has_qname);
	assert_int_equal(m.name_status, DNS_NAME_TRUNCATED);
	/* no question */
	b[5] = 0;
	assert_int_equal(dns_parse(b, n, &m), 0);
	assert_false(m.has_qname);
	assert_int_equal(m.name_status, DNS_NAME_OK);
	char buf[16];
	assert_string_equal(dns_rcode_name(3, buf, sizeof(buf)), "NXDOMAIN");
	assert_string_equal(dns_rcode_name(15, buf, sizeof(buf)), "RCODE15");
	assert_string_equal(dns_qtype_name(65, buf, sizeof(buf)), "HTTPS");
	assert_string_equal(dns_qtype_name(999, buf, sizeof(buf)), "TYPE999");
}

/* ---- pairing ----------------------------------------------------------------------- */

struct msg_spec {
	int dir;
	int64_t t_ms;
	uint16_t id, flags;
	const char *qname;
	uint16_t qtype;
};

struct want {
	enum dns_outcome outcome;
	uint64_t query_frame, resp_frame; /* 0: none */
	uint8_t rcode;
	uint32_t retx;
	const char *qname;
};

struct pair_case {
	const char *name;
	struct msg_spec m[40];
	int nm;
	int64_t end_ms;
	struct want want[40];
	int nwant;
};

struct got {
	struct dns_txn t[64];
	int n;
};

static void collect(void *ctx, const struct dns_txn *t)
{
	struct got *g = ctx;
	if (g->n < 64)
		g->t[g->n] = *t;
	g->n++;
}

static const struct pair_case pairs[] = {
    {"answer",
     {{0, 0, 1, QUERY, "a.example", 1}, {1, 12, 1, RESP(0), "a.example", 1}},
     2,
     100,
     {{DNS_ANSWERED, 1, 2, 0, 0, "a.example"}},
     1},
    {"answers by ID, out of order",
     {{0, 0, 1, QUERY, "a.example", 1},
      {0, 1, 2, QUERY, "b.example", 1},
      {1, 5, 2, RESP(DNS_RCODE_NXDOMAIN), "b.example", 1},
      {1, 6, 1, RESP(DNS_RCODE_SERVFAIL), "a.example", 1}},
     4,
     100,
     {{DNS_ANSWERED, 2, 3, DNS_RCODE_NXDOMAIN, 0, "b.example"},
      {DNS_ANSWERED, 1, 4, DNS_RCODE_SERVFAIL, 0, "a.example"}},
     2},
    {"0x20 case randomisation still pairs",
     {{0, 0, 7, QUERY, "WwW.ExAmple.com", 1}, {1, 3, 7, RESP(0), "www.example.com", 1}},
     2,
     100,
     {{DNS_ANSWERED, 1, 2, 0, 0, "WwW.ExAmple.com"}},
     1},
    {"an answer with an unknown ID",
     {{1, 0, 9, RESP(0), "c.example", 1}},
     1,
     100,
     {{DNS_UNMATCHED, 0, 1, 0, 0, "c.example"}},
     1},
    {"an answer from the same direction as the query does not pair",
     {{0, 0, 3, QUERY, "d.example", 1}, {0, 1, 3, RESP(0), "d.example", 1}},
     2,
     10000,
     {{DNS_UNMATCHED, 0, 2, 0, 0, "d.example"}, {DNS_TIMEOUT, 1, 0, 0, 0, "d.example"}},
     2},
    {"retransmitted query within 5 s",
     {{0, 0, 4, QUERY, "r.example", 1},
      {0, 1000, 4, QUERY, "r.example", 1},
      {0, 3000, 4, QUERY, "r.example", 1},
      {1, 3100, 4, RESP(0), "r.example", 1}},
     4,
     5000,
     {{DNS_ANSWERED, 1, 4, 0, 2, "r.example"}},
     1},
    {"asked again after 5 s: the first timed out",
     {{0, 0, 5, QUERY, "t.example", 1},
      {0, 5000, 5, QUERY, "t.example", 1},
      {1, 5100, 5, RESP(0), "t.example", 1}},
     3,
     6000,
     {{DNS_TIMEOUT, 1, 0, 0, 0, "t.example"}, {DNS_ANSWERED, 2, 3, 0, 0, "t.example"}},
     2},
    {"a late answer (after 5 s) is paired and called late",
     {{0, 0, 6, QUERY, "l.example", 1}, {1, 7000, 6, RESP(0), "l.example", 1}},
     2,
     8000,
     {{DNS_LATE, 1, 2, 0, 0, "l.example"}},
     1},
    {"forgotten after a minute: timeout, the answer is unmatched",
     {{0, 0, 6, QUERY, "f.example", 1}, {1, 61000, 6, RESP(0), "f.example", 1}},
     2,
     62000,
     {{DNS_TIMEOUT, 1, 0, 0, 0, "f.example"}, {DNS_UNMATCHED, 0, 2, 0, 0, "f.example"}},
     2},
    {"no answer, flow ends 5 s later: timeout",
     {{0, 0, 8, QUERY, "n.example", 1}},
     1,
     5000,
     {{DNS_TIMEOUT, 1, 0, 0, 0, "n.example"}},
     1},
    {"no answer, capture ends within 5 s",
     {{0, 0, 8, QUERY, "n.example", 1}},
     1,
     4999,
     {{DNS_CAPTURE_END, 1, 0, 0, 0, "n.example"}},
     1},
    {"same ID, other question: two queries",
     {{0, 0, 1, QUERY, "p.example", 1},
      {0, 1, 1, QUERY, "p.example", 28},
      {1, 2, 1, RESP(0), "p.example", 28},
      {1, 3, 1, RESP(0), "p.example", 1}},
     4,
     100,
     {{DNS_ANSWERED, 2, 3, 0, 0, "p.example"}, {DNS_ANSWERED, 1, 4, 0, 0, "p.example"}},
     2},
};

static void feed(struct dns_conv *c, const struct msg_spec *m, uint64_t frame, uint8_t proto,
                 struct app_sink *k)
{
	uint8_t b[512];
	size_t n = build(b, m->id, m->flags, m->qname, m->qtype);
	struct app_seg s = {0};
	s.frame = frame;
	s.ts_ns = m->t_ms * MS;
	s.proto = proto;
	s.sport = m->dir ? 53 : 40000;
	s.dport = m->dir ? 40000 : 53;
	s.data = b;
	s.len = s.caplen = (uint32_t)n;
	dns_conv_segment(c, &s, m->dir, k);
}

static void test_pairing(void **state)
{
	(void)state;
	for (size_t ci = 0; ci < sizeof(pairs) / sizeof(pairs[0]); ci++) {
		const struct pair_case *pc = &pairs[ci];
		struct got g = {0};
		struct app_sink k = {.dns = collect, .ctx = &g};
		struct dns_conv *c = dns_conv_new(DNS_KIND_DNS);
		assert_non_null(c);
		for (int i = 0; i < pc->nm; i++)
			feed(c, &pc->m[i], (uint64_t)i + 1, IPPROTO_NUM_UDP, &k);
		dns_conv_end(c, pc->end_ms * MS, &k);
		dns_conv_free(c);
		bool ok = g.n == pc->nwant;
		for (int i = 0; ok && i < pc->nwant; i++) {
			const struct want *w = &pc->want[i];
			const struct dns_txn *t = &g.t[i];
			ok = t->outcome == w->outcome && t->has_query == (w->query_frame != 0) &&
			     t->has_response == (w->resp_frame != 0) &&
			     (!w->query_frame || t->query_frame == w->query_frame) &&
			     (!w->resp_frame ||
			      (t->resp_frame == w->resp_frame && t->rcode == w->rcode)) &&
			     t->retransmissions == w->retx && strcmp(t->qname, w->qname) == 0;
			if (!ok)
				fprintf(stderr,
				        "case \"%s\" txn %d: outcome %d q %llu r %llu rcode %u "
				        "retx %u \"%s\"\n",
				        pc->name, i, t->outcome, (unsigned long long)t->query_frame,
				        (unsigned long long)t->resp_frame, t->rcode,
				        t->retransmissions, t->qname);
		}
		if (!ok) {
			fprintf(stderr, "case \"%s\": %d transactions, want %d\n", pc->name, g.n,
			        pc->nwant);
			fail();
		}
	}
}

static void test_latency_and_retx_frames(void **state)
{
	(void)state;
	struct got g = {0};
	struct app_sink k = {.dns = collect, .ctx = &g};
	struct dns_conv *c = dns_conv_new(DNS_KIND_DNS);
	static const struct msg_spec m[] = {
	    {0, 100, 11, QUERY, "z.example", 1},   {0, 1100, 11, QUERY, "z.example", 1},
	    {0, 2100, 11, QUERY, "z.example", 1},  {0, 3100, 11, QUERY, "z.example", 1},
	    {0, 4100, 11, QUERY, "z.example", 1},  {0, 4200, 11, QUERY, "z.example", 1},
	    {1, 4350, 11, RESP(0), "z.example", 1}};
	for (int i = 0; i < 7; i++)
		feed(c, &m[i], (uint64_t)i + 10, IPPROTO_NUM_UDP, &k);
	dns_conv_free(c);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.t[0].retransmissions, 5);
	assert_int_equal(g.t[0].nretx, DNS_RETX_FRAMES); /* frames kept are bounded */
	assert_int_equal(g.t[0].retx_frames[0], 11);
	assert_int_equal(g.t[0].latency_ns, 4250 * MS); /* from the first query */
}

static void test_pending_bounded(void **state)
{
	(void)state;
	struct got g = {0};
	struct app_sink k = {.dns = collect, .ctx = &g};
	struct dns_conv *c = dns_conv_new(DNS_KIND_DNS);
	for (int i = 0; i < DNS_PENDING_MAX + 3; i++) {
		struct msg_spec m = {0, i, (uint16_t)(100 + i), QUERY, "q.example", 1};
		feed(c, &m, (uint64_t)i + 1, IPPROTO_NUM_UDP, &k);
	}
	assert_int_equal(g.n, 3); /* the three oldest pushed out */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(g.t[i].outcome, DNS_DROPPED);
		assert_int_equal(g.t[i].id, 100 + i);
	}
	dns_conv_end(c, 100 * MS, &k);
	assert_int_equal(g.n, DNS_PENDING_MAX + 3);
	dns_conv_free(c);
}

static void test_multicast_unpaired(void **state)
{
	(void)state;
	struct got g = {0};
	struct app_sink k = {.dns = collect, .ctx = &g};
	struct dns_conv *c = dns_conv_new(DNS_KIND_LLMNR);
	struct msg_spec q = {0, 0, 1, 0, "wpad", 1};
	feed(c, &q, 1, IPPROTO_NUM_UDP, &k);
	feed(c, &q, 2, IPPROTO_NUM_UDP, &k);
	dns_conv_end(c, 10000 * MS, &k);
	dns_conv_free(c);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.t[0].outcome, DNS_UNPAIRED);
	assert_int_equal(g.t[0].kind, DNS_KIND_LLMNR);
	assert_int_equal(g.t[1].query_frame, 2);
}

/* ---- over TCP and in fragments ----------------------------------------------------- */

static void tcp_seg(struct dns_conv *c, int dir, uint64_t frame, uint32_t seq, uint8_t flags,
                    const uint8_t *d, size_t n, struct app_sink *k)
{
	struct app_seg s = {0};
	s.frame = frame;
	s.ts_ns = (int64_t)frame * MS;
	s.proto = IPPROTO_NUM_TCP;
	s.seq = seq;
	s.tcp_flags = flags;
	s.data = d;
	s.len = s.caplen = (uint32_t)n;
	dns_conv_segment(c, &s, dir, k);
}

static void test_tcp(void **state)
{
	(void)state;
	uint8_t q1[300], q2[300], r[600];
	size_t n1 = build(q1 + 2, 0x0a0a, QUERY, "one.example", 1);
	size_t n2 = build(q2 + 2, 0x0b0b, QUERY, "two.example", 1);
	q1[0] = (uint8_t)(n1 >> 8), q1[1] = (uint8_t)n1;
	q2[0] = (uint8_t)(n2 >> 8), q2[1] = (uint8_t)n2;
	/* two queries in one segment; two answers: the first length prefix split 1 + rest,
	 * the second answer split across two segments */
	uint8_t both[600];
	memcpy(both, q1, n1 + 2);
	memcpy(both + n1 + 2, q2, n2 + 2);
	size_t a1 = build(r + 2, 0x0a0a, RESP(DNS_RCODE_NXDOMAIN), "one.example", 1);
	r[0] = (uint8_t)(a1 >> 8), r[1] = (uint8_t)a1;
	size_t a2 = build(r + a1 + 4, 0x0b0b, RESP(DNS_RCODE_SERVFAIL), "two.example", 1);
	r[a1 + 2] = (uint8_t)(a2 >> 8), r[a1 + 3] = (uint8_t)a2;
	size_t rn = a1 + a2 + 4;

	struct got g = {0};
	struct app_sink k = {.dns = collect, .ctx = &g};
	struct dns_conv *c = dns_conv_new(DNS_KIND_DNS);
	tcp_seg(c, 0, 1, 99, TCP_SYN, NULL, 0, &k);
	tcp_seg(c, 1, 2, 499, TCP_SYN | TCP_ACK, NULL, 0, &k);
	tcp_seg(c, 0, 3, 100, TCP_ACK | TCP_PSH, both, n1 + n2 + 4, &k);
	tcp_seg(c, 1, 4, 500, TCP_ACK | TCP_PSH, r, 1, &k);
	tcp_seg(c, 1, 5, 501, TCP_ACK | TCP_PSH, r + 1, a1 + 10, &k);
	tcp_seg(c, 1, 6, (uint32_t)(501 + a1 + 10), TCP_ACK | TCP_PSH, r + 1 + a1 + 10,
	        rn - 1 - a1 - 10, &k);
	dns_conv_end(c, 100 * MS, &k);
	dns_conv_free(c);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.t[0].outcome, DNS_ANSWERED);
	assert_int_equal(g.t[0].proto, IPPROTO_NUM_TCP);
	assert_string_equal(g.t[0].qname, "one.example");
	assert_int_equal(g.t[0].query_frame, 3);
	assert_int_equal(g.t[0].resp_frame, 5);
	assert_int_equal(g.t[0].rcode, DNS_RCODE_NXDOMAIN);
	assert_string_equal(g.t[1].qname, "two.example");
	assert_int_equal(g.t[1].resp_frame, 6); /* where its last byte arrived */
	assert_int_equal(g.t[1].rcode, DNS_RCODE_SERVFAIL);
}

static void test_tcp_gap(void **state)
{
	(void)state;
	/* a segment in the middle of an answer is lost: the answer is still read (its header
	 * and question came first), and the next message after it keeps its framing */
	uint8_t r[800];
	size_t a1 = build(r + 2, 1, RESP(0), "big.example", 1);
	memset(r + 2 + a1, 0xee, 300); /* pretend answer records */
	a1 += 300;
	r[0] = (uint8_t)(a1 >> 8), r[1] = (uint8_t)a1;
	size_t a2 = build(r + a1 + 4, 2, RESP(DNS_RCODE_REFUSED), "next.example", 1);
	r[a1 + 2] = (uint8_t)(a2 >> 8), r[a1 + 3] = (uint8_t)a2;
	struct got g = {0};
	struct app_sink k = {.dns = collect, .ctx = &g};
	struct dns_conv *c = dns_conv_new(DNS_KIND_DNS);
	tcp_seg(c, 1, 1, 499, TCP_SYN | TCP_ACK, NULL, 0, &k);
	tcp_seg(c, 1, 2, 500, TCP_ACK, r, 100, &k);
	/* bytes 100..199 lost */
	tcp_seg(c, 1, 3, 700, TCP_ACK, r + 200, a1 + a2 + 4 - 200, &k);
	dns_conv_end(c, 100 * MS, &k);
	dns_conv_free(c);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.t[0].outcome, DNS_UNMATCHED);
	assert_string_equal(g.t[0].qname, "big.example");
	assert_int_equal(g.t[0].resp_frame, 3);
	assert_string_equal(g.t[1].qname, "next.example");
	assert_int_equal(g.t[1].rcode, DNS_RCODE_REFUSED);
}

static void test_fragments(void **state)
{
	(void)state;
	uint8_t q[300], a[300];
	size_t qn = build(q, 77, QUERY, "frag.example", 16);
	size_t an = build(a, 77, RESP(0), "frag.example", 16);
	struct got g = {0};
	struct app_sink k = {.dns = collect, .ctx = &g};
	struct dns_conv *c = dns_conv_new(DNS_KIND_DNS);
	struct app_seg s = {0};
	s.proto = IPPROTO_NUM_UDP;
	s.frame = 1;
	s.data = q;
	s.len = s.caplen = (uint32_t)qn;
	dns_conv_segment(c, &s, 0, &k);
	/* the answer in three fragments: read from the first, shown at the last */
	s.frame = 2;
	s.data = a;
	s.caplen = (uint32_t)an;
	s.len = 3000;
	s.frag = APP_FRAG_FIRST;
	s.frag_id = 9;
	dns_conv_segment(c, &s, 1, &k);
	assert_int_equal(g.n, 0);
	struct app_seg later = {0};
	later.proto = IPPROTO_NUM_UDP;
	later.frame = 3;
	later.frag = APP_FRAG_MORE;
	later.frag_id = 9;
	dns_conv_segment(c, &later, 1, &k);
	later.frame = 4;
	later.frag = APP_FRAG_LAST;
	later.frag_id = 8; /* another datagram's */
	dns_conv_segment(c, &later, 1, &k);
	assert_int_equal(g.n, 0);
	later.frame = 5;
	later.frag_id = 9;
	dns_conv_segment(c, &later, 1, &k);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.t[0].outcome, DNS_ANSWERED);
	assert_int_equal(g.t[0].resp_frame, 5);
	/* a first fragment whose datagram never completes is read where it was */
	s.frame = 6;
	s.data = q;
	s.caplen = (uint32_t)qn;
	s.frag_id = 10;
	dns_conv_segment(c, &s, 0, &k);
	dns_conv_end(c, 0, &k);
	dns_conv_free(c);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.t[1].query_frame, 6);
	assert_int_equal(g.t[1].outcome, DNS_CAPTURE_END);
}

static void test_parser_contract(void **state)
{
	(void)state;
	struct app_seg s = {0};
	s.proto = IPPROTO_NUM_UDP;
	s.sport = 40000;
	s.dport = 53;
	assert_int_equal(app_dns_parser.detect(&s, 0, false), APP_YES);
	s.dport = 5353;
	assert_int_equal(app_dns_parser.detect(&s, 0, false), APP_YES);
	s.proto = IPPROTO_NUM_TCP;
	assert_int_equal(app_dns_parser.detect(&s, 0, false), APP_NEVER);
	s.dport = 53;
	assert_int_equal(app_dns_parser.detect(&s, 0, false), APP_YES);
	s.dport = 80;
	assert_int_equal(app_dns_parser.detect(&s, 0, false), APP_NEVER);
	assert_int_equal(dns_port_kind(5355), DNS_KIND_LLMNR);
	assert_int_equal(dns_port_kind(54), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_name_limits),
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_pairing),
	    cmocka_unit_test(test_latency_and_retx_frames),
	    cmocka_unit_test(test_pending_bounded),
	    cmocka_unit_test(test_multicast_unpaired),
	    cmocka_unit_test(test_tcp),
	    cmocka_unit_test(test_tcp_gap),
	    cmocka_unit_test(test_fragments),
	    cmocka_unit_test(test_parser_contract),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
