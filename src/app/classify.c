/* classify.c - flow labels from nDPI (libndpi 4.2: ndpi_init_detection_module,
 * ndpi_detection_process_packet on the L3 packet, ndpi_detection_giveup at the flow's end),
 * tallied per label.  See classify.h.  Built without nDPI (no VXS_HAVE_NDPI) it is stubs.
 *
 * Per-flow state: an open-addressing table from flow id to the nDPI flow struct (allocated at
 * the flow's first packet, freed once nDPI names the protocol or after CLASSIFY_MAX_PACKETS,
 * keeping the label) - at most CLASSIFY_FLOWS_MAX flows at once.
 */
#include "app/classify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifdef VXS_HAVE_NDPI
#include <ndpi/ndpi_api.h>

struct cls_flow {
	uint64_t id; /* flow id; 0 = empty */
	struct ndpi_flow_struct *nf;
	uint16_t packets;
	bool done;
	ndpi_protocol proto;
	char parser[8];
	uint64_t pkts, bytes;
};

struct cls_app {
	char name[48];
	char category[32];
	uint64_t flows, packets, bytes;
	bool ours; /* labelled by our parser */
};

struct app_classify {
	struct ndpi_detection_module_struct *nd;
	struct cls_flow *slot;
	size_t nslot, live;
	uint64_t flows, untracked;
	struct cls_app apps[CLASSIFY_APPS_MAX];
	unsigned napps;
	uint64_t apps_dropped;
};

int app_classify_new(struct app_classify **out)
{
	*out = NULL;
	struct app_classify *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->nslot = CLASSIFY_FLOWS_MAX * 2;
	c->slot = calloc(c->nslot, sizeof(*c->slot));
	c->nd = c->slot ? ndpi_init_detection_module(ndpi_no_prefs) : NULL;
	if (!c->nd) {
		free(c->slot);
		free(c);
		return -ENOMEM;
	}
	NDPI_PROTOCOL_BITMASK all;
	NDPI_BITMASK_SET_ALL(all);
	ndpi_set_protocol_detection_bitmask2(c->nd, &all);
	ndpi_finalize_initialization(c->nd);
	*out = c;
	return 0;
}

static void flow_release(struct cls_flow *e)
{
	if (e->nf) {
		ndpi_free_flow(e->nf);
		e->nf = NULL;
	}
}

void app_classify_free(struct app_classify *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nslot; i++)
		flow_release(&c->slot[i]);
	free(c->slot);
	ndpi_exit_detection_module(c->nd);
	free(c);
}

static struct cls_flow *lookup(struct app_classify *c, uint64_t id, bool create)
{
	size_t mask = c->nslot - 1;
	for (size_t j = (size_t)(id * UINT64_C(0x9e3779b97f4a7c15) >> 20) & mask;; j = (j + 1) & mask) {
		struct cls_flow *e = &c->slot[j];
		if (e->id == id)
			return e;
		if (!e->id) {
			if (!create)
				return NULL;
			if (c->live >= CLASSIFY_FLOWS_MAX) {
				c->untracked++;
				return NULL;
			}
			memset(e, 0, sizeof(*e));
			e->id = id;
			c->live++;
			return e;
		}
	}
}

void app_classify_packet(struct app_classify *c, const struct packet *p, struct flow *f, int dir)
{
	(void)dir;
	if (!c || !f || !p->has_ip || !p->has_l4)
		return;
	struct cls_flow *e = lookup(c, f->id, true);
	if (!e)
		return;
	e->pkts++;
	e->bytes += p->ip_len;
	if (e->done || !p->payload || p->is_fragment)
		return;
	if (!e->nf) {
		e->nf = ndpi_flow_malloc(SIZEOF_FLOW_STRUCT);
		if (!e->nf) {
			e->done = true;
			return;
		}
		memset(e->nf, 0, SIZEOF_FLOW_STRUCT);
	}
	/* nDPI reads the L3 packet: the IP and L4 headers sit just before the payload */
	uint32_t l4 = p->proto == IPPROTO_NUM_TCP ? p->tcp_hlen : p->proto == IPPROTO_NUM_UDP ? 8 : 0;
	uint32_t hdr = (uint32_t)p->ip_hlen + l4;
	uint32_t len = hdr + p->payload_caplen;
	if (!l4 || len > 0xffff || (size_t)(p->payload - p->data) < hdr)
		return;
	e->proto = ndpi_detection_process_packet(c->nd, e->nf, p->payload - hdr, (unsigned short)len,
	                                         (uint64_t)(p->ts_ns / 1000000));
	if (++e->packets >= CLASSIFY_MAX_PACKETS ||
	    e->proto.app_protocol != NDPI_PROTOCOL_UNKNOWN) {
		if (e->proto.app_protocol == NDPI_PROTOCOL_UNKNOWN &&
		    e->proto.master_protocol == NDPI_PROTOCOL_UNKNOWN) {
			uint8_t guessed = 0;
			e->proto = ndpi_detection_giveup(c->nd, e->nf, 1, &guessed);
		}
		e->done = true;
		flow_release(e);
	}
}

void app_classify_parser(struct app_classify *c, const struct flow *f, const char *parser)
{
	if (!c)
		return;
	struct cls_flow *e = lookup(c, f->id, false);
	if (e && parser)
		snprintf(e->parser, sizeof(e->parser), "%s", parser);
}

static void tally(struct app_classify *c, const char *name, const char *cat, bool ours,
                  const struct cls_flow *e)
{
	struct cls_app *x = NULL;
	for (unsigned i = 0; i < c->napps; i++)
		if (!strcmp(c->apps[i].name, name))
			x = &c->apps[i];
	if (!x) {
		if (c->napps == CLASSIFY_APPS_MAX) {
			c->apps_dropped++;
			return;
		}
		x = &c->apps[c->napps++];
		memset(x, 0, sizeof(*x));
		snprintf(x->name, sizeof(x->name), "%s", name);
		snprintf(x->category, sizeof(x->category), "%s", cat);
		x->ours = ours;
	}
	x->flows++;
	x->packets += e->pkts;
	x->bytes += e->bytes;
}

void app_classify_flow_end(struct app_classify *c, struct flow *f)
{
	if (!c)
		return;
	struct cls_flow *e = lookup(c, f->id, false);
	if (!e)
		return;
	if (!e->done && e->nf) {
		uint8_t guessed = 0;
		if (e->proto.app_protocol == NDPI_PROTOCOL_UNKNOWN)
			e->proto = ndpi_detection_giveup(c->nd, e->nf, 1, &guessed);
	}
	flow_release(e);
	char name[64];
	ndpi_protocol2name(c->nd, e->proto, name, sizeof(name));
	const char *cat = ndpi_category_get_name(c->nd, e->proto.category);
	c->flows++;
	if (e->parser[0]) {
		/* our parser's protocol first, nDPI's name as the detail */
		char both[64];
		if (strcasecmp(name, e->parser) && strcmp(name, "Unknown"))
			snprintf(both, sizeof(both), "%s (nDPI %s)", e->parser, name);
		else
			snprintf(both, sizeof(both), "%s", e->parser);
		for (char *q = both; *q && *q != ' '; q++)
			if (*q >= 'a' && *q <= 'z')
				*q = (char)(*q - 32);
		tally(c, both, cat ? cat : "", true, e);
	} else {
		tally(c, name, cat ? cat : "", false, e);
	}
	/* remove e (backward-shift deletion keeps probe chains intact) */
	size_t mask = c->nslot - 1, i = (size_t)(e - c->slot);
	e->id = 0;
	c->live--;
	for (size_t j = (i + 1) & mask; c->slot[j].id; j = (j + 1) & mask) {
		size_t home = (size_t)(c->slot[j].id * UINT64_C(0x9e3779b97f4a7c15) >> 20) & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			c->slot[i] = c->slot[j];
			c->slot[j].id = 0;
			c->slot[j].nf = NULL;
			i = j;
		}
	}
}

static int by_bytes(const void *a, const void *b)
{
	const struct cls_app *x = a, *y = b;
	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return strcmp(x->name, y->name);
}

bool app_classify_any(const struct app_classify *c)
{
	return c && c->napps;
}

void app_classify_json(const struct app_classify *c, struct jsonw *w)
{
	struct cls_app *v = malloc(sizeof(c->apps));
	jsonw_obj_begin(w);
	char eng[64];
	snprintf(eng, sizeof(eng), "nDPI %s", ndpi_revision());
	jsonw_kstr(w, "engine", eng);
	jsonw_ku64(w, "flows", c->flows);
	jsonw_ku64(w, "flows_not_classified", c->untracked);
	jsonw_key(w, "applications");
	jsonw_arr_begin(w);
	if (v) {
		memcpy(v, c->apps, c->napps * sizeof(*v));
		qsort(v, c->napps, sizeof(*v), by_bytes);
		for (unsigned i = 0; i < c->napps; i++) {
			jsonw_obj_begin(w);
			jsonw_kstr(w, "name", v[i].name);
			jsonw_kstr(w, "category", v[i].category);
			jsonw_kstr(w, "by", v[i].ours ? "vxscope" : "ndpi");
			jsonw_ku64(w, "flows", v[i].flows);
			jsonw_ku64(w, "packets", v[i].packets);
			jsonw_ku64(w, "bytes", v[i].bytes);
			jsonw_obj_end(w);
		}
	}
	jsonw_arr_end(w);
	jsonw_obj_end(w);
	free(v);
}

void app_classify_text(const struct app_classify *c, struct strbuf *b)
{
	if (!c->napps)
		return;
	struct cls_app *v = malloc(sizeof(c->apps));
	if (!v)
		return;
	memcpy(v, c->apps, c->napps * sizeof(*v));
	qsort(v, c->napps, sizeof(*v), by_bytes);
	strbuf_addf(b, "  applications by nDPI %s (%llu flows; our parsers' labels first)\n",
	            ndpi_revision(), (unsigned long long)c->flows);
	for (unsigned i = 0; i < c->napps && i < 12; i++)
		strbuf_addf(b, "    %-32.32s %-18.18s %7llu flows %10llu bytes\n", v[i].name,
		            v[i].category, (unsigned long long)v[i].flows,
		            (unsigned long long)v[i].bytes);
	if (c->napps > 12)
		strbuf_addf(b, "    ... and %u more (--json lists all)\n", c->napps - 12);
	free(v);
}

#else /* !VXS_HAVE_NDPI */

int app_classify_new(struct app_classify **out)
{
	*out = NULL;
	return -ENOTSUP;
}

void app_classify_free(struct app_classify *c)
{
	(void)c;
}

void app_classify_packet(struct app_classify *c, const struct packet *p, struct flow *f, int dir)
{
	(void)c;
	(void)p;
	(void)f;
	(void)dir;
}

void app_classify_parser(struct app_classify *c, const struct flow *f, const char *parser)
{
	(void)c;
	(void)f;
	(void)parser;
}

void app_classify_flow_end(struct app_classify *c, struct flow *f)
{
	(void)c;
	(void)f;
}

void app_classify_json(const struct app_classify *c, struct jsonw *w)
{
	(void)c;
	jsonw_null(w);
}

void app_classify_text(const struct app_classify *c, struct strbuf *b)
{
	(void)c;
	(void)b;
}

bool app_classify_any(const struct app_classify *c)
{
	(void)c;
	return false;
}

#endif
