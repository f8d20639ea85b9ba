/* input.c - read capture files into a pipeline, with damage reports and a progress bar. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/reader.h"
#include "mirror/aws_config.h"

static struct aws_config aws_sessions;
static bool aws_sessions_loaded;

static void aws_sessions_free(void)
{
	aws_config_free(&aws_sessions);
}

const struct aws_config *cli_aws_sessions(void)
{
	return aws_sessions_loaded ? &aws_sessions : NULL;
}

/* Load one more --sessions file and validate the merged model; -1 (message printed) if not
 * valid. */
static int sessions_option(const char *path)
{
	if (!aws_sessions_loaded) {
		aws_config_init(&aws_sessions);
		atexit(aws_sessions_free);
		aws_sessions_loaded = true;
	}
	struct aws_error err;
	if (aws_config_load(&aws_sessions, path, &err)) {
		fprintf(stderr, "vxscope: --sessions: %s\n", err.msg);
		return -1;
	}
	struct aws_diags *d = calloc(1, sizeof(*d));
	if (!d) {
		fprintf(stderr, "vxscope: out of memory\n");
		return -1;
	}
	int rc = aws_config_validate(&aws_sessions, d);
	for (unsigned i = 0; rc && i < d->n; i++)
		if (!d->d[i].warning)
			fprintf(stderr, "vxscope: --sessions: %s\n", d->d[i].msg);
	free(d);
	if (rc)
		fprintf(stderr, "vxscope: --sessions: the configuration is not valid (details: "
				"vxscope filter check)\n");
	return rc ? -1 : 1;
}

static void progress_draw(uint64_t done, uint64_t total, const char *name)
{
	int pct = total ? (int)(done * 100 / total) : 0;
	int bars = pct / 4;
	char bar[26];
	for (int i = 0; i < 25; i++)
		bar[i] = i < bars ? '#' : ' ';
	bar[25] = 0;
	fprintf(stderr, "\r%-30.30s [%s] %3d%%", name, bar, pct);
}

void cli_read_inputs(char *const *files, int nfiles, struct pipeline *pl, bool progress,
		     struct input_result *res)
{
	memset(res, 0, sizeof(*res));
	res->status = EXIT_OK;
	bool tty = progress && isatty(2);
	pipeline_sessions(pl)->aws = cli_aws_sessions();
	uint64_t frame_base = 0;
	for (int i = 0; i < nfiles; i++) {
		struct capture_reader *r;
		char err[512];
		int rc = capture_open(&r, files[i], err, sizeof(err));
		if (rc) {
			fprintf(stderr, "vxscope: %s: %s\n", files[i], err);
			if (res->nproblems < INPUT_MAX_PROBLEMS)
				snprintf(res->problems[res->nproblems++], sizeof(res->problems[0]),
					 "%s: %s", files[i], err);
			res->status = EXIT_INPUT;
			res->damaged_files++;
			continue;
		}
		uint64_t size = capture_size(r), next_draw = 0;
		bool drew = false;
		struct packet p;
		enum capture_status st;
		uint64_t nfile = 0;
		memset(&p, 0, sizeof(p));
		while ((st = capture_next(r, &p)) == CAPTURE_FRAME) {
			p.frame += frame_base;
			pipeline_packet(pl, &p);
			res->frames++;
			nfile++;
			if (tty && size > (64u << 20) && capture_offset(r) >= next_draw) {
				progress_draw(capture_offset(r), size, files[i]);
				next_draw = capture_offset(r) + size / 100;
				drew = true;
			}
		}
		if (drew)
			fprintf(stderr, "\r%*s\r", 70, "");
		if (st != CAPTURE_EOF) {
			fprintf(stderr, "vxscope: %s: %s%s; %llu frames read before it\n", files[i],
				st == CAPTURE_IOERR ? "read error: " : "damaged capture: ",
				capture_error(r), (unsigned long long)nfile);
			if (res->nproblems < INPUT_MAX_PROBLEMS)
				snprintf(res->problems[res->nproblems++], sizeof(res->problems[0]),
					 "%s: %s%s; %llu frames read before it", files[i],
					 st == CAPTURE_IOERR ? "read error: " : "damaged capture: ",
					 capture_error(r), (unsigned long long)nfile);
			res->status = EXIT_INPUT;
			res->damaged_files++;
		}
		frame_base = res->frames;
		capture_close(r);
	}
}

bool cli_parse_u64(const char *s, uint64_t min, uint64_t max, const char *what, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
		fprintf(stderr, "vxscope: %s must be a whole number from %llu to %llu, not '%s'\n",
			what, (unsigned long long)min, (unsigned long long)max, s);
		return false;
	}
	*out = v;
	return true;
}

int cli_decode_option(int opt, const char *arg, struct decode_cfg *cfg)
{
	uint64_t v;
	switch (opt) {
	case CLI_OPT_VXLAN_PORT:
		if (!cli_parse_u64(arg, 1, 65535, "--vxlan-port", &v))
			return -1;
		if (decode_cfg_add_vxlan_port(cfg, (uint16_t)v)) {
			fprintf(stderr, "vxscope: too many --vxlan-port values (at most %d)\n",
				DECODE_MAX_PORTS);
			return -1;
		}
		return 1;
	case CLI_OPT_SESSIONS:
		return sessions_option(arg);
	case CLI_OPT_GENEVE_PORT:
		if (!cli_parse_u64(arg, 1, 65535, "--geneve-port", &v))
			return -1;
		if (decode_cfg_add_geneve_port(cfg, (uint16_t)v)) {
			fprintf(stderr, "vxscope: too many --geneve-port values (at most %d)\n",
				DECODE_MAX_PORTS);
			return -1;
		}
		return 1;
	default:
		return 0;
	}
}

int cli_table_option(int c, const char *arg, struct pipeline_cfg *cfg)
{
	struct flow_table_cfg *ft = &cfg->flows;
	uint64_t v;
	switch (c) {
	case CLI_OPT_MAX_FLOWS:
		if (!cli_parse_u64(arg, 16, 100000000, "--max-flows", &v))
			return -1;
		ft->max_flows = (uint32_t)v;
		return 1;
	case CLI_OPT_TCP_IDLE:
		if (!cli_parse_u64(arg, 1, 86400 * 365, "--tcp-idle", &v))
			return -1;
		ft->tcp_idle_ns = (int64_t)v * 1000000000;
		return 1;
	case CLI_OPT_IDLE:
		if (!cli_parse_u64(arg, 1, 86400 * 365, "--idle", &v))
			return -1;
		ft->other_idle_ns = (int64_t)v * 1000000000;
		return 1;
	case CLI_OPT_ACTIVE:
		if (!cli_parse_u64(arg, 1, 86400 * 365, "--active-timeout", &v))
			return -1;
		ft->active_ns = (int64_t)v * 1000000000;
		return 1;
	case CLI_OPT_NO_DEDUP:
		cfg->dedup.enabled = false;
		return 1;
	case CLI_OPT_DEDUP_WINDOW:
		if (!cli_parse_u64(arg, 1, 60000, "--dedup-window (milliseconds)", &v))
			return -1;
		cfg->dedup.window_ns = (int64_t)v * 1000000;
		return 1;
	case CLI_OPT_DEDUP_SAME:
		cfg->dedup.same_session = true;
		return 1;
	}
	return 0;
}

int cli_common_option(int opt, const char *arg, struct pipeline_cfg *cfg)
{
	int r = cli_decode_option(opt, arg, &cfg->decode);
	return r ? r : cli_table_option(opt, arg, cfg);
}
