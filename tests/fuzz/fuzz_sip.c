/* fuzz_sip.c - libFuzzer harness: SIP over UDP and TCP (port 5060) through the application
 * analyzer (src/app/sip.c: messages, dialogs, SDP; the RTP flows an SDP names), and the SDP
 * parser on the whole input.  The first input byte picks UDP (even) or TCP (odd); the rest is
 * fuzz_app_common.h's format.  Seeds: tests/fuzz/corpus/sip/. */
#include <stddef.h>
#include <stdint.h>

#include "app/sip.h"
#include "fuzz_app_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static void media_seen(void *ctx, const struct sip_media *m)
{
	size_t *count = ctx;
	if (m->npt > SIP_MEDIA_PT)
		abort();
	(*count)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	size_t count = 0;
	sip_sdp_parse(d, n, 1, media_seen, &count);
	(void)sip_is_start(d, n);
	if (!n)
		return 0;
	fuzz_app_run(d + 1, n - 1, d[0] & 1 ? IPPROTO_NUM_TCP : IPPROTO_NUM_UDP, 5060, 5060);
	return 0;
}
