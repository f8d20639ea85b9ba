/* flowlog_sink.c - VPC Flow Logs aggregation and delivery (see flowlog_sink.h). */
#include "flowlog_sink.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <zlib.h>

#include "base/hash.h"
#include "base/strbuf.h"
#include "base/timefmt.h"
#include "decode/ipaddr.h"
#include "mirror/aws_config.h"

#define S3_FILE_SECONDS 300 /* AWS publishes a file every 5 minutes */

struct flowlog_sink {
	struct flowlog_sink_cfg cfg;
	struct strbuf buf;
	FILE *fp;        /* plain stream */
	gzFile gz;       /* gzip stream or current S3 file */
	bool own_fp;
	int err;
	char errmsg[512];
	int64_t cur_win; /* highest window index seen */
	bool have_win;
	struct flow_ext *pend_head, *pend_tail;
	int64_t s3_bucket; /* 5-minute bucket of the open S3 file */
	uint64_t s3_seq;
	struct flowlog_sink_stats st;
};

void flowlog_sink_cfg_default(struct flowlog_sink_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	char err[128];
	(void)flowlog_format_parse(&cfg->fmt, FLOWLOG_DEFAULT_FORMAT, err, sizeof(err));
	cfg->interval_s = 600;
	cfg->header = true;
}

static void set_err(struct flowlog_sink *s, int e, const char *what, const char *path)
{
	if (s->err)
		return;
	s->err = e;
	snprintf(s->errmsg, sizeof(s->errmsg), "%s %s: %s", what, path ? path : "stdout",
		 strerror(-e));
}

int flowlog_sink_open(struct flowlog_sink **out, const struct flowlog_sink_cfg *cfg, char *err,
		      size_t errlen)
{
	struct flowlog_sink *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->cfg = *cfg;
	if (s->cfg.interval_s <= 0)
		s->cfg.interval_s = 600;
	strbuf_init(&s->buf, NULL);
	s->s3_bucket = INT64_MIN;
	if (!cfg->s3_dir) {
		bool to_stdout = !cfg->path || strcmp(cfg->path, "-") == 0;
		if (cfg->gzip) {
			s->gz = to_stdout ? gzdopen(1, "wb") : gzopen(cfg->path, "wb");
			if (!s->gz) {
				int e = errno ? -errno : -EIO;
				snprintf(err, errlen, "cannot create %s: %s",
					 to_stdout ? "stdout" : cfg->path, strerror(-e));
				free(s);
				return e;
			}
		} else if (to_stdout) {
			s->fp = stdout;
		} else {
			s->fp = fopen(cfg->path, "w");
			if (!s->fp) {
				int e = -errno;
				snprintf(err, errlen, "cannot create %s: %s", cfg->path,
					 strerror(errno));
				free(s);
				return e;
			}
			s->own_fp = true;
		}
		if (cfg->header)
			flowlog_write_header(&s->cfg.fmt, &s->buf);
	}
	*out = s;
	return 0;
}

/* Write the buffer to wherever records go now. */
static void drain(struct flowlog_sink *s, bool force)
{
	if (!s->buf.len || (!force && s->buf.len < STRBUF_FLUSH_AT))
		return;
	if (s->buf.err)
		set_err(s, s->buf.err, "formatting for", s->cfg.path);
	if (s->err) {
		strbuf_reset(&s->buf);
		return;
	}
	if (s->gz) {
		if (gzwrite(s->gz, s->buf.buf, (unsigned)s->buf.len) != (int)s->buf.len)
			set_err(s, errno ? -errno : -EIO, "cannot write", s->cfg.path);
	} else if (s->fp) {
		if (fwrite(s->buf.buf, 1, s->buf.len, s->fp) != s->buf.len)
			set_err(s, errno ? -errno : -EIO, "cannot write", s->cfg.path);
	}
	strbuf_reset(&s->buf);
}

static int mkdirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		int r = mkdir(path, 0755);
		*p = '/';
		if (r && errno != EEXIST)
			return -errno;
	}
	return 0;
}

/* Open the S3-layout file for the 5-minute bucket of end time `end_s`. */
static void s3_switch(struct flowlog_sink *s, int64_t end_s)
{
	int64_t bucket = end_s - (end_s % S3_FILE_SECONDS + S3_FILE_SECONDS) % S3_FILE_SECONDS;
	if (s->gz && bucket == s->s3_bucket)
		return;
	drain(s, true);
	if (s->gz) {
		if (gzclose(s->gz) != Z_OK)
			set_err(s, -EIO, "cannot finish", "S3 file");
		s->gz = NULL;
	}
	if (s->err)
		return;
	const char *acct = s->cfg.account_id ? s->cfg.account_id : "000000000000";
	const char *region = s->cfg.region ? s->cfg.region : "us-east-1";
	const char *flid = s->cfg.flow_log_id ? s->cfg.flow_log_id : "fl-00000000";
	time_t t = (time_t)bucket;
	struct tm tm;
	gmtime_r(&t, &tm);
	char key[128];
	snprintf(key, sizeof(key), "%s%lld%llu", flid, (long long)bucket,
		 (unsigned long long)s->s3_seq++);
	if (s->cfg.instance)
		snprintf(key + strlen(key), sizeof(key) - strlen(key), "/%u", s->cfg.instance);
	uint32_t h = (uint32_t)hash_bytes(key, strlen(key), 0);
	char path[4096];
	snprintf(path, sizeof(path),
		 "%s/AWSLogs/%s/vpcflowlogs/%s/%04d/%02d/%02d/%s_vpcflowlogs_%s_%s_%04d%02d%02dT%02d%02dZ_%08x.log.gz",
		 s->cfg.s3_dir, acct, region, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, acct,
		 region, flid, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		 h);
	int r = mkdirs(path);
	if (r) {
		set_err(s, r, "cannot create directory for", path);
		return;
	}
	s->gz = gzopen(path, "wb");
	if (!s->gz) {
		set_err(s, errno ? -errno : -EIO, "cannot create", path);
		return;
	}
	s->s3_bucket = bucket;
	s->st.files++;
	if (s->cfg.header)
		flowlog_write_header(&s->cfg.fmt, &s->buf);
}

static void emit(struct flowlog_sink *s, struct flow *f, struct flow_ext *fx, int dir)
{
	struct flow_window *w = &fx->win[dir];
	if (!w->packets)
		return;
	struct flowlog_rec r;
	memset(&r, 0, sizeof(r));
	r.account_id = s->cfg.account_id;
	r.interface_id = f->aws ? f->aws->eni_id : s->cfg.interface_id;
	r.vpc_id = s->cfg.vpc_id;
	r.subnet_id = s->cfg.subnet_id;
	r.instance_id = s->cfg.instance_id;
	r.region = s->cfg.region;
	r.az_id = s->cfg.az_id;
	r.pkt_srcaddr = dir ? f->dst : f->src;
	r.pkt_dstaddr = dir ? f->src : f->dst;
	r.srcport = dir ? f->dport : f->sport;
	r.dstport = dir ? f->sport : f->dport;
	r.protocol = f->proto;
	r.packets = w->packets;
	r.bytes = w->bytes;
	r.start_s = timefmt_epoch_s(w->first_ns);
	r.end_s = timefmt_epoch_s(w->last_ns);
	r.tcp_flags = w->aws_flags;
	r.srcaddr = r.pkt_srcaddr;
	r.dstaddr = r.pkt_dstaddr;
	/* The mirror session's outer source is the source ENI's primary address. */
	if (f->session.kind != TUN_NONE && f->session.src.family) {
		const struct ip_addr *eni = &f->session.src;
		if (ipaddr_eq(&r.pkt_srcaddr, eni))
			r.flow_direction = "egress";
		else if (ipaddr_eq(&r.pkt_dstaddr, eni))
			r.flow_direction = "ingress";
	}
	if (s->cfg.s3_dir)
		s3_switch(s, r.end_s);
	flowlog_write(&s->cfg.fmt, &r, &s->buf);
	s->st.records++;
	memset(w, 0, sizeof(*w));
	drain(s, false);
}

static void pend_remove(struct flowlog_sink *s, struct flow_ext *fx)
{
	if (!fx->pending)
		return;
	if (fx->pend_prev)
		fx->pend_prev->pend_next = fx->pend_next;
	else
		s->pend_head = fx->pend_next;
	if (fx->pend_next)
		fx->pend_next->pend_prev = fx->pend_prev;
	else
		s->pend_tail = fx->pend_prev;
	fx->pend_prev = fx->pend_next = NULL;
	fx->pending = false;
}

static void pend_add(struct flowlog_sink *s, struct flow_ext *fx)
{
	if (fx->pending)
		return;
	fx->pend_prev = s->pend_tail;
	fx->pend_next = NULL;
	if (s->pend_tail)
		s->pend_tail->pend_next = fx;
	else
		s->pend_head = fx;
	s->pend_tail = fx;
	fx->pending = true;
}

/* Packet time reached window `w`: every record of earlier windows is complete. */
static void close_windows(struct flowlog_sink *s, int64_t w)
{
	while (s->pend_head) {
		struct flow_ext *fx = s->pend_head;
		pend_remove(s, fx);
		for (int d = 0; d < 2; d++)
			if (fx->win[d].packets && fx->win[d].win < w)
				emit(s, fx->flow, fx, d);
	}
}

void flowlog_sink_advance(struct flowlog_sink *s, int64_t now_ns)
{
	int64_t sec = timefmt_epoch_s(now_ns);
	int64_t w = sec / s->cfg.interval_s - (sec % s->cfg.interval_s < 0);
	if (s->have_win && w > s->cur_win) {
		close_windows(s, w);
		s->cur_win = w;
	}
	/* An S3 file whose 5 minutes are over (and a window past them) is complete: finish it
	 * so it can be shipped; a late record would open a new file. */
	if (s->cfg.s3_dir && s->gz &&
	    sec >= s->s3_bucket + S3_FILE_SECONDS + (int64_t)s->cfg.interval_s) {
		drain(s, true);
		if (gzclose(s->gz) != Z_OK)
			set_err(s, -EIO, "cannot finish", "S3 file");
		s->gz = NULL;
		s->s3_bucket = INT64_MIN;
	}
}

void flowlog_sink_packet(struct flowlog_sink *s, struct flow *f, struct flow_ext *fx, int dir,
			 const struct packet *p)
{
	if (flowlog_excluded(&p->src, &p->dst, p->proto, p->has_l4 ? p->sport : 0,
			     p->has_l4 ? p->dport : 0)) {
		s->st.excluded_packets++;
		return;
	}
	int64_t sec = timefmt_epoch_s(p->ts_ns);
	int64_t w = sec / s->cfg.interval_s - (sec % s->cfg.interval_s < 0);
	if (!s->have_win || w > s->cur_win) {
		if (s->have_win)
			close_windows(s, w);
		s->cur_win = w;
		s->have_win = true;
	}
	struct flow_window *fw = &fx->win[dir];
	if (fw->packets && w > fw->win)
		emit(s, f, fx, dir);
	if (!fw->packets) {
		fw->win = w;
		fw->first_ns = p->ts_ns;
		fw->last_ns = p->ts_ns;
	}
	fw->packets++;
	fw->bytes += p->ip_len;
	if (p->ts_ns < fw->first_ns)
		fw->first_ns = p->ts_ns;
	if (p->ts_ns > fw->last_ns)
		fw->last_ns = p->ts_ns;
	if (p->has_l4 && p->proto == IPPROTO_NUM_TCP)
		fw->aws_flags |= flowlog_tcp_flags(p->tcp_flags);
	fx->flow = f;
	pend_add(s, fx);
}

void flowlog_sink_flow_end(struct flowlog_sink *s, struct flow *f, struct flow_ext *fx)
{
	pend_remove(s, fx);
	emit(s, f, fx, 0);
	emit(s, f, fx, 1);
}

int flowlog_sink_close(struct flowlog_sink *s, char *err, size_t errlen)
{
	if (!s)
		return 0;
	while (s->pend_head) {
		struct flow_ext *fx = s->pend_head;
		flowlog_sink_flow_end(s, fx->flow, fx);
	}
	drain(s, true);
	if (s->gz && gzclose(s->gz) != Z_OK)
		set_err(s, -EIO, "cannot finish", s->cfg.path);
	if (s->fp) {
		if (fflush(s->fp) != 0 || ferror(s->fp))
			set_err(s, errno ? -errno : -EIO, "cannot write", s->cfg.path);
		if (s->own_fp && fclose(s->fp) != 0)
			set_err(s, errno ? -errno : -EIO, "cannot close", s->cfg.path);
	}
	int r = s->err;
	if (r && err)
		snprintf(err, errlen, "%s", s->errmsg);
	strbuf_fini(&s->buf);
	free(s);
	return r;
}

const struct flowlog_sink_stats *flowlog_sink_stats(const struct flowlog_sink *s)
{
	return &s->st;
}
