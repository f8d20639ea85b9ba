/* md5.c - MD5 (RFC 1321 section 3): 64-byte blocks, four rounds of 16 steps over a 128-bit
 * state, little-endian words, the length in bits appended after 0x80 and zero padding. */
#include "md5.h"

#include <string.h>

static uint32_t rol(uint32_t x, unsigned c)
{
	return x << c | x >> (32 - c);
}

/* T[i] = floor(2^32 * abs(sin(i + 1))) (RFC 1321 3.4) */
static const uint32_t md5_t[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
    0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
    0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
    0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
    0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
    0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
    0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
    0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
    0xeb86d391,
};

static const uint8_t md5_s[16] = {7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21};

static void block(struct md5 *m, const uint8_t *p)
{
	uint32_t x[16];
	for (int i = 0; i < 16; i++)
		x[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
		       (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
	uint32_t a = m->h[0], b = m->h[1], c = m->h[2], d = m->h[3];
	for (unsigned i = 0; i < 64; i++) {
		uint32_t f;
		unsigned k, round = i / 16;
		if (round == 0) {
			f = (b & c) | (~b & d);
			k = i;
		} else if (round == 1) {
			f = (b & d) | (c & ~d);
			k = (5 * i + 1) & 15;
		} else if (round == 2) {
			f = b ^ c ^ d;
			k = (3 * i + 5) & 15;
		} else {
			f = c ^ (b | ~d);
			k = (7 * i) & 15;
		}
		uint32_t t = d;
		d = c;
		c = b;
		b = b + rol(a + f + md5_t[i] + x[k], md5_s[round * 4 + (i & 3)]);
		a = t;
	}
	m->h[0] += a;
	m->h[1] += b;
	m->h[2] += c;
	m->h[3] += d;
}

void md5_init(struct md5 *m)
{
	m->h[0] = 0x67452301;
	m->h[1] = 0xefcdab89;
	m->h[2] = 0x98badcfe;
	m->h[3] = 0x10325476;
	m->len = 0;
	m->nbuf = 0;
}

void md5_update(struct md5 *m, const void *data, size_t n)
{
	const uint8_t *p = data;
	m->len += n;
	while (n) {
		size_t k = 64 - m->nbuf < n ? 64 - m->nbuf : n;
		memcpy(m->buf + m->nbuf, p, k);
		m->nbuf += k;
		p += k;
		n -= k;
		if (m->nbuf == 64) {
			block(m, m->buf);
			m->nbuf = 0;
		}
	}
}

void md5_final(struct md5 *m, uint8_t out[16])
{
	uint64_t bits = m->len * 8;
	static const uint8_t pad[64] = {0x80};
	size_t padn = m->nbuf < 56 ? 56 - m->nbuf : 120 - m->nbuf;
	md5_update(m, pad, padn);
	uint8_t lenle[8];
	for (int i = 0; i < 8; i++)
		lenle[i] = (uint8_t)(bits >> (8 * i));
	md5_update(m, lenle, 8);
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++)
			out[4 * i + j] = (uint8_t)(m->h[i] >> (8 * j));
}

void md5_final_hex(struct md5 *m, char hex[33])
{
	static const char digits[] = "0123456789abcdef";
	uint8_t d[16];
	md5_final(m, d);
	for (int i = 0; i < 16; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[32] = 0;
}
