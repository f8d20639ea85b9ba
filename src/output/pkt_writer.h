/* pkt_writer.h - write frames as pcap or pcapng (for Wireshark and tcpdump).
 *
 * pcap: nanosecond magic (0xa1b23c4d), one link type for the whole file.
 * pcapng: one SHB (with shb_userappl "vxscope"), one IDB per interface added (if_name,
 * if_description, if_tsresol = 9 i.e. nanoseconds), EPBs with an optional opt_comment.
 *
 * Every write is checked: the first failure (ENOSPC, EIO, ...) is returned as -errno and
 * remembered; later writes fail fast with the same error.  Data goes through a 1 MiB buffer
 * (or, write-behind, four of 512 KiB).  "-" writes standard output.
 */
#ifndef VXS_OUTPUT_PKT_WRITER_H
#define VXS_OUTPUT_PKT_WRITER_H

#include <stddef.h>
#include <stdint.h>

enum pkt_format {
	PKT_FORMAT_PCAP,
	PKT_FORMAT_PCAPNG,
};

struct pkt_writer;

/* Create path (truncating).  For pcap, linktype is the file's link type; for pcapng it is
 * ignored (each interface has its own).  0 or -errno; *out owned by the caller. */
int pkt_writer_open(struct pkt_writer **out, const char *path, enum pkt_format fmt, int linktype)
	__attribute__((warn_unused_result));

/* The same, with the write(2) calls made by wb's thread (write_behind.h): full buffers are
 * handed over and filling goes on.  Errors are returned as they become known (by a later
 * write, a flush or the close); pkt_writer_flush and pkt_writer_close wait for the thread. */
struct write_behind;
int pkt_writer_open_behind(struct pkt_writer **out, const char *path, enum pkt_format fmt,
			   int linktype, struct write_behind *wb) __attribute__((warn_unused_result));

/* pcapng: add an interface (IDB) and return its id in *ifid.  name and description may be
 * NULL.  pcap: only one link type exists; *ifid = 0 and -EINVAL if linktype differs. */
int pkt_writer_add_interface(struct pkt_writer *w, int linktype, const char *name,
			     const char *description, uint32_t *ifid)
	__attribute__((warn_unused_result));

/* Write one frame.  comment (pcapng only, may be NULL) becomes an opt_comment.
 * 0 or -errno. */
int pkt_writer_write(struct pkt_writer *w, uint32_t ifid, int64_t ts_ns, const uint8_t *data,
		     uint32_t caplen, uint32_t wirelen, const char *comment)
	__attribute__((warn_unused_result));

/* Write out the buffered bytes now; 0 or the first -errno seen. */
int pkt_writer_flush(struct pkt_writer *w) __attribute__((warn_unused_result));

/* Frames written so far. */
uint64_t pkt_writer_count(const struct pkt_writer *w);

/* Flush and close; 0 or the first -errno seen (the writer is freed either way). */
int pkt_writer_close(struct pkt_writer *w) __attribute__((warn_unused_result));

#endif
