/* tcp_obs.c - per-flow TCP observations for findings (see tcp_obs.h). */
#include "tcp_obs.h"

#include <string.h>

void tcp_obs_init(struct tcp_obs *o)
{
	memset(o, 0, sizeof(*o));
	o->dir[0].mss = o->dir[1].mss = -1;
}

void tcp_obs_packet(struct tcp_obs *o, const struct packet *p, int dir,
		    const struct tcp_pkt_analysis *ta)
{
	struct tcp_obs_dir *d = &o->dir[dir & 1];
	struct tcp_obs_dir *peer = &o->dir[!(dir & 1)];
	if (peer->watching && (p->tcp_flags & TCP_ACK) && (int32_t)(p->ack - peer->watch_end) >= 0) {
		peer->big_rtx_passed++;
		peer->watching = false;
	}
	if ((p->tcp_flags & TCP_SYN) && p->mss >= 0)
		d->mss = p->mss;
	if (p->ip_len > d->max_ip_len)
		d->max_ip_len = p->ip_len;
	uint32_t end = p->seq + p->payload_len + ((p->tcp_flags & (TCP_SYN | TCP_FIN)) ? 1 : 0);
	if (p->payload_len) {
		const uint32_t probes = TA_BIT(TA_KEEP_ALIVE) | TA_BIT(TA_ZERO_WINDOW_PROBE);
		d->data_segs++;
		d->data_bytes += p->payload_len;
		if (d->have_end && (int32_t)(p->seq - d->max_end) < 0 && !(ta->flags & probes)) {
			d->resent_segs++;
			d->resent_bytes += p->payload_len;
		}
	}
	if (p->payload_len || (p->tcp_flags & (TCP_SYN | TCP_FIN))) {
		if (!d->have_end || (int32_t)(end - d->max_end) > 0)
			d->max_end = end;
		d->have_end = true;
	}
	if (!p->payload_len)
		return;
	bool big = p->ip_len >= TCP_OBS_BIG_IP_LEN;
	if (big && p->df)
		d->df = true;
	if (!big && d->watching && (int32_t)(p->seq - d->watch_end) < 0)
		d->watching = false; /* the watched data goes again in small segments */
	if (!(ta->flags & TA_BIT(TA_RETRANSMISSION))) {
		if (big)
			d->big_ok++;
		else
			d->small_ok++;
		return;
	}
	if (d->nrtx_frames < TCP_OBS_FRAMES)
		d->rtx_frames[d->nrtx_frames++] = p->frame;
	if (big) {
		d->big_rtx++;
		d->watch_end = end;
		d->watching = true;
	} else {
		d->small_rtx++;
	}
	if (d->rtx_repeat && d->last_rtx_seq == p->seq) {
		d->rtx_repeat++;
	} else {
		d->last_rtx_seq = p->seq;
		d->rtx_repeat = 1;
	}
	if (big && d->rtx_repeat > d->max_big_repeat) {
		d->max_big_repeat = d->rtx_repeat;
		d->max_big_repeat_frame = p->frame;
	}
}
