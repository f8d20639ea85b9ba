/* udp_sink.c - the cheapest possible UDP receiver, for the target benchmark (bench/target.sh):
 * the socket tcpdump's datagrams are delivered to, so the kernel neither answers them with ICMP
 * port unreachable nor hides its own receive-queue drops.
 *
 * Formats: none parsed; UDP (RFC 768) datagrams are counted, not read beyond the kernel copy.
 * Receives with recvmmsg(2) batches of 64 into one reused buffer, counts datagrams and bytes,
 * and reads the kernel's drop count for the socket (SO_RXQ_OVFL, and /proc/net/udp at the end).  Stops on SIGINT/SIGTERM
 * (after draining what is queued) or after -t seconds, and prints
 *   {"received":N,"bytes":N,"socket_drops":N,"rcvbuf":N}
 * on stdout.  Exit 0, 1 on a startup error (message names the address and the reason), 2 on
 * usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SINK_BATCH 64
#define SINK_BUF   9216

static volatile sig_atomic_t stop_now;

static void on_signal(int sig)
{
	(void)sig;
	stop_now = 1;
}

/* The socket's drop count from /proc/net/udp{,6} (last column, found by inode): exact even when
 * no datagram followed the last drops, which SO_RXQ_OVFL cannot tell.  -1 when not found. */
static long long proc_drops(int fd)
{
	struct stat st;
	if (fstat(fd, &st))
		return -1;
	static const char *const files[] = { "/proc/net/udp", "/proc/net/udp6" };
	for (unsigned f = 0; f < 2; f++) {
		FILE *in = fopen(files[f], "r");
		if (!in)
			continue;
		char line[512];
		while (fgets(line, sizeof(line), in)) {
			unsigned long long inode, drops;
			/* sl local rem st tx:rx tr:tm retrnsmt uid timeout inode ref pointer drops */
			if (sscanf(line, " %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu %*s %*s %llu",
				   &inode, &drops) == 2 &&
			    inode == (unsigned long long)st.st_ino) {
				fclose(in);
				return (long long)drops;
			}
		}
		fclose(in);
	}
	return -1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: udp_sink [-a ADDR] [-p PORT] [-r RCVBUF_BYTES] [-t SECONDS]\n"
		   "Counts the UDP datagrams sent to ADDR:PORT (default 127.0.0.1:4789) until\n"
		   "SIGINT/SIGTERM or SECONDS, then prints them and the socket's drops as JSON.\n");
}

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1";
	long port = 4789, rcvbuf = 64L << 20;
	double seconds = 0;
	int ch;
	while ((ch = getopt(argc, argv, "a:p:r:t:h")) != -1) {
		char *end = NULL;
		switch (ch) {
		case 'a': addr = optarg; break;
		case 'p': port = strtol(optarg, &end, 10); break;
		case 'r': rcvbuf = strtol(optarg, &end, 10); break;
		case 't': seconds = strtod(optarg, &end); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
		if (end && (*end || port < 1 || port > 65535 || rcvbuf < 0 || rcvbuf > (1L << 30) ||
			    seconds < 0)) {
			fprintf(stderr, "udp_sink: bad value '%s' for -%c\n", optarg, ch);
			return 2;
		}
	}
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		sl = sizeof(*a4);
	} else if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		sl = sizeof(*a6);
	} else {
		fprintf(stderr, "udp_sink: -a '%s': not an IPv4 or IPv6 address\n", addr);
		return 2;
	}
	int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int one = 1, rb = (int)rcvbuf;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one))) {
		fprintf(stderr, "udp_sink: socket: %s\n", strerror(errno));
		return 1;
	}
	if (rb && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rb, sizeof(rb)))
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rb, sizeof(rb));
	if (bind(fd, (struct sockaddr *)&ss, sl)) {
		fprintf(stderr, "udp_sink: bind %s:%ld: %s\n", addr, port, strerror(errno));
		return 1;
	}
	socklen_t rl = sizeof(rb);
	(void)getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rb, &rl);

	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fprintf(stderr, "udp_sink: listening on %s:%ld\n", addr, port);

	static uint8_t buf[SINK_BATCH][SINK_BUF];
	static uint8_t ctl[SINK_BATCH][CMSG_SPACE(sizeof(uint32_t))];
	static struct iovec iov[SINK_BATCH];
	static struct mmsghdr msg[SINK_BATCH];
	uint64_t received = 0, bytes = 0;
	uint32_t drops = 0;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	bool draining = false;
	for (;;) {
		if (stop_now)
			draining = true;
		if (!draining && seconds > 0) {
			struct timespec t;
			clock_gettime(CLOCK_MONOTONIC, &t);
			if ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 >=
			    seconds)
				draining = true;
		}
		for (int i = 0; i < SINK_BATCH; i++) {
			iov[i].iov_base = buf[i];
			iov[i].iov_len = SINK_BUF;
			msg[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1,
							  .msg_control = ctl[i],
							  .msg_controllen = sizeof(ctl[i]) };
		}
		int n = recvmmsg(fd, msg, SINK_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				fprintf(stderr, "udp_sink: recvmmsg: %s\n", strerror(errno));
				return 1;
			}
			if (draining)
				break;
			struct pollfd p = { .fd = fd, .events = POLLIN };
			(void)poll(&p, 1, 100);
			continue;
		}
		for (int i = 0; i < n; i++) {
			bytes += msg[i].msg_len;
			for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg[i].msg_hdr); c;
			     c = CMSG_NXTHDR(&msg[i].msg_hdr, c))
				if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL)
					memcpy(&drops, CMSG_DATA(c), sizeof(drops));
		}
		received += (unsigned)n;
	}
	long long pd = proc_drops(fd);
	printf("{\"received\":%llu,\"bytes\":%llu,\"socket_drops\":%llu,\"rcvbuf\":%d}\n",
	       (unsigned long long)received, (unsigned long long)bytes,
	       pd > (long long)drops ? pd : (long long)drops, rb);
	return fflush(stdout) ? 1 : 0;
}
