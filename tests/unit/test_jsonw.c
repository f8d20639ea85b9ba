/* test_jsonw.c - the fast JSON writer round-trips through jansson, whatever bytes it is given. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/jsonw.h"

static json_t *parse(struct strbuf *b)
{
	json_error_t err;
	json_t *j = json_loadb(b->buf, b->len, JSON_ALLOW_NUL | JSON_DECODE_ANY, &err);
	if (!j)
		fail_msg("jansson rejected %.*s: %s", (int)b->len, b->buf, err.text);
	return j;
}

static void test_nesting_and_types(void **state)
{
	(void)state;
	struct strbuf b;
	strbuf_init(&b, NULL);
	struct jsonw w;
	jsonw_init(&w, &b);
	jsonw_obj_begin(&w);
	jsonw_ku64(&w, "u", (uint64_t)INT64_MAX); /* jansson holds signed 64-bit */
	jsonw_ki64(&w, "i", INT64_MIN);
	jsonw_kfixed(&w, "f", 1.5, 3);
	jsonw_kbool(&w, "t", true);
	jsonw_key(&w, "n");
	jsonw_null(&w);
	jsonw_key(&w, "a");
	jsonw_arr_begin(&w);
	jsonw_u64(&w, 1);
	jsonw_obj_begin(&w);
	jsonw_kstr(&w, "x", "y");
	jsonw_obj_end(&w);
	jsonw_arr_begin(&w);
	jsonw_arr_end(&w);
	jsonw_arr_end(&w);
	jsonw_kstr(&w, "s", "line\n\"quoted\"\\tab\t");
	jsonw_obj_end(&w);
	json_t *j = parse(&b);
	assert_true(json_integer_value(json_object_get(j, "i")) == INT64_MIN);
	assert_true(json_is_true(json_object_get(j, "t")));
	assert_true(json_is_null(json_object_get(j, "n")));
	assert_int_equal(json_array_size(json_object_get(j, "a")), 3);
	assert_string_equal(json_string_value(json_object_get(j, "s")), "line\n\"quoted\"\\tab\t");
	assert_true(json_real_value(json_object_get(j, "f")) == 1.5);
	json_decref(j);
	strbuf_fini(&b);
}

/* Every byte value, and invalid UTF-8, must still give valid JSON; valid UTF-8 must survive. */
static void test_hostile_bytes(void **state)
{
	(void)state;
	char raw[256 + 16];
	for (int i = 0; i < 256; i++)
		raw[i] = (char)i;
	memcpy(raw + 256, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xc0\x80\xed\xa0\x80", 14);
	struct strbuf b;
	strbuf_init(&b, NULL);
	struct jsonw w;
	jsonw_init(&w, &b);
	jsonw_strn(&w, raw, 256 + 14);
	json_t *j = parse(&b);
	const char *s = json_string_value(j);
	assert_non_null(s);
	/* the valid sequences (e acute, euro, emoji) are kept as they are */
	assert_non_null(memmem(s, json_string_length(j), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9));
	/* the 256 single bytes: ASCII kept, each byte >= 0x80 (invalid alone) one code point */
	assert_int_equal(json_string_length(j), 128 + 128 * 2 + 9 + 2 * 2 + 3 * 2);
	json_decref(j);
	strbuf_fini(&b);
}

static void test_records(void **state)
{
	(void)state;
	struct strbuf b;
	strbuf_init(&b, NULL);
	struct jsonw w;
	jsonw_init(&w, &b);
	for (int i = 0; i < 3; i++) {
		jsonw_obj_begin(&w);
		jsonw_ku64(&w, "frame", (uint64_t)i + 1);
		jsonw_key(&w, "flags");
		jsonw_arr_begin(&w);
		jsonw_str(&w, "retransmission");
		jsonw_arr_end(&w);
		jsonw_obj_end(&w);
		assert_int_equal(jsonw_record_end(&w), 0);
	}
	/* three lines, each one valid JSON object */
	char *save, *line = strtok_r(b.buf, "\n", &save);
	int n = 0;
	b.buf[b.len - 1] = 0;
	while (line) {
		json_error_t err;
		json_t *j = json_loads(line, 0, &err);
		assert_non_null(j);
		assert_int_equal(json_integer_value(json_object_get(j, "frame")), ++n);
		json_decref(j);
		line = strtok_r(NULL, "\n", &save);
	}
	assert_int_equal(n, 3);
	strbuf_fini(&b);
}

static void test_numbers(void **state)
{
	(void)state;
	struct strbuf b;
	strbuf_init(&b, NULL);
	strbuf_addu64(&b, 0);
	strbuf_addc(&b, ' ');
	strbuf_addi64(&b, -42);
	strbuf_addc(&b, ' ');
	strbuf_addu64(&b, UINT64_MAX);
	strbuf_addc(&b, 0);
	assert_string_equal(b.buf, "0 -42 18446744073709551615");
	strbuf_fini(&b);
}

static void test_write_error_is_reported(void **state)
{
	(void)state;
	FILE *full = fopen("/dev/full", "w");
	if (!full)
		skip();
	struct strbuf b;
	strbuf_init(&b, full);
	strbuf_adds(&b, "data");
	int r = strbuf_flush(&b);
	assert_int_not_equal(r, 0);
	/* the error sticks */
	strbuf_adds(&b, "more");
	assert_int_equal(strbuf_flush(&b), r);
	fclose(full);
	strbuf_fini(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nesting_and_types),
		cmocka_unit_test(test_hostile_bytes),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_write_error_is_reported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
