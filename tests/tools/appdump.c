/* appdump.c - run a capture through the pipeline and the application analyzer (src/app/) and
 * print what it found: for the tshark oracle (tests/oracle/app_fields.sh) and for looking.
 *
 *   appdump [-r] [-f] [-t] [-j] [-d] FILE
 *
 *   -r  (default) one JSON line per HTTP transaction and DNS query (the --app-records lines)
 *   -f  the application findings, one line each: severity kind title / frames / filter
 *   -t  the text section (APPLICATION)
 *   -j  the JSON summary ({"http":...,"dns":...})
 *   -d  keep mirror dedup on (default off, so every frame is analysed as tshark does)
 *
 * Exit status 0, 1 when the file was damaged (what was read is printed), 2 when it cannot be
 * opened or on out of memory.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "analyze/finding.h"
#include "app/app.h"
#include "capture/reader.h"
#include "engine/pipeline.h"

static void on_packet(void *ctx, const struct packet *p, struct flow *f, int dir,
                      const struct tcp_pkt_analysis *ta)
{
	(void)ta;
	app_packet(ctx, p, f, dir);
}

static void on_flow_end(void *ctx, struct flow *f, struct flow_ext *fx, enum flow_end_reason why)
{
	(void)fx;
	(void)why;
	app_flow_end(ctx, f);
}

int main(int argc, char **argv)
{
	bool records = false, findings = false, text = false, json = false, dedup = false;
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		for (const char *o = argv[i] + 1; *o; o++) {
			switch (*o) {
			case 'r':
				records = true;
				break;
			case 'f':
				findings = true;
				break;
			case 't':
				text = true;
				break;
			case 'j':
				json = true;
				break;
			case 'd':
				dedup = true;
				break;
			default:
				fprintf(stderr, "usage: appdump [-r] [-f] [-t] [-j] [-d] FILE\n");
				return 2;
			}
		}
	}
	if (i != argc - 1) {
		fprintf(stderr, "usage: appdump [-r] [-f] [-t] [-j] [-d] FILE\n");
		return 2;
	}
	if (!findings && !text && !json)
		records = true;
	char err[256];
	struct capture_reader *r;
	if (capture_open(&r, argv[i], err, sizeof(err))) {
		fprintf(stderr, "appdump: %s\n", err);
		return 2;
	}
	struct strbuf out;
	strbuf_init(&out, stdout);
	struct jsonw w;
	jsonw_init(&w, &out);
	struct app_analyzer *a = app_analyzer_new();
	struct pipeline_cfg cfg;
	pipeline_cfg_default(&cfg);
	cfg.dedup.enabled = dedup;
	cfg.hooks.on_packet = on_packet;
	cfg.hooks.on_flow_end = on_flow_end;
	cfg.hooks.ctx = a;
	struct pipeline *pl = a ? pipeline_new(&cfg) : NULL;
	if (!pl) {
		fprintf(stderr, "appdump: out of memory\n");
		app_analyzer_free(a);
		capture_close(r);
		return 2;
	}
	if (records)
		app_set_records(a, &w);
	struct packet p;
	enum capture_status st;
	while ((st = capture_next(r, &p)) == CAPTURE_FRAME)
		pipeline_packet(pl, &p);
	int rc = 0;
	if (st == CAPTURE_DAMAGED || st == CAPTURE_IOERR) {
		fprintf(stderr, "appdump: %s: %s\n", argv[i], capture_error(r));
		rc = 1;
	}
	pipeline_finish(pl);
	if (findings) {
		struct finding_list fl = {0};
		app_findings(a, &fl);
		findings_sort(&fl);
		for (size_t k = 0; k < fl.n; k++) {
			const struct finding *f = &fl.v[k];
			strbuf_addf(&out,
			            "%s %s %s\n  where: %s\n  frames:", severity_name(f->severity),
			            f->kind, f->title, f->where);
			for (unsigned j = 0; j < f->nframes; j++)
				strbuf_addf(&out, " %llu", (unsigned long long)f->frames[j]);
			strbuf_addf(&out, "\n  filter: %s\n  cause: %s\n", f->display_filter,
			            f->cause);
		}
		findings_free(&fl);
	}
	if (text)
		app_report_text(a, &out);
	if (json) {
		app_report_json(a, &w);
		strbuf_addc(&out, '\n');
	}
	if (strbuf_flush(&out)) {
		fprintf(stderr, "appdump: write error\n");
		rc = 2;
	}
	strbuf_fini(&out);
	pipeline_free(pl);
	app_analyzer_free(a);
	capture_close(r);
	return rc;
}
