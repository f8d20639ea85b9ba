/* reader.c - capture files: open, format detection by magic, the chunked input buffer, and
 * dispatch to the pcap (pcap_file.c) and pcapng (pcapng_file.c) parsers.
 *
 * Formats: draft-ietf-opsawg-pcap (pcap) and draft-ietf-opsawg-pcapng (pcapng).  The first
 * four bytes of the file decide:
 *
 *   d4 c3 b2 a1   pcap, microseconds, little-endian     a1 b2 c3 d4   ... big-endian
 *   4d 3c b2 a1   pcap, nanoseconds, little-endian      a1 b2 3c 4d   ... big-endian
 *   0a 0d 0d 0a   pcapng (Section Header Block type; byte order comes from the SHB)
 */
#include "capture/capture_file.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void msg(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void msg(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	if (!buf || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

enum capture_status cf_damaged(struct capture_reader *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	r->stopped = true;
	r->stop = CAPTURE_DAMAGED;
	return CAPTURE_DAMAGED;
}

static enum capture_status ioerr(struct capture_reader *r, int err)
{
	r->io_errno = err;
	snprintf(r->err, sizeof(r->err), "read error at offset %llu: %s",
	         (unsigned long long)(r->base + r->end), strerror(err));
	r->stopped = true;
	r->stop = CAPTURE_IOERR;
	return CAPTURE_IOERR;
}

enum capture_status cf_fill(struct capture_reader *r, size_t need)
{
	if (r->end - r->start >= need)
		return CAPTURE_FRAME;
	if (r->eof)
		return CAPTURE_EOF;
	if (r->stopped && r->stop == CAPTURE_IOERR)
		return CAPTURE_IOERR;

	/* Keep reads large: move the unread tail (less than one record) to the front. */
	if (r->start) {
		memmove(r->own, r->own + r->start, r->end - r->start);
		r->base += r->start;
		r->end -= r->start;
		r->start = 0;
	}
	if (need > r->cap) {
		/* Callers bound need by one maximal record (PCAPNG_MAX_BLOCK). */
		size_t ncap = (need + 65535) & ~(size_t)65535;
		uint8_t *n = realloc(r->own, ncap);
		if (!n)
			return ioerr(r, ENOMEM);
		r->own = n;
		r->data = n;
		r->cap = ncap;
	}
	while (r->end < need) {
		ssize_t n = read(r->fd, r->own + r->end, r->cap - r->end);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return ioerr(r, errno);
		}
		if (n == 0) {
			r->eof = true;
			return CAPTURE_EOF;
		}
		r->end += (size_t)n;
	}
	return CAPTURE_FRAME;
}

enum capture_status cf_skip(struct capture_reader *r, uint64_t n)
{
	for (;;) {
		size_t have = cf_avail(r);
		if (n <= have) {
			r->start += (size_t)n;
			return CAPTURE_FRAME;
		}
		r->start = r->end;
		n -= have;
		enum capture_status st = cf_fill(r, 1);
		if (st != CAPTURE_FRAME)
			return st;
	}
}

/* A mapped file that shrinks under the reader (truncated by another process) makes the next
 * access to a vanished page raise SIGBUS.  That is damage from outside, not a bug: say so and
 * exit with the status for unreadable input (2) rather than dump core.  Installed only over
 * the default disposition, so a program that handles SIGBUS itself keeps its handler. */
static void on_sigbus(int sig)
{
	static const char m[] = "vxscope: a capture file shrank while it was being read "
	                        "(truncated by another process); stopping\n";
	(void)sig;
	ssize_t n = write(STDERR_FILENO, m, sizeof(m) - 1);
	(void)n;
	_exit(2);
}

static void sigbus_guard(void)
{
	static bool done;
	if (done)
		return;
	done = true;
	struct sigaction old, sa;
	if (sigaction(SIGBUS, NULL, &old) || old.sa_handler != SIG_DFL)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGBUS, &sa, NULL);
}

/* Map a regular file whole: the parsers then read it in place as a memory buffer, without
 * read(2) copying every byte out of the page cache.  False (nothing changed) when it cannot
 * be mapped; the caller reads it instead. */
static bool map_file(struct capture_reader *r)
{
	if (r->size == 0 || r->size > SIZE_MAX)
		return false;
	void *m = mmap(NULL, (size_t)r->size, PROT_READ, MAP_PRIVATE, r->fd, 0);
	if (m == MAP_FAILED)
		return false;
	(void)madvise(m, (size_t)r->size, MADV_SEQUENTIAL);
	sigbus_guard();
	r->map = m;
	r->map_len = (size_t)r->size;
	r->data = m;
	r->cap = r->end = r->map_len;
	r->eof = true;
	return true;
}

/* Give back the mapped pages the reader has passed (the frame handed out before this call is
 * no longer valid), so the mapping's resident size stays near CF_DROP.  Advice only: when
 * the kernel refuses, the pages stay until the unmap. */
static void map_drop(struct capture_reader *r)
{
	if (r->start - r->dropped < CF_DROP)
		return;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t upto = r->start & ~(pg - 1);
	if (upto > r->dropped) {
		(void)madvise((uint8_t *)r->map + r->dropped, upto - r->dropped, MADV_DONTNEED);
		r->dropped = upto;
	}
}

static struct capture_reader *reader_new(void)
{
	struct capture_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->fd = -1;
	r->linktype = -1;
	return r;
}

/* The first four bytes pick the parser; the parser reads the file header. */
static int detect(struct capture_reader *r, char *errbuf, size_t errlen)
{
	enum capture_status st = cf_fill(r, 4);
	if (st == CAPTURE_IOERR) {
		msg(errbuf, errlen, "%s", r->err);
		return -r->io_errno;
	}
	if (st == CAPTURE_EOF) {
		if (cf_avail(r))
			msg(errbuf, errlen, "not a pcap or pcapng file: only %zu bytes",
			    cf_avail(r));
		else
			msg(errbuf, errlen, "not a pcap or pcapng file: empty");
		return -EINVAL;
	}
	struct cursor c = cur_make(cf_peek(r), 4);
	uint32_t magic = cur_be32(&c);
	int rc;
	switch (magic) {
	case 0xa1b2c3d4:
	case 0xd4c3b2a1:
		r->fmt = CAPTURE_PCAP;
		r->be = magic == 0xa1b2c3d4;
		rc = cf_pcap_open(r);
		break;
	case 0xa1b23c4d:
	case 0x4d3cb2a1:
		r->fmt = CAPTURE_PCAP_NSEC;
		r->be = magic == 0xa1b23c4d;
		rc = cf_pcap_open(r);
		break;
	case 0x0a0d0d0a:
		r->fmt = CAPTURE_PCAPNG;
		rc = cf_pcapng_open(r);
		break;
	default:
		msg(errbuf, errlen, "not a pcap or pcapng file: magic 0x%08x%s", magic,
		    (magic >> 16) == 0x1f8b ? " (gzip: decompress it first)" : "");
		return -EINVAL;
	}
	if (rc)
		msg(errbuf, errlen, "%s", r->err);
	/* Damage after the file header is reported by capture_next(), after the frames
	 * before it. */
	return rc;
}

int capture_open(struct capture_reader **out, const char *path, char *errbuf, size_t errlen)
{
	*out = NULL;
	msg(errbuf, errlen, "%s", "");
	struct capture_reader *r = reader_new();
	if (!r) {
		msg(errbuf, errlen, "out of memory");
		return -ENOMEM;
	}
	int rc;
	if (strcmp(path, "-") == 0) {
		r->fd = STDIN_FILENO;
	} else {
		r->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (r->fd < 0) {
			rc = -errno;
			msg(errbuf, errlen, "cannot open %s: %s", path, strerror(-rc));
			goto fail;
		}
		r->close_fd = true;
	}
	struct stat sb;
	if (fstat(r->fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
		r->size = (uint64_t)sb.st_size;
		(void)posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	}
	if (!(r->size && map_file(r))) {
		r->cap = CF_CHUNK;
		r->own = malloc(r->cap);
		if (!r->own) {
			rc = -ENOMEM;
			msg(errbuf, errlen, "out of memory");
			goto fail;
		}
		r->data = r->own;
	}
	rc = detect(r, errbuf, errlen);
	if (rc)
		goto fail;
	*out = r;
	return 0;
fail:
	capture_close(r);
	return rc;
}

int capture_open_buffer(struct capture_reader **out, const uint8_t *data, size_t len, char *errbuf,
                        size_t errlen)
{
	*out = NULL;
	msg(errbuf, errlen, "%s", "");
	struct capture_reader *r = reader_new();
	if (!r) {
		msg(errbuf, errlen, "out of memory");
		return -ENOMEM;
	}
	r->data = data;
	r->end = len;
	r->cap = len;
	r->eof = true;
	r->size = len;
	int rc = detect(r, errbuf, errlen);
	if (rc) {
		capture_close(r);
		return rc;
	}
	*out = r;
	return 0;
}

enum capture_status capture_next(struct capture_reader *r, struct packet *p)
{
	if (r->stopped)
		return r->stop;
	if (r->map)
		map_drop(r);
	enum capture_status st =
	    r->fmt == CAPTURE_PCAPNG ? cf_pcapng_next(r, p) : cf_pcap_next(r, p);
	if (st == CAPTURE_FRAME) {
		p->frame = ++r->frames;
		return st;
	}
	r->stopped = true;
	r->stop = st;
	return st;
}

const char *capture_error(const struct capture_reader *r)
{
	return r->err;
}

enum capture_format capture_format(const struct capture_reader *r)
{
	return r->fmt;
}

int capture_linktype(const struct capture_reader *r)
{
	return r->linktype;
}

unsigned capture_interfaces(const struct capture_reader *r)
{
	return r->fmt == CAPTURE_PCAPNG ? r->if_base + r->nifs : 1;
}

uint64_t capture_offset(const struct capture_reader *r)
{
	return cf_offset(r);
}

uint64_t capture_size(const struct capture_reader *r)
{
	return r->size;
}

void capture_close(struct capture_reader *r)
{
	if (!r)
		return;
	if (r->map)
		munmap(r->map, r->map_len);
	if (r->close_fd)
		close(r->fd);
	free(r->own);
	free(r->ifs);
	free(r);
}
