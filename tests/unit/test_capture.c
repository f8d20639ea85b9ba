/* test_capture.c - unit tests for the pcap and pcapng readers (src/capture/).
 *
 * Small captures are built byte by byte here (both byte orders, micro/nano, several pcapng
 * sections and interfaces, every damage case) and read three ways: from memory
 * (capture_open_buffer), from a file in a mktemp -d folder, and from a pipe on standard input
 * ("-").  A few real captures from the shared set are checked against MANIFEST.tsv and tshark.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture/reader.h"

static char tmpdir[64];

/* --- building captures --- */

struct bb {
	uint8_t *p;
	size_t len, cap;
	int be;
};

static void bb_put(struct bb *b, const void *v, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	if (n)
		memcpy(b->p + b->len, v, n);
	b->len += n;
}

static void bb_u8(struct bb *b, uint8_t v)
{
	bb_put(b, &v, 1);
}

static void bb_set32(struct bb *b, size_t at, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b->p[at + (size_t)i] = (uint8_t)(b->be ? v >> (24 - 8 * i) : v >> (8 * i));
}

static void bb_u16(struct bb *b, uint16_t v)
{
	if (b->be) {
		bb_u8(b, (uint8_t)(v >> 8));
		bb_u8(b, (uint8_t)v);
	} else {
		bb_u8(b, (uint8_t)v);
		bb_u8(b, (uint8_t)(v >> 8));
	}
}

static void bb_u32(struct bb *b, uint32_t v)
{
	bb_put(b, "\0\0\0\0", 4);
	bb_set32(b, b->len - 4, v);
}

static void bb_u64(struct bb *b, uint64_t v)
{
	if (b->be) {
		bb_u32(b, (uint32_t)(v >> 32));
		bb_u32(b, (uint32_t)v);
	} else {
		bb_u32(b, (uint32_t)v);
		bb_u32(b, (uint32_t)(v >> 32));
	}
}

static uint8_t pat(unsigned seed, size_t i)
{
	return (uint8_t)(seed * 31 + i * 7 + (i >> 8));
}

static void bb_data(struct bb *b, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		bb_u8(b, pat(seed, i));
}

static void bb_pad4(struct bb *b)
{
	while (b->len % 4)
		bb_u8(b, 0);
}

static void bb_free(struct bb *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* pcap */
static void pcap_hdr(struct bb *b, int nsec, uint16_t minor, uint32_t snaplen, uint32_t lt)
{
	bb_u32(b, nsec ? 0xa1b23c4d : 0xa1b2c3d4);
	bb_u16(b, 2);
	bb_u16(b, minor);
	bb_u32(b, 0);
	bb_u32(b, 0);
	bb_u32(b, snaplen);
	bb_u32(b, lt);
}

static void pcap_rec(struct bb *b, uint32_t sec, uint32_t frac, uint32_t caplen, uint32_t wirelen,
                     unsigned seed)
{
	bb_u32(b, sec);
	bb_u32(b, frac);
	bb_u32(b, caplen);
	bb_u32(b, wirelen);
	bb_data(b, caplen, seed);
}

/* pcapng */
static size_t ng_begin(struct bb *b, uint32_t type)
{
	size_t at = b->len;
	bb_u32(b, type);
	bb_u32(b, 0);
	return at;
}

static void ng_end(struct bb *b, size_t at)
{
	bb_pad4(b);
	uint32_t len = (uint32_t)(b->len - at + 4);
	bb_u32(b, len);
	bb_set32(b, at + 4, len);
}

static void ng_opt(struct bb *b, uint16_t code, const void *v, uint16_t n)
{
	bb_u16(b, code);
	bb_u16(b, n);
	bb_put(b, v, n);
	bb_pad4(b);
}

static void ng_shb(struct bb *b, int be, uint16_t major)
{
	b->be = be;
	size_t at = ng_begin(b, 0x0a0d0d0a);
	bb_u32(b, 0x1a2b3c4d);
	bb_u16(b, major);
	bb_u16(b, 0);
	bb_u64(b, UINT64_MAX);        /* section length -1 */
	ng_opt(b, 3, "unit-test", 9); /* shb_os */
	bb_u32(b, 0);
	ng_end(b, at);
}

#define NO_TSRESOL -1
static void ng_idb(struct bb *b, uint16_t lt, uint32_t snaplen, int tsresol, int64_t tsoffset)
{
	size_t at = ng_begin(b, 1);
	bb_u16(b, lt);
	bb_u16(b, 0);
	bb_u32(b, snaplen);
	ng_opt(b, 2, "eth0", 4); /* if_name */
	if (tsresol != NO_TSRESOL) {
		uint8_t v = (uint8_t)tsresol;
		ng_opt(b, 9, &v, 1);
	}
	if (tsoffset) {
		bb_u16(b, 14);
		bb_u16(b, 8);
		bb_u64(b, (uint64_t)tsoffset);
	}
	bb_u32(b, 0);
	ng_end(b, at);
}

static void ng_epb(struct bb *b, uint32_t ifid, uint64_t ts, uint32_t caplen, uint32_t wirelen,
                   unsigned seed)
{
	size_t at = ng_begin(b, 6);
	bb_u32(b, ifid);
	bb_u32(b, (uint32_t)(ts >> 32));
	bb_u32(b, (uint32_t)ts);
	bb_u32(b, caplen);
	bb_u32(b, wirelen);
	bb_data(b, caplen, seed);
	bb_pad4(b);
	ng_opt(b, 1, "a comment", 9);
	bb_u32(b, 0);
	ng_end(b, at);
}

static void ng_opb(struct bb *b, uint16_t ifid, uint64_t ts, uint32_t caplen, uint32_t wirelen,
                   unsigned seed)
{
	size_t at = ng_begin(b, 2);
	bb_u16(b, ifid);
	bb_u16(b, 0);
	bb_u32(b, (uint32_t)(ts >> 32));
	bb_u32(b, (uint32_t)ts);
	bb_u32(b, caplen);
	bb_u32(b, wirelen);
	bb_data(b, caplen, seed);
	ng_end(b, at);
}

static void ng_spb(struct bb *b, uint32_t wirelen, uint32_t datalen, unsigned seed)
{
	size_t at = ng_begin(b, 3);
	bb_u32(b, wirelen);
	bb_data(b, datalen, seed);
	ng_end(b, at);
}

static void ng_other(struct bb *b, uint32_t type, size_t n)
{
	size_t at = ng_begin(b, type);
	bb_data(b, n, 99);
	ng_end(b, at);
}

/* --- reading them back, three ways --- */

enum how { FROM_MEMORY, FROM_FILE, FROM_PIPE, HOW_COUNT };
static const char *how_name[] = {"memory", "file", "pipe"};

struct src {
	enum how how;
	int saved_stdin;
	pid_t child;
	char path[128];
};

/* The pipe source in use, so a failing test (cmocka jumps out of it) still gets stdin back
 * and its writer reaped, by the per-test teardown. */
static struct src *live_pipe;

static void write_file(const char *path, const struct bb *b)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, b->p, b->len), (ssize_t)b->len);
	assert_int_equal(close(fd), 0);
}

/* Open b; FROM_PIPE forks a writer that feeds it through a pipe in odd-sized pieces. */
static int src_open(struct src *s, enum how how, const struct bb *b, struct capture_reader **r,
                    char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->how = how;
	s->saved_stdin = -1;
	if (how == FROM_MEMORY)
		return capture_open_buffer(r, b->p, b->len, err, errlen);
	if (how == FROM_FILE) {
		snprintf(s->path, sizeof(s->path), "%s/cap.bin", tmpdir);
		write_file(s->path, b);
		return capture_open(r, s->path, err, errlen);
	}
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	fflush(stdout);
	s->child = fork();
	assert_true(s->child >= 0);
	if (s->child == 0) {
		alarm(60); /* never outlive a stuck test */
		close(fds[0]);
		size_t off = 0, step = 1;
		while (off < b->len) {
			size_t n = b->len - off < step ? b->len - off : step;
			if (write(fds[1], b->p + off, n) != (ssize_t)n)
				_exit(1);
			off += n;
			step = step * 3 % 70001 + 1;
		}
		_exit(0);
	}
	close(fds[1]);
	s->saved_stdin = dup(STDIN_FILENO);
	assert_true(s->saved_stdin >= 0);
	assert_int_equal(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
	close(fds[0]);
	live_pipe = s;
	return capture_open(r, "-", err, errlen);
}

static void pipe_end(struct src *s)
{
	/* Close our end first so a writer blocked on a full pipe ends (EPIPE). */
	dup2(s->saved_stdin, STDIN_FILENO);
	close(s->saved_stdin);
	int status;
	waitpid(s->child, &status, 0);
	live_pipe = NULL;
}

static void src_close(struct src *s, struct capture_reader *r)
{
	capture_close(r);
	if (s->how == FROM_PIPE)
		pipe_end(s);
	if (s->path[0])
		unlink(s->path);
}

static int test_teardown(void **state)
{
	(void)state;
	if (live_pipe)
		pipe_end(live_pipe);
	return 0;
}

static struct capture_reader *src_must_open(struct src *s, enum how how, const struct bb *b)
{
	char err[256];
	struct capture_reader *r = NULL;
	int rc = src_open(s, how, b, &r, err, sizeof(err));
	if (rc)
		fail_msg("open from %s: %d %s", how_name[how], rc, err);
	return r;
}

static void expect_frame(struct capture_reader *r, uint64_t n, int64_t ts, uint32_t caplen,
                         uint32_t wirelen, int lt, uint32_t ifindex, unsigned seed)
{
	struct packet p;
	memset(&p, 0, sizeof(p));
	enum capture_status st = capture_next(r, &p);
	if (st != CAPTURE_FRAME)
		fail_msg("frame %llu: status %d: %s", (unsigned long long)n, st, capture_error(r));
	assert_int_equal(p.frame, n);
	assert_int_equal(p.ts_ns, ts);
	assert_int_equal(p.caplen, caplen);
	assert_int_equal(p.wirelen, wirelen);
	assert_int_equal(p.linktype, lt);
	assert_int_equal(p.ifindex, ifindex);
	for (uint32_t i = 0; i < caplen; i++)
		if (p.data[i] != pat(seed, i))
			fail_msg("frame %llu byte %u differs", (unsigned long long)n, i);
}

/* The next status is st, the error says `msg` (substring), and it stays so. */
static void expect_stop(struct capture_reader *r, enum capture_status st, const char *msg)
{
	struct packet p;
	for (int i = 0; i < 2; i++) {
		enum capture_status got = capture_next(r, &p);
		if (got != st)
			fail_msg("status %d, wanted %d (%s)", got, st, capture_error(r));
		if (!strstr(capture_error(r), msg))
			fail_msg("error \"%s\" lacks \"%s\"", capture_error(r), msg);
	}
}

/* --- pcap --- */

static void test_pcap_variants(void **state)
{
	(void)state;
	for (int v = 0; v < 4; v++) {
		int be = v & 1, nsec = v >> 1;
		struct bb b = {.be = be};
		pcap_hdr(&b, nsec, 4, 65535, LINKTYPE_ETHERNET);
		uint32_t f1 = nsec ? 123456789 : 123456, f2 = nsec ? 999999999 : 999999;
		pcap_rec(&b, 1700000000, f1, 60, 60, 1);
		pcap_rec(&b, 1700000001, f2, 64, 1514, 2); /* snapped */
		pcap_rec(&b, 4000000000u, 0, 0, 0, 3);     /* empty frame, time past 2038 */
		pcap_rec(&b, 1700000002, 0, 70, 40, 4);    /* caplen > wirelen */
		int64_t mul = nsec ? 1 : 1000;
		for (enum how h = 0; h < HOW_COUNT; h++) {
			struct src s;
			struct capture_reader *r = src_must_open(&s, h, &b);
			assert_int_equal(capture_format(r),
			                 nsec ? CAPTURE_PCAP_NSEC : CAPTURE_PCAP);
			assert_int_equal(capture_linktype(r), LINKTYPE_ETHERNET);
			assert_int_equal(capture_interfaces(r), 1);
			assert_int_equal(capture_offset(r), 24);
			assert_int_equal(capture_size(r), h == FROM_PIPE ? 0 : b.len);
			expect_frame(r, 1, 1700000000000000000 + f1 * mul, 60, 60, 1, 0, 1);
			expect_frame(r, 2, 1700000001000000000 + f2 * mul, 64, 1514, 1, 0, 2);
			expect_frame(r, 3, 4000000000000000000, 0, 0, 1, 0, 3);
			/* Never shorter on the wire than captured. */
			expect_frame(r, 4, 1700000002000000000, 70, 70, 1, 0, 4);
			expect_stop(r, CAPTURE_EOF, "");
			assert_string_equal(capture_error(r), "");
			assert_int_equal(capture_offset(r), b.len);
			src_close(&s, r);
		}
		bb_free(&b);
	}
}

/* Before version 2.3 some writers swapped caplen and len: read them back the right way. */
static void test_pcap_old_swapped_lengths(void **state)
{
	(void)state;
	struct bb b = {0};
	pcap_hdr(&b, 0, 2, 65535, LINKTYPE_RAW);
	bb_u32(&b, 10);
	bb_u32(&b, 0);
	bb_u32(&b, 1500); /* really the original length */
	bb_u32(&b, 40);   /* really the captured length */
	bb_data(&b, 40, 5);
	struct src s;
	struct capture_reader *r = src_must_open(&s, FROM_MEMORY, &b);
	expect_frame(r, 1, 10000000000, 40, 1500, LINKTYPE_RAW, 0, 5);
	expect_stop(r, CAPTURE_EOF, "");
	src_close(&s, r);
	bb_free(&b);
}

static void test_pcap_damage(void **state)
{
	(void)state;
	char want[160];
	for (int c = 0; c < 5; c++) {
		struct bb b = {.be = c & 1};
		pcap_hdr(&b, 0, 4, 262144, LINKTYPE_ETHERNET);
		pcap_rec(&b, 1, 0, 100, 100, 1);
		size_t off = b.len; /* 140 */
		switch (c) {
		case 0: /* last record cut short */
		case 1:
			pcap_rec(&b, 2, 0, 100, 100, 2);
			b.len -= 70;
			snprintf(want, sizeof(want),
			         "truncated record at offset %zu: header says 100 bytes, 30 left",
			         off);
			break;
		case 2: /* record header cut short */
			pcap_rec(&b, 2, 0, 100, 100, 2);
			b.len = off + 5;
			snprintf(want, sizeof(want),
			         "truncated record header at offset %zu: 5 of 16 bytes", off);
			break;
		case 3: /* a nonsense length, with plenty of bytes after it */
			pcap_rec(&b, 2, 0, 0, 0, 2);
			bb_set32(&b, off + 8, CAPTURE_MAX_FRAME + 1);
			bb_data(&b, 300000, 3);
			snprintf(
			    want, sizeof(want),
			    "pcap record at offset %zu: captured length %u exceeds the maximum %u",
			    off, CAPTURE_MAX_FRAME + 1, CAPTURE_MAX_FRAME);
			break;
		case 4: /* the largest frame is fine; then garbage */
			pcap_rec(&b, 2, 0, CAPTURE_MAX_FRAME, CAPTURE_MAX_FRAME, 2);
			off = b.len;
			bb_u32(&b, 0xffffffff);
			bb_u32(&b, 0xffffffff);
			bb_u32(&b, 0xffffffff);
			bb_u32(&b, 0xffffffff);
			snprintf(want, sizeof(want),
			         "pcap record at offset %zu: captured length 4294967295 exceeds",
			         off);
			break;
		}
		for (enum how h = 0; h < HOW_COUNT; h++) {
			struct src s;
			struct capture_reader *r = src_must_open(&s, h, &b);
			expect_frame(r, 1, 1000000000, 100, 100, 1, 0, 1);
			if (c == 4)
				expect_frame(r, 2, 2000000000, CAPTURE_MAX_FRAME, CAPTURE_MAX_FRAME,
				             1, 0, 2);
			expect_stop(r, CAPTURE_DAMAGED, want);
			src_close(&s, r);
		}
		bb_free(&b);
	}
}

static void expect_open_fail(const struct bb *b, int rc_want, const char *msg)
{
	for (enum how h = 0; h < HOW_COUNT; h++) {
		struct src s;
		struct capture_reader *r = (struct capture_reader *)&s; /* open must reset it */
		char err[256];
		int rc = src_open(&s, h, b, &r, err, sizeof(err));
		assert_int_equal(rc, rc_want);
		assert_null(r);
		if (!strstr(err, msg))
			fail_msg("%s: error \"%s\" lacks \"%s\"", how_name[h], err, msg);
		src_close(&s, NULL);
	}
}

static void test_open_errors(void **state)
{
	(void)state;
	struct bb b = {0};
	expect_open_fail(&b, -EINVAL, "not a pcap or pcapng file: empty");
	bb_put(&b, "\xd4\xc3\xb2", 3);
	expect_open_fail(&b, -EINVAL, "only 3 bytes");
	b.len = 0;
	bb_put(&b, "GET / HTTP/1.1\r\n", 16);
	expect_open_fail(&b, -EINVAL, "not a pcap or pcapng file: magic 0x47455420");
	b.len = 0;
	bb_put(&b, "\x1f\x8b\x08\x00\x00\x00", 6);
	expect_open_fail(&b, -EINVAL, "gzip");
	b.len = 0;
	pcap_hdr(&b, 0, 4, 65535, 1);
	b.len = 20;
	expect_open_fail(&b, -EINVAL, "truncated pcap file header: 20 of 24 bytes");
	b.len = 0;
	pcap_hdr(&b, 1, 4, 65535, 1);
	bb_set32(&b, 4, 0x00040001); /* version 1.4 */
	expect_open_fail(&b, -EINVAL, "unsupported pcap version 1.4");
	b.len = 0;
	ng_shb(&b, 0, 1);
	bb_set32(&b, 8, 0x11223344);
	expect_open_fail(&b, -EINVAL, "pcapng section header at offset 0: bad byte-order magic");
	b.len = 0;
	ng_shb(&b, 1, 1);
	b.len = 10;
	expect_open_fail(&b, -EINVAL, "truncated pcapng section header at offset 0: 10 of 12");
	b.len = 0;
	ng_shb(&b, 0, 1);
	b.len -= 4;
	expect_open_fail(&b, -EINVAL,
	                 "truncated pcapng block at offset 0: header says 48 bytes, "
	                 "44 left");
	b.len = 0;
	ng_shb(&b, 1, 2);
	expect_open_fail(&b, -EINVAL, "unsupported version 2.0");
	bb_free(&b);

	char err[256];
	struct capture_reader *r;
	char path[128];
	snprintf(path, sizeof(path), "%s/does-not-exist.pcap", tmpdir);
	assert_int_equal(capture_open(&r, path, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "does-not-exist.pcap"));
	assert_int_equal(capture_open(&r, tmpdir, err, sizeof(err)), -EISDIR);
	assert_non_null(strstr(err, "read error at offset 0"));
}

/* --- pcapng --- */

static void build_pcapng_snap(struct bb *b, int be, uint32_t snaplen0)
{
	ng_shb(b, be, 1);
	ng_idb(b, LINKTYPE_ETHERNET, snaplen0, NO_TSRESOL, 0); /* if 0: default 10^-6 */
	size_t at = ng_begin(b, 4);                            /* name resolution: skipped */
	bb_u16(b, 1);                                          /* nrb_record_ipv4 */
	bb_u16(b, 8);
	bb_put(b,
	       "\x0a\x00\x00\x01"
	       "abc",
	       8);
	bb_u32(b, 0); /* nrb_record_end */
	ng_end(b, at);
	ng_idb(b, LINKTYPE_RAW, 0, 9, 100);               /* if 1: ns, +100 s */
	ng_idb(b, LINKTYPE_LINUX_SLL, 0, 0x80 | 10, -50); /* if 2: 2^-10 s, -50 s */
	ng_epb(b, 0, 1700000000123456ull, 60, 60, 1);
	ng_epb(b, 1, 1700000000123456789ull, 41, 1500, 2);
	ng_epb(b, 2, (1700000000ull << 10) | 512, 3, 3, 3);
	ng_other(b, 0x00000bad, 33); /* custom: numbered, skipped */
	ng_other(b, 0x1234, 12);     /* unknown: skipped */
	ng_other(b, 5, 12);          /* interface statistics */
	ng_spb(b, 100, 100, 4);      /* cut to snaplen 64 */
	ng_spb(b, 10, 10, 5);        /* padding is not data */
	ng_opb(b, 1, 1700000005000000000ull, 20, 20, 6);
	ng_other(b, 0x80000001, 8); /* local use */
	/* A second section in the other byte order, with its own interface 0. */
	ng_shb(b, !be, 1);
	ng_idb(b, LINKTYPE_IPV4, 0, 3, 0); /* ms */
	ng_other(b, 9, 40);                /* systemd journal: numbered */
	ng_other(b, 0x40000bad, 4);        /* custom: numbered */
	ng_epb(b, 0, 1700000009123ull, 28, 28, 7);
}

static void build_pcapng(struct bb *b, int be)
{
	build_pcapng_snap(b, be, 64);
}

static void check_pcapng(struct capture_reader *r)
{
	assert_int_equal(capture_format(r), CAPTURE_PCAPNG);
	assert_int_equal(capture_linktype(r), LINKTYPE_ETHERNET);
	assert_int_equal(capture_interfaces(r), 3); /* read up to the first packet at open */
	expect_frame(r, 1, 1700000000123456000, 60, 60, LINKTYPE_ETHERNET, 0, 1);
	expect_frame(r, 2, 1700000100123456789, 41, 1500, LINKTYPE_RAW, 1, 2);
	expect_frame(r, 3, 1699999950500000000, 3, 3, LINKTYPE_LINUX_SLL, 2, 3);
	/* Frame 4 is the custom block (Wireshark's numbering).  SPBs carry no time: they
	 * keep the last one. */
	expect_frame(r, 5, 1699999950500000000, 64, 100, LINKTYPE_ETHERNET, 0, 4);
	expect_frame(r, 6, 1699999950500000000, 10, 10, LINKTYPE_ETHERNET, 0, 5);
	expect_frame(r, 7, 1700000105000000000, 20, 20, LINKTYPE_RAW, 1, 6);
	expect_frame(r, 10, 1700000009123000000, 28, 28, LINKTYPE_IPV4, 3, 7);
	assert_int_equal(capture_interfaces(r), 4);
	assert_int_equal(capture_linktype(r), LINKTYPE_ETHERNET);
	expect_stop(r, CAPTURE_EOF, "");
	assert_string_equal(capture_error(r), "");
}

static void test_pcapng(void **state)
{
	(void)state;
	for (int be = 0; be < 2; be++) {
		struct bb b = {0};
		build_pcapng(&b, be);
		for (enum how h = 0; h < HOW_COUNT; h++) {
			struct src s;
			struct capture_reader *r = src_must_open(&s, h, &b);
			check_pcapng(r);
			assert_int_equal(capture_offset(r), b.len);
			src_close(&s, r);
		}
		bb_free(&b);
	}
}

static void test_pcapng_no_packets(void **state)
{
	(void)state;
	struct bb b = {0};
	ng_shb(&b, 0, 1);
	struct src s;
	struct capture_reader *r = src_must_open(&s, FROM_MEMORY, &b);
	assert_int_equal(capture_linktype(r), -1);
	assert_int_equal(capture_interfaces(r), 0);
	expect_stop(r, CAPTURE_EOF, "");
	src_close(&s, r);
	bb_free(&b);
}

static void fmt_ts(char *buf, size_t len, int64_t ns);

/* The same capture through tshark: frame numbers, times and lengths agree.  (Without the
 * snaplen on interface 0: tshark 4.0 rejects an SPB cut by snaplen.) */
static void test_pcapng_vs_tshark(void **state)
{
	(void)state;
	if (access("/usr/bin/tshark", X_OK) != 0) {
		printf("NOTICE: /usr/bin/tshark absent: test skipped\n");
		skip();
	}
	for (int be = 0; be < 2; be++) {
		struct bb b = {0};
		build_pcapng_snap(&b, be, 0);
		char path[128], cmd[300], line[256], ours[256];
		snprintf(path, sizeof(path), "%s/cap.bin", tmpdir);
		write_file(path, &b);
		snprintf(cmd, sizeof(cmd),
		         "tshark -n -r '%s' -T fields -e frame.number -e "
		         "frame.time_epoch -e frame.cap_len -e frame.len 2>/dev/null",
		         path);
		FILE *f = popen(cmd, "r");
		assert_non_null(f);
		struct capture_reader *r;
		char err[256];
		assert_int_equal(capture_open(&r, path, err, sizeof(err)), 0);
		struct packet p;
		int n = 0;
		while (capture_next(r, &p) == CAPTURE_FRAME) {
			/* tshark lists the custom and journal blocks too: skip to ours. */
			do {
				if (!fgets(line, sizeof(line), f))
					fail_msg("tshark ended before frame %llu",
					         (unsigned long long)p.frame);
			} while (strtoull(line, NULL, 10) != p.frame);
			char ts[40];
			fmt_ts(ts, sizeof(ts), p.ts_ns);
			int spb = strstr(line, "\t\t") != NULL; /* no time */
			snprintf(ours, sizeof(ours), "%llu\t%s\t%u\t%u\n",
			         (unsigned long long)p.frame, spb ? "" : ts, p.caplen, p.wirelen);
			assert_string_equal(line, ours);
			n++;
		}
		assert_int_equal(n, 7);
		assert_null(fgets(line, sizeof(line), f));
		pclose(f);
		capture_close(r);
		unlink(path);
		bb_free(&b);
	}
}

/* Each case: one good frame, then the damage at `off`; the error names off and the reason. */
static void test_pcapng_damage(void **state)
{
	(void)state;
	char want[200];
	for (int c = 0; c < 18; c++) {
		struct bb b = {0};
		ng_shb(&b, c & 1, 1);
		ng_idb(&b, LINKTYPE_ETHERNET, 0, 9, 0);
		ng_epb(&b, 0, 5, 16, 16, 1);
		size_t off = b.len, at;
		switch (c) {
		case 0:
			ng_other(&b, 0x1234, 20);
			bb_set32(&b, off + 4, 30);
			snprintf(want, sizeof(want),
			         "pcapng block at offset %zu: length 30 is not a multiple of 4",
			         off);
			break;
		case 1:
			bb_u32(&b, 6);
			bb_u32(&b, 8);
			bb_u32(&b, 8);
			snprintf(want, sizeof(want),
			         "pcapng block at offset %zu: length 8 is less than 12", off);
			break;
		case 2:
			ng_epb(&b, 0, 6, 16, 16, 2);
			bb_set32(&b, b.len - 4, 12345);
			snprintf(want, sizeof(want),
			         "pcapng block at offset %zu: trailing length "
			         "12345 differs from the leading %zu",
			         off, b.len - off);
			break;
		case 3:
			ng_other(&b, 0x1234, 2000000); /* skipped across chunks */
			bb_set32(&b, b.len - 4, 16);
			snprintf(want, sizeof(want),
			         "pcapng block at offset %zu: trailing length 16 "
			         "differs from the leading %zu",
			         off, b.len - off);
			break;
		case 4:
			ng_epb(&b, 5, 6, 16, 16, 2);
			snprintf(want, sizeof(want),
			         "pcapng enhanced packet block at offset %zu: "
			         "interface id 5 out of range (1 interfaces in this section)",
			         off);
			break;
		case 5:
			ng_epb(&b, 0, 6, 64, 64, 2);
			bb_set32(&b, off + 20, 200);
			snprintf(want, sizeof(want),
			         "pcapng enhanced packet block at offset %zu: "
			         "captured length 200 exceeds the 84 bytes the block holds",
			         off);
			break;
		case 6:
			ng_epb(&b, 0, 6, 100, 100, 2);
			b.len -= 20;
			snprintf(want, sizeof(want),
			         "truncated pcapng block at offset %zu: header "
			         "says 152 bytes, 132 left",
			         off);
			break;
		case 7:
			bb_put(&b, "\x06\x00\x00", 3);
			snprintf(want, sizeof(want),
			         "truncated pcapng block header at offset %zu: 3 of 8 bytes", off);
			break;
		case 8:
			ng_shb(&b, 0, 1);
			bb_set32(&b, off + 8, 0x1a2b3c4e);
			snprintf(want, sizeof(want),
			         "pcapng section header at offset %zu: bad "
			         "byte-order magic",
			         off);
			break;
		case 9:
			ng_shb(&b, 1, 3);
			snprintf(want, sizeof(want),
			         "pcapng section header at offset %zu: unsupported "
			         "version 3.0",
			         off);
			break;
		case 10: /* a packet block too long to hold */
			bb_u32(&b, 6);
			bb_u32(&b, 0x7ffffff0);
			bb_data(&b, 1000, 3);
			snprintf(want, sizeof(want),
			         "pcapng block at offset %zu: length 2147483632 of "
			         "a type 6 block exceeds the maximum",
			         off);
			break;
		case 11: /* a long unknown block, cut short: skipped until the end */
			bb_u32(&b, 0x1234);
			bb_u32(&b, 0x7ffffff0);
			bb_data(&b, 3000000, 3);
			snprintf(want, sizeof(want),
			         "truncated pcapng block at offset %zu: header "
			         "says 2147483632 bytes, 3000008 left",
			         off);
			break;
		case 12:
			at = ng_begin(&b, 1);
			bb_u16(&b, 1);
			bb_u16(&b, 0);
			bb_u32(&b, 0);
			bb_u16(&b, 2);
			bb_u16(&b, 100);
			bb_put(&b, "eth1", 4);
			ng_end(&b, at);
			snprintf(want, sizeof(want),
			         "pcapng interface block at offset %zu: option 2 "
			         "of length 100 overruns the block",
			         off);
			break;
		case 13: /* new section: interface 0 of the old one is gone */
			ng_shb(&b, 0, 1);
			off = b.len;
			ng_spb(&b, 10, 10, 2);
			snprintf(want, sizeof(want),
			         "pcapng simple packet block at offset %zu: "
			         "interface id 0 out of range (0 interfaces in this section)",
			         off);
			break;
		case 14:
			ng_idb(&b, 1, 0, 20, 0); /* 10^-20 s */
			snprintf(want, sizeof(want),
			         "pcapng interface block at offset %zu: "
			         "if_tsresol 0x14 is finer than 64 bits can count",
			         off);
			break;
		case 15:
			at = ng_begin(&b, 6);
			bb_data(&b, 16, 1);
			ng_end(&b, at);
			snprintf(want, sizeof(want),
			         "pcapng enhanced packet block at offset %zu: "
			         "length 28 is less than 32",
			         off);
			break;
		case 16:
			ng_epb(&b, 0, 6, CAPTURE_MAX_FRAME + 4, CAPTURE_MAX_FRAME + 4, 2);
			snprintf(want, sizeof(want),
			         "pcapng enhanced packet block at offset %zu: "
			         "captured length %u exceeds the maximum %u",
			         off, CAPTURE_MAX_FRAME + 4, CAPTURE_MAX_FRAME);
			break;
		case 17:
			ng_opb(&b, 1, 6, 16, 16, 2);
			snprintf(want, sizeof(want),
			         "pcapng packet block at offset %zu: interface "
			         "id 1 out of range",
			         off);
			break;
		}
		for (enum how h = 0; h < HOW_COUNT; h++) {
			struct src s;
			struct capture_reader *r = src_must_open(&s, h, &b);
			expect_frame(r, 1, 5, 16, 16, LINKTYPE_ETHERNET, 0, 1);
			expect_stop(r, CAPTURE_DAMAGED, want);
			src_close(&s, r);
		}
		bb_free(&b);
	}
}

/* Damage before the first packet: open works, the first capture_next() reports it. */
static void test_pcapng_damage_at_open(void **state)
{
	(void)state;
	struct bb b = {0};
	ng_shb(&b, 0, 1);
	size_t off = b.len;
	ng_idb(&b, 1, 0, 6, 0);
	bb_set32(&b, b.len - 4, 0);
	ng_epb(&b, 0, 1, 10, 10, 1);
	struct src s;
	struct capture_reader *r = src_must_open(&s, FROM_MEMORY, &b);
	char want[100];
	snprintf(want, sizeof(want), "pcapng block at offset %zu: trailing length 0", off);
	expect_stop(r, CAPTURE_DAMAGED, want);
	src_close(&s, r);
	bb_free(&b);
}

/* Several MiB, frames of every size straddling the 1 MiB chunks. */
static void test_large(void **state)
{
	(void)state;
	struct bb pc = {0}, ng = {0};
	pcap_hdr(&pc, 1, 4, 262144, 1);
	ng_shb(&ng, 1, 1);
	ng_idb(&ng, 1, 0, 9, 0);
	unsigned n = 0;
	uint32_t sizes[600];
	for (size_t total = 0; total < (5u << 20); n++) {
		uint32_t len = (n * 7919u) % 20000u;
		if (n % 97 == 0)
			len = CAPTURE_MAX_FRAME - n % 5;
		if (n < 600)
			sizes[n] = len;
		else
			break;
		pcap_rec(&pc, 1000 + n, n, len, len + 4, n);
		ng_epb(&ng, 0, 1000000000000ull + n, len, len + 4, n);
		if (n % 50 == 0)
			ng_other(&ng, 0x1234, n * 1000);
		total += len;
	}
	for (enum how h = 0; h < HOW_COUNT; h++) {
		struct src s;
		struct capture_reader *r = src_must_open(&s, h, &pc);
		for (unsigned i = 0; i < n; i++)
			expect_frame(r, i + 1, (1000 + (int64_t)i) * 1000000000 + i, sizes[i],
			             sizes[i] + 4, 1, 0, i);
		expect_stop(r, CAPTURE_EOF, "");
		assert_int_equal(capture_offset(r), pc.len);
		src_close(&s, r);

		r = src_must_open(&s, h, &ng);
		for (unsigned i = 0; i < n; i++)
			expect_frame(r, i + 1, 1000000000000 + (int64_t)i, sizes[i], sizes[i] + 4,
			             1, 0, i);
		expect_stop(r, CAPTURE_EOF, "");
		assert_int_equal(capture_offset(r), ng.len);
		src_close(&s, r);
	}
	bb_free(&pc);
	bb_free(&ng);
}

/* "-" with a regular file on standard input: its size is known. */
static void test_stdin_file(void **state)
{
	(void)state;
	struct bb b = {0};
	build_pcapng(&b, 0);
	char path[128];
	snprintf(path, sizeof(path), "%s/stdin.pcapng", tmpdir);
	write_file(path, &b);
	int saved = dup(STDIN_FILENO);
	int fd = open(path, O_RDONLY);
	assert_true(saved >= 0 && fd >= 0);
	assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);
	char err[256];
	struct capture_reader *r;
	assert_int_equal(capture_open(&r, "-", err, sizeof(err)), 0);
	assert_int_equal(capture_size(r), b.len);
	check_pcapng(r);
	capture_close(r);
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	unlink(path);
	bb_free(&b);
}

/* --- real captures: frame counts from MANIFEST.tsv, timestamps from tshark --- */

static const char *captures_dir(void)
{
	const char *d = getenv("VXS_CAPTURES");
	return d ? d : "/work/shared/captures";
}

/* Column `col` (0-based) of file's line in MANIFEST.tsv into out; 0 or -1. */
static int manifest_field(const char *file, int col, char *out, size_t len)
{
	char path[512], line[8192];
	snprintf(path, sizeof(path), "%s/MANIFEST.tsv", captures_dir());
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int rc = -1;
	size_t flen = strlen(file);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, file, flen) != 0 || line[flen] != '\t')
			continue;
		char *p = line;
		for (int i = 0; i < col && p; i++) {
			p = strchr(p, '\t');
			if (p)
				p++;
		}
		if (!p)
			break;
		size_t n = strcspn(p, "\t\n");
		snprintf(out, len, "%.*s", (int)n, p);
		rc = 0;
		break;
	}
	fclose(f);
	return rc;
}

static void fmt_ts(char *buf, size_t len, int64_t ns)
{
	snprintf(buf, len, "%lld.%09lld", (long long)(ns / 1000000000),
	         (long long)(ns % 1000000000));
}

static void test_real_files(void **state)
{
	(void)state;
	static const char *files[] = {
	    "arkime/bigendian.pcap",
	    "ndpi/fuzz-2006-06-26-2594.pcap",
	    "tcpdump/tcp-handshake-nano.pcap",
	    "zeek/get-to-ssh-server.pcap",
	    "zeek/pcapng-multi-interface.pcapng",
	    "suricata/decode-sll2-01.pcap",
	    "github-misc/akachana_rod-ix-pc-04__PR_2.pcap",
	    "ndpi/alexa-app.pcapng",
	    "zeek/modify-request.pcapng",
	    "suricata/bug-1450-04.pcap",
	};
	char probe[16];
	if (manifest_field(files[0], 6, probe, sizeof(probe)) != 0) {
		printf("NOTICE: %s/MANIFEST.tsv not found: real-capture checks skipped\n",
		       captures_dir());
		skip();
	}
	int have_tshark = access("/usr/bin/tshark", X_OK) == 0;
	if (!have_tshark)
		printf("NOTICE: /usr/bin/tshark absent: timestamp checks skipped\n");
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char packets[32], fmt[32], note[1024] = "", path[512], err[256];
		assert_int_equal(manifest_field(files[i], 6, packets, sizeof(packets)), 0);
		assert_int_equal(manifest_field(files[i], 14, fmt, sizeof(fmt)), 0);
		manifest_field(files[i], 17, note, sizeof(note));
		snprintf(path, sizeof(path), "%s/%s", captures_dir(), files[i]);

		struct capture_reader *r;
		if (capture_open(&r, path, err, sizeof(err)) != 0)
			fail_msg("%s: %s", files[i], err);
		const char *ours = capture_format(r) == CAPTURE_PCAPNG      ? "pcapng"
		                   : capture_format(r) == CAPTURE_PCAP_NSEC ? "pcap-nsec"
		                                                            : "pcap";
		assert_string_equal(strcmp(fmt, "pcap-be") ? fmt : "pcap", ours);
		struct packet p;
		uint64_t frames = 0;
		int64_t first = 0, last = 0;
		enum capture_status st;
		while ((st = capture_next(r, &p)) == CAPTURE_FRAME) {
			if (!frames++)
				first = p.ts_ns;
			last = p.ts_ns;
		}
		if (frames != strtoull(packets, NULL, 10))
			fail_msg("%s: %llu frames, MANIFEST says %s", files[i],
			         (unsigned long long)frames, packets);
		/* tshark found damage exactly where we do */
		int damaged = strstr(note, "cut short") || strstr(note, "damaged or corrupt");
		assert_int_equal(st, damaged ? CAPTURE_DAMAGED : CAPTURE_EOF);
		capture_close(r);

		if (!have_tshark)
			continue;
		char cmd[700], line[64], tfirst[64] = "", tlast[64] = "";
		snprintf(cmd, sizeof(cmd),
		         "tshark -n -r '%s' -T fields -e frame.time_epoch 2>/dev/null", path);
		FILE *f = popen(cmd, "r");
		assert_non_null(f);
		while (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = 0;
			if (!tfirst[0])
				snprintf(tfirst, sizeof(tfirst), "%s", line);
			snprintf(tlast, sizeof(tlast), "%s", line);
		}
		pclose(f);
		char a[64], b[64];
		fmt_ts(a, sizeof(a), first);
		fmt_ts(b, sizeof(b), last);
		if (strcmp(a, tfirst) || strcmp(b, tlast))
			fail_msg("%s: first/last %s %s, tshark %s %s", files[i], a, b, tfirst,
			         tlast);
	}
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vxs-test-capture-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	static const char *left[] = {"cap.bin", "stdin.pcapng"}; /* after a failed test */
	char path[128];
	for (size_t i = 0; i < sizeof(left) / sizeof(left[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, left[i]);
		unlink(path);
	}
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_pcap_variants, test_teardown),
	    cmocka_unit_test_teardown(test_pcap_old_swapped_lengths, test_teardown),
	    cmocka_unit_test_teardown(test_pcap_damage, test_teardown),
	    cmocka_unit_test_teardown(test_open_errors, test_teardown),
	    cmocka_unit_test_teardown(test_pcapng, test_teardown),
	    cmocka_unit_test_teardown(test_pcapng_vs_tshark, test_teardown),
	    cmocka_unit_test_teardown(test_pcapng_no_packets, test_teardown),
	    cmocka_unit_test_teardown(test_pcapng_damage, test_teardown),
	    cmocka_unit_test_teardown(test_pcapng_damage_at_open, test_teardown),
	    cmocka_unit_test_teardown(test_large, test_teardown),
	    cmocka_unit_test_teardown(test_stdin_file, test_teardown),
	    cmocka_unit_test_teardown(test_real_files, test_teardown),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
