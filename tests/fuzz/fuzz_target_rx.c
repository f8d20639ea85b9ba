/* fuzz_target_rx.c - libFuzzer harness for the live target's receive path: datagrams through a
 * real loopback UDP socket (src/capture/udp_receiver.c: recvmmsg, synthesized outer Ethernet +
 * IPv4 + UDP header, truncation past UDP_RX_BUF), then decode as the target decodes them,
 * admission (src/engine/admission.c, source CIDR then VNI) and, for admitted datagrams, one
 * worker's pipeline (flows, TCP analysis, dedup) -- the path `vxscope target` runs per datagram
 * (docs/target.md).
 *
 * Input: a sequence of records, up to FUZZ_MAX_RECORDS per input, each
 *
 *   +--------+--------+--------+---------------------------+
 *   | flags  | len hi | len lo | payload: len bytes (UDP)  |
 *   +--------+--------+--------+---------------------------+
 *   flags bit 0: to the GENEVE socket (else the VXLAN one)
 *   flags bit 1: sent from 127.0.0.2 (else 127.0.0.1)
 *   flags bit 2: strict admission (--allow-cidr 127.0.0.1/32 --allow-vni 0-4095) for this one
 *
 * A record cut short by the end of the input sends what is there.  The pipeline lives for one
 * input, so each input is independent.  Seeds: tests/fuzz/corpus/target_rx/ (the UDP payloads
 * of the VXLAN/GENEVE captures, one session per file, and the hostile cases of
 * tests/e2e/target_hostile.py).
 *
 * Besides the sanitizers, the harness traps when the receiver breaks its contract: one
 * datagram per send, its true length, truncation exactly past UDP_RX_BUF, the synthesized
 * header (42 bytes for IPv4) carrying the real addresses and ports, and a decoded outer layer
 * that agrees with them.
 *
 * Not covered here: target.c's own tunnel-header check and worker choice are static; when
 * target.c exports its per-datagram entry point, call it in rx_one() instead of the
 * decode + admission_check below.
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

static volatile uint64_t sink;

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

/* Send one datagram and take it through the receive path into pl. */
static void rx_one(struct pipeline *pl, uint8_t flags, const uint8_t *pl_bytes, size_t len,
		   uint64_t *frame)
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

	/* decode as the target does; the outer layer must be the synthesized one */
	struct packet pk;
	memset(&pk, 0, sizeof(pk));
	pk.frame = ++*frame;
	pk.ts_ns = dg->ts_ns;
	pk.caplen = dg->caplen;
	pk.wirelen = dg->wirelen;
	pk.linktype = LINKTYPE_ETHERNET;
	pk.data = dg->frame;
	struct packet probe = pk;
	decode_frame(&g.decode, &probe);
	const struct tunnel *tu = pkt_session_tunnel(&probe);
	if (probe.ntun) {
		check(ipaddr_cmp(&probe.tun[0].src, &dg->src) == 0);
		check(probe.tun[0].dport == dg->dport && probe.tun[0].sport == dg->sport);
	} else {
		/* no tunnel peeled: the outer UDP is the innermost layer */
		check(probe.has_l4 && probe.dport == dg->dport);
	}

	const struct admission *adm = (flags & 4) ? &g.strict : &g.open;
	enum admission_verdict v = admission_check(adm, &dg->src, tu && tu->has_id, tu ? tu->id : 0);
	if (adm == &g.open)
		check(v == ADM_ACCEPT);
	else if (from == 1)
		check(v == ADM_REFUSE_CIDR);
	if (v != ADM_ACCEPT || !tu)
		return; /* refused or malformed: counted by the target, never analysed */
	pipeline_packet(pl, &pk);
	sink ^= pk.anomalies ^ pk.payload_len;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	if (!g.ready)
		setup();
	drain();
	struct pipeline_cfg cfg;
	pipeline_cfg_default(&cfg);
	cfg.decode = g.decode;
	cfg.flows.max_flows = 1024;
	cfg.track_flows = true;
	cfg.tcp_analysis = true;
	struct pipeline *pl = pipeline_new(&cfg);
	check(pl);
	uint64_t frame = 0;
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
		rx_one(pl, flags, d + off, len, &frame);
		off += len;
	}
	pipeline_finish(pl);
	pipeline_free(pl);
	return 0;
}
