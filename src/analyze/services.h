/* services.h - flows rolled up per service: (mirror session, server address, port, protocol).
 *
 * Findings speak of services ("retransmissions from 10.0.3.2:8080 in session vni 4242"), not of
 * single flows, so every ended flow is added to its service's totals here.  Direction index 0
 * is client -> server, 1 is server -> client.  Bounded: past SERVICES_MAX the rest are not
 * tracked (counted in `dropped`).
 */
#ifndef VXS_ANALYZE_SERVICES_H
#define VXS_ANALYZE_SERVICES_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/tcp_analysis.h"
#include "analyze/tcp_obs.h"
#include "flow/flow.h"

#define SERVICES_MAX 65536
#define FRAMESET_MAX 8

/* The smallest FRAMESET_MAX frame numbers added: the first evidence in a capture. */
struct frameset {
	uint64_t f[FRAMESET_MAX];
	unsigned n;
};
void frameset_add(struct frameset *s, uint64_t frame);

struct service {
	/* identity */
	enum tunnel_kind sess_kind;
	bool sess_has_id;
	uint32_t sess_id;
	struct ip_addr sess_src;
	struct ip_addr addr;
	uint16_t port;
	uint8_t proto;
	/* flows */
	uint64_t flows, established, s0, rejected, rst_by_server, rst_by_client, truncated_pkts;
	uint64_t packets[2], bytes[2];
	/* TCP */
	uint64_t data_segs[2], data_bytes[2], retrans_segs[2], retrans_bytes[2];
	uint64_t resent_segs[2], resent_bytes[2]; /* every resend (tcp_obs), not only flagged ones */
	uint64_t resent_flows;
	uint64_t flag[TA_COUNT];
	uint64_t flag_dir[2][TA_COUNT]; /* by sender direction where the flow tells it */
	uint64_t big_rtx[2], small_ok[2], big_ok[2], blackhole_flows[2];
	struct ip_addr blackhole_sender[2]; /* a host whose large segments black-holed */
	uint32_t max_big_repeat[2];
	int32_t mss[2];
	uint32_t max_ip_len[2];
	int64_t irtt_sum_ns, irtt_max_ns, rtt_p95_max_ns, rtt_p50_sum_ns;
	uint64_t irtt_n, rtt_n, rtt_samples;
	struct frameset rtx_frames[2], flag_frames[TA_COUNT], s0_frames, rst_frames,
		blackhole_frames;
	uint64_t rtx_flows; /* flows with at least one retransmission */
	int64_t first_ns, last_ns;
};

struct service_table;

/* A flow's service is its mirror session plus its responder's address, port and protocol:
 * the hash of that identity, and whether a flow belongs to one given field by field (shared
 * with other per-service tables, e.g. analyze/timeseries.c). */
uint64_t service_flow_hash(const struct flow *f, uint64_t seed);
bool service_flow_matches(enum tunnel_kind sess_kind, bool sess_has_id, uint32_t sess_id,
			  const struct ip_addr *sess_src, const struct ip_addr *addr, uint16_t port,
			  uint8_t proto, const struct flow *f);

struct service_table *service_table_new(void);
void service_table_free(struct service_table *t);
/* Add an ended flow.  h and obs may be NULL (no TCP analysis). */
void service_table_flow(struct service_table *t, const struct flow *f, const struct tcp_health *h,
			const struct tcp_obs *obs, const uint64_t first_flag_frame[TA_COUNT]);
size_t service_table_count(const struct service_table *t);
struct service *service_table_at(struct service_table *t, size_t i);
uint64_t service_table_dropped(const struct service_table *t);

/* "10.0.3.2:8080/tcp in vxlan vni 4242 from 10.0.1.5" */
void service_label(const struct service *s, char *buf, size_t len);

#endif
