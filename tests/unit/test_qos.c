/* test_qos.c - traffic classes, the class-map file, and the rate-limit verdicts on synthetic
 * TCP senders whose limit is known (a flat ceiling with a growing queue, with periodic drops,
 * a receiver that closes its window, a sender with idle gaps), and aggregate limits: several
 * senders whose shares move while their sum is flat; and roll-ups shared by two flow tables
 * (the target's workers) equal to one table's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <errno.h>

#include <cmocka.h>

#include "analyze/qos.h"
#include "analyze/rate_aggregate.h"
#include "analyze/rate_limit.h"
#include "analyze/traffic_class.h"

static void test_default_map(void **state)
{
	(void)state;
	struct tclass_map m;
	tclass_map_default(&m);
	static const struct {
		uint8_t proto;
		uint16_t sport, dport;
		int dscp;
		enum tclass want;
	} cases[] = {
		{17, 40000, 40000, 46, TC_VOICE},  {17, 5060, 5060, 0, TC_VOICE},
		{17, 40000, 40002, 0, TC_VOICE},   {17, 40001, 40002, 0, TC_OTHER},
		{6, 51000, 5432, 0, TC_DATABASE},  {6, 3306, 51000, 0, TC_DATABASE},
		{6, 51000, 6379, 0, TC_DATABASE},  {6, 51000, 27017, 0, TC_DATABASE},
		{6, 51000, 443, 0, TC_WEB},        {6, 51000, 22, 0, TC_INTERACTIVE},
		{6, 51000, 9999, 34, TC_VIDEO},    {6, 51000, 873, 0, TC_BULK},
		{6, 51000, 9999, 0, TC_OTHER},     {17, 53, 51000, 0, TC_OTHER},
		{6, 51000, 5432, 46, TC_VOICE}, /* the marking comes first */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum tclass c = tclass_of(&m, cases[i].proto, cases[i].sport, cases[i].dport,
					  cases[i].dscp);
		if (c != cases[i].want)
			fail_msg("case %zu: %s, want %s", i, tclass_name(c), tclass_name(cases[i].want));
	}
	assert_int_equal(tclass_refine(TC_OTHER, 6, 20000000, 10), TC_BULK);
	assert_int_equal(tclass_refine(TC_OTHER, 6, 20000000, 1), TC_OTHER);
	assert_int_equal(tclass_refine(TC_DATABASE, 6, 20000000, 10), TC_DATABASE);
	char b[16];
	assert_string_equal(dscp_name(46, b, sizeof(b)), "EF");
	assert_string_equal(dscp_name(34, b, sizeof(b)), "AF41");
	assert_string_equal(dscp_name(8, b, sizeof(b)), "CS1");
	assert_string_equal(dscp_name(0, b, sizeof(b)), "BE");
	assert_string_equal(dscp_name(5, b, sizeof(b)), "5");
}

static char *write_tmp(const char *text)
{
	char *path = strdup("/tmp/test_qos.XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_map_file(void **state)
{
	(void)state;
	struct tclass_map m;
	unsigned line;
	char *p = write_tmp("# ours\ndatabase port 9000-9010 tcp\nvoice dscp 40\n\nbulk rtp\n");
	assert_int_equal(tclass_map_load(&m, p, &line), 0);
	assert_int_equal(tclass_of(&m, 6, 51000, 9005, 0), TC_DATABASE);
	assert_int_equal(tclass_of(&m, 17, 51000, 9005, 0), TC_OTHER);
	assert_int_equal(tclass_of(&m, 6, 51000, 80, 40), TC_VOICE);
	assert_int_equal(tclass_of(&m, 17, 40000, 40000, 0), TC_BULK); /* before the default */
	assert_int_equal(tclass_of(&m, 6, 51000, 443, 0), TC_WEB);      /* defaults follow */
	/* the application's voice: after the file's rules, before the defaults */
	const uint8_t voice = TC_VOICE + 1;
	assert_int_equal(m.nuser, 3);
	assert_int_equal(tclass_of_flow(&m, 17, 40001, 7078, 0, voice), TC_VOICE);
	assert_int_equal(tclass_of_flow(&m, 17, 40000, 40000, 0, voice), TC_BULK); /* file wins */
	assert_int_equal(tclass_of_flow(&m, 6, 51000, 443, 0, voice), TC_VOICE);  /* over web */
	assert_int_equal(tclass_of_flow(&m, 6, 51000, 443, 0, 0), TC_WEB);
	assert_int_equal(tclass_of_flow(&m, 6, 51000, 443, 0, TC_COUNT + 1), TC_WEB); /* bad */
	unlink(p);
	free(p);
	static const char *const bad[] = {
		"voice dscp 64\n", "nosuch port 80\n", "web port 0\n", "web port 90-80\n",
		"web port 80 sctp\n", "web\n", "voice dscp 4x\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[64];
		snprintf(text, sizeof(text), "web port 80\n%s", bad[i]);
		p = write_tmp(text);
		assert_int_equal(tclass_map_load(&m, p, &line), -EINVAL);
		assert_int_equal(line, 2);
		unlink(p);
		free(p);
	}
	assert_true(tclass_map_load(&m, "/nonexistent/map", &line) < 0);
}

/* A synthetic bulk sender: MSS 1448, one data segment every `gap_ns` (the bottleneck's
 * pace), each ACKed `rtt_ns(i)` later (the capture is next to the sender); every `drop_every`
 * segment is lost and resent (0: none); zero windows from the receiver when `zwin`. */
struct sim {
	int64_t gap_ns;
	int64_t base_rtt_ns, queue_growth_ns; /* RTT = base + min(i * growth, cap) */
	int64_t queue_cap_ns;
	unsigned drop_every;
	bool zwin;
	int64_t idle_every_ns; /* > 0: the sender pauses 300 ms every this long */
};

static void feed(struct rl_dir d[2], const struct sim *s, unsigned nseg)
{
	struct packet p;
	struct tcp_pkt_analysis ta;
	uint32_t seq = 1000;
	int64_t t = 1000000000LL, pause = 0;
	for (unsigned i = 0; i < nseg; i++) {
		if (s->idle_every_ns && t - pause > s->idle_every_ns) {
			t += 300000000;
			pause = t;
		}
		int64_t q = (int64_t)i * s->queue_growth_ns;
		if (q > s->queue_cap_ns)
			q = s->queue_cap_ns;
		bool lost = s->drop_every && i % s->drop_every == s->drop_every - 1;
		memset(&p, 0, sizeof(p));
		memset(&ta, 0, sizeof(ta));
		ta.ack_rtt_ns = -1;
		p.ts_ns = t;
		p.frame = 2 * i + 1;
		p.seq = seq;
		p.payload_len = 1448;
		p.ip_len = 1500;
		p.tcp_flags = TCP_ACK;
		if (s->zwin && i % 20 == 19)
			ta.flags = TA_BIT(TA_WINDOW_FULL);
		rl_tcp(d, &p, 0, &ta);
		if (lost) { /* resent at once: the policer's drop, at the same pace */
			p.frame++;
			rl_tcp(d, &p, 0, &ta);
		}
		/* the ACK */
		memset(&p, 0, sizeof(p));
		memset(&ta, 0, sizeof(ta));
		p.ts_ns = t + s->base_rtt_ns + q;
		p.frame = 2 * i + 2;
		p.ack = seq + 1448;
		p.tcp_flags = TCP_ACK;
		ta.ack_rtt_ns = s->base_rtt_ns + q;
		if (s->zwin && i % 20 == 19)
			ta.flags = TA_BIT(TA_ZERO_WINDOW);
		rl_tcp(d, &p, 1, &ta);
		seq += 1448;
		t += s->gap_ns;
	}
}

static void verdict_of(const struct sim *s, unsigned nseg, struct rl_diag *g)
{
	struct rl_dir d[2];
	rl_dir_init(&d[0]);
	rl_dir_init(&d[1]);
	feed(d, s, nseg);
	rl_diagnose(&d[0], g);
	rl_dir_fini(&d[0]);
	rl_dir_fini(&d[1]);
}

static void test_verdicts(void **state)
{
	(void)state;
	struct rl_diag g;
	/* 1500-byte packets every 1.2 ms: 10 Mbit/s at the IP layer, 4 s */
	const int64_t gap = 1200000;
	struct sim shaper = {.gap_ns = gap, .base_rtt_ns = 2000000, .queue_growth_ns = 100000,
			     .queue_cap_ns = 80000000};
	verdict_of(&shaper, 3300, &g);
	assert_int_equal(g.verdict, RL_SHAPER);
	assert_true(g.rate_bps > 9.5e6 && g.rate_bps < 10.5e6);
	assert_true(g.added_ms > 50);

	struct sim policer = {.gap_ns = gap, .base_rtt_ns = 2000000, .drop_every = 50};
	verdict_of(&policer, 3300, &g);
	assert_int_equal(g.verdict, RL_POLICER);
	assert_true(g.rate_bps > 9.0e6 && g.rate_bps < 10.5e6);
	assert_true(g.added_ms < 1);

	struct sim paced = {.gap_ns = gap, .base_rtt_ns = 2000000};
	verdict_of(&paced, 3300, &g);
	assert_int_equal(g.verdict, RL_SENDER);

	struct sim rwnd = {.gap_ns = gap, .base_rtt_ns = 2000000, .zwin = true};
	verdict_of(&rwnd, 3300, &g);
	assert_int_equal(g.verdict, RL_RECEIVER);

	struct sim idle = {.gap_ns = gap, .base_rtt_ns = 2000000, .idle_every_ns = 200000000};
	verdict_of(&idle, 3300, &g);
	assert_int_equal(g.verdict, RL_SENDER);
	assert_true(g.idle_bins > 0);

	/* too short for any verdict */
	verdict_of(&shaper, 100, &g);
	assert_int_equal(g.verdict, RL_NONE);
}


/* Four senders to one server for 4 s: shares that trade places every bin (no flow has a
 * plateau) around a sum of `sum_bps` (payload), `jitter` the sum's spread (0..1); every
 * `rtx_every` bin a resend (0: none).  Members end with the given RTT figures and verdict. */
static void agg_run(struct agg_table *t, double sum_bps, double jitter, unsigned rtx_every,
		    double added_ms, double peak_ms, enum rl_verdict v, unsigned members, int *idx)
{
	struct flow f[4];
	int i[4];
	for (unsigned k = 0; k < members; k++) {
		memset(&f[k], 0, sizeof(f[k]));
		f[k].src.family = f[k].dst.family = 4;
		f[k].src.a[0] = 10;
		f[k].src.a[3] = (uint8_t)(1 + k);
		f[k].dst.a[0] = 10;
		f[k].dst.a[3] = 200;
		f[k].id = 10 + k;
		i[k] = agg_find(t, AGG_SERVER, &f[k], 0, TC_BULK);
		assert_true(i[k] >= 0);
		assert_int_equal(i[k], i[0]); /* one server, one aggregate */
		assert_int_equal(agg_find(t, AGG_SERVER, &f[k], 1, TC_BULK) == i[0], false);
	}
	const int64_t t0 = 1700000000000000000LL;
	uint64_t per[4] = {0};
	for (unsigned b = 0; b < 40; b++) {
		double total = sum_bps * RL_WIDTH_NS / 1e9 / 8 * (1 + jitter * ((int)(b % 5) - 2) / 2.0);
		for (unsigned k = 0; k < members; k++) {
			/* weights 1..members, rotated each bin */
			double w = (double)(1 + (k + b) % members) * 2 / (members * (members + 1));
			uint64_t bytes = (uint64_t)(total * w);
			per[k] += bytes;
			agg_add(t, i[k], t0 + (int64_t)b * RL_WIDTH_NS + 1000, bytes,
				(uint32_t)(bytes / 1448 + 1),
				rtx_every && b % rtx_every == 0 && k == 0 ? 1 : 0, 0);
		}
	}
	for (unsigned k = 0; k < members; k++) {
		struct rl_dir r;
		rl_dir_init(&r);
		r.acked = r.payload = per[k];
		r.ip_bytes = per[k] + per[k] / 1448 * 52;
		struct rl_diag dg = {.verdict = v, .base_rtt_ms = 0.01, .added_ms = added_ms,
				     .peak_rtt_ms = 0.01 + peak_ms};
		agg_member(t, i[k], f[k].id, &r, &dg);
	}
	*idx = i[0];
}

static void test_aggregate(void **state)
{
	(void)state;
	static const struct {
		const char *what;
		double jitter;
		unsigned rtx_every;
		double added, peak;
		enum rl_verdict member, want;
		unsigned members;
	} cases[] = {
		{"shared shaper", 0.05, 0, 30, 100, RL_CONGESTION, RL_SHAPER, 4},
		{"shared policer", 0.05, 2, 4, 10, RL_CONGESTION, RL_POLICER, 4},
		{"no ceiling", 0.9, 2, 4, 10, RL_CONGESTION, RL_NONE, 4},
		{"one member: the per-flow verdict's job", 0.05, 0, 30, 100, RL_CONGESTION, RL_NONE, 1},
		{"a receiver-limited member", 0.05, 0, 30, 100, RL_RECEIVER, RL_NONE, 4},
		{"flat, no loss, no queue: the senders' pace", 0.05, 0, 0.5, 1, RL_SENDER, RL_NONE, 4},
		{"each flow at its own ceiling: per-flow limits", 0.05, 0, 30, 100, RL_SHAPER, RL_NONE,
		 4},
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct agg_table t;
		assert_int_equal(agg_table_init(&t), 0);
		int i;
		agg_run(&t, 20e6, cases[c].jitter, cases[c].rtx_every, cases[c].added,
			cases[c].peak, cases[c].member, cases[c].members, &i);
		struct agg_diag d[AGG_MAX];
		agg_diagnose_all(&t, d);
		if (d[i].verdict != cases[c].want)
			fail_msg("%s: verdict %s, want %s (plateau %.2f, loss %.4f)", cases[c].what,
				 rl_verdict_name(d[i].verdict), rl_verdict_name(cases[c].want),
				 d[i].plateau_frac, d[i].loss);
		if (cases[c].want != RL_NONE) {
			/* the IP-layer rate of the sum: 20 Mbit/s of payload + 52 bytes a segment */
			double want = 20e6 * (1 + 52.0 / 1448);
			if (d[i].rate_bps < 0.95 * want || d[i].rate_bps > 1.05 * want)
				fail_msg("%s: rate %.0f, want ~%.0f", cases[c].what, d[i].rate_bps,
					 want);
			assert_false(d[i].duplicate);
		}
		agg_table_fini(&t);
	}
}


/* Six bulk TCP connections (a policed pace: every 20th segment resent), their packets
 * interleaved, through `nq` QoS tables: connection i in table i % nq at slot i / nq (slots
 * collide across tables on purpose).  With nq == 2, the second table shares the first's
 * roll-ups (qos_new_shared) or, with !shared, has its own. */
#define SH_FLOWS 6
#define SH_SEGS 400
static struct qos *shared_run(unsigned nq, bool shared, struct qos **second)
{
	struct qos_cfg cfg = {.rate_limits = true};
	tclass_map_default(&cfg.map);
	struct qos *q[2] = {qos_new(&cfg, 8), NULL};
	assert_non_null(q[0]);
	if (nq == 2) {
		q[1] = shared ? qos_new_shared(&cfg, 8, q[0]) : qos_new(&cfg, 8);
		assert_non_null(q[1]);
	}
	struct flow f[SH_FLOWS];
	memset(f, 0, sizeof(f));
	uint32_t seq[SH_FLOWS];
	for (unsigned i = 0; i < SH_FLOWS; i++) {
		f[i].id = 1 + i / nq; /* each table numbers its flows */
		f[i].idx = i / nq;
		f[i].proto = IPPROTO_NUM_TCP;
		f[i].src.family = f[i].dst.family = 4;
		f[i].src.a[0] = f[i].dst.a[0] = 10;
		f[i].src.a[3] = (uint8_t)(1 + i);
		f[i].dst.a[2] = 1;
		f[i].dst.a[3] = 1;
		f[i].sport = (uint16_t)(40000 + i);
		f[i].dport = 5001;
		seq[i] = 1000;
	}
	struct packet p;
	struct tcp_pkt_analysis ta;
	int64_t t0 = 1000000000LL;
	for (unsigned k = 0; k < SH_SEGS; k++) {
		for (unsigned i = 0; i < SH_FLOWS; i++) {
			struct qos *w = q[i % nq];
			int64_t t = t0 + (int64_t)k * 8000000 + (int64_t)i * 1000;
			for (int rep = 0; rep < (k % 20 == 19 ? 2 : 1); rep++) {
				memset(&p, 0, sizeof(p));
				memset(&ta, 0, sizeof(ta));
				ta.ack_rtt_ns = -1;
				p.has_ip = p.has_l4 = true;
				p.proto = IPPROTO_NUM_TCP;
				p.ts_ns = t + rep;
				p.seq = seq[i];
				p.payload_len = 1448;
				p.ip_len = 1500;
				p.tcp_flags = TCP_ACK;
				p.mss = -1;
				qos_packet(w, &p, &f[i], 0);
				qos_tcp(w, &p, &f[i], 0, &ta);
			}
			memset(&p, 0, sizeof(p));
			memset(&ta, 0, sizeof(ta));
			p.has_ip = p.has_l4 = true;
			p.proto = IPPROTO_NUM_TCP;
			p.ts_ns = t + 2000000;
			p.ack = seq[i] + 1448;
			p.ip_len = 52;
			p.tcp_flags = TCP_ACK;
			p.mss = -1;
			ta.ack_rtt_ns = 2000000;
			qos_packet(w, &p, &f[i], 1);
			qos_tcp(w, &p, &f[i], 1, &ta);
			seq[i] += 1448;
			f[i].dir[0].first_ns = t0;
			f[i].dir[0].last_ns = f[i].dir[1].last_ns = t;
		}
	}
	for (unsigned i = 0; i < SH_FLOWS; i++)
		qos_flow_end(q[i % nq], &f[i]);
	*second = q[1];
	return q[0];
}

static void test_shared_rollups(void **state)
{
	(void)state;
	struct qos *none, *one = shared_run(1, false, &none);
	struct qos *two2, *two = shared_run(2, true, &two2);
	struct qos *sep2, *sep = shared_run(2, false, &sep2);
	size_t n1, n2, ns;
	const struct qos_rl_result *r1 = qos_results(one, &n1), *r2 = qos_results(two, &n2);
	(void)qos_results(sep, &ns);
	assert_int_equal(n1, SH_FLOWS);
	assert_int_equal(n2, n1);
	assert_int_equal(ns, SH_FLOWS / 2); /* unshared: each table has its own half */
	for (size_t i = 0; i < n1; i++) {
		assert_int_equal(r2[i].bytes, r1[i].bytes);
		assert_int_equal(r2[i].rtx_segs, r1[i].rtx_segs);
		assert_int_equal(r2[i].diag.verdict, r1[i].diag.verdict);
		assert_int_equal(r2[i].sport, r1[i].sport);
	}
	for (int c = 0; c < TC_COUNT; c++) {
		const struct qos_class_stats *c1 = qos_class(one, (enum tclass)c);
		const struct qos_class_stats *c2 = qos_class(two, (enum tclass)c);
		assert_int_equal(c2->flows, c1->flows);
		assert_int_equal(c2->packets, c1->packets);
		assert_int_equal(c2->bytes, c1->bytes);
		assert_int_equal(c2->tcp_segs, c1->tcp_segs);
		assert_int_equal(c2->tcp_rtx, c1->tcp_rtx);
		assert_memory_equal(c2->bins, c1->bins, sizeof(c1->bins));
	}
	struct finding_list a = {0}, b = {0};
	qos_findings(one, &a);
	qos_findings(two, &b);
	assert_true(a.n > 0);
	assert_int_equal(b.n, a.n);
	for (size_t i = 0; i < a.n; i++)
		assert_string_equal(b.v[i].kind, a.v[i].kind);
	findings_free(&a);
	findings_free(&b);
	qos_free(two2); /* before its owner */
	qos_free(two);
	qos_free(sep2);
	qos_free(sep);
	qos_free(one);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_map),
		cmocka_unit_test(test_map_file),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_aggregate),
		cmocka_unit_test(test_shared_rollups),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
