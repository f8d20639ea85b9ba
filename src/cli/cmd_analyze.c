/* cmd_analyze.c - `vxscope analyze`: the diagnosis of a capture, ranked findings with evidence. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/mirror_findings.h"
#include "analyze/qos.h"
#include "app/app.h"
#include "analyze/services.h"
#include "analyze/tcp_findings.h"
#include "analyze/timeseries.h"
#include "cli.h"
#include "output/flow_record.h"
#include "report/report.h"

struct analyze {
	struct service_table *services;
	struct app_analyzer *app; /* HTTP, DNS */
	FILE *app_fp;             /* --app-records FILE */
	struct strbuf app_buf;
	struct jsonw app_w;
	struct icmp_seen icmp;
	uint64_t tcp_flags[TA_COUNT];
	uint64_t tcp_packets;
	uint64_t flows_by_proto[3];
	/* --packets */
	bool packets;
	struct strbuf pkt_buf;
	struct jsonw pkt_w;
	/* --flows FILE */
	FILE *flows_fp;
	struct strbuf flow_buf;
	struct jsonw flow_w;
	/* --html FILE */
	struct timeseries *ts;
	const struct tclass_map *map; /* the classes of the time series with --no-qos */
	struct qos *qos;          /* classes, marking audit, rate limits; NULL with --no-qos */
};

static void analyze_usage(FILE *f)
{
	fputs("usage: vxscope analyze FILE... [options]\n"
	      "\n"
	      "Read mirrored (VXLAN/GENEVE/GRE/ERSPAN) or plain captures and report what is wrong:\n"
	      "TCP health with Wireshark's analysis flags per mirror session (retransmissions,\n"
	      "duplicate ACKs, zero windows, lost segments, RTT), path MTU black holes, unanswered\n"
	      "handshakes, mirror truncation and capture loss - each finding with evidence (frames,\n"
	      "a Wireshark display filter), likely cause and action.\n"
	      "\n"
	      "  -j, --json             the report as JSON (schema vxscope.analyze/1)\n"
	      "  -o, --output FILE      write the report here instead of stdout\n"
	      "      --packets          instead of the report: one JSON line per TCP packet with\n"
	      "                         Wireshark's tcp.analysis flags ({\"frame\":N,\"flags\":[...]})\n"
	      "      --flows FILE       also write one JSON line per flow, with TCP health\n"
	      "      --app-records FILE also write one JSON line per HTTP transaction, DNS query,\n"
	      "                         TLS handshake, SIP dialog and RTP stream\n"
	      "      --no-app           no application parsing (HTTP, DNS, TLS, SIP, RTP)\n"
	      "      --ndpi             also label flows with nDPI (when built with libndpi)\n"
	      "      --html FILE        also write the report as one self-contained HTML page:\n"
	      "                         findings with evidence, charts over time, RTT per\n"
	      "                         server, top talkers, sortable tables (no network use)\n"
	      "      --color / --no-color   ANSI colours (default: when stdout is a terminal)\n"
	      "      --max-flows N  --tcp-idle S  --idle S  --active-timeout S   flow table bounds\n"
	      "      --no-dedup         analyse copies of one packet seen at two mirror points\n"
	      "                         (two sessions) twice, as Wireshark would\n"
	      "      --dedup-window MS  how far apart two copies may be (default 200)\n"
	      "      --dedup-same-session  also fold identical copies within one session\n"
	      "      --reorder-window MS   hold TCP segments MS ms and analyse a late one before\n"
	      "                         higher sequence numbers of its flow (a load balancer in\n"
	      "                         front of the target reorders); off by default, so the\n"
	      "                         flags equal Wireshark's\n"
	      "      --class-map FILE   QoS classes from FILE before the defaults (docs/qos.md)\n"
	      "      --no-qos           no traffic classes, DSCP audit or rate-limit diagnosis\n"
	      "      --no-rate-limits   classes and DSCP audit, but no rate-limit diagnosis\n"
	      "      --vxlan-port P  --geneve-port P   extra tunnel ports\n"
	      "      --sessions FILE   AWS mirroring JSON + host map: name sessions and ENIs\n"
	      "  -h, --help             this text\n"
	      "\n"
	      "Frame numbers are 1-based as in Wireshark; with several files they continue from\n"
	      "one file to the next.\n",
	      f);
}

static void on_packet(void *ctx, const struct packet *p, struct flow *f, int dir,
		      const struct tcp_pkt_analysis *ta)
{
	(void)f;
	(void)dir;
	(void)ta;
	struct analyze *a = ctx;
	if (p->proto == IPPROTO_NUM_ICMP || p->proto == IPPROTO_NUM_ICMPV6)
		icmp_seen_packet(&a->icmp, p);
	if (f && (p->proto == IPPROTO_NUM_TCP || p->proto == IPPROTO_NUM_UDP))
		app_packet(a->app, p, f, dir);
	if (a->qos && f)
		qos_packet(a->qos, p, f, dir);
	if (a->ts) {
		/* after app and qos: the flow's class as the class table counts it */
		enum tclass c = !f ? TC_OTHER
			      : a->qos ? qos_flow_class(a->qos, f)
				       : tclass_of_flow(a->map, f->proto, f->sport, f->dport,
							p->tos >> 2, f->class_hint);
		timeseries_packet(a->ts, p, c);
	}
}

static void on_prefetch(void *ctx, const struct flow *f)
{
	struct analyze *a = ctx;
	if (a->qos)
		qos_prefetch(a->qos, f);
}

static void on_tcp(void *ctx, const struct packet *p, struct flow *f, int dir,
		   const struct tcp_pkt_analysis *ta)
{
	struct analyze *a = ctx;
	a->tcp_packets++;
	for (uint32_t m = ta->flags; m; m &= m - 1)
		a->tcp_flags[__builtin_ctz(m)]++;
	if (a->ts)
		timeseries_tcp(a->ts, p, f, dir, ta);
	if (a->qos)
		qos_tcp(a->qos, p, f, dir, ta);
	if (!a->packets)
		return;
	struct jsonw *w = &a->pkt_w;
	jsonw_obj_begin(w);
	jsonw_ku64(w, "frame", p->frame);
	if (f)
		jsonw_ku64(w, "flow", f->id);
	jsonw_ku64(w, "dir", (uint64_t)dir);
	jsonw_key(w, "flags");
	jsonw_arr_begin(w);
	for (int i = 0; i < TA_COUNT; i++)
		if (ta->flags & TA_BIT(i))
			jsonw_str(w, tcp_aflag_name((enum tcp_aflag)i));
	jsonw_arr_end(w);
	if (ta->flags & TA_BIT(TA_DUPLICATE_ACK)) {
		jsonw_ku64(w, "duplicate_ack_num", ta->dup_ack_num);
		jsonw_ku64(w, "duplicate_ack_frame", ta->dup_ack_frame);
	}
	if (ta->acks_frame) {
		jsonw_ku64(w, "acks_frame", ta->acks_frame);
		if (ta->ack_rtt_ns >= 0)
			jsonw_kfixed(w, "ack_rtt", (double)ta->ack_rtt_ns / 1e9, 9);
	}
	if (ta->bytes_in_flight >= 0)
		jsonw_ki64(w, "bytes_in_flight", ta->bytes_in_flight);
	if (ta->irtt_ns >= 0)
		jsonw_kfixed(w, "initial_rtt", (double)ta->irtt_ns / 1e9, 9);
	jsonw_obj_end(w);
	(void)jsonw_record_end(w);
}

static void on_flow_end(void *ctx, struct flow *f, struct flow_ext *fx, enum flow_end_reason why)
{
	struct analyze *a = ctx;
	app_flow_end(a->app, f);
	if (a->qos)
		qos_flow_end(a->qos, f);
	a->flows_by_proto[f->proto == IPPROTO_NUM_TCP ? 0 : f->proto == IPPROTO_NUM_UDP ? 1 : 2]++;
	struct tcp_health h, *hp = NULL;
	if (fx && fx->tcp) {
		tcp_conv_health(fx->tcp, &h);
		hp = &h;
	}
	service_table_flow(a->services, f, hp, fx && fx->tcp ? &fx->t[0].obs : NULL,
			   fx && fx->tcp ? fx->t[0].first_flag_frame : NULL);
	if (a->flows_fp) {
		flow_record_json(&a->flow_w, f, why, hp);
		(void)jsonw_record_end(&a->flow_w);
	}
}

/* Write the HTML report to fp and close it; 0, or -errno after printing what failed. */
static int write_html(FILE *fp, const char *path, const struct report *r,
		      const struct timeseries *ts)
{
	struct strbuf b;
	strbuf_init(&b, fp);
	report_html(&b, r, ts);
	int err = strbuf_flush(&b);
	strbuf_fini(&b);
	if (fclose(fp) != 0 && !err)
		err = -errno;
	if (err)
		fprintf(stderr, "vxscope analyze: writing %s: %s\n", path, strerror(-err));
	return err;
}

int cmd_analyze(int argc, char **argv)
{
	enum { O_PACKETS = 0x4001, O_FLOWS, O_COLOR, O_NOCOLOR, O_REORDER, O_HTML, O_APPREC,
	       O_CLASSMAP, O_NOQOS, O_NORL, O_NOAPP, O_NDPI };
	static const struct option opts[] = {
		{"json", no_argument, 0, 'j'},
		{"output", required_argument, 0, 'o'},
		{"packets", no_argument, 0, O_PACKETS},
		{"flows", required_argument, 0, O_FLOWS},
		{"html", required_argument, 0, O_HTML},
		{"app-records", required_argument, 0, O_APPREC},
		{"no-app", no_argument, 0, O_NOAPP},
		{"ndpi", no_argument, 0, O_NDPI},
		{"color", no_argument, 0, O_COLOR},
		{"no-color", no_argument, 0, O_NOCOLOR},
		{"reorder-window", required_argument, 0, O_REORDER},
		{"class-map", required_argument, 0, O_CLASSMAP},
		{"no-qos", no_argument, 0, O_NOQOS},
		{"no-rate-limits", no_argument, 0, O_NORL},
		{"help", no_argument, 0, 'h'},
		CLI_TABLE_LONGOPTS,
		CLI_DECODE_LONGOPTS,
		{0, 0, 0, 0},
	};
	struct pipeline_cfg cfg;
	pipeline_cfg_default(&cfg);
	cfg.tcp_analysis = true;
	struct analyze *a = calloc(1, sizeof(*a));
	if (!a)
		return EXIT_INTERNAL;
	bool json = false, no_qos = false, no_app = false, ndpi = false;
	struct qos_cfg qcfg;
	tclass_map_default(&qcfg.map);
	qcfg.rate_limits = true;
	int color = -1;
	const char *out_path = NULL, *flows_path = NULL, *html_path = NULL, *apprec_path = NULL;
	FILE *html_fp = NULL;
	int c, rc = EXIT_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "jo:h", opts, NULL)) != -1) {
		int r = cli_common_option(c, optarg, &cfg);
		if (r < 0)
			goto usage;
		if (r > 0)
			continue;
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'o':
			out_path = optarg;
			break;
		case O_PACKETS:
			a->packets = true;
			break;
		case O_FLOWS:
			flows_path = optarg;
			break;
		case O_HTML:
			html_path = optarg;
			break;
		case O_APPREC:
			apprec_path = optarg;
			break;
		case O_NOAPP:
			no_app = true;
			break;
		case O_NDPI:
			ndpi = true;
			break;
		case O_COLOR:
			color = 1;
			break;
		case O_CLASSMAP: {
			unsigned line;
			int err = tclass_map_load(&qcfg.map, optarg, &line);
			if (err == -EINVAL) {
				fprintf(stderr, "vxscope analyze: %s line %u: not a class rule (CLASS "
					"dscp N | CLASS port P[-Q] [tcp|udp] | CLASS rtp)\n", optarg, line);
				goto usage;
			}
			if (err) {
				fprintf(stderr, "vxscope analyze: cannot read %s: %s\n", optarg,
					strerror(-err));
				free(a);
				return EXIT_INPUT;
			}
			break;
		}
		case O_NOQOS:
			no_qos = true;
			break;
		case O_NORL:
			qcfg.rate_limits = false;
			break;
		case O_NOCOLOR:
			color = 0;
			break;
		case O_REORDER: {
			uint64_t v;
			if (!cli_parse_u64(optarg, 1, 10000, "--reorder-window (milliseconds)", &v))
				goto usage;
			cfg.reorder_window_ns = (int64_t)v * 1000000;
			break;
		}
		case 'h':
			analyze_usage(stdout);
			free(a);
			return EXIT_OK;
		default:
			goto usage;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "vxscope analyze: need at least one capture FILE\n");
		goto usage;
	}
	FILE *out = stdout;
	if (out_path && strcmp(out_path, "-")) {
		out = fopen(out_path, "w");
		if (!out) {
			fprintf(stderr, "vxscope analyze: cannot create %s: %s\n", out_path,
				strerror(errno));
			free(a);
			return EXIT_OUTPUT;
		}
	}
	if (flows_path) {
		a->flows_fp = fopen(flows_path, "w");
		if (!a->flows_fp) {
			fprintf(stderr, "vxscope analyze: cannot create %s: %s\n", flows_path,
				strerror(errno));
			if (out != stdout)
				fclose(out);
			free(a);
			return EXIT_OUTPUT;
		}
		strbuf_init(&a->flow_buf, a->flows_fp);
		jsonw_init(&a->flow_w, &a->flow_buf);
	}
	if (html_path) {
		html_fp = fopen(html_path, "w");
		a->ts = html_fp ? timeseries_new() : NULL;
		if (!a->ts) {
			fprintf(stderr, "vxscope analyze: cannot create %s: %s\n", html_path,
				html_fp ? strerror(ENOMEM) : strerror(errno));
			if (html_fp)
				fclose(html_fp);
			if (a->flows_fp)
				fclose(a->flows_fp);
			if (out != stdout)
				fclose(out);
			free(a);
			return html_fp ? EXIT_INTERNAL : EXIT_OUTPUT;
		}
	}
	strbuf_init(&a->pkt_buf, out);
	jsonw_init(&a->pkt_w, &a->pkt_buf);
	a->services = service_table_new();
	a->app = app_analyzer_new();
	if (a->app && no_app)
		app_set_parsing(a->app, false);
	if (a->app && ndpi) {
		int err = app_set_classify(a->app, true);
		if (err)
			fprintf(stderr, "vxscope analyze: --ndpi: %s\n",
				err == -ENOTSUP ? "this build has no nDPI (install libndpi-dev, rebuild)"
						: strerror(-err));
	}
	if (a->app && apprec_path) {
		a->app_fp = fopen(apprec_path, "w");
		if (!a->app_fp) {
			fprintf(stderr, "vxscope analyze: cannot create %s: %s\n", apprec_path,
				strerror(errno));
			if (html_fp)
				fclose(html_fp);
			if (a->flows_fp)
				fclose(a->flows_fp);
			if (out != stdout)
				fclose(out);
			app_analyzer_free(a->app);
			service_table_free(a->services);
			timeseries_free(a->ts);
			free(a);
			return EXIT_OUTPUT;
		}
		strbuf_init(&a->app_buf, a->app_fp);
		jsonw_init(&a->app_w, &a->app_buf);
		app_set_records(a->app, &a->app_w);
	}
	a->map = &qcfg.map;
	if (!no_qos && !a->packets) {
		a->qos = qos_new(&qcfg, cfg.flows.max_flows < 16 ? 16 : cfg.flows.max_flows);
		if (!a->qos) { /* out of memory: reported below */
			app_analyzer_free(a->app);
			a->app = NULL;
		}
	}
	cfg.hooks.on_packet = on_packet;
	cfg.hooks.prefetch = on_prefetch;
	cfg.hooks.on_tcp = on_tcp;
	cfg.hooks.on_flow_end = on_flow_end;
	cfg.hooks.ctx = a;
	struct pipeline *pl = a->services && a->app ? pipeline_new(&cfg) : NULL;
	if (!pl) {
		fprintf(stderr, "vxscope analyze: out of memory\n");
		service_table_free(a->services);
		app_analyzer_free(a->app);
		timeseries_free(a->ts);
		if (html_fp)
			fclose(html_fp);
		free(a);
		return EXIT_INTERNAL;
	}
	struct input_result in;
	cli_read_inputs(argv + optind, argc - optind, pl, true, &in);
	pipeline_finish(pl);

	struct finding_list findings = {0};
	tcp_findings(a->services, &a->icmp, &findings);
	mirror_findings(pipeline_sessions(pl), pipeline_stats(pl), pipeline_dedup(pl), &findings);
	app_findings(a->app, &findings);
	if (a->qos)
		qos_findings(a->qos, &findings);
	findings_sort(&findings);

	const char *problems[INPUT_MAX_PROBLEMS];
	for (unsigned i = 0; i < in.nproblems; i++)
		problems[i] = in.problems[i];
	struct report r = {
		.files = argv + optind,
		.nfiles = argc - optind,
		.ps = pipeline_stats(pl),
		.fs = pipeline_flow_stats(pl),
		.sessions = pipeline_sessions(pl),
		.services = a->services,
		.app = a->app,
		.findings = &findings,
		.qos = a->qos,
		.tcp_packets = a->tcp_packets,
		.problems = problems,
		.nproblems = in.nproblems,
	};
	memcpy(r.tcp_flags, a->tcp_flags, sizeof(r.tcp_flags));
	memcpy(r.flows_by_proto, a->flows_by_proto, sizeof(r.flows_by_proto));
	if (!a->packets) {
		if (json)
			report_json(&a->pkt_buf, &r);
		else
			report_text(&a->pkt_buf, &r,
				    color < 0 ? (out == stdout && isatty(1)) : color == 1);
	} else {
		fprintf(stderr, "vxscope analyze: %llu frames, %llu TCP packets, %zu findings\n",
			(unsigned long long)in.frames, (unsigned long long)a->tcp_packets,
			findings.n);
	}
	rc = in.status;
	int wr = strbuf_flush(&a->pkt_buf);
	if (out != stdout && fclose(out) != 0 && !wr)
		wr = -errno;
	if (wr) {
		fprintf(stderr, "vxscope analyze: writing %s: %s\n", out_path ? out_path : "stdout",
			strerror(-wr));
		rc = EXIT_OUTPUT;
	}
	if (html_fp && write_html(html_fp, html_path, &r, a->ts))
		rc = EXIT_OUTPUT;
	if (a->flows_fp) {
		int fr = strbuf_flush(&a->flow_buf);
		if (fclose(a->flows_fp) != 0 && !fr)
			fr = -errno;
		if (fr) {
			fprintf(stderr, "vxscope analyze: writing %s: %s\n", flows_path,
				strerror(-fr));
			rc = EXIT_OUTPUT;
		}
		strbuf_fini(&a->flow_buf);
	}
	if (a->app_fp) {
		int ar = strbuf_flush(&a->app_buf);
		if (fclose(a->app_fp) != 0 && !ar)
			ar = -errno;
		if (ar) {
			fprintf(stderr, "vxscope analyze: writing %s: %s\n", apprec_path,
				strerror(-ar));
			rc = EXIT_OUTPUT;
		}
		strbuf_fini(&a->app_buf);
	}
	strbuf_fini(&a->pkt_buf);
	findings_free(&findings);
	pipeline_free(pl);
	service_table_free(a->services);
	app_analyzer_free(a->app);
	timeseries_free(a->ts);
	qos_free(a->qos);
	free(a);
	return rc;
usage:
	analyze_usage(stderr);
	free(a);
	return EXIT_USAGE;
}
