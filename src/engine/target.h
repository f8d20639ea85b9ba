/* target.h - the live mirror target: receivers, workers, archive, records (docs/target.md).
 *
 * One receive thread reads every socket (or one interface), checks each datagram's tunnel
 * header and admission, and hands it to a worker through a bounded SPSC queue (a full queue is
 * a counted drop, never a wait).  Each worker owns one pipeline (pipeline.h) - its flows, TCP
 * analysis, flow logs - exactly as the offline commands run it, plus the per-session archive
 * (shared under one mutex) and the flow records.  With more than one worker a datagram goes to
 * the worker chosen by a symmetric hash of its inner addresses, so both directions of a
 * conversation, and copies of it from two mirror points (dedup), meet in one worker.
 *
 * Threads exist only here.  The caller (cli) runs target_open() with privileges (binding),
 * then target_start(), then calls target_tick() about once a second until it decides to stop,
 * then target_stop().
 */
#ifndef VXS_ENGINE_TARGET_H
#define VXS_ENGINE_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "analyze/qos.h"
#include "capture/udp_receiver.h"
#include "engine/admission.h"
#include "engine/flowlog_sink.h"
#include "engine/pipeline.h"
#include "output/archive.h"

struct aws_config;

#define TARGET_MAX_LISTEN 16
#define TARGET_MAX_WORKERS 64

struct target_cfg {
	struct pipeline_cfg pipeline; /* decode ports, flow table, dedup; TCP analysis is on */
	struct ip_addr listen[TARGET_MAX_LISTEN];
	unsigned nlisten;
	uint16_t vxlan_port, geneve_port; /* 0: no socket for that tunnel */
	const char *interface;            /* libpcap interface mode instead of sockets */
	bool external_rx;                 /* no sockets, no receive thread: the caller feeds
					   * target_rx_datagram() (tests, fuzzing) */
	unsigned workers;
	size_t queue_bytes;               /* per worker */
	int rcvbuf;
	struct admission admission;
	bool archive;
	struct archive_cfg archive_cfg;
	bool flowlogs;
	struct flowlog_sink_cfg flowlog_cfg; /* s3_dir set */
	const char *records_dir;
	const struct aws_config *aws;     /* --sessions (validated), or NULL; outlives the target */
	bool qos;                         /* QoS roll-ups (classes, marking audit, rate limits) */
	struct qos_cfg qos_cfg;
	void (*log)(const char *msg);     /* start-up, rate-limited refusals, errors */
};

void target_cfg_default(struct target_cfg *cfg);

struct target;

/* Bind the sockets / open the interface (the privileged part).  0 or -errno with the message
 * in err.  *out owned by the caller (target_free). */
int target_open(struct target **out, const struct target_cfg *cfg, char *err, size_t errlen)
	__attribute__((warn_unused_result));
/* Describe the receivers ("UDP 0.0.0.0:4789 (rcvbuf 134217728)"), one per line into b. */
void target_describe(const struct target *t, struct strbuf *b);
/* Open the outputs and start the threads.  0 or -errno with the message in err. */
int target_start(struct target *t, char *err, size_t errlen) __attribute__((warn_unused_result));
/* One received datagram through the receive path the receive thread runs: tunnel header
 * check (malformed), admission (refused), session count, archive, worker choice and the
 * worker's pipeline (inline with one worker, else its queue).  Only for a target opened with
 * cfg.external_rx and started; from one thread at a time.  d is not kept. */
void target_rx_datagram(struct target *t, const struct udp_rx_dgram *d, bool geneve);
/* Periodic work: archive time rotation, kernel drop counters.  From one thread. */
void target_tick(struct target *t);
/* Replace the admission lists (taken over by the receiver at its next batch). */
void target_set_admission(struct target *t, const struct admission *a);
/* Replace the --sessions model (SIGHUP).  The target owns c from now on (freed by
 * target_free: sessions named earlier keep pointing into older models, so none is freed
 * before).  Workers and the receiver take it at their next datagram; sessions already seen
 * keep their names. */
void target_set_aws(struct target *t, struct aws_config *c);
/* Every receiver and worker thread runs and the target is not stopping. */
bool target_healthy(const struct target *t);
/* /metrics text and the --stats JSON.  Thread-safe. */
void target_metrics_prometheus(struct target *t, struct strbuf *b);
void target_metrics_json(struct target *t, struct strbuf *b);
/* Stop: drain the sockets, finish the queues, end every flow, close every file, write the
 * findings.  0, or -errno when an output could not be written (message in err). */
int target_stop(struct target *t, char *err, size_t errlen);
void target_free(struct target *t);

#endif
