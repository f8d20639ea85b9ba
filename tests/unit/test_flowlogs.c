/* test_flowlogs.c - VPC Flow Logs: formats, versions, tcp-flags, exclusions, windows, direction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "decode/ipaddr.h"
#include "engine/flowlog_sink.h"
#include "flow/flow.h"

#define SEC INT64_C(1000000000)

static void test_format_versions(void **state)
{
	(void)state;
	struct flowlog_format f;
	char err[128];
	assert_int_equal(flowlog_format_parse(&f, FLOWLOG_DEFAULT_FORMAT, err, sizeof(err)), 0);
	assert_int_equal(f.n, 14);
	assert_int_equal(f.version, 2);
	assert_int_equal(flowlog_format_parse(&f, "${srcaddr} ${tcp-flags}", err, sizeof(err)), 0);
	assert_int_equal(f.version, 3);
	assert_int_equal(flowlog_format_parse(&f, "${version} ${flow-direction} ${az-id}", err,
					      sizeof(err)),
			 0);
	assert_int_equal(f.version, 5);
	assert_int_equal(flowlog_format_parse(&f, "${ecs-task-id}", err, sizeof(err)), 0);
	assert_int_equal(f.version, 7);
	/* unknown names are accepted (AWS adds fields) and do not raise the version */
	assert_int_equal(flowlog_format_parse(&f, "${srcaddr} ${resource-id}", err, sizeof(err)), 0);
	assert_int_equal(f.version, 2);
	assert_int_equal(f.field[1], -1);
}

static void test_format_errors(void **state)
{
	(void)state;
	struct flowlog_format f;
	char err[128];
	const char *bad[] = {"", "srcaddr", "${srcaddr}  ${dstaddr}", "${srcaddr", "${}",
			     "${srcaddr},${dstaddr}", "${src addr}", "${srcaddr} "};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		assert_int_not_equal(flowlog_format_parse(&f, bad[i], err, sizeof(err)), 0);
		assert_true(strlen(err) > 0);
	}
}

static void test_tcp_flags_values(void **state)
{
	(void)state;
	/* AWS: FIN 1, SYN 2, RST 4, SYN-ACK 18; ACK/PSH alone 0; ECE dropped */
	assert_int_equal(flowlog_tcp_flags(TCP_SYN), 2);
	assert_int_equal(flowlog_tcp_flags(TCP_SYN | TCP_ACK), 18);
	assert_int_equal(flowlog_tcp_flags(TCP_FIN | TCP_ACK), 1);
	assert_int_equal(flowlog_tcp_flags(TCP_RST), 4);
	assert_int_equal(flowlog_tcp_flags(TCP_ACK | TCP_PSH), 0);
	assert_int_equal(flowlog_tcp_flags(TCP_SYN | TCP_ECE), 2);
	/* OR across a window: SYN then FIN = 3; SYN-ACK then FIN = 19 */
	assert_int_equal(flowlog_tcp_flags(TCP_SYN) | flowlog_tcp_flags(TCP_FIN | TCP_ACK), 3);
	assert_int_equal(flowlog_tcp_flags(TCP_SYN | TCP_ACK) | flowlog_tcp_flags(TCP_FIN), 19);
}

static struct ip_addr addr(const char *s)
{
	struct ip_addr a;
	assert_int_equal(ipaddr_parse(s, &a), 0);
	return a;
}

static void test_exclusions(void **state)
{
	(void)state;
	struct ip_addr vm = addr("10.0.0.5"), imds = addr("169.254.169.254"),
		       ntp = addr("169.254.169.123"), dns = addr("169.254.169.253"),
		       imds6 = addr("fd00:ec2::254"), ntp6 = addr("fd00:ec2::123"),
		       other6 = addr("fd00:ec2::1"), web = addr("93.184.216.34");
	assert_true(flowlog_excluded(&vm, &imds, 6, 40000, 80));
	assert_true(flowlog_excluded(&ntp, &vm, 17, 123, 40000));
	assert_true(flowlog_excluded(&vm, &dns, 17, 40000, 53));
	assert_true(flowlog_excluded(&imds6, &vm, 6, 80, 40000));
	assert_true(flowlog_excluded(&vm, &ntp6, 17, 40000, 123));
	assert_true(flowlog_excluded(&vm, &web, 17, 68, 67));
	assert_true(flowlog_excluded(&vm, &web, 17, 546, 547));
	assert_false(flowlog_excluded(&vm, &other6, 6, 40000, 80));
	assert_false(flowlog_excluded(&vm, &web, 6, 40000, 443));
	assert_false(flowlog_excluded(&vm, &web, 6, 68, 67)); /* DHCP is UDP */
}

/* Run packets through a flow table and a flow-log sink writing to a temp file; return the
 * file's text (caller frees). */
struct feed {
	const char *src, *dst;
	uint16_t sport, dport;
	uint8_t flags;
	int64_t ts;
	uint32_t ip_len;
};

static struct flowlog_sink *g_sink;

static void on_end(struct flow *f, enum flow_end_reason why, void *ctx)
{
	(void)why;
	(void)ctx;
	flowlog_sink_flow_end(g_sink, f, f->ext[0]);
	free(f->ext[0]);
}

static char *run(const struct feed *v, size_t n, const char *format, int interval,
		 const char *outer_src)
{
	char path[] = "/tmp/vxs-flowlogs-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	struct flowlog_sink_cfg cfg;
	flowlog_sink_cfg_default(&cfg);
	char err[128];
	if (format)
		assert_int_equal(flowlog_format_parse(&cfg.fmt, format, err, sizeof(err)), 0);
	cfg.interval_s = interval;
	cfg.path = path;
	assert_int_equal(flowlog_sink_open(&g_sink, &cfg, err, sizeof(err)), 0);
	struct flow_table_cfg tc;
	flow_table_cfg_default(&tc);
	struct flow_table *t = flow_table_new(&tc, on_end, NULL);
	for (size_t i = 0; i < n; i++) {
		struct packet p;
		memset(&p, 0, sizeof(p));
		p.src = addr(v[i].src);
		p.dst = addr(v[i].dst);
		p.has_ip = p.has_l4 = true;
		p.ip_ver = p.src.family;
		p.proto = v[i].flags ? IPPROTO_NUM_TCP : IPPROTO_NUM_UDP;
		p.sport = v[i].sport;
		p.dport = v[i].dport;
		p.tcp_flags = v[i].flags;
		p.ts_ns = v[i].ts;
		p.ip_len = v[i].ip_len;
		if (outer_src) {
			p.ntun = 1;
			p.tun[0].kind = TUN_VXLAN;
			p.tun[0].has_id = true;
			p.tun[0].id = 7;
			p.tun[0].src = addr(outer_src);
		}
		int d;
		struct flow *f = flow_table_packet(t, &p, &d);
		if (!f->ext[0]) {
			struct flow_ext *fx = calloc(1, sizeof(*fx));
			fx->flow = f;
			f->ext[0] = fx;
		}
		flowlog_sink_packet(g_sink, f, f->ext[0], d, &p);
	}
	flow_table_flush(t);
	flow_table_free(t);
	assert_int_equal(flowlog_sink_close(g_sink, err, sizeof(err)), 0);
	FILE *fp = fopen(path, "r");
	static char buf[8192];
	size_t got = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[got] = 0;
	fclose(fp);
	unlink(path);
	return strdup(buf);
}

static void test_windows_and_flags(void **state)
{
	(void)state;
	const struct feed v[] = {
		{"10.0.0.1", "10.0.0.2", 40000, 80, TCP_SYN, 1718000010 * SEC, 60},
		{"10.0.0.2", "10.0.0.1", 80, 40000, TCP_SYN | TCP_ACK, 1718000010 * SEC + 5, 60},
		{"10.0.0.1", "10.0.0.2", 40000, 80, TCP_ACK, 1718000011 * SEC, 52},
		/* next 60 s window */
		{"10.0.0.1", "10.0.0.2", 40000, 80, TCP_FIN | TCP_ACK, 1718000075 * SEC, 52},
		{"10.0.0.2", "10.0.0.1", 80, 40000, TCP_FIN | TCP_ACK, 1718000075 * SEC + 9, 52},
	};
	char *out = run(v, 5, NULL, 60, NULL);
	const char *want =
		"version account-id interface-id srcaddr dstaddr srcport dstport protocol packets "
		"bytes start end action log-status\n"
		"2 - - 10.0.0.1 10.0.0.2 40000 80 6 2 112 1718000010 1718000011 ACCEPT OK\n"
		"2 - - 10.0.0.2 10.0.0.1 80 40000 6 1 60 1718000010 1718000010 ACCEPT OK\n"
		"2 - - 10.0.0.1 10.0.0.2 40000 80 6 1 52 1718000075 1718000075 ACCEPT OK\n"
		"2 - - 10.0.0.2 10.0.0.1 80 40000 6 1 52 1718000075 1718000075 ACCEPT OK\n";
	assert_string_equal(out, want);
	free(out);
	/* the same packets in one 600 s window: flags OR to 3 (SYN+FIN) and 19 (SYN-ACK+FIN) */
	out = run(v, 5, "${srcaddr} ${packets} ${tcp-flags}", 600, NULL);
	assert_string_equal(out, "srcaddr packets tcp-flags\n10.0.0.1 3 3\n10.0.0.2 2 19\n");
	free(out);
}

/* A mirrored packet's outer source is the source ENI: from it egress, to it ingress. */
static void test_direction_from_mirror_source(void **state)
{
	(void)state;
	const struct feed v[] = {
		{"10.0.0.5", "8.8.8.8", 40000, 53, 0, 1718000000 * SEC, 70},
		{"8.8.8.8", "10.0.0.5", 53, 40000, 0, 1718000000 * SEC + 1000, 120},
	};
	char *out = run(v, 2, "${srcaddr} ${dstaddr} ${flow-direction} ${type} ${tcp-flags}", 600,
			"10.0.0.5");
	assert_string_equal(out, "srcaddr dstaddr flow-direction type tcp-flags\n"
				 "10.0.0.5 8.8.8.8 egress IPv4 0\n"
				 "8.8.8.8 10.0.0.5 ingress IPv4 0\n");
	free(out);
	/* a packet that neither comes from nor goes to the ENI's address: direction unknown */
	out = run(v, 1, "${flow-direction}", 600, "10.9.9.9");
	assert_string_equal(out, "flow-direction\n-\n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_versions),
		cmocka_unit_test(test_format_errors),
		cmocka_unit_test(test_tcp_flags_values),
		cmocka_unit_test(test_exclusions),
		cmocka_unit_test(test_windows_and_flags),
		cmocka_unit_test(test_direction_from_mirror_source),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
