/* app.c - the application analyzer: which parser applies to a flow, per-flow state on
 * flow->ext[1], roll-ups per HTTP server and DNS resolver, and the --app-records lines.
 *
 * Dispatch (decided once per flow, at its first packets with payload):
 *   - DNS: UDP or TCP with port 53 on either side (LLMNR 5355 and mDNS 5353 over UDP are
 *     read for records; they have no resolvers to roll up);
 *   - HTTP/1.x: any TCP port, by content: a request line ("METHOD SP target SP HTTP/1.x")
 *     or a status line ("HTTP/1.x NNN") at the start of a segment's payload.  When the
 *     flow's start was captured (SYN) and its first payload in a direction is neither, the
 *     flow is no HTTP; without the start, detection goes on for the flow's first
 *     APP_DETECT_WINDOW bytes (a capture that begins in the middle of a body).
 *
 * Records (one JSON line each, as transactions finish; times ISO 8601 UTC, latency seconds):
 *   {"type":"http","flow":N,"client":"IP:PORT","server":"IP:PORT"[,"vni":N],
 *    "method","host","path"[,"path_cut":true],"request_frame","request_end_frame",
 *    "request_time"[,"request_content_length"],
 *    "status","response_frame","response_end_frame","response_time"
 *    [,"response_content_length"][,"chunked":true],"latency",
 *    [,"request_incomplete" / "response_incomplete":true (its last byte was not seen)]
 *    ["interim":[{"status":100,"frame":N}]],
 *    "end":"done|no_response|capture_end|overflow|unreadable"
 *    [,"partial":true]}
 *   {"type":"dns","kind":"dns|mdns|llmnr","proto":"udp|tcp","flow":N,"client","server"
 *    [,"vni"],"id","qname","qtype","qtype_name"[,"name_error"],"query_frame","query_time"
 *    [,"query_rcode"][,"retransmissions","retransmit_frames":[..]],"response_frame",
 *    "response_time","rcode","rcode_name","answers"[,"tc":true][,"response_qname"],
 *    "latency","outcome":"answered|timeout|late|capture_end|unmatched|dropped|unpaired"}
 * (request / response / query fields only when that message was seen.)
 */
#include "app_int.h"
#include "classify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyze/traffic_class.h"
#include "base/hash.h"
#include "base/timefmt.h"
#include "decode/ipaddr.h"

#define APP_DETECT_WINDOW (1u << 20) /* payload bytes of a flow looked at for HTTP */

struct app_flow {
	const struct app_parser *parser;
	void *conv;
};

/* In this order: DNS by port first, then by content SIP, TLS and HTTP, then the RTP
 * heuristic last (it claims any UDP flow on an even port with an RTP-like header). */
static const struct app_parser *const parsers[] = {&app_dns_parser, &app_sip_parser,
                                                   &app_tls_parser, &app_http_parser,
                                                   &app_rtp_parser};

/* ---- tables ------------------------------------------------------------------------ */

void app_table_init(struct app_table *t, size_t esize, size_t max)
{
	memset(t, 0, sizeof(*t));
	t->esize = esize;
	t->max = max;
}

void app_table_fini(struct app_table *t)
{
	free(t->v);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

static int table_rehash(struct app_table *t, size_t nslot)
{
	uint32_t *slot = calloc(nslot, sizeof(*slot));
	if (!slot)
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		uint64_t h = *(const uint64_t *)app_table_at(t, i);
		size_t j = h & (nslot - 1);
		while (slot[j])
			j = (j + 1) & (nslot - 1);
		slot[j] = (uint32_t)(i + 1);
	}
	free(t->slot);
	t->slot = slot;
	t->nslot = nslot;
	return 0;
}

long app_table_get(struct app_table *t, uint64_t h, const void *key,
                   bool (*eq)(const void *e, const void *key),
                   void (*init)(void *e, const void *key))
{
	if (t->nslot) {
		for (size_t j = h & (t->nslot - 1); t->slot[j]; j = (j + 1) & (t->nslot - 1)) {
			size_t i = t->slot[j] - 1;
			const void *e = app_table_at(t, i);
			if (*(const uint64_t *)e == h && eq(e, key))
				return (long)i;
		}
	}
	if (t->n == t->max) {
		t->dropped++;
		return -1;
	}
	if ((t->n + 1) * 2 > t->nslot && table_rehash(t, t->nslot ? t->nslot * 2 : 64)) {
		t->dropped++;
		return -1;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		void *v = realloc(t->v, cap * t->esize);
		if (!v) {
			t->dropped++;
			return -1;
		}
		t->v = v;
		t->cap = cap;
	}
	size_t i = t->n++;
	void *e = app_table_at(t, i);
	memset(e, 0, t->esize);
	*(uint64_t *)e = h;
	init(e, key);
	size_t j = h & (t->nslot - 1);
	while (t->slot[j])
		j = (j + 1) & (t->nslot - 1);
	t->slot[j] = (uint32_t)(i + 1);
	return (long)i;
}

/* ---- endpoints --------------------------------------------------------------------- */

void app_endpoint_of(const struct flow *f, int d, struct app_endpoint *e)
{
	memset(e, 0, sizeof(*e));
	e->sess_kind = (uint8_t)f->session.kind;
	e->sess_has_id = f->session.has_id;
	e->sess_id = f->session.has_id ? f->session.id : 0;
	if (f->session.kind != TUN_NONE)
		e->sess_src = f->session.src;
	e->addr = d ? f->dst : f->src;
	e->port = d ? f->dport : f->sport;
	e->proto = f->proto;
}

bool app_ep_same(const struct app_endpoint *a, const struct app_endpoint *b)
{
	return a->sess_kind == b->sess_kind && a->sess_has_id == b->sess_has_id &&
	       a->sess_id == b->sess_id && ipaddr_eq(&a->sess_src, &b->sess_src) &&
	       ipaddr_eq(&a->addr, &b->addr) && a->port == b->port && a->proto == b->proto;
}

static bool server_eq(const void *x, const void *key)
{
	return app_ep_same(&((const struct http_server *)x)->ep, key);
}

static bool resolver_eq(const void *x, const void *key)
{
	return app_ep_same(&((const struct dns_resolver *)x)->ep, key);
}

uint64_t app_ep_hash(const struct app_endpoint *e)
{
	return hash_bytes(e, sizeof(*e), 0x6170702d6570ULL);
}

void app_endpoint_addr(const struct app_endpoint *e, char *buf, size_t len)
{
	char a[IPADDR_STRLEN];
	ipaddr_format(&e->addr, a, sizeof(a));
	if (e->addr.family == 6)
		snprintf(buf, len, "[%s]:%u", a, e->port);
	else
		snprintf(buf, len, "%s:%u", a, e->port);
}

void app_endpoint_label(const struct app_endpoint *e, char *buf, size_t len)
{
	/* the form of service_label() (analyze/services.h), so findings read alike */
	char a[64], s[IPADDR_STRLEN];
	app_endpoint_addr(e, a, sizeof(a));
	const char *proto = e->proto == IPPROTO_NUM_TCP ? "tcp" : "udp";
	if (e->sess_kind == TUN_NONE) {
		snprintf(buf, len, "%s/%s", a, proto);
		return;
	}
	ipaddr_format(&e->sess_src, s, sizeof(s));
	if (e->sess_has_id)
		snprintf(buf, len, "%s/%s in session vni %u from %s", a, proto, e->sess_id, s);
	else
		snprintf(buf, len, "%s/%s in tunnel from %s", a, proto, s);
}

void app_endpoint_filter(const struct app_endpoint *e, bool from_ep, const char *extra, char *buf,
                         size_t len)
{
	char a[IPADDR_STRLEN], vni[48] = "";
	ipaddr_format(&e->addr, a, sizeof(a));
	const char *ip = e->addr.family == 6 ? "ipv6" : "ip";
	const char *l4 = e->proto == IPPROTO_NUM_UDP ? "udp" : "tcp";
	if (e->sess_kind == TUN_VXLAN && e->sess_has_id)
		snprintf(vni, sizeof(vni), " && vxlan.vni == %u", e->sess_id);
	else if (e->sess_kind == TUN_GENEVE && e->sess_has_id)
		snprintf(vni, sizeof(vni), " && geneve.vni == %u", e->sess_id);
	snprintf(buf, len, "%s%s%s.%s == %s && %s.%s == %u%s", extra ? extra : "",
	         extra ? " && " : "", ip, from_ep ? "src" : "dst", a, l4,
	         from_ep ? "srcport" : "dstport", e->port, vni);
}

const char *app_shorten(const char *s, bool keep_end, size_t max, char *buf, size_t len)
{
	size_t n = strlen(s);
	if (n <= max || max < 4)
		return s;
	if (keep_end)
		snprintf(buf, len, "...%s", s + n - (max - 3));
	else
		snprintf(buf, len, "%.*s...", (int)(max - 3), s);
	return buf;
}

/* ---- HTTP roll-up ------------------------------------------------------------------ */

static void server_init(void *e, const void *key)
{
	struct http_server *s = e;
	s->ep = *(const struct app_endpoint *)key;
	s->first_ns = INT64_MAX;
	s->err_first_ns = INT64_MAX;
}

struct path_key {
	uint32_t server;
	const char *path;
};

static bool path_eq(const void *x, const void *key)
{
	const struct http_path *p = x;
	const struct path_key *k = key;
	return p->server == k->server && strcmp(p->path, k->path) == 0;
}

static void path_init(void *e, const void *key)
{
	struct http_path *p = e;
	const struct path_key *k = key;
	p->server = k->server;
	snprintf(p->path, sizeof(p->path), "%s", k->path);
}

static void code_add(struct http_server *s, const struct http_txn *t, uint64_t frame)
{
	struct http_code_stat *c = NULL;
	for (unsigned i = 0; i < s->ncodes; i++)
		if (s->codes[i].status == t->resp.status)
			c = &s->codes[i];
	if (!c) {
		if (s->ncodes == APP_CODES_MAX) {
			s->codes_dropped++;
			return;
		}
		c = &s->codes[s->ncodes++];
		memset(c, 0, sizeof(*c));
		c->status = t->resp.status;
		c->lat_min_ns = INT64_MAX;
	}
	c->n++;
	frameset_add(&c->frames, frame);
	if (t->latency_ns >= 0) {
		c->lat_n++;
		c->lat_sum_ns += t->latency_ns;
		if (t->latency_ns < c->lat_min_ns)
			c->lat_min_ns = t->latency_ns;
		if (t->latency_ns > c->lat_max_ns)
			c->lat_max_ns = t->latency_ns;
		if (c->status >= 500 && c->nlat < APP_LAT_SAMPLES)
			c->lat[c->nlat++] = t->latency_ns;
	}
}

static void slow_add(struct http_server *s, const struct http_txn *t)
{
	if (t->latency_ns < 0)
		return;
	unsigned i = s->nslow < APP_SLOWEST ? s->nslow++ : APP_SLOWEST - 1;
	if (i == APP_SLOWEST - 1 && s->nslow == APP_SLOWEST &&
	    s->slow[i].latency_ns >= t->latency_ns)
		return;
	while (i > 0 && s->slow[i - 1].latency_ns < t->latency_ns) {
		s->slow[i] = s->slow[i - 1];
		i--;
	}
	struct http_slow *x = &s->slow[i];
	x->latency_ns = t->latency_ns;
	x->frame = t->resp.end_frame;
	x->status = t->resp.status;
	snprintf(x->method, sizeof(x->method), "%s", t->req.method);
	snprintf(x->path, sizeof(x->path), "%s", t->req.path);
}

static void http_rollup(struct app_analyzer *a, const struct flow *f, const struct http_txn *t)
{
	struct app_endpoint ep;
	app_endpoint_of(f, !t->client_dir, &ep);
	long si = app_table_get(&a->servers, app_ep_hash(&ep), &ep, server_eq, server_init);
	if (si < 0)
		return;
	struct http_server *s = app_table_at(&a->servers, (size_t)si);
	int64_t ts = t->has_req ? t->req.ts_ns : t->resp.ts_ns;
	int64_t te = t->has_resp ? t->resp.end_ns : t->req.end_ns;
	if (ts < s->first_ns)
		s->first_ns = ts;
	if (te > s->last_ns)
		s->last_ns = te;
	s->interim += t->ninterim;
	if (t->has_req) {
		s->requests++;
		if (!s->host[0] && t->req.host[0])
			snprintf(s->host, sizeof(s->host), "%s", t->req.host);
	}
	if ((t->has_req && t->req.partial) || (t->has_resp && t->resp.partial))
		s->partial++;
	unsigned cls = t->has_resp ? t->resp.status / 100 : 0;
	if (t->has_resp) {
		s->responses++;
		s->cls[cls >= 1 && cls <= 5 ? cls : 0]++;
		if (!t->has_req)
			s->unmatched++;
		code_add(s, t, t->resp.end_frame);
		if (t->latency_ns >= 0) {
			s->lat_n++;
			s->lat_sum_ns += t->latency_ns;
			if (t->latency_ns > s->lat_max_ns)
				s->lat_max_ns = t->latency_ns;
			slow_add(s, t);
		}
		if (cls == 5) {
			frameset_add(&s->err_frames, t->resp.end_frame);
			if (t->resp.ts_ns < s->err_first_ns)
				s->err_first_ns = t->resp.ts_ns;
			if (t->resp.end_ns > s->err_last_ns)
				s->err_last_ns = t->resp.end_ns;
		}
	} else if (t->end == HTTP_END_CAPTURE) {
		s->capture_end++;
	} else if (t->end == HTTP_END_UNREADABLE) {
		s->unreadable++;
	} else if (!f->dir[!t->client_dir].packets) {
		/* nothing at all from the server on this flow: the capture (or the tunnel's
		 * other session) does not carry that direction, so silence tells nothing */
		s->one_way++;
	} else {
		s->no_response++;
		frameset_add(&s->noresp_frames, t->req.end_frame);
	}
	if (!t->has_req)
		return;
	struct path_key pk = {(uint32_t)si, t->req.path};
	uint64_t h = hash_bytes(t->req.path, strlen(t->req.path), (uint64_t)si + 1);
	long pi = app_table_get(&a->paths, h, &pk, path_eq, path_init);
	if (pi < 0)
		return;
	struct http_path *p = app_table_at(&a->paths, (size_t)pi);
	p->requests++;
	if (cls == 4 || cls == 5) {
		if (cls == 4)
			p->c4xx++;
		else
			p->c5xx++;
		p->last_err = t->resp.status;
		if (!p->first_err_frame || t->resp.end_frame < p->first_err_frame)
			p->first_err_frame = t->resp.end_frame;
	}
	if (!t->has_resp && t->end != HTTP_END_CAPTURE && t->end != HTTP_END_UNREADABLE &&
	    f->dir[!t->client_dir].packets)
		p->no_response++;
}

/* ---- DNS roll-up ------------------------------------------------------------------- */

static void resolver_init(void *e, const void *key)
{
	struct dns_resolver *r = e;
	r->ep = *(const struct app_endpoint *)key;
	r->first_ns = INT64_MAX;
}

struct name_key {
	uint32_t resolver;
	const char *name;
};

static bool name_eq(const void *x, const void *key)
{
	const struct dns_name_stat *n = x;
	const struct name_key *k = key;
	return n->resolver == k->resolver && strcasecmp(n->name, k->name) == 0;
}

static void name_init(void *e, const void *key)
{
	struct dns_name_stat *n = e;
	const struct name_key *k = key;
	n->resolver = k->resolver;
	snprintf(n->name, sizeof(n->name), "%s", k->name);
}

static uint64_t name_hash(const char *s, uint32_t resolver)
{
	char low[DNS_NAME_TEXT_MAX];
	size_t n = 0;
	for (; s[n] && n < sizeof(low) - 1; n++)
		low[n] = (char)(s[n] >= 'A' && s[n] <= 'Z' ? s[n] + 32 : s[n]);
	return hash_bytes(low, n, (uint64_t)resolver + 7);
}

/* The same question from the same client to the same server (address and session, not
 * port or transport): the key that pairs a truncated UDP answer with the TCP retry. */
static uint64_t dns_question_key(const struct flow *f, const struct dns_txn *t)
{
	struct app_endpoint srv, cli;
	app_endpoint_of(f, !t->client_dir, &srv);
	app_endpoint_of(f, t->client_dir, &cli);
	srv.port = cli.port = 0;
	srv.proto = cli.proto = 0;
	uint64_t h = name_hash(t->qname, t->qtype);
	h = hash_bytes(&srv, sizeof(srv), h);
	h = hash_bytes(&cli, sizeof(cli), h);
	return h ? h : 1;
}

/* A UDP answer with TC set is remembered; a TCP query for the same question from the same
 * client within DNS_TC_RETRY_NS is its retry, counted on the UDP resolver that truncated. */
static void dns_tc_retry(struct app_analyzer *a, const struct flow *f, const struct dns_txn *t,
			 long ri)
{
	if (!t->has_qname || t->name_status != DNS_NAME_OK || !t->has_qtype)
		return;
	if (t->proto == IPPROTO_NUM_UDP && t->has_response && t->tc) {
		struct dns_tc_pending *e = &a->tc_pending[a->tc_next++ % DNS_TC_PENDING];
		e->key = dns_question_key(f, t);
		e->resolver = ri;
		e->ts_ns = t->resp_ns;
		return;
	}
	if (t->proto != IPPROTO_NUM_TCP || !t->has_query)
		return;
	uint64_t key = dns_question_key(f, t);
	for (unsigned i = 0; i < DNS_TC_PENDING; i++) {
		struct dns_tc_pending *e = &a->tc_pending[i];
		if (e->key != key || t->query_ns < e->ts_ns || t->query_ns - e->ts_ns > DNS_TC_RETRY_NS)
			continue;
		struct dns_resolver *u = app_table_at(&a->resolvers, (size_t)e->resolver);
		u->tc_retried_tcp++;
		e->key = 0;
		return;
	}
}

static void dns_rollup(struct app_analyzer *a, const struct flow *f, const struct dns_txn *t)
{
	if (t->kind == DNS_KIND_MDNS) {
		a->mdns_messages++;
		return;
	}
	if (t->kind == DNS_KIND_LLMNR) {
		a->llmnr_messages++;
		return;
	}
	struct app_endpoint ep;
	app_endpoint_of(f, !t->client_dir, &ep);
	long ri = app_table_get(&a->resolvers, app_ep_hash(&ep), &ep, resolver_eq, resolver_init);
	if (ri < 0)
		return;
	struct dns_resolver *r = app_table_at(&a->resolvers, (size_t)ri);
	int64_t ts = t->has_query ? t->query_ns : t->resp_ns;
	dns_tc_retry(a, f, t, ri);
	if (ts < r->first_ns)
		r->first_ns = ts;
	if (ts > r->last_ns)
		r->last_ns = ts;
	if (t->has_response && t->resp_ns > r->last_ns)
		r->last_ns = t->resp_ns;
	r->queries += t->has_query;
	r->retransmissions += t->retransmissions;
	if (t->has_response) {
		r->rcode[t->rcode & 0xf]++;
		frameset_add(&r->rcode_frames[t->rcode & 0xf], t->resp_frame);
		r->tc += t->tc;
	}
	switch (t->outcome) {
	case DNS_ANSWERED:
		r->answered++;
		r->lat_n++;
		r->lat_sum_ns += t->latency_ns;
		if (t->latency_ns > r->lat_max_ns)
			r->lat_max_ns = t->latency_ns;
		break;
	case DNS_LATE: /* answered, but after the client's usual 5 s timeout */
		r->late++;
		r->answered++;
		r->timeouts++;
		frameset_add(&r->timeout_frames, t->query_frame);
		r->lat_n++;
		r->lat_sum_ns += t->latency_ns;
		if (t->latency_ns > r->lat_max_ns)
			r->lat_max_ns = t->latency_ns;
		break;
	case DNS_TIMEOUT:
		r->timeouts++;
		frameset_add(&r->timeout_frames, t->query_frame);
		if (!f->dir[!t->client_dir].packets)
			r->oneway_timeouts++;
		break;
	case DNS_CAPTURE_END:
		r->capture_end++;
		break;
	case DNS_UNMATCHED:
		r->unmatched++;
		break;
	case DNS_DROPPED:
		r->dropped++;
		break;
	case DNS_UNPAIRED:
		break;
	}
	if (!t->has_qname)
		return;
	struct name_key nk = {(uint32_t)ri, t->qname};
	long ni = app_table_get(&a->names, name_hash(t->qname, (uint32_t)ri), &nk, name_eq, name_init);
	if (ni < 0)
		return;
	struct dns_name_stat *n = app_table_at(&a->names, (size_t)ni);
	n->queries += t->has_query;
	if (t->has_response) {
		n->nxdomain += t->rcode == DNS_RCODE_NXDOMAIN;
		n->servfail += t->rcode == DNS_RCODE_SERVFAIL;
		n->refused += t->rcode == DNS_RCODE_REFUSED;
	}
	n->timeouts += t->outcome == DNS_TIMEOUT || t->outcome == DNS_LATE;
}

/* ---- records ----------------------------------------------------------------------- */

static void kendpoint(struct jsonw *w, const char *key, const struct flow *f, int d)
{
	struct app_endpoint e;
	char buf[64];
	app_endpoint_of(f, d, &e);
	app_endpoint_addr(&e, buf, sizeof(buf));
	jsonw_kstr(w, key, buf);
}

void app_ktime(struct jsonw *w, const char *key, int64_t ts)
{
	char buf[TIMEFMT_ISO_LEN];
	jsonw_kstr(w, key, timefmt_iso(ts, buf, sizeof(buf)));
}

void app_record_head(struct jsonw *w, const char *type, const struct flow *f, int client_dir)
{
	jsonw_obj_begin(w);
	jsonw_kstr(w, "type", type);
	jsonw_ku64(w, "flow", f->id);
	kendpoint(w, "client", f, client_dir);
	kendpoint(w, "server", f, !client_dir);
	if (f->session.has_id && (f->session.kind == TUN_VXLAN || f->session.kind == TUN_GENEVE))
		jsonw_ku64(w, "vni", f->session.id);
}

static void record_http(struct jsonw *w, const struct flow *f, const struct http_txn *t)
{
	static const char *const ends[] = {"done", "no_response", "capture_end", "overflow",
	                                   "unreadable"};
	app_record_head(w, "http", f, t->client_dir);
	if (t->has_req) {
		const struct http_req *r = &t->req;
		jsonw_kstr(w, "method", r->method);
		jsonw_kstr(w, "host", r->host);
		jsonw_kstr(w, "path", r->path);
		if (r->path_cut)
			jsonw_kbool(w, "path_cut", true);
		jsonw_ku64(w, "request_frame", r->frame);
		jsonw_ku64(w, "request_end_frame", r->end_frame);
		app_ktime(w, "request_time", r->ts_ns);
		if (r->content_length >= 0)
			jsonw_ki64(w, "request_content_length", r->content_length);
		if (!r->complete)
			jsonw_kbool(w, "request_incomplete", true);
	}
	if (t->has_resp) {
		const struct http_resp *r = &t->resp;
		jsonw_ku64(w, "status", r->status);
		jsonw_ku64(w, "response_frame", r->frame);
		jsonw_ku64(w, "response_end_frame", r->end_frame);
		app_ktime(w, "response_time", r->ts_ns);
		if (r->content_length >= 0)
			jsonw_ki64(w, "response_content_length", r->content_length);
		if (r->chunked)
			jsonw_kbool(w, "chunked", true);
		if (!r->complete)
			jsonw_kbool(w, "response_incomplete", true);
	}
	if (t->latency_ns >= 0)
		jsonw_kfixed(w, "latency", (double)t->latency_ns / 1e9, 6);
	if (t->ninterim) {
		jsonw_key(w, "interim");
		jsonw_arr_begin(w);
		for (unsigned i = 0; i < t->ninterim; i++) {
			jsonw_obj_begin(w);
			jsonw_ku64(w, "status", t->interim[i].status);
			jsonw_ku64(w, "frame", t->interim[i].frame);
			jsonw_obj_end(w);
		}
		jsonw_arr_end(w);
	}
	jsonw_kstr(w, "end", ends[t->end <= HTTP_END_UNREADABLE ? t->end : 0]);
	if ((t->has_req && t->req.partial) || (t->has_resp && t->resp.partial))
		jsonw_kbool(w, "partial", true);
	jsonw_obj_end(w);
	(void)jsonw_record_end(w);
}

static void record_dns(struct jsonw *w, const struct flow *f, const struct dns_txn *t)
{
	static const char *const kinds[] = {"dns", "mdns", "llmnr"};
	static const char *const outcomes[] = {"answered",  "timeout", "late",    "capture_end",
	                                       "unmatched", "dropped", "unpaired"};
	static const char *const name_err[] = {"", "truncated", "loop", "too_long", "bad_label"};
	char buf[16];
	app_record_head(w, "dns", f, t->client_dir);
	jsonw_kstr(w, "kind", kinds[t->kind <= DNS_KIND_LLMNR ? t->kind : 0]);
	jsonw_kstr(w, "proto", t->proto == IPPROTO_NUM_TCP ? "tcp" : "udp");
	jsonw_ku64(w, "id", t->id);
	if (t->has_qname)
		jsonw_kstr(w, "qname", t->qname);
	else if (t->name_status != DNS_NAME_OK)
		jsonw_kstr(w, "name_error",
		           name_err[t->name_status <= DNS_NAME_BAD_LABEL ? t->name_status : 0]);
	if (t->has_qtype) {
		jsonw_ku64(w, "qtype", t->qtype);
		jsonw_kstr(w, "qtype_name", dns_qtype_name(t->qtype, buf, sizeof(buf)));
	}
	if (t->has_query) {
		jsonw_ku64(w, "query_frame", t->query_frame);
		app_ktime(w, "query_time", t->query_ns);
		if (t->query_rcode)
			jsonw_ku64(w, "query_rcode", t->query_rcode);
		if (t->retransmissions) {
			jsonw_ku64(w, "retransmissions", t->retransmissions);
			jsonw_key(w, "retransmit_frames");
			jsonw_arr_begin(w);
			for (unsigned i = 0; i < t->nretx; i++)
				jsonw_u64(w, t->retx_frames[i]);
			jsonw_arr_end(w);
		}
	}
	if (t->has_response) {
		jsonw_ku64(w, "response_frame", t->resp_frame);
		app_ktime(w, "response_time", t->resp_ns);
		jsonw_ku64(w, "rcode", t->rcode);
		jsonw_kstr(w, "rcode_name", dns_rcode_name(t->rcode, buf, sizeof(buf)));
		jsonw_ku64(w, "answers", t->ancount);
		if (t->tc)
			jsonw_kbool(w, "tc", true);
		if (t->has_query && t->resp_qname_differs) {
			if (t->resp_has_qname)
				jsonw_kstr(w, "response_qname", t->resp_qname);
			else
				jsonw_kbool(w, "response_no_qname", true);
		}
	}
	if (t->latency_ns >= 0)
		jsonw_kfixed(w, "latency", (double)t->latency_ns / 1e9, 6);
	jsonw_kstr(w, "outcome", outcomes[t->outcome <= DNS_UNPAIRED ? t->outcome : 0]);
	jsonw_obj_end(w);
	(void)jsonw_record_end(w);
}

/* ---- the sink ---------------------------------------------------------------------- */

static void sink_http(void *ctx, const struct http_txn *t)
{
	struct app_analyzer *a = ctx;
	if (!a->cur)
		return;
	a->tot.http_txns++;
	a->tot.http_requests += t->has_req;
	a->tot.http_responses += t->has_resp;
	http_rollup(a, a->cur, t);
	if (a->records)
		record_http(a->records, a->cur, t);
}

static void sink_dns(void *ctx, const struct dns_txn *t)
{
	struct app_analyzer *a = ctx;
	if (!a->cur)
		return;
	a->tot.dns_queries += t->has_query;
	a->tot.dns_responses += t->has_response;
	a->tot.dns_timeouts += t->outcome == DNS_TIMEOUT || t->outcome == DNS_LATE;
	dns_rollup(a, a->cur, t);
	if (a->records)
		record_dns(a->records, a->cur, t);
}

static void sink_tls(void *ctx, const struct tls_txn *t)
{
	struct app_analyzer *a = ctx;
	if (a->cur)
		app_tls_txn(a, a->cur, t);
}

static void sink_sip(void *ctx, const struct sip_dialog *d)
{
	struct app_analyzer *a = ctx;
	if (a->cur)
		app_sip_dialog(a, a->cur, d);
}

static void sink_media(void *ctx, const struct sip_media *m)
{
	app_sip_media(ctx, m);
}

static void sink_rtp(void *ctx, const struct rtp_stream *r)
{
	struct app_analyzer *a = ctx;
	if (a->cur)
		app_rtp_stream(a, a->cur, r);
}

static void sink_of(struct app_analyzer *a, struct app_sink *k)
{
	memset(k, 0, sizeof(*k));
	k->http = sink_http;
	k->dns = sink_dns;
	k->tls = sink_tls;
	k->sip = sink_sip;
	k->media = sink_media;
	k->rtp = sink_rtp;
	k->ctx = a;
}

/* ---- the analyzer ------------------------------------------------------------------ */

struct app_analyzer *app_analyzer_new(void)
{
	struct app_analyzer *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	app_table_init(&a->servers, sizeof(struct http_server), APP_SERVERS_MAX);
	app_table_init(&a->paths, sizeof(struct http_path), APP_PATHS_MAX);
	app_table_init(&a->resolvers, sizeof(struct dns_resolver), APP_RESOLVERS_MAX);
	app_table_init(&a->names, sizeof(struct dns_name_stat), APP_NAMES_MAX);
	app_table_init(&a->tls_servers, sizeof(struct tls_server), APP_TLS_SERVERS_MAX);
	app_table_init(&a->sip_servers, sizeof(struct sip_server), APP_SIP_SERVERS_MAX);
	app_table_init(&a->rtp_streams, sizeof(struct rtp_entry), APP_RTP_STREAMS_MAX);
	app_table_init(&a->media, sizeof(struct app_media), APP_MEDIA_MAX);
	a->last_ns = INT64_MIN;
	return a;
}

void app_analyzer_free(struct app_analyzer *a)
{
	if (!a)
		return;
	app_table_fini(&a->servers);
	app_table_fini(&a->paths);
	app_table_fini(&a->resolvers);
	app_table_fini(&a->names);
	app_table_fini(&a->tls_servers);
	app_table_fini(&a->sip_servers);
	app_table_fini(&a->rtp_streams);
	app_table_fini(&a->media);
	app_classify_free(a->classify);
	free(a);
}

void app_set_records(struct app_analyzer *a, struct jsonw *w)
{
	a->records = w;
}

void app_set_parsing(struct app_analyzer *a, bool on)
{
	a->no_app = !on;
}

int app_set_classify(struct app_analyzer *a, bool on)
{
	if (!on) {
		app_classify_free(a->classify);
		a->classify = NULL;
		return 0;
	}
	if (a->classify)
		return 0;
	int err = app_classify_new(&a->classify);
	return err;
}

void app_totals(const struct app_analyzer *a, struct app_totals *t)
{
	*t = a->tot;
}

static void seg_of(const struct packet *p, struct app_seg *s)
{
	memset(s, 0, sizeof(*s));
	s->frame = p->frame;
	s->ts_ns = p->ts_ns;
	s->proto = p->proto;
	s->sport = p->sport;
	s->dport = p->dport;
	s->seq = p->seq;
	s->ack = p->ack;
	s->tcp_flags = p->proto == IPPROTO_NUM_TCP ? p->tcp_flags : 0;
	s->data = p->payload;
	s->len = p->payload ? p->payload_len : 0;
	s->caplen = p->payload ? p->payload_caplen : 0;
	if (s->caplen > s->len)
		s->caplen = s->len;
	if (p->is_fragment) {
		s->frag_id = p->frag_id;
		s->frag = p->frag_offset == 0 ? APP_FRAG_FIRST
		          : p->more_fragments ? APP_FRAG_MORE
		                              : APP_FRAG_LAST;
		if (s->frag != APP_FRAG_FIRST) {
			s->data = NULL;
			s->len = s->caplen = 0;
		}
	}
}

/* Which parser takes flow f, from packet s: a new app_flow, &a->never, or NULL (not yet). */
static void *decide(struct app_analyzer *a, const struct app_seg *s, const struct flow *f, int dir)
{
	bool stream_start = s->proto == IPPROTO_NUM_TCP && (f->dir[dir].tcp_flags & TCP_SYN) &&
	                    f->dir[dir].payload_bytes == s->len;
	const struct sip_media *media = s->proto == IPPROTO_NUM_UDP ? app_media_for(a, f) : NULL;
	if (media) {
		/* an SDP body named this flow's end: RTP (RFC 3264) */
		struct app_flow *af = malloc(sizeof(*af));
		void *conv = af ? rtp_conv_new(media) : NULL;
		if (!conv) {
			free(af);
			a->conv_alloc_failures++;
			return &a->never;
		}
		af->parser = &app_rtp_parser;
		af->conv = conv;
		a->rtp_flows++;
		return af;
	}
	bool all_never = true;
	for (size_t i = 0; i < sizeof(parsers) / sizeof(parsers[0]); i++) {
		enum app_detect d = parsers[i]->detect(s, dir, stream_start);
		if (d == APP_YES) {
			struct app_flow *af = malloc(sizeof(*af));
			void *conv = af ? parsers[i]->conv_new(s) : NULL;
			if (!conv) {
				free(af);
				a->conv_alloc_failures++;
				return &a->never;
			}
			af->parser = parsers[i];
			af->conv = conv;
			if (af->parser == &app_http_parser)
				a->tot.http_flows++;
			else if (af->parser == &app_dns_parser)
				a->tot.dns_flows++;
			else if (af->parser == &app_tls_parser)
				a->tls_flows++;
			else if (af->parser == &app_sip_parser)
				a->sip_flows++;
			else
				a->rtp_flows++;
			return af;
		}
		if (d != APP_NEVER)
			all_never = false;
	}
	if (all_never || f->dir[0].payload_bytes + f->dir[1].payload_bytes > APP_DETECT_WINDOW)
		return &a->never;
	return NULL;
}

void app_packet(struct app_analyzer *a, const struct packet *p, struct flow *f, int dir)
{
	if (!f || (p->proto != IPPROTO_NUM_TCP && p->proto != IPPROTO_NUM_UDP))
		return;
	bool later_fragment = p->is_fragment && p->frag_offset != 0;
	if (!p->has_l4 && !later_fragment)
		return;
	if (dir != 0 && dir != 1)
		return;
	if (p->ts_ns > a->last_ns)
		a->last_ns = p->ts_ns;
	if (a->classify)
		app_classify_packet(a->classify, p, f, dir);
	if (a->no_app || f->ext[1] == &a->never)
		return;
	struct app_seg s;
	seg_of(p, &s);
	s.peer_fresh = p->proto == IPPROTO_NUM_TCP && (f->dir[!dir].tcp_flags & TCP_SYN) &&
	               !f->dir[!dir].payload_bytes;
	if (!f->ext[1]) {
		if (later_fragment)
			return; /* no ports: the first fragment decides */
		f->ext[1] = decide(a, &s, f, dir);
		if (!f->ext[1] || f->ext[1] == &a->never)
			return;
		const struct app_parser *ap = ((struct app_flow *)f->ext[1])->parser;
		if (ap == &app_sip_parser || ap == &app_rtp_parser)
			f->class_hint = TC_VOICE + 1; /* the QoS class (traffic_class.h) */
	}
	struct app_flow *af = f->ext[1];
	struct app_sink k;
	sink_of(a, &k);
	a->cur = f;
	af->parser->conv_segment(af->conv, &s, dir, &k);
	a->cur = NULL;
	if (af->parser == &app_rtp_parser && f->class_hint && rtp_conv_dead(af->conv))
		f->class_hint = 0; /* a heuristic guess that showed no stream */
}

void app_flow_end(struct app_analyzer *a, struct flow *f)
{
	if (a->classify) {
		const struct app_flow *cf = f->ext[1];
		if (cf && f->ext[1] != &a->never)
			app_classify_parser(a->classify, f, cf->parser->name);
		app_classify_flow_end(a->classify, f);
	}
	if (!f->ext[1] || f->ext[1] == &a->never) {
		f->ext[1] = NULL;
		return;
	}
	struct app_flow *af = f->ext[1];
	struct app_sink k;
	sink_of(a, &k);
	a->cur = f;
	af->parser->conv_end(af->conv, a->last_ns, &k);
	a->cur = NULL;
	af->parser->conv_free(af->conv);
	free(af);
	f->ext[1] = NULL;
}
