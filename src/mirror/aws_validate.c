/* aws_validate.c - check a loaded AWS mirroring model against the spec; resolve its links.
 *
 * Spec: ../shared/spec/aws-mirroring.md 1.2 (rule fields), 1.6 (quotas), 2 (sessions),
 * 3 (targets).  Every problem is reported with the file, the JSON path, the value and the
 * rule broken; [UNVERIFIED] points follow the choices in docs/aws-model.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_config.h"
#include "aws_config_int.h"
#include "decode/ipaddr.h"

static void diag(struct aws_diags *d, bool warning, const char *file, const char *path,
                 const char *value, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void diag(struct aws_diags *d, bool warning, const char *file, const char *path,
                 const char *value, const char *fmt, ...)
{
	if (warning)
		d->warnings++;
	else
		d->errors++;
	if (d->n >= AWS_DIAGS_MAX) {
		d->dropped++;
		return;
	}
	char rule[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rule, sizeof(rule), fmt, ap);
	va_end(ap);
	aws_error_set(&d->d[d->n++], warning, file, path, value, "%s", rule);
}

static const char *const rule_keys[2] = {"IngressFilterRules", "EgressFilterRules"};

static void rule_path(const struct aws_filter *f, int dir, const struct aws_rule *r,
                      const char *key, char *buf, size_t len)
{
	snprintf(buf, len, "TrafficMirrorFilters[%u].%s[%u]%s%s", f->origin.index, rule_keys[dir],
	         r->index, key ? "." : "", key ? key : "");
}

static void check_ports(struct aws_diags *d, const struct aws_filter *f, int dir,
                        const struct aws_rule *r, const struct aws_port_range *pr, const char *name)
{
	char p[256], v[64], key[64];
	if (!pr->set)
		return;
	snprintf(key, sizeof(key), "%s.FromPort", name);
	rule_path(f, dir, r, key, p, sizeof(p));
	snprintf(v, sizeof(v), "%" PRId64, pr->from);
	if (pr->from < 0 || pr->from > 65535)
		diag(d, false, f->origin.file, p, v, "a port is 0-65535");
	snprintf(key, sizeof(key), "%s.ToPort", name);
	rule_path(f, dir, r, key, p, sizeof(p));
	snprintf(v, sizeof(v), "%" PRId64, pr->to);
	if (pr->to < 0 || pr->to > 65535)
		diag(d, false, f->origin.file, p, v, "a port is 0-65535");
	if (pr->from > pr->to) {
		snprintf(key, sizeof(key), "%s", name);
		rule_path(f, dir, r, key, p, sizeof(p));
		snprintf(v, sizeof(v), "{\"FromPort\":%" PRId64 ",\"ToPort\":%" PRId64 "}",
		         pr->from, pr->to);
		diag(d, false, f->origin.file, p, v, "FromPort must be <= ToPort");
	}
	rule_path(f, dir, r, name, p, sizeof(p));
	snprintf(v, sizeof(v), "{\"FromPort\":%" PRId64 ",\"ToPort\":%" PRId64 "}", pr->from,
	         pr->to);
	if (r->has_proto && r->proto != 6 && r->proto != 17) {
		diag(d, true, f->origin.file, p, v,
		     "port range on protocol %" PRId64
		     ": port ranges apply to TCP (6) and UDP (17) "
		     "only; ignored",
		     r->proto);
	} else if (!r->has_proto) {
		diag(d, true, f->origin.file, p, v,
		     "port range with all protocols: checked for TCP and UDP packets, ignored for "
		     "other protocols");
	}
}

static void check_rule(struct aws_diags *d, const struct aws_filter *f, int dir,
                       const struct aws_rule *r)
{
	char p[256], v[160];
	rule_path(f, dir, r, "RuleNumber", p, sizeof(p));
	snprintf(v, sizeof(v), "%" PRId64, r->number);
	if (r->number < 1 || r->number > INT32_MAX)
		diag(d, false, f->origin.file, p, v,
		     "RuleNumber must be a positive 32-bit integer");
	else if (r->number > AWS_RULE_NUMBER_WARN_MAX)
		diag(d, true, f->origin.file, p, v,
		     "RuleNumber above %d: AWS documents no range; accepted",
		     AWS_RULE_NUMBER_WARN_MAX);
	if (r->has_proto && (r->proto < 0 || r->proto > 255)) {
		rule_path(f, dir, r, "Protocol", p, sizeof(p));
		snprintf(v, sizeof(v), "%" PRId64, r->proto);
		diag(d, false, f->origin.file, p, v, "Protocol is an IANA number 0-255");
	}
	check_ports(d, f, dir, r, &r->sport, "SourcePortRange");
	check_ports(d, f, dir, r, &r->dport, "DestinationPortRange");
	if (r->src_net.family != r->dst_net.family) {
		char s[64], t[64];
		aws_rule_cidr(&r->src_net, r->src_prefix, s, sizeof(s));
		aws_rule_cidr(&r->dst_net, r->dst_prefix, t, sizeof(t));
		rule_path(f, dir, r, "DestinationCidrBlock", p, sizeof(p));
		snprintf(v, sizeof(v), "\"%s\"", t);
		diag(d, false, f->origin.file, p, v,
		     "SourceCidrBlock %s and DestinationCidrBlock must be the same address family",
		     s);
	}
}

static int rule_cmp(const void *a, const void *b)
{
	const struct aws_rule *x = a, *y = b;
	if (x->number != y->number)
		return x->number < y->number ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static void check_filter(struct aws_config *c, struct aws_diags *d, struct aws_filter *f)
{
	char p[256], v[64];
	for (int dir = 0; dir < 2; dir++) {
		for (unsigned i = 0; i < f->nrules[dir]; i++)
			check_rule(d, f, dir, &f->rules[dir][i]);
		if (f->nrules[dir] > 1)
			qsort(f->rules[dir], f->nrules[dir], sizeof(struct aws_rule), rule_cmp);
		for (unsigned i = 1; i < f->nrules[dir]; i++) {
			const struct aws_rule *a = &f->rules[dir][i - 1], *b = &f->rules[dir][i];
			if (a->number != b->number)
				continue;
			rule_path(f, dir, b, "RuleNumber", p, sizeof(p));
			snprintf(v, sizeof(v), "%" PRId64, b->number);
			diag(d, false, f->origin.file, p, v,
			     "duplicate rule number in the %s rules (also %s[%u]): RuleNumber is "
			     "unique per direction",
			     aws_dir_name((enum mirror_dir)dir), rule_keys[dir], a->index);
		}
		if (c->max_rules_per_direction && f->nrules[dir] > c->max_rules) {
			snprintf(p, sizeof(p), "TrafficMirrorFilters[%u].%s", f->origin.index,
			         rule_keys[dir]);
			snprintf(v, sizeof(v), "%u", f->nrules[dir]);
			diag(d, false, f->origin.file, p, v,
			     "%u rules: more than %u rules in one direction of a filter",
			     f->nrules[dir], c->max_rules);
		}
	}
	unsigned total = f->nrules[0] + f->nrules[1];
	if (!c->max_rules_per_direction && total > c->max_rules) {
		snprintf(p, sizeof(p), "TrafficMirrorFilters[%u]", f->origin.index);
		snprintf(v, sizeof(v), "%u", total);
		diag(d, false, f->origin.file, p, v,
		     "%u rules: more than %u rules in a filter (quota: rules per filter, both "
		     "directions together)",
		     total, c->max_rules);
	}
}

static struct aws_eni *eni_find(struct aws_config *c, const char *id)
{
	for (unsigned i = 0; i < c->nenis; i++)
		if (!strcmp(c->enis[i].id, id))
			return &c->enis[i];
	return NULL;
}

static void fix_target(struct aws_config *c, struct aws_diags *d, struct aws_target *t)
{
	if (t->type == AWS_TARGET_ENI && !t->naddrs && t->resource[0]) {
		const struct aws_eni *e = eni_find(c, t->resource);
		if (e && e->naddrs) {
			memcpy(t->addrs, e->addrs, sizeof(t->addrs));
			t->naddrs = e->naddrs;
			if (!t->mtu)
				t->mtu = e->mtu;
		}
	}
	if (!t->mtu)
		t->mtu = t->type == AWS_TARGET_ENI ? AWS_DEFAULT_ENI_MTU : AWS_LB_MTU;
	if (t->mapped && !t->declared && !t->id[0])
		diag(d, true, t->origin.file, "VxscopeHostMap.Targets", t->resource,
		     "the host map names a target resource no loaded target has");
	for (unsigned i = 1; i < t->naddrs; i++)
		if (t->addrs[i].family != t->addrs[0].family)
			diag(d, false, t->origin.file, "VxscopeHostMap.Targets", t->id,
			     "a target's addresses must be of one family");
}

static void session_path(const struct aws_session *s, const char *key, char *buf, size_t len)
{
	snprintf(buf, len, "TrafficMirrorSessions[%u].%s", s->origin.index, key);
}

static void check_session(struct aws_config *c, struct aws_diags *d, struct aws_session *s)
{
	char p[256], v[160];
	const char *file = s->origin.file;
	session_path(s, "SessionNumber", p, sizeof(p));
	snprintf(v, sizeof(v), "%" PRId64, s->number);
	if (s->number < AWS_SESSION_NUMBER_MIN || s->number > AWS_SESSION_NUMBER_MAX)
		diag(d, false, file, p, v, "SessionNumber must be %d-%d", AWS_SESSION_NUMBER_MIN,
		     AWS_SESSION_NUMBER_MAX);
	session_path(s, "VirtualNetworkId", p, sizeof(p));
	snprintf(v, sizeof(v), "%" PRId64, s->vni);
	if (s->vni < 0 || s->vni > (int64_t)AWS_VNI_MAX)
		diag(d, false, file, p, v, "VirtualNetworkId is a 24-bit VXLAN id (0-16777215)");
	if (s->packet_length) {
		session_path(s, "PacketLength", p, sizeof(p));
		snprintf(v, sizeof(v), "%" PRId64, s->packet_length < 0 ? 0 : s->packet_length);
		if (s->packet_length < 1 || s->packet_length > AWS_PACKET_LENGTH_MAX)
			diag(d, false, file, p, v,
			     "PacketLength must be 1-%d (omit it to mirror "
			     "whole packets)",
			     AWS_PACKET_LENGTH_MAX);
	}
	s->filter = aws_config_filter(c, s->filter_id);
	if (!s->filter) {
		session_path(s, "TrafficMirrorFilterId", p, sizeof(p));
		snprintf(v, sizeof(v), "\"%s\"", s->filter_id);
		if (c->nfilters)
			diag(d, false, file, p, v, "unknown filter id: no loaded filter has it");
		else
			diag(d, true, file, p, v,
			     "no filters loaded: this session mirrors nothing here");
	}
	s->target = aws_config_target(c, s->target_id);
	if (!s->target) {
		session_path(s, "TrafficMirrorTargetId", p, sizeof(p));
		snprintf(v, sizeof(v), "\"%s\"", s->target_id);
		if (c->ntargets)
			diag(d, false, file, p, v, "unknown target id: no loaded target has it");
		else
			diag(d, true, file, p, v,
			     "no targets loaded: target taken as an ENI of MTU %d",
			     AWS_DEFAULT_ENI_MTU);
	} else if (s->target->type == AWS_TARGET_ENI && !strcmp(s->target->resource, s->eni_id)) {
		session_path(s, "NetworkInterfaceId", p, sizeof(p));
		snprintf(v, sizeof(v), "\"%s\"", s->eni_id);
		diag(d, false, file, p, v,
		     "an ENI cannot be both the source and the target of a session");
	}
}

static int sess_cmp(const void *a, const void *b)
{
	const struct aws_session *x = *(const struct aws_session *const *)a;
	const struct aws_session *y = *(const struct aws_session *const *)b;
	if (x->number != y->number)
		return x->number < y->number ? -1 : 1;
	return strcmp(x->id, y->id);
}

static void check_eni(struct aws_diags *d, struct aws_eni *e)
{
	char p[256], v[160];
	if (e->nsessions > 1)
		qsort(e->sessions, e->nsessions, sizeof(e->sessions[0]), sess_cmp);
	for (unsigned i = 1; i < e->nsessions; i++) {
		const struct aws_session *a = e->sessions[i - 1], *b = e->sessions[i];
		if (a->number != b->number)
			continue;
		session_path(b, "SessionNumber", p, sizeof(p));
		snprintf(v, sizeof(v), "%" PRId64, b->number);
		diag(d, false, b->origin.file, p, v,
		     "duplicate session number on source %s (also session %s)", e->id, a->id);
	}
	if (e->nsessions > AWS_SESSIONS_PER_ENI) {
		const struct aws_session *s = e->sessions[AWS_SESSIONS_PER_ENI];
		session_path(s, "NetworkInterfaceId", p, sizeof(p));
		snprintf(v, sizeof(v), "\"%s\"", e->id);
		diag(d, false, s->origin.file, p, v, "more than %d sessions on one source ENI",
		     AWS_SESSIONS_PER_ENI);
	}
}

int aws_config_validate(struct aws_config *c, struct aws_diags *d)
{
	memset(d, 0, sizeof(*d));
	/* Drop the ENIs a previous validate made from sessions, then make them again. */
	unsigned keep = 0;
	for (unsigned i = 0; i < c->nenis; i++) {
		if (!c->enis[i].mapped)
			continue;
		if (keep != i)
			c->enis[keep] = c->enis[i];
		c->enis[keep].nsessions = 0;
		keep++;
	}
	c->nenis = keep;
	for (unsigned i = 0; i < c->nsessions; i++) {
		struct aws_session *s = &c->sessions[i];
		if (eni_find(c, s->eni_id))
			continue;
		if (c->nenis == c->cap_enis) {
			unsigned ncap = c->cap_enis ? c->cap_enis * 2 : 8;
			struct aws_eni *ne = realloc(c->enis, ncap * sizeof(*ne));
			if (!ne)
				return -ENOMEM;
			c->enis = ne;
			c->cap_enis = ncap;
		}
		struct aws_eni *e = &c->enis[c->nenis++];
		memset(e, 0, sizeof(*e));
		snprintf(e->id, sizeof(e->id), "%s", s->eni_id);
		e->origin = s->origin;
	}
	for (unsigned i = 0; i < c->nfilters; i++)
		check_filter(c, d, &c->filters[i]);
	for (unsigned i = 0; i < c->ntargets; i++)
		fix_target(c, d, &c->targets[i]);
	for (unsigned i = 0; i < c->nsessions; i++) {
		struct aws_session *s = &c->sessions[i];
		check_session(c, d, s);
		struct aws_eni *e = eni_find(c, s->eni_id);
		s->eni = e;
		if (e->nsessions < AWS_ENI_SESSIONS_CAP)
			e->sessions[e->nsessions++] = s;
		for (unsigned j = 0; j < i; j++) {
			const struct aws_session *o = &c->sessions[j];
			if (o->vni != s->vni)
				continue;
			char p[256], v[64];
			session_path(s, "VirtualNetworkId", p, sizeof(p));
			snprintf(v, sizeof(v), "%" PRId64, s->vni);
			diag(
			    d, true, s->origin.file, p, v,
			    "VNI also used by session %s: sessions told apart by outer source only",
			    o->id);
			break;
		}
	}
	for (unsigned i = 0; i < c->nenis; i++)
		check_eni(d, &c->enis[i]);
	c->validated = d->errors == 0;
	return d->errors ? -EINVAL : 0;
}

const struct aws_filter *aws_config_filter(const struct aws_config *c, const char *id)
{
	for (unsigned i = 0; i < c->nfilters; i++)
		if (!strcmp(c->filters[i].id, id))
			return &c->filters[i];
	return NULL;
}

const struct aws_session *aws_config_session(const struct aws_config *c, const char *id)
{
	for (unsigned i = 0; i < c->nsessions; i++)
		if (!strcmp(c->sessions[i].id, id))
			return &c->sessions[i];
	return NULL;
}

const struct aws_target *aws_config_target(const struct aws_config *c, const char *id)
{
	for (unsigned i = 0; i < c->ntargets; i++)
		if (c->targets[i].id[0] && !strcmp(c->targets[i].id, id))
			return &c->targets[i];
	return NULL;
}

const struct aws_eni *aws_config_eni(const struct aws_config *c, const char *id)
{
	for (unsigned i = 0; i < c->nenis; i++)
		if (!strcmp(c->enis[i].id, id))
			return &c->enis[i];
	return NULL;
}

const struct aws_eni *aws_config_eni_by_ifname(const struct aws_config *c, const char *ifname)
{
	for (unsigned i = 0; i < c->nenis; i++)
		if (c->enis[i].ifname[0] && !strcmp(c->enis[i].ifname, ifname))
			return &c->enis[i];
	return NULL;
}

static bool eni_owns(const struct aws_eni *e, const struct ip_addr *a)
{
	for (unsigned j = 0; j < e->naddrs; j++)
		if (ipaddr_eq(&e->addrs[j], a))
			return true;
	return false;
}

const struct aws_eni *aws_config_eni_by_addr(const struct aws_config *c, const struct ip_addr *a)
{
	for (unsigned i = 0; i < c->nenis; i++)
		if (eni_owns(&c->enis[i], a))
			return &c->enis[i];
	return NULL;
}

const struct aws_session *aws_config_session_by_vni(const struct aws_config *c, uint32_t vni,
                                                    const struct ip_addr *outer_src)
{
	const struct aws_session *only = NULL;
	unsigned n = 0;
	for (unsigned i = 0; i < c->nsessions; i++) {
		const struct aws_session *s = &c->sessions[i];
		if (s->vni != (int64_t)vni)
			continue;
		if (outer_src && outer_src->family && s->eni && s->eni->naddrs) {
			if (eni_owns(s->eni, outer_src))
				return s;
			continue; /* the host map says this session's copies come from elsewhere */
		}
		n++;
		only = s;
	}
	return n == 1 ? only : NULL;
}
