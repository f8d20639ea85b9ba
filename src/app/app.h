/* app.h - application-layer analysis: HTTP/1.x and DNS transactions per flow, rolled up per
 * server and per resolver, with findings (5xx clusters, SERVFAIL, NXDOMAIN, timeouts).
 *
 * Two parts:
 *
 *  1. The parser contract (struct app_parser).  Each protocol is its own file (dns.c; http.c,
 *     with its message syntax in http_msg.c) exporting one const struct app_parser.  A
 *     parser reads payload bytes only through the bounded cursor (base/cursor.h) and bounded
 *     copies made through it, keeps bounded per-flow state ("conv"), and reports each
 *     finished transaction to a sink (struct app_sink).  Parsers know nothing of flow
 *     tables, findings or output: they see segments (struct app_seg) and a direction.
 *     TCP segments are placed in their byte stream by stream.h (shared).
 *
 *  2. The analyzer (struct app_analyzer), what `vxscope analyze` calls: it decides per flow
 *     which parser applies (HTTP by content on any TCP port, DNS by port 53 over UDP and TCP;
 *     LLMNR 5355 and mDNS 5353 are parsed for records but are no resolvers), hangs the
 *     parser's conv on flow->ext[1], and rolls transactions up per HTTP server and per DNS
 *     resolver and name.  Single-threaded; no global state.
 *
 * Frame numbers are 1-based as Wireshark numbers them.  Times are capture (UTC ns) times.
 */
#ifndef VXS_APP_APP_H
#define VXS_APP_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "analyze/finding.h"
#include "base/jsonw.h"
#include "base/strbuf.h"
#include "flow/flow.h"

/* ---- the parser contract ------------------------------------------------------------- */

/* One packet's application bytes as a parser sees them.  data points into the capture
 * buffer and lives for the call only; caplen bytes are readable, len is the true length
 * (caplen < len: a mirror or snap-length truncated copy). */
struct app_seg {
	uint64_t frame;
	int64_t ts_ns;
	uint8_t proto; /* IPPROTO_NUM_TCP or IPPROTO_NUM_UDP */
	uint16_t sport, dport;
	uint32_t seq, ack; /* TCP */
	uint8_t tcp_flags; /* TCP_* */
	/* TCP: the other direction's SYN was captured and it has sent no payload yet, so its
	 * stream starts at this packet's ack (when ACK is set). */
	bool peer_fresh;
	const uint8_t *data;
	uint32_t caplen, len;
	/* IP fragments: the first holds the L4 header and the start of the payload (len is the
	 * whole datagram's); later ones carry no L4 header and reach a parser as frag MORE or
	 * LAST with no data, so it can show a message where its datagram completes. */
	uint8_t frag; /* APP_FRAG_* */
	uint32_t frag_id;
};

enum {
	APP_FRAG_NONE = 0,
	APP_FRAG_FIRST, /* offset 0, more to come */
	APP_FRAG_MORE,  /* a later fragment, more to come */
	APP_FRAG_LAST,  /* the datagram's last fragment */
};

struct http_txn;
struct dns_txn;
struct tls_txn;
struct sip_dialog;
struct sip_media;
struct rtp_stream;

/* Where parsers deliver finished transactions.  The pointers passed live for the call. */
struct app_sink {
	void (*http)(void *ctx, const struct http_txn *t);
	void (*dns)(void *ctx, const struct dns_txn *t);
	void *ctx;
	/* (initialise with designated initialisers: more callbacks may come) */
	void (*tls)(void *ctx, const struct tls_txn *t);
	void (*sip)(void *ctx, const struct sip_dialog *d);
	/* an SDP body announced media (RTP) at an address and port */
	void (*media)(void *ctx, const struct sip_media *m);
	void (*rtp)(void *ctx, const struct rtp_stream *r);
};

enum app_detect {
	APP_NOT_YET = 0, /* cannot tell from this packet */
	APP_YES = 1,     /* the flow carries this protocol: create a conv */
	APP_NEVER = -1,  /* the flow does not (for this parser) */
};

struct app_parser {
	const char *name; /* "http", "dns" */
	/* Look at one packet of a flow that no parser has claimed yet.  dir is the packet's
	 * direction in the flow (0 = originator -> responder).  stream_start: this is the first
	 * payload of its direction and that direction's SYN was captured, so the payload is
	 * the first byte of the stream (a parser that does not match it can say APP_NEVER). */
	enum app_detect (*detect)(const struct app_seg *s, int dir, bool stream_start);
	/* A new per-flow state for the flow of s (the packet detect() said APP_YES to), or
	 * NULL on out of memory; owned by the caller (conv_free). */
	void *(*conv_new)(const struct app_seg *s);
	/* One packet of the flow, in capture order. */
	void (*conv_segment)(void *conv, const struct app_seg *s, int dir,
	                     const struct app_sink *k);
	/* The flow ends: deliver what is still open.  now_ns is the capture's latest time, used
	 * to tell "no answer" from "the capture ended first". */
	void (*conv_end)(void *conv, int64_t now_ns, const struct app_sink *k);
	void (*conv_free)(void *conv);
};

/* The parsers (http.c, dns.c, tls.c, sip.c, rtp.c). */
extern const struct app_parser app_http_parser;
extern const struct app_parser app_dns_parser;
extern const struct app_parser app_tls_parser;
extern const struct app_parser app_sip_parser;
extern const struct app_parser app_rtp_parser;

/* ---- the analyzer -------------------------------------------------------------------- */

struct app_analyzer;

/* NULL on out of memory.  Owned by the caller: app_analyzer_free(). */
struct app_analyzer *app_analyzer_new(void);

/* One decoded packet of flow f (direction dir), in capture order.  Call for TCP and UDP
 * packets that have a flow; others are ignored.  May set f->ext[1] (the analyzer's per-flow
 * state), which app_flow_end() releases. */
void app_packet(struct app_analyzer *a, const struct packet *p, struct flow *f, int dir);

/* Flow f ends: deliver its open transactions and free f->ext[1] (set to NULL).  Call for
 * every flow that ends (the pipeline's on_flow_end), before the flow is freed. */
void app_flow_end(struct app_analyzer *a, struct flow *f);

/* Append the application findings (area "app") to out.  Call after the last flow ended
 * (after pipeline_finish()).  Finding kinds: app.http_5xx, app.http_no_response,
 * app.dns_servfail, app.dns_nxdomain, app.dns_timeout. */
void app_findings(struct app_analyzer *a, struct finding_list *out);

/* Write one JSON value, {"http": {...}, "dns": {...}}, after the caller wrote a key. */
void app_report_json(struct app_analyzer *a, struct jsonw *w);

/* Append the "APPLICATION" section of the text report (80 columns), ending in a blank
 * line; nothing when no HTTP or DNS was seen. */
void app_report_text(struct app_analyzer *a, struct strbuf *b);

/* Also write one JSON line per HTTP transaction and per DNS query to w (`--app-records
 * FILE`), as each finishes; w stays the caller's and must outlive the analysis (records are
 * written up to app_flow_end() of the last flow).  NULL turns records off.  Fields: see
 * docs in app.c (record_http, record_dns). */
void app_set_records(struct app_analyzer *a, struct jsonw *w);

/* Parse nothing (`vxscope analyze --no-app`): app_packet() returns at once, for measuring
 * what parsing costs.  Flows are still classified when classification is on. */
void app_set_parsing(struct app_analyzer *a, bool on);

/* Label flows with nDPI (classify.h) as well; no effect when built without nDPI.  0, or
 * -ENOMEM / -ENOTSUP. */
int app_set_classify(struct app_analyzer *a, bool on);

/* Totals, for tests and the report header. */
struct app_totals {
	uint64_t http_flows, http_requests, http_responses, http_txns;
	uint64_t dns_flows, dns_queries, dns_responses, dns_timeouts;
};
void app_totals(const struct app_analyzer *a, struct app_totals *t);

void app_analyzer_free(struct app_analyzer *a);

#endif
