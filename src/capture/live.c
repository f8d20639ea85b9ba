/* live.c - interface capture through libpcap (pcap_create/pcap_activate, non-blocking reads
 * and poll(2) on the selectable descriptor); see live.h for the contract.
 *
 * Why non-blocking plus poll rather than pcap_loop: a wait bounded by the caller lets it check
 * a stop flag, print periodic statistics and pace a replay without threads or
 * pcap_breakloop() from a signal handler.
 */
#include "capture/live.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

struct live_capture {
	pcap_t *pc;
	int fd;
	int linktype;
	bool nsec;
	uint64_t frames;
	char err[LIVE_ERR_LEN];
};

static int activate_error(pcap_t *pc, int rc, const char *ifname, char *errbuf, size_t errlen)
{
	const char *detail = pcap_geterr(pc);
	switch (rc) {
	case PCAP_ERROR_NO_SUCH_DEVICE:
		snprintf(errbuf, errlen, "interface %s: no such interface", ifname);
		return -ENODEV;
	case PCAP_ERROR_PERM_DENIED:
	case PCAP_ERROR_PROMISC_PERM_DENIED:
		snprintf(
		    errbuf, errlen,
		    "interface %s: permission denied (capturing needs root or CAP_NET_RAW): %s",
		    ifname, detail);
		return -EPERM;
	case PCAP_ERROR_IFACE_NOT_UP:
		snprintf(errbuf, errlen, "interface %s: the interface is down", ifname);
		return -ENETDOWN;
	default:
		snprintf(errbuf, errlen, "interface %s: %s (%s)", ifname, pcap_statustostr(rc),
		         detail);
		return -EIO;
	}
}

int live_open(struct live_capture **out, const struct live_opts *o, char *errbuf, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	if (!o->ifname || !*o->ifname) {
		snprintf(errbuf, errlen, "no interface given");
		return -EINVAL;
	}
	struct live_capture *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(errbuf, errlen, "interface %s: out of memory", o->ifname);
		return -ENOMEM;
	}
	int rc = -EIO;
	c->pc = pcap_create(o->ifname, perr);
	if (!c->pc) {
		snprintf(errbuf, errlen, "interface %s: %s", o->ifname, perr);
		goto fail;
	}
	uint32_t snap = o->snaplen ? o->snaplen : LIVE_SNAPLEN_DEFAULT;
	if (pcap_set_snaplen(c->pc, (int)snap) || pcap_set_promisc(c->pc, !o->no_promisc) ||
	    pcap_set_immediate_mode(c->pc, 1) ||
	    pcap_set_buffer_size(c->pc,
	                         (int)(o->buffer_bytes ? o->buffer_bytes : LIVE_BUFFER_DEFAULT))) {
		snprintf(errbuf, errlen, "interface %s: %s", o->ifname, pcap_geterr(c->pc));
		goto fail;
	}
	/* nanoseconds if the platform offers them; microseconds otherwise */
	c->nsec = pcap_set_tstamp_precision(c->pc, PCAP_TSTAMP_PRECISION_NANO) == 0;
	int arc = pcap_activate(c->pc);
	if (arc < 0) {
		rc = activate_error(c->pc, arc, o->ifname, errbuf, errlen);
		goto fail;
	}
	c->nsec = pcap_get_tstamp_precision(c->pc) == PCAP_TSTAMP_PRECISION_NANO;
	c->linktype = pcap_datalink(c->pc);
	if (o->dir != LIVE_DIR_BOTH &&
	    pcap_setdirection(c->pc, o->dir == LIVE_DIR_IN ? PCAP_D_IN : PCAP_D_OUT)) {
		snprintf(errbuf, errlen, "interface %s: cannot select a direction: %s", o->ifname,
		         pcap_geterr(c->pc));
		goto fail;
	}
	if (o->bpf && *o->bpf) {
		struct bpf_program prog;
		if (pcap_compile(c->pc, &prog, o->bpf, 1, PCAP_NETMASK_UNKNOWN)) {
			snprintf(errbuf, errlen, "interface %s: bad filter '%s': %s", o->ifname,
			         o->bpf, pcap_geterr(c->pc));
			rc = -EINVAL;
			goto fail;
		}
		int frc = pcap_setfilter(c->pc, &prog);
		pcap_freecode(&prog);
		if (frc) {
			snprintf(errbuf, errlen, "interface %s: cannot set filter: %s", o->ifname,
			         pcap_geterr(c->pc));
			goto fail;
		}
	}
	if (pcap_setnonblock(c->pc, 1, perr)) {
		snprintf(errbuf, errlen, "interface %s: %s", o->ifname, perr);
		goto fail;
	}
	c->fd = pcap_get_selectable_fd(c->pc);
	if (c->fd < 0) {
		snprintf(errbuf, errlen, "interface %s: no selectable descriptor", o->ifname);
		goto fail;
	}
	*out = c;
	return 0;
fail:
	if (c->pc)
		pcap_close(c->pc);
	free(c);
	return rc;
}

static int read_one(struct live_capture *c, struct packet *p)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc = pcap_next_ex(c->pc, &h, &data);
	if (rc == 1) {
		int64_t frac = (int64_t)h->ts.tv_usec;
		p->frame = ++c->frames;
		p->ts_ns = (int64_t)h->ts.tv_sec * 1000000000 + (c->nsec ? frac : frac * 1000);
		p->caplen = h->caplen;
		p->wirelen = h->len;
		p->linktype = c->linktype;
		p->ifindex = 0;
		p->data = data;
		return CAPTURE_FRAME;
	}
	if (rc == 0)
		return LIVE_TIMEOUT;
	snprintf(c->err, sizeof(c->err), "%s", pcap_geterr(c->pc));
	if (strstr(c->err, "went down") || strstr(c->err, "disappeared"))
		return CAPTURE_EOF;
	return CAPTURE_IOERR;
}

int live_next(struct live_capture *c, struct packet *p, int timeout_ms)
{
	int rc = read_one(c, p);
	if (rc != LIVE_TIMEOUT)
		return rc;
	struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
	int n = poll(&pfd, 1, timeout_ms);
	if (n <= 0)
		return LIVE_TIMEOUT; /* time is up, or a signal (EINTR): the caller decides */
	return read_one(c, p);
}

int live_fd(const struct live_capture *c)
{
	return c->fd;
}

int live_linktype(const struct live_capture *c)
{
	return c->linktype;
}

bool live_nanosecond(const struct live_capture *c)
{
	return c->nsec;
}

int live_stats(struct live_capture *c, struct live_stats *st)
{
	struct pcap_stat ps;
	memset(st, 0, sizeof(*st));
	st->frames = c->frames;
	if (pcap_stats(c->pc, &ps)) {
		snprintf(c->err, sizeof(c->err), "%s", pcap_geterr(c->pc));
		return -EIO;
	}
	st->received = ps.ps_recv;
	st->dropped = ps.ps_drop;
	st->if_dropped = ps.ps_ifdrop;
	return 0;
}

const char *live_error(const struct live_capture *c)
{
	return c->err;
}

void live_close(struct live_capture *c)
{
	if (!c)
		return;
	pcap_close(c->pc);
	free(c);
}
