/* pcap_file.c - the classic pcap file format (draft-ietf-opsawg-pcap, "PCAP Capture File
 * Format"), microsecond and nanosecond variants, either byte order.
 *
 *   File header (24 bytes)                      Record header (16 bytes), then caplen bytes
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |              magic 0xa1b2c3d4 (us) / 0xa1b23c4d (ns)          |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |        major version (2)      |       minor version (4)       |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                  reserved 1 (thiszone, ignored)               |
 *   |                  reserved 2 (sigfigs, ignored)                |
 *   |                            snaplen                            |
 *   | FCS |f|    reserved         |          link type            |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 *   record: timestamp seconds | microseconds or nanoseconds | captured length | original length
 *
 * Every field is in the byte order the magic shows.  Files older than version 2.3 may have
 * the two record lengths swapped; a record whose captured length exceeds its original
 * length is read the other way round there.  The timestamp is taken as seconds plus
 * fraction even when the fraction is out of range (tcpdump's timestamp_invalid_nano.pcap has
 * 1000000000 ns): ts_ns = sec * 1e9 + frac, which cannot overflow for 32-bit fields.
 */
#include "capture/capture_file.h"

#include <errno.h>
#include <stdio.h>

#define PCAP_FILE_HDR 24u
#define PCAP_REC_HDR  16u

int cf_pcap_open(struct capture_reader *r)
{
	enum capture_status st = cf_fill(r, PCAP_FILE_HDR);
	if (st == CAPTURE_IOERR)
		return -r->io_errno;
	if (st == CAPTURE_EOF) {
		snprintf(r->err, sizeof(r->err), "truncated pcap file header: %zu of %u bytes",
		         cf_avail(r), PCAP_FILE_HDR);
		return -EINVAL;
	}
	struct cursor c = cur_make(cf_peek(r), PCAP_FILE_HDR);
	cur_skip(&c, 4); /* magic */
	uint16_t major = cf_u16(&c, r->be);
	uint16_t minor = cf_u16(&c, r->be);
	cur_skip(&c, 8); /* thiszone, sigfigs: always 0 in practice, ignored by readers */
	r->snaplen = cf_u32(&c, r->be);
	uint32_t network = cf_u32(&c, r->be);
	if (major != 2) {
		/* 2.4 is current; 2.2 and 2.3 files read the same.  1.x predates the record
		 * header layout we parse. */
		snprintf(r->err, sizeof(r->err), "unsupported pcap version %u.%u", major, minor);
		return -EINVAL;
	}
	r->linktype = (int)(network & 0xffff);
	r->pcap_old_lens = minor < 3;
	cf_consume(r, PCAP_FILE_HDR);
	return 0;
}

enum capture_status cf_pcap_next(struct capture_reader *r, struct packet *p)
{
	uint64_t off = cf_offset(r);
	enum capture_status st = cf_fill(r, PCAP_REC_HDR);
	if (st == CAPTURE_EOF) {
		if (cf_avail(r) == 0)
			return CAPTURE_EOF;
		return cf_damaged(r, "truncated record header at offset %llu: %zu of %u bytes",
		                  (unsigned long long)off, cf_avail(r), PCAP_REC_HDR);
	}
	if (st != CAPTURE_FRAME)
		return st;

	struct cursor c = cur_make(cf_peek(r), PCAP_REC_HDR);
	uint32_t sec = cf_u32(&c, r->be);
	uint32_t frac = cf_u32(&c, r->be);
	uint32_t caplen = cf_u32(&c, r->be);
	uint32_t wirelen = cf_u32(&c, r->be);
	if (r->pcap_old_lens && caplen > wirelen) {
		/* Some writers of versions before 2.3 put the two lengths the other way round;
		 * libpcap and Wireshark swap them back when caplen > len, and so do we. */
		uint32_t t = caplen;
		caplen = wirelen;
		wirelen = t;
	}
	if (caplen > CAPTURE_MAX_FRAME)
		return cf_damaged(r,
		                  "pcap record at offset %llu: captured length %u exceeds the "
		                  "maximum %u",
		                  (unsigned long long)off, caplen, CAPTURE_MAX_FRAME);

	st = cf_fill(r, PCAP_REC_HDR + (size_t)caplen);
	if (st == CAPTURE_EOF)
		return cf_damaged(r,
		                  "truncated record at offset %llu: header says %u bytes, %zu "
		                  "left",
		                  (unsigned long long)off, caplen, cf_avail(r) - PCAP_REC_HDR);
	if (st != CAPTURE_FRAME)
		return st;

	p->ts_ns = (int64_t)sec * 1000000000 +
	           (r->fmt == CAPTURE_PCAP_NSEC ? (int64_t)frac : (int64_t)frac * 1000);
	p->caplen = caplen;
	/* A frame is never shorter on the wire than in the file. */
	p->wirelen = wirelen < caplen ? caplen : wirelen;
	p->linktype = r->linktype;
	p->ifindex = 0;
	p->data = cf_peek(r) + PCAP_REC_HDR;
	cf_consume(r, PCAP_REC_HDR + (size_t)caplen);
	/* Ask for the next record header and its frame's first headers now: they arrive from
	 * memory while this frame is processed instead of stalling the next call. */
	if (cf_avail(r) >= 192) {
		__builtin_prefetch(cf_peek(r));
		__builtin_prefetch(cf_peek(r) + 64);
		__builtin_prefetch(cf_peek(r) + 128);
	}
	return CAPTURE_FRAME;
}
