/* archive.h - a mirror target's packet archive: one pcapng file series per session, rotated.
 *
 * Files: DIR/<label>/vxscope-<label>-<YYYYmmddTHHMMSSZ>.pcapng (UTC time of the first frame),
 * written as "<name>.part" and renamed when finished, so a reader (or a crash) only ever sees
 * complete files plus at most one .part per session.  The pcapng has one interface named
 * <label> (pkt_writer.h: nanosecond timestamps).
 *
 * Rotation: by size (rotate_bytes), by time (rotate_ns: a file ends at every multiple of the
 * period since the epoch, so S=3600 rotates on the hour in UTC), by count (rotate_count: keep
 * the newest N finished files of each session, deleting the oldest: a ring).  Each finished
 * file is handed to post_argv (fork/exec via posix_spawnp, no shell; the file is the last
 * argument).
 *
 * Write failures (ENOSPC, EDQUOT, EIO ...): the file is finished as it stands (its last block
 * may be cut), the error counted, and the session's frames are counted as lost - not written -
 * until retry_ns has passed; then a new file is tried.  Analysis elsewhere goes on.
 *
 * Not thread-safe: one caller at a time (the engine serialises).  With write_behind, the
 * archive's own thread writes the buffers its caller fills.
 */
#ifndef VXS_OUTPUT_ARCHIVE_H
#define VXS_OUTPUT_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct archive_cfg {
	const char *dir;
	uint64_t rotate_bytes;   /* 0: no size limit */
	int64_t rotate_ns;       /* 0: no time rotation */
	unsigned rotate_count;   /* 0: keep every file */
	char *const *post_argv;  /* NULL, or a NULL-terminated command; the file is appended */
	int64_t retry_ns;        /* after a write failure; 0 -> 5 s */
	unsigned max_sessions;   /* 0 -> 4096; frames of further sessions are counted as lost */
	unsigned max_open;       /* 0 -> 128 files open at once (each holds 1 MiB of buffers,
	                            2 MiB write-behind); past it the least recently written file
	                            is finished */
	bool write_behind;       /* a thread of the archive makes the write(2) calls, so the
	                            caller only fills buffers (write_behind.h); flushes, finishes
	                            and close wait for it */
};

struct archive_stats {
	uint64_t archived;     /* frames written and flushed to the file */
	uint64_t lost;         /* frames not written: a write or flush failed, or a failure is
	                          being waited out (frames buffered when a flush fails count
	                          here, though part of them may have reached the file) */
	uint64_t write_errors; /* failed opens, writes, closes, renames */
	uint64_t files;        /* files finished */
	uint64_t post_rotate;  /* post-rotate commands started */
	int last_errno;
};

struct archive;

/* Make DIR (and check it is writable).  0 or -errno with the message in err. */
int archive_new(struct archive **out, const struct archive_cfg *cfg, char *err, size_t errlen)
	__attribute__((warn_unused_result));
/* One frame of session `label` (letters, digits, '.', ':', '-'; any other byte is written as
 * '_' in file names).  0 when written, or -errno when counted as lost. */
int archive_write(struct archive *a, const char *label, int linktype, int64_t ts_ns,
		  const uint8_t *data, uint32_t caplen, uint32_t wirelen);
/* Flush every open file (call about once a second: it bounds what a crash loses and finds a
 * full disk), finish files whose time period ended by now_ns, reap post-rotate commands. */
void archive_tick(struct archive *a, int64_t now_ns);
/* Finish every open file (renamed, post-rotate run); writing may go on after. */
void archive_finish_all(struct archive *a);
/* Finish every file and free; NULL is fine. */
void archive_close(struct archive *a);
const struct archive_stats *archive_stats(const struct archive *a);
/* The last failure as text ("writing DIR/x.pcapng.part: No space left on device"), or "". */
const char *archive_last_error(const struct archive *a);

#endif
