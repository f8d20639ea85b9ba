/* test_tcp_analysis.c - Wireshark's TCP analysis flags, rule by rule, on hand-built segments.
 *
 * Each scenario is a table of segments (time, direction, TCP flags, seq, ack, length, window)
 * with the exact flags tshark 4.0 gives each one: every table was also written out as a
 * capture and run through `tshark -T fields -e tcp.analysis.*` when it was made, so the
 * expectations are tshark's, not ours.  The oracle over real captures is
 * tests/oracle/tcp_flags.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/tcp_analysis.h"

#define MS INT64_C(1000000)
#define US INT64_C(1000)
#define C  0 /* client -> server */
#define S  1 /* server -> client */

#define SYN TCP_SYN
#define ACK TCP_ACK
#define FIN TCP_FIN
#define RST TCP_RST
#define SA  (TCP_SYN | TCP_ACK)
#define FA  (TCP_FIN | TCP_ACK)
#define PA  (TCP_PSH | TCP_ACK)

#define RT      TA_BIT(TA_RETRANSMISSION)
#define FAST    (TA_BIT(TA_FAST_RETRANSMISSION) | RT)
#define SPUR    (TA_BIT(TA_SPURIOUS_RETRANSMISSION) | RT)
#define OOO     TA_BIT(TA_OUT_OF_ORDER)
#define LOST    TA_BIT(TA_LOST_SEGMENT)
#define ACKLOST TA_BIT(TA_ACK_LOST_SEGMENT)
#define DUP     TA_BIT(TA_DUPLICATE_ACK)
#define ZW      TA_BIT(TA_ZERO_WINDOW)
#define ZWP     TA_BIT(TA_ZERO_WINDOW_PROBE)
#define ZWPACK  TA_BIT(TA_ZERO_WINDOW_PROBE_ACK)
#define WFULL   TA_BIT(TA_WINDOW_FULL)
#define WUPD    TA_BIT(TA_WINDOW_UPDATE)
#define KA      TA_BIT(TA_KEEP_ALIVE)
#define KAACK   TA_BIT(TA_KEEP_ALIVE_ACK)
#define REUSED  TA_BIT(TA_REUSED_PORTS)

struct step {
	int64_t t_us;
	int dir;
	uint8_t tf;
	uint32_t seq, ack, len;
	uint16_t win;
	uint32_t want; /* exact TA_BIT flags */
	uint8_t wsopt; /* window scale option + 1, 0 = none */
	uint8_t nsack;
	uint32_t sack[4][2];
};

/* P(time µs, dir, TCP flags, seq, ack, len, window, expected flags) */
/* clang-format off */
#define P(t, d, f, s, a, l, w, x) {(t), (d), (f), (s), (a), (l), (w), (x), 0, 0, {{0, 0}}}
/* clang-format on */

static struct packet mkpkt(const struct step *s, uint64_t frame)
{
	struct packet p;
	memset(&p, 0, sizeof(p));
	p.frame = frame;
	p.ts_ns = INT64_C(1000000000000) + s->t_us * US;
	p.has_ip = p.has_l4 = true;
	p.ip_ver = 4;
	p.proto = IPPROTO_NUM_TCP;
	p.seq = s->seq;
	p.ack = s->ack;
	p.tcp_flags = s->tf;
	p.window = s->win;
	p.payload_len = s->len;
	p.ip_len = 40 + s->len;
	p.mss = -1;
	p.wscale = s->wsopt ? (int8_t)(s->wsopt - 1) : -1;
	p.nsack = s->nsack;
	memcpy(p.sack, s->sack, sizeof(p.sack));
	return p;
}

/* Feed the steps (frames 1..n) into tc, check every step's flags, keep each result. */
static void run(struct tcp_conv *tc, const struct step *s, size_t n, struct tcp_pkt_analysis *out)
{
	for (size_t i = 0; i < n; i++) {
		struct packet p = mkpkt(&s[i], i + 1);
		tcp_conv_analyze(tc, &p, s[i].dir, &out[i]);
		if (out[i].flags != s[i].want)
			fail_msg("frame %zu: flags 0x%x, tshark says 0x%x", i + 1, out[i].flags,
			         s[i].want);
	}
}

#define NSTEPS(steps)       (sizeof(steps) / sizeof((steps)[0]))
#define RUN(tc, steps, out) run((tc), (steps), NSTEPS(steps), (out))

/* client 1000, server 5000, 10 ms between SYN and SYN-ACK and again to the ACK */
#define HANDSHAKE                                                                                  \
	P(0, C, SYN, 1000, 0, 0, 1000, 0), P(10000, S, SA, 5000, 1001, 0, 1000, 0),                \
	    P(20000, C, ACK, 1001, 5001, 0, 1000, 0)

static void test_clean_transfer(void **state)
{
	(void)state;
	static const struct step s[] = {
	    HANDSHAKE,
	    P(21000, C, PA, 1001, 5001, 100, 1000, 0),
	    P(22000, C, PA, 1101, 5001, 100, 1000, 0),
	    P(30000, S, ACK, 5001, 1201, 0, 1000, 0),
	    P(31000, S, PA, 5001, 1201, 300, 1000, 0),
	    P(40000, C, ACK, 1201, 5301, 0, 1000, 0),
	    P(50000, C, FA, 1201, 5301, 0, 1000, 0),
	    P(51000, S, FA, 5301, 1202, 0, 1000, 0),
	    P(52000, C, ACK, 1202, 5302, 0, 1000, 0),
	};
	struct tcp_pkt_analysis a[NSTEPS(s)];
	struct tcp_conv *tc = tcp_conv_new();
	assert_non_null(tc);
	RUN(tc, s, a);
	assert_int_equal(a[0].irtt_ns, -1);
	assert_int_equal(a[2].irtt_ns, 20 * MS); /* SYN to the ACK that completes it */
	assert_int_equal(a[1].acks_frame, 1);    /* SYN-ACK acks the SYN */
	assert_int_equal(a[1].ack_rtt_ns, 10 * MS);
	assert_int_equal(a[2].acks_frame, 2);
	assert_int_equal(a[3].bytes_in_flight, 100);
	assert_int_equal(a[4].bytes_in_flight, 200);
	assert_int_equal(a[5].acks_frame, 5); /* only the segment ending at the ACK */
	assert_int_equal(a[5].ack_rtt_ns, 8 * MS);
	assert_int_equal(a[5].bytes_in_flight, -1); /* no payload, no figure */
	assert_int_equal(a[6].bytes_in_flight, 300);
	assert_int_equal(a[10].acks_frame, 10); /* the FIN counts one */

	struct tcp_health h;
	tcp_conv_health(tc, &h);
	for (unsigned f = 0; f < TA_COUNT; f++)
		assert_int_equal(h.flag_count[f], 0);
	assert_int_equal(h.data_segments[C], 2);
	assert_int_equal(h.data_bytes[C], 200);
	assert_int_equal(h.data_segments[S], 1);
	assert_int_equal(h.data_bytes[S], 300);
	assert_int_equal(h.retrans_segments[C] + h.retrans_segments[S], 0);
	assert_int_equal(h.irtt_ns, 20 * MS);
	assert_int_equal(h.syn_ns, INT64_C(1000000000000));
	assert_int_equal(h.synack_ns, INT64_C(1000000000000) + 10 * MS);
	assert_int_equal(h.ack_ns, INT64_C(1000000000000) + 20 * MS);
	assert_true(h.syn_seen[C] && h.syn_seen[S] && h.fin_seen[C] && h.fin_seen[S]);
	assert_false(h.rst_seen[C] || h.rst_seen[S]);
	assert_int_equal(h.first_dir, C);
	assert_int_equal(h.syn_dir, C);
	assert_int_equal(h.max_bytes_in_flight, 300);
	/* samples: 10 ms, 10 ms, 8 ms, 9 ms (the ACK of 300 bytes), 1 ms (FIN), 1 ms (FIN) */
	assert_int_equal(h.rtt_samples, 6);
	assert_int_equal(h.rtt_max_ns, 10 * MS);
	assert_true(h.rtt_p50_ns >= 8 * MS * 15 / 16 && h.rtt_p50_ns <= 9 * MS * 17 / 16);
	assert_true(h.rtt_p95_ns >= 10 * MS * 15 / 16 && h.rtt_p95_ns <= 10 * MS);
	tcp_conv_free(tc);
}

static void test_retransmission_after_rto(void **state)
{
	(void)state;
	static const struct step s[] = {
	    HANDSHAKE,
	    P(21000, C, PA, 1001, 5001, 100, 1000, 0),
	    P(321000, C, PA, 1001, 5001, 100, 1000, RT),
	    P(330000, S, ACK, 5001, 1101, 0, 1000, 0),
	};
	struct tcp_pkt_analysis a[NSTEPS(s)];
	struct tcp_conv *tc = tcp_conv_new();
	RUN(tc, s, a);
	assert_int_equal(a[4].rto_ns, 300 * MS);
	assert_int_equal(a[4].rto_frame, 4);
	assert_int_equal(a[5].acks_frame, 4); /* the oldest copy */
	struct tcp_health h;
	tcp_conv_health(tc, &h);
	assert_int_equal(h.retrans_segments[C], 1);
	assert_int_equal(h.retrans_bytes[C], 100);
	assert_int_equal(h.flag_count[TA_RETRANSMISSION], 1);
	/* the ACK of a resent segment is no RTT sample (Karn): SYN-ACK and ACK only */
	assert_int_equal(h.rtt_samples, 2);
	tcp_conv_free(tc);
}

static void test_fast_retransmission_and_dup_acks(void **state)
{
	(void)state;
	static const struct step s[] = {
	    HANDSHAKE,
	    P(21000, C, PA, 1001, 5001, 100, 1000, 0),
	    P(21100, C, PA, 1101, 5001, 100, 1000, 0),
	    P(21200, C, PA, 1201, 5001, 100, 1000, 0),
	    P(30000, S, ACK, 5001, 1101, 0, 1000, 0),
	    P(30100, S, ACK, 5001, 1101, 0, 1000, DUP),
	    P(30200, S, ACK, 5001, 1101, 0, 1000, DUP),
	    P(32000, C, PA, 1101, 5001, 100, 1000, FAST),
	    P(40000, S, ACK, 5001, 1301, 0, 1000, 0),
	    /* a resend long after the duplicate ACKs is an ordinary retransmission */
	    P(900000, C, PA, 1201, 5001, 100, 1000, SPUR),
	};
	struct tcp_pkt_analysis a[NSTEPS(s)];
	struct tcp_conv *tc = tcp_conv_new();
	RUN(tc, s, a);
	assert_int_equal(a[7].dup_ack_num, 1);
	assert_int_equal(a[7].dup_ack_frame, 7);
	assert_int_equal(a[8].dup_ack_num, 2);
	assert_int_equal(a[8].dup_ack_frame, 7);
	assert_int_equal(a[6].acks_frame, 4);
	assert_int_equal(a[10].acks_frame, 6);
	struct tcp_health h;
	tcp_conv_health(tc, &h);
	assert_int_equal(h.flag_count[TA_DUPLICATE_ACK], 2);
	assert_int_equal(h.flag_count[TA_FAST_RETRANSMISSION], 1);
	assert_int_equal(h.flag_count[TA_RETRANSMISSION], 2);
	assert_int_equal(h.retrans_segments[C], 2);
	tcp_conv_free(tc);
}

static void test_spurious_retransmission(void **state)
{
	(void)state;
	static const struct step s[] = {
	    HANDSHAKE,
	    P(21000, C, PA, 1001, 5001, 100, 1000, 0),
	    P(30000, S, ACK, 5001, 1101, 0, 1000, 0),
	    P(321000, C, PA, 1001, 5001, 100, 1000, SPUR),
	    /* checked even when the segment does not go backwards */
	    P(322000, C, PA, 1101, 5001, 100, 1000, 0),
	};
	struct tcp_pkt_analysis a[NSTEPS(s)];
	struct tcp_conv *tc = tcp_conv_new();
	RUN(tc, s, a);
	tcp_conv_free(tc);
}

static void test_lost_and_out_of_order(void **state)
{
	(void)state;
	static const struct step s[] = {
	    HANDSHAKE, /* irtt 20 ms: the out-of-order window */
	    P(21000, C, PA, 1101, 5001, 100, 1000, LOST),
	    P(22000, C, PA, 1001, 5001, 100, 1000, OOO),
	    P(23000, C, PA, 1201, 5001, 100, 1000, 0),
	    /* older than the irtt: a retransmission */
	    P(100000, C, PA, 1001, 5001, 100, 1000, RT),
	};
	struct tcp_pkt_analysis a[NSTEPS(s)];
	struct tcp_conv *tc = tcp_conv_new();
	RUN(tc, s, a);
	assert_int_equal(a[3].bytes_in_flight, -1); /* not after a lost segment */
	tcp_conv_free(tc);
}

static void test_out_of_order_default_window(void **state)
{
	(void)state;
	/* no handshake: no irtt, so the window is 3 ms */
	static const struct step s[] = {
	    P(0, C, PA, 1101, 5001, 100, 1000, 0),
	    P(1000, C, PA, 1301, 5001, 100, 1000, LOST),
	    P(3000, C, PA, 1201, 5001, 100, 1000, OOO),
	    P(9000, C, PA, 1201, 5001, 100, 1000, RT),
	};
	struct tcp_pkt_analysis a[NSTEPS(s)];
	struct tcp_conv *tc = tcp_conv_new();
	RUN(tc, s, a);
	assert_int_equal(a[3].irtt_ns, -1);
	tcp_conv_free(tc);
}

static void test_acked_unseen_segment(void **state)
{
	(void)state;
	static const struct step s[] = {
	    HANDSHAKE,
	    P(21000, S, PA, 5001, 1001, 100, 1000, 0),
	    P(22000, C, ACK, 1001, 5201, 0, 1000, ACKLOST),
	    /* reported once: the test stays off ... */
	    P(23000, C, ACK, 1001, 5301, 0, 1000, 0),
	    /* ... until the sender shows a hole of its own */
	    P(24000, S, PA, 5301, 1001, 100, 1000, LOST),
	    P(25000, C, ACK, 1001, 5401, 0, 1000, ACKLOST),
	};
	struct tcp_pkt_analysis a[NSTEPS(s)];
	struct tcp_conv *tc = tcp_conv_new();
	RUN(tc, s, a);
	tcp_conv_free(tc);
}

static void test_acked_unseen_across_a_hole(void **state)
{
	(void)state;
	static const struct step s[] = {
	    HANDSHAKE,
	    P(21000, S, PA, 5001, 1001, 100, 1000, 0),
	    P(21100, S, PA, 5101, 1001, 100, 1000, 0),
	    P(21200, S, PA, 5401, 1001, 100, 1000, LOST),
	    /* inside the hole [5201, 5401): reported, then the mark moves to 5501 */
	    P(22000, C, ACK, 1001, 5301, 0, 1000, ACKLOST),
	    P(23000, C, ACK, 1001, 5501, 0, 1000, 0),
	    P(24000, C, ACK, 1001, 5601, 0, 1000, ACKLOST),
	};
	struct tcp_pkt_analysis a[NSTEPS(s)];
	struct tcp_conv *tc = tcp_conv_new();
	RUN(tc, s, a);
	tcp_conv_free(tc);
}

static void test_zero_window_probe_and_ack(void **state)
{
	(void)state;
	static const struct step s[] = {
	    HANDSHAKE,
	    P(21000, C, PA, 1001, 5001, 100, 1000, 0),
	    P(22000, S, ACK, 5001, 1101, 0, 0, ZW),
	    P(222000, C, ACK, 1101, 5001, 1, 1000, ZWP),
	    P(223000, S, ACK, 5001, 1101, 0, 0, ZW | ZWPACK),
	    P(623000, C, ACK, 1101, 5001, 1, 1000, ZWP),
	    P(624000, S, ACK, 5001, 1101, 0, 2000, WUPD),
	    /* probes do not move nextseq: the real data starts at 1101 */
	    P(625000, C, PA, 1101, 5001, 100, 1000, 0),
	};
	struct tcp_pkt_analysis a[NSTEPS(s)];
	struct tcp_conv *tc = tcp_conv_new();
	RUN(tc, s, a);
	struct tcp_health h;
	tcp_conv_health(tc, &h);
	assert_int_equal(h.flag_count[TA_ZERO_WINDOW], 2);
	assert_int_equal(h.flag_count[TA_ZERO_WINDOW_PROBE], 2);
	assert_int_equal(h.flag_count[TA_ZERO_WINDOW_PROBE_ACK], 1);
	tcp_conv_free(tc);
}

static void test_window_full_with_scaling(void **state)
{
	(void)state;
	struct step s[] = {
	    P(0, C, SYN, 1000, 0, 0, 1000, 0), P(10000, S, SA, 5000, 1001, 0, 1000, 0),
	    P(20000, C, ACK, 1001, 5001, 0, 250, 0),
	    /* window changed: an update; 100 << 2 = 400 bytes from 1001 */
	    P(21000, S, ACK, 5001, 1001, 0, 100, WUPD),
	    P(22000, C, PA, 1001, 5001, 400, 250, WFULL), P(23000, S, ACK, 5001, 1401, 0, 200, 0),
	    P(24000, C, PA, 1401, 5001, 799, 250, 0),
	    P(25000, C, PA, 2200, 5001, 1, 250, WFULL), /* 1401 + 200 << 2 = 2201 */
	};
	s[0].wsopt = 1 + 2;
	s[1].wsopt = 1 + 2;
	struct tcp_pkt_analysis a[NSTEPS(s)];
	struct tcp_conv *tc = tcp_conv_new();
	RUN(tc, s, a);
	tcp_conv_free(tc);
}

static void test_no_window_full_without_scale_option_known(void **state)
{
	(void)state;
	/* midstream: the scale is not known, so no window-full test at all */
	static const struct step s[] = {
	    P(0, S, ACK, 5001, 1001, 0, 100, 0),
	    P(1000, C, PA, 1001, 5001, 100, 1000, 0),
	};
	struct tcp_pkt_analysis a[NSTEPS(s)];
	struct tcp_conv *tc = tcp_conv_new();
	RUN(tc, s, a);
	tcp_conv_free(tc);
}

static void test_keep_alive_and_ack(void **state)
{
	(void)state;
	static const struct step s[] = {
	    HANDSHAKE,
	    P(21000, C, PA, 1001, 5001, 100, 1000, 0),
	    P(30000, S, ACK, 5001, 1101, 0, 1000, 0),
	    P(60030000, C, ACK, 1100, 5001, 1, 1000, KA),
	    P(60031000, S, ACK, 5001, 1101, 0, 1000, KAACK),
	    P(120031000, C, ACK, 1100, 5001, 0, 1000, KA),
	    P(120032000, S, ACK, 5001, 1101, 0, 1000, KAACK),
	};
	struct tcp_pkt_analysis a[NSTEPS(s)];
	struct tcp_conv *tc = tcp_conv_new();
	RUN(tc, s, a);
	tcp_conv_free(tc);
}

static void test_reused_ports(void **state)
{
	(void)state;
	static const struct step s[] = {
	    HANDSHAKE,
	    P(21000, C, PA, 1001, 5001, 100, 1000, 0),
	    P(30000, S, ACK, 5001, 1101, 0, 1000, 0),
	    P(40000, C, FA, 1101, 5001, 0, 1000, 0),
	    P(41000, S, FA, 5001, 1102, 0, 1000, 0),
	    P(42000, C, ACK, 1102, 5002, 0, 1000, 0),
	    /* a new SYN with another ISN: a new connection, nothing carried over */
	    P(10000000, C, SYN, 9000, 0, 0, 1000, REUSED),
	    P(10005000, S, SA, 7000, 9001, 0, 1000, 0),
	    P(10010000, C, ACK, 9001, 7001, 0, 1000, 0),
	    P(10011000, C, PA, 9001, 7001, 100, 1000, 0),
	    /* the same ISN again is a retransmission, not a new connection */
	    P(10500000, C, SYN, 9000, 0, 0, 1000, RT),
	};
	struct tcp_pkt_analysis a[NSTEPS(s)];
	struct tcp_conv *tc = tcp_conv_new();
	RUN(tc, s, a);
	assert_int_equal(a[8].irtt_ns, -1);
	assert_int_equal(a[10].irtt_ns, 10 * MS); /* measured again */
	assert_int_equal(a[11].bytes_in_flight, 100);
	tcp_conv_free(tc);
}

static void test_reused_ports_synack(void **state)
{
	(void)state;
	/* tls-subjectaltname pattern: a stale peer answers, the client resets and retries */
	static const struct step s[] = {
	    P(0, C, SYN, 1000, 0, 0, 1000, 0),
	    P(1000, S, ACK, 7000, 3000, 0, 1000, ACKLOST),
	    P(2000, C, RST, 3000, 3000, 0, 1000, 0),
	    P(100000, C, SYN, 1000, 0, 0, 1000, RT),
	    /* a SYN-ACK with a new ISN is flagged but keeps the state (seq < nextseq 7000) */
	    P(101000, S, SA, 5000, 1001, 0, 1000, RT | REUSED),
	    P(102000, C, ACK, 1001, 5001, 0, 1000, 0),
	    P(103000, C, PA, 1001, 5001, 100, 1000, 0),
	};
	struct tcp_pkt_analysis a[NSTEPS(s)];
	struct tcp_conv *tc = tcp_conv_new();
	RUN(tc, s, a);
	assert_int_equal(a[4].acks_frame, 4);
	tcp_conv_free(tc);
}

static void test_sequence_wraparound(void **state)
{
	(void)state;
	static const struct step s[] = {
	    P(0, C, SYN, 0xFFFFFF00u, 0, 0, 1000, 0),
	    P(10000, S, SA, 5000, 0xFFFFFF01u, 0, 1000, 0),
	    P(20000, C, ACK, 0xFFFFFF01u, 5001, 0, 1000, 0),
	    P(21000, C, PA, 0xFFFFFF01u, 5001, 0x80, 1000, 0),
	    P(21100, C, PA, 0xFFFFFF81u, 5001, 0x100, 1000, 0), /* crosses 2^32 */
	    P(21200, C, PA, 0x81, 5001, 0x80, 1000, 0),
	    P(30000, S, ACK, 5001, 0x101, 0, 1000, 0),
	    P(330000, C, PA, 0xFFFFFF81u, 5001, 0x100, 1000, SPUR),
	    P(331000, C, PA, 0x201, 5001, 0x80, 1000, LOST),
	    P(332000, C, PA, 0x101, 5001, 0x80, 1000, OOO),
	};
	struct tcp_pkt_analysis a[NSTEPS(s)];
	struct tcp_conv *tc = tcp_conv_new();
	RUN(tc, s, a);
	assert_int_equal(a[5].bytes_in_flight, 0x200);
	assert_int_equal(a[6].acks_frame, 6);
	tcp_conv_free(tc);
}

static void test_irtt_zero_delta_stays_unknown(void **state)
{
	(void)state;
	/* tshark keeps a zero irtt as "not yet": the next ACK without SYN sets it */
	static const struct step s[] = {
	    P(0, C, SYN, 1000, 0, 0, 1000, 0),
	    P(0, S, SA, 5000, 1001, 0, 1000, 0),
	    P(0, C, ACK, 1001, 5001, 0, 1000, 0),
	    P(5000, C, PA, 1001, 5001, 100, 1000, 0),
	};
	struct tcp_pkt_analysis a[NSTEPS(s)];
	struct tcp_conv *tc = tcp_conv_new();
	RUN(tc, s, a);
	assert_int_equal(a[2].irtt_ns, -1);
	assert_int_equal(a[3].irtt_ns, 5 * MS);
	tcp_conv_free(tc);
}

static void test_bytes_in_flight_less_sacked(void **state)
{
	(void)state;
	struct step s[] = {
	    HANDSHAKE,
	    P(21000, S, PA, 5001, 1001, 1000, 1000, WFULL), /* fills the client's 1000 */
	    P(22000, C, ACK, 1001, 5001, 0, 1000, DUP),
	    P(23000, S, PA, 6001, 1001, 100, 1000, 0),
	};
	/* four SACK blocks of 100 bytes: tshark subtracts the first three */
	s[4].nsack = 4;
	for (unsigned i = 0; i < 4; i++) {
		s[4].sack[i][0] = 5101 + 200 * i;
		s[4].sack[i][1] = 5201 + 200 * i;
	}
	struct tcp_pkt_analysis a[NSTEPS(s)];
	struct tcp_conv *tc = tcp_conv_new();
	RUN(tc, s, a);
	assert_int_equal(a[3].bytes_in_flight, 1000);
	assert_int_equal(a[5].bytes_in_flight, 1100 - 300);
	tcp_conv_free(tc);
}

static void test_unacked_list_is_capped(void **state)
{
	(void)state;
	struct tcp_conv *tc = tcp_conv_new();
	struct tcp_pkt_analysis a;
	struct step st = P(0, C, PA, 1001, 5001, 100, 1000, 0);
	uint64_t frame = 1;
	/* 12000 segments never acknowledged: Wireshark keeps 10000 */
	for (unsigned i = 0; i < 12000; i++, frame++) {
		st.t_us = i;
		st.seq = 1001 + 100 * i;
		struct packet p = mkpkt(&st, frame);
		tcp_conv_analyze(tc, &p, C, &a);
		assert_int_equal(a.flags, i == 0 ? 0 : 0);
	}
	assert_int_equal(a.bytes_in_flight, 10000 * 100);
	/* the ACK of the 10000th segment names it */
	struct step ack = P(20000, S, ACK, 5001, 1001 + 100 * 10000, 0, 1000, 0);
	struct packet p = mkpkt(&ack, frame++);
	tcp_conv_analyze(tc, &p, S, &a);
	assert_int_equal(a.acks_frame, 10000);
	/* the list has room again: the next segment is in flight alone */
	st.seq = 1001 + 100 * 12000;
	st.t_us = 30000;
	p = mkpkt(&st, frame++);
	tcp_conv_analyze(tc, &p, C, &a);
	assert_int_equal(a.flags, 0);
	assert_int_equal(a.bytes_in_flight, 100);
	tcp_conv_free(tc);
}

static void test_rtt_percentiles(void **state)
{
	(void)state;
	struct tcp_conv *tc = tcp_conv_new();
	struct tcp_pkt_analysis a;
	uint64_t frame = 1;
	int64_t t = 0;
	/* 100 segments each acknowledged after i ms (1..100) */
	for (uint32_t i = 1; i <= 100; i++) {
		struct step d = P(t, C, PA, 1001 + 10 * (i - 1), 5001, 10, 1000, 0);
		struct packet p = mkpkt(&d, frame++);
		tcp_conv_analyze(tc, &p, C, &a);
		struct step k = P(t + i * 1000, S, ACK, 5001, 1001 + 10 * i, 0, 1000, 0);
		p = mkpkt(&k, frame++);
		tcp_conv_analyze(tc, &p, S, &a);
		assert_int_equal(a.ack_rtt_ns, (int64_t)i * MS);
		t += 200000;
	}
	struct tcp_health h;
	tcp_conv_health(tc, &h);
	assert_int_equal(h.rtt_samples, 100);
	assert_int_equal(h.rtt_max_ns, 100 * MS);
	/* the histogram has 8 buckets per power of two: within 1/16 of the true value */
	assert_true(h.rtt_p50_ns >= 50 * MS * 15 / 16 && h.rtt_p50_ns <= 50 * MS * 17 / 16);
	assert_true(h.rtt_p95_ns >= 95 * MS * 15 / 16 && h.rtt_p95_ns <= 95 * MS * 17 / 16);
	assert_int_equal(h.first_dir, C);
	assert_int_equal(h.syn_dir, -1);
	assert_int_equal(h.irtt_ns, -1);
	tcp_conv_free(tc);
}

static void test_flag_names(void **state)
{
	(void)state;
	assert_string_equal(tcp_aflag_name(TA_RETRANSMISSION), "retransmission");
	assert_string_equal(tcp_aflag_name(TA_ZERO_WINDOW_PROBE_ACK), "zero_window_probe_ack");
	assert_string_equal(tcp_aflag_name(TA_REUSED_PORTS), "reused_ports");
	assert_string_equal(tcp_aflag_name(TA_COUNT), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_clean_transfer),
	    cmocka_unit_test(test_retransmission_after_rto),
	    cmocka_unit_test(test_fast_retransmission_and_dup_acks),
	    cmocka_unit_test(test_spurious_retransmission),
	    cmocka_unit_test(test_lost_and_out_of_order),
	    cmocka_unit_test(test_out_of_order_default_window),
	    cmocka_unit_test(test_acked_unseen_segment),
	    cmocka_unit_test(test_acked_unseen_across_a_hole),
	    cmocka_unit_test(test_zero_window_probe_and_ack),
	    cmocka_unit_test(test_window_full_with_scaling),
	    cmocka_unit_test(test_no_window_full_without_scale_option_known),
	    cmocka_unit_test(test_keep_alive_and_ack),
	    cmocka_unit_test(test_reused_ports),
	    cmocka_unit_test(test_reused_ports_synack),
	    cmocka_unit_test(test_sequence_wraparound),
	    cmocka_unit_test(test_irtt_zero_delta_stays_unknown),
	    cmocka_unit_test(test_bytes_in_flight_less_sacked),
	    cmocka_unit_test(test_unacked_list_is_capped),
	    cmocka_unit_test(test_rtt_percentiles),
	    cmocka_unit_test(test_flag_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
