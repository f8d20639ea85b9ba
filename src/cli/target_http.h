/* target_http.h - `vxscope target`'s HTTP listener: /healthz and /metrics (libmicrohttpd). */
#ifndef VXS_CLI_TARGET_HTTP_H
#define VXS_CLI_TARGET_HTTP_H

#include <stddef.h>

#include "engine/target.h"

struct target_http;

/* Listen on "ADDR:PORT", "[V6ADDR]:PORT" or ":PORT" (every address).  0 or -errno with the
 * message in err.  The bound "ADDR:PORT" (port 0 picks one) goes to bound. */
int target_http_start(struct target_http **out, const char *spec, struct target *t,
		      char *bound, size_t boundlen, char *err, size_t errlen)
	__attribute__((warn_unused_result));
void target_http_stop(struct target_http *h);

#endif
