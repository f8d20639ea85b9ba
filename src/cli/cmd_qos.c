/* cmd_qos.c - `vxscope qos plan`: a Linux tc script from the traffic classes, rate limits and
 * MTU trouble a capture shows (docs/qos.md). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analyze/qos.h"
#include "analyze/qos_plan.h"
#include "analyze/services.h"
#include "analyze/tcp_findings.h"
#include "app/app.h"
#include "cli.h"

struct plan_ctx {
	struct qos *qos;
	struct app_analyzer *app; /* SIP and RTP flows are voice (flow class_hint) */
	struct service_table *services;
	struct icmp_seen icmp;
};

static void plan_usage(FILE *f)
{
	fputs("usage: vxscope qos plan [FILE...] [options]\n"
	      "\n"
	      "Read captures like `vxscope analyze` and write a Linux tc configuration for the\n"
	      "egress of one interface as a commented shell script: HTB with a class per traffic\n"
	      "class seen (voice first, then interactive, video and database, web, other, bulk),\n"
	      "the measured rates, fq_codel leaves where the kernel has them and pfifo/bfifo\n"
	      "otherwise, DSCP and port filters (u32), and an iptables TCPMSS clamp when a path\n"
	      "MTU black hole was found.  Nothing is applied: read the script, then run it.\n"
	      "Without FILE, a template with every class.\n"
	      "\n"
	      "  -o, --output FILE      write the script here instead of stdout\n"
	      "      --iface DEV        the interface the script configures (default eth0; the\n"
	      "                         script also takes it as its first argument)\n"
	      "      --link-rate RATE   the rate to shape to (100mbit, 1gbit, 500kbit, 20M, or\n"
	      "                         bit/s); default: 95% of a measured rate limit, else 120%\n"
	      "                         of the peak seen\n"
	      "      --leaf auto|fq_codel|fifo  leaf qdiscs (default auto: the script tries\n"
	      "                         fq_codel per leaf and falls back to pfifo/bfifo)\n"
	      "      --probe            decide the leaf now: try fq_codel on lo in a scratch\n"
	      "                         network namespace (needs root and unshare)\n"
	      "      --class-map FILE   QoS classes from FILE before the defaults (docs/qos.md)\n"
	      "      --max-flows N  --tcp-idle S  --idle S  --active-timeout S   flow table bounds\n"
	      "      --vxlan-port P  --geneve-port P   extra tunnel ports\n"
	      "  -h, --help             this text\n",
	      f);
}

static void on_packet(void *ctx, const struct packet *p, struct flow *f, int dir,
		      const struct tcp_pkt_analysis *ta)
{
	(void)ta;
	struct plan_ctx *c = ctx;
	if (p->proto == IPPROTO_NUM_ICMP || p->proto == IPPROTO_NUM_ICMPV6)
		icmp_seen_packet(&c->icmp, p);
	if (f && (p->proto == IPPROTO_NUM_TCP || p->proto == IPPROTO_NUM_UDP))
		app_packet(c->app, p, f, dir);
	if (f)
		qos_packet(c->qos, p, f, dir);
}

static void on_tcp(void *ctx, const struct packet *p, struct flow *f, int dir,
		   const struct tcp_pkt_analysis *ta)
{
	struct plan_ctx *c = ctx;
	qos_tcp(c->qos, p, f, dir, ta);
}

static void on_flow_end(void *ctx, struct flow *f, struct flow_ext *fx, enum flow_end_reason why)
{
	(void)why;
	struct plan_ctx *c = ctx;
	app_flow_end(c->app, f);
	qos_flow_end(c->qos, f);
	struct tcp_health h, *hp = NULL;
	if (fx && fx->tcp) {
		tcp_conv_health(fx->tcp, &h);
		hp = &h;
	}
	service_table_flow(c->services, f, hp, fx && fx->tcp ? &fx->t[0].obs : NULL,
			   fx && fx->tcp ? fx->t[0].first_flag_frame : NULL);
}

/* "100mbit", "1gbit", "500kbit", "20M", "2.5G", "1000000" (bit/s); 0 on a bad value. */
static double parse_rate(const char *s)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || v <= 0)
		return 0;
	double mul = 1;
	if (!strcasecmp(end, "kbit") || !strcasecmp(end, "k"))
		mul = 1e3;
	else if (!strcasecmp(end, "mbit") || !strcasecmp(end, "m"))
		mul = 1e6;
	else if (!strcasecmp(end, "gbit") || !strcasecmp(end, "g"))
		mul = 1e9;
	else if (*end && strcasecmp(end, "bit"))
		return 0;
	v *= mul;
	return v >= 8000 && v <= 1e12 ? v : 0;
}

/* Does this kernel have fq_codel?  Tried on lo in a scratch network namespace. */
static bool probe_fq_codel(void)
{
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("unshare", "unshare", "-n", "tc", "qdisc", "add", "dev", "lo", "root",
		       "fq_codel", (char *)NULL);
		_exit(127);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return false;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

int cmd_qos(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		plan_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	if (strcmp(argv[1], "plan")) {
		fprintf(stderr, "vxscope qos: unknown subcommand '%s' (there is: plan)\n", argv[1]);
		return EXIT_USAGE;
	}
	argc--;
	argv++;
	enum { O_IFACE = 0x4001, O_LINK, O_LEAF, O_PROBE, O_CLASSMAP };
	static const struct option opts[] = {
		{"output", required_argument, 0, 'o'},
		{"iface", required_argument, 0, O_IFACE},
		{"link-rate", required_argument, 0, O_LINK},
		{"leaf", required_argument, 0, O_LEAF},
		{"probe", no_argument, 0, O_PROBE},
		{"class-map", required_argument, 0, O_CLASSMAP},
		{"help", no_argument, 0, 'h'},
		CLI_TABLE_LONGOPTS,
		CLI_DECODE_LONGOPTS,
		{0, 0, 0, 0},
	};
	struct pipeline_cfg cfg;
	pipeline_cfg_default(&cfg);
	cfg.tcp_analysis = true;
	struct qos_cfg qcfg;
	tclass_map_default(&qcfg.map);
	qcfg.rate_limits = true;
	struct qos_plan_cfg pcfg = {.iface = "eth0"};
	const char *out_path = NULL;
	bool probe = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		int r = cli_common_option(c, optarg, &cfg);
		if (r < 0)
			goto usage;
		if (r > 0)
			continue;
		switch (c) {
		case 'o':
			out_path = optarg;
			break;
		case O_IFACE:
			if (!*optarg || strlen(optarg) > 15 || strpbrk(optarg, " \t\n\"'$`\\;|&<>/")) {
				fprintf(stderr, "vxscope qos plan: --iface '%s': not an interface "
					"name (1-15 characters, no spaces, quotes or slashes)\n", optarg);
				goto usage;
			}
			pcfg.iface = optarg;
			break;
		case O_LINK:
			pcfg.link_bps = parse_rate(optarg);
			if (pcfg.link_bps <= 0) {
				fprintf(stderr, "vxscope qos plan: --link-rate '%s': want a rate such as "
					"100mbit, 1gbit, 500kbit (8kbit..1000gbit)\n", optarg);
				goto usage;
			}
			break;
		case O_LEAF:
			if (!strcmp(optarg, "auto"))
				pcfg.leaf = QOS_LEAF_AUTO;
			else if (!strcmp(optarg, "fq_codel"))
				pcfg.leaf = QOS_LEAF_FQ_CODEL;
			else if (!strcmp(optarg, "fifo"))
				pcfg.leaf = QOS_LEAF_FIFO;
			else {
				fprintf(stderr, "vxscope qos plan: --leaf '%s': auto, fq_codel or fifo\n",
					optarg);
				goto usage;
			}
			break;
		case O_PROBE:
			probe = true;
			break;
		case O_CLASSMAP: {
			unsigned line;
			int err = tclass_map_load(&qcfg.map, optarg, &line);
			if (err == -EINVAL) {
				fprintf(stderr, "vxscope qos plan: %s line %u: not a class rule (CLASS "
					"dscp N | CLASS port P[-Q] [tcp|udp] | CLASS rtp)\n", optarg, line);
				goto usage;
			}
			if (err) {
				fprintf(stderr, "vxscope qos plan: cannot read %s: %s\n", optarg,
					strerror(-err));
				return EXIT_INPUT;
			}
			break;
		}
		case 'h':
			plan_usage(stdout);
			return EXIT_OK;
		default:
			goto usage;
		}
	}
	if (probe) {
		bool have = probe_fq_codel();
		pcfg.leaf = have ? QOS_LEAF_FQ_CODEL : QOS_LEAF_FIFO;
		pcfg.probe_note = have ? "fq_codel (vxscope --probe found it in this kernel)"
				       : "pfifo/bfifo (vxscope --probe: no fq_codel in this kernel)";
	}
	struct plan_ctx ctx = {0};
	ctx.qos = qos_new(&qcfg, cfg.flows.max_flows < 16 ? 16 : cfg.flows.max_flows);
	ctx.services = service_table_new();
	ctx.app = app_analyzer_new();
	cfg.hooks.on_packet = on_packet;
	cfg.hooks.on_tcp = on_tcp;
	cfg.hooks.on_flow_end = on_flow_end;
	cfg.hooks.ctx = &ctx;
	struct pipeline *pl = ctx.qos && ctx.services && ctx.app ? pipeline_new(&cfg) : NULL;
	if (!pl) {
		fprintf(stderr, "vxscope qos plan: out of memory\n");
		app_analyzer_free(ctx.app);
		qos_free(ctx.qos);
		service_table_free(ctx.services);
		return EXIT_INTERNAL;
	}
	struct input_result in = {0};
	if (optind < argc)
		cli_read_inputs(argv + optind, argc - optind, pl, true, &in);
	pipeline_finish(pl);
	struct finding_list findings = {0};
	tcp_findings(ctx.services, &ctx.icmp, &findings);
	qos_findings(ctx.qos, &findings);
	pcfg.files = argv + optind;
	pcfg.nfiles = argc - optind;
	pcfg.all_classes = optind >= argc;

	int rc = in.status;
	FILE *out = stdout;
	if (out_path && strcmp(out_path, "-")) {
		out = fopen(out_path, "w");
		if (!out) {
			fprintf(stderr, "vxscope qos plan: cannot create %s: %s\n", out_path,
				strerror(errno));
			rc = EXIT_OUTPUT;
		}
	}
	if (out) {
		struct strbuf b;
		strbuf_init(&b, out);
		qos_plan_write(&b, ctx.qos, &findings, &pcfg);
		int err = strbuf_flush(&b);
		strbuf_fini(&b);
		if (out != stdout && fclose(out) != 0 && !err)
			err = -errno;
		if (err) {
			fprintf(stderr, "vxscope qos plan: writing %s: %s\n",
				out_path ? out_path : "stdout", strerror(-err));
			rc = EXIT_OUTPUT;
		}
	}
	findings_free(&findings);
	pipeline_free(pl);
	app_analyzer_free(ctx.app);
	qos_free(ctx.qos);
	service_table_free(ctx.services);
	return rc;
usage:
	plan_usage(stderr);
	return EXIT_USAGE;
}
