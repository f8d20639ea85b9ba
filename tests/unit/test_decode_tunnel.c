/* test_decode_tunnel.c - VXLAN (RFC 7348), GENEVE with AWS GWLB TLVs (RFC 8926), GRE (RFC
 * 2784/2890), ERSPAN I/II/III, IP-in-IP, nesting, the depth cap, inner_off/inner_linktype,
 * and the decode_cfg port lists. */
#include "decode_cases.h"

/* Outer IPv4 10.0.0.1 -> 10.0.0.2: total length (4 hex digits) and protocol (2). */
#define OUT4(len, proto) "4500" len " 00010000 40" proto "0000 " V4_C V4_D "| "
/* Inner Ethernet frame: 192.0.2.1:12345 -> 198.51.100.2:80 TCP ACK, 54 bytes. */
#define TCP40                                                                                      \
	"45000028 00020000 40060000 " V4_A V4_B "| 30390050 00000064 000000c8 5010faf0 00000000 "
#define INNER_ETH MACS "0800 |" TCP40
/* 2001:db8::1:54321 -> 2001:db8::2:53 UDP, 52 bytes; 192.0.2.1:54321 -> 198.51.100.2:53, 32. */
#define IP6_UDP  "60000000 000c1140 " V6_A V6_B "| d4310035 000c0000 | deadbeef "
#define IP4_UDP  "45000020 00010000 40110000 " V4_A V4_B "| d4310035 000c0000 | deadbeef "
#define ARP      "0001 0800 0604 0001 000000000001 c0000201 000000000000 c6336402 "
#define VXLAN100 "08000000 00006400 | "
/* GWLB TLVs: endpoint 0xabc, attachment 0xdef0, cookie 0x12345678 (32 bytes). */
#define GWLB_TLVS "0108 0102 0000000000000abc | 0108 0202 000000000000def0 | 0108 0301 12345678 | "

static void check_vxlan(const struct packet *p)
{
	const struct tunnel *t = &p->tun[0];
	assert_int_equal(t->kind, TUN_VXLAN);
	assert_true(t->has_id);
	assert_int_equal(t->id, 100);
	assert_int_equal(t->flags, 0x08);
	assert_addr(&t->src, "10.0.0.1");
	assert_addr(&t->dst, "10.0.0.2");
	assert_int_equal(t->sport, 49153);
	assert_int_equal(t->dport, 4789);
	assert_ptr_equal(pkt_session_tunnel(p), t);
	assert_int_equal(p->inner_off, 50);
	assert_int_equal(p->inner_linktype, LINKTYPE_ETHERNET);
	assert_int_equal(p->ethertype, 0x0800);
	assert_int_equal(p->seq, 100);
	assert_int_equal(p->ack, 200);
	assert_int_equal(p->ip_len, 40);
	assert_int_equal(p->ttl, 64);
}

static void check_vxlan_reply(const struct packet *p)
{
	assert_int_equal(p->tun[0].sport, 4789);
	assert_int_equal(p->tun[0].dport, 54321);
}

static void check_vxlan_8472(const struct packet *p)
{
	assert_int_equal(p->tun[0].dport, 8472);
	assert_int_equal(p->inner_off, 50);
}

static void check_no_tunnel(const struct packet *p)
{
	assert_null(pkt_session_tunnel(p));
	assert_int_equal(p->inner_off, 0);
	assert_int_equal(p->inner_linktype, p->linktype);
}

static void check_vxlan_vlans(const struct packet *p)
{
	assert_int_equal(p->nvlan, 1);
	assert_int_equal(p->vlan[0], 200);
	assert_int_equal(p->inner_off, 54);
}

static void check_vxlan_v6_outer(const struct packet *p)
{
	assert_addr(&p->tun[0].src, "2001:db8::1");
	assert_addr(&p->tun[0].dst, "2001:db8::2");
	assert_int_equal(p->inner_off, 70);
	assert_int_equal(p->ip_ver, 4);
}

static void check_geneve_eth(const struct packet *p)
{
	const struct tunnel *t = &p->tun[0];
	assert_int_equal(t->kind, TUN_GENEVE);
	assert_true(t->has_id);
	assert_int_equal(t->id, 0x123456);
	assert_int_equal(t->geneve_opt_len, 0);
	assert_false(t->gwlb);
	assert_int_equal(t->dport, 6081);
	assert_int_equal(p->inner_off, 50);
	assert_int_equal(p->inner_linktype, LINKTYPE_ETHERNET);
}

static void check_gwlb(const struct packet *p)
{
	const struct tunnel *t = &p->tun[0];
	assert_int_equal(t->kind, TUN_GENEVE);
	assert_true(t->gwlb);
	assert_int_equal(t->gwlb_endpoint, 0xabc);
	assert_int_equal(t->gwlb_attachment, 0xdef0);
	assert_int_equal(t->gwlb_cookie, 0x12345678);
	assert_int_equal(t->geneve_opt_len, 32);
	assert_int_equal(p->inner_off, 82);
	assert_int_equal(p->inner_linktype, LINKTYPE_RAW);
}

static void check_gwlb_vxlan(const struct packet *p)
{
	assert_int_equal(p->tun[0].kind, TUN_GENEVE);
	assert_true(p->tun[0].gwlb);
	assert_addr(&p->tun[0].src, "10.0.0.1");
	assert_int_equal(p->tun[0].dport, 6081);
	const struct tunnel *s = pkt_session_tunnel(p);
	assert_ptr_equal(s, &p->tun[1]);
	assert_int_equal(s->kind, TUN_VXLAN);
	assert_int_equal(s->id, 100);
	assert_addr(&s->src, "10.1.0.1");
	assert_addr(&s->dst, "10.1.0.2");
	assert_int_equal(s->dport, 4789);
	assert_int_equal(p->inner_off, 118);
	assert_int_equal(p->inner_linktype, LINKTYPE_ETHERNET);
}

static void check_gwlb_partial(const struct packet *p)
{
	assert_false(p->tun[0].gwlb);
	assert_int_equal(p->tun[0].gwlb_endpoint, 0xabc);
	assert_int_equal(p->tun[0].gwlb_cookie, 0x12345678);
	assert_int_equal(p->inner_off, 70);
}

static void check_geneve_oc(const struct packet *p)
{
	assert_int_equal(p->tun[0].flags, 0xc0); /* O and C */
	assert_int_equal(p->tun[0].geneve_opt_len, 8);
	assert_false(p->tun[0].gwlb);
}

static void check_raw_inner(const struct packet *p)
{
	assert_int_equal(p->inner_linktype, LINKTYPE_RAW);
}

static void check_gre_key(const struct packet *p)
{
	const struct tunnel *t = &p->tun[0];
	assert_int_equal(t->kind, TUN_GRE);
	assert_true(t->has_id);
	assert_int_equal(t->id, 0x1234);
	assert_int_equal(t->sport, 0);
	assert_int_equal(t->dport, 0);
	assert_addr(&t->src, "10.0.0.1");
	assert_int_equal(p->inner_off, 42);
	assert_int_equal(p->inner_linktype, LINKTYPE_RAW);
}

static void check_gre_cks(const struct packet *p)
{
	assert_int_equal(p->tun[0].kind, TUN_GRE);
	assert_int_equal(p->tun[0].id, 1);
	assert_int_equal(p->tun[0].flags, 0xb0);
	assert_int_equal(p->inner_off, 50);
	assert_int_equal(p->inner_linktype, LINKTYPE_ETHERNET);
}

static void check_gre_nokey(const struct packet *p)
{
	assert_false(p->tun[0].has_id);
	assert_int_equal(p->inner_off, 38);
	assert_int_equal(p->inner_linktype, LINKTYPE_RAW);
}

static void check_erspan1(const struct packet *p)
{
	assert_int_equal(p->tun[0].kind, TUN_ERSPAN);
	assert_int_equal(p->tun[0].erspan_version, 1);
	assert_false(p->tun[0].has_id);
	assert_int_equal(p->inner_off, 38);
	assert_int_equal(p->inner_linktype, LINKTYPE_ETHERNET);
}

static void check_erspan2(const struct packet *p)
{
	const struct tunnel *t = &p->tun[0];
	assert_int_equal(t->kind, TUN_ERSPAN);
	assert_int_equal(t->erspan_version, 2);
	assert_int_equal(t->erspan_vlan, 10);
	assert_true(t->has_id);
	assert_int_equal(t->id, 0x123);
	assert_int_equal(p->inner_off, 50);
	assert_int_equal(p->inner_linktype, LINKTYPE_ETHERNET);
}

static void check_erspan3(const struct packet *p)
{
	const struct tunnel *t = &p->tun[0];
	assert_int_equal(t->kind, TUN_ERSPAN);
	assert_int_equal(t->erspan_version, 3);
	assert_int_equal(t->erspan_vlan, 10);
	assert_int_equal(t->id, 0x123);
	assert_int_equal(p->inner_off, 62);
	assert_int_equal(p->inner_linktype, LINKTYPE_ETHERNET);
}

static void check_erspan3_nosub(const struct packet *p)
{
	assert_int_equal(p->tun[0].erspan_version, 3);
	assert_int_equal(p->inner_off, 54);
}

static void check_erspan3_ip(const struct packet *p)
{
	assert_int_equal(p->inner_off, 54);
	assert_int_equal(p->inner_linktype, LINKTYPE_RAW);
}

static void check_ipip(const struct packet *p)
{
	assert_int_equal(p->tun[0].kind, TUN_IPIP);
	assert_addr(&p->tun[0].src, "10.0.0.1");
	assert_false(p->tun[0].has_id);
	assert_int_equal(p->inner_off, 34);
	assert_int_equal(p->inner_linktype, LINKTYPE_RAW);
}

static void check_4in6(const struct packet *p)
{
	assert_int_equal(p->tun[0].kind, TUN_IPIP);
	assert_addr(&p->tun[0].src, "2001:db8::1");
	assert_int_equal(p->inner_off, 40);
}

static void check_ipip_chain(const struct packet *p)
{
	static const char *const src[] = {"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"};
	for (int i = 0; i < PKT_MAX_TUNNELS; i++) {
		assert_int_equal(p->tun[i].kind, TUN_IPIP);
		assert_addr(&p->tun[i].src, src[i]);
	}
	assert_int_equal(p->inner_off, 80); /* the innermost peeled tunnel's payload */
}

static void check_mixed_chain(const struct packet *p)
{
	assert_int_equal(p->tun[0].kind, TUN_GENEVE);
	assert_addr(&p->tun[0].src, "10.0.0.1");
	assert_int_equal(p->tun[1].kind, TUN_VXLAN);
	assert_addr(&p->tun[1].src, "10.1.0.1");
	assert_int_equal(p->tun[2].kind, TUN_GRE);
	assert_addr(&p->tun[2].src, "10.2.0.1");
	assert_int_equal(p->tun[3].kind, TUN_IPIP);
	assert_addr(&p->tun[3].src, "10.3.0.1");
	assert_int_equal(p->inner_off, 144);
	assert_int_equal(p->inner_linktype, LINKTYPE_RAW);
}

/* Outer Ethernet/IPv4/UDP to 4789/VXLAN carrying INNER_ETH (UDP length 70). */
#define VXLAN_FRAME(udp_ports, vxlan)                                                              \
	MACS "0800 |" OUT4("005a", "11") udp_ports " 0046 0000 |" vxlan INNER_ETH

static const struct dcase vxlan_cases[] = {
    {"vxlan_basic", LINKTYPE_ETHERNET, VXLAN_FRAME("c001 12b5", VXLAN100), 0, true, CFG_DEFAULT, 1,
     6, "192.0.2.1", "198.51.100.2", 12345, 80, 1, check_vxlan},
    {"vxlan_reserved_flags", LINKTYPE_ETHERNET, VXLAN_FRAME("c001 12b5", "0c000000 00006401 |"),
     A(VXLAN_RESERVED), true, CFG_DEFAULT, 1, 6, "192.0.2.1", NULL, 12345, 80, 1, NULL},
    {"vxlan_reserved_middle", LINKTYPE_ETHERNET, VXLAN_FRAME("c001 12b5", "08001234 00006400 |"),
     A(VXLAN_RESERVED), true, CFG_DEFAULT, 1, 6, "192.0.2.1", NULL, 12345, 80, 1, NULL},
    {"vxlan_no_i_flag", LINKTYPE_ETHERNET, VXLAN_FRAME("c001 12b5", "00000000 00006400 |"),
     A(VXLAN_NO_I_FLAG), true, CFG_DEFAULT, 1, 17, "10.0.0.1", "10.0.0.2", 49153, 4789, 0,
     check_no_tunnel},
    {"vxlan_truncated", LINKTYPE_ETHERNET,
     MACS "0800 |" OUT4("005a", "11") "c001 12b5 0046 0000 | 0800000000",
     A(TRUNC_TUNNEL) | A(TRUNC_PAYLOAD), true, CFG_DEFAULT, 1, 17, "10.0.0.1", NULL, 49153, 4789, 0,
     check_no_tunnel},
    {"vxlan_inner_tcp_truncated", LINKTYPE_ETHERNET,
     MACS "0800 |" OUT4("005a", "11") "c001 12b5 0046 0000 |" VXLAN100 MACS "0800 |"
                                      "45000028 00020000 40060000 " V4_A V4_B "| 30390050 0000",
     A(TRUNC_TCP) | A(TRUNC_PAYLOAD), true, CFG_DEFAULT, 1, 6, "192.0.2.1", NULL, NO_L4, ANY, 1,
     NULL},
    {"vxlan_from_4789_reply", LINKTYPE_ETHERNET, VXLAN_FRAME("12b5 d431", VXLAN100), 0, true,
     CFG_DEFAULT, 1, 6, "192.0.2.1", NULL, 12345, 80, 1, check_vxlan_reply},
    {"vxlan_8472_not_configured", LINKTYPE_ETHERNET, VXLAN_FRAME("c001 2118", VXLAN100), 0, true,
     CFG_DEFAULT, 1, 17, "10.0.0.1", NULL, 49153, 8472, 0, check_no_tunnel},
    {"vxlan_8472_added", LINKTYPE_ETHERNET, VXLAN_FRAME("c001 2118", VXLAN100), 0, true,
     CFG_PORT_8472, 1, 6, "192.0.2.1", NULL, 12345, 80, 1, check_vxlan_8472},
    {"vxlan_not_peeled", LINKTYPE_ETHERNET, VXLAN_FRAME("c001 12b5", VXLAN100), 0, true,
     CFG_NO_PEEL, 1, 17, "10.0.0.1", NULL, 49153, 4789, 0, check_no_tunnel},
    {"vxlan_vlans_outer_and_inner", LINKTYPE_ETHERNET,
     MACS "8100 0064 0800 |" OUT4("005e", "11") "c001 12b5 004a 0000 |" VXLAN100 MACS
                                                "8100 00c8 0800 |" TCP40,
     0, true, CFG_DEFAULT, 1, 6, "192.0.2.1", NULL, 12345, 80, 1, check_vxlan_vlans},
    {"vxlan_inner_arp", LINKTYPE_ETHERNET,
     MACS "0800 |" OUT4("004e", "11") "c001 12b5 003a 0000 |" VXLAN100 MACS "0806 |" ARP,
     A(UNKNOWN_ETHERTYPE), true, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 1, NULL},
    {"vxlan_ipv6_outer", LINKTYPE_ETHERNET,
     MACS "86dd | 60000000 00461140 " V6_A V6_B "| c001 12b5 0046 0000 |" VXLAN100 INNER_ETH, 0,
     true, CFG_DEFAULT, 1, 6, "192.0.2.1", "198.51.100.2", 12345, 80, 1, check_vxlan_v6_outer},
};

/* Outer Ethernet/IPv4/UDP 49153 -> 6081. */
#define GENEVE_OUT(iplen, udplen) MACS "0800 |" OUT4(iplen, "11") "c001 17c1 " udplen " 0000 | "

static const struct dcase geneve_cases[] = {
    {"geneve_ethernet", LINKTYPE_ETHERNET,
     GENEVE_OUT("005a", "0046") "0000 6558 12345600 |" INNER_ETH, 0, true, CFG_DEFAULT, 1, 6,
     "192.0.2.1", "198.51.100.2", 12345, 80, 1, check_geneve_eth},
    {"geneve_gwlb_ipv4", LINKTYPE_ETHERNET,
     GENEVE_OUT("006c", "0058") "0800 0800 00000000 |" GWLB_TLVS TCP40, 0, true, CFG_DEFAULT, 1, 6,
     "192.0.2.1", "198.51.100.2", 12345, 80, 1, check_gwlb},
    {"geneve_gwlb_vxlan", LINKTYPE_ETHERNET,
     GENEVE_OUT(
         "009e",
         "008a") "0800 0800 00000000 |" GWLB_TLVS
                 "4500005a 00030000 40110000 0a010001 0a010002 | c002 12b5 0046 0000 |" VXLAN100
                     INNER_ETH,
     0, true, CFG_DEFAULT, 1, 6, "192.0.2.1", "198.51.100.2", 12345, 80, 2, check_gwlb_vxlan},
    {"geneve_gwlb_partial", LINKTYPE_ETHERNET,
     GENEVE_OUT("0060", "004c") "0500 0800 00000000 | 0108 0102 0000000000000abc | 0108 0301 "
                                "12345678 |" TCP40,
     A(GENEVE_GWLB_PARTIAL), true, CFG_DEFAULT, 1, 6, "192.0.2.1", NULL, 12345, 80, 1,
     check_gwlb_partial},
    {"geneve_other_options", LINKTYPE_ETHERNET,
     GENEVE_OUT("0054", "0040") "02c0 0800 00000100 | ffff 8001 01020304 |" TCP40, 0, true,
     CFG_DEFAULT, 1, 6, "192.0.2.1", NULL, 12345, 80, 1, check_geneve_oc},
    {"geneve_bad_version", LINKTYPE_ETHERNET,
     GENEVE_OUT("005a", "0046") "4000 6558 12345600 |" INNER_ETH, A(GENEVE_BAD_VERSION), true,
     CFG_DEFAULT, 1, 17, "10.0.0.1", NULL, 49153, 6081, 0, check_no_tunnel},
    {"geneve_bad_option", LINKTYPE_ETHERNET,
     GENEVE_OUT("0054", "0040") "0200 0800 00000100 | 0108 0103 01020304 |" TCP40,
     A(GENEVE_BAD_OPTION), true, CFG_DEFAULT, 1, 6, "192.0.2.1", NULL, 12345, 80, 1, NULL},
    {"geneve_options_truncated", LINKTYPE_ETHERNET,
     GENEVE_OUT("006c", "0058") "0800 0800 00000000 | 0108 0102 000000000000",
     A(TRUNC_TUNNEL) | A(TRUNC_PAYLOAD), true, CFG_DEFAULT, 1, 17, "10.0.0.1", NULL, 49153, 6081, 0,
     check_no_tunnel},
    {"geneve_header_truncated", LINKTYPE_ETHERNET, GENEVE_OUT("005a", "0046") "0000 6558 12",
     A(TRUNC_TUNNEL) | A(TRUNC_PAYLOAD), true, CFG_DEFAULT, 1, 17, NULL, NULL, 49153, 6081, 0,
     NULL},
    {"geneve_ipv6_inner", LINKTYPE_ETHERNET,
     GENEVE_OUT("0058", "0044") "0000 86dd 00000100 |" IP6_UDP, 0, true, CFG_DEFAULT, 1, 17,
     "2001:db8::1", "2001:db8::2", 54321, 53, 1, check_raw_inner},
    {"geneve_unknown_protocol", LINKTYPE_ETHERNET,
     GENEVE_OUT("0040", "002c") "0000 0806 00000100 |" ARP, A(UNKNOWN_ETHERTYPE), true, CFG_DEFAULT,
     0, ANY, NULL, NULL, NO_L4, ANY, 1, NULL},
};

/* Outer Ethernet/IPv4, protocol 47. */
#define GRE_OUT(iplen) MACS "0800 |" OUT4(iplen, "2f")

static const struct dcase gre_cases[] = {
    {"gre_key_ipv4", LINKTYPE_ETHERNET, GRE_OUT("003c") "2000 0800 00001234 |" IP4_UDP, 0, true,
     CFG_DEFAULT, 1, 17, "192.0.2.1", "198.51.100.2", 54321, 53, 1, check_gre_key},
    {"gre_csum_key_seq_eth", LINKTYPE_ETHERNET,
     GRE_OUT("005a") "b000 6558 | 00000000 | 00000001 | 00000005 |" INNER_ETH, 0, true, CFG_DEFAULT,
     1, 6, "192.0.2.1", NULL, 12345, 80, 1, check_gre_cks},
    {"gre_ipv6", LINKTYPE_ETHERNET, GRE_OUT("004c") "0000 86dd |" IP6_UDP, 0, true, CFG_DEFAULT, 1,
     17, "2001:db8::1", NULL, 54321, 53, 1, check_gre_nokey},
    /* Enhanced GRE (PPTP) decodes (test_decode_more.c); here its PPP payload is cut. */
    {"gre_pptp_version1_cut", LINKTYPE_ETHERNET,
     GRE_OUT("0022") "3001 880b 0004 0000 00000001 ff03", A(TRUNC_PAYLOAD) | A(TRUNC_LINK), true,
     CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 1, check_raw_inner},
    {"gre_version7", LINKTYPE_ETHERNET, GRE_OUT("003c") "2007 0800 00001234 |" IP4_UDP,
     A(GRE_BAD_VERSION), false, CFG_DEFAULT, 1, 47, "10.0.0.1", NULL, NO_L4, ANY, 0,
     check_no_tunnel},
    {"gre_routing_present", LINKTYPE_ETHERNET, GRE_OUT("003c") "4000 0800 00000000 |" IP4_UDP,
     A(GRE_UNKNOWN_PROTO), false, CFG_DEFAULT, 1, 47, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"gre_unknown_protocol", LINKTYPE_ETHERNET, GRE_OUT("001c") "0000 880b ff030021",
     A(GRE_UNKNOWN_PROTO), true, CFG_DEFAULT, 1, 47, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"gre_truncated", LINKTYPE_ETHERNET, GRE_OUT("003c") "2000 0800 0000",
     A(TRUNC_TUNNEL) | A(TRUNC_PAYLOAD), true, CFG_DEFAULT, 1, 47, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"gre_not_peeled", LINKTYPE_ETHERNET, GRE_OUT("003c") "2000 0800 00001234 |" IP4_UDP, 0, true,
     CFG_NO_PEEL, 1, 47, "10.0.0.1", NULL, NO_L4, ANY, 0, check_no_tunnel},
    {"erspan_type1", LINKTYPE_ETHERNET, GRE_OUT("004e") "0000 88be |" INNER_ETH, 0, true,
     CFG_DEFAULT, 1, 6, "192.0.2.1", NULL, 12345, 80, 1, check_erspan1},
    {"erspan_type2", LINKTYPE_ETHERNET,
     GRE_OUT("005a") "1000 88be 00000007 | 100a 3923 00000005 |" INNER_ETH, 0, true, CFG_DEFAULT, 1,
     6, "192.0.2.1", "198.51.100.2", 12345, 80, 1, check_erspan2},
    {"erspan_type3_subheader", LINKTYPE_ETHERNET,
     GRE_OUT(
         "0066") "1000 22eb 00000007 | 200a 0123 11223344 0000 8001 | 0000000000000000 |" INNER_ETH,
     0, true, CFG_DEFAULT, 1, 6, "192.0.2.1", NULL, 12345, 80, 1, check_erspan3},
    {"erspan_type3", LINKTYPE_ETHERNET,
     GRE_OUT("005e") "1000 22eb 00000007 | 200a 0123 11223344 0000 8000 |" INNER_ETH, 0, true,
     CFG_DEFAULT, 1, 6, "192.0.2.1", NULL, 12345, 80, 1, check_erspan3_nosub},
    {"erspan_type3_ip_frame", LINKTYPE_ETHERNET,
     GRE_OUT("0048") "1000 22eb 00000007 | 200a 0123 11223344 0000 0800 |" IP4_UDP, 0, true,
     CFG_DEFAULT, 1, 17, "192.0.2.1", NULL, 54321, 53, 1, check_erspan3_ip},
    {"erspan_type3_unknown_frame_type", LINKTYPE_ETHERNET,
     GRE_OUT("0048") "1000 22eb 00000007 | 200a 0123 11223344 0000 1c00 |" IP4_UDP,
     A(UNKNOWN_ETHERTYPE), true, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 1, NULL},
    {"erspan_type2_bad_version", LINKTYPE_ETHERNET,
     GRE_OUT("005a") "1000 88be 00000007 | 200a 0123 00000005 |" INNER_ETH, A(ERSPAN_BAD_VERSION),
     true, CFG_DEFAULT, 1, 47, "10.0.0.1", NULL, NO_L4, ANY, 0, check_no_tunnel},
    {"erspan_type3_bad_version", LINKTYPE_ETHERNET,
     GRE_OUT("005e") "1000 22eb 00000007 | 100a 0123 11223344 0000 8000 |" INNER_ETH,
     A(ERSPAN_BAD_VERSION), true, CFG_DEFAULT, 1, 47, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"erspan_truncated", LINKTYPE_ETHERNET, GRE_OUT("005a") "1000 88be 00000007 | 100a 3923",
     A(TRUNC_TUNNEL) | A(TRUNC_PAYLOAD), true, CFG_DEFAULT, 1, 47, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"erspan_type3_subheader_truncated", LINKTYPE_ETHERNET,
     GRE_OUT("0066") "1000 22eb 00000007 | 200a 0123 11223344 0000 8001 | 00000000",
     A(TRUNC_TUNNEL) | A(TRUNC_PAYLOAD), true, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 1,
     NULL},
};

static const struct dcase ipip_cases[] = {
    {"ipip_4in4", LINKTYPE_ETHERNET, MACS "0800 |" OUT4("0034", "04") IP4_UDP, 0, true, CFG_DEFAULT,
     1, 17, "192.0.2.1", "198.51.100.2", 54321, 53, 1, check_ipip},
    {"ipip_6in4", LINKTYPE_ETHERNET, MACS "0800 |" OUT4("0048", "29") IP6_UDP, 0, true, CFG_DEFAULT,
     1, 17, "2001:db8::1", "2001:db8::2", 54321, 53, 1, check_ipip},
    {"ipip_4in6", LINKTYPE_RAW, "60000000 00200440 " V6_A V6_B "|" IP4_UDP, 0, true, CFG_DEFAULT, 1,
     17, "192.0.2.1", NULL, 54321, 53, 1, check_4in6},
    {"ipip_not_peeled", LINKTYPE_ETHERNET, MACS "0800 |" OUT4("0034", "04") IP4_UDP, 0, true,
     CFG_NO_PEEL, 1, 4, "10.0.0.1", NULL, NO_L4, ANY, 0, check_no_tunnel},
    {"ipip_inner_not_ip", LINKTYPE_ETHERNET,
     MACS "0800 |" OUT4("0034", "04") "75000020 00010000 40110000 " V4_A V4_B
                                      "| d4310035 000c0000 | deadbeef",
     A(IPV4_BAD_VERSION), true, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 1, NULL},
    /* Six IPv4 headers (sources 10.0.0.1 .. .5, then 192.0.2.1): five nested tunnels. */
    {"depth_cap_ipip", LINKTYPE_RAW,
     "45000084 00010000 40040000 0a000001 0a0000ff | 45000070 00010000 40040000 0a000002 0a0000ff |"
     "4500005c 00010000 40040000 0a000003 0a0000ff | 45000048 00010000 40040000 0a000004 0a0000ff |"
     "45000034 00010000 40040000 0a000005 0a0000ff |" IP4_UDP,
     A(TUNNEL_DEPTH), true, CFG_DEFAULT, 1, 4, "10.0.0.5", "10.0.0.255", NO_L4, ANY,
     PKT_MAX_TUNNELS, check_ipip_chain},
    /* GENEVE -> VXLAN -> GRE -> IPIP -> VXLAN: the fifth is not peeled. */
    {"depth_cap_mixed", LINKTYPE_ETHERNET,
     MACS "0800 |" OUT4(
         "00dc",
         "11") "c001 17c1 00c8 0000 | 0000 0800 00000100 |"
               "450000b8 00010000 40110000 0a010001 0a010002 | c002 12b5 00a4 0000 |" VXLAN100 MACS
               "0800 | 45000086 00010000 402f0000 0a020001 0a020002 | 0000 0800 |"
               "4500006e 00010000 40040000 0a030001 0a030002 |"
               "4500005a 00010000 40110000 0a040001 0a040002 | c003 12b5 0046 0000 |" VXLAN100
                   INNER_ETH,
     A(TUNNEL_DEPTH), true, CFG_DEFAULT, 1, 17, "10.4.0.1", "10.4.0.2", 49155, 4789,
     PKT_MAX_TUNNELS, check_mixed_chain},
};

#define RUN(cases) run_cases(cases, sizeof(cases) / sizeof(cases[0]))

static void test_vxlan(void **state)
{
	(void)state;
	RUN(vxlan_cases);
}

static void test_geneve(void **state)
{
	(void)state;
	RUN(geneve_cases);
}

static void test_gre_erspan(void **state)
{
	(void)state;
	RUN(gre_cases);
}

static void test_ipip_and_depth(void **state)
{
	(void)state;
	RUN(ipip_cases);
}

static void test_cfg_ports(void **state)
{
	(void)state;
	struct decode_cfg cfg;
	memset(&cfg, 0xA5, sizeof(cfg));
	decode_cfg_default(&cfg);
	assert_true(cfg.peel_tunnels);
	assert_int_equal(cfg.n_vxlan_ports, 1);
	assert_int_equal(cfg.vxlan_ports[0], 4789);
	assert_int_equal(cfg.n_geneve_ports, 1);
	assert_int_equal(cfg.geneve_ports[0], 6081);

	assert_int_equal(decode_cfg_add_vxlan_port(&cfg, 4789), 0); /* already there */
	assert_int_equal(cfg.n_vxlan_ports, 1);
	assert_int_equal(decode_cfg_add_vxlan_port(&cfg, 8472), 0);
	assert_int_equal(decode_cfg_add_vxlan_port(&cfg, 8472), 0);
	assert_int_equal(cfg.n_vxlan_ports, 2);
	assert_int_equal(cfg.vxlan_ports[1], 8472);
	for (uint16_t port = 10000; cfg.n_vxlan_ports < DECODE_MAX_PORTS; port++)
		assert_int_equal(decode_cfg_add_vxlan_port(&cfg, port), 0);
	assert_int_equal(decode_cfg_add_vxlan_port(&cfg, 9999), -ENOSPC);
	assert_int_equal(decode_cfg_add_vxlan_port(&cfg, 8472), 0); /* present: still fine */
	assert_int_equal(cfg.n_vxlan_ports, DECODE_MAX_PORTS);

	assert_int_equal(decode_cfg_add_geneve_port(&cfg, 6081), 0);
	assert_int_equal(cfg.n_geneve_ports, 1);
	for (uint16_t port = 20000; cfg.n_geneve_ports < DECODE_MAX_PORTS; port++)
		assert_int_equal(decode_cfg_add_geneve_port(&cfg, port), 0);
	assert_int_equal(decode_cfg_add_geneve_port(&cfg, 6082), -ENOSPC);
	assert_int_equal(cfg.n_vxlan_ports, DECODE_MAX_PORTS); /* lists are separate */
}

static void test_push_tunnel(void **state)
{
	(void)state;
	struct packet p;
	memset(&p, 0, sizeof(p));
	p.src.family = 4;
	p.src.a[0] = 10;
	p.dst.family = 4;
	p.dst.a[0] = 11;
	p.sport = 1000;
	p.dport = 4789;
	p.has_ip = p.has_l4 = true;
	p.proto = 17;
	p.nvlan = 1;
	p.vlan[0] = 7;
	p.mss = 1460;
	p.wscale = 3;
	p.nsack = 1;
	p.payload_len = 99;
	p.icmp_inner.valid = true;
	p.anomalies = A(VXLAN_RESERVED);

	struct tunnel *t = pkt_push_tunnel(&p, TUN_VXLAN);
	assert_ptr_equal(t, &p.tun[0]);
	assert_int_equal(p.ntun, 1);
	assert_int_equal(t->kind, TUN_VXLAN);
	assert_int_equal(t->src.a[0], 10);
	assert_int_equal(t->dst.a[0], 11);
	assert_int_equal(t->sport, 1000);
	assert_int_equal(t->dport, 4789);
	assert_false(t->has_id);
	assert_false(t->gwlb);
	assert_false(p.has_ip);
	assert_false(p.has_l4);
	assert_int_equal(p.src.family, 0);
	assert_int_equal(p.sport, 0);
	assert_int_equal(p.proto, 0);
	assert_int_equal(p.nvlan, 0);
	assert_int_equal(p.nsack, 0);
	assert_int_equal(p.payload_len, 0);
	assert_false(p.icmp_inner.valid);
	assert_int_equal(p.mss, -1);
	assert_int_equal(p.wscale, -1);
	assert_true(p.anomalies == A(VXLAN_RESERVED));

	for (int i = 1; i < PKT_MAX_TUNNELS; i++)
		assert_non_null(pkt_push_tunnel(&p, TUN_GRE));
	p.truncated = false;
	assert_null(pkt_push_tunnel(&p, TUN_IPIP));
	assert_int_equal(p.ntun, PKT_MAX_TUNNELS);
	assert_true(pkt_has_anomaly(&p, ANOM_TUNNEL_DEPTH));
	assert_false(p.truncated); /* depth is not truncation */
}

/* The ERSPAN decoders called without the record gre.c pushes (as a unit test may). */
static void test_erspan_without_record(void **state)
{
	(void)state;
	uint8_t buf[32];
	size_t len = hex_decode("100a 3923 00000005 | 000000000002", buf, sizeof(buf));
	struct packet p;
	memset(&p, 0, sizeof(p));
	p.data = buf;
	p.caplen = (uint32_t)len;
	struct cursor c = cur_make(buf, len);
	assert_int_equal(erspan2_decode(&c, &p), LAYER_ETH);
	assert_int_equal(p.ntun, 0);
	assert_int_equal(p.inner_off, 8);
	assert_int_equal(c.left, 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vxlan),
	    cmocka_unit_test(test_geneve),
	    cmocka_unit_test(test_gre_erspan),
	    cmocka_unit_test(test_ipip_and_depth),
	    cmocka_unit_test(test_cfg_ports),
	    cmocka_unit_test(test_push_tunnel),
	    cmocka_unit_test(test_erspan_without_record),
	};
	return cmocka_run_group_tests_name("decode_tunnel", tests, NULL, NULL);
}
