/* mirror_source.c - the software mirror source loop: capture -> decide -> VXLAN -> send
 * (AWS VPC Traffic Mirroring, /work/shared/spec/aws-mirroring.md sections 1-4; RFC 7348).
 * Contract and choices: mirror_source.h and docs/mirror-source.md.
 */
#include "engine/mirror_source.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "decode/ipaddr.h"
#include "mirror/vxlan_encap.h"

#define SEND_BUF        (VXLAN_ENCAP_MAX + 64)
#define JUMBO_COPY_BITS ((uint64_t)(9001 + MIRROR_SOURCE_L2_BYTES) * 8)
#define POLL_MS         100

struct mirror_source {
	struct mirror_source_cfg cfg;
	const struct aws_eni *eni;
	struct decode_cfg dcfg;
	enum mirror_send_mode mode;
	int fd4, fd6;          /* raw or UDP sockets per outer family, -1 when not needed */
	uint16_t udp_sport[2]; /* UDP mode: our sockets' local ports (IPv4, IPv6) */
	uint16_t ip_id;
	/* token bucket, in bits */
	double tokens, depth;
	int64_t refill_ns;
	struct mirror_counters c;
	uint8_t *sendbuf; /* SEND_BUF bytes */
	uint8_t *l2buf;   /* 14 + CAPTURE_MAX_FRAME: Ethernet frame for bare-IP captures */
};

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Families of the target addresses the ENI's sessions send to: bit 0 IPv4, bit 1 IPv6. */
static unsigned target_families(const struct aws_eni *eni)
{
	unsigned fams = 0;
	for (unsigned i = 0; i < eni->nsessions; i++) {
		const struct aws_target *t = eni->sessions[i]->target;
		for (unsigned j = 0; t && j < t->naddrs; j++)
			fams |= t->addrs[j].family == 6 ? 2u : 1u;
	}
	return fams;
}

/* UDP mode: bind to the ENI's address of the family when it is local (the outer source is
 * then the ENI's, as AWS sends it), else to the wildcard; remember the local port, which is
 * how our copies are recognised when the kernel picked another source address. */
static void udp_bind(struct mirror_source *ms, int fd, uint8_t fam)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	for (int pass = 0; pass < 2; pass++) {
		memset(&ss, 0, sizeof(ss));
		const struct ip_addr *a = NULL;
		for (unsigned i = 0; pass == 0 && i < ms->eni->naddrs && !a; i++)
			if (ms->eni->addrs[i].family == fam)
				a = &ms->eni->addrs[i];
		if (pass == 0 && !a)
			continue;
		if (fam == 4) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
			sin->sin_family = AF_INET;
			if (a)
				memcpy(&sin->sin_addr, a->a, 4);
			sl = sizeof(*sin);
		} else {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
			sin6->sin6_family = AF_INET6;
			if (a)
				memcpy(&sin6->sin6_addr, a->a, 16);
			sl = sizeof(*sin6);
		}
		if (bind(fd, (struct sockaddr *)&ss, sl) == 0)
			break;
	}
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		ms->udp_sport[fam == 6] = ntohs(fam == 4 ? ((struct sockaddr_in *)&ss)->sin_port
		                                         : ((struct sockaddr_in6 *)&ss)->sin6_port);
}

static int open_sockets(struct mirror_source *ms, unsigned fams, bool udp)
{
	int type = udp ? SOCK_DGRAM : SOCK_RAW;
	int proto = udp ? 0 : IPPROTO_RAW;
	if (fams & 1u) {
		ms->fd4 = socket(AF_INET, type | SOCK_CLOEXEC, proto);
		if (ms->fd4 < 0)
			return -errno;
		if (udp) {
			int v = IP_PMTUDISC_DO; /* never fragment: EMSGSIZE instead */
			(void)setsockopt(ms->fd4, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof(v));
			udp_bind(ms, ms->fd4, 4);
		}
	}
	if (fams & 2u) {
		ms->fd6 = socket(AF_INET6, type | SOCK_CLOEXEC, proto);
		if (ms->fd6 < 0)
			return -errno;
		if (udp) {
			int v = IPV6_PMTUDISC_DO;
			(void)setsockopt(ms->fd6, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v, sizeof(v));
			udp_bind(ms, ms->fd6, 6);
		}
	}
	return 0;
}

static void close_sockets(struct mirror_source *ms)
{
	if (ms->fd4 >= 0)
		close(ms->fd4);
	if (ms->fd6 >= 0)
		close(ms->fd6);
	ms->fd4 = ms->fd6 = -1;
}

int mirror_source_new(struct mirror_source **out, const struct mirror_source_cfg *cfg, char *errbuf,
                      size_t errlen, char *warn, size_t warnlen)
{
	const struct aws_eni *eni = cfg->eni;
	if (warn && warnlen)
		warn[0] = 0;
	if (!eni) {
		snprintf(errbuf, errlen, "no source ENI");
		return -EINVAL;
	}
	if (!eni->naddrs) {
		snprintf(errbuf, errlen,
		         "%s: the host map gives it no Addresses: direction and the outer source "
		         "address come from them",
		         eni->id);
		return -EINVAL;
	}
	if (!eni->nsessions) {
		snprintf(errbuf, errlen, "%s: no traffic mirror session has this ENI as its source",
		         eni->id);
		return -EINVAL;
	}
	for (unsigned i = 0; i < eni->nsessions; i++) {
		const struct aws_session *s = eni->sessions[i];
		if (!s->target || !s->target->naddrs) {
			snprintf(
			    errbuf, errlen,
			    "session %s: target %s has no Addresses in the host map: nowhere to "
			    "send",
			    s->id, s->target_id);
			return -EINVAL;
		}
	}
	struct mirror_source *ms = calloc(1, sizeof(*ms));
	if (ms) {
		ms->sendbuf = malloc(SEND_BUF);
		ms->l2buf = malloc(14 + CAPTURE_MAX_FRAME);
	}
	if (!ms || !ms->sendbuf || !ms->l2buf) {
		if (ms) {
			free(ms->sendbuf);
			free(ms->l2buf);
		}
		free(ms);
		snprintf(errbuf, errlen, "out of memory");
		return -ENOMEM;
	}
	ms->cfg = *cfg;
	ms->eni = eni;
	ms->fd4 = ms->fd6 = -1;
	decode_cfg_default(&ms->dcfg);
	ms->dcfg.peel_tunnels = false;
	ms->ip_id = 1;
	if (cfg->max_bps) {
		uint64_t d = cfg->burst_bits ? cfg->burst_bits : cfg->max_bps / 20;
		if (d < 2 * JUMBO_COPY_BITS && !cfg->burst_bits)
			d = 2 * JUMBO_COPY_BITS;
		ms->depth = (double)d;
		ms->tokens = ms->depth;
		ms->refill_ns = mono_ns();
	}

	unsigned fams = target_families(eni);
	int rc = -EPERM;
	if (!cfg->force_udp) {
		rc = open_sockets(ms, fams, false);
		if (rc) {
			close_sockets(ms);
			if (rc != -EPERM && rc != -EACCES) {
				snprintf(errbuf, errlen, "cannot open a raw IP socket: %s",
				         strerror(-rc));
				mirror_source_free(ms);
				return rc;
			}
		}
	}
	if (rc) {
		ms->mode = MIRROR_SEND_UDP;
		rc = open_sockets(ms, fams, true);
		if (rc) {
			snprintf(errbuf, errlen, "cannot open a UDP socket: %s", strerror(-rc));
			mirror_source_free(ms);
			return rc;
		}
		if (warn && warnlen)
			snprintf(
			    warn, warnlen,
			    "%s: sending through a plain UDP socket: the outer source address is "
			    "the ENI's only where it is local to this host (else the kernel "
			    "picks one), one outer source port serves every flow (no per-flow "
			    "hash, so an NLB-like target sees one flow), and the kernel "
			    "computes the UDP checksum",
			    cfg->force_udp ? "--udp-socket"
			                   : "no permission for a raw socket (CAP_NET_RAW)");
	} else {
		ms->mode = MIRROR_SEND_RAW;
	}
	*out = ms;
	return 0;
}

void mirror_source_free(struct mirror_source *ms)
{
	if (!ms)
		return;
	close_sockets(ms);
	free(ms->sendbuf);
	free(ms->l2buf);
	free(ms);
}

const struct mirror_counters *mirror_source_counters(const struct mirror_source *ms)
{
	return &ms->c;
}

enum mirror_send_mode mirror_source_send_mode(const struct mirror_source *ms)
{
	return ms->mode;
}

const struct aws_eni *mirror_source_eni(const struct mirror_source *ms)
{
	return ms->eni;
}

static bool addr_in(const struct ip_addr *a, const struct ip_addr *v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (ipaddr_eq(a, &v[i]))
			return true;
	return false;
}

/* A VXLAN datagram from the ENI (or, in UDP mode, from our socket's port) to one of its
 * targets: a copy we sent, seen again. */
static bool is_own_copy(const struct mirror_source *ms, const struct packet *p)
{
	bool udp = ms->mode == MIRROR_SEND_UDP;
	uint16_t dport = udp && ms->cfg.udp_port ? ms->cfg.udp_port : VXLAN_ENCAP_PORT;
	if (!p->has_ip || p->proto != IPPROTO_NUM_UDP || !p->has_l4 || p->dport != dport)
		return false;
	if (!addr_in(&p->src, ms->eni->addrs, ms->eni->naddrs) &&
	    !(udp && p->sport && p->sport == ms->udp_sport[p->ip_ver == 6]))
		return false;
	for (unsigned i = 0; i < ms->eni->nsessions; i++) {
		const struct aws_target *t = ms->eni->sessions[i]->target;
		if (t && addr_in(&p->dst, t->addrs, t->naddrs))
			return true;
	}
	return false;
}

/* Bytes in front of the IP header for a link type without Ethernet; -1 if unknown. */
static int l3_offset(int linktype)
{
	switch (linktype) {
	case LINKTYPE_RAW:
	case LINKTYPE_IPV4:
	case LINKTYPE_IPV6:
		return 0;
	case LINKTYPE_NULL:
	case LINKTYPE_LOOP:
		return 4;
	case LINKTYPE_LINUX_SLL:
		return 16;
	case LINKTYPE_LINUX_SLL2:
		return 20;
	default:
		return -1;
	}
}

/* Token bucket: true when `bits` may go now (and takes them). */
static bool bucket_take(struct mirror_source *ms, uint64_t bits)
{
	if (!ms->cfg.max_bps)
		return true;
	int64_t now = mono_ns();
	double add = (double)(now - ms->refill_ns) * (double)ms->cfg.max_bps / 1e9;
	ms->refill_ns = now;
	ms->tokens += add;
	if (ms->tokens > ms->depth)
		ms->tokens = ms->depth;
	if (ms->tokens < (double)bits)
		return false;
	ms->tokens -= (double)bits;
	return true;
}

static const struct ip_addr *pick_addr(const struct ip_addr *v, unsigned n, uint8_t fam,
                                       uint32_t hash)
{
	unsigned cnt = 0;
	for (unsigned i = 0; i < n; i++)
		cnt += v[i].family == fam;
	if (!cnt)
		return NULL;
	unsigned want = hash % cnt;
	for (unsigned i = 0; i < n; i++)
		if (v[i].family == fam && want-- == 0)
			return &v[i];
	return NULL;
}

static int send_copy(struct mirror_source *ms, uint8_t fam, const struct ip_addr *dst,
                     const uint8_t *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof(ss));
	uint16_t port = 0; /* raw IPv6: a non-zero port would name another protocol */
	if (ms->mode == MIRROR_SEND_UDP)
		port = ms->cfg.udp_port ? ms->cfg.udp_port : VXLAN_ENCAP_PORT;
	if (fam == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, dst->a, 4);
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, dst->a, 16);
		sl = sizeof(*sin6);
	}
	int fd = fam == 4 ? ms->fd4 : ms->fd6;
	if (fd < 0)
		return -EAFNOSUPPORT;
	size_t skip = 0;
	if (ms->mode == MIRROR_SEND_UDP) /* the kernel writes IP and UDP */
		skip = (fam == 4 ? 20u : 40u) + VXLAN_ENCAP_UDP_HLEN;
	ssize_t n = sendto(fd, buf + skip, len - skip, 0, (struct sockaddr *)&ss, sl);
	if (n < 0)
		return -errno;
	return 0;
}

void mirror_source_frame(struct mirror_source *ms, struct packet *p)
{
	struct mirror_counters *c = &ms->c;
	c->frames++;
	c->frame_bytes += p->wirelen;
	decode_frame(&ms->dcfg, p);
	if (is_own_copy(ms, p)) {
		c->own_copies++;
		return;
	}
	struct mirror_facts f;
	mirror_facts_from_packet(&f, p);

	/* the inner frame: the Ethernet frame itself, or one built around a bare IP packet */
	const uint8_t *inner = p->data;
	size_t inner_cap = p->caplen;
	if (p->linktype != LINKTYPE_ETHERNET) {
		int off = l3_offset(p->linktype);
		if (off < 0 || !p->has_ip || p->caplen < (uint32_t)off ||
		    p->wirelen < (uint32_t)off || p->caplen - (uint32_t)off > CAPTURE_MAX_FRAME) {
			c->unsupported++;
			return;
		}
		f.frame_len = 14 + p->wirelen - (uint32_t)off;
		inner_cap = 14 + p->caplen - (size_t)off;
		inner = ms->l2buf;
	}

	enum mirror_dir dir;
	if (mirror_direction(ms->eni, &f, &dir)) {
		enum mirror_reason nc = mirror_never_class(&f);
		if (nc != MIRROR_MIRRORED) {
			c->filtered[nc]++;
			c->filtered_total++;
		} else {
			c->not_source++;
		}
		return;
	}
	struct mirror_decision d;
	mirror_decide(ms->eni, dir, &f, &ms->cfg.opts, &d);
	if (!d.accept || !d.session) {
		c->filtered[d.reason < MIRROR_REASON_COUNT ? d.reason : MIRROR_NO_MATCH]++;
		c->filtered_total++;
		return;
	}
	c->selected++;
	unsigned si = 0;
	while (si < ms->eni->nsessions && ms->eni->sessions[si] != d.session)
		si++;
	struct mirror_session_counters *sc = si < AWS_ENI_SESSIONS_CAP ? &c->session[si] : NULL;

	if (inner == ms->l2buf) {
		static const uint8_t gw[6] = MIRROR_SOURCE_GW_MAC;
		static const uint8_t dflt[6] = {0x02, 0, 0, 0, 0, 0x01};
		const uint8_t *own = ms->eni->has_mac ? ms->eni->mac : dflt;
		bool egress = dir == MIRROR_EGRESS;
		memcpy(ms->l2buf, egress ? gw : own, 6);
		memcpy(ms->l2buf + 6, egress ? own : gw, 6);
		uint16_t et = p->ip_ver == 6 ? 0x86dd : 0x0800;
		ms->l2buf[12] = (uint8_t)(et >> 8);
		ms->l2buf[13] = (uint8_t)et;
		memcpy(ms->l2buf + 14, p->data + l3_offset(p->linktype), inner_cap - 14);
	}

	uint8_t fam = d.outer_family == 6 ? 6 : 4;
	uint16_t sport = vxlan_encap_sport(p);
	const struct aws_target *t = d.session->target;
	const struct ip_addr *dst =
	    pick_addr(t->addrs, t->naddrs, fam, (uint32_t)sport * 2654435761u >> 8);
	const struct ip_addr *src = pick_addr(ms->eni->addrs, 1, fam, 0); /* the primary */
	if (!src)
		src = pick_addr(ms->eni->addrs, ms->eni->naddrs, fam, 0);
	if (!dst || !src) {
		c->dropped_no_addr++;
		return;
	}
	struct vxlan_encap_params prm;
	memset(&prm, 0, sizeof(prm));
	prm.src = *src;
	prm.dst = *dst;
	prm.vni = (uint32_t)d.session->vni;
	prm.sport = sport;
	prm.ip_id = ms->ip_id;
	prm.inner_len = d.snap < inner_cap ? d.snap : (uint32_t)inner_cap;
	size_t len = 0;
	uint64_t bits =
	    ((uint64_t)vxlan_encap_overhead(fam) + prm.inner_len + MIRROR_SOURCE_L2_BYTES) * 8;
	if (!bucket_take(ms, bits)) {
		c->dropped_rate++;
		c->dropped_rate_bytes += bits / 8;
		return;
	}
	int rc = vxlan_encap_build(&prm, inner, inner_cap, ms->sendbuf, SEND_BUF, &len, NULL);
	if (rc == 0)
		rc = send_copy(ms, fam, dst, ms->sendbuf, len);
	if (rc) {
		c->dropped_send++;
		c->last_send_errno = -rc;
		return;
	}
	if (++ms->ip_id == 0)
		ms->ip_id = 1; /* 0 would let the kernel choose one */
	c->mirrored++;
	c->mirrored_bytes += len;
	c->inner_bytes += prm.inner_len;
	bool cut = prm.inner_len < f.frame_len;
	if (cut) {
		c->truncated++;
		c->trunc_by[d.trunc <= MIRROR_TRUNC_TARGET_MTU ? d.trunc : 0]++;
	}
	if (sc) {
		sc->packets++;
		sc->bytes += len;
		sc->truncated += cut;
	}
}

static void maybe_stats(const struct mirror_source *ms, unsigned interval_s, int64_t *next,
                        void (*on_stats)(const struct mirror_source *, void *), void *arg)
{
	if (!interval_s || !on_stats)
		return;
	int64_t now = mono_ns();
	if (now < *next)
		return;
	on_stats(ms, arg);
	*next = now + (int64_t)interval_s * 1000000000;
}

int mirror_source_run_live(struct mirror_source *ms, struct live_capture *lc,
                           volatile sig_atomic_t *stop, uint64_t count, unsigned stats_interval_s,
                           void (*on_stats)(const struct mirror_source *ms, void *arg), void *arg)
{
	int64_t next = mono_ns() + (int64_t)stats_interval_s * 1000000000;
	uint64_t n = 0;
	while (!*stop && (!count || n < count)) {
		struct packet p;
		memset(&p, 0, sizeof(p));
		int rc = live_next(lc, &p, POLL_MS);
		if (rc == CAPTURE_FRAME) {
			mirror_source_frame(ms, &p);
			n++;
		} else if (rc == CAPTURE_EOF) {
			return -ENODEV;
		} else if (rc != LIVE_TIMEOUT) {
			return -EIO;
		}
		maybe_stats(ms, stats_interval_s, &next, on_stats, arg);
	}
	return 0;
}

/* Sleep until mono time `at`, in slices so a stop request is seen; false when stopped. */
static bool sleep_until(int64_t at, volatile sig_atomic_t *stop)
{
	for (;;) {
		if (*stop)
			return false;
		int64_t left = at - mono_ns();
		if (left <= 0)
			return true;
		if (left > 100000000)
			left = 100000000;
		struct timespec ts = {(time_t)(left / 1000000000), (long)(left % 1000000000)};
		nanosleep(&ts, NULL);
	}
}

enum capture_status
mirror_source_run_file(struct mirror_source *ms, struct capture_reader *r,
                       volatile sig_atomic_t *stop, uint64_t count, double replay_speed,
                       unsigned stats_interval_s,
                       void (*on_stats)(const struct mirror_source *ms, void *arg), void *arg)
{
	int64_t next = mono_ns() + (int64_t)stats_interval_s * 1000000000;
	int64_t first_ts = 0, start = 0;
	uint64_t n = 0;
	for (;;) {
		if (*stop || (count && n >= count))
			return CAPTURE_FRAME;
		struct packet p;
		memset(&p, 0, sizeof(p));
		enum capture_status st = capture_next(r, &p);
		if (st != CAPTURE_FRAME)
			return st;
		if (replay_speed > 0) {
			if (n == 0) {
				first_ts = p.ts_ns;
				start = mono_ns();
			}
			double rel = (double)(p.ts_ns - first_ts) / replay_speed;
			if (rel > 0 && !sleep_until(start + (int64_t)rel, stop))
				return CAPTURE_FRAME;
		}
		mirror_source_frame(ms, &p);
		n++;
		maybe_stats(ms, stats_interval_s, &next, on_stats, arg);
	}
}
