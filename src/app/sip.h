/* sip.h - SIP messages (RFC 3261) over UDP and TCP grouped into dialogs by Call-ID, call
 * setup (INVITE to its final response), and the SDP bodies (RFC 4566, RFC 3264 offer/answer)
 * that announce RTP media, so the RTP parser (rtp.h) knows those flows.
 */
#ifndef VXS_APP_SIP_H
#define VXS_APP_SIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/app.h"

#define SIP_CALLID_MAX  128 /* bytes kept of a Call-ID, with the NUL */
#define SIP_METHOD_MAX  16
#define SIP_DIALOGS_MAX 64  /* open dialogs per flow; the oldest is reported when full */
#define SIP_MSGS_MAX    64  /* messages listed per dialog (all are counted) */
#define SIP_TCP_BUF     16384 /* bytes of one message buffered over TCP */
#define SIP_MEDIA_PT    8   /* payload types kept per SDP media line */

struct sip_msg_ref {
	uint64_t frame;
	uint16_t status;              /* a response's code; 0: a request */
	char method[SIP_METHOD_MAX];  /* a request's method; a response's CSeq method */
};

struct sip_dialog {
	int client_dir; /* flow direction of the dialog's first request (0 = originator) */
	char call_id[SIP_CALLID_MAX];
	bool call_id_cut;
	char method[SIP_METHOD_MAX]; /* the first request's method */
	uint64_t first_frame;
	int64_t first_ns, last_ns;
	uint32_t requests, responses;
	/* INVITE: a call */
	bool invite;
	uint64_t invite_frame;
	int64_t invite_ns;
	uint16_t final_status; /* the final response (>= 200) to the last INVITE; 0: none */
	uint64_t final_frame;
	int64_t final_ns;
	int64_t ringing_ns; /* first INVITE to the first 180/183; -1: none */
	int64_t setup_ns;   /* first INVITE to its 2xx; -1: none */
	bool cancel, bye;
	int64_t bye_ns;
	uint16_t other_final; /* the final response of a non-INVITE dialog (REGISTER, ...) */
	uint32_t nmsgs, msgs_dropped;
	struct sip_msg_ref msgs[SIP_MSGS_MAX];
};

/* An SDP media line: RTP expected at addr:port (UDP). */
struct sip_media {
	struct ip_addr addr;
	uint16_t port;
	bool audio; /* m=audio (else m=video or other) */
	uint8_t npt;
	struct {
		uint8_t pt;
		uint32_t rate; /* from a=rtpmap; 0: none given */
		char name[16];
	} pt[SIP_MEDIA_PT];
	uint64_t frame; /* the SIP message that carried it */
};

/* Parse an SDP body (text, n bytes), calling out() for each m= line with a port: the
 * connection address is the media's c= line, else the session's. */
void sip_sdp_parse(const uint8_t *d, size_t n, uint64_t frame,
                   void (*out)(void *ctx, const struct sip_media *m), void *ctx);

/* Does d begin like a SIP request line or status line? */
bool sip_is_start(const uint8_t *d, size_t n);

struct sip_conv;
struct sip_conv *sip_conv_new(void);
void sip_conv_segment(struct sip_conv *c, const struct app_seg *s, int dir,
                      const struct app_sink *k);
void sip_conv_end(struct sip_conv *c, int64_t now_ns, const struct app_sink *k);
void sip_conv_free(struct sip_conv *c);

#endif
