/* archive.c - per-session rotated pcapng archive (see archive.h; pcapng per
 * draft-ietf-opsawg-pcapng via pkt_writer.c). */
#include "archive.h"

#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/hash.h"
#include "output/pkt_writer.h"
#include "output/write_behind.h"

extern char **environ;

#define ARCH_LABEL 80
#define ARCH_PATH 4096

struct arch_session {
	char label[ARCH_LABEL];
	char dir[ARCH_PATH];
	struct pkt_writer *w;
	uint32_t ifid;
	char part[ARCH_PATH];  /* the open file, with .part */
	uint64_t bytes;        /* written to the open file (estimate of the pcapng size) */
	uint64_t pending;      /* frames handed to the writer since its last successful flush */
	int64_t period_end;    /* time rotation: the open file ends at this ns */
	int64_t retry_at;      /* after a failure: no writing before this */
	uint64_t last_use;     /* archive-wide write counter at the last write */
	char **ring;           /* finished files kept, oldest first (rotate_count) */
	unsigned nring;
	struct arch_session *next; /* hash chain */
};

struct archive {
	struct archive_cfg cfg;
	char dir[ARCH_PATH];
	unsigned nargv;
	struct arch_session **slots;
	unsigned nslots, nsessions;
	struct arch_session *last;
	struct archive_stats st;
	unsigned nopen;
	uint64_t uses;
	char errmsg[ARCH_PATH + 128];
	unsigned children;
	struct write_behind *wb; /* cfg.write_behind: the thread that writes the files */
};

static void set_error(struct archive *a, const char *what, const char *path, int e)
{
	a->st.write_errors++;
	a->st.last_errno = e;
	snprintf(a->errmsg, sizeof(a->errmsg), "%s %s: %s", what, path, strerror(e));
}

static int mkdir_p(const char *path)
{
	char tmp[ARCH_PATH];
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (tmp[i] != '/' && tmp[i] != 0)
			continue;
		char c = tmp[i];
		tmp[i] = 0;
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -errno;
		tmp[i] = c;
	}
	return 0;
}

int archive_new(struct archive **out, const struct archive_cfg *cfg, char *err, size_t errlen)
{
	struct archive *a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	a->cfg = *cfg;
	if (a->cfg.retry_ns <= 0)
		a->cfg.retry_ns = 5000000000LL;
	if (!a->cfg.max_sessions)
		a->cfg.max_sessions = 4096;
	if (!a->cfg.max_open)
		a->cfg.max_open = 128;
	if (strlen(cfg->dir) > 3000) {
		snprintf(err, errlen, "archive directory name is too long (over 3000 bytes)");
		free(a);
		return -ENAMETOOLONG;
	}
	snprintf(a->dir, sizeof(a->dir), "%s", cfg->dir);
	int r = mkdir_p(a->dir);
	if (!r && access(a->dir, W_OK | X_OK))
		r = -errno;
	if (r) {
		snprintf(err, errlen, "archive directory %s: %s", a->dir, strerror(-r));
		free(a);
		return r;
	}
	a->nslots = 1024;
	a->slots = calloc(a->nslots, sizeof(*a->slots));
	if (!a->slots) {
		free(a);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (cfg->write_behind && (r = write_behind_new(&a->wb))) {
		snprintf(err, errlen, "archive writer thread: %s", strerror(-r));
		free(a->slots);
		free(a);
		return r;
	}
	for (char *const *p = cfg->post_argv; p && *p; p++)
		a->nargv++;
	*out = a;
	return 0;
}

static void reap(struct archive *a)
{
	while (a->children) {
		int status;
		pid_t p = waitpid(-1, &status, WNOHANG);
		if (p <= 0)
			break;
		a->children--;
	}
}

static void post_rotate(struct archive *a, const char *path)
{
	if (!a->nargv)
		return;
	char *argv[64];
	unsigned n = 0;
	for (; n < a->nargv && n < 62; n++)
		argv[n] = a->cfg.post_argv[n];
	argv[n++] = (char *)path;
	argv[n] = NULL;
	pid_t pid;
	int r = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
	if (r) {
		set_error(a, "running post-rotate command", argv[0], r);
		return;
	}
	a->children++;
	a->st.post_rotate++;
}

/* Keep at most rotate_count finished files of s: delete the oldest. */
static void ring_add(struct archive *a, struct arch_session *s, const char *path)
{
	unsigned max = a->cfg.rotate_count;
	if (!max)
		return;
	char *copy = strdup(path);
	if (!copy)
		return;
	if (!s->ring) {
		s->ring = calloc(max, sizeof(char *));
		if (!s->ring) {
			free(copy);
			return;
		}
	}
	if (s->nring == max) {
		if (unlink(s->ring[0]) && errno != ENOENT)
			set_error(a, "deleting the oldest archive file", s->ring[0], errno);
		free(s->ring[0]);
		memmove(s->ring, s->ring + 1, (max - 1) * sizeof(char *));
		s->nring--;
	}
	s->ring[s->nring++] = copy;
}

/* Close the open file of s, rename it from .part and hand it on. */
static void finish(struct archive *a, struct arch_session *s)
{
	if (!s->w)
		return;
	int r = pkt_writer_close(s->w);
	s->w = NULL;
	a->nopen--;
	if (r) {
		set_error(a, "finishing", s->part, -r);
		a->st.lost += s->pending;
	} else {
		a->st.archived += s->pending;
	}
	s->pending = 0;
	char final[ARCH_PATH];
	size_t n = strlen(s->part);
	memcpy(final, s->part, n - 5); /* drop ".part" */
	final[n - 5] = 0;
	if (rename(s->part, final)) {
		set_error(a, "renaming", s->part, errno);
		return;
	}
	a->st.files++;
	ring_add(a, s, final);
	post_rotate(a, final);
}

static void fail(struct archive *a, struct arch_session *s, int64_t now, const char *what, int e)
{
	set_error(a, what, s->part[0] ? s->part : s->dir, e);
	if (s->w)
		finish(a, s);
	s->retry_at = now + a->cfg.retry_ns;
}

/* Keep the number of open files (and their buffers) bounded: finish the least recently
 * written one. */
static void make_room(struct archive *a)
{
	while (a->nopen >= a->cfg.max_open) {
		struct arch_session *old = NULL;
		for (unsigned i = 0; i < a->nslots; i++)
			for (struct arch_session *s = a->slots[i]; s; s = s->next)
				if (s->w && (!old || s->last_use < old->last_use))
					old = s;
		if (!old)
			return;
		finish(a, old);
	}
}

static int open_file(struct archive *a, struct arch_session *s, int linktype, int64_t ts_ns)
{
	make_room(a);
	int r = mkdir_p(s->dir);
	if (r) {
		s->part[0] = 0;
		fail(a, s, ts_ns, "creating directory", -r);
		return r;
	}
	time_t t = (time_t)(ts_ns / 1000000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	char stamp[32];
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	for (unsigned k = 0; k < 10000; k++) {
		char sfx[16] = "";
		if (k)
			snprintf(sfx, sizeof(sfx), "-%u", k);
		snprintf(s->part, sizeof(s->part), "%s/vxscope-%s-%s%s.pcapng.part", s->dir,
			 s->label, stamp, sfx);
		size_t n = strlen(s->part);
		char final[ARCH_PATH];
		memcpy(final, s->part, n - 5);
		final[n - 5] = 0;
		if (access(s->part, F_OK) && access(final, F_OK))
			break;
	}
	r = pkt_writer_open_behind(&s->w, s->part, PKT_FORMAT_PCAPNG, linktype, a->wb);
	if (r) {
		s->w = NULL;
		fail(a, s, ts_ns, "creating", -r);
		return r;
	}
	a->nopen++;
	r = pkt_writer_add_interface(s->w, linktype, s->label, "vxscope target", &s->ifid);
	if (r) {
		fail(a, s, ts_ns, "writing", -r);
		return r;
	}
	s->bytes = 0;
	s->period_end = 0;
	if (a->cfg.rotate_ns > 0) {
		int64_t p = a->cfg.rotate_ns;
		int64_t q = ts_ns / p;
		if (ts_ns < 0 && ts_ns % p)
			q--;
		s->period_end = (q + 1) * p;
	}
	return 0;
}

static bool label_char_ok(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '.' || c == ':' || c == '-';
}

static struct arch_session *lookup(struct archive *a, const char *label)
{
	if (a->last && !strcmp(a->last->label, label))
		return a->last;
	char clean[ARCH_LABEL];
	size_t len = strnlen(label, ARCH_LABEL - 1);
	for (size_t i = 0; i < len; i++)
		clean[i] = label_char_ok(label[i]) ? label[i] : '_';
	clean[len] = 0;
	uint32_t h = (uint32_t)hash_bytes(clean, len, 0) & (a->nslots - 1);
	for (struct arch_session *s = a->slots[h]; s; s = s->next)
		if (!strcmp(s->label, clean))
			return a->last = s;
	if (a->nsessions >= a->cfg.max_sessions)
		return NULL;
	struct arch_session *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	memcpy(s->label, clean, len + 1);
	snprintf(s->dir, sizeof(s->dir), "%s/%s", a->dir, s->label);
	s->next = a->slots[h];
	a->slots[h] = s;
	a->nsessions++;
	return a->last = s;
}

int archive_write(struct archive *a, const char *label, int linktype, int64_t ts_ns,
		  const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
	struct arch_session *s = lookup(a, label);
	if (!s) {
		a->st.lost++;
		return -ENOSPC;
	}
	if (s->w && s->period_end && ts_ns >= s->period_end)
		finish(a, s);
	if (!s->w) {
		if (s->retry_at && ts_ns < s->retry_at) {
			a->st.lost++;
			return -EAGAIN;
		}
		s->retry_at = 0;
		int r = open_file(a, s, linktype, ts_ns);
		if (r) {
			a->st.lost++;
			return r;
		}
	}
	int r = pkt_writer_write(s->w, s->ifid, ts_ns, data, caplen, wirelen, NULL);
	if (r) {
		a->st.lost += s->pending + 1;
		s->pending = 0;
		fail(a, s, ts_ns, "writing", -r);
		return r;
	}
	s->pending++;
	s->last_use = ++a->uses;
	s->bytes += 32u + ((caplen + 3u) & ~3u);
	if (a->cfg.rotate_bytes && s->bytes >= a->cfg.rotate_bytes)
		finish(a, s);
	return 0;
}

void archive_tick(struct archive *a, int64_t now_ns)
{
	for (unsigned i = 0; i < a->nslots; i++) {
		for (struct arch_session *s = a->slots[i]; s; s = s->next) {
			if (!s->w)
				continue;
			if (s->period_end && now_ns >= s->period_end) {
				finish(a, s);
				continue;
			}
			if (!s->pending)
				continue;
			int r = pkt_writer_flush(s->w);
			if (r) {
				a->st.lost += s->pending;
				s->pending = 0;
				fail(a, s, now_ns, "writing", -r);
			} else {
				a->st.archived += s->pending;
				s->pending = 0;
			}
		}
	}
	reap(a);
}

void archive_finish_all(struct archive *a)
{
	for (unsigned i = 0; i < a->nslots; i++)
		for (struct arch_session *s = a->slots[i]; s; s = s->next)
			finish(a, s);
}

void archive_close(struct archive *a)
{
	if (!a)
		return;
	for (unsigned i = 0; i < a->nslots; i++) {
		struct arch_session *s = a->slots[i];
		while (s) {
			struct arch_session *n = s->next;
			finish(a, s);
			for (unsigned k = 0; k < s->nring; k++)
				free(s->ring[k]);
			free(s->ring);
			free(s);
			s = n;
		}
	}
	/* Let post-rotate commands of the last files finish (briefly) so none is orphaned. */
	for (int k = 0; k < 50 && a->children; k++) {
		reap(a);
		if (a->children)
			usleep(20000);
	}
	write_behind_free(a->wb);
	free(a->slots);
	free(a);
}

const struct archive_stats *archive_stats(const struct archive *a)
{
	return &a->st;
}

const char *archive_last_error(const struct archive *a)
{
	return a->errmsg;
}
