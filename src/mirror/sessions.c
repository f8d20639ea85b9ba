/* sessions.c - mirror sessions seen in traffic (see sessions.h). */
#include "sessions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_config.h"
#include "base/hash.h"
#include "decode/ipaddr.h"

#define SLOTS 8192 /* open addressing over indices; > 2 x SESSIONS_MAX */

void session_table_init(struct session_table *t)
{
	memset(t, 0, sizeof(*t));
}

void session_table_fini(struct session_table *t)
{
	free(t->v);
	free(t->index);
	memset(t, 0, sizeof(*t));
}

static bool same(const struct session *s, enum tunnel_kind kind, bool has_id, uint32_t id,
		 const struct ip_addr *src)
{
	return s->kind == kind && s->has_id == has_id && s->id == id &&
	       ipaddr_eq(&s->outer_src, src);
}

struct session *session_table_packet(struct session_table *t, const struct packet *p)
{
	if (!t->v) {
		t->v = calloc(SESSIONS_MAX, sizeof(struct session));
		t->index = malloc(SLOTS * sizeof(int32_t));
		if (!t->v || !t->index) {
			session_table_fini(t);
			return NULL;
		}
		memset(t->index, 0xff, SLOTS * sizeof(int32_t));
		t->last = -1;
	}
	const struct tunnel *tun = pkt_session_tunnel(p);
	enum tunnel_kind kind = tun ? tun->kind : TUN_NONE;
	bool has_id = tun ? tun->has_id : false;
	uint32_t id = tun && tun->has_id ? tun->id : 0;
	static const struct ip_addr none;
	const struct ip_addr *src = tun ? &tun->src : &none;

	struct session *s = NULL;
	if (t->last >= 0 && same(&t->v[t->last], kind, has_id, id, src)) {
		s = &t->v[t->last];
	} else {
		uint8_t k[24] = {(uint8_t)kind, has_id, src->family};
		memcpy(k + 4, &id, 4);
		memcpy(k + 8, src->a, 16);
		uint64_t h = hash_bytes(k, sizeof(k), 0);
		for (uint32_t probe = 0; probe < SLOTS; probe++) {
			uint32_t pos = (uint32_t)((h + probe) & (SLOTS - 1));
			int32_t i = t->index[pos];
			if (i < 0) {
				if (t->n >= SESSIONS_MAX) {
					t->overflow_packets++;
					return NULL;
				}
				i = (int32_t)t->n++;
				t->index[pos] = i;
				s = &t->v[i];
				s->kind = kind;
				s->has_id = has_id;
				s->id = id;
				s->outer_src = *src;
				if (tun)
					s->outer_dst = tun->dst;
				s->gwlb = false;
				for (unsigned j = 0; j < p->ntun; j++)
					s->gwlb |= p->tun[j].gwlb;
				s->first_ns = p->ts_ns;
				s->first_frame = p->frame;
				/* via a GWLB the outer source is not the ENI's */
				if (t->aws && kind == TUN_VXLAN && has_id)
					s->aws = aws_config_session_by_vni(
						t->aws, id, s->gwlb ? NULL : src);
				break;
			}
			if (same(&t->v[i], kind, has_id, id, src)) {
				s = &t->v[i];
				break;
			}
		}
		if (!s)
			return NULL;
		t->last = (int32_t)(s - t->v);
	}
	s->packets++;
	s->wire_bytes += p->wirelen;
	if (p->has_ip) {
		s->inner_bytes += p->ip_len;
		if (p->ip_len > s->max_inner_len)
			s->max_inner_len = p->ip_len;
	}
	if (p->truncated && p->caplen < p->wirelen) {
		s->snap_cut++;
	} else if (p->truncated) {
		s->truncated++;
		/* bytes the copy lost: the inner packet's true size minus what arrived */
		uint64_t have = p->caplen > p->inner_off ? p->caplen - p->inner_off : 0;
		uint64_t l2 = p->inner_linktype == LINKTYPE_ETHERNET ? 14u + 4u * p->nvlan : 0;
		uint64_t want = p->has_ip ? l2 + p->ip_len : have;
		if (want > have)
			s->truncated_bytes_lost += want - have;
	}
	if (p->ts_ns < s->first_ns)
		s->first_ns = p->ts_ns;
	if (p->ts_ns > s->last_ns)
		s->last_ns = p->ts_ns;
	return s;
}

void session_label(const struct session *s, char *buf, size_t len)
{
	static const char *const kinds[] = {"bare", "vxlan", "geneve", "gre", "erspan", "ipip"};
	const char *k = (unsigned)s->kind < 6 ? kinds[s->kind] : "tunnel";
	char a[IPADDR_STRLEN];
	if (s->aws) {
		int n = snprintf(buf, len, "%s (%s) ", s->aws->id, s->aws->eni_id);
		if (n < 0 || (size_t)n >= len)
			return;
		buf += n;
		len -= (size_t)n;
	}
	if (s->kind == TUN_NONE) {
		snprintf(buf, len, "bare (no tunnel)");
		return;
	}
	ipaddr_format(&s->outer_src, a, sizeof(a));
	const char *idname = s->kind == TUN_GRE ? "key" : s->kind == TUN_ERSPAN ? "session" : "vni";
	if (s->has_id)
		snprintf(buf, len, "%s %s %u from %s%s", k, idname, s->id, a,
			 s->gwlb ? " via GWLB" : "");
	else
		snprintf(buf, len, "%s from %s%s", k, a, s->gwlb ? " via GWLB" : "");
}
