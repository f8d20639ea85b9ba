/* pcapng_file.c - the pcapng capture file format (draft-ietf-opsawg-pcapng): sections,
 * interfaces, and the packet blocks EPB, SPB and the obsolete OPB; every other block is
 * skipped by its length.
 *
 *   Every block                              Section Header Block (type 0x0a0d0d0a)
 *   +---------------------------------+      +---------------------------------+
 *   |         block type (32)         |      | type | length | byte-order magic |
 *   |     block total length (32)     |      |   0x1a2b3c4d in the writer's order |
 *   /     body, padded to 32 bits     /      | major (16) = 1  |  minor (16)    |
 *   |     block total length (32)     |      |  section length (64), -1 unknown |
 *   +---------------------------------+      /  options                         /
 *
 *   Interface Description Block (1)          Enhanced Packet Block (6)
 *   | link type (16) | reserved (16)  |      | interface id (32)               |
 *   | snaplen (32)                    |      | timestamp high (32) | low (32)  |
 *   / options: if_tsresol (9),        /      | captured len (32) | orig len (32)|
 *   /          if_tsoffset (14) ...   /      / packet data, padded; options    /
 *
 *   Simple Packet Block (3)                  Packet Block (2, obsolete)
 *   | original len (32)               |      | interface id (16) | drops (16)  |
 *   / packet data, padded             /      | timestamp high | low | caplen | len |
 *
 * Options are code (16), length (16), value padded to 32 bits, ended by code 0.  Numbers
 * are in the byte order of their section's SHB; each SHB starts a new section with its own
 * interfaces (our ifindex counts interfaces across the whole file).  Timestamps count units
 * of if_tsresol (10^-n, or 2^-n with the high bit; default 10^-6) since if_tsoffset seconds.
 *
 * Where Wireshark 4.0 reads differently: an SPB has no time, and we give it the previous
 * packet's (Wireshark none); an SPB cut by snaplen is read, not rejected; custom blocks and
 * systemd journal blocks are frames to Wireshark: we skip them but count them in the frame
 * numbers, so p->frame is Wireshark's frame.number.
 */
#include "capture/capture_file.h"

#include <errno.h>
#include <stdlib.h>

#define BT_SHB          0x0a0d0d0au
#define BT_IDB          1u
#define BT_OPB          2u
#define BT_SPB          3u
#define BT_EPB          6u
#define BT_SJE          9u          /* systemd journal export */
#define BT_CB           0x00000badu /* custom block, may be copied */
#define BT_DCB          0x40000badu /* custom block, do not copy */
#define PCAPNG_BOM      0x1a2b3c4du
#define OPT_ENDOFOPT    0
#define OPT_IF_TSRESOL  9
#define OPT_IF_TSOFFSET 14

typedef unsigned long long ull; /* for printf */

/* Internal helpers return CAPTURE_FRAME for "done, go on". */
#define CF_OK CAPTURE_FRAME

static enum capture_status truncated(struct capture_reader *r, uint64_t off, uint32_t blen)
{
	/* Whatever was consumed of the block, plus what is still buffered, is what was left. */
	return cf_damaged(r,
	                  "truncated pcapng block at offset %llu: header says %u bytes, %llu "
	                  "left",
	                  (ull)off, blen, (ull)(cf_offset(r) - off + cf_avail(r)));
}

static enum capture_status check_len(struct capture_reader *r, uint64_t off, uint32_t blen)
{
	if (blen % 4)
		return cf_damaged(r,
		                  "pcapng block at offset %llu: length %u is not a multiple of 4",
		                  (ull)off, blen);
	if (blen < 12)
		return cf_damaged(r, "pcapng block at offset %llu: length %u is less than 12",
		                  (ull)off, blen);
	return CF_OK;
}

static enum capture_status check_trailer(struct capture_reader *r, uint64_t off, uint32_t blen,
                                         const uint8_t *trailer)
{
	struct cursor c = cur_make(trailer, 4);
	uint32_t t = cf_u32(&c, r->be);
	if (t != blen)
		return cf_damaged(r,
		                  "pcapng block at offset %llu: trailing length %u differs from "
		                  "the leading %u",
		                  (ull)off, t, blen);
	return CF_OK;
}

/* Skip a block from its first byte, without holding it; check its trailing length. */
static enum capture_status skip_block(struct capture_reader *r, uint64_t off, uint32_t blen)
{
	enum capture_status st = cf_skip(r, blen - 4);
	if (st == CF_OK)
		st = cf_fill(r, 4);
	if (st == CAPTURE_EOF)
		return truncated(r, off, blen);
	if (st != CF_OK)
		return st;
	st = check_trailer(r, off, blen, cf_peek(r));
	if (st == CF_OK)
		cf_consume(r, 4);
	return st;
}

/* Bring a whole block into the buffer (not consumed) and check its trailing length. */
static enum capture_status hold_block(struct capture_reader *r, uint64_t off, uint32_t type,
                                      uint32_t blen)
{
	if (blen > PCAPNG_MAX_BLOCK)
		return cf_damaged(r,
		                  "pcapng block at offset %llu: length %u of a type %u block "
		                  "exceeds the maximum %u",
		                  (ull)off, blen, type, PCAPNG_MAX_BLOCK);
	enum capture_status st = cf_fill(r, blen);
	if (st == CAPTURE_EOF)
		return truncated(r, off, blen);
	if (st != CF_OK)
		return st;
	return check_trailer(r, off, blen, cf_peek(r) + blen - 4);
}

/* At a block of type SHB: take its byte order, check the version, start a new section. */
static enum capture_status read_shb(struct capture_reader *r, uint64_t off)
{
	enum capture_status st = cf_fill(r, 12);
	if (st == CAPTURE_EOF)
		return cf_damaged(r,
		                  "truncated pcapng section header at offset %llu: %zu of 12 "
		                  "bytes",
		                  (ull)off, cf_avail(r));
	if (st != CF_OK)
		return st;
	struct cursor c = cur_make(cf_peek(r) + 8, 4);
	uint32_t bom = cur_be32(&c);
	bool be;
	if (bom == PCAPNG_BOM)
		be = true;
	else if (bom == 0x4d3c2b1au)
		be = false;
	else
		return cf_damaged(r,
		                  "pcapng section header at offset %llu: bad byte-order magic "
		                  "0x%08x",
		                  (ull)off, bom);
	c = cur_make(cf_peek(r) + 4, 4);
	uint32_t blen = cf_u32(&c, be);
	st = check_len(r, off, blen);
	if (st != CF_OK)
		return st;
	if (blen < 28)
		return cf_damaged(r,
		                  "pcapng section header at offset %llu: length %u is less than "
		                  "28",
		                  (ull)off, blen);
	st = cf_fill(r, 24);
	if (st == CAPTURE_EOF)
		return truncated(r, off, blen);
	if (st != CF_OK)
		return st;
	c = cur_make(cf_peek(r) + 12, 4);
	uint16_t major = cf_u16(&c, be);
	uint16_t minor = cf_u16(&c, be);
	if (major != 1)
		return cf_damaged(r,
		                  "pcapng section header at offset %llu: unsupported version "
		                  "%u.%u",
		                  (ull)off, major, minor);
	/* Section length (often -1, "not given") and the options are not needed. */
	r->be = be;
	r->if_base += r->nifs;
	r->nifs = 0;
	return skip_block(r, off, blen);
}

static uint64_t gcd64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* if_tsresol: units per second 10^n, or 2^n with the high bit; 0 when 64 bits cannot
 * count them. */
static uint64_t tsresol_units(uint8_t v)
{
	unsigned n = v & 0x7f;
	if (v & 0x80)
		return n <= 63 ? UINT64_C(1) << n : 0;
	if (n > 19)
		return 0;
	uint64_t u = 1;
	while (n--)
		u *= 10;
	return u;
}

static enum capture_status read_idb(struct capture_reader *r, uint64_t off, uint32_t blen)
{
	if (blen < 20)
		return cf_damaged(r,
		                  "pcapng interface block at offset %llu: length %u is less "
		                  "than 20",
		                  (ull)off, blen);
	enum capture_status st = hold_block(r, off, BT_IDB, blen);
	if (st != CF_OK)
		return st;
	struct cursor c = cur_make(cf_peek(r) + 8, blen - 12);
	struct cf_iface ifc = {0};
	ifc.linktype = cf_u16(&c, r->be);
	cur_skip(&c, 2);
	ifc.snaplen = cf_u32(&c, r->be);
	uint8_t tsresol = 6;

	while (c.left >= 4) {
		uint16_t code = cf_u16(&c, r->be);
		uint16_t olen = cf_u16(&c, r->be);
		if (code == OPT_ENDOFOPT)
			break;
		if (olen > c.left)
			return cf_damaged(r,
			                  "pcapng interface block at offset %llu: option %u of "
			                  "length %u overruns the block",
			                  (ull)off, code, olen);
		struct cursor o = cur_sub(&c, olen);
		size_t pad = (4 - olen % 4) % 4;
		cur_skip(&c, pad < c.left ? pad : c.left);
		if (code == OPT_IF_TSRESOL && olen >= 1)
			tsresol = cur_u8(&o);
		else if (code == OPT_IF_TSOFFSET && olen >= 8)
			ifc.offset_s = (int64_t)cf_u64(&o, r->be);
	}

	uint64_t units = tsresol_units(tsresol);
	if (!units)
		return cf_damaged(r,
		                  "pcapng interface block at offset %llu: if_tsresol 0x%02x is "
		                  "finer than 64 bits can count",
		                  (ull)off, tsresol);
	uint64_t g = gcd64(1000000000, units);
	ifc.mul = 1000000000 / g;
	ifc.div = units / g;

	if (r->nifs == PCAPNG_MAX_INTERFACES)
		return cf_damaged(r,
		                  "pcapng interface block at offset %llu: more than %u "
		                  "interfaces in one section",
		                  (ull)off, PCAPNG_MAX_INTERFACES);
	if (r->nifs == r->ifs_cap) {
		unsigned ncap = r->ifs_cap ? r->ifs_cap * 2 : 8;
		struct cf_iface *n = realloc(r->ifs, ncap * sizeof(*n));
		if (!n)
			return cf_damaged(r, "pcapng interface block at offset %llu: out of memory",
			                  (ull)off);
		r->ifs = n;
		r->ifs_cap = ncap;
	}
	r->ifs[r->nifs++] = ifc;
	if (r->linktype < 0)
		r->linktype = ifc.linktype;
	cf_consume(r, blen);
	return CF_OK;
}

static int64_t to_ns(const struct cf_iface *ifc, uint64_t units)
{
	__int128 v = (__int128)((unsigned __int128)units * ifc->mul);
	if (ifc->div != 1)
		v /= ifc->div;
	v += (__int128)ifc->offset_s * 1000000000;
	if (v > INT64_MAX)
		return INT64_MAX;
	if (v < INT64_MIN)
		return INT64_MIN;
	return (int64_t)v;
}

static const char *block_name(uint32_t type)
{
	return type == BT_EPB   ? "enhanced packet block"
	       : type == BT_SPB ? "simple packet block"
	                        : "packet block";
}

static enum capture_status read_packet(struct capture_reader *r, uint64_t off, uint32_t type,
                                       uint32_t blen, struct packet *p)
{
	uint32_t fixed = type == BT_SPB ? 16 : 32;
	if (blen < fixed)
		return cf_damaged(r, "pcapng %s at offset %llu: length %u is less than %u",
		                  block_name(type), (ull)off, blen, fixed);
	enum capture_status st = hold_block(r, off, type, blen);
	if (st != CF_OK)
		return st;
	struct cursor c = cur_make(cf_peek(r) + 8, blen - 12);
	uint32_t ifid = 0, caplen = 0, wirelen;
	uint64_t units = 0;
	if (type == BT_SPB) {
		wirelen = cf_u32(&c, r->be);
	} else {
		if (type == BT_EPB) {
			ifid = cf_u32(&c, r->be);
		} else {
			ifid = cf_u16(&c, r->be);
			cur_skip(&c, 2); /* drops count */
		}
		uint64_t hi = cf_u32(&c, r->be); /* high word first, in either byte order */
		units = hi << 32 | cf_u32(&c, r->be);
		caplen = cf_u32(&c, r->be);
		wirelen = cf_u32(&c, r->be);
	}
	if (ifid >= r->nifs)
		return cf_damaged(r,
		                  "pcapng %s at offset %llu: interface id %u out of range (%u "
		                  "interfaces in this section)",
		                  block_name(type), (ull)off, ifid, r->nifs);
	const struct cf_iface *ifc = &r->ifs[ifid];
	if (type == BT_SPB) {
		/* No captured length: what the block holds, cut to the original length and the
		 * interface's snaplen. */
		caplen = c.left < wirelen ? (uint32_t)c.left : wirelen;
		if (ifc->snaplen && caplen > ifc->snaplen)
			caplen = ifc->snaplen;
	}
	if (caplen > CAPTURE_MAX_FRAME)
		return cf_damaged(r,
		                  "pcapng %s at offset %llu: captured length %u exceeds the "
		                  "maximum %u",
		                  block_name(type), (ull)off, caplen, CAPTURE_MAX_FRAME);
	if (caplen > c.left)
		return cf_damaged(r,
		                  "pcapng %s at offset %llu: captured length %u exceeds the %zu "
		                  "bytes the block holds",
		                  block_name(type), (ull)off, caplen, c.left);

	if (type == BT_SPB) {
		p->ts_ns = r->last_ts_ns; /* an SPB has no timestamp: keep time monotonic */
	} else {
		p->ts_ns = to_ns(ifc, units);
		r->last_ts_ns = p->ts_ns;
	}
	p->caplen = caplen;
	p->wirelen = wirelen < caplen ? caplen : wirelen;
	p->linktype = ifc->linktype;
	p->ifindex = r->if_base + ifid;
	p->data = c.p;
	cf_consume(r, blen);
	return CAPTURE_FRAME;
}

/* Read blocks up to the next frame.  With p == NULL, stop in front of a packet block without
 * consuming it (CAPTURE_FRAME): used at open to learn the first interfaces. */
static enum capture_status step(struct capture_reader *r, struct packet *p)
{
	for (;;) {
		uint64_t off = cf_offset(r);
		enum capture_status st = cf_fill(r, 8);
		if (st == CAPTURE_EOF) {
			if (cf_avail(r) == 0)
				return CAPTURE_EOF;
			return cf_damaged(r,
			                  "truncated pcapng block header at offset %llu: %zu of 8 "
			                  "bytes",
			                  (ull)off, cf_avail(r));
		}
		if (st != CF_OK)
			return st;
		struct cursor c = cur_make(cf_peek(r), 8);
		uint32_t type = cf_u32(&c, r->be);
		uint32_t blen = cf_u32(&c, r->be);
		if (type == BT_SHB) { /* a palindrome: the same in either byte order */
			st = read_shb(r, off);
			if (st != CF_OK)
				return st;
			continue;
		}
		st = check_len(r, off, blen);
		if (st != CF_OK)
			return st;
		switch (type) {
		case BT_IDB:
			st = read_idb(r, off, blen);
			break;
		case BT_EPB:
		case BT_SPB:
		case BT_OPB:
			if (!p)
				return CAPTURE_FRAME;
			return read_packet(r, off, type, blen, p);
		case BT_SJE:
		case BT_CB:
		case BT_DCB:
			/* Wireshark shows these as frames: give them their number, so ours
			 * stay Wireshark's, but return only packets. */
			st = skip_block(r, off, blen);
			if (st == CF_OK)
				r->frames++;
			break;
		default:
			st = skip_block(r, off, blen);
			break;
		}
		if (st != CF_OK)
			return st;
	}
}

int cf_pcapng_open(struct capture_reader *r)
{
	/* The file must start with a section header we can read, or it is not pcapng. */
	enum capture_status st = read_shb(r, 0);
	if (st == CAPTURE_IOERR)
		return -r->io_errno;
	if (st != CF_OK)
		return -EINVAL;
	/* Read on to the first packet block so capture_linktype() knows the first interface;
	 * damage met on the way stops the reader and capture_next() reports it. */
	(void)step(r, NULL);
	return 0;
}

enum capture_status cf_pcapng_next(struct capture_reader *r, struct packet *p)
{
	return step(r, p);
}
