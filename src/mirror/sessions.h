/* sessions.h - the mirror sessions seen in traffic: (tunnel kind, outer source, VNI).
 *
 * A mirror session in AWS terms is one source ENI sending with one VNI; on the wire that is
 * the outer source address plus the VNI of the innermost tunnel.  This table counts what each
 * session delivered (packets, bytes, truncated copies, time range).  Bounded: past
 * SESSIONS_MAX distinct sessions, the rest are counted together as "overflow".
 */
#ifndef VXS_ENGINE_SESSIONS_H
#define VXS_ENGINE_SESSIONS_H

#include <stdint.h>

#include <stdbool.h>
#include <stddef.h>

#include "decode/packet.h"

#define SESSIONS_MAX 4096

struct aws_config;
struct aws_session;

struct session {
	enum tunnel_kind kind;  /* TUN_NONE: the frames that came in bare */
	bool has_id;
	uint32_t id;
	struct ip_addr outer_src, outer_dst;
	bool gwlb;              /* arrived through a GWLB (GENEVE class 0x0108) */
	uint64_t packets, wire_bytes, inner_bytes;
	uint64_t truncated;      /* copies the mirror cut: the outer frame is whole, the inner
	                            packet is shorter than its IP length (PacketLength, target MTU) */
	uint64_t truncated_bytes_lost;
	uint64_t snap_cut;       /* frames the capture itself cut (snap length): not the mirror */
	uint64_t duplicates;    /* copies of packets first seen in another session */
	uint32_t max_inner_len; /* largest inner IP length seen */
	int64_t first_ns, last_ns;
	uint64_t first_frame;
	/* the AWS session (--sessions) by VNI and outer source, NULL if none or no config */
	const struct aws_session *aws;
};

struct session_table {
	struct session *v;       /* SESSIONS_MAX entries, n used */
	uint32_t n;
	int32_t *index;          /* open addressing: slot -> index into v, -1 empty */
	int32_t last;            /* the session of the previous packet: the common case */
	uint64_t overflow_packets;
	const struct aws_config *aws; /* validated AWS model to attribute sessions, or NULL */
};

void session_table_init(struct session_table *t);
void session_table_fini(struct session_table *t);
/* Count p against its session; returns the session, or NULL past the bound. */
struct session *session_table_packet(struct session_table *t, const struct packet *p);
/* A short label: "vxlan vni 4242 from 10.0.0.5", "bare"; with an AWS session:
 * "tms-... (eni-...) vxlan vni 4242 from 10.0.0.5". */
void session_label(const struct session *s, char *buf, size_t len);

#endif
