/* capture_file.h - private to reader.c, pcap_file.c and pcapng_file.c: the reader state and
 * the chunked input buffer the two format parsers share.
 *
 * The buffer: one allocation of CF_CHUNK bytes (grown only if a single record needs more),
 * filled by read(2) as far as it goes.  [start, end) holds unread bytes; a parser asks
 * cf_fill() for the bytes of one whole record, reads them in place through a cursor, points
 * the frame at them and consumes them.  cf_fill() may move the unread bytes to the front of
 * the buffer, which is why a frame stays valid only until the next capture_next().  For
 * capture_open_buffer() the caller's memory is the buffer and nothing is ever copied, and a
 * regular file is mapped whole (mmap, MADV_SEQUENTIAL) and read the same way: no copy out of
 * the page cache; the pages behind the reader are dropped every CF_DROP bytes so the mapping
 * does not add the file's size to the resident set.
 */
#ifndef VXS_CAPTURE_CAPTURE_FILE_H
#define VXS_CAPTURE_CAPTURE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/cursor.h"
#include "capture/reader.h"

#define CF_CHUNK   (1u << 20) /* read(2) size and the buffer's usual size */
#define CF_DROP    (4u << 20)  /* mapped bytes read before they are given back */
#define CF_ERR_LEN 256

/* pcapng: a block we parse in memory (IDB, EPB, SPB, OPB) may hold at most a maximal frame
 * plus this much in headers and options; longer ones are damage.  Other blocks are skipped
 * without being held, whatever their length. */
#define PCAPNG_MAX_OPTIONS    (128u * 1024u)
#define PCAPNG_MAX_BLOCK      (CAPTURE_MAX_FRAME + PCAPNG_MAX_OPTIONS + 32u)
#define PCAPNG_MAX_INTERFACES 65536u /* per section */

struct cf_iface {
	int linktype;
	uint32_t snaplen;  /* 0 = no limit */
	uint64_t mul, div; /* ns = units * mul / div (if_tsresol) */
	int64_t offset_s;  /* if_tsoffset */
};

struct capture_reader {
	/* --- input --- */
	int fd;              /* -1 for a memory buffer */
	bool close_fd;       /* false for stdin and memory */
	bool eof;            /* read(2) said end of input (always true for memory) */
	const uint8_t *data; /* the buffer: own, or the caller's memory */
	uint8_t *own;        /* allocated buffer, NULL for memory */
	size_t cap;          /* bytes allocated in own */
	size_t start, end;   /* unread bytes are data[start, end) */
	uint64_t base;       /* file offset of data[0] */
	uint64_t size;       /* file size, 0 when unknown */
	void *map;           /* a regular file mapped whole (data == map), or NULL */
	size_t map_len;
	size_t dropped;      /* map[0, dropped) has been given back (MADV_DONTNEED) */

	/* --- state --- */
	enum capture_format fmt;
	bool be;            /* pcap file / current pcapng section is big-endian */
	int linktype;       /* pcap: the file's; pcapng: the first IDB's, -1 before it */
	uint32_t snaplen;   /* pcap header */
	bool pcap_old_lens; /* pcap before 2.3: caplen and len may be swapped */
	uint64_t frames;    /* frame numbers given out (Wireshark numbering) */
	bool stopped;       /* stop is final and sticky */
	int io_errno;       /* errno of the read(2) that failed */
	enum capture_status stop;
	char err[CF_ERR_LEN];

	/* --- pcapng --- */
	struct cf_iface *ifs; /* interfaces of the current section */
	unsigned nifs, ifs_cap;
	unsigned if_base;   /* interfaces in earlier sections (ifindex is file-wide) */
	int64_t last_ts_ns; /* for SPBs, which carry no timestamp */
};

/* Make `need` bytes readable at cf_peek().  CAPTURE_FRAME when they are; CAPTURE_EOF when the
 * input ended first (cf_avail() says how many there are); CAPTURE_IOERR with r->err set.
 * Invalidates pointers previously taken into the buffer. */
enum capture_status cf_fill(struct capture_reader *r, size_t need);

/* Drop n bytes, reading through the input as needed (for blocks we skip, whatever their
 * size).  CAPTURE_FRAME, CAPTURE_EOF (input ended: everything there was is consumed) or
 * CAPTURE_IOERR. */
enum capture_status cf_skip(struct capture_reader *r, uint64_t n);

/* Stop at damage: the message (which names the byte offset and the reason) goes to r->err;
 * returns CAPTURE_DAMAGED. */
enum capture_status cf_damaged(struct capture_reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static inline size_t cf_avail(const struct capture_reader *r)
{
	return r->end - r->start;
}

static inline const uint8_t *cf_peek(const struct capture_reader *r)
{
	return r->data + r->start;
}

static inline void cf_consume(struct capture_reader *r, size_t n)
{
	r->start += n;
}

static inline uint64_t cf_offset(const struct capture_reader *r)
{
	return r->base + r->start;
}

/* Read in the byte order of the file or section. */
static inline uint16_t cf_u16(struct cursor *c, bool be)
{
	return be ? cur_be16(c) : cur_le16(c);
}

static inline uint32_t cf_u32(struct cursor *c, bool be)
{
	return be ? cur_be32(c) : cur_le32(c);
}

static inline uint64_t cf_u64(struct cursor *c, bool be)
{
	uint64_t a = cf_u32(c, be);
	uint64_t b = cf_u32(c, be);
	return be ? a << 32 | b : b << 32 | a;
}

/* Format parsers.  *_open: the magic has been seen (4 bytes available); parse the file
 * header.  0, or -EINVAL with the reason in r->err.  *_next: one frame (p != NULL). */
int cf_pcap_open(struct capture_reader *r);
enum capture_status cf_pcap_next(struct capture_reader *r, struct packet *p);
int cf_pcapng_open(struct capture_reader *r);
enum capture_status cf_pcapng_next(struct capture_reader *r, struct packet *p);

#endif
