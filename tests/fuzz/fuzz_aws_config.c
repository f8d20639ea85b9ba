/* fuzz_aws_config.c - libFuzzer harness: the AWS mirroring configuration loader, validator
 * and decision engine (src/mirror/aws_config.c, aws_validate.c, mirror_filter.c).
 *
 * The input is up to four JSON documents separated by NUL bytes, loaded in turn into one
 * configuration (as `vxscope filter check A B C` merges files).  When the result validates,
 * a fixed set of packets (IPv4/IPv6, TCP/UDP/ICMP, DNS, DHCP, fragments, ARP) is decided on
 * every ENI in both directions, and every session's copy length is computed for frames of
 * several sizes.  Seeds: tests/fuzz/corpus/aws_config/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/ipaddr.h"
#include "mirror/aws_config.h"
#include "mirror/mirror_filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static const struct {
	const char *src, *dst;
	uint8_t proto;
	bool ports;
	uint16_t sport, dport;
} pkts[] = {
    {"10.0.1.5", "192.0.2.1", 6, true, 40000, 443},
    {"192.0.2.1", "10.0.1.5", 6, true, 22, 40000},
    {"10.0.1.5", "10.0.0.2", 17, true, 40000, 53},
    {"10.0.0.2", "10.0.1.5", 17, true, 53, 40000},
    {"10.0.1.5", "169.254.169.253", 17, true, 40000, 53},
    {"10.0.1.5", "10.0.0.1", 17, true, 68, 67},
    {"10.0.1.5", "169.254.169.254", 6, true, 40000, 80},
    {"2001:db8:1::5", "2001:db8::1", 58, false, 0, 0},
    {"2001:db8::1", "2001:db8:1::5", 17, false, 0, 0},
    {"192.0.2.1", "10.0.1.5", 1, false, 0, 0},
};

static void exercise(const struct aws_config *c)
{
	static const uint32_t lens[] = {0, 14, 60, 1514, 8500, 9014, 65535};
	for (unsigned i = 0; i < c->nsessions; i++)
		for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++)
			(void)mirror_snap(&c->sessions[i], lens[k], NULL, NULL);
	for (unsigned e = 0; e < c->nenis; e++) {
		const struct aws_eni *eni = &c->enis[e];
		for (size_t i = 0; i < sizeof(pkts) / sizeof(pkts[0]); i++) {
			struct mirror_facts f;
			memset(&f, 0, sizeof(f));
			if (ipaddr_parse(pkts[i].src, &f.src) || ipaddr_parse(pkts[i].dst, &f.dst))
				continue;
			f.has_ip = true;
			f.ip_ver = f.src.family;
			f.proto = pkts[i].proto;
			f.has_ports = pkts[i].ports;
			f.sport = pkts[i].sport;
			f.dport = pkts[i].dport;
			f.frame_len = 1514;
			for (int dir = 0; dir < 2; dir++) {
				struct mirror_decision dd;
				struct mirror_opts o = {.reject_stops = dir == 1};
				mirror_decide(eni, (enum mirror_dir)dir, &f, &o, &dd);
				if (dd.accept && !dd.session)
					abort(); /* a mirrored packet always names its session */
			}
			enum mirror_dir dir = MIRROR_INGRESS;
			if (mirror_direction(eni, &f, &dir) == 0 && dir != MIRROR_INGRESS &&
			    dir != MIRROR_EGRESS)
				abort();
		}
		struct mirror_facts arp;
		memset(&arp, 0, sizeof(arp));
		arp.ethertype = ETHERTYPE_NUM_ARP;
		struct mirror_decision dd;
		mirror_decide(eni, MIRROR_INGRESS, &arp, NULL, &dd);
		if (dd.reason != MIRROR_NEVER_ARP)
			abort();
	}
	for (unsigned i = 0; i < c->nsessions; i++)
		if (c->sessions[i].vni >= 0 && c->sessions[i].vni <= (int64_t)AWS_VNI_MAX)
			(void)aws_config_session_by_vni(c, (uint32_t)c->sessions[i].vni, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static struct aws_diags diags;
	struct aws_config c;
	struct aws_error err;
	aws_config_init(&c);
	size_t start = 0;
	bool ok = true;
	for (int doc = 0; doc < 4 && start <= n && ok; doc++) {
		size_t end = start;
		while (end < n && d[end] != 0)
			end++;
		char name[16];
		snprintf(name, sizeof(name), "doc%d", doc);
		if (aws_config_load_string(&c, name, (const char *)d + start, end - start, &err)) {
			if (!err.msg[0])
				abort(); /* every failure says why */
			ok = false;
		}
		start = end + 1;
	}
	int rc = aws_config_validate(&c, &diags);
	if (rc == 0 && diags.errors)
		abort();
	if (rc == 0 && ok)
		exercise(&c);
	aws_config_free(&c);
	return 0;
}
