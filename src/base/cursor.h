/* cursor.h - the bounded reader every decoder and parser reads untrusted bytes through.
 *
 * Contract: a read past the end returns 0 and sets `bad`, which stays set (sticky), so a
 * decoder reads a header's fixed part and checks `bad` once.  Nothing here allocates and
 * nothing is ever read outside [p, p + left).  Lengths are compared, never pointers.
 */
#ifndef VXS_BASE_CURSOR_H
#define VXS_BASE_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cursor {
	const uint8_t *p; /* next unread byte */
	size_t left;      /* bytes readable from p */
	bool bad;         /* a read went past the end: sticky */
};

static inline struct cursor cur_make(const uint8_t *p, size_t len)
{
	struct cursor c = {p, len, false};
	return c;
}

static inline bool cur_has(const struct cursor *c, size_t n)
{
	return !c->bad && c->left >= n;
}

static inline void cur_fail(struct cursor *c)
{
	c->bad = true;
	c->left = 0;
}

static inline uint8_t cur_u8(struct cursor *c)
{
	if (c->bad || c->left < 1) {
		cur_fail(c);
		return 0;
	}
	uint8_t v = c->p[0];
	c->p += 1;
	c->left -= 1;
	return v;
}

static inline uint16_t cur_be16(struct cursor *c)
{
	if (c->bad || c->left < 2) {
		cur_fail(c);
		return 0;
	}
	uint16_t v = (uint16_t)((unsigned)c->p[0] << 8 | c->p[1]);
	c->p += 2;
	c->left -= 2;
	return v;
}

static inline uint16_t cur_le16(struct cursor *c)
{
	if (c->bad || c->left < 2) {
		cur_fail(c);
		return 0;
	}
	uint16_t v = (uint16_t)((unsigned)c->p[1] << 8 | c->p[0]);
	c->p += 2;
	c->left -= 2;
	return v;
}

static inline uint32_t cur_be24(struct cursor *c)
{
	if (c->bad || c->left < 3) {
		cur_fail(c);
		return 0;
	}
	uint32_t v = (uint32_t)c->p[0] << 16 | (uint32_t)c->p[1] << 8 | c->p[2];
	c->p += 3;
	c->left -= 3;
	return v;
}

static inline uint32_t cur_be32(struct cursor *c)
{
	if (c->bad || c->left < 4) {
		cur_fail(c);
		return 0;
	}
	uint32_t v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 | (uint32_t)c->p[2] << 8 |
		     c->p[3];
	c->p += 4;
	c->left -= 4;
	return v;
}

static inline uint32_t cur_le32(struct cursor *c)
{
	if (c->bad || c->left < 4) {
		cur_fail(c);
		return 0;
	}
	uint32_t v = (uint32_t)c->p[3] << 24 | (uint32_t)c->p[2] << 16 | (uint32_t)c->p[1] << 8 |
		     c->p[0];
	c->p += 4;
	c->left -= 4;
	return v;
}

static inline uint64_t cur_be64(struct cursor *c)
{
	uint64_t hi = cur_be32(c);
	uint64_t lo = cur_be32(c);
	return hi << 32 | lo;
}

/* Skip n bytes; past the end the cursor goes bad. */
static inline void cur_skip(struct cursor *c, size_t n)
{
	if (c->bad || c->left < n) {
		cur_fail(c);
		return;
	}
	c->p += n;
	c->left -= n;
}

/* Copy n bytes into dst; on a short read dst is zeroed and the cursor goes bad. */
static inline void cur_bytes(struct cursor *c, void *dst, size_t n)
{
	if (c->bad || c->left < n) {
		memset(dst, 0, n);
		cur_fail(c);
		return;
	}
	memcpy(dst, c->p, n);
	c->p += n;
	c->left -= n;
}

/* Peek at byte `off` ahead without moving; -1 when not there. */
static inline int cur_peek(const struct cursor *c, size_t off)
{
	if (c->bad || c->left <= off)
		return -1;
	return c->p[off];
}

/* Narrow: return a cursor over the next n bytes (or fewer, if fewer are left: check
 * `sub.left < n` to learn the bytes were cut short) and advance c past them. */
static inline struct cursor cur_sub(struct cursor *c, size_t n)
{
	struct cursor s = {c->p, n, c->bad};
	if (c->bad) {
		s.left = 0;
		return s;
	}
	if (n > c->left)
		s.left = c->left;
	c->p += s.left;
	c->left -= s.left;
	return s;
}

/* Limit c itself to at most n bytes (drop trailing padding). */
static inline void cur_limit(struct cursor *c, size_t n)
{
	if (c->left > n)
		c->left = n;
}

#endif
