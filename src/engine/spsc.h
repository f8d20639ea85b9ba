/* spsc.h - a bounded single-producer/single-consumer queue of variable-length records.
 *
 * One byte ring (a power of two) with monotonically growing head and tail positions; a record
 * is an 8-byte length word and its bytes, padded to 8, always contiguous (a wrap marker skips
 * the end of the ring).  The producer never blocks: spsc_reserve() returns NULL when the
 * record does not fit, and the caller counts a drop.  Head and tail are published with
 * release stores and read with acquire loads; each side caches the other's position.
 */
#ifndef VXS_ENGINE_SPSC_H
#define VXS_ENGINE_SPSC_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct spsc {
	uint8_t *buf;
	size_t cap, mask;
	_Alignas(64) _Atomic size_t head; /* written by the producer */
	size_t tail_cache;                /* producer's view of tail */
	size_t pend;                      /* producer: head after the reserved record */
	_Alignas(64) _Atomic size_t tail; /* written by the consumer */
	size_t head_cache;                /* consumer's view of head */
	size_t next_tail;                 /* consumer: tail after the peeked record */
};

/* bytes is rounded up to a power of two (at least 64 KiB).  0 or -ENOMEM. */
int spsc_init(struct spsc *q, size_t bytes) __attribute__((warn_unused_result));
void spsc_fini(struct spsc *q);
/* Producer: room for an n-byte record, or NULL when full.  Fill it, then spsc_commit(). */
void *spsc_reserve(struct spsc *q, size_t n);
void spsc_commit(struct spsc *q);
/* Consumer: the oldest record (its length in *n), or NULL when empty.  spsc_release() frees
 * it (and everything before). */
void *spsc_peek(struct spsc *q, size_t *n);
void spsc_release(struct spsc *q);
/* Anything queued?  (Consumer side.) */
int spsc_empty(struct spsc *q);

#endif
