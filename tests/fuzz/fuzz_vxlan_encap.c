/* fuzz_vxlan_encap.c - libFuzzer harness for the mirror source's encapsulation
 * (src/mirror/vxlan_encap.c, RFC 7348): any Ethernet frame, decoded as the mirror source
 * decodes it (tunnels not peeled), gets an outer source port and a VXLAN copy.
 *
 * Input: byte 0 picks the outer family (bit 0: IPv6) and a cut (bits 1-7: inner length
 * = frame length * b / 127 when b > 0); the rest is the frame.  Seeds: tests/fuzz/corpus/
 * vxlan_encap/ (Ethernet frames of the decode corpus).
 *
 * Traps when the port leaves 49152-65535, when the build fails on valid parameters, or when
 * our own decoder does not read back the VXLAN layer (VNI, ports, addresses) and the inner
 * bytes from the copy.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "decode/ipaddr.h"
#include "mirror/vxlan_encap.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

#define check(x)                                                                                   \
	do {                                                                                       \
		if (!(x)) {                                                                        \
			fprintf(stderr, "fuzz_vxlan_encap: invariant failed: %s\n", #x);           \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static uint8_t out[VXLAN_ENCAP_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	if (n < 1 || n - 1 > VXLAN_ENCAP_MAX - VXLAN_ENCAP_V6_OVERHEAD)
		return 0;
	uint8_t sel = d[0];
	const uint8_t *frame = d + 1;
	size_t flen = n - 1;

	struct decode_cfg cfg;
	decode_cfg_default(&cfg);
	cfg.peel_tunnels = false;
	struct packet p;
	memset(&p, 0, sizeof(p));
	p.caplen = p.wirelen = (uint32_t)flen;
	p.linktype = LINKTYPE_ETHERNET;
	p.data = frame;
	decode_frame(&cfg, &p);
	uint16_t sport = vxlan_encap_sport(&p);
	check(sport >= VXLAN_ENCAP_SPORT_MIN);

	struct vxlan_encap_params prm;
	memset(&prm, 0, sizeof(prm));
	bool v6 = sel & 1;
	check(ipaddr_parse(v6 ? "fd00::5" : "10.0.1.5", &prm.src) == 0);
	check(ipaddr_parse(v6 ? "fd00::9" : "10.0.2.9", &prm.dst) == 0);
	prm.vni = (uint32_t)flen * 2654435761u & VXLAN_ENCAP_VNI_MAX;
	prm.sport = sport;
	prm.ip_id = 1;
	unsigned b = sel >> 1;
	prm.inner_len = b ? (uint32_t)(flen * b / 127) : (uint32_t)flen;
	size_t len = 0;
	check(vxlan_encap_build(&prm, frame, flen, out, sizeof(out), &len, NULL) == 0);
	check(len == vxlan_encap_overhead(v6 ? 6 : 4) + prm.inner_len);
	check(memcmp(out + len - prm.inner_len, frame, prm.inner_len) == 0);

	struct packet q;
	memset(&q, 0, sizeof(q));
	q.caplen = q.wirelen = (uint32_t)len;
	q.linktype = LINKTYPE_RAW;
	q.data = out;
	decode_cfg_default(&cfg);
	decode_frame(&cfg, &q);
	check(q.ntun >= 1);
	check(q.tun[0].kind == TUN_VXLAN && q.tun[0].has_id && q.tun[0].id == prm.vni);
	check(q.tun[0].sport == sport && q.tun[0].dport == VXLAN_ENCAP_PORT);
	check(ipaddr_eq(&q.tun[0].src, &prm.src) && ipaddr_eq(&q.tun[0].dst, &prm.dst));
	check(q.tun[0].flags == VXLAN_ENCAP_FLAGS);
	return 0;
}
