/* spsc.c - bounded SPSC byte-record queue (see spsc.h). */
#include "spsc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define WRAP_MARK UINT64_MAX
#define MIN_CAP (64u * 1024u)

static size_t rec_size(size_t n)
{
	return 8 + ((n + 7) & ~(size_t)7);
}

int spsc_init(struct spsc *q, size_t bytes)
{
	memset(q, 0, sizeof(*q));
	size_t cap = MIN_CAP;
	while (cap < bytes && cap < ((size_t)1 << 40))
		cap <<= 1;
	q->buf = aligned_alloc(64, cap);
	if (!q->buf)
		return -ENOMEM;
	q->cap = cap;
	q->mask = cap - 1;
	atomic_init(&q->head, 0);
	atomic_init(&q->tail, 0);
	return 0;
}

void spsc_fini(struct spsc *q)
{
	free(q->buf);
	q->buf = NULL;
}

void *spsc_reserve(struct spsc *q, size_t n)
{
	size_t rec = rec_size(n);
	if (rec > q->cap / 2)
		return NULL;
	size_t head = atomic_load_explicit(&q->head, memory_order_relaxed);
	size_t pos = head & q->mask;
	size_t to_end = q->cap - pos;
	size_t need = rec + (to_end < rec ? to_end : 0);
	if (need > q->cap - (head - q->tail_cache)) {
		q->tail_cache = atomic_load_explicit(&q->tail, memory_order_acquire);
		if (need > q->cap - (head - q->tail_cache))
			return NULL;
	}
	if (to_end < rec) {
		uint64_t mark = WRAP_MARK;
		memcpy(q->buf + pos, &mark, 8);
		head += to_end;
		pos = 0;
	}
	uint64_t len = n;
	memcpy(q->buf + pos, &len, 8);
	q->pend = head + rec;
	return q->buf + pos + 8;
}

void spsc_commit(struct spsc *q)
{
	atomic_store_explicit(&q->head, q->pend, memory_order_release);
}

void *spsc_peek(struct spsc *q, size_t *n)
{
	size_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
	for (;;) {
		if (tail == q->head_cache) {
			q->head_cache = atomic_load_explicit(&q->head, memory_order_acquire);
			if (tail == q->head_cache)
				return NULL;
		}
		size_t pos = tail & q->mask;
		uint64_t len;
		memcpy(&len, q->buf + pos, 8);
		if (len == WRAP_MARK) {
			tail += q->cap - pos;
			atomic_store_explicit(&q->tail, tail, memory_order_release);
			continue;
		}
		*n = (size_t)len;
		q->next_tail = tail + rec_size((size_t)len);
		return q->buf + pos + 8;
	}
}

void spsc_release(struct spsc *q)
{
	atomic_store_explicit(&q->tail, q->next_tail, memory_order_release);
}

int spsc_empty(struct spsc *q)
{
	return atomic_load_explicit(&q->tail, memory_order_relaxed) ==
	       atomic_load_explicit(&q->head, memory_order_acquire);
}
