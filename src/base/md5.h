/* md5.h - MD5 message digest (RFC 1321), incremental, for fingerprints (TLS JA3/JA3S).
 * Not for security: MD5 is broken for collision resistance; JA3 is defined over MD5. */
#ifndef VXS_BASE_MD5_H
#define VXS_BASE_MD5_H

#include <stddef.h>
#include <stdint.h>

struct md5 {
	uint32_t h[4];
	uint64_t len; /* bytes fed so far */
	uint8_t buf[64];
	size_t nbuf;
};

void md5_init(struct md5 *m);
void md5_update(struct md5 *m, const void *data, size_t n);
/* The 16-byte digest; m is spent afterwards. */
void md5_final(struct md5 *m, uint8_t out[16]);
/* The digest as 32 lower-case hex digits and a NUL into hex[33]. */
void md5_final_hex(struct md5 *m, char hex[33]);

#endif
