/* report_html_app.c - the application section of the HTML report: HTTP, DNS, TLS, VoIP (SIP
 * and RTP) and the nDPI applications, as the text report words them, in a <pre> block (the
 * findings above carry the evidence).  Nothing is written when no application was seen. */
#include "report/report_html_int.h"

#include <string.h>

void html_app_section(struct strbuf *b, const struct report *r)
{
	if (!r->app)
		return;
	struct strbuf t;
	strbuf_init(&t, NULL);
	app_report_text(r->app, &t);
	if (t.len) {
		strbuf_adds(b, "<section id=\"application\">\n<h2>Application layer</h2>\n<pre>");
		/* the first line is the text report's heading: the <h2> says it */
		const char *nl = memchr(t.buf, '\n', t.len);
		size_t off = nl ? (size_t)(nl - t.buf) + 1 : 0;
		strbuf_addc(&t, '\0'); /* may move t.buf: keep the offset, not a pointer */
		report_html_escape(b, t.buf + off);
		strbuf_adds(b, "</pre>\n</section>\n");
	}
	strbuf_fini(&t);
}
