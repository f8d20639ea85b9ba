/* classify.h - application labels per flow from nDPI (libndpi 4.2 API), when the build found
 * it (VXS_HAVE_NDPI); without it every call is a no-op and app_classify_new() says -ENOTSUP.
 *
 * nDPI sees each flow's first packets (at most CLASSIFY_MAX_PACKETS, or until it names the
 * protocol), its per-flow state is freed then or at the flow's end, whichever is first, and
 * the label (application, category) is tallied per application: flows, packets, bytes.  Our
 * own parsers take precedence: a flow a parser claimed (HTTP, DNS, TLS, SIP, RTP) is labelled
 * by that parser in the tallies, with nDPI's name kept as the detail ("TLS" / "Google").
 */
#ifndef VXS_APP_CLASSIFY_H
#define VXS_APP_CLASSIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "base/jsonw.h"
#include "base/strbuf.h"
#include "flow/flow.h"

#define CLASSIFY_MAX_PACKETS 24   /* packets of a flow shown to nDPI at most */
#define CLASSIFY_FLOWS_MAX   65536 /* flows with nDPI state at once; more are not classified */
#define CLASSIFY_APPS_MAX    512  /* distinct labels tallied */

struct app_classify;

/* 0, -ENOMEM, or -ENOTSUP (built without nDPI).  Owned by the caller: app_classify_free(). */
int app_classify_new(struct app_classify **out);
void app_classify_free(struct app_classify *c);
/* One packet of flow f (direction dir), in capture order. */
void app_classify_packet(struct app_classify *c, const struct packet *p, struct flow *f, int dir);
/* Flow f ends: tally its label, free its state.  parser: the name of the parser that claimed
 * the flow ("http", ...), or NULL. */
void app_classify_flow_end(struct app_classify *c, struct flow *f);
/* Which of our parsers claimed flow f (a hint for the tally), before app_classify_flow_end. */
void app_classify_parser(struct app_classify *c, const struct flow *f, const char *parser);

/* {"engine":"nDPI 4.2.0","flows":N,"applications":[{"name","category","flows","packets",
 * "bytes"}...]} after the caller wrote a key; nothing is written when c is NULL. */
void app_classify_json(const struct app_classify *c, struct jsonw *w);
/* The "applications by nDPI" lines of the text report. */
void app_classify_text(const struct app_classify *c, struct strbuf *b);
bool app_classify_any(const struct app_classify *c);

#endif
