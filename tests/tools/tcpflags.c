/* tcpflags.c - print vxscope's per-packet TCP analysis for a capture, one JSON object per TCP
 * packet, for the tshark oracle (tests/oracle/tcp_flags.sh).
 *
 *   tcpflags [-a] [-t] FILE
 *
 * Reads FILE with the capture reader, decodes each frame (VXLAN 4789, GENEVE 6081, tunnels
 * peeled), keys TCP connections by (innermost tunnel id if any, canonical 5-tuple) in a small
 * hash map of its own, and runs tcp_conv_analyze() with dir 0 for the direction of the first
 * packet of each connection.  Output, one line per TCP packet:
 *
 *   {"frame":12,"flags":["retransmission","fast_retransmission"]}
 *
 * By default only packets with at least one flag are printed; -a prints every TCP packet and
 * adds the numeric fields: "dup_ack_num", "dup_ack_frame", "acks_frame", "bytes_in_flight"
 * (each only when set, as tshark shows them).  -t takes the segment length as tshark does,
 * capped by the bytes the frame had on the wire (vxscope's own rule takes it from the IP
 * length, so that mirror-truncated copies analyse right); for checking the analysis where
 * the two differ.  IP fragments are not analysed (tshark analyses the reassembled segment
 * instead).  Exit status 0, or 2 when the file cannot be
 * opened; a damaged file prints what was read before the damage and exits 1.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/tcp_analysis.h"
#include "base/hash.h"
#include "capture/reader.h"
#include "decode/decode.h"

struct conn_key {
	uint8_t has_tun, family, pad[2];
	uint32_t tun_id;
	uint8_t a[16], b[16]; /* the lower address first */
	uint16_t pa, pb;      /* ports in the same order */
};

struct conn {
	bool used;
	struct conn_key key;
	uint8_t first_src[16]; /* source of the connection's first packet: its dir is 0 */
	uint16_t first_sport;
	struct tcp_conv *tc;
};

struct conn_map {
	struct conn *v;
	size_t cap, n; /* cap is a power of two */
};

static void key_make(const struct packet *p, struct conn_key *k, bool *a_is_src)
{
	memset(k, 0, sizeof(*k));
	const struct tunnel *t = pkt_session_tunnel(p);
	if (t && t->has_id) {
		k->has_tun = 1;
		k->tun_id = t->id;
	}
	k->family = p->src.family;
	int c = memcmp(p->src.a, p->dst.a, 16);
	*a_is_src = c < 0 || (c == 0 && p->sport <= p->dport);
	if (*a_is_src) {
		memcpy(k->a, p->src.a, 16);
		memcpy(k->b, p->dst.a, 16);
		k->pa = p->sport;
		k->pb = p->dport;
	} else {
		memcpy(k->a, p->dst.a, 16);
		memcpy(k->b, p->src.a, 16);
		k->pa = p->dport;
		k->pb = p->sport;
	}
}

static int map_grow(struct conn_map *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 1024;
	struct conn *nv = calloc(ncap, sizeof(*nv));
	if (!nv)
		return -1;
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->v[i].used)
			continue;
		size_t j = hash_bytes(&m->v[i].key, sizeof(m->v[i].key), 0) & (ncap - 1);
		while (nv[j].used)
			j = (j + 1) & (ncap - 1);
		nv[j] = m->v[i];
	}
	free(m->v);
	m->v = nv;
	m->cap = ncap;
	return 0;
}

/* The connection of p, created on first sight; NULL on out of memory. */
static struct conn *map_get(struct conn_map *m, const struct packet *p, int *dir)
{
	struct conn_key k;
	bool a_is_src;
	key_make(p, &k, &a_is_src);
	if ((m->n + 1) * 2 > m->cap && map_grow(m))
		return NULL;
	size_t j = hash_bytes(&k, sizeof(k), 0) & (m->cap - 1);
	while (m->v[j].used && memcmp(&m->v[j].key, &k, sizeof(k)) != 0)
		j = (j + 1) & (m->cap - 1);
	struct conn *c = &m->v[j];
	if (!c->used) {
		c->tc = tcp_conv_new();
		if (!c->tc)
			return NULL;
		c->used = true;
		c->key = k;
		memcpy(c->first_src, p->src.a, 16);
		c->first_sport = p->sport;
		m->n++;
	}
	bool same_as_first = memcmp(c->first_src, p->src.a, 16) == 0 && c->first_sport == p->sport;
	/* a connection to itself (same address and port both ways) is all direction 0 */
	*dir = same_as_first ? 0 : 1;
	return c;
}

static void map_free(struct conn_map *m)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->v[i].used)
			tcp_conv_free(m->v[i].tc);
	free(m->v);
}

static void print_pkt(const struct packet *p, const struct tcp_pkt_analysis *a, bool all)
{
	if (!all && !a->flags)
		return;
	printf("{\"frame\":%llu,\"flags\":[", (unsigned long long)p->frame);
	bool first = true;
	for (unsigned f = 0; f < TA_COUNT; f++) {
		if (!(a->flags & TA_BIT(f)))
			continue;
		printf("%s\"%s\"", first ? "" : ",", tcp_aflag_name((enum tcp_aflag)f));
		first = false;
	}
	printf("]");
	if (all) {
		if (a->flags & TA_BIT(TA_DUPLICATE_ACK))
			printf(",\"dup_ack_num\":%u,\"dup_ack_frame\":%llu", a->dup_ack_num,
			       (unsigned long long)a->dup_ack_frame);
		if (a->acks_frame)
			printf(",\"acks_frame\":%llu", (unsigned long long)a->acks_frame);
		if (a->bytes_in_flight >= 0)
			printf(",\"bytes_in_flight\":%lld", (long long)a->bytes_in_flight);
	}
	printf("}\n");
}

/* The segment length tshark would use: no more than the frame carried on the wire, nor (in
 * a frame captured whole) than the enclosing layers' declared lengths let through. */
static void tshark_seglen(struct packet *p)
{
	if (!p->payload || p->payload < p->data)
		return;
	uint64_t off = (uint64_t)(p->payload - p->data);
	uint64_t wire = p->wirelen > off ? p->wirelen - off : 0;
	if (p->caplen >= p->wirelen && p->payload_caplen < wire)
		wire = p->payload_caplen;
	if (p->payload_len > wire)
		p->payload_len = (uint32_t)wire;
}

int main(int argc, char **argv)
{
	bool all = false, tlen = false;
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "-a") == 0)
			all = true;
		else if (strcmp(argv[i], "-t") == 0)
			tlen = true;
		else
			break;
	}
	if (i != argc - 1) {
		fprintf(stderr, "usage: tcpflags [-a] [-t] FILE\n");
		return 2;
	}
	char err[256];
	struct capture_reader *r;
	if (capture_open(&r, argv[i], err, sizeof(err))) {
		fprintf(stderr, "tcpflags: %s\n", err);
		return 2;
	}
	struct decode_cfg cfg;
	decode_cfg_default(&cfg);
	struct conn_map m = {0};
	struct packet p;
	enum capture_status st;
	int rc = 0;
	while ((st = capture_next(r, &p)) == CAPTURE_FRAME) {
		decode_frame(&cfg, &p);
		if (!p.has_ip || !p.has_l4 || p.proto != IPPROTO_NUM_TCP || p.is_fragment)
			continue;
		if (tlen)
			tshark_seglen(&p);
		int dir;
		struct conn *c = map_get(&m, &p, &dir);
		if (!c) {
			fprintf(stderr, "tcpflags: out of memory\n");
			rc = 2;
			break;
		}
		struct tcp_pkt_analysis a;
		tcp_conv_analyze(c->tc, &p, dir, &a);
		print_pkt(&p, &a, all);
	}
	if (st == CAPTURE_DAMAGED || st == CAPTURE_IOERR) {
		fprintf(stderr, "tcpflags: %s: %s\n", argv[i], capture_error(r));
		if (!rc)
			rc = 1;
	}
	map_free(&m);
	capture_close(r);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "tcpflags: write error\n");
		return 2;
	}
	return rc;
}
