/* finding.c - the finding list: add, sort, free. */
#include "finding.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *severity_name(enum severity s)
{
	static const char *const n[] = {"info", "low", "medium", "high", "critical"};
	return (unsigned)s < 5 ? n[s] : "unknown";
}

const char *confidence_name(enum confidence c)
{
	static const char *const n[] = {"low", "medium", "high"};
	return (unsigned)c < 3 ? n[c] : "unknown";
}

struct finding *findings_add(struct finding_list *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct finding *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	struct finding *f = &l->v[l->n++];
	memset(f, 0, sizeof(*f));
	return f;
}

struct finding *finding_new(struct finding_list *l, enum severity sev, const char *area,
			    const char *kind, double impact)
{
	struct finding *f = findings_add(l);
	if (!f)
		return NULL;
	f->severity = sev;
	f->impact = impact;
	snprintf(f->area, sizeof(f->area), "%s", area);
	snprintf(f->kind, sizeof(f->kind), "%s", kind);
	return f;
}

void finding_fact(struct finding *f, const char *name, double value, const char *unit)
{
	if (f->nfacts == FINDING_MAX_FACTS)
		return;
	struct finding_fact *x = &f->facts[f->nfacts++];
	snprintf(x->name, sizeof(x->name), "%s", name);
	snprintf(x->unit, sizeof(x->unit), "%s", unit ? unit : "");
	x->value = value;
}

void finding_frame(struct finding *f, uint64_t frame)
{
	if (!frame || f->nframes == FINDING_MAX_FRAMES)
		return;
	for (unsigned i = 0; i < f->nframes; i++)
		if (f->frames[i] == frame)
			return;
	unsigned i = f->nframes++;
	while (i > 0 && f->frames[i - 1] > frame) {
		f->frames[i] = f->frames[i - 1];
		i--;
	}
	f->frames[i] = frame;
}

static int cmp(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;
	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	if (x->impact != y->impact)
		return x->impact > y->impact ? -1 : 1;
	int c = strcmp(x->kind, y->kind);
	return c ? c : strcmp(x->where, y->where);
}

void findings_sort(struct finding_list *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), cmp);
}

void findings_free(struct finding_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}
