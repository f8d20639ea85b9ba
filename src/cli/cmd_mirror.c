/* cmd_mirror.c - `vxscope mirror`: the software mirror source (AWS VPC Traffic Mirroring as a
 * program; /work/shared/spec/aws-mirroring.md sections 1-4, docs/mirror-source.md).
 *
 * Loads the AWS CLI JSON (filters, sessions, targets) and the host map, then mirrors what one
 * source ENI sees - a live interface (libpcap, promiscuous) or a capture file - to its
 * sessions' targets as VXLAN.  SIGINT/SIGTERM stop cleanly; the counters are printed at exit
 * (text on stdout, or one JSON object with --json).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonw.h"
#include "capture/live.h"
#include "capture/reader.h"
#include "cli.h"
#include "engine/mirror_source.h"
#include "mirror/aws_config.h"
#include "mirror/mirror_filter.h"

#define MAX_CONFIGS 16

static volatile sig_atomic_t mirror_stop;

static void on_signal(int sig)
{
	(void)sig;
	mirror_stop = 1;
}

static void mirror_usage(FILE *f)
{
	fputs("usage: vxscope mirror --config FILE... (--interface IF | --capture FILE) --eni ENI\n"
	      "                      [options]\n"
	      "\n"
	      "A software AWS Traffic Mirroring source: apply the sessions and filters of ENI to\n"
	      "the frames of an interface (or a capture file) and send the accepted ones, cut to\n"
	      "the session's PacketLength, as VXLAN (UDP 4789, VNI = VirtualNetworkId) to the\n"
	      "session's target, as AWS does.\n"
	      "\n"
	      "  -c, --config FILE      AWS CLI JSON (describe-traffic-mirror-filters/-sessions/\n"
	      "                         -targets output) and/or a host map; repeatable\n"
	      "  -e, --eni ENI          the source ENI (default: the host-map ENI of --interface)\n"
	      "  -i, --interface IF     capture this interface, promiscuous (default: the ENI's\n"
	      "                         Interface in the host map)\n"
	      "  -r, --capture FILE     read a pcap/pcapng file instead of an interface\n"
	      "      --replay-speed X   with --capture: honour the timestamps, X times real time\n"
	      "                         (default: as fast as allowed)\n"
	      "      --max-bps N        bound the mirror traffic to N bits/s, headers included\n"
	      "                         (K, M, G suffixes: 1000s); copies over it are dropped and\n"
	      "                         counted\n"
	      "      --count N          stop after N frames read\n"
	      "      --stats-interval S print the counters to stderr every S seconds\n"
	      "      --json             counters at exit as one JSON object\n"
	      "      --reject-stops     an explicit reject ends the session walk (default: the\n"
	      "                         next session sees the packet)\n"
	      "      --udp-socket       send through a UDP socket even with CAP_NET_RAW (the\n"
	      "                         kernel then picks the outer source address and port)\n"
	      "  -h, --help             this text\n"
	      "\n"
	      "Exit status: 0 ok, 1 bad command line or configuration (unknown ENI, no session),\n"
	      "2 the interface or capture could not be read (missing, no permission, damaged),\n"
	      "4 internal error.\n",
	      f);
}

/* A bits-per-second value with an optional K/M/G suffix (powers of 1000). */
static bool parse_bps(const char *s, uint64_t *out)
{
	char buf[64];
	size_t n = strlen(s);
	uint64_t mul = 1;
	if (n && n < sizeof(buf)) {
		char last = s[n - 1];
		mul = (last == 'k' || last == 'K')   ? 1000
		      : (last == 'm' || last == 'M') ? 1000000
		      : (last == 'g' || last == 'G') ? 1000000000
		                                     : 1;
	}
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, s, n);
	buf[n] = 0;
	if (mul > 1)
		buf[n - 1] = 0;
	uint64_t v;
	if (!cli_parse_u64(buf, 1, UINT64_MAX / 1000000000, "--max-bps", &v))
		return false;
	*out = v * mul;
	return true;
}

static const char *mode_name(enum mirror_send_mode m)
{
	return m == MIRROR_SEND_RAW ? "raw-socket" : "udp-socket";
}

static void print_text(FILE *f, const struct mirror_source *ms, const char *prefix)
{
	const struct mirror_counters *c = mirror_source_counters(ms);
	fprintf(f,
	        "%sframes %llu  selected %llu  mirrored %llu (%llu bytes)  truncated %llu  "
	        "filtered %llu  dropped %llu (rate %llu, send %llu)\n",
	        prefix, (unsigned long long)c->frames, (unsigned long long)c->selected,
	        (unsigned long long)c->mirrored, (unsigned long long)c->mirrored_bytes,
	        (unsigned long long)c->truncated, (unsigned long long)c->filtered_total,
	        (unsigned long long)(c->dropped_rate + c->dropped_send + c->dropped_no_addr),
	        (unsigned long long)c->dropped_rate, (unsigned long long)c->dropped_send);
}

static void on_stats(const struct mirror_source *ms, void *arg)
{
	(void)arg;
	print_text(stderr, ms, "vxscope mirror: ");
}

static void print_final_text(const struct mirror_source *ms, const struct live_stats *ls)
{
	const struct mirror_counters *c = mirror_source_counters(ms);
	const struct aws_eni *eni = mirror_source_eni(ms);
	printf("mirror source %s (%s)\n", eni->id, mode_name(mirror_source_send_mode(ms)));
	printf("  frames read        %llu (%llu bytes)\n", (unsigned long long)c->frames,
	       (unsigned long long)c->frame_bytes);
	printf("  selected           %llu\n", (unsigned long long)c->selected);
	printf("  mirrored           %llu copies, %llu bytes (inner %llu)\n",
	       (unsigned long long)c->mirrored, (unsigned long long)c->mirrored_bytes,
	       (unsigned long long)c->inner_bytes);
	printf("  truncated          %llu (packet-length %llu, target-mtu %llu, capture %llu)\n",
	       (unsigned long long)c->truncated,
	       (unsigned long long)c->trunc_by[MIRROR_TRUNC_PACKET_LENGTH],
	       (unsigned long long)c->trunc_by[MIRROR_TRUNC_TARGET_MTU],
	       (unsigned long long)c->trunc_by[MIRROR_TRUNC_NONE]);
	printf("  filtered           %llu\n", (unsigned long long)c->filtered_total);
	for (int r = 1; r < MIRROR_REASON_COUNT; r++)
		if (c->filtered[r])
			printf("    %-26s %llu\n", mirror_reason_name((enum mirror_reason)r),
			       (unsigned long long)c->filtered[r]);
	printf("  not the ENI's      %llu\n", (unsigned long long)c->not_source);
	printf("  own copies skipped %llu\n", (unsigned long long)c->own_copies);
	if (c->unsupported)
		printf("  unsupported        %llu (link type without an Ethernet form)\n",
		       (unsigned long long)c->unsupported);
	printf("  dropped            %llu (max-bps %llu, send errors %llu%s%s, no source address "
	       "%llu)\n",
	       (unsigned long long)(c->dropped_rate + c->dropped_send + c->dropped_no_addr),
	       (unsigned long long)c->dropped_rate, (unsigned long long)c->dropped_send,
	       c->last_send_errno ? ": " : "",
	       c->last_send_errno ? strerror(c->last_send_errno) : "",
	       (unsigned long long)c->dropped_no_addr);
	for (unsigned i = 0; i < eni->nsessions && i < AWS_ENI_SESSIONS_CAP; i++) {
		const struct aws_session *s = eni->sessions[i];
		printf("  session %s (#%lld, vni %lld): %llu copies, %llu bytes, %llu truncated\n",
		       s->id, (long long)s->number, (long long)s->vni,
		       (unsigned long long)c->session[i].packets,
		       (unsigned long long)c->session[i].bytes,
		       (unsigned long long)c->session[i].truncated);
	}
	if (ls)
		printf(
		    "  capture            %llu received by the filter, %llu dropped by the kernel, "
		    "%llu by the interface\n",
		    (unsigned long long)ls->received, (unsigned long long)ls->dropped,
		    (unsigned long long)ls->if_dropped);
}

static int print_final_json(const struct mirror_source *ms, const struct live_stats *ls)
{
	const struct mirror_counters *c = mirror_source_counters(ms);
	const struct aws_eni *eni = mirror_source_eni(ms);
	struct strbuf b;
	struct jsonw w;
	strbuf_init(&b, stdout);
	jsonw_init(&w, &b);
	jsonw_obj_begin(&w);
	jsonw_kstr(&w, "eni", eni->id);
	jsonw_kstr(&w, "send", mode_name(mirror_source_send_mode(ms)));
	jsonw_ku64(&w, "frames", c->frames);
	jsonw_ku64(&w, "frame_bytes", c->frame_bytes);
	jsonw_ku64(&w, "selected", c->selected);
	jsonw_ku64(&w, "mirrored", c->mirrored);
	jsonw_ku64(&w, "mirrored_bytes", c->mirrored_bytes);
	jsonw_ku64(&w, "inner_bytes", c->inner_bytes);
	jsonw_key(&w, "truncated");
	jsonw_obj_begin(&w);
	jsonw_ku64(&w, "total", c->truncated);
	jsonw_ku64(&w, "packet_length", c->trunc_by[MIRROR_TRUNC_PACKET_LENGTH]);
	jsonw_ku64(&w, "target_mtu", c->trunc_by[MIRROR_TRUNC_TARGET_MTU]);
	jsonw_ku64(&w, "capture", c->trunc_by[MIRROR_TRUNC_NONE]);
	jsonw_obj_end(&w);
	jsonw_key(&w, "filtered");
	jsonw_obj_begin(&w);
	jsonw_ku64(&w, "total", c->filtered_total);
	for (int r = 1; r < MIRROR_REASON_COUNT; r++)
		jsonw_ku64(&w, mirror_reason_name((enum mirror_reason)r), c->filtered[r]);
	jsonw_obj_end(&w);
	jsonw_ku64(&w, "not_source", c->not_source);
	jsonw_ku64(&w, "own_copies", c->own_copies);
	jsonw_ku64(&w, "unsupported", c->unsupported);
	jsonw_key(&w, "dropped");
	jsonw_obj_begin(&w);
	jsonw_ku64(&w, "total", c->dropped_rate + c->dropped_send + c->dropped_no_addr);
	jsonw_ku64(&w, "max_bps", c->dropped_rate);
	jsonw_ku64(&w, "max_bps_bytes", c->dropped_rate_bytes);
	jsonw_ku64(&w, "send_error", c->dropped_send);
	jsonw_kstr(&w, "last_send_error", c->last_send_errno ? strerror(c->last_send_errno) : "");
	jsonw_ku64(&w, "no_source_address", c->dropped_no_addr);
	jsonw_obj_end(&w);
	jsonw_key(&w, "sessions");
	jsonw_arr_begin(&w);
	for (unsigned i = 0; i < eni->nsessions && i < AWS_ENI_SESSIONS_CAP; i++) {
		const struct aws_session *s = eni->sessions[i];
		jsonw_obj_begin(&w);
		jsonw_kstr(&w, "session", s->id);
		jsonw_ki64(&w, "number", s->number);
		jsonw_ki64(&w, "vni", s->vni);
		jsonw_kstr(&w, "target", s->target_id);
		jsonw_ku64(&w, "packets", c->session[i].packets);
		jsonw_ku64(&w, "bytes", c->session[i].bytes);
		jsonw_ku64(&w, "truncated", c->session[i].truncated);
		jsonw_obj_end(&w);
	}
	jsonw_arr_end(&w);
	if (ls) {
		jsonw_key(&w, "capture");
		jsonw_obj_begin(&w);
		jsonw_ku64(&w, "received", ls->received);
		jsonw_ku64(&w, "kernel_dropped", ls->dropped);
		jsonw_ku64(&w, "interface_dropped", ls->if_dropped);
		jsonw_obj_end(&w);
	}
	jsonw_obj_end(&w);
	int rc = jsonw_record_end(&w);
	if (!rc)
		rc = strbuf_flush(&b);
	strbuf_fini(&b);
	return rc;
}

static bool load_config(struct aws_config *cfg, char **files, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct aws_error err;
		memset(&err, 0, sizeof(err));
		if (aws_config_load(cfg, files[i], &err)) {
			fprintf(stderr, "vxscope mirror: %s\n",
			        err.msg[0] ? err.msg : "cannot load configuration");
			return false;
		}
	}
	struct aws_diags *d = calloc(1, sizeof(*d));
	if (!d) {
		fprintf(stderr, "vxscope mirror: out of memory\n");
		return false;
	}
	int rc = aws_config_validate(cfg, d);
	for (unsigned i = 0; i < d->n; i++)
		fprintf(stderr, "vxscope mirror: %s%s\n", d->d[i].warning ? "warning: " : "",
		        d->d[i].msg);
	if (d->dropped)
		fprintf(stderr, "vxscope mirror: ... and %u more problems\n", d->dropped);
	free(d);
	return rc == 0;
}

enum {
	OPT_MAX_BPS = 0x3001,
	OPT_COUNT,
	OPT_STATS,
	OPT_JSON,
	OPT_REPLAY,
	OPT_REJECT_STOPS,
	OPT_UDP,
};

int cmd_mirror(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, 0, 'c'},
	    {"eni", required_argument, 0, 'e'},
	    {"interface", required_argument, 0, 'i'},
	    {"capture", required_argument, 0, 'r'},
	    {"max-bps", required_argument, 0, OPT_MAX_BPS},
	    {"count", required_argument, 0, OPT_COUNT},
	    {"stats-interval", required_argument, 0, OPT_STATS},
	    {"json", no_argument, 0, OPT_JSON},
	    {"replay-speed", required_argument, 0, OPT_REPLAY},
	    {"reject-stops", no_argument, 0, OPT_REJECT_STOPS},
	    {"udp-socket", no_argument, 0, OPT_UDP},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0},
	};
	char *configs[MAX_CONFIGS];
	unsigned nconfigs = 0;
	const char *eni_id = NULL, *ifname = NULL, *capture = NULL;
	uint64_t count = 0, stats_s = 0;
	double replay = 0;
	bool json = false;
	struct mirror_source_cfg mcfg;
	memset(&mcfg, 0, sizeof(mcfg));
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:e:i:r:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			if (nconfigs == MAX_CONFIGS) {
				fprintf(stderr, "vxscope mirror: at most %d --config files\n",
				        MAX_CONFIGS);
				return EXIT_USAGE;
			}
			configs[nconfigs++] = optarg;
			break;
		case 'e':
			eni_id = optarg;
			break;
		case 'i':
			ifname = optarg;
			break;
		case 'r':
			capture = optarg;
			break;
		case OPT_MAX_BPS:
			if (!parse_bps(optarg, &mcfg.max_bps))
				return EXIT_USAGE;
			break;
		case OPT_COUNT:
			if (!cli_parse_u64(optarg, 1, UINT64_MAX, "--count", &count))
				return EXIT_USAGE;
			break;
		case OPT_STATS:
			if (!cli_parse_u64(optarg, 1, 86400, "--stats-interval", &stats_s))
				return EXIT_USAGE;
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_REPLAY: {
			char *end;
			replay = strtod(optarg, &end);
			if (end == optarg || *end || !(replay > 0) || replay > 1e6) {
				fprintf(stderr,
				        "vxscope mirror: --replay-speed must be a number above 0 "
				        "(1 = real time), not '%s'\n",
				        optarg);
				return EXIT_USAGE;
			}
			break;
		}
		case OPT_REJECT_STOPS:
			mcfg.opts.reject_stops = true;
			break;
		case OPT_UDP:
			mcfg.force_udp = true;
			break;
		case 'h':
			mirror_usage(stdout);
			return EXIT_OK;
		default:
			mirror_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vxscope mirror: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (!nconfigs) {
		fprintf(stderr, "vxscope mirror: --config FILE is required (the AWS CLI JSON and "
		                "the host map)\n");
		return EXIT_USAGE;
	}
	if (ifname && capture) {
		fprintf(stderr, "vxscope mirror: --interface and --capture exclude each other\n");
		return EXIT_USAGE;
	}
	if (replay > 0 && !capture) {
		fprintf(stderr, "vxscope mirror: --replay-speed applies to --capture only\n");
		return EXIT_USAGE;
	}

	int status = EXIT_OK;
	struct aws_config cfg;
	aws_config_init(&cfg);
	struct mirror_source *ms = NULL;
	struct live_capture *lc = NULL;
	struct capture_reader *rd = NULL;
	char err[1024] = "", warn[512] = "";
	if (!load_config(&cfg, configs, nconfigs)) {
		status = EXIT_USAGE;
		goto out;
	}
	const struct aws_eni *eni = NULL;
	if (eni_id) {
		eni = aws_config_eni(&cfg, eni_id);
		if (!eni) {
			fprintf(stderr,
			        "vxscope mirror: unknown ENI '%s': neither the host map nor any "
			        "session names it\n",
			        eni_id);
			status = EXIT_USAGE;
			goto out;
		}
	} else if (ifname) {
		eni = aws_config_eni_by_ifname(&cfg, ifname);
		if (!eni) {
			fprintf(stderr,
			        "vxscope mirror: --eni is required: no host-map ENI has Interface "
			        "'%s'\n",
			        ifname);
			status = EXIT_USAGE;
			goto out;
		}
	} else {
		fprintf(stderr, "vxscope mirror: --eni ENI is required\n");
		status = EXIT_USAGE;
		goto out;
	}
	if (!eni->nsessions) {
		fprintf(stderr,
		        "vxscope mirror: %s: no traffic mirror session has this ENI as its source "
		        "(NetworkInterfaceId): nothing to mirror\n",
		        eni->id);
		status = EXIT_USAGE;
		goto out;
	}
	if (!ifname && !capture) {
		if (!eni->ifname[0]) {
			fprintf(stderr,
			        "vxscope mirror: %s: give --interface or --capture (the host map "
			        "names no Interface for it)\n",
			        eni->id);
			status = EXIT_USAGE;
			goto out;
		}
		ifname = eni->ifname;
	}

	mcfg.config = &cfg;
	mcfg.eni = eni;
	if (mirror_source_new(&ms, &mcfg, err, sizeof(err), warn, sizeof(warn))) {
		fprintf(stderr, "vxscope mirror: %s\n", err);
		status = EXIT_USAGE;
		goto out;
	}
	if (warn[0])
		fprintf(stderr, "vxscope mirror: warning: %s\n", warn);

	if (capture) {
		if (capture_open(&rd, capture, err, sizeof(err))) {
			fprintf(stderr, "vxscope mirror: %s: %s\n", capture, err);
			status = EXIT_INPUT;
			goto out;
		}
	} else {
		struct live_opts lo;
		memset(&lo, 0, sizeof(lo));
		lo.ifname = ifname;
		int rc = live_open(&lc, &lo, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "vxscope mirror: %s\n", err);
			status = rc == -ENOMEM ? EXIT_INTERNAL : EXIT_INPUT;
			goto out;
		}
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: a signal ends the wait at once */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fprintf(stderr, "vxscope mirror: %s: mirroring %s (%u session%s) via %s\n", eni->id,
	        capture ? capture : ifname, eni->nsessions, eni->nsessions == 1 ? "" : "s",
	        mode_name(mirror_source_send_mode(ms)));

	struct live_stats ls, *lsp = NULL;
	if (lc) {
		int rc = mirror_source_run_live(ms, lc, &mirror_stop, count, (unsigned)stats_s,
		                                on_stats, NULL);
		if (rc) {
			fprintf(stderr, "vxscope mirror: interface %s: %s\n", ifname,
			        live_error(lc));
			status = EXIT_INPUT;
		}
		if (live_stats(lc, &ls) == 0)
			lsp = &ls;
	} else {
		enum capture_status st = mirror_source_run_file(ms, rd, &mirror_stop, count, replay,
		                                                (unsigned)stats_s, on_stats, NULL);
		if (st == CAPTURE_DAMAGED || st == CAPTURE_IOERR) {
			fprintf(stderr, "vxscope mirror: %s: %s\n", capture, capture_error(rd));
			status = EXIT_INPUT;
		}
	}
	if (json) {
		if (print_final_json(ms, lsp)) {
			fprintf(stderr, "vxscope mirror: cannot write the counters: %s\n",
			        strerror(errno));
			status = EXIT_OUTPUT;
		}
	} else {
		print_final_text(ms, lsp);
		if (fflush(stdout) || ferror(stdout)) {
			fprintf(stderr, "vxscope mirror: cannot write the counters: %s\n",
			        strerror(errno));
			status = EXIT_OUTPUT;
		}
	}
out:
	live_close(lc);
	if (rd)
		capture_close(rd);
	mirror_source_free(ms);
	aws_config_free(&cfg);
	return status;
}
