/* vxlan_send.c - a paced UDP sender of mirrored traffic: replays the VXLAN/GENEVE payloads of a
 * capture to a live mirror target (`vxscope target`, tcpdump, ...) with sendmmsg(2) batches.
 *
 * Formats: reads pcap/pcapng through src/capture/reader.h; finds each frame's outermost UDP
 * datagram with decode_frame() (tunnels not peeled) and sends its payload, i.e. what a VPC
 * Traffic Mirroring source puts in one datagram:
 *
 *   captured frame:  outer Eth | outer IP | UDP -> 4789/6081 | VXLAN (RFC 7348) or GENEVE
 *                                                            | (RFC 8926) header | inner frame
 *   sent datagram:                                           |<------- UDP payload -------->|
 *
 * Frames whose outer UDP destination (or source) port is not a VXLAN/GENEVE port, IP
 * fragments and frames cut short by the capture (caplen < UDP length) are skipped and counted.
 * The datagrams are loaded into memory first (bounded by --max-frames and --max-bytes), so the
 * send loop does no parsing; the file is looped until -n packets or -t seconds.
 *
 * Result: one JSON object on stdout: sent (datagrams the kernel accepted), failed (sendmmsg
 * refused them: counted, skipped, not retried), bytes, seconds, achieved rate, loops.  Exit 0
 * on success, 1 on a startup error (a message names the file or address and the reason), 2 on
 * usage.  SIGINT/SIGTERM stop the loop early and still print the result.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/jsonw.h"
#include "capture/reader.h"
#include "decode/decode.h"

#define SEND_MAX_BATCH 1024
#define SEND_MAX_DGRAM 65507u /* largest UDP payload over IPv4 */
#define NS_PER_S       1000000000LL

struct frames {
	uint8_t *buf;     /* every datagram, back to back */
	size_t used, cap; /* bytes */
	uint32_t *off;    /* datagram i = buf[off[i] .. off[i] + len[i]) */
	uint32_t *len;
	uint16_t *dport;  /* the frame's own outer UDP destination port */
	size_t n, ncap;
	uint64_t in_file, not_tunnel, truncated, fragment;
};

struct opts {
	const char *file;
	const char *dest;
	const char *bind;
	double rate;       /* packets/s, 0 = as fast as possible */
	uint64_t count;    /* datagrams to send, 0 = see seconds / one pass */
	double seconds;    /* 0 = no time limit */
	unsigned batch;
	bool keep_port;    /* send to each frame's own destination port */
	uint64_t max_frames;
	uint64_t max_bytes;
	int sndbuf;
};

static volatile sig_atomic_t stop_now;

static void on_signal(int sig)
{
	(void)sig;
	stop_now = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vxlan_send -f CAPTURE -d ADDR:PORT [-r PPS] [-n PACKETS] [-t SECONDS]\n"
		"                  [-b BATCH] [--bind ADDR[:PORT]] [--keep-port] [--sndbuf BYTES]\n"
		"                  [--max-frames N] [--max-mb MB] [--vxlan-port P] [--geneve-port P]\n"
		"Sends the VXLAN/GENEVE UDP payload of each frame of CAPTURE to ADDR:PORT ([v6]:port\n"
		"for IPv6) at PPS packets/s (0 or absent: as fast as possible), looping the file,\n"
		"until PACKETS are sent or SECONDS have passed (neither: one pass over the file).\n"
		"--keep-port sends each datagram to its frame's own port (PORT is then ignored).\n"
		"Prints {\"sent\":..,\"failed\":..,...} as JSON on stdout.\n");
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static void sleep_until(int64_t t)
{
	struct timespec ts = { .tv_sec = t / NS_PER_S, .tv_nsec = t % NS_PER_S };
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR && !stop_now)
		;
}

/* ADDR:PORT, [ADDR]:PORT or ADDR (port 0 when absent and allowed). 0 or -EINVAL. */
static int parse_addr(const char *s, bool need_port, struct sockaddr_storage *ss, socklen_t *sl)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port = NULL;
	size_t hl;
	if (s[0] == '[') {
		const char *e = strchr(s, ']');
		if (!e)
			return -EINVAL;
		hl = (size_t)(e - s - 1);
		if (hl >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, hl);
		if (e[1] == ':')
			port = e + 2;
		else if (e[1] != '\0')
			return -EINVAL;
	} else {
		const char *c = strrchr(s, ':');
		if (c && strchr(s, ':') != c)
			c = NULL; /* a bare IPv6 address */
		hl = c ? (size_t)(c - s) : strlen(s);
		if (hl >= sizeof(host))
			return -EINVAL;
		memcpy(host, s, hl);
		if (c)
			port = c + 1;
	}
	host[hl] = '\0';
	unsigned long pn = 0;
	if (port) {
		char *end;
		errno = 0;
		pn = strtoul(port, &end, 10);
		if (errno || *port == '\0' || *end != '\0' || pn > 65535)
			return -EINVAL;
	} else if (need_port) {
		return -EINVAL;
	}
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)pn);
		*sl = sizeof(*a4);
	} else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)pn);
		*sl = sizeof(*a6);
	} else {
		return -EINVAL;
	}
	return 0;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 4096;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * elem);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

static bool is_tunnel_port(const struct decode_cfg *cfg, uint16_t port)
{
	for (unsigned i = 0; i < cfg->n_vxlan_ports; i++)
		if (cfg->vxlan_ports[i] == port)
			return true;
	for (unsigned i = 0; i < cfg->n_geneve_ports; i++)
		if (cfg->geneve_ports[i] == port)
			return true;
	return false;
}

/* Load the tunnel datagrams of path into fr. 0 or -errno with a message printed. */
static int load(const struct opts *o, const struct decode_cfg *tun, struct frames *fr)
{
	struct decode_cfg cfg = *tun;
	cfg.peel_tunnels = false;
	char err[256] = "";
	struct capture_reader *r;
	int rc = capture_open(&r, o->file, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "vxlan_send: %s: %s\n", o->file, err[0] ? err : strerror(-rc));
		return rc;
	}
	size_t ncap = 0;
	struct packet p;
	enum capture_status st = CAPTURE_EOF;
	while (fr->n < o->max_frames && (st = capture_next(r, &p)) == CAPTURE_FRAME) {
		fr->in_file++;
		decode_frame(&cfg, &p);
		if (!p.has_l4 || p.proto != IPPROTO_NUM_UDP ||
		    !(is_tunnel_port(tun, p.dport) || is_tunnel_port(tun, p.sport))) {
			fr->not_tunnel++;
			continue;
		}
		if (p.is_fragment) {
			fr->fragment++;
			continue;
		}
		if (p.payload_caplen < p.payload_len || p.payload_len > SEND_MAX_DGRAM) {
			fr->truncated++;
			continue;
		}
		if (fr->used + p.payload_len > o->max_bytes)
			break;
		size_t cap_elems = fr->cap;
		if (grow((void **)&fr->buf, &cap_elems, fr->used + p.payload_len, 1) ||
		    grow((void **)&fr->off, &ncap, fr->n + 1, sizeof(uint32_t))) {
			fprintf(stderr, "vxlan_send: out of memory loading %s\n", o->file);
			capture_close(r);
			return -ENOMEM;
		}
		fr->cap = cap_elems;
		/* off, len and dport grow together; ncap is the shared element capacity */
		if (ncap > fr->ncap) {
			uint32_t *l = realloc(fr->len, ncap * sizeof(uint32_t));
			if (l)
				fr->len = l;
			uint16_t *d = realloc(fr->dport, ncap * sizeof(uint16_t));
			if (d)
				fr->dport = d;
			if (!l || !d) {
				fprintf(stderr, "vxlan_send: out of memory loading %s\n", o->file);
				capture_close(r);
				return -ENOMEM;
			}
			fr->ncap = ncap;
		}
		memcpy(fr->buf + fr->used, p.payload, p.payload_len);
		fr->off[fr->n] = (uint32_t)fr->used;
		fr->len[fr->n] = p.payload_len;
		fr->dport[fr->n] = is_tunnel_port(tun, p.dport) ? p.dport : p.sport;
		fr->used += p.payload_len;
		fr->n++;
	}
	if (fr->n < o->max_frames && st != CAPTURE_EOF && fr->used < o->max_bytes)
		fprintf(stderr, "vxlan_send: %s: %s (sending the %zu datagrams before it)\n",
			o->file, capture_error(r), fr->n);
	capture_close(r);
	if (fr->n == 0) {
		fprintf(stderr,
			"vxlan_send: %s: no VXLAN/GENEVE datagram to send (%llu frames, %llu not "
			"tunnel UDP, %llu fragments, %llu truncated)\n",
			o->file, (unsigned long long)fr->in_file,
			(unsigned long long)fr->not_tunnel, (unsigned long long)fr->fragment,
			(unsigned long long)fr->truncated);
		return -ENOENT;
	}
	return 0;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (errno || *s == '\0' || *end != '\0' || s[0] == '-')
		return -EINVAL;
	*v = x;
	return 0;
}

static int parse_double(const char *s, double *v)
{
	char *end;
	errno = 0;
	double x = strtod(s, &end);
	if (errno || *s == '\0' || *end != '\0' || !(x >= 0))
		return -EINVAL;
	*v = x;
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {
		.batch = 64, .max_frames = 1000000, .max_bytes = 1024ull << 20, .sndbuf = 4 << 20,
	};
	struct decode_cfg tun;
	decode_cfg_default(&tun);
	static const struct option lo[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "dest", required_argument, NULL, 'd' },
		{ "rate", required_argument, NULL, 'r' },
		{ "count", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 't' },
		{ "batch", required_argument, NULL, 'b' },
		{ "bind", required_argument, NULL, 'B' },
		{ "keep-port", no_argument, NULL, 'k' },
		{ "sndbuf", required_argument, NULL, 'S' },
		{ "max-frames", required_argument, NULL, 'M' },
		{ "max-mb", required_argument, NULL, 'm' },
		{ "vxlan-port", required_argument, NULL, 'V' },
		{ "geneve-port", required_argument, NULL, 'G' },
		{ "help", no_argument, NULL, 'h' },
		{ 0, 0, 0, 0 },
	};
	int ch;
	uint64_t v;
	while ((ch = getopt_long(argc, argv, "f:d:r:n:t:b:h", lo, NULL)) != -1) {
		int bad = 0;
		switch (ch) {
		case 'f': o.file = optarg; break;
		case 'd': o.dest = optarg; break;
		case 'B': o.bind = optarg; break;
		case 'k': o.keep_port = true; break;
		case 'r': bad = parse_double(optarg, &o.rate); break;
		case 't': bad = parse_double(optarg, &o.seconds); break;
		case 'n': bad = parse_u64(optarg, &o.count); break;
		case 'b':
			bad = parse_u64(optarg, &v) || v == 0 || v > SEND_MAX_BATCH;
			o.batch = (unsigned)v;
			break;
		case 'S':
			bad = parse_u64(optarg, &v) || v > INT_MAX;
			o.sndbuf = (int)v;
			break;
		case 'M': bad = parse_u64(optarg, &o.max_frames) || o.max_frames == 0; break;
		case 'm':
			bad = parse_u64(optarg, &v) || v == 0 || v > (1u << 20);
			o.max_bytes = v << 20;
			break;
		case 'V':
		case 'G':
			bad = parse_u64(optarg, &v) || v == 0 || v > 65535 ||
			      (ch == 'V' ? decode_cfg_add_vxlan_port(&tun, (uint16_t)v)
					 : decode_cfg_add_geneve_port(&tun, (uint16_t)v));
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
		if (bad) {
			fprintf(stderr, "vxlan_send: bad value for --%s: '%s'\n",
				ch == 'b' ? "batch (1-1024)" : argv[optind - 1] + 2, optarg);
			return 2;
		}
	}
	if (!o.file || !o.dest || optind != argc) {
		usage(stderr);
		return 2;
	}
	struct sockaddr_storage dst, src;
	socklen_t dlen, slen = 0;
	if (parse_addr(o.dest, !o.keep_port, &dst, &dlen)) {
		fprintf(stderr, "vxlan_send: -d '%s': not ADDR:PORT or [IPV6]:PORT\n", o.dest);
		return 2;
	}
	if (o.bind && (parse_addr(o.bind, false, &src, &slen) || src.ss_family != dst.ss_family)) {
		fprintf(stderr, "vxlan_send: --bind '%s': not an address of -d's family\n", o.bind);
		return 2;
	}

	struct frames fr = { 0 };
	if (load(&o, &tun, &fr))
		return 1;

	int fd = socket(dst.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "vxlan_send: socket: %s\n", strerror(errno));
		return 1;
	}
	/* a large send buffer so a burst never blocks on the socket, only on the pacing */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &o.sndbuf, sizeof(o.sndbuf)))
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &o.sndbuf, sizeof(o.sndbuf));
	if (o.bind && bind(fd, (struct sockaddr *)&src, slen)) {
		fprintf(stderr, "vxlan_send: bind %s: %s\n", o.bind, strerror(errno));
		return 1;
	}
	(void)prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0); /* 1 us: the pacing sleeps are short */

	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	/* one address per possible batch slot (ports may differ with --keep-port) */
	static struct mmsghdr msg[SEND_MAX_BATCH];
	static struct iovec iov[SEND_MAX_BATCH];
	static struct sockaddr_storage to[SEND_MAX_BATCH];
	for (unsigned i = 0; i < o.batch; i++) {
		to[i] = dst;
		msg[i].msg_hdr.msg_name = &to[i];
		msg[i].msg_hdr.msg_namelen = dlen;
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
	}

	uint64_t total = o.count ? o.count : (o.seconds > 0 ? UINT64_MAX : fr.n);
	uint64_t done = 0, sent = 0, failed = 0, bytes = 0, loops = 0;
	size_t next = 0;
	int first_errno = 0;
	int64_t t0 = now_ns();
	int64_t t_end = o.seconds > 0 ? t0 + (int64_t)(o.seconds * NS_PER_S) : INT64_MAX;
	double ns_per_pkt = o.rate > 0 ? NS_PER_S / o.rate : 0;

	while (done < total && !stop_now) {
		uint64_t want = total - done < o.batch ? total - done : o.batch;
		int64_t now = now_ns();
		if (now >= t_end)
			break;
		if (ns_per_pkt > 0) {
			/* send when the batch's last packet is due: bursts of at most one batch */
			int64_t due = t0 + (int64_t)((double)(done + want) * ns_per_pkt);
			if (due > now) {
				sleep_until(due < t_end ? due : t_end);
				continue;
			}
		}
		for (unsigned i = 0; i < want; i++) {
			iov[i].iov_base = fr.buf + fr.off[next];
			iov[i].iov_len = fr.len[next];
			if (o.keep_port) {
				uint16_t port = htons(fr.dport[next]);
				if (dst.ss_family == AF_INET)
					((struct sockaddr_in *)&to[i])->sin_port = port;
				else
					((struct sockaddr_in6 *)&to[i])->sin6_port = port;
			}
			if (++next == fr.n) {
				next = 0;
				loops++;
			}
		}
		unsigned off = 0;
		while (off < want) {
			int k = sendmmsg(fd, msg + off, (unsigned)(want - off), 0);
			if (k < 0) {
				if (errno == EINTR && !stop_now)
					continue;
				if (errno == EINTR)
					break;
				/* the message at off failed: count it, go on with the rest */
				if (!first_errno)
					first_errno = errno;
				failed++;
				off++;
				continue;
			}
			for (int i = 0; i < k; i++)
				bytes += iov[off + i].iov_len;
			sent += (unsigned)k;
			off += (unsigned)k;
		}
		done += off;
	}
	int64_t t1 = now_ns();
	close(fd);
	double secs = (double)(t1 - t0) / NS_PER_S;
	struct strbuf sb;
	struct jsonw w;
	strbuf_init(&sb, stdout);
	jsonw_init(&w, &sb);
	jsonw_obj_begin(&w);
	jsonw_kstr(&w, "file", o.file);
	jsonw_ku64(&w, "frames_in_file", fr.in_file);
	jsonw_ku64(&w, "datagrams_loaded", fr.n);
	jsonw_ku64(&w, "skipped_not_tunnel", fr.not_tunnel);
	jsonw_ku64(&w, "skipped_fragment", fr.fragment);
	jsonw_ku64(&w, "skipped_truncated", fr.truncated);
	jsonw_ku64(&w, "sent", sent);
	jsonw_ku64(&w, "failed", failed);
	jsonw_ku64(&w, "bytes", bytes);
	jsonw_ku64(&w, "loops", loops);
	jsonw_kfixed(&w, "seconds", secs, 6);
	jsonw_kfixed(&w, "rate_requested", o.rate, 0);
	jsonw_kfixed(&w, "rate_achieved", secs > 0 ? (double)sent / secs : 0.0, 0);
	jsonw_kstr(&w, "first_error", first_errno ? strerror(first_errno) : "");
	jsonw_kbool(&w, "interrupted", stop_now != 0);
	jsonw_obj_end(&w);
	int wrc = jsonw_record_end(&w);
	if (!wrc)
		wrc = strbuf_flush(&sb);
	strbuf_fini(&sb);
	if (wrc || fflush(stdout)) {
		fprintf(stderr, "vxlan_send: writing the result: %s\n", strerror(wrc ? -wrc : errno));
		return 1;
	}
	free(fr.buf);
	free(fr.off);
	free(fr.len);
	free(fr.dport);
	return 0;
}
