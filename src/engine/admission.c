/* admission.c - source CIDR and VNI admission lists (see admission.h). */
#include "admission.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/ipaddr.h"

void admission_init(struct admission *a)
{
	memset(a, 0, sizeof(*a));
}

int admission_add_cidr(struct admission *a, const char *s)
{
	if (a->ncidr >= ADMISSION_MAX)
		return -ENOSPC;
	struct ip_addr net;
	unsigned prefix;
	if (strchr(s, '/')) {
		if (ipaddr_parse_cidr(s, &net, &prefix))
			return -EINVAL;
	} else {
		if (ipaddr_parse(s, &net))
			return -EINVAL;
		prefix = net.family == 6 ? 128 : 32;
	}
	a->cidr[a->ncidr].net = net;
	a->cidr[a->ncidr].prefix = prefix;
	a->ncidr++;
	return 0;
}

static int parse_vni(const char *s, const char **end, uint32_t *v)
{
	char *e;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	unsigned long x = strtoul(s, &e, 10);
	if (errno || x > 0xffffff)
		return -EINVAL;
	*v = (uint32_t)x;
	*end = e;
	return 0;
}

int admission_add_vni(struct admission *a, const char *s)
{
	if (a->nvni >= ADMISSION_MAX)
		return -ENOSPC;
	uint32_t lo, hi;
	const char *e;
	if (parse_vni(s, &e, &lo))
		return -EINVAL;
	hi = lo;
	if (*e == '-' && parse_vni(e + 1, &e, &hi))
		return -EINVAL;
	if (*e || hi < lo)
		return -EINVAL;
	a->vni[a->nvni].lo = lo;
	a->vni[a->nvni].hi = hi;
	a->nvni++;
	return 0;
}

int admission_load_file(struct admission *a, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	char line[512];
	unsigned ln = 0;
	int rc = 0;
	while (fgets(line, sizeof(line), f)) {
		ln++;
		char *h = strchr(line, '#');
		if (h)
			*h = 0;
		char kind[16], val[256];
		int n = sscanf(line, "%15s %255s", kind, val);
		if (n <= 0)
			continue;
		int r = -EINVAL;
		if (n == 2 && !strcmp(kind, "cidr"))
			r = admission_add_cidr(a, val);
		else if (n == 2 && !strcmp(kind, "vni"))
			r = admission_add_vni(a, val);
		if (r) {
			snprintf(err, errlen, "%s line %u: %s", path, ln,
				 r == -ENOSPC ? "too many entries (at most 256 of each kind)"
					      : "expected 'cidr CIDR' or 'vni N' or 'vni A-B'");
			rc = r;
			break;
		}
	}
	fclose(f);
	return rc;
}

enum admission_verdict admission_check(const struct admission *a, const struct ip_addr *src,
				       bool has_vni, uint32_t vni)
{
	if (a->ncidr) {
		unsigned i = 0;
		for (; i < a->ncidr; i++)
			if (ipaddr_in_cidr(src, &a->cidr[i].net, a->cidr[i].prefix))
				break;
		if (i == a->ncidr)
			return ADM_REFUSE_CIDR;
	}
	if (a->nvni) {
		if (!has_vni)
			return ADM_REFUSE_VNI;
		unsigned i = 0;
		for (; i < a->nvni; i++)
			if (vni >= a->vni[i].lo && vni <= a->vni[i].hi)
				break;
		if (i == a->nvni)
			return ADM_REFUSE_VNI;
	}
	return ADM_ACCEPT;
}

void admission_describe(const struct admission *a, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = 0;
#define PUT(...)                                                                                   \
	do {                                                                                       \
		if (o < len) {                                                                     \
			int w_ = snprintf(buf + o, len - o, __VA_ARGS__);                          \
			o += w_ > 0 ? (size_t)w_ : 0;                                              \
		}                                                                                  \
	} while (0)
	if (!a->ncidr) {
		PUT("any source");
	} else {
		PUT("sources");
		for (unsigned i = 0; i < a->ncidr; i++) {
			char s[IPADDR_STRLEN];
			PUT(" %s/%u", ipaddr_format(&a->cidr[i].net, s, sizeof(s)),
			    a->cidr[i].prefix);
		}
	}
	if (!a->nvni) {
		PUT(", any VNI");
	} else {
		PUT("; VNIs");
		for (unsigned i = 0; i < a->nvni; i++) {
			if (a->vni[i].lo == a->vni[i].hi)
				PUT(" %u", a->vni[i].lo);
			else
				PUT(" %u-%u", a->vni[i].lo, a->vni[i].hi);
		}
	}
#undef PUT
}
