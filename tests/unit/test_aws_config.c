/* test_aws_config.c - loading AWS CLI describe-traffic-mirror-* JSON and the host map;
 * every validation rule of ../shared/spec/aws-mirroring.md 1-3 with its message. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decode/ipaddr.h"
#include "mirror/aws_config.h"

static const char *data_path(const char *name, char *buf, size_t len)
{
	const char *root = getenv("VXS_ROOT");
	snprintf(buf, len, "%s/tests/data/aws/%s", root ? root : ".", name);
	return buf;
}

/* Load the named files; returns the load status of the first failure, or 0. */
static int load_files(struct aws_config *c, struct aws_error *err, const char *const *names)
{
	char p[512];
	for (unsigned i = 0; names[i]; i++) {
		int rc = aws_config_load(c, data_path(names[i], p, sizeof(p)), err);
		if (rc)
			return rc;
	}
	return 0;
}

static void test_cli_examples_alone(void **state)
{
	(void)state;
	static const char *const docs[] = {
	    "cli-describe-filters.json", "cli-describe-sessions.json", "cli-describe-targets.json"};
	static struct aws_diags d;
	for (unsigned i = 0; i < 3; i++) {
		struct aws_config c;
		struct aws_error err;
		aws_config_init(&c);
		const char *names[] = {docs[i], NULL};
		assert_int_equal(load_files(&c, &err, names), 0);
		assert_int_equal(aws_config_validate(&c, &d), 0);
		assert_int_equal(d.errors, 0);
		aws_config_free(&c);
	}
	/* the sessions example: PacketLength 20 on one, omitted (whole packet) on the other */
	struct aws_config c;
	struct aws_error err;
	aws_config_init(&c);
	const char *names[] = {"cli-describe-sessions.json", NULL};
	assert_int_equal(load_files(&c, &err, names), 0);
	assert_int_equal(aws_config_validate(&c, &d), 0);
	assert_int_equal(d.warnings, 4); /* no filters, no targets loaded: said, not fatal */
	const struct aws_session *s = aws_config_session(&c, "tms-0567a4c684EXAMPLE");
	assert_non_null(s);
	assert_int_equal(s->packet_length, 20);
	assert_int_equal(s->vni, 42);
	s = aws_config_session(&c, "tms-0060101cf8EXAMPLE");
	assert_int_equal(s->packet_length, 0);
	assert_int_equal(s->vni, 13314501);
	const struct aws_eni *e = aws_config_eni(&c, "eni-0a471a5cf3EXAMPLE");
	assert_non_null(e);
	assert_int_equal(e->nsessions, 2);
	assert_int_equal(e->sessions[0]->number, 1);
	aws_config_free(&c);
}

static void check_spec_set(const struct aws_config *c)
{
	assert_int_equal(c->nfilters, 2);
	assert_int_equal(c->nsessions, 2);
	assert_int_equal(c->ntargets, 3);
	const struct aws_filter *f = aws_config_filter(c, "tmf-0a1b2c3d4e5f67890");
	assert_non_null(f);
	assert_true(f->amazon_dns);
	assert_int_equal(f->nrules[MIRROR_INGRESS], 3);
	assert_int_equal(f->nrules[MIRROR_EGRESS], 1);
	const struct aws_rule *r = &f->rules[MIRROR_INGRESS][0];
	assert_int_equal(r->number, 10);
	assert_false(r->accept);
	assert_true(r->has_proto);
	assert_int_equal(r->proto, 6);
	assert_true(r->dport.set);
	assert_int_equal(r->dport.from, 22);
	assert_false(r->sport.set);
	assert_false(f->rules[MIRROR_INGRESS][2].has_proto); /* Protocol omitted: all */
	assert_int_equal(f->rules[MIRROR_INGRESS][2].src_net.family, 6);
	r = &f->rules[MIRROR_EGRESS][0];
	assert_int_equal(r->sport.from, 1024);
	assert_int_equal(r->sport.to, 65535);
	const struct aws_target *t = aws_config_target(c, "tmt-01234abcd5678ef90");
	assert_int_equal(t->type, AWS_TARGET_ENI);
	assert_string_equal(t->resource, "eni-0123456789abcdef0");
	assert_int_equal(t->naddrs, 1);
	assert_int_equal(t->mtu, 9001);
	t = aws_config_target(c, "tmt-0fedcba9876543210");
	assert_int_equal(t->type, AWS_TARGET_NLB);
	assert_int_equal(t->naddrs, 2);
	assert_int_equal(t->mtu, AWS_LB_MTU);
	t = aws_config_target(c, "tmt-0a0b0c0d0e0f01020");
	assert_int_equal(t->type, AWS_TARGET_GWLBE);
	assert_int_equal(t->naddrs, 0);
	const struct aws_eni *e = aws_config_eni(c, "eni-0abc1234def567890");
	assert_non_null(e);
	assert_true(e->mapped);
	assert_string_equal(e->ifname, "eth0");
	assert_int_equal(e->naddrs, 2);
	assert_true(e->has_mac);
	assert_int_equal(e->mac[5], 0x05);
	assert_int_equal(e->nvpc, 1);
	assert_int_equal(e->nsessions, 2);
	assert_string_equal(e->sessions[0]->id, "tms-0f1e2d3c4b5a69780");
	assert_ptr_equal(e->sessions[0]->filter, f);
	assert_ptr_equal(e->sessions[0]->eni, e);
	assert_ptr_equal(e->sessions[1]->target, t - 1);
	assert_ptr_equal(aws_config_eni_by_ifname(c, "eth0"), e);
	struct ip_addr a;
	assert_int_equal(ipaddr_parse("2001:db8:1::5", &a), 0);
	assert_ptr_equal(aws_config_eni_by_addr(c, &a), e);
	/* VNI lookups: alone, with the owner's outer source, with a stranger's */
	assert_ptr_equal(aws_config_session_by_vni(c, 4242, NULL), e->sessions[0]);
	assert_int_equal(ipaddr_parse("10.0.1.5", &a), 0);
	assert_ptr_equal(aws_config_session_by_vni(c, 13314501, &a), e->sessions[1]);
	assert_int_equal(ipaddr_parse("10.9.9.9", &a), 0);
	assert_null(aws_config_session_by_vni(c, 4242, &a));
	assert_null(aws_config_session_by_vni(c, 4243, NULL));
}

static void test_spec_set_files_merge(void **state)
{
	(void)state;
	static struct aws_diags d;
	struct aws_config c;
	struct aws_error err;
	/* sessions before the filters and targets they name: links are made at validate */
	const char *names[] = {"sessions.json", "hostmap.json", "targets.json", "filters.json",
	                       NULL};
	aws_config_init(&c);
	assert_int_equal(load_files(&c, &err, names), 0);
	assert_int_equal(aws_config_validate(&c, &d), 0);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 0);
	check_spec_set(&c);
	/* validate twice: same result (ENIs made from sessions are not duplicated) */
	assert_int_equal(aws_config_validate(&c, &d), 0);
	check_spec_set(&c);
	aws_config_free(&c);

	const char *one[] = {"combined.json", NULL};
	aws_config_init(&c);
	assert_int_equal(load_files(&c, &err, one), 0);
	assert_int_equal(aws_config_validate(&c, &d), 0);
	check_spec_set(&c);
	aws_config_free(&c);
}

static void test_defined_twice(void **state)
{
	(void)state;
	struct aws_config c;
	struct aws_error err;
	const char *names[] = {"filters.json", "combined.json", NULL};
	aws_config_init(&c);
	assert_int_equal(load_files(&c, &err, names), -EEXIST);
	assert_non_null(strstr(err.file, "combined.json"));
	assert_string_equal(err.path, "TrafficMirrorFilters[0].TrafficMirrorFilterId");
	assert_string_equal(err.value, "\"tmf-0a1b2c3d4e5f67890\"");
	assert_non_null(strstr(err.rule, "defined twice (first in "));
	assert_non_null(strstr(err.rule, "filters.json"));
	aws_config_free(&c);
}

/* One broken document: does it fail at load or at validate, and what does the message say. */
struct bad_case {
	const char *file;
	bool at_load; /* load fails (else validate reports an error) */
	bool warning; /* validates, with this warning */
	const char *path;
	const char *value;
	const char *rule; /* substring of the rule text */
};

static const struct bad_case bad_cases[] = {
    {"dup-rule-number.json", false, false,
     "TrafficMirrorFilters[0].IngressFilterRules[1].RuleNumber", "10",
     "duplicate rule number in the ingress rules"},
    {"mixed-family.json", false, false,
     "TrafficMirrorFilters[0].IngressFilterRules[0].DestinationCidrBlock", "\"::/0\"",
     "must be the same address family"},
    {"port-from-gt-to.json", false, false,
     "TrafficMirrorFilters[0].IngressFilterRules[0].DestinationPortRange",
     "{\"FromPort\":443,\"ToPort\":80}", "FromPort must be <= ToPort"},
    {"port-out-of-range.json", false, false,
     "TrafficMirrorFilters[0].IngressFilterRules[0].DestinationPortRange.ToPort", "70000",
     "a port is 0-65535"},
    {"packet-length.json", false, false, "TrafficMirrorSessions[0].PacketLength", "9000",
     "PacketLength must be 1-8500"},
    {"four-sessions.json", false, false, "TrafficMirrorSessions[3].NetworkInterfaceId",
     "\"eni-00000000000000001\"", "more than 3 sessions on one source ENI"},
    {"dup-session-number.json", false, false, "TrafficMirrorSessions[1].SessionNumber", "1",
     "duplicate session number on source eni-00000000000000001"},
    {"unknown-target.json", false, false, "TrafficMirrorSessions[0].TrafficMirrorTargetId",
     "\"tmt-0ffffffffffffffff\"", "unknown target id"},
    {"unknown-filter.json", false, false, "TrafficMirrorSessions[0].TrafficMirrorFilterId",
     "\"tmf-0ffffffffffffffff\"", "unknown filter id"},
    {"bad-cidr.json", true, false, "TrafficMirrorFilters[0].IngressFilterRules[0].SourceCidrBlock",
     "\"10.0.0.0/33\"", "not a CIDR block"},
    {"bad-vni.json", false, false, "TrafficMirrorSessions[0].VirtualNetworkId", "16777216",
     "24-bit VXLAN id"},
    {"too-many-rules.json", false, false, "TrafficMirrorFilters[0]", "11",
     "more than 10 rules in a filter"},
    {"wrong-type.json", true, false, "TrafficMirrorFilters[0].IngressFilterRules[0].RuleNumber",
     "\"10\"", "must be an integer, not a string"},
    {"bad-action.json", true, false, "TrafficMirrorFilters[0].IngressFilterRules[0].RuleAction",
     "\"allow\"", "RuleAction must be \"accept\" or \"reject\""},
    {"session-number.json", false, false, "TrafficMirrorSessions[0].SessionNumber", "0",
     "SessionNumber must be 1-32766"},
    {"direction-mismatch.json", true, false,
     "TrafficMirrorFilters[0].IngressFilterRules[0].TrafficDirection", "\"egress\"",
     "must have TrafficDirection \"ingress\""},
    {"two-resources.json", true, false, "TrafficMirrorTargets[0]", "",
     "a target names exactly one of"},
    {"source-is-target.json", false, false, "TrafficMirrorSessions[0].NetworkInterfaceId",
     "\"eni-0000000000000000f\"", "cannot be both the source and the target"},
    {"protocol-range.json", false, false, "TrafficMirrorFilters[0].IngressFilterRules[0].Protocol",
     "256", "IANA number 0-255"},
    {"network-service.json", true, false, "TrafficMirrorFilters[0].NetworkServices[0]",
     "\"amazon-ntp\"", "the only network service is \"amazon-dns\""},
    {"not-json.json", true, false, "line 1 column 64", "", "not valid JSON"},
    {"hostmap-bad-addr.json", true, false, "VxscopeHostMap.NetworkInterfaces[0].Addresses[0]",
     "\"10.0.1.300\"", "not an IPv4 or IPv6 address"},
    /* the spec says ignore: a warning, the config is valid */
    {"warn-icmp-ports.json", false, true,
     "TrafficMirrorFilters[0].IngressFilterRules[0].DestinationPortRange",
     "{\"FromPort\":80,\"ToPort\":80}", "port ranges apply to TCP (6) and UDP (17) only"},
    {"warn-rule-number.json", false, true,
     "TrafficMirrorFilters[0].IngressFilterRules[0].RuleNumber", "40000", "AWS documents no range"},
};

static void test_broken_variants(void **state)
{
	(void)state;
	static struct aws_diags d;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *bc = &bad_cases[i];
		char p[512];
		char name[128];
		snprintf(name, sizeof(name), "bad/%s", bc->file);
		struct aws_config c;
		struct aws_error err;
		aws_config_init(&c);
		int rc = aws_config_load(&c, data_path(name, p, sizeof(p)), &err);
		const struct aws_error *e = &err;
		if (bc->at_load) {
			if (rc != -EINVAL)
				fail_msg("%s: load returned %d, expected -EINVAL", bc->file, rc);
		} else {
			if (rc)
				fail_msg("%s: load failed: %s", bc->file, err.msg);
			rc = aws_config_validate(&c, &d);
			if (bc->warning) {
				if (rc || d.warnings != 1)
					fail_msg("%s: validate %d, %u warnings", bc->file, rc,
					         d.warnings);
			} else if (rc != -EINVAL || d.errors != 1) {
				fail_msg("%s: validate %d, %u errors", bc->file, rc, d.errors);
			}
			assert_int_equal(d.n, 1);
			e = &d.d[0];
			assert_int_equal(e->warning, bc->warning);
		}
		if (!strstr(e->file, bc->file) || strcmp(e->path, bc->path) ||
		    strcmp(e->value, bc->value) || !strstr(e->rule, bc->rule) ||
		    !strstr(e->msg, bc->path) || !strstr(e->msg, bc->rule))
			fail_msg("%s: message \"%s\" (path \"%s\", value \"%s\", rule \"%s\")",
			         bc->file, e->msg, e->path, e->value, e->rule);
		aws_config_free(&c);
	}
}

static const char *const RULES_11 =
    "{\"TrafficMirrorFilters\":[{\"TrafficMirrorFilterId\":\"tmf-1\",\"IngressFilterRules\":["
    "{\"RuleNumber\":1,\"RuleAction\":\"accept\",\"SourceCidrBlock\":\"0.0.0.0/0\","
    "\"DestinationCidrBlock\":\"0.0.0.0/0\"},"
    "{\"RuleNumber\":2,\"RuleAction\":\"accept\",\"SourceCidrBlock\":\"0.0.0.0/0\","
    "\"DestinationCidrBlock\":\"0.0.0.0/0\"},"
    "{\"RuleNumber\":3,\"RuleAction\":\"accept\",\"SourceCidrBlock\":\"0.0.0.0/0\","
    "\"DestinationCidrBlock\":\"0.0.0.0/0\"},"
    "{\"RuleNumber\":4,\"RuleAction\":\"accept\",\"SourceCidrBlock\":\"0.0.0.0/0\","
    "\"DestinationCidrBlock\":\"0.0.0.0/0\"},"
    "{\"RuleNumber\":5,\"RuleAction\":\"accept\",\"SourceCidrBlock\":\"0.0.0.0/0\","
    "\"DestinationCidrBlock\":\"0.0.0.0/0\"},"
    "{\"RuleNumber\":6,\"RuleAction\":\"accept\",\"SourceCidrBlock\":\"0.0.0.0/0\","
    "\"DestinationCidrBlock\":\"0.0.0.0/0\"}],\"EgressFilterRules\":["
    "{\"RuleNumber\":1,\"RuleAction\":\"accept\",\"SourceCidrBlock\":\"0.0.0.0/0\","
    "\"DestinationCidrBlock\":\"0.0.0.0/0\"},"
    "{\"RuleNumber\":2,\"RuleAction\":\"accept\",\"SourceCidrBlock\":\"0.0.0.0/0\","
    "\"DestinationCidrBlock\":\"0.0.0.0/0\"},"
    "{\"RuleNumber\":3,\"RuleAction\":\"accept\",\"SourceCidrBlock\":\"0.0.0.0/0\","
    "\"DestinationCidrBlock\":\"0.0.0.0/0\"},"
    "{\"RuleNumber\":4,\"RuleAction\":\"accept\",\"SourceCidrBlock\":\"0.0.0.0/0\","
    "\"DestinationCidrBlock\":\"0.0.0.0/0\"},"
    "{\"RuleNumber\":5,\"RuleAction\":\"accept\",\"SourceCidrBlock\":\"0.0.0.0/0\","
    "\"DestinationCidrBlock\":\"0.0.0.0/0\"}]}]}";

/* [UNVERIFIED] the 10-rule quota: both directions together by default; configurable. */
static void test_rule_limit_choice(void **state)
{
	(void)state;
	static struct aws_diags d;
	struct aws_config c;
	struct aws_error err;
	aws_config_init(&c);
	assert_int_equal(aws_config_load_string(&c, "r11", RULES_11, strlen(RULES_11), &err), 0);
	assert_int_equal(aws_config_validate(&c, &d), -EINVAL); /* 11 > 10 in total */
	c.max_rules_per_direction = true;                       /* 6 and 5: each <= 10 */
	assert_int_equal(aws_config_validate(&c, &d), 0);
	c.max_rules = 5; /* 6 ingress > 5 */
	assert_int_equal(aws_config_validate(&c, &d), -EINVAL);
	assert_string_equal(d.d[0].path, "TrafficMirrorFilters[0].IngressFilterRules");
	c.max_rules_per_direction = false;
	c.max_rules = 11;
	assert_int_equal(aws_config_validate(&c, &d), 0);
	aws_config_free(&c);
}

/* AWS adds fields: unknown keys anywhere are ignored; NextToken too; Protocol 0 = all. */
static void test_unknown_keys_and_protocol_zero(void **state)
{
	(void)state;
	static struct aws_diags d;
	static const char *const doc =
	    "{\"NextToken\":\"abc\",\"SomethingNew\":{\"x\":[1,2]},"
	    "\"TrafficMirrorFilters\":[{\"TrafficMirrorFilterId\":\"tmf-1\",\"NewField\":true,"
	    "\"IngressFilterRules\":[{\"RuleNumber\":5,\"RuleAction\":\"reject\",\"Protocol\":0,"
	    "\"SourceCidrBlock\":\"::/0\",\"DestinationCidrBlock\":\"::/0\",\"Tags\":[],"
	    "\"FutureKey\":\"v\"}]}]}";
	struct aws_config c;
	struct aws_error err;
	aws_config_init(&c);
	assert_int_equal(aws_config_load_string(&c, "doc", doc, strlen(doc), &err), 0);
	assert_int_equal(aws_config_validate(&c, &d), 0);
	const struct aws_filter *f = aws_config_filter(&c, "tmf-1");
	assert_non_null(f);
	assert_int_equal(f->nrules[MIRROR_INGRESS], 1);
	assert_false(f->rules[MIRROR_INGRESS][0].has_proto);
	assert_false(f->rules[MIRROR_INGRESS][0].accept);
	assert_int_equal(f->nrules[MIRROR_EGRESS], 0);
	aws_config_free(&c);
}

/* Wrong JSON types at each level name the path. */
static void test_wrong_types(void **state)
{
	(void)state;
	static const struct {
		const char *doc, *path, *rule;
	} cases[] = {
	    {"[]", "", "the top level must be an object, not an array"},
	    {"{\"Foo\":1}", "", "none of TrafficMirrorFilters"},
	    {"{\"TrafficMirrorFilters\":{}}", "TrafficMirrorFilters", "must be an array"},
	    {"{\"TrafficMirrorFilters\":[1]}", "TrafficMirrorFilters[0]", "must be an object"},
	    {"{\"TrafficMirrorFilters\":[{\"TrafficMirrorFilterId\":7}]}",
	     "TrafficMirrorFilters[0].TrafficMirrorFilterId", "must be a string, not an integer"},
	    {"{\"TrafficMirrorFilters\":[{\"TrafficMirrorFilterId\":\"t\","
	     "\"IngressFilterRules\":{}}]}",
	     "TrafficMirrorFilters[0].IngressFilterRules", "must be an array"},
	    {"{\"TrafficMirrorFilters\":[{\"TrafficMirrorFilterId\":\"t\","
	     "\"EgressFilterRules\":[{\"RuleNumber\":1.5}]}]}",
	     "TrafficMirrorFilters[0].EgressFilterRules[0].RuleNumber",
	     "must be an integer, not a number with a fraction"},
	    {"{\"TrafficMirrorFilters\":[{\"TrafficMirrorFilterId\":\"t\","
	     "\"IngressFilterRules\":[{\"RuleNumber\":1,\"RuleAction\":\"accept\","
	     "\"DestinationPortRange\":[1,2]}]}]}",
	     "TrafficMirrorFilters[0].IngressFilterRules[0].DestinationPortRange",
	     "must be an object"},
	    {"{\"TrafficMirrorFilters\":[{\"TrafficMirrorFilterId\":\"t\","
	     "\"IngressFilterRules\":[{\"RuleNumber\":1,\"RuleAction\":\"accept\","
	     "\"SourceCidrBlock\":\"0.0.0.0/0\"}]}]}",
	     "TrafficMirrorFilters[0].IngressFilterRules[0].DestinationCidrBlock",
	     "required key is missing"},
	    {"{\"TrafficMirrorSessions\":[{\"TrafficMirrorSessionId\":\"s\","
	     "\"NetworkInterfaceId\":\"eni-1\",\"TrafficMirrorTargetId\":\"t\","
	     "\"TrafficMirrorFilterId\":\"f\",\"SessionNumber\":1,\"VirtualNetworkId\":null}]}",
	     "TrafficMirrorSessions[0].VirtualNetworkId", "must be an integer, not null"},
	    {"{\"TrafficMirrorTargets\":[{\"TrafficMirrorTargetId\":\"t\","
	     "\"NetworkInterfaceId\":\"eni-1\",\"Type\":\"network-load-balancer\"}]}",
	     "TrafficMirrorTargets[0].Type", "must be \"network-interface\""},
	    {"{\"VxscopeHostMap\":{\"Targets\":[{\"TrafficMirrorTargetId\":\"t\"}]}}",
	     "VxscopeHostMap.Targets[0].Addresses", "at least one address"},
	    {"{\"VxscopeHostMap\":{\"NetworkInterfaces\":[{\"NetworkInterfaceId\":\"e\","
	     "\"MacAddress\":\"02:00\"}]}}",
	     "VxscopeHostMap.NetworkInterfaces[0].MacAddress", "not a MAC address"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct aws_config c;
		struct aws_error err;
		aws_config_init(&c);
		int rc =
		    aws_config_load_string(&c, "t.json", cases[i].doc, strlen(cases[i].doc), &err);
		if (rc != -EINVAL || strcmp(err.path, cases[i].path) ||
		    !strstr(err.rule, cases[i].rule) || strcmp(err.file, "t.json"))
			fail_msg("case %zu: rc %d, message \"%s\"", i, rc, err.msg);
		aws_config_free(&c);
	}
}

/* The host map completes targets: by id, by the resource a target names, or (ENI targets)
 * from the ENI's own host-map entry. */
static void test_hostmap_targets(void **state)
{
	(void)state;
	static struct aws_diags d;
	static const char *const doc =
	    "{\"TrafficMirrorTargets\":["
	    "{\"TrafficMirrorTargetId\":\"tmt-a\",\"NetworkInterfaceId\":\"eni-t\","
	    "\"Type\":\"network-interface\"},"
	    "{\"TrafficMirrorTargetId\":\"tmt-b\",\"GatewayLoadBalancerEndpointId\":\"vpce-1\","
	    "\"Type\":\"gateway-load-balancer-endpoint\"}],"
	    "\"VxscopeHostMap\":{\"NetworkInterfaces\":[{\"NetworkInterfaceId\":\"eni-t\","
	    "\"Addresses\":[\"fd00::9\"],\"Mtu\":1500}],"
	    "\"Targets\":[{\"GatewayLoadBalancerEndpointId\":\"vpce-1\","
	    "\"Addresses\":[\"10.0.0.7\",\"10.0.0.8\"]},"
	    "{\"TrafficMirrorTargetId\":\"tmt-c\",\"Addresses\":[\"10.0.0.9\"],\"Mtu\":1500}]}}";
	struct aws_config c;
	struct aws_error err;
	aws_config_init(&c);
	assert_int_equal(aws_config_load_string(&c, "hm", doc, strlen(doc), &err), 0);
	assert_int_equal(aws_config_validate(&c, &d), 0);
	const struct aws_target *t = aws_config_target(&c, "tmt-a");
	assert_int_equal(t->naddrs, 1);
	assert_int_equal(t->addrs[0].family, 6);
	assert_int_equal(t->mtu, 1500);
	t = aws_config_target(&c, "tmt-b");
	assert_int_equal(t->naddrs, 2);
	assert_int_equal(t->mtu, AWS_LB_MTU);
	t = aws_config_target(&c, "tmt-c"); /* only in the host map: an ENI target */
	assert_non_null(t);
	assert_int_equal(t->type, AWS_TARGET_ENI);
	assert_int_equal(t->mtu, 1500);
	assert_int_equal(c.ntargets, 3);
	aws_config_free(&c);
}

static void test_missing_file(void **state)
{
	(void)state;
	struct aws_config c;
	struct aws_error err;
	aws_config_init(&c);
	assert_int_equal(aws_config_load(&c, "/nonexistent/x.json", &err), -ENOENT);
	assert_string_equal(err.file, "/nonexistent/x.json");
	assert_non_null(strstr(err.msg, "cannot open"));
	aws_config_free(&c);
}

/* [UNVERIFIED] a VNI shared by two sessions: allowed with a warning; the outer source (the
 * ENI's host-map address) tells them apart, the VNI alone does not. */
static void test_shared_vni(void **state)
{
	(void)state;
	static struct aws_diags d;
	static const char *const doc =
	    "{\"TrafficMirrorSessions\":["
	    "{\"TrafficMirrorSessionId\":\"tms-a\",\"NetworkInterfaceId\":\"eni-a\","
	    "\"TrafficMirrorTargetId\":\"t\",\"TrafficMirrorFilterId\":\"f\",\"SessionNumber\":1,"
	    "\"VirtualNetworkId\":77},"
	    "{\"TrafficMirrorSessionId\":\"tms-b\",\"NetworkInterfaceId\":\"eni-b\","
	    "\"TrafficMirrorTargetId\":\"t\",\"TrafficMirrorFilterId\":\"f\",\"SessionNumber\":1,"
	    "\"VirtualNetworkId\":77}],"
	    "\"VxscopeHostMap\":{\"NetworkInterfaces\":["
	    "{\"NetworkInterfaceId\":\"eni-a\",\"Addresses\":[\"10.0.0.1\"]},"
	    "{\"NetworkInterfaceId\":\"eni-b\",\"Addresses\":[\"10.0.0.2\"]}]}}";
	struct aws_config c;
	struct aws_error err;
	aws_config_init(&c);
	assert_int_equal(aws_config_load_string(&c, "v", doc, strlen(doc), &err), 0);
	assert_int_equal(aws_config_validate(&c, &d), 0);
	bool vni_warning = false;
	for (unsigned i = 0; i < d.n; i++)
		vni_warning |=
		    d.d[i].warning && strstr(d.d[i].rule, "VNI also used by session tms-a");
	assert_true(vni_warning);
	struct ip_addr a;
	assert_null(aws_config_session_by_vni(&c, 77, NULL));
	assert_int_equal(ipaddr_parse("10.0.0.2", &a), 0);
	assert_string_equal(aws_config_session_by_vni(&c, 77, &a)->id, "tms-b");
	assert_int_equal(ipaddr_parse("10.0.0.1", &a), 0);
	assert_string_equal(aws_config_session_by_vni(&c, 77, &a)->id, "tms-a");
	assert_int_equal(ipaddr_parse("10.0.0.3", &a), 0);
	assert_null(aws_config_session_by_vni(&c, 77, &a));
	aws_config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cli_examples_alone),
	    cmocka_unit_test(test_spec_set_files_merge),
	    cmocka_unit_test(test_defined_twice),
	    cmocka_unit_test(test_broken_variants),
	    cmocka_unit_test(test_rule_limit_choice),
	    cmocka_unit_test(test_unknown_keys_and_protocol_zero),
	    cmocka_unit_test(test_wrong_types),
	    cmocka_unit_test(test_hostmap_targets),
	    cmocka_unit_test(test_missing_file),
	    cmocka_unit_test(test_shared_vni),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
