/* test_decode_ip.c - IPv4 (options, fragments, truncation, total length 0), IPv6 (extension
 * headers, fragments, jumbograms), TCP (options, header length, flags, payload length of
 * truncated copies), UDP lengths, ICMP/ICMPv6 with their embedded original headers. */
#include "decode_cases.h"

/* IPv4 header 192.0.2.1 -> 198.51.100.2: total length and protocol as 4 and 2 hex digits. */
#define IP4H(len, proto) "4500" len " 00010000 40" proto "0000 " V4_A V4_B "| "
/* IPv6 header 2001:db8::1 -> 2001:db8::2: payload length (4 hex digits) and next header. */
#define IP6H(plen, nh) "60000000 " plen nh "40 " V6_A V6_B "| "
/* TCP 12345 -> 80, seq 100, ack 200; data offset and flags byte as 4 hex digits. */
#define TCPH(off_flags) "30390050 00000064 000000c8 " off_flags " faf0 0000 0000 | "
#define UDP12           "d4310035 000c0000 | deadbeef "
#define P10             "01020304050607080900 "
#define P100            P10 P10 P10 P10 P10 P10 P10 P10 P10 P10
#define D60             "3c00 0104 00000000 " /* destination options, next 60, PadN */

static void check_ip_opts(const struct packet *p)
{
	assert_int_equal(p->ip_hlen, 32);
	assert_int_equal(p->ip_len, 44);
	assert_int_equal(p->payload_len, 4);
}

static void check_len_zero(const struct packet *p)
{
	assert_int_equal(p->ip_len, 140);
	assert_int_equal(p->payload_len, 100);
	assert_int_equal(p->payload_caplen, 100);
}

static void check_trunc_payload(const struct packet *p)
{
	assert_true(p->truncated);
	assert_int_equal(p->ip_len, 1040);
	assert_int_equal(p->payload_len, 1000);
	assert_int_equal(p->payload_caplen, 10);
	assert_int_equal(p->tcp_flags, TCP_ACK | TCP_PSH);
}

static void check_first_frag(const struct packet *p)
{
	assert_true(p->is_fragment);
	assert_true(p->more_fragments);
	assert_int_equal(p->frag_offset, 0);
	assert_int_equal(p->frag_id, 0x1234);
	assert_int_equal(p->payload_len, 1000); /* the datagram, per the UDP length */
	assert_int_equal(p->payload_caplen, 16);
}

static void check_later_frag(const struct packet *p)
{
	assert_true(p->is_fragment);
	assert_false(p->more_fragments);
	assert_int_equal(p->frag_offset, 1480);
	assert_int_equal(p->frag_id, 0x1234);
	assert_null(p->payload);
}

static void check_ip4_fields(const struct packet *p)
{
	assert_int_equal(p->tos, 0xb8);
	assert_int_equal(p->ip_id, 0xbeef);
	assert_true(p->df);
	assert_false(p->is_fragment);
	assert_int_equal(p->ttl, 63);
	assert_int_equal(p->ethertype, 0x0800);
}

static void check_v6_chain(const struct packet *p)
{
	assert_int_equal(p->ip_hlen, 104);
	assert_int_equal(p->ip_len, 124);
	assert_int_equal(p->ttl, 64);
	assert_int_equal(p->payload_len, 0);
	assert_false(p->is_fragment);
}

static void check_v6_first_frag(const struct packet *p)
{
	assert_true(p->is_fragment);
	assert_true(p->more_fragments);
	assert_int_equal(p->frag_offset, 0);
	assert_int_equal(p->frag_id, 0xabcd);
	assert_int_equal(p->ip_hlen, 48);
	assert_int_equal(p->payload_len, 1016);
	assert_int_equal(p->payload_caplen, 16);
}

static void check_v6_later_frag(const struct packet *p)
{
	assert_true(p->is_fragment);
	assert_false(p->more_fragments);
	assert_int_equal(p->frag_offset, 1448);
	assert_int_equal(p->frag_id, 0xabcd);
}

static void check_v6_atomic(const struct packet *p)
{
	assert_true(p->is_fragment);
	assert_false(p->more_fragments);
	assert_int_equal(p->frag_offset, 0);
	assert_int_equal(p->payload_len, 4);
}

static void check_jumbo_option(const struct packet *p)
{
	assert_int_equal(p->ip_len, 40 + 65568);
	assert_int_equal(p->ip_hlen, 48);
	assert_int_equal(p->payload_len, 65568 - 8 - 8);
	assert_int_equal(p->payload_caplen, 8);
}

static void check_bigtcp6(const struct packet *p)
{
	assert_int_equal(p->ip_len, 160);
	assert_int_equal(p->payload_len, 100);
	assert_int_equal(p->payload_caplen, 100);
}

static void check_syn_options(const struct packet *p)
{
	assert_int_equal(p->seq, 100);
	assert_int_equal(p->ack, 200);
	assert_int_equal(p->tcp_flags, TCP_SYN);
	assert_int_equal(p->window, 0xfaf0);
	assert_int_equal(p->tcp_hlen, 40);
	assert_int_equal(p->mss, 1460);
	assert_int_equal(p->wscale, 7);
	assert_true(p->sack_permitted);
	assert_true(p->has_ts);
	assert_int_equal(p->tsval, 1);
	assert_int_equal(p->tsecr, 0);
	assert_int_equal(p->nsack, 0);
	assert_int_equal(p->payload_len, 0);
}

static void check_sack2(const struct packet *p)
{
	assert_int_equal(p->nsack, 2);
	assert_int_equal(p->sack[0][0], 100);
	assert_int_equal(p->sack[0][1], 200);
	assert_int_equal(p->sack[1][0], 300);
	assert_int_equal(p->sack[1][1], 400);
	assert_false(p->sack_permitted);
	assert_int_equal(p->mss, -1);
}

static void check_sack4(const struct packet *p)
{
	assert_int_equal(p->nsack, 4);
	assert_int_equal(p->sack[3][0], 700);
	assert_int_equal(p->sack[3][1], 800);
}

static void check_wscale14(const struct packet *p)
{
	assert_int_equal(p->wscale, 14);
}

static void check_mss_only(const struct packet *p)
{
	assert_int_equal(p->mss, 1460);
	assert_int_equal(p->tcp_hlen, 28);
}

static void check_no_mss(const struct packet *p)
{
	assert_int_equal(p->mss, -1);
	assert_false(p->has_ts);
}

static void check_no_payload(const struct packet *p)
{
	assert_null(p->payload);
	assert_int_equal(p->payload_len, 0);
}

static void check_tcp_opts_cut(const struct packet *p)
{
	assert_int_equal(p->tcp_hlen, 40);
	assert_int_equal(p->mss, -1); /* options not walked when cut */
	assert_null(p->payload);
}

static void check_v6_trunc_payload(const struct packet *p)
{
	assert_int_equal(p->ip_len, 1060);
	assert_int_equal(p->payload_len, 1000);
	assert_int_equal(p->payload_caplen, 10);
}

static void check_eth_tcp_padding(const struct packet *p)
{
	assert_int_equal(p->payload_len, 0);
	assert_int_equal(p->payload_caplen, 0);
}

static void check_udp_payload4(const struct packet *p)
{
	assert_int_equal(p->payload_len, 4);
	assert_int_equal(p->payload_caplen, 4);
}

static void check_udp_payload8(const struct packet *p)
{
	assert_int_equal(p->payload_len, 8);
	assert_int_equal(p->payload_caplen, 8);
}

static void check_icmp_echo(const struct packet *p)
{
	assert_int_equal(p->icmp_type, 8);
	assert_int_equal(p->icmp_code, 0);
	assert_int_equal(p->payload_len, 8);
	assert_false(p->icmp_inner.valid);
	assert_int_equal(p->icmp_mtu, 0);
}

static void check_frag_needed(const struct packet *p)
{
	const struct icmp_inner *in = &p->icmp_inner;
	assert_int_equal(p->icmp_type, 3);
	assert_int_equal(p->icmp_code, 4);
	assert_int_equal(p->icmp_mtu, 1400);
	assert_int_equal(p->icmp_mtu32, 1400);
	assert_true(in->valid);
	assert_int_equal(in->proto, 6);
	assert_addr(&in->src, "192.0.2.1");
	assert_addr(&in->dst, "198.51.100.2");
	assert_int_equal(in->sport, 12345);
	assert_int_equal(in->dport, 443);
	assert_int_equal(in->tcp_seq, 0x01020304);
	assert_int_equal(in->ip_len, 1500);
}

static void check_time_exceeded(const struct packet *p)
{
	const struct icmp_inner *in = &p->icmp_inner;
	assert_int_equal(p->icmp_type, 11);
	assert_int_equal(p->icmp_mtu, 0);
	assert_true(in->valid);
	assert_int_equal(in->proto, 17);
	assert_int_equal(in->sport, 54321);
	assert_int_equal(in->dport, 53);
	assert_int_equal(in->tcp_seq, 0);
	assert_int_equal(in->ip_len, 32);
}

static void check_inner_invalid(const struct packet *p)
{
	assert_false(p->icmp_inner.valid);
}

static void check_inner_no_ports(const struct packet *p)
{
	assert_true(p->icmp_inner.valid);
	assert_int_equal(p->icmp_inner.proto, 17);
	assert_int_equal(p->icmp_inner.sport, 0);
	assert_int_equal(p->icmp_inner.dport, 0);
}

static void check_inner_opts_ports(const struct packet *p)
{
	assert_true(p->icmp_inner.valid);
	assert_int_equal(p->icmp_inner.sport, 54321);
	assert_int_equal(p->icmp_inner.dport, 53);
}

static void check_ptb(const struct packet *p)
{
	const struct icmp_inner *in = &p->icmp_inner;
	assert_int_equal(p->icmp_type, 2);
	assert_int_equal(p->icmp_mtu32, 1280);
	assert_int_equal(p->icmp_mtu, 1280);
	assert_true(in->valid);
	assert_addr(&in->src, "2001:db8::1");
	assert_addr(&in->dst, "2001:db8::2");
	assert_int_equal(in->proto, 17);
	assert_int_equal(in->sport, 54321);
	assert_int_equal(in->dport, 53);
	assert_int_equal(in->ip_len, 1064);
}

static void check_ptb_big(const struct packet *p)
{
	assert_int_equal(p->icmp_mtu32, 70000);
	assert_int_equal(p->icmp_mtu, 70000 & 0xFFFF);
}

static void check_v6_unreach_ext(const struct packet *p)
{
	assert_int_equal(p->icmp_type, 1);
	assert_int_equal(p->icmp_code, 4);
	assert_true(p->icmp_inner.valid);
	assert_int_equal(p->icmp_inner.proto, 17);
	assert_int_equal(p->icmp_inner.sport, 54321);
	assert_int_equal(p->icmp_inner.dport, 53);
}

static void check_v6_echo(const struct packet *p)
{
	assert_int_equal(p->icmp_type, 128);
	assert_false(p->icmp_inner.valid);
	assert_int_equal(p->payload_len, 4);
}

static const struct dcase ipv4_cases[] = {
    {"ipv4_options_walked", LINKTYPE_RAW,
     "4800002c 00010000 40110000 " V4_A V4_B "| 0101 070704 00000000 00 0000 |" UDP12, 0, true,
     CFG_DEFAULT, 1, 17, "192.0.2.1", "198.51.100.2", 54321, 53, 0, check_ip_opts},
    {"ipv4_option_eol_then_padding", LINKTYPE_RAW,
     "46000024 00010000 40110000 " V4_A V4_B "| 00ffffff |" UDP12, 0, true, CFG_DEFAULT, 1, 17,
     NULL, NULL, 54321, 53, 0, NULL},
    {"ipv4_option_len_one", LINKTYPE_RAW,
     "46000024 00010000 40110000 " V4_A V4_B "| 07010000 |" UDP12, A(IPV4_BAD_OPTION), true,
     CFG_DEFAULT, 1, 17, NULL, NULL, 54321, 53, 0, NULL},
    {"ipv4_option_len_zero", LINKTYPE_RAW,
     "46000024 00010000 40110000 " V4_A V4_B "| 83000000 |" UDP12, A(IPV4_BAD_OPTION), true,
     CFG_DEFAULT, 1, 17, NULL, NULL, 54321, 53, 0, NULL},
    {"ipv4_option_past_header", LINKTYPE_RAW,
     "46000024 00010000 40110000 " V4_A V4_B "| 44080500 |" UDP12, A(IPV4_BAD_OPTION), true,
     CFG_DEFAULT, 1, 17, NULL, NULL, 54321, 53, 0, NULL},
    {"ipv4_bad_ihl", LINKTYPE_RAW, "44000020 00010000 40110000 " V4_A V4_B "|" UDP12,
     A(IPV4_BAD_IHL), false, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"ipv4_bad_total_length", LINKTYPE_RAW, IP4H("000a", "11") UDP12, A(IPV4_BAD_TOTLEN), false,
     CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"ipv4_bad_version", LINKTYPE_IPV4, "55000020 00010000 40110000 " V4_A V4_B "|" UDP12,
     A(IPV4_BAD_VERSION), false, CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"ipv4_truncated_header", LINKTYPE_RAW, "45000020 00010000 40110000", A(TRUNC_IPV4), true,
     CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"ipv4_truncated_options", LINKTYPE_RAW, "4800002c 00010000 40110000 " V4_A V4_B "| 0101",
     A(TRUNC_IPV4), true, CFG_DEFAULT, 1, 17, "192.0.2.1", "198.51.100.2", NO_L4, ANY, 0, NULL},
    {"ipv4_len_zero_tso", LINKTYPE_RAW, IP4H("0000", "06") TCPH("5010") P100, A(IPV4_LEN_ZERO),
     false, CFG_DEFAULT, 1, 6, NULL, NULL, 12345, 80, 0, check_len_zero},
    {"ipv4_truncated_payload", LINKTYPE_RAW, IP4H("0410", "06") TCPH("5018") P10, A(TRUNC_PAYLOAD),
     true, CFG_DEFAULT, 1, 6, "192.0.2.1", "198.51.100.2", 12345, 80, 0, check_trunc_payload},
    {"ipv4_first_fragment", LINKTYPE_RAW,
     "4500002c 12342000 40110000 " V4_A V4_B "| d4310035 03f00000 |" P10 "aabbccddeeff",
     A(IP_FRAGMENT), true, CFG_DEFAULT, 1, 17, NULL, NULL, 54321, 53, 0, check_first_frag},
    {"ipv4_later_fragment", LINKTYPE_RAW,
     "45000024 123400b9 40110000 " V4_A V4_B "|" P10 "aabbccddeeff", A(IP_FRAGMENT), true,
     CFG_DEFAULT, 1, 17, "192.0.2.1", "198.51.100.2", NO_L4, ANY, 0, check_later_frag},
    {"ipv4_frag_bad_offset", LINKTYPE_RAW,
     "45000024 12343fff 40110000 " V4_A V4_B "|" P10 "aabbccddeeff",
     A(IP_FRAGMENT) | A(FRAG_BAD_OFFSET), true, CFG_DEFAULT, 1, 17, NULL, NULL, NO_L4, ANY, 0,
     NULL},
    {"ipv4_empty_fragment", LINKTYPE_RAW, "45000014 12342000 40110000 " V4_A V4_B,
     A(IP_FRAGMENT) | A(FRAG_BAD_OFFSET), true, CFG_DEFAULT, 1, 17, NULL, NULL, NO_L4, ANY, 0,
     NULL},
    {"ipv4_tiny_first_fragment_tcp", LINKTYPE_RAW,
     "4500001c 12342000 40060000 " V4_A V4_B "| 30390050 00000064", A(IP_FRAGMENT), true,
     CFG_DEFAULT, 1, 6, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"ipv4_fields", LINKTYPE_RAW, "45b80020 beef4000 3f110000 " V4_A V4_B "|" UDP12, 0, true,
     CFG_DEFAULT, 1, 17, NULL, NULL, 54321, 53, 0, check_ip4_fields},
    {"ipv4_unknown_proto", LINKTYPE_RAW, IP4H("0018", "59") "01020304", 0, true, CFG_DEFAULT, 1, 89,
     NULL, NULL, NO_L4, ANY, 0, NULL},
};

static const struct dcase ipv6_cases[] = {
    {"ipv6_ext_chain", LINKTYPE_RAW,
     IP6H("0054", "00") "3c00 0104 00000000 | 2b00 0104 00000000 | 3302 0000 00000000 " V6_A
                        "| 0604 0000 00000001 00000001 000000000000000000000000 |" TCPH("5010"),
     0, true, CFG_DEFAULT, 1, 6, "2001:db8::1", "2001:db8::2", 12345, 80, 0, check_v6_chain},
    {"ipv6_frag_first", LINKTYPE_RAW,
     IP6H("0020", "2c") "1100 0001 0000abcd | d4310035 04000000 |" P10 "aabbccddeeff",
     A(IP_FRAGMENT), true, CFG_DEFAULT, 1, 17, NULL, NULL, 54321, 53, 0, check_v6_first_frag},
    {"ipv6_frag_later", LINKTYPE_RAW, IP6H("0018", "2c") "1100 05a8 0000abcd |" P10 "aabbccddeeff",
     A(IP_FRAGMENT), true, CFG_DEFAULT, 1, 17, NULL, NULL, NO_L4, ANY, 0, check_v6_later_frag},
    {"ipv6_frag_atomic", LINKTYPE_RAW, IP6H("0014", "2c") "1100 0000 0000abcd |" UDP12,
     A(IP_FRAGMENT), true, CFG_DEFAULT, 1, 17, NULL, NULL, 54321, 53, 0, check_v6_atomic},
    {"ipv6_frag_bad_offset", LINKTYPE_RAW,
     IP6H("0018", "2c") "1100 fff8 0000abcd |" P10 "aabb"
                        "ccddeeff",
     A(IP_FRAGMENT) | A(FRAG_BAD_OFFSET), true, CFG_DEFAULT, 1, 17, NULL, NULL, NO_L4, ANY, 0,
     NULL},
    {"ipv6_jumbo_option", LINKTYPE_RAW,
     IP6H("0000", "00") "1100 c204 00010020 | d4310035 00000000 | 0102030405060708",
     A(IPV6_JUMBO) | A(TRUNC_PAYLOAD), true, CFG_DEFAULT, 1, 17, NULL, NULL, 54321, 53, 0,
     check_jumbo_option},
    {"ipv6_bigtcp", LINKTYPE_RAW, IP6H("0000", "06") TCPH("5010") P100, A(IPV6_JUMBO), false,
     CFG_DEFAULT, 1, 6, NULL, NULL, 12345, 80, 0, check_bigtcp6},
    {"ipv6_ext_limit", LINKTYPE_RAW,
     IP6H("0054", "3c") D60 D60 D60 D60 D60 D60 D60 D60 "1100 0104 00000000 |" UDP12,
     A(IPV6_EXT_LIMIT), true, CFG_DEFAULT, 1, 60, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"ipv6_ext_past_payload", LINKTYPE_RAW,
     IP6H("0010", "00") "1105 0000 00000000 | 0102030405060708", A(IPV6_BAD_EXTHDR), true,
     CFG_DEFAULT, 1, 0, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"ipv6_ext_truncated", LINKTYPE_RAW,
     IP6H("0054", "00") "3c00 0104 00000000 | 2b00 0104 00000000 | 3302 0000 00000000 20010db8",
     A(TRUNC_IPV6), true, CFG_DEFAULT, 1, 43, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"ipv6_esp", LINKTYPE_RAW, IP6H("0018", "32") "00001234 00000001" P10 "aabbccddeeff", 0, false,
     CFG_DEFAULT, 1, 50, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"ipv6_no_next_header", LINKTYPE_RAW, IP6H("0000", "3b"), 0, true, CFG_DEFAULT, 1, 59, NULL,
     NULL, NO_L4, ANY, 0, NULL},
    {"ipv6_truncated_header", LINKTYPE_RAW, "60000000 000c1140 20010db8", A(TRUNC_IPV6), true,
     CFG_DEFAULT, 0, ANY, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"ipv6_truncated_payload", LINKTYPE_RAW, IP6H("03fc", "06") TCPH("5018") P10, A(TRUNC_PAYLOAD),
     true, CFG_DEFAULT, 1, 6, NULL, NULL, 12345, 80, 0, check_v6_trunc_payload},
};

static const struct dcase tcp_cases[] = {
    {"tcp_syn_options", LINKTYPE_RAW,
     IP4H("003c", "06") TCPH("a002") "020405b4 0402 080a 00000001 00000000 01 030307", 0, true,
     CFG_DEFAULT, 1, 6, "192.0.2.1", "198.51.100.2", 12345, 80, 0, check_syn_options},
    {"tcp_sack_two", LINKTYPE_RAW,
     IP4H("003c", "06") TCPH("a010") "0101 0512 00000064 000000c8 0000012c 00000190", 0, true,
     CFG_DEFAULT, 1, 6, NULL, NULL, 12345, 80, 0, check_sack2},
    {"tcp_sack_four", LINKTYPE_RAW,
     IP4H("0050", "06") TCPH("f010") "0101 0522 00000064 000000c8 0000012c 00000190 000001f4 "
                                     "00000258 000002bc 00000320 01010101",
     0, true, CFG_DEFAULT, 1, 6, NULL, NULL, 12345, 80, 0, check_sack4},
    {"tcp_wscale_clamped", LINKTYPE_RAW, IP4H("002c", "06") TCPH("6002") "0103030f", 0, true,
     CFG_DEFAULT, 1, 6, NULL, NULL, 12345, 80, 0, check_wscale14},
    {"tcp_unknown_option_skipped", LINKTYPE_RAW,
     IP4H("0030", "06") TCPH("7002") "1e040000 020405b4", 0, true, CFG_DEFAULT, 1, 6, NULL, NULL,
     12345, 80, 0, check_mss_only},
    {"tcp_option_mss_bad_len", LINKTYPE_RAW, IP4H("002c", "06") TCPH("6002") "02030500",
     A(TCP_BAD_OPTION), true, CFG_DEFAULT, 1, 6, NULL, NULL, 12345, 80, 0, check_no_mss},
    {"tcp_option_len_zero", LINKTYPE_RAW, IP4H("002c", "06") TCPH("6010") "08000000",
     A(TCP_BAD_OPTION), true, CFG_DEFAULT, 1, 6, NULL, NULL, 12345, 80, 0, check_no_mss},
    {"tcp_option_past_header", LINKTYPE_RAW, IP4H("002c", "06") TCPH("6010") "080a0000",
     A(TCP_BAD_OPTION), true, CFG_DEFAULT, 1, 6, NULL, NULL, 12345, 80, 0, check_no_mss},
    {"tcp_hlen_below_20", LINKTYPE_RAW, IP4H("0028", "06") TCPH("4010"), A(TCP_BAD_HLEN), true,
     CFG_DEFAULT, 1, 6, NULL, NULL, 12345, 80, 0, check_no_payload},
    {"tcp_hlen_past_segment", LINKTYPE_RAW, IP4H("0028", "06") TCPH("f010"), A(TCP_BAD_HLEN), true,
     CFG_DEFAULT, 1, 6, NULL, NULL, 12345, 80, 0, check_no_payload},
    {"tcp_segment_below_20", LINKTYPE_RAW, IP4H("001c", "06") "30390050 00000064", A(TCP_BAD_HLEN),
     true, CFG_DEFAULT, 1, 6, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"tcp_truncated_header", LINKTYPE_RAW, IP4H("0028", "06") "30390050 00000064 0000",
     A(TRUNC_TCP) | A(TRUNC_PAYLOAD), true, CFG_DEFAULT, 1, 6, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"tcp_truncated_options", LINKTYPE_RAW, IP4H("003c", "06") TCPH("a002") "020405b4",
     A(TRUNC_TCP) | A(TRUNC_PAYLOAD), true, CFG_DEFAULT, 1, 6, NULL, NULL, 12345, 80, 0,
     check_tcp_opts_cut},
    {"tcp_syn_fin", LINKTYPE_RAW, IP4H("0028", "06") TCPH("5003"), A(TCP_BAD_FLAGS), true,
     CFG_DEFAULT, 1, 6, NULL, NULL, 12345, 80, 0, NULL},
    {"tcp_syn_rst", LINKTYPE_RAW, IP4H("0028", "06") TCPH("5006"), A(TCP_BAD_FLAGS), true,
     CFG_DEFAULT, 1, 6, NULL, NULL, 12345, 80, 0, NULL},
    {"tcp_no_flags", LINKTYPE_RAW, IP4H("0028", "06") TCPH("5000"), A(TCP_BAD_FLAGS), true,
     CFG_DEFAULT, 1, 6, NULL, NULL, 12345, 80, 0, NULL},
    {"tcp_fin_ack_ok", LINKTYPE_RAW, IP4H("0028", "06") TCPH("5011"), 0, true, CFG_DEFAULT, 1, 6,
     NULL, NULL, 12345, 80, 0, NULL},
    {"tcp_eth_padding", LINKTYPE_ETHERNET,
     MACS "0800 |" IP4H("0028", "06") TCPH("5010") "000000"
                                                   "000000",
     0, false, CFG_DEFAULT, 1, 6, NULL, NULL, 12345, 80, 0, check_eth_tcp_padding},
};

static const struct dcase udp_cases[] = {
    {"udp_len_below_8", LINKTYPE_RAW, IP4H("0020", "11") "d4310035 00040000 | deadbeef",
     A(UDP_BAD_LEN), true, CFG_DEFAULT, 1, 17, NULL, NULL, 54321, 53, 0, check_udp_payload4},
    {"udp_len_past_ip", LINKTYPE_RAW, IP4H("0020", "11") "d4310035 00640000 | deadbeef",
     A(UDP_BAD_LEN), true, CFG_DEFAULT, 1, 17, NULL, NULL, 54321, 53, 0, check_udp_payload4},
    {"udp_len_inside_ip", LINKTYPE_RAW, IP4H("0024", "11") "d4310035 000c0000 | deadbeef 00000000",
     0, true, CFG_DEFAULT, 1, 17, NULL, NULL, 54321, 53, 0, check_udp_payload4},
    {"udp_truncated", LINKTYPE_RAW, IP4H("0020", "11") "d4310035 00",
     A(TRUNC_UDP) | A(TRUNC_PAYLOAD), true, CFG_DEFAULT, 1, 17, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"udp_ip_too_short", LINKTYPE_RAW, IP4H("0018", "11") "d4310035", A(UDP_BAD_LEN), true,
     CFG_DEFAULT, 1, 17, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"udp_ipv6", LINKTYPE_RAW, IP6H("0010", "11") "d4310035 00100000 | 0102030405060708", 0, true,
     CFG_DEFAULT, 1, 17, NULL, NULL, 54321, 53, 0, check_udp_payload8},
};

/* ICMP messages from 10.0.0.1 (a router) to 192.0.2.1; embedded packets 192.0.2.1 ->
 * 198.51.100.2. */
#define ICMP4H(len) "4500" len " 00010000 40010000 " V4_C V4_A "| "
#define EMB4_TCP    "450005dc 43214000 3f060000 " V4_A V4_B "| 303901bb 01020304 "
#define EMB4_UDP    "45000020 43210000 3f110000 " V4_A V4_B "| d4310035 000c0000 "
/* ICMPv6 from 2001:db8::2 to 2001:db8::1; embedded 2001:db8::1 -> 2001:db8::2. */
#define ICMP6H(plen) "60000000 " plen "3a40 " V6_B V6_A "| "
#define EMB6(nh)     "60000000 0400" nh "40 " V6_A V6_B "| "

static const struct dcase icmp_cases[] = {
    {"icmp_echo", LINKTYPE_RAW, ICMP4H("0024") "0800 0000 00010001 | 0102030405060708", 0, true,
     CFG_DEFAULT, 1, 1, "10.0.0.1", "192.0.2.1", NO_L4, ANY, 0, check_icmp_echo},
    {"icmp_frag_needed", LINKTYPE_RAW, ICMP4H("0038") "0304 0000 00000578 |" EMB4_TCP, 0, true,
     CFG_DEFAULT, 1, 1, NULL, NULL, NO_L4, ANY, 0, check_frag_needed},
    {"icmp_time_exceeded_udp", LINKTYPE_RAW, ICMP4H("0038") "0b00 0000 00000000 |" EMB4_UDP, 0,
     true, CFG_DEFAULT, 1, 1, NULL, NULL, NO_L4, ANY, 0, check_time_exceeded},
    {"icmp_unreach_no_inner", LINKTYPE_RAW, ICMP4H("001c") "0301 0000 00000000", A(ICMP_BAD_INNER),
     true, CFG_DEFAULT, 1, 1, NULL, NULL, NO_L4, ANY, 0, check_inner_invalid},
    {"icmp_inner_bad_version", LINKTYPE_RAW,
     ICMP4H("0030") "0301 0000 00000000 | 65000020 43210000 3f110000 " V4_A V4_B, A(ICMP_BAD_INNER),
     true, CFG_DEFAULT, 1, 1, NULL, NULL, NO_L4, ANY, 0, check_inner_invalid},
    {"icmp_inner_cut_by_capture", LINKTYPE_RAW,
     ICMP4H("0038") "0b00 0000 00000000 | 45000020 43210000 3f11", A(TRUNC_ICMP) | A(TRUNC_PAYLOAD),
     true, CFG_DEFAULT, 1, 1, NULL, NULL, NO_L4, ANY, 0, check_inner_invalid},
    {"icmp_inner_with_options", LINKTYPE_RAW,
     ICMP4H("003c") "0b00 0000 00000000 | 46000024 43210000 3f110000 " V4_A V4_B
                    "| 01010100 | d4310035 000c0000",
     0, true, CFG_DEFAULT, 1, 1, NULL, NULL, NO_L4, ANY, 0, check_inner_opts_ports},
    {"icmp_inner_later_fragment", LINKTYPE_RAW,
     ICMP4H("0038") "0b01 0000 00000000 | 45000020 432100b9 3f110000 " V4_A V4_B
                    "| d4310035 000c0000",
     0, true, CFG_DEFAULT, 1, 1, NULL, NULL, NO_L4, ANY, 0, check_inner_no_ports},
    {"icmp_truncated_header", LINKTYPE_RAW, ICMP4H("001c") "0800 0000 00",
     A(TRUNC_ICMP) | A(TRUNC_PAYLOAD), true, CFG_DEFAULT, 1, 1, NULL, NULL, NO_L4, ANY, 0, NULL},
    {"icmpv6_packet_too_big", LINKTYPE_RAW,
     ICMP6H("0038") "0200 0000 00000500 |" EMB6("11") "d4310035 04000000", 0, true, CFG_DEFAULT, 1,
     58, "2001:db8::2", "2001:db8::1", NO_L4, ANY, 0, check_ptb},
    {"icmpv6_packet_too_big_70000", LINKTYPE_RAW,
     ICMP6H("0038") "0200 0000 00011170 |" EMB6("11") "d4310035 04000000", 0, true, CFG_DEFAULT, 1,
     58, NULL, NULL, NO_L4, ANY, 0, check_ptb_big},
    {"icmpv6_unreach_ext_header", LINKTYPE_RAW,
     ICMP6H("0040") "0104 0000 00000000 |" EMB6("3c") "1100 0104 00000000 | d4310035 04000000", 0,
     true, CFG_DEFAULT, 1, 58, NULL, NULL, NO_L4, ANY, 0, check_v6_unreach_ext},
    {"icmpv6_time_exceeded_fragment", LINKTYPE_RAW,
     ICMP6H("0040") "0300 0000 00000000 |" EMB6("2c") "1100 05a8 0000abcd | d4310035 04000000", 0,
     true, CFG_DEFAULT, 1, 58, NULL, NULL, NO_L4, ANY, 0, check_inner_no_ports},
    {"icmpv6_echo", LINKTYPE_RAW, ICMP6H("000c") "8000 0000 00010001 | deadbeef", 0, true,
     CFG_DEFAULT, 1, 58, NULL, NULL, NO_L4, ANY, 0, check_v6_echo},
    {"icmpv6_unreach_no_inner", LINKTYPE_RAW, ICMP6H("0008") "0101 0000 00000000",
     A(ICMP_BAD_INNER), true, CFG_DEFAULT, 1, 58, NULL, NULL, NO_L4, ANY, 0, check_inner_invalid},
    {"icmpv6_inner_bad_version", LINKTYPE_RAW,
     ICMP6H("0030") "0101 0000 00000000 | 45000020 00010000 40110000 " V4_A V4_B
                    "00000000 00000000 00000000 00000000 00000000",
     A(ICMP_BAD_INNER), true, CFG_DEFAULT, 1, 58, NULL, NULL, NO_L4, ANY, 0, check_inner_invalid},
};

#define RUN(cases) run_cases(cases, sizeof(cases) / sizeof(cases[0]))

static void test_ipv4(void **state)
{
	(void)state;
	RUN(ipv4_cases);
}

static void test_ipv6(void **state)
{
	(void)state;
	RUN(ipv6_cases);
}

static void test_tcp(void **state)
{
	(void)state;
	RUN(tcp_cases);
}

static void test_udp(void **state)
{
	(void)state;
	RUN(udp_cases);
}

static void test_icmp(void **state)
{
	(void)state;
	RUN(icmp_cases);
}

/* The decoders called on their own, as the header allows: a bare TCP header with no IP
 * layer takes its segment size from the cursor. */
static void test_tcp_decode_bare(void **state)
{
	(void)state;
	uint8_t buf[64];
	size_t len = hex_decode(TCPH("6002") "020405b4 | cafe", buf, sizeof(buf));
	struct packet p;
	memset(&p, 0, sizeof(p));
	p.mss = -1;
	p.wscale = -1;
	p.data = buf;
	p.caplen = (uint32_t)len;
	struct cursor c = cur_make(buf, len);
	assert_int_equal(tcp_decode(&c, &p), LAYER_END);
	assert_true(p.has_l4);
	assert_int_equal(p.mss, 1460);
	assert_int_equal(p.payload_len, 2);
	assert_int_equal(p.payload_caplen, 2);
	assert_ptr_equal(p.payload, buf + 24);
	assert_true(p.anomalies == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ipv4), cmocka_unit_test(test_ipv6),
	    cmocka_unit_test(test_tcp),  cmocka_unit_test(test_udp),
	    cmocka_unit_test(test_icmp), cmocka_unit_test(test_tcp_decode_bare),
	};
	return cmocka_run_group_tests_name("decode_ip", tests, NULL, NULL);
}
