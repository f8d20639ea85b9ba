/* flowlogs.h - VPC Flow Logs records, as AWS writes them.
 *
 * Spec: shared/spec/aws-mirroring.md section 5 (https://docs.aws.amazon.com/vpc/latest/
 * userguide/flow-log-records.html).  A format is a string of ${field} tokens separated by single
 * spaces (the default is the 14 version-2 fields); `version` is the highest version among the
 * fields used; a value that cannot be known from packets is written "-".  Unknown ${names} are
 * accepted and written as "-" (AWS adds fields over time).
 */
#ifndef VXS_OUTPUT_FLOWLOGS_H
#define VXS_OUTPUT_FLOWLOGS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "decode/packet.h"

#define FLOWLOG_DEFAULT_FORMAT                                                                     \
	"${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} "  \
	"${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}"

#define FLOWLOG_MAX_FIELDS 64

struct flowlog_format {
	unsigned n;
	int field[FLOWLOG_MAX_FIELDS];       /* index into the field table, -1 = unknown name */
	char name[FLOWLOG_MAX_FIELDS][40];   /* the names as given, for the header line */
	int version;                         /* highest version among known fields */
};

/* Parse a --log-format string.  0, or -EINVAL with a message in err naming the offending
 * token ("expected ${field} at column 12"). */
int flowlog_format_parse(struct flowlog_format *f, const char *s, char *err, size_t errlen);

/* One record: one direction of one flow in one aggregation window. */
struct flowlog_rec {
	const char *account_id;   /* NULL -> "-" */
	const char *interface_id; /* NULL -> "-" */
	const char *vpc_id, *subnet_id, *instance_id, *region, *az_id;
	struct ip_addr srcaddr, dstaddr;     /* interface view (spec 5.1) */
	struct ip_addr pkt_srcaddr, pkt_dstaddr;
	uint16_t srcport, dstport;
	uint8_t protocol;
	uint64_t packets, bytes;
	int64_t start_s, end_s;
	int tcp_flags;            /* AWS bitmask (FIN 1, SYN 2, RST 4, SYN-ACK 18) */
	const char *flow_direction; /* "ingress", "egress", or NULL -> "-" */
	bool reject;              /* action REJECT instead of ACCEPT */
};

/* AWS's tcp-flags value of one TCP flags byte (ACK/PSH/URG/ECE/CWR contribute nothing). */
static inline int flowlog_tcp_flags(uint8_t f)
{
	int v = 0;
	if (f & TCP_SYN)
		v |= (f & TCP_ACK) ? 18 : 2;
	if (f & TCP_FIN)
		v |= 1;
	if (f & TCP_RST)
		v |= 4;
	return v;
}

/* The header line: the field names without ${}, space separated, newline. */
void flowlog_write_header(const struct flowlog_format *f, struct strbuf *b);
/* One record line. */
void flowlog_write(const struct flowlog_format *f, const struct flowlog_rec *r, struct strbuf *b);

/* Traffic AWS never logs (and never mirrors): instance metadata, Time Sync, Amazon DNS at
 * 169.254.169.253, Windows activation (KMS 169.254.169.250/251), their IPv6 twins, DHCP. */
bool flowlog_excluded(const struct ip_addr *src, const struct ip_addr *dst, uint8_t proto,
		      uint16_t sport, uint16_t dport);

#endif
