/* iface_rx.h - minimal live capture of one interface with libpcap (promiscuous), for a mirror
 * target whose mirrored traffic arrives on a dedicated NIC.  (To be unified with the general
 * live-capture module.)  Frames are handed on as captured, with nanosecond timestamps. */
#ifndef VXS_CAPTURE_IFACE_RX_H
#define VXS_CAPTURE_IFACE_RX_H

#include <stddef.h>
#include <stdint.h>

struct iface_rx;

typedef void (*iface_rx_fn)(void *ctx, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
			    int64_t ts_ns);

/* Open and activate ifname (promiscuous, snaplen 65535, immediate mode, nanosecond stamps,
 * kernel buffer of bufsize bytes when > 0), non-blocking.  0 or -errno with the message in err
 * naming the interface and libpcap's reason. */
int iface_rx_open(struct iface_rx **out, const char *ifname, int bufsize, char *err,
		  size_t errlen) __attribute__((warn_unused_result));
void iface_rx_close(struct iface_rx *r);
/* A descriptor to poll for readability. */
int iface_rx_fd(const struct iface_rx *r);
/* The link type (LINKTYPE_*) of the frames. */
int iface_rx_linktype(const struct iface_rx *r);
/* Hand up to max waiting frames to fn.  Returns how many, or -EIO (message in err). */
int iface_rx_dispatch(struct iface_rx *r, int max, iface_rx_fn fn, void *ctx, char *err,
		      size_t errlen);
/* Frames the kernel dropped (libpcap ps_drop + ps_ifdrop).  0 or -EIO. */
int iface_rx_drops(struct iface_rx *r, uint64_t *drops) __attribute__((warn_unused_result));

#endif
