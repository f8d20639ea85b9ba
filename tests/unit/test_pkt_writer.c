/* test_pkt_writer.c - unit tests for the pcap/pcapng writer (src/output/pkt_writer.c).
 *
 * Files are written into a mktemp -d folder, read back with our reader and, when installed,
 * opened with tshark and tcpdump (the oracles: they must open the files and show the
 * comments and interface names).  Writing to /dev/full must fail with -ENOSPC.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/reader.h"
#include "output/pkt_writer.h"
#include "output/write_behind.h"

static char tmpdir[64];

struct frame {
	uint32_t ifid;
	int64_t ts;
	uint32_t caplen, wirelen;
	const char *comment;
};

static const char long_comment_marker[] = "LONG";

static uint8_t pat(unsigned seed, size_t i)
{
	return (uint8_t)(seed * 13 + i * 5);
}

static void fill(uint8_t *buf, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = pat(seed, i);
}

static void path_in_tmp(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

static int have(const char *tool)
{
	if (access(tool, X_OK) == 0)
		return 1;
	printf("NOTICE: %s absent: oracle check skipped\n", tool);
	return 0;
}

/* Run cmd and return its whole standard output (caller frees). */
static char *run(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	size_t cap = 4096, len = 0;
	char *out = malloc(cap);
	assert_non_null(out);
	size_t n;
	while ((n = fread(out + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 1024) {
			cap *= 2;
			out = realloc(out, cap);
			assert_non_null(out);
		}
	}
	out[len] = 0;
	int status = pclose(f);
	if (status != 0)
		fail_msg("`%s` exited with status %d", cmd, status);
	return out;
}

/* Read path back with our reader and compare every frame with what was written. */
static void read_back(const char *path, enum capture_format fmt, const struct frame *fr, size_t n,
                      const int *linktypes)
{
	struct capture_reader *r;
	char err[256];
	if (capture_open(&r, path, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(capture_format(r), fmt);
	assert_int_equal(capture_linktype(r), linktypes[0]);
	struct packet p;
	for (size_t i = 0; i < n; i++) {
		enum capture_status st = capture_next(r, &p);
		if (st != CAPTURE_FRAME)
			fail_msg("frame %zu: %d %s", i + 1, st, capture_error(r));
		assert_int_equal(p.frame, i + 1);
		assert_int_equal(p.ts_ns, fr[i].ts);
		assert_int_equal(p.caplen, fr[i].caplen);
		assert_int_equal(p.wirelen,
		                 fr[i].wirelen < fr[i].caplen ? fr[i].caplen : fr[i].wirelen);
		assert_int_equal(p.ifindex, fr[i].ifid);
		assert_int_equal(p.linktype, linktypes[fr[i].ifid]);
		for (uint32_t k = 0; k < p.caplen; k++)
			if (p.data[k] != pat((unsigned)i, k))
				fail_msg("frame %zu byte %u differs", i + 1, k);
	}
	assert_int_equal(capture_next(r, &p), CAPTURE_EOF);
	capture_close(r);
}

static void write_frames(struct pkt_writer *w, const struct frame *fr, size_t n)
{
	static uint8_t buf[262144];
	for (size_t i = 0; i < n; i++) {
		fill(buf, fr[i].caplen, (unsigned)i);
		assert_int_equal(pkt_writer_write(w, fr[i].ifid, fr[i].ts, buf, fr[i].caplen,
		                                  fr[i].wirelen, fr[i].comment),
		                 0);
	}
	assert_int_equal(pkt_writer_count(w), n);
}

static char *long_comment(void)
{
	/* 70000 bytes: longer than an option can hold, so cut at 65532 (a UTF-8 boundary:
	 * the two-byte "é" starting at 65531 must not be split). */
	char *c = malloc(70001);
	assert_non_null(c);
	memset(c, 'x', 70000);
	memcpy(c, long_comment_marker, 4);
	c[65531] = (char)0xc3;
	c[65532] = (char)0xa9;
	c[70000] = 0;
	return c;
}

static void test_pcapng_roundtrip(void **state)
{
	(void)state;
	char *lc = long_comment();
	const struct frame fr[] = {
	    {0, 1700000000123456789, 60, 60, "first frame"},
	    {1, 1700000000223456789, 40, 40, NULL},
	    {0, 1700000001000000001, 30, 1500, "snapped, \xc3\xa9t\xc3\xa9"},
	    {1, 1700000002000000000, 0, 0, "empty"},
	    {1, 1700000003000000000, 70, 20, lc}, /* caplen > wirelen: wirelen raised */
	    {0, 5, 262144, 262144, ""},
	};
	const size_t n = sizeof(fr) / sizeof(fr[0]);
	const int lts[] = {LINKTYPE_ETHERNET, LINKTYPE_RAW};
	char path[128];
	path_in_tmp(path, sizeof(path), "w.pcapng");
	struct pkt_writer *w;
	assert_int_equal(pkt_writer_open(&w, path, PKT_FORMAT_PCAPNG, 0), 0);
	uint32_t id = 99;
	assert_int_equal(
	    pkt_writer_add_interface(w, LINKTYPE_ETHERNET, "eth0", "mirror source", &id), 0);
	assert_int_equal(id, 0);
	assert_int_equal(pkt_writer_add_interface(w, LINKTYPE_RAW, "tun0", NULL, &id), 0);
	assert_int_equal(id, 1);
	/* Argument errors are refused and not remembered. */
	uint8_t b[4] = {0};
	assert_int_equal(pkt_writer_write(w, 2, 0, b, 4, 4, NULL), -EINVAL);
	assert_int_equal(pkt_writer_write(w, 0, -1, b, 4, 4, NULL), -ERANGE);
	assert_int_equal(pkt_writer_write(w, 0, 0, b, 262145, 262145, NULL), -EINVAL);
	assert_int_equal(pkt_writer_add_interface(w, 70000, NULL, NULL, &id), -EINVAL);
	write_frames(w, fr, n);
	assert_int_equal(pkt_writer_close(w), 0);

	read_back(path, CAPTURE_PCAPNG, fr, n, lts);

	if (have("/usr/bin/tshark")) {
		char cmd[512];
		snprintf(cmd, sizeof(cmd),
		         "tshark -n -r '%s' -T fields -E separator='|' -e frame.comment "
		         "-e frame.interface_name -e frame.interface_description "
		         "-e frame.time_epoch -e frame.len -e frame.cap_len 2>/dev/null",
		         path);
		char *out = run(cmd);
		char want[1024];
		snprintf(
		    want, sizeof(want),
		    "first frame|eth0|mirror source|1700000000.123456789|60|60\n"
		    "|tun0||1700000000.223456789|40|40\n"
		    "snapped, \xc3\xa9t\xc3\xa9|eth0|mirror source|1700000001.000000001|1500|30\n"
		    "empty|tun0||1700000002.000000000|0|0\n"
		    "%s",
		    long_comment_marker);
		if (strncmp(out, want, strlen(want)) != 0)
			fail_msg("tshark shows:\n%.600s\nwanted:\n%s", out, want);
		/* The long comment: cut before the "é" it would have split. */
		const char *lcs = out + strlen(want) - 4;
		const char *bar = strchr(lcs, '|');
		assert_non_null(bar);
		assert_int_equal(bar - lcs, 65531);
		assert_string_equal(bar, "|tun0||1700000003.000000000|70|70\n"
		                         "|eth0|mirror source|0.000000005|262144|262144\n");
		free(out);
		/* shb_userappl */
		snprintf(cmd, sizeof(cmd), "capinfos -F '%s' 2>/dev/null", path);
		if (access("/usr/bin/capinfos", X_OK) == 0) {
			out = run(cmd);
			if (!strstr(out, "Capture application: vxscope"))
				fail_msg("capinfos does not show shb_userappl:\n%s", out);
			free(out);
		}
	}
	unlink(path);
	free(lc);
}

static void test_pcap_roundtrip(void **state)
{
	(void)state;
	const struct frame fr[] = {
	    {0, 1700000000123456789, 60, 60, "ignored in pcap"},
	    {0, 1700000000999999999, 54, 1514, NULL},
	    {0, 4294967295000000000, 0, 0, NULL}, /* the last second pcap can hold */
	    {0, 1700000002000000000, 70, 20, NULL},
	};
	const size_t n = sizeof(fr) / sizeof(fr[0]);
	const int lts[] = {LINKTYPE_ETHERNET};
	char path[128];
	path_in_tmp(path, sizeof(path), "w.pcap");
	struct pkt_writer *w;
	assert_int_equal(pkt_writer_open(&w, path, PKT_FORMAT_PCAP, LINKTYPE_ETHERNET), 0);
	uint32_t id = 99;
	assert_int_equal(pkt_writer_add_interface(w, LINKTYPE_ETHERNET, "eth0", NULL, &id), 0);
	assert_int_equal(id, 0);
	id = 99;
	assert_int_equal(pkt_writer_add_interface(w, LINKTYPE_RAW, "tun0", NULL, &id), -EINVAL);
	assert_int_equal(id, 0);
	uint8_t b[4] = {0};
	assert_int_equal(pkt_writer_write(w, 1, 0, b, 4, 4, NULL), -EINVAL);
	assert_int_equal(pkt_writer_write(w, 0, 4294967296000000000, b, 4, 4, NULL), -ERANGE);
	write_frames(w, fr, n);
	assert_int_equal(pkt_writer_close(w), 0);

	read_back(path, CAPTURE_PCAP_NSEC, fr, n, lts);

	char cmd[512];
	if (have("/usr/bin/tshark")) {
		snprintf(cmd, sizeof(cmd),
		         "tshark -n -r '%s' -T fields -e frame.time_epoch "
		         "-e frame.len -e frame.cap_len 2>/dev/null",
		         path);
		char *out = run(cmd);
		assert_string_equal(out, "1700000000.123456789\t60\t60\n"
		                         "1700000000.999999999\t1514\t54\n"
		                         "4294967295.000000000\t0\t0\n"
		                         "1700000002.000000000\t70\t70\n");
		free(out);
	}
	if (have("/usr/bin/tcpdump")) {
		/* Frame lines only (not hex dumps); tcpdump calls the empty frame invalid. */
		snprintf(cmd, sizeof(cmd),
		         "tcpdump -nn --nano -tt -r '%s' 2>/dev/null | "
		         "awk '/^[0-9[]/ { print $1 }'",
		         path);
		char *out = run(cmd);
		assert_string_equal(out, "1700000000.123456789\n"
		                         "1700000000.999999999\n"
		                         "[Invalid\n"
		                         "1700000002.000000000\n");
		free(out);
	}
	unlink(path);
}

/* "-" writes standard output. */
static void test_stdout(void **state)
{
	(void)state;
	const struct frame fr[] = {{0, 1000, 20, 20, "on stdout"}, {0, 2000, 21, 21, NULL}};
	const int lts[] = {LINKTYPE_RAW};
	char path[128];
	path_in_tmp(path, sizeof(path), "stdout.pcapng");
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	assert_int_equal(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
	close(fd);
	struct pkt_writer *w;
	uint32_t id;
	int rc1 = pkt_writer_open(&w, "-", PKT_FORMAT_PCAPNG, 0);
	int rc2 = rc1 ? rc1 : pkt_writer_add_interface(w, LINKTYPE_RAW, NULL, NULL, &id);
	if (!rc1)
		write_frames(w, fr, 2);
	int rc3 = rc1 ? rc1 : pkt_writer_close(w);
	assert_int_equal(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
	close(saved);
	assert_int_equal(rc1, 0);
	assert_int_equal(rc2, 0);
	assert_int_equal(rc3, 0);
	read_back(path, CAPTURE_PCAPNG, fr, 2, lts);
	unlink(path);
}

static bool have_dev_full(void)
{
	if (access("/dev/full", W_OK) == 0)
		return true;
	printf("NOTICE: no /dev/full: test skipped\n");
	return false;
}

/* A full disk, written directly (wb NULL) or behind: the error must come out of a write, a
 * flush or the close, never be lost, and every later call fails the same way. */
static void dev_full_checks(struct write_behind *wb)
{
	static uint8_t buf[65536];
	for (int fmt = 0; fmt < 2; fmt++) {
		/* Small: everything fits the buffer, so close is where it shows. */
		struct pkt_writer *w;
		uint32_t id;
		assert_int_equal(pkt_writer_open_behind(&w, "/dev/full", (enum pkt_format)fmt, 1, wb),
				 0);
		assert_int_equal(pkt_writer_add_interface(w, 1, "x", NULL, &id), 0);
		assert_int_equal(pkt_writer_write(w, 0, 1, buf, 100, 100, "c"), 0);
		assert_int_equal(pkt_writer_close(w), -ENOSPC);

		/* Large: a write fails (behind: once a buffer comes back), every later call
		 * fails the same way, and so does close. */
		assert_int_equal(pkt_writer_open_behind(&w, "/dev/full", (enum pkt_format)fmt, 1, wb),
				 0);
		assert_int_equal(pkt_writer_add_interface(w, 1, "x", NULL, &id), 0);
		int rc = 0, i;
		for (i = 0; i < 1000 && rc == 0; i++)
			rc = pkt_writer_write(w, 0, i, buf, sizeof(buf), sizeof(buf), NULL);
		assert_int_equal(rc, -ENOSPC);
		assert_true(i < (wb ? 1000 : 100));
		if (!wb)
			assert_int_equal(pkt_writer_count(w), (uint64_t)i - 1);
		assert_int_equal(pkt_writer_write(w, 0, 1, buf, 10, 10, NULL), -ENOSPC);
		assert_int_equal(pkt_writer_add_interface(w, 1, "y", NULL, &id), -ENOSPC);
		assert_int_equal(pkt_writer_close(w), -ENOSPC);
	}
}

static void test_dev_full(void **state)
{
	(void)state;
	if (!have_dev_full())
		skip();
	dev_full_checks(NULL);
}

/* Read a whole file (caller frees); its size in *len. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	uint8_t *b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

/* The same frames through a synchronous writer and through write-behind writers (two files
 * sharing one thread, flushed now and then): the files must be byte-identical.  About 40 MB
 * each, so every buffer of a write-behind writer is reused many times. */
static void test_write_behind_same_bytes(void **state)
{
	(void)state;
	static uint8_t data[262144];
	fill(data, sizeof(data), 7);
	static char comment[70000];
	memset(comment, 'c', sizeof(comment) - 1);
	struct write_behind *wb;
	assert_int_equal(write_behind_new(&wb), 0);
	char path[3][128];
	struct pkt_writer *w[3];
	uint32_t id;
	for (int k = 0; k < 3; k++) {
		char name[32];
		snprintf(name, sizeof(name), "wb%d.pcapng", k);
		path_in_tmp(path[k], sizeof(path[k]), name);
		assert_int_equal(pkt_writer_open_behind(&w[k], path[k], PKT_FORMAT_PCAPNG, 0,
							k ? wb : NULL),
				 0);
		assert_int_equal(pkt_writer_add_interface(w[k], LINKTYPE_ETHERNET, "if0", "d", &id),
				 0);
		assert_int_equal(id, 0);
	}
	uint32_t x = 12345;
	for (unsigned i = 0; i < 40000; i++) {
		x = x * 1103515245u + 12345u;
		uint32_t r = x >> 8;
		/* mostly mirror-sized frames, now and then a jumbo or a 256 KiB one, a comment,
		 * or a flush */
		uint32_t len = r % 64 == 0 ? (r % 4 == 0 ? 262144 : 9001) : 60 + r % 1400;
		const char *c = r % 97 == 0 ? (r % 2 ? "note" : comment) : NULL;
		for (int k = 0; k < 3; k++) {
			assert_int_equal(pkt_writer_write(w[k], 0, (int64_t)i * 1000, data + (r % 7),
							  len - (r % 7), len + 4, c),
					 0);
			if (r % 1009 == 0)
				assert_int_equal(pkt_writer_flush(w[k]), 0);
		}
	}
	for (int k = 0; k < 3; k++)
		assert_int_equal(pkt_writer_close(w[k]), 0);
	write_behind_free(wb);
	size_t n0, n1, n2;
	uint8_t *b0 = slurp(path[0], &n0), *b1 = slurp(path[1], &n1), *b2 = slurp(path[2], &n2);
	assert_true(n0 > 30u << 20);
	assert_int_equal(n0, n1);
	assert_int_equal(n0, n2);
	assert_memory_equal(b0, b1, n0);
	assert_memory_equal(b0, b2, n0);
	free(b0);
	free(b1);
	free(b2);
	for (int k = 0; k < 3; k++)
		unlink(path[k]);
}

/* The same behind a writer thread, and a flush: it waits for the thread and reports. */
static void test_write_behind_dev_full(void **state)
{
	(void)state;
	if (!have_dev_full())
		skip();
	struct write_behind *wb;
	assert_int_equal(write_behind_new(&wb), 0);
	dev_full_checks(wb);
	static uint8_t buf[100];
	struct pkt_writer *w;
	assert_int_equal(pkt_writer_open_behind(&w, "/dev/full", PKT_FORMAT_PCAP, 1, wb), 0);
	assert_int_equal(pkt_writer_write(w, 0, 1, buf, 100, 100, NULL), 0);
	assert_int_equal(pkt_writer_flush(w), -ENOSPC);
	assert_int_equal(pkt_writer_write(w, 0, 1, buf, 10, 10, NULL), -ENOSPC);
	assert_int_equal(pkt_writer_close(w), -ENOSPC);
	write_behind_free(wb);
}

static void test_open_errors(void **state)
{
	(void)state;
	struct pkt_writer *w = (struct pkt_writer *)&w; /* open must reset it */
	char path[128];
	path_in_tmp(path, sizeof(path), "no/such/dir.pcap");
	assert_int_equal(pkt_writer_open(&w, path, PKT_FORMAT_PCAP, 1), -ENOENT);
	assert_null(w);
	path_in_tmp(path, sizeof(path), "x.pcap");
	assert_int_equal(pkt_writer_open(&w, path, PKT_FORMAT_PCAP, -1), -EINVAL);
	assert_int_equal(pkt_writer_open(&w, path, PKT_FORMAT_PCAP, 65536), -EINVAL);
	assert_int_equal(pkt_writer_open(&w, tmpdir, PKT_FORMAT_PCAPNG, 0), -EISDIR);
	assert_int_equal(pkt_writer_close(NULL), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vxs-test-pkt-writer-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	static const char *left[] = {"w.pcapng", "w.pcap", "stdout.pcapng", "x.pcap"};
	char path[128];
	for (size_t i = 0; i < sizeof(left) / sizeof(left[0]); i++) {
		path_in_tmp(path, sizeof(path), left[i]);
		unlink(path);
	}
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pcapng_roundtrip), cmocka_unit_test(test_pcap_roundtrip),
	    cmocka_unit_test(test_stdout),           cmocka_unit_test(test_dev_full),
	    cmocka_unit_test(test_open_errors),      cmocka_unit_test(test_write_behind_same_bytes),
	    cmocka_unit_test(test_write_behind_dev_full),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
