/* test_mirror_filter.c - the AWS Traffic Mirroring decision, one test per rule of
 * ../shared/spec/aws-mirroring.md 1.3-1.5, 2 and 4.4-4.5, every [UNVERIFIED] choice included
 * (docs/aws-model.md lists them). */
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
#include "mirror/aws_config.h"
#include "mirror/mirror_filter.h"

/* The source ENI of every test: 10.0.1.5 and 2001:db8:1::5 in VPC 10.0.0.0/16. */
#define HOSTMAP                                                                                    \
	"'VxscopeHostMap':{'NetworkInterfaces':[{'NetworkInterfaceId':'eni-src',"                  \
	"'Addresses':['10.0.1.5','2001:db8:1::5'],'VpcCidrBlocks':['10.0.0.0/16']}],"              \
	"'Targets':[{'TrafficMirrorTargetId':'tmt-eni','Addresses':['10.0.2.9'],'Mtu':9001}]}"
#define TARGETS                                                                                    \
	"'TrafficMirrorTargets':[{'TrafficMirrorTargetId':'tmt-eni','NetworkInterfaceId':'eni-t'," \
	"'Type':'network-interface'}]"
/* One session (number 1, VNI 7) on eni-src with filter tmf-1. */
#define SESSION1                                                                                   \
	"'TrafficMirrorSessions':[{'TrafficMirrorSessionId':'tms-1','NetworkInterfaceId':'eni-"    \
	"src',"                                                                                    \
	"'TrafficMirrorTargetId':'tmt-eni','TrafficMirrorFilterId':'tmf-1','SessionNumber':1,"     \
	"'VirtualNetworkId':7}]"
#define ANY4 "'SourceCidrBlock':'0.0.0.0/0','DestinationCidrBlock':'0.0.0.0/0'"
#define ANY6 "'SourceCidrBlock':'::/0','DestinationCidrBlock':'::/0'"

static struct aws_config cfg;
static struct aws_diags diags;

/* Load a document written with ' for " and validate it; the config must be valid. */
static void load(const char *sq)
{
	char *s = strdup(sq);
	assert_non_null(s);
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	struct aws_error err;
	aws_config_free(&cfg);
	aws_config_init(&cfg);
	if (aws_config_load_string(&cfg, "test", s, strlen(s), &err))
		fail_msg("load: %s", err.msg);
	free(s);
	if (aws_config_validate(&cfg, &diags))
		fail_msg("validate: %s", diags.d[0].msg);
}

/* A filter tmf-1 with these ingress and egress rule lists (JSON array bodies). */
static void load_filter(const char *ingress, const char *egress, bool amazon_dns)
{
	char doc[8192];
	snprintf(doc, sizeof(doc),
	         "{'TrafficMirrorFilters':[{'TrafficMirrorFilterId':'tmf-1',"
	         "'IngressFilterRules':[%s],'EgressFilterRules':[%s],'NetworkServices':[%s]}],"
	         "%s,%s,%s}",
	         ingress, egress, amazon_dns ? "'amazon-dns'" : "", SESSION1, TARGETS, HOSTMAP);
	load(doc);
}

static const struct aws_eni *src_eni(void)
{
	const struct aws_eni *e = aws_config_eni(&cfg, "eni-src");
	assert_non_null(e);
	return e;
}

static struct mirror_facts facts(const char *src, const char *dst, uint8_t proto, uint16_t sport,
                                 uint16_t dport)
{
	struct mirror_facts f;
	memset(&f, 0, sizeof(f));
	assert_int_equal(ipaddr_parse(src, &f.src), 0);
	assert_int_equal(ipaddr_parse(dst, &f.dst), 0);
	f.has_ip = true;
	f.ip_ver = f.src.family;
	f.ethertype = f.ip_ver == 4 ? 0x0800 : 0x86dd;
	f.proto = proto;
	f.has_ports = proto == 6 || proto == 17;
	f.sport = sport;
	f.dport = dport;
	f.frame_len = 100;
	return f;
}

/* Decide for f on eni-src in its natural direction (from the ENI's addresses). */
static struct mirror_decision decide_opts(const struct mirror_facts *f, bool reject_stops)
{
	enum mirror_dir dir = MIRROR_INGRESS;
	struct mirror_decision d;
	struct mirror_opts o = {.reject_stops = reject_stops};
	int rc = mirror_direction(src_eni(), f, &dir);
	assert_true(rc == 0 || rc == -ENOENT);
	mirror_decide(src_eni(), dir, f, &o, &d);
	return d;
}

static struct mirror_decision decide(const struct mirror_facts *f)
{
	return decide_opts(f, false);
}

/* Spec 1.3: ascending rule number, first match decides (the AWS SSH example, rules listed
 * out of order in the JSON). */
static void test_first_match_decides(void **state)
{
	(void)state;
	load_filter("{'RuleNumber':20,'RuleAction':'accept','Protocol':6," ANY4 "},"
	            "{'RuleNumber':10,'RuleAction':'reject','Protocol':6,"
	            "'DestinationPortRange':{'FromPort':22,'ToPort':22},"
	            "'SourceCidrBlock':'198.51.100.0/24','DestinationCidrBlock':'10.0.0.0/16'}",
	            "", false);
	struct mirror_facts f = facts("198.51.100.7", "10.0.1.5", 6, 40000, 22);
	struct mirror_decision d = decide(&f);
	assert_int_equal(d.reason, MIRROR_REJECTED);
	assert_int_equal(d.rule_number, 10);
	assert_string_equal(d.session->id, "tms-1");
	assert_false(d.accept);
	assert_int_equal(d.snap, 0);
	f.dport = 80;
	d = decide(&f);
	assert_int_equal(d.reason, MIRROR_MIRRORED);
	assert_int_equal(d.rule_number, 20);
	assert_true(d.accept);
	f = facts("203.0.113.1", "10.0.1.5", 6, 40000, 22); /* not from my-network: rule 20 */
	d = decide(&f);
	assert_int_equal(d.rule_number, 20);
}

/* Spec 1.3: no match is not mirrored; an empty direction mirrors nothing; only the list of
 * the packet's direction is consulted. */
static void test_no_match_and_direction_lists(void **state)
{
	(void)state;
	load_filter("{'RuleNumber':1,'RuleAction':'accept','Protocol':17," ANY4 "}", "", false);
	struct mirror_facts f = facts("192.0.2.1", "10.0.1.5", 6, 1, 2);
	assert_int_equal(decide(&f).reason, MIRROR_NO_MATCH);
	f = facts("192.0.2.1", "10.0.1.5", 17, 1, 2); /* ingress UDP: rule 1 */
	assert_int_equal(decide(&f).reason, MIRROR_MIRRORED);
	f = facts("10.0.1.5", "192.0.2.1", 17, 2, 1); /* egress: no egress rules */
	struct mirror_decision d = decide(&f);
	assert_int_equal(d.reason, MIRROR_NO_MATCH);
	assert_null(d.session);
	assert_int_equal(d.rule_number, -1);
	/* the same rule in the egress list only: ingress is no longer mirrored */
	load_filter("", "{'RuleNumber':1,'RuleAction':'accept','Protocol':17," ANY4 "}", false);
	assert_int_equal(decide(&f).reason, MIRROR_MIRRORED);
	f = facts("192.0.2.1", "10.0.1.5", 17, 1, 2);
	assert_int_equal(decide(&f).reason, MIRROR_NO_MATCH);
	load_filter("", "", false); /* a filter without rules mirrors nothing */
	assert_int_equal(decide(&f).reason, MIRROR_NO_MATCH);
}

/* Spec 1.2: Protocol absent = all protocols ([INFERENCE]: 0 too); present = that number. */
static void test_protocol(void **state)
{
	(void)state;
	load_filter("{'RuleNumber':1,'RuleAction':'accept','Protocol':1," ANY4 "},"
	            "{'RuleNumber':2,'RuleAction':'reject','Protocol':0," ANY4 "}",
	            "{'RuleNumber':1,'RuleAction':'accept'," ANY4 "}", false);
	struct mirror_facts f = facts("192.0.2.1", "10.0.1.5", 1, 0, 0);
	assert_int_equal(decide(&f).rule_number, 1);
	f = facts("192.0.2.1", "10.0.1.5", 47, 0, 0); /* GRE: only the all-protocols rule 2 */
	assert_int_equal(decide(&f).rule_number, 2);
	static const uint8_t protos[] = {1, 6, 17, 47, 50, 132};
	for (size_t i = 0; i < sizeof(protos); i++) {
		f = facts("10.0.1.5", "192.0.2.1", protos[i], 1, 2);
		assert_int_equal(decide(&f).reason, MIRROR_MIRRORED);
	}
}

/* Spec 1.2: port ranges inclusive, source and destination, for TCP and UDP. */
static void test_port_ranges(void **state)
{
	(void)state;
	load_filter("{'RuleNumber':1,'RuleAction':'accept','Protocol':6,"
	            "'SourcePortRange':{'FromPort':1024,'ToPort':65535},"
	            "'DestinationPortRange':{'FromPort':80,'ToPort':443}," ANY4 "},"
	            "{'RuleNumber':2,'RuleAction':'accept','Protocol':17,"
	            "'DestinationPortRange':{'FromPort':53,'ToPort':53}," ANY4 "}",
	            "", false);
	static const struct {
		uint8_t proto;
		uint16_t sport, dport;
		bool mirrored;
	} cases[] = {
	    {6, 1024, 80, true},  {6, 65535, 443, true}, {6, 1023, 80, false},
	    {6, 2000, 79, false}, {6, 2000, 444, false}, {6, 2000, 200, true},
	    {17, 5, 53, true},    {17, 5, 54, false},    {17, 53, 5, false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mirror_facts f =
		    facts("192.0.2.1", "10.0.1.5", cases[i].proto, cases[i].sport, cases[i].dport);
		if ((decide(&f).reason == MIRROR_MIRRORED) != cases[i].mirrored)
			fail_msg("case %zu: proto %u %u > %u", i, cases[i].proto, cases[i].sport,
			         cases[i].dport);
	}
}

/* [UNVERIFIED] a port range on a non-TCP/UDP rule is ignored (and validate warns); a port
 * range on an all-protocols rule is checked for TCP/UDP packets and ignored for others. */
static void test_ports_ignored_for_other_protocols(void **state)
{
	(void)state;
	load_filter("{'RuleNumber':1,'RuleAction':'accept','Protocol':1,"
	            "'DestinationPortRange':{'FromPort':80,'ToPort':80}," ANY4 "}",
	            "{'RuleNumber':1,'RuleAction':'accept',"
	            "'DestinationPortRange':{'FromPort':443,'ToPort':443}," ANY4 "}",
	            false);
	assert_int_equal(diags.warnings, 2);
	struct mirror_facts f = facts("192.0.2.1", "10.0.1.5", 1, 0, 0); /* ICMP echo */
	struct mirror_decision d = decide(&f);
	assert_int_equal(d.reason, MIRROR_MIRRORED);
	f = facts("10.0.1.5", "192.0.2.1", 1, 0, 0); /* egress ICMP: ports ignored */
	assert_int_equal(decide(&f).reason, MIRROR_MIRRORED);
	f = facts("10.0.1.5", "192.0.2.1", 6, 5000, 443);
	assert_int_equal(decide(&f).reason, MIRROR_MIRRORED);
	f = facts("10.0.1.5", "192.0.2.1", 6, 5000, 80);
	assert_int_equal(decide(&f).reason, MIRROR_NO_MATCH);
}

/* Choice: a TCP/UDP packet whose ports are unknown (a non-first fragment) never matches a
 * rule with a port range; it still matches a rule without one. */
static void test_fragment_without_ports(void **state)
{
	(void)state;
	load_filter("{'RuleNumber':1,'RuleAction':'accept','Protocol':17,"
	            "'DestinationPortRange':{'FromPort':0,'ToPort':65535}," ANY4 "}",
	            "{'RuleNumber':1,'RuleAction':'accept','Protocol':17," ANY4 "}", false);
	struct mirror_facts f = facts("192.0.2.1", "10.0.1.5", 17, 0, 0);
	f.has_ports = false;
	assert_int_equal(decide(&f).reason, MIRROR_NO_MATCH);
	f = facts("10.0.1.5", "192.0.2.1", 17, 0, 0);
	f.has_ports = false;
	assert_int_equal(decide(&f).reason, MIRROR_MIRRORED);
}

/* Spec 1.2 [INFERENCE]: an IPv4 rule never matches IPv6 (not even 0.0.0.0/0), and back. */
static void test_address_families(void **state)
{
	(void)state;
	load_filter("{'RuleNumber':1,'RuleAction':'accept'," ANY4 "}",
	            "{'RuleNumber':1,'RuleAction':'accept'," ANY6 "}", false);
	struct mirror_facts f = facts("2001:db8::9", "2001:db8:1::5", 6, 1, 2);
	assert_int_equal(decide(&f).reason, MIRROR_NO_MATCH);
	f = facts("192.0.2.1", "10.0.1.5", 6, 1, 2);
	assert_int_equal(decide(&f).reason, MIRROR_MIRRORED);
	f = facts("2001:db8:1::5", "2001:db8::9", 6, 1, 2);
	assert_int_equal(decide(&f).reason, MIRROR_MIRRORED);
	f = facts("10.0.1.5", "192.0.2.1", 6, 1, 2);
	assert_int_equal(decide(&f).reason, MIRROR_NO_MATCH);
	/* CIDR blocks: prefixes count */
	load_filter("{'RuleNumber':1,'RuleAction':'accept','SourceCidrBlock':'192.0.2.128/25',"
	            "'DestinationCidrBlock':'10.0.1.5/32'}",
	            "", false);
	f = facts("192.0.2.200", "10.0.1.5", 6, 1, 2);
	assert_int_equal(decide(&f).reason, MIRROR_MIRRORED);
	f = facts("192.0.2.100", "10.0.1.5", 6, 1, 2);
	assert_int_equal(decide(&f).reason, MIRROR_NO_MATCH);
}

/* Spec 1.4: Amazon DNS (VPC base + 2) is mirrored only by a filter with amazon-dns;
 * [UNVERIFIED] 169.254.169.253 counts; [UNVERIFIED] the switch is independent of the rules
 * (an accept-all rule does not mirror it, a reject rule does not stop it). */
static void test_amazon_dns(void **state)
{
	(void)state;
	load_filter("{'RuleNumber':1,'RuleAction':'accept'," ANY4 "}",
	            "{'RuleNumber':1,'RuleAction':'accept'," ANY4 "}", false);
	struct mirror_facts q = facts("10.0.1.5", "10.0.0.2", 17, 40000, 53);
	struct mirror_facts a = facts("10.0.0.2", "10.0.1.5", 17, 53, 40000);
	struct mirror_facts ll = facts("10.0.1.5", "169.254.169.253", 6, 40000, 53);
	struct mirror_facts other = facts("10.0.1.5", "8.8.8.8", 17, 40000, 53);
	struct mirror_facts not53 = facts("10.0.1.5", "10.0.0.2", 17, 40000, 5353);
	assert_true(mirror_is_amazon_dns(src_eni(), &q));
	assert_true(mirror_is_amazon_dns(src_eni(), &a));
	assert_true(mirror_is_amazon_dns(NULL, &ll));
	assert_false(mirror_is_amazon_dns(src_eni(), &other));
	assert_false(mirror_is_amazon_dns(src_eni(), &not53));
	assert_false(mirror_is_amazon_dns(NULL, &q)); /* base + 2 needs the VPC CIDR */
	assert_int_equal(decide(&q).reason, MIRROR_AMAZON_DNS);
	assert_int_equal(decide(&a).reason, MIRROR_AMAZON_DNS);
	assert_int_equal(decide(&ll).reason, MIRROR_AMAZON_DNS);
	assert_int_equal(decide(&other).reason, MIRROR_MIRRORED);
	assert_int_equal(decide(&not53).reason, MIRROR_MIRRORED);
	/* with amazon-dns: mirrored by the network service, even with a reject rule first */
	load_filter("{'RuleNumber':1,'RuleAction':'reject'," ANY4 "}", "", true);
	struct mirror_decision d = decide(&q);
	assert_int_equal(d.reason, MIRROR_MIRRORED);
	assert_true(d.by_network_service);
	assert_int_equal(d.rule_number, 0);
	assert_int_equal(decide(&a).reason, MIRROR_MIRRORED);
	assert_int_equal(decide(&other).reason, MIRROR_NO_MATCH); /* no egress rules */
}

/* Spec 1.5: ARP, DHCP, IMDS, Time Sync, Windows activation never mirrored, whatever the
 * rules; [UNVERIFIED] the IPv6 endpoints and KMS addresses. */
static void test_never_mirrored(void **state)
{
	(void)state;
	load_filter("{'RuleNumber':1,'RuleAction':'accept'," ANY4 "},"
	            "{'RuleNumber':2,'RuleAction':'accept'," ANY6 "}",
	            "{'RuleNumber':1,'RuleAction':'accept'," ANY4 "},"
	            "{'RuleNumber':2,'RuleAction':'accept'," ANY6 "}",
	            true);
	struct mirror_facts arp;
	memset(&arp, 0, sizeof(arp));
	arp.ethertype = ETHERTYPE_NUM_ARP;
	arp.frame_len = 60;
	struct mirror_decision d;
	mirror_decide(src_eni(), MIRROR_INGRESS, &arp, NULL, &d);
	assert_int_equal(d.reason, MIRROR_NEVER_ARP);
	assert_null(d.session);
	static const struct {
		const char *src, *dst;
		uint8_t proto;
		uint16_t sport, dport;
		enum mirror_reason want;
	} cases[] = {
	    {"10.0.1.5", "10.0.0.1", 17, 68, 67, MIRROR_NEVER_DHCP},
	    {"10.0.0.1", "10.0.1.5", 17, 67, 68, MIRROR_NEVER_DHCP},
	    {"2001:db8:1::5", "ff02::1:2", 17, 546, 547, MIRROR_NEVER_DHCP},
	    {"10.0.1.5", "169.254.169.254", 6, 40000, 80, MIRROR_NEVER_IMDS},
	    {"169.254.169.254", "10.0.1.5", 6, 80, 40000, MIRROR_NEVER_IMDS},
	    {"2001:db8:1::5", "fd00:ec2::254", 6, 40000, 80, MIRROR_NEVER_IMDS},
	    {"10.0.1.5", "169.254.169.123", 17, 123, 123, MIRROR_NEVER_TIME_SYNC},
	    {"2001:db8:1::5", "fd00:ec2::123", 17, 123, 123, MIRROR_NEVER_TIME_SYNC},
	    {"10.0.1.5", "169.254.169.250", 6, 50000, 1688, MIRROR_NEVER_KMS},
	    {"10.0.1.5", "169.254.169.251", 6, 50000, 1688, MIRROR_NEVER_KMS},
	    /* not DHCP: only one port is 67/68; not IMDS: a neighbour address */
	    {"10.0.1.5", "192.0.2.1", 17, 68, 5353, MIRROR_MIRRORED},
	    {"10.0.1.5", "169.254.169.1", 6, 50000, 80, MIRROR_MIRRORED},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mirror_facts f = facts(cases[i].src, cases[i].dst, cases[i].proto,
		                              cases[i].sport, cases[i].dport);
		assert_int_equal(mirror_never_class(&f), cases[i].want);
		d = decide(&f);
		if (d.reason != cases[i].want)
			fail_msg("case %zu: %s, expected %s", i, mirror_reason_name(d.reason),
			         mirror_reason_name(cases[i].want));
	}
}

/* Three sessions on eni-src: numbers 3, 1, 2 in the JSON; filters fa (rejects TCP 22 then
 * accepts TCP 80), fb (accepts TCP 22 and TCP 80), fc (accepts everything). */
static void load_three_sessions(void)
{
	load("{'TrafficMirrorFilters':["
	     "{'TrafficMirrorFilterId':'fa','IngressFilterRules':["
	     "{'RuleNumber':5,'RuleAction':'reject','Protocol':6,"
	     "'DestinationPortRange':{'FromPort':22,'ToPort':22}," ANY4 "},"
	     "{'RuleNumber':6,'RuleAction':'accept','Protocol':6,"
	     "'DestinationPortRange':{'FromPort':80,'ToPort':80}," ANY4 "}]},"
	     "{'TrafficMirrorFilterId':'fb','IngressFilterRules':["
	     "{'RuleNumber':1,'RuleAction':'accept','Protocol':6,"
	     "'DestinationPortRange':{'FromPort':22,'ToPort':22}," ANY4 "},"
	     "{'RuleNumber':2,'RuleAction':'accept','Protocol':6,"
	     "'DestinationPortRange':{'FromPort':80,'ToPort':80}," ANY4 "}]},"
	     "{'TrafficMirrorFilterId':'fc','IngressFilterRules':["
	     "{'RuleNumber':100,'RuleAction':'accept'," ANY4 "}]}],"
	     "'TrafficMirrorSessions':["
	     "{'TrafficMirrorSessionId':'tms-c','NetworkInterfaceId':'eni-src',"
	     "'TrafficMirrorTargetId':'tmt-eni','TrafficMirrorFilterId':'fc','SessionNumber':3,"
	     "'VirtualNetworkId':3},"
	     "{'TrafficMirrorSessionId':'tms-a','NetworkInterfaceId':'eni-src',"
	     "'TrafficMirrorTargetId':'tmt-eni','TrafficMirrorFilterId':'fa','SessionNumber':1,"
	     "'VirtualNetworkId':1},"
	     "{'TrafficMirrorSessionId':'tms-b','NetworkInterfaceId':'eni-src',"
	     "'TrafficMirrorTargetId':'tmt-eni','TrafficMirrorFilterId':'fb','SessionNumber':2,"
	     "'VirtualNetworkId':2}]," TARGETS "," HOSTMAP "}");
}

/* Spec 2: sessions in ascending SessionNumber; the first whose filter accepts mirrors the
 * packet, once; no match in one session lets the next see it. */
static void test_session_order(void **state)
{
	(void)state;
	load_three_sessions();
	const struct aws_eni *e = src_eni();
	assert_int_equal(e->nsessions, 3);
	assert_string_equal(e->sessions[0]->id, "tms-a");
	assert_string_equal(e->sessions[2]->id, "tms-c");
	struct mirror_facts f = facts("192.0.2.1", "10.0.1.5", 6, 40000, 80);
	struct mirror_decision d = decide(&f);
	assert_string_equal(d.session->id, "tms-a"); /* 1 and 2 both accept: 1 takes it */
	assert_int_equal(d.rule_number, 6);
	f.dport = 443; /* a and b do not match: c */
	d = decide(&f);
	assert_string_equal(d.session->id, "tms-c");
	assert_int_equal(d.rule_number, 100);
	f = facts("10.0.1.5", "192.0.2.1", 6, 80, 40000); /* egress: nobody has egress rules */
	d = decide(&f);
	assert_int_equal(d.reason, MIRROR_NO_MATCH);
}

/* [UNVERIFIED] an explicit reject in session 1: by default session 2 still sees the packet;
 * with reject_stops the walk ends there.  Both ways. */
static void test_reject_choice_both_ways(void **state)
{
	(void)state;
	load_three_sessions();
	struct mirror_facts f = facts("192.0.2.1", "10.0.1.5", 6, 40000, 22);
	struct mirror_decision d = decide_opts(&f, false);
	assert_int_equal(d.reason, MIRROR_MIRRORED);
	assert_string_equal(d.session->id, "tms-b");
	assert_int_equal(d.rule_number, 1);
	d = decide_opts(&f, true);
	assert_int_equal(d.reason, MIRROR_REJECTED);
	assert_string_equal(d.session->id, "tms-a");
	assert_int_equal(d.rule_number, 5);
	assert_int_equal(d.snap, 0);
}

/* Choice: sessions rejecting and none accepting -> REJECTED naming the first rejection. */
static void test_rejected_by_all(void **state)
{
	(void)state;
	load_filter("{'RuleNumber':3,'RuleAction':'reject'," ANY4 "}", "", false);
	struct mirror_facts f = facts("192.0.2.1", "10.0.1.5", 6, 1, 2);
	struct mirror_decision d = decide(&f);
	assert_int_equal(d.reason, MIRROR_REJECTED);
	assert_int_equal(d.rule_number, 3);
}

static void test_no_session(void **state)
{
	(void)state;
	load("{'VxscopeHostMap':{'NetworkInterfaces':[{'NetworkInterfaceId':'eni-src',"
	     "'Addresses':['10.0.1.5']}]}}");
	struct mirror_facts f = facts("192.0.2.1", "10.0.1.5", 6, 1, 2);
	assert_int_equal(decide(&f).reason, MIRROR_NO_SESSION);
	struct mirror_decision d;
	mirror_decide(NULL, MIRROR_INGRESS, &f, NULL, &d);
	assert_int_equal(d.reason, MIRROR_NO_SESSION);
}

/* Direction from the ENI's own addresses. */
static void test_direction(void **state)
{
	(void)state;
	load_filter("", "", false);
	enum mirror_dir dir;
	struct mirror_facts f = facts("10.0.1.5", "192.0.2.1", 6, 1, 2);
	assert_int_equal(mirror_direction(src_eni(), &f, &dir), 0);
	assert_int_equal(dir, MIRROR_EGRESS);
	f = facts("192.0.2.1", "10.0.1.5", 6, 1, 2);
	assert_int_equal(mirror_direction(src_eni(), &f, &dir), 0);
	assert_int_equal(dir, MIRROR_INGRESS);
	f = facts("2001:db8::1", "2001:db8:1::5", 6, 1, 2);
	assert_int_equal(mirror_direction(src_eni(), &f, &dir), 0);
	assert_int_equal(dir, MIRROR_INGRESS);
	f = facts("10.0.1.5", "10.0.1.5", 6, 1, 2); /* to itself: sent first */
	assert_int_equal(mirror_direction(src_eni(), &f, &dir), 0);
	assert_int_equal(dir, MIRROR_EGRESS);
	f = facts("192.0.2.1", "192.0.2.2", 6, 1, 2);
	assert_int_equal(mirror_direction(src_eni(), &f, &dir), -ENOENT);
	struct aws_eni bare;
	memset(&bare, 0, sizeof(bare));
	assert_int_equal(mirror_direction(&bare, &f, &dir), -EINVAL);
}

/* A session's target and PacketLength, for mirror_snap. */
static void load_snap(const char *target_type_key, const char *target_addr, int mtu,
                      int packet_length)
{
	char doc[4096], pl[64] = "", mtus[32] = "";
	if (packet_length)
		snprintf(pl, sizeof(pl), ",'PacketLength':%d", packet_length);
	if (mtu)
		snprintf(mtus, sizeof(mtus), ",'Mtu':%d", mtu);
	const char *type = !strcmp(target_type_key, "NetworkInterfaceId") ? "network-interface"
	                   : !strcmp(target_type_key, "NetworkLoadBalancerArn")
	                       ? "network-load-balancer"
	                       : "gateway-load-balancer-endpoint";
	snprintf(
	    doc, sizeof(doc),
	    "{'TrafficMirrorFilters':[{'TrafficMirrorFilterId':'tmf-1','IngressFilterRules':"
	    "[{'RuleNumber':1,'RuleAction':'accept'," ANY4 "},{'RuleNumber':2,"
	    "'RuleAction':'accept'," ANY6 "}]}],"
	    "'TrafficMirrorSessions':[{'TrafficMirrorSessionId':'tms-1',"
	    "'NetworkInterfaceId':'eni-src','TrafficMirrorTargetId':'tmt-x',"
	    "'TrafficMirrorFilterId':'tmf-1','SessionNumber':1,'VirtualNetworkId':7%s}],"
	    "'TrafficMirrorTargets':[{'TrafficMirrorTargetId':'tmt-x','%s':'r-1','Type':'%s'}],"
	    "'VxscopeHostMap':{'NetworkInterfaces':[{'NetworkInterfaceId':'eni-src',"
	    "'Addresses':['10.0.1.5']}],'Targets':[{'TrafficMirrorTargetId':'tmt-x',"
	    "'Addresses':['%s']%s}]}}",
	    pl, target_type_key, type, target_addr, mtus);
	load(doc);
}

static uint32_t snap_of(uint32_t frame_len, enum mirror_trunc *why, uint8_t *fam)
{
	const struct aws_session *s = aws_config_session(&cfg, "tms-1");
	assert_non_null(s);
	return mirror_snap(s, frame_len, why, fam);
}

/* Spec 2: PacketLength counts bytes after the VXLAN header (the inner Ethernet frame). */
static void test_packet_length(void **state)
{
	(void)state;
	enum mirror_trunc why;
	load_snap("NetworkInterfaceId", "10.0.2.9", 9001, 128);
	assert_int_equal(snap_of(1514, &why, NULL), 128);
	assert_int_equal(why, MIRROR_TRUNC_PACKET_LENGTH);
	assert_int_equal(snap_of(128, &why, NULL), 128);
	assert_int_equal(why, MIRROR_TRUNC_NONE);
	assert_int_equal(snap_of(60, &why, NULL), 60);
	/* through mirror_decide: the decision carries the snap */
	struct mirror_facts f = facts("192.0.2.1", "10.0.1.5", 6, 1, 2);
	f.frame_len = 1514;
	struct mirror_decision d = decide(&f);
	assert_int_equal(d.snap, 128);
	assert_int_equal(d.trunc, MIRROR_TRUNC_PACKET_LENGTH);
	assert_int_equal(d.outer_family, 4);
	load_snap("NetworkInterfaceId", "10.0.2.9", 9001, 1);
	assert_int_equal(snap_of(1514, NULL, NULL), 1);
}

/* Spec 4.4/4.5: an ENI target truncates to its MTU by AWS's 54 (IPv4 outer) / 74 (IPv6
 * outer) bytes rule: inner IP packets over MTU - 54 are cut; never fragmented. */
static void test_target_mtu_54_74(void **state)
{
	(void)state;
	enum mirror_trunc why;
	uint8_t fam;
	load_snap("NetworkInterfaceId", "10.0.2.9", 1500, 0);
	/* inner IP 1446 = 1500 - 54: whole; one more byte: cut to 1446 + 14 */
	assert_int_equal(snap_of(1446 + 14, &why, &fam), 1460);
	assert_int_equal(why, MIRROR_TRUNC_NONE);
	assert_int_equal(fam, 4);
	assert_int_equal(snap_of(1447 + 14, &why, NULL), 1460);
	assert_int_equal(why, MIRROR_TRUNC_TARGET_MTU);
	assert_int_equal(snap_of(1514, &why, NULL), 1460);
	load_snap("NetworkInterfaceId", "fd00::9", 1500, 0); /* IPv6 outer: 74 */
	assert_int_equal(snap_of(1514, &why, &fam), 1500 - 74 + 14);
	assert_int_equal(fam, 6);
	assert_int_equal(why, MIRROR_TRUNC_TARGET_MTU);
	/* AWS's example: jumbo 9001 target; 8947 = 9001 - 54 is the largest whole packet */
	load_snap("NetworkInterfaceId", "10.0.2.9", 9001, 0);
	assert_int_equal(snap_of(8947 + 14, &why, NULL), 8947 + 14);
	assert_int_equal(why, MIRROR_TRUNC_NONE);
	assert_int_equal(snap_of(8996 + 14, &why, NULL), 8947 + 14);
	assert_int_equal(why, MIRROR_TRUNC_TARGET_MTU);
	/* PacketLength and MTU: the smaller wins, and says why */
	load_snap("NetworkInterfaceId", "10.0.2.9", 1500, 8000);
	assert_int_equal(snap_of(9014, &why, NULL), 1460);
	assert_int_equal(why, MIRROR_TRUNC_TARGET_MTU);
	load_snap("NetworkInterfaceId", "10.0.2.9", 1500, 200);
	assert_int_equal(snap_of(9014, &why, NULL), 200);
	assert_int_equal(why, MIRROR_TRUNC_PACKET_LENGTH);
	/* no Mtu in the host map: EC2's 9001 */
	load_snap("NetworkInterfaceId", "10.0.2.9", 0, 0);
	assert_int_equal(snap_of(9014, NULL, NULL), 9001 - 54 + 14);
}

/* Spec 2: NLB target without PacketLength -> 8500; no MTU truncation for NLB targets.
 * [choice] GWLB endpoint: the 54/74 rule at its 8500 MTU (8446 / 8426 whole). */
static void test_nlb_and_gwlb(void **state)
{
	(void)state;
	enum mirror_trunc why;
	load_snap("NetworkLoadBalancerArn", "10.0.3.10", 0, 0);
	assert_int_equal(snap_of(9014, &why, NULL), 8500);
	assert_int_equal(why, MIRROR_TRUNC_PACKET_LENGTH);
	assert_int_equal(snap_of(8500, &why, NULL), 8500);
	assert_int_equal(why, MIRROR_TRUNC_NONE);
	load_snap("NetworkLoadBalancerArn", "10.0.3.10", 1500, 0); /* MTU not applied to NLB */
	assert_int_equal(snap_of(8000, &why, NULL), 8000);
	load_snap("GatewayLoadBalancerEndpointId", "10.0.4.1", 0, 0);
	assert_int_equal(snap_of(8446 + 14, &why, NULL), 8446 + 14);
	assert_int_equal(why, MIRROR_TRUNC_NONE);
	assert_int_equal(snap_of(9014, &why, NULL), 8446 + 14);
	assert_int_equal(why, MIRROR_TRUNC_TARGET_MTU);
	load_snap("GatewayLoadBalancerEndpointId", "fd00::1", 0, 0);
	assert_int_equal(snap_of(9014, &why, NULL), 8426 + 14);
}

/* Facts from a decoded frame: Ethernet + IPv4 + UDP, then a non-first fragment (no ports). */
static void test_facts_from_packet(void **state)
{
	(void)state;
	uint8_t fr[60] = {
	    0x02, 0,    0,   0,  0, 1,  0x02, 0, 0,   0,   0,   2,   0x08, 0x00, /* eth */
	    0x45, 0,    0,   32, 0, 1,  0,    0, 64,  17,  0,   0,   10,   0,
	    1,    5,    192, 0,  2, 1,                               /* ipv4 */
	    0x9c, 0x40, 0,   53, 0, 12, 0,    0, 'a', 'b', 'c', 'd', /* udp */
	};
	struct decode_cfg dc;
	decode_cfg_default(&dc);
	dc.peel_tunnels = false;
	struct packet p;
	memset(&p, 0, sizeof(p));
	p.data = fr;
	p.caplen = p.wirelen = sizeof(fr);
	p.linktype = LINKTYPE_ETHERNET;
	decode_frame(&dc, &p);
	struct mirror_facts f;
	mirror_facts_from_packet(&f, &p);
	assert_true(f.has_ip);
	assert_int_equal(f.ip_ver, 4);
	assert_int_equal(f.proto, 17);
	assert_true(f.has_ports);
	assert_int_equal(f.sport, 40000);
	assert_int_equal(f.dport, 53);
	assert_int_equal(f.frame_len, 60);
	fr[20] = 0x00; /* fragment offset 8 bytes: a non-first fragment */
	fr[21] = 0x01;
	memset(&p, 0, sizeof(p));
	p.data = fr;
	p.caplen = p.wirelen = sizeof(fr);
	p.linktype = LINKTYPE_ETHERNET;
	decode_frame(&dc, &p);
	mirror_facts_from_packet(&f, &p);
	assert_true(f.has_ip);
	assert_false(f.has_ports);
	/* bare IP capture: the ENI would have seen 14 more bytes of Ethernet */
	memset(&p, 0, sizeof(p));
	fr[21] = 0;
	p.data = fr + 14;
	p.caplen = p.wirelen = 32;
	p.linktype = LINKTYPE_RAW;
	decode_frame(&dc, &p);
	mirror_facts_from_packet(&f, &p);
	assert_int_equal(f.frame_len, 32 + 14);
}

static void test_names(void **state)
{
	(void)state;
	for (int r = 0; r < MIRROR_REASON_COUNT; r++)
		assert_non_null(mirror_reason_name((enum mirror_reason)r));
	assert_string_equal(mirror_reason_name(MIRROR_NEVER_KMS),
	                    "never-mirrored: Windows activation (KMS)");
	assert_string_equal(aws_dir_name(MIRROR_EGRESS), "egress");
	assert_string_equal(aws_target_type_name(AWS_TARGET_GWLBE),
	                    "gateway-load-balancer-endpoint");
}

static int teardown(void **state)
{
	(void)state;
	aws_config_free(&cfg);
	return 0;
}

int main(void)
{
	aws_config_init(&cfg);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_first_match_decides),
	    cmocka_unit_test(test_no_match_and_direction_lists),
	    cmocka_unit_test(test_protocol),
	    cmocka_unit_test(test_port_ranges),
	    cmocka_unit_test(test_ports_ignored_for_other_protocols),
	    cmocka_unit_test(test_fragment_without_ports),
	    cmocka_unit_test(test_address_families),
	    cmocka_unit_test(test_amazon_dns),
	    cmocka_unit_test(test_never_mirrored),
	    cmocka_unit_test(test_session_order),
	    cmocka_unit_test(test_reject_choice_both_ways),
	    cmocka_unit_test(test_rejected_by_all),
	    cmocka_unit_test(test_no_session),
	    cmocka_unit_test(test_direction),
	    cmocka_unit_test(test_packet_length),
	    cmocka_unit_test(test_target_mtu_54_74),
	    cmocka_unit_test(test_nlb_and_gwlb),
	    cmocka_unit_test(test_facts_from_packet),
	    cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
