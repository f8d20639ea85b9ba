/* test_target_parts.c - unit tests for the live target's building blocks: admission lists
 * (src/engine/admission.c), the SPSC byte queue (src/engine/spsc.c), the rotated archive
 * (src/output/archive.c, files in a mktemp -d folder, read back with the capture reader) and the
 * UDP receiver's synthesized outer header (src/capture/udp_receiver.c, over loopback, decoded
 * with decode_frame). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "capture/reader.h"
#include "capture/udp_receiver.h"
#include "decode/decode.h"
#include "decode/ipaddr.h"
#include "engine/admission.h"
#include "engine/spsc.h"
#include "output/archive.h"

static struct ip_addr addr(const char *s)
{
	struct ip_addr a;
	assert_int_equal(ipaddr_parse(s, &a), 0);
	return a;
}

static void test_admission_default_accepts(void **state)
{
	(void)state;
	struct admission a;
	admission_init(&a);
	struct ip_addr x = addr("192.0.2.1");
	assert_int_equal(admission_check(&a, &x, true, 7), ADM_ACCEPT);
	assert_int_equal(admission_check(&a, &x, false, 0), ADM_ACCEPT);
	char d[128];
	admission_describe(&a, d, sizeof(d));
	assert_string_equal(d, "any source, any VNI");
}

static void test_admission_lists(void **state)
{
	(void)state;
	struct admission a;
	admission_init(&a);
	assert_int_equal(admission_add_cidr(&a, "10.0.0.0/8"), 0);
	assert_int_equal(admission_add_cidr(&a, "fd00::5"), 0);
	assert_int_equal(admission_add_vni(&a, "100-200"), 0);
	assert_int_equal(admission_add_vni(&a, "7"), 0);
	assert_int_equal(admission_add_cidr(&a, "10.0.0.0/33"), -EINVAL);
	assert_int_equal(admission_add_cidr(&a, "banana"), -EINVAL);
	assert_int_equal(admission_add_vni(&a, "200-100"), -EINVAL);
	assert_int_equal(admission_add_vni(&a, "16777216"), -EINVAL);
	assert_int_equal(admission_add_vni(&a, "5x"), -EINVAL);
	assert_int_equal(admission_add_vni(&a, "-1"), -EINVAL);
	struct ip_addr in4 = addr("10.1.2.3"), out4 = addr("11.0.0.1"), in6 = addr("fd00::5"),
		       out6 = addr("fd00::6");
	assert_int_equal(admission_check(&a, &in4, true, 150), ADM_ACCEPT);
	assert_int_equal(admission_check(&a, &in4, true, 7), ADM_ACCEPT);
	assert_int_equal(admission_check(&a, &in4, true, 201), ADM_REFUSE_VNI);
	assert_int_equal(admission_check(&a, &in4, false, 0), ADM_REFUSE_VNI);
	assert_int_equal(admission_check(&a, &out4, true, 150), ADM_REFUSE_CIDR);
	assert_int_equal(admission_check(&a, &in6, true, 100), ADM_ACCEPT);
	assert_int_equal(admission_check(&a, &out6, true, 100), ADM_REFUSE_CIDR);
	char d[256];
	admission_describe(&a, d, sizeof(d));
	assert_string_equal(d, "sources 10.0.0.0/8 fd00::5/128; VNIs 100-200 7");
	for (int i = 2; i < ADMISSION_MAX; i++)
		assert_int_equal(admission_add_vni(&a, "1"), 0);
	assert_int_equal(admission_add_vni(&a, "1"), -ENOSPC);
}

static void test_admission_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/vxs-adm-XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/allow", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("# mirror sources\ncidr 10.0.0.0/8\n\nvni 42 # the session\n", f);
	fclose(f);
	struct admission a;
	admission_init(&a);
	char err[256];
	assert_int_equal(admission_load_file(&a, path, err, sizeof(err)), 0);
	assert_int_equal(a.ncidr, 1);
	assert_int_equal(a.nvni, 1);
	f = fopen(path, "w");
	fputs("cidr 10.0.0.0/8\nport 4789\n", f);
	fclose(f);
	admission_init(&a);
	assert_int_equal(admission_load_file(&a, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "line 2"));
	unlink(path);
	assert_int_equal(admission_load_file(&a, path, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, path));
	rmdir(dir);
}

static void test_spsc_order_wrap_full(void **state)
{
	(void)state;
	struct spsc q;
	assert_int_equal(spsc_init(&q, 1), 0); /* rounded up to 64 KiB */
	assert_null(spsc_peek(&q, &(size_t){0}));
	/* Records of varying size through many wraps: FIFO, contents intact. */
	uint32_t next_in = 0, next_out = 0;
	uint8_t buf[3000];
	for (int round = 0; round < 2000; round++) {
		for (int k = 0; k < 7; k++) {
			size_t n = 1 + (next_in * 977u) % sizeof(buf);
			uint8_t *m = spsc_reserve(&q, n);
			if (!m)
				break;
			for (size_t i = 0; i < n; i++)
				m[i] = (uint8_t)(next_in + i);
			spsc_commit(&q);
			next_in++;
		}
		for (int k = 0; k < 5; k++) {
			size_t n;
			uint8_t *m = spsc_peek(&q, &n);
			if (!m)
				break;
			assert_int_equal(n, 1 + (next_out * 977u) % sizeof(buf));
			for (size_t i = 0; i < n; i++)
				assert_int_equal(m[i], (uint8_t)(next_out + i));
			spsc_release(&q);
			next_out++;
		}
	}
	/* The queue filled up at some point (7 in, 5 out per round) and refused, never
	 * overwrote. */
	assert_true(next_in < 2000u * 7u);
	size_t n;
	while (spsc_peek(&q, &n)) {
		spsc_release(&q);
		next_out++;
	}
	assert_int_equal(next_in, next_out);
	assert_true(spsc_empty(&q));
	assert_null(spsc_reserve(&q, q.cap)); /* larger than half the ring: never fits */
	spsc_fini(&q);
}

/* Frames in a finished archive file, read back with the capture reader. */
static uint64_t count_frames(const char *path)
{
	struct capture_reader *r;
	char err[256];
	assert_int_equal(capture_open(&r, path, err, sizeof(err)), 0);
	struct packet p;
	memset(&p, 0, sizeof(p));
	uint64_t n = 0;
	while (capture_next(r, &p) == CAPTURE_FRAME)
		n++;
	capture_close(r);
	return n;
}

static void test_archive_rotation(void **state)
{
	(void)state;
	char dir[] = "/tmp/vxs-arch-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *post[] = {"/bin/true", NULL};
	struct archive_cfg cfg = {.dir = dir, .rotate_ns = 10LL * 1000000000,
				  .rotate_count = 2, .post_argv = post};
	struct archive *a;
	char err[256];
	assert_int_equal(archive_new(&a, &cfg, err, sizeof(err)), 0);
	uint8_t frame[60] = {0};
	/* 2024-01-01T00:00:05Z .. : periods end at :10, :20, :30, :40 */
	int64_t t0 = 1704067205LL * 1000000000;
	for (int i = 0; i < 40; i++)
		assert_int_equal(archive_write(a, "vxlan-7-10.0.0.5", 1,
					       t0 + (int64_t)i * 1000000000, frame, sizeof(frame),
					       sizeof(frame)),
				 0);
	assert_int_equal(archive_write(a, "bad/label", 1, t0, frame, 60, 60), 0);
	archive_close(a);
	/* 4 files for the session (05-09, 10-19, 20-29, 30-39, 40-44 -> 5), ring of 2 kept */
	char sdir[128];
	snprintf(sdir, sizeof(sdir), "%s/vxlan-7-10.0.0.5", dir);
	DIR *d = opendir(sdir);
	assert_non_null(d);
	struct dirent *e;
	unsigned files = 0;
	uint64_t frames = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		assert_null(strstr(e->d_name, ".part"));
		char p[512];
		snprintf(p, sizeof(p), "%s/%s", sdir, e->d_name);
		frames += count_frames(p);
		unlink(p);
		files++;
	}
	closedir(d);
	rmdir(sdir);
	assert_int_equal(files, 2);
	/* the newest two periods: 30-39 (10 frames) and 40-44 (5) */
	assert_int_equal(frames, 15);
	char name[512];
	snprintf(name, sizeof(name), "%s/bad_label/vxscope-bad_label-20240101T000005Z.pcapng", dir);
	assert_int_equal(count_frames(name), 1);
	unlink(name);
	snprintf(name, sizeof(name), "%s/bad_label", dir);
	rmdir(name);
	rmdir(dir);
}

/* More sessions than open files allowed: the least recently written file is finished and a
 * new one started later; no frame is lost. */
static void test_archive_max_open(void **state)
{
	(void)state;
	char dir[] = "/tmp/vxs-arch-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct archive_cfg cfg = {.dir = dir, .max_open = 2};
	struct archive *a;
	char err[256];
	assert_int_equal(archive_new(&a, &cfg, err, sizeof(err)), 0);
	uint8_t frame[60] = {0};
	const char *labels[3] = {"s1", "s2", "s3"};
	int64_t t0 = 1704067205LL * 1000000000;
	for (int i = 0; i < 30; i++)
		assert_int_equal(archive_write(a, labels[i % 3], 1, t0 + i, frame, 60, 60), 0);
	archive_close(a);
	uint64_t frames = 0;
	unsigned files = 0;
	for (int k = 0; k < 3; k++) {
		char sdir[128];
		snprintf(sdir, sizeof(sdir), "%s/%s", dir, labels[k]);
		DIR *d = opendir(sdir);
		assert_non_null(d);
		struct dirent *e;
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			assert_null(strstr(e->d_name, ".part"));
			char p[512];
			snprintf(p, sizeof(p), "%s/%s", sdir, e->d_name);
			frames += count_frames(p);
			unlink(p);
			files++;
		}
		closedir(d);
		rmdir(sdir);
	}
	rmdir(dir);
	assert_int_equal(frames, 30);
	assert_true(files > 3); /* round-robin over 3 sessions with 2 open: files were cycled */
}

static void test_archive_unwritable(void **state)
{
	(void)state;
	struct archive *a;
	char err[256];
	struct archive_cfg cfg = {.dir = "/proc/vxscope-no/such"};
	assert_true(archive_new(&a, &cfg, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "/proc/vxscope-no/such"));
}

/* A datagram through a real loopback socket comes out as a frame the decoder peels exactly. */
static void test_udp_receiver_frame(void **state)
{
	(void)state;
	struct ip_addr lo = addr("127.0.0.1");
	struct udp_rx *r;
	char err[256];
	int rc = udp_rx_open(&r, &lo, 0, 1 << 20, err, sizeof(err));
	assert_int_equal(rc, 0);
	struct sockaddr_in me;
	socklen_t ml = sizeof(me);
	assert_int_equal(getsockname(udp_rx_fd(r), (struct sockaddr *)&me, &ml), 0);
	/* port 0: the receiver learns the kernel's choice, names it and puts it in the frames */
	uint16_t port = ntohs(me.sin_port);
	assert_true(port != 0);
	char want[32];
	snprintf(want, sizeof(want), "127.0.0.1:%u", port);
	assert_string_equal(udp_rx_name(r), want);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(s >= 0);
	/* VXLAN VNI 4242, inner Ethernet + IPv4/UDP 10.0.0.1:1000 -> 10.0.0.2:53, 4 bytes */
	uint8_t d[8 + 14 + 20 + 8 + 4] = {0x08, 0, 0, 0, 0x00, 0x10, 0x92, 0};
	uint8_t *eth = d + 8, *ip = eth + 14, *udp = ip + 20;
	eth[12] = 0x08;
	ip[0] = 0x45;
	ip[3] = 32;
	ip[8] = 64;
	ip[9] = 17;
	ip[12] = 10, ip[15] = 1;
	ip[16] = 10, ip[19] = 2;
	udp[0] = 0x03, udp[1] = 0xe8, udp[3] = 53, udp[5] = 12;
	assert_int_equal(sendto(s, d, sizeof(d), 0, (struct sockaddr *)&me, sizeof(me)),
			 (ssize_t)sizeof(d));
	struct pollfd pfd = {udp_rx_fd(r), POLLIN, 0};
	assert_int_equal(poll(&pfd, 1, 2000), 1);
	struct udp_rx_dgram *g;
	assert_int_equal(udp_rx_recv(r, &g), 1);
	assert_int_equal(g->payload_len, sizeof(d));
	assert_int_equal(g->hdrlen, 42);
	assert_false(g->truncated);
	assert_true(g->ts_ns > 0);
	struct packet p;
	memset(&p, 0, sizeof(p));
	p.data = g->frame;
	p.caplen = g->caplen;
	p.wirelen = g->wirelen;
	p.linktype = LINKTYPE_ETHERNET;
	struct decode_cfg dc;
	decode_cfg_default(&dc);
	assert_int_equal(decode_cfg_add_vxlan_port(&dc, port), 0);
	decode_frame(&dc, &p);
	assert_int_equal(p.ntun, 1);
	assert_int_equal(p.tun[0].kind, TUN_VXLAN);
	assert_int_equal(p.tun[0].id, 4242);
	assert_true(ipaddr_eq(&p.tun[0].src, &lo));
	assert_true(ipaddr_eq(&p.tun[0].dst, &lo));
	assert_int_equal(p.tun[0].dport, port);
	assert_int_equal(p.proto, 17);
	assert_int_equal(p.sport, 1000);
	assert_int_equal(p.dport, 53);
	assert_int_equal(p.anomalies, 0);
	assert_int_equal(udp_rx_recv(r, &g), 0); /* nothing more: no blocking */
	uint64_t drops = 99;
	assert_int_equal(udp_rx_proc_drops(r, &drops), 0);
	assert_int_equal(drops, 0);
	close(s);
	udp_rx_close(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_admission_default_accepts),
		cmocka_unit_test(test_admission_lists),
		cmocka_unit_test(test_admission_file),
		cmocka_unit_test(test_spsc_order_wrap_full),
		cmocka_unit_test(test_archive_rotation),
		cmocka_unit_test(test_archive_max_open),
		cmocka_unit_test(test_archive_unwritable),
		cmocka_unit_test(test_udp_receiver_frame),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
