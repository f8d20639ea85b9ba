/* qos_plan.h - a Linux tc configuration from the classes a capture holds: HTB with priority
 * for voice and the critical classes, fq_codel leaves where the kernel has them (pfifo/bfifo
 * otherwise), DSCP and port filters (u32), the measured rates, and the MSS/MTU change that
 * removes a detected path MTU black hole -- as a commented shell script to read before
 * applying (docs/qos.md).  Only text is produced here; nothing is run.
 */
#ifndef VXS_ANALYZE_QOS_PLAN_H
#define VXS_ANALYZE_QOS_PLAN_H

#include <stdbool.h>

#include "analyze/finding.h"
#include "analyze/qos.h"
#include "base/strbuf.h"

enum qos_leaf {
	QOS_LEAF_AUTO = 0, /* the script tries fq_codel per leaf and falls back to fifo */
	QOS_LEAF_FQ_CODEL,
	QOS_LEAF_FIFO,
};

struct qos_plan_cfg {
	const char *iface;     /* default "eth0" (the script also takes it as $1) */
	double link_bps;       /* 0: from a detected rate limit (95 % of it), else the peak */
	enum qos_leaf leaf;
	const char *probe_note; /* how the leaf was chosen, for the script's comment; may be NULL */
	char *const *files;     /* the captures, for the header */
	int nfiles;
	bool all_classes;       /* a template: every class, whatever was seen */
};

/* Write the script.  fl: the findings of the same capture (rate limits, MTU black holes). */
void qos_plan_write(struct strbuf *b, const struct qos *q, const struct finding_list *fl,
		    const struct qos_plan_cfg *cfg);

#endif
