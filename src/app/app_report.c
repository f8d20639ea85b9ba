/* app_report.c - the application roll-ups as JSON (the report's "application" value) and as
 * the 80-column "APPLICATION" section of the text report.  Orders are fixed (most traffic
 * first, then by address) so the output is deterministic.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_int.h"
#include "decode/ipaddr.h"

#define TEXT_WIDTH   80
#define TEXT_SERVERS 8  /* servers and resolvers shown in the text */
#define TEXT_SLOW    3  /* slowest responses shown per server */
#define TEXT_PATHS   4  /* failing paths / names shown per server / resolver */
#define JSON_PATHS   10 /* failing paths / names listed per server / resolver in JSON */
#define TEXT_ITEM    48 /* characters of a path or name in a text list */

/* ---- ordering ---------------------------------------------------------------------- */

static int ep_cmp(const struct app_endpoint *x, const struct app_endpoint *y)
{
	int c = ipaddr_cmp(&x->addr, &y->addr);
	if (c)
		return c;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	if (x->sess_id != y->sess_id)
		return x->sess_id < y->sess_id ? -1 : 1;
	return ipaddr_cmp(&x->sess_src, &y->sess_src);
}

static int by_server(const void *a, const void *b)
{
	const struct http_server *x = *(const struct http_server *const *)a;
	const struct http_server *y = *(const struct http_server *const *)b;
	uint64_t nx = x->responses + x->requests, ny = y->responses + y->requests;
	if (nx != ny)
		return nx > ny ? -1 : 1;
	return ep_cmp(&x->ep, &y->ep);
}

static int by_resolver(const void *a, const void *b)
{
	const struct dns_resolver *x = *(const struct dns_resolver *const *)a;
	const struct dns_resolver *y = *(const struct dns_resolver *const *)b;
	uint64_t nx = x->queries + x->unmatched, ny = y->queries + y->unmatched;
	if (nx != ny)
		return nx > ny ? -1 : 1;
	return ep_cmp(&x->ep, &y->ep);
}

static uint64_t path_errors(const struct http_path *p)
{
	return p->c4xx + p->c5xx + p->no_response;
}

/* By server, then most errors first, then path. */
static int by_path(const void *a, const void *b)
{
	const struct http_path *x = *(const struct http_path *const *)a;
	const struct http_path *y = *(const struct http_path *const *)b;
	if (x->server != y->server)
		return x->server < y->server ? -1 : 1;
	uint64_t ex = path_errors(x), ey = path_errors(y);
	if (ex != ey)
		return ex > ey ? -1 : 1;
	return strcmp(x->path, y->path);
}

static uint64_t name_failures(const struct dns_name_stat *n)
{
	return n->nxdomain + n->servfail + n->refused + n->timeouts;
}

static int by_name(const void *a, const void *b)
{
	const struct dns_name_stat *x = *(const struct dns_name_stat *const *)a;
	const struct dns_name_stat *y = *(const struct dns_name_stat *const *)b;
	if (x->resolver != y->resolver)
		return x->resolver < y->resolver ? -1 : 1;
	uint64_t ex = name_failures(x), ey = name_failures(y);
	if (ex != ey)
		return ex > ey ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int by_status(const void *a, const void *b)
{
	const struct http_code_stat *x = a, *y = b;
	return (x->status > y->status) - (x->status < y->status);
}

/* Pointers to every entry of t, sorted by cmp (NULL when empty or out of memory). */
static void **sorted(const struct app_table *t, int (*cmp)(const void *, const void *))
{
	if (!t->n)
		return NULL;
	void **v = malloc(t->n * sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < t->n; i++)
		v[i] = app_table_at(t, i);
	qsort(v, t->n, sizeof(*v), cmp);
	return v;
}

/* The first index in sorted paths/names (by owner) whose owner is `owner`. */
static size_t first_of(void **v, size_t n, uint32_t owner, bool paths)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		uint32_t o = paths ? ((const struct http_path *)v[mid])->server
		                   : ((const struct dns_name_stat *)v[mid])->resolver;
		if (o < owner)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t index_of(const struct app_table *t, const void *e)
{
	return (size_t)((const char *)e - (const char *)t->v) / t->esize;
}

/* ---- JSON -------------------------------------------------------------------------- */

static void json_latency(struct jsonw *w, int64_t sum, uint64_t n, int64_t max)
{
	jsonw_key(w, "latency");
	jsonw_obj_begin(w);
	jsonw_ku64(w, "samples", n);
	if (n) {
		jsonw_kfixed(w, "mean", (double)sum / (double)n / 1e9, 6);
		jsonw_kfixed(w, "max", (double)max / 1e9, 6);
	}
	jsonw_obj_end(w);
}

static void json_session(struct jsonw *w, const struct app_endpoint *e)
{
	char buf[160];
	app_endpoint_addr(e, buf, sizeof(buf));
	jsonw_kstr(w, "address", buf);
	app_endpoint_label(e, buf, sizeof(buf));
	jsonw_kstr(w, "label", buf);
	if (e->sess_has_id)
		jsonw_ku64(w, "session_id", e->sess_id);
}

static void json_server(struct jsonw *w, const struct app_analyzer *a, const struct http_server *s,
                        void **paths, size_t npaths)
{
	jsonw_obj_begin(w);
	json_session(w, &s->ep);
	if (s->host[0])
		jsonw_kstr(w, "host", s->host);
	jsonw_ku64(w, "requests", s->requests);
	jsonw_ku64(w, "responses", s->responses);
	jsonw_ku64(w, "no_response", s->no_response);
	jsonw_ku64(w, "pending_at_capture_end", s->capture_end);
	jsonw_ku64(w, "requests_server_side_not_captured", s->one_way);
	jsonw_ku64(w, "responses_unreadable", s->unreadable);
	jsonw_ku64(w, "responses_without_request", s->unmatched);
	jsonw_ku64(w, "partial", s->partial);
	jsonw_ku64(w, "interim", s->interim);
	struct http_code_stat codes[APP_CODES_MAX];
	memcpy(codes, s->codes, s->ncodes * sizeof(codes[0]));
	qsort(codes, s->ncodes, sizeof(codes[0]), by_status);
	jsonw_key(w, "status");
	jsonw_obj_begin(w);
	for (unsigned i = 0; i < s->ncodes; i++) {
		char k[8];
		snprintf(k, sizeof(k), "%u", codes[i].status);
		jsonw_ku64(w, k, codes[i].n);
	}
	jsonw_obj_end(w);
	jsonw_key(w, "classes");
	jsonw_obj_begin(w);
	static const char *const cls[] = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};
	for (int i = 1; i <= 5; i++)
		jsonw_ku64(w, cls[i], s->cls[i]);
	jsonw_ku64(w, cls[0], s->cls[0]);
	jsonw_obj_end(w);
	json_latency(w, s->lat_sum_ns, s->lat_n, s->lat_max_ns);
	jsonw_key(w, "slowest");
	jsonw_arr_begin(w);
	for (unsigned i = 0; i < s->nslow; i++) {
		const struct http_slow *x = &s->slow[i];
		jsonw_obj_begin(w);
		jsonw_kfixed(w, "latency", (double)x->latency_ns / 1e9, 6);
		jsonw_ku64(w, "status", x->status);
		jsonw_kstr(w, "method", x->method);
		jsonw_kstr(w, "path", x->path);
		jsonw_ku64(w, "frame", x->frame);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	jsonw_key(w, "error_paths");
	jsonw_arr_begin(w);
	uint32_t si = (uint32_t)index_of(&a->servers, s);
	size_t shown = 0;
	for (size_t i = paths ? first_of(paths, npaths, si, true) : 0;
	     paths && i < npaths && shown < JSON_PATHS; i++) {
		const struct http_path *p = paths[i];
		if (p->server != si || !path_errors(p))
			break;
		jsonw_obj_begin(w);
		jsonw_kstr(w, "path", p->path);
		jsonw_ku64(w, "requests", p->requests);
		jsonw_ku64(w, "4xx", p->c4xx);
		jsonw_ku64(w, "5xx", p->c5xx);
		jsonw_ku64(w, "no_response", p->no_response);
		if (p->first_err_frame)
			jsonw_ku64(w, "first_error_frame", p->first_err_frame);
		jsonw_obj_end(w);
		shown++;
	}
	jsonw_arr_end(w);
	jsonw_obj_end(w);
}

static void json_resolver(struct jsonw *w, const struct app_analyzer *a,
                          const struct dns_resolver *r, void **names, size_t nnames)
{
	char buf[16];
	jsonw_obj_begin(w);
	json_session(w, &r->ep);
	jsonw_kstr(w, "proto", r->ep.proto == IPPROTO_NUM_TCP ? "tcp" : "udp");
	jsonw_ku64(w, "queries", r->queries);
	jsonw_ku64(w, "answered", r->answered);
	jsonw_ku64(w, "timeouts", r->timeouts);
	jsonw_ku64(w, "answered_late", r->late);
	jsonw_ku64(w, "timeouts_resolver_side_not_captured", r->oneway_timeouts);
	jsonw_ku64(w, "pending_at_capture_end", r->capture_end);
	jsonw_ku64(w, "responses_without_query", r->unmatched);
	jsonw_ku64(w, "retransmissions", r->retransmissions);
	jsonw_ku64(w, "truncated_responses", r->tc);
	jsonw_ku64(w, "truncated_retried_tcp", r->tc_retried_tcp);
	jsonw_key(w, "rcodes");
	jsonw_obj_begin(w);
	for (unsigned i = 0; i < 16; i++)
		if (r->rcode[i])
			jsonw_ku64(w, dns_rcode_name(i, buf, sizeof(buf)), r->rcode[i]);
	jsonw_obj_end(w);
	json_latency(w, r->lat_sum_ns, r->lat_n, r->lat_max_ns);
	jsonw_key(w, "failing_names");
	jsonw_arr_begin(w);
	uint32_t ri = (uint32_t)index_of(&a->resolvers, r);
	size_t shown = 0;
	for (size_t i = names ? first_of(names, nnames, ri, false) : 0;
	     names && i < nnames && shown < JSON_PATHS; i++) {
		const struct dns_name_stat *n = names[i];
		if (n->resolver != ri || !name_failures(n))
			break;
		jsonw_obj_begin(w);
		jsonw_kstr(w, "name", n->name);
		jsonw_ku64(w, "queries", n->queries);
		jsonw_ku64(w, "nxdomain", n->nxdomain);
		jsonw_ku64(w, "servfail", n->servfail);
		jsonw_ku64(w, "refused", n->refused);
		jsonw_ku64(w, "timeouts", n->timeouts);
		jsonw_obj_end(w);
		shown++;
	}
	jsonw_arr_end(w);
	jsonw_obj_end(w);
}

void app_report_json(struct app_analyzer *a, struct jsonw *w)
{
	void **sv = sorted(&a->servers, by_server), **pv = sorted(&a->paths, by_path);
	void **rv = sorted(&a->resolvers, by_resolver), **nv = sorted(&a->names, by_name);
	jsonw_obj_begin(w);
	jsonw_key(w, "http");
	jsonw_obj_begin(w);
	jsonw_ku64(w, "flows", a->tot.http_flows);
	jsonw_ku64(w, "transactions", a->tot.http_txns);
	jsonw_ku64(w, "requests", a->tot.http_requests);
	jsonw_ku64(w, "responses", a->tot.http_responses);
	jsonw_key(w, "servers");
	jsonw_arr_begin(w);
	for (size_t i = 0; sv && i < a->servers.n; i++)
		json_server(w, a, sv[i], pv, a->paths.n);
	jsonw_arr_end(w);
	jsonw_ku64(w, "servers_not_tracked", a->servers.dropped);
	jsonw_ku64(w, "paths_not_tracked", a->paths.dropped);
	jsonw_obj_end(w);
	jsonw_key(w, "dns");
	jsonw_obj_begin(w);
	jsonw_ku64(w, "flows", a->tot.dns_flows);
	jsonw_ku64(w, "queries", a->tot.dns_queries);
	jsonw_ku64(w, "responses", a->tot.dns_responses);
	jsonw_ku64(w, "timeouts", a->tot.dns_timeouts);
	jsonw_ku64(w, "mdns_messages", a->mdns_messages);
	jsonw_ku64(w, "llmnr_messages", a->llmnr_messages);
	jsonw_key(w, "resolvers");
	jsonw_arr_begin(w);
	for (size_t i = 0; rv && i < a->resolvers.n; i++)
		json_resolver(w, a, rv[i], nv, a->names.n);
	jsonw_arr_end(w);
	jsonw_ku64(w, "resolvers_not_tracked", a->resolvers.dropped);
	jsonw_ku64(w, "names_not_tracked", a->names.dropped);
	jsonw_obj_end(w);
	app_voip_report_json(a, w);
	jsonw_obj_end(w);
	free(sv);
	free(pv);
	free(rv);
	free(nv);
}

/* ---- text -------------------------------------------------------------------------- */

static void line(struct strbuf *b, int indent, const char *text)
{
	for (int i = 0; i < indent; i++)
		strbuf_addc(b, ' ');
	strbuf_wrap(b, text, indent, indent + 4, TEXT_WIDTH);
}

static void fmt_latency(char *buf, size_t len, int64_t ns)
{
	if (ns < 1000000000)
		snprintf(buf, len, "%.1f ms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.3f s", (double)ns / 1e9);
}

/* Append to buf[*used..] (bounded). */
static void cat(char *buf, size_t len, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void cat(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	if (*used >= len)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *used, len - *used, fmt, ap);
	va_end(ap);
	if (n > 0)
		*used += (size_t)n;
	if (*used >= len)
		*used = len - 1;
}

static void text_server(struct strbuf *b, const struct app_analyzer *a, const struct http_server *s,
                        void **paths, size_t npaths)
{
	char t[600], lat[32], mx[32];
	size_t u = 0;
	app_endpoint_label(&s->ep, t, sizeof(t));
	u = strlen(t);
	if (s->host[0])
		cat(t, sizeof(t), &u, " (Host %s)", s->host);
	line(b, 4, t);
	u = 0;
	struct http_code_stat codes[APP_CODES_MAX];
	memcpy(codes, s->codes, s->ncodes * sizeof(codes[0]));
	qsort(codes, s->ncodes, sizeof(codes[0]), by_status);
	cat(t, sizeof(t), &u, "%llu requests, %llu responses", (unsigned long long)s->requests,
	    (unsigned long long)s->responses);
	for (unsigned i = 0; i < s->ncodes; i++)
		cat(t, sizeof(t), &u, "%s %u x%llu", i ? "," : ":", codes[i].status,
		    (unsigned long long)codes[i].n);
	if (s->no_response)
		cat(t, sizeof(t), &u, "; %llu without a response",
		    (unsigned long long)s->no_response);
	if (s->capture_end)
		cat(t, sizeof(t), &u, "; %llu still open at capture end",
		    (unsigned long long)s->capture_end);
	if (s->unreadable)
		cat(t, sizeof(t), &u,
		    "; %llu with responses that could not be read (lost segments)",
		    (unsigned long long)s->unreadable);
	if (s->one_way)
		cat(t, sizeof(t), &u, "; %llu on flows where nothing from the server was captured",
		    (unsigned long long)s->one_way);
	line(b, 6, t);
	if (s->lat_n) {
		fmt_latency(lat, sizeof(lat), s->lat_sum_ns / (int64_t)s->lat_n);
		fmt_latency(mx, sizeof(mx), s->lat_max_ns);
		u = 0;
		cat(t, sizeof(t), &u, "request to first response byte: mean %s, max %s", lat, mx);
		line(b, 6, t);
	}
	for (unsigned i = 0; i < s->nslow && i < TEXT_SLOW && s->slow[i].latency_ns >= 1000000;
	     i++) {
		/* one line each, columns kept: the path is cut to fit */
		const struct http_slow *x = &s->slow[i];
		char fr[32];
		fmt_latency(lat, sizeof(lat), x->latency_ns);
		snprintf(fr, sizeof(fr), " (frame %llu)", (unsigned long long)x->frame);
		int n = snprintf(t, sizeof(t), "      %-7s %10s %3u %s ", i ? "" : "slowest", lat,
		                 x->status, x->method);
		int room = TEXT_WIDTH - n - (int)strlen(fr);
		if (room < 8)
			room = 8;
		strbuf_adds(b, t);
		strbuf_addf(b, "%.*s%s\n", room, x->path, fr);
	}
	uint32_t si = (uint32_t)index_of(&a->servers, s);
	u = 0;
	size_t shown = 0;
	for (size_t i = paths ? first_of(paths, npaths, si, true) : 0;
	     paths && i < npaths && shown < TEXT_PATHS; i++) {
		const struct http_path *p = paths[i];
		if (p->server != si || !path_errors(p))
			break;
		char cut[TEXT_ITEM + 1];
		cat(t, sizeof(t), &u, "%s %s", shown ? ";" : "failing",
		    app_shorten(p->path, false, TEXT_ITEM, cut, sizeof(cut)));
		if (p->c5xx || p->c4xx)
			cat(t, sizeof(t), &u, " %u x%llu", p->last_err,
			    (unsigned long long)(p->c4xx + p->c5xx));
		if (p->no_response)
			cat(t, sizeof(t), &u, " no response x%llu",
			    (unsigned long long)p->no_response);
		shown++;
	}
	if (shown)
		line(b, 6, t);
}

static void text_resolver(struct strbuf *b, const struct app_analyzer *a,
                          const struct dns_resolver *r, void **names, size_t nnames)
{
	char t[600], lat[32], mx[32], rc[16];
	size_t u = 0;
	app_endpoint_label(&r->ep, t, sizeof(t));
	if (r->ep.proto == IPPROTO_NUM_TCP) {
		u = strlen(t);
		cat(t, sizeof(t), &u, " (tcp)");
	}
	line(b, 4, t);
	u = 0;
	cat(t, sizeof(t), &u, "%llu queries, %llu answered", (unsigned long long)r->queries,
	    (unsigned long long)r->answered);
	bool first = true;
	for (unsigned i = 0; i < 16; i++) {
		if (!r->rcode[i])
			continue;
		cat(t, sizeof(t), &u, "%s %s x%llu", first ? ":" : ",",
		    dns_rcode_name(i, rc, sizeof(rc)), (unsigned long long)r->rcode[i]);
		first = false;
	}
	if (r->timeouts)
		cat(t, sizeof(t), &u, "; %llu timed out (no answer in 5 s%s)",
		    (unsigned long long)r->timeouts, r->late ? ", some answered later" : "");
	if (r->unmatched)
		cat(t, sizeof(t), &u, "; %llu answers without a query",
		    (unsigned long long)r->unmatched);
	if (r->retransmissions)
		cat(t, sizeof(t), &u, "; %llu retransmitted queries",
		    (unsigned long long)r->retransmissions);
	if (r->tc)
		cat(t, sizeof(t), &u, "; %llu truncated answers, %llu retried over TCP",
		    (unsigned long long)r->tc, (unsigned long long)r->tc_retried_tcp);
	line(b, 6, t);
	if (r->lat_n) {
		fmt_latency(lat, sizeof(lat), r->lat_sum_ns / (int64_t)r->lat_n);
		fmt_latency(mx, sizeof(mx), r->lat_max_ns);
		u = 0;
		cat(t, sizeof(t), &u, "latency mean %s, max %s", lat, mx);
		line(b, 6, t);
	}
	uint32_t ri = (uint32_t)index_of(&a->resolvers, r);
	u = 0;
	size_t shown = 0;
	for (size_t i = names ? first_of(names, nnames, ri, false) : 0;
	     names && i < nnames && shown < TEXT_PATHS; i++) {
		const struct dns_name_stat *n = names[i];
		if (n->resolver != ri || !name_failures(n))
			break;
		char cut[TEXT_ITEM + 1];
		cat(t, sizeof(t), &u, "%s %s", shown ? ";" : "failing",
		    app_shorten(n->name, true, TEXT_ITEM, cut, sizeof(cut)));
		if (n->servfail)
			cat(t, sizeof(t), &u, " SERVFAIL x%llu", (unsigned long long)n->servfail);
		if (n->nxdomain)
			cat(t, sizeof(t), &u, " NXDOMAIN x%llu", (unsigned long long)n->nxdomain);
		if (n->refused)
			cat(t, sizeof(t), &u, " REFUSED x%llu", (unsigned long long)n->refused);
		if (n->timeouts)
			cat(t, sizeof(t), &u, " timeout x%llu", (unsigned long long)n->timeouts);
		shown++;
	}
	if (shown)
		line(b, 6, t);
}

void app_report_text(struct app_analyzer *a, struct strbuf *b)
{
	if (!a->servers.n && !a->resolvers.n && !a->mdns_messages && !a->llmnr_messages &&
	    !app_voip_any(a))
		return;
	void **sv = sorted(&a->servers, by_server), **pv = sorted(&a->paths, by_path);
	void **rv = sorted(&a->resolvers, by_resolver), **nv = sorted(&a->names, by_name);
	char t[256];
	strbuf_adds(b, "APPLICATION (HTTP/1.x, DNS, TLS, SIP, RTP)\n");
	if (a->servers.n) {
		snprintf(t, sizeof(t), "HTTP %llu transactions on %llu connections, %zu servers",
		         (unsigned long long)a->tot.http_txns,
		         (unsigned long long)a->tot.http_flows, a->servers.n);
		line(b, 2, t);
		for (size_t i = 0; sv && i < a->servers.n && i < TEXT_SERVERS; i++)
			text_server(b, a, sv[i], pv, a->paths.n);
		if (a->servers.n > TEXT_SERVERS)
			strbuf_addf(b, "    ... and %zu more servers (--json lists all)\n",
			            a->servers.n - TEXT_SERVERS);
	}
	if (a->resolvers.n) {
		snprintf(t, sizeof(t), "DNS %llu queries on %llu flows, %zu resolvers",
		         (unsigned long long)a->tot.dns_queries,
		         (unsigned long long)a->tot.dns_flows, a->resolvers.n);
		line(b, 2, t);
		for (size_t i = 0; rv && i < a->resolvers.n && i < TEXT_SERVERS; i++)
			text_resolver(b, a, rv[i], nv, a->names.n);
		if (a->resolvers.n > TEXT_SERVERS)
			strbuf_addf(b, "    ... and %zu more resolvers (--json lists all)\n",
			            a->resolvers.n - TEXT_SERVERS);
	}
	if (a->mdns_messages || a->llmnr_messages) {
		snprintf(t, sizeof(t), "multicast name resolution: %llu mDNS, %llu LLMNR messages",
		         (unsigned long long)a->mdns_messages,
		         (unsigned long long)a->llmnr_messages);
		line(b, 2, t);
	}
	app_voip_report_text(a, b);
	strbuf_addc(b, '\n');
	free(sv);
	free(pv);
	free(rv);
	free(nv);
}
