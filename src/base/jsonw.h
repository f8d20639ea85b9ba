/* jsonw.h - a fast JSON writer for records (JSON lines) on a strbuf.
 *
 * The writer tracks nesting and commas; strings are escaped per RFC 8259 (control bytes as
 * \u00XX, and bytes that are not valid UTF-8 as \u00XX of the byte, so the output is always
 * valid JSON whatever a packet held).  Output is checked to round-trip through jansson in the
 * unit tests.
 */
#ifndef VXS_OUTPUT_JSONW_H
#define VXS_OUTPUT_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

#define JSONW_MAX_DEPTH 16

struct jsonw {
	struct strbuf *b;
	int depth;
	bool first[JSONW_MAX_DEPTH]; /* nothing written yet at this depth */
	bool after_key;
};

void jsonw_init(struct jsonw *w, struct strbuf *b);

void jsonw_obj_begin(struct jsonw *w);
void jsonw_obj_end(struct jsonw *w);
void jsonw_arr_begin(struct jsonw *w);
void jsonw_arr_end(struct jsonw *w);
void jsonw_key(struct jsonw *w, const char *key);

void jsonw_str(struct jsonw *w, const char *s);
void jsonw_strn(struct jsonw *w, const char *s, size_t n);
void jsonw_u64(struct jsonw *w, uint64_t v);
void jsonw_i64(struct jsonw *w, int64_t v);
/* Fixed-point decimal with `digits` after the point (no exponent, no locale). */
void jsonw_fixed(struct jsonw *w, double v, int digits);
void jsonw_bool(struct jsonw *w, bool v);
void jsonw_null(struct jsonw *w);

/* key + value shorthands */
void jsonw_kstr(struct jsonw *w, const char *key, const char *s);
void jsonw_ku64(struct jsonw *w, const char *key, uint64_t v);
void jsonw_ki64(struct jsonw *w, const char *key, int64_t v);
void jsonw_kfixed(struct jsonw *w, const char *key, double v, int digits);
void jsonw_kbool(struct jsonw *w, const char *key, bool v);

/* End of a JSON-lines record: newline, and flush the strbuf when it is large. */
int jsonw_record_end(struct jsonw *w);

#endif
