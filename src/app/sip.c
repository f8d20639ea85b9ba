/* sip.c - SIP over UDP and TCP (RFC 3261 section 7 message syntax, 18 transport framing),
 * messages grouped into dialogs by Call-ID, and SDP bodies (RFC 4566) read for RTP media.
 *
 *   request:  Method SP Request-URI SP SIP/2.0 CRLF      response: SIP/2.0 SP code SP reason CRLF
 *             *( header-name ":" value CRLF ) CRLF [ body: Content-Length bytes ]
 *   compact header names (RFC 3261 7.3.3): i = Call-ID, l = Content-Length, c = Content-Type
 *   CSeq: number SP method (which request a response answers)
 *   SDP:  c=IN IP4 198.51.100.7    m=audio 49170 RTP/AVP 0 8 101    a=rtpmap:101 telephone-event/8000
 *
 * Over UDP each datagram is one message (a first IP fragment is read for what it holds; its
 * frame is the first fragment's).  Over TCP each direction's bytes are buffered (at most
 * SIP_TCP_BUF) until a message's head and Content-Length body are complete; bytes missing
 * lose the framing until a segment that begins with a start line.
 *
 * Dialogs (Call-ID) are kept per flow, at most SIP_DIALOGS_MAX, each allocated once when its
 * first message is seen and reported when the flow ends (or when pushed out).
 */
#include "app/sip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/stream.h"
#include "decode/ipaddr.h"
#include "decode/packet.h"

struct sip_tcp_half {
	struct app_stream st;
	bool lost;
	uint8_t *buf;
	uint32_t n;
};

struct sip_conv {
	struct sip_dialog *d[SIP_DIALOGS_MAX];
	unsigned nd;
	struct sip_tcp_half tcp[2];
	uint64_t bad_messages;
};

/* One line of c (without its CR LF) into line and len; false at the end of c. */
static bool next_line(struct cursor *c, const uint8_t **line, size_t *len)
{
	if (!c->left || c->bad)
		return false;
	const uint8_t *nl = memchr(c->p, '\n', c->left);
	size_t n = nl ? (size_t)(nl - c->p) : c->left;
	*line = c->p;
	*len = n && c->p[n - 1] == '\r' ? n - 1 : n;
	cur_skip(c, nl ? n + 1 : n);
	return true;
}

static bool starts(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s);
	return n >= k && memcmp(p, s, k) == 0;
}

static bool is_token_char(int b)
{
	return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') ||
	       b == '-' || b == '.' || b == '!' || b == '%' || b == '*' || b == '_' || b == '+' ||
	       b == '`' || b == '\'' || b == '~';
}

bool sip_is_start(const uint8_t *d, size_t n)
{
	if (starts(d, n, "SIP/2.0 "))
		return n >= 11 && d[8] >= '1' && d[8] <= '6';
	size_t i = 0;
	while (i < n && i < SIP_METHOD_MAX && is_token_char(d[i]) && d[i] >= 'A' && d[i] <= 'Z')
		i++;
	if (i < 3 || i >= n || d[i] != ' ')
		return false;
	/* the request line must end in " SIP/2.0" */
	const uint8_t *nl = memchr(d, '\n', n);
	size_t len = nl ? (size_t)(nl - d) : n;
	if (len && d[len - 1] == '\r')
		len--;
	return len > i + 9 && memcmp(d + len - 8, " SIP/2.0", 8) == 0;
}

/* ---- SDP ------------------------------------------------------------------------------ */

static unsigned parse_uint(const uint8_t *p, size_t n, size_t *i, bool *ok)
{
	unsigned long v = 0;
	size_t start = *i;
	while (*i < n && p[*i] >= '0' && p[*i] <= '9' && v < 100000000)
		v = v * 10 + (unsigned)(p[(*i)++] - '0');
	*ok = *i > start;
	return (unsigned)v;
}

/* "c=IN IP4 addr" / "c=IN IP6 addr" into a (family 0 when unreadable). */
static void sdp_conn(const uint8_t *p, size_t n, struct ip_addr *a)
{
	char txt[IPADDR_STRLEN];
	memset(a, 0, sizeof(*a));
	if (n < 9 || (!starts(p, n, "c=IN IP4 ") && !starts(p, n, "c=IN IP6 ")))
		return;
	size_t i = 9, k = 0;
	while (i < n && p[i] != ' ' && p[i] != '/' && k + 1 < sizeof(txt))
		txt[k++] = (char)p[i++];
	txt[k] = 0;
	if (ipaddr_parse(txt, a))
		memset(a, 0, sizeof(*a));
}

void sip_sdp_parse(const uint8_t *d, size_t n, uint64_t frame,
                   void (*out)(void *ctx, const struct sip_media *m), void *ctx)
{
	struct cursor c = cur_make(d, n);
	struct ip_addr session = {0};
	struct sip_media m;
	bool open = false;
	const uint8_t *p;
	size_t len;
	memset(&m, 0, sizeof(m));
	for (;;) {
		bool more = next_line(&c, &p, &len);
		if (!more || starts(p, len, "m=")) {
			if (open && m.port) {
				if (!m.addr.family)
					m.addr = session;
				if (m.addr.family && out)
					out(ctx, &m);
			}
			if (!more)
				return;
			memset(&m, 0, sizeof(m));
			m.frame = frame;
			open = true;
			size_t i = 2;
			m.audio = starts(p, len, "m=audio ");
			while (i < len && p[i] != ' ')
				i++;
			i++;
			bool ok;
			unsigned port = parse_uint(p, len, &i, &ok);
			m.port = ok && port < 65536 ? (uint16_t)port : 0;
			while (i < len && p[i] != ' ')
				i++; /* "/count" and the transport */
			i++;
			while (i < len && p[i] != ' ')
				i++;
			while (i < len && m.npt < SIP_MEDIA_PT) {
				i++;
				unsigned pt = parse_uint(p, len, &i, &ok);
				if (!ok || pt > 127)
					break;
				m.pt[m.npt++].pt = (uint8_t)pt;
			}
			continue;
		}
		if (starts(p, len, "c=")) {
			if (open)
				sdp_conn(p, len, &m.addr);
			else
				sdp_conn(p, len, &session);
		} else if (open && starts(p, len, "a=rtpmap:")) {
			size_t i = 9;
			bool ok;
			unsigned pt = parse_uint(p, len, &i, &ok);
			if (!ok || i >= len || p[i] != ' ')
				continue;
			i++;
			for (unsigned j = 0; j < m.npt; j++) {
				if (m.pt[j].pt != pt)
					continue;
				size_t k = 0;
				while (i < len && p[i] != '/' && k + 1 < sizeof(m.pt[j].name))
					m.pt[j].name[k++] = (char)p[i++];
				m.pt[j].name[k] = 0;
				while (i < len && p[i] != '/')
					i++;
				i++;
				m.pt[j].rate = parse_uint(p, len, &i, &ok);
				break;
			}
		}
	}
}

/* ---- messages ------------------------------------------------------------------------- */

struct sip_msg {
	bool request;
	uint16_t status;
	char method[SIP_METHOD_MAX]; /* request method, or the CSeq's for a response */
	char call_id[SIP_CALLID_MAX];
	bool call_id_cut, has_call_id;
	long content_length; /* -1: none */
	bool sdp;
	struct cursor body;
};

static void copy_value(char *dst, size_t cap, const uint8_t *p, size_t n, bool *cut)
{
	while (n && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	size_t k = n < cap - 1 ? n : cap - 1;
	if (cut)
		*cut = k < n;
	for (size_t i = 0; i < k; i++)
		dst[i] = (char)p[i];
	dst[k] = 0;
}

static bool hdr_is(const uint8_t *name, size_t n, const char *full, const char *compact)
{
	return (n == strlen(full) && !strncasecmp((const char *)name, full, n)) ||
	       (compact && n == 1 && (name[0] | 0x20) == compact[0]);
}

/* Parse a message's start line and head from c; the body follows in m->body (as far as c
 * holds it).  False when the start line is no SIP. */
static bool parse_msg(struct cursor c, struct sip_msg *m)
{
	const uint8_t *p;
	size_t n;
	memset(m, 0, sizeof(*m));
	m->content_length = -1;
	if (!next_line(&c, &p, &n) || !sip_is_start(p, n))
		return false;
	if (starts(p, n, "SIP/2.0 ")) {
		m->status = (uint16_t)((p[8] - '0') * 100 + (p[9] - '0') * 10 + (p[10] - '0'));
		if (p[9] < '0' || p[9] > '9' || p[10] < '0' || p[10] > '9')
			return false;
	} else {
		m->request = true;
		size_t i = 0;
		while (i < n && p[i] != ' ' && i + 1 < sizeof(m->method)) {
			m->method[i] = (char)p[i];
			i++;
		}
		m->method[i] = 0;
	}
	while (next_line(&c, &p, &n)) {
		if (!n)
			break;
		const uint8_t *colon = memchr(p, ':', n);
		if (!colon)
			continue;
		size_t nl = (size_t)(colon - p);
		while (nl && (p[nl - 1] == ' ' || p[nl - 1] == '\t'))
			nl--;
		const uint8_t *v = colon + 1;
		size_t vn = n - (size_t)(v - p);
		if (hdr_is(p, nl, "Call-ID", "i")) {
			copy_value(m->call_id, sizeof(m->call_id), v, vn, &m->call_id_cut);
			m->has_call_id = true;
		} else if (hdr_is(p, nl, "Content-Length", "l")) {
			size_t i = 0;
			while (i < vn && (v[i] == ' ' || v[i] == '\t'))
				i++;
			bool ok;
			unsigned cl = parse_uint(v, vn, &i, &ok);
			if (ok)
				m->content_length = (long)cl;
		} else if (hdr_is(p, nl, "Content-Type", "c")) {
			char ct[64];
			copy_value(ct, sizeof(ct), v, vn, NULL);
			m->sdp = !strncasecmp(ct, "application/sdp", 15);
		} else if (hdr_is(p, nl, "CSeq", NULL) && !m->request) {
			size_t i = 0;
			while (i < vn && (v[i] == ' ' || v[i] == '\t' || (v[i] >= '0' && v[i] <= '9')))
				i++;
			copy_value(m->method, sizeof(m->method), v + i, vn - i, NULL);
		}
	}
	m->body = c;
	if (m->content_length >= 0)
		cur_limit(&m->body, (size_t)m->content_length);
	return true;
}

static struct sip_dialog *dialog_of(struct sip_conv *c, const struct sip_msg *m, int dir,
                                    const struct app_seg *s, const struct app_sink *k)
{
	for (unsigned i = 0; i < c->nd; i++)
		if (!strcmp(c->d[i]->call_id, m->call_id))
			return c->d[i];
	if (c->nd == SIP_DIALOGS_MAX) {
		/* report the oldest */
		if (k && k->sip)
			k->sip(k->ctx, c->d[0]);
		free(c->d[0]);
		memmove(&c->d[0], &c->d[1], (SIP_DIALOGS_MAX - 1) * sizeof(c->d[0]));
		c->nd--;
	}
	struct sip_dialog *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	snprintf(d->call_id, sizeof(d->call_id), "%s", m->call_id);
	d->call_id_cut = m->call_id_cut;
	d->client_dir = m->request ? dir : !dir;
	snprintf(d->method, sizeof(d->method), "%s", m->method);
	d->first_frame = s->frame;
	d->first_ns = s->ts_ns;
	d->ringing_ns = d->setup_ns = -1;
	c->d[c->nd++] = d;
	return d;
}

static void on_message(struct sip_conv *c, const struct sip_msg *m, int dir,
                       const struct app_seg *s, const struct app_sink *k)
{
	if (!m->has_call_id) {
		c->bad_messages++;
		return;
	}
	struct sip_dialog *d = dialog_of(c, m, dir, s, k);
	if (!d)
		return;
	d->last_ns = s->ts_ns;
	if (d->nmsgs < SIP_MSGS_MAX) {
		struct sip_msg_ref *r = &d->msgs[d->nmsgs++];
		r->frame = s->frame;
		r->status = m->status;
		snprintf(r->method, sizeof(r->method), "%s", m->method);
	} else {
		d->msgs_dropped++;
	}
	bool invite = !strcmp(m->method, "INVITE");
	if (m->request) {
		d->requests++;
		if (invite) {
			if (!d->invite) {
				d->invite = true;
				d->invite_frame = s->frame;
				d->invite_ns = s->ts_ns;
			} else if (d->final_status >= 300) {
				d->final_status = 0; /* a new attempt (after 401/407, say) */
			}
		} else if (!strcmp(m->method, "CANCEL")) {
			d->cancel = true;
		} else if (!strcmp(m->method, "BYE") && !d->bye) {
			d->bye = true;
			d->bye_ns = s->ts_ns;
		}
	} else {
		d->responses++;
		if (invite && d->invite) {
			if ((m->status == 180 || m->status == 183) && d->ringing_ns < 0)
				d->ringing_ns = s->ts_ns - d->invite_ns;
			if (m->status >= 200 && !d->final_status) {
				d->final_status = m->status;
				d->final_frame = s->frame;
				d->final_ns = s->ts_ns;
				if (m->status < 300 && d->setup_ns < 0)
					d->setup_ns = s->ts_ns - d->invite_ns;
			}
		} else if (!invite && m->status >= 200 && !strcmp(m->method, d->method)) {
			d->other_final = m->status;
		}
	}
	if (m->sdp && m->body.left && k && k->media)
		sip_sdp_parse(m->body.p, m->body.left, s->frame, k->media, k->ctx);
}

/* ---- transport ------------------------------------------------------------------------ */

static void tcp_bytes(struct sip_conv *c, int dir, struct cursor *d, const struct app_seg *s,
                      const struct app_sink *k)
{
	struct sip_tcp_half *h = &c->tcp[dir];
	if (!h->buf) {
		h->buf = malloc(SIP_TCP_BUF);
		if (!h->buf)
			return;
	}
	while (d->left && !d->bad) {
		size_t room = SIP_TCP_BUF - h->n;
		size_t n = d->left < room ? d->left : room;
		cur_bytes(d, h->buf + h->n, n);
		h->n += (uint32_t)n;
		for (;;) {
			size_t lead = 0; /* keep-alive CRLFs (RFC 5626 4.4.1) */
			while (lead < h->n && (h->buf[lead] == '\r' || h->buf[lead] == '\n'))
				lead++;
			if (lead) {
				memmove(h->buf, h->buf + lead, h->n - lead);
				h->n -= (uint32_t)lead;
			}
			struct cursor all = cur_make(h->buf, h->n);
			/* the end of the head */
			size_t head = 0;
			for (size_t i = 3; i < h->n; i++) {
				if (h->buf[i] == '\n' && h->buf[i - 1] == '\r' && h->buf[i - 2] == '\n' &&
				    h->buf[i - 3] == '\r') {
					head = i + 1;
					break;
				}
			}
			if (!head) {
				if (h->n == SIP_TCP_BUF) {
					h->n = 0; /* a head this long is no SIP we read */
					h->lost = true;
					return;
				}
				break;
			}
			struct sip_msg m;
			if (!parse_msg(cur_make(h->buf, head), &m)) {
				h->n = 0;
				h->lost = true;
				c->bad_messages++;
				return;
			}
			size_t body = m.content_length > 0 ? (size_t)m.content_length : 0;
			if (head + body > SIP_TCP_BUF) {
				h->n = 0;
				h->lost = true;
				return;
			}
			if (head + body > h->n)
				break;
			cur_skip(&all, head);
			m.body = cur_sub(&all, body);
			on_message(c, &m, dir, s, k);
			memmove(h->buf, h->buf + head + body, h->n - head - body);
			h->n -= (uint32_t)(head + body);
		}
	}
}

struct sip_conv *sip_conv_new(void)
{
	return calloc(1, sizeof(struct sip_conv));
}

void sip_conv_free(struct sip_conv *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < c->nd; i++)
		free(c->d[i]);
	free(c->tcp[0].buf);
	free(c->tcp[1].buf);
	free(c);
}

void sip_conv_segment(struct sip_conv *c, const struct app_seg *s, int dir,
                      const struct app_sink *k)
{
	if ((dir != 0 && dir != 1) || !s->data || !s->caplen)
		return;
	if (s->proto == IPPROTO_NUM_UDP) {
		struct sip_msg m;
		if (parse_msg(cur_make(s->data, s->caplen), &m))
			on_message(c, &m, dir, s, k);
		else if (!(s->caplen <= 4 && (s->data[0] == '\r' || s->data[0] == '\n' || !s->data[0])))
			c->bad_messages++; /* keep-alives aside */
		return;
	}
	if (s->proto != IPPROTO_NUM_TCP)
		return;
	struct sip_tcp_half *h = &c->tcp[dir];
	if ((s->tcp_flags & TCP_SYN) && app_stream_syn(&h->st, s->seq))
		h->n = 0;
	struct app_span sp;
	if (!app_stream_take(&h->st, s->seq, s->tcp_flags, s->data, s->caplen, s->len, true, &sp))
		return;
	if (sp.gap) {
		h->n = 0;
		h->lost = true;
	}
	if (h->lost) {
		if (!sp.seg_start || !sip_is_start(sp.data.p, sp.data.left))
			return;
		h->lost = false;
	}
	tcp_bytes(c, dir, &sp.data, s, k);
	if (sp.tail_gap) {
		h->n = 0;
		h->lost = true;
	}
}

void sip_conv_end(struct sip_conv *c, int64_t now_ns, const struct app_sink *k)
{
	(void)now_ns;
	for (unsigned i = 0; i < c->nd; i++) {
		if (k && k->sip)
			k->sip(k->ctx, c->d[i]);
		free(c->d[i]);
	}
	c->nd = 0;
}

/* ---- the parser contract -------------------------------------------------------------- */

static enum app_detect sip_detect(const struct app_seg *s, int dir, bool stream_start)
{
	(void)dir;
	if (s->proto != IPPROTO_NUM_TCP && s->proto != IPPROTO_NUM_UDP)
		return APP_NEVER;
	if (!s->len || !s->caplen || !s->data)
		return APP_NOT_YET;
	if (sip_is_start(s->data, s->caplen))
		return APP_YES;
	bool port = s->sport == 5060 || s->dport == 5060;
	if (s->proto == IPPROTO_NUM_TCP)
		return stream_start ? APP_NEVER : APP_NOT_YET;
	return port ? APP_NOT_YET : APP_NEVER;
}

static void *sip_new(const struct app_seg *s)
{
	(void)s;
	return sip_conv_new();
}

static void sip_segment(void *conv, const struct app_seg *s, int dir, const struct app_sink *k)
{
	sip_conv_segment(conv, s, dir, k);
}

static void sip_end(void *conv, int64_t now_ns, const struct app_sink *k)
{
	sip_conv_end(conv, now_ns, k);
}

static void sip_free(void *conv)
{
	sip_conv_free(conv);
}

const struct app_parser app_sip_parser = {
    .name = "sip",
    .detect = sip_detect,
    .conv_new = sip_new,
    .conv_segment = sip_segment,
    .conv_end = sip_end,
    .conv_free = sip_free,
};
