/* hash.h - a fast 64-bit hash for flow keys (multiply-xorshift over 8-byte words).
 * Not cryptographic: the flow table bounds chain length by its load factor, and a seed per
 * table makes crafted collisions a per-process guess. */
#ifndef VXS_BASE_HASH_H
#define VXS_BASE_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t hash_mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return x;
}

/* Hash n bytes with a seed. */
static inline uint64_t hash_bytes(const void *data, size_t n, uint64_t seed)
{
	const uint8_t *p = data;
	/* one multiply and rotate per word, a full avalanche once at the end */
	uint64_t h = seed ^ (n * UINT64_C(0x9e3779b97f4a7c15));
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		h = (h ^ (w * UINT64_C(0xc2b2ae3d27d4eb4f))) * UINT64_C(0x9e3779b97f4a7c15);
		h = h << 31 | h >> 33;
		p += 8;
		n -= 8;
	}
	if (n) {
		uint64_t w = 0;
		memcpy(&w, p, n);
		h ^= w * UINT64_C(0xc2b2ae3d27d4eb4f);
	}
	return hash_mix64(h);
}

#endif
