/* anomaly.c - name and meaning tables generated from anomaly.def. */
#include "anomaly.h"

static const char *const names[ANOM_COUNT] = {
#define X(e, key, meaning) [e] = key,
#include "anomaly.def"
#undef X
};

static const char *const meanings[ANOM_COUNT] = {
#define X(e, key, meaning) [e] = meaning,
#include "anomaly.def"
#undef X
};

const char *anomaly_name(enum anomaly a)
{
	return (unsigned)a < ANOM_COUNT ? names[a] : "unknown";
}

const char *anomaly_meaning(enum anomaly a)
{
	return (unsigned)a < ANOM_COUNT ? meanings[a] : "unknown";
}
