/* metrics.h - the target's counters as Prometheus text (exposition format 0.0.4,
 * https://prometheus.io/docs/instrumenting/exposition_formats/) and as one JSON object.
 *
 * The engine takes a snapshot of its atomic counters into struct metrics_snapshot; these
 * functions only render.  Names and meanings: docs/target.md. */
#ifndef VXS_ENGINE_METRICS_H
#define VXS_ENGINE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

struct metrics_session {
	char label[80];
	uint64_t packets, bytes;
};

struct metrics_snapshot {
	uint64_t rx_datagrams, rx_bytes, socket_drops, udp_rcvbuf_errors, queue_drops;
	uint64_t refused_cidr, refused_vni, malformed, truncated, processed;
	uint64_t archived, archive_lost, archive_files, write_errors;
	uint64_t flows_active, flows_total, flow_evictions;
	int up;
	const struct metrics_session *sessions;
	size_t nsessions;
};

void metrics_prometheus(struct strbuf *b, const struct metrics_snapshot *m);
void metrics_json(struct strbuf *b, const struct metrics_snapshot *m);

#endif
