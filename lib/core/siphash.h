/* siphash.h - SipHash-1-3, whole or streamed: the keyspace's and the
 * collections' hash function (keyed with a random seed per table, so keys
 * chosen by a client cannot pile into one bucket) and the digest's. */
#ifndef SYNAP_SIPHASH_H
#define SYNAP_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

struct sip {
	uint64_t v0, v1, v2, v3;
	uint8_t tail[8];
	size_t ntail, total;
};

void sip_init(struct sip *s, const uint8_t k[16]);
void sip_update(struct sip *s, const void *data, size_t len);
uint64_t sip_final(struct sip *s);

/* SipHash-1-3 of data with the 16-byte key k. */
uint64_t siphash(const void *data, size_t len, const uint8_t k[16]);

#endif
