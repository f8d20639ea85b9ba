/* fuzz_http.c - libFuzzer harness: TCP segments of one connection through the application
 * analyzer (src/app/: dispatch, the HTTP parser, roll-ups, records, findings, reports).
 *
 * The input is a list of records, each one segment (client 10.0.0.1:40000, server
 * 10.0.0.2:80):
 *
 *   0       1..2        3..4         5 ...
 *   +-------+-----------+------------+------------------+
 *   | ctl   | len (BE)  | skip (BE)  | payload: len     |
 *   +-------+-----------+------------+------------------+
 *
 *   ctl bit 0: direction (1 = server to client); bit 1: SYN; bit 2: FIN; bit 3: RST;
 *   bit 4: truncated copy (half the payload captured); bit 5: add skip to the direction's
 *   sequence number first (>= 0x8000 goes back: retransmissions, overlaps, reordering);
 *   bit 6: 3 s pass before this segment; bit 7: an IP fragment (first fragment when it has
 *   payload, else a later one).
 *
 * A record shorter than its len takes what is left.  Seeds: tests/fuzz/corpus/http/ (made
 * from the unit-test cases and real captures in this format).  Besides the sanitizers, the
 * harness checks that the flow's state is released at flow end.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "fuzz_app_common.h"
#include "app/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	/* the start-line checks alone, on the raw input */
	(void)http_is_request_start(d, n);
	(void)http_is_response_start(d, n);

	struct strbuf rb;
	struct jsonw rw;
	struct app_analyzer *a = fuzz_app_start(&rb, &rw);
	if (!a)
		return 0;

	struct flow f;
	memset(&f, 0, sizeof(f));
	f.id = 1;
	f.proto = IPPROTO_NUM_TCP;
	fuzz_addr4(&f.src, 1);
	fuzz_addr4(&f.dst, 2);
	f.sport = 40000;
	f.dport = 80;
	uint32_t next[2] = {1000, 90000};
	int64_t t = 1000000000;
	uint64_t frame = 0;
	size_t i = 0;
	while (i + 5 <= n) {
		uint8_t ctl = d[i];
		size_t len = (size_t)d[i + 1] << 8 | d[i + 2];
		uint16_t skip = (uint16_t)(d[i + 3] << 8 | d[i + 4]);
		i += 5;
		if (len > n - i)
			len = n - i;
		int dir = ctl & 1;
		struct packet p;
		memset(&p, 0, sizeof(p));
		p.frame = ++frame;
		t += ctl & 0x40 ? 3000000000 : 1000000;
		p.ts_ns = t;
		p.has_ip = true;
		p.ip_ver = 4;
		p.proto = IPPROTO_NUM_TCP;
		p.src = dir ? f.dst : f.src;
		p.dst = dir ? f.src : f.dst;
		p.has_l4 = true;
		p.sport = dir ? f.dport : f.sport;
		p.dport = dir ? f.sport : f.dport;
		if (ctl & 0x20)
			next[dir] += skip >= 0x8000 ? (uint32_t)skip - 0x10000u : skip;
		p.seq = next[dir];
		p.ack = next[!dir];
		p.tcp_flags = TCP_ACK;
		if (ctl & 2)
			p.tcp_flags = dir ? TCP_SYN | TCP_ACK : TCP_SYN;
		if (ctl & 4)
			p.tcp_flags |= TCP_FIN;
		if (ctl & 8)
			p.tcp_flags |= TCP_RST;
		p.payload = d + i;
		p.payload_len = (uint32_t)len;
		p.payload_caplen = (uint32_t)(ctl & 0x10 ? len / 2 : len);
		if (ctl & 0x80) {
			p.is_fragment = true;
			p.frag_id = 7;
			if (!len) {
				p.has_l4 = false;
				p.frag_offset = 1480;
			}
		}
		next[dir] = p.seq + (uint32_t)len + ((p.tcp_flags & TCP_SYN) ? 1 : 0);
		f.dir[dir].packets++;
		f.dir[dir].payload_bytes += len;
		f.dir[dir].tcp_flags |= p.tcp_flags;
		app_packet(a, &p, &f, dir);
		i += len;
	}
	fuzz_app_finish(a, &f, 1, &rb);
	return 0;
}
