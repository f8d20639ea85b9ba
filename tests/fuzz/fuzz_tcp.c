/* fuzz_tcp.c - libFuzzer harness: packet sequences through the flow table, TCP analysis,
 * per-flow observations, service roll-ups, dedup and findings.
 *
 * Random bytes rarely make a meaningful TCP exchange, so the input is read as records of
 * 20 bytes, each one TCP segment between a few fixed endpoints:
 *
 *   0      1      2..5   6..9   10..11  12..13   14..15   16      17     18..19
 *   +------+------+------+------+-------+--------+--------+-------+------+-------+
 *   | conn | flags| seq  | ack  | win   | paylen | dt us  | opts  | sess | mss   |
 *   +------+------+------+------+-------+--------+--------+-------+------+-------+
 *
 * conn bit 0 = direction, bits 1-2 = which of 4 connections; opts bit 0 = wscale option
 * (shift = opts >> 4), bit 1 = SACK block [ack, ack + paylen), bit 2 = timestamps, bit 3 =
 * truncated copy; sess picks one of 2 mirror sessions.  Sequence numbers are relative to a
 * per-connection base so wrap-around gets exercised.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/finding.h"
#include "analyze/services.h"
#include "analyze/tcp_analysis.h"
#include "analyze/tcp_findings.h"
#include "analyze/tcp_obs.h"
#include "flow/flow.h"
#include "mirror/dedup.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

struct ctx {
	struct service_table *svc;
};

struct ext {
	struct tcp_conv *tc;
	struct tcp_obs obs;
	uint64_t first[TA_COUNT];
};

static void on_end(struct flow *f, enum flow_end_reason why, void *c)
{
	(void)why;
	struct ctx *x = c;
	struct ext *e = f->ext[0];
	if (!e)
		return;
	struct tcp_health h;
	tcp_conv_health(e->tc, &h);
	service_table_flow(x->svc, f, &h, &e->obs, e->first);
	tcp_conv_free(e->tc);
	free(e);
	f->ext[0] = NULL;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct ctx x;
	x.svc = service_table_new();
	if (!x.svc)
		return 0;
	struct flow_table_cfg cfg;
	flow_table_cfg_default(&cfg);
	cfg.max_flows = 16;
	cfg.tcp_idle_ns = INT64_C(5) * 1000000000;
	struct flow_table *t = flow_table_new(&cfg, on_end, &x);
	struct dedup_cfg dc;
	dedup_cfg_default(&dc);
	struct dedup dd;
	dedup_init(&dd, &dc);
	int64_t now = INT64_C(1700000000) * 1000000000;
	static const uint32_t base[4] = {0, 0xfffff000u, 0x7fffffffu, 12345};
	for (size_t off = 0; t && off + 20 <= n; off += 20) {
		const uint8_t *r = d + off;
		struct packet p;
		memset(&p, 0, sizeof(p));
		int conn = (r[0] >> 1) & 3, dir = r[0] & 1;
		p.has_ip = p.has_l4 = true;
		p.ip_ver = 4;
		p.src.family = p.dst.family = 4;
		uint8_t a = (uint8_t)(1 + conn), b = 100;
		p.src.a[0] = p.dst.a[0] = 10;
		p.src.a[3] = dir ? b : a;
		p.dst.a[3] = dir ? a : b;
		p.proto = IPPROTO_NUM_TCP;
		p.sport = dir ? 80 : (uint16_t)(40000 + conn);
		p.dport = dir ? (uint16_t)(40000 + conn) : 80;
		p.tcp_flags = r[1];
		p.seq = base[conn] + be32(r + 2);
		p.ack = base[conn] + be32(r + 6);
		p.window = (uint16_t)(r[10] << 8 | r[11]);
		p.payload_len = (uint32_t)(r[12] << 8 | r[13]) % 9000;
		now += (int64_t)(r[14] << 8 | r[15]) * 1000;
		p.ts_ns = now;
		p.frame = off / 20 + 1;
		p.ip_len = 40 + p.payload_len;
		p.ip_id = (uint16_t)off;
		p.ttl = 64;
		p.mss = r[17] & 1 ? -1 : (int32_t)(r[18] << 8 | r[19]);
		p.wscale = (r[16] & 1) ? (int8_t)(r[16] >> 4) : -1;
		if (r[16] & 2) {
			p.nsack = 1;
			p.sack[0][0] = p.ack;
			p.sack[0][1] = p.ack + p.payload_len;
		}
		if (r[16] & 4) {
			p.has_ts = true;
			p.tsval = (uint32_t)off;
		}
		p.truncated = r[16] & 8;
		if (r[17] & 2) {
			p.ntun = 1;
			p.tun[0].kind = TUN_VXLAN;
			p.tun[0].has_id = true;
			p.tun[0].id = 7;
			p.tun[0].src.family = 4;
			p.tun[0].src.a[3] = (uint8_t)(r[17] >> 2 & 1);
		}
		uint32_t first;
		if (dedup_packet(&dd, &p, r[17] >> 2 & 1, 2, 0, &first))
			continue;
		int fd;
		struct flow *f = flow_table_packet(t, &p, &fd);
		if (!f)
			continue;
		struct ext *e = f->ext[0];
		if (!e) {
			e = calloc(1, sizeof(*e));
			if (!e)
				continue;
			e->tc = tcp_conv_new();
			tcp_obs_init(&e->obs);
			f->ext[0] = e;
		}
		if (!e->tc)
			continue;
		struct tcp_pkt_analysis ta;
		tcp_conv_analyze(e->tc, &p, fd, &ta);
		tcp_obs_packet(&e->obs, &p, fd, &ta);
		for (int i = 0; i < TA_COUNT; i++)
			if ((ta.flags & TA_BIT(i)) && !e->first[i])
				e->first[i] = p.frame;
	}
	if (t) {
		flow_table_flush(t);
		flow_table_free(t);
	}
	struct icmp_seen icmp;
	memset(&icmp, 0, sizeof(icmp));
	struct finding_list fl = {0};
	tcp_findings(x.svc, &icmp, &fl);
	findings_sort(&fl);
	findings_free(&fl);
	service_table_free(x.svc);
	dedup_fini(&dd);
	return 0;
}
