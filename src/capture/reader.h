/* reader.h - read pcap and pcapng capture files, frame by frame.
 *
 * Formats: pcap (microsecond 0xa1b2c3d4 and nanosecond 0xa1b23c4d magic, either byte order)
 * and pcapng (several sections and interfaces, per-interface if_tsresol and if_tsoffset,
 * EPB, SPB, OPB; every other block skipped).  Link types: see LINKTYPE_* in
 * decode/packet.h; others are returned as they are (the decoder names them unknown).
 *
 * Speed and memory: a regular file is mapped and read in place (its size when opened: bytes
 * appended later are not read; a truncation while reading stops the process with exit status
 * 2); a pipe or "-" (standard input) is read in large chunks into one buffer of bounded size.
 * No syscall or copy per frame; frames stay valid until the next capture_next() call.
 *
 * Damage: capture_next() returns the frames it can; at the first record it cannot trust it
 * returns CAPTURE_DAMAGED with capture_error() saying where (byte offset) and why.
 */
#ifndef VXS_CAPTURE_READER_H
#define VXS_CAPTURE_READER_H

#include <stddef.h>
#include <stdint.h>

#include "decode/packet.h"

#define CAPTURE_MAX_FRAME (256u * 1024u) /* largest record accepted (libpcap's max snaplen) */

enum capture_format {
	CAPTURE_PCAP,
	CAPTURE_PCAP_NSEC,
	CAPTURE_PCAPNG,
};

enum capture_status {
	CAPTURE_FRAME = 1,    /* p filled */
	CAPTURE_EOF = 0,      /* clean end of file */
	CAPTURE_DAMAGED = -1, /* stopped at damage: see capture_error() */
	CAPTURE_IOERR = -2,   /* read(2) failed: see capture_error() */
};

struct capture_reader;

/* Open path ("-" = stdin) and read its file header.  0, or -errno / -EINVAL (not a capture
 * file) with a message in errbuf ("not a pcap or pcapng file: magic 0x...").
 * On success *out is owned by the caller: capture_close() it. */
int capture_open(struct capture_reader **out, const char *path, char *errbuf, size_t errlen)
	__attribute__((warn_unused_result));

/* Next frame: fills p->frame (1-based, Wireshark's numbering: pcapng blocks tshark shows as
 * frames, such as custom and journal blocks, take a number too), ts_ns, caplen, wirelen,
 * linktype, ifindex, data.  Does not touch other fields.  p->data stays valid until the next
 * call. */
enum capture_status capture_next(struct capture_reader *r, struct packet *p);

/* What stopped the reader, with the byte offset: "truncated record at offset 1234: header
 * says 1514 bytes, 300 left".  Empty string when nothing did. */
const char *capture_error(const struct capture_reader *r);

enum capture_format capture_format(const struct capture_reader *r);
/* Link type of the first interface (pcap: the file's); -1 for a pcapng without an interface
 * block yet. */
int capture_linktype(const struct capture_reader *r);
/* Number of pcapng interfaces seen so far (pcap: 1). */
unsigned capture_interfaces(const struct capture_reader *r);
/* Bytes consumed so far, and total file size (0 when unknown, e.g. a pipe): for progress. */
uint64_t capture_offset(const struct capture_reader *r);
uint64_t capture_size(const struct capture_reader *r);

void capture_close(struct capture_reader *r);

/* Read a capture held in memory (for fuzzing and tests), exactly as capture_open() reads a
 * file with these bytes.  data is not copied: it must stay valid and unchanged until
 * capture_close(), and frames point into it.  0 or -EINVAL (not a capture file) with a
 * message in errbuf; *out owned by the caller. */
int capture_open_buffer(struct capture_reader **out, const uint8_t *data, size_t len,
			char *errbuf, size_t errlen) __attribute__((warn_unused_result));

#endif
