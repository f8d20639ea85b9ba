/* app_int.h - the analyzer's roll-ups, shared by app.c (dispatch, tables, records),
 * app_report.c (JSON and text) and app_findings.c.  Not for use outside src/app/.
 *
 * Roll-ups are bounded tables (APP_*_MAX entries; what does not fit is counted in
 * `dropped`): HTTP servers, (server, path) pairs, DNS resolvers, (resolver, name) pairs.
 * Entries live in one array per table and are referred to by index.
 */
#ifndef VXS_APP_APP_INT_H
#define VXS_APP_APP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/services.h" /* struct frameset */
#include "app/app.h"
#include "app/dns.h"
#include "app/http.h"
#include "app/rtp.h"
#include "app/sip.h"
#include "app/tls.h"

#define APP_SERVERS_MAX   4096
#define APP_PATHS_MAX     16384
#define APP_RESOLVERS_MAX 4096
#define APP_NAMES_MAX     16384
#define APP_CODES_MAX     24 /* distinct status codes kept per server */
#define APP_SLOWEST       5  /* slowest responses kept per server */
#define APP_SLOW_PATH     64 /* bytes of a path kept with a slow response */

/* A table of fixed-size entries, each starting with its 64-bit hash, indexed by open
 * addressing. */
struct app_table {
	void *v;
	size_t n, cap, esize, max;
	uint32_t *slot; /* entry index + 1; 0 = empty */
	size_t nslot;   /* a power of two, > 2 n */
	uint64_t dropped;
};

/* Where an endpoint lives: its mirror session (the flow's session tunnel) and address. */
struct app_endpoint {
	uint8_t sess_kind; /* enum tunnel_kind */
	bool sess_has_id;
	uint32_t sess_id;
	struct ip_addr sess_src;
	struct ip_addr addr;
	uint16_t port;
	uint8_t proto;
};

#define APP_LAT_SAMPLES 16 /* latencies kept per 5xx code: the first ones */

struct http_code_stat {
	uint16_t status;
	uint64_t n;
	int64_t lat_min_ns, lat_max_ns, lat_sum_ns; /* of the responses with a request */
	uint64_t lat_n;
	int64_t lat[APP_LAT_SAMPLES]; /* 5xx only: to tell a fixed (timeout) delay */
	unsigned nlat;
	struct frameset frames;
};

struct http_slow {
	int64_t latency_ns;
	uint64_t frame; /* the response's end frame */
	uint16_t status;
	char method[12];
	char path[APP_SLOW_PATH];
};

struct http_server {
	uint64_t hash;
	struct app_endpoint ep;
	char host[HTTP_HOST_MAX]; /* the first Host header seen */
	uint64_t requests, responses, no_response, capture_end, unmatched, partial, interim;
	uint64_t one_way;    /* requests on flows with no packet at all from the server */
	uint64_t unreadable; /* requests whose response could not be framed (lost segments) */
	uint64_t cls[6];     /* [1]..[5]: 1xx..5xx; [0]: other codes */
	struct http_code_stat codes[APP_CODES_MAX];
	unsigned ncodes;
	uint64_t codes_dropped;
	int64_t lat_sum_ns, lat_max_ns;
	uint64_t lat_n;
	struct http_slow slow[APP_SLOWEST]; /* slowest first */
	unsigned nslow;
	struct frameset err_frames;        /* responses 5xx */
	struct frameset noresp_frames;     /* requests without a response */
	int64_t first_ns, last_ns;         /* of all transactions */
	int64_t err_first_ns, err_last_ns; /* of 5xx responses */
	bool sess_label_done;
};

struct http_path {
	uint64_t hash;
	uint32_t server;
	char path[HTTP_PATH_MAX];
	uint64_t requests, c4xx, c5xx, no_response;
	uint16_t last_err; /* a 4xx/5xx code seen on this path */
	uint64_t first_err_frame;
};

struct dns_resolver {
	uint64_t hash;
	struct app_endpoint ep;
	uint64_t queries, answered, timeouts, capture_end, unmatched, dropped, retransmissions, tc;
	uint64_t tc_retried_tcp; /* truncated answers whose query the client then sent over TCP */
	uint64_t late; /* answered, but 5 s or more after the query (counted in timeouts too) */
	uint64_t oneway_timeouts; /* timeouts on flows with no packet at all from the resolver */
	uint64_t rcode[16];
	int64_t lat_sum_ns, lat_max_ns;
	uint64_t lat_n;
	struct frameset rcode_frames[16]; /* responses by rcode (SERVFAIL, NXDOMAIN, ...) */
	struct frameset timeout_frames;   /* queries without an answer */
	int64_t first_ns, last_ns;
};

struct dns_name_stat {
	uint64_t hash;
	uint32_t resolver;
	char name[DNS_NAME_TEXT_MAX];
	uint64_t queries, nxdomain, servfail, refused, timeouts;
};

#define APP_TLS_SERVERS_MAX 4096
#define APP_SIP_SERVERS_MAX 1024
#define APP_RTP_STREAMS_MAX 4096
#define APP_MEDIA_MAX       8192 /* SDP media endpoints remembered for RTP */
#define APP_TLS_ALERT_KINDS 8    /* distinct alerts kept per TLS server */
#define APP_SIP_CODES_MAX   16   /* distinct final codes kept per SIP server */

struct tls_alert_stat {
	uint8_t level, desc;
	bool from_client, encrypted;
	uint64_t n;
};

struct tls_server {
	uint64_t hash;
	struct app_endpoint ep;
	char sni[64]; /* the first server name seen */
	uint64_t handshakes, with_server_hello, completed, failed;
	uint64_t versions[6]; /* chosen: SSL 3.0, TLS 1.0, 1.1, 1.2, 1.3, other */
	uint64_t slow;
	struct tls_alert_stat alerts[APP_TLS_ALERT_KINDS];
	unsigned nalerts;
	int64_t hello_sum_ns, hello_max_ns, hs_sum_ns, hs_max_ns;
	uint64_t hello_n, hs_n;
	struct frameset fail_frames, old_frames, slow_frames;
	int64_t first_ns, last_ns;
};

struct sip_code_stat {
	uint16_t code;
	uint64_t n;
};

struct sip_server {
	uint64_t hash;
	struct app_endpoint ep;
	uint64_t dialogs, calls, answered, failed, cancelled, no_final, other_failed;
	int64_t setup_sum_ns, setup_max_ns;
	uint64_t setup_n;
	struct sip_code_stat codes[APP_SIP_CODES_MAX]; /* final codes >= 300 of INVITEs */
	unsigned ncodes;
	struct frameset fail_frames;
	int64_t first_ns, last_ns;
};

struct rtp_entry {
	uint64_t hash; /* a serial: entries are unique */
	struct rtp_stream r;
	struct app_endpoint src, dst;
	uint64_t flow;
};

struct app_media {
	uint64_t hash;
	struct sip_media m;
};

struct app_flow; /* per-flow state on flow->ext[1] (app.c) */

/* A truncated UDP answer waiting for the client's retry over TCP (RFC 7766 section 5). */
#define DNS_TC_PENDING 64
#define DNS_TC_RETRY_NS (INT64_C(5) * 1000000000)
struct dns_tc_pending {
	uint64_t key;   /* client, server address, session, qname, qtype; 0 = free */
	long resolver;  /* the UDP resolver that truncated */
	int64_t ts_ns;  /* the truncated answer */
};

struct app_analyzer {
	struct app_table servers, paths, resolvers, names;
	struct dns_tc_pending tc_pending[DNS_TC_PENDING]; /* a ring: the oldest is overwritten */
	unsigned tc_next;
	struct app_table tls_servers, sip_servers, rtp_streams, media;
	uint64_t tls_flows, tls_handshakes, sip_flows, sip_dialogs, sip_messages, rtp_flows;
	uint64_t rtp_streams_seen, media_announced;
	bool no_app; /* --no-app: nothing is parsed */
	struct app_classify *classify; /* nDPI, or NULL (classify.h) */
	struct app_totals tot;
	uint64_t mdns_messages, llmnr_messages;
	int64_t last_ns;        /* the latest capture time seen */
	struct jsonw *records;  /* --app-records, or NULL */
	const struct flow *cur; /* the flow whose parser is running (for the sink) */
	uint64_t conv_alloc_failures;
	char never; /* flow->ext[1] == &never: no parser applies */
};

/* Table access (app.c).  Entries may move when the table grows: keep indices. */
static inline void *app_table_at(const struct app_table *t, size_t i)
{
	return (char *)t->v + i * t->esize;
}

/* The tables (app.c). */
void app_table_init(struct app_table *t, size_t esize, size_t max);
void app_table_fini(struct app_table *t);
/* The index of the entry with hash h that eq() accepts; created (zeroed, hash set, then
 * init()) when absent.  -1 when the table is full or memory runs out (counted). */
long app_table_get(struct app_table *t, uint64_t h, const void *key,
                   bool (*eq)(const void *e, const void *key),
                   void (*init)(void *e, const void *key));
uint64_t app_ep_hash(const struct app_endpoint *e);
bool app_ep_same(const struct app_endpoint *a, const struct app_endpoint *b);
/* The sender of direction d of flow f. */
void app_endpoint_of(const struct flow *f, int d, struct app_endpoint *e);

/* Records (app.c): the common head {"type","flow","client","server"[,"vni"]} and a time. */
void app_record_head(struct jsonw *w, const char *type, const struct flow *f, int client_dir);
void app_ktime(struct jsonw *w, const char *key, int64_t ts);

/* TLS, SIP, RTP roll-ups and records (app_voip.c), findings (app_voip_findings.c) and
 * report sections (app_voip_report.c). */
void app_tls_txn(struct app_analyzer *a, const struct flow *f, const struct tls_txn *t);
void app_sip_dialog(struct app_analyzer *a, const struct flow *f, const struct sip_dialog *d);
void app_sip_media(struct app_analyzer *a, const struct sip_media *m);
/* The SDP media entry naming an end of flow f (UDP), or NULL. */
const struct sip_media *app_media_for(struct app_analyzer *a, const struct flow *f);
void app_rtp_stream(struct app_analyzer *a, const struct flow *f, const struct rtp_stream *r);
void app_voip_findings(struct app_analyzer *a, struct finding_list *out);
void app_voip_report_json(struct app_analyzer *a, struct jsonw *w);
void app_voip_report_text(struct app_analyzer *a, struct strbuf *b);
bool app_voip_any(const struct app_analyzer *a);

/* "10.99.2.2:80" (IPv6 in brackets) into buf. */
void app_endpoint_addr(const struct app_endpoint *e, char *buf, size_t len);
/* "10.99.2.2:80/tcp in session vni 100 from 10.0.0.9" (as service_label()), or the
 * address and protocol alone when bare. */
void app_endpoint_label(const struct app_endpoint *e, char *buf, size_t len);
/* s cut to max characters with "..." (buf holds max + 1): a path keeps its start, a DNS
 * name (keep_end) its end, the zone.  Returns s when it fits, else buf. */
const char *app_shorten(const char *s, bool keep_end, size_t max, char *buf, size_t len);
/* A Wireshark display filter for e as the source (from_ep) or destination, with `extra`
 * ANDed in front; the session's VNI when there is one. */
void app_endpoint_filter(const struct app_endpoint *e, bool from_ep, const char *extra, char *buf,
                         size_t len);

#endif
