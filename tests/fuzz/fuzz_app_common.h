/* fuzz_app_common.h - the shared parts of the application parser harnesses: an analyzer with
 * records on (fuzz_app_start), the end of a run -- flow ends, findings, reports, the check that
 * every flow's parser state was released (fuzz_app_finish) -- used by all of them, and the
 * driver of fuzz_tls.c, fuzz_sip.c and fuzz_rtp.c (fuzz_app_run): a list of packets on two
 * flows through the whole application analyzer (dispatch, parser, roll-ups, records,
 * findings, reports).  fuzz_http.c and fuzz_dns.c keep their own input formats (their corpora
 * are written in them).  Driver input format:
 *
 *   0       1..2        3 ...
 *   +-------+-----------+--------------------+
 *   | ctl   | len (BE)  | payload: len       |
 *   +-------+-----------+--------------------+
 *
 *   ctl bit 0: direction (1 = server to client); bit 1: the second flow; bit 3: TCP bytes
 *   skipped before this segment (a gap of 100); bit 4: truncated copy (half captured);
 *   bit 5: SYN (TCP); bit 6: 3 s pass first; bit 7: a retransmission (same sequence number
 *   as the last segment of its direction).
 */
#ifndef VXS_FUZZ_APP_COMMON_H
#define VXS_FUZZ_APP_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"

static inline void fuzz_addr4(struct ip_addr *a, uint8_t last)
{
	memset(a, 0, sizeof(*a));
	a->family = 4;
	a->a[0] = 10;
	a->a[3] = last;
}

/* An analyzer writing its records into rb (through rw); NULL on out of memory. */
static inline struct app_analyzer *fuzz_app_start(struct strbuf *rb, struct jsonw *rw)
{
	struct app_analyzer *a = app_analyzer_new();
	if (!a)
		return NULL;
	strbuf_init(rb, NULL);
	jsonw_init(rw, rb);
	app_set_records(a, rw);
	return a;
}

/* End every flow (aborting if a parser kept state on one), then findings and both reports,
 * and free everything fuzz_app_start made. */
static inline void fuzz_app_finish(struct app_analyzer *a, struct flow *f, int nflows,
				   struct strbuf *rb)
{
	for (int k = 0; k < nflows; k++) {
		app_flow_end(a, &f[k]);
		if (f[k].ext[1]) {
			fprintf(stderr, "fuzz: flow state not released at flow end\n");
			abort();
		}
	}
	struct finding_list fl = {0};
	app_findings(a, &fl);
	findings_free(&fl);
	struct strbuf ob;
	strbuf_init(&ob, NULL);
	struct jsonw ow;
	jsonw_init(&ow, &ob);
	app_report_json(a, &ow);
	app_report_text(a, &ob);
	strbuf_fini(&ob);
	strbuf_fini(rb);
	app_analyzer_free(a);
}

static inline void fuzz_app_run(const uint8_t *d, size_t n, uint8_t proto, uint16_t sport, uint16_t dport)
{
	struct strbuf rb;
	struct jsonw rw;
	struct app_analyzer *a = fuzz_app_start(&rb, &rw);
	if (!a)
		return;
	struct flow f[2];
	uint32_t next[2][2], last[2][2];
	memset(f, 0, sizeof(f));
	for (int k = 0; k < 2; k++) {
		f[k].id = (uint64_t)k + 1;
		f[k].proto = proto;
		fuzz_addr4(&f[k].src, 1);
		fuzz_addr4(&f[k].dst, 2);
		f[k].sport = (uint16_t)(sport + 2 * k);
		f[k].dport = dport;
		next[k][0] = last[k][0] = 1000;
		next[k][1] = last[k][1] = 70000;
	}
	int64_t t = 1000000000;
	uint64_t frame = 0;
	size_t i = 0;
	while (i + 3 <= n) {
		uint8_t ctl = d[i];
		size_t len = (size_t)d[i + 1] << 8 | d[i + 2];
		i += 3;
		if (len > n - i)
			len = n - i;
		int dir = ctl & 1, k = ctl >> 1 & 1;
		struct flow *fl = &f[k];
		struct packet p;
		memset(&p, 0, sizeof(p));
		p.frame = ++frame;
		t += ctl & 0x40 ? 3000000000 : 1000000;
		p.ts_ns = t;
		p.has_ip = true;
		p.ip_ver = 4;
		p.proto = proto;
		p.src = dir ? fl->dst : fl->src;
		p.dst = dir ? fl->src : fl->dst;
		p.has_l4 = true;
		p.sport = dir ? fl->dport : fl->sport;
		p.dport = dir ? fl->sport : fl->dport;
		if (proto == IPPROTO_NUM_TCP) {
			if (ctl & 0x08)
				next[k][dir] += 100;
			p.seq = ctl & 0x80 ? last[k][dir] : next[k][dir];
			p.ack = next[k][!dir];
			p.tcp_flags = TCP_ACK | TCP_PSH;
			if (ctl & 0x20)
				p.tcp_flags = dir ? TCP_SYN | TCP_ACK : TCP_SYN;
			last[k][dir] = p.seq;
			uint32_t end = p.seq + (uint32_t)len + ((p.tcp_flags & TCP_SYN) ? 1 : 0);
			if (end - next[k][dir] < 0x80000000u)
				next[k][dir] = end;
		}
		p.payload = d + i;
		p.payload_len = (uint32_t)len;
		p.payload_caplen = (uint32_t)(ctl & 0x10 ? len / 2 : len);
		fl->dir[dir].packets++;
		fl->dir[dir].payload_bytes += len;
		fl->dir[dir].tcp_flags |= p.tcp_flags;
		app_packet(a, &p, fl, dir);
		i += len;
	}
	fuzz_app_finish(a, f, 2, &rb);
}

#endif
