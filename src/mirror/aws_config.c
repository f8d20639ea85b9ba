/* aws_config.c - load AWS CLI describe-traffic-mirror-* JSON and the vxscope host map.
 *
 * Spec: ../shared/spec/aws-mirroring.md 1.7 (filters), 1.8 (sessions), 1.9 (targets);
 * the host map format is ours (docs/aws-model.md).  Loading checks JSON types and that values
 * parse (CIDR blocks, addresses, enums); ranges and relations are aws_validate.c's job, so a
 * config with several problems reports them all at once.
 */
#include "aws_config.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_config_int.h"
#include "decode/ipaddr.h"

/* Loading context: the file and where errors go. */
struct ld {
	struct aws_config *c;
	const char *file; /* owned by c->files */
	struct aws_error *err;
};

void aws_error_set(struct aws_error *e, bool warning, const char *file, const char *path,
                   const char *value, const char *fmt, ...)
{
	memset(e, 0, sizeof(*e));
	e->warning = warning;
	snprintf(e->file, sizeof(e->file), "%s", file ? file : "");
	snprintf(e->path, sizeof(e->path), "%s", path ? path : "");
	snprintf(e->value, sizeof(e->value), "%s", value ? value : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->rule, sizeof(e->rule), fmt, ap);
	va_end(ap);
	int n = snprintf(e->msg, sizeof(e->msg), "%s%s", e->file, e->file[0] ? ": " : "");
	if (n < 0)
		n = 0;
	size_t off = (size_t)n < sizeof(e->msg) ? (size_t)n : sizeof(e->msg) - 1;
	if (e->path[0]) {
		n = snprintf(e->msg + off, sizeof(e->msg) - off, "%s: ", e->path);
		off += n > 0 ? (size_t)n : 0;
		if (off >= sizeof(e->msg))
			off = sizeof(e->msg) - 1;
	}
	if (e->value[0]) {
		n = snprintf(e->msg + off, sizeof(e->msg) - off, "value %s: ", e->value);
		off += n > 0 ? (size_t)n : 0;
		if (off >= sizeof(e->msg))
			off = sizeof(e->msg) - 1;
	}
	snprintf(e->msg + off, sizeof(e->msg) - off, "%s%s", warning ? "warning: " : "", e->rule);
}

/* JSON text of v, bounded, for messages. */
static void value_text(const json_t *v, char *buf, size_t len)
{
	buf[0] = 0;
	if (!v)
		return;
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	if (!s)
		return;
	if (strlen(s) >= len && len > 4)
		snprintf(buf, len, "%.*s...", (int)(len - 4), s);
	else
		snprintf(buf, len, "%s", s);
	free(s);
}

static int fail(struct ld *l, const char *path, const json_t *v, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(struct ld *l, const char *path, const json_t *v, const char *fmt, ...)
{
	char val[160], rule[256];
	value_text(v, val, sizeof(val));
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rule, sizeof(rule), fmt, ap);
	va_end(ap);
	aws_error_set(l->err, false, l->file, path, val, "%s", rule);
	return -EINVAL;
}

static const char *json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number with a fraction";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

/* Optional string member: 1 absent, 0 copied, -EINVAL wrong type or too long. */
static int get_str(struct ld *l, const json_t *obj, const char *key, const char *path, char *out,
                   size_t len, bool required)
{
	char p[256];
	snprintf(p, sizeof(p), "%s.%s", path, key);
	const json_t *v = json_object_get(obj, key);
	if (!v) {
		if (required)
			return fail(l, p, NULL, "required key is missing");
		return 1;
	}
	if (!json_is_string(v))
		return fail(l, p, v, "must be a string, not %s", json_type_name(v));
	const char *s = json_string_value(v);
	if (strlen(s) >= len || strlen(s) != json_string_length(v))
		return fail(l, p, v, "string too long (at most %zu bytes) or holds NUL", len - 1);
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

/* Optional string member copied to the heap (*out NULL when absent). */
static int get_dup(struct ld *l, const json_t *obj, const char *key, const char *path, char **out)
{
	char p[256];
	snprintf(p, sizeof(p), "%s.%s", path, key);
	const json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_string(v))
		return fail(l, p, v, "must be a string, not %s", json_type_name(v));
	*out = strndup(json_string_value(v), 1024);
	return *out ? 0 : -ENOMEM;
}

/* Integer member: 1 absent, 0 read, -EINVAL wrong type. */
static int get_int(struct ld *l, const json_t *obj, const char *key, const char *path, int64_t *out,
                   bool required)
{
	char p[256];
	snprintf(p, sizeof(p), "%s.%s", path, key);
	const json_t *v = json_object_get(obj, key);
	if (!v) {
		if (required)
			return fail(l, p, NULL, "required key is missing");
		return 1;
	}
	if (!json_is_integer(v))
		return fail(l, p, v, "must be an integer, not %s", json_type_name(v));
	*out = (int64_t)json_integer_value(v);
	return 0;
}

static int get_array(struct ld *l, const json_t *obj, const char *key, const char *path,
                     const json_t **out)
{
	char p[256];
	snprintf(p, sizeof(p), "%s.%s", path, key);
	const json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_array(v))
		return fail(l, p, v, "must be an array, not %s", json_type_name(v));
	*out = v;
	return 0;
}

static int grow(void **v, unsigned *cap, unsigned n, size_t size)
{
	if (n < *cap)
		return 0;
	unsigned ncap = *cap ? *cap * 2 : 8;
	void *nv = realloc(*v, (size_t)ncap * size);
	if (!nv)
		return -ENOMEM;
	memset((char *)nv + (size_t)*cap * size, 0, (size_t)(ncap - *cap) * size);
	*v = nv;
	*cap = ncap;
	return 0;
}

static int load_ports(struct ld *l, const json_t *rule, const char *key, const char *path,
                      struct aws_port_range *pr)
{
	char p[256];
	snprintf(p, sizeof(p), "%s.%s", path, key);
	const json_t *v = json_object_get(rule, key);
	pr->set = false;
	if (!v)
		return 0;
	if (!json_is_object(v))
		return fail(l, p, v, "must be an object {\"FromPort\": N, \"ToPort\": N}, not %s",
		            json_type_name(v));
	int rc = get_int(l, v, "FromPort", p, &pr->from, true);
	if (rc)
		return rc;
	rc = get_int(l, v, "ToPort", p, &pr->to, true);
	if (rc)
		return rc;
	pr->set = true;
	return 0;
}

static int load_cidr(struct ld *l, const json_t *rule, const char *key, const char *path,
                     struct ip_addr *net, unsigned *prefix)
{
	char s[80], p[256];
	int rc = get_str(l, rule, key, path, s, sizeof(s), true);
	if (rc)
		return rc < 0 ? rc : -EINVAL;
	snprintf(p, sizeof(p), "%s.%s", path, key);
	if (ipaddr_parse_cidr(s, net, prefix))
		return fail(l, p, json_object_get(rule, key),
		            "not a CIDR block (a.b.c.d/n with n <= 32, or x::/n with n <= 128)");
	return 0;
}

static int load_rule(struct ld *l, const json_t *r, const char *path, enum mirror_dir dir,
                     struct aws_rule *out)
{
	if (!json_is_object(r))
		return fail(l, path, r, "a filter rule must be an object, not %s",
		            json_type_name(r));
	int rc;
	char s[32], p[256];
	if ((rc = get_str(l, r, "TrafficMirrorFilterRuleId", path, out->id, sizeof(out->id),
	                  false)) < 0)
		return rc;
	rc = get_str(l, r, "TrafficDirection", path, s, sizeof(s), false);
	if (rc < 0)
		return rc;
	snprintf(p, sizeof(p), "%s.TrafficDirection", path);
	if (rc == 0 && strcmp(s, aws_dir_name(dir)))
		return fail(l, p, json_object_get(r, "TrafficDirection"),
		            "a rule in %s must have TrafficDirection \"%s\"",
		            dir == MIRROR_INGRESS ? "IngressFilterRules" : "EgressFilterRules",
		            aws_dir_name(dir));
	if ((rc = get_int(l, r, "RuleNumber", path, &out->number, true)))
		return rc < 0 ? rc : -EINVAL;
	if ((rc = get_str(l, r, "RuleAction", path, s, sizeof(s), true)))
		return rc < 0 ? rc : -EINVAL;
	snprintf(p, sizeof(p), "%s.RuleAction", path);
	if (!strcmp(s, "accept"))
		out->accept = true;
	else if (!strcmp(s, "reject"))
		out->accept = false;
	else
		return fail(l, p, json_object_get(r, "RuleAction"),
		            "RuleAction must be \"accept\" or \"reject\"");
	rc = get_int(l, r, "Protocol", path, &out->proto, false);
	if (rc < 0)
		return rc;
	out->has_proto = rc == 0 && out->proto != 0; /* absent or 0: all protocols */
	if ((rc = load_ports(l, r, "SourcePortRange", path, &out->sport)) ||
	    (rc = load_ports(l, r, "DestinationPortRange", path, &out->dport)))
		return rc;
	if ((rc = load_cidr(l, r, "SourceCidrBlock", path, &out->src_net, &out->src_prefix)) ||
	    (rc = load_cidr(l, r, "DestinationCidrBlock", path, &out->dst_net, &out->dst_prefix)))
		return rc;
	return get_dup(l, r, "Description", path, &out->description);
}

/* The id at obj.key was loaded before (from first): an error naming both places. */
static int fail_twice(struct ld *l, const json_t *obj, const char *path, const char *key,
		      const char *what, const struct aws_origin *first, const char *array)
{
	char p[256];
	snprintf(p, sizeof(p), "%s.%s", path, key);
	fail(l, p, json_object_get(obj, key), "%s twice (first in %s, %s[%u])", what,
	     first->file, array, first->index);
	return -EEXIST;
}

static int load_filter(struct ld *l, const json_t *f, const char *path, unsigned index)
{
	struct aws_config *c = l->c;
	if (!json_is_object(f))
		return fail(l, path, f, "a filter must be an object, not %s", json_type_name(f));
	int rc = grow((void **)&c->filters, &c->cap_filters, c->nfilters, sizeof(*c->filters));
	if (rc)
		return rc;
	struct aws_filter *flt = &c->filters[c->nfilters];
	memset(flt, 0, sizeof(*flt));
	flt->origin.file = l->file;
	flt->origin.index = index;
	if ((rc = get_str(l, f, "TrafficMirrorFilterId", path, flt->id, sizeof(flt->id), true)))
		return rc < 0 ? rc : -EINVAL;
	const struct aws_filter *dup = aws_config_filter(c, flt->id);
	if (dup)
		return fail_twice(l, f, path, "TrafficMirrorFilterId", "filter defined", &dup->origin,
				  "TrafficMirrorFilters");
	c->nfilters++; /* from here flt is owned by c: freed with it on any error */
	static const char *const keys[2] = {"IngressFilterRules", "EgressFilterRules"};
	for (int d = 0; d < 2; d++) {
		const json_t *arr;
		if ((rc = get_array(l, f, keys[d], path, &arr)))
			return rc;
		size_t n = arr ? json_array_size(arr) : 0;
		if (n > 4096) {
			char p[256];
			snprintf(p, sizeof(p), "%s.%s", path, keys[d]);
			return fail(l, p, NULL, "%zu rules: far past any AWS quota", n);
		}
		if (!n)
			continue;
		flt->rules[d] = calloc(n, sizeof(struct aws_rule));
		if (!flt->rules[d])
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			char p[256];
			snprintf(p, sizeof(p), "%s.%s[%zu]", path, keys[d], i);
			struct aws_rule *r = &flt->rules[d][flt->nrules[d]];
			r->index = (unsigned)i;
			flt->nrules[d]++;
			if ((rc = load_rule(l, json_array_get(arr, i), p, (enum mirror_dir)d, r)))
				return rc;
		}
	}
	const json_t *ns;
	if ((rc = get_array(l, f, "NetworkServices", path, &ns)))
		return rc;
	for (size_t i = 0; ns && i < json_array_size(ns); i++) {
		const json_t *v = json_array_get(ns, i);
		char p[256];
		snprintf(p, sizeof(p), "%s.NetworkServices[%zu]", path, i);
		if (!json_is_string(v) || strcmp(json_string_value(v), "amazon-dns"))
			return fail(l, p, v, "the only network service is \"amazon-dns\"");
		flt->amazon_dns = true;
	}
	return get_dup(l, f, "Description", path, &flt->description);
}

static int load_session(struct ld *l, const json_t *s, const char *path, unsigned index)
{
	struct aws_config *c = l->c;
	if (!json_is_object(s))
		return fail(l, path, s, "a session must be an object, not %s", json_type_name(s));
	int rc = grow((void **)&c->sessions, &c->cap_sessions, c->nsessions, sizeof(*c->sessions));
	if (rc)
		return rc;
	struct aws_session *ss = &c->sessions[c->nsessions];
	memset(ss, 0, sizeof(*ss));
	ss->origin.file = l->file;
	ss->origin.index = index;
	if ((rc = get_str(l, s, "TrafficMirrorSessionId", path, ss->id, sizeof(ss->id), true)))
		return rc < 0 ? rc : -EINVAL;
	const struct aws_session *dup = aws_config_session(c, ss->id);
	if (dup)
		return fail_twice(l, s, path, "TrafficMirrorSessionId", "session defined",
				  &dup->origin, "TrafficMirrorSessions");
	if ((rc =
	         get_str(l, s, "NetworkInterfaceId", path, ss->eni_id, sizeof(ss->eni_id), true)) ||
	    (rc = get_str(l, s, "TrafficMirrorTargetId", path, ss->target_id, sizeof(ss->target_id),
	                  true)) ||
	    (rc = get_str(l, s, "TrafficMirrorFilterId", path, ss->filter_id, sizeof(ss->filter_id),
	                  true)) ||
	    (rc = get_int(l, s, "SessionNumber", path, &ss->number, true)) ||
	    (rc = get_int(l, s, "VirtualNetworkId", path, &ss->vni, true)))
		return rc < 0 ? rc : -EINVAL;
	if ((rc = get_str(l, s, "OwnerId", path, ss->owner, sizeof(ss->owner), false)) < 0)
		return rc;
	rc = get_int(l, s, "PacketLength", path, &ss->packet_length, false);
	if (rc < 0)
		return rc;
	if (rc == 0 && ss->packet_length == 0)
		ss->packet_length = -1; /* present and 0: out of range, validate says so */
	if ((rc = get_dup(l, s, "Description", path, &ss->description)))
		return rc;
	c->nsessions++;
	return 0;
}

/* The target entry that `id` or `resource` names, declared or host-mapped. */
static struct aws_target *find_target(struct aws_config *c, const char *id, const char *resource)
{
	for (unsigned i = 0; i < c->ntargets; i++) {
		struct aws_target *t = &c->targets[i];
		if (id && id[0] && t->id[0] && !strcmp(t->id, id))
			return t;
		if (resource && resource[0] && t->resource[0] && !strcmp(t->resource, resource))
			return t;
	}
	return NULL;
}

static const struct {
	const char *key, *type;
	enum aws_target_type t;
} target_kinds[3] = {
    {"NetworkInterfaceId", "network-interface", AWS_TARGET_ENI},
    {"NetworkLoadBalancerArn", "network-load-balancer", AWS_TARGET_NLB},
    {"GatewayLoadBalancerEndpointId", "gateway-load-balancer-endpoint", AWS_TARGET_GWLBE},
};

/* Exactly one of the three resource keys: its kind index, or -EINVAL. */
static int target_resource(struct ld *l, const json_t *t, const char *path, bool required,
                           char *res, size_t len)
{
	int found = -1;
	for (int k = 0; k < 3; k++) {
		if (!json_object_get(t, target_kinds[k].key))
			continue;
		if (found >= 0)
			return fail(l, path, NULL, "a target names exactly one of %s, %s and %s",
			            target_kinds[0].key, target_kinds[1].key, target_kinds[2].key);
		int rc = get_str(l, t, target_kinds[k].key, path, res, len, true);
		if (rc)
			return rc;
		found = k;
	}
	if (found < 0 && required)
		return fail(l, path, NULL, "a target names one of %s, %s or %s",
		            target_kinds[0].key, target_kinds[1].key, target_kinds[2].key);
	return found;
}

static int load_target(struct ld *l, const json_t *t, const char *path, unsigned index)
{
	struct aws_config *c = l->c;
	if (!json_is_object(t))
		return fail(l, path, t, "a target must be an object, not %s", json_type_name(t));
	char id[AWS_ID_LEN], res[AWS_ID_LEN], type[48], p[256];
	int rc = get_str(l, t, "TrafficMirrorTargetId", path, id, sizeof(id), true);
	if (rc)
		return rc < 0 ? rc : -EINVAL;
	int k = target_resource(l, t, path, true, res, sizeof(res));
	if (k < 0)
		return k;
	rc = get_str(l, t, "Type", path, type, sizeof(type), false);
	if (rc < 0)
		return rc;
	snprintf(p, sizeof(p), "%s.Type", path);
	if (rc == 0 && strcmp(type, target_kinds[k].type))
		return fail(l, p, json_object_get(t, "Type"),
		            "Type must be \"%s\" for a target with %s", target_kinds[k].type,
		            target_kinds[k].key);
	struct aws_target *tg = find_target(c, id, res);
	if (tg && tg->declared)
		return fail_twice(l, t, path, "TrafficMirrorTargetId", "target defined", &tg->origin,
				  "TrafficMirrorTargets");
	if (!tg) {
		if ((rc = grow((void **)&c->targets, &c->cap_targets, c->ntargets,
		               sizeof(*c->targets))))
			return rc;
		tg = &c->targets[c->ntargets++];
		memset(tg, 0, sizeof(*tg));
	}
	snprintf(tg->id, sizeof(tg->id), "%s", id);
	snprintf(tg->resource, sizeof(tg->resource), "%s", res);
	tg->type = target_kinds[k].t;
	tg->declared = true;
	tg->origin.file = l->file;
	tg->origin.index = index;
	free(tg->description);
	return get_dup(l, t, "Description", path, &tg->description);
}

/* "Addresses": [ "ip", ... ] into addrs. */
static int load_addrs(struct ld *l, const json_t *o, const char *key, const char *path,
                      struct ip_addr *addrs, unsigned *n)
{
	const json_t *arr;
	int rc = get_array(l, o, key, path, &arr);
	if (rc || !arr)
		return rc;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const json_t *v = json_array_get(arr, i);
		char p[256];
		snprintf(p, sizeof(p), "%s.%s[%zu]", path, key, i);
		if (i >= AWS_MAX_ADDRS)
			return fail(l, p, v, "at most %d addresses", AWS_MAX_ADDRS);
		if (!json_is_string(v) || ipaddr_parse(json_string_value(v), &addrs[i]))
			return fail(l, p, v, "not an IPv4 or IPv6 address");
		*n = (unsigned)i + 1;
	}
	return 0;
}

static int load_mtu(struct ld *l, const json_t *o, const char *path, uint32_t *mtu)
{
	int64_t v;
	int rc = get_int(l, o, "Mtu", path, &v, false);
	if (rc)
		return rc < 0 ? rc : 0;
	char p[256];
	snprintf(p, sizeof(p), "%s.Mtu", path);
	if (v < 576 || v > 65535)
		return fail(l, p, json_object_get(o, "Mtu"), "Mtu must be 576-65535");
	*mtu = (uint32_t)v;
	return 0;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned b[6];
	char extra;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
	           &extra) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

static int load_map_eni(struct ld *l, const json_t *e, const char *path, unsigned index)
{
	struct aws_config *c = l->c;
	if (!json_is_object(e))
		return fail(l, path, e, "an interface must be an object, not %s",
		            json_type_name(e));
	int rc = grow((void **)&c->enis, &c->cap_enis, c->nenis, sizeof(*c->enis));
	if (rc)
		return rc;
	struct aws_eni *en = &c->enis[c->nenis];
	memset(en, 0, sizeof(*en));
	en->origin.file = l->file;
	en->origin.index = index;
	en->mapped = true;
	char p[256], mac[32];
	if ((rc = get_str(l, e, "NetworkInterfaceId", path, en->id, sizeof(en->id), true)))
		return rc < 0 ? rc : -EINVAL;
	const struct aws_eni *dup = aws_config_eni(c, en->id);
	if (dup)
		return fail_twice(l, e, path, "NetworkInterfaceId", "interface mapped", &dup->origin,
				  "NetworkInterfaces");
	if ((rc = get_str(l, e, "Interface", path, en->ifname, sizeof(en->ifname), false)) < 0)
		return rc;
	if ((rc = load_addrs(l, e, "Addresses", path, en->addrs, &en->naddrs)))
		return rc;
	rc = get_str(l, e, "MacAddress", path, mac, sizeof(mac), false);
	if (rc < 0)
		return rc;
	snprintf(p, sizeof(p), "%s.MacAddress", path);
	if (rc == 0) {
		if (parse_mac(mac, en->mac))
			return fail(l, p, json_object_get(e, "MacAddress"),
			            "not a MAC address (xx:xx:xx:xx:xx:xx)");
		en->has_mac = true;
	}
	if ((rc = load_mtu(l, e, path, &en->mtu)))
		return rc;
	const json_t *arr;
	if ((rc = get_array(l, e, "VpcCidrBlocks", path, &arr)))
		return rc;
	for (size_t i = 0; arr && i < json_array_size(arr); i++) {
		const json_t *v = json_array_get(arr, i);
		snprintf(p, sizeof(p), "%s.VpcCidrBlocks[%zu]", path, i);
		if (i >= AWS_MAX_VPC_CIDRS)
			return fail(l, p, v, "at most %d VPC CIDR blocks", AWS_MAX_VPC_CIDRS);
		if (!json_is_string(v) ||
		    ipaddr_parse_cidr(json_string_value(v), &en->vpc_net[i], &en->vpc_prefix[i]))
			return fail(l, p, v, "not a CIDR block");
		en->nvpc = (unsigned)i + 1;
	}
	c->nenis++;
	return 0;
}

static int load_map_target(struct ld *l, const json_t *t, const char *path)
{
	struct aws_config *c = l->c;
	if (!json_is_object(t))
		return fail(l, path, t, "a target must be an object, not %s", json_type_name(t));
	char id[AWS_ID_LEN] = "", res[AWS_ID_LEN] = "";
	int rc = get_str(l, t, "TrafficMirrorTargetId", path, id, sizeof(id), false);
	if (rc < 0)
		return rc;
	int k = target_resource(l, t, path, false, res, sizeof(res));
	if (k == -EINVAL)
		return k;
	if (!id[0] && k < 0)
		return fail(l, path, NULL,
		            "a host-map target names TrafficMirrorTargetId or its resource (%s, "
		            "%s or %s)",
		            target_kinds[0].key, target_kinds[1].key, target_kinds[2].key);
	struct aws_target *tg = find_target(c, id, res);
	if (tg && tg->mapped)
		return fail(
		    l, path,
		    json_object_get(t, id[0] ? "TrafficMirrorTargetId" : target_kinds[k].key),
		    "target mapped twice");
	if (!tg) {
		if ((rc = grow((void **)&c->targets, &c->cap_targets, c->ntargets,
		               sizeof(*c->targets))))
			return rc;
		tg = &c->targets[c->ntargets++];
		memset(tg, 0, sizeof(*tg));
		snprintf(tg->id, sizeof(tg->id), "%s", id);
		snprintf(tg->resource, sizeof(tg->resource), "%s", res);
		tg->type = k >= 0 ? target_kinds[k].t : AWS_TARGET_ENI;
		tg->origin.file = l->file;
		tg->origin.index = 0;
	}
	tg->mapped = true;
	unsigned n = 0;
	struct ip_addr addrs[AWS_MAX_ADDRS];
	if ((rc = load_addrs(l, t, "Addresses", path, addrs, &n)))
		return rc;
	if (!n) {
		char p[256];
		snprintf(p, sizeof(p), "%s.Addresses", path);
		return fail(l, p, NULL, "a host-map target needs at least one address to send to");
	}
	memcpy(tg->addrs, addrs, sizeof(addrs));
	tg->naddrs = n;
	uint32_t mtu = 0;
	if ((rc = load_mtu(l, t, path, &mtu)))
		return rc;
	tg->mtu = mtu; /* 0: validate fills the default for the type */
	return 0;
}

static int load_hostmap(struct ld *l, const json_t *hm)
{
	if (!json_is_object(hm))
		return fail(l, "VxscopeHostMap", hm, "must be an object, not %s",
		            json_type_name(hm));
	const json_t *arr;
	int rc = get_array(l, hm, "NetworkInterfaces", "VxscopeHostMap", &arr);
	for (size_t i = 0; !rc && arr && i < json_array_size(arr); i++) {
		char p[256];
		snprintf(p, sizeof(p), "VxscopeHostMap.NetworkInterfaces[%zu]", i);
		rc = load_map_eni(l, json_array_get(arr, i), p, (unsigned)i);
	}
	if (rc)
		return rc;
	rc = get_array(l, hm, "Targets", "VxscopeHostMap", &arr);
	for (size_t i = 0; !rc && arr && i < json_array_size(arr); i++) {
		char p[256];
		snprintf(p, sizeof(p), "VxscopeHostMap.Targets[%zu]", i);
		rc = load_map_target(l, json_array_get(arr, i), p);
	}
	return rc;
}

static int load_top_array(struct ld *l, const json_t *root, const char *key,
                          int (*fn)(struct ld *, const json_t *, const char *, unsigned))
{
	const json_t *arr = json_object_get(root, key);
	if (!json_is_array(arr))
		return fail(l, key, arr, "must be an array, not %s", json_type_name(arr));
	for (size_t i = 0; i < json_array_size(arr); i++) {
		char p[256];
		snprintf(p, sizeof(p), "%s[%zu]", key, i);
		int rc = fn(l, json_array_get(arr, i), p, (unsigned)i);
		if (rc)
			return rc;
	}
	return 0;
}

static int load_root(struct ld *l, const json_t *root)
{
	if (!json_is_object(root))
		return fail(l, "", root, "the top level must be an object, not %s",
		            json_type_name(root));
	bool any = false;
	int rc = 0;
	if (json_object_get(root, "TrafficMirrorFilters")) {
		any = true;
		rc = load_top_array(l, root, "TrafficMirrorFilters", load_filter);
	}
	if (!rc && json_object_get(root, "TrafficMirrorTargets")) {
		any = true;
		rc = load_top_array(l, root, "TrafficMirrorTargets", load_target);
	}
	if (!rc && json_object_get(root, "TrafficMirrorSessions")) {
		any = true;
		rc = load_top_array(l, root, "TrafficMirrorSessions", load_session);
	}
	if (!rc && json_object_get(root, "VxscopeHostMap")) {
		any = true;
		rc = load_hostmap(l, json_object_get(root, "VxscopeHostMap"));
	}
	if (!rc && !any)
		return fail(l, "", NULL,
		            "none of TrafficMirrorFilters, TrafficMirrorSessions, "
		            "TrafficMirrorTargets or VxscopeHostMap at the top level");
	return rc;
}

static int add_file(struct aws_config *c, const char *name, const char **out)
{
	char **nf = realloc(c->files, (c->nfiles + 1) * sizeof(*nf));
	if (!nf)
		return -ENOMEM;
	c->files = nf;
	nf[c->nfiles] = strdup(name);
	if (!nf[c->nfiles])
		return -ENOMEM;
	*out = nf[c->nfiles++];
	return 0;
}

int aws_config_load_string(struct aws_config *c, const char *name, const char *json, size_t len,
                           struct aws_error *err)
{
	struct ld l = {.c = c, .err = err};
	memset(err, 0, sizeof(*err));
	if (add_file(c, name, &l.file))
		return -ENOMEM;
	c->validated = false;
	json_error_t je;
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		char where[64];
		snprintf(where, sizeof(where), "line %d column %d", je.line, je.column);
		aws_error_set(err, false, name, where, "", "not valid JSON: %s", je.text);
		return -EINVAL;
	}
	int rc = load_root(&l, root);
	json_decref(root);
	if (rc == -ENOMEM)
		aws_error_set(err, false, name, "", "", "out of memory");
	return rc;
}

int aws_config_load(struct aws_config *c, const char *path, struct aws_error *err)
{
	memset(err, 0, sizeof(*err));
	FILE *f = fopen(path, "rb");
	if (!f) {
		int e = errno;
		aws_error_set(err, false, path, "", "", "cannot open: %s", strerror(e));
		return -e;
	}
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	int rc = buf ? 0 : -ENOMEM;
	while (!rc) {
		if (n == cap) {
			if (cap >= (64u << 20)) {
				aws_error_set(err, false, path, "", "", "larger than 64 MiB");
				rc = -EFBIG;
				break;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				rc = -ENOMEM;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f)) {
				rc = -EIO;
				aws_error_set(err, false, path, "", "", "read error");
			}
			break;
		}
	}
	fclose(f);
	if (!rc)
		rc = aws_config_load_string(c, path, buf, n, err);
	else if (rc == -ENOMEM)
		aws_error_set(err, false, path, "", "", "out of memory");
	free(buf);
	return rc;
}

void aws_config_init(struct aws_config *c)
{
	memset(c, 0, sizeof(*c));
	c->max_rules = AWS_RULES_PER_FILTER;
}

void aws_config_free(struct aws_config *c)
{
	for (unsigned i = 0; i < c->nfilters; i++) {
		struct aws_filter *f = &c->filters[i];
		for (int d = 0; d < 2; d++) {
			for (unsigned r = 0; r < f->nrules[d]; r++)
				free(f->rules[d][r].description);
			free(f->rules[d]);
		}
		free(f->description);
	}
	for (unsigned i = 0; i < c->nsessions; i++)
		free(c->sessions[i].description);
	for (unsigned i = 0; i < c->ntargets; i++)
		free(c->targets[i].description);
	for (unsigned i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->filters);
	free(c->sessions);
	free(c->targets);
	free(c->enis);
	free(c->files);
	memset(c, 0, sizeof(*c));
}

const char *aws_dir_name(enum mirror_dir d)
{
	return d == MIRROR_EGRESS ? "egress" : "ingress";
}

const char *aws_target_type_name(enum aws_target_type t)
{
	return target_kinds[t <= AWS_TARGET_GWLBE ? t : 0].type;
}

void aws_rule_cidr(const struct ip_addr *net, unsigned prefix, char *buf, size_t len)
{
	char a[IPADDR_STRLEN];
	snprintf(buf, len, "%s/%u", ipaddr_format(net, a, sizeof(a)), prefix);
}
