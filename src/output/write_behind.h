/* write_behind.h - one thread that makes the write(2) calls for several files, so the caller
 * fills a buffer, hands it over and goes on.
 *
 * Why: a live target's receive thread spent 16 % of its time in write(2) when it archived
 * every packet (page allocation and the copy into the page cache), and much more when the
 * kernel had to find fresh pages.  Handing full buffers to
 * this thread lets that work run on another core, and the receive thread only blocks when
 * every buffer of a file is still being written (the disk or the page cache is slower than the
 * traffic: the same back-pressure a synchronous write gives).
 *
 * A stream is one file descriptor.  Its jobs are written in the order they were submitted.
 * After the first failure of a stream (ENOSPC, EIO, ...), that error is kept in the stream
 * and its later jobs are not written (a file is never continued past a hole), they complete
 * with the same error.
 *
 * Thread use: one producer per stream; any number of streams and producers per write_behind.
 */
#ifndef VXS_OUTPUT_WRITE_BEHIND_H
#define VXS_OUTPUT_WRITE_BEHIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct write_behind;

struct wb_stream {
	int fd;
	int err;           /* first -errno of a write; sticky (read it with wb_stream_error) */
	unsigned inflight; /* jobs submitted and not completed */
};

struct wb_job {
	struct wb_stream *stream;
	const uint8_t *data;
	size_t len;
	int err;   /* 0 or -errno, valid once done */
	bool done; /* guarded by the write_behind's lock: use wb_job_wait */
	struct wb_job *next;
};

/* Start the thread.  0 or -errno. */
int write_behind_new(struct write_behind **out) __attribute__((warn_unused_result));
/* Write out every job still queued, stop the thread, free.  NULL is fine. */
void write_behind_free(struct write_behind *wb);

/* Queue job (its stream, data and len set; the data must stay untouched until the job is
 * done).  Never blocks. */
void wb_submit(struct write_behind *wb, struct wb_job *job);
/* Wait until job is done; its result (0 or -errno). */
int wb_job_wait(struct write_behind *wb, struct wb_job *job);
/* Wait until no job of stream is in flight; the stream's first error or 0. */
int wb_stream_drain(struct write_behind *wb, struct wb_stream *stream);

#endif
