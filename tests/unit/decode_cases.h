/* decode_cases.h - the table runner shared by the decode unit tests (test_decode_*.c).
 *
 * A case is a frame written as hex (spaces, newlines and '|' ignored so each layer can sit
 * on its own line), a link type, the exact set of anomalies decode_frame must report, and a
 * few expected fields; an optional check function asserts the rest.  Each frame is copied
 * into a heap buffer of exactly its size, so the ASan build catches any read past it.
 *
 * Every case also runs a prefix sweep: the frame cut at every length must decode without
 * breaking the packet invariants, and when the case is `whole` (every byte is covered by a
 * declared length) each cut must be reported as truncated.
 *
 * VXS_DUMP_CORPUS=dir writes each case as a fuzz input (tests/fuzz/corpus/decode/ format:
 * one byte of link-type index, then the frame), for seeding the corpus.
 */
#ifndef VXS_TESTS_DECODE_CASES_H
#define VXS_TESTS_DECODE_CASES_H

#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decode/decode.h"

/* Link types in fuzz-input order (tests/fuzz/fuzz_decode.c keeps the same list). */
static const int fuzz_linktypes[] = {
    LINKTYPE_ETHERNET,  LINKTYPE_RAW,        LINKTYPE_IPV4, LINKTYPE_IPV6,
    LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_NULL, LINKTYPE_LOOP,
};

#define A(x) ANOM_BIT(ANOM_##x)
#define ANY  (-1)

enum cfg_kind {
	CFG_DEFAULT = 0,
	CFG_PORT_8472, /* default + VXLAN on 8472 */
	CFG_NO_PEEL,   /* peel_tunnels = false */
};

struct dcase {
	const char *name;
	int linktype;
	const char *hex;
	uint64_t anoms; /* exact expected anomaly set */
	bool whole;     /* every byte declared: any shorter copy must read as truncated */
	enum cfg_kind cfg;
	int has_ip;      /* 0/1, or ANY */
	int proto;       /* or ANY */
	const char *src; /* innermost addresses as text, or NULL: not checked */
	const char *dst;
	int sport, dport; /* with has_l4; ANY: not checked, -2: has_l4 must be false */
	int ntun;         /* or ANY */
	void (*check)(const struct packet *p);
};

#define NO_L4 (-2)

static inline size_t hex_decode(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;
	for (const char *s = hex; *s; s++) {
		int v;
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
			continue;
		}
		assert_true(n < cap);
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	assert_int_equal(hi, -1); /* odd number of digits: a typo in the table */
	return n;
}

static inline void cfg_for(struct decode_cfg *cfg, enum cfg_kind k)
{
	decode_cfg_default(cfg);
	if (k == CFG_PORT_8472)
		assert_int_equal(decode_cfg_add_vxlan_port(cfg, 8472), 0);
	if (k == CFG_NO_PEEL)
		cfg->peel_tunnels = false;
}

/* Decode len bytes of buf (already a heap copy of exactly len bytes). */
static inline void decode_bytes(const struct decode_cfg *cfg, int linktype, const uint8_t *buf,
                                size_t len, struct packet *p)
{
	memset(p, 0xA5, sizeof(*p)); /* garbage: decode_frame must reset what it reports */
	p->frame = 1;
	p->ts_ns = 0;
	p->caplen = (uint32_t)len;
	p->wirelen = (uint32_t)len;
	p->linktype = linktype;
	p->ifindex = 0;
	p->data = buf;
	decode_frame(cfg, p);
}

static inline void anomalies_str(uint64_t m, char *buf, size_t len)
{
	buf[0] = 0;
	for (int a = 0; a < ANOM_COUNT; a++)
		if (m & ANOM_BIT(a)) {
			size_t used = strlen(buf);
			snprintf(buf + used, len - used, "%s ", anomaly_name((enum anomaly)a));
		}
}

static inline void assert_anomalies(const char *name, uint64_t got, uint64_t want)
{
	if (got != want) {
		char g[1024], w[1024];
		anomalies_str(got, g, sizeof(g));
		anomalies_str(want, w, sizeof(w));
		print_error("%s: anomalies [%s] want [%s]\n", name, g, w);
	}
	assert_true(got == want);
}

static inline void assert_addr(const struct ip_addr *a, const char *text)
{
	struct ip_addr want;
	memset(&want, 0, sizeof(want));
	if (strchr(text, ':')) {
		want.family = 6;
		assert_int_equal(inet_pton(AF_INET6, text, want.a), 1);
	} else {
		want.family = 4;
		assert_int_equal(inet_pton(AF_INET, text, want.a), 1);
	}
	if (a->family != want.family || memcmp(a->a, want.a, sizeof(want.a)) != 0) {
		char buf[64] = "?";
		if (a->family == 4 || a->family == 6)
			inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->a, buf, sizeof(buf));
		print_error("address %s (family %u), want %s\n", buf, a->family, text);
	}
	assert_int_equal(a->family, want.family);
	assert_memory_equal(a->a, want.a, sizeof(want.a));
}

/* What must hold for any frame, however broken. */
static inline void assert_invariants(const struct packet *p)
{
	assert_true(p->ntun <= PKT_MAX_TUNNELS);
	assert_true(p->nvlan <= PKT_MAX_VLANS);
	assert_true(p->nsack <= PKT_MAX_SACK);
	assert_true(p->inner_off <= p->caplen);
	assert_true(p->payload_caplen <= p->payload_len);
	if (p->payload_caplen) {
		assert_non_null(p->payload);
		assert_true(p->payload >= p->data);
		assert_true((size_t)(p->payload - p->data) + p->payload_caplen <= p->caplen);
	}
	assert_int_equal(p->truncated, (p->anomalies & ANOM_TRUNC_MASK) != 0);
	if (!p->ntun) {
		assert_int_equal(p->inner_off, 0);
		assert_int_equal(p->inner_linktype, p->linktype);
	} else {
		assert_true(p->inner_linktype == LINKTYPE_ETHERNET ||
		            p->inner_linktype == LINKTYPE_RAW);
	}
}

static inline void dump_case(const struct dcase *c, const uint8_t *buf, size_t len)
{
	const char *dir = getenv("VXS_DUMP_CORPUS");
	if (!dir)
		return;
	int idx = -1;
	for (size_t i = 0; i < sizeof(fuzz_linktypes) / sizeof(fuzz_linktypes[0]); i++)
		if (fuzz_linktypes[i] == c->linktype)
			idx = (int)i;
	if (idx < 0)
		return;
	char path[4096];
	snprintf(path, sizeof(path), "%s/unit-%s", dir, c->name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	uint8_t b0 = (uint8_t)idx;
	assert_int_equal(fwrite(&b0, 1, 1, f), 1);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static inline void run_case(const struct dcase *c)
{
	uint8_t tmp[4096];
	size_t len = hex_decode(c->hex, tmp, sizeof(tmp));
	uint8_t *buf = malloc(len ? len : 1);
	assert_non_null(buf);
	memcpy(buf, tmp, len);
	dump_case(c, buf, len);

	struct decode_cfg cfg;
	cfg_for(&cfg, c->cfg);
	struct packet p;
	decode_bytes(&cfg, c->linktype, buf, len, &p);

	assert_anomalies(c->name, p.anomalies, c->anoms);
	assert_invariants(&p);
	if (c->has_ip != ANY)
		assert_int_equal(p.has_ip, c->has_ip);
	if (c->proto != ANY)
		assert_int_equal(p.proto, c->proto);
	if (c->src)
		assert_addr(&p.src, c->src);
	if (c->dst)
		assert_addr(&p.dst, c->dst);
	if (c->sport == NO_L4) {
		assert_false(p.has_l4);
	} else {
		if (c->sport != ANY) {
			assert_true(p.has_l4);
			assert_int_equal(p.sport, c->sport);
		}
		if (c->dport != ANY)
			assert_int_equal(p.dport, c->dport);
	}
	if (c->ntun != ANY)
		assert_int_equal(p.ntun, c->ntun);
	if (c->check)
		c->check(&p);

	/* Every shorter copy: invariants hold; a whole frame says it was truncated. */
	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *pre = malloc(cut ? cut : 1);
		assert_non_null(pre);
		memcpy(pre, buf, cut);
		struct packet q;
		decode_bytes(&cfg, c->linktype, pre, cut, &q);
		assert_invariants(&q);
		if (c->whole && !q.truncated) {
			print_error("%s: copy cut to %zu of %zu bytes not flagged truncated\n",
			            c->name, cut, len);
			fail();
		}
		free(pre);
	}
	free(buf);
}

static inline void run_cases(const struct dcase *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		print_message("  case %s\n", cases[i].name);
		run_case(&cases[i]);
	}
}

/* Decode one hex frame with the default configuration (for hand-written tests). */
static inline uint8_t *decode_hex(const char *hex, int linktype, struct packet *p)
{
	uint8_t tmp[4096];
	size_t len = hex_decode(hex, tmp, sizeof(tmp));
	uint8_t *buf = malloc(len ? len : 1);
	assert_non_null(buf);
	memcpy(buf, tmp, len);
	struct decode_cfg cfg;
	decode_cfg_default(&cfg);
	decode_bytes(&cfg, linktype, buf, len, p);
	assert_invariants(p);
	return buf; /* p points into it: the caller frees it */
}

/* Frame pieces: MACs, addresses. */
#define MACS "000000000002 000000000001 "        /* dst, src */
#define V4_A "c0000201 "                         /* 192.0.2.1 */
#define V4_B "c6336402 "                         /* 198.51.100.2 */
#define V4_C "0a000001 "                         /* 10.0.0.1 */
#define V4_D "0a000002 "                         /* 10.0.0.2 */
#define V6_A "20010db8000000000000000000000001 " /* 2001:db8::1 */
#define V6_B "20010db8000000000000000000000002 " /* 2001:db8::2 */

#endif
