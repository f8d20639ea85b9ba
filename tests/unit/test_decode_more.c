/* test_decode_more.c - what carries the inner IP besides Ethernet and the mirror tunnels:
 * MPLS label stacks and Ethernet pseudowires (RFC 3032, 4448), PPPoE sessions (RFC 2516),
 * PPP link types 9 and 50 and Cisco HDLC (RFC 1661, 1662, 1547), PPTP's enhanced GRE (RFC
 * 2637), GRE-in-UDP (RFC 8086), and Aruba GRE carrying 802.11 data frames. */
#include "decode_cases.h"

#define LT_PPP      9
#define LT_PPP_HDLC 50
#define LT_C_HDLC   104

/* 192.0.2.1:54321 -> 198.51.100.2:53 UDP (32 bytes); the same over IPv6 (52 bytes). */
#define IP4_UDP "45000020 00010000 40110000 " V4_A V4_B "| d4310035 000c0000 | deadbeef "
#define IP6_UDP "60000000 000c1140 " V6_A V6_B "| d4310035 000c0000 | deadbeef "
#define ARP     "0001 0800 0604 0001 000000000001 c0000201 000000000000 c6336402 "
/* Outer IPv4 10.0.0.1 -> 10.0.0.2: total length (4 hex digits) and protocol (2). */
#define OUT4(len, proto) "4500" len " 00010000 40" proto "0000 " V4_C V4_D "| "
#define GRE_OUT(iplen)   MACS "0800 |" OUT4(iplen, "2f")
/* MAC addresses whose bytes 2-3 are no EtherType we decode (a pseudowire's inner frame). */
#define PW_MACS "003096e6fc39 003096052838 "
/* PPP LCP Echo-Request (8 bytes). */
#define LCP_ECHO "0901 0008 01020304 "

static void check_l3_eth_v4(const struct packet *p)
{
	assert_int_equal(p->ethertype, 0x0800);
	assert_int_equal(p->ip_len, 32);
	assert_int_equal(p->payload_caplen, 4);
	assert_memory_equal(p->payload, "\xde\xad\xbe\xef", 4);
	assert_int_equal(p->inner_off, 0);
}

static void check_vlan_100(const struct packet *p)
{
	assert_int_equal(p->nvlan, 1);
	assert_int_equal(p->vlan[0], 100);
}

static void check_pw_vlan(const struct packet *p)
{
	assert_int_equal(p->nvlan, 1); /* the pseudowire's tag replaces the outer one */
	assert_int_equal(p->vlan[0], 200);
	assert_int_equal(p->ethertype, 0x0800);
	assert_int_equal(p->ntun, 0);
}

static void check_ethertype_pppoe_disc(const struct packet *p)
{
	assert_int_equal(p->ethertype, 0x8863);
}

static void check_qinq_pppoe(const struct packet *p)
{
	assert_int_equal(p->nvlan, 2);
	assert_int_equal(p->vlan[0], 10);
	assert_int_equal(p->vlan[1], 20);
	assert_int_equal(p->ethertype, 0x86DD);
}

static void check_ppp_link(const struct packet *p)
{
	assert_int_equal(p->inner_off, 0);
	assert_int_equal(p->inner_linktype, p->linktype);
	assert_int_equal(p->ip_len, 32);
}

static void check_pptp(const struct packet *p)
{
	const struct tunnel *t = &p->tun[0];
	assert_int_equal(t->kind, TUN_GRE);
	assert_true(t->has_id);
	assert_int_equal(t->id, 0x1780); /* the call id */
	assert_int_equal(t->flags, 0x30);
	assert_addr(&t->src, "10.0.0.1");
	assert_int_equal(t->sport, 0);
	assert_int_equal(p->inner_off, 54); /* past GRE (16) and PPP (4): the inner IP */
	assert_int_equal(p->inner_linktype, LINKTYPE_RAW);
	assert_int_equal(p->ethertype, 0x0800);
}

static void check_pptp_v6(const struct packet *p)
{
	assert_int_equal(p->tun[0].id, 1);
	assert_int_equal(p->inner_off, 48);
	assert_int_equal(p->inner_linktype, LINKTYPE_RAW);
}

static void check_pptp_lcp(const struct packet *p)
{
	assert_int_equal(p->tun[0].kind, TUN_GRE);
	assert_int_equal(p->inner_off, 46); /* not IP: the inner frame stays at the PPP header */
	assert_int_equal(p->inner_linktype, LINKTYPE_RAW);
}

static void check_outer_only(const struct packet *p)
{
	assert_int_equal(p->ntun, 0);
	assert_int_equal(p->inner_off, 0);
	assert_int_equal(p->inner_linktype, p->linktype);
	assert_addr(&p->src, "10.0.0.1");
}

static void check_gre_udp(const struct packet *p)
{
	const struct tunnel *t = &p->tun[0];
	assert_int_equal(t->kind, TUN_GRE);
	assert_false(t->has_id);
	assert_int_equal(t->sport, 50343);
	assert_int_equal(t->dport, 4754);
	assert_addr(&t->dst, "10.0.0.2");
	assert_int_equal(p->inner_off, 46);
	assert_int_equal(p->inner_linktype, LINKTYPE_RAW);
}

static void check_gre_udp_eth(const struct packet *p)
{
	assert_int_equal(p->tun[0].dport, 4754);
	assert_int_equal(p->inner_off, 46);
	assert_int_equal(p->inner_linktype, LINKTYPE_ETHERNET);
}

static void check_aruba(const struct packet *p)
{
	const struct tunnel *t = &p->tun[0];
	assert_int_equal(t->kind, TUN_GRE);
	assert_false(t->has_id);
	assert_addr(&t->src, "10.0.0.1");
	assert_int_equal(p->inner_off, 72); /* GRE 4, QoS data header 26, LLC/SNAP 8 */
	assert_int_equal(p->inner_linktype, LINKTYPE_RAW);
	assert_int_equal(p->ethertype, 0x0800);
}

static void check_aruba_v6(const struct packet *p)
{
	assert_int_equal(p->inner_off, 70);
	assert_int_equal(p->ethertype, 0x86DD);
}

static void check_aruba_wds(const struct packet *p)
{
	assert_int_equal(p->inner_off, 82); /* 36-byte header: address 4, QoS, HT control */
}

static void check_aruba_undecoded(const struct packet *p)
{
	assert_int_equal(p->tun[0].kind, TUN_GRE);
	assert_int_equal(p->inner_off, 38); /* the 802.11 header, as GRE left it */
	assert_int_equal(p->inner_linktype, LINKTYPE_RAW);
}

static void check_aruba_arp(const struct packet *p)
{
	assert_int_equal(p->ethertype, 0x0806);
	assert_int_equal(p->inner_off, 38);
}

static void check_vxlan_pppoe(const struct packet *p)
{
	assert_int_equal(p->tun[0].kind, TUN_VXLAN);
	assert_int_equal(p->inner_off, 50); /* the inner Ethernet frame, PPPoE and all */
	assert_int_equal(p->inner_linktype, LINKTYPE_ETHERNET);
}

#define LABEL_NB "00064040 " /* label 100, not bottom, TTL 64 */
#define LABELS5  LABEL_NB LABEL_NB LABEL_NB LABEL_NB LABEL_NB
#define LABELS15 LABELS5 LABELS5 LABELS5

/* Ethernet -> MPLS -> Ethernet pseudowire without control word, 22 bytes a level. */
#define PW1  MACS "8847 | 00064140 | "
#define PW4  PW1 PW1 PW1 PW1
#define PW32 PW4 PW4 PW4 PW4 PW4 PW4 PW4 PW4

static const struct dcase mpls_cases[] = {
    {"mpls_ipv4", LINKTYPE_ETHERNET, MACS "8847 | 00064140 |" IP4_UDP, 0, true, CFG_DEFAULT, 1, 17,
     "192.0.2.1", "198.51.100.2", 54321, 53, 0, check_l3_eth_v4},
    {"mpls_two_labels_ipv6", LINKTYPE_ETHERNET, MACS "8847 | 00064040 | 000c8140 |" IP6_UDP, 0,
     true, CFG_DEFAULT, 1, 17, "2001:db8::1", "2001:db8::2", 54321, 53, 0, NULL},
    {"mpls_multicast", LINKTYPE_ETHERNET, MACS "8848 | 00064140 |" IP4_UDP, 0, true, CFG_DEFAULT, 1,
     17, "192.0.2.1", NULL, 54321, 53, 0, NULL},
    {"mpls_under_vlan", LINKTYPE_ETHERNET, MACS "8100 0064 8847 | 00064140 |" IP4_UDP, 0, true,
     CFG_DEFAULT, 1, 17, "192.0.2.1", NULL, 54321, 53, 0, check_vlan_100},
    {"mpls_16_labels", LINKTYPE_ETHERNET, MACS "8847 |" LABELS15 "00064140 |" IP4_UDP, 0, true,
     CFG_DEFAULT, 1, 17, "192.0.2.1", NULL, 54321, 53, 0, NULL},
    {"mpls_label_depth", LINKTYPE_ETHERNET, MACS "8847 |" LABELS15 LABEL_NB "00064140 |" IP4_UDP,
     A(MPLS_LABEL_DEPTH), false, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"mpls_pw_control_word", LINKTYPE_ETHERNET,
     MACS "8100 0064 8847 | 00064140 | 00000000 |" PW_MACS "8100 00c8 0800 |" IP4_UDP, 0, true,
     CFG_DEFAULT, 1, 17, "192.0.2.1", "198.51.100.2", 54321, 53, 0, check_pw_vlan},
    {"mpls_pw_no_control_word", LINKTYPE_ETHERNET, MACS "8847 | 00064140 |" MACS "86dd |" IP6_UDP,
     0, true, CFG_DEFAULT, 1, 17, "2001:db8::1", NULL, 54321, 53, 0, NULL},
    {"mpls_pw_unknown_ethertype", LINKTYPE_ETHERNET,
     MACS "8847 | 00064140 | 00000000 |" PW_MACS "0806 |" ARP, A(UNKNOWN_ETHERTYPE), false,
     CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"mpls_pw_too_short", LINKTYPE_ETHERNET, MACS "8847 | 00064140 | 00000000 003096e6fc39",
     A(TRUNC_LINK), true, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"mpls_pw_ach", LINKTYPE_ETHERNET, MACS "8847 | 00064140 | 10000021 | 00010203",
     A(UNKNOWN_ETHERTYPE), false, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"mpls_unknown_nibble", LINKTYPE_ETHERNET, MACS "8847 | 00064140 | 5000 0000",
     A(UNKNOWN_ETHERTYPE), false, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"mpls_truncated_label", LINKTYPE_ETHERNET, MACS "8847 | 00064040 | 000c81", A(TRUNC_LINK),
     true, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"mpls_nothing_after_bottom", LINKTYPE_ETHERNET, MACS "8847 | 00064140", A(TRUNC_LINK), true,
     CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"mpls_pw_nested", LINKTYPE_ETHERNET, PW1 PW1 PW1 MACS "0800 |" IP4_UDP, 0, true, CFG_DEFAULT,
     1, 17, "192.0.2.1", NULL, 54321, 53, 0, NULL},
    {"mpls_pw_nested_past_step_cap", LINKTYPE_ETHERNET, PW32 PW1 MACS "0800 |" IP4_UDP,
     A(TUNNEL_DEPTH), false, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"mpls_inner_ipv4_truncated", LINKTYPE_ETHERNET,
     MACS "8847 | 00064140 | 45000020 00010000 4011", A(TRUNC_IPV4), true, CFG_DEFAULT, 0, ANY,
     NULL, NULL, NO_L4, ANY, 0, NULL},
};

static const struct dcase pppoe_cases[] = {
    {"pppoe_ipv4", LINKTYPE_ETHERNET, MACS "8864 | 1100 1234 0022 | 0021 |" IP4_UDP, 0, true,
     CFG_DEFAULT, 1, 17, "192.0.2.1", "198.51.100.2", 54321, 53, 0, check_l3_eth_v4},
    {"pppoe_qinq_ipv6", LINKTYPE_ETHERNET,
     MACS "88a8 000a | 8100 0014 | 8864 | 1100 0001 0036 | 0057 |" IP6_UDP, 0, true, CFG_DEFAULT, 1,
     17, "2001:db8::1", "2001:db8::2", 54321, 53, 0, check_qinq_pppoe},
    {"pppoe_padding_dropped", LINKTYPE_ETHERNET,
     MACS "8864 | 1100 1234 0022 | 0021 |" IP4_UDP "| 000000000000", 0, false, CFG_DEFAULT, 1, 17,
     "192.0.2.1", NULL, 54321, 53, 0, check_l3_eth_v4},
    {"pppoe_hdlc_framing_tolerated", LINKTYPE_ETHERNET,
     MACS "8864 | 1100 1234 0024 | ff03 0021 |" IP4_UDP, 0, true, CFG_DEFAULT, 1, 17, "192.0.2.1",
     NULL, 54321, 53, 0, NULL},
    {"pppoe_lcp", LINKTYPE_ETHERNET, MACS "8864 | 1100 1234 000a | c021 |" LCP_ECHO,
     A(UNKNOWN_ETHERTYPE), false, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"pppoe_discovery", LINKTYPE_ETHERNET, MACS "8863 | 1109 0000 0004 | 01010000",
     A(UNKNOWN_ETHERTYPE), false, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0,
     check_ethertype_pppoe_disc},
    {"pppoe_bad_version", LINKTYPE_ETHERNET, MACS "8864 | 2100 1234 0022 | 0021 |" IP4_UDP,
     A(PPPOE_BAD_HEADER), false, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"pppoe_bad_code", LINKTYPE_ETHERNET, MACS "8864 | 1107 1234 0022 | 0021 |" IP4_UDP,
     A(PPPOE_BAD_HEADER), false, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"pppoe_zero_length", LINKTYPE_ETHERNET, MACS "8864 | 1100 1234 0000 | 0021 |" IP4_UDP,
     A(PPPOE_BAD_HEADER), false, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"pppoe_truncated_header", LINKTYPE_ETHERNET, MACS "8864 | 1100 1234 00", A(TRUNC_LINK), true,
     CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"pppoe_length_beyond_capture", LINKTYPE_ETHERNET,
     MACS "8864 | 1100 1234 0040 | 0021 |" IP4_UDP, A(TRUNC_PAYLOAD), true, CFG_DEFAULT, 1, 17,
     "192.0.2.1", NULL, 54321, 53, 0, NULL},
    {"pppoe_ppp_cut", LINKTYPE_ETHERNET, MACS "8864 | 1100 1234 0022 | 00",
     A(TRUNC_PAYLOAD) | A(TRUNC_LINK), true, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"pppoe_in_vxlan", LINKTYPE_ETHERNET,
     MACS "0800 |" OUT4("005a", "11") "c001 12b5 0046 0000 | 08000000 00006400 |" MACS
                                      "8864 | 1100 0001 0022 | 0021 |" IP4_UDP,
     0, true, CFG_DEFAULT, 1, 17, "192.0.2.1", "198.51.100.2", 54321, 53, 1, check_vxlan_pppoe},
};

static const struct dcase ppp_cases[] = {
    {"ppp_bare_ipv4", LT_PPP, "0021 |" IP4_UDP, 0, true, CFG_DEFAULT, 1, 17, "192.0.2.1",
     "198.51.100.2", 54321, 53, 0, check_ppp_link},
    {"ppp_hdlc_ipv6", LT_PPP, "ff03 0057 |" IP6_UDP, 0, true, CFG_DEFAULT, 1, 17, "2001:db8::1",
     "2001:db8::2", 54321, 53, 0, NULL},
    {"ppp_compressed_protocol", LT_PPP, "21 |" IP4_UDP, 0, true, CFG_DEFAULT, 1, 17, "192.0.2.1",
     NULL, 54321, 53, 0, check_ppp_link},
    {"ppp_hdlc_linktype", LT_PPP_HDLC, "ff03 0021 |" IP4_UDP, 0, true, CFG_DEFAULT, 1, 17,
     "192.0.2.1", NULL, 54321, 53, 0, check_ppp_link},
    {"ppp_hdlc_linktype_pfc", LT_PPP_HDLC, "ff03 57 |" IP6_UDP, 0, true, CFG_DEFAULT, 1, 17,
     "2001:db8::1", NULL, 54321, 53, 0, NULL},
    {"ppp_mpls", LT_PPP, "ff03 0281 | 00064140 |" IP4_UDP, 0, true, CFG_DEFAULT, 1, 17, "192.0.2.1",
     NULL, 54321, 53, 0, NULL},
    {"ppp_lcp", LT_PPP, "ff03 c021 |" LCP_ECHO, A(UNKNOWN_ETHERTYPE), false, CFG_DEFAULT, 0, ANY,
     NULL, NULL, NO_L4, ANY, 0, NULL},
    {"ppp_bad_control", LT_PPP, "ff05 0021 |" IP4_UDP, A(PPP_BAD_HEADER), false, CFG_DEFAULT, 0,
     ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"ppp_protocol_even", LT_PPP, "0022 |" IP4_UDP, A(PPP_BAD_HEADER), false, CFG_DEFAULT, 0, ANY,
     NULL, NULL, NO_L4, ANY, 0, NULL},
    {"ppp_truncated_protocol", LT_PPP, "ff03 00", A(TRUNC_LINK), true, CFG_DEFAULT, 0, ANY, NULL,
     NULL, NO_L4, ANY, 0, NULL},
    {"ppp_empty", LT_PPP, "", A(TRUNC_LINK), false, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0,
     NULL},
    {"ppp_inner_truncated", LT_PPP, "0021 | 45000020 00010000", A(TRUNC_IPV4), true, CFG_DEFAULT, 0,
     ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"chdlc_in_ppp_hdlc_linktype", LT_PPP_HDLC, "0f00 0800 |" IP4_UDP, 0, true, CFG_DEFAULT, 1, 17,
     "192.0.2.1", NULL, 54321, 53, 0, check_ppp_link},
    {"chdlc_ipv6_broadcast", LT_C_HDLC, "8f00 86dd |" IP6_UDP, 0, true, CFG_DEFAULT, 1, 17,
     "2001:db8::1", NULL, 54321, 53, 0, NULL},
    {"chdlc_slarp", LT_C_HDLC, "8f00 8035 | 00000000 0a000001 ffffff00 ffff", A(UNKNOWN_ETHERTYPE),
     false, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"chdlc_bad_control", LT_C_HDLC, "0f03 0800 |" IP4_UDP, A(PPP_BAD_HEADER), false, CFG_DEFAULT,
     0, ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"chdlc_bad_address", LT_C_HDLC, "ff03 0021 |" IP4_UDP, A(PPP_BAD_HEADER), false, CFG_DEFAULT,
     0, ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"chdlc_truncated", LT_PPP_HDLC, "0f00 08", A(TRUNC_LINK), true, CFG_DEFAULT, 0, ANY, NULL,
     NULL, NO_L4, ANY, 0, NULL},
};

static const struct dcase pptp_cases[] = {
    {"pptp_ipv4", LINKTYPE_ETHERNET,
     GRE_OUT("0048") "3081 880b 0024 1780 | 00068fb1 | 00083a76 | ff03 0021 |" IP4_UDP, 0, true,
     CFG_DEFAULT, 1, 17, "192.0.2.1", "198.51.100.2", 54321, 53, 1, check_pptp},
    {"pptp_ipv6_no_ack_acfc", LINKTYPE_ETHERNET,
     GRE_OUT("0056") "3001 880b 0036 0001 | 00000001 | 0057 |" IP6_UDP, 0, true, CFG_DEFAULT, 1, 17,
     "2001:db8::1", NULL, 54321, 53, 1, check_pptp_v6},
    {"pptp_ack_only", LINKTYPE_ETHERNET, GRE_OUT("0020") "2081 880b 0000 0001 | 00000005", 0, true,
     CFG_DEFAULT, 1, 47, "10.0.0.1", "10.0.0.2", NO_L4, ANY, 0, check_outer_only},
    {"pptp_lcp", LINKTYPE_ETHERNET,
     GRE_OUT("002c") "3001 880b 000c 0001 | 00000001 | ff03 c021 |" LCP_ECHO, A(UNKNOWN_ETHERTYPE),
     true, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 1, check_pptp_lcp},
    {"pptp_payload_padding_dropped", LINKTYPE_ETHERNET,
     GRE_OUT("0048") "3001 880b 0024 0001 | 00000001 | ff03 0021 |" IP4_UDP "| 00000000", 0, false,
     CFG_DEFAULT, 1, 17, "192.0.2.1", NULL, 54321, 53, 1, NULL},
    {"pptp_no_key", LINKTYPE_ETHERNET, GRE_OUT("0040") "1001 880b 00000001 | ff03 0021 |" IP4_UDP,
     A(GRE_BAD_PPTP), false, CFG_DEFAULT, 1, 47, "10.0.0.1", NULL, NO_L4, ANY, 0, check_outer_only},
    {"pptp_checksum_bit", LINKTYPE_ETHERNET,
     GRE_OUT("0048") "b001 880b 00000000 0024 0001 | 00000001 | ff03 0021 |" IP4_UDP,
     A(GRE_BAD_PPTP), false, CFG_DEFAULT, 1, 47, "10.0.0.1", NULL, NO_L4, ANY, 0, NULL},
    {"pptp_not_ppp", LINKTYPE_ETHERNET, GRE_OUT("0040") "3001 0800 0020 0001 | 00000001 |" IP4_UDP,
     A(GRE_BAD_PPTP), false, CFG_DEFAULT, 1, 47, "10.0.0.1", NULL, NO_L4, ANY, 0, NULL},
    {"pptp_truncated_header", LINKTYPE_ETHERNET, GRE_OUT("0048") "3081 880b 0024 1780 | 0006",
     A(TRUNC_TUNNEL) | A(TRUNC_PAYLOAD), true, CFG_DEFAULT, 1, 47, "10.0.0.1", NULL, NO_L4, ANY, 0,
     NULL},
    {"pptp_payload_cut", LINKTYPE_ETHERNET,
     GRE_OUT("0048") "3001 880b 0024 0001 | 00000001 | ff03 0021 | 45000020 0001",
     A(TRUNC_PAYLOAD) | A(TRUNC_IPV4), true, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 1, NULL},
    {"pptp_ppp_bad_control", LINKTYPE_ETHERNET,
     GRE_OUT("0044") "3001 880b 0024 0001 | 00000001 | ff00 0021 |" IP4_UDP, A(PPP_BAD_HEADER),
     false, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 1, NULL},
    {"gre_version2", LINKTYPE_ETHERNET, GRE_OUT("0038") "0002 0800 |" IP4_UDP, A(GRE_BAD_VERSION),
     false, CFG_DEFAULT, 1, 47, "10.0.0.1", NULL, NO_L4, ANY, 0, check_outer_only},
};

/* Outer IPv4/UDP 50343 -> 4754: IP and UDP lengths. */
#define GRE_UDP_OUT(iplen, udplen) MACS "0800 |" OUT4(iplen, "11") "c4a7 1292 " udplen " 0000 | "

static const struct dcase gre_udp_cases[] = {
    {"gre_udp_ipv4", LINKTYPE_ETHERNET, GRE_UDP_OUT("0040", "002c") "0000 0800 |" IP4_UDP, 0, true,
     CFG_DEFAULT, 1, 17, "192.0.2.1", "198.51.100.2", 54321, 53, 1, check_gre_udp},
    {"gre_udp_ethernet", LINKTYPE_ETHERNET,
     GRE_UDP_OUT("004e", "003a") "0000 6558 |" MACS "0800 |" IP4_UDP, 0, true, CFG_DEFAULT, 1, 17,
     "192.0.2.1", NULL, 54321, 53, 1, check_gre_udp_eth},
    {"gre_udp_not_peeled", LINKTYPE_ETHERNET, GRE_UDP_OUT("0040", "002c") "0000 0800 |" IP4_UDP, 0,
     true, CFG_NO_PEEL, 1, 17, "10.0.0.1", "10.0.0.2", 50343, 4754, 0, check_outer_only},
    {"gre_udp_from_4754_is_not_gre", LINKTYPE_ETHERNET,
     MACS "0800 |" OUT4("0040", "11") "1292 c4a7 002c 0000 | 0000 0800 |" IP4_UDP, 0, true,
     CFG_DEFAULT, 1, 17, "10.0.0.1", NULL, 4754, 50343, 0, check_outer_only},
    {"gre_udp_version1", LINKTYPE_ETHERNET,
     GRE_UDP_OUT("0048", "0034") "3001 880b 0024 0001 | 00000001 |" IP4_UDP, A(GRE_BAD_VERSION),
     false, CFG_DEFAULT, 1, 17, "10.0.0.1", NULL, 50343, 4754, 0, check_outer_only},
    {"gre_udp_truncated", LINKTYPE_ETHERNET, GRE_UDP_OUT("0040", "002c") "0000 08",
     A(TRUNC_TUNNEL) | A(TRUNC_PAYLOAD), true, CFG_DEFAULT, 1, 17, "10.0.0.1", NULL, 50343, 4754, 0,
     check_outer_only},
};

/* 802.11 QoS data: frame control, duration, 3 addresses, sequence, then qos: the QoS control
 * field (26 bytes in all), or address 4, QoS control and HT control in that order. */
#define WLAN_QOS(fc, seq, qos)                                                                     \
	fc " 0000 | f05c197c8d70 5c5f67022e7a 0011dc000001 |" seq "|" qos "| "
#define SNAP(type) "aaaa03 000000 " type " | "

static const struct dcase aruba_cases[] = {
    {"aruba_qos_data_ipv4", LINKTYPE_ETHERNET,
     GRE_OUT("005a") "0000 8200 |" WLAN_QOS("8801", "807d", "0000") SNAP("0800") IP4_UDP, 0, true,
     CFG_DEFAULT, 1, 17, "192.0.2.1", "198.51.100.2", 54321, 53, 1, check_aruba},
    {"aruba_data_ipv6_8210", LINKTYPE_ETHERNET,
     GRE_OUT("006c") "0000 8210 | 0802 0000 | 0011dc000001 f05c197c8d70 5c5f67022e7a | 1000 |" SNAP(
         "86dd") IP6_UDP,
     0, true, CFG_DEFAULT, 1, 17, "2001:db8::1", "2001:db8::2", 54321, 53, 1, check_aruba_v6},
    {"aruba_wds_qos_htc_8370", LINKTYPE_ETHERNET,
     GRE_OUT("0064") "0000 8370 |" WLAN_QOS("8883", "807d", "5c5f67022e7b | 0000 | 00000000")
         SNAP("0800") IP4_UDP,
     0, true, CFG_DEFAULT, 1, 17, "192.0.2.1", NULL, 54321, 53, 1, check_aruba_wds},
    {"aruba_bridge_tunnel_oui", LINKTYPE_ETHERNET,
     GRE_OUT("005a") "0000 8200 |" WLAN_QOS("8801", "807d", "0000") "aaaa03 0000f8 0800 |" IP4_UDP,
     0, true, CFG_DEFAULT, 1, 17, "192.0.2.1", NULL, 54321, 53, 1, check_aruba},
    {"aruba_snap_arp", LINKTYPE_ETHERNET,
     GRE_OUT("0056") "0000 8200 |" WLAN_QOS("8801", "807d", "0000") SNAP("0806") ARP,
     A(UNKNOWN_ETHERTYPE), false, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 1, check_aruba_arp},
    {"aruba_protected", LINKTYPE_ETHERNET,
     GRE_OUT("005a") "0000 8200 |" WLAN_QOS("8841", "807d", "0000") SNAP("0800") IP4_UDP,
     A(UNKNOWN_ETHERTYPE), false, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 1,
     check_aruba_undecoded},
    {"aruba_beacon", LINKTYPE_ETHERNET,
     GRE_OUT("0030") "0000 8200 | 8000 0000 | ffffffffffff f05c197c8d70 f05c197c8d70 | 0000",
     A(UNKNOWN_ETHERTYPE), false, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 1,
     check_aruba_undecoded},
    {"aruba_qos_null", LINKTYPE_ETHERNET,
     GRE_OUT("0032") "0000 8200 |" WLAN_QOS("c801", "807d", "0000"), A(UNKNOWN_ETHERTYPE), false,
     CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 1, check_aruba_undecoded},
    {"aruba_amsdu", LINKTYPE_ETHERNET,
     GRE_OUT("005a") "0000 8200 |" WLAN_QOS("8801", "807d", "8000") SNAP("0800") IP4_UDP,
     A(UNKNOWN_ETHERTYPE), false, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 1,
     check_aruba_undecoded},
    {"aruba_later_fragment", LINKTYPE_ETHERNET,
     GRE_OUT("005a") "0000 8200 |" WLAN_QOS("8801", "817d", "0000") SNAP("0800") IP4_UDP,
     A(UNKNOWN_ETHERTYPE), false, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 1,
     check_aruba_undecoded},
    {"aruba_llc_not_snap", LINKTYPE_ETHERNET,
     GRE_OUT("003f") "0000 8200 |" WLAN_QOS("8801", "807d", "0000") "424203 00000000000000000000",
     A(UNKNOWN_ETHERTYPE), false, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 1,
     check_aruba_undecoded},
    {"aruba_other_oui", LINKTYPE_ETHERNET,
     GRE_OUT("005a") "0000 8200 |" WLAN_QOS("8801", "807d", "0000") "aaaa03 00000c 0800 |" IP4_UDP,
     A(UNKNOWN_ETHERTYPE), false, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 1, NULL},
    {"aruba_bad_version", LINKTYPE_ETHERNET,
     GRE_OUT("005a") "0000 8200 |" WLAN_QOS("8901", "807d", "0000") SNAP("0800") IP4_UDP,
     A(WLAN_BAD_VERSION), false, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 1,
     check_aruba_undecoded},
    {"aruba_truncated_header", LINKTYPE_ETHERNET,
     GRE_OUT("005a") "0000 8200 | 8801 0000 f05c197c8d70 5c5f67022e7a 0011",
     A(TRUNC_LINK) | A(TRUNC_PAYLOAD), true, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 1, NULL},
    {"aruba_truncated_qos", LINKTYPE_ETHERNET,
     GRE_OUT("005a") "0000 8200 |" WLAN_QOS("8801", "807d", "00"), A(TRUNC_LINK) | A(TRUNC_PAYLOAD),
     true, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 1, NULL},
    {"aruba_truncated_snap", LINKTYPE_ETHERNET,
     GRE_OUT("005a") "0000 8200 |" WLAN_QOS("8801", "807d", "0000") "aaaa03 0000",
     A(TRUNC_LINK) | A(TRUNC_PAYLOAD), true, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 1, NULL},
    {"aruba_inner_ip_truncated", LINKTYPE_ETHERNET,
     GRE_OUT("005a") "0000 8200 |" WLAN_QOS("8801", "807d", "0000") SNAP("0800") "45000020 0001",
     A(TRUNC_IPV4) | A(TRUNC_PAYLOAD), true, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 1, NULL},
    {"gre_aruba_like_not_aruba", LINKTYPE_ETHERNET,
     GRE_OUT("005a") "0000 8205 |" WLAN_QOS("8801", "807d", "0000") SNAP("0800") IP4_UDP,
     A(GRE_UNKNOWN_PROTO), false, CFG_DEFAULT, 1, 47, "10.0.0.1", NULL, NO_L4, ANY, 0,
     check_outer_only},
};

#define RUN(cases) run_cases(cases, sizeof(cases) / sizeof(cases[0]))

static void test_mpls(void **state)
{
	(void)state;
	RUN(mpls_cases);
}

static void test_pppoe(void **state)
{
	(void)state;
	RUN(pppoe_cases);
}

static void test_ppp_link_types(void **state)
{
	(void)state;
	RUN(ppp_cases);
}

static void test_pptp(void **state)
{
	(void)state;
	RUN(pptp_cases);
}

static void test_gre_in_udp(void **state)
{
	(void)state;
	RUN(gre_udp_cases);
}

static void test_aruba_80211(void **state)
{
	(void)state;
	RUN(aruba_cases);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mpls),           cmocka_unit_test(test_pppoe),
	    cmocka_unit_test(test_ppp_link_types), cmocka_unit_test(test_pptp),
	    cmocka_unit_test(test_gre_in_udp),     cmocka_unit_test(test_aruba_80211),
	};
	return cmocka_run_group_tests_name("decode_more", tests, NULL, NULL);
}
