/* mirror_source.h - the software mirror source: frames seen on one source ENI -> the AWS
 * session/filter decision -> VXLAN copy -> the session's target (`vxscope mirror`).
 *
 * Spec: /work/shared/spec/aws-mirroring.md sections 1-4; the wire format and every choice
 * AWS leaves open are in docs/mirror-source.md.
 *
 * One frame: decode (tunnels not peeled: what the ENI carries is what is mirrored); our own
 * VXLAN copies seen again on the interface are skipped; direction from the ENI's own
 * addresses (ingress = received by the ENI, egress = sent by it); mirror_decide(); the copy
 * is cut to the decided length, encapsulated (vxlan_encap.h) with the outer source = the
 * ENI's address of the target's family and the outer source port = the symmetric flow hash;
 * a target with several addresses is an NLB: the flow hash picks the address, so one inner
 * flow always goes to one address; the token bucket (--max-bps) may drop it; then it is
 * sent.
 *
 * Sending: a raw IP socket (IPv4 IPPROTO_RAW = IP_HDRINCL; IPv6 IPPROTO_RAW, which Linux
 * treats as header-included) so the outer headers are exactly ours.  Without CAP_NET_RAW, a
 * plain UDP socket per family, bound to the ENI's address where it is local (else the kernel
 * picks the source address); one source port for every flow (an NLB sees one flow); the
 * kernel computes the UDP checksum; the warning says so.  Frames bigger than the path MTU are never fragmented: the send fails (EMSGSIZE) and
 * the copy is counted as dropped.
 *
 * Threads: none.  Memory: one send buffer; nothing allocated per packet.
 */
#ifndef VXS_ENGINE_MIRROR_SOURCE_H
#define VXS_ENGINE_MIRROR_SOURCE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/live.h"
#include "capture/reader.h"
#include "decode/decode.h"
#include "mirror/aws_config.h"
#include "mirror/mirror_filter.h"

/* Outer Ethernet bytes counted per copy for --max-bps (the link carries them too). */
#define MIRROR_SOURCE_L2_BYTES 14
/* Synthesised inner MAC for the far side of bare-IP captures (spec 4.3: [UNVERIFIED] which
 * MACs AWS shows; the ENI's own MAC is used on its side, 02:00:00:00:00:01 if unknown). */
#define MIRROR_SOURCE_GW_MAC                                                                       \
	{                                                                                          \
		0x02, 0x00, 0x00, 0x00, 0x00, 0xfe                                                 \
	}

enum mirror_send_mode {
	MIRROR_SEND_RAW = 0, /* raw IP socket: our outer headers */
	MIRROR_SEND_UDP,     /* kernel UDP socket: kernel's outer source address and port */
};

struct mirror_source_cfg {
	const struct aws_config *config; /* validated; outlives the source */
	const struct aws_eni *eni;       /* the source ENI (config-owned) */
	struct mirror_opts opts;
	uint64_t max_bps;    /* mirror bits per second incl. headers; 0 = no bound */
	uint64_t burst_bits; /* bucket depth; 0 = max(max_bps / 20, 2 jumbo copies) */
	bool force_udp;      /* use the UDP socket even with CAP_NET_RAW */
	uint16_t udp_port;   /* UDP-socket mode: destination port, 0 = 4789 (for tests) */
};

/* Per-session counters, in the ENI's session order (eni->sessions[i]). */
struct mirror_session_counters {
	uint64_t packets, bytes; /* copies sent, outer IP bytes */
	uint64_t truncated;
};

struct mirror_counters {
	uint64_t frames;                        /* frames read */
	uint64_t frame_bytes;                   /* their wire length */
	uint64_t selected;                      /* the decision said "mirror" */
	uint64_t mirrored;                      /* copies sent */
	uint64_t mirrored_bytes;                /* outer IP bytes sent */
	uint64_t inner_bytes;                   /* inner frame bytes sent */
	uint64_t truncated;                     /* copies shorter than their frame */
	uint64_t trunc_by[3];                   /* by enum mirror_trunc */
	uint64_t filtered[MIRROR_REASON_COUNT]; /* not mirrored, by reason ([0] unused) */
	uint64_t filtered_total;
	uint64_t not_source;   /* neither from nor to the ENI (promiscuous noise) */
	uint64_t own_copies;   /* our own VXLAN copies seen again on the interface */
	uint64_t unsupported;  /* a link type we cannot turn into an Ethernet frame */
	uint64_t dropped_rate; /* --max-bps had no tokens */
	uint64_t dropped_rate_bytes;
	uint64_t dropped_send;    /* sendto failed (EMSGSIZE: over the path MTU, ...) */
	uint64_t dropped_no_addr; /* the ENI has no address of the target's family */
	int last_send_errno;
	struct mirror_session_counters session[AWS_ENI_SESSIONS_CAP];
};

struct mirror_source;

/* Check the ENI (it must have an address and at least one session whose target has an
 * address) and open the send sockets.  0, or -EINVAL (config problem), -EPERM/-errno
 * (sockets); errbuf says what and why.  *warn (may be NULL) receives a warning to print
 * ("" if none): the UDP fallback explains what differs.  *out owned by the caller. */
int mirror_source_new(struct mirror_source **out, const struct mirror_source_cfg *cfg, char *errbuf,
                      size_t errlen, char *warn, size_t warnlen)
    __attribute__((warn_unused_result));

/* One frame with its capture facts (frame, ts_ns, caplen, wirelen, linktype, data).  The
 * other fields of p are overwritten (decode). */
void mirror_source_frame(struct mirror_source *ms, struct packet *p);

/* Read a live interface until *stop, or `count` frames (0 = no limit).  With
 * stats_interval_s > 0, calls on_stats (may be NULL) every stats_interval_s seconds.
 * 0 when stopped (*stop or count), -ENODEV when the interface went away, -EIO when libpcap
 * failed; live_error() says why. */
int mirror_source_run_live(struct mirror_source *ms, struct live_capture *lc,
                           volatile sig_atomic_t *stop, uint64_t count, unsigned stats_interval_s,
                           void (*on_stats)(const struct mirror_source *ms, void *arg), void *arg);

/* Read a capture file until its end, *stop or `count` frames.  replay_speed 0: as fast as
 * allowed; > 0: honour the timestamps, scaled (1 = real time, 2 = twice as fast).
 * Returns the reader's final status (CAPTURE_EOF, CAPTURE_DAMAGED, CAPTURE_IOERR), or
 * CAPTURE_FRAME when stopped early. */
enum capture_status
mirror_source_run_file(struct mirror_source *ms, struct capture_reader *r,
                       volatile sig_atomic_t *stop, uint64_t count, double replay_speed,
                       unsigned stats_interval_s,
                       void (*on_stats)(const struct mirror_source *ms, void *arg), void *arg);

const struct mirror_counters *mirror_source_counters(const struct mirror_source *ms);
enum mirror_send_mode mirror_source_send_mode(const struct mirror_source *ms);
const struct aws_eni *mirror_source_eni(const struct mirror_source *ms);

void mirror_source_free(struct mirror_source *ms);

#endif
