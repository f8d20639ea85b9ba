/* admission.h - which mirrored datagrams a target accepts: source CIDRs and VNIs, like the
 * security group in front of an AWS mirror target (aws-mirroring.md: the target must allow
 * UDP 4789 from the sources).  Default: accept everything. */
#ifndef VXS_ENGINE_ADMISSION_H
#define VXS_ENGINE_ADMISSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/packet.h"

#define ADMISSION_MAX 256

enum admission_verdict {
	ADM_ACCEPT = 0,
	ADM_REFUSE_CIDR,
	ADM_REFUSE_VNI,
};

struct admission {
	struct {
		struct ip_addr net;
		unsigned prefix;
	} cidr[ADMISSION_MAX];
	unsigned ncidr;
	struct {
		uint32_t lo, hi;
	} vni[ADMISSION_MAX];
	unsigned nvni;
};

void admission_init(struct admission *a);
/* "10.0.0.0/8", "fd00::/8", or a bare address (a /32 or /128).  0, -EINVAL or -ENOSPC. */
int admission_add_cidr(struct admission *a, const char *s) __attribute__((warn_unused_result));
/* "4242" or "100-200" (0..16777215).  0, -EINVAL or -ENOSPC. */
int admission_add_vni(struct admission *a, const char *s) __attribute__((warn_unused_result));
/* A file of lines "cidr CIDR" / "vni N|A-B", '#' comments, blank lines.  0, or -errno with
 * the file, line and reason in err. */
int admission_load_file(struct admission *a, const char *path, char *err, size_t errlen)
	__attribute__((warn_unused_result));
/* Source first, then VNI (has_vni false: a datagram without one passes the VNI list only
 * when the list is empty). */
enum admission_verdict admission_check(const struct admission *a, const struct ip_addr *src,
				       bool has_vni, uint32_t vni);
/* "any source, any VNI" or "sources 10.0.0.0/8 fd00::/8; VNIs 1-10 42" into buf. */
void admission_describe(const struct admission *a, char *buf, size_t len);

#endif
