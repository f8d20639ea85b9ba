/* mirror_findings.c - mirror health: truncation per session, malformed packets.
 *
 * AWS truncates a mirrored copy to the session's PacketLength (bytes after the VXLAN header)
 * and, for an ENI target, to the target's MTU: a packet longer than MTU - 54 (IPv4 outer) or
 * MTU - 74 (IPv6 outer) is cut (shared/spec/aws-mirroring.md 4.4-4.5).
 */
#include "mirror_findings.h"

#include <stdio.h>
#include <string.h>

#define AWS_OVERHEAD_V4 54
#define AWS_OVERHEAD_V6 74

static void truncation(const struct session *s, struct finding_list *out)
{
	if (!s->truncated || s->kind == TUN_NONE)
		return;
	double share = (double)s->truncated / (double)s->packets;
	struct finding *f = finding_new(out, share > 0.5 ? SEV_MEDIUM : SEV_LOW, "mirror",
					"mirror.truncation", (double)s->truncated);
	if (!f)
		return;
	char label[160];
	session_label(s, label, sizeof(label));
	snprintf(f->title, sizeof(f->title),
		 "Mirror session %s delivers truncated copies: %.1f%% of packets cut short", label,
		 share * 100);
	snprintf(f->where, sizeof(f->where), "%s", label);
	unsigned overhead = s->outer_src.family == 6 ? AWS_OVERHEAD_V6 : AWS_OVERHEAD_V4;
	finding_fact(f, "truncated copies", (double)s->truncated, "");
	finding_fact(f, "packets in session", (double)s->packets, "");
	finding_fact(f, "bytes not delivered", (double)s->truncated_bytes_lost, "bytes");
	finding_fact(f, "largest original IP packet", (double)s->max_inner_len, "bytes");
	finding_fact(f, "target MTU that fits it", (double)(s->max_inner_len + overhead), "bytes");
	finding_frame(f, s->first_frame);
	if (s->kind == TUN_VXLAN && s->has_id)
		snprintf(f->display_filter, sizeof(f->display_filter), "vxlan.vni == %u", s->id);
	f->first_ns = s->first_ns;
	f->last_ns = s->last_ns;
	snprintf(f->cause, sizeof(f->cause),
		 "the session's PacketLength cuts each copy, or the copy plus %u bytes of mirror "
		 "overhead exceeds the target's MTU (AWS truncates, never fragments); analysis still "
		 "counts true sizes from the IP headers, but payload-level checks lose data",
		 overhead);
	snprintf(f->action, sizeof(f->action),
		 "if full payloads matter, remove PacketLength from the session (or raise it to at "
		 "least %u), and give an ENI target an MTU of at least %u (jumbo frames, 9001), or "
		 "lower the source's MTU to the target MTU - %u",
		 s->max_inner_len + 14, s->max_inner_len + overhead, overhead);
	f->confidence = CONF_HIGH;
	snprintf(f->raise_confidence, sizeof(f->raise_confidence),
		 "load the session JSON (describe-traffic-mirror-sessions) to tell a deliberate "
		 "PacketLength from MTU truncation");
}

static void two_points(const struct session_table *sessions, const struct dedup_pair *x,
		       struct finding_list *out)
{
	if (x->first_session >= sessions->n || x->second_session >= sessions->n)
		return;
	char a[160], b[160];
	session_label(&sessions->v[x->first_session], a, sizeof(a));
	session_label(&sessions->v[x->second_session], b, sizeof(b));
	double mean_ms = (double)x->delay_sum_ns / (double)x->copies / 1e6;
	struct finding *f = finding_new(out, SEV_INFO, "mirror", "mirror.two_vantage_points", (double)x->copies);
	if (!f)
		return;
	snprintf(f->title, sizeof(f->title),
		 "%llu packets were mirrored twice (sessions %s and %s): analysed once",
		 (unsigned long long)x->copies, a, b);
	snprintf(f->where, sizeof(f->where), "%s -> %s", a, b);
	finding_fact(f, "packets seen at both points", (double)x->copies, "");
	finding_fact(f, "delay between the points (mean)", mean_ms, "ms");
	finding_fact(f, "delay min", (double)x->delay_min_ns / 1e6, "ms");
	finding_fact(f, "delay max", (double)x->delay_max_ns / 1e6, "ms");
	finding_fact(f, "TTL decrease (min)", x->ttl_delta_min, "");
	finding_fact(f, "TTL decrease (max)", x->ttl_delta_max, "");
	finding_fact(f, "DSCP re-marked", (double)x->dscp_changed, "");
	finding_frame(f, x->first_frame);
	snprintf(f->cause, sizeof(f->cause),
		 "both ends of these conversations (or two sessions) are mirrored to this target; "
		 "without deduplication every copy would look like a retransmission or a duplicate "
		 "ACK");
	snprintf(f->action, sizeof(f->action),
		 "nothing to fix: the copies measure the path between the two mirror points. To "
		 "save mirror bandwidth, mirror one end only");
	f->confidence = CONF_HIGH;
	if (!x->dscp_changed)
		return;
	struct finding *g = finding_new(out, SEV_LOW, "qos", "qos.dscp_remarked", (double)x->dscp_changed);
	if (!g)
		return;
	snprintf(g->title, sizeof(g->title),
		 "DSCP is re-marked between two mirror points (%u -> %u) on %llu packets",
		 x->dscp_first, x->dscp_second, (unsigned long long)x->dscp_changed);
	snprintf(g->where, sizeof(g->where), "%s -> %s", a, b);
	finding_fact(g, "re-marked packets", (double)x->dscp_changed, "");
	finding_fact(g, "DSCP at first point", x->dscp_first, "");
	finding_fact(g, "DSCP at second point", x->dscp_second, "");
	finding_frame(g, x->first_frame);
	snprintf(g->cause, sizeof(g->cause),
		 "a device between the two mirror points rewrites the DSCP field, so QoS marking "
		 "set by the sender does not survive the path");
	snprintf(g->action, sizeof(g->action),
		 "find the hop that re-marks (policy maps, iptables DSCP targets, cloud edge) and "
		 "trust the sender's marking, or mark at the right boundary");
	g->confidence = CONF_HIGH;
}

void mirror_findings(const struct session_table *sessions, const struct decode_stats *st,
		     const struct dedup *dedup, struct finding_list *out)
{
	for (uint32_t i = 0; i < sessions->n; i++)
		truncation(&sessions->v[i], out);
	for (unsigned i = 0; dedup && i < dedup->npairs; i++)
		two_points(sessions, &dedup->pairs[i], out);
	uint64_t malformed = 0;
	int top = -1;
	for (int a = 0; a < ANOM_COUNT; a++) {
		if (ANOM_BIT(a) & ANOM_TRUNC_MASK)
			continue;
		if (a == ANOM_IP_FRAGMENT || a == ANOM_UNKNOWN_ETHERTYPE || a == ANOM_VXLAN_RESERVED)
			continue; /* normal traffic, not damage */
		malformed += st->anomalies[a];
		if (st->anomalies[a] && (top < 0 || st->anomalies[a] > st->anomalies[top]))
			top = a;
	}
	if (malformed) {
		struct finding *f = finding_new(out, SEV_INFO, "mirror", "decode.malformed",
						(double)malformed);
		if (!f)
			return;
		snprintf(f->title, sizeof(f->title),
			 "%llu malformed packets (most often: %s)", (unsigned long long)malformed,
			 anomaly_name((enum anomaly)top));
		snprintf(f->where, sizeof(f->where), "all sessions");
		for (int a = 0; a < ANOM_COUNT; a++) {
			if (st->anomalies[a] && !(ANOM_BIT(a) & ANOM_TRUNC_MASK))
				finding_fact(f, anomaly_name((enum anomaly)a), (double)st->anomalies[a],
					     "");
		}
		snprintf(f->cause, sizeof(f->cause), "%s", anomaly_meaning((enum anomaly)top));
		snprintf(f->action, sizeof(f->action),
			 "open the capture in Wireshark with the filter _ws.malformed || "
			 "_ws.expert.severity >= warning to see the packets");
		f->confidence = CONF_HIGH;
	}
}
