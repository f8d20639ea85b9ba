/* fuzz_rtp.c - libFuzzer harness: RTP over UDP on even ports through the application analyzer
 * (src/app/rtp.c: the heuristic, per-SSRC sequence, jitter and E-model; roll-ups, records,
 * findings), and the E-model on values from the input.  Input format: fuzz_app_common.h.
 * Seeds: tests/fuzz/corpus/rtp/ (streams from the shared captures). */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "app/rtp.h"
#include "fuzz_app_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	(void)rtp_header_ok(d, n);
	if (n >= 4) {
		double mos = rtp_mos(rtp_r_factor(d[0], 1 + d[1], d[2], d[3] * 4.0));
		if (!(mos >= 1.0 && mos <= 4.5))
			abort();
	}
	fuzz_app_run(d, n, IPPROTO_NUM_UDP, 40000, 40002);
	return 0;
}
