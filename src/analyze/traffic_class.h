/* traffic_class.h - the QoS class of a flow: voice, video, interactive, database, web, bulk,
 * other; from its DSCP and ports (the application layer can refine it later).
 *
 * Default map (docs/qos.md): DSCP EF (46) or SIP 5060/5061 or an RTP-like UDP flow (even
 * ports >= 1024 on both ends) -> voice; AF41-AF43 / CS4 / RTSP 554 -> video; SSH 22,
 * telnet 23, RDP 3389 -> interactive; PostgreSQL 5432, MySQL 3306, Redis 6379, MongoDB 27017,
 * MSSQL 1433, Oracle 1521, Cassandra 9042 -> database; HTTP(S) 80/443/8080/8443 -> web;
 * rsync 873, SMB 445, NFS 2049, iperf3 5201 -> bulk; anything else -> other (a TCP flow that
 * moves much data for long is promoted to bulk at its end, tclass_refine()).  The application
 * layer names voice for flows its SIP and RTP parsers took (struct flow's class_hint,
 * tclass_of_flow()).  Single-threaded;
 * the map is a small table of rules tried in order, first match wins.
 */
#ifndef VXS_ANALYZE_TRAFFIC_CLASS_H
#define VXS_ANALYZE_TRAFFIC_CLASS_H

#include <stdbool.h>
#include <stdint.h>

enum tclass {
	TC_VOICE = 0,
	TC_VIDEO,
	TC_INTERACTIVE,
	TC_DATABASE,
	TC_WEB,
	TC_BULK,
	TC_OTHER,
	TC_COUNT
};

#define TCLASS_MAX_RULES 64

/* One rule: match DSCP (-1 any) and/or a port on either end (0 any) within [port_lo, port_hi]
 * and protocol (0 any). */
struct tclass_rule {
	int dscp;
	uint16_t port_lo, port_hi;
	uint8_t proto;
	bool even_ports; /* both ports even (RTP-like) */
	enum tclass cls;
};

struct tclass_map {
	struct tclass_rule r[TCLASS_MAX_RULES];
	unsigned n;
	unsigned nuser; /* the first nuser rules came from a class-map file */
};

/* The default map above. */
void tclass_map_default(struct tclass_map *m);
/* Read a class map file: one rule a line, "CLASS dscp N", "CLASS port P[-Q] [tcp|udp]",
 * "CLASS rtp" (UDP, both ports even and >= 1024); '#' comments; lines of at most 255 bytes.  Rules from the file come before the defaults.  0, or -errno
 * (-EINVAL with *line set to the bad line number). */
int tclass_map_load(struct tclass_map *m, const char *path, unsigned *line)
	__attribute__((warn_unused_result));

enum tclass tclass_of(const struct tclass_map *m, uint8_t proto, uint16_t sport, uint16_t dport,
		      int dscp);
/* The class of a flow the application layer may have recognised: the class-map file's rules
 * first, then the application's class (hint: enum tclass + 1 as in struct flow's class_hint,
 * 0 none -- a SIP or RTP flow is voice), then the default rules. */
enum tclass tclass_of_flow(const struct tclass_map *m, uint8_t proto, uint16_t sport,
			   uint16_t dport, int dscp, uint8_t hint);
/* A flow classified `other` (or web) that moved at least 10 MB for at least 5 s becomes bulk. */
enum tclass tclass_refine(enum tclass c, uint8_t proto, uint64_t bytes, double seconds);
/* "voice", "video", "interactive", "database", "web", "bulk", "other". */
const char *tclass_name(enum tclass c);
/* The class of a name, or -1. */
int tclass_parse(const char *name);
/* Is this class delay-sensitive (voice, video, interactive)? */
bool tclass_delay_sensitive(enum tclass c);
/* The DSCP a class should carry (RFC 4594): voice EF 46, video AF41 34, interactive CS2 16,
 * database AF21 18, web 0, bulk CS1 8, other 0. */
int tclass_dscp(enum tclass c);
/* "EF", "AF41", "CS1", ... or "0"..."63" into buf. */
const char *dscp_name(int dscp, char *buf, unsigned len);

#endif
