/* bigalloc.h - memory for large tables read at random on every packet (flow hash buckets,
 * flow slots, the mirror dedup table), on transparent huge pages where the kernel offers them.
 *
 * Each packet touches a few random entries of several megabyte-sized tables; with 4 KiB pages
 * nearly every such access also misses the TLB, and a page walk is dear (twice over in a
 * virtual machine).  Rounding such a table up to whole 2 MiB units, aligned, and advising
 * MADV_HUGEPAGE lets the kernel back it with huge pages (THP "always" or "madvise" mode).
 * Advice only: without THP it is ordinary memory.  Release with free().
 */
#ifndef VXS_BASE_BIGALLOC_H
#define VXS_BASE_BIGALLOC_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define BIG_ALLOC_UNIT ((size_t)2 << 20)

/* n bytes (rounded up to BIG_ALLOC_UNIT), uninitialised; NULL when memory runs out. */
static inline void *big_alloc(size_t n)
{
	size_t len = (n + BIG_ALLOC_UNIT - 1) & ~(BIG_ALLOC_UNIT - 1);
	if (len < n)
		return NULL;
	void *m = aligned_alloc(BIG_ALLOC_UNIT, len);
#ifdef MADV_HUGEPAGE
	if (m)
		(void)madvise(m, len, MADV_HUGEPAGE);
#endif
	return m;
}

/* The same, zeroed. */
static inline void *big_calloc(size_t n)
{
	void *m = big_alloc(n);
	if (m)
		memset(m, 0, n);
	return m;
}

#endif
