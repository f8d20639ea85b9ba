/* tcp.c - TCP header and options, RFC 9293 (ECE/CWR: RFC 3168; window scale and timestamps:
 * RFC 7323; SACK: RFC 2018).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          Source Port          |       Destination Port        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                        Sequence Number                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Acknowledgment Number                      |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Data |       |C|E|U|A|P|R|S|F|                               |
 *  | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 *  |       |       |R|E|G|K|H|T|N|N|                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |           Checksum            |         Urgent Pointer        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Options                    |    Padding    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Options: EOL (0), NOP (1), then kind, length (>= 2, counting itself), data: MSS (2, 4),
 * window scale (3, 3), SACK permitted (4, 2), SACK (5, 2 + 8n), timestamps (8, 10).
 *
 * The segment length comes from the IP length, not the captured bytes: payload_len is the
 * true payload size of a truncated mirror copy; payload/payload_caplen are what was captured.
 * The checksum is not verified (offload, truncated mirror copies).
 */
#include "decode_internal.h"

#define TCP_MIN_HLEN     20
#define TCPOPT_EOL       0
#define TCPOPT_NOP       1
#define TCPOPT_MSS       2
#define TCPOPT_WSCALE    3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_SACK      5
#define TCPOPT_TIMESTAMP 8
#define TCP_MAX_WSCALE   14 /* RFC 7323 2.3: a larger shift is used as 14 */

static void tcp_sack(struct cursor v, struct packet *p)
{
	while (v.left >= 8) {
		uint32_t left = cur_be32(&v);
		uint32_t right = cur_be32(&v);
		if (p->nsack < PKT_MAX_SACK) {
			p->sack[p->nsack][0] = left;
			p->sack[p->nsack][1] = right;
			p->nsack++;
		}
	}
}

/* Walk the options.  A known kind with the wrong length is flagged and skipped by its
 * length; a length below 2 or past the header ends the walk. */
static void tcp_options(struct cursor o, struct packet *p)
{
	while (o.left > 0) {
		uint8_t kind = cur_u8(&o);
		if (kind == TCPOPT_EOL)
			return;
		if (kind == TCPOPT_NOP)
			continue;
		int len = cur_peek(&o, 0);
		if (len < 2 || (size_t)len - 1 > o.left) {
			pkt_anomaly(p, ANOM_TCP_BAD_OPTION);
			return;
		}
		cur_skip(&o, 1);
		struct cursor v = cur_sub(&o, (size_t)len - 2);
		bool ok = true;
		switch (kind) {
		case TCPOPT_MSS:
			if ((ok = len == 4))
				p->mss = cur_be16(&v);
			break;
		case TCPOPT_WSCALE:
			if ((ok = len == 3)) {
				uint8_t ws = cur_u8(&v);
				p->wscale = (int8_t)(ws > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : ws);
			}
			break;
		case TCPOPT_SACK_PERM:
			if ((ok = len == 2))
				p->sack_permitted = true;
			break;
		case TCPOPT_SACK:
			if ((ok = len >= 10 && (len - 2) % 8 == 0))
				tcp_sack(v, p);
			break;
		case TCPOPT_TIMESTAMP:
			if ((ok = len == 10)) {
				p->has_ts = true;
				p->tsval = cur_be32(&v);
				p->tsecr = cur_be32(&v);
			}
			break;
		default:
			break;
		}
		if (!ok)
			pkt_anomaly(p, ANOM_TCP_BAD_OPTION);
	}
}

enum layer tcp_decode(struct cursor *c, struct packet *p)
{
	/* Declared segment size; a bare call (no IP layer) trusts the cursor. */
	size_t seg = p->has_ip ? p->ip_len - p->ip_hlen : c->left;
	/* A first fragment too small for the header is flagged ip_fragment already: the rest of
	 * the header is in the next fragment, not malformed. */
	if (!cur_has(c, TCP_MIN_HLEN)) {
		if (seg >= TCP_MIN_HLEN)
			pkt_anomaly(p, ANOM_TRUNC_TCP);
		else if (!p->is_fragment)
			pkt_anomaly(p, ANOM_TCP_BAD_HLEN);
		return LAYER_END;
	}
	p->sport = cur_be16(c);
	p->dport = cur_be16(c);
	p->seq = cur_be32(c);
	p->ack = cur_be32(c);
	size_t hlen = (size_t)(cur_u8(c) >> 4) * 4;
	p->tcp_flags = cur_u8(c);
	p->window = cur_be16(c);
	cur_skip(c, 4); /* checksum, urgent pointer */
	p->has_l4 = true;
	p->tcp_hlen = (uint8_t)hlen;

	uint8_t f = p->tcp_flags;
	if (f == 0 || (f & (TCP_SYN | TCP_FIN)) == (TCP_SYN | TCP_FIN) ||
	    (f & (TCP_SYN | TCP_RST)) == (TCP_SYN | TCP_RST))
		pkt_anomaly(p, ANOM_TCP_BAD_FLAGS);

	if (hlen < TCP_MIN_HLEN || hlen > seg) {
		if (hlen < TCP_MIN_HLEN || !p->is_fragment)
			pkt_anomaly(p, ANOM_TCP_BAD_HLEN);
		return LAYER_END;
	}
	if (!cur_has(c, hlen - TCP_MIN_HLEN)) {
		pkt_anomaly(p, ANOM_TRUNC_TCP);
		return LAYER_END;
	}
	tcp_options(cur_sub(c, hlen - TCP_MIN_HLEN), p);

	p->payload_len = (uint32_t)(seg - hlen);
	p->payload = c->p;
	p->payload_caplen = (uint32_t)(c->left < seg - hlen ? c->left : seg - hlen);
	return LAYER_END;
}
