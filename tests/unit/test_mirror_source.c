/* test_mirror_source.c - the mirror source loop (src/engine/mirror_source.c) end to end on
 * loopback: a raw-IP capture held in memory, a config loaded from AWS CLI JSON + host map,
 * the UDP-socket send mode to two real UDP sockets (an NLB target with two addresses,
 * 127.0.0.1 and 127.0.0.2).  Checks the synthesized inner Ethernet header (ENI MAC on the
 * ENI's side), PacketLength cuts, the VXLAN header, NLB flow stickiness for both directions,
 * the counters, and --max-bps accounting.  (The raw-socket mode and the outer headers are
 * tested in tests/e2e/test_mirror_kernel_vxlan.sh, which needs root.) */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "decode/ipaddr.h"
#include "engine/mirror_source.h"

#define NFLOWS  24
#define PAYLOAD 100
#define PLEN    80 /* the session's PacketLength */

static const char config_json[] =
    "{ \"TrafficMirrorFilters\": [ { \"TrafficMirrorFilterId\": \"tmf-1\",\n"
    "  \"IngressFilterRules\": [ { \"TrafficDirection\": \"ingress\", \"RuleNumber\": 1,\n"
    "    \"RuleAction\": \"accept\", \"Protocol\": 17, \"SourceCidrBlock\": \"0.0.0.0/0\",\n"
    "    \"DestinationCidrBlock\": \"0.0.0.0/0\" } ],\n"
    "  \"EgressFilterRules\": [ { \"TrafficDirection\": \"egress\", \"RuleNumber\": 1,\n"
    "    \"RuleAction\": \"accept\", \"Protocol\": 17, \"SourceCidrBlock\": \"0.0.0.0/0\",\n"
    "    \"DestinationCidrBlock\": \"0.0.0.0/0\" } ] } ],\n"
    "  \"TrafficMirrorSessions\": [ { \"TrafficMirrorSessionId\": \"tms-1\",\n"
    "    \"TrafficMirrorTargetId\": \"tmt-1\", \"TrafficMirrorFilterId\": \"tmf-1\",\n"
    "    \"NetworkInterfaceId\": \"eni-0000000000000000a\", \"SessionNumber\": 1,\n"
    "    \"PacketLength\": 80, \"VirtualNetworkId\": 77 } ],\n"
    "  \"TrafficMirrorTargets\": [ { \"TrafficMirrorTargetId\": \"tmt-1\",\n"
    "    \"NetworkLoadBalancerArn\": "
    "\"arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/x/1\",\n"
    "    \"Type\": \"network-load-balancer\" } ],\n"
    "  \"VxscopeHostMap\": {\n"
    "    \"NetworkInterfaces\": [ { \"NetworkInterfaceId\": \"eni-0000000000000000a\",\n"
    "      \"Addresses\": [\"10.0.1.5\"], \"MacAddress\": \"02:00:0a:00:01:05\" } ],\n"
    "    \"Targets\": [ { \"TrafficMirrorTargetId\": \"tmt-1\",\n"
    "      \"Addresses\": [\"127.0.0.1\", \"127.0.0.2\"] } ] } }\n";

struct fixture {
	struct aws_config cfg;
	int rx[2]; /* UDP sockets on 127.0.0.1:port and 127.0.0.2:port */
	uint16_t port;
	uint8_t *pcap; /* raw-IP capture of NFLOWS request/reply pairs */
	size_t pcap_len;
	uint8_t ip[2 * NFLOWS][20 + 8 + PAYLOAD];
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Flow i: 10.0.1.5:(1000+i) <-> 10.0.2.i:53; j = 0 request (egress), 1 reply (ingress). */
static void build_ip(uint8_t *ip, int i, int j)
{
	static const uint8_t eni[4] = {10, 0, 1, 5};
	uint8_t far[4] = {10, 0, 2, (uint8_t)i};
	memset(ip, 0, 28 + PAYLOAD);
	ip[0] = 0x45;
	put16(ip + 2, 28 + PAYLOAD);
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, j ? far : eni, 4);
	memcpy(ip + 16, j ? eni : far, 4);
	put16(ip + 20, j ? 53 : (uint16_t)(1000 + i));
	put16(ip + 22, j ? (uint16_t)(1000 + i) : 53);
	put16(ip + 24, 8 + PAYLOAD);
	for (int k = 0; k < PAYLOAD; k++)
		ip[28 + k] = (uint8_t)(i * 31 + j * 7 + k);
}

static int bind_rx(const char *addr, uint16_t port, uint16_t *got)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
	inet_pton(AF_INET, addr, &sin.sin_addr);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		close(fd);
		return -1;
	}
	socklen_t sl = sizeof(sin);
	getsockname(fd, (struct sockaddr *)&sin, &sl);
	*got = ntohs(sin.sin_port);
	int rcv = 1 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	aws_config_init(&f->cfg);
	struct aws_error err;
	memset(&err, 0, sizeof(err));
	assert_int_equal(
	    aws_config_load_string(&f->cfg, "test", config_json, sizeof(config_json) - 1, &err), 0);
	struct aws_diags *d = calloc(1, sizeof(*d));
	assert_non_null(d);
	int rc = aws_config_validate(&f->cfg, d);
	for (unsigned i = 0; i < d->n; i++)
		fprintf(stderr, "%s\n", d->d[i].msg);
	free(d);
	assert_int_equal(rc, 0);

	/* the same port on both loopback addresses */
	for (int tries = 0; tries < 20; tries++) {
		f->rx[0] = bind_rx("127.0.0.1", 0, &f->port);
		assert_true(f->rx[0] >= 0);
		uint16_t p2;
		f->rx[1] = bind_rx("127.0.0.2", f->port, &p2);
		if (f->rx[1] >= 0)
			break;
		close(f->rx[0]);
	}
	assert_true(f->rx[1] >= 0);

	f->pcap_len = 24 + 2 * NFLOWS * (16 + sizeof(f->ip[0]));
	f->pcap = calloc(1, f->pcap_len);
	assert_non_null(f->pcap);
	uint8_t *p = f->pcap;
	put32le(p, 0xa1b2c3d4);
	p[4] = 2;
	p[6] = 4;
	put32le(p + 16, 65535);
	put32le(p + 20, 101); /* LINKTYPE_RAW */
	p += 24;
	for (int i = 0; i < NFLOWS; i++)
		for (int j = 0; j < 2; j++) {
			uint8_t *ip = f->ip[2 * i + j];
			build_ip(ip, i, j);
			put32le(p, 1700000000u + (uint32_t)i);
			put32le(p + 8, sizeof(f->ip[0]));
			put32le(p + 12, sizeof(f->ip[0]));
			memcpy(p + 16, ip, sizeof(f->ip[0]));
			p += 16 + sizeof(f->ip[0]);
		}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	close(f->rx[0]);
	close(f->rx[1]);
	aws_config_free(&f->cfg);
	free(f->pcap);
	free(f);
	return 0;
}

static void run(struct fixture *f, struct mirror_source_cfg *mc, struct mirror_counters *out)
{
	struct mirror_source *ms;
	char err[256], warn[512];
	mc->config = &f->cfg;
	mc->eni = aws_config_eni(&f->cfg, "eni-0000000000000000a");
	assert_non_null(mc->eni);
	mc->force_udp = true;
	mc->udp_port = f->port;
	assert_int_equal(mirror_source_new(&ms, mc, err, sizeof(err), warn, sizeof(warn)), 0);
	assert_int_equal(mirror_source_send_mode(ms), MIRROR_SEND_UDP);
	assert_non_null(strstr(warn, "--udp-socket"));
	struct capture_reader *r;
	assert_int_equal(capture_open_buffer(&r, f->pcap, f->pcap_len, err, sizeof(err)), 0);
	volatile sig_atomic_t stop = 0;
	assert_int_equal(mirror_source_run_file(ms, r, &stop, 0, 0, 0, NULL, NULL), CAPTURE_EOF);
	*out = *mirror_source_counters(ms);
	capture_close(r);
	mirror_source_free(ms);
}

static void test_loopback_nlb(void **state)
{
	struct fixture *f = *state;
	struct mirror_source_cfg mc;
	memset(&mc, 0, sizeof(mc));
	struct mirror_counters c;
	run(f, &mc, &c);

	assert_int_equal(c.frames, 2 * NFLOWS);
	assert_int_equal(c.selected, 2 * NFLOWS);
	assert_int_equal(c.mirrored, 2 * NFLOWS);
	assert_int_equal(c.truncated, 2 * NFLOWS); /* 14 + 128 > 80 */
	assert_int_equal(c.trunc_by[MIRROR_TRUNC_PACKET_LENGTH], 2 * NFLOWS);
	assert_int_equal(c.inner_bytes, 2 * NFLOWS * PLEN);
	assert_int_equal(c.mirrored_bytes, 2 * NFLOWS * (36 + PLEN));
	assert_int_equal(c.dropped_rate + c.dropped_send + c.dropped_no_addr, 0);
	assert_int_equal(c.session[0].packets, 2 * NFLOWS);

	int where[NFLOWS][2];
	memset(where, -1, sizeof(where));
	unsigned got = 0, per_sock[2] = {0, 0};
	static const uint8_t vx[8] = {0x08, 0, 0, 0, 0, 0, 77, 0};
	static const uint8_t eni_mac[6] = {0x02, 0x00, 0x0a, 0x00, 0x01, 0x05};
	static const uint8_t gw_mac[6] = MIRROR_SOURCE_GW_MAC;
	for (int s = 0; s < 2; s++) {
		uint8_t buf[2048];
		ssize_t n;
		while ((n = recv(f->rx[s], buf, sizeof(buf), 0)) > 0) {
			assert_int_equal(n, 8 + PLEN);
			assert_memory_equal(buf, vx, 8);
			const uint8_t *eth = buf + 8, *ip = eth + 14;
			int egress = ip[12] == 10 && ip[13] == 0 && ip[14] == 1 && ip[15] == 5;
			/* the ENI's MAC on its side, the gateway's on the other */
			assert_memory_equal(eth + (egress ? 6 : 0), eni_mac, 6);
			assert_memory_equal(eth + (egress ? 0 : 6), gw_mac, 6);
			assert_int_equal(eth[12] << 8 | eth[13], 0x0800);
			int i = egress ? ip[19] : ip[15];
			assert_true(i < NFLOWS);
			assert_memory_equal(ip, f->ip[2 * i + !egress], PLEN - 14);
			assert_int_equal(where[i][!egress], -1); /* each packet once */
			where[i][!egress] = s;
			per_sock[s]++;
			got++;
		}
	}
	assert_int_equal(got, 2 * NFLOWS);
	/* NLB stickiness: both directions of a flow went to the same address */
	for (int i = 0; i < NFLOWS; i++)
		assert_int_equal(where[i][0], where[i][1]);
	/* and the flows spread over both addresses (24 flows: all on one has odds 2^-23) */
	assert_true(per_sock[0] > 0 && per_sock[1] > 0);
}

static void test_max_bps(void **state)
{
	struct fixture *f = *state;
	struct mirror_source_cfg mc;
	memset(&mc, 0, sizeof(mc));
	const uint64_t copy_bits = (36 + PLEN + MIRROR_SOURCE_L2_BYTES) * 8;
	mc.max_bps = 1000;             /* about one copy per second */
	mc.burst_bits = 3 * copy_bits; /* room for three at once */
	struct mirror_counters c;
	run(f, &mc, &c);
	assert_int_equal(c.selected, 2 * NFLOWS);
	assert_int_equal(c.mirrored + c.dropped_rate, c.selected);
	assert_true(c.mirrored >= 3 && c.mirrored <= 4); /* 4 only if the run took over a second */
	assert_int_equal(c.dropped_rate_bytes, c.dropped_rate * copy_bits / 8);
	unsigned got = 0;
	for (int s = 0; s < 2; s++) {
		uint8_t buf[2048];
		while (recv(f->rx[s], buf, sizeof(buf), 0) > 0)
			got++;
	}
	assert_int_equal(got, c.mirrored);
}

static void test_config_errors(void **state)
{
	struct fixture *f = *state;
	struct mirror_source_cfg mc;
	struct mirror_source *ms = NULL;
	char err[256] = "";
	memset(&mc, 0, sizeof(mc));
	mc.config = &f->cfg;
	mc.eni = NULL;
	assert_int_equal(mirror_source_new(&ms, &mc, err, sizeof(err), NULL, 0), -EINVAL);
	/* an ENI that exists only as a session's source, without host-map addresses */
	struct aws_eni bare;
	memset(&bare, 0, sizeof(bare));
	snprintf(bare.id, sizeof(bare.id), "eni-0000000000000000b");
	mc.eni = &bare;
	assert_int_equal(mirror_source_new(&ms, &mc, err, sizeof(err), NULL, 0), -EINVAL);
	assert_non_null(strstr(err, "no Addresses"));
	assert_int_equal(ipaddr_parse("10.0.0.9", &bare.addrs[0]), 0);
	bare.naddrs = 1;
	assert_int_equal(mirror_source_new(&ms, &mc, err, sizeof(err), NULL, 0), -EINVAL);
	assert_non_null(strstr(err, "no traffic mirror session"));
	assert_null(ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_loopback_nlb),
	    cmocka_unit_test(test_max_bps),
	    cmocka_unit_test(test_config_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
