/* sha1.h - SHA-1 (FIPS 180-4), for the names scripts go by (EVALSHA). */
#ifndef SYNAP_SHA1_H
#define SYNAP_SHA1_H

#include <stddef.h>

#define SHA1_HEX_LEN 40

/* The digest of len bytes at p as 40 lowercase hex digits and a NUL. */
void sha1_hex(const void *p, size_t len, char out[SHA1_HEX_LEN + 1]);

#endif
