/* report_html_int.h - what report_html.c (page, findings, tables) and report_html_charts.c
 * (the inline SVG charts) share.  Not for use outside src/report/. */
#ifndef VXS_REPORT_HTML_INT_H
#define VXS_REPORT_HTML_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze/timeseries.h"
#include "report/report.h"

/* report_html_escape() of at most max_chars code points; a longer text ends in an ellipsis. */
void html_escape_trunc(struct strbuf *b, const char *s, size_t max_chars);
/* "812 B", "3.07 MB", ... (decimal units). */
void html_fmt_bytes(char *buf, size_t len, uint64_t bytes);

/* The time axis every chart over time shares: seconds after start_ns, from 0 to span_s. */
struct html_time {
	bool valid;
	int64_t start_ns;
	double span_s;
};

/* Each chart writes a <figure> holding one <svg class="chart" data-chart=NAME>; drawn data
 * carries class "mark", and a chart with nothing to draw says so in a <text class="nodata">. */
void html_chart_throughput(struct strbuf *b, const struct timeseries *ts,
			   const struct html_time *tm);
void html_chart_tcp(struct strbuf *b, const struct timeseries *ts, const struct html_time *tm);
void html_chart_rtt(struct strbuf *b, const struct timeseries *ts);
/* The application section (report_html_app.c): nothing when no application was seen. */
void html_app_section(struct strbuf *b, const struct report *r);
void html_chart_timeline(struct strbuf *b, const struct finding_list *fl,
			 const struct timeseries *ts, const struct html_time *tm);
/* v: services, most bytes first; the first few are drawn. */
void html_chart_talkers(struct strbuf *b, struct service *const *v, size_t n);

#endif
