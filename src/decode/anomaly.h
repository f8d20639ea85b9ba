/* anomaly.h - named decoder anomalies (see anomaly.def). */
#ifndef VXS_DECODE_ANOMALY_H
#define VXS_DECODE_ANOMALY_H

#include <stdint.h>

enum anomaly {
#define X(e, key, meaning) e,
#include "anomaly.def"
#undef X
	ANOM_COUNT
};

_Static_assert(ANOM_COUNT <= 64, "anomalies are kept in a 64-bit mask");

/* JSON key of an anomaly ("truncated_tcp"), or "unknown". */
const char *anomaly_name(enum anomaly a);
/* One-line meaning. */
const char *anomaly_meaning(enum anomaly a);

#define ANOM_BIT(a) (UINT64_C(1) << (a))
/* Any of the truncation anomalies. */
#define ANOM_TRUNC_MASK                                                                            \
	(ANOM_BIT(ANOM_TRUNC_LINK) | ANOM_BIT(ANOM_TRUNC_VLAN) | ANOM_BIT(ANOM_TRUNC_IPV4) |      \
	 ANOM_BIT(ANOM_TRUNC_IPV6) | ANOM_BIT(ANOM_TRUNC_TCP) | ANOM_BIT(ANOM_TRUNC_UDP) |        \
	 ANOM_BIT(ANOM_TRUNC_ICMP) | ANOM_BIT(ANOM_TRUNC_TUNNEL) | ANOM_BIT(ANOM_TRUNC_PAYLOAD))

#endif
