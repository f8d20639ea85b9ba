/* test_flow.c - flow keys per mirror session, the bounded table, timeouts, eviction, fragments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "decode/ipaddr.h"
#include "flow/flow.h"

#define SEC INT64_C(1000000000)

static struct packet pkt(const char *src, uint16_t sport, const char *dst, uint16_t dport,
			 uint8_t flags, int64_t ts)
{
	struct packet p;
	memset(&p, 0, sizeof(p));
	assert_int_equal(ipaddr_parse(src, &p.src), 0);
	assert_int_equal(ipaddr_parse(dst, &p.dst), 0);
	p.has_ip = true;
	p.ip_ver = p.src.family;
	p.proto = IPPROTO_NUM_TCP;
	p.has_l4 = true;
	p.sport = sport;
	p.dport = dport;
	p.tcp_flags = flags;
	p.ts_ns = ts;
	p.ip_len = 60;
	p.wirelen = 74;
	p.mss = -1;
	p.wscale = -1;
	return p;
}

static void vxlan(struct packet *p, const char *outer_src, uint32_t vni)
{
	p->ntun = 1;
	p->tun[0].kind = TUN_VXLAN;
	p->tun[0].has_id = true;
	p->tun[0].id = vni;
	assert_int_equal(ipaddr_parse(outer_src, &p->tun[0].src), 0);
}

struct ends {
	int n;
	enum flow_end_reason why[16];
	uint64_t packets[16];
};

static void on_end(struct flow *f, enum flow_end_reason why, void *ctx)
{
	struct ends *e = ctx;
	if (e->n < 16) {
		e->why[e->n] = why;
		e->packets[e->n] = f->dir[0].packets + f->dir[1].packets;
	}
	e->n++;
}

static struct flow_table *table(struct ends *e, uint32_t max)
{
	struct flow_table_cfg cfg;
	flow_table_cfg_default(&cfg);
	cfg.max_flows = max;
	memset(e, 0, sizeof(*e));
	struct flow_table *t = flow_table_new(&cfg, on_end, e);
	assert_non_null(t);
	return t;
}

static void test_both_directions_one_flow(void **state)
{
	(void)state;
	struct ends e;
	struct flow_table *t = table(&e, 1024);
	struct packet syn = pkt("10.0.0.1", 40000, "10.0.0.2", 80, TCP_SYN, 1 * SEC);
	struct packet sa = pkt("10.0.0.2", 80, "10.0.0.1", 40000, TCP_SYN | TCP_ACK, 1 * SEC + 1000);
	int d1, d2;
	struct flow *f1 = flow_table_packet(t, &syn, &d1);
	struct flow *f2 = flow_table_packet(t, &sa, &d2);
	assert_ptr_equal(f1, f2);
	assert_int_equal(d1, 0);
	assert_int_equal(d2, 1);
	assert_int_equal(f1->sport, 40000);
	assert_int_equal(f1->dport, 80);
	assert_int_equal(f1->dir[0].tcp_flags, TCP_SYN);
	assert_int_equal(f1->dir[1].tcp_flags, TCP_SYN | TCP_ACK);
	flow_table_flush(t);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.why[0], FLOW_END_EOF);
	flow_table_free(t);
}

/* The first packet seen is a SYN-ACK: its receiver is the originator. */
static void test_synack_first_sets_originator(void **state)
{
	(void)state;
	struct ends e;
	struct flow_table *t = table(&e, 1024);
	struct packet sa = pkt("10.0.0.2", 80, "10.0.0.1", 40000, TCP_SYN | TCP_ACK, SEC);
	int d;
	struct flow *f = flow_table_packet(t, &sa, &d);
	assert_int_equal(d, 1);
	char a[IPADDR_STRLEN];
	assert_string_equal(ipaddr_format(&f->src, a, sizeof(a)), "10.0.0.1");
	assert_int_equal(f->dport, 80);
	/* mid-flow, no SYN: the well-known port is the server */
	struct packet data = pkt("10.0.0.9", 443, "10.0.0.8", 51000, TCP_ACK, SEC);
	f = flow_table_packet(t, &data, &d);
	assert_int_equal(d, 1);
	assert_int_equal(f->dport, 443);
	flow_table_free(t);
}

/* Same 5-tuple in two VPCs (two VNIs) or from two source ENIs: never one flow. */
static void test_sessions_never_merge(void **state)
{
	(void)state;
	struct ends e;
	struct flow_table *t = table(&e, 1024);
	struct packet a = pkt("10.0.0.1", 40000, "10.0.0.2", 80, TCP_SYN, SEC);
	struct packet b = a, c = a, d = a;
	vxlan(&a, "172.31.0.5", 100);
	vxlan(&b, "172.31.0.5", 200);
	vxlan(&c, "172.31.0.6", 100);
	vxlan(&d, "172.31.0.5", 100);
	int dir;
	struct flow *fa = flow_table_packet(t, &a, &dir);
	struct flow *fb = flow_table_packet(t, &b, &dir);
	struct flow *fc = flow_table_packet(t, &c, &dir);
	struct flow *fd = flow_table_packet(t, &d, &dir);
	assert_ptr_not_equal(fa, fb);
	assert_ptr_not_equal(fa, fc);
	assert_ptr_not_equal(fb, fc);
	assert_ptr_equal(fa, fd);
	assert_int_equal(flow_table_stats(t)->created, 3);
	assert_int_equal(fa->session.id, 100);
	flow_table_free(t);
}

static void test_idle_timeout(void **state)
{
	(void)state;
	struct ends e;
	struct flow_table *t = table(&e, 1024);
	struct packet a = pkt("10.0.0.1", 1, "10.0.0.2", 2, TCP_ACK, 0);
	struct packet u = a;
	u.proto = IPPROTO_NUM_UDP;
	int d;
	flow_table_packet(t, &a, &d);
	flow_table_packet(t, &u, &d);
	/* 61 s later: the UDP flow (60 s) ends, the TCP flow (300 s) lives */
	struct packet later = pkt("10.0.0.3", 5, "10.0.0.4", 6, TCP_ACK, 61 * SEC);
	flow_table_packet(t, &later, &d);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.why[0], FLOW_END_IDLE);
	later.ts_ns = 302 * SEC;
	flow_table_packet(t, &later, &d);
	assert_int_equal(e.n, 2);
	assert_int_equal(flow_table_stats(t)->ended_idle, 2);
	flow_table_free(t);
}

/* Full table: the least recently active flow is evicted, counted, and reported. */
static void test_eviction_bounded(void **state)
{
	(void)state;
	struct ends e;
	struct flow_table *t = table(&e, 16);
	int d;
	for (int i = 0; i < 40; i++) {
		struct packet p = pkt("10.0.0.1", (uint16_t)(1000 + i), "10.0.0.2", 80, TCP_ACK,
				      i * 1000);
		assert_non_null(flow_table_packet(t, &p, &d));
	}
	const struct flow_table_stats *st = flow_table_stats(t);
	assert_int_equal(st->created, 40);
	assert_int_equal(st->evicted, 24);
	assert_int_equal(st->live, 16);
	assert_int_equal(st->peak, 16);
	assert_int_equal(e.why[0], FLOW_END_EVICTED);
	flow_table_flush(t);
	assert_int_equal(e.n, 40);
	flow_table_free(t);
}

/* Later fragments carry no ports: they join their datagram's flow. */
static void test_fragments_join_their_flow(void **state)
{
	(void)state;
	struct ends e;
	struct flow_table *t = table(&e, 1024);
	struct packet first = pkt("10.0.0.1", 5353, "10.0.0.2", 53, 0, SEC);
	first.proto = IPPROTO_NUM_UDP;
	first.is_fragment = true;
	first.more_fragments = true;
	first.frag_id = 77;
	struct packet second = first;
	second.has_l4 = false;
	second.sport = second.dport = 0;
	second.frag_offset = 1480;
	second.more_fragments = false;
	int d;
	struct flow *f1 = flow_table_packet(t, &first, &d);
	struct flow *f2 = flow_table_packet(t, &second, &d);
	assert_ptr_equal(f1, f2);
	assert_int_equal(f1->dir[0].packets, 2);
	/* a fragment of another datagram, first fragment unseen: port 0 flow, counted */
	second.frag_id = 78;
	struct flow *f3 = flow_table_packet(t, &second, &d);
	assert_ptr_not_equal(f1, f3);
	assert_int_equal(flow_table_stats(t)->fragments_matched, 1);
	assert_int_equal(flow_table_stats(t)->fragments_unmatched, 1);
	flow_table_free(t);
}

static void test_non_ip_is_no_flow(void **state)
{
	(void)state;
	struct ends e;
	struct flow_table *t = table(&e, 1024);
	struct packet arp;
	memset(&arp, 0, sizeof(arp));
	int d;
	assert_null(flow_table_packet(t, &arp, &d));
	assert_int_equal(flow_table_stats(t)->created, 0);
	flow_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_both_directions_one_flow),
		cmocka_unit_test(test_synack_first_sets_originator),
		cmocka_unit_test(test_sessions_never_merge),
		cmocka_unit_test(test_idle_timeout),
		cmocka_unit_test(test_eviction_bounded),
		cmocka_unit_test(test_fragments_join_their_flow),
		cmocka_unit_test(test_non_ip_is_no_flow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
