/* ipaddr.h - struct ip_addr helpers: compare, format, parse, CIDR match. */
#ifndef VXS_DECODE_IPADDR_H
#define VXS_DECODE_IPADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "packet.h"

#define IPADDR_STRLEN 46 /* INET6_ADDRSTRLEN */

/* Order: family first, then bytes.  <0, 0, >0. */
int ipaddr_cmp(const struct ip_addr *a, const struct ip_addr *b);
bool ipaddr_eq(const struct ip_addr *a, const struct ip_addr *b);
/* Text form ("10.0.0.1", "fd00::1", "-" for none) into buf; returns buf. */
char *ipaddr_format(const struct ip_addr *a, char *buf, size_t len);
/* Parse text; 0 or -EINVAL. */
int ipaddr_parse(const char *s, struct ip_addr *out);
/* Parse "a.b.c.d/n" or "x::/n"; 0 or -EINVAL. */
int ipaddr_parse_cidr(const char *s, struct ip_addr *net, unsigned *prefix);
/* Does a fall in net/prefix?  Never across families. */
bool ipaddr_in_cidr(const struct ip_addr *a, const struct ip_addr *net, unsigned prefix);

#endif
