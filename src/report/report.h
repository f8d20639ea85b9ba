/* report.h - render the diagnosis: a terminal report (80 columns), a versioned JSON document and
 * a self-contained HTML page (docs/html-report.md).
 *
 * The report only renders; analysers produce the findings and roll-ups it is given.  Output is
 * deterministic (UTC, fixed ordering) so golden tests can compare it.  JSON schema:
 * docs/report-schema.md, "schema": "vxscope.analyze/1".
 */
#ifndef VXS_REPORT_REPORT_H
#define VXS_REPORT_REPORT_H

#include <stdbool.h>

#include "analyze/services.h"
#include "app/app.h"
#include "base/jsonw.h"
#include "base/strbuf.h"
#include "decode/decode_stats.h"
#include "flow/flow.h"
#include "mirror/sessions.h"
#include "analyze/finding.h"

#define REPORT_SCHEMA "vxscope.analyze/1"

struct report {
	char *const *files;
	int nfiles;
	const struct decode_stats *ps;
	const struct flow_table_stats *fs;
	const struct session_table *sessions;
	struct service_table *services;
	struct app_analyzer *app;     /* HTTP and DNS summaries; may be NULL */
	const struct finding_list *findings;
	uint64_t tcp_flags[TA_COUNT]; /* packets with each TCP analysis flag */
	uint64_t tcp_packets;
	uint64_t flows_by_proto[3];   /* tcp, udp, other */
	const char *const *problems;  /* what could not be read */
	unsigned nproblems;
	const struct qos *qos;        /* classes and rate limits (report_qos.c); may be NULL */
};

struct qos;
struct jsonw;
/* The QOS sections: rate limits per TCP sender and traffic per class (report_qos.c). */
void report_qos_text(struct strbuf *b, const struct report *r);
void report_qos_json(struct jsonw *w, const struct report *r);
void report_qos_html(struct strbuf *b, const struct report *r);

void report_text(struct strbuf *b, const struct report *r, bool color);
void report_json(struct strbuf *b, const struct report *r);
/* One finding as a JSON object (an element of the report's "findings" array). */
void report_finding_json(struct jsonw *w, const struct finding *f);

struct timeseries;
/* One self-contained HTML page (no network fetches: inline CSS, SVG and script, and a
 * Content-Security-Policy that forbids loading anything).  ts may be NULL: the charts over
 * time then say they have no data.  Deterministic for the same input. */
void report_html(struct strbuf *b, const struct report *r, const struct timeseries *ts);
/* Append s HTML-escaped for text and double- or single-quoted attribute values: & < > " '
 * as entities; bytes that are not valid UTF-8, and control characters other than tab and
 * newline, as U+FFFD. */
void report_html_escape(struct strbuf *b, const char *s);

#endif
