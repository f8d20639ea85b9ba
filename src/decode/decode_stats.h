/* decode_stats.h - what the decoders saw across frames: counts for reports and metrics. */
#ifndef VXS_DECODE_DECODE_STATS_H
#define VXS_DECODE_DECODE_STATS_H

#include <stdint.h>

#include "packet.h"

struct decode_stats {
	uint64_t frames;
	uint64_t ip_packets;       /* frames with an (inner) IP layer */
	uint64_t non_ip;           /* ARP, LLDP, ...: no flow */
	uint64_t tunnelled;        /* frames with at least one tunnel peeled */
	uint64_t by_tunnel[TUN_IPIP + 1];
	uint64_t truncated;
	uint64_t anomalies[ANOM_COUNT];
	uint64_t flow_alloc_failures;
	uint64_t wire_bytes;
	int64_t first_ns, last_ns;
};

/* Count one decoded frame. */
static inline void decode_stats_count(struct decode_stats *st, const struct packet *p)
{
	if (!st->frames || p->ts_ns < st->first_ns)
		st->first_ns = p->ts_ns;
	if (!st->frames || p->ts_ns > st->last_ns)
		st->last_ns = p->ts_ns;
	st->frames++;
	st->wire_bytes += p->wirelen;
	if (p->has_ip)
		st->ip_packets++;
	else
		st->non_ip++;
	if (p->ntun) {
		st->tunnelled++;
		for (unsigned i = 0; i < p->ntun; i++)
			if ((unsigned)p->tun[i].kind <= TUN_IPIP)
				st->by_tunnel[p->tun[i].kind]++;
	}
	if (p->truncated)
		st->truncated++;
	for (uint64_t m = p->anomalies; m; m &= m - 1)
		st->anomalies[__builtin_ctzll(m)]++;
}

#endif
