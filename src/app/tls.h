/* tls.h - TLS handshakes seen from the wire (RFC 8446 TLS 1.3, RFC 5246 TLS 1.2, RFC 6066 SNI,
 * RFC 7301 ALPN, RFC 8701 GREASE): the ClientHello and ServerHello of each TCP connection,
 * alerts, handshake timing and the JA3/JA3S fingerprints.
 *
 * What a handshake holds: the server name (SNI), the versions the client offered (its
 * supported_versions extension, else its legacy version) and the one the server chose, the
 * ALPN protocols offered and chosen, the cipher suite chosen, the alerts each side sent
 * (level and description, or "encrypted"), and times: ClientHello to ServerHello
 * (hello_latency) and ClientHello to the client's first application_data record
 * (handshake_time: for TLS 1.3 that record is the client's Finished, for TLS 1.2 its first
 * protected data, after both Finished messages).  Strings are copied, bounded, NUL-terminated.
 */
#ifndef VXS_APP_TLS_H
#define VXS_APP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/app.h"

#define TLS_SNI_MAX      256   /* bytes kept of a server name, with the NUL */
#define TLS_ALPN_MAX     96    /* bytes kept of the ALPN list offered ("h2,http/1.1") */
#define TLS_VERSIONS_MAX 8     /* versions kept of a supported_versions list */
#define TLS_ALERTS_MAX   4     /* alerts kept per connection (all are counted) */
#define TLS_HELLO_MAX    16384 /* a longer hello is not read (counted as hello_too_long) */

/* Record content types (RFC 8446 B.1). */
#define TLS_CT_CCS       20
#define TLS_CT_ALERT     21
#define TLS_CT_HANDSHAKE 22
#define TLS_CT_APPDATA   23

struct tls_alert {
	bool from_client;
	bool encrypted; /* level and description unreadable (after ChangeCipherSpec) */
	uint8_t level;  /* 1 warning, 2 fatal */
	uint8_t desc;   /* RFC 8446 6 AlertDescription */
	uint64_t frame;
	int64_t ts_ns;
};

struct tls_txn {
	int client_dir; /* flow direction of the ClientHello (0 = originator) */
	bool has_ch, has_sh;
	/* ClientHello */
	uint64_t ch_frame, ch_end_frame; /* its first and last byte */
	int64_t ch_ns;
	uint16_t ch_version; /* legacy_version */
	uint16_t offered[TLS_VERSIONS_MAX];
	uint8_t noffered; /* from supported_versions (GREASE left out); 0: none sent */
	uint16_t ciphers_offered;
	char sni[TLS_SNI_MAX];
	bool sni_cut;
	char alpn[TLS_ALPN_MAX];
	bool alpn_cut;
	char ja3[33]; /* MD5 hex of the JA3 string */
	/* ServerHello */
	uint64_t sh_frame, sh_end_frame;
	int64_t sh_ns;
	uint16_t sh_version; /* the version chosen: supported_versions, else legacy_version */
	uint16_t cipher;
	char alpn_chosen[32];
	char ja3s[33];
	bool hello_retry; /* the first ServerHello was a HelloRetryRequest: then */
	uint64_t hrr_end_frame, ch2_end_frame; /* it, and the client's second ClientHello */
	char hrr_ja3s[33];                     /* (the sh_ fields are the real ServerHello's) */
	/* after */
	bool has_appdata;       /* the client sent application_data after the ServerHello */
	uint64_t appdata_frame; /* ... first in this frame */
	int64_t appdata_ns;
	struct tls_alert alerts[TLS_ALERTS_MAX];
	uint8_t nalerts;
	uint32_t alerts_total;
	bool fatal; /* a readable fatal alert (level 2) was sent */
	int64_t hello_latency_ns;  /* ServerHello - ClientHello's last byte; -1: n/a */
	int64_t handshake_ns;      /* client's first application_data - ClientHello; -1: n/a */
	bool lost;                 /* the record framing was lost (bytes missing) */
};

/* The per-connection state and its life (also behind app_tls_parser). */
struct tls_conv;
struct tls_conv *tls_conv_new(void);
void tls_conv_segment(struct tls_conv *c, const struct app_seg *s, int dir,
                      const struct app_sink *k);
void tls_conv_end(struct tls_conv *c, int64_t now_ns, const struct app_sink *k);
void tls_conv_free(struct tls_conv *c);

/* Does d (the first bytes of a TCP payload) begin a TLS handshake record with a ClientHello
 * or ServerHello? */
bool tls_is_hello_start(const uint8_t *d, size_t n);

/* "TLS 1.2", "SSL 3.0", "TLS 1.3 draft 23", "0x7f12"-style names into buf (>= 24 bytes). */
const char *tls_version_name(uint16_t v, char *buf, size_t len);
/* "handshake_failure" etc. (RFC 8446 6 names); "alert_<n>" in buf for others. */
const char *tls_alert_name(uint8_t desc, char *buf, size_t len);
/* Is v a GREASE value (RFC 8701: 0x?a?a with equal bytes)? */
bool tls_is_grease(uint16_t v);

#endif
