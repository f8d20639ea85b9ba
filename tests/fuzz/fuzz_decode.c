/* fuzz_decode.c - libFuzzer harness for decode_frame (every decoder in src/decode/).
 *
 * Input: byte 0 picks the link type (low 3 bits, the list below) and the configuration
 * (bit 3: peel_tunnels off, bit 4: VXLAN also on 8472, bit 5: GENEVE also on 4789); the rest
 * is the frame.  Seeds: tests/fuzz/corpus/decode/ (real capture frames and every unit-test
 * case; VXS_DUMP_CORPUS in tests/unit/decode_cases.h writes the latter).
 *
 * Besides the sanitizers, the harness traps when a decoded packet breaks an invariant:
 * pointers and lengths inside the frame, counts within their arrays, truncated <=> a
 * truncation anomaly.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

/* Same order as fuzz_linktypes[] in tests/unit/decode_cases.h. */
static const int linktypes[8] = {
    LINKTYPE_ETHERNET,  LINKTYPE_RAW,        LINKTYPE_IPV4, LINKTYPE_IPV6,
    LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_NULL, LINKTYPE_LOOP,
};

#define check(x)                                                                                   \
	do {                                                                                       \
		if (!(x)) {                                                                        \
			fprintf(stderr, "fuzz_decode: invariant failed: %s\n", #x);                \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static volatile uint64_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	if (n < 1)
		return 0;
	uint8_t sel = d[0];
	struct decode_cfg cfg;
	decode_cfg_default(&cfg);
	if (sel & 0x08)
		cfg.peel_tunnels = false;
	if (sel & 0x10)
		check(decode_cfg_add_vxlan_port(&cfg, 8472) == 0);
	if (sel & 0x20)
		check(decode_cfg_add_geneve_port(&cfg, 4789) == 0);

	struct packet p;
	memset(&p, 0xA5, sizeof(p)); /* decode_frame must not depend on old contents */
	p.frame = 1;
	p.ts_ns = 0;
	p.caplen = (uint32_t)(n - 1);
	p.wirelen = p.caplen;
	p.linktype = linktypes[sel & 7];
	p.ifindex = 0;
	p.data = d + 1;
	decode_frame(&cfg, &p);

	check(p.ntun <= PKT_MAX_TUNNELS);
	check(p.nvlan <= PKT_MAX_VLANS);
	check(p.nsack <= PKT_MAX_SACK);
	check(p.inner_off <= p.caplen);
	check(p.payload_caplen <= p.payload_len);
	check(p.truncated == ((p.anomalies & ANOM_TRUNC_MASK) != 0));
	check((p.anomalies >> ANOM_COUNT) == 0);
	if (!p.ntun)
		check(p.inner_off == 0 && p.inner_linktype == p.linktype);
	else
		check(p.inner_linktype == LINKTYPE_ETHERNET || p.inner_linktype == LINKTYPE_RAW);

	/* Touch everything a later layer reads, so the sanitizers see each byte used. */
	uint64_t h = p.anomalies ^ p.ip_len ^ p.payload_len ^ p.sport ^ p.dport ^ p.seq ^ p.ack;
	h ^= (uint64_t)p.src.a[15] ^ p.dst.a[0] ^ (uint64_t)p.mss ^ (uint64_t)p.wscale;
	for (unsigned i = 0; i < p.nsack; i++)
		h ^= p.sack[i][0] ^ p.sack[i][1];
	for (unsigned i = 0; i < p.ntun; i++)
		h ^= p.tun[i].id ^ p.tun[i].gwlb_cookie ^ p.tun[i].src.a[3] ^ p.tun[i].dport;
	if (p.payload_caplen) {
		check(p.payload >= p.data);
		size_t off = (size_t)(p.payload - p.data);
		check(off <= p.caplen && p.payload_caplen <= p.caplen - off);
		h ^= p.payload[0] ^ p.payload[p.payload_caplen - 1];
	}
	if (p.inner_off < p.caplen)
		h ^= p.data[p.inner_off];
	if (p.icmp_inner.valid)
		h ^= p.icmp_inner.sport ^ p.icmp_inner.ip_len ^ p.icmp_inner.src.a[0];
	sink = h;
	return 0;
}
