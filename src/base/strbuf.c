/* strbuf.c - growable output buffer (see strbuf.h). */
#include "strbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void strbuf_init(struct strbuf *b, FILE *out)
{
	memset(b, 0, sizeof(*b));
	b->out = out;
}

void strbuf_fini(struct strbuf *b)
{
	free(b->buf);
	b->buf = NULL;
	b->len = b->cap = 0;
}

void strbuf_reset(struct strbuf *b)
{
	b->len = 0;
}

static int grow(struct strbuf *b, size_t need)
{
	if (b->len + need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + need)
		cap *= 2;
	if (cap > STRBUF_MAX) {
		if (!b->err)
			b->err = -ENOBUFS;
		return -1;
	}
	char *n = realloc(b->buf, cap);
	if (!n) {
		if (!b->err)
			b->err = -ENOMEM;
		return -1;
	}
	b->buf = n;
	b->cap = cap;
	return 0;
}

void strbuf_add(struct strbuf *b, const char *s, size_t n)
{
	if (grow(b, n))
		return;
	memcpy(b->buf + b->len, s, n);
	b->len += n;
}

void strbuf_adds(struct strbuf *b, const char *s)
{
	strbuf_add(b, s, strlen(s));
}

void strbuf_addc(struct strbuf *b, char c)
{
	if (b->len < b->cap) {
		b->buf[b->len++] = c;
		return;
	}
	strbuf_add(b, &c, 1);
}

void strbuf_addu64(struct strbuf *b, uint64_t v)
{
	char tmp[24];
	int i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	strbuf_add(b, tmp + i, sizeof(tmp) - (size_t)i);
}

void strbuf_addi64(struct strbuf *b, int64_t v)
{
	if (v < 0) {
		strbuf_addc(b, '-');
		strbuf_addu64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		strbuf_addu64(b, (uint64_t)v);
	}
}

void strbuf_addf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || grow(b, (size_t)n + 1))
		return;
	va_start(ap, fmt);
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void strbuf_wrap(struct strbuf *b, const char *text, int col, int indent, int width)
{
	const char *p = text;
	bool first = true;
	while (*p) {
		while (*p == ' ')
			p++;
		const char *w = p;
		while (*p && *p != ' ')
			p++;
		int len = (int)(p - w);
		if (!len)
			break;
		if (!first && col + 1 + len > width) {
			strbuf_addc(b, '\n');
			for (int i = 0; i < indent; i++)
				strbuf_addc(b, ' ');
			col = indent;
		} else if (!first) {
			strbuf_addc(b, ' ');
			col++;
		}
		strbuf_add(b, w, (size_t)len);
		col += len;
		first = false;
	}
	strbuf_addc(b, '\n');
}

static int write_out(struct strbuf *b)
{
	if (b->err)
		return b->err;
	if (!b->out || !b->len)
		return 0;
	if (fwrite(b->buf, 1, b->len, b->out) != b->len) {
		b->err = errno ? -errno : -EIO;
		return b->err;
	}
	b->len = 0;
	return 0;
}

int strbuf_maybe_flush(struct strbuf *b)
{
	if (b->len < STRBUF_FLUSH_AT)
		return b->err;
	return write_out(b);
}

int strbuf_flush(struct strbuf *b)
{
	int r = write_out(b);
	if (r)
		return r;
	if (b->out && fflush(b->out) != 0) {
		b->err = errno ? -errno : -EIO;
		return b->err;
	}
	return 0;
}
