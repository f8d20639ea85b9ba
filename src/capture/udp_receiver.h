/* udp_receiver.h - receive mirrored VXLAN/GENEVE datagrams on a UDP socket, batched.
 *
 * AWS VPC Traffic Mirroring delivers each mirrored packet as one UDP datagram to the target
 * (VXLAN, RFC 7348, port 4789; GENEVE, RFC 8926, port 6081 from a Gateway Load Balancer).
 * The kernel strips the outer headers; each datagram is handed on as an Ethernet frame whose
 * first bytes are a synthesized outer header (Ethernet with zero addresses, IPv4/IPv6 and UDP
 * carrying the real addresses and ports from recvmsg and IP_PKTINFO / IPV6_PKTINFO), so the
 * decoder peels the tunnel exactly as it does for a capture taken on the target's NIC, and
 * byte counts (wire length) equal such a capture's:
 *
 *   headroom                  the receive buffer: the datagram as the kernel gave it
 *  +--------+-----+-----------+-----+--------------------------------------------+
 *  |(unused)| Eth | IPv4/IPv6 | UDP | VXLAN or GENEVE header | inner frame ...   |
 *  +--------+-----+-----------+-----+--------------------------------------------+
 *           ^ frame (14 + 20/40 + 8 bytes written in front: no copy)
 *
 * Receive: recvmmsg() batches of UDP_RX_BATCH, MSG_TRUNC (the true length of a datagram longer
 * than the buffer), SO_TIMESTAMPNS (kernel receive time, ns), SO_MEMINFO (the socket's
 * cumulative drop count), a large SO_RCVBUF (SO_RCVBUFFORCE when permitted).
 */
#ifndef VXS_CAPTURE_UDP_RECEIVER_H
#define VXS_CAPTURE_UDP_RECEIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/packet.h"

#define UDP_RX_BATCH    64
#define UDP_RX_BUF      9216u /* payload bytes kept: a 9001-byte jumbo frame and more */
#define UDP_RX_HEADROOM 64u   /* room for the synthesized Ethernet + IPv6 + UDP header (62) */

struct udp_rx_dgram {
	uint8_t *frame;       /* synthesized outer IP + UDP header, then the payload */
	uint32_t caplen;      /* bytes at frame */
	uint32_t wirelen;     /* header + the datagram's full length (past UDP_RX_BUF too) */
	uint32_t hdrlen;      /* synthesized header bytes (42 or 62) */
	uint32_t payload_len; /* the datagram's full length */
	int64_t ts_ns;        /* kernel receive time, UTC ns */
	bool truncated;       /* longer than UDP_RX_BUF: the frame is cut */
	struct ip_addr src, dst;
	uint16_t sport, dport;
};

struct udp_rx;

/* Bind a UDP socket to addr:port (addr family 4 or 6; an IPv6 socket is IPV6_V6ONLY), with
 * a receive buffer of rcvbuf bytes (0 = leave the default).  0 or -errno, with a message in
 * err naming the address and the reason.  *out owned by the caller (udp_rx_close). */
int udp_rx_open(struct udp_rx **out, const struct ip_addr *addr, uint16_t port, int rcvbuf,
		char *err, size_t errlen) __attribute__((warn_unused_result));
void udp_rx_close(struct udp_rx *r);

int udp_rx_fd(const struct udp_rx *r);
/* The receive buffer the kernel granted (bytes, as getsockopt reports it). */
int udp_rx_rcvbuf(const struct udp_rx *r);
/* "0.0.0.0:4789" */
const char *udp_rx_name(const struct udp_rx *r);

/* Receive up to UDP_RX_BATCH waiting datagrams without blocking.  Returns how many (0: none
 * waiting) or -errno; *d points at them, valid until the next call on r. */
int udp_rx_recv(struct udp_rx *r, struct udp_rx_dgram **d);

/* Datagrams the kernel dropped on this socket since udp_rx_open (SO_MEMINFO's drop count,
 * read now: one getsockopt, so call it per batch, not per datagram). */
uint64_t udp_rx_drops(struct udp_rx *r);
/* The socket's drop count from /proc/net/udp or /proc/net/udp6 (the last column, found by
 * the socket's inode): exact even when no datagram followed the drops.  0 or -errno. */
int udp_rx_proc_drops(const struct udp_rx *r, uint64_t *drops)
	__attribute__((warn_unused_result));
/* Host-wide Udp RcvbufErrors + Udp6RcvbufErrors (/proc/net/snmp, /proc/net/snmp6). */
int udp_snmp_rcvbuf_errors(uint64_t *v) __attribute__((warn_unused_result));

#endif
