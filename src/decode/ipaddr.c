/* ipaddr.c - struct ip_addr helpers. */
#include "ipaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ipaddr_cmp(const struct ip_addr *a, const struct ip_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->a, b->a, a->family == 4 ? 4 : 16);
}

bool ipaddr_eq(const struct ip_addr *a, const struct ip_addr *b)
{
	return ipaddr_cmp(a, b) == 0;
}

char *ipaddr_format(const struct ip_addr *a, char *buf, size_t len)
{
	if (a->family == 4) {
		if (!inet_ntop(AF_INET, a->a, buf, (socklen_t)len))
			snprintf(buf, len, "-");
	} else if (a->family == 6) {
		if (!inet_ntop(AF_INET6, a->a, buf, (socklen_t)len))
			snprintf(buf, len, "-");
	} else {
		snprintf(buf, len, "-");
	}
	return buf;
}

int ipaddr_parse(const char *s, struct ip_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, out->a) == 1) {
		out->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->a) == 1) {
		out->family = 6;
		return 0;
	}
	return -EINVAL;
}

int ipaddr_parse_cidr(const char *s, struct ip_addr *net, unsigned *prefix)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = 0;
	if (ipaddr_parse(buf, net))
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long n = strtoul(slash + 1, &end, 10);
	unsigned max = net->family == 4 ? 32 : 128;
	if (errno || end == slash + 1 || *end || n > max)
		return -EINVAL;
	*prefix = (unsigned)n;
	return 0;
}

bool ipaddr_in_cidr(const struct ip_addr *a, const struct ip_addr *net, unsigned prefix)
{
	if (a->family != net->family)
		return false;
	unsigned full = prefix / 8, rest = prefix % 8;
	if (memcmp(a->a, net->a, full))
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));
		if ((a->a[full] & mask) != (net->a[full] & mask))
			return false;
	}
	return true;
}
