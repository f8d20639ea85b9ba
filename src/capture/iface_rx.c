/* iface_rx.c - minimal promiscuous interface capture with libpcap (see iface_rx.h). */
#include "iface_rx.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct iface_rx {
	pcap_t *pc;
	char name[64];
	iface_rx_fn fn;
	void *ctx;
};

int iface_rx_open(struct iface_rx **out, const char *ifname, int bufsize, char *err,
		  size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct iface_rx *r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	snprintf(r->name, sizeof(r->name), "%s", ifname);
	r->pc = pcap_create(ifname, ebuf);
	if (!r->pc) {
		snprintf(err, errlen, "interface %s: %s", ifname, ebuf);
		free(r);
		return -ENODEV;
	}
	(void)pcap_set_snaplen(r->pc, 65535);
	(void)pcap_set_promisc(r->pc, 1);
	(void)pcap_set_immediate_mode(r->pc, 1);
	(void)pcap_set_timeout(r->pc, 100);
	(void)pcap_set_tstamp_precision(r->pc, PCAP_TSTAMP_PRECISION_NANO);
	if (bufsize > 0)
		(void)pcap_set_buffer_size(r->pc, bufsize);
	int st = pcap_activate(r->pc);
	if (st < 0) {
		snprintf(err, errlen, "interface %s: %s", ifname,
			 st == PCAP_ERROR ? pcap_geterr(r->pc) : pcap_statustostr(st));
		pcap_close(r->pc);
		free(r);
		return st == PCAP_ERROR_PERM_DENIED ? -EPERM : -ENODEV;
	}
	if (pcap_setnonblock(r->pc, 1, ebuf)) {
		snprintf(err, errlen, "interface %s: %s", ifname, ebuf);
		pcap_close(r->pc);
		free(r);
		return -EIO;
	}
	*out = r;
	return 0;
}

void iface_rx_close(struct iface_rx *r)
{
	if (!r)
		return;
	pcap_close(r->pc);
	free(r);
}

int iface_rx_fd(const struct iface_rx *r)
{
	return pcap_get_selectable_fd(r->pc);
}

int iface_rx_linktype(const struct iface_rx *r)
{
	return pcap_datalink(r->pc);
}

static void one(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct iface_rx *r = (struct iface_rx *)user;
	/* nanosecond precision: tv_usec holds nanoseconds */
	int64_t ts = (int64_t)h->ts.tv_sec * 1000000000 + h->ts.tv_usec;
	r->fn(r->ctx, bytes, h->caplen, h->len, ts);
}

int iface_rx_dispatch(struct iface_rx *r, int max, iface_rx_fn fn, void *ctx, char *err,
		      size_t errlen)
{
	r->fn = fn;
	r->ctx = ctx;
	int n = pcap_dispatch(r->pc, max, one, (u_char *)r);
	if (n < 0) {
		snprintf(err, errlen, "interface %s: %s", r->name, pcap_geterr(r->pc));
		return -EIO;
	}
	return n;
}

int iface_rx_drops(struct iface_rx *r, uint64_t *drops)
{
	struct pcap_stat s;
	if (pcap_stats(r->pc, &s))
		return -EIO;
	*drops = (uint64_t)s.ps_drop + s.ps_ifdrop;
	return 0;
}
