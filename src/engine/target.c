/* target.c - the live mirror target's threads (see target.h, docs/target.md). */
#include "target.h"

#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analyze/mirror_findings.h"
#include "analyze/services.h"
#include "analyze/tcp_findings.h"
#include "app/app.h"
#include "base/cursor.h"
#include "base/hash.h"
#include "base/jsonw.h"
#include "capture/live.h"
#include "capture/udp_receiver.h"
#include "decode/ipaddr.h"
#include "mirror/aws_config.h"
#include "engine/metrics.h"
#include "engine/spsc.h"
#include "output/flow_record.h"
#include "report/report.h"

#define MAX_SOCKS (TARGET_MAX_LISTEN * 2)
#define WORKER_SESSIONS 4096
#define LABEL_LEN 80
#define FLUSH_NS 1000000000LL
#define RX_COALESCE_NS 500000L /* 500 us: 250 datagrams at 500k/s; a 256 MiB buffer holds 0.2 s */
#define RX_ROUND_BATCHES 16   /* recvmmsg batches per socket and round */
#define RX_IFACE_ROUND 256    /* frames per round from an interface */

/* What the receiver queues per datagram, followed by the frame bytes. */
struct rx_rec {
	uint64_t frame; /* arrival number among accepted datagrams = frame number in the archive */
	int64_t ts_ns;
	uint32_t caplen, wirelen, payload_len;
	struct ip_addr src;
};

/* Per-session counters a worker publishes (label fixed once n covers the entry). */
struct wsession {
	enum tunnel_kind kind;
	bool has_id;
	uint32_t id;
	struct ip_addr src;
	char label[LABEL_LEN];
	_Atomic uint64_t packets, bytes;
};

/* The sessions one thread has seen, with their labels and counters (single writer). */
struct sess_tab {
	struct wsession *sess;
	_Atomic uint32_t nsess;
	int32_t *index; /* open addressing, 2 * WORKER_SESSIONS slots */
	int32_t last;
	const struct aws_config *aws; /* --sessions: names sessions by AWS id and ENI, or NULL */
	unsigned aws_gen;             /* the target's aws_gen this one was set from */
};

struct worker {
	struct target *t;
	unsigned idx;
	pthread_t th;
	bool started;
	_Atomic int running;
	struct spsc q;
	struct pipeline *pl;
	struct flowlog_sink *sink;
	/* analysis for findings, as `vxscope analyze` */
	struct service_table *services; /* the target's one table (t->services) */
	struct app_analyzer *app; /* the target's one analyzer (t->app) */
	struct qos *qos;  /* NULL without cfg.qos */
	struct icmp_seen icmp;
	uint64_t tcp_flags[TA_COUNT];
	uint64_t tcp_packets;
	uint64_t flows_by_proto[3];
	/* flow records */
	struct strbuf flow_buf;
	struct jsonw flow_w;
	struct sess_tab st; /* sessions, when this worker archives (inline) */
	/* counters published for metrics */
	uint64_t frame, processed_l, trunc_l;
	int64_t next_flush; /* inline mode */
	_Atomic uint64_t processed, truncated, flows_live, flows_created, evicted;
};

struct rx_sock {
	struct udp_rx *u;
	bool geneve;
	_Atomic uint64_t proc_drops;
};

struct target {
	struct target_cfg cfg;
	int linktype;
	struct rx_sock socks[MAX_SOCKS];
	unsigned nsocks;
	struct live_capture *iface; /* --interface (capture/live.h, as `vxscope mirror`) */
	pthread_t rx_th;
	bool rx_started;
	bool ext_started;       /* external_rx: started, fed by target_rx_datagram */
	_Atomic int rx_running;
	_Atomic int stopping;   /* receiver: drain and finish */
	_Atomic int rx_done;    /* workers: finish what is queued, then end */
	struct worker *w;
	unsigned nw;
	bool inline_worker;                    /* nw == 1: the receive thread analyses */
	struct sess_tab rx_st;                 /* nw > 1: sessions seen by the receiver */
	struct admission *adm;                 /* the receiver's */
	_Atomic(struct admission *) adm_next;  /* a replacement waiting for the receiver */
	/* receiver counters (single writer) */
	uint64_t rx_l, rxb_l, qd_l, rc_l, rv_l, mal_l, tr_l;
	uint64_t frame_l;                      /* accepted datagrams: the next frame number */
	/* roll-ups shared by the workers (docs/target.md "Threads") */
	pthread_mutex_t agg_mu;                /* services, at flow end */
	struct service_table *services;
	pthread_mutex_t app_mu;                /* app, per TCP/UDP packet (nw > 1 only) */
	pthread_mutex_t qos_mu;                /* the QoS roll-ups (worker 0's qos, shared by
	                                          the others), per packet (nw > 1 only) */
	/* --sessions reloaded on SIGHUP: the newest model, a generation the threads compare
	 * with theirs, and every model loaded (kept to the end: sessions point into them) */
	_Atomic(const struct aws_config *) aws_cur;
	_Atomic unsigned aws_gen;
	struct aws_config *aws_owned[64];
	unsigned naws_owned;
	struct app_analyzer *app;
	_Atomic uint64_t rx_datagrams, rx_bytes, queue_drops, refused_cidr, refused_vni,
		malformed, truncated, socket_drops_ovfl, iface_drops;
	_Atomic uint64_t rcvbuf_errors;
	uint64_t rcvbuf_base;
	bool have_rcvbuf_base;
	/* refusal log, rate-limited */
	int64_t refuse_log_ns;
	uint64_t refuse_logged;
	struct ip_addr refuse_last;
	/* outputs */
	struct archive *arch;
	pthread_mutex_t arch_mu;
	uint64_t arch_errors_logged;
	FILE *flows_fp;
	char flows_path[4096], findings_path[4096];
	struct decode_cfg rx_decode;
	struct packet scratch;
	int64_t start_ns;
};

static int64_t now_real(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int sess_tab_init(struct sess_tab *st)
{
	st->last = -1;
	st->sess = calloc(WORKER_SESSIONS, sizeof(*st->sess));
	st->index = malloc(2 * WORKER_SESSIONS * sizeof(int32_t));
	if (!st->sess || !st->index)
		return -ENOMEM;
	memset(st->index, 0xff, 2 * WORKER_SESSIONS * sizeof(int32_t));
	return 0;
}

static void sess_tab_fini(struct sess_tab *st)
{
	free(st->sess);
	free(st->index);
}

static void tlog(const struct target *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void tlog(const struct target *t, const char *fmt, ...)
{
	if (!t->cfg.log)
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	t->cfg.log(msg);
}

void target_cfg_default(struct target_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	pipeline_cfg_default(&cfg->pipeline);
	cfg->pipeline.tcp_analysis = true;
	cfg->vxlan_port = 4789;
	cfg->geneve_port = 6081;
	cfg->workers = 1;
	cfg->queue_bytes = 64u << 20;
	cfg->rcvbuf = 256 << 20; /* ~1 s at 200k pps of 1 KB datagrams: rides out stalls */
	admission_init(&cfg->admission);
	flowlog_sink_cfg_default(&cfg->flowlog_cfg);
	cfg->qos = true; /* as `vxscope analyze` without --no-qos */
	tclass_map_default(&cfg->qos_cfg.map);
	cfg->qos_cfg.rate_limits = true;
}

/* ---------------------------------------------------------------- open */

int target_open(struct target **out, const struct target_cfg *cfg, char *err, size_t errlen)
{
	struct target *t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	t->cfg = *cfg;
	t->nw = cfg->workers ? cfg->workers : 1;
	if (t->nw > TARGET_MAX_WORKERS)
		t->nw = TARGET_MAX_WORKERS;
	pthread_mutex_init(&t->arch_mu, NULL);
	pthread_mutex_init(&t->agg_mu, NULL);
	pthread_mutex_init(&t->app_mu, NULL);
	pthread_mutex_init(&t->qos_mu, NULL);
	t->adm = malloc(sizeof(*t->adm));
	t->w = calloc(t->nw, sizeof(*t->w)); /* before any thread can look at it */
	t->services = service_table_new();
	t->app = app_analyzer_new();
	t->rx_st.aws = cfg->aws;
	if (!t->adm || !t->w || !t->services || !t->app || sess_tab_init(&t->rx_st)) {
		sess_tab_fini(&t->rx_st);
		service_table_free(t->services);
		app_analyzer_free(t->app);
		pthread_mutex_destroy(&t->app_mu);
		pthread_mutex_destroy(&t->qos_mu);
		pthread_mutex_destroy(&t->agg_mu);
		free(t->adm);
		free(t->w);
		free(t);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*t->adm = cfg->admission;
	atomic_init(&t->adm_next, NULL);
	t->rx_decode = cfg->pipeline.decode;
	if (cfg->vxlan_port && decode_cfg_add_vxlan_port(&t->rx_decode, cfg->vxlan_port) == 0)
		t->cfg.pipeline.decode = t->rx_decode;
	if (cfg->geneve_port && decode_cfg_add_geneve_port(&t->rx_decode, cfg->geneve_port) == 0)
		t->cfg.pipeline.decode = t->rx_decode;
	*out = t;
	if (cfg->external_rx) {
		t->linktype = LINKTYPE_ETHERNET;
		return 0;
	}
	if (cfg->interface) {
		struct live_opts o = {
			.ifname = cfg->interface,
			.snaplen = 65535,
			.buffer_bytes = cfg->rcvbuf > 0 ? (uint32_t)cfg->rcvbuf : 0,
		};
		int r = live_open(&t->iface, &o, err, errlen);
		if (r)
			return r;
		t->linktype = live_linktype(t->iface);
		return 0;
	}
	t->linktype = LINKTYPE_ETHERNET;
	struct ip_addr any[2];
	const struct ip_addr *addrs = cfg->listen;
	unsigned nadd = cfg->nlisten;
	if (!nadd) {
		memset(any, 0, sizeof(any));
		any[0].family = 4;
		any[1].family = 6;
		addrs = any;
		nadd = 2;
	}
	for (unsigned i = 0; i < nadd; i++) {
		for (int g = 0; g < 2; g++) {
			uint16_t port = g ? cfg->geneve_port : cfg->vxlan_port;
			if (!port)
				continue;
			struct rx_sock *s = &t->socks[t->nsocks];
			int r = udp_rx_open(&s->u, &addrs[i], port, cfg->rcvbuf, err, errlen);
			if (r) {
				/* The default pair: a host without IPv6 still listens on IPv4. */
				if (!cfg->nlisten && addrs[i].family == 6 &&
				    (r == -EAFNOSUPPORT || r == -EADDRNOTAVAIL)) {
					tlog(t, "IPv6 unavailable, IPv4 only (%s)", err);
					continue;
				}
				return r;
			}
			s->geneve = g;
			t->nsocks++;
		}
	}
	if (!t->nsocks) {
		snprintf(err, errlen, "no socket to listen on (both ports are 0)");
		return -EINVAL;
	}
	return 0;
}

void target_describe(const struct target *t, struct strbuf *b)
{
	if (t->iface) {
		strbuf_addf(b, "interface %s (promiscuous, libpcap, link type %d)\n",
			    t->cfg.interface, t->linktype);
		return;
	}
	for (unsigned i = 0; i < t->nsocks; i++) {
		int got = udp_rx_rcvbuf(t->socks[i].u);
		strbuf_addf(b, "%s %s (receive buffer %d bytes%s)\n",
			    t->socks[i].geneve ? "GENEVE" : "VXLAN", udp_rx_name(t->socks[i].u),
			    got,
			    t->cfg.rcvbuf > 0 && got < t->cfg.rcvbuf
				    ? ", less than asked: raise net.core.rmem_max or run as root"
				    : "");
	}
}

/* ---------------------------------------------------------------- workers */

static void on_prefetch(void *ctx, const struct flow *f)
{
	struct worker *w = ctx;
	if (w->qos)
		qos_prefetch(w->qos, f); /* the worker's own per-flow table: no lock */
}

static void on_packet(void *ctx, const struct packet *p, struct flow *f, int dir,
		      const struct tcp_pkt_analysis *ta)
{
	(void)ta;
	struct worker *w = ctx;
	if (p->proto == IPPROTO_NUM_ICMP || p->proto == IPPROTO_NUM_ICMPV6)
		icmp_seen_packet(&w->icmp, p);
	if (f && (p->proto == IPPROTO_NUM_TCP || p->proto == IPPROTO_NUM_UDP)) {
		/* the per-flow parse state hangs on the flow (the worker's); the roll-ups per
		 * server and resolver are shared: with several workers one analyzer, locked */
		if (w->t->nw > 1)
			pthread_mutex_lock(&w->t->app_mu);
		app_packet(w->app, p, f, dir);
		if (w->t->nw > 1)
			pthread_mutex_unlock(&w->t->app_mu);
	}
	if (w->qos && f) {
		/* per-flow state in the worker's table, roll-ups shared (worker 0's): locked */
		if (w->t->nw > 1)
			pthread_mutex_lock(&w->t->qos_mu);
		qos_packet(w->qos, p, f, dir);
		if (w->t->nw > 1)
			pthread_mutex_unlock(&w->t->qos_mu);
	}
}

static void on_tcp(void *ctx, const struct packet *p, struct flow *f, int dir,
		   const struct tcp_pkt_analysis *ta)
{
	struct worker *w = ctx;
	w->tcp_packets++;
	for (uint32_t m = ta->flags; m; m &= m - 1)
		w->tcp_flags[__builtin_ctz(m)]++;
	if (w->qos) {
		if (w->t->nw > 1)
			pthread_mutex_lock(&w->t->qos_mu);
		qos_tcp(w->qos, p, f, dir, ta);
		if (w->t->nw > 1)
			pthread_mutex_unlock(&w->t->qos_mu);
	}
}

static void on_flow_end(void *ctx, struct flow *f, struct flow_ext *fx, enum flow_end_reason why)
{
	struct worker *w = ctx;
	if (w->t->nw > 1)
		pthread_mutex_lock(&w->t->app_mu);
	app_flow_end(w->app, f);
	if (w->t->nw > 1)
		pthread_mutex_unlock(&w->t->app_mu);
	if (w->qos) {
		if (w->t->nw > 1)
			pthread_mutex_lock(&w->t->qos_mu);
		qos_flow_end(w->qos, f);
		if (w->t->nw > 1)
			pthread_mutex_unlock(&w->t->qos_mu);
	}
	w->flows_by_proto[f->proto == IPPROTO_NUM_TCP ? 0 : f->proto == IPPROTO_NUM_UDP ? 1 : 2]++;
	struct tcp_health h, *hp = NULL;
	if (fx && fx->tcp) {
		tcp_conv_health(fx->tcp, &h);
		hp = &h;
	}
	/* one table for all workers: a service's flows may end in any of them, and its
	 * findings must add them up as offline (flow ends are rare: a mutex is cheap) */
	if (w->t->nw > 1)
		pthread_mutex_lock(&w->t->agg_mu);
	service_table_flow(w->services, f, hp, fx && fx->tcp ? &fx->t[0].obs : NULL,
			   fx && fx->tcp ? fx->t[0].first_flag_frame : NULL);
	if (w->t->nw > 1)
		pthread_mutex_unlock(&w->t->agg_mu);
	if (w->t->flows_fp) {
		flow_record_json(&w->flow_w, f, why, hp);
		(void)jsonw_record_end(&w->flow_w);
	}
}

static const char *kind_name(enum tunnel_kind k)
{
	switch (k) {
	case TUN_VXLAN:
		return "vxlan";
	case TUN_GENEVE:
		return "geneve";
	case TUN_GRE:
		return "gre";
	case TUN_ERSPAN:
		return "erspan";
	case TUN_IPIP:
		return "ipip";
	default:
		return "other";
	}
}

/* The session of a processed packet: innermost tunnel (kind, id, outer source), or "other"
 * with the datagram's source. */
static struct wsession *sess_lookup(struct sess_tab *w, const struct packet *p,
				    const struct ip_addr *dsrc)
{
	const struct tunnel *tu = pkt_session_tunnel(p);
	enum tunnel_kind kind = tu ? tu->kind : TUN_NONE;
	bool has_id = tu && tu->has_id;
	uint32_t id = has_id ? tu->id : 0;
	const struct ip_addr *src = tu ? &tu->src : dsrc;
	if (w->last >= 0) {
		struct wsession *s = &w->sess[w->last];
		if (s->kind == kind && s->has_id == has_id && s->id == id &&
		    ipaddr_eq(&s->src, src))
			return s;
	}
	uint64_t key[3] = {(uint64_t)kind << 33 | (uint64_t)has_id << 32 | id, 0, 0};
	memcpy(&key[1], src->a, 16);
	uint32_t mask = 2 * WORKER_SESSIONS - 1;
	uint32_t h = (uint32_t)hash_bytes(key, sizeof(key), src->family) & mask;
	uint32_t n = atomic_load_explicit(&w->nsess, memory_order_relaxed);
	for (;; h = (h + 1) & mask) {
		int32_t i = w->index[h];
		if (i < 0)
			break;
		struct wsession *s = &w->sess[i];
		if (s->kind == kind && s->has_id == has_id && s->id == id &&
		    ipaddr_eq(&s->src, src)) {
			w->last = i;
			return s;
		}
	}
	if (n >= WORKER_SESSIONS - 1) {
		/* the last entry collects every session past the bound */
		struct wsession *s = &w->sess[WORKER_SESSIONS - 1];
		if (!s->label[0]) {
			snprintf(s->label, sizeof(s->label), "overflow");
			atomic_store_explicit(&w->nsess, WORKER_SESSIONS, memory_order_release);
		}
		return s;
	}
	struct wsession *s = &w->sess[n];
	s->kind = kind;
	s->has_id = has_id;
	s->id = id;
	s->src = *src;
	char a[IPADDR_STRLEN];
	ipaddr_format(src, a, sizeof(a));
	/* attributed as the offline commands do (src/mirror/sessions.c): VXLAN by VNI and
	 * outer source (a GWLB's GENEVE-carrying-VXLAN is VXLAN here too) */
	const struct aws_session *as = w->aws && kind == TUN_VXLAN && has_id
					       ? aws_config_session_by_vni(w->aws, id, src)
					       : NULL;
	if (as)
		snprintf(s->label, sizeof(s->label), "%s-%s", as->id, as->eni_id);
	else if (has_id)
		snprintf(s->label, sizeof(s->label), "%s-%u-%s", kind_name(kind), id, a);
	else
		snprintf(s->label, sizeof(s->label), "%s-%s", kind_name(kind), a);
	w->index[h] = (int32_t)n;
	w->last = (int32_t)n;
	atomic_store_explicit(&w->nsess, n + 1, memory_order_release);
	return s;
}

/* Take a model SIGHUP loaded, if any, into st (and the pipeline's session table). */
static void aws_refresh(struct target *t, struct sess_tab *st, struct pipeline *pl)
{
	unsigned g = atomic_load_explicit(&t->aws_gen, memory_order_acquire);
	if (g == st->aws_gen)
		return;
	st->aws_gen = g;
	st->aws = atomic_load_explicit(&t->aws_cur, memory_order_acquire);
	if (pl)
		pipeline_sessions(pl)->aws = st->aws;
}

/* Count a frame against its session and archive it. */
static void account_and_archive(struct target *t, struct sess_tab *st, const struct packet *p,
				const struct ip_addr *src, uint32_t payload_len)
{
	struct wsession *s = sess_lookup(st, p, src);
	/* single writer: a plain add published with a relaxed store, no locked instruction */
	atomic_store_explicit(&s->packets,
			      atomic_load_explicit(&s->packets, memory_order_relaxed) + 1,
			      memory_order_relaxed);
	atomic_store_explicit(&s->bytes,
			      atomic_load_explicit(&s->bytes, memory_order_relaxed) + payload_len,
			      memory_order_relaxed);
	/* Only the receive thread writes the archive; it holds arch_mu for a whole batch
	 * (rx_lock), which keeps the tick and the metrics out. */
	if (t->arch)
		(void)archive_write(t->arch, s->label, t->linktype, p->ts_ns, p->data, p->caplen,
				    p->wirelen);
}

static void worker_publish(struct worker *w)
{
	const struct flow_table_stats *fs = pipeline_flow_stats(w->pl);
	atomic_store_explicit(&w->processed, w->processed_l, memory_order_relaxed);
	atomic_store_explicit(&w->truncated, w->trunc_l, memory_order_relaxed);
	atomic_store_explicit(&w->flows_live, fs->live, memory_order_relaxed);
	atomic_store_explicit(&w->flows_created, fs->created, memory_order_relaxed);
	atomic_store_explicit(&w->evicted, fs->evicted, memory_order_relaxed);
}

static void worker_one(struct worker *w, const struct rx_rec *h, const uint8_t *frame)
{
	struct target *t = w->t;
	struct packet p;
	memset(&p, 0, offsetof(struct packet, ntun));
	p.frame = h->frame;
	aws_refresh(t, &w->st, w->pl);
	p.ts_ns = h->ts_ns;
	p.caplen = h->caplen;
	p.wirelen = h->wirelen;
	p.linktype = t->linktype;
	p.data = frame;
	pipeline_packet(w->pl, &p);
	w->processed_l++;
	if (p.truncated || h->caplen < h->wirelen)
		w->trunc_l++;
	/* Several workers: the receiver archived it, in arrival order. */
	if (t->inline_worker)
		account_and_archive(t, &w->st, &p, &h->src, h->payload_len);
}

/* Workers=1: the receive thread is the worker (no queue, no copy: the socket buffer is the
 * queue).  Publish counters and flush records now and then. */
static void inline_housekeeping(struct worker *w, bool force)
{
	int64_t now = now_mono();
	if (force || now >= w->next_flush) {
		if (!force)
			pipeline_advance(w->pl, now_real());
		if (w->t->flows_fp)
			(void)strbuf_flush(&w->flow_buf);
		w->next_flush = now + FLUSH_NS;
	}
	worker_publish(w);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct target *t = w->t;
	int64_t next_flush = now_mono() + FLUSH_NS;
	unsigned idle = 0, since = 0;
	for (;;) {
		size_t n;
		void *rec = spsc_peek(&w->q, &n);
		if (!rec) {
			if (since) {
				worker_publish(w);
				since = 0;
			}
			if (atomic_load_explicit(&t->rx_done, memory_order_acquire) &&
			    spsc_empty(&w->q))
				break;
			int64_t now = now_mono();
			if (now >= next_flush) {
				/* quiet: the wall clock ends idle flows and Flow Logs windows */
				pipeline_advance(w->pl, now_real());
				worker_publish(w);
				(void)strbuf_flush(&w->flow_buf);
				next_flush = now + FLUSH_NS;
			}
			if (++idle < 64) {
				sched_yield();
			} else {
				struct timespec ts = {0, 200000};
				nanosleep(&ts, NULL);
			}
			continue;
		}
		idle = 0;
		struct rx_rec h;
		memcpy(&h, rec, sizeof(h));
		if (n >= sizeof(h) && h.caplen <= n - sizeof(h))
			worker_one(w, &h, (const uint8_t *)rec + sizeof(h));
		spsc_release(&w->q);
		if (++since >= 256) {
			worker_publish(w);
			since = 0;
			int64_t now = now_mono();
			if (now >= next_flush) {
				(void)strbuf_maybe_flush(&w->flow_buf);
				if (t->flows_fp)
					(void)strbuf_flush(&w->flow_buf);
				next_flush = now + FLUSH_NS;
			}
		}
	}
	pipeline_finish(w->pl);
	worker_publish(w);
	(void)strbuf_flush(&w->flow_buf);
	atomic_store(&w->running, 0);
	return NULL;
}

/* ---------------------------------------------------------------- receiver */

/* The tunnel header of a datagram on a VXLAN or GENEVE port: false when malformed. */
static bool tunnel_header(const uint8_t *pl, uint32_t len, bool geneve, uint32_t *vni)
{
	struct cursor c = cur_make(pl, len);
	uint8_t b0 = cur_u8(&c);
	(void)cur_u8(&c);
	(void)cur_be16(&c);
	*vni = cur_be24(&c);
	(void)cur_u8(&c);
	if (c.bad)
		return false;
	if (!geneve)
		return (b0 & 0x08) != 0; /* the I flag */
	if (b0 >> 6)
		return false;            /* GENEVE version 0 only */
	return (size_t)(b0 & 0x3f) * 4 <= c.left;
}

/* Decode a received frame into t->scratch (the receiver's own packet, not a worker's). */
static const struct packet *scratch_decode(struct target *t, const uint8_t *frame,
					   uint32_t caplen, uint32_t wirelen, int64_t ts_ns)
{
	struct packet *p = &t->scratch;
	memset(p, 0, offsetof(struct packet, ntun));
	p->ts_ns = ts_ns;
	p->caplen = caplen;
	p->wirelen = wirelen;
	p->linktype = t->linktype;
	p->data = frame;
	decode_frame(&t->rx_decode, p);
	return p;
}

/* Several workers: decode into t->scratch (the receiver also archives from it). */
static unsigned pick_worker(struct target *t, const uint8_t *frame, uint32_t caplen,
			    uint32_t wirelen, int64_t ts_ns)
{
	if (t->nw == 1)
		return 0;
	const struct packet *p = scratch_decode(t, frame, caplen, wirelen, ts_ns);
	if (!p->has_ip)
		return 0;
	/* Addresses only, ordered: both directions, every IP fragment and the copies of a
	 * conversation from another mirror point (dedup) meet in one worker. */
	const struct ip_addr *a = &p->src, *b = &p->dst;
	if (ipaddr_cmp(a, b) > 0) {
		a = &p->dst;
		b = &p->src;
	}
	uint8_t key[32];
	memcpy(key, a->a, 16);
	memcpy(key + 16, b->a, 16);
	return (unsigned)(hash_bytes(key, sizeof(key), p->proto) % t->nw);
}

static void refused(struct target *t, const struct ip_addr *src, enum admission_verdict v,
		    uint32_t vni)
{
	if (v == ADM_REFUSE_CIDR)
		t->rc_l++;
	else
		t->rv_l++;
	int64_t now = now_mono();
	if (now - t->refuse_log_ns >= 10 * FLUSH_NS) {
		char a[IPADDR_STRLEN];
		uint64_t total = t->rc_l + t->rv_l;
		tlog(t, "refused %llu datagram(s) in the last 10 s; latest from %s VNI %u (%s)",
		     (unsigned long long)(total - t->refuse_logged),
		     ipaddr_format(src, a, sizeof(a)), vni,
		     v == ADM_REFUSE_CIDR ? "source not in --allow-cidr"
					  : "VNI not in --allow-vni");
		t->refuse_log_ns = now;
		t->refuse_logged = total;
	}
}

static void enqueue(struct target *t, unsigned wi, const uint8_t *frame, uint32_t caplen,
		    uint32_t wirelen, uint32_t payload_len, int64_t ts, const struct ip_addr *src)
{
	struct worker *w = &t->w[wi];
	if (t->inline_worker) {
		struct rx_rec ih = {++t->frame_l, ts, caplen, wirelen, payload_len, *src};
		worker_one(w, &ih, frame);
		return;
	}
	uint64_t fno = ++t->frame_l; /* archived even when the queue is full */
	uint8_t *m = spsc_reserve(&w->q, sizeof(struct rx_rec) + caplen);
	if (!m) {
		t->qd_l++;
		return;
	}
	struct rx_rec h = {fno, ts, caplen, wirelen, payload_len, *src};
	memcpy(m, &h, sizeof(h));
	memcpy(m + sizeof(h), frame, caplen);
	spsc_commit(&w->q);
}

static void rx_dgram(struct target *t, const struct udp_rx_dgram *d, bool geneve)
{
	t->rx_l++;
	t->rxb_l += d->payload_len;
	uint32_t vni;
	if (!tunnel_header(d->frame + d->hdrlen, d->caplen - d->hdrlen, geneve, &vni)) {
		t->mal_l++;
		return;
	}
	enum admission_verdict v = admission_check(t->adm, &d->src, true, vni);
	if (v != ADM_ACCEPT) {
		refused(t, &d->src, v, vni);
		return;
	}
	if (d->truncated)
		t->tr_l++;
	if (!t->inline_worker)
		aws_refresh(t, &t->rx_st, NULL);
	unsigned wi = pick_worker(t, d->frame, d->caplen, d->wirelen, d->ts_ns);
	if (!t->inline_worker)
		account_and_archive(t, &t->rx_st, &t->scratch, &d->src, d->payload_len);
	enqueue(t, wi, d->frame, d->caplen, d->wirelen, d->payload_len, d->ts_ns, &d->src);
}

static void rx_frame(void *ctx, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
		     int64_t ts_ns)
{
	struct target *t = ctx;
	t->rx_l++;
	t->rxb_l += wirelen;
	const struct packet *p = scratch_decode(t, data, caplen, wirelen, ts_ns);
	const struct tunnel *tu = pkt_session_tunnel(p);
	if (!tu) {
		t->mal_l++;
		return;
	}
	struct ip_addr src = p->tun[0].src;
	enum admission_verdict v = admission_check(t->adm, &src, tu->has_id, tu->id);
	if (v != ADM_ACCEPT) {
		refused(t, &src, v, tu->id);
		return;
	}
	unsigned wi = 0;
	if (t->nw > 1 && p->has_ip) {
		const struct ip_addr *a = &p->src, *b = &p->dst;
		if (ipaddr_cmp(a, b) > 0) {
			a = &p->dst;
			b = &p->src;
		}
		uint8_t key[32];
		memcpy(key, a->a, 16);
		memcpy(key + 16, b->a, 16);
		wi = (unsigned)(hash_bytes(key, sizeof(key), p->proto) % t->nw);
	}
	if (!t->inline_worker) {
		aws_refresh(t, &t->rx_st, NULL);
		account_and_archive(t, &t->rx_st, p, &src, wirelen);
	}
	enqueue(t, wi, data, caplen, wirelen, wirelen, ts_ns, &src);
}

static void rx_publish(struct target *t)
{
	atomic_store_explicit(&t->rx_datagrams, t->rx_l, memory_order_relaxed);
	atomic_store_explicit(&t->rx_bytes, t->rxb_l, memory_order_relaxed);
	atomic_store_explicit(&t->queue_drops, t->qd_l, memory_order_relaxed);
	atomic_store_explicit(&t->refused_cidr, t->rc_l, memory_order_relaxed);
	atomic_store_explicit(&t->refused_vni, t->rv_l, memory_order_relaxed);
	atomic_store_explicit(&t->malformed, t->mal_l, memory_order_relaxed);
	atomic_store_explicit(&t->truncated, t->tr_l, memory_order_relaxed);
	uint64_t d = 0;
	for (unsigned i = 0; i < t->nsocks; i++)
		d += udp_rx_drops(t->socks[i].u);
	atomic_store_explicit(&t->socket_drops_ovfl, d, memory_order_relaxed);
}

static void rx_lock(struct target *t)
{
	if (t->arch)
		pthread_mutex_lock(&t->arch_mu);
}

static void rx_unlock(struct target *t)
{
	if (t->arch)
		pthread_mutex_unlock(&t->arch_mu);
}

/* Read sock until it is empty or `batches` batches were read: the datagrams read, or -1 on a
 * socket error. */
static int rx_sock_read(struct target *t, struct rx_sock *s, int batches)
{
	int total = 0;
	for (int b = 0; b < batches; b++) {
		struct udp_rx_dgram *d;
		int n = udp_rx_recv(s->u, &d);
		if (n < 0) {
			tlog(t, "receiving on %s: %s", udp_rx_name(s->u), strerror(-n));
			return -1;
		}
		rx_lock(t);
		for (int i = 0; i < n; i++)
			rx_dgram(t, &d[i], s->geneve);
		rx_unlock(t);
		total += n;
		if (n < UDP_RX_BATCH)
			break;
	}
	return total;
}

static int rx_iface_read(struct target *t, char *err, size_t errlen)
{
	rx_lock(t);
	int n = 0, rc = LIVE_TIMEOUT;
	while (n < RX_IFACE_ROUND) {
		struct packet p;
		rc = live_next(t->iface, &p, 0);
		if (rc != CAPTURE_FRAME)
			break;
		rx_frame(t, p.data, p.caplen, p.wirelen, p.ts_ns);
		n++;
	}
	rx_unlock(t);
	if (rc != CAPTURE_FRAME && rc != LIVE_TIMEOUT && !n) {
		snprintf(err, errlen, "interface %s: %s", t->cfg.interface, live_error(t->iface));
		return -EIO;
	}
	return n;
}

/* The receiver is done: the inline worker ends its flows, the queued workers may finish. */
static void rx_finish(struct target *t)
{
	rx_publish(t);
	if (t->inline_worker) {
		struct worker *w = &t->w[0];
		pipeline_finish(w->pl);
		inline_housekeeping(w, true);
		atomic_store(&w->running, 0);
	}
	atomic_store(&t->rx_running, 0);
	atomic_store_explicit(&t->rx_done, 1, memory_order_release);
}

static void *rx_main(void *arg)
{
	struct target *t = arg;
	struct pollfd pfd[MAX_SOCKS];
	unsigned n = t->iface ? 1 : t->nsocks;
	for (unsigned i = 0; i < n; i++) {
		pfd[i].fd = t->iface ? live_fd(t->iface) : udp_rx_fd(t->socks[i].u);
		pfd[i].events = POLLIN;
	}
	char err[512];
	bool flowing = false; /* the last round read something: skip poll, traffic goes on */
	while (!atomic_load_explicit(&t->stopping, memory_order_acquire)) {
		struct admission *na = atomic_exchange(&t->adm_next, NULL);
		if (na) {
			free(t->adm);
			t->adm = na;
		}
		if (!flowing) {
			int r = poll(pfd, n, 100);
			if (r < 0 && errno != EINTR)
				break;
			if (r <= 0) {
				rx_publish(t);
				if (t->inline_worker)
					inline_housekeeping(&t->w[0], false);
				continue;
			}
		}
		int got = 0;
		bool more = false; /* a socket still held data when its round ended */
		for (unsigned i = 0; i < n; i++) {
			if (!flowing && !(pfd[i].revents & (POLLIN | POLLERR)))
				continue;
			int k = t->iface ? rx_iface_read(t, err, sizeof(err))
					 : rx_sock_read(t, &t->socks[i], RX_ROUND_BATCHES);
			if (k < 0 && t->iface)
				tlog(t, "%s", err);
			got += k > 0 ? k : 0;
			more |= t->iface ? k >= RX_IFACE_ROUND : k >= RX_ROUND_BATCHES * UDP_RX_BATCH;
		}
		flowing = got > 0;
		rx_publish(t);
		if (t->inline_worker)
			inline_housekeeping(&t->w[0], false);
		/* The sockets are drained: let datagrams gather in the socket buffer for a moment
		 * so the next round reads whole batches, rather than one or two per system call
		 * (the kernel's NAPI idea).  While traffic flows this replaces poll(); under
		 * overload a round never drains and this never sleeps. */
		if (flowing && !more) {
			struct timespec ts = {0, RX_COALESCE_NS};
			nanosleep(&ts, NULL);
		}
	}
	/* Drain: everything the sockets hold now was received and must be accounted for. */
	if (t->iface) {
		while (rx_iface_read(t, err, sizeof(err)) > 0)
			;
	} else {
		for (unsigned i = 0; i < t->nsocks; i++)
			while (rx_sock_read(t, &t->socks[i], 1024) >= 1024 * UDP_RX_BATCH)
				;
	}
	rx_finish(t);
	return NULL;
}

void target_rx_datagram(struct target *t, const struct udp_rx_dgram *d, bool geneve)
{
	struct admission *na = atomic_exchange(&t->adm_next, NULL);
	if (na) {
		free(t->adm);
		t->adm = na;
	}
	rx_lock(t);
	rx_dgram(t, d, geneve);
	rx_unlock(t);
	rx_publish(t);
}

/* ---------------------------------------------------------------- start / tick / stop */

static void utc_stamp(int64_t ns, char *buf, size_t len)
{
	time_t s = (time_t)(ns / 1000000000);
	struct tm tm;
	gmtime_r(&s, &tm);
	strftime(buf, len, "%Y%m%dT%H%M%SZ", &tm);
}

static int worker_init(struct target *t, struct worker *w, unsigned idx, char *err, size_t errlen)
{
	w->t = t;
	w->idx = idx;
	if (spsc_init(&w->q, t->nw == 1 ? 0 : t->cfg.queue_bytes)) {
		snprintf(err, errlen, "out of memory (queue of %zu bytes)", t->cfg.queue_bytes);
		return -ENOMEM;
	}
	w->st.aws = t->cfg.aws;
	int sr = sess_tab_init(&w->st);
	w->services = t->services;
	w->app = t->app;
	uint32_t mf = t->cfg.pipeline.flows.max_flows;
	/* one set of QoS roll-ups, worker 0's: its findings are the offline ones whichever
	 * worker a flow ends in */
	uint32_t qmf = mf < 16 ? 16 : mf;
	if (t->cfg.qos && idx == 0)
		w->qos = qos_new(&t->cfg.qos_cfg, qmf);
	else if (t->cfg.qos && t->w[0].qos)
		w->qos = qos_new_shared(&t->cfg.qos_cfg, qmf, t->w[0].qos);
	if (sr || !w->services || !w->app || (t->cfg.qos && !w->qos)) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	strbuf_init(&w->flow_buf, t->flows_fp);
	jsonw_init(&w->flow_w, &w->flow_buf);
	struct pipeline_cfg pc = t->cfg.pipeline;
	pc.tcp_analysis = true;
	pc.track_flows = true;
	if (t->cfg.flowlogs) {
		struct flowlog_sink_cfg sc = t->cfg.flowlog_cfg;
		sc.instance = idx;
		int r = flowlog_sink_open(&w->sink, &sc, err, errlen);
		if (r)
			return r;
		pc.flowlogs = w->sink;
	}
	pc.hooks.on_packet = on_packet;
	pc.hooks.prefetch = on_prefetch;
	pc.hooks.on_tcp = on_tcp;
	pc.hooks.on_flow_end = on_flow_end;
	pc.hooks.ctx = w;
	w->pl = pipeline_new(&pc);
	if (!w->pl) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	pipeline_sessions(w->pl)->aws = t->cfg.aws; /* as cli_read_inputs() offline */
	return 0;
}

int target_start(struct target *t, char *err, size_t errlen)
{
	t->start_ns = now_real();
	char stamp[32];
	utc_stamp(t->start_ns, stamp, sizeof(stamp));
	if (t->cfg.records_dir) {
		if (mkdir(t->cfg.records_dir, 0755) && errno != EEXIST) {
			snprintf(err, errlen, "records directory %s: %s", t->cfg.records_dir,
				 strerror(errno));
			return -errno;
		}
		snprintf(t->flows_path, sizeof(t->flows_path), "%s/flows-%s.jsonl",
			 t->cfg.records_dir, stamp);
		snprintf(t->findings_path, sizeof(t->findings_path), "%s/findings-%s.jsonl",
			 t->cfg.records_dir, stamp);
		t->flows_fp = fopen(t->flows_path, "w");
		if (!t->flows_fp) {
			int e = errno;
			snprintf(err, errlen, "cannot create %s: %s", t->flows_path, strerror(e));
			return -e;
		}
	}
	if (t->cfg.flowlogs) {
		const char *dir = t->cfg.flowlog_cfg.s3_dir;
		if ((mkdir(dir, 0755) && errno != EEXIST) || access(dir, W_OK | X_OK)) {
			int e = errno;
			snprintf(err, errlen, "flow-log directory %s: %s", dir, strerror(e));
			return -e;
		}
	}
	if (t->cfg.archive) {
		/* The receive thread fills the archive's buffers; a thread of the archive writes
		 * them, on another core (bench/README.md: write(2) was 16 % of the receive
		 * thread's samples, and far more when the page cache must find fresh pages). */
		t->cfg.archive_cfg.write_behind = true;
		int r = archive_new(&t->arch, &t->cfg.archive_cfg, err, errlen);
		if (r)
			return r;
	}
	for (unsigned i = 0; i < t->nw; i++) {
		int r = worker_init(t, &t->w[i], i, err, errlen);
		if (r)
			return r;
	}
	uint64_t v;
	if (udp_snmp_rcvbuf_errors(&v) == 0) {
		t->rcvbuf_base = v;
		t->have_rcvbuf_base = true;
	}
	t->inline_worker = t->nw == 1;
	for (unsigned i = 0; i < t->nw; i++) {
		atomic_store(&t->w[i].running, 1);
		if (t->inline_worker)
			break;
		int r = pthread_create(&t->w[i].th, NULL, worker_main, &t->w[i]);
		if (r) {
			atomic_store(&t->w[i].running, 0);
			snprintf(err, errlen, "cannot start worker thread: %s", strerror(r));
			return -r;
		}
		t->w[i].started = true;
	}
	atomic_store(&t->rx_running, 1);
	if (t->cfg.external_rx) {
		t->ext_started = true;
		return 0;
	}
	int r = pthread_create(&t->rx_th, NULL, rx_main, t);
	if (r) {
		atomic_store(&t->rx_running, 0);
		atomic_store(&t->rx_done, 1);
		snprintf(err, errlen, "cannot start receive thread: %s", strerror(r));
		return -r;
	}
	t->rx_started = true;
	return 0;
}

static void poll_kernel_drops(struct target *t)
{
	for (unsigned i = 0; i < t->nsocks; i++) {
		uint64_t d;
		if (udp_rx_proc_drops(t->socks[i].u, &d) == 0)
			atomic_store_explicit(&t->socks[i].proc_drops, d, memory_order_relaxed);
	}
	uint64_t v;
	if (t->have_rcvbuf_base && udp_snmp_rcvbuf_errors(&v) == 0)
		atomic_store_explicit(&t->rcvbuf_errors, v - t->rcvbuf_base, memory_order_relaxed);
	if (t->iface) {
		struct live_stats ls;
		if (live_stats(t->iface, &ls) == 0)
			atomic_store_explicit(&t->iface_drops, ls.dropped + ls.if_dropped,
					      memory_order_relaxed);
	}
}

void target_tick(struct target *t)
{
	if (t->arch) {
		char msg[4300] = "";
		pthread_mutex_lock(&t->arch_mu);
		archive_tick(t->arch, now_real());
		const struct archive_stats *as = archive_stats(t->arch);
		if (as->write_errors != t->arch_errors_logged) {
			snprintf(msg, sizeof(msg),
				 "archive: %s (%llu frame(s) lost so far; analysis goes on, "
				 "writing is retried every 5 s)",
				 archive_last_error(t->arch), (unsigned long long)as->lost);
			t->arch_errors_logged = as->write_errors;
		}
		pthread_mutex_unlock(&t->arch_mu);
		if (msg[0])
			tlog(t, "%s", msg);
	}
	poll_kernel_drops(t);
}

void target_set_aws(struct target *t, struct aws_config *c)
{
	if (t->naws_owned == sizeof(t->aws_owned) / sizeof(t->aws_owned[0])) {
		tlog(t, "SIGHUP: --sessions: reloaded %u times already; restart to reload again",
		     t->naws_owned);
		aws_config_free(c);
		free(c);
		return;
	}
	t->aws_owned[t->naws_owned++] = c;
	atomic_store_explicit(&t->aws_cur, c, memory_order_release);
	atomic_fetch_add_explicit(&t->aws_gen, 1, memory_order_release);
}

void target_set_admission(struct target *t, const struct admission *a)
{
	struct admission *c = malloc(sizeof(*c));
	if (!c)
		return;
	*c = *a;
	free(atomic_exchange(&t->adm_next, c));
}

bool target_healthy(const struct target *t)
{
	if (atomic_load(&t->stopping) || !atomic_load(&t->rx_running))
		return false;
	for (unsigned i = 0; i < t->nw; i++)
		if (!atomic_load(&t->w[i].running))
			return false;
	return true;
}

static int by_label(const void *a, const void *b)
{
	return strcmp(((const struct metrics_session *)a)->label,
		      ((const struct metrics_session *)b)->label);
}

/* Fill m; *sessions is allocated (caller frees). */
static void snapshot(struct target *t, struct metrics_snapshot *m, struct metrics_session **ss)
{
	memset(m, 0, sizeof(*m));
	m->rx_datagrams = atomic_load(&t->rx_datagrams);
	m->rx_bytes = atomic_load(&t->rx_bytes);
	uint64_t ovfl = atomic_load(&t->socket_drops_ovfl), proc = 0;
	for (unsigned i = 0; i < t->nsocks; i++)
		proc += atomic_load(&t->socks[i].proc_drops);
	m->socket_drops = ovfl > proc ? ovfl : proc;
	if (t->iface)
		m->socket_drops = atomic_load(&t->iface_drops);
	m->udp_rcvbuf_errors = atomic_load(&t->rcvbuf_errors);
	m->queue_drops = atomic_load(&t->queue_drops);
	m->refused_cidr = atomic_load(&t->refused_cidr);
	m->refused_vni = atomic_load(&t->refused_vni);
	m->malformed = atomic_load(&t->malformed);
	m->truncated = atomic_load(&t->truncated);
	m->up = target_healthy(t);
	struct sess_tab *tabs[TARGET_MAX_WORKERS + 1];
	unsigned ntabs = 0;
	tabs[ntabs++] = &t->rx_st;
	for (unsigned i = 0; i < t->nw; i++)
		tabs[ntabs++] = &t->w[i].st;
	size_t total = 0;
	for (unsigned i = 0; i < t->nw; i++) {
		struct worker *w = &t->w[i];
		m->processed += atomic_load(&w->processed);
		m->truncated += atomic_load(&w->truncated);
		m->flows_active += atomic_load(&w->flows_live);
		m->flows_total += atomic_load(&w->flows_created);
		m->flow_evictions += atomic_load(&w->evicted);
	}
	for (unsigned i = 0; i < ntabs; i++)
		total += atomic_load_explicit(&tabs[i]->nsess, memory_order_acquire);
	if (t->arch) {
		pthread_mutex_lock(&t->arch_mu);
		const struct archive_stats *as = archive_stats(t->arch);
		m->archived = as->archived;
		m->archive_lost = as->lost;
		m->archive_files = as->files;
		m->write_errors = as->write_errors;
		pthread_mutex_unlock(&t->arch_mu);
	}
	*ss = total ? calloc(total, sizeof(**ss)) : NULL;
	size_t k = 0;
	for (unsigned i = 0; *ss && i < ntabs; i++) {
		struct sess_tab *st = tabs[i];
		uint32_t n = atomic_load_explicit(&st->nsess, memory_order_acquire);
		for (uint32_t j = 0; j < n && k < total; j++) {
			struct wsession *s = &st->sess[j];
			if (!s->label[0])
				continue;
			memcpy((*ss)[k].label, s->label, sizeof((*ss)[k].label));
			(*ss)[k].packets = atomic_load_explicit(&s->packets, memory_order_relaxed);
			(*ss)[k].bytes = atomic_load_explicit(&s->bytes, memory_order_relaxed);
			k++;
		}
	}
	if (k > 1) {
		qsort(*ss, k, sizeof(**ss), by_label);
		size_t o = 0;
		for (size_t i = 1; i < k; i++) {
			if (!strcmp((*ss)[o].label, (*ss)[i].label)) {
				(*ss)[o].packets += (*ss)[i].packets;
				(*ss)[o].bytes += (*ss)[i].bytes;
			} else {
				(*ss)[++o] = (*ss)[i];
			}
		}
		k = o + 1;
	}
	m->sessions = *ss;
	m->nsessions = k;
}

void target_metrics_prometheus(struct target *t, struct strbuf *b)
{
	struct metrics_snapshot m;
	struct metrics_session *ss;
	snapshot(t, &m, &ss);
	metrics_prometheus(b, &m);
	free(ss);
}

void target_metrics_json(struct target *t, struct strbuf *b)
{
	struct metrics_snapshot m;
	struct metrics_session *ss;
	snapshot(t, &m, &ss);
	metrics_json(b, &m);
	free(ss);
}

/* Findings from every worker, as `vxscope analyze` computes them. */
/* Sum of the workers' ICMP too-big senders (one worker's list with one worker). */
static void merge_icmp(struct target *t, struct icmp_seen *m)
{
	memset(m, 0, sizeof(*m));
	for (unsigned i = 0; i < t->nw; i++) {
		const struct icmp_seen *s = &t->w[i].icmp;
		m->total += s->total;
		for (unsigned k = 0; k < s->n; k++) {
			unsigned j = 0;
			while (j < m->n && !ipaddr_eq(&m->v[j].sender, &s->v[k].sender))
				j++;
			if (j == m->n) {
				if (m->n == ICMP_SEEN_MAX)
					continue;
				m->v[m->n++] = s->v[k];
				continue;
			}
			m->v[j].count += s->v[k].count;
			if (s->v[k].first_frame < m->v[j].first_frame) {
				m->v[j].first_frame = s->v[k].first_frame;
				m->v[j].mtu = s->v[k].mtu;
			}
		}
	}
}

/* The workers' decode counters added up. */
static void merge_stats(struct target *t, struct decode_stats *m)
{
	memset(m, 0, sizeof(*m));
	for (unsigned i = 0; i < t->nw; i++) {
		const struct decode_stats *s = pipeline_stats(t->w[i].pl);
		if (!s->frames)
			continue;
		if (!m->frames || s->first_ns < m->first_ns)
			m->first_ns = s->first_ns;
		if (!m->frames || s->last_ns > m->last_ns)
			m->last_ns = s->last_ns;
		m->frames += s->frames;
		m->ip_packets += s->ip_packets;
		m->non_ip += s->non_ip;
		m->tunnelled += s->tunnelled;
		for (unsigned k = 0; k <= TUN_IPIP; k++)
			m->by_tunnel[k] += s->by_tunnel[k];
		m->truncated += s->truncated;
		for (unsigned k = 0; k < ANOM_COUNT; k++)
			m->anomalies[k] += s->anomalies[k];
		m->flow_alloc_failures += s->flow_alloc_failures;
		m->wire_bytes += s->wire_bytes;
	}
}

/* The workers' mirror sessions as one table (only v and n are filled: what the findings read).
 * A session's frames may be spread over every worker. */
static int merge_sessions(struct target *t, struct session_table *m)
{
	session_table_init(m);
	uint32_t cap = 0;
	for (unsigned i = 0; i < t->nw; i++)
		cap += pipeline_sessions(t->w[i].pl)->n;
	m->v = calloc(cap ? cap : 1, sizeof(*m->v));
	if (!m->v)
		return -ENOMEM;
	for (unsigned i = 0; i < t->nw; i++) {
		const struct session_table *st = pipeline_sessions(t->w[i].pl);
		for (uint32_t k = 0; k < st->n; k++) {
			const struct session *s = &st->v[k];
			uint32_t j = 0;
			for (; j < m->n; j++) {
				const struct session *x = &m->v[j];
				if (x->kind == s->kind && x->has_id == s->has_id && x->id == s->id &&
				    ipaddr_eq(&x->outer_src, &s->outer_src) &&
				    ipaddr_eq(&x->outer_dst, &s->outer_dst))
					break;
			}
			if (j == m->n) {
				m->v[m->n++] = *s;
				continue;
			}
			struct session *x = &m->v[j];
			x->gwlb |= s->gwlb;
			x->packets += s->packets;
			x->wire_bytes += s->wire_bytes;
			x->inner_bytes += s->inner_bytes;
			x->truncated += s->truncated;
			x->truncated_bytes_lost += s->truncated_bytes_lost;
			x->snap_cut += s->snap_cut;
			x->duplicates += s->duplicates;
			if (s->max_inner_len > x->max_inner_len)
				x->max_inner_len = s->max_inner_len;
			if (s->first_frame < x->first_frame) {
				x->first_frame = s->first_frame;
				x->first_ns = s->first_ns;
			}
			if (s->last_ns > x->last_ns)
				x->last_ns = s->last_ns;
		}
	}
	return 0;
}

/* Every finding, from one aggregation: the shared service table (TCP), the ICMP senders,
 * decode counters and sessions added up over the workers (mirror), the pairs of copies from
 * two mirror points per worker (a conversation's copies all meet in one worker), the shared
 * application analyzer, and the shared QoS roll-ups (docs/target.md). */
static int collect_findings(struct target *t, struct finding_list *all)
{
	struct icmp_seen icmp;
	merge_icmp(t, &icmp);
	tcp_findings(t->services, &icmp, all);
	if (t->nw == 1) {
		struct pipeline *pl = t->w[0].pl;
		mirror_findings(pipeline_sessions(pl), pipeline_stats(pl), pipeline_dedup(pl), all);
	} else {
		struct decode_stats st;
		struct session_table sess;
		merge_stats(t, &st);
		if (merge_sessions(t, &sess))
			return -ENOMEM;
		mirror_findings(&sess, &st, NULL, all);
		free(sess.v);
		struct decode_stats none;
		memset(&none, 0, sizeof(none));
		for (unsigned i = 0; i < t->nw; i++) {
			struct pipeline *pl = t->w[i].pl;
			struct finding_list two = {0};
			mirror_findings(pipeline_sessions(pl), &none, pipeline_dedup(pl), &two);
			for (size_t k = 0; k < two.n; k++) {
				if (strcmp(two.v[k].kind, "mirror.two_vantage_points") &&
				    strcmp(two.v[k].kind, "qos.dscp_remarked"))
					continue; /* per-session ones came from the merged table */
				struct finding *f = findings_add(all);
				if (f)
					*f = two.v[k];
			}
			findings_free(&two);
		}
	}
	app_findings(t->app, all);
	if (t->w[0].qos) /* the roll-ups of every worker's flows */
		qos_findings(t->w[0].qos, all);
	return 0;
}

static int write_findings(struct target *t, char *err, size_t errlen)
{
	struct finding_list all = {0};
	if (collect_findings(t, &all)) {
		snprintf(err, errlen, "out of memory (findings)");
		findings_free(&all);
		return -ENOMEM;
	}
	findings_sort(&all);
	FILE *fp = fopen(t->findings_path, "w");
	if (!fp) {
		int e = errno;
		snprintf(err, errlen, "cannot create %s: %s", t->findings_path, strerror(e));
		findings_free(&all);
		return -e;
	}
	struct strbuf b;
	struct jsonw jw;
	strbuf_init(&b, fp);
	jsonw_init(&jw, &b);
	for (size_t i = 0; i < all.n; i++) {
		report_finding_json(&jw, &all.v[i]);
		(void)jsonw_record_end(&jw);
	}
	int r = strbuf_flush(&b);
	strbuf_fini(&b);
	if (fclose(fp) && !r)
		r = -errno;
	if (r)
		snprintf(err, errlen, "writing %s: %s", t->findings_path, strerror(-r));
	tlog(t, "%zu finding(s) in %s", all.n, t->findings_path);
	findings_free(&all);
	return r;
}

int target_stop(struct target *t, char *err, size_t errlen)
{
	int rc = 0;
	err[0] = 0;
	bool ran = t->rx_started || t->ext_started; /* every worker initialised, receiver on */
	atomic_store_explicit(&t->stopping, 1, memory_order_release);
	if (t->rx_started)
		pthread_join(t->rx_th, NULL);
	if (t->ext_started)
		rx_finish(t);
	t->ext_started = false;
	atomic_store_explicit(&t->rx_done, 1, memory_order_release);
	for (unsigned i = 0; i < t->nw && t->w; i++)
		if (t->w[i].started)
			pthread_join(t->w[i].th, NULL);
	t->rx_started = false;
	poll_kernel_drops(t);
	for (unsigned i = 0; i < t->nw && t->w; i++) {
		struct worker *w = &t->w[i];
		if (w->flow_buf.err && !rc) {
			rc = w->flow_buf.err;
			snprintf(err, errlen, "writing %s: %s", t->flows_path, strerror(-rc));
		}
		if (w->sink) {
			char e2[512];
			if (flowlog_sink_close(w->sink, e2, sizeof(e2)) && !rc) {
				rc = -EIO;
				snprintf(err, errlen, "flow logs: %s", e2);
			}
			w->sink = NULL;
		}
	}
	if (t->flows_fp) {
		if (fclose(t->flows_fp) && !rc) {
			rc = -errno;
			snprintf(err, errlen, "writing %s: %s", t->flows_path, strerror(-rc));
		}
		t->flows_fp = NULL;
		for (unsigned i = 0; i < t->nw && t->w; i++)
			t->w[i].flow_buf.out = NULL;
		char e2[512];
		int r = ran ? write_findings(t, e2, sizeof(e2)) : 0;
		if (r && !rc) {
			rc = r;
			snprintf(err, errlen, "%s", e2);
		}
	}
	if (t->arch) {
		pthread_mutex_lock(&t->arch_mu);
		archive_finish_all(t->arch);
		archive_tick(t->arch, now_real());
		const struct archive_stats *as = archive_stats(t->arch);
		if (as->write_errors && !rc) {
			rc = -(as->last_errno ? as->last_errno : EIO);
			snprintf(err, errlen,
				 "archive: %llu write error(s), %llu frame(s) lost; the last: %s",
				 (unsigned long long)as->write_errors,
				 (unsigned long long)as->lost, archive_last_error(t->arch));
		}
		pthread_mutex_unlock(&t->arch_mu);
	}
	return rc;
}

void target_free(struct target *t)
{
	if (!t)
		return;
	for (unsigned i = 0; i < t->nsocks; i++)
		udp_rx_close(t->socks[i].u);
	live_close(t->iface);
	for (unsigned i = 0; i < t->nw && t->w; i++) {
		struct worker *w = &t->w[i];
		if (w->sink) {
			char e2[16];
			(void)flowlog_sink_close(w->sink, e2, sizeof(e2));
		}
		pipeline_free(w->pl);
		strbuf_fini(&w->flow_buf);
		spsc_fini(&w->q);
		sess_tab_fini(&w->st);
	}
	for (unsigned i = t->nw; i-- > 0 && t->w;) /* worker 0's qos (the roll-ups) last */
		qos_free(t->w[i].qos);
	free(t->w);
	if (t->arch)
		archive_close(t->arch);
	if (t->flows_fp)
		fclose(t->flows_fp);
	free(t->adm);
	free(atomic_load(&t->adm_next));
	sess_tab_fini(&t->rx_st);
	service_table_free(t->services);
	app_analyzer_free(t->app);
	for (unsigned i = 0; i < t->naws_owned; i++) {
		aws_config_free(t->aws_owned[i]);
		free(t->aws_owned[i]);
	}
	pthread_mutex_destroy(&t->app_mu);
	pthread_mutex_destroy(&t->qos_mu);
	pthread_mutex_destroy(&t->agg_mu);
	pthread_mutex_destroy(&t->arch_mu);
	free(t);
}
