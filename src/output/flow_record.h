/* flow_record.h - one flow as a JSON object or a text line (vxscope flows, analyze). */
#ifndef VXS_OUTPUT_FLOW_RECORD_H
#define VXS_OUTPUT_FLOW_RECORD_H

#include "analyze/tcp_analysis.h"
#include "base/strbuf.h"
#include "flow/flow.h"
#include "base/jsonw.h"

/* TCP flags as letters, Zeek-style order: "SAFRPUEC" subset, e.g. "SAF". */
void tcp_flags_letters(uint8_t flags, char out[9]);
const char *ipproto_name(uint8_t proto);

/* A JSON object (not a whole record: the caller ends it) describing f.  h may be NULL. */
void flow_record_json(struct jsonw *w, const struct flow *f, enum flow_end_reason why,
		      const struct tcp_health *h);
/* The column header and one line of the text table. */
void flow_record_text_header(struct strbuf *b);
void flow_record_text(struct strbuf *b, const struct flow *f);

#endif
