/* fuzz_ratelimit.c - libFuzzer harness for the rate-limit series (src/analyze/rate_limit.c):
 * the input is a sequence of 24-byte TCP segment records, fed to one connection's two sender
 * states, with a verdict after every 64 records and at the end.  It drives the SACK
 * scoreboard, the bins (time going back, huge gaps, merges) and the RTT halves with sequence
 * numbers, acknowledgements, SACK blocks and timestamps no real stack would send.
 *
 *   record: dir:1 flags:1 sack_n:1 ta:1 | seq:4 | ack:4 | len:2 dt:2 | tsval:4 |
 *           sack_l:2 sack_r:2
 *   (sack edges are offsets from ack, in 256-byte units; ta bit 0 window full, bit 1 zero
 *   window, bit 2 an ACK RTT of dt)
 *
 *   make fuzz && build/fuzz/fuzz_ratelimit tests/fuzz/corpus/ratelimit -max_total_time=120
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/rate_limit.h"
#include "base/cursor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rl_dir d[2];
	rl_dir_init(&d[0]);
	rl_dir_init(&d[1]);
	struct cursor c = cur_make(data, size);
	int64_t t = 1700000000000000000LL;
	unsigned n = 0;
	while (c.left >= 24) {
		struct packet p;
		struct tcp_pkt_analysis ta;
		memset(&p, 0, sizeof(p));
		memset(&ta, 0, sizeof(ta));
		uint8_t dir = cur_u8(&c), flags = cur_u8(&c), nsack = cur_u8(&c), tab = cur_u8(&c);
		p.seq = cur_be32(&c);
		p.ack = cur_be32(&c);
		uint16_t len = cur_be16(&c), dt = cur_be16(&c);
		uint32_t tsval = cur_be32(&c);
		uint16_t sl = cur_be16(&c), sr = cur_be16(&c);
		/* time mostly forward, sometimes back (merged files), sometimes far ahead */
		if (dt == 0xffff)
			t += 3600LL * 1000000000LL;
		else if (dt & 0x8000)
			t -= (int64_t)(dt & 0x7fff) * 1000;
		else
			t += (int64_t)dt * 1000000 / 16;
		p.ts_ns = t;
		p.frame = ++n;
		p.tcp_flags = flags;
		p.payload_len = len;
		p.ip_len = 40u + len;
		p.has_l4 = true;
		p.proto = IPPROTO_NUM_TCP;
		p.has_ts = tsval != 0;
		p.tsval = tsval;
		p.tsecr = tsval ^ 0x5a5a;
		p.nsack = (uint8_t)(nsack % (PKT_MAX_SACK + 1));
		for (unsigned i = 0; i < p.nsack; i++) {
			p.sack[i][0] = p.ack + (uint32_t)sl * 256u * (i + 1);
			p.sack[i][1] = p.ack + (uint32_t)sr * 256u * (i + 1);
		}
		ta.ack_rtt_ns = (tab & 4) ? (int64_t)dt * 1000 : -1;
		if (tab & 1)
			ta.flags |= TA_BIT(TA_WINDOW_FULL);
		if (tab & 2)
			ta.flags |= TA_BIT(TA_ZERO_WINDOW);
		rl_tcp(d, &p, dir & 1, &ta);
		if (n % 64 == 0) {
			struct rl_diag g;
			rl_diagnose(&d[n / 64 & 1], &g);
			if (g.verdict >= RL_VERDICTS || g.plateau_frac < 0 || g.plateau_frac > 1)
				abort();
		}
	}
	for (int k = 0; k < 2; k++) {
		struct rl_diag g;
		rl_diagnose(&d[k], &g);
		if (g.verdict >= RL_VERDICTS || g.busy_bins > g.bins || g.idle_bins > g.bins)
			abort();
		if (d[k].s && (d[k].s->nbins > RL_BINS || d[k].s->cur >= RL_BINS))
			abort();
		if (d[k].nsk > RL_SACK_RANGES)
			abort();
	}
	rl_dir_fini(&d[0]);
	rl_dir_fini(&d[1]);
	return 0;
}
