/* mirror_findings.h - findings about the mirror itself: truncated copies per session (the
 * PacketLength / target-MTU rule), and malformed packets. */
#ifndef VXS_ANALYZE_MIRROR_FINDINGS_H
#define VXS_ANALYZE_MIRROR_FINDINGS_H

#include "decode/decode_stats.h"
#include "flow/flow.h"
#include "mirror/sessions.h"
#include "analyze/finding.h"

void mirror_findings(const struct session_table *sessions, const struct decode_stats *st,
		     struct finding_list *out);

#endif
