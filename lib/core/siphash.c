/* siphash.c - SipHash-1-3 (Aumasson and Bernstein), streaming. */
#include <string.h>

#include "core/siphash.h"

static inline uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

static inline void sip_round(struct sip *s)
{
	s->v0 += s->v1; s->v1 = rotl(s->v1, 13); s->v1 ^= s->v0; s->v0 = rotl(s->v0, 32);
	s->v2 += s->v3; s->v3 = rotl(s->v3, 16); s->v3 ^= s->v2;
	s->v0 += s->v3; s->v3 = rotl(s->v3, 21); s->v3 ^= s->v0;
	s->v2 += s->v1; s->v1 = rotl(s->v1, 17); s->v1 ^= s->v2; s->v2 = rotl(s->v2, 32);
}

static inline uint64_t le64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

void sip_init(struct sip *s, const uint8_t k[16])
{
	uint64_t k0 = le64(k), k1 = le64(k + 8);
	s->v0 = 0x736f6d6570736575ULL ^ k0;
	s->v1 = 0x646f72616e646f6dULL ^ k1;
	s->v2 = 0x6c7967656e657261ULL ^ k0;
	s->v3 = 0x7465646279746573ULL ^ k1;
	s->ntail = s->total = 0;
}

static inline void sip_block(struct sip *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	s->v0 ^= m;
}

void sip_update(struct sip *s, const void *data, size_t len)
{
	const uint8_t *p = data;

	s->total += len;
	if (s->ntail) {
		while (s->ntail < 8 && len) {
			s->tail[s->ntail++] = *p++;
			len--;
		}
		if (s->ntail < 8)
			return;
		sip_block(s, le64(s->tail));
		s->ntail = 0;
	}
	for (; len >= 8; p += 8, len -= 8)
		sip_block(s, le64(p));
	if (len)                /* p may be NULL for an empty key (FLUSHALL's op) */
		memcpy(s->tail, p, len);
	s->ntail = len;
}

uint64_t sip_final(struct sip *s)
{
	uint64_t b = (uint64_t)s->total << 56;
	for (size_t i = 0; i < s->ntail; i++)
		b |= (uint64_t)s->tail[i] << (8 * i);
	sip_block(s, b);
	s->v2 ^= 0xff;
	sip_round(s);
	sip_round(s);
	sip_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

uint64_t siphash(const void *data, size_t len, const uint8_t k[16])
{
	struct sip s;
	sip_init(&s, k);
	sip_update(&s, data, len);
	return sip_final(&s);
}
