/* report_html_charts.c - the HTML report's charts, drawn here as inline SVG (SVG 1.1/2 basic
 * shapes and paths; no script): throughput per class and TCP trouble over time (step areas,
 * one step per time bin), ACK RTT histograms per server, the findings timeline, top talkers.
 *
 * Every chart is a <figure> with one <svg class="chart" data-chart=NAME viewBox="0 0 960 H">;
 * drawn data has class "mark" so a test can tell a drawn chart from an empty frame.  Colours
 * come from CSS classes (report_html.c), coordinates are printed with one decimal, so the
 * output is the same on every run.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/report_html_int.h"

#define W 960 /* viewBox width of every chart */

/* The plot area of a chart, in viewBox pixels: x0..x1 left to right, y0 (bottom) .. y1 (top). */
struct plot {
	double x0, x1, y0, y1;
	double xmax, ymax; /* data at x1 and at y1 */
};

static double px(const struct plot *p, double v)
{
	double x = p->xmax > 0 ? p->x0 + v / p->xmax * (p->x1 - p->x0) : p->x0;
	return round(x * 10) / 10;
}

static double py(const struct plot *p, double v)
{
	double y = p->ymax > 0 ? p->y0 - v / p->ymax * (p->y0 - p->y1) : p->y0;
	return round(y * 10) / 10;
}

/* 1, 2 or 5 times a power of ten, giving about `target` steps over span. */
static double nice_step(double span, int target)
{
	if (!(span > 0))
		return 1;
	double raw = span / target;
	double mag = pow(10, floor(log10(raw)));
	double f = raw / mag;
	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

static void fmt_tick(char *buf, size_t len, double v, double step)
{
	int d = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
	snprintf(buf, len, "%.*f", d > 6 ? 6 : d, v);
}

static void svg_open(struct strbuf *b, const char *name, int h, const char *label)
{
	strbuf_addf(b, "<svg class=\"chart\" data-chart=\"%s\" viewBox=\"0 0 %d %d\" role=\"img\" "
		       "aria-label=\"",
		    name, W, h);
	report_html_escape(b, label);
	strbuf_adds(b, "\">\n");
}

static void nodata(struct strbuf *b, double x, double y, const char *text)
{
	strbuf_addf(b, "<text class=\"nodata\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
		    x, y);
	report_html_escape(b, text);
	strbuf_adds(b, "</text>\n");
}

/* Horizontal grid and labels from 0 up; sets p->ymax to a whole number of steps >= max. */
static void y_axis(struct strbuf *b, struct plot *p, double max, const char *unit)
{
	if (!(max > 0))
		max = 1;
	double step = nice_step(max, 4);
	p->ymax = ceil(max / step - 1e-9) * step;
	strbuf_adds(b, "<g class=\"axis\">");
	for (int i = 0; i <= 20; i++) {
		double v = i * step;
		if (v > p->ymax * (1 + 1e-9))
			break;
		char t[32];
		fmt_tick(t, sizeof(t), v, step);
		double y = py(p, v);
		strbuf_addf(b, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
			       "y2=\"%.1f\"/><text x=\"%.1f\" y=\"%.1f\" "
			       "text-anchor=\"end\">%s</text>",
			    p->x0, p->x1, y, y, p->x0 - 6, y + 4, t);
	}
	strbuf_addf(b, "<text class=\"unit\" x=\"%.1f\" y=\"%.1f\">", p->x0, p->y1 - 10);
	report_html_escape(b, unit);
	strbuf_adds(b, "</text></g>\n");
}

/* Ticks along the bottom, in the largest unit that reads well for the span. */
static void time_axis(struct strbuf *b, const struct plot *p, double span_s)
{
	static const struct {
		double below_s, per_s;
		const char *name;
	} units[] = {{2, 1000, "ms"}, {180, 1, "s"}, {3 * 3600, 1.0 / 60, "min"},
		     {3 * 86400, 1.0 / 3600, "h"}, {3 * 31557600, 1.0 / 86400, "d"},
		     {INFINITY, 1.0 / 31557600, "y"}};
	unsigned u = 0;
	while (span_s >= units[u].below_s)
		u++;
	double span = span_s * units[u].per_s;
	double step = nice_step(span, 8);
	strbuf_addf(b, "<g class=\"axis\"><line class=\"base\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
		       "y2=\"%.1f\"/>",
		    p->x0, p->x1, p->y0, p->y0);
	for (int i = 0; i <= 40; i++) {
		double v = i * step;
		if (v > span * (1 + 1e-9))
			break;
		char t[32];
		fmt_tick(t, sizeof(t), v, step);
		double x = p->x0 + (span > 0 ? v / span : 0) * (p->x1 - p->x0);
		strbuf_addf(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
			       "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s %s</text>",
			    x, x, p->y0, p->y0 + 4, x, p->y0 + 17, t, units[u].name);
	}
	strbuf_adds(b, "</g>\n");
}

static void fmt_width(char *buf, size_t len, int64_t ns)
{
	if (ns < 1000000000)
		snprintf(buf, len, "%lld ms", (long long)(ns / 1000000));
	else if (ns < 86400000000000LL)
		snprintf(buf, len, "%lld s", (long long)(ns / 1000000000));
	else
		snprintf(buf, len, "%.1f days", (double)ns / 86400e9);
}

/* A filled area between top[] and bot[] (NULL: the baseline y0) as steps over n bins whose
 * edges are xs[0..n]; flat runs collapse into one segment. */
static void step_path(struct strbuf *b, const double *xs, const double *top, const double *bot,
		      double y0, uint32_t n, bool close)
{
	strbuf_addf(b, "M%.1f %.1f", xs[0], top[0]);
	for (uint32_t i = 0; i < n; i++) {
		if (i + 1 < n && top[i + 1] == top[i])
			continue;
		strbuf_addf(b, "H%.1f", xs[i + 1]);
		if (i + 1 < n)
			strbuf_addf(b, "V%.1f", top[i + 1]);
	}
	if (!close)
		return;
	if (!bot) {
		strbuf_addf(b, "V%.1fH%.1fZ", y0, xs[0]);
		return;
	}
	strbuf_addf(b, "V%.1f", bot[n - 1]);
	for (uint32_t i = n; i-- > 0;) {
		if (i > 0 && bot[i - 1] == bot[i])
			continue;
		strbuf_addf(b, "H%.1f", xs[i]);
		if (i > 0)
			strbuf_addf(b, "V%.1f", bot[i - 1]);
	}
	strbuf_addc(b, 'Z');
}

static void series_plot(struct plot *p, int h)
{
	p->x0 = 64;
	p->x1 = W - 20;
	p->y1 = 30;
	p->y0 = h - 30;
}

/* Bin edges in pixels. */
static void bin_edges(const struct plot *p, const struct timeseries *ts, double *xs)
{
	double w = (double)ts->width_ns / 1e9;
	for (uint32_t i = 0; i <= ts->nbins; i++)
		xs[i] = px(p, i * w);
}

static void bin_note(struct strbuf *b, const struct timeseries *ts)
{
	char w[32];
	fmt_width(w, sizeof(w), ts->width_ns);
	strbuf_addf(b, " One step = one %s bin.", w);
	if (ts->early || ts->late)
		strbuf_addf(b, " %llu packets timed outside the capture's span are counted in the "
			       "first or last bin.",
			    (unsigned long long)(ts->early + ts->late));
}

void html_chart_throughput(struct strbuf *b, const struct timeseries *ts,
			   const struct html_time *tm)
{
	const int h = 280;
	struct plot p;
	series_plot(&p, h);
	strbuf_adds(b, "<figure>\n");
	svg_open(b, "throughput", h, "Throughput per traffic class over time");
	if (!ts || !ts->started || !tm->valid) {
		y_axis(b, &p, 1, "bit/s");
		nodata(b, W / 2.0, h / 2.0, "no packets could be read");
		strbuf_adds(b, "</svg>\n</figure>\n");
		return;
	}
	double secs = (double)ts->width_ns / 1e9, max = 0;
	for (uint32_t i = 0; i < ts->nbins; i++) {
		double s = 0;
		for (int c = 0; c < TC_COUNT; c++)
			s += (double)ts->bin[i].bytes[c] * 8 / secs;
		if (s > max)
			max = s;
	}
	double div = max >= 1e9 ? 1e9 : max >= 1e6 ? 1e6 : max >= 1e3 ? 1e3 : 1;
	const char *unit = div == 1e9 ? "Gbit/s" : div == 1e6 ? "Mbit/s" : div == 1e3 ? "kbit/s"
									      : "bit/s";
	y_axis(b, &p, max / div, unit);
	p.xmax = tm->span_s;
	time_axis(b, &p, tm->span_s);
	double xs[TS_MAX_BINS + 1], cum[TS_MAX_BINS], prev[TS_MAX_BINS], rate[TS_MAX_BINS];
	bin_edges(&p, ts, xs);
	memset(rate, 0, sizeof(rate));
	bool first = true;
	strbuf_adds(b, "<g class=\"marks\">\n");
	for (int c = 0; c < TC_COUNT; c++) {
		if (!ts->bytes[c])
			continue;
		for (uint32_t i = 0; i < ts->nbins; i++) {
			prev[i] = py(&p, rate[i]);
			rate[i] += (double)ts->bin[i].bytes[c] * 8 / secs / div;
			cum[i] = py(&p, rate[i]);
		}
		strbuf_addf(b, "<path class=\"mark area c-%s\" d=\"",
			    tclass_name((enum tclass)c));
		step_path(b, xs, cum, first ? NULL : prev, p.y0, ts->nbins, true);
		strbuf_addf(b, "\"><title>%s</title></path>\n", tclass_name((enum tclass)c));
		first = false;
	}
	strbuf_adds(b, "</g>\n</svg>\n<ul class=\"legend\">");
	for (int c = 0; c < TC_COUNT; c++) {
		if (!ts->packets[c])
			continue;
		char by[32];
		html_fmt_bytes(by, sizeof(by), ts->bytes[c]);
		strbuf_addf(b, "<li class=\"c-%s\"><span class=\"sw\"></span>%s <span "
			       "class=\"mut\">%s, %llu packets</span></li>",
			    tclass_name((enum tclass)c), tclass_name((enum tclass)c), by,
			    (unsigned long long)ts->packets[c]);
	}
	strbuf_adds(b, "</ul>\n<figcaption>Bits per second per traffic class, stacked (IP lengths: "
		       "the true sizes even where the mirror cut the copy).  Each flow's QoS class, as "
		       "the class table counts it: the class map (DSCP, ports, --class-map) and "
		       "voice for the flows the SIP and RTP parsers took.");
	bin_note(b, ts);
	strbuf_adds(b, "</figcaption>\n</figure>\n");
}

void html_chart_tcp(struct strbuf *b, const struct timeseries *ts, const struct html_time *tm)
{
	const int h = 240;
	struct plot p;
	series_plot(&p, h);
	strbuf_adds(b, "<figure>\n");
	svg_open(b, "tcp", h, "TCP retransmissions and duplicate ACKs over time");
	if (!ts || !ts->started || !tm->valid) {
		y_axis(b, &p, 1, "packets per bin");
		nodata(b, W / 2.0, h / 2.0, "no packets could be read");
		strbuf_adds(b, "</svg>\n</figure>\n");
		return;
	}
	double max = 0;
	for (uint32_t i = 0; i < ts->nbins; i++) {
		if ((double)ts->bin[i].retrans > max)
			max = (double)ts->bin[i].retrans;
		if ((double)ts->bin[i].dup_acks > max)
			max = (double)ts->bin[i].dup_acks;
	}
	y_axis(b, &p, max < 1 ? 1 : max, "packets per bin");
	p.xmax = tm->span_s;
	time_axis(b, &p, tm->span_s);
	double xs[TS_MAX_BINS + 1], y[TS_MAX_BINS];
	bin_edges(&p, ts, xs);
	strbuf_adds(b, "<g class=\"marks\">\n");
	static const char *const cls[2] = {"dupack", "retrans"};
	static const char *const names[2] = {"duplicate ACKs", "retransmissions"};
	for (int s = 0; s < 2; s++) {
		for (uint32_t i = 0; i < ts->nbins; i++)
			y[i] = py(&p, (double)(s ? ts->bin[i].retrans : ts->bin[i].dup_acks));
		strbuf_addf(b, "<path class=\"mark area %s\" d=\"", cls[s]);
		step_path(b, xs, y, NULL, p.y0, ts->nbins, true);
		strbuf_addf(b, "\"><title>%s</title></path>\n", names[s]);
	}
	if (!ts->retrans && !ts->dup_acks)
		nodata(b, W / 2.0, h / 2.0, "no retransmissions and no duplicate ACKs");
	strbuf_addf(b, "</g>\n</svg>\n<ul class=\"legend\"><li class=\"retrans\"><span "
		       "class=\"sw\"></span>retransmissions <span "
		       "class=\"mut\">%llu</span></li><li class=\"dupack\"><span "
		       "class=\"sw\"></span>duplicate ACKs <span "
		       "class=\"mut\">%llu</span></li></ul>\n<figcaption>TCP segments Wireshark "
		       "would flag <code>tcp.analysis.retransmission</code> (fast and spurious "
		       "included) and <code>tcp.analysis.duplicate_ack</code>, per time bin.",
		    (unsigned long long)ts->retrans, (unsigned long long)ts->dup_acks);
	bin_note(b, ts);
	strbuf_adds(b, "</figcaption>\n</figure>\n");
}

/* ---- ACK RTT per server --------------------------------------------------------------- */

#define RTT_TOP 5

static void fmt_rtt_edge(char *buf, size_t len, int64_t ns)
{
	if (ns < 1000000)
		snprintf(buf, len, "%lld µs", (long long)(ns / 1000));
	else if (ns < 1000000000)
		snprintf(buf, len, "%lld ms", (long long)(ns / 1000000));
	else
		snprintf(buf, len, "%lld s", (long long)(ns / 1000000000));
}

static void rtt_range(char *buf, size_t len, unsigned i)
{
	char lo[24], hi[24];
	int64_t u = ts_rtt_bucket_upper_ns(i);
	fmt_rtt_edge(lo, sizeof(lo), i ? ts_rtt_bucket_upper_ns(i - 1) : 0);
	if (u < 0)
		snprintf(buf, len, "%s or more", lo);
	else if (!i)
		snprintf(buf, len, "under %s", (fmt_rtt_edge(hi, sizeof(hi), u), hi));
	else
		snprintf(buf, len, "%s to %s", lo, (fmt_rtt_edge(hi, sizeof(hi), u), hi));
}

static void rtt_label(char *buf, size_t len, const struct ts_rtt *r)
{
	struct service s;
	memset(&s, 0, sizeof(s));
	s.sess_kind = r->sess_kind;
	s.sess_has_id = r->sess_has_id;
	s.sess_id = r->sess_id;
	s.sess_src = r->sess_src;
	s.addr = r->addr;
	s.port = r->port;
	s.proto = r->proto;
	service_label(&s, buf, len);
}

/* The bucket holding the median of both sides' samples. */
static unsigned rtt_median(const struct ts_rtt *r)
{
	uint64_t seen = 0;
	for (unsigned i = 0; i < TS_RTT_BUCKETS; i++) {
		seen += r->hist[0][i] + r->hist[1][i];
		if (2 * seen >= r->samples)
			return i;
	}
	return TS_RTT_BUCKETS - 1;
}

void html_chart_rtt(struct strbuf *b, const struct timeseries *ts)
{
	const struct ts_rtt *top[RTT_TOP];
	unsigned n = 0;
	for (uint32_t i = 0; ts && i < ts->nrtt; i++) {
		const struct ts_rtt *r = &ts->rtt[i];
		unsigned j = n < RTT_TOP ? n++ : RTT_TOP;
		if (j == RTT_TOP && r->samples <= top[RTT_TOP - 1]->samples)
			continue;
		if (j == RTT_TOP)
			j--;
		while (j > 0 && top[j - 1]->samples < r->samples) {
			top[j] = top[j - 1];
			j--;
		}
		top[j] = r;
	}
	const double ph = 128; /* panel height */
	int h = n ? (int)(n * ph + 10) : 120;
	strbuf_adds(b, "<figure>\n");
	svg_open(b, "rtt", h, "ACK round-trip time histograms of the busiest servers");
	if (!n) {
		nodata(b, W / 2.0, h / 2.0, "no ACK RTT samples (no acknowledged TCP data)");
		strbuf_adds(b, "</svg>\n</figure>\n");
		return;
	}
	unsigned lo = TS_RTT_BUCKETS, hi = 0;
	for (unsigned k = 0; k < n; k++)
		for (unsigned i = 0; i < TS_RTT_BUCKETS; i++)
			if (top[k]->hist[0][i] + top[k]->hist[1][i]) {
				if (i < lo)
					lo = i;
				if (i > hi)
					hi = i;
			}
	while (hi - lo + 1 < 8 && (lo > 0 || hi < TS_RTT_BUCKETS - 1)) {
		if (hi < TS_RTT_BUCKETS - 1)
			hi++;
		if (hi - lo + 1 < 8 && lo > 0)
			lo--;
	}
	double x0 = 64, x1 = W - 20, gw = (x1 - x0) / (hi - lo + 1);
	strbuf_adds(b, "<g class=\"marks\">\n");
	for (unsigned k = 0; k < n; k++) {
		const struct ts_rtt *r = top[k];
		double y = 10 + k * ph, base = y + ph - 34, bh = ph - 62;
		char l[200], med[64];
		rtt_label(l, sizeof(l), r);
		rtt_range(med, sizeof(med), rtt_median(r));
		strbuf_addf(b, "<text class=\"plabel\" x=\"%.1f\" y=\"%.1f\">", x0, y + 12);
		report_html_escape(b, l);
		strbuf_addf(b, "<tspan class=\"mut\"> — %llu samples, median %s</tspan></text>\n",
			    (unsigned long long)r->samples, med);
		uint64_t m = 1;
		for (unsigned i = lo; i <= hi; i++)
			for (int d = 0; d < 2; d++)
				if (r->hist[d][i] > m)
					m = r->hist[d][i];
		strbuf_addf(b, "<g class=\"axis\"><line class=\"base\" x1=\"%.1f\" x2=\"%.1f\" "
			       "y1=\"%.1f\" y2=\"%.1f\"/><text x=\"%.1f\" y=\"%.1f\" "
			       "text-anchor=\"end\">%llu</text><text x=\"%.1f\" y=\"%.1f\" "
			       "text-anchor=\"end\">0</text>",
			    x0, x1, base, base, x0 - 6, base - bh + 4, (unsigned long long)m,
			    x0 - 6, base + 4);
		for (unsigned i = lo; i <= hi + 1 && i <= TS_RTT_BUCKETS; i++) {
			double x = round((x0 + (i - lo) * gw) * 10) / 10;
			char t[24] = "";
			if (i == 0)
				snprintf(t, sizeof(t), "0");
			else if (i < TS_RTT_BUCKETS)
				fmt_rtt_edge(t, sizeof(t), ts_rtt_bucket_upper_ns(i - 1));
			strbuf_addf(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
				       "<text x=\"%.1f\" y=\"%.1f\" "
				       "text-anchor=\"middle\">%s</text>",
				    x, x, base, base + 4, x, base + 16, t);
		}
		strbuf_adds(b, "</g>\n");
		for (unsigned i = lo; i <= hi; i++) {
			for (int d = 1; d >= 0; d--) {
				uint64_t v = r->hist[d][i];
				if (!v)
					continue;
				double bhv = round((double)v / (double)m * bh * 10) / 10;
				if (bhv < 1)
					bhv = 1;
				double bx = x0 + (i - lo) * gw + gw * (d ? 0.12 : 0.52);
				char range[64];
				rtt_range(range, sizeof(range), i);
				strbuf_addf(b, "<rect class=\"mark bar %s\" x=\"%.1f\" y=\"%.1f\" "
					       "width=\"%.1f\" height=\"%.1f\"><title>%llu ACKs "
					       "from the %s, %s</title></rect>\n",
					    d ? "rtt-srv" : "rtt-cli", round(bx * 10) / 10,
					    base - bhv, round(gw * 0.36 * 10) / 10, bhv,
					    (unsigned long long)v, d ? "server" : "clients", range);
			}
		}
	}
	strbuf_adds(b, "</g>\n</svg>\n<ul class=\"legend\"><li class=\"rtt-srv\"><span "
		       "class=\"sw\"></span>ACKs sent by the server <span class=\"mut\">(capture "
		       "point to server and back)</span></li><li class=\"rtt-cli\"><span "
		       "class=\"sw\"></span>ACKs sent by its clients <span class=\"mut\">(capture "
		       "point to clients and back)</span></li></ul>\n<figcaption>Wireshark's "
		       "<code>tcp.analysis.ack_rtt</code>: the time from a data segment to the "
		       "ACK that covers it, as seen at the capture point, in 1-2-5 buckets; the "
		       "servers with the most samples.");
	if (ts->rtt_dropped)
		strbuf_addf(b, " %llu samples of services past the first %d are not shown.",
			    (unsigned long long)ts->rtt_dropped, TS_RTT_MAX);
	strbuf_adds(b, "</figcaption>\n</figure>\n");
}

/* ---- findings timeline ---------------------------------------------------------------- */

#define TIMELINE_ROWS 40

void html_chart_timeline(struct strbuf *b, const struct finding_list *fl,
			 const struct timeseries *ts, const struct html_time *tm)
{
	size_t rows = fl->n < TIMELINE_ROWS ? fl->n : TIMELINE_ROWS;
	const double rh = 26, top = 8;
	int h = (int)(top + (rows ? rows : 2) * rh + 34);
	struct plot p = {.x0 = 390, .x1 = W - 20, .y1 = top, .y0 = top + (rows ? rows : 2) * rh};
	strbuf_adds(b, "<figure>\n");
	svg_open(b, "timeline", h, "Timeline of the findings");
	if (tm->valid) {
		p.xmax = tm->span_s;
		time_axis(b, &p, tm->span_s);
	}
	if (!rows) {
		nodata(b, W / 2.0, top + rh, tm->valid ? "nothing wrong found in what was readable"
						       : "no frames could be read");
		strbuf_adds(b, "</svg>\n</figure>\n");
		return;
	}
	strbuf_adds(b, "<g class=\"marks\">\n");
	for (size_t i = 0; i < rows; i++) {
		const struct finding *f = &fl->v[i];
		double y = top + i * rh;
		strbuf_addf(b, "<a href=\"#finding-%zu\" id=\"tl-%zu\" class=\"tl-row "
			       "sev-%s\"><title>",
			    i + 1, i + 1, severity_name(f->severity));
		report_html_escape(b, f->title);
		strbuf_addf(b, "</title><rect class=\"tl-bg\" x=\"0\" y=\"%.1f\" width=\"%d\" "
			       "height=\"%.1f\"/><rect class=\"tl-sev\" x=\"8\" y=\"%.1f\" "
			       "width=\"10\" height=\"10\" rx=\"2\"/><text class=\"tl-label\" "
			       "x=\"26\" y=\"%.1f\">%zu. ",
			    y, W, rh, y + 8, y + 17, i + 1);
		html_escape_trunc(b, f->title, 48);
		strbuf_adds(b, "</text>");
		bool known = tm->valid && (f->first_ns || f->last_ns);
		double a = 0, z = tm->valid ? tm->span_s : 1;
		if (known) {
			a = ((double)f->first_ns - (double)tm->start_ns) / 1e9;
			z = ((double)f->last_ns - (double)tm->start_ns) / 1e9;
			a = a < 0 ? 0 : a > tm->span_s ? tm->span_s : a;
			z = z < a ? a : z > tm->span_s ? tm->span_s : z;
		}
		if (!tm->valid)
			p.xmax = 1;
		double xa = px(&p, a), xz = px(&p, z);
		if (xz - xa < 4) {
			xa = xa - 2 < p.x0 ? p.x0 : xa - 2;
			xz = xa + 4;
		}
		strbuf_addf(b, "<rect class=\"mark tl-bar%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			       "height=\"12\" rx=\"3\"/>",
			    known ? "" : " tl-unknown", xa, y + 7, xz - xa);
		for (unsigned k = 0; known && ts && k < f->nframes; k++) {
			/* the bin of a frame is a guess when timestamps go back and forth:
			 * a tick off the evidence's own time range is left out */
			double o = timeseries_frame_offset(ts, f->frames[k]);
			double w = (double)ts->width_ns / 1e9;
			if (o < 0 || o > tm->span_s || o + w < a || o > z + w)
				continue;
			double x = px(&p, o);
			strbuf_addf(b, "<line class=\"tl-frame\" x1=\"%.1f\" x2=\"%.1f\" "
				       "y1=\"%.1f\" y2=\"%.1f\"/>",
				    x, x, y + 4, y + 22);
		}
		strbuf_adds(b, "</a>\n");
	}
	strbuf_adds(b, "</g>\n</svg>\n");
	strbuf_adds(b, "<figcaption>One row per finding, most severe first: the bar spans the time "
		       "of its evidence, the ticks mark its first frames (to the resolution of the "
		       "time bins); a hatched bar has no time range.  Click a row for the "
		       "finding.");
	if (fl->n > rows)
		strbuf_addf(b, " The first %zu of %zu findings are drawn.", rows, fl->n);
	strbuf_adds(b, "</figcaption>\n</figure>\n");
}

/* ---- top talkers ---------------------------------------------------------------------- */

#define TALKERS 10

void html_chart_talkers(struct strbuf *b, struct service *const *v, size_t n)
{
	size_t rows = n < TALKERS ? n : TALKERS;
	const double rh = 40;
	int h = rows ? (int)(rows * rh + 12) : 90;
	strbuf_adds(b, "<figure>\n");
	svg_open(b, "talkers", h, "Top talkers: services by bytes");
	if (!rows) {
		nodata(b, W / 2.0, h / 2.0, "no flows");
		strbuf_adds(b, "</svg>\n</figure>\n");
		return;
	}
	uint64_t max = v[0]->bytes[0] + v[0]->bytes[1];
	struct plot p = {.x0 = 64, .x1 = W - 100, .xmax = max ? (double)max : 1};
	strbuf_adds(b, "<g class=\"marks\">\n");
	for (size_t i = 0; i < rows; i++) {
		const struct service *s = v[i];
		double y = 6 + i * rh;
		char l[200], by[32], b0[32], b1[32];
		service_label(s, l, sizeof(l));
		html_fmt_bytes(by, sizeof(by), s->bytes[0] + s->bytes[1]);
		html_fmt_bytes(b0, sizeof(b0), s->bytes[0]);
		html_fmt_bytes(b1, sizeof(b1), s->bytes[1]);
		strbuf_addf(b, "<text class=\"plabel\" x=\"%.1f\" y=\"%.1f\">", p.x0, y + 12);
		report_html_escape(b, l);
		strbuf_addf(b, "<tspan class=\"mut\"> — %llu flow%s</tspan></text>",
			    (unsigned long long)s->flows, s->flows == 1 ? "" : "s");
		double xa = px(&p, (double)s->bytes[0]);
		double xz = px(&p, (double)(s->bytes[0] + s->bytes[1]));
		if (xz - p.x0 < 2)
			xz = p.x0 + 2;
		if (xa > xz)
			xa = xz;
		strbuf_addf(b, "<rect class=\"mark bar up\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			       "height=\"14\"><title>%s to the server</title></rect>"
			       "<rect class=\"mark bar down\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			       "height=\"14\"><title>%s from the server</title></rect>"
			       "<text class=\"val\" x=\"%.1f\" y=\"%.1f\">%s</text>\n",
			    p.x0, y + 18, xa - p.x0, b0, xa, y + 18, xz - xa, b1, xz + 6, y + 30,
			    by);
	}
	strbuf_adds(b, "</g>\n</svg>\n<ul class=\"legend\"><li class=\"up\"><span "
		       "class=\"sw\"></span>to the server</li><li class=\"down\"><span "
		       "class=\"sw\"></span>from the server</li></ul>\n<figcaption>Services "
		       "(session, server address, port) by IP bytes both ways; the server is the "
		       "side that answered the first packet.");
	if (n > rows)
		strbuf_addf(b, " The top %zu of %zu.", rows, n);
	strbuf_adds(b, "</figcaption>\n</figure>\n");
}
