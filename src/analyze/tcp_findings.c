/* tcp_findings.c - turn per-service TCP roll-ups into ranked findings with evidence.
 *
 * Thresholds are stated here once and printed in each finding's facts, so a reader can see why
 * a finding fired.  Capture (mirror) loss is never called network loss: retransmissions are
 * what a sender really did; ACKed-unseen segments are what the mirror missed.
 */
#include "tcp_findings.h"

#include <stdio.h>
#include <string.h>

#include "decode/ipaddr.h"

#define RTX_MIN_SEGMENTS 3    /* retransmissions before a rate means anything */
#define RTX_RATE_LOW 0.02     /* 2 %: TCP throughput already suffers */
#define RTX_RATE_MEDIUM 0.05
#define RTX_RATE_HIGH 0.10
#define S0_MIN 3              /* unanswered SYNs */
#define RTT_INFLATION 4.0     /* p95 ACK RTT over mean handshake RTT */
#define RTT_INFLATION_MIN_MS 20.0
#define RTT_MIN_SAMPLES 10     /* ACK RTT samples before a percentile means anything */

void icmp_seen_packet(struct icmp_seen *s, const struct packet *p)
{
	bool too_big = (p->proto == IPPROTO_NUM_ICMP && p->icmp_type == 3 && p->icmp_code == 4) ||
		       (p->proto == IPPROTO_NUM_ICMPV6 && p->icmp_type == 2);
	if (!too_big || !p->icmp_inner.valid)
		return;
	s->total++;
	for (unsigned i = 0; i < s->n; i++) {
		if (ipaddr_eq(&s->v[i].sender, &p->icmp_inner.src)) {
			s->v[i].count++;
			return;
		}
	}
	if (s->n == ICMP_SEEN_MAX)
		return;
	s->v[s->n].sender = p->icmp_inner.src;
	s->v[s->n].mtu = p->proto == IPPROTO_NUM_ICMP ? p->icmp_mtu : p->icmp_mtu32;
	s->v[s->n].count = 1;
	s->v[s->n].first_frame = p->frame;
	s->n++;
}

static uint64_t icmp_for(const struct icmp_seen *s, const struct ip_addr *sender, uint32_t *mtu)
{
	for (unsigned i = 0; s && i < s->n; i++) {
		if (ipaddr_eq(&s->v[i].sender, sender)) {
			*mtu = s->v[i].mtu;
			return s->v[i].count;
		}
	}
	return 0;
}

/* Wireshark display filter selecting the service's packets in direction d (1 = from server),
 * with `extra` ANDed in front. */
static void service_filter(const struct service *s, int d, const char *extra, char *buf,
			   size_t len)
{
	char a[IPADDR_STRLEN];
	ipaddr_format(&s->addr, a, sizeof(a));
	const char *ip = s->addr.family == 6 ? "ipv6" : "ip";
	const char *l4 = s->proto == IPPROTO_NUM_UDP ? "udp" : "tcp";
	char vni[48] = "";
	if (s->sess_kind == TUN_VXLAN && s->sess_has_id)
		snprintf(vni, sizeof(vni), " && vxlan.vni == %u", s->sess_id);
	else if (s->sess_kind == TUN_GENEVE && s->sess_has_id)
		snprintf(vni, sizeof(vni), " && geneve.vni == %u", s->sess_id);
	snprintf(buf, len, "%s%s%s.%s == %s && %s.%s == %u%s", extra ? extra : "", extra ? " && " : "",
		 ip, d ? "src" : "dst", a, l4, d ? "srcport" : "dstport", s->port, vni);
}

static void add_frames(struct finding *f, const struct frameset *fs)
{
	for (unsigned i = 0; i < fs->n; i++)
		finding_frame(f, fs->f[i]);
}

static void retransmissions(const struct service *s, int d, const char *label,
			    struct finding_list *out)
{
	/* Every resend counts (tcp_obs): Wireshark flags a resend seen within one RTT of the
	 * newest segment "out-of-order", so near the sender its flags undercount the loss. */
	uint64_t segs = s->data_segs[d], flagged = s->retrans_segs[d];
	uint64_t rtx = s->resent_segs[d] > flagged ? s->resent_segs[d] : flagged;
	if (rtx < RTX_MIN_SEGMENTS || !segs)
		return;
	double rate = (double)rtx / (double)segs;
	if (rate < RTX_RATE_LOW)
		return;
	struct finding *f = finding_new(out, rate >= RTX_RATE_HIGH ? SEV_HIGH : rate >= RTX_RATE_MEDIUM ? SEV_MEDIUM : SEV_LOW, "tcp", "tcp.retransmissions", (double)rtx);
	if (!f)
		return;
	snprintf(f->title, sizeof(f->title), "%.1f%% of TCP data segments %s %s are retransmitted",
		 rate * 100, d ? "from" : "to", label);
	snprintf(f->where, sizeof(f->where), "%s (%s -> %s)", label, d ? "server" : "clients",
		 d ? "clients" : "server");
	finding_fact(f, "resent segments", (double)rtx, "");
	finding_fact(f, "data segments", (double)segs, "");
	finding_fact(f, "retransmission rate", rate * 100, "%");
	finding_fact(f, "flagged retransmission (Wireshark)", (double)flagged, "");
	finding_fact(f, "fast retransmissions", (double)s->flag[TA_FAST_RETRANSMISSION], "");
	finding_fact(f, "duplicate ACKs", (double)s->flag[TA_DUPLICATE_ACK], "");
	finding_fact(f, "spurious retransmissions", (double)s->flag[TA_SPURIOUS_RETRANSMISSION], "");
	finding_fact(f, "out-of-order (Wireshark)", (double)s->flag[TA_OUT_OF_ORDER], "");
	f->flows = s->resent_flows > s->rtx_flows ? s->resent_flows : s->rtx_flows;
	add_frames(f, &s->rtx_frames[d]);
	service_filter(s, d, "(tcp.analysis.retransmission || tcp.analysis.out_of_order)",
		       f->display_filter, sizeof(f->display_filter));
	f->first_ns = s->first_ns;
	f->last_ns = s->last_ns;
	bool spurious = s->flag[TA_SPURIOUS_RETRANSMISSION] * 2 > rtx;
	bool reordered = s->flag[TA_OUT_OF_ORDER] * 2 > rtx && s->flag[TA_DUPLICATE_ACK] * 2 > rtx;
	if (spurious) {
		snprintf(f->cause, sizeof(f->cause),
			 "most retransmissions are spurious: the data had already been acknowledged, "
			 "so the sender's retransmission timer fires too early (delay spikes, not loss)");
		snprintf(f->action, sizeof(f->action),
			 "look for delay spikes on the path (queues, shapers) rather than drops; check "
			 "the sender's RTO settings");
	} else {
		snprintf(f->cause, sizeof(f->cause),
			 "segments %s this service are lost on the path and resent%s; at this rate TCP "
			 "cuts its sending rate and requests stall behind the missing segments%s",
			 d ? "from" : "to",
			 s->flag[TA_DUPLICATE_ACK] ? " (the receiver's duplicate ACKs report the gaps)" : "",
			 reordered ? ". Many segments also arrive out of order: reordering on the path "
				     "makes senders resend data that was not lost"
				   : "");
		snprintf(f->action, sizeof(f->action),
			 "find where packets drop between the two ends: interface error and drop "
			 "counters, policers or rate limits, a saturated link, an MTU mismatch; mirror "
			 "a hop closer to %s to narrow it down%s",
			 d ? "the server" : "the clients",
			 reordered ? "; if the mirror target sits behind a load balancer, try "
				     "--reorder-window" : "");
	}
	f->confidence = reordered ? CONF_MEDIUM : CONF_HIGH;
	snprintf(f->raise_confidence, sizeof(f->raise_confidence),
		 "mirror the other end too: copies seen at both ends show where the loss happens");
}

static void blackhole(const struct service *s, int d, const char *label,
		      const struct icmp_seen *icmp, struct finding_list *out)
{
	if (!s->blackhole_flows[d] || s->big_rtx[d] < 3)
		return;
	const struct ip_addr *sender = d ? &s->addr : NULL;
	uint32_t mtu = 0;
	uint64_t nicmp = sender ? icmp_for(icmp, sender, &mtu) : 0;
	struct finding *f = finding_new(out, nicmp ? SEV_MEDIUM : SEV_CRITICAL, "mtu", nicmp ? "mtu.pmtud_slow" : "mtu.pmtu_blackhole", (double)s->big_rtx[d] * 10);
	if (!f)
		return;
	if (nicmp)
		snprintf(f->title, sizeof(f->title),
			 "Large segments %s %s are lost until path MTU discovery shrinks them "
			 "(ICMP 'too big' seen, MTU %u)",
			 d ? "from" : "to", label, mtu);
	else
		snprintf(f->title, sizeof(f->title),
			 "Path MTU black hole: large segments %s %s are retransmitted again and again "
			 "while small ones get through",
			 d ? "from" : "to", label);
	snprintf(f->where, sizeof(f->where), "%s", label);
	finding_fact(f, "large segments retransmitted", (double)s->big_rtx[d], "");
	finding_fact(f, "most resends of one large segment", (double)s->max_big_repeat[d], "");
	finding_fact(f, "flows with the signature", (double)s->blackhole_flows[d], "");
	finding_fact(f, "small segments delivered", (double)s->small_ok[d], "");
	finding_fact(f, "largest IP packet sent", (double)s->max_ip_len[d], "bytes");
	if (s->mss[d] >= 0)
		finding_fact(f, "MSS advertised by sender", (double)s->mss[d], "bytes");
	if (s->mss[!d] >= 0)
		finding_fact(f, "MSS advertised by receiver", (double)s->mss[!d], "bytes");
	finding_fact(f, "ICMP too-big messages seen", (double)nicmp, "");
	f->flows = s->blackhole_flows[d];
	add_frames(f, &s->rtx_frames[d]);
	add_frames(f, &s->blackhole_frames);
	char who[IPADDR_STRLEN], srv[IPADDR_STRLEN];
	ipaddr_format(&s->blackhole_sender[d], who, sizeof(who));
	ipaddr_format(&s->addr, srv, sizeof(srv));
	char extra[64];
	snprintf(extra, sizeof(extra), "tcp.analysis.retransmission && %s.len >= %d",
		 s->addr.family == 6 ? "ipv6.plen" : "ip", TCP_OBS_BIG_IP_LEN);
	if (s->addr.family == 6)
		snprintf(extra, sizeof(extra), "tcp.analysis.retransmission && ipv6.plen >= %d",
			 TCP_OBS_BIG_IP_LEN - 40);
	service_filter(s, d, extra, f->display_filter, sizeof(f->display_filter));
	f->first_ns = s->first_ns;
	f->last_ns = s->last_ns;
	snprintf(f->cause, sizeof(f->cause),
		 "a link between %s and %s has a smaller MTU than %s's interface, and the ICMP "
		 "'fragmentation needed' / 'packet too big' messages that should tell the sender "
		 "%s; full-size segments never arrive, small ones do, so transfers stall and upstream "
		 "requests time out (HTTP 504)",
		 who, d ? "its clients" : srv, who,
		 nicmp ? "arrive late" : "are dropped (none was seen in this capture)");
	snprintf(f->action, sizeof(f->action),
		 "lower the MTU of %s's interface to the path MTU (or clamp the TCP MSS on the "
		 "router: iptables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS "
		 "--clamp-mss-to-pmtu), and allow ICMP type 3 code 4 / ICMPv6 type 2 through "
		 "firewalls and security groups",
		 who);
	f->confidence = nicmp ? CONF_HIGH : CONF_MEDIUM;
	snprintf(f->raise_confidence, sizeof(f->raise_confidence),
		 "mirror the sender's side too: if no ICMP 'too big' reaches it either, the black "
		 "hole is certain; `vxscope qos plan` will suggest the MTU/MSS change");
}

static void unanswered(const struct service *s, const char *label, struct finding_list *out)
{
	if (s->s0 >= S0_MIN || (s->s0 && s->s0 == s->flows)) {
		double share = (double)s->s0 / (double)s->flows;
		struct finding *f = finding_new(out, share >= 0.5 ? SEV_HIGH : SEV_MEDIUM, "tcp",
						"tcp.handshake_unanswered", (double)s->s0);
		if (!f)
			return;
		snprintf(f->title, sizeof(f->title),
			 "%llu connection attempts to %s got no answer (SYN without SYN-ACK)",
			 (unsigned long long)s->s0, label);
		snprintf(f->where, sizeof(f->where), "%s", label);
		finding_fact(f, "unanswered SYNs", (double)s->s0, "");
		finding_fact(f, "connection attempts", (double)s->flows, "");
		add_frames(f, &s->s0_frames);
		service_filter(s, 0, "tcp.flags.syn == 1 && tcp.flags.ack == 0", f->display_filter,
			       sizeof(f->display_filter));
		f->first_ns = s->first_ns;
		f->last_ns = s->last_ns;
		snprintf(f->cause, sizeof(f->cause),
			 "the server is down or not listening, or a firewall / security group / NACL "
			 "silently drops the SYNs or the replies");
		snprintf(f->action, sizeof(f->action),
			 "check the service is up and listening on port %u, and the security groups, "
			 "NACLs and routes between client and server",
			 s->port);
		f->confidence = CONF_MEDIUM;
		snprintf(f->raise_confidence, sizeof(f->raise_confidence),
			 "make sure the mirror filter accepts both directions: a filter without the "
			 "inbound rule hides SYN-ACKs");
	}
	if (s->rejected >= S0_MIN) {
		struct finding *f = finding_new(out, SEV_MEDIUM, "tcp", "tcp.connection_refused",
						(double)s->rejected);
		if (!f)
			return;
		snprintf(f->title, sizeof(f->title), "%llu connections to %s were refused (RST)",
			 (unsigned long long)s->rejected, label);
		snprintf(f->where, sizeof(f->where), "%s", label);
		finding_fact(f, "refused", (double)s->rejected, "");
		finding_fact(f, "connection attempts", (double)s->flows, "");
		add_frames(f, &s->rst_frames);
		service_filter(s, 1, "tcp.flags.reset == 1", f->display_filter,
			       sizeof(f->display_filter));
		snprintf(f->cause, sizeof(f->cause), "nothing listens on port %u, or the listener "
			 "rejects the clients", s->port);
		snprintf(f->action, sizeof(f->action),
			 "start the service or point the clients at the right port");
		f->confidence = CONF_HIGH;
	}
}

static void zero_window(const struct service *s, const char *label, struct finding_list *out)
{
	uint64_t zw = s->flag[TA_ZERO_WINDOW];
	if (!zw)
		return;
	struct finding *f = finding_new(out, zw >= 10 ? SEV_MEDIUM : SEV_LOW, "tcp", "tcp.zero_window", (double)zw);
	if (!f)
		return;
	snprintf(f->title, sizeof(f->title),
		 "A receiver closed its TCP window %llu times on %s (receiver-limited)",
		 (unsigned long long)zw, label);
	snprintf(f->where, sizeof(f->where), "%s", label);
	finding_fact(f, "zero windows", (double)zw, "");
	finding_fact(f, "zero-window probes", (double)s->flag[TA_ZERO_WINDOW_PROBE], "");
	finding_fact(f, "window full", (double)s->flag[TA_WINDOW_FULL], "");
	f->flows = s->flows;
	add_frames(f, &s->flag_frames[TA_ZERO_WINDOW]);
	char a[IPADDR_STRLEN];
	snprintf(f->display_filter, sizeof(f->display_filter),
		 "tcp.analysis.zero_window && %s.addr == %s && tcp.port == %u",
		 s->addr.family == 6 ? "ipv6" : "ip", ipaddr_format(&s->addr, a, sizeof(a)),
		 s->port);
	f->first_ns = s->first_ns;
	f->last_ns = s->last_ns;
	snprintf(f->cause, sizeof(f->cause),
		 "the receiving application does not read its socket fast enough; the sender must "
		 "stop and wait (not a network problem)");
	snprintf(f->action, sizeof(f->action),
		 "look at the receiving application: CPU, blocking work in its read path, socket "
		 "receive buffer size");
	f->confidence = CONF_HIGH;
}

static void rtt_inflation(const struct service *s, const char *label, struct finding_list *out)
{
	if (!s->irtt_n || !s->rtt_n || s->rtt_samples < RTT_MIN_SAMPLES)
		return;
	double irtt_ms = (double)s->irtt_sum_ns / (double)s->irtt_n / 1e6;
	double p95_ms = (double)s->rtt_p95_max_ns / 1e6;
	if (p95_ms < RTT_INFLATION_MIN_MS || p95_ms < RTT_INFLATION * irtt_ms)
		return;
	struct finding *f = finding_new(out, SEV_MEDIUM, "tcp", "tcp.rtt_inflation", p95_ms);
	if (!f)
		return;
	snprintf(f->title, sizeof(f->title),
		 "Round-trip time to %s grows from %.1f ms (handshake) to %.1f ms (p95) under load",
		 label, irtt_ms, p95_ms);
	snprintf(f->where, sizeof(f->where), "%s", label);
	finding_fact(f, "handshake RTT (mean)", irtt_ms, "ms");
	finding_fact(f, "ACK RTT p95 (worst flow)", p95_ms, "ms");
	finding_fact(f, "ACK RTT samples", (double)s->rtt_samples, "");
	finding_fact(f, "ACK RTT p50 (mean of flows)",
		     (double)s->rtt_p50_sum_ns / (double)s->rtt_n / 1e6, "ms");
	service_filter(s, 1, "tcp.analysis.ack_rtt > 0.02", f->display_filter,
		       sizeof(f->display_filter));
	f->first_ns = s->first_ns;
	f->last_ns = s->last_ns;
	snprintf(f->cause, sizeof(f->cause),
		 "packets wait in a queue on the path (a shaper or a congested link) or the server "
		 "is slow to acknowledge");
	snprintf(f->action, sizeof(f->action),
		 "look for a shaper or a congested link between the ends; give delay-sensitive "
		 "traffic its own queue");
	f->confidence = CONF_MEDIUM;
	snprintf(f->raise_confidence, sizeof(f->raise_confidence),
		 "mirror both ends: one-way delay between the mirror points locates the queue");
}

void tcp_findings(struct service_table *t, const struct icmp_seen *icmp, struct finding_list *out)
{
	uint64_t ack_lost = 0, lost = 0, rtx = 0;
	uint64_t ack_lost_frame = 0;
	for (size_t i = 0; i < service_table_count(t); i++) {
		struct service *s = service_table_at(t, i);
		char label[200];
		service_label(s, label, sizeof(label));
		if (s->proto == IPPROTO_NUM_TCP) {
			for (int d = 1; d >= 0; d--) {
				retransmissions(s, d, label, out);
				blackhole(s, d, label, icmp, out);
			}
			unanswered(s, label, out);
			zero_window(s, label, out);
			rtt_inflation(s, label, out);
			ack_lost += s->flag[TA_ACK_LOST_SEGMENT];
			lost += s->flag[TA_LOST_SEGMENT];
			rtx += s->resent_segs[0] + s->resent_segs[1];
			if (s->flag_frames[TA_ACK_LOST_SEGMENT].n &&
			    (!ack_lost_frame || s->flag_frames[TA_ACK_LOST_SEGMENT].f[0] < ack_lost_frame))
				ack_lost_frame = s->flag_frames[TA_ACK_LOST_SEGMENT].f[0];
		}
	}
	if (ack_lost) {
		struct finding *f = finding_new(out, SEV_LOW, "mirror", "mirror.capture_loss",
						(double)ack_lost);
		if (!f)
			return;
		snprintf(f->title, sizeof(f->title),
			 "The mirror missed %llu TCP segments that the receivers acknowledged "
			 "(capture loss, not network loss)",
			 (unsigned long long)ack_lost);
		snprintf(f->where, sizeof(f->where), "all sessions");
		finding_fact(f, "ACKed segments never seen", (double)ack_lost, "");
		finding_fact(f, "gaps before a segment (lost_segment)", (double)lost, "");
		finding_fact(f, "retransmissions (network loss)", (double)rtx, "");
		finding_frame(f, ack_lost_frame);
		snprintf(f->display_filter, sizeof(f->display_filter), "tcp.analysis.ack_lost_segment");
		snprintf(f->cause, sizeof(f->cause),
			 "the receiver got data the mirror copy never delivered: mirrored traffic is "
			 "dropped first under congestion, or the capture started mid-stream or dropped "
			 "packets itself");
		snprintf(f->action, sizeof(f->action),
			 "check the mirror source's bandwidth headroom and the target's receive drops; "
			 "do not read these gaps as network loss");
		f->confidence = CONF_HIGH;
	}
}
