/* udp_receiver.c - batched UDP receive of mirrored datagrams (see udp_receiver.h; RFC 768,
 * RFC 791 and RFC 8200 for the synthesized outer headers).
 *
 * Synthesized Ethernet header (addresses zero, EtherType 0x0800 / 0x86DD), IPv4 header
 * (RFC 791) or IPv6 header (RFC 8200), then UDP (RFC 768):
 *   | 0x45 | tos 0 | total length | id 0 | flags/frag 0 | ttl 64 | proto 17 | checksum |
 *   | source address (from recvmsg) | destination address (bound, or IP_PKTINFO) |
 *   | source port | destination port | length | checksum 0 (not computed) |
 */
#include "udp_receiver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "decode/ipaddr.h"

#define CTRL_LEN 256

struct udp_rx {
	int fd;
	int family;
	uint16_t port;
	int rcvbuf;
	char name[IPADDR_STRLEN + 10];
	uint64_t drops;      /* 64-bit running total of the socket's drop counter */
	uint32_t last_ovfl;  /* the kernel's 32-bit counter (sk_drops) as last seen */
	struct ip_addr local;
	bool wildcard;       /* bound to 0.0.0.0 / ::: the destination comes from PKTINFO */
	struct mmsghdr msgs[UDP_RX_BATCH];
	struct iovec iov[UDP_RX_BATCH];
	struct sockaddr_storage names[UDP_RX_BATCH];
	uint8_t ctrl[UDP_RX_BATCH][CTRL_LEN];
	struct udp_rx_dgram d[UDP_RX_BATCH];
	uint8_t *bufs; /* UDP_RX_BATCH * (UDP_RX_HEADROOM + UDP_RX_BUF) */
};

#define SLOT (UDP_RX_HEADROOM + UDP_RX_BUF)

static void fmt_err(char *err, size_t errlen, const struct udp_rx *r, const char *what, int e)
{
	snprintf(err, errlen, "UDP %s: %s: %s", r->name, what, strerror(e));
}

int udp_rx_open(struct udp_rx **out, const struct ip_addr *addr, uint16_t port, int rcvbuf,
		char *err, size_t errlen)
{
	struct udp_rx *r = calloc(1, sizeof(*r));
	uint8_t *bufs = malloc((size_t)UDP_RX_BATCH * SLOT);
	if (!r || !bufs) {
		free(r);
		free(bufs);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r->bufs = bufs;
	r->family = addr->family == 6 ? AF_INET6 : AF_INET;
	r->port = port;
	r->local = *addr;
	char a[IPADDR_STRLEN];
	ipaddr_format(addr, a, sizeof(a));
	snprintf(r->name, sizeof(r->name), addr->family == 6 ? "[%s]:%u" : "%s:%u", a, port);
	int e = 0;
	const char *what = "socket";
	r->fd = socket(r->family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (r->fd < 0) {
		e = errno;
		goto fail;
	}
	int one = 1;
	/* The destination address is only unknown on a wildcard socket: elsewhere PKTINFO
	 * would cost a control message per datagram for nothing. */
	r->wildcard = true;
	for (int i = 0; i < (addr->family == 6 ? 16 : 4); i++)
		if (addr->a[i])
			r->wildcard = false;
	if (r->family == AF_INET6) {
		what = "IPV6_V6ONLY";
		if (setsockopt(r->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) ||
		    (what = "IPV6_RECVPKTINFO",
		     r->wildcard &&
			     setsockopt(r->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)))) {
			e = errno;
			goto fail;
		}
	} else if (r->wildcard) {
		what = "IP_PKTINFO";
		if (setsockopt(r->fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one))) {
			e = errno;
			goto fail;
		}
	}
	what = "SO_TIMESTAMPNS";
	if (setsockopt(r->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one))) {
		e = errno;
		goto fail;
	}
	/* Drops are read per batch with SO_MEMINFO (udp_rx_drops), not per datagram with
	 * SO_RXQ_OVFL: the same counter without a control message on every datagram. */
	what = "SO_MEMINFO";
	uint32_t mi[SK_MEMINFO_VARS];
	socklen_t mil = sizeof(mi);
	errno = 0;
	if (getsockopt(r->fd, SOL_SOCKET, SO_MEMINFO, mi, &mil) ||
	    mil <= SK_MEMINFO_DROPS * sizeof(uint32_t)) {
		e = errno ? errno : EOPNOTSUPP;
		goto fail;
	}
	r->last_ovfl = mi[SK_MEMINFO_DROPS];
	if (rcvbuf > 0) {
		/* FORCE passes net.core.rmem_max with CAP_NET_ADMIN; without it, the plain
		 * option is capped there (the caller reports what was granted). */
		if (setsockopt(r->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
			(void)setsockopt(r->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	}
	socklen_t ol = sizeof(r->rcvbuf);
	if (getsockopt(r->fd, SOL_SOCKET, SO_RCVBUF, &r->rcvbuf, &ol))
		r->rcvbuf = 0;
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	socklen_t sl;
	if (r->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, addr->a, 16);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, addr->a, 4);
		sl = sizeof(*s4);
	}
	what = "bind";
	if (bind(r->fd, (struct sockaddr *)&ss, sl)) {
		e = errno;
		goto fail;
	}
	if (port == 0) {
		/* the kernel picked the port: it is the destination port of every datagram */
		what = "getsockname";
		sl = sizeof(ss);
		if (getsockname(r->fd, (struct sockaddr *)&ss, &sl)) {
			e = errno;
			goto fail;
		}
		r->port = ntohs(r->family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						      : ((struct sockaddr_in *)&ss)->sin_port);
		snprintf(r->name, sizeof(r->name), addr->family == 6 ? "[%s]:%u" : "%s:%u", a,
			 r->port);
	}
	for (int i = 0; i < UDP_RX_BATCH; i++) {
		r->iov[i].iov_base = r->bufs + (size_t)i * SLOT + UDP_RX_HEADROOM;
		r->iov[i].iov_len = UDP_RX_BUF;
	}
	*out = r;
	return 0;
fail:
	fmt_err(err, errlen, r, what, e);
	if (r->fd >= 0)
		close(r->fd);
	free(r->bufs);
	free(r);
	return -e;
}

void udp_rx_close(struct udp_rx *r)
{
	if (!r)
		return;
	close(r->fd);
	free(r->bufs);
	free(r);
}

int udp_rx_fd(const struct udp_rx *r)
{
	return r->fd;
}

int udp_rx_rcvbuf(const struct udp_rx *r)
{
	return r->rcvbuf;
}

const char *udp_rx_name(const struct udp_rx *r)
{
	return r->name;
}

uint64_t udp_rx_drops(struct udp_rx *r)
{
	uint32_t mi[SK_MEMINFO_VARS];
	socklen_t l = sizeof(mi);
	if (getsockopt(r->fd, SOL_SOCKET, SO_MEMINFO, mi, &l) == 0 &&
	    l > SK_MEMINFO_DROPS * sizeof(uint32_t)) {
		r->drops += (uint32_t)(mi[SK_MEMINFO_DROPS] - r->last_ovfl);
		r->last_ovfl = mi[SK_MEMINFO_DROPS];
	}
	return r->drops;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Ethernet in front of h: zero addresses, the EtherType of the IP version. */
static uint8_t *synth_eth(uint8_t *h, uint16_t ethertype)
{
	uint8_t *e = h - 14;
	memset(e, 0, 12);
	put16(e + 12, ethertype);
	return e;
}

/* Write the outer header ending at payload; returns its length. */
static uint32_t synth_header(struct udp_rx_dgram *d, uint8_t *payload, uint32_t plen)
{
	uint32_t udplen = plen + 8;
	if (d->src.family == 6) {
		uint8_t *h = payload - 48;
		memset(h, 0, 48);
		h[0] = 0x60;
		put16(h + 4, udplen > 0xffff ? 0xffff : (uint16_t)udplen);
		h[6] = IPPROTO_NUM_UDP;
		h[7] = 64;
		memcpy(h + 8, d->src.a, 16);
		memcpy(h + 24, d->dst.a, 16);
		put16(h + 40, d->sport);
		put16(h + 42, d->dport);
		put16(h + 44, udplen > 0xffff ? 0 : (uint16_t)udplen);
		d->frame = synth_eth(h, 0x86dd);
		return 14 + 48;
	}
	uint8_t *h = payload - 28;
	memset(h, 0, 28);
	uint32_t tot = udplen + 20;
	h[0] = 0x45;
	put16(h + 2, tot > 0xffff ? 0xffff : (uint16_t)tot);
	h[8] = 64;
	h[9] = IPPROTO_NUM_UDP;
	memcpy(h + 12, d->src.a, 4);
	memcpy(h + 16, d->dst.a, 4);
	uint32_t sum = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(h + 10, (uint16_t)~sum);
	put16(h + 20, d->sport);
	put16(h + 22, d->dport);
	put16(h + 24, udplen > 0xffff ? 0 : (uint16_t)udplen);
	d->frame = synth_eth(h, 0x0800);
	return 14 + 28;
}

int udp_rx_recv(struct udp_rx *r, struct udp_rx_dgram **out)
{
	for (int i = 0; i < UDP_RX_BATCH; i++) {
		struct msghdr *m = &r->msgs[i].msg_hdr;
		m->msg_name = &r->names[i];
		m->msg_namelen = sizeof(r->names[i]);
		m->msg_iov = &r->iov[i];
		m->msg_iovlen = 1;
		m->msg_control = r->ctrl[i];
		m->msg_controllen = CTRL_LEN;
		m->msg_flags = 0;
		r->msgs[i].msg_len = 0;
	}
	int n = recvmmsg(r->fd, r->msgs, UDP_RX_BATCH, MSG_DONTWAIT | MSG_TRUNC, NULL);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		return -errno;
	}
	for (int i = 0; i < n; i++) {
		struct msghdr *m = &r->msgs[i].msg_hdr;
		struct udp_rx_dgram *d = &r->d[i];
		memset(d, 0, sizeof(*d));
		d->payload_len = r->msgs[i].msg_len;
		uint32_t got = d->payload_len > UDP_RX_BUF ? UDP_RX_BUF : d->payload_len;
		d->truncated = (m->msg_flags & MSG_TRUNC) || d->payload_len > UDP_RX_BUF;
		if (r->family == AF_INET6) {
			const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&r->names[i];
			d->src.family = 6;
			memcpy(d->src.a, &s6->sin6_addr, 16);
			d->sport = ntohs(s6->sin6_port);
			d->dst = r->local;
		} else {
			const struct sockaddr_in *s4 = (const struct sockaddr_in *)&r->names[i];
			d->src.family = 4;
			memcpy(d->src.a, &s4->sin_addr, 4);
			d->sport = ntohs(s4->sin_port);
			d->dst = r->local;
		}
		d->dport = r->port;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
			    c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
				struct timespec ts;
				memcpy(&ts, CMSG_DATA(c), sizeof(ts));
				d->ts_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
			} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
				   c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
				struct in_pktinfo pi;
				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				memcpy(d->dst.a, &pi.ipi_addr, 4);
			} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
				   c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
				struct in6_pktinfo pi;
				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				memcpy(d->dst.a, &pi.ipi6_addr, 16);
			}
		}
		if (!d->ts_ns) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			d->ts_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
		}
		uint8_t *payload = r->iov[i].iov_base;
		d->hdrlen = synth_header(d, payload, d->payload_len);
		d->caplen = d->hdrlen + got;
		d->wirelen = d->hdrlen + d->payload_len;
	}
	*out = r->d;
	return n;
}

/* Last column of the /proc/net/udp{,6} line with this inode. */
int udp_rx_proc_drops(const struct udp_rx *r, uint64_t *drops)
{
	struct stat st;
	if (fstat(r->fd, &st))
		return -errno;
	FILE *f = fopen(r->family == AF_INET6 ? "/proc/net/udp6" : "/proc/net/udp", "r");
	if (!f)
		return -errno;
	char line[512];
	int rc = -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		char *tok[16];
		int nt = 0;
		for (char *s = strtok(line, " \t\n"); s && nt < 16; s = strtok(NULL, " \t\n"))
			tok[nt++] = s;
		if (nt < 13 || strtoull(tok[9], NULL, 10) != (unsigned long long)st.st_ino)
			continue;
		*drops = strtoull(tok[nt - 1], NULL, 10);
		rc = 0;
		break;
	}
	fclose(f);
	return rc;
}

/* Udp: header line of names, then a line of values; find RcvbufErrors. */
static int snmp_udp(uint64_t *v)
{
	FILE *f = fopen("/proc/net/snmp", "r");
	if (!f)
		return -errno;
	char names[1024], vals[1024];
	int rc = -ENOENT;
	while (fgets(names, sizeof(names), f)) {
		if (strncmp(names, "Udp: ", 5))
			continue;
		if (!fgets(vals, sizeof(vals), f))
			break;
		char *sn, *sv;
		char *n = strtok_r(names, " \n", &sn), *x = strtok_r(vals, " \n", &sv);
		while (n && x) {
			if (!strcmp(n, "RcvbufErrors")) {
				*v = strtoull(x, NULL, 10);
				rc = 0;
				break;
			}
			n = strtok_r(NULL, " \n", &sn);
			x = strtok_r(NULL, " \n", &sv);
		}
		break;
	}
	fclose(f);
	return rc;
}

int udp_snmp_rcvbuf_errors(uint64_t *v)
{
	uint64_t a = 0, b = 0;
	int rc = snmp_udp(&a);
	FILE *f = fopen("/proc/net/snmp6", "r");
	if (f) {
		char line[256], name[128];
		unsigned long long x;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "%127s %llu", name, &x) == 2 &&
			    !strcmp(name, "Udp6RcvbufErrors"))
				b = x;
		fclose(f);
	}
	*v = a + b;
	return rc;
}
