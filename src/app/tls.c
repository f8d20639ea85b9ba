/* tls.c - TLS over TCP: each direction's byte stream framed into records, handshake messages
 * framed across records, and the ClientHello / ServerHello read (RFC 8446, RFC 5246).
 *
 *   record (RFC 8446 5.1)                 handshake message (4)
 *   +------+---------+---------+------+   +------+-----------+---------------+
 *   | type | version | length  | data |   | type | length 24 | body: length  |
 *   |  1   |    2    |    2    | ...  |   |  1   |     3     |               |
 *   +------+---------+---------+------+   +------+-----------+---------------+
 *
 *   ClientHello: legacy_version(2) random(32) session_id<0..32> cipher_suites<2..2^16-2>
 *                compression_methods<1..2^8-1> extensions<0..2^16-1>
 *   ServerHello: legacy_version(2) random(32) session_id<0..32> cipher_suite(2)
 *                compression_method(1) extensions<0..2^16-1>
 *   extension:   type(2) length(2) data    (server_name 0, supported_groups 10,
 *                ec_point_formats 11, ALPN 16, supported_versions 43)
 *
 * JA3 (Salesforce, 2017): MD5 of "version,ciphers,extensions,groups,point_formats" with the
 * values in decimal joined by '-' in the order sent, GREASE values (RFC 8701) left out, from
 * the ClientHello; JA3S: MD5 of "version,cipher,extensions" from the ServerHello.  Wireshark
 * shows the same (tls.handshake.ja3, tls.handshake.ja3s).
 *
 * Bounded state: the record header being read, the current handshake message's header, and
 * one buffer (allocated for a hello only, at most TLS_HELLO_MAX bytes, freed once read).
 * Other handshake messages and all record bodies are skipped by their length.  Records after
 * a direction's ChangeCipherSpec are protected: handshake records are then not read, and an
 * alert is "encrypted".
 *
 * Not handled: SSL 2.0 hellos; hellos beyond TLS_HELLO_MAX; alerts inside TLS 1.3 protected
 * records (they look like application data on the wire); renegotiation (protected); DTLS and
 * QUIC (TLS over UDP).  Bytes missing inside a record lose the framing: the direction waits
 * for a segment that begins with a record header.
 */
#include "app/tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/stream.h"
#include "base/md5.h"
#include "decode/packet.h"

#define TLS_RECORD_MAX (16384u + 2048u) /* TLSCiphertext length limit (RFC 8446 5.2) */

struct tls_half {
	struct app_stream st;
	bool lost; /* framing lost: wait for a segment that begins with a record header */
	bool ccs;  /* ChangeCipherSpec sent: its later records are protected */
	uint8_t hdr[5];
	uint8_t nhdr;
	uint32_t rec_left, rec_len;
	/* handshake message framing across records */
	uint8_t hh[4];
	uint8_t nhh;
	uint32_t msg_left; /* body bytes of the current handshake message still to come */
	uint8_t *buf;      /* the hello being read (NULL: skipping the message) */
	uint32_t nbuf, msg_len;
	uint64_t msg_frame;
	int64_t msg_ts;
	uint8_t al[2];
	uint8_t nal;
	uint8_t hello_in_record; /* 1 / 2: a hello ended in the current record */
	uint64_t rec_frame;      /* where the current record's header began */
	int64_t rec_ts;
};

struct tls_conv {
	struct tls_half half[2];
	int client_dir; /* -1 until a hello tells */
	bool any;       /* t holds something to report */
	uint64_t hello_too_long;
	struct tls_txn t;
};

bool tls_is_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

const char *tls_version_name(uint16_t v, char *buf, size_t len)
{
	switch (v) {
	case 0x0002:
		return "SSL 2.0";
	case 0x0300:
		return "SSL 3.0";
	case 0x0301:
		return "TLS 1.0";
	case 0x0302:
		return "TLS 1.1";
	case 0x0303:
		return "TLS 1.2";
	case 0x0304:
		return "TLS 1.3";
	default:
		break;
	}
	if ((v >> 8) == 0x7f)
		snprintf(buf, len, "TLS 1.3 draft %u", v & 0xff);
	else
		snprintf(buf, len, "0x%04x", v);
	return buf;
}

const char *tls_alert_name(uint8_t desc, char *buf, size_t len)
{
	switch (desc) {
	case 0: return "close_notify";
	case 10: return "unexpected_message";
	case 20: return "bad_record_mac";
	case 21: return "decryption_failed";
	case 22: return "record_overflow";
	case 30: return "decompression_failure";
	case 40: return "handshake_failure";
	case 41: return "no_certificate";
	case 42: return "bad_certificate";
	case 43: return "unsupported_certificate";
	case 44: return "certificate_revoked";
	case 45: return "certificate_expired";
	case 46: return "certificate_unknown";
	case 47: return "illegal_parameter";
	case 48: return "unknown_ca";
	case 49: return "access_denied";
	case 50: return "decode_error";
	case 51: return "decrypt_error";
	case 60: return "export_restriction";
	case 70: return "protocol_version";
	case 71: return "insufficient_security";
	case 80: return "internal_error";
	case 86: return "inappropriate_fallback";
	case 90: return "user_canceled";
	case 100: return "no_renegotiation";
	case 109: return "missing_extension";
	case 110: return "unsupported_extension";
	case 111: return "certificate_unobtainable";
	case 112: return "unrecognized_name";
	case 113: return "bad_certificate_status_response";
	case 114: return "bad_certificate_hash_value";
	case 115: return "unknown_psk_identity";
	case 116: return "certificate_required";
	case 120: return "no_application_protocol";
	default:
		snprintf(buf, len, "alert_%u", desc);
		return buf;
	}
}

bool tls_is_hello_start(const uint8_t *d, size_t n)
{
	if (n < 6 || d[0] != TLS_CT_HANDSHAKE || d[1] != 3 || d[2] > 4)
		return false;
	unsigned len = (unsigned)d[3] << 8 | d[4];
	return len >= 4 && len <= TLS_RECORD_MAX && (d[5] == 1 || d[5] == 2);
}

/* ---- hellos -------------------------------------------------------------------------- */

/* "-" before all but the first number, then v in decimal, into the digest. */
static void ja3_num(struct md5 *m, unsigned v, bool *first)
{
	char b[8];
	int n = snprintf(b, sizeof(b), "%s%u", *first ? "" : "-", v);
	*first = false;
	md5_update(m, b, (size_t)n);
}

/* Copy a name or protocol id, bounded; bytes outside printable ASCII become '?'. */
static void copy_text(char *dst, size_t cap, size_t *used, struct cursor *c, size_t n, bool *cut)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t b = cur_u8(c);
		if (c->bad)
			return;
		if (*used + 1 >= cap) {
			*cut = true;
			continue;
		}
		dst[(*used)++] = (char)(b >= 0x20 && b < 0x7f ? b : '?');
	}
	dst[*used < cap ? *used : cap - 1] = 0;
}

static void read_sni(struct tls_txn *t, struct cursor e)
{
	struct cursor l = cur_sub(&e, cur_be16(&e));
	while (l.left >= 3 && !l.bad) {
		uint8_t type = cur_u8(&l);
		uint16_t n = cur_be16(&l);
		if (l.bad || n > l.left)
			return;
		if (type == 0) {
			size_t used = 0;
			copy_text(t->sni, sizeof(t->sni), &used, &l, n, &t->sni_cut);
			return;
		}
		cur_skip(&l, n);
	}
}

static void read_alpn(char *out, size_t cap, bool *cut, struct cursor e, bool first_only)
{
	struct cursor l = cur_sub(&e, cur_be16(&e));
	size_t used = 0;
	out[0] = 0;
	while (l.left >= 1 && !l.bad) {
		uint8_t n = cur_u8(&l);
		if (l.bad || n > l.left)
			return;
		if (used && used + 1 < cap) {
			out[used++] = ',';
			out[used] = 0;
		}
		copy_text(out, cap, &used, &l, n, cut);
		if (first_only)
			return;
	}
}

static void read_client_hello(struct tls_txn *t, struct cursor c)
{
	struct md5 m;
	bool first = true;
	md5_init(&m);
	t->ch_version = cur_be16(&c);
	cur_skip(&c, 32);
	cur_skip(&c, cur_u8(&c));
	struct cursor cs = cur_sub(&c, cur_be16(&c));
	struct cursor comp = cur_sub(&c, cur_u8(&c));
	(void)comp;
	if (c.bad)
		return;
	t->has_ch = true;
	char b[8];
	md5_update(&m, b, (size_t)snprintf(b, sizeof(b), "%u,", t->ch_version));
	while (cs.left >= 2) {
		uint16_t v = cur_be16(&cs);
		t->ciphers_offered++;
		if (!tls_is_grease(v))
			ja3_num(&m, v, &first);
	}
	md5_update(&m, ",", 1);
	struct cursor ext = c.left >= 2 ? cur_sub(&c, cur_be16(&c)) : cur_make(NULL, 0);
	struct cursor groups = cur_make(NULL, 0), formats = cur_make(NULL, 0);
	first = true;
	while (ext.left >= 4 && !ext.bad) {
		uint16_t type = cur_be16(&ext);
		struct cursor e = cur_sub(&ext, cur_be16(&ext));
		if (!tls_is_grease(type))
			ja3_num(&m, type, &first);
		switch (type) {
		case 0:
			read_sni(t, e);
			break;
		case 10:
			groups = cur_sub(&e, cur_be16(&e));
			break;
		case 11:
			formats = cur_sub(&e, cur_u8(&e));
			break;
		case 16:
			read_alpn(t->alpn, sizeof(t->alpn), &t->alpn_cut, e, false);
			break;
		case 43: {
			struct cursor l = cur_sub(&e, cur_u8(&e));
			while (l.left >= 2) {
				uint16_t v = cur_be16(&l);
				if (!tls_is_grease(v) && t->noffered < TLS_VERSIONS_MAX)
					t->offered[t->noffered++] = v;
			}
			break;
		}
		default:
			break;
		}
	}
	md5_update(&m, ",", 1);
	first = true;
	while (groups.left >= 2 && !groups.bad) {
		uint16_t v = cur_be16(&groups);
		if (!tls_is_grease(v))
			ja3_num(&m, v, &first);
	}
	md5_update(&m, ",", 1);
	first = true;
	while (formats.left >= 1 && !formats.bad)
		ja3_num(&m, cur_u8(&formats), &first);
	md5_final_hex(&m, t->ja3);
}

static const uint8_t hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

static void read_server_hello(struct tls_txn *t, struct cursor c)
{
	struct md5 m;
	bool first = true;
	md5_init(&m);
	uint16_t version = cur_be16(&c);
	uint8_t random[32];
	cur_bytes(&c, random, sizeof(random));
	/* TLS 1.3 drafts before 22 had no legacy_session_id_echo and compression_method */
	bool draft = (version >> 8) == 0x7f && (version & 0xff) < 22;
	if (!draft)
		cur_skip(&c, cur_u8(&c));
	uint16_t cipher = cur_be16(&c);
	if (!draft)
		cur_u8(&c);
	if (c.bad)
		return;
	t->has_sh = true;
	t->sh_version = version;
	t->cipher = cipher;
	t->hello_retry = memcmp(random, hrr_random, sizeof(random)) == 0;
	char b[16];
	md5_update(&m, b, (size_t)snprintf(b, sizeof(b), "%u,%u,", version, cipher));
	struct cursor ext = c.left >= 2 ? cur_sub(&c, cur_be16(&c)) : cur_make(NULL, 0);
	while (ext.left >= 4 && !ext.bad) {
		uint16_t type = cur_be16(&ext);
		struct cursor e = cur_sub(&ext, cur_be16(&ext));
		if (!tls_is_grease(type))
			ja3_num(&m, type, &first);
		if (type == 43 && e.left >= 2) {
			t->sh_version = cur_be16(&e);
		} else if (type == 16) {
			bool cut = false;
			read_alpn(t->alpn_chosen, sizeof(t->alpn_chosen), &cut, e, true);
		}
	}
	md5_final_hex(&m, t->ja3s);
}

/* ---- framing ------------------------------------------------------------------------- */

static void report(struct tls_conv *c, const struct app_sink *k)
{
	struct tls_txn *t = &c->t;
	if (!c->any)
		return;
	t->client_dir = c->client_dir < 0 ? 0 : c->client_dir;
	t->hello_latency_ns = -1;
	t->handshake_ns = -1;
	if (t->has_ch && t->has_sh && t->sh_ns >= t->ch_ns)
		t->hello_latency_ns = t->sh_ns - t->ch_ns;
	if (t->has_ch && t->has_appdata && t->appdata_ns >= t->ch_ns)
		t->handshake_ns = t->appdata_ns - t->ch_ns;
	if (k && k->tls)
		k->tls(k->ctx, t);
	memset(t, 0, sizeof(*t));
	c->any = false;
}

/* A complete handshake message (its type in hh[0], body in buf) from direction dir. */
static void message_done(struct tls_conv *c, int dir, const struct app_seg *s)
{
	struct tls_half *h = &c->half[dir];
	struct tls_txn *t = &c->t;
	struct cursor b = cur_make(h->buf, h->nbuf);
	if (h->hh[0] == 1 && t->has_ch && t->hello_retry && !t->ch2_end_frame &&
	    dir == c->client_dir) {
		/* the ClientHello again after a HelloRetryRequest (RFC 8446 4.1.4) */
		struct tls_txn again;
		memset(&again, 0, sizeof(again));
		read_client_hello(&again, b);
		if (again.has_ch) {
			t->ch2_end_frame = s->frame;
			h->hello_in_record = 3;
		}
	} else if (h->hh[0] == 2 && t->has_sh && t->hello_retry && !t->hrr_end_frame &&
	           dir != c->client_dir) {
		t->hrr_end_frame = t->sh_end_frame;
		memcpy(t->hrr_ja3s, t->ja3s, sizeof(t->ja3s));
		read_server_hello(t, b);
		t->hello_retry = true;
		t->sh_frame = h->msg_frame;
		t->sh_end_frame = s->frame;
		t->sh_ns = s->ts_ns;
		h->hello_in_record = 2;
	} else if (h->hh[0] == 1 && !t->has_ch) {
		if (c->client_dir < 0)
			c->client_dir = dir;
		if (dir != c->client_dir)
			return;
		read_client_hello(t, b);
		h->hello_in_record = 1;
		if (t->has_ch) {
			t->ch_frame = h->msg_frame;
			t->ch_end_frame = s->frame;
			t->ch_ns = h->msg_ts;
			c->any = true;
		}
	} else if (h->hh[0] == 2 && !t->has_sh) {
		if (c->client_dir < 0)
			c->client_dir = !dir;
		if (dir == c->client_dir)
			return;
		read_server_hello(t, b);
		h->hello_in_record = 2;
		if (t->has_sh) {
			t->sh_frame = h->msg_frame;
			t->sh_end_frame = s->frame;
			t->sh_ns = s->ts_ns;
			c->any = true;
		}
	}
}

static void drop_buf(struct tls_half *h)
{
	free(h->buf);
	h->buf = NULL;
	h->nbuf = 0;
}

/* Body bytes of a handshake record, from direction dir. */
static void handshake_bytes(struct tls_conv *c, int dir, struct cursor *d, const struct app_seg *s,
                            bool body_start)
{
	struct tls_half *h = &c->half[dir];
	size_t left0 = d->left;
	while (d->left && !d->bad) {
		if (h->nhh < 4) {
			if (h->nhh == 0) {
				/* a message at the start of its record begins where the record does */
				bool at_rec = body_start && d->left == left0;
				h->msg_frame = at_rec ? h->rec_frame : s->frame;
				h->msg_ts = at_rec ? h->rec_ts : s->ts_ns;
			}
			h->hh[h->nhh++] = cur_u8(d);
			if (h->nhh < 4)
				continue;
			h->msg_len = (uint32_t)h->hh[1] << 16 | (uint32_t)h->hh[2] << 8 | h->hh[3];
			h->msg_left = h->msg_len;
			bool hello = h->hh[0] == 1 || h->hh[0] == 2;
			if (hello && h->msg_len > TLS_HELLO_MAX)
				c->hello_too_long++;
			else if (hello && h->msg_len)
				h->buf = malloc(h->msg_len);
			h->nbuf = 0;
			if (!h->msg_left) {
				h->nhh = 0;
				continue;
			}
			continue;
		}
		size_t n = d->left < h->msg_left ? d->left : h->msg_left;
		if (h->buf)
			cur_bytes(d, h->buf + h->nbuf, n);
		else
			cur_skip(d, n);
		h->nbuf += (uint32_t)n;
		h->msg_left -= (uint32_t)n;
		if (h->msg_left)
			continue;
		if (h->buf) {
			message_done(c, dir, s);
			drop_buf(h);
		}
		h->nhh = 0;
	}
}

static void alert_done(struct tls_conv *c, int dir, const struct app_seg *s)
{
	struct tls_half *h = &c->half[dir];
	struct tls_txn *t = &c->t;
	struct tls_alert al = {0};
	al.from_client = c->client_dir < 0 ? dir == 0 : dir == c->client_dir;
	al.encrypted = h->ccs || h->rec_len != 2;
	if (!al.encrypted) {
		al.level = h->al[0];
		al.desc = h->al[1];
	}
	al.frame = s->frame;
	al.ts_ns = s->ts_ns;
	t->alerts_total++;
	if (t->nalerts < TLS_ALERTS_MAX)
		t->alerts[t->nalerts++] = al;
	/* an encrypted alert may be a close_notify as well as a failure: only readable fatal
	 * alerts count as failed handshakes */
	if (!al.encrypted && al.level == 2)
		t->fatal = true;
	c->any = true;
}

/* The end of a record from direction dir. */
static void record_done(struct tls_conv *c, int dir, const struct app_seg *s)
{
	struct tls_half *h = &c->half[dir];
	/* a hello is shown (as Wireshark shows it) where the record holding it ends */
	if (h->hello_in_record == 1 && c->t.has_ch)
		c->t.ch_end_frame = s->frame;
	else if (h->hello_in_record == 2 && c->t.has_sh)
		c->t.sh_end_frame = s->frame;
	else if (h->hello_in_record == 3)
		c->t.ch2_end_frame = s->frame;
	h->hello_in_record = 0;
	switch (h->hdr[0]) {
	case TLS_CT_CCS:
		/* TLS 1.3 sends it only for middlebox compatibility (RFC 8446 D.4): records
		 * after it are not protected by it (protected ones travel as application_data) */
		if (!c->t.has_sh || (c->t.sh_version != 0x0304 && (c->t.sh_version >> 8) != 0x7f))
			h->ccs = true;
		break;
	case TLS_CT_ALERT:
		alert_done(c, dir, s);
		break;
	default:
		break;
	}
	h->nhdr = 0;
	h->nal = 0;
}

static void record_start(struct tls_conv *c, int dir, const struct app_seg *s)
{
	struct tls_half *h = &c->half[dir];
	struct tls_txn *t = &c->t;
	if (h->hdr[0] == TLS_CT_APPDATA && t->has_sh && !t->has_appdata && c->client_dir == dir) {
		t->has_appdata = true;
		t->appdata_frame = s->frame;
		t->appdata_ns = s->ts_ns;
	}
}

static void lose(struct tls_half *h, struct tls_txn *t)
{
	h->lost = true;
	h->nhdr = 0;
	h->nhh = 0;
	h->nal = 0;
	drop_buf(h);
	t->lost = true;
}

static void half_bytes(struct tls_conv *c, int dir, struct cursor *d, const struct app_seg *s)
{
	struct tls_half *h = &c->half[dir];
	while (d->left && !d->bad) {
		if (h->lost)
			return;
		if (h->nhdr < 5) {
			if (!h->nhdr) {
				h->rec_frame = s->frame;
				h->rec_ts = s->ts_ns;
			}
			h->hdr[h->nhdr++] = cur_u8(d);
			if (h->nhdr < 5)
				continue;
			h->rec_len = (uint32_t)h->hdr[3] << 8 | h->hdr[4];
			h->rec_left = h->rec_len;
			if (h->hdr[0] < TLS_CT_CCS || h->hdr[0] > 24 || h->hdr[1] != 3 ||
			    h->rec_len > TLS_RECORD_MAX) {
				lose(h, &c->t);
				return;
			}
			record_start(c, dir, s);
			if (!h->rec_left)
				record_done(c, dir, s);
			continue;
		}
		size_t n = d->left < h->rec_left ? d->left : h->rec_left;
		struct cursor body = cur_sub(d, n);
		if (h->hdr[0] == TLS_CT_HANDSHAKE && !h->ccs) {
			handshake_bytes(c, dir, &body, s, h->rec_left == h->rec_len);
		} else if (h->hdr[0] == TLS_CT_ALERT) {
			while (body.left && h->nal < 2)
				h->al[h->nal++] = cur_u8(&body);
		}
		h->rec_left -= (uint32_t)n;
		if (!h->rec_left)
			record_done(c, dir, s);
	}
}

/* ---- the connection ------------------------------------------------------------------ */

struct tls_conv *tls_conv_new(void)
{
	struct tls_conv *c = calloc(1, sizeof(*c));
	if (c)
		c->client_dir = -1;
	return c;
}

void tls_conv_free(struct tls_conv *c)
{
	if (!c)
		return;
	drop_buf(&c->half[0]);
	drop_buf(&c->half[1]);
	free(c);
}

static void half_reset(struct tls_half *h)
{
	drop_buf(h);
	struct app_stream st = h->st;
	memset(h, 0, sizeof(*h));
	h->st = st;
}

void tls_conv_segment(struct tls_conv *c, const struct app_seg *s, int dir,
                      const struct app_sink *k)
{
	if ((dir != 0 && dir != 1) || s->proto != IPPROTO_NUM_TCP || s->frag == APP_FRAG_MORE ||
	    s->frag == APP_FRAG_LAST)
		return;
	struct tls_half *h = &c->half[dir];
	if ((s->tcp_flags & TCP_SYN) && app_stream_syn(&h->st, s->seq) && !(s->tcp_flags & TCP_ACK)) {
		/* a new connection on the same ports: report the last one */
		report(c, k);
		half_reset(&c->half[0]);
		half_reset(&c->half[1]);
		c->client_dir = -1;
	}
	struct tls_half *peer = &c->half[!dir];
	if (s->peer_fresh && (s->tcp_flags & TCP_ACK) && !peer->st.started)
		app_stream_start(&peer->st, s->ack);
	bool may_hold = !c->t.has_sh || !c->t.has_appdata;
	struct app_span sp;
	if (!app_stream_take(&h->st, s->seq, s->tcp_flags, s->data, s->caplen, s->len, may_hold,
	                     &sp))
		return;
	if (sp.gap)
		lose(h, &c->t);
	if (h->lost && sp.seg_start && sp.data.left >= 5) {
		const uint8_t *p = sp.data.p;
		unsigned len = (unsigned)p[3] << 8 | p[4];
		if (p[0] >= TLS_CT_CCS && p[0] <= 24 && p[1] == 3 && p[2] <= 4 &&
		    len <= TLS_RECORD_MAX)
			h->lost = false;
	}
	half_bytes(c, dir, &sp.data, s);
	if (sp.tail_gap)
		lose(h, &c->t);
}

void tls_conv_end(struct tls_conv *c, int64_t now_ns, const struct app_sink *k)
{
	(void)now_ns;
	report(c, k);
}

/* ---- the parser contract ------------------------------------------------------------- */

static enum app_detect tls_detect(const struct app_seg *s, int dir, bool stream_start)
{
	(void)dir;
	if (s->proto != IPPROTO_NUM_TCP)
		return APP_NEVER;
	if (!s->len || !s->caplen)
		return APP_NOT_YET;
	if (tls_is_hello_start(s->data, s->caplen))
		return APP_YES;
	return stream_start ? APP_NEVER : APP_NOT_YET;
}

static void *tls_new(const struct app_seg *s)
{
	(void)s;
	return tls_conv_new();
}

static void tls_segment(void *conv, const struct app_seg *s, int dir, const struct app_sink *k)
{
	tls_conv_segment(conv, s, dir, k);
}

static void tls_end(void *conv, int64_t now_ns, const struct app_sink *k)
{
	tls_conv_end(conv, now_ns, k);
}

static void tls_free(void *conv)
{
	tls_conv_free(conv);
}

const struct app_parser app_tls_parser = {
    .name = "tls",
    .detect = tls_detect,
    .conv_new = tls_new,
    .conv_segment = tls_segment,
    .conv_end = tls_end,
    .conv_free = tls_free,
};
