/* frag_ports.h - give IP fragments the ports of their datagram.
 *
 * Only the first fragment carries the TCP/UDP header.  This map remembers, per datagram
 * (session, addresses, protocol, IP id), the ports its first fragment showed, so the later
 * fragments count toward the same flow instead of a port-0 flow.  Bounded (FRAG_PORTS_SLOTS
 * entries, oldest overwritten) and time-limited (FRAG_PORTS_TTL_NS, RFC 791's 15 s
 * reassembly timer doubled).  Fragments that arrive before their first fragment keep port 0.
 */
#ifndef VXS_FLOW_FRAG_PORTS_H
#define VXS_FLOW_FRAG_PORTS_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/packet.h"

#define FRAG_PORTS_SLOTS 4096
#define FRAG_PORTS_TTL_NS (INT64_C(30) * 1000000000)

struct frag_ports_entry {
	uint64_t hash; /* 0 = empty */
	uint32_t frag_id;
	uint8_t proto, family;
	uint8_t src[16], dst[16];
	uint32_t sess_id;
	uint16_t sport, dport;
	int64_t ts_ns;
};

struct frag_ports {
	struct frag_ports_entry *v; /* FRAG_PORTS_SLOTS, allocated on first fragment */
	uint64_t noted, found, missed;
};

/* Remember the ports of a first fragment; look up the ports of a later one.  The lookup
 * returns false when the datagram's first fragment was not seen (or has expired). */
void frag_ports_note(struct frag_ports *m, const struct packet *p);
bool frag_ports_find(struct frag_ports *m, const struct packet *p, uint16_t *sport, uint16_t *dport);
void frag_ports_free(struct frag_ports *m);

#endif
