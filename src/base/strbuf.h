/* strbuf.h - a growable output buffer with fast number formatting, flushed to a FILE.
 *
 * Built for record output (flow logs, JSON lines): append, and call strbuf_maybe_flush()
 * after each record; the first write error is kept in `err` (-errno) and every later flush
 * returns it at once.  Growth is capped (STRBUF_MAX); past it appends are dropped and err is
 * -ENOBUFS, so a runaway record can never take all memory.
 */
#ifndef VXS_BASE_STRBUF_H
#define VXS_BASE_STRBUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define STRBUF_FLUSH_AT (256u * 1024u)
#define STRBUF_MAX (64u * 1024u * 1024u)

struct strbuf {
	char *buf;
	size_t len, cap;
	FILE *out; /* may be NULL: an in-memory buffer */
	int err;   /* first error, -errno */
};

void strbuf_init(struct strbuf *b, FILE *out);
void strbuf_fini(struct strbuf *b);
void strbuf_reset(struct strbuf *b);

void strbuf_add(struct strbuf *b, const char *s, size_t n);
void strbuf_adds(struct strbuf *b, const char *s);
void strbuf_addc(struct strbuf *b, char c);
void strbuf_addu64(struct strbuf *b, uint64_t v);
void strbuf_addi64(struct strbuf *b, int64_t v);
/* printf-style, for the rare non-hot path. */
void strbuf_addf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append text word-wrapped at `width` columns: `col` columns are already written on this
 * line (the first word follows them directly), continuation lines are indented by `indent`;
 * runs of spaces become one; ends the line. */
void strbuf_wrap(struct strbuf *b, const char *text, int col, int indent, int width);

/* Write out when the buffer is past STRBUF_FLUSH_AT; 0 or -errno. */
int strbuf_maybe_flush(struct strbuf *b);
/* Write everything and fflush the FILE; 0 or -errno. */
int strbuf_flush(struct strbuf *b);

#endif
