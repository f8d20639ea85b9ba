/* timefmt.c - timestamps as text (UTC, no locale, no time zone). */
#include "timefmt.h"

#include <stdio.h>
#include <time.h>

int64_t timefmt_epoch_s(int64_t ts_ns)
{
	int64_t s = ts_ns / 1000000000;
	if (ts_ns % 1000000000 < 0)
		s--;
	return s;
}

char *timefmt_iso(int64_t ts_ns, char *buf, size_t len)
{
	int64_t s = timefmt_epoch_s(ts_ns);
	long ns = (long)(ts_ns - s * 1000000000);
	time_t t = (time_t)s;
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, len, "%lld.%09ld", (long long)s, ns);
		return buf;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ns);
	return buf;
}
