/* test_tcp_reorder.c - the reorder window removes the false out-of-order / lost-segment flags a
 * reordering load balancer causes, and changes nothing when packets arrive in order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/tcp_analysis.h"
#include "engine/tcp_reorder.h"

#define MS INT64_C(1000000)

struct run {
	struct tcp_conv *tc;
	uint32_t flags_or;
	unsigned released;
	uint64_t order[16];
};

static void release(void *ctx, struct flow *f, int dir, struct packet *p)
{
	(void)f;
	struct run *r = ctx;
	struct tcp_pkt_analysis ta;
	tcp_conv_analyze(r->tc, p, dir, &ta);
	r->flags_or |= ta.flags;
	if (r->released < 16)
		r->order[r->released] = p->frame;
	r->released++;
}

static struct packet seg(uint64_t frame, int64_t t, uint32_t seq, uint32_t ack, uint8_t flags,
			 uint32_t len)
{
	struct packet p;
	memset(&p, 0, sizeof(p));
	p.frame = frame;
	p.ts_ns = t;
	p.has_ip = p.has_l4 = true;
	p.ip_ver = 4;
	p.proto = IPPROTO_NUM_TCP;
	p.seq = seq;
	p.ack = ack;
	p.tcp_flags = flags;
	p.window = 1000;
	p.payload_len = len;
	p.ip_len = 40 + len;
	p.mss = -1;
	p.wscale = -1;
	return p;
}

/* handshake, then data segments 1, 3, 2 (2 and 3 swapped by a load balancer), then the ACK */
static void feed(int64_t window, struct run *r)
{
	struct tcp_reorder ro;
	memset(r, 0, sizeof(*r));
	r->tc = tcp_conv_new();
	assert_non_null(r->tc);
	assert_int_equal(tcp_reorder_init(&ro, window, release, r), 0);
	struct flow f; /* only its address identifies the flow */
	struct {
		int dir;
		struct packet p;
	} v[] = {
		{0, seg(1, 0, 100, 0, TCP_SYN, 0)},
		{1, seg(2, 10 * MS, 500, 101, TCP_SYN | TCP_ACK, 0)},
		{0, seg(3, 20 * MS, 101, 501, TCP_ACK, 0)},
		{0, seg(4, 21 * MS, 101, 501, TCP_ACK | TCP_PSH, 100)},
		{0, seg(5, 21 * MS + 10000, 301, 501, TCP_ACK | TCP_PSH, 100)},
		{0, seg(6, 21 * MS + 20000, 201, 501, TCP_ACK | TCP_PSH, 100)},
		{1, seg(7, 40 * MS, 501, 401, TCP_ACK, 0)},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (window)
			tcp_reorder_packet(&ro, &f, v[i].dir, &v[i].p);
		else
			release(r, &f, v[i].dir, &v[i].p);
	}
	tcp_reorder_flush(&ro, NULL);
	tcp_reorder_fini(&ro);
	tcp_conv_free(r->tc);
}

static void test_without_window_flags_like_wireshark(void **state)
{
	(void)state;
	struct run r;
	feed(0, &r);
	/* segment 301 arrives before 201: a gap (lost_segment), then 201 fills it late */
	assert_true(r.flags_or & TA_BIT(TA_LOST_SEGMENT));
	assert_true(r.flags_or & (TA_BIT(TA_OUT_OF_ORDER) | TA_BIT(TA_RETRANSMISSION)));
}

static void test_window_removes_false_flags(void **state)
{
	(void)state;
	struct run r;
	feed(5 * MS, &r);
	assert_int_equal(r.released, 7);
	assert_int_equal(r.flags_or & (TA_BIT(TA_LOST_SEGMENT) | TA_BIT(TA_OUT_OF_ORDER) |
				       TA_BIT(TA_RETRANSMISSION)),
			 0);
	/* frame 6 (seq 201) was analysed before frame 5 (seq 301) */
	assert_int_equal(r.order[4], 6);
	assert_int_equal(r.order[5], 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_without_window_flags_like_wireshark),
		cmocka_unit_test(test_window_removes_false_flags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
