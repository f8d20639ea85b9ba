/* gen_workload.c - writes the benchmark workload: a deterministic, AWS-mirrored capture (pcap).
 *
 * Formats: pcap with nanosecond magic 0xa1b23c4d, LINKTYPE_ETHERNET; VXLAN per RFC 7348 as AWS
 * VPC Traffic Mirroring sends it (outer source = the source ENI's primary IP, UDP 4789, source
 * port from a 5-tuple hash in 49152-65535, UDP checksum 0; PacketLength counted from the inner
 * Ethernet header); TCP per RFC 9293 with Reno/NewReno recovery (RFC 5681, RFC 6582) and
 * timestamps (RFC 7323); DNS (RFC 1035), SIP (RFC 3261) with SDP (RFC 8866), RTP (RFC 3550).
 *
 *   outer Ethernet | outer IPv4         | UDP               | VXLAN          | inner frame
 *   14 bytes       | 20: ENI -> target  | 8: hash -> 4789   | 8              | Ethernet/IP/L4
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |R|R|R|R|I|R|R|R|            Reserved (0)                       |  VXLAN: 08 00 00 00
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                VXLAN Network Identifier (VNI) |   Reserved    |         VV VV VV 00
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * A discrete-event simulation: TCP connections (handshake, HTTP-like requests and responses sent
 * with slow start, delayed ACKs every 2 segments, fast retransmit after 3 duplicate ACKs and
 * retransmission timeouts, FIN or RST teardown), DNS queries, SIP calls with RTP.  Each packet is
 * stamped when the mirrored ENI sees it: the ENI's own packets when sent, the far end's one-way
 * delay later (and never when lost).  Loss happens between the ends, so a capture near the sender
 * holds both the lost original and its retransmission.  Four mirror sessions with distinct VNIs;
 * sessions 1 and 2 mirror ENIs in two VPCs with the same CIDR, and some of their inner 5-tuples
 * are identical.  Time starts 20 s before the capture so it opens mid-connection.
 *
 * Checksums: outer and inner IPv4 header checksums and inner TCP/UDP checksums are correct (over
 * the full packet even when --snap/--packet-length cut it); the outer UDP checksum is 0 as AWS
 * sends it.  Everything comes from one seeded PRNG: same flags, same bytes.
 *
 * Standalone on purpose (libc and libm only): the benchmark must not depend on the code it
 * measures.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EPOCH_S       1718000000LL /* capture start: 2024-06-10 06:13:20 UTC */
#define WARMUP_NS     (20LL * 1000000000LL)
#define SPAN_S        90.0 /* intended capture span; arrival rates scale with -n */
#define PKTS_PER_CONN 36.0 /* measured average of captured TCP packets per connection */
#define MS            1000000LL
#define US            1000LL
#define OUTER_LEN     50 /* outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8 */
#define VXLAN_PORT    4789
#define IW            10 /* initial congestion window, segments (RFC 6928) */
#define DELACK_NS     (40 * MS)
#define MAX_CWND      600.0
#define LINE_GAP_NS   1200 /* one full frame at 10 Gbit/s: the ENI's own pace */

enum { PK_TCP, PK_DNS, PK_SIP, PK_RTP, EV_WAKE, EV_ARR_TCP, EV_ARR_DNS, EV_ARR_CALL };
enum { MSG_NONE, MSG_REQ, MSG_RESP };
enum { CS_REQ, CS_CLOSE };
enum { L_SEND, L_ARRIVE, L_ACK, L_RTO, L_DELACK };
enum { SIP_INVITE, SIP_100, SIP_180, SIP_200_INV, SIP_486, SIP_ACK, SIP_BYE, SIP_200_BYE };

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

/* One packet (or timer) on the global time line.  Small and self-contained: the bytes of a
 * packet are rebuilt from it and its immutable connection when it is written. */
struct ev {
	int64_t t;      /* when the mirrored ENI sees it: ns from the capture start */
	uint32_t order; /* push order: equal times keep causal order */
	uint32_t conn;
	uint32_t seq, ack; /* TCP: relative to each side's ISN; RTP: seq, timestamp; DNS: id */
	uint32_t msg_off;  /* offset of the payload in its application message */
	uint32_t body;     /* HTTP body length; RTP: jitter of this packet (ns) */
	uint32_t app;      /* payload selector: path, status, DNS name, SIP message */
	uint16_t len;      /* TCP payload bytes */
	uint8_t kind, dir, flags, msg, retx, state;
};

struct heap {
	struct ev *a;
	size_t n, cap;
};

/* A conversation.  Side 0 opened it (client, caller), side 1 is the server (PBX, resolver). */
struct conn {
	uint8_t ip[2][16]; /* IPv4 in the first 4 bytes */
	uint16_t port[2];
	uint8_t sess, v6, near, kind; /* near: the side on the mirrored ENI */
	uint8_t ttl[2];               /* TTL / hop limit as the ENI sees each side's packets */
	uint8_t host, seen, busy, reqs_left;
	uint16_t mss, win[2], ipid[2], media[2];
	uint32_t isn[2], off[2], tsbase[2], ssrc[2], flowlabel[2], id, sick;
	int64_t owd, gap, rto, rtp_end;
	double loss;
};

struct session {
	uint32_t vni;
	uint8_t eni[4];
	uint8_t eni_mac[6];
	uint16_t ipid;
	const char *what;
};

static struct session sessions[4] = {
    {4242,
     {10, 0, 0, 11},
     {0x0e, 0x5a, 0x01, 0x00, 0x00, 0x11},
     0,
     "VPC-A 10.0.0.0/16, web server ENI (mirror near the server)"},
    {13314501,
     {10, 0, 0, 12},
     {0x0e, 0x5a, 0x02, 0x00, 0x00, 0x12},
     0,
     "VPC-B 10.0.0.0/16 (same CIDR as VPC-A), app client ENI"},
    {7159323,
     {10, 0, 0, 13},
     {0x0e, 0x5a, 0x01, 0x00, 0x00, 0x13},
     0,
     "VPC-A, app client ENI: backends on 10.0.3.0/24, DNS to 10.0.0.2"},
    {991201,
     {10, 0, 0, 14},
     {0x0e, 0x5a, 0x01, 0x00, 0x00, 0x14},
     0,
     "VPC-A, SIP PBX and voice portal ENI"},
};
static const uint8_t target_ip[4] = {10, 1, 0, 5};
static const uint8_t target_mac[6] = {0x0a, 0x11, 0x22, 0x33, 0x44, 0x55};
static const uint8_t router_mac[6] = {0x06, 0xaa, 0xbb, 0xcc, 0xdd, 0x01};
static const uint8_t gw_mac[6] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc};

static const char *hosts[] = {"www.example.com",         "api.example.com", "internal-web.vpc-b",
                              "svc.vpc-b.internal",      "orders.internal", "reports.internal",
                              "voice-portal.example.com"};
static const char *agents[] = {"Mozilla/5.0 (X11; Linux x86_64) Firefox/126.0", "curl/8.5.0",
                               "okhttp/4.12.0", "python-requests/2.31.0", "Go-http-client/1.1"};
static const char *dns_names[] = {"api.internal.example.com",
                                  "db-1.internal.example.com",
                                  "s3.us-east-1.amazonaws.com",
                                  "sts.amazonaws.com",
                                  "sqs.us-east-1.amazonaws.com",
                                  "logs.us-east-1.amazonaws.com",
                                  "www.example.com",
                                  "cdn.example.net",
                                  "orders.internal",
                                  "reports.internal",
                                  "missing-svc.internal.example.com",
                                  "legacy.corp.example"};
#define N_DNS_NAMES (sizeof(dns_names) / sizeof(dns_names[0]))
static const char page_504[] = "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n"
                               "<body>\r\n<center><h1>504 Gateway Time-out</h1></center>\r\n"
                               "</body>\r\n</html>\r\n";
static const char page_404[] = "<html><body><h1>404 Not Found</h1></body></html>\r\n";

/* ---- options, statistics, PRNG ---------------------------------------------------------- */

static struct {
	const char *out;
	uint64_t packets;
	uint64_t seed;
	bool plain;
	uint32_t snap;   /* 0 = whole frames; else caplen = outer + first N inner bytes */
	uint32_t pktlen; /* AWS PacketLength: inner frame cut to N before encapsulation */
	int64_t start;   /* seconds since 1970 of the capture's start */
} opt = {NULL, 2000000, 1, false, 0, 0, EPOCH_S};

static struct {
	uint64_t segs, written, file_bytes, wire_bytes, tcp_pkts, udp_pkts, v6_pkts, retx, lost;
	uint64_t conns, syn_seen, dns, dns_nx, dns_fail, calls, rtp, http_req, http_504, trunc;
	uint64_t active, peak_active;
	int64_t last_t;
} st;

static uint64_t rng_s;

static uint64_t rnd(void)
{
	uint64_t z = (rng_s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double rnd_f(void)
{
	return (double)(rnd() >> 11) * 0x1p-53;
}

static uint32_t rnd_u(uint32_t n)
{
	return (uint32_t)(((rnd() >> 32) * n) >> 32);
}

static double rnd_range(double lo, double hi)
{
	return lo + (hi - lo) * rnd_f();
}

static double rnd_logu(double lo, double hi)
{
	return exp(rnd_range(log(lo), log(hi)));
}

static double rnd_exp(double mean)
{
	return -mean * log(1.0 - rnd_f());
}

static uint32_t mix32(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return (uint32_t)(x ^ (x >> 33));
}

/* ---- event heaps ------------------------------------------------------------------------- */

static struct heap gq, lq; /* global time line; one TCP transfer's private time line */
static uint32_t ev_order;
static struct conn *conns;
static size_t n_conns, cap_conns;

static bool ev_before(const struct ev *a, const struct ev *b)
{
	return a->t < b->t || (a->t == b->t && a->order < b->order);
}

static void heap_push(struct heap *h, struct ev *e)
{
	size_t i;

	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 4096;
		h->a = realloc(h->a, h->cap * sizeof(*h->a));
		if (!h->a) {
			fprintf(stderr, "gen_workload: out of memory\n");
			exit(1);
		}
	}
	e->order = ev_order++;
	for (i = h->n++; i > 0 && ev_before(e, &h->a[(i - 1) / 2]); i = (i - 1) / 2)
		h->a[i] = h->a[(i - 1) / 2];
	h->a[i] = *e;
}

static bool heap_pop(struct heap *h, struct ev *out)
{
	size_t i = 0, c;
	struct ev last;

	if (!h->n)
		return false;
	*out = h->a[0];
	last = h->a[--h->n];
	while ((c = 2 * i + 1) < h->n) {
		if (c + 1 < h->n && ev_before(&h->a[c + 1], &h->a[c]))
			c++;
		if (!ev_before(&h->a[c], &last))
			break;
		h->a[i] = h->a[c];
		i = c;
	}
	h->a[i] = last;
	return true;
}

static void push_at(int64_t t, uint8_t kind, uint32_t conn, uint8_t state)
{
	struct ev e = {.t = t, .kind = kind, .conn = conn, .state = state};

	heap_push(&gq, &e);
}

static struct conn *conn_new(uint32_t *idx)
{
	struct conn *c;

	if (n_conns == cap_conns) {
		cap_conns = cap_conns ? cap_conns * 2 : 16384;
		conns = realloc(conns, cap_conns * sizeof(*conns));
		if (!conns) {
			fprintf(stderr, "gen_workload: out of memory\n");
			exit(1);
		}
	}
	*idx = (uint32_t)n_conns;
	c = &conns[n_conns++];
	memset(c, 0, sizeof(*c));
	c->id = *idx;
	c->isn[0] = (uint32_t)rnd();
	c->isn[1] = (uint32_t)rnd();
	c->tsbase[0] = (uint32_t)rnd();
	c->tsbase[1] = (uint32_t)rnd();
	c->ipid[0] = (uint16_t)rnd();
	c->ipid[1] = (uint16_t)rnd();
	c->flowlabel[0] = (uint32_t)rnd() & 0xfffff;
	c->flowlabel[1] = (uint32_t)rnd() & 0xfffff;
	c->ttl[0] = c->ttl[1] = 64;
	return c;
}

/* ---- application payloads ---------------------------------------------------------------- */

static void fmt_ip(char *buf, size_t cap, const struct conn *c, int side)
{
	const uint8_t *a = c->ip[side];

	snprintf(buf, cap, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

static size_t http_req_head(char *buf, size_t cap, const struct conn *c, uint32_t app,
                            uint32_t body)
{
	char path[64], extra[96] = "";
	uint32_t id = app >> 8;

	switch (app & 7) {
	case 0:
		snprintf(path, sizeof(path), "/api/v1/items/%u", id);
		break;
	case 1:
		snprintf(path, sizeof(path), "/api/v1/users/%u/orders", id % 100000);
		break;
	case 2:
		snprintf(path, sizeof(path), "/static/js/app.%08x.js", mix32(id));
		break;
	case 3:
		snprintf(path, sizeof(path), "/images/p/%u.jpg", id % 50000);
		break;
	case 4:
		snprintf(path, sizeof(path), "/healthz");
		break;
	case 5:
		snprintf(path, sizeof(path), "/api/v1/report?id=%u", id);
		break;
	case 6:
		snprintf(path, sizeof(path), "/login");
		break;
	default:
		snprintf(path, sizeof(path), "/api/v1/search?q=item%u", id % 9973);
		break;
	}
	if (app & 8)
		snprintf(extra, sizeof(extra),
		         "Content-Type: application/octet-stream\r\nContent-Length: %u\r\n", body);
	return (size_t)snprintf(buf, cap,
	                        "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: */*\r\n"
	                        "X-Request-Id: %08x%08x\r\n%s\r\n",
	                        (app & 8) ? "POST" : "GET", path, hosts[c->host], agents[c->id % 5],
	                        mix32(c->id), mix32(id), extra);
}

static size_t http_resp_head(char *buf, size_t cap, uint32_t status, uint32_t body)
{
	const char *reason = status == 200   ? "OK"
	                     : status == 404 ? "Not Found"
	                     : status == 500 ? "Internal Server Error"
	                                     : "Gateway Time-out";
	const char *type = status == 200 ? "application/octet-stream" : "text/html";

	return (size_t)snprintf(
	    buf, cap,
	    "HTTP/1.1 %u %s\r\nServer: %s\r\nDate: Mon, 10 Jun 2024 06:14:00 GMT"
	    "\r\nContent-Type: %s\r\nContent-Length: %u\r\n"
	    "Connection: keep-alive\r\n\r\n",
	    status, reason, status == 504 ? "awselb/2.0" : "nginx/1.24.0", type, body);
}

static uint32_t resp_body_len(uint32_t status, uint32_t body)
{
	return status == 504   ? (uint32_t)strlen(page_504)
	       : status == 200 ? body
	                       : (uint32_t)strlen(page_404);
}

static char body_pat[4096];

/* Bytes [off, off+len) of one HTTP message. */
static void http_bytes(uint8_t *dst, const struct conn *c, const struct ev *e)
{
	char head[512];
	size_t hl, i;
	uint32_t off = e->msg_off, len = e->len;

	if (e->msg == MSG_REQ)
		hl = http_req_head(head, sizeof(head), c, e->app, e->body);
	else
		hl = http_resp_head(head, sizeof(head), e->app, resp_body_len(e->app, e->body));
	for (i = 0; i < len; i++, off++) {
		if (off < hl) {
			dst[i] = (uint8_t)head[off];
		} else if (e->msg == MSG_RESP && e->app == 504) {
			dst[i] = (uint8_t)page_504[(off - hl) % (sizeof(page_504) - 1)];
		} else if (e->msg == MSG_RESP && e->app != 200) {
			dst[i] = (uint8_t)page_404[(off - hl) % (sizeof(page_404) - 1)];
		} else {
			size_t k = (off - hl) % sizeof(body_pat), n = sizeof(body_pat) - k;

			if (n > len - i)
				n = len - i;
			memcpy(dst + i, body_pat + k, n);
			i += n - 1;
			off += (uint32_t)n - 1;
		}
	}
}

static size_t put_be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

static size_t put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return 4;
}

/* app: name index (bits 0-7), AAAA (bit 8), rcode (bits 12-15); dir 1 = response. */
static size_t dns_msg(uint8_t *p, const struct ev *e)
{
	const char *name = dns_names[e->app & 0xff], *s = name;
	bool aaaa = e->app & 0x100;
	uint32_t rcode = (e->app >> 12) & 0xf, an = e->dir && rcode == 0 ? 1 + (e->app & 1) : 0;
	size_t n = 0, i;

	n += put_be16(p + n, e->seq);
	n += put_be16(p + n, e->dir ? 0x8180 | rcode : 0x0100);
	n += put_be16(p + n, 1);
	n += put_be16(p + n, an);
	n += put_be16(p + n, 0);
	n += put_be16(p + n, 0);
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);

		p[n++] = (uint8_t)l;
		memcpy(p + n, s, l);
		n += l;
		s += l + (dot ? 1 : 0);
	}
	p[n++] = 0;
	n += put_be16(p + n, aaaa ? 28 : 1);
	n += put_be16(p + n, 1);
	for (i = 0; i < an; i++) {
		uint32_t h = mix32((uint64_t)(e->app & 0xff) * 7 + i);

		n += put_be16(p + n, 0xc00c);
		n += put_be16(p + n, aaaa ? 28 : 1);
		n += put_be16(p + n, 1);
		n += put_be32(p + n, 60);
		n += put_be16(p + n, aaaa ? 16 : 4);
		if (aaaa) {
			static const uint8_t pfx[12] = {0x20, 0x01, 0x0d, 0xb8, 0, 0xd,
			                                0,    0,    0,    0,    0, 0};
			memcpy(p + n, pfx, 12);
			n += 12;
		} else {
			p[n++] = 10;
			p[n++] = 0;
			p[n++] = (uint8_t)(h >> 8);
			p[n++] = (uint8_t)(h | 1);
			continue;
		}
		n += put_be32(p + n, h | 1);
	}
	return n;
}

/* One SIP message of the call; dir is the side that sends it. */
static size_t sip_msg(char *p, size_t cap, const struct conn *c, uint32_t what, int dir)
{
	char a[16], b[16], sdp[256] = "", hdr[160];
	uint32_t cid = mix32(c->id * 31 + 7), ftag = mix32(c->id * 31 + 8);
	uint32_t ttag = mix32(c->id * 31 + 9), br = mix32(c->id * 31 + (what >= SIP_BYE ? 11 : 10));
	const char *first, *cseq = what >= SIP_BYE   ? "2 BYE"
	                           : what == SIP_ACK ? "1 ACK"
	                                             : "1 INVITE";
	int sdpl = 0;

	/* a: the side that sent this transaction's request (Via); b: this message's sender */
	fmt_ip(a, sizeof(a), c, what == SIP_BYE ? dir : what == SIP_200_BYE ? !dir : 0);
	fmt_ip(b, sizeof(b), c, dir);
	if (what == SIP_INVITE || what == SIP_200_INV) {
		int side = what == SIP_INVITE ? 0 : 1;

		sdpl = snprintf(sdp, sizeof(sdp),
		                "v=0\r\no=- %u %u IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
		                "m=audio %u RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\n",
		                cid >> 1, c->id, b, b, c->media[side]);
	}
	switch (what) {
	case SIP_INVITE:
		first = "INVITE sip:+1555%04u@pbx.example.com SIP/2.0";
		break;
	case SIP_ACK:
		first = "ACK sip:+1555%04u@pbx.example.com SIP/2.0";
		break;
	case SIP_BYE:
		first = "BYE sip:+1555%04u@pbx.example.com SIP/2.0";
		break;
	case SIP_100:
		first = "SIP/2.0 100 Trying";
		break;
	case SIP_180:
		first = "SIP/2.0 180 Ringing";
		break;
	case SIP_486:
		first = "SIP/2.0 486 Busy Here";
		break;
	default:
		first = "SIP/2.0 200 OK";
		break;
	}
	snprintf(hdr, sizeof(hdr), first, c->id % 10000);
	return (size_t)snprintf(
	    p, cap,
	    "%s\r\nVia: SIP/2.0/UDP %s:5060;branch=z9hG4bK%08x\r\nMax-Forwards: 70\r\n"
	    "From: <sip:caller%u@carrier.example.net>;tag=%08x\r\n"
	    "To: <sip:+1555%04u@pbx.example.com>%s%.8x\r\nCall-ID: %08x@%s\r\nCSeq: %s\r\n"
	    "Contact: <sip:%s:5060>\r\n%sContent-Length: %d\r\n\r\n%s",
	    hdr, a, br, c->id, ftag, c->id % 10000,
	    what == SIP_INVITE || what == SIP_100 ? "" : ";tag=",
	    what == SIP_INVITE || what == SIP_100 ? 0u : ttag, cid, a, cseq, b,
	    sdpl ? "Content-Type: application/sdp\r\n" : "", sdpl, sdp);
}

/* ---- frames and the pcap file ----------------------------------------------------------- */

static FILE *out;
static uint8_t frame[OUTER_LEN + 4096];

/* Ones'-complement sum (RFC 1071) in host order: fold and store without swapping. */
static uint64_t csum_add(uint64_t sum, const uint8_t *p, size_t n)
{
	uint32_t w;
	uint16_t h;

	for (; n >= 4; n -= 4, p += 4) {
		memcpy(&w, p, 4);
		sum += w;
	}
	if (n >= 2) {
		memcpy(&h, p, 2);
		sum += h;
		p += 2;
		n -= 2;
	}
	if (n) {
		uint8_t last[2] = {p[0], 0};

		memcpy(&h, last, 2);
		sum += h;
	}
	return sum;
}

static void csum_store(uint8_t *dst, uint64_t sum)
{
	uint16_t r;

	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	r = (uint16_t)~sum;
	memcpy(dst, &r, 2);
}

static void put_mac(uint8_t *p, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	put_be16(p + 12, type);
}

/* The TCP header and its options; returns its length. */
static size_t tcp_head(uint8_t *p, struct conn *c, const struct ev *e, int64_t t_send)
{
	int from = e->dir, to = !from;
	uint32_t tsval = c->tsbase[from] + (uint32_t)(t_send / MS);
	uint32_t tsecr = c->tsbase[to] + (uint32_t)((t_send - c->owd) / MS);
	size_t n = 20;

	put_be16(p, c->port[from]);
	put_be16(p + 2, c->port[to]);
	put_be32(p + 4, c->isn[from] + e->seq);
	put_be32(p + 8, (e->flags & F_ACK) ? c->isn[to] + e->ack : 0);
	p[13] = e->flags;
	if (e->flags & F_SYN)
		put_be16(p + 14, from ? (c->v6 ? 64800 : 65160) : 64240);
	else
		put_be16(p + 14, (e->flags & F_RST) ? 0 : c->win[from]);
	memset(p + 16, 0, 4);
	if (e->flags & F_SYN) {
		static const uint8_t o[20] = {2, 4, 0, 0, 4, 2, 8, 10, 0, 0,
		                              0, 0, 0, 0, 0, 0, 1, 3,  3, 7};
		memcpy(p + 20, o, 20);
		put_be16(p + 22, c->mss + 12u);
		put_be32(p + 28, tsval);
		put_be32(p + 32, (e->flags & F_ACK) ? tsecr : 0);
		n = 40;
	} else if (!(e->flags & F_RST)) {
		p[20] = 1;
		p[21] = 1;
		p[22] = 8;
		p[23] = 10;
		put_be32(p + 24, tsval);
		put_be32(p + 28, tsecr);
		n = 32;
	}
	p[12] = (uint8_t)((n / 4) << 4);
	return n;
}

/* The outer UDP source port: a hash of the inner 5-tuple, stable per flow and direction. */
static uint32_t flow_hash(const struct conn *c, int from, uint8_t proto, uint16_t sp, uint16_t dp)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i, n = c->v6 ? 16 : 4;

	for (i = 0; i < n; i++)
		h = (h ^ c->ip[from][i]) * 0x100000001b3ULL;
	for (i = 0; i < n; i++)
		h = (h ^ c->ip[!from][i]) * 0x100000001b3ULL;
	h ^= (uint64_t)sp << 24 | (uint64_t)dp << 8 | proto;
	return mix32(h);
}

static void write_frame(struct conn *c, const struct ev *e)
{
	struct session *s = &sessions[c->sess];
	uint8_t *inner = frame + OUTER_LEN, *ip = inner + 14, *l4, pseudo[40];
	int from = e->dir, to = !from;
	int64_t t_send = e->t - (from == c->near ? 0 : c->owd);
	size_t l4len, hl, iplen, flen, caplen, wirelen, pay = 0, n;
	uint8_t proto = e->kind == PK_TCP ? 6 : 17, dscp = 0;
	uint16_t sp = e->kind == PK_RTP ? c->media[from] : c->port[from];
	uint16_t dp = e->kind == PK_RTP ? c->media[to] : c->port[to];
	uint64_t sum;
	uint32_t rec[4];

	if (from == c->near)
		put_mac(inner, gw_mac, s->eni_mac, c->v6 ? 0x86dd : 0x0800);
	else
		put_mac(inner, s->eni_mac, gw_mac, c->v6 ? 0x86dd : 0x0800);
	l4 = ip + (c->v6 ? 40 : 20);
	if (e->kind == PK_TCP) {
		hl = tcp_head(l4, c, e, t_send);
		if (e->msg != MSG_NONE) {
			http_bytes(l4 + hl, c, e);
			pay = e->len;
		}
	} else {
		uint8_t *u = l4 + 8;

		hl = 8;
		if (e->kind == PK_DNS) {
			pay = dns_msg(u, e);
		} else if (e->kind == PK_SIP) {
			pay = sip_msg((char *)u, 2048, c, e->app, from);
			dscp = 0x60; /* CS3: signalling */
		} else {
			u[0] = 0x80;
			u[1] = e->msg_off == 0 ? 0x80 : 0x00; /* marker on the first packet, PT 0 */
			put_be16(u + 2, e->seq);
			put_be32(u + 4, e->ack);
			put_be32(u + 8, c->ssrc[from]);
			memset(u + 12, 0xd5 ^ (e->seq & 0x1f), 160);
			pay = 172;
			dscp = 0xb8; /* EF: voice */
		}
		put_be16(l4, sp);
		put_be16(l4 + 2, dp);
		put_be16(l4 + 4, (uint32_t)(8 + pay));
		memset(l4 + 6, 0, 2);
	}
	l4len = hl + pay;
	if (c->v6) {
		put_be32(ip, 0x60000000u | (uint32_t)dscp << 20 | c->flowlabel[from]);
		put_be16(ip + 4, (uint32_t)l4len);
		ip[6] = proto;
		ip[7] = c->ttl[from];
		memcpy(ip + 8, c->ip[from], 16);
		memcpy(ip + 24, c->ip[to], 16);
		iplen = 40 + l4len;
		memcpy(pseudo, ip + 8, 32);
		put_be32(pseudo + 32, (uint32_t)l4len);
		put_be32(pseudo + 36, proto);
		sum = csum_add(0, pseudo, 40);
	} else {
		ip[0] = 0x45;
		ip[1] = dscp;
		put_be16(ip + 2, (uint32_t)(20 + l4len));
		put_be16(ip + 4, c->ipid[from]++);
		put_be16(ip + 6, proto == 6 ? 0x4000 : 0);
		ip[8] = c->ttl[from];
		ip[9] = proto;
		memset(ip + 10, 0, 2);
		memcpy(ip + 12, c->ip[from], 4);
		memcpy(ip + 16, c->ip[to], 4);
		csum_store(ip + 10, csum_add(0, ip, 20));
		iplen = 20 + l4len;
		memcpy(pseudo, ip + 12, 8);
		pseudo[8] = 0;
		pseudo[9] = proto;
		put_be16(pseudo + 10, (uint32_t)l4len);
		sum = csum_add(0, pseudo, 12);
	}
	csum_store(l4 + (proto == 6 ? 16 : 6), csum_add(sum, l4, l4len));
	if (proto == 17 && l4[6] == 0 && l4[7] == 0)
		l4[6] = l4[7] = 0xff;
	flen = 14 + iplen;

	if (opt.plain) {
		n = flen;
		wirelen = flen;
		caplen = opt.snap && opt.snap < flen ? opt.snap : flen;
		if (opt.pktlen && opt.pktlen < caplen)
			caplen = opt.pktlen;
		memmove(frame, inner, caplen);
	} else {
		uint8_t *o = frame, *oip = o + 14, *udp = oip + 20, *vx = udp + 8;
		uint32_t h;

		if (opt.pktlen && opt.pktlen < flen)
			flen = opt.pktlen;
		put_mac(o, target_mac, router_mac, 0x0800);
		oip[0] = 0x45;
		oip[1] = 0;
		put_be16(oip + 2, (uint32_t)(36 + flen));
		put_be16(oip + 4, s->ipid++);
		put_be16(oip + 6, 0x4000);
		oip[8] = 64;
		oip[9] = 17;
		memset(oip + 10, 0, 2);
		memcpy(oip + 12, s->eni, 4);
		memcpy(oip + 16, target_ip, 4);
		csum_store(oip + 10, csum_add(0, oip, 20));
		h = flow_hash(c, from, proto, sp, dp);
		put_be16(udp, 49152 + (h & 0x3fff));
		put_be16(udp + 2, VXLAN_PORT);
		put_be16(udp + 4, (uint32_t)(16 + flen));
		memset(udp + 6, 0, 2);
		memset(vx, 0, 8);
		vx[0] = 0x08;
		vx[4] = (uint8_t)(s->vni >> 16);
		vx[5] = (uint8_t)(s->vni >> 8);
		vx[6] = (uint8_t)s->vni;
		n = OUTER_LEN + flen;
		wirelen = n;
		caplen = opt.snap && OUTER_LEN + opt.snap < n ? OUTER_LEN + opt.snap : n;
	}
	if (caplen < wirelen || (opt.pktlen && 14 + iplen > opt.pktlen))
		st.trunc++;
	rec[0] = (uint32_t)(opt.start + e->t / 1000000000LL);
	rec[1] = (uint32_t)(e->t % 1000000000LL);
	rec[2] = (uint32_t)caplen;
	rec[3] = (uint32_t)wirelen;
	if (fwrite(rec, sizeof(rec), 1, out) != 1 || fwrite(frame, caplen, 1, out) != 1) {
		fprintf(stderr, "gen_workload: %s: write: %s\n", opt.out, strerror(errno));
		exit(1);
	}
	st.written++;
	st.file_bytes += sizeof(rec) + caplen;
	st.wire_bytes += wirelen;
	st.last_t = e->t;
	if (c->v6)
		st.v6_pkts++;
	if (e->kind == PK_TCP) {
		st.tcp_pkts++;
		if (e->retx)
			st.retx++;
		if ((e->flags & (F_SYN | F_ACK)) == F_SYN && !e->retx)
			st.syn_seen++;
		if (e->msg == MSG_REQ && e->msg_off == 0) {
			st.http_req++;
		}
		if (e->msg == MSG_RESP && e->msg_off == 0 && e->app == 504)
			st.http_504++;
		if (!c->seen)
			st.conns++;
	} else {
		st.udp_pkts++;
		if (e->kind == PK_DNS && e->dir == 0)
			st.dns++;
		if (e->kind == PK_DNS && e->dir == 1 && ((e->app >> 12) & 0xf) == 3)
			st.dns_nx++;
		if (e->kind == PK_DNS && e->dir == 1 && ((e->app >> 12) & 0xf) == 2)
			st.dns_fail++;
		if (e->kind == PK_SIP && e->app == SIP_INVITE)
			st.calls++;
		if (e->kind == PK_RTP)
			st.rtp++;
	}
	c->seen = 1;
}

/* ---- TCP ----------------------------------------------------------------------------------- */

/* Put one packet sent by side e->dir at t_send, reaching the other end at t_arrive, on the
 * time line: the ENI sees its own packets when sent (lost or not), the far side's when they
 * arrive (unless lost). */
static void emit_at(struct conn *c, struct ev *e, int64_t t_send, int64_t t_arrive, bool lost)
{
	if (e->dir == c->near)
		e->t = t_send;
	else if (lost)
		return;
	else
		e->t = t_arrive;
	e->conn = c->id;
	heap_push(&gq, e);
}

static void emit(struct conn *c, struct ev *e, int64_t t_send, bool lost)
{
	emit_at(c, e, t_send, t_send + c->owd, lost);
}

static void tcp_pkt(struct conn *c, int from, int64_t t, uint8_t flags, bool lost, bool retx)
{
	struct ev e = {.kind = PK_TCP,
	               .dir = (uint8_t)from,
	               .flags = flags,
	               .seq = (flags & F_SYN) ? 0 : 1 + c->off[from],
	               .ack = (flags & F_SYN) ? 1 : 1 + c->off[!from],
	               .retx = retx};

	emit(c, &e, t, lost);
}

/* One message of len bytes from side `from`, first byte sent at t0.  The receiver's own next
 * data leaves reply_delay after it has the whole message (it carries the last ACK if that is
 * before the delayed ACK would fire).  Out: when the receiver had it all. */
struct xfer {
	struct conn *c;
	int from, to;
	uint32_t len, nseg, mss, una, nxt, rcv, hi, dup, recover, unacked, rto_gen, del_gen;
	double cwnd, ssth;
	bool inrec, rto_armed;
	int64_t line_free, bn_free, backoff, rx_done, reply_delay;
	struct ev tmpl;
};

static uint8_t *got;
static size_t got_cap;

static void lpush(int64_t t, uint8_t kind, uint32_t arg, uint32_t gen)
{
	struct ev e = {.t = t, .kind = kind, .seq = arg, .ack = gen};

	heap_push(&lq, &e);
}

/* The RTO follows the measured RTT as Linux's does: base plus what is queued at the bottleneck. */
static void xf_arm(struct xfer *x, int64_t at)
{
	int64_t queued = x->bn_free > at ? x->bn_free - at : 0;

	x->rto_armed = true;
	lpush(at + (x->c->rto + 2 * queued) * x->backoff, L_RTO, 0, ++x->rto_gen);
}

static void xf_send(struct xfer *x, uint32_t i, int64_t ts, bool retx)
{
	struct conn *c = x->c;
	uint32_t off = i * x->mss;
	struct ev e = x->tmpl;
	bool lost = rnd_f() < c->loss;

	e.kind = PK_TCP;
	e.dir = (uint8_t)x->from;
	e.flags = F_ACK | (i == x->nseg - 1 ? F_PSH : 0);
	e.seq = 1 + c->off[x->from] + off;
	e.ack = 1 + c->off[x->to];
	e.len = (uint16_t)(x->len - off < x->mss ? x->len - off : x->mss);
	e.msg_off = off;
	e.retx = retx;
	/* the bottleneck is a FIFO: a retransmission queues behind what was sent before it */
	ts = ts > x->line_free ? ts : x->line_free;
	x->line_free = ts + LINE_GAP_NS;
	x->bn_free = (ts > x->bn_free ? ts : x->bn_free) + c->gap;
	emit_at(c, &e, ts, x->bn_free + c->owd, lost);
	st.segs += !retx;
	if (lost)
		st.lost++;
	else
		lpush(x->bn_free + c->owd, L_ARRIVE, i, 0);
	if (!x->rto_armed)
		xf_arm(x, ts);
}

static void xf_send_new(struct xfer *x, int64_t now)
{
	while (x->nxt < x->nseg && (double)(x->nxt - x->una) < x->cwnd) {
		xf_send(x, x->nxt++, now, false);
	}
}

/* The receiver acknowledges what it has in order. */
static void xf_ack_value(struct xfer *x, int64_t now)
{
	struct conn *c = x->c;
	uint32_t acked = x->rcv * x->mss < x->len ? x->rcv * x->mss : x->len;
	struct ev e = {.kind = PK_TCP,
	               .dir = (uint8_t)x->to,
	               .flags = F_ACK,
	               .seq = 1 + c->off[x->to],
	               .ack = 1 + c->off[x->from] + acked};

	emit(c, &e, now, false);
	x->unacked = 0;
	x->del_gen++;
	lpush(now + c->owd, L_ACK, x->rcv, 0);
}

static void tcp_transfer(struct conn *c, int from, int64_t t0, uint32_t len, uint8_t msg,
                         uint32_t app, uint32_t body, int64_t reply_delay, int64_t *rx_done)
{
	struct xfer x = {.c = c,
	                 .from = from,
	                 .to = !from,
	                 .len = len,
	                 .mss = c->mss,
	                 .cwnd = IW,
	                 .ssth = 1e9,
	                 .line_free = t0,
	                 .bn_free = t0,
	                 .backoff = 1,
	                 .rx_done = -1,
	                 .reply_delay = reply_delay};
	struct ev le;
	uint64_t guard = 0;

	x.tmpl.msg = msg;
	x.tmpl.app = app;
	x.tmpl.body = body;
	x.nseg = (len + x.mss - 1) / x.mss;
	if (x.nseg > got_cap) {
		got_cap = x.nseg * 2;
		got = realloc(got, got_cap);
		if (!got)
			exit(1);
	}
	memset(got, 0, x.nseg);
	lq.n = 0;
	lpush(t0, L_SEND, 0, 0);
	while (heap_pop(&lq, &le) && ++guard < 10000000) {
		int64_t now = le.t;
		uint32_t k = le.seq;

		switch (le.kind) {
		case L_SEND:
			xf_send_new(&x, now);
			break;
		case L_ARRIVE: /* at the receiver */
			if (got[k] || k < x.rcv) {
				xf_ack_value(&x, now);
				break;
			}
			got[k] = 1;
			if (k + 1 > x.hi)
				x.hi = k + 1;
			if (k == x.rcv) {
				bool was_ooo = x.hi > x.rcv + 1;

				while (x.rcv < x.nseg && got[x.rcv])
					x.rcv++;
				if (was_ooo) {
					xf_ack_value(&x, now);
				} else if (++x.unacked >= 2) {
					xf_ack_value(&x, now);
				} else {
					x.del_gen++;
					lpush(now + DELACK_NS, L_DELACK, 0, x.del_gen);
				}
			} else {
				xf_ack_value(&x, now); /* duplicate ACK: a hole before k */
			}
			if (x.rcv == x.nseg && x.rx_done < 0) {
				x.rx_done = now;
				if (x.unacked && x.reply_delay < DELACK_NS) {
					/* the reply leaves first and carries this ACK */
					x.unacked = 0;
					x.del_gen++;
					lpush(now + x.reply_delay + c->owd, L_ACK, x.rcv, 0);
				}
			}
			break;
		case L_DELACK:
			if (le.ack == x.del_gen && x.unacked)
				xf_ack_value(&x, now);
			break;
		case L_ACK: /* at the sender */
			if (k > x.una) {
				if (x.inrec && k < x.recover) {
					x.una = k;
					xf_send(&x, k, now, true); /* NewReno partial ACK */
				} else if (x.inrec) {
					x.inrec = false;
					x.cwnd = x.ssth;
				} else if (x.cwnd < x.ssth) {
					x.cwnd += k - x.una;
				} else {
					x.cwnd += (k - x.una) / x.cwnd;
				}
				if (x.cwnd > MAX_CWND)
					x.cwnd = MAX_CWND;
				x.una = k;
				x.dup = 0;
				x.backoff = 1;
				x.rto_gen++;
				x.rto_armed = false;
				if (x.una < x.nxt)
					xf_arm(&x, now);
			} else if (k == x.una && x.una < x.nxt) {
				if (++x.dup == 3 && !x.inrec) {
					x.ssth =
					    (x.nxt - x.una) / 2.0 > 2 ? (x.nxt - x.una) / 2.0 : 2;
					x.cwnd = x.ssth + 3;
					x.inrec = true;
					x.recover = x.nxt;
					xf_send(&x, x.una, now, true); /* fast retransmit */
				} else if (x.inrec) {
					x.cwnd += 1;
				}
			}
			xf_send_new(&x, now);
			break;
		case L_RTO:
			if (le.ack != x.rto_gen || x.una >= x.nseg)
				break;
			x.ssth = (x.nxt - x.una) / 2.0 > 2 ? (x.nxt - x.una) / 2.0 : 2;
			x.cwnd = 1;
			x.inrec = true;
			x.recover = x.nxt;
			x.dup = 0;
			if (x.backoff < 64)
				x.backoff *= 2;
			x.rto_armed = false;
			xf_send(&x, x.una, now, true);
			break;
		}
	}
	c->off[from] += len;
	*rx_done = x.rx_done;
}

/* SYN (retried after 1, 3, 7 s when lost), SYN-ACK, ACK.  False if it never opened. */
static bool tcp_open(struct conn *c, int64_t t, int64_t *est)
{
	bool blackhole = rnd_u(1000) < 5, closed = !blackhole && rnd_u(100) < 1;
	int64_t rtx = 1000 * MS;
	int tries;

	for (tries = 0; tries < 4; tries++) {
		bool lost = blackhole || rnd_f() < c->loss;

		tcp_pkt(c, 0, t, F_SYN, lost, tries > 0);
		if (!lost)
			break;
		t += rtx;
		rtx *= 2;
	}
	if (tries == 4)
		return false;
	t += c->owd + (int64_t)rnd_range(10 * US, 80 * US);
	if (closed) {
		struct ev e = {.kind = PK_TCP,
		               .dir = 1,
		               .flags = F_RST | F_ACK,
		               .seq = 0u - c->isn[1],
		               .ack = 1};

		emit(c, &e, t, false);
		return false;
	}
	tcp_pkt(c, 1, t, F_SYN | F_ACK, false, false);
	t += c->owd + (int64_t)rnd_range(5 * US, 40 * US);
	tcp_pkt(c, 0, t, F_ACK, false, false);
	*est = t;
	return true;
}

/* FIN from `who` answered by FIN (with or without a separate ACK) and the last ACK; or RST. */
static void tcp_close(struct conn *c, int who, int64_t t, bool rst)
{
	if (rst) {
		tcp_pkt(c, who, t, F_RST | F_ACK, false, false);
		return;
	}
	tcp_pkt(c, who, t, F_FIN | F_ACK, false, false);
	c->off[who]++;
	t += c->owd + (int64_t)rnd_range(10 * US, 200 * US);
	if (rnd_u(2)) {
		tcp_pkt(c, !who, t, F_ACK, false, false);
		t += (int64_t)rnd_range(100 * US, 5 * MS);
	}
	tcp_pkt(c, !who, t, F_FIN | F_ACK, false, false);
	c->off[!who]++;
	tcp_pkt(c, who, t + c->owd + (int64_t)rnd_range(5 * US, 40 * US), F_ACK, false, false);
}

static uint32_t pick_body(void)
{
	uint32_t r = rnd_u(100);

	if (r < 60)
		return (uint32_t)rnd_logu(100, 3000);
	if (r < 90)
		return (uint32_t)rnd_logu(3000, 20000);
	if (r < 99)
		return (uint32_t)rnd_logu(20000, 120000);
	return (uint32_t)rnd_logu(120000, 1000000);
}

/* One request and its response, then the wake-up for the next request or the close. */
static void http_exchange(struct conn *c, int64_t t)
{
	static const uint8_t kinds[16] = {0, 0, 0, 1, 1, 2, 2, 3, 3, 3, 4, 5, 6, 7, 7, 0};
	uint32_t kind = c->sick && rnd_u(3) ? 5 : kinds[rnd_u(16)];
	bool post = (kind == 1 || kind == 6) && rnd_u(3) == 0;
	uint32_t body = post ? (uint32_t)rnd_logu(200, 60000) : 0;
	uint32_t app = kind | (post ? 8u : 0u) | rnd_u(1u << 24) << 8, status = 200, rbody;
	uint32_t r = rnd_u(1000), wake_state;
	int64_t proc, next, rx1, rx2;
	char head[512];
	size_t hl = http_req_head(head, sizeof(head), c, app, body), rhl;

	if (c->sick) /* per mille: 504 20%, 404 2%, 500 1% */
		r = r < 200 ? 0 : r < 220 ? 20 : r < 230 ? 36 : 999;
	if (r < 15) {
		status = 504;
		proc = (int64_t)rnd_range(c->sick ? 3000 : 1000, c->sick ? 10000 : 5000) * MS;
	} else {
		status = r < 35 ? 404 : r < 40 ? 500 : 200;
		proc = (int64_t)(rnd_logu(0.2, c->sick ? 3000 : 80) * MS);
	}
	rbody = pick_body();
	rhl = http_resp_head(head, sizeof(head), status, resp_body_len(status, rbody));
	if (c->reqs_left > 1) {
		c->reqs_left--;
		next = (int64_t)(rnd_exp(8.0) * 1e9) + MS;
		wake_state = CS_REQ;
	} else {
		uint32_t m = rnd_u(100);

		/* bit 0: close, bit 1: the server closes, bit 2: with RST */
		if (m < 55) {
			next = (int64_t)(rnd_range(0.001, 2.0) * 1e9);
			wake_state = CS_CLOSE;
		} else if (m < 85) {
			next =
			    (int64_t)(rnd_range(15.0, 60.0) * 1e9); /* server keep-alive timeout */
			wake_state = CS_CLOSE | 2;
		} else if (m < 93) {
			next = (int64_t)rnd_range(50 * US, 2 * MS);
			wake_state = CS_CLOSE | 4;
		} else {
			next = (int64_t)(rnd_range(1.0, 10.0) * 1e9);
			wake_state = CS_CLOSE | 2 | 4;
		}
	}
	tcp_transfer(c, 0, t, (uint32_t)hl + body, MSG_REQ, app, body, proc, &rx1);
	tcp_transfer(c, 1, rx1 + proc, (uint32_t)rhl + resp_body_len(status, rbody), MSG_RESP,
	             status, rbody, (wake_state & 2) ? INT64_MAX / 4 : next, &rx2);
	push_at(rx2 + next, EV_WAKE, c->id, (uint8_t)wake_state);
}

static void conn_done(void)
{
	st.active--;
}

static void tcp_step(struct conn *c, int64_t t, uint8_t state)
{
	if (state & CS_CLOSE) {
		tcp_close(c, (state & 2) ? 1 : 0, t, state & 4);
		conn_done();
	} else {
		http_exchange(c, t);
	}
}

static void rand_ip4(uint8_t *a, uint8_t a0, uint8_t a1, uint32_t host_bits)
{
	uint32_t h = rnd_u(1u << host_bits);

	a[0] = a0;
	a[1] = (uint8_t)(a1 | (h >> 16));
	a[2] = (uint8_t)(h >> 8);
	a[3] = (uint8_t)(1 + (h & 0xff) % 254); /* neither .0 nor .255 */
}

static void set_ip6(uint8_t *a, uint16_t g2, uint16_t g3, uint64_t low)
{
	static const uint8_t pfx[4] = {0x20, 0x01, 0x0d, 0xb8};
	int i;

	memcpy(a, pfx, 4);
	put_be16(a + 4, g2);
	put_be16(a + 6, g3);
	for (i = 0; i < 8; i++)
		a[8 + i] = (uint8_t)(low >> (56 - 8 * i));
}

/* A new TCP connection.  twin_port != 0: the VPC-A copy of a VPC-B 5-tuple. */
static void tcp_new(int64_t t, uint16_t twin_port)
{
	uint32_t idx, r = rnd_u(100);
	struct conn *c = conn_new(&idx);
	int sess = twin_port ? 0 : r < 45 ? 0 : r < 70 ? 1 : r < 90 ? 2 : 3;
	bool internet = false, twin = false;
	int64_t est;

	c->kind = PK_TCP;
	c->sess = (uint8_t)sess;
	c->port[0] = (uint16_t)(32768 + rnd_u(28232));
	c->v6 = 0;
	switch (sess) {
	case 0: /* web server 10.0.0.11 in VPC-A: clients from the internet and the VPC */
	case 3: /* voice portal on the PBX ENI 10.0.0.14 */
		c->near = 1;
		memcpy(c->ip[1], sessions[sess].eni, 4);
		c->port[1] = sess == 0 && rnd_u(5) == 0 ? 8080 : 80;
		c->host = sess == 3 ? 6 : c->port[1] == 80 ? 0 : 1;
		if (twin_port || (sess == 0 && rnd_u(100) < 10)) {
			static const uint8_t cl[4] = {10, 0, 0, 12};

			memcpy(c->ip[0], cl, 4);
			c->port[1] = 80;
			c->host = 2;
			if (twin_port)
				c->port[0] = twin_port;
		} else if (sess == 0 && rnd_u(100) < 15) {
			rand_ip4(c->ip[0], 10, 64, 14);
		} else {
			internet = true;
			if (rnd_u(100) < (sess == 0 ? 22u : 10u)) {
				c->v6 = 1;
				set_ip6(c->ip[0], 0xc000 | rnd_u(256), rnd_u(65536), rnd());
				set_ip6(c->ip[1], 0xa, 0, sess == 0 ? 0x11 : 0x14);
			} else {
				rand_ip4(c->ip[0], 198, 18, 17);
			}
			c->ttl[0] = (uint8_t)(rnd_u(5) ? 64 - 8 - rnd_u(14) : 128 - 10 - rnd_u(12));
		}
		break;
	case 1: /* app client 10.0.0.12 in VPC-B (same CIDR as VPC-A) */
		c->near = 0;
		memcpy(c->ip[0], sessions[1].eni, 4);
		if (rnd_u(100) < 35) {
			static const uint8_t sv[4] = {10, 0, 0, 11};

			memcpy(c->ip[1], sv, 4);
			c->port[1] = 80;
			c->host = 2;
			twin = rnd_u(2);
		} else {
			uint8_t sv[4] = {10, 0, 1, (uint8_t)(10 + rnd_u(20))};

			memcpy(c->ip[1], sv, 4);
			c->port[1] = 8080;
			c->host = 3;
			if (rnd_u(100) < 12) {
				c->v6 = 1;
				set_ip6(c->ip[0], 0xb, 0, 0x12);
				set_ip6(c->ip[1], 0xb, 0, 0x10000 + sv[3]);
			}
		}
		break;
	default: { /* app client 10.0.0.13 in VPC-A, backends 10.0.3.5-12, 10.0.3.7 is sick */
		uint8_t sv[4] = {10, 0, 3, (uint8_t)(5 + rnd_u(8))};

		c->near = 0;
		if (rnd_u(4) == 0)
			sv[3] = 7;
		memcpy(c->ip[0], sessions[2].eni, 4);
		memcpy(c->ip[1], sv, 4);
		c->port[1] = 8080;
		c->sick = sv[3] == 7;
		c->host = c->sick ? 5 : 4;
		break;
	}
	}
	c->mss = c->v6 ? 1428 : 1448;
	c->owd = (int64_t)(rnd_logu(internet ? 5.0 : 0.2, internet ? 50.0 : 2.0) * MS / 2);
	c->gap = (int64_t)(internet ? rnd_logu(24.0, 600.0) : rnd_logu(2.4, 12.0)) * US;
	c->rto = 200 * MS + 2 * c->owd;
	r = rnd_u(100);
	if (c->sick)
		c->loss = rnd_range(0.03, 0.10);
	else if (internet)
		c->loss = r < 35 ? 0 : r < 75 ? rnd_range(0.01, 0.05) : rnd_range(0.04, 0.12);
	else
		c->loss = r < 60 ? 0 : r < 90 ? rnd_range(0.002, 0.02) : rnd_range(0.02, 0.06);
	c->win[0] = (uint16_t)(500 + rnd_u(2500));
	c->win[1] = (uint16_t)(250 + rnd_u(1750));
	c->reqs_left = (uint8_t)(1 + (rnd_exp(1.5) > 40 ? 40 : rnd_exp(1.5)));
	st.active++;
	if (t >= 0 && st.active > st.peak_active)
		st.peak_active = st.active;
	if (tcp_open(c, t, &est))
		push_at(est + (int64_t)rnd_range(20 * US, 2 * MS), EV_WAKE, idx, CS_REQ);
	else
		conn_done();
	if (twin) /* the same 5-tuple in VPC-A's session: c is not used after this */
		tcp_new(t + (int64_t)rnd_range(0, 50 * MS), conns[idx].port[0]);
}

/* ---- DNS, SIP, RTP ------------------------------------------------------------------------ */

static void udp_emit(struct conn *c, uint8_t kind, int dir, int64_t t_send, uint32_t app,
                     uint32_t seq)
{
	struct ev e = {.kind = kind, .dir = (uint8_t)dir, .app = app, .seq = seq};

	emit(c, &e, t_send, false);
}

static void dns_new(int64_t t)
{
	static const uint8_t resolver[4] = {10, 0, 0, 2};
	uint32_t idx, name = rnd_u(N_DNS_NAMES), rcode = 0, app, id = rnd_u(65536);
	struct conn *c = conn_new(&idx);
	int64_t delay;

	c->kind = PK_DNS;
	c->sess = 2;
	c->near = 0;
	memcpy(c->ip[0], sessions[2].eni, 4);
	memcpy(c->ip[1], resolver, 4);
	c->port[0] = (uint16_t)(32768 + rnd_u(28232));
	c->port[1] = 53;
	c->owd = (int64_t)rnd_range(50 * US, 200 * US);
	if (name == N_DNS_NAMES - 2)
		rcode = 3; /* NXDOMAIN */
	else if (name == N_DNS_NAMES - 1 || rnd_u(100) < 1)
		rcode = 2; /* SERVFAIL */
	app = name | (rnd_u(5) == 0 ? 0x100u : 0) | rcode << 12;
	delay = rnd_u(5) ? (int64_t)rnd_range(100 * US, 1 * MS) : (int64_t)rnd_logu(5, 80) * MS;
	udp_emit(c, PK_DNS, 0, t, app, id);
	if (rnd_u(100) == 0) { /* no answer: the stub resolver retries after 5 s */
		t += 5000 * MS;
		udp_emit(c, PK_DNS, 0, t, app, id);
	}
	udp_emit(c, PK_DNS, 1, t + c->owd + delay, app, id);
}

static void rtp_push(struct conn *c, int dir, uint32_t count, int64_t nominal)
{
	int64_t jitter =
	    dir == c->near ? (int64_t)rnd_range(0, 200 * US) : (int64_t)rnd_range(0, 3 * MS);
	struct ev e = {.kind = PK_RTP,
	               .dir = (uint8_t)dir,
	               .conn = c->id,
	               .msg_off = count,
	               .seq = (c->ssrc[dir] + count) & 0xffff,
	               .ack = c->ssrc[dir] * 3 + 160 * count,
	               .body = (uint32_t)jitter};

	e.t = nominal + jitter + (dir == c->near ? 0 : c->owd);
	heap_push(&gq, &e);
}

static void rtp_tick(const struct ev *e)
{
	struct conn *c = &conns[e->conn];
	int64_t nominal = e->t - e->body - (e->dir == c->near ? 0 : c->owd);

	if (e->t >= 0 && !(e->dir != c->near && rnd_u(1000) < 5))
		write_frame(c, e);
	if (nominal + 20 * MS < c->rtp_end)
		rtp_push(c, e->dir, e->msg_off + 1, nominal + 20 * MS);
}

/* INVITE, 100, 180, 200 (or 486), ACK; RTP both ways every 20 ms; BYE, 200. */
static void call_new(int64_t t, int64_t dur)
{
	uint32_t idx;
	struct conn *c = conn_new(&idx);
	int64_t t200;

	c->kind = PK_SIP;
	c->sess = 3;
	c->near = 1;
	rand_ip4(c->ip[0], 203, 0, 8);
	c->ip[0][2] = 113;
	memcpy(c->ip[1], sessions[3].eni, 4);
	c->port[0] = c->port[1] = 5060;
	c->media[0] = (uint16_t)(10000 + 2 * rnd_u(5000));
	c->media[1] = (uint16_t)(20000 + 2 * rnd_u(5000));
	c->ssrc[0] = (uint32_t)rnd();
	c->ssrc[1] = (uint32_t)rnd();
	c->owd = (int64_t)rnd_range(5 * MS, 30 * MS);
	c->ttl[0] = 52;
	c->busy = st.calls > 0 && rnd_u(10) == 0;
	udp_emit(c, PK_SIP, 0, t, SIP_INVITE, 0);
	t += c->owd;
	udp_emit(c, PK_SIP, 1, t + MS, SIP_100, 0);
	udp_emit(c, PK_SIP, 1, t + 50 * MS, SIP_180, 0);
	t200 = t + (int64_t)rnd_range(1000, 6000) * MS;
	udp_emit(c, PK_SIP, 1, t200, c->busy ? SIP_486 : SIP_200_INV, 0);
	udp_emit(c, PK_SIP, 0, t200 + c->owd + MS, SIP_ACK, 0);
	if (c->busy)
		return;
	c->rtp_end = t200 + dur;
	rtp_push(c, 1, 0, t200 + 20 * MS);
	rtp_push(c, 0, 0, t200 + c->owd + 5 * MS);
	if (rnd_u(10) < 7) {
		udp_emit(c, PK_SIP, 0, c->rtp_end + 10 * MS, SIP_BYE, 0);
		udp_emit(c, PK_SIP, 1, c->rtp_end + 10 * MS + c->owd + MS, SIP_200_BYE, 0);
	} else {
		udp_emit(c, PK_SIP, 1, c->rtp_end + 10 * MS, SIP_BYE, 0);
		udp_emit(c, PK_SIP, 0, c->rtp_end + 10 * MS + c->owd + MS, SIP_200_BYE, 0);
	}
}

/* ---- main ------------------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: gen_workload -o OUT.pcap [-n PACKETS] [--plain] [--seed S] [--snap N]\n"
	    "                    [--packet-length N] [--start SECONDS]\n"
	    "  -n N               packets to write (default 2000000)\n"
	    "  --plain            the inner frames only, without VXLAN encapsulation\n"
	    "  --seed S           PRNG seed (default 1): same arguments, same bytes\n"
	    "  --snap N           keep the first N bytes of each inner frame in the file\n"
	    "                     (caplen < wirelen, as a capture with a snap length)\n"
	    "  --packet-length N  AWS PacketLength: cut the inner frame to N bytes before\n"
	    "                     encapsulating (outer lengths match, inner IP length does not;\n"
	    "                     with --plain the same as --snap)\n"
	    "  --start SECONDS    capture start, seconds since 1970 (default %lld: 2024-06-10\n"
	    "                     06:13:20 UTC); files with other seeds and later starts can be\n"
	    "                     joined into a longer capture with the same live flows\n",
	    EPOCH_S);
}

static uint64_t parse_num(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end) {
		fprintf(stderr, "gen_workload: bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"plain", no_argument, NULL, 'p'},
	    {"seed", required_argument, NULL, 's'},
	    {"snap", required_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},
	    {"packet-length", required_argument, NULL, 'L'},
	    {"start", required_argument, NULL, 'T'},
	    {NULL, 0, NULL, 0},
	};
	struct timespec t0, t1;
	double lam_tcp, lam_dns, secs;
	uint32_t ncalls, i;
	int64_t call_dur;
	struct ev e;
	int ch;
	size_t k;

	while ((ch = getopt_long(argc, argv, "o:n:h", lo, NULL)) != -1) {
		switch (ch) {
		case 'o':
			opt.out = optarg;
			break;
		case 'n':
			opt.packets = parse_num(optarg, "packet count");
			break;
		case 'p':
			opt.plain = true;
			break;
		case 's':
			opt.seed = parse_num(optarg, "seed");
			break;
		case 'S':
			opt.snap = (uint32_t)parse_num(optarg, "snap length");
			break;
		case 'L':
			opt.pktlen = (uint32_t)parse_num(optarg, "packet length");
			break;
		case 'T':
			opt.start = (int64_t)parse_num(optarg, "start time");
			if (opt.start > (int64_t)UINT32_MAX - 100000) {
				fprintf(stderr, "gen_workload: --start past what pcap holds\n");
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!opt.out || optind != argc || !opt.packets) {
		usage(stderr);
		return 2;
	}
	if (opt.pktlen && opt.pktlen < 14) {
		fprintf(stderr, "gen_workload: --packet-length must be at least 14\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rng_s = opt.seed * 0x2545f4914f6cdd1dULL + 0x1234567;
	for (k = 0; k < sizeof(body_pat); k++)
		body_pat[k] =
		    "vxscope benchmark payload 0123456789abcdefghijklmnopqrstuvwxyz\n"[k % 64];
	out = fopen(opt.out, "wb");
	if (!out) {
		fprintf(stderr, "gen_workload: %s: %s\n", opt.out, strerror(errno));
		return 1;
	}
	setvbuf(out, NULL, _IOFBF, 8u << 20);
	{
		uint32_t gh[6] = {0xa1b23c4d, 2 | 4u << 16, 0, 0, 262144, 1};

		if (fwrite(gh, sizeof(gh), 1, out) != 1) {
			fprintf(stderr, "gen_workload: %s: write: %s\n", opt.out, strerror(errno));
			return 1;
		}
		st.file_bytes = sizeof(gh);
	}

	lam_tcp = (double)opt.packets * 0.88 / (PKTS_PER_CONN * SPAN_S);
	lam_dns = (double)opt.packets * 0.03 / 2.0 / SPAN_S;
	ncalls = (uint32_t)(opt.packets / 100000);
	ncalls = ncalls < 2 ? 2 : ncalls > 40 ? 40 : ncalls;
	call_dur = (int64_t)((double)opt.packets * 0.05 / ncalls / 100.0 * 1e9);
	if (call_dur < 3000 * MS)
		call_dur = 3000 * MS;
	if (call_dur > 60000 * MS)
		call_dur = 60000 * MS;
	push_at(-WARMUP_NS, EV_ARR_TCP, 0, 0);
	push_at(-WARMUP_NS, EV_ARR_DNS, 0, 0);
	for (i = 0; i < ncalls; i++) {
		struct ev ce = {.kind = EV_ARR_CALL};

		ce.t = i == 0 ? 500 * MS : (int64_t)(rnd_range(-15.0, SPAN_S * 0.7) * 1e9);
		ce.body = (uint32_t)((double)call_dur / MS * rnd_range(0.7, 1.3));
		heap_push(&gq, &ce);
	}

	while (st.written < opt.packets && heap_pop(&gq, &e)) {
		switch (e.kind) {
		case PK_TCP:
		case PK_DNS:
		case PK_SIP:
			if (e.t >= 0)
				write_frame(&conns[e.conn], &e);
			break;
		case PK_RTP:
			rtp_tick(&e);
			break;
		case EV_WAKE:
			tcp_step(&conns[e.conn], e.t, e.state);
			break;
		case EV_ARR_TCP:
			tcp_new(e.t, 0);
			push_at(e.t + (int64_t)(rnd_exp(1.0 / lam_tcp) * 1e9) + 1, EV_ARR_TCP, 0,
			        0);
			break;
		case EV_ARR_DNS:
			dns_new(e.t);
			push_at(e.t + (int64_t)(rnd_exp(1.0 / lam_dns) * 1e9) + 1, EV_ARR_DNS, 0,
			        0);
			break;
		case EV_ARR_CALL:
			call_new(e.t, (int64_t)e.body * MS);
			break;
		}
	}
	if (fflush(out) || ferror(out) || fclose(out)) {
		fprintf(stderr, "gen_workload: %s: write: %s\n", opt.out, strerror(errno));
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	fprintf(
	    stderr,
	    "gen_workload: %s: %llu packets (%llu TCP, %llu UDP, %llu IPv6), %.1f s of traffic,"
	    " %s%s\n"
	    "  TCP connections %llu (%llu SYNs seen), peak %llu live at once\n"
	    "  TCP data segments %llu, lost %llu (%.2f%%), retransmissions captured %llu\n"
	    "  HTTP requests %llu (504: %llu); DNS queries %llu (NXDOMAIN %llu, SERVFAIL %llu);"
	    " SIP calls %llu, RTP packets %llu\n"
	    "  bytes: file %llu, on the wire %llu; truncated frames %llu; %.2f s to generate\n",
	    opt.out, (unsigned long long)st.written, (unsigned long long)st.tcp_pkts,
	    (unsigned long long)st.udp_pkts, (unsigned long long)st.v6_pkts,
	    (double)st.last_t / 1e9, opt.plain ? "plain (no encapsulation)" : "VXLAN, 4 sessions",
	    opt.snap || opt.pktlen ? ", cut" : "", (unsigned long long)st.conns,
	    (unsigned long long)st.syn_seen, (unsigned long long)st.peak_active,
	    (unsigned long long)st.segs, (unsigned long long)st.lost,
	    st.segs ? 100.0 * (double)st.lost / (double)st.segs : 0.0, (unsigned long long)st.retx,
	    (unsigned long long)st.http_req, (unsigned long long)st.http_504,
	    (unsigned long long)st.dns, (unsigned long long)st.dns_nx,
	    (unsigned long long)st.dns_fail, (unsigned long long)st.calls,
	    (unsigned long long)st.rtp, (unsigned long long)st.file_bytes,
	    (unsigned long long)st.wire_bytes, (unsigned long long)st.trunc, secs);
	if (st.written < opt.packets)
		fprintf(stderr, "gen_workload: warning: only %llu of %llu packets\n",
		        (unsigned long long)st.written, (unsigned long long)opt.packets);
	free(gq.a);
	free(lq.a);
	free(conns);
	free(got);
	return 0;
}
