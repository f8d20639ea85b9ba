/* tcpgen.c - write a capture of random TCP conversations, for comparing vxscope's TCP
 * analysis with tshark's on sequences no real capture has (tests/oracle/tcp_random.sh).
 *
 *   tcpgen SEED CONNECTIONS OUT.pcap
 *
 * Deterministic for a seed.  Each connection (client 10.0.0.1:10000+i, server 10.0.0.2:80)
 * starts with a handshake (or mid-stream), then does 4-25 random things from either side:
 * new data (sometimes after a gap), resends, ACKs (in order, beyond what was sent, or old),
 * window changes including zero, repeated ACKs, keep-alives, FIN and RST; the time between
 * packets is 0.1 ms to 200 ms.  ISNs include ones near 2^32 so that sequence numbers wrap.
 * Output: nanosecond pcap, Ethernet, IPv4, TCP without options.  Exit status 0, or 1 on a
 * write error.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SENT 64

struct gen {
	uint64_t rng;
	uint64_t t_ns;
	FILE *out;
	bool err;
};

static uint64_t rnd(struct gen *g)
{
	/* xorshift64* */
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return g->rng * UINT64_C(2685821657736338717);
}

static unsigned pick(struct gen *g, unsigned n)
{
	return (unsigned)(rnd(g) % n);
}

/* uniform in [0, 1) */
static double unit(struct gen *g)
{
	return (double)(rnd(g) >> 11) / 9007199254740992.0;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static void put32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void emit(struct gen *g, uint16_t cport, int dir, uint8_t flags, uint32_t seq, uint32_t ack,
                 uint16_t len, uint16_t win)
{
	static const uint64_t gaps[] = {100000,  500000,   1000000,  2000000,
	                                5000000, 15000000, 30000000, 200000000};
	uint8_t f[14 + 20 + 20 + 200];
	memset(f, 0, sizeof(f));
	f[12] = 0x08; /* IPv4 */
	uint8_t *ip = f + 14, *tcp = ip + 20;
	uint8_t ca[4] = {10, 0, 0, 1}, sa[4] = {10, 0, 0, 2};
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(40 + len));
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, dir ? sa : ca, 4);
	memcpy(ip + 16, dir ? ca : sa, 4);
	put16(tcp, dir ? 80 : cport);
	put16(tcp + 2, dir ? cport : 80);
	put32(tcp + 4, seq);
	put32(tcp + 8, ack);
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	put16(tcp + 14, win);
	memset(tcp + 20, 'x', len);
	uint32_t flen = 14 + 40 + len;

	g->t_ns += gaps[pick(g, sizeof(gaps) / sizeof(gaps[0]))];
	uint8_t h[16];
	put32le(h, (uint32_t)(1000000 + g->t_ns / 1000000000));
	put32le(h + 4, (uint32_t)(g->t_ns % 1000000000));
	put32le(h + 8, flen);
	put32le(h + 12, flen);
	if (fwrite(h, 1, 16, g->out) != 16 || fwrite(f, 1, flen, g->out) != flen)
		g->err = true;
}

struct side {
	uint32_t nxt, rcv; /* next sequence number to send; what we acknowledge */
	uint16_t win;
	unsigned nsent;
	uint32_t sent_seq[MAX_SENT];
	uint16_t sent_len[MAX_SENT];
};

static void remember(struct side *s, uint32_t seq, uint16_t len)
{
	if (s->nsent < MAX_SENT) {
		s->sent_seq[s->nsent] = seq;
		s->sent_len[s->nsent++] = len;
	}
}

static void conversation(struct gen *g, uint16_t port)
{
	static const uint8_t lens[] = {100, 100, 50, 1, 200};
	static const uint16_t wins[] = {0, 500, 1000, 2000};
	uint32_t isn[2];
	isn[0] = pick(g, 3) == 0 ? 1000 : pick(g, 2) ? 0xFFFFF000u : (uint32_t)rnd(g);
	isn[1] = pick(g, 3) == 0 ? 5000 : pick(g, 2) ? 0xFFFFFF00u : (uint32_t)rnd(g);
	struct side sd[2];
	memset(sd, 0, sizeof(sd));
	for (int d = 0; d < 2; d++) {
		sd[d].nxt = isn[d] + 1;
		sd[d].rcv = isn[!d] + 1;
		sd[d].win = 1000;
	}
	if (unit(g) < 0.8) {
		emit(g, port, 0, 0x02, isn[0], 0, 0, 1000);
		emit(g, port, 1, 0x12, isn[1], isn[0] + 1, 0, 1000);
	}
	emit(g, port, 0, 0x10, sd[0].nxt, sd[0].rcv, 0, 1000);

	unsigned steps = 4 + pick(g, 22);
	for (unsigned i = 0; i < steps; i++) {
		int d = (int)pick(g, 2);
		struct side *me = &sd[d], *peer = &sd[!d];
		double r = unit(g);
		if (r < 0.35) { /* new data, sometimes after a gap */
			uint32_t seq = me->nxt + (unit(g) < 0.15 ? 100u * (1 + pick(g, 2)) : 0);
			uint16_t len = lens[pick(g, sizeof(lens))];
			emit(g, port, d, 0x10, seq, me->rcv, len, me->win);
			remember(me, seq, len);
			if ((int32_t)(seq + len - me->nxt) > 0)
				me->nxt = seq + len;
		} else if (r < 0.5 && me->nsent) { /* resend */
			unsigned k = pick(g, me->nsent);
			emit(g, port, d, 0x10, me->sent_seq[k], me->rcv, me->sent_len[k], me->win);
		} else if (r < 0.75) { /* an ACK: in order, beyond, or an old one */
			double k = unit(g);
			uint32_t a = k < 0.6    ? peer->nxt
			             : k < 0.75 ? peer->nxt + (pick(g, 2) ? 100 : 50)
			                        : me->rcv;
			if (k < 0.75)
				me->rcv = a;
			if (unit(g) < 0.15)
				me->win = wins[pick(g, 4)];
			emit(g, port, d, 0x10, me->nxt, a, 0, me->win);
		} else if (r < 0.85) { /* the same ACK again */
			emit(g, port, d, 0x10, me->nxt, me->rcv, 0, me->win);
		} else if (r < 0.9) { /* keep-alive */
			emit(g, port, d, 0x10, me->nxt - 1, me->rcv, (uint16_t)pick(g, 2), me->win);
		} else if (r < 0.95) { /* FIN */
			emit(g, port, d, 0x11, me->nxt, me->rcv, 0, me->win);
			remember(me, me->nxt, 0);
			me->nxt++;
		} else { /* RST, with or without ACK */
			emit(g, port, d, pick(g, 2) ? 0x04 : 0x14, me->nxt, me->rcv, 0, me->win);
		}
	}
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: tcpgen SEED CONNECTIONS OUT.pcap\n");
		return 2;
	}
	struct gen g = {0};
	g.rng = strtoull(argv[1], NULL, 10) * UINT64_C(0x9E3779B97F4A7C15) + 1;
	unsigned long n = strtoul(argv[2], NULL, 10);
	g.out = fopen(argv[3], "wb");
	if (!g.out) {
		perror(argv[3]);
		return 1;
	}
	uint8_t hdr[24] = {0x4d, 0x3c, 0xb2, 0xa1, 2, 0, 4, 0};
	put32le(hdr + 16, 65535);
	put32le(hdr + 20, 1); /* Ethernet */
	if (fwrite(hdr, 1, sizeof(hdr), g.out) != sizeof(hdr))
		g.err = true;
	for (unsigned long i = 0; i < n && i < 50000; i++)
		conversation(&g, (uint16_t)(10000 + i));
	if (fclose(g.out) != 0 || g.err) {
		fprintf(stderr, "tcpgen: write error on %s\n", argv[3]);
		return 1;
	}
	return 0;
}
