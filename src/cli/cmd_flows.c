/* cmd_flows.c - `vxscope flows`: the flow table, per mirror session, as text or JSON lines. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output/flow_record.h"

struct flows_out {
	struct strbuf b;
	struct jsonw w;
	bool json;
	bool tcp;
	FILE *fp;
};

static void flows_usage(FILE *f)
{
	fputs("usage: vxscope flows FILE... [options]\n"
	      "\n"
	      "One record per flow: mirror session (tunnel, VNI, outer source) + inner 5-tuple,\n"
	      "packets and bytes (IP length, so truncated copies count at their true size) per\n"
	      "direction, times and TCP flags.  Flows of different sessions never merge.\n"
	      "\n"
	      "  -j, --json             JSON lines instead of the text table\n"
	      "  -o, --output FILE      write here instead of stdout\n"
	      "      --tcp              add TCP analysis (retransmissions, RTT, ...) to each flow\n"
	      "      --max-flows N      bound on concurrent flows (default 262144); the least\n"
	      "                         recently active flow is evicted and counted past it\n"
	      "      --tcp-idle S       end TCP flows idle for S seconds (default 300)\n"
	      "      --idle S           end other flows idle for S seconds (default 60)\n"
	      "      --active-timeout S end and restart flows active for S seconds (default: never)\n"
	      "      --vxlan-port P     also decode UDP port P as VXLAN (e.g. 8472)\n"
	      "      --geneve-port P    also decode UDP port P as GENEVE\n"
	      "      --sessions FILE    AWS mirroring JSON + host map: session id and ENI (JSON)\n"
	      "  -h, --help             this text\n",
	      f);
}

static void on_flow_end(void *ctx, struct flow *f, struct flow_ext *fx, enum flow_end_reason why)
{
	struct flows_out *o = ctx;
	if (o->json) {
		struct tcp_health h, *hp = NULL;
		if (o->tcp && fx && fx->tcp) {
			tcp_conv_health(fx->tcp, &h);
			hp = &h;
		}
		flow_record_json(&o->w, f, why, hp);
		(void)jsonw_record_end(&o->w);
	} else {
		flow_record_text(&o->b, f);
		(void)strbuf_maybe_flush(&o->b);
	}
}

int cmd_flows(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, 0, 'j'},
		{"output", required_argument, 0, 'o'},
		{"tcp", no_argument, 0, 't'},
		CLI_TABLE_LONGOPTS,
		{"help", no_argument, 0, 'h'},
		CLI_DECODE_LONGOPTS,
		{0, 0, 0, 0},
	};
	struct pipeline_cfg cfg;
	pipeline_cfg_default(&cfg);
	struct flows_out o;
	memset(&o, 0, sizeof(o));
	const char *out_path = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "jo:th", opts, NULL)) != -1) {
		int r = cli_common_option(c, optarg, &cfg);
		if (r < 0)
			goto usage;
		if (r > 0)
			continue;
		switch (c) {
		case 'j':
			o.json = true;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 't':
			o.tcp = true;
			break;
		case 'h':
			flows_usage(stdout);
			return EXIT_OK;
		default:
			goto usage;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "vxscope flows: need at least one capture FILE\n");
		goto usage;
	}
	o.fp = stdout;
	if (out_path && strcmp(out_path, "-")) {
		o.fp = fopen(out_path, "w");
		if (!o.fp) {
			fprintf(stderr, "vxscope flows: cannot create %s: %s\n", out_path,
				strerror(errno));
			return EXIT_OUTPUT;
		}
	}
	strbuf_init(&o.b, o.fp);
	jsonw_init(&o.w, &o.b);
	if (!o.json)
		flow_record_text_header(&o.b);
	cfg.tcp_analysis = o.tcp;
	cfg.hooks.on_flow_end = on_flow_end;
	cfg.hooks.ctx = &o;
	struct pipeline *pl = pipeline_new(&cfg);
	if (!pl) {
		fprintf(stderr, "vxscope flows: out of memory\n");
		return EXIT_INTERNAL;
	}
	struct input_result in;
	cli_read_inputs(argv + optind, argc - optind, pl, true, &in);
	pipeline_finish(pl);
	const struct flow_table_stats *fs = pipeline_flow_stats(pl);
	const struct decode_stats *ps = pipeline_stats(pl);
	fprintf(stderr,
		"vxscope flows: %llu frames, %llu flows (%llu ended idle, %llu evicted, peak %llu "
		"live), %llu non-IP frames\n",
		(unsigned long long)in.frames, (unsigned long long)fs->created,
		(unsigned long long)fs->ended_idle, (unsigned long long)fs->evicted,
		(unsigned long long)fs->peak, (unsigned long long)ps->non_ip);
	pipeline_free(pl);
	int rc = in.status;
	int wr = strbuf_flush(&o.b);
	if (o.fp != stdout && fclose(o.fp) != 0 && !wr)
		wr = -errno;
	if (wr) {
		fprintf(stderr, "vxscope flows: writing %s: %s\n", out_path ? out_path : "stdout",
			strerror(-wr));
		rc = EXIT_OUTPUT;
	}
	strbuf_fini(&o.b);
	return rc;
usage:
	flows_usage(stderr);
	return EXIT_USAGE;
}
