/* target_http.c - HTTP/1.1 health and metrics endpoints for load balancers and Prometheus.
 *
 *   GET /healthz  200 "ok" while every receiver and worker runs, else 503 "unhealthy"
 *                 (what an NLB or GWLB target-group health check asks)
 *   GET /metrics  Prometheus text exposition format 0.0.4
 *   anything else 404; methods other than GET/HEAD 405
 */
#include "target_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/strbuf.h"

struct target_http {
	struct MHD_Daemon *d;
	struct target *t;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
			     const char *body, size_t len)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
			       const char *method, const char *version, const char *upload,
			       size_t *upload_size, void **req)
{
	(void)version;
	(void)upload;
	(void)upload_size;
	(void)req;
	struct target_http *h = cls;
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "method not allowed\n",
			     19);
	if (!strcmp(url, "/healthz")) {
		if (target_healthy(h->t))
			return reply(c, MHD_HTTP_OK, "text/plain", "ok\n", 3);
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain", "unhealthy\n", 10);
	}
	if (!strcmp(url, "/metrics")) {
		struct strbuf b;
		strbuf_init(&b, NULL);
		target_metrics_prometheus(h->t, &b);
		enum MHD_Result r = reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4",
					  b.buf ? b.buf : "", b.len);
		strbuf_fini(&b);
		return r;
	}
	return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", "not found\n", 10);
}

/* Split spec into an address (may be empty) and a port. */
static int parse_spec(const char *spec, struct sockaddr_storage *ss, bool *v6, uint16_t *port)
{
	char host[128];
	const char *p;
	if (spec[0] == '[') {
		const char *e = strchr(spec, ']');
		if (!e || e[1] != ':' || (size_t)(e - spec - 1) >= sizeof(host))
			return -EINVAL;
		memcpy(host, spec + 1, (size_t)(e - spec - 1));
		host[e - spec - 1] = 0;
		p = e + 2;
	} else {
		const char *e = strrchr(spec, ':');
		if (!e || (size_t)(e - spec) >= sizeof(host))
			return -EINVAL;
		memcpy(host, spec, (size_t)(e - spec));
		host[e - spec] = 0;
		p = e + 1;
	}
	char *end;
	unsigned long v = strtoul(p, &end, 10);
	if (!*p || *end || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	if (!host[0]) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(*port);
		*v6 = false;
		return 0;
	}
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(*port);
		*v6 = false;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(*port);
		*v6 = true;
		return 0;
	}
	return -EINVAL;
}

int target_http_start(struct target_http **out, const char *spec, struct target *t,
		      char *bound, size_t boundlen, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	bool v6;
	uint16_t port;
	if (parse_spec(spec, &ss, &v6, &port)) {
		snprintf(err, errlen, "--http %s: expected ADDR:PORT, [V6ADDR]:PORT or :PORT",
			 spec);
		return -EINVAL;
	}
	struct target_http *h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	h->t = t;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
	if (v6)
		flags |= MHD_USE_IPv6;
	errno = 0;
	h->d = MHD_start_daemon(flags, port, NULL, NULL, handler, h, MHD_OPTION_SOCK_ADDR,
				(struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT, 64u,
				MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	if (!h->d) {
		int e = errno ? errno : EADDRINUSE;
		snprintf(err, errlen, "HTTP listener %s: %s", spec, strerror(e));
		free(h);
		return -e;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	unsigned bp = di ? di->port : port;
	if (spec[0] == '[')
		snprintf(bound, boundlen, "%.*s:%u", (int)(strchr(spec, ']') - spec + 1), spec, bp);
	else
		snprintf(bound, boundlen, "%.*s:%u", (int)(strrchr(spec, ':') - spec), spec, bp);
	*out = h;
	return 0;
}

void target_http_stop(struct target_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d);
	free(h);
}
