/* flowlog_sink.h - aggregate flows into VPC Flow Logs records per window and write them.
 *
 * One record per flow direction per aggregation window (60 s or 600 s, AWS's
 * max-aggregation-interval), flushed when packet time crosses a window boundary and when a flow
 * ends.  srcaddr/dstaddr/flow-direction follow spec 5.1: a mirrored packet's outer source is the
 * source ENI's primary IP; a packet from that address is egress, one to it is ingress, and on
 * the ENI's side srcaddr/dstaddr show that address.  Excluded traffic (flowlog_excluded) is
 * counted, never written.  Destinations: a stream (stdout or a file, optionally gzip) with a
 * header line, or AWS's S3 layout under a directory (one gzip file per 5 minutes of record end
 * time, AWS's file names).
 */
#ifndef VXS_ENGINE_FLOWLOG_SINK_H
#define VXS_ENGINE_FLOWLOG_SINK_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/pipeline.h"
#include "output/flowlogs.h"

struct flowlog_sink_cfg {
	struct flowlog_format fmt;
	int interval_s;        /* 60 or 600 */
	bool header;           /* header line first (S3 text files have one) */
	bool gzip;             /* stream output gzip-compressed */
	const char *path;      /* stream output; NULL or "-" = stdout */
	const char *s3_dir;    /* AWS layout under this directory instead of a stream */
	const char *account_id, *region, *flow_log_id, *interface_id, *vpc_id, *subnet_id,
		*instance_id, *az_id;
	unsigned instance;     /* several sinks into one s3_dir (live workers): kept apart in
	                          the file-name hash */
};

void flowlog_sink_cfg_default(struct flowlog_sink_cfg *cfg);

struct flowlog_sink_stats {
	uint64_t records, excluded_packets, files;
};

/* 0 or -errno (with a message in err: path and reason). */
int flowlog_sink_open(struct flowlog_sink **out, const struct flowlog_sink_cfg *cfg, char *err,
		      size_t errlen) __attribute__((warn_unused_result));
/* Called by the pipeline. */
void flowlog_sink_packet(struct flowlog_sink *s, struct flow *f, struct flow_ext *fx, int dir,
			 const struct packet *p);
void flowlog_sink_flow_end(struct flowlog_sink *s, struct flow *f, struct flow_ext *fx);
/* Time passes without packets (live): write the records of the windows that ended by now_ns. */
void flowlog_sink_advance(struct flowlog_sink *s, int64_t now_ns);
/* Flush and close; 0 or the first write error (-errno) with a message in err. */
int flowlog_sink_close(struct flowlog_sink *s, char *err, size_t errlen);
const struct flowlog_sink_stats *flowlog_sink_stats(const struct flowlog_sink *s);

#endif
