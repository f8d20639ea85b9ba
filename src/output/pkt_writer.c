/* pkt_writer.c - write frames as pcap (nanosecond) or pcapng, for Wireshark and tcpdump.
 *
 * Formats: draft-ietf-opsawg-pcap and draft-ietf-opsawg-pcapng, in host byte order (the
 * magic / byte-order magic tells readers which).
 *
 *   pcap:   file header  a1b23c4d | 2 | 4 | 0 | 0 | snaplen 262144 | link type
 *           record       seconds | nanoseconds | caplen | wirelen | data
 *   pcapng: SHB  0a0d0d0a | len | 1a2b3c4d | 1 | 0 | -1 | shb_userappl "vxscope" | end | len
 *           IDB  1 | len | link type | 0 | snaplen | if_name | if_description |
 *                if_tsresol 9 | end | len
 *           EPB  6 | len | ifid | ts high | ts low | caplen | wirelen | data, padded |
 *                opt_comment | end | len
 *
 * Options: code (16), length (16), value padded to 32 bits; the list ends with opt_endofopt.
 * Output goes through our own buffer and write(2); the first failure is kept in w->err and
 * returned from then on (a writer that silently drops frames is worse than one that stops).
 * With a write_behind, full buffers are written by its thread while the next one is filled.
 */
#include "output/pkt_writer.h"

#include "output/write_behind.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PW_BUF     (1u << 20) /* a synchronous writer's buffer */
#define PW_NBUF    4          /* a write-behind writer's buffers ... */
#define PW_ABUF    (512u << 10) /* ... of this size: one is filled while the others are written */
#define PW_SNAPLEN 262144u
#define PW_MAX_OPT 65532u /* longest option value we write: 16-bit length, padded */

#define PCAPNG_SHB         0x0a0d0d0au
#define PCAPNG_IDB         1u
#define PCAPNG_EPB         6u
#define OPT_ENDOFOPT       0
#define OPT_COMMENT        1
#define OPT_SHB_USERAPPL   4
#define OPT_IF_NAME        2
#define OPT_IF_DESCRIPTION 3
#define OPT_IF_TSRESOL     9

struct pkt_writer {
	int fd;
	bool close_fd; /* false for stdout */
	enum pkt_format fmt;
	int linktype;  /* pcap */
	uint32_t nifs; /* pcapng IDBs written */
	uint64_t count;
	int err;    /* first -errno, sticky */
	uint8_t *buf; /* the buffer being filled */
	size_t cap;   /* its size */
	size_t len;   /* bytes in buf */
	uint8_t *bufs[PW_NBUF]; /* bufs[0] only, unless written behind */
	/* Write-behind (wb != NULL): buffers go to wb's thread in turn; bufs[cur] is filled. */
	struct write_behind *wb;
	struct wb_stream stream;
	struct wb_job jobs[PW_NBUF];
	unsigned cur;
};

static int write_all(struct pkt_writer *w, const uint8_t *p, size_t n)
{
	if (w->wb) {
		/* Past the queue: only after everything queued is written. */
		int r = wb_stream_drain(w->wb, &w->stream);
		if (r) {
			w->err = r;
			return r;
		}
	}
	while (n) {
		ssize_t k = write(w->fd, p, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			w->err = -errno;
			return w->err;
		}
		if (k == 0) {
			w->err = -EIO;
			return w->err;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Hand the buffer to the writer thread and take the next one, once its last write is done. */
static int flush_behind(struct pkt_writer *w)
{
	if (w->len) {
		struct wb_job *j = &w->jobs[w->cur];
		j->stream = &w->stream;
		j->data = w->buf;
		j->len = w->len;
		wb_submit(w->wb, j);
		w->cur = (w->cur + 1) % PW_NBUF;
		w->buf = w->bufs[w->cur];
		w->len = 0;
	}
	int r = wb_job_wait(w->wb, &w->jobs[w->cur]);
	if (r)
		w->err = r;
	return r;
}

static int flush(struct pkt_writer *w)
{
	if (w->err)
		return w->err;
	if (w->wb)
		return flush_behind(w);
	size_t n = w->len;
	w->len = 0;
	return write_all(w, w->buf, n);
}

/* Make n contiguous bytes free in the buffer: false on a write error or when n is larger
 * than the buffer. */
static bool reserve(struct pkt_writer *w, size_t n)
{
	if (n <= w->cap - w->len)
		return true;
	if (flush(w))
		return false;
	return n <= w->cap;
}

/* Append bytes; a write failure is remembered in w->err and checked by the callers. */
static void put(struct pkt_writer *w, const void *p, size_t n)
{
	if (w->err || n == 0)
		return;
	if (n > w->cap - w->len) {
		if (flush(w))
			return;
		if (n >= w->cap) {
			write_all(w, p, n);
			return;
		}
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void put16(struct pkt_writer *w, uint16_t v)
{
	put(w, &v, sizeof(v));
}

static void put32(struct pkt_writer *w, uint32_t v)
{
	put(w, &v, sizeof(v));
}

static void put_pad(struct pkt_writer *w, size_t n)
{
	static const uint8_t zero[4];
	put(w, zero, (4 - n % 4) % 4);
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* Length of a string option value: cut to what a 16-bit option length can hold, at a UTF-8
 * character boundary. */
static size_t opt_strlen(const char *s)
{
	size_t n = strlen(s);
	if (n <= PW_MAX_OPT)
		return n;
	n = PW_MAX_OPT;
	while (n && ((uint8_t)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/* Bytes an option takes on disk (header + padded value). */
static size_t opt_size(size_t vlen)
{
	return 4 + pad4(vlen);
}

static void put_opt(struct pkt_writer *w, uint16_t code, const void *v, size_t vlen)
{
	put16(w, code);
	put16(w, (uint16_t)vlen);
	put(w, v, vlen);
	put_pad(w, vlen);
}

static void put_endofopt(struct pkt_writer *w)
{
	put16(w, OPT_ENDOFOPT);
	put16(w, 0);
}

static void write_pcap_header(struct pkt_writer *w)
{
	put32(w, 0xa1b23c4d);
	put16(w, 2);
	put16(w, 4);
	put32(w, 0); /* reserved (thiszone) */
	put32(w, 0); /* reserved (sigfigs) */
	put32(w, PW_SNAPLEN);
	put32(w, (uint32_t)w->linktype);
}

static void write_shb(struct pkt_writer *w)
{
	static const char appl[] = "vxscope";
	size_t alen = sizeof(appl) - 1;
	uint32_t blen = (uint32_t)(28 + opt_size(alen) + 4);
	put32(w, PCAPNG_SHB);
	put32(w, blen);
	put32(w, 0x1a2b3c4d);
	put16(w, 1);
	put16(w, 0);
	put32(w, 0xffffffff); /* section length: not given */
	put32(w, 0xffffffff);
	put_opt(w, OPT_SHB_USERAPPL, appl, alen);
	put_endofopt(w);
	put32(w, blen);
}

static void free_writer(struct pkt_writer *w)
{
	for (unsigned i = 0; i < PW_NBUF; i++)
		free(w->bufs[i]);
	free(w);
}

int pkt_writer_open_behind(struct pkt_writer **out, const char *path, enum pkt_format fmt,
			   int linktype, struct write_behind *wb)
{
	*out = NULL;
	if (fmt != PKT_FORMAT_PCAP && fmt != PKT_FORMAT_PCAPNG)
		return -EINVAL;
	if (fmt == PKT_FORMAT_PCAP && (linktype < 0 || linktype > 0xffff))
		return -EINVAL;
	struct pkt_writer *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->fmt = fmt;
	w->linktype = linktype;
	w->wb = wb;
	w->cap = wb ? PW_ABUF : PW_BUF;
	for (unsigned i = 0; i < (wb ? PW_NBUF : 1); i++) {
		w->jobs[i].done = true; /* free to fill */
		if (!(w->bufs[i] = malloc(w->cap))) {
			free_writer(w);
			return -ENOMEM;
		}
	}
	w->buf = w->bufs[0];
	if (strcmp(path, "-") == 0) {
		w->fd = STDOUT_FILENO;
	} else {
		w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (w->fd < 0) {
			int rc = -errno;
			free_writer(w);
			return rc;
		}
		w->close_fd = true;
	}
	w->stream.fd = w->fd;
	if (fmt == PKT_FORMAT_PCAP)
		write_pcap_header(w);
	else
		write_shb(w);
	*out = w;
	return 0;
}

int pkt_writer_open(struct pkt_writer **out, const char *path, enum pkt_format fmt, int linktype)
{
	return pkt_writer_open_behind(out, path, fmt, linktype, NULL);
}

int pkt_writer_add_interface(struct pkt_writer *w, int linktype, const char *name,
                             const char *description, uint32_t *ifid)
{
	*ifid = 0;
	if (w->err)
		return w->err;
	if (linktype < 0 || linktype > 0xffff)
		return -EINVAL;
	if (w->fmt == PKT_FORMAT_PCAP)
		return linktype == w->linktype ? 0 : -EINVAL;

	static const uint8_t tsresol = 9; /* 10^-9: nanoseconds */
	size_t nlen = name ? opt_strlen(name) : 0;
	size_t dlen = description ? opt_strlen(description) : 0;
	size_t blen = 16 + (name ? opt_size(nlen) : 0) + (description ? opt_size(dlen) : 0) +
	              opt_size(1) + 4 + 4;
	put32(w, PCAPNG_IDB);
	put32(w, (uint32_t)blen);
	put16(w, (uint16_t)linktype);
	put16(w, 0);
	put32(w, PW_SNAPLEN);
	if (name)
		put_opt(w, OPT_IF_NAME, name, nlen);
	if (description)
		put_opt(w, OPT_IF_DESCRIPTION, description, dlen);
	put_opt(w, OPT_IF_TSRESOL, &tsresol, 1);
	put_endofopt(w);
	put32(w, (uint32_t)blen);
	if (w->err)
		return w->err;
	*ifid = w->nifs++;
	return 0;
}

int pkt_writer_write(struct pkt_writer *w, uint32_t ifid, int64_t ts_ns, const uint8_t *data,
                     uint32_t caplen, uint32_t wirelen, const char *comment)
{
	if (w->err)
		return w->err;
	if (caplen > PW_SNAPLEN)
		return -EINVAL;
	if (ts_ns < 0)
		return -ERANGE; /* both formats count unsigned time since 1970 */
	if (wirelen < caplen)
		wirelen = caplen; /* never shorter on the wire than captured (as the reader) */

	if (w->fmt == PKT_FORMAT_PCAP) {
		if (ifid != 0)
			return -EINVAL;
		uint64_t sec = (uint64_t)ts_ns / 1000000000;
		if (sec > UINT32_MAX)
			return -ERANGE;
		put32(w, (uint32_t)sec);
		put32(w, (uint32_t)((uint64_t)ts_ns % 1000000000));
		put32(w, caplen);
		put32(w, wirelen);
		put(w, data, caplen);
	} else {
		if (ifid >= w->nifs)
			return -EINVAL;
		if (comment && !*comment)
			comment = NULL; /* no empty opt_comment */
		uint64_t ts = (uint64_t)ts_ns;
		if (!comment) {
			/* The common case in one piece: header, data, padding, trailer. */
			uint32_t blen = (uint32_t)(28 + pad4(caplen) + 4);
			if (reserve(w, blen)) {
				uint8_t *p = w->buf + w->len;
				uint32_t h[7] = {PCAPNG_EPB,   blen,   ifid,   (uint32_t)(ts >> 32),
						 (uint32_t)ts, caplen, wirelen};
				memcpy(p, h, sizeof(h));
				memcpy(p + 28, data, caplen);
				memset(p + 28 + caplen, 0, pad4(caplen) - caplen);
				memcpy(p + blen - 4, &blen, 4);
				w->len += blen;
				w->count++;
				return 0;
			}
			if (w->err)
				return w->err;
			/* larger than the buffer: piece by piece below */
		}
		size_t clen = comment ? opt_strlen(comment) : 0;
		size_t blen = 28 + pad4(caplen) + (comment ? opt_size(clen) + 4 : 0) + 4;
		put32(w, PCAPNG_EPB);
		put32(w, (uint32_t)blen);
		put32(w, ifid);
		put32(w, (uint32_t)(ts >> 32));
		put32(w, (uint32_t)ts);
		put32(w, caplen);
		put32(w, wirelen);
		put(w, data, caplen);
		put_pad(w, caplen);
		if (comment) {
			put_opt(w, OPT_COMMENT, comment, clen);
			put_endofopt(w);
		}
		put32(w, (uint32_t)blen);
	}
	if (w->err)
		return w->err;
	w->count++;
	return 0;
}

int pkt_writer_flush(struct pkt_writer *w)
{
	int r = flush(w);
	if (!r && w->wb) {
		r = wb_stream_drain(w->wb, &w->stream);
		if (r)
			w->err = r;
	}
	return r;
}

uint64_t pkt_writer_count(const struct pkt_writer *w)
{
	return w->count;
}

int pkt_writer_close(struct pkt_writer *w)
{
	if (!w)
		return 0;
	int rc = flush(w);
	if (w->wb) {
		int r = wb_stream_drain(w->wb, &w->stream); /* also after a failure: jobs in flight */
		if (!rc)
			rc = r;
	}
	if (w->close_fd && close(w->fd) != 0 && !rc)
		rc = -errno;
	free_writer(w);
	return rc;
}
