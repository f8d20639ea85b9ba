/* test_report_html.c - the HTML report: escaping of hostile text, a report with no frames,
 * byte-identical output for the same input, every chart drawn as <svg> with data; and the
 * time series under it (bounded bins that keep every byte, classes, RTT buckets). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/timeseries.h"
#include "report/report_html_int.h"

static char *escaped(const char *s, size_t max)
{
	struct strbuf b;
	strbuf_init(&b, NULL);
	if (max)
		html_escape_trunc(&b, s, max);
	else
		report_html_escape(&b, s);
	strbuf_addc(&b, 0);
	return b.buf; /* caller frees */
}

#define FFFD "\xef\xbf\xbd"

static void test_escape(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"plain text 10.0.0.1:80", "plain text 10.0.0.1:80"},
		{"<script>alert('x')</script>", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"},
		{"a & b \"q\"", "a &amp; b &quot;q&quot;"},
		{"&amp;", "&amp;amp;"},
		{"\" onload=\"x", "&quot; onload=&quot;x"},
		{"tab\tnl\n", "tab\tnl\n"},
		{"bell\x07" "del\x7f", "bell" FFFD "del" FFFD},
		{"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", /* 2, 3 and 4 bytes: kept */
		 "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
		{"\xff\xfe", FFFD FFFD},                    /* never valid */
		{"\xc0\xaf", FFFD FFFD},                    /* overlong '/' */
		{"\xe0\x80\xaf", FFFD FFFD FFFD},           /* overlong, 3 bytes */
		{"\xed\xa0\x80", FFFD FFFD FFFD},           /* UTF-16 surrogate */
		{"\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD},  /* past U+10FFFF */
		{"cut \xe2\x82", "cut " FFFD FFFD},         /* sequence cut by the end */
		{"c1 \xc2\x85", "c1 " FFFD},                /* C1 control (NEL) */
		{"\xc3<", FFFD "&lt;"},                     /* lead byte before markup */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = escaped(cases[i].in, 0);
		if (strcmp(got, cases[i].out))
			fail_msg("case %zu: \"%s\" -> \"%s\", want \"%s\"", i, cases[i].in, got,
				 cases[i].out);
		free(got);
	}
}

static void test_escape_truncate(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		size_t max;
		const char *out;
	} cases[] = {
		{"abcdef", 4, "abc\xe2\x80\xa6"},
		{"abcd", 4, "abcd"},
		{"abc", 4, "abc"},
		{"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 3, "\xc3\xa9\xc3\xa9\xe2\x80\xa6"}, /* chars */
		{"<<<<<", 3, "&lt;&lt;\xe2\x80\xa6"},
		{"\xff\xff\xff", 2, FFFD "\xe2\x80\xa6"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = escaped(cases[i].in, cases[i].max);
		if (strcmp(got, cases[i].out))
			fail_msg("case %zu: \"%s\" max %zu -> \"%s\", want \"%s\"", i, cases[i].in,
				 cases[i].max, got, cases[i].out);
		free(got);
	}
}

/* ---- a synthetic capture's worth of report ------------------------------------------- */

struct fixture {
	struct decode_stats ps;
	struct flow_table_stats fs;
	struct session_table sessions;
	struct service_table *services;
	struct finding_list findings;
	struct timeseries *ts;
	const char *problems[2];
	char *files[2];
	struct report r;
};

static void ip4(struct ip_addr *a, uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	memset(a, 0, sizeof(*a));
	a->family = 4;
	a->a[0] = x, a->a[1] = y, a->a[2] = z, a->a[3] = w;
}

static void pkt(struct packet *p, uint64_t frame, int64_t ts, uint8_t proto, uint16_t sport,
		uint16_t dport, uint32_t len)
{
	memset(p, 0, sizeof(*p));
	p->frame = frame;
	p->ts_ns = ts;
	p->wirelen = p->caplen = len + 14;
	p->has_ip = true;
	p->ip_ver = 4;
	p->proto = proto;
	p->has_l4 = true;
	p->sport = sport;
	p->dport = dport;
	p->ip_len = len;
	ip4(&p->src, 10, 0, 1, 5);
	ip4(&p->dst, 10, 0, 3, 2);
}

static void flow_for(struct flow *f, uint16_t dport, uint8_t proto, uint64_t bytes)
{
	memset(f, 0, sizeof(*f));
	f->proto = proto;
	f->sport = 40000;
	f->dport = dport;
	ip4(&f->src, 10, 0, 1, 5);
	ip4(&f->dst, 10, 0, 3, 2);
	f->session.kind = TUN_VXLAN;
	f->session.has_id = true;
	f->session.id = 4242;
	ip4(&f->session.src, 10, 0, 9, 1);
	f->dir[0].packets = f->dir[1].packets = 10;
	f->dir[0].ip_bytes = bytes;
	f->dir[1].ip_bytes = bytes / 4;
	f->dir[0].first_ns = 1000000000;
	f->dir[0].last_ns = f->dir[1].last_ns = 9000000000;
	f->dir[0].tcp_flags = TCP_SYN | TCP_ACK;
	f->dir[1].tcp_flags = TCP_SYN | TCP_ACK;
}

static const int64_t T0 = 1700000000000000000LL;

static void fixture_fill(struct fixture *x, bool empty)
{
	memset(x, 0, sizeof(*x));
	session_table_init(&x->sessions);
	x->services = service_table_new();
	x->ts = timeseries_new();
	assert_non_null(x->services);
	assert_non_null(x->ts);
	x->files[0] = (char *)"dir/<cap>&.pcap";
	x->problems[0] = "dir/<cap>&.pcap: damaged capture: record at offset 99 <bad>";
	x->r.files = x->files;
	x->r.nfiles = 1;
	x->r.ps = &x->ps;
	x->r.fs = &x->fs;
	x->r.sessions = &x->sessions;
	x->r.services = x->services;
	x->r.findings = &x->findings;
	x->r.problems = x->problems;
	x->r.nproblems = 1;
	if (empty)
		return;

	/* 10 s of traffic: web, video, database, bulk, voice, interactive, icmp (classes by the
	 * default map); retransmissions and dup ACKs now and then; ACK RTT samples from both
	 * sides */
	struct tclass_map map;
	tclass_map_default(&map);
	struct flow fl;
	flow_for(&fl, 443, IPPROTO_NUM_TCP, 0);
	struct packet p;
	uint64_t frame = 0;
	for (int i = 0; i < 1000; i++) {
		int64_t t = T0 + (int64_t)i * 10000000;
		static const uint16_t ports[] = {443, 554, 5432, 5201, 5060, 22};
		for (unsigned k = 0; k < 6; k++) {
			uint8_t proto = k == 1 || k == 4 ? IPPROTO_NUM_UDP : IPPROTO_NUM_TCP;
			pkt(&p, ++frame, t, proto, 40000, ports[k], 100 + 100 * k);
			timeseries_packet(x->ts, &p, tclass_of(&map, proto, 40000, ports[k], 0));
			decode_stats_count(&x->ps, &p);
			session_table_packet(&x->sessions, &p);
		}
		pkt(&p, ++frame, t, IPPROTO_NUM_ICMP, 0, 0, 84);
		p.has_l4 = false;
		timeseries_packet(x->ts, &p, TC_OTHER);
		decode_stats_count(&x->ps, &p);
		struct tcp_pkt_analysis ta = {.ack_rtt_ns = -1, .irtt_ns = -1};
		if (i % 50 == 7)
			ta.flags |= TA_BIT(TA_RETRANSMISSION);
		if (i % 90 == 3)
			ta.flags |= TA_BIT(TA_DUPLICATE_ACK);
		if (i % 4 == 0) {
			ta.acks_frame = frame - 1;
			ta.ack_rtt_ns = 20000 + (int64_t)i * 30000;
		}
		pkt(&p, frame, t, IPPROTO_NUM_TCP, 40000, 443, 100);
		timeseries_tcp(x->ts, &p, &fl, i % 3 ? 1 : 0, &ta);
	}
	x->r.tcp_packets = 1000;
	x->r.tcp_flags[TA_RETRANSMISSION] = x->ts->retrans;
	x->r.tcp_flags[TA_DUPLICATE_ACK] = x->ts->dup_acks;
	x->fs.created = 3;
	x->r.flows_by_proto[0] = 2;
	x->r.flows_by_proto[1] = 1;
	static const struct {
		uint16_t port;
		uint8_t proto;
		uint64_t bytes;
	} svc[] = {{443, IPPROTO_NUM_TCP, 500000}, {5432, IPPROTO_NUM_TCP, 200000},
		   {53, IPPROTO_NUM_UDP, 10000}};
	for (unsigned k = 0; k < 3; k++) {
		flow_for(&fl, svc[k].port, svc[k].proto, svc[k].bytes);
		service_table_flow(x->services, &fl, NULL, NULL, NULL);
	}

	struct finding *f = finding_new(&x->findings, SEV_HIGH, "tcp", "tcp.retransmissions", 28);
	snprintf(f->title, sizeof(f->title), "<img src=x onerror=alert(1)> retransmitted & lost");
	snprintf(f->where, sizeof(f->where), "10.0.3.2:443/tcp in session vni 4242 from 10.0.9.1");
	snprintf(f->cause, sizeof(f->cause), "cause with \"quotes\"");
	snprintf(f->action, sizeof(f->action), "action");
	snprintf(f->display_filter, sizeof(f->display_filter), "tcp.analysis.retransmission && "
		 "ip.dst == 10.0.3.2");
	finding_fact(f, "retransmission rate", 12.5, "%");
	finding_fact(f, "segments <lost>", 28, "");
	finding_frame(f, 57);
	finding_frame(f, 3000);
	f->first_ns = T0 + 500000000;
	f->last_ns = T0 + 8000000000;
	f = finding_new(&x->findings, SEV_LOW, "mirror", "mirror.truncation", 3);
	snprintf(f->title, sizeof(f->title), "no time range");
	findings_sort(&x->findings);
}

static void fixture_free(struct fixture *x)
{
	findings_free(&x->findings);
	service_table_free(x->services);
	session_table_fini(&x->sessions);
	timeseries_free(x->ts);
}

static char *render(struct fixture *x, bool with_ts)
{
	struct strbuf b;
	strbuf_init(&b, NULL);
	report_html(&b, &x->r, with_ts ? x->ts : NULL);
	assert_int_equal(b.err, 0);
	strbuf_addc(&b, 0);
	return b.buf;
}

/* The <svg class="chart" data-chart=name> ... </svg> of one chart, copied; NULL if absent. */
static char *chart(const char *html, const char *name)
{
	char open[96];
	snprintf(open, sizeof(open), "<svg class=\"chart\" data-chart=\"%s\"", name);
	const char *a = strstr(html, open);
	if (!a)
		return NULL;
	const char *z = strstr(a, "</svg>");
	assert_non_null(z);
	return strndup(a, (size_t)(z - a));
}

static const char *const charts[] = {"timeline", "throughput", "tcp", "rtt", "talkers"};

static void assert_page(const char *h)
{
	assert_true(!strncmp(h, "<!DOCTYPE html>\n", 16));
	size_t n = strlen(h);
	assert_true(n > 7 && !strcmp(h + n - 8, "</html>\n"));
	/* self-contained: nothing to fetch, and the browser told to fetch nothing */
	assert_non_null(strstr(h, "Content-Security-Policy\" content=\"default-src 'none'"));
	assert_null(strstr(h, "http://"));
	assert_null(strstr(h, "https://"));
	assert_null(strstr(h, "url("));
	assert_null(strstr(h, "@import"));
	/* every '<' left in the page opens a tag of ours (text has &lt;): no tag loads
	 * anything, every link stays in the page */
	for (const char *t = strchr(h, '<'); t; t = strchr(t + 1, '<')) {
		const char *e = strchr(t, '>');
		assert_non_null(e);
		char tag[2048];
		snprintf(tag, sizeof(tag), "%.*s", (int)(e - t), t);
		if (strstr(tag, " src=") || !strncmp(tag, "<img", 4) || !strncmp(tag, "<link", 5) ||
		    !strncmp(tag, "<iframe", 7) || !strncmp(tag, "<object", 7))
			fail_msg("tag loads something: %s", tag);
		const char *href = strstr(tag, "href=\"");
		if (href && href[6] != '#')
			fail_msg("link out of the page: %s", tag);
	}
	/* the problem, escaped */
	assert_non_null(strstr(h, "record at offset 99 &lt;bad&gt;"));
	assert_null(strstr(h, "<bad>"));
	assert_null(strstr(h, "<cap>"));
}

static void test_no_frames(void **state)
{
	(void)state;
	struct fixture x;
	fixture_fill(&x, true);
	for (int with_ts = 0; with_ts < 2; with_ts++) {
		char *h = render(&x, with_ts);
		assert_page(h);
		assert_non_null(strstr(h, "no frames could be read"));
		assert_non_null(strstr(h, "What could not be read"));
		for (size_t i = 0; i < sizeof(charts) / sizeof(charts[0]); i++) {
			char *c = chart(h, charts[i]);
			if (!c)
				fail_msg("no %s chart in a report with no frames", charts[i]);
			/* says it has nothing, draws nothing */
			assert_non_null(strstr(c, "class=\"nodata\""));
			assert_null(strstr(c, "class=\"mark"));
			free(c);
		}
		free(h);
	}
	fixture_free(&x);
}

static void test_charts_have_data(void **state)
{
	(void)state;
	struct fixture x;
	fixture_fill(&x, false);
	char *h = render(&x, true);
	assert_page(h);
	for (size_t i = 0; i < sizeof(charts) / sizeof(charts[0]); i++) {
		char *c = chart(h, charts[i]);
		if (!c)
			fail_msg("no %s chart", charts[i]);
		if (!strstr(c, "class=\"mark"))
			fail_msg("%s chart draws no data", charts[i]);
		assert_null(strstr(c, "class=\"nodata\""));
		free(c);
	}
	char *c = chart(h, "throughput");
	static const char *const classes[] = {"c-web", "c-video", "c-database", "c-bulk",
					      "c-voice", "c-interactive", "c-other"};
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (!strstr(c, classes[i]))
			fail_msg("throughput chart lacks class %s", classes[i]);
	free(c);
	c = chart(h, "tcp");
	assert_non_null(strstr(c, "mark area retrans"));
	assert_non_null(strstr(c, "mark area dupack"));
	free(c);
	c = chart(h, "rtt");
	assert_non_null(strstr(c, "10.0.3.2:443/tcp in session vni 4242 from 10.0.9.1"));
	assert_non_null(strstr(c, "rtt-srv"));
	assert_non_null(strstr(c, "rtt-cli"));
	free(c);
	c = chart(h, "talkers");
	char *a = strstr(c, "10.0.3.2:443/tcp"), *z = strstr(c, "10.0.3.2:53/udp");
	assert_true(a && z && a < z); /* most bytes first */
	free(c);
	/* findings: hostile title escaped; the timeline links each row to its finding, the
	 * finding links back and to the service it is about */
	assert_null(strstr(h, "<img"));
	assert_non_null(strstr(h, "&lt;img src=x onerror=alert(1)&gt; retransmitted &amp; lost"));
	assert_non_null(strstr(h, "segments &lt;lost&gt; <b>28</b>"));
	assert_non_null(strstr(h, "retransmission rate <b>12.5%</b>"));
	assert_non_null(strstr(h, "<a href=\"#finding-1\" id=\"tl-1\""));
	assert_non_null(strstr(h, "<a href=\"#finding-2\" id=\"tl-2\""));
	assert_non_null(strstr(h, "id=\"finding-1\""));
	assert_non_null(strstr(h, "<a href=\"#tl-1\">timeline</a>"));
	assert_non_null(strstr(h, "<a href=\"#svc-1\">service row</a>"));
	assert_non_null(strstr(h, "<tr id=\"svc-1\"><td>10.0.3.2:443/tcp</td>"));
	assert_non_null(strstr(h, "tl-unknown")); /* the finding without a time range */
	assert_non_null(strstr(h, "<code class=\"filter\" id=\"filter-1\">tcp.analysis."
				  "retransmission &amp;&amp; ip.dst == 10.0.3.2</code>"));
	assert_non_null(strstr(h, "<table class=\"sortable\">"));
	free(h);
	fixture_free(&x);
}

static void test_deterministic(void **state)
{
	(void)state;
	struct fixture x, y;
	fixture_fill(&x, false);
	fixture_fill(&y, false);
	char *a = render(&x, true), *b = render(&y, true), *c = render(&x, true);
	assert_string_equal(a, b);
	assert_string_equal(a, c);
	free(a);
	free(b);
	free(c);
	fixture_free(&x);
	fixture_free(&y);
}

/* ---- the time series ----------------------------------------------------------------- */

static uint64_t bin_bytes(const struct timeseries *ts)
{
	uint64_t sum = 0;
	for (uint32_t i = 0; i < ts->nbins; i++)
		for (int c = 0; c < TC_COUNT; c++)
			sum += ts->bin[i].bytes[c];
	return sum;
}

static void test_timeseries_bounded(void **state)
{
	(void)state;
	struct timeseries *ts = timeseries_new();
	assert_non_null(ts);
	struct packet p;
	uint64_t bytes = 0;
	/* one packet every 0.7 s for an hour: bins widen, bytes all kept */
	for (int i = 0; i < 5143; i++) {
		pkt(&p, (uint64_t)i + 1, T0 + (int64_t)i * 700000000, IPPROTO_NUM_TCP, 1, 2, 100);
		timeseries_packet(ts, &p, TC_BULK);
		bytes += 100;
		assert_true(ts->nbins <= TS_MAX_BINS);
	}
	assert_int_equal(bin_bytes(ts), bytes);
	assert_int_equal(ts->width_ns, 10000000000LL); /* the ladder's first width for 1 h */
	assert_int_equal(ts->nbins, 360);
	assert_int_equal(ts->bin[0].packets[TC_BULK], 15); /* 0 .. 9.8 s */
	assert_int_equal(ts->bin[0].first_frame, 1);
	assert_int_equal(ts->bin[1].first_frame, 16);
	double o = timeseries_frame_offset(ts, 20);
	assert_true(o > 9.99 && o < 10.01);
	/* a packet an hour before the first moves the start back */
	pkt(&p, 9999, T0 - 3600000000000LL, IPPROTO_NUM_UDP, 1, 2, 50);
	timeseries_packet(ts, &p, TC_OTHER);
	assert_int_equal(bin_bytes(ts), bytes + 50);
	assert_true(ts->t0_ns <= T0 - 3600000000000LL);
	assert_int_equal(ts->bin[0].packets[TC_OTHER], 1);
	assert_int_equal(ts->early, 0);
	/* the extremes of time: counted, never lost, never out of bounds */
	pkt(&p, 10000, INT64_MAX, IPPROTO_NUM_UDP, 1, 2, 7);
	timeseries_packet(ts, &p, TC_OTHER);
	pkt(&p, 10001, INT64_MIN, IPPROTO_NUM_UDP, 1, 2, 7);
	timeseries_packet(ts, &p, TC_OTHER);
	assert_int_equal(bin_bytes(ts), bytes + 64);
	assert_true(ts->nbins <= TS_MAX_BINS);
	assert_int_equal(ts->late, 0);  /* INT64_MAX: within the widest bins */
	assert_int_equal(ts->early, 1); /* INT64_MIN: too far back for them */
	timeseries_free(ts);
}

static void test_timeseries_classes(void **state)
{
	(void)state;
	/* the series counts the class its caller gives (the flow's QoS class); a class out of
	 * range counts as other */
	struct timeseries *ts = timeseries_new();
	assert_non_null(ts);
	struct packet p;
	for (int c = 0; c < TC_COUNT; c++) {
		pkt(&p, (uint64_t)c + 1, T0, IPPROTO_NUM_TCP, 1, 2, 100 + (uint32_t)c);
		timeseries_packet(ts, &p, (enum tclass)c);
	}
	pkt(&p, 99, T0, IPPROTO_NUM_UDP, 1, 2, 7);
	timeseries_packet(ts, &p, (enum tclass)TC_COUNT);
	for (int c = 0; c < TC_COUNT; c++) {
		assert_int_equal(ts->packets[c], c == TC_OTHER ? 2 : 1);
		assert_int_equal(ts->bytes[c], 100 + (uint64_t)c + (c == TC_OTHER ? 7 : 0));
	}
	timeseries_free(ts);

	assert_int_equal(ts_rtt_bucket(0), 0);
	assert_int_equal(ts_rtt_bucket(9999), 0);
	assert_int_equal(ts_rtt_bucket(10000), 1);
	assert_int_equal(ts_rtt_bucket(1500000), 7); /* 1 .. 2 ms */
	assert_int_equal(ts_rtt_bucket_upper_ns(7), 2000000);
	assert_int_equal(ts_rtt_bucket_upper_ns(6), 1000000);
	assert_int_equal(ts_rtt_bucket(INT64_MAX), TS_RTT_BUCKETS - 1);
	assert_int_equal(ts_rtt_bucket_upper_ns(TS_RTT_BUCKETS - 1), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_escape_truncate),
		cmocka_unit_test(test_no_frames),
		cmocka_unit_test(test_charts_have_data),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_timeseries_bounded),
		cmocka_unit_test(test_timeseries_classes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
