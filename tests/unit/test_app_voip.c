/* test_app_voip.c - MD5 (RFC 1321 test suite), TLS hellos and alerts split across segments and
 * records (src/app/tls.c), SIP messages and SDP (src/app/sip.c), RTP loss, jitter and the
 * E-model (src/app/rtp.c): byte arrays in, transactions out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "app/rtp.h"
#include "app/sip.h"
#include "app/tls.h"
#include "base/md5.h"
#include "decode/packet.h"

static void test_md5(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} v[] = {
	    {"", "d41d8cd98f00b204e9800998ecf8427e"},
	    {"a", "0cc175b9c0f1b6a831c399e269772661"},
	    {"abc", "900150983cd24fb0d6963f7d28e17f72"},
	    {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
	    {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
	    {"1234567890123456789012345678901234567890123456789012345678901234567890123456789"
	     "0",
	     "57edf4a22be3c955ac49da2e2107b67a"},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct md5 m;
		char hex[33];
		md5_init(&m);
		/* fed in two pieces: the block boundary must not matter */
		size_t n = strlen(v[i].in), h = n / 3;
		md5_update(&m, v[i].in, h);
		md5_update(&m, v[i].in + h, n - h);
		md5_final_hex(&m, hex);
		assert_string_equal(hex, v[i].out);
	}
}

/* ---- TLS --------------------------------------------------------------------------------- */

static struct tls_txn got_tls;
static int ntls;

static void on_tls(void *ctx, const struct tls_txn *t)
{
	(void)ctx;
	got_tls = *t;
	ntls++;
}

static size_t put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

/* A ClientHello with SNI "example.test", ALPN h2, supported_versions {GREASE, 1.3, 1.2}. */
static size_t client_hello(uint8_t *out)
{
	uint8_t body[256];
	size_t n = 0;
	n += put16(body + n, 0x0303);
	memset(body + n, 7, 32);
	n += 32;
	body[n++] = 0; /* session id */
	n += put16(body + n, 6);
	n += put16(body + n, 0x0a0a); /* GREASE */
	n += put16(body + n, 0x1301);
	n += put16(body + n, 0xc02f);
	body[n++] = 1;
	body[n++] = 0;
	size_t extlen_at = n;
	n += 2;
	/* server_name */
	n += put16(body + n, 0);
	n += put16(body + n, 17);
	n += put16(body + n, 15);
	body[n++] = 0;
	n += put16(body + n, 12);
	memcpy(body + n, "example.test", 12);
	n += 12;
	/* ALPN */
	n += put16(body + n, 16);
	n += put16(body + n, 5);
	n += put16(body + n, 3);
	body[n++] = 2;
	memcpy(body + n, "h2", 2);
	n += 2;
	/* supported_versions */
	n += put16(body + n, 43);
	n += put16(body + n, 7);
	body[n++] = 6;
	n += put16(body + n, 0x2a2a);
	n += put16(body + n, 0x0304);
	n += put16(body + n, 0x0303);
	put16(body + extlen_at, (unsigned)(n - extlen_at - 2));
	size_t o = 0;
	out[o++] = 22;
	o += put16(out + o, 0x0301);
	o += put16(out + o, (unsigned)(n + 4));
	out[o++] = 1;
	out[o++] = 0;
	o += put16(out + o, (unsigned)n);
	memcpy(out + o, body, n);
	return o + n;
}

static void seg(struct tls_conv *c, int dir, uint32_t seq, const uint8_t *d, size_t n,
                uint64_t frame, int64_t ms, const struct app_sink *k)
{
	struct app_seg s;
	memset(&s, 0, sizeof(s));
	s.frame = frame;
	s.ts_ns = ms * 1000000;
	s.proto = IPPROTO_NUM_TCP;
	s.seq = seq;
	s.tcp_flags = TCP_ACK | TCP_PSH;
	s.data = d;
	s.caplen = s.len = (uint32_t)n;
	tls_conv_segment(c, &s, dir, k);
}

static void test_tls_hello_split_and_alert(void **state)
{
	(void)state;
	uint8_t ch[300], sh[80];
	size_t n = client_hello(ch);
	/* a TLS 1.2 ServerHello: version 0x0303, cipher 0xc02f, no extensions */
	size_t m = 0;
	sh[m++] = 22;
	m += put16(sh + m, 0x0303);
	m += put16(sh + m, 4 + 38);
	sh[m++] = 2;
	sh[m++] = 0;
	m += put16(sh + m, 38);
	m += put16(sh + m, 0x0303);
	memset(sh + m, 9, 32);
	m += 32;
	sh[m++] = 0;
	m += put16(sh + m, 0xc02f);
	sh[m++] = 0;
	/* then a fatal handshake_failure alert from the client */
	static const uint8_t alert[] = {21, 3, 3, 0, 2, 2, 40};
	struct app_sink k = {0};
	k.tls = on_tls;
	ntls = 0;
	struct tls_conv *c = tls_conv_new();
	assert_non_null(c);
	assert_true(tls_is_hello_start(ch, n));
	/* the ClientHello in three segments: the record header itself is split */
	seg(c, 0, 1000, ch, 3, 1, 0, &k);
	seg(c, 0, 1003, ch + 3, 40, 2, 1, &k);
	seg(c, 0, 1043, ch + 43, n - 43, 3, 2, &k);
	seg(c, 1, 5000, sh, m, 4, 12, &k);
	seg(c, 0, (uint32_t)(1000 + n), alert, sizeof(alert), 5, 13, &k);
	tls_conv_end(c, 0, &k);
	tls_conv_free(c);
	assert_int_equal(ntls, 1);
	const struct tls_txn *t = &got_tls;
	assert_true(t->has_ch && t->has_sh);
	assert_string_equal(t->sni, "example.test");
	assert_string_equal(t->alpn, "h2");
	assert_int_equal(t->noffered, 2); /* GREASE left out */
	assert_int_equal(t->offered[0], 0x0304);
	assert_int_equal(t->ciphers_offered, 3);
	assert_int_equal(t->ch_frame, 1);
	assert_int_equal(t->ch_end_frame, 3);
	assert_int_equal(t->sh_version, 0x0303);
	assert_int_equal(t->cipher, 0xc02f);
	assert_int_equal(t->hello_latency_ns, 12 * 1000000);
	assert_int_equal(t->nalerts, 1);
	assert_true(t->alerts[0].from_client);
	assert_false(t->alerts[0].encrypted);
	assert_int_equal(t->alerts[0].desc, 40);
	assert_true(t->fatal);
	assert_int_equal(strlen(t->ja3), 32);
}

static void test_tls_garbage(void **state)
{
	(void)state;
	static const uint8_t junk[] = {22, 3, 1, 0xff, 0xff, 1, 0xff, 0xff, 0xff, 0, 0, 0};
	struct app_sink k = {0};
	k.tls = on_tls;
	ntls = 0;
	struct tls_conv *c = tls_conv_new();
	seg(c, 0, 1, junk, sizeof(junk), 1, 0, &k);
	seg(c, 0, 1 + sizeof(junk), junk, sizeof(junk), 2, 0, &k);
	tls_conv_end(c, 0, &k);
	tls_conv_free(c);
	assert_int_equal(ntls, 0); /* a hello that never completed: nothing to report */
}

/* ---- SIP --------------------------------------------------------------------------------- */

static struct sip_media got_media[4];
static int nmedia;
static struct sip_dialog got_dialog;
static int ndialogs;

static void on_media(void *ctx, const struct sip_media *m)
{
	(void)ctx;
	if (nmedia < 4)
		got_media[nmedia] = *m;
	nmedia++;
}

static void on_sip(void *ctx, const struct sip_dialog *d)
{
	(void)ctx;
	got_dialog = *d;
	ndialogs++;
}

static void udp(struct sip_conv *c, int dir, const char *text, uint64_t frame, int64_t ms,
                const struct app_sink *k)
{
	struct app_seg s;
	memset(&s, 0, sizeof(s));
	s.frame = frame;
	s.ts_ns = ms * 1000000;
	s.proto = IPPROTO_NUM_UDP;
	s.data = (const uint8_t *)text;
	s.caplen = s.len = (uint32_t)strlen(text);
	sip_conv_segment(c, &s, dir, k);
}

static void test_sip_call_and_sdp(void **state)
{
	(void)state;
	static const char invite[] =
	    "INVITE sip:bob@example.test SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1\r\n"
	    "i: abc@10.0.0.1\r\nCSeq: 1 INVITE\r\nc: application/sdp\r\nl: 120\r\n\r\n"
	    "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 40000 RTP/AVP 0 101\r\n"
	    "a=rtpmap:101 telephone-event/8000\r\nm=video 0 RTP/AVP 96\r\n";
	static const char ringing[] = "SIP/2.0 180 Ringing\r\nCall-ID: abc@10.0.0.1\r\n"
	                              "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
	static const char busy[] = "SIP/2.0 503 Service Unavailable\r\nCall-ID: abc@10.0.0.1\r\n"
	                           "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
	struct app_sink k = {0};
	k.sip = on_sip;
	k.media = on_media;
	nmedia = ndialogs = 0;
	assert_true(sip_is_start((const uint8_t *)invite, strlen(invite)));
	assert_false(sip_is_start((const uint8_t *)"GET / HTTP/1.1\r\n", 16));
	struct sip_conv *c = sip_conv_new();
	udp(c, 0, invite, 1, 0, &k);
	udp(c, 1, ringing, 2, 30, &k);
	udp(c, 1, busy, 3, 90, &k);
	sip_conv_end(c, 0, &k);
	sip_conv_free(c);
	assert_int_equal(nmedia, 1); /* the video line has port 0 */
	assert_int_equal(got_media[0].port, 40000);
	assert_true(got_media[0].audio);
	assert_int_equal(got_media[0].npt, 2);
	assert_int_equal(got_media[0].pt[1].pt, 101);
	assert_int_equal(got_media[0].pt[1].rate, 8000);
	assert_int_equal(ndialogs, 1);
	assert_string_equal(got_dialog.call_id, "abc@10.0.0.1");
	assert_true(got_dialog.invite);
	assert_int_equal(got_dialog.final_status, 503);
	assert_int_equal(got_dialog.ringing_ns, 30 * 1000000);
	assert_int_equal(got_dialog.setup_ns, -1);
	assert_int_equal(got_dialog.nmsgs, 3);
	assert_int_equal(got_dialog.msgs[2].status, 503);
	assert_string_equal(got_dialog.msgs[2].method, "INVITE");
}

/* ---- RTP --------------------------------------------------------------------------------- */

static struct rtp_stream got_rtp;
static int nrtp;

static void on_rtp(void *ctx, const struct rtp_stream *r)
{
	(void)ctx;
	got_rtp = *r;
	nrtp++;
}

/* n PCMU packets every 20 ms (plus extra_ms[i] of delay), sequence numbers from 65530 (a
 * wrap), skipping those in lost[]. */
static void rtp_run(int n, const int *lost, int nlost, const int *extra_ms)
{
	struct app_sink k = {0};
	k.rtp = on_rtp;
	nrtp = 0;
	struct rtp_conv *c = rtp_conv_new(NULL);
	for (int i = 0; i < n; i++) {
		bool skip = false;
		for (int j = 0; j < nlost; j++)
			skip |= lost[j] == i;
		if (skip)
			continue;
		uint8_t p[12 + 160] = {0x80, 0};
		uint16_t seq = (uint16_t)(65530 + i);
		uint32_t ts = 1000 + 160u * (uint32_t)i;
		p[2] = (uint8_t)(seq >> 8);
		p[3] = (uint8_t)seq;
		p[4] = (uint8_t)(ts >> 24);
		p[5] = (uint8_t)(ts >> 16);
		p[6] = (uint8_t)(ts >> 8);
		p[7] = (uint8_t)ts;
		p[11] = 0x42;
		struct app_seg s;
		memset(&s, 0, sizeof(s));
		s.frame = (uint64_t)i + 1;
		s.ts_ns = (int64_t)i * 20000000 + (extra_ms ? extra_ms[i] : 0) * 1000000;
		s.proto = IPPROTO_NUM_UDP;
		s.data = p;
		s.caplen = s.len = sizeof(p);
		rtp_conv_segment(c, &s, 0, &k);
	}
	rtp_conv_end(c, 0, &k);
	rtp_conv_free(c);
}

static void test_rtp_loss_jitter(void **state)
{
	(void)state;
	rtp_run(50, NULL, 0, NULL);
	assert_int_equal(nrtp, 1);
	assert_int_equal(got_rtp.packets, 50);
	assert_int_equal(got_rtp.lost, 0);
	assert_int_equal(got_rtp.expected, 50); /* across the sequence wrap */
	assert_true(got_rtp.jitter_ms < 1e-9);
	assert_true(got_rtp.mos > 4.3 && got_rtp.mos <= 4.5);

	static const int lost[] = {10, 11, 30};
	rtp_run(50, lost, 3, NULL);
	assert_int_equal(got_rtp.packets, 47);
	assert_int_equal(got_rtp.lost, 3);
	assert_int_equal(got_rtp.seq_errors, 2);

	/* one packet 16 ms late: |D| = 16 then 16 again for the next; J = 16/16 = 1 ms, then
	 * 1 + (16 - 1) / 16 = 1.9375 ms */
	int extra[50] = {0};
	extra[20] = 16;
	rtp_run(22, NULL, 0, extra);
	assert_true(got_rtp.max_jitter_ms > 1.9374 && got_rtp.max_jitter_ms < 1.9376);
	assert_true(got_rtp.max_delta_ms > 35.99 && got_rtp.max_delta_ms < 36.01);

	/* two packets are not enough for the heuristic */
	rtp_run(2, NULL, 0, NULL);
	assert_int_equal(nrtp, 0);
}

static void test_emodel(void **state)
{
	(void)state;
	/* G.711, no loss, no jitter: R = 93.2 - 0.24 */
	double r = rtp_r_factor(0, 25.1, 0, 0);
	assert_true(r > 92.95 && r < 92.97);
	assert_true(rtp_mos(r) > 4.39 && rtp_mos(r) < 4.42);
	/* 5% loss on G.711: Ie_eff = 95 x 5 / 30.1 = 15.78 */
	r = rtp_r_factor(0, 25.1, 5, 0);
	assert_true(r > 77.1 && r < 77.3);
	assert_true(rtp_mos(-5) == 1.0 && rtp_mos(120) == 4.5);
	const char *name;
	assert_int_equal(rtp_static_rate(9, &name), 8000); /* G.722's RTP clock */
	assert_string_equal(name, "G722");
	assert_int_equal(rtp_static_rate(96, &name), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_md5),
	    cmocka_unit_test(test_tls_hello_split_and_alert),
	    cmocka_unit_test(test_tls_garbage),
	    cmocka_unit_test(test_sip_call_and_sdp),
	    cmocka_unit_test(test_rtp_loss_jitter),
	    cmocka_unit_test(test_emodel),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
