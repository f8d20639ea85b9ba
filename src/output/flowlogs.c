/* flowlogs.c - VPC Flow Logs record formatting (spec: shared/spec/aws-mirroring.md 5.2-5.5). */
#include "flowlogs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "decode/ipaddr.h"

enum fl_field {
	F_VERSION,
	F_ACCOUNT_ID,
	F_INTERFACE_ID,
	F_SRCADDR,
	F_DSTADDR,
	F_SRCPORT,
	F_DSTPORT,
	F_PROTOCOL,
	F_PACKETS,
	F_BYTES,
	F_START,
	F_END,
	F_ACTION,
	F_LOG_STATUS,
	F_VPC_ID,
	F_SUBNET_ID,
	F_INSTANCE_ID,
	F_TCP_FLAGS,
	F_TYPE,
	F_PKT_SRCADDR,
	F_PKT_DSTADDR,
	F_REGION,
	F_AZ_ID,
	F_SUBLOCATION_TYPE,
	F_SUBLOCATION_ID,
	F_PKT_SRC_AWS_SERVICE,
	F_PKT_DST_AWS_SERVICE,
	F_FLOW_DIRECTION,
	F_TRAFFIC_PATH,
	F_ECS_CLUSTER_ARN,
	F_ECS_CLUSTER_NAME,
	F_ECS_CONTAINER_INSTANCE_ARN,
	F_ECS_CONTAINER_INSTANCE_ID,
	F_ECS_CONTAINER_ID,
	F_ECS_SECOND_CONTAINER_ID,
	F_ECS_SERVICE_NAME,
	F_ECS_TASK_DEFINITION_ARN,
	F_ECS_TASK_ARN,
	F_ECS_TASK_ID,
	F_REJECT_REASON,
	F_COUNT
};

static const struct {
	const char *name;
	int version;
} fields[F_COUNT] = {
	[F_VERSION] = {"version", 2},
	[F_ACCOUNT_ID] = {"account-id", 2},
	[F_INTERFACE_ID] = {"interface-id", 2},
	[F_SRCADDR] = {"srcaddr", 2},
	[F_DSTADDR] = {"dstaddr", 2},
	[F_SRCPORT] = {"srcport", 2},
	[F_DSTPORT] = {"dstport", 2},
	[F_PROTOCOL] = {"protocol", 2},
	[F_PACKETS] = {"packets", 2},
	[F_BYTES] = {"bytes", 2},
	[F_START] = {"start", 2},
	[F_END] = {"end", 2},
	[F_ACTION] = {"action", 2},
	[F_LOG_STATUS] = {"log-status", 2},
	[F_VPC_ID] = {"vpc-id", 3},
	[F_SUBNET_ID] = {"subnet-id", 3},
	[F_INSTANCE_ID] = {"instance-id", 3},
	[F_TCP_FLAGS] = {"tcp-flags", 3},
	[F_TYPE] = {"type", 3},
	[F_PKT_SRCADDR] = {"pkt-srcaddr", 3},
	[F_PKT_DSTADDR] = {"pkt-dstaddr", 3},
	[F_REGION] = {"region", 4},
	[F_AZ_ID] = {"az-id", 4},
	[F_SUBLOCATION_TYPE] = {"sublocation-type", 4},
	[F_SUBLOCATION_ID] = {"sublocation-id", 4},
	[F_PKT_SRC_AWS_SERVICE] = {"pkt-src-aws-service", 5},
	[F_PKT_DST_AWS_SERVICE] = {"pkt-dst-aws-service", 5},
	[F_FLOW_DIRECTION] = {"flow-direction", 5},
	[F_TRAFFIC_PATH] = {"traffic-path", 5},
	[F_ECS_CLUSTER_ARN] = {"ecs-cluster-arn", 7},
	[F_ECS_CLUSTER_NAME] = {"ecs-cluster-name", 7},
	[F_ECS_CONTAINER_INSTANCE_ARN] = {"ecs-container-instance-arn", 7},
	[F_ECS_CONTAINER_INSTANCE_ID] = {"ecs-container-instance-id", 7},
	[F_ECS_CONTAINER_ID] = {"ecs-container-id", 7},
	[F_ECS_SECOND_CONTAINER_ID] = {"ecs-second-container-id", 7},
	[F_ECS_SERVICE_NAME] = {"ecs-service-name", 7},
	[F_ECS_TASK_DEFINITION_ARN] = {"ecs-task-definition-arn", 7},
	[F_ECS_TASK_ARN] = {"ecs-task-arn", 7},
	[F_ECS_TASK_ID] = {"ecs-task-id", 7},
	[F_REJECT_REASON] = {"reject-reason", 8},
};

int flowlog_format_parse(struct flowlog_format *f, const char *s, char *err, size_t errlen)
{
	memset(f, 0, sizeof(*f));
	f->version = 2;
	const char *p = s;
	while (*p) {
		size_t col = (size_t)(p - s) + 1;
		if (f->n)
			p++; /* the single space, checked below */
		if (strncmp(p, "${", 2) != 0) {
			snprintf(err, errlen, "expected ${field} at column %zu of the log format", col);
			return -EINVAL;
		}
		const char *name = p + 2;
		const char *close = strchr(name, '}');
		if (!close || close == name || (size_t)(close - name) >= sizeof(f->name[0])) {
			snprintf(err, errlen, "unterminated or empty ${...} at column %zu", col);
			return -EINVAL;
		}
		for (const char *q = name; q < close; q++) {
			if (!((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '-')) {
				snprintf(err, errlen, "bad character '%c' in field name at column %zu",
					 *q, (size_t)(q - s) + 1);
				return -EINVAL;
			}
		}
		if (f->n == FLOWLOG_MAX_FIELDS) {
			snprintf(err, errlen, "more than %d fields", FLOWLOG_MAX_FIELDS);
			return -EINVAL;
		}
		size_t len = (size_t)(close - name);
		memcpy(f->name[f->n], name, len);
		f->name[f->n][len] = 0;
		f->field[f->n] = -1;
		for (int i = 0; i < F_COUNT; i++) {
			if (strcmp(fields[i].name, f->name[f->n]) == 0) {
				f->field[f->n] = i;
				if (fields[i].version > f->version)
					f->version = fields[i].version;
			}
		}
		f->n++;
		p = close + 1;
		if (*p && *p != ' ') {
			snprintf(err, errlen, "fields must be separated by one space (column %zu)",
				 (size_t)(p - s) + 1);
			return -EINVAL;
		}
		if (*p == ' ' && (p[1] == ' ' || p[1] == 0)) {
			snprintf(err, errlen, "extra space at column %zu", (size_t)(p - s) + 2);
			return -EINVAL;
		}
	}
	if (!f->n) {
		snprintf(err, errlen, "the log format names no field");
		return -EINVAL;
	}
	return 0;
}

void flowlog_write_header(const struct flowlog_format *f, struct strbuf *b)
{
	for (unsigned i = 0; i < f->n; i++) {
		if (i)
			strbuf_addc(b, ' ');
		strbuf_adds(b, f->name[i]);
	}
	strbuf_addc(b, '\n');
}

static void put_str(struct strbuf *b, const char *s)
{
	strbuf_adds(b, s && *s ? s : "-");
}

static void put_addr(struct strbuf *b, const struct ip_addr *a)
{
	char tmp[IPADDR_STRLEN];
	strbuf_adds(b, ipaddr_format(a, tmp, sizeof(tmp)));
}

void flowlog_write(const struct flowlog_format *f, const struct flowlog_rec *r, struct strbuf *b)
{
	for (unsigned i = 0; i < f->n; i++) {
		if (i)
			strbuf_addc(b, ' ');
		switch (f->field[i]) {
		case F_VERSION:
			strbuf_addi64(b, f->version);
			break;
		case F_ACCOUNT_ID:
			put_str(b, r->account_id);
			break;
		case F_INTERFACE_ID:
			put_str(b, r->interface_id);
			break;
		case F_SRCADDR:
			put_addr(b, &r->srcaddr);
			break;
		case F_DSTADDR:
			put_addr(b, &r->dstaddr);
			break;
		case F_SRCPORT:
			strbuf_addu64(b, r->srcport);
			break;
		case F_DSTPORT:
			strbuf_addu64(b, r->dstport);
			break;
		case F_PROTOCOL:
			strbuf_addu64(b, r->protocol);
			break;
		case F_PACKETS:
			strbuf_addu64(b, r->packets);
			break;
		case F_BYTES:
			strbuf_addu64(b, r->bytes);
			break;
		case F_START:
			strbuf_addi64(b, r->start_s);
			break;
		case F_END:
			strbuf_addi64(b, r->end_s);
			break;
		case F_ACTION:
			strbuf_adds(b, r->reject ? "REJECT" : "ACCEPT");
			break;
		case F_LOG_STATUS:
			strbuf_adds(b, "OK");
			break;
		case F_VPC_ID:
			put_str(b, r->vpc_id);
			break;
		case F_SUBNET_ID:
			put_str(b, r->subnet_id);
			break;
		case F_INSTANCE_ID:
			put_str(b, r->instance_id);
			break;
		case F_TCP_FLAGS:
			strbuf_addi64(b, r->protocol == IPPROTO_NUM_TCP ? r->tcp_flags : 0);
			break;
		case F_TYPE:
			strbuf_adds(b, r->pkt_srcaddr.family == 6 ? "IPv6" : "IPv4");
			break;
		case F_PKT_SRCADDR:
			put_addr(b, &r->pkt_srcaddr);
			break;
		case F_PKT_DSTADDR:
			put_addr(b, &r->pkt_dstaddr);
			break;
		case F_REGION:
			put_str(b, r->region);
			break;
		case F_AZ_ID:
			put_str(b, r->az_id);
			break;
		case F_FLOW_DIRECTION:
			put_str(b, r->flow_direction);
			break;
		default: /* unknowable from packets, or a field name we do not know */
			strbuf_addc(b, '-');
			break;
		}
	}
	strbuf_addc(b, '\n');
}

static bool v4_is(const struct ip_addr *a, uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	return a->family == 4 && a->a[0] == x && a->a[1] == y && a->a[2] == z && a->a[3] == w;
}

static bool aws_link_local_service(const struct ip_addr *a)
{
	/* fd00:ec2::254 (IMDS) and fd00:ec2::123 (Time Sync) */
	static const uint8_t ec2v6[14] = {0xfd, 0x00, 0x0e, 0xc2};
	if (a->family == 6 && memcmp(a->a, ec2v6, 14) == 0 &&
	    ((a->a[14] == 0x02 && a->a[15] == 0x54) || (a->a[14] == 0x01 && a->a[15] == 0x23)))
		return true;
	return v4_is(a, 169, 254, 169, 254) || v4_is(a, 169, 254, 169, 123) ||
	       v4_is(a, 169, 254, 169, 253) || v4_is(a, 169, 254, 169, 250) ||
	       v4_is(a, 169, 254, 169, 251);
}

bool flowlog_excluded(const struct ip_addr *src, const struct ip_addr *dst, uint8_t proto,
		      uint16_t sport, uint16_t dport)
{
	if (aws_link_local_service(src) || aws_link_local_service(dst))
		return true;
	if (proto == IPPROTO_NUM_UDP) {
		bool dhcp4 = (sport == 67 || sport == 68) && (dport == 67 || dport == 68);
		bool dhcp6 = (sport == 546 || sport == 547) && (dport == 546 || dport == 547);
		if (dhcp4 || dhcp6)
			return true;
	}
	return false;
}
