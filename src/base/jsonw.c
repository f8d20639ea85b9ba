/* jsonw.c - fast JSON writer (see jsonw.h). */
#include "jsonw.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void jsonw_init(struct jsonw *w, struct strbuf *b)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
	w->first[0] = true;
}

static void sep(struct jsonw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (!w->first[w->depth])
		strbuf_addc(w->b, ',');
	w->first[w->depth] = false;
}

static void open_(struct jsonw *w, char c)
{
	sep(w);
	strbuf_addc(w->b, c);
	if (w->depth < JSONW_MAX_DEPTH - 1)
		w->depth++;
	w->first[w->depth] = true;
}

static void close_(struct jsonw *w, char c)
{
	strbuf_addc(w->b, c);
	if (w->depth > 0)
		w->depth--;
}

void jsonw_obj_begin(struct jsonw *w)
{
	open_(w, '{');
}

void jsonw_obj_end(struct jsonw *w)
{
	close_(w, '}');
}

void jsonw_arr_begin(struct jsonw *w)
{
	open_(w, '[');
}

void jsonw_arr_end(struct jsonw *w)
{
	close_(w, ']');
}

/* Length of a valid UTF-8 sequence starting at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned min;
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0) {
		len = 2;
		min = 0x80;
		c &= 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3;
		min = 0x800;
		c &= 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4;
		min = 0x10000;
		c &= 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return len;
}

static void put_escaped(struct strbuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	strbuf_addc(b, '"');
	size_t run = 0; /* start of a run of bytes copied as they are */
	for (size_t i = 0; i < n;) {
		unsigned c = u[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		size_t l = c >= 0x80 ? utf8_len(u + i, n - i) : 0;
		if (l) {
			i += l;
			continue;
		}
		strbuf_add(b, s + run, i - run);
		switch (c) {
		case '"':
			strbuf_add(b, "\\\"", 2);
			break;
		case '\\':
			strbuf_add(b, "\\\\", 2);
			break;
		case '\n':
			strbuf_add(b, "\\n", 2);
			break;
		case '\r':
			strbuf_add(b, "\\r", 2);
			break;
		case '\t':
			strbuf_add(b, "\\t", 2);
			break;
		default: {
			char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			strbuf_add(b, e, 6);
		}
		}
		i++;
		run = i;
	}
	strbuf_add(b, s + run, n - run);
	strbuf_addc(b, '"');
}

void jsonw_key(struct jsonw *w, const char *key)
{
	sep(w);
	put_escaped(w->b, key, strlen(key));
	strbuf_addc(w->b, ':');
	w->after_key = true;
}

void jsonw_strn(struct jsonw *w, const char *s, size_t n)
{
	sep(w);
	put_escaped(w->b, s, n);
}

void jsonw_str(struct jsonw *w, const char *s)
{
	if (!s) {
		jsonw_null(w);
		return;
	}
	jsonw_strn(w, s, strlen(s));
}

void jsonw_u64(struct jsonw *w, uint64_t v)
{
	sep(w);
	strbuf_addu64(w->b, v);
}

void jsonw_i64(struct jsonw *w, int64_t v)
{
	sep(w);
	strbuf_addi64(w->b, v);
}

void jsonw_fixed(struct jsonw *w, double v, int digits)
{
	sep(w);
	if (!isfinite(v)) {
		strbuf_adds(w->b, "null");
		return;
	}
	strbuf_addf(w->b, "%.*f", digits, v);
}

void jsonw_bool(struct jsonw *w, bool v)
{
	sep(w);
	strbuf_adds(w->b, v ? "true" : "false");
}

void jsonw_null(struct jsonw *w)
{
	sep(w);
	strbuf_adds(w->b, "null");
}

void jsonw_kstr(struct jsonw *w, const char *key, const char *s)
{
	jsonw_key(w, key);
	jsonw_str(w, s);
}

void jsonw_ku64(struct jsonw *w, const char *key, uint64_t v)
{
	jsonw_key(w, key);
	jsonw_u64(w, v);
}

void jsonw_ki64(struct jsonw *w, const char *key, int64_t v)
{
	jsonw_key(w, key);
	jsonw_i64(w, v);
}

void jsonw_kfixed(struct jsonw *w, const char *key, double v, int digits)
{
	jsonw_key(w, key);
	jsonw_fixed(w, v, digits);
}

void jsonw_kbool(struct jsonw *w, const char *key, bool v)
{
	jsonw_key(w, key);
	jsonw_bool(w, v);
}

int jsonw_record_end(struct jsonw *w)
{
	strbuf_addc(w->b, '\n');
	w->depth = 0;
	w->first[0] = true;
	w->after_key = false;
	return strbuf_maybe_flush(w->b);
}
