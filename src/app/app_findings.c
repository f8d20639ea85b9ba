/* app_findings.c - application findings from the HTTP and DNS roll-ups (area "app").
 *
 * Thresholds, stated once here and shown in each finding's facts:
 *   app.http_5xx          a server with >= 3 responses 502/503/504, or with >= 10% of its
 *                         responses 5xx (at least one); high when >= 10% and >= 3, else
 *                         medium.  A 5xx code whose latencies cluster (>= 80% within -5%..+10%
 *                         of their median, median >= 0.5 s) is called a fixed timeout.
 *   app.http_no_response  >= 3 requests to a server, and >= 10% of its requests, got no
 *                         response before the connection closed or 5 s passed: medium.
 *   app.dns_servfail      a resolver with >= 3 SERVFAIL answers, or >= 10% of its answers
 *   app.dns_timeout       ... >= 3 queries unanswered for 5 s, or >= 10% of its queries:
 *                         low below 3, medium from 3, high from 10 with >= 10%.
 *   app.dns_nxdomain      >= 10 NXDOMAIN answers, or >= 25% of the answers: info below 3,
 *                         low from 3, medium when one name got >= 10 (clients retrying a name
 *                         that does not exist).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_int.h"
#include "decode/ipaddr.h"

#define HTTP_GW_MIN            3
#define HTTP_5XX_SHARE         0.10
#define HTTP_5XX_HIGH_MIN      3
#define HTTP_NORESP_MIN        3
#define HTTP_NORESP_SHARE      0.10
#define TIMEOUT_CLUSTER_SHARE  0.8
#define TIMEOUT_CLUSTER_MIN_NS INT64_C(500000000)
#define DNS_FAIL_MIN           3
#define DNS_FAIL_SHARE         0.10
#define DNS_FAIL_HIGH          10
#define DNS_NX_MIN             10
#define DNS_NX_SHARE           0.25
#define DNS_NX_NAME_MEDIUM     10
#define TOP_NAMES              3

#define LIST_ITEM_MAX 48 /* chars of one path or name in a list */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Do the code's latencies sit at one fixed delay?  *median set either way. */
static bool fixed_delay(const struct http_code_stat *c, int64_t *median)
{
	*median = 0;
	if (c->nlat < 2)
		return false;
	int64_t v[APP_LAT_SAMPLES];
	memcpy(v, c->lat, c->nlat * sizeof(v[0]));
	qsort(v, c->nlat, sizeof(v[0]), cmp_i64);
	int64_t m = v[c->nlat / 2];
	*median = m;
	if (m < TIMEOUT_CLUSTER_MIN_NS)
		return false;
	unsigned near = 0;
	for (unsigned i = 0; i < c->nlat; i++)
		if (v[i] >= m - m / 20 && v[i] <= m + m / 10)
			near++;
	return near >= TIMEOUT_CLUSTER_SHARE * c->nlat;
}

static const struct http_code_stat *top_code(const struct http_server *s, unsigned lo, unsigned hi,
                                             uint64_t *total, unsigned *ncodes)
{
	const struct http_code_stat *best = NULL;
	*total = 0;
	*ncodes = 0;
	for (unsigned i = 0; i < s->ncodes; i++) {
		const struct http_code_stat *c = &s->codes[i];
		if (c->status < lo || c->status > hi)
			continue;
		*total += c->n;
		(*ncodes)++;
		if (!best || c->n > best->n || (c->n == best->n && c->status < best->status))
			best = c;
	}
	return best;
}

/* "/a (4), /b (3)": the server's paths with 5xx answers, most first. */
static void failing_paths(const struct app_analyzer *a, uint32_t si, char *buf, size_t len,
                          uint64_t *npaths)
{
	const struct http_path *top[4] = {0};
	*npaths = 0;
	for (size_t i = 0; i < a->paths.n; i++) {
		const struct http_path *p = app_table_at(&a->paths, i);
		if (p->server != si || !p->c5xx)
			continue;
		(*npaths)++;
		for (unsigned j = 0; j < 4; j++) {
			if (!top[j] || p->c5xx > top[j]->c5xx ||
			    (p->c5xx == top[j]->c5xx && strcmp(p->path, top[j]->path) < 0)) {
				memmove(&top[j + 1], &top[j], (3 - j) * sizeof(top[0]));
				top[j] = p;
				break;
			}
		}
	}
	size_t u = 0;
	buf[0] = 0;
	for (unsigned j = 0; j < 4 && top[j] && u < len; j++) {
		char cut[LIST_ITEM_MAX + 1];
		u += (size_t)snprintf(
		    buf + u, len - u, "%s%s (%llu)", j ? ", " : "",
		    app_shorten(top[j]->path, false, LIST_ITEM_MAX, cut, sizeof(cut)),
		    (unsigned long long)top[j]->c5xx);
	}
	if (*npaths > 4 && u < len)
		snprintf(buf + u, len - u, ", ...");
}

/* Another server that got requests for the same failing paths and left some unanswered:
 * the upstream, when the failing server is a proxy.  Its index, or -1.  The answer is the
 * server of the first match in (failing path, other path) table order, among si's first 64
 * failing paths (a few tell it; this bounds the search): one pass over the table finds it. */
#define UPSTREAM_LOOK 64
static long upstream_silent(const struct app_analyzer *a, uint32_t si, uint64_t *count)
{
	const struct http_path *fail[UPSTREAM_LOOK];
	unsigned nfail = 0;
	*count = 0;
	for (size_t i = 0; i < a->paths.n && nfail < UPSTREAM_LOOK; i++) {
		const struct http_path *p = app_table_at(&a->paths, i);
		if (p->server == si && p->c5xx)
			fail[nfail++] = p;
	}
	unsigned best_f = nfail; /* position in fail[] of the best match so far */
	long best = -1;
	for (size_t j = 0; j < a->paths.n && best_f > 0; j++) {
		const struct http_path *q = app_table_at(&a->paths, j);
		if (q->server == si || !q->no_response)
			continue;
		for (unsigned f = 0; f < best_f; f++) {
			if (strcmp(q->path, fail[f]->path) == 0) {
				/* an earlier failing path (for the same one, the first j stays) */
				best_f = f;
				best = (long)q->server;
				break;
			}
		}
	}
	if (best >= 0) {
		const struct http_server *up = app_table_at(&a->servers, (size_t)best);
		*count = up->no_response;
	}
	return best;
}

static void http_5xx(const struct app_analyzer *a, uint32_t si, struct finding_list *out)
{
	const struct http_server *s = app_table_at(&a->servers, si);
	uint64_t n5 = s->cls[5], gw = 0, total;
	unsigned ncodes, ngw;
	if (!n5 || !s->responses)
		return;
	const struct http_code_stat *top = top_code(s, 500, 599, &total, &ncodes);
	top_code(s, 502, 504, &gw, &ngw);
	double share = (double)n5 / (double)s->responses;
	if (gw < HTTP_GW_MIN && share < HTTP_5XX_SHARE)
		return;
	struct finding *f = findings_add(out);
	if (!f)
		return;
	char label[200], paths[200];
	uint64_t npaths;
	app_endpoint_label(&s->ep, label, sizeof(label));
	failing_paths(a, si, paths, sizeof(paths), &npaths);
	f->severity = share >= HTTP_5XX_SHARE && n5 >= HTTP_5XX_HIGH_MIN ? SEV_HIGH : SEV_MEDIUM;
	f->impact = (double)n5;
	snprintf(f->area, sizeof(f->area), "app");
	snprintf(f->kind, sizeof(f->kind), "app.http_5xx");
	char addr[64];
	app_endpoint_addr(&s->ep, addr, sizeof(addr));
	if (ncodes == 1)
		snprintf(f->title, sizeof(f->title),
		         "%llu of %llu HTTP responses from %s were %u %s", (unsigned long long)n5,
		         (unsigned long long)s->responses, addr, top->status,
		         http_status_text(top->status));
	else
		snprintf(f->title, sizeof(f->title),
		         "%llu of %llu HTTP responses from %s were server errors (5xx), most %u %s",
		         (unsigned long long)n5, (unsigned long long)s->responses, addr,
		         top->status, http_status_text(top->status));
	snprintf(f->where, sizeof(f->where), "%s%s%s%s; paths %s", label,
	         s->host[0] ? " (Host " : "", s->host, s->host[0] ? ")" : "",
	         paths[0] ? paths : "unknown (no request seen)");
	finding_fact(f, "responses", (double)s->responses, "");
	finding_fact(f, "5xx responses", (double)n5, "");
	finding_fact(f, "5xx share", share * 100, "%");
	for (unsigned i = 0; i < s->ncodes && f->nfacts < FINDING_MAX_FACTS - 3; i++) {
		const struct http_code_stat *c = &s->codes[i];
		if (c->status < 500 || c->status > 599 || ncodes == 1)
			continue;
		char name[48];
		snprintf(name, sizeof(name), "%u responses", c->status);
		finding_fact(f, name, (double)c->n, "");
	}
	int64_t median = 0;
	bool fixed = fixed_delay(top, &median);
	if (top->lat_n) {
		char name[48];
		snprintf(name, sizeof(name), "%u latency min", top->status);
		finding_fact(f, name, (double)top->lat_min_ns / 1e6, "ms");
		snprintf(name, sizeof(name), "%u latency max", top->status);
		finding_fact(f, name, (double)top->lat_max_ns / 1e6, "ms");
	}
	finding_fact(f, "paths with 5xx", (double)npaths, "");
	for (unsigned i = 0; i < top->frames.n; i++)
		finding_frame(f, top->frames.f[i]);
	for (unsigned i = 0; i < s->err_frames.n; i++)
		finding_frame(f, s->err_frames.f[i]);
	char extra[64];
	if (ncodes == 1)
		snprintf(extra, sizeof(extra), "http.response.code == %u", top->status);
	else
		snprintf(extra, sizeof(extra), "http.response.code >= 500");
	app_endpoint_filter(&s->ep, true, extra, f->display_filter, sizeof(f->display_filter));
	f->first_ns = s->err_first_ns == INT64_MAX ? 0 : s->err_first_ns;
	f->last_ns = s->err_last_ns;
	f->confidence = CONF_HIGH;
	snprintf(
	    f->raise_confidence, sizeof(f->raise_confidence),
	    "compare with the server's access and error logs for these paths and times; mirror "
	    "its upstream's side too");

	uint64_t silent = 0;
	long up = upstream_silent(a, si, &silent);
	char upstream[200] = "";
	if (up >= 0) {
		char ua[64];
		app_endpoint_addr(
		    &((const struct http_server *)app_table_at(&a->servers, (size_t)up))->ep, ua,
		    sizeof(ua));
		snprintf(upstream, sizeof(upstream),
		         "; requests for the same paths to %s got no response there (%llu): that "
		         "upstream is the one not answering",
		         ua, (unsigned long long)silent);
	}
	double secs = round((double)median / 1e8) / 10.0;
	switch (top->status) {
	case 504:
		if (fixed)
			snprintf(
			    f->cause, sizeof(f->cause),
			    "%s answered 504 after %.3f to %.3f s (median %.3f s) each time: a "
			    "proxy or load balancer there gives up on its upstream after a fixed "
			    "~%g s (an upstream timeout such as nginx proxy_read_timeout, or a "
			    "load "
			    "balancer's); the upstream is slow or its replies are lost on the way "
			    "back%s",
			    addr, (double)top->lat_min_ns / 1e9, (double)top->lat_max_ns / 1e9,
			    (double)median / 1e9, secs, upstream);
		else
			snprintf(
			    f->cause, sizeof(f->cause),
			    "%s is a gateway or proxy whose upstream did not answer in time (504 "
			    "after %.3f to %.3f s)%s",
			    addr, (double)top->lat_min_ns / 1e9, (double)top->lat_max_ns / 1e9,
			    upstream);
		snprintf(
		    f->action, sizeof(f->action),
		    "find why the upstream takes longer than %s: look at the upstream's own "
		    "findings in this report (retransmissions, an MTU black hole, requests without "
		    "a response) and its logs; raise the proxy timeout only if the work really "
		    "needs more time",
		    fixed ? "that timeout" : "the proxy's timeout");
		break;
	case 502:
		snprintf(
		    f->cause, sizeof(f->cause),
		    "%s is a gateway or proxy that got no valid answer from its upstream "
		    "(connection refused or reset, or a malformed response): the upstream crashed, "
		    "restarted, is not listening or closes idle connections first%s",
		    addr, upstream);
		snprintf(f->action, sizeof(f->action),
		         "check the upstream is up and listening, its health checks, and that its "
		         "keep-alive timeout is longer than the proxy's");
		break;
	case 503:
		snprintf(
		    f->cause, sizeof(f->cause),
		    "%s reports the service unavailable: no healthy upstream targets, overload or "
		    "rate limiting, or maintenance%s",
		    addr, upstream);
		snprintf(
		    f->action, sizeof(f->action),
		    "check the target health and capacity behind %s (load balancer target groups, "
		    "autoscaling, rate limits)",
		    addr);
		break;
	default:
		snprintf(f->cause, sizeof(f->cause),
		         "the application at %s failed handling these requests (%u %s)%s", addr,
		         top->status, http_status_text(top->status), upstream);
		snprintf(f->action, sizeof(f->action),
		         "look at the application's error log for the paths and times listed");
		break;
	}
}

static void http_no_response(const struct app_analyzer *a, uint32_t si, struct finding_list *out)
{
	const struct http_server *s = app_table_at(&a->servers, si);
	if (s->no_response < HTTP_NORESP_MIN ||
	    (double)s->no_response < HTTP_NORESP_SHARE * (double)s->requests)
		return;
	struct finding *f = findings_add(out);
	if (!f)
		return;
	char label[200], addr[64];
	app_endpoint_label(&s->ep, label, sizeof(label));
	app_endpoint_addr(&s->ep, addr, sizeof(addr));
	f->severity = SEV_MEDIUM;
	f->impact = (double)s->no_response;
	snprintf(f->area, sizeof(f->area), "app");
	snprintf(f->kind, sizeof(f->kind), "app.http_no_response");
	snprintf(f->title, sizeof(f->title), "%llu of %llu HTTP requests to %s got no response",
	         (unsigned long long)s->no_response, (unsigned long long)s->requests, addr);
	snprintf(f->where, sizeof(f->where), "%s%s%s%s", label, s->host[0] ? " (Host " : "",
	         s->host, s->host[0] ? ")" : "");
	finding_fact(f, "requests", (double)s->requests, "");
	finding_fact(f, "without a response", (double)s->no_response, "");
	finding_fact(f, "share", 100.0 * (double)s->no_response / (double)s->requests, "%");
	finding_fact(f, "responses", (double)s->responses, "");
	for (unsigned i = 0; i < s->noresp_frames.n; i++)
		finding_frame(f, s->noresp_frames.f[i]);
	app_endpoint_filter(&s->ep, false, "http.request && !http.response_in", f->display_filter,
	                    sizeof(f->display_filter));
	f->first_ns = s->first_ns == INT64_MAX ? 0 : s->first_ns;
	f->last_ns = s->last_ns;
	snprintf(
	    f->cause, sizeof(f->cause),
	    "the connection closed, or stayed silent for 5 s or more, before %s answered: the "
	    "server hangs or is overloaded, or its responses are lost on the way back (see the "
	    "TCP and MTU findings for the same server); a client or proxy timeout then gives "
	    "up",
	    addr);
	snprintf(f->action, sizeof(f->action),
	         "check the server's logs for these requests and whether its responses leave it "
	         "(capture on the server), and the path back for loss or an MTU black hole");
	f->confidence = CONF_MEDIUM;
	snprintf(f->raise_confidence, sizeof(f->raise_confidence),
	         "make sure the mirror carries both directions: a one-way mirror hides responses");
}

/* Cut suffix (a name) to the labels it shares at its end with name (case aside). */
static void common_suffix(char *suffix, const char *name)
{
	size_t a = strlen(suffix), b = strlen(name), k = 0;
	while (k < a && k < b) {
		char x = suffix[a - 1 - k], y = name[b - 1 - k];
		if ((x | 0x20) != (y | 0x20))
			break;
		k++;
	}
	/* back to a label boundary in both */
	while (k > 0 &&
	       !((k == a || suffix[a - k - 1] == '.') && (k == b || name[b - k - 1] == '.')))
		k--;
	memmove(suffix, suffix + a - k, k + 1);
}

/* The resolver's top names by one counter: "a (6), b (3)"; *top = the first's count;
 * zone = the labels all of them end in ("" when none or a single name). */
static void top_names(const struct app_analyzer *a, uint32_t ri, int what, char *buf, size_t len,
                      uint64_t *nnames, uint64_t *top, const char **topname, char *zone)
{
	zone[0] = 0;
	const struct dns_name_stat *best[TOP_NAMES] = {0};
	uint64_t bv[TOP_NAMES] = {0};
	*nnames = 0;
	*top = 0;
	*topname = NULL;
	for (size_t i = 0; i < a->names.n; i++) {
		const struct dns_name_stat *n = app_table_at(&a->names, i);
		if (n->resolver != ri)
			continue;
		uint64_t v = what == 2 ? n->servfail : what == 3 ? n->nxdomain : n->timeouts;
		if (!v)
			continue;
		if (!*nnames)
			snprintf(zone, DNS_NAME_TEXT_MAX, "%s", n->name);
		else
			common_suffix(zone, n->name);
		(*nnames)++;
		for (unsigned j = 0; j < TOP_NAMES; j++) {
			if (!best[j] || v > bv[j] ||
			    (v == bv[j] && strcmp(n->name, best[j]->name) < 0)) {
				memmove(&best[j + 1], &best[j],
				        (TOP_NAMES - 1 - j) * sizeof(best[0]));
				memmove(&bv[j + 1], &bv[j], (TOP_NAMES - 1 - j) * sizeof(bv[0]));
				best[j] = n;
				bv[j] = v;
				break;
			}
		}
	}
	size_t u = 0;
	buf[0] = 0;
	for (unsigned j = 0; j < TOP_NAMES && best[j] && u < len; j++) {
		char cut[LIST_ITEM_MAX + 1];
		u += (size_t)snprintf(
		    buf + u, len - u, "%s%s (%llu)", j ? ", " : "",
		    app_shorten(best[j]->name, true, LIST_ITEM_MAX, cut, sizeof(cut)),
		    (unsigned long long)bv[j]);
	}
	if (*nnames > TOP_NAMES && u < len)
		snprintf(buf + u, len - u, ", ...");
	if (best[0]) {
		*top = bv[0];
		*topname = best[0]->name;
	}
	if (*nnames < 2 || !strchr(zone, '.'))
		zone[0] = 0; /* one name, or only a top-level domain in common */
}

/* what: 2 SERVFAIL, 3 NXDOMAIN, -1 timeouts. */
static void dns_finding(const struct app_analyzer *a, uint32_t ri, int what,
                        struct finding_list *out)
{
	const struct dns_resolver *r = app_table_at(&a->resolvers, ri);
	uint64_t answers = 0;
	for (unsigned i = 0; i < 16; i++)
		answers += r->rcode[i];
	uint64_t n = what < 0 ? r->timeouts : r->rcode[what];
	uint64_t base = what < 0 ? r->queries : answers;
	uint64_t split = 0;
	if (what < 0) {
		/* A query on a flow with nothing from the resolver, and an answer on another flow
		 * with no query: one exchange seen as two flows (the mirror or tunnel carries
		 * the directions in different sessions).  Those are no timeouts. */
		uint64_t unmatched = 0;
		for (size_t i = 0; i < a->resolvers.n; i++) {
			const struct dns_resolver *o = app_table_at(&a->resolvers, i);
			if (ipaddr_eq(&o->ep.addr, &r->ep.addr) && o->ep.port == r->ep.port)
				unmatched += o->unmatched; /* in any session */
		}
		split = r->oneway_timeouts < unmatched ? r->oneway_timeouts : unmatched;
		n -= split;
	}
	if (!n || !base)
		return;
	double share = (double)n / (double)base;
	char names[240], zone[DNS_NAME_TEXT_MAX];
	uint64_t nnames, topn;
	const char *topname;
	top_names(a, ri, what, names, sizeof(names), &nnames, &topn, &topname, zone);
	enum severity sev;
	if (what == DNS_RCODE_NXDOMAIN) {
		if (n < DNS_NX_MIN && share < DNS_NX_SHARE)
			return;
		sev = topn >= DNS_NX_NAME_MEDIUM ? SEV_MEDIUM
		      : n >= DNS_FAIL_MIN        ? SEV_LOW
		                                 : SEV_INFO;
	} else {
		if (n < DNS_FAIL_MIN && share < DNS_FAIL_SHARE)
			return;
		sev = n >= DNS_FAIL_HIGH && share >= DNS_FAIL_SHARE ? SEV_HIGH
		      : n >= DNS_FAIL_MIN                           ? SEV_MEDIUM
		                                                    : SEV_LOW;
	}
	struct finding *f = findings_add(out);
	if (!f)
		return;
	char label[200], addr[64];
	app_endpoint_label(&r->ep, label, sizeof(label));
	app_endpoint_addr(&r->ep, addr, sizeof(addr));
	f->severity = sev;
	f->impact = (double)n;
	snprintf(f->area, sizeof(f->area), "app");
	const char *what_s = what == 2 ? "SERVFAIL" : what == 3 ? "NXDOMAIN" : NULL;
	snprintf(f->kind, sizeof(f->kind), "app.dns_%s",
	         what == 2   ? "servfail"
	         : what == 3 ? "nxdomain"
	                     : "timeout");
	char subject[160], cut[LIST_ITEM_MAX + 1];
	if (topname)
		topname = app_shorten(topname, true, LIST_ITEM_MAX, cut, sizeof(cut));
	if (topname && topn == n)
		snprintf(subject, sizeof(subject), "%llu %s for %s", (unsigned long long)n,
		         n == 1 ? "query" : "queries", topname);
	else if (topname && topn * 2 >= n)
		snprintf(subject, sizeof(subject), "%llu queries (%llu for %s)",
		         (unsigned long long)n, (unsigned long long)topn, topname);
	else if (zone[0])
		snprintf(subject, sizeof(subject), "%llu queries for %llu names under %s",
		         (unsigned long long)n, (unsigned long long)nnames,
		         app_shorten(zone, true, LIST_ITEM_MAX, cut, sizeof(cut)));
	else
		snprintf(subject, sizeof(subject), "%llu queries for %llu names",
		         (unsigned long long)n, (unsigned long long)nnames);
	if (what_s)
		snprintf(f->title, sizeof(f->title), "The resolver %s answered %s to %s", addr,
		         what_s, subject);
	else
		snprintf(f->title, sizeof(f->title), "The resolver %s did not answer %s within 5 s",
		         addr, subject);
	snprintf(f->where, sizeof(f->where), "%s; names %s", label, names[0] ? names : "-");
	finding_fact(f, "queries", (double)r->queries, "");
	finding_fact(f, "answers", (double)answers, "");
	finding_fact(f, what_s ? what_s : "unanswered queries", (double)n, "");
	finding_fact(f, what_s ? "share of answers" : "share of queries", share * 100, "%");
	finding_fact(f, "names affected", (double)nnames, "");
	if (!what_s) {
		if (split)
			finding_fact(f, "answers seen on another flow", (double)split, "");
		finding_fact(f, "answered later than 5 s", (double)r->late, "");
		finding_fact(f, "retransmitted queries", (double)r->retransmissions, "");
	}
	const struct frameset *fs = what_s ? &r->rcode_frames[what] : &r->timeout_frames;
	for (unsigned i = 0; i < fs->n; i++)
		finding_frame(f, fs->f[i]);
	char extra[96];
	if (what_s)
		snprintf(extra, sizeof(extra), "dns.flags.rcode == %d", what);
	else
		snprintf(extra, sizeof(extra), "dns.flags.response == 0 && !dns.response_in");
	app_endpoint_filter(&r->ep, what_s != NULL, extra, f->display_filter,
	                    sizeof(f->display_filter));
	f->first_ns = r->first_ns == INT64_MAX ? 0 : r->first_ns;
	f->last_ns = r->last_ns;
	f->confidence = CONF_HIGH;
	if (what == DNS_RCODE_SERVFAIL) {
		snprintf(
		    f->cause, sizeof(f->cause),
		    "the resolver could not get an answer for these names: their authoritative "
		    "servers are unreachable or lame, DNSSEC validation fails, or the resolver "
		    "itself is failing or cannot reach the internet / its forwarders");
		snprintf(
		    f->action, sizeof(f->action),
		    "query the names at %s with `dig +trace` and `dig +cd` (DNSSEC) to see which "
		    "step fails; check the resolver's forwarders and outbound access (in a VPC: "
		    "Route 53 Resolver rules and outbound endpoints)",
		    addr);
		snprintf(f->raise_confidence, sizeof(f->raise_confidence),
		         "mirror the resolver's upstream side to see its own queries fail");
	} else if (what == DNS_RCODE_NXDOMAIN) {
		snprintf(
		    f->cause, sizeof(f->cause),
		    "the names do not exist: a typo or stale name in a configuration, a deleted "
		    "record, a private zone not associated with this VPC, or search-domain "
		    "expansion (resolv.conf search / ndots) that clients try first");
		snprintf(
		    f->action, sizeof(f->action),
		    "fix the name where clients are configured, or create the record; for "
		    "search-list noise, use fully qualified names (a trailing dot) or lower ndots");
		snprintf(f->raise_confidence, sizeof(f->raise_confidence),
		         "see which clients ask (--app-records lists each query)");
	} else {
		snprintf(
		    f->cause, sizeof(f->cause),
		    "queries to %s got no answer within 5 s: the resolver is unreachable or "
		    "overloaded, a firewall / security group / NACL drops DNS one way, or a "
		    "packet rate limit is hit (the Amazon VPC resolver allows 1024 packets per "
		    "second per network interface)",
		    addr);
		snprintf(
		    f->action, sizeof(f->action),
		    "check the path and rules to %s for UDP and TCP 53 both ways, the resolver's "
		    "load, and the clients' query rate (cache locally: nscd, systemd-resolved, "
		    "dnsmasq)",
		    addr);
		f->confidence = CONF_MEDIUM;
		snprintf(
		    f->raise_confidence, sizeof(f->raise_confidence),
		    "make sure the mirror carries both directions: a one-way mirror hides answers");
	}
}

void app_findings(struct app_analyzer *a, struct finding_list *out)
{
	for (size_t i = 0; i < a->servers.n; i++) {
		http_5xx(a, (uint32_t)i, out);
		http_no_response(a, (uint32_t)i, out);
	}
	for (size_t i = 0; i < a->resolvers.n; i++) {
		dns_finding(a, (uint32_t)i, DNS_RCODE_SERVFAIL, out);
		dns_finding(a, (uint32_t)i, -1, out);
		dns_finding(a, (uint32_t)i, DNS_RCODE_NXDOMAIN, out);
	}
	app_voip_findings(a, out);
}
