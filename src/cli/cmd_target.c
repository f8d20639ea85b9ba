/* cmd_target.c - `vxscope target`: the live VPC Traffic Mirroring target daemon
 * (docs/target.md): options, start-up, signals, privilege drop and the exit path. */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "decode/ipaddr.h"
#include "engine/target.h"
#include "mirror/aws_config.h"
#include "target_http.h"

#define MAX_POST_ARGS 32
#define MAX_SESSION_FILES 16

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* SIGHUP: load the --sessions files again into a new model, validated as at start; the target
 * takes it over (sessions seen from now on are attributed with it).  A bad file keeps the old
 * model, with a message. */
static void reload_sessions(struct target *t, const char *const *paths, unsigned n)
{
	struct aws_config *c = calloc(1, sizeof(*c));
	struct aws_diags *d = calloc(1, sizeof(*d));
	if (!c || !d) {
		free(c);
		free(d);
		fprintf(stderr, "vxscope target: SIGHUP: --sessions: out of memory\n");
		return;
	}
	aws_config_init(c);
	struct aws_error e;
	int rc = 0;
	for (unsigned i = 0; i < n && !rc; i++) {
		rc = aws_config_load(c, paths[i], &e);
		if (rc)
			fprintf(stderr, "vxscope target: SIGHUP: --sessions: %s; keeping the old "
					"model\n", e.msg);
	}
	if (!rc) {
		rc = aws_config_validate(c, d);
		for (unsigned i = 0; rc && i < d->n; i++)
			if (!d->d[i].warning)
				fprintf(stderr, "vxscope target: SIGHUP: --sessions: %s\n", d->d[i].msg);
		if (rc)
			fprintf(stderr, "vxscope target: SIGHUP: --sessions: not valid; keeping the "
					"old model\n");
	}
	free(d);
	if (rc) {
		aws_config_free(c);
		free(c);
		return;
	}
	target_set_aws(t, c);
	say("SIGHUP: --sessions reloaded (%u file(s))", n);
}

static bool quiet;

static void tlog(const char *msg)
{
	fprintf(stderr, "vxscope target: %s\n", msg);
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	if (quiet)
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tlog(msg);
}

static void target_usage(FILE *f)
{
	fputs("usage: vxscope target [options]\n"
	      "\n"
	      "Be a VPC Traffic Mirroring target: receive VXLAN (UDP 4789) and GENEVE (UDP 6081,\n"
	      "also a Gateway Load Balancer's GENEVE carrying VXLAN), keep mirror sessions apart,\n"
	      "archive pcapng, write VPC Flow Logs, flow and finding records, and answer health\n"
	      "checks.  The packets go through the same analysis as `vxscope analyze`.\n"
	      "\n"
	      "  --listen ADDR          bind this address (repeatable; default 0.0.0.0 and ::)\n"
	      "  --vxlan-port P         VXLAN port (default 4789, 0 = none)\n"
	      "  --geneve-port P        GENEVE port (default 6081, 0 = none)\n"
	      "  --interface IF         capture IF with libpcap (promiscuous) instead of sockets\n"
	      "  --workers N            analysis threads (default 1: exactly the offline result)\n"
	      "  --queue MB             queue per worker in MiB (default 64)\n"
	      "  --rcvbuf BYTES         socket receive buffer (default 268435456)\n"
	      "  --allow-cidr CIDR      accept only these outer sources (repeatable)\n"
	      "  --allow-vni N|A-B      accept only these VNIs (repeatable)\n"
	      "  --allow-file FILE      more of both: 'cidr X' / 'vni N' lines (SIGHUP re-reads)\n"
	      "  --archive DIR          per-session pcapng files:\n"
	      "                         DIR/SESSION/vxscope-SESSION-TIME.pcapng\n"
	      "  --rotate-size MB       new file past MB MiB\n"
	      "  --rotate-seconds S     new file at every multiple of S s of UTC time\n"
	      "  --rotate-count N       keep the newest N files per session (a ring)\n"
	      "  --post-rotate CMD      run CMD FILE for each finished file (no shell)\n"
	      "  --flowlogs DIR         VPC Flow Logs in AWS's S3 layout under DIR\n"
	      "  --flowlog-interval S   60 or 600 (default 600)\n"
	      "  --flowlog-format FMT   '${field} ...' (default: the version-2 fields)\n"
	      "  --gzip                 (flow-log files are always gzip, as AWS writes them)\n"
	      "  --account-id ID  --region R  --flow-log-id FL  --interface-id ENI\n"
	      "  --records DIR          DIR/flows-TIME.jsonl and DIR/findings-TIME.jsonl\n"
	      "  --http ADDR:PORT       /healthz and /metrics (Prometheus)\n"
	      "  --user USER            drop privileges to USER after binding\n"
	      "  --sessions FILE        AWS JSON (describe-traffic-mirror-sessions...): names\n"
	      "                         sessions <session id>-<ENI> as the offline commands do\n"
	      "  --class-map FILE --no-qos --no-rate-limits\n"
	      "                         QoS roll-ups as in `vxscope analyze` (docs/qos.md)\n"
	      "  --stats FILE           counters as JSON at exit\n"
	      "  --duration S           stop after S seconds (as on SIGTERM)\n"
	      "  --max-flows N  --tcp-idle S  --idle S  --active-timeout S  --no-dedup\n"
	      "  --dedup-window MS  --dedup-same-session    flow table options (as analyze)\n"
	      "  -q, --quiet            no start-up and exit summary\n"
	      "  -h, --help             this text\n"
	      "\n"
	      "SIGTERM/SIGINT: flush every flow, file and record, exit 0.  SIGHUP: re-read\n"
	      "--allow-file and --sessions, keeping every flow.  docs/target.md has the files,\n"
	      "counters and their accounting.\n",
	      f);
}

static int drop_privileges(const char *user, char *err, size_t errlen)
{
	errno = 0;
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		snprintf(err, errlen, "--user %s: %s", user,
			 errno ? strerror(errno) : "no such user");
		return -ENOENT;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) || setgid(pw->pw_gid) || setuid(pw->pw_uid)) {
		int e = errno;
		snprintf(err, errlen, "--user %s: cannot switch: %s", user, strerror(e));
		return -e;
	}
	if (setuid(0) == 0) {
		snprintf(err, errlen, "--user %s: privileges could be regained; refusing to run",
			 user);
		return -EPERM;
	}
	return 0;
}

static int write_stats(struct target *t, const char *path)
{
	FILE *fp = fopen(path, "w");
	if (!fp) {
		fprintf(stderr, "vxscope target: cannot create %s: %s\n", path, strerror(errno));
		return -1;
	}
	struct strbuf b;
	strbuf_init(&b, fp);
	target_metrics_json(t, &b);
	int r = strbuf_flush(&b);
	strbuf_fini(&b);
	if (fclose(fp) && !r)
		r = -errno;
	if (r) {
		fprintf(stderr, "vxscope target: writing %s: %s\n", path, strerror(-r));
		return -1;
	}
	return 0;
}

/* Split CMD at spaces into argv (no quoting: a script takes anything fancier). */
static int split_cmd(char *cmd, char **argv, int max)
{
	int n = 0;
	for (char *s = strtok(cmd, " \t"); s; s = strtok(NULL, " \t")) {
		if (n >= max - 1)
			return -1;
		argv[n++] = s;
	}
	argv[n] = NULL;
	return n;
}

int cmd_target(int argc, char **argv)
{
	enum {
		O_LISTEN = 0x5001, O_IFACE, O_WORKERS, O_QUEUE, O_RCVBUF, O_ACIDR, O_AVNI,
		O_AFILE, O_ARCHIVE, O_RSIZE, O_RSEC, O_RCOUNT, O_POST, O_FLOWLOGS, O_FLINT,
		O_FLFMT, O_GZIP, O_ACCT, O_REGION, O_FLID, O_ENI, O_RECORDS, O_HTTP, O_USER,
		O_SESSIONS, O_STATS, O_DURATION, O_CLASSMAP, O_NOQOS, O_NORL,
	};
	static const struct option opts[] = {
		{"listen", required_argument, 0, O_LISTEN},
		{"vxlan-port", required_argument, 0, CLI_OPT_VXLAN_PORT},
		{"geneve-port", required_argument, 0, CLI_OPT_GENEVE_PORT},
		{"interface", required_argument, 0, O_IFACE},
		{"workers", required_argument, 0, O_WORKERS},
		{"queue", required_argument, 0, O_QUEUE},
		{"rcvbuf", required_argument, 0, O_RCVBUF},
		{"allow-cidr", required_argument, 0, O_ACIDR},
		{"allow-vni", required_argument, 0, O_AVNI},
		{"allow-file", required_argument, 0, O_AFILE},
		{"archive", required_argument, 0, O_ARCHIVE},
		{"rotate-size", required_argument, 0, O_RSIZE},
		{"rotate-seconds", required_argument, 0, O_RSEC},
		{"rotate-count", required_argument, 0, O_RCOUNT},
		{"post-rotate", required_argument, 0, O_POST},
		{"flowlogs", required_argument, 0, O_FLOWLOGS},
		{"flowlog-interval", required_argument, 0, O_FLINT},
		{"flowlog-format", required_argument, 0, O_FLFMT},
		{"gzip", no_argument, 0, O_GZIP},
		{"account-id", required_argument, 0, O_ACCT},
		{"region", required_argument, 0, O_REGION},
		{"flow-log-id", required_argument, 0, O_FLID},
		{"interface-id", required_argument, 0, O_ENI},
		{"records", required_argument, 0, O_RECORDS},
		{"http", required_argument, 0, O_HTTP},
		{"user", required_argument, 0, O_USER},
		{"sessions", required_argument, 0, O_SESSIONS},
		{"stats", required_argument, 0, O_STATS},
		{"duration", required_argument, 0, O_DURATION},
		{"class-map", required_argument, 0, O_CLASSMAP},
		{"no-qos", no_argument, 0, O_NOQOS},
		{"no-rate-limits", no_argument, 0, O_NORL},
		{"quiet", no_argument, 0, 'q'},
		{"help", no_argument, 0, 'h'},
		CLI_TABLE_LONGOPTS,
		{0, 0, 0, 0},
	};
	static struct target_cfg cfg;
	target_cfg_default(&cfg);
	cfg.log = tlog;
	const char *allow_file = NULL, *http = NULL, *user = NULL, *sessions = NULL,
		   *stats = NULL;
	const char *sess_paths[MAX_SESSION_FILES];
	unsigned nsess = 0;
	char *post_argv[MAX_POST_ARGS];
	char post_buf[1024];
	uint64_t duration = 0, v;
	char err[1024];
	int c;
	quiet = false;
	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		int r = cli_table_option(c, optarg, &cfg.pipeline);
		if (r < 0)
			goto usage;
		if (r > 0)
			continue;
		switch (c) {
		case O_LISTEN:
			if (cfg.nlisten >= TARGET_MAX_LISTEN) {
				fprintf(stderr, "vxscope target: at most %d --listen addresses\n",
					TARGET_MAX_LISTEN);
				goto usage;
			}
			if (ipaddr_parse(optarg, &cfg.listen[cfg.nlisten])) {
				fprintf(stderr, "vxscope target: --listen %s: not an IPv4 or IPv6 "
						"address\n", optarg);
				goto usage;
			}
			cfg.nlisten++;
			break;
		case CLI_OPT_VXLAN_PORT:
			if (!cli_parse_u64(optarg, 0, 65535, "--vxlan-port", &v))
				goto usage;
			cfg.vxlan_port = (uint16_t)v;
			break;
		case CLI_OPT_GENEVE_PORT:
			if (!cli_parse_u64(optarg, 0, 65535, "--geneve-port", &v))
				goto usage;
			cfg.geneve_port = (uint16_t)v;
			break;
		case O_IFACE:
			cfg.interface = optarg;
			break;
		case O_WORKERS:
			if (!cli_parse_u64(optarg, 1, TARGET_MAX_WORKERS, "--workers", &v))
				goto usage;
			cfg.workers = (unsigned)v;
			break;
		case O_QUEUE:
			if (!cli_parse_u64(optarg, 1, 4096, "--queue (MiB)", &v))
				goto usage;
			cfg.queue_bytes = (size_t)v << 20;
			break;
		case O_RCVBUF:
			if (!cli_parse_u64(optarg, 0, 1u << 30, "--rcvbuf", &v))
				goto usage;
			cfg.rcvbuf = (int)v;
			break;
		case O_ACIDR: {
			int r2 = admission_add_cidr(&cfg.admission, optarg);
			if (r2) {
				fprintf(stderr, "vxscope target: --allow-cidr %s: %s\n", optarg,
					r2 == -ENOSPC ? "too many (at most 256)"
						      : "expected ADDR/PREFIX or ADDR");
				goto usage;
			}
			break;
		}
		case O_AVNI: {
			int r2 = admission_add_vni(&cfg.admission, optarg);
			if (r2) {
				fprintf(stderr, "vxscope target: --allow-vni %s: %s\n", optarg,
					r2 == -ENOSPC ? "too many (at most 256)"
						      : "expected N or A-B, 0..16777215");
				goto usage;
			}
			break;
		}
		case O_AFILE:
			allow_file = optarg;
			break;
		case O_ARCHIVE:
			cfg.archive = true;
			cfg.archive_cfg.dir = optarg;
			break;
		case O_RSIZE:
			if (!cli_parse_u64(optarg, 1, 1u << 20, "--rotate-size (MiB)", &v))
				goto usage;
			cfg.archive_cfg.rotate_bytes = v << 20;
			break;
		case O_RSEC:
			if (!cli_parse_u64(optarg, 1, 86400 * 366, "--rotate-seconds", &v))
				goto usage;
			cfg.archive_cfg.rotate_ns = (int64_t)v * 1000000000;
			break;
		case O_RCOUNT:
			if (!cli_parse_u64(optarg, 1, 1000000, "--rotate-count", &v))
				goto usage;
			cfg.archive_cfg.rotate_count = (unsigned)v;
			break;
		case O_POST:
			snprintf(post_buf, sizeof(post_buf), "%s", optarg);
			if (split_cmd(post_buf, post_argv, MAX_POST_ARGS) <= 0) {
				fprintf(stderr, "vxscope target: --post-rotate: empty or more than "
						"%d words\n", MAX_POST_ARGS - 2);
				goto usage;
			}
			cfg.archive_cfg.post_argv = post_argv;
			break;
		case O_FLOWLOGS:
			cfg.flowlogs = true;
			cfg.flowlog_cfg.s3_dir = optarg;
			break;
		case O_FLINT:
			if (!cli_parse_u64(optarg, 60, 600, "--flowlog-interval", &v) ||
			    (v != 60 && v != 600)) {
				fprintf(stderr,
					"vxscope target: --flowlog-interval is 60 or 600\n");
				goto usage;
			}
			cfg.flowlog_cfg.interval_s = (int)v;
			break;
		case O_FLFMT:
			if (flowlog_format_parse(&cfg.flowlog_cfg.fmt, optarg, err, sizeof(err))) {
				fprintf(stderr, "vxscope target: --flowlog-format: %s\n", err);
				goto usage;
			}
			break;
		case O_GZIP:
			break;
		case O_ACCT:
			cfg.flowlog_cfg.account_id = optarg;
			break;
		case O_REGION:
			cfg.flowlog_cfg.region = optarg;
			break;
		case O_FLID:
			cfg.flowlog_cfg.flow_log_id = optarg;
			break;
		case O_ENI:
			cfg.flowlog_cfg.interface_id = optarg;
			break;
		case O_RECORDS:
			cfg.records_dir = optarg;
			break;
		case O_HTTP:
			http = optarg;
			break;
		case O_USER:
			user = optarg;
			break;
		case O_SESSIONS:
			/* the offline commands' --sessions: loaded and validated the same way */
			if (cli_decode_option(CLI_OPT_SESSIONS, optarg, &cfg.pipeline.decode) < 0)
				return EXIT_USAGE;
			sessions = optarg;
			if (nsess < MAX_SESSION_FILES)
				sess_paths[nsess++] = optarg;
			cfg.aws = cli_aws_sessions();
			break;
		case O_STATS:
			stats = optarg;
			break;
		case O_DURATION:
			if (!cli_parse_u64(optarg, 1, 86400 * 3650, "--duration", &v))
				goto usage;
			duration = v;
			break;
		case O_CLASSMAP: {
			unsigned line;
			int e = tclass_map_load(&cfg.qos_cfg.map, optarg, &line);
			if (e == -EINVAL) {
				fprintf(stderr, "vxscope target: %s line %u: not a class rule (CLASS "
					"dscp N | CLASS port P[-Q] [tcp|udp] | CLASS rtp)\n", optarg, line);
				goto usage;
			}
			if (e) {
				fprintf(stderr, "vxscope target: cannot read %s: %s\n", optarg,
					strerror(-e));
				return EXIT_USAGE;
			}
			break;
		}
		case O_NOQOS:
			cfg.qos = false;
			break;
		case O_NORL:
			cfg.qos_cfg.rate_limits = false;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			target_usage(stdout);
			return EXIT_OK;
		default:
			goto usage;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vxscope target: unexpected argument '%s'\n", argv[optind]);
		goto usage;
	}
	if (allow_file && admission_load_file(&cfg.admission, allow_file, err, sizeof(err))) {
		fprintf(stderr, "vxscope target: --allow-file %s\n", err);
		return EXIT_USAGE;
	}
	if (sessions && access(sessions, R_OK)) {
		fprintf(stderr, "vxscope target: --sessions %s: %s\n", sessions, strerror(errno));
		return EXIT_USAGE;
	}
	if (!cfg.interface && !cfg.vxlan_port && !cfg.geneve_port) {
		fprintf(stderr, "vxscope target: --vxlan-port 0 and --geneve-port 0 leave nothing "
				"to listen on\n");
		goto usage;
	}

	/* Signals go to signalfd only: block them before any thread exists. */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	int sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		fprintf(stderr, "vxscope target: signalfd: %s\n", strerror(errno));
		return EXIT_INTERNAL;
	}

	struct target *t = NULL;
	struct target_http *h = NULL;
	int rc = EXIT_OK;
	if (target_open(&t, &cfg, err, sizeof(err))) {
		fprintf(stderr, "vxscope target: %s\n", err);
		rc = EXIT_USAGE;
		goto out;
	}
	struct strbuf d;
	strbuf_init(&d, NULL);
	target_describe(t, &d);
	for (char *line = d.buf, *nl; !quiet && line && line < d.buf + d.len; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(d.buf + d.len - line));
		if (!nl)
			break;
		say("listening: %.*s", (int)(nl - line), line);
	}
	strbuf_fini(&d);
	if (http) {
		char bound[160];
		if (target_http_start(&h, http, t, bound, sizeof(bound), err, sizeof(err))) {
			fprintf(stderr, "vxscope target: %s\n", err);
			rc = EXIT_USAGE;
			goto out;
		}
		say("HTTP on %s (/healthz, /metrics)", bound);
	}
	if (user) {
		if (drop_privileges(user, err, sizeof(err))) {
			fprintf(stderr, "vxscope target: %s\n", err);
			rc = EXIT_USAGE;
			goto out;
		}
		say("running as %s", user);
	}
	char adm[2048];
	admission_describe(&cfg.admission, adm, sizeof(adm));
	say("admission: %s%s", adm,
	    cfg.admission.ncidr || cfg.admission.nvni ? "" : " (accepting everything)");
	if (target_start(t, err, sizeof(err))) {
		fprintf(stderr, "vxscope target: %s\n", err);
		char e2[1024];
		(void)target_stop(t, e2, sizeof(e2)); /* threads that did start */
		rc = EXIT_USAGE;
		goto out;
	}
	say("%u worker(s)%s%s%s%s%s%s", cfg.workers, cfg.archive ? ", archive " : "",
	    cfg.archive ? cfg.archive_cfg.dir : "", cfg.flowlogs ? ", flow logs " : "",
	    cfg.flowlogs ? cfg.flowlog_cfg.s3_dir : "", cfg.records_dir ? ", records " : "",
	    cfg.records_dir ? cfg.records_dir : "");
	tlog("ready"); /* the last start-up line, even with -q: supervisors and tests wait for it */

	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd pfd = {sfd, POLLIN, 0};
		int pr = poll(&pfd, 1, 1000);
		if (pr < 0 && errno != EINTR) {
			fprintf(stderr, "vxscope target: poll: %s\n", strerror(errno));
			break;
		}
		bool stop = false;
		struct signalfd_siginfo si;
		while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo == SIGHUP) {
				struct admission na;
				admission_init(&na);
				/* the command-line lists, then the file again */
				na = cfg.admission;
				int lr = 0;
				if (allow_file) {
					admission_init(&na);
					lr = admission_load_file(&na, allow_file, err, sizeof(err));
				}
				if (lr) {
					fprintf(stderr, "vxscope target: SIGHUP: --allow-file %s; "
							"keeping the old lists\n", err);
				} else {
					target_set_admission(t, &na);
					admission_describe(&na, adm, sizeof(adm));
					say("SIGHUP: admission: %s", adm);
				}
				if (nsess)
					reload_sessions(t, sess_paths, nsess);
			} else {
				say("%s: stopping", strsignal((int)si.ssi_signo));
				stop = true;
			}
		}
		target_tick(t);
		if (duration) {
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			if ((uint64_t)(now.tv_sec - t0.tv_sec) >= duration) {
				say("--duration %llu s reached: stopping",
				    (unsigned long long)duration);
				stop = true;
			}
		}
		if (stop)
			break;
	}
	if (target_stop(t, err, sizeof(err))) {
		fprintf(stderr, "vxscope target: %s\n", err);
		rc = EXIT_OUTPUT;
	}
	if (stats && write_stats(t, stats))
		rc = EXIT_OUTPUT;
	if (!quiet) {
		struct strbuf b;
		strbuf_init(&b, NULL);
		target_metrics_json(t, &b);
		fprintf(stderr, "vxscope target: counters: %.*s", (int)b.len, b.buf ? b.buf : "");
		strbuf_fini(&b);
	}
out:
	target_http_stop(h);
	target_free(t);
	close(sfd);
	return rc;
usage:
	target_usage(stderr);
	return EXIT_USAGE;
}
