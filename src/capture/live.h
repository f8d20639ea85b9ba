/* live.h - capture frames from a network interface (libpcap), yielded like file frames.
 *
 * The same shape as reader.h: live_next() fills a struct packet's capture facts (frame,
 * ts_ns, caplen, wirelen, linktype, ifindex = 0, data) and the data stays valid until the
 * next live_next().  Promiscuous mode, a snap length, an optional BPF filter, immediate
 * delivery (no buffering delay), nanosecond timestamps when the platform has them, and an
 * optional direction (pcap_setdirection).  live_next() waits at most timeout_ms, so a caller
 * can look at a stop flag between frames; a signal interrupts the wait.
 *
 * Users: `vxscope mirror --interface` (engine/mirror_source.c), `vxscope target --interface`
 * (engine/target.c, polling live_fd()).  Not thread-safe: one capture per thread.
 */
#ifndef VXS_CAPTURE_LIVE_H
#define VXS_CAPTURE_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/reader.h"
#include "decode/packet.h"

#define LIVE_SNAPLEN_DEFAULT 262144u    /* libpcap's maximum: whole frames */
#define LIVE_BUFFER_DEFAULT  (8u << 20) /* kernel ring: 8 MiB */
#define LIVE_ERR_LEN         512

enum live_direction {
	LIVE_DIR_BOTH = 0, /* frames the interface received and sent */
	LIVE_DIR_IN,       /* received only */
	LIVE_DIR_OUT,      /* sent only */
};

struct live_opts {
	const char *ifname; /* required */
	uint32_t snaplen;   /* 0 = LIVE_SNAPLEN_DEFAULT */
	bool no_promisc;    /* false (default): promiscuous mode */
	const char *bpf;    /* NULL or "" = every frame */
	enum live_direction dir;
	uint32_t buffer_bytes; /* 0 = LIVE_BUFFER_DEFAULT */
};

/* Statistics as libpcap reports them (pcap_stats), since live_open(). */
struct live_stats {
	uint64_t frames;     /* frames live_next() returned */
	uint64_t received;   /* ps_recv: frames the filter passed (Linux: incl. dropped) */
	uint64_t dropped;    /* ps_drop: dropped because the buffer was full */
	uint64_t if_dropped; /* ps_ifdrop: dropped by the interface (0 when unknown) */
};

struct live_capture;

/* Open and activate the capture.  0, or -ENODEV (no such interface), -EPERM (no permission:
 * CAP_NET_RAW is needed), -EINVAL (bad BPF expression, or a bad option), -EIO (another
 * libpcap failure); errbuf says which interface and why in every case.
 * *out is owned by the caller: live_close() it. */
int live_open(struct live_capture **out, const struct live_opts *o, char *errbuf, size_t errlen)
    __attribute__((warn_unused_result));

/* Next frame, waiting up to timeout_ms (-1 = until one comes, or a signal).
 *   CAPTURE_FRAME:  p's capture facts set (see above), frames numbered from 1;
 *   LIVE_TIMEOUT:   nothing within the time, or a signal interrupted the wait;
 *   CAPTURE_EOF:    the interface went away (live_error() says so);
 *   CAPTURE_IOERR:  libpcap failed (live_error()). */
#define LIVE_TIMEOUT 2
int live_next(struct live_capture *c, struct packet *p, int timeout_ms);

/* The selectable descriptor, for a caller that polls several sources and then drains the
 * capture with live_next(c, p, 0). */
int live_fd(const struct live_capture *c);
/* Link type of the interface (LINKTYPE_ETHERNET on Ethernet and veth). */
int live_linktype(const struct live_capture *c);
/* True when timestamps are nanoseconds (else microseconds scaled up). */
bool live_nanosecond(const struct live_capture *c);
/* Statistics so far; 0 or -EIO (live_error()). */
int live_stats(struct live_capture *c, struct live_stats *st);
/* The last problem, "" when none. */
const char *live_error(const struct live_capture *c);
void live_close(struct live_capture *c);

#endif
