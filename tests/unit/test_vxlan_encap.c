/* test_vxlan_encap.c - the VXLAN copy of a mirrored frame (RFC 7348; aws-mirroring.md section
 * 4): outer headers byte by byte, IPv4 and IPv6 checksums, cuts, errors, a round trip through
 * our own decoder, and the symmetric, stable outer source port. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decode/decode.h"
#include "decode/ipaddr.h"
#include "mirror/vxlan_encap.h"

/* --- a small frame builder: Ethernet + IPv4/IPv6 + TCP/UDP/ICMP/other --- */

struct fspec {
	const char *src, *dst; /* addresses (family from the text) */
	uint8_t proto;
	uint16_t sport, dport;
	uint32_t seq;
	uint8_t ttl;
	size_t payload;
};

static void w16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static size_t build_frame(const struct fspec *f, uint8_t *out, size_t cap)
{
	struct ip_addr s, d;
	assert_int_equal(ipaddr_parse(f->src, &s), 0);
	assert_int_equal(ipaddr_parse(f->dst, &d), 0);
	assert_int_equal(s.family, d.family);
	size_t l4 = f->proto == IPPROTO_NUM_TCP ? 20 : 8;
	size_t iph = s.family == 4 ? 20 : 40;
	size_t total = 14 + iph + l4 + f->payload;
	assert_true(total <= cap);
	memset(out, 0, total);
	static const uint8_t macs[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
	memcpy(out, macs, 12);
	w16(out + 12, s.family == 4 ? 0x0800 : 0x86dd);
	uint8_t *ip = out + 14;
	if (s.family == 4) {
		ip[0] = 0x45;
		w16(ip + 2, (uint16_t)(iph + l4 + f->payload));
		w16(ip + 4, 0x1234);
		ip[8] = f->ttl ? f->ttl : 64;
		ip[9] = f->proto;
		memcpy(ip + 12, s.a, 4);
		memcpy(ip + 16, d.a, 4);
		w16(ip + 10, vxlan_encap_csum(ip, 20, 0));
	} else {
		ip[0] = 0x60;
		w16(ip + 4, (uint16_t)(l4 + f->payload));
		ip[6] = f->proto;
		ip[7] = f->ttl ? f->ttl : 64;
		memcpy(ip + 8, s.a, 16);
		memcpy(ip + 24, d.a, 16);
	}
	uint8_t *t = ip + iph;
	if (f->proto == IPPROTO_NUM_TCP) {
		w16(t, f->sport);
		w16(t + 2, f->dport);
		t[4] = (uint8_t)(f->seq >> 24);
		t[5] = (uint8_t)(f->seq >> 16);
		t[6] = (uint8_t)(f->seq >> 8);
		t[7] = (uint8_t)f->seq;
		t[12] = 0x50;
		t[13] = 0x18;
		w16(t + 14, 1000);
	} else if (f->proto == IPPROTO_NUM_UDP) {
		w16(t, f->sport);
		w16(t + 2, f->dport);
		w16(t + 4, (uint16_t)(8 + f->payload));
	} else if (f->proto == IPPROTO_NUM_ICMP || f->proto == IPPROTO_NUM_ICMPV6) {
		t[0] = f->proto == IPPROTO_NUM_ICMP ? 8 : 128; /* echo request */
		w16(t + 4, f->sport);                          /* identifier */
		w16(t + 6, f->dport);                          /* sequence */
	}
	for (size_t i = 0; i < f->payload; i++)
		t[l4 + i] = (uint8_t)(i * 7 + 1);
	return total;
}

static void decode_eth(const uint8_t *data, size_t len, struct packet *p)
{
	struct decode_cfg cfg;
	decode_cfg_default(&cfg);
	cfg.peel_tunnels = false;
	memset(p, 0, sizeof(*p));
	p->data = data;
	p->caplen = p->wirelen = (uint32_t)len;
	p->linktype = LINKTYPE_ETHERNET;
	decode_frame(&cfg, p);
}

static uint16_t port_of(const struct fspec *f)
{
	uint8_t buf[2048];
	struct packet p;
	size_t n = build_frame(f, buf, sizeof(buf));
	decode_eth(buf, n, &p);
	return vxlan_encap_sport(&p);
}

static void params(struct vxlan_encap_params *prm, const char *src, const char *dst, uint32_t vni,
                   uint32_t inner_len)
{
	memset(prm, 0, sizeof(*prm));
	assert_int_equal(ipaddr_parse(src, &prm->src), 0);
	assert_int_equal(ipaddr_parse(dst, &prm->dst), 0);
	prm->vni = vni;
	prm->sport = 50001;
	prm->ip_id = 7;
	prm->inner_len = inner_len;
}

static uint16_t r16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* --- tests --- */

static void test_ipv4_bytes(void **state)
{
	(void)state;
	uint8_t inner[2048], out[4096];
	struct fspec f = {"192.0.2.1", "198.51.100.2", IPPROTO_NUM_TCP, 40000, 443, 1000, 64, 100};
	size_t n = build_frame(&f, inner, sizeof(inner));
	struct vxlan_encap_params prm;
	params(&prm, "10.0.1.5", "10.0.2.9", 0xabcdef, (uint32_t)n);
	size_t len = 0;
	bool cut = true;
	assert_int_equal(vxlan_encap_build(&prm, inner, n, out, sizeof(out), &len, &cut), 0);
	assert_false(cut);
	assert_int_equal(len, 36 + n);
	/* IPv4 */
	assert_int_equal(out[0], 0x45);
	assert_int_equal(out[1], 0); /* DSCP 0, ECN 0 */
	assert_int_equal(r16(out + 2), len);
	assert_int_equal(r16(out + 4), 7);
	assert_int_equal(r16(out + 6), 0x4000); /* DF, offset 0 */
	assert_int_equal(out[8], 64);
	assert_int_equal(out[9], 17);
	assert_int_equal(vxlan_encap_csum(out, 20, 0), 0); /* header checksum verifies */
	static const uint8_t srcdst[8] = {10, 0, 1, 5, 10, 0, 2, 9};
	assert_memory_equal(out + 12, srcdst, 8);
	/* UDP */
	assert_int_equal(r16(out + 20), 50001);
	assert_int_equal(r16(out + 22), 4789);
	assert_int_equal(r16(out + 24), len - 20);
	assert_int_equal(r16(out + 26), 0); /* RFC 7348: zero checksum over IPv4 */
	/* VXLAN */
	static const uint8_t vx[8] = {0x08, 0, 0, 0, 0xab, 0xcd, 0xef, 0};
	assert_memory_equal(out + 28, vx, 8);
	assert_memory_equal(out + 36, inner, n);
	assert_int_equal(vxlan_encap_overhead(4), 36);
	assert_int_equal(vxlan_encap_overhead(6), 56);
}

/* Decode the outer packet (raw IP) with our decoder: the tunnel and the inner fields must be
 * what we built and what the inner frame alone decodes to. */
static void roundtrip(const char *osrc, const char *odst, const struct fspec *f)
{
	uint8_t inner[2048], out[4096];
	size_t n = build_frame(f, inner, sizeof(inner));
	struct packet orig, got;
	decode_eth(inner, n, &orig);
	assert_true(orig.has_ip);

	struct vxlan_encap_params prm;
	params(&prm, osrc, odst, 4242, (uint32_t)n);
	prm.sport = vxlan_encap_sport(&orig);
	size_t len;
	assert_int_equal(vxlan_encap_build(&prm, inner, n, out, sizeof(out), &len, NULL), 0);

	struct decode_cfg cfg;
	decode_cfg_default(&cfg);
	memset(&got, 0, sizeof(got));
	got.data = out;
	got.caplen = got.wirelen = (uint32_t)len;
	got.linktype = LINKTYPE_RAW;
	decode_frame(&cfg, &got);
	assert_int_equal(got.anomalies, 0);
	assert_int_equal(got.ntun, 1);
	const struct tunnel *t = &got.tun[0];
	assert_int_equal(t->kind, TUN_VXLAN);
	assert_true(t->has_id);
	assert_int_equal(t->id, 4242);
	assert_int_equal(t->flags, 0x08);
	assert_true(ipaddr_eq(&t->src, &prm.src));
	assert_true(ipaddr_eq(&t->dst, &prm.dst));
	assert_int_equal(t->sport, prm.sport);
	assert_int_equal(t->dport, 4789);
	assert_int_equal(got.inner_off, vxlan_encap_overhead(prm.src.family));
	assert_int_equal(got.inner_linktype, LINKTYPE_ETHERNET);
	assert_true(ipaddr_eq(&got.src, &orig.src));
	assert_true(ipaddr_eq(&got.dst, &orig.dst));
	assert_int_equal(got.proto, orig.proto);
	assert_int_equal(got.sport, orig.sport);
	assert_int_equal(got.dport, orig.dport);
	assert_int_equal(got.seq, orig.seq);
	assert_int_equal(got.ip_len, orig.ip_len);
	assert_int_equal(got.payload_len, orig.payload_len);
	assert_false(got.truncated);
}

static void test_roundtrip(void **state)
{
	(void)state;
	struct fspec v4tcp = {"192.0.2.1", "198.51.100.2", IPPROTO_NUM_TCP, 40000, 443, 77, 64,
	                      300};
	struct fspec v6udp = {"2001:db8::1", "2001:db8::2", IPPROTO_NUM_UDP, 5353, 53, 0, 64, 40};
	roundtrip("10.0.1.5", "10.0.2.9", &v4tcp);
	roundtrip("10.0.1.5", "10.0.2.9", &v6udp);
	roundtrip("fd00::5", "fd00::9", &v4tcp); /* IPv6 outer, IPv4 inner */
	roundtrip("fd00::5", "fd00::9", &v6udp);
}

static void test_ipv6_checksum(void **state)
{
	(void)state;
	uint8_t inner[2048], out[4096];
	struct fspec f = {"2001:db8::1", "2001:db8::2", IPPROTO_NUM_TCP, 1234, 80, 5, 64, 123};
	size_t n = build_frame(&f, inner, sizeof(inner));
	struct vxlan_encap_params prm;
	params(&prm, "fd00::5", "fd00::9", 99, (uint32_t)n);
	size_t len;
	assert_int_equal(vxlan_encap_build(&prm, inner, n, out, sizeof(out), &len, NULL), 0);
	assert_int_equal(len, 56 + n);
	assert_int_equal(out[0] >> 4, 6);
	assert_int_equal(out[0] & 0x0f, 0); /* traffic class high bits: DSCP 0 */
	assert_int_equal(out[1] >> 4, 0);
	assert_int_equal(r16(out + 4), len - 40); /* payload length */
	assert_int_equal(out[6], 17);
	assert_int_equal(out[7], 64);
	assert_int_not_equal(r16(out + 46), 0); /* checksum present over IPv6 */
	/* verify: pseudo-header + UDP datagram sums to 0xffff */
	uint32_t sum = 0;
	for (size_t i = 8; i < 40; i += 2)
		sum += r16(out + i);
	sum += (uint32_t)(len - 40) + 17;
	assert_int_equal(vxlan_encap_csum(out + 40, len - 40, sum), 0);
	/* the flow label follows the source port: same port, same label */
	uint32_t label = (uint32_t)(out[1] & 0x0f) << 16 | r16(out + 2);
	uint8_t out2[4096];
	assert_int_equal(vxlan_encap_build(&prm, inner, 60, out2, sizeof(out2), &len, NULL),
	                 -EINVAL);
	prm.inner_len = 60;
	assert_int_equal(vxlan_encap_build(&prm, inner, n, out2, sizeof(out2), &len, NULL), 0);
	assert_int_equal((uint32_t)(out2[1] & 0x0f) << 16 | r16(out2 + 2), label);
}

static void test_cuts(void **state)
{
	(void)state;
	uint8_t inner[2048], out[4096];
	struct fspec f = {"192.0.2.1", "198.51.100.2", IPPROTO_NUM_TCP, 40000, 443, 1, 64, 1400};
	size_t n = build_frame(&f, inner, sizeof(inner));
	struct vxlan_encap_params prm;
	size_t len;
	bool cut;

	/* PacketLength 100: 14 bytes of Ethernet + 86 of the IP packet */
	params(&prm, "10.0.1.5", "10.0.2.9", 1, 100);
	assert_int_equal(vxlan_encap_build(&prm, inner, n, out, sizeof(out), &len, &cut), 0);
	assert_false(cut);
	assert_int_equal(len, 136);
	assert_int_equal(r16(out + 2), 136);
	assert_int_equal(r16(out + 24), 116);
	assert_memory_equal(out + 36, inner, 100);
	struct packet p;
	struct decode_cfg cfg;
	decode_cfg_default(&cfg);
	memset(&p, 0, sizeof(p));
	p.data = out;
	p.caplen = p.wirelen = (uint32_t)len;
	p.linktype = LINKTYPE_RAW;
	decode_frame(&cfg, &p);
	assert_int_equal(p.ntun, 1);
	assert_int_equal(p.ip_len, n - 14); /* the true size survives in the inner header */
	assert_true(p.truncated);

	/* ENI-target MTU rule: outer IP packet at most 1000 bytes */
	params(&prm, "10.0.1.5", "10.0.2.9", 1, (uint32_t)n);
	prm.max_ip_len = 1000;
	assert_int_equal(vxlan_encap_build(&prm, inner, n, out, sizeof(out), &len, &cut), 0);
	assert_true(cut);
	assert_int_equal(len, 1000);
	assert_memory_equal(out + 36, inner, 1000 - 36);
	/* a limit the packet fits under cuts nothing */
	prm.max_ip_len = (uint32_t)(n + 36);
	assert_int_equal(vxlan_encap_build(&prm, inner, n, out, sizeof(out), &len, &cut), 0);
	assert_false(cut);
	assert_int_equal(len, n + 36);
	/* IPv6 outer: 56 bytes of overhead under the same limit */
	params(&prm, "fd00::5", "fd00::9", 1, (uint32_t)n);
	prm.max_ip_len = 1000;
	assert_int_equal(vxlan_encap_build(&prm, inner, n, out, sizeof(out), &len, &cut), 0);
	assert_true(cut);
	assert_int_equal(len, 1000);
	assert_memory_equal(out + 56, inner, 1000 - 56);
	/* PacketLength 0 bytes: only the headers (allowed; AWS's minimum of 1 is the config's) */
	params(&prm, "10.0.1.5", "10.0.2.9", 1, 0);
	assert_int_equal(vxlan_encap_build(&prm, inner, n, out, sizeof(out), &len, &cut), 0);
	assert_int_equal(len, 36);
}

static void test_errors(void **state)
{
	(void)state;
	uint8_t inner[64] = {0}, out[256], keep[256];
	struct vxlan_encap_params prm;
	size_t len = 12345;
	memset(out, 0x5a, sizeof(out));
	memcpy(keep, out, sizeof(out));

	params(&prm, "10.0.1.5", "fd00::9", 1, 64); /* mixed families */
	assert_int_equal(vxlan_encap_build(&prm, inner, 64, out, sizeof(out), &len, NULL), -EINVAL);
	params(&prm, "10.0.1.5", "10.0.2.9", 0x1000000, 64); /* VNI over 24 bits */
	assert_int_equal(vxlan_encap_build(&prm, inner, 64, out, sizeof(out), &len, NULL), -EINVAL);
	params(&prm, "10.0.1.5", "10.0.2.9", 1, 65); /* more than captured */
	assert_int_equal(vxlan_encap_build(&prm, inner, 64, out, sizeof(out), &len, NULL), -EINVAL);
	params(&prm, "10.0.1.5", "10.0.2.9", 1, 64);
	prm.max_ip_len = 36; /* no room for a single inner byte */
	assert_int_equal(vxlan_encap_build(&prm, inner, 64, out, sizeof(out), &len, NULL), -EINVAL);
	params(&prm, "10.0.1.5", "10.0.2.9", 1, 64);
	assert_int_equal(vxlan_encap_build(&prm, inner, 64, out, 99, &len, NULL), -ENOSPC);
	memset(&prm.src, 0, sizeof(prm.src)); /* no address at all */
	prm.dst.family = 0;
	assert_int_equal(vxlan_encap_build(&prm, inner, 64, out, sizeof(out), &len, NULL), -EINVAL);
	assert_memory_equal(out, keep, sizeof(out)); /* nothing written on error */
	assert_int_equal(len, 12345);

	/* over 65535 bytes of IPv4 */
	static uint8_t big[70000], bigout[70000];
	params(&prm, "10.0.1.5", "10.0.2.9", 1, 65535 - 35);
	assert_int_equal(
	    vxlan_encap_build(&prm, big, sizeof(big), bigout, sizeof(bigout), &len, NULL),
	    -EMSGSIZE);
	prm.inner_len = 65535 - 36;
	assert_int_equal(
	    vxlan_encap_build(&prm, big, sizeof(big), bigout, sizeof(bigout), &len, NULL), 0);
	assert_int_equal(len, 65535);
}

/* Both directions of a flow get the same port, in 49152..65535, whatever else differs. */
static void test_sport_symmetric(void **state)
{
	(void)state;
	static const uint8_t protos[] = {IPPROTO_NUM_TCP, IPPROTO_NUM_UDP, IPPROTO_NUM_ICMP, 47};
	srand(7);
	unsigned seen_bits[65536 / 32] = {0};
	unsigned distinct = 0;
	for (int i = 0; i < 2000; i++) {
		char a[64], b[64];
		bool v6 = i & 1;
		uint8_t proto = protos[(i / 2) % 4];
		if (proto == IPPROTO_NUM_ICMP && v6)
			proto = IPPROTO_NUM_ICMPV6;
		if (v6) {
			snprintf(a, sizeof(a), "2001:db8::%x:%x", rand() & 0xffff, rand() & 0xffff);
			snprintf(b, sizeof(b), "2001:db8::%x:%x", rand() & 0xffff, rand() & 0xffff);
		} else {
			snprintf(a, sizeof(a), "10.%d.%d.%d", rand() & 255, rand() & 255,
			         rand() & 255);
			snprintf(b, sizeof(b), "10.%d.%d.%d", rand() & 255, rand() & 255,
			         rand() & 255);
		}
		uint16_t pa = (uint16_t)(rand() & 0xffff), pb = (uint16_t)(rand() & 0xffff);
		struct fspec fwd = {
		    a, b, proto, pa, pb, (uint32_t)rand(), 64, (size_t)(rand() % 50)};
		struct fspec rev = {
		    b, a, proto, pb, pa, (uint32_t)rand(), 57, (size_t)(rand() % 50)};
		uint16_t x = port_of(&fwd), y = port_of(&rev);
		assert_int_equal(x, y);
		assert_true(x >= 49152);
		fwd.seq ^= 0xffff; /* another packet of the same flow */
		fwd.payload += 10;
		assert_int_equal(port_of(&fwd), x);
		if (!(seen_bits[x / 32] & 1u << (x % 32))) {
			seen_bits[x / 32] |= 1u << (x % 32);
			distinct++;
		}
	}
	/* 2000 flows over 16384 ports: a fair hash gives ~1890 distinct ports */
	assert_true(distinct > 1800);
}

/* Which fields make a flow: ports for TCP and UDP, not for ICMP or other protocols. */
static void test_sport_tuple(void **state)
{
	(void)state;
	struct fspec t1 = {"10.0.0.1", "10.0.0.2", IPPROTO_NUM_TCP, 1000, 80, 0, 64, 0};
	struct fspec t2 = t1, u1 = t1, i1 = t1, i2 = t1, g1 = t1, g2 = t1;
	t2.sport = 1001;
	u1.proto = IPPROTO_NUM_UDP;
	i1.proto = i2.proto = IPPROTO_NUM_ICMP;
	i2.sport = 99; /* another echo identifier: ICMP has no ports, same flow */
	g1.proto = g2.proto = 47;
	g2.sport = 5;
	assert_int_not_equal(port_of(&t1), port_of(&t2));
	assert_int_not_equal(port_of(&t1), port_of(&u1));
	assert_int_equal(port_of(&i1), port_of(&i2));
	assert_int_equal(port_of(&g1), port_of(&g2));
	assert_int_not_equal(port_of(&i1), port_of(&g1));
	/* a non-IP frame: symmetric over the MAC addresses */
	uint8_t fa[60] = {0}, fb[60] = {0};
	static const uint8_t m1[6] = {2, 0, 0, 0, 0, 1}, m2[6] = {2, 0, 0, 0, 0, 2};
	memcpy(fa, m1, 6);
	memcpy(fa + 6, m2, 6);
	memcpy(fb, m2, 6);
	memcpy(fb + 6, m1, 6);
	fa[12] = fb[12] = 0x88;
	fa[13] = fb[13] = 0xcc; /* LLDP */
	struct packet pa, pb;
	decode_eth(fa, sizeof(fa), &pa);
	decode_eth(fb, sizeof(fb), &pb);
	assert_false(pa.has_ip);
	uint16_t x = vxlan_encap_sport(&pa);
	assert_int_equal(x, vxlan_encap_sport(&pb));
	assert_true(x >= 49152);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ipv4_bytes),    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_ipv6_checksum), cmocka_unit_test(test_cuts),
	    cmocka_unit_test(test_errors),        cmocka_unit_test(test_sport_symmetric),
	    cmocka_unit_test(test_sport_tuple),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
