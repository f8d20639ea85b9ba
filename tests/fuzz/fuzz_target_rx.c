/* fuzz_target_rx.c - libFuzzer harness for the live target's receive path: datagrams through a
 * real loopback UDP socket (src/capture/udp_receiver.c: recvmmsg, synthesized outer Ethernet +
 * IPv4 + UDP header, truncation past UDP_RX_BUF), then target_rx_datagram() (src/engine/
 * target.c): the tunnel header check, admission (source CIDR then VNI), the session count,
 * the worker choice and the worker's pipeline (flows, TCP analysis, dedup, app and QoS
 * roll-ups) -- the path `vxscope target` runs per datagram (docs/target.md).
 *
 * Input: a sequence of records, up to FUZZ_MAX_RECORDS per input, each
 *
 *   +--------+--------+--------+---------------------------+
 *   | flags  | len hi | len lo | payload: len bytes (UDP)  |
 *   +--------+--------+--------+---------------------------+
 *   flags bit 0: to the GENEVE socket (else the VXLAN one)
 *   flags bit 1: sent from 127.0.0.2 (else 127.0.0.1)
 *   flags bit 2: strict admission (--allow-cidr 127.0.0.1/32 --allow-vni 0-4095) for this one
 *   flags bit 3 of the FIRST record: two workers (the receiver decodes to pick one and
 *               queues), else one (inline)
 *
 * A record cut short by the end of the input sends what is there.  The target lives for one
 * input, so each input is independent.  Seeds: tests/fuzz/corpus/target_rx/ (the UDP payloads
 * of the VXLAN/GENEVE captures, one session per file, and the hostile cases of
 * tests/e2e/target_hostile.py).
 *
 * Besides the sanitizers, the harness traps when the receiver breaks its contract: one
 * datagram per send, its true length, truncation exactly past UDP_RX_BUF, the synthesized
 * header (42 bytes for IPv4) carrying the real addresses and ports, and a decoded outer layer
 * that agrees with them; and when the target's accounting breaks (every datagram counted
 * once: processed + queue drops + refused + malformed = received = records sent; nothing
 * refused under open admission).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "capture/udp_receiver.h"
#include "decode/decode.h"
#include "decode/ipaddr.h"
#include "engine/admission.h"
#include "engine/pipeline.h"
#include "engine/target.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

#define FUZZ_MAX_RECORDS 32
#define FUZZ_MAX_DGRAM   65507u /* largest UDP payload over IPv4 */

#define check(x)                                                                                   \
	do {                                                                                       \
		if (!(x)) {                                                                        \
			fprintf(stderr, "fuzz_target_rx: invariant failed: %s\n", #x);             \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static struct {
	bool ready;
	struct udp_rx *rx[2];  /* VXLAN, GENEVE */
	uint16_t port[2];
	int tx[2];             /* from 127.0.0.1, from 127.0.0.2 */
	uint16_t txport[2];
	struct ip_addr lo[2];  /* 127.0.0.1, 127.0.0.2 */
	struct admission open, strict;
	struct decode_cfg decode;
} g;


static uint16_t local_port(int fd)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);
	check(getsockname(fd, (struct sockaddr *)&a, &l) == 0);
	return ntohs(a.sin_port);
}

static void setup(void)
{
	char err[256];
	check(ipaddr_parse("127.0.0.1", &g.lo[0]) == 0);
	check(ipaddr_parse("127.0.0.2", &g.lo[1]) == 0);
	for (int i = 0; i < 2; i++) {
		/* a free port: bind 0, learn it, bind it for real (the receiver names its own
		 * port in the synthesized header as given, so it must not be 0) */
		struct udp_rx *r;
		int rc = udp_rx_open(&r, &g.lo[0], 0, 4 << 20, err, sizeof(err));
		if (!rc) {
			g.port[i] = local_port(udp_rx_fd(r));
			udp_rx_close(r);
			rc = udp_rx_open(&g.rx[i], &g.lo[0], g.port[i], 4 << 20, err, sizeof(err));
		}
		if (rc) {
			fprintf(stderr, "fuzz_target_rx: %s\n", err);
			abort();
		}
		g.tx[i] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		check(g.tx[i] >= 0);
		struct sockaddr_in a = { .sin_family = AF_INET };
		memcpy(&a.sin_addr, g.lo[i].a, 4);
		check(bind(g.tx[i], (struct sockaddr *)&a, sizeof(a)) == 0);
		g.txport[i] = local_port(g.tx[i]);
	}
	admission_init(&g.open);
	admission_init(&g.strict);
	check(admission_add_cidr(&g.strict, "127.0.0.1/32") == 0);
	check(admission_add_vni(&g.strict, "0-4095") == 0);
	decode_cfg_default(&g.decode);
	check(decode_cfg_add_vxlan_port(&g.decode, g.port[0]) == 0);
	check(decode_cfg_add_geneve_port(&g.decode, g.port[1]) == 0);
	g.ready = true;
}

/* Whatever an earlier (aborted) input left in the sockets. */
static void drain(void)
{
	struct udp_rx_dgram *dg;
	for (int i = 0; i < 2; i++)
		while (udp_rx_recv(g.rx[i], &dg) > 0)
			;
}

/* Send one datagram and take it through the target's receive path. */
static void rx_one(struct target *t, uint8_t flags, const uint8_t *pl_bytes, size_t len)
{
	int which = flags & 1, from = (flags >> 1) & 1;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(g.port[which]) };
	memcpy(&to.sin_addr, g.lo[0].a, 4);
	ssize_t s = sendto(g.tx[from], pl_bytes, len, 0, (struct sockaddr *)&to, sizeof(to));
	check(s == (ssize_t)len);

	struct pollfd p = { .fd = udp_rx_fd(g.rx[which]), .events = POLLIN };
	check(poll(&p, 1, 2000) == 1); /* loopback delivers at once */
	struct udp_rx_dgram *dg;
	int got = udp_rx_recv(g.rx[which], &dg);
	check(got == 1);

	/* the receiver's contract */
	check(dg->payload_len == len);
	check(dg->truncated == (len > UDP_RX_BUF));
	check(dg->hdrlen == 42); /* Ethernet 14 + IPv4 20 + UDP 8 */
	check(dg->caplen == dg->hdrlen + (len > UDP_RX_BUF ? UDP_RX_BUF : len));
	check(dg->wirelen == dg->hdrlen + len);
	check(ipaddr_cmp(&dg->src, &g.lo[from]) == 0 && ipaddr_cmp(&dg->dst, &g.lo[0]) == 0);
	check(dg->sport == g.txport[from] && dg->dport == g.port[which]);
	check(len == 0 || memcmp(dg->frame + dg->hdrlen, pl_bytes,
				 dg->caplen - dg->hdrlen) == 0);

	/* the outer layer the decoder sees must be the synthesized one */
	struct packet probe;
	memset(&probe, 0, sizeof(probe));
	probe.ts_ns = dg->ts_ns;
	probe.caplen = dg->caplen;
	probe.wirelen = dg->wirelen;
	probe.linktype = LINKTYPE_ETHERNET;
	probe.data = dg->frame;
	decode_frame(&g.decode, &probe);
	if (probe.ntun) {
		check(ipaddr_cmp(&probe.tun[0].src, &dg->src) == 0);
		check(probe.tun[0].dport == dg->dport && probe.tun[0].sport == dg->sport);
	} else {
		/* no tunnel peeled: the outer UDP is the innermost layer */
		check(probe.has_l4 && probe.dport == dg->dport);
	}
	target_rx_datagram(t, dg, which == 1);
}

/* "key":N from the target's --stats JSON. */
static uint64_t stat_u64(const struct strbuf *b, const char *key)
{
	char k[64];
	snprintf(k, sizeof(k), "\"%s\":", key);
	const char *p = memmem(b->buf, b->len, k, strlen(k));
	check(p);
	return strtoull(p + strlen(k), NULL, 10);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	if (!g.ready)
		setup();
	drain();
	static struct target_cfg cfg;
	target_cfg_default(&cfg);
	cfg.external_rx = true;
	cfg.vxlan_port = g.port[0];
	cfg.geneve_port = g.port[1];
	cfg.workers = n && (d[0] & 8) ? 2 : 1;
	cfg.queue_bytes = 1u << 20;
	cfg.pipeline.flows.max_flows = 1024;
	struct target *t = NULL;
	char err[512];
	check(target_open(&t, &cfg, err, sizeof(err)) == 0);
	check(target_start(t, err, sizeof(err)) == 0);
	bool strict = false;
	uint64_t sent = 0, strict_sent = 0;
	size_t off = 0;
	for (int r = 0; r < FUZZ_MAX_RECORDS && off < n; r++) {
		uint8_t flags = d[off++];
		size_t len = 0;
		if (n - off >= 2) {
			len = (size_t)d[off] << 8 | d[off + 1];
			off += 2;
		} else {
			off = n;
		}
		if (len > n - off)
			len = n - off;
		if (len > FUZZ_MAX_DGRAM)
			len = FUZZ_MAX_DGRAM;
		if (!!(flags & 4) != strict) {
			strict = !strict;
			target_set_admission(t, strict ? &g.strict : &g.open);
		}
		rx_one(t, flags, d + off, len);
		sent++;
		strict_sent += strict;
		off += len;
	}
	check(target_stop(t, err, sizeof(err)) == 0);
	struct strbuf b;
	strbuf_init(&b, NULL);
	target_metrics_json(t, &b);
	uint64_t rx = stat_u64(&b, "rx_datagrams");
	uint64_t refused = stat_u64(&b, "refused_cidr") + stat_u64(&b, "refused_vni");
	check(rx == sent);
	check(stat_u64(&b, "processed") + stat_u64(&b, "queue_drops") + refused +
		      stat_u64(&b, "malformed") == rx);
	check(refused <= strict_sent);
	strbuf_fini(&b);
	target_free(t);
	return 0;
}
