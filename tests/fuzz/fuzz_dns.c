/* fuzz_dns.c - libFuzzer harness: DNS messages over UDP and TCP through the application
 * analyzer (src/app/: dispatch, the DNS parser and pairing, roll-ups, records, findings,
 * reports), and the name decoder on its own.
 *
 * The input is a list of records, each one packet (client 10.0.0.1, resolver 10.0.0.2):
 *
 *   0       1..2        3 ...
 *   +-------+-----------+--------------------+
 *   | ctl   | len (BE)  | payload: len       |
 *   +-------+-----------+--------------------+
 *
 *   ctl bit 0: direction (1 = resolver to client); bit 1: TCP (else UDP); bits 2-3: which
 *   flow: port 53, 5353, 5355, or a second port-53 flow; bit 4: truncated copy (half the
 *   payload captured); bit 5: SYN (TCP); bit 6: 3 s pass first; bit 7: an IP fragment (the
 *   first when it has payload, else the last).
 *
 * A TCP payload carries RFC 7766 framing (2-byte lengths) as the input gives it.  Seeds:
 * tests/fuzz/corpus/dns/.  The harness also decodes a name at the offset byte 0 names, and
 * checks that each flow's state is released at flow end.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "fuzz_app_common.h"
#include "app/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

#define NFLOWS 8

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	if (n) {
		char out[DNS_NAME_TEXT_MAX];
		bool cut;
		size_t next;
		(void)dns_name(d, n, d[0] % n, out, sizeof(out), &cut, &next);
		if (strlen(out) >= sizeof(out)) {
			fprintf(stderr, "fuzz_dns: name text overran\n");
			abort();
		}
		struct dns_msg m;
		(void)dns_parse(d, n, &m);
	}

	struct strbuf rb;
	struct jsonw rw;
	struct app_analyzer *a = fuzz_app_start(&rb, &rw);
	if (!a)
		return 0;

	static const uint16_t ports[4] = {53, 5353, 5355, 53};
	struct flow f[NFLOWS];
	uint32_t next[NFLOWS][2];
	memset(f, 0, sizeof(f));
	for (int k = 0; k < NFLOWS; k++) {
		f[k].id = (uint64_t)k + 1;
		f[k].proto = k & 1 ? IPPROTO_NUM_TCP : IPPROTO_NUM_UDP;
		fuzz_addr4(&f[k].src, 1);
		fuzz_addr4(&f[k].dst, 2);
		f[k].sport = (uint16_t)(40000 + k);
		f[k].dport = ports[k >> 1];
		next[k][0] = 1000;
		next[k][1] = 70000;
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
		int dir = ctl & 1;
		int k = (ctl >> 2 & 3) << 1 | (ctl >> 1 & 1);
		struct flow *fl = &f[k];
		struct packet p;
		memset(&p, 0, sizeof(p));
		p.frame = ++frame;
		t += ctl & 0x40 ? 3000000000 : 1000000;
		p.ts_ns = t;
		p.has_ip = true;
		p.ip_ver = 4;
		p.proto = fl->proto;
		p.src = dir ? fl->dst : fl->src;
		p.dst = dir ? fl->src : fl->dst;
		p.has_l4 = true;
		p.sport = dir ? fl->dport : fl->sport;
		p.dport = dir ? fl->sport : fl->dport;
		if (fl->proto == IPPROTO_NUM_TCP) {
			p.seq = next[k][dir];
			p.ack = next[k][!dir];
			p.tcp_flags = TCP_ACK | TCP_PSH;
			if (ctl & 0x20)
				p.tcp_flags = dir ? TCP_SYN | TCP_ACK : TCP_SYN;
			next[k][dir] = p.seq + (uint32_t)len + ((p.tcp_flags & TCP_SYN) ? 1 : 0);
		}
		p.payload = d + i;
		p.payload_len = (uint32_t)len;
		p.payload_caplen = (uint32_t)(ctl & 0x10 ? len / 2 : len);
		if (ctl & 0x80) {
			p.is_fragment = true;
			p.frag_id = 3;
			p.more_fragments = len != 0;
			if (!len) {
				p.has_l4 = false;
				p.frag_offset = 1480;
			}
		}
		fl->dir[dir].packets++;
		fl->dir[dir].payload_bytes += len;
		fl->dir[dir].tcp_flags |= p.tcp_flags;
		app_packet(a, &p, fl, dir);
		i += len;
	}
	fuzz_app_finish(a, f, NFLOWS, &rb);
	return 0;
}
