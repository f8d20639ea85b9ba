/* test_decode_l2.c - link layers: Ethernet, 802.1Q/802.1ad VLAN tags, Linux SLL v1/v2,
 * BSD NULL/LOOP, raw IP link types, and the per-frame reset of decode_frame. */
#include "decode_cases.h"

/* 192.0.2.1:54321 -> 198.51.100.2:53, UDP, 4 payload bytes (IPv4 total length 32). */
#define IP4_UDP "45000020 00010000 40110000 " V4_A V4_B "| d4310035 000c0000 | deadbeef "
/* 2001:db8::1:54321 -> 2001:db8::2:53, UDP, 4 payload bytes (payload length 12). */
#define IP6_UDP "60000000 000c1140 " V6_A V6_B "| d4310035 000c0000 | deadbeef "
#define ARP     "0001 0800 0604 0001 000000000001 c0000201 000000000000 c6336402 "

#define T8  "81000001 81000001 81000001 81000001 81000001 81000001 81000001 81000001 "
#define T64 T8 T8 T8 T8 T8 T8 T8 T8

static void check_eth_udp(const struct packet *p)
{
	assert_int_equal(p->ethertype, 0x0800);
	assert_int_equal(p->nvlan, 0);
	assert_int_equal(p->ip_ver, 4);
	assert_int_equal(p->ip_len, 32);
	assert_int_equal(p->ip_hlen, 20);
	assert_int_equal(p->ttl, 64);
	assert_int_equal(p->payload_len, 4);
	assert_int_equal(p->payload_caplen, 4);
	assert_memory_equal(p->payload, "\xde\xad\xbe\xef", 4);
	assert_int_equal(p->mss, -1);
	assert_int_equal(p->wscale, -1);
}

static void check_v6(const struct packet *p)
{
	assert_int_equal(p->ethertype, 0x86DD);
	assert_int_equal(p->ip_ver, 6);
	assert_int_equal(p->payload_len, 4);
	assert_int_equal(p->payload_caplen, 4);
}

static void check_arp(const struct packet *p)
{
	assert_int_equal(p->ethertype, 0x0806);
	assert_null(p->payload);
}

static void check_vlan_100(const struct packet *p)
{
	assert_int_equal(p->nvlan, 1);
	assert_int_equal(p->vlan[0], 100);
}

static void check_qinq(const struct packet *p)
{
	assert_int_equal(p->nvlan, 2);
	assert_int_equal(p->vlan[0], 10);
	assert_int_equal(p->vlan[1], 20);
	assert_int_equal(p->ethertype, 0x0800);
}

static void check_qinq_9100(const struct packet *p)
{
	assert_int_equal(p->nvlan, 2);
	assert_int_equal(p->vlan[0], 1);
	assert_int_equal(p->vlan[1], 4095);
}

static void check_vlan_123(const struct packet *p)
{
	assert_int_equal(p->nvlan, 3);
	assert_int_equal(p->vlan[0], 1);
	assert_int_equal(p->vlan[1], 2);
	assert_int_equal(p->vlan[2], 3);
}

static void check_no_vlan(const struct packet *p)
{
	assert_int_equal(p->nvlan, 0);
}

static const struct dcase l2_cases[] = {
    {"eth_ipv4_udp", LINKTYPE_ETHERNET, MACS "0800 |" IP4_UDP, 0, true, CFG_DEFAULT, 1, 17,
     "192.0.2.1", "198.51.100.2", 54321, 53, 0, check_eth_udp},
    {"eth_padding_dropped", LINKTYPE_ETHERNET,
     MACS "0800 |" IP4_UDP "| 0000000000000000000000000000", 0, false, CFG_DEFAULT, 1, 17, NULL,
     NULL, 54321, 53, 0, check_eth_udp},
    {"eth_ipv6_udp", LINKTYPE_ETHERNET, MACS "86dd |" IP6_UDP, 0, true, CFG_DEFAULT, 1, 17,
     "2001:db8::1", "2001:db8::2", 54321, 53, 0, check_v6},
    {"eth_truncated", LINKTYPE_ETHERNET, "000000000002 0000000000", A(TRUNC_LINK), true,
     CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"eth_empty", LINKTYPE_ETHERNET, "", A(TRUNC_LINK), false, CFG_DEFAULT, 0, ANY, NULL, NULL,
     NO_L4, ANY, 0, NULL},
    {"eth_8023_llc", LINKTYPE_ETHERNET, MACS "0026 | 424203 0000000000", A(UNKNOWN_ETHERTYPE),
     false, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"eth_arp", LINKTYPE_ETHERNET, MACS "0806 |" ARP, A(UNKNOWN_ETHERTYPE), false, CFG_DEFAULT, 0,
     ANY, NULL, NULL, NO_L4, ANY, 0, check_arp},
    {"vlan_single", LINKTYPE_ETHERNET, MACS "8100 2064 0800 |" IP4_UDP, 0, true, CFG_DEFAULT, 1, 17,
     "192.0.2.1", "198.51.100.2", 54321, 53, 0, check_vlan_100},
    {"vlan_qinq_88a8", LINKTYPE_ETHERNET, MACS "88a8 000a | 8100 0014 | 0800 |" IP4_UDP, 0, true,
     CFG_DEFAULT, 1, 17, "192.0.2.1", "198.51.100.2", 54321, 53, 0, check_qinq},
    {"vlan_qinq_9100", LINKTYPE_ETHERNET, MACS "9100 0001 | 8100 ffff | 86dd |" IP6_UDP, 0, true,
     CFG_DEFAULT, 1, 17, "2001:db8::1", "2001:db8::2", 54321, 53, 0, check_qinq_9100},
    {"vlan_three", LINKTYPE_ETHERNET, MACS "8100 0001 | 8100 0002 | 8100 0003 | 0800 |" IP4_UDP, 0,
     true, CFG_DEFAULT, 1, 17, NULL, NULL, 54321, 53, 0, check_vlan_123},
    {"vlan_depth", LINKTYPE_ETHERNET,
     MACS "8100 0001 | 8100 0002 | 8100 0003 | 8100 0004 | 0800 |" IP4_UDP, A(VLAN_DEPTH), true,
     CFG_DEFAULT, 1, 17, "192.0.2.1", "198.51.100.2", 54321, 53, 0, check_vlan_123},
    {"vlan_endless", LINKTYPE_ETHERNET, MACS "8100 0001 |" T64 T8 "0800 |" IP4_UDP, A(VLAN_DEPTH),
     false, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"vlan_truncated", LINKTYPE_ETHERNET, MACS "8100 00", A(TRUNC_VLAN), true, CFG_DEFAULT, 0, ANY,
     NULL, NULL, NO_L4, ANY, 0, check_no_vlan},
    {"vlan_arp", LINKTYPE_ETHERNET, MACS "8100 0064 0806 |" ARP, A(UNKNOWN_ETHERTYPE), false,
     CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0, check_vlan_100},
    {"vlan_8023", LINKTYPE_ETHERNET, MACS "8100 0064 0026 | 424203 00000000", A(UNKNOWN_ETHERTYPE),
     false, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0, check_vlan_100},
    {"sll_ipv4", LINKTYPE_LINUX_SLL, "0000 0001 0006 0000000000010000 0800 |" IP4_UDP, 0, true,
     CFG_DEFAULT, 1, 17, "192.0.2.1", "198.51.100.2", 54321, 53, 0, NULL},
    {"sll_vlan", LINKTYPE_LINUX_SLL, "0004 0001 0006 0000000000010000 8100 | 0064 0800 |" IP4_UDP,
     0, true, CFG_DEFAULT, 1, 17, NULL, NULL, 54321, 53, 0, check_vlan_100},
    {"sll_truncated", LINKTYPE_LINUX_SLL, "0000 0001 0006 00000000000100 08", A(TRUNC_LINK), true,
     CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"sll_llc", LINKTYPE_LINUX_SLL, "0000 0001 0006 0000000000010000 0004 | 424203",
     A(UNKNOWN_ETHERTYPE), false, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"sll2_ipv6", LINKTYPE_LINUX_SLL2, "86dd 0000 00000002 0001 04 06 0000000000010000 |" IP6_UDP,
     0, true, CFG_DEFAULT, 1, 17, "2001:db8::1", "2001:db8::2", 54321, 53, 0, check_v6},
    {"sll2_truncated", LINKTYPE_LINUX_SLL2, "0800 0000 00000002 0001 04 06 00000000000100",
     A(TRUNC_LINK), true, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"sll2_arp", LINKTYPE_LINUX_SLL2, "0806 0000 00000002 0001 04 06 0000000000010000 |" ARP,
     A(UNKNOWN_ETHERTYPE), false, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0, check_arp},
    {"null_le_inet", LINKTYPE_NULL, "02000000 |" IP4_UDP, 0, true, CFG_DEFAULT, 1, 17, "192.0.2.1",
     NULL, 54321, 53, 0, NULL},
    {"null_be_inet", LINKTYPE_NULL, "00000002 |" IP4_UDP, 0, true, CFG_DEFAULT, 1, 17, "192.0.2.1",
     NULL, 54321, 53, 0, NULL},
    {"null_le_inet6_24", LINKTYPE_NULL, "18000000 |" IP6_UDP, 0, true, CFG_DEFAULT, 1, 17,
     "2001:db8::1", NULL, 54321, 53, 0, check_v6},
    {"null_le_inet6_28", LINKTYPE_NULL, "1c000000 |" IP6_UDP, 0, true, CFG_DEFAULT, 1, 17,
     "2001:db8::1", NULL, 54321, 53, 0, check_v6},
    {"null_be_inet6_30", LINKTYPE_NULL, "0000001e |" IP6_UDP, 0, true, CFG_DEFAULT, 1, 17,
     "2001:db8::1", NULL, 54321, 53, 0, check_v6},
    {"null_unknown_family", LINKTYPE_NULL, "07000000 | 00112233", A(UNKNOWN_ETHERTYPE), false,
     CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"null_truncated", LINKTYPE_NULL, "020000", A(TRUNC_LINK), true, CFG_DEFAULT, 0, ANY, NULL,
     NULL, NO_L4, ANY, 0, NULL},
    {"loop_inet", LINKTYPE_LOOP, "00000002 |" IP4_UDP, 0, true, CFG_DEFAULT, 1, 17, "192.0.2.1",
     NULL, 54321, 53, 0, NULL},
    {"loop_inet6", LINKTYPE_LOOP, "00000018 |" IP6_UDP, 0, true, CFG_DEFAULT, 1, 17, "2001:db8::1",
     NULL, 54321, 53, 0, check_v6},
    {"loop_host_order_rejected", LINKTYPE_LOOP, "02000000 |" IP4_UDP, A(UNKNOWN_ETHERTYPE), false,
     CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"raw_ipv4", LINKTYPE_RAW, IP4_UDP, 0, true, CFG_DEFAULT, 1, 17, "192.0.2.1", "198.51.100.2",
     54321, 53, 0, NULL},
    {"raw_ipv6", LINKTYPE_RAW, IP6_UDP, 0, true, CFG_DEFAULT, 1, 17, "2001:db8::1", "2001:db8::2",
     54321, 53, 0, check_v6},
    {"raw_empty", LINKTYPE_RAW, "", A(TRUNC_IPV4), false, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4,
     ANY, 0, NULL},
    {"raw_not_ip", LINKTYPE_RAW, "1234", A(IPV4_BAD_VERSION), false, CFG_DEFAULT, 0, ANY, NULL,
     NULL, NO_L4, ANY, 0, NULL},
    {"linktype_ipv4", LINKTYPE_IPV4, IP4_UDP, 0, true, CFG_DEFAULT, 1, 17, "192.0.2.1", NULL, 54321,
     53, 0, NULL},
    {"linktype_ipv6", LINKTYPE_IPV6, IP6_UDP, 0, true, CFG_DEFAULT, 1, 17, "2001:db8::1", NULL,
     54321, 53, 0, check_v6},
    {"linktype_ipv4_given_v6", LINKTYPE_IPV4, IP6_UDP, A(IPV4_BAD_VERSION), false, CFG_DEFAULT, 0,
     ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"linktype_ipv6_given_v4", LINKTYPE_IPV6, IP4_UDP, A(IPV6_BAD_VERSION), false, CFG_DEFAULT, 0,
     ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"linktype_radiotap_unknown", 127, "0000 0800 00000000 |" IP4_UDP, A(UNKNOWN_LINKTYPE), false,
     CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
};

static void test_l2_cases(void **state)
{
	(void)state;
	run_cases(l2_cases, sizeof(l2_cases) / sizeof(l2_cases[0]));
}

/* decode_frame resets everything from the previous frame decoded into the same packet. */
static void test_reset_between_frames(void **state)
{
	(void)state;
	struct packet p;
	uint8_t *a =
	    decode_hex(MACS "8100 0064 0800 |"
	                    "4500005e 00010000 40110000 " V4_C V4_D "| c001 12b5 004a 0000 |"
	                    "08000000 00006400 | " MACS "0800 |"
	                    "4500002c 00020000 40060000 " V4_A V4_B "| 30390050 00000001 "
	                    "00000000 60020000 00000000 | 020405b4",
	               LINKTYPE_ETHERNET, &p);
	assert_int_equal(p.ntun, 1);
	assert_int_equal(p.mss, 1460);
	assert_int_equal(p.nvlan, 0); /* the outer tag is not the inner packet's */

	uint8_t *b = decode_hex(MACS "0806 |" ARP, LINKTYPE_ETHERNET, &p);
	assert_int_equal(p.ntun, 0);
	assert_false(p.has_ip);
	assert_false(p.has_l4);
	assert_int_equal(p.nvlan, 0);
	assert_int_equal(p.mss, -1);
	assert_int_equal(p.wscale, -1);
	assert_int_equal(p.inner_off, 0);
	assert_int_equal(p.inner_linktype, LINKTYPE_ETHERNET);
	assert_int_equal(p.payload_len, 0);
	assert_int_equal(p.src.family, 0);
	assert_true(p.anomalies == A(UNKNOWN_ETHERTYPE));
	free(a);
	free(b);
}

/* The capture facts are the reader's: decode_frame leaves them alone. */
static void test_capture_facts_kept(void **state)
{
	(void)state;
	uint8_t tmp[128];
	size_t len = hex_decode(MACS "0800 |" IP4_UDP, tmp, sizeof(tmp));
	struct decode_cfg cfg;
	decode_cfg_default(&cfg);
	struct packet p;
	memset(&p, 0, sizeof(p));
	p.frame = 42;
	p.ts_ns = 1234567890123;
	p.caplen = (uint32_t)len;
	p.wirelen = 1514;
	p.linktype = LINKTYPE_ETHERNET;
	p.ifindex = 3;
	p.data = tmp;
	decode_frame(&cfg, &p);
	assert_int_equal(p.frame, 42);
	assert_int_equal(p.ts_ns, 1234567890123);
	assert_int_equal(p.caplen, len);
	assert_int_equal(p.wirelen, 1514);
	assert_int_equal(p.linktype, LINKTYPE_ETHERNET);
	assert_int_equal(p.ifindex, 3);
	assert_ptr_equal(p.data, tmp);
	assert_true(p.has_ip);
}

static void test_layer_tables(void **state)
{
	(void)state;
	assert_int_equal(layer_for_ethertype(0x0800), LAYER_IPV4);
	assert_int_equal(layer_for_ethertype(0x86DD), LAYER_IPV6);
	assert_int_equal(layer_for_ethertype(0x8100), LAYER_VLAN);
	assert_int_equal(layer_for_ethertype(0x88A8), LAYER_VLAN);
	assert_int_equal(layer_for_ethertype(0x9100), LAYER_VLAN);
	assert_int_equal(layer_for_ethertype(0x0806), LAYER_END);
	assert_int_equal(layer_for_ethertype(0x8847), LAYER_MPLS);
	assert_int_equal(layer_for_ethertype(0x8848), LAYER_MPLS);
	assert_int_equal(layer_for_ethertype(0x8864), LAYER_PPPOE);
	assert_int_equal(layer_for_ethertype(0x8863), LAYER_END); /* PPPoE discovery */
	assert_int_equal(layer_for_ethertype(0x880B), LAYER_END); /* PPP is GRE's, not Ethernet's */
	assert_int_equal(layer_for_ipproto(6), LAYER_TCP);
	assert_int_equal(layer_for_ipproto(17), LAYER_UDP);
	assert_int_equal(layer_for_ipproto(1), LAYER_ICMP);
	assert_int_equal(layer_for_ipproto(58), LAYER_ICMPV6);
	assert_int_equal(layer_for_ipproto(47), LAYER_GRE);
	assert_int_equal(layer_for_ipproto(4), LAYER_IPIP);
	assert_int_equal(layer_for_ipproto(41), LAYER_IPIP);
	assert_int_equal(layer_for_ipproto(50), LAYER_END);
	assert_int_equal(layer_for_ipproto(132), LAYER_END);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_l2_cases),
	    cmocka_unit_test(test_reset_between_frames),
	    cmocka_unit_test(test_capture_facts_kept),
	    cmocka_unit_test(test_layer_tables),
	};
	return cmocka_run_group_tests_name("decode_l2", tests, NULL, NULL);
}
