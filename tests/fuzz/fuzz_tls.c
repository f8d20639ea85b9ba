/* fuzz_tls.c - libFuzzer harness: TLS records over TCP (port 443) through the application
 * analyzer (src/app/tls.c: record and handshake framing, hellos, alerts, JA3; roll-ups,
 * records, findings, reports).  Input format: fuzz_app_common.h.  Seeds: tests/fuzz/corpus/tls/
 * (hellos and alerts from the shared captures). */
#include <stddef.h>
#include <stdint.h>

#include "app/tls.h"
#include "fuzz_app_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	(void)tls_is_hello_start(d, n);
	fuzz_app_run(d, n, IPPROTO_NUM_TCP, 40000, 443);
	return 0;
}
