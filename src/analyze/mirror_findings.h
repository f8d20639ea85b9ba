/* mirror_findings.h - findings about the mirror itself: truncated copies per session (the
 * PacketLength / target-MTU rule), packets seen at two mirror points (one-way delay, hops,
 * DSCP re-marking between them), and malformed packets. */
#ifndef VXS_ANALYZE_MIRROR_FINDINGS_H
#define VXS_ANALYZE_MIRROR_FINDINGS_H

#include "decode/decode_stats.h"
#include "flow/flow.h"
#include "mirror/dedup.h"
#include "mirror/sessions.h"
#include "analyze/finding.h"

/* dedup may be NULL. */
void mirror_findings(const struct session_table *sessions, const struct decode_stats *st,
		     const struct dedup *dedup, struct finding_list *out);

#endif
