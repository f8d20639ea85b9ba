/* timefmt.h - timestamps as text: ISO 8601 UTC with nanoseconds, and epoch seconds. */
#ifndef VXS_BASE_TIMEFMT_H
#define VXS_BASE_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#define TIMEFMT_ISO_LEN 40

/* "2024-06-10T06:13:20.123456789Z" into buf (at least TIMEFMT_ISO_LEN bytes).  Returns buf. */
char *timefmt_iso(int64_t ts_ns, char *buf, size_t len);
/* floor(ts_ns / 1e9), correct for negative times too. */
int64_t timefmt_epoch_s(int64_t ts_ns);

#endif
