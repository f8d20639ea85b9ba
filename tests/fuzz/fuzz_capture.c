/* fuzz_capture.c - libFuzzer harness for the capture file readers (src/capture/): the input
 * is a whole pcap or pcapng file, read from memory with capture_open_buffer() and drained
 * with capture_next().  Every byte of every frame is read so ASan sees any frame that points
 * outside the input, and the reader's invariants are checked on the way.
 *
 *   make fuzz && build/fuzz/fuzz_capture tests/fuzz/corpus/capture -max_total_time=120
 *
 * Seed corpus: tests/fuzz/corpus/capture/ (small real captures, damaged variants, and every
 * crasher found so far).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capture_reader *r;
	char err[256];
	if (capture_open_buffer(&r, data, size, err, sizeof(err)) != 0) {
		if (!memchr(err, 0, sizeof(err)) || !err[0])
			abort(); /* a failed open always says why */
		return 0;
	}
	struct packet p;
	memset(&p, 0, sizeof(p));
	volatile uint8_t sink = 0;
	uint64_t last = 0, prev_off = capture_offset(r);
	enum capture_status st;
	while ((st = capture_next(r, &p)) == CAPTURE_FRAME) {
		/* Numbers rise (by more than one past pcapng custom blocks). */
		if (p.frame <= last || p.caplen > CAPTURE_MAX_FRAME || p.wirelen < p.caplen)
			abort();
		last = p.frame;
		/* The frame lies inside the input (compare addresses only as integers). */
		uintptr_t lo = (uintptr_t)data, hi = lo + size, d = (uintptr_t)p.data;
		if (p.caplen && (d < lo || d > hi || p.caplen > hi - d))
			abort();
		for (uint32_t i = 0; i < p.caplen; i++)
			sink ^= p.data[i];
		/* Every frame consumes input: the reader cannot loop forever. */
		if (capture_offset(r) <= prev_off || capture_offset(r) > size)
			abort();
		prev_off = capture_offset(r);
	}
	if (st != CAPTURE_EOF && st != CAPTURE_DAMAGED)
		abort(); /* memory input cannot fail to read */
	if ((st == CAPTURE_DAMAGED) != (capture_error(r)[0] != 0))
		abort(); /* damage, and only damage, comes with a message */
	if (capture_next(r, &p) != st)
		abort(); /* the stop is sticky */
	(void)capture_format(r);
	(void)capture_linktype(r);
	(void)capture_interfaces(r);
	capture_close(r);
	(void)sink;
	return 0;
}
