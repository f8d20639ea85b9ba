/* capcount.c - read capture files with vxscope's reader and say what it saw: for the
 * reader oracle (tests/oracle/capture_counts.sh) and for measuring reader speed.
 *
 *   capcount [-v] [-s] FILE...
 *
 * One line per file: path, frames=N numbered=N linktype=L format=F interfaces=I first=T
 * last=T status=eof|damaged|ioerr|open, then error="..." when something stopped the reader.
 * frames counts the frames returned, numbered is the last one's number (Wireshark numbers
 * pcapng custom blocks too, and so do we, without returning them).
 * Timestamps are epoch seconds with 9 decimals, as `tshark -T fields -e frame.time_epoch`
 * prints them.  -v also prints every frame (number, time, caplen, wirelen, link type,
 * interface); -s prints frames/s and MB/s to stderr.  Exit status: 0 when every file read
 * to a clean end, 1 when one was damaged, 2 on open or read errors.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "capture/reader.h"

static const char *format_name(enum capture_format f)
{
	switch (f) {
	case CAPTURE_PCAP:
		return "pcap";
	case CAPTURE_PCAP_NSEC:
		return "pcap-nsec";
	case CAPTURE_PCAPNG:
		return "pcapng";
	}
	return "?";
}

static void fmt_ts(char *buf, size_t len, int64_t ns)
{
	int64_t s = ns / 1000000000, f = ns % 1000000000;
	if (f < 0) {
		s -= 1;
		f += 1000000000;
	}
	snprintf(buf, len, "%lld.%09lld", (long long)s, (long long)f);
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int count(const char *path, bool verbose, bool speed)
{
	char err[256];
	struct capture_reader *r;
	int rc = capture_open(&r, path, err, sizeof(err));
	if (rc) {
		printf("%s\tframes=0 status=open error=\"%s\"\n", path, err);
		return 2;
	}
	struct packet p;
	uint64_t frames = 0, numbered = 0;
	int64_t first = 0, last = 0;
	enum capture_status st;
	double t0 = now();
	while ((st = capture_next(r, &p)) == CAPTURE_FRAME) {
		if (!frames)
			first = p.ts_ns;
		last = p.ts_ns;
		frames++;
		numbered = p.frame;
		if (verbose) {
			char ts[32];
			fmt_ts(ts, sizeof(ts), p.ts_ns);
			printf("%llu\t%s\t%u\t%u\t%d\t%u\n", (unsigned long long)p.frame, ts,
			       p.caplen, p.wirelen, p.linktype, p.ifindex);
		}
	}
	double dt = now() - t0;
	char a[32] = "-", b[32] = "-";
	if (frames) {
		fmt_ts(a, sizeof(a), first);
		fmt_ts(b, sizeof(b), last);
	}
	const char *status = st == CAPTURE_EOF       ? "eof"
	                     : st == CAPTURE_DAMAGED ? "damaged"
	                                             : "ioerr";
	printf("%s\tframes=%llu numbered=%llu linktype=%d format=%s interfaces=%u first=%s "
	       "last=%s status=%s",
	       path, (unsigned long long)frames, (unsigned long long)numbered, capture_linktype(r),
	       format_name(capture_format(r)), capture_interfaces(r), a, b, status);
	if (st != CAPTURE_EOF)
		printf(" error=\"%s\"", capture_error(r));
	printf("\n");
	if (speed && dt > 0)
		fprintf(stderr,
		        "%s: %llu frames in %.3f s: %.0f frames/s, %.0f MB/s (file %llu "
		        "bytes)\n",
		        path, (unsigned long long)frames, dt, (double)frames / dt,
		        (double)capture_offset(r) / dt / 1e6,
		        (unsigned long long)capture_offset(r));
	capture_close(r);
	return st == CAPTURE_EOF ? 0 : st == CAPTURE_DAMAGED ? 1 : 2;
}

int main(int argc, char **argv)
{
	bool verbose = false, speed = false;
	int i = 1, worst = 0;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "-v") == 0) {
			verbose = true;
		} else if (strcmp(argv[i], "-s") == 0) {
			speed = true;
		} else {
			fprintf(stderr, "usage: capcount [-v] [-s] FILE...\n");
			return 2;
		}
	}
	if (i == argc) {
		fprintf(stderr, "usage: capcount [-v] [-s] FILE...\n");
		return 2;
	}
	for (; i < argc; i++) {
		int rc = count(argv[i], verbose, speed);
		if (rc > worst)
			worst = rc;
	}
	return worst;
}
