/* finding.h - the one form every analyser reports in, and the ranked list of them.
 *
 * A finding says what is wrong (title), where (session, hosts, service, flows), with what
 * evidence (counts, rates, time range, first frames and a Wireshark display filter that shows
 * them), the likely cause, what to change, and how sure we are and what would make us surer.
 * Analysers fill findings; the report only renders them (text, JSON, HTML).
 */
#ifndef VXS_REPORT_FINDING_H
#define VXS_REPORT_FINDING_H

#include <stddef.h>
#include <stdint.h>

enum severity {
	SEV_INFO = 0,
	SEV_LOW,
	SEV_MEDIUM,
	SEV_HIGH,
	SEV_CRITICAL,
};

enum confidence {
	CONF_LOW = 0,
	CONF_MEDIUM,
	CONF_HIGH,
};

#define FINDING_MAX_FRAMES 8
#define FINDING_MAX_FACTS 8

/* One number of evidence: "retransmitted segments" = 112. */
struct finding_fact {
	char name[48];
	double value;
	char unit[16]; /* "", "%", "ms", "bytes", "Mbit/s", ... */
};

struct finding {
	enum severity severity;
	double impact;        /* ranking key within a severity: affected packets, flows, ... */
	char area[16];        /* "tcp", "app", "qos", "mtu", "mirror" */
	char kind[48];        /* stable machine name: "tcp.retransmissions", "mtu.pmtu_blackhole" */
	char title[192];      /* plain words */
	char where[256];      /* session / hosts / service */
	char cause[512];      /* likely cause */
	char action[512];     /* what to change */
	enum confidence confidence;
	char raise_confidence[192]; /* what would make us surer */
	struct finding_fact facts[FINDING_MAX_FACTS];
	unsigned nfacts;
	uint64_t frames[FINDING_MAX_FRAMES]; /* first frames (1-based, Wireshark numbering) */
	unsigned nframes;
	char display_filter[256];
	int64_t first_ns, last_ns; /* time range of the evidence */
	uint64_t flows;            /* flows affected */
};

struct finding_list {
	struct finding *v;
	size_t n, cap;
};

const char *severity_name(enum severity s);
const char *confidence_name(enum confidence c);

/* Append a zeroed finding and return it (NULL on out of memory). */
struct finding *findings_add(struct finding_list *l);
/* Append a finding with its severity, area, kind and impact set (NULL on out of memory). */
struct finding *finding_new(struct finding_list *l, enum severity sev, const char *area,
			    const char *kind, double impact);
void finding_fact(struct finding *f, const char *name, double value, const char *unit);
void finding_frame(struct finding *f, uint64_t frame);
/* Severity first, then impact, then kind and where for a stable order. */
void findings_sort(struct finding_list *l);
void findings_free(struct finding_list *l);

#endif
