/* dns.h - DNS messages (RFC 1035 section 4, RFC 6895 for the codes) and queries paired
 * with their answers per flow, over UDP and TCP (RFC 7766: a 2-byte length before each
 * message).  LLMNR (RFC 4795, port 5355) and mDNS (RFC 6762, port 5353) share the format:
 * their messages are read but not paired (answers come from other hosts, to multicast).
 */
#ifndef VXS_APP_DNS_H
#define VXS_APP_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/app.h"

#define DNS_NAME_TEXT_MAX 256                  /* bytes kept of a name's text form, with the NUL */
#define DNS_PTR_HOPS      16                   /* compression pointers followed in one name */
#define DNS_PENDING_MAX   32                   /* unanswered queries kept per flow */
#define DNS_RETX_FRAMES   4                    /* frames kept of a query's retransmissions */
#define DNS_TIMEOUT_NS    INT64_C(5000000000)  /* no answer this long after a query: a timeout */
#define DNS_FORGET_NS     INT64_C(60000000000) /* a query is kept this long for a late answer */

#define DNS_RCODE_NOERROR  0
#define DNS_RCODE_FORMERR  1
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_NOTIMP   4
#define DNS_RCODE_REFUSED  5

enum dns_name_status {
	DNS_NAME_OK = 0,
	DNS_NAME_TRUNCATED, /* ran past the end of the message (or of the copy) */
	DNS_NAME_LOOP,      /* more than DNS_PTR_HOPS compression pointers */
	DNS_NAME_TOO_LONG,  /* more than 255 bytes on the wire */
	DNS_NAME_BAD_LABEL, /* label type 01 or 10 (RFC 6891 extended, obsolete) */
};

/* One message's header and first question. */
struct dns_msg {
	uint16_t id;
	bool qr, aa, tc, rd, ra;
	uint8_t opcode, rcode;
	uint16_t qdcount, ancount, nscount, arcount;
	bool counts_cut; /* fewer than 12 bytes: the counts are missing */
	bool has_qname;  /* the first question's name was read (status OK) */
	bool has_qtype;  /* ... and its type and class */
	enum dns_name_status name_status;
	char qname[DNS_NAME_TEXT_MAX]; /* text form: "www.example.com", "<Root>" for the root */
	bool qname_cut;                /* the text was longer than DNS_NAME_TEXT_MAX - 1 */
	uint16_t qtype, qclass;
};

/* Parse msg[0..n): 0, or -EINVAL when n is below 4 bytes (ID and flags; a truncated copy
 * with those still tells the RCODE: counts_cut is then set).  A damaged question leaves
 * has_qname false and says why in name_status. */
int dns_parse(const uint8_t *msg, size_t n, struct dns_msg *m);

/* Decode the name at offset off of msg[0..n) into out (text, NUL-terminated, at most cap - 1
 * bytes; *cut when longer), following compression pointers iteratively (at most
 * DNS_PTR_HOPS).  *next = the offset just after the name where it is written (after its
 * first pointer, when there is one).  Labels are joined with '.'; printable ASCII and valid
 * UTF-8 are kept as they are, other bytes written \DDD (decimal, RFC 1035 section 5.1);
 * '.' and '\' inside a label are not escaped (as Wireshark shows them). */
enum dns_name_status dns_name(const uint8_t *msg, size_t n, size_t off, char *out, size_t cap,
                              bool *cut, size_t *next);

enum dns_kind {
	DNS_KIND_DNS = 0, /* port 53 */
	DNS_KIND_MDNS,    /* port 5353 */
	DNS_KIND_LLMNR,   /* port 5355 */
};

enum dns_outcome {
	DNS_ANSWERED = 0, /* a query and its response */
	DNS_TIMEOUT,      /* no response (within DNS_FORGET_NS, or before the flow ended) */
	DNS_LATE,         /* a response, but DNS_TIMEOUT_NS or more after the query */
	DNS_CAPTURE_END,  /* no response, but the capture ended less than 5 s after the query */
	DNS_UNMATCHED,    /* a response without a query (before the capture, or after a timeout) */
	DNS_DROPPED,      /* pushed out of a full table (DNS_PENDING_MAX unanswered) < 5 s old */
	DNS_UNPAIRED,     /* an LLMNR / mDNS message: not paired */
};

struct dns_txn {
	enum dns_kind kind;
	enum dns_outcome outcome;
	uint8_t proto;  /* IPPROTO_NUM_UDP / _TCP */
	int client_dir; /* flow direction of the query (0 = originator) */
	uint16_t id;
	bool has_query, has_response;
	/* the question, from the query (from the response when there is no query) */
	bool has_qname, has_qtype;
	enum dns_name_status name_status;
	char qname[DNS_NAME_TEXT_MAX];
	uint16_t qtype, qclass;
	uint8_t opcode;
	uint8_t query_rcode; /* the query header's RCODE (normally 0) */
	uint64_t query_frame;
	int64_t query_ns;
	uint32_t retransmissions; /* the same query sent again before an answer */
	uint8_t nretx;
	uint64_t retx_frames[DNS_RETX_FRAMES];
	/* the response */
	uint64_t resp_frame;
	int64_t resp_ns;
	uint8_t rcode;
	bool tc, aa;
	uint16_t ancount;
	bool resp_qname_differs; /* the response's question is another name */
	bool resp_has_qname;
	char resp_qname[DNS_NAME_TEXT_MAX];
	int64_t latency_ns; /* response - first query; -1: n/a */
};

/* The per-flow state and its life (also behind app_dns_parser).  kind from the port. */
struct dns_conv;
struct dns_conv *dns_conv_new(enum dns_kind kind);
void dns_conv_segment(struct dns_conv *c, const struct app_seg *s, int dir,
                      const struct app_sink *k);
void dns_conv_end(struct dns_conv *c, int64_t now_ns, const struct app_sink *k);
void dns_conv_free(struct dns_conv *c);

/* The port's kind, or -1 when the port is no DNS port. */
int dns_port_kind(uint16_t port);

/* "NXDOMAIN" etc. (RFC 6895 names); "RCODE<n>" in buf for others.  buf >= 12 bytes. */
const char *dns_rcode_name(unsigned rcode, char *buf, size_t len);
/* "A", "AAAA", ...; "TYPE<n>" (RFC 3597) in buf for others.  buf >= 12 bytes. */
const char *dns_qtype_name(unsigned qtype, char *buf, size_t len);

#endif
