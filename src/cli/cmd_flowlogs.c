/* cmd_flowlogs.c - `vxscope flowlogs`: VPC Flow Logs records from mirrored packets. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "engine/flowlog_sink.h"
#include "output/flow_record.h"

/* --flows FILE: the flow table as JSON lines from the same pass. */
struct flows_file {
	struct strbuf b;
	struct jsonw w;
};

static void on_flow_end(void *ctx, struct flow *f, struct flow_ext *fx, enum flow_end_reason why)
{
	(void)fx;
	struct flows_file *ff = ctx;
	flow_record_json(&ff->w, f, why, NULL);
	(void)jsonw_record_end(&ff->w);
}

static void flowlogs_usage(FILE *f)
{
	fputs("usage: vxscope flowlogs FILE... [options]\n"
	      "\n"
	      "VPC Flow Logs records exactly as AWS writes them: one record per flow direction per\n"
	      "aggregation window, tcp-flags OR-ed (FIN 1, SYN 2, RST 4, SYN-ACK 18), bytes = IP\n"
	      "length, values that packets cannot tell written as '-'.  Traffic AWS never logs\n"
	      "(instance metadata, Time Sync, Amazon DNS 169.254.169.253, DHCP, Windows activation)\n"
	      "is left out; the VXLAN carrier itself is never a record.\n"
	      "\n"
	      "  --log-format FMT                 '${field} ${field} ...' as in the AWS CLI\n"
	      "                                   (default: the 14 version-2 fields)\n"
	      "  --max-aggregation-interval S     60 or 600 (default 600, as AWS)\n"
	      "  -o, --output FILE                write here instead of stdout\n"
	      "  -z, --gzip                       gzip the output\n"
	      "  --s3-dir DIR                     write AWS's S3 layout under DIR:\n"
	      "      AWSLogs/ACCOUNT/vpcflowlogs/REGION/YYYY/MM/DD/\n"
	      "      ACCOUNT_vpcflowlogs_REGION_FLOWLOGID_YYYYMMDDTHHmmZ_HASH.log.gz (5-minute files)\n"
	      "  --no-header                      no header line\n"
	      "  --flows FILE                     also write the flow table as JSON lines (as\n"
	      "                                   `vxscope flows --json`) from the same pass\n"
	      "  --account-id ID  --region R  --flow-log-id FL  --interface-id ENI\n"
	      "  --vpc-id V  --subnet-id S  --instance-id I  --az-id AZ\n"
	      "                                   values for the fields packets cannot tell\n"
	      "  --max-flows N  --tcp-idle S  --idle S  --active-timeout S   flow table bounds\n"
	      "  --vxlan-port P  --geneve-port P  extra tunnel ports\n"
	      "  --sessions FILE  AWS mirroring JSON + host map: interface-id = the session's ENI\n"
	      "  -h, --help                       this text\n"
	      "\n"
	      "srcaddr/dstaddr and flow-direction: a mirrored packet's outer source is the source\n"
	      "ENI's primary IP; packets from it are egress, packets to it ingress; otherwise\n"
	      "flow-direction is '-'.\n",
	      f);
}

int cmd_flowlogs(int argc, char **argv)
{
	enum {
		O_FORMAT = 0x3001,
		O_INTERVAL,
		O_S3,
		O_NOHDR,
		O_ACCT,
		O_REGION,
		O_FLID,
		O_ENI,
		O_VPC,
		O_SUBNET,
		O_INSTANCE,
		O_AZ,
		O_FLOWS,
	};
	static const struct option opts[] = {
		{"log-format", required_argument, 0, O_FORMAT},
		{"max-aggregation-interval", required_argument, 0, O_INTERVAL},
		{"output", required_argument, 0, 'o'},
		{"gzip", no_argument, 0, 'z'},
		{"s3-dir", required_argument, 0, O_S3},
		{"no-header", no_argument, 0, O_NOHDR},
		{"account-id", required_argument, 0, O_ACCT},
		{"region", required_argument, 0, O_REGION},
		{"flow-log-id", required_argument, 0, O_FLID},
		{"interface-id", required_argument, 0, O_ENI},
		{"vpc-id", required_argument, 0, O_VPC},
		{"subnet-id", required_argument, 0, O_SUBNET},
		{"instance-id", required_argument, 0, O_INSTANCE},
		{"az-id", required_argument, 0, O_AZ},
		{"flows", required_argument, 0, O_FLOWS},
		{"help", no_argument, 0, 'h'},
		CLI_TABLE_LONGOPTS,
		CLI_DECODE_LONGOPTS,
		{0, 0, 0, 0},
	};
	struct pipeline_cfg cfg;
	pipeline_cfg_default(&cfg);
	struct flowlog_sink_cfg sc;
	flowlog_sink_cfg_default(&sc);
	char err[512];
	int c;
	uint64_t v;
	const char *flows_path = NULL;
	FILE *flows_fp = NULL;
	struct flows_file ff;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:zh", opts, NULL)) != -1) {
		int r = cli_common_option(c, optarg, &cfg);
		if (r < 0)
			goto usage;
		if (r > 0)
			continue;
		switch (c) {
		case O_FORMAT:
			if (flowlog_format_parse(&sc.fmt, optarg, err, sizeof(err))) {
				fprintf(stderr, "vxscope flowlogs: --log-format: %s\n", err);
				goto usage;
			}
			break;
		case O_INTERVAL:
			if (!cli_parse_u64(optarg, 60, 600, "--max-aggregation-interval", &v) ||
			    (v != 60 && v != 600)) {
				fprintf(stderr, "vxscope flowlogs: --max-aggregation-interval is 60 or "
						"600 (AWS allows only these)\n");
				goto usage;
			}
			sc.interval_s = (int)v;
			break;
		case 'o':
			sc.path = optarg;
			break;
		case 'z':
			sc.gzip = true;
			break;
		case O_S3:
			sc.s3_dir = optarg;
			break;
		case O_NOHDR:
			sc.header = false;
			break;
		case O_ACCT:
			sc.account_id = optarg;
			break;
		case O_REGION:
			sc.region = optarg;
			break;
		case O_FLID:
			sc.flow_log_id = optarg;
			break;
		case O_ENI:
			sc.interface_id = optarg;
			break;
		case O_VPC:
			sc.vpc_id = optarg;
			break;
		case O_SUBNET:
			sc.subnet_id = optarg;
			break;
		case O_INSTANCE:
			sc.instance_id = optarg;
			break;
		case O_FLOWS:
			flows_path = optarg;
			break;
		case O_AZ:
			sc.az_id = optarg;
			break;
		case 'h':
			flowlogs_usage(stdout);
			return EXIT_OK;
		default:
			goto usage;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "vxscope flowlogs: need at least one capture FILE\n");
		goto usage;
	}
	if (sc.s3_dir && sc.path) {
		fprintf(stderr, "vxscope flowlogs: --s3-dir and --output exclude each other\n");
		goto usage;
	}
	struct flowlog_sink *sink;
	if (flowlog_sink_open(&sink, &sc, err, sizeof(err))) {
		fprintf(stderr, "vxscope flowlogs: %s\n", err);
		return EXIT_OUTPUT;
	}
	cfg.flowlogs = sink;
	if (flows_path) {
		flows_fp = strcmp(flows_path, "-") ? fopen(flows_path, "w") : stdout;
		if (!flows_fp) {
			fprintf(stderr, "vxscope flowlogs: cannot create %s: %s\n", flows_path,
				strerror(errno));
			(void)flowlog_sink_close(sink, err, sizeof(err));
			return EXIT_OUTPUT;
		}
		strbuf_init(&ff.b, flows_fp);
		jsonw_init(&ff.w, &ff.b);
		cfg.hooks.on_flow_end = on_flow_end;
		cfg.hooks.ctx = &ff;
	}
	struct pipeline *pl = pipeline_new(&cfg);
	if (!pl) {
		fprintf(stderr, "vxscope flowlogs: out of memory\n");
		(void)flowlog_sink_close(sink, err, sizeof(err));
		return EXIT_INTERNAL;
	}
	struct input_result in;
	cli_read_inputs(argv + optind, argc - optind, pl, true, &in);
	pipeline_finish(pl);
	const struct flowlog_sink_stats *ss = flowlog_sink_stats(sink);
	fprintf(stderr, "vxscope flowlogs: %llu frames, %llu records, %llu packets excluded as AWS "
			"does%s\n",
		(unsigned long long)in.frames, (unsigned long long)ss->records,
		(unsigned long long)ss->excluded_packets, sc.s3_dir ? "" : "");
	pipeline_free(pl);
	int rc = in.status;
	if (flowlog_sink_close(sink, err, sizeof(err))) {
		fprintf(stderr, "vxscope flowlogs: %s\n", err);
		rc = EXIT_OUTPUT;
	}
	if (flows_fp) {
		int wr = strbuf_flush(&ff.b);
		if (flows_fp != stdout && fclose(flows_fp) != 0 && !wr)
			wr = -errno;
		if (wr) {
			fprintf(stderr, "vxscope flowlogs: writing %s: %s\n", flows_path,
				strerror(-wr));
			rc = EXIT_OUTPUT;
		}
		strbuf_fini(&ff.b);
	}
	return rc;
usage:
	flowlogs_usage(stderr);
	return EXIT_USAGE;
}
